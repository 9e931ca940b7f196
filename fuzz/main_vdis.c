/* fuzz: vdis's main under another name, for fuzz_cli.c. */
#define main vdis_main
#include "../asm/vdis.c"

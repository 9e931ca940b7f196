/* fuzz: vld's main under another name, for fuzz_cli.c. */
#define main vld_main
#include "../asm/vld.c"

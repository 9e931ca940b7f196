/* fuzz: vasm's main under another name, for fuzz_cli.c. */
#define main vasm_main
#include "../asm/vasm.c"

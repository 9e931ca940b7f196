/*
 * fuzz: what the libFuzzer harnesses share (fuzz/README.md).
 *
 * Each harness defines LLVMFuzzerTestOneInput; built with clang's
 * -fsanitize=fuzzer it is fuzzed (make fuzz), built with replay.c's main
 * it replays files (make check replays tests/fuzz/regressions/).
 */
#ifndef VLIW_FUZZ_H
#define VLIW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where messages go: /dev/null, opened once (a message is work the
 * harness means to exercise, printing it is not). */
FILE *fuzz_sink(void);

/* A copy of an image or object whose header's size and CRC-32 are set
 * to fit its bytes, so that mutations reach the checks after the
 * checksum; unless VLIW_FUZZ_KEEP_CRC is set in the environment.  NULL
 * (nothing to fix) when it is shorter than a header. */
uint8_t *fuzz_fix_header(const uint8_t *data, size_t size);

#endif

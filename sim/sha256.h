/*
 * sha256: SHA-256 (FIPS 180-4) of a byte buffer, for vrun's --json digests
 * of the final memory and scratch (the golden results carry the same).
 */
#ifndef VLIW_SHA256_H
#define VLIW_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Writes the digest as 64 lowercase hex digits and a NUL into hex. */
void sim_sha256_hex(const void *data, size_t size, char hex[65]);

#endif

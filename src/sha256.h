/*
 * sha256.h: SHA-256 (FIPS 180-4), for the manifest checksum. Small enough to
 * carry instead of a crypto library: onedr only needs to notice a manifest
 * that was damaged or half-written, never to resist an attacker.
 */
#ifndef ONEDR_SHA256_H
#define ONEDR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t used;		/* bytes waiting in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char digest[32]);

/* The digest of len bytes as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif

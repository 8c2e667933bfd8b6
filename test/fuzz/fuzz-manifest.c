/*
 * fuzz-manifest.c - libFuzzer target for the manifest decoder
 * (src/manifest-format.c), which reads image-meta written by anyone with access
 * to the pool.
 *
 * The signature would stop almost every mutation at the first check, so the
 * target signs the input, taken as the body, with a fixed test key before
 * decoding: the fuzzer then reaches the XML reader and the checks of the
 * image templates. A decoded manifest must encode and decode back to an
 * equal, verified one. The input is also read as it is, with and without
 * the key, and as a version 1 (checksum only) manifest.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest-format.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define KEY "fuzz-manifest: a fixed test key."

static void hex_of(const unsigned char *d, size_t n, char *hex)
{
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

/* a header for data taken as the body: version 2 signed with KEY, or 1 */
static size_t header(const uint8_t *data, size_t size, int version, char *buf)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (version == 1) {
		SHA256(data, size, d);
		dlen = SHA256_DIGEST_LENGTH;
	} else if (!HMAC(EVP_sha256(), KEY, 32, data, size, d, &dlen)) {
		abort();
	}
	hex_of(d, dlen, hex);
	return (size_t)sprintf(buf, version == 1 ? "onedr-manifest 1 sha256=%s\n"
			       : "onedr-manifest 2 hmac-sha256=%s\n", hex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct manifest_key *key;
	struct manifest *m = NULL, *back = NULL;
	struct manifest_error err = { "" };
	char *buf, *text = NULL;
	size_t len, hlen;
	int r;

	if (!key && manifest_key_new(KEY, 32, &key) < 0)
		abort();
	/* as written (signature usually wrong), with the key and without */
	for (int k = 0; k < 2; k++) {
		r = manifest_decode((const char *)data, size, k ? key : NULL, &m, &err);
		if (r < 0 && err.msg[0] == '\0' && r != -ENOMEM)
			abort();
		if (r == 0 && k && m->auth == MANIFEST_UNVERIFIED)
			abort();	/* read with a key: never left unchecked */
		manifest_free(m);
		m = NULL;
	}

	buf = malloc(size + 128);
	if (!buf)
		return 0;
	/* as a version 1 manifest: read, but never verified */
	hlen = header(data, size, 1, buf);
	memcpy(buf + hlen, data, size);
	r = manifest_decode(buf, hlen + size, key, &m, &err);
	if (r == 0 && m->auth != MANIFEST_UNSIGNED)
		abort();
	manifest_free(m);
	m = NULL;

	/* signed with the key, the input taken as the body */
	hlen = header(data, size, 2, buf);
	memcpy(buf + hlen, data, size);
	r = manifest_decode(buf, hlen + size, key, &m, &err);
	if (r == 0) {
		if (m->auth != MANIFEST_VERIFIED)
			abort();
		if (manifest_encode(m, key, &text, &len) == 0) {
			if (manifest_decode(text, len, key, &back, &err) != 0 || !manifest_same(m, back) ||
			    back->auth != MANIFEST_VERIFIED)
				abort();
		}
		free(text);
	} else if (err.msg[0] == '\0' && r != -ENOMEM) {
		abort();
	}
	manifest_free(back);
	manifest_free(m);
	free(buf);
	return 0;
}

/*
 * fuzz-manifest.c - libFuzzer target for the manifest decoder
 * (src/manifest.c), which reads image-meta written by anyone with access
 * to the pool.
 *
 * The checksum would stop almost every mutation at the first check, so the
 * target fixes it up for the input's body before decoding: the fuzzer then
 * reaches the XML reader. A decoded manifest must encode and decode back
 * to an equal one.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest *m = NULL, *back = NULL;
	struct manifest_error err = { "" };
	char hex[SHA256_HEX_LEN + 1], *buf, *text = NULL;
	size_t len, hlen;
	int r;

	/* as written (checksum usually wrong) */
	r = manifest_decode((const char *)data, size, &m, &err);
	if (r < 0 && err.msg[0] == '\0' && r != -ENOMEM)
		abort();
	manifest_free(m);
	m = NULL;

	/* with a correct header for the input taken as the body */
	buf = malloc(size + 128);
	if (!buf)
		return 0;
	sha256_hex(data, size, hex);
	hlen = (size_t)sprintf(buf, "onedr-manifest 1 sha256=%s\n", hex);
	memcpy(buf + hlen, data, size);
	r = manifest_decode(buf, hlen + size, &m, &err);
	if (r == 0) {
		if (manifest_encode(m, &text, &len) == 0) {
			if (manifest_decode(text, len, &back, &err) != 0 || !manifest_same(m, back))
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

/*
 * manifest-format.h: the stored form of a manifest, written and read back.
 *
 * The stored form (the value of the RBD image-meta key MANIFEST_META_KEY on
 * every Ceph disk of the VM):
 *
 *   onedr-manifest 2 hmac-sha256=<64 hex digits>\n
 *   <ONEDR_MANIFEST>...</ONEDR_MANIFEST>
 *
 * The HMAC-SHA256 of the body, keyed with the secret both sites' admins
 * share (SIGNING_KEY in onedr.conf), says that onedr wrote it: anyone who
 * can write image-meta in the pool can write a manifest, only the key's
 * holders can sign one. Version 1 (`sha256=<hex>`, a bare checksum) is still
 * read, as UNSIGNED, so that the old manifests can be listed and re-exported.
 *
 * The XML body keeps every value byte for byte (quotes, brackets,
 * backslashes, newlines, UTF-8). No I/O but manifest_key_load, which reads
 * the key file; never prints.
 */
#ifndef ONEDR_MANIFEST_FORMAT_H
#define ONEDR_MANIFEST_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"

#define MANIFEST_META_KEY "onedr.manifest"
/* a snapshot-mode disk's manifest written but not yet carried by a mirror
 * snapshot (see manifest-store.h) */
#define MANIFEST_PENDING_KEY "onedr.manifest.pending"
/* the signing key: the whole content of the key file */
#define MANIFEST_KEY_MIN 32
#define MANIFEST_KEY_MAX 1024
/* the largest stored form onedr writes or reads; see README (image-meta) */
#define MANIFEST_MAX_SIZE (64u * 1024u)

/* The shared secret manifests are signed with; wiped when freed. */
struct manifest_key {
	size_t len;
	unsigned char bytes[MANIFEST_KEY_MAX];
};

/*
 * Read the key file at path: a regular file owned by the user running onedr,
 * readable by nobody else (mode 0600 or 0400), holding MANIFEST_KEY_MIN to
 * MANIFEST_KEY_MAX bytes, all of which are the key. Returns 0, -ENOMEM, or
 * -errno with the reason in *err (the key itself never appears there).
 */
int manifest_key_load(const char *path, struct manifest_key **ret, struct manifest_error *err);
/* A key from bytes (tests). */
int manifest_key_new(const void *bytes, size_t len, struct manifest_key **ret);
void manifest_key_free(struct manifest_key *k);

/* The stored form signed with key, malloc'd, NUL-terminated; -E2BIG past
 * MANIFEST_MAX_SIZE, -ENOKEY without a key. */
int manifest_encode(const struct manifest *m, const struct manifest_key *key,
		    char **ret_text, size_t *ret_len);

/*
 * Read a stored form; key (may be NULL) checks the signature, and (*ret)->auth
 * says what was checked. Returns 0, -ENOMEM, or, with the reason in *err:
 *   -EBADMSG   the signature does not match key, or a version 1 checksum does
 *              not match (damaged, half-written or forged),
 *   -EPROTONOSUPPORT  a format version this onedr does not know,
 *   -EINVAL    anything else malformed, including a disk whose image template
 *              has an attribute onedr does not write, or a SOURCE that is not
 *              the disk's pool/RBD,
 *   -E2BIG     longer than MANIFEST_MAX_SIZE.
 * Only a MANIFEST_VERIFIED manifest may be acted on.
 */
int manifest_decode(const char *text, size_t len, const struct manifest_key *key,
		    struct manifest **ret, struct manifest_error *err);

/* Whether a and b say the same thing, their times aside. */
bool manifest_same(const struct manifest *a, const struct manifest *b);

#endif

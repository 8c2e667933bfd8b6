/*
 * manifest.h: what Site B needs to bring a VM back when Site A is gone.
 *
 * A manifest holds the VM's portable template (its TEMPLATE and
 * USER_TEMPLATE without what oned generated, following OpenNebula's "save as
 * template" rules) and one entry per disk: the RBD that holds it and the
 * image template that registers that RBD as a persistent image on Site B.
 * Disks that are not on Ceph are kept as "unprotected" entries with the
 * reason, so that nothing is dropped silently.
 *
 * It is built from the VM's XML document alone (one.vm.info or a hook's
 * payload), optionally helped by the documents of the VM's images.
 *
 * Stored form (the value of the RBD image-meta key MANIFEST_META_KEY on
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
 * backslashes, newlines, UTF-8). This module does no I/O: it never talks to
 * Ceph or oned, never prints (manifest_key_load reads the key file).
 */
#ifndef ONEDR_MANIFEST_H
#define ONEDR_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "one-doc.h"
#include "template.h"

#define MANIFEST_META_KEY "onedr.manifest"
#define MANIFEST_VERSION 2
/* a snapshot-mode disk's manifest written but not yet carried by a mirror
 * snapshot (see manifest-store.h) */
#define MANIFEST_PENDING_KEY "onedr.manifest.pending"
/* the signing key: the whole content of the key file */
#define MANIFEST_KEY_MIN 32
#define MANIFEST_KEY_MAX 1024
/* the largest stored form onedr writes or reads; see README (image-meta) */
#define MANIFEST_MAX_SIZE (64u * 1024u)

enum disk_kind {
	DISK_PERSISTENT,	/* persistent image: RBD one-<IMAGE> */
	DISK_CLONE,		/* non-persistent image: RBD one-<IMAGE>-<VM>-<DISK> */
	DISK_VOLATILE,		/* volatile disk: RBD one-sys-<VM>-<DISK> */
	DISK_UNPROTECTED,	/* not on Ceph: cannot travel with the manifest */
};

struct manifest_disk {
	int disk_id;
	enum disk_kind kind;
	char *pool, *rbd;	/* where the disk lives; NULL when unprotected */
	char *reason;		/* unprotected: why; else NULL */
	char *datastore;	/* Site A datastore name (image DS, or system DS for volatile) */
	int datastore_id;
	int image_id;		/* Site A image ID, -1 for a volatile disk */
	char *uname, *gname;	/* owner of the image on Site A */
	struct tmpl *image;	/* image template for Site B; NULL when unprotected */
};

/* What the header says about who wrote the manifest. */
enum manifest_auth {
	MANIFEST_UNSIGNED,	/* version 1: a checksum only (an older onedr) */
	MANIFEST_UNVERIFIED,	/* signed, but read without a key to check it */
	MANIFEST_VERIFIED,	/* signed with the key it was read with */
};

struct manifest {
	unsigned version;
	enum manifest_auth auth;	/* how it was read (not stored) */
	long long retired;	/* when the VM was found gone from its site; 0: not */
	char *site;		/* where it was taken */
	int vm_id;		/* the VM's ID there */
	long long time;		/* when, seconds since the epoch */
	char *name, *uname, *gname;	/* the VM's name and owner there */
	char *sys_ds;		/* its system datastore there (export sets it), or NULL */
	struct tmpl *tmpl;	/* portable TEMPLATE; DISKs in the order of disks[] */
	struct tmpl *user_tmpl;	/* portable USER_TEMPLATE */
	size_t n_disks;
	struct manifest_disk *disks;
};

struct manifest_error {
	char msg[256];
};

void manifest_free(struct manifest *m);

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

/*
 * Build the manifest of vm, taken at site at time now. images (may be NULL)
 * are the documents of the VM's images; without them the image templates
 * take name and owner from the DISK itself. Returns 0, -ENOMEM, or -EINVAL
 * with the reason in *err (a VM that has no ID, a disk that says it is on
 * Ceph but has no SOURCE, ...).
 */
int manifest_build(const struct one_vm *vm, const struct one_objs *images,
		   const char *site, long long now, struct manifest **ret,
		   struct manifest_error *err);

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

/* For people: the VM template and each image template in OpenNebula's
 * template syntax, with comments saying where they came from. */
int manifest_to_text(const struct manifest *m, char **ret_text);

const char *disk_kind_name(enum disk_kind k);

/* Whether m lists the RBD pool/rbd among its disks. */
bool manifest_has_disk(const struct manifest *m, const char *pool, const char *rbd);

/*
 * An image's SOURCE as pool and RBD name, the way the Ceph datastore
 * drivers read it: blanks around the value and around each part are
 * ignored, a SOURCE without a pool is in default_pool, and "@snap" names a
 * snapshot of the RBD (*ret_snap true). Fills pool and rbd (NUL-terminated,
 * each of size len); -EINVAL when src is not of that form.
 */
int manifest_source_split(const char *src, const char *default_pool, char *pool, char *rbd,
			  size_t len, bool *ret_snap);

/* Exposed for tests: remove from a VM's TEMPLATE / USER_TEMPLATE what oned
 * generates (in place). */
int manifest_strip_template(struct tmpl *t);
int manifest_strip_user_template(struct tmpl *t);

#endif

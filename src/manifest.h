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
 *   onedr-manifest 1 sha256=<64 hex digits of the rest>\n
 *   <ONEDR_MANIFEST>...</ONEDR_MANIFEST>
 *
 * The XML body keeps every value byte for byte (quotes, brackets,
 * backslashes, newlines, UTF-8). This module does no I/O: it never talks to
 * Ceph or oned, never prints.
 */
#ifndef ONEDR_MANIFEST_H
#define ONEDR_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "one-doc.h"
#include "template.h"

#define MANIFEST_META_KEY "onedr.manifest"
#define MANIFEST_VERSION 1
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

struct manifest {
	unsigned version;
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

/* The stored form, malloc'd, NUL-terminated; -E2BIG past MANIFEST_MAX_SIZE. */
int manifest_encode(const struct manifest *m, char **ret_text, size_t *ret_len);

/*
 * Read a stored form. Returns 0, -ENOMEM, or, with the reason in *err:
 *   -EBADMSG   the checksum does not match (damaged or half-written),
 *   -EPROTONOSUPPORT  a format version this onedr does not know,
 *   -EINVAL    anything else malformed,
 *   -E2BIG     longer than MANIFEST_MAX_SIZE.
 */
int manifest_decode(const char *text, size_t len, struct manifest **ret,
		    struct manifest_error *err);

/* Whether a and b say the same thing, their times aside. */
bool manifest_same(const struct manifest *a, const struct manifest *b);

/* For people: the VM template and each image template in OpenNebula's
 * template syntax, with comments saying where they came from. */
int manifest_to_text(const struct manifest *m, char **ret_text);

const char *disk_kind_name(enum disk_kind k);

/* Exposed for tests: remove from a VM's TEMPLATE / USER_TEMPLATE what oned
 * generates (in place). */
int manifest_strip_template(struct tmpl *t);
int manifest_strip_user_template(struct tmpl *t);

#endif

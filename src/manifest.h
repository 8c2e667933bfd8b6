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
 * payload), optionally helped by the documents of the VM's images, and
 * stored signed in the RBD image-meta of every Ceph disk of the VM.
 *
 * The steps, one file each:
 *   manifest-build.h   build it from the VM document (what oned generates is dropped)
 *   rbd-name.h         an image's SOURCE as pool and RBD
 *   manifest-format.h  the stored form: sign, encode, decode
 *   manifest.h         (here) the manifest in memory, and its text for people
 * None of them does I/O: they never talk to Ceph or oned, never print
 * (manifest_key_load reads the key file).
 */
#ifndef ONEDR_MANIFEST_H
#define ONEDR_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "one-doc.h"
#include "template.h"

#define MANIFEST_VERSION 2

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

/* Write the message into err (when given) and return r: the error path of
 * the manifest modules (build, format). */
int manifest_fail(struct manifest_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Whether name is one of the NULL-terminated list. */
bool manifest_name_in(const char *name, const char *const *list);

void manifest_free(struct manifest *m);

/* For people: the VM template and each image template in OpenNebula's
 * template syntax, with comments saying where they came from. */
int manifest_to_text(const struct manifest *m, char **ret_text);

const char *disk_kind_name(enum disk_kind k);

/* Whether m lists the RBD pool/rbd among its disks. */
bool manifest_has_disk(const struct manifest *m, const char *pool, const char *rbd);

#endif

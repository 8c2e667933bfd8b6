/*
 * manifest-store.h: manifests kept in RBD image-meta (key MANIFEST_META_KEY)
 * on the disks of the VM they describe.
 *
 * rbd-mirror replicates image-meta with the data: in journal mode as soon as
 * the journal entry is replayed; in snapshot mode only with the next mirror
 * snapshot, so store_write() takes one after changing the manifest of a
 * snapshot-mode primary. A non-primary image refuses metadata (-EROFS).
 *
 * Between the metadata and the snapshot, MANIFEST_PENDING_KEY marks the
 * image: a run killed there leaves it, and the next store_write() or
 * store_retire() takes the snapshot even when the manifest is unchanged.
 */
#ifndef ONEDR_MANIFEST_STORE_H
#define ONEDR_MANIFEST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "ceph.h"
#include "manifest-format.h"

enum store_result {
	STORE_UNCHANGED,	/* the image already held the same manifest */
	STORE_WRITTEN,		/* written; journal mode carries it to the peer */
	STORE_WRITTEN_SNAPSHOT,	/* written, and a mirror snapshot taken to carry it */
	STORE_WRITTEN_UNMIRRORED, /* written, but the image is not mirrored */
	STORE_SNAPSHOT_RETAKEN,	/* unchanged, but the last write stopped before
				 * its mirror snapshot: taken now */
};

/*
 * Write m, signed with key, into image's metadata unless it already holds
 * the same manifest (its time aside) signed with key. Returns 0 and what
 * happened in *ret, or -ENOENT (no such image), -EROFS (non-primary),
 * -EBUSY (primary, but another client holds the exclusive lock and will not
 * release it: ceph_lock_describe() says who), -E2BIG (manifest too large),
 * -ENOKEY (no key), -ETIMEDOUT, or another -errno from librbd.
 */
int store_write(rados_ioctx_t io, const char *image, const struct manifest *m,
		const struct manifest_key *key, const struct timespec *deadline,
		enum store_result *ret);

/* What the caller already read of an open image's mirroring. */
struct store_mirror {
	bool enabled;		/* mirroring enabled */
	bool primary;		/* primary here (when enabled) */
	bool snapshot;		/* snapshot mode (when enabled and primary) */
};

/*
 * store_write() on an open image (opened read-write) whose stored manifest
 * the caller read already: cur (cur_len bytes; NULL: none). known (may be
 * NULL) is its mirroring, when the caller read that too.
 */
int store_write_image(struct ceph_image *img, const struct manifest *m,
		      const struct manifest_key *key, const char *cur, size_t cur_len,
		      const struct store_mirror *known, const struct timespec *deadline,
		      enum store_result *ret);

/* The stored form of m, signed with key, to write over cur (the stored
 * text, cur_len bytes; NULL: none): *ret_text NULL when cur already holds
 * the same manifest, signed with key. -E2BIG, -ENOKEY as manifest_encode. */
int store_encode_over(const struct manifest *m, const struct manifest_key *key,
		      const char *cur, size_t cur_len, char **ret_text);

/* Whether a snapshot-mode write stopped before its mirror snapshot on the
 * open image (MANIFEST_PENDING_KEY is there): a write must follow. */
int store_pending(struct ceph_image *img, const struct timespec *deadline, bool *ret);

/*
 * Mark the manifest on image of VM (site, vm_id) retired at now: the VM no
 * longer exists there, and register/recreate --all leave it alone. It
 * travels like any manifest. Already retired: STORE_UNCHANGED. Returns what
 * store_write does, and -ENODATA (no manifest), -EBADMSG (damaged or signed
 * with another key), -EKEYREJECTED (unsigned: onedr signs only what it
 * wrote), -ESRCH (the image holds another VM's manifest).
 */
int store_retire(rados_ioctx_t io, const char *image, const char *site, int vm_id,
		 const struct manifest_key *key, long long now, const struct timespec *deadline,
		 enum store_result *ret);

/* The stored text of image's manifest. -ENOENT: no such image; -ENODATA: the
 * image has no manifest; -E2BIG: larger than MANIFEST_MAX_SIZE. */
int store_read(rados_ioctx_t io, const char *image, const struct timespec *deadline,
	       char **ret_text, size_t *ret_len);

/* The same on an open image. */
int store_read_image(struct ceph_image *image, const struct timespec *deadline,
		     char **ret_text, size_t *ret_len);

/* One image of a pool that holds a manifest. */
struct store_copy {
	char *image;			/* RBD name */
	int r;				/* 0, or why it could not be read or decoded */
	char err[256];			/* when r < 0 */
	struct manifest *m;		/* when r == 0; m->auth: signed? */
};

/* All manifests of one VM found in a pool: the newest copy of the best
 * authenticated (verified, unverified, unsigned) decides. */
struct store_vm {
	const struct manifest *m;	/* that copy (owned by a store_copy) */
	size_t copies;			/* images holding a manifest of this VM */
	bool differ;			/* some copies say something else (older) */
};

struct store_scan {
	size_t ncopies;
	struct store_copy *copies;	/* in pool listing order */
	size_t nvms;
	struct store_vm *vms;		/* ordered by site, then VM ID */
	size_t nbad;			/* copies that could not be read or decoded */
};

/* Read every manifest of the pool (or of the nimages images named), concurrency
 * images at a time, checking signatures with key (may be NULL). Images without
 * a manifest are left out, except named ones, which stay with r -ENODATA (no
 * manifest) or -ENOENT (no such image). A copy whose signature does not match,
 * or that does not list the image it was read from among its disks, is bad. */
int store_scan(rados_ioctx_t io, const char *const *images, size_t nimages,
	       const struct manifest_key *key, unsigned concurrency, double image_timeout,
	       struct store_scan *ret);
void store_scan_free(struct store_scan *s);

/* The VM (site, id) of a scan; site NULL: the only VM with that ID from a
 * site other than not_site. -ENOENT: none; -EEXIST: several (ambiguous). */
int store_find(const struct store_scan *s, const char *site, int id, const char *not_site,
	       const struct store_vm **ret);

#endif

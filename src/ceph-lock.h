/*
 * ceph-lock.h: who holds an image's exclusive lock, and taking an image from
 * this site's rbd-mirror when the peer site is lost (promote --force).
 *
 * With its peer site dead, the local rbd-mirror keeps replaying state for
 * each image: it watches the image and holds its exclusive lock, waiting on
 * the peer forever. librbd's forced promote of a snapshot-mode image waits
 * until no rbd-mirror instance watches the image (it hangs), and a
 * journal-mode image, although promoted, refuses writes and image-meta
 * (EROFS, "failed to lock image"), because the owner never answers the
 * request to release the lock. ceph_lock_take_from_mirror() blocklists that
 * rbd-mirror client (the OSDs then drop its watches and refuse its writes)
 * and breaks its lock, which is what Ceph's own lock break does to a dead
 * owner. Only the rbd-mirror instance the pool assigned the image to is
 * touched (its global id is the lock owner's entity number); a lock held by
 * any other client (QEMU, another onedr) is reported, never broken.
 */
#ifndef ONEDR_CEPH_LOCK_H
#define ONEDR_CEPH_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

/* How long the blocklist entry of a taken rbd-mirror client lasts. The
 * daemon reconnects under a new address, so the entry only has to outlive
 * the old client; Ceph's own default for lock breaks is one hour too. */
#define CEPH_LOCK_BLOCKLIST_SECONDS 3600

struct ceph_lock_owner {
	char entity[64];	/* "client.4155" */
	char cookie[128];	/* the lock's cookie */
	char addr[128];		/* "127.0.0.1:0/384539206" */
	bool mirror;		/* the local rbd-mirror instance serving this image */
};

struct ceph_image;

/* Who holds image's exclusive lock (and whether it is this site's
 * rbd-mirror), under deadline. -ENOENT: nobody. */
int ceph_lock_owner(struct ceph_image *image, const struct timespec *deadline,
		    struct ceph_lock_owner *ret_owner);

/*
 * Only for a forced promote with the peer site lost: when this site's
 * rbd-mirror instance for image holds its exclusive lock or watches it,
 * blocklist that client for CEPH_LOCK_BLOCKLIST_SECONDS and break its lock.
 * Returns 2 when it took the image and blocklisted the client just now, 1
 * when it took it from a client this process had blocklisted already
 * (ret_owner says from whom), 0 when no rbd-mirror had it, -EBUSY when another client holds the lock (ret_owner
 * says who; left alone), or another -errno.
 */
int ceph_lock_take_from_mirror(rados_t rados, rados_ioctx_t io, struct ceph_image *image,
			       const struct timespec *deadline, struct ceph_lock_owner *ret_owner);

/* "client.4155 at 127.0.0.1:0/384539206 (this site's rbd-mirror)", for messages. */
void ceph_lock_owner_format(const struct ceph_lock_owner *o, char *buf, size_t len);

/* Open image (read-only) and describe its lock owner into buf, for the
 * message of a write refused on a primary image. -ENOENT: no lock held. */
int ceph_lock_describe(rados_ioctx_t io, const char *image, const struct timespec *deadline,
		       char *buf, size_t len);

#endif

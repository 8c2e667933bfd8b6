/*
 * ceph-lock.c: exclusive-lock owners, and taking an image from this site's
 * rbd-mirror on a forced promote; see ceph-lock.h.
 *
 * Why a forced promote hangs (Ceph 16.2, measured in the lab with site-a
 * killed): librbd's snapshot-mode promote creates an orphan snapshot, then
 * lists the image's watchers and, while an rbd-mirror instance is among
 * them, waits for it to close the image, re-listing every 5 s, without end.
 * Site-b's rbd-mirror never closes it: its image replayer is stuck on the
 * dead peer. A journal-mode promote does not wait, but that rbd-mirror keeps
 * the exclusive lock and never answers the request to release it, so every
 * write and image-meta set fails with EROFS ("failed to lock image").
 *
 * What works: blocklisting that rbd-mirror client. The OSDs drop its watches
 * at once, so the snapshot-mode promote goes on (about 5 s), and a lock whose
 * owner is blocklisted and no longer watching is one librbd breaks itself;
 * onedr breaks it at once so the image is free right after the promote.
 * rbd-mirror runs one librados client per pool: only that pool's replayer
 * is cut off; the daemon notices, starts the pool's replayer again with a
 * new client, and replication resumes when the peer is back (t0035).
 *
 * Which client is this site's rbd-mirror: librbd's mirror instance id of the
 * image (rbd_mirror_image_get_instance_id) is the global id of the
 * rbd-mirror client the pool's leader assigned the image to, and the pool's
 * class method answers it only while that instance still watches the pool's
 * rbd_mirroring object (-ESTALE otherwise). A lock owner or watcher
 * "client.<that id>" is that daemon; no other client is ever blocklisted.
 */
#include "config.h"

#include "ceph-lock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ceph.h"

#define LOCK_NAME "rbd_lock"	/* librbd's exclusive lock on rbd_header.<id> */

static int lock_owner(rbd_image_t image, struct ceph_lock_owner *ret_owner)
{
	struct ceph_lock_owner o;
	char tag[128];
	size_t tag_len = sizeof(tag), entity_len = sizeof(o.entity);
	size_t cookie_len = sizeof(o.cookie), addr_len = sizeof(o.addr);
	int exclusive = 0;
	ssize_t n;

	/* an exclusive lock has one locker, which fits the owner's fields */
	memset(&o, 0, sizeof(o));
	n = rbd_list_lockers(image, &exclusive, tag, &tag_len, o.entity, &entity_len,
			     o.cookie, &cookie_len, o.addr, &addr_len);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	*ret_owner = o;
	return 0;
}

/* "client.<id>" of the live rbd-mirror instance serving image. -ENOENT:
 * none (not assigned, or the instance is gone: -ESTALE from the class). */
static int mirror_entity(rbd_image_t image, char *buf, size_t len)
{
	char id[32];		/* a 64-bit global id */
	size_t id_len = sizeof(id);
	int r;

	r = rbd_mirror_image_get_instance_id(image, id, &id_len);
	if (r == -ESTALE)
		return -ENOENT;
	if (r < 0)
		return r;
	snprintf(buf, len, "client.%s", id);
	return 0;
}

/* The address of the watcher whose entity is `entity`. -ENOENT: none. */
static int watcher_addr(rbd_image_t image, const char *entity, char *buf, size_t len)
{
	rbd_image_watcher_t w[16];
	size_t n = sizeof(w) / sizeof(w[0]), i;
	char name[64];
	int r;

	r = rbd_watchers_list(image, w, &n);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "client.%" PRId64, w[i].id);
		if (r == -ENOENT && !strcmp(name, entity)) {
			snprintf(buf, len, "%s", w[i].addr);
			r = 0;
		}
	}
	rbd_watchers_list_cleanup(w, n);
	return r;
}

/* The rbd-mirror clients this process blocklisted: the images of a pool
 * share one, each blocklisting is a monitor command, and once blocklisted
 * the client no longer answers as the pool's instance (-ESTALE), so the
 * locks it still holds on other images are known from here. */
static pthread_mutex_t taken_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { char entity[64], addr[128]; } taken[8];
static size_t ntaken;

static bool was_taken(const struct ceph_lock_owner *o)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&taken_lock);
	for (i = 0; i < ntaken && !found; i++)
		found = !strcmp(taken[i].entity, o->entity) && !strcmp(taken[i].addr, o->addr);
	pthread_mutex_unlock(&taken_lock);
	return found;
}

/* 1: blocklisted now, 0: already by this process. */
static int blocklist_once(rados_t rados, const struct ceph_lock_owner *o)
{
	char addr[128];
	size_t i;
	int r = 0;

	pthread_mutex_lock(&taken_lock);
	for (i = 0; i < ntaken && strcmp(taken[i].addr, o->addr); i++)
		;
	if (i == ntaken) {
		snprintf(addr, sizeof(addr), "%s", o->addr);
		r = rados_blocklist_add(rados, addr, CEPH_LOCK_BLOCKLIST_SECONDS);
		if (r == 0)
			r = 1;
		if (r == 1 && ntaken < sizeof(taken) / sizeof(taken[0])) {
			memcpy(taken[ntaken].entity, o->entity, sizeof(o->entity));
			memcpy(taken[ntaken].addr, o->addr, sizeof(o->addr));
			ntaken++;
		}
	}
	pthread_mutex_unlock(&taken_lock);
	return r;
}

/* Break the exclusive lock o holds on image. */
static int break_lock(rados_ioctx_t io, rbd_image_t image, const struct ceph_lock_owner *o)
{
	char id[64], oid[96];
	int r;

	r = rbd_get_id(image, id, sizeof(id));
	if (r < 0)
		return r;
	snprintf(oid, sizeof(oid), "rbd_header.%s", id);
	r = rados_break_lock(io, oid, LOCK_NAME, o->entity, o->cookie);
	return r == -ENOENT ? 0 : r;	/* -ENOENT: librbd broke it already */
}

static int take_from_mirror(rados_t rados, rados_ioctx_t io, rbd_image_t image,
			    struct ceph_lock_owner *ret_owner)
{
	struct ceph_lock_owner o;
	char mirror[64];
	bool locked;
	int r, blocked;

	memset(&o, 0, sizeof(o));
	r = lock_owner(image, &o);
	if (r < 0 && r != -ENOENT)
		return r;
	locked = r == 0;
	if (locked && was_taken(&o)) {
		o.mirror = true;
		r = break_lock(io, image, &o);
		if (r < 0)
			return r;
		*ret_owner = o;
		return 1;
	}
	r = mirror_entity(image, mirror, sizeof(mirror));
	if (r == -ENOENT && !locked)
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT || (locked && strcmp(o.entity, mirror))) {
		*ret_owner = o;
		return -EBUSY;	/* not ours to break */
	}
	if (!locked) {
		/* it only watches: that holds up a promote, not a primary */
		rbd_mirror_image_info_t info;
		bool primary;

		r = rbd_mirror_image_get_info(image, &info, sizeof(info));
		if (r < 0)
			return r;
		primary = info.primary;
		rbd_mirror_image_get_info_cleanup(&info);
		if (primary)
			return 0;
		snprintf(o.entity, sizeof(o.entity), "%s", mirror);
		r = watcher_addr(image, mirror, o.addr, sizeof(o.addr));
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
	}
	o.mirror = true;
	blocked = blocklist_once(rados, &o);
	if (blocked < 0)
		return blocked;
	if (locked && (r = break_lock(io, image, &o)) < 0)
		return r;
	*ret_owner = o;
	return blocked ? 2 : 1;
}

/* The calls above are synchronous librbd/librados calls (no aio for
 * them): each public function runs its whole body in ceph_image_call, under
 * the caller's deadline (ceph.h); the result travels in the argument. */
struct lock_arg {
	rados_t rados;
	rados_ioctx_t io;
	struct ceph_lock_owner owner;
	int result;
};

static int take_fn(rbd_image_t image, void *arg)
{
	struct lock_arg *a = arg;

	a->result = take_from_mirror(a->rados, a->io, image, &a->owner);
	return 0;
}

int ceph_lock_take_from_mirror(rados_t rados, rados_ioctx_t io, struct ceph_image *image,
			       const struct timespec *deadline, struct ceph_lock_owner *ret_owner)
{
	struct lock_arg a = { rados, io, { "", "", "", false }, 0 };
	int r = ceph_image_call(image, deadline, take_fn, &a, sizeof(a));

	if (r < 0)
		return r;
	if (a.result == -EBUSY || a.result > 0)
		*ret_owner = a.owner;
	return a.result;
}

static int describe_fn(rbd_image_t image, void *arg)
{
	struct lock_arg *a = arg;
	char mirror[64];

	a->result = lock_owner(image, &a->owner);
	if (a->result == 0)
		a->owner.mirror = mirror_entity(image, mirror, sizeof(mirror)) == 0 &&
				  !strcmp(mirror, a->owner.entity);
	return 0;
}

int ceph_lock_owner(struct ceph_image *image, const struct timespec *deadline,
		    struct ceph_lock_owner *ret_owner)
{
	struct lock_arg a = { NULL, NULL, { "", "", "", false }, 0 };
	int r = ceph_image_call(image, deadline, describe_fn, &a, sizeof(a));

	if (r < 0)
		return r;
	if (a.result == 0)
		*ret_owner = a.owner;
	return a.result;
}

void ceph_lock_owner_format(const struct ceph_lock_owner *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s at %s%s", o->entity, o->addr,
		 o->mirror ? " (this site's rbd-mirror)" : "");
}

int ceph_lock_describe(rados_ioctx_t io, const char *image, const struct timespec *deadline,
		       char *buf, size_t len)
{
	struct ceph_lock_owner o;
	struct ceph_image *img;
	int r;

	r = ceph_image_open(io, image, true, deadline, &img);
	if (r < 0)
		return r;
	r = ceph_lock_owner(img, deadline, &o);
	if (r == 0)
		ceph_lock_owner_format(&o, buf, len);
	ceph_image_close(img, deadline);	/* a stuck image stays open: ceph.h */
	return r;
}

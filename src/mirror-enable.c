/* mirror-enable.c: enable mirroring on one RBD image; see mirror-enable.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror-enable.h"

int mirror_enable_mode_parse(const char *s, enum mirror_enable_mode *ret)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "journal"))
		*ret = MIRROR_ENABLE_JOURNAL;
	else if (!strcmp(s, "snapshot"))
		*ret = MIRROR_ENABLE_SNAPSHOT;
	else
		return -EINVAL;
	return 0;
}

const char *mirror_enable_mode_name(enum mirror_enable_mode mode)
{
	return mode == MIRROR_ENABLE_SNAPSHOT ? "snapshot" : "journal";
}

static int fail(struct mirror_enable_result *res, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mirror_enable_result *res, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return r;
}

/* The pool's mirror mode. */

struct pool_mode_arg {
	rbd_mirror_mode_t mode;
};

static int pool_mode_fn(rados_ioctx_t io, void *arg)
{
	struct pool_mode_arg *a = arg;

	return rbd_mirror_mode_get(io, &a->mode);
}

/* The parent of an image, if any (-ENOENT: none). */

struct parent_arg {
	char pool[128];
	char image[128];
	uint64_t snap_id;
};

static int parent_fn(rbd_image_t rbd, void *arg)
{
	struct parent_arg *a = arg;
	rbd_linked_image_spec_t img;
	rbd_snap_spec_t snap;
	int r;

	r = rbd_get_parent(rbd, &img, &snap);
	if (r < 0)
		return r;
	if (snprintf(a->pool, sizeof(a->pool), "%s", img.pool_name) >= (int)sizeof(a->pool) ||
	    snprintf(a->image, sizeof(a->image), "%s", img.image_name) >= (int)sizeof(a->image))
		r = -ENAMETOOLONG;
	a->snap_id = snap.id;
	rbd_linked_image_spec_cleanup(&img);
	rbd_snap_spec_cleanup(&snap);
	return r;
}

/* Journal mode needs exclusive-lock, then journaling (librbd refuses
 * journaling without exclusive-lock). */
static int journal_features_fn(rbd_image_t rbd, void *arg)
{
	uint64_t features;
	int r;

	(void)arg;
	r = rbd_get_features(rbd, &features);
	if (r == 0 && !(features & RBD_FEATURE_EXCLUSIVE_LOCK))
		r = rbd_update_features(rbd, RBD_FEATURE_EXCLUSIVE_LOCK, 1);
	if (r == 0 && !(features & RBD_FEATURE_JOURNALING))
		r = rbd_update_features(rbd, RBD_FEATURE_JOURNALING, 1);
	return r;
}

struct enable_arg {
	rbd_mirror_image_mode_t mode;
};

static int enable_fn(rbd_image_t rbd, void *arg)
{
	struct enable_arg *a = arg;

	return rbd_mirror_image_enable2(rbd, a->mode);
}

/* Whether the image has a primary mirror snapshot newer than snap_id (snap
 * ids only grow): *ret_newer. */
struct mirror_snap_arg {
	uint64_t after;
	bool newer;
};

static int mirror_snap_fn(rbd_image_t rbd, void *arg)
{
	struct mirror_snap_arg *a = arg;
	rbd_snap_info_t *snaps = NULL;
	int max = 16, n;

	for (;;) {
		free(snaps);
		snaps = calloc((size_t)max + 1, sizeof(*snaps));
		if (!snaps)
			return -ENOMEM;
		n = rbd_snap_list(rbd, snaps, &max);
		if (n != -ERANGE)
			break;
	}
	if (n < 0) {
		free(snaps);
		return n;
	}
	a->newer = false;
	for (int i = 0; i < n && !a->newer; i++) {
		rbd_snap_namespace_type_t type;
		rbd_snap_mirror_namespace_t ns;

		if (snaps[i].id <= a->after ||
		    rbd_snap_get_namespace_type(rbd, snaps[i].id, &type) < 0 ||
		    type != RBD_SNAP_NAMESPACE_TYPE_MIRROR)
			continue;
		if (rbd_snap_get_mirror_namespace(rbd, snaps[i].id, &ns, sizeof(ns)) < 0)
			continue;
		a->newer = ns.state == RBD_SNAP_MIRROR_STATE_PRIMARY;
		rbd_snap_mirror_namespace_cleanup(&ns, sizeof(ns));
	}
	rbd_snap_list_end(snaps);
	free(snaps);
	return 0;
}

/* A snapshot-mode parent: make sure a mirror snapshot newer than the
 * clone's parent snapshot exists, so that snapshot reaches the peer. */
static int parent_snapshot(struct ceph *c, const struct parent_arg *p,
			   const struct timespec *deadline, struct mirror_enable_result *res)
{
	struct mirror_snap_arg a = { .after = p->snap_id };
	struct ceph_image *img = NULL;
	rados_ioctx_t io;
	int r;

	r = ceph_pool(c, p->pool, &io);
	if (r == 0)
		r = ceph_image_open(io, p->image, false, deadline, &img);
	if (r < 0)
		return fail(res, r, "cannot open the parent '%s'", res->parent);
	r = ceph_image_call(img, deadline, mirror_snap_fn, &a, sizeof(a));
	if (r == 0 && !a.newer) {
		r = ceph_mirror_snapshot(img, deadline);
		if (r == 0)
			res->parent_snapshot = true;
	}
	ceph_image_close(img, deadline);
	if (r < 0)
		return fail(res, r, "cannot take a mirror snapshot of the parent '%s'", res->parent);
	return 0;
}

/* The parent of a clone: enable it first (in mode: it is not a clone
 * itself, or its own parent is handled the same way). */
static int enable_parent(struct ceph *c, const struct parent_arg *p, enum mirror_enable_mode mode,
			 const struct timespec *deadline, struct mirror_enable_result *res,
			 bool *ret_snapshot_mode)
{
	struct mirror_enable_result pres;
	int r;

	r = mirror_enable(c, p->pool, p->image, mode, deadline, &pres);
	if (r < 0)
		return fail(res, r, "parent '%s': %s", res->parent,
			    pres.error[0] ? pres.error : strerror(-r));
	res->parent_already = pres.already;
	*ret_snapshot_mode = pres.mode == MIRROR_ENABLE_SNAPSHOT && pres.primary;
	return 0;
}

static int enable_open(struct ceph *c, rados_ioctx_t io, const char *pool, const char *name,
		       struct ceph_image *img, rbd_mirror_mode_t pool_mode,
		       enum mirror_enable_mode mode, const struct timespec *deadline,
		       struct mirror_enable_result *res)
{
	rbd_mirror_image_info_t info;
	rbd_mirror_image_state_t state;
	rbd_mirror_image_mode_t imode;
	struct parent_arg parent;
	bool parent_snap_mode = false;
	int r;

	(void)io;
	r = ceph_mirror_get_info(img, deadline, &info);
	if (r < 0)
		return fail(res, r, "cannot read the mirror state of '%s/%s'", pool, name);
	res->primary = info.primary;
	state = info.state;
	rbd_mirror_image_get_info_cleanup(&info);
	if (state == RBD_MIRROR_IMAGE_DISABLING)
		return fail(res, -EBUSY, "mirroring of '%s/%s' is being disabled", pool, name);

	memset(&parent, 0, sizeof(parent));
	r = ceph_image_call(img, deadline, parent_fn, &parent, sizeof(parent));
	if (r < 0 && r != -ENOENT)	/* -ENOENT: no parent */
		return fail(res, r, "cannot read the parent of '%s/%s'", pool, name);
	res->clone = r == 0;
	if (res->clone)
		snprintf(res->parent, sizeof(res->parent), "%s/%s", parent.pool, parent.image);

	if (state == RBD_MIRROR_IMAGE_ENABLED) {
		res->already = true;
		r = ceph_mirror_get_mode(img, deadline, &imode);
		if (r < 0)
			return fail(res, r, "cannot read the mirror mode of '%s/%s'", pool, name);
		res->mode = imode == RBD_MIRROR_IMAGE_MODE_SNAPSHOT ? MIRROR_ENABLE_SNAPSHOT
								     : MIRROR_ENABLE_JOURNAL;
		if (!res->clone || !res->primary)
			return 0;
		/* a rerun: finish what an earlier run may have left (the
		 * parent's mirror snapshot) */
		r = enable_parent(c, &parent, mode, deadline, res, &parent_snap_mode);
		if (r == 0 && parent_snap_mode)
			r = parent_snapshot(c, &parent, deadline, res);
		return r;
	}

	if (res->clone) {
		/* the parent in the mode asked, the clone in journal mode
		 * (see mirror-enable.h) */
		r = enable_parent(c, &parent, mode, deadline, res, &parent_snap_mode);
		if (r == 0 && parent_snap_mode)
			r = parent_snapshot(c, &parent, deadline, res);
		if (r < 0)
			return r;
		mode = MIRROR_ENABLE_JOURNAL;
	}
	if (pool_mode == RBD_MIRROR_MODE_POOL)
		mode = MIRROR_ENABLE_JOURNAL;	/* the pool mirrors journaling images */
	res->mode = mode;
	if (mode == MIRROR_ENABLE_JOURNAL) {
		r = ceph_image_call(img, deadline, journal_features_fn, NULL, 0);
		if (r < 0)
			return fail(res, r, "cannot enable exclusive-lock and journaling on '%s/%s'",
				    pool, name);
		if (pool_mode == RBD_MIRROR_MODE_POOL) {
			res->primary = true;
			return 0;
		}
	}
	struct enable_arg a = {
		.mode = mode == MIRROR_ENABLE_SNAPSHOT ? RBD_MIRROR_IMAGE_MODE_SNAPSHOT
						       : RBD_MIRROR_IMAGE_MODE_JOURNAL,
	};
	r = ceph_image_call(img, deadline, enable_fn, &a, sizeof(a));
	if (r < 0)
		return fail(res, r, "cannot enable %s mirroring on '%s/%s'",
			    mirror_enable_mode_name(mode), pool, name);
	res->primary = true;
	return 0;
}

int mirror_enable(struct ceph *c, const char *pool, const char *name,
		  enum mirror_enable_mode mode, const struct timespec *deadline,
		  struct mirror_enable_result *res)
{
	struct pool_mode_arg pm;
	struct ceph_image *img = NULL;
	rados_ioctx_t io;
	int r, r2;

	memset(res, 0, sizeof(*res));
	res->mode = mode;
	r = ceph_pool(c, pool, &io);
	if (r < 0)
		return fail(res, r, r == -ENOENT ? "no pool '%s'" : "cannot open pool '%s'", pool);
	r = ceph_io_call(io, deadline, pool_mode_fn, &pm, sizeof(pm));
	if (r < 0)
		return fail(res, r, "cannot read the mirror mode of pool '%s'", pool);
	if (pm.mode == RBD_MIRROR_MODE_DISABLED)
		return fail(res, -EOPNOTSUPP, "mirroring is disabled on pool '%s'", pool);
	r = ceph_image_open(io, name, false, deadline, &img);
	if (r < 0)
		return fail(res, r, r == -ENOENT ? "no image '%s/%s'" : "cannot open '%s/%s'",
			    pool, name);
	r = enable_open(c, io, pool, name, img, pm.mode, mode, deadline, res);
	r2 = ceph_image_close(img, deadline);
	if (r == 0 && r2 < 0)
		r = fail(res, r2, "cannot close '%s/%s'", pool, name);
	return r;
}

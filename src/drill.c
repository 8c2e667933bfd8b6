/*
 * drill.c: snapshots, clones and the guarded delete of `onedr drill`
 * (drill.h says what Ceph allows on a replica and why these choices).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drill.h"
#include "one-calls.h"
#include "one-doc.h"
#include "template.h"

#define NAME_MAX_ 256

void drill_snap_name(const char *run_id, char *buf, size_t len)
{
	snprintf(buf, len, "onedr-drill-%s", run_id);
}

void drill_clone_name(const char *run_id, const char *rbd, char *buf, size_t len)
{
	const char *tag = strrchr(run_id, '-');

	snprintf(buf, len, "%s.drill-%s", rbd, tag ? tag + 1 : run_id);
}

/* ---- librbd calls under a deadline (run in ceph.c's worker thread on a
 * copy of their argument: fixed arrays only) ---- */

struct snap_arg {
	char snap[NAME_MAX_];
	int exists;
};

static int snap_create_fn(rbd_image_t image, void *arg)
{
	struct snap_arg *a = arg;
	int r = rbd_snap_create(image, a->snap);

	return r == -EEXIST ? 0 : r;	/* a rerun: taken by the killed attempt */
}

static int snap_exists_fn(rbd_image_t image, void *arg)
{
	struct snap_arg *a = arg;
	bool exists = false;
	int r = rbd_snap_exists(image, a->snap, &exists);

	if (r == 0)
		a->exists = exists;
	return r;
}

static int snap_remove_fn(rbd_image_t image, void *arg)
{
	struct snap_arg *a = arg;

	return rbd_snap_remove(image, a->snap);
}

struct clone_arg {
	rados_ioctx_t io;
	char rbd[NAME_MAX_], snap[NAME_MAX_], clone[NAME_MAX_];
	uint64_t features;
};

static int clone_fn(rados_ioctx_t io, void *arg)
{
	struct clone_arg *a = arg;
	rbd_image_options_t opts;
	int r;

	rbd_image_options_create(&opts);
	/* clone v2: a replica's snapshot cannot be protected (EROFS) */
	r = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_CLONE_FORMAT, 2);
	if (r == 0)
		r = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_FEATURES, a->features);
	if (r == 0)
		r = rbd_clone3(io, a->rbd, a->snap, io, a->clone, opts);
	rbd_image_options_destroy(opts);
	return r;
}

static int features_fn(rbd_image_t image, void *arg)
{
	return rbd_get_features(image, arg);
}

struct parent_arg {
	char pool[NAME_MAX_], image[NAME_MAX_], snap[NAME_MAX_];
};

static int parent_fn(rbd_image_t image, void *arg)
{
	struct parent_arg *a = arg;
	rbd_linked_image_spec_t img;
	rbd_snap_spec_t snap;
	int r = rbd_get_parent(image, &img, &snap);

	if (r < 0)
		return r;
	snprintf(a->pool, sizeof(a->pool), "%s", img.pool_name);
	snprintf(a->image, sizeof(a->image), "%s", img.image_name);
	snprintf(a->snap, sizeof(a->snap), "%s", snap.name);
	rbd_linked_image_spec_cleanup(&img);
	rbd_snap_spec_cleanup(&snap);
	return 0;
}

struct remove_arg {
	char name[NAME_MAX_];
};

static int remove_fn(rados_ioctx_t io, void *arg)
{
	struct remove_arg *a = arg;

	return rbd_remove(io, a->name);
}

/* ---- snapshots ---- */

static int open_image(struct ceph *c, const char *pool, const char *rbd, bool ro,
		      const struct timespec *dl, struct ceph_image **ret)
{
	rados_ioctx_t io;
	int r = ceph_pool(c, pool, &io);

	return r < 0 ? r : ceph_image_open(io, rbd, ro, dl, ret);
}

int drill_snap_create(struct ceph *c, const char *pool, const char *rbd, const char *snap,
		      double timeout)
{
	struct timespec dl = deadline_after(timeout);
	struct snap_arg a = { 0 };
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode;
	struct ceph_image *img;
	int r;

	snprintf(a.snap, sizeof(a.snap), "%s", snap);
	r = open_image(c, pool, rbd, false, &dl, &img);
	if (r < 0)
		return r;
	r = ceph_mirror_get_info(img, &dl, &info);
	if (r == 0) {
		if (info.state != RBD_MIRROR_IMAGE_ENABLED)
			r = -ENOTSUP;	/* not mirrored: nothing would reach the replica */
		else if (!info.primary)
			r = -EROFS;
		rbd_mirror_image_get_info_cleanup(&info);
	}
	if (r == 0)
		r = ceph_image_call(img, &dl, snap_create_fn, &a, sizeof(a));
	/* snapshot mode: the user snapshot travels with the next mirror one */
	if (r == 0 && (r = ceph_mirror_get_mode(img, &dl, &mode)) == 0 &&
	    mode == RBD_MIRROR_IMAGE_MODE_SNAPSHOT)
		r = ceph_mirror_snapshot(img, &dl);
	ceph_image_close(img, &dl);
	return r;
}

int drill_snap_present(struct ceph *c, const char *pool, const char *rbd, const char *snap,
		       double timeout)
{
	struct timespec dl = deadline_after(timeout);
	struct snap_arg a = { 0 };
	struct ceph_image *img;
	int r;

	snprintf(a.snap, sizeof(a.snap), "%s", snap);
	r = open_image(c, pool, rbd, true, &dl, &img);
	if (r < 0)
		return r;
	r = ceph_image_call(img, &dl, snap_exists_fn, &a, sizeof(a));
	ceph_image_close(img, &dl);
	return r < 0 ? r : a.exists ? 0 : -ENOENT;
}

/* ---- clones ---- */

/* The clone's parent, when it has one. */
static int clone_parent(struct ceph_image *img, const struct timespec *dl, struct parent_arg *ret)
{
	memset(ret, 0, sizeof(*ret));
	return ceph_image_call(img, dl, parent_fn, ret, sizeof(*ret));
}

int drill_clone(struct ceph *c, const char *pool, const char *rbd, const char *snap,
		const char *clone, const char *run_id, double timeout, bool *ret_adopted)
{
	struct timespec dl = deadline_after(timeout);
	struct clone_arg a = { 0 };
	struct parent_arg p;
	struct ceph_image *img;
	rados_ioctx_t io;
	uint64_t features = 0;
	int r;

	*ret_adopted = false;
	r = ceph_pool(c, pool, &io);
	if (r < 0)
		return r;
	r = ceph_image_open(io, rbd, true, &dl, &img);
	if (r < 0)
		return r;
	r = ceph_image_call(img, &dl, features_fn, &features, sizeof(features));
	ceph_image_close(img, &dl);
	if (r < 0)
		return r;
	/* a drill VM's writes need no journal: the clone is never mirrored */
	a.features = features & ~(uint64_t)RBD_FEATURE_JOURNALING;
	snprintf(a.rbd, sizeof(a.rbd), "%s", rbd);
	snprintf(a.snap, sizeof(a.snap), "%s", snap);
	snprintf(a.clone, sizeof(a.clone), "%s", clone);
	r = ceph_io_call(io, &dl, clone_fn, &a, sizeof(a));
	if (r < 0 && r != -EEXIST)
		return r;
	r = ceph_image_open(io, clone, false, &dl, &img);
	if (r < 0)
		return r;
	r = clone_parent(img, &dl, &p);
	if (r == 0 && (strcmp(p.pool, pool) || strcmp(p.image, rbd) || strcmp(p.snap, snap)))
		r = -EEXIST;	/* an image of that name, not ours */
	else if (r == -ENOENT)
		r = -EEXIST;	/* no parent: not a clone */
	if (r == 0)
		r = ceph_meta_set(img, DRILL_META_KEY, run_id, &dl);
	ceph_image_close(img, &dl);
	return r;
}

/* ---- the guarded delete ---- */

__attribute__((format(printf, 3, 4)))
static int say(char *detail, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (detail && len) {
		va_start(ap, fmt);
		vsnprintf(detail, len, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int refuse(char *detail, size_t len, const char *what, const char *why)
{
	say(detail, len, "refused: %s %s", what, why);
	return -EPERM;
}

static int delete_clone(struct drill_del *d, const char *run, const char *pool, const char *rbd,
			bool *gone, char *detail, size_t len)
{
	struct timespec dl = deadline_after(d->timeout);
	char clone[NAME_MAX_], snap[NAME_MAX_], what[600];
	struct remove_arg a = { 0 };
	rbd_mirror_image_info_t info;
	struct ceph_image *img;
	struct parent_arg p;
	char *mark = NULL;
	rados_ioctx_t io;
	size_t n;
	int r;

	drill_clone_name(run, rbd, clone, sizeof(clone));
	drill_snap_name(run, snap, sizeof(snap));
	snprintf(what, sizeof(what), "image '%s/%s'", pool, clone);
	r = ceph_pool(d->local, pool, &io);
	if (r == 0)
		r = ceph_image_open(io, clone, true, &dl, &img);
	if (r == -ENOENT) {
		*gone = true;
		return say(detail, len, "clone %s/%s already gone", pool, clone);
	}
	if (r < 0)
		return r;
	r = ceph_mirror_get_info(img, &dl, &info);
	if (r == 0) {
		if (info.state != RBD_MIRROR_IMAGE_DISABLED)
			r = refuse(detail, len, what, "is mirrored: a drill's clone never is");
		rbd_mirror_image_get_info_cleanup(&info);
	}
	if (r == 0) {
		r = ceph_meta_get(img, DRILL_META_KEY, 256, &dl, &mark, &n);
		if (r == 0 && strcmp(mark, run))
			r = refuse(detail, len, what, "was made by another drill");
		else if (r == -ENOENT) {
			/* killed between the clone and its mark: its parent
			 * must be this run's snapshot */
			r = clone_parent(img, &dl, &p);
			if (r == -ENOENT || (r == 0 && (strcmp(p.pool, pool) ||
							strcmp(p.image, rbd) || strcmp(p.snap, snap))))
				r = refuse(detail, len, what, "is not a clone this drill made");
		}
		free(mark);
	}
	ceph_image_close(img, &dl);
	if (r < 0)
		return r;
	snprintf(a.name, sizeof(a.name), "%s", clone);
	r = ceph_io_call(io, &dl, remove_fn, &a, sizeof(a));
	if (r == -ENOENT) {
		*gone = true;
		r = 0;
	}
	if (r == 0)
		say(detail, len, "clone %s/%s removed", pool, clone);
	return r;
}

static int delete_snap(struct drill_del *d, const char *run, const char *pool, const char *rbd,
		       bool *gone, char *detail, size_t len)
{
	struct timespec dl = deadline_after(d->timeout);
	struct snap_arg a = { 0 };
	struct ceph_image *img;
	int r;

	if (!d->peer)
		return say(detail, len, "the primary site cannot be reached"), -ENOTCONN;
	/* only a snapshot of this run's name, in the user namespace */
	drill_snap_name(run, a.snap, sizeof(a.snap));
	r = open_image(d->peer, pool, rbd, false, &dl, &img);
	if (r == 0) {
		rbd_mirror_image_mode_t mode;
		int k;

		r = ceph_image_call(img, &dl, snap_remove_fn, &a, sizeof(a));
		/* snapshot mode: the removal travels with the next mirror
		 * snapshot; take it now, so the replica drops it too */
		if ((r == 0 || r == -ENOENT) && ceph_mirror_get_mode(img, &dl, &mode) == 0 &&
		    mode == RBD_MIRROR_IMAGE_MODE_SNAPSHOT && (k = ceph_mirror_snapshot(img, &dl)) < 0)
			r = k;
		ceph_image_close(img, &dl);
	}
	if (r == -ENOENT) {
		*gone = true;
		return say(detail, len, "snapshot %s/%s@%s already gone", pool, rbd, a.snap);
	}
	if (r == 0)
		say(detail, len, "snapshot %s/%s@%s removed on the primary", pool, rbd, a.snap);
	return r;
}

/* Wait until oned has no image id (deleted), or VM id is DONE. */
static int wait_gone(struct drill_del *d, bool vm, int id)
{
	struct timespec dl = deadline_after(d->timeout);

	for (;;) {
		struct one_error err = { 0, "" };
		char *xml = NULL;
		int r, state = -1;

		if (vm) {
			struct one_vm *v = NULL;

			r = one_vm_info(d->one, id, &xml, &err);
			if (r == 0 && (r = one_vm_parse(xml, strlen(xml), &v)) == 0) {
				state = v->state;
				one_vm_free(v);
			}
		} else {
			r = one_image_info(d->one, id, &xml, &err);
		}
		free(xml);
		if ((!vm && r == -ENOENT) || (vm && r == 0 && state == VM_DONE))
			return 0;
		if (r < 0 && r != -ENOENT)
			return r;
		if (deadline_left(&dl) <= 0)
			return -ETIMEDOUT;
		sleep(1);
	}
}

static int delete_image(struct drill_del *d, const char *run, int id, bool *gone, char *detail,
			size_t len)
{
	struct one_error err = { 0, "" };
	struct one_obj *o = NULL;
	char *xml = NULL, what[64];
	const char *mark;
	int r;

	snprintf(what, sizeof(what), "image %d", id);
	r = one_image_info(d->one, id, &xml, &err);
	if (r == -ENOENT) {
		*gone = true;
		return say(detail, len, "image %d already gone", id);
	}
	if (r == 0)
		r = one_obj_parse(xml, strlen(xml), "IMAGE", &o);
	free(xml);
	if (r < 0)
		return say(detail, len, "image %d: %s", id, err.msg[0] ? err.msg : strerror(-r)), r;
	mark = o->tmpl ? tmpl_get(o->tmpl, DRILL_ATTR) : NULL;
	if (!mark || strcmp(mark, run))
		r = refuse(detail, len, what, "does not carry this drill's " DRILL_ATTR);
	else if (!o->source || !strstr(o->source, ".drill-"))
		r = refuse(detail, len, what, "is not on a drill's clone");
	if (r == 0 && o->state != 7 /* DELETE: a killed attempt asked already */)
		r = one_image_delete(d->one, id, &err);
	one_obj_free(o);
	if (r == -EPERM)
		return r;
	if (r < 0)
		return say(detail, len, "image %d: %s", id, err.msg[0] ? err.msg : strerror(-r)), r;
	r = wait_gone(d, false, id);
	if (r == 0)
		say(detail, len, "image %d deleted", id);
	return r;
}

static int delete_vm(struct drill_del *d, const char *run, int id, bool *gone, char *detail,
		     size_t len)
{
	struct one_error err = { 0, "" };
	struct one_vm *v = NULL;
	char *xml = NULL, what[64];
	const char *mark;
	int r;

	snprintf(what, sizeof(what), "VM %d", id);
	r = one_vm_info(d->one, id, &xml, &err);
	if (r == 0)
		r = one_vm_parse(xml, strlen(xml), &v);
	free(xml);
	if (r == -ENOENT) {
		*gone = true;
		return say(detail, len, "VM %d already gone", id);
	}
	if (r < 0)
		return say(detail, len, "VM %d: %s", id, err.msg[0] ? err.msg : strerror(-r)), r;
	mark = v->user_tmpl ? tmpl_get(v->user_tmpl, DRILL_ATTR) : NULL;
	if (!mark || strcmp(mark, run))
		r = refuse(detail, len, what, "does not carry this drill's " DRILL_ATTR);
	else if (v->state == VM_DONE)
		*gone = true;
	else
		r = one_vm_action(d->one, "terminate-hard", id, &err);
	one_vm_free(v);
	if (r == -EPERM)
		return r;
	if (r < 0)
		return say(detail, len, "VM %d: %s", id, err.msg[0] ? err.msg : strerror(-r)), r;
	r = wait_gone(d, true, id);
	if (r == 0)
		say(detail, len, "VM %d terminated", id);
	return r;
}

int drill_delete(struct drill_del *d, const struct journal_key *created_by, int id,
		 bool *ret_gone, char *detail, size_t len)
{
	const char *run = journal_header(d->j)->id, *res = NULL;
	struct journal_step rec;
	char pool[NAME_MAX_], what[400];
	const char *rbd;
	bool gone = false;
	int r;

	snprintf(what, sizeof(what), "%s %s of %s", created_by->step, created_by->object,
		 created_by->vm);
	if (journal_header(d->j)->kind != JOURNAL_DRILL)
		return refuse(detail, len, what, "is in a run that is not a drill");
	/* (1) recorded by this drill before it was created */
	r = journal_step_get(d->j, created_by, &rec);
	if (r == -ENOENT)
		return refuse(detail, len, what, "is not recorded as created by this drill");
	if (r < 0)
		return say(detail, len, "cannot read the journal: %s", strerror(-r)), r;
	if (!strcmp(created_by->step, DRILL_STEP_RECREATE) ||
	    !strcmp(created_by->step, DRILL_STEP_REGISTER)) {
		bool vm = !strcmp(created_by->step, DRILL_STEP_RECREATE);
		char ids[32];

		/* (2) the object that step recorded */
		res = journal_step_result(&rec, vm ? "vm_id" : "image_id");
		snprintf(ids, sizeof(ids), "%d", id);
		if (id < 0 || (res && strcmp(res, ids)))
			return refuse(detail, len, vm ? "VM" : "image",
				      "is not the one this drill recorded");
		if (!d->one)
			return -ENOTCONN;
		/* (3) its mark */
		r = vm ? delete_vm(d, run, id, &gone, detail, len) :
			 delete_image(d, run, id, &gone, detail, len);
	} else if (!strcmp(created_by->step, DRILL_STEP_CLONE) ||
		   !strcmp(created_by->step, DRILL_STEP_SNAPSHOT)) {
		rbd = strchr(created_by->object, '/');
		if (!rbd || (size_t)(rbd - created_by->object) >= sizeof(pool))
			return refuse(detail, len, what, "names no pool/image");
		snprintf(pool, sizeof(pool), "%.*s", (int)(rbd - created_by->object),
			 created_by->object);
		rbd++;
		r = !strcmp(created_by->step, DRILL_STEP_CLONE) ?
			delete_clone(d, run, pool, rbd, &gone, detail, len) :
			delete_snap(d, run, pool, rbd, &gone, detail, len);
	} else {
		return refuse(detail, len, what, "is no step that creates something");
	}
	if (ret_gone)
		*ret_gone = gone;
	return r;
}

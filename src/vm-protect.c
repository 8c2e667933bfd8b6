/*
 * vm-protect.c: a VM's Ceph disks mirrored and given its manifest, each
 * opened once, all at the same time (see vm-protect.h).
 */
#include "config.h"

#include "vm-protect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "vm-export.h"

struct job {
	const struct vm_protect *p;
	struct manifest *m;
	struct vm_protect_disk *d;
};

static void fail(struct vm_protect_disk *d, int r, const char *what)
{
	d->r = r;
	snprintf(d->why, sizeof(d->why), "%s: %s", what, strerror(-r));
}

/* The enable path of mirror-enable.h: for a clone always (it checks the
 * parent again), else for an image not mirrored yet. */
static int enable(const struct vm_protect *p, struct vm_protect_disk *d,
		  const struct timespec *dl)
{
	const struct manifest_disk *md = d->disk;
	int r = mirror_enable(p->ceph, md->pool, md->rbd, p->mode, dl, &d->mirror);

	if (r < 0) {
		d->r = r;
		d->missing = r == -ENOENT;
		d->mirror_failed = true;
		snprintf(d->why, sizeof(d->why), "%s",
			 d->mirror.error[0] ? d->mirror.error : strerror(-r));
		return r;
	}
	d->mi.enabled = true;
	d->mi.primary = d->mirror.primary;
	d->mi.snapshot = d->mirror.mode == MIRROR_ENABLE_SNAPSHOT;
	return 0;
}

/* Read what the open image says of its mirroring: 0, or 1 when it is not
 * mirrored yet. */
static int read_mirror(struct vm_protect_disk *d, const struct timespec *dl)
{
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode = RBD_MIRROR_IMAGE_MODE_JOURNAL;
	int r = ceph_mirror_get_info(d->img, dl, &info);

	if (r < 0)
		return fail(d, r, "cannot read its mirror state"), r;
	d->mi.enabled = info.state == RBD_MIRROR_IMAGE_ENABLED;
	d->mi.primary = info.primary;
	rbd_mirror_image_get_info_cleanup(&info);
	if (!d->mi.enabled)
		return 1;
	if (d->mi.primary && (r = ceph_mirror_get_mode(d->img, dl, &mode)) < 0)
		return fail(d, r, "cannot read its mirror mode"), r;
	d->mi.snapshot = mode == RBD_MIRROR_IMAGE_MODE_SNAPSHOT;
	d->mirror.already = true;
	d->mirror.primary = d->mi.primary;
	d->mirror.mode = d->mi.snapshot ? MIRROR_ENABLE_SNAPSHOT : MIRROR_ENABLE_JOURNAL;
	return 0;
}

/* Step 1 of a disk: mirroring, then the image open with its stored manifest. */
static void open_disk(void *arg, size_t i)
{
	struct job *j = arg;
	struct vm_protect_disk *d = &j->d[i];
	const struct manifest_disk *md = d->disk;
	struct timespec dl = deadline_after(j->p->image_timeout);
	rados_ioctx_t io;
	int r;

	d->r = 0;
	if (md->kind == DISK_CLONE && enable(j->p, d, &dl) < 0)
		return;
	r = ceph_pool(j->p->ceph, md->pool, &io);
	if (r < 0)
		return fail(d, r, "cannot open its pool");
	/* read-only unless a write is likely: no watch to register and drop;
	 * reopened read-write only when something is to be written (step 2) */
	r = ceph_image_open(io, md->rbd, !j->p->write_likely, &dl, &d->img);
	if (r < 0) {
		d->img = NULL;
		d->missing = r == -ENOENT;
		if (d->missing) {
			d->r = r;
			snprintf(d->why, sizeof(d->why), "no such RBD image");
			return;
		}
		return fail(d, r, "cannot open it");
	}
	if (md->kind != DISK_CLONE) {
		r = read_mirror(d, &dl);
		if (r < 0)
			return;
		if (r == 1) {	/* not mirrored yet: mirror-enable opens it itself */
			ceph_image_close(d->img, &dl);
			d->img = NULL;
			if (enable(j->p, d, &dl) < 0)
				return;
			r = ceph_image_open(io, md->rbd, !j->p->write_likely, &dl, &d->img);
			if (r < 0) {
				d->img = NULL;
				return fail(d, r, "cannot open it");
			}
		}
	}
	r = store_read_image(d->img, &dl, &d->cur, &d->cur_len);
	if (r == -ENODATA || r == -E2BIG) {	/* none, or not one onedr wrote: rewritten */
		d->cur = NULL;
		r = 0;
	}
	if (r == 0)
		r = store_pending(d->img, &dl, &d->pending);
	if (r < 0)
		fail(d, r, "cannot read its manifest");
}

/* Step 2 of a disk: the manifest where it differs, through the image opened
 * again read-write; the image closed. */
static void write_disk(void *arg, size_t i)
{
	struct job *j = arg;
	struct vm_protect_disk *d = &j->d[i];
	struct timespec dl = deadline_after(j->p->image_timeout);
	rados_ioctx_t io = NULL;
	char *text = NULL;
	int r;

	d->done = true;
	if (d->r < 0)
		goto out;
	r = store_encode_over(j->m, j->p->key, d->cur, d->cur_len, &text);
	if (r == 0 && !text && !d->pending) {
		d->res = STORE_UNCHANGED;	/* nothing to write: the common case */
		goto out;
	}
	free(text);
	if (r == 0)
		r = ceph_pool(j->p->ceph, d->disk->pool, &io);
	if (r == 0 && !j->p->write_likely) {
		ceph_image_close(d->img, &dl);
		d->img = NULL;
		r = ceph_image_open(io, d->disk->rbd, false, &dl, &d->img);
		if (r < 0)
			d->img = NULL;
	}
	if (r == 0)
		r = store_write_image(d->img, j->m, j->p->key, d->cur, d->cur_len, &d->mi, &dl,
				      &d->res);
	if (r < 0) {
		d->r = r;
		if (io)
			vm_export_why(io, d->disk->rbd, r, &dl, d->why, sizeof(d->why));
		else
			snprintf(d->why, sizeof(d->why), "%s", vm_export_hint(r));
	}
out:
	ceph_image_close(d->img, &dl);	/* NULL-safe; a stuck image stays open */
	d->img = NULL;
}

/* The stored manifests of this VM, signed: whether one says it is retired
 * (the VM was terminated here: it is never protected again, so that a
 * RUNNING hook that oned runs after the DONE hook does not undo it); and,
 * when asked, what the first one says completes m. */
static bool read_stored(const struct vm_protect *p, struct manifest *m,
			struct vm_protect_disk *d, size_t n)
{
	bool kept = !p->keep, retired = false;

	for (size_t i = 0; i < n; i++) {
		struct manifest *prev = NULL;

		if (!d[i].cur || manifest_decode(d[i].cur, d[i].cur_len, p->key, &prev, NULL) < 0)
			continue;
		if (prev->auth == MANIFEST_VERIFIED && !strcmp(prev->site, m->site) &&
		    prev->vm_id == m->vm_id &&
		    manifest_has_disk(prev, d[i].disk->pool, d[i].disk->rbd)) {
			retired = retired || prev->retired;
			if (!kept)
				vm_export_keep(m, prev);
			kept = true;
		}
		manifest_free(prev);
	}
	return retired;
}

int vm_protect(const struct vm_protect *p, struct manifest *m, struct vm_protect_disk **ret,
	       size_t *ret_n)
{
	struct vm_protect_disk *d;
	struct job j;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < m->n_disks; i++)
		n += m->disks[i].kind != DISK_UNPROTECTED;
	if (n == 0)
		return -ENODATA;
	d = calloc(n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t i = 0, k = 0; i < m->n_disks; i++)
		if (m->disks[i].kind != DISK_UNPROTECTED) {
			d[k].disk = &m->disks[i];
			d[k++].r = -EINTR;	/* until its first step starts */
		}
	j = (struct job){ p, m, d };
	r = batch_run(n, p->concurrency ? p->concurrency : 1, open_disk, &j);
	if (r == 0 && read_stored(p, m, d, n))
		r = -ESTALE;
	if (r == 0)
		r = batch_run(n, p->concurrency ? p->concurrency : 1, write_disk, &j);
	for (size_t i = 0; i < n; i++) {
		struct timespec dl = deadline_after(p->image_timeout);

		/* a step not started (SIGTERM: batch.h) */
		if (d[i].r == -EINTR || (d[i].r == 0 && !d[i].done))
			snprintf(d[i].why, sizeof(d[i].why), "interrupted before its manifest was written");
		if (d[i].r == 0 && !d[i].done)
			d[i].r = -EINTR;
		ceph_image_close(d[i].img, &dl);
		d[i].img = NULL;
	}
	if (r < 0) {
		vm_protect_free(d, n);
		return r;
	}
	*ret = d;
	*ret_n = n;
	return 0;
}

void vm_protect_free(struct vm_protect_disk *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].cur);
	free(d);
}

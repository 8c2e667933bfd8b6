/*
 * manifest-store.c: manifests in RBD image-meta.
 */
#include "config.h"

#include "manifest-store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rbd/librbd.h>

#include "batch.h"
#include "ceph.h"

static int meta_get(struct ceph_image *image, const struct timespec *deadline,
		    char **ret_text, size_t *ret_len)
{
	int r = ceph_meta_get(image, MANIFEST_META_KEY, MANIFEST_MAX_SIZE, deadline,
			      ret_text, ret_len);

	return r == -ENOENT ? -ENODATA : r;
}

int store_read_image(struct ceph_image *image, const struct timespec *deadline,
		     char **ret_text, size_t *ret_len)
{
	return meta_get(image, deadline, ret_text, ret_len);
}

int store_read(rados_ioctx_t io, const char *image, const struct timespec *deadline,
	       char **ret_text, size_t *ret_len)
{
	struct ceph_image *img;
	int r = ceph_image_open(io, image, true, deadline, &img);

	if (r < 0)
		return r;
	r = meta_get(img, deadline, ret_text, ret_len);
	ceph_image_close(img, deadline);	/* a stuck image stays open: ceph.h */
	return r;
}

/* Whether a write of a snapshot-mode manifest stopped before its mirror
 * snapshot (MANIFEST_PENDING_KEY is there). -errno: it cannot be told. */
static int pending(struct ceph_image *img, const struct timespec *deadline, bool *ret)
{
	char *v = NULL;
	size_t len;
	int r = ceph_meta_get(img, MANIFEST_PENDING_KEY, 64, deadline, &v, &len);

	free(v);
	if (r == -ENOENT)
		return *ret = false, 0;
	if (r == 0 || r == -E2BIG)
		return *ret = true, 0;
	return r;
}

/* The metadata set of a manifest: -EBUSY when the image is primary but
 * another client holds its exclusive lock (librbd says EROFS for both). */
static int meta_set(struct ceph_image *img, const char *key, const char *value,
		    const struct timespec *deadline)
{
	int r = ceph_meta_set(img, key, value, deadline);

	return r == -EROFS ? -EBUSY : r;
}

/*
 * Write text (NULL: the image already holds the right manifest) and, on a
 * snapshot-mode primary, take the mirror snapshot that carries it. A write
 * killed between the metadata and the snapshot leaves MANIFEST_PENDING_KEY
 * behind, so the next run takes the snapshot even though the manifest is
 * unchanged.
 */
/* The image's mirroring, unless the caller already read it (known). */
static int mirror_of(struct ceph_image *img, const struct store_mirror *known,
		     const struct timespec *deadline, struct store_mirror *ret)
{
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode = RBD_MIRROR_IMAGE_MODE_JOURNAL;
	int r;

	if (known) {
		*ret = *known;
		return 0;
	}
	r = ceph_mirror_get_info(img, deadline, &info);
	if (r < 0)
		return r;
	ret->enabled = info.state == RBD_MIRROR_IMAGE_ENABLED;
	ret->primary = info.primary;
	rbd_mirror_image_get_info_cleanup(&info);
	if (ret->enabled && ret->primary && (r = ceph_mirror_get_mode(img, deadline, &mode)) < 0)
		return r;
	ret->snapshot = ret->enabled && mode == RBD_MIRROR_IMAGE_MODE_SNAPSHOT;
	return 0;
}

static int put(struct ceph_image *img, const char *text, const struct store_mirror *known,
	       const struct timespec *deadline, enum store_result *ret)
{
	struct store_mirror mi;
	bool snapshot, was_pending = false;
	char now[32];
	int r;

	if (!text && ((r = pending(img, deadline, &was_pending)) < 0 || !was_pending)) {
		*ret = STORE_UNCHANGED;
		return r;
	}
	r = mirror_of(img, known, deadline, &mi);
	if (r < 0)
		return r;
	if (mi.enabled && !mi.primary) {
		/* an unchanged manifest on a non-primary image: nothing to do */
		*ret = STORE_UNCHANGED;
		return text ? -EROFS : 0;
	}
	snapshot = mi.snapshot;
	if (!text && !snapshot) {
		/* a marker left on an image no longer in snapshot mode */
		ceph_meta_remove(img, MANIFEST_PENDING_KEY, deadline);
		*ret = STORE_UNCHANGED;
		return r;
	}
	if (text) {
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		if (snapshot && (r = meta_set(img, MANIFEST_PENDING_KEY, now, deadline)) < 0)
			return r;
		r = meta_set(img, MANIFEST_META_KEY, text, deadline);
		if (r < 0)
			return r;
	}
	*ret = !snapshot ? (!mi.enabled ? STORE_WRITTEN_UNMIRRORED : STORE_WRITTEN)
			 : text ? STORE_WRITTEN_SNAPSHOT : STORE_SNAPSHOT_RETAKEN;
	if (snapshot) {
		r = ceph_mirror_snapshot(img, deadline);
		/* the snapshot carries the manifest; a marker left behind by a
		 * failed removal only costs the next run one more snapshot */
		if (r == 0)
			ceph_meta_remove(img, MANIFEST_PENDING_KEY, deadline);
	}
	return r;
}

int store_write(rados_ioctx_t io, const char *image, const struct manifest *m,
		const struct manifest_key *key, const struct timespec *deadline,
		enum store_result *ret)
{
	struct ceph_image *img;
	char *cur = NULL;
	size_t cur_len = 0;
	int r = ceph_image_open(io, image, false, deadline, &img);

	if (r < 0)
		return r;
	r = meta_get(img, deadline, &cur, &cur_len);
	if (r == 0 || r == -ENODATA || r == -E2BIG)
		r = store_write_image(img, m, key, r == 0 ? cur : NULL, cur_len, NULL, deadline, ret);
	ceph_image_close(img, deadline);	/* a stuck image stays open: ceph.h */
	free(cur);
	return r;
}

int store_encode_over(const struct manifest *m, const struct manifest_key *key,
		      const char *cur, size_t cur_len, char **ret_text)
{
	struct manifest *old = NULL;
	char *text = NULL;
	size_t len;
	bool same;
	int r = manifest_encode(m, key, &text, &len);

	if (r < 0)
		return r;
	/* an unsigned or differently signed copy is rewritten, signed */
	same = cur && manifest_decode(cur, cur_len, key, &old, NULL) == 0 &&
	       old->auth == MANIFEST_VERIFIED && manifest_same(old, m);
	manifest_free(old);
	if (same) {
		free(text);
		text = NULL;
	}
	*ret_text = text;
	return 0;
}

int store_write_image(struct ceph_image *img, const struct manifest *m,
		      const struct manifest_key *key, const char *cur, size_t cur_len,
		      const struct store_mirror *known, const struct timespec *deadline,
		      enum store_result *ret)
{
	char *text = NULL;
	int r = store_encode_over(m, key, cur, cur_len, &text);

	if (r < 0)
		return r;
	r = put(img, text, known, deadline, ret);
	free(text);
	return r;
}

int store_pending(struct ceph_image *img, const struct timespec *deadline, bool *ret)
{
	return pending(img, deadline, ret);
}

int store_retire(rados_ioctx_t io, const char *image, const char *site, int vm_id,
		 const struct manifest_key *key, long long now, const struct timespec *deadline,
		 enum store_result *ret)
{
	struct manifest *m = NULL;
	char *cur = NULL, *text = NULL;
	size_t len;
	struct ceph_image *img;
	int r;

	if (!key)
		return -ENOKEY;
	r = ceph_image_open(io, image, false, deadline, &img);
	if (r < 0)
		return r;
	r = meta_get(img, deadline, &cur, &len);
	if (r == 0)
		r = manifest_decode(cur, len, key, &m, NULL);
	if (r < 0)
		goto out;
	if (m->auth != MANIFEST_VERIFIED) {
		r = -EKEYREJECTED;	/* never sign what onedr did not write */
		goto out;
	}
	if (strcmp(m->site, site) || m->vm_id != vm_id) {
		r = -ESRCH;		/* the image carries another VM's manifest now */
		goto out;
	}
	if (!m->retired) {
		m->retired = now;
		r = manifest_encode(m, key, &text, &len);
		if (r < 0)
			goto out;
	}
	r = put(img, text, NULL, deadline, ret);
out:
	ceph_image_close(img, deadline);	/* a stuck image stays open: ceph.h */
	manifest_free(m);
	free(cur);
	free(text);
	return r;
}

void store_scan_free(struct store_scan *s)
{
	for (size_t i = 0; i < s->ncopies; i++) {
		free(s->copies[i].image);
		manifest_free(s->copies[i].m);
	}
	free(s->copies);
	free(s->vms);
	memset(s, 0, sizeof(*s));
}

struct scan_job {
	rados_ioctx_t io;
	const char *pool;
	const struct manifest_key *key;
	double timeout;
	struct store_copy *copies;
};

static void scan_one(void *ctx, size_t i)
{
	struct scan_job *job = ctx;
	struct store_copy *c = &job->copies[i];
	struct timespec dl = deadline_after(job->timeout);
	struct manifest_error err = { "" };
	char *text = NULL;
	size_t len;

	c->r = store_read(job->io, c->image, &dl, &text, &len);
	if (c->r == 0) {
		c->r = manifest_decode(text, len, job->key, &c->m, &err);
		if (c->r < 0) {
			snprintf(c->err, sizeof(c->err), "%s", err.msg);
		} else if (!manifest_has_disk(c->m, job->pool, c->image)) {
			/* a manifest copied from another image: it may name
			 * any RBD, this one is not among its disks */
			manifest_free(c->m);
			c->m = NULL;
			c->r = -EINVAL;
			snprintf(c->err, sizeof(c->err),
				 "the manifest does not list this image among its disks (copied from another image?)");
		}
	} else if (c->r != -ENODATA && c->r != -ENOENT) {
		snprintf(c->err, sizeof(c->err), "cannot read its metadata: %s", strerror(-c->r));
	}
	free(text);
}

static int vm_cmp(const void *a, const void *b)
{
	const struct manifest *x = ((const struct store_vm *)a)->m;
	const struct manifest *y = ((const struct store_vm *)b)->m;
	int c = strcmp(x->site, y->site);

	return c ? c : (x->vm_id > y->vm_id) - (x->vm_id < y->vm_id);
}

static int group(struct store_scan *s)
{
	s->vms = calloc(s->ncopies + 1, sizeof(*s->vms));
	if (!s->vms)
		return -ENOMEM;
	for (size_t i = 0; i < s->ncopies; i++) {
		const struct manifest *m = s->copies[i].m;
		size_t k;

		if (s->copies[i].r == -ENODATA || s->copies[i].r == -ENOENT)
			continue;	/* a named image without manifest */
		if (s->copies[i].r < 0) {
			s->nbad++;
			continue;
		}
		for (k = 0; k < s->nvms; k++)
			if (s->vms[k].m->vm_id == m->vm_id && !strcmp(s->vms[k].m->site, m->site))
				break;
		if (k == s->nvms) {
			s->vms[s->nvms++] = (struct store_vm){ m, 1, false };
			continue;
		}
		s->vms[k].copies++;
		if (!manifest_same(s->vms[k].m, m))
			s->vms[k].differ = true;
		/* a verified copy before any other, then the newest */
		if (m->auth != s->vms[k].m->auth ? m->auth > s->vms[k].m->auth
						  : m->time > s->vms[k].m->time)
			s->vms[k].m = m;
	}
	qsort(s->vms, s->nvms, sizeof(*s->vms), vm_cmp);
	return 0;
}

struct list_arg {
	rbd_image_spec_t *specs;
	size_t n;
};

static int list_fn(rados_ioctx_t io, void *arg)
{
	struct list_arg *a = arg;

	return ceph_list_images(io, &a->specs, &a->n);
}

static int list_pool(rados_ioctx_t io, double timeout, struct store_scan *s)
{
	struct timespec dl = deadline_after(timeout);
	struct list_arg a = { NULL, 0 };
	rbd_image_spec_t *specs;
	size_t nspecs;
	int r = ceph_io_call(io, &dl, list_fn, &a, sizeof(a));

	if (r < 0)
		return r;
	specs = a.specs;
	nspecs = a.n;
	s->copies = calloc(nspecs + 1, sizeof(*s->copies));
	if (!s->copies)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < nspecs; i++)
		if (!(s->copies[s->ncopies++].image = strdup(specs[i].name)))
			r = -ENOMEM;
	rbd_image_spec_list_cleanup(specs, nspecs);
	free(specs);
	return r < 0 ? r : 0;
}

int store_scan(rados_ioctx_t io, const char *const *images, size_t nimages,
	       const struct manifest_key *key, unsigned concurrency, double image_timeout,
	       struct store_scan *ret)
{
	struct store_scan s = { 0 };
	struct scan_job job;
	char pool[256];
	size_t n = 0;
	int r = rados_ioctx_get_pool_name(io, pool, sizeof(pool));

	if (r < 0)
		return r;
	r = 0;

	if (images) {
		s.copies = calloc(nimages + 1, sizeof(*s.copies));
		if (!s.copies)
			return -ENOMEM;
		for (size_t i = 0; r == 0 && i < nimages; i++)
			if (!(s.copies[s.ncopies++].image = strdup(images[i])))
				r = -ENOMEM;
	} else {
		r = list_pool(io, image_timeout, &s);
	}
	if (r < 0) {
		store_scan_free(&s);
		return r;
	}
	job = (struct scan_job){ io, pool, key, image_timeout, s.copies };
	r = batch_run(s.ncopies, concurrency, scan_one, &job);
	if (r < 0) {
		store_scan_free(&s);
		return r;
	}
	/* keep the images that hold a manifest, readable or not (and the
	 * named ones, to say what they hold) */
	for (size_t i = 0; i < s.ncopies; i++) {
		if (!images && (s.copies[i].r == -ENODATA || s.copies[i].r == -ENOENT)) {
			free(s.copies[i].image);
			continue;
		}
		s.copies[n++] = s.copies[i];
	}
	s.ncopies = n;
	r = group(&s);
	if (r < 0) {
		store_scan_free(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int store_find(const struct store_scan *s, const char *site, int id, const char *not_site,
	       const struct store_vm **ret)
{
	const struct store_vm *found = NULL;

	for (size_t i = 0; i < s->nvms; i++) {
		const struct manifest *m = s->vms[i].m;

		if (m->vm_id != id)
			continue;
		if (site ? strcmp(m->site, site) != 0 : (not_site && !strcmp(m->site, not_site)))
			continue;
		if (found)
			return -EEXIST;
		found = &s->vms[i];
	}
	if (!found)
		return -ENOENT;
	*ret = found;
	return 0;
}

/*
 * manifest-store.c: manifests in RBD image-meta.
 */
#include "config.h"

#include "manifest-store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rbd/librbd.h>

#include "batch.h"
#include "ceph.h"

static int meta_get(rbd_image_t image, char **ret_text, size_t *ret_len)
{
	size_t len = 4096;
	char *buf = NULL;
	int r;

	for (;;) {
		char *nb = realloc(buf, len + 1);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		r = rbd_metadata_get(image, MANIFEST_META_KEY, buf, &len);
		if (r != -ERANGE)
			break;
		if (len > MANIFEST_MAX_SIZE + 1) {
			free(buf);
			return -E2BIG;
		}
	}
	if (r < 0) {
		free(buf);
		return r == -ENOENT ? -ENODATA : r;
	}
	/* librbd copies a NUL-terminated string and leaves len alone on
	 * success (rbd_metadata_set takes a C string: no NUL inside) */
	buf[len] = '\0';
	len = strlen(buf);
	if (len > MANIFEST_MAX_SIZE) {
		free(buf);
		return -E2BIG;
	}
	*ret_text = buf;
	*ret_len = len;
	return 0;
}

int store_read_image(rbd_image_t image, char **ret_text, size_t *ret_len)
{
	return meta_get(image, ret_text, ret_len);
}

int store_read(rados_ioctx_t io, const char *image, const struct timespec *deadline,
	       char **ret_text, size_t *ret_len)
{
	rbd_image_t img;
	int r = ceph_image_open(io, image, true, deadline, &img);

	if (r < 0)
		return r;
	r = meta_get(img, ret_text, ret_len);
	ceph_image_close(img, deadline);
	return r;
}

int store_write(rados_ioctx_t io, const char *image, const struct manifest *m,
		const struct timespec *deadline, enum store_result *ret)
{
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode;
	struct manifest *old = NULL;
	char *text = NULL, *cur = NULL;
	size_t len, cur_len;
	rbd_image_t img;
	int r;

	r = manifest_encode(m, &text, &len);
	if (r < 0)
		return r;
	r = ceph_image_open(io, image, false, deadline, &img);
	if (r < 0) {
		free(text);
		return r;
	}
	r = meta_get(img, &cur, &cur_len);
	if (r == 0 && manifest_decode(cur, cur_len, &old, NULL) == 0 && manifest_same(old, m)) {
		*ret = STORE_UNCHANGED;
		goto out;
	}
	if (r < 0 && r != -ENODATA && r != -E2BIG)
		goto out;
	r = ceph_mirror_get_info(img, deadline, &info);
	if (r < 0)
		goto out;
	if (info.state == RBD_MIRROR_IMAGE_ENABLED && !info.primary) {
		rbd_mirror_image_get_info_cleanup(&info);
		r = -EROFS;
		goto out;
	}
	r = rbd_metadata_set(img, MANIFEST_META_KEY, text);
	if (r == -EROFS)
		r = -EBUSY;	/* primary, but another client holds the lock */
	if (r < 0) {
		rbd_mirror_image_get_info_cleanup(&info);
		goto out;
	}
	*ret = STORE_WRITTEN;
	if (info.state != RBD_MIRROR_IMAGE_ENABLED) {
		*ret = STORE_WRITTEN_UNMIRRORED;
	} else {
		r = ceph_mirror_get_mode(img, deadline, &mode);
		if (r == 0 && mode == RBD_MIRROR_IMAGE_MODE_SNAPSHOT) {
			r = ceph_mirror_snapshot(img, deadline);
			if (r == 0)
				*ret = STORE_WRITTEN_SNAPSHOT;
		}
	}
	rbd_mirror_image_get_info_cleanup(&info);
out:
	ceph_image_close(img, deadline);
	manifest_free(old);
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
		c->r = manifest_decode(text, len, &c->m, &err);
		if (c->r < 0)
			snprintf(c->err, sizeof(c->err), "%s", err.msg);
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
		if (m->time > s->vms[k].m->time)
			s->vms[k].m = m;
	}
	qsort(s->vms, s->nvms, sizeof(*s->vms), vm_cmp);
	return 0;
}

static int list_pool(rados_ioctx_t io, struct store_scan *s)
{
	rbd_image_spec_t *specs = NULL;
	size_t nspecs = 0;
	int r = ceph_list_images(io, &specs, &nspecs);

	if (r < 0)
		return r;
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
	       unsigned concurrency, double image_timeout, struct store_scan *ret)
{
	struct store_scan s = { 0 };
	struct scan_job job;
	size_t n = 0;
	int r = 0;

	if (images) {
		s.copies = calloc(nimages + 1, sizeof(*s.copies));
		if (!s.copies)
			return -ENOMEM;
		for (size_t i = 0; r == 0 && i < nimages; i++)
			if (!(s.copies[s.ncopies++].image = strdup(images[i])))
				r = -ENOMEM;
	} else {
		r = list_pool(io, &s);
	}
	if (r < 0) {
		store_scan_free(&s);
		return r;
	}
	job = (struct scan_job){ io, image_timeout, s.copies };
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

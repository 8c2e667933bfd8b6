/*
 * mirror-list.c: the images of a pool, listed once per pool, with which have
 * mirroring enabled and in which mode; see mirror-list.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mirror-list.h"
#include "rbd-journal.h"

void listing_free(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].id);
	}
	for (i = 0; i < l->nplain; i++)
		free(l->plain[i]);
	free(l->v);
	free(l->plain);
	memset(l, 0, sizeof(*l));
}

/* The mode of each mirror-enabled image, from the pool's entries (one
 * omap read per 256 images instead of a librbd call per image). An entry
 * that will not decode leaves its mode unknown: the image's own call
 * tells it later. */
static int listing_load_modes(rados_ioctx_t io, struct listing *l)
{
	char start[128] = "";
	unsigned char more = 1;
	int r = 0;

	while (more && r == 0) {
		rados_read_op_t op = rados_create_read_op();
		rados_omap_iter_t iter = NULL;
		int prval = 0;
		char *key, *val;
		size_t klen, vlen, i;

		if (!op)
			return -ENOMEM;
		rados_read_op_omap_get_vals2(op, start, "image_", 256, &iter, &more, &prval);
		r = rados_read_op_operate(op, io, "rbd_mirroring", 0);
		if (r == 0)
			r = prval;
		while (r == 0 && rados_omap_get_next2(iter, &key, &val, &klen, &vlen) == 0 && key) {
			struct rbdj_mirror_image mi;

			snprintf(start, sizeof(start), "%s", key);
			if (rbdj_decode_mirror_image(val, vlen, &mi) < 0)
				continue;
			for (i = 0; i < l->n; i++)
				if (!strcmp(l->v[i].id, key + strlen("image_")))
					l->v[i].mode = mi.mode;
		}
		if (iter)
			rados_omap_get_end(iter);
		rados_release_read_op(op);
	}
	return r == -ENOENT ? 0 : r;
}

static int listing_load_sync(rados_ioctx_t io, struct listing *l)
{
	rbd_image_spec_t *specs = NULL;
	size_t nspecs = 0, i;
	char start[128] = "";
	bool *enabled = NULL;
	int r;

	memset(l, 0, sizeof(*l));
	r = ceph_list_images(io, &specs, &nspecs);
	if (r < 0)
		return r;
	enabled = calloc(nspecs + 1, sizeof(*enabled));
	l->v = calloc(nspecs + 1, sizeof(*l->v));
	l->plain = calloc(nspecs + 1, sizeof(*l->plain));
	if (!enabled || !l->v || !l->plain)
		r = -ENOMEM;
	/* which images have mirroring enabled: the status list is one cls
	 * call per page and opens nothing (rbd_mirror_image_info_list opens
	 * every image to learn its role, slower than the work itself) */
	while (r >= 0) {
		char *ids[256];
		rbd_mirror_image_global_status_t st[256];
		size_t got = 0, k, j;

		r = rbd_mirror_image_global_status_list(io, start, 256, ids, st, &got);
		if (r < 0)
			break;
		for (k = 0; k < got && r >= 0; k++) {
			if (st[k].info.state != RBD_MIRROR_IMAGE_ENABLED)
				continue;
			for (j = 0; j < nspecs && strcmp(specs[j].id, ids[k]); j++)
				;
			if (j == nspecs || enabled[j])
				continue;	/* gone since rbd_list2 */
			enabled[j] = true;
			l->v[l->n].name = strdup(specs[j].name);
			l->v[l->n].id = strdup(specs[j].id);
			l->v[l->n].mode = -1;
			if (!l->v[l->n].name || !l->v[l->n].id)
				r = -ENOMEM;
			l->n++;
		}
		if (got)
			snprintf(start, sizeof(start), "%s", ids[got - 1]);
		rbd_mirror_image_global_status_list_cleanup(ids, st, got);
		if (got < 256)
			break;
	}
	for (i = 0; r >= 0 && i < nspecs; i++)
		if (!enabled[i] && !(l->plain[l->nplain++] = strdup(specs[i].name)))
			r = -ENOMEM;
	free(enabled);
	rbd_image_spec_list_cleanup(specs, nspecs);
	free(specs);
	if (r >= 0 && l->n)
		r = listing_load_modes(io, l);
	if (r < 0) {
		listing_free(l);
		return r;
	}
	return 0;
}

static int listing_load_fn(rados_ioctx_t io, void *arg)
{
	return listing_load_sync(io, arg);
}

/* The listing under a deadline of timeout seconds. */
int listing_load(rados_ioctx_t io, double timeout, struct listing *l)
{
	struct timespec dl = deadline_after(timeout);
	struct listing tmp = { 0 };
	int r = ceph_io_call(io, &dl, listing_load_fn, &tmp, sizeof(tmp));

	if (r < 0)
		return r;
	*l = tmp;
	return 0;
}

struct uuid_arg {
	char uuid[64];
};

static int uuid_fn(rados_ioctx_t io, void *arg)
{
	struct uuid_arg *a = arg;
	size_t len = sizeof(a->uuid);

	return rbd_mirror_uuid_get(io, a->uuid, &len);
}

/* The pool's mirror uuid under a deadline. */
int mirror_uuid(rados_ioctx_t io, double timeout, char *ret, size_t len)
{
	struct timespec dl = deadline_after(timeout);
	struct uuid_arg a = { "" };
	int r = ceph_io_call(io, &dl, uuid_fn, &a, sizeof(a));

	if (r == 0)
		snprintf(ret, len, "%s", a.uuid);
	return r;
}

const struct listed *listing_find(const struct listing *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* Pool listing, for --pool. */

int mirror_pool_images(struct ceph *c, const char *pool, double timeout,
		       struct mirror_item **ret_items, size_t *ret_n, char ***ret_plain,
		       size_t *ret_nplain)
{
	struct mirror_item *items;
	struct listing l;
	rados_ioctx_t io;
	size_t i;
	int r;

	r = ceph_pool(c, pool, &io);
	if (r == 0)
		r = listing_load(io, timeout, &l);
	if (r < 0)
		return r;
	items = calloc(l.n + 1, sizeof(*items));
	if (!items) {
		listing_free(&l);
		return -ENOMEM;
	}
	for (i = 0; i < l.n; i++) {
		items[i].pool = strdup(pool);
		items[i].image = l.v[i].name;
		l.v[i].name = NULL;
		if (!items[i].pool) {
			mirror_items_free(items, l.n);
			listing_free(&l);
			return -ENOMEM;
		}
	}
	*ret_items = items;
	*ret_n = l.n;
	if (ret_plain) {
		*ret_plain = l.plain;
		*ret_nplain = l.nplain;
		l.plain = NULL;
		l.nplain = 0;
	}
	listing_free(&l);
	return 0;
}

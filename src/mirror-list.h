/*
 * mirror-list.h: pool listings: one pass per pool, before any image is
 * opened, so that the common case needs no per-image round trip to learn
 * mode and role. Nothing is printed.
 */
#ifndef ONEDR_MIRROR_LIST_H
#define ONEDR_MIRROR_LIST_H

#include <stddef.h>

#include <rados/librados.h>

#include "ceph.h"
#include "mirror.h"

/* Every image of a pool that has mirroring enabled (for --pool), and, when
 * ret_plain is not NULL, the names of those that have not; the listing is
 * abandoned after timeout seconds (-ETIMEDOUT). */
int mirror_pool_images(struct ceph *c, const char *pool, double timeout,
		       struct mirror_item **ret_items, size_t *ret_n, char ***ret_plain,
		       size_t *ret_nplain);

/* For the run engine (mirror-run.c): one pool's images, by name and id. */
struct listed {
	char *name;
	char *id;
	int mode;		/* rbd_mirror_image_mode_t, -1 unknown */
};

struct listing {
	struct listed *v;	/* mirror-enabled images */
	size_t n;
	char **plain;		/* images without mirroring */
	size_t nplain;
};

/* The listing under a deadline of timeout seconds. */
int listing_load(rados_ioctx_t io, double timeout, struct listing *l);
const struct listed *listing_find(const struct listing *l, const char *name);
void listing_free(struct listing *l);

/* The pool's mirror uuid under a deadline. */
int mirror_uuid(rados_ioctx_t io, double timeout, char *ret, size_t len);

#endif

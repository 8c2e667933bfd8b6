/*
 * ceph.h: one connection to one Ceph cluster (librados + librbd), and
 * deadline-bounded waits on asynchronous librbd/librados calls.
 *
 * Every image operation onedr runs goes through ceph_wait_*: the call is
 * submitted asynchronously and waited for until a deadline. A call that does
 * not finish in time is abandoned (its completion and output buffer are left
 * to librbd and freed when, if ever, it completes) and -ETIMEDOUT is
 * returned, so one stuck image never holds up the others. Once anything was
 * abandoned the cluster handle must not be shut down: ceph_close() then
 * leaves it to the process exit.
 */
#ifndef ONEDR_CEPH_H
#define ONEDR_CEPH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "conf.h"

struct ceph_pool {
	char *name;
	rados_ioctx_t io;
};

struct ceph {
	rados_t rados;
	struct ceph_pool pools[8];	/* opened on demand */
	size_t npools;
};

/* Connect with the timeouts of opts set before connecting. */
int ceph_connect(const struct ceph_opts *opts, struct ceph **ret_ceph);
/* NULL-safe. Shuts the cluster down unless an operation was abandoned. */
void ceph_close(struct ceph *c);
/* The I/O context of a pool, opened on first use. -ENOENT: no such pool. */
int ceph_pool(struct ceph *c, const char *pool, rados_ioctx_t *ret_io);

/* Every image of a pool (rbd_list2): free with rbd_image_spec_list_cleanup()
 * and free(). */
int ceph_list_images(rados_ioctx_t io, rbd_image_spec_t **ret, size_t *ret_n);

/* Number of operations abandoned at their deadline in this process. */
unsigned ceph_abandoned(void);

/* A deadline `seconds` from now (CLOCK_MONOTONIC). */
struct timespec deadline_after(double seconds);
double deadline_left(const struct timespec *deadline);

/* Deadline-bounded librbd calls. Output parameters are written only on success. */
int ceph_image_open(rados_ioctx_t io, const char *name, bool read_only,
		    const struct timespec *deadline, rbd_image_t *ret_image);
int ceph_image_open_by_id(rados_ioctx_t io, const char *id, const struct timespec *deadline,
			  rbd_image_t *ret_image);
int ceph_image_close(rbd_image_t image, const struct timespec *deadline);
int ceph_mirror_get_info(rbd_image_t image, const struct timespec *deadline,
			 rbd_mirror_image_info_t *ret_info);
int ceph_mirror_get_mode(rbd_image_t image, const struct timespec *deadline,
			 rbd_mirror_image_mode_t *ret_mode);
int ceph_mirror_get_global_status(rbd_image_t image, const struct timespec *deadline,
				  rbd_mirror_image_global_status_t *ret_status);
int ceph_mirror_promote(rbd_image_t image, bool force, const struct timespec *deadline);
int ceph_mirror_demote(rbd_image_t image, const struct timespec *deadline);
int ceph_mirror_snapshot(rbd_image_t image, const struct timespec *deadline);

#endif

/*
 * ceph.h: one connection to one Ceph cluster (librados + librbd), and
 * deadline-bounded waits on librbd/librados calls.
 *
 * Every Ceph call a command makes runs under a deadline: the call is
 * submitted asynchronously (librbd's aio API) or, where librbd and librados
 * have only a synchronous call, run in a worker thread of its own; either
 * way it is waited for until the deadline. A call that does not finish in
 * time is abandoned (its completion, thread and output buffers are left to
 * it and freed when, if ever, it completes) and -ETIMEDOUT is returned, so
 * one stuck image never holds up the others. Once anything was abandoned
 * the cluster handle must not be shut down: ceph_close() then leaves it to
 * the process exit.
 *
 * The handle rule: an image with a call abandoned on it is "stuck". librbd
 * may still be running that call on the image, so the image is never
 * closed under it: ceph_image_close() of a stuck image leaves it open
 * (leaked deliberately; ceph_abandoned() counts the call) and a stuck image
 * takes no further call (-ETIMEDOUT at once). Callers close every image
 * they opened, whatever happened; the rule is here, not in each caller.
 *
 * Which calls are bounded, and how:
 *
 *   call                                  bounded by
 *   ------------------------------------  ------------------------------------
 *   connect                               client_mount_timeout (CONNECT)
 *   rados_ioctx_create (ceph_pool)        the osdmap the connect fetched: no
 *                                         OSD I/O; rados_mon_op_timeout (OP)
 *   image open / open by id / close       aio + deadline (ceph_image_open...)
 *   mirror get info / mode / global       aio + deadline (ceph_mirror_*)
 *     status, promote, demote, snapshot
 *   image-meta get / set / remove         worker thread + deadline
 *     (rbd_metadata_*: no aio in 16.2)      (ceph_image_call)
 *   allocation estimate of resync         worker thread + deadline; scanned
 *     (rbd_diff_iterate2, whole object)     only with a valid fast-diff (the
 *                                           object map), else the image size
 *   resync request, snapshot listings     worker thread + deadline
 *     (rbd_mirror_image_resync,             (ceph_image_call)
 *     rbd_snap_list and its namespaces)
 *   pool listings: rbd_list2, mirror      worker thread + deadline
 *     status list, rbd_mirroring and        (ceph_io_call), one deadline per
 *     journal omap reads, mirror mode,      listing
 *     uuid, site name, peer list
 *   rbd_get_id, rbd_get_size, rbd_get_    not bounded: answered from the open
 *     features, rbd_get_flags               image's memory, no I/O
 *
 * Any call is also bounded by rados_osd_op_timeout / rados_mon_op_timeout
 * (OP), which librados applies itself; the deadline is what --timeout sets.
 */
#ifndef ONEDR_CEPH_H
#define ONEDR_CEPH_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
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
	/* opened on demand, from any thread: lock guards the table, which is
	 * never reallocated, and an entry once added stays until ceph_close */
	pthread_mutex_t lock;
	struct ceph_pool pools[8];
	size_t npools;
};

/* An open image: see the handle rule above. */
struct ceph_image {
	rbd_image_t rbd;	/* for librbd calls that do no I/O, and in ceph_image_call */
	bool stuck;		/* a call on it was abandoned: guarded by ceph.c's lock */
};

/* Connect with the timeouts of opts set before connecting. */
int ceph_connect(const struct ceph_opts *opts, struct ceph **ret_ceph);
/* NULL-safe. Shuts the cluster down unless an operation was abandoned. */
void ceph_close(struct ceph *c);
/* The I/O context of a pool, opened on first use; safe from any thread.
 * -ENOENT: no such pool. */
int ceph_pool(struct ceph *c, const char *pool, rados_ioctx_t *ret_io);

/* A mirror snapshot of an image (snapshot-mode mirroring). */
struct ceph_mirror_snap {
	uint64_t id;
	rbd_snap_mirror_state_t state;
	bool complete;
	uint64_t primary_snap_id;
	char primary_mirror_uuid[64];
	time_t time;		/* creation, seconds (0: not read) */
};

/* Every mirror snapshot of an open image, oldest first, in a malloc'd
 * array (*ret NULL when there is none). Call it under ceph_image_call (it
 * is synchronous). */
int ceph_mirror_snaps(rbd_image_t image, struct ceph_mirror_snap **ret, size_t *ret_n);

/* The omap values of keys[0..n) of object oid (one read op), each found
 * given to each() in key order (its error ends the walk). -ENOENT: no
 * object. Call it in a ceph_io_call (it is synchronous). */
int ceph_omap_get_keys(rados_ioctx_t io, const char *oid, const char *const *keys, size_t n,
		       int (*each)(void *arg, const char *key, size_t klen, const char *val,
				   size_t vlen),
		       void *arg);

/* Every image of a pool (rbd_list2): free with rbd_image_spec_list_cleanup()
 * and free(). Call it in a ceph_io_call (it is synchronous). */
int ceph_list_images(rados_ioctx_t io, rbd_image_spec_t **ret, size_t *ret_n);

/* Number of operations abandoned at their deadline in this process. */
unsigned ceph_abandoned(void);

/* A deadline `seconds` from now (CLOCK_MONOTONIC). */
struct timespec deadline_after(double seconds);
double deadline_left(const struct timespec *deadline);

/* Deadline-bounded librbd calls. Output parameters are written only on success. */
int ceph_image_open(rados_ioctx_t io, const char *name, bool read_only,
		    const struct timespec *deadline, struct ceph_image **ret_image);
int ceph_image_open_by_id(rados_ioctx_t io, const char *id, const struct timespec *deadline,
			  struct ceph_image **ret_image);
/* NULL-safe. A stuck image is left open (returns 0): the handle rule. */
int ceph_image_close(struct ceph_image *image, const struct timespec *deadline);
/* Whether a call on the image was abandoned at its deadline. */
bool ceph_image_stuck(struct ceph_image *image);
int ceph_mirror_get_info(struct ceph_image *image, const struct timespec *deadline,
			 rbd_mirror_image_info_t *ret_info);
int ceph_mirror_get_mode(struct ceph_image *image, const struct timespec *deadline,
			 rbd_mirror_image_mode_t *ret_mode);
int ceph_mirror_get_global_status(struct ceph_image *image, const struct timespec *deadline,
				  rbd_mirror_image_global_status_t *ret_status);
/* A number that follows "key": in a mirror status description's JSON
 * part (entries_behind_primary, local_snapshot_timestamp...), or -1. */
long long ceph_mirror_status_number(const char *description, const char *key);
int ceph_mirror_promote(struct ceph_image *image, bool force, const struct timespec *deadline);
int ceph_mirror_demote(struct ceph_image *image, const struct timespec *deadline);
int ceph_mirror_snapshot(struct ceph_image *image, const struct timespec *deadline);

/*
 * Synchronous calls under a deadline: fn runs in a worker thread of its own
 * on a copy of the size bytes at arg, which is copied back when fn returned
 * in time (fn's result is returned). Past the deadline the call is
 * abandoned: -ETIMEDOUT, arg untouched, and for ceph_image_call the image
 * becomes stuck. So fn must reach nothing through its argument that the
 * caller may free: what it reads lives in the copy (fixed arrays, or
 * strings the caller duplicated for it); what it allocates and an
 * abandoned call produced is leaked on purpose.
 */
typedef int (*ceph_image_fn)(rbd_image_t image, void *arg);
typedef int (*ceph_io_fn)(rados_ioctx_t io, void *arg);
int ceph_image_call(struct ceph_image *image, const struct timespec *deadline,
		    ceph_image_fn fn, void *arg, size_t size);
int ceph_io_call(rados_ioctx_t io, const struct timespec *deadline,
		 ceph_io_fn fn, void *arg, size_t size);

/* Image-meta under a deadline (rbd_metadata_*; no aio in Ceph 16.2).
 * ceph_meta_get: the value, NUL-terminated, of at most max bytes (-E2BIG
 * when larger); -ENOENT: no such key. */
int ceph_meta_get(struct ceph_image *image, const char *key, size_t max,
		  const struct timespec *deadline, char **ret_value, size_t *ret_len);
int ceph_meta_set(struct ceph_image *image, const char *key, const char *value,
		  const struct timespec *deadline);
int ceph_meta_remove(struct ceph_image *image, const char *key, const struct timespec *deadline);

#endif

/* ceph.c: cluster connection and deadline-bounded aio waits; see ceph.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ceph.h"

/* One lock and condition for every waiter: completion callbacks must not
 * touch memory a timed-out waiter has already given up, so they only touch
 * the op (freed by whoever comes last) and these statics. */
static pthread_mutex_t op_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t op_cond;
static pthread_once_t op_once = PTHREAD_ONCE_INIT;
static unsigned op_abandoned;

struct op {
	bool done;
	bool abandoned;
	int rval;
	union {
		rbd_image_t image;
		rbd_mirror_image_info_t info;
		rbd_mirror_image_mode_t mode;
		rbd_mirror_image_global_status_t status;
		uint64_t snap_id;
	} out;
};

static void op_init_cond(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&op_cond, &attr);
	pthread_condattr_destroy(&attr);
}

struct timespec deadline_after(double seconds)
{
	struct timespec t;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ns = (long long)(seconds * 1e9);
	t.tv_sec += ns / 1000000000LL;
	t.tv_nsec += ns % 1000000000LL;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

double deadline_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(deadline->tv_sec - now.tv_sec) +
	       (double)(deadline->tv_nsec - now.tv_nsec) / 1e9;
}

unsigned ceph_abandoned(void)
{
	unsigned n;

	pthread_mutex_lock(&op_lock);
	n = op_abandoned;
	pthread_mutex_unlock(&op_lock);
	return n;
}

static void op_complete(struct op *op, int rval)
{
	pthread_mutex_lock(&op_lock);
	if (op->abandoned) {
		/* the waiter is gone; what the call produced is leaked on purpose
		 * (an image opened after its deadline is never used) */
		free(op);
	} else {
		op->rval = rval;
		op->done = true;
		pthread_cond_broadcast(&op_cond);
	}
	pthread_mutex_unlock(&op_lock);
}

static void op_rbd_callback(rbd_completion_t c, void *arg)
{
	int rval = (int)rbd_aio_get_return_value(c);

	rbd_aio_release(c);
	op_complete(arg, rval);
}

/* Allocate an op and its completion. */
static int op_begin(struct op **ret_op, rbd_completion_t *ret_c)
{
	struct op *op;
	int r;

	pthread_once(&op_once, op_init_cond);
	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	r = rbd_aio_create_completion(op, op_rbd_callback, ret_c);
	if (r < 0) {
		free(op);
		return r;
	}
	*ret_op = op;
	return 0;
}

/* r is what submitting the call returned. Wait for the call until the
 * deadline; on return *opp is NULL when the op was abandoned (its callback
 * frees it), else the caller reads (*opp)->out and frees it. */
static int op_end(struct op **opp, rbd_completion_t c, int r, const struct timespec *deadline)
{
	struct op *op = *opp;

	if (r < 0) {
		rbd_aio_release(c);
		return r;
	}
	pthread_mutex_lock(&op_lock);
	while (!op->done) {
		if (pthread_cond_timedwait(&op_cond, &op_lock, deadline) == ETIMEDOUT && !op->done) {
			op->abandoned = true;
			op_abandoned++;
			pthread_mutex_unlock(&op_lock);
			*opp = NULL;
			return -ETIMEDOUT;
		}
	}
	pthread_mutex_unlock(&op_lock);
	return op->rval < 0 ? op->rval : 0;
}

/* Run one aio call: `call` may use `op->out` and `c`. */
#define OP_RUN(op, c, deadline, call)					\
	({								\
		int _r = op_begin(&(op), &(c));				\
		if (_r == 0)						\
			_r = op_end(&(op), (c), (call), (deadline));	\
		_r;							\
	})

/* After OP_RUN: copy the call's output to ret (when it succeeded) and free
 * the op, unless it was abandoned (op is NULL then; its callback frees it). */
static int op_take(struct op *op, int r, void *ret, size_t size)
{
	if (op && r == 0 && ret)
		memcpy(ret, &op->out, size);
	free(op);
	return r;
}

int ceph_image_open(rados_ioctx_t io, const char *name, bool read_only,
		    const struct timespec *deadline, rbd_image_t *ret_image)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, read_only ?
		       rbd_aio_open_read_only(io, name, &op->out.image, NULL, c) :
		       rbd_aio_open(io, name, &op->out.image, NULL, c));

	return op_take(op, r, ret_image, sizeof(*ret_image));
}

int ceph_image_open_by_id(rados_ioctx_t io, const char *id, const struct timespec *deadline,
			  rbd_image_t *ret_image)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, rbd_aio_open_by_id(io, id, &op->out.image, NULL, c));

	return op_take(op, r, ret_image, sizeof(*ret_image));
}

int ceph_image_close(rbd_image_t image, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, rbd_aio_close(image, c));

	return op_take(op, r, NULL, 0);
}

int ceph_mirror_get_info(rbd_image_t image, const struct timespec *deadline,
			 rbd_mirror_image_info_t *ret_info)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, rbd_aio_mirror_image_get_info(image, &op->out.info,
								       sizeof(op->out.info), c));

	return op_take(op, r, ret_info, sizeof(*ret_info));
}

int ceph_mirror_get_mode(rbd_image_t image, const struct timespec *deadline,
			 rbd_mirror_image_mode_t *ret_mode)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, rbd_aio_mirror_image_get_mode(image, &op->out.mode, c));

	return op_take(op, r, ret_mode, sizeof(*ret_mode));
}

int ceph_mirror_get_global_status(rbd_image_t image, const struct timespec *deadline,
				  rbd_mirror_image_global_status_t *ret_status)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline,
		       rbd_aio_mirror_image_get_global_status(image, &op->out.status,
							      sizeof(op->out.status), c));

	return op_take(op, r, ret_status, sizeof(*ret_status));
}

int ceph_mirror_promote(rbd_image_t image, bool force, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, rbd_aio_mirror_image_promote(image, force, c));

	return op_take(op, r, NULL, 0);
}

int ceph_mirror_demote(rbd_image_t image, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline, rbd_aio_mirror_image_demote(image, c));

	return op_take(op, r, NULL, 0);
}

int ceph_mirror_snapshot(rbd_image_t image, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(op, c, deadline,
		       rbd_aio_mirror_image_create_snapshot(image, 0, &op->out.snap_id, c));

	return op_take(op, r, NULL, 0);
}

static int conf_set(rados_t rados, const char *option, const char *value)
{
	/* never logs value: it may be a keyring path today, a key tomorrow */
	return rados_conf_set(rados, option, value);
}

int ceph_connect(const struct ceph_opts *opts, struct ceph **ret_ceph)
{
	char name[256], num[32];
	struct ceph *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(name, sizeof(name), "client.%s", opts->id ? opts->id : "admin");
	r = rados_create2(&c->rados, opts->cluster ? opts->cluster : "ceph", name, 0);
	if (r < 0) {
		free(c);
		return r;
	}
	r = rados_conf_read_file(c->rados, opts->conf);
	if (r == 0)	/* CEPH_ARGS, as every Ceph CLI honours it */
		r = rados_conf_parse_env(c->rados, NULL);
	if (r == 0 && opts->keyring)
		r = conf_set(c->rados, "keyring", opts->keyring);
	/* our diagnostics are one line each; librados' own go to its log */
	if (r == 0)
		r = conf_set(c->rados, "log_to_stderr", "false");
	if (r == 0)
		r = conf_set(c->rados, "err_to_stderr", "false");
	snprintf(num, sizeof(num), "%u", opts->connect_timeout);
	if (r == 0)
		r = conf_set(c->rados, "client_mount_timeout", num);
	snprintf(num, sizeof(num), "%u", opts->op_timeout);
	if (r == 0)
		r = conf_set(c->rados, "rados_mon_op_timeout", num);
	if (r == 0)
		r = conf_set(c->rados, "rados_osd_op_timeout", num);
	if (r == 0)
		r = rados_connect(c->rados);
	if (r < 0) {
		rados_shutdown(c->rados);
		free(c);
		return r;
	}
	*ret_ceph = c;
	return 0;
}

int ceph_pool(struct ceph *c, const char *pool, rados_ioctx_t *ret_io)
{
	size_t i;
	int r;

	for (i = 0; i < c->npools; i++)
		if (!strcmp(c->pools[i].name, pool)) {
			*ret_io = c->pools[i].io;
			return 0;
		}
	if (c->npools == sizeof(c->pools) / sizeof(c->pools[0]))
		return -EMFILE;
	c->pools[c->npools].name = strdup(pool);
	if (!c->pools[c->npools].name)
		return -ENOMEM;
	r = rados_ioctx_create(c->rados, pool, &c->pools[c->npools].io);
	if (r < 0) {
		free(c->pools[c->npools].name);
		return r;
	}
	*ret_io = c->pools[c->npools++].io;
	return 0;
}

void ceph_close(struct ceph *c)
{
	size_t i;

	if (!c)
		return;
	if (ceph_abandoned() > 0)
		return;	/* librbd still owns abandoned calls: leave it to exit */
	for (i = 0; i < c->npools; i++) {
		rados_ioctx_destroy(c->pools[i].io);
		free(c->pools[i].name);
	}
	rados_shutdown(c->rados);
	free(c);
}

int ceph_list_images(rados_ioctx_t io, rbd_image_spec_t **ret, size_t *ret_n)
{
	rbd_image_spec_t *specs;
	size_t n = 64;
	int r;

	for (;;) {
		specs = calloc(n, sizeof(*specs));
		if (!specs)
			return -ENOMEM;
		r = rbd_list2(io, specs, &n);
		if (r != -ERANGE)
			break;
		free(specs);	/* n now holds what is needed */
	}
	if (r < 0) {
		free(specs);
		return r;
	}
	*ret = specs;
	*ret_n = n;
	return 0;
}

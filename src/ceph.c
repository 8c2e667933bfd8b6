/* ceph.c: cluster connection and deadline-bounded aio waits; see ceph.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
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
	struct ceph_image *image;	/* the call's image, made stuck if abandoned */
	/* a synchronous call run in a thread of its own (ceph_image_call, ceph_io_call) */
	ceph_image_fn image_fn;
	ceph_io_fn io_fn;
	rbd_image_t rbd;
	rados_ioctx_t io;
	size_t size;
	union {
		rbd_image_t image;
		rbd_mirror_image_info_t info;
		rbd_mirror_image_mode_t mode;
		rbd_mirror_image_global_status_t status;
		uint64_t snap_id;
	} out;
	_Alignas(max_align_t) unsigned char arg[];	/* the thread call's argument copy */
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

bool ceph_image_stuck(struct ceph_image *image)
{
	bool stuck;

	pthread_mutex_lock(&op_lock);
	stuck = image->stuck;
	pthread_mutex_unlock(&op_lock);
	return stuck;
}

/* Allocate an op and its completion. No new call on a stuck image. */
static int op_begin(struct ceph_image *image, struct op **ret_op, rbd_completion_t *ret_c)
{
	struct op *op;
	int r;

	pthread_once(&op_once, op_init_cond);
	if (image && ceph_image_stuck(image))
		return -ETIMEDOUT;
	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->image = image;
	r = rbd_aio_create_completion(op, op_rbd_callback, ret_c);
	if (r < 0) {
		free(op);
		return r;
	}
	*ret_op = op;
	return 0;
}

/* Wait for a submitted call until the deadline. On return *opp is NULL
 * when the op was abandoned (whoever completes it frees it) and its image,
 * if any, is stuck; else the caller reads (*opp)->out and frees it. */
static int op_wait(struct op **opp, const struct timespec *deadline)
{
	struct op *op = *opp;

	pthread_mutex_lock(&op_lock);
	while (!op->done) {
		if (pthread_cond_timedwait(&op_cond, &op_lock, deadline) == ETIMEDOUT && !op->done) {
			op->abandoned = true;
			op_abandoned++;
			if (op->image)
				op->image->stuck = true;	/* the handle rule */
			pthread_mutex_unlock(&op_lock);
			*opp = NULL;
			return -ETIMEDOUT;
		}
	}
	pthread_mutex_unlock(&op_lock);
	return op->rval < 0 ? op->rval : 0;
}

/* r is what submitting the aio call returned. */
static int op_end(struct op **opp, rbd_completion_t c, int r, const struct timespec *deadline)
{
	if (r < 0) {
		rbd_aio_release(c);
		return r;
	}
	return op_wait(opp, deadline);
}

/* Run one aio call on image (NULL: none): `call` may use `op->out` and `c`. */
#define OP_RUN(image, op, c, deadline, call)				\
	({								\
		int _r = op_begin((image), &(op), &(c));		\
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

static int rbd_close_bounded(rbd_image_t rbd, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(NULL, op, c, deadline, rbd_aio_close(rbd, c));

	return op_take(op, r, NULL, 0);
}

/* An opened rbd_image_t into a handle. */
static int image_wrap(int r, rbd_image_t rbd, const struct timespec *deadline,
		      struct ceph_image **ret_image)
{
	struct ceph_image *image;

	if (r < 0)
		return r;
	image = calloc(1, sizeof(*image));
	if (!image) {
		rbd_close_bounded(rbd, deadline);
		return -ENOMEM;
	}
	image->rbd = rbd;
	*ret_image = image;
	return 0;
}

int ceph_image_open(rados_ioctx_t io, const char *name, bool read_only,
		    const struct timespec *deadline, struct ceph_image **ret_image)
{
	struct op *op = NULL;
	rbd_completion_t c;
	rbd_image_t rbd = NULL;
	int r = OP_RUN(NULL, op, c, deadline, read_only ?
		       rbd_aio_open_read_only(io, name, &op->out.image, NULL, c) :
		       rbd_aio_open(io, name, &op->out.image, NULL, c));

	r = op_take(op, r, &rbd, sizeof(rbd));
	return image_wrap(r, rbd, deadline, ret_image);
}

int ceph_image_open_by_id(rados_ioctx_t io, const char *id, const struct timespec *deadline,
			  struct ceph_image **ret_image)
{
	struct op *op = NULL;
	rbd_completion_t c;
	rbd_image_t rbd = NULL;
	int r = OP_RUN(NULL, op, c, deadline, rbd_aio_open_by_id(io, id, &op->out.image, NULL, c));

	r = op_take(op, r, &rbd, sizeof(rbd));
	return image_wrap(r, rbd, deadline, ret_image);
}

int ceph_image_close(struct ceph_image *image, const struct timespec *deadline)
{
	int r = 0;

	if (!image)
		return 0;
	if (ceph_image_stuck(image))
		return 0;	/* the handle rule: librbd still runs a call on it */
	/* a close that is itself abandoned owns the rbd image; the handle
	 * goes either way (a handle without an image is only freed) */
	if (image->rbd)
		r = rbd_close_bounded(image->rbd, deadline);
	free(image);
	return r;
}

int ceph_mirror_get_info(struct ceph_image *image, const struct timespec *deadline,
			 rbd_mirror_image_info_t *ret_info)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(image, op, c, deadline,
		       rbd_aio_mirror_image_get_info(image->rbd, &op->out.info,
						     sizeof(op->out.info), c));

	return op_take(op, r, ret_info, sizeof(*ret_info));
}

int ceph_mirror_get_mode(struct ceph_image *image, const struct timespec *deadline,
			 rbd_mirror_image_mode_t *ret_mode)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(image, op, c, deadline,
		       rbd_aio_mirror_image_get_mode(image->rbd, &op->out.mode, c));

	return op_take(op, r, ret_mode, sizeof(*ret_mode));
}

int ceph_mirror_get_global_status(struct ceph_image *image, const struct timespec *deadline,
				  rbd_mirror_image_global_status_t *ret_status)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(image, op, c, deadline,
		       rbd_aio_mirror_image_get_global_status(image->rbd, &op->out.status,
							      sizeof(op->out.status), c));

	return op_take(op, r, ret_status, sizeof(*ret_status));
}

long long ceph_mirror_status_number(const char *description, const char *key)
{
	char pattern[64];
	const char *p;

	snprintf(pattern, sizeof(pattern), "\"%s\":", key);
	p = description ? strstr(description, pattern) : NULL;
	if (!p)
		return -1;
	return strtoll(p + strlen(pattern), NULL, 10);
}

int ceph_mirror_promote(struct ceph_image *image, bool force, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(image, op, c, deadline, rbd_aio_mirror_image_promote(image->rbd, force, c));

	return op_take(op, r, NULL, 0);
}

int ceph_mirror_demote(struct ceph_image *image, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(image, op, c, deadline, rbd_aio_mirror_image_demote(image->rbd, c));

	return op_take(op, r, NULL, 0);
}

int ceph_mirror_snapshot(struct ceph_image *image, const struct timespec *deadline)
{
	struct op *op = NULL;
	rbd_completion_t c;
	int r = OP_RUN(image, op, c, deadline,
		       rbd_aio_mirror_image_create_snapshot(image->rbd, 0, &op->out.snap_id, c));

	return op_take(op, r, NULL, 0);
}

/* Synchronous calls in a thread of their own. */

static void *call_thread(void *arg)
{
	struct op *op = arg;
	int r = op->image_fn ? op->image_fn(op->rbd, op->arg) : op->io_fn(op->io, op->arg);

	op_complete(op, r);
	return NULL;
}

static int call_run(struct ceph_image *image, rados_ioctx_t io, ceph_image_fn image_fn,
		    ceph_io_fn io_fn, const struct timespec *deadline, void *arg, size_t size)
{
	pthread_attr_t attr;
	pthread_t thread;
	struct op *op;
	int r;

	pthread_once(&op_once, op_init_cond);
	if (image && ceph_image_stuck(image))
		return -ETIMEDOUT;
	op = calloc(1, sizeof(*op) + size);
	if (!op)
		return -ENOMEM;
	op->image = image;
	op->image_fn = image_fn;
	op->io_fn = io_fn;
	op->rbd = image ? image->rbd : NULL;
	op->io = io;
	op->size = size;
	if (size)	/* arg may be NULL then: memcpy's pointers must not */
		memcpy(op->arg, arg, size);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = -pthread_create(&thread, &attr, call_thread, op);
	pthread_attr_destroy(&attr);
	if (r < 0) {
		free(op);
		return r;
	}
	r = op_wait(&op, deadline);
	if (op) {
		if (size)
			memcpy(arg, op->arg, size);
		r = op->rval;
		free(op);
	}
	return r;
}

int ceph_image_call(struct ceph_image *image, const struct timespec *deadline,
		    ceph_image_fn fn, void *arg, size_t size)
{
	return call_run(image, NULL, fn, NULL, deadline, arg, size);
}

int ceph_io_call(rados_ioctx_t io, const struct timespec *deadline,
		 ceph_io_fn fn, void *arg, size_t size)
{
	return call_run(NULL, io, NULL, fn, deadline, arg, size);
}

/* Image-meta. */

struct meta_arg {
	char key[128];
	size_t max;
	char *value;		/* get: the value read; set: the caller's copy */
	size_t len;
	bool ran;		/* the call returned in time: value is the caller's */
};

static int meta_get_fn(rbd_image_t rbd, void *arg)
{
	struct meta_arg *a = arg;
	size_t len = 4096;
	char *buf = NULL;
	int r;

	a->ran = true;
	for (;;) {
		char *nb = realloc(buf, len + 1);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		r = rbd_metadata_get(rbd, a->key, buf, &len);
		if (r != -ERANGE)
			break;
		if (len > a->max + 1) {
			free(buf);
			return -E2BIG;
		}
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	/* librbd copies a NUL-terminated string and leaves len alone on
	 * success (rbd_metadata_set takes a C string: no NUL inside) */
	buf[len] = '\0';
	a->len = strlen(buf);
	if (a->len > a->max) {
		free(buf);
		return -E2BIG;
	}
	a->value = buf;
	return 0;
}

int ceph_meta_get(struct ceph_image *image, const char *key, size_t max,
		  const struct timespec *deadline, char **ret_value, size_t *ret_len)
{
	struct meta_arg a = { .max = max };
	int r;

	if (snprintf(a.key, sizeof(a.key), "%s", key) >= (int)sizeof(a.key))
		return -ENAMETOOLONG;
	r = ceph_image_call(image, deadline, meta_get_fn, &a, sizeof(a));
	if (r < 0)
		return r;
	*ret_value = a.value;
	*ret_len = a.len;
	return 0;
}

static int meta_set_fn(rbd_image_t rbd, void *arg)
{
	struct meta_arg *a = arg;

	a->ran = true;
	return rbd_metadata_set(rbd, a->key, a->value);
}

static int meta_remove_fn(rbd_image_t rbd, void *arg)
{
	struct meta_arg *a = arg;

	a->ran = true;
	return rbd_metadata_remove(rbd, a->key);
}

int ceph_meta_set(struct ceph_image *image, const char *key, const char *value,
		  const struct timespec *deadline)
{
	struct meta_arg a = { 0 };
	int r;

	if (snprintf(a.key, sizeof(a.key), "%s", key) >= (int)sizeof(a.key))
		return -ENAMETOOLONG;
	if (ceph_image_stuck(image))
		return -ETIMEDOUT;
	a.value = strdup(value);	/* an abandoned call still reads it */
	if (!a.value)
		return -ENOMEM;
	r = ceph_image_call(image, deadline, meta_set_fn, &a, sizeof(a));
	if (a.ran || r != -ETIMEDOUT)
		free(a.value);
	return r;
}

int ceph_meta_remove(struct ceph_image *image, const char *key, const struct timespec *deadline)
{
	struct meta_arg a = { 0 };

	if (snprintf(a.key, sizeof(a.key), "%s", key) >= (int)sizeof(a.key))
		return -ENAMETOOLONG;
	return ceph_image_call(image, deadline, meta_remove_fn, &a, sizeof(a));
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
	pthread_mutex_init(&c->lock, NULL);
	snprintf(name, sizeof(name), "client.%s", opts->id ? opts->id : "admin");
	r = rados_create2(&c->rados, opts->cluster ? opts->cluster : "ceph", name, 0);
	if (r < 0) {
		pthread_mutex_destroy(&c->lock);
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
		pthread_mutex_destroy(&c->lock);
		free(c);
		return r;
	}
	*ret_ceph = c;
	return 0;
}

int ceph_pool(struct ceph *c, const char *pool, rados_ioctx_t *ret_io)
{
	struct ceph_pool *p;
	size_t i;
	int r = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->npools; i++)
		if (!strcmp(c->pools[i].name, pool)) {
			*ret_io = c->pools[i].io;
			goto out;
		}
	if (c->npools == sizeof(c->pools) / sizeof(c->pools[0])) {
		r = -EMFILE;
		goto out;
	}
	p = &c->pools[c->npools];
	p->name = strdup(pool);
	if (!p->name) {
		r = -ENOMEM;
		goto out;
	}
	r = rados_ioctx_create(c->rados, pool, &p->io);
	if (r < 0) {
		free(p->name);
		p->name = NULL;
		goto out;
	}
	*ret_io = p->io;
	c->npools++;
out:
	pthread_mutex_unlock(&c->lock);
	return r;
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
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int ceph_mirror_snaps(rbd_image_t image, struct ceph_mirror_snap **ret, size_t *ret_n)
{
	struct ceph_mirror_snap *v = NULL;
	rbd_snap_info_t *snaps = NULL;
	int max = 16, n, i;
	size_t k = 0;

	for (;;) {
		snaps = calloc((size_t)max, sizeof(*snaps));
		if (!snaps)
			return -ENOMEM;
		n = rbd_snap_list(image, snaps, &max);
		if (n != -ERANGE)
			break;
		free(snaps);	/* max now holds the size needed */
	}
	if (n < 0) {
		free(snaps);
		return n;
	}
	if (n > 0) {
		v = calloc((size_t)n, sizeof(*v));
		if (!v) {
			rbd_snap_list_end(snaps);
			free(snaps);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++) {	/* rbd_snap_list gives them oldest first */
		rbd_snap_namespace_type_t type;
		rbd_snap_mirror_namespace_t ns;
		struct timespec ts;

		if (rbd_snap_get_namespace_type(image, snaps[i].id, &type) < 0 ||
		    type != RBD_SNAP_NAMESPACE_TYPE_MIRROR ||
		    rbd_snap_get_mirror_namespace(image, snaps[i].id, &ns, sizeof(ns)) < 0)
			continue;
		v[k].id = snaps[i].id;
		v[k].state = ns.state;
		v[k].complete = ns.complete;
		v[k].primary_snap_id = ns.primary_snap_id;
		snprintf(v[k].primary_mirror_uuid, sizeof(v[k].primary_mirror_uuid), "%s",
			 ns.primary_mirror_uuid ? ns.primary_mirror_uuid : "");
		v[k].time = rbd_snap_get_timestamp(image, snaps[i].id, &ts) == 0 ? ts.tv_sec : 0;
		k++;
		rbd_snap_mirror_namespace_cleanup(&ns, sizeof(ns));
	}
	rbd_snap_list_end(snaps);
	free(snaps);
	if (!k) {
		free(v);
		v = NULL;
	}
	*ret = v;
	*ret_n = k;
	return 0;
}

int ceph_omap_get_keys(rados_ioctx_t io, const char *oid, const char *const *keys, size_t n,
		       int (*each)(void *arg, const char *key, size_t klen, const char *val,
				   size_t vlen),
		       void *arg)
{
	size_t *lens = calloc(n + 1, sizeof(*lens));
	rados_read_op_t op;
	rados_omap_iter_t iter = NULL;
	char *k, *v;
	size_t kl, vl;
	int prval = 0, r;

	if (!lens)
		return -ENOMEM;
	op = rados_create_read_op();
	if (!op) {
		free(lens);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(keys[i]);
	rados_read_op_omap_get_vals_by_keys2(op, keys, n, lens, &iter, &prval);
	r = rados_read_op_operate(op, io, oid, 0);
	if (r == 0)
		r = prval;
	while (r == 0 && rados_omap_get_next2(iter, &k, &v, &kl, &vl) == 0 && k)
		r = each(arg, k, kl, v, vl);
	if (iter)
		rados_omap_get_end(iter);
	rados_release_read_op(op);
	free(lens);
	return r;
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

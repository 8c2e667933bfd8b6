/* journal.c: the run journal in RADOS omap, every call under a deadline;
 * see journal.h for where it lives and why a rerun converges. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "journal.h"

#define LOCK_NAME "onedr.run"
#define OID_MAX 128
#define LIST_PAGE 256

struct journal {
	struct ceph *ceph;
	rados_ioctx_t io;
	double timeout;
	struct journal_run run;
	char oid[OID_MAX];		/* onedr.run.<ID> */
	char cookie[160];		/* "host:pid:random": this process's lock */
	bool locked;
};

static void run_oid(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", JOURNAL_RUN_PREFIX, id);
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < JOURNAL_ID_MAX &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* One omap key and its value, set in one write op (atomic) or read. */
struct omap_arg {
	char oid[OID_MAX];
	char key[JOURNAL_KEY_MAX];
	char val[JOURNAL_RECORD_MAX];
	size_t vlen;
	bool found;		/* read: the key is there */
};

static int set_fn(rados_ioctx_t io, void *arg)
{
	struct omap_arg *a = arg;
	const char *keys[1] = { a->key };
	const char *vals[1] = { a->val };
	rados_write_op_t op = rados_create_write_op();
	int r;

	if (!op)
		return -ENOMEM;
	rados_write_op_omap_set(op, keys, vals, &a->vlen, 1);
	r = rados_write_op_operate2(op, io, a->oid, NULL, 0);
	rados_release_write_op(op);
	return r;
}

static int omap_set_one(rados_ioctx_t io, double timeout, const char *oid, const char *key,
			const char *val, size_t vlen)
{
	struct timespec dl = deadline_after(timeout);
	struct omap_arg *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	if (strlen(oid) >= sizeof(a->oid) || strlen(key) >= sizeof(a->key) || vlen > sizeof(a->val)) {
		free(a);
		return -E2BIG;
	}
	strcpy(a->oid, oid);
	strcpy(a->key, key);
	memcpy(a->val, val, vlen);
	a->vlen = vlen;
	r = ceph_io_call(io, &dl, set_fn, a, sizeof(*a));
	free(a);
	return r;
}

/* One omap key read. -ENOENT: no object or no key. */
static int got_one(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct omap_arg *a = arg;

	(void)key;
	(void)klen;
	if (vlen > sizeof(a->val))
		return -E2BIG;
	memcpy(a->val, val, vlen);
	a->vlen = vlen;
	a->found = true;
	return 0;
}

static int get_fn(rados_ioctx_t io, void *arg)
{
	struct omap_arg *a = arg;
	const char *keys[1] = { a->key };
	int r = ceph_omap_get_keys(io, a->oid, keys, 1, got_one, a);

	return r == 0 && !a->found ? -ENOENT : r;
}

static int omap_get_one(rados_ioctx_t io, double timeout, const char *oid, const char *key,
			char *ret_val, size_t *ret_len)
{
	struct timespec dl = deadline_after(timeout);
	struct omap_arg *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	if (strlen(oid) >= sizeof(a->oid) || strlen(key) >= sizeof(a->key)) {
		free(a);
		return -E2BIG;
	}
	strcpy(a->oid, oid);
	strcpy(a->key, key);
	r = ceph_io_call(io, &dl, get_fn, a, sizeof(*a));
	if (r == 0) {
		memcpy(ret_val, a->val, a->vlen);
		*ret_len = a->vlen;
	}
	free(a);
	return r;
}

/* Every omap entry of an object, in key order, one page per read op. What
 * the worker allocates is the caller's once the call returned in time (an
 * abandoned call leaks it: ceph.h). -ENOENT: no object. */
struct kv {
	char *key, *val;
	size_t klen, vlen;
};

struct list_arg {
	char oid[OID_MAX];
	struct timespec deadline;
	struct kv *v;
	size_t n;
};

static void kv_free(struct kv *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

static int list_page(rados_ioctx_t io, struct list_arg *a, char *start, size_t start_len,
		     unsigned char *more)
{
	rados_read_op_t op = rados_create_read_op();
	rados_omap_iter_t iter = NULL;
	char *k, *v;
	size_t kl, vl;
	int prval = 0, r;

	if (!op)
		return -ENOMEM;
	rados_read_op_omap_get_vals2(op, start, "", LIST_PAGE, &iter, more, &prval);
	r = rados_read_op_operate(op, io, a->oid, 0);
	if (r == 0)
		r = prval;
	while (r == 0 && rados_omap_get_next2(iter, &k, &v, &kl, &vl) == 0 && k) {
		struct kv *nv = realloc(a->v, (a->n + 1) * sizeof(*nv));

		if (!nv) {
			r = -ENOMEM;
			break;
		}
		a->v = nv;
		nv[a->n].key = malloc(kl + 1);
		nv[a->n].val = malloc(vl + 1);
		if (!nv[a->n].key || !nv[a->n].val) {
			free(nv[a->n].key);
			free(nv[a->n].val);
			r = -ENOMEM;
			break;
		}
		memcpy(nv[a->n].key, k, kl);
		nv[a->n].key[kl] = '\0';
		memcpy(nv[a->n].val, v, vl);
		nv[a->n].val[vl] = '\0';
		nv[a->n].klen = kl;
		nv[a->n].vlen = vl;
		a->n++;
		if (kl >= start_len) {
			r = -E2BIG;	/* no key of ours is that long */
			break;
		}
		memcpy(start, k, kl);
		start[kl] = '\0';
	}
	if (iter)
		rados_omap_get_end(iter);
	rados_release_read_op(op);
	return r;
}

static int list_fn(rados_ioctx_t io, void *arg)
{
	struct list_arg *a = arg;
	char start[JOURNAL_KEY_MAX + 1] = "";
	unsigned char more = 1;
	int r = 0;

	while (more && r == 0) {
		r = list_page(io, a, start, sizeof(start), &more);
		if (r == 0 && more && deadline_left(&a->deadline) <= 0)
			r = -ETIMEDOUT;
	}
	if (r < 0) {
		kv_free(a->v, a->n);
		a->v = NULL;
		a->n = 0;
	}
	return r;
}

static int omap_list(rados_ioctx_t io, double timeout, const char *oid, struct kv **ret, size_t *ret_n)
{
	struct list_arg a;
	int r;

	memset(&a, 0, sizeof(a));
	if (strlen(oid) >= sizeof(a.oid))
		return -E2BIG;
	strcpy(a.oid, oid);
	a.deadline = deadline_after(timeout);
	r = ceph_io_call(io, &a.deadline, list_fn, &a, sizeof(a));
	if (r == 0) {
		*ret = a.v;
		*ret_n = a.n;
	}
	return r;
}

/* Runs. */

static void owner_name(char *buf, size_t len)
{
	char host[64];

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, "%s:%ld", host, (long)getpid());
}

static int write_header(struct journal *j)
{
	char buf[JOURNAL_RECORD_MAX];
	int n = journal_run_encode(&j->run, buf, sizeof(buf));

	if (n < 0)
		return n;
	return omap_set_one(j->io, j->timeout, JOURNAL_INDEX_OID, j->run.id, buf, (size_t)n);
}

static int journal_new(struct ceph *c, const char *pool, double timeout, struct journal **ret)
{
	struct journal *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	r = ceph_pool(c, pool, &j->io);
	if (r < 0) {
		free(j);
		return r;
	}
	j->ceph = c;
	j->timeout = timeout;
	*ret = j;
	return 0;
}

int journal_create(struct ceph *c, const char *pool, const struct journal_run *run, double timeout,
		   struct journal **ret)
{
	struct journal *j;
	int r;

	if (strlen(pool) >= sizeof(j->run.pool))
		return -EINVAL;
	r = journal_new(c, pool, timeout, &j);
	if (r < 0)
		return r;
	j->run = *run;
	j->run.state = JOURNAL_RUN_OPEN;
	j->run.created = time(NULL);
	j->run.ended = 0;
	j->run.result = 0;
	snprintf(j->run.pool, sizeof(j->run.pool), "%s", pool);
	owner_name(j->run.owner, sizeof(j->run.owner));
	r = journal_new_id(run->kind, j->run.created, j->run.id, sizeof(j->run.id));
	run_oid(j->run.id, j->oid, sizeof(j->oid));
	if (r == 0)
		r = write_header(j);
	if (r < 0) {
		free(j);
		return r;
	}
	*ret = j;
	return 0;
}

int journal_open(struct ceph *c, const char *pool, const char *id, double timeout,
		 struct journal **ret)
{
	char buf[JOURNAL_RECORD_MAX];
	struct journal *j;
	size_t len;
	int r;

	if (!valid_id(id))
		return -EINVAL;
	r = journal_new(c, pool, timeout, &j);
	if (r < 0)
		return r;
	r = omap_get_one(j->io, timeout, JOURNAL_INDEX_OID, id, buf, &len);
	if (r == 0)
		r = journal_run_decode(buf, len, &j->run);
	if (r == 0 && strcmp(j->run.id, id))
		r = -EINVAL;	/* an index entry that names another run */
	if (r < 0) {
		free(j);
		return r;
	}
	run_oid(id, j->oid, sizeof(j->oid));
	*ret = j;
	return 0;
}

const struct journal_run *journal_header(const struct journal *j)
{
	return &j->run;
}

/* The lock. */

struct lock_arg {
	char oid[OID_MAX];
	char cookie[160];
	int op;				/* 0 lock, 1 unlock, 2 list, 3 break, 4 blocklist */
	char client[1024];		/* break: whose */
	char holder_client[1024];	/* list: the first locker */
	char holder_cookie[1024];
	char holder_addr[1024];
	int nlockers;
};

static int lock_fn(rados_ioctx_t io, void *arg)
{
	struct lock_arg *a = arg;
	char tag[64], clients[1024], cookies[1024], addrs[1024];
	size_t tl = sizeof(tag), cl = sizeof(clients), kl = sizeof(cookies), al = sizeof(addrs);
	int excl, n;

	switch (a->op) {
	case 0:
		return rados_lock_exclusive(io, a->oid, LOCK_NAME, a->cookie, "onedr run", NULL, 0);
	case 1:
		return rados_unlock(io, a->oid, LOCK_NAME, a->cookie);
	case 3:
		return rados_break_lock(io, a->oid, LOCK_NAME, a->client, a->holder_cookie);
	case 4:
		return rados_blocklist_add(rados_ioctx_get_cluster(io), a->holder_addr,
					   JOURNAL_BLOCKLIST_SECONDS);
	}
	n = (int)rados_list_lockers(io, a->oid, LOCK_NAME, &excl, tag, &tl, clients, &cl, cookies, &kl,
				    addrs, &al);
	if (n < 0)
		return n;
	a->nlockers = n;
	if (n > 0) {
		/* each list holds n NUL-terminated strings: the first is enough */
		memcpy(a->holder_client, clients, sizeof(clients));
		memcpy(a->holder_cookie, cookies, sizeof(cookies));
		memcpy(a->holder_addr, addrs, sizeof(addrs));
		a->holder_client[sizeof(a->holder_client) - 1] = '\0';
		a->holder_cookie[sizeof(a->holder_cookie) - 1] = '\0';
		a->holder_addr[sizeof(a->holder_addr) - 1] = '\0';
	}
	return 0;
}

static int lock_call(struct journal *j, struct lock_arg *a)
{
	struct timespec dl = deadline_after(j->timeout);

	snprintf(a->oid, sizeof(a->oid), "%s", j->oid);
	snprintf(a->cookie, sizeof(a->cookie), "%s", j->cookie);
	return ceph_io_call(j->io, &dl, lock_fn, a, sizeof(*a));
}

/* Whether cookie "host:pid:rand" names a process of this host that is gone. */
static bool holder_dead_here(const char *cookie)
{
	char host[64], want[80];
	const char *p;
	long pid;

	if (gethostname(host, sizeof(host)) < 0)
		return false;
	host[sizeof(host) - 1] = '\0';
	snprintf(want, sizeof(want), "%s:", host);
	if (strncmp(cookie, want, strlen(want)))
		return false;
	p = cookie + strlen(want);
	pid = strtol(p, NULL, 10);
	if (pid <= 0 || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int journal_lock(struct journal *j, char *ret_holder, size_t holder_len)
{
	struct lock_arg a;
	unsigned char rnd[4] = { 0 };
	int r, tries;

	if (j->locked)
		return 0;
	if (!j->cookie[0]) {
		char owner[128];

		if (getrandom(rnd, sizeof(rnd), 0) < 0)
			return -errno;
		owner_name(owner, sizeof(owner));
		snprintf(j->cookie, sizeof(j->cookie), "%s:%02x%02x%02x%02x", owner, rnd[0], rnd[1],
			 rnd[2], rnd[3]);
	}
	for (tries = 0; tries < 3; tries++) {
		memset(&a, 0, sizeof(a));
		a.op = 0;
		r = lock_call(j, &a);
		if (r == 0 || r == -EEXIST) {	/* EEXIST: this cookie holds it already */
			j->locked = true;
			return 0;
		}
		if (r != -EBUSY)
			return r;
		memset(&a, 0, sizeof(a));
		a.op = 2;
		r = lock_call(j, &a);
		if (r < 0)
			return r;
		if (a.nlockers == 0)
			continue;	/* released meanwhile: try again */
		if (!holder_dead_here(a.holder_cookie)) {
			if (ret_holder)
				snprintf(ret_holder, holder_len, "%s", a.holder_cookie);
			return -EBUSY;
		}
		/* its owner was killed on this host: take the run over */
		a.op = 3;
		snprintf(a.client, sizeof(a.client), "%s", a.holder_client);
		r = lock_call(j, &a);
		if (r < 0 && r != -ENOENT)	/* ENOENT: gone meanwhile */
			return r;
	}
	return -EBUSY;
}

int journal_lock_break(struct journal *j, const char *holder)
{
	struct lock_arg a;
	int r;

	memset(&a, 0, sizeof(a));
	a.op = 2;
	r = lock_call(j, &a);
	if (r < 0 || a.nlockers == 0)
		return r;	/* nobody holds it (any more) */
	if (strcmp(a.holder_cookie, holder))
		return -ESTALE;	/* held by another than the one the user saw */
	a.op = 4;
	r = lock_call(j, &a);
	if (r < 0)
		return r;
	a.op = 3;
	snprintf(a.client, sizeof(a.client), "%s", a.holder_client);
	r = lock_call(j, &a);
	return r == -ENOENT ? 0 : r;	/* ENOENT: released meanwhile */
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->locked) {
		struct lock_arg a;

		memset(&a, 0, sizeof(a));
		a.op = 1;
		lock_call(j, &a);	/* a lock left behind is taken over by journal_lock */
	}
	free(j);
}

/* Steps. */

static int write_step(struct journal *j, const struct journal_step *step)
{
	char key[JOURNAL_KEY_MAX], *val;
	int n, r;

	n = journal_key_encode(&step->key, key, sizeof(key));
	if (n < 0)
		return n;
	val = malloc(JOURNAL_RECORD_MAX);
	if (!val)
		return -ENOMEM;
	n = journal_step_encode(step, val, JOURNAL_RECORD_MAX);
	r = n < 0 ? n : omap_set_one(j->io, j->timeout, j->oid, key, val, (size_t)n);
	free(val);
	return r;
}

int journal_step_get(struct journal *j, const struct journal_key *key, struct journal_step *ret)
{
	char k[JOURNAL_KEY_MAX], *val;
	struct journal_step s;
	size_t len;
	int r;

	r = journal_key_encode(key, k, sizeof(k));
	if (r < 0)
		return r;
	val = malloc(JOURNAL_RECORD_MAX);
	if (!val)
		return -ENOMEM;
	r = omap_get_one(j->io, j->timeout, j->oid, k, val, &len);
	memset(&s, 0, sizeof(s));
	s.key = *key;
	if (r == 0)
		r = journal_step_decode(val, len, &s);
	if (r == 0)
		*ret = s;
	free(val);
	return r;
}

int journal_step_start(struct journal *j, struct journal_step *step)
{
	struct journal_step s = *step;
	int r;

	s.state = JOURNAL_STEP_STARTED;
	s.attempt++;
	s.started = time(NULL);
	s.ended = 0;
	s.error = 0;
	r = write_step(j, &s);
	if (r == 0)
		*step = s;
	return r;
}

int journal_step_done(struct journal *j, struct journal_step *step)
{
	struct journal_step s = *step;
	int r;

	s.state = JOURNAL_STEP_DONE;
	s.ended = time(NULL);
	s.error = 0;
	r = write_step(j, &s);
	if (r == 0)
		*step = s;
	return r;
}

int journal_step_fail(struct journal *j, struct journal_step *step, int error, const char *detail)
{
	struct journal_step s = *step;
	int r;

	s.state = JOURNAL_STEP_FAILED;
	s.ended = time(NULL);
	s.error = error < 0 ? error : -EIO;
	if (detail)
		snprintf(s.detail, sizeof(s.detail), "%s", detail);
	r = write_step(j, &s);
	if (r == 0)
		*step = s;
	return r;
}

int journal_finish(struct journal *j, enum journal_run_state state, int result)
{
	struct journal_run saved = j->run;
	int r;

	j->run.state = state;
	j->run.ended = time(NULL);
	j->run.result = result;
	r = write_header(j);
	if (r < 0)
		j->run = saved;
	return r;
}

/* Reading. */

int journal_list(struct ceph *c, const char *pool, double timeout, struct journal_run **ret,
		 size_t *ret_n, size_t *ret_bad)
{
	struct journal_run *runs = NULL;
	struct kv *v = NULL;
	size_t n = 0, m = 0, bad = 0;
	rados_ioctx_t io;
	int r;

	r = ceph_pool(c, pool, &io);
	if (r < 0)
		return r;
	r = omap_list(io, timeout, JOURNAL_INDEX_OID, &v, &n);
	if (r == -ENOENT) {	/* no run was ever recorded in this pool */
		r = 0;
		n = 0;
	}
	if (r < 0)
		return r;
	if (n && !(runs = calloc(n, sizeof(*runs)))) {
		kv_free(v, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (journal_run_decode(v[i].val, v[i].vlen, &runs[m]) == 0 && !strcmp(runs[m].id, v[i].key))
			m++;
		else
			bad++;
	}
	kv_free(v, n);
	/* IDs begin with the creation time: key order is creation order */
	if (m == 0) {
		free(runs);
		runs = NULL;
	}
	*ret = runs;
	*ret_n = m;
	if (ret_bad)
		*ret_bad = bad;
	return 0;
}

int journal_read(struct ceph *c, const char *pool, const char *id, double timeout,
		 struct journal_run *ret_run, struct journal_step **ret_steps, size_t *ret_n,
		 size_t *ret_bad)
{
	struct journal_step *steps = NULL;
	struct journal *j;
	struct kv *v = NULL;
	size_t n = 0, m = 0, bad = 0;
	int r;

	r = journal_open(c, pool, id, timeout, &j);
	if (r < 0)
		return r;
	r = omap_list(j->io, timeout, j->oid, &v, &n);
	if (r == -ENOENT) {	/* the run recorded no step */
		r = 0;
		n = 0;
	}
	if (r == 0 && n && !(steps = calloc(n, sizeof(*steps))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		memset(&steps[m], 0, sizeof(steps[m]));
		if (journal_key_decode(v[i].key, v[i].klen, &steps[m].key) == 0 &&
		    journal_step_decode(v[i].val, v[i].vlen, &steps[m]) == 0)
			m++;
		else
			bad++;
	}
	kv_free(v, n);
	if (r == 0) {
		*ret_run = j->run;
		if (m == 0) {
			free(steps);
			steps = NULL;
		}
		*ret_steps = steps;
		*ret_n = m;
		if (ret_bad)
			*ret_bad = bad;
	} else {
		free(steps);
	}
	journal_close(j);
	return r;
}

int journal_read_each(struct ceph *c, const char *pool, const char *id, double timeout,
		      struct journal_run *ret_run, journal_step_fn fn, void *arg, size_t *ret_bad)
{
	struct journal_step *step;
	struct journal *j;
	struct kv *v = NULL;
	size_t n = 0, bad = 0;
	int r;

	r = journal_open(c, pool, id, timeout, &j);
	if (r < 0)
		return r;
	r = omap_list(j->io, timeout, j->oid, &v, &n);
	if (r == -ENOENT) {	/* the run recorded no step */
		r = 0;
		n = 0;
	}
	step = malloc(sizeof(*step));
	if (!step && r == 0)
		r = -ENOMEM;
	if (r == 0)
		*ret_run = j->run;	/* before the walk: fn may look at it */
	for (size_t i = 0; r == 0 && i < n; i++) {
		memset(step, 0, sizeof(*step));
		if (journal_key_decode(v[i].key, v[i].klen, &step->key) == 0 &&
		    journal_step_decode(v[i].val, v[i].vlen, step) == 0)
			r = fn(step, arg);
		else
			bad++;
	}
	free(step);
	kv_free(v, n);
	if (r == 0 && ret_bad)
		*ret_bad = bad;
	journal_close(j);
	return r;
}

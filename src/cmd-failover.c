/*
 * cmd-failover.c: onedr failover [--force] [--dry-run] (VM... | --all)
 *
 * On the surviving site: a preflight (manifests, each disk's mirroring
 * state and loss ledger, unprotected disks, mapped names), refusing before
 * anything changes when something blocks; then, group after group in
 * priority order (USER_TEMPLATE ONEDR_PRIORITY, 1 first, default 3):
 * promote the group's disks concurrently (each disk's ledger kept in the
 * run journal BEFORE its promote), register them, recreate the VMs (their
 * RPO in USER_TEMPLATE), deploy or release them, wait until RUNNING. Every
 * step is recorded in the run journal (journal.h) before and after, through
 * the run engine (run.h): a rerun resumes the newest open failover run and
 * skips what is done; a step recorded "started" finds what it created
 * (register: the image by SOURCE; recreate: the VM by ONEDR_SOURCE_SITE
 * and ONEDR_SOURCE_VM) instead of creating it twice.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "cmd.h"
#include "journal.h"
#include "ledger.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"
#include "priority.h"
#include "progress.h"
#include "run.h"

#define WAIT_DEFAULT 600
#define ONE_CLIENTS_MAX 16	/* oned calls in flight at once, at most */

/* Clients for this site's oned, one per worker (a client serves one thread
 * at a time): register and wait-for-RUNNING steps call oned concurrently. */
struct one_pool {
	struct one_client *c[ONE_CLIENTS_MAX];
	bool busy[ONE_CLIENTS_MAX];
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct fo_vm {
	const struct manifest *m;
	int priority;		/* its group (priority.h: conf, labels, ONEDR_AFTER) */
	char prio_why[340];	/* where its priority came from, for the preflight */
	char key[64];		/* "SITE/ID": the journal key's VM */
	char label[256];
	int new_id;		/* the VM here, -1 */
	struct ledger_disk *ledger;	/* one per disk of m (unprotected: error set) */
};

struct fo {
	struct cmd_ctx *ctx;
	struct takeover t;
	struct ceph *peer;
	int peer_error;
	struct cmd_peer_connect *peer_pc;	/* the peer's connect, running */
	bool peer_pending;			/* peer, peer_error: not known yet */
	struct journal *j;
	char run_id[JOURNAL_ID_MAX];
	char sw_run[JOURNAL_ID_MAX];	/* the open switchover run here, or "" */
	bool force, dry_run, drop;
	bool replayed;		/* failover_opts.replayed */
	enum start_mode mode;
	int host;
	unsigned wait;
	const struct one_obj *caller;
	struct fo_vm *vms;
	size_t nvms;
	struct reg_disk *reg;
	size_t nreg;
	struct site_objs *fresh;	/* this site's images re-read after each register */
	size_t nfresh;
	struct one_vms here;
	struct site_objs cur;		/* t.site with the newest images */
	struct one_pool pool;		/* c[0] is t.one */
	struct mirror_prep *prep;	/* the promote slice's pools, listed once */
	bool live;			/* stdout is a terminal: one line per group, rewritten */
	struct progress prog;		/* the running group's counts */
};

static struct one_client *one_take(struct fo *fo)
{
	struct one_pool *p = &fo->pool;
	struct one_client *c = NULL;

	pthread_mutex_lock(&p->lock);
	while (!c) {
		for (size_t i = 0; i < p->n && !c; i++)
			if (!p->busy[i]) {
				p->busy[i] = true;
				c = p->c[i];
			}
		if (!c)
			pthread_cond_wait(&p->cond, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return c;
}

static void one_give(struct fo *fo, struct one_client *c)
{
	struct one_pool *p = &fo->pool;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n; i++)
		if (p->c[i] == c)
			p->busy[i] = false;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Up to n clients (at least t.one); fewer when more cannot be made. */
static void one_pool_init(struct fo *fo, unsigned n)
{
	struct one_pool *p = &fo->pool;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->c[0] = fo->t.one;
	p->n = 1;
	while (p->n < n && p->n < ONE_CLIENTS_MAX) {
		struct one_error err = { 0, "" };

		if (one_client_new(fo->ctx->conf.one_endpoint, fo->ctx->conf.one_auth,
				   fo->ctx->conf.one_timeout, &p->c[p->n], &err) < 0)
			break;
		p->n++;
	}
}

static void one_pool_free(struct fo *fo)
{
	struct one_pool *p = &fo->pool;

	for (size_t i = 1; i < p->n; i++)
		one_client_free(p->c[i]);
	if (p->n) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
	}
	p->n = 0;
}

struct fo_step {
	struct fo *fo;
	struct fo_vm *vm;
	size_t disk;		/* index in vm->m->disks */
	const struct reg_disk *rd;
};

static void group_name(int prio, char *buf, size_t len)
{
	snprintf(buf, len, "priority-%d", prio);
}

/* ---- the steps ---- */

static int promote_prepare(struct run_step *s, bool again, void *arg)
{
	struct fo_step *st = arg;
	struct fo *fo = st->fo;
	const struct manifest_disk *d = &st->vm->m->disks[st->disk];
	struct ledger_disk ld;
	int r;

	(void)again;
	/* read now, just before the promote: a forced promote removes the
	 * non-primary snapshots the ledger reads */
	r = ledger_read_disk(fo->t.ceph, fo->peer, fo->peer_error, d->pool, d->rbd,
			     fo->ctx->conf.image_timeout, &ld);
	if (r < 0)
		return r;
	st->vm->ledger[st->disk] = ld;
	r = ledger_disk_encode(&ld, s->rec.data, sizeof(s->rec.data));
	return r < 0 ? r : 0;
}

/* The promote steps' mirror_run context (one image each). */
static void promote_ctx(struct fo *fo, struct mirror_ctx *mc)
{
	mc->local = fo->t.ceph;
	mc->peer = fo->peer;
	/* --no-peer: as promote --no-peer, the peer neither contacted nor
	 * checked (the preflight refuses it without --force) */
	mc->no_peer = args_has(&fo->ctx->args, "no-peer") || (fo->replayed && !fo->peer);
	mc->peer_name = mc->no_peer ? NULL : fo->ctx->conf.peer_name;
	mc->peer_error = fo->peer_error;
	mc->force = fo->force;
	mc->image_timeout = fo->ctx->conf.image_timeout;
	mc->promote_wait = fo->ctx->conf.promote_wait;
	mc->concurrency = 1;
	mc->prep = fo->prep;
}

static int promote_action(struct run_step *s, bool again, void *arg)
{
	struct fo_step *st = arg;
	struct fo *fo = st->fo;
	const struct manifest_disk *d = &st->vm->m->disks[st->disk];
	struct mirror_ctx mc = { 0 };
	struct mirror_item item = { 0 };
	int r;

	char mt[32];

	(void)again;	/* promoting a primary image is a no-op */
	/* for the report's ledger */
	snprintf(mt, sizeof(mt), "%lld", st->vm->m->time);
	journal_step_set_result(&s->rec, "manifest_time", mt);
	if (st->vm->m->name)
		journal_step_set_result(&s->rec, "vm_name", st->vm->m->name);
	promote_ctx(fo, &mc);
	item.pool = d->pool;
	item.image = d->rbd;
	r = mirror_run(&mc, MIRROR_OP_PROMOTE, &item, 1);
	if (r < 0)
		return r;
	if (item.detail[0])
		snprintf(s->rec.detail, sizeof(s->rec.detail), "%s", item.detail);
	else
		snprintf(s->rec.detail, sizeof(s->rec.detail), "%s",
			 item.outcome == MIRROR_NOOP ? "already primary" :
			 item.outcome == MIRROR_DONE ? "promoted" :
			 item.outcome == MIRROR_REFUSED ? "refused" :
			 item.outcome == MIRROR_TIMEDOUT ? "timed out" : "failed");
	if (item.outcome == MIRROR_DONE || item.outcome == MIRROR_NOOP)
		return 0;
	return item.error < 0 ? item.error : -EIO;
}

static int register_action(struct run_step *s, bool again, void *arg)
{
	struct fo_step *st = arg;
	struct fo *fo = st->fo;
	struct one_error err = { 0, "" };
	bool is_new = false;
	char id[32];
	int r, image = -1;

	/* again: the plan was made from this site's images as read at the
	 * start of this process, so an image a killed attempt registered is
	 * st->rd->image, and is reused (its intent: the SOURCE) */
	(void)again;
	struct one_client *one = one_take(fo);

	r = cmd_register_disk(one, st->rd, fo->caller, &image, &is_new, &err);
	one_give(fo, one);
	if (image >= 0) {
		snprintf(id, sizeof(id), "%d", image);
		journal_step_set_result(&s->rec, "image_id", id);
	}
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s%s%s",
		 r < 0 ? "failed" : is_new ? "registered" : "already registered",
		 r < 0 ? ": " : "", r < 0 ? err.msg : "");
	return r;
}

/* The VM's RPO from its disks' ledgers, as attributes of USER_TEMPLATE. */
static void rpo_text(struct fo_vm *v, char *buf, size_t len, long long *ret_seconds,
		     enum ledger_rpo *ret_rpo)
{
	struct ledger_vm lv = { .disks = v->ledger, .n_disks = v->m->n_disks };
	long long secs = -1;
	enum ledger_rpo rpo = ledger_vm_rpo(&lv, &secs);

	ledger_rpo_format(rpo, secs, buf, len);
	*ret_seconds = secs;
	*ret_rpo = rpo;
}

static int recreate_action(struct run_step *s, bool again, void *arg)
{
	struct fo_step *st = arg;
	struct fo *fo = st->fo;
	struct fo_vm *v = st->vm;
	struct rec_vm rv = { 0 };
	struct rec_done d = { -1, NULL, { 0, "" } };
	struct one_client *one = NULL;
	enum ledger_rpo rpo;
	long long secs;
	char rpo_s[64], secs_s[32], id[32], upd[512];
	int r;

	/* again: cmd_recreate_check finds a VM recreated before. Recreate
	 * steps run concurrently: the checks only read what this process
	 * loaded (their mapping misses are per thread), and each step calls
	 * oned on a client of its own from the pool */
	(void)again;
	rpo_text(v, rpo_s, sizeof(rpo_s), &secs, &rpo);
	snprintf(secs_s, sizeof(secs_s), "%lld", rpo == RPO_UNKNOWN ? -1LL : secs);
	if (cmd_recreate_check(fo->ctx, fo->t.ceph, &fo->cur, &fo->here, v->m, fo->drop, fo->mode,
			       true, &rv) > 0 || cmd_map_report(&fo->ctx->conf) > 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "checks failed (logged)");
		r = -EINVAL;
		goto out;
	}
	if (rv.tmpl) {
		r = tmpl_set(rv.tmpl, "ONEDR_RPO", rpo_s);
		if (r == 0)
			r = tmpl_set(rv.tmpl, "ONEDR_RPO_SECONDS", secs_s);
		if (r == 0)
			r = tmpl_set(rv.tmpl, "ONEDR_FAILOVER_RUN", fo->run_id);
		if (r < 0)
			goto out;
	}
	one = one_take(fo);
	r = cmd_recreate_vm(one, &rv, fo->mode, fo->host, fo->caller, &d);
	if (d.id >= 0) {
		v->new_id = d.id;
		snprintf(id, sizeof(id), "%d", d.id);
		journal_step_set_result(&s->rec, "vm_id", id);
	}
	if (r == 0 && rv.existing && !tmpl_get(rv.existing->user_tmpl, "ONEDR_RPO")) {
		/* adopted (a killed attempt created it): the ledger goes in its
		 * USER_TEMPLATE too. One that has it keeps it: the first
		 * failover measured it before the promote; a later run finds
		 * the disks primary already and would say 0s */
		snprintf(upd, sizeof(upd),
			 "ONEDR_RPO=\"%s\"\nONEDR_RPO_SECONDS=\"%s\"\nONEDR_FAILOVER_RUN=\"%s\"\n",
			 rpo_s, secs_s, fo->run_id);
		r = one_vm_update(one, d.id, upd, true, &d.err);
	}
	one_give(fo, one);
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s VM %d%s%s, RPO %s%s%s",
		 r < 0 ? "failed:" : rv.existing ? "adopted" : "created", d.id,
		 d.did ? ", " : "", d.did ? d.did : "", rpo_s, d.err.msg[0] ? ": " : "", d.err.msg);
out:
	tmpl_free(rv.tmpl);
	free(rv.notes);
	return r;
}

static struct one_client *pool_take(void *pool)
{
	return one_take(pool);
}

static void pool_give(void *pool, struct one_client *c)
{
	one_give(pool, c);
}

static int running_action(struct run_step *s, bool again, void *arg)
{
	struct fo_step *st = arg;
	struct fo *fo = st->fo;
	int id = st->vm->new_id;
	/* the first looks soon (a deploy takes oned well under a second
	 * when its drivers are quick), then every second at most */
	struct cmd_vm_wait w = { .take = pool_take, .give = pool_give, .pool = fo,
				 .wait = fo->wait, .first_ms = 100 };
	int r;

	(void)again;
	if (id < 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "no VM recreated");
		return -ENOENT;
	}
	r = cmd_wait_running(&w, id, fo->mode, s->rec.detail, sizeof(s->rec.detail));
	if (w.late)
		snprintf(s->rec.detail + strlen(s->rec.detail),
			 sizeof(s->rec.detail) - strlen(s->rec.detail),
			 ": not RUNNING after %us", fo->wait);
	return r;
}

/* ---- progress: on a terminal a line per group with counts, rewritten in
 * place (a failed step gets a line of its own above it); else one line per
 * step ---- */

static const char *const step_kinds[] = { "promote", "register", "recreate", "running", NULL };

static void progress_show(struct fo *fo, bool end)
{
	char line[256];

	progress_line(&fo->prog, line, sizeof(line));
	printf("\r\033[K%s%s", line, end ? "\n" : "");
	fflush(stdout);
}

/* A group starts: its counts, from the VMs and their protected disks. */
static void progress_group(struct fo *fo, const struct fo_vm *v, size_t nv)
{
	char group[32];

	group_name(v[0].priority, group, sizeof(group));
	progress_begin(&fo->prog, group, step_kinds);
	for (size_t i = 0; i < nv; i++) {
		for (size_t k = 0; k < v[i].m->n_disks; k++)
			if (v[i].m->disks[k].kind != DISK_UNPROTECTED) {
				progress_total(&fo->prog, "promote", 1);
				progress_total(&fo->prog, "register", 1);
			}
		progress_total(&fo->prog, "recreate", 1);
		progress_total(&fo->prog, "running", 1);
	}
	if (fo->live)
		progress_show(fo, false);
}

static void progress(void *arg, const struct run_step *s)
{
	struct fo *fo = arg;
	bool ok = s->outcome == RUN_DONE || s->outcome == RUN_SKIPPED;

	progress_step(&fo->prog, s->key.step, ok);
	if (fo->live && ok) {
		progress_show(fo, false);
		return;
	}
	printf("%s%s %s %s %s: %s%s%s\n", fo->live ? "\r\033[K" : "", s->key.group, s->key.vm,
	       s->key.step, s->key.object, run_outcome_name(s->outcome),
	       s->rec.detail[0] ? ": " : "", s->rec.detail);
	if (fo->live)
		progress_show(fo, false);
	fflush(stdout);
}

/* ---- preflight ---- */

/* The peer's connect (begin started it) done: fo->peer, fo->peer_error. */
static void peer_join(struct fo *fo)
{
	if (!fo->peer_pending)
		return;
	cmd_connect_peer(fo->peer_pc, &fo->peer, &fo->peer_error);
	fo->peer_pc = NULL;
	fo->peer_pending = false;
}

static int begin(struct fo *fo, int argc, char **argv, bool all)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct takeover *t = &fo->t;

	if (!ctx->conf.site && cmd_load_site_conf(ctx) < 0)
		return EXIT_USAGE;
	t->scan = calloc(1, sizeof(*t->scan));
	if (!t->scan)
		return log_error(-ENOMEM, "%s", ctx->name), EXIT_UNAVAILABLE;
	if (cmd_signing_key(ctx, true, &t->key) < 0)
		return EXIT_USAGE;
	/* --no-peer: the peer is known gone, not tried. Else its connect
	 * runs in the background while the manifests and this site's
	 * objects load: a lost peer costs its whole connect timeout, which
	 * the preflight waits for only where it needs the peer (peer_join) */
	if (cmd_connect_start(ctx, !args_has(&ctx->args, "no-peer"), &t->ceph, &fo->peer_pc) < 0 ||
	    cmd_scan_manifests(ctx, t->ceph, ctx->conf.pool, t->key, t->scan) < 0)
		return EXIT_UNAVAILABLE;
	if (cmd_select_vms(ctx, t->scan, ctx->conf.pool, argc, argv, all, &t->vms, &t->nvms,
			   &t->refused) < 0)
		return EXIT_USAGE;
	if (cmd_one_connect(ctx, &t->one) < 0 ||
	    cmd_site_load(t->one, SITE_DS | SITE_IMAGES | SITE_VNETS | SITE_USERS | SITE_GROUPS |
			  SITE_HOSTS, &t->site) < 0)
		return EXIT_UNAVAILABLE;
	return 0;
}

/* --label L: keep the VMs selected that have label L (or a sub-label of
 * it) in their USER_TEMPLATE LABELS. */
static int select_label(struct fo *fo, const char *label)
{
	size_t n = 0;

	for (size_t i = 0; i < fo->t.nvms; i++)
		if (prio_has_label(tmpl_get(fo->t.vms[i]->m->user_tmpl, "LABELS"), label))
			fo->t.vms[n++] = fo->t.vms[i];
	if (n == 0) {
		log_error(0, "--label: none of the VMs selected has the label '%s'", label);
		return EXIT_USAGE;
	}
	fo->t.nvms = n;
	return 0;
}

static int cmp_prio(const void *a, const void *b)
{
	const struct fo_vm *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority - y->priority;
	return strcmp(x->key, y->key);
}

/* Each VM's group (priority.h); the errors are logged, returns how many. */
static int groups_of(struct fo *fo)
{
	struct prio_vm *pv = calloc(fo->nvms + 1, sizeof(*pv));
	int bad;

	if (!pv)
		return log_error(-ENOMEM, "failover"), 1;
	for (size_t i = 0; i < fo->nvms; i++) {
		const struct manifest *m = fo->vms[i].m;

		pv[i].name = m->name;
		pv[i].id = m->vm_id;
		pv[i].priority = tmpl_get(m->user_tmpl, "ONEDR_PRIORITY");
		pv[i].labels = tmpl_get(m->user_tmpl, "LABELS");
		pv[i].after = tmpl_get(m->user_tmpl, "ONEDR_AFTER");
	}
	bad = prio_resolve(&fo->ctx->conf, pv, fo->nvms);
	if (bad < 0)
		log_error(bad, "failover");
	for (size_t i = 0; bad >= 0 && i < fo->nvms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (pv[i].error[0])
			log_error(0, "%s: %s", v->label, pv[i].error);
		v->priority = pv[i].group;
		snprintf(v->prio_why, sizeof(v->prio_why), "priority %d from %s%s%s", pv[i].base,
			 pv[i].source, pv[i].after_why[0] ? ", " : "", pv[i].after_why);
	}
	free(pv);
	return bad < 0 ? 1 : bad;
}

/* The preflight's ledger reads, concurrently, in two passes: this site's
 * side of every disk while the peer's connect may still run, then (the
 * peer known) each one's peer side and judgement into its VM's ledger
 * (one that fails has its error set, as ledger_read_disk says). Printed
 * in order afterwards. */
struct ledger_reads {
	struct fo *fo;
	size_t n;
	struct fo_vm **vm;
	size_t *disk;
	struct ledger_raw *raw;
	int *r;
};

static void ledger_reads_free(struct ledger_reads *lr)
{
	free(lr->vm);
	free(lr->disk);
	free(lr->raw);
	free(lr->r);
	memset(lr, 0, sizeof(*lr));
}

static void ledger_read_here(void *arg, size_t i)
{
	struct ledger_reads *lr = arg;
	const struct manifest_disk *d = &lr->vm[i]->m->disks[lr->disk[i]];

	lr->r[i] = ledger_read_local(lr->fo->t.ceph, d->pool, d->rbd,
				     lr->fo->ctx->conf.image_timeout, &lr->raw[i]);
}

static void ledger_read_there(void *arg, size_t i)
{
	struct ledger_reads *lr = arg;
	struct fo *fo = lr->fo;
	const struct manifest_disk *d = &lr->vm[i]->m->disks[lr->disk[i]];

	ledger_read_end(fo->t.ceph, fo->peer, fo->peer_error, d->pool, d->rbd,
			fo->ctx->conf.image_timeout, lr->r[i], &lr->raw[i],
			&lr->vm[i]->ledger[lr->disk[i]]);
}

/* The first pass (no peer needed). */
static int ledger_reads_local(struct fo *fo, struct ledger_reads *lr)
{
	size_t cap = 0;

	memset(lr, 0, sizeof(*lr));
	lr->fo = fo;
	for (size_t i = 0; i < fo->nvms; i++)
		cap += fo->vms[i].m->n_disks;
	lr->vm = calloc(cap + 1, sizeof(*lr->vm));
	lr->disk = calloc(cap + 1, sizeof(*lr->disk));
	lr->raw = calloc(cap + 1, sizeof(*lr->raw));
	lr->r = calloc(cap + 1, sizeof(*lr->r));
	if (!lr->vm || !lr->disk || !lr->raw || !lr->r) {
		ledger_reads_free(lr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < fo->nvms; i++)
		for (size_t k = 0; k < fo->vms[i].m->n_disks; k++)
			if (fo->vms[i].m->disks[k].kind != DISK_UNPROTECTED) {
				/* not read, unless its read runs (an interrupt
				 * stops the batch) */
				lr->r[lr->n] = -EINTR;
				fo->vms[i].ledger[k].error = -EINTR;
				lr->vm[lr->n] = &fo->vms[i];
				lr->disk[lr->n++] = k;
			}
	return batch_run(lr->n, fo->ctx->conf.concurrency, ledger_read_here, lr);
}

/* The second pass, the peer joined. */
static int ledger_reads_end(struct ledger_reads *lr)
{
	return batch_run(lr->n, lr->fo->ctx->conf.concurrency, ledger_read_there, lr);
}

/* Everything that blocks is logged; returns how many. */
static int preflight(struct fo *fo)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct ledger_reads lr;
	struct ledger_vm *lv;
	int bad = 0, r;

	fo->vms = calloc(fo->t.nvms + 1, sizeof(*fo->vms));
	lv = calloc(fo->t.nvms + 1, sizeof(*lv));
	if (!fo->vms || !lv) {
		free(lv);
		return log_error(-ENOMEM, "failover"), 1;
	}
	fo->nvms = fo->t.nvms;
	for (size_t i = 0; i < fo->nvms; i++) {
		struct fo_vm *v = &fo->vms[i];
		const struct manifest *m = fo->t.vms[i]->m;

		v->m = m;
		v->new_id = -1;
		snprintf(v->key, sizeof(v->key), "%s/%d", m->site, m->vm_id);
		cmd_vm_label(m, v->label, sizeof(v->label));
		v->ledger = calloc(m->n_disks + 1, sizeof(*v->ledger));
		if (!v->ledger)
			return log_error(-ENOMEM, "failover"), bad + 1;
	}
	bad += groups_of(fo);
	qsort(fo->vms, fo->nvms, sizeof(*fo->vms), cmp_prio);
	/* the ledger, read before anything changes: every disk at once (at
	 * most CONCURRENCY), this site's side while the peer's connect may
	 * still run, then the peer's; each disk's lines printed below in
	 * order */
	r = ledger_reads_local(fo, &lr);
	peer_join(fo);
	if (r == 0)
		r = ledger_reads_end(&lr);
	ledger_reads_free(&lr);
	if (r < 0) {
		free(lv);
		return log_error(r, "failover: cannot read the ledger"), bad + 1;
	}
	printf("failover on site %s: %zu VMs%s\n", ctx->conf.site, fo->nvms,
	       fo->peer ? "" : ", peer site unreachable");
	for (size_t i = 0; i < fo->nvms; i++) {
		struct fo_vm *v = &fo->vms[i];
		const struct manifest *m = v->m;
		time_t mt = (time_t)m->time;
		char taken[32] = "at an unknown time";
		struct tm tm;

		if (m->time > 0 && gmtime_r(&mt, &tm))
			strftime(taken, sizeof(taken), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%s: priority %d, %zu disks, manifest taken %s\n", v->label, v->priority,
		       m->n_disks, taken);
		printf("%s: group priority-%d: %s\n", v->label, v->priority, v->prio_why);
		for (size_t k = 0; k < m->n_disks; k++) {
			const struct manifest_disk *d = &m->disks[k];
			struct ledger_disk *ld = &v->ledger[k];

			if (d->kind == DISK_UNPROTECTED) {
				ld->error = -ENOENT;
				snprintf(ld->image, sizeof(ld->image), "disk %d", d->disk_id);
				printf("%s: disk %d UNPROTECTED: %s%s\n", v->label, d->disk_id, d->reason,
				       fo->drop ? " (dropped: --drop-unprotected)" : "");
				if (!fo->drop) {
					log_error(0, "%s: disk %d is not protected (%s): give --drop-unprotected to fail over without it",
						  v->label, d->disk_id, d->reason);
					bad++;
				}
				continue;
			}
			if (ld->error < 0) {	/* the ledger could not be read */
				log_error(ld->error, "%s: disk %d '%s/%s'", v->label, d->disk_id,
					  d->pool, d->rbd);
				bad++;
				continue;
			}
			printf("%s: disk %d %s/%s: %s, %s\n", v->label, d->disk_id, d->pool, d->rbd,
			       ledger_mode_name(ld->mode), ld->primary ? "primary here" : "non-primary here");
			if (ld->mode == LEDGER_NOT_MIRRORED) {
				log_error(0, "%s: disk %d '%s/%s' is not mirrored", v->label, d->disk_id,
					  d->pool, d->rbd);
				bad++;
			}
		}
		/* the names recreate maps; every missing one is reported below */
		cmd_map_obj(&ctx->conf, MAP_USER, m->uname, &fo->t.site.users, "user", v->label);
		cmd_map_obj(&ctx->conf, MAP_GROUP, m->gname, &fo->t.site.groups, "group", v->label);
		for (const struct tmpl_attr *a = m->tmpl->head; a; a = a->next)
			if (!a->value && (!strcmp(a->name, "NIC") || !strcmp(a->name, "NIC_ALIAS")) &&
			    tmpl_attr_get(a, "NETWORK"))
				cmd_map_obj(&ctx->conf, MAP_NETWORK, tmpl_attr_get(a, "NETWORK"),
					    &fo->t.site.vnets, "network", v->label);
		if (fo->mode == START_DEPLOY && m->sys_ds)
			cmd_map_obj(&ctx->conf, MAP_SYSTEM_DATASTORE, m->sys_ds, &fo->t.site.ds,
				    "system datastore", v->label);
		lv[i].vm_id = m->vm_id;
		snprintf(lv[i].name, sizeof(lv[i].name), "%s", m->name ? m->name : "");
		lv[i].manifest_time = m->time;
		lv[i].disks = v->ledger;
		lv[i].n_disks = m->n_disks;
	}
	/* mappings, datastores, image names, the RBDs here */
	if (cmd_register_plan(ctx, fo->t.ceph, fo->t.vms, fo->t.nvms, &fo->t.site,
			      fo->caller ? fo->caller->id : -1, &fo->reg, &fo->nreg) < 0)
		bad++;
	if (cmd_map_report(&ctx->conf) > 0)
		bad++;
	if (!fo->force && !fo->peer && !fo->replayed) {
		log_error(0, "the peer site cannot be reached (%s): a failover without it needs --force",
			  cmd_connect_hint(fo->peer_error));
		bad++;
	}
	printf("loss ledger (read now, before anything changes):\n");
	ledger_print_table(stdout, lv, fo->nvms, time(NULL));
	free(lv);
	return bad;
}

static const struct reg_disk *reg_of(const struct fo *fo, const struct manifest_disk *d)
{
	return cmd_reg_disk_of(fo->reg, fo->nreg, d);
}

/* Find the run to resume (the newest open failover run) or create one,
 * and lock it; the open switchover run's ID, from the same list, in
 * fo->sw_run (abandon_switchover). */
static int open_run(struct fo *fo, int argc, char **argv)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct journal_run *runs = NULL, run = { 0 };
	const struct journal_run *open;
	size_t n = 0;
	int r;

	r = journal_list(fo->t.ceph, ctx->conf.pool, ctx->conf.image_timeout, &runs, &n, NULL);
	if (r < 0)
		return log_error(r, "cannot read the runs of pool '%s'", ctx->conf.pool);
	open = journal_latest_open(runs, n, JOURNAL_SWITCHOVER);
	snprintf(fo->sw_run, sizeof(fo->sw_run), "%s", open ? open->id : "");
	open = journal_latest_open(runs, n, JOURNAL_FAILOVER);
	if (!open) {
		/* the newest failover run when it ended failed (a step failed:
		 * oned down, a check): resumed too, so that what it did and
		 * measured (the ledger before each promote) stays in one run */
		for (size_t i = 0; i < n; i++)
			if (runs[i].kind == JOURNAL_FAILOVER &&
			    (!open || runs[i].created > open->created ||
			     (runs[i].created == open->created && strcmp(runs[i].id, open->id) > 0)))
				open = &runs[i];
		if (open && open->state != JOURNAL_RUN_FAILED)
			open = NULL;
	}
	if (open) {
		r = journal_open(fo->t.ceph, ctx->conf.pool, open->id, ctx->conf.image_timeout, &fo->j);
		if (r == 0)
			printf("resuming run %s (started %lld%s)\n", open->id, (long long)open->created,
			       open->state == JOURNAL_RUN_FAILED ? ", failed" : "");
	} else {
		run.kind = JOURNAL_FAILOVER;
		snprintf(run.site, sizeof(run.site), "%s", ctx->conf.site);
		for (int i = 0, off = 0; i < argc && off < (int)sizeof(run.options); i++)
			off += snprintf(run.options + off, sizeof(run.options) - (size_t)off, "%s%s",
					i ? " " : "", argv[i]);
		if (args_has(&ctx->args, "all"))
			snprintf(run.options, sizeof(run.options), "--all");
		if (fo->force)
			strncat(run.options, " --force", sizeof(run.options) - strlen(run.options) - 1);
		if (args_get(&ctx->args, "label")) {
			strncat(run.options, " --label ", sizeof(run.options) - strlen(run.options) - 1);
			strncat(run.options, args_get(&ctx->args, "label"),
				sizeof(run.options) - strlen(run.options) - 1);
		}
		r = journal_create(fo->t.ceph, ctx->conf.pool, &run, ctx->conf.image_timeout, &fo->j);
		if (r == 0)
			printf("run %s\n", journal_header(fo->j)->id);
	}
	free(runs);
	if (r < 0)
		return log_error(r, "cannot open a run in pool '%s'", ctx->conf.pool);
	snprintf(fo->run_id, sizeof(fo->run_id), "%s", journal_header(fo->j)->id);
	r = cmd_run_lock(fo->j, "run", true, args_get(&ctx->args, "takeover"));
	if (r < 0)
		return r;
	fflush(stdout);
	return 0;
}

/* The open switchover run of the pool here (its target is this site: a
 * switchover keeps its run on the target's cluster), whose source died
 * under it: this failover takes its VMs over, so the run is abandoned, and
 * a later switchover starts a run of its own instead of resuming it (its
 * poweroff and demote steps would act on the stale copies of a site that
 * came back). Locked first, as a rerun would: a switchover still held by a
 * live onedr refuses the failover (--takeover HOLDER breaks a dead one). */
static int abandon_switchover(struct fo *fo)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct journal *sj = NULL;
	int r;

	if (!fo->sw_run[0])	/* read with the runs, by open_run */
		return 0;
	r = journal_open(fo->t.ceph, ctx->conf.pool, fo->sw_run, ctx->conf.image_timeout, &sj);
	if (r < 0) {
		log_error(r, "switchover run %s: cannot abandon it", fo->sw_run);
	} else if (cmd_run_lock(sj, "switchover run", true, args_get(&ctx->args, "takeover")) < 0) {
		r = -1;
	} else {
		r = journal_finish(sj, JOURNAL_RUN_ABANDONED, EXIT_PARTIAL);
		if (r < 0)
			log_error(r, "switchover run %s: cannot abandon it", fo->sw_run);
	}
	if (r == 0)
		printf("switchover run %s abandoned: failover run %s takes its VMs over\n", fo->sw_run,
		       fo->run_id);
	journal_close(sj);
	return r;
}

/* Steps of one kind for the VMs of one group. */
static int group_steps(struct fo *fo, struct fo_vm *v, size_t nv, const char *kind,
		       struct run_step **ret, struct fo_step **ret_st, size_t *ret_n)
{
	size_t cap = 0, n = 0;
	struct run_step *steps;
	struct fo_step *st;
	char group[32];

	for (size_t i = 0; i < nv; i++)
		cap += v[i].m->n_disks + 1;
	steps = calloc(cap + 1, sizeof(*steps));
	st = calloc(cap + 1, sizeof(*st));
	if (!steps || !st) {
		free(steps);
		free(st);
		return -ENOMEM;
	}
	group_name(v[0].priority, group, sizeof(group));
	for (size_t i = 0; i < nv; i++) {
		const struct manifest *m = v[i].m;

		if (!strcmp(kind, "promote") || !strcmp(kind, "register")) {
			for (size_t k = 0; k < m->n_disks; k++) {
				const struct manifest_disk *d = &m->disks[k];
				char obj[256];

				if (d->kind == DISK_UNPROTECTED)
					continue;
				snprintf(obj, sizeof(obj), "%s/%s", d->pool, d->rbd);
				st[n] = (struct fo_step){ fo, &v[i], k, reg_of(fo, d) };
				run_key(&steps[n].key, group, v[i].key, obj, kind);
				steps[n].arg = &st[n];
				if (!strcmp(kind, "promote")) {
					steps[n].prepare = promote_prepare;
					steps[n].action = promote_action;
				} else {
					snprintf(steps[n].intent, sizeof(steps[n].intent),
						 "image SOURCE=%s/%s", d->pool, d->rbd);
					steps[n].action = register_action;
				}
				n++;
			}
		} else {
			st[n] = (struct fo_step){ fo, &v[i], 0, NULL };
			run_key(&steps[n].key, group, v[i].key, "vm", kind);
			steps[n].arg = &st[n];
			if (!strcmp(kind, "recreate")) {
				snprintf(steps[n].intent, sizeof(steps[n].intent),
					 "VM USER_TEMPLATE ONEDR_SOURCE_SITE=%s ONEDR_SOURCE_VM=%d",
					 m->site, m->vm_id);
				steps[n].action = recreate_action;
			} else {
				steps[n].action = running_action;
			}
			n++;
		}
	}
	*ret = steps;
	*ret_st = st;
	*ret_n = n;
	return 0;
}

/* Re-read this site's images and VMs (what register and recreate created). */
static int reload(struct fo *fo)
{
	struct site_objs *nf = realloc(fo->fresh, (fo->nfresh + 1) * sizeof(*nf));
	struct one_error err = { 0, "" };
	char *xml = NULL;
	int r;

	if (!nf)
		return -ENOMEM;
	fo->fresh = nf;
	memset(&nf[fo->nfresh], 0, sizeof(*nf));
	r = cmd_site_load(fo->t.one, SITE_IMAGES, &nf[fo->nfresh]);
	if (r < 0)
		return r;
	fo->cur = fo->t.site;
	fo->cur.images = nf[fo->nfresh++].images;
	one_vms_free(&fo->here);
	r = one_vmpool_info(fo->t.one, true, -2, -1, -1, -1, &xml, &err);
	if (r == 0)
		r = one_vmpool_parse(xml, strlen(xml), &fo->here);
	free(xml);
	malloc_trim(0);	/* the pool's text and parse tree, freed */
	if (r < 0)
		log_error(r, "OpenNebula: %s", err.msg[0] ? err.msg : "cannot read the VM pool");
	return r;
}

/* Steps built and run at once, at most (a VM's disks stay in one slice):
 * each run_step holds its journal record (6 KiB), so a 1000-disk group in
 * one batch kept 6 MiB of records (P4). A slice's last steps run with
 * fewer than CONCURRENCY workers: a few percent of a long phase. */
#define SLICE_STEPS 256

/* Test only (README "Fault points"): ONEDR_TEST_SLICE=N, an integer >= 1,
 * replaces SLICE_STEPS so that small lab groups cross slice boundaries;
 * any other value is ignored. */
static size_t slice_steps(void)
{
	const char *e = getenv("ONEDR_TEST_SLICE");
	char *end;
	unsigned long n;

	if (!e || *e < '0' || *e > '9')
		return SLICE_STEPS;
	errno = 0;
	n = strtoul(e, &end, 10);
	return errno || *end || n < 1 ? SLICE_STEPS : (size_t)n;
}

/* How many VMs from v[0] the next slice of kind's steps takes (at least 1). */
static size_t slice_vms(const struct fo_vm *v, size_t nv, bool per_disk)
{
	size_t i, n = 0, max = slice_steps();

	for (i = 0; i < nv; i++) {
		size_t k = per_disk ? v[i].m->n_disks : 1;

		if (i > 0 && n + k > max)
			break;
		n += k;
	}
	return i;
}

/* The pools of a slice of promote steps, listed once for all of them
 * instead of once per step (a step is one image through mirror_run, which
 * lists the image's pool on both sites). Without it (it failed), each
 * step lists its pool as before. */
static void prepare_promotes(struct fo *fo, const struct fo_step *st, size_t n)
{
	const char **pools = calloc(n + 1, sizeof(*pools));
	struct mirror_ctx mc = { 0 };

	if (!pools)
		return;
	for (size_t i = 0; i < n; i++)
		pools[i] = st[i].vm->m->disks[st[i].disk].pool;
	promote_ctx(fo, &mc);
	mc.prep = NULL;
	if (mirror_prepare(&mc, pools, n, &fo->prep) < 0)
		fo->prep = NULL;
	free(pools);
}

/* Run one group; the number of steps not done. */
static size_t run_group(struct fo *fo, struct fo_vm *v, size_t nv)
{
	static const char *const kinds[] = { "promote", "register", "recreate", "running" };
	size_t failed = 0;

	for (size_t k = 0; k < 4 && !failed; k++) {
		/* register, recreate and the waits go to oned concurrently,
		 * one client per worker */
		unsigned conc = k == 0 ? fo->ctx->conf.concurrency : (unsigned)fo->pool.n;

		if (k == 2 && reload(fo) < 0)
			return nv;
		/* slice after slice, also past a failed step (the phase runs
		 * all of its steps, as in one batch); interrupted, the next
		 * slices run none and count as not done */
		for (size_t a = 0, b; a < nv; a = b) {
			struct run_step *steps = NULL;
			struct fo_step *st = NULL;
			size_t n = 0;
			int r;

			b = a + slice_vms(v + a, nv - a, k < 2);
			r = group_steps(fo, v + a, b - a, kinds[k], &steps, &st, &n);
			if (r == 0 && k == 0)
				prepare_promotes(fo, st, n);
			if (r == 0)
				r = run_steps(fo->j, steps, n, conc, progress, fo);
			mirror_prep_free(fo->prep);
			fo->prep = NULL;
			if (r < 0) {
				log_error(r, "cannot run the %s steps", kinds[k]);
				failed += n ? n : 1;
				free(steps);
				free(st);
				break;
			}
			for (size_t i = 0; i < n; i++) {
				const char *id;

				if (steps[i].outcome != RUN_DONE && steps[i].outcome != RUN_SKIPPED) {
					failed++;
					continue;
				}
				/* the ledger this run kept before the promote: a step
				 * done before, or rerun after a kill, kept an earlier
				 * attempt's, and this process's preflight read the disk
				 * after that promote (primary: 0s) */
				if (k == 0 && steps[i].rec.data[0]) {
					struct ledger_disk ld;

					if (ledger_disk_decode(steps[i].rec.data,
							       strlen(steps[i].rec.data), &ld) == 0)
						st[i].vm->ledger[st[i].disk] = ld;
				}
				if (k == 2 && (id = journal_step_result(&steps[i].rec, "vm_id")))
					st[i].vm->new_id = atoi(id);
			}
			free(steps);
			free(st);
		}
		if (cmd_interrupted())
			failed += !failed;
		/* what the phase freed goes back to the system before the next */
		malloc_trim(0);
	}
	return failed;
}

int cmd_failover_run(struct cmd_ctx *ctx, const struct failover_opts *o, int argc, char **argv,
		     bool all)
{
	struct fo fo = { 0 };
	const char *host_arg = o->deploy;
	size_t failed = 0, groups = 0;
	enum output_format format;
	int code, bad, saved_stdout = -1;

	fo.ctx = ctx;
	fo.force = o->force;
	fo.dry_run = o->dry_run;
	fo.drop = o->drop;
	fo.replayed = o->replayed;
	fo.wait = o->wait ? o->wait : WAIT_DEFAULT;
	fo.mode = host_arg ? START_DEPLOY : START_RELEASE;
	fo.host = -1;
	if (cmd_output_format(ctx, &format) < 0)
		return EXIT_USAGE;
	if (format != OUTPUT_TABLE && fo.dry_run) {
		log_error(0, "--dry-run shows the preflight only: not with -j or -x");
		return EXIT_USAGE;
	}
	if (format != OUTPUT_TABLE) {
		/* -j, -x: stdout gets the final report alone; the preflight
		 * and the progress go to stderr */
		fflush(stdout);
		saved_stdout = dup(STDOUT_FILENO);
		if (saved_stdout < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			log_error(-errno, "failover: cannot redirect stdout");
			if (saved_stdout >= 0)
				close(saved_stdout);
			return EXIT_UNAVAILABLE;
		}
	}
	fo.live = isatty(STDOUT_FILENO);
	fo.peer_error = -ENODATA;
	fo.peer_pending = true;
	code = begin(&fo, argc, argv, all);
	if (code == 0 && args_get(&ctx->args, "label"))
		code = select_label(&fo, args_get(&ctx->args, "label"));
	if (code != 0)
		goto out;
	fo.caller = cmd_caller(fo.t.one, &fo.t.site);
	if (host_arg) {
		const struct one_obj *h = one_objs_by_name(&fo.t.site.hosts, host_arg);
		char *end;
		long v = strtol(host_arg, &end, 10);

		if (!h && !*end && end != host_arg)
			h = one_objs_by_id(&fo.t.site.hosts, (int)v);
		if (!h) {
			log_error(0, "--deploy: no host '%s' on this site", host_arg);
			code = EXIT_USAGE;
			goto out;
		}
		fo.host = h->id;
	}
	bad = preflight(&fo);
	if (bad) {
		log_error(0, "preflight: %d thing%s block%s the failover: nothing was changed", bad,
			  bad == 1 ? "" : "s", bad == 1 ? "s" : "");
		code = EXIT_USAGE;
		goto out;
	}
	if (fo.dry_run) {
		for (size_t i = 0; i < fo.nvms; i++)
			printf("would fail over %s in group priority-%d\n", fo.vms[i].label,
			       fo.vms[i].priority);
		printf("dry run: nothing was changed\n");
		code = fo.t.refused ? EXIT_PARTIAL : EXIT_OK;
		goto out;
	}
	malloc_trim(0);	/* what the preflight read and freed */
	one_pool_init(&fo, fo.ctx->conf.concurrency);
	if (o->j) {	/* the caller's run (switchover) */
		fo.j = o->j;
		snprintf(fo.run_id, sizeof(fo.run_id), "%s", journal_header(o->j)->id);
	} else if (open_run(&fo, argc, argv) < 0 || abandon_switchover(&fo) < 0) {
		code = EXIT_UNAVAILABLE;
		goto out;
	}
	for (size_t i = 0; i < fo.nvms && !failed && !cmd_interrupted();) {
		size_t j = i;

		while (j < fo.nvms && fo.vms[j].priority == fo.vms[i].priority)
			j++;
		printf("group priority-%d: %zu VMs\n", fo.vms[i].priority, j - i);
		fflush(stdout);
		progress_group(&fo, &fo.vms[i], j - i);
		failed = run_group(&fo, &fo.vms[i], j - i);
		if (fo.live)
			progress_show(&fo, true);
		printf("group priority-%d: %s\n", fo.vms[i].priority, failed ? "NOT done" : "done");
		groups++;
		i = j;
	}
	code = failed || cmd_interrupted() ? EXIT_PARTIAL : fo.t.refused ? EXIT_PARTIAL : EXIT_OK;
	if (o->j)
		goto out;	/* the caller ends its run */
	if (!failed && !cmd_interrupted())
		journal_finish(fo.j, JOURNAL_RUN_FINISHED, code);
	else
		journal_finish(fo.j, JOURNAL_RUN_FAILED, code);
	printf("failover: run %s %s: %zu groups run, %zu steps not done (onedr report %s)\n",
	       fo.run_id, failed ? "failed" : "finished", groups, failed, fo.run_id);
	/* the final report: one row per VM, or the run as `onedr report -j/-x` */
	fflush(stdout);
	if (saved_stdout >= 0 && dup2(saved_stdout, STDOUT_FILENO) >= 0) {
		close(saved_stdout);
		saved_stdout = -1;
	}
	if (cmd_report_run(ctx, fo.t.ceph, fo.run_id, format, false) != EXIT_OK && code == EXIT_OK)
		code = EXIT_PARTIAL;
out:
	if (saved_stdout >= 0) {
		fflush(stdout);
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
	}
	if (!o->j)
		journal_close(fo.j);
	for (size_t i = 0; i < fo.nvms; i++)
		free(fo.vms[i].ledger);
	free(fo.vms);
	free(fo.reg);
	for (size_t i = 0; i < fo.nfresh; i++)
		one_objs_free(&fo.fresh[i].images);
	free(fo.fresh);
	one_vms_free(&fo.here);
	peer_join(&fo);
	ceph_close(fo.peer);
	one_pool_free(&fo);
	cmd_takeover_end(&fo.t);
	return code;
}

static int cmd_failover(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct failover_opts o = { 0 };
	bool all = args_has(&ctx->args, "all");

	o.deploy = args_get(&ctx->args, "deploy");
	o.force = args_has(&ctx->args, "force");
	o.dry_run = args_has(&ctx->args, "dry-run");
	o.drop = args_has(&ctx->args, "drop-unprotected");
	o.wait = args_number(&ctx->args, "wait", WAIT_DEFAULT);
	if (all == (argc > 0)) {
		log_error(0, "name VMs (ID or SITE:ID of the other site), or --all, not both");
		cmd_usage(&cmd_failover_entry, false);
		return EXIT_USAGE;
	}
	cmd_catch_signals();
	return cmd_failover_run(ctx, &o, argc, argv, all);
}

const struct cmd_entry cmd_failover_entry = {
	.name = "failover",
	.usage = "[--force [--no-peer]] [--dry-run] [--deploy HOST] [--drop-unprotected] [--wait S] [--takeover HOLDER] [--label L] [-j | -x] (VM... | --all)",
	.summary = "fail VMs over to this site, group by group, journaled and resumable",
	.help =
	"Run it on the surviving site. A preflight first: the manifests (retired\n"
	"ones skipped), each VM's group and where its priority came from, each\n"
	"disk's mirroring mode and role, unprotected disks, the mapped names, and\n"
	"the loss ledger, read before anything changes; anything that blocks\n"
	"refuses the failover with nothing changed. Then group after group in\n"
	"priority order, 1 first: onedr.conf PRIORITY = [ VM = \"name-or-ID\" |\n"
	"LABEL = \"label\", PRIORITY = \"N\" ], else USER_TEMPLATE ONEDR_PRIORITY\n"
	"(1-5), else 3; USER_TEMPLATE ONEDR_AFTER = \"name-or-ID,...\" puts a VM in\n"
	"a group after those it names. Per group: promote the disks concurrently\n"
	"(each disk's ledger kept in the run journal before its promote), register\n"
	"them, recreate the VMs (USER_TEMPLATE ONEDR_RPO, ONEDR_RPO_SECONDS,\n"
	"ONEDR_FAILOVER_RUN), deploy them on HOST (--deploy, on the mapped system\n"
	"datastore) or release them to the scheduler, and wait until they are\n"
	"RUNNING before the next group. Every step is recorded in the run journal\n"
	"(RADOS objects onedr.runs and onedr.run.ID in the pool) before and after:\n"
	"a rerun resumes the newest unfinished failover run, skips what is done\n"
	"and creates nothing twice. A run is held by one onedr at a time (a\n"
	"RADOS lock): one killed on this host is taken over by the rerun; one on\n"
	"another host (or alive) only with --takeover. On a terminal, a line per\n"
	"group with its counts; else one line per step. At the end, one row per\n"
	"VM (group, the VM there -> its ID here, state, RPO, disks); -j or -x\n"
	"print the run as 'onedr report -j/-x' does instead, the rest going to\n"
	"stderr. Without --force the peer site must answer and every promote is\n"
	"orderly.\n"
	"Exit code 0 all done, 1 a step failed or was interrupted (rerun it), 2\n"
	"refused (usage, configuration, preflight: nothing changed), 3 the cluster,\n"
	"oned or the journal could not be used.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the manifests and the journal"),
		{ "all", 0, ARG_FLAG, NULL, 0, "every VM from another site" },
		{ "force", 0, ARG_FLAG, NULL, 0, "force-promote (the peer site is gone)" },
		{ "no-peer", 0, ARG_FLAG, NULL, 0,
		  "do not try to reach the peer site (needs --force;\n"
		  "the ledger then has this site's view only)" },
		{ "dry-run", 0, ARG_FLAG, NULL, 0, "the preflight only: nothing is changed" },
		{ "deploy", 0, ARG_STRING, "HOST", 0,
		  "deploy the VMs on HOST (name or ID); without it\n"
		  "they are released to the scheduler" },
		{ "drop-unprotected", 0, ARG_FLAG, NULL, 0,
		  "recreate VMs without their disks not on Ceph" },
		{ "label", 0, ARG_STRING, "L", 0,
		  "only the VMs (named, or --all) with the OpenNebula\n"
		  "label L or a sub-label of it (L/...)" },
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "how long each VM may take to be RUNNING (default 600)" },
		{ "takeover", 0, ARG_STRING, "HOLDER", 0,
		  "take the run over from HOLDER (as the error named\n"
		  "it): its Ceph client is blocklisted, its lock broken" },
		CMD_OPT_JSON,
		CMD_OPT_XML,
		CMD_OPT_END
	},
	.exec = cmd_failover,
};

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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "journal.h"
#include "ledger.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"
#include "run.h"

#define PRIORITY_DEFAULT 3
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
	int priority;
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
	struct journal *j;
	char run_id[JOURNAL_ID_MAX];
	bool force, dry_run, drop;
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

static int priority_of(const struct manifest *m, int *ret)
{
	const char *p = tmpl_get(m->user_tmpl, "ONEDR_PRIORITY");
	char *end;
	long v;

	*ret = PRIORITY_DEFAULT;
	if (!p || !*p)
		return 0;
	v = strtol(p, &end, 10);
	if (*end || end == p || v < 1 || v > 5)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

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
	mc.local = fo->t.ceph;
	mc.peer = fo->peer;
	/* --no-peer: as promote --no-peer, the peer neither contacted nor
	 * checked (the preflight refuses it without --force) */
	mc.no_peer = args_has(&fo->ctx->args, "no-peer");
	mc.peer_name = mc.no_peer ? NULL : fo->ctx->conf.peer_name;
	mc.peer_error = fo->peer_error;
	mc.force = fo->force;
	mc.image_timeout = fo->ctx->conf.image_timeout;
	mc.promote_wait = fo->ctx->conf.promote_wait;
	mc.concurrency = 1;
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

static int running_action(struct run_step *s, bool again, void *arg)
{
	struct fo_step *st = arg;
	struct fo *fo = st->fo;
	time_t end = time(NULL) + fo->wait;
	int id = st->vm->new_id;
	/* the first looks soon (a deploy takes oned well under a second
	 * when its drivers are quick), then every second at most */
	long pause_ms = 100;

	(void)again;
	if (id < 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "no VM recreated");
		return -ENOENT;
	}
	for (;;) {
		struct one_error err = { 0, "" };
		struct one_vm *vm = NULL;
		struct one_client *one = one_take(fo);
		char *xml = NULL;
		int r = one_vm_info(one, id, &xml, &err);

		one_give(fo, one);

		if (r == 0)
			r = one_vm_parse(xml, strlen(xml), &vm);
		free(xml);
		if (r == 0) {
			bool running = vm->state == VM_ACTIVE && vm->lcm_state == LCM_RUNNING;
			bool failed = vm->state == VM_DONE || (vm->state == VM_HOLD && fo->mode != START_HOLD);

			snprintf(s->rec.detail, sizeof(s->rec.detail), "VM %d state %d lcm %d%s%s", id,
				 vm->state, vm->lcm_state, vm->hostname ? " on " : "",
				 vm->hostname ? vm->hostname : "");
			one_vm_free(vm);
			if (running)
				return 0;
			if (failed)
				return -EIO;
		}
		if (cmd_interrupted())
			return -EINTR;
		if (time(NULL) >= end) {
			snprintf(s->rec.detail + strlen(s->rec.detail),
				 sizeof(s->rec.detail) - strlen(s->rec.detail),
				 ": not RUNNING after %us", fo->wait);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ pause_ms / 1000, pause_ms % 1000 * 1000000L }, NULL);
		pause_ms = pause_ms * 2 > 1000 ? 1000 : pause_ms * 2;
	}
}

/* ---- progress: one line per step ---- */

static void progress(void *arg, const struct run_step *s)
{
	(void)arg;
	printf("%s %s %s %s: %s%s%s\n", s->key.group, s->key.vm, s->key.step, s->key.object,
	       run_outcome_name(s->outcome), s->rec.detail[0] ? ": " : "", s->rec.detail);
	fflush(stdout);
}

/* ---- preflight ---- */

static int begin(struct fo *fo, int argc, char **argv, bool all)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct takeover *t = &fo->t;

	if (cmd_load_site_conf(ctx) < 0)
		return EXIT_USAGE;
	t->scan = calloc(1, sizeof(*t->scan));
	if (!t->scan)
		return log_error(-ENOMEM, "%s", ctx->name), EXIT_UNAVAILABLE;
	if (cmd_signing_key(ctx, true, &t->key) < 0)
		return EXIT_USAGE;
	/* --no-peer: the peer is known gone; trying it costs the whole
	 * connect timeout before anything else can start */
	if (cmd_connect(ctx, !args_has(&ctx->args, "no-peer"), &t->ceph, &fo->peer,
			&fo->peer_error) < 0 ||
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

static int cmp_prio(const void *a, const void *b)
{
	const struct fo_vm *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority - y->priority;
	return strcmp(x->key, y->key);
}

/* Everything that blocks is logged; returns how many. */
static int preflight(struct fo *fo)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct ledger_vm *lv;
	int bad = 0;

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
		if (priority_of(m, &v->priority) < 0) {
			log_error(0, "%s: ONEDR_PRIORITY '%s' is not a number from 1 to 5", v->label,
				  tmpl_get(m->user_tmpl, "ONEDR_PRIORITY"));
			bad++;
		}
		v->ledger = calloc(m->n_disks + 1, sizeof(*v->ledger));
		if (!v->ledger)
			return log_error(-ENOMEM, "failover"), bad + 1;
	}
	qsort(fo->vms, fo->nvms, sizeof(*fo->vms), cmp_prio);
	printf("failover on site %s: %zu VMs%s\n", ctx->conf.site, fo->nvms,
	       fo->peer ? "" : ", peer site unreachable");
	for (size_t i = 0; i < fo->nvms; i++) {
		struct fo_vm *v = &fo->vms[i];
		const struct manifest *m = v->m;

		printf("%s: priority %d, %zu disks, manifest of %lld\n", v->label, v->priority,
		       m->n_disks, m->time);
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
			/* the ledger, read before anything changes */
			if (ledger_read_disk(fo->t.ceph, fo->peer, fo->peer_error, d->pool, d->rbd,
					     ctx->conf.image_timeout, ld) < 0) {
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
	if (!fo->force && !fo->peer) {
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
	for (size_t i = 0; i < fo->nreg; i++)
		if (fo->reg[i].d == d)
			return fo->reg[i].same_as >= 0 ? &fo->reg[fo->reg[i].same_as] : &fo->reg[i];
	return NULL;
}

/* Find the run to resume (the newest open failover run) or create one,
 * and lock it. */
static int open_run(struct fo *fo, int argc, char **argv)
{
	struct cmd_ctx *ctx = fo->ctx;
	struct journal_run *runs = NULL, run = { 0 };
	const struct journal_run *open;
	char holder[160] = "";
	size_t n = 0;
	int r;

	r = journal_list(fo->t.ceph, ctx->conf.pool, ctx->conf.image_timeout, &runs, &n, NULL);
	if (r < 0)
		return log_error(r, "cannot read the runs of pool '%s'", ctx->conf.pool);
	open = journal_latest_open(runs, n, JOURNAL_FAILOVER);
	if (open) {
		r = journal_open(fo->t.ceph, ctx->conf.pool, open->id, ctx->conf.image_timeout, &fo->j);
		if (r == 0)
			printf("resuming run %s (started %lld)\n", open->id, (long long)open->created);
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
		r = journal_create(fo->t.ceph, ctx->conf.pool, &run, ctx->conf.image_timeout, &fo->j);
		if (r == 0)
			printf("run %s\n", journal_header(fo->j)->id);
	}
	free(runs);
	if (r < 0)
		return log_error(r, "cannot open a run in pool '%s'", ctx->conf.pool);
	snprintf(fo->run_id, sizeof(fo->run_id), "%s", journal_header(fo->j)->id);
	r = journal_lock(fo->j, holder, sizeof(holder));
	if (r < 0)
		return log_error(r, "run %s%s%s", fo->run_id, holder[0] ? " is held by " : "", holder);
	fflush(stdout);
	return 0;
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
	if (r < 0)
		log_error(r, "OpenNebula: %s", err.msg[0] ? err.msg : "cannot read the VM pool");
	return r;
}

/* Run one group; the number of steps not done. */
static size_t run_group(struct fo *fo, struct fo_vm *v, size_t nv)
{
	static const char *const kinds[] = { "promote", "register", "recreate", "running" };
	size_t failed = 0;

	for (size_t k = 0; k < 4 && !failed; k++) {
		struct run_step *steps = NULL;
		struct fo_step *st = NULL;
		size_t n = 0;
		/* register, recreate and the waits go to oned concurrently,
		 * one client per worker */
		unsigned conc = k == 0 ? fo->ctx->conf.concurrency : (unsigned)fo->pool.n;
		int r;

		if (k == 2 && reload(fo) < 0)
			return nv;
		r = group_steps(fo, v, nv, kinds[k], &steps, &st, &n);
		if (r == 0)
			r = run_steps(fo->j, steps, n, conc, progress, fo);
		if (r < 0) {
			log_error(r, "cannot run the %s steps", kinds[k]);
			failed = n ? n : 1;
		}
		for (size_t i = 0; r == 0 && i < n; i++) {
			const char *id;

			if (steps[i].outcome != RUN_DONE && steps[i].outcome != RUN_SKIPPED) {
				failed++;
				continue;
			}
			/* a step done before: what it recorded */
			if (k == 0 && !st[i].vm->ledger[st[i].disk].measured)
				ledger_disk_decode(steps[i].rec.data, strlen(steps[i].rec.data),
						   &st[i].vm->ledger[st[i].disk]);
			if (k == 2 && (id = journal_step_result(&steps[i].rec, "vm_id")))
				st[i].vm->new_id = atoi(id);
		}
		free(steps);
		free(st);
		if (cmd_interrupted())
			failed += !failed;
	}
	return failed;
}

static int cmd_failover(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct fo fo = { 0 };
	const char *host_arg = args_get(&ctx->args, "deploy");
	bool all = args_has(&ctx->args, "all");
	size_t failed = 0, groups = 0;
	int code, bad;

	fo.ctx = ctx;
	fo.force = args_has(&ctx->args, "force");
	fo.dry_run = args_has(&ctx->args, "dry-run");
	fo.drop = args_has(&ctx->args, "drop-unprotected");
	fo.wait = args_number(&ctx->args, "wait", WAIT_DEFAULT);
	fo.mode = host_arg ? START_DEPLOY : START_RELEASE;
	fo.host = -1;
	if (all == (argc > 0)) {
		log_error(0, "name VMs (ID or SITE:ID of the other site), or --all, not both");
		cmd_usage(&cmd_failover_entry, false);
		return EXIT_USAGE;
	}
	cmd_catch_signals();
	code = begin(&fo, argc, argv, all);
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
	one_pool_init(&fo, fo.ctx->conf.concurrency);
	if (open_run(&fo, argc, argv) < 0) {
		code = EXIT_UNAVAILABLE;
		goto out;
	}
	for (size_t i = 0; i < fo.nvms && !failed && !cmd_interrupted();) {
		size_t j = i;

		while (j < fo.nvms && fo.vms[j].priority == fo.vms[i].priority)
			j++;
		printf("group priority-%d: %zu VMs\n", fo.vms[i].priority, j - i);
		fflush(stdout);
		failed = run_group(&fo, &fo.vms[i], j - i);
		printf("group priority-%d: %s\n", fo.vms[i].priority, failed ? "NOT done" : "done");
		groups++;
		i = j;
	}
	code = failed || cmd_interrupted() ? EXIT_PARTIAL : fo.t.refused ? EXIT_PARTIAL : EXIT_OK;
	if (!failed && !cmd_interrupted())
		journal_finish(fo.j, JOURNAL_RUN_FINISHED, code);
	else
		journal_finish(fo.j, JOURNAL_RUN_FAILED, code);
	printf("failover: run %s %s: %zu groups run, %zu steps not done (onedr report %s)\n",
	       fo.run_id, failed ? "failed" : "finished", groups, failed, fo.run_id);
out:
	journal_close(fo.j);
	for (size_t i = 0; i < fo.nvms; i++)
		free(fo.vms[i].ledger);
	free(fo.vms);
	free(fo.reg);
	for (size_t i = 0; i < fo.nfresh; i++)
		one_objs_free(&fo.fresh[i].images);
	free(fo.fresh);
	one_vms_free(&fo.here);
	ceph_close(fo.peer);
	one_pool_free(&fo);
	cmd_takeover_end(&fo.t);
	return code;
}

const struct cmd_entry cmd_failover_entry = {
	.name = "failover",
	.usage = "[--force [--no-peer]] [--dry-run] [--deploy HOST] [--drop-unprotected] [--wait S] (VM... | --all)",
	.summary = "fail VMs over to this site, group by group, journaled and resumable",
	.help =
	"Run it on the surviving site. A preflight first: the manifests (retired\n"
	"ones skipped), each disk's mirroring mode and role, unprotected disks,\n"
	"the mapped names, and the loss ledger, read before anything changes;\n"
	"anything that blocks refuses the failover with nothing changed. Then\n"
	"group after group in priority order (USER_TEMPLATE ONEDR_PRIORITY 1-5,\n"
	"1 first, default 3): promote the group's disks concurrently (each disk's\n"
	"ledger kept in the run journal before its promote), register them,\n"
	"recreate the VMs (USER_TEMPLATE ONEDR_RPO, ONEDR_RPO_SECONDS,\n"
	"ONEDR_FAILOVER_RUN), deploy them on HOST (--deploy, on the mapped system\n"
	"datastore) or release them to the scheduler, and wait until they are\n"
	"RUNNING before the next group. Every step is recorded in the run journal\n"
	"(RADOS objects onedr.runs and onedr.run.ID in the pool) before and after:\n"
	"a rerun resumes the newest unfinished failover run, skips what is done\n"
	"and creates nothing twice. 'onedr report' shows a run.\n"
	"Without --force the peer site must answer and every promote is orderly.\n",
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
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "how long each VM may take to be RUNNING (default 600)" },
		CMD_OPT_END
	},
	.exec = cmd_failover,
};

/*
 * cmd-switchover.c: onedr switchover --to SITE [--deploy HOST] [--wait S]
 *                   [--hard] [--dry-run] (VM... | --all)
 *
 * A planned move of VMs from the site where they run (the source) to SITE
 * (the target), with no data loss, driven from either site: onedr reaches
 * the other one through PEER (Ceph) and PEER_ONE (oned), and sees it with
 * conf_peer_view (maps read backwards). VM: IDs on the source site.
 *
 *   1. a preflight: the VMs, their Ceph disks (mirrored, primary on the
 *      source), and failover's own preflight on the target (manifests
 *      there, mappings, datastores, names), before anything changes;
 *   2. on the source, in reverse priority order: power each VM off
 *      (--hard: poweroff-hard) and wait until POWEROFF;
 *   3. the final export of each VM's manifest;
 *   4. demote every disk on the source (demote's own guards);
 *   5. wait until each demotion is replayed on the target;
 *   6. on the target, failover's groups in priority order, NOT forced:
 *      promote, register, recreate, deploy (or release), RUNNING;
 *   7. a note in each old VM's USER_TEMPLATE (ONEDR_SWITCHED_TO,
 *      ONEDR_SWITCHED_VM, ONEDR_SWITCHOVER_RUN); they stay POWEROFF.
 *
 * Every step is recorded in one run (kind switchover) of the journal on the
 * TARGET's cluster, which has to be up for the move to finish at all: a
 * rerun, from either site, resumes the newest open switchover run there,
 * skips what is done and creates nothing twice (failover's steps find what
 * a killed attempt created).
 *
 * When the source is unreachable and this site is the target, the open run
 * is finished here if it saw every demotion replayed here (each disk's
 * "replayed" step done): failover's steps, never forced and without the
 * peer (librbd promotes only a copy whose demotion was replayed); the
 * notes, which need the source, are recorded failed and the run stays open
 * for a rerun once the source is back (finish_without_source). Before that
 * point a rerun refuses: 'onedr failover --force' is for a lost site.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "journal.h"
#include "ledger.h"
#include "log.h"
#include "mirror-list.h"
#include "one-calls.h"
#include "peer.h"
#include "run.h"
#include "vm-export.h"

#define WAIT_DEFAULT 600

struct sw_vm {
	int id;			/* on the source */
	int priority;
	char key[64];		/* "SITE/ID": the journal key's VM, as failover's */
	char group[32];
	char name[32];		/* "SITE:ID" for failover */
	struct manifest *m;	/* built from the source's oned now */
};

struct sw {
	struct cmd_ctx *ctx;
	struct cmd_ctx *src, *dst;	/* the two sites' views (one is ctx) */
	struct cmd_ctx view;		/* the peer's */
	struct ceph *src_ceph, *dst_ceph;
	struct one_client *src_one;
	struct site_objs src_site;
	struct manifest_key *key;
	struct journal *j;
	bool hard;
	unsigned wait;
	struct sw_vm *vms;
	size_t nvms;
	int src_error;		/* why the source cannot be reached (finish_without_source) */
};

struct sw_step {
	struct sw *sw;
	struct sw_vm *vm;
	const struct manifest_disk *d;
};

static int cmp_prio(const void *a, const void *b)
{
	const struct sw_vm *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority - y->priority;
	return x->id - y->id;
}

static int priority_of(const struct manifest *m, int *ret)
{
	const char *p = tmpl_get(m->user_tmpl, "ONEDR_PRIORITY");
	char *end;
	long v;

	*ret = 3;
	if (!p || !*p)
		return 0;
	v = strtol(p, &end, 10);
	if (*end || end == p || v < 1 || v > 5)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* ---- the steps on the source ---- */

static int poweroff_action(struct run_step *s, bool again, void *arg)
{
	struct sw_step *st = arg;

	(void)again;	/* a VM already POWEROFF is a success */
	return cmd_twosite_poweroff(st->sw->src_one, st->vm->id, st->sw->hard, st->sw->wait,
				    s->rec.detail, sizeof(s->rec.detail));
}

struct export_count {
	size_t written, unchanged;
	char why[256];
};

static void export_report(void *arg, const struct manifest *m, const struct vm_export_disk *d)
{
	struct export_count *n = arg;

	(void)m;
	if (d->r < 0)
		snprintf(n->why, sizeof(n->why), "disk %d: %.200s", d->disk->disk_id, d->why);
	else if (d->res == STORE_UNCHANGED || d->res == STORE_SNAPSHOT_RETAKEN)
		n->unchanged++;
	else
		n->written++;
}

/* The final export: the VM as oned has it now, powered off. */
static int export_action(struct run_step *s, bool again, void *arg)
{
	struct sw_step *st = arg;
	struct sw *sw = st->sw;
	struct one_error err = { 0, "" };
	struct manifest_error merr = { "" };
	struct export_count n = { 0, 0, "" };
	struct manifest *m = NULL;
	struct one_vm *vm = NULL;
	size_t failed = 0;
	int r;

	(void)again;	/* export rewrites only what changed */
	r = cmd_twosite_vm(sw->src_one, st->vm->id, &vm, &err);
	if (r < 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "VM %d: %s", st->vm->id,
			 err.msg[0] ? err.msg : strerror(-r));
		return r;
	}
	r = vm_export_build(vm, &sw->src_site.images, &sw->src_site.ds, sw->src->conf.site,
			    (long long)time(NULL), &m, &merr);
	one_vm_free(vm);
	if (r < 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "%s",
			 merr.msg[0] ? merr.msg : strerror(-r));
		return r;
	}
	r = vm_export_write(sw->src_ceph, m, sw->key, sw->ctx->conf.image_timeout, NULL,
			    export_report, &n, &failed);
	manifest_free(m);
	if (r == 0 && failed)
		r = -EIO;
	snprintf(s->rec.detail, sizeof(s->rec.detail), "manifest %zu written, %zu unchanged%s%s",
		 n.written, n.unchanged, n.why[0] ? "; " : "", n.why);
	return r;
}

static int demote_action(struct run_step *s, bool again, void *arg)
{
	struct sw_step *st = arg;
	struct sw *sw = st->sw;

	(void)again;	/* demoting a non-primary copy is a no-op */
	return cmd_twosite_mirror_one(sw->ctx, sw->src_ceph, sw->dst_ceph, sw->src->conf.peer_name,
				      MIRROR_OP_DEMOTE, st->d->pool, st->d->rbd, s->rec.detail,
				      sizeof(s->rec.detail));
}

/* Until the target's copy has replayed the source's demotion (the check a
 * non-forced promote makes, peer.h), up to --wait. */
static int replayed_action(struct run_step *s, bool again, void *arg)
{
	struct sw_step *st = arg;
	struct sw *sw = st->sw;
	double timeout = sw->ctx->conf.image_timeout;
	time_t end = time(NULL) + sw->wait;
	struct peer_site site = { 0 };
	struct ceph_image *image = NULL;
	rbd_mirror_image_mode_t mode;
	struct timespec dl;
	int r;

	(void)again;
	r = ceph_pool(sw->dst_ceph, st->d->pool, &site.local_io);
	if (r == 0)
		r = ceph_pool(sw->src_ceph, st->d->pool, &site.io);
	if (r == 0)
		r = mirror_uuid(site.local_io, timeout, site.local_uuid, sizeof(site.local_uuid));
	if (r == 0)
		r = mirror_uuid(site.io, timeout, site.peer_uuid, sizeof(site.peer_uuid));
	dl = deadline_after(timeout);
	if (r == 0)
		r = ceph_image_open(site.local_io, st->d->rbd, true, &dl, &image);
	if (r == 0)
		r = ceph_mirror_get_mode(image, &dl, &mode);
	if (r < 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "cannot read the copy on %s: %s",
			 sw->dst->conf.site, strerror(-r));
		goto out;
	}
	for (;;) {
		enum peer_verdict v = PEER_WAIT;
		int local_primary = -1;
		char why[256] = "";

		dl = deadline_after(timeout);
		r = peer_check_promote(&site, image, st->d->rbd, NULL, mode, &dl, &v, &local_primary,
				       why, sizeof(why));
		if (r < 0) {
			snprintf(s->rec.detail, sizeof(s->rec.detail), "cannot compare the copies: %s",
				 strerror(-r));
			break;
		}
		if (local_primary == 1) {
			snprintf(s->rec.detail, sizeof(s->rec.detail), "primary on %s already",
				 sw->dst->conf.site);
			break;
		}
		if (v == PEER_SAFE) {
			snprintf(s->rec.detail, sizeof(s->rec.detail), "the demotion is replayed on %s",
				 sw->dst->conf.site);
			break;
		}
		if (v == PEER_PRIMARY) {
			snprintf(s->rec.detail, sizeof(s->rec.detail), "still primary on %s: not demoted",
				 sw->src->conf.site);
			r = -EBUSY;
			break;
		}
		if (cmd_interrupted()) {
			r = -EINTR;
			break;
		}
		if (time(NULL) >= end) {
			snprintf(s->rec.detail, sizeof(s->rec.detail), "not replayed on %s after %us: %s",
				 sw->dst->conf.site, sw->wait, why);
			r = -ETIMEDOUT;
			break;
		}
		usleep(250 * 1000);
	}
out:
	if (image) {
		dl = deadline_after(timeout);
		ceph_image_close(image, &dl);
	}
	return r;
}

/* The old VM's note: where it went. Its new ID is in the run's recreate step. */
static int note_action(struct run_step *s, bool again, void *arg)
{
	struct sw_step *st = arg;
	struct sw *sw = st->sw;
	struct journal_key k;
	struct journal_step rec;
	struct one_error err = { 0, "" };
	const char *id = NULL;
	char upd[512];
	int r;

	(void)again;	/* the same update again is harmless */
	if (!sw->src_one) {	/* finish_without_source: a later rerun writes it */
		snprintf(s->rec.detail, sizeof(s->rec.detail), "%s cannot be reached (%s): not "
			 "written; a rerun of the switchover once %s is back writes it",
			 sw->src->conf.site, cmd_connect_hint(sw->src_error), sw->src->conf.site);
		return sw->src_error < 0 ? sw->src_error : -EHOSTUNREACH;
	}
	run_key(&k, st->vm->group, st->vm->key, "vm", "recreate");
	if (journal_step_get(sw->j, &k, &rec) == 0 && rec.state == JOURNAL_STEP_DONE)
		id = journal_step_result(&rec, "vm_id");
	if (!id) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "no recreated VM in the run");
		return -ENOENT;
	}
	snprintf(upd, sizeof(upd),
		 "ONEDR_SWITCHED_TO=\"%s\"\nONEDR_SWITCHED_VM=\"%s\"\nONEDR_SWITCHOVER_RUN=\"%s\"\n",
		 sw->dst->conf.site, id, journal_header(sw->j)->id);
	r = one_vm_update(sw->src_one, st->vm->id, upd, true, &err);
	snprintf(s->rec.detail, sizeof(s->rec.detail), r < 0 ? "VM %d: %s" : "VM %d: now VM %s on %s",
		 st->vm->id, r < 0 ? err.msg : id, sw->dst->conf.site);
	return r;
}

/* ---- batches ---- */

/* One batch: per VM (disks false) or per Ceph disk of vms[0..n). */
static size_t batch(struct sw *sw, struct sw_vm *v, size_t nv, bool disks, const char *step,
		    run_fn action, unsigned conc)
{
	size_t cap = 0, n = 0, failed = 0;
	struct run_step *steps;
	struct sw_step *st;

	for (size_t i = 0; i < nv; i++)
		cap += disks ? v[i].m->n_disks : 1;
	steps = calloc(cap + 1, sizeof(*steps));
	st = calloc(cap + 1, sizeof(*st));
	if (!steps || !st) {
		free(steps);
		free(st);
		log_error(-ENOMEM, "switchover");
		return 1;
	}
	for (size_t i = 0; i < nv; i++) {
		for (size_t k = 0; k < (disks ? v[i].m->n_disks : 1); k++) {
			const struct manifest_disk *d = disks ? &v[i].m->disks[k] : NULL;
			char obj[256] = "vm";

			if (d && d->kind == DISK_UNPROTECTED)
				continue;
			if (d)
				snprintf(obj, sizeof(obj), "%s/%s", d->pool, d->rbd);
			st[n] = (struct sw_step){ sw, &v[i], d };
			run_key(&steps[n].key, v[i].group, v[i].key, obj, step);
			steps[n].action = action;
			steps[n].arg = &st[n];
			n++;
		}
	}
	failed = cmd_run_batch(sw->j, steps, n, conc, cmd_twosite_progress, sw, step);
	free(steps);
	free(st);
	return failed + cmd_interrupted();
}

/* ---- preflight ---- */

/* The VMs named (or all) as the source's oned has them now. A VM with the
 * note of a switchover to the target was moved by an earlier run: left
 * out, unless a run is being resumed (a kill after its note, before its
 * "done"). */
static int load_vms(struct sw *sw, int argc, char **argv, bool all, bool resuming)
{
	struct one_error err = { 0, "" };
	struct one_vms pool = { 0, NULL };
	size_t cap = all ? 0 : (size_t)argc;
	int bad = 0, r;

	if (all) {
		char *xml = NULL;

		r = one_vmpool_info(sw->src_one, true, -2, -1, -1, -1, &xml, &err);
		if (r == 0)
			r = one_vmpool_parse(xml, strlen(xml), &pool);
		free(xml);
		if (r < 0)
			return log_error(r, "OpenNebula on %s: %s", sw->src->conf.site,
					 err.msg[0] ? err.msg : "cannot read the VM pool"), -1;
		cap = pool.n;
	}
	sw->vms = calloc(cap + 1, sizeof(*sw->vms));
	if (!sw->vms)
		return log_error(-ENOMEM, "switchover"), -1;
	for (size_t i = 0; i < cap; i++) {
		struct manifest_error merr = { "" };
		struct one_vm *vm = NULL;
		struct sw_vm *v = &sw->vms[sw->nvms];
		size_t ceph = 0;

		if (all) {
			vm = pool.v[i];
			/* switched before (the note), or never deployed */
			if ((!resuming && tmpl_get(vm->user_tmpl, "ONEDR_SWITCHED_TO")) ||
			    vm->state == VM_PENDING ||
			    vm->state == VM_HOLD || vm->state == VM_INIT)
				continue;
		} else {
			char *end;
			long id = strtol(argv[i], &end, 10);

			if (!*argv[i] || *end || id < 0 || id > INT_MAX) {
				log_error(0, "'%s' is not a VM ID (of %s)", argv[i], sw->src->conf.site);
				bad++;
				continue;
			}
			r = cmd_twosite_vm(sw->src_one, (int)id, &vm, &err);
			if (r < 0) {
				log_error(0, "VM %ld on %s: %s", id, sw->src->conf.site,
					  err.msg[0] ? err.msg : strerror(-r));
				bad++;
				continue;
			}
			/* moved by an earlier run (its last step wrote the note) */
			if (!resuming && tmpl_get(vm->user_tmpl, "ONEDR_SWITCHED_TO") &&
			    !strcmp(tmpl_get(vm->user_tmpl, "ONEDR_SWITCHED_TO"), sw->dst->conf.site)) {
				printf("VM %s/%ld: already switched over to %s (VM %s there)\n",
				       sw->src->conf.site, id, sw->dst->conf.site,
				       tmpl_get(vm->user_tmpl, "ONEDR_SWITCHED_VM") ?
				       tmpl_get(vm->user_tmpl, "ONEDR_SWITCHED_VM") : "?");
				one_vm_free(vm);
				continue;
			}
		}
		v->id = vm->id;
		r = vm_export_build(vm, &sw->src_site.images, &sw->src_site.ds, sw->src->conf.site,
				    (long long)time(NULL), &v->m, &merr);
		if (!all)
			one_vm_free(vm);
		if (r < 0) {
			log_error(0, "VM %d on %s: %s", v->id, sw->src->conf.site,
				  merr.msg[0] ? merr.msg : strerror(-r));
			bad++;
			continue;
		}
		for (size_t k = 0; k < v->m->n_disks; k++)
			if (v->m->disks[k].kind == DISK_UNPROTECTED) {
				log_error(0, "VM %d (%s): disk %d is not on Ceph (%s): a switchover "
					  "would leave it behind", v->id, v->m->name, v->m->disks[k].disk_id,
					  v->m->disks[k].reason);
				bad++;
			} else {
				ceph++;
			}
		if (!ceph && all) {
			manifest_free(v->m);	/* nothing onedr can move */
			v->m = NULL;
			continue;
		}
		if (priority_of(v->m, &v->priority) < 0) {
			log_error(0, "VM %d (%s): ONEDR_PRIORITY '%s' is not a number from 1 to 5", v->id,
				  v->m->name, tmpl_get(v->m->user_tmpl, "ONEDR_PRIORITY"));
			bad++;
		}
		snprintf(v->key, sizeof(v->key), "%s/%d", sw->src->conf.site, v->id);
		snprintf(v->name, sizeof(v->name), "%s:%d", sw->src->conf.site, v->id);
		snprintf(v->group, sizeof(v->group), "priority-%d", v->priority);
		sw->nvms++;
	}
	one_vms_free(&pool);
	qsort(sw->vms, sw->nvms, sizeof(*sw->vms), cmp_prio);
	return bad;
}

/* Each Ceph disk: mirrored, and primary on the source (or, when resuming,
 * demoted there already). */
static int check_disks(struct sw *sw, bool resuming)
{
	int bad = 0;

	for (size_t i = 0; i < sw->nvms; i++) {
		const struct manifest *m = sw->vms[i].m;

		printf("VM %s/%d (%s): priority %d, %zu disks\n", sw->src->conf.site, sw->vms[i].id,
		       m->name, sw->vms[i].priority, m->n_disks);
		for (size_t k = 0; k < m->n_disks; k++) {
			const struct manifest_disk *d = &m->disks[k];
			struct ledger_disk ld;

			if (d->kind == DISK_UNPROTECTED)
				continue;
			if (ledger_read_disk(sw->src_ceph, sw->dst_ceph, 0, d->pool, d->rbd,
					     sw->ctx->conf.image_timeout, &ld) < 0) {
				log_error(ld.error, "VM %d: disk %d '%s/%s' on %s", sw->vms[i].id,
					  d->disk_id, d->pool, d->rbd, sw->src->conf.site);
				bad++;
				continue;
			}
			printf("VM %s/%d: disk %d %s/%s: %s, %s on %s\n", sw->src->conf.site,
			       sw->vms[i].id, d->disk_id, d->pool, d->rbd, ledger_mode_name(ld.mode),
			       ld.primary ? "primary" : "non-primary", sw->src->conf.site);
			if (ld.mode == LEDGER_NOT_MIRRORED) {
				log_error(0, "VM %d: disk %d '%s/%s' is not mirrored", sw->vms[i].id,
					  d->disk_id, d->pool, d->rbd);
				bad++;
			} else if (!ld.primary && !resuming) {
				log_error(0, "VM %d: disk %d '%s/%s' is not primary on %s: the VMs do not "
					  "run from there", sw->vms[i].id, d->disk_id, d->pool, d->rbd,
					  sw->src->conf.site);
				bad++;
			} else if (ld.primary &&
				   ledger_read_disk(sw->dst_ceph, NULL, 0, d->pool, d->rbd,
						    sw->ctx->conf.image_timeout, &ld) == 0 && ld.primary) {
				/* a failover took it over while the source was gone:
				 * demoting the stale copy would hide the split-brain */
				log_error(0, "VM %d: disk %d '%s/%s' is primary on %s too (split-brain "
					  "after a failover): 'onedr failback' first", sw->vms[i].id,
					  d->disk_id, d->pool, d->rbd, sw->dst->conf.site);
				bad++;
			}
		}
	}
	return bad;
}

static void free_sw(struct sw *sw)
{
	for (size_t i = 0; i < sw->nvms; i++)
		manifest_free(sw->vms[i].m);
	free(sw->vms);
	journal_close(sw->j);
	cmd_site_free(&sw->src_site);
	one_client_free(sw->src_one);
	ceph_close(sw->src_ceph);
	ceph_close(sw->dst_ceph);
	manifest_key_free(sw->key);
	if (sw->view.conf.site)
		conf_free(&sw->view.conf);
}

/* Has pool an open switchover run on c? (a rerun skips the target's dry run) */
static bool has_open_run(struct ceph *c, const char *pool, double timeout)
{
	struct journal_run *runs = NULL;
	size_t n = 0;
	bool open = false;

	if (journal_list(c, pool, timeout, &runs, &n, NULL) == 0)
		open = journal_latest_open(runs, n, JOURNAL_SWITCHOVER) != NULL;
	free(runs);
	return open;
}

/* The open run, locked: resumed, else a new one (cmd_twosite_open_run);
 * held by another onedr, the error names it and --takeover, which takes
 * the run from a onedr that is gone (e.g. with the front-end of a dead
 * site): its Ceph client blocklisted, its lock broken, on the user's word. */
static int open_run(struct sw *sw, const char *options)
{
	struct cmd_ctx *ctx = sw->ctx;

	return cmd_twosite_open_run(sw->dst_ceph, ctx->conf.pool, ctx->conf.image_timeout,
				    JOURNAL_SWITCHOVER, ctx->conf.site, options, true,
				    args_get(&ctx->args, "takeover"), &sw->j) < 0 ? -1 : 0;
}

/* What finish_without_source learns from the run's steps. */
struct sw_seen {
	struct sw_seen_step {
		char vm[64], object[256], step[64], group[64];
		bool done;
	} *v;
	size_t n, cap;
	int error;
};

static int seen_step(const struct journal_step *step, void *arg)
{
	struct sw_seen *seen = arg;
	struct sw_seen_step *x;

	if (strcmp(step->key.step, "poweroff") && strcmp(step->key.step, "demote") &&
	    strcmp(step->key.step, "replayed"))
		return 0;
	if (seen->n == seen->cap) {
		size_t cap = seen->cap ? 2 * seen->cap : 64;
		struct sw_seen_step *v = realloc(seen->v, cap * sizeof(*v));

		if (!v)
			return seen->error = -ENOMEM;
		seen->v = v;
		seen->cap = cap;
	}
	x = &seen->v[seen->n++];
	snprintf(x->vm, sizeof(x->vm), "%s", step->key.vm);
	snprintf(x->object, sizeof(x->object), "%s", step->key.object);
	snprintf(x->step, sizeof(x->step), "%s", step->key.step);
	snprintf(x->group, sizeof(x->group), "%s", step->key.group);
	x->done = step->state == JOURNAL_STEP_DONE;
	return 0;
}

static const struct sw_seen_step *seen_find(const struct sw_seen *seen, const char *vm,
					    const char *object, const char *step)
{
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->v[i].vm, vm) && !strcmp(seen->v[i].step, step) &&
		    (!object || !strcmp(seen->v[i].object, object)))
			return &seen->v[i];
	return NULL;
}

/* Whether the target's copy of object ("POOL/IMAGE") has the source's
 * demotion as its last record, read here only (the source is gone): the
 * check of a "replayed" step recorded started, not done. */
static int replayed_here(struct sw *sw, const char *object, bool *ret)
{
	double timeout = sw->ctx->conf.image_timeout;
	const char *rbd = strchr(object, '/');
	struct peer_site alone = { 0 };
	struct ceph_image *image = NULL;
	struct peer_compare cmp;
	rbd_mirror_image_mode_t mode;
	struct timespec dl;
	char pool[256];
	int r;

	*ret = false;
	if (!rbd)
		return -EINVAL;
	snprintf(pool, sizeof(pool), "%.*s", (int)(rbd - object), object);
	rbd++;
	r = ceph_pool(sw->dst_ceph, pool, &alone.local_io);
	if (r == 0)
		r = mirror_uuid(alone.local_io, timeout, alone.local_uuid, sizeof(alone.local_uuid));
	dl = deadline_after(timeout);
	if (r == 0)
		r = ceph_image_open(alone.local_io, rbd, true, &dl, &image);
	if (r == 0)
		r = ceph_mirror_get_mode(image, &dl, &mode);
	if (r == 0) {
		dl = deadline_after(timeout);
		r = peer_compare_copies(&alone, image, rbd, NULL, mode, &dl, &cmp);
	}
	if (r == 0)
		*ret = cmp.local_replayed_demotion && cmp.local != COPY_PRIMARY;
	if (image) {
		dl = deadline_after(timeout);
		ceph_image_close(image, &dl);
	}
	return r;
}

/* The source cannot be reached and this site is the target. A switchover
 * that demoted every disk of its VMs and saw each demotion replayed here
 * (its replayed step done, or recorded started and this copy's last record
 * the demotion) has nothing left on the source to lose: its open run is finished here,
 * never forced (the failover steps, unforced, without the peer: librbd
 * promotes only a copy whose demotion was replayed). The note on the old
 * VMs needs the source: recorded as not done, the run left open for a
 * rerun once the source is back. Returns the exit code, or -1 when the run
 * cannot be finished this way (why, in why). */
static int finish_without_source(struct sw *sw, int argc, char **argv, bool all, char *why,
				 size_t why_len)
{
	struct cmd_ctx *ctx = sw->ctx;
	struct journal_run *runs = NULL, hdr;
	const struct journal_run *open;
	struct sw_seen seen = { 0 };
	struct failover_opts fo = { 0 };
	char **names = NULL, opts[512], *tok, *save = NULL;
	bool failover_failed = false, here = false;
	int code = -1, r;
	size_t failed, nruns = 0, plen = strlen(sw->src->conf.site);

	r = journal_list(sw->dst_ceph, ctx->conf.pool, ctx->conf.image_timeout, &runs, &nruns, NULL);
	open = r == 0 ? journal_latest_open(runs, nruns, JOURNAL_SWITCHOVER) : NULL;
	if (!open) {
		snprintf(why, why_len, r < 0 ? "cannot read the runs here: %s" : "no switchover run "
			 "here to finish", strerror(-r));
		goto out;
	}
	r = journal_read_each(sw->dst_ceph, ctx->conf.pool, open->id, ctx->conf.image_timeout, &hdr,
			      seen_step, &seen, NULL);
	if (r < 0 || seen.error < 0) {
		snprintf(why, why_len, "cannot read run %s: %s", open->id,
			 strerror(-(r < 0 ? r : seen.error)));
		goto out;
	}
	/* "--to SITE ID...": the target */
	snprintf(opts, sizeof(opts), "%s", hdr.options);
	tok = strtok_r(opts, " ", &save);
	if (!tok || strcmp(tok, "--to") || !(tok = strtok_r(NULL, " ", &save)) ||
	    strcmp(tok, sw->dst->conf.site)) {
		snprintf(why, why_len, "run %s does not move VMs here (%.200s)", open->id,
			 hdr.options);
		goto out;
	}
	/* its VMs: each has a poweroff step (all of them before any demote),
	 * keyed "SOURCE/ID" */
	sw->vms = calloc(seen.n + 1, sizeof(*sw->vms));
	names = calloc(seen.n + 1, sizeof(*names));
	if (!sw->vms || !names) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		goto out;
	}
	for (size_t j = 0; j < seen.n; j++) {
		struct sw_vm *v = &sw->vms[sw->nvms];
		const struct sw_seen_step *p;
		size_t demoted = 0;

		if (strcmp(seen.v[j].step, "poweroff"))
			continue;
		if (strncmp(seen.v[j].vm, sw->src->conf.site, plen) || seen.v[j].vm[plen] != '/') {
			snprintf(why, why_len, "run %s has VM %s, not of %s", open->id, seen.v[j].vm,
				 sw->src->conf.site);
			goto out;
		}
		v->id = atoi(seen.v[j].vm + plen + 1);
		snprintf(v->key, sizeof(v->key), "%s", seen.v[j].vm);
		snprintf(v->name, sizeof(v->name), "%s:%d", sw->src->conf.site, v->id);
		snprintf(v->group, sizeof(v->group), "%.31s", seen.v[j].group);
		for (size_t i = 0; i < seen.n; i++) {
			if (strcmp(seen.v[i].vm, v->key) || strcmp(seen.v[i].step, "demote"))
				continue;
			demoted++;
			/* a replayed step for each disk: the demote batch ended;
			 * one recorded started (killed while waiting or after it
			 * saw the demotion) is checked again, on this copy only */
			p = seen_find(&seen, v->key, seen.v[i].object, "replayed");
			if (!p) {
				snprintf(why, why_len, "the demotion of '%s' (VM %s) is not known "
					 "replayed here (run %s)", seen.v[i].object, v->key, open->id);
				goto out;
			}
			if (!p->done && (r = replayed_here(sw, p->object, &here)) < 0) {
				snprintf(why, why_len, "cannot read '%s' here: %s", p->object,
					 strerror(-r));
				goto out;
			}
			if (!p->done && !here) {
				snprintf(why, why_len, "the demotion of '%s' (VM %s) is not replayed here "
					 "(run %s)", p->object, v->key, open->id);
				goto out;
			}
		}
		if (!demoted) {
			snprintf(why, why_len, "VM %s was not demoted yet (run %s)", v->key, open->id);
			goto out;
		}
		names[sw->nvms++] = v->name;
	}
	/* the VMs named must be the run's */
	for (int i = 0; i < argc && !all; i++) {
		size_t k = 0;

		while (k < sw->nvms && strcmp(argv[i], sw->vms[k].name + plen + 1))
			k++;
		if (k == sw->nvms) {
			snprintf(why, why_len, "VM %s is not in run %s", argv[i], open->id);
			goto out;
		}
	}
	if (!sw->nvms) {
		snprintf(why, why_len, "run %s names no VM", open->id);
		goto out;
	}
	code = EXIT_UNAVAILABLE;
	if (open_run(sw, hdr.options) < 0)
		goto out;
	printf("%s cannot be reached (%s): every demotion of run %s is replayed on %s, so the move "
	       "is finished here without forcing; the note on the old VMs waits for %s\n",
	       sw->src->conf.site, cmd_connect_hint(sw->src_error), open->id, sw->dst->conf.site,
	       sw->src->conf.site);
	fflush(stdout);
	fo.deploy = args_get(&ctx->args, "deploy");
	fo.wait = sw->wait;
	fo.j = sw->j;
	fo.replayed = true;
	failed = cmd_failover_run(sw->dst, &fo, (int)sw->nvms, names, false) != EXIT_OK;
	if (!failed)
		failed = batch(sw, sw->vms, sw->nvms, false, "note", note_action, 1);
	else
		failover_failed = true;
	code = EXIT_PARTIAL;
	printf("switchover: run %s not finished: %s; the note on the old VMs waits for %s: rerun "
	       "'onedr switchover --to %s' (onedr report %s on %s)\n", journal_header(sw->j)->id,
	       failover_failed ? "steps on this site failed" : "the VMs run here",
	       sw->src->conf.site, sw->dst->conf.site, journal_header(sw->j)->id,
	       sw->dst->conf.site);
out:
	free(seen.v);
	free(runs);
	free(names);
	return code;
}

static int cmd_switchover(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sw sw = { 0 };
	const char *to = args_get(&ctx->args, "to");
	bool all = args_has(&ctx->args, "all"), dry_run = args_has(&ctx->args, "dry-run");
	bool local, resuming;
	struct failover_opts fo = { 0 };
	char **names = NULL, options[512];
	struct ceph *local_c = NULL, *peer_c = NULL;
	size_t failed = 0;
	int code = EXIT_USAGE, peer_error = 0, bad;

	if (all == (argc > 0) || !to) {
		log_error(0, to ? "name VMs (IDs on the site they run on), or --all, not both" :
			  "--to SITE: the site the VMs move to");
		cmd_usage(&cmd_switchover_entry, false);
		return EXIT_USAGE;
	}
	cmd_catch_signals();
	sw.ctx = ctx;
	sw.hard = args_has(&ctx->args, "hard");
	sw.wait = args_number(&ctx->args, "wait", WAIT_DEFAULT);
	if (cmd_load_site_conf(ctx) < 0 || cmd_twosite_views(ctx, to, &sw.view, &local) < 0 ||
	    cmd_signing_key(ctx, true, &sw.key) < 0)
		goto out;
	sw.dst = local ? ctx : &sw.view;
	sw.src = local ? &sw.view : ctx;
	code = EXIT_UNAVAILABLE;
	if (cmd_connect(ctx, true, &local_c, &peer_c, &peer_error) < 0)
		goto out;
	if (!peer_c) {
		char why[512] = "";

		/* this site the target: a run that demoted everything may end here */
		if (local) {
			sw.dst_ceph = local_c;
			sw.src_error = peer_error;
			code = finish_without_source(&sw, argc, argv, all, why, sizeof(why));
			if (code >= 0)
				goto out;
			code = EXIT_UNAVAILABLE;
		} else {
			ceph_close(local_c);
		}
		log_error(0, "%s cannot be reached (%s): a switchover needs both sites%s%s%s; 'onedr "
			  "failover --force' is for a lost site", ctx->conf.peer_name,
			  cmd_connect_hint(peer_error), why[0] ? " until every demotion is replayed "
			  "here (" : "", why, why[0] ? ")" : "");
		goto out;
	}
	sw.dst_ceph = local ? local_c : peer_c;
	sw.src_ceph = local ? peer_c : local_c;
	if (cmd_one_connect(sw.src, &sw.src_one) < 0 ||
	    cmd_site_load(sw.src_one, SITE_DS | SITE_IMAGES, &sw.src_site) < 0)
		goto out;
	code = EXIT_USAGE;
	printf("switchover from %s to %s (driven from %s)\n", sw.src->conf.site, sw.dst->conf.site,
	       ctx->conf.site);
	resuming = has_open_run(sw.dst_ceph, ctx->conf.pool, ctx->conf.image_timeout);
	bad = load_vms(&sw, argc, argv, all, resuming);
	if (bad < 0) {
		code = EXIT_UNAVAILABLE;
		goto out;
	}
	bad += check_disks(&sw, resuming);
	if (!sw.nvms && !bad) {
		printf("switchover: no VM to move\n");
		code = EXIT_OK;
		goto out;
	}
	names = calloc(sw.nvms + 1, sizeof(*names));
	if (!names) {
		log_error(-ENOMEM, "switchover");
		goto out;
	}
	for (size_t i = 0; i < sw.nvms; i++)
		names[i] = sw.vms[i].name;
	fo.deploy = args_get(&ctx->args, "deploy");
	fo.wait = sw.wait;
	/* the target's preflight (manifests there, maps, datastores, names)
	 * before anything changes; a rerun has changed things already */
	if (!bad && !resuming) {
		fo.dry_run = true;
		printf("preflight on %s:\n", sw.dst->conf.site);
		fflush(stdout);
		if (cmd_failover_run(sw.dst, &fo, (int)sw.nvms, names, false) != EXIT_OK)
			bad++;
		fo.dry_run = false;
	}
	if (bad) {
		log_error(0, "preflight: %d thing%s block%s the switchover: nothing was changed", bad,
			  bad == 1 ? "" : "s", bad == 1 ? "s" : "");
		goto out;
	}
	if (dry_run) {
		printf("dry run: nothing was changed\n");
		code = EXIT_OK;
		goto out;
	}
	snprintf(options, sizeof(options), "--to %s", to);
	for (size_t i = 0; i < sw.nvms; i++)
		snprintf(options + strlen(options), sizeof(options) - strlen(options), " %d",
			 sw.vms[i].id);
	code = EXIT_UNAVAILABLE;
	if (open_run(&sw, options) < 0)
		goto out;
	/* power off, lowest priority first */
	for (size_t i = sw.nvms; i > 0 && !failed;) {
		size_t j = i;

		while (j > 0 && sw.vms[j - 1].priority == sw.vms[i - 1].priority)
			j--;
		failed = batch(&sw, &sw.vms[j], i - j, false, "poweroff", poweroff_action, 1);
		i = j;
	}
	if (!failed)
		failed = batch(&sw, sw.vms, sw.nvms, false, "export", export_action, 1);
	if (!failed)
		failed = batch(&sw, sw.vms, sw.nvms, true, "demote", demote_action,
			       ctx->conf.concurrency);
	if (!failed)
		failed = batch(&sw, sw.vms, sw.nvms, true, "replayed", replayed_action,
			       ctx->conf.concurrency);
	if (!failed) {
		fo.j = sw.j;
		if (cmd_failover_run(sw.dst, &fo, (int)sw.nvms, names, false) != EXIT_OK)
			failed = 1;
	}
	if (!failed)
		failed = batch(&sw, sw.vms, sw.nvms, false, "note", note_action, 1);
	code = failed ? EXIT_PARTIAL : EXIT_OK;
	journal_finish(sw.j, failed ? JOURNAL_RUN_FAILED : JOURNAL_RUN_FINISHED, code);
	printf("switchover: run %s %s: %zu VMs from %s to %s%s (onedr report %s on %s)\n",
	       journal_header(sw.j)->id, failed ? "failed" : "finished", sw.nvms, sw.src->conf.site,
	       sw.dst->conf.site, failed ? ": a rerun resumes it" : "", journal_header(sw.j)->id,
	       sw.dst->conf.site);
out:
	free(names);
	free_sw(&sw);
	return code;
}

const struct cmd_entry cmd_switchover_entry = {
	.name = "switchover",
	.usage = "--to SITE [--deploy HOST] [--wait S] [--hard] [--dry-run] [--takeover HOLDER] (VM... | --all)",
	.summary = "move VMs to SITE with no data loss (planned), journaled and resumable",
	.help =
	"A planned move, from either site: onedr reaches the other one through PEER\n"
	"(Ceph) and PEER_ONE (oned); the maps of onedr.conf are read backwards when\n"
	"the VMs move away from this site. VM: IDs on the site they run on; --all:\n"
	"every VM there with Ceph disks that was not switched before. A preflight\n"
	"first (the disks mirrored and primary where the VMs run; failover's\n"
	"preflight on SITE: manifests, maps, datastores, names), refusing with\n"
	"nothing changed. Then: power the VMs off, lowest priority first, and wait\n"
	"until POWEROFF; export their manifests a last time; demote their disks;\n"
	"wait until each demotion is replayed on SITE; then, as failover does but\n"
	"never forced, group by group in priority order: promote, register,\n"
	"recreate, deploy (--deploy) or release, wait until RUNNING. The old VMs\n"
	"stay POWEROFF with ONEDR_SWITCHED_TO, ONEDR_SWITCHED_VM and\n"
	"ONEDR_SWITCHOVER_RUN in their USER_TEMPLATE. Every step is recorded in a\n"
	"run of the journal on SITE's cluster: a rerun from either site resumes it.\n"
	"If the source dies once every demotion was replayed on SITE, a rerun on\n"
	"SITE finishes the move there, never forced; the notes wait for the\n"
	"source (exit 1, the run stays open). Before that, it refuses: 'onedr\n"
	"failover --force' is for a lost site.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the manifests and the journal"),
		{ "to", 0, ARG_STRING, "SITE", 0, "the site the VMs move to (this one or PEER's)" },
		{ "all", 0, ARG_FLAG, NULL, 0, "every VM with Ceph disks where the VMs run, not\n"
		  "switched before" },
		{ "deploy", 0, ARG_STRING, "HOST", 0,
		  "deploy the VMs on HOST of SITE (name or ID); without\n"
		  "it they are released to the scheduler" },
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "how long each VM may take to power off, each\n"
		  "demotion to be replayed and each VM to be RUNNING\n"
		  "(default 600)" },
		{ "hard", 0, ARG_FLAG, NULL, 0, "poweroff-hard instead of poweroff (ACPI)" },
		{ "dry-run", 0, ARG_FLAG, NULL, 0, "the preflight only: nothing is changed" },
		{ "takeover", 0, ARG_STRING, "HOLDER", 0,
		  "take the open run over from HOLDER (as the error\n"
		  "named it): its Ceph client is blocklisted, its lock\n"
		  "broken" },
		CMD_OPT_END
	},
	.exec = cmd_switchover,
};

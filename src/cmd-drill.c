/*
 * cmd-drill.c: onedr drill start [--deploy HOST] [--wait S] (VM... | --all)
 *              onedr drill status [-j] [RUN]
 *              onedr drill stop [RUN]
 *
 * A disaster-recovery rehearsal on the replica site that leaves production
 * and replication alone. start: for each disk of the VMs, a snapshot on
 * the primary (the PEER site; a replica takes none), waited for here, a
 * clone v2 of it here (drill.h: what Ceph 16.2 allows on a replica), the
 * clone registered as an image, the VM recreated from its manifest on the
 * isolated networks of DRILL_NETWORK_MAP, deployed or released, waited
 * RUNNING. Every step goes through the run engine (run.h) into a run of
 * kind "drill" (journal.h), its intent recorded BEFORE the object is
 * created, so stop finds everything after a crash. The run stays open
 * while the drill is up; start again resumes it.
 * stop: for every object the run's start steps created, newest kind
 * first (VMs, images, clones, snapshots), drill_delete(), the one guarded
 * delete of onedr, which refuses anything the run did not record and mark.
 * The run is finished when all of it is gone.
 * status: the drill's objects and their state, and each source disk's
 * replication (up+replaying) on both sites.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "drill.h"
#include "journal.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"
#include "run.h"

#define WAIT_DEFAULT 600
#define GROUP_START "start"
#define GROUP_STOP "stop"

struct dr_vm {
	const struct manifest *m;	/* the manifest */
	struct manifest pm;		/* the same, its disks on the clones */
	struct manifest_disk *pd;
	struct store_vm sv;		/* for cmd_register_plan: sv.m = &pm */
	char key[64];			/* "SITE/ID" */
	char label[256];
	int new_id;
};

struct dr {
	struct cmd_ctx *ctx;
	struct takeover t;
	struct ceph *peer;
	int peer_error;
	struct journal *j;
	char run_id[JOURNAL_ID_MAX];
	char snap[300];
	enum start_mode mode;
	int host;
	unsigned wait;
	const struct one_obj *caller;
	struct dr_vm *vms;
	size_t nvms;
	struct reg_disk *reg;
	size_t nreg;
	struct site_objs cur;		/* t.site with the images re-read */
	struct one_objs images;
	struct one_vms here;
	struct cmd_ctx dctx;		/* ctx with DRILL_NETWORK_MAP as the network map */
	struct conf_map *dmaps;
	size_t done, failed;
};

struct dr_step {
	struct dr *dr;
	struct dr_vm *vm;
	size_t disk;
	const struct reg_disk *rd;
	struct journal_step created;	/* stop: the start step that created the object */
};

/* ---- the drill's configuration: NICs mapped by DRILL_NETWORK_MAP only ---- */

static int drill_conf(struct dr *dr)
{
	struct conf_map **link = &dr->dmaps;

	dr->dctx = *dr->ctx;
	for (const struct conf_map *m = dr->ctx->conf.maps; m; m = m->next) {
		struct conf_map *c;

		if (m->kind == MAP_NETWORK)
			continue;
		c = malloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		*c = *m;	/* from/to stay ctx->conf's */
		if (c->kind == MAP_DRILL_NETWORK)
			c->kind = MAP_NETWORK;
		c->next = NULL;
		*link = c;
		link = &c->next;
	}
	dr->dctx.conf.maps = dr->dmaps;
	return 0;
}

static void drill_conf_free(struct dr *dr)
{
	while (dr->dmaps) {
		struct conf_map *n = dr->dmaps->next;

		free(dr->dmaps);
		dr->dmaps = n;
	}
}

/* ---- progress ---- */

static void progress(void *arg, const struct run_step *s)
{
	struct dr *dr = arg;

	if (s->outcome == RUN_DONE || s->outcome == RUN_SKIPPED)
		dr->done++;
	else
		dr->failed++;
	printf("%s %s %s %s: %s%s%s\n", s->key.group, s->key.vm, s->key.step, s->key.object,
	       run_outcome_name(s->outcome), s->rec.detail[0] ? ": " : "", s->rec.detail);
	fflush(stdout);
}

/* ---- start: the steps ---- */

static const struct manifest_disk *disk_of(const struct dr_step *st)
{
	return &st->vm->m->disks[st->disk];
}

static int snapshot_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	const struct manifest_disk *d = disk_of(st);
	int r;

	(void)again;	/* an existing snapshot of this run's name is kept */
	r = drill_snap_create(st->dr->peer, d->pool, d->rbd, st->dr->snap,
			      st->dr->ctx->conf.image_timeout);
	journal_step_set_result(&s->rec, "snap", st->dr->snap);
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s on %s%s%s", r < 0 ? "failed" : "taken",
		 st->dr->ctx->conf.peer_name, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	return r;
}

static int replicated_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	const struct manifest_disk *d = disk_of(st);
	time_t t0 = time(NULL), end = t0 + st->dr->wait;
	int r;

	(void)again;
	for (;;) {
		r = drill_snap_present(st->dr->t.ceph, d->pool, d->rbd, st->dr->snap,
				       st->dr->ctx->conf.image_timeout);
		if (r != -ENOENT || cmd_interrupted() || time(NULL) >= end)
			break;
		sleep(1);
	}
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s after %llds",
		 r == 0 ? "here" : r == -ENOENT ? "not here" : strerror(-r),
		 (long long)(time(NULL) - t0));
	return r == -ENOENT ? -ETIMEDOUT : r;
}

static int clone_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	const struct manifest_disk *d = disk_of(st);
	char clone[300], spec[600];
	bool adopted = false;
	int r;

	(void)again;	/* drill_clone adopts the clone of this snapshot */
	drill_clone_name(st->dr->run_id, d->rbd, clone, sizeof(clone));
	r = drill_clone(st->dr->t.ceph, d->pool, d->rbd, st->dr->snap, clone, st->dr->run_id,
			st->dr->ctx->conf.image_timeout, &adopted);
	snprintf(spec, sizeof(spec), "%s/%s", d->pool, clone);
	if (r == 0)
		journal_step_set_result(&s->rec, "clone", spec);
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s %s%s%s",
		 r < 0 ? "failed" : adopted ? "adopted" : "cloned", spec,
		 r < 0 ? ": " : "", r == -EEXIST ? "another image has that name" :
		 r < 0 ? strerror(-r) : "");
	return r;
}

static int register_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	struct one_error err = { 0, "" };
	bool is_new = false;
	char id[32];
	int r, image = -1;

	(void)again;	/* the plan found an image a killed attempt registered */
	r = cmd_register_disk(st->dr->t.one, st->rd, st->dr->caller, &image, &is_new, &err);
	if (image >= 0) {
		snprintf(id, sizeof(id), "%d", image);
		journal_step_set_result(&s->rec, "image_id", id);
	}
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s image %d%s%s",
		 r < 0 ? "failed:" : is_new ? "registered" : "adopted", image,
		 r < 0 ? ": " : "", r < 0 ? err.msg : "");
	return r;
}

/* The drill VM of this run for key, recreated before (not DONE). */
static const struct one_vm *drill_vm_here(const struct one_vms *here, const char *run,
					  const char *key)
{
	for (size_t i = 0; i < here->n; i++) {
		const char *r = tmpl_get(here->v[i]->user_tmpl, DRILL_ATTR);
		const char *k = tmpl_get(here->v[i]->user_tmpl, DRILL_VM_ATTR);

		if (here->v[i]->state != VM_DONE && r && k && !strcmp(r, run) && !strcmp(k, key))
			return here->v[i];
	}
	return NULL;
}

static int recreate_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	struct dr *dr = st->dr;
	struct dr_vm *v = st->vm;
	struct one_vms none = { 0, NULL };
	struct rec_vm rv = { 0 };
	char name[300], id[32];
	struct rec_done done = { -1, NULL, { 0, "" } };
	int r, vm_id = -1;

	(void)again;	/* a VM of this run for this key is adopted */
	if (cmd_recreate_check(&dr->dctx, dr->t.ceph, &dr->cur, &none, &v->pm, true, dr->mode,
			       false, &rv) > 0 || cmd_map_report(&dr->dctx.conf) > 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "checks failed (logged)");
		r = -EINVAL;
		goto out;
	}
	rv.existing = drill_vm_here(&dr->here, dr->run_id, v->key);
	snprintf(name, sizeof(name), "%s-drill", v->m->name ? v->m->name : "vm");
	/* not ONEDR_SOURCE_*: a failover must never adopt a drill VM */
	r = tmpl_remove(rv.tmpl, "ONEDR_SOURCE_SITE");
	if (r >= 0)
		r = tmpl_remove(rv.tmpl, "ONEDR_SOURCE_VM");
	if (r >= 0)
		r = tmpl_set(rv.tmpl, "NAME", name);
	if (r >= 0)
		r = tmpl_set(rv.tmpl, DRILL_ATTR, dr->run_id);
	if (r >= 0)
		r = tmpl_set(rv.tmpl, DRILL_VM_ATTR, v->key);
	if (r < 0)
		goto out;
	r = cmd_recreate_vm(dr->t.one, &rv, dr->mode, dr->host, dr->caller, &done);
	vm_id = done.id;
	if (vm_id >= 0) {
		v->new_id = vm_id;
		snprintf(id, sizeof(id), "%d", vm_id);
		journal_step_set_result(&s->rec, "vm_id", id);
	}
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%s VM %d%s%s%s%s", r < 0 ? "failed:" :
		 rv.existing ? "adopted" : "created", vm_id, done.did ? ", " : "", done.did ? done.did : "",
		 r < 0 ? ": " : "", r < 0 ? done.err.msg : "");
out:
	tmpl_free(rv.tmpl);
	free(rv.notes);
	return r;
}

static int running_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	struct dr *dr = st->dr;
	struct cmd_vm_wait w = { .one = dr->t.one, .wait = dr->wait };
	int id = st->vm->new_id;
	int r;

	(void)again;
	if (id < 0) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "no drill VM");
		return -ENOENT;
	}
	r = cmd_wait_running(&w, id, dr->mode, s->rec.detail, sizeof(s->rec.detail));
	if (r == 0)
		snprintf(s->rec.detail, sizeof(s->rec.detail), "VM %d RUNNING", id);
	return r;
}

/* ---- start ---- */

/* The manifest again, its protected disks on the clones: what register and
 * recreate see (image NAME "<name>-drill", SOURCE the clone, DRILL_ATTR). */
static int patch_manifest(struct dr *dr, struct dr_vm *v)
{
	const struct manifest *m = v->m;

	v->pm = *m;
	v->pd = calloc(m->n_disks + 1, sizeof(*v->pd));
	if (!v->pd)
		return -ENOMEM;
	v->pm.disks = v->pd;
	v->sv.m = &v->pm;
	for (size_t k = 0; k < m->n_disks; k++) {
		struct manifest_disk *d = &v->pd[k];
		char clone[300], src[600], name[300];
		const char *n;
		int r;

		*d = m->disks[k];
		if (d->kind == DISK_UNPROTECTED)
			continue;
		drill_clone_name(dr->run_id, d->rbd, clone, sizeof(clone));
		d->rbd = strdup(clone);
		d->image = tmpl_dup(m->disks[k].image);
		if (!d->rbd || !d->image)
			return -ENOMEM;
		n = tmpl_get(d->image, "NAME");
		snprintf(name, sizeof(name), "%.280s-drill", n ? n : clone);
		snprintf(src, sizeof(src), "%s/%s", d->pool, clone);
		r = tmpl_set(d->image, "NAME", name);
		if (r == 0)
			r = tmpl_set(d->image, "SOURCE", src);
		if (r == 0)
			r = tmpl_set(d->image, "PERSISTENT", "YES");
		if (r == 0)
			r = tmpl_set(d->image, DRILL_ATTR, dr->run_id);
		if (r < 0)
			return r;
	}
	return 0;
}

static void unpatch(struct dr_vm *v)
{
	if (!v->pd)
		return;
	for (size_t k = 0; k < v->m->n_disks; k++)
		if (v->pd[k].kind != DISK_UNPROTECTED) {
			if (v->pd[k].rbd != v->m->disks[k].rbd)
				free(v->pd[k].rbd);
			if (v->pd[k].image != v->m->disks[k].image)
				tmpl_free(v->pd[k].image);
		}
	free(v->pd);
	v->pd = NULL;
}

/* Everything that blocks is logged; returns how many. */
static int preflight(struct dr *dr)
{
	struct cmd_ctx *ctx = dr->ctx;
	int bad = 0;

	printf("drill on site %s: %zu VMs, consistent point per disk: a snapshot on %s\n",
	       ctx->conf.site, dr->nvms, ctx->conf.peer_name);
	for (size_t i = 0; i < dr->nvms; i++) {
		struct dr_vm *v = &dr->vms[i];
		const struct manifest *m = v->m;

		printf("%s: %zu disks, manifest of %lld\n", v->label, m->n_disks, m->time);
		for (size_t k = 0; k < m->n_disks; k++) {
			const struct manifest_disk *d = &m->disks[k];
			struct timespec dl = deadline_after(ctx->conf.image_timeout);
			rbd_mirror_image_info_t info;
			struct ceph_image *img;
			rados_ioctx_t io;
			int r;

			if (d->kind == DISK_UNPROTECTED) {
				printf("%s: disk %d UNPROTECTED (%s): left out of the drill VM\n",
				       v->label, d->disk_id, d->reason);
				continue;
			}
			r = ceph_pool(dr->t.ceph, d->pool, &io);
			if (r == 0)
				r = ceph_image_open(io, d->rbd, true, &dl, &img);
			if (r == 0) {
				r = ceph_mirror_get_info(img, &dl, &info);
				if (r == 0) {
					if (info.state != RBD_MIRROR_IMAGE_ENABLED)
						r = -ENOTSUP;
					else if (info.primary)
						r = -EISCONN;
					rbd_mirror_image_get_info_cleanup(&info);
				}
				ceph_image_close(img, &dl);
			}
			if (r < 0) {
				log_error(0, "%s: disk %d '%s/%s' %s", v->label, d->disk_id, d->pool, d->rbd,
					  r == -EISCONN ? "is primary here: a drill runs on the replica site" :
					  r == -ENOTSUP ? "is not mirrored" : strerror(-r));
				bad++;
				continue;
			}
			printf("%s: disk %d %s/%s: replica here\n", v->label, d->disk_id, d->pool, d->rbd);
		}
		/* NICs: DRILL_NETWORK_MAP only, never a production network */
		for (const struct tmpl_attr *a = m->tmpl->head; a; a = a->next) {
			const char *net, *to = NULL, *prod = NULL;

			if (a->value || (strcmp(a->name, "NIC") && strcmp(a->name, "NIC_ALIAS")) ||
			    !(net = tmpl_attr_get(a, "NETWORK")))
				continue;
			if (!conf_map_find(&ctx->conf, MAP_DRILL_NETWORK, net, &to)) {
				log_error(0, "%s: network '%s' has no DRILL_NETWORK_MAP: a drill VM gets an isolated network",
					  v->label, net);
				bad++;
				continue;
			}
			conf_map_find(&ctx->conf, MAP_NETWORK, net, &prod);
			if (!strcmp(to, net) || (prod && !strcmp(to, prod))) {
				log_error(0, "%s: DRILL_NETWORK_MAP maps '%s' to '%s', a production network",
					  v->label, net, to);
				bad++;
				continue;
			}
			if (!one_objs_by_name(&dr->t.site.vnets, to)) {
				log_error(0, "%s: no network '%s' here (DRILL_NETWORK_MAP of '%s')", v->label,
					  to, net);
				bad++;
				continue;
			}
			printf("%s: network %s -> %s (drill)\n", v->label, net, to);
		}
	}
	if (!dr->peer) {
		log_error(0, "the primary site %s cannot be reached (%s): a drill takes its consistent point there",
			  ctx->conf.peer_name ? ctx->conf.peer_name : "(no PEER)",
			  cmd_connect_hint(dr->peer_error));
		bad++;
	}
	return bad;
}

static void run_options(struct cmd_ctx *ctx, int argc, char **argv, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < argc && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);
	if (args_has(&ctx->args, "all"))
		snprintf(buf, len, "--all");
}

/* The newest open drill run (resumed), or a new one with create; locked. */
static int open_run(struct dr *dr, bool create, const char *id, int argc, char **argv)
{
	struct cmd_ctx *ctx = dr->ctx;
	struct journal_run *runs = NULL, run = { 0 };
	const struct journal_run *open = NULL;
	char holder[160] = "";
	size_t n = 0;
	int r;

	if (!id) {
		r = journal_list(dr->t.ceph, ctx->conf.pool, ctx->conf.image_timeout, &runs, &n, NULL);
		if (r < 0)
			return log_error(r, "cannot read the runs of pool '%s'", ctx->conf.pool);
		open = journal_latest_open(runs, n, JOURNAL_DRILL);
		id = open ? open->id : NULL;
	}
	if (id) {
		r = journal_open(dr->t.ceph, ctx->conf.pool, id, ctx->conf.image_timeout, &dr->j);
		if (r == 0 && journal_header(dr->j)->kind != JOURNAL_DRILL)
			r = -EINVAL;
		if (r == 0)
			printf("%s drill %s (started %lld)\n", create ? "resuming" : "run",
			       id, (long long)journal_header(dr->j)->created);
	} else if (create) {
		run.kind = JOURNAL_DRILL;
		snprintf(run.site, sizeof(run.site), "%s", ctx->conf.site);
		run_options(ctx, argc, argv, run.options, sizeof(run.options));
		r = journal_create(dr->t.ceph, ctx->conf.pool, &run, ctx->conf.image_timeout, &dr->j);
		if (r == 0)
			printf("drill %s\n", journal_header(dr->j)->id);
	} else {
		free(runs);
		return -ENOENT;
	}
	free(runs);
	if (r < 0)
		return log_error(r, "cannot open drill run '%s' in pool '%s'", id ? id : "(new)",
				 ctx->conf.pool);
	snprintf(dr->run_id, sizeof(dr->run_id), "%s", journal_header(dr->j)->id);
	drill_snap_name(dr->run_id, dr->snap, sizeof(dr->snap));
	r = journal_lock(dr->j, holder, sizeof(holder));
	if (r < 0)
		return log_error(r, "drill run %s%s%s", dr->run_id, holder[0] ? " is held by " : "",
				 holder);
	fflush(stdout);
	return 0;
}

static int reload(struct dr *dr)
{
	struct site_objs s = { 0 };
	struct one_error err = { 0, "" };
	char *xml = NULL;
	int r;

	r = cmd_site_load(dr->t.one, SITE_IMAGES, &s);
	if (r < 0)
		return r;
	one_objs_free(&dr->images);
	dr->images = s.images;
	dr->cur = dr->t.site;
	dr->cur.images = dr->images;
	one_vms_free(&dr->here);
	r = one_vmpool_info(dr->t.one, true, -2, -1, -1, -1, &xml, &err);
	if (r == 0)
		r = one_vmpool_parse(xml, strlen(xml), &dr->here);
	free(xml);
	if (r < 0)
		log_error(r, "OpenNebula: %s", err.msg[0] ? err.msg : "cannot read the VM pool");
	return r;
}

static const struct reg_disk *reg_of(const struct dr *dr, const struct manifest_disk *d)
{
	return cmd_reg_disk_of(dr->reg, dr->nreg, d);
}

/* One batch of start steps of one kind over every VM; steps not done. */
static size_t start_batch(struct dr *dr, const char *kind, bool per_disk, run_fn action,
			  unsigned conc)
{
	struct run_step *steps;
	struct dr_step *st;
	size_t cap = 0, n = 0, failed = 0;

	for (size_t i = 0; i < dr->nvms; i++)
		cap += dr->vms[i].m->n_disks + 1;
	steps = calloc(cap + 1, sizeof(*steps));
	st = calloc(cap + 1, sizeof(*st));
	if (!steps || !st) {
		free(steps);
		free(st);
		log_error(-ENOMEM, "drill");
		return 1;
	}
	for (size_t i = 0; i < dr->nvms; i++) {
		struct dr_vm *v = &dr->vms[i];

		for (size_t k = 0; per_disk && k < v->m->n_disks; k++) {
			const struct manifest_disk *d = &v->m->disks[k];
			char obj[256], clone[300];

			if (d->kind == DISK_UNPROTECTED)
				continue;
			snprintf(obj, sizeof(obj), "%s/%s", d->pool, d->rbd);
			st[n] = (struct dr_step){ .dr = dr, .vm = v, .disk = k,
						  .rd = reg_of(dr, &v->pd[k]) };
			run_key(&steps[n].key, GROUP_START, v->key, obj, kind);
			drill_clone_name(dr->run_id, d->rbd, clone, sizeof(clone));
			if (!strcmp(kind, DRILL_STEP_SNAPSHOT))
				snprintf(steps[n].intent, sizeof(steps[n].intent),
					 "snapshot %.200s@%.100s on %.64s", obj, dr->snap, dr->ctx->conf.peer_name);
			else if (!strcmp(kind, DRILL_STEP_CLONE))
				snprintf(steps[n].intent, sizeof(steps[n].intent),
					 "clone %.64s/%.120s of %.120s@%.100s, image-meta %s=%s", d->pool, clone, obj,
					 dr->snap, DRILL_META_KEY, dr->run_id);
			else if (!strcmp(kind, DRILL_STEP_REGISTER))
				snprintf(steps[n].intent, sizeof(steps[n].intent),
					 "image SOURCE=%.64s/%.200s %s=%s", d->pool, clone, DRILL_ATTR, dr->run_id);
			steps[n].action = action;
			steps[n].arg = &st[n];
			n++;
		}
		if (!per_disk) {
			st[n] = (struct dr_step){ .dr = dr, .vm = v };
			run_key(&steps[n].key, GROUP_START, v->key, "vm", kind);
			if (!strcmp(kind, DRILL_STEP_RECREATE))
				snprintf(steps[n].intent, sizeof(steps[n].intent),
					 "VM USER_TEMPLATE %s=%s %s=%s", DRILL_ATTR, dr->run_id,
					 DRILL_VM_ATTR, v->key);
			steps[n].action = action;
			steps[n].arg = &st[n];
			n++;
		}
	}
	failed = cmd_run_batch(dr->j, steps, n, conc, progress, dr, kind);
	for (size_t i = 0; i < n; i++) {
		const char *id;

		if ((steps[i].outcome == RUN_DONE || steps[i].outcome == RUN_SKIPPED) &&
		    !strcmp(kind, DRILL_STEP_RECREATE) &&
		    (id = journal_step_result(&steps[i].rec, "vm_id")))
			st[i].vm->new_id = atoi(id);
	}
	free(steps);
	free(st);
	if (cmd_interrupted())
		failed += !failed;
	return failed;
}

static int begin(struct dr *dr, int argc, char **argv, bool all)
{
	return cmd_takeover_begin_peer(dr->ctx, argc, argv, all, SITE_DS | SITE_IMAGES | SITE_VNETS |
				       SITE_USERS | SITE_GROUPS | SITE_HOSTS, &dr->t, &dr->peer,
				       &dr->peer_error);
}

/* The final table: one row per VM. */
static void start_table(struct dr *dr)
{
	printf("%-24s %-24s %-8s %s\n", "VM", "DRILL VM", "DISKS", "STATE");
	for (size_t i = 0; i < dr->nvms; i++) {
		struct dr_vm *v = &dr->vms[i];
		char id[32] = "-";
		const char *state = "-";
		struct one_error err = { 0, "" };
		struct one_vm *vm = NULL;
		char *xml = NULL;
		size_t disks = 0;

		for (size_t k = 0; k < v->m->n_disks; k++)
			disks += v->m->disks[k].kind != DISK_UNPROTECTED;
		if (v->new_id >= 0) {
			snprintf(id, sizeof(id), "%d", v->new_id);
			if (one_vm_info(dr->t.one, v->new_id, &xml, &err) == 0 &&
			    one_vm_parse(xml, strlen(xml), &vm) == 0)
				state = vm->state == VM_ACTIVE && vm->lcm_state == LCM_RUNNING ? "RUNNING" :
					vm->state == VM_DONE ? "DONE" : "not running";
			free(xml);
		}
		printf("%-24s %-24s %-8zu %s\n", v->key, id, disks, state);
		one_vm_free(vm);
	}
}

static int drill_start(struct dr *dr, int argc, char **argv)
{
	struct cmd_ctx *ctx = dr->ctx;
	const char *host_arg = args_get(&ctx->args, "deploy");
	bool all = args_has(&ctx->args, "all");
	size_t failed = 0;
	int code, bad;

	dr->mode = host_arg ? START_DEPLOY : START_RELEASE;
	if (all == (argc > 0)) {
		log_error(0, "name VMs (ID or SITE:ID of the other site), or --all, not both");
		cmd_usage(&cmd_drill_entry, false);
		return EXIT_USAGE;
	}
	code = begin(dr, argc, argv, all);
	if (code != 0)
		return code;
	dr->caller = cmd_caller(dr->t.one, &dr->t.site);
	if (host_arg) {
		const struct one_obj *h = one_objs_by_name(&dr->t.site.hosts, host_arg);
		char *end;
		long v = strtol(host_arg, &end, 10);

		if (!h && !*end && end != host_arg)
			h = one_objs_by_id(&dr->t.site.hosts, (int)v);
		if (!h)
			return log_error(0, "--deploy: no host '%s' on this site", host_arg), EXIT_USAGE;
		dr->host = h->id;
	}
	if (drill_conf(dr) < 0)
		return log_error(-ENOMEM, "drill"), EXIT_UNAVAILABLE;
	dr->vms = calloc(dr->t.nvms + 1, sizeof(*dr->vms));
	if (!dr->vms)
		return log_error(-ENOMEM, "drill"), EXIT_UNAVAILABLE;
	dr->nvms = dr->t.nvms;
	for (size_t i = 0; i < dr->nvms; i++) {
		struct dr_vm *v = &dr->vms[i];

		v->m = dr->t.vms[i]->m;
		v->new_id = -1;
		snprintf(v->key, sizeof(v->key), "%s/%d", v->m->site, v->m->vm_id);
		cmd_vm_label(v->m, v->label, sizeof(v->label));
	}
	bad = preflight(dr);
	if (bad) {
		log_error(0, "preflight: %d thing%s block%s the drill: nothing was changed", bad,
			  bad == 1 ? "" : "s", bad == 1 ? "s" : "");
		return EXIT_USAGE;
	}
	if (open_run(dr, true, NULL, argc, argv) < 0)
		return EXIT_UNAVAILABLE;
	for (size_t i = 0; i < dr->nvms; i++)
		if (patch_manifest(dr, &dr->vms[i]) < 0)
			return log_error(-ENOMEM, "drill"), EXIT_UNAVAILABLE;
	failed = start_batch(dr, DRILL_STEP_SNAPSHOT, true, snapshot_action, ctx->conf.concurrency);
	if (!failed)
		failed = start_batch(dr, DRILL_STEP_REPLICATED, true, replicated_action,
				     ctx->conf.concurrency);
	if (!failed)
		failed = start_batch(dr, DRILL_STEP_CLONE, true, clone_action, ctx->conf.concurrency);
	if (!failed) {
		const struct store_vm **sv = calloc(dr->nvms + 1, sizeof(*sv));

		if (!sv || reload(dr) < 0)
			failed = 1;
		for (size_t i = 0; !failed && i < dr->nvms; i++)
			sv[i] = &dr->vms[i].sv;
		if (!failed && cmd_register_plan(ctx, dr->t.ceph, sv, dr->nvms, &dr->cur,
						 dr->caller ? dr->caller->id : -1, &dr->reg,
						 &dr->nreg) < 0)
			failed = 1;
		free(sv);
	}
	/* register and recreate one at a time: one oned client */
	if (!failed)
		failed = start_batch(dr, DRILL_STEP_REGISTER, true, register_action, 1);
	if (!failed && reload(dr) < 0)
		failed = 1;
	if (!failed)
		failed = start_batch(dr, DRILL_STEP_RECREATE, false, recreate_action, 1);
	if (!failed)
		failed = start_batch(dr, DRILL_STEP_RUNNING, false, running_action, 1);
	start_table(dr);
	/* the run stays open while the drill is up: stop finishes it */
	printf("drill %s: %s: %zu steps done, %zu not done; stop it with: onedr drill stop %s\n",
	       dr->run_id, failed ? "NOT up" : "up", dr->done, dr->failed, dr->run_id);
	return failed || cmd_interrupted() ? EXIT_PARTIAL : EXIT_OK;
}

/* ---- stop ---- */

static int stop_action(struct run_step *s, bool again, void *arg)
{
	struct dr_step *st = arg;
	struct dr *dr = st->dr;
	const struct journal_step *c = &st->created;
	struct drill_del dd = { dr->j, dr->t.ceph, dr->peer, dr->t.one, dr->ctx->conf.image_timeout };
	const char *res = NULL;
	bool gone = false;
	int id = -1, r;

	(void)again;	/* every delete finds what is left */
	if (!strcmp(c->key.step, DRILL_STEP_RECREATE) || !strcmp(c->key.step, DRILL_STEP_REGISTER)) {
		bool vm = !strcmp(c->key.step, DRILL_STEP_RECREATE);

		res = journal_step_result(c, vm ? "vm_id" : "image_id");
		if (res) {
			id = atoi(res);
		} else if (vm) {
			/* killed between the VM's allocate and its "done" */
			const struct one_vm *v = drill_vm_here(&dr->here, dr->run_id, c->key.vm);

			id = v ? v->id : -1;
		} else {
			/* killed between the image's allocate and its "done":
			 * found by its SOURCE, the clone */
			const char *rbd = strchr(c->key.object, '/');
			char clone[300], src[600];

			if (rbd) {
				drill_clone_name(dr->run_id, rbd + 1, clone, sizeof(clone));
				snprintf(src, sizeof(src), "%.*s/%s", (int)(rbd - c->key.object),
					 c->key.object, clone);
				for (size_t i = 0; i < dr->images.n; i++)
					if (dr->images.v[i]->source &&
					    !strcmp(dr->images.v[i]->source, src))
						id = dr->images.v[i]->id;
			}
		}
		if (id < 0) {
			snprintf(s->rec.detail, sizeof(s->rec.detail), "none was created");
			return 0;
		}
	}
	r = drill_delete(&dd, &c->key, id, &gone, s->rec.detail, sizeof(s->rec.detail));
	return r;
}

struct collect {
	struct journal_step *v;
	size_t n;
};

static int collect_fn(const struct journal_step *step, void *arg)
{
	struct collect *c = arg;
	struct journal_step *nv;

	if (strcmp(step->key.group, GROUP_START))
		return 0;
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	c->v[c->n++] = *step;
	return 0;
}

static int drill_stop(struct dr *dr, int argc, char **argv)
{
	static const char *const order[][2] = {
		{ DRILL_STEP_RECREATE, "terminate" }, { DRILL_STEP_REGISTER, "unregister" },
		{ DRILL_STEP_CLONE, "unclone" }, { DRILL_STEP_SNAPSHOT, "unsnapshot" },
	};
	struct cmd_ctx *ctx = dr->ctx;
	struct collect col = { NULL, 0 };
	struct journal_run run;
	size_t failed = 0;
	int r;

	if (argc > 1) {
		log_error(0, "give at most one drill run ID");
		return EXIT_USAGE;
	}
	if (cmd_load_site_conf(ctx) < 0)
		return EXIT_USAGE;
	if (cmd_connect(ctx, true, &dr->t.ceph, &dr->peer, &dr->peer_error) < 0)
		return EXIT_UNAVAILABLE;
	if (cmd_one_connect(ctx, &dr->t.one) < 0)
		return EXIT_UNAVAILABLE;
	r = open_run(dr, false, argc ? argv[0] : NULL, 0, NULL);
	if (r == -ENOENT) {
		printf("no drill is up in pool '%s'\n", ctx->conf.pool);
		return EXIT_OK;
	}
	if (r < 0)
		return EXIT_UNAVAILABLE;
	r = journal_read_each(dr->t.ceph, ctx->conf.pool, dr->run_id, ctx->conf.image_timeout, &run,
			      collect_fn, &col, NULL);
	if (r < 0 || reload(dr) < 0) {
		free(col.v);
		return log_error(r, "cannot read drill run %s", dr->run_id), EXIT_UNAVAILABLE;
	}
	for (size_t k = 0; k < 4 && !failed && !cmd_interrupted(); k++) {
		struct run_step *steps = calloc(col.n + 1, sizeof(*steps));
		struct dr_step *st = calloc(col.n + 1, sizeof(*st));
		size_t n = 0;

		if (!steps || !st) {
			free(steps);
			free(st);
			failed = 1;
			break;
		}
		for (size_t i = 0; i < col.n; i++) {
			if (strcmp(col.v[i].key.step, order[k][0]))
				continue;
			st[n] = (struct dr_step){ .dr = dr, .created = col.v[i] };
			run_key(&steps[n].key, GROUP_STOP, col.v[i].key.vm, col.v[i].key.object,
				order[k][1]);
			snprintf(steps[n].intent, sizeof(steps[n].intent), "delete what %s %s created",
				 col.v[i].key.step, col.v[i].key.object);
			steps[n].action = stop_action;
			steps[n].arg = &st[n];
			n++;
		}
		failed += cmd_run_batch(dr->j, steps, n, k >= 2 ? ctx->conf.concurrency : 1, progress,
					dr, order[k][1]);
		free(steps);
		free(st);
	}
	free(col.v);
	if (!failed && !cmd_interrupted())
		journal_finish(dr->j, JOURNAL_RUN_FINISHED, EXIT_OK);
	printf("drill %s: %s: %zu steps done, %zu not done%s\n", dr->run_id,
	       failed ? "NOT stopped" : "stopped, nothing left", dr->done, dr->failed,
	       failed ? " (run it again)" : "");
	return failed || cmd_interrupted() ? EXIT_PARTIAL : EXIT_OK;
}

/* ---- status ---- */

struct status_row {
	char kind[16], vm[64], object[300], state[64];
};

static void replication(struct ceph *c, const char *spec, char *buf, size_t len)
{
	struct timespec dl;
	rbd_mirror_image_global_status_t gs;
	struct ceph_image *img;
	rados_ioctx_t io;
	char pool[256];
	const char *rbd = strchr(spec, '/');
	int r;

	snprintf(buf, len, "unreachable");
	if (!c || !rbd)
		return;
	snprintf(pool, sizeof(pool), "%.*s", (int)(rbd - spec), spec);
	dl = deadline_after(10);
	r = ceph_pool(c, pool, &io);
	if (r == 0)
		r = ceph_image_open(io, rbd + 1, true, &dl, &img);
	if (r < 0) {
		snprintf(buf, len, "%s", strerror(-r));
		return;
	}
	r = ceph_mirror_get_global_status(img, &dl, &gs);
	if (r == 0) {
		snprintf(buf, len, "?");
		for (uint32_t i = 0; i < gs.site_statuses_count; i++)
			if (!strcmp(gs.site_statuses[i].mirror_uuid, RBD_MIRROR_IMAGE_STATUS_LOCAL_MIRROR_UUID)) {
				static const char *const st[] = { "unknown", "error", "syncing",
								  "starting_replay", "replaying",
								  "stopping_replay", "stopped" };
				unsigned s = gs.site_statuses[i].state;

				snprintf(buf, len, "%s+%s", gs.site_statuses[i].up ? "up" : "down",
					 s < 7 ? st[s] : "?");
			}
		rbd_mirror_image_global_status_cleanup(&gs);
	} else {
		snprintf(buf, len, "%s", strerror(-r));
	}
	ceph_image_close(img, &dl);
}

static int drill_status(struct dr *dr, int argc, char **argv)
{
	struct cmd_ctx *ctx = dr->ctx;
	struct collect col = { NULL, 0 };
	struct journal_run run;
	enum output_format fmt;
	bool json;
	int r, unhealthy = 0;

	if (argc > 1)
		return log_error(0, "give at most one drill run ID"), EXIT_USAGE;
	if (cmd_output_format(ctx, &fmt) < 0)
		return EXIT_USAGE;
	json = fmt == OUTPUT_JSON;
	if (cmd_load_site_conf(ctx) < 0)
		return EXIT_USAGE;
	if (cmd_connect(ctx, true, &dr->t.ceph, &dr->peer, &dr->peer_error) < 0)
		return EXIT_UNAVAILABLE;
	if (cmd_one_connect(ctx, &dr->t.one) < 0)
		return EXIT_UNAVAILABLE;
	if (argc) {
		snprintf(dr->run_id, sizeof(dr->run_id), "%s", argv[0]);
	} else {
		struct journal_run *runs = NULL;
		const struct journal_run *open;
		size_t n = 0;

		r = journal_list(dr->t.ceph, ctx->conf.pool, ctx->conf.image_timeout, &runs, &n, NULL);
		if (r < 0)
			return log_error(r, "cannot read the runs of pool '%s'", ctx->conf.pool),
			       EXIT_UNAVAILABLE;
		open = journal_latest_open(runs, n, JOURNAL_DRILL);
		if (open)
			snprintf(dr->run_id, sizeof(dr->run_id), "%s", open->id);
		free(runs);
		if (!open) {
			printf(json ? "{\"drill\": null}\n" : "no drill is up in pool '%s'\n",
			       ctx->conf.pool);
			return EXIT_OK;
		}
	}
	r = journal_read_each(dr->t.ceph, ctx->conf.pool, dr->run_id, ctx->conf.image_timeout, &run,
			      collect_fn, &col, NULL);
	if (r < 0)
		return log_error(r, "cannot read drill run '%s'", dr->run_id), EXIT_UNAVAILABLE;
	if (run.kind != JOURNAL_DRILL) {
		free(col.v);
		return log_error(0, "run '%s' is not a drill", dr->run_id), EXIT_USAGE;
	}
	if (reload(dr) < 0) {
		free(col.v);
		return EXIT_UNAVAILABLE;
	}
	if (json)
		printf("{\"drill\": \"%s\", \"state\": \"%s\", \"site\": \"%s\", \"objects\": [",
		       run.id, journal_run_state_name(run.state), run.site);
	else
		printf("drill %s (%s) on %s\n%-10s %-16s %-40s %s\n", run.id,
		       journal_run_state_name(run.state), run.site, "KIND", "VM", "OBJECT", "STATE");
	for (size_t i = 0, out = 0; i < col.n; i++) {
		const struct journal_step *s = &col.v[i];
		char state[320] = "", object[400] = "", rep_here[64], rep_peer[64];
		const char *kind = s->key.step, *res;

		if (!strcmp(kind, DRILL_STEP_RECREATE) && (res = journal_step_result(s, "vm_id"))) {
			const struct one_vm *v = NULL;

			snprintf(object, sizeof(object), "VM %s", res);
			for (size_t k = 0; k < dr->here.n; k++)
				if (dr->here.v[k]->id == atoi(res))
					v = dr->here.v[k];
			snprintf(state, sizeof(state), "%s", !v ? "gone" : v->state == VM_DONE ? "DONE" :
				 v->state == VM_ACTIVE && v->lcm_state == LCM_RUNNING ? "RUNNING" :
				 "not running");
		} else if (!strcmp(kind, DRILL_STEP_REGISTER) &&
			   (res = journal_step_result(s, "image_id"))) {
			snprintf(object, sizeof(object), "image %s", res);
			snprintf(state, sizeof(state), "%s",
				 one_objs_by_id(&dr->images, atoi(res)) ? "registered" : "gone");
		} else if (!strcmp(kind, DRILL_STEP_CLONE) && (res = journal_step_result(s, "clone"))) {
			char pool[256];
			const char *rbd = strchr(res, '/');
			struct timespec dl = deadline_after(10);
			struct ceph_image *img;
			rados_ioctx_t io;

			snprintf(object, sizeof(object), "%s", res);
			snprintf(pool, sizeof(pool), "%.*s", rbd ? (int)(rbd - res) : 0, res);
			r = rbd && ceph_pool(dr->t.ceph, pool, &io) == 0 ?
				ceph_image_open(io, rbd + 1, true, &dl, &img) : -ENOENT;
			if (r == 0)
				ceph_image_close(img, &dl);
			snprintf(state, sizeof(state), "%s", r == 0 ? "present" : r == -ENOENT ? "gone" :
				 strerror(-r));
		} else if (!strcmp(kind, DRILL_STEP_SNAPSHOT)) {
			/* the source disk: its snapshot and its replication */
			replication(dr->t.ceph, s->key.object, rep_here, sizeof(rep_here));
			replication(dr->peer, s->key.object, rep_peer, sizeof(rep_peer));
			snprintf(object, sizeof(object), "%s@%s", s->key.object, "onedr-drill-RUN");
			snprintf(state, sizeof(state), "%s: %s, %s: %s", ctx->conf.site, rep_here,
				 ctx->conf.peer_name ? ctx->conf.peer_name : "peer", rep_peer);
			if (strcmp(rep_here, "up+replaying"))
				unhealthy++;
			kind = "source";
			snprintf(object, sizeof(object), "%s", s->key.object);
		} else {
			continue;
		}
		if (json)
			printf("%s{\"kind\": \"%s\", \"vm\": \"%s\", \"object\": \"%s\", \"state\": \"%s\", \"step\": \"%s\"}",
			       out++ ? ", " : "", kind, s->key.vm, object, state,
			       journal_step_state_name(s->state));
		else
			printf("%-10s %-16s %-40s %s\n", kind, s->key.vm, object, state);
	}
	if (json)
		printf("]}\n");
	free(col.v);
	return unhealthy ? EXIT_DEGRADED : EXIT_OK;
}

static int cmd_drill(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct dr dr = { 0 };
	int code;

	dr.ctx = ctx;
	dr.host = -1;
	dr.wait = args_number(&ctx->args, "wait", WAIT_DEFAULT);
	if (argc < 1) {
		log_error(0, "name an action: start, status or stop");
		cmd_usage(&cmd_drill_entry, false);
		return EXIT_USAGE;
	}
	cmd_catch_signals();
	if (!strcmp(argv[0], "start"))
		code = drill_start(&dr, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "stop"))
		code = drill_stop(&dr, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "status"))
		code = drill_status(&dr, argc - 1, argv + 1);
	else {
		log_error(0, "unknown drill action '%s': start, status or stop", argv[0]);
		code = EXIT_USAGE;
	}
	journal_close(dr.j);
	for (size_t i = 0; i < dr.nvms; i++)
		unpatch(&dr.vms[i]);
	free(dr.vms);
	free(dr.reg);
	drill_conf_free(&dr);
	one_objs_free(&dr.images);
	one_vms_free(&dr.here);
	ceph_close(dr.peer);
	cmd_takeover_end(&dr.t);
	return code;
}

const struct cmd_entry cmd_drill_entry = {
	.name = "drill",
	.usage = "start [--deploy HOST] [--wait S] (VM... | --all) | status [-j] [RUN] | stop [RUN]",
	.summary = "rehearse a failover on clones, on isolated networks, replication untouched",
	.help =
	"Run it on the replica site, with the primary (PEER) reachable.\n"
	"start: for each disk of the VMs, a snapshot 'onedr-drill-RUN' on the\n"
	"primary (the consistent point, per disk), waited for here, cloned here\n"
	"(clone v2, never mirrored), the clone registered as an image; each VM\n"
	"recreated from its manifest as NAME-drill on the networks of\n"
	"DRILL_NETWORK_MAP (never a production network), deployed on HOST\n"
	"(--deploy) or released, and waited RUNNING. Replication goes on. Every\n"
	"object is recorded in a run of kind drill before it is created; start\n"
	"again resumes the drill that is up.\n"
	"status: the drill's objects and their state, and each source disk's\n"
	"replication on both sites (exit 4 when one is not up+replaying).\n"
	"stop: terminates the drill's VMs, deletes its images, removes its clones\n"
	"and snapshots: only what its run recorded and marked as its own (the\n"
	"only deletions onedr does). Run again after a crash, it finishes.\n"
	"'onedr report RUN' shows the run.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the manifests and the journal"),
		{ "all", 0, ARG_FLAG, NULL, 0, "start: every VM from another site" },
		{ "deploy", 0, ARG_STRING, "HOST", 0,
		  "start: deploy the drill VMs on HOST (name or ID);\n"
		  "without it they are released to the scheduler" },
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "start: how long a snapshot may take to arrive and a\n"
		  "VM to be RUNNING (default 600)" },
		CMD_OPT_JSON,
		CMD_OPT_END
	},
	.exec = cmd_drill,
};

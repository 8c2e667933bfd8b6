/*
 * cmd-failback.c: onedr failback [--stale SITE] [--dry-run] [--wait S] [IMAGE...]
 *
 * After a forced failover, the old site returns holding copies that
 * diverged: both sites primary (split-brain), and nothing in Ceph warns.
 * failback, from either site (PEER and PEER_ONE reach the other), makes
 * the STALE site (the one whose copies are older: the site failed over
 * from) a replica of the newer data again:
 *
 *   1. find the split-brain: every mirrored image of the pool (or each
 *      IMAGE) primary on both sites, with which copy is newer (peer.h, the
 *      rule demote and resync use); the stale site is the one holding the
 *      older copies, or --stale SITE, which must agree: an image whose
 *      newer copy is on the stale site refuses the whole failback, before
 *      anything changes (the way back is never the other way round);
 *   2. stop the stale site's VMs on those disks first (poweroff-hard: its
 *      oned may show them RUNNING or UNKNOWN), so that nothing writes the
 *      stale copies;
 *   3. demote the stale copies (demote's guards);
 *   4. resync them, each one's volume shown first (--dry-run shows it and
 *      the rest, and changes nothing), with resync's guards;
 *   5. wait until each stale copy replays and has caught up.
 *
 * Journaled (kind failback) on the NEWER site's cluster; a rerun, from
 * either site, resumes the open run there and takes its images again. The
 * way back is then a switchover.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "journal.h"
#include "log.h"
#include "mirror-list.h"
#include "one-calls.h"
#include "peer.h"
#include "run.h"
#include "vm-export.h"

#define WAIT_DEFAULT 600
#define GROUP "failback"

struct fb_img {
	char pool[64];
	char name[128];
	struct peer_compare cmp;	/* read from the stale site */
	bool journal;
};

struct fb_vm {
	int id;
	char key[64];
	char label[160];
};

struct fb {
	struct cmd_ctx *ctx;
	struct cmd_ctx view;
	struct cmd_ctx *stale, *newer;
	struct ceph *local_c, *peer_c;
	struct ceph *stale_c, *newer_c;
	struct one_client *stale_one;
	struct site_objs stale_site;
	struct journal *j;
	unsigned wait;
	bool resuming;		/* an open run is resumed */
	struct fb_img *imgs;
	size_t nimgs;
	struct fb_vm *vms;
	size_t nvms;
};

struct fb_step {
	struct fb *fb;
	struct fb_img *img;
	struct fb_vm *vm;
};

static void set_sites(struct fb *fb, bool local_stale)
{
	fb->stale = local_stale ? fb->ctx : &fb->view;
	fb->newer = local_stale ? &fb->view : fb->ctx;
	fb->stale_c = local_stale ? fb->local_c : fb->peer_c;
	fb->newer_c = local_stale ? fb->peer_c : fb->local_c;
}

/* Both copies' histories, read from the stale site (peer.h). */
static int compare(struct fb *fb, const char *pool, const char *name, struct peer_compare *cmp,
		   bool *ret_journal)
{
	double timeout = fb->ctx->conf.image_timeout;
	struct peer_site site = { 0 };
	struct ceph_image *image = NULL;
	rbd_mirror_image_mode_t mode = RBD_MIRROR_IMAGE_MODE_JOURNAL;
	struct timespec dl;
	int r;

	memset(cmp, 0, sizeof(*cmp));
	r = ceph_pool(fb->stale_c, pool, &site.local_io);
	if (r == 0)
		r = ceph_pool(fb->newer_c, pool, &site.io);
	if (r == 0)
		r = mirror_uuid(site.local_io, timeout, site.local_uuid, sizeof(site.local_uuid));
	if (r == 0)
		r = mirror_uuid(site.io, timeout, site.peer_uuid, sizeof(site.peer_uuid));
	dl = deadline_after(timeout);
	if (r == 0)
		r = ceph_image_open(site.local_io, name, true, &dl, &image);
	if (r == 0)
		r = ceph_mirror_get_mode(image, &dl, &mode);
	if (r == 0)
		r = peer_compare_copies(&site, image, name, NULL, mode, &dl, cmp);
	if (image) {
		dl = deadline_after(timeout);
		ceph_image_close(image, &dl);
	}
	if (ret_journal)
		*ret_journal = mode == RBD_MIRROR_IMAGE_MODE_JOURNAL;
	return r;
}

static const char *role_name(enum peer_role r)
{
	switch (r) {
	case COPY_NONE: return "none";
	case COPY_PRIMARY: return "primary";
	case COPY_DEMOTED: return "demoted";
	case COPY_REPLICA: return "replica";
	default: return "unknown";
	}
}

/* "up to X (size Y)": what the resync of img will copy. */
static void volume(struct fb *fb, const struct fb_img *img, char *buf, size_t len)
{
	uint64_t size = 0, used = 0;
	bool measured = false;
	char s[32], u[32];
	int r = mirror_resync_estimate(fb->stale_c, img->pool, img->name,
				       fb->ctx->conf.image_timeout, &size, &used, &measured);

	if (r < 0) {
		snprintf(buf, len, "volume unknown: %s", strerror(-r));
		return;
	}
	output_size(size, s, sizeof(s));
	output_size(used, u, sizeof(u));
	snprintf(buf, len, "copies up to %s (size %s)%s", u, s,
		 measured ? "" : ", the allocation not measured: no fast-diff");
}

/* ---- the steps ---- */

static int stop_action(struct run_step *s, bool again, void *arg)
{
	struct fb_step *st = arg;

	(void)again;	/* a VM already POWEROFF is a success */
	return cmd_twosite_poweroff(st->fb->stale_one, st->vm->id, true, st->fb->wait, s->rec.detail,
				    sizeof(s->rec.detail));
}

static int mirror_one(struct fb *fb, enum mirror_op op, const struct fb_img *img, char *detail,
		      size_t len)
{
	return cmd_twosite_mirror_one(fb->ctx, fb->stale_c, fb->newer_c, fb->stale->conf.peer_name,
				      op, img->pool, img->name, detail, len);
}

static int demote_action(struct run_step *s, bool again, void *arg)
{
	struct fb_step *st = arg;

	(void)again;	/* demoting a non-primary copy is a no-op */
	return mirror_one(st->fb, MIRROR_OP_DEMOTE, st->img, s->rec.detail, sizeof(s->rec.detail));
}

static int resync_action(struct run_step *s, bool again, void *arg)
{
	struct fb_step *st = arg;
	struct fb *fb = st->fb;
	struct peer_compare cmp;
	char vol[160], what[512] = "";
	int r;

	/* a copy that replays the newer one already: resynced before (a
	 * second resync would copy it all again) */
	r = compare(fb, st->img->pool, st->img->name, &cmp, NULL);
	if (r == -ENOENT && again) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "being recreated by rbd-mirror (resync "
			 "requested before)");
		return 0;
	}
	if (r == 0 && cmp.local == COPY_REPLICA) {
		snprintf(s->rec.detail, sizeof(s->rec.detail), "a replica of %s's copy already",
			 fb->newer->conf.site);
		return 0;
	}
	volume(fb, st->img, vol, sizeof(vol));
	printf("%s %s resync %s/%s: %s from %s\n", GROUP, s->key.vm, st->img->pool, st->img->name,
	       vol, fb->newer->conf.site);
	fflush(stdout);
	r = mirror_one(fb, MIRROR_OP_RESYNC, st->img, what, sizeof(what));
	snprintf(s->rec.detail, sizeof(s->rec.detail), "%.300s; %.400s", vol, what);
	return r;
}

static bool caught_up(const struct mirror_status *st)
{
	const char *d = st->description, *l, *rt;

	if (st->error || st->primary || strcmp(st->state, "up+replaying"))
		return false;
	if (st->journal)
		return st->lag_entries == 0;
	/* snapshot mode: the last remote snapshot copied, nothing in flight */
	l = strstr(d, "\"local_snapshot_timestamp\":");
	rt = strstr(d, "\"remote_snapshot_timestamp\":");
	return strstr(d, "\"replay_state\":\"idle\"") && l && rt &&
	       strtoll(l + strlen("\"local_snapshot_timestamp\":"), NULL, 10) ==
	       strtoll(rt + strlen("\"remote_snapshot_timestamp\":"), NULL, 10);
}

static int caught_up_action(struct run_step *s, bool again, void *arg)
{
	struct fb_step *st = arg;
	struct fb *fb = st->fb;
	time_t end = time(NULL) + fb->wait;

	(void)again;
	for (;;) {
		struct mirror_ctx mc = { 0 };
		struct mirror_item item = { 0 };
		struct mirror_status *ms = calloc(1, sizeof(*ms));
		bool ok;
		int r;

		if (!ms)
			return -ENOMEM;
		mc.local = fb->stale_c;
		mc.image_timeout = fb->ctx->conf.image_timeout;
		mc.concurrency = 1;
		item.pool = st->img->pool;
		item.image = st->img->name;
		r = mirror_status(&mc, &item, 1, ms);
		ok = r == 0 && caught_up(ms);
		snprintf(s->rec.detail, sizeof(s->rec.detail), "%s on %s%s%.300s",
			 r < 0 ? strerror(-r) : ms->error ? strerror(-ms->error) : ms->state,
			 fb->stale->conf.site, ms->description[0] ? ", " : "", ms->description);
		mirror_status_free(ms, 1);	/* frees ms too */
		if (ok)
			return 0;
		if (cmd_interrupted())
			return -EINTR;
		if (time(NULL) >= end) {
			snprintf(s->rec.detail + strlen(s->rec.detail),
				 sizeof(s->rec.detail) - strlen(s->rec.detail),
				 ": not caught up after %us", fb->wait);
			return -ETIMEDOUT;
		}
		sleep(1);
	}
}

/* ---- one batch ---- */

static size_t batch(struct fb *fb, bool vms, const char *step, run_fn action, unsigned conc)
{
	size_t n = vms ? fb->nvms : fb->nimgs, failed = 0;
	struct run_step *steps = calloc(n + 1, sizeof(*steps));
	struct fb_step *st = calloc(n + 1, sizeof(*st));

	if (!steps || !st) {
		free(steps);
		free(st);
		log_error(-ENOMEM, "failback");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		char obj[256];

		if (vms) {
			st[i] = (struct fb_step){ fb, NULL, &fb->vms[i] };
			run_key(&steps[i].key, GROUP, fb->vms[i].key, "vm", step);
		} else {
			st[i] = (struct fb_step){ fb, &fb->imgs[i], NULL };
			snprintf(obj, sizeof(obj), "%s/%s", fb->imgs[i].pool, fb->imgs[i].name);
			run_key(&steps[i].key, GROUP, fb->stale->conf.site, obj, step);
		}
		steps[i].action = action;
		steps[i].arg = &st[i];
	}
	failed = cmd_run_batch(fb->j, steps, n, conc, cmd_twosite_progress, fb, step);
	free(steps);
	free(st);
	return failed + cmd_interrupted();
}

/* ---- finding the split-brain ---- */

static int add_img(struct fb *fb, const char *pool, const char *name, const struct peer_compare *cmp,
		   bool journal)
{
	struct fb_img *v;

	for (size_t i = 0; i < fb->nimgs; i++)
		if (!strcmp(fb->imgs[i].pool, pool) && !strcmp(fb->imgs[i].name, name))
			return 0;
	v = realloc(fb->imgs, (fb->nimgs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	fb->imgs = v;
	v = &fb->imgs[fb->nimgs++];
	memset(v, 0, sizeof(*v));
	snprintf(v->pool, sizeof(v->pool), "%s", pool);
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->cmp = *cmp;
	v->journal = journal;
	return 0;
}

/* The images of the open run (a rerun: some are demoted already). */
struct run_objs {
	struct fb *fb;
	char (*names)[256];
	size_t n;
};

static int collect_obj(const struct journal_step *step, void *arg)
{
	struct run_objs *o = arg;
	char (*v)[256];

	if (strcmp(step->key.step, "demote"))
		return 0;
	v = realloc(o->names, (o->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->names = v;
	snprintf(o->names[o->n++], 256, "%s", step->key.object);
	return 0;
}

/* Classify each candidate image as seen from the stale site; an image
 * whose newer copy is there (or cannot be told) blocks. names[0..n):
 * taken when primary on both sites; the first nnamed (the user's, or the
 * open run's) also when demoted already (or a replica: its steps done).
 * Returns how many block. */
static int classify(struct fb *fb, const char *pool, char **names, size_t n, size_t nnamed,
		    bool quiet, size_t *ret_newer_here)
{
	int bad = 0;

	*ret_newer_here = 0;
	for (size_t i = 0; i < n; i++) {
		bool named = i < nnamed;
		char p[64], img[128];
		const char *slash = strchr(names[i], '/');
		struct peer_compare cmp;
		bool journal = true;
		int r;

		snprintf(p, sizeof(p), "%.*s", slash ? (int)(slash - names[i]) : (int)strlen(pool),
			 slash ? names[i] : pool);
		snprintf(img, sizeof(img), "%s", slash ? slash + 1 : names[i]);
		r = compare(fb, p, img, &cmp, &journal);
		if (r < 0) {
			if (named) {
				log_error(r, "'%s/%s': cannot compare the copies of %s and %s", p, img,
					  fb->stale->conf.site, fb->newer->conf.site);
				bad++;
			}
			continue;
		}
		if (quiet) {
			if (cmp.local == COPY_PRIMARY && cmp.peer == COPY_PRIMARY)
				*ret_newer_here += cmp.newer == NEWER_LOCAL;
			continue;
		}
		if (cmp.local == COPY_PRIMARY && cmp.peer == COPY_PRIMARY) {
			printf("%s/%s: SPLIT-BRAIN: primary on %s and on %s; %s\n", p, img,
			       fb->stale->conf.site, fb->newer->conf.site, cmp.why);
			if (cmp.newer == NEWER_LOCAL) {
				(*ret_newer_here)++;
				log_error(0, "'%s/%s': the copy on %s is the NEWER one (%s): failback never "
					  "demotes nor resyncs it; the stale site is %s", p, img,
					  fb->stale->conf.site, cmp.why, fb->newer->conf.site);
				bad++;
				continue;
			}
			if (cmp.newer != NEWER_PEER) {
				log_error(0, "'%s/%s': which of the copies on %s and %s is newer cannot be "
					  "told (%s): compare them with 'onedr status' on both sites",
					  p, img, fb->stale->conf.site, fb->newer->conf.site, cmp.why);
				bad++;
				continue;
			}
		} else if (!named || cmp.local == COPY_REPLICA || cmp.peer != COPY_PRIMARY ||
			   cmp.newer != NEWER_PEER) {
			if (named)
				printf("%s/%s: %s on %s, %s on %s%s\n", p, img,
				       role_name(cmp.local), fb->stale->conf.site, role_name(cmp.peer),
				       fb->newer->conf.site, cmp.local == COPY_REPLICA ? "" :
				       cmp.local == COPY_DEMOTED && cmp.peer == COPY_PRIMARY &&
				       cmp.newer == NEWER_PEER ? ": to resync" : ": nothing to fail back");
			if (named && cmp.local == COPY_REPLICA && fb->resuming) {
				/* the open run resynced it: kept, its steps are done */
			} else {
				continue;
			}
		}
		if (add_img(fb, p, img, &cmp, journal) < 0)
			return log_error(-ENOMEM, "failback"), bad + 1;
	}
	return bad;
}

/* The stale site's VMs on those disks that may run: ACTIVE (RUNNING,
 * UNKNOWN...) or POWEROFF (stopped by an earlier attempt). */
static int find_vms(struct fb *fb)
{
	struct one_error err = { 0, "" };
	struct one_vms pool = { 0, NULL };
	char *xml = NULL;
	int r;

	r = one_vmpool_info(fb->stale_one, true, -2, -1, -1, -1, &xml, &err);
	if (r == 0)
		r = one_vmpool_parse(xml, strlen(xml), &pool);
	free(xml);
	if (r < 0)
		return log_error(r, "OpenNebula on %s: %s", fb->stale->conf.site,
				 err.msg[0] ? err.msg : "cannot read the VM pool");
	fb->vms = calloc(pool.n + 1, sizeof(*fb->vms));
	if (!fb->vms) {
		one_vms_free(&pool);
		return log_error(-ENOMEM, "failback");
	}
	for (size_t i = 0; i < pool.n; i++) {
		struct one_vm *vm = pool.v[i];
		struct manifest_error merr = { "" };
		struct manifest *m = NULL;
		bool uses = false;

		if (vm->state != VM_ACTIVE && vm->state != VM_POWEROFF)
			continue;
		if (vm_export_build(vm, &fb->stale_site.images, &fb->stale_site.ds,
				    fb->stale->conf.site, 0, &m, &merr) < 0)
			continue;
		for (size_t k = 0; k < m->n_disks && !uses; k++)
			for (size_t g = 0; g < fb->nimgs && !uses; g++)
				uses = m->disks[k].kind != DISK_UNPROTECTED && m->disks[k].pool &&
				       m->disks[k].rbd && !strcmp(m->disks[k].pool, fb->imgs[g].pool) &&
				       !strcmp(m->disks[k].rbd, fb->imgs[g].name);
		manifest_free(m);
		if (!uses)
			continue;
		struct fb_vm *v = &fb->vms[fb->nvms++];

		v->id = vm->id;
		snprintf(v->key, sizeof(v->key), "%s/%d", fb->stale->conf.site, vm->id);
		snprintf(v->label, sizeof(v->label), "VM %s/%d (%s)", fb->stale->conf.site, vm->id,
			 vm->name ? vm->name : "");
		printf("%s: %s on %s: %s\n", v->label, vm->state == VM_POWEROFF ? "POWEROFF" :
		       vm->lcm_state == LCM_UNKNOWN ? "UNKNOWN" : vm->lcm_state == LCM_RUNNING ?
		       "RUNNING" : "ACTIVE", fb->stale->conf.site,
		       vm->state == VM_POWEROFF ? "stays off" : "to stop (poweroff-hard)");
	}
	one_vms_free(&pool);
	return 0;
}

/* The newest open failback run on either cluster: its site holds the newer copies. */
static int find_open(struct fb *fb, bool *ret_found, bool *ret_local_newer, char *id, size_t len,
		     char *options, size_t olen)
{
	struct ceph *cs[2] = { fb->local_c, fb->peer_c };

	*ret_found = false;
	for (int i = 0; i < 2; i++) {
		struct journal_run *runs = NULL;
		const struct journal_run *o;
		size_t n = 0;
		int r = journal_list(cs[i], fb->ctx->conf.pool, fb->ctx->conf.image_timeout, &runs, &n,
				     NULL);

		if (r < 0)
			return log_error(r, "cannot read the runs of pool '%s' on %s", fb->ctx->conf.pool,
					 i ? fb->ctx->conf.peer_name : fb->ctx->conf.site);
		o = journal_latest_open(runs, n, JOURNAL_FAILBACK);
		if (o && !*ret_found) {
			*ret_found = true;
			*ret_local_newer = i == 0;
			snprintf(id, len, "%s", o->id);
			snprintf(options, olen, "%s", o->options);
		}
		free(runs);
	}
	return 0;
}

static int cmd_failback(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct fb fb = { 0 };
	const char *stale_arg = args_get(&ctx->args, "stale");
	bool dry_run = args_has(&ctx->args, "dry-run"), local_named, found;
	struct run_objs ro = { &fb, NULL, 0 };
	struct journal_run run_hdr;
	struct mirror_item *listed = NULL;
	size_t nlisted = 0, newer_here = 0, failed = 0, n, named;
	char **names = NULL, open_id[JOURNAL_ID_MAX] = "", options[512], run_opts[512] = "";
	char *run_argv[64];
	int run_argc = 0;
	int code = EXIT_USAGE, peer_error = 0, bad = 0, r;

	cmd_catch_signals();
	fb.ctx = ctx;
	fb.wait = args_number(&ctx->args, "wait", WAIT_DEFAULT);
	if (cmd_load_site_conf(ctx) < 0 ||
	    cmd_twosite_views(ctx, stale_arg, &fb.view, &local_named) < 0)
		goto out;
	code = EXIT_UNAVAILABLE;
	if (cmd_connect(ctx, true, &fb.local_c, &fb.peer_c, &peer_error) < 0)
		goto out;
	if (!fb.peer_c) {
		log_error(0, "%s cannot be reached (%s): failback needs both sites", ctx->conf.peer_name,
			  cmd_connect_hint(peer_error));
		goto out;
	}
	if (find_open(&fb, &found, &local_named, open_id, sizeof(open_id), run_opts,
		      sizeof(run_opts)) < 0)
		goto out;
	if (found) {
		/* a rerun: the run's site holds the newer copies */
		fb.resuming = true;
		set_sites(&fb, !local_named);
		if (stale_arg && strcmp(stale_arg, fb.stale->conf.site)) {
			log_error(0, "run %s (open) makes %s the replica: --stale '%s' contradicts it",
				  open_id, fb.stale->conf.site, stale_arg);
			code = EXIT_USAGE;
			goto out;
		}
		r = journal_read_each(fb.newer_c, ctx->conf.pool, open_id, ctx->conf.image_timeout,
				      &run_hdr, collect_obj, &ro, NULL);
		if (r < 0) {
			log_error(r, "cannot read run %s", open_id);
			goto out;
		}
		/* its IMAGE operands ("--stale SITE IMAGE..."): the rerun takes
		 * the same images, whatever it was given */
		for (char *save = NULL, *tok = strtok_r(run_opts, " ", &save); tok &&
		     run_argc < (int)(sizeof(run_argv) / sizeof(run_argv[0]));
		     tok = strtok_r(NULL, " ", &save))
			if (!strcmp(tok, "--stale"))
				strtok_r(NULL, " ", &save);
			else
				run_argv[run_argc++] = tok;
		argc = run_argc;
		argv = run_argv;
	} else {
		/* --stale given, or this site first, swapped when its copies
		 * are the newer ones */
		set_sites(&fb, stale_arg ? local_named : true);
	}
	/* the candidates: IMAGE... (or the open run's) and the images its
	 * steps name, taken even when demoted already; without IMAGE, every
	 * mirrored image of the pool that is primary on both sites */
	if (argc == 0) {
		char **plain = NULL;
		size_t nplain = 0;

		r = mirror_pool_images(fb.stale_c, ctx->conf.pool, ctx->conf.image_timeout, &listed,
				       &nlisted, &plain, &nplain);
		for (size_t i = 0; i < nplain; i++)
			free(plain[i]);
		free(plain);
		if (r < 0) {
			log_error(r, "cannot list the images of pool '%s' on %s", ctx->conf.pool,
				  fb.stale->conf.site);
			goto out;
		}
	}
	names = calloc((size_t)argc + ro.n + nlisted + 1, sizeof(*names));
	if (!names)
		goto out;
	for (int i = 0; i < argc; i++)
		names[i] = argv[i];
	for (size_t i = 0; i < ro.n; i++)
		names[argc + i] = ro.names[i];
	for (size_t i = 0; i < nlisted; i++)
		names[(size_t)argc + ro.n + i] = listed[i].image;
	named = (size_t)argc + ro.n;
	n = named + nlisted;
	if (!found && !stale_arg) {
		/* which site is stale: this one unless every split-brain copy
		 * here is the newer (then the peer) */
		classify(&fb, ctx->conf.pool, names, n, named, true, &newer_here);
		if (newer_here) {
			printf("the copies on %s are the newer ones: %s is the stale site\n",
			       ctx->conf.site, ctx->conf.peer_name);
			set_sites(&fb, false);
		}
	}
	bad = classify(&fb, ctx->conf.pool, names, n, named, false, &newer_here);
	printf("failback: %s becomes a replica of %s: %zu images\n", fb.stale->conf.site,
	       fb.newer->conf.site, fb.nimgs);
	if (cmd_one_connect(fb.stale, &fb.stale_one) < 0 ||
	    cmd_site_load(fb.stale_one, SITE_DS | SITE_IMAGES, &fb.stale_site) < 0)
		goto out;
	if (!bad && fb.nimgs && find_vms(&fb) < 0)
		goto out;
	if (bad) {
		log_error(0, "preflight: %d thing%s block%s the failback: nothing was changed", bad,
			  bad == 1 ? "" : "s", bad == 1 ? "s" : "");
		code = EXIT_USAGE;
		goto out;
	}
	if (!fb.nimgs) {
		printf("failback: no split-brain image: nothing to do\n");
		code = EXIT_OK;
		goto out;
	}
	if (dry_run) {
		for (size_t i = 0; i < fb.nimgs; i++) {
			char vol[160];

			volume(&fb, &fb.imgs[i], vol, sizeof(vol));
			printf("would demote %s/%s on %s and resync it: %s from %s\n", fb.imgs[i].pool,
			       fb.imgs[i].name, fb.stale->conf.site, vol, fb.newer->conf.site);
		}
		printf("dry run: nothing was changed\n");
		code = EXIT_OK;
		goto out;
	}
	snprintf(options, sizeof(options), "--stale %s", fb.stale->conf.site);
	for (int i = 0; i < argc; i++)
		if (strlen(options) + strlen(argv[i]) + 2 < sizeof(options))
			snprintf(options + strlen(options), sizeof(options) - strlen(options), " %s",
				 argv[i]);
	if (cmd_twosite_open_run(fb.newer_c, ctx->conf.pool, ctx->conf.image_timeout,
				 JOURNAL_FAILBACK, ctx->conf.site, options, false, NULL, &fb.j) < 0)
		goto out;
	failed = batch(&fb, true, "stop", stop_action, 1);
	if (!failed)
		failed = batch(&fb, false, "demote", demote_action, ctx->conf.concurrency);
	if (!failed)
		failed = batch(&fb, false, "resync", resync_action, ctx->conf.concurrency);
	if (!failed)
		failed = batch(&fb, false, "caught-up", caught_up_action, ctx->conf.concurrency);
	code = failed ? EXIT_PARTIAL : EXIT_OK;
	journal_finish(fb.j, failed ? JOURNAL_RUN_FAILED : JOURNAL_RUN_FINISHED, code);
	printf("failback: run %s %s: %zu images of %s %s %s (onedr report %s on %s)\n",
	       journal_header(fb.j)->id, failed ? "failed" : "finished", fb.nimgs,
	       fb.stale->conf.site, failed ? "NOT all replicas of" : "replicas of",
	       fb.newer->conf.site, journal_header(fb.j)->id, fb.newer->conf.site);
out:
	free(names);
	free(ro.names);
	mirror_items_free(listed, nlisted);
	journal_close(fb.j);
	free(fb.imgs);
	free(fb.vms);
	cmd_site_free(&fb.stale_site);
	one_client_free(fb.stale_one);
	ceph_close(fb.local_c);
	ceph_close(fb.peer_c);
	if (fb.view.conf.site)
		conf_free(&fb.view.conf);
	return code;
}

const struct cmd_entry cmd_failback_entry = {
	.name = "failback",
	.usage = "[--stale SITE] [--dry-run] [--wait S] [IMAGE...]",
	.summary = "make the site failed over from a replica of the newer data again",
	.help =
	"After a forced failover, when the old site returns: from either site\n"
	"(PEER and PEER_ONE reach the other). Finds the split-brain (images of\n"
	"the pool, or IMAGE..., primary on both sites) and which copy is newer;\n"
	"the stale site is the one with the older copies (--stale SITE must\n"
	"agree: an image whose newer copy is there refuses the failback, with\n"
	"nothing changed). Then: power off (hard) the stale site's VMs on those\n"
	"disks (RUNNING or UNKNOWN), so that nothing writes the stale copies;\n"
	"demote the stale copies; resync them from the newer ones, each one's\n"
	"volume shown first; wait until each replays and has caught up. The\n"
	"newer copies are never demoted nor resynced. Journaled on the newer\n"
	"site's cluster: a rerun from either site resumes the run. The way back\n"
	"is then 'onedr switchover'.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool of the images and of the journal"),
		{ "stale", 0, ARG_STRING, "SITE", 0,
		  "the site whose copies are thrown away (checked:\n"
		  "refused when its copies are the newer ones)" },
		{ "dry-run", 0, ARG_FLAG, NULL, 0,
		  "show the split-brain, the VMs to stop and each\n"
		  "resync's volume; change nothing" },
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "how long each VM may take to power off and each\n"
		  "copy to catch up (default 600)" },
		CMD_OPT_END
	},
	.exec = cmd_failback,
};

/*
 * cmd-register.c: onedr register [--pool P] (VM... | --all)
 *
 * On the site taking over: register every Ceph disk of each VM (from its
 * manifest) as a persistent image whose SOURCE is the mirrored RBD, as the
 * failover runbook does by hand. An image whose SOURCE is already
 * registered is reused, never registered twice, so a rerun after a crash
 * finishes the job. Every check (mappings, datastores, users, groups, the
 * RBDs themselves) runs before anything is created.
 *
 * Deleting such an image in OpenNebula runs the Ceph datastore's rm, which
 * deletes the RBD itself: onedr never deletes images.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cmd.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"

/* Whether an image named name belongs to uid here, or is planned for it. */
static bool name_taken(const struct site_objs *site, const struct reg_disk *planned, size_t n,
		       const char *name, int uid)
{
	for (size_t i = 0; i < site->images.n; i++) {
		const struct one_obj *o = site->images.v[i];

		if (o->uid == uid && o->state != 7 /* DELETE */ && o->name && !strcmp(o->name, name))
			return true;
	}
	for (size_t i = 0; i < n; i++)
		if (!planned[i].image && planned[i].user && planned[i].user->id == uid &&
		    !strcmp(planned[i].name, name))
			return true;
	return false;
}

/*
 * oned's image names are unique per owner, and register allocates as the
 * caller (oneadmin) before it chowns to the mapped user: a name the caller
 * or that user already has here would fail the allocate or the chown. Such
 * an image is registered as NAME-SITE (SITE: where the manifest comes
 * from), said on its line; when that name is taken too, it is an error,
 * before anything is created.
 */
static int settle_name(const struct site_objs *site, const struct reg_disk *planned, size_t n,
		       struct reg_disk *rd, int caller, const char *label)
{
	const char *name = tmpl_get(rd->d->image, "NAME");
	char alt[sizeof(rd->name)];

	if (!name || !*name) {
		log_error(0, "%s: the manifest's image template has no NAME", label);
		return -EINVAL;
	}
	snprintf(rd->name, sizeof(rd->name), "%s", name);
	if (!name_taken(site, planned, n, name, caller) &&
	    !name_taken(site, planned, n, name, rd->user->id))
		return 0;
	snprintf(alt, sizeof(alt), "%s-%s", name, rd->m->site);
	if (name_taken(site, planned, n, alt, caller) || name_taken(site, planned, n, alt, rd->user->id)) {
		log_error(0, "%s: the image names '%s' and '%s' are both taken here, by the caller or by '%s' (image names are unique per owner): rename one of those images",
			  label, name, alt, rd->user->name);
		return -EEXIST;
	}
	snprintf(rd->name, sizeof(rd->name), "%s", alt);
	return 0;
}

static bool check_datastore(const struct one_obj *ds, const struct manifest_disk *d,
			    const char *label)
{
	const char *pool = tmpl_get(ds->tmpl, "POOL_NAME");

	if (ds->type != 0) {
		log_error(0, "%s: datastore '%s' is not an image datastore", label, ds->name);
		return false;
	}
	if (!one_tm_is_ceph(ds->tm_mad)) {
		log_error(0, "%s: datastore '%s' is not a Ceph datastore (TM_MAD %s)", label,
			  ds->name, ds->tm_mad ? ds->tm_mad : "none");
		return false;
	}
	if (strcmp(pool ? pool : "one", d->pool)) {
		log_error(0, "%s: datastore '%s' uses pool '%s', the disk is in pool '%s'", label,
			  ds->name, pool ? pool : "one", d->pool);
		return false;
	}
	return true;
}

/* Whether each protected disk's RBD is here (opened read-only), at most
 * CONCURRENCY at once: the plan's check, ahead of its loop. */
struct rbd_checks {
	struct ceph *c;
	double timeout;
	const struct manifest_disk **d;
	int *r;			/* 1: not checked (the loop checks it) */
};

static int rbd_here(struct ceph *c, const struct manifest_disk *d, double timeout)
{
	struct timespec dl = deadline_after(timeout);
	struct ceph_image *img;
	rados_ioctx_t io;
	int r = ceph_pool(c, d->pool, &io);

	if (r == 0 && (r = ceph_image_open(io, d->rbd, true, &dl, &img)) == 0)
		ceph_image_close(img, &dl);
	return r;
}

static void rbd_check_one(void *arg, size_t i)
{
	struct rbd_checks *rc = arg;

	rc->r[i] = rbd_here(rc->c, rc->d[i], rc->timeout);
}

static void rbd_checks_run(struct cmd_ctx *ctx, struct ceph *c, const struct store_vm *const *vms,
			   size_t nvms, struct rbd_checks *rc)
{
	size_t n = 0, cap = 0;

	memset(rc, 0, sizeof(*rc));
	rc->c = c;
	rc->timeout = ctx->conf.image_timeout;
	for (size_t i = 0; i < nvms; i++)
		cap += vms[i]->m->n_disks;
	rc->d = calloc(cap + 1, sizeof(*rc->d));
	rc->r = calloc(cap + 1, sizeof(*rc->r));
	if (!rc->d || !rc->r) {
		free(rc->d);
		free(rc->r);
		rc->d = NULL;
		rc->r = NULL;
		return;
	}
	for (size_t i = 0; i < nvms; i++)
		for (size_t k = 0; k < vms[i]->m->n_disks; k++)
			if (vms[i]->m->disks[k].kind != DISK_UNPROTECTED) {
				rc->r[n] = 1;
				rc->d[n++] = &vms[i]->m->disks[k];
			}
	batch_run(n, ctx->conf.concurrency, rbd_check_one, rc);
}

int cmd_register_plan(struct cmd_ctx *ctx, struct ceph *c, const struct store_vm *const *vms,
		      size_t nvms, const struct site_objs *site, int caller, struct reg_disk **ret,
		      size_t *ret_n)
{
	struct reg_disk *v = NULL;
	struct rbd_checks rc;
	size_t n = 0;
	int bad = 0;

	rbd_checks_run(ctx, c, vms, nvms, &rc);

	for (size_t i = 0; i < nvms; i++) {
		const struct manifest *m = vms[i]->m;

		for (size_t k = 0; k < m->n_disks; k++) {
			const struct manifest_disk *d = &m->disks[k];
			char vl[256], label[400];
			struct reg_disk *nv, *rd;
			bool snap = false;
			int r;

			if (d->kind == DISK_UNPROTECTED)
				continue;
			snprintf(label, sizeof(label), "%s disk %d (%s/%s)",
				 cmd_vm_label(m, vl, sizeof(vl)), d->disk_id, d->pool, d->rbd);
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				free(v);
				free(rc.d);
				free(rc.r);
				return log_error(-ENOMEM, "register");
			}
			v = nv;
			rd = &v[n++];
			memset(rd, 0, sizeof(*rd));
			rd->m = m;
			rd->d = d;
			rd->same_as = -1;
			/* two manifests naming one RBD: it is registered once */
			for (size_t j = 0; j + 1 < n; j++)
				if (!strcmp(v[j].d->pool, d->pool) && !strcmp(v[j].d->rbd, d->rbd)) {
					rd->same_as = (long)j;
					break;
				}
			rd->image = cmd_image_by_source(site, ctx->conf.pool, d->pool, d->rbd, &snap);
			if (rd->image && rd->image->state == 7 /* DELETE */)
				rd->image = NULL;
			if (rd->image && snap) {
				log_error(0, "%s: image %d has SOURCE '%s', a snapshot of this RBD: not registered a second time",
					  label, rd->image->id, rd->image->source);
				bad++;
			}
			rd->user = cmd_map_obj(&ctx->conf, MAP_USER, d->uname, &site->users, "user", label);
			rd->group = cmd_map_obj(&ctx->conf, MAP_GROUP, d->gname, &site->groups, "group", label);
			if (!rd->user || !rd->group)
				bad++;
			if (!rd->image) {
				rd->ds = cmd_map_obj(&ctx->conf, MAP_DATASTORE, d->datastore, &site->ds,
						     "datastore", vl);
				if (!rd->ds || !check_datastore(rd->ds, d, label))
					bad++;
				if (rd->user && settle_name(site, v, n - 1, rd, caller, label) < 0)
					bad++;
			}
			/* the RBD must be here: rbd-mirror made it (checked
			 * ahead, concurrently; else now) */
			r = rc.r && rc.r[n - 1] <= 0 ? rc.r[n - 1] : rbd_here(c, d, ctx->conf.image_timeout);
			if (r < 0) {
				log_error(0, "%s: %s", label, r == -ENOENT ?
					  "no such RBD image on this site: is it mirrored?" : strerror(-r));
				bad++;
			}
		}
	}
	free(rc.d);
	free(rc.r);
	if (cmd_map_report(&ctx->conf) > 0)
		bad++;
	if (bad) {
		free(v);
		return -EINVAL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int ensure_owner(struct one_client *one, int id, int uid, int gid, int cur_uid, int cur_gid,
			struct one_error *err)
{
	if (cur_uid == uid && cur_gid == gid)
		return 0;
	return one_image_chown(one, id, uid, gid, err);
}

const struct reg_disk *cmd_reg_disk_of(const struct reg_disk *reg, size_t n,
				       const struct manifest_disk *d)
{
	for (size_t i = 0; i < n; i++)
		if (reg[i].d == d)
			return reg[i].same_as >= 0 ? &reg[reg[i].same_as] : &reg[i];
	return NULL;
}

int cmd_register_disk(struct one_client *one, const struct reg_disk *rd,
		      const struct one_obj *caller, int *ret_id, bool *ret_new, struct one_error *err)
{
	char *xml = NULL;
	int r, id;

	*ret_new = false;
	if (rd->image) {
		*ret_id = rd->image->id;
		return ensure_owner(one, rd->image->id, rd->user->id, rd->group->id, rd->image->uid,
				    rd->image->gid, err);
	}
	if (strcmp(rd->name, tmpl_get(rd->d->image, "NAME"))) {
		struct tmpl *t = tmpl_dup(rd->d->image);

		r = t ? tmpl_set(t, "NAME", rd->name) : -ENOMEM;
		if (r == 0)
			r = one_tmpl_to_xml(t, &xml);
		tmpl_free(t);
	} else {
		r = one_tmpl_to_xml(rd->d->image, &xml);
	}
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot write the image template: %s", strerror(-r));
		return r;
	}
	/* oneadmin skips the capacity check: a Ceph datastore that was never
	 * monitored reports 0 MB free, and the data is already there */
	r = one_image_allocate(one, xml, rd->ds->id, true, &id, err);
	free(xml);
	if (r < 0)
		return r;
	*ret_id = id;
	*ret_new = true;
	/* a new image belongs to the caller and its primary group */
	return ensure_owner(one, id, rd->user->id, rd->group->id, caller ? caller->id : -1,
			    caller ? caller->gid : -1, err);
}

static int cmd_register(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct takeover t;
	const struct one_obj *caller;
	struct reg_disk *disks = NULL;
	int *ids = NULL;
	size_t ndisks = 0, created = 0, reused = 0, failed = 0, done = 0;
	bool all;
	int r, code;

	all = args_has(&ctx->args, "all");
	if (all == (argc > 0)) {
		log_error(0, "name VMs (ID or SITE:ID of the other site), or --all, not both");
		cmd_usage(&cmd_register_entry, false);
		return EXIT_USAGE;
	}
	cmd_catch_signals();
	code = cmd_takeover_begin(ctx, argc, argv, all, SITE_DS | SITE_IMAGES | SITE_USERS | SITE_GROUPS, &t);
	if (code != 0)
		goto out;
	caller = cmd_caller(t.one, &t.site);
	if (cmd_register_plan(ctx, t.ceph, t.vms, t.nvms, &t.site, caller ? caller->id : -1, &disks, &ndisks) < 0) {
		code = EXIT_USAGE;
		goto out;
	}
	ids = calloc(ndisks + 1, sizeof(*ids));
	if (!ids) {
		log_error(-ENOMEM, "register");
		code = EXIT_UNAVAILABLE;
		goto out;
	}
	for (size_t i = 0; i < ndisks && !cmd_interrupted(); i++, done++) {
		const struct reg_disk *rd = &disks[i];
		struct one_error err = { 0, "" };
		char vl[256];
		bool is_new = false;
		int id = -1;

		if (rd->same_as >= 0) {
			/* registered (or failed) a moment ago for another VM */
			id = ids[rd->same_as];
			r = id >= 0 ? 0 : -EIO;
			snprintf(err.msg, sizeof(err.msg), "its RBD failed to register for another VM");
		} else {
			r = cmd_register_disk(t.one, rd, caller, &id, &is_new, &err);
		}
		ids[i] = id;
		cmd_vm_label(rd->m, vl, sizeof(vl));
		if (r < 0) {
			failed++;
			if (id >= 0)
				printf("%s: disk %d %s/%s: image %d registered, but its owner could not be set (recreate refuses it until a rerun of register sets it): %s\n",
				       vl, rd->d->disk_id, rd->d->pool, rd->d->rbd, id, err.msg);
			else
				printf("%s: disk %d %s/%s: failed: %s\n", vl, rd->d->disk_id,
				       rd->d->pool, rd->d->rbd, err.msg);
			fflush(stdout);
			continue;
		}
		if (is_new)
			created++;
		else
			reused++;
		if (is_new && strcmp(rd->name, tmpl_get(rd->d->image, "NAME")))
			printf("%s: disk %d %s/%s: image %d (registered as '%s': '%s' is taken here)\n",
			       vl, rd->d->disk_id, rd->d->pool, rd->d->rbd, id, rd->name,
			       tmpl_get(rd->d->image, "NAME"));
		else
			printf("%s: disk %d %s/%s: image %d (%s)\n", vl, rd->d->disk_id, rd->d->pool,
			       rd->d->rbd, id, is_new ? "registered" : "already registered");
	}
	for (size_t i = 0; i < t.nvms; i++)
		for (size_t k = 0; k < t.vms[i]->m->n_disks; k++)
			if (t.vms[i]->m->disks[k].kind == DISK_UNPROTECTED) {
				char vl[256];

				printf("%s: disk %d UNPROTECTED, not registered: %s\n",
				       cmd_vm_label(t.vms[i]->m, vl, sizeof(vl)),
				       t.vms[i]->m->disks[k].disk_id, t.vms[i]->m->disks[k].reason);
			}
	printf("register: %zu VMs, %zu disks: %zu registered, %zu already registered, %zu failed",
	       t.nvms, ndisks, created, reused, failed);
	if (done < ndisks) {
		printf(", %zu not started: interrupted\n", ndisks - done);
		log_error(0, "interrupted: %zu of %zu disks not registered (a rerun does them)",
			  ndisks - done, ndisks);
	} else {
		printf("\n");
	}
	code = failed || t.refused || done < ndisks ? EXIT_PARTIAL : EXIT_OK;
out:
	free(ids);
	free(disks);
	cmd_takeover_end(&t);
	return code;
}

const struct cmd_entry cmd_register_entry = {
	.name = "register",
	.usage = "[--pool P] (VM... | --all)",
	.summary = "register the mirrored disks of VMs as persistent images on this site",
	.help =
	"Run it on the site taking over. For each VM (its ID on the other site, or\n"
	"SITE:ID; --all: every VM whose manifest in the pool comes from another\n"
	"site), each Ceph disk of its manifest is registered as a persistent image\n"
	"whose SOURCE is the mirrored RBD (one.image.allocate, capacity check\n"
	"skipped), in the datastore, and for the user and group, that DATASTORE_MAP,\n"
	"USER_MAP and GROUP_MAP of onedr.conf map the other site's names to.\n"
	"An image whose SOURCE names the same pool and RBD is reused (blanks and\n"
	"the form of the SOURCE aside): a rerun registers nothing twice, and no RBD\n"
	"gets two images. An image whose NAME the caller or the mapped user already\n"
	"has here is registered as NAME-SITE. Every check runs before anything is\n"
	"created. An owner that cannot be set is an error (exit code 1).\n"
	"Only manifests signed with SIGNING_KEY are used; --all skips the VMs\n"
	"whose manifest is retired (they no longer exist on their site).\n"
	"\n"
	"WARNING: deleting such an image in OpenNebula (oneimage delete) runs the\n"
	"Ceph datastore's rm, which DELETES THE RBD IMAGE and its data. onedr never\n"
	"deletes images.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the manifests (default: CEPH/POOL, else 'one')"),
		{ "all", 0, ARG_FLAG, NULL, 0, "every VM from another site" },
		CMD_OPT_END
	},
	.exec = cmd_register,
};

/*
 * cmd-recreate.c: onedr recreate [--pool P] (VM... | --all)
 *                 [--hold | --deploy HOST | --start] [--drop-unprotected]
 *
 * On the site taking over, after register: create each VM from its
 * manifest, its DISKs pointing at the registered images and its NICs at the
 * mapped networks, owned by the mapped user and group. The new VM records
 * where it came from (USER_TEMPLATE ONEDR_SOURCE_SITE, ONEDR_SOURCE_VM), so
 * a rerun finds it instead of creating a second one. Every check runs before
 * anything is created. Starting a VM (--deploy, --start) needs every disk
 * to be primary here: onedr never lets two sites write one disk.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "manifest-store.h"
#include "one.h"

enum start_mode { START_HOLD, START_DEPLOY, START_RELEASE };

struct rec_vm {
	const struct manifest *m;
	const struct one_vm *existing;	/* recreated before */
	const struct one_obj *user, *group;
	struct tmpl *tmpl;		/* what to allocate; NULL when existing */
};

static bool is_nic(const char *name)
{
	return !strcmp(name, "NIC") || !strcmp(name, "NIC_ALIAS");
}

/* The VM recreated before from (site, id), if any. */
static const struct one_vm *find_existing(const struct one_vms *vms, const struct manifest *m)
{
	char id[32];

	snprintf(id, sizeof(id), "%d", m->vm_id);
	for (size_t i = 0; i < vms->n; i++) {
		const char *s = tmpl_get(vms->v[i]->user_tmpl, "ONEDR_SOURCE_SITE");
		const char *v = tmpl_get(vms->v[i]->user_tmpl, "ONEDR_SOURCE_VM");

		if (vms->v[i]->state != VM_DONE && s && v && !strcmp(s, m->site) && !strcmp(v, id))
			return vms->v[i];
	}
	return NULL;
}

/* Copy vec's members into a new vector of t, without the names in skip. */
static int copy_vector(struct tmpl *t, const struct tmpl_attr *vec, const char *const *skip,
		       struct tmpl_attr **ret)
{
	struct tmpl_attr *nv;
	int r = tmpl_add_vector(t, vec->name, &nv);

	for (const struct tmpl_attr *a = vec->sub; r == 0 && a; a = a->next) {
		bool skipped = false;

		for (const char *const *s = skip; s && *s; s++)
			skipped = skipped || !strcmp(a->name, *s);
		if (!skipped)
			r = tmpl_attr_add(nv, a->name, a->value);
	}
	if (r == 0 && ret)
		*ret = nv;
	return r;
}

/* Build the template to allocate; logs what is missing. */
static int build(struct cmd_ctx *ctx, const struct manifest *m, const struct site_objs *site,
		 bool drop_unprotected, const char *label, struct tmpl **ret)
{
	static const char *const nic_skip[] = { "NETWORK", "NETWORK_UNAME", "NETWORK_UID", NULL };
	static const char *const addr_skip[] = { "NETWORK", "NETWORK_UNAME", "NETWORK_UID", "IP",
						 "MAC", "IP6", NULL };
	struct tmpl *t = tmpl_new();
	size_t disk = 0;
	char id[32];
	int r = 0, bad = 0;

	if (!t)
		return -ENOMEM;
	r = tmpl_add(t, "NAME", m->name);
	for (const struct tmpl_attr *a = m->tmpl->head; r == 0 && a; a = a->next) {
		struct tmpl_attr *nv;

		if (a->value) {
			r = tmpl_add(t, a->name, a->value);
		} else if (!strcmp(a->name, "DISK")) {
			const struct manifest_disk *d = disk < m->n_disks ? &m->disks[disk] : NULL;
			const struct one_obj *img;

			disk++;
			if (!d) {
				log_error(0, "%s: more DISKs in the template than in the manifest", label);
				bad++;
				continue;
			}
			if (d->kind == DISK_UNPROTECTED) {
				if (!drop_unprotected) {
					log_error(0, "%s: disk %d is UNPROTECTED (%s): give --drop-unprotected to recreate the VM without it",
						  label, d->disk_id, d->reason);
					bad++;
				}
				continue;
			}
			img = cmd_image_by_source(site, ctx->conf.pool, d->pool, d->rbd, NULL);
			if (!img || img->state == 7) {
				log_error(0, "%s: disk %d (%s/%s) is not registered here: run onedr register first",
					  label, d->disk_id, d->pool, d->rbd);
				bad++;
				continue;
			}
			snprintf(id, sizeof(id), "%d", img->id);
			r = copy_vector(t, a, NULL, &nv);
			if (r == 0)
				r = tmpl_attr_set(nv, "IMAGE_ID", id);
		} else if (is_nic(a->name)) {
			const char *net = tmpl_attr_get(a, "NETWORK");
			const struct conf_map *map;
			const struct one_obj *vn;
			const char *to = NULL;

			map = net ? conf_map_find(&ctx->conf, MAP_NETWORK, net, &to) : NULL;
			vn = cmd_map_obj(&ctx->conf, MAP_NETWORK, net, &site->vnets, "network", label);
			if (!vn) {
				bad++;
				continue;
			}
			snprintf(id, sizeof(id), "%d", vn->id);
			r = copy_vector(t, a, map && map->keep_addresses ? nic_skip : addr_skip, &nv);
			if (r == 0)
				r = tmpl_attr_set(nv, "NETWORK_ID", id);
		} else {
			r = copy_vector(t, a, NULL, NULL);
		}
	}
	for (const struct tmpl_attr *a = m->user_tmpl->head; r == 0 && a; a = a->next)
		r = a->value ? tmpl_add(t, a->name, a->value) : copy_vector(t, a, NULL, NULL);
	snprintf(id, sizeof(id), "%d", m->vm_id);
	if (r == 0)
		r = tmpl_add(t, "ONEDR_SOURCE_SITE", m->site);
	if (r == 0)
		r = tmpl_add(t, "ONEDR_SOURCE_VM", id);
	if (r < 0 || bad) {
		tmpl_free(t);
		return r < 0 ? log_error(r, "%s", label) : -EINVAL;
	}
	*ret = t;
	return 0;
}

/* Every Ceph disk of m must be primary here before the VM may run. */
static int check_primary(struct cmd_ctx *ctx, struct ceph *c, const struct manifest *m,
			 const char *label)
{
	int bad = 0;

	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *d = &m->disks[i];
		struct timespec dl = deadline_after(ctx->conf.image_timeout);
		rbd_mirror_image_info_t info;
		rados_ioctx_t io;
		rbd_image_t img;
		int r;

		if (d->kind == DISK_UNPROTECTED)
			continue;
		r = ceph_pool(c, d->pool, &io);
		if (r == 0)
			r = ceph_image_open(io, d->rbd, true, &dl, &img);
		if (r == 0) {
			r = ceph_mirror_get_info(img, &dl, &info);
			if (r == 0) {
				if (info.state == RBD_MIRROR_IMAGE_ENABLED && !info.primary)
					r = -EROFS;
				rbd_mirror_image_get_info_cleanup(&info);
			}
			ceph_image_close(img, &dl);
		}
		if (r < 0) {
			log_error(0, "%s: disk %d (%s/%s) %s", label, d->disk_id, d->pool, d->rbd,
				  r == -EROFS ? "is not primary here: promote it first (onedr promote)"
				  : r == -ENOENT ? "does not exist here" : strerror(-r));
			bad++;
		}
	}
	return bad ? -EINVAL : 0;
}

static const char *state_name(const struct one_vm *vm)
{
	static const char *const names[] = { "INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED",
					     "SUSPENDED", "DONE", "?", "POWEROFF", "UNDEPLOYED" };

	if (vm->state == VM_ACTIVE && vm->lcm_state == LCM_RUNNING)
		return "RUNNING";
	return vm->state >= 0 && vm->state <= 9 ? names[vm->state] : "?";
}

static int start(struct one_client *one, int id, int state, enum start_mode mode, int host,
		 const char **did, struct one_error *err)
{
	*did = NULL;
	if (mode == START_DEPLOY && (state == VM_HOLD || state == VM_PENDING)) {
		*did = "deployed";
		return one_vm_deploy(one, id, host, false, -1, err);
	}
	if (mode == START_RELEASE && state == VM_HOLD) {
		*did = "released";
		return one_vm_action(one, "release", id, err);
	}
	return 0;
}

static int recreate_one(struct one_client *one, const struct rec_vm *rv, enum start_mode mode,
			int host, const struct one_obj *caller)
{
	struct one_error err = { 0, "" };
	const char *did = NULL;
	char vl[256], *xml = NULL;
	int r, id, state;

	cmd_vm_label(rv->m, vl, sizeof(vl));
	if (rv->existing) {
		id = rv->existing->id;
		state = rv->existing->state;
		if (rv->existing->uid != rv->user->id || rv->existing->gid != rv->group->id) {
			r = one_vm_chown(one, id, rv->user->id, rv->group->id, &err);
			if (r < 0)
				goto fail;
		}
		r = start(one, id, state, mode, host, &did, &err);
		if (r < 0)
			goto fail;
		printf("%s: already recreated as VM %d (%s)%s%s\n", vl, id, state_name(rv->existing),
		       did ? ", now " : "", did ? did : "");
		return 0;
	}
	r = one_tmpl_to_xml(rv->tmpl, &xml);
	if (r < 0) {
		snprintf(err.msg, sizeof(err.msg), "cannot write the VM template: %s", strerror(-r));
		goto fail;
	}
	r = one_vm_allocate(one, xml, mode != START_RELEASE, &id, &err);
	free(xml);
	if (r < 0)
		goto fail;
	state = mode != START_RELEASE ? VM_HOLD : VM_PENDING;
	/* a new VM belongs to the caller and its primary group */
	r = caller && caller->id == rv->user->id && caller->gid == rv->group->id ? 0
		: one_vm_chown(one, id, rv->user->id, rv->group->id, &err);
	if (r == 0)
		r = start(one, id, state, mode, host, &did, &err);
	if (r < 0) {
		printf("%s: created as VM %d, then failed: %s (a rerun finishes it)\n", vl, id, err.msg);
		return r;
	}
	printf("%s: created as VM %d (%s)\n", vl, id,
	       did ? did : mode == START_RELEASE ? "PENDING" : "HOLD");
	return 0;
fail:
	printf("%s: failed: %s\n", vl, err.msg);
	return r;
}

static int cmd_recreate(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "pool", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "hold", no_argument, NULL, OPT_HOLD },
		{ "deploy", required_argument, NULL, OPT_DEPLOY },
		{ "start", no_argument, NULL, OPT_START },
		{ "drop-unprotected", no_argument, NULL, OPT_DROP_UNPROTECTED },
		CMD_COMMON_OPTIONS
	};
	struct takeover t;
	struct one_vms here = { 0, NULL };
	struct rec_vm *recs = NULL;
	enum start_mode mode = START_HOLD;
	const char *host_arg = NULL;
	bool all = false, drop = false;
	size_t created = 0, failed = 0;
	int opt, r, code, host = -1, modes = 0, bad = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, CMD_COMMON_SHORT "p:", long_options, NULL)) != -1) {
		if (opt == 'p')
			ctx->pool_cli = optarg;
		else if (opt == OPT_ALL)
			all = true;
		else if (opt == OPT_HOLD)
			mode = START_HOLD, modes++;
		else if (opt == OPT_DEPLOY)
			mode = START_DEPLOY, host_arg = optarg, modes++;
		else if (opt == OPT_START)
			mode = START_RELEASE, modes++;
		else if (opt == OPT_DROP_UNPROTECTED)
			drop = true;
		else if ((r = cmd_common_option(ctx, &cmd_recreate_entry, opt, optarg)) != 0)
			return r == 1 ? EXIT_OK : EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (all == (argc > 0) || modes > 1) {
		log_error(0, modes > 1 ? "--hold, --deploy and --start exclude each other"
			  : "name VMs (ID or SITE:ID of the other site), or --all, not both");
		cmd_usage(&cmd_recreate_entry, false);
		return EXIT_USAGE;
	}
	code = cmd_takeover_begin(ctx, argc, argv, all, SITE_IMAGES | SITE_VNETS | SITE_USERS |
				  SITE_GROUPS | (host_arg ? SITE_HOSTS : 0), &t);
	if (code != 0)
		goto out;
	code = EXIT_UNAVAILABLE;
	{
		struct one_error err = { 0, "" };
		char *xml = NULL;

		r = one_vmpool_info(t.one, true, -2, -1, -1, -1, &xml, &err);
		if (r == 0 && one_vmpool_parse(xml, strlen(xml), &here) < 0) {
			r = -EPROTO;
			snprintf(err.msg, sizeof(err.msg), "one.vmpool.infoextended: a document onedr cannot read");
		}
		free(xml);
		if (r < 0) {
			log_error(0, "OpenNebula: %s", err.msg);
			goto out;
		}
	}
	if (host_arg) {
		const struct one_obj *h = one_objs_by_name(&t.site.hosts, host_arg);
		char *end;
		long v = strtol(host_arg, &end, 10);

		if (!h && !*end && end != host_arg)
			h = one_objs_by_id(&t.site.hosts, (int)v);
		if (!h) {
			log_error(0, "--deploy: no host '%s' on this site", host_arg);
			bad++;
		} else {
			host = h->id;
		}
	}
	/* every check first: nothing is created when one fails */
	recs = calloc(t.nvms + 1, sizeof(*recs));
	if (!recs) {
		log_error(-ENOMEM, "recreate");
		goto out;
	}
	for (size_t i = 0; i < t.nvms; i++) {
		struct rec_vm *rv = &recs[i];
		char vl[256];

		cmd_vm_label(t.vms[i]->m, vl, sizeof(vl));
		rv->m = t.vms[i]->m;
		rv->existing = find_existing(&here, rv->m);
		rv->user = cmd_map_obj(&ctx->conf, MAP_USER, rv->m->uname, &t.site.users, "user", vl);
		rv->group = cmd_map_obj(&ctx->conf, MAP_GROUP, rv->m->gname, &t.site.groups, "group", vl);
		if (!rv->user || !rv->group)
			bad++;
		if (!rv->existing && build(ctx, rv->m, &t.site, drop, vl, &rv->tmpl) < 0)
			bad++;
		if (mode != START_HOLD && check_primary(ctx, t.ceph, rv->m, vl) < 0)
			bad++;
	}
	if (bad) {
		code = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < t.nvms; i++) {
		if (recreate_one(t.one, &recs[i], mode, host, cmd_caller(t.one, &t.site)) < 0)
			failed++;
		else if (!recs[i].existing)
			created++;
	}
	printf("recreate: %zu VMs: %zu created, %zu already there, %zu failed\n", t.nvms, created,
	       t.nvms - created - failed, failed);
	code = failed || t.refused ? EXIT_PARTIAL : EXIT_OK;
out:
	for (size_t i = 0; recs && i < t.nvms; i++)
		tmpl_free(recs[i].tmpl);
	free(recs);
	one_vms_free(&here);
	cmd_takeover_end(&t);
	return code;
}

const struct cmd_entry cmd_recreate_entry = {
	.name = "recreate",
	.usage = "[--pool P] (VM... | --all) [--hold | --deploy HOST | --start] [--drop-unprotected]",
	.summary = "create VMs on this site from their manifests",
	.help =
	"Run it on the site taking over, after 'onedr register'. Each VM (its ID on\n"
	"the other site, or SITE:ID; --all: every VM whose manifest comes from\n"
	"another site) is created from its manifest: DISKs point at the registered\n"
	"images, NICs at the networks NETWORK_MAP maps to (IP and MAC kept only\n"
	"with KEEP_ADDRESSES = \"YES\"), owner and group through USER_MAP and\n"
	"GROUP_MAP. The VM records its origin in USER_TEMPLATE (ONEDR_SOURCE_SITE,\n"
	"ONEDR_SOURCE_VM): a rerun finds it and creates nothing twice.\n"
	"Only manifests signed with SIGNING_KEY are used; --all skips the VMs\n"
	"whose manifest is retired (they no longer exist on their site).\n"
	"Every check runs before anything is created.\n"
	"\n"
	"  -p, --pool P          the pool holding the manifests\n"
	"  --all                 every VM from another site\n"
	"  --hold                leave the VMs on hold (the default)\n"
	"  --deploy HOST         deploy them on HOST (name or ID)\n"
	"  --start               release them to the scheduler\n"
	"  --drop-unprotected    recreate VMs without their disks that are not on\n"
	"                        Ceph (each is named); without it such VMs are refused\n"
	"--deploy and --start need every Ceph disk of the VM to be primary here.\n",
	.exec = cmd_recreate,
};

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

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"

/* Add a line to the report of a VM. */
__attribute__((format(printf, 2, 3)))
static int note(char **notes, const char *fmt, ...)
{
	size_t have = *notes ? strlen(*notes) : 0;
	char line[1024], *nv;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	nv = realloc(*notes, have + strlen(line) + 2);
	if (!nv)
		return -ENOMEM;
	strcpy(nv + have, line);
	strcat(nv + have, "\n");
	*notes = nv;
	return 0;
}

/* The MAC a network gives the lease of IPv4 ip: its range's first MAC plus
 * the offset of ip in the range (OpenNebula's AddressRange). -ENOENT when
 * no range of vn holds ip, -ENODATA when vn's ranges are unknown. */
static int derived_mac(const struct one_obj *vn, const char *ip, char *buf, size_t len)
{
	struct in_addr want, first;

	if (!vn->ars || !vn->ars->head)
		return -ENODATA;
	if (inet_pton(AF_INET, ip, &want) != 1)
		return -ENOENT;
	for (const struct tmpl_attr *ar = vn->ars->head; ar; ar = ar->next) {
		const char *aip = tmpl_attr_get(ar, "IP"), *amac = tmpl_attr_get(ar, "MAC");
		const char *size = tmpl_attr_get(ar, "SIZE");
		unsigned m[6];
		uint64_t mac = 0, off;

		if (!aip || !amac || !size || inet_pton(AF_INET, aip, &first) != 1 ||
		    sscanf(amac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		off = (uint64_t)ntohl(want.s_addr) - ntohl(first.s_addr);
		if (ntohl(want.s_addr) < ntohl(first.s_addr) || off >= strtoull(size, NULL, 10))
			continue;
		for (int i = 0; i < 6; i++)
			mac = mac << 8 | (m[i] & 0xff);
		mac += off;
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
			 (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
			 (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
		return 0;
	}
	return -ENOENT;
}

/*
 * A NIC keeping its address (KEEP_ADDRESSES) asks for one of IP, IP6 and
 * MAC: oned refuses a NIC that sets more than one ("Cannot get IP/MAC
 * lease"). The IP wins, and the network derives the MAC from it; the report
 * says when that MAC is not the one the VM had.
 */
static int keep_address(struct tmpl_attr *nic, const struct tmpl_attr *orig, const struct one_obj *vn,
			int nic_i, const char *label, char **notes)
{
	const char *ip = tmpl_attr_get(orig, "IP"), *ip6 = tmpl_attr_get(orig, "IP6");
	const char *mac = tmpl_attr_get(orig, "MAC");
	const char *keep = ip && *ip ? "IP" : ip6 && *ip6 ? "IP6" : mac && *mac ? "MAC" : NULL;
	char derived[32];
	int r;

	if (!keep)
		return 0;
	r = tmpl_attr_set(nic, keep, tmpl_attr_get(orig, keep));
	if (r < 0 || strcmp(keep, "IP"))
		return r;
	r = derived_mac(vn, ip, derived, sizeof(derived));
	if (r == -ENOENT) {
		log_error(0, "%s: NIC %d: IP %s is in no address range of network '%s' here", label,
			  nic_i, ip, vn->name);
		return -EINVAL;
	}
	if (r == 0 && mac && strcasecmp(mac, derived))
		return note(notes, "NIC %d keeps IP %s; its MAC here is %s (network '%s'), it was %s",
			    nic_i, ip, derived, vn->name, mac);
	return 0;
}

/* SCHED_REQUIREMENTS and SCHED_DS_REQUIREMENTS that name the other site's
 * hosts, clusters or datastores (by ID or name) would pick other objects
 * here: they are dropped, with a line in the report. */
static bool drop_requirement(const char *name, const char *value, const struct manifest *m,
			     char **notes)
{
	char var[64];

	if ((strcmp(name, "SCHED_REQUIREMENTS") && strcmp(name, "SCHED_DS_REQUIREMENTS")) ||
	    !tmpl_expr_names_object(value, var, sizeof(var)))
		return false;
	note(notes, "%s names %s's hosts or datastores (%s), dropped: %s", name, m->site, var, value);
	return true;
}

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
		 bool drop_unprotected, const char *label, struct tmpl **ret, char **notes)
{
	static const char *const addr_skip[] = { "NETWORK", "NETWORK_UNAME", "NETWORK_UID", "IP",
						 "MAC", "IP6", NULL };
	struct tmpl *t = tmpl_new();
	size_t disk = 0;
	char id[32];
	int r = 0, bad = 0, nic = 0;

	if (!t)
		return -ENOMEM;
	r = tmpl_add(t, "NAME", m->name);
	for (const struct tmpl_attr *a = m->tmpl->head; r == 0 && a; a = a->next) {
		struct tmpl_attr *nv;

		if (a->value) {
			/* oned's record of an allocate on hold, not the VM's */
			if (strcmp(a->name, "SUBMIT_ON_HOLD") && !drop_requirement(a->name, a->value, m, notes))
				r = tmpl_add(t, a->name, a->value);
		} else if (!strcmp(a->name, "DISK")) {
			const struct manifest_disk *d = disk < m->n_disks ? &m->disks[disk] : NULL;
			const struct one_obj *img, *owner;

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
			/* register chowns what it allocates: an image still not the
			 * mapped owner's is a chown that failed */
			owner = d->uname ? cmd_map_obj(&ctx->conf, MAP_USER, d->uname, &site->users,
						       "user", label) : NULL;
			if (d->uname && !owner) {
				bad++;
				continue;
			}
			if (owner && img->uid != owner->id) {
				log_error(0, "%s: registered image %d is owned by %s, expected %s: rerun onedr register",
					  label, img->id, img->uname ? img->uname : "?", owner->name);
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
			r = copy_vector(t, a, addr_skip, &nv);
			if (r == 0)
				r = tmpl_attr_set(nv, "NETWORK_ID", id);
			if (r == 0 && map && map->keep_addresses &&
			    (r = keep_address(nv, a, vn, nic, label, notes)) == -EINVAL) {
				r = 0;	/* logged */
				bad++;
			}
			nic++;
		} else {
			r = copy_vector(t, a, NULL, NULL);
		}
	}
	for (const struct tmpl_attr *a = m->user_tmpl->head; r == 0 && a; a = a->next)
		if (!a->value)
			r = copy_vector(t, a, NULL, NULL);
		else if (strcmp(a->name, "SUBMIT_ON_HOLD") && !drop_requirement(a->name, a->value, m, notes))
			r = tmpl_add(t, a->name, a->value);
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

/* Whether oned lets a disk of image datastore img run from system datastore
 * sys (VirtualMachineDisks::check_tm_mad): the same TM_MAD, or the image
 * datastore defines CLONE_TARGET_<TM>, LN_TARGET_<TM> and DISK_TYPE_<TM>
 * for the system datastore's TM (a Ceph one does for ssh and shared). */
static bool tm_compatible(const struct one_obj *img, const struct one_obj *sys)
{
	static const char *const keys[] = { "CLONE_TARGET_", "LN_TARGET_", "DISK_TYPE_" };
	const char *tm = sys->tm_mad;
	char key[64];

	if (!tm || !*tm || (img->tm_mad && !strcasecmp(img->tm_mad, tm)))
		return true;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v;
		size_t k = (size_t)snprintf(key, sizeof(key), "%s%s", keys[i], tm);

		for (size_t j = strlen(keys[i]); j < k && j < sizeof(key); j++)
			key[j] = (char)toupper((unsigned char)key[j]);
		v = img->tmpl ? tmpl_get(img->tmpl, key) : NULL;
		if (!v || !*v)
			return false;
	}
	return true;
}

/*
 * --deploy: the system datastore here is the one the VM ran on, through
 * SYSTEM_DATASTORE_MAP; oned would otherwise take the lowest-ID system
 * datastore (DS 0, TM local, on a default install). It must be a system
 * datastore, and every registered image's datastore must support its TM.
 */
static const struct one_obj *check_system_ds(struct cmd_ctx *ctx, const struct manifest *m,
					     const struct site_objs *site, const char *label)
{
	const struct one_obj *sys;
	int bad = 0;

	if (!m->sys_ds) {
		log_error(0, "%s: its manifest does not name its system datastore (an older onedr exported it): export it again, or deploy it by hand",
			  label);
		return NULL;
	}
	sys = cmd_map_obj(&ctx->conf, MAP_SYSTEM_DATASTORE, m->sys_ds, &site->ds,
			  "system datastore", label);
	if (!sys)
		return NULL;
	if (sys->type != 1 /* SYSTEM_DS */) {
		log_error(0, "%s: datastore '%s' (mapped from '%s') is not a system datastore", label,
			  sys->name, m->sys_ds);
		return NULL;
	}
	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *d = &m->disks[i];
		const struct one_obj *img, *ids;

		if (d->kind == DISK_UNPROTECTED ||
		    !(img = cmd_image_by_source(site, ctx->conf.pool, d->pool, d->rbd, NULL)))
			continue;	/* dropped, or reported by build() */
		ids = one_objs_by_id(&site->ds, img->ds_id);
		if (ids && !tm_compatible(ids, sys)) {
			log_error(0, "%s: disk %d: image datastore '%s' (TM_MAD %s) does not support system datastore '%s' (TM_MAD %s)",
				  label, d->disk_id, ids->name, ids->tm_mad ? ids->tm_mad : "none",
				  sys->name, sys->tm_mad ? sys->tm_mad : "none");
			bad++;
		}
	}
	return bad ? NULL : sys;
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
		struct ceph_image *img;
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
		 const struct one_obj *sys_ds, const char **did, struct one_error *err)
{
	*did = NULL;
	if (mode == START_DEPLOY && (state == VM_HOLD || state == VM_PENDING)) {
		*did = "deployed";
		return one_vm_deploy(one, id, host, false, sys_ds ? sys_ds->id : -1, err);
	}
	if (mode == START_RELEASE && state == VM_HOLD) {
		*did = "released";
		return one_vm_action(one, "release", id, err);
	}
	return 0;
}

static void print_notes(const char *vl, const char *notes)
{
	for (const char *p = notes; p && *p;) {
		size_t n = strcspn(p, "\n");

		printf("%s: %.*s\n", vl, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

int cmd_recreate_vm(struct one_client *one, const struct rec_vm *rv, enum start_mode mode, int host,
		    const struct one_obj *caller, struct rec_done *ret)
{
	char *xml = NULL;
	int r, id, state;

	ret->id = -1;
	ret->did = NULL;
	ret->err.code = 0;
	ret->err.msg[0] = '\0';
	if (rv->existing) {
		id = ret->id = rv->existing->id;
		state = rv->existing->state;
		if (rv->existing->uid != rv->user->id || rv->existing->gid != rv->group->id) {
			r = one_vm_chown(one, id, rv->user->id, rv->group->id, &ret->err);
			if (r < 0)
				return r;
		}
		return start(one, id, state, mode, host, rv->sys_ds, &ret->did, &ret->err);
	}
	r = one_tmpl_to_xml(rv->tmpl, &xml);
	if (r < 0) {
		snprintf(ret->err.msg, sizeof(ret->err.msg), "cannot write the VM template: %s",
			 strerror(-r));
		return r;
	}
	r = one_vm_allocate(one, xml, mode != START_RELEASE, &id, &ret->err);
	free(xml);
	if (r < 0)
		return r;
	ret->id = id;
	state = mode != START_RELEASE ? VM_HOLD : VM_PENDING;
	/* a new VM belongs to the caller and its primary group */
	r = caller && caller->id == rv->user->id && caller->gid == rv->group->id ? 0
		: one_vm_chown(one, id, rv->user->id, rv->group->id, &ret->err);
	if (r == 0)
		r = start(one, id, state, mode, host, rv->sys_ds, &ret->did, &ret->err);
	return r;
}

/* The line (and notes) of one VM recreate_vm did (r: what it returned). */
static void print_done(const struct rec_vm *rv, enum start_mode mode, int r,
		       const struct rec_done *d)
{
	char vl[256];

	cmd_vm_label(rv->m, vl, sizeof(vl));
	if (r < 0 && (rv->existing || d->id < 0)) {
		printf("%s: failed: %s\n", vl, d->err.msg);
		return;
	}
	if (r < 0)
		printf("%s: created as VM %d, then failed: %s (a rerun finishes it)\n", vl, d->id,
		       d->err.msg);
	else if (rv->existing)
		printf("%s: already recreated as VM %d (%s)%s%s\n", vl, d->id, state_name(rv->existing),
		       d->did ? ", now " : "", d->did ? d->did : "");
	else if (d->did && rv->sys_ds)
		printf("%s: created as VM %d (deployed, system datastore '%s')\n", vl, d->id,
		       rv->sys_ds->name);
	else
		printf("%s: created as VM %d (%s)\n", vl, d->id,
		       d->did ? d->did : mode == START_RELEASE ? "PENDING" : "HOLD");
	print_notes(vl, rv->notes);
}

int cmd_recreate_check(struct cmd_ctx *ctx, struct ceph *c, const struct site_objs *site,
		       const struct one_vms *here, const struct manifest *m, bool drop,
		       enum start_mode mode, bool primary, struct rec_vm *rv)
{
	char vl[256];
	int bad = 0;

	cmd_vm_label(m, vl, sizeof(vl));
	rv->m = m;
	rv->existing = find_existing(here, rv->m);
	rv->user = cmd_map_obj(&ctx->conf, MAP_USER, rv->m->uname, &site->users, "user", vl);
	rv->group = cmd_map_obj(&ctx->conf, MAP_GROUP, rv->m->gname, &site->groups, "group", vl);
	if (!rv->user || !rv->group)
		bad++;
	if (!rv->existing && build(ctx, rv->m, site, drop, vl, &rv->tmpl, &rv->notes) < 0)
		bad++;
	if (mode == START_DEPLOY && !(rv->sys_ds = check_system_ds(ctx, rv->m, site, vl)))
		bad++;
	if (primary && mode != START_HOLD && check_primary(ctx, c, rv->m, vl) < 0)
		bad++;
	return bad;
}

static int cmd_recreate(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct takeover t;
	struct one_vms here = { 0, NULL };
	struct rec_vm *recs = NULL;
	enum start_mode mode = START_HOLD;
	const char *host_arg = NULL;
	bool all, drop;
	size_t created = 0, failed = 0, done = 0;
	int r, code, host = -1, modes, bad = 0;

	all = args_has(&ctx->args, "all");
	drop = args_has(&ctx->args, "drop-unprotected");
	host_arg = args_get(&ctx->args, "deploy");
	modes = args_has(&ctx->args, "hold") + (host_arg != NULL) + args_has(&ctx->args, "start");
	if (host_arg)
		mode = START_DEPLOY;
	else if (args_has(&ctx->args, "start"))
		mode = START_RELEASE;
	if (all == (argc > 0) || modes > 1) {
		log_error(0, modes > 1 ? "--hold, --deploy and --start exclude each other"
			  : "name VMs (ID or SITE:ID of the other site), or --all, not both");
		cmd_usage(&cmd_recreate_entry, false);
		return EXIT_USAGE;
	}
	cmd_catch_signals();
	code = cmd_takeover_begin(ctx, argc, argv, all, SITE_IMAGES | SITE_VNETS | SITE_USERS |
				  SITE_GROUPS | (host_arg ? SITE_HOSTS | SITE_DS : 0), &t);
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
	for (size_t i = 0; i < t.nvms; i++)
		bad += cmd_recreate_check(ctx, t.ceph, &t.site, &here, t.vms[i]->m, drop, mode,
					  true, &recs[i]);
	if (cmd_map_report(&ctx->conf) > 0)
		bad++;
	if (bad) {
		code = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < t.nvms && !cmd_interrupted(); i++, done++) {
		struct rec_done d;

		r = cmd_recreate_vm(t.one, &recs[i], mode, host, cmd_caller(t.one, &t.site), &d);
		print_done(&recs[i], mode, r, &d);
		if (r < 0)
			failed++;
		else if (!recs[i].existing)
			created++;
		fflush(stdout);	/* each line as its step completes, even on a pipe */
	}
	printf("recreate: %zu VMs: %zu created, %zu already there, %zu failed", t.nvms, created,
	       done - created - failed, failed);
	if (done < t.nvms) {
		printf(", %zu not started: interrupted\n", t.nvms - done);
		log_error(0, "interrupted: %zu of %zu VMs not recreated (a rerun does them)",
			  t.nvms - done, t.nvms);
	} else {
		printf("\n");
	}
	code = failed || t.refused || done < t.nvms ? EXIT_PARTIAL : EXIT_OK;
out:
	for (size_t i = 0; recs && i < t.nvms; i++) {
		tmpl_free(recs[i].tmpl);
		free(recs[i].notes);
	}
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
	"images, NICs at the networks NETWORK_MAP maps to (the IP kept only with\n"
	"KEEP_ADDRESSES = \"YES\"; the network derives the MAC, and a MAC that\n"
	"differs from the VM's is reported), owner and group through USER_MAP and\n"
	"GROUP_MAP. Scheduler requirements naming the other site's hosts or\n"
	"datastores (ID, NAME, HOSTNAME, CLUSTER_ID...) are dropped and reported.\n"
	"The VM records its origin in USER_TEMPLATE (ONEDR_SOURCE_SITE,\n"
	"ONEDR_SOURCE_VM): a rerun finds it and creates nothing twice.\n"
	"Only manifests signed with SIGNING_KEY are used; --all skips the VMs\n"
	"whose manifest is retired (they no longer exist on their site).\n"
	"Every check runs before anything is created.\n"
	"--deploy and --start need every Ceph disk of the VM to be primary here.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the manifests"),
		{ "all", 0, ARG_FLAG, NULL, 0, "every VM from another site" },
		{ "hold", 0, ARG_FLAG, NULL, 0, "leave the VMs on hold (the default)" },
		{ "deploy", 0, ARG_STRING, "HOST", 0,
		  "deploy them on HOST (name or ID), on the system\n"
		  "datastore SYSTEM_DATASTORE_MAP maps theirs to" },
		{ "start", 0, ARG_FLAG, NULL, 0, "release them to the scheduler" },
		{ "drop-unprotected", 0, ARG_FLAG, NULL, 0,
		  "recreate VMs without their disks that are not on\n"
		  "Ceph (each is named); without it such VMs are refused" },
		CMD_OPT_END
	},
	.exec = cmd_recreate,
};

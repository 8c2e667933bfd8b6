/*
 * cmd-one.c: what the OpenNebula commands (export, manifest, register,
 * recreate) share: the oned client, the manifests of a pool, the VMs named
 * on the command line, and this site's objects.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"
#include "rbd-name.h"

int cmd_one_connect(struct cmd_ctx *ctx, struct one_client **ret)
{
	struct one_error err = { 0, "" };
	int r = one_client_new(ctx->conf.one_endpoint, ctx->conf.one_auth, ctx->conf.one_timeout,
			       ret, &err);

	if (r < 0)
		log_error(0, "OpenNebula: %s", err.msg[0] ? err.msg : strerror(-r));
	return r;
}

int cmd_signing_key(struct cmd_ctx *ctx, bool required, struct manifest_key **ret)
{
	struct manifest_error err = { "" };
	int r;

	*ret = NULL;
	if (!ctx->conf.signing_key) {
		if (!required)
			return 0;
		return log_error(-ENOKEY, "SIGNING_KEY is not set in %s: %s needs the key that signs the manifests",
				 ctx->conf.path ? ctx->conf.path : "onedr.conf", ctx->name);
	}
	r = manifest_key_load(ctx->conf.signing_key, ret, &err);
	if (r < 0)
		return log_error(0, "%s", err.msg[0] ? err.msg : strerror(-r)), r;
	return 0;
}

int cmd_scan_manifests(struct cmd_ctx *ctx, struct ceph *c, const char *pool,
		       const struct manifest_key *key, struct store_scan *ret)
{
	rados_ioctx_t io;
	int r = ceph_pool(c, pool, &io);

	if (r < 0)
		return log_error(r, "pool '%s'", pool);
	r = store_scan(io, NULL, 0, key, ctx->conf.concurrency, ctx->conf.image_timeout, ret);
	if (r < 0)
		return log_error(r, "cannot read the manifests of pool '%s'", pool);
	return 0;
}

static int parse_vm_arg(const char *arg, char **ret_site, int *ret_id)
{
	const char *colon = strrchr(arg, ':'), *num = colon ? colon + 1 : arg;
	char *end;
	long v;

	*ret_site = NULL;
	errno = 0;
	v = strtol(num, &end, 10);
	if (!*num || *end || errno || v < 0 || v > INT_MAX || (colon && colon == arg))
		return -EINVAL;
	if (colon && !(*ret_site = strndup(arg, (size_t)(colon - arg))))
		return -ENOMEM;
	*ret_id = (int)v;
	return 0;
}

/* A damaged copy on a disk whose RBD name says it belongs to VM id:
 * one-<IMAGE>-<VM>-<DISK> or one-sys-<VM>-<DISK>. */
static const struct store_copy *damaged_copy_of(const struct store_scan *s, int id)
{
	for (size_t i = 0; i < s->ncopies; i++) {
		const struct store_copy *c = &s->copies[i];
		int a, vm, d;
		char tail;

		if (c->r == 0 || c->r == -ENODATA || c->r == -ENOENT)
			continue;
		if ((sscanf(c->image, "one-sys-%d-%d%c", &vm, &d, &tail) == 2 ||
		     sscanf(c->image, "one-%d-%d-%d%c", &a, &vm, &d, &tail) == 3) && vm == id)
			return c;
	}
	return NULL;
}

/* Whether a manifest may be acted on: signed with our key and not retired.
 * Logs why not; a retired one skipped by --all is a line on stdout. */
static bool usable(const struct store_vm *vm, bool named, size_t *refused)
{
	const struct manifest *m = vm->m;
	char vl[256];

	if (m->auth != MANIFEST_VERIFIED) {
		/* a copy whose signature does not match is never chosen: the
		 * scan counts it as damaged */
		log_error(0, "manifest of VM %s/%d is unsigned (written by an older onedr): re-export it on %s with SIGNING_KEY set",
			  m->site, m->vm_id, m->site);
		(*refused)++;
		return false;
	}
	if (!m->retired)
		return true;
	cmd_vm_label(m, vl, sizeof(vl));
	if (named) {
		log_error(0, "%s is retired: it no longer exists on %s (onedr manifest --show prints it)",
			  vl, m->site);
		(*refused)++;
	} else {
		printf("%s: retired (it no longer exists on %s), skipped\n", vl, m->site);
	}
	return false;
}

int cmd_select_vms(struct cmd_ctx *ctx, const struct store_scan *s, const char *pool,
		   int argc, char **argv, bool all, const struct store_vm ***ret, size_t *ret_n,
		   size_t *ret_refused)
{
	const struct store_vm **v = calloc((size_t)argc + s->nvms + 1, sizeof(*v));
	size_t n = 0;
	int r = 0;

	*ret_refused = 0;
	if (!v)
		return log_error(-ENOMEM, "selecting VMs");
	if (all) {
		for (size_t i = 0; i < s->nvms; i++)
			if (strcmp(s->vms[i].m->site, ctx->conf.site) &&
			    usable(&s->vms[i], false, ret_refused))
				v[n++] = &s->vms[i];
		if (s->nbad)
			log_warn(0, "%zu damaged manifests in pool '%s' were skipped: see onedr manifest",
				 s->nbad, pool);
	}
	for (int i = 0; i < argc; i++) {
		const struct store_vm *vm;
		char *site;
		int id, q;

		if (parse_vm_arg(argv[i], &site, &id) < 0) {
			log_error(0, "'%s' is not a VM: give its ID on the other site, or SITE:ID",
				  argv[i]);
			r = -EINVAL;
			continue;
		}
		if (site && !strcmp(site, ctx->conf.site)) {
			log_error(0, "VM %s: its manifest was written on this site (%s): %s takes "
				  "the VMs of the other site", argv[i], site, ctx->name);
			free(site);
			r = -EINVAL;
			continue;
		}
		q = store_find(s, site, id, ctx->conf.site, &vm);
		if (q == -ENOENT) {
			const struct store_copy *bad = damaged_copy_of(s, id);

			if (bad)
				log_error(0, "VM %s: its manifest on %s/%s is damaged (%s) and no good copy was found",
					  argv[i], pool, bad->image, bad->err);
			else
				log_error(0, "VM %s: no manifest of it in pool '%s'%s", argv[i], pool,
					  s->nbad ? " (some manifests there are damaged: see onedr manifest)" : "");
		}
		else if (q == -EEXIST)
			log_error(0, "VM %s: manifests from several sites have this ID: write SITE:%d",
				  argv[i], id);
		else if (usable(vm, true, ret_refused))
			v[n++] = vm;
		else
			q = -EPERM;
		if (q < 0)
			r = -ENOENT;
		free(site);
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void cmd_site_free(struct site_objs *s)
{
	one_objs_free(&s->ds);
	one_objs_free(&s->images);
	one_objs_free(&s->vnets);
	one_objs_free(&s->users);
	one_objs_free(&s->groups);
	one_objs_free(&s->hosts);
}

int cmd_site_load(struct one_client *c, unsigned what, struct site_objs *ret)
{
	static const struct {
		unsigned bit;
		const char *call, *pool, *elem;
	} kinds[] = {
		{ SITE_DS, "one.datastorepool.info", "DATASTORE_POOL", "DATASTORE" },
		{ SITE_IMAGES, "one.imagepool.info", "IMAGE_POOL", "IMAGE" },
		{ SITE_VNETS, "one.vnpool.info", "VNET_POOL", "VNET" },
		{ SITE_USERS, "one.userpool.info", "USER_POOL", "USER" },
		{ SITE_GROUPS, "one.grouppool.info", "GROUP_POOL", "GROUP" },
		{ SITE_HOSTS, "one.hostpool.info", "HOST_POOL", "HOST" },
	};
	struct one_objs *dst[] = { &ret->ds, &ret->images, &ret->vnets, &ret->users,
				   &ret->groups, &ret->hosts };

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct one_error err = { 0, "" };
		char *xml = NULL;
		int r;

		if (!(what & kinds[i].bit))
			continue;
		switch (kinds[i].bit) {
		case SITE_DS: r = one_datastorepool_info(c, &xml, &err); break;
		case SITE_IMAGES: r = one_imagepool_info(c, -2, &xml, &err); break;
		case SITE_VNETS: r = one_vnpool_info(c, -2, &xml, &err); break;
		case SITE_USERS: r = one_userpool_info(c, &xml, &err); break;
		case SITE_GROUPS: r = one_grouppool_info(c, &xml, &err); break;
		default: r = one_hostpool_info(c, &xml, &err); break;
		}
		if (r < 0) {
			cmd_site_free(ret);
			return log_error(0, "OpenNebula: %s", err.msg[0] ? err.msg : strerror(-r)), r;
		}
		r = one_pool_parse(xml, strlen(xml), kinds[i].pool, kinds[i].elem, dst[i]);
		free(xml);
		if (r < 0) {
			cmd_site_free(ret);
			return log_error(r, "OpenNebula: %s returned a document onedr cannot read",
					 kinds[i].call);
		}
	}
	return 0;
}

const char *cmd_vm_label(const struct manifest *m, char *buf, size_t len)
{
	snprintf(buf, len, "VM %s/%d (%s)", m->site, m->vm_id, m->name);
	return buf;
}

const struct one_obj *cmd_image_by_source(const struct site_objs *s, const char *default_pool,
					  const char *pool, const char *rbd, bool *ret_snap)
{
	/* by pool and RBD name, however the SOURCE is written: one RBD must
	 * never get two images (deleting the "duplicate" deletes the RBD) */
	for (size_t i = 0; i < s->images.n; i++) {
		char ip[256], ir[256];
		bool snap;

		if (manifest_source_split(s->images.v[i]->source, default_pool, ip, ir, sizeof(ip),
					  &snap) == 0 && !strcmp(ip, pool) && !strcmp(ir, rbd)) {
			if (ret_snap)
				*ret_snap = snap;
			return s->images.v[i];
		}
	}
	return NULL;
}

/* Names the maps do not cover (or map to nothing here), each with every
 * VM that uses it: one error line per name, listing them all, logged by
 * cmd_map_report() once every check ran. Kept per thread: failover checks
 * VMs on several threads at once, each reporting its own. */
static __thread struct map_miss {
	int kind;		/* enum map_kind; + MAP_KINDS: the mapped object is missing */
	char name[128], from[128], what[32];
	char *vms;		/* "VM a, VM b", malloc'd */
} misses[64];
static __thread size_t n_misses;

static void map_miss(int kind, const char *name, const char *from, const char *what,
		     const char *label)
{
	struct map_miss *m = NULL;
	size_t ln = strlen(label);
	char *nv;

	for (size_t i = 0; i < n_misses && !m; i++)
		if (misses[i].kind == kind && !strncmp(misses[i].name, name, sizeof(m->name) - 1))
			m = &misses[i];
	if (!m) {
		if (n_misses == sizeof(misses) / sizeof(misses[0]))
			return;	/* the first 64 names are enough to act on */
		m = &misses[n_misses++];
		m->kind = kind;
		snprintf(m->name, sizeof(m->name), "%s", name);
		snprintf(m->from, sizeof(m->from), "%s", from);
		snprintf(m->what, sizeof(m->what), "%s", what);
	}
	/* each VM once: labels are "VM site/id (name)" */
	for (const char *p = m->vms; p && (p = strstr(p, label)); p += ln)
		if (p[ln] == ',' || !p[ln])
			return;
	nv = realloc(m->vms, (m->vms ? strlen(m->vms) + 2 : 0) + ln + 1);
	if (!nv)
		return;
	if (m->vms)
		strcat(strcat(nv, ", "), label);
	else
		strcpy(nv, label);
	m->vms = nv;
}

int cmd_map_report(const struct onedr_conf *conf)
{
	int n = (int)n_misses;

	for (size_t i = 0; i < n_misses; i++) {
		const struct map_miss *m = &misses[i];

		if (m->kind < MAP_KINDS)
			log_error(0, "no %s for %s '%s' in %s: %s", conf_map_kind_name(m->kind),
				  m->what, m->name, conf->path ? conf->path : "onedr.conf",
				  m->vms ? m->vms : "");
		else
			log_error(0, "%s '%s' (mapped from '%s') does not exist on this site: %s",
				  m->what, m->name, m->from, m->vms ? m->vms : "");
		free(misses[i].vms);
		misses[i].vms = NULL;
	}
	n_misses = 0;
	return n;
}

/* Map name through kind's map and find it among objs; what is wrong is
 * logged by cmd_map_report(). */
const struct one_obj *cmd_map_obj(const struct onedr_conf *conf, enum map_kind kind,
				  const char *name, const struct one_objs *objs,
				  const char *what, const char *label)
{
	const char *to = NULL;
	const struct one_obj *o;

	if (!name) {
		log_error(0, "%s: the manifest names no %s", label, what);
		return NULL;
	}
	if (!conf_map_find(conf, kind, name, &to)) {
		map_miss(kind, name, name, what, label);
		return NULL;
	}
	o = one_objs_by_name(objs, to);
	if (!o)
		map_miss(kind + MAP_KINDS, to, name, what, label);
	return o;
}

const struct one_obj *cmd_caller(struct one_client *c, const struct site_objs *s)
{
	return one_objs_by_name(&s->users, one_client_user(c));
}

int cmd_takeover_begin(struct cmd_ctx *ctx, int argc, char **argv, bool all, unsigned what,
		       struct takeover *t)
{
	return cmd_takeover_begin_peer(ctx, argc, argv, all, what, t, NULL, NULL);
}

int cmd_takeover_begin_peer(struct cmd_ctx *ctx, int argc, char **argv, bool all, unsigned what,
			    struct takeover *t, struct ceph **ret_peer, int *ret_peer_error)
{
	memset(t, 0, sizeof(*t));
	if (cmd_load_site_conf(ctx) < 0)
		return EXIT_USAGE;
	t->scan = calloc(1, sizeof(*t->scan));
	if (!t->scan)
		return log_error(-ENOMEM, "%s", ctx->name), EXIT_UNAVAILABLE;
	/* only manifests signed with the sites' key are acted on */
	if (cmd_signing_key(ctx, true, &t->key) < 0)
		return EXIT_USAGE;
	if (cmd_connect(ctx, ret_peer != NULL, &t->ceph, ret_peer, ret_peer_error) < 0 ||
	    cmd_scan_manifests(ctx, t->ceph, ctx->conf.pool, t->key, t->scan) < 0)
		return EXIT_UNAVAILABLE;
	if (cmd_select_vms(ctx, t->scan, ctx->conf.pool, argc, argv, all, &t->vms, &t->nvms,
			   &t->refused) < 0)
		return EXIT_USAGE;
	if (cmd_one_connect(ctx, &t->one) < 0 || cmd_site_load(t->one, what, &t->site) < 0)
		return EXIT_UNAVAILABLE;
	return 0;
}

void cmd_takeover_end(struct takeover *t)
{
	free(t->vms);
	cmd_site_free(&t->site);
	if (t->scan)
		store_scan_free(t->scan);
	free(t->scan);
	one_client_free(t->one);
	ceph_close(t->ceph);
	manifest_key_free(t->key);
	memset(t, 0, sizeof(*t));
}

int cmd_wait_vm(struct cmd_vm_wait *w, int id)
{
	time_t end = time(NULL) + w->wait;
	long pause_ms = w->first_ms ? w->first_ms : 1000;

	w->late = false;
	for (;;) {
		struct one_error err = { 0, "" };
		struct one_client *one = w->one ? w->one : w->take(w->pool);
		struct one_vm *vm = NULL;
		int r = cmd_twosite_vm(one, id, &vm, &err);

		r = w->look(w->arg, one, r < 0 ? NULL : vm, r, &err);
		one_vm_free(vm);
		if (!w->one)
			w->give(w->pool, one);
		if (r != 0)
			return r > 0 ? 0 : r;
		if (cmd_interrupted())
			return -EINTR;
		if (time(NULL) >= end) {
			w->late = true;
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ pause_ms / 1000, pause_ms % 1000 * 1000000L }, NULL);
		pause_ms = pause_ms * 2 > 1000 ? 1000 : pause_ms * 2;
	}
}

struct running {
	int id;
	enum start_mode mode;
	char *detail;
	size_t len;
};

static int running_look(void *arg, struct one_client *one, const struct one_vm *vm, int r,
			const struct one_error *err)
{
	struct running *rn = arg;

	(void)one;
	(void)err;
	if (r < 0)
		return 0;	/* oned may be busy: look again */
	snprintf(rn->detail, rn->len, "VM %d state %d lcm %d%s%s", rn->id, vm->state, vm->lcm_state,
		 vm->hostname ? " on " : "", vm->hostname ? vm->hostname : "");
	if (vm->state == VM_ACTIVE && vm->lcm_state == LCM_RUNNING)
		return 1;
	if (vm->state == VM_DONE || (vm->state == VM_HOLD && rn->mode != START_HOLD))
		return -EIO;
	return 0;
}

int cmd_wait_running(struct cmd_vm_wait *w, int id, enum start_mode mode, char *detail,
		     size_t len)
{
	struct running rn = { id, mode, detail, len };

	w->look = running_look;
	w->arg = &rn;
	return cmd_wait_vm(w, id);
}

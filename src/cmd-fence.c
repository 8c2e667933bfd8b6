/*
 * cmd-fence.c: onedr fence (HOST | --address ADDR) [--expire S] [--wait S] [--dry-run | --list]
 *              onedr unfence (HOST | --address ADDR)
 *
 * Fencing a host in Ceph (fence.h): its client addresses go into the OSD
 * blocklist, so a QEMU left running on a host OpenNebula lost can no longer
 * write its disks once the VM runs elsewhere. Then onedr checks the RBDs of
 * the host's VMs until no watcher from the host is left (the OSDs drop the
 * watches of blocklisted clients), within --wait seconds. The host-error
 * hooks (hooks/host-error.c, hooks/fence-host.c) fence the same way.
 *
 * HOST is an OpenNebula host, by name or ID: its addresses are its
 * template's ONEDR_FENCE_ADDRESS, else what its name resolves to. --address
 * names the addresses (IPs or CIDR ranges, comma-separated) instead: with
 * HOST too, the host's VMs are still checked; alone, no oned is needed.
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
#include "fence.h"
#include "hook-payload.h"
#include "log.h"
#include "manifest-build.h"
#include "one-calls.h"

/* The host's VMs that may have a QEMU there: those whose last placement is
 * the host, ACTIVE, SUSPENDED or POWEROFF (what ft/host_error.rb looks at). */
static int host_vms(struct one_client *one, const char *host, struct one_vms *ret)
{
	struct one_error err = { 0, "" };
	struct one_vms all = { 0, NULL }, mine = { 0, NULL };
	char *xml = NULL;
	int r;

	r = one_vmpool_info(one, true, -2, -1, -1, -1, &xml, &err);
	if (r < 0)
		return log_error(0, "OpenNebula: %s", err.msg), r;
	r = one_vmpool_parse(xml, strlen(xml), &all);
	free(xml);
	if (r < 0)
		return log_error(r, "one.vmpool.infoextended: a document onedr cannot read"), r;
	mine.v = calloc(all.n + 1, sizeof(*mine.v));
	if (!mine.v) {
		one_vms_free(&all);
		return log_error(-ENOMEM, "host '%s'", host);
	}
	for (size_t i = 0; i < all.n; i++) {
		struct one_vm *vm = all.v[i];

		if (vm->hostname && !strcmp(vm->hostname, host) &&
		    (vm->state == VM_ACTIVE || vm->state == VM_SUSPENDED || vm->state == VM_POWEROFF)) {
			mine.v[mine.n++] = vm;
			all.v[i] = NULL;
		} else {
			one_vm_free(vm);
		}
	}
	free(all.v);
	*ret = mine;
	return 0;
}

int cmd_fence_target(struct cmd_ctx *ctx, struct one_client *one, const struct one_obj *host,
		     const char *addresses, struct fence_target *ret)
{
	char msg[512] = "", bad[128] = "";
	int r;

	(void)ctx;
	memset(ret, 0, sizeof(*ret));
	ret->host_id = host ? host->id : -1;
	if (addresses) {
		r = fence_addrs_parse(addresses, &ret->addrs, bad, sizeof(bad));
		if (r < 0) {
			log_error(0, "--address: '%s' is not an IP address or a CIDR range (with the host bits zero)",
				  bad);
			return EXIT_USAGE;
		}
		snprintf(ret->source, sizeof(ret->source), "--address");
	} else {
		const char *attr = tmpl_get(host->tmpl, FENCE_ADDRESS_ATTR);

		r = fence_host_addrs(host->name, attr, &ret->addrs, msg, sizeof(msg));
		if (r < 0) {
			log_error(0, "host '%s': %s", host->name, msg);
			return r == -EAGAIN ? EXIT_UNAVAILABLE : EXIT_USAGE;
		}
		snprintf(ret->source, sizeof(ret->source), "%s",
			 attr && attr[strspn(attr, " \t\r\n")] ? FENCE_ADDRESS_ATTR : "its name");
	}
	snprintf(ret->name, sizeof(ret->name), "%s", host ? host->name : addresses);
	if (host && host_vms(one, host->name, &ret->vms) < 0)
		return EXIT_UNAVAILABLE;
	return EXIT_OK;
}

void cmd_fence_target_free(struct fence_target *t)
{
	one_vms_free(&t->vms);
}

/* The addresses as one string, for the lines. */
static void addrs_text(const struct fence_addrs *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n && off < len; i++) {
		char a[64];

		fence_addr_format(&s->v[i], a, sizeof(a));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", a);
	}
}

/* Every address that must never be fenced. Logs its error. */
static int load_guards(struct cmd_ctx *ctx, struct ceph *c, struct fence_guards *g)
{
	struct timespec dl = deadline_after(ctx->conf.image_timeout);
	int r;

	r = fence_guards_local(g);
	if (r < 0)
		return log_error(r, "cannot list this front-end's addresses");
	r = fence_guards_client(c->rados, g);
	if (r < 0)
		return log_error(r, "cannot read onedr's own Ceph client address");
	r = fence_guards_mirror(c->rados, &dl, g);
	if (r < 0)
		return log_error(r, "cannot read this site's rbd-mirror daemons from the mgr's service map "
				 "(nothing is fenced without knowing them)");
	return 0;
}

/* The time an entry added now expires, for the lines. */
static void expiry_text(unsigned expire, char *buf, size_t len)
{
	time_t t = time(NULL) + (time_t)expire;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* One Ceph disk of a VM, and what the watcher check found. */
struct fence_disk {
	const struct one_vm *vm;
	int disk_id;
	char pool[128], rbd[128];
	struct fence_watcher w;		/* the first watcher from the host */
	bool nwatchers;			/* watched from the host before the fence */
	int r;				/* of the last look */
	bool clear;			/* no watcher from the host at the last look */
	double gone_after;		/* seconds after the fence when it was seen clear */
};

static int collect_disks(struct cmd_ctx *ctx, const struct fence_target *t,
			 struct fence_disk **ret, size_t *ret_n)
{
	struct fence_disk *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < t->vms.n; i++) {
		struct manifest_error merr = { "" };
		struct manifest *m = NULL;
		int r = manifest_build(t->vms.v[i], NULL, ctx->conf.site ? ctx->conf.site : "",
				       (long long)time(NULL), &m, &merr);

		if (r < 0) {
			printf("VM %d (%s): cannot tell its disks: %s\n", t->vms.v[i]->id,
			       t->vms.v[i]->name, merr.msg[0] ? merr.msg : strerror(-r));
			free(v);
			return r;
		}
		for (size_t k = 0; k < m->n_disks; k++) {
			struct fence_disk *nv, *d;

			if (m->disks[k].kind == DISK_UNPROTECTED)
				continue;	/* not on Ceph: no watcher to look for */
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				manifest_free(m);
				free(v);
				return -ENOMEM;
			}
			v = nv;
			d = &v[n++];
			memset(d, 0, sizeof(*d));
			d->vm = t->vms.v[i];
			d->disk_id = m->disks[k].disk_id;
			snprintf(d->pool, sizeof(d->pool), "%s", m->disks[k].pool);
			snprintf(d->rbd, sizeof(d->rbd), "%s", m->disks[k].rbd);
		}
		manifest_free(m);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Look at d once: its watchers from the host. */
static void look(struct cmd_ctx *ctx, struct ceph *c, const struct fence_target *t,
		 struct fence_disk *d)
{
	struct timespec dl = deadline_after(ctx->conf.image_timeout);
	struct fence_watcher w[1];
	rados_ioctx_t io;
	size_t n = 0;

	d->r = ceph_pool(c, d->pool, &io);
	if (d->r == 0)
		d->r = fence_image_watchers(io, d->rbd, &t->addrs, &dl, w, 1, &n);
	if (d->r == -ENOENT) {	/* no such RBD (yet, or any more): nobody watches it */
		d->r = 0;
		n = 0;
	}
	if (d->r < 0)
		return;
	d->clear = n == 0;
	if (n > 0)
		d->w = w[0];
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Before the fence: who from the host watches each disk. */
static void look_before(struct cmd_ctx *ctx, struct ceph *c, const struct fence_target *t,
			struct fence_disk *disks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		look(ctx, c, t, &disks[i]);
		disks[i].nwatchers = disks[i].r == 0 && !disks[i].clear;
	}
}

/*
 * After the fence (at t0): look again until no disk has a watcher from the
 * host, up to wait seconds. One line per disk. Returns how many disks are
 * left watched or could not be checked.
 */
static size_t wait_watchers(struct cmd_ctx *ctx, struct ceph *c, const struct fence_target *t,
			    struct fence_disk *disks, size_t n, unsigned wait,
			    const struct timespec *t0)
{
	struct timespec until = deadline_after(wait);
	size_t left, bad = 0;

	for (size_t i = 0; i < n; i++)
		disks[i].clear = false;
	for (;;) {
		left = 0;
		for (size_t i = 0; i < n; i++) {
			if (disks[i].clear)
				continue;
			look(ctx, c, t, &disks[i]);
			if (disks[i].clear)
				disks[i].gone_after = seconds_since(t0);
			else
				left++;
		}
		if (left == 0 || deadline_left(&until) <= 0 || cmd_interrupted())
			break;
		usleep(200 * 1000);
	}
	for (size_t i = 0; i < n; i++) {
		const struct fence_disk *d = &disks[i];

		printf("VM %d (%s): disk %d %s/%s: ", d->vm->id, d->vm->name, d->disk_id, d->pool,
		       d->rbd);
		if (!d->clear && d->r < 0) {
			printf("cannot check its watchers: %s\n", strerror(-d->r));
			bad++;
		} else if (!d->clear) {
			printf("STILL WATCHED from the host by %s at %s after %u s\n", d->w.entity,
			       d->w.addr, wait);
			bad++;
		} else if (d->nwatchers) {
			printf("the host's watcher %s is gone, seen %.2f s after the fence\n",
			       d->w.entity, d->gone_after);
		} else {
			printf("no watcher from the host\n");
		}
	}
	printf("fence: host '%s': %zu disk%s of %zu VM%s checked, %s\n", t->name, n,
	       n == 1 ? "" : "s", t->vms.n, t->vms.n == 1 ? "" : "s",
	       bad ? "watchers from the host LEFT or not checked" : "no watcher from the host left");
	return bad;
}

static void print_before(const struct fence_disk *disks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fence_disk *d = &disks[i];

		printf("VM %d (%s): disk %d %s/%s: ", d->vm->id, d->vm->name, d->disk_id, d->pool,
		       d->rbd);
		if (d->r < 0)
			printf("cannot check its watchers: %s\n", strerror(-d->r));
		else if (d->nwatchers)
			printf("watched from the host by %s at %s\n", d->w.entity, d->w.addr);
		else
			printf("no watcher from the host\n");
	}
}

int cmd_fence_run(struct cmd_ctx *ctx, struct ceph *c, const struct fence_target *t,
		  unsigned expire, unsigned wait, bool dry_run)
{
	struct fence_guards *g = calloc(1, sizeof(*g));
	struct fence_disk *disks = NULL;
	struct timespec t0;
	char list[1024], until[64];
	size_t ndisks = 0;
	int refused = 0, code, r;

	if (!g)
		return log_error(-ENOMEM, "fence"), EXIT_UNAVAILABLE;
	addrs_text(&t->addrs, list, sizeof(list));
	printf("host '%s': addresses %s (from %s)\n", t->name, list, t->source);
	if (load_guards(ctx, c, g) < 0) {
		free(g);
		return EXIT_UNAVAILABLE;
	}
	/* every refusal before anything is blocklisted */
	for (size_t i = 0; i < t->addrs.n; i++) {
		const struct fence_guard *hit = fence_guarded(g, &t->addrs.v[i]);
		char a[64];

		if (!hit)
			continue;
		fence_addr_format(&t->addrs.v[i], a, sizeof(a));
		log_error(0, "refusing to fence %s for host '%s': it is %s", a, t->name, hit->who);
		refused++;
	}
	free(g);
	if (refused)
		return EXIT_USAGE;
	r = collect_disks(ctx, t, &disks, &ndisks);
	if (r < 0)
		return log_error(r, "host '%s': cannot list its VMs' disks", t->name), EXIT_UNAVAILABLE;
	look_before(ctx, c, t, disks, ndisks);
	expiry_text(expire, until, sizeof(until));
	for (size_t i = 0; i < t->addrs.n; i++) {
		struct timespec dl = deadline_after(ctx->conf.image_timeout);
		char a[64];

		fence_addr_format(&t->addrs.v[i], a, sizeof(a));
		if (dry_run) {
			printf("would fence %s until %s\n", a, until);
			continue;
		}
		r = fence_blocklist_add(c->rados, &t->addrs.v[i], expire, &dl);
		if (r < 0) {
			/* those fenced already stay so: a rerun adds the rest */
			log_error(r, "cannot fence %s for host '%s'", a, t->name);
			free(disks);
			return r == -ETIMEDOUT ? EXIT_UNAVAILABLE : EXIT_PARTIAL;
		}
		printf("fenced %s until %s: the OSDs refuse its clients\n", a, until);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (t->host_id < 0) {
		printf("fence: no OpenNebula host named: no VM disk checked for watchers\n");
		code = EXIT_OK;
	} else if (dry_run) {
		print_before(disks, ndisks);
		code = EXIT_OK;
	} else {
		code = wait_watchers(ctx, c, t, disks, ndisks, wait, &t0) ? EXIT_PARTIAL : EXIT_OK;
	}
	free(disks);
	return code;
}

int cmd_fence_host(struct cmd_ctx *ctx, struct one_client *one, const struct one_obj *host,
		   unsigned expire, unsigned wait, struct fence_target *t)
{
	struct ceph *c = NULL;
	int code = cmd_fence_target(ctx, one, host, NULL, t);

	if (code != EXIT_OK)
		return code;
	if (cmd_connect(ctx, false, &c, NULL, NULL) < 0)
		return EXIT_UNAVAILABLE;
	code = cmd_fence_run(ctx, c, t, expire, wait, false);
	ceph_close(c);
	return code;
}

/* ---- the commands ---- */

/* HOST by ID or name from the host pool. Logs its error. */
static int find_host(struct one_client *one, const char *arg, struct one_objs *hosts,
		     const struct one_obj **ret)
{
	struct one_error err = { 0, "" };
	char *xml = NULL, *end;
	long id;
	int r;

	r = one_hostpool_info(one, &xml, &err);
	if (r < 0)
		return log_error(0, "OpenNebula: %s", err.msg), EXIT_UNAVAILABLE;
	r = one_pool_parse(xml, strlen(xml), "HOST_POOL", "HOST", hosts);
	free(xml);
	if (r < 0)
		return log_error(r, "one.hostpool.info: a document onedr cannot read"), EXIT_UNAVAILABLE;
	*ret = one_objs_by_name(hosts, arg);
	errno = 0;
	id = strtol(arg, &end, 10);
	if (!*ret && *arg && !*end && !errno && id >= 0 && id <= INT_MAX)
		*ret = one_objs_by_id(hosts, (int)id);
	if (!*ret)
		return log_error(0, "no host '%s' in OpenNebula (by name or ID)", arg), EXIT_USAGE;
	return EXIT_OK;
}

/* What fence and unfence start from: the configuration, oned and the host
 * (when named), the target's addresses, the cluster. */
struct fence_setup {
	struct one_client *one;
	struct one_objs hosts;
	struct fence_target target;
	struct ceph *ceph;
};

static int setup(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc, char **argv,
		 struct fence_setup *s)
{
	const char *addresses = args_get(&ctx->args, "address");
	const struct one_obj *host = NULL;
	int code;

	memset(s, 0, sizeof(*s));
	if (argc > 1 || (argc == 0 && !addresses)) {
		log_error(0, argc ? "one host at a time" : "name a host, or --address");
		cmd_usage(e, false);
		return EXIT_USAGE;
	}
	if (cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	if (argc == 1) {
		if (cmd_one_connect(ctx, &s->one) < 0)
			return EXIT_UNAVAILABLE;
		code = find_host(s->one, argv[0], &s->hosts, &host);
		if (code != EXIT_OK)
			return code;
	}
	code = cmd_fence_target(ctx, s->one, host, addresses, &s->target);
	if (code != EXIT_OK)
		return code;
	if (cmd_connect(ctx, false, &s->ceph, NULL, NULL) < 0)
		return EXIT_UNAVAILABLE;
	return EXIT_OK;
}

static void setup_end(struct fence_setup *s)
{
	cmd_fence_target_free(&s->target);
	one_objs_free(&s->hosts);
	one_client_free(s->one);
	ceph_close(s->ceph);
}

/* The blocklist entries that cover the target's addresses. */
static int list_entries(struct cmd_ctx *ctx, struct fence_setup *s)
{
	struct timespec dl = deadline_after(ctx->conf.image_timeout);
	struct fence_entry *e = NULL;
	size_t n = 0, shown = 0;
	int r = fence_blocklist_list(s->ceph->rados, &dl, &e, &n);

	if (r < 0)
		return log_error(r, "cannot read the OSD blocklist"), EXIT_UNAVAILABLE;
	for (size_t i = 0; i < n; i++) {
		if (!fence_addrs_overlap(&s->target.addrs, &e[i].addr))
			continue;
		printf("%s until %s: %s\n", e[i].entity, e[i].until,
		       e[i].whole ? "fenced (every client of the address)" :
		       "one client (a lock break or promote --force), not a fence");
		shown++;
	}
	printf("fence: host '%s': %zu blocklist entr%s\n", s->target.name, shown,
	       shown == 1 ? "y" : "ies");
	free(e);
	return EXIT_OK;
}

static int cmd_fence(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct fence_setup s;
	int code;

	if (args_has(&ctx->args, "list") && args_has(&ctx->args, "dry-run")) {
		log_error(0, "--list and --dry-run: one or the other");
		return EXIT_USAGE;
	}
	code = setup(ctx, &cmd_fence_entry, argc, argv, &s);
	if (code == EXIT_OK && args_has(&ctx->args, "list"))
		code = list_entries(ctx, &s);
	else if (code == EXIT_OK)
		code = cmd_fence_run(ctx, s.ceph, &s.target,
				     args_number(&ctx->args, "expire", ctx->conf.fence_expire),
				     args_number(&ctx->args, "wait", ctx->conf.fence_wait),
				     args_has(&ctx->args, "dry-run"));
	setup_end(&s);
	return code;
}

const struct cmd_entry cmd_fence_entry = {
	.name = "fence",
	.usage = "[--expire S] [--wait S] [--dry-run | --list] (HOST | --address ADDR[,ADDR...])",
	.summary = "fence a host in Ceph: blocklist its client addresses",
	.help =
	"HOST is an OpenNebula host, by name or ID. Its addresses are the host\n"
	"template's " FENCE_ADDRESS_ATTR " (IP addresses or CIDR ranges, separated\n"
	"by blanks or commas: set it when the host's Ceph clients use another\n"
	"network than its name), else every address its name resolves to. A name\n"
	"that does not resolve, or resolves to a loopback address, is an error.\n"
	"Each address goes into the OSD blocklist until it expires (--expire): the\n"
	"OSDs refuse every client from it (EBLOCKLISTED) and drop its watches. Then\n"
	"onedr looks at the RBDs of the host's VMs (ACTIVE, SUSPENDED or POWEROFF\n"
	"with the host last) until no watcher from the host is left, up to --wait\n"
	"seconds; exit 1 if one is left. Fencing again extends the expiry.\n"
	"Never fenced, refused before anything is done: this front-end's own\n"
	"addresses, onedr's own Ceph client's and those of this site's rbd-mirror\n"
	"daemons (the mgr's service map).\n",
	.options = (const struct arg_spec[]) {
		{ "address", 0, ARG_STRING, "ADDR",
		  0, "fence these addresses or CIDR ranges (comma-separated)\n"
		  "instead of the host's; without HOST, no oned is needed" },
		{ "expire", 0, ARG_NUMBER, "S", 3650 * 86400,
		  "the fence lasts S seconds (FENCE_EXPIRE, default 30 days):\n"
		  "longer than the host may take to be repaired" },
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "wait up to S seconds for the host's watchers to go\n"
		  "(FENCE_WAIT, default 60)" },
		{ "dry-run", 0, ARG_FLAG, NULL, 0,
		  "check and show what would be fenced; blocklist nothing" },
		{ "list", 0, ARG_FLAG, NULL, 0,
		  "show the blocklist entries that cover the host's addresses" },
		CMD_OPT_END
	},
	.exec = cmd_fence,
};

static int cmd_unfence(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct fence_setup s;
	struct fence_entry *e = NULL;
	size_t n = 0, failed = 0, covered = 0;
	struct timespec dl;
	int code, r;

	code = setup(ctx, &cmd_unfence_entry, argc, argv, &s);
	if (code != EXIT_OK)
		goto out;
	dl = deadline_after(ctx->conf.image_timeout);
	r = fence_blocklist_list(s.ceph->rados, &dl, &e, &n);
	if (r < 0) {
		log_error(r, "cannot read the OSD blocklist");
		code = EXIT_UNAVAILABLE;
		goto out;
	}
	for (size_t i = 0; i < s.target.addrs.n; i++) {
		const struct fence_addr *a = &s.target.addrs.v[i];
		char text[64];

		fence_addr_format(a, text, sizeof(text));
		dl = deadline_after(ctx->conf.image_timeout);
		r = fence_blocklist_remove(s.ceph->rados, a, &dl);
		if (r == -ENOENT) {
			printf("%s: not fenced\n", text);
		} else if (r < 0) {
			printf("%s: cannot unfence: %s\n", text, strerror(-r));
			failed++;
		} else {
			printf("unfenced %s: its clients may connect again\n", text);
		}
	}
	/* what still covers the host: other ranges, single clients */
	for (size_t k = 0; k < n; k++) {
		bool same = false;

		if (!fence_addrs_overlap(&s.target.addrs, &e[k].addr))
			continue;
		for (size_t i = 0; i < s.target.addrs.n; i++)
			same = same || (fence_addr_overlap(&s.target.addrs.v[i], &e[k].addr) &&
					s.target.addrs.v[i].prefix == e[k].addr.prefix);
		if (same && e[k].whole)
			continue;	/* the entry just removed */
		if (e[k].whole) {
			printf("%s until %s still covers the host: unfence it with --address\n",
			       e[k].entity, e[k].until);
			covered++;
		} else {
			printf("%s until %s stays: one client (a lock break or promote --force), "
			       "not a fence\n", e[k].entity, e[k].until);
		}
	}
	printf("unfence: host '%s': %zu address%s, %zu failed, %zu still covered by a range\n",
	       s.target.name, s.target.addrs.n, s.target.addrs.n == 1 ? "" : "es", failed, covered);
	code = failed || covered ? EXIT_PARTIAL : EXIT_OK;
out:
	free(e);
	setup_end(&s);
	return code;
}

const struct cmd_entry cmd_unfence_entry = {
	.name = "unfence",
	.usage = "(HOST | --address ADDR[,ADDR...])",
	.summary = "lift a host's fence: remove its addresses from the OSD blocklist",
	.help =
	"HOST and its addresses as for 'onedr fence'. Only the entries a fence\n"
	"adds (a whole address, a range) are removed; single clients blocklisted\n"
	"by a lock break or promote --force stay (their process is gone or must\n"
	"not come back) and are listed. Unfence a host only once it no longer\n"
	"runs the VMs that were recovered elsewhere (rebooted, or repaired).\n",
	.options = (const struct arg_spec[]) {
		{ "address", 0, ARG_STRING, "ADDR",
		  0, "unfence these addresses or CIDR ranges (comma-separated)\n"
		  "instead of the host's" },
		CMD_OPT_END
	},
	.exec = cmd_unfence,
};

int cmd_host_payload_read(int argc, char **argv, const char *hint, struct hook_payload **ret)
{
	char msg[256] = "";
	int r = hook_payload_read(argc, argv, 0, ret, msg, sizeof(msg));

	if (r < 0)
		return log_error(0, "%s", msg), r;
	if ((*ret)->kind != HOOK_HOST)
		return log_error(0, "the payload is a %s, not a HOST%s", hook_kind_name((*ret)->kind),
				 hint), -EINVAL;
	return 0;
}

int cmd_host_payload_begin(struct cmd_ctx *ctx, const struct hook_payload *p,
			   struct one_obj **ret_host, struct one_client **ret_one)
{
	int r = one_obj_parse(p->xml, p->len, "HOST", ret_host);

	if (r < 0)
		return log_error(r, "the HOST payload"), EXIT_USAGE;
	if (cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	if (cmd_one_connect(ctx, ret_one) < 0)
		return EXIT_UNAVAILABLE;
	return 0;
}

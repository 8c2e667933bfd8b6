/*
 * hooks/host-error.c: onedr hook/host-error (-r | -m) [-f] [-p N] [--expire S] [--wait S]
 *
 * The HOST STATE=ERROR hook: what OpenNebula's ft/host_error.rb does, with a
 * fence that works on Ceph. Registered with (share/onedr/hooks/host-error.tmpl):
 *
 *   NAME            = "onedr-host-error"
 *   TYPE            = "state"
 *   RESOURCE        = "HOST"
 *   STATE           = "ERROR"
 *   COMMAND         = "onedr/host-error"
 *   ARGUMENTS       = "$TEMPLATE -r"
 *   ARGUMENTS_STDIN = "yes"
 *   TIMEOUT         = "180"
 *
 * oned sends the <HOST> document in base64 (stdin with ARGUMENTS_STDIN, the
 * options after it; else argv). In this order, each step only once the one
 * before succeeded:
 *
 *  1. (after -p N monitoring cycles) the host is read again from oned: if
 *     it is no longer in ERROR, it came back and nothing is done;
 *  2. it is fenced in Ceph (cmd_fence_run: its client addresses in the OSD
 *     blocklist, never the front-end's nor this site's rbd-mirror's), then
 *     the RBDs of its VMs are checked until no watcher from the host is left;
 *  3. only then are its VMs recovered: -r recreates them (one.vm.recover
 *     4, delete-recreate: host_error.rb's vm.delete(true)), ACTIVE ones, and
 *     with -f also SUSPENDED and POWEROFF ones; -m reschedules them
 *     (one.vm.action "resched"), those on a shared system datastore.
 *
 * A fence that fails, is refused, or leaves a watcher from the host
 * recovers nothing: the VMs must never run twice. Fired twice, it fences
 * again (the expiry moves on) and finds the recreated VMs PENDING, no longer
 * on the host: nothing more happens to them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "hook-payload.h"
#include "log.h"
#include "one-calls.h"

enum { HOST_ERROR = 3, HOST_MONITORING_ERROR = 5 };
enum { RECOVER_DELETE_RECREATE = 4 };	/* one.vm.recover's operation */

static const struct arg_spec host_error_options[] = {
	{ "recreate", 'r', ARG_FLAG, NULL, 0,
	  "recreate the host's VMs (one.vm.recover delete-recreate),\n"
	  "as ft/host_error.rb -r: they boot again elsewhere, their\n"
	  "non-persistent disks fresh from their images" },
	{ "migrate", 'm', ARG_FLAG, NULL, 0,
	  "reschedule the host's VMs (one.vm.action resched), as\n"
	  "ft/host_error.rb -m; VMs on a system datastore that is\n"
	  "not shared are left alone" },
	{ "force", 'f', ARG_FLAG, NULL, 0,
	  "with -r, SUSPENDED and POWEROFF VMs too (host_error.rb -f)" },
	{ "pause", 'p', ARG_NUMBER, "N", 1000,
	  "first wait N monitoring cycles (oned's MONITORING_INTERVAL_HOST,\n"
	  "60 s when unset) and go on only if the host is still in\n"
	  "ERROR, as host_error.rb -p N (default: no wait)" },
	{ "expire", 0, ARG_NUMBER, "S", 3650 * 86400,
	  "the fence lasts S seconds (FENCE_EXPIRE, default 30 days)" },
	{ "wait", 0, ARG_NUMBER, "S", 86400,
	  "wait up to S seconds for the host's watchers to go\n"
	  "(FENCE_WAIT, default 60)" },
	CMD_OPT_END
};

/* The options: those of argv (parsed into ctx->args) and, with
 * ARGUMENTS_STDIN, the words after the payload. */
struct hook_opts {
	struct args words;
};

static bool opt_has(const struct cmd_ctx *ctx, const struct hook_opts *o, const char *name)
{
	return args_has(&ctx->args, name) || args_has(&o->words, name);
}

static unsigned opt_number(const struct cmd_ctx *ctx, const struct hook_opts *o,
			   const char *name, unsigned def)
{
	return args_number(&o->words, name, args_number(&ctx->args, name, def));
}

static int parse_words(const struct hook_payload *p, struct hook_opts *o)
{
	const struct arg_spec *const tables[] = { host_error_options, NULL };
	char **argv = calloc(p->nwords + 2, sizeof(*argv));
	char err[256];
	int r;

	if (!argv)
		return log_error(-ENOMEM, "the hook's arguments");
	argv[0] = (char *)"hook/host-error";
	for (size_t i = 0; i < p->nwords; i++)
		argv[i + 1] = p->words[i];
	r = args_parse(tables, (int)p->nwords + 1, argv, &o->words, err, sizeof(err));
	free(argv);
	if (r < 0)
		return log_error(0, "the hook's ARGUMENTS: %s", err), r;
	if (o->words.noperands > 0)
		return log_error(0, "the hook's ARGUMENTS: unexpected '%s' after the payload",
				 o->words.operands[0]), -EINVAL;
	return 0;
}

/* The host as oned has it now. Logs its error. */
static int host_now(struct one_client *one, int id, struct one_obj **ret)
{
	struct one_error err = { 0, "" };
	char *xml = NULL;
	int r = one_call(one, "one.host.info", &xml, &err, "(i)", id);

	if (r < 0)
		return log_error(0, "OpenNebula: %s", err.msg), r;
	r = one_obj_parse(xml, strlen(xml), "HOST", ret);
	free(xml);
	if (r < 0)
		return log_error(r, "one.host.info %d: a document onedr cannot read", id);
	return 0;
}

/* oned's MONITORING_INTERVAL_HOST, 60 when unset or unreadable (as
 * host_error.rb). Logs its error. */
static int monitoring_interval(struct one_client *one, unsigned *ret)
{
	static const char tag[] = "<MONITORING_INTERVAL_HOST>";
	struct one_error err = { 0, "" };
	char *xml = NULL;
	const char *p;
	int r = one_call(one, "one.system.config", &xml, &err, "()");

	if (r < 0)
		return log_error(0, "OpenNebula: %s", err.msg), r;
	*ret = 60;
	p = strstr(xml, tag);
	if (p) {
		p += sizeof(tag) - 1;
		if (!strncmp(p, "<![CDATA[", 9))
			p += 9;
		if (*p >= '1' && *p <= '9')
			*ret = (unsigned)strtoul(p, NULL, 10);
	}
	free(xml);
	return 0;
}

/* Whether vm's system datastore is shared (resched can move it). */
static bool on_shared_ds(const struct one_objs *dss, const struct one_vm *vm, const char **ret_name)
{
	const struct one_obj *ds = vm->ds_id >= 0 ? one_objs_by_id(dss, vm->ds_id) : NULL;
	const char *shared = ds ? tmpl_get(ds->tmpl, "SHARED") : NULL;

	*ret_name = ds ? ds->name : "?";
	return !(shared && !strcasecmp(shared, "NO"));
}

/* Recover the fenced host's VMs. Returns how many failed. */
static size_t recover(struct one_client *one, const struct fence_target *t, bool recreate,
		      bool force, size_t *ret_done)
{
	struct one_objs dss = { 0, NULL };
	size_t failed = 0, done = 0;

	if (!recreate) {
		struct one_error err = { 0, "" };
		char *xml = NULL;
		int r = one_datastorepool_info(one, &xml, &err);

		if (r == 0 && one_pool_parse(xml, strlen(xml), "DATASTORE_POOL", "DATASTORE", &dss) < 0)
			r = -EPROTO, snprintf(err.msg, sizeof(err.msg), "one.datastorepool.info: a document onedr cannot read");
		free(xml);
		if (r < 0) {
			log_error(0, "OpenNebula: %s", err.msg);
			*ret_done = 0;
			return t->vms.n ? t->vms.n : 1;
		}
	}
	for (size_t i = 0; i < t->vms.n; i++) {
		const struct one_vm *vm = t->vms.v[i];
		struct one_error err = { 0, "" };
		const char *ds_name;
		int r;

		if (recreate && !force && vm->state != VM_ACTIVE) {
			printf("VM %d (%s): left alone: not ACTIVE (-f recreates SUSPENDED and POWEROFF VMs)\n",
			       vm->id, vm->name);
			continue;
		}
		if (!recreate && !on_shared_ds(&dss, vm, &ds_name)) {
			printf("VM %d (%s): left alone: its system datastore '%s' is not shared\n", vm->id,
			       vm->name, ds_name);
			continue;
		}
		if (recreate)
			r = one_call(one, "one.vm.recover", NULL, &err, "(ii)", vm->id,
				     RECOVER_DELETE_RECREATE);
		else
			r = one_vm_action(one, "resched", vm->id, &err);
		if (r < 0) {
			printf("VM %d (%s): NOT recovered: %s\n", vm->id, vm->name, err.msg);
			failed++;
			continue;
		}
		printf("VM %d (%s): %s\n", vm->id, vm->name, recreate ?
		       "recreated (one.vm.recover delete-recreate)" :
		       "rescheduled (one.vm.action resched)");
		done++;
	}
	one_objs_free(&dss);
	*ret_done = done;
	return failed;
}

static int hook_host_error(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct hook_payload *p = NULL;
	struct hook_opts o;
	struct one_client *one = NULL;
	struct one_obj *payload_host = NULL, *host = NULL;
	struct fence_target t;
	bool recreate, migrate;
	size_t failed, done = 0;
	int code = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	if (cmd_host_payload_read(argc, argv, ": register this hook with RESOURCE = HOST", &p) < 0)
		goto out;
	if (parse_words(p, &o) < 0)
		goto out;
	recreate = opt_has(ctx, &o, "recreate");
	migrate = opt_has(ctx, &o, "migrate");
	if (recreate == migrate) {
		log_error(0, "one of -r (recreate) or -m (migrate) in the hook's ARGUMENTS, as for ft/host_error.rb");
		goto out;
	}
	code = cmd_host_payload_begin(ctx, p, &payload_host, &one);
	if (code != 0)
		goto out;
	code = EXIT_UNAVAILABLE;
	if (opt_number(ctx, &o, "pause", 0) > 0) {
		unsigned cycles = opt_number(ctx, &o, "pause", 0), interval;

		if (monitoring_interval(one, &interval) < 0)
			goto out;
		printf("host '%s' (%d): waiting %u monitoring cycles (%u s) before acting\n",
		       payload_host->name, payload_host->id, cycles, cycles * interval);
		for (unsigned long left = (unsigned long)cycles * interval; left > 0; left--)
			sleep(1);
	}
	if (host_now(one, payload_host->id, &host) < 0)
		goto out;
	if (host->state != HOST_ERROR && host->state != HOST_MONITORING_ERROR) {
		printf("host '%s' (%d) is no longer in ERROR (state %d): it came back, nothing done\n",
		       host->name, host->id, host->state);
		code = EXIT_OK;
		goto out;
	}
	code = cmd_fence_host(ctx, one, host, opt_number(ctx, &o, "expire", ctx->conf.fence_expire),
			      opt_number(ctx, &o, "wait", ctx->conf.fence_wait), &t);
	if (code != EXIT_OK)
		goto refused;
	if (t.vms.n == 0)
		printf("host-error: host '%s' (%d) fenced; no VM of it to recover\n", host->name, host->id);
	failed = recover(one, &t, recreate, opt_has(ctx, &o, "force"), &done);
	if (t.vms.n)
		printf("host-error: host '%s' (%d) fenced; %zu VM%s %s, %zu failed\n", host->name,
		       host->id, done, done == 1 ? "" : "s", recreate ? "recreated" : "rescheduled",
		       failed);
	code = failed ? EXIT_PARTIAL : EXIT_OK;
	goto out;
refused:
	log_error(0, "host '%s' (%d): its VMs are NOT recovered: without a complete fence they "
		  "could run twice", host->name, host->id);
out:
	cmd_fence_target_free(&t);
	one_client_free(one);
	one_obj_free(host);
	one_obj_free(payload_host);
	args_free(&o.words);
	hook_payload_free(p);
	return code;
}

const struct cmd_entry hook_host_error_entry = {
	.name = "hook/host-error",
	.usage = "(-r | -m) [-f] [-p N] [--expire S] [--wait S] [HOST_BASE64]",
	.summary = "HOST STATE=ERROR hook: fence the host in Ceph, then recover its VMs",
	.help =
	"oned runs it as hooks/onedr/host-error with the host's document in base64\n"
	"(on stdin with ARGUMENTS_STDIN=\"yes\", the options after it: ARGUMENTS =\n"
	"\"$TEMPLATE -r\"). The host is read again: a host no longer in ERROR is left\n"
	"alone. Else it is fenced as 'onedr fence' does, and only when every\n"
	"address is fenced and no watcher from the host is left on its VMs' RBDs\n"
	"are the VMs recovered, as ft/host_error.rb -r or -m would.\n",
	.options = host_error_options,
	.exec = hook_host_error,
};

/*
 * cmd-twosite.c: what switchover and failback share: each site's view of
 * the configuration (this site's onedr.conf and conf_peer_view), a run of
 * the journal resumed or created on one site's cluster and locked, the
 * progress line of a step, one image through mirror_run, and powering a
 * VM off on one site's oned.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "journal.h"
#include "log.h"
#include "one-calls.h"
#include "run.h"

int cmd_twosite_views(struct cmd_ctx *ctx, const char *site, struct cmd_ctx *peer_view,
		      bool *ret_local)
{
	int r;

	if (!ctx->conf.peer_name)
		return log_error(0, "no PEER in %s: %s acts on both sites and needs the other one's "
				 "Ceph (PEER) and oned (PEER_ONE)",
				 ctx->conf.path ? ctx->conf.path : "onedr.conf", ctx->name), -EINVAL;
	if (site && strcmp(site, ctx->conf.site) && strcmp(site, ctx->conf.peer_name))
		return log_error(0, "no site '%s': this site is '%s' and its peer '%s'", site,
				 ctx->conf.site, ctx->conf.peer_name), -EINVAL;
	*peer_view = *ctx;	/* the same command line; its args stay ctx's */
	r = conf_peer_view(&ctx->conf, &peer_view->conf);
	if (r == -ENOENT)
		return log_error(0, "no PEER_ONE in %s: %s needs %s's oned (PEER_ONE = [ ENDPOINT "
				 "= \"...\", AUTH = \"...\" ])",
				 ctx->conf.path ? ctx->conf.path : "onedr.conf", ctx->name,
				 ctx->conf.peer_name), r;
	if (r < 0)
		return log_error(r, "configuration"), r;
	*ret_local = site && !strcmp(site, ctx->conf.site);
	return 0;
}

int cmd_run_lock(struct journal *j, const char *what, bool takeover, const char *take)
{
	const char *id = journal_header(j)->id;
	char holder[160] = "";
	int r;

	r = journal_lock(j, holder, sizeof(holder));
	if (r == -EBUSY && take && !strcmp(holder, take)) {
		/* on the user's word: the holder is cut off from Ceph, its lock broken */
		r = journal_lock_break(j, take);
		if (r == -ESTALE)
			return log_error(0, "%s %s: --takeover '%s': the run is held by another now",
					 what, id, take), r;
		if (r < 0)
			return log_error(r, "%s %s: cannot take it over from '%s'", what, id, take);
		printf("%s %s taken over from %s\n", what, id, take);
		holder[0] = '\0';
		r = journal_lock(j, holder, sizeof(holder));
	}
	if (r < 0 && !takeover)
		return log_error(r, "%s %s%s%s", what, id, holder[0] ? " is held by " : "", holder);
	if (r == -EBUSY && holder[0])
		return log_error(0, "%s %s is held by '%s'%s: if that onedr is gone, give --takeover '%s'",
				 what, id, holder, take ? ", not by the one --takeover names" : "",
				 holder), r;
	if (r < 0)
		return log_error(r, "%s %s: cannot lock it", what, id);
	return 0;
}

int cmd_twosite_open_run(struct ceph *c, const char *pool, double timeout, enum journal_kind kind,
			 const char *site, const char *options, bool takeover, const char *take,
			 struct journal **ret)
{
	struct journal_run *runs = NULL, run = { 0 };
	const struct journal_run *open;
	long long started = 0;
	size_t n = 0;
	int r;

	r = journal_list(c, pool, timeout, &runs, &n, NULL);
	if (r < 0)
		return log_error(r, "cannot read the runs of pool '%s'", pool);
	open = journal_latest_open(runs, n, kind);
	if (open) {
		started = (long long)open->created;
		r = journal_open(c, pool, open->id, timeout, ret);
	} else {
		run.kind = kind;
		snprintf(run.site, sizeof(run.site), "%s", site);
		snprintf(run.options, sizeof(run.options), "%s", options);
		r = journal_create(c, pool, &run, timeout, ret);
	}
	free(runs);
	if (r < 0)
		return log_error(r, "cannot open a run in pool '%s'", pool);
	r = cmd_run_lock(*ret, "run", takeover, take);
	if (r < 0) {
		journal_close(*ret);
		*ret = NULL;
		return r;
	}
	if (open)	/* said once it is ours: a run held by another is not resumed */
		printf("resuming run %s (started %lld)\n", journal_header(*ret)->id, started);
	else
		printf("run %s\n", journal_header(*ret)->id);
	fflush(stdout);
	return 0;
}

void cmd_twosite_progress(void *arg, const struct run_step *s)
{
	(void)arg;
	printf("%s %s %s %s: %s%s%s\n", s->key.group, s->key.vm, s->key.step, s->key.object,
	       run_outcome_name(s->outcome), s->rec.detail[0] ? ": " : "", s->rec.detail);
	fflush(stdout);
}

int cmd_twosite_mirror_one(const struct cmd_ctx *ctx, struct ceph *local, struct ceph *peer,
			   const char *peer_name, enum mirror_op op, const char *pool,
			   const char *image, char *detail, size_t len)
{
	struct mirror_ctx mc = { 0 };
	struct mirror_item item = { 0 };
	int r;

	mc.local = local;
	mc.peer = peer;
	mc.peer_name = peer_name;
	mc.image_timeout = ctx->conf.image_timeout;
	mc.promote_wait = ctx->conf.promote_wait;
	mc.concurrency = 1;
	item.pool = (char *)pool;
	item.image = (char *)image;
	r = mirror_run(&mc, op, &item, 1);
	if (r < 0)
		return r;
	snprintf(detail, len, "%s", item.detail);
	if (item.outcome == MIRROR_DONE || item.outcome == MIRROR_NOOP)
		return 0;
	return item.error < 0 ? item.error : -EIO;
}

int cmd_twosite_vm(struct one_client *one, int id, struct one_vm **ret, struct one_error *err)
{
	char *xml = NULL;
	int r = one_vm_info(one, id, &xml, err);

	if (r == 0)
		r = one_vm_parse(xml, strlen(xml), ret);
	free(xml);
	return r;
}

struct poweroff {
	int id;
	bool hard, asked;
	int state, lcm;		/* as last seen */
	char *detail;
	size_t len;
};

static int poweroff_look(void *arg, struct one_client *one, const struct one_vm *vm, int r,
			 const struct one_error *err)
{
	struct poweroff *p = arg;
	int id = p->id;

	if (r < 0) {
		snprintf(p->detail, p->len, "VM %d: %s", id, err->msg[0] ? err->msg : strerror(-r));
		return r;
	}
	p->state = vm->state;
	p->lcm = vm->lcm_state;
	if (p->state == VM_POWEROFF) {
		snprintf(p->detail, p->len, "VM %d %s", id, p->asked ? "POWEROFF" : "already POWEROFF");
		return 1;
	}
	if (p->state == VM_DONE) {
		snprintf(p->detail, p->len, "VM %d is DONE", id);
		return -ENOENT;
	}
	/* RUNNING, or UNKNOWN (its host not monitored: a site back from the
	 * dead): ask once; other ACTIVE states are on their way somewhere:
	 * wait */
	if (!p->asked && p->state == VM_ACTIVE && (p->lcm == LCM_RUNNING || p->lcm == LCM_UNKNOWN)) {
		struct one_error e = { 0, "" };

		r = one_vm_action(one, p->hard ? "poweroff-hard" : "poweroff", id, &e);
		if (r < 0) {
			snprintf(p->detail, p->len, "VM %d: poweroff: %s", id,
				 e.msg[0] ? e.msg : strerror(-r));
			return r;
		}
		p->asked = true;
	} else if (p->state != VM_ACTIVE) {
		snprintf(p->detail, p->len, "VM %d is in state %d, not RUNNING nor POWEROFF: "
			 "power it off by hand", id, p->state);
		return -EINVAL;
	}
	return 0;
}

int cmd_twosite_poweroff(struct one_client *one, int id, bool hard, unsigned wait, char *detail,
			 size_t len)
{
	struct poweroff p = { .id = id, .hard = hard, .detail = detail, .len = len };
	struct cmd_vm_wait w = { .one = one, .look = poweroff_look, .arg = &p, .wait = wait };
	int r = cmd_wait_vm(&w, id);

	if (w.late)
		snprintf(detail, len, "VM %d not POWEROFF after %us (state %d lcm %d)", id, wait,
			 p.state, p.lcm);
	return r;
}

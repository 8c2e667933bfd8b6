/* cmd-common.c: what the commands share: options, configuration, connecting,
 * and the one-line-per-image shape of promote, demote and resync. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cmd.h"
#include "log.h"
#include "mirror-list.h"
#include "run.h"

static void on_signal(int sig)
{
	if (batch_interrupted()) {	/* the second one: the user insists */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	batch_interrupt();
}

void cmd_catch_signals(void)
{
	struct sigaction sa;

	/* SA_RESTART: every wait of onedr's own is bounded by a deadline and
	 * polls the flag where it waits long (promote --wait), so no call
	 * needs to be cut short; librados' threads then see no EINTR either */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool cmd_interrupted(void)
{
	return batch_interrupted();
}

const struct arg_spec cmd_common_options[] = {
	{ "conf", 'c', ARG_STRING, "FILE",
	  0, "onedr configuration (default " CONF_DEFAULT_PATH ", or $ONEDR_CONF)" },
	{ "cluster", 0, ARG_STRING, "NAME", 0, "Ceph cluster name (as rbd --cluster)" },
	{ "ceph-conf", 0, ARG_STRING, "FILE", 0, "Ceph configuration file (as rbd -c)" },
	{ "id", 0, ARG_STRING, "ID", 0, "Ceph client id (as rbd --id)" },
	{ "keyring", 0, ARG_STRING, "FILE", 0, "Ceph keyring file (as rbd --keyring)" },
	{ "verbose", 'v', ARG_FLAG, NULL, 0, "more diagnostics on stderr" },
	{ "help", 0, ARG_FLAG, NULL, 0, "help on the command" },
	CMD_OPT_END
};

void cmd_print_options(FILE *f, const struct arg_spec *options)
{
	const struct arg_spec *s;

	for (s = options; s && s->name; s++) {
		char head[64];
		const char *line, *nl;
		int n;

		if (s->letter)
			n = snprintf(head, sizeof(head), "-%c, --%s", s->letter, s->name);
		else
			n = snprintf(head, sizeof(head), "--%s", s->name);
		if (s->value && n >= 0 && (size_t)n < sizeof(head))
			snprintf(head + n, sizeof(head) - (size_t)n, " %s", s->value);
		/* continuation lines of the help line up under its first line */
		for (line = s->help; line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			fprintf(f, "  %-20s%.*s\n", line == s->help ? head : "",
				nl ? (int)(nl - line) : (int)strlen(line), line);
		}
	}
}

int cmd_output_format(const struct cmd_ctx *ctx, enum output_format *ret)
{
	bool json = args_has(&ctx->args, "json"), xml = args_has(&ctx->args, "xml");

	if (json && xml)
		return log_error(0, "-j and -x exclude each other"), -EINVAL;
	*ret = json ? OUTPUT_JSON : xml ? OUTPUT_XML : OUTPUT_TABLE;
	return 0;
}

/* CLI value (if given) over the configuration's. */
static int override(char **field, const struct args *a, const char *option)
{
	const char *value = args_get(a, option);

	return value ? conf_set_string(field, value) : 0;
}

/* -c, else $ONEDR_CONF, else NULL (the default file) */
static const char *conf_path(const struct cmd_ctx *ctx)
{
	const char *path = args_get(&ctx->args, "conf");

	return path ? path : getenv("ONEDR_CONF");
}

int cmd_load_conf(struct cmd_ctx *ctx)
{
	const char *path = conf_path(ctx);
	struct conf_error err = { "" };
	int r;

	r = conf_load(&ctx->conf, path ? path : CONF_DEFAULT_PATH, path != NULL, &err);
	if (r < 0)
		return log_error(0, "%s", err.msg[0] ? err.msg : "out of memory"), r;
	if ((r = override(&ctx->conf.ceph.cluster, &ctx->args, "cluster")) < 0 ||
	    (r = override(&ctx->conf.ceph.conf, &ctx->args, "ceph-conf")) < 0 ||
	    (r = override(&ctx->conf.ceph.id, &ctx->args, "id")) < 0 ||
	    (r = override(&ctx->conf.ceph.keyring, &ctx->args, "keyring")) < 0 ||
	    (r = override(&ctx->conf.pool, &ctx->args, "pool")) < 0)
		return log_error(r, "configuration");
	if (!ctx->conf.pool && (r = conf_set_string(&ctx->conf.pool, "one")) < 0)
		return log_error(r, "configuration");
	ctx->conf.concurrency = args_number(&ctx->args, "concurrency", ctx->conf.concurrency);
	return 0;
}

int cmd_load_site_conf(struct cmd_ctx *ctx)
{
	const char *path = conf_path(ctx);
	int r = cmd_load_conf(ctx);

	if (r < 0)
		return r;
	if (!ctx->conf.site)
		return log_error(0, "SITE is not set in '%s': name this site (SITE = \"site-a\"); "
				 "every manifest records the site it was written on",
				 path ? path : CONF_DEFAULT_PATH), -EINVAL;
	return 0;
}

const char *cmd_connect_hint(int r)
{
	switch (r) {
	case -ENOENT:
		return "a configuration or keyring file is missing";
	case -EACCES:
	case -EPERM:
		return "authentication refused: check the client id and keyring";
	case -ETIMEDOUT:
		return "no monitor answered in time: is the cluster up?";
	case -EINVAL:
		return "invalid Ceph configuration";
	default:
		return strerror(-r);
	}
}

struct cmd_peer_connect {
	const struct ceph_opts *opts;
	struct ceph *ceph;
	int r;
	pthread_t thread;
	bool threaded;
	const char *name;	/* the peer site, for the debug line */
};

static void *peer_connect_thread(void *arg)
{
	struct cmd_peer_connect *pc = arg;

	pc->r = ceph_connect(pc->opts, &pc->ceph);
	return NULL;
}

int cmd_connect_start(struct cmd_ctx *ctx, bool want_peer, struct ceph **ret_local,
		      struct cmd_peer_connect **ret_pc)
{
	struct cmd_peer_connect *pc = NULL;
	struct ceph *local = NULL;
	const char *conf = ctx->conf.ceph.conf ? ctx->conf.ceph.conf : "the default ceph.conf";
	int r;

	*ret_pc = NULL;
	want_peer = want_peer && ctx->conf.peer_name;
	if (want_peer) {
		pc = calloc(1, sizeof(*pc));
		if (!pc)
			return log_error(-ENOMEM, "cannot connect to the peer site"), -ENOMEM;
		pc->opts = &ctx->conf.peer;
		pc->r = -ENODATA;
		pc->name = ctx->conf.peer_name;
		pc->threaded = pthread_create(&pc->thread, NULL, peer_connect_thread, pc) == 0;
		if (!pc->threaded)
			peer_connect_thread(pc);
	}
	r = ceph_connect(&ctx->conf.ceph, &local);
	if (r < 0) {
		if (pc && pc->threaded)
			pthread_join(pc->thread, NULL);
		if (pc)
			ceph_close(pc->ceph);
		free(pc);
		return log_error(0, "cannot connect to the local Ceph cluster (%s, client.%s): %s",
				 conf, ctx->conf.ceph.id ? ctx->conf.ceph.id : "admin",
				 cmd_connect_hint(r)), r;
	}
	*ret_local = local;
	*ret_pc = pc;
	return 0;
}

void cmd_connect_peer(struct cmd_peer_connect *pc, struct ceph **ret_peer, int *ret_peer_error)
{
	if (!pc) {
		*ret_peer = NULL;
		*ret_peer_error = -ENODATA;
		return;
	}
	if (pc->threaded)
		pthread_join(pc->thread, NULL);
	if (pc->r < 0)
		log_debug("peer site '%s' unreachable: %s", pc->name, cmd_connect_hint(pc->r));
	*ret_peer = pc->ceph;
	*ret_peer_error = pc->r;
	free(pc);
}

int cmd_connect(struct cmd_ctx *ctx, bool want_peer, struct ceph **ret_local,
		struct ceph **ret_peer, int *ret_peer_error)
{
	struct cmd_peer_connect *pc = NULL;
	struct ceph *peer = NULL;
	int peer_error = -ENODATA;
	int r;

	r = cmd_connect_start(ctx, want_peer && ret_peer, ret_local, &pc);
	if (r < 0)
		return r;
	cmd_connect_peer(pc, &peer, &peer_error);
	if (ret_peer) {
		*ret_peer = peer;
		*ret_peer_error = peer_error;
	}
	return 0;
}

/* promote, demote, resync */

struct mirror_report {
	pthread_mutex_t lock;
	const char *verb;
	size_t counts[5];
};

static void report_progress(void *arg, const struct mirror_item *it, const char *msg)
{
	struct mirror_report *rep = arg;

	pthread_mutex_lock(&rep->lock);
	printf("%s/%s: %s\n", it->pool, it->image, msg);
	fflush(stdout);
	pthread_mutex_unlock(&rep->lock);
}

static void report_done(void *arg, const struct mirror_item *it)
{
	static const char *const label[] = { "", "", "refused: ", "failed: ", "timed out: " };
	struct mirror_report *rep = arg;

	pthread_mutex_lock(&rep->lock);
	rep->counts[it->outcome]++;
	printf("%s/%s: %s%s (%.2f s)\n", it->pool, it->image, label[it->outcome], it->detail,
	       it->seconds);
	fflush(stdout);
	pthread_mutex_unlock(&rep->lock);
}

/* Images named on the command line; checked before anything connects. */
static int parse_items(struct cmd_ctx *ctx, int argc, char **argv,
		       struct mirror_item **ret_items, size_t *ret_n)
{
	struct mirror_item *items;
	int i, r;

	items = calloc((size_t)argc + 1, sizeof(*items));
	if (!items)
		return log_error(-ENOMEM, "cannot list images");
	for (i = 0; i < argc; i++) {
		r = mirror_item_parse(argv[i], ctx->conf.pool, &items[i]);
		if (r < 0) {
			mirror_items_free(items, (size_t)i);
			return log_error(r == -EINVAL ? 0 : r, "invalid image '%s': expected POOL/IMAGE or IMAGE",
					 argv[i]), r;
		}
	}
	*ret_items = items;
	*ret_n = (size_t)argc;
	return 0;
}

int cmd_run_mirror(struct cmd_ctx *ctx, const struct cmd_entry *e, enum mirror_op op,
		   int argc, char **argv)
{
	static const char *const verbs[] = { "promoted", "demoted", "resync requested" };
	struct mirror_report rep = { PTHREAD_MUTEX_INITIALIZER, verbs[op], { 0 } };
	struct mirror_ctx mctx = { 0 };
	struct mirror_item *items = NULL;
	struct ceph *local = NULL, *peer = NULL;
	const char *pool = args_get(&ctx->args, "pool");
	unsigned timeout = args_number(&ctx->args, "timeout", 0);
	unsigned wait = args_number(&ctx->args, "wait", 0);
	bool force = args_has(&ctx->args, "force"), dry_run = args_has(&ctx->args, "dry-run");
	bool no_peer = args_has(&ctx->args, "no-peer");
	bool discard_local = args_has(&ctx->args, "discard-local");
	struct timespec start = deadline_after(0);
	size_t n = 0, i, bad, not_started = 0;
	int r, code;

	if ((pool != NULL) == (argc > 0)) {
		log_error(0, "name images, or a whole pool with --pool, not both");
		cmd_usage(e, false);
		return EXIT_USAGE;
	}
	if (cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	if (!pool && parse_items(ctx, argc, argv, &items, &n) < 0)
		return EXIT_USAGE;
	code = EXIT_UNAVAILABLE;
	cmd_catch_signals();
	if (cmd_connect(ctx, !no_peer, &local, &peer, &mctx.peer_error) < 0)
		goto out;
	log_debug("connected (%.3f s)", -deadline_left(&start));
	if (pool) {
		r = mirror_pool_images(local, pool, timeout ? timeout : ctx->conf.image_timeout,
				       &items, &n, NULL, NULL);
		if (r == -ENOENT)
			log_error(0, "pool '%s' does not exist", pool);
		else if (r < 0)
			log_error(r, "cannot list the images of pool '%s'", pool);
		if (r < 0)
			goto out;
	}
	mctx.local = local;
	mctx.peer = peer;
	mctx.peer_name = no_peer ? NULL : ctx->conf.peer_name;
	mctx.force = force;
	mctx.no_peer = no_peer;
	mctx.discard_local = discard_local;
	mctx.dry_run = dry_run;
	mctx.image_timeout = timeout ? timeout : ctx->conf.image_timeout;
	mctx.promote_wait = wait ? wait : ctx->conf.promote_wait;
	mctx.concurrency = ctx->conf.concurrency;
	mctx.progress = report_progress;
	mctx.done = report_done;
	mctx.arg = &rep;
	if (peer == NULL && mctx.peer_name && op == MIRROR_OP_PROMOTE)
		printf(mctx.peer_error == -ETIMEDOUT ? "peer site %s unreachable: %s\n" :
		       "peer site %s cannot be used: %s\n", mctx.peer_name,
		       cmd_connect_hint(mctx.peer_error));
	log_debug("%zu images to do (%.3f s)", n, -deadline_left(&start));
	r = mirror_run(&mctx, op, items, n);
	log_debug("ran (%.3f s)", -deadline_left(&start));
	if (r < 0) {
		log_error(r, "cannot run");
		goto out;
	}
	bad = rep.counts[MIRROR_REFUSED] + rep.counts[MIRROR_FAILED] + rep.counts[MIRROR_TIMEDOUT];
	for (i = 0; i < n; i++)
		not_started += !items[i].ran;
	printf("%s: %zu images: %zu %s, %zu unchanged, %zu refused, %zu failed, %zu timed out",
	       e->name, n, rep.counts[MIRROR_DONE], rep.verb, rep.counts[MIRROR_NOOP],
	       rep.counts[MIRROR_REFUSED], rep.counts[MIRROR_FAILED], rep.counts[MIRROR_TIMEDOUT]);
	if (cmd_interrupted())
		printf(", %zu not started: interrupted", not_started);
	printf(" (%.2f s)\n", -deadline_left(&start));
	if (bad) {
		char names[1024] = "";
		size_t len = 0;

		for (i = 0; i < n && len < sizeof(names); i++)
			if (items[i].ran && items[i].outcome >= MIRROR_REFUSED)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s/%s",
							len ? ", " : "", items[i].pool, items[i].image);
		log_error(0, "%zu of %zu images not %s: %s", bad, n, rep.verb, names);
	}
	if (not_started) {
		char names[1024] = "";
		size_t len = 0;

		for (i = 0; i < n && len < sizeof(names); i++)
			if (!items[i].ran)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s/%s",
							len ? ", " : "", items[i].pool, items[i].image);
		log_error(0, "interrupted: %zu of %zu images not started (a rerun does them): %s",
			  not_started, n, names);
		bad += not_started;
	}
	code = bad ? EXIT_PARTIAL : EXIT_OK;
out:
	mirror_items_free(items, n);
	ceph_close(peer);
	ceph_close(local);
	log_debug("disconnected (%.3f s)", -deadline_left(&start));
	return code;
}

size_t cmd_run_batch(struct journal *j, struct run_step *steps, size_t n, unsigned conc,
		     void (*progress)(void *arg, const struct run_step *s), void *arg,
		     const char *step)
{
	size_t failed = 0;
	int r = run_steps(j, steps, n, conc, progress, arg);

	if (r < 0) {
		log_error(r, "cannot run the %s steps", step);
		return n ? n : 1;
	}
	for (size_t i = 0; i < n; i++)
		if (steps[i].outcome != RUN_DONE && steps[i].outcome != RUN_SKIPPED)
			failed++;
	return failed;
}

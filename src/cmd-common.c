/* cmd-common.c: what the commands share: options, configuration, connecting,
 * and the one-line-per-image shape of promote, demote and resync. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

int cmd_parse_uint(const char *opt, const char *arg, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v == 0 || v > max) {
		log_error(0, "%s: expected a number from 1 to %u, got '%s'", opt, max, arg);
		return -EINVAL;
	}
	*ret = (unsigned)v;
	return 0;
}

int cmd_common_option(struct cmd_ctx *ctx, const struct cmd_entry *e, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		ctx->conf_path = arg;
		return 0;
	case OPT_CLUSTER:
		return conf_set_string(&ctx->cli.cluster, arg);
	case OPT_CEPH_CONF:
		return conf_set_string(&ctx->cli.conf, arg);
	case OPT_ID:
		return conf_set_string(&ctx->cli.id, arg);
	case OPT_KEYRING:
		return conf_set_string(&ctx->cli.keyring, arg);
	case 'v':
		log_set_level(LOG_LEVEL_DEBUG);
		return 0;
	case OPT_HELP:
		cmd_usage(e, true);
		return 1;
	default:
		cmd_usage(e, false);
		return -EINVAL;
	}
}

static int override(char **field, const char *value)
{
	return value ? conf_set_string(field, value) : 0;
}

int cmd_load_conf(struct cmd_ctx *ctx)
{
	const char *path = ctx->conf_path ? ctx->conf_path : getenv("ONEDR_CONF");
	struct conf_error err = { "" };
	int r;

	r = conf_load(&ctx->conf, path ? path : CONF_DEFAULT_PATH, path != NULL, &err);
	if (r < 0)
		return log_error(0, "%s", err.msg[0] ? err.msg : "out of memory"), r;
	if ((r = override(&ctx->conf.ceph.cluster, ctx->cli.cluster)) < 0 ||
	    (r = override(&ctx->conf.ceph.conf, ctx->cli.conf)) < 0 ||
	    (r = override(&ctx->conf.ceph.id, ctx->cli.id)) < 0 ||
	    (r = override(&ctx->conf.ceph.keyring, ctx->cli.keyring)) < 0 ||
	    (r = override(&ctx->conf.pool, ctx->pool_cli)) < 0)
		return log_error(r, "configuration");
	if (!ctx->conf.pool && (r = conf_set_string(&ctx->conf.pool, "one")) < 0)
		return log_error(r, "configuration");
	if (ctx->concurrency_cli)
		ctx->conf.concurrency = ctx->concurrency_cli;
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

struct peer_connect {
	const struct ceph_opts *opts;
	struct ceph *ceph;
	int r;
};

static void *peer_connect_thread(void *arg)
{
	struct peer_connect *pc = arg;

	pc->r = ceph_connect(pc->opts, &pc->ceph);
	return NULL;
}

int cmd_connect(struct cmd_ctx *ctx, bool want_peer, struct ceph **ret_local,
		struct ceph **ret_peer, int *ret_peer_error)
{
	struct peer_connect pc = { &ctx->conf.peer, NULL, -ENODATA };
	struct ceph *local = NULL;
	pthread_t thread;
	bool threaded = false;
	const char *conf = ctx->conf.ceph.conf ? ctx->conf.ceph.conf : "the default ceph.conf";
	int r;

	want_peer = want_peer && ctx->conf.peer_name && ret_peer;
	if (want_peer) {
		threaded = pthread_create(&thread, NULL, peer_connect_thread, &pc) == 0;
		if (!threaded)
			peer_connect_thread(&pc);
	}
	r = ceph_connect(&ctx->conf.ceph, &local);
	if (threaded)
		pthread_join(thread, NULL);
	if (r < 0) {
		ceph_close(pc.ceph);
		return log_error(0, "cannot connect to the local Ceph cluster (%s, client.%s): %s",
				 conf, ctx->conf.ceph.id ? ctx->conf.ceph.id : "admin",
				 cmd_connect_hint(r)), r;
	}
	if (want_peer && pc.r < 0)
		log_debug("peer site '%s' unreachable: %s", ctx->conf.peer_name, cmd_connect_hint(pc.r));
	*ret_local = local;
	if (ret_peer) {
		*ret_peer = pc.ceph;
		*ret_peer_error = pc.r;
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
	static const struct option long_options[] = {
		{ "pool", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "no-peer", no_argument, NULL, OPT_NO_PEER },
		{ "discard-local", no_argument, NULL, OPT_DISCARD_LOCAL },
		CMD_COMMON_OPTIONS
	};
	static const char *const verbs[] = { "promoted", "demoted", "resync requested" };
	struct mirror_report rep = { PTHREAD_MUTEX_INITIALIZER, verbs[op], { 0 } };
	struct mirror_ctx mctx = { 0 };
	struct mirror_item *items = NULL;
	struct ceph *local = NULL, *peer = NULL;
	const char *pool = NULL;
	unsigned timeout = 0, wait = 0;
	bool force = false, dry_run = false, no_peer = false, discard_local = false;
	struct timespec start = deadline_after(0);
	size_t n = 0, i, bad;
	int opt, r, code;

	optind = 1;
	while ((opt = getopt_long(argc, argv, CMD_COMMON_SHORT "p:", long_options, NULL)) != -1) {
		r = 0;
		if (opt == 'p')
			pool = optarg;
		else if (opt == 'f' && op == MIRROR_OP_PROMOTE)
			force = true;
		else if (opt == OPT_CONCURRENCY)
			r = cmd_parse_uint("--concurrency", optarg, 1024, &ctx->concurrency_cli);
		else if (opt == OPT_TIMEOUT)
			r = cmd_parse_uint("--timeout", optarg, 86400, &timeout);
		else if (opt == OPT_WAIT && op == MIRROR_OP_PROMOTE)
			r = cmd_parse_uint("--wait", optarg, 86400, &wait);
		else if (opt == OPT_DRY_RUN && op == MIRROR_OP_RESYNC)
			dry_run = true;
		else if (opt == OPT_NO_PEER)
			no_peer = true;
		else if (opt == OPT_DISCARD_LOCAL && op != MIRROR_OP_PROMOTE)
			discard_local = true;
		else
			r = cmd_common_option(ctx, e, opt == 'f' || opt == OPT_WAIT || opt == OPT_DRY_RUN ||
					      opt == OPT_DISCARD_LOCAL ? '?' : opt, optarg);
		if (r == 1)
			return EXIT_OK;
		if (r < 0)
			return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
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
	if (cmd_connect(ctx, !no_peer, &local, &peer, &mctx.peer_error) < 0)
		goto out;
	log_debug("connected (%.3f s)", -deadline_left(&start));
	if (pool) {
		r = mirror_pool_images(local, pool, &items, &n, NULL, NULL);
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
	printf("%s: %zu images: %zu %s, %zu unchanged, %zu refused, %zu failed, %zu timed out (%.2f s)\n",
	       e->name, n, rep.counts[MIRROR_DONE], rep.verb, rep.counts[MIRROR_NOOP],
	       rep.counts[MIRROR_REFUSED], rep.counts[MIRROR_FAILED], rep.counts[MIRROR_TIMEDOUT],
	       -deadline_left(&start));
	if (bad) {
		char names[1024] = "";
		size_t len = 0;

		for (i = 0; i < n && len < sizeof(names); i++)
			if (items[i].outcome >= MIRROR_REFUSED)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s/%s",
							len ? ", " : "", items[i].pool, items[i].image);
		log_error(0, "%zu of %zu images not %s: %s", bad, n, rep.verb, names);
	}
	code = bad ? EXIT_PARTIAL : EXIT_OK;
out:
	mirror_items_free(items, n);
	ceph_close(peer);
	ceph_close(local);
	log_debug("disconnected (%.3f s)", -deadline_left(&start));
	return code;
}

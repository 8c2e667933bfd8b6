/*
 * cmd.h: the command table. Each command lives in its own cmd-NAME.c and
 * exports one struct cmd_entry; onedr.c dispatches on the first argument,
 * or on the name the binary was started as (onedr-promote = onedr promote).
 */
#ifndef ONEDR_CMD_H
#define ONEDR_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include "ceph.h"
#include "conf.h"
#include "mirror.h"

/* Exit codes, documented in `onedr help` and the README. */
enum {
	EXIT_OK = 0,		/* success; status: healthy */
	EXIT_PARTIAL = 1,	/* some items failed, were refused or timed out; the others were done */
	EXIT_USAGE = 2,		/* usage or configuration error: nothing was done */
	EXIT_UNAVAILABLE = 3,	/* the cluster, pool or peer could not be used: nothing was done */
	EXIT_DEGRADED = 4,	/* status: replication degraded, or images not protected */
	EXIT_CRITICAL = 5,	/* status: split-brain, or images in error */
};

struct cmd_ctx {
	const char *name;		/* command name, for messages */
	const char *conf_path;		/* -c / ONEDR_CONF; NULL: the default */
	struct onedr_conf conf;
	struct ceph_opts cli;		/* Ceph options given on the command line */
	char *pool_cli;
	unsigned concurrency_cli;
};

struct cmd_entry {
	const char *name;
	const char *usage;	/* arguments, after the name */
	const char *summary;	/* one line for `onedr help` */
	const char *help;	/* the rest of `onedr NAME --help` */
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd_entry cmd_demote_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_resync_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_version_entry;

extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *name);
void cmd_usage(const struct cmd_entry *e, bool full);

/* Options every command accepts; a command's long option table ends with
 * CMD_COMMON_OPTIONS and hands unknown option codes to cmd_common_option. */
enum {
	OPT_CLUSTER = 1000, OPT_CEPH_CONF, OPT_ID, OPT_KEYRING, OPT_HELP,
	OPT_CONCURRENCY, OPT_TIMEOUT, OPT_WAIT, OPT_DRY_RUN, OPT_NO_PEER,
};
#define CMD_COMMON_SHORT "c:v"
#define CMD_COMMON_OPTIONS					\
	{ "conf", required_argument, NULL, 'c' },		\
	{ "cluster", required_argument, NULL, OPT_CLUSTER },	\
	{ "ceph-conf", required_argument, NULL, OPT_CEPH_CONF },	\
	{ "id", required_argument, NULL, OPT_ID },		\
	{ "keyring", required_argument, NULL, OPT_KEYRING },	\
	{ "verbose", no_argument, NULL, 'v' },			\
	{ "help", no_argument, NULL, OPT_HELP },		\
	{ NULL, 0, NULL, 0 }

/* 0 when handled, 1 when --help was asked (usage printed), -EINVAL otherwise. */
int cmd_common_option(struct cmd_ctx *ctx, const struct cmd_entry *e, int opt, const char *arg);

/* Load onedr.conf and apply the command-line overrides. Logs its error. */
int cmd_load_conf(struct cmd_ctx *ctx);

/* Connect to the local cluster and, when want_peer and one is configured,
 * to the peer at the same time. An unreachable peer is not an error:
 * *ret_peer is NULL and *ret_peer_error says why. Logs its error. */
int cmd_connect(struct cmd_ctx *ctx, bool want_peer, struct ceph **ret_local,
		struct ceph **ret_peer, int *ret_peer_error);

/* The message for a failed connection, for one error line. */
const char *cmd_connect_hint(int r);

/* Parse a positive integer option. */
int cmd_parse_uint(const char *opt, const char *arg, unsigned max, unsigned *ret);

/* The shape of promote, demote and resync: images from arguments or --pool,
 * one line per image, a summary, exit code. */
int cmd_run_mirror(struct cmd_ctx *ctx, const struct cmd_entry *e, enum mirror_op op,
		   int argc, char **argv);

#endif

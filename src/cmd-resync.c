/*
 * cmd-resync.c: onedr resync [--dry-run] (--pool P | IMAGE...)
 *
 * After a forced failover the old site comes back holding copies that
 * diverged (split-brain). Once they are demoted, resync asks rbd-mirror to
 * replace each local copy with the peer's. It refuses a primary image, and
 * tells how much data each resync will copy before asking for it.
 */
#include "config.h"

#include "cmd.h"

static int cmd_resync_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_run_mirror(ctx, &cmd_resync_entry, MIRROR_OP_RESYNC, argc, argv);
}

const struct cmd_entry cmd_resync_entry = {
	.name = "resync",
	.usage = "[--dry-run] [--concurrency N] [--timeout S] (--pool POOL | IMAGE...)",
	.summary = "replace non-primary local copies with the peer's (after a split-brain)",
	.help =
	"The local copy is recreated from the peer's: what was written only here is\n"
	"lost. Primary images are refused: demote them first. Each image's size and\n"
	"allocated size (the most a resync copies) is printed before it starts.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_MIRROR_POOL,
		{ "dry-run", 0, ARG_FLAG, NULL, 0, "only print what each resync would copy" },
		CMD_OPT_CONCURRENCY,
		CMD_OPT_TIMEOUT,
		CMD_OPT_END
	},
	.exec = cmd_resync_exec,
};

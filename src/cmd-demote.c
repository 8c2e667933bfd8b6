/*
 * cmd-demote.c: onedr demote (--pool P | IMAGE...)
 *
 * Makes the local copies non-primary, the first step of a planned
 * switchover. An image already non-primary is a success.
 */
#include "config.h"

#include "cmd.h"

static int cmd_demote_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_run_mirror(ctx, &cmd_demote_entry, MIRROR_OP_DEMOTE, argc, argv);
}

const struct cmd_entry cmd_demote_entry = {
	.name = "demote",
	.usage = "[--concurrency N] [--timeout S] (--pool POOL | IMAGE...)",
	.summary = "make the local copies of mirrored images non-primary",
	.help =
	"IMAGE is POOL/IMAGE or IMAGE (in the default pool). One line per image:\n"
	"demoted, already non-primary, or failed and why; then a summary.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_MIRROR_POOL,
		CMD_OPT_CONCURRENCY,
		CMD_OPT_TIMEOUT,
		CMD_OPT_END
	},
	.exec = cmd_demote_exec,
};

/*
 * cmd-promote.c: onedr promote [--force] [--wait S] (--pool P | IMAGE...)
 *
 * Makes the local copies primary, many at once over one connection. An
 * image already primary is a success, so a rerun finishes what a crash
 * left. Without --force an image is promoted only once the peer site has
 * demoted it and that demotion has been replayed here (onedr waits for it,
 * up to --wait seconds); --force is for a peer site that is lost.
 */
#include "config.h"

#include "cmd.h"

static int cmd_promote_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_run_mirror(ctx, &cmd_promote_entry, MIRROR_OP_PROMOTE, argc, argv);
}

const struct cmd_entry cmd_promote_entry = {
	.name = "promote",
	.usage = "[--force] [--wait S] [--concurrency N] [--timeout S] (--pool POOL | IMAGE...)",
	.summary = "make the local copies of mirrored images primary",
	.help =
	"IMAGE is POOL/IMAGE or IMAGE (in the default pool). One line per image:\n"
	"promoted, already primary, refused or failed and why; then a summary.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_MIRROR_POOL,
		{ "force", 0, ARG_FLAG, NULL, 0,
		  "promote although the peer site has not demoted the\n"
		  "image: only when the peer site is lost (unreachable).\n"
		  "Refused for an image that the peer, reachable, still\n"
		  "holds as primary, or whose copy there cannot be read.\n"
		  "With the peer unreachable, an image this site's\n"
		  "rbd-mirror holds (watch, exclusive lock) is taken from\n"
		  "it: its client is blocklisted for an hour, its lock broken" },
		{ "wait", 0, ARG_NUMBER, "S", 86400,
		  "without --force, wait up to S seconds for the peer's\n"
		  "demotion to be replayed here (TIMEOUT/PROMOTE_WAIT)" },
		CMD_OPT_CONCURRENCY,
		CMD_OPT_TIMEOUT,
		{ "no-peer", 0, ARG_FLAG, NULL, 0,
		  "do not connect to the peer site, nor check its copy:\n"
		  "without it, a peer that answers but cannot be read\n"
		  "refuses the promote (with its error), and so does an\n"
		  "unreachable peer whose demotion is replayed here (it\n"
		  "may have been promoted again since)" },
		CMD_OPT_END
	},
	.exec = cmd_promote_exec,
};

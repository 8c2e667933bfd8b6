/*
 * cmd-resync.c: onedr resync [--dry-run] (--pool P | IMAGE...)
 *
 * After a forced failover the old site comes back holding copies that
 * diverged (split-brain). Once they are demoted, resync asks rbd-mirror to
 * replace each local copy with the peer's. It refuses a copy that is newer
 * than the peer's (the wrong site), a primary image, and tells how much
 * data each resync will copy before asking for it.
 */
#include "config.h"

#include "cmd.h"

static int cmd_resync_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_run_mirror(ctx, &cmd_resync_entry, MIRROR_OP_RESYNC, argc, argv);
}

const struct cmd_entry cmd_resync_entry = {
	.name = "resync",
	.usage = "[--dry-run] [--discard-local] [--concurrency N] [--timeout S] (--pool POOL | IMAGE...)",
	.summary = "replace non-primary local copies with the peer's (after a split-brain)",
	.help =
	"The local copy is recreated from the peer's: what was written only here is\n"
	"lost. Each image is first compared with the peer's copy: a copy that is\n"
	"newer than the peer's (promoted here last, or the peer follows it), or one\n"
	"whose order cannot be told, is refused with what to run where; so is every\n"
	"image when the peer is unreachable or cannot be read (with its error), and\n"
	"with --no-peer. Primary images are refused: demote them first. Each image's\n"
	"size and allocated size (the most a resync copies) is printed before it\n"
	"starts.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_MIRROR_POOL,
		{ "dry-run", 0, ARG_FLAG, NULL, 0, "only print what each resync would copy" },
		{ "discard-local", 0, ARG_FLAG, NULL, 0,
		  "resync without comparing: this site's copy is thrown\n"
		  "away even if it is the newer one" },
		{ "no-peer", 0, ARG_FLAG, NULL, 0,
		  "do not connect to the peer site: then only\n"
		  "--discard-local lets a resync through" },
		CMD_OPT_CONCURRENCY,
		CMD_OPT_TIMEOUT,
		CMD_OPT_END
	},
	.exec = cmd_resync_exec,
};

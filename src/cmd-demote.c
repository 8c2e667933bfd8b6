/*
 * cmd-demote.c: onedr demote (--pool P | IMAGE...)
 *
 * Makes the local copies non-primary, the first step of a planned
 * switchover. An image already non-primary is a success. Refused where it
 * would start throwing away the newer copy: the peer's copy is primary too
 * and this one was promoted last (or which came last cannot be told), or
 * the peer has no copy; also when the peer cannot be read.
 */
#include "config.h"

#include "cmd.h"

static int cmd_demote_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_run_mirror(ctx, &cmd_demote_entry, MIRROR_OP_DEMOTE, argc, argv);
}

const struct cmd_entry cmd_demote_entry = {
	.name = "demote",
	.usage = "[--discard-local] [--no-peer] [--concurrency N] [--timeout S] (--pool POOL | IMAGE...)",
	.summary = "make the local copies of mirrored images non-primary",
	.help =
	"IMAGE is POOL/IMAGE or IMAGE (in the default pool). One line per image:\n"
	"demoted, already non-primary, refused or failed and why; then a summary.\n"
	"Each image is first compared with the peer's copy: when both are primary\n"
	"(after a forced failover) and this one is newer (promoted here last), or\n"
	"which is newer cannot be told, or the peer has no copy, it is refused with\n"
	"what to run where. A peer that is unreachable or cannot be read is refused\n"
	"too, with its error.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_MIRROR_POOL,
		{ "discard-local", 0, ARG_FLAG, NULL, 0,
		  "demote without comparing: this site's copy may be\n"
		  "thrown away (by a resync) if it is the newer one" },
		{ "no-peer", 0, ARG_FLAG, NULL, 0,
		  "do not connect to the peer site, nor compare (demote\n"
		  "alone loses nothing; resync still compares)" },
		CMD_OPT_CONCURRENCY,
		CMD_OPT_TIMEOUT,
		CMD_OPT_END
	},
	.exec = cmd_demote_exec,
};

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
	"promoted, already primary, refused or failed and why; then a summary.\n\n"
	"  -p, --pool POOL     every mirror-enabled image of POOL\n"
	"  --force             promote although the peer site has not demoted the\n"
	"                      image: only when the peer site is lost. Refused for an\n"
	"                      image that the peer, reachable, still holds as primary.\n"
	"                      With the peer unreachable, an image this site's\n"
	"                      rbd-mirror holds (watch, exclusive lock) is taken from\n"
	"                      it: its client is blocklisted for an hour, its lock broken\n"
	"  --wait S            without --force, wait up to S seconds for the peer's\n"
	"                      demotion to be replayed here (TIMEOUT/PROMOTE_WAIT)\n"
	"  --concurrency N     images in flight at once (CONCURRENCY, default 16)\n"
	"  --timeout S         deadline of each Ceph call on an image (TIMEOUT/IMAGE);\n"
	"                      an image past it is reported as timed out, with the\n"
	"                      state it was left in, and a rerun retries it\n"
	"  --no-peer           do not connect to the peer site\n",
	.exec = cmd_promote_exec,
};

/*
 * mirror-run.h: the run engine: promote, demote or resync every image of a
 * batch, each image in its own worker with its own deadlines, over one
 * cluster connection (and one to the peer site when it is reachable).
 * Results land in the items; nothing is printed.
 */
#ifndef ONEDR_MIRROR_RUN_H
#define ONEDR_MIRROR_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mirror.h"

enum mirror_op { MIRROR_OP_PROMOTE, MIRROR_OP_DEMOTE, MIRROR_OP_RESYNC };

/* Run op on every item. Returns 0 when it ran (see each item's outcome),
 * -errno when nothing could run. */
int mirror_run(struct mirror_ctx *ctx, enum mirror_op op, struct mirror_item *items, size_t n);

/* Many mirror_run calls over the same pools (failover: one call per
 * promote step, each image its own journaled step): mirror_prepare opens
 * and lists each of pools once (here and on the peer), and a mirror_run
 * whose ctx->prep is the result uses those listings instead of listing
 * the pools again. The listings only give each image its id and mode (the
 * role is read from the open image): an image created after them is
 * opened by name. Read-only once made: mirror_run calls on it may run
 * concurrently. A pool that does not exist is left out (each of its items
 * reports it). */
struct mirror_prep;
int mirror_prepare(struct mirror_ctx *ctx, const char *const *pools, size_t n,
		   struct mirror_prep **ret);
void mirror_prep_free(struct mirror_prep *p);

/* What a resync of pool/image on c would copy, as resync prints it before
 * starting (and --dry-run without starting): the image size, and the
 * allocated bytes from the object map (measured) or, without a valid
 * fast-diff, the size. Any role: failback shows it before it demotes. */
int mirror_resync_estimate(struct ceph *c, const char *pool, const char *image, double timeout,
			   uint64_t *ret_size, uint64_t *ret_used, bool *ret_measured);

#endif

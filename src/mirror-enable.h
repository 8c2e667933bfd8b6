/*
 * mirror-enable.h: enable mirroring on one RBD image, idempotently.
 *
 * What the hooks and remotes call on each disk OpenNebula makes, and what
 * `protect` calls on a VM's disks. An image already mirrored is a success
 * (result.already says so, with the mode it has). Every Ceph call goes
 * through ceph.h's deadline machinery, under the one deadline given.
 *
 * How an image is enabled, by the pool's mirror mode:
 *   image     journal:  exclusive-lock and journaling features, then
 *                       rbd_mirror_image_enable2(JOURNAL)
 *             snapshot: rbd_mirror_image_enable2(SNAPSHOT), which takes the
 *                       first mirror snapshot
 *   pool      the pool mirrors every image that has the journaling feature:
 *             exclusive-lock and journaling are enabled, whatever the mode
 *             asked (result.mode says journal; snapshot mode is impossible)
 *   disabled  -EOPNOTSUPP (the pool named in result.error)
 *
 * Clones (an image with a parent) always go in journal mode: a
 * snapshot-mode clone loses its parent's data on the peer with Ceph 16.2.
 * Their parent is enabled first, in the mode asked (librbd refuses a clone
 * whose parent is not mirrored). When the parent is in snapshot mode, the
 * snapshot the clone hangs from reaches the peer only with a mirror
 * snapshot taken after it: until then the peer cannot create the clone.
 * So a mirror snapshot of the parent is taken when the parent has none
 * newer than that snapshot (result.parent_snapshot). This is checked on
 * every call, so a rerun after a crash between the two steps completes it.
 */
#ifndef ONEDR_MIRROR_ENABLE_H
#define ONEDR_MIRROR_ENABLE_H

#include <stdbool.h>
#include <time.h>

#include "ceph.h"
#include "conf.h"

enum mirror_enable_mode {
	MIRROR_ENABLE_JOURNAL,
	MIRROR_ENABLE_SNAPSHOT,
};

/* "journal" or "snapshot"; -EINVAL for anything else. */
int mirror_enable_mode_parse(const char *s, enum mirror_enable_mode *ret);
const char *mirror_enable_mode_name(enum mirror_enable_mode mode);
/* The mode onedr.conf's MIRROR_MODE sets (default journal). */
static inline enum mirror_enable_mode mirror_enable_conf_mode(const struct onedr_conf *conf)
{
	return conf->mirror_snapshot ? MIRROR_ENABLE_SNAPSHOT : MIRROR_ENABLE_JOURNAL;
}

struct mirror_enable_result {
	bool already;			/* it was mirrored already: nothing was changed on it */
	enum mirror_enable_mode mode;	/* the mode it is mirrored in now */
	bool primary;			/* the image is primary on this cluster */
	bool clone;			/* it has a parent (so journal mode) */
	bool parent_already;		/* clone: its parent was mirrored already */
	bool parent_snapshot;		/* clone: a mirror snapshot of the parent was taken */
	char parent[256];		/* clone: "pool/image" of the parent */
	/* on failure: what failed, with names, for one error line
	 * ("mirroring is disabled on pool 'one'"); "" when only the
	 * returned code says it */
	char error[320];
};

/*
 * Enable mirroring on pool/image in mode (clones: journal). 0 on success
 * (already mirrored included), else -errno:
 *   -ENOENT      no such pool or image (result.error names which)
 *   -EOPNOTSUPP  mirroring is disabled on the image's pool, or the parent's
 *   -ETIMEDOUT   the deadline passed (the image is then left stuck)
 *   -EBUSY       the image is being disabled
 *   any librbd error
 * result is always written (error set on failure).
 */
int mirror_enable(struct ceph *c, const char *pool, const char *image,
		  enum mirror_enable_mode mode, const struct timespec *deadline,
		  struct mirror_enable_result *result);

#endif

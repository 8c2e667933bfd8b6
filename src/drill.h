/*
 * drill.h: the Ceph and oned pieces of `onedr drill` (cmd-drill.c): the
 * consistent point of a disk, its clone on the replica site, and the one
 * guarded delete of onedr.
 *
 * What Ceph 16.2 allows on a non-primary (replica) image, verified in the
 * lab (README "Drill"): no snapshot can be created there (EROFS), no
 * snapshot can be protected (EROFS), so a clone v1 is refused ("parent
 * snapshot must be protected", EINVAL); a clone v2 (clone format 2) of a
 * user snapshot replicated from the primary works, and does not stop the
 * replay (up+replaying throughout). A user snapshot taken on the primary
 * reaches the replica: journal mode at once, snapshot mode with the next
 * mirror snapshot. Mirror snapshots (.mirror.*) and group snapshots cannot
 * be cloned by name through librbd's API, and a group snapshot does not
 * reach a snapshot-mode replica. When the primary removes a snapshot the
 * replica's clone still uses, the replica keeps it in the trash namespace
 * and replication goes on; removing the last clone removes it.
 *
 * So the consistent point is per disk: a user snapshot named
 * "onedr-drill-<RUN>" taken on the primary (the PEER site) of each disk of
 * a VM, one after the other: crash-consistent per disk, not across the
 * disks of a VM (Ceph 16.2 has no snapshot of several mirrored images at
 * one point that reaches the replica).
 *
 * Every object a drill creates carries its run: the snapshot by its name,
 * the clone by image-meta DRILL_META_KEY (and its parent, the run's
 * snapshot), the image by TEMPLATE DRILL_ATTR and its SOURCE (the clone),
 * the VM by USER_TEMPLATE DRILL_ATTR.
 *
 * Library module: never prints, never exits; 0 or -errno.
 */
#ifndef ONEDR_DRILL_H
#define ONEDR_DRILL_H

#include <stdbool.h>
#include <stddef.h>

#include "ceph.h"
#include "journal.h"

struct one_client;

#define DRILL_META_KEY "onedr.drill"	/* a clone's image-meta: the run that made it */
#define DRILL_ATTR "ONEDR_DRILL_RUN"	/* an image's TEMPLATE, a VM's USER_TEMPLATE */
#define DRILL_VM_ATTR "ONEDR_DRILL_VM"	/* a drill VM's USER_TEMPLATE: SITE/ID it copies */

/* The step names of a drill run: start creates, stop deletes. */
#define DRILL_STEP_SNAPSHOT "snapshot"	/* the consistent point, on the primary */
#define DRILL_STEP_REPLICATED "replicated"	/* the snapshot has reached this site */
#define DRILL_STEP_CLONE "clone"
#define DRILL_STEP_REGISTER "register"
#define DRILL_STEP_RECREATE "recreate"
#define DRILL_STEP_RUNNING "running"

/* "onedr-drill-<RUN>": the snapshot of run_id on every disk. */
void drill_snap_name(const char *run_id, char *buf, size_t len);
/* "<rbd>.drill-<tag>", tag from the run ID's random end. */
void drill_clone_name(const char *run_id, const char *rbd, char *buf, size_t len);

/* On the primary: user snapshot snap of pool/rbd (one there already is
 * kept); for a snapshot-mode image a mirror snapshot after it, so it
 * travels now. -EROFS: the image is not primary there. */
int drill_snap_create(struct ceph *c, const char *pool, const char *rbd, const char *snap,
		      double timeout);
/* 0 when pool/rbd has snapshot snap on c, -ENOENT when not (yet). */
int drill_snap_present(struct ceph *c, const char *pool, const char *rbd, const char *snap,
		       double timeout);
/* A clone v2 pool/clone of pool/rbd@snap on c, without journaling, marked
 * with run_id (image-meta). One of that name made from that snapshot is
 * adopted (*ret_adopted); another image of that name: -EEXIST. */
int drill_clone(struct ceph *c, const char *pool, const char *rbd, const char *snap,
		const char *clone, const char *run_id, double timeout, bool *ret_adopted);

/* Where the objects of a drill are, for drill_delete. */
struct drill_del {
	struct journal *j;		/* the drill's run (its ID is the run's mark) */
	struct ceph *local;		/* clones */
	struct ceph *peer;		/* the primary: snapshots; may be NULL */
	struct one_client *one;		/* this site's oned: images, VMs */
	double timeout;
};

/*
 * The only deletion onedr does. Deletes the object that the start step
 * created_by of the drill d->j created, and nothing else:
 *   created_by.step "recreate": VM id (terminate-hard),
 *                   "register": image id (delete),
 *                   "clone":    the clone pool/name (rbd remove),
 *                   "snapshot": the run's snapshot of the source disk
 *                               created_by.object (snapshot remove, on the
 *                               primary);
 * id: the VM or image ID (-1 for the others). It refuses (-EPERM, detail
 * says why) unless (1) the journal of d->j holds created_by, recorded
 * started or done (its intent written before the object was created),
 * (2) id is the one that step recorded (when it recorded one), and (3) the
 * object carries this run's mark: a VM or image DRILL_ATTR = run ID (an
 * image's SOURCE the run's clone), a clone image-meta DRILL_META_KEY = run
 * ID and no mirroring, a snapshot the run's name. Already gone: 0 and
 * *ret_gone. detail (may be NULL) says what was done or refused.
 */
int drill_delete(struct drill_del *d, const struct journal_key *created_by, int id,
		 bool *ret_gone, char *detail, size_t len);

#endif

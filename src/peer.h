/*
 * peer.h: may this site promote an image without --force? librbd alone says
 * yes whenever the local copy's last epoch ended in a demotion, even one
 * of its own that the peer has since promoted over and demoted again (the
 * "quick flip" that left site-b in split-brain). So before a non-forced
 * promote we read the peer's copy and require:
 *  - that it is not primary,
 *  - when this site demoted its own copy last (journal mode), that the
 *    peer has replayed that demotion: promoting again before it does
 *    leaves the peer in split-brain, and
 *  - when its last epoch was its own (it was primary, then demoted), that
 *    the local copy has replayed up to that demotion:
 *      journal mode:  our journal holds a demotion replayed from the peer,
 *                     and our rbd-mirror's commit position in the peer's
 *                     journal reaches the peer's latest demotion tag;
 *      snapshot mode: one of our mirror snapshots is a complete copy of the
 *                     peer's demotion snapshot (any epoch of ours came after).
 */
#ifndef ONEDR_PEER_H
#define ONEDR_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "ceph.h"

enum peer_verdict {
	PEER_SAFE,	/* the local copy has everything the peer wrote */
	PEER_WAIT,	/* the peer's demotion has not been replayed here yet */
	PEER_BEHIND,	/* the peer has not replayed this site's own demotion yet */
	PEER_PRIMARY,	/* the peer's copy is primary: demote it there first */
};

/* One pool as seen across the two sites. */
struct peer_site {
	rados_ioctx_t io;	/* the pool on the peer */
	rados_ioctx_t local_io;	/* the pool here */
	char local_uuid[64];	/* mirror uuids: ours names our rbd-mirror's */
	char peer_uuid[64];	/* registration in the peer's journals */
};

/* What the peer pool's listing said of one image. */
struct peer_image {
	bool known;		/* listed as mirror-enabled: id holds */
	char id[64];
};

/* Fills the verdict and a reason for the user. With listed known, a
 * journal-mode image costs one read of the peer's journal header (its
 * last tag also says whether the peer is primary) and one of ours, whose
 * last tag says whether the local copy is primary already:
 * *ret_local_primary is 1 or 0 then, -1 when not learnt (snapshot mode).
 * Otherwise, and in snapshot mode, the peer's copy is opened. Returns 0
 * or -errno (the peer could not be read). */
int peer_check_promote(const struct peer_site *site, struct ceph_image *local_image,
		       const char *name, const struct peer_image *listed,
		       rbd_mirror_image_mode_t mode, const struct timespec *deadline,
		       enum peer_verdict *ret_verdict, int *ret_local_primary, char *why,
		       size_t why_len);

/* The decisions alone, from what was read (NULL: nothing there). */
struct rbdj_tag;
struct rbdj_client;
/* replayed_demotion: our journal holds a demotion tag replayed from the peer.
 * we_demoted: our journal's last tag is this site's own demotion. */
enum peer_verdict peer_journal_verdict(const struct rbdj_tag *peer_last_tag,
				       const struct rbdj_client *our_client, bool replayed_demotion,
				       bool we_demoted, char *why, size_t why_len);

/* copy_here: the local mirror snapshot copied from peer_newest, if any. */
enum peer_verdict peer_snapshot_verdict(const struct ceph_mirror_snap *peer_newest,
					const struct ceph_mirror_snap *copy_here,
					const char *peer_mirror_uuid, char *why, size_t why_len);

/* Which copy is newer, before a step that may throw one away (demote, then
 * resync). Each copy's history says who owns its latest epoch:
 *  - primary:  its last epoch is its own and still open,
 *  - demoted:  its last epoch is its own, ended by a demotion,
 *  - replica:  it replays (or replayed) the peer's epochs.
 * A replica is never newer than the copy it follows. When both copies own
 * their last epoch (after a forced promote: split-brain), the newer one is
 * the one promoted after replaying the other's *current* epoch: its own
 * epoch starts from a copy of the other's last record, so it holds
 * everything the other had then, plus what it wrote since; the other holds
 * nothing of it.
 *  journal mode:  a copy's epoch starts at its last tag of its own (or, when
 *     demoted, the tag the demotion tag names as predecessor); that tag's
 *     predecessor tid names the tag it was promoted from. If that one is a
 *     replayed tag of the other site (owner = the other's mirror uuid, or a
 *     replayed demotion) whose predecessor fields equal those of one of the
 *     other's tags of its current epoch (rbd-mirror copies them, translating
 *     the owners), this copy was promoted after the other's current epoch
 *     began. (Whether an epoch was
 *     forced tells nothing: enabling mirroring opens one that looks forced.)
 *     An epoch may span several tags of its own, each naming the previous.
 *     Tags older than the oldest commit position are pruned, and with them
 *     that copy (seen after a forced promote and new writes): then a copy
 *     whose epoch is the image's original one (its first tag, created
 *     primary there, no predecessor) is older than a promoted one.
 *  snapshot mode: a copy's epoch starts after its newest complete
 *     non-primary mirror snapshot older than its own (primary) ones; if that
 *     one copies the other's newest mirror snapshot (primary_mirror_uuid and
 *     primary_snap_id), this copy was promoted after the other's current
 *     epoch. A forced promote removes the non-primary snapshots: when a
 *     copy holds only snapshots of its own, it was promoted after the other
 *     if all of its own are younger than all of the other's own (creation
 *     timestamps: assumes the sites' clocks agree).
 *  Either way, a demotion adds no epoch: a copy promoted after the other's
 *  epoch stays newer when the other demotes it afterwards.
 * Anything else (both or neither promoted after the other, or the evidence
 * pruned from the journal or the snapshots) is unknown. */
enum peer_role { COPY_UNKNOWN, COPY_NONE, COPY_PRIMARY, COPY_DEMOTED, COPY_REPLICA };
enum peer_newer {
	NEWER_UNKNOWN,	/* cannot tell: treat as if this copy might be newer */
	NEWER_LOCAL,	/* this copy holds the latest epoch */
	NEWER_PEER,	/* the peer's copy holds the latest epoch, or the same one */
};

struct peer_compare {
	enum peer_role local, peer;
	enum peer_newer newer;
	bool local_replayed_demotion;	/* this copy's last record is the peer's demotion */
	char why[200];
};

/* Reads both copies' histories and compares them. The peer having no copy
 * is not an error: peer is COPY_NONE then. With site->io NULL (the peer
 * cannot be read) only this copy is read: peer and newer stay unknown.
 * Returns 0 or -errno (the peer or the local copy could not be read). */
int peer_compare_copies(const struct peer_site *site, struct ceph_image *local_image, const char *name,
			const struct peer_image *listed, rbd_mirror_image_mode_t mode,
			const struct timespec *deadline, struct peer_compare *ret);

/* The comparisons alone, over each side's records oldest first (unit-tested).
 * our_uuid: how the peer names this site (our pool's mirror uuid);
 * their_uuid: how this site names the peer. */
void peer_journal_compare(const struct rbdj_tag *ours, size_t nours,
			  const struct rbdj_tag *theirs, size_t ntheirs,
			  const char *our_uuid, const char *their_uuid, struct peer_compare *ret);

void peer_snapshot_compare(const struct ceph_mirror_snap *ours, size_t nours,
			   const struct ceph_mirror_snap *theirs, size_t ntheirs,
			   const char *our_uuid, const char *their_uuid, struct peer_compare *ret);

/* Whether the peer's copy of name is primary. -ENOENT: the peer has no copy. */
int peer_is_primary(rados_ioctx_t peer_io, const char *name,
		    const struct timespec *deadline, bool *ret_primary);

#endif

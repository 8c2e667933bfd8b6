/*
 * mirror.h: the Ceph steps of a failover, over many images at once:
 * promote, demote, resync and status, each image in its own worker with its
 * own deadlines, over one cluster connection (and one to the peer site
 * when it is reachable). Results land in the items; nothing is printed.
 *
 * Here: the items and the context of a batch (mirror.c), and the status
 * (mirror-status.c). The steps, one file each:
 *   mirror-list.h   the images of a pool, which are mirrored and how
 *   mirror-run.h    the run engine: promote, demote, resync per image
 */
#ifndef ONEDR_MIRROR_H
#define ONEDR_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <rbd/librbd.h>

#include "ceph.h"
#include "peer.h"

enum mirror_outcome {
	MIRROR_DONE,		/* promoted, demoted, resync requested */
	MIRROR_NOOP,		/* already so: a rerun is a success */
	MIRROR_REFUSED,		/* not done, on purpose (safety); detail says why */
	MIRROR_FAILED,		/* an error; detail says what */
	MIRROR_TIMEDOUT,	/* abandoned at its deadline; detail says the state left */
};

struct mirror_item {
	char *pool;
	char *image;
	enum mirror_outcome outcome;	/* when ran */
	bool ran;		/* false: never started (the run was interrupted) */
	int error;		/* -errno for REFUSED, FAILED, TIMEDOUT */
	char detail[512];
	double seconds;
	uint64_t size;		/* resync: image size, bytes */
	uint64_t used;		/* resync: allocated bytes (upper bound of the copy) */
	/* Learnt from the image, and from the pool listings before the run. */
	bool role_known;	/* primary holds the role (read when a step needs it) */
	bool primary;
	bool mode_known;	/* journal holds the mirroring mode */
	bool journal;
	char id[64];		/* the image id, when listed as mirror-enabled */
	struct peer_image peer;	/* the peer's copy */
};

struct mirror_ctx {
	struct ceph *local;
	struct ceph *peer;	/* NULL when not configured or unreachable */
	const char *peer_name;	/* for messages */
	int peer_error;		/* why peer is NULL, when configured */
	bool force;
	bool no_peer;		/* --no-peer: the peer is not contacted nor checked */
	bool discard_local;	/* demote, resync: skip the newer-copy check */
	bool dry_run;		/* resync: only measure */
	double image_timeout;	/* each call on an image */
	double promote_wait;	/* non-forced promote: wait for the peer's demotion */
	unsigned concurrency;
	struct mirror_prep *prep;	/* mirror-run.h mirror_prepare, or NULL */
	/* Called from worker threads, serialised by the caller's lock if needed. */
	void (*progress)(void *arg, const struct mirror_item *item, const char *msg);
	void (*done)(void *arg, const struct mirror_item *item);
	void *arg;
};

/* "pool/image" or "image" (default pool) into an item. -EINVAL: malformed. */
int mirror_item_parse(const char *spec, const char *default_pool, struct mirror_item *item);
void mirror_items_free(struct mirror_item *items, size_t n);

/* Status. */

struct mirror_peer_state {
	char site[64];		/* peer site name, or its mirror uuid */
	char state[32];		/* "up+replaying", "down+stopped", ... */
	char description[256];
	time_t last_update;
};

struct mirror_status {
	char *pool;
	char *image;
	int error;		/* 0, or why the image could not be read */
	bool enabled;
	bool journal;		/* mode: journal, else snapshot */
	bool primary;
	char global_id[64];
	char state[32];		/* local site's state */
	char description[256];
	struct mirror_peer_state peers[4];
	size_t npeers;
	long long lag_entries;	/* journal: entries behind primary, -1 unknown */
	long long lag_seconds;	/* snapshot: age of the last synced mirror snapshot, -1 unknown */
	int peer_primary;	/* read on the peer site: 1 primary, 0 not, -1 unknown */
	bool split_brain;	/* reported by rbd-mirror, or primary on both sites */
	/* onedr's manifest in image-meta: none, present (peer not read),
	 * synced (the peer holds the same), pending (not on the peer yet) */
	enum { MANIFEST_NONE, MANIFEST_PRESENT, MANIFEST_SYNCED, MANIFEST_PENDING } manifest;
	bool healthy;
};

struct mirror_pool_status {
	char mode[16];		/* disabled, image, pool */
	char site[64];
	char uuid[64];
	struct mirror_peer_site {
		char site[64];
		char direction[8];
		char mirror_uuid[64];
		char client[64];
	} peers[4];
	size_t npeers;
};

/* Read under a deadline of timeout seconds (-ETIMEDOUT). */
int mirror_pool_status(struct ceph *c, const char *pool, double timeout,
		       struct mirror_pool_status *ret);
/* Fill st for each item (concurrently). */
int mirror_status(struct mirror_ctx *ctx, struct mirror_item *items, size_t n,
		  struct mirror_status *ret_status);
void mirror_status_free(struct mirror_status *st, size_t n);

#endif

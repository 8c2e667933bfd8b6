/*
 * mirror-run.c: the run engine: promote, demote or resync every image of a
 * batch, each in its own worker with its own deadlines; see mirror-run.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "ceph-lock.h"
#include "mirror-list.h"
#include "mirror-run.h"
#include "output.h"
#include "peer.h"
#include "rbd-journal.h"

static void item_set(struct mirror_item *it, enum mirror_outcome o, int error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void item_set(struct mirror_item *it, enum mirror_outcome o, int error, const char *fmt, ...)
{
	va_list ap;

	it->outcome = o;
	it->error = error;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

/* Record a failed call: a timeout becomes MIRROR_TIMEDOUT. */
static void item_fail(struct mirror_item *it, int r, const char *what)
{
	if (r == -ETIMEDOUT)
		item_set(it, MIRROR_TIMEDOUT, r, "%s: timed out", what);
	else
		item_set(it, MIRROR_FAILED, r, "%s: %s", what, strerror(-r));
}

/* After a timeout: what state did we leave the image in? Uses a fresh handle. */
static void describe_left_state(rados_ioctx_t io, struct mirror_item *it, double timeout)
{
	struct timespec dl = deadline_after(timeout < 5 ? timeout : 5);
	rbd_mirror_image_info_t info;
	struct ceph_image *image;
	size_t n = strlen(it->detail);

	if (ceph_image_open(io, it->image, true, &dl, &image) < 0) {
		snprintf(it->detail + n, sizeof(it->detail) - n, "; state left: unknown (cannot open)");
		return;
	}
	if (ceph_mirror_get_info(image, &dl, &info) < 0) {
		snprintf(it->detail + n, sizeof(it->detail) - n, "; state left: unknown");
		ceph_image_close(image, &dl);
		return;
	}
	snprintf(it->detail + n, sizeof(it->detail) - n, "; state left: %s; a rerun retries it",
		 info.primary ? "primary" : "non-primary");
	rbd_mirror_image_get_info_cleanup(&info);
	ceph_image_close(image, &dl);
}

static void progress(struct mirror_ctx *ctx, const struct mirror_item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void progress(struct mirror_ctx *ctx, const struct mirror_item *it, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!ctx->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->progress(ctx->arg, it, msg);
}

/* One pool of the run: its handles and the mirror uuids of both sides. */
struct run_pool {
	const char *name;
	rados_ioctx_t io;
	bool has_peer;		/* the peer has this pool and it could be read */
	int peer_error;		/* why not, when the peer is connected */
	const char *peer_what;	/* what could not be read there */
	struct peer_site site;
};

struct run {
	struct mirror_ctx *ctx;
	enum mirror_op op;
	struct mirror_item *items;
	size_t nitems;
	struct run_pool pools[8];
	size_t npools;
};

static struct run_pool *run_pool(struct run *run, const char *pool)
{
	size_t i;

	for (i = 0; i < run->npools; i++)
		if (!strcmp(run->pools[i].name, pool))
			return &run->pools[i];
	return NULL;
}

/* librbd answers -EINVAL to a promote of a primary image and a demote of a
 * non-primary one (and when mirroring was disabled meanwhile). The fast
 * path calls them without asking the role first; this tells which it was. */
static void settle_einval(struct mirror_ctx *ctx, struct mirror_item *it, struct ceph_image *image,
			  bool want_primary, const char *what)
{
	struct timespec dl = deadline_after(ctx->image_timeout);
	rbd_mirror_image_info_t info;
	int r;

	r = ceph_mirror_get_info(image, &dl, &info);
	if (r < 0) {
		item_fail(it, r, "get mirror info");
		return;
	}
	if (info.state != RBD_MIRROR_IMAGE_ENABLED)
		item_set(it, MIRROR_FAILED, -EINVAL, "mirroring is not enabled on this image");
	else if (info.primary == want_primary)
		item_set(it, MIRROR_NOOP, 0, want_primary ? "already primary" : "already non-primary");
	else
		item_fail(it, -EINVAL, what);
	rbd_mirror_image_get_info_cleanup(&info);
}

/* Whether the peer site is lost: configured, and no monitor answered.
 * Any other connect failure (a key refused, a missing keyring) means a
 * site that may well be alive and primary: not lost. */
static bool peer_lost(const struct mirror_ctx *ctx)
{
	if (!ctx->peer_name || ctx->peer)
		return false;
	switch (ctx->peer_error) {
	case -ETIMEDOUT:
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
	case -ENETUNREACH:
		return true;
	default:
		return false;
	}
}

/* Why the peer's copy cannot be read for this pool: a sentence for the
 * user and the -errno behind it (0 when it can be read). A peer that is
 * not configured or was left out with --no-peer reads -ENOTCONN. */
static int peer_unreadable(const struct mirror_ctx *ctx, const struct run_pool *rp,
			   char *buf, size_t len)
{
	if (rp->has_peer)
		return 0;
	if (!ctx->peer_name) {
		snprintf(buf, len, ctx->no_peer ? "the peer is left out (--no-peer)" :
			 "no peer site is configured");
		return -ENOTCONN;
	}
	if (!ctx->peer) {
		int r = ctx->peer_error < 0 ? ctx->peer_error : -ENOTCONN;

		snprintf(buf, len, peer_lost(ctx) ? "%s is unreachable: %s" :
			 "cannot connect to %s: %s", ctx->peer_name, strerror(-r));
		return r;
	}
	snprintf(buf, len, "cannot read %s on %s: %s", rp->peer_what ? rp->peer_what : "the pool",
		 ctx->peer_name, strerror(-rp->peer_error));
	return rp->peer_error < 0 ? rp->peer_error : -EIO;
}

/* Promote. */

static int learn_role(struct mirror_item *it, struct ceph_image *image, bool need_mode,
		      const struct timespec *dl);

/* Non-forced: wait until the peer's demotion has been replayed here, then promote. */
static int promote_when_safe(struct mirror_ctx *ctx, struct run_pool *rp, struct mirror_item *it,
			     struct ceph_image *image, bool journal)
{
	struct timespec wait_dl = deadline_after(ctx->promote_wait);
	double next_note = ctx->promote_wait - 5;
	const char *peer = ctx->peer_name ? ctx->peer_name : "the peer site";
	char why[256] = "the demotion on the peer has not arrived";
	rbd_mirror_image_mode_t mode = journal ? RBD_MIRROR_IMAGE_MODE_JOURNAL :
						 RBD_MIRROR_IMAGE_MODE_SNAPSHOT;
	char cause[256];
	int r;

	/* answering but unreadable: the checks below cannot run */
	if (!rp->has_peer && ctx->peer_name && !peer_lost(ctx) &&
	    (r = peer_unreadable(ctx, rp, cause, sizeof(cause))) < 0) {
		item_set(it, MIRROR_REFUSED, r, "%s: not promoting without checking %s's copy; "
			 "--no-peer to promote anyway, or --force if %s is lost", cause, peer, peer);
		return r;
	}
	/* unreachable: librbd promotes once the peer's demotion is replayed
	 * here, but whether the peer was promoted again since (the quick flip)
	 * cannot be checked */
	if (!rp->has_peer && ctx->peer_name && !ctx->peer) {
		struct timespec dl = deadline_after(ctx->image_timeout);
		struct peer_site alone = rp->site;
		struct peer_compare cmp;

		alone.io = NULL;
		r = peer_compare_copies(&alone, image, it->image, NULL, mode, &dl, &cmp);
		if (r < 0) {
			item_fail(it, r, "read the image's mirroring history");
			return r;
		}
		if (cmp.local_replayed_demotion) {
			r = ctx->peer_error < 0 ? ctx->peer_error : -ENOTCONN;
			item_set(it, MIRROR_REFUSED, r, "%s's demotion is replayed here, but %s is "
				 "unreachable (%s): whether it was promoted again since cannot be checked; "
				 "--no-peer to promote anyway, or --force if %s is lost", peer, peer,
				 strerror(-r), peer);
			return r;
		}
	}
	for (;;) {
		struct timespec dl = deadline_after(ctx->image_timeout);
		enum peer_verdict verdict = PEER_SAFE;
		double left;

		if (rp->has_peer) {
			int local_primary;

			r = peer_check_promote(&rp->site, image, it->image, &it->peer,
					       mode, &dl, &verdict, &local_primary, why, sizeof(why));
			if (r < 0) {
				item_set(it, MIRROR_REFUSED, r, "cannot check the image on %s (%s): "
					 "not promoting without --force", peer, strerror(-r));
				return r;
			}
			if (local_primary == 1) {
				item_set(it, MIRROR_NOOP, 0, "already primary");
				return 0;
			}
			if (verdict == PEER_PRIMARY) {
				item_set(it, MIRROR_REFUSED, -EBUSY, "primary on %s: demote it there first, "
					 "or use --force if %s is lost", peer, peer);
				return -EBUSY;
			}
		}
		if (verdict == PEER_SAFE) {
			r = ceph_mirror_promote(image, false, &dl);
			if (r == 0) {
				item_set(it, MIRROR_DONE, 0, "promoted");
				return 0;
			}
			if (r == -EINVAL) {
				settle_einval(ctx, it, image, true, "promote");
				return it->error;
			}
			if (r != -EBUSY && r != -EROFS) {
				item_fail(it, r, "promote");
				return r;
			}
			if (r == -EBUSY && !rp->has_peer && ctx->peer_name) {
				item_set(it, MIRROR_REFUSED, r, "not demoted on %s, which is unreachable (%s): "
					 "use --force if %s is lost", peer,
					 strerror(ctx->peer_error < 0 ? -ctx->peer_error : ENOTCONN), peer);
				return r;
			}
			/* EBUSY: librbd has not seen the demotion yet. EROFS: the
			 * image lock is still held by this site's rbd-mirror, which
			 * lets go once it sees the peer demoted. Both pass. */
			snprintf(why, sizeof(why), r == -EBUSY ?
				 "Ceph says the demotion is not propagated yet" :
				 "the image is still locked by this site's rbd-mirror");
		}
		left = deadline_left(&wait_dl);
		if (left <= 0 && verdict == PEER_BEHIND) {
			item_set(it, MIRROR_REFUSED, -ETIMEDOUT, "not promoted after waiting %.0f s: %s; "
				 "check %s's rbd-mirror, or promote with --no-peer and resync %s "
				 "afterwards", ctx->promote_wait, why, peer, peer);
			return -ETIMEDOUT;
		}
		if (left <= 0) {
			/* after a quick flip both sites can say so: the record of the
			 * peer's demotion in our journal is trimmed once we write
			 * enough (t0050); only the admin knows which copy to keep */
			item_set(it, MIRROR_REFUSED, -ETIMEDOUT, "not promoted after waiting %.0f s: %s%s%s%s",
				 ctx->promote_wait, why, verdict == PEER_WAIT ?
				 "; it holds writes this site lacks: promote on " : "",
				 verdict == PEER_WAIT ? peer : "", verdict == PEER_WAIT ?
				 " instead (if it refuses too, promote the copy with the newest data "
				 "with --no-peer)" : "");
			return -ETIMEDOUT;
		}
		if (left <= next_note) {
			progress(ctx, it, "waiting for %s%s: %s (%.0f s left)", peer,
				 verdict == PEER_BEHIND ? " to replay this site's demotion" : "'s demotion",
				 why, left);
			next_note = left - 5;
		}
		if (batch_interrupted()) {	/* SIGINT, SIGTERM: stop waiting */
			item_set(it, MIRROR_REFUSED, -EINTR, "interrupted while waiting: %s; not promoted",
				 why);
			return -EINTR;
		}
		usleep(250 * 1000);
	}
}

/* Forced, with the peer lost: this site's rbd-mirror, stuck on the dead
 * peer, holds the image (its watch makes a snapshot-mode promote wait
 * forever, its lock makes the promoted image refuse writes): take the
 * image from it (ceph-lock.h says why and how). Says what it did in
 * taken, or, when another client holds the lock or taking failed, in held
 * (for the message if the promote then fails; a timed-out one says the
 * state it left instead). */
static void take_from_mirror(struct mirror_ctx *ctx, struct run_pool *rp, struct mirror_item *it,
			     struct ceph_image *image, char *taken, size_t taken_len, char *held,
			     size_t held_len)
{
	struct timespec dl = deadline_after(ctx->image_timeout);
	struct ceph_lock_owner o;
	char who[256];
	int r;

	r = ceph_lock_take_from_mirror(ctx->local->rados, rp->io, image, &dl, &o);
	if (r > 0) {
		snprintf(taken, taken_len, "; took the image from this site's rbd-mirror (%s at %s, "
			 "blocklisted for %d s)", o.entity, o.addr, CEPH_LOCK_BLOCKLIST_SECONDS);
		if (r == 2)
			progress(ctx, it, "this site's rbd-mirror (%s at %s) holds the image while "
				 "its peer is lost: blocklisted it for %d s", o.entity, o.addr,
				 CEPH_LOCK_BLOCKLIST_SECONDS);
	} else if (r == -EBUSY) {
		ceph_lock_owner_format(&o, who, sizeof(who));
		snprintf(held, held_len, "the exclusive lock is held by %s, not by a live "
			 "rbd-mirror instance of this pool: left alone", who);
	} else if (r < 0) {
		snprintf(held, held_len, "could not take the image from this site's rbd-mirror: %s",
			 strerror(-r));
	}
}

static void do_promote(struct mirror_ctx *ctx, struct run_pool *rp, struct mirror_item *it,
		       struct ceph_image *image)
{
	enum peer_verdict verdict;
	int local_primary = -1;
	struct timespec dl;
	char why[256], taken[384] = "", held[384] = "";
	int r;

	/* a peer that answers but cannot be read refuses the promote: a rerun
	 * over copies already primary is still a success, so ask the role */
	if (!rp->has_peer && ctx->peer_name && !peer_lost(ctx) && !it->role_known) {
		dl = deadline_after(ctx->image_timeout);
		if (learn_role(it, image, false, &dl) < 0)
			return;
	}
	if (it->role_known && it->primary) {
		item_set(it, MIRROR_NOOP, 0, "already primary");
		return;
	}
	if (!ctx->force) {
		promote_when_safe(ctx, rp, it, image, it->journal);
		return;
	}
	/* Forcing is for a lost peer. If the peer answers and holds the primary
	 * copy, forcing would make two primaries: refuse. */
	dl = deadline_after(ctx->image_timeout);
	r = 0;
	if (!rp->has_peer && ctx->peer_name && !peer_lost(ctx)) {
		/* the peer answers but its copy cannot be read: it may be primary */
		r = peer_unreadable(ctx, rp, why, sizeof(why));
	} else if (rp->has_peer) {
		r = peer_check_promote(&rp->site, image, it->image, &it->peer,
				       it->journal ? RBD_MIRROR_IMAGE_MODE_JOURNAL :
				       RBD_MIRROR_IMAGE_MODE_SNAPSHOT, &dl, &verdict,
				       &local_primary, why, sizeof(why));
		if (r < 0)
			snprintf(why, sizeof(why), "cannot read the image on %s: %s",
				 ctx->peer_name, strerror(-r));
	}
	if (r < 0) {
		item_set(it, MIRROR_REFUSED, r, "%s: not forcing while %s answers (its copy may be "
			 "primary); --no-peer to force anyway", why, ctx->peer_name);
		return;
	}
	if (rp->has_peer && local_primary != 1 && verdict == PEER_PRIMARY) {
		item_set(it, MIRROR_REFUSED, -EBUSY, "primary on %s, which is reachable: demote it "
			 "there instead of forcing", ctx->peer_name);
		return;
	}
	if (local_primary == 1) {
		item_set(it, MIRROR_NOOP, 0, "already primary");
		return;
	}
	if (!rp->has_peer)
		take_from_mirror(ctx, rp, it, image, taken, sizeof(taken), held, sizeof(held));
	dl = deadline_after(ctx->image_timeout);
	r = ceph_mirror_promote(image, true, &dl);
	if (r == -EINVAL)
		settle_einval(ctx, it, image, true, "forced promote");
	else if (r < 0)
		item_fail(it, r, "forced promote");
	else
		item_set(it, MIRROR_DONE, 0, "promoted (forced)%s", taken);
	if (it->outcome == MIRROR_NOOP && taken[0]) {
		size_t n = strlen(it->detail);	/* already primary, but it was locked */

		snprintf(it->detail + n, sizeof(it->detail) - n, "%s", taken);
	} else if (held[0] && it->outcome == MIRROR_FAILED) {
		size_t n = strlen(it->detail);

		snprintf(it->detail + n, sizeof(it->detail) - n, "; %s", held);
	}
}

/* Which copy is newer, before demote and resync (see peer.h for the rule).
 * Fills cmp and returns 0, or refuses the item and returns -errno: the
 * peer could not be read. */
static int compare_with_peer(struct mirror_ctx *ctx, struct run_pool *rp, struct mirror_item *it,
			     struct ceph_image *image, const char *flag_hint, struct peer_compare *cmp)
{
	struct timespec dl = deadline_after(ctx->image_timeout);
	char cause[256];
	int r;

	r = peer_unreadable(ctx, rp, cause, sizeof(cause));
	if (r == 0) {
		r = peer_compare_copies(&rp->site, image, it->image, &it->peer,
					it->journal ? RBD_MIRROR_IMAGE_MODE_JOURNAL :
					RBD_MIRROR_IMAGE_MODE_SNAPSHOT, &dl, cmp);
		if (r < 0)
			snprintf(cause, sizeof(cause), "cannot read the image's history on %s or here: %s",
				 ctx->peer_name, strerror(-r));
	}
	if (r < 0)
		item_set(it, MIRROR_REFUSED, r, "%s, so which copy is newer cannot be checked: %s",
			 cause, flag_hint);
	return r;
}

/* Demote. */

/* A demote loses nothing by itself, but on the wrong site it is the first
 * step of throwing the newer copy away (a resync follows). So it is
 * refused when the peer's copy is primary too (split-brain) and this one is
 * newer or it cannot be told, and when the peer has no copy at all. A peer
 * that is not primary (a planned switchover, even one the peer has not
 * replayed yet: the promote there waits for it) lets it through. */
static void do_demote(struct mirror_ctx *ctx, struct run_pool *rp, struct mirror_item *it,
		      struct ceph_image *image)
{
	struct timespec dl = deadline_after(ctx->image_timeout);
	const char *peer = ctx->peer_name ? ctx->peer_name : "the peer site";
	struct peer_compare cmp;
	int r;

	/* without a readable peer, a rerun over copies already demoted is
	 * still a success: ask the role before refusing */
	if (!rp->has_peer && !it->role_known && !ctx->no_peer && !ctx->discard_local &&
	    learn_role(it, image, false, &dl) < 0)
		return;
	if (it->role_known && !it->primary) {
		item_set(it, MIRROR_NOOP, 0, "already non-primary");
		return;
	}
	if (!ctx->no_peer && !ctx->discard_local) {
		if (compare_with_peer(ctx, rp, it, image, "--no-peer or --discard-local to demote "
				      "anyway", &cmp) < 0)
			return;
		if (cmp.local == COPY_DEMOTED || cmp.local == COPY_REPLICA) {
			item_set(it, MIRROR_NOOP, 0, "already non-primary");
			return;
		}
		if (cmp.peer == COPY_NONE) {
			item_set(it, MIRROR_REFUSED, -EPERM, "%s has no copy of this image: demoting it "
				 "leaves no primary copy anywhere; --discard-local to demote anyway", peer);
			return;
		}
		if (cmp.peer == COPY_PRIMARY && cmp.newer == NEWER_LOCAL) {
			item_set(it, MIRROR_REFUSED, -EPERM, "this copy is newer than %s's (%s): run "
				 "'onedr demote' and 'onedr resync' on %s instead, or --discard-local "
				 "to throw this copy away", peer, cmp.why, peer);
			return;
		}
		if (cmp.peer == COPY_PRIMARY && cmp.newer == NEWER_UNKNOWN) {
			item_set(it, MIRROR_REFUSED, -EPERM, "primary here and on %s, and which copy is "
				 "newer cannot be told (%s): compare them with 'onedr status' on both "
				 "sites; --discard-local to demote this one anyway", peer, cmp.why);
			return;
		}
	}
	r = ceph_mirror_demote(image, &dl);
	if (r == -EINVAL)
		settle_einval(ctx, it, image, false, "demote");
	else if (r == -EROFS)
		item_set(it, MIRROR_FAILED, r, "demote: %s (the image lock is held, often by this "
			 "site's rbd-mirror while the peer is unreachable)", strerror(-r));
	else if (r < 0)
		item_fail(it, r, "demote");
	else
		item_set(it, MIRROR_DONE, 0, "demoted");
}

/* Resync. */

static int add_extent(uint64_t offset, size_t len, int exists, void *arg)
{
	if (exists)
		*(uint64_t *)arg += len;
	return 0;
}

/* What a resync would copy, measured in a worker thread (librbd has no
 * aio for it). As libvirt does, the allocation is scanned only with a
 * valid fast-diff, i.e. from the object map; without it the scan would
 * stat every object of the image, so the image size is the bound. */
struct measure {
	uint64_t size, used;
	bool measured;
};

static int measure_fn(rbd_image_t rbd, void *arg)
{
	struct measure *m = arg;
	uint64_t features = 0, flags = 0;
	int r;

	r = rbd_get_size(rbd, &m->size);
	if (r == 0)
		r = rbd_get_features(rbd, &features);
	if (r == 0)
		r = rbd_get_flags(rbd, &flags);
	if (r < 0)
		return r;
	if (!(features & RBD_FEATURE_FAST_DIFF) || (flags & RBD_FLAG_FAST_DIFF_INVALID)) {
		m->used = m->size;
		return 0;
	}
	m->measured = true;
	return rbd_diff_iterate2(rbd, NULL, 0, m->size, 0, 1, add_extent, &m->used);
}

static int resync_fn(rbd_image_t rbd, void *arg)
{
	return rbd_mirror_image_resync(rbd);
}

/* A resync replaces this copy with the peer's: refused when this copy is
 * newer, when that cannot be told, and when the peer cannot be read (a
 * resync needs the peer anyway; --no-peer does not make it blind: only
 * --discard-local skips the check). */
static void do_resync(struct mirror_ctx *ctx, struct run_pool *rp, struct mirror_item *it,
		      struct ceph_image *image)
{
	const char *peer = ctx->peer_name ? ctx->peer_name : "the peer site";
	struct timespec dl = deadline_after(ctx->image_timeout);
	struct measure m = { 0, 0, false };
	struct peer_compare cmp;
	char size[32], used[32];
	const char *how;
	int r;

	if (!ctx->discard_local) {
		if (compare_with_peer(ctx, rp, it, image, "--discard-local to resync anyway", &cmp) < 0)
			return;
		if (cmp.newer == NEWER_LOCAL) {
			item_set(it, MIRROR_REFUSED, -EPERM, "this copy is newer than %s's (%s): a resync "
				 "would replace it with the older one; run 'onedr demote' and 'onedr "
				 "resync' on %s instead, or --discard-local to throw this copy away",
				 peer, cmp.why, peer);
			return;
		}
		if (cmp.newer == NEWER_UNKNOWN) {
			item_set(it, MIRROR_REFUSED, -EPERM, "which of this copy and %s's is newer cannot "
				 "be told (%s): compare them with 'onedr status' on both sites; "
				 "--discard-local to resync anyway", peer, cmp.why);
			return;
		}
	}
	if (it->primary) {
		item_set(it, MIRROR_REFUSED, -EPERM, "primary here: a resync would replace it with the "
			 "peer's copy; demote it first if that is what you want");
		return;
	}
	r = ceph_image_call(image, &dl, measure_fn, &m, sizeof(m));
	if (r < 0) {
		item_fail(it, r, "measure");
		return;
	}
	it->size = m.size;
	it->used = m.used;
	output_size(it->size, size, sizeof(size));
	output_size(it->used, used, sizeof(used));
	how = m.measured ? "" : ", the allocation not measured: no fast-diff";
	if (ctx->dry_run) {
		item_set(it, MIRROR_NOOP, 0, "would copy up to %s (size %s)%s", used, size, how);
		return;
	}
	progress(ctx, it, "resync will copy up to %s (size %s)%s", used, size, how);
	dl = deadline_after(ctx->image_timeout);
	r = ceph_image_call(image, &dl, resync_fn, NULL, 0);
	if (r < 0)
		item_fail(it, r, "resync");
	else
		item_set(it, MIRROR_DONE, 0, "resync requested: copies up to %s from the peer", used);
}

/* One image: open, learn its role, act, close. */

/* Role, and mode when the step needs it, from the open image. Each of
 * the two calls costs the cluster a mirror-info read (and, in journal
 * mode, a tag lookup), so the mode is read only when the peer checks of a
 * promote need it. */
static int learn_role(struct mirror_item *it, struct ceph_image *image, bool need_mode,
		      const struct timespec *dl)
{
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode;
	bool enabled;
	int r;

	r = ceph_mirror_get_info(image, dl, &info);
	if (r < 0) {
		item_fail(it, r, "get mirror info");
		return r;
	}
	enabled = info.state == RBD_MIRROR_IMAGE_ENABLED;
	it->primary = info.primary;
	it->role_known = true;
	rbd_mirror_image_get_info_cleanup(&info);
	if (!enabled) {
		item_set(it, MIRROR_FAILED, -EINVAL, "mirroring is not enabled on this image");
		return -EINVAL;
	}
	if (!need_mode)
		return 0;
	r = ceph_mirror_get_mode(image, dl, &mode);
	if (r < 0) {
		item_fail(it, r, "get mirror mode");
		return r;
	}
	it->mode_known = true;
	it->journal = mode == RBD_MIRROR_IMAGE_MODE_JOURNAL;
	return 0;
}

static void run_one(void *arg, size_t i)
{
	struct run *run = arg;
	struct mirror_ctx *ctx = run->ctx;
	struct mirror_item *it = &run->items[i];
	struct run_pool *rp = run_pool(run, it->pool);
	struct timespec start = deadline_after(0), dl = deadline_after(ctx->image_timeout);
	struct ceph_image *image;
	bool need_mode;
	int r;

	it->ran = true;
	if (!rp) {
		item_set(it, MIRROR_FAILED, -ENOENT, "no such pool '%s'", it->pool);
		goto out;
	}
	/* by id when listed: saves the name lookup */
	r = it->id[0] ? ceph_image_open_by_id(rp->io, it->id, &dl, &image) :
			ceph_image_open(rp->io, it->image, false, &dl, &image);
	if (r < 0) {
		if (r == -ENOENT)
			item_set(it, MIRROR_FAILED, r, "no such image");
		else
			item_fail(it, r, "open");
		goto out;
	}
	/* A listed image whose mode is known (or not needed) goes straight to
	 * its step: librbd's promote and demote read the role themselves, and
	 * the peer checks read our journal's last tag. Asking the role first
	 * would cost every image two more mirror-info reads, each of which,
	 * in journal mode, opens a journaler. */
	need_mode = !it->mode_known &&
		    (run->op == MIRROR_OP_PROMOTE ? rp->has_peer || ctx->peer_name :
		     rp->has_peer && !(ctx->discard_local || ctx->no_peer));
	if ((it->id[0] && run->op != MIRROR_OP_RESYNC && !need_mode) ||
	    learn_role(it, image, need_mode, &dl) == 0) {
		if (run->op == MIRROR_OP_PROMOTE)
			do_promote(ctx, rp, it, image);
		else if (run->op == MIRROR_OP_DEMOTE)
			do_demote(ctx, rp, it, image);
		else
			do_resync(ctx, rp, it, image);
	}
	if (it->outcome == MIRROR_TIMEDOUT)
		describe_left_state(rp->io, it, ctx->image_timeout);	/* a fresh handle */
	dl = deadline_after(ctx->image_timeout);
	r = ceph_image_close(image, &dl);	/* a stuck image stays open: ceph.h */
	if (r < 0 && it->outcome != MIRROR_FAILED && it->outcome != MIRROR_TIMEDOUT)
		item_fail(it, r, "close");
out:
	it->seconds = -deadline_left(&start);
	if (ctx->done)
		ctx->done(ctx->arg, it);
}

/* The pool on the peer site: its mirror uuid and listing, and ours. A
 * failure is kept with what failed, for each item's message: an unreadable
 * peer must not pass for an absent one. */
static void prepare_peer(struct run_pool *rp, struct ceph *peer, const char *pool,
			 double timeout, struct listing *there)
{
	int r;

	rp->peer_what = "the pool";
	r = ceph_pool(peer, pool, &rp->site.io);
	if (r == 0) {
		rp->peer_what = "this site's mirror uuid";
		r = mirror_uuid(rp->io, timeout, rp->site.local_uuid, sizeof(rp->site.local_uuid));
	}
	if (r == 0) {
		rp->peer_what = "the pool's mirror uuid";
		r = mirror_uuid(rp->site.io, timeout, rp->site.peer_uuid, sizeof(rp->site.peer_uuid));
	}
	if (r == 0) {
		rp->peer_what = "the pool's images";
		r = listing_load(rp->site.io, timeout, there);
	}
	rp->peer_error = r;
	rp->has_peer = r == 0;
}

/* Before the workers start: every pool the items name, opened on both
 * sites and listed, so that each item knows its image id here and on the
 * peer (mode and role come from the open image), and the mirror uuids
 * are read once. */
static void apply_listing(struct run *run, const struct run_pool *rp, const struct listing *here,
			  const struct listing *there)
{
	for (size_t i = 0; i < run->nitems; i++) {
		struct mirror_item *it = &run->items[i];
		const struct listed *l;

		if (strcmp(it->pool, rp->name))
			continue;
		if ((l = listing_find(here, it->image))) {
			snprintf(it->id, sizeof(it->id), "%s", l->id);
			it->mode_known = l->mode >= 0;
			it->journal = l->mode == RBD_MIRROR_IMAGE_MODE_JOURNAL;
		}
		if (rp->has_peer && (l = listing_find(there, it->image))) {
			it->peer.known = true;
			snprintf(it->peer.id, sizeof(it->peer.id), "%s", l->id);
		}
	}
}

/* One pool opened on both sites and listed, into rp (its name: pool).
 * Returns 1 when the pool is there, 0 when it is not (each of its items
 * reports it), -errno. */
static int list_pool(struct mirror_ctx *ctx, const char *pool, struct run_pool *rp,
		     struct listing *here, struct listing *there)
{
	int r;

	memset(rp, 0, sizeof(*rp));
	memset(here, 0, sizeof(*here));
	memset(there, 0, sizeof(*there));
	rp->name = pool;
	r = ceph_pool(ctx->local, pool, &rp->io);
	rp->site.local_io = rp->io;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* the listing only saves each image a lookup: without it (a slow
	 * site) every image is opened by name and reports its own error */
	if (listing_load(rp->io, ctx->image_timeout, here) < 0)
		memset(here, 0, sizeof(*here));
	if (ctx->peer)
		prepare_peer(rp, ctx->peer, pool, ctx->image_timeout, there);
	return 1;
}

static int prepare_pool(struct run *run, const char *pool)
{
	struct run_pool *rp = &run->pools[run->npools];
	struct listing here, there;
	int r;

	if (run->npools == sizeof(run->pools) / sizeof(run->pools[0]))
		return -EMFILE;
	r = list_pool(run->ctx, pool, rp, &here, &there);
	if (r <= 0)
		return r;
	run->npools++;
	apply_listing(run, rp, &here, &there);
	listing_free(&here);
	listing_free(&there);
	return 0;
}

/* mirror_prepare's pools: each pool's handles and uuids, and its listings. */
struct mirror_prep {
	struct run_pool pools[8];
	struct listing here[8], there[8];
	char *names[8];
	size_t npools;
};

void mirror_prep_free(struct mirror_prep *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->npools; i++) {
		listing_free(&p->here[i]);
		listing_free(&p->there[i]);
		free(p->names[i]);
	}
	free(p);
}

int mirror_prepare(struct mirror_ctx *ctx, const char *const *pools, size_t n,
		   struct mirror_prep **ret)
{
	struct mirror_prep *p = calloc(1, sizeof(*p));
	int r = 0;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++) {
		size_t k = p->npools;
		bool seen = false;

		for (size_t j = 0; j < p->npools; j++)
			seen = seen || !strcmp(p->names[j], pools[i]);
		if (seen)
			continue;
		if (k == sizeof(p->pools) / sizeof(p->pools[0]))
			r = -EMFILE;
		else if (!(p->names[k] = strdup(pools[i])))
			r = -ENOMEM;
		else if ((r = list_pool(ctx, p->names[k], &p->pools[k], &p->here[k],
					&p->there[k])) > 0)
			p->npools++;
		else
			free(p->names[k]);
	}
	if (r < 0) {
		mirror_prep_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int mirror_run(struct mirror_ctx *ctx, enum mirror_op op, struct mirror_item *items, size_t n)
{
	struct run run;
	size_t i;
	int r;

	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.op = op;
	run.items = items;
	run.nitems = n;
	/* the pools mirror_prepare listed: their listings, not a new one */
	for (i = 0; ctx->prep && i < ctx->prep->npools; i++) {
		run.pools[run.npools++] = ctx->prep->pools[i];
		apply_listing(&run, &ctx->prep->pools[i], &ctx->prep->here[i],
			      &ctx->prep->there[i]);
	}
	for (i = 0; i < n; i++) {
		if (run_pool(&run, items[i].pool))
			continue;
		r = prepare_pool(&run, items[i].pool);
		if (r < 0)
			return r;
	}
	return batch_run(n, ctx->concurrency, run_one, &run);
}

int mirror_resync_estimate(struct ceph *c, const char *pool, const char *image, double timeout,
			   uint64_t *ret_size, uint64_t *ret_used, bool *ret_measured)
{
	struct timespec dl = deadline_after(timeout);
	struct measure m = { 0, 0, false };
	struct ceph_image *img;
	rados_ioctx_t io;
	int r;

	r = ceph_pool(c, pool, &io);
	if (r == 0)
		r = ceph_image_open(io, image, true, &dl, &img);
	if (r < 0)
		return r;
	r = ceph_image_call(img, &dl, measure_fn, &m, sizeof(m));
	dl = deadline_after(timeout);
	ceph_image_close(img, &dl);
	if (r < 0)
		return r;
	*ret_size = m.size;
	*ret_used = m.used;
	*ret_measured = m.measured;
	return 0;
}

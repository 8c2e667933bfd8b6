/* peer.c: the peer-side checks before a non-forced promote; see peer.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ceph.h"
#include "peer.h"
#include "rbd-journal.h"

int peer_is_primary(rados_ioctx_t peer_io, const char *name,
		    const struct timespec *deadline, bool *ret_primary)
{
	rbd_mirror_image_info_t info;
	struct ceph_image *image;
	int r, rc;

	r = ceph_image_open(peer_io, name, true, deadline, &image);
	if (r < 0)
		return r;
	r = ceph_mirror_get_info(image, deadline, &info);
	if (r == 0) {
		*ret_primary = info.primary;
		rbd_mirror_image_get_info_cleanup(&info);
	}
	rc = ceph_image_close(image, deadline);	/* a stuck image stays open */
	if (r == 0)
		r = rc;
	return r;
}

/* The decisions, apart from the I/O that feeds them (unit-tested). */

enum peer_verdict peer_journal_verdict(const struct rbdj_tag *last, const struct rbdj_client *ours,
				       bool replayed_demotion, bool we_demoted, char *why, size_t why_len)
{
	if (!last) {
		snprintf(why, why_len, "the peer's journal has no epoch yet");
		return PEER_SAFE;
	}
	if (!strcmp(last->mirror_uuid, RBDJ_LOCAL_MIRROR_UUID)) {
		snprintf(why, why_len, "the peer's copy is primary");
		return PEER_PRIMARY;
	}
	if (we_demoted && strcmp(last->mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID)) {
		/* This site demoted its copy, and the peer still replays the
		 * epoch before: promoting again now makes the peer's
		 * rbd-mirror stop with "split-brain detected" (half of 200
		 * images, demoted and promoted again 5 s later, in the lab),
		 * and the peer's copy then needs a full resync. */
		snprintf(why, why_len, "the peer has not replayed this site's demotion yet "
			 "(promoting before it does leaves the peer in split-brain)");
		return PEER_BEHIND;
	}
	if (strcmp(last->mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID) ||
	    strcmp(last->predecessor_uuid, RBDJ_LOCAL_MIRROR_UUID)) {
		snprintf(why, why_len, "the peer's last epoch was replicated to it");
		return PEER_SAFE;
	}
	/* The peer was primary, then demoted. Two things must hold: our own
	 * journal holds a demotion replayed from the peer (our rbd-mirror
	 * applied a peer epoch to the end), and our rbd-mirror's commit
	 * position in the peer's journal has reached the peer's latest
	 * demotion. The position alone is not enough: a replayer that
	 * registers late starts at the end of the peer's journal, past
	 * entries it never applied (seen here in the quick flip).
	 * Known gap: a demotion replayed from an *earlier* peer epoch
	 * satisfies the first test, so a late registration after a second
	 * quick epoch of the peer would still pass. Matching the replayed
	 * tag to the peer's latest demotion needs the tag chain, not read yet. */
	if (!replayed_demotion) {
		snprintf(why, why_len, "the peer was primary and demoted (tag %" PRIu64
			 ") but this site has not replayed that epoch", last->tid);
		return PEER_WAIT;
	}
	if (!ours || !ours->has_position || ours->tag_tid < last->tid) {
		snprintf(why, why_len, "the peer's demotion (tag %" PRIu64 ") is not replayed here yet "
			 "(replayed up to tag %" PRIu64 ")", last->tid,
			 ours && ours->has_position ? ours->tag_tid : 0);
		return PEER_WAIT;
	}
	snprintf(why, why_len, "the peer's demotion (tag %" PRIu64 ") is replayed here", last->tid);
	return PEER_SAFE;
}

enum peer_verdict peer_snapshot_verdict(const struct ceph_mirror_snap *peer, const struct ceph_mirror_snap *copy,
					const char *peer_uuid, char *why, size_t why_len)
{
	bool copied;

	if (!peer) {
		snprintf(why, why_len, "the peer has no mirror snapshot yet");
		return PEER_SAFE;
	}
	if (peer->state == RBD_SNAP_MIRROR_STATE_PRIMARY) {
		snprintf(why, why_len, "the peer's copy is primary");
		return PEER_PRIMARY;
	}
	if (peer->state != RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED) {
		snprintf(why, why_len, "the peer's last epoch was replicated to it");
		return PEER_SAFE;
	}
	/* our history must contain a complete copy of the peer's demotion: any
	 * epoch of ours after it started from it, so nothing there is lost */
	copied = copy && copy->primary_snap_id == peer->id && copy->complete &&
		 !strcmp(copy->primary_mirror_uuid, peer_uuid);
	snprintf(why, why_len, copied ? "the peer's demotion snapshot %" PRIu64 " is copied here" :
		 "the peer's demotion snapshot %" PRIu64 " is not fully copied here yet", peer->id);
	return copied ? PEER_SAFE : PEER_WAIT;
}

/* Which copy is newer (see peer.h): the decision, once each side's role and
 * the evidence of who promoted after whom are known. */
static void compare_decide(struct peer_compare *c, bool local_after, bool peer_after)
{
	enum peer_newer n = NEWER_UNKNOWN;
	const char *why;

	if (c->peer == COPY_NONE) {
		n = NEWER_LOCAL;
		why = "the peer has no copy of it";
	} else if (c->local == COPY_UNKNOWN || c->peer == COPY_UNKNOWN) {
		why = c->local == COPY_UNKNOWN ? "this copy has no mirroring history to compare" :
						 "the peer's copy has no mirroring history to compare";
	} else if (c->local == COPY_REPLICA && c->peer == COPY_REPLICA) {
		why = "each copy says it replays the other";
	} else if (c->local == COPY_REPLICA) {
		n = NEWER_PEER;
		why = "this copy replays the peer's";
	} else if (c->peer == COPY_REPLICA) {
		n = NEWER_LOCAL;
		why = c->local == COPY_PRIMARY ? "primary here, the peer replays it" :
						 "demoted here last, the peer replays it";
	} else if (local_after != peer_after) {
		n = local_after ? NEWER_LOCAL : NEWER_PEER;
		why = local_after ? "promoted here last, after the peer's current epoch" :
				    "promoted on the peer last, after this site's current epoch";
	} else {
		why = "both copies hold an epoch of their own and neither history shows "
		      "which came last";
	}
	c->newer = n;
	snprintf(c->why, sizeof(c->why), "%s", why);
}

static enum peer_role journal_role(const struct rbdj_tag *v, size_t n)
{
	if (!n)
		return COPY_UNKNOWN;
	if (!strcmp(v[n - 1].mirror_uuid, RBDJ_LOCAL_MIRROR_UUID))
		return COPY_PRIMARY;
	if (!strcmp(v[n - 1].mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID) &&
	    !strcmp(v[n - 1].predecessor_uuid, RBDJ_LOCAL_MIRROR_UUID))
		return COPY_DEMOTED;
	return COPY_REPLICA;
}

static const struct rbdj_tag *tag_find(const struct rbdj_tag *v, size_t n, uint64_t tid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].tid == tid)
			return &v[i];
	return NULL;
}

/* The tag that opened a side's own last epoch, NULL when not known. An
 * epoch may hold several tags of its own, each linked to the one before
 * (librbd opened a second one on site-b after its forced promote, in the
 * lab): the first of them opened it. */
static const struct rbdj_tag *journal_epoch(const struct rbdj_tag *v, size_t n, enum peer_role role)
{
	const struct rbdj_tag *e, *prev;
	size_t hops;

	if (role == COPY_PRIMARY)
		e = &v[n - 1];
	else if (role == COPY_DEMOTED && v[n - 1].commit_valid)
		e = tag_find(v, n, v[n - 1].predecessor_tag_tid);
	else
		return NULL;
	if (!e || strcmp(e->mirror_uuid, RBDJ_LOCAL_MIRROR_UUID))
		return NULL;
	for (hops = 0; hops < n && e->commit_valid &&
	     !strcmp(e->predecessor_uuid, RBDJ_LOCAL_MIRROR_UUID); hops++) {
		prev = tag_find(v, n, e->predecessor_tag_tid);
		if (!prev || prev == e || strcmp(prev->mirror_uuid, RBDJ_LOCAL_MIRROR_UUID))
			break;
		e = prev;
	}
	return e;
}

/* An owner in the other side's journal, as rbd-mirror names it when it
 * copies the tag here: the other's own epochs carry its uuid, ours "". */
static const char *xlate(const char *owner, const char *other_uuid, const char *self_uuid)
{
	if (!strcmp(owner, RBDJ_LOCAL_MIRROR_UUID))
		return other_uuid;
	if (!strcmp(owner, self_uuid))
		return RBDJ_LOCAL_MIRROR_UUID;
	return owner;
}

/* Whether a tag here is rbd-mirror's copy of the other side's tag o.
 * other_uuid: how this side names the other; self_uuid: how the other
 * names this side. */
static bool tag_copies(const struct rbdj_tag *t, const struct rbdj_tag *o, const char *other_uuid,
		       const char *self_uuid)
{
	return !strcmp(t->mirror_uuid, xlate(o->mirror_uuid, other_uuid, self_uuid)) &&
	       !strcmp(t->predecessor_uuid, xlate(o->predecessor_uuid, other_uuid, self_uuid)) &&
	       t->commit_valid == o->commit_valid &&
	       t->predecessor_tag_tid == o->predecessor_tag_tid &&
	       t->predecessor_entry_tid == o->predecessor_entry_tid;
}

/* Whether the epoch opened by e was promoted from the copy here of one of
 * the other side's tags of its current epoch (from other_epoch, the tag
 * that opened it, to its last, a demotion included: it adds no epoch). */
static bool journal_promoted_after(const struct rbdj_tag *v, size_t n, const struct rbdj_tag *e,
				   const struct rbdj_tag *other, size_t nother,
				   const struct rbdj_tag *other_epoch, const char *other_uuid,
				   const char *self_uuid)
{
	const struct rbdj_tag *from;
	size_t i;

	if (!e || !e->commit_valid || !nother)
		return false;
	from = tag_find(v, n, e->predecessor_tag_tid);
	if (!from || from == e)
		return false;
	for (i = nother; i > 0; i--) {
		if (tag_copies(from, &other[i - 1], other_uuid, self_uuid))
			return true;
		if (!other_epoch || other[i - 1].tid <= other_epoch->tid)
			break;
	}
	return false;
}

/* Whether the epoch opened by e is the image's original one: opened with
 * no predecessor (the journal's first epoch, the image created primary on
 * this side) and never handed over since. Any promotion on the other side
 * (a tag with a valid predecessor: promoted from a replica of this one)
 * came after it began. */
static bool journal_original(const struct rbdj_tag *e)
{
	return e && !e->commit_valid && !strcmp(e->mirror_uuid, RBDJ_LOCAL_MIRROR_UUID);
}

void peer_journal_compare(const struct rbdj_tag *ours, size_t nours,
			  const struct rbdj_tag *theirs, size_t ntheirs,
			  const char *our_uuid, const char *their_uuid, struct peer_compare *ret)
{
	const struct rbdj_tag *le, *pe;
	bool local_after = false, peer_after = false;

	memset(ret, 0, sizeof(*ret));
	ret->local = journal_role(ours, nours);
	ret->peer = journal_role(theirs, ntheirs);
	ret->local_replayed_demotion = ret->local == COPY_REPLICA &&
				       !strcmp(ours[nours - 1].mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID);
	le = nours ? journal_epoch(ours, nours, ret->local) : NULL;
	pe = ntheirs ? journal_epoch(theirs, ntheirs, ret->peer) : NULL;
	if (nours && ntheirs) {
		local_after = journal_promoted_after(ours, nours, le, theirs, ntheirs, pe,
						     their_uuid, our_uuid);
		peer_after = journal_promoted_after(theirs, ntheirs, pe, ours, nours, le,
						    our_uuid, their_uuid);
		/* the copy that links to the other was pruned (tags before the
		 * oldest commit position go): an original epoch still tells */
		if (!local_after && !peer_after && le && pe) {
			local_after = journal_original(pe) && le->commit_valid;
			peer_after = journal_original(le) && pe->commit_valid;
		}
	}
	compare_decide(ret, local_after, peer_after);
}

static bool snap_own(const struct ceph_mirror_snap *s)
{
	return s->state == RBD_SNAP_MIRROR_STATE_PRIMARY ||
	       s->state == RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED;
}

static enum peer_role snap_role(const struct ceph_mirror_snap *v, size_t n)
{
	if (!n)
		return COPY_UNKNOWN;
	if (v[n - 1].state == RBD_SNAP_MIRROR_STATE_PRIMARY)
		return COPY_PRIMARY;
	return v[n - 1].state == RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED ? COPY_DEMOTED : COPY_REPLICA;
}

/* Whether this side's own last epoch started from a complete copy of the
 * other side's newest mirror snapshot or, when that is a demotion (it adds
 * no epoch), of the snapshot just before it. A forced promote removes the
 * non-primary snapshots (seen in the lab), and with them that evidence:
 * then, both sides holding snapshots of their own, this side counts as
 * promoted after the other when every own snapshot the other still holds
 * is older than every own snapshot here (the clocks of the two sites are
 * assumed to agree within the time between a failure and the promote). */
static bool snap_promoted_after(const struct ceph_mirror_snap *v, size_t n, const struct ceph_mirror_snap *other,
				size_t nother, const char *other_uuid)
{
	size_t i = n;

	while (i > 0 && snap_own(&v[i - 1]))
		i--;
	if (i == n || !nother)
		return false;
	if (i == 0) {
		const struct ceph_mirror_snap *o = &other[nother - 1];

		if (nother > 1 && o->state == RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED)
			o--;	/* its demotion came later, but adds no epoch */
		return snap_own(o) && o->time && v[0].time > o->time;
	}
	while (i > 0 && !v[i - 1].complete)
		i--;
	if (i == 0 || strcmp(v[i - 1].primary_mirror_uuid, other_uuid))
		return false;
	return v[i - 1].primary_snap_id == other[nother - 1].id ||
	       (nother > 1 && other[nother - 1].state == RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED &&
		v[i - 1].primary_snap_id == other[nother - 2].id);
}

void peer_snapshot_compare(const struct ceph_mirror_snap *ours, size_t nours,
			   const struct ceph_mirror_snap *theirs, size_t ntheirs,
			   const char *our_uuid, const char *their_uuid, struct peer_compare *ret)
{
	bool local_after, peer_after;

	memset(ret, 0, sizeof(*ret));
	ret->local = snap_role(ours, nours);
	ret->peer = snap_role(theirs, ntheirs);
	ret->local_replayed_demotion = nours &&
		ours[nours - 1].state == RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED;
	local_after = snap_promoted_after(ours, nours, theirs, ntheirs, their_uuid);
	peer_after = snap_promoted_after(theirs, ntheirs, ours, nours, our_uuid);
	compare_decide(ret, local_after, peer_after);
}

/* Journal mode. */

#define JOURNAL_TAIL 32

struct journal_scan {
	const char *peer_uuid;		/* reading our journal: look for ... */
	bool replayed_demotion;		/* ... a demotion replayed from the peer */
	struct rbdj_tag last_tag;
	bool have_tag;
	struct rbdj_client client;
	bool have_client;
	struct rbdj_tag tail[JOURNAL_TAIL];	/* the newest tags, oldest first */
	size_t ntail;
};

static int scan_tags(rados_omap_iter_t iter, struct journal_scan *s, char *last_key, size_t len)
{
	char *key, *val;
	size_t klen, vlen;
	int r;

	while (rados_omap_get_next2(iter, &key, &val, &klen, &vlen) == 0 && key) {
		struct rbdj_tag tag;

		r = rbdj_decode_tag(val, vlen, &tag);
		if (r < 0)
			return r;
		if (!s->have_tag || tag.tid > s->last_tag.tid)
			s->last_tag = tag;
		if (s->ntail == JOURNAL_TAIL)
			memmove(s->tail, s->tail + 1, --s->ntail * sizeof(s->tail[0]));
		s->tail[s->ntail++] = tag;	/* keys sort by tid */
		s->have_tag = true;
		if (s->peer_uuid && !strcmp(tag.mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID) &&
		    !strcmp(tag.predecessor_uuid, s->peer_uuid))
			s->replayed_demotion = true;
		snprintf(last_key, len, "%s", key);
	}
	return 0;
}

/* The peer's journal header, journal.<peer_id>: its tags and our rbd-mirror's
 * registration, in one read (more only when there are over 256 tags). */
static int read_journal_sync(rados_ioctx_t peer_io, const char *peer_id, const char *our_uuid,
			     const struct timespec *deadline, struct journal_scan *s)
{
	char oid[160], key[96], start[64] = "";
	const char *keys[1] = { key };
	size_t key_lens[1];
	unsigned char more = 1;
	bool first = true;
	int r = 0;

	snprintf(oid, sizeof(oid), "journal.%s", peer_id);
	snprintf(key, sizeof(key), "client_%s", our_uuid ? our_uuid : "");
	key_lens[0] = strlen(key);
	while (more && r == 0) {
		rados_read_op_t op = rados_create_read_op();
		rados_omap_iter_t tags, clients = NULL;
		int prval_tags = 0, prval_clients = 0;

		if (!op)
			return -ENOMEM;
		rados_read_op_omap_get_vals2(op, start, "tag_", 256, &tags, &more, &prval_tags);
		if (first && our_uuid)
			rados_read_op_omap_get_vals_by_keys2(op, keys, 1, key_lens, &clients, &prval_clients);
		r = rados_read_op_operate(op, peer_io, oid, 0);
		if (r == 0)
			r = prval_tags ? prval_tags : prval_clients;
		if (r == 0)
			r = scan_tags(tags, s, start, sizeof(start));
		if (r == 0 && clients) {
			char *k, *v;
			size_t kl, vl;

			if (rados_omap_get_next2(clients, &k, &v, &kl, &vl) == 0 && k) {
				s->have_client = true;
				r = rbdj_decode_client(v, vl, &s->client);
			}
		}
		if (r == 0 || tags)
			rados_omap_get_end(tags);
		if (clients)
			rados_omap_get_end(clients);
		rados_release_read_op(op);
		first = false;
		if (r == 0 && more && deadline_left(deadline) <= 0)
			r = -ETIMEDOUT;
	}
	return r;
}

/* read_journal_sync in a worker thread (rados_read_op_operate is
 * synchronous): everything it reads lives in the copy. */
struct journal_arg {
	char id[64];
	char uuid[64];
	bool have_uuid;
	char peer_uuid[64];	/* journal_scan's, copied */
	bool have_peer_uuid;
	struct timespec deadline;
	struct journal_scan s;
};

static int read_journal_fn(rados_ioctx_t io, void *arg)
{
	struct journal_arg *a = arg;

	a->s.peer_uuid = a->have_peer_uuid ? a->peer_uuid : NULL;
	return read_journal_sync(io, a->id, a->have_uuid ? a->uuid : NULL, &a->deadline, &a->s);
}

static int read_journal(rados_ioctx_t io, const char *id, const char *our_uuid,
			const struct timespec *deadline, struct journal_scan *s)
{
	struct journal_arg *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->uuid, sizeof(a->uuid), "%s", our_uuid ? our_uuid : "");
	a->have_uuid = our_uuid != NULL;
	snprintf(a->peer_uuid, sizeof(a->peer_uuid), "%s", s->peer_uuid ? s->peer_uuid : "");
	a->have_peer_uuid = s->peer_uuid != NULL;
	a->deadline = *deadline;
	a->s = *s;
	r = ceph_io_call(io, deadline, read_journal_fn, a, sizeof(*a));
	if (r == 0) {
		const char *peer_uuid = s->peer_uuid;

		*s = a->s;
		s->peer_uuid = peer_uuid;	/* not the copy's, freed below */
	}
	free(a);
	return r;
}

static int check_journal(const struct peer_site *site, struct ceph_image *local_image, const char *peer_id,
			 const struct timespec *deadline, enum peer_verdict *ret,
			 int *ret_local_primary, char *why, size_t why_len)
{
	struct journal_scan s, ours;
	char id[64];
	int r;

	memset(&s, 0, sizeof(s));
	memset(&ours, 0, sizeof(ours));
	ours.peer_uuid = site->peer_uuid;
	r = read_journal(site->io, peer_id, site->local_uuid, deadline, &s);
	if (r == 0)
		r = rbd_get_id(local_image->rbd, id, sizeof(id));
	if (r == 0)
		r = read_journal(site->local_io, id, NULL, deadline, &ours);
	if (r < 0)
		return r;
	*ret = peer_journal_verdict(s.have_tag ? &s.last_tag : NULL,
				    s.have_client ? &s.client : NULL, ours.replayed_demotion,
				    ours.have_tag &&
				    !strcmp(ours.last_tag.mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID) &&
				    !strcmp(ours.last_tag.predecessor_uuid, RBDJ_LOCAL_MIRROR_UUID),
				    why, why_len);
	/* the owner of our last epoch: librbd's own test of the role */
	if (ours.have_tag)
		*ret_local_primary = !strcmp(ours.last_tag.mirror_uuid, RBDJ_LOCAL_MIRROR_UUID);
	return 0;
}

/* Snapshot mode. */

/* The newest mirror snapshot of an image, or with want_primary_id != 0 the
 * newest one that is a copy of that snapshot of the peer's. -ENOENT: none. */
static int find_mirror_snap(rbd_image_t image, uint64_t want_primary_id,
			    struct ceph_mirror_snap *ret)
{
	struct ceph_mirror_snap *v;
	size_t n, i;
	int r = ceph_mirror_snaps(image, &v, &n);

	if (r < 0)
		return r;
	r = -ENOENT;
	for (i = n; i-- > 0;)
		if (!want_primary_id || v[i].primary_snap_id == want_primary_id) {
			*ret = v[i];
			r = 0;
			break;
		}
	free(v);
	return r;
}

struct snap_arg {
	uint64_t want;
	struct ceph_mirror_snap snap;
};

static int find_mirror_snap_fn(rbd_image_t image, void *arg)
{
	struct snap_arg *a = arg;

	return find_mirror_snap(image, a->want, &a->snap);
}

/* find_mirror_snap under a deadline (rbd_snap_list has no aio). */
static int find_mirror_snap_bounded(struct ceph_image *image, uint64_t want,
				    const struct timespec *deadline, struct ceph_mirror_snap *ret)
{
	struct snap_arg a = { .want = want };
	int r = ceph_image_call(image, deadline, find_mirror_snap_fn, &a, sizeof(a));

	if (r == 0)
		*ret = a.snap;
	return r;
}

static int check_snapshot(const char *peer_uuid, struct ceph_image *local_image,
			  struct ceph_image *peer_image, const struct timespec *deadline,
			  enum peer_verdict *ret, char *why, size_t why_len)
{
	struct ceph_mirror_snap psnap, lsnap;
	bool have_local;
	int r;

	r = find_mirror_snap_bounded(peer_image, 0, deadline, &psnap);
	if (r == -ENOENT) {
		*ret = peer_snapshot_verdict(NULL, NULL, "", why, why_len);
		return 0;
	}
	if (r < 0)
		return r;
	r = find_mirror_snap_bounded(local_image, psnap.id, deadline, &lsnap);
	if (r < 0 && r != -ENOENT)
		return r;
	have_local = r == 0;
	*ret = peer_snapshot_verdict(&psnap, have_local ? &lsnap : NULL, peer_uuid, why, why_len);
	return 0;
}

int peer_check_promote(const struct peer_site *site, struct ceph_image *local_image,
		       const char *name, const struct peer_image *listed,
		       rbd_mirror_image_mode_t mode, const struct timespec *deadline,
		       enum peer_verdict *ret_verdict, int *ret_local_primary, char *why,
		       size_t why_len)
{
	rbd_mirror_image_info_t info;
	struct ceph_image *peer_image;
	char id[64];
	int r, rc;

	*ret_local_primary = -1;
	if (listed && listed->known && mode == RBD_MIRROR_IMAGE_MODE_JOURNAL)
		return check_journal(site, local_image, listed->id, deadline,
				     ret_verdict, ret_local_primary, why, why_len);

	r = ceph_image_open(site->io, name, true, deadline, &peer_image);
	if (r == -ENOENT) {
		snprintf(why, why_len, "the peer has no copy of the image");
		*ret_verdict = PEER_SAFE;
		return 0;
	}
	if (r < 0)
		return r;
	r = ceph_mirror_get_info(peer_image, deadline, &info);
	if (r == 0) {
		if (info.primary) {
			snprintf(why, why_len, "the image is primary on the peer");
			*ret_verdict = PEER_PRIMARY;
		}
		r = info.primary ? 1 : 0;
		rbd_mirror_image_get_info_cleanup(&info);
	}
	if (r == 0 && mode == RBD_MIRROR_IMAGE_MODE_JOURNAL) {
		r = rbd_get_id(peer_image->rbd, id, sizeof(id));
		if (r == 0)
			r = check_journal(site, local_image, id, deadline,
					  ret_verdict, ret_local_primary, why, why_len);
	} else if (r == 0) {
		r = check_snapshot(site->peer_uuid, local_image, peer_image, deadline,
				   ret_verdict, why, why_len);
	}
	if (r == 1)
		r = 0;
	rc = ceph_image_close(peer_image, deadline);	/* a stuck image stays open */
	if (r == 0)
		r = rc;
	return r;
}

/* Which copy is newer. */

#define SNAP_TAIL 32

/* The newest mirror snapshots of an image (SNAP_TAIL at most), oldest first. */
static int list_mirror_snaps(rbd_image_t image, struct ceph_mirror_snap *v, size_t *ret_n)
{
	struct ceph_mirror_snap *all;
	size_t n, k;
	int r = ceph_mirror_snaps(image, &all, &n);

	if (r < 0)
		return r;
	k = n > SNAP_TAIL ? n - SNAP_TAIL : 0;
	if (n > k)
		memcpy(v, all + k, (n - k) * sizeof(*v));
	*ret_n = n - k;
	free(all);
	return 0;
}

struct snaps_arg {
	struct ceph_mirror_snap v[SNAP_TAIL];
	size_t n;
};

static int list_mirror_snaps_fn(rbd_image_t image, void *arg)
{
	struct snaps_arg *a = arg;

	return list_mirror_snaps(image, a->v, &a->n);
}

/* list_mirror_snaps under a deadline (rbd_snap_list has no aio). */
static int list_mirror_snaps_bounded(struct ceph_image *image, const struct timespec *deadline,
				     struct snaps_arg *ret)
{
	struct snaps_arg *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	r = ceph_image_call(image, deadline, list_mirror_snaps_fn, a, sizeof(*a));
	if (r == 0)
		*ret = *a;
	free(a);
	return r;
}

static int compare_snapshots(const struct peer_site *site, struct ceph_image *local_image,
			     struct ceph_image *peer_image, const struct timespec *deadline,
			     struct peer_compare *ret)
{
	struct snaps_arg *ours = calloc(2, sizeof(*ours)), *theirs = ours + 1;
	int r;

	if (!ours)
		return -ENOMEM;
	r = list_mirror_snaps_bounded(local_image, deadline, ours);
	if (r == 0 && peer_image)
		r = list_mirror_snaps_bounded(peer_image, deadline, theirs);
	if (r == 0)
		peer_snapshot_compare(ours->v, ours->n, theirs->v, theirs->n, site->local_uuid,
				      site->peer_uuid, ret);
	free(ours);
	return r;
}

static int compare_journals(const struct peer_site *site, struct ceph_image *local_image,
			    const char *peer_id, const struct timespec *deadline,
			    struct peer_compare *ret)
{
	struct journal_scan *ours, *theirs = NULL;
	char id[64];
	int r;

	ours = calloc(2, sizeof(*ours));
	if (!ours)
		return -ENOMEM;
	if (peer_id)
		theirs = ours + 1;
	r = rbd_get_id(local_image->rbd, id, sizeof(id));	/* no I/O: the open image knows it */
	if (r == 0)
		r = read_journal(site->local_io, id, NULL, deadline, ours);
	if (r == 0 && theirs)
		r = read_journal(site->io, peer_id, NULL, deadline, theirs);
	if (r == 0)
		peer_journal_compare(ours->tail, ours->ntail, theirs ? theirs->tail : NULL,
				     theirs ? theirs->ntail : 0, site->local_uuid, site->peer_uuid, ret);
	if (r == 0 && !theirs && site->io) {
		ret->peer = COPY_NONE;
		compare_decide(ret, false, false);
	}
	free(ours);
	return r;
}

int peer_compare_copies(const struct peer_site *site, struct ceph_image *local_image, const char *name,
			const struct peer_image *listed, rbd_mirror_image_mode_t mode,
			const struct timespec *deadline, struct peer_compare *ret)
{
	struct ceph_image *peer_image = NULL;
	char id[64];
	int r, rc;

	if (!site->io && mode == RBD_MIRROR_IMAGE_MODE_JOURNAL)
		return compare_journals(site, local_image, NULL, deadline, ret);
	if (!site->io)
		return compare_snapshots(site, local_image, NULL, deadline, ret);
	if (listed && listed->known && mode == RBD_MIRROR_IMAGE_MODE_JOURNAL)
		return compare_journals(site, local_image, listed->id, deadline, ret);
	r = ceph_image_open(site->io, name, true, deadline, &peer_image);
	if (r == -ENOENT)
		peer_image = NULL;	/* the peer has no copy: compared as such */
	else if (r < 0)
		return r;
	if (mode == RBD_MIRROR_IMAGE_MODE_JOURNAL) {
		r = peer_image ? rbd_get_id(peer_image->rbd, id, sizeof(id)) : 0;
		if (r == 0)
			r = compare_journals(site, local_image, peer_image ? id : NULL, deadline, ret);
	} else {
		r = compare_snapshots(site, local_image, peer_image, deadline, ret);
		if (r == 0 && !peer_image) {
			ret->peer = COPY_NONE;
			compare_decide(ret, false, false);
		}
	}
	if (peer_image) {
		rc = ceph_image_close(peer_image, deadline);	/* a stuck image stays open */
		if (r == 0)
			r = rc;
	}
	return r;
}

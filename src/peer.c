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

enum peer_verdict peer_snapshot_verdict(const struct peer_snap *peer, const struct peer_snap *copy,
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

/* Journal mode. */

struct journal_scan {
	const char *peer_uuid;		/* reading our journal: look for ... */
	bool replayed_demotion;		/* ... a demotion replayed from the peer */
	struct rbdj_tag last_tag;
	bool have_tag;
	struct rbdj_client client;
	bool have_client;
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
static int find_mirror_snap(rbd_image_t image, uint64_t want_primary_id, struct peer_snap *ret)
{
	rbd_snap_info_t *snaps = NULL;
	int max = 16, n, i, r = -ENOENT;

	for (;;) {
		snaps = calloc((size_t)max, sizeof(*snaps));
		if (!snaps)
			return -ENOMEM;
		n = rbd_snap_list(image, snaps, &max);
		if (n != -ERANGE)
			break;
		free(snaps);	/* max now holds the size needed */
	}
	if (n < 0) {
		free(snaps);
		return n;
	}
	for (i = n - 1; i >= 0 && r == -ENOENT; i--) {
		rbd_snap_namespace_type_t type;
		rbd_snap_mirror_namespace_t ns;

		if (rbd_snap_get_namespace_type(image, snaps[i].id, &type) < 0 ||
		    type != RBD_SNAP_NAMESPACE_TYPE_MIRROR ||
		    rbd_snap_get_mirror_namespace(image, snaps[i].id, &ns, sizeof(ns)) < 0)
			continue;
		if (!want_primary_id || ns.primary_snap_id == want_primary_id) {
			ret->id = snaps[i].id;
			ret->state = ns.state;
			ret->complete = ns.complete;
			ret->primary_snap_id = ns.primary_snap_id;
			snprintf(ret->primary_mirror_uuid, sizeof(ret->primary_mirror_uuid), "%s",
				 ns.primary_mirror_uuid ? ns.primary_mirror_uuid : "");
			r = 0;
		}
		rbd_snap_mirror_namespace_cleanup(&ns, sizeof(ns));
	}
	rbd_snap_list_end(snaps);
	free(snaps);
	return r;
}

struct snap_arg {
	uint64_t want;
	struct peer_snap snap;
};

static int find_mirror_snap_fn(rbd_image_t image, void *arg)
{
	struct snap_arg *a = arg;

	return find_mirror_snap(image, a->want, &a->snap);
}

/* find_mirror_snap under a deadline (rbd_snap_list has no aio). */
static int find_mirror_snap_bounded(struct ceph_image *image, uint64_t want,
				    const struct timespec *deadline, struct peer_snap *ret)
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
	struct peer_snap psnap, lsnap;
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

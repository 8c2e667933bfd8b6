/* test-peer.c: when may a site promote without --force? The verdicts of
 * peer.c over the histories that matter, the quick flip among them. */
#include "config.h"

#include "peer.h"
#include "rbd-journal.h"
#include "tap.h"

static struct rbdj_tag tag(uint64_t tid, const char *owner, const char *pred)
{
	struct rbdj_tag t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	snprintf(t.mirror_uuid, sizeof(t.mirror_uuid), "%s", owner);
	snprintf(t.predecessor_uuid, sizeof(t.predecessor_uuid), "%s", pred);
	return t;
}

static struct rbdj_client client(uint64_t tag_tid)
{
	struct rbdj_client c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "uuid-a");
	c.has_position = true;
	c.tag_tid = tag_tid;
	return c;
}

static struct ceph_mirror_snap snap(uint64_t id, rbd_snap_mirror_state_t state, bool complete,
			     uint64_t primary_id, const char *uuid)
{
	struct ceph_mirror_snap s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.state = state;
	s.complete = complete;
	s.primary_snap_id = primary_id;
	snprintf(s.primary_mirror_uuid, sizeof(s.primary_mirror_uuid), "%s", uuid);
	return s;
}

/* A tag with its predecessor fields, for the newer-copy comparisons. */
static struct rbdj_tag ptag(uint64_t tid, const char *owner, const char *pred, bool valid,
			    uint64_t ptid, uint64_t pentry)
{
	struct rbdj_tag t = tag(tid, owner, pred);

	t.commit_valid = valid;
	t.predecessor_tag_tid = ptid;
	t.predecessor_entry_tid = pentry;
	return t;
}

#define N(v) (sizeof(v) / sizeof((v)[0]))

/* Site-a ("uuid-a") and site-b ("uuid-b"), as the lab showed them: on
 * site-a, mirroring enabled opens tag 2 (predecessor: local, commit valid);
 * site-b's rbd-mirror copies it as tag 1, owner and predecessor translated. */
static void journal_newer_tests(void)
{
	const struct rbdj_tag a[] = {
		ptag(1, "", "", false, 0, 0),
		ptag(2, "", "", true, 1, 513),
	};
	const struct rbdj_tag b_replica[] = {
		ptag(0, "uuid-a", "", false, 0, 0),
		ptag(1, "uuid-a", "uuid-a", true, 1, 513),
	};
	const struct rbdj_tag b_forced[] = {	/* site-a died; promote --force on site-b */
		ptag(0, "uuid-a", "", false, 0, 0),
		ptag(1, "uuid-a", "uuid-a", true, 1, 513),
		ptag(2, "", "", true, 1, 0),
	};
	const struct rbdj_tag b_forced_demoted[] = {
		ptag(2, "", "", true, 1, 0),
		ptag(3, "<orphan>", "", true, 2, 40),
	};
	const struct rbdj_tag a_demoted[] = {
		ptag(1, "", "", false, 0, 0),
		ptag(2, "", "", true, 1, 513),
		ptag(3, "<orphan>", "", true, 2, 600),
	};
	const struct rbdj_tag a_later[] = {	/* site-a also promoted again, its own epoch */
		ptag(2, "", "", true, 1, 513),
		ptag(3, "<orphan>", "", true, 2, 600),
		ptag(4, "", "<orphan>", true, 3, 1),
	};
	const struct rbdj_tag b_forced2[] = {	/* as in the lab: a second tag of the epoch */
		ptag(0, "uuid-a", "", false, 0, 0),
		ptag(1, "uuid-a", "uuid-a", true, 1, 513),
		ptag(2, "", "", true, 1, 0),
		ptag(3, "", "", true, 2, 0),
	};
	const struct rbdj_tag b_pruned[] = {	/* the copied tag pruned away */
		ptag(2, "", "", true, 1, 0),
	};
	/* a planned switchover: site-a demoted (tag 3), site-b replayed it and
	 * promoted without force, linking to the copy of the demotion */
	const struct rbdj_tag b_switched[] = {
		ptag(1, "uuid-a", "uuid-a", true, 1, 513),
		ptag(2, "<orphan>", "uuid-a", true, 2, 600),
		ptag(3, "", "<orphan>", true, 2, 1),
	};
	struct peer_compare c;

	/* on site-b (ours), site-a the peer */
	peer_journal_compare(b_forced, N(b_forced), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_PRIMARY && c.peer == COPY_PRIMARY && c.newer == NEWER_LOCAL,
	   "journal: after a forced failover, the forced copy is the newer one: %s", c.why);
	ok(strstr(c.why, "promoted here last") != NULL, "journal: and says why: %s", c.why);

	/* the same two histories seen from site-a */
	peer_journal_compare(a, N(a), b_forced, N(b_forced), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_PEER, "journal: from the old primary, the peer's forced copy is newer");

	peer_journal_compare(a_demoted, N(a_demoted), b_forced, N(b_forced), "uuid-a", "uuid-b", &c);
	ok(c.local == COPY_DEMOTED && c.newer == NEWER_PEER,
	   "journal: the old primary, demoted, is still the older copy (resync it)");

	peer_journal_compare(b_forced, N(b_forced), a_demoted, N(a_demoted), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_LOCAL,
	   "journal: a demotion on the old primary adds no epoch: the forced copy stays newer");

	peer_journal_compare(b_forced_demoted, N(b_forced_demoted), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_DEMOTED && c.newer == NEWER_LOCAL,
	   "journal: forced copy demoted, its link pruned: site-a's original epoch still tells");

	peer_journal_compare(b_forced2, N(b_forced2), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_LOCAL,
	   "journal: an epoch of several own tags is followed back to its first");
	peer_journal_compare(a, N(a), b_forced2, N(b_forced2), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_PEER, "journal: the same, seen from the old primary");

	peer_journal_compare(b_pruned, N(b_pruned), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_LOCAL,
	   "journal: copy pruned (as in t0030), but site-a's epoch is the image's original one");
	peer_journal_compare(a, N(a), b_pruned, N(b_pruned), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_PEER, "journal: the same, seen from site-a");
	peer_journal_compare(a_demoted, N(a_demoted), b_pruned, N(b_pruned), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_PEER, "journal: the same, site-a demoted");

	peer_journal_compare(b_pruned, N(b_pruned), a_later, N(a_later), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_UNKNOWN,
	   "journal: copy pruned and site-a promoted since its original epoch: cannot tell");

	peer_journal_compare(b_forced, N(b_forced), a_later, N(a_later), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_UNKNOWN,
	   "journal: site-a opened an epoch after the one site-b forced from: not newer any more");

	peer_journal_compare(a, N(a), b_replica, N(b_replica), "uuid-a", "uuid-b", &c);
	ok(c.local == COPY_PRIMARY && c.peer == COPY_REPLICA && c.newer == NEWER_LOCAL,
	   "journal: a primary whose peer replays it is the newer copy");

	peer_journal_compare(b_replica, N(b_replica), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_REPLICA && c.newer == NEWER_PEER,
	   "journal: a replica is never the newer copy");

	peer_journal_compare(b_switched, N(b_switched), a_demoted, N(a_demoted), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_PRIMARY && c.peer == COPY_DEMOTED && c.newer == NEWER_LOCAL,
	   "journal: promoted without force after the peer's demotion: newer");

	peer_journal_compare(a_demoted, N(a_demoted), b_switched, N(b_switched), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_PEER, "journal: the switched-over peer is newer than our demoted copy");

	peer_journal_compare(a, N(a), NULL, 0, "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_UNKNOWN, "journal: a peer copy with no tag: cannot tell");

	peer_journal_compare(NULL, 0, a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_UNKNOWN && c.newer == NEWER_UNKNOWN,
	   "journal: no local history: cannot tell");
}

static void snapshot_newer_tests(void)
{
	/* as the lab showed them: site-a's primary snapshots 8 and 10, site-b's
	 * copy 10 of site-a's 10, then site-b's forced promote */
	const struct ceph_mirror_snap a[] = {
		snap(8, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
		snap(10, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
	};
	const struct ceph_mirror_snap b_forced[] = {
		snap(10, RBD_SNAP_MIRROR_STATE_NON_PRIMARY, true, 10, "uuid-a"),
		snap(12, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
		snap(13, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
	};
	const struct ceph_mirror_snap b_partial[] = {	/* the copy of 10 never completed */
		snap(9, RBD_SNAP_MIRROR_STATE_NON_PRIMARY, true, 8, "uuid-a"),
		snap(10, RBD_SNAP_MIRROR_STATE_NON_PRIMARY, false, 10, "uuid-a"),
		snap(12, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
	};
	const struct ceph_mirror_snap b_replica[] = {
		snap(10, RBD_SNAP_MIRROR_STATE_NON_PRIMARY, true, 10, "uuid-a"),
	};
	const struct ceph_mirror_snap a_demoted[] = {
		snap(10, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
		snap(11, RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED, true, 0, ""),
	};
	struct peer_compare c;

	peer_snapshot_compare(b_forced, N(b_forced), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_PRIMARY && c.peer == COPY_PRIMARY && c.newer == NEWER_LOCAL,
	   "snapshot: after a forced failover, the forced copy is newer: %s", c.why);

	peer_snapshot_compare(a, N(a), b_forced, N(b_forced), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_PEER, "snapshot: from the old primary, the forced copy is newer");

	peer_snapshot_compare(a_demoted, N(a_demoted), b_forced, N(b_forced), "uuid-a", "uuid-b", &c);
	ok(c.local == COPY_DEMOTED && c.newer == NEWER_PEER,
	   "snapshot: the old primary, demoted, is still the older copy (resync it)");

	peer_snapshot_compare(b_forced, N(b_forced), a_demoted, N(a_demoted), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_LOCAL,
	   "snapshot: a demotion on the old primary adds no epoch: the forced copy stays newer");

	peer_snapshot_compare(b_partial, N(b_partial), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.newer == NEWER_UNKNOWN,
	   "snapshot: forced from an older copy than site-a's newest snapshot: cannot tell");

	{
		/* as the lab showed: site-b's forced promote removed its copies */
		struct ceph_mirror_snap at[] = {
			snap(8, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
			snap(11, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
			snap(12, RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED, true, 0, ""),
		};
		struct ceph_mirror_snap bt[] = {
			snap(17, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
			snap(19, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, ""),
		};

		at[0].time = 1000, at[1].time = 1002, at[2].time = 1100;
		bt[0].time = 1039, bt[1].time = 1041;
		peer_snapshot_compare(bt, N(bt), at, 2, "uuid-b", "uuid-a", &c);
		ok(c.newer == NEWER_LOCAL,
		   "snapshot: copies removed by the forced promote: its snapshots all came later");
		peer_snapshot_compare(at, 2, bt, N(bt), "uuid-a", "uuid-b", &c);
		ok(c.newer == NEWER_PEER, "snapshot: the same, seen from the old primary");
		peer_snapshot_compare(at, N(at), bt, N(bt), "uuid-a", "uuid-b", &c);
		ok(c.local == COPY_DEMOTED && c.newer == NEWER_PEER,
		   "snapshot: the old primary's later demotion does not make it newer");
		at[1].time = 1040;
		peer_snapshot_compare(bt, N(bt), at, 2, "uuid-b", "uuid-a", &c);
		ok(c.newer == NEWER_UNKNOWN,
		   "snapshot: own snapshots interleaved in time: cannot tell");
		at[0].time = at[1].time = 0;
		peer_snapshot_compare(bt, N(bt), at, 2, "uuid-b", "uuid-a", &c);
		ok(c.newer == NEWER_UNKNOWN, "snapshot: no timestamps: cannot tell");
	}

	peer_snapshot_compare(b_replica, N(b_replica), a, N(a), "uuid-b", "uuid-a", &c);
	ok(c.local == COPY_REPLICA && c.newer == NEWER_PEER, "snapshot: a replica is never newer");

	peer_snapshot_compare(a, N(a), b_replica, N(b_replica), "uuid-a", "uuid-b", &c);
	ok(c.newer == NEWER_LOCAL, "snapshot: a primary whose peer copies it is newer");
}

int main(void)
{
	struct rbdj_tag t;
	struct rbdj_client c, fresh;
	struct ceph_mirror_snap p, l;
	char why[256];

	/* journal mode: the peer is site-b ("uuid-b"); we are site-a */
	t = tag(5, "", "<orphan>");
	ok(peer_journal_verdict(&t, NULL, false, false, why, sizeof(why)) == PEER_PRIMARY,
	   "journal: a peer whose last epoch is its own is primary");

	t = tag(4, "uuid-a", "");
	ok(peer_journal_verdict(&t, NULL, false, false, why, sizeof(why)) == PEER_SAFE,
	   "journal: a peer replaying from us has nothing we lack");

	ok(peer_journal_verdict(&t, NULL, false, true, why, sizeof(why)) == PEER_BEHIND,
	   "journal: after our own demotion, a peer still replaying our epoch means wait");
	ok(strstr(why, "split-brain") != NULL, "journal: the reason says what promoting now would do");

	t = tag(6, "<orphan>", "uuid-a");
	ok(peer_journal_verdict(&t, NULL, false, true, why, sizeof(why)) == PEER_SAFE,
	   "journal: after our own demotion, a peer that replayed it allows the promote");

	ok(peer_journal_verdict(&t, NULL, false, false, why, sizeof(why)) == PEER_SAFE,
	   "journal: a peer whose last demotion came from us has nothing we lack");

	t = tag(9, "<orphan>", "");
	c = client(9);
	ok(peer_journal_verdict(&t, &c, true, false, why, sizeof(why)) == PEER_SAFE,
	   "journal: the peer's own demotion, replayed here and committed, allows the promote");
	ok(strstr(why, "tag 9") != NULL, "journal: the reason names the demotion tag: %s", why);

	c = client(7);
	ok(peer_journal_verdict(&t, &c, true, false, why, sizeof(why)) == PEER_WAIT,
	   "journal: a replayed demotion of an earlier peer epoch means wait");
	ok(strstr(why, "replayed up to tag 7") != NULL, "journal: the reason says how far: %s", why);

	c = client(9);
	ok(peer_journal_verdict(&t, &c, false, false, why, sizeof(why)) == PEER_WAIT,
	   "journal: quick flip: no peer demotion ever replayed here means wait, "
	   "whatever the commit position says");

	ok(peer_journal_verdict(&t, NULL, true, false, why, sizeof(why)) == PEER_WAIT,
	   "journal: our rbd-mirror not registered on the peer means wait");

	memset(&fresh, 0, sizeof(fresh));
	ok(peer_journal_verdict(&t, &fresh, true, false, why, sizeof(why)) == PEER_WAIT,
	   "journal: registered but nothing committed means wait");

	ok(peer_journal_verdict(NULL, NULL, false, false, why, sizeof(why)) == PEER_SAFE,
	   "journal: a peer journal with no tag has no epoch of its own");

	/* snapshot mode */
	p = snap(30, RBD_SNAP_MIRROR_STATE_PRIMARY, true, 0, "");
	ok(peer_snapshot_verdict(&p, NULL, "uuid-b", why, sizeof(why)) == PEER_PRIMARY,
	   "snapshot: a peer whose newest mirror snapshot is primary is primary");

	p = snap(31, RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED, true, 12, "uuid-a");
	ok(peer_snapshot_verdict(&p, NULL, "uuid-b", why, sizeof(why)) == PEER_SAFE,
	   "snapshot: a peer holding a copy of our demotion has nothing we lack");

	p = snap(40, RBD_SNAP_MIRROR_STATE_PRIMARY_DEMOTED, true, 0, "");
	l = snap(20, RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED, true, 40, "uuid-b");
	ok(peer_snapshot_verdict(&p, &l, "uuid-b", why, sizeof(why)) == PEER_SAFE,
	   "snapshot: the peer's demotion snapshot fully copied here allows the promote");

	l = snap(20, RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED, false, 40, "uuid-b");
	ok(peer_snapshot_verdict(&p, &l, "uuid-b", why, sizeof(why)) == PEER_WAIT,
	   "snapshot: a copy still in progress means wait");

	ok(peer_snapshot_verdict(&p, NULL, "uuid-b", why, sizeof(why)) == PEER_WAIT,
	   "snapshot: quick flip: no copy of the peer's demotion here means wait");

	l = snap(20, RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED, true, 40, "uuid-c");
	ok(peer_snapshot_verdict(&p, &l, "uuid-b", why, sizeof(why)) == PEER_WAIT,
	   "snapshot: a copy from another cluster's snapshot 40 is not this peer's");

	l = snap(20, RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED, true, 33, "uuid-b");
	ok(peer_snapshot_verdict(&p, &l, "uuid-b", why, sizeof(why)) == PEER_WAIT,
	   "snapshot: a copy of another peer snapshot is not a copy of its demotion");

	journal_newer_tests();
	snapshot_newer_tests();
	return tap_done();
}

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

static struct peer_snap snap(uint64_t id, rbd_snap_mirror_state_t state, bool complete,
			     uint64_t primary_id, const char *uuid)
{
	struct peer_snap s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.state = state;
	s.complete = complete;
	s.primary_snap_id = primary_id;
	snprintf(s.primary_mirror_uuid, sizeof(s.primary_mirror_uuid), "%s", uuid);
	return s;
}

int main(void)
{
	struct rbdj_tag t;
	struct rbdj_client c, fresh;
	struct peer_snap p, l;
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
	return tap_done();
}

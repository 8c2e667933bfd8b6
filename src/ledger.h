/*
 * ledger.h: the loss ledger. For one mirrored image, read on the site about
 * to be promoted, just BEFORE its promote: how far its copy is behind the
 * primary, and so how much a failover may lose; per VM, the worst of its
 * disks. Read it before promoting: a forced promote removes the
 * non-primary mirror snapshots it reads (LAB-FACTS), so the failover must
 * record it (e.g. in the run journal) before the promote step.
 *
 * What is read, and from where (nothing is guessed: what cannot be read
 * is "unknown", and every value says where it came from):
 *
 *  this site alone (always, also when site A is gone)
 *   - the mode (journal/snapshot), the role;
 *   - this site's rbd-mirror status record of the image, kept in this
 *     cluster: its time (last_update) and, in its description, journal
 *     mode "entries_behind_primary", snapshot mode
 *     "local_snapshot_timestamp" (the PRIMARY's creation time of the last
 *     snapshot copied here, seen 2026-11 in the lab: equal to the
 *     primary's "remote_snapshot_timestamp"). It is what rbd-mirror knew
 *     when it wrote it: with site A gone it is stale, and rbd-mirror can
 *     only have counted entries it had seen, so entries A wrote after its
 *     last look are missing from the count (SOURCE_STATUS: "as of");
 *   - snapshot mode: this site's newest complete non-primary mirror
 *     snapshot (ceph_mirror_snaps): its creation time HERE (the copy
 *     began then; the data is the primary's at an earlier moment) and the
 *     primary snapshot id it copies; whether a newer copy is in progress.
 *
 *  the peer, only when it answers
 *   - journal mode: the peer's journal header, journal.<peer image id>:
 *     (and the data object holding our last replayed entry, for its time)
 *     the master client's commit position (what librbd on the primary has
 *     committed: the head rbd-mirror measures against too) against the
 *     commit position of this site's rbd-mirror (client_<our mirror
 *     uuid>): the entries behind, exact as of now (SOURCE_PEER);
 *   - snapshot mode: the peer's primary mirror snapshots: the creation time
 *     of the one our newest copy copies (the exact point in time of the
 *     data here) and how many newer ones were not copied yet.
 *
 * The last replicated point (a time: the primary's data up to then is
 * here), and the window (RPO) = measured - point, the writes that a
 * failover now may lose:
 *   snapshot, peer:        point = primary time of our newest copy; exact.
 *   snapshot, no peer:     the point is not known exactly: the data here
 *                          is the primary's at some moment before our
 *                          newest copy began, so the window is AT LEAST
 *                          measured - its creation here (RPO_AT_LEAST);
 *                          the status' local_snapshot_timestamp (a copy
 *                          rbd-mirror reported complete, the newest or
 *                          an older one) gives the point reported and an
 *                          upper bound, window_max = measured - it.
 *   journal, peer:         0 entries behind: point = measured, window 0
 *                          (as of the commit positions, which librbd
 *                          updates every few seconds); entries behind > 0:
 *                          point = the time of the last replayed entry, the
 *                          primary's timestamp of the entry at our commit
 *                          position, read from the peer's journal data
 *                          object journal_data.<pool id>.<image id>.<n>
 *                          (rbdj_entry_time; up to 2^order bytes read, 16
 *                          MiB by default); not found (trimmed, another
 *                          data pool): unknown.
 *   journal, no peer:      unknown: only the status' stale count (entries
 *                          behind as of its last_update).
 * The manifest's age is the VM's: manifest TIME (when export last WROTE a
 * changed manifest: an export that finds it unchanged does not rewrite it,
 * so the age says how old the configuration it holds may be, not when the
 * VM was last checked).
 *
 * Library module: never prints (the formatters write to the caller's
 * FILE or XML writer), never exits; every Ceph call under a deadline.
 */
#ifndef ONEDR_LEDGER_H
#define ONEDR_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "ceph.h"
#include "output.h"

enum ledger_mode { LEDGER_MODE_UNKNOWN, LEDGER_NOT_MIRRORED, LEDGER_JOURNAL, LEDGER_SNAPSHOT };
enum ledger_source {
	LEDGER_SOURCE_NONE,	/* unknown */
	LEDGER_SOURCE_PEER,	/* measured against the peer's copy now: exact */
	LEDGER_SOURCE_STATUS,	/* this site's rbd-mirror status record, as of its time */
	LEDGER_SOURCE_LOCAL,	/* this site's own copy (snapshot creation here) */
};
enum ledger_rpo {
	RPO_UNKNOWN,		/* nothing to measure it by */
	RPO_EXACT,		/* window_seconds */
	RPO_AT_LEAST,		/* window_seconds is a lower bound */
};

/* What was read, before any judgement (filled by ledger_read_disk; set by
 * hand in the unit tests). Times are seconds since the epoch, 0 = not read. */
struct ledger_raw {
	time_t measured;
	bool mirrored, journal, primary;
	/* this site's rbd-mirror status record */
	bool have_status;
	time_t status_time;
	long long status_entries_behind;	/* -1: not in the description */
	long long status_snapshot_time;		/* local_snapshot_timestamp, -1: not there */
	/* snapshot mode, this site */
	bool have_copy;			/* a complete non-primary mirror snapshot */
	time_t copy_time;		/* its creation here */
	uint64_t copy_primary_id;	/* the peer's snapshot it copies */
	bool copying;			/* a newer one is being copied */
	/* the peer */
	int peer_error;			/* 0: read; -errno: why not (-ENOTCONN: not configured) */
	bool have_master, have_ours;	/* journal: commit positions in the peer's header */
	uint64_t master_tag, master_entry, ours_tag, ours_entry;
	time_t replayed_time;		/* journal: the primary's time of our last replayed entry, 0 not read */
	time_t peer_point;		/* snapshot: creation of copy_primary_id there, 0 not found */
	long long peer_newer;		/* snapshot: primary snapshots newer than it there */
};

struct ledger_disk {
	char pool[64];
	char image[128];
	int error;			/* 0, or why the image itself could not be read */
	enum ledger_mode mode;
	bool primary;			/* already primary here: nothing to lose by promoting */
	time_t measured;
	long long entries_behind;	/* journal: -1 unknown */
	bool entries_at_least;		/* the peer opened a new epoch: a lower bound */
	enum ledger_source entries_source;
	time_t entries_as_of;		/* when that count was true */
	long long snapshots_behind;	/* snapshot: -1 unknown */
	time_t copy_time;		/* snapshot: creation here of the newest copy, 0 none */
	bool copying;
	time_t point;			/* last replicated point, 0 unknown */
	enum ledger_source point_source;
	enum ledger_rpo rpo;
	long long window_seconds;	/* with rpo EXACT or AT_LEAST */
	long long window_max;		/* AT_LEAST: an upper bound too, -1 none */
	int peer_error;
	char note[256];			/* why something is unknown, for people */
};

struct ledger_vm {
	char name[128];
	int vm_id;			/* on the source site */
	long long manifest_time;	/* manifest TIME, 0 unknown */
	struct ledger_disk *disks;
	size_t n_disks;
};

/* The judgement alone (unit-tested): raw -> the disk's derived fields. */
void ledger_judge(const struct ledger_raw *raw, struct ledger_disk *ret);

/*
 * Read one image's ledger: local the cluster about to promote, peer the
 * other site (NULL when unreachable; peer_error says why). Each image
 * within timeout seconds per call. Never fails on the peer: its errors end
 * up as unknowns (ret->peer_error). Returns 0, or -errno when the local
 * image cannot be read (also in ret->error).
 */
int ledger_read_disk(struct ceph *local, struct ceph *peer, int peer_error, const char *pool,
		     const char *image, double timeout, struct ledger_disk *ret);

/* ledger_read_disk in two halves, for a caller with the peer's connect
 * still under way: ledger_read_local reads this site's image into raw
 * (0, or -errno: it cannot be read); ledger_read_end, given that result,
 * reads the peer's side (when the image is mirrored and non-primary here
 * and peer is not NULL) and judges into ret, as ledger_read_disk. */
int ledger_read_local(struct ceph *local, const char *pool, const char *image, double timeout,
		      struct ledger_raw *raw);
int ledger_read_end(struct ceph *local, struct ceph *peer, int peer_error, const char *pool,
		    const char *image, double timeout, int r, struct ledger_raw *raw,
		    struct ledger_disk *ret);

/* A disk's ledger as text (ledger-codec.c), for the run journal: read it
 * before the promote, keep it in the step (journal_step.data), and a
 * rerun after the promote reports it from there. encode: the length, or
 * -E2BIG, -EINVAL (a newline or '%' in the pool or image name); decode:
 * 0, -EINVAL, -EPROTONOSUPPORT (a newer version). */
int ledger_disk_encode(const struct ledger_disk *d, char *buf, size_t len);
int ledger_disk_decode(const char *buf, size_t len, struct ledger_disk *ret);

/* The VM's RPO: its worst disk. Unknown when any mirrored disk's is
 * unknown; AT_LEAST when the worst is a bound; a disk already primary
 * counts 0. *ret_seconds: the window (when not unknown). */
enum ledger_rpo ledger_vm_rpo(const struct ledger_vm *vm, long long *ret_seconds);

const char *ledger_mode_name(enum ledger_mode m);
const char *ledger_source_name(enum ledger_source s);
/* "12s", "at least 3m20s", "unknown" */
void ledger_rpo_format(enum ledger_rpo rpo, long long seconds, char *buf, size_t len);

/* The ledger of n VMs as a table (one row per disk, a VM row with its RPO),
 * a JSON array, or XML elements <LEDGER><VM>... under the writer's current
 * element. now: for the manifests' age. */
int ledger_print_table(FILE *f, const struct ledger_vm *vms, size_t n, time_t now);
int ledger_print_json(FILE *f, const struct ledger_vm *vms, size_t n, time_t now);
int ledger_write_xml(xmlTextWriterPtr w, const struct ledger_vm *vms, size_t n, time_t now);

#endif

/*
 * journal.h: the run journal of a failover, switchover, failback or drill:
 * which steps of a run were started, done or failed, with what they
 * created, so that `onedr report` can show a run, finished or not, and a
 * rerun after a crash or a SIGKILL skips what is done and finds what a
 * half-done step created.
 *
 * Where it lives, and why. In RADOS objects of the pool whose images the
 * run acts on (by default the CEPH POOL of onedr.conf), on the cluster the
 * caller opens it on: for a failover, the surviving site's, where the
 * command runs.
 *   onedr.runs         the index: one omap entry per run, key = run ID,
 *                      value = the run's header (kind, site, options,
 *                      state, times, result)
 *   onedr.run.<ID>     the steps of one run: one omap entry per step,
 *                      key = journal_key_encode(group, VM, object, step),
 *                      value = the step's record
 * A file on the front-end would be lost with the front-end; oned's database
 * is per site and may be the thing that restarts mid-run; the Ceph cluster
 * of the site taking over is what has to be up for a failover to happen at
 * all, so the journal is readable exactly when a rerun can do anything.
 * RBD image-meta would be replicated by rbd-mirror, but a non-primary
 * image refuses image-meta (EROFS) and a snapshot-mode one carries it only
 * with the next mirror snapshot: the surviving site could not write it.
 * Plain RADOS objects are NOT replicated by rbd-mirror: the journal of a
 * run stays on the cluster it was written to. When the other site returns
 * it has its own onedr.runs (its runs, with IDs that cannot collide: they
 * carry a timestamp and random bits, the header names the site); a command
 * that needs the other site's runs (failback after a failover) opens the
 * journal on the peer's connection. The objects' names cannot collide with
 * RBD's (rbd_*, journal.*, journal_data.*) nor be mistaken for images.
 *
 * Records are text, "name=value" lines with %XX escapes (readable with
 * `rados listomapvals`), version 1; a reader ignores names it does not
 * know and refuses a newer version (-EPROTONOSUPPORT).
 *
 * Concurrency. Several workers of one run record steps at once: each
 * record is one RADOS write op (omap set of one key) on the run object,
 * atomic by itself, and no record is read-modified-written, so no lock is
 * needed between workers. Two workers never write the same step key (the
 * run engine gives each step to one worker), and one process owns a run
 * at a time: journal_lock() (a RADOS exclusive lock on the run object,
 * cookie "host:pid:random"; a rerun on the same host takes it over from a
 * dead PID; from another host only on the user's word, journal_lock_break).
 *
 * Crash consistency. Each write is acknowledged by librados only once
 * durable on the OSDs, and is atomic: a record is the old one or the new
 * one, never a mix. The protocol of a step:
 *   1. journal_step_start(): record "started", with its intent (how to find
 *      what the step creates: e.g. the image SOURCE registered, or the
 *      ONEDR_SOURCE_SITE/ONEDR_SOURCE_VM a recreated VM carries);
 *   2. do the step;
 *   3. journal_step_done() with the IDs created, or journal_step_fail().
 * A kill before 1 leaves no record (or the previous attempt's): the rerun
 * does the step. Between 1 and 3 the record says "started": the step may or
 * may not have happened, so a rerun searches for the intent (oned, Ceph)
 * and adopts what it finds before creating anything; after 3 it is skipped.
 * Hence "started" never means "not done", and every step must be findable
 * by its intent or idempotent by nature (promote of a primary is a no-op).
 * A write abandoned at its deadline (-ETIMEDOUT) may still land later; the
 * OSD applies one client's ops on one object in the order they were sent,
 * so a late "started" cannot overwrite a later "done" of the same process;
 * after -ETIMEDOUT the record is the old one or the new one, and the
 * caller must treat the step as "started" (verify by intent).
 * The run's header is written to the index before any step (a run object
 * without an index entry cannot exist); an index entry whose run object is
 * missing is a run that recorded no step. The index entry is rewritten when
 * the run finishes; a run killed before that stays "open" and is the one
 * journal_latest_open() gives the rerun.
 *
 * Every Ceph call runs under a deadline (ceph_io_call, ceph.h). Library
 * module: never prints, never exits; 0 or -errno.
 */
#ifndef ONEDR_JOURNAL_H
#define ONEDR_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ceph.h"

#define JOURNAL_INDEX_OID "onedr.runs"
#define JOURNAL_RUN_PREFIX "onedr.run."
#define JOURNAL_ID_MAX 64
#define JOURNAL_RECORD_MAX 8192	/* an encoded record, bytes */
#define JOURNAL_KEY_MAX 512	/* an encoded step key, bytes */
#define JOURNAL_RESULTS_MAX 8

enum journal_kind { JOURNAL_FAILOVER, JOURNAL_SWITCHOVER, JOURNAL_FAILBACK, JOURNAL_DRILL };
enum journal_run_state {
	JOURNAL_RUN_OPEN,	/* running, or killed before it finished */
	JOURNAL_RUN_FINISHED,	/* every step done */
	JOURNAL_RUN_FAILED,	/* ended with steps failed or not done */
	JOURNAL_RUN_ABANDONED,	/* the user gave it up: a new run does not resume it */
};
enum journal_step_state { JOURNAL_STEP_STARTED, JOURNAL_STEP_DONE, JOURNAL_STEP_FAILED };

/* A run's header, the value of its index entry. */
struct journal_run {
	char id[JOURNAL_ID_MAX];	/* "20261129T221500Z-failover-3fa9c1" */
	enum journal_kind kind;
	enum journal_run_state state;
	char site[64];		/* the site it ran on (onedr.conf SITE) */
	char pool[64];		/* where its objects are */
	char options[512];	/* the command line's options and operands, for the report */
	char owner[128];	/* "host:pid" of the process that created it */
	time_t created;
	time_t ended;		/* 0: not finished */
	int result;		/* the command's exit code when it ended */
};

/* Which step: group (priority group or label), VM (its ID on the source
 * site, from the manifest), object (disk ID, image "pool/name", or "" for a
 * VM-wide step) and step name ("promote", "register", "recreate",
 * "deploy", ...). Any bytes but NUL; encoded with escapes. */
struct journal_key {
	char group[64];
	char vm[64];
	char object[256];
	char step[64];
};

struct journal_result {
	char name[32];		/* [a-z0-9_]: "image_id", "vm_id", "snap_id" */
	char value[128];
};

struct journal_step {
	struct journal_key key;
	enum journal_step_state state;
	unsigned attempt;	/* 1 for the first start, +1 at each restart */
	time_t started;
	time_t ended;		/* 0 while started */
	int error;		/* -errno of a failed step (0 otherwise) */
	char intent[512];	/* how to find what the step creates */
	char detail[1024];	/* what happened, for the report */
	char data[2048];	/* what the step measured, in its own text form
				 * (e.g. ledger_disk_encode before a promote) */
	struct journal_result results[JOURNAL_RESULTS_MAX];
	size_t nresults;
};

/* Pure encoding (unit-tested, fuzzed). encode: the length written, -E2BIG
 * when buf is too small. decode: 0, -EINVAL (malformed), -EPROTONOSUPPORT
 * (a newer version). */
const char *journal_kind_name(enum journal_kind kind);
int journal_kind_parse(const char *name, enum journal_kind *ret);
const char *journal_run_state_name(enum journal_run_state state);
const char *journal_step_state_name(enum journal_step_state state);
int journal_key_encode(const struct journal_key *key, char *buf, size_t len);
int journal_key_decode(const char *buf, size_t len, struct journal_key *ret);
int journal_step_encode(const struct journal_step *step, char *buf, size_t len);
int journal_step_decode(const char *buf, size_t len, struct journal_step *ret);
int journal_run_encode(const struct journal_run *run, char *buf, size_t len);
int journal_run_decode(const char *buf, size_t len, struct journal_run *ret);
/* A new run ID: UTC time, kind and 24 random bits. */
int journal_new_id(enum journal_kind kind, time_t now, char *buf, size_t len);
/* Set (or replace) a result; -ENOSPC when there are JOURNAL_RESULTS_MAX. */
int journal_step_set_result(struct journal_step *step, const char *name, const char *value);
const char *journal_step_result(const struct journal_step *step, const char *name);
/* The newest open run of that kind in a list, or NULL. */
const struct journal_run *journal_latest_open(const struct journal_run *runs, size_t n,
					      enum journal_kind kind);

/* An open run: the connection is the caller's and must outlive it. */
struct journal;

/* Create a run (header in the index, state open). kind, site and options
 * come from run; id, pool, owner, created and state are filled in. Each
 * Ceph call has timeout seconds. */
int journal_create(struct ceph *c, const char *pool, const struct journal_run *run, double timeout,
		   struct journal **ret);
/* Open an existing run. -ENOENT: no such run in the index. */
int journal_open(struct ceph *c, const char *pool, const char *id, double timeout,
		 struct journal **ret);
/* NULL-safe; releases the lock if taken. */
void journal_close(struct journal *j);
const struct journal_run *journal_header(const struct journal *j);

/* Take the run's exclusive lock (one process per run). When another
 * process holds it: if its cookie names this host and its PID is gone, the
 * lock is broken and taken; otherwise -EBUSY, with the holder's "host:pid"
 * in ret_holder (may be NULL). */
int journal_lock(struct journal *j, char *ret_holder, size_t holder_len);

/* Only on the user's word (the failover command's --takeover HOLDER):
 * the holder journal_lock() named is on another host, or cannot be
 * checked, e.g. a front-end lost mid-run while a new one reruns it. Its
 * Ceph client is blocklisted for JOURNAL_BLOCKLIST_SECONDS (a live but cut
 * off holder can write nothing more, as Ceph's own lock breaks do), then
 * its lock is broken; call journal_lock() next. -ESTALE: the lock is held
 * by someone other than holder now. 0 when nobody holds it. */
#define JOURNAL_BLOCKLIST_SECONDS 3600
int journal_lock_break(struct journal *j, const char *holder);

/* A step's record. -ENOENT: never started. */
int journal_step_get(struct journal *j, const struct journal_key *key, struct journal_step *ret);
/* Record step as started (state, attempt + 1, started = now, ended = 0,
 * error 0; intent, detail and results as the caller left them). */
int journal_step_start(struct journal *j, struct journal_step *step);
/* Record step as done (ended = now), with the results set in step. */
int journal_step_done(struct journal *j, struct journal_step *step);
/* Record step as failed with -errno error and a detail for the report. */
int journal_step_fail(struct journal *j, struct journal_step *step, int error, const char *detail);
/* End the run: its state and the command's exit code. */
int journal_finish(struct journal *j, enum journal_run_state state, int result);

/* Every run of the index, oldest first (malloc'd; *ret NULL when none). A
 * missing index is an empty list. Records that do not decode are skipped
 * and counted in ret_bad (may be NULL). */
int journal_list(struct ceph *c, const char *pool, double timeout, struct journal_run **ret,
		 size_t *ret_n, size_t *ret_bad);
/* A whole run: its header and its steps in key order (malloc'd: n times
 * sizeof(struct journal_step), about 5.3 KB each; for a large run prefer
 * journal_read_each). */
int journal_read(struct ceph *c, const char *pool, const char *id, double timeout,
		 struct journal_run *ret_run, struct journal_step **ret_steps, size_t *ret_n,
		 size_t *ret_bad);

/* The same, one step at a time: fn gets each decoded step in key order (the
 * step is the caller's only during the call); a non-zero return from fn
 * stops the walk and is returned. The raw records are held at once (a few
 * hundred bytes each), never the decoded array. */
typedef int (*journal_step_fn)(const struct journal_step *step, void *arg);
int journal_read_each(struct ceph *c, const char *pool, const char *id, double timeout,
		      struct journal_run *ret_run, journal_step_fn fn, void *arg, size_t *ret_bad);

#endif

/*
 * run.h: the run engine of failover (and of issue 11's switchover,
 * failback and drill): a run is groups of steps, each step a journal key
 * (group/VM/object/step) and an action; run_steps() runs one batch of
 * steps with bounded concurrency, each one recorded in the run's journal
 * before ("started", with its intent and data) and after ("done" with its
 * results, or "failed"). A step whose record says done is skipped (its
 * record, results and data come back in the step); a step recorded
 * started or failed before is run again with again = true: its action must
 * look for what a previous attempt created (the intent) before creating
 * anything, or be idempotent by nature. Ordering between batches (groups
 * in priority order, promote before register before recreate) is the
 * caller's: it calls run_steps once per batch.
 *
 * Library module: never prints, never exits.
 */
#ifndef ONEDR_RUN_H
#define ONEDR_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "journal.h"

enum run_outcome {
	RUN_NOT_RUN,	/* not started: interrupted, or the batch could not run */
	RUN_DONE,	/* done now */
	RUN_SKIPPED,	/* done by an earlier attempt (its record) */
	RUN_FAILED,	/* the action failed; error, detail */
	RUN_JOURNAL,	/* its record could not be written: the action was not run,
			 * or ran and its "done" is missing (error) */
};

struct run_step;

/* Called in a worker. prepare (may be NULL): before the step is recorded
 * as started, and only when no earlier record holds data: fill s->rec.data
 * (what was measured before acting, e.g. the loss ledger before a
 * promote); an error fails the step before it starts. action: do the
 * step; set results with journal_step_set_result(&s->rec, ...) and a
 * detail in s->rec.detail; return 0 or -errno. */
typedef int (*run_fn)(struct run_step *s, bool again, void *arg);

struct run_step {
	/* in */
	struct journal_key key;
	char intent[512];
	run_fn prepare, action;
	void *arg;		/* the caller's, per step */
	/* out */
	enum run_outcome outcome;
	int error;
	struct journal_step rec;	/* the record as last written (or read) */
};

/* Called with each step as it ends (serialised by the engine). */
typedef void (*run_progress_fn)(void *arg, const struct run_step *s);

/* Run steps[0..n) with at most concurrency at once, recording each in j
 * (journal_step_get, start, done/fail). Returns 0 when the batch ran (see
 * each outcome), -errno when no worker could start. */
int run_steps(struct journal *j, struct run_step *steps, size_t n, unsigned concurrency,
	      run_progress_fn progress, void *arg);

/* A step's key from its parts (truncated to the fields' sizes). */
void run_key(struct journal_key *k, const char *group, const char *vm, const char *object,
	     const char *step);

const char *run_outcome_name(enum run_outcome o);

#endif

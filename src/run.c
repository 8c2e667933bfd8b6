/*
 * run.c: the run engine (run.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "run.h"

struct batch {
	struct journal *j;
	struct run_step *steps;
	run_progress_fn progress;
	void *arg;
	pthread_mutex_t lock;
};

void run_key(struct journal_key *k, const char *group, const char *vm, const char *object,
	     const char *step)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->group, sizeof(k->group), "%s", group ? group : "");
	snprintf(k->vm, sizeof(k->vm), "%s", vm ? vm : "");
	snprintf(k->object, sizeof(k->object), "%s", object ? object : "");
	snprintf(k->step, sizeof(k->step), "%s", step ? step : "");
}

const char *run_outcome_name(enum run_outcome o)
{
	switch (o) {
	case RUN_NOT_RUN: return "not run";
	case RUN_DONE: return "done";
	case RUN_SKIPPED: return "done before";
	case RUN_FAILED: return "failed";
	case RUN_JOURNAL: return "journal error";
	}
	return "?";
}

/* Test only (README "Fault points"): ONEDR_TEST_KILL=STEP:WHEN[:N[:STOP]]
 * sends this process SIGKILL (or SIGSTOP) at the Nth step named STEP
 * (default the first) to reach WHEN: "before" (its "started" recorded, its
 * action not run) or "after" (its action done, its "done" not recorded),
 * the two points where a crash leaves a step "started". STOP=FAIL at
 * "before" fails that step with EIO instead, its action not run. */
static bool test_kill(const struct run_step *s, const char *when)
{
	static unsigned seen;
	const char *e = getenv("ONEDR_TEST_KILL");
	char step[64], at[16], sig[8] = "KILL";
	unsigned nth = 1;

	if (!e || sscanf(e, "%63[^:]:%15[^:]:%u:%7s", step, at, &nth, sig) < 2 ||
	    strcmp(step, s->key.step) || strcmp(at, when))
		return false;
	if (__atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST) != nth)
		return false;
	if (!strcmp(sig, "FAIL"))
		return true;
	kill(getpid(), strcmp(sig, "STOP") ? SIGKILL : SIGSTOP);
	return false;
}

static void one_step(struct batch *b, struct run_step *s)
{
	struct journal_step prev;
	bool again = false;
	int r;

	r = journal_step_get(b->j, &s->key, &prev);
	if (r == 0 && prev.state == JOURNAL_STEP_DONE) {
		s->rec = prev;
		s->outcome = RUN_SKIPPED;
		return;
	}
	if (r < 0 && r != -ENOENT) {
		s->outcome = RUN_JOURNAL;
		s->error = r;
		return;
	}
	if (r == 0) {
		/* started (maybe done) or failed before: keep its attempt count
		 * and what it measured before acting (the ledger read before a
		 * promote cannot be read again after it) */
		again = true;
		s->rec = prev;
		s->rec.detail[0] = '\0';
		s->rec.error = 0;
	} else {
		memset(&s->rec, 0, sizeof(s->rec));
		s->rec.key = s->key;
	}
	snprintf(s->rec.intent, sizeof(s->rec.intent), "%s", s->intent);
	if (s->prepare && !s->rec.data[0] && (r = s->prepare(s, again, s->arg)) < 0) {
		s->outcome = RUN_FAILED;
		s->error = r;
		if (!s->rec.detail[0])
			snprintf(s->rec.detail, sizeof(s->rec.detail), "before the step: %s", strerror(-r));
		/* recorded, so that the report shows it */
		if (journal_step_start(b->j, &s->rec) == 0)
			journal_step_fail(b->j, &s->rec, r, s->rec.detail);
		return;
	}
	r = journal_step_start(b->j, &s->rec);
	if (r < 0) {
		s->outcome = RUN_JOURNAL;
		s->error = r;
		return;
	}
	r = test_kill(s, "before") ? -EIO : s->action(s, again, s->arg);
	if (r == 0)
		test_kill(s, "after");
	if (r < 0) {
		s->outcome = RUN_FAILED;
		s->error = r;
		if (!s->rec.detail[0])
			snprintf(s->rec.detail, sizeof(s->rec.detail), "%s", strerror(-r));
		journal_step_fail(b->j, &s->rec, r, s->rec.detail);
		return;
	}
	r = journal_step_done(b->j, &s->rec);
	s->outcome = r < 0 ? RUN_JOURNAL : RUN_DONE;
	s->error = r < 0 ? r : 0;
}

static void worker(void *ctx, size_t i)
{
	struct batch *b = ctx;
	struct run_step *s = &b->steps[i];

	one_step(b, s);
	if (b->progress) {
		pthread_mutex_lock(&b->lock);
		b->progress(b->arg, s);
		pthread_mutex_unlock(&b->lock);
	}
}

int run_steps(struct journal *j, struct run_step *steps, size_t n, unsigned concurrency,
	      run_progress_fn progress, void *arg)
{
	struct batch b = { j, steps, progress, arg, PTHREAD_MUTEX_INITIALIZER };
	int r;

	for (size_t i = 0; i < n; i++) {
		steps[i].outcome = RUN_NOT_RUN;
		steps[i].error = 0;
	}
	if (n == 0)
		return 0;
	r = batch_run(n, concurrency ? concurrency : 1, worker, &b);
	pthread_mutex_destroy(&b.lock);
	return r;
}

/*
 * batch.h: run fn(ctx, i) for i in [0, n) on a bounded pool of threads.
 * Each item's work bounds itself with deadlines (see ceph.h), so a stuck
 * item occupies one worker only until its deadline.
 */
#ifndef ONEDR_BATCH_H
#define ONEDR_BATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*batch_fn)(void *ctx, size_t i);

/* Returns 0, or -errno when no worker could be started (nothing ran).
 * After batch_interrupt() no further item starts: fn never runs for them,
 * and batch_run returns once the items in flight are done. */
int batch_run(size_t n, unsigned concurrency, batch_fn fn, void *ctx);

/* Stop starting new items, in this batch and any later one. Safe in a
 * signal handler (a lock-free atomic store). */
void batch_interrupt(void);
bool batch_interrupted(void);

#endif

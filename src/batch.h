/*
 * batch.h: run fn(ctx, i) for i in [0, n) on a bounded pool of threads.
 * Each item's work bounds itself with deadlines (see ceph.h), so a stuck
 * item occupies one worker only until its deadline.
 */
#ifndef ONEDR_BATCH_H
#define ONEDR_BATCH_H

#include <stddef.h>

typedef void (*batch_fn)(void *ctx, size_t i);

/* Returns 0, or -errno when no worker could be started (nothing ran). */
int batch_run(size_t n, unsigned concurrency, batch_fn fn, void *ctx);

#endif

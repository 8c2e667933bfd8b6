/* batch.c: a bounded pool of workers over an index range; see batch.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "batch.h"

static atomic_bool interrupted;

void batch_interrupt(void)
{
	atomic_store_explicit(&interrupted, true, memory_order_relaxed);
}

bool batch_interrupted(void)
{
	return atomic_load_explicit(&interrupted, memory_order_relaxed);
}

struct batch {
	pthread_mutex_t lock;
	size_t next;
	size_t n;
	batch_fn fn;
	void *ctx;
};

static void *batch_worker(void *arg)
{
	struct batch *b = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&b->lock);
		i = b->next < b->n && !batch_interrupted() ? b->next++ : b->n;
		pthread_mutex_unlock(&b->lock);
		if (i == b->n)
			return NULL;
		b->fn(b->ctx, i);
	}
}

int batch_run(size_t n, unsigned concurrency, batch_fn fn, void *ctx)
{
	struct batch b = { .next = 0, .n = n, .fn = fn, .ctx = ctx };
	pthread_t *threads;
	sigset_t block, old;
	unsigned i, started = 0;

	if (n == 0)
		return 0;
	if (concurrency == 0)
		concurrency = 1;
	if (concurrency > n)
		concurrency = (unsigned)n;
	threads = calloc(concurrency, sizeof(*threads));
	if (!threads)
		return -ENOMEM;
	pthread_mutex_init(&b.lock, NULL);
	/* workers leave SIGINT and SIGTERM to the thread that waits for them */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < concurrency; i++) {
		if (pthread_create(&threads[i], NULL, batch_worker, &b) != 0)
			break;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		pthread_mutex_destroy(&b.lock);
		free(threads);
		return -EAGAIN;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&b.lock);
	free(threads);
	return 0;
}

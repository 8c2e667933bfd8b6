/* batch.c: a bounded pool of workers over an index range; see batch.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "batch.h"

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
		i = b->next < b->n ? b->next++ : b->n;
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
	for (i = 0; i < concurrency; i++) {
		if (pthread_create(&threads[i], NULL, batch_worker, &b) != 0)
			break;
		started++;
	}
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

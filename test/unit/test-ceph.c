/*
 * test-ceph: the parts of src/ceph.c that need no cluster.
 *  - ceph_pool() from many threads at once (status workers did this for
 *    images in a pool that does not exist: a double free);
 *  - the handle rule: a call abandoned at its deadline leaves its image
 *    stuck, and closing a stuck image does not free it under the call.
 *    The call is a fake run by ceph_image_call(), standing for librbd
 *    still working on the image; the handle holds no librbd image.
 * Run under ASan and TSan by test/run-suite.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "ceph.h"
#include "tap.h"

/* ---- ceph_pool from many threads ---- */

#define NTHREADS 8
#define NCALLS 2000

struct pool_job {
	struct ceph *c;
	pthread_barrier_t *start;
	int bad;		/* calls that returned something else than an error */
};

static void *pool_worker(void *arg)
{
	struct pool_job *job = arg;
	rados_ioctx_t io;

	pthread_barrier_wait(job->start);
	for (int i = 0; i < NCALLS; i++)
		if (ceph_pool(job->c, i % 2 ? "nopool" : "nopool2", &io) >= 0)
			job->bad++;
	return NULL;
}

static void test_pool_threads(void)
{
	struct ceph c = { 0 };
	struct pool_job jobs[NTHREADS];
	pthread_t threads[NTHREADS];
	pthread_barrier_t start;
	int bad = 0, r;

	/* not connected: rados_ioctx_create fails (-ENOTCONN) as for a pool
	 * that does not exist, after ceph_pool has taken a table slot */
	r = rados_create(&c.rados, NULL);
	ok(r == 0, "rados_create without a cluster");
	if (r < 0)
		return;
	pthread_mutex_init(&c.lock, NULL);
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct pool_job){ &c, &start, 0 };
		pthread_create(&threads[i], NULL, pool_worker, &jobs[i]);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(threads[i], NULL);
		bad += jobs[i].bad;
	}
	ok(bad == 0 && c.npools == 0, "%d threads x %d ceph_pool calls on missing pools: all fail, "
	   "the table stays empty (%zu entries)", NTHREADS, NCALLS, c.npools);
	pthread_barrier_destroy(&start);
	pthread_mutex_destroy(&c.lock);
	rados_shutdown(c.rados);
}

/* ---- the handle rule ---- */

struct fake {
	struct ceph_image *image;	/* what the "librbd call" works on */
	int go[2];			/* the test lets the call finish */
	int done[2];			/* the call tells it finished */
	int result;
};

/* A call that blocks until released, then still uses its image, as librbd
 * does with an image a timed-out call runs on. */
static int fake_call(rbd_image_t rbd, void *arg)
{
	struct fake *f = arg;
	char c;

	(void)rbd;
	if (read(f->go[0], &c, 1) != 1)
		return -EIO;
	f->result = f->image->rbd == NULL ? 42 : -1;	/* the image's memory, read late */
	if (write(f->done[1], "x", 1) != 1)
		return -EIO;
	return 0;
}

static int quick_call(rbd_image_t rbd, void *arg)
{
	(void)rbd;
	*(int *)arg = 7;
	return 3;
}

static void test_handle_rule(void)
{
	struct ceph_image *image = calloc(1, sizeof(*image));
	struct timespec dl;
	struct fake f = { image, { -1, -1 }, { -1, -1 }, 0 };
	unsigned before = ceph_abandoned();
	int out = 0, r;
	char c;

	ok(image && pipe(f.go) == 0 && pipe(f.done) == 0, "setup");

	dl = deadline_after(5);
	r = ceph_image_call(image, &dl, quick_call, &out, sizeof(out));
	ok(r == 3 && out == 7, "a call that returns in time gives its result and output (%d, %d)", r, out);
	ok(!ceph_image_stuck(image), "and leaves the image usable");

	dl = deadline_after(0.2);
	r = ceph_image_call(image, &dl, fake_call, &f, sizeof(f));
	ok(r == -ETIMEDOUT, "a call past its deadline is abandoned: %d", r);
	ok(ceph_image_stuck(image), "its image is stuck");
	ok(ceph_abandoned() == before + 1, "the abandoned call is counted");

	dl = deadline_after(5);
	out = 0;
	r = ceph_image_call(image, &dl, quick_call, &out, sizeof(out));
	ok(r == -ETIMEDOUT && out == 0, "a stuck image takes no further call");

	dl = deadline_after(5);
	r = ceph_image_close(image, &dl);
	ok(r == 0, "closing the stuck image succeeds");

	/* now the abandoned call goes on: under ASan a freed image is a
	 * heap-use-after-free here */
	ok(write(f.go[1], "x", 1) == 1 && read(f.done[0], &c, 1) == 1,
	   "the abandoned call finishes after the close");
	usleep(100 * 1000);	/* its thread frees its copy of the argument */
	free(image);		/* what the rule leaked on purpose */
	close(f.go[0]);
	close(f.go[1]);
	close(f.done[0]);
	close(f.done[1]);

	image = calloc(1, sizeof(*image));
	dl = deadline_after(5);
	ok(image && ceph_image_close(image, &dl) == 0, "a handle that is not stuck is closed and freed");
	ok(ceph_image_close(NULL, &dl) == 0, "close is NULL-safe");
}

int main(void)
{
	test_pool_threads();
	test_handle_rule();
	return tap_done();
}

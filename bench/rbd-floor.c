/*
 * bench/rbd-floor: the least work a librbd client can do to promote or
 * demote every mirror-enabled image of a pool: open, the one mirror call,
 * close, on CONCURRENCY threads over one connection. No role check, no
 * peer check, no deadline, no report. The benchmarks time it next to onedr
 * and the rbd CLI: no tool that promotes through librbd can beat it, so
 * it tells how much of a run is Ceph's own work.
 *
 *   rbd-floor CEPH_CONF POOL promote|force-promote|demote CONCURRENCY [NAME_PREFIX]
 *
 * force-promote: rbd_mirror_image_promote(force=true), as a failover with
 * the peer site dead does.
 *
 * Exit 0 when every call succeeded, 1 otherwise (the first error is
 * printed), 2 on usage. Not installed: `make bench/rbd-floor`.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

static rados_ioctx_t io;
static char **ids;
static size_t nids, next_id;
static bool promote, force;
static int first_error;
static size_t failed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		rbd_image_t image;
		size_t i;
		int r;

		pthread_mutex_lock(&lock);
		i = next_id++;
		pthread_mutex_unlock(&lock);
		if (i >= nids)
			return NULL;
		r = rbd_open_by_id(io, ids[i], &image, NULL);
		if (r == 0) {
			r = promote ? rbd_mirror_image_promote(image, force) :
				      rbd_mirror_image_demote(image);
			rbd_close(image);
		}
		if (r < 0) {
			pthread_mutex_lock(&lock);
			if (!failed++)
				first_error = r;
			pthread_mutex_unlock(&lock);
		}
	}
}

int main(int argc, char **argv)
{
	rbd_mirror_image_global_status_t st[256];
	const char *prefix = argc > 5 ? argv[5] : "";
	rbd_image_spec_t *specs = NULL;
	size_t nspecs = 0, i, conc;
	char start[128] = "";
	pthread_t *threads;
	rados_t rados;
	int r;

	if (argc < 5 ||
	    (strcmp(argv[3], "promote") && strcmp(argv[3], "force-promote") && strcmp(argv[3], "demote")) ||
	    (conc = strtoul(argv[4], NULL, 10)) == 0 || conc > 1024) {
		fprintf(stderr, "usage: rbd-floor CEPH_CONF POOL promote|force-promote|demote "
			"CONCURRENCY [NAME_PREFIX]\n");
		return 2;
	}
	force = !strcmp(argv[3], "force-promote");
	promote = force || !strcmp(argv[3], "promote");
	if ((r = rados_create(&rados, NULL)) < 0 || (r = rados_conf_read_file(rados, argv[1])) < 0 ||
	    (r = rados_connect(rados)) < 0 || (r = rados_ioctx_create(rados, argv[2], &io)) < 0) {
		fprintf(stderr, "rbd-floor: cannot reach pool %s: %s\n", argv[2], strerror(-r));
		return 1;
	}
	for (nspecs = 64;;) {
		specs = realloc(specs, nspecs * sizeof(*specs));
		r = rbd_list2(io, specs, &nspecs);
		if (r != -ERANGE)
			break;
	}
	ids = calloc(nspecs + 1, sizeof(*ids));
	if (r < 0 || !ids) {
		fprintf(stderr, "rbd-floor: cannot list images: %s\n", strerror(r < 0 ? -r : ENOMEM));
		return 1;
	}
	/* the mirror-enabled ones, as `rbd mirror pool promote` picks them */
	for (;;) {
		char *gids[256];
		size_t got = 0, k, j;

		r = rbd_mirror_image_global_status_list(io, start, 256, gids, st, &got);
		if (r < 0) {
			fprintf(stderr, "rbd-floor: cannot list mirror images: %s\n", strerror(-r));
			return 1;
		}
		for (k = 0; k < got; k++)
			for (j = 0; j < nspecs; j++)
				if (!strcmp(specs[j].id, gids[k]) &&
				    st[k].info.state == RBD_MIRROR_IMAGE_ENABLED &&
				    !strncmp(specs[j].name, prefix, strlen(prefix)))
					ids[nids++] = strdup(specs[j].id);
		if (got)
			snprintf(start, sizeof(start), "%s", gids[got - 1]);
		rbd_mirror_image_global_status_list_cleanup(gids, st, got);
		if (got < 256)
			break;
	}
	threads = calloc(conc, sizeof(*threads));
	for (i = 0; threads && i < conc; i++)
		pthread_create(&threads[i], NULL, worker, NULL);
	for (i = 0; threads && i < conc; i++)
		pthread_join(threads[i], NULL);
	if (failed)
		fprintf(stderr, "rbd-floor: %zu of %zu images failed, first: %s\n", failed, nids,
			strerror(-first_error));
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	free(threads);
	rbd_image_spec_list_cleanup(specs, nspecs);
	free(specs);
	rados_ioctx_destroy(io);
	rados_shutdown(rados);
	return failed || !threads ? 1 : 0;
}

/*
 * bench/meta-floor: the least work a librbd client can do to write one
 * image-meta value of BYTES bytes on each of the IMAGEs of POOL: one
 * process, one connection, each image opened, rbd_metadata_set, closed,
 * all images at once (a thread each). No mirroring check, no comparison,
 * no signature, no deadline. bench/hook times it next to the protect hook
 * that rewrites a manifest on the same images: no tool that writes image-meta
 * through librbd from a process oned starts can beat it.
 *
 *   meta-floor CEPH_CONF POOL KEY BYTES IMAGE...
 *
 * Exit 0 when every write succeeded, 1 otherwise (the first error is
 * printed), 2 on usage. Not installed: `make bench/meta-floor`.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

static rados_ioctx_t io;
static const char *key;
static char *value;

static void *write_one(void *name)
{
	rbd_image_t image;
	intptr_t r = rbd_open(io, name, &image, NULL);

	if (r == 0) {
		r = rbd_metadata_set(image, key, value);
		rbd_close(image);
	}
	return (void *)r;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	rados_t rados;
	unsigned long bytes;
	int i, n, r, first = 0;

	if (argc < 6 || (bytes = strtoul(argv[4], NULL, 10)) == 0 || bytes > (1ul << 20) ||
	    argc - 5 > 64) {
		fprintf(stderr, "usage: meta-floor CEPH_CONF POOL KEY BYTES IMAGE... (at most 64)\n");
		return 2;
	}
	key = argv[3];
	value = malloc(bytes + 1);
	if (!value)
		return 1;
	memset(value, 'm', bytes);
	value[bytes] = '\0';
	if ((r = rados_create(&rados, NULL)) < 0 || (r = rados_conf_read_file(rados, argv[1])) < 0 ||
	    (r = rados_connect(rados)) < 0 || (r = rados_ioctx_create(rados, argv[2], &io)) < 0) {
		fprintf(stderr, "meta-floor: cannot reach pool %s: %s\n", argv[2], strerror(-r));
		return 1;
	}
	n = argc - 5;
	for (i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, write_one, argv[5 + i]) != 0) {
			fprintf(stderr, "meta-floor: cannot start a thread\n");
			return 1;
		}
	for (i = 0; i < n; i++) {
		void *ret;

		pthread_join(threads[i], &ret);
		if ((intptr_t)ret < 0 && !first) {
			first = (int)(intptr_t)ret;
			fprintf(stderr, "meta-floor: %s: %s\n", argv[5 + i], strerror(-first));
		}
	}
	rados_ioctx_destroy(io);
	rados_shutdown(rados);
	free(value);
	return first ? 1 : 0;
}

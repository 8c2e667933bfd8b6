/*
 * rbd-writer: a librbd client that stands for a hypervisor host in the lab,
 * where every daemon and client runs on 127.0.0.1. Its connections come
 * from ADDR (another loopback address: Linux routes all of 127/8 to lo), so
 * the OSDs see it as a client of ADDR, which onedr fence can blocklist
 * while onedr itself, on 127.0.0.1, is not.
 *
 *   rbd-writer write CONF POOL IMAGE ADDR     open IMAGE and write it, 4 KiB every
 *                                             0.1 s, like a guest, until a write
 *                                             fails: prints "writing" once, then
 *                                             "write failed: -ERRNO (text)"; exit 0
 *   rbd-writer open CONF POOL IMAGE ADDR      open IMAGE and write once: prints
 *                                             "wrote" (exit 0) or "open failed: -ERRNO"
 *                                             / "write failed: -ERRNO" (exit 1)
 *   rbd-writer service CONF ADDR NAME         register a daemon NAME of the service
 *                                             "rbd-mirror" in the mgr's service map
 *                                             (a stand-in for this site's rbd-mirror on
 *                                             ADDR), print "registered", then wait
 *                                             until killed
 *
 * librados has no option to bind its client sockets (ms_bind_before_connect
 * binds only daemons' heartbeat clients), so this program defines connect()
 * itself: linked with -rdynamic, its definition takes precedence over libc's
 * for librados too, and it binds each IPv4 socket to ADDR first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

static struct in_addr bind_ip;

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real_connect)(int, const struct sockaddr *, socklen_t);

	if (!real_connect)
		real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	if (sa && sa->sa_family == AF_INET && bind_ip.s_addr) {
		struct sockaddr_in b;
		socklen_t blen = sizeof(b);

		/* the messenger calls connect() again on its non-blocking socket to
		 * learn whether it is connected: bind only the first time */
		memset(&b, 0, sizeof(b));
		if (getsockname(fd, (struct sockaddr *)&b, &blen) == 0 && b.sin_port == 0) {
			memset(&b, 0, sizeof(b));
			b.sin_family = AF_INET;
			b.sin_addr = bind_ip;
			if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0)
				return -1;
		}
	}
	return real_connect(fd, sa, len);
}

static int cluster(const char *conf, const char *addr, rados_t *ret)
{
	int r;

	if (inet_pton(AF_INET, addr, &bind_ip) != 1) {
		fprintf(stderr, "rbd-writer: '%s' is not an IPv4 address\n", addr);
		return -EINVAL;
	}
	r = rados_create(ret, NULL);
	if (r == 0)
		r = rados_conf_read_file(*ret, conf);
	if (r == 0)
		r = rados_conf_set(*ret, "client_mount_timeout", "30");
	if (r == 0)
		r = rados_conf_set(*ret, "rados_osd_op_timeout", "30");
	if (r == 0)
		r = rados_connect(*ret);
	if (r < 0)
		printf("connect failed: %d (%s)\n", r, strerror(-r));
	return r;
}

static int open_image(rados_t c, const char *pool, const char *image, rados_ioctx_t *io,
		      rbd_image_t *img)
{
	int r = rados_ioctx_create(c, pool, io);

	if (r == 0)
		r = rbd_open(*io, image, img, NULL);
	if (r < 0)
		printf("open failed: %d (%s)\n", r, strerror(-r));
	return r;
}

static int write_once(rbd_image_t img, long i)
{
	char buf[4096];
	ssize_t w;
	int r;

	memset(buf, 'a' + (int)(i % 26), sizeof(buf));
	w = rbd_write(img, (uint64_t)(i % 256) * sizeof(buf), sizeof(buf), buf);
	r = w < 0 ? (int)w : rbd_flush(img);
	if (r < 0)
		printf("write failed: %d (%s)\n", r, strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	rados_t c;
	rados_ioctx_t io;
	rbd_image_t img;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && (!strcmp(argv[1], "write") || !strcmp(argv[1], "open"))) {
		bool loop = !strcmp(argv[1], "write");

		if (cluster(argv[2], argv[5], &c) < 0 || open_image(c, argv[3], argv[4], &io, &img) < 0)
			return 1;
		for (long i = 0;; i++) {
			if (write_once(img, i) < 0)
				return loop ? 0 : 1;
			if (!loop) {
				printf("wrote\n");
				rbd_close(img);
				rados_ioctx_destroy(io);
				rados_shutdown(c);
				return 0;
			}
			if (i == 0)
				printf("writing\n");
			usleep(100 * 1000);
		}
	}
	if (argc == 5 && !strcmp(argv[1], "service")) {
		char meta[128];
		size_t n;
		int r;

		if (cluster(argv[2], argv[3], &c) < 0)
			return 1;
		/* "id\0NAME\0\0", as the daemon's own metadata */
		n = (size_t)snprintf(meta, sizeof(meta) - 1, "id%c%s", '\0', argv[4]) + 1;
		meta[n] = '\0';
		r = rados_service_register(c, "rbd-mirror", argv[4], meta);
		if (r < 0) {
			printf("register failed: %d (%s)\n", r, strerror(-r));
			return 1;
		}
		printf("registered\n");
		for (;;)
			pause();
	}
	fprintf(stderr, "usage: rbd-writer write|open CONF POOL IMAGE ADDR | service CONF ADDR NAME\n");
	return 2;
}

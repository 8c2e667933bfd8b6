/*
 * mirror-enable-run: the lab tests' driver of mirror-enable.c.
 *
 *   mirror-enable-run CEPH_CONF journal|snapshot POOL/IMAGE
 *
 * Prints one line: "enabled MODE" or "already MODE", then the clone's
 * details ("clone of P, parent already|enabled, parent snapshot taken"), or
 * "error: ..." and exits 1.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ceph.h"
#include "mirror-enable.h"

int main(int argc, char **argv)
{
	struct ceph_opts opts = { .connect_timeout = 30, .op_timeout = 30 };
	struct mirror_enable_result res;
	struct timespec deadline;
	enum mirror_enable_mode mode;
	struct ceph *c;
	char pool[128], *slash;
	int r;

	if (argc != 4 || mirror_enable_mode_parse(argv[2], &mode) < 0 ||
	    !(slash = strchr(argv[3], '/')) || slash - argv[3] >= (int)sizeof(pool)) {
		fprintf(stderr, "usage: mirror-enable-run CEPH_CONF journal|snapshot POOL/IMAGE\n");
		return 2;
	}
	snprintf(pool, sizeof(pool), "%.*s", (int)(slash - argv[3]), argv[3]);
	opts.conf = argv[1];
	r = ceph_connect(&opts, &c);
	if (r < 0) {
		printf("error: cannot connect: %s\n", strerror(-r));
		return 1;
	}
	deadline = deadline_after(120);
	r = mirror_enable(c, pool, slash + 1, mode, &deadline, &res);
	if (r < 0)
		printf("error: %s: %s\n", res.error, strerror(-r));
	else {
		printf("%s %s%s", res.already ? "already" : "enabled",
		       mirror_enable_mode_name(res.mode), res.primary ? "" : " non-primary");
		if (res.clone)
			printf(", clone of %s, parent %s%s", res.parent,
			       res.parent_already ? "already" : "enabled",
			       res.parent_snapshot ? ", parent snapshot taken" : "");
		printf("\n");
	}
	ceph_close(c);
	return r < 0 ? 1 : 0;
}

/*
 * cmd-version.c: onedr version (also onedr --version)
 * Prints onedr's version and the librbd and librados it runs with.
 */
#include "config.h"

#include <stdio.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "cmd.h"

static int cmd_version_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	int rmaj, rmin, rext, bmaj, bmin, bext;

	rados_version(&rmaj, &rmin, &rext);
	rbd_version(&bmaj, &bmin, &bext);
	printf("onedr %s (librados %d.%d.%d, librbd %d.%d.%d)\n", PACKAGE_VERSION,
	       rmaj, rmin, rext, bmaj, bmin, bext);
	return EXIT_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "show onedr's version",
	.help = "",
	.exec = cmd_version_exec,
};

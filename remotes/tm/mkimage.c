/*
 * tm/mkimage SIZE FORMAT DST VM_ID DS_ID  (OpenNebula runs it as tm/onedr/mkimage)
 *   DST    host:SYSTEM_DS_PATH/VM_ID/disk.N
 *
 * A volatile disk: tm/ceph/mkimage creates pool/one-sys-VM_ID-N, which is
 * then mirrored in MIRROR_MODE so the disk is protected before the VM
 * boots. The pool is onedr.conf's POOL (the stock action takes the disk's
 * POOL_NAME: they must agree; an RBD not found there is an error).
 * tm/mkswap makes the same RBD and shares remote_mkimage_after().
 */
#include "config.h"

#include <stdio.h>

#include "log.h"
#include "remote.h"
#include "tm.h"

int remote_volatile_mirror(struct remote *rm, const char *dst, const char *vm_id)
{
	char image[128];
	int disk;

	if (remote_disk_id(dst, &disk) < 0)
		return log_error(0, "'%s' names no disk (host:path/disk.N)", dst), EXIT_USAGE;
	snprintf(image, sizeof(image), "one-sys-%s-%d", vm_id, disk);
	return remote_mirror(rm, rm->ctx->conf.pool, image);
}

static int mkimage_after(struct remote *rm, int argc, char **argv)
{
	(void)argc;
	return remote_volatile_mirror(rm, argv[2], argv[3]);
}

static int tm_mkimage_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 5, NULL, mkimage_after };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_tm_mkimage_entry = {
	.name = "tm/mkimage",
	.usage = "SIZE FORMAT DST VM_ID DS_ID",
	.summary = "tm/ceph/mkimage, then mirrors the volatile disk",
	.help =
	"OpenNebula runs this as tm/onedr/mkimage for a volatile disk. The stock\n"
	"tm/ceph/mkimage runs with the same arguments, then the RBD it made,\n"
	"POOL/one-sys-VM_ID-DISK (POOL from onedr.conf), is mirrored in MIRROR_MODE.\n",
	.exec = tm_mkimage_exec,
};

/*
 * tm/clone SRC DST VM_ID DS_ID  (OpenNebula runs it as tm/onedr/clone)
 *   SRC    front-end:pool/one-IMG, the image of a non-persistent disk
 *   DST    host:SYSTEM_DS_PATH/VM_ID/disk.N
 *
 * Refuses an image that is a non-primary copy here (a VM must never boot on
 * the peer's replica), then runs tm/ceph/clone, which clones the image's
 * @snap to pool/one-IMG-VM_ID-N, then mirrors that clone (journal mode, its
 * image first: mirror-enable.h) so the disk is protected before the VM
 * boots.
 */
#include "config.h"

#include <stdio.h>

#include "log.h"
#include "remote.h"

static int clone_source(struct remote *rm, const char *src, char *pool, size_t plen,
			char *image, size_t ilen)
{
	if (remote_rbd_name(rm, src, pool, plen, image, ilen) < 0)
		return log_error(0, "'%s' is not an RBD image (front-end:pool/image)", src),
		       EXIT_USAGE;
	return 0;
}

static int clone_before(struct remote *rm, int argc, char **argv)
{
	char pool[128], image[128];
	int code = clone_source(rm, argv[0], pool, sizeof(pool), image, sizeof(image));

	(void)argc;
	return code ? code : remote_refuse_non_primary(rm, pool, image, "clone a VM disk from");
}

static int clone_after(struct remote *rm, int argc, char **argv)
{
	char pool[128], image[128], clone[256];
	int disk, code = clone_source(rm, argv[0], pool, sizeof(pool), image, sizeof(image));

	(void)argc;
	if (code)
		return code;
	if (remote_disk_id(argv[1], &disk) < 0)
		return log_error(0, "'%s' names no disk (host:path/disk.N)", argv[1]), EXIT_USAGE;
	snprintf(clone, sizeof(clone), "%s-%s-%d", image, argv[2], disk);
	return remote_mirror(rm, pool, clone);
}

static int tm_clone_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 4, clone_before, clone_after };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_tm_clone_entry = {
	.name = "tm/clone",
	.usage = "SRC DST VM_ID DS_ID",
	.summary = "tm/ceph/clone, refused on a non-primary image, then mirrors the clone",
	.help =
	"OpenNebula runs this as tm/onedr/clone for a non-persistent disk. An image\n"
	"that is a non-primary (replica) copy on this site is refused before\n"
	"anything is done. Else the stock tm/ceph/clone runs with the same\n"
	"arguments, then its clone pool/one-IMG-VM_ID-DISK is mirrored (journal\n"
	"mode, after its image) so the disk is protected before the VM boots.\n",
	.exec = tm_clone_exec,
};

/* clone.ssh exports the image's snapshot to the host's disk: no RBD is
 * made, but a replica must no more be booted from. */
static int tm_clone_ssh_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 4, clone_before, NULL };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_tm_clone_ssh_entry = {
	.name = "tm/clone.ssh",
	.usage = "SRC DST VM_ID DS_ID",
	.summary = "tm/ceph/clone.ssh, refused on a non-primary image",
	.help =
	"OpenNebula runs this as tm/onedr/clone.ssh for a non-persistent disk on an\n"
	"ssh system datastore: the stock action copies the image to the host. An\n"
	"image that is a non-primary (replica) copy on this site is refused before\n"
	"anything is done; else the stock tm/ceph/clone.ssh runs with the same\n"
	"arguments.\n",
	.exec = tm_clone_ssh_exec,
};

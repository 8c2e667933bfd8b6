/*
 * tm/cpds SRC DST SNAP_ID VM_ID DS_ID  (OpenNebula runs it as tm/onedr/cpds)
 *   SRC     host:SYSTEM_DS_PATH/VM_ID/disk.N, the disk saved
 *   DST     the new image's SOURCE, pool/one-IMG (datastore mkfs with
 *           FORMAT=save_as only named it)
 *   SNAP_ID the disk snapshot to save, -1 for the disk itself
 *
 * disk-saveas: tm/ceph/cpds copies the disk into DST, which is then
 * mirrored in MIRROR_MODE (a copy, not a clone).
 */
#include "config.h"

#include "log.h"
#include "remote.h"

static int cpds_after(struct remote *rm, int argc, char **argv)
{
	char pool[128], image[128];

	(void)argc;
	if (remote_rbd_name(rm, argv[1], pool, sizeof(pool), image, sizeof(image)) < 0)
		return log_error(0, "'%s' is not an RBD image (pool/image)", argv[1]), EXIT_USAGE;
	return remote_mirror(rm, pool, image);
}

static int tm_cpds_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 5, NULL, cpds_after };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_tm_cpds_entry = {
	.name = "tm/cpds",
	.usage = "SRC DST SNAP_ID VM_ID DS_ID",
	.summary = "tm/ceph/cpds, then mirrors the saved image",
	.help =
	"OpenNebula runs this as tm/onedr/cpds for disk-saveas. The stock\n"
	"tm/ceph/cpds runs with the same arguments, then the image it wrote,\n"
	"DST, is mirrored in MIRROR_MODE.\n",
	.exec = tm_cpds_exec,
};

/* cpds.ssh imports the disk from the host into DST: the same step after. */
const struct cmd_entry remote_tm_cpds_ssh_entry = {
	.name = "tm/cpds.ssh",
	.usage = "SRC DST SNAP_ID VM_ID DS_ID",
	.summary = "tm/ceph/cpds.ssh, then mirrors the saved image",
	.help =
	"OpenNebula runs this as tm/onedr/cpds.ssh for disk-saveas of a disk on an\n"
	"ssh system datastore. The stock tm/ceph/cpds.ssh runs with the same\n"
	"arguments, then the image it wrote, DST, is mirrored in MIRROR_MODE.\n",
	.exec = tm_cpds_exec,
};

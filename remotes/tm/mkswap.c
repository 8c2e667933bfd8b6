/*
 * tm/mkswap SIZE DST VM_ID DS_ID  (OpenNebula runs it as tm/onedr/mkswap)
 *   DST    host:SYSTEM_DS_PATH/VM_ID/disk.N
 *
 * A swap disk: tm/ceph/mkswap (in 7.0 a link to tm/common/mkswap, which
 * runs mkimage with FORMAT swap) creates pool/one-sys-VM_ID-N, which is then
 * mirrored like tm/mkimage's.
 */
#include "config.h"

#include "remote.h"
#include "tm.h"

static int mkswap_after(struct remote *rm, int argc, char **argv)
{
	(void)argc;
	return remote_volatile_mirror(rm, argv[1], argv[2]);
}

static int tm_mkswap_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 4, NULL, mkswap_after };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_tm_mkswap_entry = {
	.name = "tm/mkswap",
	.usage = "SIZE DST VM_ID DS_ID",
	.summary = "tm/ceph/mkswap, then mirrors the swap disk",
	.help =
	"OpenNebula runs this as tm/onedr/mkswap for a swap disk. The stock\n"
	"tm/ceph/mkswap runs with the same arguments, then the RBD it made,\n"
	"POOL/one-sys-VM_ID-DISK, is mirrored in MIRROR_MODE (POOL as tm/mkimage's).\n",
	.exec = tm_mkswap_exec,
};

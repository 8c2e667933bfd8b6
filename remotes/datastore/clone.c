/*
 * datastore/clone IMAGE_ID  (OpenNebula runs it as datastore/onedr/clone)
 *   stdin: base64 <DS_DRIVER_ACTION_DATA> (the image and its datastore)
 *
 * oneimage clone: datastore/ceph/clone copies the source image (rbd copy, not an RBD clone) to POOL/one-ID
 * and prints "SOURCE FORMAT", which is passed through; then that SOURCE is
 * mirrored in MIRROR_MODE.
 */
#include "config.h"

#include "remote.h"

static int datastore_clone_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return remote_ds_source_exec(ctx, argc, argv, NULL);
}

const struct cmd_entry remote_datastore_clone_entry = {
	.name = "datastore/clone",
	.usage = "IMAGE_ID (DS_DRIVER_ACTION_DATA on stdin)",
	.summary = "datastore/ceph/clone, then mirrors the copy",
	.help =
	"OpenNebula runs this as datastore/onedr/clone. The stock datastore/ceph/clone\n"
	"runs with the same argument and stdin; the SOURCE it prints is passed\n"
	"through and then mirrored in MIRROR_MODE.\n",
	.exec = datastore_clone_exec,
};

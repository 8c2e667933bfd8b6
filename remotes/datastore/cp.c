/*
 * datastore/cp IMAGE_ID  (OpenNebula runs it as datastore/onedr/cp)
 *   stdin: base64 <DS_DRIVER_ACTION_DATA> (the image and its datastore)
 *
 * an image registered from a file or URL (oneimage create --path): datastore/ceph/cp imports it as POOL/one-ID
 * and prints "SOURCE FORMAT", which is passed through; then that SOURCE is
 * mirrored in MIRROR_MODE.
 */
#include "config.h"

#include "remote.h"

static int datastore_cp_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return remote_ds_source_exec(ctx, argc, argv, NULL);
}

const struct cmd_entry remote_datastore_cp_entry = {
	.name = "datastore/cp",
	.usage = "IMAGE_ID (DS_DRIVER_ACTION_DATA on stdin)",
	.summary = "datastore/ceph/cp, then mirrors the new image",
	.help =
	"OpenNebula runs this as datastore/onedr/cp. The stock datastore/ceph/cp\n"
	"runs with the same argument and stdin; the SOURCE it prints is passed\n"
	"through and then mirrored in MIRROR_MODE.\n",
	.exec = datastore_cp_exec,
};

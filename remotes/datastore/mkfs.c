/*
 * datastore/mkfs IMAGE_ID  (OpenNebula runs it as datastore/onedr/mkfs)
 *   stdin: base64 <DS_DRIVER_ACTION_DATA> (the image and its datastore)
 *
 * A new empty image (DATABLOCK): datastore/ceph/mkfs creates POOL/one-ID and
 * prints it, which is passed through; then it is mirrored in MIRROR_MODE.
 * With FORMAT=save_as (disk-saveas) the stock action only names the image:
 * tm/cpds creates it later and mirrors it then, so nothing is mirrored here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "remote.h"

static bool mkfs_save_as(struct remote *rm, const char *source)
{
	char *format = NULL;
	bool save_as = remote_ds_data(rm, "IMAGE/FORMAT", &format) == 0 &&
		       !strcmp(format, "save_as");

	free(format);
	if (save_as)
		log_info("'%s' is a disk-saveas target: tm/cpds creates and mirrors it", source);
	return save_as;
}

static int datastore_mkfs_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return remote_ds_source_exec(ctx, argc, argv, mkfs_save_as);
}

const struct cmd_entry remote_datastore_mkfs_entry = {
	.name = "datastore/mkfs",
	.usage = "IMAGE_ID (DS_DRIVER_ACTION_DATA on stdin)",
	.summary = "datastore/ceph/mkfs, then mirrors the new image",
	.help =
	"OpenNebula runs this as datastore/onedr/mkfs. The stock datastore/ceph/mkfs\n"
	"runs with the same argument and stdin; the SOURCE it prints is passed\n"
	"through and then mirrored in MIRROR_MODE (for FORMAT=save_as, tm/cpds\n"
	"creates and mirrors the image later).\n",
	.exec = datastore_mkfs_exec,
};

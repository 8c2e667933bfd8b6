/*
 * datastore/rm IMAGE_ID  (OpenNebula runs it as datastore/onedr/rm)
 *   stdin: base64 <DS_DRIVER_ACTION_DATA>, IMAGE/SOURCE the RBD to delete
 *
 * What deleting a mirrored image does (measured in the lab, Ceph 16.2):
 *  - deleting the PRIMARY image (rbd rm) makes the peer's rbd-mirror delete
 *    its copy too, within about 1 s, in journal and snapshot mode: the
 *    image is gone on both sites. Mirroring is not a backup.
 *  - deleting a NON-PRIMARY copy fails in librbd (journal mode: "image still
 *    has watchers", rbd-mirror holds it open; snapshot mode: EINVAL), after
 *    the stock action may already have removed its snapshots and children.
 * So: a non-primary copy here is refused before the stock action, with an
 * error naming it and this site (delete the image on the site where it is
 * primary: that removes this copy too). A primary or unmirrored image is
 * deleted by datastore/ceph/rm as it is.
 */
#include "config.h"

#include <stdlib.h>

#include "log.h"
#include "remote.h"

static int rm_before(struct remote *rm, int argc, char **argv)
{
	char pool[128], image[128], *source = NULL;
	int r;

	(void)argc;
	(void)argv;
	r = remote_ds_data(rm, "IMAGE/SOURCE", &source);
	if (r < 0)
		return log_error(r, "cannot read the image's SOURCE from the action data"),
		       EXIT_USAGE;
	if (remote_rbd_name(rm, source, pool, sizeof(pool), image, sizeof(image)) < 0) {
		log_error(0, "image SOURCE '%s' is not an RBD image (pool/image)", source);
		free(source);
		return EXIT_USAGE;
	}
	free(source);
	return remote_refuse_non_primary(rm, pool, image, "delete");
}

static int datastore_rm_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 1, rm_before, NULL };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_datastore_rm_entry = {
	.name = "datastore/rm",
	.usage = "IMAGE_ID (DS_DRIVER_ACTION_DATA on stdin)",
	.summary = "datastore/ceph/rm, refused on a non-primary copy",
	.help =
	"OpenNebula runs this as datastore/onedr/rm. Deleting a mirrored primary\n"
	"image also deletes the peer's copy (rbd-mirror does, within seconds).\n"
	"A non-primary copy on this site is refused before anything is done:\n"
	"delete the image where it is primary. Else the stock datastore/ceph/rm\n"
	"runs with the same argument and stdin.\n",
	.exec = datastore_rm_exec,
};

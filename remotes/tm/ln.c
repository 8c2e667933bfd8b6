/*
 * tm/ln SRC DST VM_ID DS_ID  (OpenNebula runs it as tm/onedr/ln)
 *   SRC    front-end:pool/one-IMG, the image of a persistent disk
 *   DST    host:SYSTEM_DS_PATH/VM_ID/disk.N
 *
 * A persistent disk is the image itself: refused when the image is a
 * non-primary copy here (a VM must never boot on the peer's replica), else
 * tm/ceph/ln as it is.
 */
#include "config.h"

#include "log.h"
#include "remote.h"

static int ln_before(struct remote *rm, int argc, char **argv)
{
	char pool[128], image[128];

	(void)argc;
	if (remote_rbd_name(rm, argv[0], pool, sizeof(pool), image, sizeof(image)) < 0)
		return log_error(0, "'%s' is not an RBD image (front-end:pool/image)", argv[0]),
		       EXIT_USAGE;
	return remote_refuse_non_primary(rm, pool, image, "use as a VM disk");
}

static int tm_ln_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct remote_steps steps = { 4, ln_before, NULL };

	return remote_exec_steps(ctx, argc, argv, &steps);
}

const struct cmd_entry remote_tm_ln_entry = {
	.name = "tm/ln",
	.usage = "SRC DST VM_ID DS_ID",
	.summary = "tm/ceph/ln, refused on a non-primary image",
	.help =
	"OpenNebula runs this as tm/onedr/ln for a persistent disk. An image that\n"
	"is a non-primary (replica) copy on this site is refused before anything\n"
	"is done; else the stock tm/ceph/ln runs with the same arguments.\n",
	.exec = tm_ln_exec,
};

/* ln.ssh copies the image to the host's disk (rbd export), and mvds.ssh
 * writes it back: a replica must no more be used that way. */
const struct cmd_entry remote_tm_ln_ssh_entry = {
	.name = "tm/ln.ssh",
	.usage = "SRC DST VM_ID DS_ID",
	.summary = "tm/ceph/ln.ssh, refused on a non-primary image",
	.help =
	"OpenNebula runs this as tm/onedr/ln.ssh for a persistent disk on an ssh\n"
	"system datastore: the stock action exports the image to the host, and\n"
	"mvds.ssh imports it back. An image that is a non-primary (replica) copy on\n"
	"this site is refused before anything is done; else the stock\n"
	"tm/ceph/ln.ssh runs with the same arguments.\n",
	.exec = tm_ln_exec,
};

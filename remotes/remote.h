/*
 * remote.h: what every action of the onedr TM and datastore drivers shares.
 *
 * An action of driver onedr (REMOTES/tm/onedr/ACTION, entry tm/ACTION)
 * runs the stock ceph action REMOTES/tm/ceph/ACTION with the same argv and
 * stdin (driver-spawn.h) and passes its stdout, stderr and exit code
 * through; some actions add one step before (a refusal) or after (mirroring
 * the RBD the stock action created). REMOTES is onedr.conf's REMOTES.
 * Exit 0 is success; a failure of onedr's own step is one ERROR line on
 * stderr and exit 1 (3 when Ceph cannot be reached), as oned reads drivers.
 */
#ifndef ONEDR_REMOTE_H
#define ONEDR_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "driver-spawn.h"

struct remote {
	struct cmd_ctx *ctx;
	char kind[16];		/* "tm" or "datastore" */
	const char *action;	/* "clone" */
	char *in;		/* the stdin oned gave, read once */
	size_t in_len;
	struct ceph *ceph;	/* connected by remote_ceph() */
};

/* Load onedr.conf, read stdin. Returns 0 or the exit code (error logged). */
int remote_begin(struct cmd_ctx *ctx, struct remote *rm);
void remote_end(struct remote *rm);

/* Run the stock action with argv (the operands oned gave). With capture,
 * ret->out holds its stdout, which the caller prints; else it went out
 * directly. Returns 0 once it ran (its code in ret->status; a failure's
 * stdout, when captured, is already printed), else the exit code (logged). */
int remote_run_stock(struct remote *rm, int argc, char **argv, bool capture,
		     struct driver_run *ret);

/* The stock action alone: the entry of the actions onedr adds nothing to. */
int remote_passthrough_exec(struct cmd_ctx *ctx, int argc, char **argv);

/* Split "pool/image" (a SOURCE, or argv's "host:pool/image") into pool and
 * image; no pool: onedr.conf's. -EINVAL when it is no RBD name. */
int remote_rbd_name(const struct remote *rm, const char *spec, char *pool, size_t plen,
		    char *image, size_t ilen);

/* Enable mirroring on pool/image in MIRROR_MODE (mirror-enable.h). Returns
 * 0 or the exit code (error logged). */
int remote_mirror(struct remote *rm, const char *pool, const char *image);

/* Refuse (exit code, error logged naming the image and this site) when
 * pool/image is a mirrored non-primary copy here; what: "boot a VM on",
 * "delete". 0 when it is primary or not mirrored. */
int remote_refuse_non_primary(struct remote *rm, const char *pool, const char *image,
			      const char *what);

/* The usual shape of an action that adds steps: check argc (at least
 * min operands, else usage), refuse before (when before is set), run the
 * stock action (stdout passed through), and mirror after it succeeded
 * (when after is set). before/after return 0 or an exit code. */
struct remote_steps {
	int min_args;
	int (*before)(struct remote *rm, int argc, char **argv);
	int (*after)(struct remote *rm, int argc, char **argv);
};
int remote_exec_steps(struct cmd_ctx *ctx, int argc, char **argv, const struct remote_steps *s);

/* A datastore action's stdin (base64 <DS_DRIVER_ACTION_DATA>): the text of
 * the element at path under it ("IMAGE/FORMAT"), "" when absent. -EINVAL
 * when the input is no such document. */
int remote_ds_data(const struct remote *rm, const char *path, char **ret);

/* The datastore actions that print a new SOURCE (cp, mkfs, clone): run the
 * stock action, pass its stdout through, and on success mirror the SOURCE
 * its first word names, unless skip (may be NULL) says not to. */
int remote_ds_source_exec(struct cmd_ctx *ctx, int argc, char **argv,
			  bool (*skip)(struct remote *rm, const char *source));

/* The image ID in argv[0] of a datastore action. */
int remote_image_id(int argc, char **argv, int *ret);

/* DISK_ID of a TM argument host:.../disk.N. -EINVAL when it has none. */
int remote_disk_id(const char *dst, int *ret);

#endif

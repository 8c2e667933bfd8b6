/*
 * tm/mkimage SIZE FORMAT DST VM_ID DS_ID  (OpenNebula runs it as tm/onedr/mkimage)
 *   DST    host:SYSTEM_DS_PATH/VM_ID/disk.N
 *
 * A volatile disk: tm/ceph/mkimage creates pool/one-sys-VM_ID-N, which is
 * then mirrored in MIRROR_MODE so the disk is protected before the VM
 * boots. The pool is found as the stock action finds it: the disk's
 * POOL_NAME in the VM (one.vm.info, as its `onevm show -x`), else
 * onedr.conf's POOL (the stock falls back to ceph.conf's POOL_NAME, "one").
 * tm/mkswap makes the same RBD and shares remote_volatile_mirror().
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "one-calls.h"
#include "one-doc.h"
#include "one-rpc.h"
#include "remote.h"
#include "template.h"
#include "tm.h"

/* DISK_ID disk's POOL_NAME in VM vm_id, into pool; untouched when the VM
 * cannot be read or the disk has none. */
static void volatile_pool(struct remote *rm, const char *vm_id, int disk, char *pool, size_t len)
{
	const struct onedr_conf *conf = &rm->ctx->conf;
	struct one_error err = { 0, "" };
	struct one_client *c = NULL;
	struct one_vm *vm = NULL;
	char *xml = NULL, *end;
	long id = strtol(vm_id, &end, 10);

	if (*end || id < 0 || id > INT_MAX ||
	    one_client_new(conf->one_endpoint, conf->one_auth, conf->one_timeout, &c, &err) < 0 ||
	    one_vm_info(c, (int)id, &xml, &err) < 0 || one_vm_parse(xml, strlen(xml), &vm) < 0) {
		log_debug("VM %s not read (%s): its volatile disk is looked for in pool '%s'",
			  vm_id, err.msg[0] ? err.msg : "no such VM", pool);
		goto out;
	}
	for (const struct tmpl_attr *a = tmpl_find(vm->tmpl, "DISK"); a; a = tmpl_find_next(a, "DISK")) {
		const char *d = tmpl_attr_get(a, "DISK_ID"), *p = tmpl_attr_get(a, "POOL_NAME");

		if (d && atoi(d) == disk && p && *p) {
			snprintf(pool, len, "%s", p);
			break;
		}
	}
out:
	one_vm_free(vm);
	free(xml);
	one_client_free(c);
}

int remote_volatile_mirror(struct remote *rm, const char *dst, const char *vm_id)
{
	char image[128], pool[128];
	int disk;

	if (remote_disk_id(dst, &disk) < 0)
		return log_error(0, "'%s' names no disk (host:path/disk.N)", dst), EXIT_USAGE;
	snprintf(image, sizeof(image), "one-sys-%s-%d", vm_id, disk);
	snprintf(pool, sizeof(pool), "%s", rm->ctx->conf.pool);
	volatile_pool(rm, vm_id, disk, pool, sizeof(pool));
	return remote_mirror(rm, pool, image);
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
	"POOL/one-sys-VM_ID-DISK, is mirrored in MIRROR_MODE. POOL is the disk's\n"
	"POOL_NAME (the VM read from oned, ONE in onedr.conf), else onedr.conf's POOL.\n",
	.exec = tm_mkimage_exec,
};

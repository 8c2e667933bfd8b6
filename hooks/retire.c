/*
 * hooks/retire.c: onedr hook/retire, run by oned as
 * <remotes>/hooks/onedr/retire when a VM is DONE (terminated):
 *   NAME = "onedr-retire"
 *   TYPE = "state"
 *   RESOURCE = "VM"
 *   ON = "DONE"
 *   COMMAND = "onedr/retire"
 *   ARGUMENTS = "$TEMPLATE"
 *   ARGUMENTS_STDIN = "yes"
 *   TIMEOUT = "120"
 *
 * It marks the VM's manifest retired on each of its disks that survive
 * (persistent images; OpenNebula deleted the clones and volatile disks
 * before DONE), so that a failover to the other site does not bring back
 * a VM that was terminated here: register and recreate --all leave retired
 * manifests alone. It travels like any manifest (a mirror snapshot is taken
 * in snapshot mode). Works from the payload alone, without XML-RPC.
 *
 * A disk already gone, without a manifest, or holding another VM's
 * manifest (a persistent image attached since to another VM) is fine: one
 * line each. One stdout line per action; ERROR lines on stderr; exit 0, 1
 * when a manifest could not be retired, 2 for a bad payload or
 * configuration (or a VM that is not DONE), 3 when Ceph cannot be reached.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "hook-payload.h"
#include "log.h"
#include "manifest-store.h"
#include "vm-export.h"

static int retire_disks(struct cmd_ctx *ctx, struct ceph *c, const struct manifest_key *key,
			const struct manifest *m)
{
	long long now = (long long)time(NULL);
	size_t retired = 0, failed = 0;

	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *d = &m->disks[i];
		struct timespec dl = deadline_after(ctx->conf.image_timeout);
		enum store_result res = STORE_UNCHANGED;
		rados_ioctx_t io;
		int r;

		if (d->kind == DISK_UNPROTECTED) {
			printf("VM %d: disk %d skipped: %s\n", m->vm_id, d->disk_id, d->reason);
			continue;
		}
		r = ceph_pool(c, d->pool, &io);
		if (r == 0)
			r = store_retire(io, d->rbd, m->site, m->vm_id, key, now, &dl, &res);
		switch (r) {
		case 0:
			retired++;
			printf("VM %d: disk %d %s/%s: manifest %s\n", m->vm_id, d->disk_id, d->pool,
			       d->rbd, res == STORE_UNCHANGED ? "already retired" :
			       res == STORE_WRITTEN_SNAPSHOT ? "retired, mirror snapshot taken" :
			       res == STORE_WRITTEN_UNMIRRORED ? "retired, but the image is NOT MIRRORED" :
			       "retired");
			break;
		case -ENOENT:	/* OpenNebula deleted it (a clone, a volatile disk) */
			printf("VM %d: disk %d %s/%s: gone\n", m->vm_id, d->disk_id, d->pool, d->rbd);
			break;
		case -ENODATA:
			printf("VM %d: disk %d %s/%s: no manifest\n", m->vm_id, d->disk_id, d->pool,
			       d->rbd);
			break;
		case -ESRCH:	/* in use by another VM since */
			printf("VM %d: disk %d %s/%s: holds another VM's manifest: left alone\n",
			       m->vm_id, d->disk_id, d->pool, d->rbd);
			break;
		default:
			failed++;
			log_error(0, "VM %d: disk %d %s/%s: manifest not retired: %s", m->vm_id,
				  d->disk_id, d->pool, d->rbd, vm_export_hint(r));
		}
	}
	if (failed) {
		log_error(0, "VM %d (%s): its manifest is not retired on %zu disks: a failover may "
			  "bring it back; rerun the hook (onehook retry)", m->vm_id, m->name, failed);
		return EXIT_PARTIAL;
	}
	printf("VM %d (%s): %s\n", m->vm_id, m->name,
	       retired ? "retired" : "no surviving disk holds its manifest");
	return EXIT_OK;
}

static int hook_retire(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct manifest_error merr = { "" };
	struct hook_payload *pl = NULL;
	struct manifest_key *key = NULL;
	struct manifest *m = NULL;
	struct one_vm *vm = NULL;
	struct ceph *c = NULL;
	char msg[256];
	int r, code;

	r = hook_payload_read(argc, argv, STDIN_FILENO, &pl, msg, sizeof(msg));
	if (r < 0)
		return log_error(0, "%s", msg[0] ? msg : strerror(-r)), EXIT_USAGE;
	if (pl->kind != HOOK_VM) {
		log_error(0, "a %s payload: retire is a VM state hook (ON = DONE)",
			  hook_kind_name(pl->kind));
		hook_payload_free(pl);
		return EXIT_USAGE;
	}
	r = one_vm_parse(pl->xml, pl->len, &vm);
	hook_payload_free(pl);
	if (r < 0)
		return log_error(r, "the VM payload is not a VM document onedr can read"), EXIT_USAGE;
	if (vm->state != VM_DONE) {
		/* a live VM retired would be left behind by a failover */
		log_error(0, "VM %d (%s) is not DONE (state %d): not retired; retire is the VM "
			  "ON = DONE hook", vm->id, vm->name, vm->state);
		one_vm_free(vm);
		return EXIT_USAGE;
	}
	if (cmd_load_site_conf(ctx) < 0 || cmd_signing_key(ctx, true, &key) < 0) {
		one_vm_free(vm);
		return EXIT_USAGE;
	}
	/* the disks, named as the manifest names them */
	r = vm_export_build(vm, NULL, NULL, ctx->conf.site, (long long)time(NULL), &m, &merr);
	one_vm_free(vm);
	if (r < 0) {
		manifest_key_free(key);
		return log_error(0, "VM: %s", merr.msg[0] ? merr.msg : strerror(-r)), EXIT_USAGE;
	}
	if (cmd_connect(ctx, false, &c, NULL, NULL) < 0)
		code = EXIT_UNAVAILABLE;
	else
		code = retire_disks(ctx, c, key, m);
	ceph_close(c);
	manifest_free(m);
	manifest_key_free(key);
	return code;
}

const struct cmd_entry hook_retire_entry = {
	.name = "hook/retire",
	.usage = "[PAYLOAD]",
	.summary = "VM DONE hook: retire the VM's manifest on its surviving disks",
	.help =
	"oned runs it as <remotes>/hooks/onedr/retire (ON = DONE, ARGUMENTS =\n"
	"\"$TEMPLATE\"): the VM document is base64 on stdin (ARGUMENTS_STDIN = \"yes\"),\n"
	"or PAYLOAD in argv. It marks the VM's manifest retired on each disk that\n"
	"still exists, so that register and recreate --all on the other site leave\n"
	"the terminated VM alone. Disks already gone are fine.\n",
	.exec = hook_retire,
};

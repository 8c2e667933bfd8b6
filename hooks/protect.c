/*
 * hooks/protect.c: onedr hook/protect, run by oned as
 * <remotes>/hooks/onedr/protect with the hook's payload (base64 on stdin,
 * or in argv when ARGUMENTS_STDIN is not set).
 *
 * It protects a VM: mirroring enabled on every Ceph disk that is not
 * mirrored yet (MIRROR_MODE of onedr.conf; clones in journal mode, after
 * their parent), then the VM's manifest written into the image-meta of
 * those disks, signed with SIGNING_KEY, exactly as `onedr export` writes it
 * (with the mirror snapshot that carries it in snapshot mode).
 *
 * The VM state hook, on every return to RUNNING (first boot, hotplug,
 * resume, migration):
 *   NAME = "onedr-protect"
 *   TYPE = "state"
 *   RESOURCE = "VM"
 *   ON = "RUNNING"
 *   COMMAND = "onedr/protect"
 *   ARGUMENTS = "$TEMPLATE"
 *   ARGUMENTS_STDIN = "yes"
 *   TIMEOUT = "120"
 * works from the payload: the extended VM document has every disk's
 * SOURCE, POOL_NAME and TM_MAD. What it lacks (image TYPEs, the owner of
 * persistent images; vm-export.h) is kept from the manifest the disks
 * already hold; the name of the system datastore, when no volatile disk
 * names it, is the one XML-RPC call (one.datastorepool.info).
 *
 * One API hook per call that changes what a manifest holds (one.vm.update,
 * updateconf, attach, detach, attachnic, detachnic, resize, diskresize,
 * rename, chown), the call named after $API (oned's CALL_INFO does not name
 * it):
 *   NAME = "onedr-protect-updateconf"
 *   TYPE = "api"
 *   CALL = "one.vm.updateconf"
 *   COMMAND = "onedr/protect"
 *   ARGUMENTS = "$API one.vm.updateconf"
 *   ARGUMENTS_STDIN = "yes"
 *   TIMEOUT = "120"
 * A failed call (RESULT 0) or another call is skipped with one line. The VM
 * ID is the call's IN 2; the VM is read again with one.vm.info (the
 * payload's template text is not XML-escaped by oned), with the image and
 * datastore pools, as export reads them. A disk whose RBD does not exist
 * yet (a disk being attached: its TM action runs after the call) is left to
 * the RUNNING hook that follows.
 *
 * One stdout line per action; ERROR lines on stderr; exit 0, or 1 when a
 * disk could not be protected, 2 for a bad payload or configuration, 3 when
 * Ceph or oned cannot be reached. Rerunning it changes nothing more.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "hook-payload.h"
#include "log.h"
#include "manifest-store.h"
#include "mirror-enable.h"
#include "one-calls.h"
#include "vm-export.h"
#include "vm-protect.h"

/* The API calls after which the manifest may have changed. */
static const char *const protect_calls[] = {
	"one.vm.attach", "one.vm.attachnic", "one.vm.chown", "one.vm.detach",
	"one.vm.detachnic", "one.vm.diskresize", "one.vm.rename", "one.vm.resize",
	"one.vm.update", "one.vm.updateconf", NULL,
};

struct protect {
	struct cmd_ctx *ctx;
	bool api;		/* started by an API hook */
	struct ceph *ceph;
	struct manifest_key *key;
	size_t failed;		/* disks not protected */
	size_t later;		/* disks left to the RUNNING hook */
};

static bool known_call(const char *call)
{
	for (const char *const *c = protect_calls; *c; c++)
		if (!strcmp(*c, call))
			return true;
	return false;
}

/* One line per action on a disk: its mirroring, its manifest. */
static void report(struct protect *p, const struct manifest *m, const struct vm_protect_disk *d)
{
	const struct manifest_disk *md = d->disk;
	const struct mirror_enable_result *mr = &d->mirror;

	if (d->missing && p->api) {
		/* the TM action that creates it runs after the call */
		printf("VM %d: disk %d %s/%s: skipped: not created yet (the RUNNING hook protects "
		       "it)\n", m->vm_id, md->disk_id, md->pool, md->rbd);
		p->later++;
		return;
	}
	if (d->r < 0 && d->mirror_failed) {
		log_error(0, "VM %d: disk %d %s/%s: cannot enable mirroring: %s", m->vm_id,
			  md->disk_id, md->pool, md->rbd, d->why);
		p->failed++;
		return;
	}
	if (d->r < 0 && !d->mi.enabled && !mr->already) {
		log_error(0, "VM %d: disk %d %s/%s: %s", m->vm_id, md->disk_id, md->pool, md->rbd,
			  d->why);
		p->failed++;
		return;
	}
	if (mr->clone && !mr->parent_already && !mr->already)
		printf("VM %d: disk %d %s/%s: parent %s mirrored first%s\n", m->vm_id, md->disk_id,
		       md->pool, md->rbd, mr->parent,
		       mr->parent_snapshot ? ", mirror snapshot of it taken" : "");
	printf("VM %d: disk %d %s/%s: %s (%s)\n", m->vm_id, md->disk_id, md->pool, md->rbd,
	       mr->already ? "already mirrored" : "mirroring enabled",
	       !mr->primary ? "non-primary here" : mirror_enable_mode_name(mr->mode));
	if (d->r < 0) {
		log_error(0, "VM %d: disk %d %s/%s: manifest not written: %s", m->vm_id,
			  md->disk_id, md->pool, md->rbd, d->why);
		p->failed++;
		return;
	}
	printf("VM %d: disk %d %s/%s: manifest %s\n", m->vm_id, md->disk_id, md->pool, md->rbd,
	       vm_export_result_name(d->res));
}

/* Mirroring, then the manifest, on every Ceph disk of m. */
static int protect_vm(struct protect *p, struct manifest *m, bool keep)
{
	const struct vm_protect vp = {
		.ceph = p->ceph, .key = p->key,
		.mode = mirror_enable_conf_mode(&p->ctx->conf),
		.image_timeout = p->ctx->conf.image_timeout,
		.concurrency = p->ctx->conf.concurrency, .keep = keep,
		.write_likely = p->api,
	};
	struct vm_protect_disk *d = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < m->n_disks; i++)
		if (m->disks[i].kind == DISK_UNPROTECTED)
			printf("VM %d: disk %d skipped: %s\n", m->vm_id, m->disks[i].disk_id,
			       m->disks[i].reason);
	r = vm_protect(&vp, m, &d, &n);
	if (r == -ENODATA) {
		printf("VM %d (%s): skipped: no disk on Ceph, nothing to protect\n", m->vm_id, m->name);
		return EXIT_OK;
	}
	if (r == -ESTALE) {
		printf("VM %d (%s): skipped: its manifest is retired (the VM was terminated here): "
		       "not protected again\n", m->vm_id, m->name);
		return EXIT_OK;
	}
	if (r < 0)
		return log_error(r, "VM %d", m->vm_id), EXIT_UNAVAILABLE;
	for (size_t i = 0; i < n; i++)
		report(p, m, &d[i]);
	vm_protect_free(d, n);
	if (p->failed) {
		log_error(0, "VM %d (%s): not protected on %zu of its %zu Ceph disks", m->vm_id,
			  m->name, p->failed, n);
		return EXIT_PARTIAL;
	}
	printf("VM %d (%s): protected: %zu Ceph disks%s\n", m->vm_id, m->name, n - p->later,
	       p->later ? ", the others when they exist" : "");
	return EXIT_OK;
}

/* A VM whose disks do not exist (not deployed yet, or DONE) is skipped. */
static bool skip_state(const struct one_vm *vm)
{
	if (vm->state == VM_PENDING || vm->state == VM_HOLD || vm->state == VM_INIT) {
		printf("VM %d (%s): skipped: not deployed yet, its disks do not exist\n", vm->id,
		       vm->name);
		return true;
	}
	if (vm->state == VM_DONE) {
		printf("VM %d (%s): skipped: DONE, nothing to protect (hook/retire retires it)\n",
		       vm->id, vm->name);
		return true;
	}
	return false;
}

static int protect_connect(struct protect *p)
{
	return cmd_connect(p->ctx, false, &p->ceph, NULL, NULL) < 0 ? EXIT_UNAVAILABLE : 0;
}

/*
 * The payload names the VM's system datastore by ID only (HISTORY DS_ID),
 * and by name only through a volatile disk on it. Without one, its name is
 * asked of oned (one call): failover and recreate --deploy map it by name
 * (SYSTEM_DATASTORE_MAP). Not fatal: without it the manifest keeps the name
 * the disks' manifest already has, if any.
 */
static void sys_ds_from_oned(struct protect *p, const struct one_vm *vm, struct manifest *m)
{
	struct one_client *one = NULL;
	const struct one_obj *ds;
	struct site_objs site;

	if (m->sys_ds || vm->ds_id < 0)
		return;
	if (cmd_one_connect(p->ctx, &one) == 0 && cmd_site_load(one, SITE_DS, &site) == 0) {
		if ((ds = one_objs_by_id(&site.ds, vm->ds_id)))
			m->sys_ds = strdup(ds->name);
		cmd_site_free(&site);
	}
	one_client_free(one);
	if (!m->sys_ds)
		printf("VM %d (%s): the name of its system datastore (ID %d) is not known\n",
		       vm->id, vm->name, vm->ds_id);
}

/* The state hook: the payload alone (and oned for what sys_ds_from_oned says). */
static int from_state(struct protect *p, const struct hook_payload *pl)
{
	struct manifest_error merr = { "" };
	struct manifest *m = NULL;
	struct one_vm *vm = NULL;
	int r, code;

	r = one_vm_parse(pl->xml, pl->len, &vm);
	if (r < 0)
		return log_error(r, "the VM payload is not a VM document onedr can read"), EXIT_USAGE;
	if (skip_state(vm)) {
		one_vm_free(vm);
		return EXIT_OK;
	}
	r = vm_export_build(vm, NULL, NULL, p->ctx->conf.site, (long long)time(NULL), &m, &merr);
	if (r < 0) {
		one_vm_free(vm);
		return log_error(0, "VM: %s", merr.msg[0] ? merr.msg : strerror(-r)), EXIT_USAGE;
	}
	/* what the payload lacks is kept from the manifest already there */
	code = protect_connect(p);
	if (code == 0) {
		sys_ds_from_oned(p, vm, m);
		code = protect_vm(p, m, true);
	}
	one_vm_free(vm);
	manifest_free(m);
	return code;
}

/* An API hook: the VM read again from oned. */
static int from_call(struct protect *p, const struct hook_payload *pl)
{
	const char *call = pl->nwords ? pl->words[0] : NULL;
	struct manifest_error merr = { "" };
	struct one_error err = { 0, "" };
	struct one_client *one = NULL;
	struct site_objs site;
	struct manifest *m = NULL;
	struct one_vm *vm = NULL;
	char *xml = NULL;
	int id, r, code;

	if (!pl->call_ok) {
		printf("skipped: %s failed (RESULT 0), nothing changed\n", call ? call : "the call");
		return EXIT_OK;
	}
	if (call && !known_call(call)) {
		printf("skipped: %s does not change what a manifest holds\n", call);
		return EXIT_OK;
	}
	r = hook_param_id(pl, 2, &id);
	if (r < 0)
		return log_error(0, "the call's parameter 2 is not a VM ID: hook protect on the VM "
				 "calls that change a manifest, with ARGUMENTS = \"$API CALL\""),
		       EXIT_USAGE;
	if (cmd_one_connect(p->ctx, &one) < 0)
		return EXIT_UNAVAILABLE;
	r = one_vm_info(one, id, &xml, &err);
	if (r == -ENOENT) {
		printf("VM %d: skipped: no longer exists\n", id);
		one_client_free(one);
		return EXIT_OK;
	}
	if (r < 0) {
		one_client_free(one);
		return log_error(0, "VM %d: OpenNebula: %s", id, err.msg[0] ? err.msg : strerror(-r)),
		       EXIT_UNAVAILABLE;
	}
	r = one_vm_parse(xml, strlen(xml), &vm);
	free(xml);
	if (r < 0) {
		one_client_free(one);
		return log_error(r, "VM %d: oned returned a VM document onedr cannot read", id),
		       EXIT_UNAVAILABLE;
	}
	if (skip_state(vm)) {
		one_vm_free(vm);
		one_client_free(one);
		return EXIT_OK;
	}
	if (cmd_site_load(one, SITE_DS | SITE_IMAGES, &site) < 0) {
		one_vm_free(vm);
		one_client_free(one);
		return EXIT_UNAVAILABLE;
	}
	one_client_free(one);
	r = vm_export_build(vm, &site.images, &site.ds, p->ctx->conf.site, (long long)time(NULL),
			    &m, &merr);
	cmd_site_free(&site);
	one_vm_free(vm);
	if (r < 0)
		return log_error(0, "VM %d: %s", id, merr.msg[0] ? merr.msg : strerror(-r)), EXIT_USAGE;
	code = protect_connect(p);
	if (code == 0)
		code = protect_vm(p, m, false);
	manifest_free(m);
	return code;
}

static int hook_protect(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct protect p = { .ctx = ctx };
	struct hook_payload *pl = NULL;
	char msg[256];
	int r, code;

	r = hook_payload_read(argc, argv, STDIN_FILENO, &pl, msg, sizeof(msg));
	if (r < 0)
		return log_error(0, "%s", msg[0] ? msg : strerror(-r)), EXIT_USAGE;
	if (pl->kind != HOOK_VM && pl->kind != HOOK_CALL) {
		log_error(0, "a %s payload: protect is a VM state hook (ON = RUNNING) or an API hook "
			  "on the VM calls", hook_kind_name(pl->kind));
		hook_payload_free(pl);
		return EXIT_USAGE;
	}
	if (cmd_load_site_conf(ctx) < 0 || cmd_signing_key(ctx, true, &p.key) < 0) {
		hook_payload_free(pl);
		return EXIT_USAGE;
	}
	p.api = pl->kind == HOOK_CALL;
	code = p.api ? from_call(&p, pl) : from_state(&p, pl);
	hook_payload_free(pl);
	ceph_close(p.ceph);
	manifest_key_free(p.key);
	return code;
}

const struct cmd_entry hook_protect_entry = {
	.name = "hook/protect",
	.usage = "[PAYLOAD [CALL]]",
	.summary = "VM RUNNING and VM API hooks: mirror every Ceph disk, write the manifest",
	.help =
	"oned runs it as <remotes>/hooks/onedr/protect: the hook's payload is\n"
	"base64 on stdin (ARGUMENTS_STDIN = \"yes\"), or PAYLOAD in argv.\n"
	"On a VM state hook (ON = RUNNING, ARGUMENTS = \"$TEMPLATE\") it works from\n"
	"the payload alone; on an API hook (ARGUMENTS = \"$API CALL\", CALL being\n"
	"one.vm.update, updateconf, attach, detach, attachnic, detachnic, resize,\n"
	"diskresize, rename or chown) it reads the VM again from oned, and skips\n"
	"failed calls and other calls. It enables mirroring on every Ceph disk not\n"
	"mirrored yet (MIRROR_MODE; clones in journal mode after their parent),\n"
	"then writes the VM's manifest on them, signed with SIGNING_KEY, as\n"
	"'onedr export' does. Disks not on Ceph are skipped with a line.\n",
	.exec = hook_protect,
};

/*
 * cmd-export.c: onedr export [--print] (VM_ID... | --all)
 *
 * On the site where the VMs run: read each VM from oned, build its manifest
 * (portable template and one image template per Ceph disk) and write it
 * into the image-meta of every Ceph disk of the VM, so that any surviving
 * disk is enough for the other site to rebuild it. A manifest is rewritten
 * only when it changed; a snapshot-mode disk then gets a mirror snapshot,
 * without which its metadata would not travel. Disks that are not on Ceph
 * are reported as unprotected.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "manifest-store.h"
#include "one-calls.h"
#include "vm-export.h"

struct export_stats {
	size_t vms, failed, skipped, unprotected_vms, written, unchanged, retired;
};

static int parse_id(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* One line per disk, as soon as it is written. */
static void report_disk(void *arg, const struct manifest *m, const struct vm_export_disk *d)
{
	struct export_stats *st = arg;

	if (d->r < 0) {
		printf("VM %d: disk %d %s/%s: failed: %s\n", m->vm_id, d->disk->disk_id,
		       d->disk->pool, d->disk->rbd, d->why);
		return;
	}
	if (d->res == STORE_UNCHANGED || d->res == STORE_SNAPSHOT_RETAKEN)
		st->unchanged++;
	else
		st->written++;
	printf("VM %d: disk %d %s/%s: manifest %s\n", m->vm_id, d->disk->disk_id, d->disk->pool,
	       d->disk->rbd, vm_export_result_name(d->res));
}

/* Write m to its disks; one line per disk. */
static int write_manifest(struct cmd_ctx *ctx, struct ceph *c, const struct manifest_key *key,
			  const struct manifest *m, struct export_stats *st)
{
	size_t failed = 0;
	int r = vm_export_write(c, m, key, ctx->conf.image_timeout, NULL, report_disk, st, &failed);

	if (r == -ENODATA) {
		printf("VM %d (%s): failed: no disk on Ceph, nothing can carry its manifest\n",
		       m->vm_id, m->name);
		return r;
	}
	return failed ? -EIO : r;
}

static int export_vm(struct cmd_ctx *ctx, struct ceph *c, const struct manifest_key *key,
		     const struct one_objs *images, const struct one_objs *dss, struct one_vm *vm,
		     bool print, struct export_stats *st)
{
	struct manifest_error merr = { "" };
	struct manifest *m = NULL;
	size_t unprotected = 0;
	int r;

	/* OpenNebula's Ceph drivers make the clones and volatile disks when the
	 * VM is first deployed: before that there is nothing to protect */
	if (vm->state == VM_PENDING || vm->state == VM_HOLD || vm->state == VM_INIT) {
		printf("VM %d (%s): skipped: not deployed yet, its disks do not exist\n", vm->id,
		       vm->name);
		st->skipped++;
		return 0;
	}
	r = vm_export_build(vm, images, dss, ctx->conf.site, (long long)time(NULL), &m, &merr);
	if (r < 0) {
		printf("VM %d (%s): failed: %s\n", vm->id, vm->name,
		       merr.msg[0] ? merr.msg : strerror(-r));
		return r;
	}
	for (size_t i = 0; i < m->n_disks; i++)
		if (m->disks[i].kind == DISK_UNPROTECTED) {
			unprotected++;
			printf("VM %d (%s): disk %d UNPROTECTED: %s\n", vm->id, vm->name,
			       m->disks[i].disk_id, m->disks[i].reason);
		}
	if (unprotected)
		st->unprotected_vms++;
	if (print) {
		char *text = NULL;

		r = manifest_to_text(m, &text);
		if (r == 0)
			fputs(text, stdout);
		else
			log_error(r, "VM %d", vm->id);
		free(text);
	} else {
		r = write_manifest(ctx, c, key, m, st);
	}
	manifest_free(m);
	return r;
}

/* Whether oned says VM id is gone: no such VM, or DONE. Anything else
 * (a VM the session may not see, oned unreachable) keeps it. */
static bool vm_gone(struct one_client *one, int id)
{
	struct one_error err = { 0, "" };
	struct one_vm *vm = NULL;
	char *xml = NULL;
	bool gone;
	int r = one_vm_info(one, id, &xml, &err);

	if (r == -ENOENT)
		return true;
	gone = r == 0 && one_vm_parse(xml, strlen(xml), &vm) == 0 && vm->state == VM_DONE;
	one_vm_free(vm);
	free(xml);
	return gone;
}

static bool in_vms(const struct one_vms *vms, int id)
{
	for (size_t i = 0; i < vms->n; i++)
		if (vms->v[i]->id == id)
			return true;
	return false;
}

/*
 * --all: the manifests in the pool of VMs of this site that no longer exist
 * in oned are marked retired on every image of the pool that carries them,
 * so that the other site's register and recreate --all leave them alone.
 */
static int retire_gone(struct cmd_ctx *ctx, struct ceph *c, const struct manifest_key *key,
		       struct one_client *one, const struct one_vms *vms, const char *site,
		       struct export_stats *st)
{
	struct store_scan s = { 0 };
	rados_ioctx_t io;
	long long now = (long long)time(NULL);
	int r, bad = 0;

	r = cmd_scan_manifests(ctx, c, ctx->conf.pool, key, &s);
	if (r < 0)
		return r;
	r = ceph_pool(c, ctx->conf.pool, &io);
	for (size_t i = 0; r == 0 && i < s.nvms; i++) {
		const struct manifest *m = s.vms[i].m;
		size_t done = 0;

		if (strcmp(m->site, site) || m->auth != MANIFEST_VERIFIED || m->retired ||
		    in_vms(vms, m->vm_id) || !vm_gone(one, m->vm_id))
			continue;
		for (size_t k = 0; k < s.ncopies; k++) {
			const struct store_copy *cp = &s.copies[k];
			struct timespec dl = deadline_after(ctx->conf.image_timeout);
			enum store_result res;
			int q;

			if (cp->r < 0 || cp->m->vm_id != m->vm_id || strcmp(cp->m->site, site))
				continue;
			q = store_retire(io, cp->image, site, m->vm_id, key, now, &dl, &res);
			if (q < 0) {
				printf("VM %d (%s): %s/%s: failed to retire its manifest: %s\n", m->vm_id,
				       m->name, ctx->conf.pool, cp->image, vm_export_hint(q));
				bad++;
				continue;
			}
			done++;
			printf("VM %d (%s): %s/%s: manifest retired%s\n", m->vm_id, m->name,
			       ctx->conf.pool, cp->image,
			       res == STORE_WRITTEN_SNAPSHOT ? ", mirror snapshot taken" : "");
		}
		if (done) {
			printf("VM %d (%s): retired: it no longer exists in oned\n", m->vm_id, m->name);
			st->retired++;
		}
	}
	store_scan_free(&s);
	return r < 0 ? log_error(r, "pool '%s'", ctx->conf.pool) : bad ? -EIO : 0;
}

static int load_vm(struct one_client *one, int id, struct one_vm **ret)
{
	struct one_error err = { 0, "" };
	char *xml = NULL;
	int r = one_vm_info(one, id, &xml, &err);

	if (r < 0) {
		printf("VM %d: failed: %s\n", id, err.msg);
		return r;
	}
	r = one_vm_parse(xml, strlen(xml), ret);
	free(xml);
	if (r < 0)
		printf("VM %d: failed: oned returned a VM document onedr cannot read\n", id);
	return r;
}

static int cmd_export(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct one_client *one = NULL;
	struct ceph *c = NULL;
	struct one_objs images = { 0, NULL }, dss = { 0, NULL };
	struct one_vms all_vms = { 0, NULL };
	struct export_stats st = { 0 };
	struct one_error err = { 0, "" };
	struct manifest_key *key = NULL;
	bool all = false, print = false;
	int r, *ids = NULL;
	char *xml = NULL;
	size_t n = 0;

	all = args_has(&ctx->args, "all");
	print = args_has(&ctx->args, "print");
	if (all == (argc > 0)) {
		log_error(0, "name VMs by ID, or --all, not both");
		cmd_usage(&cmd_export_entry, false);
		return EXIT_USAGE;
	}
	ids = calloc((size_t)argc + 1, sizeof(*ids));
	if (!ids)
		return log_error(-ENOMEM, "export"), EXIT_UNAVAILABLE;
	for (int i = 0; i < argc; i++)
		if (parse_id(argv[i], &ids[i]) < 0) {
			log_error(0, "'%s' is not a VM ID", argv[i]);
			free(ids);
			return EXIT_USAGE;
		}
	if (cmd_load_site_conf(ctx) < 0 || (!print && cmd_signing_key(ctx, true, &key) < 0)) {
		free(ids);
		return EXIT_USAGE;
	}
	if (cmd_one_connect(ctx, &one) < 0) {
		free(ids);
		manifest_key_free(key);
		return EXIT_UNAVAILABLE;
	}
	/* the VMs' images, for their names, types and owners */
	r = one_imagepool_info(one, -2, &xml, &err);
	if (r == 0) {
		r = one_pool_parse(xml, strlen(xml), "IMAGE_POOL", "IMAGE", &images);
		if (r < 0)
			snprintf(err.msg, sizeof(err.msg), "one.imagepool.info: a document onedr cannot read");
	}
	free(xml);
	xml = NULL;
	/* the datastores, for the name of each VM's system datastore */
	if (r == 0) {
		r = one_datastorepool_info(one, &xml, &err);
		if (r == 0 && (r = one_pool_parse(xml, strlen(xml), "DATASTORE_POOL", "DATASTORE", &dss)) < 0)
			snprintf(err.msg, sizeof(err.msg), "one.datastorepool.info: a document onedr cannot read");
		free(xml);
		xml = NULL;
	}
	if (r == 0 && all) {
		/* every VM but DONE ones, full documents */
		r = one_vmpool_info(one, true, -2, -1, -1, -1, &xml, &err);
		if (r == 0 && (r = one_vmpool_parse(xml, strlen(xml), &all_vms)) < 0)
			snprintf(err.msg, sizeof(err.msg), "one.vmpool.infoextended: a document onedr cannot read");
		free(xml);
	}
	if (r < 0) {
		log_error(0, "OpenNebula: %s", err.msg);
		r = EXIT_UNAVAILABLE;
		goto out;
	}
	if (!print && cmd_connect(ctx, false, &c, NULL, NULL) < 0) {
		r = EXIT_UNAVAILABLE;
		goto out;
	}
	n = all ? all_vms.n : (size_t)argc;
	for (size_t i = 0; i < n; i++) {
		struct one_vm *vm = NULL;

		if (all) {
			vm = all_vms.v[i];
		} else if (load_vm(one, ids[i], &vm) < 0) {
			st.vms++;
			st.failed++;
			continue;
		}
		st.vms++;
		r = export_vm(ctx, c, key, &images, &dss, vm, print, &st);
		if (r < 0)
			st.failed++;
		if (!all)
			one_vm_free(vm);
	}
	if (all && !print && retire_gone(ctx, c, key, one, &all_vms,
					 ctx->conf.site ? ctx->conf.site : "unnamed-site", &st) < 0)
		st.failed++;
	if (!print)
		printf("export: %zu VMs: %zu failed, %zu skipped, %zu with unprotected disks; manifests %zu written, %zu unchanged%s",
		       st.vms, st.failed, st.skipped, st.unprotected_vms, st.written, st.unchanged,
		       all ? "" : "\n");
	if (all && !print)
		printf("; %zu gone VMs retired\n", st.retired);
	r = st.failed ? EXIT_PARTIAL : EXIT_OK;
out:
	one_vms_free(&all_vms);
	one_objs_free(&images);
	one_objs_free(&dss);
	one_client_free(one);
	ceph_close(c);
	manifest_key_free(key);
	free(ids);
	return r;
}

const struct cmd_entry cmd_export_entry = {
	.name = "export",
	.usage = "[--print] (VM_ID... | --all)",
	.summary = "write each VM's manifest into the image-meta of its Ceph disks",
	.help =
	"Run it on the site where the VMs run. For each VM, onedr reads it from\n"
	"oned, builds its manifest (the VM template without what oned generated,\n"
	"and one image template per Ceph disk) and writes it under the image-meta\n"
	"key " MANIFEST_META_KEY " of every Ceph disk of the VM. rbd-mirror carries it\n"
	"to the other site, where 'onedr register' and 'onedr recreate' use it.\n"
	"Manifests are signed with SIGNING_KEY (onedr.conf), which export needs.\n"
	"A manifest is rewritten only when it changed. After writing to a disk\n"
	"mirrored in snapshot mode, onedr takes a mirror snapshot of it: its\n"
	"metadata would not travel before the next one (a rerun takes it when\n"
	"the last write stopped before it).\n"
	"--all also retires the manifests in the pool of this site's VMs that\n"
	"no longer exist in oned: the other site's register and recreate --all\n"
	"skip them.\n"
	"Disks that are not on Ceph cannot carry the manifest and are reported as\n"
	"UNPROTECTED.\n",
	.options = (const struct arg_spec[]) {
		{ "all", 0, ARG_FLAG, NULL, 0,
		  "every VM of this site that is not DONE; retire the gone ones" },
		{ "print", 0, ARG_FLAG, NULL, 0, "show the manifests as template text; write nothing" },
		CMD_OPT_END
	},
	.exec = cmd_export,
};

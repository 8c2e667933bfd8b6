/* test-vm-export.c: the manifest the protect hook builds from a state hook's
 * payload alone (no XML-RPC call) against the one export builds with the
 * image and datastore pools, on real oned 7.0.2 documents: what the payload
 * lacks, and that keeping it from the stored manifest makes them the same. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "one-doc.h"
#include "vm-export.h"
#include "tap.h"

static char *slurp(const char *rel, size_t *len)
{
	return tap_fixture("opennebula-7.0-ceph", rel, len);
}

static struct one_vm *payload_vm(const char *name)
{
	char rel[256];
	struct one_vm *vm = NULL;
	size_t len;
	char *xml;

	snprintf(rel, sizeof(rel), "hooks/%s.decoded.xml", name);
	xml = slurp(rel, &len);
	if (one_vm_parse(xml, len, &vm) < 0) {
		printf("Bail out! %s does not parse\n", rel);
		exit(1);
	}
	free(xml);
	return vm;
}

static struct one_objs images, dss;

static void load_pools(void)
{
	size_t len, l100, l101;
	char *xml = slurp("xmlrpc/imagepool.info.xml", &len);
	char *d100 = slurp("xmlrpc/datastore.info.100.xml", &l100);
	char *d101 = slurp("xmlrpc/datastore.info.101.xml", &l101);
	char *pool;

	if (one_pool_parse(xml, len, "IMAGE_POOL", "IMAGE", &images) < 0)
		exit(1);
	if (asprintf(&pool, "<DATASTORE_POOL>%s%s</DATASTORE_POOL>", d100, d101) < 0 ||
	    one_pool_parse(pool, strlen(pool), "DATASTORE_POOL", "DATASTORE", &dss) < 0) {
		printf("Bail out! datastore pool\n");
		exit(1);
	}
	free(xml);
	free(d100);
	free(d101);
	free(pool);
}

static const struct manifest_disk *disk(const struct manifest *m, int id)
{
	for (size_t i = 0; i < m->n_disks; i++)
		if (m->disks[i].disk_id == id)
			return &m->disks[i];
	return NULL;
}

static void test_vm0(void)
{
	struct one_vm *vm = payload_vm("state-vm-running.ceph-vm-0.first-boot");
	struct manifest *alone = NULL, *full = NULL, *other = NULL;
	struct manifest_error err = { "" };

	ok(vm_export_build(vm, NULL, NULL, "site-a", 100, &alone, &err) == 0,
	   "the payload alone builds a manifest (%s)", err.msg);
	ok(vm_export_build(vm, &images, &dss, "site-a", 200, &full, &err) == 0,
	   "the payload with the pools builds one, as export does");
	is_str(alone->sys_ds, "ceph-sys", "the system datastore's name comes from the volatile disk on it");
	is_str(full->sys_ds, "ceph-sys", "and from the datastore pool");
	/* what the payload lacks: image 1 is an OS image at disk 1 */
	is_str(tmpl_get(disk(full, 1)->image, "TYPE"), "OS", "export: image 1 is an OS image");
	is_str(tmpl_get(disk(alone, 1)->image, "TYPE"), "DATABLOCK",
	       "the payload alone: a guess (DATABLOCK for disk 1)");
	ok(!manifest_same(alone, full), "so the two differ before keeping");
	ok(vm_export_keep(alone, full) == 0, "keep what the stored manifest says");
	ok(manifest_same(alone, full), "then the hook's manifest is export's (its time aside)");

	/* a stored manifest of another disk is not taken for this one */
	manifest_free(alone);
	alone = NULL;
	ok(vm_export_build(vm, NULL, NULL, "site-a", 100, &alone, &err) == 0 &&
	   vm_export_build(vm, &images, &dss, "site-a", 200, &other, &err) == 0, "built again");
	free(other->disks[1].rbd);
	other->disks[1].rbd = strdup("one-9-0-1");
	ok(vm_export_keep(alone, other) == 0 && !strcmp(tmpl_get(disk(alone, 1)->image, "TYPE"), "DATABLOCK"),
	   "a stored disk on another RBD lends nothing");
	manifest_free(other);
	manifest_free(alone);
	manifest_free(full);
	one_vm_free(vm);
}

static void test_vm1(void)
{
	struct one_vm *vm = payload_vm("state-vm-running.ceph-vm-1.first-boot");
	struct manifest *alone = NULL, *full = NULL;
	struct manifest_error err = { "" };

	ok(vm_export_build(vm, NULL, NULL, "site-a", 100, &alone, &err) == 0 &&
	   vm_export_build(vm, &images, &dss, "site-a", 100, &full, &err) == 0, "VM 1 builds");
	ok(!alone->sys_ds, "no disk on the system datastore: the payload does not name it");
	is_str(full->sys_ds, "ceph-sys", "the datastore pool does");
	ok(vm_export_keep(alone, full) == 0 && manifest_same(alone, full),
	   "kept from the stored manifest, the two are the same");
	manifest_free(alone);
	manifest_free(full);
	one_vm_free(vm);
}

/* every VM payload of both sets builds, alone */
static void test_all_payloads(void)
{
	static const char *const names[] = {
		"state-vm-running.ceph-vm-0.after-attach-nic", "state-vm-running.ceph-vm-0.after-detach-nic",
		"state-vm-running.ceph-vm-0.after-disk-saveas", "state-vm-running.ceph-vm-0.after-hot-attach-disk",
		"state-vm-running.ceph-vm-0.after-hot-detach-disk", "state-vm-running.ceph-vm-0.after-resume",
		"state-vm-running.ceph-vm-1.after-live-migrate", "state-vm-done.ceph-vm-0-renamed",
		"state-vm-done.ceph-vm-1", NULL,
	};

	for (const char *const *n = names; *n; n++) {
		struct one_vm *vm = payload_vm(*n);
		struct manifest *m = NULL;
		struct manifest_error err = { "" };
		size_t ceph = 0;

		ok(vm_export_build(vm, NULL, NULL, "site-a", 1, &m, &err) == 0, "%s builds (%s)", *n, err.msg);
		for (size_t i = 0; m && i < m->n_disks; i++)
			ceph += m->disks[i].kind != DISK_UNPROTECTED;
		ok(m && ceph == m->n_disks && ceph > 0, "%s: every disk on Ceph (%zu)", *n, ceph);
		manifest_free(m);
		one_vm_free(vm);
	}
}

int main(void)
{
	load_pools();
	test_vm0();
	test_vm1();
	test_all_payloads();
	one_objs_free(&images);
	one_objs_free(&dss);
	return tap_done();
}

/*
 * manifest-build.c: a VM's manifest from its XML document: what oned
 * generates (and the portable template drops), and how each DISK becomes an
 * RBD and an image template; see manifest-build.h.
 */
#include "config.h"

#include "manifest-build.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

/* ---- what oned generates, and what the portable template drops ---- */

/* Top-level attributes oned writes into a VM's TEMPLATE. */
static const char *const gen_top[] = {
	"VMID", "TEMPLATE_ID", "AUTOMATIC_REQUIREMENTS", "AUTOMATIC_DS_REQUIREMENTS",
	"AUTOMATIC_NIC_REQUIREMENTS", "SECURITY_GROUP_RULE", "TM_MAD_SYSTEM",
	"SNAPSHOT", "NUMA_NODE", "ERROR", "DEPLOY_ID", "SUBMIT_ON_HOLD", NULL
};

/* DISK: what comes from the image, its datastore (INHERIT_DATASTORE_ATTR),
 * or the placement. The image template for Site B carries what matters. */
static const char *const gen_disk[] = {
	"IMAGE", "IMAGE_ID", "IMAGE_UID", "IMAGE_UNAME", "IMAGE_STATE", "SOURCE",
	"ORIGINAL_SIZE", "SIZE", "SIZE_PREV", "FORMAT", "TYPE", "CLONE", "SAVE",
	"PERSISTENT", "READONLY", "DATASTORE", "DATASTORE_ID", "TM_MAD",
	"TM_MAD_SYSTEM", "CLUSTER_ID", "CLONE_TARGET", "LN_TARGET",
	"CLONE_TARGET_SSH", "LN_TARGET_SSH", "CLONE_TARGET_SHARED",
	"LN_TARGET_SHARED", "DISK_SNAPSHOT_TOTAL_SIZE", "DISK_ID",
	"CEPH_HOST", "CEPH_SECRET", "CEPH_KEY", "CEPH_USER", "CEPH_CONF",
	"CEPH_TRASH", "POOL_NAME", "EC_POOL_NAME", "RBD_FORMAT", "ISCSI_USER",
	"ISCSI_USAGE", "ISCSI_HOST", "ISCSI_IQN", "GLUSTER_HOST",
	"GLUSTER_VOLUME", "DISK_TYPE", "ALLOW_ORPHANS", "QCOW2_STANDALONE",
	"SPARSE", "LVM_THIN_ENABLE", "PERSISTENT_SNAPSHOTS", "LUKS_SECRET",
	"SERIAL", "HOTPLUG_SAVE_AS", "HOTPLUG_SAVE_AS_ACTIVE",
	"HOTPLUG_SAVE_AS_SOURCE", "ATTACH", NULL
};

/* NIC and NIC_ALIAS: the lease, the network's attributes
 * (INHERIT_VNET_ATTR) and the placement. IP, MAC and IP6 stay: whether
 * Site B keeps them is the network mapping's choice. */
static const char *const gen_nic[] = {
	"AR_ID", "BRIDGE", "BRIDGE_TYPE", "CLUSTER_ID", "NETWORK_ID", "NIC_ID",
	"SECURITY_GROUPS", "TARGET", "VN_MAD", "VLAN_ID", "OUTER_VLAN_ID",
	"PHYDEV", "AUTOMATIC_VLAN_ID", "AUTOMATIC_OUTER_VLAN_ID", "IP6_GLOBAL",
	"IP6_ULA", "IP6_LINK", "IP6_PREFIX_LENGTH", "NETWORK_MASK",
	"PARENT_ID", "ALIAS_ID", "ALIAS_IDS", "ATTACH", "VROUTER_ID",
	"VLAN_TAGGED_ID", "FILTER", "FILTER_IP_SPOOFING", "FILTER_MAC_SPOOFING",
	"MTU", "METRIC", "IP6_METRIC", "METHOD", "IP6_METHOD", "INBOUND_AVG_BW",
	"INBOUND_PEAK_BW", "INBOUND_PEAK_KB", "OUTBOUND_AVG_BW",
	"OUTBOUND_PEAK_BW", "OUTBOUND_PEAK_KB", "CONF", "BRIDGE_CONF",
	"OVS_BRIDGE_CONF", "IP_LINK_CONF", "EXTERNAL_IP", "AWS_ALLOCATION_ID",
	"VULTR_IP_ID", "GATEWAY", "GATEWAY6", "DNS", "SEARCH_DOMAIN",
	"VXLAN_MODE", "VXLAN_TEP", "VXLAN_MC", "CVLANS", "QINQ_TYPE", "TRUST",
	"SPOOFCHK", NULL
};

static const char *const gen_graphics[] = { "PORT", NULL };
static const char *const gen_context[] = { "DISK_ID", "TARGET", NULL };
static const char *const gen_pci[] = {
	"PCI_ID", "ADDRESS", "BUS", "SLOT", "FUNCTION", "DOMAIN", "NUMA_NODE",
	"VM_ADDRESS", "VM_BUS", "VM_SLOT", "VM_FUNCTION", "VM_DOMAIN", NULL
};
static const char *const gen_user[] = {
	"ERROR", "SCHED_MESSAGE", "ONEDR_SOURCE_SITE", "ONEDR_SOURCE_VM", NULL
};

/* ETH0_IP, ETH1_ALIAS0_MAC...: what oned adds to CONTEXT for NETWORK=YES */
static bool is_eth_context(const char *name)
{
	const char *p = name;

	if (strncmp(p, "ETH", 3) != 0)
		return false;
	p += 3;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '_';
}

/* Remove the members of vec that pred or list select. */
static int strip_members(struct tmpl_attr *vec, const char *const *list,
			 bool (*pred)(const char *))
{
	for (;;) {
		const struct tmpl_attr *m;
		char *name;

		for (m = vec->sub; m; m = m->next)
			if ((list && manifest_name_in(m->name, list)) || (pred && pred(m->name)))
				break;
		if (!m)
			return 0;
		name = strdup(m->name);
		if (!name)
			return -ENOMEM;
		tmpl_attr_remove(vec, name);
		free(name);
	}
}

static bool is_yes(const char *v)
{
	return v && strcasecmp(v, "YES") == 0;
}

int manifest_strip_template(struct tmpl *t)
{
	int r = 0;

	for (const char *const *n = gen_top; *n; n++)
		tmpl_remove(t, *n);
	for (struct tmpl_attr *a = t->head; a && r == 0; a = a->next) {
		if (a->value)
			continue;
		if (strcmp(a->name, "DISK") == 0) {
			r = strip_members(a, gen_disk, NULL);
		} else if (strcmp(a->name, "NIC") == 0 || strcmp(a->name, "NIC_ALIAS") == 0) {
			const char *id = tmpl_attr_get(a, "NIC_ID");
			const char *nm = tmpl_attr_get(a, "NAME");
			char gen[32];

			/* NAME="NIC0" is oned's default name for NIC 0 */
			snprintf(gen, sizeof(gen), "NIC%s", id ? id : "");
			if (id && nm && strcmp(nm, gen) == 0)
				tmpl_attr_remove(a, "NAME");
			r = strip_members(a, gen_nic, NULL);
		} else if (strcmp(a->name, "GRAPHICS") == 0) {
			r = strip_members(a, gen_graphics, NULL);
		} else if (strcmp(a->name, "CONTEXT") == 0) {
			r = strip_members(a, gen_context,
					  is_yes(tmpl_attr_get(a, "NETWORK")) ? is_eth_context : NULL);
		} else if (strcmp(a->name, "PCI") == 0) {
			r = strip_members(a, gen_pci, NULL);
		}
	}
	return r;
}

int manifest_strip_user_template(struct tmpl *t)
{
	for (const char *const *n = gen_user; *n; n++)
		tmpl_remove(t, *n);
	return 0;
}

/* ---- building ---- */

static const char *const image_types[] = {
	"OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT", NULL
};

static int parse_int(const char *s, int *ret)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* pool/name; the name has no '/' and neither part is empty */
static int split_source(const char *src, char **pool, char **rbd)
{
	const char *slash = src ? strchr(src, '/') : NULL;

	if (!slash || slash == src || !slash[1] || strchr(slash + 1, '/'))
		return -EINVAL;
	*pool = strndup(src, (size_t)(slash - src));
	*rbd = strdup(slash + 1);
	if (!*pool || !*rbd)
		return -ENOMEM;
	return 0;
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* oned's NAME limit is 128 bytes; cut at a UTF-8 character boundary */
static void cut_name(char *s)
{
	size_t n = strlen(s);

	if (n <= 128)
		return;
	n = 128;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	s[n] = '\0';
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int image_template(const struct one_vm *vm, const struct tmpl_attr *disk,
			  const struct one_obj *img, struct manifest_disk *d)
{
	const char *v;
	char *name = NULL, *src = NULL, *desc = NULL;
	const char *type = "DATABLOCK";
	int r = -ENOMEM;

	if (d->kind == DISK_VOLATILE) {
		name = str_printf("%s-vm%d-disk%d", vm->name, vm->id, d->disk_id);
	} else {
		const char *iname = img ? img->name : tmpl_attr_get(disk, "IMAGE");

		if (!iname)
			iname = "image";
		if (d->kind == DISK_CLONE)
			name = str_printf("%s-vm%d-disk%d", iname, vm->id, d->disk_id);
		else
			name = strdup(iname);
		if (img && img->type >= 0 && img->type <= 5)
			type = image_types[img->type];
		else if (is_yes(tmpl_attr_get(disk, "READONLY")))
			type = "CDROM";
		else
			type = d->disk_id == 0 ? "OS" : "DATABLOCK";
	}
	src = str_printf("%s/%s", d->pool, d->rbd);
	desc = str_printf("onedr: disk %d of VM %d (%s), %s disk", d->disk_id, vm->id,
			  vm->name, disk_kind_name(d->kind));
	d->image = tmpl_new();
	if (!name || !src || !desc || !d->image)
		goto out;
	cut_name(name);
	if ((r = tmpl_add(d->image, "NAME", name)) < 0 ||
	    (r = tmpl_add(d->image, "TYPE", type)) < 0 ||
	    (r = tmpl_add(d->image, "PERSISTENT", "YES")) < 0 ||
	    (r = tmpl_add(d->image, "SOURCE", src)) < 0 ||
	    (r = tmpl_add(d->image, "FORMAT",
			  (v = tmpl_attr_get(disk, "FORMAT")) && *v ? v : "raw")) < 0)
		goto out;
	v = tmpl_attr_get(disk, "SIZE");
	if (!v && img && img->size_mb >= 0) {
		char sz[32];

		snprintf(sz, sizeof(sz), "%lld", img->size_mb);
		r = tmpl_add(d->image, "SIZE", sz);
	} else if (v) {
		r = tmpl_add(d->image, "SIZE", v);
	} else {
		r = -EINVAL;
	}
	if (r < 0)
		goto out;
	if ((v = tmpl_attr_get(disk, "DEV_PREFIX")) && (r = tmpl_add(d->image, "DEV_PREFIX", v)) < 0)
		goto out;
	for (const char *const *n = (const char *const[]){ "LUKS_SECRET", "SERIAL", NULL }; *n; n++)
		if ((v = tmpl_attr_get(disk, *n)) && (r = tmpl_add(d->image, *n, v)) < 0)
			goto out;
	r = tmpl_add(d->image, "DESCRIPTION", desc);
out:
	free(name);
	free(src);
	free(desc);
	return r;
}

static int classify(const struct one_vm *vm, const struct tmpl_attr *disk,
		    const struct one_objs *images, struct manifest_disk *d,
		    struct manifest_error *err)
{
	const char *tm = tmpl_attr_get(disk, "TM_MAD");
	const char *sys_tm = tmpl_get(vm->tmpl, "TM_MAD_SYSTEM");
	const char *id = tmpl_attr_get(disk, "IMAGE_ID");
	const struct one_obj *img = NULL;
	int r;

	d->image_id = -1;
	d->datastore_id = -1;
	if (parse_int(tmpl_attr_get(disk, "DISK_ID"), &d->disk_id) < 0 || d->disk_id < 0)
		return manifest_fail(err, -EINVAL, "a DISK has no valid DISK_ID");
	if (id && (parse_int(id, &d->image_id) < 0 || d->image_id < 0))
		return manifest_fail(err, -EINVAL, "DISK %d: IMAGE_ID '%s' is not an ID", d->disk_id, id);
	if (parse_int(tmpl_attr_get(disk, "DATASTORE_ID"), &d->datastore_id) < 0)
		d->datastore_id = -1;
	if ((r = dup_or_null(tmpl_attr_get(disk, "DATASTORE"), &d->datastore)) < 0)
		return r;
	if (images && d->image_id >= 0)
		img = one_objs_by_id(images, d->image_id);
	/* a persistent image keeps its owner; a clone or a volatile disk
	 * belongs to the VM alone, and goes to the VM's owner */
	if (!is_yes(tmpl_attr_get(disk, "CLONE")) && d->image_id >= 0 &&
	    ((r = dup_or_null(img ? img->uname : tmpl_attr_get(disk, "IMAGE_UNAME"), &d->uname)) < 0 ||
	     (r = dup_or_null(img ? img->gname : NULL, &d->gname)) < 0))
		return r;
	if (!d->uname && (r = dup_or_null(vm->uname, &d->uname)) < 0)
		return r;
	if (!d->gname && (r = dup_or_null(vm->gname, &d->gname)) < 0)
		return r;

	d->kind = DISK_UNPROTECTED;
	if (!tm)
		d->reason = strdup(d->image_id >= 0 ? "no TM_MAD: not on a datastore onedr knows"
				   : "volatile disk not created yet (the VM was never deployed)");
	else if (!one_tm_is_ceph(tm))
		d->reason = str_printf("not on Ceph (TM_MAD %s)", tm);
	else if (sys_tm && strcmp(sys_tm, "ssh") == 0)
		d->reason = strdup("copied to the host's local disk (system datastore TM_MAD ssh)");
	else if (d->image_id >= 0) {
		const char *clone = tmpl_attr_get(disk, "CLONE");

		if (split_source(tmpl_attr_get(disk, "SOURCE"), &d->pool, &d->rbd) < 0)
			return manifest_fail(err, -EINVAL, "DISK %d: Ceph disk without a SOURCE of the form pool/image",
				    d->disk_id);
		if (is_yes(clone)) {
			char *c = str_printf("%s-%d-%d", d->rbd, vm->id, d->disk_id);

			if (!c)
				return -ENOMEM;
			free(d->rbd);
			d->rbd = c;
			d->kind = DISK_CLONE;
		} else {
			d->kind = DISK_PERSISTENT;
		}
	} else {
		const char *pool = tmpl_attr_get(disk, "POOL_NAME");

		if (!pool || !*pool || strchr(pool, '/'))
			return manifest_fail(err, -EINVAL, "DISK %d: volatile Ceph disk without a POOL_NAME",
				    d->disk_id);
		d->pool = strdup(pool);
		d->rbd = str_printf("one-sys-%d-%d", vm->id, d->disk_id);
		if (!d->pool || !d->rbd)
			return -ENOMEM;
		d->kind = DISK_VOLATILE;
	}
	if (d->kind == DISK_UNPROTECTED)
		return d->reason ? 0 : -ENOMEM;
	r = image_template(vm, disk, img, d);
	if (r == -EINVAL)
		return manifest_fail(err, r, "DISK %d: no SIZE", d->disk_id);
	return r;
}

/* A vector left empty (NIC = [ ]) reads back from XML as an empty value, as
 * oned reads <NIC/>: keep the manifest in the form it will be read back. */
static int empty_vectors_as_values(struct tmpl *t)
{
	for (struct tmpl_attr *a = t->head; a; a = a->next)
		if (!a->value && !a->sub && !(a->value = strdup("")))
			return -ENOMEM;
	return 0;
}

int manifest_build(const struct one_vm *vm, const struct one_objs *images,
		   const char *site, long long now, struct manifest **ret,
		   struct manifest_error *err)
{
	struct manifest *m;
	const struct tmpl_attr *disk;
	int r = -ENOMEM;

	if (!vm || !vm->tmpl || vm->id < 0 || !vm->name || !site)
		return manifest_fail(err, -EINVAL, "not a complete VM document");
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->version = MANIFEST_VERSION;
	m->vm_id = vm->id;
	m->time = now;
	m->site = strdup(site);
	m->name = strdup(vm->name);
	if (!m->site || !m->name ||
	    dup_or_null(vm->uname, &m->uname) < 0 || dup_or_null(vm->gname, &m->gname) < 0)
		goto fail;
	m->tmpl = tmpl_dup(vm->tmpl);
	m->user_tmpl = tmpl_dup(vm->user_tmpl);
	if (!m->tmpl || !m->user_tmpl)
		goto fail;
	for (disk = tmpl_find(vm->tmpl, "DISK"); disk; disk = tmpl_find_next(disk, "DISK")) {
		struct manifest_disk *nd;

		if (disk->value)	/* DISK = "x": not a disk oned would make */
			continue;
		nd = realloc(m->disks, (m->n_disks + 1) * sizeof(*nd));
		if (!nd)
			goto fail;
		m->disks = nd;
		memset(&m->disks[m->n_disks], 0, sizeof(*nd));
		m->n_disks++;
		r = classify(vm, disk, images, &m->disks[m->n_disks - 1], err);
		if (r < 0)
			goto fail;
		for (size_t i = 0; i + 1 < m->n_disks; i++)
			if (m->disks[i].disk_id == m->disks[m->n_disks - 1].disk_id) {
				r = manifest_fail(err, -EINVAL, "two DISKs with DISK_ID %d",
					 m->disks[i].disk_id);
				goto fail;
			}
	}
	r = manifest_strip_template(m->tmpl);
	if (r == 0)
		r = manifest_strip_user_template(m->user_tmpl);
	if (r == 0)
		r = empty_vectors_as_values(m->tmpl);
	if (r == 0)
		r = empty_vectors_as_values(m->user_tmpl);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	manifest_free(m);
	return r;
}

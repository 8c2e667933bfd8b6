/*
 * manifest.c: build, encode and decode VM manifests.
 */
#include "config.h"

#include "manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define MAGIC "onedr-manifest "
#define DIGEST_HEX_LEN 64	/* SHA-256 and HMAC-SHA256, in hex */
#define SIG_TAG " hmac-sha256="
#define SUM_TAG " sha256="	/* version 1 */

static int fail(struct manifest_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct manifest_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

const char *disk_kind_name(enum disk_kind k)
{
	switch (k) {
	case DISK_PERSISTENT: return "persistent";
	case DISK_CLONE: return "clone";
	case DISK_VOLATILE: return "volatile";
	case DISK_UNPROTECTED: return "unprotected";
	}
	return "?";
}

static int kind_from_name(const char *s, enum disk_kind *ret)
{
	for (int k = DISK_PERSISTENT; k <= DISK_UNPROTECTED; k++)
		if (strcmp(s, disk_kind_name(k)) == 0) {
			*ret = k;
			return 0;
		}
	return -EINVAL;
}

/* ---- the signing key and the digests ---- */

static void to_hex(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

static int sha256_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	if (!SHA256(data, len, d))
		return -ENOMEM;
	to_hex(d, sizeof(d), hex);
	return 0;
}

static int hmac_hex(const struct manifest_key *key, const void *data, size_t len,
		    char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	if (!HMAC(EVP_sha256(), key->bytes, (int)key->len, data, len, d, &dlen) ||
	    dlen != SHA256_DIGEST_LENGTH)
		return -ENOMEM;
	to_hex(d, dlen, hex);
	OPENSSL_cleanse(d, sizeof(d));
	return 0;
}

int manifest_key_new(const void *bytes, size_t len, struct manifest_key **ret)
{
	struct manifest_key *k;

	if (len < MANIFEST_KEY_MIN || len > MANIFEST_KEY_MAX)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	memcpy(k->bytes, bytes, len);
	k->len = len;
	*ret = k;
	return 0;
}

void manifest_key_free(struct manifest_key *k)
{
	if (!k)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

int manifest_key_load(const char *path, struct manifest_key **ret, struct manifest_error *err)
{
	struct manifest_key *k;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return fail(err, -errno, "cannot open signing key '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		r = fail(err, -errno, "cannot stat signing key '%s': %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = fail(err, -EINVAL, "signing key '%s' is not a regular file", path);
	else if (st.st_uid != geteuid())
		r = fail(err, -EPERM, "signing key '%s' is not owned by the user running onedr (uid %u)",
			 path, (unsigned)geteuid());
	else if (st.st_mode & 077)
		r = fail(err, -EPERM, "signing key '%s' is readable or writable by group or others (mode %04o): chmod 600 it",
			 path, (unsigned)(st.st_mode & 07777));
	if (r < 0) {
		close(fd);
		return r;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		close(fd);
		return -ENOMEM;
	}
	/* one byte more than the largest key, to see a file that is too long */
	while (len <= MANIFEST_KEY_MAX) {
		unsigned char extra;
		void *at = len < MANIFEST_KEY_MAX ? (void *)(k->bytes + len) : (void *)&extra;

		n = read(fd, at, len < MANIFEST_KEY_MAX ? MANIFEST_KEY_MAX - len : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(err, -errno, "cannot read signing key '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r == 0 && (len < MANIFEST_KEY_MIN || len > MANIFEST_KEY_MAX))
		r = fail(err, -EINVAL, "signing key '%s' must hold %u to %u bytes (make one with: head -c 32 /dev/urandom >'%s')",
			 path, MANIFEST_KEY_MIN, MANIFEST_KEY_MAX, path);
	if (r < 0) {
		manifest_key_free(k);
		return r;
	}
	k->len = len;
	*ret = k;
	return 0;
}

static void disk_clear(struct manifest_disk *d)
{
	free(d->pool);
	free(d->rbd);
	free(d->reason);
	free(d->datastore);
	free(d->uname);
	free(d->gname);
	tmpl_free(d->image);
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	free(m->site);
	free(m->name);
	free(m->uname);
	free(m->gname);
	free(m->sys_ds);
	tmpl_free(m->tmpl);
	tmpl_free(m->user_tmpl);
	for (size_t i = 0; i < m->n_disks; i++)
		disk_clear(&m->disks[i]);
	free(m->disks);
	free(m);
}

/* ---- what oned generates, and what the portable template drops ---- */

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

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
			if ((list && in_list(m->name, list)) || (pred && pred(m->name)))
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
		return fail(err, -EINVAL, "a DISK has no valid DISK_ID");
	if (id && (parse_int(id, &d->image_id) < 0 || d->image_id < 0))
		return fail(err, -EINVAL, "DISK %d: IMAGE_ID '%s' is not an ID", d->disk_id, id);
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
	else if (strcmp(tm, "ceph") != 0)
		d->reason = str_printf("not on Ceph (TM_MAD %s)", tm);
	else if (sys_tm && strcmp(sys_tm, "ssh") == 0)
		d->reason = strdup("copied to the host's local disk (system datastore TM_MAD ssh)");
	else if (d->image_id >= 0) {
		const char *clone = tmpl_attr_get(disk, "CLONE");

		if (split_source(tmpl_attr_get(disk, "SOURCE"), &d->pool, &d->rbd) < 0)
			return fail(err, -EINVAL, "DISK %d: Ceph disk without a SOURCE of the form pool/image",
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
			return fail(err, -EINVAL, "DISK %d: volatile Ceph disk without a POOL_NAME",
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
		return fail(err, r, "DISK %d: no SIZE", d->disk_id);
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
		return fail(err, -EINVAL, "not a complete VM document");
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
				r = fail(err, -EINVAL, "two DISKs with DISK_ID %d",
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

/* ---- the stored form ---- */

static int w_str(xmlTextWriterPtr w, const char *name, const char *v)
{
	if (!v)
		return 0;
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v) < 0 ? -EIO : 0;
}

static int w_ll(xmlTextWriterPtr w, const char *name, long long v)
{
	return xmlTextWriterWriteFormatElement(w, BAD_CAST name, "%lld", v) < 0 ? -EIO : 0;
}

static int write_body(xmlTextWriterPtr w, const struct manifest *m, long long time)
{
	int r;

	if (xmlTextWriterStartElement(w, BAD_CAST "ONEDR_MANIFEST") < 0)
		return -EIO;
	if ((r = w_ll(w, "VERSION", m->version)) < 0 ||
	    (r = w_str(w, "SITE", m->site)) < 0 ||
	    (r = w_ll(w, "VM_ID", m->vm_id)) < 0 ||
	    (r = w_ll(w, "TIME", time)) < 0 ||
	    (m->retired && (r = w_ll(w, "RETIRED", m->retired)) < 0) ||
	    (r = w_str(w, "NAME", m->name)) < 0 ||
	    (r = w_str(w, "UNAME", m->uname)) < 0 ||
	    (r = w_str(w, "GNAME", m->gname)) < 0 ||
	    (r = w_str(w, "SYSTEM_DATASTORE", m->sys_ds)) < 0 ||
	    (r = one_tmpl_write_xml(w, "TEMPLATE", m->tmpl)) < 0 ||
	    (r = one_tmpl_write_xml(w, "USER_TEMPLATE", m->user_tmpl)) < 0)
		return r;
	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *d = &m->disks[i];

		if (xmlTextWriterStartElement(w, BAD_CAST "DISK") < 0)
			return -EIO;
		if ((r = w_ll(w, "DISK_ID", d->disk_id)) < 0 ||
		    (r = w_str(w, "KIND", disk_kind_name(d->kind))) < 0 ||
		    (r = w_str(w, "POOL", d->pool)) < 0 ||
		    (r = w_str(w, "RBD", d->rbd)) < 0 ||
		    (r = w_str(w, "REASON", d->reason)) < 0 ||
		    (r = w_str(w, "DATASTORE", d->datastore)) < 0 ||
		    (r = w_ll(w, "DATASTORE_ID", d->datastore_id)) < 0 ||
		    (r = w_ll(w, "IMAGE_ID", d->image_id)) < 0 ||
		    (r = w_str(w, "UNAME", d->uname)) < 0 ||
		    (r = w_str(w, "GNAME", d->gname)) < 0)
			return r;
		if (d->image && (r = one_tmpl_write_xml(w, "IMAGE_TEMPLATE", d->image)) < 0)
			return r;
		if (xmlTextWriterEndElement(w) < 0)
			return -EIO;
	}
	return xmlTextWriterEndElement(w) < 0 ? -EIO : 0;
}

/* The XML body, malloc'd. */
static int body_of(const struct manifest *m, long long time, char **ret, size_t *ret_len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w;
	int r;

	if (!buf)
		return -ENOMEM;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w) {
		xmlBufferFree(buf);
		return -ENOMEM;
	}
	r = write_body(w, m, time);
	if (xmlTextWriterFlush(w) < 0 && r == 0)
		r = -EIO;
	xmlFreeTextWriter(w);
	if (r == 0) {
		*ret_len = (size_t)xmlBufferLength(buf);
		*ret = malloc(*ret_len + 1);
		if (*ret)
			memcpy(*ret, xmlBufferContent(buf), *ret_len + 1);
		else
			r = -ENOMEM;
	}
	xmlBufferFree(buf);
	return r;
}

int manifest_encode(const struct manifest *m, const struct manifest_key *key,
		    char **ret_text, size_t *ret_len)
{
	char hex[DIGEST_HEX_LEN + 1], head[128], *body, *text;
	size_t blen, hlen;
	int r;

	if (!key)
		return -ENOKEY;
	r = body_of(m, m->time, &body, &blen);
	if (r < 0)
		return r;
	r = hmac_hex(key, body, blen, hex);
	if (r < 0) {
		free(body);
		return r;
	}
	hlen = (size_t)snprintf(head, sizeof(head), MAGIC "%u" SIG_TAG "%s\n", MANIFEST_VERSION, hex);
	if (hlen + blen > MANIFEST_MAX_SIZE) {
		free(body);
		return -E2BIG;
	}
	text = malloc(hlen + blen + 1);
	if (!text) {
		free(body);
		return -ENOMEM;
	}
	memcpy(text, head, hlen);
	memcpy(text + hlen, body, blen + 1);
	free(body);
	*ret_text = text;
	*ret_len = hlen + blen;
	return 0;
}

bool manifest_same(const struct manifest *a, const struct manifest *b)
{
	char *ba = NULL, *bb = NULL;
	size_t la, lb;
	bool same = false;

	if (body_of(a, 0, &ba, &la) == 0 && body_of(b, 0, &bb, &lb) == 0)
		same = la == lb && memcmp(ba, bb, la) == 0;
	free(ba);
	free(bb);
	return same;
}

/* What image_template() writes: nothing else may be registered on the other
 * site (a manifest is data from the pool, not a template to pass through). */
static const char *const image_attrs[] = {
	"NAME", "TYPE", "PERSISTENT", "SOURCE", "FORMAT", "SIZE", "DEV_PREFIX",
	"LUKS_SECRET", "SERIAL", "DESCRIPTION", NULL
};

/* The image template registers exactly the disk's RBD, with what onedr writes. */
static int check_image_template(const struct manifest_disk *d, struct manifest_error *err)
{
	const char *src = tmpl_get(d->image, "SOURCE"), *pers = tmpl_get(d->image, "PERSISTENT");
	size_t pl = strlen(d->pool);

	for (const struct tmpl_attr *a = d->image->head; a; a = a->next) {
		if (!a->value || !in_list(a->name, image_attrs))
			return fail(err, -EINVAL, "DISK %d: image template attribute '%s' is not one onedr writes",
				    d->disk_id, a->name);
		for (const struct tmpl_attr *b = a->next; b; b = b->next)
			if (!strcmp(a->name, b->name))
				return fail(err, -EINVAL, "DISK %d: image template has two %s",
					    d->disk_id, a->name);
	}
	if (!src || strncmp(src, d->pool, pl) || src[pl] != '/' || strcmp(src + pl + 1, d->rbd))
		return fail(err, -EINVAL, "DISK %d: image template SOURCE '%s' is not the disk's RBD %s/%s",
			    d->disk_id, src ? src : "", d->pool, d->rbd);
	if (!pers || strcmp(pers, "YES"))
		return fail(err, -EINVAL, "DISK %d: image template is not PERSISTENT=YES", d->disk_id);
	return 0;
}

static int read_disk(xmlNodePtr n, struct manifest_disk *d, struct manifest_error *err)
{
	char *kind;
	xmlNodePtr it;
	int r;

	if ((r = one_xml_int(n, "DISK_ID", true, &d->disk_id)) < 0 ||
	    (r = one_xml_str(n, "KIND", true, &kind)) < 0)
		return fail(err, r, "a DISK without DISK_ID or KIND");
	r = kind_from_name(kind, &d->kind);
	free(kind);
	if (r < 0)
		return fail(err, r, "DISK %d: unknown KIND", d->disk_id);
	if ((r = one_xml_str(n, "POOL", false, &d->pool)) < 0 ||
	    (r = one_xml_str(n, "RBD", false, &d->rbd)) < 0 ||
	    (r = one_xml_str(n, "REASON", false, &d->reason)) < 0 ||
	    (r = one_xml_str(n, "DATASTORE", false, &d->datastore)) < 0 ||
	    (r = one_xml_int(n, "DATASTORE_ID", true, &d->datastore_id)) < 0 ||
	    (r = one_xml_int(n, "IMAGE_ID", true, &d->image_id)) < 0 ||
	    (r = one_xml_str(n, "UNAME", false, &d->uname)) < 0 ||
	    (r = one_xml_str(n, "GNAME", false, &d->gname)) < 0)
		return fail(err, r, "DISK %d: malformed", d->disk_id);
	it = one_xml_child(n, "IMAGE_TEMPLATE");
	if (d->kind == DISK_UNPROTECTED) {
		if (!d->reason || it || d->pool || d->rbd)
			return fail(err, -EINVAL, "DISK %d: malformed unprotected disk", d->disk_id);
		return 0;
	}
	if (!d->pool || !d->rbd || !*d->pool || !*d->rbd || strchr(d->pool, '/') ||
	    strchr(d->rbd, '/') || !it)
		return fail(err, -EINVAL, "DISK %d: no pool, RBD or image template", d->disk_id);
	r = one_tmpl_from_xml(it, &d->image);
	if (r < 0)
		return fail(err, r, "DISK %d: malformed image template", d->disk_id);
	return check_image_template(d, err);
}

/* The header line: version, and the signature (or version 1 checksum) of
 * the body; sets m's auth. */
static int check_header(const char *text, size_t len, const struct manifest_key *key,
			unsigned long *ret_version, enum manifest_auth *ret_auth,
			const char **ret_body, struct manifest_error *err)
{
	char hex[DIGEST_HEX_LEN + 1];
	const char *p, *nl, *body, *tag;
	unsigned long version;
	size_t blen, tl;
	char *end;
	int r;

	if (!text || len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0)
		return fail(err, -EINVAL, "not an onedr manifest");
	nl = memchr(text, '\n', len);
	if (!nl)
		return fail(err, -EINVAL, "no header line");
	p = text + strlen(MAGIC);
	if (!isdigit((unsigned char)*p))
		return fail(err, -EINVAL, "no format version");
	errno = 0;
	version = strtoul(p, &end, 10);
	if (errno || end > nl)
		return fail(err, -EINVAL, "bad format version");
	if (version != 1 && version != MANIFEST_VERSION)
		return fail(err, -EPROTONOSUPPORT,
			    "format version %lu, this onedr reads versions 1 and %d", version,
			    MANIFEST_VERSION);
	tag = version == 1 ? SUM_TAG : SIG_TAG;
	tl = strlen(tag);
	if ((size_t)(nl - end) != tl + DIGEST_HEX_LEN || memcmp(end, tag, tl) != 0)
		return fail(err, -EINVAL, "malformed header line");
	body = nl + 1;
	blen = len - (size_t)(body - text);
	if (version == 1) {
		if ((r = sha256_hex(body, blen, hex)) < 0)
			return r;
		if (memcmp(hex, end + tl, DIGEST_HEX_LEN) != 0)
			return fail(err, -EBADMSG, "checksum mismatch: damaged or partly written");
		*ret_auth = MANIFEST_UNSIGNED;
	} else if (key) {
		if ((r = hmac_hex(key, body, blen, hex)) < 0)
			return r;
		if (CRYPTO_memcmp(hex, end + tl, DIGEST_HEX_LEN) != 0)
			return fail(err, -EBADMSG,
				    "signature does not match: signed with another key, or changed since (damaged or forged)");
		*ret_auth = MANIFEST_VERIFIED;
	} else {
		*ret_auth = MANIFEST_UNVERIFIED;
	}
	*ret_version = version;
	*ret_body = body;
	return 0;
}

int manifest_decode(const char *text, size_t len, const struct manifest_key *key,
		    struct manifest **ret, struct manifest_error *err)
{
	enum manifest_auth auth = MANIFEST_UNSIGNED;
	const char *body = NULL;
	struct manifest *m = NULL;
	unsigned long version = 0;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	long long v;
	int r;

	if (len > MANIFEST_MAX_SIZE)
		return fail(err, -E2BIG, "larger than %u bytes", MANIFEST_MAX_SIZE);
	r = check_header(text, len, key, &version, &auth, &body, err);
	if (r < 0)
		return r;

	doc = xmlReadMemory(body, (int)(len - (size_t)(body - text)), NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			    XML_PARSE_NOCDATA);
	if (!doc)
		return fail(err, -EINVAL, "body is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	r = -EINVAL;
	if (!root || xmlStrcmp(root->name, BAD_CAST "ONEDR_MANIFEST") != 0) {
		fail(err, r, "body is not an ONEDR_MANIFEST");
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = one_xml_ll(root, "VERSION", true, &v)) < 0 || v != (long long)version) {
		r = fail(err, -EINVAL, "VERSION differs from the header");
		goto out;
	}
	m->version = (unsigned)version;
	m->auth = auth;
	if ((r = one_xml_str(root, "SITE", true, &m->site)) < 0 ||
	    (r = one_xml_int(root, "VM_ID", true, &m->vm_id)) < 0 ||
	    (r = one_xml_ll(root, "TIME", true, &m->time)) < 0 ||
	    (r = one_xml_ll(root, "RETIRED", false, &m->retired)) < 0 || m->retired < 0 ||
	    (r = one_xml_str(root, "NAME", true, &m->name)) < 0 ||
	    (r = one_xml_str(root, "UNAME", false, &m->uname)) < 0 ||
	    (r = one_xml_str(root, "GNAME", false, &m->gname)) < 0 ||
	    (r = one_xml_str(root, "SYSTEM_DATASTORE", false, &m->sys_ds)) < 0 || m->vm_id < 0) {
		r = fail(err, r == -ENOMEM ? r : -EINVAL, "missing or malformed SITE, VM_ID, TIME, RETIRED or NAME");
		goto out;
	}
	if (!one_xml_child(root, "TEMPLATE") || !one_xml_child(root, "USER_TEMPLATE")) {
		r = fail(err, -EINVAL, "no TEMPLATE or USER_TEMPLATE");
		goto out;
	}
	if ((r = one_tmpl_from_xml(one_xml_child(root, "TEMPLATE"), &m->tmpl)) < 0 ||
	    (r = one_tmpl_from_xml(one_xml_child(root, "USER_TEMPLATE"), &m->user_tmpl)) < 0) {
		fail(err, r, "malformed TEMPLATE or USER_TEMPLATE");
		goto out;
	}
	for (xmlNodePtr c = root->children; c; c = c->next) {
		struct manifest_disk *nd;

		if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, BAD_CAST "DISK") != 0)
			continue;
		nd = realloc(m->disks, (m->n_disks + 1) * sizeof(*nd));
		if (!nd) {
			r = -ENOMEM;
			goto out;
		}
		m->disks = nd;
		memset(&m->disks[m->n_disks], 0, sizeof(*nd));
		m->n_disks++;
		r = read_disk(c, &m->disks[m->n_disks - 1], err);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	xmlFreeDoc(doc);
	if (r < 0) {
		manifest_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

bool manifest_has_disk(const struct manifest *m, const char *pool, const char *rbd)
{
	for (size_t i = 0; i < m->n_disks; i++)
		if (m->disks[i].kind != DISK_UNPROTECTED && !strcmp(m->disks[i].pool, pool) &&
		    !strcmp(m->disks[i].rbd, rbd))
			return true;
	return false;
}

/* s[0..n) without the blanks around it, into buf of size len */
static int copy_trimmed(const char *s, size_t n, char *buf, size_t len)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || n >= len)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int manifest_source_split(const char *src, const char *default_pool, char *pool, char *rbd,
			  size_t len, bool *ret_snap)
{
	const char *slash, *at;
	size_t n;

	if (!src)
		return -EINVAL;
	slash = strchr(src, '/');
	if (slash ? copy_trimmed(src, (size_t)(slash - src), pool, len) < 0
		  : !default_pool || copy_trimmed(default_pool, strlen(default_pool), pool, len) < 0)
		return -EINVAL;
	src = slash ? slash + 1 : src;
	at = strchr(src, '@');
	n = at ? (size_t)(at - src) : strlen(src);
	if (copy_trimmed(src, n, rbd, len) < 0 || strchr(rbd, '/'))
		return -EINVAL;
	*ret_snap = at != NULL;
	return 0;
}

/* ---- for people ---- */

static int append(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int append(char **buf, const char *fmt, ...)
{
	va_list ap;
	char *add, *n;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	n = realloc(*buf, (*buf ? strlen(*buf) : 0) + (size_t)len + 1);
	if (!n) {
		free(add);
		return -ENOMEM;
	}
	if (!*buf)
		n[0] = '\0';
	strcat(n, add);
	free(add);
	*buf = n;
	return 0;
}

/* t as template text; as XML when the text syntax cannot hold a value. */
static int append_tmpl(char **buf, const struct tmpl *t)
{
	char *s;
	int r = tmpl_serialize(t, &s);

	if (r == -EINVAL) {
		r = one_tmpl_to_xml(t, &s);
		if (r == 0)
			r = append(buf, "# a value here cannot be written in template syntax; as XML:\n%s\n", s);
		free(s);
		return r;
	}
	if (r < 0)
		return r;
	r = append(buf, "%s", s);
	free(s);
	return r;
}

int manifest_to_text(const struct manifest *m, char **ret_text)
{
	struct tmpl *vmt = NULL;
	char when[64], *buf = NULL;
	time_t t = (time_t)m->time;
	struct tm tm;
	int r;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "%lld", m->time);
	r = append(&buf, "# onedr manifest of VM %d \"%s\" (owner %s:%s) on %s, taken %s\n",
		   m->vm_id, m->name, m->uname ? m->uname : "?", m->gname ? m->gname : "?",
		   m->site, when);
	if (r == 0 && m->sys_ds)
		r = append(&buf, "# system datastore on %s: %s\n", m->site, m->sys_ds);
	if (r == 0 && m->retired) {
		char rt[64];
		time_t rtt = (time_t)m->retired;

		if (!gmtime_r(&rtt, &tm) || !strftime(rt, sizeof(rt), "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(rt, sizeof(rt), "%lld", m->retired);
		r = append(&buf, "# RETIRED %s: the VM no longer exists on %s; register and recreate skip it\n",
			   rt, m->site);
	}
	if (r == 0)
		r = append(&buf, "# VM template (DISKs are rewritten to the registered images on recreate)\n");
	/* what `onevm create` takes: NAME, TEMPLATE, then USER_TEMPLATE */
	vmt = tmpl_new();
	if (r == 0 && (!vmt || tmpl_add(vmt, "NAME", m->name) < 0))
		r = -ENOMEM;
	for (const struct tmpl *src = m->tmpl; r == 0 && src; src = src == m->tmpl ? m->user_tmpl : NULL) {
		struct tmpl *d = tmpl_dup(src);

		if (!d) {
			r = -ENOMEM;
			break;
		}
		if (vmt->tail)
			vmt->tail->next = d->head;
		else
			vmt->head = d->head;
		if (d->tail)
			vmt->tail = d->tail;
		free(d);
	}
	if (r == 0)
		r = append_tmpl(&buf, vmt);
	for (size_t i = 0; r == 0 && i < m->n_disks; i++) {
		const struct manifest_disk *d = &m->disks[i];

		if (d->kind == DISK_UNPROTECTED) {
			r = append(&buf, "# DISK %d: UNPROTECTED: %s\n", d->disk_id, d->reason);
			continue;
		}
		r = append(&buf, "# DISK %d: %s disk, RBD %s/%s, datastore %s, owner %s:%s; image template:\n",
			   d->disk_id, disk_kind_name(d->kind), d->pool, d->rbd,
			   d->datastore ? d->datastore : "?", d->uname ? d->uname : "?",
			   d->gname ? d->gname : "?");
		if (r == 0)
			r = append_tmpl(&buf, d->image);
	}
	tmpl_free(vmt);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_text = buf;
	return 0;
}

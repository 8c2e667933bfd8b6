/* test-manifest.c: reading oned's documents, building manifests from real
 * oned 7.0.2 VM documents, and the stored form: round trips, checksum,
 * versions, and malformed input. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "manifest-build.h"
#include "manifest-format.h"
#include "rbd-name.h"
#include "one-doc.h"
#include "tap.h"

static struct manifest_key *key, *other_key;

static char *slurp(const char *rel, size_t *len)
{
	return tap_fixture("opennebula-7.0", rel, len);
}

static const struct tmpl_attr *nth(const struct tmpl *t, const char *name, int n)
{
	const struct tmpl_attr *a = tmpl_find(t, name);

	while (a && n-- > 0)
		a = tmpl_find_next(a, name);
	return a;
}

static void test_keys(void)
{
	char path[] = "/tmp/onedr-test-key-XXXXXX";
	struct manifest_error err = { "" };
	struct manifest_key *k = NULL;
	int fd = mkstemp(path);

	ok(manifest_key_new("0123456789abcdef0123456789abcdef", 32, &key) == 0 &&
	   manifest_key_new("another key, 32 bytes long......", 32, &other_key) == 0, "test keys");
	ok(manifest_key_new("short", 5, &k) == -EINVAL, "a key shorter than 32 bytes: -EINVAL");
	if (fd < 0 || write(fd, "0123456789abcdef0123456789abcdef", 32) != 32) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fchmod(fd, 0644);
	ok(manifest_key_load(path, &k, &err) == -EPERM && strstr(err.msg, path) &&
	   strstr(err.msg, "group or others") && strstr(err.msg, "0644"),
	   "a key file readable by others is refused, naming it (%s)", err.msg);
	fchmod(fd, 0600);
	ok(manifest_key_load(path, &k, &err) == 0 && k && k->len == 32 &&
	   !memcmp(k->bytes, key->bytes, 32), "a 0600 key file of 32 bytes is the key");
	manifest_key_free(k);
	k = NULL;
	if (ftruncate(fd, 16) < 0)
		exit(1);
	ok(manifest_key_load(path, &k, &err) == -EINVAL && strstr(err.msg, "32 to 1024 bytes") &&
	   !strstr(err.msg, "0123"), "a key file of 16 bytes is refused, its content not shown (%s)", err.msg);
	close(fd);
	unlink(path);
	ok(manifest_key_load(path, &k, &err) == -ENOENT && strstr(err.msg, path),
	   "a missing key file: -ENOENT naming it");
	ok(manifest_key_load("/tmp", &k, &err) == -EINVAL && strstr(err.msg, "not a regular file"),
	   "a directory is not a key file");
}

static void test_source_split(void)
{
	char pool[64], rbd[64];
	bool snap = true;

	ok(manifest_source_split(" one/one-5", "one", pool, rbd, sizeof(pool), &snap) == 0 &&
	   !strcmp(pool, "one") && !strcmp(rbd, "one-5") && !snap, "' one/one-5' is one/one-5");
	ok(manifest_source_split("one / one-5 \n", "x", pool, rbd, sizeof(pool), &snap) == 0 &&
	   !strcmp(pool, "one") && !strcmp(rbd, "one-5"), "blanks around the parts are ignored");
	ok(manifest_source_split("one-5", "one", pool, rbd, sizeof(pool), &snap) == 0 &&
	   !strcmp(pool, "one") && !strcmp(rbd, "one-5"), "no pool: the default pool");
	ok(manifest_source_split("one/one-5@snap", "one", pool, rbd, sizeof(pool), &snap) == 0 &&
	   !strcmp(rbd, "one-5") && snap, "pool/rbd@snap: the RBD, and a snapshot of it");
	ok(manifest_source_split("a/b/c", "one", pool, rbd, sizeof(pool), &snap) == -EINVAL &&
	   manifest_source_split("one/", "one", pool, rbd, sizeof(pool), &snap) == -EINVAL &&
	   manifest_source_split(" ", "one", pool, rbd, sizeof(pool), &snap) == -EINVAL &&
	   manifest_source_split(NULL, "one", pool, rbd, sizeof(pool), &snap) == -EINVAL,
	   "a/b/c, one/, blank and NULL are not SOURCEs of an RBD");
}

static void test_vm_doc(void)
{
	size_t len;
	char *xml = slurp("xmlrpc/vm.info.vm0.state-3-39.xml", &len);
	struct one_vm *vm = NULL;
	const struct tmpl_attr *d;

	ok(one_vm_parse(xml, len, &vm) == 0, "real vm.info document is read");
	ok(vm && vm->id == 0 && vm->state == 3 && vm->lcm_state == 39, "ID, STATE, LCM_STATE");
	is_str(vm ? vm->name : NULL, "alpine-0-rep", "NAME");
	is_str(vm ? vm->uname : NULL, "oneadmin", "UNAME");
	ok(vm && vm->ds_id == 101, "system datastore from the last HISTORY");
	d = vm ? nth(vm->tmpl, "DISK", 2) : NULL;
	ok(d && !d->value, "third DISK is a vector");
	is_str(d ? tmpl_attr_get(d, "TARGET") : NULL, "sdc", "its TARGET (CDATA read)");
	is_str(vm ? tmpl_attr_get(tmpl_find(vm->tmpl, "CONTEXT"), "ETH0_IP6") : NULL, "",
	       "an empty element is an empty value");
	is_str(vm ? tmpl_get(vm->user_tmpl, "REPLICA_ROLE") : NULL, "primary", "USER_TEMPLATE read");
	one_vm_free(vm);
	free(xml);

	xml = slurp("xmlrpc/vm.info.escaping.after-allocate.xml", &len);
	ok(one_vm_parse(xml, len, &vm) == 0, "escaping VM read");
	is_str(vm ? vm->name : NULL, "alpine-[1]-(x) y", "name with brackets, parentheses, spaces");
	is_str(vm ? tmpl_get(vm->user_tmpl, "NOTE") : NULL,
	       "lt < gt > amp & apos ' quot \" backslash \\\\ end", "NOTE with < > & ' \" and backslashes");
	is_str(vm ? tmpl_get(vm->user_tmpl, "MULTILINE") : NULL, "line1\nline2", "multi-line value");
	one_vm_free(vm);
	free(xml);

	ok(one_vm_parse("<VM><ID>1</ID>", 14, &vm) == -EINVAL, "truncated document: -EINVAL");
	ok(one_vm_parse("<IMAGE><ID>1</ID><NAME>x</NAME></IMAGE>", 39, &vm) == -EINVAL, "wrong root: -EINVAL");
	ok(one_vm_parse("<VM><NAME>x</NAME><STATE>1</STATE></VM>", 39, &vm) == -EINVAL, "no ID: -EINVAL");
	ok(one_vm_parse("<VM><ID>x</ID><NAME>x</NAME><STATE>1</STATE></VM>", 49, &vm) == -EINVAL,
	   "non-numeric ID: -EINVAL");
	{
		const char *deep = "<VM><ID>1</ID><NAME>x</NAME><STATE>1</STATE><TEMPLATE><A><B><C>1</C></B></A></TEMPLATE></VM>";
		ok(one_vm_parse(deep, strlen(deep), &vm) == -EINVAL, "nested deeper than a vector: -EINVAL");
	}
	{
		const char *xxe = "<!DOCTYPE VM [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
				  "<VM><ID>1</ID><NAME>&x;</NAME><STATE>1</STATE></VM>";
		int r = one_vm_parse(xxe, strlen(xxe), &vm);
		ok(r < 0 || (vm && !strstr(vm->name, "root")), "external entities are not expanded");
		if (r == 0)
			one_vm_free(vm);
	}

	xml = slurp("xmlrpc/imagepool.info.final.xml", &len);
	{
		struct one_objs imgs;
		ok(one_pool_parse(xml, len, "IMAGE_POOL", "IMAGE", &imgs) == 0 && imgs.n == 3,
		   "image pool: the 3 images of the capture");
		ok(imgs.n == 3 && one_objs_by_id(&imgs, 1) && one_objs_by_id(&imgs, 1)->persistent &&
		   strcmp(one_objs_by_id(&imgs, 1)->source, "one/one-1") == 0, "image 1: persistent, SOURCE one/one-1");
		one_objs_free(&imgs);
	}
	free(xml);
}

static struct manifest *build_fixture(const char *rel, struct one_objs *imgs)
{
	size_t len;
	char *xml = slurp(rel, &len);
	struct one_vm *vm = NULL;
	struct manifest *m = NULL;
	struct manifest_error err = { "" };

	if (one_vm_parse(xml, len, &vm) == 0 &&
	    manifest_build(vm, imgs, "site-a", 1795697400, &m, &err) < 0)
		printf("# build failed: %s\n", err.msg);
	one_vm_free(vm);
	free(xml);
	return m;
}

static void test_build(void)
{
	size_t len;
	char *xml = slurp("xmlrpc/imagepool.info.final.xml", &len);
	struct one_objs imgs;
	struct manifest *m;
	const struct tmpl_attr *a;

	one_pool_parse(xml, len, "IMAGE_POOL", "IMAGE", &imgs);
	free(xml);
	m = build_fixture("xmlrpc/vm.info.vm0.state-3-39.xml", &imgs);
	ok(m != NULL, "manifest of alpine-0-rep built");
	if (!m)
		return;
	ok(m->n_disks == 3, "three disks");
	ok(m->disks[0].kind == DISK_CLONE, "disk 0 (non-persistent image) is a clone");
	is_str(m->disks[0].rbd, "one-0-0-0", "clone RBD one-<IMAGE>-<VM>-<DISK>");
	ok(m->disks[1].kind == DISK_PERSISTENT, "disk 1 is persistent");
	is_str(m->disks[1].rbd, "one-1", "persistent RBD one-<IMAGE>");
	ok(m->disks[2].kind == DISK_VOLATILE, "disk 2 is volatile");
	is_str(m->disks[2].rbd, "one-sys-0-2", "volatile RBD one-sys-<VM>-<DISK>");
	is_str(m->disks[2].pool, "one", "volatile pool from POOL_NAME");
	is_str(tmpl_get(m->disks[1].image, "SOURCE"), "one/one-1", "image template SOURCE");
	is_str(tmpl_get(m->disks[1].image, "PERSISTENT"), "YES", "image template PERSISTENT=YES");
	is_str(tmpl_get(m->disks[1].image, "NAME"), "alpine-data-1", "persistent keeps the image name");
	is_str(tmpl_get(m->disks[0].image, "NAME"), "alpine-os-0-vm0-disk0", "clone gets a name of its own");
	is_str(tmpl_get(m->disks[0].image, "SIZE"), "256", "image SIZE in MB");
	is_str(tmpl_get(m->disks[0].image, "FORMAT"), "raw", "image FORMAT");
	is_str(tmpl_get(m->disks[0].image, "DEV_PREFIX"), "sd", "image DEV_PREFIX");
	is_str(tmpl_get(m->disks[2].image, "TYPE"), "DATABLOCK", "volatile disk registers as DATABLOCK");
	is_str(m->disks[1].datastore, "ceph-img", "datastore name kept for the mapping");

	ok(!tmpl_find(m->tmpl, "VMID") && !tmpl_find(m->tmpl, "AUTOMATIC_REQUIREMENTS") &&
	   !tmpl_find(m->tmpl, "SECURITY_GROUP_RULE") && !tmpl_find(m->tmpl, "TM_MAD_SYSTEM"),
	   "generated top-level attributes stripped");
	a = tmpl_find(m->tmpl, "DISK");
	ok(a && !tmpl_attr_get(a, "SOURCE") && !tmpl_attr_get(a, "CEPH_SECRET") &&
	   !tmpl_attr_get(a, "IMAGE_ID") && !tmpl_attr_get(a, "DISK_ID"), "DISK: image and datastore attributes stripped");
	is_str(a ? tmpl_attr_get(a, "TARGET") : NULL, "sda", "DISK: TARGET kept");
	a = tmpl_find(m->tmpl, "NIC");
	is_str(a ? tmpl_attr_get(a, "NETWORK") : NULL, "vnet-br0", "NIC names its network");
	is_str(a ? tmpl_attr_get(a, "IP") : NULL, "192.168.150.100", "NIC keeps its IP for the mapping to decide");
	ok(a && !tmpl_attr_get(a, "BRIDGE") && !tmpl_attr_get(a, "NETWORK_ID") && !tmpl_attr_get(a, "NAME") &&
	   !tmpl_attr_get(a, "GATEWAY") && !tmpl_attr_get(a, "TARGET"), "NIC: lease and network attributes stripped");
	is_str(a ? tmpl_attr_get(a, "MODEL") : NULL, "virtio", "NIC: MODEL kept");
	a = tmpl_find(m->tmpl, "CONTEXT");
	ok(a && !tmpl_attr_get(a, "ETH0_IP") && !tmpl_attr_get(a, "DISK_ID") && !tmpl_attr_get(a, "TARGET"),
	   "CONTEXT: ETHn_*, DISK_ID and TARGET stripped (NETWORK=YES)");
	ok(a && tmpl_attr_get(a, "SSH_PUBLIC_KEY") && tmpl_attr_get(a, "NETWORK"), "CONTEXT: the user's part kept");
	a = tmpl_find(m->tmpl, "GRAPHICS");
	ok(a && !tmpl_attr_get(a, "PORT") && tmpl_attr_get(a, "LISTEN"), "GRAPHICS: PORT stripped, LISTEN kept");
	ok(tmpl_get(m->tmpl, "CPU") && tmpl_get(m->tmpl, "MEMORY") && tmpl_find(m->tmpl, "OS") &&
	   tmpl_find(m->tmpl, "NIC_DEFAULT"), "CPU, MEMORY, OS, NIC_DEFAULT kept");
	ok(!tmpl_get(m->user_tmpl, "ERROR") && tmpl_get(m->user_tmpl, "REPLICA_ROLE"),
	   "USER_TEMPLATE: ERROR stripped, the rest kept");

	/* round trip */
	{
		char *text = NULL;
		size_t tlen = 0;
		struct manifest *back = NULL;
		struct manifest_error err = { "" };

		ok(manifest_encode(m, NULL, &text, &tlen) == -ENOKEY, "no key, no manifest: -ENOKEY");
		ok(manifest_encode(m, key, &text, &tlen) == 0, "encoded (%zu bytes)", tlen);
		ok(text && strncmp(text, "onedr-manifest 2 hmac-sha256=", 29) == 0, "header line");
		ok(manifest_decode(text, tlen, key, &back, &err) == 0, "decoded: %s", err.msg);
		ok(back && manifest_same(m, back) && back->time == m->time && back->vm_id == 0,
		   "decoded manifest equals the original");
		ok(back && back->auth == MANIFEST_VERIFIED, "signed with the key: verified");
		manifest_free(back);
		back = NULL;
		ok(manifest_decode(text, tlen, other_key, &back, &err) == -EBADMSG &&
		   strstr(err.msg, "signature does not match"), "another key: -EBADMSG (%s)", err.msg);
		ok(manifest_decode(text, tlen, NULL, &back, &err) == 0 && back->auth == MANIFEST_UNVERIFIED,
		   "read without a key: unverified");
		manifest_free(back);
		back = NULL;
		{
			/* the system datastore the VM ran on (export sets it) travels too */
			char *t2 = NULL;
			size_t l2 = 0;

			m->sys_ds = strdup("ceph-sys");
			ok(manifest_encode(m, key, &t2, &l2) == 0 &&
			   manifest_decode(t2, l2, key, &back, &err) == 0 && back->sys_ds &&
			   !strcmp(back->sys_ds, "ceph-sys"), "the system datastore's name travels: %s", err.msg);
			manifest_free(back);
			back = NULL;
			free(t2);
			free(m->sys_ds);
			m->sys_ds = NULL;
		}
		if (text) {
			char *body = strchr(text, '<');
			*strstr(body, "alpine-data-1") = 'A';
			ok(manifest_decode(text, tlen, key, &back, &err) == -EBADMSG, "one changed byte: -EBADMSG (%s)", err.msg);
			text[15] = '3';
			ok(manifest_decode(text, tlen, key, &back, &err) == -EPROTONOSUPPORT, "version 3: -EPROTONOSUPPORT (%s)", err.msg);
			ok(manifest_decode(text, 10, key, &back, &err) == -EINVAL, "truncated header: -EINVAL");
			ok(manifest_decode("hello", 5, key, &back, &err) == -EINVAL, "not a manifest: -EINVAL");
		}
		free(text);
	}
	{
		struct manifest *m2 = build_fixture("xmlrpc/vm.info.vm0.state-3-39.xml", &imgs);
		m2->time += 100;
		ok(manifest_same(m, m2), "a later manifest of the same VM is the same (time aside)");
		tmpl_set(m2->user_tmpl, "REPLICA_ROLE", "secondary");
		ok(!manifest_same(m, m2), "a changed attribute is not the same");
		manifest_free(m2);
	}
	{
		char *text = NULL;
		ok(manifest_to_text(m, &text) == 0 && strstr(text, "NAME=\"alpine-0-rep\"") &&
		   strstr(text, "SOURCE=\"one/one-1\""), "text form names the VM and the image SOURCEs");
		free(text);
	}
	manifest_free(m);
	one_objs_free(&imgs);
}

static void test_escaping(void)
{
	struct manifest *m = build_fixture("xmlrpc/vm.info.escaping.after-allocate.xml", NULL);
	struct manifest *back = NULL;
	struct manifest_error err = { "" };
	char *text = NULL;
	size_t len = 0;

	ok(m != NULL, "manifest of the escaping VM built");
	if (!m)
		return;
	/* values the text syntax cannot hold, and the rest of the zoo */
	tmpl_set(m->user_tmpl, "TRAILING", "C:\\dir\\ with \"quote\"\\");
	tmpl_set(m->user_tmpl, "ZOO", "[x] (y) <a & b> 'q' \"d\" \\\\ \n\t é ✓");
	ok(manifest_encode(m, key, &text, &len) == 0, "encoded");
	ok(manifest_decode(text, len, key, &back, &err) == 0, "decoded");
	is_str(back ? back->name : NULL, "alpine-[1]-(x) y", "name survives");
	is_str(back ? tmpl_get(back->user_tmpl, "NOTE") : NULL,
	       "lt < gt > amp & apos ' quot \" backslash \\\\ end", "NOTE survives");
	is_str(back ? tmpl_get(back->user_tmpl, "TRAILING") : NULL, "C:\\dir\\ with \"quote\"\\",
	       "value ending in a backslash survives");
	is_str(back ? tmpl_get(back->user_tmpl, "ZOO") : NULL, "[x] (y) <a & b> 'q' \"d\" \\\\ \n\t é ✓",
	       "brackets, <, &, quotes, newline, tab, UTF-8 survive");
	is_str(back ? tmpl_attr_get(tmpl_find(back->tmpl, "CONTEXT"), "SSH_PUBLIC_KEY") : NULL,
	       "ssh-ed25519 AAAA \"x\" <y> & z", "CONTEXT value survives");
	ok(back && manifest_same(m, back), "whole manifest survives");
	manifest_free(back);
	free(text);
	{
		char *big = malloc(MANIFEST_MAX_SIZE + 1);
		memset(big, 'x', MANIFEST_MAX_SIZE);
		big[MANIFEST_MAX_SIZE] = '\0';
		tmpl_set(m->user_tmpl, "BIG", big);
		ok(manifest_encode(m, key, &text, &len) == -E2BIG, "a manifest past the size limit: -E2BIG");
		free(big);
	}
	manifest_free(m);
}

static void test_unprotected(void)
{
	const char *xml =
		"<VM><ID>7</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>"
		"<NAME>mixed</NAME><STATE>3</STATE><LCM_STATE>3</LCM_STATE><TEMPLATE>"
		"<DISK><DISK_ID>0</DISK_ID><IMAGE_ID>3</IMAGE_ID><IMAGE>os</IMAGE><CLONE>NO</CLONE>"
		"<SOURCE>one/one-3</SOURCE><SIZE>10</SIZE><TM_MAD>ceph</TM_MAD></DISK>"
		"<DISK><DISK_ID>1</DISK_ID><IMAGE_ID>4</IMAGE_ID><IMAGE>iso</IMAGE><READONLY>YES</READONLY>"
		"<SOURCE>/var/lib/one/datastores/2/abc</SOURCE><TM_MAD>shared</TM_MAD><SIZE>1</SIZE></DISK>"
		"<DISK><DISK_ID>2</DISK_ID><TYPE>fs</TYPE><SIZE>5</SIZE></DISK>"
		"<DISK><DISK_ID>3</DISK_ID><IMAGE_ID>5</IMAGE_ID><SOURCE>noslash</SOURCE><TM_MAD>ceph</TM_MAD>"
		"<SIZE>1</SIZE></DISK>"
		"</TEMPLATE><USER_TEMPLATE/></VM>";
	struct one_vm *vm = NULL;
	struct manifest *m = NULL;
	struct manifest_error err = { "" };

	ok(one_vm_parse(xml, strlen(xml), &vm) == 0, "hand-made VM read");
	ok(manifest_build(vm, NULL, "site-a", 1, &m, &err) == -EINVAL && strstr(err.msg, "DISK 3"),
	   "a Ceph disk whose SOURCE is not pool/image: -EINVAL naming the disk (%s)", err.msg);
	/* without disk 3 */
	one_vm_free(vm);
	{
		char *x = strdup(xml);
		char *cut = strstr(x, "<DISK><DISK_ID>3");
		strcpy(cut, "</TEMPLATE><USER_TEMPLATE/></VM>");
		ok(one_vm_parse(x, strlen(x), &vm) == 0, "VM without the bad disk read");
		free(x);
	}
	ok(manifest_build(vm, NULL, "site-a", 1, &m, &err) == 0, "built");
	ok(m && m->n_disks == 3 && m->disks[0].kind == DISK_PERSISTENT, "disk 0 on Ceph is protected");
	ok(m && m->disks[1].kind == DISK_UNPROTECTED && strstr(m->disks[1].reason, "shared"),
	   "CD-ROM from a file datastore is listed as unprotected, with the reason");
	ok(m && m->disks[2].kind == DISK_UNPROTECTED && strstr(m->disks[2].reason, "never deployed"),
	   "volatile disk of an undeployed VM is listed as unprotected");
	is_str(m ? tmpl_get(m->disks[0].image, "TYPE") : NULL, "OS", "first disk without image document: OS");
	{
		char *text = NULL;
		size_t len;
		struct manifest *back = NULL;
		ok(m && manifest_encode(m, key, &text, &len) == 0 && manifest_decode(text, len, key, &back, &err) == 0 &&
		   back->n_disks == 3 && back->disks[1].kind == DISK_UNPROTECTED, "unprotected disks survive a round trip");
		manifest_free(back);
		free(text);
	}
	manifest_free(m);
	one_vm_free(vm);
}

/* A datastore switched to the onedr drivers (TM_MAD onedr wraps ceph): its
 * disks are Ceph disks, protected like TM_MAD ceph's. */
static void test_tm_onedr(void)
{
	const char *xml =
		"<VM><ID>8</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>"
		"<NAME>onedr-tm</NAME><STATE>3</STATE><LCM_STATE>3</LCM_STATE><TEMPLATE>"
		"<DISK><DISK_ID>0</DISK_ID><IMAGE_ID>3</IMAGE_ID><IMAGE>os</IMAGE><CLONE>NO</CLONE>"
		"<SOURCE>one/one-3</SOURCE><SIZE>10</SIZE><TM_MAD>onedr</TM_MAD></DISK>"
		"<DISK><DISK_ID>1</DISK_ID><IMAGE_ID>4</IMAGE_ID><IMAGE>data</IMAGE><CLONE>YES</CLONE>"
		"<SOURCE>one/one-4</SOURCE><SIZE>10</SIZE><TM_MAD>onedr</TM_MAD></DISK>"
		"</TEMPLATE><USER_TEMPLATE/></VM>";
	struct one_vm *vm = NULL;
	struct manifest *m = NULL;
	struct manifest_error err = { "" };

	ok(one_vm_parse(xml, strlen(xml), &vm) == 0, "VM with TM_MAD onedr disks read");
	ok(manifest_build(vm, NULL, "site-a", 1, &m, &err) == 0, "built");
	ok(m && m->n_disks == 2 && m->disks[0].kind == DISK_PERSISTENT,
	   "a TM_MAD onedr persistent disk is protected as a Ceph disk (%s)",
	   m && m->disks[0].reason ? m->disks[0].reason : "");
	ok(m && m->disks[1].kind == DISK_CLONE && !strcmp(m->disks[1].rbd, "one-4-8-1"),
	   "a TM_MAD onedr clone is the Ceph clone one-IMG-VM-DISK");
	ok(one_tm_is_ceph("ceph") && one_tm_is_ceph("onedr") && !one_tm_is_ceph("shared") &&
	   !one_tm_is_ceph(NULL) && !one_tm_is_ceph("onedrx"), "one_tm_is_ceph: ceph and onedr only");
	manifest_free(m);
	one_vm_free(vm);
}

/* m encoded with key, decoded back: the return code, the reason in err */
static int round_trip(const struct manifest *m, struct manifest **back, struct manifest_error *err)
{
	char *text = NULL;
	size_t len;
	int r = manifest_encode(m, key, &text, &len);

	*back = NULL;
	err->msg[0] = '\0';
	if (r == 0)
		r = manifest_decode(text, len, key, back, err);
	free(text);
	return r;
}

static void test_trust(void)
{
	struct manifest *m = build_fixture("xmlrpc/vm.info.vm0.state-3-39.xml", NULL), *back = NULL;
	struct manifest_error err = { "" };
	char *text = NULL, hex[2 * SHA256_DIGEST_LENGTH + 1], *v1;
	unsigned char d[SHA256_DIGEST_LENGTH];
	size_t len;

	ok(m != NULL, "manifest built");
	if (!m)
		return;
	ok(manifest_has_disk(m, "one", "one-1") && manifest_has_disk(m, "one", "one-0-0-0") &&
	   !manifest_has_disk(m, "one", "one-9") && !manifest_has_disk(m, "two", "one-1"),
	   "manifest_has_disk: its disks' pool/RBD, nothing else");

	/* a version 1 manifest (an older onedr): the same body, a bare checksum */
	ok(manifest_encode(m, key, &text, &len) == 0, "encoded");
	{
		char *body = strchr(text, '\n') + 1, *ver = strstr(body, "<VERSION>2</VERSION>");

		ver[9] = '1';
		SHA256((unsigned char *)body, strlen(body), d);
		for (size_t i = 0; i < sizeof(d); i++)
			sprintf(hex + 2 * i, "%02x", d[i]);
		if (asprintf(&v1, "onedr-manifest 1 sha256=%s\n%s", hex, body) < 0)
			exit(1);
	}
	ok(manifest_decode(v1, strlen(v1), key, &back, &err) == 0 && back->auth == MANIFEST_UNSIGNED &&
	   back->vm_id == 0, "version 1 is read, as unsigned (%s)", err.msg);
	manifest_free(back);
	back = NULL;
	strstr(v1, "alpine-data-1")[0] = 'A';
	ok(manifest_decode(v1, strlen(v1), key, &back, &err) == -EBADMSG && strstr(err.msg, "checksum"),
	   "version 1 with a changed byte: -EBADMSG (%s)", err.msg);
	free(v1);
	free(text);

	/* retired: signed like the rest, and it survives */
	m->retired = 1795700000;
	ok(round_trip(m, &back, &err) == 0 && back->retired == 1795700000, "RETIRED survives a round trip");
	ok(back && manifest_same(m, back), "a retired manifest equals itself");
	manifest_free(back);
	back = NULL;
	ok(manifest_to_text(m, &text) == 0 && strstr(text, "# RETIRED 2026-"), "text form says RETIRED");
	free(text);
	{
		struct manifest *live = build_fixture("xmlrpc/vm.info.vm0.state-3-39.xml", NULL);

		ok(live && !live->retired && !manifest_same(m, live), "retired differs from the live manifest");
		manifest_free(live);
	}
	m->retired = 0;

	/* an image template registering another RBD, or more than onedr writes */
	tmpl_set(m->disks[1].image, "SOURCE", "one/one-99");
	ok(round_trip(m, &back, &err) == -EINVAL && strstr(err.msg, "DISK 1") && strstr(err.msg, "one/one-99"),
	   "a SOURCE that is not the disk's RBD: -EINVAL (%s)", err.msg);
	tmpl_set(m->disks[1].image, "SOURCE", "one/one-1");
	ok(round_trip(m, &back, &err) == 0, "SOURCE put back: read");
	manifest_free(back);
	back = NULL;
	tmpl_add(m->disks[1].image, "PATH", "/etc/shadow");
	ok(round_trip(m, &back, &err) == -EINVAL && strstr(err.msg, "'PATH' is not one onedr writes"),
	   "an image attribute onedr does not write: -EINVAL (%s)", err.msg);
	tmpl_remove(m->disks[1].image, "PATH");
	tmpl_set(m->disks[1].image, "PERSISTENT", "NO");
	ok(round_trip(m, &back, &err) == -EINVAL && strstr(err.msg, "PERSISTENT"),
	   "a non-persistent image template: -EINVAL (%s)", err.msg);
	manifest_free(m);
}

int main(void)
{
	test_keys();
	test_source_split();
	test_vm_doc();
	test_build();
	test_escaping();
	test_unprotected();
	test_tm_onedr();
	test_trust();
	manifest_key_free(key);
	manifest_key_free(other_key);
	return tap_done();
}

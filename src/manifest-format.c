/*
 * manifest-format.c: the stored form of a manifest: the signing key, the
 * header line and the XML body, written and read back; see manifest-format.h.
 */
#include "config.h"

#include "manifest-format.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
		return manifest_fail(err, -errno, "cannot open signing key '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		r = manifest_fail(err, -errno, "cannot stat signing key '%s': %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = manifest_fail(err, -EINVAL, "signing key '%s' is not a regular file", path);
	else if (st.st_uid != geteuid())
		r = manifest_fail(err, -EPERM, "signing key '%s' is not owned by the user running onedr (uid %u)",
			 path, (unsigned)geteuid());
	else if (st.st_mode & 077)
		r = manifest_fail(err, -EPERM, "signing key '%s' is readable or writable by group or others (mode %04o): chmod 600 it",
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
			r = manifest_fail(err, -errno, "cannot read signing key '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r == 0 && (len < MANIFEST_KEY_MIN || len > MANIFEST_KEY_MAX))
		r = manifest_fail(err, -EINVAL, "signing key '%s' must hold %u to %u bytes (make one with: head -c 32 /dev/urandom >'%s')",
			 path, MANIFEST_KEY_MIN, MANIFEST_KEY_MAX, path);
	if (r < 0) {
		manifest_key_free(k);
		return r;
	}
	k->len = len;
	*ret = k;
	return 0;
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

/* What image_template() (manifest-build.c) writes: nothing else may be registered on the other
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
		if (!a->value || !manifest_name_in(a->name, image_attrs))
			return manifest_fail(err, -EINVAL, "DISK %d: image template attribute '%s' is not one onedr writes",
				    d->disk_id, a->name);
		for (const struct tmpl_attr *b = a->next; b; b = b->next)
			if (!strcmp(a->name, b->name))
				return manifest_fail(err, -EINVAL, "DISK %d: image template has two %s",
					    d->disk_id, a->name);
	}
	if (!src || strncmp(src, d->pool, pl) || src[pl] != '/' || strcmp(src + pl + 1, d->rbd))
		return manifest_fail(err, -EINVAL, "DISK %d: image template SOURCE '%s' is not the disk's RBD %s/%s",
			    d->disk_id, src ? src : "", d->pool, d->rbd);
	if (!pers || strcmp(pers, "YES"))
		return manifest_fail(err, -EINVAL, "DISK %d: image template is not PERSISTENT=YES", d->disk_id);
	return 0;
}

static int read_disk(xmlNodePtr n, struct manifest_disk *d, struct manifest_error *err)
{
	char *kind;
	xmlNodePtr it;
	int r;

	if ((r = one_xml_int(n, "DISK_ID", true, &d->disk_id)) < 0 ||
	    (r = one_xml_str(n, "KIND", true, &kind)) < 0)
		return manifest_fail(err, r, "a DISK without DISK_ID or KIND");
	r = kind_from_name(kind, &d->kind);
	free(kind);
	if (r < 0)
		return manifest_fail(err, r, "DISK %d: unknown KIND", d->disk_id);
	if ((r = one_xml_str(n, "POOL", false, &d->pool)) < 0 ||
	    (r = one_xml_str(n, "RBD", false, &d->rbd)) < 0 ||
	    (r = one_xml_str(n, "REASON", false, &d->reason)) < 0 ||
	    (r = one_xml_str(n, "DATASTORE", false, &d->datastore)) < 0 ||
	    (r = one_xml_int(n, "DATASTORE_ID", true, &d->datastore_id)) < 0 ||
	    (r = one_xml_int(n, "IMAGE_ID", true, &d->image_id)) < 0 ||
	    (r = one_xml_str(n, "UNAME", false, &d->uname)) < 0 ||
	    (r = one_xml_str(n, "GNAME", false, &d->gname)) < 0)
		return manifest_fail(err, r, "DISK %d: malformed", d->disk_id);
	it = one_xml_child(n, "IMAGE_TEMPLATE");
	if (d->kind == DISK_UNPROTECTED) {
		if (!d->reason || it || d->pool || d->rbd)
			return manifest_fail(err, -EINVAL, "DISK %d: malformed unprotected disk", d->disk_id);
		return 0;
	}
	if (!d->pool || !d->rbd || !*d->pool || !*d->rbd || strchr(d->pool, '/') ||
	    strchr(d->rbd, '/') || !it)
		return manifest_fail(err, -EINVAL, "DISK %d: no pool, RBD or image template", d->disk_id);
	r = one_tmpl_from_xml(it, &d->image);
	if (r < 0)
		return manifest_fail(err, r, "DISK %d: malformed image template", d->disk_id);
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
		return manifest_fail(err, -EINVAL, "not an onedr manifest");
	nl = memchr(text, '\n', len);
	if (!nl)
		return manifest_fail(err, -EINVAL, "no header line");
	p = text + strlen(MAGIC);
	if (!isdigit((unsigned char)*p))
		return manifest_fail(err, -EINVAL, "no format version");
	errno = 0;
	version = strtoul(p, &end, 10);
	if (errno || end > nl)
		return manifest_fail(err, -EINVAL, "bad format version");
	if (version != 1 && version != MANIFEST_VERSION)
		return manifest_fail(err, -EPROTONOSUPPORT,
			    "format version %lu, this onedr reads versions 1 and %d", version,
			    MANIFEST_VERSION);
	tag = version == 1 ? SUM_TAG : SIG_TAG;
	tl = strlen(tag);
	if ((size_t)(nl - end) != tl + DIGEST_HEX_LEN || memcmp(end, tag, tl) != 0)
		return manifest_fail(err, -EINVAL, "malformed header line");
	body = nl + 1;
	blen = len - (size_t)(body - text);
	if (version == 1) {
		if ((r = sha256_hex(body, blen, hex)) < 0)
			return r;
		if (memcmp(hex, end + tl, DIGEST_HEX_LEN) != 0)
			return manifest_fail(err, -EBADMSG, "checksum mismatch: damaged or partly written");
		*ret_auth = MANIFEST_UNSIGNED;
	} else if (key) {
		if ((r = hmac_hex(key, body, blen, hex)) < 0)
			return r;
		if (CRYPTO_memcmp(hex, end + tl, DIGEST_HEX_LEN) != 0)
			return manifest_fail(err, -EBADMSG,
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
		return manifest_fail(err, -E2BIG, "larger than %u bytes", MANIFEST_MAX_SIZE);
	r = check_header(text, len, key, &version, &auth, &body, err);
	if (r < 0)
		return r;

	doc = xmlReadMemory(body, (int)(len - (size_t)(body - text)), NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			    XML_PARSE_NOCDATA);
	if (!doc)
		return manifest_fail(err, -EINVAL, "body is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	r = -EINVAL;
	if (!root || xmlStrcmp(root->name, BAD_CAST "ONEDR_MANIFEST") != 0) {
		manifest_fail(err, r, "body is not an ONEDR_MANIFEST");
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = one_xml_ll(root, "VERSION", true, &v)) < 0 || v != (long long)version) {
		r = manifest_fail(err, -EINVAL, "VERSION differs from the header");
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
		r = manifest_fail(err, r == -ENOMEM ? r : -EINVAL, "missing or malformed SITE, VM_ID, TIME, RETIRED or NAME");
		goto out;
	}
	if (!one_xml_child(root, "TEMPLATE") || !one_xml_child(root, "USER_TEMPLATE")) {
		r = manifest_fail(err, -EINVAL, "no TEMPLATE or USER_TEMPLATE");
		goto out;
	}
	if ((r = one_tmpl_from_xml(one_xml_child(root, "TEMPLATE"), &m->tmpl)) < 0 ||
	    (r = one_tmpl_from_xml(one_xml_child(root, "USER_TEMPLATE"), &m->user_tmpl)) < 0) {
		manifest_fail(err, r, "malformed TEMPLATE or USER_TEMPLATE");
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

/*
 * hook-payload.c: the base64 XML document oned hands a hook, decoded and
 * checked (see hook-payload.h).
 */
#include "config.h"

#include "hook-payload.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* No network, no entity substitution, no diagnostics on stderr. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

static const char *const kind_names[] = {
	[HOOK_VM] = "VM", [HOOK_HOST] = "HOST", [HOOK_IMAGE] = "IMAGE",
	[HOOK_VNET] = "VNET", [HOOK_CALL] = "CALL_INFO",
};

const char *hook_kind_name(enum hook_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

static int fail(int r, char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int r, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 (RFC 4648 section 4): whole quanta, '=' only as the padding
 * of the last one, unused bits zero. *ret is NUL-terminated. */
static int b64_decode(const char *in, size_t len, char **ret, size_t *ret_len,
		      char *msg, size_t msglen)
{
	size_t i, pad = 0, n = 0;
	char *out;

	if (len == 0)
		return fail(-EINVAL, msg, msglen, "empty payload");
	if (len % 4)
		return fail(-EINVAL, msg, msglen, "bad base64: length %zu is not a multiple of 4", len);
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < len; i += 4) {
		int v[4];
		bool last = i + 4 == len;

		for (int k = 0; k < 4; k++) {
			v[k] = b64_value((unsigned char)in[i + k]);
			if (v[k] < 0 && !(last && in[i + k] == '=' && k >= 4 - (int)pad)) {
				free(out);
				return fail(-EINVAL, msg, msglen,
					    "bad base64: unexpected character at offset %zu", i + k);
			}
		}
		out[n++] = (char)(v[0] << 2 | v[1] >> 4);
		if (last && pad == 2) {
			if (v[1] & 0xf)
				goto bits;
			break;
		}
		out[n++] = (char)((v[1] & 0xf) << 4 | v[2] >> 2);
		if (last && pad == 1) {
			if (v[2] & 0x3)
				goto bits;
			break;
		}
		out[n++] = (char)((v[2] & 0x3) << 6 | v[3]);
	}
	out[n] = '\0';
	*ret = out;
	*ret_len = n;
	return 0;
bits:
	free(out);
	return fail(-EINVAL, msg, msglen, "bad base64: non-zero bits in the padding");
}

static int kind_of(const xmlChar *name, enum hook_kind *ret)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!xmlStrcmp(name, BAD_CAST kind_names[i])) {
			*ret = (enum hook_kind)i;
			return 0;
		}
	return -EINVAL;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !xmlStrcmp(c->name, BAD_CAST name))
			return c;
	return NULL;
}

/* The text of n's child name, stripped of surrounding blanks, malloc'd;
 * NULL when there is no such child (or no memory: *ret_r). */
static char *child_text(xmlNodePtr n, const char *name, bool strip, int *ret_r)
{
	xmlNodePtr c = child(n, name);
	xmlChar *t;
	char *s, *b, *e;

	*ret_r = 0;
	if (!c)
		return NULL;
	t = xmlNodeGetContent(c);
	s = strdup(t ? (const char *)t : "");
	xmlFree(t);
	if (!s) {
		*ret_r = -ENOMEM;
		return NULL;
	}
	if (strip) {
		for (b = s; *b == ' ' || *b == '\n' || *b == '\t' || *b == '\r'; b++)
			;
		for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' ||
						  e[-1] == '\r'); e--)
			;
		memmove(s, b, (size_t)(e - b));
		s[e - b] = '\0';
	}
	return s;
}

static int parse_int(const char *s, int *ret)
{
	long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -EINVAL;
	}
	*ret = (int)v;
	return 0;
}

static int add_param(struct hook_payload *p, xmlNodePtr n, char *msg, size_t msglen)
{
	struct hook_param *v, q = { 0, false, NULL };
	char *pos, *type;
	int r, r2;

	pos = child_text(n, "POSITION", true, &r);
	type = child_text(n, "TYPE", true, &r2);
	if (r < 0 || r2 < 0) {
		r = -ENOMEM;
		goto out;
	}
	if (!pos || parse_int(pos, &q.position) < 0 || !type ||
	    (strcmp(type, "IN") && strcmp(type, "OUT"))) {
		r = fail(-EINVAL, msg, msglen, "bad CALL_INFO: a PARAMETER without POSITION or TYPE");
		goto out;
	}
	q.out = !strcmp(type, "OUT");
	q.value = child_text(n, "VALUE", false, &r);
	if (r < 0)
		goto out;
	if (!q.value && !(q.value = strdup(""))) {
		r = -ENOMEM;
		goto out;
	}
	v = realloc(p->params, (p->nparams + 1) * sizeof(*v));
	if (!v) {
		free(q.value);
		r = -ENOMEM;
		goto out;
	}
	p->params = v;
	p->params[p->nparams++] = q;
	r = 0;
out:
	free(pos);
	free(type);
	return r;
}

static int set_extra(struct hook_payload *p, xmlDocPtr doc, xmlNodePtr extra)
{
	xmlBufferPtr buf;

	for (xmlNodePtr c = extra->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!(buf = xmlBufferCreate()))
			return -ENOMEM;
		if (xmlNodeDump(buf, doc, c, 0, 0) < 0) {
			xmlBufferFree(buf);
			return -ENOMEM;
		}
		p->extra = strdup((const char *)xmlBufferContent(buf));
		xmlBufferFree(buf);
		return p->extra ? 0 : -ENOMEM;
	}
	return 0;
}

/* The PARAMETERs and the EXTRA under n, wherever a recovering parser nested
 * them, but never inside a VALUE (which is text from the caller). */
static int walk_call(struct hook_payload *p, xmlDocPtr doc, xmlNodePtr n, bool *seen_extra,
		     char *msg, size_t msglen)
{
	int r = 0;

	for (xmlNodePtr c = n->children; c && r == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !xmlStrcmp(c->name, BAD_CAST "VALUE"))
			continue;
		if (!xmlStrcmp(c->name, BAD_CAST "EXTRA")) {
			if (!*seen_extra)
				r = set_extra(p, doc, c);
			*seen_extra = true;
			continue;
		}
		if (!xmlStrcmp(c->name, BAD_CAST "PARAMETER"))
			r = add_param(p, c, msg, msglen);
		if (r == 0)
			r = walk_call(p, doc, c, seen_extra, msg, msglen);
	}
	return r;
}

static int read_call(struct hook_payload *p, xmlDocPtr doc, xmlNodePtr root, char *msg,
		     size_t msglen)
{
	xmlNodePtr params = child(root, "PARAMETERS");
	bool seen_extra = false;
	char *result;
	int r;

	result = child_text(root, "RESULT", true, &r);
	if (r < 0)
		return r;
	if (!result || (strcmp(result, "0") && strcmp(result, "1"))) {
		free(result);
		return fail(-EINVAL, msg, msglen, "bad CALL_INFO: RESULT is not 0 or 1");
	}
	p->call_ok = !strcmp(result, "1");
	free(result);
	if (!params)
		return fail(-EINVAL, msg, msglen, "bad CALL_INFO: no PARAMETERS");
	r = walk_call(p, doc, params, &seen_extra, msg, msglen);
	if (r == 0 && !seen_extra && child(root, "EXTRA"))
		r = set_extra(p, doc, child(root, "EXTRA"));
	return r;
}

static int parse_xml(struct hook_payload *p, char *msg, size_t msglen)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	int r;

	if (strlen(p->xml) != p->len)
		return fail(-EINVAL, msg, msglen, "bad payload: a NUL byte in the document");
	doc = xmlReadMemory(p->xml, (int)p->len, NULL, NULL, PARSE_OPTIONS);
	if (!doc)
		return fail(-EINVAL, msg, msglen, "bad payload: not a well-formed XML document");
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return fail(-EINVAL, msg, msglen, "bad payload: the document has a DTD");
	}
	root = xmlDocGetRootElement(doc);
	if (!root || kind_of(root->name, &p->kind) < 0) {
		r = fail(-EINVAL, msg, msglen,
			 "bad payload: root element '%.32s' is not VM, HOST, IMAGE, VNET or CALL_INFO",
			 root ? (const char *)root->name : "");
		xmlFreeDoc(doc);
		return r;
	}
	r = p->kind == HOOK_CALL ? read_call(p, doc, root, msg, msglen) : 0;
	xmlFreeDoc(doc);
	return r;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static int add_word(struct hook_payload *p, const char *w, size_t len)
{
	char **v = realloc(p->words, (p->nwords + 2) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->words = v;
	if (!(v[p->nwords] = strndup(w, len)))
		return -ENOMEM;
	v[++p->nwords] = NULL;
	return 0;
}

int hook_payload_decode(const char *text, size_t len, struct hook_payload **ret,
			char *msg, size_t msglen)
{
	struct hook_payload *p;
	size_t i, b, e;
	int r;

	if (msg && msglen)
		msg[0] = '\0';
	if (len > HOOK_PAYLOAD_MAX)
		return fail(-E2BIG, msg, msglen, "payload larger than %u bytes", HOOK_PAYLOAD_MAX);
	if (len && text[len - 1] == '\n')
		len -= len > 1 && text[len - 2] == '\r' ? 2 : 1;
	if (memchr(text, '\n', len) || memchr(text, '\r', len) || memchr(text, '\0', len))
		return fail(-EINVAL, msg, msglen, "bad payload: more than one line");
	for (b = 0; b < len && blank(text[b]); b++)
		;
	for (e = b; e < len && !blank(text[e]); e++)
		;
	if (e == b)
		return fail(-EINVAL, msg, msglen, "no payload: expected the base64 document oned sends");
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = b64_decode(text + b, e - b, &p->xml, &p->len, msg, msglen);
	if (r == 0)
		r = parse_xml(p, msg, msglen);
	for (i = e; r == 0 && i < len;) {
		for (; i < len && blank(text[i]); i++)
			;
		for (b = i; i < len && !blank(text[i]); i++)
			;
		if (i > b)
			r = add_word(p, text + b, i - b);
	}
	if (r < 0) {
		if (r == -ENOMEM && msg && msglen && !msg[0])
			fail(r, msg, msglen, "out of memory");
		hook_payload_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int read_fd(int fd, char **ret, size_t *ret_len, char *msg, size_t msglen)
{
	size_t n = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t got;

	if (isatty(fd))
		return fail(-EINVAL, msg, msglen,
			    "no payload: expected the base64 document on stdin or as the first argument");
	for (;;) {
		if (n == cap) {
			if (cap > HOOK_PAYLOAD_MAX) {
				free(buf);
				return fail(-E2BIG, msg, msglen, "payload larger than %u bytes",
					    HOOK_PAYLOAD_MAX);
			}
			cap = cap ? cap * 2 : 65536;
			if (!(nb = realloc(buf, cap + 1))) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int r = -errno;

			free(buf);
			return fail(r, msg, msglen, "cannot read the payload on stdin: %s", strerror(-r));
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

int hook_payload_read(int argc, char **argv, int fd, struct hook_payload **ret,
		      char *msg, size_t msglen)
{
	char *text = NULL;
	size_t len = 0, n;
	int i, r;

	if (argc > 0) {
		/* the words oned split on blanks, joined back */
		for (i = 0; i < argc; i++) {
			n = strlen(argv[i]);
			if (len + n + 1 > HOOK_PAYLOAD_MAX + 1) {
				free(text);
				return fail(-E2BIG, msg, msglen, "payload larger than %u bytes",
					    HOOK_PAYLOAD_MAX);
			}
			char *nt = realloc(text, len + n + 2);

			if (!nt) {
				free(text);
				return -ENOMEM;
			}
			text = nt;
			if (i)
				text[len++] = ' ';
			memcpy(text + len, argv[i], n);
			len += n;
		}
	} else {
		r = read_fd(fd, &text, &len, msg, msglen);
		if (r < 0)
			return r;
	}
	r = hook_payload_decode(text ? text : "", len, ret, msg, msglen);
	free(text);
	return r;
}

void hook_payload_free(struct hook_payload *p)
{
	if (!p)
		return;
	free(p->xml);
	for (size_t i = 0; i < p->nwords; i++)
		free(p->words[i]);
	free(p->words);
	for (size_t i = 0; i < p->nparams; i++)
		free(p->params[i].value);
	free(p->params);
	free(p->extra);
	free(p);
}

const char *hook_param(const struct hook_payload *p, bool out, int position)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (p->params[i].out == out && p->params[i].position == position)
			return p->params[i].value;
	return NULL;
}

int hook_param_id(const struct hook_payload *p, int position, int *ret)
{
	const char *v = hook_param(p, false, position);

	if (!v)
		return -ENOENT;
	return parse_int(v, ret);
}

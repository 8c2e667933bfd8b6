/*
 * template.c - OpenNebula template text: parse, edit, serialize
 *
 * The parser is a hand-written scanner that follows the token rules of oned's
 * flex lexer (src/parsers/template_parser.l): which bytes end an unquoted
 * value, which quote closes a quoted one (the first '"' not preceded by a
 * backslash), when a line holding "]]>" is refused. It works in one pass, with
 * no recursion, in time linear in the input. See template.h for the grammar
 * and for where it refuses what oned would accept.
 */
#include "template.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SHOWN_NAME_MAX 40

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes that end an unquoted value in oned's lexer:
 * STRING [^=#[:blank:]\n,\[\]]+ */
static bool ends_bare(char c)
{
	return c == '=' || c == '#' || c == ' ' || c == '\t' || c == '\n' ||
	       c == ',' || c == '[' || c == ']';
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool name_eq(const char *stored, const char *name)
{
	for (; *stored && *name; stored++, name++)
		if (upper(*stored) != upper(*name))
			return false;
	return *stored == *name;
}

static bool valid_name(const char *name)
{
	if (!name || !*name)
		return false;
	for (; *name; name++)
		if (!is_name_char(*name))
			return false;
	return true;
}

static char *copy_upper(const char *s, size_t len)
{
	char *r = malloc(len + 1);

	if (!r)
		return NULL;
	for (size_t i = 0; i < len; i++)
		r[i] = upper(s[i]);
	r[len] = '\0';
	return r;
}

static char *copy_str(const char *s)
{
	size_t len = strlen(s);
	char *r = malloc(len + 1);

	if (r)
		memcpy(r, s, len + 1);
	return r;
}

static const char *find_cdata_end(const char *p, const char *end)
{
	for (; end - p >= 3; p++)
		if (p[0] == ']' && p[1] == ']' && p[2] == '>')
			return p;
	return NULL;
}

/* Takes ownership of value (NULL for a vector). */
static struct tmpl_attr *attr_new(const char *name, size_t name_len,
				  char *value)
{
	struct tmpl_attr *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->name = copy_upper(name, name_len);
	if (!a->name) {
		free(a);
		return NULL;
	}
	a->value = value;
	return a;
}

/* Frees a list and everything below it, without recursion: the members of
 * a vector are spliced into the list in its place. */
static void attr_list_free(struct tmpl_attr *a)
{
	while (a) {
		struct tmpl_attr *next;

		if (a->sub) {
			struct tmpl_attr *last = a->sub;

			while (last->next)
				last = last->next;
			last->next = a->next;
			a->next = a->sub;
			a->sub = NULL;
		}
		next = a->next;
		free(a->name);
		free(a->value);
		free(a);
		a = next;
	}
}

static void tmpl_append(struct tmpl *t, struct tmpl_attr *a)
{
	if (t->tail)
		t->tail->next = a;
	else
		t->head = a;
	t->tail = a;
}

struct tmpl *tmpl_new(void)
{
	return calloc(1, sizeof(struct tmpl));
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	attr_list_free(t->head);
	free(t);
}

/* ------------------------------------------------------------------------ */
/* Parser                                                                   */
/* ------------------------------------------------------------------------ */

struct parser {
	const char *text;
	const char *p;
	const char *end;
	const char *nl;    /* next '\n' at or after the last value start, or end */
	const char *cdata; /* next "]]>" at or after it, or end */
	const char *bare_end; /* end of the last unquoted value, for a hint */
	struct tmpl_error *err;
};

/* The name as the user wrote it, shortened for messages. */
struct shown {
	char s[SHOWN_NAME_MAX + 4];
};

static const char *shown(struct shown *b, const char *name, size_t len)
{
	if (len > SHOWN_NAME_MAX)
		snprintf(b->s, sizeof(b->s), "%.*s...", SHOWN_NAME_MAX, name);
	else
		snprintf(b->s, sizeof(b->s), "%.*s", (int)len, name);
	return b->s;
}

/* What the parser found at 'at', for "..., found X". */
struct found {
	char s[24];
};

static const char *found(struct found *b, const struct parser *ps,
			 const char *at)
{
	unsigned char c;

	if (at >= ps->end)
		return "end of input";
	c = (unsigned char)*at;
	if (c == '\n')
		return "end of line";
	if (c > 0x20 && c < 0x7f)
		snprintf(b->s, sizeof(b->s), "'%c'", c);
	else
		snprintf(b->s, sizeof(b->s), "byte 0x%02x", c);
	return b->s;
}

static int line_of(const struct parser *ps, const char *at)
{
	int line = 1;

	for (const char *q = ps->text; q < at; q++)
		if (*q == '\n')
			line++;
	return line;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	const char *bol = ps->text;
	va_list ap;
	int line = 1;

	if (!ps->err)
		return -EINVAL;
	for (const char *q = ps->text; q < at; q++)
		if (*q == '\n') {
			line++;
			bol = q + 1;
		}
	ps->err->line = line;
	ps->err->column = (int)(at - bol) + 1;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int fail_cr(struct parser *ps, const char *at)
{
	return fail(ps, at, "carriage return outside a quoted value "
		    "(CRLF line endings are not supported)");
}

/* Skips blanks, newlines and comments. A comment runs to the end of the line
 * (or of the input: oned wants a newline there, we do not). */
static int skip_space(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == '\n') {
			ps->p++;
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (c == '\r') {
			return fail_cr(ps, ps->p);
		} else {
			break;
		}
	}
	return 0;
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && is_blank(*ps->p))
		ps->p++;
}

/* oned's lexer turns the rest of the line after a '=' into a CDATA-terminator
 * token, and the parse fails, when that rest contains "]]>". Both lookups
 * are cached, so a long line with many '=' stays linear. */
static bool line_has_cdata_end(struct parser *ps, const char *v)
{
	if (!ps->nl || ps->nl < v) {
		ps->nl = memchr(v, '\n', (size_t)(ps->end - v));
		if (!ps->nl)
			ps->nl = ps->end;
	}
	if (!ps->cdata || ps->cdata < v) {
		ps->cdata = find_cdata_end(v, ps->end);
		if (!ps->cdata)
			ps->cdata = ps->end;
	}
	return ps->cdata < ps->nl;
}

/* Copies n bytes, turning each \" into " (a single left-to-right pass, like
 * the unescape() of template_syntax.y). */
static char *unescape(const char *s, size_t n)
{
	char *r = malloc(n + 1);
	size_t j = 0;

	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '"')
			i++;
		r[j++] = s[i];
	}
	r[j] = '\0';
	return r;
}

/* Context of a value, for messages. */
struct where {
	const char *name;
	size_t name_len;
	const char *vec;      /* vector name, or NULL at the top level */
	size_t vec_len;
};

static const char *in_vec(char *buf, size_t size, const struct where *w)
{
	struct shown sv;

	if (!w->vec)
		return "";
	snprintf(buf, size, " in vector '%s'", shown(&sv, w->vec, w->vec_len));
	return buf;
}

static int parse_quoted(struct parser *ps, const struct where *w,
			char **ret_value)
{
	const char *open = ps->p, *q;
	bool bare_run = true; /* oned's unquoted rule would still be matching */
	struct shown sn;
	struct found f;
	char *v;

	for (q = open + 1; q < ps->end; q++) {
		if (*q == '"' && q[-1] != '\\')
			break;
		if (ends_bare(*q))
			bare_run = false;
	}
	if (q == ps->end)
		return fail(ps, open, "unterminated quoted value of '%s' "
			    "starting on line %d",
			    shown(&sn, w->name, w->name_len),
			    line_of(ps, open));
	/* flex takes the longest match: if the unquoted rule runs past the
	 * closing quote, oned reads the quotes as part of the value */
	if (bare_run && q + 1 < ps->end && !ends_bare(q[1])) {
		if (q[1] == '\r')
			return fail_cr(ps, q + 1);
		return fail(ps, q + 1, "unexpected %s right after the closing "
			    "quote of '%s'", found(&f, ps, q + 1),
			    shown(&sn, w->name, w->name_len));
	}
	/* ps->cdata is the first "]]>" after the opening quote (parse_value
	 * looked it up); one on a later line of the value is refused too, as
	 * oned could not store it in its XML */
	if (ps->cdata < q)
		return fail(ps, ps->cdata, "value of '%s' contains ']]>' "
			    "(oned refuses it)",
			    shown(&sn, w->name, w->name_len));
	v = unescape(open + 1, (size_t)(q - open - 1));
	if (!v)
		return -ENOMEM;
	ps->p = q + 1;
	*ret_value = v;
	return 0;
}

/* A value at ps->p, which is not a blank, a newline, '[' or the end. */
static int parse_value(struct parser *ps, const struct where *w,
		       char **ret_value)
{
	const char *start = ps->p, *q;
	struct shown sn;
	struct found f;
	char buf[64];
	char *v;

	if (line_has_cdata_end(ps, start))
		return fail(ps, ps->cdata, "']]>' on the line of '%s =' "
			    "(oned refuses it)",
			    shown(&sn, w->name, w->name_len));
	if (*start == '"')
		return parse_quoted(ps, w, ret_value);
	if (ends_bare(*start))
		return fail(ps, start, "expected value after '%s ='%s, found %s",
			    shown(&sn, w->name, w->name_len),
			    in_vec(buf, sizeof(buf), w), found(&f, ps, start));
	for (q = start; q < ps->end && !ends_bare(*q); q++)
		if (*q == '\r')
			return fail_cr(ps, q);
	v = unescape(start, (size_t)(q - start));
	if (!v)
		return -ENOMEM;
	ps->p = q;
	ps->bare_end = q;
	*ret_value = v;
	return 0;
}

/* Whether name follows an unquoted value on its line, as "vm" does in
 * NAME = my vm */
static bool follows_bare(const struct parser *ps, const char *name)
{
	const char *q = ps->bare_end;

	if (!q || q >= name)
		return false;
	while (q < name && is_blank(*q))
		q++;
	return q == name;
}

/* A name at ps->p, then '=' and the blanks after it. */
static int parse_name_equal(struct parser *ps, struct where *w)
{
	char buf[64];
	struct shown sn;
	struct found f;

	w->name = ps->p;
	while (ps->p < ps->end && is_name_char(*ps->p))
		ps->p++;
	w->name_len = (size_t)(ps->p - w->name);
	if (w->name_len == 0) {
		if (w->vec)
			return fail(ps, ps->p, "expected attribute name%s, "
				    "found %s", in_vec(buf, sizeof(buf), w),
				    found(&f, ps, ps->p));
		return fail(ps, ps->p, "expected attribute name, found %s",
			    found(&f, ps, ps->p));
	}
	if (skip_space(ps) < 0)
		return -EINVAL;
	if (ps->p == ps->end || *ps->p != '=')
		return fail(ps, ps->p, "expected '=' after '%s'%s, found %s%s",
			    shown(&sn, w->name, w->name_len),
			    in_vec(buf, sizeof(buf), w), found(&f, ps, ps->p),
			    follows_bare(ps, w->name) ?
			    " (quote values that contain blanks)" : "");
	ps->p++;
	skip_blanks(ps);
	return 0;
}

static int fail_unterminated_vector(struct parser *ps, const char *open,
				    const struct where *vw)
{
	struct shown sv;

	return fail(ps, open, "unterminated vector '%s' starting on line %d",
		    shown(&sv, vw->name, vw->name_len), line_of(ps, open));
}

/* One "NAME = value" member of vector vw; ps->p is at its name, which is
 * left in *w for messages. */
static int parse_member(struct parser *ps, const struct where *vw,
			const char *open, struct where *w,
			struct tmpl_attr **ret_attr)
{
	struct shown sn, sv;
	struct tmpl_attr *a;
	char *value;
	int r;

	r = parse_name_equal(ps, w);
	if (r < 0)
		return r;
	if (ps->p == ps->end)
		return fail_unterminated_vector(ps, open, vw);
	if (*ps->p == '\n')
		return fail(ps, ps->p, "expected value after '%s =' in "
			    "vector '%s', found end of line (write \"\" "
			    "for an empty value)",
			    shown(&sn, w->name, w->name_len),
			    shown(&sv, vw->name, vw->name_len));
	if (*ps->p == '[')
		return fail(ps, ps->p, "vector '%s' inside vector '%s' "
			    "(vectors do not nest)",
			    shown(&sn, w->name, w->name_len),
			    shown(&sv, vw->name, vw->name_len));
	r = parse_value(ps, w, &value);
	if (r < 0)
		return r;
	a = attr_new(w->name, w->name_len, value);
	if (!a) {
		free(value);
		return -ENOMEM;
	}
	a->line = line_of(ps, w->name);
	*ret_attr = a;
	return 0;
}

/* The members of vector vec, named in vw; ps->p is just after its '['. */
static int parse_vector(struct parser *ps, const struct where *vw,
			const char *open, struct tmpl_attr *vec)
{
	struct tmpl_attr **link = &vec->sub;
	struct shown sn, sv;
	struct found f;
	int r;

	r = skip_space(ps);
	if (r < 0)
		return r;
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct where w = { .vec = vw->name, .vec_len = vw->name_len };

		r = skip_space(ps);
		if (r < 0)
			return r;
		if (ps->p == ps->end)
			return fail_unterminated_vector(ps, open, vw);
		if (*ps->p == ']' && vec->sub)
			return fail(ps, ps->p, "trailing ',' before ']' in vector "
				    "'%s' (oned refuses it)",
				    shown(&sv, vw->name, vw->name_len));
		r = parse_member(ps, vw, open, &w, link);
		if (r < 0)
			return r;
		r = skip_space(ps);
		if (r < 0)
			return r;
		if (ps->p == ps->end)
			return fail_unterminated_vector(ps, open, vw);
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return fail(ps, ps->p, "expected ',' or ']' after the "
				    "value of '%s' in vector '%s', found %s",
				    shown(&sn, w.name, w.name_len),
				    shown(&sv, vw->name, vw->name_len),
				    found(&f, ps, ps->p));
		link = &(*link)->next;
		ps->p++;
	}
}

static int parse_attribute(struct parser *ps, struct tmpl *t)
{
	struct where w = { 0 };
	struct tmpl_attr *a;
	char *value = NULL;
	int r;

	r = parse_name_equal(ps, &w);
	if (r < 0)
		return r;
	if (ps->p == ps->end) {
		struct shown sn;

		return fail(ps, ps->p, "expected value after '%s =', found end "
			    "of input", shown(&sn, w.name, w.name_len));
	}
	if (*ps->p == '[') {
		const char *open = ps->p;

		/* the '[' is a value too: oned refuses "]]>" after it */
		if (line_has_cdata_end(ps, open)) {
			struct shown sn;

			return fail(ps, ps->cdata, "']]>' on the line of '%s =' "
				    "(oned refuses it)",
				    shown(&sn, w.name, w.name_len));
		}
		a = attr_new(w.name, w.name_len, NULL);
		if (!a)
			return -ENOMEM;
		a->line = line_of(ps, w.name);
		tmpl_append(t, a);
		ps->p++;
		return parse_vector(ps, &w, open, a);
	}
	if (*ps->p == '\n') {
		value = copy_str("");   /* "NAME =" then the end of the line */
		if (!value)
			return -ENOMEM;
	} else {
		r = parse_value(ps, &w, &value);
		if (r < 0)
			return r;
	}
	a = attr_new(w.name, w.name_len, value);
	if (!a) {
		free(value);
		return -ENOMEM;
	}
	a->line = line_of(ps, w.name);
	tmpl_append(t, a);
	return 0;
}

int tmpl_parse(const char *text, size_t len, struct tmpl **ret_tmpl,
	       struct tmpl_error *ret_err)
{
	struct parser ps = { .text = text, .p = text, .err = ret_err };
	struct tmpl *t;
	const char *nul;
	int r = 0;

	assert(ret_tmpl);
	assert(text || len == 0);

	if (len > TMPL_MAX_TEXT) {
		if (ret_err) {
			ret_err->line = 0;
			ret_err->column = 0;
			snprintf(ret_err->msg, sizeof(ret_err->msg),
				 "template text too large (%zu bytes, limit %u MiB)",
				 len, TMPL_MAX_TEXT / (1024u * 1024u));
		}
		return -E2BIG;
	}
	if (len == 0)
		text = ps.text = ps.p = "";
	ps.end = text + len;

	nul = memchr(text, '\0', len);
	if (nul)
		return fail(&ps, nul, "unexpected NUL byte");

	t = tmpl_new();
	if (!t)
		return -ENOMEM;
	for (;;) {
		r = skip_space(&ps);
		if (r < 0 || ps.p == ps.end)
			break;
		r = parse_attribute(&ps, t);
		if (r < 0)
			break;
	}
	if (r < 0) {
		tmpl_free(t);
		return r;
	}
	*ret_tmpl = t;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Serializer                                                               */
/* ------------------------------------------------------------------------ */

struct buf {
	char *s;
	size_t len;
	size_t size;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (n >= b->size - b->len) {
		size_t size = b->size ? b->size : 256;
		char *ns;

		while (n >= size - b->len) {
			if (size > ((size_t)-1) / 2)
				return -ENOMEM;
			size *= 2;
		}
		ns = realloc(b->s, size);
		if (!ns)
			return -ENOMEM;
		b->s = ns;
		b->size = size;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

static bool serializable_name(const char *name)
{
	if (!name || !*name)
		return false;
	for (; *name; name++)
		if (!is_name_char(*name) || (*name >= 'a' && *name <= 'z'))
			return false;
	return true;
}

/* A value that oned's lexer reads back unchanged when written unquoted. */
static bool bare_ok(const char *v)
{
	if (!*v || *v == '"')
		return false;
	for (const char *p = v; *p; p++) {
		if (ends_bare(*p) || *p == '\r')
			return false;
		if (p[0] == '\\' && p[1] == '"')
			return false;
	}
	return true;
}

static int write_value(struct buf *b, const char *v)
{
	size_t len = strlen(v);
	const char *p, *q;
	int r;

	if (find_cdata_end(v, v + len))
		return -EINVAL;
	if (len > 0 && v[len - 1] == '\\') {
		/* "...\" would read as an escaped quote */
		if (!bare_ok(v))
			return -EINVAL;
		return buf_add(b, v, len);
	}
	r = buf_add(b, "\"", 1);
	for (p = v; r == 0 && *p; p = q) {
		q = strchr(p, '"');
		if (!q) {
			r = buf_str(b, p);
			break;
		}
		r = buf_add(b, p, (size_t)(q - p));
		if (r == 0)
			r = buf_add(b, "\\\"", 2);
		q++;
	}
	if (r == 0)
		r = buf_add(b, "\"", 1);
	return r;
}

static int write_attr(struct buf *b, const struct tmpl_attr *a)
{
	int r;

	if (!serializable_name(a->name))
		return -EINVAL;
	r = buf_str(b, a->name);
	if (r < 0)
		return r;
	if (a->value) {
		if (a->sub)
			return -EINVAL;
		r = buf_add(b, "=", 1);
		if (r == 0)
			r = write_value(b, a->value);
		return r ? r : buf_add(b, "\n", 1);
	}
	if (!a->sub)
		return buf_str(b, "=[ ]\n");
	r = buf_str(b, "=[\n");
	for (const struct tmpl_attr *m = a->sub; r == 0 && m; m = m->next) {
		if (!m->value || m->sub || !serializable_name(m->name))
			return -EINVAL;
		r = buf_str(b, "  ");
		if (r == 0)
			r = buf_str(b, m->name);
		if (r == 0)
			r = buf_add(b, "=", 1);
		if (r == 0)
			r = write_value(b, m->value);
		if (r == 0)
			r = buf_str(b, m->next ? ",\n" : " ]\n");
	}
	return r;
}

int tmpl_serialize(const struct tmpl *t, char **ret_text)
{
	struct buf b = { 0 };
	int r;

	assert(t);
	assert(ret_text);

	r = buf_add(&b, "", 0);
	for (const struct tmpl_attr *a = t->head; r == 0 && a; a = a->next)
		r = write_attr(&b, a);
	if (r < 0) {
		free(b.s);
		return r;
	}
	*ret_text = b.s;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Lookup and editing                                                       */
/* ------------------------------------------------------------------------ */

static const struct tmpl_attr *find_from(const struct tmpl_attr *a,
					 const char *name)
{
	if (!name)
		return NULL;
	for (; a; a = a->next)
		if (name_eq(a->name, name))
			return a;
	return NULL;
}

const struct tmpl_attr *tmpl_find(const struct tmpl *t, const char *name)
{
	assert(t);
	return find_from(t->head, name);
}

const struct tmpl_attr *tmpl_find_next(const struct tmpl_attr *after,
				       const char *name)
{
	return after ? find_from(after->next, name) : NULL;
}

const char *tmpl_get(const struct tmpl *t, const char *name)
{
	const struct tmpl_attr *a;

	for (a = tmpl_find(t, name); a; a = tmpl_find_next(a, name))
		if (a->value)
			return a->value;
	return NULL;
}

const char *tmpl_attr_get(const struct tmpl_attr *vec, const char *name)
{
	const struct tmpl_attr *a;

	if (!vec || vec->value)
		return NULL;
	for (a = find_from(vec->sub, name); a; a = find_from(a->next, name))
		if (a->value)
			return a->value;
	return NULL;
}

static int new_single(const char *name, const char *value,
		      struct tmpl_attr **ret)
{
	char *v;

	if (!valid_name(name) || !value)
		return -EINVAL;
	v = copy_str(value);
	if (!v)
		return -ENOMEM;
	*ret = attr_new(name, strlen(name), v);
	if (!*ret) {
		free(v);
		return -ENOMEM;
	}
	return 0;
}

/* Replaces the value of the first single attribute named name in list a. */
static int replace_in(struct tmpl_attr *a, const char *name, const char *value,
		      bool *ret_done)
{
	*ret_done = false;
	for (; a; a = a->next) {
		char *v;

		if (a->value == NULL || !name_eq(a->name, name))
			continue;
		v = copy_str(value);
		if (!v)
			return -ENOMEM;
		free(a->value);
		a->value = v;
		*ret_done = true;
		return 0;
	}
	return 0;
}

int tmpl_add(struct tmpl *t, const char *name, const char *value)
{
	struct tmpl_attr *a;
	int r;

	assert(t);
	r = new_single(name, value, &a);
	if (r < 0)
		return r;
	tmpl_append(t, a);
	return 0;
}

int tmpl_set(struct tmpl *t, const char *name, const char *value)
{
	bool done;
	int r;

	assert(t);
	if (!valid_name(name) || !value)
		return -EINVAL;
	r = replace_in(t->head, name, value, &done);
	if (r < 0 || done)
		return r;
	return tmpl_add(t, name, value);
}

int tmpl_add_vector(struct tmpl *t, const char *name,
		    struct tmpl_attr **ret_vec)
{
	struct tmpl_attr *a;

	assert(t);
	if (!valid_name(name))
		return -EINVAL;
	a = attr_new(name, strlen(name), NULL);
	if (!a)
		return -ENOMEM;
	tmpl_append(t, a);
	if (ret_vec)
		*ret_vec = a;
	return 0;
}

int tmpl_attr_set(struct tmpl_attr *vec, const char *name, const char *value)
{
	struct tmpl_attr *a, **link;
	bool done;
	int r;

	if (!vec || vec->value || !valid_name(name) || !value)
		return -EINVAL;
	r = replace_in(vec->sub, name, value, &done);
	if (r < 0 || done)
		return r;
	r = new_single(name, value, &a);
	if (r < 0)
		return r;
	for (link = &vec->sub; *link; link = &(*link)->next)
		;
	*link = a;
	return 0;
}

int tmpl_attr_add(struct tmpl_attr *vec, const char *name, const char *value)
{
	struct tmpl_attr *a, **link;
	int r;

	if (!vec || vec->value)
		return -EINVAL;
	r = new_single(name, value, &a);
	if (r < 0)
		return r;
	for (link = &vec->sub; *link; link = &(*link)->next)
		;
	*link = a;
	return 0;
}

struct tmpl *tmpl_dup(const struct tmpl *t)
{
	struct tmpl *d = tmpl_new();

	if (!d)
		return NULL;
	for (const struct tmpl_attr *a = t ? t->head : NULL; a; a = a->next) {
		struct tmpl_attr *v;

		if (a->value) {
			if (tmpl_add(d, a->name, a->value) < 0)
				goto fail;
			continue;
		}
		if (tmpl_add_vector(d, a->name, &v) < 0)
			goto fail;
		for (const struct tmpl_attr *m = a->sub; m; m = m->next)
			if (!m->value || tmpl_attr_add(v, m->name, m->value) < 0)
				goto fail;
	}
	return d;
fail:
	tmpl_free(d);
	return NULL;
}

/* Unlinks and frees every attribute named name from the list at *link;
 * returns the new last element through *ret_tail (if not NULL). */
static int remove_from(struct tmpl_attr **link, const char *name,
		       struct tmpl_attr **ret_tail)
{
	struct tmpl_attr *tail = NULL;
	int n = 0;

	if (!name)
		return 0;
	while (*link) {
		struct tmpl_attr *a = *link;

		if (name_eq(a->name, name)) {
			*link = a->next;
			a->next = NULL;
			attr_list_free(a);
			n++;
		} else {
			tail = a;
			link = &a->next;
		}
	}
	if (ret_tail)
		*ret_tail = tail;
	return n;
}

int tmpl_remove(struct tmpl *t, const char *name)
{
	assert(t);
	return remove_from(&t->head, name, &t->tail);
}

int tmpl_attr_remove(struct tmpl_attr *vec, const char *name)
{
	if (!vec)
		return 0;
	return remove_from(&vec->sub, name, NULL);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool list_equal(const struct tmpl_attr *a, const struct tmpl_attr *b,
		       bool members)
{
	for (; a && b; a = a->next, b = b->next) {
		if (!str_eq(a->name, b->name) || !str_eq(a->value, b->value))
			return false;
		if (members) {
			if (a->sub || b->sub)
				return false;
		} else if (!list_equal(a->sub, b->sub, true)) {
			return false;
		}
	}
	return !a && !b;
}

bool tmpl_equal(const struct tmpl *a, const struct tmpl *b)
{
	assert(a && b);
	return list_equal(a->head, b->head, false);
}

/* One token of a requirement expression at *p: a quoted string (its
 * contents), a word, or an operator (= != > < @> & | ! ( )). */
static size_t expr_token(const char **p, const char **ret_start, bool *ret_op)
{
	const char *s = *p + strspn(*p, " \t\r\n");
	size_t n;

	*ret_start = s;
	*ret_op = false;
	if (*s == '"') {
		n = strcspn(s + 1, "\"");
		*ret_start = s + 1;
		*p = s + 1 + n + (s[1 + n] == '"');
		return n;
	}
	if (!strncmp(s, "!=", 2) || !strncmp(s, "@>", 2))
		n = 2, *ret_op = true;
	else if (*s && strchr("=<>", *s))
		n = 1, *ret_op = true;
	else if (*s && strchr("&|!()", *s))
		n = 1;
	else
		n = strcspn(s, " \t\r\n\"=!<>@&|()");
	*p = s + n;
	return n;
}

bool tmpl_expr_names_object(const char *expr, char *ret_var, size_t len)
{
	static const char *const ids[] = { "ID", "NAME", "HOSTNAME", "HOST_ID", "CLUSTER_ID",
					   "CLUSTER", "CLUSTERS/ID", NULL };
	const char *p = expr, *tok, *prev = NULL;
	size_t n, prev_n = 0;
	bool op, prev_op = true;

	while (p && *p) {
		n = expr_token(&p, &tok, &op);
		if (!n && !*p)
			break;
		/* the left side of a comparison: a word right before an operator */
		if (op && prev && !prev_op)
			for (const char *const *id = ids; *id; id++)
				if (strlen(*id) == prev_n && !strncasecmp(prev, *id, prev_n)) {
					if (ret_var && len)
						snprintf(ret_var, len, "%s", *id);
					return true;
				}
		prev = tok;
		prev_n = n;
		prev_op = op;
		if (!n)
			p++;
	}
	return false;
}

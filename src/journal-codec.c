/* journal-codec.c: the journal's records and step keys as text; see journal.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "journal.h"

#define RECORD_VERSION 1

static const char *const kind_names[] = { "failover", "switchover", "failback", "drill" };
static const char *const run_state_names[] = { "open", "finished", "failed", "abandoned" };
static const char *const step_state_names[] = { "started", "done", "failed" };

const char *journal_kind_name(enum journal_kind kind)
{
	return (unsigned)kind < 4 ? kind_names[kind] : "?";
}

static int name_index(const char *const *names, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return (int)i;
	return -EINVAL;
}

int journal_kind_parse(const char *name, enum journal_kind *ret)
{
	int i = name_index(kind_names, 4, name, strlen(name));

	if (i < 0)
		return i;
	*ret = (enum journal_kind)i;
	return 0;
}

const char *journal_run_state_name(enum journal_run_state state)
{
	return (unsigned)state < 4 ? run_state_names[state] : "?";
}

const char *journal_step_state_name(enum journal_step_state state)
{
	return (unsigned)state < 3 ? step_state_names[state] : "?";
}

/* Escaping: '%', '/', '=' and control bytes become %XX, so that a value
 * holds no newline and a key component no '/'. */

static bool must_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '%' || c == '/' || c == '=';
}

struct out {
	char *buf;
	size_t len, pos;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->pos + n >= o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->pos, s, n);
	o->pos += n;
	o->buf[o->pos] = '\0';
}

static void put_escaped(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (must_escape(c)) {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			put(o, e, 3);
		} else {
			put(o, s, 1);
		}
	}
}

static void put_field(struct out *o, const char *name, const char *value)
{
	put(o, name, strlen(name));
	put(o, "=", 1);
	put_escaped(o, value);
	put(o, "\n", 1);
}

static void put_number(struct out *o, const char *name, long long v)
{
	char n[32];

	snprintf(n, sizeof(n), "%lld", v);
	put_field(o, name, n);
}

static int out_end(struct out *o)
{
	return o->full ? -E2BIG : (int)o->pos;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape s[0..n) into ret (size len, NUL-terminated). -EINVAL: a bad
 * escape, an escaped NUL, a raw byte that should have been escaped (but
 * '/' and '=' in values), or too long. */
static int unescape(const char *s, size_t n, bool is_key, char *ret, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -EINVAL;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -EINVAL;
			c = (unsigned char)(h << 4 | l);
			i += 2;
		} else if (c < 0x20 || c == 0x7f || (is_key && (c == '/' || c == '='))) {
			return -EINVAL;
		}
		if (o + 1 >= len)
			return -EINVAL;
		ret[o++] = (char)c;
	}
	ret[o] = '\0';
	return 0;
}

static int parse_number(const char *s, long long max, long long *ret)
{
	long long v = 0;

	if (!*s || strlen(s) > 19)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* Step keys: the four components, escaped, joined by '/'. */

int journal_key_encode(const struct journal_key *key, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (len)
		buf[0] = '\0';
	put_escaped(&o, key->group);
	put(&o, "/", 1);
	put_escaped(&o, key->vm);
	put(&o, "/", 1);
	put_escaped(&o, key->object);
	put(&o, "/", 1);
	put_escaped(&o, key->step);
	return out_end(&o);
}

int journal_key_decode(const char *buf, size_t len, struct journal_key *ret)
{
	struct journal_key k;
	char *field[4] = { k.group, k.vm, k.object, k.step };
	size_t size[4] = { sizeof(k.group), sizeof(k.vm), sizeof(k.object), sizeof(k.step) };
	size_t start = 0, f = 0;

	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i <= len; i++) {
		if (i < len && buf[i] != '/')
			continue;
		if (f == 4 || unescape(buf + start, i - start, true, field[f], size[f]) < 0)
			return -EINVAL;
		f++;
		start = i + 1;
	}
	if (f != 4 || !k.step[0])
		return -EINVAL;
	*ret = k;
	return 0;
}

/* Records: "name=value\n" lines, the first "v=1". The callback gets each
 * field's name and unescaped value. */
typedef int (*field_fn)(void *ret, const char *name, const char *value);

static int record_parse(const char *buf, size_t len, field_fn fn, void *ret)
{
	size_t i = 0;
	bool first = true;

	if (len > JOURNAL_RECORD_MAX)
		return -EINVAL;
	while (i < len) {
		char name[40], val[JOURNAL_RECORD_MAX];
		const char *nl = memchr(buf + i, '\n', len - i);
		const char *eq;
		size_t end = nl ? (size_t)(nl - buf) : len, nlen;
		int r;

		eq = memchr(buf + i, '=', end - i);
		if (!eq)
			return -EINVAL;
		nlen = (size_t)(eq - (buf + i));
		if (nlen == 0 || nlen >= sizeof(name))
			return -EINVAL;
		for (size_t k = 0; k < nlen; k++) {
			char c = buf[i + k];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
				return -EINVAL;
		}
		memcpy(name, buf + i, nlen);
		name[nlen] = '\0';
		r = unescape(eq + 1, end - (size_t)(eq + 1 - buf), false, val, sizeof(val));
		if (r < 0)
			return r;
		if (first) {
			long long v;

			if (strcmp(name, "v") || parse_number(val, 1000000, &v) < 0 || v < 1)
				return -EINVAL;
			if (v > RECORD_VERSION)
				return -EPROTONOSUPPORT;
			first = false;
		} else {
			r = fn(ret, name, val);
			if (r < 0)
				return r;
		}
		i = end + 1;
	}
	return first ? -EINVAL : 0;
}

/* A field given twice keeps its last value, with nothing of the first
 * left after its NUL (decoding is deterministic). */
static int copy_string(char *dst, size_t size, const char *value)
{
	if (strlen(value) >= size)
		return -EINVAL;
	memset(dst, 0, size);
	strcpy(dst, value);
	return 0;
}

static int time_field(time_t *dst, const char *value)
{
	long long v;

	if (parse_number(value, INT64_MAX / 2, &v) < 0)
		return -EINVAL;
	*dst = (time_t)v;
	return 0;
}

/* Steps. */

int journal_step_set_result(struct journal_step *step, const char *name, const char *value)
{
	struct journal_result *res = NULL;
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(res->name) || strlen(value) >= sizeof(res->value) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
		return -EINVAL;
	for (size_t i = 0; i < step->nresults && !res; i++)
		if (!strcmp(step->results[i].name, name))
			res = &step->results[i];
	if (!res) {
		if (step->nresults == JOURNAL_RESULTS_MAX)
			return -ENOSPC;
		res = &step->results[step->nresults++];
	}
	strcpy(res->name, name);
	strcpy(res->value, value);
	return 0;
}

const char *journal_step_result(const struct journal_step *step, const char *name)
{
	for (size_t i = 0; i < step->nresults; i++)
		if (!strcmp(step->results[i].name, name))
			return step->results[i].value;
	return NULL;
}

int journal_step_encode(const struct journal_step *s, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (len)
		buf[0] = '\0';
	put_number(&o, "v", RECORD_VERSION);
	put_field(&o, "state", journal_step_state_name(s->state));
	put_number(&o, "attempt", s->attempt);
	put_number(&o, "started", (long long)s->started);
	put_number(&o, "ended", (long long)s->ended);
	put_number(&o, "error", s->error < 0 ? -(long long)s->error : 0);
	put_field(&o, "intent", s->intent);
	put_field(&o, "detail", s->detail);
	if (s->data[0])
		put_field(&o, "data", s->data);
	for (size_t i = 0; i < s->nresults; i++) {
		char name[48];

		snprintf(name, sizeof(name), "result.%s", s->results[i].name);
		put_field(&o, name, s->results[i].value);
	}
	return out_end(&o);
}

struct step_parse {
	struct journal_step s;
	bool have_state;
};

static int step_field(void *arg, const char *name, const char *value)
{
	struct step_parse *p = arg;
	struct journal_step *s = &p->s;
	long long v;
	int i;

	if (!strcmp(name, "state")) {
		i = name_index(step_state_names, 3, value, strlen(value));
		if (i < 0)
			return -EINVAL;
		s->state = (enum journal_step_state)i;
		p->have_state = true;
	} else if (!strcmp(name, "attempt")) {
		if (parse_number(value, 1000000000, &v) < 0)
			return -EINVAL;
		s->attempt = (unsigned)v;
	} else if (!strcmp(name, "started")) {
		return time_field(&s->started, value);
	} else if (!strcmp(name, "ended")) {
		return time_field(&s->ended, value);
	} else if (!strcmp(name, "error")) {
		if (parse_number(value, 4095, &v) < 0)
			return -EINVAL;
		s->error = -(int)v;
	} else if (!strcmp(name, "intent")) {
		return copy_string(s->intent, sizeof(s->intent), value);
	} else if (!strcmp(name, "detail")) {
		return copy_string(s->detail, sizeof(s->detail), value);
	} else if (!strcmp(name, "data")) {
		return copy_string(s->data, sizeof(s->data), value);
	} else if (!strncmp(name, "result.", 7)) {
		return journal_step_set_result(s, name + 7, value) < 0 ? -EINVAL : 0;
	}
	return 0;	/* a field of a later minor change: ignored */
}

int journal_step_decode(const char *buf, size_t len, struct journal_step *ret)
{
	struct step_parse *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	r = record_parse(buf, len, step_field, p);
	if (r == 0 && !p->have_state)
		r = -EINVAL;
	if (r == 0) {
		p->s.key = ret->key;	/* the key is not in the record */
		*ret = p->s;
	}
	free(p);
	return r;
}

/* Runs. */

int journal_run_encode(const struct journal_run *run, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (len)
		buf[0] = '\0';
	put_number(&o, "v", RECORD_VERSION);
	put_field(&o, "id", run->id);
	put_field(&o, "kind", journal_kind_name(run->kind));
	put_field(&o, "state", journal_run_state_name(run->state));
	put_field(&o, "site", run->site);
	put_field(&o, "pool", run->pool);
	put_field(&o, "options", run->options);
	put_field(&o, "owner", run->owner);
	put_number(&o, "created", (long long)run->created);
	put_number(&o, "ended", (long long)run->ended);
	put_number(&o, "result", run->result);
	return out_end(&o);
}

struct run_parse {
	struct journal_run run;
	bool have_id, have_kind, have_state;
};

static int run_field(void *arg, const char *name, const char *value)
{
	struct run_parse *p = arg;
	struct journal_run *run = &p->run;
	long long v;
	int i;

	if (!strcmp(name, "id")) {
		p->have_id = true;
		return copy_string(run->id, sizeof(run->id), value);
	} else if (!strcmp(name, "kind")) {
		i = name_index(kind_names, 4, value, strlen(value));
		if (i < 0)
			return -EINVAL;
		run->kind = (enum journal_kind)i;
		p->have_kind = true;
	} else if (!strcmp(name, "state")) {
		i = name_index(run_state_names, 4, value, strlen(value));
		if (i < 0)
			return -EINVAL;
		run->state = (enum journal_run_state)i;
		p->have_state = true;
	} else if (!strcmp(name, "site")) {
		return copy_string(run->site, sizeof(run->site), value);
	} else if (!strcmp(name, "pool")) {
		return copy_string(run->pool, sizeof(run->pool), value);
	} else if (!strcmp(name, "options")) {
		return copy_string(run->options, sizeof(run->options), value);
	} else if (!strcmp(name, "owner")) {
		return copy_string(run->owner, sizeof(run->owner), value);
	} else if (!strcmp(name, "created")) {
		return time_field(&run->created, value);
	} else if (!strcmp(name, "ended")) {
		return time_field(&run->ended, value);
	} else if (!strcmp(name, "result")) {
		if (parse_number(value, 255, &v) < 0)
			return -EINVAL;
		run->result = (int)v;
	}
	return 0;
}

int journal_run_decode(const char *buf, size_t len, struct journal_run *ret)
{
	struct run_parse *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	r = record_parse(buf, len, run_field, p);
	if (r == 0 && !(p->have_id && p->have_kind && p->have_state))
		r = -EINVAL;
	if (r == 0)
		*ret = p->run;
	free(p);
	return r;
}

int journal_new_id(enum journal_kind kind, time_t now, char *buf, size_t len)
{
	unsigned char rnd[3];
	struct tm tm;
	char t[32];
	int n;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno ? -errno : -EIO;
	if (!gmtime_r(&now, &tm) || !strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", &tm))
		return -EINVAL;
	n = snprintf(buf, len, "%s-%s-%02x%02x%02x", t, journal_kind_name(kind), rnd[0], rnd[1], rnd[2]);
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

const struct journal_run *journal_latest_open(const struct journal_run *runs, size_t n,
					      enum journal_kind kind)
{
	const struct journal_run *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (runs[i].kind == kind && runs[i].state == JOURNAL_RUN_OPEN &&
		    (!best || runs[i].created > best->created ||
		     (runs[i].created == best->created && strcmp(runs[i].id, best->id) > 0)))
			best = &runs[i];
	return best;
}

/* ledger-codec.c: a disk's ledger as text, to keep it in the run journal
 * (journal_step.data) before the promote that destroys what it was read
 * from; see ledger.h. "name=value" lines, version 1; the note is %XX
 * escaped. No libxml here, so the fuzz target links it alone. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

static const char *const rpo_names[] = { "unknown", "exact", "at_least" };
static const char *const mode_names[] = { "unknown", "none", "journal", "snapshot" };
static const char *const source_names[] = { "none", "peer", "status", "local" };

const char *ledger_mode_name(enum ledger_mode m)
{
	return (unsigned)m < 4 ? mode_names[m] : "?";
}

const char *ledger_source_name(enum ledger_source s)
{
	return (unsigned)s < 4 ? source_names[s] : "?";
}

int ledger_disk_encode(const struct ledger_disk *d, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char note[sizeof(d->note) * 3 + 1];
	size_t o = 0;
	int n;

	for (const unsigned char *p = (const unsigned char *)d->note; *p && o + 4 < sizeof(note); p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '%') {
			note[o++] = '%';
			note[o++] = hex[*p >> 4];
			note[o++] = hex[*p & 15];
		} else {
			note[o++] = (char)*p;
		}
	}
	note[o] = '\0';
	if (strpbrk(d->pool, "\n%") || strpbrk(d->image, "\n%"))
		return -EINVAL;
	n = snprintf(buf, len,
		     "v=1\npool=%s\nimage=%s\nerror=%d\nmode=%s\nprimary=%d\nmeasured=%lld\n"
		     "entries_behind=%lld\nentries_at_least=%d\nentries_source=%s\nentries_as_of=%lld\n"
		     "snapshots_behind=%lld\ncopy_time=%lld\ncopying=%d\npoint=%lld\npoint_source=%s\n"
		     "rpo=%s\nwindow_seconds=%lld\nwindow_max=%lld\npeer_error=%d\nnote=%s\n",
		     d->pool, d->image, d->error, ledger_mode_name(d->mode), d->primary, (long long)d->measured,
		     d->entries_behind, d->entries_at_least, ledger_source_name(d->entries_source),
		     (long long)d->entries_as_of, d->snapshots_behind, (long long)d->copy_time, d->copying,
		     (long long)d->point, ledger_source_name(d->point_source),
		     (unsigned)d->rpo < 3 ? rpo_names[d->rpo] : "?", d->window_seconds, d->window_max,
		     d->peer_error, note);
	return n < 0 || (size_t)n >= len ? -E2BIG : n;
}

static int enum_of(const char *const *names, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], v))
			return i;
	return -EINVAL;
}

/* A decimal that may be negative, within [-2^53, 2^53]. */
static int number(const char *v, long long *ret)
{
	const char *p = v + (*v == '-');
	long long x = 0;

	if (!*p || strlen(p) > 16)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		x = x * 10 + (*p - '0');
	}
	if (x > (1LL << 53))
		return -EINVAL;
	*ret = *v == '-' ? -x : x;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int unescape_note(const char *v, char *dst, size_t size)
{
	size_t o = 0;

	for (; *v; v++) {
		char c = *v;

		if (c == '%') {
			int h = hexval(v[1]), l = h < 0 ? -1 : hexval(v[2]);

			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -EINVAL;
			c = (char)(h << 4 | l);
			v += 2;
		}
		if (o + 1 >= size)
			return -EINVAL;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

static int field(struct ledger_disk *d, const char *name, const char *v)
{
	long long x = 0;
	char word[40];
	int i;

	if (!strcmp(name, "pool") || !strcmp(name, "image")) {
		char *dst = name[0] == 'p' ? d->pool : d->image;
		size_t size = name[0] == 'p' ? sizeof(d->pool) : sizeof(d->image);

		if (strlen(v) >= size)
			return -EINVAL;
		memset(dst, 0, size);
		strcpy(dst, v);
		return 0;
	}
	if (!strcmp(name, "note"))
		return unescape_note(v, d->note, sizeof(d->note));
	if (!strcmp(name, "mode") || !strcmp(name, "entries_source") || !strcmp(name, "point_source") ||
	    !strcmp(name, "rpo")) {
		if (!strcmp(name, "mode") && (i = enum_of(mode_names, 4, v)) >= 0)
			d->mode = (enum ledger_mode)i;
		else if (!strcmp(name, "rpo") && (i = enum_of(rpo_names, 3, v)) >= 0)
			d->rpo = (enum ledger_rpo)i;
		else if (!strcmp(name, "entries_source") && (i = enum_of(source_names, 4, v)) >= 0)
			d->entries_source = (enum ledger_source)i;
		else if (!strcmp(name, "point_source") && (i = enum_of(source_names, 4, v)) >= 0)
			d->point_source = (enum ledger_source)i;
		else
			return -EINVAL;
		return 0;
	}
	snprintf(word, sizeof(word), " %s ", name);
	if (strlen(name) > 32 || !strstr(" error peer_error primary entries_at_least copying measured "
					 "entries_behind entries_as_of snapshots_behind copy_time point "
					 "window_seconds window_max ", word))
		return 0;	/* unknown names: a later minor version's, ignored */
	if (number(v, &x) < 0)
		return -EINVAL;
	if (!strcmp(name, "error") || !strcmp(name, "peer_error")) {
		if (x > 0 || x < -4095)
			return -EINVAL;
		*(!strcmp(name, "error") ? &d->error : &d->peer_error) = (int)x;
	} else if (!strcmp(name, "primary") || !strcmp(name, "entries_at_least") || !strcmp(name, "copying")) {
		if (x != 0 && x != 1)
			return -EINVAL;
		*(name[0] == 'p' ? &d->primary : name[0] == 'e' ? &d->entries_at_least : &d->copying) = x;
	} else if (!strcmp(name, "measured")) {
		d->measured = (time_t)x;
	} else if (!strcmp(name, "entries_behind")) {
		d->entries_behind = x;
	} else if (!strcmp(name, "entries_as_of")) {
		d->entries_as_of = (time_t)x;
	} else if (!strcmp(name, "snapshots_behind")) {
		d->snapshots_behind = x;
	} else if (!strcmp(name, "copy_time")) {
		d->copy_time = (time_t)x;
	} else if (!strcmp(name, "point")) {
		d->point = (time_t)x;
	} else if (!strcmp(name, "window_seconds")) {
		d->window_seconds = x;
	} else if (!strcmp(name, "window_max")) {
		d->window_max = x;
	}
	return 0;
}

int ledger_disk_decode(const char *buf, size_t len, struct ledger_disk *ret)
{
	struct ledger_disk *d = calloc(1, sizeof(*d));
	char *text = malloc(len + 1), *line, *save = NULL;
	bool first = true;
	int r = 0;

	if (!d || !text) {
		free(d);
		free(text);
		return -ENOMEM;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	d->entries_behind = d->snapshots_behind = d->window_max = -1;
	if (strlen(text) != len || len == 0)
		r = -EINVAL;	/* a NUL inside */
	for (line = r ? NULL : strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq) {
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		if (first) {
			r = strcmp(line, "v") ? -EINVAL : !strcmp(eq + 1, "1") ? 0 : -EPROTONOSUPPORT;
			first = false;
		} else {
			r = field(d, line, eq + 1);
		}
		if (r < 0)
			break;
	}
	if (r == 0 && first)
		r = -EINVAL;
	if (r == 0)
		*ret = *d;
	free(d);
	free(text);
	return r;
}

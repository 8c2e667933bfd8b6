/*
 * manifest.c: a manifest in memory: freeing it, its disks, and its text for
 * people; see manifest.h.
 */
#include "config.h"

#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

bool manifest_has_disk(const struct manifest *m, const char *pool, const char *rbd)
{
	for (size_t i = 0; i < m->n_disks; i++)
		if (m->disks[i].kind != DISK_UNPROTECTED && !strcmp(m->disks[i].pool, pool) &&
		    !strcmp(m->disks[i].rbd, rbd))
			return true;
	return false;
}

int manifest_fail(struct manifest_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

bool manifest_name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
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

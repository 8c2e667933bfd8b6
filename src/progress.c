/* progress.c: counts of a running group of steps; see progress.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "progress.h"

void progress_begin(struct progress *p, const char *group, const char *const *kinds)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->group, sizeof(p->group), "%s", group);
	while (kinds && kinds[p->nkinds] && p->nkinds < PROGRESS_KINDS_MAX) {
		p->kind[p->nkinds] = kinds[p->nkinds];
		p->nkinds++;
	}
}

static int kind_of(const struct progress *p, const char *kind)
{
	for (size_t i = 0; i < p->nkinds; i++)
		if (!strcmp(p->kind[i], kind))
			return (int)i;
	return -1;
}

void progress_total(struct progress *p, const char *kind, unsigned n)
{
	int k = kind_of(p, kind);

	if (k >= 0)
		p->total[k] += n;
}

void progress_step(struct progress *p, const char *kind, int ok)
{
	int k = kind_of(p, kind);

	if (k < 0)
		return;
	if (ok)
		p->done[k]++;
	else
		p->failed++;
}

void progress_line(const struct progress *p, char *buf, size_t len)
{
	size_t off;

	if (!len)
		return;
	off = (size_t)snprintf(buf, len, "%s:", p->group);
	for (size_t i = 0; i < p->nkinds && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s %s %u/%u", i ? "," : "", p->kind[i],
					p->done[i], p->total[i]);
	if (off < len)
		snprintf(buf + off, len - off, "%s failed %u", p->nkinds ? "," : "", p->failed);
}

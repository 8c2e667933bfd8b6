/*
 * progress.h: the counts of a group of steps while it runs, and the line a
 * terminal shows for them, rewritten in place:
 *   "priority-1: promote 3/4, register 2/4, recreate 0/2, running 0/2, failed 0"
 * (a pipe gets one line per step instead: the command's choice).
 *
 * Library module: never prints (progress_line fills a buffer).
 */
#ifndef ONEDR_PROGRESS_H
#define ONEDR_PROGRESS_H

#include <stddef.h>

#define PROGRESS_KINDS_MAX 8

struct progress {
	char group[32];
	size_t nkinds;
	const char *kind[PROGRESS_KINDS_MAX];	/* step names, in their order */
	unsigned total[PROGRESS_KINDS_MAX];
	unsigned done[PROGRESS_KINDS_MAX];	/* done now or before */
	unsigned failed;			/* any kind */
};

/* Start a group: kinds (NULL-terminated, at most PROGRESS_KINDS_MAX), counts 0. */
void progress_begin(struct progress *p, const char *group, const char *const *kinds);
/* Count total (n steps of kind) or one step that ended. Unknown kinds are
 * ignored. */
void progress_total(struct progress *p, const char *kind, unsigned n);
void progress_step(struct progress *p, const char *kind, int ok);
/* The line, without a newline; truncated to len. */
void progress_line(const struct progress *p, char *buf, size_t len);

#endif

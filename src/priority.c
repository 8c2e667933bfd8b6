/* priority.c: failover groups from priorities and dependencies; see priority.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priority.h"

/* The next item of a comma-separated list, spaces trimmed: *p advances. */
static bool next_item(const char **p, const char **ret, size_t *ret_len)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return false;
	e = s + strcspn(s, ",");
	*p = e;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*ret = s;
	*ret_len = (size_t)(e - s);
	return true;
}

bool prio_has_label(const char *labels, const char *label)
{
	size_t n = strlen(label), len;
	const char *p = labels, *s;

	while (label[0] && p && next_item(&p, &s, &len))
		if (len >= n && !strncmp(s, label, n) && (len == n || s[n] == '/'))
			return true;
	return false;
}

static const char *who(const struct prio_vm *v, char *buf, size_t len)
{
	if (v->name && *v->name)
		snprintf(buf, len, "%s", v->name);
	else
		snprintf(buf, len, "ID %d", v->id);
	return buf;
}

static void base_of(const struct onedr_conf *conf, struct prio_vm *v)
{
	const struct conf_priority *best = NULL;
	char id[16], *end;
	long p;

	snprintf(id, sizeof(id), "%d", v->id);
	for (const struct conf_priority *c = conf ? conf->priorities : NULL; c; c = c->next)
		if (c->vm && ((v->name && !strcmp(c->vm, v->name)) || !strcmp(c->vm, id))) {
			v->base = c->priority;
			snprintf(v->source, sizeof(v->source), "onedr.conf line %d, VM '%s'", c->line,
				 c->vm);
			return;
		}
	for (const struct conf_priority *c = conf ? conf->priorities : NULL; c; c = c->next)
		if (c->label && prio_has_label(v->labels, c->label) &&
		    (!best || c->priority < best->priority))
			best = c;
	if (best) {
		v->base = best->priority;
		snprintf(v->source, sizeof(v->source), "onedr.conf line %d, LABEL '%s'", best->line,
			 best->label);
		return;
	}
	v->base = PRIORITY_DEFAULT;
	snprintf(v->source, sizeof(v->source), "default");
	if (!v->priority || !*v->priority)
		return;
	p = strtol(v->priority, &end, 10);
	if (*end || end == v->priority || p < 1 || p > 5) {
		snprintf(v->error, sizeof(v->error),
			 "USER_TEMPLATE ONEDR_PRIORITY '%.64s' is not a number from 1 to 5",
			 v->priority);
		return;
	}
	v->base = (int)p;
	snprintf(v->source, sizeof(v->source), "USER_TEMPLATE ONEDR_PRIORITY");
}

struct graph {
	struct prio_vm *vms;
	size_t n;
	size_t **deps;		/* per VM, its dependencies' indexes */
	size_t *ndeps;
	int *state;		/* 0 not seen, 1 on the path, 2 placed */
	size_t *path;		/* the current walk, for a cycle's names */
	size_t depth;
	int errors;
};

static bool name_is(const struct prio_vm *v, const char *s, size_t len)
{
	return v->name && strlen(v->name) == len && !strncmp(v->name, s, len);
}

static int parse_deps(struct graph *g, size_t i)
{
	struct prio_vm *v = &g->vms[i];
	const char *p = v->after, *s;
	size_t len;

	while (p && next_item(&p, &s, &len)) {
		bool found = false, by_name = false;
		char *end;
		long id = strtol(s, &end, 10);

		/* a name, else (no VM has that name) an ID */
		for (size_t d = 0; d < g->n && !by_name; d++)
			by_name = name_is(&g->vms[d], s, len);
		for (size_t d = 0; d < g->n; d++) {
			size_t *nd;

			if (by_name ? !name_is(&g->vms[d], s, len) :
			    end != s + len || g->vms[d].id != id)
				continue;
			found = true;
			nd = realloc(g->deps[i], (g->ndeps[i] + 1) * sizeof(*nd));
			if (!nd)
				return -ENOMEM;
			g->deps[i] = nd;
			nd[g->ndeps[i]++] = d;
		}
		if (!found) {
			if (!v->error[0])
				g->errors++;
			snprintf(v->error, sizeof(v->error),
				 "USER_TEMPLATE ONEDR_AFTER names '%.*s', not among the VMs of this failover",
				 (int)(len > 128 ? 128 : len), s);
		}
	}
	return 0;
}

/* The group of VM i, its dependencies first (depth first). */
static void place(struct graph *g, size_t i)
{
	struct prio_vm *v = &g->vms[i];

	if (g->state[i] == 2)
		return;
	if (g->state[i] == 1) {
		/* a cycle: from i's place on the path back to i */
		size_t start = g->depth, off = 0;
		char buf[sizeof(v->error) - 40], nm[64];
		struct prio_vm *first;

		while (start > 0 && g->path[start - 1] != i)
			start--;
		start = start ? start - 1 : 0;
		first = &g->vms[g->path[start]];
		for (size_t k = start; k < g->depth && off < sizeof(buf); k++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "'%s' -> ",
						who(&g->vms[g->path[k]], nm, sizeof(nm)));
		if (off < sizeof(buf))
			snprintf(buf + off, sizeof(buf) - off, "'%s'", who(v, nm, sizeof(nm)));
		if (!first->error[0])
			g->errors++;
		snprintf(first->error, sizeof(first->error), "dependency cycle (ONEDR_AFTER): %s", buf);
		return;
	}
	g->state[i] = 1;
	g->path[g->depth++] = i;
	v->group = v->base;
	for (size_t k = 0; k < g->ndeps[i]; k++) {
		struct prio_vm *d = &g->vms[g->deps[i][k]];
		char nm[64];

		place(g, g->deps[i][k]);
		if (g->state[g->deps[i][k]] == 2 && d->group + 1 > v->group) {
			v->group = d->group + 1;
			snprintf(v->after_why, sizeof(v->after_why), "after '%s' (group %d)",
				 who(d, nm, sizeof(nm)), d->group);
		}
	}
	g->depth--;
	g->state[i] = 2;
}

int prio_resolve(const struct onedr_conf *conf, struct prio_vm *vms, size_t n)
{
	struct graph g = { .vms = vms, .n = n };
	int r = 0;

	g.deps = calloc(n + 1, sizeof(*g.deps));
	g.ndeps = calloc(n + 1, sizeof(*g.ndeps));
	g.state = calloc(n + 1, sizeof(*g.state));
	g.path = calloc(n + 1, sizeof(*g.path));
	if (!g.deps || !g.ndeps || !g.state || !g.path)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		vms[i].error[0] = vms[i].after_why[0] = '\0';
		base_of(conf, &vms[i]);
		g.errors += vms[i].error[0] != '\0';
		vms[i].group = vms[i].base;
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		r = parse_deps(&g, i);
	for (size_t i = 0; r == 0 && i < n; i++)
		place(&g, i);
	for (size_t i = 0; g.deps && i < n; i++)
		free(g.deps[i]);
	free(g.deps);
	free(g.ndeps);
	free(g.state);
	free(g.path);
	return r < 0 ? r : g.errors;
}

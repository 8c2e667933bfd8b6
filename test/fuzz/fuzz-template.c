/*
 * fuzz-template.c - libFuzzer target for src/template.c
 *
 * Build: clang -g -fsanitize=fuzzer,address,undefined -Isrc \
 *              test/fuzz/fuzz-template.c src/template.c
 * Run:   ./a.out test/fuzz/corpus-template/
 *
 * For every input that parses, the serialized text must parse back to an
 * equal tree and serialize to the same text again, unless tmpl_serialize()
 * refuses the tree with -EINVAL. For every input that does not parse, the
 * error must carry a position inside the text and a message.
 */
#include "template.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_error(const uint8_t *data, size_t size,
			const struct tmpl_error *e)
{
	int lines = 1;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (e->line < 1 || e->line > lines || e->column < 1 ||
	    (size_t)e->column > size + 1 || e->msg[0] == '\0' ||
	    memchr(e->msg, '\0', sizeof(e->msg)) == NULL)
		abort();
}

/* Lookups must agree with the tree. */
static void check_lookups(const struct tmpl *t)
{
	for (const struct tmpl_attr *a = t->head; a; a = a->next) {
		const struct tmpl_attr *f = tmpl_find(t, a->name);

		if (!f || strcmp(f->name, a->name) != 0)
			abort();
		if (a->value && !tmpl_get(t, a->name))
			abort();
		for (const struct tmpl_attr *m = a->sub; m; m = m->next)
			if (!tmpl_attr_get(a, m->name))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl *t = NULL, *t2 = NULL;
	struct tmpl_error e;
	char *out = NULL, *out2 = NULL;
	int r;

	r = tmpl_parse((const char *)data, size, &t, &e);
	if (r == -EINVAL) {
		check_error(data, size, &e);
		return 0;
	}
	if (r == -ENOMEM)
		return 0;
	if (r != 0 || !t)
		abort();
	check_lookups(t);

	r = tmpl_serialize(t, &out);
	if (r == -EINVAL || r == -ENOMEM) {
		tmpl_free(t);
		return 0;
	}
	if (r != 0 || !out)
		abort();

	r = tmpl_parse(out, strlen(out), &t2, &e);
	if (r == -ENOMEM)
		goto out;
	if (r != 0 || !tmpl_equal(t, t2))
		abort();
	r = tmpl_serialize(t2, &out2);
	if (r == -ENOMEM)
		goto out;
	if (r != 0 || strcmp(out, out2) != 0)
		abort();
out:
	free(out);
	free(out2);
	tmpl_free(t);
	tmpl_free(t2);
	return 0;
}

/*
 * fuzz-args.c - libFuzzer target for src/args.c, the command-line parser.
 *
 * The input is split at NUL bytes into argv. Whatever it holds, the parser
 * must either refuse it with a message or account for every argument: each
 * operand it returns is a copy of an argv element, and every option it
 * returns is one of the table's.
 */
#include "args.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct arg_spec common[] = {
	{ "conf", 'c', ARG_STRING, "FILE", 0, "" },
	{ "verbose", 'v', ARG_FLAG, NULL, 0, "" },
	{ "help", 0, ARG_FLAG, NULL, 0, "" },
	{ NULL, 0, ARG_FLAG, NULL, 0, NULL },
};
static const struct arg_spec own[] = {
	{ "pool", 'p', ARG_STRING, "POOL", 0, "" },
	{ "json", 'j', ARG_FLAG, NULL, 0, "" },
	{ "concurrency", 0, ARG_NUMBER, "N", 1024, "" },
	{ "timeout", 0, ARG_NUMBER, "S", 86400, "" },
	{ "force", 0, ARG_FLAG, NULL, 0, "" },
	{ NULL, 0, ARG_FLAG, NULL, 0, NULL },
};
static const struct arg_spec *const tables[] = { common, own, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[64];
	struct args a;
	char err[256];
	int argc = 1, r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "cmd";
	for (char *p = buf; p <= buf + size && argc < 63; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	r = args_parse(tables, argc, argv, &a, err, sizeof(err));
	if (r < 0) {
		if (r != -EINVAL || !err[0])
			abort();
	} else {
		if (a.noperands > argc - 1)
			abort();
		for (size_t i = 0; i < a.nvalues; i++) {
			const struct arg_value *v = &a.values[i];
			if ((v->spec->type == ARG_FLAG) != (v->value == NULL))
				abort();
			if (v->spec->type == ARG_NUMBER && (v->number < 1 || v->number > v->spec->max))
				abort();
		}
		args_free(&a);
	}
	free(buf);
	return 0;
}

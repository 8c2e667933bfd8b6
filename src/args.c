/* args.c: the command-line parser shared by every command (see args.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

static const struct arg_spec *find_long(const struct arg_spec *const tables[], const char *name,
					 size_t len)
{
	const struct arg_spec *s;
	size_t t;

	for (t = 0; tables[t]; t++)
		for (s = tables[t]; s->name; s++)
			if (strlen(s->name) == len && !strncmp(s->name, name, len))
				return s;
	return NULL;
}

static const struct arg_spec *find_letter(const struct arg_spec *const tables[], char letter)
{
	const struct arg_spec *s;
	size_t t;

	for (t = 0; tables[t]; t++)
		for (s = tables[t]; s->name; s++)
			if (s->letter && s->letter == letter)
				return s;
	return NULL;
}

static int check_number(const struct arg_spec *s, const char *value, unsigned *ret,
			char *err, size_t errlen)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || end == value || *end || value[0] < '0' || value[0] > '9' || v == 0 ||
	    v > s->max) {
		snprintf(err, errlen, "--%s: expected a number from 1 to %u, got '%s'",
			 s->name, s->max, value);
		return -EINVAL;
	}
	*ret = (unsigned)v;
	return 0;
}

/* Record s with value (NULL for a flag); the last one given wins. */
static int set_value(struct args *a, const struct arg_spec *s, const char *value,
		     char *err, size_t errlen)
{
	struct arg_value v = { s, NULL, 0 }, *grown;
	size_t i;
	int r;

	if (s->type != ARG_FLAG && !value[0]) {
		snprintf(err, errlen, "--%s: the value is empty", s->name);
		return -EINVAL;
	}
	if (s->type == ARG_NUMBER && (r = check_number(s, value, &v.number, err, errlen)) < 0)
		return r;
	if (value && !(v.value = strdup(value)))
		return -ENOMEM;
	for (i = 0; i < a->nvalues; i++)
		if (a->values[i].spec == s) {
			free(a->values[i].value);
			a->values[i] = v;
			return 0;
		}
	grown = realloc(a->values, (a->nvalues + 1) * sizeof(*grown));
	if (!grown) {
		free(v.value);
		return -ENOMEM;
	}
	a->values = grown;
	a->values[a->nvalues++] = v;
	return 0;
}

static int add_operand(struct args *a, const char *arg)
{
	char **grown = realloc(a->operands, ((size_t)a->noperands + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	a->operands = grown;
	if (!(a->operands[a->noperands] = strdup(arg)))
		return -ENOMEM;
	a->noperands++;
	return 0;
}

/* --name, --name=VALUE, --name VALUE; *i moves past a value taken from argv. */
static int parse_long(const struct arg_spec *const tables[], int argc, char *const argv[], int *i,
		      struct args *a, char *err, size_t errlen)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct arg_spec *s = find_long(tables, name, len);

	if (!s) {
		snprintf(err, errlen, "unrecognized option '--%.*s'", (int)len, name);
		return -EINVAL;
	}
	if (s->type == ARG_FLAG) {
		if (eq) {
			snprintf(err, errlen, "option '--%s' takes no value", s->name);
			return -EINVAL;
		}
		return set_value(a, s, NULL, err, errlen);
	}
	if (eq)
		return set_value(a, s, eq + 1, err, errlen);
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "option '--%s' requires a value (%s)", s->name, s->value);
		return -EINVAL;
	}
	return set_value(a, s, argv[++*i], err, errlen);
}

/* -x, -xVALUE, -x VALUE, -jv */
static int parse_short(const struct arg_spec *const tables[], int argc, char *const argv[], int *i,
		       struct args *a, char *err, size_t errlen)
{
	const char *p;
	int r;

	for (p = argv[*i] + 1; *p; p++) {
		const struct arg_spec *s = find_letter(tables, *p);

		if (!s) {
			snprintf(err, errlen, "unrecognized option '-%c'", *p);
			return -EINVAL;
		}
		if (s->type == ARG_FLAG) {
			if ((r = set_value(a, s, NULL, err, errlen)) < 0)
				return r;
			continue;
		}
		if (p[1])
			return set_value(a, s, p + 1, err, errlen);
		if (*i + 1 >= argc) {
			snprintf(err, errlen, "option '-%c' requires a value (%s)", *p, s->value);
			return -EINVAL;
		}
		return set_value(a, s, argv[++*i], err, errlen);
	}
	return 0;
}

static int parse(const struct arg_spec *const tables[], int argc, char *const argv[],
		 bool leading, struct args *ret, char *err, size_t errlen)
{
	struct args a = { 0 };
	bool options = true;
	int i, r = 0;

	err[0] = '\0';
	for (i = 1; i < argc && r == 0; i++) {
		const char *arg = argv[i];

		if (options && !strcmp(arg, "--"))
			options = false;
		else if (options && arg[0] == '-' && arg[1] == '-')
			r = parse_long(tables, argc, argv, &i, &a, err, errlen);
		else if (options && arg[0] == '-' && arg[1])
			r = parse_short(tables, argc, argv, &i, &a, err, errlen);
		else {
			r = add_operand(&a, arg);
			options = options && !leading;
		}
	}
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		args_free(&a);
		return r;
	}
	*ret = a;
	return 0;
}

int args_parse(const struct arg_spec *const tables[], int argc, char *const argv[],
	       struct args *ret, char *err, size_t errlen)
{
	return parse(tables, argc, argv, false, ret, err, errlen);
}

int args_parse_leading(const struct arg_spec *const tables[], int argc, char *const argv[],
		       struct args *ret, char *err, size_t errlen)
{
	return parse(tables, argc, argv, true, ret, err, errlen);
}

void args_free(struct args *a)
{
	size_t i;

	for (i = 0; i < a->nvalues; i++)
		free(a->values[i].value);
	free(a->values);
	for (i = 0; i < (size_t)a->noperands; i++)
		free(a->operands[i]);
	free(a->operands);
	memset(a, 0, sizeof(*a));
}

static const struct arg_value *lookup(const struct args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nvalues; i++)
		if (!strcmp(a->values[i].spec->name, name))
			return &a->values[i];
	return NULL;
}

bool args_has(const struct args *a, const char *name)
{
	return lookup(a, name) != NULL;
}

const char *args_get(const struct args *a, const char *name)
{
	const struct arg_value *v = lookup(a, name);

	return v ? v->value : NULL;
}

unsigned args_number(const struct args *a, const char *name, unsigned def)
{
	const struct arg_value *v = lookup(a, name);

	return v ? v->number : def;
}

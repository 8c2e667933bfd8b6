/*
 * args.h: the one command-line parser of every onedr command (after tmux's
 * args). A command describes its options in a table of struct arg_spec;
 * args_parse() checks argv against that table (and the common options),
 * copies every value it keeps, and leaves the operands in order. Nothing
 * here prints: a malformed command line is -EINVAL and one message.
 *
 * Accepted forms: --name, --name=VALUE, --name VALUE, -x, -xVALUE, -x VALUE,
 * clustered flags (-jv), and "--" to end the options. Options and operands
 * may be mixed. Long names are matched exactly, never by prefix.
 */
#ifndef ONEDR_ARGS_H
#define ONEDR_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum arg_type {
	ARG_FLAG,	/* no value */
	ARG_STRING,	/* any non-empty value */
	ARG_NUMBER,	/* a whole number from 1 to max */
};

struct arg_spec {
	const char *name;	/* long name, without the dashes */
	char letter;		/* short name, or 0 */
	enum arg_type type;
	const char *value;	/* the value's name in the help: "POOL", "S" */
	unsigned max;		/* ARG_NUMBER: the largest value */
	const char *help;	/* for --help; "\n" starts a continuation line */
};

/* One option as given (the last one wins when given twice). */
struct arg_value {
	const struct arg_spec *spec;
	char *value;		/* owned copy; NULL for a flag */
	unsigned number;	/* ARG_NUMBER */
};

struct args {
	struct arg_value *values;
	size_t nvalues;
	char **operands;	/* owned copies, in order */
	int noperands;
};

/*
 * Parse argv[1..argc-1] against the tables (each ends with a spec whose name
 * is NULL). Returns 0, -EINVAL with a message in err (unknown option,
 * missing or unexpected value, bad number), or -ENOMEM.
 */
int args_parse(const struct arg_spec *const tables[], int argc, char *const argv[],
	       struct args *ret, char *err, size_t errlen);
/* The same with options only before the first operand: what follows it is
 * operands, "-1" included (the driver actions' argv, as oned gives it). */
int args_parse_leading(const struct arg_spec *const tables[], int argc, char *const argv[],
		       struct args *ret, char *err, size_t errlen);
void args_free(struct args *a);

bool args_has(const struct args *a, const char *name);
/* The value of a string option, or NULL when it was not given. */
const char *args_get(const struct args *a, const char *name);
/* The value of a number option, or def when it was not given. */
unsigned args_number(const struct args *a, const char *name, unsigned def);

#endif

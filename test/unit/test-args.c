/* test-args.c: the command-line parser every command uses (src/args.c). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "args.h"
#include "tap.h"

static const struct arg_spec common[] = {
	{ "conf", 'c', ARG_STRING, "FILE", 0, "" },
	{ "verbose", 'v', ARG_FLAG, NULL, 0, "" },
	{ NULL, 0, ARG_FLAG, NULL, 0, NULL },
};
static const struct arg_spec own[] = {
	{ "pool", 'p', ARG_STRING, "POOL", 0, "" },
	{ "json", 'j', ARG_FLAG, NULL, 0, "" },
	{ "concurrency", 0, ARG_NUMBER, "N", 1024, "" },
	{ "force", 0, ARG_FLAG, NULL, 0, "" },
	{ NULL, 0, ARG_FLAG, NULL, 0, NULL },
};
static const struct arg_spec *const tables[] = { common, own, NULL };

static char err[256];

/* parse a NULL-terminated argv (argv[0] is the command) */
static int parse(struct args *a, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return args_parse(tables, argc, argv, a, err, sizeof(err));
}

#define ARGV(...) ((char *[]){ "cmd", __VA_ARGS__, NULL })

int main(void)
{
	struct args a;
	char buf[8];
	int r;

	r = parse(&a, ARGV("-p", "one", "img1", "--concurrency=8", "--", "-x", "--json"));
	ok(r == 0, "options and operands mixed, -- ends the options");
	is_str(args_get(&a, "pool"), "one", "-p VALUE");
	ok(args_number(&a, "concurrency", 16) == 8, "--name=VALUE for a number");
	ok(!args_has(&a, "json"), "--json after -- is an operand");
	ok(a.noperands == 3, "three operands");
	is_str(a.operands[0], "img1", "first operand");
	is_str(a.operands[1], "-x", "after --, a dash is an operand");
	is_str(a.operands[2], "--json", "after --, a long option is an operand");
	ok(args_number(&a, "nothing", 16) == 16, "a number not given is the default");
	args_free(&a);

	r = parse(&a, ARGV("-jv", "-pone", "--pool", "two", "-c", "f.conf"));
	ok(r == 0 && args_has(&a, "json") && args_has(&a, "verbose"), "clustered flags -jv");
	is_str(args_get(&a, "pool"), "two", "the last value given wins");
	is_str(args_get(&a, "conf"), "f.conf", "common options share the parser");
	args_free(&a);

	/* every value is a copy: the argv may go away */
	snprintf(buf, sizeof(buf), "pool1");
	r = parse(&a, ARGV("--pool", buf));
	buf[0] = 'X';
	is_str(args_get(&a, "pool"), "pool1", "values are owned copies");
	args_free(&a);

	r = parse(&a, ARGV("--poo", "x"));
	ok(r == -EINVAL, "long names are never matched by prefix");
	is_str(err, "unrecognized option '--poo'", "the message names the option");
	r = parse(&a, ARGV("-Q"));
	ok(r == -EINVAL, "an unknown letter is refused");
	is_str(err, "unrecognized option '-Q'", "the message names the letter");
	r = parse(&a, ARGV("img", "--pool"));
	ok(r == -EINVAL, "a missing value is refused");
	is_str(err, "option '--pool' requires a value (POOL)", "the message names the value");
	r = parse(&a, ARGV("-p"));
	ok(r == -EINVAL, "a missing value of a letter is refused");
	r = parse(&a, ARGV("--pool="));
	ok(r == -EINVAL, "an empty value is refused");
	is_str(err, "--pool: the value is empty", "the message says it is empty");
	r = parse(&a, ARGV("--force=yes"));
	ok(r == -EINVAL, "a flag takes no value");
	is_str(err, "option '--force' takes no value", "the message says so");
	for (size_t i = 0; i < 6; i++) {
		static const char *const bad[] = { "0", "-1", "abc", "4x", "1025", "99999999999999999999" };
		char *v = (char *)bad[i];

		r = parse(&a, ARGV("--concurrency", v));
		ok(r == -EINVAL, "--concurrency %s is refused", bad[i]);
	}
	is_str(err, "--concurrency: expected a number from 1 to 1024, got '99999999999999999999'",
	       "the message gives the range");
	r = parse(&a, ARGV("--concurrency", "1024"));
	ok(r == 0 && args_number(&a, "concurrency", 0) == 1024, "the maximum is accepted");
	args_free(&a);
	r = parse(&a, ARGV("-"));
	ok(r == 0 && a.noperands == 1, "a lone dash is an operand");
	args_free(&a);

	/* a driver action's argv as oned gives it (tm cpds: SNAP_ID -1) */
	{
		char *cpds[] = { "cpds", "-c", "f.conf", "h:/d/disk.1", "one/one-5", "-1", "0",
				 "--json", NULL };

		r = args_parse_leading(tables, 8, cpds, &a, err, sizeof(err));
		ok(r == 0 && a.noperands == 5, "leading options only: the rest are operands");
		is_str(args_get(&a, "conf"), "f.conf", "an option before the first operand is one");
		is_str(a.operands[2], "-1", "-1 after an operand is an operand");
		is_str(a.operands[4], "--json", "so is --json");
		ok(!args_has(&a, "json"), "which is not taken as an option");
		args_free(&a);
		r = parse(&a, cpds);
		ok(r == -EINVAL, "the ordinary parser takes -1 for an option: %s", err);
	}
	return tap_done();
}

/*
 * onedr.c: main. Dispatches on the command name, either the first argument
 * (`onedr promote ...`) or the name the binary was started as: the hooks and
 * remotes installed into OpenNebula are links named onedr-COMMAND.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_demote_entry,
	&cmd_export_entry,
	&cmd_help_entry,
	&cmd_manifest_entry,
	&cmd_promote_entry,
	&cmd_recreate_entry,
	&cmd_register_entry,
	&cmd_resync_entry,
	&cmd_status_entry,
	&cmd_version_entry,
	NULL,
};

const struct cmd_entry *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i]; i++)	/* exact names only, never prefixes */
		if (!strcmp(cmd_table[i]->name, name))
			return cmd_table[i];
	return NULL;
}

void cmd_usage(const struct cmd_entry *e, bool full)
{
	FILE *f = full ? stdout : stderr;

	fprintf(f, "usage: onedr %s %s\n", e->name, e->usage);
	if (full)
		fprintf(f, "\n%s\n\n%s", e->summary, e->help);
	else
		fprintf(f, "Try 'onedr %s --help' for more information.\n", e->name);
}

static int run(const struct cmd_entry *e, int argc, char **argv)
{
	struct cmd_ctx ctx;
	int code;

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = e->name;
	conf_init(&ctx.conf);
	log_set_command(e->name);
	if (getenv("ONEDR_DEBUG"))
		log_set_level(LOG_LEVEL_DEBUG);
	code = e->exec(&ctx, argc, argv);
	conf_free(&ctx.conf);
	free(ctx.cli.cluster);
	free(ctx.cli.conf);
	free(ctx.cli.id);
	free(ctx.cli.keyring);
	free(ctx.pool_cli);
	fflush(stdout);
	if (ceph_abandoned() > 0) {
		/* a Ceph call is stuck past its deadline: librbd would wait for it
		 * on the way out, so leave without running its destructors */
		fflush(stderr);
		_exit(code);
	}
	return code;
}

/* Options given before the command name take an argument when listed here. */
static bool global_option_has_arg(const char *opt)
{
	static const char *const with_arg[] = { "-c", "--conf", "--cluster", "--ceph-conf",
						"--id", "--keyring", NULL };
	size_t i;

	for (i = 0; with_arg[i]; i++)
		if (!strcmp(opt, with_arg[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? argv[0] : "onedr";
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
	const struct cmd_entry *e;
	char **args;
	int first, i, n, code;

	/* started as onedr-COMMAND: argv is that command's */
	if (!strncmp(base, "onedr-", 6)) {
		e = cmd_find(base + 6);
		if (!e) {
			fprintf(stderr, "ERROR: onedr: unknown command name '%s'\n", base);
			return EXIT_USAGE;
		}
		return run(e, argc, argv);
	}
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")))
		return run(&cmd_version_entry, argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return run(&cmd_help_entry, argc - 1, argv + 1);
	/* onedr [GLOBAL OPTIONS] COMMAND [ARGS]: the command parses both */
	for (first = 1; first < argc && argv[first][0] == '-'; first++)
		if (global_option_has_arg(argv[first]) && first + 1 < argc)
			first++;
	if (first >= argc) {
		cmd_help_entry.exec(NULL, 1, argv);
		return EXIT_USAGE;
	}
	e = cmd_find(argv[first]);
	if (!e) {
		fprintf(stderr, "ERROR: onedr: unknown command '%s'; see 'onedr help'\n", argv[first]);
		return EXIT_USAGE;
	}
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return EXIT_UNAVAILABLE;
	n = 0;
	args[n++] = argv[first];
	for (i = 1; i < argc; i++)	/* the others in order */
		if (i != first)
			args[n++] = argv[i];
	code = run(e, n, args);
	free(args);
	return code;
}

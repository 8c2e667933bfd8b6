/*
 * onedr.c: main. Dispatches on the command name, either the first argument
 * (`onedr promote ...`) or the name the binary was started as:
 *   onedr-COMMAND                      onedr COMMAND
 *   REMOTES/hooks/onedr/NAME           onedr hook/NAME       (a hook)
 *   REMOTES/tm/onedr/ACTION            onedr tm/ACTION       (the TM driver)
 *   REMOTES/datastore/onedr/ACTION     onedr datastore/ACTION (the datastore driver)
 *   REMOTES/hooks/ft/fence_host.sh     onedr hook/fence-host  (for the stock host_error.rb)
 * The hooks and remotes installed into OpenNebula are links to this binary;
 * their entries live in hooks/ and remotes/, in the same table.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "crash.h"
#include "log.h"

const struct cmd_entry *const cmd_table[] = {
	REMOTE_DATASTORE_ACTIONS(REMOTE_ENTRY_REF, REMOTE_ENTRY_REF)
	&cmd_demote_entry,
	&cmd_drill_entry,
	&cmd_export_entry,
	&cmd_failback_entry,
	&cmd_failover_entry,
	&cmd_fence_entry,
	&cmd_help_entry,
	&hook_image_ready_entry,
	&hook_fence_host_entry,
	&hook_host_error_entry,
	&hook_protect_entry,
	&hook_retire_entry,
	&cmd_manifest_entry,
	&cmd_promote_entry,
	&cmd_recreate_entry,
	&cmd_register_entry,
	&cmd_report_entry,
	&cmd_resync_entry,
	&cmd_status_entry,
	&cmd_switchover_entry,
	REMOTE_TM_ACTIONS(REMOTE_ENTRY_REF, REMOTE_ENTRY_REF)
	REMOTE_TM_SSH_ACTIONS(REMOTE_SSH_ENTRY_REF, REMOTE_SSH_ENTRY_REF)
	&cmd_unfence_entry,
	&cmd_version_entry,
	NULL,
};

/* The kinds of entry, by the prefix of their name, with the directory oned
 * runs them from (under its remotes): hook/protect is hooks/onedr/protect. */
static const struct {
	const char *prefix;	/* of the entry's name */
	const char *dir;	/* the link's parent directories */
} cmd_kinds[] = {
	{ "hook/", "hooks/onedr" },
	{ "tm/", "tm/onedr" },
	{ "datastore/", "datastore/onedr" },
};

const char *cmd_kind_prefix(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmd_kinds) / sizeof(cmd_kinds[0]); i++)
		if (!strncmp(name, cmd_kinds[i].prefix, strlen(cmd_kinds[i].prefix)))
			return cmd_kinds[i].prefix;
	return NULL;
}

/* The entry a link in OpenNebula's remotes stands for: PATH/hooks/onedr/NAME
 * is hook/NAME. NULL when self is not such a path; *ret_name is set when it
 * is one (even with no such entry). */
/* Links onedr answers to under a name OpenNebula gave them: the stock
 * ft/host_error.rb runs ft/fence_host.sh next to itself (hooks/fence-host.c). */
static const struct {
	const char *path;	/* the link's path under the remotes */
	const char *entry;
} cmd_aliases[] = {
	{ "hooks/ft/fence_host.sh", "hook/fence-host" },
};

static const struct cmd_entry *cmd_find_link(const char *self, const char *base, char *name,
					     size_t len)
{
	size_t i, dl, bl = strlen(base), sl = strlen(self);

	name[0] = '\0';
	for (i = 0; i < sizeof(cmd_aliases) / sizeof(cmd_aliases[0]); i++) {
		size_t pl = strlen(cmd_aliases[i].path);

		if (sl < pl || strcmp(self + sl - pl, cmd_aliases[i].path) ||
		    (sl > pl && self[sl - pl - 1] != '/'))
			continue;	/* xhooks/ft/ is not hooks/ft/ */
		snprintf(name, len, "%s", cmd_aliases[i].entry);
		return cmd_find(name);
	}

	for (i = 0; i < sizeof(cmd_kinds) / sizeof(cmd_kinds[0]); i++) {
		dl = strlen(cmd_kinds[i].dir);
		if (sl < dl + 1 + bl || strncmp(self + sl - bl - 1 - dl, cmd_kinds[i].dir, dl) ||
		    self[sl - bl - 1] != '/')
			continue;
		if (sl > dl + 1 + bl && self[sl - bl - 2 - dl] != '/')
			continue;	/* xtm/onedr/ is not tm/onedr/ */
		if ((size_t)snprintf(name, len, "%s%s", cmd_kinds[i].prefix, base) >= len)
			return NULL;
		return cmd_find(name);
	}
	return NULL;
}

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
	if (!full) {
		fprintf(f, "Try 'onedr %s --help' for more information.\n", e->name);
		return;
	}
	fprintf(f, "\n%s\n", e->summary);
	if (e->help[0])
		fprintf(f, "\n%s", e->help);
	if (e->options) {
		fprintf(f, "\nOptions:\n");
		cmd_print_options(f, e->options);
	}
	fprintf(f, "\nOptions of every command:\n");
	cmd_print_options(f, cmd_common_options);
}

/* Parse the command line into ctx.args, run the command, release everything. */
static int run(const struct cmd_entry *e, int argc, char **argv)
{
	/* a command without options of its own ends the list early */
	const struct arg_spec *const tables[] = { cmd_common_options, e->options, NULL };
	struct cmd_ctx ctx;
	char err[256];
	int code, r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = e->name;
	conf_init(&ctx.conf);
	log_set_command(e->name);
	if (getenv("ONEDR_DEBUG"))
		log_set_level(LOG_LEVEL_DEBUG);
	/* a driver action's operands are oned's, passed on as they are
	 * ("-1" is cpds' SNAP_ID): options only before the first one */
	if (cmd_kind_prefix(e->name) && strcmp(cmd_kind_prefix(e->name), "hook/"))
		r = args_parse_leading(tables, argc, argv, &ctx.args, err, sizeof(err));
	else
		r = args_parse(tables, argc, argv, &ctx.args, err, sizeof(err));
	if (r < 0) {
		log_error(0, "%s", err);
		cmd_usage(e, false);
		code = EXIT_USAGE;
	} else if (args_has(&ctx.args, "help")) {
		cmd_usage(e, true);
		code = EXIT_OK;
	} else {
		if (args_has(&ctx.args, "verbose"))
			log_set_level(LOG_LEVEL_DEBUG);
		code = e->exec(&ctx, ctx.args.noperands, ctx.args.operands);
	}
	args_free(&ctx.args);
	conf_free(&ctx.conf);
	fflush(stdout);
	if (ceph_abandoned() > 0) {
		/* a Ceph call is stuck past its deadline: librbd would wait for it
		 * on the way out, so leave without running its destructors */
		fflush(stderr);
		_exit(code);
	}
	return code;
}

/* Options given before the command name that take a value in the next argument. */
static bool global_option_has_arg(const char *opt)
{
	const struct arg_spec *s;

	for (s = cmd_common_options; s->name; s++)
		if (s->type != ARG_FLAG &&
		    ((opt[0] == '-' && opt[1] == s->letter && s->letter && !opt[2]) ||
		     (opt[0] == '-' && opt[1] == '-' && !strcmp(opt + 2, s->name))))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? argv[0] : "onedr";
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;

	/* every outcome line is out as soon as it is printed, also on a pipe:
	 * an onedr killed midway leaves the record of what it already did */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a crash inside librados or librbd says where it was (src/crash.c) */
	crash_report_install();
#ifdef M_ARENA_MAX
	/* glibc gives each thread that mallocs an arena of its own, up to 8 per
	 * core, and keeps their freed memory: a 1000-image failover's workers and
	 * librbd's threads held 16 arenas, 29 MiB of its 80 MiB peak RSS (P4) */
	mallopt(M_ARENA_MAX, 2);
#endif
#ifdef M_MMAP_THRESHOLD
	/* glibc raises its mmap threshold to the size of each large block
	 * freed (up to 32 MiB), and later blocks that large then come out of
	 * the heap, which keeps their pages: oned's pool texts, the failover's
	 * step arrays (P4). Fixed at glibc's initial 128 KiB, such blocks are
	 * mapped and unmapped on their own. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	const struct cmd_entry *e;
	char link[128];
	char **args;
	int first, i, n, code;

	/* started as a hook or remote in OpenNebula's remotes: argv is the entry's */
	e = cmd_find_link(self, base, link, sizeof(link));
	if (e)
		return run(e, argc, argv);
	if (link[0]) {
		fprintf(stderr, "ERROR: onedr: '%s' is not a hook or action onedr provides (%s)\n",
			link, self);
		return EXIT_USAGE;
	}
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
		cmd_help_entry.exec(NULL, 0, NULL);
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

/*
 * cmd-help.c: onedr help [COMMAND]
 * Lists the commands, the common options and the exit codes.
 */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

static const char exit_codes[] =
	"Exit codes:\n"
	"  0  success (status: healthy)\n"
	"  1  some images failed, were refused, timed out or were not started\n"
	"     (SIGINT, SIGTERM); the others were done\n"
	"  2  usage or configuration error; nothing was done\n"
	"  3  the cluster or pool could not be used; nothing was done\n"
	"  4  status: replication degraded, or images not protected\n"
	"  5  status: split-brain, or images in error\n";

static int cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;
	size_t i;

	if (argc > 1) {
		fprintf(stderr, "ERROR: help: name one command\n");
		return EXIT_USAGE;
	}
	if (argc == 1) {
		e = cmd_find(argv[0]);
		if (!e) {
			fprintf(stderr, "ERROR: help: unknown command '%s'\n", argv[0]);
			return EXIT_USAGE;
		}
		cmd_usage(e, true);
		printf("\n%s", exit_codes);
		return EXIT_OK;
	}
	printf("usage: onedr COMMAND [OPTIONS] [ARGS]\n\n"
	       "Disaster recovery for OpenNebula clouds on Ceph RBD mirroring.\n\n"
	       "Commands:\n");
	for (i = 0; cmd_table[i]; i++)
		if (!cmd_kind_prefix(cmd_table[i]->name))
			printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nEach command also runs as a program named onedr-COMMAND.\n");
	for (i = 0; cmd_table[i]; i++)
		if (cmd_kind_prefix(cmd_table[i]->name)) {
			printf("\nWhat OpenNebula runs (links in its remotes: hooks/onedr/NAME,\n"
			       "tm/onedr/ACTION, datastore/onedr/ACTION; see onedr-remotes(7)):\n");
			break;
		}
	for (i = 0; cmd_table[i]; i++)
		if (cmd_kind_prefix(cmd_table[i]->name))
			printf("  %-24s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nOptions of every command:\n");
	cmd_print_options(stdout, cmd_common_options);
	printf("\n%s", exit_codes);
	return EXIT_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the commands, or one command's options",
	.help = "",
	.exec = cmd_help_exec,
};

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

static const char common_options[] =
	"Options of every command:\n"
	"  -c, --conf FILE     onedr configuration (default " CONF_DEFAULT_PATH ", or $ONEDR_CONF)\n"
	"  --cluster NAME      Ceph cluster name (as rbd --cluster)\n"
	"  --ceph-conf FILE    Ceph configuration file (as rbd -c)\n"
	"  --id ID             Ceph client id (as rbd --id)\n"
	"  --keyring FILE      Ceph keyring file (as rbd --keyring)\n"
	"  -v, --verbose       more diagnostics on stderr\n"
	"  --help              help on the command\n";

static int cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;
	size_t i;

	if (argc > 1) {
		e = cmd_find(argv[1]);
		if (!e) {
			fprintf(stderr, "ERROR: help: unknown command '%s'\n", argv[1]);
			return EXIT_USAGE;
		}
		cmd_usage(e, true);
		printf("\n%s\n%s", common_options, exit_codes);
		return EXIT_OK;
	}
	printf("usage: onedr COMMAND [OPTIONS] [ARGS]\n\n"
	       "Disaster recovery for OpenNebula clouds on Ceph RBD mirroring.\n\n"
	       "Commands:\n");
	for (i = 0; cmd_table[i]; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nEach command also runs as a program named onedr-COMMAND.\n\n%s\n%s",
	       common_options, exit_codes);
	return EXIT_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the commands, or one command's options",
	.help = "",
	.exec = cmd_help_exec,
};

/* placeholder */
#include "config.h"
#include "cmd.h"
static int cmd_failback(struct cmd_ctx *ctx, int argc, char **argv) { (void)ctx; (void)argc; (void)argv; return EXIT_USAGE; }
const struct cmd_entry cmd_failback_entry = { .name = "failback", .usage = "", .summary = "x", .help = "x\n", .options = NULL, .exec = cmd_failback };

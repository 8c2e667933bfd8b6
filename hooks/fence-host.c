/*
 * hooks/fence-host.c: onedr hook/fence-host, a ft/fence_host.sh for the stock
 * ft/host_error.rb
 *
 * OpenNebula's host_error.rb fences a failed host, before it touches its
 * VMs, by running File.dirname(__FILE__)/fence_host.sh (that is
 * <remotes>/hooks/ft/fence_host.sh) with no arguments and the host's
 * one.host.info document in strict base64 on stdin. Exit 0 means fenced;
 * anything else is a fencing error, and host_error.rb then stops without
 * recovering any VM. Its stdout and stderr go to host_error.log. The
 * fence_host.sh it ships only says it is not configured and exits 1.
 *
 * To let the stock host_error.rb fence through onedr, replace that script
 * with a link to onedr (argv[0] ending in hooks/ft/fence_host.sh runs this
 * entry, see onedr.c):
 *
 *   ln -sf /usr/bin/onedr /var/lib/one/remotes/hooks/ft/fence_host.sh
 *
 * It fences as 'onedr fence HOST' does, with FENCE_EXPIRE and FENCE_WAIT:
 * exit 0 only when every address of the host is blocklisted and no watcher
 * from the host is left on its VMs' RBDs.
 */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "hook-payload.h"
#include "log.h"
#include "one-rpc.h"

static int hook_fence_host(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct hook_payload *p = NULL;
	struct one_client *one = NULL;
	struct one_obj *host = NULL;
	struct fence_target t;
	int code = EXIT_USAGE;

	memset(&t, 0, sizeof(t));
	if (cmd_host_payload_read(argc, argv, "", &p) < 0)
		goto out;
	if (p->nwords > 0) {
		log_error(0, "unexpected '%s' after the HOST payload", p->words[0]);
		goto out;
	}
	/* oned for the host's VMs: their RBDs are checked for watchers */
	code = cmd_host_payload_begin(ctx, p, &host, &one);
	if (code != 0)
		goto out;
	code = cmd_fence_host(ctx, one, host, ctx->conf.fence_expire, ctx->conf.fence_wait, &t);
out:
	cmd_fence_target_free(&t);
	one_client_free(one);
	one_obj_free(host);
	hook_payload_free(p);
	return code;
}

const struct cmd_entry hook_fence_host_entry = {
	.name = "hook/fence-host",
	.usage = "[HOST_BASE64]",
	.summary = "ft/fence_host.sh for the stock ft/host_error.rb: fence the host in Ceph",
	.help =
	"The host's one.host.info document in base64 on stdin, as host_error.rb\n"
	"runs ft/fence_host.sh. Installed as <remotes>/hooks/onedr/fence-host;\n"
	"link <remotes>/hooks/ft/fence_host.sh to onedr for host_error.rb to use\n"
	"it. Fences as 'onedr fence HOST' does (FENCE_EXPIRE, FENCE_WAIT); exit 0\n"
	"only when the host is fenced and no watcher from it is left.\n",
	.options = NULL,
	.exec = hook_fence_host,
};

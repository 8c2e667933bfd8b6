/*
 * hook/image-ready: an IMAGE state hook, STATE=READY (installed as
 * REMOTES/hooks/onedr/image-ready). oned fires it when an image becomes
 * READY: registered, created (cp, mkfs, clone, disk-saveas), and again each
 * time it is released (USED -> READY).
 *
 *   NAME      = "onedr-image-ready"
 *   TYPE      = "state"
 *   RESOURCE  = "IMAGE"
 *   STATE     = "READY"
 *   COMMAND   = "onedr/image-ready"
 *   ARGUMENTS = "$TEMPLATE"
 *   ARGUMENTS_STDIN = "yes"
 *
 * The payload (stdin base64, or argv base64 without ARGUMENTS_STDIN) is the
 * <IMAGE> document. It names no TM_MAD: an image is on Ceph when its
 * DISK_TYPE is 3 (RBD), which a Ceph datastore (DS_MAD ceph or onedr) gives
 * its images; its SOURCE is pool/image. That RBD is mirrored in MIRROR_MODE,
 * idempotently (mirror-enable.h): a rerun, or the hook firing again on
 * USED -> READY, says it was mirrored already. Other images: one line
 * saying they are skipped, exit 0. One stdout line per image; ERROR lines
 * on stderr; no XML-RPC call.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cmd.h"
#include "hook-payload.h"
#include "log.h"
#include "mirror-enable.h"

/* OpenNebula's Image::DiskType */
#define DISK_TYPE_RBD 3

struct ready_image {
	char id[32], name[256], source[512], disk_type[16];
};

static void child_text(xmlNodePtr root, const char *name, char *buf, size_t len)
{
	buf[0] = '\0';
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name)) {
			xmlChar *c = xmlNodeGetContent(n);

			snprintf(buf, len, "%s", c ? (const char *)c : "");
			xmlFree(c);
			return;
		}
}

static int ready_parse(const struct hook_payload *p, struct ready_image *ret)
{
	xmlDocPtr doc = xmlReadMemory(p->xml, (int)p->len, "IMAGE", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	if (!root) {
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	child_text(root, "ID", ret->id, sizeof(ret->id));
	child_text(root, "NAME", ret->name, sizeof(ret->name));
	child_text(root, "SOURCE", ret->source, sizeof(ret->source));
	child_text(root, "DISK_TYPE", ret->disk_type, sizeof(ret->disk_type));
	xmlFreeDoc(doc);
	return ret->id[0] ? 0 : -EINVAL;
}

static int ready_mirror(struct cmd_ctx *ctx, const struct ready_image *img, const char *label)
{
	char pool[256], rbd[512];
	const char *slash = strchr(img->source, '/');
	struct mirror_enable_result res;
	struct timespec deadline;
	struct ceph *c = NULL;
	int r;

	if (!img->source[0] || strchr(img->source, '@') || (slash && strchr(slash + 1, '/')) ||
	    slash == img->source || (slash && !slash[1]))
		return log_error(0, "%s: SOURCE '%s' is not an RBD image (pool/image)", label,
				 img->source), EXIT_PARTIAL;
	snprintf(pool, sizeof(pool), "%.*s", slash ? (int)(slash - img->source) : (int)strlen(ctx->conf.pool),
		 slash ? img->source : ctx->conf.pool);
	snprintf(rbd, sizeof(rbd), "%s", slash ? slash + 1 : img->source);
	if (cmd_connect(ctx, false, &c, NULL, NULL) < 0)
		return EXIT_UNAVAILABLE;
	deadline = deadline_after(ctx->conf.image_timeout);
	r = mirror_enable(c, pool, rbd, mirror_enable_conf_mode(&ctx->conf), &deadline, &res);
	ceph_close(c);
	if (r < 0)
		return log_error(r, "%s: %s", label, res.error[0] ? res.error : "cannot mirror it"),
		       EXIT_PARTIAL;
	if (res.already && !res.primary)
		printf("%s: %s/%s is a non-primary copy here (mirrored from the peer): nothing to do\n",
		       label, pool, rbd);
	else
		printf("%s: %s/%s %s in %s mode%s%s\n", label, pool, rbd,
		       res.already ? "was mirrored already" : "mirrored",
		       mirror_enable_mode_name(res.mode), res.clone ? ", clone of " : "", res.parent);
	return EXIT_OK;
}

static int hook_image_ready_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct hook_payload *p = NULL;
	struct ready_image img;
	char msg[256] = "", label[320];
	int r, code;

	if (cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	r = hook_payload_read(argc, argv, STDIN_FILENO, &p, msg, sizeof(msg));
	if (r < 0)
		return log_error(0, "cannot read the hook payload: %s", msg[0] ? msg : strerror(-r)),
		       EXIT_USAGE;
	if (p->kind != HOOK_IMAGE) {
		log_error(0, "the payload is a <%s> document, not an <IMAGE>: this hook is for "
			  "RESOURCE=IMAGE STATE=READY", hook_kind_name(p->kind));
		hook_payload_free(p);
		return EXIT_USAGE;
	}
	r = ready_parse(p, &img);
	hook_payload_free(p);
	if (r < 0)
		return log_error(0, "the <IMAGE> payload has no ID"), EXIT_USAGE;
	snprintf(label, sizeof(label), "image %s (%s)", img.id, img.name);
	if (atoi(img.disk_type) != DISK_TYPE_RBD || !img.disk_type[0]) {
		printf("%s: not on Ceph (DISK_TYPE %s, not RBD): skipped\n", label,
		       img.disk_type[0] ? img.disk_type : "none");
		return EXIT_OK;
	}
	code = ready_mirror(ctx, &img, label);
	return code;
}

const struct cmd_entry hook_image_ready_entry = {
	.name = "hook/image-ready",
	.usage = "[PAYLOAD]  (the <IMAGE> document in base64, on stdin or as argument)",
	.summary = "IMAGE STATE=READY hook: mirrors a new or released Ceph image",
	.help =
	"OpenNebula runs this as hooks/onedr/image-ready, a state hook on IMAGE\n"
	"STATE=READY (ARGUMENTS \"$TEMPLATE\", ARGUMENTS_STDIN \"yes\"). An image on\n"
	"Ceph (DISK_TYPE RBD) is mirrored in MIRROR_MODE (onedr.conf), once: when\n"
	"it is mirrored already, it says so. Other images are skipped with a line.\n",
	.exec = hook_image_ready_exec,
};

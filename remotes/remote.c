/* remote.c: what every onedr TM and datastore action shares; see remote.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <openssl/evp.h>

#include "ceph.h"
#include "log.h"
#include "mirror-enable.h"
#include "remote.h"

/* what oned hands a datastore action: a base64 document, a few KiB */
#define REMOTE_INPUT_MAX (64u * 1024u * 1024u)

int remote_begin(struct cmd_ctx *ctx, struct remote *rm)
{
	const char *slash = strchr(ctx->name, '/');
	int r;

	memset(rm, 0, sizeof(*rm));
	rm->ctx = ctx;
	log_set_driver_reason(true);
	snprintf(rm->kind, sizeof(rm->kind), "%.*s", (int)(slash - ctx->name), ctx->name);
	rm->action = slash + 1;
	if (cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	r = driver_read_input(0, REMOTE_INPUT_MAX, &rm->in, &rm->in_len);
	if (r < 0)
		return log_error(r, "cannot read the action's input"), EXIT_USAGE;
	return 0;
}

void remote_end(struct remote *rm)
{
	free(rm->in);
	ceph_close(rm->ceph);
	memset(rm, 0, sizeof(*rm));
}

int remote_run_stock(struct remote *rm, int argc, char **argv, bool capture,
		     struct driver_run *ret)
{
	char path[PATH_MAX];
	char **args;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/ceph/%s", conf_remotes(&rm->ctx->conf),
			     rm->kind, rm->action) >= sizeof(path))
		return log_error(-ENAMETOOLONG, "REMOTES"), EXIT_USAGE;
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args)
		return log_error(-ENOMEM, "cannot run '%s'", path), EXIT_UNAVAILABLE;
	args[0] = path;		/* the stock scripts find their libraries by $0 */
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	fflush(stdout);
	r = driver_spawn(path, args, rm->in, rm->in_len, capture, ret);
	free(args);
	if (r < 0)
		return log_error(r, "cannot run the stock action '%s' (REMOTES = \"%s\")", path,
				 conf_remotes(&rm->ctx->conf)), EXIT_UNAVAILABLE;
	if (ret->status != 0 && capture) {
		fwrite(ret->out, 1, ret->out_len, stdout);
		fflush(stdout);
	}
	return 0;
}

int remote_passthrough_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct driver_run run = { 0 };
	struct remote rm;
	int code;

	code = remote_begin(ctx, &rm);
	if (code == 0)
		code = remote_run_stock(&rm, argc, argv, false, &run);
	if (code == 0)
		code = run.status;
	driver_run_free(&run);
	remote_end(&rm);
	return code;
}

int remote_rbd_name(const struct remote *rm, const char *spec, char *pool, size_t plen,
		    char *image, size_t ilen)
{
	const char *colon = strchr(spec, ':'), *slash;

	if (colon)	/* "front-end:pool/image" */
		spec = colon + 1;
	slash = strchr(spec, '/');
	if (!*spec || strchr(spec, '@') || strchr(spec, ' ') ||
	    (slash && (slash == spec || !slash[1] || strchr(slash + 1, '/'))))
		return -EINVAL;
	if (slash) {
		if ((size_t)(slash - spec) >= plen || strlen(slash + 1) >= ilen)
			return -ENAMETOOLONG;
		snprintf(pool, plen, "%.*s", (int)(slash - spec), spec);
		snprintf(image, ilen, "%s", slash + 1);
	} else {
		if (strlen(rm->ctx->conf.pool) >= plen || strlen(spec) >= ilen)
			return -ENAMETOOLONG;
		snprintf(pool, plen, "%s", rm->ctx->conf.pool);
		snprintf(image, ilen, "%s", spec);
	}
	return 0;
}

static int remote_ceph(struct remote *rm)
{
	if (rm->ceph)
		return 0;
	return cmd_connect(rm->ctx, false, &rm->ceph, NULL, NULL) < 0 ? EXIT_UNAVAILABLE : 0;
}

int remote_mirror(struct remote *rm, const char *pool, const char *image)
{
	enum mirror_enable_mode mode = mirror_enable_conf_mode(&rm->ctx->conf);
	struct mirror_enable_result res;
	struct timespec deadline;
	int r;

	r = remote_ceph(rm);
	if (r)
		return r;
	deadline = deadline_after(rm->ctx->conf.image_timeout);
	r = mirror_enable(rm->ceph, pool, image, mode, &deadline, &res);
	if (r < 0)
		return log_error(r, "cannot mirror the RBD the stock action made: %s",
				 res.error[0] ? res.error : image), EXIT_PARTIAL;
	log_info("'%s/%s' %s in %s mode%s%s", pool, image,
		 res.already ? "was mirrored already" : "mirrored",
		 mirror_enable_mode_name(res.mode), res.clone ? ", clone of " : "", res.parent);
	return 0;
}

int remote_refuse_non_primary(struct remote *rm, const char *pool, const char *image,
			      const char *what)
{
	rbd_mirror_image_info_t info;
	struct ceph_image *img = NULL;
	struct timespec deadline;
	rados_ioctx_t io;
	const char *site = rm->ctx->conf.site ? rm->ctx->conf.site : "this site";
	int r;

	r = remote_ceph(rm);
	if (r)
		return r;
	deadline = deadline_after(rm->ctx->conf.image_timeout);
	r = ceph_pool(rm->ceph, pool, &io);
	if (r == 0)
		r = ceph_image_open(io, image, true, &deadline, &img);
	if (r == -ENOENT)
		return 0;	/* the stock action says what is missing */
	if (r == 0)
		r = ceph_mirror_get_info(img, &deadline, &info);
	ceph_image_close(img, &deadline);
	if (r < 0)
		return log_error(r, "cannot check that '%s/%s' is primary on %s", pool, image, site),
		       EXIT_UNAVAILABLE;
	rbd_mirror_image_get_info_cleanup(&info);
	if (info.state == RBD_MIRROR_IMAGE_ENABLED && !info.primary)
		return log_error(0, "image '%s/%s' is non-primary on site '%s': refusing to %s "
				 "this copy (it is the peer's replica; promote it here first, or "
				 "use it on the site where it is primary)", pool, image, site, what),
		       EXIT_PARTIAL;
	return 0;
}

int remote_image_id(int argc, char **argv, int *ret)
{
	char *end;
	long v;

	if (argc < 1 || !argv[0][0])
		return -EINVAL;
	v = strtol(argv[0], &end, 10);
	if (*end || v < 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int remote_disk_id(const char *dst, int *ret)
{
	const char *dot = strrchr(dst, '.');
	char *end;
	long v;

	if (!dot || !dot[1] || strchr(dot, '/'))
		return -EINVAL;
	v = strtol(dot + 1, &end, 10);
	if (*end || v < 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int remote_exec_steps(struct cmd_ctx *ctx, int argc, char **argv, const struct remote_steps *s)
{
	const struct cmd_entry *e = cmd_find(ctx->name);
	struct driver_run run = { 0 };
	struct remote rm;
	int code;

	if (argc < s->min_args) {
		log_error(0, "expected %d arguments as oned gives them, got %d", s->min_args, argc);
		if (e)
			cmd_usage(e, false);
		return EXIT_USAGE;
	}
	code = remote_begin(ctx, &rm);
	if (code == 0 && s->before)
		code = s->before(&rm, argc, argv);
	if (code == 0)
		code = remote_run_stock(&rm, argc, argv, false, &run);
	if (code == 0)
		code = run.status;
	if (code == 0 && s->after)
		code = s->after(&rm, argc, argv);
	driver_run_free(&run);
	remote_end(&rm);
	return code;
}

/* Strict base64 (blanks around and between lines tolerated) into a new
 * buffer; -EINVAL when it is not base64. */
static int decode_base64(const char *in, size_t in_len, char **ret, int *ret_len)
{
	char *clean = malloc(in_len + 1), *bin = malloc(in_len / 4 * 3 + 4);
	size_t n = 0, pad = 0;
	int len = -1;

	if (!clean || !bin) {
		free(clean);
		free(bin);
		return -ENOMEM;
	}
	for (size_t i = 0; i < in_len; i++)
		if (!strchr(" \t\r\n", in[i]))
			clean[n++] = in[i];
	clean[n] = '\0';
	if (n > 0 && n % 4 == 0)
		len = EVP_DecodeBlock((unsigned char *)bin, (unsigned char *)clean, (int)n);
	/* EVP_DecodeBlock counts the padding's zero bytes in */
	while (n > 0 && pad < 2 && clean[n - 1 - pad] == '=')
		pad++;
	free(clean);
	if (len < (int)pad) {
		free(bin);
		return -EINVAL;
	}
	*ret = bin;
	*ret_len = len - (int)pad;
	return 0;
}

int remote_ds_data(const struct remote *rm, const char *path, char **ret)
{
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr obj = NULL;
	char xpath[256], *bin, *value = NULL;
	xmlNodePtr root;
	xmlDocPtr doc;
	int len, r;

	r = decode_base64(rm->in, rm->in_len, &bin, &len);
	if (r < 0)
		return r;
	doc = xmlReadMemory(bin, len, "stdin", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(bin);
	if (!doc)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	if (root && !strcmp((const char *)root->name, "DS_DRIVER_ACTION_DATA")) {
		snprintf(xpath, sizeof(xpath), "/DS_DRIVER_ACTION_DATA/%s", path);
		ctx = xmlXPathNewContext(doc);
		obj = ctx ? xmlXPathEvalExpression((const xmlChar *)xpath, ctx) : NULL;
		if (obj && obj->nodesetval && obj->nodesetval->nodeNr > 0) {
			xmlChar *c = xmlNodeGetContent(obj->nodesetval->nodeTab[0]);

			value = strdup(c ? (const char *)c : "");
			xmlFree(c);
		} else
			value = strdup("");
		r = value ? 0 : -ENOMEM;
	} else
		r = -EINVAL;
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	if (r == 0)
		*ret = value;
	return r;
}

int remote_ds_source_exec(struct cmd_ctx *ctx, int argc, char **argv,
			  bool (*skip)(struct remote *rm, const char *source))
{
	struct driver_run run = { 0 };
	char source[256], pool[128], image[128];
	struct remote rm;
	int code;

	code = remote_begin(ctx, &rm);
	if (code == 0)
		code = remote_run_stock(&rm, argc, argv, true, &run);
	if (code == 0)
		code = run.status;
	if (code == 0) {
		fwrite(run.out, 1, run.out_len, stdout);	/* oned reads the SOURCE */
		fflush(stdout);
		if (sscanf(run.out, "%255s", source) != 1 ||
		    remote_rbd_name(&rm, source, pool, sizeof(pool), image, sizeof(image)) < 0)
			code = (log_error(0, "the stock action printed no SOURCE (pool/image): '%.100s'",
					  run.out), EXIT_PARTIAL);
		else if (!skip || !skip(&rm, source))
			code = remote_mirror(&rm, pool, image);
	}
	driver_run_free(&run);
	remote_end(&rm);
	return code;
}

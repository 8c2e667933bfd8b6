/*
 * cmd-status.c: onedr status [--pool P] [-j | -x] [IMAGE...]
 *
 * The pool's mirroring (mode, site, peers), then one row per mirrored
 * image: mode, role, local and peer replication state, lag, health. Images
 * of the pool that are not mirrored are listed as unprotected. When the
 * peer site is reachable its copies are read too, so that an image primary
 * on both sites is shown as split-brain: rbd-mirror alone reports both as
 * "up+stopped, local image is primary" and the pool health stays OK.
 * The exit code is the verdict: 0 healthy, 4 degraded, 5 critical.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "mirror-list.h"
#include "output.h"

enum health { HEALTH_OK, HEALTH_DEGRADED, HEALTH_CRITICAL };

struct report {
	const char *pool;
	struct mirror_pool_status ps;
	const char *peer_name;
	int peer_error;		/* 0: peer read; else why not */
	struct mirror_status *st;
	size_t n;
	char **plain;
	size_t nplain;
};

static enum health image_health(const struct mirror_status *st, char *why, size_t len)
{
	if (st->error) {
		snprintf(why, len, "error: %s", st->error == -ENOENT ? "no such image" : strerror(-st->error));
		return HEALTH_CRITICAL;
	}
	if (!st->enabled) {
		snprintf(why, len, "not mirrored");
		return HEALTH_DEGRADED;
	}
	if (st->split_brain) {
		snprintf(why, len, st->primary && st->peer_primary == 1 ?
			 "SPLIT-BRAIN: primary on both sites" : "SPLIT-BRAIN: %s", st->description);
		return HEALTH_CRITICAL;
	}
	if (strstr(st->state, "error")) {
		snprintf(why, len, "error: %s", st->description);
		return HEALTH_CRITICAL;
	}
	if (!st->healthy) {
		snprintf(why, len, "degraded: %s%s%s", st->state, st->description[0] ? ", " : "",
			 st->description);
		return HEALTH_DEGRADED;
	}
	if (st->manifest == MANIFEST_PENDING) {
		snprintf(why, len, "degraded: manifest not on the peer yet");
		return HEALTH_DEGRADED;
	}
	snprintf(why, len, "ok");
	return HEALTH_OK;
}

static const char *manifest_text(const struct mirror_status *st)
{
	static const char *const names[] = { "-", "present", "synced", "pending" };

	return names[st->manifest];
}

static void lag_text(const struct mirror_status *st, char *buf, size_t len)
{
	if (st->journal && st->lag_entries >= 0)
		snprintf(buf, len, "%lld entries", st->lag_entries);
	else if (!st->journal && st->lag_seconds >= 0)
		snprintf(buf, len, "%lld s", st->lag_seconds);
	else
		snprintf(buf, len, "-");
}

static const char *role(const struct mirror_status *st)
{
	if (!st->enabled || st->error)
		return "-";
	return st->primary ? "primary" : "non-primary";
}

static void peer_line(const struct report *rep, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < rep->ps.npeers && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s (%s)", i ? ", " : "",
				      rep->ps.peers[i].site, rep->ps.peers[i].direction);
	if (i == 0)
		snprintf(buf, len, "none");
}

static void print_table(const struct report *rep, enum health worst)
{
	static const char *const verdict[] = { "HEALTHY", "DEGRADED", "CRITICAL" };
	size_t i, count[3] = { 0 };
	char peers[512], why[512], lag[32];

	peer_line(rep, peers, sizeof(peers));
	printf("POOL   : %s\nSITE   : %s\nMODE   : %s\nPEERS  : %s\n", rep->pool,
	       rep->ps.site[0] ? rep->ps.site : "(no site name)", rep->ps.mode, peers);
	if (rep->peer_name)
		printf("PEER READ: %s%s\n", rep->peer_error ? "no, " : "yes",
		       rep->peer_error ? cmd_connect_hint(rep->peer_error) : "");
	printf("\n%-24s %-8s %-11s %-16s %-16s %-12s %-8s %s\n", "IMAGE", "MODE", "ROLE",
	       "LOCAL", "PEER", "LAG", "MANIFEST", "HEALTH");
	for (i = 0; i < rep->n; i++) {
		const struct mirror_status *st = &rep->st[i];

		count[image_health(st, why, sizeof(why))]++;
		lag_text(st, lag, sizeof(lag));
		printf("%-24s %-8s %-11s %-16s %-16s %-12s %-8s %s\n", st->image,
		       st->enabled ? (st->journal ? "journal" : "snapshot") : "-", role(st),
		       st->state[0] ? st->state : "-", st->npeers ? st->peers[0].state : "-", lag,
		       manifest_text(st), why);
	}
	if (rep->nplain) {
		printf("\nUNPROTECTED (mirroring not enabled):");
		for (i = 0; i < rep->nplain; i++)
			printf(" %s", rep->plain[i]);
		printf("\n");
	}
	printf("\n%s: %zu mirrored images: %zu ok, %zu degraded, %zu critical; %zu unprotected\n",
	       verdict[worst], rep->n, count[0], count[1], count[2], rep->nplain);
}

static void print_json(const struct report *rep, enum health worst)
{
	static const char *const verdict[] = { "healthy", "degraded", "critical" };
	char why[512];
	size_t i, j;

	printf("{\"pool\":");
	json_string(stdout, rep->pool);
	printf(",\"site\":");
	json_string(stdout, rep->ps.site);
	printf(",\"mode\":");
	json_string(stdout, rep->ps.mode);
	printf(",\"health\":\"%s\",\"peers\":[", verdict[worst]);
	for (i = 0; i < rep->ps.npeers; i++) {
		printf("%s{\"site\":", i ? "," : "");
		json_string(stdout, rep->ps.peers[i].site);
		printf(",\"direction\":\"%s\",\"mirror_uuid\":", rep->ps.peers[i].direction);
		json_string(stdout, rep->ps.peers[i].mirror_uuid);
		printf("}");
	}
	printf("],\"peer_read\":%s,\"images\":[", rep->peer_error ? "false" : "true");
	for (i = 0; i < rep->n; i++) {
		const struct mirror_status *st = &rep->st[i];
		enum health h = image_health(st, why, sizeof(why));

		printf("%s{\"image\":", i ? "," : "");
		json_string(stdout, st->image);
		printf(",\"enabled\":%s,\"mode\":\"%s\",\"primary\":%s,\"state\":",
		       st->enabled ? "true" : "false", st->journal ? "journal" : "snapshot",
		       st->primary ? "true" : "false");
		json_string(stdout, st->state);
		printf(",\"description\":");
		json_string(stdout, st->description);
		printf(",\"global_id\":");
		json_string(stdout, st->global_id);
		printf(",\"lag_entries\":%lld,\"lag_seconds\":%lld,\"peer_primary\":%s,"
		       "\"split_brain\":%s,\"health\":\"%s\",\"reason\":",
		       st->lag_entries, st->lag_seconds,
		       st->peer_primary < 0 ? "null" : st->peer_primary ? "true" : "false",
		       st->split_brain ? "true" : "false", verdict[h]);
		json_string(stdout, why);
		printf(",\"manifest\":\"%s\"", st->manifest == MANIFEST_NONE ? "none" : manifest_text(st));
		printf(",\"peers\":[");
		for (j = 0; j < st->npeers; j++) {
			printf("%s{\"site\":", j ? "," : "");
			json_string(stdout, st->peers[j].site);
			printf(",\"state\":");
			json_string(stdout, st->peers[j].state);
			printf(",\"description\":");
			json_string(stdout, st->peers[j].description);
			printf(",\"last_update\":%lld}", (long long)st->peers[j].last_update);
		}
		printf("]}");
	}
	printf("],\"unprotected\":[");
	for (i = 0; i < rep->nplain; i++) {
		printf("%s", i ? "," : "");
		json_string(stdout, rep->plain[i]);
	}
	printf("]}\n");
}

static int print_xml(const struct report *rep, enum health worst)
{
	static const char *const verdict[] = { "healthy", "degraded", "critical" };
	xmlTextWriterPtr w = xml_begin("MIRROR_STATUS");
	char why[512];
	size_t i, j;

	if (!w)
		return -EIO;
	xml_element(w, "POOL", rep->pool);
	xml_element(w, "SITE", rep->ps.site);
	xml_element(w, "MODE", rep->ps.mode);
	xml_element(w, "HEALTH", verdict[worst]);
	xml_element(w, "PEER_READ", rep->peer_error ? "NO" : "YES");
	for (i = 0; i < rep->ps.npeers; i++) {
		xmlTextWriterStartElement(w, BAD_CAST "PEER");
		xml_element(w, "SITE", rep->ps.peers[i].site);
		xml_element(w, "DIRECTION", rep->ps.peers[i].direction);
		xml_element(w, "MIRROR_UUID", rep->ps.peers[i].mirror_uuid);
		xmlTextWriterEndElement(w);
	}
	for (i = 0; i < rep->n; i++) {
		const struct mirror_status *st = &rep->st[i];
		enum health h = image_health(st, why, sizeof(why));

		xmlTextWriterStartElement(w, BAD_CAST "IMAGE");
		xml_element(w, "NAME", st->image);
		xml_element(w, "ENABLED", st->enabled ? "YES" : "NO");
		xml_element(w, "MODE", st->journal ? "journal" : "snapshot");
		xml_element(w, "PRIMARY", st->primary ? "YES" : "NO");
		xml_element(w, "STATE", st->state);
		xml_element(w, "DESCRIPTION", st->description);
		xml_element(w, "GLOBAL_ID", st->global_id);
		xml_element_ll(w, "LAG_ENTRIES", st->lag_entries);
		xml_element_ll(w, "LAG_SECONDS", st->lag_seconds);
		xml_element(w, "PEER_PRIMARY", st->peer_primary < 0 ? "UNKNOWN" : st->peer_primary ? "YES" : "NO");
		xml_element(w, "SPLIT_BRAIN", st->split_brain ? "YES" : "NO");
		xml_element(w, "HEALTH", verdict[h]);
		xml_element(w, "REASON", why);
		xml_element(w, "MANIFEST", st->manifest == MANIFEST_NONE ? "none" : manifest_text(st));
		for (j = 0; j < st->npeers; j++) {
			xmlTextWriterStartElement(w, BAD_CAST "PEER_STATE");
			xml_element(w, "SITE", st->peers[j].site);
			xml_element(w, "STATE", st->peers[j].state);
			xml_element(w, "DESCRIPTION", st->peers[j].description);
			xml_element_ll(w, "LAST_UPDATE", (long long)st->peers[j].last_update);
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	for (i = 0; i < rep->nplain; i++)
		xml_element(w, "UNPROTECTED", rep->plain[i]);
	return xml_end(w);
}

static int by_image(const void *a, const void *b)
{
	return strcmp(((const struct mirror_item *)a)->image, ((const struct mirror_item *)b)->image);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum output_format format = OUTPUT_TABLE;
	struct report rep = { 0 };
	struct mirror_ctx mctx = { 0 };
	struct mirror_item *items = NULL;
	struct ceph *local = NULL, *peer = NULL;
	enum health worst = HEALTH_OK;
	bool no_peer = false;
	char why[512];
	size_t n = 0, i;
	int r, code = EXIT_UNAVAILABLE;

	if (cmd_output_format(ctx, &format) < 0)
		return EXIT_USAGE;
	no_peer = args_has(&ctx->args, "no-peer");
	if (cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	if (cmd_connect(ctx, !no_peer, &local, &peer, &rep.peer_error) < 0)
		return EXIT_UNAVAILABLE;
	rep.pool = ctx->conf.pool;
	rep.peer_name = no_peer ? NULL : ctx->conf.peer_name;
	r = mirror_pool_status(local, rep.pool, ctx->conf.image_timeout, &rep.ps);
	if (r == -ENOENT) {
		log_error(0, "pool '%s' does not exist", rep.pool);
		goto out;
	}
	if (r < 0) {
		log_error(r, "cannot read the mirroring of pool '%s'", rep.pool);
		goto out;
	}
	if (argc == 0) {
		r = mirror_pool_images(local, rep.pool, ctx->conf.image_timeout, &items, &n,
				       &rep.plain, &rep.nplain);
	} else {
		items = calloc((size_t)argc, sizeof(*items));
		r = items ? 0 : -ENOMEM;
		for (i = 0; r == 0 && i < (size_t)argc; i++, n++)
			if ((r = mirror_item_parse(argv[i], rep.pool, &items[i])) == -EINVAL) {
				log_error(0, "invalid image '%s': expected POOL/IMAGE or IMAGE", argv[i]);
				code = EXIT_USAGE;
				goto out;
			}
	}
	if (r < 0) {
		log_error(r, "cannot list the images of pool '%s'", rep.pool);
		goto out;
	}
	if (argc == 0) {
		qsort(items, n, sizeof(*items), by_image);
		qsort(rep.plain, rep.nplain, sizeof(*rep.plain), by_string);
	}
	rep.st = calloc(n + 1, sizeof(*rep.st));
	if (!rep.st) {
		log_error(-ENOMEM, "status");
		goto out;
	}
	rep.n = n;
	mctx.local = local;
	mctx.peer = peer;
	mctx.peer_name = rep.peer_name;
	mctx.image_timeout = ctx->conf.image_timeout;
	mctx.concurrency = ctx->conf.concurrency;
	r = mirror_status(&mctx, items, n, rep.st);
	if (r < 0) {
		log_error(r, "status");
		goto out;
	}
	for (i = 0; i < n; i++) {
		enum health h = image_health(&rep.st[i], why, sizeof(why));
		if (h > worst)
			worst = h;
	}
	if (rep.nplain && worst == HEALTH_OK)
		worst = HEALTH_DEGRADED;
	if (format == OUTPUT_JSON)
		print_json(&rep, worst);
	else if (format == OUTPUT_XML)
		print_xml(&rep, worst);
	else
		print_table(&rep, worst);
	code = worst == HEALTH_OK ? EXIT_OK : worst == HEALTH_DEGRADED ? EXIT_DEGRADED : EXIT_CRITICAL;
out:
	mirror_status_free(rep.st, rep.n);
	mirror_items_free(items, n);
	for (i = 0; i < rep.nplain; i++)
		free(rep.plain[i]);
	free(rep.plain);
	ceph_close(peer);
	ceph_close(local);
	return code;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "[--pool POOL] [-j | -x] [IMAGE...]",
	.summary = "show mirroring health: pool, peers, images, lag, split-brain",
	.help =
	"Without IMAGE, every image of the pool: mirrored ones in a table, the others\n"
	"listed as unprotected. When the peer site (PEER in onedr.conf) is reachable,\n"
	"its copies are read too, and an image primary on both sites is SPLIT-BRAIN.\n"
	"Exit: 0 healthy, 4 degraded (not replaying, peer down, unprotected images),\n"
	"5 critical (split-brain, images in error).\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool (default: POOL of onedr.conf, else 'one')"),
		CMD_OPT_JSON,
		CMD_OPT_XML,
		{ "concurrency", 0, ARG_NUMBER, "N", 1024, "images read at once" },
		{ "no-peer", 0, ARG_FLAG, NULL, 0, "do not read the peer site" },
		CMD_OPT_END
	},
	.exec = cmd_status_exec,
};

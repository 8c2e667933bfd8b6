/*
 * cmd-manifest.c: onedr manifest [--pool P] [-j | -x] [--show VM] [IMAGE...]
 *
 * The manifests found in a pool's image-meta, one row per VM: the site and
 * VM ID they came from, name, owner, disks, how many images carry a copy,
 * and age. Works with nothing but the local Ceph cluster: on Site B with
 * Site A gone. Damaged copies (bad checksum, unreadable) are listed and make
 * the exit code 4.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "manifest-store.h"
#include "output.h"

static void age_str(long long t, char *buf, size_t len)
{
	long long d = (long long)time(NULL) - t;

	if (d < 0)
		snprintf(buf, len, "future");
	else if (d < 120)
		snprintf(buf, len, "%llds", d);
	else if (d < 7200)
		snprintf(buf, len, "%lldm", d / 60);
	else if (d < 172800)
		snprintf(buf, len, "%lldh", d / 3600);
	else
		snprintf(buf, len, "%lldd", d / 86400);
}

static size_t unprotected(const struct manifest *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_disks; i++)
		n += m->disks[i].kind == DISK_UNPROTECTED;
	return n;
}

static const char *auth_name(enum manifest_auth a)
{
	switch (a) {
	case MANIFEST_VERIFIED: return "verified";
	case MANIFEST_UNVERIFIED: return "unverified";
	case MANIFEST_UNSIGNED: return "unsigned";
	}
	return "?";
}

/* The STATE column: the signature, and whether the VM is retired. */
static const char *state_str(const struct manifest *m, char *buf, size_t len)
{
	const char *a = m->auth == MANIFEST_VERIFIED ? "signed"
		: m->auth == MANIFEST_UNVERIFIED ? "signed,not-verified(no-SIGNING_KEY)"
		: "UNSIGNED:re-export";

	snprintf(buf, len, "%s%s", m->retired ? "RETIRED," : "", a);
	return buf;
}

static void print_table(const struct store_scan *s, const char *pool)
{
	printf("%-12s %5s %-24s %-20s %5s %6s %6s %6s %s\n", "SITE", "VM", "NAME", "OWNER",
	       "DISKS", "COPIES", "UNPROT", "AGE", "STATE");
	for (size_t i = 0; i < s->nvms; i++) {
		const struct manifest *m = s->vms[i].m;
		char owner[128], age[32], st[64];

		snprintf(owner, sizeof(owner), "%s:%s", m->uname ? m->uname : "?",
			 m->gname ? m->gname : "?");
		age_str(m->time, age, sizeof(age));
		printf("%-12s %5d %-24s %-20s %5zu %6zu %6zu %6s %s%s\n", m->site, m->vm_id, m->name,
		       owner, m->n_disks, s->vms[i].copies, unprotected(m), age,
		       state_str(m, st, sizeof(st)), s->vms[i].differ ? "  (older copies differ)" : "");
	}
	for (size_t i = 0; i < s->ncopies; i++) {
		const struct store_copy *c = &s->copies[i];

		if (c->r == -ENODATA)
			printf("%s/%s: no manifest\n", pool, c->image);
		else if (c->r == -ENOENT)
			printf("%s/%s: no such image\n", pool, c->image);
		else if (c->r < 0)
			printf("%s/%s: DAMAGED manifest: %s\n", pool, c->image, c->err);
	}
}

static void print_json(const struct store_scan *s, const char *pool)
{
	printf("{\"pool\":");
	json_string(stdout, pool);
	printf(",\"vms\":[");
	for (size_t i = 0; i < s->nvms; i++) {
		const struct manifest *m = s->vms[i].m;

		printf("%s{\"site\":", i ? "," : "");
		json_string(stdout, m->site);
		printf(",\"vm_id\":%d,\"name\":", m->vm_id);
		json_string(stdout, m->name);
		printf(",\"uname\":");
		json_string(stdout, m->uname ? m->uname : "");
		printf(",\"gname\":");
		json_string(stdout, m->gname ? m->gname : "");
		printf(",\"time\":%lld,\"auth\":\"%s\",\"retired\":%lld,\"copies\":%zu,\"copies_differ\":%s,\"disks\":[",
		       m->time, auth_name(m->auth), m->retired, s->vms[i].copies,
		       s->vms[i].differ ? "true" : "false");
		for (size_t k = 0; k < m->n_disks; k++) {
			const struct manifest_disk *d = &m->disks[k];

			printf("%s{\"disk_id\":%d,\"kind\":\"%s\"", k ? "," : "", d->disk_id,
			       disk_kind_name(d->kind));
			if (d->kind == DISK_UNPROTECTED) {
				printf(",\"reason\":");
				json_string(stdout, d->reason);
			} else {
				printf(",\"image\":");
				json_string(stdout, d->rbd);
				printf(",\"pool\":");
				json_string(stdout, d->pool);
			}
			printf("}");
		}
		printf("]}");
	}
	printf("],\"damaged\":[");
	for (size_t i = 0, k = 0; i < s->ncopies; i++) {
		if (s->copies[i].r == 0 || s->copies[i].r == -ENODATA || s->copies[i].r == -ENOENT)
			continue;
		printf("%s{\"image\":", k++ ? "," : "");
		json_string(stdout, s->copies[i].image);
		printf(",\"error\":");
		json_string(stdout, s->copies[i].err);
		printf("}");
	}
	printf("]}\n");
}

static int print_xml(const struct store_scan *s, const char *pool)
{
	xmlTextWriterPtr w = xml_begin("MANIFESTS");

	if (!w)
		return -ENOMEM;
	xml_element(w, "POOL", pool);
	for (size_t i = 0; i < s->nvms; i++) {
		const struct manifest *m = s->vms[i].m;

		xmlTextWriterStartElement(w, BAD_CAST "VM");
		xml_element(w, "SITE", m->site);
		xml_element_ll(w, "VM_ID", m->vm_id);
		xml_element(w, "NAME", m->name);
		xml_element(w, "UNAME", m->uname ? m->uname : "");
		xml_element(w, "GNAME", m->gname ? m->gname : "");
		xml_element_ll(w, "TIME", m->time);
		xml_element(w, "AUTH", auth_name(m->auth));
		xml_element_ll(w, "RETIRED", m->retired);
		xml_element_ll(w, "COPIES", (long long)s->vms[i].copies);
		xml_element(w, "COPIES_DIFFER", s->vms[i].differ ? "YES" : "NO");
		for (size_t k = 0; k < m->n_disks; k++) {
			const struct manifest_disk *d = &m->disks[k];

			xmlTextWriterStartElement(w, BAD_CAST "DISK");
			xml_element_ll(w, "DISK_ID", d->disk_id);
			xml_element(w, "KIND", disk_kind_name(d->kind));
			if (d->kind == DISK_UNPROTECTED) {
				xml_element(w, "REASON", d->reason);
			} else {
				xml_element(w, "POOL", d->pool);
				xml_element(w, "IMAGE", d->rbd);
			}
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	for (size_t i = 0; i < s->ncopies; i++) {
		if (s->copies[i].r == 0 || s->copies[i].r == -ENODATA || s->copies[i].r == -ENOENT)
			continue;
		xmlTextWriterStartElement(w, BAD_CAST "DAMAGED");
		xml_element(w, "IMAGE", s->copies[i].image);
		xml_element(w, "ERROR", s->copies[i].err);
		xmlTextWriterEndElement(w);
	}
	return xml_end(w);
}

static int show(const struct store_scan *s, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	const struct store_vm *vm;
	char *site = colon ? strndup(arg, (size_t)(colon - arg)) : NULL, *end, *text = NULL;
	long id = strtol(colon ? colon + 1 : arg, &end, 10);
	int r;

	if (*end || end == (colon ? colon + 1 : arg) || id < 0 || id > 0x7fffffff) {
		free(site);
		return log_error(0, "'%s' is not a VM: give its ID, or SITE:ID", arg), EXIT_USAGE;
	}
	r = store_find(s, site, (int)id, NULL, &vm);
	free(site);
	if (r == -ENOENT)
		return log_error(0, "VM %s: no manifest of it in this pool", arg), EXIT_USAGE;
	if (r == -EEXIST)
		return log_error(0, "VM %s: manifests from several sites have this ID: write SITE:%ld",
				 arg, id), EXIT_USAGE;
	r = manifest_to_text(vm->m, &text);
	if (r < 0)
		return log_error(r, "VM %s", arg), EXIT_UNAVAILABLE;
	fputs(text, stdout);
	free(text);
	return EXIT_OK;
}

static int cmd_manifest(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum output_format fmt = OUTPUT_TABLE;
	struct store_scan s = { 0 };
	struct manifest_key *key = NULL;
	const char *show_vm = NULL;
	struct ceph *c = NULL;
	rados_ioctx_t io;
	int r;

	if (cmd_output_format(ctx, &fmt) < 0)
		return EXIT_USAGE;
	show_vm = args_get(&ctx->args, "show");
	if (show_vm && argc > 0) {
		log_error(0, "--show reads the whole pool: name no images with it");
		return EXIT_USAGE;
	}
	/* without SIGNING_KEY the manifests are listed, their signatures unchecked */
	if (cmd_load_site_conf(ctx) < 0 || cmd_signing_key(ctx, false, &key) < 0)
		return EXIT_USAGE;
	if (cmd_connect(ctx, false, &c, NULL, NULL) < 0) {
		manifest_key_free(key);
		return EXIT_UNAVAILABLE;
	}
	r = ceph_pool(c, ctx->conf.pool, &io);
	if (r < 0) {
		log_error(0, "pool '%s': %s", ctx->conf.pool, r == -ENOENT ? "no such pool" : strerror(-r));
		ceph_close(c);
		manifest_key_free(key);
		return EXIT_UNAVAILABLE;
	}
	r = store_scan(io, argc ? (const char *const *)argv : NULL, (size_t)argc, key,
		       ctx->conf.concurrency, ctx->conf.image_timeout, &s);
	manifest_key_free(key);
	if (r < 0) {
		log_error(r, "cannot read the manifests of pool '%s'", ctx->conf.pool);
		ceph_close(c);
		return EXIT_UNAVAILABLE;
	}
	if (show_vm) {
		r = show(&s, show_vm);
	} else {
		if (fmt == OUTPUT_JSON)
			print_json(&s, ctx->conf.pool);
		else if (fmt == OUTPUT_XML)
			print_xml(&s, ctx->conf.pool);
		else
			print_table(&s, ctx->conf.pool);
		r = EXIT_OK;
		for (size_t i = 0; i < s.nvms; i++)
			if (s.vms[i].differ || s.vms[i].m->auth == MANIFEST_UNSIGNED)
				r = EXIT_DEGRADED;
		if (s.nbad)
			r = EXIT_DEGRADED;
		for (size_t i = 0; i < s.ncopies; i++)
			if (s.copies[i].r == -ENOENT)
				r = EXIT_PARTIAL;
	}
	store_scan_free(&s);
	ceph_close(c);
	return r;
}

const struct cmd_entry cmd_manifest_entry = {
	.name = "manifest",
	.usage = "[--pool P] [-j | -x] [--show VM] [IMAGE...]",
	.summary = "list the VM manifests found in a pool's image-meta",
	.help =
	"Reads only the local Ceph cluster, so it works on Site B with Site A gone.\n"
	"One row per VM: the site and VM ID the manifest came from, name, owner,\n"
	"disks, how many images carry a copy, unprotected disks, age and STATE:\n"
	"signed (checked with SIGNING_KEY), signed,not-verified (no SIGNING_KEY\n"
	"configured here), UNSIGNED:re-export (written by an older onedr: register\n"
	"and recreate refuse it until it is exported again), and RETIRED (the VM no\n"
	"longer exists on its site). Damaged copies (signature or checksum mismatch,\n"
	"unreadable, copied from another image) are listed; they, unsigned\n"
	"manifests and copies that disagree make the exit code 4. A named IMAGE\n"
	"that does not exist makes it 1.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool (default: CEPH/POOL of onedr.conf, else 'one')"),
		CMD_OPT_JSON,
		CMD_OPT_XML,
		{ "show", 0, ARG_STRING, "VM", 0,
		  "print one VM's manifest as template text (VM: ID or SITE:ID)" },
		CMD_OPT_END
	},
	.exec = cmd_manifest,
};

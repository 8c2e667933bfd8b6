/*
 * cmd-report.c: onedr report [RUN] [-j | -x]
 *
 * A run of the journal (journal.h), finished or not: its header, one row
 * per step, and the loss ledger its promote steps kept (read before each
 * promote). Without RUN: the newest run of the pool.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "journal.h"
#include "ledger.h"
#include "log.h"

/* What a report keeps of a step (a decoded step is 5 KB). */
struct row {
	struct journal_key key;
	enum journal_step_state state;
	unsigned attempt;
	time_t started, ended;
	int error;
	char detail[256];
	char result[160];	/* "name=value ..." */
};

struct collect {
	struct row *rows;
	size_t n, cap;
	struct ledger_vm *vms;
	size_t nvms;
	int error;
};

static struct ledger_vm *vm_of(struct collect *c, const struct journal_step *s)
{
	struct ledger_vm *nv;
	const char *slash = strrchr(s->key.vm, '/');
	const char *mt = journal_step_result(s, "manifest_time");
	const char *name = journal_step_result(s, "vm_name");

	for (size_t i = 0; i < c->nvms; i++) {
		const char *k = c->vms[i].name + strcspn(c->vms[i].name, "\t");

		if (*k && !strcmp(k + 1, s->key.vm))
			return &c->vms[i];
	}
	nv = realloc(c->vms, (c->nvms + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	c->vms = nv;
	nv = &c->vms[c->nvms++];
	memset(nv, 0, sizeof(*nv));
	nv->vm_id = slash ? atoi(slash + 1) : -1;
	nv->manifest_time = mt ? atoll(mt) : 0;
	/* the name shown, then a tab and the key to find it again (cut below) */
	snprintf(nv->name, sizeof(nv->name), "%s\t%s", name ? name : "", s->key.vm);
	return nv;
}

static int collect_step(const struct journal_step *s, void *arg)
{
	struct collect *c = arg;
	struct row *r;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct row *nv = realloc(c->rows, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->rows = nv;
		c->cap = cap;
	}
	r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	r->key = s->key;
	r->state = s->state;
	r->attempt = s->attempt;
	r->started = s->started;
	r->ended = s->ended;
	r->error = s->error;
	snprintf(r->detail, sizeof(r->detail), "%.255s", s->detail);
	for (size_t i = 0, off = 0; i < s->nresults && off < sizeof(r->result); i++)
		if (strcmp(s->results[i].name, "vm_name") && strcmp(s->results[i].name, "manifest_time"))
			off += (size_t)snprintf(r->result + off, sizeof(r->result) - off, "%s%s=%s",
						off ? " " : "", s->results[i].name, s->results[i].value);
	if (!strcmp(s->key.step, "promote") && s->data[0]) {
		struct ledger_vm *v = vm_of(c, s);
		struct ledger_disk *nd;

		if (!v)
			return -ENOMEM;
		nd = realloc(v->disks, (v->n_disks + 1) * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		v->disks = nd;
		if (ledger_disk_decode(s->data, strlen(s->data), &nd[v->n_disks]) == 0)
			v->n_disks++;
	}
	return 0;
}

static const char *fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static void print_table(const struct journal_run *run, const struct collect *c, time_t now)
{
	char a[32], b[32];

	printf("run %s: %s, %s, site %s, pool %s, options '%s', by %s\n", run->id,
	       journal_kind_name(run->kind), journal_run_state_name(run->state), run->site,
	       run->pool, run->options, run->owner);
	printf("created %s, ended %s, exit code %d\n", fmt_time(run->created, a, sizeof(a)),
	       fmt_time(run->ended, b, sizeof(b)), run->result);
	printf("%-12s %-16s %-9s %-28s %-8s %-3s %-20s %-20s %s\n", "GROUP", "VM", "STEP", "OBJECT",
	       "STATE", "TRY", "STARTED", "ENDED", "DETAIL");
	for (size_t i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];

		printf("%-12s %-16s %-9s %-28s %-8s %-3u %-20s %-20s %s%s%s\n", r->key.group, r->key.vm,
		       r->key.step, r->key.object, journal_step_state_name(r->state), r->attempt,
		       fmt_time(r->started, a, sizeof(a)), fmt_time(r->ended, b, sizeof(b)), r->detail,
		       r->result[0] ? " " : "", r->result);
	}
	printf("loss ledger (read before each promote):\n");
	ledger_print_table(stdout, c->vms, c->nvms, now);
}

static void print_json(const struct journal_run *run, const struct collect *c, time_t now)
{
	printf("{\"run\":");
	json_string(stdout, run->id);
	printf(",\"kind\":");
	json_string(stdout, journal_kind_name(run->kind));
	printf(",\"state\":");
	json_string(stdout, journal_run_state_name(run->state));
	printf(",\"site\":");
	json_string(stdout, run->site);
	printf(",\"pool\":");
	json_string(stdout, run->pool);
	printf(",\"options\":");
	json_string(stdout, run->options);
	printf(",\"owner\":");
	json_string(stdout, run->owner);
	printf(",\"created\":%lld,\"ended\":%lld,\"result\":%d,\"steps\":[",
	       (long long)run->created, (long long)run->ended, run->result);
	for (size_t i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];

		printf("%s{\"group\":", i ? "," : "");
		json_string(stdout, r->key.group);
		printf(",\"vm\":");
		json_string(stdout, r->key.vm);
		printf(",\"object\":");
		json_string(stdout, r->key.object);
		printf(",\"step\":");
		json_string(stdout, r->key.step);
		printf(",\"state\":");
		json_string(stdout, journal_step_state_name(r->state));
		printf(",\"attempt\":%u,\"started\":%lld,\"ended\":%lld,\"error\":%d,\"detail\":",
		       r->attempt, (long long)r->started, (long long)r->ended, r->error);
		json_string(stdout, r->detail);
		printf(",\"results\":");
		json_string(stdout, r->result);
		printf("}");
	}
	printf("],\"ledger\":");
	ledger_print_json(stdout, c->vms, c->nvms, now);
	printf("}\n");
}

static int write_xml(const struct journal_run *run, const struct collect *c, time_t now)
{
	xmlTextWriterPtr w = xml_begin("RUN");
	int r = 0;

	if (!w)
		return -ENOMEM;
	r |= xml_element(w, "ID", run->id);
	r |= xml_element(w, "KIND", journal_kind_name(run->kind));
	r |= xml_element(w, "STATE", journal_run_state_name(run->state));
	r |= xml_element(w, "SITE", run->site);
	r |= xml_element(w, "POOL", run->pool);
	r |= xml_element(w, "OPTIONS", run->options);
	r |= xml_element(w, "OWNER", run->owner);
	r |= xml_element_ll(w, "CREATED", run->created);
	r |= xml_element_ll(w, "ENDED", run->ended);
	r |= xml_element_ll(w, "RESULT", run->result);
	r |= xmlTextWriterStartElement(w, BAD_CAST "STEPS") < 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct row *s = &c->rows[i];

		r |= xmlTextWriterStartElement(w, BAD_CAST "STEP") < 0;
		r |= xml_element(w, "GROUP", s->key.group);
		r |= xml_element(w, "VM", s->key.vm);
		r |= xml_element(w, "OBJECT", s->key.object);
		r |= xml_element(w, "NAME", s->key.step);
		r |= xml_element(w, "STATE", journal_step_state_name(s->state));
		r |= xml_element_ll(w, "ATTEMPT", s->attempt);
		r |= xml_element_ll(w, "STARTED", s->started);
		r |= xml_element_ll(w, "ENDED", s->ended);
		r |= xml_element_ll(w, "ERROR", s->error);
		r |= xml_element(w, "DETAIL", s->detail);
		r |= xml_element(w, "RESULTS", s->result);
		r |= xmlTextWriterEndElement(w) < 0;
	}
	r |= xmlTextWriterEndElement(w) < 0;
	r |= ledger_write_xml(w, c->vms, c->nvms, now) < 0;
	r |= xml_end(w) < 0;
	return r ? -EIO : 0;
}

static int cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct collect c = { 0 };
	struct journal_run run, *runs = NULL;
	enum output_format format;
	struct ceph *ceph = NULL;
	const char *id = argc ? argv[0] : NULL;
	size_t n = 0;
	int r, code = EXIT_UNAVAILABLE;

	if (argc > 1) {
		log_error(0, "one run at most");
		cmd_usage(&cmd_report_entry, false);
		return EXIT_USAGE;
	}
	if (cmd_output_format(ctx, &format) < 0 || cmd_load_conf(ctx) < 0)
		return EXIT_USAGE;
	if (cmd_connect(ctx, false, &ceph, NULL, NULL) < 0)
		return EXIT_UNAVAILABLE;
	if (!id) {
		r = journal_list(ceph, ctx->conf.pool, ctx->conf.image_timeout, &runs, &n, NULL);
		if (r < 0) {
			log_error(r, "cannot read the runs of pool '%s'", ctx->conf.pool);
			goto out;
		}
		if (n == 0) {
			log_error(0, "no run in pool '%s'", ctx->conf.pool);
			code = EXIT_USAGE;
			goto out;
		}
		id = runs[n - 1].id;
	}
	r = journal_read_each(ceph, ctx->conf.pool, id, ctx->conf.image_timeout, &run, collect_step,
			      &c, NULL);
	if (r < 0) {
		log_error(r, "cannot read run '%s' in pool '%s'", id, ctx->conf.pool);
		code = r == -ENOENT ? EXIT_USAGE : EXIT_UNAVAILABLE;
		goto out;
	}
	/* the names shown: cut the keys off */
	for (size_t i = 0; i < c.nvms; i++)
		c.vms[i].name[strcspn(c.vms[i].name, "\t")] = '\0';
	if (format == OUTPUT_JSON)
		print_json(&run, &c, time(NULL));
	else if (format == OUTPUT_XML)
		r = write_xml(&run, &c, time(NULL));
	else
		print_table(&run, &c, time(NULL));
	code = r < 0 ? EXIT_UNAVAILABLE : EXIT_OK;
out:
	free(runs);
	free(c.rows);
	for (size_t i = 0; i < c.nvms; i++)
		free(c.vms[i].disks);
	free(c.vms);
	ceph_close(ceph);
	return code;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "[--pool P] [-j | -x] [RUN]",
	.summary = "show a run of the journal (failover...), finished or not, with its loss ledger",
	.help =
	"Shows a run recorded in the pool's journal (RADOS objects onedr.runs and\n"
	"onedr.run.ID): its header, every step (group, VM, object, state, attempt,\n"
	"times, what it did), and the loss ledger each promote step kept, read\n"
	"before the promote. Without RUN: the newest run.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the journal"),
		CMD_OPT_JSON,
		CMD_OPT_XML,
		CMD_OPT_END
	},
	.exec = cmd_report,
};

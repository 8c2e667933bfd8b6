/*
 * cmd-report.c: onedr report [RUN] [-j | -x]
 *
 * A run of the journal (journal.h), finished or not: its header, one row
 * per VM (group, the VM there -> its ID here, state, RPO, disks), one row
 * per step, and the loss ledger its promote steps kept (read before each
 * promote). Without RUN: the newest run of the pool. cmd_report_run is
 * also the final report of `onedr failover` (the table without the steps,
 * or the same JSON and XML).
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

/* One VM of the run, from its steps. */
struct vm_row {
	char vm[64];		/* the journal key's VM: "SITE/ID" there */
	char group[64];
	const char *name;	/* its ledger's name, "" */
	int new_id;		/* recreate's vm_id here, -1 */
	char state[96];
	size_t disks;		/* promote steps */
	char rpo[64];
	long long rpo_seconds;	/* -1 unknown */
};

struct collect {
	struct row *rows;
	size_t n, cap;
	struct ledger_vm *vms;
	size_t nvms;
	struct vm_row *vmrows;
	size_t nvmrows;
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

static const char *const kinds[] = { "promote", "register", "recreate", "running" };
static const char *const kinds_done[] = { "promoted", "registered", "recreated", "RUNNING" };

static int index_in(const char *const *names, const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static int kind_index(const char *step)
{
	return index_in(kinds, step);
}

/* The VM rows, from the step rows (in key order: a VM's steps together
 * within a group) and the ledger (names still "NAME\tKEY"). */
static int vm_rows(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];
		struct vm_row *v = NULL;
		const char *id;
		int k = kind_index(r->key.step);

		for (size_t j = 0; j < c->nvmrows && !v; j++)
			if (!strcmp(c->vmrows[j].vm, r->key.vm))
				v = &c->vmrows[j];
		if (!v) {
			struct vm_row *nv = realloc(c->vmrows, (c->nvmrows + 1) * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			c->vmrows = nv;
			v = &nv[c->nvmrows++];
			memset(v, 0, sizeof(*v));
			snprintf(v->vm, sizeof(v->vm), "%s", r->key.vm);
			snprintf(v->group, sizeof(v->group), "%s", r->key.group);
			v->name = "";
			v->new_id = -1;
			v->rpo_seconds = -1;
			snprintf(v->rpo, sizeof(v->rpo), "unknown");
			v->state[0] = '\0';
		}
		if (k == 0)
			v->disks++;
		if (k == 2 && (id = strstr(r->result, "vm_id=")))
			v->new_id = atoi(id + 6);
		/* the first step not done says it all; else the last kind done */
		if (!strncmp(v->state, "failed", 6) || !strncmp(v->state, "interrupted", 11))
			continue;
		if (r->state == JOURNAL_STEP_FAILED)
			snprintf(v->state, sizeof(v->state), "failed: %s", r->key.step);
		else if (r->state == JOURNAL_STEP_STARTED)
			snprintf(v->state, sizeof(v->state), "interrupted: %s", r->key.step);
		else if (k >= 0 && (!v->state[0] || index_in(kinds_done, v->state) < k))
			snprintf(v->state, sizeof(v->state), "%s", kinds_done[k]);
	}
	for (size_t j = 0; j < c->nvmrows; j++) {
		struct vm_row *v = &c->vmrows[j];

		for (size_t i = 0; i < c->nvms; i++) {
			const char *t = strchr(c->vms[i].name, '\t');
			long long secs = -1;
			enum ledger_rpo rpo;

			if (!t || strcmp(t + 1, v->vm))
				continue;
			v->name = c->vms[i].name;	/* cut at the tab later */
			rpo = ledger_vm_rpo(&c->vms[i], &secs);
			ledger_rpo_format(rpo, secs, v->rpo, sizeof(v->rpo));
			v->rpo_seconds = rpo == RPO_UNKNOWN ? -1 : secs;
		}
		if (!v->state[0])
			snprintf(v->state, sizeof(v->state), "not run");
	}
	return 0;
}

static void print_vms(const struct collect *c)
{
	printf("%-12s %-32s %-8s %-22s %-16s %s\n", "GROUP", "VM THERE", "-> HERE", "STATE", "RPO",
	       "DISKS");
	for (size_t i = 0; i < c->nvmrows; i++) {
		const struct vm_row *v = &c->vmrows[i];
		char there[200], here[16];

		snprintf(there, sizeof(there), "%s%s%s%s", v->vm, v->name[0] ? " (" : "", v->name,
			 v->name[0] ? ")" : "");
		if (v->new_id >= 0)
			snprintf(here, sizeof(here), "-> %d", v->new_id);
		else
			snprintf(here, sizeof(here), "-> -");
		printf("%-12s %-32s %-8s %-22s %-16s %zu\n", v->group, there, here, v->state, v->rpo,
		       v->disks);
	}
}

static void print_table(const struct journal_run *run, const struct collect *c, time_t now,
			bool steps)
{
	char a[32], b[32];

	printf("run %s: %s, %s, site %s, pool %s, options '%s', by %s\n", run->id,
	       journal_kind_name(run->kind), journal_run_state_name(run->state), run->site,
	       run->pool, run->options, run->owner);
	printf("created %s, ended %s, exit code %d\n", fmt_time(run->created, a, sizeof(a)),
	       fmt_time(run->ended, b, sizeof(b)), run->result);
	print_vms(c);
	if (!steps)
		return;
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
	printf(",\"created\":%lld,\"ended\":%lld,\"result\":%d,\"vms\":[",
	       (long long)run->created, (long long)run->ended, run->result);
	for (size_t i = 0; i < c->nvmrows; i++) {
		const struct vm_row *v = &c->vmrows[i];

		printf("%s{\"group\":", i ? "," : "");
		json_string(stdout, v->group);
		printf(",\"vm\":");
		json_string(stdout, v->vm);
		printf(",\"name\":");
		json_string(stdout, v->name);
		printf(",\"new_vm_id\":%d,\"state\":", v->new_id);
		json_string(stdout, v->state);
		printf(",\"rpo\":");
		json_string(stdout, v->rpo);
		printf(",\"rpo_seconds\":%lld,\"disks\":%zu}", v->rpo_seconds, v->disks);
	}
	printf("],\"steps\":[");
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
	r |= xmlTextWriterStartElement(w, BAD_CAST "VMS") < 0;
	for (size_t i = 0; i < c->nvmrows; i++) {
		const struct vm_row *v = &c->vmrows[i];

		r |= xmlTextWriterStartElement(w, BAD_CAST "VM") < 0;
		r |= xml_element(w, "GROUP", v->group);
		r |= xml_element(w, "SOURCE_VM", v->vm);
		r |= xml_element(w, "NAME", v->name);
		r |= xml_element_ll(w, "NEW_VM_ID", v->new_id);
		r |= xml_element(w, "STATE", v->state);
		r |= xml_element(w, "RPO", v->rpo);
		r |= xml_element_ll(w, "RPO_SECONDS", v->rpo_seconds);
		r |= xml_element_ll(w, "DISKS", (long long)v->disks);
		r |= xmlTextWriterEndElement(w) < 0;
	}
	r |= xmlTextWriterEndElement(w) < 0;
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

int cmd_report_run(struct cmd_ctx *ctx, struct ceph *ceph, const char *id,
		   enum output_format format, bool steps)
{
	struct collect c = { 0 };
	struct journal_run run;
	int r, code = EXIT_UNAVAILABLE;

	r = journal_read_each(ceph, ctx->conf.pool, id, ctx->conf.image_timeout, &run, collect_step,
			      &c, NULL);
	if (r < 0) {
		log_error(r, "cannot read run '%s' in pool '%s'", id, ctx->conf.pool);
		code = r == -ENOENT ? EXIT_USAGE : EXIT_UNAVAILABLE;
		goto out;
	}
	r = vm_rows(&c);
	if (r < 0) {
		log_error(r, "report");
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
		print_table(&run, &c, time(NULL), steps);
	fflush(stdout);
	code = r < 0 ? EXIT_UNAVAILABLE : EXIT_OK;
out:
	free(c.rows);
	for (size_t i = 0; i < c.nvms; i++)
		free(c.vms[i].disks);
	free(c.vms);
	free(c.vmrows);
	return code;
}

static int cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct journal_run *runs = NULL;
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
	code = cmd_report_run(ctx, ceph, id, format, true);
out:
	free(runs);
	ceph_close(ceph);
	return code;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "[--pool P] [-j | -x] [RUN]",
	.summary = "show a run of the journal (failover...), finished or not, with its loss ledger",
	.help =
	"Shows a run recorded in the pool's journal (RADOS objects onedr.runs and\n"
	"onedr.run.ID): its header, every VM (group, the VM on the other site ->\n"
	"its ID here, state, RPO, disks), every step (group, VM, object, state,\n"
	"attempt, times, what it did), and the loss ledger each promote step kept,\n"
	"read before the promote. Without RUN: the newest run. Exit code 0 when\n"
	"the run was shown (whatever its state), 2 no such run, 3 the journal\n"
	"cannot be read.\n",
	.options = (const struct arg_spec[]) {
		CMD_OPT_POOL("the pool holding the journal"),
		CMD_OPT_JSON,
		CMD_OPT_XML,
		CMD_OPT_END
	},
	.exec = cmd_report,
};

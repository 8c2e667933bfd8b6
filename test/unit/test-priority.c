/* test-priority.c: failover groups (onedr.conf PRIORITY, labels,
 * USER_TEMPLATE ONEDR_PRIORITY and ONEDR_AFTER) and the progress line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "priority.h"
#include "progress.h"
#include "tap.h"

static char path[64];

static int load(const char *text, struct onedr_conf *conf, struct conf_error *err)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	conf_init(conf);
	err->msg[0] = '\0';
	return conf_load(conf, path, true, err);
}

static void conf_cases(void)
{
	struct onedr_conf conf;
	struct conf_error err;
	char want[256];

	ok(load("PRIORITY = [ VM = \"db-1\", PRIORITY = \"1\" ]\n"
		"PRIORITY = [ LABEL = \"prod/web\", PRIORITY = \"4\" ]\n", &conf, &err) == 0,
	   "PRIORITY entries load");
	ok(conf.priorities && conf.priorities->vm && !strcmp(conf.priorities->vm, "db-1") &&
	   conf.priorities->priority == 1 && conf.priorities->line == 1, "a VM entry: name, priority, line");
	ok(conf.priorities && conf.priorities->next && !strcmp(conf.priorities->next->label, "prod/web") &&
	   conf.priorities->next->priority == 4 && !conf.priorities->next->vm, "a LABEL entry");
	conf_free(&conf);

	ok(load("PRIORITY = [ VM = \"a\", LABEL = \"b\", PRIORITY = \"1\" ]\n", &conf, &err) < 0,
	   "VM and LABEL together are refused");
	snprintf(want, sizeof(want), "%s:1: PRIORITY needs a VM or a LABEL, not both", path);
	is_str(err.msg, want, "... with one line naming the file and line");
	conf_free(&conf);
	ok(load("PRIORITY = [ PRIORITY = \"1\" ]\n", &conf, &err) < 0, "neither VM nor LABEL is refused");
	conf_free(&conf);
	ok(load("\nPRIORITY = [ VM = \"a\", PRIORITY = \"6\" ]\n", &conf, &err) < 0, "priority 6 is refused");
	snprintf(want, sizeof(want), "%s:2: PRIORITY/PRIORITY: expected a number from 1 to 5, got '6'", path);
	is_str(err.msg, want, "... saying what is expected");
	conf_free(&conf);
	ok(load("PRIORITY = [ VM = \"a\" ]\n", &conf, &err) < 0, "a missing PRIORITY is refused");
	conf_free(&conf);
	ok(load("PRIORITY = [ VM = \"a\", PRIORITY = \"x\" ]\n", &conf, &err) < 0, "a word is refused");
	conf_free(&conf);
	ok(load("PRIORITY = [ VM = \"a\", PRIORITY = \"2\", GROUP = \"x\" ]\n", &conf, &err) < 0,
	   "an unknown attribute in PRIORITY is refused");
	conf_free(&conf);
	ok(load("PRIORITY = \"1\"\n", &conf, &err) < 0, "PRIORITY as a single value is refused");
	conf_free(&conf);
	ok(load("PRIORITY = [ LABEL = \"db\", PRIORITY = \"2\" ]\nPRIORITY = [ LABEL = \"db\", PRIORITY = \"3\" ]\n",
		&conf, &err) < 0, "a label given twice is refused");
	snprintf(want, sizeof(want), "%s:2: PRIORITY: LABEL 'db' already has a priority on line 1", path);
	is_str(err.msg, want, "... naming the first line");
	conf_free(&conf);
}

static void label_cases(void)
{
	ok(prio_has_label("ceph,capture", "capture"), "a label of a list");
	ok(prio_has_label(" prod/db , web", "prod"), "a parent label covers its sub-label");
	ok(prio_has_label("prod/db", "prod/db"), "a sub-label by its full name");
	ok(!prio_has_label("production", "prod"), "a prefix that is not a parent does not match");
	ok(!prio_has_label("prod", "prod/db"), "a sub-label does not cover its parent");
	ok(!prio_has_label(NULL, "x") && !prio_has_label("", "x") && !prio_has_label("a", ""),
	   "no labels, or an empty label: no match");
}

#define VM(n, i, p, l, a) { .name = n, .id = i, .priority = p, .labels = l, .after = a }

static void order_cases(void)
{
	struct onedr_conf conf;
	struct conf_error err;

	load("PRIORITY = [ VM = \"web\", PRIORITY = \"4\" ]\n"
	     "PRIORITY = [ LABEL = \"prod\", PRIORITY = \"2\" ]\n"
	     "PRIORITY = [ LABEL = \"prod/db\", PRIORITY = \"1\" ]\n"
	     "PRIORITY = [ VM = \"7\", PRIORITY = \"5\" ]\n", &conf, &err);
	{
		struct prio_vm v[] = {
			VM("web", 0, "1", "prod/db", NULL),	/* VM entry beats label and template */
			VM("db", 1, "4", "prod/db,x", NULL),	/* the most urgent label */
			VM("app", 2, "4", "prod", NULL),
			VM("plain", 3, "5", NULL, NULL),		/* USER_TEMPLATE */
			VM("none", 4, NULL, "other", NULL),	/* default */
			VM("x", 7, "1", NULL, NULL),		/* VM entry by ID */
		};

		ok(prio_resolve(&conf, v, 6) == 0, "no errors");
		ok(v[0].base == 4 && v[0].group == 4, "a VM entry overrides labels and ONEDR_PRIORITY");
		is_str(v[0].source, "onedr.conf line 1, VM 'web'", "... and says so");
		ok(v[1].base == 1, "of two matching labels, the most urgent");
		is_str(v[1].source, "onedr.conf line 3, LABEL 'prod/db'", "... and says which");
		ok(v[2].base == 2, "a label entry overrides ONEDR_PRIORITY");
		ok(v[3].base == 5, "USER_TEMPLATE ONEDR_PRIORITY without an entry");
		is_str(v[3].source, "USER_TEMPLATE ONEDR_PRIORITY", "... and says so");
		ok(v[4].base == PRIORITY_DEFAULT, "the default without anything");
		is_str(v[4].source, "default", "... and says so");
		ok(v[5].base == 5, "a VM entry matches the VM's ID");
	}
	{
		/* app after db after store; web after app and db; lone alone */
		struct prio_vm v[] = {
			VM("web", 10, "1", NULL, "app, db"),
			VM("app", 11, "1", NULL, "db"),
			VM("db", 12, "2", NULL, "13"),
			VM("store", 13, "1", NULL, NULL),
			VM("lone", 14, "1", NULL, NULL),
			VM("late", 15, "5", NULL, "store"),
		};

		ok(prio_resolve(NULL, v, 6) == 0, "dependencies: no errors");
		ok(v[3].group == 1 && v[4].group == 1, "VMs without dependencies keep their priority");
		ok(v[2].group == 2, "a dependency already in an earlier group moves nothing");
		ok(v[1].group == 3, "a VM goes in the group after what it depends on");
		is_str(v[1].after_why, "after 'db' (group 2)", "... and says after what");
		ok(v[0].group == 4, "chains add up");
		ok(v[5].group == 5 && !v[5].after_why[0], "a VM already later stays where it is");
		ok(!v[2].after_why[0] && !strcmp(v[2].source, "USER_TEMPLATE ONEDR_PRIORITY"),
		   "a dependency by ID");
	}
	{
		struct prio_vm v[] = {
			VM("a", 0, NULL, NULL, "b"),
			VM("b", 1, NULL, NULL, "c"),
			VM("c", 2, NULL, NULL, "a"),
			VM("d", 3, NULL, NULL, "a"),
			VM("e", 4, NULL, NULL, "e"),
			VM("f", 5, NULL, NULL, "nope"),
			VM("g", 6, "0", NULL, NULL),
		};

		ok(prio_resolve(NULL, v, 7) == 4, "a cycle, a self-dependency, an unknown name, a bad priority: 4 errors");
		is_str(v[0].error, "dependency cycle (ONEDR_AFTER): 'a' -> 'b' -> 'c' -> 'a'",
		       "the cycle in one line, on its first VM");
		ok(!v[1].error[0] && !v[2].error[0] && !v[3].error[0], "... and only there");
		is_str(v[4].error, "dependency cycle (ONEDR_AFTER): 'e' -> 'e'", "a VM after itself");
		is_str(v[5].error, "USER_TEMPLATE ONEDR_AFTER names 'nope', not among the VMs of this failover",
		       "an unknown name");
		is_str(v[6].error, "USER_TEMPLATE ONEDR_PRIORITY '0' is not a number from 1 to 5",
		       "a bad ONEDR_PRIORITY");
	}
	{
		/* two VMs named alike: a dependency on the name waits for both */
		struct prio_vm v[] = {
			VM("w", 0, "1", NULL, NULL),
			VM("w", 1, "3", NULL, NULL),
			VM("z", 2, "1", NULL, "w"),
		};

		ok(prio_resolve(NULL, v, 3) == 0 && v[2].group == 4, "a name shared by two VMs: after both");
	}
	conf_free(&conf);
}

static void progress_cases(void)
{
	static const char *const kinds[] = { "promote", "register", "recreate", "running", NULL };
	struct progress p;
	char line[200];

	progress_begin(&p, "priority-1", kinds);
	progress_total(&p, "promote", 4);
	progress_total(&p, "register", 4);
	progress_total(&p, "recreate", 2);
	progress_total(&p, "running", 2);
	progress_line(&p, line, sizeof(line));
	is_str(line, "priority-1: promote 0/4, register 0/4, recreate 0/2, running 0/2, failed 0",
	       "the line at the start of a group");
	for (int i = 0; i < 3; i++)
		progress_step(&p, "promote", 1);
	progress_step(&p, "promote", 0);
	progress_step(&p, "register", 1);
	progress_step(&p, "register", 1);
	progress_step(&p, "nothing", 1);
	progress_line(&p, line, sizeof(line));
	is_str(line, "priority-1: promote 3/4, register 2/4, recreate 0/2, running 0/2, failed 1",
	       "counts per kind, failures together, unknown kinds ignored");
	progress_line(&p, line, 12);
	is_str(line, "priority-1:", "truncated to the buffer");
}

int main(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/onedr-test-priority-XXXXXX");
	fd = mkstemp(path);
	close(fd);
	conf_cases();
	label_cases();
	order_cases();
	progress_cases();
	unlink(path);
	return tap_done();
}

/* test-journal.c: the run journal's records and step keys (encoding,
 * decoding, what is refused), and, with arguments, a driver for the lab
 * test t0150-journal.sh that records a run in a real pool:
 *
 *   test-journal                                  the unit tests (TAP)
 *   test-journal lab CONF POOL create             a new failover run: prints its ID
 *   test-journal lab CONF POOL work ID N [KILL]   do steps 0..N-1 with 4 workers,
 *                                                 resuming what the journal holds
 *   test-journal lab CONF POOL show ID            the run, one line per step
 *   test-journal lab CONF POOL list               every run
 *   test-journal lab CONF POOL each ID            journal_read_each walks what
 *                                                 journal_read returns
 *   test-journal lab CONF POOL hold ID COOKIE     take the run's lock with COOKIE
 *                                                 (as a process of another host
 *                                                 would), print this client's address
 *                                                 and exit, the lock left behind
 * With $JOURNAL_TEST_TAKEOVER=HOLDER, work breaks HOLDER's lock when it is
 * refused (journal_lock_break: the user's word) and takes the run.
 *
 * A step's "action" creates RADOS object onedr-test.<ID>.<i> with an
 * exclusive create, so doing a step twice shows up as EEXIST ("DUPLICATE").
 * Its intent is that object's name, so a rerun finds what a killed step
 * created. With KILL = i, the process SIGKILLs itself right after the
 * action of step i, before recording it done: the worst moment. With
 * $JOURNAL_TEST_DELAY_MS, each step sleeps that long (for a kill from outside).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "tap.h"

static struct journal_step step_of(const char *group, const char *vm, const char *obj, const char *name)
{
	struct journal_step s;

	memset(&s, 0, sizeof(s));
	snprintf(s.key.group, sizeof(s.key.group), "%s", group);
	snprintf(s.key.vm, sizeof(s.key.vm), "%s", vm);
	snprintf(s.key.object, sizeof(s.key.object), "%s", obj);
	snprintf(s.key.step, sizeof(s.key.step), "%s", name);
	return s;
}

static void test_keys(void)
{
	struct journal_step s = step_of("1", "42", "one/one-7-42-0", "promote");
	struct journal_key k;
	char buf[JOURNAL_KEY_MAX];
	int n;

	n = journal_key_encode(&s.key, buf, sizeof(buf));
	is_str(buf, "1/42/one%2Fone-7-42-0/promote", "a key escapes the '/' of an image name");
	ok(n == (int)strlen(buf), "the key's length is returned");
	memset(&k, 0, sizeof(k));
	ok(journal_key_decode(buf, strlen(buf), &k) == 0 && !strcmp(k.object, "one/one-7-42-0") &&
	   !strcmp(k.group, "1") && !strcmp(k.vm, "42") && !strcmp(k.step, "promote"),
	   "a key decodes to its four parts");
	s = step_of("db tier", "", "", "recreate");
	journal_key_encode(&s.key, buf, sizeof(buf));
	is_str(buf, "db tier///recreate", "empty parts stay empty (a VM-wide step)");
	ok(journal_key_decode(buf, strlen(buf), &k) == 0 && !k.vm[0] && !k.object[0] &&
	   !strcmp(k.group, "db tier"), "a key with empty parts decodes");
	s = step_of("a%b=c\nd", "7", "x", "deploy");
	journal_key_encode(&s.key, buf, sizeof(buf));
	is_str(buf, "a%25b%3Dc%0Ad/7/x/deploy", "'%%', '=' and a newline are escaped");
	ok(journal_key_decode(buf, strlen(buf), &k) == 0 && !strcmp(k.group, "a%b=c\nd"),
	   "escapes decode back");
	ok(journal_key_decode("1/2/3", strlen("1/2/3"), &k) == -EINVAL, "a key of three parts is refused");
	ok(journal_key_decode("1/2/3/4/5", strlen("1/2/3/4/5"), &k) == -EINVAL, "a key of five parts is refused");
	ok(journal_key_decode("1/2/3/", strlen("1/2/3/"), &k) == -EINVAL, "a key without a step name is refused");
	ok(journal_key_decode("1/2/%0/x", strlen("1/2/%0/x"), &k) == -EINVAL, "a truncated escape is refused");
	ok(journal_key_decode("1/2/%00/x", strlen("1/2/%00/x"), &k) == -EINVAL, "an escaped NUL is refused");
	ok(journal_key_decode("1/2/%zz/x", strlen("1/2/%zz/x"), &k) == -EINVAL, "a non-hex escape is refused");
	ok(journal_key_decode("1/2/a\nb/x", strlen("1/2/a\nb/x"), &k) == -EINVAL, "a raw newline is refused");
	ok(journal_key_decode("1/2/a=b/x", strlen("1/2/a=b/x"), &k) == -EINVAL, "a raw '=' in a key is refused");
	ok(journal_key_encode(&s.key, buf, 8) == -E2BIG, "a key too long for the buffer: -E2BIG");
}

static void test_steps(void)
{
	struct journal_step s = step_of("2", "17", "disk 0", "register"), d;
	char buf[JOURNAL_RECORD_MAX];
	int n;

	s.state = JOURNAL_STEP_DONE;
	s.attempt = 2;
	s.started = 1764454500;
	s.ended = 1764454502;
	snprintf(s.intent, sizeof(s.intent), "image SOURCE=one/one-7-17-0");
	snprintf(s.detail, sizeof(s.detail), "registered\nas image 103");
	ok(journal_step_set_result(&s, "image_id", "103") == 0, "a result is set");
	ok(journal_step_set_result(&s, "datastore", "101") == 0, "a second result is set");
	ok(journal_step_set_result(&s, "image_id", "104") == 0 && s.nresults == 2,
	   "setting a result again replaces it");
	ok(journal_step_set_result(&s, "Image-ID", "1") == -EINVAL, "a result name outside [a-z0-9_] is refused");
	n = journal_step_encode(&s, buf, sizeof(buf));
	is_str(buf, "v=1\nstate=done\nattempt=2\nstarted=1764454500\nended=1764454502\nerror=0\n"
	       "intent=image SOURCE%3Done%2Fone-7-17-0\ndetail=registered%0Aas image 103\n"
	       "result.image_id=104\nresult.datastore=101\n", "a step's record, line by line");
	memset(&d, 0, sizeof(d));
	d.key = s.key;
	ok(n > 0 && journal_step_decode(buf, (size_t)n, &d) == 0, "the record decodes");
	ok(d.state == JOURNAL_STEP_DONE && d.attempt == 2 && d.started == s.started && d.ended == s.ended &&
	   !strcmp(d.intent, s.intent) && !strcmp(d.detail, s.detail) && d.nresults == 2 &&
	   !strcmp(journal_step_result(&d, "image_id"), "104") &&
	   !strcmp(journal_step_result(&d, "datastore"), "101") && !strcmp(d.key.vm, "17"),
	   "every field comes back, the key kept");
	ok(journal_step_result(&d, "vm_id") == NULL, "an absent result is NULL");

	s.state = JOURNAL_STEP_FAILED;
	s.error = -ETIMEDOUT;
	n = journal_step_encode(&s, buf, sizeof(buf));
	ok(n > 0 && strstr(buf, "state=failed\n") && strstr(buf, "error=110\n"), "a failure keeps its errno");
	ok(journal_step_decode(buf, (size_t)n, &d) == 0 && d.error == -ETIMEDOUT && d.state == JOURNAL_STEP_FAILED,
	   "and decodes to -errno");

	ok(journal_step_decode("v=1\nstate=done\nfuture=x\n", strlen("v=1\nstate=done\nfuture=x\n"), &d) == 0, "an unknown field is ignored");
	ok(journal_step_decode("v=2\nstate=done\n", strlen("v=2\nstate=done\n"), &d) == -EPROTONOSUPPORT, "a newer version is refused");
	ok(journal_step_decode("state=done\nv=1\n", strlen("state=done\nv=1\n"), &d) == -EINVAL, "a record not starting with v is refused");
	ok(journal_step_decode("v=1\nattempt=1\n", strlen("v=1\nattempt=1\n"), &d) == -EINVAL, "a record without a state is refused");
	ok(journal_step_decode("v=1\nstate=maybe\n", strlen("v=1\nstate=maybe\n"), &d) == -EINVAL, "an unknown state is refused");
	ok(journal_step_decode("v=1\nstate=done\nattempt=-1\n", strlen("v=1\nstate=done\nattempt=-1\n"), &d) == -EINVAL, "a negative number is refused");
	ok(journal_step_decode("v=1\nstate=done\nattempt=1x\n", strlen("v=1\nstate=done\nattempt=1x\n"), &d) == -EINVAL, "a number with junk is refused");
	ok(journal_step_decode("v=1\nstate=done\nstarted=99999999999999999999\n", strlen("v=1\nstate=done\nstarted=99999999999999999999\n"), &d) == -EINVAL,
	   "a number too large is refused");
	ok(journal_step_decode("v=1\nstate=done\nerror=4096\n", strlen("v=1\nstate=done\nerror=4096\n"), &d) == -EINVAL, "an errno out of range is refused");
	ok(journal_step_decode("v=1\nstate=done\n\n", strlen("v=1\nstate=done\n\n"), &d) == -EINVAL, "an empty line is refused");
	ok(journal_step_decode("v=1\nState=done\n", strlen("v=1\nState=done\n"), &d) == -EINVAL, "a name with a capital is refused");
	ok(journal_step_decode("v=1\nstate=done", strlen("v=1\nstate=done"), &d) == 0, "the last newline may be missing");
	ok(journal_step_decode("v=1\nstate=do\0ne\n", 16, &d) == -EINVAL, "a NUL byte is refused");
	ok(journal_step_decode("", strlen(""), &d) == -EINVAL, "an empty record is refused");
	ok(journal_step_encode(&s, buf, 20) == -E2BIG, "a record too long for the buffer: -E2BIG");
}

static void test_runs(void)
{
	struct journal_run r, d, runs[4];
	char buf[JOURNAL_RECORD_MAX], id[JOURNAL_ID_MAX];
	enum journal_kind k;
	int n;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "20261129T221500Z-failover-0a1b2c");
	r.kind = JOURNAL_FAILOVER;
	r.state = JOURNAL_RUN_OPEN;
	snprintf(r.site, sizeof(r.site), "site-b");
	snprintf(r.pool, sizeof(r.pool), "one");
	snprintf(r.options, sizeof(r.options), "--force --all");
	snprintf(r.owner, sizeof(r.owner), "fe-b:4242");
	r.created = 1764454500;
	n = journal_run_encode(&r, buf, sizeof(buf));
	is_str(buf, "v=1\nid=20261129T221500Z-failover-0a1b2c\nkind=failover\nstate=open\nsite=site-b\n"
	       "pool=one\noptions=--force --all\nowner=fe-b:4242\ncreated=1764454500\nended=0\nresult=0\n",
	       "a run's header, line by line");
	memset(&d, 0, sizeof(d));
	ok(n > 0 && journal_run_decode(buf, (size_t)n, &d) == 0 && !memcmp(&d, &r, sizeof(d)),
	   "the header decodes to the same run");
	ok(journal_run_decode("v=1\nkind=failover\nstate=open\n", strlen("v=1\nkind=failover\nstate=open\n"), &d) == -EINVAL, "a header without an id is refused");
	ok(journal_run_decode("v=1\nid=x\nkind=rescue\nstate=open\n", strlen("v=1\nid=x\nkind=rescue\nstate=open\n"), &d) == -EINVAL, "an unknown kind is refused");
	ok(journal_run_decode("v=1\nid=x\nkind=drill\nstate=open\nresult=256\n", strlen("v=1\nid=x\nkind=drill\nstate=open\nresult=256\n"), &d) == -EINVAL,
	   "an exit code above 255 is refused");

	ok(journal_kind_parse("switchover", &k) == 0 && k == JOURNAL_SWITCHOVER, "kinds parse by name");
	ok(journal_kind_parse("failover ", &k) == -EINVAL, "kinds match exactly");
	ok(journal_new_id(JOURNAL_DRILL, 1764454500, id, sizeof(id)) == 0 &&
	   !strncmp(id, "20251129T221500Z-drill-", 23) && strlen(id) == 29, "a new ID: UTC time, kind, 6 hex digits");
	ok(journal_new_id(JOURNAL_DRILL, 1764454500, id, 10) == -E2BIG, "an ID buffer too small: -E2BIG");

	memset(runs, 0, sizeof(runs));
	for (int i = 0; i < 4; i++) {
		snprintf(runs[i].id, sizeof(runs[i].id), "run%d", i);
		runs[i].created = 100 + i;
		runs[i].kind = JOURNAL_FAILOVER;
	}
	runs[3].state = JOURNAL_RUN_FINISHED;
	runs[2].kind = JOURNAL_DRILL;
	ok(journal_latest_open(runs, 4, JOURNAL_FAILOVER) == &runs[1],
	   "the newest open run of a kind is resumed (not a finished one, not another kind)");
	runs[1].state = runs[0].state = JOURNAL_RUN_ABANDONED;
	ok(journal_latest_open(runs, 4, JOURNAL_FAILOVER) == NULL, "abandoned runs are not resumed");
}

/* The lab driver. */

struct lab {
	struct ceph *ceph;
	rados_ioctx_t io;
	struct journal *j;
	const char *id;
	int n, kill_at, delay_ms;
	int next;
	pthread_mutex_t lock;
	int created, adopted, skipped, duplicates, errors;
};

static void action_oid(const struct lab *lab, int i, char *buf, size_t len)
{
	snprintf(buf, len, "onedr-test.%s.%d", lab->id, i);
}

static int lab_step(struct lab *lab, int i)
{
	struct journal_step s;
	char vm[16], oid[128];
	int *count = NULL, r;

	snprintf(vm, sizeof(vm), "%d", i);
	s = step_of(i % 2 ? "2" : "1", vm, "", "create");
	r = journal_step_get(lab->j, &s.key, &s);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && s.state == JOURNAL_STEP_DONE) {
		count = &lab->skipped;
		goto out;
	}
	action_oid(lab, i, oid, sizeof(oid));
	if (r == 0 && s.state == JOURNAL_STEP_STARTED) {
		/* killed between start and done: did the action happen? */
		uint64_t size;
		time_t mtime;

		r = rados_stat(lab->io, oid, &size, &mtime);
		if (r == 0) {
			count = &lab->adopted;
			goto done;
		}
		if (r != -ENOENT)
			return r;
	}
	snprintf(s.intent, sizeof(s.intent), "rados object %s", oid);
	r = journal_step_start(lab->j, &s);
	if (r < 0)
		return r;
	if (lab->delay_ms)
		usleep((useconds_t)lab->delay_ms * 1000);
	{
		rados_write_op_t op = rados_create_write_op();

		rados_write_op_create(op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
		rados_write_op_write_full(op, vm, strlen(vm));
		r = rados_write_op_operate2(op, lab->io, oid, NULL, 0);
		rados_release_write_op(op);
	}
	if (r == -EEXIST) {
		pthread_mutex_lock(&lab->lock);
		lab->duplicates++;
		pthread_mutex_unlock(&lab->lock);
		printf("DUPLICATE step %d: %s existed\n", i, oid);
	} else if (r < 0) {
		return r;
	}
	if (i == lab->kill_at) {
		printf("killing myself after the action of step %d\n", i);
		fflush(stdout);
		kill(getpid(), SIGKILL);
	}
	count = &lab->created;
done:
	journal_step_set_result(&s, "object", oid);
	snprintf(s.detail, sizeof(s.detail), "%s", count == &lab->adopted ? "adopted" : "created");
	r = journal_step_done(lab->j, &s);
	if (r < 0)
		return r;
out:
	pthread_mutex_lock(&lab->lock);
	(*count)++;
	pthread_mutex_unlock(&lab->lock);
	printf("step %d %s\n", i, count == &lab->skipped ? "skipped" : count == &lab->adopted ? "adopted" : "created");
	return 0;
}

static void *lab_worker(void *arg)
{
	struct lab *lab = arg;

	for (;;) {
		int i, r;

		pthread_mutex_lock(&lab->lock);
		i = lab->next < lab->n ? lab->next++ : -1;
		pthread_mutex_unlock(&lab->lock);
		if (i < 0)
			return NULL;
		r = lab_step(lab, i);
		if (r < 0) {
			pthread_mutex_lock(&lab->lock);
			lab->errors++;
			pthread_mutex_unlock(&lab->lock);
			printf("step %d: error: %s\n", i, strerror(-r));
		}
	}
}

static int lab_work(struct lab *lab, struct ceph *c, const char *pool)
{
	pthread_t t[4];
	char holder[256] = "";
	int r;

	r = journal_open(c, pool, lab->id, 30, &lab->j);
	if (r < 0) {
		printf("cannot open run '%s': %s\n", lab->id, strerror(-r));
		return 1;
	}
	r = journal_lock(lab->j, holder, sizeof(holder));
	if (r == -EBUSY && getenv("JOURNAL_TEST_TAKEOVER")) {
		r = journal_lock_break(lab->j, getenv("JOURNAL_TEST_TAKEOVER"));
		if (r < 0)
			printf("cannot take over run '%s': %s\n", lab->id, strerror(-r));
		else
			r = journal_lock(lab->j, holder, sizeof(holder));
	}
	if (r < 0) {
		printf("cannot lock run '%s': %s (held by %s)\n", lab->id, strerror(-r), holder);
		journal_close(lab->j);
		return 1;
	}
	pthread_mutex_init(&lab->lock, NULL);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, lab_worker, lab);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("created %d adopted %d skipped %d duplicates %d errors %d\n", lab->created, lab->adopted,
	       lab->skipped, lab->duplicates, lab->errors);
	r = lab->errors || lab->duplicates ? 1 : 0;
	journal_finish(lab->j, r ? JOURNAL_RUN_FAILED : JOURNAL_RUN_FINISHED, r);
	journal_close(lab->j);
	return r;
}

static int lab_show(struct ceph *c, const char *pool, const char *id)
{
	struct journal_step *steps;
	struct journal_run run;
	size_t n, bad;
	int r = journal_read(c, pool, id, 30, &run, &steps, &n, &bad);

	if (r < 0) {
		printf("cannot read run '%s': %s\n", id, strerror(-r));
		return 1;
	}
	printf("run %s kind %s state %s site %s result %d steps %zu bad %zu\n", run.id,
	       journal_kind_name(run.kind), journal_run_state_name(run.state), run.site, run.result, n, bad);
	for (size_t i = 0; i < n; i++) {
		char key[JOURNAL_KEY_MAX];

		journal_key_encode(&steps[i].key, key, sizeof(key));
		printf("step %s %s attempt %u object %s %s\n", key, journal_step_state_name(steps[i].state),
		       steps[i].attempt, journal_step_result(&steps[i], "object") ?: "-", steps[i].detail);
	}
	free(steps);
	return 0;
}

/* journal_read_each's walk: the same steps as journal_read, in the same order. */
struct each {
	struct journal_step *steps;
	size_t n, i;
	int mismatches;
};

static int each_fn(const struct journal_step *s, void *arg)
{
	struct each *e = arg;

	if (e->i >= e->n || memcmp(&s->key, &e->steps[e->i].key, sizeof(s->key)) ||
	    s->state != e->steps[e->i].state || strcmp(s->intent, e->steps[e->i].intent))
		e->mismatches++;
	e->i++;
	return 0;
}

static int lab_each(struct ceph *c, const char *pool, const char *id)
{
	struct each e = { 0 };
	struct journal_run run;
	size_t bad;
	int r = journal_read(c, pool, id, 30, &run, &e.steps, &e.n, &bad);

	if (r == 0)
		r = journal_read_each(c, pool, id, 30, &run, each_fn, &e, &bad);
	printf("each: %s, %zu steps walked, %d mismatches\n", r ? strerror(-r) : "ok", e.i, e.mismatches);
	free(e.steps);
	return r || e.i != e.n || e.mismatches;
}

static int lab_main(int argc, char **argv)
{
	struct ceph_opts opts = { .conf = argv[2], .connect_timeout = 30, .op_timeout = 30 };
	struct lab lab;
	struct ceph *c;
	const char *pool = argv[3], *what = argv[4];
	int r, ret = 2;

	memset(&lab, 0, sizeof(lab));
	r = ceph_connect(&opts, &c);
	if (r < 0) {
		printf("cannot connect: %s\n", strerror(-r));
		return 1;
	}
	if (!strcmp(what, "create")) {
		struct journal_run run;
		struct journal *j = NULL;

		memset(&run, 0, sizeof(run));
		run.kind = JOURNAL_FAILOVER;
		snprintf(run.site, sizeof(run.site), "lab");
		snprintf(run.options, sizeof(run.options), "--force --all");
		r = journal_create(c, pool, &run, 30, &j);
		if (r == 0)
			printf("%s\n", journal_header(j)->id);
		else
			printf("cannot create a run: %s\n", strerror(-r));
		journal_close(j);
		ret = r < 0;
	} else if (!strcmp(what, "work") && argc >= 7) {
		lab.id = argv[5];
		lab.n = atoi(argv[6]);
		lab.kill_at = argc > 7 ? atoi(argv[7]) : -1;
		lab.delay_ms = getenv("JOURNAL_TEST_DELAY_MS") ? atoi(getenv("JOURNAL_TEST_DELAY_MS")) : 0;
		r = ceph_pool(c, pool, &lab.io);
		ret = r < 0 ? 1 : lab_work(&lab, c, pool);
	} else if (!strcmp(what, "hold") && argc >= 7) {
		char oid[128], addr[256] = "";
		rados_ioctx_t io;

		snprintf(oid, sizeof(oid), "%s%s", JOURNAL_RUN_PREFIX, argv[5]);
		r = ceph_pool(c, pool, &io);
		if (r == 0)
			r = rados_lock_exclusive(io, oid, "onedr.run", argv[6], "onedr run", NULL, 0);
		if (r == 0) {
			char *a = NULL;

			if (rados_getaddrs(c->rados, &a) == 0 && a)
				snprintf(addr, sizeof(addr), "%s", a);
			free(a);
			printf("%s\n", addr);
		} else {
			printf("cannot hold: %s\n", strerror(-r));
		}
		ret = r < 0;
	} else if (!strcmp(what, "show") && argc >= 6) {
		ret = lab_show(c, pool, argv[5]);
	} else if (!strcmp(what, "each") && argc >= 6) {
		ret = lab_each(c, pool, argv[5]);
	} else if (!strcmp(what, "list")) {
		struct journal_run *runs;
		size_t n, bad;

		r = journal_list(c, pool, 30, &runs, &n, &bad);
		for (size_t i = 0; r == 0 && i < n; i++)
			printf("%s %s %s\n", runs[i].id, journal_kind_name(runs[i].kind),
			       journal_run_state_name(runs[i].state));
		if (r == 0)
			free(runs);
		ret = r < 0;
	}
	ceph_close(c);
	return ret;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "lab"))
		return lab_main(argc, argv);
	test_keys();
	test_steps();
	test_runs();
	return tap_done();
}

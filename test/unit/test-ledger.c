/* test-ledger.c: the loss ledger's judgement (what is known, from where,
 * and what stays unknown), a VM's RPO (its worst disk) and the output
 * shapes; and, with arguments, a driver for the lab test t0155-ledger.sh:
 *
 *   test-ledger                                      the unit tests (TAP)
 *   test-ledger lab CONF PEER_CONF|- POOL IMAGE...   the ledger of one VM
 *                                                    whose disks are the
 *                                                    images: JSON on stdout
 *
 * A PEER_CONF whose monitors do not answer stands for a lost site A.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "ledger.h"
#include "tap.h"

#define NOW 1795991100

static struct ledger_raw base(bool journal)
{
	struct ledger_raw r;

	memset(&r, 0, sizeof(r));
	r.measured = NOW;
	r.mirrored = true;
	r.journal = journal;
	r.status_entries_behind = r.status_snapshot_time = -1;
	r.peer_newer = -1;
	return r;
}

static void test_journal(void)
{
	struct ledger_raw r = base(true);
	struct ledger_disk d;

	r.have_master = r.have_ours = true;
	r.master_tag = r.ours_tag = 2;
	r.master_entry = 10;
	r.ours_entry = 10;
	ledger_judge(&r, &d);
	ok(d.mode == LEDGER_JOURNAL && d.entries_behind == 0 && d.entries_source == LEDGER_SOURCE_PEER &&
	   d.rpo == RPO_EXACT && d.window_seconds == 0 && d.point == NOW && d.point_source == LEDGER_SOURCE_PEER,
	   "journal, peer read, positions equal: 0 behind, window 0, exact");
	r.ours_entry = 4;
	ledger_judge(&r, &d);
	ok(d.entries_behind == 6 && !d.entries_at_least && d.rpo == RPO_UNKNOWN && d.point == 0,
	   "journal, 6 entries behind: counted exactly, the window unknown (entry times not read)");
	ok(strstr(d.note, "6 entries not replayed") != NULL, "and the note says so");
	r.replayed_time = NOW - 30;
	ledger_judge(&r, &d);
	ok(d.entries_behind == 6 && d.rpo == RPO_EXACT && d.point == NOW - 30 && d.window_seconds == 30 &&
	   d.point_source == LEDGER_SOURCE_PEER, "with the last replayed entry's time: the point and the window");
	r.replayed_time = 0;
	r.ours_tag = 1;
	r.ours_entry = 300;
	r.master_entry = 3;
	ledger_judge(&r, &d);
	ok(d.entries_behind == 4 && d.entries_at_least, "the primary in a newer epoch: at least its entries (tid + 1)");
	r.ours_tag = 3;
	ledger_judge(&r, &d);
	ok(d.entries_behind == -1 && d.entries_source == LEDGER_SOURCE_NONE && d.rpo == RPO_UNKNOWN,
	   "our position past the primary's epoch: unknown, not guessed");
	r.ours_tag = 2;
	r.have_ours = false;
	ledger_judge(&r, &d);
	ok(d.entries_behind == -1 && d.rpo == RPO_UNKNOWN && strstr(d.note, "not registered"),
	   "our rbd-mirror not registered in the peer's journal: unknown");

	r = base(true);
	r.peer_error = -ETIMEDOUT;
	r.have_status = true;
	r.status_time = NOW - 40;
	r.status_entries_behind = 7;
	ledger_judge(&r, &d);
	ok(d.entries_behind == 7 && d.entries_source == LEDGER_SOURCE_STATUS && d.entries_as_of == NOW - 40 &&
	   d.rpo == RPO_UNKNOWN && d.point == 0, "peer lost: rbd-mirror's last count, as of its time; RPO unknown");
	ok(strstr(d.note, "Connection timed out") && strstr(d.note, "last count"), "the note says why");
	r.have_status = false;
	ledger_judge(&r, &d);
	ok(d.entries_behind == -1 && d.entries_source == LEDGER_SOURCE_NONE, "peer lost, no status: unknown");
}

static void test_snapshot(void)
{
	struct ledger_raw r = base(false);
	struct ledger_disk d;

	ledger_judge(&r, &d);
	ok(d.mode == LEDGER_SNAPSHOT && d.rpo == RPO_UNKNOWN && strstr(d.note, "no complete mirror snapshot"),
	   "snapshot mode, no complete copy here: unknown");
	r.have_copy = true;
	r.copy_time = NOW - 100;
	r.copy_primary_id = 9;
	r.peer_point = NOW - 103;
	r.peer_newer = 0;
	ledger_judge(&r, &d);
	ok(d.point == NOW - 103 && d.point_source == LEDGER_SOURCE_PEER && d.rpo == RPO_EXACT &&
	   d.window_seconds == 103 && d.snapshots_behind == 0 && d.copy_time == NOW - 100,
	   "peer read: the point is the primary's time of the snapshot copied, exact");
	r.peer_newer = 2;
	ledger_judge(&r, &d);
	ok(d.snapshots_behind == 2 && d.window_seconds == 103, "newer snapshots on the peer are counted");
	r.peer_point = 0;
	ledger_judge(&r, &d);
	ok(d.rpo == RPO_AT_LEAST && d.window_seconds == 100 && strstr(d.note, "no longer has"),
	   "the peer rotated that snapshot away: at least measured - our copy's creation");

	r = base(false);
	r.have_copy = true;
	r.copy_time = NOW - 100;
	r.peer_error = -ETIMEDOUT;
	r.copying = true;
	ledger_judge(&r, &d);
	ok(d.rpo == RPO_AT_LEAST && d.window_seconds == 100 && d.window_max == -1 && d.point == 0 &&
	   d.snapshots_behind == -1 && d.copying, "peer lost, no status: at least, no upper bound, point unknown");
	r.have_status = true;
	r.status_time = NOW - 20;
	r.status_snapshot_time = NOW - 104;
	ledger_judge(&r, &d);
	ok(d.rpo == RPO_AT_LEAST && d.window_seconds == 100 && d.window_max == 104 && d.point == NOW - 104 &&
	   d.point_source == LEDGER_SOURCE_STATUS, "peer lost, with status: the reported point bounds it from above");
	r.status_snapshot_time = NOW - 50;
	ledger_judge(&r, &d);
	ok(d.point == 0 && d.window_max == -1,
	   "a status point later than our copy began cannot be ours: ignored");
}

static void test_vm(void)
{
	struct ledger_disk disks[3];
	struct ledger_vm vm = { "db", 7, NOW - 3700, disks, 3 };
	struct ledger_raw r;
	long long s = -1;
	char buf[64];
	FILE *f;
	char *text = NULL;
	size_t len = 0;

	memset(disks, 0, sizeof(disks));
	r = base(true);
	r.have_master = r.have_ours = true;
	ledger_judge(&r, &disks[0]);
	r = base(false);
	r.have_copy = true;
	r.copy_time = NOW - 100;
	r.peer_point = NOW - 130;
	r.peer_newer = 1;
	ledger_judge(&r, &disks[1]);
	r.primary = true;
	ledger_judge(&r, &disks[2]);
	snprintf(disks[0].image, sizeof(disks[0].image), "one-1");
	snprintf(disks[1].image, sizeof(disks[1].image), "one-2");
	snprintf(disks[2].image, sizeof(disks[2].image), "one-3");
	ok(disks[2].rpo == RPO_EXACT && disks[2].window_seconds == 0, "a disk already primary loses nothing more");
	ok(ledger_vm_rpo(&vm, &s) == RPO_EXACT && s == 130, "the VM's RPO is its worst disk");
	r = base(false);
	r.have_copy = true;
	r.copy_time = NOW - 60;
	r.peer_error = -EHOSTUNREACH;
	ledger_judge(&r, &disks[2]);
	ok(ledger_vm_rpo(&vm, &s) == RPO_AT_LEAST && s == 130, "one disk only bounded: the VM's RPO is 'at least'");
	r.have_copy = false;
	ledger_judge(&r, &disks[2]);
	ok(ledger_vm_rpo(&vm, &s) == RPO_UNKNOWN, "one disk unknown: the VM's RPO is unknown");
	vm.n_disks = 0;
	ok(ledger_vm_rpo(&vm, &s) == RPO_UNKNOWN, "a VM without disks: unknown");
	vm.n_disks = 2;

	ledger_rpo_format(RPO_EXACT, 130, buf, sizeof(buf));
	is_str(buf, "2m10s", "an RPO in minutes");
	ledger_rpo_format(RPO_AT_LEAST, 7300, buf, sizeof(buf));
	is_str(buf, ">=2h01m", "a bound in hours");
	ledger_rpo_format(RPO_UNKNOWN, 0, buf, sizeof(buf));
	is_str(buf, "unknown", "unknown says so");

	f = open_memstream(&text, &len);
	ledger_print_json(f, &vm, 1, NOW);
	fclose(f);
	ok(strstr(text, "{\"vm_id\":7,\"name\":\"db\",\"manifest_time\":1795987400,\"manifest_age\":3700,"
		  "\"rpo\":\"exact\",\"rpo_seconds\":130,\"disks\":[") != NULL, "JSON: the VM, its manifest age and RPO");
	ok(strstr(text, "\"image\":\"one-1\",\"mode\":\"journal\",\"primary\":false,\"measured\":1795991100,"
		  "\"entries_behind\":0,") != NULL, "JSON: a journal disk 0 entries behind");
	ok(strstr(text, "\"snapshots_behind\":1,\"copy_time\":1795991000,\"copying\":false,\"point\":1795990970,"
		  "\"point_source\":\"peer\",\"rpo\":\"exact\",\"window_seconds\":130,\"window_max_seconds\":null")
	   != NULL, "JSON: a snapshot disk's point, source, window; unknowns are null");
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	ledger_print_table(f, &vm, 1, NOW);
	fclose(f);
	ok(strstr(text, "db") && strstr(text, "2m10s") && strstr(text, "manifest age 1h01m") &&
	   strstr(text, "1 snaps") && strstr(text, "0 entries") && strstr(text, "2026-11-29T22:22:50Z"),
	   "table: the VM's RPO and manifest age, each disk's lag and point");
	free(text);
}

static void test_codec(void)
{
	struct ledger_raw r = base(false);
	struct ledger_disk d, e;
	char buf[2048];
	int n;

	memset(&d, 0, sizeof(d));
	snprintf(d.pool, sizeof(d.pool), "one");
	snprintf(d.image, sizeof(d.image), "one-7");
	r.have_copy = true;
	r.copy_time = NOW - 100;
	r.peer_error = -ETIMEDOUT;
	r.have_status = true;
	r.status_snapshot_time = NOW - 104;
	ledger_judge(&r, &d);
	snprintf(d.note + strlen(d.note), sizeof(d.note) - strlen(d.note), "\n100%% sure");
	n = ledger_disk_encode(&d, buf, sizeof(buf));
	ok(n > 0 && strstr(buf, "v=1\npool=one\nimage=one-7\nerror=0\nmode=snapshot\nprimary=0\n") == buf &&
	   strstr(buf, "\nrpo=at_least\nwindow_seconds=100\nwindow_max=104\npeer_error=-110\n") &&
	   strstr(buf, "\nnote=peer not read (Connection timed out)%0A100%25 sure\n"),
	   "a disk's ledger as text, the note escaped");
	memset(&e, 0xff, sizeof(e));
	ok(ledger_disk_decode(buf, (size_t)n, &e) == 0, "it decodes");
	ok(!strcmp(e.pool, "one") && !strcmp(e.image, "one-7") && e.mode == LEDGER_SNAPSHOT && !e.primary &&
	   e.measured == NOW && e.entries_behind == -1 && e.snapshots_behind == -1 && e.copy_time == NOW - 100 &&
	   e.point == NOW - 104 && e.point_source == LEDGER_SOURCE_STATUS && e.rpo == RPO_AT_LEAST &&
	   e.window_seconds == 100 && e.window_max == 104 && e.peer_error == -ETIMEDOUT && e.error == 0 &&
	   !strcmp(e.note, d.note), "every field comes back");
	ok(ledger_disk_decode("v=1\nmode=journal\nlater=x\n", strlen("v=1\nmode=journal\nlater=x\n"), &e) == 0 &&
	   e.mode == LEDGER_JOURNAL && e.entries_behind == -1 && e.rpo == RPO_UNKNOWN,
	   "a short record decodes, unknown names ignored, what it lacks unknown");
	ok(ledger_disk_decode("v=2\nmode=journal\n", strlen("v=2\nmode=journal\n"), &e) == -EPROTONOSUPPORT, "a newer version is refused");
	ok(ledger_disk_decode("mode=journal\n", strlen("mode=journal\n"), &e) == -EINVAL, "a record without its version is refused");
	ok(ledger_disk_decode("v=1\nmode=tape\n", strlen("v=1\nmode=tape\n"), &e) == -EINVAL, "an unknown mode is refused");
	ok(ledger_disk_decode("v=1\nprimary=2\n", strlen("v=1\nprimary=2\n"), &e) == -EINVAL, "a flag other than 0/1 is refused");
	ok(ledger_disk_decode("v=1\nerror=5\n", strlen("v=1\nerror=5\n"), &e) == -EINVAL, "a positive error is refused");
	ok(ledger_disk_decode("v=1\nnote=%0\n", strlen("v=1\nnote=%0\n"), &e) == -EINVAL, "a truncated escape is refused");
	ok(ledger_disk_decode("v=1\npoint=12a\n", strlen("v=1\npoint=12a\n"), &e) == -EINVAL, "a number with junk is refused");
	ok(ledger_disk_encode(&d, buf, 64) == -E2BIG, "a buffer too small: -E2BIG");

	/* kept in a journal step before the promote, read back after it */
	{
		static struct journal_step st, back;
		static char rec[JOURNAL_RECORD_MAX];
		int m;

		snprintf(st.key.step, sizeof(st.key.step), "promote");
		st.state = JOURNAL_STEP_STARTED;
		n = ledger_disk_encode(&d, st.data, sizeof(st.data));
		m = journal_step_encode(&st, rec, sizeof(rec));
		back.key = st.key;
		ok(n > 0 && m > 0 && journal_step_decode(rec, (size_t)m, &back) == 0 &&
		   ledger_disk_decode(back.data, strlen(back.data), &e) == 0 && !strcmp(e.note, d.note) &&
		   e.window_max == 104 && e.rpo == RPO_AT_LEAST,
		   "a ledger kept in a journal step's data comes back whole");
	}
}

/* The lab driver. */

static int lab_main(int argc, char **argv)
{
	struct ceph_opts opts = { .conf = argv[2], .connect_timeout = 10, .op_timeout = 10 };
	struct ceph_opts popts = { .conf = argv[3], .connect_timeout = 5, .op_timeout = 5 };
	struct ledger_vm vm = { "lab", 1, 0, NULL, 0 };
	struct ceph *c, *p = NULL;
	int r, perr = 0, ret = 0;

	r = ceph_connect(&opts, &c);
	if (r < 0) {
		fprintf(stderr, "cannot connect: %s\n", strerror(-r));
		return 1;
	}
	if (strcmp(argv[3], "-"))
		perr = ceph_connect(&popts, &p);
	if (perr < 0)
		p = NULL;
	vm.n_disks = (size_t)(argc - 5);
	vm.disks = calloc(vm.n_disks, sizeof(*vm.disks));
	for (size_t i = 0; i < vm.n_disks; i++)
		if (ledger_read_disk(c, p, perr, argv[4], argv[5 + i], 30, &vm.disks[i]) < 0)
			ret = 1;
	ledger_print_json(stdout, &vm, 1, time(NULL));
	ledger_print_table(stderr, &vm, 1, time(NULL));
	free(vm.disks);
	ceph_close(p);
	ceph_close(c);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "lab"))
		return lab_main(argc, argv);
	test_journal();
	test_snapshot();
	test_vm();
	test_codec();
	return tap_done();
}

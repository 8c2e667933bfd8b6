#!/bin/sh
# t0170-demo: test/demo, the README's story, runs against this lab in a pool
# of its own: site-a's oned protects a VM through the shipped hooks and
# drivers, site-a dies, `onedr failover --force --all` brings it up on
# site-b, the report has the loss ledger. The demo's output is checked, and
# Ceph on site-b is the independent witness. Two VMs (DEMO_VMS=2), the
# cheapest whole story with both mirror modes: "db" (journal mode) and
# "files" (its one disk in snapshot mode, whose loss ledger has a figure);
# the demo's fixed costs (a pool, the stand-ins, the replication waits,
# site-a's restart after the test) dominate; priority groups in order are
# t0160's.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t170-$$
POOL=$P

test_cleanup() {
	"$LAB" start site-a >/dev/null 2>&1 || true
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

test_expect_success 'test/demo runs the whole story against this lab' '
	DEMO_VMS=2 DEMO_POOL=$P "$TOP_SRCDIR/test/demo" >demo.out 2>&1 ||
	{ cat demo.out; false; }
'
# the demo's steps and when each began, for the log
sed -n "s/^.*### \(.*\)$/# \1/p" "$TRASH/demo.out" | sed "s/\x1b\[[0-9;]*m//g"

test_expect_success 'site-a'"'"'s RUNNING hook protected the VMs, no onedr command typed there' '
	grep -q "^ *VM 0 (db): protected: 2 Ceph disks$" demo.out &&
	grep -q "^ *VM 1 (files): protected: 1 Ceph disks$" demo.out &&
	test "$(grep -c "^site-a\$ onedr " demo.out)" = 1 &&
	grep -q "^site-a\$ onedr status$" demo.out
'

test_expect_success 'the manifest names the system datastore the VM ran on (the RUNNING hook asked oned)' '
	{ cat "$LAB_B_ONEDR_CONF"; echo "POOL = \"$P\""; } >b.conf &&
	"$ONEDR" -c b.conf manifest --show site-a:0 >show &&
	grep -q "system datastore on site-a: onedr-sys" show
'

test_expect_success 'the failover ran, and the VMs run on site-b on their promoted disks' '
	grep -q "^site-b\$ onedr failover --force --all --deploy host-b$" demo.out &&
	grep -q "^group priority-1: done" demo.out &&
	grep -q "^[0-9]* *db *RUNNING *host-b *site-a/0 " demo.out &&
	grep -q "^[0-9]* *files *RUNNING *host-b *site-a/1 " demo.out &&
	for d in one-0-0-0 one-1 one-2; do is_primary b "$d" || exit 1; done
'

test_expect_success 'the report: the run finished, with the loss ledger of the VM' '
	grep -q "^site-b\$ onedr report$" demo.out &&
	grep -q "^run .*: failover, finished, site site-b" demo.out &&
	sed -n "/^site-b\$ onedr report$/,\$p" demo.out >report &&
	grep -q "^loss ledger" report && grep -q "^0 *db .*unknown" report
'

# The run's report as JSON: db's disks in journal mode, RPO unknown; the one
# disk of files in snapshot mode, RPO known: a lower bound (site-a is gone),
# with an upper bound from site-b's rbd-mirror status (ledger.h).
test_expect_success 'the ledger: journal mode unknown, the snapshot-mode disk a bounded figure' '
	"$ONEDR" -c b.conf report -j >report.json &&
	python3 - report.json <<-\PY
	import json, sys
	led = {v["name"]: v for v in json.load(open(sys.argv[1]))["ledger"]}
	db, files = led["db"], led["files"]
	assert db["rpo"] == "unknown" and db["rpo_seconds"] is None, db
	assert {d["mode"] for d in db["disks"]} == {"journal"}, db
	(d,) = files["disks"]
	assert d["image"] == "one-2" and d["mode"] == "snapshot", d
	assert files["rpo"] == "at_least" and d["rpo"] == "at_least", files
	assert files["rpo_seconds"] == d["window_seconds"] >= 0, files
	assert d["window_max_seconds"] is not None and d["window_max_seconds"] >= d["window_seconds"], d
	PY
'

test_expect_success 'the demo names the snapshot-mode VM'"'"'s figure in its closing words' '
	grep -q "^ *db  *journal mode  *RPO unknown$" demo.out &&
	grep -q "^ *files  *snapshot mode  *RPO at least [0-9ms]*, at most [0-9ms]*$" demo.out
'

test_done

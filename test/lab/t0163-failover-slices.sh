#!/bin/sh
# t0163-failover-slices: `onedr failover --force` runs each phase of a
# priority group in slices of steps (src/cmd-failover.c slice_vms); with
# ONEDR_TEST_SLICE=3 (README "Fault points") a 5-VM group of 2+1+2+2+1
# disks crosses slice boundaries in every phase: promote and register run
# [VM 0, 1] [VM 2] [VM 3, 4] (a VM's disks never split), recreate and
# running [VM 0, 1, 2] [VM 3, 4]. A promote failing in the first slice does
# not stop the later slices (the group stops after the phase); a run SIGKILLed in the last promote slice and
# run again converges; each step is in the report once.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 163

# two groups alike: VMs 0-4 on disks 0-7, VMs 5-9 on disks 8-15
DISKS=$(seq -f "one-%g" 0 15)
export ONEDR_TEST_SLICE=3

# steps_once FIRST_VM: the newest run finished?; its steps of VMs
# FIRST_VM..+4: each step once, $2 (done, or the one failed promote)
report_check() {
	onedr_sb report -j >rep.json &&
	python3 - "$1" "$2" <<-'PY'
	import json, sys, collections
	first, want = int(sys.argv[1]), sys.argv[2]
	r = json.load(open("rep.json"))
	vms = ["site-a/%d" % v for v in range(first, first + 5)]
	s = [x for x in r["steps"] if x["vm"] in vms]
	c = collections.Counter((x["vm"], x["step"], x["object"]) for x in s)
	assert all(n == 1 for n in c.values()), [k for k, n in c.items() if n > 1]
	kinds = collections.Counter(x["step"] for x in s)
	if want == "done":
	    assert r["state"] == "finished", r["state"]
	    assert kinds == {"promote": 8, "register": 8, "recreate": 5, "running": 5}, kinds
	    assert all(x["state"] == "done" for x in s), [x for x in s if x["state"] != "done"]
	else:
	    # the phase ran all its slices, and stopped the group after it
	    assert kinds == {"promote": 8}, kinds
	    bad = [x for x in s if x["state"] != "done"]
	    # in the first slice (VM 0 or 1)
	    assert len(bad) == 1 and bad[0]["vm"] in vms[:2] and bad[0]["state"] == "failed", bad
	PY
}

test_expect_success 'setup: site-a runs 10 VMs of 2, 1, 2, 2, 1 disks, two alike groups' '
	standins_up &&
	echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]" >>"$TRASH/b.conf" &&
	for d in $(seq 0 15); do image $d journal || exit 1; done &&
	for g in 0 5; do
		o=$((g / 5 * 8)) &&
		vm $g 1 $o $((o + 1)) && vm $((g + 1)) 1 $((o + 2)) &&
		vm $((g + 2)) 1 $((o + 3)) $((o + 4)) && vm $((g + 3)) 1 $((o + 5)) $((o + 6)) &&
		vm $((g + 4)) 1 $((o + 7)) || exit 1
	done &&
	for v in $(seq 0 9); do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in $(seq 0 9); do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'
standins_pids

test_expect_success 'setup: exported, written, replicated; site-a dies' '
	onedr_sa export --all >out 2>err &&
	grep -q "^export: 10 VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done &&
	wait_until 120 "manifests synced" manifests_synced &&
	"$LAB" kill site-a && kill "$SA" && SA=
'

test_expect_success 'a promote failing in the first slice: the later slices promote, the group stops after the phase' '
	# the first promote fails, its action not run (README "Fault points")
	code=0 &&
	{ ONEDR_TEST_KILL=promote:before:1:FAIL onedr_sb failover --force --deploy host-b 0 1 2 3 4 >out 2>err ||
		code=$?; } &&
	cat out err && test "$code" != 0 &&
	test "$(for d in one-0 one-1 one-2; do is_primary b "$d" && echo p; done | wc -l)" = 2 &&
	for d in one-3 one-4 one-5 one-6 one-7; do is_primary b "$d" || { echo "$d"; exit 1; }; done &&
	test "$(count b one.imagepool.info IMAGE)" = 0 &&
	report_check 0 failed
'

test_expect_success 'the rerun without the fault resumes: every VM RUNNING once, each step done once' '
	onedr_sb failover --force --deploy host-b 0 1 2 3 4 >out 2>err || { cat out err; false; } &&
	cat out && grep -q "^resuming run" out &&
	for v in 0 1 2 3 4; do running_once $v || { echo "VM $v"; exit 1; }; done &&
	for d in $(seq -f "one-%g" 0 7); do is_primary b "$d" || exit 1; done &&
	test "$(count b one.imagepool.info IMAGE)" = 8 &&
	report_check 0 done
'

test_expect_success 'failover of VMs 5-9 SIGKILLed at the 6th promote (the last slice), then run again: converges' '
	code=0
	ONEDR_TEST_KILL=promote:after:6 "$ONEDR" -c "$TRASH/b.conf" failover --force --deploy host-b 5 6 7 8 9 >k1 2>&1 ||
		code=$?
	cat k1 && test "$code" = 137 &&
	for d in one-8 one-9 one-10 one-11 one-12; do is_primary b "$d" || { echo "$d"; exit 1; }; done &&
	onedr_sb failover --force --deploy host-b 5 6 7 8 9 >k2 2>&1 || { cat k2; false; } &&
	cat k2 && grep -q "^resuming run" k2 &&
	for v in $(seq 0 9); do running_once $v || { echo "VM $v"; exit 1; }; done &&
	for d in $DISKS; do is_primary b "$d" || exit 1; done &&
	test "$(count b one.imagepool.info IMAGE)" = 16 &&
	report_check 5 done
'

test_done

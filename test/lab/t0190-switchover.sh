#!/bin/sh
# t0190-switchover: onedr switchover, a planned move with both sites up.
# VMs with Ceph disks run on site-a; `onedr switchover --to site-b` powers
# them off there (lowest priority first), exports them a last time, demotes
# their disks, waits until site-b has replayed each demotion, promotes
# there without force, registers, recreates and starts them in priority
# order; the old VMs stay POWEROFF with a note. Driven from site-b (the
# target) and from site-a (the source, its maps read backwards). The md5 of
# every disk is then the same on both sites. A switchover SIGKILLed at each
# kind of step (ONEDR_TEST_KILL) and run again converges with no duplicate.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 190

same_disks() { for d in "$@"; do same_data "$d" || { echo "# $d differs"; return 1; }; done; }

# VMs 0 (priority 1: disks 0, 1) and 1 (priority 3: disk 2) move driven
# from site-b; VMs 2 (priority 2: disks 3, 4) and 3 (priority 3: disk 5)
# driven from site-a; then VMs 4.. one per kill point
DISKS="one-0 one-1 one-2 one-3 one-4 one-5"
# one VM per kill point: VM k on disk one-(k+2)
KILLS="4 5 6 7 8 9 10 11 12"
STEPS="poweroff export demote replayed promote register recreate running note"

test_expect_success 'setup: site-a runs 4 VMs on 6 mirrored Ceph disks; each site reaches the other oned' '
	standins_up &&
	peer_ones &&
	image 0 journal && image 1 snapshot && image 2 journal && image 3 journal &&
	image 4 snapshot && image 5 journal &&
	vm 0 1 0 1 && vm 1 3 2 && vm 2 2 3 4 && vm 3 3 5 &&
	for k in $KILLS; do image $((k + 2)) journal && vm $k 2 $((k + 2)) || exit 1; done &&
	for v in 0 1 2 3 $KILLS; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in 0 1 2 3 $KILLS; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'
standins_pids

test_expect_success 'setup: exported, written, replicated' '
	onedr_sa export --all >out 2>err && grep -q "^export: 13 VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	for d in one-1 one-4; do snapshot_now a "$d" || exit 1; done &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done
'

test_expect_success 'switchover without --to, or to an unknown site: refused' '
	test_exit_code 2 onedr_sb switchover 0 1 >out 2>err && grep -q "to SITE" err &&
	test_exit_code 2 onedr_sb switchover --to site-z 0 >out 2>err && grep -q "no site .site-z." err
'

test_expect_success 'switchover --dry-run: the preflight on both sites, nothing changed, no run' '
	onedr_sb switchover --to site-b --deploy host-b --dry-run 0 1 >out 2>err ||
	{ cat out err; false; } &&
	grep -q "^switchover from site-a to site-b (driven from site-b)" out &&
	grep -q "^VM site-a/0 (vm-0): priority 1, 2 disks" out &&
	grep -q "^preflight on site-b:" out && grep -q "dry run: nothing was changed" out &&
	vm_is a 0 3/3 && vm_is a 1 3/3 &&
	for d in $DISKS; do is_primary a "$d" || exit 1; done &&
	test "$(count b one.imagepool.info IMAGE)" = 0 &&
	test_exit_code 2 onedr_sb report >out 2>err
'

test_expect_success 'switchover of VMs 0 and 1 driven from site-b: RUNNING there, old ones POWEROFF with a note, md5 equal' '
	write_data a one-0 1 && write_data a one-2 1 &&
	onedr_sb switchover --to site-b --deploy host-b 0 1 >out 2>err ||
	{ cat out err; false; } &&
	cat out &&
	running_once 0 && running_once 1 && switched 0 && switched 1 &&
	vm_is a 2 3/3 && vm_is a 3 3/3 &&
	for d in one-0 one-1 one-2; do is_primary b "$d" && is_non_primary a "$d" || exit 1; done &&
	for d in one-3 one-4 one-5; do is_primary a "$d" || exit 1; done &&
	same_disks one-0 one-1 one-2 &&
	test "$(count b one.imagepool.info IMAGE)" = 3 &&
	onedr_sb report -j >rep.json &&
	python3 - <<-PY
	import json
	r = json.load(open("rep.json"))
	assert r["kind"] == "switchover" and r["state"] == "finished", (r["kind"], r["state"])
	s = r["steps"]
	assert all(x["state"] == "done" for x in s), s
	def one(vm, step):
	    return [x for x in s if x["vm"] == "site-a/%d" % vm and x["step"] == step]
	# powered off lowest priority first: VM 1 (3) before VM 0 (1)
	assert one(1, "poweroff")[0]["ended"] <= one(0, "poweroff")[0]["started"]
	for v, n in ((0, 2), (1, 1)):
	    for step, k in (("poweroff", 1), ("export", 1), ("demote", n), ("replayed", n),
	                    ("promote", n), ("register", n), ("recreate", 1), ("running", 1), ("note", 1)):
	        assert len(one(v, step)) == k, (v, step, one(v, step))
	# every demotion replayed before the first promote
	assert max(x["ended"] for x in s if x["step"] == "replayed") <= min(x["started"] for x in s if x["step"] == "promote")
	assert max(x["ended"] for x in one(0, "running")) <= min(x["started"] for x in one(1, "promote"))
	PY
'

test_expect_success 'the moved disks replicate back to site-a: a write on site-b reaches it' '
	write_data b one-0 1 &&
	wait_until 120 "one-0 in sync" same_data one-0
'

test_expect_success 'a rerun of the finished switchover moves nothing and creates nothing' '
	onedr_sb switchover --to site-b --deploy host-b 0 1 >out 2>err ||
	{ cat out err; false; } &&
	test "$(count b one.imagepool.info IMAGE)" = 3 &&
	running_once 0 && running_once 1 && switched 0 && switched 1
'

test_expect_success 'switchover of VMs 2 and 3 driven from site-a (the source): the same result' '
	onedr_sa switchover --to site-b --deploy host-b 2 3 >out 2>err ||
	{ cat out err; false; } &&
	grep -q "^switchover from site-a to site-b (driven from site-a)" out &&
	running_once 2 && running_once 3 && switched 2 && switched 3 &&
	for d in $DISKS; do is_primary b "$d" && is_non_primary a "$d" || exit 1; done &&
	same_disks $DISKS &&
	test "$(count b one.imagepool.info IMAGE)" = 6 &&
	onedr_sb report -j >rep.json &&
	python3 -c "import json; r = json.load(open(\"rep.json\")); assert r[\"kind\"] == \"switchover\" and r[\"state\"] == \"finished\" and r[\"site\"] == \"site-a\", r"
'

# SIGKILL at each kind of step, between its action and its "done" (the
# record says "started": the rerun must find what the action did), then
# run again, from site-a every other time: the same run resumes
# (lib-lab.sh's switchover_killed; t0191 kills before each action).
images=6
set -- $STEPS
for k in $KILLS; do
	step=$1; shift
	images=$((images + 1))
	test_expect_success "switchover SIGKILLed after its $step step of VM $k, run again: converges, nothing twice" "
		switchover_killed $step after $k one-$((k + 2)) $images
	"
done

test_done

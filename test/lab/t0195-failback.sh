#!/bin/sh
# t0195-failback: onedr failback after a forced failover, when the old
# site returns. VMs run on site-a; site-a's Ceph dies (its oned stays up
# and goes on showing the VMs RUNNING); `failover --force` brings them up
# on site-b, which writes; site-a's Ceph comes back: every disk is primary
# on both sites, and the stale site-a copies get writes too. failback
# refuses the wrong direction (site-b's newer copies) with nothing
# changed, shows the split-brain, the VMs to stop and each resync's volume
# (--dry-run), then stops site-a's VMs, demotes and resyncs site-a's
# copies and waits until they have caught up: the md5 of site-b's data is
# then on site-a. SIGKILLed after each kind of step, a rerun converges.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 195

vm() {
	n=$1; shift
	{ echo "NAME = \"vm-$n\""; echo "MEMORY = 64"; echo "CPU = 1"
	  for d in "$@"; do echo "DISK = [ IMAGE_ID = $d ]"; done; } >tmpl &&
	call a one.vm.allocate "$(cat tmpl)" b:0 >id && test "$(cat id)" = "$n"
}

# VM 0: disks one-0 (journal), one-1 (snapshot); VM 1: one-2 (journal);
# VMs 2-5: one-3..one-6 (journal), one per kill point
DISKS="one-0 one-1 one-2 one-3 one-4 one-5 one-6"

test_expect_success 'setup: site-a runs 6 VMs on 7 mirrored disks; each site reaches the other oned' '
	standins_up &&
	echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2\", AUTH = \"$TRASH/auth\" ]" >>"$TRASH/b.conf" &&
	echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]" >>"$TRASH/b.conf" &&
	echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/b.port")/RPC2\", AUTH = \"$TRASH/auth\" ]" >>"$TRASH/a.conf" &&
	image 0 journal && image 1 snapshot && image 2 journal && image 3 journal &&
	image 4 journal && image 5 journal && image 6 journal &&
	vm 0 0 1 && vm 1 2 && vm 2 3 && vm 3 4 && vm 4 5 && vm 5 6 &&
	for v in 0 1 2 3 4 5; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in 0 1 2 3 4 5; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done &&
	onedr_sa export --all >out 2>err && grep -q "^export: 6 VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	snapshot_now a one-1 &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done
'
standins_pids

test_expect_success 'site-a Ceph dies; failover --force to site-b, which writes; site-a returns: split-brain' '
	"$LAB" kill site-a &&
	onedr_sb failover --force --deploy host-b 0 1 2 3 4 5 >out 2>err || { cat out err; false; } &&
	for v in 0 1 2 3 4 5; do running_once $v || exit 1; done &&
	for d in $DISKS; do write_data b "$d" 2 || exit 1; done &&
	"$LAB" start site-a >/dev/null &&
	# the stale copies: site-a VMs still RUNNING in its oned, and writing
	for v in 0 1 2 3 4 5; do vm_is a $v 3/3 || exit 1; done &&
	for d in $DISKS; do write_data a "$d" 1 && is_primary a "$d" && is_primary b "$d" || exit 1; done
'

test_expect_success 'failback --stale site-b (the newer copies): refused, nothing changed, no VM stopped' '
	test_exit_code 2 onedr_sa failback --stale site-b >out 2>err &&
	cat err && grep -q "is the NEWER one" err && grep -q "nothing was changed" err &&
	for v in 0 1 2 3 4 5; do vm_is a $v 3/3 && running_once $v || exit 1; done &&
	for d in $DISKS; do is_primary a "$d" && is_primary b "$d" || exit 1; done &&
	test_exit_code 2 onedr_sb failback --stale site-b one-0 >out 2>err &&
	grep -q "is the NEWER one" err
'

test_expect_success 'the wrong-site guards of demote and resync hold on site-b' '
	test_exit_code 1 onedr_sb demote one-0 >out 2>err && grep -q "refused" out &&
	test_exit_code 1 onedr_sb resync one-0 >out 2>err && grep -q "refused" out &&
	is_primary b one-0
'

test_expect_success 'failback --dry-run from site-b: the split-brain, the VMs to stop, each volume; nothing changed' '
	onedr_sb failback --dry-run one-0 one-1 one-2 >out 2>err || { cat out err; false; } &&
	cat out &&
	grep -q "is the stale site" out &&
	grep -q "^$P/one-0: SPLIT-BRAIN: primary on site-a and on site-b" out &&
	grep -q "^VM site-a/0 (vm-0): RUNNING on site-a: to stop" out &&
	grep -q "^VM site-a/1 (vm-1): RUNNING on site-a: to stop" out &&
	! grep -q "VM site-a/2" out &&
	grep -q "^would demote $P/one-1 on site-a and resync it: copies up to" out &&
	grep -q "dry run: nothing was changed" out &&
	for v in 0 1 2 3 4 5; do vm_is a $v 3/3 || exit 1; done &&
	for d in $DISKS; do is_primary a "$d" && is_primary b "$d" || exit 1; done
'

test_expect_success 'failback of VMs 0 and 1 from site-a: their VMs stopped there, site-a a replica of site-b data' '
	onedr_sa failback one-0 one-1 one-2 >out 2>err || { cat out err; false; } &&
	cat out &&
	grep -q "resync $P/one-0: copies up to" out &&
	vm_is a 0 8/0 && vm_is a 1 8/0 && vm_is a 2 3/3 &&
	running_once 0 && running_once 1 &&
	snapshot_now b one-1 &&
	wait_until 240 "replicas" replica_of_b one-0 one-1 one-2 &&
	for d in one-3 one-4 one-5 one-6; do is_primary a "$d" || exit 1; done &&
	onedr_sb report -j >rep.json &&
	python3 - <<-PY
	import json
	r = json.load(open("rep.json"))
	assert r["kind"] == "failback" and r["state"] == "finished", (r["kind"], r["state"])
	s = r["steps"]
	assert all(x["state"] == "done" for x in s), s
	n = {k: len([x for x in s if x["step"] == k]) for k in ("stop", "demote", "resync", "caught-up")}
	assert n == {"stop": 2, "demote": 3, "resync": 3, "caught-up": 3}, n
	assert max(x["ended"] for x in s if x["step"] == "stop") <= min(x["started"] for x in s if x["step"] == "demote")
	PY
'

test_expect_success 'a rerun of the failback finds no split-brain on those disks and resyncs nothing' '
	onedr_sa failback one-0 one-1 one-2 >out 2>err || { cat out err; false; } &&
	grep -q "nothing to do" out && ! grep -q "resync" out &&
	replica_of_b one-0 one-1 one-2
'

# SIGKILL after each kind of step; the rerun from the other site every
# other time resumes the same run (kept on site-b's cluster)
set -- stop demote resync caught-up
for v in 2 3 4 5; do
	step=$1; shift
	d=one-$((v + 1))
	test_expect_success "failback SIGKILLed after its $step step ($d of VM $v), run again: converges" "
		ONEDR_TEST_KILL=$step:after \"\$ONEDR\" -c \"\$TRASH/a.conf\" failback $d >k1 2>&1;
		test \$? = 137 || { cat k1; false; } &&
		tail -n 2 k1 &&
		if [ \$((v % 2)) = 0 ]; then rerun=onedr_sb; else rerun=onedr_sa; fi &&
		\$rerun failback >k2 2>&1 || { cat k2; false; } &&
		cat k2 && grep -q '^resuming run' k2 &&
		vm_is a $v 8/0 && running_once $v &&
		wait_until 240 'replica' replica_of_b $d &&
		failback_resumed $step
	"
done

test_expect_success 'in the end every disk on site-a is a replica of site-b data, every VM RUNNING once on site-b' '
	wait_until 240 "replicas" replica_of_b $DISKS &&
	for v in 0 1 2 3 4 5; do running_once $v && vm_is a $v 8/0 || exit 1; done
'

test_done

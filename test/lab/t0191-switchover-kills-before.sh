#!/bin/sh
# t0191-switchover-kills-before: onedr switchover SIGKILLed BEFORE the action
# of each of its 9 kinds of step (ONEDR_TEST_KILL=STEP:before: the step is
# journaled "started", its action has not run), then run again, from site-a
# every other time: the same run resumes and converges with nothing twice
# (the VM RUNNING once on site-b, the old one POWEROFF with its note, one
# image per disk, md5 equal on both sites, the killed step at attempt 2).
# t0190 kills after each action. One VM per kill point, on one setup; the
# disks of the demote, replayed and promote kills are snapshot-mode.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 191

STEPS="poweroff export demote replayed promote register recreate running note"
# VM k (priority 2) on disk one-k, k = 0..8, one per step of $STEPS
KILLS="0 1 2 3 4 5 6 7 8"
DISKS="one-0 one-1 one-2 one-3 one-4 one-5 one-6 one-7 one-8"

test_expect_success 'setup: site-a runs 9 VMs on 9 mirrored disks (3 snapshot-mode), exported, written, in sync' '
	standins_up && peer_ones &&
	for k in $KILLS; do
		mode=journal && case $k in 2|3|4) mode=snapshot ;; esac &&
		image $k $mode && vm $k 2 $k || exit 1
	done &&
	for k in $KILLS; do call a one.vm.deploy "i:$k" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for k in $KILLS; do wait_until 60 "VM $k RUNNING" vm_is a $k 3/3 || exit 1; done &&
	onedr_sa export --all >out 2>err && grep -q "^export: 9 VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	for d in one-2 one-3 one-4; do snapshot_now a "$d" || exit 1; done &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'
standins_pids

images=0
set -- $STEPS
for k in $KILLS; do
	step=$1; shift
	images=$((images + 1))
	test_expect_success "switchover SIGKILLed before its $step step of VM $k, run again: converges, nothing twice" "
		switchover_killed $step before $k one-$k $images
	"
done

test_expect_success 'in the end: every VM RUNNING once on site-b, every disk primary there with the same data on site-a' '
	for k in $KILLS; do running_once $k && switched $k || exit 1; done &&
	test "$(count b one.imagepool.info IMAGE)" = 9 &&
	for d in $DISKS; do is_primary b "$d" && is_non_primary a "$d" && same_data "$d" || exit 1; done
'

test_done

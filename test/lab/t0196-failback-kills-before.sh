#!/bin/sh
# t0196-failback-kills-before: failback's wrong-direction refusal over
# several disks, and failback SIGKILLed BEFORE the action of each kind of
# step. Both sites stay up: the split-brain is made with forced promotes
# (rbd mirror image promote --force), site-a's VMs go on writing the stale
# copies. one-0..one-3: promoted on site-b and written there (site-b
# newer); one-4: promoted on site-b, NOT written there since, written on
# site-a after (site-b still newer: its promotion came after site-a's
# epoch); one-5: made on site-b, promoted on site-a (site-a newer). Each
# site thus holds some newer copies: every failback whose stale site holds
# one newer copy among those it takes (with or without --stale, from
# either site) is refused before anything changes (no VM stopped, no
# demote, md5 unchanged). Then failback of one-k (k = 0..3) is SIGKILLed
# before its stop, demote, resync and caught-up step (ONEDR_TEST_KILL=
# STEP:before), run again (from site-b every other time): it converges,
# site-a's copy a replica of site-b's data, the killed step at attempt 2.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 196

DISKS="one-0 one-1 one-2 one-3 one-4 one-5"
# the md5 of every copy on both sites
md5s() { for d in $DISKS; do echo "$d $(md5_of a "$d") $(md5_of b "$d")"; done; }
# nothing changed since md5s >before: every VM RUNNING on site-a, every
# copy primary on both sites with the same data, no failback run
unchanged() {
	for v in 0 1 2 3 4; do vm_is a $v 3/3 || { echo "# VM $v: $(vm_state a $v)"; return 1; }; done &&
	for d in $DISKS; do
		is_primary a "$d" && is_primary b "$d" || { echo "# $d: not primary on both"; return 1; }
	done &&
	md5s >now && cmp before now &&
	test_exit_code 2 onedr_sb report >rep.out 2>&1 && test_exit_code 2 onedr_sa report >rep.out 2>&1
}

test_expect_success 'setup: site-a runs 5 VMs on 6 mirrored journal disks (one-5 made on site-b), in sync' '
	standins_up && peer_ones &&
	for k in 0 1 2 3 4; do image $k journal || exit 1; done &&
	mk_image b journal one-5 16 >/dev/null &&
	wait_until 120 "one-5 replaying on site-a" is_replaying a one-5 &&
	call a one.image.allocate "NAME=\"disk-5\" TYPE=DATABLOCK PERSISTENT=YES SOURCE=$P/one-5 FORMAT=raw SIZE=16" i:100 b:1 >id &&
	test "$(cat id)" = 5 &&
	vm 0 2 0 && vm 1 2 1 && vm 2 2 2 && vm 3 2 3 && vm 4 2 4 5 &&
	for v in 0 1 2 3 4; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in 0 1 2 3 4; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done &&
	for d in one-0 one-1 one-2 one-3 one-4; do write_data a "$d" 1 || exit 1; done &&
	write_data b one-5 1 &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done
'
standins_pids

test_expect_success 'split-brain both ways: one-0..one-4 force-promoted on site-b, one-5 on site-a; stale writes' '
	for d in one-0 one-1 one-2 one-3 one-4; do rbd_b mirror image promote --force "$POOL/$d" >/dev/null || exit 1; done &&
	rbd_a mirror image promote --force "$POOL/one-5" >/dev/null &&
	for d in one-0 one-1 one-2 one-3; do write_data b "$d" 2 || exit 1; done &&
	for d in $DISKS; do write_data a "$d" 1 && is_primary a "$d" && is_primary b "$d" || exit 1; done &&
	md5s >before && cat before
'

test_expect_success 'failback without --stale, from site-a and from site-b: refused (each site holds newer copies), nothing changed' '
	test_exit_code 2 onedr_sa failback >out 2>err && cat out err &&
	grep -q "is the NEWER one" err && grep -q "nothing was changed" err &&
	test_exit_code 2 onedr_sb failback >out 2>err && cat out err &&
	grep -q "is the NEWER one" err && grep -q "nothing was changed" err &&
	unchanged
'

test_expect_success 'failback --stale site-a, every disk, from either site: refused by one-5 (newer on site-a), nothing changed' '
	test_exit_code 2 onedr_sa failback --stale site-a >out 2>err && cat out err &&
	grep -q "^$P/one-0: SPLIT-BRAIN" out &&
	grep -q "$P/one-5.: the copy on site-a is the NEWER one" err &&
	! grep -q "$P/one-[0-4].: the copy on site-a is the NEWER one" err &&
	test_exit_code 2 onedr_sb failback --stale site-a >out 2>err &&
	grep -q "$P/one-5.: the copy on site-a is the NEWER one" err &&
	unchanged
'

test_expect_success 'failback --stale site-a of one-5 (newer on site-a), alone or among others: refused, nothing changed' '
	test_exit_code 2 onedr_sb failback --stale site-a one-0 one-1 one-2 one-3 one-5 >out 2>err && cat out err &&
	grep -q "$P/one-5.: the copy on site-a is the NEWER one" err &&
	test_exit_code 2 onedr_sa failback --stale site-a one-5 one-0 >out 2>err &&
	grep -q "$P/one-5.: the copy on site-a is the NEWER one" err &&
	test_exit_code 2 onedr_sa failback --stale site-a one-5 >out 2>err &&
	grep -q "$P/one-5.: the copy on site-a is the NEWER one" err &&
	unchanged
'

test_expect_success 'failback --stale site-b of one-4 (promoted on site-b, not written there since; site-a wrote after): refused, nothing changed' '
	test_exit_code 2 onedr_sa failback --stale site-b one-4 >out 2>err && cat out err &&
	grep -q "$P/one-4.: the copy on site-b is the NEWER one" err &&
	test_exit_code 2 onedr_sb failback --stale site-b one-5 one-4 >out 2>err &&
	grep -q "$P/one-4.: the copy on site-b is the NEWER one" err &&
	unchanged
'

test_expect_success 'failback --dry-run of one-4 and one-5 (one newer copy on each site), from site-a: refused too' '
	test_exit_code 2 onedr_sa failback --dry-run one-4 one-5 >out 2>err && cat out err &&
	grep -q "is the NEWER one" err &&
	unchanged
'

# SIGKILL before the action of each kind of step (its "started" in the
# journal); the rerun, from site-b every other time, resumes the run
set -- stop demote resync caught-up
for k in 0 1 2 3; do
	step=$1; shift
	test_expect_success "failback SIGKILLed before its $step step (one-$k of VM $k), run again: converges" "
		rc=0 &&
		{ ONEDR_TEST_KILL=$step:before \"\$ONEDR\" -c \"\$TRASH/a.conf\" failback one-$k >k1 2>&1 || rc=\$?; } &&
		{ test \$rc = 137 || { echo \"# exit \$rc\"; cat k1; false; }; } &&
		tail -n 2 k1 &&
		if [ \$((k % 2)) = 0 ]; then rerun=onedr_sb; else rerun=onedr_sa; fi &&
		\$rerun failback >k2 2>&1 || { cat k2; false; } &&
		cat k2 && grep -q '^resuming run' k2 &&
		vm_is a $k 8/0 &&
		wait_until 240 'replica' replica_of_b one-$k &&
		failback_resumed $step
	"
done

test_expect_success 'in the end: one-0..one-3 replicas of site-b data; one-4 and one-5 untouched, VM 4 still RUNNING on site-a' '
	wait_until 240 "replicas" replica_of_b one-0 one-1 one-2 one-3 &&
	for v in 0 1 2 3; do vm_is a $v 8/0 || exit 1; done &&
	vm_is a 4 3/3 &&
	for d in one-4 one-5; do
		is_primary a "$d" && is_primary b "$d" &&
		grep "^$d " before >was && md5s | grep "^$d " >is && cmp was is || exit 1
	done
'

test_done

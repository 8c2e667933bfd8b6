#!/bin/sh
# t0192-switchover-site-a-dies: site A (the source of a switchover, its Ceph
# and its oned) dies while `onedr switchover --to site-b` is at each kind of
# step. The switchover is frozen at the step (ONEDR_TEST_KILL=STEP:WHEN:1:STOP),
# site-a is killed (`lab kill site-a` and its oned stand-in), the frozen onedr
# is SIGKILLed, then the admin does what the README says: a rerun of the
# switchover from site-b refuses (it can neither power off nor demote on a
# dead site) with nothing changed, until the switchover has seen every
# demotion replayed (then the rerun finishes unforced: t0193); and `onedr
# failover --force` on site-b
# takes the VMs over: each VM RUNNING once there, one image per disk, every
# disk primary on site-b with the content site-a had replicated, and the
# switchover run abandoned (a later switchover starts a run of its own,
# never resumes the dead one). Site-a is started again after each case.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 192

# lab_cleanup, after the onedr a case left frozen (switchover_frozen), with
# the stand-ins as last restarted (their pid files)
test_cleanup() {
	[ -r "$TRASH/stopped.pid" ] && kill -9 "$(cat "$TRASH/stopped.pid")" 2>/dev/null
	standins_pids
	lab_cleanup
}

# one VM per case, VM k on the journal-mode disk one-k
CASES="poweroff:before export:after demote:after replayed:after promote:after recreate:after"
NVMS=6
VMS=$(seq 0 $((NVMS - 1)))
DISKS=$(for v in $VMS; do echo "one-$v"; done)

test_expect_success "setup: site-a runs $NVMS VMs on mirrored Ceph disks; each site reaches the other oned" '
	standins_up &&
	echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2\", AUTH = \"$TRASH/auth\" ]" >>"$TRASH/b.conf" &&
	echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]" >>"$TRASH/b.conf" &&
	for v in $VMS; do image $v journal && vm $v 3 $v || exit 1; done &&
	for v in $VMS; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in $VMS; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'
standins_pids

test_expect_success 'setup: exported, written, replicated, manifests on site-b' '
	exported_synced
'

v=0
for c in $CASES; do
	test_expect_success "site-a dies while the switchover of VM $v is at $c: failover --force converges (before the replayed step the switchover rerun refuses)" '
		# the onedr a failed case left stopped
		[ -r "$TRASH/stopped.pid" ] && kill -9 "$(cat "$TRASH/stopped.pid")" 2>/dev/null
		site_a_up && write_data a one-$v 1 || exit 1
		# alone on its line: $! is then onedr itself
		ONEDR_TEST_KILL=$c:1:STOP "$ONEDR" -c "$TRASH/b.conf" switchover --to site-b --deploy host-b $v >k1 2>&1 &
		pid=$! && echo $pid >"$TRASH/stopped.pid" &&
		wait_until 300 "onedr stopped at $c" sh -c "ps -o stat= -p $pid | grep -q T" &&
		cat k1 && grep -q "^run " k1 &&
		run=$(sed -n "s/^run \([^ ]*\)$/\1/p" k1) &&
		# what site-a had replicated when it died: the data onedr must keep
		wait_until 120 "one-$v in sync" same_data one-$v && md5_of a one-$v >md5 &&
		"$LAB" kill site-a >/dev/null && kill -9 "$(cat "$TRASH/a.pid")" &&
		kill -9 $pid && { wait $pid; true; } && rm -f "$TRASH/stopped.pid" &&
		before=$(copies_of $v) &&
		case $c in
		replayed:*|promote:*|recreate:*)
			# every demotion replayed on site-b: the rerun would finish
			# the move unforced (t0193); here the admin forces
			;;
		*)
			test_exit_code 3 "$ONEDR" -c "$TRASH/bd.conf" switchover --to site-b --deploy host-b $v >k2 2>err2 &&
			cat err2 && grep -q "site-a cannot be reached.*failover --force" err2 &&
			test "$(copies_of $v)" = "$before" && test "$(run_state $run)" = open ;;
		esac &&
		"$ONEDR" -c "$TRASH/bd.conf" failover --force --deploy host-b $v >k3 2>&1 || { cat k3; false; } &&
		cat k3 &&
		{ running_once $v || { echo "VM $v: copies on site-b: $(copies_of $v)"; false; }; } &&
		{ one_image $v || { echo "VM $v: not one image of one-$v on site-b"; false; }; } &&
		is_primary b one-$v &&
		{ test "$(md5_of b one-$v)" = "$(cat md5)" || { echo "one-$v: not the data site-a had"; false; }; } &&
		st=$(run_state $run) &&
		{ test "$st" = abandoned || { echo "switchover run $run: $st, not abandoned"; false; }; } &&
		site_a_up &&
		case $c in
		demote:*|replayed:*|promote:*|recreate:*)
			# demoted before it died: never primary again on site-a
			is_non_primary a one-$v ;;
		esac
	'
	v=$((v + 1))
done

test_expect_success 'site-a back: a switchover of a VM failed over before its demote refuses (split-brain: failback first), nothing changed' '
	site_a_up &&
	test_exit_code 2 onedr_sb switchover --to site-b --deploy host-b 0 >out 2>err &&
	cat err && grep -q "primary on site-b too .*failback" err &&
	is_primary a one-0 && is_primary b one-0 && running_once 0 &&
	test_exit_code 2 onedr_sb switchover --to site-b --deploy host-b 2 >out 2>err &&
	cat err && grep -q "not primary on site-a" err
'

test_expect_success 'site-a is up again (Ceph and oned) for the tests after this one' '
	site_a_up && call a one.vm.info i:0 >/dev/null
'

test_done

#!/bin/sh
# t0193-switchover-site-a-dies-late: what t0192 does (site A, its Ceph and
# its oned, dies while `onedr switchover --to site-b` is frozen at a step),
# for the steps t0192 leaves out and for a switchover driven from site A:
#  1. driven from site-b, A dies at register (before, after), running and
#     note: `onedr failover --force` on site-b converges (each VM RUNNING
#     once there, one image per disk, the data site-a had replicated, the
#     switchover run abandoned);
#  2. driven from site-a's front-end, which dies with its onedr (SIGKILL;
#     run under another host name, as a front-end of its own): the run is
#     on site-b's cluster, where the failover finds it; the dead holder's
#     lock is broken only on the user's word (--takeover HOLDER);
#  3. A dies once every demotion was replayed on site-b: nothing can be
#     lost, so the switchover rerun on site-b finishes the move WITHOUT
#     forcing any promote; the note on the old VMs, which needs site-a, is
#     reported not done, and written by a rerun once site-a is back.
# Site-a is started again after each case.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 193

# lab_cleanup, after the onedr a case left frozen (switchover_frozen), with
# the stand-ins as last restarted (their pid files)
test_cleanup() {
	[ -r "$TRASH/stopped.pid" ] && kill -9 "$(cat "$TRASH/stopped.pid")" 2>/dev/null
	standins_pids
	lab_cleanup
}

# VM k on the journal-mode disk one-k, one VM per case
NVMS=8
VMS=$(seq 0 $((NVMS - 1)))
DISKS=$(for v in $VMS; do echo "one-$v"; done)
# another host name for site-a's front-end, where the kernel allows it
if unshare -u true 2>/dev/null; then
	FE_A="unshare -u sh -c 'hostname fe-a && exec \"\$@\"' sh"
	HOLDER_HOST=fe-a
else
	FE_A=
	HOLDER_HOST=$(hostname)
fi

test_expect_success "setup: site-a runs $NVMS VMs on mirrored Ceph disks; each site reaches the other oned" '
	standins_up &&
	echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2\", AUTH = \"$TRASH/auth\" ]" >>"$TRASH/b.conf" &&
	echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]" >>"$TRASH/b.conf" &&
	{ echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/b.port")/RPC2\", AUTH = \"$TRASH/auth\" ]"
	  echo "DATASTORE_MAP = [ FROM = \"ceph-img-b\", TO = \"ceph-img\" ]"
	  echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys-b\", TO = \"ceph-sys\" ]"
	  echo "USER_MAP = [ FROM = \"*\", TO = \"*\" ]"
	  echo "GROUP_MAP = [ FROM = \"*\", TO = \"*\" ]"; } >>"$TRASH/a.conf" &&
	for v in $VMS; do image $v journal && vm $v 3 $v || exit 1; done &&
	for v in $VMS; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in $VMS; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'
standins_pids

test_expect_success 'setup: exported, written, replicated, manifests on site-b' '
	exported_synced
'

# force_converges N: failover --force on site-b (ARGS more options) moves VM
# N over and abandons the switchover run
force_converges() {
	local n=$1
	shift
	"$ONEDR" -c "$TRASH/bd.conf" failover --force --deploy host-b "$@" "$n" >k3 2>&1 || { cat k3; false; } &&
	cat k3 && moved_to_b "$n" &&
	st=$(run_state "$(cat run)") &&
	{ test "$st" = abandoned || { echo "switchover run $(cat run): $st, not abandoned"; false; }; }
}

# 1. driven from site-b
v=0
for c in register:before register:after running:after note:after; do
	test_expect_success "driven from site-b, site-a dies at $c (VM $v): failover --force converges" '
		site_a_up && write_data a one-$v 1 &&
		switchover_frozen "$TRASH/b.conf" $c $v && site_a_dies &&
		force_converges $v && site_a_up && is_non_primary a one-$v
	'
	v=$((v + 1))
done

# 2. driven from site-a: VM 4 before its demotion is replayed, VM 5 after
test_expect_success "driven from site-a ($HOLDER_HOST), which dies with its onedr at demote:after (VM 4): the run is found on site-b; failover --force takes it over on the user's word" '
	site_a_up && write_data a one-4 1 &&
	eval "switchover_frozen \"\$TRASH/a.conf\" demote:after 4 $FE_A" &&
	grep -q "^switchover from site-a to site-b (driven from site-a)" k1 && site_a_dies &&
	# the run is on site-b: its report is read there, held by the dead onedr
	test "$(run_state "$(cat run)")" = open &&
	if [ -n "$FE_A" ]; then
		test_exit_code 3 "$ONEDR" -c "$TRASH/bd.conf" failover --force --deploy host-b 4 >k2 2>err2 &&
		cat err2 && grep -q "switchover run $(cat run) is held by .fe-a:.*give --takeover" err2 &&
		test -z "$(copies_of 4)" && test "$(run_state "$(cat run)")" = open &&
		holder=$(sed -n "s/.*is held by .\(fe-a:[^ ]*\).: if.*/\1/p" err2) &&
		force_converges 4 --takeover "$holder"
	else
		force_converges 4
	fi &&
	site_a_up && is_non_primary a one-4
'

# 3. every demotion replayed on site-b before site-a died
test_expect_success 'driven from site-b, site-a dies at replayed:after (VM 6): failover without --force refuses; the switchover rerun finishes the move unforced, the note not done' '
	site_a_up && write_data a one-6 1 &&
	switchover_frozen "$TRASH/b.conf" replayed:after 6 && site_a_dies &&
	test_exit_code 2 "$ONEDR" -c "$TRASH/bd.conf" failover --deploy host-b 6 >k2 2>err2 &&
	cat err2 && grep -q "needs --force" err2 && test -z "$(copies_of 6)" &&
	{ test_exit_code 1 "$ONEDR" -c "$TRASH/bd.conf" switchover --to site-b --deploy host-b 6 >k3 2>&1 ||
	  { cat k3; false; }; } &&
	cat k3 && moved_to_b 6 && grep -q "^resuming run $(cat run) " k3 &&
	step_of "$(cat run)" 6 promote >st && cat st && test "$(cat st)" = "done: promoted" &&
	step_of "$(cat run)" 6 note >st && cat st && grep -q "^failed: site-a cannot be reached" st &&
	test "$(run_state "$(cat run)")" = open
'

test_expect_success 'site-a back: the switchover rerun writes the note on the old VM 6 and finishes the run; nothing twice' '
	site_a_up && is_non_primary a one-6 &&
	{ onedr_sb switchover --to site-b --deploy host-b 6 >k4 2>&1 || { cat k4; false; }; } &&
	cat k4 && grep -q "^resuming run $(cat run) " k4 &&
	test "$(run_state "$(cat run)")" = finished &&
	call a one.vm.info i:6 >vm6.xml && grep -q "ONEDR_SWITCHED_TO><!\[CDATA\[site-b" vm6.xml &&
	vm_is a 6 8/0 && moved_to_b 6
'

test_expect_success "driven from site-a ($HOLDER_HOST), which dies with its onedr at replayed:after (VM 7): the switchover rerun on site-b takes the run over on the user's word and finishes unforced" '
	site_a_up && write_data a one-7 1 &&
	eval "switchover_frozen \"\$TRASH/a.conf\" replayed:after 7 $FE_A" && site_a_dies &&
	take= &&
	if [ -n "$FE_A" ]; then
		test_exit_code 3 "$ONEDR" -c "$TRASH/bd.conf" switchover --to site-b --deploy host-b 7 >k2 2>err2 &&
		cat err2 && grep -q "run $(cat run) is held by .fe-a:.*--takeover" err2 &&
		test -z "$(copies_of 7)" &&
		take="--takeover $(sed -n "s/.*is held by .\(fe-a:[^ ]*\).: if.*/\1/p" err2)"
	fi &&
	{ test_exit_code 1 "$ONEDR" -c "$TRASH/bd.conf" switchover --to site-b --deploy host-b $take 7 >k3 2>&1 ||
	  { cat k3; false; }; } &&
	cat k3 && moved_to_b 7 &&
	step_of "$(cat run)" 7 promote >st && cat st && test "$(cat st)" = "done: promoted" &&
	step_of "$(cat run)" 7 note >st && cat st && grep -q "^failed: site-a cannot be reached" st &&
	site_a_up && is_non_primary a one-7
'

test_expect_success 'site-a is up again (Ceph and oned) for the tests after this one' '
	site_a_up && call a one.vm.info i:0 >/dev/null
'

test_done

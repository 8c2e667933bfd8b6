#!/bin/sh
# t0030-failover: site-a dies. Promote without --force is refused, --force
# promotes a pool that mixes journal and snapshot images even if one image's
# promote hangs, and when site-a returns, status shows the split-brain and
# demote + resync on site-a bring it back as non-primary with site-b's data.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

J1=$(img j1) J2=$(img j2) S=$(img s) S2=$(img s2)

test_cleanup() {
	"$LAB" start site-a >/dev/null 2>&1 || true
}

test_expect_success 'setup: two journal images and a snapshot image with data, replicated' '
	mk_image a journal "$J1" && mk_image a journal "$J2" && mk_image a snapshot "$S" &&
	mk_image a snapshot "$S2" &&
	write_data a "$J1" 4 && write_data a "$J2" 2 && write_data a "$S" 2 && snapshot_now a "$S" &&
	write_data a "$S2" 2 && snapshot_now a "$S2" &&
	wait_until 120 "$S2 replaying" is_replaying b "$S2" &&
	wait_until 120 "$S2 in sync" same_data "$S2" && md5_of a "$S2" >md5.s2 &&
	wait_until 120 "$J1 replaying" is_replaying b "$J1" &&
	wait_until 120 "$J2 replaying" is_replaying b "$J2" &&
	wait_until 120 "$S replaying" is_replaying b "$S" &&
	wait_until 120 "$J1 in sync" same_data "$J1" &&
	wait_until 120 "$S in sync" same_data "$S" &&
	md5_of a "$J1" >md5.j1
'

test_expect_success 'with site-a killed, promote without --force is refused clearly, nothing changed' '
	"$LAB" kill site-a &&
	test_exit_code 1 onedr_b promote "$J1" >out 2>err &&
	grep -q "^$POOL/$J1: refused: not demoted on site-a, which is unreachable" out &&
	grep -q "use --force if site-a is lost" out &&
	one_line err && grep -q "1 of 1 images not promoted: $POOL/$J1" err &&
	is_non_primary b "$J1"
'

test_expect_success 'with site-a killed, promote --force handles journal and snapshot images; none holds up the others' '
	test_exit_code_in "0 1" timeout 300 "$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 20 "$J1" "$J2" "$S" >out &&
	cat out &&
	grep -q "^$POOL/$J1: promoted (forced)" out &&
	grep -q "^$POOL/$J2: promoted (forced)" out &&
	is_primary b "$J1" && is_primary b "$J2" &&
	if grep -q "^$POOL/$S: timed out" out; then
		grep -q "^$POOL/$S: timed out: forced promote: timed out; state left: .*a rerun retries it" out
	else
		grep -q "^$POOL/$S: promoted (forced)" out
	fi
'

test_expect_success 'the forced copy on site-b holds what site-a last replicated' '
	test "$(md5_of b "$J1")" = "$(cat md5.j1)"
'

test_expect_success 'a rerun of the forced promote is a no-op for the images already promoted' '
	test_exit_code_in "0 1" timeout 300 "$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 20 "$J1" "$J2" >out &&
	grep -q "^$POOL/$J1: already primary" out &&
	grep -q "^$POOL/$J2: already primary" out
'

# No OSD answers onedr: ms_blackhole_osd (a Ceph client option, in CEPH_ARGS,
# which onedr honours) drops every message onedr sends to an OSD while the
# monitors still answer, so every image call outlives its deadline. OP =
# 300 s keeps librados' own timeout out of the way. (Stopping the OSD itself
# left site-b's PGs laggy for the tests after.)
test_expect_success 'a forced promote that outlives --timeout is reported as timed out, with the state left' '
	sed "s/OP *= *\"[0-9]*\"/OP = \"300\"/" "$LAB_B_ONEDR_CONF" >slow.conf &&
	grep -q "OP = \"300\"" slow.conf &&
	code=0 &&
	{ CEPH_ARGS="--ms_blackhole_osd=true" timeout 120 "$ONEDR" -c slow.conf \
		promote --force --timeout 2 "$S2" >out 2>err || code=$?; } &&
	cat out err &&
	test "$code" -eq 1 &&
	grep -q "^$POOL/$S2: timed out: \(open: timed out\|.*timed out; state left: \(primary\|non-primary\|unknown\); a rerun retries it\)" out &&
	grep -q "0 promoted, 0 unchanged, 0 refused, 0 failed, 1 timed out" out &&
	is_non_primary b "$S2"
'

test_expect_success 'a rerun finishes what the timed-out promote left, with the data intact' '
	"$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 120 "$S2" >out &&
	grep -q "^$POOL/$S2: \(promoted (forced)\|already primary\)" out &&
	is_primary b "$S2" &&
	test "$(md5_of b "$S2")" = "$(cat md5.s2)"
'

test_expect_success 'when site-a comes back, status on site-b shows the split-brain' '
	"$LAB" start site-a &&
	wait_until 60 "site-a answers" rbd_a info "$POOL/$J1" &&
	test_exit_code 5 onedr_b status "$J1" >out &&
	grep -E "^$J1 +journal +primary .*SPLIT-BRAIN: primary on both sites" out &&
	grep -q "^CRITICAL" out
'

test_expect_success 'site-b writes on after the failover' '
	write_data b "$J1" 2 && md5_of b "$J1" >md5.b
'

test_expect_success 'resync on site-a refuses while its copy is still primary' '
	test_exit_code 1 onedr_a resync "$J1" >out 2>/dev/null &&
	grep -q "^$POOL/$J1: refused: primary here" out &&
	is_primary a "$J1"
'

test_expect_success 'demote on site-a, then resync, bring site-a back as non-primary with site-b data' '
	onedr_a demote "$J1" >out && grep -q "^$POOL/$J1: demoted" out &&
	onedr_a resync "$J1" >out && cat out &&
	grep -q "^$POOL/$J1: resync will copy up to .* (size 32.0 MiB" out &&
	grep -q "^$POOL/$J1: resync requested" out &&
	wait_until 240 "$J1 resynced on site-a" same_data "$J1" &&
	test "$(md5_of a "$J1")" = "$(cat md5.b)" &&
	is_non_primary a "$J1" && is_primary b "$J1"
'

test_expect_success 'after the resync, status on site-b is healthy again' '
	wait_until 120 "$J1 replaying on site-a" is_replaying a "$J1" &&
	wait_until 90 "status healthy" onedr_b status "$J1"
'

test_done

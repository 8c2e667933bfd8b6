#!/bin/sh
# t0050-quick-flip: site-b is promoted, writes, and is demoted 5 s later;
# site-a is promoted at once. librbd alone lets that promote through and
# leaves site-b in split-brain (LAB-FACTS). onedr promotes site-a only once
# site-b's demotion has been replayed there; as site-b is no longer primary,
# it may never be, and then onedr refuses and site-b must take over again.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

J=$(img j) S=$(img s)

# promote_b NAME: the rbd CLI's promote, retried until the demotion has arrived
promote_b() { rbd_b mirror image promote "$POOL/$1" >/dev/null 2>&1; }

test_expect_success 'setup: images on site-a, replicated, then demoted on site-a' '
	mk_image a journal "$J" && mk_image a snapshot "$S" &&
	write_data a "$J" 2 && write_data a "$S" 2 &&
	wait_until 120 "$J replaying" is_replaying b "$J" &&
	wait_until 120 "$S replaying" is_replaying b "$S" &&
	rbd_a mirror image demote "$POOL/$J" && rbd_a mirror image demote "$POOL/$S"
'

test_expect_success 'site-b is promoted, writes, and is demoted five seconds later' '
	wait_until 60 "promote $J on site-b" promote_b "$J" &&
	wait_until 60 "promote $S on site-b" promote_b "$S" &&
	write_data b "$J" 2 && write_data b "$S" 2 &&
	md5_of b "$J" >md5.j && md5_of b "$S" >md5.s &&
	sleep 5 &&
	rbd_b mirror image demote "$POOL/$J" && rbd_b mirror image demote "$POOL/$S"
'

# check_promoted_or_refused NAME MD5FILE: after the promote on site-a, NAME
# is either primary there with site-b's last data, or refused and untouched.
check_promoted_or_refused() {
	if grep -q "^$POOL/$1: promoted" out; then
		test "$(md5_of a "$1")" = "$(cat "$2")"
	else
		grep -q "^$POOL/$1: refused: not promoted after waiting 20 s: .*; it holds writes this site lacks: promote on site-b instead" out &&
		is_non_primary a "$1"
	fi
}

test_expect_success 'an immediate promote on site-a never takes over without site-b writes' '
	test_exit_code_in "0 1" onedr_a promote --wait 20 "$J" "$S" >out &&
	check_promoted_or_refused "$J" md5.j &&
	check_promoted_or_refused "$S" md5.s
'

test_expect_success 'no split-brain on either side, and site-b data is intact wherever it is primary' '
	for x in "$J" "$S"; do
		is_primary a "$x" && continue
		onedr_b promote "$x" >>out && continue
		# site-b wrote after its promotion, which can trim the record of
		# site-a'"'"'s demotion from its journal: then site-b refuses too and
		# says how to go on, and the admin keeps site-b'"'"'s copy
		grep -q "^$POOL/$x: refused: .*promote on site-a instead (if it refuses too, promote the copy with the newest data with --no-peer)" out &&
		onedr_b promote --no-peer "$x" >>out || exit 1
	done &&
	for x in "$J" "$S"; do
		if is_primary a "$x"; then p=a; s=b; else p=b; s=a; fi &&
		is_non_primary $s "$x" &&
		wait_until 120 "$x replaying on site-$s" is_replaying $s "$x" &&
		! rbd_on $s mirror image status "$POOL/$x" | grep -q split-brain &&
		! rbd_on $p mirror image status "$POOL/$x" | grep -q split-brain || exit 1
	done &&
	test "$(md5_of b "$J")" = "$(cat md5.j)" && test "$(md5_of b "$S")" = "$(cat md5.s)" &&
	wait_until 90 "status healthy on site-a" onedr_a status "$J" "$S" &&
	onedr_a status "$J" "$S" >out && ! grep -q SPLIT-BRAIN out
'

test_expect_success 'with site-b still primary, promote on site-a without --force is refused after --wait' '
	if is_primary a "$J"; then onedr_a demote "$J" >/dev/null && onedr_b promote --wait 60 "$J" >/dev/null; fi &&
	is_primary b "$J" &&
	test_exit_code 1 onedr_a promote --wait 2 "$J" >out 2>/dev/null &&
	grep -q "^$POOL/$J: refused: primary on site-b: demote it there first" out &&
	is_non_primary a "$J"
'

test_done

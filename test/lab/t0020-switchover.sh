#!/bin/sh
# t0020-switchover: a planned switchover (demote on site-a, promote on site-b
# without force) keeps every byte, and each step is a no-op when repeated.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

J=$(img j) S=$(img s)

test_expect_success 'setup: a journal and a snapshot image with data, replicated' '
	mk_image a journal "$J" && mk_image a snapshot "$S" &&
	write_data a "$J" 4 && write_data a "$S" 4 &&
	wait_until 120 "$J replaying" is_replaying b "$J" &&
	wait_until 120 "$S replaying" is_replaying b "$S" &&
	md5_of a "$J" >md5.j && md5_of a "$S" >md5.s
'

test_expect_success 'demote on site-a demotes both images, one line each' '
	onedr_a demote "$J" "$S" >out &&
	grep -E "^$POOL/$J: demoted \([0-9.]+ s\)$" out &&
	grep -E "^$POOL/$S: demoted \([0-9.]+ s\)$" out &&
	grep -q "^demote: 2 images: 2 demoted, 0 unchanged, 0 refused, 0 failed, 0 timed out" out &&
	is_non_primary a "$J" && is_non_primary a "$S"
'

test_expect_success 'demote again is a no-op that succeeds' '
	onedr_a demote "$J" "$S" >out &&
	grep -q "^$POOL/$J: already non-primary" out &&
	grep -q "^$POOL/$S: already non-primary" out
'

test_expect_success 'promote on site-b without --force waits for the demotion and promotes' '
	onedr_b promote "$J" "$S" >out &&
	grep -E "^$POOL/$J: promoted \(" out &&
	grep -E "^$POOL/$S: promoted \(" out &&
	is_primary b "$J" && is_primary b "$S"
'

test_expect_success 'the data on site-b is what site-a last wrote' '
	test "$(md5_of b "$J")" = "$(cat md5.j)" &&
	test "$(md5_of b "$S")" = "$(cat md5.s)"
'

test_expect_success 'promote again is a no-op that succeeds' '
	onedr_b promote "$J" "$S" >out &&
	grep -q "^$POOL/$J: already primary" out &&
	grep -q "^$POOL/$S: already primary" out &&
	grep -q "2 unchanged" out
'

test_expect_success 'site-a replays from site-b afterwards, and status on both sides is healthy' '
	wait_until 120 "$J replaying on site-a" is_replaying a "$J" &&
	wait_until 120 "$S replaying on site-a" is_replaying a "$S" &&
	wait_until 60 "site-b status healthy" onedr_b status "$J" "$S" &&
	onedr_a status "$J" "$S" >out &&
	grep -E "^$J +journal +non-primary +up\+replaying" out
'

test_expect_success 'data written on site-b after the switchover reaches site-a' '
	write_data b "$J" 1 &&
	wait_until 120 "$J in sync" same_data "$J"
'

test_done

#!/bin/sh
# t0055-self-flip: site-a demotes its images and promotes them again at
# once, before site-b has replayed the demotion. librbd lets that promote
# through, and site-b's rbd-mirror may stop for good: with the rbd CLI, six
# cycles of pool demote + promote 5 s apart left all six images of a lab
# "up+stopped" on site-b, not replicating two minutes later nor after new
# writes; in a 200-image benchmark, half ended "split-brain detected".
# Nothing on site-a says so. onedr waits until site-b has replayed the
# demotion, then promotes.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

IMAGES="$(img j1) $(img j2) $(img j3) $(img j4)"

test_expect_success 'setup: four journal images on site-a, written, replaying on site-b' '
	for x in $IMAGES; do
		mk_image a journal "$x" && write_data a "$x" 1 || exit 1
	done &&
	for x in $IMAGES; do
		wait_until 120 "$x replaying" is_replaying b "$x" || exit 1
	done
'

test_expect_success 'three cycles of demote and immediate promote: each promote waits for site-b' '
	for c in 1 2 3; do
		onedr_a demote $IMAGES >out &&
		onedr_a promote --wait 60 $IMAGES >out &&
		test "$(grep -c ": promoted" out)" = 4 || { cat out; exit 1; }
	done &&
	for x in $IMAGES; do is_primary a "$x" || exit 1; done
'

test_expect_success 'site-b replays on, with no split-brain, and holds site-a data' '
	for x in $IMAGES; do
		write_data a "$x" 1 &&
		wait_until 120 "$x replaying on site-b" is_replaying b "$x" &&
		! rbd_b mirror image status "$POOL/$x" | grep -q split-brain || exit 1
	done &&
	onedr_a demote $IMAGES >/dev/null &&
	for x in $IMAGES; do
		wait_until 60 "$x demotion on site-b" onedr_b promote --wait 5 "$x" &&
		test "$(md5_of a "$x")" = "$(md5_of b "$x")" || exit 1
	done
'

test_done

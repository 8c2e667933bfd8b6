#!/bin/sh
# t0035-force-promote-lock: site-a dies while 10 snapshot-mode and 10
# journal-mode images replicate to site-b. Site-b's rbd-mirror, stuck on its
# dead peer, keeps watching the images and holding their exclusive locks: a
# forced promote of a snapshot-mode image waits for it to let go, and a
# journal-mode image, though promoted, refuses image-meta (EROFS). promote
# --force takes the images from this site's rbd-mirror (blocklists its
# client and breaks its locks), so all 20 become primary and writable. When
# site-a returns, site-b's rbd-mirror replicates the pool again.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=t35-$$		# a pool of its own: its rbd-mirror client is the one blocklisted
POOL=$P
IMAGES="s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 j1 j2 j3 j4 j5 j6 j7 j8 j9 j10"

test_cleanup() {
	"$LAB" start site-a >/dev/null 2>&1 || true
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

mode_of() { case $1 in s*) echo snapshot ;; *) echo journal ;; esac; }
all_replaying() {
	for x in $IMAGES; do is_replaying b "$x" || return 1; done
}

test_expect_success 'setup: a pool of its own, 10 snapshot and 10 journal images with data, replicated' '
	"$LAB" pool "$P" >/dev/null &&
	for i in $IMAGES; do
		mk_image a "$(mode_of "$i")" "$i" 16 >/dev/null && write_data a "$i" 1 || return 1
	done &&
	for i in s1 s2 s3 s4 s5 s6 s7 s8 s9 s10; do snapshot_now a "$i" || return 1; done &&
	wait_until 180 "all 20 images replaying on site-b" all_replaying &&
	wait_until 120 "s1 in sync" same_data s1 && md5_of a s1 >md5.s1 &&
	wait_until 120 "j1 in sync" same_data j1 && md5_of a j1 >md5.j1
'

test_expect_success 'with site-a killed, site-b rbd-mirror holds the image locks' '
	"$LAB" kill site-a &&
	rbd_b lock ls "$P/j1" >locks && cat locks &&
	grep -q "^client\." locks
'

test_expect_success 'promote --force --pool makes all 20 images primary' '
	timeout 600 "$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 60 --pool "$P" >out 2>err;
	echo "exit $?" >>out; cp out promote.out; cat out err &&
	grep -q "^exit 0$" out &&
	test "$(grep -c "^$P/[sj][0-9]*: promoted (forced)" out)" = 20 &&
	for i in $IMAGES; do is_primary b "$i" || { echo "$i not primary"; return 1; }; done
'

test_expect_success 'promote --force says whose lock it took: this site rbd-mirror, blocklisted' '
	grep -q "^$P/j1: promoted (forced); took the image from this site.s rbd-mirror (client\.[0-9]* at [^ ]*, blocklisted for 3600 s)" promote.out
'

test_expect_success 'right after, image-meta set succeeds on each of the 20 images' '
	for i in $IMAGES; do
		rbd_b image-meta set "$P/$i" onedr.t0035 yes || { echo "$i: image-meta set failed"; return 1; }
	done
'

test_expect_success 'the promoted copies hold what site-a last replicated' '
	test "$(md5_of b s1)" = "$(cat md5.s1)" && test "$(md5_of b j1)" = "$(cat md5.j1)"
'

test_expect_success 'a rerun is a no-op and blocklists nothing' '
	"$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 60 --pool "$P" >out &&
	test "$(grep -c "^$P/[sj][0-9]*: already primary" out)" = 20 &&
	! grep -q blocklisted out
'

# site-b's rbd-mirror starts its pool instance again with a new client: a new
# image made on site-a after its return replays on site-b.
# site-b's rbd-mirror can abort a while after its client was blocklisted
# (Ceph 16.2.15, Objecter assert); systemd restarts it on a real site,
# `lab start` does here (a daemon still running is left alone)
test_expect_success 'when site-a returns, site-b rbd-mirror replicates the pool again' '
	"$LAB" start site-a && "$LAB" start site-b &&
	wait_until 60 "site-a answers" rbd_a info "$P/j1" &&
	mk_image a journal new 16 >/dev/null && write_data a new 1 &&
	wait_until 300 "new image replaying on site-b" is_replaying b new &&
	wait_until 120 "new image in sync" same_data new
'

test_done

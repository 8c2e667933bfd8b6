#!/bin/sh
# t0080-mirror-enable: mirror-enable.c enables mirroring on one image, in
# journal or snapshot mode, clones in journal mode after their parent, and
# a rerun is a success that says so. site-b is the witness.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

RUN="$(dirname "$ONEDR")/test/lab/mirror-enable-run"
J=$(img j) S=$(img s) PS=$(img ps) CS=$(img cs) PJ=$(img pj) CJ=$(img cj) N=$(img n)
NOMIRROR=nomirror-$$ POOLMODE=poolmode-$$

test_cleanup() {
	"$LAB" rmpool "$NOMIRROR" >/dev/null 2>&1
	"$LAB" rmpool "$POOLMODE" >/dev/null 2>&1
}

enable_a() { "$RUN" "$LAB_A_CONF" "$@"; }
# plain SITE NAME: an image as `rbd create` makes it (no journaling, not mirrored)
plain() { rbd_on "$1" create "$POOL/$2" --size 32M; }
appears_b() { rbd_b info "$POOL/$1" >/dev/null 2>&1; }

test_expect_success 'a plain image is enabled in journal mode, with the features it needs' '
	plain a "$J" && write_data a "$J" &&
	enable_a journal "$POOL/$J" >out && cat out &&
	test "$(cat out)" = "enabled journal" &&
	rbd_a info "$POOL/$J" >info && grep -q "features:.*exclusive-lock.*journaling" info &&
	grep -q "mirroring mode: journal" info && grep -q "mirroring primary: true" info &&
	wait_until 120 "$J replaying on site-b" is_replaying b "$J" &&
	wait_until 120 "$J same data on both sites" same_data "$J"
'

test_expect_success 'an image is enabled in snapshot mode' '
	plain a "$S" && write_data a "$S" &&
	enable_a snapshot "$POOL/$S" >out && cat out &&
	test "$(cat out)" = "enabled snapshot" &&
	rbd_a info "$POOL/$S" | grep -q "mirroring mode: snapshot" &&
	wait_until 120 "$S replaying on site-b" is_replaying b "$S" &&
	wait_until 120 "$S same data on both sites" same_data "$S"
'

test_expect_success 'a rerun on an enabled image succeeds and says it was already mirrored' '
	enable_a journal "$POOL/$J" >out && test "$(cat out)" = "already journal" &&
	enable_a journal "$POOL/$S" >out && test "$(cat out)" = "already snapshot"
'

# OpenNebula: datastore cp made the image (mirrored, snapshot mode), then
# tm/ceph/clone snapshots it and clones the snapshot for a VM's disk.
test_expect_success 'a clone of a snapshot-mode parent goes in journal mode, with a parent mirror snapshot' '
	plain a "$PS" && write_data a "$PS" 4 &&
	enable_a snapshot "$POOL/$PS" >out && test "$(cat out)" = "enabled snapshot" &&
	rbd_a snap create "$POOL/$PS@snap" && rbd_a snap protect "$POOL/$PS@snap" &&
	rbd_a clone "$POOL/$PS@snap" "$POOL/$CS" && write_data a "$CS" 1 &&
	enable_a snapshot "$POOL/$CS" >out && cat out &&
	test "$(cat out)" = "enabled journal, clone of $POOL/$PS, parent already, parent snapshot taken" &&
	rbd_a info "$POOL/$CS" | grep -q "mirroring mode: journal" &&
	wait_until 180 "$CS replaying on site-b" is_replaying b "$CS" &&
	wait_until 120 "$CS same data on both sites" same_data "$CS"
'

test_expect_success 'a rerun on that clone takes no second parent snapshot' '
	enable_a snapshot "$POOL/$CS" >out && cat out &&
	test "$(cat out)" = "already journal, clone of $POOL/$PS, parent already"
'

test_expect_success 'a clone of an unmirrored parent enables the parent first' '
	plain a "$PJ" && write_data a "$PJ" 4 &&
	rbd_a snap create "$POOL/$PJ@snap" && rbd_a snap protect "$POOL/$PJ@snap" &&
	rbd_a clone "$POOL/$PJ@snap" "$POOL/$CJ" && write_data a "$CJ" 1 &&
	enable_a journal "$POOL/$CJ" >out && cat out &&
	test "$(cat out)" = "enabled journal, clone of $POOL/$PJ, parent enabled" &&
	rbd_a info "$POOL/$PJ" | grep -q "mirroring mode: journal" &&
	wait_until 180 "$CJ replaying on site-b" is_replaying b "$CJ" &&
	wait_until 120 "$CJ same data on both sites" same_data "$CJ"
'

test_expect_success 'an image in a pool with mirroring disabled is an error naming the pool' '
	timeout 60 ceph -c "$LAB_A_CONF" osd pool create "$NOMIRROR" 8 >/dev/null 2>&1 &&
	rbd_a pool init "$NOMIRROR" && rbd_a create "$NOMIRROR/$N" --size 8M &&
	test_exit_code 1 enable_a journal "$NOMIRROR/$N" >out && cat out &&
	grep -q "^error: mirroring is disabled on pool .$NOMIRROR.: " out &&
	! rbd_a info "$NOMIRROR/$N" | grep -q journaling
'

# (site-a only: mirroring in "pool" mode needs no peer to be enabled)
test_expect_success 'in a pool mirrored in "pool" mode, journaling alone mirrors the image, whatever the mode asked' '
	timeout 60 ceph -c "$LAB_A_CONF" osd pool create "$POOLMODE" 8 >/dev/null 2>&1 &&
	rbd_a pool init "$POOLMODE" && rbd_a mirror pool enable "$POOLMODE" pool &&
	rbd_a create "$POOLMODE/$N" --size 8M &&
	enable_a snapshot "$POOLMODE/$N" >out && cat out && test "$(cat out)" = "enabled journal" &&
	rbd_a info "$POOLMODE/$N" >info && grep -q "features:.*journaling" info &&
	grep -q "mirroring state: enabled" info && grep -q "mirroring mode: journal" info &&
	enable_a journal "$POOLMODE/$N" >out && test "$(cat out)" = "already journal"
'

test_expect_success 'a missing image is an error naming it' '
	test_exit_code 1 enable_a journal "$POOL/$N" >out && cat out &&
	grep -q "^error: no image .$POOL/$N.: No such file or directory" out
'

test_done

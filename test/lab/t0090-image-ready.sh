#!/bin/bash
# t0090-image-ready: the IMAGE STATE=READY hook mirrors the image's RBD from
# the payload oned sends (a real oned 7.0.2 payload, its SOURCE pointed at a
# test image), idempotently, and skips images that are not on Ceph.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

FIX="$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks"
J=$(img j) S=$(img s)

# payload NAME [SED]: the cp-2 READY payload, base64, its SOURCE one/NAME
payload() {
	base64 -d <"$FIX/state-image-ready.ceph-cp-2.created-by-cp.stdin.b64" |
	sed "s|<SOURCE><!\[CDATA\[one/one-2\]\]></SOURCE>|<SOURCE><![CDATA[$POOL/$1]]></SOURCE>|; ${2:-}" |
	base64 -w0
}
hook_a() { ONEDR_CONF="${CONF:-$LAB_A_ONEDR_CONF}" "$ONEDR" hook/image-ready "$@"; }
hook_b() { ONEDR_CONF="$LAB_B_ONEDR_CONF" "$ONEDR" hook/image-ready "$@"; }

test_expect_success 'a new Ceph image is mirrored from the payload on stdin (journal, the default)' '
	rbd_a create "$POOL/$J" --size 16M && write_data a "$J" 1 &&
	payload "$J" >p && grep -q "$J" <(base64 -d p) &&
	hook_a <p >out 2>err && cat out err &&
	test "$(cat out)" = "image 2 (ceph-cp-2): $POOL/$J mirrored in journal mode" &&
	test ! -s err &&
	wait_until 120 "$J replaying on site-b" is_replaying b "$J"
'

test_expect_success 'fired again (USED -> READY), it says the image was mirrored already' '
	hook_a <p >out && test "$(cat out)" = "image 2 (ceph-cp-2): $POOL/$J was mirrored already in journal mode"
'

test_expect_success 'the payload as argument (no ARGUMENTS_STDIN) works the same' '
	hook_a "$(cat p)" </dev/null >out && grep -q "was mirrored already" out
'

test_expect_success 'on site-b, the non-primary copy is left alone' '
	hook_b <p >out && cat out &&
	test "$(cat out)" = "image 2 (ceph-cp-2): $POOL/$J is a non-primary copy here (mirrored from the peer): nothing to do"
'

test_expect_success 'MIRROR_MODE = snapshot mirrors in snapshot mode' '
	{ cat "$LAB_A_ONEDR_CONF"; echo "MIRROR_MODE = \"snapshot\""; } >snap.conf &&
	rbd_a create "$POOL/$S" --size 16M &&
	payload "$S" >ps && CONF=$PWD/snap.conf hook_a <ps >out && cat out &&
	test "$(cat out)" = "image 2 (ceph-cp-2): $POOL/$S mirrored in snapshot mode" &&
	wait_until 120 "$S replaying on site-b" is_replaying b "$S"
'

test_expect_success 'an image not on Ceph is skipped with one line, exit 0' '
	payload x "s|<DISK_TYPE>3</DISK_TYPE>|<DISK_TYPE>0</DISK_TYPE>|" >pf &&
	hook_a <pf >out 2>err && cat out err &&
	test "$(cat out)" = "image 2 (ceph-cp-2): not on Ceph (DISK_TYPE 0, not RBD): skipped" && test ! -s err
'

test_expect_success 'a missing RBD is one ERROR line naming it, exit 1' '
	payload "nothing-$J" >pm &&
	test_exit_code 1 hook_a <pm >out 2>err && cat err && one_line err &&
	grep -q "^ERROR: hook/image-ready: image 2 (ceph-cp-2): no image .$POOL/nothing-$J." err
'

test_expect_success 'a VM payload is refused: this hook is for images' '
	test_exit_code 2 hook_a <"$FIX/state-vm-running.ceph-vm-0.first-boot.stdin.b64" 2>err &&
	one_line err && grep -q "not an <IMAGE>" err
'

test_done

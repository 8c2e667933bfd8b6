#!/bin/sh
# t0089-standin-ceph-drivers: the oned stand-in drives the stock-like Ceph
# drivers of test/oned/remotes (what OpenNebula 7.0.2's tm/ceph and
# datastore/ceph do on the Ceph side) against site-a: image cp, mkfs, clone
# and rm, a VM's ln/clone/mkimage/mkswap at deploy and delete at terminate,
# and a failing clone. The RBD names are checked with the rbd CLI.
# The drivers find the cluster in the stand-in's environment (CEPH_CONF,
# CEPH_ARGS), which it passes to them.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t88-$$
POOL=$P
SA=
PW=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

test_cleanup() {
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

call() {
	python3 - "$(cat "$TRASH/a.port")" "$PW" "$@" <<'PY'
import sys, xmlrpc.client
port, pw, method = sys.argv[1:4]
args = []
for a in sys.argv[4:]:
    t, v = (a[0], a[2:]) if a[:2] in ("i:", "b:") else ("s", a)
    args.append(int(v) if t == "i" else bool(int(v)) if t == "b" else v)
r = getattr(xmlrpc.client.ServerProxy("http://127.0.0.1:%s/RPC2" % port), method)("oneadmin:" + pw, *args)
if not r[0]:
    sys.exit("%s: %s" % (method, r[1]))
print(r[1])
PY
}
settle() { call standin.settle i:120 >/dev/null; }
vm_state() { call one.vm.info "i:$1" | sed -n 's/.*<STATE>\([0-9]*\)<\/STATE><LCM_STATE>\([0-9]*\)<.*/\1\/\2/p'; }
img_state() { call one.image.info "i:$1" | sed -n 's/.*<STATE>\([0-9]*\)<\/STATE>.*/\1/p'; }
has() { rbd_a ls "$P" | grep -qx "$1"; }

CEPH_ATTRS="DISK_TYPE=RBD CEPH_HOST=127.0.0.1 CEPH_USER=admin CEPH_SECRET=6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b BRIDGE_LIST=localhost POOL_NAME=$P"

test_expect_success 'setup: a pool, a stand-in running the stock-like Ceph drivers on site-a' '
	"$LAB" pool "$P" >/dev/null &&
	printf "oneadmin:%s\n" "$PW" >"$TRASH/auth" && chmod 600 "$TRASH/auth" &&
	"$TOP_SRCDIR/test/oned/mkremotes" "$TRASH/remotes" ceph &&
	for s in a; do
		CEPH_CONF="$LAB_A_CONF" CEPH_ARGS="--keyring $LAB_A_KEYRING" \
		"$TOP_SRCDIR/test/oned/oned-standin" --port 0 --state "$TRASH/oned-a" --auth "$TRASH/auth" \
			--step-delay 0 --monitor-interval 0 --remotes "$TRASH/remotes" \
			>"$TRASH/a.port" 2>"$TRASH/oned-a.log" &
		echo $! >"$TRASH/a.pid"
	done &&
	wait_until 20 "stand-in listening" test -s "$TRASH/a.port" &&
	call one.host.allocate host-a dummy dummy i:-1 &&
	call one.datastore.allocate "NAME=ceph-img DS_MAD=ceph TM_MAD=ceph SAFE_DIRS=$TRASH $CEPH_ATTRS" i:-1 &&
	call one.datastore.allocate "NAME=ceph-sys TYPE=SYSTEM_DS TM_MAD=ceph $CEPH_ATTRS" i:-1 &&
	settle
'
SA=$(cat "$TRASH/a.pid" 2>/dev/null)

test_expect_success 'the datastore monitor reports the pool (ceph df)' '
	call one.datastore.info i:100 >ds && grep -q "<TOTAL_MB>[1-9][0-9]*</TOTAL_MB>" ds
'

test_expect_success 'image by PATH: stat measures it, cp imports it as POOL/one-0' '
	truncate -s 8M "$TRASH/disk.raw" &&
	call one.image.allocate "NAME=cp PATH=$TRASH/disk.raw TYPE=OS" i:100 >id && test "$(cat id)" = 0 &&
	settle && test "$(img_state 0)" = 1 && has one-0 &&
	call one.image.info i:0 >img && grep -q "<SOURCE><!\[CDATA\[$P/one-0\]\]></SOURCE>" img &&
	grep -q "<SIZE>8</SIZE>" img && grep -q "<FORMAT><!\[CDATA\[raw\]\]></FORMAT>" img
'

test_expect_success 'datablock: mkfs creates POOL/one-1; clone copies image 0 to POOL/one-2' '
	call one.image.allocate "NAME=blk TYPE=DATABLOCK SIZE=16 PERSISTENT=YES" i:100 >/dev/null &&
	call one.image.clone i:0 cl i:-1 >/dev/null && settle &&
	test "$(img_state 1)" = 1 && has one-1 && test "$(img_state 2)" = 1 && has one-2 &&
	test "$(img_state 0)" = 1
'

test_expect_success 'deploy: ln, clone from @snap, mkimage, mkswap make the RBD names of the stock drivers' '
	call one.vm.allocate "NAME=v MEMORY=64 DISK=[IMAGE_ID=1] DISK=[IMAGE_ID=0,SIZE=12] DISK=[TYPE=fs,SIZE=8,FORMAT=raw] DISK=[TYPE=swap,SIZE=4]" b:1 >/dev/null &&
	call one.vm.deploy i:0 i:0 b:0 i:101 >/dev/null && settle &&
	test "$(vm_state 0)" = 3/3 &&
	has one-0-0-1 && has one-sys-0-2 && has one-sys-0-3 &&
	rbd_a info "$P/one-0-0-1" >info && grep -q "parent: $P/one-0@snap" info &&
	grep -q "size 12 MiB" info
'

test_expect_success 'terminate: the clone and the volatile disks are deleted, @snap and the images stay or go as the stock drivers do' '
	call one.vm.action terminate-hard i:0 >/dev/null && settle &&
	test "$(vm_state 0)" = 6/0 &&
	! has one-0-0-1 && ! has one-sys-0-2 && ! has one-sys-0-3 &&
	has one-0 && has one-1 && ! rbd_a info "$P/one-0@snap" >/dev/null 2>&1
'

# (as with the stock driver, the lines of the failed script that follow the
# ERROR: line are taken for the reason, so ERROR starts with the script)
test_expect_success 'a failing clone (image RBD missing): PROLOG_FAILURE with the transfer error' '
	call one.image.allocate "NAME=ghost SOURCE=$P/ghost FORMAT=raw SIZE=8" i:100 b:1 >id &&
	call one.vm.allocate "NAME=w MEMORY=64 DISK=[IMAGE_ID=$(cat id)]" b:1 >/dev/null &&
	call one.vm.deploy i:1 i:0 b:0 i:101 >/dev/null && settle &&
	test "$(vm_state 1)" = 3/39 &&
	call one.vm.info i:1 | grep -q "<ERROR><!\[CDATA\[.*: Error executing image transfer script: " &&
	! has ghost-1-0
'

test_expect_success 'image delete: rm removes the RBD and the image' '
	call one.image.delete i:2 b:0 >/dev/null && settle &&
	! has one-2 && ! call one.image.info i:2 >/dev/null 2>&1
'

test_done

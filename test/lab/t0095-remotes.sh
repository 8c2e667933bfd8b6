#!/bin/bash
# t0095-remotes: the onedr TM and datastore drivers in front of stock-like
# ceph actions that really make the RBDs (test/oned/remotes: the rbd
# commands of OpenNebula 7.0.2's drivers, run on the lab). What they make is
# mirrored; a non-primary copy is refused by tm ln, tm clone and
# datastore rm; a primary image's deletion reaches the peer.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t95-$$		# a pool of its own: the drivers' names are one-<ID>
PW=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
FIX="$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/drivers"
REMOTES="$TRASH/remotes"
FILE=/var/tmp/onedr-t0095-$$.raw	# the datastore's SAFE_DIRS

test_cleanup() {
	[ -s "$TRASH/a.pid" ] && kill "$(cat "$TRASH/a.pid")" 2>/dev/null
	rm -f "$FILE"
	"$LAB" rmpool "$P" >/dev/null 2>&1
}

# remote SITE KIND/ACTION ARG...: the onedr action as oned runs it on SITE,
# the stock-like ceph actions on that site's cluster; stdin is passed on
remote() {
	local s=$1 a=$2 conf ceph key
	shift 2
	if [ "$s" = a ]; then conf=a.conf ceph=$LAB_A_CONF key=$LAB_A_KEYRING
	else conf=b.conf ceph=$LAB_B_CONF key=$LAB_B_KEYRING; fi
	ONEDR_CONF="$TRASH/$conf" CEPH_CONF="$ceph" CEPH_ARGS="--keyring $key" \
	ONE_XMLRPC="http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2" ONE_AUTH="$TRASH/auth" \
		"$REMOTES/${a%%/*}/onedr/${a#*/}" "$@"
}

# ds_data FIXTURE ID: a fixture's DS_DRIVER_ACTION_DATA for image ID in pool P
ds_data() {
	base64 -d <"$FIX/$1.stdin.b64" |
	sed "s|<POOL_NAME><!\[CDATA\[one\]\]>|<POOL_NAME><![CDATA[$P]]>|g;
	     s|<ID>[0-9]*</ID><UID>|<ID>$2</ID><UID>|;
	     s|/var/tmp/tiny-alpine.raw|$FILE|g;
	     s|<SOURCE><!\[CDATA\[one/|<SOURCE><![CDATA[$P/|" | base64 -w0
}

test_expect_success 'setup: a pool, an oned stand-in with a VM, the stock-like ceph drivers under driver onedr' '
	"$LAB" pool "$P" >/dev/null &&
	printf "oneadmin:%s\n" "$PW" >auth && chmod 600 auth &&
	{ "$TOP_SRCDIR/test/oned/oned-standin" --port 0 --state "$TRASH/oned-a" --auth "$TRASH/auth" \
		--step-delay 0 --monitor-interval 0 >a.port 2>oned-a.log & echo $! >a.pid; } &&
	wait_until 20 "stand-in listening" test -s a.port &&
	VM=$(call a one.vm.allocate "NAME=t95 CPU=0.1 MEMORY=64 DISK=[TYPE=fs, SIZE=16, FORMAT=raw, POOL_NAME=$P]" b:1) &&
	echo "$VM" >vm.id &&
	"$TOP_SRCDIR/test/oned/mkremotes" "$REMOTES" ceph &&
	mkdir -p "$REMOTES/tm/onedr" "$REMOTES/datastore/onedr" &&
	for a in $(ls "$REMOTES/tm/ceph/"); do ln -s "$ONEDR" "$REMOTES/tm/onedr/$a"; done &&
	for a in $(ls "$REMOTES/datastore/ceph/"); do ln -s "$ONEDR" "$REMOTES/datastore/onedr/$a"; done &&
	# POOL stays "one": tm mkimage finds the pool in the VM, as the stock does
	{ cat "$LAB_A_ONEDR_CONF"; echo "REMOTES = \"$REMOTES\""
	  echo "ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat a.port)/RPC2\", AUTH = \"$TRASH/auth\" ]"; } >a.conf &&
	{ cat "$LAB_B_ONEDR_CONF"; echo "REMOTES = \"$REMOTES\""; } >b.conf &&
	truncate -s 8M "$FILE" && printf "some data" | dd of="$FILE" conv=notrunc 2>/dev/null
'
VM=$(cat "$TRASH/vm.id" 2>/dev/null)
SYS=/var/lib/one//datastores/101/$VM

test_expect_success 'datastore cp prints the stock SOURCE and mirrors the new image' '
	ds_data 0004.datastore.ceph.cp 2 >in &&
	remote a datastore/cp 2 <in >out 2>err && cat out err &&
	test "$(cat out)" = "$P/one-2 raw" &&
	POOL=$P is_primary a one-2 && rbd_a info "$P/one-2" | grep -q "mirroring mode: journal" &&
	POOL=$P wait_until 120 "one-2 replaying on site-b" is_replaying b one-2
'

test_expect_success 'datastore mkfs prints the stock SOURCE and mirrors the new image' '
	ds_data 0006.datastore.ceph.mkfs 3 >in &&
	remote a datastore/mkfs 3 <in >out 2>err && cat out err &&
	test "$(cat out)" = "$P/one-3" && POOL=$P is_primary a one-3
'

test_expect_success 'datastore mkfs of a disk-saveas target mirrors nothing (tm cpds will)' '
	ds_data 0013.datastore.ceph.mkfs 5 >in &&
	remote a datastore/mkfs 5 <in >out 2>err && cat out err &&
	test "$(cat out)" = "$P/one-5" && ! rbd_a info "$P/one-5" 2>/dev/null
'

test_expect_success 'tm clone leaves a mirrored clone (journal) with the image data on site-b' '
	remote a tm/clone "fe:$P/one-2" "host:$SYS/disk.1" "$VM" 100 >out 2>err; code=$?; cat out err &&
	test $code -eq 0 && ! grep -q "^ERROR" err &&
	rbd_a info "$P/one-2-$VM-1" >info && grep -q "parent: $P/one-2@snap" info &&
	grep -q "mirroring mode: journal" info && grep -q "mirroring primary: true" info &&
	POOL=$P wait_until 180 "the clone replaying on site-b" is_replaying b "one-2-$VM-1" &&
	POOL=$P wait_until 120 "the clone has the same data on site-b" same_data "one-2-$VM-1"
'

test_expect_success 'tm mkimage leaves a mirrored volatile disk, in the pool of the VM'"'"'s disk' '
	remote a tm/mkimage 16 raw "host:$SYS/disk.0" "$VM" 101 >out 2>err; code=$?; cat out err &&
	test $code -eq 0 && POOL=$P is_primary a "one-sys-$VM-0" &&
	POOL=$P wait_until 120 "the volatile disk replaying on site-b" is_replaying b "one-sys-$VM-0"
'

test_expect_success 'tm ln of the non-primary copy on site-b is refused, naming the image and the site' '
	test_exit_code 1 remote b tm/ln "fe:$P/one-2" "host:$SYS/disk.2" "$VM" 100 2>err &&
	cat err && driver_error err &&
	grep -q "^ERROR: tm/ln: image .$P/one-2. is non-primary on site .site-b.: refusing" err
'

test_expect_success 'tm clone of the non-primary copy on site-b is refused before the stock action' '
	test_exit_code 1 remote b tm/clone "fe:$P/one-3" "host:$SYS/disk.3" "$VM" 100 2>err &&
	cat err && driver_error err && grep -q "^ERROR: tm/clone: image .$P/one-3. is non-primary on site .site-b." err &&
	! rbd_b info "$P/one-3-$VM-3" 2>/dev/null && ! rbd_b info "$P/one-3@snap" 2>/dev/null
'

test_expect_success 'datastore rm of the non-primary copy on site-b is refused; the image stays on both sites' '
	ds_data 0030.datastore.ceph.rm 3 | base64 -d | sed "s|$P/one-2|$P/one-3|" | base64 -w0 >in &&
	test_exit_code 1 remote b datastore/rm 3 <in 2>err && cat err && driver_error err &&
	grep -q "^ERROR: datastore/rm: image .$P/one-3. is non-primary on site .site-b.: refusing to delete" err &&
	rbd_a info "$P/one-3" >/dev/null && rbd_b info "$P/one-3" >/dev/null
'

test_expect_success 'datastore rm of the primary on site-a deletes it, and rbd-mirror removes the copy on site-b' '
	POOL=$P wait_until 120 "one-3 replaying on site-b" is_replaying b one-3 &&
	remote a datastore/rm 3 <in 2>err; code=$?; cat err && test $code -eq 0 &&
	! rbd_a info "$P/one-3" 2>/dev/null &&
	wait_until 60 "the copy on site-b deleted" sh -c "! rbd -c \"$LAB_B_CONF\" info \"$P/one-3\" 2>/dev/null"
'

test_done

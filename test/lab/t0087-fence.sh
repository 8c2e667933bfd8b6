#!/bin/sh
# t0087-fence: onedr fence and unfence, and the host-error hooks, on site-a.
# The lab runs every daemon and client on 127.0.0.1, this front-end's own
# address, which is never fenced. The hypervisor hosts are
# test/lab/rbd-writer, a librbd client whose connections come from 127.0.0.2
# (or .4): Linux routes all of 127/8 to lo, and the OSDs tell the clients
# apart by that address. Each host's ONEDR_FENCE_ADDRESS names it. An oned
# stand-in holds the hosts and their VMs, fires the HOST STATE=ERROR hook
# and takes the recovery calls. rbd and ceph are the independent witnesses.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

WRITER=$(dirname "$ONEDR")/test/lab/rbd-writer
PW=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
IMG=fence-$$		# the VMs' disks: $IMG-0, $IMG-1, $IMG-2
FAKE=onedr-t0087-$$	# a stand-in for this site's rbd-mirror, on 127.0.0.3
SA=

test_cleanup() {
	for f in "$TRASH"/*.wpid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	for a in 127.0.0.2 127.0.0.4; do
		timeout 30 ceph -c "$LAB_A_CONF" osd blocklist rm "$a" >/dev/null 2>&1
	done
	for i in 0 1 2; do rbd_a rm "$POOL/$IMG-$i" >/dev/null 2>&1; done
	true
}

onedr_f() { "$ONEDR" -c "$TRASH/a.conf" "$@"; }
blocklist() { timeout 30 ceph -c "$LAB_A_CONF" osd blocklist ls 2>/dev/null; }
watchers() { rbd_a status "$POOL/$1" | sed -n 's/^[[:space:]]*watcher=\([^ ]*\) .*/\1/p'; }
vm_state() { call a one.vm.info "i:$1" | sed -n 's/.*<STATE>\([0-9]*\)<\/STATE><LCM_STATE>\([0-9]*\)<.*/\1\/\2/p'; }
vm_is() { [ "$(vm_state "$1")" = "$2" ]; }
# writer NAME IMAGE ADDR: a guest writing IMAGE from ADDR, in the background
writer() {
	"$WRITER" write "$LAB_A_CONF" "$POOL" "$2" "$3" >"$TRASH/$1.log" 2>&1 &
	echo $! >"$TRASH/$1.wpid"
}
# hook_run HOOK_ID EXEC: "CODE", then the run's stdout and stderr, decoded
hook_run() {
	call a one.hook.info "i:$1" | python3 -c '
import base64, re, sys
s, n = sys.stdin.read(), sys.argv[1]
for rec in re.findall(r"<HOOK_EXECUTION_RECORD>(.*?)</HOOK_EXECUTION_RECORD>", s, re.S):
    if re.search(r"<EXECUTION_ID>(\d+)<", rec).group(1) != n:
        continue
    print("CODE", re.search(r"<CODE>(-?\d+)</CODE>", rec).group(1))
    for f in ("STDOUT", "STDERR"):
        v = re.search(r"<%s>(.*?)</%s>" % (f, f), rec, re.S).group(1)
        sys.stdout.write(base64.b64decode(v).decode())
' "$2"
}
# host_error HOST_ID: the host goes to ERROR (its RUNNING VMs to UNKNOWN),
# the stand-in runs the hooks and returns once they are done
host_error() { call a standin.host.state "i:$1" ERROR "" b:1 >/dev/null && call a standin.settle i:120 >/dev/null; }

CEPH_ATTRS='DISK_TYPE=RBD CEPH_HOST=127.0.0.1 CEPH_USER=admin CEPH_SECRET=6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b BRIDGE_LIST=localhost'

test_expect_success 'setup: an oned stand-in with four hosts, each with a VM whose disk is an RBD' '
	# the addresses of the hosts are this test own: no fence left by an earlier run
	test_cleanup &&
	printf "oneadmin:%s\n" "$PW" >"$TRASH/auth" && chmod 600 "$TRASH/auth" &&
	mkdir -p rem/hooks/onedr rem/hooks/ft &&
	ln -s "$ONEDR" rem/hooks/onedr/host-error && ln -s "$ONEDR" rem/hooks/ft/fence_host.sh || exit 1
	# the TM actions the stand-in runs at deploy are recorders: the RBDs are made here
	"$TOP_SRCDIR/test/oned/mkremotes" "$TRASH/remotes" recorder ceph &&
	# the hooks find onedr.conf where the stand-in runs them
	ONEDR_CONF="$TRASH/a.conf" "$TOP_SRCDIR/test/oned/oned-standin" --port 0 --state "$TRASH/oned-a" \
		--auth "$TRASH/auth" --step-delay 0 --monitor-interval 0 --remotes "$TRASH/remotes" \
		>"$TRASH/a.port" 2>"$TRASH/oned-a.log" &
	echo $! >"$TRASH/a.pid" &&
	wait_until 20 "the stand-in listening" test -s "$TRASH/a.port" &&
	{ cat "$LAB_A_ONEDR_CONF"
	  echo "ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2\", AUTH = \"$TRASH/auth\" ]"
	  echo "FENCE_WAIT = \"30\""; } >"$TRASH/a.conf" &&
	call a one.host.allocate fence-host dummy dummy i:-1 &&
	call a one.host.allocate mig-host dummy dummy i:-1 &&
	call a one.host.allocate frontend-host dummy dummy i:-1 &&
	call a one.host.allocate no-such-host.invalid dummy dummy i:-1 &&
	call a one.host.update i:0 "ONEDR_FENCE_ADDRESS = \"127.0.0.2\"" i:1 &&
	call a one.host.update i:1 "ONEDR_FENCE_ADDRESS = \"127.0.0.4\"" i:1 &&
	call a one.host.update i:2 "ONEDR_FENCE_ADDRESS = \"127.0.0.1\"" i:1 &&
	call a one.datastore.allocate "NAME=ceph-img DS_MAD=ceph TM_MAD=ceph POOL_NAME=$POOL $CEPH_ATTRS" i:-1 &&
	call a one.datastore.allocate "NAME=ceph-sys TYPE=SYSTEM_DS TM_MAD=ceph POOL_NAME=$POOL $CEPH_ATTRS" i:-1 &&
	for i in 0 1 2; do
		rbd_a create "$POOL/$IMG-$i" --size 64M --image-feature layering,exclusive-lock &&
		call a one.image.allocate "NAME=img-$i SOURCE=$POOL/$IMG-$i FORMAT=raw SIZE=64 PERSISTENT=YES TYPE=OS" i:100 b:1 &&
		call a one.vm.allocate "NAME=vm-$i CPU=1 MEMORY=64 DISK=[IMAGE_ID=$i]" b:0 &&
		call a one.vm.deploy "i:$i" "i:$i" b:0 i:101 || exit 1
	done &&
	# a Ceph deploy runs its TM actions first: RUNNING comes a little later
	for i in 0 1 2; do wait_until 30 "VM $i RUNNING" vm_is "$i" 3/3 || exit 1; done
'
SA=$(cat "$TRASH/a.pid" 2>/dev/null)

test_expect_success 'an rbd-mirror of this site (in the mgr service map) is never fenced' '
	"$WRITER" service "$LAB_A_CONF" 127.0.0.3 "$FAKE" >fake.log 2>&1 &
	echo $! >fake.wpid &&
	wait_until 30 "the fake rbd-mirror registered" grep -q registered fake.log &&
	wait_until 30 "it in the service map" sh -c "timeout 10 ceph -c \"$LAB_A_CONF\" service dump 2>/dev/null | grep -q \"$FAKE\"" &&
	test_exit_code 2 onedr_f fence --address 127.0.0.3 >out 2>err && one_line err &&
	grep -q "^ERROR: fence: refusing to fence 127.0.0.3 for host .127.0.0.3.: it is this site.s rbd-mirror .$FAKE. (daemon $FAKE)$" err &&
	test_exit_code 2 onedr_f fence --address 127.0.0.0/30 --dry-run >out 2>err &&
	grep -q "refusing to fence 127.0.0.0/30 .*: it is this front-end (lo)" err &&
	! grep -q "would fence" out && ! blocklist | grep -q "127\.0\.0\.[03]"
'
kill "$(cat "$TRASH/fake.wpid" 2>/dev/null)" 2>/dev/null

test_expect_success 'the front-end'"'"'s own address is never fenced, nor a range that covers it' '
	test_exit_code 2 onedr_f fence frontend-host >out 2>err && one_line err &&
	grep -q "^ERROR: fence: refusing to fence 127.0.0.1 for host .frontend-host.: it is this front-end (lo)$" err &&
	grep -q "^host .frontend-host.: addresses 127.0.0.1 (from ONEDR_FENCE_ADDRESS)$" out &&
	test_exit_code 2 onedr_f fence 2 --address 127.0.0.0/8 >out 2>err && one_line err &&
	grep -q "refusing to fence 127.0.0.0/8 for host .frontend-host.: it is this front-end (lo)" err &&
	! blocklist | grep -q "^127\.0\.0\.1:0/0 \|cidr:127"
'

test_expect_success 'a host whose name does not resolve is an error, not a guess' '
	test_exit_code_in "2 3" onedr_f fence no-such-host.invalid >out 2>err && one_line err &&
	grep -q "^ERROR: fence: host .no-such-host.invalid.: cannot resolve host .no-such-host.invalid.: " err &&
	test_exit_code 2 onedr_f fence nosuch 2>err && one_line err &&
	grep -q "no host .nosuch. in OpenNebula" err &&
	test_exit_code 2 onedr_f fence --address host-2 2>err && one_line err &&
	grep -q "^ERROR: fence: --address: .host-2. is not an IP address" err
'

test_expect_success 'a guest on the host (127.0.0.2) writes its VM'"'"'s disk and watches it' '
	writer w0 "$IMG-0" 127.0.0.2 &&
	wait_until 60 "the guest writing" grep -q "^writing$" w0.log &&
	watchers "$IMG-0" | grep -q "^127\.0\.0\.2:"
'

test_expect_success 'fence --dry-run blocklists nothing and shows the host'"'"'s watcher' '
	onedr_f fence fence-host --dry-run >out 2>err &&
	grep -q "^would fence 127.0.0.2 until " out &&
	grep -q "^VM 0 (vm-0): disk 0 $POOL/$IMG-0: watched from the host by client\.[0-9]* at 127\.0\.0\.2:" out &&
	! blocklist | grep -q "^127\.0\.0\.2:0/0 " && sleep 1 && ! grep -q failed w0.log
'

test_expect_success 'fence: the guest'"'"'s writes fail with EBLOCKLISTED, its watch goes, onedr'"'"'s own client works' '
	onedr_f fence fence-host >out 2>err &&
	grep -q "^fenced 127.0.0.2 until .*: the OSDs refuse its clients$" out &&
	grep "^VM 0 (vm-0): disk 0 $POOL/$IMG-0: " out >disk &&
	grep -q "the host.s watcher client\.[0-9]* is gone, seen [0-9.]* s after the fence$" disk &&
	grep -q "^fence: host .fence-host.: 1 disk of 1 VM checked, no watcher from the host left$" out &&
	wait_until 30 "the guest refused" grep -q "^write failed: -108 " w0.log &&
	blocklist | grep -q "^127\.0\.0\.2:0/0 " && ! watchers "$IMG-0" | grep -q "^127\.0\.0\.2:" &&
	! "$WRITER" open "$LAB_A_CONF" "$POOL" "$IMG-0" 127.0.0.2 >new.log && grep -q "^open failed: -108 " new.log &&
	onedr_f fence --list fence-host >out &&
	grep -q "^127\.0\.0\.2:0/0 until .*: fenced (every client of the address)$" out &&
	rbd_a bench --io-type write --io-size 4K --io-total 64K "$POOL/$IMG-0" >/dev/null
'

# what was measured: when the first look after the fence saw the watch gone
[ -s "$TRASH/disk" ] && sed -n 's/.*gone, \(seen [0-9.]* s after the fence\)$/# watch drop: \1/p' "$TRASH/disk"

test_expect_success 'fencing again succeeds and changes nothing but the expiry' '
	onedr_f fence fence-host --expire 600 >out 2>err &&
	grep -q "^fenced 127.0.0.2 until " out && grep -q "no watcher from the host left$" out &&
	test "$(blocklist | grep -c "^127\.0\.0\.2:0/0 ")" = 1
'

test_expect_success 'unfence: a new client from the host'"'"'s address connects and writes again' '
	onedr_f unfence fence-host >out 2>err &&
	grep -q "^unfenced 127.0.0.2: its clients may connect again$" out &&
	! blocklist | grep -q "^127\.0\.0\.2:0/0 " &&
	"$WRITER" open "$LAB_A_CONF" "$POOL" "$IMG-0" 127.0.0.2 >new.log && grep -q "^wrote$" new.log &&
	onedr_f unfence fence-host >out 2>err && grep -q "^127.0.0.2: not fenced$" out
'

test_expect_success 'the host-error hook (-r) fences the host, then recreates its VM' '
	writer w0b "$IMG-0" 127.0.0.2 &&
	wait_until 60 "the guest writing" grep -q "^writing$" w0b.log &&
	call a one.hook.allocate "NAME=host-error TYPE=state RESOURCE=HOST STATE=ERROR
		COMMAND=$TRASH/rem/hooks/onedr/host-error ARGUMENTS=\"\$TEMPLATE -r\" ARGUMENTS_STDIN=yes" >/dev/null &&
	host_error 0 && hook_run 0 0 >run &&
	grep -q "^CODE 0$" run && grep -q "^fenced 127.0.0.2 until " run &&
	grep -q "no watcher from the host left$" run &&
	grep -q "^VM 0 (vm-0): recreated (one.vm.recover delete-recreate)$" run &&
	test "$(vm_state 0)" = 1/0 &&
	wait_until 30 "the guest refused" grep -q "^write failed: -108 " w0b.log
'

test_expect_success 'fired twice, the hook fences again and recovers nothing more' '
	call a standin.host.state i:0 MONITORED >/dev/null && host_error 0 && hook_run 0 1 >run &&
	grep -q "^CODE 0$" run && grep -q "^fenced 127.0.0.2 until " run &&
	grep -q "^host-error: host .fence-host. (0) fenced; no VM of it to recover$" run &&
	test "$(vm_state 0)" = 1/0
'

test_expect_success 'the hook recovers nothing on a host it must not fence' '
	host_error 2 && hook_run 0 2 >run &&
	grep -q "^CODE 2$" run &&
	grep -q "^ERROR: hook/host-error: refusing to fence 127.0.0.1 for host .frontend-host.: it is this front-end (lo)$" run &&
	grep -q "^ERROR: hook/host-error: host .frontend-host. (2): its VMs are NOT recovered" run &&
	! grep -q "recreated" run && test "$(vm_state 2)" = 3/16
'

test_expect_success 'a host that is no longer in ERROR when the hook runs is left alone' '
	call a standin.host.state i:0 MONITORED >/dev/null &&
	{ timeout 30 ceph -c "$LAB_A_CONF" osd blocklist rm 127.0.0.2 >/dev/null 2>&1 || true; } &&
	call a one.host.info i:0 | tr -d "\n" | base64 -w0 >h0.b64 &&
	printf "%s -r" "$(cat h0.b64)" | ONEDR_CONF="$TRASH/a.conf" "$ONEDR" hook/host-error >out 2>err &&
	grep -q "^host .fence-host. (0) is no longer in ERROR (state 2): it came back, nothing done$" out &&
	! grep -q fenced out && ! blocklist | grep -q "^127\.0\.0\.2:0/0 "
'

test_expect_success 'the host-error hook with -m reschedules the host'"'"'s VM after the fence' '
	writer w1 "$IMG-1" 127.0.0.4 &&
	wait_until 60 "the guest writing" grep -q "^writing$" w1.log &&
	call a one.hook.delete i:0 >/dev/null &&
	call a one.hook.allocate "NAME=host-error-m TYPE=state RESOURCE=HOST STATE=ERROR
		COMMAND=$TRASH/rem/hooks/onedr/host-error ARGUMENTS=\"\$TEMPLATE -m\" ARGUMENTS_STDIN=yes" >/dev/null &&
	host_error 1 && hook_run 1 0 >run &&
	grep -q "^CODE 0$" run && grep -q "^fenced 127.0.0.4 until " run &&
	grep -q "^VM 1 (vm-1): rescheduled (one.vm.action resched)$" run &&
	call a one.vm.info i:1 | grep -q "<RESCHED>1</RESCHED>" &&
	wait_until 30 "the guest refused" grep -q "^write failed: -108 " w1.log
'

test_expect_success 'ft/fence_host.sh linked to onedr fences as the stock host_error.rb asks' '
	{ timeout 30 ceph -c "$LAB_A_CONF" osd blocklist rm 127.0.0.2 >/dev/null 2>&1 || true; } &&
	call a one.host.info i:0 | tr -d "\n" | base64 -w0 >host0.b64 &&
	ONEDR_CONF="$TRASH/a.conf" rem/hooks/ft/fence_host.sh <host0.b64 >out 2>err &&
	grep -q "^fenced 127.0.0.2 until " out && blocklist | grep -q "^127\.0\.0\.2:0/0 " &&
	call a one.host.info i:2 | tr -d "\n" | base64 -w0 >host2.b64 &&
	test_exit_code 2 env ONEDR_CONF="$TRASH/a.conf" rem/hooks/ft/fence_host.sh <host2.b64 2>err &&
	grep -q "^ERROR: hook/fence-host: refusing to fence 127.0.0.1" err
'

test_done

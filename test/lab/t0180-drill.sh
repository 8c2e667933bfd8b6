#!/bin/sh
# t0180-drill: onedr drill on site-b (the replica) while site-a's VMs keep
# running and writing. start: a snapshot per disk on site-a, cloned on
# site-b, registered, the VMs recreated on the isolated network of
# DRILL_NETWORK_MAP and RUNNING; replication stays up+replaying on both
# sites at every step (each step of start is paused there with
# ONEDR_TEST_KILL=STEP:after:1:STOP, checked, then SIGKILLed and start run
# again); each clone holds the snapshot's data (md5). stop: SIGKILLed
# before and after each kind of step (terminate, unregister, unclone,
# unsnapshot) and run again, it converges; the guarded delete
# refuses a foreign image put in a clone's place; nothing of the drill is
# left, the source images are untouched.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t180-$$
POOL=$P
SA= SB= WRITER=

test_cleanup() {
	[ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	[ -n "$SB" ] && kill "$SB" 2>/dev/null
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

# replicating: every source disk up+replaying on site-b, and site-a sees
# site-b up+replaying (its peer_sites entry)
peer_state() { rbd_a mirror image status "$POOL/$1" 2>/dev/null | sed -n '/peer_sites:/,$ s/^    state: *//p'; }
replicating() {
	for d in $DISKS; do
		s=$(mirror_state b "$d") p=$(peer_state "$d")
		if [ "$s" != up+replaying ] || [ "$p" != up+replaying ]; then
			echo "# $d: site-b $s, site-a sees $p"; return 1
		fi
	done
}
# the drill VMs on site-b (not DONE) of source VM $1
drill_vms() {
	call b one.vmpool.infoextended i:-2 i:-1 i:-1 i:-1 | python3 -c '
import sys, xml.etree.ElementTree as ET
n = [v for v in ET.fromstring(sys.stdin.read()).findall("VM")
     if v.findtext("USER_TEMPLATE/ONEDR_DRILL_VM") == sys.argv[1] and v.findtext("STATE") != "6"]
print(" ".join(v.findtext("ID") for v in n))' "site-a/$1"
}
drill_images() { call b one.imagepool.info i:-2 i:-1 i:-1 | grep -o "<ONEDR_DRILL_RUN>" | wc -l; }
clones_b() { rbd_b ls "$POOL" | grep -c "\.drill-" || true; }
drill_snaps() { rbd_on "$1" snap ls --all "$POOL/$2" | grep -c "onedr-drill-" || true; }
stopped() { grep -q "^State:.*T" "/proc/$1/status" 2>/dev/null; }

# vm_net N NETWORK DISK...: as lib-lab.sh's vm, with a NIC on NETWORK, no priority
vm_net() {
	n=$1 net=$2; shift 2
	{ echo "NAME = \"vm-$n\""; echo "MEMORY = 64"; echo "CPU = 1"
	  echo "NIC = [ NETWORK = \"$net\" ]"
	  for d in "$@"; do echo "DISK = [ IMAGE_ID = $d ]"; done; } >tmpl &&
	call a one.vm.allocate "$(cat tmpl)" b:0 >id && test "$(cat id)" = "$n"
}
vnet() { call "$1" one.vn.allocate "NAME=\"$2\" VN_MAD=dummy BRIDGE=br0 AR=[ TYPE=IP4, IP=10.0.$3.1, SIZE=20 ]" i:-1 >/dev/null; }

DISKS="one-0 one-1 one-2"

test_expect_success 'setup: site-a runs 2 VMs on 3 mirrored disks (journal and snapshot), exported, in sync' '
	standins_up &&
	vnet a prod 1 && vnet b prod-b 1 && vnet b drill-net 9 &&
	{ echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]"
	  echo "NETWORK_MAP = [ FROM = \"prod\", TO = \"prod-b\" ]"
	  echo "DRILL_NETWORK_MAP = [ FROM = \"*\", TO = \"drill-net\" ]"; } >>"$TRASH/b.conf" &&
	image 0 journal && image 1 snapshot && image 2 journal &&
	vm_net 0 prod 0 1 && vm_net 1 prod 2 &&
	for v in 0 1; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in 0 1; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done &&
	onedr_sa export --all >out 2>err && grep -q "^export: 2 VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	snapshot_now a one-1 &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || exit 1; done &&
	wait_until 120 "manifests synced" manifests_synced &&
	wait_until 120 "replicating" replicating
'
standins_pids

test_expect_success 'site-a keeps writing (a writer on one-0 and one-2)' '
	( while :; do write_data a one-0 1; write_data a one-2 1; sleep 1; done ) >/dev/null 2>&1 &
	echo $! >writer.pid
'
WRITER=$(cat writer.pid 2>/dev/null)

test_expect_success 'drill start refuses a VM whose network has no DRILL_NETWORK_MAP, and on the primary site: nothing changed' '
	grep -v DRILL_NETWORK_MAP "$TRASH/b.conf" >nodrill.conf &&
	test_exit_code 2 "$ONEDR" -c nodrill.conf drill start 0 >out 2>err &&
	grep -q "network .prod. has no DRILL_NETWORK_MAP" err &&
	test_exit_code 2 "$ONEDR" -c "$TRASH/a.conf" drill start site-a:0 >out 2>err &&
	test "$(clones_b)" = 0 && test "$(drill_snaps a one-0)" = 0 &&
	test_exit_code 0 onedr_sb drill status >out && grep -q "no drill is up" out
'

# each step of start: paused (SIGSTOP) once its first action is done,
# replication checked on both sites, then SIGKILLed; the next run resumes
for step in snapshot replicated clone register recreate running; do
test_expect_success "drill start paused at its first $step step: replication up+replaying on both sites; SIGKILLed there" '
	ONEDR_TEST_KILL=$step:after:1:STOP "$ONEDR" -c "$TRASH/b.conf" drill start --deploy host-b 0 1 >k.$step 2>&1 &
	pid=$! &&
	wait_until 300 "onedr stopped at $step" stopped $pid &&
	replicating && vm_is a 0 3/3 && vm_is a 1 3/3 &&
	kill -9 $pid; kill -CONT $pid; wait $pid || true; cat k.$step &&
	if [ $step != snapshot ]; then grep -q "^resuming drill" k.$step; fi
'
done

test_expect_success 'drill start once more: both drill VMs RUNNING once on site-b, on the drill network' '
	onedr_sb drill start --deploy host-b 0 1 >start.out 2>&1 || { cat start.out; false; } &&
	cat start.out && grep -q "^resuming drill" start.out && grep -q "^drill .*: up:" start.out &&
	for v in 0 1; do
		ids=$(drill_vms $v) && test "$(echo $ids | wc -w)" = 1 && vm_is b $ids 3/3 || exit 1
		call b one.vm.info "i:$ids" >dvm.xml &&
		grep -q "<NETWORK><!\[CDATA\[drill-net\]\]></NETWORK>" dvm.xml &&
		! grep -q "ONEDR_SOURCE_VM" dvm.xml || exit 1
	done &&
	test "$(drill_images)" = 3 && test "$(clones_b)" = 3 &&
	vm_is a 0 3/3 && vm_is a 1 3/3 && replicating &&
	for d in $DISKS; do is_non_primary b "$d" && is_primary a "$d" || exit 1; done
'

test_expect_success 'each clone holds the consistent point: md5 of the clone on site-b = md5 of the snapshot on site-a' '
	run=$(sed -n "s/^resuming drill \([^ ]*\) .*/\1/p" start.out) && test -n "$run" &&
	echo "$run" >run && tag=${run##*-} &&
	for d in $DISKS; do
		a=$(rbd_a export "$POOL/$d@onedr-drill-$run" - 2>/dev/null | md5sum) &&
		b=$(rbd_b export "$POOL/$d.drill-$tag" - 2>/dev/null | md5sum) &&
		echo "# $d: $a / $b" && test "$a" = "$b" || exit 1
		# and the source has moved on (the writer) where it is written
	done &&
	test "$(rbd_a export "$POOL/one-0" - | md5sum)" != "$(rbd_a export "$POOL/one-0@onedr-drill-$run" - | md5sum)"
'

test_expect_success 'drill status: the objects and the sources up+replaying; report shows the drill run' '
	onedr_sb drill status >st.txt && cat st.txt &&
	test "$(grep -c "^recreate .* RUNNING" st.txt)" = 2 &&
	test "$(grep -c "^register .* registered" st.txt)" = 3 &&
	test "$(grep -c "^clone .* present" st.txt)" = 3 &&
	test "$(grep -c "^source .*site-b: up+replaying" st.txt)" = 3 &&
	onedr_sb drill status -j >st.json && python3 -c "import json; d = json.load(open(\"st.json\")); assert d[\"state\"] == \"open\" and len(d[\"objects\"]) == 11, d" &&
	onedr_sb report "$(cat run)" -j >rep.json &&
	python3 - <<-PY
	import json
	r = json.load(open("rep.json"))
	assert r["kind"] == "drill" and r["state"] == "open", r
	steps = {}
	for s in r["steps"]:
	    steps.setdefault(s["step"], []).append(s)
	for k, n in (("snapshot", 3), ("replicated", 3), ("clone", 3), ("register", 3), ("recreate", 2), ("running", 2)):
	    assert len(steps[k]) == n and all(s["state"] == "done" for s in steps[k]), (k, steps.get(k))
	PY
'

# drill stop: SIGKILLed at each of its steps, then run again
# (unclone and unsnapshot run CONCURRENCY steps at a time: serial.conf runs
# one at a time, so that "before the first" leaves every object there)
test_expect_success 'drill stop SIGKILLed before its first VM terminate: nothing deleted' '
	{ cat "$TRASH/b.conf"; echo "CONCURRENCY = 1"; } >"$TRASH/serial.conf"
	ONEDR_TEST_KILL=terminate:before "$ONEDR" -c "$TRASH/b.conf" drill stop >k0 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k0 &&
	for v in 0 1; do
		ids=$(drill_vms $v) && test "$(echo $ids | wc -w)" = 1 && vm_is b $ids 3/3 || exit 1
	done &&
	test "$(drill_images)" = 3 && test "$(clones_b)" = 3 &&
	vm_is a 0 3/3 && vm_is a 1 3/3 && replicating
'

test_expect_success 'drill stop SIGKILLed after its first VM terminate: only drill VMs touched' '
	ONEDR_TEST_KILL=terminate:after "$ONEDR" -c "$TRASH/b.conf" drill stop >k1 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k1 &&
	test "$(drill_images)" = 3 && test "$(clones_b)" = 3 &&
	vm_is a 0 3/3 && vm_is a 1 3/3 && replicating
'

test_expect_success 'drill stop SIGKILLed before its first image delete' '
	ONEDR_TEST_KILL=unregister:before "$ONEDR" -c "$TRASH/b.conf" drill stop >k2 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k2 &&
	grep -q "^resuming drill\|^run drill" k2 &&
	test -z "$(drill_vms 0)" && test -z "$(drill_vms 1)" && test "$(clones_b)" = 3 && replicating
'

test_expect_success 'drill stop SIGKILLed after its first image delete' '
	ONEDR_TEST_KILL=unregister:after "$ONEDR" -c "$TRASH/b.conf" drill stop >k3 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k3 && test "$(clones_b)" = 3 && replicating
'

test_expect_success 'drill stop SIGKILLed before its first clone delete: every clone still there' '
	ONEDR_TEST_KILL=unclone:before "$ONEDR" -c "$TRASH/serial.conf" drill stop >k3b 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k3b &&
	test "$(drill_images)" = 0 && test "$(clones_b)" = 3 &&
	vm_is a 0 3/3 && vm_is a 1 3/3 && replicating
'

test_expect_success 'the guarded delete refuses a foreign image in a clone'"'"'s place: drill stop fails, the image stays' '
	tag=$(cat run) && tag=${tag##*-} &&
	rbd_b rm "$POOL/one-2.drill-$tag" >/dev/null 2>&1 &&
	rbd_b create "$POOL/one-2.drill-$tag" --size 4M &&
	rbd_b bench --io-type write --io-size 4K --io-total 1M "$POOL/one-2.drill-$tag" >/dev/null &&
	before=$(rbd_b export "$POOL/one-2.drill-$tag" - | md5sum) &&
	{ test_exit_code 1 onedr_sb drill stop >k4 2>&1 || { cat k4; false; }; } && cat k4 &&
	grep -q "unclone $P/one-2: failed: refused: image .$P/one-2.drill-$tag. is not a clone this drill made" k4 &&
	test "$(rbd_b export "$POOL/one-2.drill-$tag" - | md5sum)" = "$before" &&
	test "$(drill_images)" = 0 && replicating &&
	rbd_b rm "$POOL/one-2.drill-$tag" >/dev/null 2>&1
'

test_expect_success 'drill stop SIGKILLed after its last clone delete (the refused one, its foreign image gone): no clone left' '
	ONEDR_TEST_KILL=unclone:after "$ONEDR" -c "$TRASH/serial.conf" drill stop >k4b 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k4b &&
	test "$(clones_b)" = 0 && replicating &&
	for d in $DISKS; do test "$(drill_snaps a $d)" = 1 || exit 1; done
'

test_expect_success 'drill stop SIGKILLed before its first snapshot removal: every drill snapshot still there' '
	ONEDR_TEST_KILL=unsnapshot:before "$ONEDR" -c "$TRASH/serial.conf" drill stop >k5b 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k5b &&
	for d in $DISKS; do test "$(drill_snaps a $d)" = 1 || exit 1; done &&
	test "$(clones_b)" = 0 && vm_is a 0 3/3 && vm_is a 1 3/3 && replicating
'

test_expect_success 'drill stop SIGKILLed after its first snapshot removal' '
	ONEDR_TEST_KILL=unsnapshot:after "$ONEDR" -c "$TRASH/b.conf" drill stop >k5 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k5 && test "$(clones_b)" = 0 && replicating
'

test_expect_success 'drill stop run again: nothing of the drill is left, the sources untouched and replicating' '
	onedr_sb drill stop >k6 2>&1 || { cat k6; false; } &&
	cat k6 && grep -q "stopped, nothing left" k6 &&
	test -z "$(drill_vms 0)" && test -z "$(drill_vms 1)" &&
	test "$(drill_images)" = 0 && test "$(clones_b)" = 0 &&
	for d in $DISKS; do
		wait_until 60 "$d: no drill snapshot on site-b" test "$(drill_snaps b $d)" = 0 &&
		test "$(drill_snaps a $d)" = 0 || exit 1
	done &&
	vm_is a 0 3/3 && vm_is a 1 3/3 && replicating &&
	test "$(count b one.imagepool.info IMAGE)" = 0 &&
	onedr_sb report "$(cat run)" -j >rep.json &&
	python3 -c "import json; r = json.load(open(\"rep.json\")); assert r[\"state\"] == \"finished\", r[\"state\"]" &&
	onedr_sb drill stop >k7 && grep -q "no drill is up" k7
'

test_expect_success 'a drill start SIGKILLed once its first image is registered, then stop: what the killed step made is found and deleted, by OpenNebula'"'"'s own Ceph rm, the source untouched' '
	# site-b'"'"'s oned deletes images with the stock-like datastore/ceph/rm
	# (rbd_rm_r from the top parent), on site-b'"'"'s cluster
	"$TOP_SRCDIR/test/oned/mkremotes" "$TRASH/remotes" ceph &&
	ds=$(call b one.datastorepool.info | python3 -c "import sys, xml.etree.ElementTree as E; print([d.findtext(\"ID\") for d in E.fromstring(sys.stdin.read()) if d.findtext(\"NAME\") == \"ceph-img-b\"][0])") &&
	call b one.datastore.update "i:$ds" "CEPH_CONF=\"$LAB_B_CONF\"" i:1 >/dev/null &&
	ONEDR_TEST_KILL=register:after "$ONEDR" -c "$TRASH/b.conf" drill start --deploy host-b 1 >k8 2>&1 &
	pid=$! && code=0 && { wait $pid || code=$?; } && test $code = 137 && cat k8 &&
	test "$(drill_images)" = 1 && test "$(clones_b)" = 1 &&
	onedr_sb drill stop >k9 2>&1 || { cat k9; false; } &&
	cat k9 && grep -q "unregister $P/one-2: done: image [0-9]* deleted" k9 &&
	grep -q "unclone $P/one-2: done: clone $P/one-2.drill-.* already gone" k9 &&
	rbd_a info "$POOL/one-2" >/dev/null && rbd_b info "$POOL/one-2" >/dev/null &&
	test "$(drill_images)" = 0 && test "$(clones_b)" = 0 &&
	test "$(drill_snaps a one-2)" = 0 && replicating
'

test_expect_success 'the sources, untouched: writes stopped, every disk the same on both sites, still primary on site-a' '
	kill "$WRITER" && WRITER= && sleep 2 &&
	snapshot_now a one-1 &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" && is_primary a "$d" && is_non_primary b "$d" || exit 1; done &&
	replicating
'

test_done

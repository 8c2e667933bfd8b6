#!/bin/sh
# t0165-failover-faults: `onedr failover --force` on site-b, with site-a
# gone, interrupted at each step and run again. onedr is SIGKILLed at the
# fault points of the run engine (ONEDR_TEST_KILL, README "Fault points"):
# after each step kind's "started" and before its action, or after its
# action and before its "done"; site-b's oned (the stand-in) is killed and
# started again mid-run; a run held by a stopped onedr is taken over with
# --takeover. Every rerun converges: each VM RUNNING exactly once on site-b,
# one image per disk, every disk primary, the run finished with every step
# done, and every disk's content on site-b the one replicated from site-a.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t165-$$
POOL=$P

test_cleanup() {
	# an onedr a failed case left stopped (SIGSTOP fault point)
	[ -r "$TRASH/stopped.pid" ] && kill -9 "$(cat "$TRASH/stopped.pid")" 2>/dev/null
	for s in a b; do
		[ -r "$TRASH/$s.pid" ] && kill "$(cat "$TRASH/$s.pid")" 2>/dev/null
	done
	"$LAB" start site-a >/dev/null 2>&1 || true
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

# One VM per case, two disks each: one-2V (journal mode), one-2V+1 (snapshot)
CASES="promote:before promote:after register:before register:after:2 recreate:before
recreate:after running:before running:after oned-register oned-running takeover"
NVMS=11
VMS=$(seq 0 $((NVMS - 1)))
DISKS=$(for v in $VMS; do echo "one-$((2 * v)) one-$((2 * v + 1))"; done)
disks_of() { echo "one-$((2 * $1)) one-$((2 * $1 + 1))"; }

# the report's run, the fault's step and its state: "STATE ATTEMPT" of the
# step KIND of VM $1 that the engine stopped in ("started" after a kill)
step_states() {
	onedr_sb report -j >open.json &&
	python3 - "$1" "$2" <<-'PY'
	import json, sys
	r = json.load(open("open.json"))
	vm, kind = "site-a/" + sys.argv[1], sys.argv[2]
	print(" ".join(sorted(x["state"] for x in r["steps"] if x["vm"] == vm and x["step"] == kind)))
	PY
}

# converged V: VM V failed over: RUNNING once on site-b, one image per disk
# and no image twice, its disks primary with site-a's last replicated
# content, the newest run finished with every step done; its report ledger
# read before the promote (no disk primary) unless $2 = any, and the
# recreated VM's ONEDR_RPO_SECONDS the report's
converged() {
	v=$1
	running_once "$v" || { echo "VM $v: copies on site-b: '$(copies_of "$v")'"; return 1; }
	call b one.imagepool.info i:-2 i:-1 i:-1 >images.xml &&
	for d in $(disks_of "$v"); do
		is_primary b "$d" || { echo "$d not primary on site-b"; return 1; }
		md5=$(md5_of b "$d") &&
		test "$md5" = "$(cat "md5.$d")" || { echo "$d: md5 $md5 on site-b, $(cat "md5.$d") on site-a"; return 1; }
	done &&
	onedr_sb report -j >rep.json &&
	call b one.vm.info "i:$(copies_of "$v")" >vm.xml &&
	python3 - "$v" "${2:-before}" "$P" <<-'PY'
	import json, sys, re, xml.etree.ElementTree as ET
	v, ledger, pool = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	imgs = [i.findtext("SOURCE") for i in ET.parse("images.xml").getroot().findall("IMAGE")]
	dups = {s for s in imgs if imgs.count(s) > 1}
	assert not dups, "images registered twice: %s" % dups
	for d in (2 * v, 2 * v + 1):
	    assert "%s/one-%d" % (pool, d) in imgs, ("no image of one-%d" % d, imgs)
	r = json.load(open("rep.json"))
	assert r["state"] == "finished", r["state"]
	bad = [x for x in r["steps"] if x["state"] != "done"]
	assert not bad, bad
	mine = [x for x in r["steps"] if x["vm"] == "site-a/%d" % v]
	assert sorted(x["step"] for x in mine) == ["promote"] * 2 + ["recreate", "register", "register", "running"], mine
	if ledger == "before":
	    led = {x["vm_id"]: x for x in r["ledger"]}
	    assert v in led, led
	    # the ledger read before the promote, kept in the journal across the fault
	    assert all(not d["primary"] for d in led[v]["disks"]), led[v]
	    secs = led[v]["rpo_seconds"]
	    u = ET.parse("vm.xml").getroot().find("USER_TEMPLATE")
	    got = u.findtext("ONEDR_RPO_SECONDS")
	    want = str(-1 if secs is None else secs)
	    assert got == want, "VM's ONEDR_RPO_SECONDS %s (%s), the report's ledger %s" % (got, u.findtext("ONEDR_RPO"), want)
	PY
}

test_expect_success "setup: site-a runs $NVMS VMs, each on a journal-mode and a snapshot-mode disk" '
	standins_up &&
	echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]" >>"$TRASH/b.conf" &&
	for v in $VMS; do
		image $((2 * v)) journal && image $((2 * v + 1)) snapshot || exit 1
	done &&
	for v in $VMS; do vm $v 3 $((2 * v)) $((2 * v + 1)) || exit 1; done &&
	for v in $VMS; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in $VMS; do wait_until 60 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done ||
	{ cat "$TRASH/oned-a.log"; false; }
'

test_expect_success 'setup: exported, written, replicated; the md5 of each disk on site-a' '
	onedr_sa export --all >out 2>err &&
	grep -q "^export: $NVMS VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	for v in $VMS; do snapshot_now a "one-$((2 * v + 1))" || exit 1; done &&
	for d in $DISKS; do
		wait_until 180 "$d in sync" same_data "$d" && md5_of a "$d" >"md5.$d" || exit 1
	done &&
	wait_until 120 "manifests synced" manifests_synced
'

test_expect_success 'site-a dies (Ceph and oned)' '
	"$LAB" kill site-a && kill "$(cat "$TRASH/a.pid")" &&
	# each onedr on site-b tries the dead peer for TIMEOUT/CONNECT
	echo "TIMEOUT = [ CONNECT = \"4\" ]" >>"$TRASH/b.conf"
'

# SIGKILLed at each fault point, then run again without it
v=0
for c in promote:before promote:after register:before register:after:2 \
	 recreate:before recreate:after running:before running:after; do
	kind=${c%%:*}
	test_expect_success "failover of VM $v SIGKILLed at $c, its step left started; the rerun converges" '
		code=0
		ONEDR_TEST_KILL=$c "$ONEDR" -c "$TRASH/b.conf" failover --force --deploy host-b $v \
			>k1 2>&1 || code=$?
		cat k1 && test "$code" = 137 &&
		case "$(step_states $v $kind)" in *started*) ;; *) echo "no $kind step started"; false ;; esac &&
		# where the VM is: made by the recreate action, not before it
		case $c in
		recreate:before) test -z "$(copies_of $v)" ;;
		recreate:after|running:*) test -n "$(copies_of $v)" ;;
		esac &&
		onedr_sb failover --force --deploy host-b $v >k2 2>&1 || { cat k2; false; } &&
		cat k2 && grep -q "^resuming run" k2 &&
		converged $v
	'
	v=$((v + 1))
done

test_expect_success "failover of VM 8 with site-b's oned gone at its register step, oned back: the rerun converges" '
	ONEDR_TEST_KILL=register:before:1:STOP "$ONEDR" -c "$TRASH/b.conf" failover --force --deploy host-b 8 >k1 2>&1 &
	pid=$! && echo $pid >"$TRASH/stopped.pid" &&
	wait_until 120 "onedr stopped at register" sh -c "ps -o stat= -p $pid | grep -q T" &&
	kill -9 "$(cat "$TRASH/b.pid")" &&
	kill -CONT $pid && code=0 && { wait $pid || code=$?; } && cat k1 &&
	test "$code" != 0 && grep -q "register.*failed" k1 &&
	standin_restart b &&
	onedr_sb failover --force --deploy host-b 8 >k2 2>&1 || { cat k2; false; } &&
	cat k2 && grep -q "^resuming run" k2 && converged 8
'

test_expect_success "failover of VM 9 with site-b's oned restarted while it waits for RUNNING: it converges, so does a rerun" '
	ONEDR_TEST_KILL=running:before:1:STOP "$ONEDR" -c "$TRASH/b.conf" failover --force --deploy host-b 9 >k1 2>&1 &
	pid=$! && echo $pid >"$TRASH/stopped.pid" &&
	wait_until 120 "onedr stopped at running" sh -c "ps -o stat= -p $pid | grep -q T" &&
	standin_restart b &&
	kill -CONT $pid && code=0 && { wait $pid || code=$?; } && cat k1 &&
	test "$code" = 0 && converged 9 &&
	onedr_sb failover --force --deploy host-b 9 >k2 2>&1 || { cat k2; false; } &&
	cat k2 && converged 9 any
'

test_expect_success 'a run held by a live onedr: refused, naming the holder and --takeover; with it, taken over, converges; the old one is fenced' '
	# one worker: the stopped onedr holds no image open
	{ cat "$TRASH/b.conf"; echo "CONCURRENCY = 1"; } >c1.conf
	# alone on its line: $! is then onedr itself
	ONEDR_TEST_KILL=promote:before:1:STOP "$ONEDR" -c c1.conf failover --force --deploy host-b 10 >k1 2>&1 &
	pid=$! && echo $pid >"$TRASH/stopped.pid" &&
	wait_until 120 "onedr stopped at promote" sh -c "ps -o stat= -p $pid | grep -q T" &&
	test_exit_code 3 onedr_sb failover --force --deploy host-b 10 >k2 2>err &&
	cat err && grep -q "is held by .*give --takeover" err &&
	holder=$(sed -n "s/.*is held by '"'"'\([^'"'"']*\)'"'"'.*/\1/p" err) && test -n "$holder" &&
	test_exit_code 3 onedr_sb failover --force --deploy host-b --takeover "$holder-x" 10 >k3 2>err3 &&
	grep -q "not by the one --takeover names" err3 &&
	onedr_sb failover --force --deploy host-b --takeover "$holder" 10 >k4 2>&1 || { cat k4; false; } &&
	cat k4 && grep -q "taken over from $holder" k4 && grep -q "^resuming run" k4 &&
	converged 10 &&
	# the old onedr wakes up cut off from Ceph: it fails, changes nothing
	kill -CONT $pid && code=0 && { wait $pid || code=$?; } && cat k1 &&
	test "$code" != 0 && converged 10
'

test_done

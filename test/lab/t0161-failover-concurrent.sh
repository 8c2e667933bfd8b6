#!/bin/sh
# t0161-failover-concurrent: the recreate steps of one priority group run
# concurrently (a worker per oned client, CONCURRENCY 4): eight VMs of one
# group, site-a dead, `onedr failover --force --no-peer --all`: every VM
# RUNNING once on site-b, each with the image of its own RBD (no step took
# another's), the report's recreate steps all done with distinct VM IDs.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t161-$$
POOL=$P
SA= SB=
NV=8

test_cleanup() {
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	[ -n "$SB" ] && kill "$SB" 2>/dev/null
	"$LAB" start site-a >/dev/null 2>&1 || true
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

vms_b() { call b one.vmpool.info i:-2 i:-1 i:-1 i:-1 | grep -o "<VM><ID>" | wc -l; }

test_expect_success "setup: $NV VMs on site-a, one mirrored disk each, exported, replicated" '
	standins_up &&
	{ echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]"
	  echo "CONCURRENCY = 4"; } >>"$TRASH/b.conf" &&
	for i in $(seq 0 $((NV - 1))); do
		mk_image a journal "one-$i" 8 >/dev/null &&
		call a one.image.allocate "NAME=\"disk-$i\" TYPE=DATABLOCK PERSISTENT=YES SOURCE=$P/one-$i FORMAT=raw SIZE=8" i:100 b:1 >/dev/null &&
		call a one.vm.allocate "NAME=\"vm-$i\" MEMORY=64 CPU=1 DISK=[IMAGE_ID=$i]" b:0 >id &&
		call a one.vm.deploy "i:$(cat id)" i:0 b:0 i:101 >/dev/null || exit 1
	done &&
	"$ONEDR" -c "$TRASH/a.conf" export --all >out 2>err && grep -q "^export: $NV VMs: 0 failed" out &&
	for i in $(seq 0 $((NV - 1))); do wait_until 180 "one-$i replaying" is_replaying b "one-$i" || exit 1; done &&
	wait_until 120 "manifests on site-b" sh -c "\"$ONEDR\" -c \"$TRASH/b.conf\" failover --dry-run --all >dry 2>&1; grep -q \"^failover on site site-b: $NV VMs\" dry"
'
standins_pids

test_expect_success 'site-a dies' '
	"$LAB" kill site-a && kill "$SA" && SA=
'

test_expect_success 'failover --force --no-peer --all: every VM RUNNING once, each on its own disk' '
	"$ONEDR" -c "$TRASH/b.conf" failover --force --no-peer --all --deploy host-b >out 2>err ||
	{ cat out err; false; } &&
	test "$(grep -c " recreate vm: done: created VM" out)" = $NV &&
	test "$(vms_b)" = $NV &&
	test "$(count b one.imagepool.info IMAGE)" = $NV &&
	call b one.vmpool.infoextended i:-2 i:-1 i:-1 i:-1 >pool.xml &&
	call b one.imagepool.info i:-2 i:-1 i:-1 >images.xml &&
	python3 - "$P" $NV <<-PY
	import sys, xml.etree.ElementTree as ET
	pool, n = sys.argv[1], int(sys.argv[2])
	src = {i.findtext("ID"): i.findtext("SOURCE") for i in ET.parse("images.xml").getroot().findall("IMAGE")}
	seen = set()
	for v in ET.parse("pool.xml").getroot().findall("VM"):
	    orig = v.findtext("USER_TEMPLATE/ONEDR_SOURCE_VM")
	    assert v.findtext("STATE") == "3" and v.findtext("LCM_STATE") == "3", (orig, v.findtext("STATE"))
	    assert v.findtext("NAME") == "vm-%s" % orig, (orig, v.findtext("NAME"))
	    disks = v.findall("TEMPLATE/DISK")
	    assert len(disks) == 1
	    # VM i ran on image i, RBD one-i
	    assert src[disks[0].findtext("IMAGE_ID")] == "%s/one-%s" % (pool, orig), (orig, src)
	    seen.add(orig)
	assert seen == {str(i) for i in range(n)}, seen
	PY
	"$ONEDR" -c "$TRASH/b.conf" report -j >rep.json &&
	python3 - $NV <<-PY
	import json, sys
	r = json.load(open("rep.json"))
	assert r["state"] == "finished", r["state"]
	rec = [s for s in r["steps"] if s["step"] == "recreate"]
	assert len(rec) == int(sys.argv[1]) and all(s["state"] == "done" for s in rec), rec
	PY
'

test_expect_success 'a rerun creates nothing' '
	"$ONEDR" -c "$TRASH/b.conf" failover --force --no-peer --all --deploy host-b >out 2>err ||
	{ cat out err; false; } &&
	test "$(vms_b)" = $NV &&
	test "$(count b one.imagepool.info IMAGE)" = $NV
'

test_done

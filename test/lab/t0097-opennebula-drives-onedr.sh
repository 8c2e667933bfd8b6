#!/bin/sh
# t0097-opennebula-drives-onedr: issue 9 end to end, with no onedr command
# typed on site-a. Site-a's oned stand-in has an image and a system
# datastore switched to the onedr drivers (DS_MAD = TM_MAD = onedr), runs
# the onedr TM and datastore actions in front of stock-like ceph actions
# that really make the RBDs (test/oned/remotes), and has the hooks of
# share/onedr/hooks/ created as shipped (onehook templates, COMMAND under
# the remotes). Images made by path (datastore cp) and as an empty datablock
# (mkfs) are mirrored as they are made; a VM with a cloned, a persistent and
# a volatile disk is deployed: every RBD is mirrored before it runs, and the
# RUNNING hook writes its manifest, which site-b reads. A CONTEXT change and
# the VM's termination reach site-b too.
#
# Bound: site-b reads the manifest within a minute of RUNNING in journal
# mode (t0086 saw 5-7 s); the test polls up to 180 s, never timing anything.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t97-$$		# a pool of its own: stand-in image IDs restart at 0
POOL=$P
SA= SB=
REMOTES=$TRASH/r	# OpenNebula's remotes on site-a: ceph's stock-like, onedr's links
FILE=/var/tmp/onedr-t0097-$$.raw	# in the datastore's SAFE_DIRS

test_cleanup() {
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	[ -n "$SB" ] && kill "$SB" 2>/dev/null
	rm -f "$FILE"
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

vm_state() { call a one.vm.info "i:$1" | sed -n 's/.*<STATE>\([0-9]*\)<\/STATE><LCM_STATE>\([0-9]*\)<.*/\1\/\2/p'; }
vm_is() { test "$(vm_state "$1")" = "$2"; }
image_is() { call a one.image.info "i:$1" | grep -q "<STATE>$2</STATE>"; }
mirrored() { rbd_a info "$P/$1" | grep -q "mirroring state: enabled"; }
hook() { cat "$TRASH/hook-$1"; }
# site-b's view of site-a's VM 0 manifest: WANT is signed, retired
b_sees() {
	"$ONEDR" -c "$TRASH/b.conf" manifest -j >"$TRASH/bm.json" 2>/dev/null || return 1
	python3 - "$1" "$TRASH/bm.json" <<-'PY'
	import json, sys
	want, path = sys.argv[1], sys.argv[2]
	vms = [v for v in json.load(open(path))["vms"] if v["site"] == "site-a" and v["vm_id"] == 0]
	ok = bool(vms) and {"signed": vms[0]["auth"] == "verified" and not vms[0]["retired"],
	                    "retired": vms[0]["retired"] > 0}[want]
	sys.exit(0 if ok else 1)
	PY
}

test_expect_success 'setup: site-a oned with the onedr drivers in front of ceph'"'"'s, and the shipped hooks' '
	STANDIN_OPTS="--step-delay 0.3" onedr_site_a
'
standins_pids

test_expect_success 'an image made from a file (datastore cp) and an empty datablock (mkfs) are mirrored as they are made' '
	truncate -s 16M "$FILE" && printf "boot sector" | dd of="$FILE" conv=notrunc 2>/dev/null &&
	call a one.image.allocate "NAME=os TYPE=OS PATH=$FILE FORMAT=raw" i:102 b:1 >id && test "$(cat id)" = 0 &&
	call a one.image.allocate "NAME=data TYPE=DATABLOCK SIZE=16 FORMAT=raw PERSISTENT=YES" i:102 b:1 >id &&
	test "$(cat id)" = 1 &&
	wait_until 60 "image 0 READY" image_is 0 1 && wait_until 60 "image 1 READY" image_is 1 1 &&
	mirrored one-0 && mirrored one-1 &&
	# the IMAGE READY hook found them mirrored already
	wait_until 60 "image-ready ran twice" hook_ran "$(hook image-ready)" 2 &&
	test "$(hook_codes "$(hook image-ready)")" = "0 0 " &&
	hook_out "$(hook image-ready)" | grep -q "was mirrored already"
'

test_expect_success 'a VM deployed on the onedr datastores: every RBD the TM makes is mirrored, and RUNNING writes the manifest' '
	call a one.vm.allocate "NAME = t97
CPU = 0.1
MEMORY = 64
DISK = [ IMAGE_ID = 0 ]
DISK = [ IMAGE_ID = 1 ]
DISK = [ TYPE = \"fs\", SIZE = \"16\", FORMAT = \"raw\" ]
CONTEXT = [ NETWORK = \"YES\", GREETING = \"hello\" ]" b:1 >id && test "$(cat id)" = 0 &&
	call a one.vm.deploy i:0 i:0 b:0 i:103 >/dev/null &&
	t0=$(date +%s) && echo "$t0" >t0 &&
	wait_until 120 "VM 0 RUNNING" vm_is 0 3/3 &&
	# made by tm clone (image 0 non-persistent) and tm mkimage (the volatile disk)
	for d in one-0 one-0-0-0 one-1 one-sys-0-2; do mirrored $d || { echo "$d not mirrored"; exit 1; }; done &&
	wait_until 120 "the RUNNING hook ran" hook_ran "$(hook protect)" 1 &&
	hook_out "$(hook protect)" >run0 && cat run0 &&
	test "$(hook_codes "$(hook protect)")" = "0 " &&
	grep -q "^VM 0 (t97): protected: 3 Ceph disks$" run0 &&
	wait_until 180 "site-b reads the signed manifest of site-a VM 0" b_sees signed &&
	echo "# manifest on site-b $(elapsed "$t0") s after the deploy" &&
	for d in one-0-0-0 one-1 one-sys-0-2; do
		wait_until 180 "$d replaying on site-b" is_replaying b $d || exit 1
	done &&
	"$ONEDR" -c "$TRASH/b.conf" manifest --show site-a:0 | grep -q "GREETING=\"hello\""
'

test_expect_success 'a CONTEXT change (one.vm.updateconf) reaches site-b through the shipped API hook' '
	call a one.vm.updateconf i:0 "CONTEXT = [ NETWORK = \"YES\", GREETING = \"bonjour\" ]" i:0 >/dev/null &&
	wait_until 120 "the updateconf hook ran" hook_ran "$(hook protect-updateconf)" 1 &&
	test "$(hook_codes "$(hook protect-updateconf)")" = "0 " &&
	wait_until 180 "site-b reads the new CONTEXT" \
		sh -c "\"$ONEDR\" -c \"$TRASH/b.conf\" manifest --show site-a:0 | grep -q GREETING=.bonjour"
'

test_expect_success 'a VM whose persistent image is site-b'"'"'s (non-primary here) fails its PROLOG: tm ln refuses it' '
	rbd_b create "$P/from-b" --size 16M --image-feature layering,exclusive-lock,journaling &&
	rbd_b mirror image enable "$P/from-b" journal >/dev/null && write_data b from-b 1 &&
	wait_until 180 "from-b replaying on site-a" is_replaying a from-b && is_non_primary a from-b &&
	call a one.image.allocate "NAME=from-b TYPE=DATABLOCK PERSISTENT=YES SOURCE=$P/from-b FORMAT=raw SIZE=16" i:102 b:1 >id &&
	test "$(cat id)" = 2 &&
	call a one.vm.allocate "NAME=t97-b CPU=0.1 MEMORY=64 DISK=[IMAGE_ID=2]" b:1 >id && test "$(cat id)" = 1 &&
	call a one.vm.deploy i:1 i:0 b:0 i:103 >/dev/null &&
	wait_until 120 "VM 1 in PROLOG_FAILURE" vm_is 1 3/39 &&
	call a one.vm.info i:1 >vm1.xml &&
	grep -q "image .$P/from-b. is non-primary on site .site-a." vm1.xml &&
	is_non_primary a from-b && wait_until 120 "from-b the same on both sites" same_data from-b
'

test_expect_success 'terminating the VM (DONE hook) retires its manifest, also on site-b' '
	call a one.vm.action terminate-hard i:0 >/dev/null &&
	wait_until 120 "VM 0 DONE" vm_is 0 6/0 &&
	wait_until 120 "the DONE hook ran" hook_ran "$(hook retire)" 1 &&
	hook_out "$(hook retire)" && test "$(hook_codes "$(hook retire)")" = "0 " &&
	wait_until 180 "site-b sees the manifest retired" b_sees retired
'

test_expect_success 'no run of any shipped hook failed' '
	hook_ran "$(hook protect)" 1 && hook_ran "$(hook retire)" 1 && hook_ran "$(hook image-ready)" 2 &&
	for n in $(ls "$TRASH" | sed -n "s/^hook-//p"); do
		for c in $(hook_codes "$(hook "$n")"); do
			test "$c" = 0 || { echo "hook $n: codes $(hook_codes "$(hook "$n")")"; exit 1; }
		done
	done
'

test_done

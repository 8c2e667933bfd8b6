#!/bin/sh
# t0060-failover-vms: the whole runbook with site-a gone. VMs with
# persistent, non-persistent (cloned) and volatile Ceph disks run on site-a
# (RBDs made the way OpenNebula's Ceph drivers make them); onedr export writes
# their manifests; site-a's Ceph and oned die; on site-b, promote --force,
# register and recreate bring every VM back with an equivalent template and
# the data site-a last wrote. Reruns create nothing; bad input changes nothing.
# Two oned stand-ins (test/oned) play the front-ends.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

own_pool 60

images_are() { test "$(count b one.imagepool.info IMAGE)" = "$1"; }
# feat MODE: the features OpenNebula's datastore uses, plus journaling for journal mode
feat() { if [ "$1" = journal ]; then echo layering,exclusive-lock,journaling; else echo layering,exclusive-lock; fi; }
rbd_rbd() { rbd_on "$1" create "$P/$2" --size "$3M" --image-feature "$(feat "$4")"; }
manifests_synced() {
	onedr_sa status -j >st.json 2>/dev/null
	python3 - "$DISKS $SNAPDISKS" <<-PY
	import json, sys
	m = {i["image"]: i["manifest"] for i in json.load(open("st.json"))["images"]}
	sys.exit(0 if all(m.get(x) == "synced" for x in sys.argv[1].split()) else 1)
	PY
}

test_expect_success 'setup: a pool of its own, two oned stand-ins, datastores, networks, users' '
	standins_up &&
	call b one.datastore.allocate "NAME=other-pool DS_MAD=ceph TM_MAD=ceph POOL_NAME=elsewhere $CEPH_ATTRS" i:-1 &&
	# the files datastore (the CD-ROM) may be used from a Ceph system datastore,
	# as oned wants it: the targets for system TM ceph (get_tm_mad_targets)
	call a one.datastore.update i:2 "CLONE_TARGET_CEPH=SYSTEM LN_TARGET_CEPH=SYSTEM DISK_TYPE_CEPH=FILE" i:1 &&
	call a one.vn.allocate "NAME=lan BRIDGE=br0 VN_MAD=bridge AR=[TYPE=IP4, IP=10.0.0.10, SIZE=20] DNS=10.0.0.1 GATEWAY=10.0.0.1" i:-1 &&
	call a one.vn.allocate "NAME=wan BRIDGE=br1 VN_MAD=bridge AR=[TYPE=IP4, IP=172.16.0.10, SIZE=20]" i:-1 &&
	call b one.vn.allocate "NAME=lan-b BRIDGE=br0 VN_MAD=bridge AR=[TYPE=IP4, IP=10.0.0.10, MAC=02:01:0a:00:00:0a, SIZE=20] DNS=10.0.0.1 GATEWAY=10.0.0.1" i:-1 &&
	call b one.vn.allocate "NAME=wan-b BRIDGE=br1 VN_MAD=bridge AR=[TYPE=IP4, IP=192.168.9.10, SIZE=20]" i:-1 &&
	call a one.user.allocate alice alicepw && call b one.user.allocate alice alicepw &&
	{ echo "DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-img-b\" ]"
	  echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]"
	  echo "NETWORK_MAP = [ FROM = \"lan\", TO = \"lan-b\", KEEP_ADDRESSES = \"YES\" ]"
	  echo "NETWORK_MAP = [ FROM = \"wan\", TO = \"wan-b\" ]"; } >>"$TRASH/b.conf"
'
standins_pids

# image IMAGE_ID-to-be NAME PERSISTENT MB MODE: an image registered by SOURCE
# on site-a, its RBD created and mirrored, as the Ceph datastore does
image() {
	rbd_rbd a "one-$1" "$4" "$5" &&
	call a one.image.allocate "NAME=\"$2\" TYPE=$6 PERSISTENT=$3 SOURCE=$P/one-$1 FORMAT=raw SIZE=$4" i:100 b:1 >id &&
	test "$(cat id)" = "$1" &&
	# a non-persistent image gets its clone parent snapshot before it is
	# mirrored: a snapshot-mode peer only learns of @snap with the next
	# mirror snapshot, and a clone cannot replicate without it
	if [ "$3" = NO ]; then
		write_data a "one-$1" 1 &&
		rbd_on a snap create "$P/one-$1@snap" >/dev/null 2>&1 &&
		rbd_on a snap protect "$P/one-$1@snap"
	fi &&
	rbd_on a mirror image enable "$P/one-$1" "$5" >/dev/null
}

# deployed VM: the TM clone / mkimage steps the Ceph drivers run at PROLOG
prolog() {
	local vm=$1 mode=$2; shift 2
	for d in "$@"; do
		case $d in
		clone:*) set -- $(echo "$d" | tr ":" " ")
			rbd_on a clone "$P/one-$2@snap" "$P/one-$2-$vm-$3" --image-feature "$(feat "$mode")" &&
			rbd_on a mirror image enable "$P/one-$2-$vm-$3" "$mode" >/dev/null ;;
		sys:*) set -- $(echo "$d" | tr ":" " ")
			rbd_rbd a "one-sys-$vm-$2" "$3" "$mode" &&
			rbd_on a mirror image enable "$P/one-sys-$vm-$2" "$mode" >/dev/null ;;
		esac || return 1
	done
}

test_expect_success 'setup: on site-a, VMs with persistent, cloned and volatile Ceph disks, running' '
	image 0 "alpine-os" NO 32 journal OS && image 1 "alpine-data" YES 16 journal DATABLOCK &&
	image 2 "db-data" YES 16 journal DATABLOCK && image 3 "db-os" YES 16 journal OS &&
	# VM 0: the seed alpine-0-rep, as the capture allocated it
	call a one.vm.allocate "NAME = \"alpine-0-rep\"
CPU = \"0.1\"
MEMORY = \"96\"
ARCH = \"x86_64\"
DISK = [ IMAGE_ID = \"0\" ]
DISK = [ IMAGE_ID = \"1\" ]
DISK = [ TYPE = \"fs\", SIZE = \"16\", FORMAT = \"raw\" ]
NIC = [ NETWORK_ID = \"0\" ]
NIC_DEFAULT = [ MODEL = \"virtio\" ]
GRAPHICS = [ LISTEN = \"0.0.0.0\", TYPE = \"vnc\" ]
OS = [ ARCH = \"x86_64\" ]
CONTEXT = [ NETWORK = \"YES\", SSH_PUBLIC_KEY = \"ssh-rsa AAAA... test\" ]
REPLICA_ROLE = \"primary\"" b:0 >id && test "$(cat id)" = 0 &&
	# VM 1: quoting everywhere, snapshot-mode disks, owned by alice, two networks
	call a one.vm.allocate "NAME = \"db [1] (main) x\"
CPU = 1
VCPU = 2
MEMORY = 128
DISK = [ IMAGE_ID = 3, CACHE = \"none\" ]
DISK = [ IMAGE_ID = 2 ]
DISK = [ TYPE = \"swap\", SIZE = \"8\" ]
NIC = [ NETWORK_ID = 0, MODEL = \"virtio\" ]
NIC = [ NETWORK_ID = 1 ]
FEATURES = [ ACPI = \"yes\" ]
RAW = [ TYPE = \"kvm\", DATA = \"<devices><serial type=\\\"pty\\\"/></devices>\" ]
SCHED_REQUIREMENTS = \"HYPERVISOR = kvm\"
SCHED_DS_REQUIREMENTS = \"ID = 101\"
CONTEXT = [ NETWORK = \"YES\", START_SCRIPT = \"echo \\\"a [b] & <c>\\\" \\\\ x
second line\" ]
NOTE = \"q \\\" [x] (y) < & > \\\\ back\\\\slash
multi\"
LABELS = \"dr,tier1\"" b:0 >id && test "$(cat id)" = 1 &&
	call a one.vm.chown i:1 i:2 i:1 &&
	printf "x" >/tmp/onedr-t60-$$.iso &&
	call a one.image.allocate "NAME=installer TYPE=CDROM PATH=/tmp/onedr-t60-$$.iso SIZE=1" i:2 >id &&
	test "$(cat id)" = 4 && image 5 "snap-data" YES 16 snapshot DATABLOCK &&
	# VM 2: a CD-ROM from the files datastore: not on Ceph
	call a one.vm.allocate "NAME = \"with-cdrom\"
MEMORY = 64
CPU = 1
DISK = [ IMAGE_ID = 0 ]
DISK = [ IMAGE_ID = 4 ]" b:0 >id2 && test "$(cat id2)" = 2 &&
	# VM 3: snapshot-mode disks
	call a one.vm.allocate "NAME = \"snapvm\"
MEMORY = 64
CPU = 1
DISK = [ IMAGE_ID = 5 ]
DISK = [ TYPE = fs, SIZE = 8, FORMAT = raw ]" b:0 >id3 && test "$(cat id3)" = 3 ||
	{ cat "$TRASH/oned-a.log"; false; }
'

test_expect_success 'setup: deployed (the drivers create the clones and volatile disks) and running' '
	for v in 0 1; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	prolog 0 journal clone:0:0 sys:2:16 &&
	prolog 1 journal sys:2:8 &&
	prolog 2 journal clone:0:0 &&
	prolog 3 snapshot sys:1:8 &&
	for v in 2 3; do call a one.vm.deploy "i:$v" i:0 b:0 i:101 >/dev/null || exit 1; done &&
	for v in 0 1 2 3; do wait_until 20 "VM $v RUNNING" vm_is a $v 3/3 || exit 1; done &&
	for v in 0 1 2 3; do call a one.vm.info "i:$v" >"$TRASH/a-vm$v.xml" || exit 1; done
'

# the journal-mode disks of VMs 0-2, and the snapshot-mode disks of VM 3
DISKS="one-0-0-0 one-1 one-sys-0-2 one-3 one-2 one-sys-1-2 one-0-2-0"
SNAPDISKS="one-5 one-sys-3-1"

test_expect_success 'onedr export --all writes every manifest and names the unprotected CD-ROM' '
	onedr_sa export --all >out 2>err &&
	for d in $DISKS; do grep -q "^VM [0-9]: disk [0-9] $P/$d: manifest written" out || exit 1; done &&
	grep -q "^VM 2 (with-cdrom): disk 1 UNPROTECTED: not on Ceph (TM_MAD" out &&
	grep -q "^VM 3: disk 0 $P/one-5: manifest written, mirror snapshot taken" out &&
	grep -q "^VM 3: disk 1 $P/one-sys-3-1: manifest written, mirror snapshot taken" out &&
	grep -q "^export: 4 VMs: 0 failed, 0 skipped, 1 with unprotected disks; manifests 9 written, 0 unchanged" out
'

test_expect_success 'export again rewrites nothing' '
	onedr_sa export 0 1 2 3 >out &&
	grep -q "manifests 0 written, 9 unchanged" out
'

test_expect_success 'export without SIGNING_KEY: one clear error, nothing written' '
	grep -v "^SIGNING_KEY" "$TRASH/a.conf" >nokey.conf &&
	test_exit_code 2 "$ONEDR" -c nokey.conf export 0 >out 2>err &&
	one_line err && grep -q "SIGNING_KEY is not set in nokey.conf: export needs the key that signs the manifests" err &&
	! grep -q "manifest" out
'

test_expect_success 'a signing key readable by others: one clear error naming it' '
	cp "$LAB_DIR/onedr.key" k644 && chmod 644 k644 &&
	sed "s|^SIGNING_KEY = .*|SIGNING_KEY = \"$TRASH/k644\"|" "$TRASH/a.conf" >k644.conf &&
	test_exit_code 2 "$ONEDR" -c k644.conf export 0 >out 2>err &&
	one_line err && grep -q "signing key .$TRASH/k644. is readable or writable by group or others (mode 0644): chmod 600 it" err
'

test_expect_success 'export --print shows the manifest as template text and writes nothing' '
	onedr_sa export --print 0 >out &&
	grep -q "^NAME=\"alpine-0-rep\"" out && grep -q "^SOURCE=\"$P/one-0-0-0\"" out &&
	grep -q "^PERSISTENT=\"YES\"" out && ! grep -q "manifest written" out
'

test_expect_success 'setup: VM 4, whose manifest gets damaged on its way (one byte changed)' '
	call a one.vm.allocate "NAME = damaged
MEMORY = 64
CPU = 1
DISK = [ TYPE = fs, SIZE = 8, FORMAT = raw ]" b:0 >id && test "$(cat id)" = 4 &&
	call a one.vm.deploy i:4 i:0 b:0 i:101 >/dev/null && prolog 4 journal sys:0:8 &&
	onedr_sa export 4 >out && grep -q "manifest written" out &&
	rbd_a image-meta get "$P/one-sys-4-0" onedr.manifest >good &&
	rbd_a image-meta set "$P/one-sys-4-0" onedr.manifest "$(sed "s/<NAME>damaged</<NAME>damagEd</" good)" &&
	wait_until 60 "damage replicated" sh -c "rbd -c \"$LAB_B_CONF\" image-meta get $P/one-sys-4-0 onedr.manifest | grep -q damagEd"
'

test_expect_success 'export of a VM never deployed skips it: its disks do not exist yet' '
	call a one.vm.allocate "NAME = pending
MEMORY = 64
CPU = 1
DISK = [ IMAGE_ID = 0 ]" b:1 >id && test "$(cat id)" = 5 &&
	onedr_sa export 5 >out &&
	grep -q "^VM 5 (pending): skipped: not deployed yet, its disks do not exist" out &&
	grep -q "^export: 1 VMs: 0 failed, 1 skipped" out
'

# resign KEYFILE VERSION < manifest > manifest: the body signed with another
# key, or as an older onedr wrote it (version 1, a bare checksum)
resign() {
	python3 -c '
import hashlib, hmac, sys
key, version = sys.argv[1], sys.argv[2]
body = sys.stdin.read().split("\n", 1)[1].rstrip("\n")	# as "$(cat FILE)" sets it
if version == "1":
    body = body.replace("<VERSION>2</VERSION>", "<VERSION>1</VERSION>")
    head = "onedr-manifest 1 sha256=" + hashlib.sha256(body.encode()).hexdigest()
else:
    head = "onedr-manifest 2 hmac-sha256=" + hmac.new(open(key, "rb").read(), body.encode(), hashlib.sha256).hexdigest()
sys.stdout.write(head + "\n" + body)' "$@"
}

test_expect_success 'setup: VM 6 with a persistent disk, exported, then terminated on site-a' '
	rbd_a image-meta get "$P/one-sys-4-0" onedr.manifest >"$TRASH/damaged4" &&
	image 6 "old-data" YES 16 journal DATABLOCK &&
	call a one.vm.allocate "NAME = gone
MEMORY = 64
CPU = 1
DISK = [ IMAGE_ID = 6 ]" b:0 >id && test "$(cat id)" = 6 &&
	call a one.vm.deploy i:6 i:0 b:0 i:101 >/dev/null &&
	wait_until 20 "VM 6 RUNNING" vm_is a 6 3/3 &&
	onedr_sa export 6 >out && grep -q "^VM 6: disk 0 $P/one-6: manifest written" out &&
	call a one.vm.action terminate-hard i:6 >/dev/null &&
	wait_until 20 "VM 6 DONE" vm_is a 6 "6/*"
'

test_expect_success 'export --all retires the manifest of a VM that no longer exists, once' '
	onedr_sa export --all >out 2>err &&
	grep -q "^VM 6 (gone): $P/one-6: manifest retired" out &&
	grep -q "^VM 6 (gone): retired: it no longer exists in oned" out &&
	grep -q "; 1 gone VMs retired" out &&
	rbd_a image-meta get "$P/one-6" onedr.manifest | grep -q "<RETIRED>[0-9]*</RETIRED>" &&
	onedr_sa export --all >out 2>err && grep -q "; 0 gone VMs retired" out
'

test_expect_success 'a retired manifest reaches site-b; manifest shows it RETIRED' '
	wait_until 60 "retired manifest on site-b" sh -c "rbd -c \"$LAB_B_CONF\" image-meta get $P/one-6 onedr.manifest | grep -q RETIRED" &&
	onedr_sb manifest >out; grep -Eq "^site-a +6 gone .* RETIRED,signed" out
'

test_expect_success 'register of a retired VM by name is refused, nothing registered' '
	test_exit_code 2 onedr_sb register 6 >out 2>err &&
	one_line err && grep -q "VM site-a/6 (gone) is retired: it no longer exists on site-a" err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'an unsigned (version 1) manifest is refused by register on site-b: re-export' '
	onedr_sa export 4 >out && rbd_a image-meta get "$P/one-sys-4-0" onedr.manifest >good4 &&
	resign - 1 <good4 >v1 &&
	rbd_a image-meta set "$P/one-sys-4-0" onedr.manifest "$(cat v1)" &&
	wait_until 60 "v1 replicated" sh -c "rbd -c \"$LAB_B_CONF\" image-meta get $P/one-sys-4-0 onedr.manifest | grep -q \"^onedr-manifest 1 \"" &&
	test_exit_code 2 onedr_sb register 4 >out 2>err &&
	one_line err && grep -q "manifest of VM site-a/4 is unsigned (written by an older onedr): re-export it on site-a with SIGNING_KEY set" err &&
	test_exit_code 4 onedr_sb manifest >out && grep -Eq "^site-a +4 damaged .* UNSIGNED:re-export" out &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'a manifest signed with another key is refused by register on site-b' '
	head -c 32 /dev/urandom >other.key &&
	sed "s|<NAME>damaged</NAME>|<NAME>forged</NAME>|" good4 | resign other.key 2 >forged &&
	rbd_a image-meta set "$P/one-sys-4-0" onedr.manifest "$(cat forged)" &&
	wait_until 60 "forgery replicated" sh -c "rbd -c \"$LAB_B_CONF\" image-meta get $P/one-sys-4-0 onedr.manifest | grep -q forged" &&
	test_exit_code 2 onedr_sb register 4 >out 2>err &&
	one_line err && grep -q "VM 4: its manifest on $P/one-sys-4-0 is damaged (signature does not match" err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'a signed manifest copied onto another VM'"'"'s disk is refused there' '
	rbd_a image-meta set "$P/one-sys-4-0" onedr.manifest "$(rbd_a image-meta get "$P/one-1" onedr.manifest)" &&
	wait_until 60 "copy replicated" sh -c "rbd -c \"$LAB_B_CONF\" image-meta get $P/one-sys-4-0 onedr.manifest | grep -q alpine-0-rep" &&
	test_exit_code 4 onedr_sb manifest >out &&
	grep -q "^$P/one-sys-4-0: DAMAGED manifest: the manifest does not list this image among its disks" out &&
	grep -Eq "^site-a +0 alpine-0-rep +oneadmin:oneadmin +3 +3 " out
'

test_expect_success 'setup: VM 4 damaged again (one byte changed), as the tests below expect' '
	rbd_a image-meta set "$P/one-sys-4-0" onedr.manifest "$(cat "$TRASH/damaged4")" &&
	wait_until 60 "damage replicated" sh -c "rbd -c \"$LAB_B_CONF\" image-meta get $P/one-sys-4-0 onedr.manifest | grep -q damagEd"
'

test_expect_success 'guests write: data lands on site-a and replicates to site-b' '
	for d in $DISKS; do write_data a "$d" 1 || exit 1; done &&
	for d in $DISKS; do wait_until 120 "$d in sync" same_data "$d" || exit 1; done &&
	for d in $DISKS; do md5_of a "$d" >"$TRASH/md5.$d" || exit 1; done
'

test_expect_success 'status on site-a shows each manifest synced to site-b' '
	wait_until 60 "manifests synced" manifests_synced
'

manifest_state() {
	onedr_sa status -j >st.json 2>/dev/null
	python3 -c "import json, sys; m = {i[\"image\"]: i[\"manifest\"] for i in json.load(open(\"st.json\"))[\"images\"]}; sys.exit(m.get(sys.argv[1]) != sys.argv[2])" "$1" "$2"
}

test_expect_success 'a snapshot-mode manifest changed without a mirror snapshot shows as pending; export carries it' '
	rbd_a image-meta get "$P/one-5" onedr.manifest >good &&
	rbd_a image-meta set "$P/one-5" onedr.manifest "$(sed "s/<NAME>snapvm</<NAME>snapVM</" good)" &&
	manifest_state one-5 pending &&
	test_exit_code 4 onedr_sa status >out && grep -q "^one-5 .* pending .*manifest not on the peer yet" out &&
	onedr_sa export 3 >out &&
	grep -q "^VM 3: disk 0 $P/one-5: manifest written, mirror snapshot taken" out &&
	wait_until 30 "one-5 manifest synced" manifest_state one-5 synced
'

test_expect_success 'an export whose mirror snapshot failed after the write (as if killed) is finished by the rerun' '
	n=$(rbd_a snap ls --all "$P/one-5" | tail -n +2 | wc -l) &&
	rbd_a snap limit set --limit "$n" "$P/one-5" &&
	rbd_a image-meta get "$P/one-5" onedr.manifest >good &&
	rbd_a image-meta set "$P/one-5" onedr.manifest "$(sed "s/<NAME>snapvm</<NAME>snapVM</" good)" &&
	{ test_exit_code 1 onedr_sa export 3 >out; rc=$?; rbd_a snap limit clear "$P/one-5"; test $rc = 0; } &&
	grep -q "^VM 3: disk 0 $P/one-5: failed: Disk quota exceeded" out &&
	manifest_state one-5 pending &&
	onedr_sa export 3 >out &&
	grep -q "^VM 3: disk 0 $P/one-5: manifest unchanged, mirror snapshot taken (the last write stopped before it)" out &&
	wait_until 30 "one-5 manifest synced" manifest_state one-5 synced &&
	onedr_sa export 3 >out && grep -q "^VM 3: disk 0 $P/one-5: manifest unchanged$" out
'

test_expect_success 'onedr manifest on site-b lists the four VMs from site-a, and the damaged copy' '
	test_exit_code 4 onedr_sb manifest >out &&
	grep -q "^$P/one-sys-4-0: DAMAGED manifest: signature does not match" out &&
	grep -Eq "^site-a +0 alpine-0-rep +oneadmin:oneadmin +3 +3 +0 " out &&
	grep -Eq "^site-a +1 db \[1\] \(main\) x +alice:users +3 +3 +0 " out &&
	grep -Eq "^site-a +2 with-cdrom +oneadmin:oneadmin +2 +1 +1 " out &&
	grep -Eq "^site-a +3 snapvm +oneadmin:oneadmin +2 +2 +0 " out &&
	grep -Eq "^site-a +6 gone +oneadmin:oneadmin +1 +1 +0 .* RETIRED,signed" out &&
	test "$(grep -c "^site-a " out)" = 5
'

# The snapshot-mode disks of VM 3 stay non-primary for now, on purpose:
# recreate must refuse to start a VM on them. They are promoted after that.
test_expect_success 'site-a dies (Ceph and oned); promote --force of the journal disks on site-b' '
	"$LAB" kill site-a && kill "$SA" && SA= &&
	onedr_sb promote --force --timeout 60 $(for d in $DISKS one-sys-4-0; do echo "$P/$d"; done) >out &&
	for d in $DISKS one-sys-4-0; do is_primary b "$d" || exit 1; done &&
	for d in $SNAPDISKS; do is_non_primary b "$d" || exit 1; done
'

test_expect_success 'onedr manifest --show on site-b prints a manifest with site-a gone' '
	onedr_sb manifest --show 1 >out &&
	grep -q "^NAME=\"db \[1\] (main) x\"" out && grep -q "^# DISK 0: persistent disk, RBD $P/one-3" out
'

test_expect_success 'register without a datastore mapping: one clear error, nothing registered' '
	grep -v "FROM = \"ceph-sys\"" "$TRASH/b.conf" >nomap.conf &&
	test_exit_code 2 "$ONEDR" -c nomap.conf register 0 >out 2>err &&
	one_line err && grep -q "no DATASTORE_MAP for datastore .ceph-sys." err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'register with a wrong password: one clear error, nothing registered' '
	printf "oneadmin:not-the-password\n" >bad_auth &&
	sed "s|AUTH = \"[^\"]*\"|AUTH = \"$TRASH/bad_auth\"|" "$TRASH/b.conf" >badpw.conf &&
	test_exit_code 3 "$ONEDR" -c badpw.conf register 0 >out 2>err &&
	one_line err && grep -q "authentication failed" err && ! grep -q "not-the-password" err out &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'register of an unknown VM: one clear error, nothing registered' '
	test_exit_code 2 onedr_sb register 0 77 >out 2>err &&
	one_line err && grep -q "VM 77: no manifest of it in pool .$P." err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'register and recreate refuse a VM of this site (SITE:ID of their own SITE)' '
	test_exit_code 2 onedr_sb register site-b:0 >out 2>err &&
	one_line err && grep -q "VM site-b:0: its manifest was written on this site (site-b)" err &&
	test_exit_code 2 onedr_sb recreate site-b:0 >out 2>err &&
	one_line err && grep -q "VM site-b:0: its manifest was written on this site" err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'register into a datastore that does not exist: one clear error, nothing registered' '
	sed "s|TO = \"ceph-img-b\"|TO = \"no-such-ds\"|" "$TRASH/b.conf" >nods.conf &&
	test_exit_code 2 "$ONEDR" -c nods.conf register 0 >out 2>err &&
	one_line err && grep -q "datastore .no-such-ds. (mapped from .ceph-[a-z]*.) does not exist on this site" err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'register into a datastore of another pool: refused, nothing registered' '
	sed "s|TO = \"ceph-img-b\"|TO = \"other-pool\"|" "$TRASH/b.conf" >pool.conf &&
	test_exit_code 2 "$ONEDR" -c pool.conf register 1 >out 2>err &&
	grep -q "datastore .other-pool. uses pool .elsewhere., the disk is in pool .$P." err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'a corrupted manifest (bad signature): one clear error, nothing registered' '
	test_exit_code 2 onedr_sb register 4 >out 2>err &&
	one_line err && grep -q "VM 4: its manifest on $P/one-sys-4-0 is damaged (signature does not match" err &&
	test "$(count b one.imagepool.info IMAGE)" = 0
'

test_expect_success 'register refuses, before creating anything, a disk whose NAME and NAME-SITE are both taken here' '
	call b one.image.allocate "NAME=alpine-data SOURCE=elsewhere/a FORMAT=raw SIZE=1" i:102 b:1 >t1 &&
	call b one.image.allocate "NAME=alpine-data-site-a SOURCE=elsewhere/b FORMAT=raw SIZE=1" i:102 b:1 >t2 &&
	test_exit_code 2 onedr_sb register 0 >out 2>err &&
	one_line err &&
	grep -q "VM site-a/0 (alpine-0-rep) disk 1 ($P/one-1): the image names .alpine-data. and .alpine-data-site-a. are both taken here" err &&
	images_are 2 &&
	call b one.image.delete "i:$(cat t1)" b:0 >/dev/null && call b one.image.delete "i:$(cat t2)" b:0 >/dev/null &&
	wait_until 20 "images deleted" images_are 0
'

# Site-b already has images of its own: oneadmin's "db-os" (the name of a
# disk of VM 1 on site-a), alice's "dup-1", and oneadmin's "dup-1" whose
# SOURCE is VM 1's volatile disk (as an earlier register whose chown to
# alice failed would leave it). oned's image names are unique per owner.
test_expect_success 'setup: images on site-b whose names clash with the manifests'"'"' images' '
	call b one.image.allocate "NAME=db-os SOURCE=elsewhere/x FORMAT=raw SIZE=1" i:102 b:1 >id &&
	call b one.image.allocate "NAME=dup-1 SOURCE=elsewhere/y FORMAT=raw SIZE=1" i:102 b:1 >dup_alice &&
	call b one.image.chown "i:$(cat dup_alice)" i:2 i:1 >/dev/null &&
	call b one.image.allocate "NAME=dup-1 SOURCE=$P/one-sys-1-2 FORMAT=raw SIZE=8 PERSISTENT=YES" i:100 b:1 >dup_admin &&
	test "$(count b one.imagepool.info IMAGE)" = 3
'

# one-5 is also registered here by hand already, its SOURCE written with a
# blank: the same RBD, which must not get a second image.
test_expect_success 'register --all registers every Ceph disk once by SOURCE; a taken NAME becomes NAME-SITE; a failed chown is an error' '
	call b one.image.allocate "NAME=snap-data-by-hand TYPE=DATABLOCK PERSISTENT=YES SOURCE=\" $P/one-5\" FORMAT=raw SIZE=16" i:100 b:1 >byhand &&
	test_exit_code 1 onedr_sb register --all >out 2>err &&
	grep -q "register: 4 VMs, 9 disks: 7 registered, 1 already registered, 1 failed" out &&
	grep -q "^VM site-a/3 (snapvm): disk 0 $P/one-5: image $(cat byhand) (already registered)" out &&
	grep -q "^VM site-a/6 (gone): retired (it no longer exists on site-a), skipped" out &&
	grep -q "WARN: register: 1 damaged manifests in pool .$P. were skipped" err &&
	grep -q "disk 1 UNPROTECTED, not registered" out &&
	grep -q "^VM site-a/1 (db \[1\] (main) x): disk 0 $P/one-3: image [0-9]* (registered as .db-os-site-a.: .db-os. is taken here)" out &&
	grep -q "^VM site-a/1 (db \[1\] (main) x): disk 2 $P/one-sys-1-2: image $(cat dup_admin) registered, but its owner could not be set .*already owns image \[$(cat dup_alice)\] with NAME dup-1" out &&
	call b one.imagepool.info i:-2 i:-1 i:-1 >pool.xml &&
	for d in $DISKS $SNAPDISKS; do grep -q "<SOURCE><!\[CDATA\[ *$P/$d\]\]></SOURCE>" pool.xml || exit 1; done &&
	test "$(grep -o "<PERSISTENT>1</PERSISTENT>" pool.xml | wc -l)" = 9 &&
	grep -q "<UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>db-os-site-a</NAME>" pool.xml &&
	grep -q "<UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>db-os</NAME>" pool.xml
'

test_expect_success 'recreate refuses a VM whose registered image is not the mapped owner'"'"'s, nothing created' '
	test_exit_code 2 onedr_sb recreate 0 1 --deploy host-b >out 2>err &&
	one_line err &&
	grep -q "VM site-a/1 (db \[1\] (main) x): registered image $(cat dup_admin) is owned by oneadmin, expected alice: rerun onedr register" err &&
	test "$(count b one.vmpool.info VM)" = 0
'

test_expect_success 'once the clash is gone, register again sets the owner and registers nothing new' '
	call b one.image.delete "i:$(cat dup_alice)" b:0 >/dev/null &&
	wait_until 20 "image deleted" images_are 10 &&
	onedr_sb register --all >out &&
	grep -q "9 disks: 0 registered, 9 already registered, 0 failed" out &&
	call b one.imagepool.info i:-2 i:-1 i:-1 >pool.xml &&
	grep -q "<UNAME>alice</UNAME><GNAME>users</GNAME><NAME>dup-1</NAME>" pool.xml &&
	test "$(count b one.imagepool.info IMAGE)" = 10
'

test_expect_success 'recreate of the VM with an unprotected disk is refused, nothing created' '
	test_exit_code 2 onedr_sb recreate 0 2 --deploy host-b >out 2>err &&
	one_line err && grep -q "VM site-a/2 (with-cdrom): disk 1 is UNPROTECTED (not on Ceph" err &&
	test "$(count b one.vmpool.info VM)" = 0
'

test_expect_success 'recreate --deploy refuses a VM whose disks are not primary here, nothing created' '
	test_exit_code 2 onedr_sb recreate --all --deploy host-b --drop-unprotected >out 2>err &&
	test "$(grep -c ^ERROR err)" = 2 &&
	grep -q "VM site-a/3 (snapvm): disk 0 ($P/one-5) is not primary here: promote it first" err &&
	grep -q "VM site-a/3 (snapvm): disk 1 ($P/one-sys-3-1) is not primary here: promote it first" err &&
	test "$(count b one.vmpool.info VM)" = 0
'

test_expect_success 'recreate --deploy without a SYSTEM_DATASTORE_MAP: one line naming every VM, nothing created' '
	grep -v SYSTEM_DATASTORE_MAP "$TRASH/b.conf" >nosys.conf &&
	test_exit_code 2 "$ONEDR" -c nosys.conf recreate 0 1 --deploy host-b >out 2>err &&
	one_line err &&
	grep -q "no SYSTEM_DATASTORE_MAP for system datastore .ceph-sys. in nosys.conf: VM site-a/0 (alpine-0-rep), VM site-a/1 (db \[1\] (main) x)$" err &&
	test "$(count b one.vmpool.info VM)" = 0
'

test_expect_success 'recreate --deploy onto a system datastore the Ceph images cannot use (TM local), or onto an image datastore: refused, nothing created' '
	sed "s|TO = \"ceph-sys-b\"|TO = \"system\"|" "$TRASH/b.conf" >local.conf &&
	test_exit_code 2 "$ONEDR" -c local.conf recreate 0 --deploy host-b >out 2>err &&
	test "$(grep -c ^ERROR err)" = 3 &&
	grep -q "VM site-a/0 (alpine-0-rep): disk 0: image datastore .ceph-img-b. (TM_MAD ceph) does not support system datastore .system. (TM_MAD local)" err &&
	sed "s|TO = \"ceph-sys-b\"|TO = \"ceph-img-b\"|" "$TRASH/b.conf" >img.conf &&
	test_exit_code 2 "$ONEDR" -c img.conf recreate 0 --deploy host-b >out 2>err &&
	one_line err && grep -q "datastore .ceph-img-b. (mapped from .ceph-sys.) is not a system datastore" err &&
	test "$(count b one.vmpool.info VM)" = 0
'

# site-b's rbd-mirror, stuck on dead site-a, watches and locks them: promote
# --force takes them from it (the first promote blocklisted its client).
test_expect_success 'promote --force of the snapshot-mode disks of VM 3: primary and writable' '
	onedr_sb promote --force --timeout 60 $(for d in $SNAPDISKS; do echo "$P/$d"; done) >out &&
	for d in $SNAPDISKS; do
		grep -q "^$P/$d: promoted (forced)" out && is_primary b "$d" &&
		rbd_b image-meta set "$P/$d" onedr.t0060 yes || exit 1
	done
'

test_expect_success 'recreate brings VMs 0 and 1 back, deployed on the mapped Ceph system datastore and running on site-b' '
	onedr_sb recreate 0 1 --deploy host-b >out &&
	grep -q "^VM site-a/0 (alpine-0-rep): created as VM 0 (deployed, system datastore .ceph-sys-b.)" out &&
	grep -q "^VM site-a/1 (db \[1\] (main) x): created as VM 1 (deployed, system datastore .ceph-sys-b.)" out &&
	grep -q "^VM site-a/0 (alpine-0-rep): NIC 0 keeps IP 10.0.0.10; its MAC here is 02:01:0a:00:00:0a (network .lan-b.), it was 02:00:0a:00:00:0a" out &&
	grep -q "^VM site-a/1 (db \[1\] (main) x): SCHED_DS_REQUIREMENTS names site-a.s hosts or datastores (ID), dropped: ID = 101" out &&
	! grep -q "SCHED_REQUIREMENTS" out &&
	wait_until 20 "VM 0 RUNNING" vm_is b 0 3/3 &&
	wait_until 20 "VM 1 RUNNING" vm_is b 1 3/3
'

test_expect_success 'the recreated templates equal the originals, attribute by attribute' '
	call b one.vm.info i:0 >b0.xml && call b one.vm.info i:1 >b1.xml &&
	python3 "$TOP_SRCDIR/test/lab/vm-compare.py" "$TRASH/a-vm0.xml" b0.xml lan=lan-b --keep-addresses --system-ds=101:101 &&
	python3 "$TOP_SRCDIR/test/lab/vm-compare.py" "$TRASH/a-vm1.xml" b1.xml lan=lan-b wan=wan-b --system-ds=101:101 \
		--dropped=SCHED_DS_REQUIREMENTS &&
	! python3 "$TOP_SRCDIR/test/lab/vm-compare.py" "$TRASH/a-vm1.xml" b0.xml lan=lan-b >/dev/null &&
	! python3 "$TOP_SRCDIR/test/lab/vm-compare.py" "$TRASH/a-vm0.xml" b0.xml lan=lan-b --keep-addresses --system-ds=101:0 >/dev/null &&
	grep -q "<UNAME>alice</UNAME><GNAME>users</GNAME><NAME>db \[1\] (main) x</NAME>" b1.xml &&
	grep -q "<IP><!\[CDATA\[10.0.0.10\]\]></IP>" b0.xml &&
	grep -q "<MAC><!\[CDATA\[02:01:0a:00:00:0a\]\]></MAC>" b0.xml &&
	! grep -q "172.16.0" b1.xml
'

test_expect_success 'values with quotes, brackets, backslashes, < & and newlines survived' '
	python3 - "$TRASH/a-vm1.xml" b1.xml <<-PY
	import sys, xml.etree.ElementTree as ET
	a, b = (ET.parse(f).getroot() for f in sys.argv[1:])
	for path in ("USER_TEMPLATE/NOTE", "TEMPLATE/CONTEXT/START_SCRIPT", "TEMPLATE/RAW/DATA"):
	    assert a.findtext(path) == b.findtext(path), (path, a.findtext(path), b.findtext(path))
	    assert a.findtext(path), path
	assert "\\\\" in a.findtext("USER_TEMPLATE/NOTE") and "\n" in a.findtext("USER_TEMPLATE/NOTE")
	PY
'

test_expect_success 'the disks on site-b hold what site-a last wrote' '
	for d in $DISKS; do test "$(md5_of b "$d")" = "$(cat "$TRASH/md5.$d")" || exit 1; done
'

test_expect_success 'recreate again creates nothing' '
	onedr_sb recreate 0 1 --deploy host-b >out &&
	grep -q "recreate: 2 VMs: 0 created, 2 already there, 0 failed" out &&
	test "$(count b one.vmpool.info VM)" = 2
'

# A primary disk whose exclusive lock another client keeps (here an advisory
# lock) refuses image-meta with EROFS: export names that client.
test_expect_success 'export names the client holding the lock of a primary disk, not "not primary"' '
	rbd_b lock add "$P/one-3" t0060-holder &&
	locker=$(rbd_b lock ls "$P/one-3" | sed -n "s/^\(client\.[0-9]*\) *t0060-holder .*/\1/p") &&
	{ onedr_sb export 1 >out 2>err; rbd_b lock rm "$P/one-3" t0060-holder "$locker"; } &&
	cat out err &&
	grep -q "^VM 1: disk 0 $P/one-3: failed: the image is primary but its exclusive lock is held by $locker at 127\.0\.0\.1:[0-9]*/[0-9]*, which does not release it" out &&
	! grep -q "not primary" out
'

test_expect_success 'recreate --drop-unprotected brings the CD-ROM VM back without it, on hold' '
	onedr_sb recreate 2 --drop-unprotected >out &&
	grep -q "^VM site-a/2 (with-cdrom): created as VM 2 (HOLD)" out &&
	call b one.vm.info i:2 >b2.xml && test "$(grep -o "<DISK>" b2.xml | wc -l)" = 1
'

test_done

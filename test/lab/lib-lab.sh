# test/lab/lib-lab.sh: helpers for the tests that run against the two-site lab
# (test/lab/lab up). The rbd CLI is the independent witness of what onedr did.
. "$TOP_SRCDIR/test/lib.sh"

LAB_DIR=${LAB_DIR:-/tmp/onedr-lab}
if [ ! -r "$LAB_DIR/env.sh" ]; then
	echo "Bail out! no lab in $LAB_DIR: run 'test/lab/lab up' first (the README's test command does)"
	exit 1
fi
. "$LAB_DIR/env.sh"
LAB="$TOP_SRCDIR/test/lab/lab"
# Every test starts on a whole lab, as systemd keeps a real site: Ceph
# 16.2.15's rbd-mirror can abort (Objecter.cc "FAILED ceph_assert(op->session)")
# a while after promote --force blocklisted its pool client; `lab up`
# restarts dead daemons and leaves the running ones alone.
if ! "$LAB" status >/dev/null 2>&1; then
	echo "# lab: a daemon had died; restarting it"
	"$LAB" up >/dev/null 2>&1 || { echo "Bail out! the lab cannot be brought back up"; exit 1; }
fi
POOL=$LAB_POOL

rbd_a() { timeout 60 rbd -c "$LAB_A_CONF" "$@"; }
rbd_b() { timeout 60 rbd -c "$LAB_B_CONF" "$@"; }
rbd_on() { local s=$1; shift; if [ "$s" = a ]; then rbd_a "$@"; else rbd_b "$@"; fi; }
onedr_a() { "$ONEDR" -c "$LAB_A_ONEDR_CONF" "$@"; }
onedr_b() { "$ONEDR" -c "$LAB_B_ONEDR_CONF" "$@"; }

# A name no other test run uses: tests share the lab's pool.
img() { echo "$1-$TEST_NAME-$$"; }

# mk_image SITE journal|snapshot NAME [SIZE_MB]: a mirrored image, made the
# way OpenNebula's Ceph datastore makes them (format 2, layering, exclusive-lock).
mk_image() {
	local site=$1 mode=$2 name=$3 size=${4:-32} feat=layering,exclusive-lock
	[ "$mode" = journal ] && feat=$feat,journaling
	rbd_on "$site" create "$POOL/$name" --size "${size}M" --image-feature "$feat" &&
	rbd_on "$site" mirror image enable "$POOL/$name" "$mode"
}

# write_data SITE NAME [MB]: random 4K writes, as a guest would.
write_data() {
	rbd_on "$1" bench --io-type write --io-size 4K --io-pattern rand \
		--io-total "${3:-2}M" "$POOL/$2" >/dev/null
}

md5_of() { rbd_on "$1" export "$POOL/$2" - 2>/dev/null | md5sum | cut -d' ' -f1; }

is_primary() { rbd_on "$1" info "$POOL/$2" | grep -q "mirroring primary: true"; }
is_non_primary() { rbd_on "$1" info "$POOL/$2" | grep -q "mirroring primary: false"; }

mirror_state() { rbd_on "$1" mirror image status "$POOL/$2" 2>/dev/null | sed -n 's/^  state: *//p'; }
is_replaying() { [ "$(mirror_state "$1" "$2")" = "up+replaying" ]; }

# same_data A_SITE B_SITE NAME: both copies have the same content.
same_data() { [ "$(md5_of a "$1")" = "$(md5_of b "$1")" ]; }

# in_sync NAME: the non-primary side has what the primary side has. Snapshot
# mode copies only at mirror snapshots, so take one on the primary first.
snapshot_now() { rbd_on "$1" mirror image snapshot "$POOL/$2" >/dev/null; }

# The oned stand-ins of the OpenNebula tests (t0060, t0075): each listens on
# the port in $TRASH/SITE.port, oneadmin's password is $PW.
# call SITE METHOD ARG...: one XML-RPC call as oneadmin; i:N int, b:N bool
call() {
	python3 - "$(cat "$TRASH/$1.port")" "$PW" "$@" <<'PY'
import sys, xmlrpc.client
port, pw, site, method = sys.argv[1:5]
args = []
for a in sys.argv[5:]:
    t, v = (a[0], a[2:]) if a[:2] in ("i:", "b:") else ("s", a)
    args.append(int(v) if t == "i" else bool(int(v)) if t == "b" else v)
r = getattr(xmlrpc.client.ServerProxy("http://127.0.0.1:%s/RPC2" % port), method)("oneadmin:" + pw, *args)
if not r[0]:
    sys.exit("%s: %s" % (method, r[1]))
print(r[1])
PY
}
# count SITE POOL_METHOD ELEMENT: how many objects a pool call lists
count() { call "$1" "$2" i:-2 i:-1 i:-1 | grep -o "<$3><ID>" | wc -l; }

CEPH_ATTRS='DISK_TYPE=RBD CEPH_HOST=127.0.0.1 CEPH_USER=admin CEPH_SECRET=6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b BRIDGE_LIST=localhost'

# standins_up: a pool of its own ($P), the oned stand-ins of both sites
# (options in STANDIN_OPTS, more for site a's in STANDIN_OPTS_A), each with a dummy host (host-a, host-b) and Ceph
# image and system datastores on $P (ceph-img and ceph-sys, IDs 100 and 101,
# on site a; ceph-img-b and ceph-sys-b on site b); oneadmin's password $PW
# in $TRASH/auth; onedr configurations $TRASH/a.conf and $TRASH/b.conf for
# $P and each site's stand-in (b.conf with the user, group and image
# datastore maps). Run it in a test, then standins_pids outside one (a test
# runs in a subshell) sets SA and SB, the pids test_cleanup should kill.
: "${PW:=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}"
standins_pids() { SA=$(cat "$TRASH/a.pid" 2>/dev/null) SB=$(cat "$TRASH/b.pid" 2>/dev/null); }

# own_pool N: the test's pool of its own, one-tN-PID, in P and POOL (the
# stand-ins' image IDs restart at 0 in it), and the default test_cleanup,
# lab_cleanup: the stand-ins stopped (SA, SB: standins_pids), site-a started
# again when a daemon is down (a case may have killed it; `lab status` reads
# only pid files, `lab start` waits on Ceph), the pool removed. A test with
# more to clean defines its own test_cleanup after own_pool, ending in
# lab_cleanup.
own_pool() {
	P=one-t$1-$$
	POOL=$P
	SA= SB=
	test_cleanup() { lab_cleanup; }
}
lab_cleanup() {
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	[ -n "$SB" ] && kill "$SB" 2>/dev/null
	"$LAB" status >/dev/null 2>&1 || "$LAB" start site-a >/dev/null 2>&1 || true
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}

# standin_start SITE PORT: site's stand-in on its state dir (0: a free port)
standin_start() {
	local e= o=${STANDIN_OPTS:-}
	# site a's stand-in also gets STANDIN_OPTS_A, and the environment
	# assignments of STANDIN_ENV_A
	if [ "$1" = a ]; then e=${STANDIN_ENV_A:-} o="${STANDIN_OPTS:-} ${STANDIN_OPTS_A:-}"; fi
	# shellcheck disable=SC2086
	env $e "$TOP_SRCDIR/test/oned/oned-standin" --port "$2" --state "$TRASH/oned-$1" --auth "$TRASH/auth" \
		--step-delay 0 --monitor-interval 0 --remotes "$TRASH/remotes" $o \
		>"$TRASH/$1.port" 2>>"$TRASH/oned-$1.log" &
	echo $! >"$TRASH/$1.pid"
}
# standin_restart SITE: its stand-in SIGKILLed (oned crashing), then started
# again on the same state and port
standin_restart() {
	local port pid
	port=$(cat "$TRASH/$1.port") pid=$(cat "$TRASH/$1.pid") &&
	{ kill -9 "$pid" 2>/dev/null; true; } && wait_until 20 "stand-in $1 gone" sh -c "! kill -0 $pid 2>/dev/null" &&
	# the old port file removed first: standin_start truncates it in the
	# background, after this wait could have read the old port
	rm -f "$TRASH/$1.port" &&
	standin_start "$1" "$port" &&
	wait_until 20 "stand-in $1 listening" test -s "$TRASH/$1.port"
}
standins_up() {
	"$LAB" pool "$P" >/dev/null &&
	printf "oneadmin:%s\n" "$PW" >"$TRASH/auth" && chmod 600 "$TRASH/auth" &&
	# the stand-ins run the TM and datastore actions oned runs; here they
	# are recorders that succeed (the tests make the RBDs themselves), unless
	# STANDIN_OPTS gives another --remotes
	"$TOP_SRCDIR/test/oned/mkremotes" "$TRASH/remotes" recorder ceph fs local &&
	standin_start a 0 && standin_start b 0 &&
	wait_until 20 "stand-ins listening" test -s "$TRASH/a.port" -a -s "$TRASH/b.port" &&
	call a one.host.allocate host-a dummy dummy i:-1 >/dev/null &&
	call b one.host.allocate host-b dummy dummy i:-1 >/dev/null &&
	call a one.datastore.allocate "NAME=ceph-img DS_MAD=ceph TM_MAD=ceph POOL_NAME=$P $CEPH_ATTRS" i:-1 >/dev/null &&
	call a one.datastore.allocate "NAME=ceph-sys TYPE=SYSTEM_DS TM_MAD=ceph POOL_NAME=$P $CEPH_ATTRS" i:-1 >/dev/null &&
	call b one.datastore.allocate "NAME=ceph-img-b DS_MAD=ceph TM_MAD=ceph POOL_NAME=$P $CEPH_ATTRS" i:-1 >/dev/null &&
	call b one.datastore.allocate "NAME=ceph-sys-b TYPE=SYSTEM_DS TM_MAD=ceph POOL_NAME=$P $CEPH_ATTRS" i:-1 >/dev/null &&
	{ cat "$LAB_A_ONEDR_CONF"; echo "POOL = \"$P\""
	  echo "ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2\", AUTH = \"$TRASH/auth\" ]"; } >"$TRASH/a.conf" &&
	{ cat "$LAB_B_ONEDR_CONF"; echo "POOL = \"$P\""
	  echo "ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/b.port")/RPC2\", AUTH = \"$TRASH/auth\" ]"
	  echo "DATASTORE_MAP = [ FROM = \"ceph-img\", TO = \"ceph-img-b\" ]"
	  echo "USER_MAP = [ FROM = \"*\", TO = \"*\" ]"
	  echo "GROUP_MAP = [ FROM = \"*\", TO = \"*\" ]"; } >"$TRASH/b.conf"
}

# onedr_remotes DIR: OpenNebula's remotes as `make install` leaves them: the
# stock-like ceph drivers of test/oned/remotes (they make the RBDs with rbd on
# this machine) and every hook, TM and datastore entry of onedr's command table
# (`onedr help` lists them) as a link to $ONEDR in hooks/onedr, tm/onedr and
# datastore/onedr
onedr_remotes() {
	"$TOP_SRCDIR/test/oned/mkremotes" "$1" ceph &&
	mkdir -p "$1/hooks/onedr" "$1/tm/onedr" "$1/datastore/onedr" &&
	"$ONEDR" help | sed -n "s#^  \(hook\|tm\|datastore\)/\([a-z0-9_.-]*\)  .*#\1 \2#p" >"$TRASH/entries" &&
	test "$(grep -c "^tm " "$TRASH/entries")" -ge 23 && grep -q "^hook protect$" "$TRASH/entries" &&
	while read -r k n; do
		d=$k && [ "$k" = hook ] && d=hooks
		ln -sfn "$ONEDR" "$1/$d/onedr/$n" || return 1
	done <"$TRASH/entries"
}

# onedr_site_a: standins_up, with site-a's oned driving onedr as an installed
# OpenNebula does: its stand-in runs hooks and drivers from $REMOTES (default
# $TRASH/r, made by onedr_remotes; the onedr drivers in front of ceph's:
# --mad-conf onedr=ceph) with site-a's Ceph in CEPH_CONF and onedr's
# configuration in ONEDR_CONF ($TRASH/a.conf, plus REMOTES and MIRROR_MODE
# journal); an image and a system datastore on the onedr drivers (onedr-img
# and onedr-sys, IDs 102 and 103); every hook of share/onedr/hooks/ created
# from its template as shipped (the hook's ID in $TRASH/hook-NAME). Site-b's
# b.conf maps onedr-img to ceph-img-b and onedr-sys to ceph-sys-b.
onedr_site_a() {
	REMOTES=${REMOTES:-$TRASH/r}
	onedr_remotes "$REMOTES" &&
	# oned runs its drivers and hooks with its own environment; site-b's
	# stand-in keeps the recorders of standins_up
	STANDIN_ENV_A="ONEDR_CONF=$TRASH/a.conf CEPH_CONF=$LAB_A_CONF" \
	STANDIN_OPTS_A="--remotes $REMOTES --mad-conf onedr=ceph" standins_up &&
	{ echo "REMOTES = \"$REMOTES\""; echo "MIRROR_MODE = \"journal\""; } >>"$TRASH/a.conf" &&
	{ echo "DATASTORE_MAP = [ FROM = \"onedr-img\", TO = \"ceph-img-b\" ]"
	  echo "SYSTEM_DATASTORE_MAP = [ FROM = \"onedr-sys\", TO = \"ceph-sys-b\" ]"; } >>"$TRASH/b.conf" &&
	test "$(call a one.datastore.allocate "NAME=onedr-img DS_MAD=onedr TM_MAD=onedr POOL_NAME=$P $CEPH_ATTRS" i:-1)" = 102 &&
	test "$(call a one.datastore.allocate "NAME=onedr-sys TYPE=SYSTEM_DS TM_MAD=onedr POOL_NAME=$P $CEPH_ATTRS" i:-1)" = 103 &&
	for t in "$TOP_SRCDIR"/share/onedr/hooks/*.tmpl.in; do
		n=$(basename "$t" .tmpl.in) &&
		call a one.hook.allocate "$(sed "s|@ONE_REMOTES_DIR@|$REMOTES|g; s|@datadir@|/usr/share|g" "$t")" >"$TRASH/hook-$n" ||
			{ echo "template $n refused"; return 1; }
	done &&
	test -s "$TRASH/hook-protect" && test -s "$TRASH/hook-retire" && test -s "$TRASH/hook-image-ready"
}

# vm_table SITE: the VMs of SITE's oned, one line each: ID, name, state,
# host, and for a VM onedr recreated, the site and VM it came from and its RPO
vm_table() {
	call "$1" one.vmpool.infoextended i:-2 i:-1 i:-1 i:-1 | python3 -c '
import sys, xml.etree.ElementTree as ET
STATE = {"0": "INIT", "1": "PENDING", "2": "HOLD", "3": "ACTIVE", "4": "STOPPED", "5": "SUSPENDED",
         "6": "DONE", "8": "POWEROFF", "9": "UNDEPLOYED", "10": "CLONING", "11": "CLONING_FAILURE"}
LCM = {"0": "", "1": "LCM_INIT", "2": "BOOT", "3": "RUNNING", "36": "BOOT_FAILURE", "39": "PROLOG_FAILURE"}
print("%-4s %-10s %-10s %-8s %-12s %s" % ("ID", "NAME", "STATE", "HOST", "FROM", "ONEDR_RPO"))
for v in sorted(ET.fromstring(sys.stdin.read()).findall("VM"), key=lambda v: int(v.findtext("ID"))):
    st, lcm = v.findtext("STATE"), v.findtext("LCM_STATE")
    state = LCM.get(lcm, "LCM_" + lcm) if st == "3" else STATE.get(st, st)
    hosts = v.findall("HISTORY_RECORDS/HISTORY/HOSTNAME")
    src = v.findtext("USER_TEMPLATE/ONEDR_SOURCE_SITE")
    print("%-4s %-10s %-10s %-8s %-12s %s" % (v.findtext("ID"), v.findtext("NAME"), state,
          hosts[-1].text if hosts else "-", "%s/%s" % (src, v.findtext("USER_TEMPLATE/ONEDR_SOURCE_VM")) if src else "-",
          v.findtext("USER_TEMPLATE/ONEDR_RPO") or "-"))'
}

# Failing VMs over (t0160, t0165), with the stand-ins of standins_up: VMs
# made on site-a, their copies on site-b found by ONEDR_SOURCE_VM.
vm_state() { call "$1" one.vm.info "i:$2" | sed -n 's/.*<STATE>\([0-9]*\)<\/STATE><LCM_STATE>\([0-9]*\)<.*/\1\/\2/p'; }
# vm_is SITE ID PATTERN: the VM's STATE/LCM_STATE matches PATTERN (for
# wait_until: the stand-in runs the TM actions of a deploy or a terminate in
# the background, as oned does, so the state must be read again each time)
vm_is() { case "$(vm_state "$1" "$2")" in $3) return 0 ;; esac; return 1; }
onedr_sa() { "$ONEDR" -c "$TRASH/a.conf" "$@"; }
onedr_sb() { "$ONEDR" -c "$TRASH/b.conf" "$@"; }
# manifests_synced: site-a's manifests of the images in $DISKS are on site-b
manifests_synced() {
	onedr_sa status -j >st.json 2>/dev/null
	python3 - "$DISKS" <<-PY
	import json, sys
	m = {i["image"]: i["manifest"] for i in json.load(open("st.json"))["images"]}
	sys.exit(0 if all(m.get(x) == "synced" for x in sys.argv[1].split()) else 1)
	PY
}
# the VMs on site-b that came from site-a VM $1 (not DONE)
copies_of() {
	call b one.vmpool.infoextended i:-2 i:-1 i:-1 i:-1 | python3 -c '
import sys, xml.etree.ElementTree as ET
n = [v for v in ET.fromstring(sys.stdin.read()).findall("VM")
     if v.findtext("USER_TEMPLATE/ONEDR_SOURCE_VM") == sys.argv[1] and v.findtext("STATE") != "6"]
print(" ".join(v.findtext("ID") for v in n))' "$1"
}
running_once() { ids=$(copies_of "$1") && test "$(echo $ids | wc -w)" = 1 && vm_is b "$ids" 3/3; }

# image N MODE: RBD one-N, mirrored in MODE, registered as persistent image N on site-a
image() {
	mk_image a "$2" "one-$1" 16 >/dev/null &&
	call a one.image.allocate "NAME=\"disk-$1\" TYPE=DATABLOCK PERSISTENT=YES SOURCE=$P/one-$1 FORMAT=raw SIZE=16" i:100 b:1 >id &&
	test "$(cat id)" = "$1"
}
# vm N PRIORITY DISK...: VM N on site-a with those images, ONEDR_PRIORITY in USER_TEMPLATE
vm() {
	n=$1 prio=$2; shift 2
	{ echo "NAME = \"vm-$n\""; echo "MEMORY = 64"; echo "CPU = 1"
	  for d in "$@"; do echo "DISK = [ IMAGE_ID = $d ]"; done; } >tmpl &&
	call a one.vm.allocate "$(cat tmpl)" b:0 >id && test "$(cat id)" = "$n" &&
	call a one.vm.update "i:$n" "ONEDR_PRIORITY = \"$prio\"" i:1 >/dev/null
}

# The execution records of site a's hook ID $1 (oned's HOOKLOG)
hook_log() { call a one.hook.info "i:$1"; }
hook_runs() { hook_log "$1" | grep -o "<CODE>[0-9-]*</CODE>" | wc -l; }
hook_codes() { hook_log "$1" | grep -o "<CODE>[0-9-]*</CODE>" | sed 's/<[A-Z/]*>//g' | tr '\n' ' '; }
# the last run's stdout / stderr of hook $1
hook_out() {
	hook_log "$1" | python3 -c '
import sys, base64, re
recs = re.findall(r"<HOOK_EXECUTION_RECORD>(.*?)</HOOK_EXECUTION_RECORD>", sys.stdin.read(), re.S)
last = recs[-1]
for tag in ("STDOUT", "STDERR"):
    m = re.search(r"<%s>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</%s>" % (tag, tag), last, re.S)
    if m and m.group(1).strip():
        sys.stdout.write(base64.b64decode(m.group(1)).decode())
'
}
hook_ran() { test "$(hook_runs "$1")" -ge "$2"; }
elapsed() { echo $(( $(date +%s) - $1 )); }

# Switching VMs over (t0190, t0191), with the stand-ins of standins_up.
# peer_ones: each site's configuration reaches the other site's oned
# (PEER_ONE) and has the maps of a move towards it, so that a switchover to
# site-b can be driven from either site
peer_ones() {
	echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/a.port")/RPC2\", AUTH = \"$TRASH/auth\" ]" >>"$TRASH/b.conf" &&
	echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys\", TO = \"ceph-sys-b\" ]" >>"$TRASH/b.conf" &&
	{ echo "PEER_ONE = [ ENDPOINT = \"http://127.0.0.1:$(cat "$TRASH/b.port")/RPC2\", AUTH = \"$TRASH/auth\" ]"
	  echo "DATASTORE_MAP = [ FROM = \"ceph-img-b\", TO = \"ceph-img\" ]"
	  echo "SYSTEM_DATASTORE_MAP = [ FROM = \"ceph-sys-b\", TO = \"ceph-sys\" ]"
	  echo "USER_MAP = [ FROM = \"*\", TO = \"*\" ]"
	  echo "GROUP_MAP = [ FROM = \"*\", TO = \"*\" ]"; } >>"$TRASH/a.conf"
}
# replica_of_b DISK...: site-b's data is on site-a (failback): primary on
# site-b, non-primary on site-a, md5 equal
replica_of_b() {
	for d in "$@"; do
		is_primary b "$d" && is_non_primary a "$d" && same_data "$d" ||
		{ echo "# $d: not a replica of site-b's copy"; return 1; }
	done
}
# switched N: site-a's VM N is POWEROFF with the note naming its copy on site-b
switched() {
	vm_is a "$1" 8/0 && call a one.vm.info "i:$1" >sw.xml &&
	grep -q "<ONEDR_SWITCHED_TO><!\[CDATA\[site-b\]\]></ONEDR_SWITCHED_TO>" sw.xml &&
	grep -q "<ONEDR_SWITCHED_VM><!\[CDATA\[$(copies_of "$1")\]\]></ONEDR_SWITCHED_VM>" sw.xml &&
	grep -q "<ONEDR_SWITCHOVER_RUN>" sw.xml
}
# switchover_killed STEP WHEN N DISK IMAGES: site-a's VM N (one disk, DISK),
# written, switched over to site-b by a switchover driven from site-b and
# SIGKILLed at its STEP step (ONEDR_TEST_KILL=STEP:WHEN: before its action or
# after it), then run again (from site-a when N is even): the same run
# resumes and converges with nothing twice: the VM RUNNING once on site-b, the
# old one POWEROFF with the note, IMAGES images registered on site-b, DISK
# primary on site-b and a replica on site-a with the same data, the run
# finished with each of its 9 steps done once, the killed one at attempt 2
switchover_killed() {
	local step=$1 when=$2 n=$3 d=$4 images=$5 rc=0 rerun=onedr_sb
	[ $((n % 2)) = 0 ] && rerun=onedr_sa
	write_data a "$d" 1 || return 1
	ONEDR_TEST_KILL=$step:$when "$ONEDR" -c "$TRASH/b.conf" switchover --to site-b --deploy host-b "$n" >k1 2>&1 || rc=$?
	test $rc = 137 || { echo "# exit $rc, not SIGKILLed at $step:$when"; cat k1; return 1; }
	tail -n 3 k1
	$rerun switchover --to site-b --deploy host-b "$n" >k2 2>&1 || { cat k2; return 1; }
	grep -q '^resuming run' k2 || { cat k2; return 1; }
	running_once "$n" && switched "$n" &&
	test "$(count b one.imagepool.info IMAGE)" = "$images" &&
	is_primary b "$d" && is_non_primary a "$d" &&
	{ same_data "$d" || { echo "# $d differs"; false; }; } &&
	run_resumed switchover 9 "$step"
}
# Site A dying during a switchover (t0192, t0193), with the stand-ins of
# standins_up and VM N on disk one-N of pool $P.
# one_image N: exactly one image of site-b has the SOURCE of VM N's disk
one_image() {
	call b one.imagepool.info i:-2 i:-1 i:-1 >images.xml &&
	test "$(grep -c "<SOURCE><!\[CDATA\[$P/one-$1\]\]></SOURCE>" images.xml)" = 1
}
# site_a_up: site-a's Ceph started again, and its stand-in on its old port
# (a.port emptied first: the stand-in's redirection empties it only once its
# job starts, and until it listens the old port would be read)
site_a_up() {
	"$LAB" start site-a >/dev/null 2>&1 &&
	if ! kill -0 "$(cat "$TRASH/a.pid")" 2>/dev/null; then
		port=$(cat "$TRASH/a.port") && : >"$TRASH/a.port" && standin_start a "$port" &&
		wait_until 60 "stand-in a listening" test -s "$TRASH/a.port"
	fi
}
# run_state RUN: the state of run RUN in site-b's journal
run_state() {
	onedr_sb report -j "$1" >run.json 2>/dev/null &&
	python3 -c 'import json; print(json.load(open("run.json"))["state"])'
}
# switchover_frozen CONF KILL N [CMD...]: `onedr -c CONF switchover --to
# site-b --deploy host-b N` (run through CMD..., e.g. another host name)
# SIGSTOPped at ONEDR_TEST_KILL=KILL:1:STOP; its output in k1, its run ID in
# run, its pid in $TRASH/stopped.pid, and the md5 site-a had replicated of
# one-N when it stopped in md5
switchover_frozen() {
	local conf=$1 kill=$2 n=$3 pid
	shift 3
	ONEDR_TEST_KILL=$kill:1:STOP "$@" "$ONEDR" -c "$conf" switchover --to site-b --deploy host-b "$n" >k1 2>&1 &
	pid=$! && echo $pid >"$TRASH/stopped.pid" &&
	wait_until 300 "onedr stopped at $kill" sh -c "ps -o stat= -p $pid | grep -q T" &&
	cat k1 && sed -n "s/^run \([^ ]*\)$/\1/p" k1 >run && test -s run &&
	wait_until 120 "one-$n in sync" same_data "one-$n" && md5_of a "one-$n" >md5
}
# site_a_dies: site-a's Ceph and oned killed, and the frozen onedr of
# switchover_frozen with them (SIGKILL: nothing of it runs again)
site_a_dies() {
	local pid
	pid=$(cat "$TRASH/stopped.pid") &&
	"$LAB" kill site-a >/dev/null && kill -9 "$(cat "$TRASH/a.pid")" &&
	kill -9 "$pid" && { wait "$pid"; true; } && rm -f "$TRASH/stopped.pid"
}
# moved_to_b N: VM N RUNNING once on site-b, one image of its disk there,
# the disk primary on site-b with the data site-a had replicated (md5)
moved_to_b() {
	{ running_once "$1" || { echo "VM $1: copies on site-b: $(copies_of "$1")"; false; }; } &&
	{ one_image "$1" || { echo "VM $1: not one image of one-$1 on site-b"; false; }; } &&
	is_primary b "one-$1" &&
	{ test "$(md5_of b "one-$1")" = "$(cat md5)" || { echo "one-$1: not the data site-a had"; false; }; }
}
# step_of RUN VM STEP: "STATE: DETAIL" of the step STEP of site-a's VM in
# run RUN of site-b's journal (one line per step recorded)
step_of() {
	onedr_sb report -j "$1" >run.json 2>/dev/null &&
	python3 - "$2" "$3" <<-'PY'
	import json, sys
	for x in json.load(open("run.json"))["steps"]:
	    if x["vm"] == "site-a/" + sys.argv[1] and x["step"] == sys.argv[2]:
	        print("%s: %s" % (x["state"], x.get("detail", "")))
	PY
}

# run_resumed KIND NSTEPS STEP: site-b's last run is a KIND, finished, its
# NSTEPS steps done, STEP among them once and at attempt 2 (SIGKILLed, then
# resumed)
run_resumed() {
	onedr_sb report -j >rep.json &&
	python3 - "$1" "$2" "$3" <<-'PY'
	import json, sys
	kind, nsteps, step = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	r = json.load(open('rep.json'))
	assert r['kind'] == kind and r['state'] == 'finished', (r['kind'], r['state'])
	s = r['steps']
	assert all(x['state'] == 'done' for x in s), s
	k = [x for x in s if x['step'] == step]
	assert len(k) == 1 and k[0]['attempt'] == 2, k
	assert len(s) == nsteps, (len(s), s)
	PY
}
# failback_resumed STEP: the same for a failback and its 4 steps
failback_resumed() { run_resumed failback 4 "$1"; }
# exported_synced: site-a's $NVMS VMs exported, each of $DISKS written on
# site-a and the same on site-b, every manifest on site-b; bd.conf is b.conf
# with a 5 s TIMEOUT/CONNECT, for the commands run while site-a is dead
exported_synced() {
	onedr_sa export --all >out 2>err && grep -q "^export: $NVMS VMs: 0 failed" out &&
	for d in $DISKS; do write_data a "$d" 1 || return 1; done &&
	for d in $DISKS; do wait_until 180 "$d in sync" same_data "$d" || return 1; done &&
	wait_until 120 "manifests synced" manifests_synced &&
	{ cat "$TRASH/b.conf"; echo "TIMEOUT = [ CONNECT = \"5\" ]"; } >"$TRASH/bd.conf"
}

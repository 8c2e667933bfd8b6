#!/bin/sh
# t0003-hook-payloads: every hook payload a real oned 7.0.2 sent (both
# fixture sets) through the entry OpenNebula would run it as, a link
# <remotes>/hooks/onedr/NAME to onedr, stdin as onehem writes it. No cluster
# and no oned: Ceph and oned are configured but unreachable, so a payload
# that decodes and builds its manifest ends in the one error that says so
# (exit 3); a bad payload is refused before (exit 2); what the hook skips
# says so in one line (exit 0).
. "$TOP_SRCDIR/test/lib.sh"

SETS="$TOP_SRCDIR/test/fixtures/opennebula-7.0/hooks $TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks"
PASSWORD=pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
printf 'alice:%s\n' "$PASSWORD" >one_auth
head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' >key && chmod 600 key
cat >c.conf <<CONF
SITE = "site-a"
CEPH = [ CONF = "$TRASH/none/ceph.conf", KEYRING = "$TRASH/none/keyring" ]
ONE = [ ENDPOINT = "http://127.0.0.1:9/RPC2", AUTH = "$TRASH/one_auth", TIMEOUT = "2" ]
SIGNING_KEY = "$TRASH/key"
CONF
export ONEDR_CONF="$TRASH/c.conf"
mkdir -p remotes/hooks/onedr
ln -s "$ONEDR" remotes/hooks/onedr/protect
ln -s "$ONEDR" remotes/hooks/onedr/retire

# hook NAME FIXTURE [WORDS]: the hook with the fixture's stdin, plus WORDS
# after the payload (as ARGUMENTS = "$API one.vm.update" expands); its
# stdout, stderr and code in out, err and code, all kept in all.log
hook() {
	name=$1 f=$2
	shift 2
	code=0
	{ cat "$f"; [ $# -eq 0 ] || printf ' %s' "$@"; } |
		(cd / && "$TRASH/remotes/hooks/onedr/$name") >"$TRASH/out" 2>"$TRASH/err" || code=$?
	cat "$TRASH/out" "$TRASH/err" >>"$TRASH/all.log"
}

# expect CODE PATTERN: exit CODE, and one line (stderr for ERROR, else
# stdout) matching PATTERN, nothing else on the other stream
expect() {
	if [ "$code" -ne "$1" ]; then
		echo "$f: exit $code, expected $1"; cat "$TRASH/out" "$TRASH/err"; return 1
	fi
	case $2 in
	ERROR*) one_line "$TRASH/err" && test ! -s "$TRASH/out" && grep -q "^$2" "$TRASH/err" ;;
	*) one_line "$TRASH/out" && test ! -s "$TRASH/err" && grep -q "^$2" "$TRASH/out" ;;
	esac || { echo "$f: expected '$2'"; cat "$TRASH/out" "$TRASH/err"; return 1; }
}

CEPH_DOWN="ERROR: hook/\(protect\|retire\): cannot connect to the local Ceph cluster .*: a configuration or keyring file is missing$"

vm_payloads() { for d in $SETS; do ls "$d"/$1.*.stdin.b64 2>/dev/null; done; }

test_expect_success 'every VM RUNNING and PROLOG_FAILURE payload of both sets decodes and builds (exit 3 at Ceph)' '
	n=0 &&
	for f in $(vm_payloads state-vm-running) $(vm_payloads state-vm-prolog-failure); do
		hook protect "$f" && expect 3 "$CEPH_DOWN" || exit 1
		n=$((n + 1))
	done &&
	echo "$n payloads" && test "$n" -eq 13
'

test_expect_success 'every VM DONE payload goes through retire (exit 3 at Ceph); protect skips it in one line' '
	n=0 &&
	for f in $(vm_payloads state-vm-done); do
		hook retire "$f" && expect 3 "$CEPH_DOWN" || exit 1
		hook protect "$f" && expect 0 "VM [0-9]* (.*): skipped: DONE, nothing to protect" || exit 1
		n=$((n + 1))
	done &&
	test "$n" -eq 3
'

# the CALL of an api-vm-NAME fixture: one.vm.NAME
call_of() { basename "$1" | sed "s/^api-vm-\([a-z]*\)\..*/one.vm.\1/"; }

test_expect_success 'every VM API payload goes through protect with its CALL: failed calls and calls that change no manifest are skipped in one line, the others read the VM from oned (unreachable: one ERROR line, exit 3)' '
	n=0 &&
	for f in $(vm_payloads api-vm-*); do
		c=$(call_of "$f")
		hook protect "$f" "$c"
		case $f in
		*.failure.*) expect 0 "skipped: $c failed (RESULT 0), nothing changed" ;;
		*api-vm-action.*|*api-vm-deploy.*|*api-vm-allocate.*)
			expect 0 "skipped: $c does not change what a manifest holds" ;;
		*) expect 3 "ERROR: hook/protect: VM 0: OpenNebula: cannot reach http://127.0.0.1:9/RPC2" ;;
		esac || exit 1
		n=$((n + 1))
	done &&
	echo "$n payloads" && test "$n" -eq 23
'

test_expect_success 'an API payload without its CALL: the VM ID in IN 2 is enough; a non-ID there is one ERROR line, exit 2' '
	f=$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks/api-vm-rename.success.stdin.b64 &&
	hook protect "$f" && expect 3 "ERROR: hook/protect: VM 0: OpenNebula: cannot reach" &&
	f=$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks/api-vm-action.success.poweroff.stdin.b64 &&
	hook protect "$f" && expect 2 "ERROR: hook/protect: the call.s parameter 2 is not a VM ID"
'

test_expect_success 'the argv flavour (no ARGUMENTS_STDIN): the payload and the CALL in argv, stdin ignored' '
	d=$TOP_SRCDIR/test/fixtures/opennebula-7.0 &&
	code=0 && (cd / && "$TRASH/remotes/hooks/onedr/protect" "$(sed -n 1p $d/hooks/api-vm-allocate.argv.success.alpine-0-rep.argv.txt)" one.vm.allocate) \
		</dev/null >out 2>err || code=$? &&
	f=argv expect 0 "skipped: one.vm.allocate does not change what a manifest holds" &&
	code=0 && (cd / && "$TRASH/remotes/hooks/onedr/protect" "$(cat $d/hooks/state-vm-running.alpine-volatile-2.first-boot.stdin.b64)") \
		</dev/null >out 2>err || code=$? &&
	f=argv expect 3 "$CEPH_DOWN"
'

test_expect_success 'protect and retire refuse IMAGE and HOST payloads and API payloads of other objects: one ERROR line naming the kind, exit 2' '
	for f in $(vm_payloads state-image-ready) $(vm_payloads state-host-error); do
		k=IMAGE; case $f in *state-host-*) k=HOST ;; esac
		hook protect "$f" && expect 2 "ERROR: hook/protect: a $k payload: protect is a VM state hook" || exit 1
		hook retire "$f" && expect 2 "ERROR: hook/retire: a $k payload: retire is a VM state hook" || exit 1
	done &&
	for f in $(vm_payloads api-image-*); do
		hook retire "$f" && expect 2 "ERROR: hook/retire: a CALL_INFO payload" || exit 1
	done
'

test_expect_success 'retire refuses a VM that is not DONE (a failover would leave it behind): one ERROR line, exit 2' '
	f=$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks/state-vm-running.ceph-vm-0.first-boot.stdin.b64 &&
	hook retire "$f" && expect 2 "ERROR: hook/retire: VM 0 (ceph-vm-0) is not DONE (state 3): not retired"
'

test_expect_success 'a bad payload is one ERROR line and exit 2, before the configuration is read' '
	export ONEDR_CONF=$TRASH/none.conf &&
	printf "not base64!" >bad && hook protect bad && expect 2 "ERROR: hook/protect: bad base64" &&
	printf "%s" "$(printf "<VM><ID>1</ID>" | base64 -w0)" >trunc && hook protect trunc && expect 2 "ERROR: hook/protect: bad payload: not a well-formed XML document" &&
	printf "" >empty && hook retire empty && expect 2 "ERROR: hook/retire: no payload" &&
	printf "%s" "$(printf "<DATASTORE><ID>1</ID></DATASTORE>" | base64 -w0)" >ds &&
	hook protect ds && expect 2 "ERROR: hook/protect: bad payload: root element .DATASTORE. is not VM"
'

test_expect_success 'without SIGNING_KEY: one ERROR line, exit 2' '
	grep -v SIGNING_KEY c.conf >nokey.conf && export ONEDR_CONF=$TRASH/nokey.conf &&
	f=$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks/state-vm-done.ceph-vm-1.stdin.b64 &&
	hook retire "$f" && expect 2 "ERROR: hook/retire: SIGNING_KEY is not set in" &&
	f=$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/hooks/state-vm-running.ceph-vm-1.first-boot.stdin.b64 &&
	hook protect "$f" && expect 2 "ERROR: hook/protect: SIGNING_KEY is not set in"
'

test_expect_success 'nothing the hooks printed names a secret (oned password, signing key, CEPH_SECRET)' '
	test -s all.log &&
	! grep -q "$PASSWORD" all.log && ! grep -q "$(cat key)" all.log &&
	! grep -q "6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b" all.log
'

test_done

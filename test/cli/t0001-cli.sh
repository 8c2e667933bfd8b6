#!/bin/sh
# t0001-cli: what a user types, without any cluster: help, names, usage errors, configuration errors.
. "$TOP_SRCDIR/test/lib.sh"

test_expect_success 'onedr help lists every command and the exit codes' '
	"$ONEDR" help >out &&
	for c in demote promote resync status version; do grep -q "^  $c " out; done &&
	grep -q "^  2  usage or configuration error" out
'

test_expect_success 'onedr --version names the version and librbd' '
	"$ONEDR" --version >out &&
	grep -Eq "^onedr [0-9]+\.[0-9]+\.[0-9]+ \(librados [0-9.]+, librbd [0-9.]+\)$" out
'

test_expect_success 'onedr COMMAND --help prints the usage on stdout and exits 0' '
	"$ONEDR" promote --help >out &&
	grep -q "^usage: onedr promote \[--force\]" out &&
	grep -q -- "--force" out
'

test_expect_success 'a link named onedr-status runs the status command' '
	ln -s "$ONEDR" onedr-status &&
	./onedr-status --help >out &&
	grep -q "^usage: onedr status" out
'

test_expect_success 'a link with an unknown command name is a usage error' '
	ln -s "$ONEDR" onedr-frobnicate &&
	test_exit_code 2 ./onedr-frobnicate 2>err &&
	one_line err && grep -q "unknown command name .onedr-frobnicate." err
'

test_expect_success 'command names are matched exactly, never by prefix' '
	test_exit_code 2 "$ONEDR" prom 2>err &&
	one_line err && grep -q "unknown command .prom." err
'

test_expect_success 'an unknown option is a usage error' '
	test_exit_code 2 "$ONEDR" demote --frobnicate one/x 2>err &&
	grep -q "unrecognized option" err
'

test_expect_success 'demote --force is refused: forcing is for promote only' '
	test_exit_code 2 "$ONEDR" demote --force one/x 2>err
'

test_expect_success 'promote with neither images nor --pool is a usage error' '
	test_exit_code 2 "$ONEDR" promote 2>err &&
	grep -q "name images, or a whole pool with --pool" err
'

test_expect_success 'a malformed image name is refused before connecting' '
	printf "CEPH = [ CONF = \"/nonexistent/ceph.conf\" ]\n" >c.conf &&
	test_exit_code 2 "$ONEDR" -c c.conf promote one/a/b 2>err &&
	one_line err && grep -q "invalid image .one/a/b.: expected POOL/IMAGE or IMAGE" err
'

test_expect_success 'an unreadable configuration file is one clear error, exit 2' '
	test_exit_code 2 "$ONEDR" -c /nonexistent/onedr.conf status 2>err &&
	one_line err && grep -q "cannot read ./nonexistent/onedr.conf.: No such file" err
'

test_expect_success 'ONEDR_CONF names the configuration file' '
	test_exit_code 2 env ONEDR_CONF=/nonexistent/x.conf "$ONEDR" status 2>err &&
	grep -q "/nonexistent/x.conf" err
'

test_expect_success 'a syntax error in the configuration names the file and line' '
	printf "SITE = \"a\"\n\nPOOL = \"one\n" >bad.conf &&
	test_exit_code 2 "$ONEDR" -c bad.conf status 2>err &&
	one_line err && grep -q "bad.conf:3: " err
'

test_expect_success 'an unknown attribute in the configuration is an error' '
	printf "SITE = \"a\"\nCEPH = [ KEY = \"AQD...\" ]\n" >bad.conf &&
	test_exit_code 2 "$ONEDR" -c bad.conf status 2>err &&
	one_line err && grep -q "bad.conf:2: unknown attribute .KEY. in CEPH" err &&
	! grep -q "AQD" err
'

test_expect_success 'a missing ceph.conf is one clear error, exit 3' '
	printf "CEPH = [ CONF = \"%s/none.conf\" ]\n" "$TRASH" >c.conf &&
	test_exit_code 3 "$ONEDR" -c c.conf status 2>err &&
	one_line err && grep -q "cannot connect to the local Ceph cluster" err
'

test_expect_success 'a monitor that does not answer gives a timeout, not a hang' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])") &&
	printf "[global]\nmon host = 127.0.0.1:%s\nauth cluster required = cephx\n" "$port" >ceph.conf &&
	printf "[client.admin]\n\tkey = AQBvF+9mAAAAABAAv3Wz7L8n3r1m9Hq0pX2u0A==\n" >keyring &&
	printf "CEPH = [ CONF = \"%s/ceph.conf\", KEYRING = \"%s/keyring\" ]\nTIMEOUT = [ CONNECT = \"2\", OP = \"2\" ]\n" "$TRASH" "$TRASH" >c.conf &&
	test_exit_code 3 "$ONEDR" -c c.conf status 2>err &&
	one_line err && grep -q "no monitor answered in time" err &&
	! grep -q "AQBvF" err
'

for cmd in "export --all" "manifest" "register --all" "recreate --all"; do
	test_expect_success "onedr ${cmd%% *} refuses to run without SITE: manifests carry it" "
		printf 'CEPH = [ CONF = \"/nonexistent/ceph.conf\" ]\\n' >nosite.conf &&
		test_exit_code 2 \"\$ONEDR\" -c nosite.conf $cmd 2>err &&
		one_line err && grep -q 'SITE is not set in .*nosite.conf' err
	"
done

# A stand-in oned whose one.vm.info answers VM 1 at once (no such VM) and
# holds VM 2 for a minute: onedr is then alive with one outcome printed.
slow_oned() {
	cat >slow.py <<'PY'
import sys, time
from xmlrpc.server import SimpleXMLRPCServer
s = SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False)
def imagepool(*a): return [True, "<IMAGE_POOL></IMAGE_POOL>", 0]
def dspool(*a): return [True, "<DATASTORE_POOL></DATASTORE_POOL>", 0]
def vminfo(auth, vid, *a):
    if vid == 2: time.sleep(300)
    return [False, "[one.vm.info] Error getting virtual machine [%d]." % vid, 1024, vid, -1]
s.register_function(imagepool, "one.imagepool.info")
s.register_function(dspool, "one.datastorepool.info")
s.register_function(vminfo, "one.vm.info")
print(s.server_address[1], flush=True)
s.serve_forever()
PY
	python3 slow.py >port & echo $! >oned.pid
	wait_until 10 "the slow oned" test -s port
}

test_expect_success 'each outcome line reaches a pipe or file at once, not at exit' '
	slow_oned &&
	printf "alice:secret\n" >auth &&
	printf "SITE = \"a\"\nONE = [ ENDPOINT = \"http://127.0.0.1:%s/RPC2\", AUTH = \"%s/auth\", TIMEOUT = \"300\" ]\n" \
		"$(cat port)" "$TRASH" >c.conf &&
	{ "$ONEDR" -c c.conf export --print 1 2 >out 2>err & echo $! >onedr.pid; } &&
	wait_until 30 "the first outcome line" grep -q "^VM 1: failed: .*Error getting virtual machine" out;
	ok=$?; alive=0; kill -0 "$(cat onedr.pid)" 2>/dev/null && alive=1
	kill -9 "$(cat onedr.pid)" "$(cat oned.pid)" 2>/dev/null; wait
	[ $ok -eq 0 ] && [ $alive -eq 1 ] && ! grep -q "secret" out err
'

test_expect_success 'a link in OpenNebula remotes that onedr does not provide is one usage error' '
	mkdir -p rem/tm/onedr rem/hooks/onedr rem/xtm/onedr &&
	ln -s "$ONEDR" rem/tm/onedr/nosuch && ln -s "$ONEDR" rem/hooks/onedr/nosuch &&
	test_exit_code 2 rem/tm/onedr/nosuch a b 2>err && one_line err &&
	grep -q "^ERROR: onedr: .tm/nosuch. is not a hook or action onedr provides" err &&
	test_exit_code 2 rem/hooks/onedr/nosuch 2>err && grep -q "hook/nosuch" err &&
	ln -s "$ONEDR" rem/xtm/onedr/onedr-version &&
	rem/xtm/onedr/onedr-version >out && grep -q "^onedr " out
'

test_expect_success 'a link at hooks/ft/fence_host.sh (the stock host_error.rb runs it) is hook/fence-host' '
	mkdir -p rem2/hooks/ft rem2/hooks/xft rem2/hooks/onedr &&
	ln -s "$ONEDR" rem2/hooks/ft/fence_host.sh && ln -s "$ONEDR" rem2/hooks/xft/fence_host.sh &&
	ln -s "$ONEDR" rem2/hooks/onedr/fence-host &&
	printf "bm90IGEgaG9zdA==" | test_exit_code 2 rem2/hooks/ft/fence_host.sh 2>err && one_line err &&
	grep -q "^ERROR: hook/fence-host: " err &&
	printf "bm90IGEgaG9zdA==" | test_exit_code 2 rem2/hooks/onedr/fence-host 2>err2 &&
	cmp err err2 &&
	rem2/hooks/xft/fence_host.sh >out </dev/null; grep -q "^usage: onedr COMMAND" out
'

test_expect_success 'fence and unfence: a host or --address, one host, valid addresses, --list or --dry-run' '
	test_exit_code 2 "$ONEDR" fence 2>err && grep -q "^ERROR: fence: name a host, or --address$" err &&
	test_exit_code 2 "$ONEDR" unfence h1 h2 2>err && grep -q "^ERROR: unfence: one host at a time$" err &&
	test_exit_code 2 "$ONEDR" fence --address 10.0.0.5/24 2>err && one_line err &&
	grep -q "^ERROR: fence: --address: .10.0.0.5/24. is not an IP address or a CIDR range (with the host bits zero)$" err &&
	test_exit_code 2 "$ONEDR" fence --list --dry-run h1 2>err && one_line err &&
	test_exit_code 2 "$ONEDR" fence --expire 0 h1 2>err && grep -q "^ERROR: fence: --expire" err
'

test_expect_success 'hook/host-error: a HOST payload and a mode (-r or -m) before anything is done' '
	printf "%s" "PEhPU1Q+PElEPjE8L0lEPjxOQU1FPmgxPC9OQU1FPjxTVEFURT4zPC9TVEFURT48L0hPU1Q+" | test_exit_code 2 "$ONEDR" hook/host-error 2>err && one_line err &&
	grep -q "^ERROR: hook/host-error: one of -r (recreate) or -m (migrate) in the hook.s ARGUMENTS" err &&
	printf "%s -r -m" "PEhPU1Q+PElEPjE8L0lEPjxOQU1FPmgxPC9OQU1FPjxTVEFURT4zPC9TVEFURT48L0hPU1Q+" | test_exit_code 2 "$ONEDR" hook/host-error 2>err && one_line err &&
	printf "%s -r extra" "PEhPU1Q+PElEPjE8L0lEPjxOQU1FPmgxPC9OQU1FPjxTVEFURT4zPC9TVEFURT48L0hPU1Q+" | test_exit_code 2 "$ONEDR" hook/host-error 2>err && one_line err &&
	grep -q "unexpected .extra. after the payload" err &&
	printf "%s -x" "PEhPU1Q+PElEPjE8L0lEPjxOQU1FPmgxPC9OQU1FPjxTVEFURT4zPC9TVEFURT48L0hPU1Q+" | test_exit_code 2 "$ONEDR" hook/host-error 2>err && one_line err &&
	printf "%s -r" "PFZNPjxJRD4xPC9JRD48TkFNRT52PC9OQU1FPjwvVk0+" | test_exit_code 2 "$ONEDR" hook/host-error 2>err && one_line err &&
	grep -q "the payload is a VM, not a HOST" err &&
	printf "%s" "PFZNPjxJRD4xPC9JRD48TkFNRT52PC9OQU1FPjwvVk0+" | test_exit_code 2 "$ONEDR" hook/fence-host 2>err && one_line err &&
	grep -q "the payload is a VM, not a HOST" err
'

test_expect_success 'every captured HOST ERROR payload decodes and runs through hook/host-error and hook/fence-host' '
	printf "alice:secret\n" >one_auth &&
	printf "ONE = [ ENDPOINT = \"http://127.0.0.1:9/RPC2\", AUTH = \"%s/one_auth\", TIMEOUT = \"2\" ]\n" "$TRASH" >h.conf &&
	mkdir -p rem3/hooks/onedr && ln -s "$ONEDR" rem3/hooks/onedr/host-error &&
	ln -s "$ONEDR" rem3/hooks/onedr/fence-host && n=0 &&
	for f in "$TOP_SRCDIR"/test/fixtures/opennebula-7.0*/hooks/state-host-error.*.stdin.b64; do
		{ cat "$f"; printf " -r"; } | ONEDR_CONF=h.conf test_exit_code 3 rem3/hooks/onedr/host-error >out 2>err &&
		one_line err && grep -q "^ERROR: hook/host-error: OpenNebula: " err && ! grep -q secret err &&
		# no ONEDR_FENCE_ADDRESS and a name that resolves nowhere: an error, not a guess
		ONEDR_CONF=h.conf test_exit_code_in "2 3" rem3/hooks/onedr/fence-host <"$f" >out 2>err &&
		one_line err && grep -q "^ERROR: hook/fence-host: host .*: cannot resolve host " err || exit 1
		n=$((n + 1))
	done && test "$n" = 3
'

test_done

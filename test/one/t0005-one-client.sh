#!/bin/sh
# t0005-one-client: the oned client (src/one-rpc.c, src/one-calls.c) against
# the oned stand-in (test/oned/oned-standin): no Ceph needed. Each test runs
# one group of test/unit/test-one, whose own TAP lines are shown when it fails.
. "$TOP_SRCDIR/test/lib.sh"

TEST_ONE=${TEST_ONE:-$(dirname "$ONEDR")/test/unit/test-one}
# the client is ours: under ASan its leaks count (lib.sh turns them off for librados)
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=1"

standin_pid= silent_pid=
test_cleanup() {
	for p in $standin_pid $silent_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	standin_pid= silent_pid=
}
trap test_cleanup EXIT
trap 'exit 1' HUP INT TERM

# oneadmin's password: random, in a file only (never in an argv)
umask 077
password="p-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf 'oneadmin:%s\n' "$password" >auth

"$TOP_SRCDIR/test/oned/oned-standin" --port 0 --state "$TRASH/state" --auth "$TRASH/auth" \
	--step-delay 0 --monitor-interval 0 >standin.port 2>standin.log &
standin_pid=$!

# a server that accepts connections and never answers
python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])
' >silent.port &
silent_pid=$!

# a port nobody listens on (bound, then closed)
dead_port=$(python3 -c '
import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

wait_until 20 "the oned stand-in and the silent server" \
	sh -c 'test -s "$1/state/port" && test -s "$1/silent.port"' - "$TRASH"

ONE_TEST_ENDPOINT="http://127.0.0.1:$(head -n 1 standin.port)/RPC2"
ONE_TEST_AUTH="$TRASH/auth"
ONE_TEST_PASSWORD=$password
ONE_TEST_DEAD="http://127.0.0.1:$dead_port/RPC2"
ONE_TEST_SILENT="http://127.0.0.1:$(head -n 1 silent.port)/RPC2"
export ONE_TEST_ENDPOINT ONE_TEST_AUTH ONE_TEST_PASSWORD ONE_TEST_DEAD ONE_TEST_SILENT
unset ONE_AUTH ONE_XMLRPC

test_expect_success 'the oned stand-in is up and prints its port first' '
	test "$(head -n 1 standin.port)" = "$(cat state/port)" &&
	kill -0 "$(cat state/pid)"
'

test_expect_success 'the client reads user:password from the auth file and gets the version' '
	"$TEST_ONE" version >out
'

test_expect_success 'info and pool calls return documents; a missing object is -ENOENT in one line' '
	"$TEST_ONE" documents >out
'

test_expect_success 'an image with SOURCE is refused on a full datastore, registered with the skip flag' '
	"$TEST_ONE" images >out
'

test_expect_success 'a VM allocated on hold is chowned, updated and released' '
	"$TEST_ONE" vms >out
'

test_expect_success 'a wrong password is -EACCES and never shows; missing and bad auth files are named' '
	"$TEST_ONE" auth >out &&
	! grep -F -e "$ONE_TEST_PASSWORD" out
'

test_expect_success 'XML-RPC faults are -EPROTO, HTTP errors -EIO' '
	"$TEST_ONE" faults >out
'

test_expect_success 'nothing listening is -ECONNREFUSED, a server that never answers -ETIMEDOUT' '
	"$TEST_ONE" transport >out
'

test_expect_success 'clients in several threads call oned at the same time' '
	"$TEST_ONE" threads >out
'

test_expect_success 'the stand-in met no internal error' '
	! grep -q Traceback standin.log
'

test_done

#!/bin/sh
# t0150-journal: the run journal (src/journal.c) in a real pool of site-b:
# a run recorded by 4 workers at once, its writer SIGKILLed between a
# step's action and its "done" record, and at a random moment, then rerun:
# the rerun skips what is done, adopts what a killed step created (found by
# its intent), does the rest, and nothing is done twice. The driver is the
# unit-test binary in its lab mode (test/unit/test-journal.c); the rados
# CLI is the witness of what is in the pool.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

TJ="$(dirname "$ONEDR")/test/unit/test-journal"
tj() { timeout 300 "$TJ" lab "$LAB_B_CONF" "$POOL" "$@"; }
rados_b() { timeout 60 rados -c "$LAB_B_CONF" -p "$POOL" "$@"; }
# objects SUFFIX: how many action objects the run made
objects() { rados_b ls | grep -c "^onedr-test\.$1\." || true; }
# converged ID N: every step done once, the run finished, N objects
converged() {
	tj show "$1" >show &&
	grep -q "^run $1 kind failover state finished site lab result 0 steps $2 bad 0$" show &&
	test "$(grep -c "^step .* done attempt" show)" = "$2" &&
	test "$(objects "$1")" = "$2"
}

test_cleanup() {
	for id in $(cat "$TRASH"/id-* 2>/dev/null); do
		for o in $(rados_b ls 2>/dev/null | grep "^onedr-test\.$id\."); do rados_b rm "$o"; done
		rados_b rm "onedr.run.$id" 2>/dev/null
		rados_b rmomapkey onedr.runs "$id" 2>/dev/null
	done
	[ -n "${BG:-}" ] && kill "$BG" 2>/dev/null
	true
}

test_expect_success 'a new run is in the index, open, and rados can read its header' '
	tj create >"$TRASH/id-1" &&
	ID=$(cat "$TRASH/id-1") &&
	case $ID in *-failover-??????) ;; *) false ;; esac &&
	rados_b listomapkeys onedr.runs | grep -qx "$ID" &&
	rados_b getomapval onedr.runs "$ID" - | grep -qx "state=open" &&
	tj list | grep -qx "$ID failover open"
'

test_expect_success 'SIGKILL between a step'"'"'s action and its done record: the step stays started' '
	ID=$(cat "$TRASH/id-1") &&
	test_exit_code 137 tj work "$ID" 16 5 >out &&
	grep -q "^killing myself after the action of step 5$" out &&
	tj show "$ID" >show &&
	grep -q "^step 2/5//create started attempt 1 object - $" show &&
	rados_b stat "onedr-test.$ID.5" &&
	grep -q "^run $ID kind failover state open " show
'

test_expect_success 'the rerun skips what is done, adopts what the killed step made, finishes, no duplicate' '
	ID=$(cat "$TRASH/id-1") &&
	tj work "$ID" 16 >out &&
	grep -q "^step 5 adopted$" out &&
	grep -q "duplicates 0 errors 0$" out &&
	s=$(sed -n "s/^created \([0-9]*\) adopted \([0-9]*\) skipped \([0-9]*\) .*/\1+\2+\3/p" out) &&
	test "$(($s))" = 16 &&
	test "$(grep -c "skipped$" out)" -ge 1 &&
	converged "$ID" 16
'

test_expect_success 'a run read one step at a time gives what the whole read gives' '
	ID=$(cat "$TRASH/id-1") &&
	tj each "$ID" >out &&
	grep -qx "each: ok, 16 steps walked, 0 mismatches" out
'

test_expect_success 'a second run of a finished one does nothing again' '
	ID=$(cat "$TRASH/id-1") &&
	tj work "$ID" 16 >out &&
	grep -q "^created 0 adopted 0 skipped 16 duplicates 0 errors 0$" out &&
	converged "$ID" 16
'

test_expect_success 'a live writer holds the run: a second one is refused with the holder named' '
	tj create >"$TRASH/id-2" &&
	ID=$(cat "$TRASH/id-2") || return 1
	JOURNAL_TEST_DELAY_MS=300 "$TJ" lab "$LAB_B_CONF" "$POOL" work "$ID" 24 >"$TRASH/bg.out" 2>&1 &
	echo $! >"$TRASH/bg.pid" &&
	BG=$(cat "$TRASH/bg.pid") &&
	wait_until 120 "the first writer started steps" grep -q "^step " "$TRASH/bg.out" &&
	test_exit_code 1 tj work "$ID" 24 >out &&
	grep -q "^cannot lock run .$ID.: Device or resource busy (held by $(hostname):[0-9]*:" out &&
	kill -9 "$BG"
'

test_expect_success 'SIGKILL from outside at any moment, then a rerun: converges, nothing done twice' '
	ID=$(cat "$TRASH/id-2") &&
	wait_until 60 "the killed writer gone" sh -c "! kill -0 $(cat "$TRASH/bg.pid") 2>/dev/null" &&
	tj show "$ID" >before &&
	grep -q "state open" before &&
	tj work "$ID" 24 >out &&
	grep -q "duplicates 0 errors 0$" out &&
	converged "$ID" 24
'

test_expect_success 'a run held by a process of another host is refused, not taken over silently' '
	tj create >"$TRASH/id-3" &&
	ID=$(cat "$TRASH/id-3") &&
	tj hold "$ID" "otherhost:4242:cafe" >"$TRASH/holder-addr" &&
	grep -q "/" "$TRASH/holder-addr" &&
	test_exit_code 1 tj work "$ID" 4 >out &&
	grep -q "^cannot lock run .$ID.: Device or resource busy (held by otherhost:4242:cafe)$" out &&
	! rados_b ls | grep -q "^onedr-test\.$ID\."
'

test_expect_success 'takeover names the holder: another name is refused (stale)' '
	ID=$(cat "$TRASH/id-3") &&
	JOURNAL_TEST_TAKEOVER=otherhost:1:beef test_exit_code 1 tj work "$ID" 4 >out &&
	grep -q "^cannot take over run .$ID.: Stale file handle$" out
'

test_expect_success 'takeover on the user'"'"'s word: the holder'"'"'s client is blocklisted, the run finishes' '
	ID=$(cat "$TRASH/id-3") &&
	JOURNAL_TEST_TAKEOVER=otherhost:4242:cafe tj work "$ID" 4 >out &&
	grep -q "^created 4 adopted 0 skipped 0 duplicates 0 errors 0$" out &&
	converged "$ID" 4 &&
	timeout 60 ceph -c "$LAB_B_CONF" osd blocklist ls 2>/dev/null | grep -qF "$(cat "$TRASH/holder-addr")"
'

test_done

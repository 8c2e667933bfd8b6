#!/bin/sh
# t0155-ledger: the loss ledger (src/ledger.c) read on site-b, the site a
# failover would promote, for a journal-mode and a snapshot-mode image.
# Replication is paused by killing site-b's rbd-mirror (kill -9 of its PID;
# `lab start site-b` restarts it with its state: replay resumes where it
# stopped), site-a writes more, and the ledger must show the lag: entries
# behind > 0 with the time of the last replayed entry, snapshots behind > 0
# with the old point; with site-a out of
# reach (a configuration whose monitor does not answer) what is unknown
# must say so; once replay resumes, 0 behind and a fresh point. No timing
# assertion: every wait polls with a generous bound. The driver is the
# unit-test binary in its lab mode (test/unit/test-ledger.c).
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

TL="$(dirname "$ONEDR")/test/unit/test-ledger"
J=$(img j)
S=$(img s)
DEAD="$TRASH/dead-site-a.conf"
printf '[global]\nmon host = v2:127.0.0.1:1\nkeyring = %s\n' "$LAB_A_KEYRING" >"$DEAD"

# ledger [PEER_CONF]: the JSON ledger of a VM made of $J and $S, in $TRASH/ledger.json
ledger() {
	timeout 120 "$TL" lab "$LAB_B_CONF" "${1:-$LAB_A_CONF}" "$POOL" "$J" "$S" \
		>"$TRASH/ledger.json" 2>"$TRASH/ledger.table"
}
# field DISK_INDEX NAME: a field of the last ledger ("None" when null)
field() {
	python3 -c 'import json, sys; v = json.load(open(sys.argv[1]))[0]["disks"][int(sys.argv[2])][sys.argv[3]]; print(v)' \
		"$TRASH/ledger.json" "$1" "$2"
}
vm_field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0][sys.argv[2]])' "$TRASH/ledger.json" "$1"
}
caught_up() {
	ledger && [ "$(field 0 entries_behind)" = 0 ] && [ "$(field 1 snapshots_behind)" = 0 ] &&
	[ "$(field 1 point_source)" = peer ]
}
mirror_pid() {
	local pid
	read -r pid <"$LAB_DIR/site-b/pid/rbd-mirror" &&
	tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF "$LAB_B_CONF" && echo "$pid"
}

test_cleanup() {
	"$LAB" start site-b >/dev/null 2>&1
	true
}

test_expect_success 'setup: a journal and a snapshot image replaying to site-b, caught up' '
	mk_image a journal "$J" && mk_image a snapshot "$S" &&
	write_data a "$J" && write_data a "$S" && snapshot_now a "$S" &&
	wait_until 300 "the ledger shows both caught up" caught_up &&
	field 1 point >"$TRASH/point-before" &&
	[ "$(field 0 mode)" = journal ] && [ "$(field 1 mode)" = snapshot ] &&
	[ "$(field 0 rpo)" = exact ] && [ "$(field 0 window_seconds)" = 0 ] &&
	[ "$(field 1 rpo)" = exact ]
'

test_expect_success 'replication paused, site-a writes: entries behind > 0, snapshots behind with the old point' '
	pid=$(mirror_pid) && kill -9 "$pid" &&
	wait_until 30 "site-b rbd-mirror gone" sh -c "! kill -0 $pid 2>/dev/null" &&
	write_data a "$J" && write_data a "$S" && snapshot_now a "$S" &&
	ledger &&
	cat "$TRASH/ledger.table" &&
	[ "$(field 0 entries_source)" = peer ] &&
	[ "$(field 0 entries_behind)" -gt 0 ] &&
	[ "$(field 0 point_source)" = peer ] && [ "$(field 0 rpo)" = exact ] &&
	[ "$(field 0 point)" -le "$(field 0 measured)" ] &&
	[ "$(field 0 point)" -gt "$(($(field 0 measured) - 3600))" ] &&
	[ "$(field 1 snapshots_behind)" -ge 1 ] &&
	[ "$(field 1 point)" = "$(cat "$TRASH/point-before")" ] &&
	[ "$(field 1 point_source)" = peer ] &&
	[ "$(field 1 window_seconds)" -ge 0 ] &&
	[ "$(vm_field rpo)" = exact ]
'

test_expect_success 'site-a out of reach: what only site-a knows is unknown, the rest says its source' '
	ledger "$DEAD" &&
	cat "$TRASH/ledger.table" &&
	[ "$(field 0 peer_error)" != 0 ] &&
	[ "$(field 0 rpo)" = unknown ] && [ "$(field 0 point)" = None ] &&
	case $(field 0 entries_source) in status|none) ;; *) false ;; esac &&
	[ "$(field 1 rpo)" = at_least ] && [ "$(field 1 snapshots_behind)" = None ] &&
	[ "$(field 1 copy_time)" != None ] &&
	[ "$(vm_field rpo)" = unknown ] &&
	grep -q "peer not read" "$TRASH/ledger.table"
'

test_expect_success 'replay resumes: 0 entries behind, 0 snapshots behind, a fresh point' '
	"$LAB" start site-b >/dev/null 2>&1 &&
	wait_until 600 "the ledger shows both caught up again" caught_up &&
	[ "$(field 1 point)" -gt "$(cat "$TRASH/point-before")" ] &&
	[ "$(field 0 rpo)" = exact ] && [ "$(field 0 window_seconds)" = 0 ] &&
	[ "$(vm_field rpo)" = exact ]
'

test_done

#!/bin/sh
# t0045-wrong-site: after a forced failover to site-b (which then writes) and
# site-a's return, the demote + resync meant for site-a is typed on site-b.
# onedr must see that site-b holds the newer copy (promoted there last), refuse
# both steps per image with a line that says where to run them, and leave
# site-b's data and role alone; the same steps on site-a then work. Also: a
# peer that connects but cannot be read never switches the peer checks off.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t45-$$		# a pool of its own: --pool takes every image in it
POOL=$P
J=$(img j) S=$(img s) K=$(img k)

test_cleanup() {
	"$LAB" start site-a >/dev/null 2>&1 || true
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
	timeout 60 ceph -c "$LAB_A_CONF" auth rm client.t45-blind >/dev/null 2>&1 || true
}

test_expect_success 'setup: a pool of its own, a journal and a snapshot image on site-a, replicated' '
	"$LAB" pool "$P" >/dev/null &&
	mk_image a journal "$J" && mk_image a snapshot "$S" && mk_image a journal "$K" &&
	write_data a "$J" 2 && write_data a "$S" 2 && snapshot_now a "$S" && write_data a "$K" 1 &&
	wait_until 120 "$J replaying" is_replaying b "$J" &&
	wait_until 120 "$S replaying" is_replaying b "$S" &&
	wait_until 120 "$K replaying" is_replaying b "$K" &&
	wait_until 120 "$J in sync" same_data "$J" &&
	wait_until 120 "$S in sync" same_data "$S"
'

# A site-b configuration whose peer user connects to site-a but may not read the pool.
test_expect_success 'setup: a peer user on site-a that connects but cannot read the pool' '
	timeout 60 ceph -c "$LAB_A_CONF" auth get-or-create client.t45-blind mon "allow r" \
		osd "allow r pool=no-such-pool" -o "$TRASH/blind.keyring" &&
	sed -e "/^PEER/,/\]/s|ID = \"admin\"|ID = \"t45-blind\"|" \
	    -e "/^PEER/,/\]/s|KEYRING = \".*\"|KEYRING = \"$TRASH/blind.keyring\"|" \
	    -e "s|POOL = \"one\"|POOL = \"$P\"|" "$LAB_B_ONEDR_CONF" >"$TRASH/blind.conf" &&
	grep -q t45-blind "$TRASH/blind.conf"
'

test_expect_success 'a peer that cannot be read: plain promote is refused with the real error' '
	test_exit_code 1 "$ONEDR" -c "$TRASH/blind.conf" promote --wait 2 "$P/$K" >out 2>err &&
	cat out &&
	grep -q "^$P/$K: refused: .*site-a.*Operation not permitted" out &&
	! grep -q "(Success)" out &&
	is_non_primary b "$K"
'

test_expect_success 'a peer that cannot be read: promote --force is refused with the real error' '
	test_exit_code 1 "$ONEDR" -c "$TRASH/blind.conf" promote --force "$P/$K" >out 2>err &&
	cat out &&
	grep -q "^$P/$K: refused: .*site-a.*Operation not permitted" out &&
	! grep -q "(Success)" out &&
	is_non_primary b "$K" && is_primary a "$K"
'

test_expect_success 'a peer that refuses our key is not a lost peer: promote --force is refused' '
	printf "[client.t45-blind]\n\tkey = %s\n" "$(ceph-authtool --gen-print-key)" >"$TRASH/wrong.keyring" &&
	sed "s|$TRASH/blind.keyring|$TRASH/wrong.keyring|" "$TRASH/blind.conf" >"$TRASH/wrong.conf" &&
	test_exit_code 1 "$ONEDR" -c "$TRASH/wrong.conf" promote --force "$P/$K" >out 2>err &&
	cat out &&
	grep -q "^$P/$K: refused: cannot connect to site-a: .*not forcing while site-a answers" out &&
	is_non_primary b "$K"
'

test_expect_success 'failover: site-a killed, promote --force on site-b, site-b writes' '
	"$LAB" kill site-a &&
	test_exit_code_in "0 1" timeout 300 "$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 60 --pool "$P" >out &&
	cat out &&
	if ! is_primary b "$S"; then
		timeout 300 "$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --force --timeout 120 "$P/$S" >out; cat out
	fi &&
	is_primary b "$J" && is_primary b "$S" &&
	write_data b "$J" 2 && write_data b "$S" 2 && snapshot_now b "$S" &&
	md5_of b "$J" >md5.j && md5_of b "$S" >md5.s
'

test_expect_success 'site-a returns' '
	"$LAB" start site-a &&
	wait_until 60 "site-a answers" rbd_a info "$P/$J"
'

# unchanged_b: site-b still primary, with the data it wrote
unchanged_b() {
	is_primary b "$J" && is_primary b "$S" &&
	test "$(md5_of b "$J")" = "$(cat md5.j)" && test "$(md5_of b "$S")" = "$(cat md5.s)"
}

test_expect_success 'demote --pool on site-b (the wrong site) is refused, one line per image' '
	test_exit_code 1 onedr_b demote --pool "$P" >out 2>err &&
	cat out &&
	for x in "$J" "$S"; do
		test "$(grep -c "^$P/$x: " out)" = 1 &&
		grep -q "^$P/$x: refused: this copy is newer than site-a.*run .*on site-a" out || exit 1
	done &&
	unchanged_b
'

test_expect_success 'resync --pool on site-b is refused, one line per image' '
	test_exit_code 1 onedr_b resync --pool "$P" >out 2>err &&
	cat out &&
	for x in "$J" "$S"; do
		test "$(grep -c "^$P/$x: " out)" = 1 &&
		grep -q "^$P/$x: refused: .*newer than site-a.*on site-a" out || exit 1
	done &&
	unchanged_b
'

test_expect_success 'demote and resync of one image on site-b are refused too' '
	test_exit_code 1 onedr_b demote "$P/$J" >out 2>/dev/null &&
	grep -q "^$P/$J: refused: this copy is newer than site-a" out &&
	test_exit_code 1 onedr_b resync "$P/$J" >out 2>/dev/null &&
	grep -q "^$P/$J: refused: " out &&
	unchanged_b
'

test_expect_success 'on site-a (the right site), demote and resync work and site-a ends with site-b data' '
	onedr_a demote "$P/$J" "$P/$S" >out && cat out &&
	grep -q "^$P/$J: demoted" out && grep -q "^$P/$S: demoted" out &&
	onedr_a resync "$P/$J" "$P/$S" >out && cat out &&
	grep -q "^$P/$J: resync requested" out && grep -q "^$P/$S: resync requested" out &&
	wait_until 240 "$J resynced on site-a" same_data "$J" &&
	wait_until 240 "$S resynced on site-a" same_data "$S" &&
	test "$(md5_of a "$J")" = "$(cat md5.j)" && test "$(md5_of a "$S")" = "$(cat md5.s)" &&
	is_non_primary a "$J" && is_non_primary a "$S" && unchanged_b
'

test_done

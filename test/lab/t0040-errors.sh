#!/bin/sh
# t0040-errors: bad input gets one clear error and a non-zero exit, with nothing changed.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

J=$(img j)

test_expect_success 'setup: one mirrored image on site-a' '
	mk_image a journal "$J" &&
	wait_until 120 "$J replaying" is_replaying b "$J"
'

test_expect_success 'an unknown image fails clearly and the others are still done' '
	test_exit_code 1 onedr_a demote "$POOL/no-such-image-$$" "$J" >out 2>err &&
	grep -q "^$POOL/no-such-image-$$: failed: no such image" out &&
	grep -q "^$POOL/$J: demoted" out &&
	one_line err && grep -q "1 of 2 images not demoted: $POOL/no-such-image-$$" err &&
	onedr_a promote "$J" >out && grep -q "promoted" out
'

test_expect_success 'an unknown pool given with --pool is one clear error, exit 3' '
	test_exit_code 3 onedr_a promote --pool "nosuchpool$$" >out 2>err &&
	one_line err && grep -q "pool .nosuchpool$$. does not exist" err
'

test_expect_success 'an image in an unknown pool fails clearly' '
	test_exit_code 1 onedr_a promote "nosuchpool$$/x" >out 2>err &&
	grep -q "^nosuchpool$$/x: failed: no such pool" out
'

test_expect_success 'status of an unknown pool is one clear error, exit 3' '
	test_exit_code 3 onedr_a status --pool "nosuchpool$$" >out 2>err &&
	one_line err && grep -q "pool .nosuchpool$$. does not exist" err
'

test_expect_success 'a wrong keyring is refused at connect, exit 3, and no key is shown' '
	printf "[client.admin]\n\tkey = AQBvF+9mAAAAABAAv3Wz7L8n3r1m9Hq0pX2u0A==\n" >wrong.keyring &&
	test_exit_code 3 onedr_a --keyring "$TRASH/wrong.keyring" demote "$J" >out 2>err &&
	one_line err && grep -q "authentication refused: check the client id and keyring" err &&
	! grep -q AQB err out &&
	is_primary a "$J"
'

test_expect_success 'an unreadable configuration file is one clear error, exit 2' '
	cp "$LAB_A_ONEDR_CONF" unreadable.conf && chmod 000 unreadable.conf &&
	if [ "$(id -u)" = 0 ]; then chmod 644 unreadable.conf && mkdir dir.conf && f=dir.conf; else f=unreadable.conf; fi &&
	test_exit_code 2 "$ONEDR" -c "$f" demote "$J" 2>err &&
	one_line err && grep -q "cannot read .$f." err &&
	is_primary a "$J"
'

test_expect_success 'a dead monitor gives a clear timeout error, exit 3' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])") &&
	sed "s/^mon[ _]host *=.*/mon host = v2:127.0.0.1:$port/" "$LAB_A_CONF" >dead.conf &&
	grep -q "127.0.0.1:$port" dead.conf &&
	printf "CEPH = [ CONF = \"%s/dead.conf\" ]\nTIMEOUT = [ CONNECT = \"3\", OP = \"3\" ]\n" "$TRASH" >dead-onedr.conf &&
	test_exit_code 3 "$ONEDR" -c dead-onedr.conf demote "$J" 2>err &&
	one_line err && grep -q "no monitor answered in time" err &&
	is_primary a "$J"
'

test_expect_success 'demote of an image without mirroring fails clearly' '
	rbd_a create "$POOL/$(img plain)" --size 8M &&
	test_exit_code 1 onedr_a demote "$(img plain)" >out 2>/dev/null &&
	grep -q "failed: mirroring is not enabled on this image" out
'

test_expect_success 'resync refuses a primary image and leaves it alone' '
	test_exit_code 1 onedr_a resync "$J" >out 2>/dev/null &&
	grep -q "^$POOL/$J: refused: this copy is newer than site-b.s (primary here, the peer replays it): a resync would replace it with the older one" out &&
	is_primary a "$J"
'

test_expect_success 'resync --dry-run on the non-primary side only measures' '
	onedr_b resync --dry-run "$J" >out &&
	grep -q "^$POOL/$J: would copy up to .* (size 32.0 MiB)" out &&
	grep -q "1 unchanged" out &&
	is_non_primary b "$J" &&
	wait_until 60 "$J replaying on site-b" is_replaying b "$J"
'

test_done

#!/bin/sh
# t0070-deadlines: what must never crash or hang: status of images in a pool
# one site lacks (status workers opened pools into one table unlocked),
# --timeout bounding a command while no OSD answers it (its
# listings and image-meta reads used to be synchronous), and SIGTERM in the
# middle of a promote (the summary says what was not started; a rerun
# converges).
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

ONLYB=onlyb-$$		# a pool on site-b only
N=8			# images promoted under SIGTERM

test_cleanup() {
	timeout 60 ceph -c "$LAB_B_CONF" osd pool rm "$ONLYB" "$ONLYB" \
		--yes-i-really-really-mean-it >/dev/null 2>&1 || true
}

J=$(img j)
names=
for i in $(seq 1 $N); do names="$names $(img s$i)"; done

test_expect_success 'setup: a journal image replaying, and a mirrored pool only site-b has' '
	mk_image a journal "$J" &&
	for i in $names; do mk_image a journal "$i" 16 || return 1; done &&
	timeout 60 ceph -c "$LAB_B_CONF" osd pool create "$ONLYB" 8 8 >/dev/null 2>&1 &&
	rbd_b pool init "$ONLYB" &&
	rbd_b mirror pool enable "$ONLYB" image &&
	for i in 1 2 3 4 5 6; do
		rbd_b create "$ONLYB/b$i" --size 8M --image-feature layering,exclusive-lock &&
		rbd_b mirror image enable "$ONLYB/b$i" snapshot >/dev/null || return 1
	done &&
	wait_until 120 "$J replaying" is_replaying b "$J"
'

test_expect_success 'status of images in a pool that does not exist: each row says so, no crash' '
	test_exit_code 5 onedr_b status "nopool$$/a" "nopool$$/b" "nopool$$/c" "nopool$$/d" \
		"nopool$$/e" "nopool$$/f" "nopool$$/g" "nopool$$/h" >out 2>err &&
	test "$(grep -c "error: no such image" out)" = 8 &&
	! grep -q "ERROR: AddressSanitizer" err
'

test_expect_success 'status of mirrored images in a pool the peer lacks: read here, no crash' '
	test_exit_code 4 onedr_b status --pool "$ONLYB" >out 2>err &&
	test "$(grep -c "^b[1-6] .*snapshot .*primary" out)" = 6 &&
	grep -q "^PEER READ: yes" out &&
	! grep -q "ERROR: AddressSanitizer" err
'

# No OSD answers onedr: ms_blackhole_osd, a Ceph client option given in
# CEPH_ARGS (which onedr honours as every Ceph CLI does), drops every message
# onedr sends to an OSD, while its monitors still answer: the connection and
# the pool open work, every object read waits. (Stopping the site's OSD
# instead, SIGSTOP for 120 s, left its PGs laggy and its rbd-mirror stuck
# for the tests after.) OP = 300 s makes librados' own timeout longer than
# the test's patience, so only onedr's --timeout can end the command.
test_expect_success 'resync --dry-run --timeout 2 returns "timed out" while no OSD answers' '
	sed "s/OP = \"10\"/OP = \"300\"/" "$LAB_B_ONEDR_CONF" >slow.conf &&
	grep -q "OP = \"300\"" slow.conf &&
	got=0 &&
	{ CEPH_ARGS="--ms_blackhole_osd=true" timeout 120 "$ONEDR" -c slow.conf \
		resync --dry-run --timeout 2 "$J" >out 2>err || got=$?; } &&
	echo "exit code $got" &&
	test "$got" = 1 &&
	grep -q "^$POOL/$J: timed out: .*timed out" out &&
	grep -q "1 timed out" out
'

test_expect_success 'resync --dry-run without fast-diff: the image size is the bound' '
	onedr_b resync --dry-run "$J" >out &&
	grep -q "^$POOL/$J: would copy up to 32.0 MiB (size 32.0 MiB), the allocation not measured: no fast-diff" out
'

# 4 MiB imported at offset 0, the rest a hole: one 4 MiB object in the object map
test_expect_success 'resync --dry-run of an image with fast-diff reads its allocation from the object map' '
	F=$(img f) &&
	truncate -s 64M f.img && dd if=/dev/urandom of=f.img bs=1M count=4 conv=notrunc 2>/dev/null &&
	rbd_a import --image-feature layering,exclusive-lock,object-map,fast-diff,journaling \
		f.img "$POOL/$F" >/dev/null 2>&1 &&
	rbd_a mirror image enable "$POOL/$F" journal >/dev/null &&
	wait_until 120 "$F in sync" same_data "$F" &&
	onedr_b resync --dry-run "$F" >out &&
	grep -q "^$POOL/$F: would copy up to 4.0 MiB (size 64.0 MiB) (" out
'

test_expect_success "setup: $N images demoted on site-a" '
	for i in $names; do wait_until 120 "$i replaying" is_replaying b "$i" || return 1; done &&
	onedr_a demote $names >out &&
	grep -q "$N demoted" out
'

# SIGTERM once the first image is done (concurrency 1): the image in flight
# finishes, no other starts.
test_expect_success 'SIGTERM during promote: what was done and not started, exit 1' '
	mkfifo pipe
	"$ONEDR" -c "$LAB_B_ONEDR_CONF" promote --concurrency 1 $names >pipe 2>err &
	pid=$!
	exec 3<pipe &&
	while read -r line <&3; do
		echo "$line" >>out
		case $line in *": promoted "*|*": already primary "*) break ;; esac
	done &&
	kill -TERM "$pid" &&
	cat <&3 >>out && exec 3<&- &&
	got=0 && { wait "$pid" || got=$?; } &&
	echo "exit code $got" && test "$got" = 1 &&
	grep -q "^promote: $N images: .*, [1-9][0-9]* not started: interrupted" out &&
	grep -q "interrupted: [1-9][0-9]* of $N images not started (a rerun does them)" err &&
	done=$(grep -c ": promoted (" out) &&
	test "$done" -ge 1 && test "$done" -lt $N &&
	echo "$done" >done.count
'

test_expect_success 'a rerun promotes the rest, and nothing twice' '
	before=$(cat done.count) &&
	onedr_b promote $names >out &&
	grep -q "^promote: $N images: $((N - before)) promoted, $before unchanged, 0 refused, 0 failed, 0 timed out" out &&
	for i in $names; do is_primary b "$i" || return 1; done
'

test_done

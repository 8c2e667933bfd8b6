#!/bin/sh
# t0075-interrupt-takeover: SIGTERM in the middle of register and recreate.
# Ten VMs with one persistent Ceph disk each run on site-a (an oned
# stand-in); export puts their manifests in image-meta; on site-b (another
# stand-in) register and recreate are each sent SIGTERM once their first VM
# is done: they stop starting new ones, say what was not done, exit 1, and a
# rerun finishes the job without doing anything twice.
# To make the interruption deterministic, site-b's stand-in is stopped
# (SIGSTOP) as soon as the first line is read, while onedr gets SIGTERM: the
# call in flight then waits for it, and nothing else can be done meanwhile.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

P=one-t75-$$		# a pool of its own: stand-in image IDs restart at 0
POOL=$P
N=10
SA= SB=

test_cleanup() {
	[ -n "$SB" ] && kill -CONT "$SB" 2>/dev/null
	[ -n "$SA" ] && kill "$SA" 2>/dev/null
	[ -n "$SB" ] && kill "$SB" 2>/dev/null
	"$LAB" rmpool "$P" >/dev/null 2>&1 || true
}


test_expect_success 'setup: a pool of its own, two oned stand-ins, datastores' '
	standins_up
'
standins_pids

test_expect_success "setup: on site-a, $N running VMs with a persistent journal-mode disk each, exported" '
	for i in $(seq 0 $((N - 1))); do
		rbd_a create "$P/one-$i" --size 8M --image-feature layering,exclusive-lock,journaling &&
		call a one.image.allocate "NAME=disk-$i TYPE=DATABLOCK PERSISTENT=YES SOURCE=$P/one-$i FORMAT=raw SIZE=8" i:100 b:1 >id &&
		test "$(cat id)" = "$i" &&
		rbd_a mirror image enable "$P/one-$i" journal >/dev/null &&
		call a one.vm.allocate "NAME = \"vm-$i\"
MEMORY = 64
CPU = 1
DISK = [ IMAGE_ID = $i ]" b:0 >id && test "$(cat id)" = "$i" &&
		call a one.vm.deploy "i:$i" i:0 b:0 i:101 >/dev/null || return 1
	done &&
	"$ONEDR" -c "$TRASH/a.conf" export --all >out &&
	grep -q "^export: $N VMs: 0 failed, 0 skipped, 0 with unprotected disks; manifests $N written" out &&
	wait_until 120 "the manifests on site-b" sh -c \
		"\"$ONEDR\" -c \"$TRASH/b.conf\" manifest | grep -c \"^site-a \" | grep -qx $N"
'

# interrupt SITE_B_CONF PATTERN CMD...: run onedr CMD on site-b with stdout
# on a pipe; at the first line matching PATTERN stop the stand-in, send
# SIGTERM, let the stand-in go on. Leaves out, err and the exit code in code.
interrupt() {
	pattern=$1
	shift
	rm -f pipe out err && mkfifo pipe
	"$ONEDR" -c "$TRASH/b.conf" "$@" >pipe 2>err &
	pid=$!
	exec 3<pipe
	while read -r line <&3; do
		echo "$line" >>out
		case $line in *$pattern*) break ;; esac
	done
	kill -STOP "$SB" && kill -TERM "$pid" && sleep 1 && kill -CONT "$SB"
	cat <&3 >>out
	exec 3<&-
	code=0
	wait "$pid" || code=$?
	echo "exit code $code"
	cat out err
}

test_expect_success 'SIGTERM during register: the rest not started, exit 1' '
	interrupt ": image " register --all &&
	test "$code" = 1 &&
	grep -Eq "^register: $N VMs, $N disks: [1-9][0-9]* registered, 0 already registered, 0 failed, [1-9][0-9]* not started: interrupted" out &&
	grep -Eq "interrupted: [1-9][0-9]* of $N disks not registered \(a rerun does them\)" err &&
	done=$(grep -c "(registered)" out) && test "$done" -lt $N &&
	test "$(count b one.imagepool.info IMAGE)" = "$done" &&
	echo "$done" >reg.count
'

test_expect_success 'register again registers the rest, nothing twice' '
	done=$(cat reg.count) &&
	"$ONEDR" -c "$TRASH/b.conf" register --all >out &&
	grep -q "^register: $N VMs, $N disks: $((N - done)) registered, $done already registered, 0 failed$" out &&
	test "$(count b one.imagepool.info IMAGE)" = $N
'

test_expect_success 'SIGTERM during recreate: the rest not started, exit 1' '
	interrupt ": created as VM " recreate --all &&
	test "$code" = 1 &&
	grep -Eq "^recreate: $N VMs: [1-9][0-9]* created, 0 already there, 0 failed, [1-9][0-9]* not started: interrupted" out &&
	grep -Eq "interrupted: [1-9][0-9]* of $N VMs not recreated \(a rerun does them\)" err &&
	done=$(grep -c ": created as VM " out) && test "$done" -lt $N &&
	test "$(count b one.vmpool.info VM)" = "$done" &&
	echo "$done" >rec.count
'

test_expect_success 'recreate again creates the rest, nothing twice' '
	done=$(cat rec.count) &&
	"$ONEDR" -c "$TRASH/b.conf" recreate --all >out &&
	grep -q "^recreate: $N VMs: $((N - done)) created, $done already there, 0 failed$" out &&
	test "$(count b one.vmpool.info VM)" = $N
'

test_done

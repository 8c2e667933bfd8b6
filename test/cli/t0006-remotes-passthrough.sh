#!/bin/bash
# t0006-remotes-passthrough: the onedr driver actions that add nothing to the
# stock ceph action, without a cluster: every such call of the oned 7.0.2
# fixtures reaches the stock action (test/oned/recorder standing in) with the
# identical argv and stdin, and its stdout, stderr and exit code come back.
# (The actions that add steps need Ceph: test/lab/t0085 runs every call.)
. "$TOP_SRCDIR/test/lib.sh"

FIX="$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/drivers"
REMOTES="$TRASH/remotes"
export ONED_RECORDER_DIR="$TRASH/rec"
PASS_ACTIONS=$("$ONEDR" help | sed -n 's#^  \(tm\|datastore\)/\([a-z_]*\) *runs .* as it is$#\1.\2#p')

test_expect_success 'setup: the recorder as the stock ceph driver, onedr as driver onedr' '
	"$TOP_SRCDIR/test/oned/mkremotes" "$REMOTES" recorder ceph &&
	mkdir -p "$REMOTES/tm/onedr" "$REMOTES/datastore/onedr" &&
	for a in $(ls "$REMOTES/tm/ceph"); do ln -s "$ONEDR" "$REMOTES/tm/onedr/$a"; done &&
	for a in $(ls "$REMOTES/datastore/ceph"); do ln -s "$ONEDR" "$REMOTES/datastore/onedr/$a"; done &&
	echo "REMOTES = \"$REMOTES\"" >onedr.conf &&
	echo "$PASS_ACTIONS" | grep -qx tm.delete && echo "$PASS_ACTIONS" | grep -qx datastore.monitor &&
	! echo "$PASS_ACTIONS" | grep -q clone
'

# run KIND ACTION ARG...: KIND/onedr/ACTION as oned runs it, stdin from in
run() {
	local kind=$1 action=$2
	shift 2
	code=0
	ONEDR_CONF="$TRASH/onedr.conf" "$REMOTES/$kind/onedr/$action" "$@" <in >out 2>err || code=$?
}

n=0
for f in "$FIX"/*.argv.txt; do
	base=$(basename "$f" .argv.txt)
	kind=$(echo "$base" | cut -d. -f2) action=$(echo "$base" | cut -d. -f4)
	echo "$PASS_ACTIONS" | grep -qx "$kind.$action" || continue
	n=$((n + 1))
	test_expect_success "$base: argv and stdin reach the stock action, its stdout comes back" "
		mapfile -t args < <(sed '\$d' '$f') &&
		if [ -f '$FIX/$base.stdin.b64' ]; then cp '$FIX/$base.stdin.b64' in; else : >in; fi &&
		run $kind $action \"\${args[@]}\" && test \$code -eq 0 &&
		rec=\$(printf '%s/%04d.$kind.ceph.$action' \"\$ONED_RECORDER_DIR\" $n) &&
		cmp \"\$rec.argv.txt\" '$f' && cmp \"\$rec.stdin.b64\" in && cmp \"\$rec.stdout.txt\" out &&
		test ! -s err
	"
done

test_expect_success 'the stock action'"'"'s failure comes back: its exit code and its stderr' '
	: >in && ONED_RECORDER_FAIL=tm/delete ONED_RECORDER_DIR= run tm delete h:/d/0/disk.1 0 100 &&
	test $code -eq 1 && test "$(cat err)" = "recorder: delete failed (simulated)" && test ! -s out
'

test_expect_success 'a large stdin reaches the stock action whole (2 MiB, past any pipe buffer)' '
	head -c 1572864 /dev/urandom | base64 -w0 >in &&
	ONED_RECORDER_DIR="$TRASH/big" run datastore monitor 100 && test $code -eq 0 &&
	cmp "$TRASH/big/0001.datastore.ceph.monitor.stdin.b64" in
'

test_expect_success 'cpds'"'"' SNAP_ID -1 after the operands is an operand, not an option' '
	: >in && ONED_RECORDER_DIR="$TRASH/neg" run tm resize h:/d/0/disk.1 -1 0 100 && test $code -eq 0 &&
	printf "h:/d/0/disk.1\n-1\n0\n100\nargc=4\n" | cmp - "$TRASH/neg/0001.tm.ceph.resize.argv.txt"
'

test_expect_success 'without the stock action: one ERROR line naming it and REMOTES, then the reason alone for oned, exit 3' '
	echo "REMOTES = \"$TRASH/nowhere\"" >bad.conf && : >in &&
	test_exit_code 3 env ONEDR_CONF="$TRASH/bad.conf" "$REMOTES/tm/onedr/monitor" 100 <in 2>err &&
	# as scripts_common.sh: log_error for the log, then error_message (the reason)
	driver_error err &&
	grep -q "^ERROR: tm/monitor: cannot run the stock action .$TRASH/nowhere/tm/ceph/monitor." err
'

test_done

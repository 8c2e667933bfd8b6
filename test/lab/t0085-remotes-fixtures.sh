#!/bin/bash
# t0085-remotes-fixtures: every driver call a real oned 7.0.2 made
# (test/fixtures/opennebula-7.0-ceph/drivers: argv and stdin as oned gave
# them) is accepted by the matching onedr remote, with the stock ceph
# actions replaced by test/oned/recorder: the recorder sees the identical
# argv and stdin, the remote's stdout is the recorder's, and the exit code
# is 0. The RBDs the real stock actions would have made exist on site-a
# (made here with the rbd CLI), so the remotes' mirroring steps run for real.
. "$TOP_SRCDIR/test/lab/lib-lab.sh"

FIX="$TOP_SRCDIR/test/fixtures/opennebula-7.0-ceph/drivers"
REMOTES="$TRASH/remotes"
export ONED_RECORDER_DIR="$TRASH/rec"
# the names oned gave (one-<ID>, pool "one"): removed before and after
IMAGES="one-1-0-1 one-1-1-0 one-3-0-5 one-sys-0-2 one-sys-0-4 one-0 one-1 one-2 one-3 one-4 one-5"

cleanup_images() {
	local i
	for i in $IMAGES; do
		rbd_a info "$POOL/$i" >/dev/null 2>&1 || continue
		rbd_a snap unprotect "$POOL/$i@snap" >/dev/null 2>&1
		rbd_a snap purge "$POOL/$i" >/dev/null 2>&1
		rbd_a rm "$POOL/$i" >/dev/null 2>&1
	done
	return 0
}
test_cleanup() { cleanup_images; }

# what the stock actions would have made before each call returned
mk_fixture_images() {
	local i
	for i in one-0 one-1 one-2 one-3 one-4 one-sys-0-2 one-sys-0-4; do
		rbd_a create "$POOL/$i" --size 16M || return 1
	done
	for i in one-1 one-3; do
		rbd_a snap create "$POOL/$i@snap" && rbd_a snap protect "$POOL/$i@snap" || return 1
	done
	rbd_a clone "$POOL/one-1@snap" "$POOL/one-1-0-1" &&
	rbd_a clone "$POOL/one-1@snap" "$POOL/one-1-1-0" &&
	rbd_a clone "$POOL/one-3@snap" "$POOL/one-3-0-5"
}

test_expect_success 'setup: a remotes tree with the recorder as the stock ceph driver, onedr as driver onedr' '
	cleanup_images && mk_fixture_images &&
	"$TOP_SRCDIR/test/oned/mkremotes" "$REMOTES" recorder ceph &&
	mkdir -p "$REMOTES/tm/onedr" "$REMOTES/datastore/onedr" &&
	for a in $(ls "$REMOTES/tm/ceph"); do ln -s "$ONEDR" "$REMOTES/tm/onedr/$a"; done &&
	for a in $(ls "$REMOTES/datastore/ceph"); do ln -s "$ONEDR" "$REMOTES/datastore/onedr/$a"; done &&
	{ cat "$LAB_A_ONEDR_CONF"; echo "REMOTES = \"$REMOTES\""; } >onedr.conf
'

# call NNNN.KIND.ceph.ACTION: run the fixture's call through KIND/onedr/ACTION
call() {
	local base=$1 kind action args=()
	kind=$(echo "$base" | cut -d. -f2) action=$(echo "$base" | cut -d. -f4)
	mapfile -t args < <(sed '$d' "$FIX/$base.argv.txt")
	[ "$(tail -n1 "$FIX/$base.argv.txt")" = "argc=${#args[@]}" ] || { echo "bad argv file"; return 1; }
	if [ -f "$FIX/$base.stdin.b64" ]; then cp "$FIX/$base.stdin.b64" in; else : >in; fi
	code=0
	ONEDR_CONF="$TRASH/onedr.conf" "$REMOTES/$kind/onedr/$action" "${args[@]}" <in >out 2>err || code=$?
}

n=0
for f in "$FIX"/*.argv.txt; do
	base=$(basename "$f" .argv.txt)
	n=$((n + 1))
	test_expect_success "$base: the remote passes argv and stdin to the stock action, and its stdout back" "
		# disk-saveas: tm/ceph/cpds creates the image mkfs (save_as) named
		case $base in *.tm.ceph.cpds) rbd_a create $POOL/one-5 --size 16M ;; esac
		call $base &&
		cat err && test \$code -eq 0 &&
		rec=\$(printf '%s/%04d' \"\$ONED_RECORDER_DIR\" $n) &&
		kind=\$(echo $base | cut -d. -f2-4) &&
		test -f \"\$rec.\$kind.argv.txt\" &&
		cmp \"\$rec.\$kind.argv.txt\" \"$FIX/$base.argv.txt\" &&
		cmp \"\$rec.\$kind.stdin.b64\" in &&
		cmp \"\$rec.\$kind.stdout.txt\" out
	"
done

test_expect_success 'the remotes mirrored every RBD the stock actions made' '
	for i in one-1-0-1 one-1-1-0 one-3-0-5 one-sys-0-2 one-sys-0-4 one-2 one-3 one-4 one-5; do
		rbd_a info "$POOL/$i" | grep -q "mirroring primary: true" || { echo "$i not mirrored"; exit 1; }
	done &&
	rbd_a info "$POOL/one-1-0-1" | grep -q "mirroring mode: journal" &&
	! rbd_a info "$POOL/one-0" | grep -q "mirroring state: enabled"
'

test_expect_success 'the clones reach site-b' '
	wait_until 180 "one-1-0-1 replaying on site-b" is_replaying b one-1-0-1 &&
	wait_until 180 "one-3-0-5 replaying on site-b" is_replaying b one-3-0-5
'

test_done

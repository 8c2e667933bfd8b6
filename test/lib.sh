# test/lib.sh: a small TAP harness in the style of git's t/test-lib.sh.
#
#   . "$TOP_SRCDIR/test/lib.sh"
#   test_expect_success 'promote twice is a no-op the second time' '
#       onedr_b promote one/x && onedr_b promote one/x >out && grep "already primary" out
#   '
#   test_done
#
# Each test body runs in a subshell with `set -e`, in the test's own scratch
# directory; its output is shown (as TAP comments) only when it fails.

: "${ONEDR:?ONEDR must name the onedr binary under test}"
: "${TOP_SRCDIR:?TOP_SRCDIR must name the source tree}"

test_count=0
test_failures=0
TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/onedr-$TEST_NAME.XXXXXX")
export TRASH
cd "$TRASH" || exit 1

# Leak checking is on in the sanitizer build: a leak fails the command's
# exit code. test/lsan.supp names each suppression and why.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOP_SRCDIR/test/lsan.supp:print_suppressions=0}
export ASAN_OPTIONS LSAN_OPTIONS

test_cleanup() {
	:
}

test_expect_success() {
	local desc=$1 body=$2 out
	test_count=$((test_count + 1))
	out="$TRASH/test-$test_count.out"
	rm -f "$TRASH/out" "$TRASH/err"
	if (set -e; eval "$body") >"$out" 2>&1; then
		echo "ok $test_count - $desc"
	else
		echo "not ok $test_count - $desc"
		for f in out err; do	# what the test captured, for the reader
			[ -s "$TRASH/$f" ] && { echo "--- $f"; cat "$TRASH/$f"; } >>"$out"
		done
		sed 's/^/#   /' "$out"
		test_failures=$((test_failures + 1))
	fi
}

test_done() {
	echo "1..$test_count"
	test_cleanup
	if [ "$test_failures" -eq 0 ]; then
		rm -rf "$TRASH"
		exit 0
	fi
	echo "# $test_failures of $test_count failed; scratch files in $TRASH"
	exit 1
}

# test_exit_code WANT CMD...: run CMD, succeed when it exits with WANT.
test_exit_code() {
	local want=$1 got=0
	shift
	"$@" || got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit code $want, got $got from: $*"
		return 1
	fi
}

# one_line FILE: FILE holds exactly one line (one clear error, not a dump).
one_line() {
	local n
	n=$(wc -l <"$1")
	if [ "$n" -ne 1 ]; then
		echo "expected one line in $1, got $n:"
		cat "$1"
		return 1
	fi
}

# driver_error FILE: what a failed onedr driver action wrote on stderr: one
# ERROR line, then its message alone (the reason oned keeps in ERROR)
driver_error() {
	test "$(wc -l <"$1")" = 2 && test "$(grep -c '^ERROR: ' "$1")" = 1 &&
		test "$(sed -n 2p "$1")" = "$(sed -n '1s/^ERROR: [^:]*: //p' "$1")"
}

# wait_until SECONDS DESC CMD...: poll CMD every half second until it succeeds.
wait_until() {
	local limit=$1 desc=$2 i=0
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt $((limit * 2)) ]; then
			echo "gave up after ${limit}s waiting for: $desc"
			return 1
		fi
		sleep 0.5
	done
}

# test_exit_code_in "WANT..." CMD...: like test_exit_code, for several allowed codes.
test_exit_code_in() {
	local want=$1 got=0 w
	shift
	"$@" || got=$?
	for w in $want; do
		[ "$got" -eq "$w" ] && return 0
	done
	echo "expected exit code in ($want), got $got from: $*"
	return 1
}

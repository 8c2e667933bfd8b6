#!/bin/sh
# t0002-options: every option of every command, as its --help lists it, with
# a valid value and with invalid ones. Only the documented exit codes (0-5)
# may come out, never a crash or a sanitizer report (the suite runs this
# under ASan and UBSan too); an invalid value is exit 2 and one ERROR line.
# No cluster and no oned: the configuration points at neither, so a valid
# command line gets as far as connecting and stops there.
. "$TOP_SRCDIR/test/lib.sh"

# a sanitizer report must not hide behind exit code 1
ASAN_OPTIONS="$ASAN_OPTIONS:exitcode=86"
UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

printf 'alice:secret\n' >one_auth
cat >c.conf <<CONF
SITE = "site-b"
CEPH = [ CONF = "$TRASH/none/ceph.conf", KEYRING = "$TRASH/none/keyring" ]
ONE = [ ENDPOINT = "http://127.0.0.1:9/RPC2", AUTH = "$TRASH/one_auth", TIMEOUT = "2" ]
CONF
export ONEDR_CONF="$TRASH/c.conf"

# every entry of the table: the commands, then the hooks and remotes oned runs
COMMANDS=$("$ONEDR" help | sed -n 's|^  \([a-z][a-z/_.-]*\)  .*|\1|p')

# options CMD: "LETTER LONG VALUE" per option of CMD's --help ("-" for none)
options() {
	"$ONEDR" "$1" --help | sed -n 's/^  \(-\(.\), \)\{0,1\}--\([a-z-]*\)\( \([A-Z]*\)\)\{0,1\}  .*/\2 \3 \5/p' |
	awk '{ if (NF == 1) print "-", $1, "-"; else if (NF == 2 && $1 ~ /^.$/) print $1, $2, "-";
	       else if (NF == 2) print "-", $1, $2; else print $1, $2, $3 }'
}

# operands that get CMD past its usage checks
operands() {
	case $1 in
	promote|demote|resync) echo one/img ;;
	export|failover|register|recreate|switchover) echo 5 ;;
	fence|unfence) echo host-1 ;;
	drill) echo status ;;
	hook/fence-host|hook/host-error) echo PEhPU1Q+PElEPjE8L0lEPjxOQU1FPmgxPC9OQU1FPjxTVEFURT4zPC9TVEFURT48L0hPU1Q+ ;;	# a <HOST>
	*) ;;
	esac
}

valid_value() {
	case $1 in
	N|S) echo 4 ;;
	FILE) echo "$TRASH/c.conf" ;;
	*) echo x1 ;;
	esac
}

# run_ok ARGS...: any documented exit code, no sanitizer report
run_ok() {
	code=0
	"$ONEDR" "$@" >out 2>err </dev/null || code=$?
	if [ "$code" -gt 5 ] || grep -q "Sanitizer\|runtime error" err; then
		echo "onedr $*: exit $code"; cat err; return 1
	fi
}

# run_usage ARGS...: exit 2 and one ERROR line
run_usage() {
	run_ok "$@" || return 1
	if [ "$code" -ne 2 ] || [ "$(grep -c '^ERROR: ' err)" -ne 1 ]; then
		echo "onedr $*: exit $code, expected 2 and one ERROR line"; cat err; return 1
	fi
}

matrix() {
	cmd=$1 ops=$(operands "$1") n=0
	options "$cmd" >opts
	while read -r letter long value; do
		n=$((n + 1))
		[ "$long" = help ] && continue	# --help: below
		if [ "$value" = - ]; then
			run_ok "$cmd" "--$long" $ops || return 1
			run_ok "$cmd" "--$long" || return 1
			[ "$letter" = - ] || run_ok "$cmd" "-$letter" $ops || return 1
			run_usage "$cmd" "--$long=yes" $ops || return 1
		else
			v=$(valid_value "$value")
			run_ok "$cmd" "--$long" "$v" $ops || return 1
			run_ok "$cmd" "--$long=$v" $ops || return 1
			run_ok "$cmd" "--$long" "$v" "--$long" "$v" $ops || return 1
			run_ok "$cmd" "--$long" "$v" || return 1
			[ "$letter" = - ] || run_ok "$cmd" "-$letter" "$v" $ops || return 1
			[ "$letter" = - ] || run_ok "$cmd" "-$letter$v" $ops || return 1
			run_usage "$cmd" $ops "--$long" || return 1
			run_usage "$cmd" "--$long=" $ops || return 1
			case $value in
			N|S)	for bad in 0 -1 abc 4x 99999999999; do
					run_usage "$cmd" "--$long" "$bad" $ops || return 1
				done ;;
			esac
		fi
	done <opts
	run_usage "$cmd" --no-such-option $ops || return 1
	run_usage "$cmd" -Q $ops || return 1
	run_usage "$cmd" --hel $ops || return 1		# never by prefix
	# the common options are in every command's help
	[ "$n" -ge 7 ] || { echo "$cmd: only $n options in --help"; return 1; }
}

for cmd in $COMMANDS; do
	test_expect_success "every option of '$cmd' gives a documented exit code, valid or not" "
		matrix $cmd
	"
done

test_expect_success 'the matrix reads the commands from help (it cannot pass empty)' '
	for c in demote export help manifest promote recreate register resync status version; do
		case " $(echo $COMMANDS) " in *" $c "*) ;; *) echo "no $c in: $COMMANDS"; exit 1 ;; esac
	done
'

test_expect_success 'the matrix reads the options from --help (it cannot pass empty)' '
	options promote >o && grep -q "^- force -$" o && grep -q "^p pool POOL$" o &&
	grep -q "^- wait S$" o && grep -q "^c conf FILE$" o && grep -q "^v verbose -$" o &&
	options recreate >o && grep -q "^- deploy HOST$" o && grep -q "^- drop-unprotected -$" o &&
	options manifest >o && grep -q "^j json -$" o && grep -q "^- show VM$" o
'

test_expect_success '--pool on the manifest command does not crash (it freed a borrowed string)' '
	test_exit_code 3 "$ONEDR" manifest --pool foo 2>err &&
	one_line err && grep -q "cannot connect to the local Ceph cluster" err
'

test_expect_success 'an option value is taken as given, also after the operands' '
	test_exit_code 2 "$ONEDR" promote one/x --concurrency 0 2>err &&
	grep -q "^ERROR: promote: --concurrency: expected a number from 1 to 1024, got .0.$" err
'

test_expect_success '-- ends the options: what follows is an operand' '
	test_exit_code 3 "$ONEDR" promote -- --pool 2>err &&
	one_line err && grep -q "cannot connect" err
'

test_done

#!/bin/sh
# t0004-install: `make install` from the build tree lays out what OpenNebula
# expects: the binary and its onedr-COMMAND names, a link to the binary in
# OpenNebula's remotes for every hook, TM and datastore entry of the command
# table, share/onedr (onehook templates that oned accepts, oned.conf lines, a
# sample onedr.conf that onedr reads) and the man pages; DESTDIR is honoured
# and `make uninstall` takes it all back. The installation directories come
# from the Makefile (AM_TESTS_ENVIRONMENT).
. "$TOP_SRCDIR/test/lib.sh"

: "${ONEDR_BINDIR:?}" "${ONEDR_DATADIR:?}" "${ONEDR_MANDIR:?}" "${ONEDR_REMOTES:?}"
build=$(dirname "$ONEDR")
# a make of our own, not one of make check's jobs
unset MAKEFLAGS MFLAGS MAKELEVEL
make=${MAKE:-make}
dest=$TRASH/dest

standin_pid=
test_cleanup() {
	[ -z "$standin_pid" ] || { kill "$standin_pid" 2>/dev/null; wait "$standin_pid" 2>/dev/null; }
	standin_pid=
}
trap test_cleanup EXIT
trap 'exit 1' HUP INT TERM

# the table, as `onedr help` lists it
commands() {
	"$ONEDR" help | awk '/^Commands:/ { c = 1; next } /^$/ { c = 0 } c && /^  [^ ]/ { print $1 }'
}
entries() {
	"$ONEDR" help | awk '/^  (hook|tm|datastore)\// { print $1 }'
}
# the link directory of an entry, under the remotes
link_dir() {
	case $1 in
	hook/*) echo hooks/onedr ;;
	tm/*) echo tm/onedr ;;
	datastore/*) echo datastore/onedr ;;
	*) echo "not an entry of OpenNebula's remotes: $1" >&2; return 1 ;;
	esac
}

commands >cmds
entries >ents

test_expect_success 'make install DESTDIR=DIR installs onedr under DIR' '
	"$make" -C "$build" install DESTDIR="$dest" >out 2>err &&
	test -x "$dest$ONEDR_BINDIR/onedr" &&
	"$dest$ONEDR_BINDIR/onedr" version >out &&
	grep -q "^onedr " out
'

test_expect_success 'every command but help and version is installed as onedr-COMMAND' '
	grep -qx status cmds &&
	for c in $(grep -vx "help\|version" cmds); do
		test "$(readlink "$dest$ONEDR_BINDIR/onedr-$c")" = onedr ||
			{ echo "onedr-$c is not a link to onedr"; exit 1; }
	done
'

test_expect_success 'every hook, TM and datastore entry is a link to bin/onedr in the remotes' '
	for e in $(cat ents); do
		l="$dest$ONEDR_REMOTES/$(link_dir "$e")/${e#*/}" &&
		test "$(readlink "$l")" = "$ONEDR_BINDIR/onedr" ||
			{ echo "$e: $l is not a link to $ONEDR_BINDIR/onedr"; exit 1; }
	done
'

# independent of `onedr help`: every entry a source file declares
test_expect_success 'every entry the sources declare is installed' '
	for d in src hooks remotes; do
		[ ! -d "$TOP_SRCDIR/$d" ] || grep -rhoE "\.name *= *\"(hook|tm|datastore)/[^\"]+\"" \
			--include="*.c" "$TOP_SRCDIR/$d"
	done | sed "s/.*\"\(.*\)\"/\1/" | sort -u >declared &&
	for e in $(cat declared); do
		test -L "$dest$ONEDR_REMOTES/$(link_dir "$e")/${e#*/}" ||
			{ echo "$e is declared but not installed (missing from cmd_table?)"; exit 1; }
	done
'

# OpenNebula 7.0.2's stock ceph drivers (install.sh TM_CEPH_FILES and
# DATASTORE_DRIVER_CEPH_SCRIPTS, without the .ssh variants and ceph_utils.sh):
# the onedr drivers must answer every action oned may call
test_expect_success 'every action of the stock tm/ceph and datastore/ceph drivers is installed' '
	for a in clone context cpds delete failmigrate ln mkimage mkswap monitor mv mvds \
		postbackup postbackup_live postmigrate prebackup prebackup_live premigrate \
		resize restore snap_create snap_create_live snap_delete snap_revert; do
		test -L "$dest$ONEDR_REMOTES/tm/onedr/$a" || { echo "tm/$a is not installed"; exit 1; }
	done &&
	for a in clone cp export mkfs monitor rm snap_delete snap_flatten snap_revert stat; do
		test -L "$dest$ONEDR_REMOTES/datastore/onedr/$a" ||
			{ echo "datastore/$a is not installed"; exit 1; }
	done
'

test_expect_success 'the remotes hold nothing but the entries of the table' '
	entries | sort >want &&
	(cd "$dest$ONEDR_REMOTES" && find . \( -type f -o -type l \) | sed "s|^\./||" |
		sed -e "s|^hooks/onedr/|hook/|" -e "s|^tm/onedr/|tm/|" \
		    -e "s|^datastore/onedr/|datastore/|") | sort >got &&
	diff -u want got
'

share=$dest$ONEDR_DATADIR/onedr
test_expect_success 'share/onedr holds the hook templates, the oned.conf lines and a sample onedr.conf' '
	test -s "$share/oned.conf" && test -s "$share/onedr.conf.sample" &&
	ls "$share/hooks/"*.tmpl >tmpls && test "$(wc -l <tmpls)" -eq 14
'

# tmpl_get FILE KEY: the quoted value of KEY
tmpl_get() {
	sed -n "s/^$2 *= *\"\(.*\)\"\$/\1/p" "$1"
}

test_expect_success 'every hook template runs an installed hook with its payload on stdin, under a TIMEOUT' '
	for t in "$share/hooks/"*.tmpl; do
		test "$(tmpl_get "$t" ARGUMENTS_STDIN)" = yes &&
		test "$(tmpl_get "$t" TIMEOUT)" -gt 0 &&
		cmd=$(tmpl_get "$t" COMMAND) &&
		case $cmd in "$ONEDR_REMOTES"/hooks/onedr/*) ;; *) false ;; esac ||
			{ echo "$t: COMMAND \"$cmd\", ARGUMENTS_STDIN or TIMEOUT"; exit 1; }
		grep -qx "hook/${cmd##*/}" ents ||
			{ echo "$t: COMMAND $cmd is no hook entry of the table"; exit 1; }
		args=$(tmpl_get "$t" ARGUMENTS) &&
		case $(tmpl_get "$t" TYPE) in
		state) test "${args%% *}" = "\$TEMPLATE" ;;
		# protect reads the call from the word after the payload
		# (oned'"'"'s CALL_INFO does not name it)
		api) test "$args" = "\$API $(tmpl_get "$t" CALL)" ;;
		*) false ;;
		esac || { echo "$t: TYPE and ARGUMENTS"; exit 1; }
		# the options after the payload are the hook'"'"'s: it must take them
		opts=${args#"${args%% *}"} &&
		if [ -n "$opts" ]; then
			"$ONEDR" "hook/${cmd##*/}" --help | head -n 1 >usage &&
			for o in $opts; do
				case $o in -*) grep -q -- "$o" usage ||
					{ echo "$t: hook/${cmd##*/} takes no $o"; exit 1; } ;;
				esac
			done
		fi
	done
'

test_expect_success 'every hook entry has a template (fence-host is run by ft/host_error.rb)' '
	for e in $(grep "^hook/" ents | grep -vx hook/fence-host); do
		grep -lx "COMMAND *= *\"$ONEDR_REMOTES/hooks/onedr/${e#hook/}\"" \
			"$share/hooks/"*.tmpl >/dev/null ||
			{ echo "$e: no template"; exit 1; }
	done
'

test_expect_success 'the triggers: protect on RUNNING and on every call that changes a manifest, retire, image-ready, host-error' '
	for t in "$share/hooks/"*.tmpl; do
		printf "%s %s %s%s%s%s\n" "$(tmpl_get "$t" COMMAND | sed "s|.*/||")" \
			"$(tmpl_get "$t" TYPE)" "$(tmpl_get "$t" RESOURCE)" \
			"$(tmpl_get "$t" ON)" "$(tmpl_get "$t" STATE)" "$(tmpl_get "$t" CALL)"
	done | sort >triggers &&
	cat >want <<-\WANT &&
	host-error state HOSTERROR
	image-ready state IMAGEREADY
	protect api one.vm.attach
	protect api one.vm.attachnic
	protect api one.vm.chown
	protect api one.vm.detach
	protect api one.vm.detachnic
	protect api one.vm.diskresize
	protect api one.vm.rename
	protect api one.vm.resize
	protect api one.vm.update
	protect api one.vm.updateconf
	protect state VMRUNNING
	retire state VMDONE
	WANT
	diff -u want triggers
'

# the oned stand-in, for one.hook.allocate
printf 'oneadmin:pw-%s\n' "$$" >auth
"$TOP_SRCDIR/test/oned/oned-standin" --port 0 --state "$TRASH/state" --auth auth \
	--step-delay 0 --monitor-interval 0 >standin.port 2>standin.log &
standin_pid=$!

test_expect_success 'the oned stand-in accepts every hook template (one.hook.allocate)' '
	wait_until 20 "the oned stand-in" test -s "$TRASH/state/port" &&
	python3 - "http://127.0.0.1:$(cat "$TRASH/state/port")/RPC2" auth "$share/hooks/"*.tmpl <<-\PY
	import sys, xmlrpc.client
	import xml.etree.ElementTree as ET
	url, auth, files = sys.argv[1], open(sys.argv[2]).readline().strip(), sys.argv[3:]
	one = xmlrpc.client.ServerProxy(url)
	for f in files:
	    ok, hid, code = one.one.hook.allocate(auth, open(f).read())[:3]
	    if not ok:
	        sys.exit("%s: refused: %s" % (f, hid))
	    ok, doc = one.one.hook.info(auth, hid)[:2]
	    t = ET.fromstring(doc).find("TEMPLATE")
	    for k, v in (("ARGUMENTS_STDIN", "yes"), ("REMOTE", "NO")):
	        if t.findtext(k) != v:
	            sys.exit("%s: %s is %r" % (f, k, t.findtext(k)))
	    if not t.findtext("COMMAND") or not t.findtext("TIMEOUT"):
	        sys.exit("%s: no COMMAND or TIMEOUT" % f)
	    print(f, hid)
	PY
'

test_expect_success 'oned.conf lines add onedr to both driver lists, with ceph'"'"'s TM_MAD_CONF and DS_MAD_CONF' '
	grep -A2 "^TM_MAD = \[" "$share/oned.conf" | grep -q "ARGUMENTS = \"-t 15 -d .*,onedr\"" &&
	grep -A2 "^DATASTORE_MAD = \[" "$share/oned.conf" | grep -q -- "-d .*,onedr -s .*,onedr\"" &&
	test "$(grep -c "^ *NAME = \"onedr\"" "$share/oned.conf")" -eq 2 &&
	sed -n "/^TM_MAD_CONF = \[/,/^\]/p; /^DS_MAD_CONF = \[/,/^\]/p" "$share/oned.conf" |
		sed "s/\"onedr\"/\"ceph\"/" >got &&
	cat >want <<-\CEPH &&
	TM_MAD_CONF = [
	    NAME = "ceph", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES",
	    DS_MIGRATE = "NO", DRIVER = "raw", ALLOW_ORPHANS="mixed",
	    TM_MAD_SYSTEM = "ssh,shared", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM",
	    DISK_TYPE_SSH = "FILE", LN_TARGET_SHARED = "NONE",
	    CLONE_TARGET_SHARED = "SELF", DISK_TYPE_SHARED = "RBD"
	]
	DS_MAD_CONF = [
	    NAME = "ceph",
	    REQUIRED_ATTRS = "DISK_TYPE,BRIDGE_LIST",
	    PERSISTENT_ONLY = "NO",
	    MARKETPLACE_ACTIONS = "export"
	]
	CEPH
	diff -u want got
'

test_expect_success 'onedr reads the sample onedr.conf' '
	sed "s|\"/etc/ceph/|\"$TRASH/none/|" "$share/onedr.conf.sample" >sample.conf &&
	test_exit_code 3 "$ONEDR" -c sample.conf status >out 2>err &&
	grep -q "cannot connect to the local Ceph cluster" err
'

test_expect_success 'every key the sample shows, commented out or not, is one onedr reads' '
	sed -E -e "s|\"/etc/ceph/|\"$TRASH/none/|" -e "s/^#([A-Z]|  [A-Z])/\1/" \
		"$share/onedr.conf.sample" >all.conf &&
	grep -q "^MIRROR_MODE" all.conf && grep -q "^PEER" all.conf &&
	test_exit_code 3 "$ONEDR" -c all.conf status >out 2>err &&
	grep -q "cannot connect to the local Ceph cluster" err
'

# oned calls ACTION.ssh for a disk whose system datastore is ssh, and one_tm
# runs the plain ACTION when ACTION.ssh is missing: either every .ssh action
# of tm/ceph is there, or the TM_MAD_CONF keeps ssh system datastores out
test_expect_success 'onedr'"'"'s TM_MAD_CONF allows ssh system datastores only if the .ssh actions are installed' '
	sed -n "/^TM_MAD_CONF = \[/,/^\]/p" "$share/oned.conf" >tmconf &&
	grep -q "NAME = \"onedr\"" tmconf &&
	if grep -q "TM_MAD_SYSTEM = \"[^\"]*ssh" tmconf; then
		for a in clone cpds delete ln mvds resize; do
			test -L "$dest$ONEDR_REMOTES/tm/onedr/$a.ssh" ||
				{ echo "TM_MAD_SYSTEM lists ssh, but tm/$a.ssh is not installed"; exit 1; }
		done
	fi
'

man1=$dest$ONEDR_MANDIR/man1/onedr.1
man7=$dest$ONEDR_MANDIR/man7/onedr-remotes.7
test_expect_success 'onedr(1) has a section for every command of onedr help' '
	for c in $(cat cmds); do
		grep -q "^\.SS \"onedr $c" "$man1" || { echo "onedr(1) lacks $c"; exit 1; }
	done
'

test_expect_success 'onedr-remotes(7) has a section for every hook and driver action' '
	for e in $(cat ents); do
		grep -q "^\.SS \"onedr $e" "$man7" || { echo "onedr-remotes(7) lacks $e"; exit 1; }
	done
'

# every warning but "cannot adjust line" (long paths of a deep --prefix)
test_expect_success 'the man pages render without warnings' '
	for m in "$man1" "$man7"; do
		groff -man -ww -Wbreak -z "$m" 2>err && test ! -s err ||
			{ echo "$m:"; cat err; exit 1; }
	done
'

test_expect_success 'make uninstall DESTDIR=DIR takes every file and link back' '
	"$make" -C "$build" uninstall DESTDIR="$dest" >out 2>err &&
	(cd "$dest" && find . \( -type f -o -type l \)) >left &&
	test ! -s left
'

# Installed for real (no DESTDIR), so that the remotes' absolute links resolve.
root=$TRASH/root
test_expect_success 'installed without DESTDIR, every link runs its entry (LINK --help)' '
	"$make" -C "$build" install prefix="$root" exec_prefix="$root" bindir="$root/bin" \
		datadir="$root/share" mandir="$root/man" ONE_REMOTES_DIR="$root/remotes" >out 2>err &&
	for e in $(cat ents); do
		l="$root/remotes/$(link_dir "$e")/${e#*/}" &&
		"$l" --help >out 2>err &&
		test "$(head -n 1 out | cut -d" " -f1-3)" = "usage: onedr $e" ||
			{ echo "$l --help:"; cat out err; exit 1; }
	done &&
	for c in $(grep -vx "help\|version" cmds); do
		"$root/bin/onedr-$c" --help >out 2>err &&
		test "$(head -n 1 out | cut -d" " -f1-3)" = "usage: onedr $c" ||
			{ echo "onedr-$c --help:"; cat out err; exit 1; }
	done
'

test_done

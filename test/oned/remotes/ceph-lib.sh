# ceph-lib.sh: shared by the test stand-ins of OpenNebula's ceph drivers
# (test/oned/remotes/{tm,datastore}/ceph/*). Sourced, never run.
#
# What the real drivers do on the Ceph side is done here on the machine that
# runs them (the stand-in's "front-end" and every "host" are this machine):
# where the stock scripts ssh to a host or to a BRIDGE_LIST node and run a
# script there, these run the same script locally with bash. Host-side file
# work (directories under /var/lib/one/datastores, local monitoring markers,
# the context ISO) is not done. The rbd commands and the RBD names are those
# of the stock drivers of OpenNebula 7.0.2.
#
# Which Ceph cluster: `rbd`/`ceph` read their usual environment, which the
# stand-in passes to drivers unchanged (oned's drivers inherit oned's): set
# CEPH_CONF=<ceph.conf> and CEPH_ARGS="--keyring <keyring>" where the
# stand-in of a site is started. CEPH_USER / CEPH_KEY / CEPH_CONF of the
# datastore (or of the VM disk) add --id / --keyfile / --conf, as in the
# stock drivers. $RBD and $CEPH may name other binaries (default rbd, ceph).

LIB_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
XPATH="python3 $LIB_DIR/one-xpath"
SCRIPT_NAME=$(basename "$0")
RBD=${RBD:-rbd}
CEPH=${CEPH:-ceph}
# defaults of etc/datastore/ceph/ceph.conf
POOL_NAME=one
STAGING_DIR=/var/tmp
RBD_FORMAT=2
CEPH_TRASH=no

log() { echo "INFO: $SCRIPT_NAME: $1" >&2; }
log_error() { echo "ERROR: $SCRIPT_NAME: $1" >&2; }
# the text oned keeps as the reason of a failure (stderr lines without a
# severity prefix)
error_message() { echo "$1" >&2; }

arg_host() { printf '%s\n' "${1%%:*}"; }
arg_path() { printf '%s\n' "${1#*:}"; }

# xpath_read SOURCE... -- XPATH...: fills the array XE with the values
xpath_read() {
	local e
	XE=()
	while IFS= read -r -d '' e; do
		XE+=("$e")
	done < <($XPATH "$@")
}

# rbd_auth USER KEY CONF: the rbd options the stock drivers add
rbd_auth() {
	[ -n "$1" ] && RBD="$RBD --id $1"
	[ -n "$2" ] && RBD="$RBD --keyfile $2"
	[ -n "$3" ] && RBD="$RBD --conf $3"
	return 0
}

# the helpers the stock scripts send along with their remote script
# (datastore/ceph/ceph_utils.sh), written again
UTILS=$(cat <<'EOS'
rbd_format() { $RBD info "$1" | sed -n 's/.*format: //p'; }
rbd_make_snap() {
	[ "$(rbd_format "$1")" = 2 ] || return 0
	$RBD info "$1@snap" >/dev/null 2>&1 && return 0
	$RBD snap create "$1@snap" && $RBD snap protect "$1@snap"
}
rbd_rm_snap() {
	local s=${2:-snap}
	[ "$(rbd_format "$1")" = 2 ] || return 0
	$RBD info "$1@$s" >/dev/null 2>&1 || return 0
	$RBD snap unprotect "$1@$s" && $RBD snap rm "$1@$s"
}
rbd_parent() { $RBD info "$1" | awk '/parent:/ {print $2}' | sed 's/@.*//'; }
# the oldest ancestor that is still a snapshot-named copy of this volume
rbd_top_parent() {
	local v=$1 base p
	base=$(echo "$1" | sed 's/\([^-]*-[0-9]*-[0-9]*-[0-9]*\).*/\1/')
	while :; do
		p=$(rbd_parent "$v")
		if [ -n "$p" ] && echo "$p" | grep -q "$base"; then v=$p; else echo "$v"; return 0; fi
	done
}
rbd_rm_r() {
	local r=$1 trash=$2 c s
	if [ "$r" != "${r%%@*}" ]; then
		for c in $($RBD children "$r" 2>/dev/null); do rbd_rm_r "$c"; done
		$RBD snap unprotect "$r"
		$RBD snap rm "$r"
	elif [[ $trash =~ ^(yes|YES|true|TRUE)$ ]]; then
		$RBD flatten "$r"
		$RBD trash move "$r"
	else
		for s in $($RBD snap ls "$r" 2>/dev/null | awk 'NR > 1 {print $2}'); do
			rbd_rm_r "$r@$s"
		done
		$RBD rm "$r"
	fi
}
EOS
)

# run_script SCRIPT MESSAGE: run SCRIPT with bash (where the stock driver
# runs it over ssh, with ceph_utils.sh in front); on failure log its stderr,
# print MESSAGE as the error and exit with its status
run_script() {
	local err rc
	err=$(bash -s 2>&1 >/dev/null <<EOS
export LANG=C LC_ALL=C
RBD="$RBD"
$UTILS
$1
EOS
)
	rc=$?
	if [ $rc -ne 0 ]; then
		log_error "Command \"$1\" failed: $err"
		error_message "${2:-Error executing $1: $err}"
		exit $rc
	fi
}

# sourced by the datastore/ceph stand-ins: reads the base64
# DS_DRIVER_ACTION_DATA from stdin and the datastore's Ceph options
. "$(dirname "$(readlink -f "$0")")/../../ceph-lib.sh"
DRV_ACTION=$(cat)
ID=$1
D=/DS_DRIVER_ACTION_DATA/DATASTORE
I=/DS_DRIVER_ACTION_DATA/IMAGE
# ds_read XPATH...: XE = the values of XPATH... then CEPH_USER, CEPH_KEY,
# CEPH_CONF, EC_POOL_NAME, BRIDGE_LIST of the datastore; sets RBD and
# DST_HOST (the first BRIDGE_LIST host: where the stock driver would ssh)
ds_read() {
	local n=$#
	xpath_read -b "$DRV_ACTION" "$@" $D/TEMPLATE/CEPH_USER $D/TEMPLATE/CEPH_KEY \
		$D/TEMPLATE/CEPH_CONF $D/TEMPLATE/EC_POOL_NAME $D/TEMPLATE/BRIDGE_LIST || exit 1
	rbd_auth "${XE[n]}" "${XE[n + 1]}" "${XE[n + 2]}"
	EC_POOL_NAME=${XE[n + 3]}
	if [ -z "${XE[n + 4]}" ]; then
		error_message "Datastore template missing 'BRIDGE_LIST' attribute."
		exit 255
	fi
	DST_HOST=${XE[n + 4]%% *}
}

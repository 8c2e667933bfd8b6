/*
 * actions.h: every action of the onedr TM and datastore drivers, in name
 * order: those of OpenNebula 7.0's stock tm/ceph and datastore/ceph drivers
 * (install.sh's TM_CEPH_FILES and DATASTORE_DRIVER_CEPH_SCRIPTS, without
 * the *.ssh helpers and libraries they source).
 *
 * OWN(kind, action): an action onedr adds a step to; its entry
 *   remote_<kind>_<action>_entry is in remotes/<kind>/<action>.c.
 * PASS(kind, action): the stock action alone; its entry is made in
 *   remotes/passthrough.c from this list.
 * cmd.h declares them all and onedr.c's command table lists them all from
 * here, so adding an action is one line.
 */
#ifndef ONEDR_REMOTE_ACTIONS_H
#define ONEDR_REMOTE_ACTIONS_H

#define REMOTE_DATASTORE_ACTIONS(OWN, PASS) \
	OWN(datastore, clone) \
	OWN(datastore, cp) \
	PASS(datastore, export) \
	OWN(datastore, mkfs) \
	PASS(datastore, monitor) \
	OWN(datastore, rm) \
	PASS(datastore, snap_delete) \
	PASS(datastore, snap_flatten) \
	PASS(datastore, snap_revert) \
	PASS(datastore, stat)

#define REMOTE_TM_ACTIONS(OWN, PASS) \
	OWN(tm, clone) \
	PASS(tm, context) \
	OWN(tm, cpds) \
	PASS(tm, delete) \
	PASS(tm, failmigrate) \
	OWN(tm, ln) \
	OWN(tm, mkimage) \
	OWN(tm, mkswap) \
	PASS(tm, monitor) \
	PASS(tm, mv) \
	PASS(tm, mvds) \
	PASS(tm, postbackup) \
	PASS(tm, postbackup_live) \
	PASS(tm, postmigrate) \
	PASS(tm, prebackup) \
	PASS(tm, prebackup_live) \
	PASS(tm, premigrate) \
	PASS(tm, resize) \
	PASS(tm, restore) \
	PASS(tm, snap_create) \
	PASS(tm, snap_create_live) \
	PASS(tm, snap_delete) \
	PASS(tm, snap_revert)

/* The *.ssh actions of tm/ceph (install.sh's TM_CEPH_FILES): oned runs
 * ACTION.ssh for a disk of a Ceph image datastore on an ssh system datastore
 * (TM_MAD_SYSTEM="ssh,shared" in TM_MAD_CONF), and one_tm.rb falls back to
 * ACTION when ACTION.ssh is missing, which would run the wrong stock action.
 * ln.ssh and clone.ssh export the image to the host (refused on a
 * non-primary image, as ln and clone); cpds.ssh imports a disk into a new
 * RBD (mirrored, as cpds). OWN entries remote_tm_ACTION_ssh_entry are in
 * remotes/tm/ACTION.c, next to ACTION's. */
#define REMOTE_TM_SSH_ACTIONS(OWN, PASS) \
	OWN(tm, clone) \
	OWN(tm, cpds) \
	PASS(tm, delete) \
	OWN(tm, ln) \
	PASS(tm, mvds) \
	PASS(tm, resize)

#define REMOTE_SSH_ENTRY_NAME(kind, action) remote_##kind##_##action##_ssh_entry
#define REMOTE_SSH_ENTRY_EXTERN(kind, action) \
	extern const struct cmd_entry REMOTE_SSH_ENTRY_NAME(kind, action);
#define REMOTE_SSH_ENTRY_REF(kind, action) &REMOTE_SSH_ENTRY_NAME(kind, action),

#define REMOTE_ENTRY_NAME(kind, action) remote_##kind##_##action##_entry
#define REMOTE_ENTRY_EXTERN(kind, action) \
	extern const struct cmd_entry REMOTE_ENTRY_NAME(kind, action);
#define REMOTE_ENTRY_REF(kind, action) &REMOTE_ENTRY_NAME(kind, action),
#define REMOTE_ENTRY_NONE(kind, action)

/* The usage line every action shows: oned's arguments are passed on. */
#define REMOTE_USAGE(kind, action) "ARG... (those oned gives " #kind "/ceph/" #action ")"

#endif

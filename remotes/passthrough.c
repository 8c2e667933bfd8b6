/*
 * passthrough.c: the onedr driver actions that add nothing to the stock
 * ceph action (PASS in actions.h): each runs REMOTES/KIND/ceph/ACTION with
 * oned's argv and stdin and passes its output and exit code through
 * (remote_passthrough_exec). They exist so that a datastore switched to
 * TM_MAD/DS_MAD "onedr" keeps every verb oned may call.
 */
#include "config.h"

#include "actions.h"
#include "remote.h"

#define PASSTHROUGH(kind, action) \
	const struct cmd_entry REMOTE_ENTRY_NAME(kind, action) = { \
		.name = #kind "/" #action, \
		.usage = REMOTE_USAGE(kind, action), \
		.summary = "runs " #kind "/ceph/" #action " as it is", \
		.help = \
		"OpenNebula runs this as " #kind "/onedr/" #action ". It runs the stock\n" \
		#kind "/ceph/" #action " under REMOTES (onedr.conf) with the same\n" \
		"arguments and stdin, and passes its output and exit code through.\n", \
		.exec = remote_passthrough_exec, \
	};

#define PASSTHROUGH_SSH(kind, action) \
	const struct cmd_entry REMOTE_SSH_ENTRY_NAME(kind, action) = { \
		.name = #kind "/" #action ".ssh", \
		.usage = "ARG... (those oned gives " #kind "/ceph/" #action ".ssh)", \
		.summary = "runs " #kind "/ceph/" #action ".ssh as it is", \
		.help = \
		"OpenNebula runs this as " #kind "/onedr/" #action ".ssh (a disk on an ssh\n" \
		"system datastore). It runs the stock " #kind "/ceph/" #action ".ssh under\n" \
		"REMOTES (onedr.conf) with the same arguments and stdin, and passes its\n" \
		"output and exit code through.\n", \
		.exec = remote_passthrough_exec, \
	};

REMOTE_DATASTORE_ACTIONS(REMOTE_ENTRY_NONE, PASSTHROUGH)
REMOTE_TM_ACTIONS(REMOTE_ENTRY_NONE, PASSTHROUGH)
REMOTE_TM_SSH_ACTIONS(REMOTE_ENTRY_NONE, PASSTHROUGH_SSH)

/*
 * one-calls.h: the typed calls of oned's XML-RPC API (OpenNebula 6.10/7.0),
 * over the client of one-rpc.h: each returns 0 or -errno with *err filled
 * as one-rpc.h says. Documents come back as oned sent them, malloc'd.
 */
#ifndef ONEDR_ONE_CALLS_H
#define ONEDR_ONE_CALLS_H

#include <stdbool.h>

#include "one-rpc.h"

/* one.system.version: "7.0.2" */
int one_system_version(struct one_client *c, char **ret_version, struct one_error *err);

/* Virtual machines. filter: -4 primary group, -3 mine, -2 all, -1 mine and my
 * groups, >= 0 that user; start/end: ID range (-1: unbounded); state: -2 any,
 * -1 any but DONE, >= 0 that state. */
int one_vm_info(struct one_client *c, int id, char **ret_xml, struct one_error *err);
/* one.vmpool.infoextended when extended, else one.vmpool.info */
int one_vmpool_info(struct one_client *c, bool extended, int filter, int start, int end,
		    int state, char **ret_xml, struct one_error *err);
int one_vm_allocate(struct one_client *c, const char *tmpl, bool hold, int *ret_id,
		    struct one_error *err);
/* ds_id -1: oned chooses the system datastore */
int one_vm_deploy(struct one_client *c, int id, int host_id, bool enforce, int ds_id,
		  struct one_error *err);
/* action: "terminate", "terminate-hard", "hold", "release", "resume", ... */
int one_vm_action(struct one_client *c, const char *action, int id, struct one_error *err);
/* uid/gid -1: unchanged */
int one_vm_chown(struct one_client *c, int id, int uid, int gid, struct one_error *err);
/* the user template: replaced, or merged into the existing one */
int one_vm_update(struct one_client *c, int id, const char *tmpl, bool merge,
		  struct one_error *err);

/* Images. skip_capacity_check is honoured for oneadmin only (oned's rule). */
int one_image_allocate(struct one_client *c, const char *tmpl, int ds_id,
		       bool skip_capacity_check, int *ret_id, struct one_error *err);
int one_image_info(struct one_client *c, int id, char **ret_xml, struct one_error *err);
int one_image_chown(struct one_client *c, int id, int uid, int gid, struct one_error *err);
/* one.image.delete: oned runs the datastore's rm (drill stop only, drill.h). */
int one_image_delete(struct one_client *c, int id, struct one_error *err);
int one_imagepool_info(struct one_client *c, int filter, char **ret_xml, struct one_error *err);

/* Datastores, networks, users, groups, hosts. */
int one_datastore_info(struct one_client *c, int id, char **ret_xml, struct one_error *err);
int one_datastorepool_info(struct one_client *c, char **ret_xml, struct one_error *err);
int one_vnpool_info(struct one_client *c, int filter, char **ret_xml, struct one_error *err);
int one_userpool_info(struct one_client *c, char **ret_xml, struct one_error *err);
int one_grouppool_info(struct one_client *c, char **ret_xml, struct one_error *err);
int one_hostpool_info(struct one_client *c, char **ret_xml, struct one_error *err);

#endif

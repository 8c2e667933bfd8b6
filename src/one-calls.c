/*
 * one-calls.c: the typed calls of oned's XML-RPC API, OpenNebula 6.10/7.0
 * signatures; see one-calls.h.
 */
#include "config.h"

#include "one-calls.h"

#include <assert.h>
#include <stdio.h>

static const char *id_str(char *buf, size_t len, int id)
{
	snprintf(buf, len, "%d", id);
	return buf;
}

int one_system_version(struct one_client *c, char **ret_version, struct one_error *err)
{
	return call_string(c, "one.system.version", NULL, ret_version, err, "()");
}

int one_vm_info(struct one_client *c, int id, char **ret_xml, struct one_error *err)
{
	char o[16];

	return call_string(c, "one.vm.info", id_str(o, sizeof(o), id), ret_xml, err, "(ib)",
			   id, 0);
}

int one_vmpool_info(struct one_client *c, bool extended, int filter, int start, int end,
		    int state, char **ret_xml, struct one_error *err)
{
	return call_string(c, extended ? "one.vmpool.infoextended" : "one.vmpool.info", NULL,
			   ret_xml, err, "(iiii)", filter, start, end, state);
}

int one_vm_allocate(struct one_client *c, const char *tmpl, bool hold, int *ret_id,
		    struct one_error *err)
{
	assert(tmpl);
	return call_id(c, "one.vm.allocate", NULL, ret_id, err, "(sb)", tmpl, (int)hold);
}

int one_vm_deploy(struct one_client *c, int id, int host_id, bool enforce, int ds_id,
		  struct one_error *err)
{
	char o[16];

	return call_id(c, "one.vm.deploy", id_str(o, sizeof(o), id), NULL, err, "(iibi)", id,
		       host_id, (int)enforce, ds_id);
}

int one_vm_action(struct one_client *c, const char *action, int id, struct one_error *err)
{
	char o[64];

	assert(action);
	snprintf(o, sizeof(o), "%s %d", action, id);
	return call_id(c, "one.vm.action", o, NULL, err, "(si)", action, id);
}

int one_vm_chown(struct one_client *c, int id, int uid, int gid, struct one_error *err)
{
	char o[16];

	return call_id(c, "one.vm.chown", id_str(o, sizeof(o), id), NULL, err, "(iii)", id, uid,
		       gid);
}

int one_vm_update(struct one_client *c, int id, const char *tmpl, bool merge,
		  struct one_error *err)
{
	char o[16];

	assert(tmpl);
	return call_id(c, "one.vm.update", id_str(o, sizeof(o), id), NULL, err, "(isi)", id, tmpl,
		       merge ? 1 : 0);
}

int one_image_allocate(struct one_client *c, const char *tmpl, int ds_id,
		       bool skip_capacity_check, int *ret_id, struct one_error *err)
{
	assert(tmpl);
	return call_id(c, "one.image.allocate", NULL, ret_id, err, "(sib)", tmpl, ds_id,
		       (int)skip_capacity_check);
}

int one_image_info(struct one_client *c, int id, char **ret_xml, struct one_error *err)
{
	char o[16];

	return call_string(c, "one.image.info", id_str(o, sizeof(o), id), ret_xml, err, "(ib)",
			   id, 0);
}

int one_image_chown(struct one_client *c, int id, int uid, int gid, struct one_error *err)
{
	char o[16];

	return call_id(c, "one.image.chown", id_str(o, sizeof(o), id), NULL, err, "(iii)", id,
		       uid, gid);
}

int one_image_delete(struct one_client *c, int id, struct one_error *err)
{
	char o[16];

	return call_id(c, "one.image.delete", id_str(o, sizeof(o), id), NULL, err, "(i)", id);
}

int one_imagepool_info(struct one_client *c, int filter, char **ret_xml, struct one_error *err)
{
	return call_string(c, "one.imagepool.info", NULL, ret_xml, err, "(iii)", filter, -1, -1);
}

int one_datastore_info(struct one_client *c, int id, char **ret_xml, struct one_error *err)
{
	char o[16];

	return call_string(c, "one.datastore.info", id_str(o, sizeof(o), id), ret_xml, err,
			   "(ib)", id, 0);
}

int one_datastorepool_info(struct one_client *c, char **ret_xml, struct one_error *err)
{
	return call_string(c, "one.datastorepool.info", NULL, ret_xml, err, "()");
}

int one_vnpool_info(struct one_client *c, int filter, char **ret_xml, struct one_error *err)
{
	return call_string(c, "one.vnpool.info", NULL, ret_xml, err, "(iii)", filter, -1, -1);
}

int one_userpool_info(struct one_client *c, char **ret_xml, struct one_error *err)
{
	return call_string(c, "one.userpool.info", NULL, ret_xml, err, "()");
}

int one_grouppool_info(struct one_client *c, char **ret_xml, struct one_error *err)
{
	return call_string(c, "one.grouppool.info", NULL, ret_xml, err, "()");
}

int one_hostpool_info(struct one_client *c, char **ret_xml, struct one_error *err)
{
	return call_string(c, "one.hostpool.info", NULL, ret_xml, err, "()");
}

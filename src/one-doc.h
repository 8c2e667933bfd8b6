/*
 * one-doc.h: OpenNebula's XML documents (what one.vm.info, the pool calls
 * and the hooks hand over) read into C structures, and templates written
 * back as the <TEMPLATE> XML that one.vm.allocate and one.image.allocate
 * accept.
 *
 * A TEMPLATE element becomes a struct tmpl: an element holding text (or
 * CDATA, or nothing) is a single attribute, an element holding elements is
 * a vector. XML keeps every value intact, quotes, backslashes and newlines
 * included, which OpenNebula's text syntax cannot always do (a value ending
 * in a backslash), so onedr writes templates to oned as XML.
 *
 * Input is untrusted (hook payloads arrive on stdin): parsing never touches
 * the network, never expands external entities, never prints libxml2's
 * diagnostics, and rejects what it does not understand with -EINVAL.
 */
#ifndef ONEDR_ONE_DOC_H
#define ONEDR_ONE_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "template.h"

/* documents larger than this are refused with -E2BIG */
#define ONE_DOC_MAX (64u * 1024u * 1024u)

/* VM states and the LCM states onedr looks at (OpenNebula's numbering) */
enum {
	VM_INIT = 0, VM_PENDING = 1, VM_HOLD = 2, VM_ACTIVE = 3, VM_STOPPED = 4,
	VM_SUSPENDED = 5, VM_DONE = 6, VM_POWEROFF = 8, VM_UNDEPLOYED = 9,
	VM_CLONING = 10, VM_CLONING_FAILURE = 11,
};
enum { LCM_RUNNING = 3, LCM_UNKNOWN = 16 };

struct one_vm {
	int id, uid, gid;
	char *name, *uname, *gname;
	int state, lcm_state;
	struct tmpl *tmpl;		/* TEMPLATE */
	struct tmpl *user_tmpl;		/* USER_TEMPLATE */
	int ds_id;			/* system datastore of the last HISTORY, or -1 */
	char *hostname;			/* host of the last HISTORY, or NULL */
};

/* What onedr reads of images, datastores, networks, users, groups and
 * hosts: the common header, and the fields of some of them. Fields an
 * object does not have stay -1 / NULL / false. */
struct one_obj {
	int id, uid, gid;
	char *name, *uname, *gname;
	int state;			/* image, host, vnet STATE */
	int type;			/* image TYPE, datastore TYPE */
	char *source;			/* image SOURCE */
	bool persistent;		/* image PERSISTENT */
	long long size_mb;		/* image SIZE */
	int ds_id;			/* image DATASTORE_ID */
	char *ds_name;			/* image DATASTORE */
	char *ds_mad, *tm_mad;		/* datastore DS_MAD, TM_MAD */
	struct tmpl *tmpl;		/* TEMPLATE */
	struct tmpl *ars;		/* vnet AR_POOL: one vector AR per range, with its
					 * plain members (AR_ID, IP, MAC, SIZE, TYPE...), or NULL */
};

struct one_objs {
	size_t n;
	struct one_obj **v;
};

struct one_vms {
	size_t n;
	struct one_vm **v;
};

/*
 * Each returns 0, -EINVAL (not well-formed, not the expected root element,
 * a missing or non-numeric ID, an attribute name oned would not accept, or
 * elements nested deeper than a vector), -E2BIG or -ENOMEM.
 */
/* Whether disks of this TM_MAD are Ceph RBDs: OpenNebula's "ceph", and
 * "onedr", onedr's TM driver, which wraps it. */
bool one_tm_is_ceph(const char *tm_mad);

int one_vm_parse(const char *xml, size_t len, struct one_vm **ret);
int one_vmpool_parse(const char *xml, size_t len, struct one_vms *ret);
/* root: "IMAGE", "DATASTORE", "VNET", "USER", "GROUP", "HOST" */
int one_obj_parse(const char *xml, size_t len, const char *root, struct one_obj **ret);
/* pool_root: "IMAGE_POOL" ... (elements named root inside it) */
int one_pool_parse(const char *xml, size_t len, const char *pool_root,
		   const char *root, struct one_objs *ret);

void one_vm_free(struct one_vm *vm);
void one_vms_free(struct one_vms *vms);
void one_obj_free(struct one_obj *o);
void one_objs_free(struct one_objs *objs);

/* The object of objs named name (exactly), or NULL. */
const struct one_obj *one_objs_by_name(const struct one_objs *objs, const char *name);
const struct one_obj *one_objs_by_id(const struct one_objs *objs, int id);

/* Readers of an element's child elements, shared with the manifest. A
 * missing child is -EINVAL when required, else 0 (and NULL for a string);
 * a number must be all digits (-EINVAL). */
xmlNodePtr one_xml_child(xmlNodePtr n, const char *name);
int one_xml_str(xmlNodePtr n, const char *name, bool required, char **ret);
int one_xml_ll(xmlNodePtr n, const char *name, bool required, long long *ret);
int one_xml_int(xmlNodePtr n, const char *name, bool required, int *ret);

/* Convert element node's children to a template (-EINVAL as above). */
int one_tmpl_from_xml(xmlNodePtr node, struct tmpl **ret);

/* <name>...</name> with t's attributes as elements, values as text. */
int one_tmpl_write_xml(xmlTextWriterPtr w, const char *name, const struct tmpl *t);

/* The same as a NUL-terminated malloc'd string, without XML declaration:
 * "<TEMPLATE>...</TEMPLATE>", what oned's allocate calls accept. */
int one_tmpl_to_xml(const struct tmpl *t, char **ret);

#endif

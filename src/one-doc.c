/*
 * one-doc.c: OpenNebula XML documents <-> C structures.
 */
#include "config.h"

#include "one-doc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

/* No network, no entity expansion, no DTD, no diagnostics on stderr. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

static int read_doc(const char *xml, size_t len, const char *root, xmlDocPtr *ret_doc)
{
	xmlDocPtr doc;
	xmlNodePtr r;

	if (!xml)
		return -EINVAL;
	if (len > ONE_DOC_MAX)
		return -E2BIG;
	doc = xmlReadMemory(xml, (int)len, NULL, NULL, PARSE_OPTIONS);
	if (!doc)
		return -EINVAL;
	r = xmlDocGetRootElement(doc);
	if (!r || xmlStrcmp(r->name, BAD_CAST root) != 0) {
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	*ret_doc = doc;
	return 0;
}

static bool has_element_child(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* The text of an element (text and CDATA children); "" when empty. */
static char *text_of(xmlNodePtr n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s;

	if (!c)
		return strdup("");
	s = strdup((const char *)c);
	xmlFree(c);
	return s;
}

xmlNodePtr one_xml_child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
			return c;
	return NULL;
}

int one_xml_str(xmlNodePtr n, const char *name, bool required, char **ret)
{
	xmlNodePtr c = one_xml_child(n, name);

	*ret = NULL;
	if (!c)
		return required ? -EINVAL : 0;
	*ret = text_of(c);
	return *ret ? 0 : -ENOMEM;
}

int one_xml_ll(xmlNodePtr n, const char *name, bool required, long long *ret)
{
	xmlNodePtr c = one_xml_child(n, name);
	char *s, *end;
	long long v;

	if (!c)
		return required ? -EINVAL : 0;
	s = text_of(c);
	if (!s)
		return -ENOMEM;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end) {
		free(s);
		return -EINVAL;
	}
	free(s);
	*ret = v;
	return 0;
}

int one_xml_int(xmlNodePtr n, const char *name, bool required, int *ret)
{
	long long v = *ret;
	int r = one_xml_ll(n, name, required, &v);

	if (r < 0)
		return r;
	if (v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int one_tmpl_from_xml(xmlNodePtr node, struct tmpl **ret)
{
	struct tmpl *t = tmpl_new();
	int r = 0;

	if (!t)
		return -ENOMEM;
	for (xmlNodePtr c = node ? node->children : NULL; c && r == 0; c = c->next) {
		const char *name = (const char *)c->name;
		struct tmpl_attr *vec;
		char *v;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!has_element_child(c)) {
			v = text_of(c);
			r = v ? tmpl_add(t, name, v) : -ENOMEM;
			free(v);
			continue;
		}
		r = tmpl_add_vector(t, name, &vec);
		for (xmlNodePtr m = c->children; m && r == 0; m = m->next) {
			if (m->type != XML_ELEMENT_NODE)
				continue;
			if (has_element_child(m)) {
				r = -EINVAL;	/* deeper than a vector */
				break;
			}
			v = text_of(m);
			r = v ? tmpl_attr_add(vec, (const char *)m->name, v) : -ENOMEM;
			free(v);
		}
	}
	if (r < 0) {
		tmpl_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

void one_vm_free(struct one_vm *vm)
{
	if (!vm)
		return;
	free(vm->name);
	free(vm->uname);
	free(vm->gname);
	free(vm->hostname);
	tmpl_free(vm->tmpl);
	tmpl_free(vm->user_tmpl);
	free(vm);
}

void one_vms_free(struct one_vms *vms)
{
	for (size_t i = 0; i < vms->n; i++)
		one_vm_free(vms->v[i]);
	free(vms->v);
	vms->v = NULL;
	vms->n = 0;
}

void one_obj_free(struct one_obj *o)
{
	if (!o)
		return;
	free(o->name);
	free(o->uname);
	free(o->gname);
	free(o->source);
	free(o->ds_name);
	free(o->ds_mad);
	free(o->tm_mad);
	tmpl_free(o->tmpl);
	tmpl_free(o->ars);
	free(o);
}

void one_objs_free(struct one_objs *objs)
{
	for (size_t i = 0; i < objs->n; i++)
		one_obj_free(objs->v[i]);
	free(objs->v);
	objs->v = NULL;
	objs->n = 0;
}

/* The common header: ID (required), UID, GID, NAME, UNAME, GNAME. */
static int read_header(xmlNodePtr n, int *id, int *uid, int *gid,
		       char **name, char **uname, char **gname)
{
	int r;

	*uid = *gid = -1;
	if ((r = one_xml_int(n, "ID", true, id)) < 0 ||
	    (r = one_xml_int(n, "UID", false, uid)) < 0 ||
	    (r = one_xml_int(n, "GID", false, gid)) < 0 ||
	    (r = one_xml_str(n, "NAME", false, name)) < 0 ||
	    (r = one_xml_str(n, "UNAME", false, uname)) < 0 ||
	    (r = one_xml_str(n, "GNAME", false, gname)) < 0)
		return r;
	if (*id < 0 || !*name)
		return -EINVAL;
	return 0;
}

static int vm_from_node(xmlNodePtr n, struct one_vm **ret)
{
	struct one_vm *vm = calloc(1, sizeof(*vm));
	xmlNodePtr hist = NULL, h;
	int r;

	if (!vm)
		return -ENOMEM;
	vm->state = vm->lcm_state = vm->ds_id = -1;
	r = read_header(n, &vm->id, &vm->uid, &vm->gid, &vm->name, &vm->uname, &vm->gname);
	if (r == 0)
		r = one_xml_int(n, "STATE", true, &vm->state);
	if (r == 0)
		r = one_xml_int(n, "LCM_STATE", false, &vm->lcm_state);
	if (r == 0)
		r = one_tmpl_from_xml(one_xml_child(n, "TEMPLATE"), &vm->tmpl);
	if (r == 0)
		r = one_tmpl_from_xml(one_xml_child(n, "USER_TEMPLATE"), &vm->user_tmpl);
	h = one_xml_child(n, "HISTORY_RECORDS");
	for (xmlNodePtr c = h ? h->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST "HISTORY") == 0)
			hist = c;
	if (r == 0 && hist) {
		r = one_xml_int(hist, "DS_ID", false, &vm->ds_id);
		if (r == 0)
			r = one_xml_str(hist, "HOSTNAME", false, &vm->hostname);
	}
	if (r < 0) {
		one_vm_free(vm);
		return r;
	}
	*ret = vm;
	return 0;
}

int one_vm_parse(const char *xml, size_t len, struct one_vm **ret)
{
	xmlDocPtr doc;
	int r = read_doc(xml, len, "VM", &doc);

	if (r < 0)
		return r;
	r = vm_from_node(xmlDocGetRootElement(doc), ret);
	xmlFreeDoc(doc);
	return r;
}

static int grow(void ***v, size_t n)
{
	void **nv = realloc(*v, (n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

int one_vmpool_parse(const char *xml, size_t len, struct one_vms *ret)
{
	struct one_vms vms = { 0, NULL };
	xmlDocPtr doc;
	int r = read_doc(xml, len, "VM_POOL", &doc);

	if (r < 0)
		return r;
	for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c && r == 0; c = c->next) {
		struct one_vm *vm;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(c->name, BAD_CAST "VM") != 0) {
			r = -EINVAL;
			break;
		}
		r = grow((void ***)&vms.v, vms.n);
		if (r == 0)
			r = vm_from_node(c, &vm);
		if (r == 0)
			vms.v[vms.n++] = vm;
	}
	xmlFreeDoc(doc);
	if (r < 0) {
		one_vms_free(&vms);
		return r;
	}
	*ret = vms;
	return 0;
}

/* AR_POOL: each AR's plain members (its LEASES, in vn.info, are skipped). */
static int ars_from_xml(xmlNodePtr pool, struct tmpl **ret)
{
	struct tmpl *t;
	int r = 0;

	if (!pool)
		return 0;
	if (!(t = tmpl_new()))
		return -ENOMEM;
	for (xmlNodePtr ar = pool->children; ar && r == 0; ar = ar->next) {
		struct tmpl_attr *vec;

		if (ar->type != XML_ELEMENT_NODE || strcmp((const char *)ar->name, "AR"))
			continue;
		r = tmpl_add_vector(t, "AR", &vec);
		for (xmlNodePtr m = ar->children; m && r == 0; m = m->next) {
			char *v;

			if (m->type != XML_ELEMENT_NODE || has_element_child(m))
				continue;
			v = text_of(m);
			r = v ? tmpl_attr_add(vec, (const char *)m->name, v) : -ENOMEM;
			free(v);
		}
	}
	if (r < 0) {
		tmpl_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

static int obj_from_node(xmlNodePtr n, struct one_obj **ret)
{
	struct one_obj *o = calloc(1, sizeof(*o));
	long long pers = 0;
	int r;

	if (!o)
		return -ENOMEM;
	o->state = o->type = o->ds_id = -1;
	o->size_mb = -1;
	r = read_header(n, &o->id, &o->uid, &o->gid, &o->name, &o->uname, &o->gname);
	if (r == 0)
		r = one_xml_int(n, "STATE", false, &o->state);
	if (r == 0)
		r = one_xml_int(n, "TYPE", false, &o->type);
	if (r == 0)
		r = one_xml_str(n, "SOURCE", false, &o->source);
	if (r == 0)
		r = one_xml_ll(n, "PERSISTENT", false, &pers);
	if (r == 0)
		r = one_xml_ll(n, "SIZE", false, &o->size_mb);
	if (r == 0)
		r = one_xml_int(n, "DATASTORE_ID", false, &o->ds_id);
	if (r == 0)
		r = one_xml_str(n, "DATASTORE", false, &o->ds_name);
	if (r == 0)
		r = one_xml_str(n, "DS_MAD", false, &o->ds_mad);
	if (r == 0)
		r = one_xml_str(n, "TM_MAD", false, &o->tm_mad);
	if (r == 0)
		r = one_tmpl_from_xml(one_xml_child(n, "TEMPLATE"), &o->tmpl);
	if (r == 0)
		r = ars_from_xml(one_xml_child(n, "AR_POOL"), &o->ars);
	if (r < 0) {
		one_obj_free(o);
		return r;
	}
	o->persistent = pers != 0;
	*ret = o;
	return 0;
}

int one_obj_parse(const char *xml, size_t len, const char *root, struct one_obj **ret)
{
	xmlDocPtr doc;
	int r = read_doc(xml, len, root, &doc);

	if (r < 0)
		return r;
	r = obj_from_node(xmlDocGetRootElement(doc), ret);
	xmlFreeDoc(doc);
	return r;
}

int one_pool_parse(const char *xml, size_t len, const char *pool_root,
		   const char *root, struct one_objs *ret)
{
	struct one_objs objs = { 0, NULL };
	xmlDocPtr doc;
	int r = read_doc(xml, len, pool_root, &doc);

	if (r < 0)
		return r;
	for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c && r == 0; c = c->next) {
		struct one_obj *o;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		/* pools may carry other elements (quotas in USER_POOL) */
		if (xmlStrcmp(c->name, BAD_CAST root) != 0)
			continue;
		r = grow((void ***)&objs.v, objs.n);
		if (r == 0)
			r = obj_from_node(c, &o);
		if (r == 0)
			objs.v[objs.n++] = o;
	}
	xmlFreeDoc(doc);
	if (r < 0) {
		one_objs_free(&objs);
		return r;
	}
	*ret = objs;
	return 0;
}

const struct one_obj *one_objs_by_name(const struct one_objs *objs, const char *name)
{
	for (size_t i = 0; i < objs->n; i++)
		if (name && strcmp(objs->v[i]->name, name) == 0)
			return objs->v[i];
	return NULL;
}

const struct one_obj *one_objs_by_id(const struct one_objs *objs, int id)
{
	for (size_t i = 0; i < objs->n; i++)
		if (objs->v[i]->id == id)
			return objs->v[i];
	return NULL;
}

int one_tmpl_write_xml(xmlTextWriterPtr w, const char *name, const struct tmpl *t)
{
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
		return -EIO;
	for (const struct tmpl_attr *a = t ? t->head : NULL; a; a = a->next) {
		if (a->value) {
			if (xmlTextWriterWriteElement(w, BAD_CAST a->name, BAD_CAST a->value) < 0)
				return -EIO;
			continue;
		}
		if (xmlTextWriterStartElement(w, BAD_CAST a->name) < 0)
			return -EIO;
		for (const struct tmpl_attr *m = a->sub; m; m = m->next)
			if (!m->value ||
			    xmlTextWriterWriteElement(w, BAD_CAST m->name, BAD_CAST m->value) < 0)
				return -EIO;
		if (xmlTextWriterEndElement(w) < 0)
			return -EIO;
	}
	return xmlTextWriterEndElement(w) < 0 ? -EIO : 0;
}

int one_tmpl_to_xml(const struct tmpl *t, char **ret)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w;
	int r;

	if (!buf)
		return -ENOMEM;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w) {
		xmlBufferFree(buf);
		return -ENOMEM;
	}
	r = one_tmpl_write_xml(w, "TEMPLATE", t);
	if (xmlTextWriterFlush(w) < 0 && r == 0)
		r = -EIO;
	xmlFreeTextWriter(w);
	if (r == 0) {
		*ret = strdup((const char *)xmlBufferContent(buf));
		if (!*ret)
			r = -ENOMEM;
	}
	xmlBufferFree(buf);
	return r;
}

bool one_tm_is_ceph(const char *tm_mad)
{
	return tm_mad && (!strcmp(tm_mad, "ceph") || !strcmp(tm_mad, "onedr"));
}

/* conf.c: reads onedr.conf with the template module; see conf.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "template.h"

#define CONF_MAX_SIZE (1 << 20)

void conf_init(struct onedr_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->ceph.connect_timeout = 30;
	conf->ceph.op_timeout = 30;
	conf->peer.connect_timeout = 30;
	conf->peer.op_timeout = 30;
	conf->image_timeout = 60;
	conf->promote_wait = 60;
	conf->concurrency = 16;
	conf->one_timeout = 30;
	conf->peer_one_timeout = 30;
	conf->fence_expire = 30 * 86400;
	conf->fence_wait = 60;
}

static void ceph_opts_free(struct ceph_opts *o)
{
	free(o->cluster);
	free(o->conf);
	free(o->id);
	free(o->keyring);
}

void conf_free(struct onedr_conf *conf)
{
	free(conf->path);
	free(conf->site);
	free(conf->pool);
	free(conf->peer_name);
	ceph_opts_free(&conf->ceph);
	ceph_opts_free(&conf->peer);
	free(conf->one_endpoint);
	free(conf->one_auth);
	free(conf->peer_one_endpoint);
	free(conf->peer_one_auth);
	free(conf->signing_key);
	free(conf->remotes);
	while (conf->maps) {
		struct conf_map *next = conf->maps->next;

		free(conf->maps->from);
		free(conf->maps->to);
		free(conf->maps);
		conf->maps = next;
	}
	while (conf->priorities) {
		struct conf_priority *next = conf->priorities->next;

		free(conf->priorities->vm);
		free(conf->priorities->label);
		free(conf->priorities);
		conf->priorities = next;
	}
	memset(conf, 0, sizeof(*conf));
}

#ifndef ONE_REMOTES_DIR
#define ONE_REMOTES_DIR "/var/lib/one/remotes"
#endif

const char *conf_remotes(const struct onedr_conf *conf)
{
	return conf->remotes ? conf->remotes : ONE_REMOTES_DIR;
}

int conf_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* "FILE:LINE: what", for the attribute at fault. */
static int conf_fail(struct conf_error *err, const char *path, const struct tmpl_attr *at,
		     int r, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int conf_fail(struct conf_error *err, const char *path, const struct tmpl_attr *at,
		     int r, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", path, at ? at->line : 0, what);
	return r;
}

static int parse_seconds(const char *value, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!value || !*value || value[0] == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* Copy the attributes of a CEPH or PEER vector into o. */
static int load_cluster(const struct tmpl_attr *vec, const char *path, bool is_peer,
			struct onedr_conf *conf, struct ceph_opts *o, struct conf_error *err)
{
	const struct tmpl_attr *a;
	int r = 0;

	if (!vec->sub && vec->value)
		return conf_fail(err, path, vec, -EINVAL, "%s must be a vector attribute, like %s = [ CONF = \"...\" ]",
				 vec->name, vec->name);
	for (a = vec->sub; a; a = a->next) {
		if (!strcmp(a->name, "CLUSTER"))
			r = conf_set_string(&o->cluster, a->value);
		else if (!strcmp(a->name, "CONF"))
			r = conf_set_string(&o->conf, a->value);
		else if (!strcmp(a->name, "ID"))
			r = conf_set_string(&o->id, a->value);
		else if (!strcmp(a->name, "KEYRING"))
			r = conf_set_string(&o->keyring, a->value);
		else if (!is_peer && !strcmp(a->name, "POOL"))
			r = conf_set_string(&conf->pool, a->value);
		else if (is_peer && !strcmp(a->name, "NAME"))
			r = conf_set_string(&conf->peer_name, a->value);
		else
			return conf_fail(err, path, a, -EINVAL, "unknown attribute '%s' in %s",
					 a->name, vec->name);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_timeouts(const struct tmpl_attr *vec, const char *path,
			 struct onedr_conf *conf, struct conf_error *err)
{
	const struct tmpl_attr *a;
	unsigned v;

	if (!vec->sub && vec->value)
		return conf_fail(err, path, vec, -EINVAL, "%s must be a vector attribute", vec->name);
	for (a = vec->sub; a; a = a->next) {
		if (parse_seconds(a->value, 86400, &v) < 0)
			return conf_fail(err, path, a, -EINVAL,
					 "TIMEOUT/%s: expected a number of seconds from 1 to 86400, got '%s'",
					 a->name, a->value);
		if (!strcmp(a->name, "CONNECT"))
			conf->ceph.connect_timeout = conf->peer.connect_timeout = v;
		else if (!strcmp(a->name, "OP"))
			conf->ceph.op_timeout = conf->peer.op_timeout = v;
		else if (!strcmp(a->name, "IMAGE"))
			conf->image_timeout = v;
		else if (!strcmp(a->name, "PROMOTE_WAIT"))
			conf->promote_wait = v;
		else
			return conf_fail(err, path, a, -EINVAL, "unknown attribute '%s' in %s", a->name, "TIMEOUT");
	}
	return 0;
}

static const char *const map_names[MAP_KINDS] = {
	"DATASTORE_MAP", "NETWORK_MAP", "USER_MAP", "GROUP_MAP", "SYSTEM_DATASTORE_MAP",
	"DRILL_NETWORK_MAP"
};

const char *conf_map_kind_name(enum map_kind kind)
{
	return kind < MAP_KINDS ? map_names[kind] : "?";
}

const struct conf_map *conf_map_find(const struct onedr_conf *conf, enum map_kind kind,
				     const char *name, const char **ret_to)
{
	const struct conf_map *any = NULL;

	for (const struct conf_map *m = conf->maps; m; m = m->next) {
		if (m->kind != kind)
			continue;
		if (!strcmp(m->from, "*")) {
			if (!any)
				any = m;
			continue;
		}
		if (name && !strcmp(m->from, name)) {
			*ret_to = m->to;
			return m;
		}
	}
	if (any && name)
		*ret_to = strcmp(any->to, "*") ? any->to : name;
	return name ? any : NULL;
}

/* ONE, or PEER_ONE (peer: the other site's oned, for switchover and failback). */
static int load_one(const struct tmpl_attr *vec, const char *path, bool peer,
		    struct onedr_conf *conf, struct conf_error *err)
{
	const char *name = peer ? "PEER_ONE" : "ONE";
	char **endpoint = peer ? &conf->peer_one_endpoint : &conf->one_endpoint;
	char **auth = peer ? &conf->peer_one_auth : &conf->one_auth;
	unsigned *timeout = peer ? &conf->peer_one_timeout : &conf->one_timeout;
	int r = 0;

	if (!vec->sub && vec->value)
		return conf_fail(err, path, vec, -EINVAL,
				 "%s must be a vector attribute, like %s = [ ENDPOINT = \"...\" ]",
				 name, name);
	for (const struct tmpl_attr *a = vec->sub; a; a = a->next) {
		if (!strcmp(a->name, "ENDPOINT"))
			r = conf_set_string(endpoint, a->value);
		else if (!strcmp(a->name, "AUTH"))
			r = conf_set_string(auth, a->value);
		else if (!strcmp(a->name, "TIMEOUT")) {
			if (parse_seconds(a->value, 86400, timeout) < 0)
				return conf_fail(err, path, a, -EINVAL,
						 "%s/TIMEOUT: expected a number of seconds from 1 to 86400, got '%s'",
						 name, a->value);
		} else
			return conf_fail(err, path, a, -EINVAL, "unknown attribute '%s' in %s", a->name,
					 name);
		if (r < 0)
			return r;
	}
	if (peer && !*endpoint)
		return conf_fail(err, path, vec, -EINVAL, "PEER_ONE needs an ENDPOINT");
	return 0;
}

static int load_map(const struct tmpl_attr *vec, enum map_kind kind, const char *path,
		    struct onedr_conf *conf, struct conf_error *err)
{
	const char *name = map_names[kind], *from, *to, *keep;
	struct conf_map *m, **link;

	if (!vec->sub && vec->value)
		return conf_fail(err, path, vec, -EINVAL,
				 "%s must be a vector attribute, like %s = [ FROM = \"a\", TO = \"b\" ]",
				 name, name);
	for (const struct tmpl_attr *a = vec->sub; a; a = a->next)
		if (strcmp(a->name, "FROM") && strcmp(a->name, "TO") &&
		    ((kind != MAP_NETWORK && kind != MAP_DRILL_NETWORK) ||
		     strcmp(a->name, "KEEP_ADDRESSES")))
			return conf_fail(err, path, a, -EINVAL, "unknown attribute '%s' in %s",
					 a->name, name);
	from = tmpl_attr_get(vec, "FROM");
	to = tmpl_attr_get(vec, "TO");
	keep = tmpl_attr_get(vec, "KEEP_ADDRESSES");
	if (!from || !*from || !to || !*to)
		return conf_fail(err, path, vec, -EINVAL, "%s needs FROM and TO", name);
	if (kind == MAP_DRILL_NETWORK && !strcmp(to, "*"))
		return conf_fail(err, path, vec, -EINVAL,
				 "%s: TO must name an isolated network, not \"*\" (a drill VM never joins its production network)",
				 name);
	if (kind != MAP_DRILL_NETWORK && (!strcmp(from, "*")) != (!strcmp(to, "*")))
		return conf_fail(err, path, vec, -EINVAL,
				 "%s: \"*\" maps every other name to itself: FROM and TO must both be \"*\"",
				 name);
	if (keep && strcasecmp(keep, "YES") && strcasecmp(keep, "NO"))
		return conf_fail(err, path, vec, -EINVAL,
				 "%s/KEEP_ADDRESSES: expected YES or NO, got '%s'", name, keep);
	for (link = &conf->maps; *link; link = &(*link)->next)
		if ((*link)->kind == kind && !strcmp((*link)->from, from))
			return conf_fail(err, path, vec, -EINVAL,
					 "%s: '%s' is already mapped on line %d", name, from,
					 (*link)->line);
	m = calloc(1, sizeof(*m));
	if (!m || !(m->from = strdup(from)) || !(m->to = strdup(to))) {
		if (m)
			free(m->from);
		free(m);
		return -ENOMEM;
	}
	m->kind = kind;
	m->keep_addresses = keep && !strcasecmp(keep, "YES");
	m->line = vec->line;
	*link = m;
	return 0;
}

/* PRIORITY = [ VM = "name-or-ID" | LABEL = "label", PRIORITY = "1" ] */
static int load_priority(const struct tmpl_attr *vec, const char *path,
			 struct onedr_conf *conf, struct conf_error *err)
{
	const char *vm, *label, *prio;
	struct conf_priority *p, **link;
	unsigned v;

	if (!vec->sub && vec->value)
		return conf_fail(err, path, vec, -EINVAL,
				 "PRIORITY must be a vector attribute, like PRIORITY = [ VM = \"db\", PRIORITY = \"1\" ]");
	for (const struct tmpl_attr *a = vec->sub; a; a = a->next)
		if (strcmp(a->name, "VM") && strcmp(a->name, "LABEL") && strcmp(a->name, "PRIORITY"))
			return conf_fail(err, path, a, -EINVAL, "unknown attribute '%s' in PRIORITY",
					 a->name);
	vm = tmpl_attr_get(vec, "VM");
	label = tmpl_attr_get(vec, "LABEL");
	prio = tmpl_attr_get(vec, "PRIORITY");
	if ((vm && *vm) == (label && *label))
		return conf_fail(err, path, vec, -EINVAL, "PRIORITY needs a VM or a LABEL, not both");
	if (parse_seconds(prio, 5, &v) < 0)
		return conf_fail(err, path, vec, -EINVAL,
				 "PRIORITY/PRIORITY: expected a number from 1 to 5, got '%s'",
				 prio ? prio : "");
	for (link = &conf->priorities; *link; link = &(*link)->next)
		if (vm ? (*link)->vm && !strcmp((*link)->vm, vm) :
			 (*link)->label && !strcmp((*link)->label, label))
			return conf_fail(err, path, vec, -EINVAL,
					 "PRIORITY: %s '%s' already has a priority on line %d",
					 vm ? "VM" : "LABEL", vm ? vm : label, (*link)->line);
	p = calloc(1, sizeof(*p));
	if (!p || conf_set_string(vm ? &p->vm : &p->label, vm ? vm : label) < 0) {
		free(p);
		return -ENOMEM;
	}
	p->priority = (int)v;
	p->line = vec->line;
	*link = p;
	return 0;
}

static int conf_apply(struct onedr_conf *conf, const struct tmpl *t, const char *path,
		      struct conf_error *err)
{
	const struct tmpl_attr *a;
	int r = 0;

	for (a = t->head; a; a = a->next) {
		if (!strcmp(a->name, "CEPH"))
			r = load_cluster(a, path, false, conf, &conf->ceph, err);
		else if (!strcmp(a->name, "PEER"))
			r = load_cluster(a, path, true, conf, &conf->peer, err);
		else if (!strcmp(a->name, "TIMEOUT"))
			r = load_timeouts(a, path, conf, err);
		else if (!strcmp(a->name, "ONE"))
			r = load_one(a, path, false, conf, err);
		else if (!strcmp(a->name, "PEER_ONE"))
			r = load_one(a, path, true, conf, err);
		else if (!strcmp(a->name, "DATASTORE_MAP"))
			r = load_map(a, MAP_DATASTORE, path, conf, err);
		else if (!strcmp(a->name, "NETWORK_MAP"))
			r = load_map(a, MAP_NETWORK, path, conf, err);
		else if (!strcmp(a->name, "USER_MAP"))
			r = load_map(a, MAP_USER, path, conf, err);
		else if (!strcmp(a->name, "GROUP_MAP"))
			r = load_map(a, MAP_GROUP, path, conf, err);
		else if (!strcmp(a->name, "SYSTEM_DATASTORE_MAP"))
			r = load_map(a, MAP_SYSTEM_DATASTORE, path, conf, err);
		else if (!strcmp(a->name, "DRILL_NETWORK_MAP"))
			r = load_map(a, MAP_DRILL_NETWORK, path, conf, err);
		else if (!strcmp(a->name, "PRIORITY"))
			r = load_priority(a, path, conf, err);
		else if (a->sub || !a->value)
			r = conf_fail(err, path, a, -EINVAL, "unknown vector attribute '%s'", a->name);
		else if (!strcmp(a->name, "SITE"))
			r = conf_set_string(&conf->site, a->value);
		else if (!strcmp(a->name, "POOL"))
			r = conf_set_string(&conf->pool, a->value);
		else if (!strcmp(a->name, "SIGNING_KEY")) {
			if (!*a->value)
				r = conf_fail(err, path, a, -EINVAL, "SIGNING_KEY: expected the path of the key file");
			else
				r = conf_set_string(&conf->signing_key, a->value);
		}
		else if (!strcmp(a->name, "MIRROR_MODE")) {
			if (!strcmp(a->value, "journal") || !strcmp(a->value, "snapshot"))
				conf->mirror_snapshot = !strcmp(a->value, "snapshot");
			else
				r = conf_fail(err, path, a, -EINVAL,
					      "MIRROR_MODE: expected \"journal\" or \"snapshot\", got '%s'",
					      a->value);
		} else if (!strcmp(a->name, "REMOTES")) {
			if (a->value[0] != '/')
				r = conf_fail(err, path, a, -EINVAL,
					      "REMOTES: expected the absolute path of OpenNebula's remotes directory, got '%s'",
					      a->value);
			else
				r = conf_set_string(&conf->remotes, a->value);
		} else if (!strcmp(a->name, "CONCURRENCY")) {
			if (parse_seconds(a->value, 1024, &conf->concurrency) < 0)
				r = conf_fail(err, path, a, -EINVAL,
					      "CONCURRENCY: expected a number from 1 to 1024, got '%s'",
					      a->value);
		} else if (!strcmp(a->name, "FENCE_EXPIRE")) {
			/* Ceph has no permanent blocklist entry: ten years at most */
			if (parse_seconds(a->value, 3650 * 86400, &conf->fence_expire) < 0)
				r = conf_fail(err, path, a, -EINVAL,
					      "FENCE_EXPIRE: expected a number of seconds from 1 to 315360000, got '%s'",
					      a->value);
		} else if (!strcmp(a->name, "FENCE_WAIT")) {
			if (parse_seconds(a->value, 86400, &conf->fence_wait) < 0)
				r = conf_fail(err, path, a, -EINVAL,
					      "FENCE_WAIT: expected a number of seconds from 1 to 86400, got '%s'",
					      a->value);
		} else
			r = conf_fail(err, path, a, -EINVAL, "unknown attribute '%s'", a->name);
		if (r < 0)
			return r;
	}
	if (conf->peer_name == NULL && tmpl_find(t, "PEER"))
		return conf_fail(err, path, tmpl_find(t, "PEER"), -EINVAL, "PEER needs a NAME");
	return 0;
}

static int read_file(const char *path, char **ret_text, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;
	int r = 0;

	if (!f)
		return -errno;
	buf = malloc(CONF_MAX_SIZE + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, CONF_MAX_SIZE + 1, f);
	if (ferror(f))
		r = -EIO;
	else if (len > CONF_MAX_SIZE)
		r = -EFBIG;
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret_text = buf;
	*ret_len = len;
	return 0;
}

int conf_load(struct onedr_conf *conf, const char *path, bool must_exist,
	      struct conf_error *err)
{
	struct tmpl_error terr;
	struct tmpl *t = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, &text, &len);
	if (r == -ENOENT && !must_exist)
		return 0;
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot read '%s': %s", path, strerror(-r));
		return r;
	}
	memset(&terr, 0, sizeof(terr));
	r = tmpl_parse(text, len, &t, &terr);
	free(text);
	if (r == -EINVAL) {
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", path, terr.line, terr.msg);
		return r;
	}
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot parse '%s': %s", path, strerror(-r));
		return r;
	}
	r = conf_apply(conf, t, path, err);
	tmpl_free(t);
	if (r < 0)
		return r;
	return conf_set_string(&conf->path, path);
}

static int dup_or_null(char **field, const char *value)
{
	if (!value)
		return 0;
	return conf_set_string(field, value);
}

static int ceph_opts_copy(struct ceph_opts *to, const struct ceph_opts *from)
{
	int r;

	to->connect_timeout = from->connect_timeout;
	to->op_timeout = from->op_timeout;
	if ((r = dup_or_null(&to->cluster, from->cluster)) < 0 ||
	    (r = dup_or_null(&to->conf, from->conf)) < 0 ||
	    (r = dup_or_null(&to->id, from->id)) < 0)
		return r;
	return dup_or_null(&to->keyring, from->keyring);
}

int conf_peer_view(const struct onedr_conf *conf, struct onedr_conf *ret)
{
	struct conf_map **link;
	int r;

	if (!conf->site || !conf->peer_name)
		return -ENOTCONN;
	if (!conf->peer_one_endpoint)
		return -ENOENT;
	conf_init(ret);
	ret->image_timeout = conf->image_timeout;
	ret->promote_wait = conf->promote_wait;
	ret->concurrency = conf->concurrency;
	ret->one_timeout = conf->peer_one_timeout;
	ret->peer_one_timeout = conf->one_timeout;
	ret->mirror_snapshot = conf->mirror_snapshot;
	ret->fence_expire = conf->fence_expire;
	ret->fence_wait = conf->fence_wait;
	if ((r = dup_or_null(&ret->path, conf->path)) < 0 ||
	    (r = dup_or_null(&ret->site, conf->peer_name)) < 0 ||
	    (r = dup_or_null(&ret->peer_name, conf->site)) < 0 ||
	    (r = dup_or_null(&ret->pool, conf->pool)) < 0 ||
	    (r = ceph_opts_copy(&ret->ceph, &conf->peer)) < 0 ||
	    (r = ceph_opts_copy(&ret->peer, &conf->ceph)) < 0 ||
	    (r = dup_or_null(&ret->one_endpoint, conf->peer_one_endpoint)) < 0 ||
	    (r = dup_or_null(&ret->one_auth, conf->peer_one_auth ? conf->peer_one_auth :
			     conf->one_auth)) < 0 ||
	    (r = dup_or_null(&ret->peer_one_endpoint, conf->one_endpoint)) < 0 ||
	    (r = dup_or_null(&ret->peer_one_auth, conf->one_auth)) < 0 ||
	    (r = dup_or_null(&ret->signing_key, conf->signing_key)) < 0 ||
	    (r = dup_or_null(&ret->remotes, conf->remotes)) < 0)
		goto fail;
	/* the maps read backwards: this site's name -> the peer's */
	link = &ret->maps;
	for (const struct conf_map *m = conf->maps; m; m = m->next) {
		struct conf_map *v = calloc(1, sizeof(*v));

		if (!v || !(v->from = strdup(m->to)) || !(v->to = strdup(m->from))) {
			if (v)
				free(v->from);
			free(v);
			r = -ENOMEM;
			goto fail;
		}
		v->kind = m->kind;
		v->keep_addresses = m->keep_addresses;
		v->line = m->line;
		*link = v;
		link = &v->next;
	}
	return 0;
fail:
	conf_free(ret);
	return r;
}

/*
 * conf.h: onedr.conf, the site configuration, in OpenNebula's template syntax.
 *
 *   SITE    = "site-b"
 *   CEPH    = [ CLUSTER = "ceph", CONF = "/etc/ceph/ceph.conf", ID = "admin",
 *               KEYRING = "/etc/ceph/ceph.client.admin.keyring", POOL = "one" ]
 *   PEER    = [ NAME = "site-a", CLUSTER = "...", CONF = "...", ID = "...", KEYRING = "..." ]
 *   TIMEOUT = [ CONNECT = "30", OP = "30", IMAGE = "60", PROMOTE_WAIT = "60" ]
 *   CONCURRENCY = "16"
 *
 * Only paths to keyrings are configured, never a key itself.
 */
#ifndef ONEDR_CONF_H
#define ONEDR_CONF_H

#include <stdbool.h>

/* How to reach one Ceph cluster; the meaning of each field is the rbd CLI's. */
struct ceph_opts {
	char *cluster;		/* --cluster; NULL: "ceph" */
	char *conf;		/* ceph.conf path; NULL: librados' search path */
	char *id;		/* --id; NULL: "admin" */
	char *keyring;		/* keyring path; NULL: from ceph.conf */
	unsigned connect_timeout;	/* client_mount_timeout, seconds */
	unsigned op_timeout;	/* rados_mon_op_timeout and rados_osd_op_timeout */
};

struct onedr_conf {
	char *path;		/* file it was read from, or NULL */
	char *site;		/* this site's name, for reports */
	char *pool;		/* default pool */
	struct ceph_opts ceph;
	char *peer_name;	/* NULL when no PEER is configured */
	struct ceph_opts peer;
	unsigned image_timeout;	/* deadline of one image operation, seconds */
	unsigned promote_wait;	/* how long promote waits for the peer's demotion */
	unsigned concurrency;	/* images in flight at once */
};

struct conf_error {
	char msg[512];		/* "FILE:LINE: what was expected" */
};

#define CONF_DEFAULT_PATH SYSCONFDIR "/one/onedr.conf"

void conf_init(struct onedr_conf *conf);
void conf_free(struct onedr_conf *conf);

/* Read PATH into CONF (over the defaults conf_init set). When MUST_EXIST is
 * false a missing file is not an error. Returns 0, -ENOENT, -EACCES, -EINVAL
 * (syntax or unknown/invalid attribute, described in ret_err) or -ENOMEM. */
int conf_load(struct onedr_conf *conf, const char *path, bool must_exist,
	      struct conf_error *ret_err);

/* Replace *field by a copy of value. */
int conf_set_string(char **field, const char *value);

#endif

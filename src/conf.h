/*
 * conf.h: onedr.conf, the site configuration, in OpenNebula's template syntax.
 *
 *   SITE    = "site-b"
 *   CEPH    = [ CLUSTER = "ceph", CONF = "/etc/ceph/ceph.conf", ID = "admin",
 *               KEYRING = "/etc/ceph/ceph.client.admin.keyring", POOL = "one" ]
 *   PEER    = [ NAME = "site-a", CLUSTER = "...", CONF = "...", ID = "...", KEYRING = "..." ]
 *   TIMEOUT = [ CONNECT = "30", OP = "30", IMAGE = "60", PROMOTE_WAIT = "60" ]
 *   CONCURRENCY = "16"
 *   ONE     = [ ENDPOINT = "http://localhost:2633/RPC2", AUTH = "/var/lib/one/.one/one_auth",
 *               TIMEOUT = "30" ]
 *   PEER_ONE = [ ENDPOINT = "http://site-a:2633/RPC2", AUTH = "/var/lib/one/.one/site-a_auth",
 *               TIMEOUT = "30" ]   # the other site's oned (switchover, failback)
 *   DATASTORE_MAP = [ FROM = "ceph-img", TO = "ceph-img-b" ]
 *   NETWORK_MAP   = [ FROM = "public", TO = "public-b", KEEP_ADDRESSES = "NO" ]
 *   USER_MAP      = [ FROM = "*", TO = "*" ]
 *   GROUP_MAP     = [ FROM = "users", TO = "users" ]
 *   SYSTEM_DATASTORE_MAP = [ FROM = "ceph-sys", TO = "ceph-sys-b" ]
 *   DRILL_NETWORK_MAP = [ FROM = "public", TO = "drill-isolated", KEEP_ADDRESSES = "YES" ]
 *   SIGNING_KEY   = "/etc/one/onedr.key"
 *   MIRROR_MODE   = "journal"
 *   REMOTES       = "/var/lib/one/remotes"
 *   FENCE_EXPIRE  = "2592000"   # seconds a host fence lasts (OSD blocklist expiry)
 *   FENCE_WAIT    = "60"        # how long a fence waits for the host's watchers to go
 *   PRIORITY      = [ VM = "db-1", PRIORITY = "1" ]     # failover group of a VM (name or ID)
 *   PRIORITY      = [ LABEL = "prod/db", PRIORITY = "2" ]  # of the VMs with that label
 *
 * The maps translate the other site's names (in manifests) to this site's.
 * SYSTEM_DATASTORE_MAP is for the system datastore a VM ran on (recreate
 * --deploy), apart from DATASTORE_MAP: on the other site one name may hold
 * both volatile disks (registered in an image datastore here) and VMs.
 * FROM = "*" with TO = "*" maps every name not listed to the same name; a
 * name no map covers is an error, never a guess.
 * DRILL_NETWORK_MAP is the network a drill VM (onedr drill) gets instead of
 * its NIC's: an isolated one. It is the only map a drill uses for NICs
 * (never NETWORK_MAP: a drill VM must not join production); FROM = "*"
 * takes a TO other than "*" (every network not listed into one isolated
 * network), and TO = "*" is refused.
 *
 * MIRROR_MODE is the mode the hooks and remotes enable mirroring in
 * ("journal", the default, or "snapshot"; clones always go in journal
 * mode). REMOTES is OpenNebula's remotes directory, where the onedr TM and
 * datastore drivers find the stock ceph actions they wrap (default:
 * configure's --with-one-remotes, else /var/lib/one/remotes).
 *
 * PRIORITY overrides the VM's USER_TEMPLATE ONEDR_PRIORITY (1-5) in
 * `onedr failover`: a VM entry (the VM's name or ID on the other site)
 * first, then the LABEL entries (OpenNebula labels, USER_TEMPLATE LABELS
 * "a,b/c"; a label also covers its sub-labels, "prod" covers "prod/db"),
 * the most urgent matching one (see priority.h).
 *
 * Only paths to keyrings and to the manifests' signing key are configured,
 * never a key itself.
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

enum map_kind { MAP_DATASTORE, MAP_NETWORK, MAP_USER, MAP_GROUP, MAP_SYSTEM_DATASTORE,
		MAP_DRILL_NETWORK, MAP_KINDS };

struct conf_map {
	enum map_kind kind;
	char *from, *to;	/* "*" and "*": every other name to itself */
	bool keep_addresses;	/* NETWORK_MAP, DRILL_NETWORK_MAP: keep the NICs' IP and MAC */
	int line;		/* where it was configured */
	struct conf_map *next;
};

/* PRIORITY = [ VM = "..." | LABEL = "...", PRIORITY = "1" ] */
struct conf_priority {
	char *vm;		/* a VM's name or ID on the other site, or NULL */
	char *label;		/* an OpenNebula label, or NULL */
	int priority;		/* 1-5 */
	int line;		/* where it was configured */
	struct conf_priority *next;
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
	char *one_endpoint;	/* NULL: $ONE_XMLRPC, else http://localhost:2633/RPC2 */
	char *one_auth;		/* NULL: $ONE_AUTH, else ~/.one/one_auth */
	unsigned one_timeout;	/* seconds, per XML-RPC call */
	char *peer_one_endpoint;	/* PEER_ONE: the other site's oned; NULL: not configured */
	char *peer_one_auth;	/* NULL: the same session file as ONE's */
	unsigned peer_one_timeout;
	struct conf_map *maps;	/* in file order */
	char *signing_key;	/* the manifests' key file; NULL: not configured */
	bool mirror_snapshot;	/* MIRROR_MODE = "snapshot"; default journal */
	char *remotes;		/* REMOTES; NULL: conf_remotes()'s default */
	unsigned fence_expire;	/* seconds a host's blocklist entries last */
	unsigned fence_wait;	/* seconds a fence waits for the host's watchers to go */
	struct conf_priority *priorities;	/* PRIORITY entries, in file order */
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

/* The map of kind for name: NULL when none covers it. *ret_to is the name
 * on this site (name itself for a "*" map to "*", else the map's TO). */
const struct conf_map *conf_map_find(const struct onedr_conf *conf, enum map_kind kind,
				     const char *name, const char **ret_to);
const char *conf_map_kind_name(enum map_kind kind);	/* "DATASTORE_MAP" ... */

/* OpenNebula's remotes directory: REMOTES, else the default. */
const char *conf_remotes(const struct onedr_conf *conf);

/* The configuration as the peer site sees it, for commands that act on
 * both sites (switchover, failback): SITE and PEER/NAME, CEPH and PEER,
 * ONE and PEER_ONE swapped, every map read backwards (FROM and TO
 * swapped: this site's names to the peer's; where two names of the peer
 * map to one here, the first in the file wins). Free with conf_free.
 * -ENOTCONN: no SITE or no PEER; -ENOENT: no PEER_ONE. */
int conf_peer_view(const struct onedr_conf *conf, struct onedr_conf *ret);

/* Replace *field by a copy of value. */
int conf_set_string(char **field, const char *value);

#endif

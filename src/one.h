/*
 * one.h: a client for oned's XML-RPC API (OpenNebula 6.10/7.0), over
 * xmlrpc-c's client library (the one oned itself is built on) and its curl
 * transport.
 *
 * Credentials and endpoint are found as OpenNebula's CLI finds them: the
 * session is the first line of the one_auth file (auth_file, else $ONE_AUTH,
 * else ~/.one/one_auth), the endpoint is endpoint, else $ONE_XMLRPC, else
 * http://localhost:2633/RPC2. The session (the password) never appears in a
 * message.
 *
 * Every call returns 0 or -errno and, on failure, fills *err with one line
 * that names the call, the object, what kind of error and what oned said:
 *
 *   "one.vm.info 4242: no such object: Error getting virtual machine [4242]."
 *   "one.vm.chown 3: XML-RPC fault -506: Method 'one.vm.chown' not defined"
 *   "cannot reach http://localhost:2633/RPC2: connection refused"
 *
 * OpenNebula's error codes (err->code) map to:
 *   256 authentication  -EACCES       512 authorization   -EPERM
 *   1024 no such object -ENOENT       2048 action/state   -EBUSY
 *   4096 bad argument   -EINVAL       8192 internal       -EINVAL (also bad
 *        templates: the message is oned's alone, without a category)
 *   16384 allocate      -EEXIST when the name is "already taken", else -EINVAL
 *   32768 locked        -EBUSY        any other code      -EPROTO
 * Transport problems (err->code 0): -ECONNREFUSED, -ETIMEDOUT (the per-call
 * timeout), -EHOSTUNREACH (name not resolved, no route), -EIO (anything else,
 * e.g. an HTTP status other than 200). An XML-RPC fault, or a response that
 * is not oned's [success, value, code, ...] array, is -EPROTO (err->code 0).
 * -ENOMEM may come with an empty err->msg.
 *
 * Documents (the *info calls) are returned as oned sent them, malloc'd; parse
 * them with libxml2 (one-doc.h). Nothing here looks inside them.
 *
 * A client may be used by one thread at a time; several clients may live in
 * different threads. This module never prints and never exits.
 */
#ifndef ONEDR_ONE_H
#define ONEDR_ONE_H

#include <stdbool.h>

#define ONE_DEFAULT_ENDPOINT "http://localhost:2633/RPC2"
#define ONE_DEFAULT_TIMEOUT 30	/* seconds, when one_client_new gets 0 */

struct one_error {
	int code;		/* OpenNebula's error code, or 0: transport problem or fault */
	char msg[512];		/* one line, as above; never the session */
};

struct one_client;

/* endpoint NULL or "": $ONE_XMLRPC, else ONE_DEFAULT_ENDPOINT. auth_file
 * NULL or "": $ONE_AUTH, else ~/.one/one_auth; its first line is
 * user:password (a trailing CR/LF is ignored). timeout_s: the limit of each
 * call, 0 = ONE_DEFAULT_TIMEOUT; xmlrpc-c checks libcurl's timer coarsely,
 * so a call may last a little longer (about 3 s for 1, 12 s for 10). Nothing
 * is sent to oned here. Returns 0, -ENOENT/-EACCES (auth file not readable),
 * -EINVAL (no user:password line, or an endpoint that is not http(s)://),
 * -ENOMEM, -EIO. */
int one_client_new(const char *endpoint, const char *auth_file, unsigned timeout_s,
		   struct one_client **ret, struct one_error *err);
void one_client_free(struct one_client *c);	/* NULL-safe; wipes the session */
const char *one_client_endpoint(const struct one_client *c);
const char *one_client_user(const struct one_client *c);

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
int one_imagepool_info(struct one_client *c, int filter, char **ret_xml, struct one_error *err);

/* Datastores, networks, users, groups, hosts. */
int one_datastore_info(struct one_client *c, int id, char **ret_xml, struct one_error *err);
int one_datastorepool_info(struct one_client *c, char **ret_xml, struct one_error *err);
int one_vnpool_info(struct one_client *c, int filter, char **ret_xml, struct one_error *err);
int one_userpool_info(struct one_client *c, char **ret_xml, struct one_error *err);
int one_grouppool_info(struct one_client *c, char **ret_xml, struct one_error *err);
int one_hostpool_info(struct one_client *c, char **ret_xml, struct one_error *err);

/*
 * Any other method, for what has no typed call above (tests, the stand-in's
 * control methods). fmt is xmlrpc-c's xmlrpc_build_value() format of the
 * parameters after the session, as an array: "()" none, "(si)" a string and
 * an int, "(ib)" an int and a boolean. *ret_value (may be NULL) gets the
 * value of a successful call as a string: strings as they are, integers in
 * decimal, booleans as "true"/"false"; another type is -EPROTO.
 */
int one_call(struct one_client *c, const char *method, char **ret_value,
	     struct one_error *err, const char *fmt, ...);

#endif

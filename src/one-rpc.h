/*
 * one-rpc.h: a client for oned's XML-RPC API (OpenNebula 6.10/7.0), over
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
 * The typed calls (one.vm.info, one.image.allocate, ...) are in one-calls.h.
 * Documents (the *info calls) are returned as oned sent them, malloc'd; parse
 * them with libxml2 (one-doc.h). Nothing here looks inside them.
 *
 * A client may be used by one thread at a time; several clients may live in
 * different threads. This module never prints and never exits.
 */
#ifndef ONEDR_ONE_RPC_H
#define ONEDR_ONE_RPC_H

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

/*
 * Any other method, for what has no typed call in one-calls.h (tests, the
 * stand-in's control methods). fmt is xmlrpc-c's xmlrpc_build_value()
 * format of the parameters after the session, as an array: "()" none,
 * "(si)" a string and an int, "(ib)" an int and a boolean. *ret_value (may
 * be NULL) gets the value of a successful call as a string: strings as they
 * are, integers in decimal, booleans as "true"/"false"; another type is
 * -EPROTO.
 */
int one_call(struct one_client *c, const char *method, char **ret_value,
	     struct one_error *err, const char *fmt, ...);

/* For the typed calls (one-calls.c): method on object (for messages; may
 * be NULL), whose value is a string (a document, the version: *ret gets a
 * copy) or an object ID (ret may be NULL: value ignored). */
int call_string(struct one_client *c, const char *method, const char *object,
		char **ret, struct one_error *err, const char *fmt, ...);
int call_id(struct one_client *c, const char *method, const char *object,
	    int *ret, struct one_error *err, const char *fmt, ...);

#endif

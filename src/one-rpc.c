/*
 * one-rpc.c: oned's XML-RPC API over xmlrpc-c's curl transport: the client,
 * a call, and the errors; see one-rpc.h.
 *
 * A call is serialised here, sent with xmlrpc_client_transport_call2() and
 * its response parsed with xmlrpc_parse_response2(), rather than through
 * xmlrpc_client_call2(), which reports a transport failure, a fault sent by
 * the server and a response it cannot parse all alike. oned's own answer is
 * the array [success, value, code, ...]; a document value is handed to the
 * caller as it is.
 */
#include "config.h"

#include "one-rpc.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <xmlrpc-c/base.h>
#include <xmlrpc-c/client.h>

/* xmlrpc-c refuses responses over 512 KB by default; a pool of a few hundred
 * VMs is larger (oned's own client raises the limit the same way). */
#define ONE_MAX_RESPONSE ((size_t)1 << 30)

/* what a one_auth line may hold */
#define ONE_AUTH_MAX 4096

struct one_client {
	xmlrpc_client *xc;
	xmlrpc_server_info *server;
	char *endpoint;		/* as given */
	char *shown;		/* endpoint without user:password@, for messages */
	char *user;
	char *session;		/* user:password; sent, never shown */
	unsigned timeout_s;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static bool global_ok;

/* xmlrpc-c's global setup (curl_global_init) is not thread-safe: once. */
static void global_setup(void)
{
	xmlrpc_env env;

	xmlrpc_env_init(&env);
	xmlrpc_client_setup_global_const(&env);
	global_ok = !env.fault_occurred;
	xmlrpc_env_clean(&env);
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, ONE_MAX_RESPONSE);
}

static int set_error(struct one_error *err, int code, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int set_error(struct one_error *err, int code, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Replace every occurrence of secret in msg by "****". */
static void mask(char *msg, const char *secret)
{
	size_t n = strlen(secret);
	char *p;

	while (n >= 4 && (p = strstr(msg, secret))) {
		memcpy(p, "****", 4);
		memmove(p + 4, p + n, strlen(p + n) + 1);
	}
}

/* Make err->msg one line. oned's messages never hold the session; should a
 * server ever echo it (or the password alone, when it is long enough to be
 * told from ordinary words), it is masked. */
static void tidy(const struct one_client *c, struct one_error *err)
{
	char *p, *end;

	if (!err)
		return;
	for (p = err->msg; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
	for (end = p; end > err->msg && end[-1] == ' '; end--)
		end[-1] = '\0';
	if (c && c->session) {
		const char *pw = strchr(c->session, ':') + 1;

		mask(err->msg, c->session);
		if (strlen(pw) >= 6)
			mask(err->msg, pw);
	}
}

/*
 * The one_auth file: its first line is user:password. Read with read(2) into
 * a buffer of ours, so that nothing but the returned session keeps a copy.
 */
static int read_session(const char *path, char **ret_session, struct one_error *err)
{
	char buf[ONE_AUTH_MAX];
	size_t len = 0, n;
	ssize_t k;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return set_error(err, 0, r, "cannot read the auth file '%s': %s", path, strerror(-r));
	}
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (r < 0) {
		explicit_bzero(buf, sizeof(buf));
		return set_error(err, 0, r, "cannot read the auth file '%s': %s", path, strerror(-r));
	}
	buf[len] = '\0';
	n = strcspn(buf, "\n");	/* a NUL byte ends the line too */
	if (n == sizeof(buf) - 1)
		n = 0;	/* no line end in sight: not a one_auth line */
	while (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0 || buf[0] == ':' || !strchr(buf, ':')) {
		explicit_bzero(buf, sizeof(buf));
		return set_error(err, 0, -EINVAL,
				 "the auth file '%s' does not start with a user:password line", path);
	}
	*ret_session = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *ret_session ? 0 : -ENOMEM;
}

/* url without a user:password@ part */
static char *endpoint_shown(const char *url)
{
	const char *host = strstr(url, "://"), *end, *at = NULL, *p;
	char *s;

	host = host ? host + 3 : url;
	end = host + strcspn(host, "/?#");
	for (p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return strdup(url);
	if (asprintf(&s, "%.*s%s", (int)(host - url), url, at + 1) < 0)
		return NULL;
	return s;
}

void one_client_free(struct one_client *c)
{
	if (!c)
		return;
	if (c->server)
		xmlrpc_server_info_free(c->server);
	if (c->xc)
		xmlrpc_client_destroy(c->xc);
	if (c->session) {
		explicit_bzero(c->session, strlen(c->session));
		free(c->session);
	}
	free(c->endpoint);
	free(c->shown);
	free(c->user);
	free(c);
}

static int client_create(struct one_client *c, struct one_error *err)
{
	struct xmlrpc_curl_xportparms cp;
	struct xmlrpc_clientparms p;
	xmlrpc_env env;
	int r = 0;

	memset(&cp, 0, sizeof(cp));
	cp.timeout = c->timeout_s * 1000;	/* milliseconds, the whole call */
	cp.user_agent = PACKAGE_NAME "/" PACKAGE_VERSION;
	memset(&p, 0, sizeof(p));
	p.transport = "curl";
	p.transportparmsP = &cp;
	p.transportparm_size = XMLRPC_CXPSIZE(timeout);
	xmlrpc_env_init(&env);
	xmlrpc_client_create(&env, XMLRPC_CLIENT_NO_FLAGS, PACKAGE_NAME, PACKAGE_VERSION, &p,
			     XMLRPC_CPSIZE(transportparm_size), &c->xc);
	if (!env.fault_occurred)
		c->server = xmlrpc_server_info_new(&env, c->endpoint);
	if (env.fault_occurred)
		r = set_error(err, 0, -EIO, "cannot create an XML-RPC client for %s: %s",
			      c->shown, env.fault_string);
	xmlrpc_env_clean(&env);
	return r;
}

int one_client_new(const char *endpoint, const char *auth_file, unsigned timeout_s,
		   struct one_client **ret, struct one_error *err)
{
	struct one_client *c;
	char *path = NULL;
	int r;

	pthread_once(&global_once, global_setup);
	if (!global_ok)
		return set_error(err, 0, -EIO, "cannot set up xmlrpc-c's client library");
	if (!endpoint || !*endpoint)
		endpoint = getenv("ONE_XMLRPC");
	if (!endpoint || !*endpoint)
		endpoint = ONE_DEFAULT_ENDPOINT;
	if (strncasecmp(endpoint, "http://", 7) && strncasecmp(endpoint, "https://", 8)) {
		char *shown = endpoint_shown(endpoint);

		r = set_error(err, 0, -EINVAL,
			      "invalid OpenNebula endpoint '%s': expected http://HOST:PORT/RPC2",
			      shown ? shown : "?");
		free(shown);
		return r;
	}
	if (!auth_file || !*auth_file)
		auth_file = getenv("ONE_AUTH");
	if (!auth_file || !*auth_file) {
		const char *home = getenv("HOME");

		if (!home || !*home)
			return set_error(err, 0, -ENOENT, "no auth file: set ONE_AUTH or HOME");
		if (asprintf(&path, "%s/.one/one_auth", home) < 0)
			return -ENOMEM;
		auth_file = path;
	}

	c = calloc(1, sizeof(*c));
	if (!c) {
		free(path);
		return -ENOMEM;
	}
	c->timeout_s = timeout_s ? timeout_s : ONE_DEFAULT_TIMEOUT;
	if (c->timeout_s > UINT_MAX / 1000)
		c->timeout_s = UINT_MAX / 1000;
	c->endpoint = strdup(endpoint);
	c->shown = endpoint_shown(endpoint);
	r = c->endpoint && c->shown ? 0 : -ENOMEM;
	if (r == 0)
		r = read_session(auth_file, &c->session, err);
	free(path);
	if (r == 0) {
		c->user = strndup(c->session, strcspn(c->session, ":"));
		r = c->user ? client_create(c, err) : -ENOMEM;
	}
	if (r < 0) {
		one_client_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

const char *one_client_endpoint(const struct one_client *c)
{
	return c->endpoint;
}

const char *one_client_user(const struct one_client *c)
{
	return c->user;
}

/* "Connection refused" -> "connection refused" */
static void errno_text(int e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int errno_class(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ETIMEDOUT:
		return -e;
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENETUNREACH:
	case ENETDOWN:
		return -EHOSTUNREACH;
	default:
		return -EIO;
	}
}

/*
 * libcurl 7.88 says "Couldn't connect to server" whatever connect(2) said.
 * Ask the kernel with one connection to the same host and port, so that a
 * refused connection (oned down) and an unreachable host (the site down) are
 * told apart. Returns the errno connect gave, or ECONNREFUSED when it now
 * connects.
 */
static int connect_errno(const char *url, unsigned timeout_s)
{
	struct addrinfo hints, *ai = NULL, *a;
	char host[256], port[8];
	const char *h, *e, *q;
	int fd, e_first = 0, soerr;
	socklen_t sl;
	struct pollfd pfd;

	h = strstr(url, "://") + 3;	/* one_client_new checked the scheme */
	if (*h == '[') {
		e = strchr(++h, ']');
		if (!e)
			return ECONNREFUSED;
		q = e + 1;
	} else {
		e = h + strcspn(h, ":/?#");
		q = e;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(e - h), h);
	if (*q == ':')
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(q + 1, "/?#"), q + 1);
	else
		snprintf(port, sizeof(port), "%s", strncasecmp(url, "https", 5) ? "80" : "443");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return EHOSTUNREACH;
	for (a = ai; a && !e_first; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		soerr = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
		if (soerr == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			sl = sizeof(soerr);
			if (poll(&pfd, 1, (int)(timeout_s < 5 ? timeout_s : 5) * 1000) <= 0)
				soerr = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
				soerr = errno;
		}
		close(fd);
		e_first = soerr;
	}
	freeaddrinfo(ai);
	return e_first ? e_first : ECONNREFUSED;
}

/* The transport (curl, HTTP) failed: say why, as an errno and one line. */
static int transport_error(const struct one_client *c, const char *why,
			   const struct timespec *t0, struct one_error *err)
{
	static const char curl_prefix[] =
		"libcurl failed to execute the HTTP POST transaction, explaining:  ";
	struct timespec t1;
	char text[128];
	int e;

	if (!strncmp(why, curl_prefix, sizeof(curl_prefix) - 1))
		why += sizeof(curl_prefix) - 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* libcurl's words: "Operation timed out after 30001 milliseconds ...",
	 * "Connection timed out after ...", "Timeout was reached" */
	if (t1.tv_sec - t0->tv_sec >= (time_t)c->timeout_s || strstr(why, "timed out") ||
	    strstr(why, "Timeout was reached"))
		return set_error(err, 0, -ETIMEDOUT, "cannot reach %s: timed out after %u s",
				 c->shown, c->timeout_s);
	if (strstr(why, "Could not resolve host") || strstr(why, "Couldn't resolve host"))
		return set_error(err, 0, -EHOSTUNREACH, "cannot reach %s: %s", c->shown, why);
	if (strstr(why, "Connection refused"))
		e = ECONNREFUSED;
	else if (strstr(why, "No route to host"))
		e = EHOSTUNREACH;
	else if (strstr(why, "Network is unreachable"))
		e = ENETUNREACH;
	else if (strstr(why, "connect to server"))	/* "Couldn't", "Could not" */
		e = connect_errno(c->shown, c->timeout_s);
	else	/* e.g. xmlrpc-c's "HTTP response code is 404, not 200" */
		return set_error(err, 0, -EIO, "cannot call %s: %s", c->shown, why);
	errno_text(e, text, sizeof(text));
	return set_error(err, 0, errno_class(e), "cannot reach %s: %s", c->shown, text);
}

/* oned's errors, by code: the errno and how the message names them */
static const struct {
	int code, r;
	const char *what;
} oned_codes[] = {
	{ 0x0100, -EACCES, "authentication failed" },
	{ 0x0200, -EPERM, "not authorized" },
	{ 0x0400, -ENOENT, "no such object" },
	{ 0x0800, -EBUSY, "action refused" },
	{ 0x1000, -EINVAL, "bad argument" },
	{ 0x2000, -EINVAL, NULL },	/* oned's INTERNAL: bad templates too; its words suffice */
	{ 0x4000, -EINVAL, "cannot allocate" },
	{ 0x8000, -EBUSY, "locked" },
};

/* [false, "[method] message", code, ...]: what, category, message */
static int oned_error(const char *what, int code, const char *msg, struct one_error *err)
{
	const char *close_bracket;
	size_t k;

	/* oned starts its messages with "[method] ": what already names it */
	if (msg[0] == '[' && (close_bracket = strchr(msg, ']')) &&
	    (size_t)(close_bracket - msg) == strcspn(msg, " ]")) {
		msg = close_bracket + 1;
		msg += strspn(msg, " ");
	}
	for (k = 0; k < sizeof(oned_codes) / sizeof(oned_codes[0]); k++)
		if (oned_codes[k].code == code)
			break;
	if (k == sizeof(oned_codes) / sizeof(oned_codes[0]))
		return set_error(err, code, -EPROTO, "%s: error %d: %s", what, code, msg);
	if (!oned_codes[k].what)
		return set_error(err, code, oned_codes[k].r, "%s: %s", what, msg);
	return set_error(err, code,
			 code == 0x4000 && strstr(msg, "already taken") ? -EEXIST : oned_codes[k].r,
			 "%s: %s: %s", what, oned_codes[k].what, msg);
}

/* Read oned's [success, value, code, ...]; *ret_value gets the value. */
static int read_result(const char *what, xmlrpc_value *res, xmlrpc_value **ret_value,
		       struct one_error *err)
{
	xmlrpc_value *v[3] = { NULL, NULL, NULL };
	xmlrpc_bool success = 0;
	const char *msg = NULL;
	xmlrpc_env env;
	int code = 0, r = -EPROTO, k;

	xmlrpc_env_init(&env);
	if (xmlrpc_value_type(res) != XMLRPC_TYPE_ARRAY || xmlrpc_array_size(&env, res) < 3)
		goto bad;
	for (k = 0; k < 3 && !env.fault_occurred; k++)
		xmlrpc_array_read_item(&env, res, k, &v[k]);
	if (env.fault_occurred || xmlrpc_value_type(v[0]) != XMLRPC_TYPE_BOOL ||
	    xmlrpc_value_type(v[2]) != XMLRPC_TYPE_INT)
		goto bad;
	xmlrpc_read_bool(&env, v[0], &success);
	xmlrpc_read_int(&env, v[2], &code);
	if (env.fault_occurred)
		goto bad;
	if (success) {
		*ret_value = v[1];
		v[1] = NULL;
		r = 0;
		goto done;
	}
	if (xmlrpc_value_type(v[1]) == XMLRPC_TYPE_STRING) {
		xmlrpc_read_string(&env, v[1], &msg);
		if (!env.fault_occurred) {
			r = oned_error(what, code, msg, err);
			free((void *)msg);
			goto done;
		}
	}
bad:
	r = set_error(err, 0, -EPROTO, "%s: the response is not oned's [success, value, code] array",
		      what);
done:
	for (k = 0; k < 3; k++)
		if (v[k])
			xmlrpc_DECREF(v[k]);
	xmlrpc_env_clean(&env);
	return r;
}

static void format_what(char *buf, size_t len, const char *method, const char *object)
{
	snprintf(buf, len, "%s%s%s", method, object ? " " : "", object ? object : "");
}

/*
 * Call method with the session, then the parameters fmt describes (an
 * xmlrpc_build_value() array format). On success *ret_value gets oned's value.
 * object names what the call is about in messages (NULL: nothing).
 */
static int vcall(struct one_client *c, const char *method, const char *object,
		 xmlrpc_value **ret_value, struct one_error *err, const char *fmt, va_list ap)
{
	xmlrpc_value *params = NULL, *request = NULL, *item, *result = NULL;
	xmlrpc_mem_block *xml = NULL, *resp = NULL;
	const char *fault_string = NULL, *tail = NULL;
	struct timespec t0;
	char what[192];
	xmlrpc_env env;
	int r = 0, k, n, fault_code = 0;

	format_what(what, sizeof(what), method, object);
	xmlrpc_env_init(&env);
	xmlrpc_build_value_va(&env, fmt, ap, &params, &tail);
	if (!env.fault_occurred && (xmlrpc_value_type(params) != XMLRPC_TYPE_ARRAY || *tail))
		xmlrpc_env_set_fault(&env, XMLRPC_TYPE_ERROR, "the parameters are not one array");
	if (!env.fault_occurred)
		request = xmlrpc_array_new(&env);
	if (!env.fault_occurred) {
		item = xmlrpc_string_new(&env, c->session);
		if (!env.fault_occurred) {
			xmlrpc_array_append_item(&env, request, item);
			xmlrpc_DECREF(item);
		}
	}
	n = env.fault_occurred ? 0 : xmlrpc_array_size(&env, params);
	for (k = 0; k < n && !env.fault_occurred; k++) {
		xmlrpc_array_read_item(&env, params, k, &item);
		if (!env.fault_occurred) {
			xmlrpc_array_append_item(&env, request, item);
			xmlrpc_DECREF(item);
		}
	}
	if (!env.fault_occurred)
		xml = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	if (!env.fault_occurred)
		xmlrpc_serialize_call2(&env, xml, method, request, xmlrpc_dialect_i8);
	if (env.fault_occurred) {
		r = set_error(err, 0, -EINVAL, "%s: cannot encode the call: %s", what,
			      env.fault_string);
		goto out;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	xmlrpc_client_transport_call2(&env, c->xc, c->server, xml, &resp);
	if (env.fault_occurred) {
		resp = NULL;	/* xmlrpc-c leaves garbage there on failure */
		r = transport_error(c, env.fault_string ? env.fault_string : "", &t0, err);
		goto out;
	}
	xmlrpc_parse_response2(&env, XMLRPC_MEMBLOCK_CONTENTS(char, resp),
			       XMLRPC_MEMBLOCK_SIZE(char, resp), &result, &fault_code, &fault_string);
	if (env.fault_occurred)
		r = set_error(err, 0, -EPROTO, "%s: the response is not XML-RPC: %s", what,
			      env.fault_string);
	else if (fault_string)
		r = set_error(err, 0, -EPROTO, "%s: XML-RPC fault %d: %s", what, fault_code,
			      fault_string);
	else
		r = read_result(what, result, ret_value, err);
out:
	if (r < 0)
		tidy(c, err);
	free((void *)fault_string);
	if (result)
		xmlrpc_DECREF(result);
	if (resp)
		XMLRPC_MEMBLOCK_FREE(char, resp);
	if (xml) {
		explicit_bzero(XMLRPC_MEMBLOCK_CONTENTS(char, xml), XMLRPC_MEMBLOCK_SIZE(char, xml));
		XMLRPC_MEMBLOCK_FREE(char, xml);
	}
	if (request)
		xmlrpc_DECREF(request);
	if (params)
		xmlrpc_DECREF(params);
	xmlrpc_env_clean(&env);
	return r;
}

/* A call whose value is a string (a document, the version): *ret gets a copy. */
int call_string(struct one_client *c, const char *method, const char *object,
		char **ret, struct one_error *err, const char *fmt, ...)
{
	xmlrpc_value *value = NULL;
	const char *s = NULL;
	char what[192];
	xmlrpc_env env;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vcall(c, method, object, &value, err, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	xmlrpc_env_init(&env);
	if (xmlrpc_value_type(value) == XMLRPC_TYPE_STRING)
		xmlrpc_read_string(&env, value, &s);
	if (!s) {
		format_what(what, sizeof(what), method, object);
		r = set_error(err, 0, env.fault_code == XMLRPC_INTERNAL_ERROR ? -ENOMEM : -EPROTO,
			      "%s: the response holds no string", what);
	} else {
		*ret = (char *)s;
	}
	xmlrpc_env_clean(&env);
	xmlrpc_DECREF(value);
	return r;
}

/* A call whose value is an object ID; ret may be NULL (value ignored). */
int call_id(struct one_client *c, const char *method, const char *object,
	    int *ret, struct one_error *err, const char *fmt, ...)
{
	xmlrpc_value *value = NULL;
	char what[192];
	xmlrpc_env env;
	va_list ap;
	int r, id = 0;

	va_start(ap, fmt);
	r = vcall(c, method, object, &value, err, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	xmlrpc_env_init(&env);
	if (ret) {
		if (xmlrpc_value_type(value) == XMLRPC_TYPE_INT)
			xmlrpc_read_int(&env, value, &id);
		else
			xmlrpc_env_set_fault(&env, XMLRPC_TYPE_ERROR, "not an int");
		if (env.fault_occurred) {
			format_what(what, sizeof(what), method, object);
			r = set_error(err, 0, -EPROTO, "%s: the response holds no object ID", what);
		} else {
			*ret = id;
		}
	}
	xmlrpc_env_clean(&env);
	xmlrpc_DECREF(value);
	return r;
}

int one_call(struct one_client *c, const char *method, char **ret_value,
	     struct one_error *err, const char *fmt, ...)
{
	xmlrpc_value *value = NULL;
	const char *s = NULL;
	char *out = NULL;
	xmlrpc_env env;
	xmlrpc_bool b;
	va_list ap;
	int r, i;

	va_start(ap, fmt);
	r = vcall(c, method, NULL, &value, err, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (!ret_value) {
		xmlrpc_DECREF(value);
		return 0;
	}
	xmlrpc_env_init(&env);
	switch (xmlrpc_value_type(value)) {
	case XMLRPC_TYPE_STRING:
		xmlrpc_read_string(&env, value, &s);
		out = (char *)s;
		break;
	case XMLRPC_TYPE_INT:
		xmlrpc_read_int(&env, value, &i);
		if (!env.fault_occurred && asprintf(&out, "%d", i) < 0)
			out = NULL;
		break;
	case XMLRPC_TYPE_BOOL:
		xmlrpc_read_bool(&env, value, &b);
		if (!env.fault_occurred)
			out = strdup(b ? "true" : "false");
		break;
	default:
		r = set_error(err, 0, -EPROTO, "%s: the response holds neither a string, an int nor a boolean",
			      method);
	}
	if (r == 0 && !out)
		r = env.fault_occurred ? set_error(err, 0, -EPROTO, "%s: unreadable value: %s", method,
						   env.fault_string) : -ENOMEM;
	if (r == 0)
		*ret_value = out;
	xmlrpc_env_clean(&env);
	xmlrpc_DECREF(value);
	return r;
}

/* test-one.c: the oned client (src/one-rpc.c, src/one-calls.c) against the
 * oned stand-in that test/one/t0005-one-client.sh starts: results,
 * OpenNebula's error codes and messages, faults, transport errors, and that the password never shows.
 *
 *   test-one GROUP    GROUP: version documents images vms auth faults transport threads
 *
 * Environment: ONE_TEST_ENDPOINT (the stand-in), ONE_TEST_AUTH (oneadmin's
 * one_auth file), ONE_TEST_PASSWORD (its password, to check it never shows),
 * ONE_TEST_DEAD (nothing listens there), ONE_TEST_SILENT (accepts, never
 * answers). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "one-calls.h"
#include "tap.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		printf("Bail out! %s is not set: run test/one/t0005-one-client.sh\n", name);
		exit(1);
	}
	return v;
}

/* The text of the first node xpath selects in the document xml, or "" when
 * none; NULL when xml is not a document. Caller frees. */
static char *doc_value(const char *xml, const char *xpath)
{
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr res;
	xmlChar *s = NULL;
	char *out;

	if (!xml)
		return NULL;
	doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return NULL;
	ctx = xmlXPathNewContext(doc);
	res = ctx ? xmlXPathEvalExpression((const xmlChar *)xpath, ctx) : NULL;
	if (res && res->type == XPATH_STRING)
		s = xmlStrdup(res->stringval);
	else if (res && res->nodesetval && res->nodesetval->nodeNr > 0)
		s = xmlNodeGetContent(res->nodesetval->nodeTab[0]);
	out = strdup(s ? (const char *)s : "");
	xmlFree(s);
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}

/* xml's value at xpath equals want */
static int doc_is(const char *xml, const char *xpath, const char *want)
{
	char *v = doc_value(xml, xpath);
	int same = v && !strcmp(v, want);

	if (!same)
		printf("#   %s: got '%s', want '%s'\n", xpath, v ? v : "(not a document)", want);
	free(v);
	return same;
}

/* A call expected to succeed: err is cleared first, its message shown on failure. */
#define ok_call(err, cond, ...)						\
	do {								\
		int _c;							\
		(err).code = 0;						\
		(err).msg[0] = '\0';					\
		_c = !!(cond);						\
		ok(_c, __VA_ARGS__);					\
		if (!_c)						\
			printf("#   error: %s\n", (err).msg);		\
	} while (0)

static struct one_client *client(const char *ep, const char *auth, unsigned timeout)
{
	struct one_error err = { 0, "" };
	struct one_client *c = NULL;

	if (one_client_new(ep, auth, timeout, &c, &err) < 0) {
		printf("Bail out! cannot create a client for %s: %s\n", ep, err.msg);
		exit(1);
	}
	return c;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static void test_version(struct one_client *c)
{
	struct one_error err = { 0, "" };
	char *s = NULL;

	is_str(one_client_user(c), "oneadmin", "the user is read from the auth file");
	is_str(one_client_endpoint(c), env("ONE_TEST_ENDPOINT"), "the endpoint is the one given");
	ok_call(err, one_system_version(c, &s, &err) == 0, "one.system.version succeeds");
	is_str(s, "7.0.2", "the stand-in is oned 7.0.2");
	free(s);
}

/* one pool call: it succeeds and its document has the root element wanted */
#define POOL_IS(call, root)						\
	do {								\
		char *_s = NULL;					\
		struct one_error _e = { 0, "" };			\
		ok((call) == 0 && doc_is(_s, "name(/*)", root),		\
		   "%s gives a %s document %s", #call, root, _e.msg);	\
		free(_s);						\
	} while (0)

static void test_documents(struct one_client *c)
{
	struct one_error err = { 0, "" };
	char *s = NULL;
	int r;

	r = one_vm_info(c, 4242, &s, &err);
	ok(r == -ENOENT && err.code == 1024, "the info of a missing VM is -ENOENT, code 1024 (%d)", r);
	is_str(err.msg, "one.vm.info 4242: no such object: Error getting virtual machine [4242].",
	       "its message names the call, the object, the category and oned's words");
	ok(s == NULL, "nothing is returned on failure");
	r = one_image_info(c, 77, &s, &err);
	is_str(err.msg, "one.image.info 77: no such object: Error getting image [77].",
	       "the info of a missing image is said the same way");

	ok_call(err, one_datastore_info(c, 1, &s, &err) == 0 && doc_is(s, "/DATASTORE/NAME", "default"),
		"the info of an existing datastore is its document");
	free(s);
	POOL_IS(one_datastorepool_info(c, &_s, &_e), "DATASTORE_POOL");
	POOL_IS(one_userpool_info(c, &_s, &_e), "USER_POOL");
	POOL_IS(one_grouppool_info(c, &_s, &_e), "GROUP_POOL");
	POOL_IS(one_hostpool_info(c, &_s, &_e), "HOST_POOL");
	POOL_IS(one_vnpool_info(c, -2, &_s, &_e), "VNET_POOL");
	POOL_IS(one_imagepool_info(c, -2, &_s, &_e), "IMAGE_POOL");
	POOL_IS(one_vmpool_info(c, false, -2, -1, -1, -1, &_s, &_e), "VM_POOL");
	POOL_IS(one_vmpool_info(c, true, -2, -1, -1, -2, &_s, &_e), "VM_POOL");

	r = one_vmpool_info(c, false, -5, -1, -1, -1, &s, &err);
	ok(r == -EINVAL && err.code == 4096, "a bad filter flag is -EINVAL, code 4096: %s", err.msg);
}

static const char ceph_ds[] =
	"NAME = \"ceph-img\"\nDS_MAD = \"ceph\"\nTM_MAD = \"ceph\"\nDISK_TYPE = \"RBD\"\n"
	"POOL_NAME = \"one\"\nCEPH_HOST = \"127.0.0.1\"\nCEPH_USER = \"admin\"\n"
	"CEPH_SECRET = \"6c9b5f1a-2d3e-4f50-8a7b-9c0d1e2f3a4b\"\nBRIDGE_LIST = \"localhost\"\n";

static void test_images(struct one_client *c)
{
	const char *t = "NAME = \"img-a\"\nTYPE = \"DATABLOCK\"\nPERSISTENT = \"YES\"\n"
			"SOURCE = \"one/one-77\"\nFORMAT = \"raw\"\nSIZE = \"10\"\n";
	struct one_error err = { 0, "" };
	char *v = NULL, *s = NULL;
	int ds, img = -1, r;

	/* a never monitored Ceph datastore: 0 MB free */
	ok(one_call(c, "one.datastore.allocate", &v, &err, "(si)", ceph_ds, -1) == 0 && v,
	   "a Ceph image datastore is created through one_call: %s", v ? v : err.msg);
	ds = v ? atoi(v) : -1;
	free(v);

	r = one_image_allocate(c, t, ds, false, &img, &err);
	ok(r == -EBUSY && err.code == 2048 && img == -1,
	   "an image with SOURCE on a full datastore is refused: -EBUSY, code 2048");
	is_str(err.msg, "one.image.allocate: action refused: Not enough space in datastore",
	       "the message says there is no space");
	ok_call(err, one_image_allocate(c, t, ds, true, &img, &err) == 0 && img >= 0,
		"with the skip-capacity flag it is registered: image %d", img);
	ok(one_image_info(c, img, &s, &err) == 0 && doc_is(s, "/IMAGE/SOURCE", "one/one-77") &&
	   doc_is(s, "/IMAGE/STATE", "1"), "the image keeps its SOURCE and is READY");
	free(s);
	s = NULL;

	r = one_image_allocate(c, t, ds, true, &img, &err);
	ok(r == -EEXIST && err.code == 16384, "the same NAME again is -EEXIST, code 16384 (%d)", r);
	is_str(err.msg, "one.image.allocate: cannot allocate: Error allocating a new image. NAME is already taken by IMAGE 0.",
	       "its message is oned's");
	r = one_image_allocate(c, t, 9999, true, &img, &err);
	ok(r == -ENOENT && err.code == 1024, "a missing datastore is -ENOENT: %s", err.msg);

	ok_call(err, one_image_chown(c, img, -1, 1, &err) == 0, "image chown to group 1 succeeds");
	ok(one_image_info(c, img, &s, &err) == 0 && doc_is(s, "/IMAGE/GID", "1") &&
	   doc_is(s, "/IMAGE/UID", "0"), "the image is in group 1, still owned by user 0");
	free(s);
	r = one_image_chown(c, img, 999, -1, &err);
	ok(r == -ENOENT && err.code == 1024, "chown to a missing user is -ENOENT: %s", err.msg);
}

static void test_vms(struct one_client *c)
{
	const char *t = "NAME = \"t (1) [x]\"\nCPU = \"0.1\"\nMEMORY = \"64\"\n";
	struct one_error err = { 0, "" };
	char *s = NULL;
	int vm = -1, r;

	ok_call(err, one_vm_allocate(c, t, true, &vm, &err) == 0 && vm >= 0,
		"a VM is allocated on hold: %d", vm);
	ok(one_vm_info(c, vm, &s, &err) == 0 && doc_is(s, "/VM/STATE", "2") &&
	   doc_is(s, "/VM/NAME", "t (1) [x]"), "it is in HOLD, with its name");
	free(s);
	s = NULL;
	ok_call(err, one_vm_chown(c, vm, -1, 1, &err) == 0, "VM chown to group 1 succeeds");
	ok_call(err, one_vm_update(c, vm, "DR_NOTE = \"from site-a\"", true, &err) == 0,
		"its user template is updated (merge)");
	ok_call(err, one_vm_action(c, "release", vm, &err) == 0, "it is released");
	ok(one_vm_info(c, vm, &s, &err) == 0 && doc_is(s, "/VM/STATE", "1") &&
	   doc_is(s, "/VM/GID", "1") && doc_is(s, "/VM/USER_TEMPLATE/DR_NOTE", "from site-a"),
	   "it is PENDING, in group 1, with the note");
	free(s);
	s = NULL;

	r = one_vm_action(c, "release", vm, &err);
	ok(r == -EBUSY && err.code == 2048, "releasing it again is -EBUSY, code 2048 (%d)", r);
	ok(strstr(err.msg, "one.vm.action release ") == err.msg &&
	   strstr(err.msg, ": action refused: Error performing action \"release\": "),
	   "the message names the action and the VM: %s", err.msg);
	r = one_vm_deploy(c, vm, 77, false, -1, &err);
	ok(r == -ENOENT && err.code == 1024, "deploying on a missing host is -ENOENT: %s", err.msg);
	r = one_vm_allocate(c, "NAME = x\nCPU = [ A = 1\n", false, &vm, &err);
	ok(r == -EINVAL && err.code == 8192 && strstr(err.msg, "Parse error"),
	   "a template that does not parse is -EINVAL, code 8192: %s", err.msg);
	ok(!strchr(err.msg, '\n'), "every message is one line");
	/* oned answers 8192 for bad input too: its own words, no "internal error" */
	r = one_vm_allocate(c, "NAME = y\nCPU = 1\n", false, &vm, &err);
	ok(r == -EINVAL && err.code == 8192, "a template without MEMORY is -EINVAL, code 8192 (%d)", r);
	is_str(err.msg, "one.vm.allocate: MEMORY attribute must be a positive integer value.",
	       "an 8192 error shows oned's message alone");
}

static void test_auth(const char *ep, const char *auth)
{
	const char *password = env("ONE_TEST_PASSWORD");
	struct one_error err = { 0, "" };
	struct one_client *c = NULL;
	char buf[512], *s = NULL;
	int r;

	write_file("wrong_auth", "oneadmin:wrong-secret-123\n");
	c = client(ep, "wrong_auth", 10);
	r = one_system_version(c, &s, &err);
	ok(r == -EACCES && err.code == 256, "a wrong password is -EACCES, code 256 (%d)", r);
	is_str(err.msg, "one.system.version: authentication failed: User couldn't be authenticated, aborting call.",
	       "the message says authentication failed");
	ok(!strstr(err.msg, "wrong-secret-123") && !strstr(err.msg, password),
	   "the password is not in the message");
	one_client_free(c);

	c = NULL;
	r = one_client_new(ep, "/nonexistent/one_auth", 10, &c, &err);
	ok(r == -ENOENT && c == NULL, "a missing auth file is -ENOENT");
	is_str(err.msg, "cannot read the auth file '/nonexistent/one_auth': No such file or directory",
	       "the message names the file");

	write_file("bad_auth", "no-colon-secretvalue\noneadmin:x\n");
	r = one_client_new(ep, "bad_auth", 10, &c, &err);
	ok(r == -EINVAL && c == NULL, "an auth file whose first line has no ':' is -EINVAL");
	is_str(err.msg, "the auth file 'bad_auth' does not start with a user:password line",
	       "the message names the file, not its content");
	write_file("empty_auth", "");
	r = one_client_new(ep, "empty_auth", 10, &c, &err);
	ok(r == -EINVAL && strstr(err.msg, "'empty_auth'"), "an empty auth file is -EINVAL");

	snprintf(buf, sizeof(buf), "oneadmin:%s\r\nsecond line\n", password);
	write_file("crlf_auth", buf);
	c = client(ep, "crlf_auth", 10);
	ok_call(err, one_system_version(c, &s, &err) == 0, "a CRLF line end is not part of the password");
	free(s);
	s = NULL;
	one_client_free(c);

	setenv("ONE_AUTH", auth, 1);
	setenv("ONE_XMLRPC", ep, 1);
	c = client(NULL, NULL, 10);
	is_str(one_client_endpoint(c), ep, "the endpoint defaults to $ONE_XMLRPC");
	ok_call(err, one_system_version(c, &s, &err) == 0, "the session defaults to $ONE_AUTH's");
	free(s);
	s = NULL;
	one_client_free(c);

	unsetenv("ONE_XMLRPC");
	c = client(NULL, NULL, 10);
	is_str(one_client_endpoint(c), "http://localhost:2633/RPC2", "then to oned's default port");
	one_client_free(c);

	unsetenv("ONE_AUTH");
	if (system("mkdir -p home/.one && cp crlf_auth home/.one/one_auth") != 0)
		printf("Bail out! cannot make home/.one/one_auth\n");
	setenv("HOME", "home", 1);
	c = client(ep, NULL, 10);
	ok_call(err, one_system_version(c, &s, &err) == 0, "then to ~/.one/one_auth");
	free(s);
	one_client_free(c);

	r = one_client_new("localhost:2633", "crlf_auth", 10, &c, &err);
	ok(r == -EINVAL, "an endpoint that is not an http(s) URL is -EINVAL: %s", err.msg);
}

static void test_faults(struct one_client *c, const char *ep, const char *auth)
{
	struct one_error err = { 0, "" };
	char url[512], *v = NULL;
	int r;

	r = one_call(c, "one.frobnicate", &v, &err, "()");
	ok(r == -EPROTO && err.code == 0 && v == NULL, "a method oned does not have is -EPROTO (%d)", r);
	is_str(err.msg, "one.frobnicate: XML-RPC fault -506: Method 'one.frobnicate' not defined",
	       "the message is the fault's");
	r = one_call(c, "one.vm.info", &v, &err, "(s)", "seven");
	ok(r == -EPROTO && strstr(err.msg, "XML-RPC fault -501: "),
	   "a parameter of the wrong type is a fault: %s", err.msg);
	ok_call(err, one_call(c, "one.system.version", &v, &err, "()") == 0, "one_call returns a string value");
	is_str(v, "7.0.2", "as it is");
	free(v);
	v = NULL;
	ok(one_call(c, "one.vm.allocate", &v, &err, "(sb)", "NAME = v\nMEMORY = 1\nCPU = 1\n", 1) == 0 &&
	   v && strspn(v, "0123456789") == strlen(v), "and an ID in decimal: %s", v ? v : err.msg);
	free(v);
	v = NULL;

	snprintf(url, sizeof(url), "%s-nothere", ep);
	c = client(url, auth, 10);
	r = one_system_version(c, &v, &err);
	ok(r == -EIO && err.code == 0, "an HTTP error (404) is -EIO (%d)", r);
	ok(strstr(err.msg, "HTTP response code is 404") != NULL, "and says so: %s", err.msg);
	one_client_free(c);
}

static void test_transport(const char *auth)
{
	const char *dead = env("ONE_TEST_DEAD"), *silent = env("ONE_TEST_SILENT");
	struct one_error err = { 0, "" };
	struct one_client *c;
	char want[512], *s = NULL;
	int r;

	c = client(dead, auth, 5);
	r = one_system_version(c, &s, &err);
	ok(r == -ECONNREFUSED && err.code == 0, "nothing listening is -ECONNREFUSED (%d)", r);
	snprintf(want, sizeof(want), "cannot reach %s: connection refused", dead);
	is_str(err.msg, want, "the message names the endpoint");
	one_client_free(c);

	/* a behaviour test: no assertion on how long it took */
	c = client(silent, auth, 1);
	r = one_system_version(c, &s, &err);
	ok(r == -ETIMEDOUT && err.code == 0, "a server that never answers is -ETIMEDOUT (%d)", r);
	snprintf(want, sizeof(want), "cannot reach %s: timed out after 1 s", silent);
	is_str(err.msg, want, "the message gives the timeout");
	ok(s == NULL, "nothing is returned");
	one_client_free(c);
}

/* several clients, one per thread, at the same time */
struct worker {
	const char *ep, *auth;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct one_error err = { 0, "" };
	struct one_client *c = NULL;
	char *s;
	int k;

	if (one_client_new(w->ep, w->auth, 10, &c, &err) < 0) {
		w->failures = -1;
		return NULL;
	}
	for (k = 0; k < 20; k++) {
		s = NULL;
		if (one_vm_info(c, 4242, &s, &err) != -ENOENT || one_system_version(c, &s, &err) < 0 ||
		    strcmp(s, "7.0.2"))
			w->failures++;
		free(s);
	}
	one_client_free(c);
	return NULL;
}

static void test_threads(const char *ep, const char *auth)
{
	struct worker w[4];
	pthread_t t[4];
	int k, failures = 0;

	for (k = 0; k < 4; k++) {
		w[k] = (struct worker){ ep, auth, 0 };
		if (pthread_create(&t[k], NULL, work, &w[k]) != 0) {
			printf("Bail out! pthread_create\n");
			exit(1);
		}
	}
	for (k = 0; k < 4; k++) {
		pthread_join(t[k], NULL);
		failures += w[k].failures;
	}
	ok(failures == 0, "4 clients in 4 threads make 160 calls at once (%d failed)", failures);
}

int main(int argc, char **argv)
{
	const char *group = argc > 1 ? argv[1] : "";
	const char *ep = env("ONE_TEST_ENDPOINT"), *auth = env("ONE_TEST_AUTH");
	struct one_client *c = client(ep, auth, 10);

	if (!strcmp(group, "version"))
		test_version(c);
	else if (!strcmp(group, "documents"))
		test_documents(c);
	else if (!strcmp(group, "images"))
		test_images(c);
	else if (!strcmp(group, "vms"))
		test_vms(c);
	else if (!strcmp(group, "auth"))
		test_auth(ep, auth);
	else if (!strcmp(group, "faults"))
		test_faults(c, ep, auth);
	else if (!strcmp(group, "transport"))
		test_transport(auth);
	else if (!strcmp(group, "threads"))
		test_threads(ep, auth);
	else {
		printf("Bail out! unknown group '%s'\n", group);
		one_client_free(c);
		return 1;
	}
	one_client_free(c);
	xmlCleanupParser();
	return tap_done();
}

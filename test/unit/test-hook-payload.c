/* test-hook-payload.c: decoding what oned hands a hook. Every payload real
 * oned 7.0.2 sent (both fixture sets, stdin and argv flavours) decodes to
 * its captured document and kind; bad base64, bad XML, a DTD, an unexpected
 * root, a wrong size are refused with a message. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook-payload.h"
#include "one-doc.h"
#include "tap.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the fixture names of dir with suffix, sorted */
static size_t list(const char *dir, const char *suffix, char ***ret)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, sl = strlen(suffix);

	if (!d) {
		printf("Bail out! cannot open %s\n", dir);
		exit(1);
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l > sl && !strcmp(e->d_name + l - sl, suffix)) {
			v = realloc(v, (n + 1) * sizeof(*v));
			v[n++] = strndup(e->d_name, l - sl);
		}
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp);
	*ret = v;
	return n;
}

static enum hook_kind expected_kind(const char *name)
{
	if (!strncmp(name, "api-", 4))
		return HOOK_CALL;
	if (!strncmp(name, "state-vm-", 9))
		return HOOK_VM;
	if (!strncmp(name, "state-host-", 11))
		return HOOK_HOST;
	if (!strncmp(name, "state-image-", 12))
		return HOOK_IMAGE;
	return HOOK_VNET;
}

/* what every payload must give, whichever way it arrived */
static void check_payload(const char *dir, const char *name, const struct hook_payload *p,
			  const char *how)
{
	char path[1024];
	size_t dlen;
	char *decoded;

	snprintf(path, sizeof(path), "%s/%s.decoded.xml", dir, name);
	decoded = tap_slurp(path, &dlen);
	ok(p->len == dlen && !memcmp(p->xml, decoded, dlen), "%s (%s): decodes to the captured document",
	   name, how);
	is_str(hook_kind_name(p->kind), hook_kind_name(expected_kind(name)), "%s (%s): its kind", name,
	       how);
	ok(p->nwords == 0, "%s (%s): no words after the payload", name, how);
	if (p->kind == HOOK_CALL) {
		ok(p->call_ok == !strstr(name, ".failure"), "%s: RESULT read", name);
		is_str(hook_param(p, false, 1), "****", "%s: the session is IN 1, masked", name);
		is_str(hook_param(p, true, 1), p->call_ok ? "true" : "false", "%s: OUT 1", name);
		/* EXTRA holds the object for allocate and delete only */
		if (p->call_ok && (strstr(name, "-allocate.") || strstr(name, "-delete.")))
			ok(p->extra && p->extra[0] == '<', "%s: EXTRA holds the object", name);
		else
			ok(!p->extra, "%s: EXTRA is empty", name);
	}
	if (p->kind == HOOK_VM) {
		struct one_vm *vm = NULL;

		ok(one_vm_parse(p->xml, p->len, &vm) == 0 && vm->id >= 0, "%s: a VM document one_vm_parse reads",
		   name);
		one_vm_free(vm);
	}
	free(decoded);
}

static void test_fixtures(const char *set)
{
	const char *top = getenv("TOP_SRCDIR");
	char dir[1024], path[1200];
	char **names;
	size_t n, i, len;

	snprintf(dir, sizeof(dir), "%s/test/fixtures/%s/hooks", top ? top : ".", set);
	n = list(dir, ".stdin.b64", &names);
	ok(n >= 10, "%s: %zu stdin payloads", set, n);
	for (i = 0; i < n; i++) {
		struct hook_payload *p = NULL;
		char msg[256] = "";
		char *text;
		int pipefd[2], r;

		snprintf(path, sizeof(path), "%s/%s.stdin.b64", dir, names[i]);
		text = tap_slurp(path, &len);
		/* through a pipe, as oned writes it */
		if (pipe(pipefd) < 0 || (size_t)write(pipefd[1], text, len) != len) {
			printf("Bail out! pipe\n");
			exit(1);
		}
		close(pipefd[1]);
		r = hook_payload_read(0, NULL, pipefd[0], &p, msg, sizeof(msg));
		close(pipefd[0]);
		ok(r == 0, "%s: read from stdin (%s)", names[i], msg);
		if (r == 0)
			check_payload(dir, names[i], p, "stdin");
		hook_payload_free(p);
		free(text);
		free(names[i]);
	}
	free(names);

	/* the argv flavour: argv.txt holds the words, then argc=N */
	n = list(dir, ".argv.txt", &names);
	for (i = 0; i < n; i++) {
		struct hook_payload *p = NULL;
		char msg[256] = "", *text, *nl;
		int r;

		snprintf(path, sizeof(path), "%s/%s.argv.txt", dir, names[i]);
		text = tap_slurp(path, &len);
		if (strncmp(text, "argc=", 5) && !strstr(text, "\nargc=0")) {
			nl = strchr(text, '\n');
			*nl = '\0';
			char *argv[] = { text, NULL };

			r = hook_payload_read(1, argv, -1, &p, msg, sizeof(msg));
			ok(r == 0, "%s: read from argv (%s)", names[i], msg);
			if (r == 0)
				check_payload(dir, names[i], p, "argv");
			hook_payload_free(p);
		}
		free(text);
		free(names[i]);
	}
	free(names);
}

static char *b64(const char *s)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(n / 3 * 4 + 8);

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned char)s[i] << 16;

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

/* decode text; expect r and, on failure, a message containing want */
static void expect(const char *text, int want_r, const char *want_msg, const char *what)
{
	struct hook_payload *p = NULL;
	char msg[256] = "";
	int r = hook_payload_decode(text, strlen(text), &p, msg, sizeof(msg));

	ok(r == want_r && (r == 0 || (want_msg && strstr(msg, want_msg))), "%s (r=%d, msg '%s')", what,
	   r, msg);
	hook_payload_free(p);
}

static void expect_xml(const char *xml, int want_r, const char *want_msg, const char *what)
{
	char *t = b64(xml);

	expect(t, want_r, want_msg, what);
	free(t);
}

static void test_refusals(void)
{
	char *t, *big;
	struct hook_payload *p = NULL;
	char msg[256];
	int r;

	expect("", -EINVAL, "no payload", "an empty payload is refused");
	expect("   ", -EINVAL, "no payload", "a blank payload is refused");
	expect("PFZNPjwvVk0+!", -EINVAL, "bad base64", "a character outside base64 is refused");
	expect("PFZNPjwvVk0", -EINVAL, "multiple of 4", "a truncated base64 is refused");
	expect("PF=NPjwvVk0+", -EINVAL, "bad base64", "'=' inside base64 is refused");
	expect("PFZNPjwvVk0+====", -EINVAL, "bad base64", "a quantum of padding alone is refused");
	expect("PFZNPjwvVk1=", -EINVAL, "padding", "non-zero bits under the padding are refused");
	expect("PFZNPjwvVk0+\nPFZNPjwvVk0+", -EINVAL, "more than one line", "two lines are refused");
	expect_xml("<VM><ID>1</ID>", -EINVAL, "well-formed", "a truncated document is refused");
	expect_xml("not xml at all", -EINVAL, "well-formed", "text that is not XML is refused");
	expect_xml("<DATASTORE><ID>1</ID></DATASTORE>", -EINVAL, "'DATASTORE' is not VM",
		   "an unexpected root element is refused");
	expect_xml("<!DOCTYPE VM [<!ENTITY x \"y\">]><VM><ID>&x;</ID></VM>", -EINVAL, "DTD",
		   "a document with a DTD (entities) is refused");
	expect_xml("<!DOCTYPE VM SYSTEM \"http://127.0.0.1:9/x.dtd\"><VM/>", -EINVAL, "DTD",
		   "a document with an external DTD is refused");
	expect_xml("<CALL_INFO><RESULT>2</RESULT><PARAMETERS/></CALL_INFO>", -EINVAL, "RESULT",
		   "a CALL_INFO with a RESULT other than 0 or 1 is refused");
	expect_xml("<CALL_INFO><RESULT>1</RESULT></CALL_INFO>", -EINVAL, "PARAMETERS",
		   "a CALL_INFO without PARAMETERS is refused");
	expect_xml("<CALL_INFO><RESULT>1</RESULT><PARAMETERS><PARAMETER><TYPE>IN</TYPE>"
		   "</PARAMETER></PARAMETERS></CALL_INFO>", -EINVAL, "POSITION",
		   "a PARAMETER without POSITION is refused");
	expect_xml("<CALL_INFO><RESULT>1</RESULT><PARAMETERS><PARAMETER><POSITION>1</POSITION>"
		   "<TYPE>INOUT</TYPE></PARAMETER></PARAMETERS></CALL_INFO>", -EINVAL, "TYPE",
		   "a PARAMETER with an unknown TYPE is refused");

	/* a NUL byte inside the document: "<VM/>\0x" */
	expect("PFZNLz4AeA==", -EINVAL, "NUL", "a NUL byte in the document is refused");

	big = malloc(HOOK_PAYLOAD_MAX + 2);
	memset(big, 'A', HOOK_PAYLOAD_MAX + 1);
	big[HOOK_PAYLOAD_MAX + 1] = '\0';
	r = hook_payload_decode(big, HOOK_PAYLOAD_MAX + 1, &p, msg, sizeof(msg));
	ok(r == -E2BIG && strstr(msg, "larger"), "a payload past the bound is refused (%s)", msg);
	free(big);

	/* what is accepted */
	t = b64("<VM><ID>7</ID></VM>");
	{
		char line[256];

		snprintf(line, sizeof(line), "%s\n", t);
		expect(line, 0, NULL, "one trailing newline is tolerated");
		snprintf(line, sizeof(line), "%s\r\n", t);
		expect(line, 0, NULL, "one trailing CRLF is tolerated");
		snprintf(line, sizeof(line), "%s one.vm.update  x", t);
		p = NULL;
		r = hook_payload_decode(line, strlen(line), &p, msg, sizeof(msg));
		ok(r == 0 && p->nwords == 2 && !strcmp(p->words[0], "one.vm.update") &&
		   !strcmp(p->words[1], "x") && !p->words[2], "the words after the payload are kept");
		ok(r == 0 && p->kind == HOOK_VM && !strcmp(p->xml, "<VM><ID>7</ID></VM>"),
		   "the document is the base64 word's");
		hook_payload_free(p);

		/* oned split the same ARGUMENTS into argv */
		char *argv[] = { t, (char *)"one.vm.update", NULL };

		p = NULL;
		r = hook_payload_read(2, argv, -1, &p, msg, sizeof(msg));
		ok(r == 0 && p->nwords == 1 && !strcmp(p->words[0], "one.vm.update"),
		   "argv: the words after the payload are kept");
		hook_payload_free(p);
	}
	free(t);

	t = b64("<VNET><ID>0</ID></VNET>");
	p = NULL;
	r = hook_payload_decode(t, strlen(t), &p, msg, sizeof(msg));
	ok(r == 0 && p->kind == HOOK_VNET, "a VNET document is accepted");
	hook_payload_free(p);
	free(t);

	/* the IDs of IN parameters */
	t = b64("<CALL_INFO><RESULT>1</RESULT><PARAMETERS>"
		"<PARAMETER><POSITION>2</POSITION><TYPE>IN</TYPE><VALUE> 12</VALUE></PARAMETER>"
		"<PARAMETER><POSITION>3</POSITION><TYPE>IN</TYPE><VALUE>12</VALUE></PARAMETER>"
		"<PARAMETER><POSITION>4</POSITION><TYPE>IN</TYPE><VALUE>99999999999</VALUE></PARAMETER>"
		"</PARAMETERS><EXTRA/></CALL_INFO>");
	p = NULL;
	r = hook_payload_decode(t, strlen(t), &p, msg, sizeof(msg));
	{
		int id = -1;

		ok(r == 0 && hook_param_id(p, 2, &id) == -EINVAL, "an ID with a blank is not an ID");
		ok(r == 0 && hook_param_id(p, 3, &id) == 0 && id == 12, "an IN ID is read");
		ok(r == 0 && hook_param_id(p, 4, &id) == -EINVAL, "an ID past INT_MAX is not an ID");
		ok(r == 0 && hook_param_id(p, 5, &id) == -ENOENT, "a missing parameter is -ENOENT");
		ok(r == 0 && !p->extra, "<EXTRA/> is no extra");
	}
	hook_payload_free(p);
	free(t);

	/* no payload on a terminal: an error, not a wait */
	{
		int fd = open("/dev/tty", O_RDONLY | O_NOCTTY);

		if (fd >= 0) {
			p = NULL;
			r = hook_payload_read(0, NULL, fd, &p, msg, sizeof(msg));
			ok(r == -EINVAL && strstr(msg, "no payload"), "a terminal on stdin is no payload");
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		p = NULL;
		r = hook_payload_read(0, NULL, fd, &p, msg, sizeof(msg));
		ok(r == -EINVAL && strstr(msg, "no payload"), "an empty stdin is no payload (%s)", msg);
		close(fd);
	}
}

/* The API payload whose template text held '<': oned's recovering parser
 * nested the later parameters inside the mangled one, and EXTRA inside
 * PARAMETERS. They are still found; the mangled value is not trusted. */
static void test_mangled(void)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[1024];
	struct hook_payload *p = NULL;
	char msg[256];
	size_t len;
	char *text;
	int r, id = -1;

	snprintf(path, sizeof(path),
		 "%s/test/fixtures/opennebula-7.0/hooks/api-vm-allocate.stdin.success.special-chars.stdin.b64",
		 top ? top : ".");
	text = tap_slurp(path, &len);
	r = hook_payload_decode(text, len, &p, msg, sizeof(msg));
	ok(r == 0, "the mangled payload decodes (%s)", msg);
	ok(r == 0 && hook_param_id(p, 3, &id) == 0 && id == 0, "IN 3, nested in IN 2, is found");
	ok(r == 0 && hook_param(p, true, 2) && !strcmp(hook_param(p, true, 2), "1"),
	   "OUT 2 (the new VM ID), nested in IN 2, is found");
	ok(r == 0 && p->extra && !strncmp(p->extra, "<VM>", 4), "EXTRA, nested in PARAMETERS, is found");
	hook_payload_free(p);
	free(text);
}

int main(void)
{
	test_fixtures("opennebula-7.0");
	test_fixtures("opennebula-7.0-ceph");
	test_refusals();
	test_mangled();
	return tap_done();
}

/*
 * test-template.c - unit tests for src/template.c (OpenNebula template text)
 *
 * Prints TAP. Build: gcc -std=c11 -Wall -Wextra -Werror -Isrc \
 *                        test/unit/test-template.c src/template.c
 * The inputs that come from real OpenNebula text (the template sent to a real
 * oned 7.0.2 in fixtures/opennebula-7.0/other/vm1-special-chars.template.txt
 * and the VM template of the failover runbook) are embedded below, so the
 * test does not depend on where shared/ is.
 */
#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_tests;
static int n_failed;

__attribute__((format(printf, 2, 3)))
static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return cond;
}

/* Prints s as a TAP diagnostic, with unprintable bytes escaped. */
static void diag(const char *label, const char *s)
{
	printf("#   %s: ", label);
	if (!s) {
		printf("(null)\n");
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			printf("\\n");
		else if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

static bool str_is(const char *got, const char *want)
{
	if (got && want && strcmp(got, want) == 0)
		return true;
	diag("got     ", got);
	diag("expected", want);
	return false;
}

/* Parses s, which must be valid. */
static struct tmpl *parse(const char *s)
{
	struct tmpl *t = NULL;
	struct tmpl_error e = { 0 };
	int r = tmpl_parse(s, strlen(s), &t, &e);

	if (r < 0) {
		printf("#   unexpected parse error %d at %d:%d: %s\n", r, e.line,
		       e.column, e.msg);
		return NULL;
	}
	return t;
}

/* Serializes t, which must be representable. */
static char *serialize(const struct tmpl *t)
{
	char *out = NULL;
	int r = tmpl_serialize(t, &out);

	if (r < 0) {
		printf("#   unexpected serialize error %d\n", r);
		return NULL;
	}
	return out;
}

/* The value of the single attribute name in text s. */
static void test_value(const char *desc, const char *s, const char *name,
		       const char *want)
{
	struct tmpl *t = parse(s);
	const char *got = t ? tmpl_get(t, name) : NULL;

	ok(t && str_is(got, want), "%s", desc);
	tmpl_free(t);
}

/* The value of member name of the first vector vec in text s. */
static void test_member(const char *desc, const char *s, const char *vec,
			const char *name, const char *want)
{
	struct tmpl *t = parse(s);
	const char *got = t ? tmpl_attr_get(tmpl_find(t, vec), name) : NULL;

	ok(t && str_is(got, want), "%s", desc);
	tmpl_free(t);
}

/* s must fail with exactly this position and message, leaving the output
 * parameter alone. */
static void test_error(const char *desc, const char *s, size_t len, int line,
		       int column, const char *msg)
{
	struct tmpl *sentinel = (struct tmpl *)&n_tests;
	struct tmpl *t = sentinel;
	struct tmpl_error e = { .line = -1, .column = -1 };
	int r = tmpl_parse(s, len, &t, &e);
	bool good = r == -EINVAL && t == sentinel && e.line == line &&
		    e.column == column && strcmp(e.msg, msg) == 0;

	if (!good) {
		printf("#   got r=%d at %d:%d\n", r, e.line, e.column);
		printf("#   expected r=%d at %d:%d\n", -EINVAL, line, column);
		diag("got msg     ", e.msg);
		diag("expected msg", msg);
	}
	ok(good, "%s", desc);
	if (r == 0)
		tmpl_free(t);
}

static void test_err(const char *desc, const char *s, int line, int column,
		     const char *msg)
{
	test_error(desc, s, strlen(s), line, column, msg);
}

/* parse(s) serializes to exactly want, and want parses back to the same
 * tree. */
static void test_serialize(const char *desc, const char *s, const char *want)
{
	struct tmpl *t = parse(s), *t2 = NULL;
	char *out = t ? serialize(t) : NULL;
	bool good = out && str_is(out, want);

	if (good) {
		t2 = parse(out);
		good = t2 && tmpl_equal(t, t2);
		if (!good)
			printf("#   serialized text does not parse back equal\n");
	}
	ok(good, "%s", desc);
	free(out);
	tmpl_free(t);
	tmpl_free(t2);
}

/* A template with one single attribute V = value serializes to want, or fails
 * with -EINVAL when want is NULL (and leaves the output alone). */
static void test_serialize_value(const char *desc, const char *value,
				 const char *want)
{
	struct tmpl *t = tmpl_new(), *t2 = NULL;
	char *sentinel = (char *)&n_tests, *out = sentinel;
	bool good = t && tmpl_add(t, "V", value) == 0;
	int r = good ? tmpl_serialize(t, &out) : -1;

	if (!want) {
		good = good && r == -EINVAL && out == sentinel;
		if (!good)
			printf("#   expected -EINVAL, got %d\n", r);
	} else {
		good = good && r == 0 && str_is(out, want);
		if (good) {
			t2 = parse(out);
			good = t2 && tmpl_equal(t, t2);
		}
	}
	ok(good, "%s", desc);
	if (out != sentinel)
		free(out);
	tmpl_free(t);
	tmpl_free(t2);
}

/* ------------------------------------------------------------------------ */
/* Real texts                                                               */
/* ------------------------------------------------------------------------ */

/* fixtures/opennebula-7.0/other/vm1-special-chars.template.txt: the exact
 * text sent to oned 7.0.2 in one.vm.allocate */
static const char VM1_TEXT[] =
	"NAME = \"alpine-[1]-(x) y\"\n"
	"CPU = \"0.1\"\n"
	"MEMORY = \"96\"\n"
	"DISK = [ IMAGE_ID = \"0\" ]\n"
	"NIC = [ NETWORK_ID = \"0\" ]\n"
	"CONTEXT = [ NETWORK = \"YES\", SSH_PUBLIC_KEY = \"ssh-ed25519 AAAA "
	"\\\"x\\\" <y> & z\" ]\n"
	"NOTE = \"lt < gt > amp & apos ' quot \\\" backslash \\\\ end\"\n"
	"MULTILINE = \"line1\n"
	"line2\"\n";

/* the VM template of shared/seed/failover-runbook.txt ("Create VM
 * Templates"), which is in onevm show's own format */
static const char RUNBOOK_TEXT[] =
	"NAME=\"alpine-0-rep\"\n"
	"USER=\"oneadmin\"\n"
	"GROUP=\"oneadmin\"\n"
	"ARCH=\"x86_64\"\n"
	"CONTEXT=[\n"
	"  DISK_ID=\"1\",\n"
	"  ETH0_DNS=\"\",\n"
	"  ETH0_EXTERNAL=\"\",\n"
	"  ETH0_GATEWAY=\"192.168.150.1\",\n"
	"  ETH0_IP=\"192.168.150.100\",\n"
	"  ETH0_IP6=\"\",\n"
	"  ETH0_IP6_GATEWAY=\"\",\n"
	"  ETH0_IP6_METHOD=\"\",\n"
	"  ETH0_IP6_METRIC=\"\",\n"
	"  ETH0_IP6_PREFIX_LENGTH=\"\",\n"
	"  ETH0_IP6_ULA=\"\",\n"
	"  ETH0_MAC=\"02:00:c0:a8:96:64\",\n"
	"  ETH0_MASK=\"\",\n"
	"  ETH0_METHOD=\"\",\n"
	"  ETH0_METRIC=\"\",\n"
	"  ETH0_MTU=\"\",\n"
	"  ETH0_NETWORK=\"\",\n"
	"  ETH0_SEARCH_DOMAIN=\"\",\n"
	"  ETH0_VLAN_ID=\"\",\n"
	"  ETH0_VROUTER_IP=\"\",\n"
	"  ETH0_VROUTER_IP6=\"\",\n"
	"  ETH0_VROUTER_MANAGEMENT=\"\",\n"
	"  NETWORK=\"YES\",\n"
	"  SSH_PUBLIC_KEY=\"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCYz+lkZoNyspRh"
	"rtXDKFN3cIEwN3w08mz0YGKpVDIiV0+/vgG8dAUQ70Irs3m83W9BHN+vNjKPgKcF+X+sSf"
	"xniOtavahxGCRjAhhs1IVm196C5ODbSgXVUWULdtmMHelXbLBJ8X340h/UO+eQ6eRLaRfs"
	"lXUsgRqremVcvCCPz4LIuRiliGWiELAmqYcY+1zJLeg3QV2Pgn5vschM9e/A4AseKO+Hnb"
	"GB/I5tnoeZT/Gc3FGfUZLNFVB2XsVGAEEzkqO8VI2msB7MCAZBHffIK6WfLIYgGP6Ha2JT"
	"1NWJU7Ncj9Xuql0ElF01VwWMDWzqc0DOiVSsTL89ugJKU6+h one\",\n"
	"  TARGET=\"hda\" ]\n"
	"CPU=\"0.1\"\n"
	"GRAPHICS=[\n"
	"  LISTEN=\"0.0.0.0\",\n"
	"  PORT=\"5900\",\n"
	"  TYPE=\"vnc\" ]\n"
	"MEMORY=\"96\"\n"
	"NIC_DEFAULT=[\n"
	"  MODEL=\"virtio\" ]\n"
	"OS=[\n"
	"  UUID=\"417177d9-5765-44d7-9033-4f75572519a2\" ]\n"
	"TM_MAD_SYSTEM=\"ceph\"\n";

static int count_list(const struct tmpl_attr *a)
{
	int n = 0;

	for (; a; a = a->next)
		n++;
	return n;
}

static void test_real_texts(void)
{
	struct tmpl *t;
	const struct tmpl_attr *ctx;

	t = parse(VM1_TEXT);
	ok(t && str_is(tmpl_get(t, "NAME"), "alpine-[1]-(x) y"),
	   "fixture vm1: NAME with brackets, parentheses and a space");
	ok(t && str_is(tmpl_attr_get(tmpl_find(t, "CONTEXT"), "SSH_PUBLIC_KEY"),
		       "ssh-ed25519 AAAA \"x\" <y> & z"),
	   "fixture vm1: \\\" unescaped inside a vector, < > & kept");
	/* oned stored this NOTE as "... quot \" backslash \\ end": only \" is
	 * unescaped, the backslash pair stays two backslashes */
	ok(t && str_is(tmpl_get(t, "NOTE"),
		       "lt < gt > amp & apos ' quot \" backslash \\\\ end"),
	   "fixture vm1: NOTE reads as oned stored it (\\\\ kept as two backslashes)");
	ok(t && str_is(tmpl_get(t, "MULTILINE"), "line1\nline2"),
	   "fixture vm1: MULTILINE keeps its newline");
	ok(t && count_list(t->head) == 8 &&
	   str_is(tmpl_attr_get(tmpl_find(t, "DISK"), "IMAGE_ID"), "0"),
	   "fixture vm1: 8 attributes, DISK IMAGE_ID 0");
	tmpl_free(t);

	test_serialize("fixture vm1 serializes to onevm show format", VM1_TEXT,
		       "NAME=\"alpine-[1]-(x) y\"\n"
		       "CPU=\"0.1\"\n"
		       "MEMORY=\"96\"\n"
		       "DISK=[\n"
		       "  IMAGE_ID=\"0\" ]\n"
		       "NIC=[\n"
		       "  NETWORK_ID=\"0\" ]\n"
		       "CONTEXT=[\n"
		       "  NETWORK=\"YES\",\n"
		       "  SSH_PUBLIC_KEY=\"ssh-ed25519 AAAA \\\"x\\\" <y> & z\" ]\n"
		       "NOTE=\"lt < gt > amp & apos ' quot \\\" backslash \\\\ end\"\n"
		       "MULTILINE=\"line1\n"
		       "line2\"\n");

	t = parse(RUNBOOK_TEXT);
	ctx = t ? tmpl_find(t, "context") : NULL;
	ok(t && ctx && count_list(ctx->sub) == 25 &&
	   str_is(tmpl_attr_get(ctx, "ETH0_IP"), "192.168.150.100") &&
	   str_is(tmpl_attr_get(ctx, "ETH0_DNS"), "") &&
	   str_is(tmpl_attr_get(ctx, "TARGET"), "hda"),
	   "runbook template: CONTEXT has 25 members, empty ones read as \"\"");
	ok(t && count_list(t->head) == 11 &&
	   str_is(tmpl_get(t, "TM_MAD_SYSTEM"), "ceph") &&
	   str_is(tmpl_attr_get(tmpl_find(t, "OS"), "UUID"),
		  "417177d9-5765-44d7-9033-4f75572519a2"),
	   "runbook template: 11 attributes, last vector and last single read");
	tmpl_free(t);
	test_serialize("runbook template serializes back to the same text",
		       RUNBOOK_TEXT, RUNBOOK_TEXT);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

static void test_values(void)
{
	test_value("quoted value", "NAME = \"alpine\"\n", "NAME", "alpine");
	test_value("unquoted single-token value", "CPU = 0.1\n", "CPU", "0.1");
	test_value("no blanks around '=' needed", "CPU=0.5", "CPU", "0.5");
	test_value("tabs around '=' allowed", "CPU\t=\t2\n", "CPU", "2");
	test_value("unquoted value ends at a blank; another attribute may follow",
		   "A = x B = y\n", "B", "y");
	test_value("unquoted value keeps < > & ' \" and UTF-8",
		   "V = a<b>&c'd\"e\xc3\xa9\n", "V", "a<b>&c'd\"e\xc3\xa9");
	test_value("\\\" in an unquoted value becomes \" (as in oned)",
		   "V = a\\\"b\n", "V", "a\"b");
	test_value("unquoted value ending in a backslash is kept",
		   "V = C:\\dir\\\n", "V", "C:\\dir\\");
	test_value("'=' then end of line is an empty value", "A =\nB = 1\n",
		   "A", "");
	test_value("'=' then blanks then end of line is an empty value",
		   "A = \t \nB = 1\n", "A", "");
	test_value("\"\" is an empty value", "A = \"\"", "A", "");
	test_value("\\\" in a quoted value becomes \"",
		   "A = \"say \\\"hi\\\"\"\n", "A", "say \"hi\"");
	test_value("other backslashes are kept literally",
		   "A = \"C:\\dir\\n\\t\\\\x\"\n", "A", "C:\\dir\\n\\t\\\\x");
	test_value("a quote after two backslashes is escaped (first unescaped quote closes)",
		   "A = \"x\\\\\"y\"\n", "A", "x\\\"y");
	test_value("quoted value may span lines", "A = \"one\ntwo\n\nthree\"\n",
		   "A", "one\ntwo\n\nthree");
	test_value("quoted value keeps # , [ ] = and blanks",
		   "A = \" # not, a [comment] = \"\n", "A",
		   " # not, a [comment] = ");
	test_value("quoted value keeps a carriage return", "A = \"x\ry\"\n", "A",
		   "x\ry");
	test_value("quoted value keeps UTF-8 bytes",
		   "A = \"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x92\xbe\"\n", "A",
		   "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x92\xbe");
	test_value("quoted value keeps bytes that are not UTF-8",
		   "A = \"\xff\xfe\x01\"\n", "A", "\xff\xfe\x01");
	test_value("a quoted value with a blank may be followed directly by a name (oned's lexer)",
		   "A = \"x y\"z = 1\n", "Z", "1");
	test_value("']]>' is fine on a line without '='", "# ]]>\nA = 1\n", "A",
		   "1");
}

static void test_names(void)
{
	struct tmpl *t;

	t = parse("cpu = 1\nMem_Size = 2\n");
	ok(t && str_is(t->head->name, "CPU") &&
	   str_is(t->head->next->name, "MEM_SIZE"),
	   "names are stored upper-case");
	ok(t && str_is(tmpl_get(t, "Cpu"), "1") &&
	   str_is(tmpl_get(t, "mem_size"), "2") && tmpl_find(t, "CPu"),
	   "lookup is case-insensitive");
	tmpl_free(t);

	t = parse("disk = [ image_id = 3, Target = vda ]\n");
	ok(t && str_is(t->head->name, "DISK") &&
	   str_is(t->head->sub->name, "IMAGE_ID") &&
	   str_is(tmpl_attr_get(t->head, "target"), "vda"),
	   "vector member names are upper-case and found case-insensitively");
	tmpl_free(t);

	test_value("names may start with a digit or '_'", "_1 = a\n9X = b\n",
		   "9x", "b");
	test_value("blanks, newlines and comments may come between name and '='",
		   "A\n# c\n  = 1\n", "A", "1");
}

static void test_comments(void)
{
	struct tmpl *t;

	test_value("a comment line is ignored", "# A = 1\nA = 2\n", "A", "2");
	test_value("a comment may follow a value", "A = 1 # one\nB = 2\n", "A",
		   "1");
	test_value("a comment directly after an unquoted value",
		   "A = x#c\n", "A", "x");
	test_value("'#' inside quotes is not a comment",
		   "A = \"x # y\" # z\n", "A", "x # y");
	test_value("a comment on the last line needs no newline",
		   "A = 1\n# end", "A", "1");
	test_member("comments inside a vector",
		    "D = [ # first\n  A = 1, # one\n  # between\n  B = 2 # two\n]\n",
		    "D", "B", "2");

	t = parse("");
	ok(t && t->head == NULL, "empty text is an empty template");
	tmpl_free(t);
	t = parse("  \n\t\n# only a comment\n\n");
	ok(t && t->head == NULL, "blanks and comments only: empty template");
	tmpl_free(t);
	t = NULL;
	ok(tmpl_parse(NULL, 0, &t, NULL) == 0 && t && !t->head,
	   "NULL text of length 0 is an empty template");
	tmpl_free(t);

	t = NULL;
	ok(tmpl_parse("A = 1\nB = 2", 6, &t, NULL) == 0 && t &&
	   count_list(t->head) == 1 && str_is(tmpl_get(t, "A"), "1"),
	   "only len bytes are read");
	tmpl_free(t);
}

static void test_vectors(void)
{
	struct tmpl *t;
	const struct tmpl_attr *a;

	t = parse("DISK = [ IMAGE_ID = \"0\", TARGET = vda, SIZE = \"\" ]\n");
	a = t ? t->head : NULL;
	ok(a && a->value == NULL && count_list(a->sub) == 3 &&
	   str_is(a->sub->name, "IMAGE_ID") &&
	   str_is(a->sub->next->name, "TARGET") &&
	   str_is(a->sub->next->next->value, ""),
	   "vector members keep their order and values");
	ok(t && tmpl_get(t, "DISK") == NULL,
	   "tmpl_get ignores vectors");
	tmpl_free(t);

	test_member("unquoted members end at ',' and ']'", "D=[A=x,B=y]", "D",
		    "B", "y");
	test_member("members may span lines",
		    "D = [\n  A = 1\n  ,\n  B = \"2\"\n  ]\n", "D", "B", "2");
	test_member("two equal names in a vector: the first is used (as oned does)",
		    "D = [ A = 1, A = 2 ]\n", "D", "A", "1");

	t = parse("A = [ ]\nB = []\nC = [\n]\n");
	ok(t && count_list(t->head) == 3 && !t->head->value &&
	   !t->head->sub && !t->head->next->sub && !t->head->next->next->sub,
	   "empty vectors are allowed ([ ], [] and over lines)");
	tmpl_free(t);

	t = parse("DISK = [ IMAGE_ID = 0 ]\nNAME = x\nDISK = [ IMAGE_ID = 1 ]\n"
		  "DISK = [ IMAGE_ID = 2 ]\n");
	a = t ? tmpl_find(t, "disk") : NULL;
	ok(a && str_is(tmpl_attr_get(a, "IMAGE_ID"), "0") &&
	   (a = tmpl_find_next(a, "DISK")) &&
	   str_is(tmpl_attr_get(a, "IMAGE_ID"), "1") &&
	   (a = tmpl_find_next(a, "Disk")) &&
	   str_is(tmpl_attr_get(a, "IMAGE_ID"), "2") &&
	   tmpl_find_next(a, "DISK") == NULL,
	   "repeated DISK vectors are all kept, in order");
	ok(t && str_is(t->head->next->name, "NAME"),
	   "other attributes keep their place between repeated vectors");
	tmpl_free(t);

	t = parse("A = 1\nA = 2\nA = [ X = 3 ]\n");
	ok(t && str_is(tmpl_get(t, "A"), "1") && count_list(t->head) == 3,
	   "repeated single attributes: all kept, tmpl_get gives the first");
	tmpl_free(t);

	t = parse("A = [ X = 1 ]\nA = 2\n");
	ok(t && str_is(tmpl_get(t, "A"), "2") && tmpl_find(t, "A")->sub,
	   "tmpl_get skips a vector of the same name");
	tmpl_free(t);

	t = parse("A = [ X = 1 ] B = [ Y = 2 ]C = 3\n");
	ok(t && count_list(t->head) == 3 && str_is(tmpl_get(t, "C"), "3"),
	   "attributes may follow ']' on the same line");
	tmpl_free(t);
}

static void test_line_numbers(void)
{
	test_err("line numbers count the newlines inside quoted values",
		 "A = \"1\n2\n3\"\nB = [ X = 1\n", 4, 5,
		 "unterminated vector 'B' starting on line 4");
	test_err("line numbers count newlines in vectors and comments",
		 "# c\nD = [\n  A = 1, # x\n  B = 2\n]\nE\n", 7, 1,
		 "expected '=' after 'E', found end of input");
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static void test_errors(void)
{
	char big_name[100];
	char msg[160];
	const char *text = "A = 1\n";

	test_err("missing '=' after a name", "NAME \"x\"\n", 1, 6,
		 "expected '=' after 'NAME', found '\"'");
	test_err("missing '=' at the end of the input", "A = 1\nNAME", 2, 5,
		 "expected '=' after 'NAME', found end of input");
	test_err("name with a character oned does not allow", "A-B = 1\n", 1, 2,
		 "expected '=' after 'A', found '-'");
	test_err("stray character where a name is expected", "A = 1\n-B = 2\n",
		 2, 1, "expected attribute name, found '-'");
	test_err("non-ASCII byte where a name is expected", "\xc3\xa9 = 1\n", 1,
		 1, "expected attribute name, found byte 0xc3");
	test_err("',' outside a vector", "A = 1, B = 2\n", 1, 6,
		 "expected attribute name, found ','");
	test_err("']' outside a vector", "A = 1 ]\n", 1, 7,
		 "expected attribute name, found ']'");
	test_err("a quoted name is not a name", "\"A\" = 1\n", 1, 1,
		 "expected attribute name, found '\"'");
	test_err("unterminated quoted value", "A = 1\nB = 2\nNOTE = \"abc\nmore\n",
		 3, 8, "unterminated quoted value of 'NOTE' starting on line 3");
	test_err("quoted value closed only by an escaped quote is unterminated",
		 "A = \"C:\\dir\\\"\n", 1, 5,
		 "unterminated quoted value of 'A' starting on line 1");
	test_err("oned's parse-error fixture: unterminated quote then '['",
		 "NAME = \"bad\nSOURCE = [", 1, 8,
		 "unterminated quoted value of 'NAME' starting on line 1");
	test_err("a byte right after the closing quote", "A = \"x\"y\n", 1, 8,
		 "unexpected 'y' right after the closing quote of 'A'");
	test_err("'=' at the end of the input", "A = 1\nB =", 2, 4,
		 "expected value after 'B =', found end of input");
	test_err("'#' right after '=' is not a comment", "A = # none\n", 1, 5,
		 "expected value after 'A =', found '#'");
	test_err("'=' right after '='", "A = = 1\n", 1, 5,
		 "expected value after 'A =', found '='");
	test_err("unquoted value with a blank", "NAME = my vm\n", 2, 1,
		 "expected '=' after 'vm', found end of input "
		 "(quote values that contain blanks)");
	test_err("carriage return after an unquoted value", "A = 1\r\nB = 2\r\n",
		 1, 6, "carriage return outside a quoted value "
		 "(CRLF line endings are not supported)");
	test_err("carriage return after a quoted value", "A = \"1\"\r\n", 1, 8,
		 "carriage return outside a quoted value "
		 "(CRLF line endings are not supported)");
	test_err("carriage return on an otherwise empty line", "A = 1\n\r\n", 2,
		 1, "carriage return outside a quoted value "
		 "(CRLF line endings are not supported)");
	test_err("']]>' in a value (oned's cdata-terminator fixture)",
		 "NAME = \"cdata\"\nNOTE = \"x ]]> y\"\n", 2, 11,
		 "']]>' on the line of 'NOTE =' (oned refuses it)");
	test_err("']]>' in a comment after a value (oned refuses the line)",
		 "A = 1 # ]]>\n", 1, 9,
		 "']]>' on the line of 'A =' (oned refuses it)");
	test_err("']]>' on a later line of a quoted value",
		 "A = \"x\ny ]]> z\"\n", 2, 3,
		 "value of 'A' contains ']]>' (oned refuses it)");
	test_err("']]>' after a vector's '['", "D = [ A = 1, B = \"]]>\" ]\n", 1,
		 19, "']]>' on the line of 'D =' (oned refuses it)");
	test_error("NUL byte", "A = \"x\0y\"\n", 10, 1, 7,
		   "unexpected NUL byte");

	test_err("trailing comma in a vector", "D = [ A = 1,\n]\n", 2, 1,
		 "trailing ',' before ']' in vector 'D' (oned refuses it)");
	test_err("unterminated vector", "A = 1\nD = [ A = 1,\n B = 2\n", 2, 5,
		 "unterminated vector 'D' starting on line 2");
	test_err("unterminated vector right after '['", "D = [", 1, 5,
		 "unterminated vector 'D' starting on line 1");
	test_err("missing ',' between vector members", "D = [ A = 1 B = 2 ]\n",
		 1, 13, "expected ',' or ']' after the value of 'A' in "
		 "vector 'D', found 'B'");
	test_err("member without '='", "D = [ A ]\n", 1, 9,
		 "expected '=' after 'A' in vector 'D', found ']'");
	test_err("member without a name", "D = [ = 1 ]\n", 1, 7,
		 "expected attribute name in vector 'D', found '='");
	test_err("',' with no member before it", "D = [ , A = 1 ]\n", 1, 7,
		 "expected attribute name in vector 'D', found ','");
	test_err("empty unquoted value in a vector", "D = [ A =\n B = 1 ]\n", 1,
		 10, "expected value after 'A =' in vector 'D', found end of "
		 "line (write \"\" for an empty value)");
	test_err("missing value before ',' in a vector", "D = [ A = , B = 1 ]\n",
		 1, 11, "expected value after 'A =' in vector 'D', found ','");
	test_err("nested vector", "D = [ A = [ B = 1 ] ]\n", 1, 11,
		 "vector 'A' inside vector 'D' (vectors do not nest)");

	memset(big_name, 'N', sizeof(big_name) - 1);
	big_name[sizeof(big_name) - 1] = '\0';
	snprintf(msg, sizeof(msg), "expected '=' after '%.40s...', found end "
		 "of input", big_name);
	test_err("long names are shortened in messages", big_name, 1, 100, msg);

	{
		struct tmpl *t = NULL;

		ok(tmpl_parse("A = ,", 5, &t, NULL) == -EINVAL && t == NULL,
		   "errors are returned without a tmpl_error too");
	}
	{
		struct tmpl *t = NULL;
		struct tmpl_error e = { .line = 77, .column = 78, .msg = "x" };

		ok(tmpl_parse("A = 1", 5, &t, &e) == 0 && e.line == 77 &&
		   e.column == 78 && strcmp(e.msg, "x") == 0,
		   "tmpl_error is untouched on success");
		tmpl_free(t);
	}
	{
		char *huge = malloc(TMPL_MAX_TEXT + 1);
		struct tmpl *t = NULL;
		struct tmpl_error e = { 0 };
		int r1 = -1, r2 = -1;

		if (huge) {
			memset(huge, ' ', TMPL_MAX_TEXT + 1);
			memcpy(huge, text, strlen(text));
			r1 = tmpl_parse(huge, TMPL_MAX_TEXT + 1, &t, &e);
		}
		ok(huge && r1 == -E2BIG && t == NULL && e.line == 0 &&
		   strstr(e.msg, "too large"),
		   "text over 16 MiB is refused with -E2BIG");
		if (huge)
			r2 = tmpl_parse(huge, TMPL_MAX_TEXT, &t, &e);
		ok(r2 == 0 && t && str_is(tmpl_get(t, "A"), "1"),
		   "text of exactly 16 MiB is parsed");
		tmpl_free(t);
		free(huge);
	}
}

/* ------------------------------------------------------------------------ */
/* Serializer                                                               */
/* ------------------------------------------------------------------------ */

static void test_serializer(void)
{
	struct tmpl *t;
	char *out;

	test_serialize("single attributes: NAME=\"value\" one per line",
		       "name = vm1\ncpu = 0.5\n", "NAME=\"vm1\"\nCPU=\"0.5\"\n");
	test_serialize("vector in onevm show layout",
		       "CONTEXT = [ NETWORK = YES, TARGET = hda ]",
		       "CONTEXT=[\n  NETWORK=\"YES\",\n  TARGET=\"hda\" ]\n");
	test_serialize("vector with one member",
		       "OS = [ ARCH = x86_64 ]", "OS=[\n  ARCH=\"x86_64\" ]\n");
	test_serialize("empty vector", "A = [ ]\nB = 1\n", "A=[ ]\nB=\"1\"\n");
	test_serialize("empty values are written as \"\"", "A =\nD = [ X = \"\" ]\n",
		       "A=\"\"\nD=[\n  X=\"\" ]\n");
	test_serialize("order and repeated names are kept",
		       "DISK=[A=1]\nNAME=x\nDISK=[A=2]\nNAME=y\n",
		       "DISK=[\n  A=\"1\" ]\nNAME=\"x\"\nDISK=[\n  A=\"2\" ]\n"
		       "NAME=\"y\"\n");
	test_serialize("comments are dropped", "# c\nA = 1 # d\n", "A=\"1\"\n");

	t = tmpl_new();
	out = NULL;
	ok(t && tmpl_serialize(t, &out) == 0 && out && out[0] == '\0',
	   "empty template serializes to an empty string");
	free(out);
	tmpl_free(t);

	test_serialize_value("'\"' is escaped as \\\"", "say \"hi\"",
			     "V=\"say \\\"hi\\\"\"\n");
	test_serialize_value("backslashes not at the end are written as they are",
			     "a\\b\\\\c", "V=\"a\\b\\\\c\"\n");
	test_serialize_value("backslash before a quote round-trips", "x\\\"y",
			     "V=\"x\\\\\"y\"\n");
	test_serialize_value("a value that is only a quote", "\"",
			     "V=\"\\\"\"\n");
	test_serialize_value("newlines are written raw", "a\nb\n",
			     "V=\"a\nb\n\"\n");
	test_serialize_value("# [ ] , = < > & ' and blanks are quoted as they are",
			     " #[a], b=c <>&' ", "V=\" #[a], b=c <>&' \"\n");
	test_serialize_value("UTF-8 is written as it is", "caf\xc3\xa9",
			     "V=\"caf\xc3\xa9\"\n");
	test_serialize_value("trailing backslash: written unquoted when possible",
			     "C:\\dir\\", "V=C:\\dir\\\n");
	test_serialize_value("trailing backslash: a lone backslash", "\\",
			     "V=\\\n");
	test_serialize_value("trailing backslash with a blank: -EINVAL",
			     "C:\\my dir\\", NULL);
	test_serialize_value("trailing backslash with a newline: -EINVAL",
			     "a\nb\\", NULL);
	test_serialize_value("trailing backslash with a comma: -EINVAL", "a,b\\",
			     NULL);
	test_serialize_value("trailing backslash with a leading quote: -EINVAL",
			     "\"a\\", NULL);
	test_serialize_value("trailing backslash with \\\" inside: -EINVAL",
			     "a\\\"b\\", NULL);
	test_serialize_value("trailing backslash with a carriage return: -EINVAL",
			     "a\rb\\", NULL);
	test_serialize_value("']]>' in a value: -EINVAL", "x ]]> y", NULL);

	t = tmpl_new();
	{
		struct tmpl_attr *vec = NULL;
		char *sentinel = (char *)&n_tests;

		out = sentinel;
		ok(t && tmpl_add_vector(t, "D", &vec) == 0 &&
		   tmpl_attr_set(vec, "A", "ok") == 0 &&
		   tmpl_attr_set(vec, "B", "bad\\ value\\") == 0 &&
		   tmpl_serialize(t, &out) == -EINVAL && out == sentinel,
		   "an unrepresentable vector member: -EINVAL");
	}
	tmpl_free(t);

	t = tmpl_new();
	out = NULL;
	if (t && tmpl_add(t, "A", "1") == 0)
		t->head->name[0] = 'a';
	ok(t && tmpl_serialize(t, &out) == -EINVAL && out == NULL,
	   "a lower-case name (set by hand) is not written");
	tmpl_free(t);

	t = tmpl_new();
	out = NULL;
	{
		struct tmpl_attr *v1 = NULL, *v2 = NULL;

		if (t && tmpl_add_vector(t, "D", &v1) == 0 &&
		    tmpl_add_vector(t, "E", &v2) == 0) {
			/* hand-built: vector E moved inside vector D */
			v1->sub = v2;
			v1->next = NULL;
			t->tail = v1;
		}
		ok(v1 && v2 && tmpl_serialize(t, &out) == -EINVAL && out == NULL,
		   "a vector inside a vector (built by hand) is not written");
	}
	tmpl_free(t);

	/* values the setters accept and the serializer can write all come back */
	{
		static const char *const values[] = {
			"", " ", "\"", "\"\"", "\\\"", "a\\", "\\\\\\\"x", "#",
			"x # y", "[", "]", ",", "=", "a=b,c=[d]", "\n", "\r\n",
			"\t", "]]", "]>", "'", "<![CDATA[x]]", "\xe2\x82\xac",
			"end\\\\\"", "\"start", "mid\"dle", "}{$;|&",
		};
		struct tmpl_attr *vec = NULL;
		struct tmpl *t2 = NULL;
		char name[16];
		bool good;

		t = tmpl_new();
		good = t && tmpl_add_vector(t, "VEC", &vec) == 0;
		for (size_t i = 0; good && i < sizeof(values) / sizeof(*values);
		     i++) {
			snprintf(name, sizeof(name), "V%zu", i);
			good = tmpl_add(t, name, values[i]) == 0 &&
			       tmpl_attr_set(vec, name, values[i]) == 0;
		}
		out = good ? serialize(t) : NULL;
		t2 = out ? parse(out) : NULL;
		ok(t2 && tmpl_equal(t, t2),
		   "tricky values round-trip through serialize and parse");
		free(out);
		tmpl_free(t);
		tmpl_free(t2);
	}
}

/* ------------------------------------------------------------------------ */
/* Editing                                                                  */
/* ------------------------------------------------------------------------ */

static char *text_of(const struct tmpl *t)
{
	char *out = NULL;

	if (!t || tmpl_serialize(t, &out) < 0)
		return NULL;
	return out;
}

static void test_edit(void)
{
	struct tmpl *t, *t2;
	struct tmpl_attr *vec = NULL;
	char *out;

	t = parse("A = 1\nD = [ X = 1 ]\nB = 2\nA = 3\n");
	out = NULL;
	ok(t && tmpl_set(t, "a", "new") == 0 &&
	   str_is(out = text_of(t),
		  "A=\"new\"\nD=[\n  X=\"1\" ]\nB=\"2\"\nA=\"3\"\n"),
	   "tmpl_set replaces the first single attribute in place");
	free(out);
	out = NULL;
	ok(t && tmpl_set(t, "D", "s") == 0 &&
	   str_is(out = text_of(t),
		  "A=\"new\"\nD=[\n  X=\"1\" ]\nB=\"2\"\nA=\"3\"\nD=\"s\"\n"),
	   "tmpl_set appends when only a vector has the name");
	free(out);
	ok(t && tmpl_set(t, "c_2", "x y") == 0 &&
	   str_is(tmpl_get(t, "C_2"), "x y") && str_is(t->tail->name, "C_2"),
	   "tmpl_set appends a new name, upper-cased");
	ok(t && tmpl_set(t, "BAD NAME", "x") == -EINVAL &&
	   tmpl_set(t, "", "x") == -EINVAL &&
	   tmpl_set(t, "A-B", "x") == -EINVAL &&
	   tmpl_set(t, "\xc3\xa9", "x") == -EINVAL &&
	   tmpl_set(t, "A", NULL) == -EINVAL &&
	   tmpl_add(t, NULL, "x") == -EINVAL &&
	   tmpl_add_vector(t, "A.B", NULL) == -EINVAL &&
	   str_is(tmpl_get(t, "A"), "new"),
	   "setters refuse invalid names and NULL values, changing nothing");
	tmpl_free(t);

	t = tmpl_new();
	ok(t && tmpl_add(t, "NIC", "x") == 0 && tmpl_add(t, "nic", "y") == 0 &&
	   count_list(t->head) == 2 && str_is(tmpl_get(t, "NIC"), "x"),
	   "tmpl_add appends even when the name exists");
	tmpl_free(t);

	t = tmpl_new();
	out = NULL;
	ok(t && tmpl_add_vector(t, "disk", &vec) == 0 && vec &&
	   str_is(vec->name, "DISK") && !vec->value && !vec->sub &&
	   tmpl_attr_set(vec, "image_id", "1") == 0 &&
	   tmpl_attr_set(vec, "TARGET", "vda") == 0 &&
	   tmpl_attr_set(vec, "Image_Id", "2") == 0 &&
	   str_is(out = text_of(t),
		  "DISK=[\n  IMAGE_ID=\"2\",\n  TARGET=\"vda\" ]\n"),
	   "tmpl_attr_set appends members and replaces them in place");
	free(out);
	ok(t && tmpl_attr_set(vec, "A B", "1") == -EINVAL &&
	   tmpl_attr_set(vec, "A", NULL) == -EINVAL &&
	   tmpl_add(t, "S", "1") == 0 &&
	   tmpl_attr_set(t->tail, "A", "1") == -EINVAL && !t->tail->sub &&
	   tmpl_attr_get(t->tail, "A") == NULL,
	   "tmpl_attr_set refuses bad names and single attributes");
	tmpl_free(t);

	t = parse("A = 1\nD = [ X = 1 ]\nB = 2\nD = [ Y = 2 ]\na = 3\n");
	ok(t && tmpl_remove(t, "a") == 2 && tmpl_remove(t, "d") == 2 &&
	   tmpl_remove(t, "nope") == 0 && count_list(t->head) == 1 &&
	   str_is(tmpl_get(t, "B"), "2"),
	   "tmpl_remove removes every single and vector of that name");
	out = NULL;
	ok(t && tmpl_remove(t, "B") == 1 && t->head == NULL &&
	   tmpl_add(t, "N", "1") == 0 && tmpl_add(t, "M", "2") == 0 &&
	   str_is(out = text_of(t), "N=\"1\"\nM=\"2\"\n"),
	   "appending after removing everything works");
	free(out);
	out = NULL;
	ok(t && tmpl_remove(t, "M") == 1 && tmpl_add(t, "L", "3") == 0 &&
	   str_is(out = text_of(t), "N=\"1\"\nL=\"3\"\n"),
	   "appending after removing the last attribute works");
	free(out);
	tmpl_free(t);

	t = parse("D = [ A = 1, B = 2, a = 3, C = 4 ]\n");
	vec = t ? t->head : NULL;
	out = NULL;
	ok(vec && tmpl_attr_remove(vec, "A") == 2 &&
	   tmpl_attr_remove(vec, "Z") == 0 &&
	   tmpl_attr_set(vec, "E", "5") == 0 &&
	   str_is(out = text_of(t), "D=[\n  B=\"2\",\n  C=\"4\",\n  E=\"5\" ]\n"),
	   "tmpl_attr_remove removes every member of that name");
	free(out);
	out = NULL;
	ok(vec && tmpl_attr_remove(vec, "B") == 1 &&
	   tmpl_attr_remove(vec, "C") == 1 && tmpl_attr_remove(vec, "E") == 1 &&
	   vec->sub == NULL && str_is(out = text_of(t), "D=[ ]\n"),
	   "removing all members leaves an empty vector");
	free(out);
	tmpl_free(t);

	t = parse("A = 1\nD = [ X = 1 ]\n");
	t2 = parse("a=1 d=[x=1]");
	ok(t && t2 && tmpl_equal(t, t2), "tmpl_equal: same content is equal");
	ok(t2 && tmpl_set(t2, "A", "2") == 0 && !tmpl_equal(t, t2),
	   "tmpl_equal: a different value is not equal");
	tmpl_free(t2);
	t2 = parse("D = [ X = 1 ]\nA = 1\n");
	ok(t2 && !tmpl_equal(t, t2), "tmpl_equal: a different order is not equal");
	tmpl_free(t2);
	t2 = parse("A = 1\nD = [ X = 1, Y = 2 ]\n");
	ok(t2 && !tmpl_equal(t, t2),
	   "tmpl_equal: an extra vector member is not equal");
	tmpl_free(t2);
	t2 = parse("A = [ ]\nD = [ X = 1 ]\n");
	ok(t2 && !tmpl_equal(t, t2),
	   "tmpl_equal: a vector is not equal to a single attribute");
	tmpl_free(t2);
	tmpl_free(t);

	tmpl_free(NULL);
	ok(tmpl_find_next(NULL, "A") == NULL && tmpl_attr_get(NULL, "A") == NULL,
	   "tmpl_free, tmpl_find_next and tmpl_attr_get accept NULL");
}

/* Scheduler requirements that name one site's hosts, clusters or
 * datastores by ID or name (they mean other objects on the other site). */
static void test_requirements(void)
{
	static const struct {
		const char *expr, *var;
	} cases[] = {
		{ "ID=\"3\"", "ID" },
		{ "ID = 3 | ID = 4", "ID" },
		{ "HOSTNAME = \"host-a1\"", "HOSTNAME" },
		{ "(HYPERVISOR = kvm) & (CLUSTER_ID != 100)", "CLUSTER_ID" },
		{ "\"CLUSTERS/ID\" @> 0", "CLUSTERS/ID" },
		{ "NAME=\"host-*\"", "NAME" },
		{ "!(HOST_ID = 2)", "HOST_ID" },
		{ "HYPERVISOR = kvm", NULL },
		{ "FREE_CPU > 50 & PIN_POLICY != PINNED", NULL },
		{ "RACK_ID = 3", NULL },
		{ "TOTAL_MB > 1000", NULL },
	};
	char var[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool named = tmpl_expr_names_object(cases[i].expr, var, sizeof(var));

		if (cases[i].var)
			ok(named && !strcmp(var, cases[i].var), "requirement '%s' names an object by %s",
			   cases[i].expr, cases[i].var);
		else
			ok(!named, "requirement '%s' names no object", cases[i].expr);
	}
}

int main(void)
{
	test_real_texts();
	test_values();
	test_names();
	test_comments();
	test_vectors();
	test_line_numbers();
	test_errors();
	test_serializer();
	test_edit();
	test_requirements();

	printf("1..%d\n", n_tests);
	if (n_failed)
		printf("# %d of %d tests failed\n", n_failed, n_tests);
	return n_failed ? 1 : 0;
}

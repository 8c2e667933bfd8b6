/* test-fence.c: which addresses a host fence takes, and which it never
 * takes: address and range parsing, overlap, a host's addresses from its
 * template or its name, the front-end's and rbd-mirror's addresses as
 * guards, and Ceph's blocklist and service map as the lab's Ceph 16.2.15
 * printed them (test/fixtures/ceph-16.2). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "fence.h"
#include "tap.h"

static char *read_fixture(const char *name, size_t *ret_len)
{
	char path[1024];
	const char *top = getenv("TOP_SRCDIR");
	FILE *f;
	char *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/test/fixtures/ceph-16.2/%s", top ? top : "..", name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*ret_len = n;
	return buf;
}

static const char *fmt(const struct fence_addr *a)
{
	static char buf[8][64];
	static int i;

	i = (i + 1) % 8;
	fence_addr_format(a, buf[i], sizeof(buf[i]));
	return buf[i];
}

static struct fence_addr addr(const char *s)
{
	struct fence_addr a;

	memset(&a, 0, sizeof(a));
	if (fence_addr_parse(s, &a) < 0)
		printf("# cannot parse %s\n", s);
	return a;
}

static void test_parse(void)
{
	struct fence_addr a;

	ok(fence_addr_parse("10.0.0.5", &a) == 0 && fence_addr_single(&a), "an IPv4 address");
	is_str(fmt(&a), "10.0.0.5", "formatted as given");
	ok(fence_addr_parse("10.0.0.0/24", &a) == 0 && !fence_addr_single(&a) && a.prefix == 24,
	   "a CIDR range");
	is_str(fmt(&a), "10.0.0.0/24", "a range keeps its prefix");
	ok(fence_addr_parse("10.0.0.5/24", &a) == -EINVAL,
	   "a range with host bits set is refused (an address or the range?)");
	ok(fence_addr_parse("10.0.0.5/32", &a) == 0 && fence_addr_single(&a), "/32 is one address");
	ok(fence_addr_parse("2001:db8::7", &a) == 0 && fence_addr_single(&a), "an IPv6 address");
	ok(fence_addr_parse("[2001:db8::7]", &a) == 0, "an IPv6 address in brackets");
	is_str(fmt(&a), "2001:db8::7", "IPv6 formatted without brackets");
	ok(fence_addr_parse("2001:db8::/64", &a) == 0 && a.prefix == 64, "an IPv6 range");
	ok(fence_addr_parse("host-1", &a) == -EINVAL, "a name is not an address");
	ok(fence_addr_parse("10.0.0.5/33", &a) == -EINVAL, "prefix past 32");
	ok(fence_addr_parse("10.0.0.5/", &a) == -EINVAL, "empty prefix");
	ok(fence_addr_parse("10.0.0.5/2x", &a) == -EINVAL, "prefix not a number");
	ok(fence_addr_parse("", &a) == -EINVAL, "empty");
	ok(fence_addr_parse("10.0.0.256", &a) == -EINVAL, "octet past 255");
}

static void test_entity(void)
{
	struct fence_addr a;

	ok(fence_entity_addr_parse("127.0.0.1:0/3805337034", &a) == 0, "a client's entity address");
	is_str(fmt(&a), "127.0.0.1", "its IP");
	ok(fence_entity_addr_parse("v2:10.0.0.5:6800/12", &a) == 0, "a v2 address");
	is_str(fmt(&a), "10.0.0.5", "its IP");
	ok(fence_entity_addr_parse("[::1]:0/0", &a) == 0, "an IPv6 entity address");
	is_str(fmt(&a), "::1", "its IP");
	ok(fence_entity_addr_parse("cidr:10.1.0.0:0/16", &a) == 0 && a.prefix == 16,
	   "a blocklisted range");
	is_str(fmt(&a), "10.1.0.0/16", "as a range");
	ok(fence_entity_addr_parse("(unrecognized address family 0)/0", &a) == -EINVAL,
	   "the service map's blank address is not an address");
	ok(fence_entity_addr_parse("127.0.0.1", &a) == -EINVAL, "no port and nonce");
	ok(fence_entity_addr_parse("127.0.0.1:0/", &a) == -EINVAL, "no nonce");
}

static void test_overlap(void)
{
	struct fence_addr a = addr("127.0.0.1"), b = addr("127.0.0.2"), lo = addr("127.0.0.0/8"),
			  n24 = addr("10.0.0.0/24"), n16 = addr("10.0.0.0/16"), h = addr("10.0.0.77"),
			  o = addr("10.0.1.77"), v6 = addr("::1");

	ok(!fence_addr_overlap(&a, &b), "127.0.0.2 is not 127.0.0.1 (the lab's host vs the front-end)");
	ok(fence_addr_overlap(&a, &a), "an address overlaps itself");
	ok(fence_addr_overlap(&lo, &a) && fence_addr_overlap(&a, &lo), "127/8 covers 127.0.0.1, both ways");
	ok(fence_addr_overlap(&n24, &h) && !fence_addr_overlap(&n24, &o), "a /24 covers its hosts only");
	ok(fence_addr_overlap(&n16, &n24), "a /16 overlaps a /24 inside it");
	ok(!fence_addr_overlap(&v6, &a), "IPv6 never overlaps IPv4");
	ok(fence_addr_loopback(&b) && fence_addr_loopback(&v6) && !fence_addr_loopback(&h), "loopback");
}

static void test_host_addrs(void)
{
	struct fence_addrs s;
	char msg[256] = "";
	int r;

	r = fence_host_addrs("ceph-host-err", "127.0.0.2", &s, msg, sizeof(msg));
	ok(r == 0 && s.n == 1 && !strcmp(fmt(&s.v[0]), "127.0.0.2"),
	   "ONEDR_FENCE_ADDRESS wins over the name (no lookup of ceph-host-err)");
	r = fence_host_addrs("x", " 10.0.0.5, 10.0.1.0/24 2001:db8::7 ,10.0.0.5", &s, msg, sizeof(msg));
	ok(r == 0 && s.n == 3, "blanks and commas separate, duplicates drop (%zu)", s.n);
	r = fence_host_addrs("x", "10.0.0.5 host-2", &s, msg, sizeof(msg));
	ok(r == -EINVAL && strstr(msg, "'host-2'") && strstr(msg, FENCE_ADDRESS_ATTR),
	   "a name in the attribute is an error naming it: %s", msg);
	r = fence_host_addrs("10.20.30.40", NULL, &s, msg, sizeof(msg));
	ok(r == 0 && s.n == 1 && !strcmp(fmt(&s.v[0]), "10.20.30.40"),
	   "a host named by its IP is that IP");
	r = fence_host_addrs("10.20.30.40", "  ", &s, msg, sizeof(msg));
	ok(r == 0 && s.n == 1, "an empty attribute is no attribute");
	r = fence_host_addrs("localhost", NULL, &s, msg, sizeof(msg));
	ok(r == -EADDRNOTAVAIL && strstr(msg, "loopback"),
	   "a name that resolves to loopback is refused, not fenced: %s", msg);
	r = fence_host_addrs("127.0.1.1", NULL, &s, msg, sizeof(msg));
	ok(r == -EADDRNOTAVAIL, "Debian's 127.0.1.1 for the machine's own name is refused");
	r = fence_host_addrs("no-such-host.invalid", NULL, &s, msg, sizeof(msg));
	ok((r == -EHOSTUNREACH || r == -EAGAIN) && strstr(msg, "cannot resolve host 'no-such-host.invalid'"),
	   "a name that does not resolve is an error, not a guess: %s", msg);
	r = fence_host_addrs("", NULL, &s, msg, sizeof(msg));
	ok(r == -EINVAL, "no name and no attribute");
}

static void test_guards(void)
{
	struct fence_guards g = { 0 };
	struct fence_addr lo1 = addr("127.0.0.1"), lo2 = addr("127.0.0.2"), all = addr("127.0.0.0/8");
	const struct fence_guard *hit;

	ok(fence_guards_local(&g) == 0 && g.n > 0, "the front-end's interface addresses (%zu)", g.n);
	hit = fence_guarded(&g, &lo1);
	ok(hit && strstr(hit->who, "this front-end"), "127.0.0.1 is the front-end's: %s",
	   hit ? hit->who : "-");
	ok(!fence_guarded(&g, &lo2), "127.0.0.2 is not on an interface: the lab's host may be fenced");
	ok(fence_guarded(&g, &all) != NULL, "a range covering 127.0.0.1 is refused");
}

static void test_service_dump(void)
{
	struct fence_guards g = { 0 };
	struct fence_addr mirror = addr("127.0.0.1"), other = addr("127.0.0.3");
	const struct fence_guard *hit;
	size_t len = 0;
	char *json = read_fixture("service-dump.json", &len);
	const char *none = "{\"epoch\":2,\"services\":{\"mgr\":{\"daemons\":{\"summary\":\"\","
			   "\"x\":{\"addr\":\"(unrecognized address family 0)/0\"}}}}}";
	const char *blank = "{\"services\":{\"rbd-mirror\":{\"daemons\":{\"summary\":\"\","
			    "\"4129\":{\"addr\":\"(unrecognized address family 0)/0\"}}}}}";
	const char *two = "{ \"services\" : { \"rbd-mirror\" : { \"daemons\" : { \"summary\" : \"a\\\"b\","
			  "\"7\" : { \"gid\" : 7, \"addr\" : \"10.0.0.7:0/1\", \"metadata\" : { \"id\" : \"m1\" } },"
			  "\"8\" : { \"addr\" : \"[2001:db8::8]:0/2\", \"metadata\" : { \"x\" : [1, {\"y\": null}] } } } } } }";

	ok(json != NULL, "the lab's service dump fixture");
	ok(json && fence_parse_service_dump(json, len, &g) == 0 && g.n == 1,
	   "one rbd-mirror daemon in the lab's service map (%zu)", g.n);
	hit = fence_guarded(&g, &mirror);
	is_str(hit ? hit->who : NULL, "this site's rbd-mirror 'site-a' (daemon 4129)",
	       "its address is guarded, named");
	ok(!fence_guarded(&g, &other), "another address is not");
	g.n = 0;
	ok(fence_parse_service_dump(none, strlen(none), &g) == 0 && g.n == 0,
	   "no rbd-mirror service: nothing to guard");
	ok(fence_parse_service_dump(blank, strlen(blank), &g) == -EBADMSG,
	   "an rbd-mirror whose address cannot be read is an error (it could be the host's)");
	g.n = 0;
	ok(fence_parse_service_dump(two, strlen(two), &g) == 0 && g.n == 2,
	   "two daemons, blanks, nested values and escapes");
	ok(g.n == 2 && !strcmp(g.v[0].who, "this site's rbd-mirror 'm1' (daemon 7)") &&
	   !strcmp(g.v[1].who, "this site's rbd-mirror (daemon 8)"), "named by id, else by its key in the map");
	ok(fence_parse_service_dump("{\"services\":{\"rbd-mirror\":{\"daemons\":{\"7\":{\"addr\":", 44, &g) ==
	   -EBADMSG, "truncated JSON");
	ok(fence_parse_service_dump("[]", 2, &g) == -EBADMSG, "not an object");
	free(json);
}

static void test_blocklist(void)
{
	struct fence_entry *e = NULL;
	size_t n = 0, len = 0;
	char *text = read_fixture("blocklist-ls.txt", &len);

	ok(text && fence_parse_blocklist(text, len, &e, &n) == 0 && n == 3,
	   "the lab's blocklist: three entries (%zu)", n);
	if (n == 3) {
		ok(e[0].whole && !strcmp(fmt(&e[0].addr), "127.0.0.9") &&
		   !strcmp(e[0].entity, "127.0.0.9:0/0") &&
		   !strcmp(e[0].until, "2026-11-29T21:55:50.192859+0000"),
		   "IP:0/0 fences every client of the IP");
		ok(!e[1].whole && !strcmp(fmt(&e[1].addr), "127.0.0.1"),
		   "IP:PORT/NONCE is one client (a lock break), not a fence");
		ok(e[2].whole && !strcmp(fmt(&e[2].addr), "10.1.0.0/16"), "a range");
	}
	free(e);
	free(text);
	ok(fence_parse_blocklist("", 0, &e, &n) == 0 && n == 0, "an empty blocklist");
	free(e);
	ok(fence_parse_blocklist("garbage\n\n10.0.0.1:0/0 x", 24, &e, &n) == 0 && n == 1,
	   "lines it cannot read are skipped");
	free(e);
}

int main(void)
{
	test_parse();
	test_entity();
	test_overlap();
	test_host_addrs();
	test_guards();
	test_service_dump();
	test_blocklist();
	return tap_done();
}

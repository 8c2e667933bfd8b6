/*
 * fence.c: the OSD blocklist as a host fence; see fence.h.
 *
 * Measured in the lab (Ceph 16.2.15): a librbd writer whose client
 * connects from 127.0.0.2 had its next write fail with -108 (EBLOCKLISTED)
 * right after `osd blocklist add 127.0.0.2`, and its watch on the image was
 * gone when first looked at (the OSD drops the watches of blocklisted
 * clients when it gets the new osdmap; without a blocklist, a dead client's
 * watch lasts osd_client_watch_timeout, 30 s). `osd blocklist range add`
 * exists in 16.2.15. A lock break by librbd blocklists the old owner as a
 * single client ("127.0.0.1:0/1687455755"), for an hour.
 */
#include "config.h"

#include "fence.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rbd/librbd.h>

#include "ceph.h"

/* ---- addresses ---- */

static unsigned addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static int parse_ip(const char *s, size_t len, struct fence_addr *ret)
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, buf, ret->ip) == 1)
		ret->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ret->ip) == 1)
		ret->family = AF_INET6;
	else
		return -EINVAL;
	ret->prefix = addr_bits(ret->family);
	return 0;
}

static int parse_prefix(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Whether the bits of a past its prefix are all zero. */
static bool host_bits_zero(const struct fence_addr *a)
{
	for (unsigned bit = a->prefix; bit < addr_bits(a->family); bit++)
		if (a->ip[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static void clear_host_bits(struct fence_addr *a)
{
	for (unsigned bit = a->prefix; bit < addr_bits(a->family); bit++)
		a->ip[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
}

int fence_addr_parse(const char *s, struct fence_addr *ret)
{
	const char *slash = strchr(s, '/');
	struct fence_addr a;
	int r;

	r = parse_ip(s, slash ? (size_t)(slash - s) : strlen(s), &a);
	if (r < 0)
		return r;
	if (slash) {
		r = parse_prefix(slash + 1, addr_bits(a.family), &a.prefix);
		if (r < 0)
			return r;
		if (!host_bits_zero(&a))
			return -EINVAL;	/* 10.0.0.5/24: an address or the range? */
	}
	*ret = a;
	return 0;
}

int fence_entity_addr_parse(const char *s, struct fence_addr *ret)
{
	const char *ip, *ip_end, *rest;
	struct fence_addr a;
	bool cidr = false;
	unsigned port, nonce_or_prefix;
	char *end;
	int r;

	if (!strncmp(s, "cidr:", 5)) {
		cidr = true;
		s += 5;
	} else if (!strncmp(s, "v1:", 3) || !strncmp(s, "v2:", 3)) {
		s += 3;
	} else if (!strncmp(s, "any:", 4)) {
		s += 4;
	}
	ip = s;
	if (*s == '[') {
		ip_end = strchr(s, ']');
		if (!ip_end)
			return -EINVAL;
		ip_end++;
	} else {
		ip_end = strchr(s, ':');
		if (!ip_end)
			return -EINVAL;
	}
	r = parse_ip(ip, (size_t)(ip_end - ip), &a);
	if (r < 0)
		return r;
	rest = ip_end;
	if (*rest != ':' || rest[1] < '0' || rest[1] > '9')
		return -EINVAL;
	errno = 0;
	port = (unsigned)strtoul(rest + 1, &end, 10);
	if (errno || port > 65535 || *end != '/' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	nonce_or_prefix = (unsigned)strtoul(end + 1, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (cidr) {
		if (nonce_or_prefix > addr_bits(a.family))
			return -EINVAL;
		a.prefix = nonce_or_prefix;
		clear_host_bits(&a);
	}
	*ret = a;
	return 0;
}

void fence_addr_format(const struct fence_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->ip, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (fence_addr_single(a))
		snprintf(buf, len, "%s", ip);
	else
		snprintf(buf, len, "%s/%u", ip, a->prefix);
}

bool fence_addr_single(const struct fence_addr *a)
{
	return a->prefix == addr_bits(a->family);
}

bool fence_addr_loopback(const struct fence_addr *a)
{
	static const unsigned char v6_loopback[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->ip[0] == 127;
	return !memcmp(a->ip, v6_loopback, sizeof(v6_loopback)) && a->prefix == 128;
}

bool fence_addr_overlap(const struct fence_addr *a, const struct fence_addr *b)
{
	unsigned bits = a->prefix < b->prefix ? a->prefix : b->prefix;

	if (a->family != b->family)
		return false;
	if (memcmp(a->ip, b->ip, bits / 8))
		return false;
	if (bits % 8) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));

		return (a->ip[bits / 8] & mask) == (b->ip[bits / 8] & mask);
	}
	return true;
}

int fence_addrs_add(struct fence_addrs *s, const struct fence_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].family == a->family && s->v[i].prefix == a->prefix &&
		    !memcmp(s->v[i].ip, a->ip, sizeof(a->ip)))
			return 0;
	if (s->n == FENCE_MAX_ADDRS)
		return -E2BIG;
	s->v[s->n++] = *a;
	return 0;
}

bool fence_addrs_overlap(const struct fence_addrs *s, const struct fence_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (fence_addr_overlap(&s->v[i], a))
			return true;
	return false;
}

int fence_addrs_parse(const char *text, struct fence_addrs *ret, char *bad, size_t badlen)
{
	static const char seps[] = " \t\r\n,";
	struct fence_addrs s = { 0 };
	const char *p = text;
	struct fence_addr a;
	char word[128];
	int r;

	for (;;) {
		size_t n;

		p += strspn(p, seps);
		if (!*p)
			break;
		n = strcspn(p, seps);
		snprintf(bad, badlen, "%.*s", (int)n, p);
		if (n >= sizeof(word))
			return -EINVAL;
		memcpy(word, p, n);
		word[n] = '\0';
		r = fence_addr_parse(word, &a);
		if (r == 0)
			r = fence_addrs_add(&s, &a);
		if (r < 0)
			return r;
		p += n;
	}
	if (s.n == 0)
		return -ENODATA;
	*ret = s;
	return 0;
}

static int resolve(const char *name, struct fence_addrs *ret, char *msg, size_t msglen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct fence_addrs s = { 0 };
	int e, r = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(name, NULL, &hints, &res);
	if (e) {
		snprintf(msg, msglen, "cannot resolve host '%s': %s", name, gai_strerror(e));
		switch (e) {
		case EAI_AGAIN: return -EAGAIN;
		case EAI_MEMORY: return -ENOMEM;
		case EAI_SYSTEM: return errno ? -errno : -EIO;
		default: return -EHOSTUNREACH;
		}
	}
	for (ai = res; ai && r == 0; ai = ai->ai_next) {
		struct fence_addr a = { 0 };

		if (ai->ai_family == AF_INET) {
			a.family = AF_INET;
			memcpy(a.ip, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			a.family = AF_INET6;
			memcpy(a.ip, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		a.prefix = addr_bits(a.family);
		if (fence_addr_loopback(&a)) {
			char ip[64];

			fence_addr_format(&a, ip, sizeof(ip));
			snprintf(msg, msglen, "host '%s' resolves to the loopback address %s here, "
				 "not an address of that host: set %s in its template", name, ip,
				 FENCE_ADDRESS_ATTR);
			r = -EADDRNOTAVAIL;
			break;
		}
		r = fence_addrs_add(&s, &a);
		if (r < 0)
			snprintf(msg, msglen, "host '%s' has more than %d addresses", name,
				 FENCE_MAX_ADDRS);
	}
	freeaddrinfo(res);
	if (r == 0 && s.n == 0) {
		snprintf(msg, msglen, "cannot resolve host '%s': no IP address", name);
		r = -EHOSTUNREACH;
	}
	if (r == 0)
		*ret = s;
	return r;
}

int fence_host_addrs(const char *name, const char *attr, struct fence_addrs *ret,
		     char *msg, size_t msglen)
{
	char bad[128] = "";
	int r;

	if (attr && attr[strspn(attr, " \t\r\n")]) {
		r = fence_addrs_parse(attr, ret, bad, sizeof(bad));
		if (r == -E2BIG)
			snprintf(msg, msglen, "%s: more than %d addresses", FENCE_ADDRESS_ATTR,
				 FENCE_MAX_ADDRS);
		else if (r < 0)
			snprintf(msg, msglen, "%s: '%s' is not an IP address or a CIDR range "
				 "(with the host bits zero)", FENCE_ADDRESS_ATTR, bad);
		return r;
	}
	if (!name || !*name) {
		snprintf(msg, msglen, "the host has no name and no %s", FENCE_ADDRESS_ATTR);
		return -EINVAL;
	}
	return resolve(name, ret, msg, msglen);
}

/* ---- what is never fenced ---- */

static int guard_add(struct fence_guards *g, const struct fence_addr *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int guard_add(struct fence_guards *g, const struct fence_addr *a, const char *fmt, ...)
{
	va_list ap;

	if (g->n == sizeof(g->v) / sizeof(g->v[0]))
		return -E2BIG;
	g->v[g->n].addr = *a;
	va_start(ap, fmt);
	vsnprintf(g->v[g->n].who, sizeof(g->v[g->n].who), fmt, ap);
	va_end(ap);
	g->n++;
	return 0;
}

int fence_guards_local(struct fence_guards *g)
{
	struct ifaddrs *ifs = NULL, *i;
	int r = 0;

	if (getifaddrs(&ifs) < 0)
		return -errno;
	for (i = ifs; i && r == 0; i = i->ifa_next) {
		struct fence_addr a = { 0 };

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = AF_INET;
			memcpy(a.ip, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.family = AF_INET6;
			memcpy(a.ip, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		a.prefix = addr_bits(a.family);
		r = guard_add(g, &a, "this front-end (%s)", i->ifa_name);
	}
	freeifaddrs(ifs);
	return r;
}

/* Each address of a vector "[v2:IP:PORT/NONCE,v1:...]" or of one address. */
static int guard_entity_vector(struct fence_guards *g, const char *vec, const char *who)
{
	char buf[512], *p, *save = NULL;
	size_t len = strlen(vec);
	int r = 0;

	if (len >= sizeof(buf))
		return -E2BIG;
	memcpy(buf, vec, len + 1);
	p = buf;
	if (p[0] == '[' && len > 1 && p[len - 1] == ']' && strchr(p, ',')) {
		p[len - 1] = '\0';
		p++;
	} else if (p[0] == '[' && len > 1 && p[len - 1] == ']' && !strchr(p + 1, '[')) {
		/* "[v2:1.2.3.4:0/5]": a vector of one; "[::1]:0/0" has its port after the ] */
		p[len - 1] = '\0';
		p++;
	}
	for (char *tok = strtok_r(p, ",", &save); tok && r == 0; tok = strtok_r(NULL, ",", &save)) {
		struct fence_addr a;

		if (fence_entity_addr_parse(tok, &a) == 0)
			r = guard_add(g, &a, "%s", who);
	}
	return r;
}

int fence_guards_client(rados_t rados, struct fence_guards *g)
{
	char *addrs = NULL;
	int r = rados_getaddrs(rados, &addrs);

	if (r < 0)
		return r;
	r = guard_entity_vector(g, addrs, "onedr's own Ceph client");
	rados_buffer_free(addrs);
	return r;
}

const struct fence_guard *fence_guarded(const struct fence_guards *g, const struct fence_addr *a)
{
	for (size_t i = 0; i < g->n; i++)
		if (fence_addr_overlap(&g->v[i].addr, a))
			return &g->v[i];
	return NULL;
}

/* ---- just enough JSON to walk the mgr's service map ---- */

struct json {
	const char *p, *end;
};

static void js_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static bool js_lit(struct json *j, char c)
{
	js_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

/* A string into buf (truncated; escapes kept as the escaped character,
 * \uXXXX as '?'): enough for keys, names and addresses. */
static int js_string(struct json *j, char *buf, size_t len)
{
	size_t n = 0;

	if (!js_lit(j, '"'))
		return -EBADMSG;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if (c == '\\') {
			if (j->p >= j->end)
				return -EBADMSG;
			c = *j->p++;
			if (c == 'u') {
				if (j->end - j->p < 4)
					return -EBADMSG;
				j->p += 4;
				c = '?';
			}
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	if (j->p >= j->end)
		return -EBADMSG;
	j->p++;
	if (len)
		buf[n] = '\0';
	return 0;
}

static int js_skip(struct json *j, int depth)
{
	char tmp[1];
	int r;

	if (depth > 64)
		return -EBADMSG;
	js_ws(j);
	if (j->p >= j->end)
		return -EBADMSG;
	if (*j->p == '"')
		return js_string(j, tmp, 0);
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool object = *j->p == '{';

		j->p++;
		if (js_lit(j, close))
			return 0;
		do {
			if (object && ((r = js_string(j, tmp, 0)) < 0 || !js_lit(j, ':')))
				return -EBADMSG;
			if ((r = js_skip(j, depth + 1)) < 0)
				return r;
		} while (js_lit(j, ','));
		return js_lit(j, close) ? 0 : -EBADMSG;
	}
	/* a number, true, false or null */
	while (j->p < j->end && !strchr(",}] \t\r\n", *j->p))
		j->p++;
	return 0;
}

/* In the object at j->p, move j->p to the value of key. -ENOENT: none. */
static int js_member(struct json *j, const char *key)
{
	char name[128];
	int r;

	if (!js_lit(j, '{'))
		return -EBADMSG;
	if (js_lit(j, '}'))
		return -ENOENT;
	do {
		if ((r = js_string(j, name, sizeof(name))) < 0 || !js_lit(j, ':'))
			return -EBADMSG;
		if (!strcmp(name, key)) {
			js_ws(j);
			return 0;
		}
		if ((r = js_skip(j, 1)) < 0)
			return r;
	} while (js_lit(j, ','));
	return js_lit(j, '}') ? -ENOENT : -EBADMSG;
}

/* One daemon of the rbd-mirror service (its key in the map is its name):
 * its "addr", named by its metadata "id" when it has one. */
static int mirror_daemon(struct json d, const char *key, struct fence_guards *g)
{
	char addr[160], id[64] = "";
	struct json m = d;
	struct fence_addr a;
	int r;

	if (js_member(&m, "metadata") == 0 && js_member(&m, "id") == 0)
		js_string(&m, id, sizeof(id));
	r = js_member(&d, "addr");
	if (r == 0)
		r = js_string(&d, addr, sizeof(addr));
	if (r < 0 || fence_entity_addr_parse(addr, &a) < 0)
		return -EBADMSG;	/* a daemon we could not tell apart from a host */
	if (id[0])
		return guard_add(g, &a, "this site's rbd-mirror '%s' (daemon %s)", id, key);
	return guard_add(g, &a, "this site's rbd-mirror (daemon %s)", key);
}

int fence_parse_service_dump(const char *json, size_t len, struct fence_guards *g)
{
	struct json j = { json, json + len };
	char key[64];
	int r;

	if ((r = js_member(&j, "services")) < 0)
		return r == -ENOENT ? -EBADMSG : r;
	r = js_member(&j, "rbd-mirror");
	if (r == 0)
		r = js_member(&j, "daemons");
	if (r == -ENOENT)
		return 0;	/* no rbd-mirror daemon on this site */
	if (r < 0 || !js_lit(&j, '{'))
		return -EBADMSG;
	if (js_lit(&j, '}'))
		return 0;
	do {
		if ((r = js_string(&j, key, sizeof(key))) < 0 || !js_lit(&j, ':'))
			return -EBADMSG;
		js_ws(&j);
		if (j.p < j.end && *j.p == '{' && (r = mirror_daemon(j, key, g)) < 0)
			return r;
		if ((r = js_skip(&j, 1)) < 0)	/* "summary": "" among them */
			return r;
	} while (js_lit(&j, ','));
	return js_lit(&j, '}') ? 0 : -EBADMSG;
}

/* ---- monitor and mgr commands under a deadline ---- */

/* librados' commands are synchronous: each runs in ceph_io_call's worker
 * thread (the io handle is not used: the cluster handle travels in the
 * argument), and what it produced is copied to memory the caller frees. */
struct command_arg {
	rados_t rados;
	enum { CMD_MON, CMD_MGR, CMD_BLOCKLIST_ADD } kind;
	char cmd[512];		/* the JSON command, or the address to blocklist */
	unsigned expire;	/* CMD_BLOCKLIST_ADD */
	bool wait_map;		/* then wait for the latest osdmap */
	char *out, *outs;	/* NUL-terminated copies */
	size_t outlen;
};

static char *copy_buf(const char *buf, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		if (len)
			memcpy(c, buf, len);
		c[len] = '\0';
	}
	return c;
}

static int command_fn(rados_ioctx_t io, void *arg)
{
	struct command_arg *a = arg;
	const char *cmds[1] = { a->cmd };
	char *out = NULL, *outs = NULL;
	size_t outlen = 0, outslen = 0;
	int r;

	(void)io;
	if (a->kind == CMD_BLOCKLIST_ADD)
		return rados_blocklist_add(a->rados, a->cmd, a->expire);
	if (a->kind == CMD_MGR)
		r = rados_mgr_command(a->rados, cmds, 1, "", 0, &out, &outlen, &outs, &outslen);
	else
		r = rados_mon_command(a->rados, cmds, 1, "", 0, &out, &outlen, &outs, &outslen);
	a->out = copy_buf(out, outlen);
	a->outs = copy_buf(outs, outslen);
	a->outlen = outlen;
	rados_buffer_free(out);
	rados_buffer_free(outs);
	if (r == 0 && (!a->out || !a->outs))
		r = -ENOMEM;
	if (r == 0 && a->wait_map)
		r = rados_wait_for_latest_osdmap(a->rados);
	return r;
}

static int run_command(struct command_arg *a, const struct timespec *deadline)
{
	int r = ceph_io_call(NULL, deadline, command_fn, a, sizeof(*a));

	if (r < 0) {
		free(a->out);
		free(a->outs);
		a->out = a->outs = NULL;
	}
	return r;
}

int fence_guards_mirror(rados_t rados, const struct timespec *deadline, struct fence_guards *g)
{
	struct command_arg a = { .rados = rados, .kind = CMD_MGR };
	int r;

	snprintf(a.cmd, sizeof(a.cmd), "{\"prefix\": \"service dump\", \"format\": \"json\"}");
	r = run_command(&a, deadline);
	if (r == 0)
		r = fence_parse_service_dump(a.out, a.outlen, g);
	free(a.out);
	free(a.outs);
	return r;
}

/* The address as the monitor's blocklist command takes it. */
static void blocklist_addr(const struct fence_addr *a, char *buf, size_t len)
{
	char ip[64];

	fence_addr_format(a, ip, sizeof(ip));
	if (a->family == AF_INET6 && fence_addr_single(a))
		snprintf(buf, len, "[%s]", ip);
	else
		snprintf(buf, len, "%s", ip);
}

int fence_blocklist_add(rados_t rados, const struct fence_addr *a, unsigned expire,
			const struct timespec *deadline)
{
	struct command_arg c = { .rados = rados };
	char addr[80];
	int r;

	blocklist_addr(a, addr, sizeof(addr));
	if (fence_addr_single(a)) {
		/* librados' own call: it also waits for the osdmap with the entry */
		c.kind = CMD_BLOCKLIST_ADD;
		snprintf(c.cmd, sizeof(c.cmd), "%s", addr);
		c.expire = expire;
	} else {
		c.kind = CMD_MON;
		c.wait_map = true;
		snprintf(c.cmd, sizeof(c.cmd),
			 "{\"prefix\": \"osd blocklist\", \"range\": \"range\", \"blocklistop\": \"add\", "
			 "\"addr\": \"%s\", \"expire\": %u.0}", addr, expire);
	}
	r = run_command(&c, deadline);
	free(c.out);
	free(c.outs);
	return r;
}

int fence_blocklist_remove(rados_t rados, const struct fence_addr *a,
			   const struct timespec *deadline)
{
	struct command_arg c = { .rados = rados, .kind = CMD_MON, .wait_map = true };
	char addr[80];
	int r;

	blocklist_addr(a, addr, sizeof(addr));
	snprintf(c.cmd, sizeof(c.cmd),
		 "{\"prefix\": \"osd blocklist\", %s\"blocklistop\": \"rm\", \"addr\": \"%s\"}",
		 fence_addr_single(a) ? "" : "\"range\": \"range\", ", addr);
	r = run_command(&c, deadline);
	/* the monitor says so in its status text, with success */
	if (r == 0 && c.outs && strstr(c.outs, "isn't blocklisted"))
		r = -ENOENT;
	free(c.out);
	free(c.outs);
	return r;
}

int fence_parse_blocklist(const char *text, size_t len, struct fence_entry **ret, size_t *ret_n)
{
	struct fence_entry *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256], *sp;
		struct fence_entry e;

		memset(&e, 0, sizeof(e));
		if (l > 0 && l < sizeof(line)) {
			memcpy(line, p, l);
			line[l] = '\0';
			sp = strchr(line, ' ');
			if (sp) {
				*sp = '\0';
				snprintf(e.until, sizeof(e.until), "%s", sp + 1);
			}
			if (strlen(line) < sizeof(e.entity) &&
			    fence_entity_addr_parse(line, &e.addr) == 0) {
				memcpy(e.entity, line, strlen(line) + 1);
				/* a range, or "IP:0/0": every client of the IP */
				e.whole = !strncmp(line, "cidr:", 5) ||
					  (strlen(line) > 4 && !strcmp(line + strlen(line) - 4, ":0/0"));
				if (n == cap) {
					struct fence_entry *nv;

					cap = cap ? cap * 2 : 16;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv) {
						free(v);
						return -ENOMEM;
					}
					v = nv;
				}
				v[n++] = e;
			}
		}
		p += l + 1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int fence_blocklist_list(rados_t rados, const struct timespec *deadline,
			 struct fence_entry **ret, size_t *ret_n)
{
	struct command_arg c = { .rados = rados, .kind = CMD_MON };
	int r;

	/* plain text: "ADDR UNTIL" per line (the JSON form is two arrays in a row) */
	snprintf(c.cmd, sizeof(c.cmd), "{\"prefix\": \"osd blocklist ls\"}");
	r = run_command(&c, deadline);
	if (r == 0)
		r = fence_parse_blocklist(c.out, c.outlen, ret, ret_n);
	free(c.out);
	free(c.outs);
	return r;
}

/* ---- watchers ---- */

#define WATCHERS_MAX 64

struct watchers_arg {
	struct fence_addrs host;
	bool all;
	struct fence_watcher found[16];
	size_t max, n;
};

static int watchers_fn(rbd_image_t image, void *arg)
{
	struct watchers_arg *a = arg;
	rbd_image_watcher_t w[WATCHERS_MAX];
	size_t n = WATCHERS_MAX;
	int r = rbd_watchers_list(image, w, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct fence_addr addr;

		if (!a->all && (fence_entity_addr_parse(w[i].addr, &addr) < 0 ||
				!fence_addrs_overlap(&a->host, &addr)))
			continue;
		if (a->n < a->max) {
			snprintf(a->found[a->n].entity, sizeof(a->found[a->n].entity),
				 "client.%" PRId64, w[i].id);
			snprintf(a->found[a->n].addr, sizeof(a->found[a->n].addr), "%s", w[i].addr);
		}
		a->n++;
	}
	rbd_watchers_list_cleanup(w, n);
	return 0;
}

int fence_image_watchers(rados_ioctx_t io, const char *image, const struct fence_addrs *host,
			 const struct timespec *deadline, struct fence_watcher *ret, size_t max,
			 size_t *ret_n)
{
	struct watchers_arg a;
	struct ceph_image *img = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	if (host)
		a.host = *host;
	a.all = !host;
	a.max = max < sizeof(a.found) / sizeof(a.found[0]) ? max : sizeof(a.found) / sizeof(a.found[0]);
	r = ceph_image_open(io, image, true, deadline, &img);
	if (r < 0)
		return r;
	r = ceph_image_call(img, deadline, watchers_fn, &a, sizeof(a));
	ceph_image_close(img, deadline);	/* a stuck image stays open: ceph.h */
	if (r < 0)
		return r;
	memcpy(ret, a.found, (a.n < a.max ? a.n : a.max) * sizeof(*ret));
	*ret_n = a.n;
	return 0;
}

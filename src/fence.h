/*
 * fence.h: fencing a host in Ceph, the way Ceph fences a client: an entry in
 * the OSD blocklist for the host's address. The OSDs then refuse every
 * operation of every client from that address (EBLOCKLISTED, errno 108,
 * ESHUTDOWN) and drop its watches, so a QEMU still running on a host that
 * OpenNebula lost cannot write a disk after its VM is started elsewhere
 * (RBD's exclusive lock is cooperative: it does not stop such a writer).
 *
 * What is blocklisted: the whole IP ("IP:0/0", every client from it), or a
 * CIDR range ("osd blocklist range add", Ceph 16.2.15 has it), with an
 * expiry (Ceph has no permanent entry). Ceph also lists single clients
 * ("IP:PORT/NONCE": a lock break, promote --force); those are not fences
 * and unfence leaves them alone.
 *
 * Which addresses are a host's: the host template's ONEDR_FENCE_ADDRESS
 * (addresses or CIDR ranges, separated by blanks or commas: the addresses
 * its Ceph clients use, which may be on another network than the name),
 * else every address its name resolves to (getaddrinfo). A name that does
 * not resolve, or resolves to a loopback address (Debian maps a machine's
 * own name to 127.0.1.1), is an error, never a guess.
 *
 * What is never fenced (fence_guards_*): this front-end's own interface
 * addresses (getifaddrs: 127.0.0.1 too), the address onedr's own Ceph client
 * connects from, and the addresses of this site's rbd-mirror daemons (the
 * mgr's service map). An address or range that covers one of them is
 * refused. 127.0.0.2 is not 127.0.0.1: Linux answers on all of 127/8 but a
 * client that binds 127.0.0.2 is told apart by the OSDs, which is what the
 * lab's "host" does.
 *
 * This module never prints and never exits; Ceph calls run under a
 * deadline as in ceph.h (monitor and mgr commands have no aio: each runs in
 * a worker thread of its own).
 */
#ifndef ONEDR_FENCE_H
#define ONEDR_FENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <rados/librados.h>

/* the host template attribute naming the addresses to fence */
#define FENCE_ADDRESS_ATTR "ONEDR_FENCE_ADDRESS"
/* default expiry of a fence: 30 days (FENCE_EXPIRE in onedr.conf) */
#define FENCE_DEFAULT_EXPIRE (30u * 86400u)
#define FENCE_MAX_EXPIRE (3650u * 86400u)
/* default bound of the wait for the host's watchers to go (FENCE_WAIT) */
#define FENCE_DEFAULT_WAIT 60u
#define FENCE_MAX_ADDRS 32

/* An IP address (prefix 32 or 128) or a CIDR range. */
struct fence_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char ip[16];	/* network order; the first 4 bytes for AF_INET */
	unsigned prefix;	/* bits of the network part */
};

struct fence_addrs {
	size_t n;
	struct fence_addr v[FENCE_MAX_ADDRS];
};

/* "10.0.0.5", "10.0.0.0/24", "fe80::1", "[fe80::1]", "2001:db8::/64".
 * A range's host bits must be zero. -EINVAL otherwise. */
int fence_addr_parse(const char *s, struct fence_addr *ret);
/* A Ceph entity address: "127.0.0.1:0/3805337034", "v2:10.0.0.5:6800/12",
 * "[::1]:0/0", "cidr:127.0.0.3:0/32" (a blocklisted range). -EINVAL
 * otherwise (e.g. "(unrecognized address family 0)/0"). */
int fence_entity_addr_parse(const char *s, struct fence_addr *ret);
/* "10.0.0.5" or "10.0.0.0/24", IPv6 without brackets. */
void fence_addr_format(const struct fence_addr *a, char *buf, size_t len);
bool fence_addr_single(const struct fence_addr *a);
bool fence_addr_loopback(const struct fence_addr *a);
/* Whether a and b share an address (a range and an address in it, two
 * overlapping ranges, two equal addresses). */
bool fence_addr_overlap(const struct fence_addr *a, const struct fence_addr *b);

/* Add a unless already there: 0, or -E2BIG when full. */
int fence_addrs_add(struct fence_addrs *s, const struct fence_addr *a);
/* Whether a overlaps an address of s. */
bool fence_addrs_overlap(const struct fence_addrs *s, const struct fence_addr *a);

/* The words of an ONEDR_FENCE_ADDRESS value (blanks or commas between
 * them). -EINVAL with the word at fault in bad; -ENODATA when empty. */
int fence_addrs_parse(const char *text, struct fence_addrs *ret, char *bad, size_t badlen);

/*
 * The addresses of a host: attr (ONEDR_FENCE_ADDRESS, may be NULL or "") when
 * set, else what name resolves to. Fails with the reason in msg:
 *   -EINVAL        attr holds something that is not an address or range,
 *   -EHOSTUNREACH  name does not resolve (-EAGAIN: the resolver failed for now),
 *   -EADDRNOTAVAIL name resolves to a loopback address: not a host's.
 */
int fence_host_addrs(const char *name, const char *attr, struct fence_addrs *ret,
		     char *msg, size_t msglen);

/* An address that is never fenced, and whose it is. */
struct fence_guard {
	struct fence_addr addr;
	char who[128];		/* "this front-end (lo)", "this site's rbd-mirror 'site-a' (daemon 4129)" */
};

struct fence_guards {
	size_t n;
	struct fence_guard v[64];
};

/* This machine's interface addresses (getifaddrs). */
int fence_guards_local(struct fence_guards *g);
/* The addresses onedr's own client connects from (rados_getaddrs). */
int fence_guards_client(rados_t rados, struct fence_guards *g);
/* This site's rbd-mirror daemons, from the mgr's service map ("service
 * dump"), under deadline. A daemon whose address cannot be read is -EBADMSG. */
int fence_guards_mirror(rados_t rados, const struct timespec *deadline, struct fence_guards *g);
/* The same from the JSON of "service dump" (exposed for tests). */
int fence_parse_service_dump(const char *json, size_t len, struct fence_guards *g);
/* The first guard a overlaps, or NULL. */
const struct fence_guard *fence_guarded(const struct fence_guards *g, const struct fence_addr *a);

/* One entry of the OSD blocklist. */
struct fence_entry {
	struct fence_addr addr;	/* the IP, or the range */
	bool whole;		/* every client of addr ("IP:0/0" or a range): a fence */
	char entity[128];	/* as Ceph lists it: "127.0.0.2:0/0", "cidr:127.0.0.3:0/32" */
	char until[48];		/* expiry, as Ceph prints it */
};

/* Blocklist a (an address: rados_blocklist_add; a range: the monitor's
 * "osd blocklist range add") for expire seconds, then wait for the osdmap
 * that has it. Adding what is listed already sets its new expiry. */
int fence_blocklist_add(rados_t rados, const struct fence_addr *a, unsigned expire,
			const struct timespec *deadline);
/* Remove the entry of a ("IP:0/0" or the range). -ENOENT: not listed. */
int fence_blocklist_remove(rados_t rados, const struct fence_addr *a,
			   const struct timespec *deadline);
/* The whole blocklist; free *ret with free(). */
int fence_blocklist_list(rados_t rados, const struct timespec *deadline,
			 struct fence_entry **ret, size_t *ret_n);
/* The same from the text of "osd blocklist ls" (exposed for tests). Lines
 * it cannot read are skipped. */
int fence_parse_blocklist(const char *text, size_t len, struct fence_entry **ret, size_t *ret_n);

/* A client watching an image. */
struct fence_watcher {
	char entity[32];	/* "client.4175" */
	char addr[128];		/* "127.0.0.2:0/2406846033" */
};

/*
 * The watchers of image whose address is in host (every watcher when host
 * is NULL), at most max of them in ret (*ret_n may say more were found),
 * under deadline. The image is opened read-only. -ENOENT: no such image.
 */
int fence_image_watchers(rados_ioctx_t io, const char *image, const struct fence_addrs *host,
			 const struct timespec *deadline, struct fence_watcher *ret, size_t max,
			 size_t *ret_n);

#endif

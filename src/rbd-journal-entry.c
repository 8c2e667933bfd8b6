/* rbd-journal-entry.c: the time of one entry of a librbd journal's data
 * object; see rbd-journal.h. Every read is bounds-checked. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "rbd-journal.h"

#define PREAMBLE 0x3141592653589793ULL

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The timestamp after the EventEntry's envelope: its own envelope
 * (u8 version, u8 compat, u32 length) around a utime_t (u32 sec, u32 nsec). */
static int event_time(const unsigned char *d, size_t n, time_t *ret)
{
	uint64_t elen, mlen;

	if (n < 6)
		return -EINVAL;
	elen = le(d + 2, 4);
	if (elen > n - 6)
		return -EINVAL;
	d += 6 + elen;
	n -= 6 + elen;
	if (n == 0)
		return -ENODATA;	/* an EventEntry older than the metadata */
	if (n < 6)
		return -EINVAL;
	mlen = le(d + 2, 4);
	if (mlen > n - 6 || mlen < 8)
		return -EINVAL;
	*ret = (time_t)le(d + 6, 4);
	return 0;
}

int rbdj_entry_time(const void *buf, size_t len, uint64_t tag_tid, uint64_t entry_tid, time_t *ret)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (len - off >= 29) {
		uint64_t etid, ttid, dlen;

		if (le(p + off, 8) != PREAMBLE || p[off + 8] != 1)
			return -EINVAL;
		etid = le(p + off + 9, 8);
		ttid = le(p + off + 17, 8);
		dlen = le(p + off + 25, 4);
		if (dlen + 4 > len - off - 29)
			return -ENOENT;	/* the object ends inside this entry */
		if (etid == entry_tid && ttid == tag_tid) {
			time_t t;
			int r = event_time(p + off + 29, (size_t)dlen, &t);

			if (r == 0)
				*ret = t;
			return r;
		}
		off += 29 + (size_t)dlen + 4;
	}
	return -ENOENT;
}

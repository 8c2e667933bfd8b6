/* test-rbd-journal.c: the journal tag and client decoders, and the pool's
 * mirror-image entry, against records encoded here byte by byte as Ceph
 * encodes them (and one copied from a lab pool). */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "rbd-journal.h"
#include "tap.h"

struct buf {
	unsigned char b[512];
	size_t n;
};

static void u8(struct buf *b, uint8_t v) { b->b[b->n++] = v; }
static void u32(struct buf *b, uint32_t v) { for (int i = 0; i < 4; i++) u8(b, (uint8_t)(v >> (8 * i))); }
static void u64(struct buf *b, uint64_t v) { for (int i = 0; i < 8; i++) u8(b, (uint8_t)(v >> (8 * i))); }
static void str(struct buf *b, const char *s) { u32(b, (uint32_t)strlen(s)); memcpy(b->b + b->n, s, strlen(s)); b->n += strlen(s); }
/* ENCODE_START: returns where the length goes, patched by finish() */
static size_t start(struct buf *b) { u8(b, 1); u8(b, 1); u32(b, 0); return b->n; }
static void finish(struct buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->n - at);
	for (int i = 0; i < 4; i++) b->b[at - 4 + i] = (uint8_t)(len >> (8 * i));
}

static void encode_tag(struct buf *b, uint64_t tid, const char *owner, const char *pred, uint64_t ptag)
{
	size_t s = start(b), d;
	u64(b, tid);
	u64(b, 7);	/* tag class */
	u32(b, 0);	/* data length, patched */
	d = b->n;
	str(b, owner);
	str(b, pred);
	u8(b, 1);
	u64(b, ptag);
	u64(b, 42);
	finish(b, d);
	finish(b, s);
}

static void encode_client(struct buf *b, const char *id, int npos)
{
	size_t s = start(b), p, o;
	str(b, id);
	str(b, "opaque client data");
	p = start(b);
	u32(b, (uint32_t)npos);
	for (int i = 0; i < npos; i++) {
		o = start(b);
		u64(b, 100 - i);	/* object number */
		u64(b, 9 - i);		/* tag tid */
		u64(b, 50 - i);		/* entry tid */
		finish(b, o);
	}
	finish(b, p);
	u8(b, 0);
	finish(b, s);
}

int main(void)
{
	struct rbdj_tag tag;
	struct rbdj_client cl;
	struct buf b = { .n = 0 };
	size_t i, full;

	encode_tag(&b, 12, "<orphan>", "", 11);
	ok(rbdj_decode_tag(b.b, b.n, &tag) == 0, "a demotion tag decodes");
	ok(tag.tid == 12 && tag.tag_class == 7, "tid and class are read");
	is_str(tag.mirror_uuid, RBDJ_ORPHAN_MIRROR_UUID, "owner of a demotion tag is <orphan>");
	is_str(tag.predecessor_uuid, RBDJ_LOCAL_MIRROR_UUID, "predecessor of a self-demotion is local");
	ok(tag.commit_valid && tag.predecessor_tag_tid == 11 && tag.predecessor_entry_tid == 42,
	   "predecessor position is read");
	full = b.n;
	for (i = 0; i < full; i++)
		if (rbdj_decode_tag(b.b, i, &tag) != -EINVAL)
			break;
	ok(i == full, "every truncation of a tag is rejected");

	b.n = 0;
	encode_tag(&b, 3, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123", "", 1);
	ok(rbdj_decode_tag(b.b, b.n, &tag) == -EINVAL, "an oversized uuid is rejected");

	b.n = 0;
	encode_client(&b, "f00dfeed-uuid", 2);
	ok(rbdj_decode_client(b.b, b.n, &cl) == 0, "a client with two positions decodes");
	is_str(cl.id, "f00dfeed-uuid", "client id is read");
	ok(cl.has_position && cl.tag_tid == 9 && cl.entry_tid == 50 && cl.object_number == 100,
	   "the first (most recent) position is kept");
	full = b.n;
	for (i = 0; i < full; i++)
		if (rbdj_decode_client(b.b, i, &cl) != -EINVAL)
			break;
	ok(i == full, "every truncation of a client is rejected");

	b.n = 0;
	encode_client(&b, "fresh", 0);
	ok(rbdj_decode_client(b.b, b.n, &cl) == 0 && !cl.has_position,
	   "a client that committed nothing has no position");

	b.n = 0;
	encode_client(&b, "x", 1);
	b.b[1] = 2;	/* compat version 2: newer than we understand */
	ok(rbdj_decode_client(b.b, b.n, &cl) == -EINVAL, "an incompatible encoding is rejected");

	b.n = 0;
	encode_client(&b, "x", 1);
	b.b[2] = 0xff;	/* struct length beyond the buffer */
	ok(rbdj_decode_client(b.b, b.n, &cl) == -EINVAL, "a struct length past the end is rejected");

	/* `rados getomapval rbd_mirroring image_<id>` of a journal image in the lab */
	static const unsigned char lab[] = {
		0x02, 0x01, 0x2a, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00,
		'b', '3', '2', 'c', 'c', '7', '8', '6', '-', '9', '6', '6', '2', '-', '4', '4',
		'd', '4', '-', 'b', '3', '2', '0', '-', '9', '4', '3', '0', 'c', '4', '3', '4',
		'e', 'c', 'c', '6', 0x01, 0x00 };
	struct rbdj_mirror_image mi;

	ok(rbdj_decode_mirror_image(lab, sizeof(lab), &mi) == 0, "a lab pool's mirror-image entry decodes");
	is_str(mi.global_id, "b32cc786-9662-44d4-b320-9430c434ecc6", "its global id is read");
	ok(mi.state == 1 && mi.mode == 0, "it is enabled, in journal mode");
	for (i = 0; i < sizeof(lab); i++)
		if (rbdj_decode_mirror_image(lab, i, &mi) != -EINVAL)
			break;
	ok(i == sizeof(lab), "every truncation of a mirror-image entry is rejected");

	b.n = 0;
	{
		size_t at = start(&b);

		b.b[0] = 2;
		str(&b, "g");
		u8(&b, 1);
		u8(&b, 1);
		finish(&b, at);
	}
	ok(rbdj_decode_mirror_image(b.b, b.n, &mi) == 0 && mi.mode == 1, "snapshot mode is read");
	b.n = 0;
	{
		size_t at = start(&b);	/* version 1: no mode, so journal */

		str(&b, "g");
		u8(&b, 1);
		finish(&b, at);
	}
	ok(rbdj_decode_mirror_image(b.b, b.n, &mi) == 0 && mi.mode == 0,
	   "a version 1 entry (before modes) is journal mode");
	b.b[b.n - 1] = 9;
	ok(rbdj_decode_mirror_image(b.b, b.n, &mi) == -EINVAL, "an unknown state is rejected");
	b.b[b.n - 1] = 1;
	b.b[b.n++] = 0;
	ok(rbdj_decode_mirror_image(b.b, b.n, &mi) == -EINVAL, "bytes after the entry are rejected");
	/* One entry of a journal data object, copied from a lab pool (site-a,
	 * 2026-11-29): entry 3 of tag 2, an OP_FINISH event appended at
	 * 1795991061 (22:24:21 UTC). */
	{
		static const unsigned char entry[] = {
			0x93, 0x97, 0x58, 0x53, 0x26, 0x59, 0x41, 0x31, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
			0x00, 0x05, 0x01, 0x18, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x00, 0x00, 0x00, 0x15, 0xa6, 0x0c, 0x6b, 0xdc,
			0x70, 0xd8, 0x12, 0x59, 0xf0, 0xa2, 0x4b };
		unsigned char two[2 * sizeof(entry)];
		time_t t = 0;

		ok(rbdj_entry_time(entry, sizeof(entry), 2, 3, &t) == 0 && t == 1795991061,
		   "a journal entry's time is read (entry 3 of tag 2, from a lab pool)");
		ok(rbdj_entry_time(entry, sizeof(entry), 2, 4, &t) == -ENOENT, "another entry: not there");
		ok(rbdj_entry_time(entry, sizeof(entry), 1, 3, &t) == -ENOENT, "the same tid in another tag: not there");
		memcpy(two, entry, sizeof(entry));
		memcpy(two + sizeof(entry), entry, sizeof(entry));
		two[sizeof(entry) + 9] = 4;	/* the second is entry 4 */
		two[sizeof(entry) + 65] = 0x16;	/* appended one second later */
		ok(rbdj_entry_time(two, sizeof(two), 2, 4, &t) == 0 && t == 1795991062,
		   "the second entry of an object is found after the first");
		for (i = 29; i < sizeof(entry); i++)
			if (rbdj_entry_time(entry, i, 2, 3, &t) != -ENOENT)
				break;
		ok(i == sizeof(entry), "an object ending inside the entry: not there");
		memcpy(two, entry, sizeof(entry));
		two[0] ^= 1;
		ok(rbdj_entry_time(two, sizeof(entry), 2, 3, &t) == -EINVAL, "a bad preamble: not a journal object");
		memcpy(two, entry, sizeof(entry));
		two[31] = 0x26;	/* the event's length now covers the metadata */
		ok(rbdj_entry_time(two, sizeof(entry), 2, 3, &t) == -ENODATA, "an event without metadata: no time");
	}
	return tap_done();
}

/* rbd-journal.c: see rbd-journal.h. Every read is bounds-checked. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "rbd-journal.h"

struct cur {
	const unsigned char *p;
	size_t left;
};

static int get_bytes(struct cur *c, void *out, size_t n)
{
	if (c->left < n)
		return -EINVAL;
	if (out)
		memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

static int get_u8(struct cur *c, uint8_t *v)
{
	return get_bytes(c, v, 1);
}

static int get_u32(struct cur *c, uint32_t *v)
{
	unsigned char b[4];
	int r = get_bytes(c, b, 4);

	if (r == 0)
		*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return r;
}

static int get_u64(struct cur *c, uint64_t *v)
{
	uint32_t lo, hi;
	int r = get_u32(c, &lo);

	if (r == 0)
		r = get_u32(c, &hi);
	if (r == 0)
		*v = (uint64_t)hi << 32 | lo;
	return r;
}

/* A length-prefixed string into a NUL-terminated buffer of size max. */
static int get_string(struct cur *c, char *out, size_t max)
{
	uint32_t n;
	int r = get_u32(c, &n);

	if (r < 0)
		return r;
	if (n >= max || memchr(c->p, '\0', n <= c->left ? n : 0))
		return -EINVAL;
	r = get_bytes(c, out, n);
	if (r == 0)
		out[n] = '\0';
	return r;
}

/* A length-prefixed sub-buffer, returned as its own cursor. */
static int get_sub(struct cur *c, struct cur *sub)
{
	uint32_t n;
	int r = get_u32(c, &n);

	if (r < 0)
		return r;
	if (n > c->left)
		return -EINVAL;
	sub->p = c->p;
	sub->left = n;
	return get_bytes(c, NULL, n);
}

/* ENCODE_START header: the struct's body becomes its own cursor. */
static int get_struct(struct cur *c, struct cur *body)
{
	uint8_t version, compat;
	int r = get_u8(c, &version);

	if (r == 0)
		r = get_u8(c, &compat);
	if (r == 0 && compat > 1)
		return -EINVAL;	/* an encoding newer than we understand */
	if (r == 0)
		r = get_sub(c, body);
	return r;
}

int rbdj_decode_tag(const void *buf, size_t len, struct rbdj_tag *ret_tag)
{
	struct cur c = { buf, len }, body, data;
	struct rbdj_tag t;
	uint8_t valid = 0;
	int r;

	memset(&t, 0, sizeof(t));
	r = get_struct(&c, &body);
	if (r == 0)
		r = get_u64(&body, &t.tid);
	if (r == 0)
		r = get_u64(&body, &t.tag_class);
	if (r == 0)
		r = get_sub(&body, &data);
	if (r == 0)
		r = get_string(&data, t.mirror_uuid, sizeof(t.mirror_uuid));
	if (r == 0)
		r = get_string(&data, t.predecessor_uuid, sizeof(t.predecessor_uuid));
	if (r == 0)
		r = get_u8(&data, &valid);
	if (r == 0)
		r = get_u64(&data, &t.predecessor_tag_tid);
	if (r == 0)
		r = get_u64(&data, &t.predecessor_entry_tid);
	if (r < 0)
		return r;
	t.commit_valid = valid != 0;
	*ret_tag = t;
	return 0;
}

int rbdj_decode_client(const void *buf, size_t len, struct rbdj_client *ret_client)
{
	struct cur c = { buf, len }, body, data, pos, obj;
	struct rbdj_client cl;
	uint32_t count, i;
	int r;

	memset(&cl, 0, sizeof(cl));
	r = get_struct(&c, &body);
	if (r == 0)
		r = get_string(&body, cl.id, sizeof(cl.id));
	if (r == 0)
		r = get_sub(&body, &data);	/* client data: not needed */
	if (r == 0)
		r = get_struct(&body, &pos);
	if (r == 0)
		r = get_u32(&pos, &count);
	for (i = 0; r == 0 && i < count; i++) {
		uint64_t object_number, tag_tid, entry_tid;

		r = get_struct(&pos, &obj);
		if (r == 0)
			r = get_u64(&obj, &object_number);
		if (r == 0)
			r = get_u64(&obj, &tag_tid);
		if (r == 0)
			r = get_u64(&obj, &entry_tid);
		if (r == 0 && i == 0) {	/* the first position is the most recent */
			cl.has_position = true;
			cl.object_number = object_number;
			cl.tag_tid = tag_tid;
			cl.entry_tid = entry_tid;
		}
	}
	if (r == 0)
		r = get_u8(&body, &cl.state);
	if (r < 0)
		return r;
	*ret_client = cl;
	return 0;
}

int rbdj_decode_mirror_image(const void *buf, size_t len, struct rbdj_mirror_image *ret_image)
{
	struct cur c = { buf, len }, body;
	struct rbdj_mirror_image m;
	int r;

	memset(&m, 0, sizeof(m));
	if (len < 1)
		return -EINVAL;
	r = get_struct(&c, &body);
	if (r == 0)
		r = get_string(&body, m.global_id, sizeof(m.global_id));
	if (r == 0)
		r = get_u8(&body, &m.state);
	if (r == 0 && ((const unsigned char *)buf)[0] >= 2)
		r = get_u8(&body, &m.mode);
	if (r == 0 && (m.state > 3 || m.mode > 1 || c.left))
		r = -EINVAL;
	if (r == 0)
		*ret_image = m;
	return r;
}

/*
 * rbd-journal.h: decoders for the two records of a librbd journal header
 * (the omap of RADOS object "journal.<image id>") that tell how far a
 * mirror peer has replayed: tags ("tag_<16 hex tid>") and registered
 * clients ("client_<id>", rbd-mirror registers as its pool's mirror uuid).
 * The layout is Ceph's encoding (cls/journal/cls_journal_types.cc and
 * librbd/journal/Types.cc): little-endian integers, strings and buffers
 * prefixed by a u32 length, structs by ENCODE_START's (u8 version, u8
 * compat, u32 length) header. librbd offers no C call for either.
 *
 * One more record in the same encoding lives outside a journal: the pool's
 * entry for a mirror-enabled image (omap of "rbd_mirroring", key
 * "image_<image id>"), which holds the image's mirroring mode. librbd's C
 * API reads it one image at a time (rbd_mirror_image_get_mode, which also
 * looks up the journal's tag owner); onedr reads a whole pool of them in
 * one call.
 */
#ifndef ONEDR_RBD_JOURNAL_H
#define ONEDR_RBD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RBDJ_UUID_MAX 64
#define RBDJ_LOCAL_MIRROR_UUID ""		/* tag owned by this cluster */
#define RBDJ_ORPHAN_MIRROR_UUID "<orphan>"	/* tag written by a demotion */

struct rbdj_tag {
	uint64_t tid;
	uint64_t tag_class;
	char mirror_uuid[RBDJ_UUID_MAX];	/* owner of the epoch */
	char predecessor_uuid[RBDJ_UUID_MAX];	/* owner of the previous one */
	bool commit_valid;
	uint64_t predecessor_tag_tid;
	uint64_t predecessor_entry_tid;
};

struct rbdj_client {
	char id[RBDJ_UUID_MAX];
	bool has_position;	/* false: registered, nothing committed yet */
	uint64_t object_number;	/* most recent commit position */
	uint64_t tag_tid;
	uint64_t entry_tid;
	uint8_t state;		/* 0 connected, 1 disconnected */
};

/* cls/rbd/cls_rbd_types.h MirrorImage: version 1 had no mode (journal
 * was the only one); the values are librbd's rbd_mirror_image_state_t and
 * rbd_mirror_image_mode_t. */
struct rbdj_mirror_image {
	char global_id[RBDJ_UUID_MAX];
	uint8_t state;		/* 0 disabling, 1 enabled, 2 disabled, 3 creating */
	uint8_t mode;		/* 0 journal, 1 snapshot */
};

/* 0 or -EINVAL (truncated, oversized or inconsistent record). */
int rbdj_decode_tag(const void *buf, size_t len, struct rbdj_tag *ret_tag);
int rbdj_decode_client(const void *buf, size_t len, struct rbdj_client *ret_client);
int rbdj_decode_mirror_image(const void *buf, size_t len, struct rbdj_mirror_image *ret_image);

/* The time the primary appended entry (tag_tid, entry_tid) of a journal
 * data object (journal_data.<pool id>.<image id>.<object number>: entries
 * of a u64 preamble 0x3141592653589793, u8 version 1, u64 entry tid, u64
 * tag tid, u32 length + data, u32 crc; the data a librbd EventEntry whose
 * metadata envelope holds a utime_t; rbd-journal-entry.c). The crc is not
 * checked. 0; -ENOENT (not in buf); -ENODATA (found, without the time);
 * -EINVAL (not a journal data object). */
int rbdj_entry_time(const void *buf, size_t len, uint64_t tag_tid, uint64_t entry_tid, time_t *ret);

#endif

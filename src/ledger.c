/* ledger.c: the loss ledger of an image about to be promoted; see ledger.h
 * for what is read where and what is left unknown. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "rbd-journal.h"

/* Judgement. */

static void judge_journal(const struct ledger_raw *raw, struct ledger_disk *d)
{
	if (raw->peer_error == 0 && raw->have_master && raw->have_ours) {
		d->entries_source = LEDGER_SOURCE_PEER;
		d->entries_as_of = raw->measured;
		if (raw->ours_tag == raw->master_tag) {
			d->entries_behind = raw->master_entry > raw->ours_entry ?
				(long long)(raw->master_entry - raw->ours_entry) : 0;
		} else if (raw->ours_tag < raw->master_tag) {
			/* the primary's entries of the newer epoch (tids start at
			 * 0 in each), and an unknown rest of the older one */
			d->entries_behind = (long long)raw->master_entry + 1;
			d->entries_at_least = true;
		} else {
			d->entries_source = LEDGER_SOURCE_NONE;	/* ours ahead of the head: cannot tell */
			snprintf(d->note, sizeof(d->note), "our commit position (tag %llu) is past the peer's (tag %llu)",
				 (unsigned long long)raw->ours_tag, (unsigned long long)raw->master_tag);
			return;
		}
		if (d->entries_behind == 0) {
			d->point = raw->measured;
			d->point_source = LEDGER_SOURCE_PEER;
			d->rpo = RPO_EXACT;
			d->window_seconds = 0;
		} else if (raw->replayed_time) {
			d->point = raw->replayed_time;
			d->point_source = LEDGER_SOURCE_PEER;
			d->rpo = RPO_EXACT;
			d->window_seconds = raw->measured > d->point ? (long long)(raw->measured - d->point) : 0;
		} else {
			snprintf(d->note, sizeof(d->note), "%s%lld entries not replayed; the time of the last "
				 "replayed entry could not be read", d->entries_at_least ? "at least " : "",
				 d->entries_behind);
		}
		return;
	}
	if (raw->peer_error == 0)
		snprintf(d->note, sizeof(d->note), "this site's rbd-mirror is not registered in the peer's journal");
	else
		snprintf(d->note, sizeof(d->note), "peer not read (%s)", strerror(-raw->peer_error));
	if (raw->have_status && raw->status_entries_behind >= 0) {
		d->entries_behind = raw->status_entries_behind;
		d->entries_source = LEDGER_SOURCE_STATUS;
		d->entries_as_of = raw->status_time;
		snprintf(d->note + strlen(d->note), sizeof(d->note) - strlen(d->note),
			 "; rbd-mirror's last count, without what the peer wrote after it looked");
	}
}

static void judge_snapshot(const struct ledger_raw *raw, struct ledger_disk *d)
{
	d->copy_time = raw->have_copy ? raw->copy_time : 0;
	d->copying = raw->copying;
	if (!raw->have_copy) {
		snprintf(d->note, sizeof(d->note), "no complete mirror snapshot here: nothing replicated yet");
		return;
	}
	if (raw->peer_error == 0) {
		d->snapshots_behind = raw->peer_newer;
		if (raw->peer_point) {
			d->point = raw->peer_point;
			d->point_source = LEDGER_SOURCE_PEER;
			d->rpo = RPO_EXACT;
			d->window_seconds = raw->measured > d->point ? (long long)(raw->measured - d->point) : 0;
			return;
		}
		snprintf(d->note, sizeof(d->note), "the peer no longer has the snapshot our copy copies");
	} else {
		snprintf(d->note, sizeof(d->note), "peer not read (%s)", strerror(-raw->peer_error));
	}
	/* the data here is the primary's at or before our copy began */
	d->rpo = RPO_AT_LEAST;
	d->window_seconds = raw->measured > raw->copy_time ? (long long)(raw->measured - raw->copy_time) : 0;
	if (raw->have_status && raw->status_snapshot_time > 0 && raw->status_snapshot_time <= (long long)raw->copy_time) {
		d->point = (time_t)raw->status_snapshot_time;
		d->point_source = LEDGER_SOURCE_STATUS;
		d->window_max = raw->measured > d->point ? (long long)(raw->measured - d->point) : 0;
	}
}

void ledger_judge(const struct ledger_raw *raw, struct ledger_disk *d)
{
	d->measured = raw->measured;
	d->primary = raw->primary;
	d->peer_error = raw->peer_error;
	d->entries_behind = -1;
	d->entries_at_least = false;
	d->entries_source = LEDGER_SOURCE_NONE;
	d->entries_as_of = 0;
	d->snapshots_behind = -1;
	d->copy_time = 0;
	d->copying = false;
	d->point = 0;
	d->point_source = LEDGER_SOURCE_NONE;
	d->rpo = RPO_UNKNOWN;
	d->window_seconds = 0;
	d->window_max = -1;
	d->note[0] = '\0';
	if (!raw->mirrored) {
		d->mode = LEDGER_NOT_MIRRORED;
		snprintf(d->note, sizeof(d->note), "not mirrored");
		return;
	}
	d->mode = raw->journal ? LEDGER_JOURNAL : LEDGER_SNAPSHOT;
	if (raw->primary) {
		d->point = raw->measured;
		d->point_source = LEDGER_SOURCE_LOCAL;
		d->rpo = RPO_EXACT;
		snprintf(d->note, sizeof(d->note), "already primary here");
		return;
	}
	if (raw->journal)
		judge_journal(raw, d);
	else
		judge_snapshot(raw, d);
}

enum ledger_rpo ledger_vm_rpo(const struct ledger_vm *vm, long long *ret_seconds)
{
	enum ledger_rpo rpo = RPO_EXACT;
	long long worst = 0;

	if (vm->n_disks == 0)
		return RPO_UNKNOWN;
	for (size_t i = 0; i < vm->n_disks; i++) {
		const struct ledger_disk *d = &vm->disks[i];

		if (d->error || d->rpo == RPO_UNKNOWN)
			return RPO_UNKNOWN;
		if (d->rpo == RPO_AT_LEAST)
			rpo = RPO_AT_LEAST;	/* its true window may be the largest */
		if (d->window_seconds > worst)
			worst = d->window_seconds;
	}
	*ret_seconds = worst;
	return rpo;
}

static void duration(long long s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

void ledger_rpo_format(enum ledger_rpo rpo, long long seconds, char *buf, size_t len)
{
	char d[32];

	duration(seconds, d, sizeof(d));
	if (rpo == RPO_EXACT)
		snprintf(buf, len, "%s", d);
	else if (rpo == RPO_AT_LEAST)
		snprintf(buf, len, ">=%s", d);
	else
		snprintf(buf, len, "unknown");
}

/* Reading. */

struct snaps_arg {
	uint64_t want;			/* peer: the primary snapshot to find */
	bool peer;
	bool have_copy, copying;
	time_t copy_time;
	uint64_t copy_primary_id;
	time_t point;
	long long newer;
};

static bool non_primary(rbd_snap_mirror_state_t s)
{
	return s == RBD_SNAP_MIRROR_STATE_NON_PRIMARY || s == RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED;
}

static int snaps_fn(rbd_image_t image, void *arg)
{
	struct snaps_arg *a = arg;
	struct ceph_mirror_snap *v;
	size_t n, i;
	int r = ceph_mirror_snaps(image, &v, &n);

	if (r < 0)
		return r;
	for (i = n; i-- > 0;) {
		if (a->peer) {
			if (non_primary(v[i].state))
				continue;
			if (v[i].id == a->want)
				a->point = v[i].time;
			else if (v[i].id > a->want)
				a->newer++;
		} else if (non_primary(v[i].state)) {
			if (!v[i].complete) {
				if (!a->have_copy)
					a->copying = true;	/* newer than any complete one */
				continue;
			}
			if (!a->have_copy) {
				a->have_copy = true;
				a->copy_time = v[i].time;
				a->copy_primary_id = v[i].primary_snap_id;
			}
		}
	}
	free(v);
	return 0;
}

static void read_status(struct ceph_image *image, const struct timespec *dl, struct ledger_raw *raw)
{
	rbd_mirror_image_global_status_t gs;

	if (ceph_mirror_get_global_status(image, dl, &gs) < 0)
		return;
	for (uint32_t i = 0; i < gs.site_statuses_count; i++) {
		const rbd_mirror_image_site_status_t *s = &gs.site_statuses[i];

		if (s->mirror_uuid && *s->mirror_uuid)
			continue;	/* a peer's record: ours has no uuid */
		raw->have_status = true;
		raw->status_time = s->last_update;
		raw->status_entries_behind =
			ceph_mirror_status_number(s->description, "entries_behind_primary");
		raw->status_snapshot_time =
			ceph_mirror_status_number(s->description, "local_snapshot_timestamp");
	}
	rbd_mirror_image_global_status_cleanup(&gs);
}

/* The two commit positions in the peer's journal header. */
struct positions_arg {
	char oid[128];
	char ours[96];
	bool have_master, have_ours;
	struct rbdj_client master, mine;
};

static int position_of(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct positions_arg *a = arg;
	bool master = klen == strlen("client_") && !memcmp(key, "client_", klen);
	struct rbdj_client *c = master ? &a->master : &a->mine;
	int r = rbdj_decode_client(val, vlen, c);

	if (r == 0 && c->has_position) {
		if (master)
			a->have_master = true;
		else
			a->have_ours = true;
	}
	return r;
}

static int positions_fn(rados_ioctx_t io, void *arg)
{
	struct positions_arg *a = arg;
	const char *keys[2] = { "client_", a->ours };

	return ceph_omap_get_keys(io, a->oid, keys, 2, position_of, a);
}

/* The time of our last replayed entry, in the peer's journal data object. */
#define ENTRY_OBJECT_MAX (64u << 20)	/* 2^order is 16 MiB by default */

struct entry_arg {
	char oid[160];
	uint64_t tag, entry;
	time_t time;
};

static int entry_time_fn(rados_ioctx_t io, void *arg)
{
	struct entry_arg *a = arg;
	uint64_t size;
	time_t mtime;
	size_t got = 0;
	char *buf;
	int r = rados_stat(io, a->oid, &size, &mtime);

	if (r < 0)
		return r;
	if (size > ENTRY_OBJECT_MAX)
		return -E2BIG;
	buf = malloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	while (got < size) {
		size_t chunk = size - got < (4u << 20) ? size - got : (4u << 20);

		r = rados_read(io, a->oid, buf + got, chunk, got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	r = r < 0 ? r : rbdj_entry_time(buf, got, a->tag, a->entry, &a->time);
	free(buf);
	return r;
}

static int uuid_fn(rados_ioctx_t io, void *arg)
{
	size_t len = 64;

	return rbd_mirror_uuid_get(io, arg, &len);
}

static int read_peer_journal(rados_ioctx_t io, rados_ioctx_t pio, struct ceph_image *pimage,
			     const struct timespec *dl, struct ledger_raw *raw)
{
	struct positions_arg *a = calloc(1, sizeof(*a));
	char uuid[64] = "", id[64];
	int r;

	if (!a)
		return -ENOMEM;
	r = ceph_io_call(io, dl, uuid_fn, uuid, sizeof(uuid));
	if (r == 0)
		r = rbd_get_id(pimage->rbd, id, sizeof(id));	/* no I/O */
	if (r == 0) {
		snprintf(a->oid, sizeof(a->oid), "journal.%s", id);
		snprintf(a->ours, sizeof(a->ours), "client_%s", uuid);
		r = ceph_io_call(pio, dl, positions_fn, a, sizeof(*a));
	}
	if (r == 0) {
		raw->have_master = a->have_master;
		raw->have_ours = a->have_ours;
		raw->master_tag = a->master.tag_tid;
		raw->master_entry = a->master.entry_tid;
		raw->ours_tag = a->mine.tag_tid;
		raw->ours_entry = a->mine.entry_tid;
	}
	if (r == 0 && a->have_ours && a->have_master &&
	    (a->mine.tag_tid != a->master.tag_tid || a->mine.entry_tid != a->master.entry_tid)) {
		struct entry_arg *e = calloc(1, sizeof(*e));

		/* the data pool is taken to be the image's (no separate journal pool) */
		if (e) {
			snprintf(e->oid, sizeof(e->oid), "journal_data.%lld.%s.%llu",
				 (long long)rados_ioctx_get_id(pio), id, (unsigned long long)a->mine.object_number);
			e->tag = a->mine.tag_tid;
			e->entry = a->mine.entry_tid;
			if (ceph_io_call(pio, dl, entry_time_fn, e, sizeof(*e)) == 0)
				raw->replayed_time = e->time;	/* else unknown */
			free(e);
		}
	}
	free(a);
	return r;
}

static void read_peer(struct ceph *peer, rados_ioctx_t io, const char *pool, const char *image,
		      const struct timespec *dl, struct ledger_raw *raw)
{
	struct ceph_image *pimage;
	rados_ioctx_t pio;
	int r;

	r = ceph_pool(peer, pool, &pio);
	if (r == 0)
		r = ceph_image_open(pio, image, true, dl, &pimage);
	if (r < 0) {
		raw->peer_error = r;
		return;
	}
	if (raw->journal) {
		r = read_peer_journal(io, pio, pimage, dl, raw);
	} else if (raw->have_copy) {
		struct snaps_arg a = { .peer = true, .want = raw->copy_primary_id };

		r = ceph_image_call(pimage, dl, snaps_fn, &a, sizeof(a));
		if (r == 0) {
			raw->peer_point = a.point;
			raw->peer_newer = a.newer;
		}
	}
	raw->peer_error = r;
	ceph_image_close(pimage, dl);	/* a stuck image stays open: ceph.h */
}

int ledger_read_local(struct ceph *local, const char *pool, const char *image, double timeout,
		      struct ledger_raw *raw)
{
	struct timespec dl = deadline_after(timeout);
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode;
	struct ceph_image *img;
	rados_ioctx_t io;
	int r;

	memset(raw, 0, sizeof(*raw));
	raw->status_entries_behind = raw->status_snapshot_time = -1;
	raw->peer_newer = -1;
	raw->peer_error = -ENOTCONN;
	r = ceph_pool(local, pool, &io);
	if (r == 0)
		r = ceph_image_open(io, image, true, &dl, &img);
	if (r < 0)
		return r;
	raw->measured = time(NULL);
	r = ceph_mirror_get_info(img, &dl, &info);
	if (r == 0) {
		raw->mirrored = info.state == RBD_MIRROR_IMAGE_ENABLED;
		raw->primary = info.primary;
		rbd_mirror_image_get_info_cleanup(&info);
	}
	if (r == 0 && raw->mirrored && (r = ceph_mirror_get_mode(img, &dl, &mode)) == 0)
		raw->journal = mode == RBD_MIRROR_IMAGE_MODE_JOURNAL;
	if (r == 0 && raw->mirrored && !raw->primary) {
		read_status(img, &dl, raw);
		if (!raw->journal) {
			struct snaps_arg a = { .peer = false };

			r = ceph_image_call(img, &dl, snaps_fn, &a, sizeof(a));
			raw->have_copy = a.have_copy;
			raw->copying = a.copying;
			raw->copy_time = a.copy_time;
			raw->copy_primary_id = a.copy_primary_id;
		}
	}
	ceph_image_close(img, &dl);
	return r;
}

int ledger_read_end(struct ceph *local, struct ceph *peer, int peer_error, const char *pool,
		    const char *image, double timeout, int r, struct ledger_raw *raw,
		    struct ledger_disk *ret)
{
	struct timespec dl = deadline_after(timeout);
	rados_ioctx_t io;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->pool, sizeof(ret->pool), "%s", pool);
	snprintf(ret->image, sizeof(ret->image), "%s", image);
	if (r < 0)
		goto fail;
	raw->peer_error = peer ? 0 : (peer_error < 0 ? peer_error : -ENOTCONN);
	if (raw->mirrored && !raw->primary && peer && (r = ceph_pool(local, pool, &io)) == 0)
		read_peer(peer, io, pool, image, &dl, raw);
	if (r < 0)
		goto fail;
	ledger_judge(raw, ret);
	return 0;
fail:
	ret->error = r;
	ret->mode = LEDGER_MODE_UNKNOWN;
	ret->entries_behind = ret->snapshots_behind = ret->window_max = -1;
	snprintf(ret->note, sizeof(ret->note), "cannot read: %s", strerror(-r));
	return r;
}

int ledger_read_disk(struct ceph *local, struct ceph *peer, int peer_error, const char *pool,
		     const char *image, double timeout, struct ledger_disk *ret)
{
	struct ledger_raw raw;
	int r = ledger_read_local(local, pool, image, timeout, &raw);

	return ledger_read_end(local, peer, peer_error, pool, image, timeout, r, &raw, ret);
}

/* Output. */

static void utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
}

static void behind_text(const struct ledger_disk *d, char *buf, size_t len)
{
	if (d->mode == LEDGER_JOURNAL && d->entries_behind >= 0)
		snprintf(buf, len, "%s%lld entries", d->entries_at_least ? ">=" : "", d->entries_behind);
	else if (d->mode == LEDGER_SNAPSHOT && d->snapshots_behind >= 0)
		snprintf(buf, len, "%lld snaps", d->snapshots_behind);
	else
		snprintf(buf, len, "%s", d->primary ? "0" : "unknown");
}

int ledger_print_table(FILE *f, const struct ledger_vm *vms, size_t n, time_t now)
{
	fprintf(f, "%-6s %-24s %-34s %-8s %-13s %-20s %-7s %-10s %s\n", "VM", "NAME", "DISK", "MODE",
		"BEHIND", "POINT", "SOURCE", "RPO", "NOTE");
	for (size_t i = 0; i < n; i++) {
		const struct ledger_vm *vm = &vms[i];
		char rpo[32], age[32], disk[200], behind[32], point[32];
		long long s = 0;
		enum ledger_rpo k = ledger_vm_rpo(vm, &s);

		ledger_rpo_format(k, s, rpo, sizeof(rpo));
		if (vm->manifest_time > 0 && now >= vm->manifest_time)
			duration(now - vm->manifest_time, age, sizeof(age));
		else
			snprintf(age, sizeof(age), "unknown");
		fprintf(f, "%-6d %-24s %-34s %-8s %-13s %-20s %-7s %-10s manifest age %s\n", vm->vm_id, vm->name,
			"(VM: worst disk)", "", "", "", "", rpo, age);
		for (size_t j = 0; j < vm->n_disks; j++) {
			const struct ledger_disk *d = &vm->disks[j];

			snprintf(disk, sizeof(disk), "%s/%s", d->pool, d->image);
			behind_text(d, behind, sizeof(behind));
			utc(d->point, point, sizeof(point));
			ledger_rpo_format(d->rpo, d->window_seconds, rpo, sizeof(rpo));
			fprintf(f, "%-6s %-24s %-34s %-8s %-13s %-20s %-7s %-10s %s\n", "", "", disk,
				ledger_mode_name(d->mode), behind, point, ledger_source_name(d->point_source),
				rpo, d->note);
		}
	}
	return ferror(f) ? -EIO : 0;
}

static void json_ll(FILE *f, const char *name, long long v, bool known)
{
	fprintf(f, "\"%s\":", name);
	if (known)
		fprintf(f, "%lld", v);
	else
		fputs("null", f);
}

static const char *rpo_name(enum ledger_rpo r)
{
	return r == RPO_EXACT ? "exact" : r == RPO_AT_LEAST ? "at_least" : "unknown";
}

static void json_disk(FILE *f, const struct ledger_disk *d)
{
	fputs("{\"pool\":", f);
	json_string(f, d->pool);
	fputs(",\"image\":", f);
	json_string(f, d->image);
	fprintf(f, ",\"mode\":\"%s\",\"primary\":%s,", ledger_mode_name(d->mode), d->primary ? "true" : "false");
	json_ll(f, "measured", d->measured, d->measured != 0);
	fputc(',', f);
	json_ll(f, "entries_behind", d->entries_behind, d->entries_behind >= 0);
	fprintf(f, ",\"entries_at_least\":%s,\"entries_source\":\"%s\",", d->entries_at_least ? "true" : "false",
		ledger_source_name(d->entries_source));
	json_ll(f, "entries_as_of", d->entries_as_of, d->entries_as_of != 0);
	fputc(',', f);
	json_ll(f, "snapshots_behind", d->snapshots_behind, d->snapshots_behind >= 0);
	fputc(',', f);
	json_ll(f, "copy_time", d->copy_time, d->copy_time != 0);
	fprintf(f, ",\"copying\":%s,", d->copying ? "true" : "false");
	json_ll(f, "point", d->point, d->point != 0);
	fprintf(f, ",\"point_source\":\"%s\",\"rpo\":\"%s\",", ledger_source_name(d->point_source), rpo_name(d->rpo));
	json_ll(f, "window_seconds", d->window_seconds, d->rpo != RPO_UNKNOWN);
	fputc(',', f);
	json_ll(f, "window_max_seconds", d->window_max, d->window_max >= 0);
	fprintf(f, ",\"error\":%d,\"peer_error\":%d,\"note\":", -d->error, -d->peer_error);
	json_string(f, d->note);
	fputc('}', f);
}

int ledger_print_json(FILE *f, const struct ledger_vm *vms, size_t n, time_t now)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct ledger_vm *vm = &vms[i];
		long long s = 0;
		enum ledger_rpo k = ledger_vm_rpo(vm, &s);

		fprintf(f, "%s{\"vm_id\":%d,\"name\":", i ? "," : "", vm->vm_id);
		json_string(f, vm->name);
		fputc(',', f);
		json_ll(f, "manifest_time", vm->manifest_time, vm->manifest_time > 0);
		fputc(',', f);
		json_ll(f, "manifest_age", now - vm->manifest_time, vm->manifest_time > 0 && now >= vm->manifest_time);
		fprintf(f, ",\"rpo\":\"%s\",", rpo_name(k));
		json_ll(f, "rpo_seconds", s, k != RPO_UNKNOWN);
		fputs(",\"disks\":[", f);
		for (size_t j = 0; j < vm->n_disks; j++) {
			if (j)
				fputc(',', f);
			json_disk(f, &vm->disks[j]);
		}
		fputs("]}", f);
	}
	fputs("]\n", f);
	return ferror(f) ? -EIO : 0;
}

/* <NAME>value</NAME>, or nothing when unknown: an absent element is unknown. */
static int xml_known(xmlTextWriterPtr w, const char *name, long long v, bool known)
{
	return known ? xml_element_ll(w, name, v) : 0;
}

static int xml_disk(xmlTextWriterPtr w, const struct ledger_disk *d)
{
	int r = 0;

	if (xmlTextWriterStartElement(w, BAD_CAST "DISK") < 0)
		return -EIO;
	r = r ? r : xml_element(w, "POOL", d->pool);
	r = r ? r : xml_element(w, "IMAGE", d->image);
	r = r ? r : xml_element(w, "MODE", ledger_mode_name(d->mode));
	r = r ? r : xml_element(w, "PRIMARY", d->primary ? "YES" : "NO");
	r = r ? r : xml_known(w, "MEASURED", d->measured, d->measured != 0);
	r = r ? r : xml_known(w, "ENTRIES_BEHIND", d->entries_behind, d->entries_behind >= 0);
	r = r ? r : xml_element(w, "ENTRIES_AT_LEAST", d->entries_at_least ? "YES" : "NO");
	r = r ? r : xml_element(w, "ENTRIES_SOURCE", ledger_source_name(d->entries_source));
	r = r ? r : xml_known(w, "ENTRIES_AS_OF", d->entries_as_of, d->entries_as_of != 0);
	r = r ? r : xml_known(w, "SNAPSHOTS_BEHIND", d->snapshots_behind, d->snapshots_behind >= 0);
	r = r ? r : xml_known(w, "COPY_TIME", d->copy_time, d->copy_time != 0);
	r = r ? r : xml_element(w, "COPYING", d->copying ? "YES" : "NO");
	r = r ? r : xml_known(w, "POINT", d->point, d->point != 0);
	r = r ? r : xml_element(w, "POINT_SOURCE", ledger_source_name(d->point_source));
	r = r ? r : xml_element(w, "RPO", rpo_name(d->rpo));
	r = r ? r : xml_known(w, "WINDOW_SECONDS", d->window_seconds, d->rpo != RPO_UNKNOWN);
	r = r ? r : xml_known(w, "WINDOW_MAX_SECONDS", d->window_max, d->window_max >= 0);
	r = r ? r : xml_element_ll(w, "ERROR", -d->error);
	r = r ? r : xml_element_ll(w, "PEER_ERROR", -d->peer_error);
	r = r ? r : xml_element(w, "NOTE", d->note);
	if (r == 0 && xmlTextWriterEndElement(w) < 0)
		r = -EIO;
	return r;
}

int ledger_write_xml(xmlTextWriterPtr w, const struct ledger_vm *vms, size_t n, time_t now)
{
	int r = 0;

	if (xmlTextWriterStartElement(w, BAD_CAST "LEDGER") < 0)
		return -EIO;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct ledger_vm *vm = &vms[i];
		long long s = 0;
		enum ledger_rpo k = ledger_vm_rpo(vm, &s);

		if (xmlTextWriterStartElement(w, BAD_CAST "VM") < 0)
			return -EIO;
		r = r ? r : xml_element_ll(w, "ID", vm->vm_id);
		r = r ? r : xml_element(w, "NAME", vm->name);
		r = r ? r : xml_known(w, "MANIFEST_TIME", vm->manifest_time, vm->manifest_time > 0);
		r = r ? r : xml_known(w, "MANIFEST_AGE", now - vm->manifest_time,
				      vm->manifest_time > 0 && now >= vm->manifest_time);
		r = r ? r : xml_element(w, "RPO", rpo_name(k));
		r = r ? r : xml_known(w, "RPO_SECONDS", s, k != RPO_UNKNOWN);
		for (size_t j = 0; r == 0 && j < vm->n_disks; j++)
			r = xml_disk(w, &vm->disks[j]);
		if (r == 0 && xmlTextWriterEndElement(w) < 0)
			r = -EIO;
	}
	if (r == 0 && xmlTextWriterEndElement(w) < 0)
		r = -EIO;
	return r;
}

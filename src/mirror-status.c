/* mirror-status.c: what `onedr status` reports of a pool and its images; see mirror.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "mirror.h"
#include "peer.h"
#include "manifest-store.h"

struct pool_status_arg {
	rados_t rados;
	struct mirror_pool_status st;
};

static int pool_status_fn(rados_ioctx_t io, void *arg)
{
	static const char *const modes[] = { "disabled", "image", "pool" };
	static const char *const dirs[] = { "rx", "tx", "rx-tx" };
	struct pool_status_arg *a = arg;
	struct mirror_pool_status *ret = &a->st;
	rbd_mirror_peer_site_t peers[4];
	rbd_mirror_mode_t mode;
	size_t len;
	int npeers = 4, i, r;

	r = rbd_mirror_mode_get(io, &mode);
	if (r < 0)
		return r;
	snprintf(ret->mode, sizeof(ret->mode), "%s", mode <= RBD_MIRROR_MODE_POOL ? modes[mode] : "?");
	len = sizeof(ret->site);
	if (rbd_mirror_site_name_get(a->rados, ret->site, &len) < 0)
		ret->site[0] = '\0';
	len = sizeof(ret->uuid);
	if (mode != RBD_MIRROR_MODE_DISABLED && rbd_mirror_uuid_get(io, ret->uuid, &len) < 0)
		ret->uuid[0] = '\0';
	if (mode == RBD_MIRROR_MODE_DISABLED)
		return 0;
	r = rbd_mirror_peer_site_list(io, peers, &npeers);
	if (r < 0)
		return r;
	for (i = 0; i < npeers; i++) {
		struct mirror_peer_site *p = &ret->peers[i];

		snprintf(p->site, sizeof(p->site), "%s", peers[i].site_name ? peers[i].site_name : "");
		snprintf(p->direction, sizeof(p->direction), "%s",
			 peers[i].direction <= RBD_MIRROR_PEER_DIRECTION_RX_TX ? dirs[peers[i].direction] : "?");
		snprintf(p->mirror_uuid, sizeof(p->mirror_uuid), "%s",
			 peers[i].mirror_uuid ? peers[i].mirror_uuid : "");
		snprintf(p->client, sizeof(p->client), "%s", peers[i].client_name ? peers[i].client_name : "");
	}
	ret->npeers = (size_t)npeers;
	rbd_mirror_peer_site_list_cleanup(peers, npeers);
	return 0;
}

int mirror_pool_status(struct ceph *c, const char *pool, double timeout,
		       struct mirror_pool_status *ret)
{
	struct timespec dl = deadline_after(timeout);
	struct pool_status_arg *a;
	rados_ioctx_t io;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = ceph_pool(c, pool, &io);
	if (r < 0)
		return r;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->rados = c->rados;
	r = ceph_io_call(io, &dl, pool_status_fn, a, sizeof(*a));
	if (r == 0)
		*ret = a->st;
	free(a);
	return r;
}

static void state_name(bool up, rbd_mirror_image_status_state_t s, char *buf, size_t len)
{
	static const char *const names[] = { "unknown", "error", "syncing", "starting_replay",
					     "replaying", "stopping_replay", "stopped" };

	snprintf(buf, len, "%s+%s", up ? "up" : "down",
		 s <= MIRROR_IMAGE_STATUS_STATE_STOPPED ? names[s] : "unknown");
}

/* Age of the newest complete non-primary mirror snapshot, or -1. */
static long long snapshot_age_sync(rbd_image_t image)
{
	struct ceph_mirror_snap *v;
	long long age = -1;
	size_t n, i;

	if (ceph_mirror_snaps(image, &v, &n) < 0)
		return -1;
	for (i = n; i-- > 0;)
		if (v[i].complete && v[i].time &&
		    (v[i].state == RBD_SNAP_MIRROR_STATE_NON_PRIMARY ||
		     v[i].state == RBD_SNAP_MIRROR_STATE_NON_PRIMARY_DEMOTED)) {
			age = (long long)(time(NULL) - v[i].time);
			break;
		}
	free(v);
	return age;
}

static int snapshot_age_fn(rbd_image_t image, void *arg)
{
	*(long long *)arg = snapshot_age_sync(image);
	return 0;
}

/* The same under a deadline (rbd_snap_list has no aio): -1 when it passed. */
static long long snapshot_age(struct ceph_image *image, const struct timespec *dl)
{
	long long age = -1;

	ceph_image_call(image, dl, snapshot_age_fn, &age, sizeof(age));
	return age;
}

struct status_run {
	struct mirror_ctx *ctx;
	struct mirror_item *items;
	struct mirror_status *st;
	struct mirror_pool_status pools[2];	/* local pool's peers, for site names */
};

static void peer_site_name(const struct mirror_pool_status *ps, const char *uuid, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ps->npeers; i++)
		if (!strcmp(ps->peers[i].mirror_uuid, uuid) && ps->peers[i].site[0]) {
			snprintf(buf, len, "%s", ps->peers[i].site);
			return;
		}
	snprintf(buf, len, "%s", uuid);
}

static void fill_status(struct status_run *run, struct mirror_status *st, struct ceph_image *image,
			const rbd_mirror_image_global_status_t *gs, const struct timespec *dl)
{
	uint32_t i;

	st->lag_entries = -1;
	st->lag_seconds = -1;
	for (i = 0; i < gs->site_statuses_count; i++) {
		const rbd_mirror_image_site_status_t *s = &gs->site_statuses[i];
		const char *desc = s->description ? s->description : "";

		if (!s->mirror_uuid || !*s->mirror_uuid) {
			state_name(s->up, s->state, st->state, sizeof(st->state));
			snprintf(st->description, sizeof(st->description), "%s", desc);
		} else if (st->npeers < sizeof(st->peers) / sizeof(st->peers[0])) {
			struct mirror_peer_state *p = &st->peers[st->npeers++];

			peer_site_name(&run->pools[0], s->mirror_uuid, p->site, sizeof(p->site));
			state_name(s->up, s->state, p->state, sizeof(p->state));
			snprintf(p->description, sizeof(p->description), "%s", desc);
			p->last_update = s->last_update;
		}
		if (st->lag_entries < 0)
			st->lag_entries = ceph_mirror_status_number(desc, "entries_behind_primary");
		if (st->primary && st->lag_seconds < 0 &&
		    ceph_mirror_status_number(desc, "local_snapshot_timestamp") > 0)
			st->lag_seconds = (long long)time(NULL) -
					  ceph_mirror_status_number(desc, "local_snapshot_timestamp");
		if (strstr(desc, "split-brain"))
			st->split_brain = true;
	}
	if (!st->journal)
		st->lag_entries = -1;
	if (!st->journal && !st->primary)
		st->lag_seconds = snapshot_age(image, dl);
}

/* Whether the manifest in image-meta has reached the peer: compared byte
 * for byte with the peer's copy. */
static void manifest_state(struct mirror_status *st, struct ceph_image *image, rados_ioctx_t pio,
			   const struct timespec *dl)
{
	char *mine = NULL, *theirs = NULL;
	size_t ml, tl;

	if (store_read_image(image, dl, &mine, &ml) < 0) {
		st->manifest = MANIFEST_NONE;
		return;
	}
	st->manifest = MANIFEST_PRESENT;
	if (pio) {
		int r = store_read(pio, st->image, dl, &theirs, &tl);

		if (r == 0 && tl == ml && !memcmp(mine, theirs, ml))
			st->manifest = MANIFEST_SYNCED;
		else if (r == 0 || r == -ENODATA)
			st->manifest = MANIFEST_PENDING;
	}
	free(mine);
	free(theirs);
}

static void judge(struct mirror_status *st)
{
	size_t i;
	bool ok;

	if (st->peer_primary == 1 && st->primary)
		st->split_brain = true;
	if (st->primary) {
		ok = !strcmp(st->state, "up+stopped") && st->npeers > 0;
		for (i = 0; i < st->npeers; i++)
			ok = ok && !strcmp(st->peers[i].state, "up+replaying");
	} else {
		ok = !strcmp(st->state, "up+replaying");
	}
	st->healthy = st->error == 0 && st->enabled && !st->split_brain && ok;
}

static void status_one(void *arg, size_t i)
{
	struct status_run *run = arg;
	struct mirror_ctx *ctx = run->ctx;
	struct mirror_status *st = &run->st[i];
	struct timespec dl = deadline_after(ctx->image_timeout);
	rbd_mirror_image_global_status_t gs;
	rbd_mirror_image_info_t info;
	rbd_mirror_image_mode_t mode;
	struct ceph_image *image;
	rados_ioctx_t io, pio;
	bool pprimary;
	int r;

	st->pool = strdup(run->items[i].pool);
	st->image = strdup(run->items[i].image);
	st->peer_primary = -1;
	st->lag_entries = st->lag_seconds = -1;
	r = ceph_pool(ctx->local, run->items[i].pool, &io);
	if (r == 0)
		r = ceph_image_open(io, run->items[i].image, true, &dl, &image);
	if (r < 0) {
		st->error = r;
		judge(st);
		return;
	}
	r = ceph_mirror_get_info(image, &dl, &info);
	if (r == 0) {
		st->enabled = info.state == RBD_MIRROR_IMAGE_ENABLED;
		st->primary = info.primary;
		snprintf(st->global_id, sizeof(st->global_id), "%s", info.global_id ? info.global_id : "");
		rbd_mirror_image_get_info_cleanup(&info);
	}
	if (r == 0 && st->enabled)
		r = ceph_mirror_get_mode(image, &dl, &mode);
	if (r == 0 && st->enabled) {
		st->journal = mode == RBD_MIRROR_IMAGE_MODE_JOURNAL;
		r = ceph_mirror_get_global_status(image, &dl, &gs);
		if (r == 0) {
			fill_status(run, st, image, &gs, &dl);
			rbd_mirror_image_global_status_cleanup(&gs);
		}
	}
	if (r == 0 && st->enabled && ctx->peer && ceph_pool(ctx->peer, st->pool, &pio) == 0 &&
	    peer_is_primary(pio, st->image, &dl, &pprimary) == 0)
		st->peer_primary = pprimary;
	if (r == 0)
		manifest_state(st, image, st->enabled && ctx->peer && st->peer_primary >= 0 ? pio : NULL, &dl);
	st->error = r;
	ceph_image_close(image, &dl);	/* a stuck image stays open: ceph.h */
	judge(st);
}

int mirror_status(struct mirror_ctx *ctx, struct mirror_item *items, size_t n,
		  struct mirror_status *ret_status)
{
	struct status_run run;
	rados_ioctx_t io;
	size_t i;

	if (n == 0)
		return 0;
	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.items = items;
	run.st = ret_status;
	mirror_pool_status(ctx->local, items[0].pool, ctx->image_timeout, &run.pools[0]);
	for (i = 0; i < n; i++) {
		ceph_pool(ctx->local, items[i].pool, &io);
		if (ctx->peer)
			ceph_pool(ctx->peer, items[i].pool, &io);
	}
	return batch_run(n, ctx->concurrency, status_one, &run);
}

void mirror_status_free(struct mirror_status *st, size_t n)
{
	size_t i;

	for (i = 0; st && i < n; i++) {
		free(st[i].pool);
		free(st[i].image);
	}
	free(st);
}

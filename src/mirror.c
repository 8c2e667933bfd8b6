/* mirror.c: promote, demote, resync and status of many images; see mirror.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "mirror.h"
#include "peer.h"

const char *mirror_outcome_name(enum mirror_outcome o)
{
	static const char *const names[] = { "done", "noop", "refused", "failed", "timedout" };

	return names[o];
}

int mirror_item_parse(const char *spec, const char *default_pool, struct mirror_item *item)
{
	const char *slash = strchr(spec, '/');
	const char *name = slash ? slash + 1 : spec;

	memset(item, 0, sizeof(*item));
	if (!*name || strchr(name, '/') || strchr(name, '@') || (slash && slash == spec))
		return -EINVAL;
	item->pool = slash ? strndup(spec, (size_t)(slash - spec)) : strdup(default_pool);
	item->image = strdup(name);
	if (!item->pool || !item->image) {
		free(item->pool);
		free(item->image);
		return -ENOMEM;
	}
	return 0;
}

void mirror_items_free(struct mirror_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++) {
		free(items[i].pool);
		free(items[i].image);
	}
	free(items);
}

static void item_set(struct mirror_item *it, enum mirror_outcome o, int error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void item_set(struct mirror_item *it, enum mirror_outcome o, int error, const char *fmt, ...)
{
	va_list ap;

	it->outcome = o;
	it->error = error;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

/* Record a failed call: a timeout becomes MIRROR_TIMEDOUT. */
static void item_fail(struct mirror_item *it, int r, const char *what)
{
	if (r == -ETIMEDOUT)
		item_set(it, MIRROR_TIMEDOUT, r, "%s: timed out", what);
	else
		item_set(it, MIRROR_FAILED, r, "%s: %s", what, strerror(-r));
}

/* After a timeout: what state did we leave the image in? Uses a fresh handle. */
static void describe_left_state(rados_ioctx_t io, struct mirror_item *it)
{
	struct timespec dl = deadline_after(5);
	rbd_mirror_image_info_t info;
	rbd_image_t image;
	size_t n = strlen(it->detail);

	if (ceph_image_open(io, it->image, true, &dl, &image) < 0) {
		snprintf(it->detail + n, sizeof(it->detail) - n, "; state left: unknown (cannot open)");
		return;
	}
	if (ceph_mirror_get_info(image, &dl, &info) < 0) {
		snprintf(it->detail + n, sizeof(it->detail) - n, "; state left: unknown");
		return;	/* the handle stays with the abandoned call */
	}
	snprintf(it->detail + n, sizeof(it->detail) - n, "; state left: %s; a rerun retries it",
		 info.primary ? "primary" : "non-primary");
	rbd_mirror_image_get_info_cleanup(&info);
	ceph_image_close(image, &dl);
}

static void progress(struct mirror_ctx *ctx, const struct mirror_item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void progress(struct mirror_ctx *ctx, const struct mirror_item *it, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!ctx->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->progress(ctx->arg, it, msg);
}

/* Promote. */

/* Non-forced: wait until the peer's demotion has been replayed here, then promote. */
static int promote_when_safe(struct mirror_ctx *ctx, struct mirror_item *it, rados_ioctx_t io,
			     rbd_image_t image, rbd_mirror_image_mode_t mode)
{
	struct timespec wait_dl = deadline_after(ctx->promote_wait);
	double next_note = ctx->promote_wait - 5;
	const char *peer = ctx->peer_name ? ctx->peer_name : "the peer site";
	char why[256] = "the demotion on the peer has not arrived";
	rados_ioctx_t pio = NULL;
	int r;

	if (ctx->peer && ceph_pool(ctx->peer, it->pool, &pio) < 0)
		pio = NULL;
	for (;;) {
		struct timespec dl = deadline_after(ctx->image_timeout);
		enum peer_verdict verdict = PEER_SAFE;
		double left;

		if (pio) {
			r = peer_check_promote(io, image, pio, it->image, mode, &dl, &verdict,
					       why, sizeof(why));
			if (r < 0) {
				item_set(it, MIRROR_REFUSED, r, "cannot check the image on %s (%s): "
					 "not promoting without --force", peer, strerror(-r));
				return r;
			}
			if (verdict == PEER_PRIMARY) {
				item_set(it, MIRROR_REFUSED, -EBUSY, "primary on %s: demote it there first, "
					 "or use --force if %s is lost", peer, peer);
				return -EBUSY;
			}
		}
		if (verdict == PEER_SAFE) {
			r = ceph_mirror_promote(image, false, &dl);
			if (r == 0) {
				item_set(it, MIRROR_DONE, 0, "promoted");
				return 0;
			}
			if (r != -EBUSY && r != -EROFS) {
				item_fail(it, r, "promote");
				return r;
			}
			if (r == -EBUSY && !pio && ctx->peer_name) {
				item_set(it, MIRROR_REFUSED, r, "not demoted on %s, which is unreachable (%s): "
					 "use --force if %s is lost", peer, strerror(-ctx->peer_error), peer);
				return r;
			}
			/* EBUSY: librbd has not seen the demotion yet. EROFS: the
			 * image lock is still held by this site's rbd-mirror, which
			 * lets go once it sees the peer demoted. Both pass. */
			snprintf(why, sizeof(why), r == -EBUSY ?
				 "Ceph says the demotion is not propagated yet" :
				 "the image is still locked by this site's rbd-mirror");
		}
		left = deadline_left(&wait_dl);
		if (left <= 0) {
			item_set(it, MIRROR_REFUSED, -ETIMEDOUT, "not promoted after waiting %.0f s: %s%s%s%s",
				 ctx->promote_wait, why, verdict == PEER_WAIT ?
				 "; it holds writes this site lacks: promote on " : "",
				 verdict == PEER_WAIT ? peer : "", verdict == PEER_WAIT ? " instead" : "");
			return -ETIMEDOUT;
		}
		if (left <= next_note) {
			progress(ctx, it, "waiting for %s's demotion: %s (%.0f s left)", peer, why, left);
			next_note = left - 5;
		}
		usleep(250 * 1000);
	}
}

static void do_promote(struct mirror_ctx *ctx, struct mirror_item *it, rados_ioctx_t io,
		       rbd_image_t image, const rbd_mirror_image_info_t *info)
{
	struct timespec dl = deadline_after(ctx->image_timeout);
	rbd_mirror_image_mode_t mode;
	rados_ioctx_t pio;
	bool peer_primary = false;
	int r;

	if (info->primary) {
		item_set(it, MIRROR_NOOP, 0, "already primary");
		return;
	}
	r = ceph_mirror_get_mode(image, &dl, &mode);
	if (r < 0) {
		item_fail(it, r, "get mirror mode");
		return;
	}
	if (!ctx->force) {
		promote_when_safe(ctx, it, io, image, mode);
		return;
	}
	/* Forcing is for a lost peer. If the peer answers and holds the primary
	 * copy, forcing would make two primaries: refuse. */
	if (ctx->peer && ceph_pool(ctx->peer, it->pool, &pio) == 0 &&
	    peer_is_primary(pio, it->image, &dl, &peer_primary) == 0 && peer_primary) {
		item_set(it, MIRROR_REFUSED, -EBUSY, "primary on %s, which is reachable: demote it "
			 "there instead of forcing", ctx->peer_name);
		return;
	}
	dl = deadline_after(ctx->image_timeout);
	r = ceph_mirror_promote(image, true, &dl);
	if (r < 0)
		item_fail(it, r, "forced promote");
	else
		item_set(it, MIRROR_DONE, 0, "promoted (forced)");
}

/* Demote. */

static void do_demote(struct mirror_ctx *ctx, struct mirror_item *it, rbd_image_t image,
		      const rbd_mirror_image_info_t *info)
{
	struct timespec dl = deadline_after(ctx->image_timeout);
	int r;

	if (!info->primary) {
		item_set(it, MIRROR_NOOP, 0, "already non-primary");
		return;
	}
	r = ceph_mirror_demote(image, &dl);
	if (r == -EROFS)
		item_set(it, MIRROR_FAILED, r, "demote: %s (the image lock is held, often by this "
			 "site's rbd-mirror while the peer is unreachable)", strerror(-r));
	else if (r < 0)
		item_fail(it, r, "demote");
	else
		item_set(it, MIRROR_DONE, 0, "demoted");
}

/* Resync. */

static int add_extent(uint64_t offset, size_t len, int exists, void *arg)
{
	if (exists)
		*(uint64_t *)arg += len;
	return 0;
}

static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void do_resync(struct mirror_ctx *ctx, struct mirror_item *it, rbd_image_t image,
		      const rbd_mirror_image_info_t *info)
{
	char size[32], used[32];
	int r;

	if (info->primary) {
		item_set(it, MIRROR_REFUSED, -EPERM, "primary here: a resync would replace it with the "
			 "peer's copy; demote it first if that is what you want");
		return;
	}
	r = rbd_get_size(image, &it->size);
	if (r == 0)
		r = rbd_diff_iterate2(image, NULL, 0, it->size, 0, 1, add_extent, &it->used);
	if (r < 0) {
		item_fail(it, r, "measure");
		return;
	}
	human_size(it->size, size, sizeof(size));
	human_size(it->used, used, sizeof(used));
	if (ctx->dry_run) {
		item_set(it, MIRROR_NOOP, 0, "would copy up to %s (size %s)", used, size);
		return;
	}
	progress(ctx, it, "resync will copy up to %s (size %s)", used, size);
	r = rbd_mirror_image_resync(image);
	if (r < 0)
		item_fail(it, r, "resync");
	else
		item_set(it, MIRROR_DONE, 0, "resync requested: copies up to %s from the peer", used);
}

/* One image: open, check mirroring, act, close. */

struct run {
	struct mirror_ctx *ctx;
	enum mirror_op op;
	struct mirror_item *items;
};

static void run_one(void *arg, size_t i)
{
	struct run *run = arg;
	struct mirror_ctx *ctx = run->ctx;
	struct mirror_item *it = &run->items[i];
	struct timespec start = deadline_after(0), dl = deadline_after(ctx->image_timeout);
	rbd_mirror_image_info_t info;
	rbd_image_t image;
	rados_ioctx_t io;
	int r;

	r = ceph_pool(ctx->local, it->pool, &io);
	if (r == -ENOENT) {
		item_set(it, MIRROR_FAILED, r, "no such pool '%s'", it->pool);
		goto out;
	}
	if (r == 0)
		r = ceph_image_open(io, it->image, false, &dl, &image);
	if (r < 0) {
		if (r == -ENOENT)
			item_set(it, MIRROR_FAILED, r, "no such image");
		else
			item_fail(it, r, "open");
		goto out;
	}
	r = ceph_mirror_get_info(image, &dl, &info);
	if (r < 0) {
		item_fail(it, r, "get mirror info");
	} else {
		if (info.state != RBD_MIRROR_IMAGE_ENABLED)
			item_set(it, MIRROR_FAILED, -EINVAL, "mirroring is not enabled on this image");
		else if (run->op == MIRROR_OP_PROMOTE)
			do_promote(ctx, it, io, image, &info);
		else if (run->op == MIRROR_OP_DEMOTE)
			do_demote(ctx, it, image, &info);
		else
			do_resync(ctx, it, image, &info);
		rbd_mirror_image_get_info_cleanup(&info);
	}
	if (it->outcome == MIRROR_TIMEDOUT) {
		describe_left_state(io, it);	/* the handle stays with the stuck call */
	} else {
		dl = deadline_after(ctx->image_timeout);
		r = ceph_image_close(image, &dl);
		if (r < 0 && it->outcome != MIRROR_FAILED)
			item_fail(it, r, "close");
	}
out:
	it->seconds = -deadline_left(&start);
	if (ctx->done)
		ctx->done(ctx->arg, it);
}

/* Open every pool the items name, before the workers share the handles. */
static int open_pools(struct mirror_ctx *ctx, struct mirror_item *items, size_t n)
{
	rados_ioctx_t io;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = ceph_pool(ctx->local, items[i].pool, &io);
		if (r == -ENOENT)
			continue;	/* each item reports it */
		if (r < 0)
			return r;
		if (ctx->peer)
			ceph_pool(ctx->peer, items[i].pool, &io);	/* absent there: checked per image */
	}
	return 0;
}

int mirror_run(struct mirror_ctx *ctx, enum mirror_op op, struct mirror_item *items, size_t n)
{
	struct run run = { ctx, op, items };
	int r = open_pools(ctx, items, n);

	if (r < 0)
		return r;
	return batch_run(n, ctx->concurrency, run_one, &run);
}

/* Pool listing. */

int mirror_pool_images(struct ceph *c, const char *pool, struct mirror_item **ret_items,
		       size_t *ret_n, char ***ret_plain, size_t *ret_nplain)
{
	rbd_image_spec_t *specs = NULL;
	size_t nspecs = 64, i, n = 0, nplain = 0;
	struct mirror_item *items = NULL;
	char **plain = NULL;
	rados_ioctx_t io;
	bool *enabled = NULL;
	int r;

	r = ceph_pool(c, pool, &io);
	if (r < 0)
		return r;
	for (;;) {
		specs = calloc(nspecs, sizeof(*specs));
		if (!specs)
			return -ENOMEM;
		r = rbd_list2(io, specs, &nspecs);
		if (r != -ERANGE)
			break;
		free(specs);	/* nspecs now holds what is needed */
	}
	if (r < 0)
		goto out;
	enabled = calloc(nspecs + 1, sizeof(*enabled));
	items = calloc(nspecs + 1, sizeof(*items));
	plain = calloc(nspecs + 1, sizeof(*plain));
	if (!enabled || !items || !plain) {
		r = -ENOMEM;
		goto out;
	}
	/* which image ids have mirroring enabled, in pages */
	{
		char start[128] = "";
		for (;;) {
			char *ids[256];
			rbd_mirror_image_mode_t modes[256];
			rbd_mirror_image_info_t infos[256];
			size_t got = 0, k, j;

			r = rbd_mirror_image_info_list(io, NULL, start, 256, ids, modes, infos, &got);
			if (r < 0)
				goto out;
			for (k = 0; k < got; k++)
				for (j = 0; j < nspecs; j++)
					if (!strcmp(specs[j].id, ids[k]) &&
					    infos[k].state == RBD_MIRROR_IMAGE_ENABLED)
						enabled[j] = true;
			if (got)
				snprintf(start, sizeof(start), "%s", ids[got - 1]);
			rbd_mirror_image_info_list_cleanup(ids, infos, got);
			if (got < 256)
				break;
		}
	}
	for (i = 0; i < nspecs; i++) {
		if (enabled[i]) {
			items[n].pool = strdup(pool);
			items[n].image = strdup(specs[i].name);
			if (!items[n].pool || !items[n++].image) {
				r = -ENOMEM;
				goto out;
			}
		} else if (ret_plain) {
			plain[nplain] = strdup(specs[i].name);
			if (!plain[nplain++]) {
				r = -ENOMEM;
				goto out;
			}
		}
	}
	r = 0;
	*ret_items = items;
	*ret_n = n;
	items = NULL;
	if (ret_plain) {
		*ret_plain = plain;
		*ret_nplain = nplain;
		plain = NULL;
	}
out:
	if (plain)
		for (i = 0; i < nplain; i++)
			free(plain[i]);
	free(plain);
	mirror_items_free(items, n);
	free(enabled);
	if (specs && r != -ERANGE)
		rbd_image_spec_list_cleanup(specs, nspecs);
	free(specs);
	return r;
}

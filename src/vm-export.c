/*
 * vm-export.c: a VM's manifest, built and written onto its Ceph disks (see
 * vm-export.h).
 */
#include "config.h"

#include "vm-export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ceph-lock.h"
#include "manifest-build.h"

/* The name of the datastore the VM runs on: from the datastore pool, else
 * from a DISK that lives on it (a volatile disk says DATASTORE_ID and
 * DATASTORE of the system datastore). NULL when neither says. */
static const char *sys_ds_name(const struct one_vm *vm, const struct one_objs *dss)
{
	const struct one_obj *ds;
	char id[32];

	if (vm->ds_id < 0)
		return NULL;
	if (dss)
		return (ds = one_objs_by_id(dss, vm->ds_id)) ? ds->name : NULL;
	snprintf(id, sizeof(id), "%d", vm->ds_id);
	for (const struct tmpl_attr *d = tmpl_find(vm->tmpl, "DISK"); d; d = tmpl_find_next(d, "DISK")) {
		const char *did = tmpl_attr_get(d, "DATASTORE_ID"), *name = tmpl_attr_get(d, "DATASTORE");

		if (did && name && *name && !strcmp(did, id))
			return name;
	}
	return NULL;
}

int vm_export_build(const struct one_vm *vm, const struct one_objs *images,
		    const struct one_objs *dss, const char *site, long long now,
		    struct manifest **ret, struct manifest_error *err)
{
	struct manifest *m = NULL;
	const char *sys;
	int r = manifest_build(vm, images, site, now, &m, err);

	if (r < 0)
		return r;
	/* the system datastore it runs on, by name: recreate --deploy maps it */
	sys = sys_ds_name(vm, dss);
	if (sys && !(m->sys_ds = strdup(sys))) {
		manifest_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

int vm_export_stored(struct ceph *c, const struct manifest *m, const struct manifest_key *key,
		     unsigned image_timeout, struct manifest **ret)
{
	int first_error = 0;

	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *d = &m->disks[i];
		struct timespec dl = deadline_after(image_timeout);
		struct manifest *prev = NULL;
		rados_ioctx_t io;
		char *text = NULL;
		size_t len;
		int r;

		if (d->kind == DISK_UNPROTECTED)
			continue;
		r = ceph_pool(c, d->pool, &io);
		if (r == 0)
			r = store_read(io, d->rbd, &dl, &text, &len);
		if (r == 0 && manifest_decode(text, len, key, &prev, NULL) == 0 &&
		    prev->auth == MANIFEST_VERIFIED && !strcmp(prev->site, m->site) &&
		    prev->vm_id == m->vm_id && manifest_has_disk(prev, d->pool, d->rbd)) {
			free(text);
			*ret = prev;
			return 0;
		}
		manifest_free(prev);
		free(text);
		if (r < 0 && r != -ENODATA && r != -ENOENT && !first_error)
			first_error = r;
	}
	return first_error ? first_error : -ENODATA;
}

static const struct manifest_disk *same_disk(const struct manifest *prev,
					     const struct manifest_disk *d)
{
	for (size_t i = 0; i < prev->n_disks; i++) {
		const struct manifest_disk *p = &prev->disks[i];

		if (p->disk_id == d->disk_id && p->kind == d->kind && p->image_id == d->image_id &&
		    p->pool && p->rbd && !strcmp(p->pool, d->pool) && !strcmp(p->rbd, d->rbd))
			return p;
	}
	return NULL;
}

static int replace(char **field, const char *value)
{
	char *v;

	if (!value)
		return 0;
	if (!(v = strdup(value)))
		return -ENOMEM;
	free(*field);
	*field = v;
	return 0;
}

int vm_export_keep(struct manifest *m, const struct manifest *prev)
{
	int r;

	for (size_t i = 0; i < m->n_disks; i++) {
		struct manifest_disk *d = &m->disks[i];
		const struct manifest_disk *p;
		const char *type;

		if (d->kind == DISK_UNPROTECTED || d->image_id < 0 || !(p = same_disk(prev, d)))
			continue;
		type = p->image ? tmpl_get(p->image, "TYPE") : NULL;
		if (type && d->image && (r = tmpl_set(d->image, "TYPE", type)) < 0)
			return r;
		if (d->kind == DISK_PERSISTENT &&
		    ((r = replace(&d->uname, p->uname)) < 0 || (r = replace(&d->gname, p->gname)) < 0))
			return r;
	}
	if (!m->sys_ds && (r = replace(&m->sys_ds, prev->sys_ds)) < 0)
		return r;
	return 0;
}

const char *vm_export_result_name(enum store_result r)
{
	switch (r) {
	case STORE_UNCHANGED: return "unchanged";
	case STORE_WRITTEN: return "written";
	case STORE_WRITTEN_SNAPSHOT: return "written, mirror snapshot taken";
	case STORE_WRITTEN_UNMIRRORED: return "written, but NOT MIRRORED: it will not reach the other site";
	case STORE_SNAPSHOT_RETAKEN: return "unchanged, mirror snapshot taken (the last write stopped before it)";
	}
	return "?";
}

const char *vm_export_hint(int r)
{
	switch (r) {
	case -EROFS: return "the image is not primary on this site: export where the VM runs";
	case -ENOENT: return "no such RBD image";
	case -E2BIG: return "the manifest is larger than onedr stores";
	case -ETIMEDOUT: return "timed out";
	case -EBADMSG: return "its manifest is damaged or signed with another key";
	case -EKEYREJECTED: return "its manifest is unsigned (an older onedr): not signed now";
	default: return strerror(-r);
	}
}

void vm_export_why(rados_ioctx_t io, const char *image, int r, const struct timespec *dl,
		   char *buf, size_t len)
{
	char who[320];
	int q;

	if (r != -EBUSY) {
		snprintf(buf, len, "%s", vm_export_hint(r));
		return;
	}
	/* a primary image refused the manifest: its exclusive lock is held by
	 * another client that does not let go (often this site's rbd-mirror
	 * while the peer site is unreachable). Name it. */
	q = ceph_lock_describe(io, image, dl, who, sizeof(who));
	if (q == 0)
		snprintf(buf, len, "the image is primary but its exclusive lock is held by %s, "
			 "which does not release it", who);
	else
		snprintf(buf, len, "the image is primary but its exclusive lock is held by "
			 "another client, which does not release it (cannot tell which: %s)",
			 strerror(-q));
}

int vm_export_write(struct ceph *c, const struct manifest *m, const struct manifest_key *key,
		    unsigned image_timeout, const bool *skip, vm_export_report_fn *report,
		    void *arg, size_t *ret_failed)
{
	size_t protected = 0, failed = 0;

	for (size_t i = 0; i < m->n_disks; i++) {
		struct vm_export_disk res = { .disk = &m->disks[i] };
		const struct manifest_disk *d = res.disk;
		struct timespec dl = deadline_after(image_timeout);
		rados_ioctx_t io;

		if (d->kind == DISK_UNPROTECTED)
			continue;
		protected++;
		if (skip && skip[i])
			continue;
		res.r = ceph_pool(c, d->pool, &io);
		if (res.r == 0)
			res.r = store_write(io, d->rbd, m, key, &dl, &res.res);
		if (res.r < 0) {
			vm_export_why(io, d->rbd, res.r, &dl, res.why, sizeof(res.why));
			failed++;
		}
		report(arg, m, &res);
	}
	if (protected == 0)
		return -ENODATA;
	*ret_failed = failed;
	return 0;
}

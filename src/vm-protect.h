/*
 * vm-protect.h: what the protect hook does to a VM's Ceph disks, fast
 * enough to cost oned no more than one rbd CLI process (goal P3).
 *
 * Each disk is opened once, read-only, all disks at the same time: its
 * mirroring is read (an image not mirrored yet is enabled through
 * mirror-enable.h, and so is every clone, whose parent mirror-enable checks
 * again), its stored manifest read; then the manifest is completed from the
 * stored one when asked (vm_export_keep: what a state hook's payload lacks)
 * and, only where it differs, the image is opened again read-write and the
 * manifest written (store_write_image), with the mirror snapshot that
 * carries it in snapshot mode. A read-only open registers no watch: the
 * usual run, where nothing changed, costs one light open per disk.
 */
#ifndef ONEDR_VM_PROTECT_H
#define ONEDR_VM_PROTECT_H

#include <stdbool.h>
#include <stddef.h>

#include "ceph.h"
#include "manifest.h"
#include "manifest-format.h"
#include "manifest-store.h"
#include "mirror-enable.h"

/* What protecting did on one Ceph disk of the manifest. */
struct vm_protect_disk {
	const struct manifest_disk *disk;	/* in the manifest */
	int r;				/* 0, or -errno of the step that failed */
	bool missing;			/* the RBD does not exist (r -ENOENT) */
	bool mirror_failed;		/* r is mirroring's: nothing was written */
	struct mirror_enable_result mirror;	/* .already: nothing to enable */
	enum store_result res;		/* the manifest, when r == 0 */
	char why[512];			/* r < 0: why, for one line */
	/* between the steps */
	struct ceph_image *img;
	struct store_mirror mi;
	char *cur;
	size_t cur_len;
	bool pending;			/* a snapshot-mode write to finish */
	bool done;			/* its write step ran */
};

struct vm_protect {
	struct ceph *ceph;
	const struct manifest_key *key;
	enum mirror_enable_mode mode;	/* for disks not mirrored yet */
	unsigned image_timeout;		/* seconds, per disk */
	unsigned concurrency;		/* disks in flight at once */
	bool keep;			/* complete m from the stored manifest */
	bool write_likely;		/* open read-write at once (an API hook: the
					 * call changed the VM) */
};

/*
 * Protect every Ceph disk of m. Returns -ENODATA when m has none, -ESTALE
 * when a stored manifest of the VM says it is retired (nothing is written:
 * the VM was terminated here), -ENOMEM, or 0 with one result per Ceph disk
 * in *ret (malloc'd, m's disk order; free with vm_protect_free), whatever
 * happened to each. m is completed from the stored manifest first when
 * p->keep.
 */
int vm_protect(const struct vm_protect *p, struct manifest *m, struct vm_protect_disk **ret,
	       size_t *ret_n);
void vm_protect_free(struct vm_protect_disk *d, size_t n);

#endif

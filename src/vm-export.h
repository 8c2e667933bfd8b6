/*
 * vm-export.h: a VM's manifest built from its document and written onto its
 * Ceph disks: what `onedr export` does for each VM, and what the protect
 * hook does from a hook payload.
 *
 * oned's extended VM document (one.vm.info, or a VM state hook's payload)
 * has all a manifest needs but three things, which only other documents
 * give: the TYPE of each image (a guess without the image: READONLY is a
 * CDROM, disk 0 an OS, the others DATABLOCKs), the owner of a persistent
 * image (without it: the VM's owner), and the name of the system datastore
 * the VM runs on (without the datastore pool: the DATASTORE of a DISK on
 * it, a volatile disk). export reads those documents; the state hook, which
 * makes no XML-RPC call, keeps what the manifest already on the VM's disks
 * says of them (vm_export_keep), so that the two write the same manifest
 * and neither rewrites the other's.
 */
#ifndef ONEDR_VM_EXPORT_H
#define ONEDR_VM_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "ceph.h"
#include "manifest.h"
#include "manifest-format.h"
#include "manifest-store.h"
#include "one-doc.h"

/*
 * The manifest of vm at site, taken at now. images and dss (each may be
 * NULL) are the image and datastore pools: they give the image TYPEs and
 * owners, and the system datastore's name (else taken from a DISK on it).
 * Returns what manifest_build returns.
 */
int vm_export_build(const struct one_vm *vm, const struct one_objs *images,
		    const struct one_objs *dss, const char *site, long long now,
		    struct manifest **ret, struct manifest_error *err);

/*
 * The manifest the VM's disks hold now: the first verified one, signed with
 * key, of the same site and VM, read from m's Ceph disks in order. -ENODATA:
 * none (a new VM), or none that can be trusted; other -errno: a disk could
 * not be read (the next ones are tried first).
 */
int vm_export_stored(struct ceph *c, const struct manifest *m, const struct manifest_key *key,
		     unsigned image_timeout, struct manifest **ret);

/*
 * Fill in what a VM document alone cannot say (see the top of this file)
 * from prev, the stored manifest of the same VM, for each disk that is the
 * same disk there (ID, kind, image, pool and RBD): the image TYPE, and the
 * owner of a persistent image; and the system datastore when m has none.
 */
int vm_export_keep(struct manifest *m, const struct manifest *prev);

/* What writing the manifest did on one disk. */
struct vm_export_disk {
	const struct manifest_disk *disk;	/* in the manifest */
	int r;				/* 0, or -errno */
	enum store_result res;		/* r == 0 */
	char why[512];			/* r < 0: why, for one line */
};

/* Called once per Ceph disk, as soon as it is written (or not). */
typedef void vm_export_report_fn(void *arg, const struct manifest *m,
				 const struct vm_export_disk *d);

/*
 * Write m, signed with key, onto each of its Ceph disks (not those whose
 * skip[i] is true, i their index in m->disks; skip may be NULL), each within
 * image_timeout seconds; report each. Returns -ENODATA when m has no Ceph
 * disk (nothing can carry it), else 0 with *ret_failed the disks not
 * written.
 */
int vm_export_write(struct ceph *c, const struct manifest *m, const struct manifest_key *key,
		    unsigned image_timeout, const bool *skip, vm_export_report_fn *report,
		    void *arg, size_t *ret_failed);

/* What a result means, for a line: "written, mirror snapshot taken"... */
const char *vm_export_result_name(enum store_result r);

/* Why a store_write() or store_retire() failed, for a line. */
const char *vm_export_hint(int r);

/* The same for a failed write on image of the pool io, naming the client
 * that holds its exclusive lock when that is why (-EBUSY). */
void vm_export_why(rados_ioctx_t io, const char *image, int r, const struct timespec *dl,
		   char *buf, size_t len);

#endif

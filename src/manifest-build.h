/*
 * manifest-build.h: a VM's manifest from its XML document (one.vm.info or a
 * hook's payload), optionally helped by the documents of its images: the
 * portable template follows OpenNebula's "save as template" rules (what oned
 * generates is dropped), and each DISK becomes the RBD that holds it and the
 * image template that registers that RBD on the other site. No I/O.
 */
#ifndef ONEDR_MANIFEST_BUILD_H
#define ONEDR_MANIFEST_BUILD_H

#include "manifest.h"
#include "one-doc.h"
#include "template.h"

/*
 * Build the manifest of vm, taken at site at time now. images (may be NULL)
 * are the documents of the VM's images; without them the image templates
 * take name and owner from the DISK itself. Returns 0, -ENOMEM, or -EINVAL
 * with the reason in *err (a VM that has no ID, a disk that says it is on
 * Ceph but has no SOURCE, ...).
 */
int manifest_build(const struct one_vm *vm, const struct one_objs *images,
		   const char *site, long long now, struct manifest **ret,
		   struct manifest_error *err);

/* Exposed for tests: remove from a VM's TEMPLATE / USER_TEMPLATE what oned
 * generates (in place). */
int manifest_strip_template(struct tmpl *t);
int manifest_strip_user_template(struct tmpl *t);

#endif

/*
 * rbd-name.h: the RBD an OpenNebula image SOURCE names.
 */
#ifndef ONEDR_RBD_NAME_H
#define ONEDR_RBD_NAME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * An image's SOURCE as pool and RBD name, the way the Ceph datastore
 * drivers read it: blanks around the value and around each part are
 * ignored, a SOURCE without a pool is in default_pool, and "@snap" names a
 * snapshot of the RBD (*ret_snap true). Fills pool and rbd (NUL-terminated,
 * each of size len); -EINVAL when src is not of that form.
 */
int manifest_source_split(const char *src, const char *default_pool, char *pool, char *rbd,
			  size_t len, bool *ret_snap);

#endif

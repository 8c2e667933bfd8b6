/* tm.h: what the TM actions share beyond remote.h. */
#ifndef ONEDR_REMOTE_TM_H
#define ONEDR_REMOTE_TM_H

#include "remote.h"

/* Mirror the volatile disk tm/ceph/mkimage or mkswap made for DST
 * (host:path/disk.N) of VM vm_id: POOL/one-sys-VM_ID-N. 0 or an exit code. */
int remote_volatile_mirror(struct remote *rm, const char *dst, const char *vm_id);

#endif

/*
 * driver-spawn.h: run one of OpenNebula's stock driver actions
 * (REMOTES/tm/ceph/clone ...) as oned would have: the same argv, the same
 * stdin bytes, the environment and cwd inherited, no shell (posix_spawn).
 * Its stderr goes straight to ours (oned shows it); its stdout too, or is
 * captured when the caller needs it (a datastore action's new SOURCE) and
 * must then be passed on by the caller.
 */
#ifndef ONEDR_DRIVER_SPAWN_H
#define ONEDR_DRIVER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/* Everything readable on fd, up to its end (at most max bytes: -E2BIG
 * beyond), NUL-terminated. A terminal is read as empty: a driver run by
 * hand must not wait for input. */
int driver_read_input(int fd, size_t max, char **ret_data, size_t *ret_len);

struct driver_run {
	int status;		/* its exit code; 128+N when killed by signal N */
	char *out;		/* capture_out: what it printed, NUL-terminated */
	size_t out_len;
};

/*
 * Run path with argv (argv[0] as given, NULL-terminated), writing in[0..len)
 * to its stdin then closing it (in NULL: stdin is inherited). 0 once the
 * program ran and ended (whatever its exit code: ret->status), else -errno
 * (-ENOENT: no such program, -EACCES: not executable).
 */
int driver_spawn(const char *path, char *const argv[], const char *in, size_t len,
		 bool capture_out, struct driver_run *ret);

void driver_run_free(struct driver_run *r);

#endif

/* driver-spawn.c: run a stock driver action; see driver-spawn.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver-spawn.h"

extern char **environ;

int driver_read_input(int fd, size_t max, char **ret_data, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	if (!isatty(fd)) {
		for (;;) {
			ssize_t n;

			if (len == cap) {
				char *nb;

				if (cap > max) {
					free(buf);
					return -E2BIG;
				}
				cap *= 2;
				nb = realloc(buf, cap + 1);
				if (!nb) {
					free(buf);
					return -ENOMEM;
				}
				buf = nb;
			}
			n = read(fd, buf + len, cap - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				int r = -errno;

				free(buf);
				return r;
			}
			if (n == 0)
				break;
			len += (size_t)n;
		}
		if (len > max) {
			free(buf);
			return -E2BIG;
		}
	}
	buf[len] = '\0';
	*ret_data = buf;
	*ret_len = len;
	return 0;
}

void driver_run_free(struct driver_run *r)
{
	free(r->out);
	r->out = NULL;
}

/* Append what fd has to *buf. 0 at its end, 1 when more may come. */
static int drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	if (*len + (size_t)n + 1 > *cap) {
		size_t nc = (*cap ? *cap : 4096);
		char *nb;

		while (*len + (size_t)n + 1 > nc)
			nc *= 2;
		nb = realloc(*buf, nc);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, chunk, (size_t)n);
	*len += (size_t)n;
	return 1;
}

/* Feed in to the child's stdin and collect its stdout until both are done. */
static int pump(int in_fd, const char *in, size_t len, int out_fd, char **out, size_t *out_len)
{
	size_t sent = 0, cap = 0;
	int r = 0;

	if (in_fd >= 0 && len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	while (in_fd >= 0 || out_fd >= 0) {
		struct pollfd p[2];
		int n = 0, iw = -1, io = -1;

		if (in_fd >= 0) {
			p[n] = (struct pollfd){ .fd = in_fd, .events = POLLOUT };
			iw = n++;
		}
		if (out_fd >= 0) {
			p[n] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
			io = n++;
		}
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (iw >= 0 && p[iw].revents) {
			ssize_t w = write(in_fd, in + sent, len - sent);

			if (w > 0)
				sent += (size_t)w;
			/* EPIPE: the action stopped reading; what it did not
			 * read is its business, as with oned */
			if ((w < 0 && errno != EINTR && errno != EAGAIN) || sent == len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (io >= 0 && p[io].revents) {
			int d = drain(out_fd, out, out_len, &cap);

			if (d <= 0) {
				if (d < 0)
					r = d;
				close(out_fd);
				out_fd = -1;
			}
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	return r;
}

int driver_spawn(const char *path, char *const argv[], const char *in, size_t len,
		 bool capture_out, struct driver_run *ret)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t dflt;
	char *out = NULL;
	size_t out_len = 0;
	pid_t pid;
	int r, status;

	if ((in && pipe2(in_pipe, O_CLOEXEC) < 0) ||
	    (capture_out && pipe2(out_pipe, O_CLOEXEC) < 0)) {
		r = -errno;
		goto fail_pipes;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (in)
		posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
	if (capture_out)
		posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	/* the action gets SIGPIPE's default back, whatever ours is */
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	sigaction(SIGPIPE, &ign, &old);	/* an action that does not read its stdin */
	r = -posix_spawn(&pid, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (in)
		close(in_pipe[0]);
	if (capture_out)
		close(out_pipe[1]);
	in_pipe[0] = out_pipe[1] = -1;
	if (r < 0) {
		sigaction(SIGPIPE, &old, NULL);
		goto fail_pipes;
	}
	r = pump(in ? in_pipe[1] : -1, in, len, capture_out ? out_pipe[0] : -1, &out, &out_len);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(out);
			return -errno;
		}
	if (r < 0) {
		free(out);
		return r;
	}
	if (capture_out && !out) {
		out = strdup("");
		if (!out)
			return -ENOMEM;
	}
	ret->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	ret->out = out;
	ret->out_len = out_len;
	if (out)
		out[out_len] = '\0';
	return 0;

fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	return r;
}

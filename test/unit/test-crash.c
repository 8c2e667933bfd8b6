/* test-crash.c: src/crash.c, in child processes that die of the signal. */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crash.h"
#include "tap.h"

/* not static, not inlined: the backtrace must name them (-rdynamic). They
 * do not end in a noreturn call: its return address would then lie past the
 * function's end, where dladdr finds no name. */
volatile int crash_test_after;

void crash_test_abort(void) __attribute__((noinline));
void crash_test_abort(void)
{
	raise(SIGABRT);	/* as abort() does */
	crash_test_after++;
}

void crash_test_segv(volatile int *p) __attribute__((noinline));
void crash_test_segv(volatile int *p)
{
	*p = 1;
}

/* Runs fn in a child with the handler installed (or not); its stderr in
 * out, its wait status returned. */
static int in_child(void (*fn)(void), bool install, char *out, size_t len)
{
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		if (install && crash_report_install() < 0)
			_exit(99);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

static void segv(void)
{
	crash_test_segv(NULL);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int main(void)
{
	static char out[16384];
	int status;

	status = in_child(crash_test_abort, true, out, sizeof(out));
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	   "an abort still ends the process by SIGABRT (status %#x)", status);
	ok(strstr(out, "onedr: fatal signal SIGABRT (aborted) in thread ") != NULL,
	   "one line names the signal and the thread");
	ok(strstr(out, "crash_test_abort") != NULL, "the backtrace names the function that aborted");
	ok(strstr(out, "main") != NULL, "and its callers");
	ok(strstr(out, "onedr: end of backtrace\n") != NULL && count_lines(out) >= 5,
	   "the backtrace ends with its own line (%d lines)", count_lines(out));
	if (!strstr(out, "crash_test_abort"))
		printf("# stderr was:\n%s", out);

	status = in_child(crash_test_abort, false, out, sizeof(out));
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && !strstr(out, "backtrace"),
	   "without the handler: the same death, no backtrace (the test can tell)");

#ifndef __SANITIZE_ADDRESS__
	status = in_child(segv, true, out, sizeof(out));
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	   "a segfault still ends the process by SIGSEGV (status %#x)", status);
	ok(strstr(out, "fatal signal SIGSEGV (invalid memory reference)") != NULL &&
	   strstr(out, "crash_test_segv") != NULL, "with the faulting function in its backtrace");
#else
	status = in_child(segv, true, out, sizeof(out));
	ok(!strstr(out, "onedr: fatal signal SIGSEGV"),
	   "under AddressSanitizer a segfault is left to its report");
#endif
	return tap_done();
}

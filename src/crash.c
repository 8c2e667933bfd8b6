/* crash.c: when onedr dies of a fatal signal (an abort, a segfault), one
 * line naming the signal and the thread, then the thread's backtrace, on
 * stderr; then the signal's default action (exit 128+N, a core if enabled).
 *
 * onedr is C, but librados and librbd are C++: an exception that escapes
 * one of their threads ends in std::terminate and abort(), with only
 * "terminate called after throwing ..." to show for it. The backtrace says
 * which library call it was. Frames in onedr itself are named (it is linked
 * with -rdynamic); frames in a library read as library(+offset), which
 * `addr2line -e` resolves against the library's debug symbols.
 *
 * The handler only calls what is safe in a signal handler: write(2),
 * backtrace_symbols_fd (it does not allocate) and backtrace, whose one
 * allocation (loading libgcc's unwinder) crash_report_install does before.
 * It prints nothing secret: signal, thread id, addresses and symbol names. */
#include "config.h"

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crash.h"

static const struct {
	int sig;
	const char *name;
} fatal[] = {
	{ SIGABRT, "SIGABRT (aborted)" },
	{ SIGSEGV, "SIGSEGV (invalid memory reference)" },
	{ SIGBUS, "SIGBUS (bus error)" },
	{ SIGILL, "SIGILL (illegal instruction)" },
	{ SIGFPE, "SIGFPE (arithmetic error)" },
};

static void put(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void put_number(long v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	if (v < 0)
		v = 0;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && p > buf);
	put(p);
}

static void on_fatal(int sig)
{
	static int entered;
	void *frames[64];
	const char *name = "a fatal signal";
	int n;

	/* a second thread crashing meanwhile: the first one's report is enough */
	if (__atomic_exchange_n(&entered, 1, __ATOMIC_SEQ_CST)) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (fatal[i].sig == sig)
			name = fatal[i].name;
	put("onedr: fatal signal ");
	put(name);
	put(" in thread ");
	put_number((long)syscall(SYS_gettid));
	put(" of process ");
	put_number((long)getpid());
	put("; its backtrace (innermost first):\n");
	n = backtrace(frames, (int)(sizeof(frames) / sizeof(frames[0])));
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	put("onedr: end of backtrace\n");
	/* SA_RESETHAND made the action the default again: a raised signal
	 * (abort) takes it now, a fault takes it when its instruction runs again */
	raise(sig);
}

int crash_report_install(void)
{
	struct sigaction sa;
	void *frame;

	backtrace(&frame, 1);	/* loads the unwinder now, not in the handler */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
#ifdef __SANITIZE_ADDRESS__
		/* AddressSanitizer reports faults itself, better: leave them to it */
		if (fatal[i].sig != SIGABRT)
			continue;
#endif
		if (sigaction(fatal[i].sig, &sa, NULL) < 0)
			return -errno;
	}
	return 0;
}

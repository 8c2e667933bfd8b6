/* crash.h: a backtrace on stderr when onedr dies of a fatal signal. */
#ifndef ONEDR_CRASH_H
#define ONEDR_CRASH_H

/* Installs the handler for SIGABRT, SIGSEGV, SIGBUS, SIGILL and SIGFPE
 * (under AddressSanitizer SIGABRT only: it reports the others itself).
 * Returns 0 or -errno. */
int crash_report_install(void);

#endif


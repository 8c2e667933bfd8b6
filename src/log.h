/*
 * log.h: diagnostics on stderr, in OpenNebula's driver convention
 * ("ERROR: <command>: message"). Only commands and main() log; library
 * modules return -errno and let their caller decide what to say.
 */
#ifndef ONEDR_LOG_H
#define ONEDR_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_command(const char *name);
void log_set_level(enum log_level level);
/* For the TM and datastore actions oned runs: every ERROR line is followed
 * by its message alone, as OpenNebula's driver scripts do (scripts_common.sh:
 * log_error writes "ERROR: script: ..." for the log, error_message the
 * reason, which oned puts in the VM's or image's ERROR). */
void log_set_driver_reason(bool on);
bool log_enabled(enum log_level level);

/* Print one line; when r < 0 append ": strerror(-r)". Return r unchanged,
 * so that `return log_error(r, "cannot open '%s'", name);` reads naturally. */
int log_msg(enum log_level level, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(r, ...) log_msg(LOG_LEVEL_ERROR, (r), __VA_ARGS__)
#define log_warn(r, ...)  log_msg(LOG_LEVEL_WARN, (r), __VA_ARGS__)
#define log_info(...)     log_msg(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...)    log_msg(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)

#endif

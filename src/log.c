/* log.c: see log.h. Lines are written whole so threads do not interleave. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const char *log_command = "onedr";
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_reason;

void log_set_driver_reason(bool on)
{
	log_reason = on;
}

void log_set_command(const char *name)
{
	log_command = name;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_level;
}

int log_msg(enum log_level level, int r, const char *fmt, ...)
{
	static const char *const prefix[] = { "ERROR", "WARN", "INFO", "DEBUG" };
	char line[2048];
	size_t n;
	va_list ap;

	if (!log_enabled(level))
		return r;
	n = (size_t)snprintf(line, sizeof(line), "%s: %s: ", prefix[level], log_command);
	va_start(ap, fmt);
	if (n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r < 0 && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, ": %s", strerror(-r));
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (level == LOG_LEVEL_ERROR && log_reason) {
		/* the reason alone after it, as a driver's error_message writes it */
		size_t p = strlen(prefix[level]) + 2 + strlen(log_command) + 2;

		if (p < n && n + (n - p) <= sizeof(line)) {
			memcpy(line + n, line + p, n - p);
			n += n - p;
		}
	}
	fwrite(line, 1, n, stderr);
	return r;
}

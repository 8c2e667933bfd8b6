/* tap.h: a minimal TAP producer for the C unit tests. */
#ifndef ONEDR_TAP_H
#define ONEDR_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)							\
	do {								\
		int _pass = !!(cond);	/* evaluated once */		\
		tap_n++;						\
		if (!_pass)						\
			tap_failed++;					\
		printf("%sok %d - ", _pass ? "" : "not ", tap_n);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		if (!_pass)						\
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		fflush(stdout);						\
	} while (0)

#define is_str(got, want, ...)						\
	do {								\
		const char *_g = (got), *_w = (want);			\
		int _ok = _g && _w ? !strcmp(_g, _w) : _g == _w;	\
		ok(_ok, __VA_ARGS__);					\
		if (!_ok)						\
			printf("#   got:  '%s'\n#   want: '%s'\n", _g ? _g : "(null)", _w ? _w : "(null)"); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

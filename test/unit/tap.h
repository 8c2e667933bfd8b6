/* tap.h: a minimal TAP producer for the C unit tests. */
#ifndef ONEDR_TAP_H
#define ONEDR_TAP_H

#include <stdio.h>
#include <stdlib.h>
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

/* The whole file at path, NUL-terminated, its size in *len; a test that
 * cannot read its input bails out. */
static inline char *tap_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A file of the fixture set (test/fixtures/SET/REL, under $TOP_SRCDIR). */
static inline char *tap_fixture(const char *set, const char *rel, size_t *len)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[1024];

	snprintf(path, sizeof(path), "%s/test/fixtures/%s/%s", top ? top : ".", set, rel);
	return tap_slurp(path, len);
}

#endif

/*
 * rbd-name.c: an image's SOURCE as the RBD it names; see rbd-name.h.
 */
#include "config.h"

#include "rbd-name.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* s[0..n) without the blanks around it, into buf of size len */
static int copy_trimmed(const char *s, size_t n, char *buf, size_t len)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || n >= len)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int manifest_source_split(const char *src, const char *default_pool, char *pool, char *rbd,
			  size_t len, bool *ret_snap)
{
	const char *slash, *at;
	size_t n;

	if (!src)
		return -EINVAL;
	slash = strchr(src, '/');
	if (slash ? copy_trimmed(src, (size_t)(slash - src), pool, len) < 0
		  : !default_pool || copy_trimmed(default_pool, strlen(default_pool), pool, len) < 0)
		return -EINVAL;
	src = slash ? slash + 1 : src;
	at = strchr(src, '@');
	n = at ? (size_t)(at - src) : strlen(src);
	if (copy_trimmed(src, n, rbd, len) < 0 || strchr(rbd, '/'))
		return -EINVAL;
	*ret_snap = at != NULL;
	return 0;
}

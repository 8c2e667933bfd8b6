/* mirror.c: the items of a batch: parsed from "pool/image" and freed; see mirror.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mirror.h"

int mirror_item_parse(const char *spec, const char *default_pool, struct mirror_item *item)
{
	const char *slash = strchr(spec, '/');
	const char *name = slash ? slash + 1 : spec;

	memset(item, 0, sizeof(*item));
	if (!*name || strchr(name, '/') || strchr(name, '@') || (slash && slash == spec))
		return -EINVAL;
	item->pool = slash ? strndup(spec, (size_t)(slash - spec)) : strdup(default_pool);
	item->image = strdup(name);
	if (!item->pool || !item->image) {
		free(item->pool);
		free(item->image);
		return -ENOMEM;
	}
	return 0;
}

void mirror_items_free(struct mirror_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++) {
		free(items[i].pool);
		free(items[i].image);
	}
	free(items);
}

/* fuzz-rbd-journal.c: libFuzzer target for the journal tag and client
 * decoders, the mirror-image entry decoder and the journal entry scanner,
 * which read records a peer cluster wrote. Every input must be either decoded or rejected with
 * -EINVAL; strings come out terminated. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbd-journal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct rbdj_tag tag;
	struct rbdj_client cl;
	struct rbdj_mirror_image mi;
	int r;

	r = rbdj_decode_tag(data, size, &tag);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0 && (strlen(tag.mirror_uuid) >= RBDJ_UUID_MAX ||
		       strlen(tag.predecessor_uuid) >= RBDJ_UUID_MAX))
		abort();
	r = rbdj_decode_client(data, size, &cl);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0 && strlen(cl.id) >= RBDJ_UUID_MAX)
		abort();
	r = rbdj_decode_mirror_image(data, size, &mi);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0 && (strlen(mi.global_id) >= RBDJ_UUID_MAX || mi.state > 3 || mi.mode > 1))
		abort();
	{
		time_t t;

		r = rbdj_entry_time(data, size, 2, 3, &t);
		if (r != 0 && r != -EINVAL && r != -ENOENT && r != -ENODATA)
			abort();
	}
	return 0;
}

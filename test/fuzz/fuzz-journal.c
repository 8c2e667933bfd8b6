/* fuzz-journal.c: libFuzzer target for the run journal's decoders (step
 * records, run headers, step keys, and a disk's ledger kept in a step),
 * which read what any process wrote into the pool. Every input is decoded or refused with -EINVAL or
 * -EPROTONOSUPPORT; what decodes encodes again and decodes to the same. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "ledger.h"

static char buf[JOURNAL_RECORD_MAX];

static int run_differ(const struct journal_run *a, const struct journal_run *b)
{
	return strcmp(a->id, b->id) || a->kind != b->kind || a->state != b->state ||
	       strcmp(a->site, b->site) || strcmp(a->pool, b->pool) || strcmp(a->options, b->options) ||
	       strcmp(a->owner, b->owner) || a->created != b->created || a->ended != b->ended ||
	       a->result != b->result;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	struct journal_step st, st2;
	struct journal_run run, run2;
	struct journal_key key, key2;
	int r, n;

	memset(&st, 0, sizeof(st));
	r = journal_step_decode(s, size, &st);
	if (r != 0 && r != -EINVAL && r != -EPROTONOSUPPORT)
		abort();
	if (r == 0) {
		n = journal_step_encode(&st, buf, sizeof(buf));
		memset(&st2, 0, sizeof(st2));
		if (n >= 0 && (journal_step_decode(buf, (size_t)n, &st2) != 0 ||
			       st2.state != st.state || st2.attempt != st.attempt ||
			       strcmp(st2.intent, st.intent) || strcmp(st2.detail, st.detail) ||
			       strcmp(st2.data, st.data) ||
			       st2.nresults != st.nresults))
			abort();
	}
	memset(&run, 0, sizeof(run));
	r = journal_run_decode(s, size, &run);
	if (r != 0 && r != -EINVAL && r != -EPROTONOSUPPORT)
		abort();
	if (r == 0) {
		n = journal_run_encode(&run, buf, sizeof(buf));
		memset(&run2, 0, sizeof(run2));
		if (n >= 0 && (journal_run_decode(buf, (size_t)n, &run2) != 0 || run_differ(&run, &run2)))
			abort();
	}
	{
		struct ledger_disk ld, ld2;

		r = ledger_disk_decode(s, size, &ld);
		if (r != 0 && r != -EINVAL && r != -EPROTONOSUPPORT)
			abort();
		if (r == 0) {
			n = ledger_disk_encode(&ld, buf, sizeof(buf));
			if (n >= 0 && (ledger_disk_decode(buf, (size_t)n, &ld2) != 0 ||
				       strcmp(ld.note, ld2.note) || ld.point != ld2.point ||
				       ld.window_seconds != ld2.window_seconds || ld.rpo != ld2.rpo))
				abort();
		}
	}
	r = journal_key_decode(s, size, &key);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0) {
		n = journal_key_encode(&key, buf, sizeof(buf));
		memset(&key2, 0, sizeof(key2));
		if (n < 0 || journal_key_decode(buf, (size_t)n, &key2) != 0 ||
		    strcmp(key.group, key2.group) || strcmp(key.vm, key2.vm) ||
		    strcmp(key.object, key2.object) || strcmp(key.step, key2.step))
			abort();
	}
	return 0;
}

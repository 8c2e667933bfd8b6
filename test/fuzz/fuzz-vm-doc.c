/*
 * fuzz-vm-doc.c - libFuzzer target for the VM XML reader (src/one-doc.c)
 * and the manifest builder (src/manifest-build.c).
 *
 * Input: a VM document, as one.vm.info or a hook payload would hand over.
 * Whatever reads must build a manifest or fail with a message; a built
 * manifest must encode, decode back, and compare equal.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest-build.h"
#include "manifest-format.h"
#include "one-doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct one_vm *vm = NULL;
	struct manifest *m = NULL, *back = NULL;
	struct manifest_error err = { "" };
	char *text = NULL;
	size_t len;
	int r;

	static struct manifest_key *key;

	if (!key && manifest_key_new("fuzz-vm-doc: a fixed 32-byte key.", 32, &key) < 0)
		abort();
	if (one_vm_parse((const char *)data, size, &vm) < 0)
		return 0;
	r = manifest_build(vm, NULL, "site-a", 1795697400, &m, &err);
	if (r == -EINVAL && err.msg[0] == '\0')
		abort();	/* a refusal must say why */
	if (r == 0) {
		r = manifest_encode(m, key, &text, &len);
		if (r == 0) {
			if (manifest_decode(text, len, key, &back, &err) != 0 || !manifest_same(m, back) ||
			    back->auth != MANIFEST_VERIFIED)
				abort();
		} else if (r != -E2BIG && r != -EIO) {
			abort();
		}
		free(text);
		text = NULL;
		if (manifest_to_text(m, &text) == 0 && !strstr(text, "# onedr manifest"))
			abort();
		free(text);
	}
	manifest_free(back);
	manifest_free(m);
	one_vm_free(vm);
	return 0;
}

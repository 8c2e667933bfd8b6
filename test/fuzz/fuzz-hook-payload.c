/*
 * fuzz-hook-payload.c - libFuzzer target for the hook payload decoder
 * (src/hook-payload.c).
 *
 * Input: the expanded ARGUMENTS of a hook, as oned writes them on stdin.
 * Half of the runs take the input as that text (base64 and words), half
 * as the document itself, base64-encoded here first, so that the XML
 * reader is reached. A refusal must say why; an accepted payload must be
 * one of the five kinds, and its VM document must read or be refused.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hook-payload.h"
#include "one-doc.h"

static char *b64(const uint8_t *s, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1);
	size_t i, o = 0;

	if (!out)
		abort();
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)s[i] << 16;

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hook_payload *p = NULL;
	char msg[256] = "";
	char *text = NULL;
	int r;

	if (size && data[0] & 1) {
		text = b64(data + 1, size - 1);
		r = hook_payload_decode(text, strlen(text), &p, msg, sizeof(msg));
	} else {
		r = hook_payload_decode((const char *)data, size, &p, msg, sizeof(msg));
	}
	if (r < 0) {
		if (r != -EINVAL && r != -E2BIG && r != -ENOMEM)
			abort();
		if (r != -ENOMEM && !msg[0])
			abort();	/* a refusal must say why */
	} else {
		if (p->kind > HOOK_CALL || !p->xml || strlen(p->xml) != p->len)
			abort();
		if (p->kind != HOOK_CALL && (p->nparams || p->extra))
			abort();
		for (size_t i = 0; i < p->nparams; i++)
			if (!p->params[i].value || hook_param(p, p->params[i].out,
							      p->params[i].position) == NULL)
				abort();
		if (p->nwords && (!p->words || p->words[p->nwords] || !p->words[0][0]))
			abort();
		if (p->kind == HOOK_VM) {
			struct one_vm *vm = NULL;

			if (one_vm_parse(p->xml, p->len, &vm) == 0)
				one_vm_free(vm);
		}
		if (p->kind == HOOK_CALL) {
			int id;

			(void)hook_param_id(p, 2, &id);
		}
	}
	hook_payload_free(p);
	free(text);
	return 0;
}

/*
 * hook-payload.h: what oned hands a hook, decoded.
 *
 * oned's hook manager expands the hook's ARGUMENTS ($TEMPLATE or $API
 * become one base64 word) and passes them either on stdin as one line
 * without a newline (ARGUMENTS_STDIN="yes"; argv is then empty) or split on
 * blanks into argv. The base64 word is the first one; the words after it are
 * whatever else the hook template's ARGUMENTS holds (onedr's templates name
 * the API call there: "$API one.vm.update"), kept in words[].
 *
 * The base64 decodes to an XML document without declaration: a state hook
 * gets the object (<VM> extended document, <HOST>, <IMAGE>, <VNET>), an API
 * hook <CALL_INFO> (RESULT, PARAMETERS with the session masked as "****",
 * EXTRA with the object for allocate/delete calls). The template texts of
 * CALL_INFO are not XML-escaped by oned, so a document that carried `<` or
 * `&` arrives re-nested by its recovering parser: parameters are found
 * wherever they ended up, and their values are not to be trusted.
 *
 * Input is untrusted: base64 is decoded strictly, the size is bounded, the
 * XML is parsed without network, DTD or entity expansion (a document with a
 * DTD is refused). Failures are -EINVAL (-E2BIG when too large, -EIO when
 * stdin cannot be read) with a message in the caller's buffer.
 */
#ifndef ONEDR_HOOK_PAYLOAD_H
#define ONEDR_HOOK_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

/* the expanded ARGUMENTS larger than this are refused with -E2BIG */
#define HOOK_PAYLOAD_MAX (16u * 1024u * 1024u)

enum hook_kind { HOOK_VM, HOOK_HOST, HOOK_IMAGE, HOOK_VNET, HOOK_CALL };

struct hook_param {
	int position;		/* POSITION: 1 is the session */
	bool out;		/* TYPE OUT (else IN) */
	char *value;		/* VALUE's text, "" when empty */
};

struct hook_payload {
	enum hook_kind kind;
	char *xml;		/* the decoded document, NUL-terminated */
	size_t len;		/* its length */
	char **words;		/* the words after the base64 one, NULL-terminated */
	size_t nwords;
	/* HOOK_CALL only */
	bool call_ok;		/* RESULT 1: the call succeeded */
	struct hook_param *params;
	size_t nparams;
	char *extra;		/* EXTRA's element as XML, or NULL when EXTRA is empty */
};

/* Decode the expanded ARGUMENTS: words separated by blanks, the first one the
 * base64 payload. One trailing newline is tolerated (a payload typed or
 * echoed by hand). */
int hook_payload_decode(const char *text, size_t len, struct hook_payload **ret,
			char *msg, size_t msglen);

/* Read the payload as oned passes it: from argv when argc > 0 (argv[0] is
 * the first word), else from fd (stdin) up to its end. A terminal on fd is
 * no payload (-EINVAL), rather than a wait. */
int hook_payload_read(int argc, char **argv, int fd, struct hook_payload **ret,
		      char *msg, size_t msglen);

void hook_payload_free(struct hook_payload *p);

/* "VM", "HOST", "IMAGE", "VNET", "CALL_INFO" */
const char *hook_kind_name(enum hook_kind kind);

/* A CALL_INFO parameter's value, or NULL when it has none. */
const char *hook_param(const struct hook_payload *p, bool out, int position);

/* An IN parameter as an ID (digits only, 0..INT_MAX): 0, or -ENOENT when it
 * is missing, -EINVAL when it is not an ID. */
int hook_param_id(const struct hook_payload *p, int position, int *ret);

#endif

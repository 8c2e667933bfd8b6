/*
 * template.h - OpenNebula template text: parse, edit, serialize
 *
 * onedr reads its own config file (/etc/one/onedr.conf) and OpenNebula VM and
 * image templates with this module, and writes templates that oned must read
 * back exactly as onedr meant them.
 *
 * Syntax accepted by tmpl_parse() (the rules of oned's own parser,
 * src/parsers/template_parser.l and template_syntax.y in OpenNebula/one):
 *
 *   NAME = "value"            quoted value: may span lines; \" stands for ",
 *                             every other backslash is kept as it is
 *   NAME = value              unquoted value: a run of bytes up to a blank,
 *                             newline, '=', '#', ',', '[' or ']' (\" is also
 *                             turned into " here, like oned does)
 *   NAME =                    empty value: '=' followed by blanks and a newline
 *   NAME = [ A = "x", B = y ] vector: pairs separated by commas; may be empty
 *                             ("[ ]"); no comma after the last pair; empty
 *                             values inside a vector must be written ""
 *   # comment                 from '#' to the end of the line, wherever a name,
 *                             ',' or ']' may come; NOT right after '=' and not
 *                             inside quotes
 *
 * Names are ASCII letters, digits and '_', compared case-insensitively and
 * stored upper-case. Attributes may repeat (several DISK vectors), and the
 * order of the text is kept, also inside vectors. Blanks, newlines and
 * comments may separate all tokens, except that the value must start on the
 * line of its '='. Several attributes may share a line. Nested vectors do not
 * exist.
 *
 * Where oned does something surprising, tmpl_parse() reports an error instead
 * of guessing, so that whatever it accepts it reads like oned does:
 *  - stray characters (oned's lexer echoes them to its stdout and skips them):
 *    "expected attribute name, found '-'";
 *  - a carriage return outside quotes (oned keeps it in unquoted values and
 *    reads  A = "x"<CR>  as the 4 bytes "x"<CR>, quotes included);
 *  - a quoted value with no closing quote (oned then takes the opening quote
 *    into an unquoted value, or runs on to the last \" of the input);
 *  - a byte other than blank, newline, '#', '=', ',', '[' or ']' right after
 *    the closing quote of a value that holds none of those bytes either, as
 *    in  A = "x"y : flex takes the longest match, so oned reads the 5 bytes
 *    "x"y as an unquoted value (A = "x y"z = 1 is fine: A is x y, Z is 1);
 *  - "]]>" after a '=' on the same line, or inside a value (oned answers
 *    "Parse error." or cannot store the value in its XML);
 *  - a NUL byte (oned stops reading there).
 * One deviation the other way: oned rejects a comment on the last line when
 * the text does not end with a newline; tmpl_parse() accepts it.
 *
 * Not handled here (oned's semantics, not its syntax): oned prefixes "ONE_" to
 * top-level names that do not start with a letter or '_' or that start with
 * "XML"; it keeps only the first of two equal names inside one vector and
 * sorts names; it trims blanks from the end of NAME; a text starting with '<'
 * is taken by oned as an XML template.
 */
#ifndef ONEDR_TEMPLATE_H
#define ONEDR_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

/* tmpl_parse() refuses longer texts with -E2BIG */
#define TMPL_MAX_TEXT (16u * 1024u * 1024u)

struct tmpl_attr {
	char *name;             /* upper-case */
	char *value;            /* single attribute: the value; vector: NULL */
	struct tmpl_attr *sub;  /* vector: its single attributes in order; else NULL */
	struct tmpl_attr *next; /* next attribute at the same level */
	int line;               /* where tmpl_parse() found it; 0 if built */
};

struct tmpl {
	struct tmpl_attr *head;
	struct tmpl_attr *tail;
};

/* Where and why parsing stopped. line and column count from 1; column counts
 * bytes. msg names what was expected, lowercase, without the position, e.g.
 * "expected '=' after 'NAME', found end of line". */
struct tmpl_error {
	int line;
	int column;
	char msg[160];
};

/* An empty template, or NULL when out of memory. */
struct tmpl *tmpl_new(void);

/* NULL-safe. */
void tmpl_free(struct tmpl *t);

/*
 * Parses len bytes of text (text may be NULL when len is 0).
 * Returns 0 and a new template in *ret_tmpl, or
 *   -EINVAL  syntax error, described in *ret_err (if ret_err is not NULL),
 *   -E2BIG   len > TMPL_MAX_TEXT, also described in *ret_err (line 0),
 *   -ENOMEM.
 * *ret_tmpl is untouched on failure, *ret_err on success.
 */
int tmpl_parse(const char *text, size_t len, struct tmpl **ret_tmpl,
	       struct tmpl_error *ret_err);

/*
 * Writes t in the format of `onevm show` (OpenNebula's Ruby CLI,
 * template_like_str), one attribute a line, every line ending in '\n':
 *
 *   NAME="value with \" escaped"
 *   CONTEXT=[
 *     NETWORK="YES",
 *     TARGET="hda" ]
 *   EMPTY_VECTOR=[ ]
 *
 * Only '"' is escaped (as \"); other bytes, newlines included, are written as
 * they are. Returns 0 and a malloc'd NUL-terminated text in *ret_text, or
 * -ENOMEM, or -EINVAL when t holds something that would not read back the
 * same, in which case nothing is returned:
 *  - a value containing "]]>" (oned refuses it);
 *  - a value ending in a backslash, because its closing quote would read as
 *    \" and the value would run on. Such a value is written unquoted instead
 *    (NAME=C:\dir\) when that is a valid unquoted value: it does not start
 *    with '"', contains no \" and no blank, newline, carriage return, '=',
 *    '#', ',', '[' or ']'. Otherwise -EINVAL;
 *  - a name that is empty or has bytes other than A-Z, 0-9 and '_';
 *  - a malformed tree: a vector member that is itself a vector, or an
 *    attribute with both a value and members.
 * Every other value, including the empty one, UTF-8, newlines, '#', '[', ']',
 * '<', '>', '&', '\'' and backslashes not at the end, is representable.
 */
int tmpl_serialize(const struct tmpl *t, char **ret_text);

/* The first attribute (single or vector) named name, case-insensitively. */
const struct tmpl_attr *tmpl_find(const struct tmpl *t, const char *name);

/* The next attribute named name after 'after', at the same level. */
const struct tmpl_attr *tmpl_find_next(const struct tmpl_attr *after,
				       const char *name);

/* The value of the first single attribute named name, or NULL. */
const char *tmpl_get(const struct tmpl *t, const char *name);

/* The value of the first member of vector vec named name, or NULL. oned also
 * uses the first one when a vector repeats a name. */
const char *tmpl_attr_get(const struct tmpl_attr *vec, const char *name);

/*
 * The setters copy name (stored upper-case) and value. They return 0,
 * -ENOMEM (nothing changed), or -EINVAL when name is not made of ASCII
 * letters, digits and '_' or value is NULL. Values are not checked against
 * the rules of tmpl_serialize().
 */

/* Replaces the value of the first single attribute named name, in place, or
 * appends one. Vectors of that name are left alone. */
int tmpl_set(struct tmpl *t, const char *name, const char *value);

/* Appends a single attribute. */
int tmpl_add(struct tmpl *t, const char *name, const char *value);

/* Appends an empty vector and returns it in *ret_vec (if not NULL). */
int tmpl_add_vector(struct tmpl *t, const char *name,
		    struct tmpl_attr **ret_vec);

/* Replaces the value of the first member named name of vector vec, in place,
 * or appends one. -EINVAL as well if vec is a single attribute. */
int tmpl_attr_set(struct tmpl_attr *vec, const char *name, const char *value);

/* Appends a member to vector vec, even when one of that name exists. */
int tmpl_attr_add(struct tmpl_attr *vec, const char *name, const char *value);

/* A deep copy of t (an empty template for NULL), or NULL when out of memory
 * or when t holds members of members (which tmpl_parse() never builds). */
struct tmpl *tmpl_dup(const struct tmpl *t);

/* Remove every attribute named name (single or vector) at the top level, or
 * every member of vec named name; return how many were removed. */
int tmpl_remove(struct tmpl *t, const char *name);
int tmpl_attr_remove(struct tmpl_attr *vec, const char *name);

/* Whether a and b hold the same attributes, values and members in the same
 * order. Members of members (which tmpl_parse() never builds) are not
 * compared; trees holding them are never equal. */
bool tmpl_equal(const struct tmpl *a, const struct tmpl *b);

/* Whether a scheduler requirement expression (SCHED_REQUIREMENTS,
 * SCHED_DS_REQUIREMENTS: `VAR OP VALUE` joined by & | ! and parentheses)
 * compares an attribute that identifies one site's objects: ID, NAME,
 * HOSTNAME, HOST_ID, CLUSTER_ID, CLUSTER or "CLUSTERS/ID". On the other
 * site the same IDs and names are other objects. ret_var (may be NULL)
 * gets the first such attribute. */
bool tmpl_expr_names_object(const char *expr, char *ret_var, size_t len);

#endif

/*
 * output.h: the three shapes of a report: a table (like `onevm list`),
 * JSON (-j) and XML (-x, written with libxml2's xmlTextWriter).
 */
#ifndef ONEDR_OUTPUT_H
#define ONEDR_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include <libxml/xmlwriter.h>

enum output_format { OUTPUT_TABLE, OUTPUT_JSON, OUTPUT_XML };

/* bytes for a person: "512 B", "1.5 GiB". */
void output_size(uint64_t bytes, char *buf, size_t len);

/* Write s as a JSON string literal (quotes included). */
void json_string(FILE *f, const char *s);

/* An XML writer on stdout, indented; NULL on failure. End with xml_end(). */
xmlTextWriterPtr xml_begin(const char *root);
int xml_end(xmlTextWriterPtr w);
/* <name>value</name>, with value escaped by libxml2. */
int xml_element(xmlTextWriterPtr w, const char *name, const char *value);
int xml_element_ll(xmlTextWriterPtr w, const char *name, long long value);

#endif

/* output.c: JSON string escaping, an XML writer on stdout and sizes for a person; see output.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "output.h"

void output_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

xmlTextWriterPtr xml_begin(const char *root)
{
	xmlOutputBufferPtr out = xmlOutputBufferCreateFile(stdout, NULL);
	xmlTextWriterPtr w;

	if (!out)
		return NULL;
	w = xmlNewTextWriter(out);
	if (!w) {
		xmlOutputBufferClose(out);
		return NULL;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST root) < 0) {
		xmlFreeTextWriter(w);
		return NULL;
	}
	return w;
}

int xml_end(xmlTextWriterPtr w)
{
	int r = xmlTextWriterEndDocument(w);

	xmlFreeTextWriter(w);
	fflush(stdout);
	return r < 0 ? -EIO : 0;
}

int xml_element(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST(value ? value : "")) < 0 ? -EIO : 0;
}

int xml_element_ll(xmlTextWriterPtr w, const char *name, long long value)
{
	return xmlTextWriterWriteFormatElement(w, BAD_CAST name, "%lld", value) < 0 ? -EIO : 0;
}

/* fuzz_report.c — libFuzzer target for the report's renderers and escapers
 * (src/report/escape.c, html.c, markdown.c, svg.c).
 *
 * Input: one byte of mode, then the rest.
 *   mode even: the rest is a string from a capture. ih_xml_escape must give valid UTF-8 with no
 *     control character and no raw < > " '; ih_md_escape and ih_md_code valid UTF-8 with no
 *     newline; ih_md_code a balanced code span.
 *   mode odd: the rest is a report document (JSON, docs/REPORT.md), any shape at all. Both
 *     renderers must finish; the HTML must pass the strict markup check the unit tests use
 *     (tests/unit/markup_check.h: allowed elements only, no event handler, no src, href only to
 *     fragments, quoted attributes, entities only, valid UTF-8, unique ids); the Markdown must be
 *     valid UTF-8 without control characters.
 *
 * Built with -DIH_FUZZER by fuzz/meson.build. Without it, a main() replays inputs (files, or
 * every file of the directories given): `fuzz_report fuzz/regress/report`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/markup_check.h"
#include "report/escape.h"
#include "report/report.h"

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "check failed: %s (%s)\n", #cond, mc_err); \
			abort();                                      \
		}                                                     \
	} while (0)

typedef void (*esc_fn)(FILE *, const char *, size_t);

static char *render_str(esc_fn fn, const char *s, size_t n, size_t *len)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, len);
	CHECK(f != NULL);
	fn(f, s, n);
	CHECK(fclose(f) == 0);
	return p;
}

static void md_code_table(FILE *f, const char *s, size_t n)
{
	ih_md_code(f, s, n, true);
}

static void strings(const char *s, size_t n)
{
	size_t len;
	char *o = render_str(ih_xml_escape, s, n, &len);
	CHECK(mc_text_ok(o, len));
	for (size_t i = 0; i < len; i++) {
		CHECK(o[i] != '<' && o[i] != '>' && o[i] != '"' && o[i] != '\'');
		if (o[i] == '&')
			CHECK(mc_entity(o + i, o + len));
	}
	free(o);
	o = render_str(ih_md_escape, s, n, &len);
	CHECK(mc_text_ok(o, len));
	CHECK(!memchr(o, '\n', len) && !memchr(o, '\r', len));
	free(o);
	o = render_str(md_code_table, s, n, &len);
	CHECK(mc_text_ok(o, len));
	CHECK(!memchr(o, '\n', len));
	if (n) {
		size_t open = 0, close = 0;
		while (open < len && o[open] == '`')
			open++;
		while (close < len - open && o[len - 1 - close] == '`')
			close++;
		CHECK(open >= 1 && open == close);
	}
	free(o);
}

static void document(const char *s, size_t n)
{
	json_error_t e;
	json_t *doc = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!doc)
		return;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return;
	}
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	CHECK(f != NULL);
	CHECK(ih_report_html(f, doc));
	CHECK(fclose(f) == 0);
	CHECK(mc_markup_ok(p, len));
	free(p);
	p = NULL;
	f = open_memstream(&p, &len);
	CHECK(f != NULL);
	CHECK(ih_report_markdown(f, doc));
	CHECK(fclose(f) == 0);
	CHECK(mc_text_ok(p, len));
	free(p);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	if (data[0] & 1)
		document((const char *)data + 1, size - 1);
	else
		strings((const char *)data + 1, size - 1);
	return 0;
}

#ifndef IH_FUZZER
#include "replay_main.h"
#endif

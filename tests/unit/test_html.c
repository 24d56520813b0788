/* test_html.c — escaping (escape.c) and the HTML and Markdown renderers (html.c, markdown.c)
 * fed a report document whose every string is hostile: markup, quotes, entities, control
 * bytes, invalid UTF-8, bidirectional overrides, embedded NUL, links. Whatever a capture can
 * put in an address field, a payload preview, a process name or a summary must come out as
 * inert text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "markup_check.h"
#include "report/escape.h"
#include "report/report.h"

/* ------------------------------------------------------------------ capturing output */

struct buf {
	char *p;
	size_t n;
	FILE *f;
};

static void buf_open(struct buf *b)
{
	b->p = NULL;
	b->n = 0;
	b->f = open_memstream(&b->p, &b->n);
	assert_non_null(b->f);
}

static const char *buf_done(struct buf *b)
{
	assert_int_equal(fclose(b->f), 0);
	return b->p;
}

typedef void (*esc_fn)(FILE *, const char *, size_t);

static char *run(esc_fn fn, const char *in, size_t len)
{
	struct buf b;
	buf_open(&b);
	fn(b.f, in, len);
	buf_done(&b);
	return b.p;
}

static void expect(esc_fn fn, const char *in, size_t len, const char *want)
{
	char *got = run(fn, in, len);
	if (strcmp(got, want) != 0)
		fail_msg("escaping \"%s\": got \"%s\", want \"%s\"", in, got, want);
	free(got);
}

static void md_code_table(FILE *f, const char *s, size_t n)
{
	ih_md_code(f, s, n, true);
}

static void md_code_plain(FILE *f, const char *s, size_t n)
{
	ih_md_code(f, s, n, false);
}

#define X(fn, lit, want) expect(fn, lit, sizeof(lit) - 1, want)
#define FFFD "\xEF\xBF\xBD"

/* ------------------------------------------------------------------ UTF-8 reading */

static void test_utf8_next(void **state)
{
	(void)state;
	uint32_t cp;
	bool bad;
	assert_int_equal(ih_utf8_next((const unsigned char *)"A", 1, &cp, &bad), 1);
	assert_int_equal(cp, 'A');
	assert_false(bad);
	assert_int_equal(ih_utf8_next((const unsigned char *)"\xC3\xA9", 2, &cp, &bad), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(ih_utf8_next((const unsigned char *)"\xE2\x82\xAC", 3, &cp, &bad), 3);
	assert_int_equal(cp, 0x20AC);
	assert_int_equal(ih_utf8_next((const unsigned char *)"\xF0\x9F\x90\xBE", 4, &cp, &bad), 4);
	assert_int_equal(cp, 0x1F43E);
	/* each of these is one bad byte, consumed alone */
	static const char *const bads[] = { "\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
					     "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xFE", "\xE2\x82",
					     "\xF0\x9F\x90", "\xC3" };
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		size_t n = ih_utf8_next((const unsigned char *)bads[i], strlen(bads[i]), &cp, &bad);
		assert_int_equal(n, 1);
		assert_true(bad);
		assert_int_equal(cp, 0xFFFD);
	}
	/* a truncated sequence does not read past the length it was given */
	assert_int_equal(ih_utf8_next((const unsigned char *)"\xE2\x82\xAC", 2, &cp, &bad), 1);
	assert_true(bad);
}

static void test_displayable(void **state)
{
	(void)state;
	assert_true(ih_char_displayable('a'));
	assert_true(ih_char_displayable('\n'));
	assert_true(ih_char_displayable(0xE9));
	assert_true(ih_char_displayable(0x1F43E));
	assert_false(ih_char_displayable(0));
	assert_false(ih_char_displayable(0x1B));
	assert_false(ih_char_displayable(0x7F));
	assert_false(ih_char_displayable(0x85));
	assert_false(ih_char_displayable(0x200B));
	assert_false(ih_char_displayable(0x200F));
	assert_false(ih_char_displayable(0x202E));
	assert_false(ih_char_displayable(0x2066));
	assert_false(ih_char_displayable(0x2069));
	assert_false(ih_char_displayable(0x2028));
	assert_false(ih_char_displayable(0xFEFF));
	assert_false(ih_char_displayable(0xFDD0));
	assert_false(ih_char_displayable(0xFFFE));
	assert_false(ih_char_displayable(0x10FFFF));
	assert_false(ih_char_displayable(0xD800));
}

/* ------------------------------------------------------------------ HTML / XML */

static void test_xml_escape(void **state)
{
	(void)state;
	X(ih_xml_escape, "", "");
	X(ih_xml_escape, "10.77.0.10", "10.77.0.10");
	X(ih_xml_escape, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	X(ih_xml_escape, "a&b", "a&amp;b");
	X(ih_xml_escape, "&amp;", "&amp;amp;");
	X(ih_xml_escape, "&#x3c;", "&amp;#x3c;");
	X(ih_xml_escape, "\"'", "&quot;&#39;");
	X(ih_xml_escape, "\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
	X(ih_xml_escape, "]]></svg><svg onload=x>", "]]&gt;&lt;/svg&gt;&lt;svg onload=x&gt;");
	X(ih_xml_escape, "</style><style>*{}", "&lt;/style&gt;&lt;style&gt;*{}");
	X(ih_xml_escape, "<!-- -->", "&lt;!-- --&gt;");
	/* control bytes, DEL, escape sequences */
	X(ih_xml_escape, "a\x01" "b", "a" FFFD "b");
	X(ih_xml_escape, "\x1b[31mred", FFFD "[31mred");
	X(ih_xml_escape, "\x7f", FFFD);
	X(ih_xml_escape, "\xC2\x85", FFFD); /* C1 NEL */
	X(ih_xml_escape, "tab\there\nline\r", "tab\there\nline\r");
	/* invalid UTF-8: one replacement per bad byte, nothing swallowed after */
	X(ih_xml_escape, "\xff\xfe<", FFFD FFFD "&lt;");
	X(ih_xml_escape, "\xC0\xAF", FFFD FFFD); /* overlong '/' */
	X(ih_xml_escape, "\xE0\x80\xBC", FFFD FFFD FFFD); /* overlong '<' */
	X(ih_xml_escape, "\xED\xA0\x80", FFFD FFFD FFFD); /* surrogate */
	X(ih_xml_escape, "\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	X(ih_xml_escape, "ok\xE2\x82", "ok" FFFD FFFD);
	X(ih_xml_escape, "\xC3" "<", FFFD "&lt;");
	/* valid non-ASCII stays */
	X(ih_xml_escape, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xBE", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xBE");
	/* invisible reordering: a process name that would display as something else */
	X(ih_xml_escape, "evil\xE2\x80\xAEgnp.exe", "evil" FFFD "gnp.exe");
	X(ih_xml_escape, "a\xE2\x81\xA6" "b\xE2\x81\xA9", "a" FFFD "b" FFFD);
	X(ih_xml_escape, "zero\xE2\x80\x8Bwidth", "zero" FFFD "width");
	X(ih_xml_escape, "\xEF\xBB\xBF" "bom", FFFD "bom");
	X(ih_xml_escape, "\xEF\xBF\xBE", FFFD);
	/* an embedded NUL within the length does not cut the rest off */
	expect(ih_xml_escape, "a\0<b", 4, "a" FFFD "&lt;b");
	/* one-line form */
	X(ih_xml_escape_line, "a\nb\tc\rd<", "a b c d&lt;");
	/* NULL is nothing */
	struct buf b;
	buf_open(&b);
	ih_xml_escape_str(b.f, NULL);
	assert_string_equal(buf_done(&b), "");
	free(b.p);
}

/* Every byte string of up to 3 bytes over an alphabet of troublemakers: the output is always
 * valid, control-free UTF-8 with no raw markup character. */
static void test_xml_escape_exhaustive(void **state)
{
	(void)state;
	static const unsigned char alpha[] = { 0x00, 0x01, 0x1f, '"', '&', '\'', '<', '>', 'a', 0x7f, 0x80, 0xbf,
					       0xc0, 0xc2, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
	size_t na = sizeof(alpha);
	char in[3];
	for (size_t len = 1; len <= 3; len++) {
		size_t total = 1;
		for (size_t k = 0; k < len; k++)
			total *= na;
		for (size_t i = 0; i < total; i++) {
			size_t v = i;
			for (size_t k = 0; k < len && k < sizeof(in); k++) {
				in[k] = (char)alpha[v % na];
				v /= na;
			}
			char *out = run(ih_xml_escape, in, len);
			size_t n = strlen(out);
			if (!mc_text_ok(out, n))
				fail_msg("%s", mc_err);
			for (size_t k = 0; k < n; k++) {
				if (out[k] == '<' || out[k] == '>' || out[k] == '"' || out[k] == '\'')
					fail_msg("raw markup character in the output of byte string %zu", i);
				if (out[k] == '&' && !mc_entity(out + k, out + n))
					fail_msg("bare '&' in the output of byte string %zu", i);
			}
			free(out);
		}
	}
}

/* ------------------------------------------------------------------ Markdown */

static void test_md_escape(void **state)
{
	(void)state;
	X(ih_md_escape, "plain text 10.77.0.10", "plain text 10.77.0.10");
	X(ih_md_escape, "*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`");
	X(ih_md_escape, "[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))");
	X(ih_md_escape, "![img](http://evil.example/a.png)", "\\!\\[img\\](http\\://evil.example/a.png)");
	X(ih_md_escape, "<script>", "\\<script\\>");
	X(ih_md_escape, "a | b", "a \\| b");
	X(ih_md_escape, "&amp; &lt;", "\\&amp; \\&lt;");
	X(ih_md_escape, "~~gone~~", "\\~\\~gone\\~\\~");
	X(ih_md_escape, "back\\slash", "back\\\\slash");
	X(ih_md_escape, "# heading", "\\# heading");
	X(ih_md_escape, "- item", "\\- item");
	X(ih_md_escape, "+ item", "\\+ item");
	X(ih_md_escape, "= setext", "\\= setext");
	X(ih_md_escape, "a - b # c", "a - b # c");
	X(ih_md_escape, "1. first", "1\\. first");
	X(ih_md_escape, "12) x", "12\\) x");
	X(ih_md_escape, "3.", "3\\.");
	X(ih_md_escape, "10.77.0.10", "10.77.0.10");
	X(ih_md_escape, "10.77.0.10 answered", "10.77.0.10 answered");
	X(ih_md_escape, "see www.evil.example", "see www\\.evil.example");
	X(ih_md_escape, "WWW.EVIL.EXAMPLE", "WWW\\.EVIL.EXAMPLE");
	X(ih_md_escape, "awww.x", "awww.x");
	X(ih_md_escape, "mail root@evil.example", "mail root\\@evil.example");
	X(ih_md_escape, "https://x/y", "https\\://x/y");
	X(ih_md_escape, "fd00::1", "fd00::1");
	X(ih_md_escape, "two\nlines\r\tand", "two lines  and");
	X(ih_md_escape, "\x01\xff\xE2\x80\xAE", FFFD FFFD FFFD);
	X(ih_md_escape, "", "");
}

static void test_md_code(void **state)
{
	(void)state;
	X(md_code_plain, "10.77.0.10", "`10.77.0.10`");
	X(md_code_plain, "a`b", "``a`b``");
	X(md_code_plain, "a``b`", "``` a``b` ```");
	X(md_code_plain, "`x", "`` `x ``");
	X(md_code_plain, " x ", "`  x  `");
	X(md_code_plain, "<b>*x*</b>", "`<b>*x*</b>`");
	X(md_code_plain, "a|b", "`a|b`");
	X(md_code_table, "a|b", "`a\\|b`");
	X(md_code_table, "x\ny", "`x y`");
	X(md_code_table, "\x1b[0m\xc0", "`" FFFD "[0m" FFFD "`");
	X(md_code_plain, "", "");
}

/* ------------------------------------------------------------------ the renderers */

#define EVIL "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;\x01\x1b[31m\xff\xfe\xC0\xAF" \
	     "\xE2\x80\xAE" "exe.gnp [l](http://evil.example/x.png) url(http://evil.example/y) @import ](x) | ~~ `"

static json_t *evil(void)
{
	return json_string_nocheck(EVIL);
}

/* A document as report.c builds it, with hostile strings in every field a capture can reach. */
static json_t *hostile_doc(void)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "version", json_string("0.1.0"));
	json_t *in = json_array();
	json_array_append_new(in, evil());
	json_array_append_new(in, json_stringn_nocheck("cap\0ture.pcap", 13));
	json_object_set_new(doc, "inputs", in);
	json_t *stats = json_pack("{s:s,s:I,s:I,s:s,s:s,s:I,s:I,s:I,s:b,s:o,s:I,s:I}", "type", "stats", "packets",
				  (json_int_t)523, "bytes", (json_int_t)290242, "first_packet", "2026-11-25T01:14:33.035478Z",
				  "last_packet", "2026-11-25T01:15:43.060882Z", "ip_packets", (json_int_t)509, "icmp_packets",
				  (json_int_t)439, "decode_errors_total", (json_int_t)2, "clean", 0, "error", evil(),
				  "memory_bytes", (json_int_t)1000000, "memory_cap_bytes", (json_int_t)268435456);
	json_object_set_new(doc, "stats", stats);

	json_t *proc = json_object();
	json_object_set_new(proc, "pid", json_integer(4242));
	json_object_set_new(proc, "user", evil());
	json_object_set_new(proc, "exe", evil());
	json_object_set_new(proc, "cmdline", evil());
	json_object_set_new_nocheck(proc, EVIL, evil());

	json_t *fs = json_array();
	const char *kinds[] = { "sweep", "beacon", "tunnel" };
	for (int i = 0; i < 3; i++) {
		json_t *f = json_object();
		char id[32];
		snprintf(id, sizeof(id), "F-%016x", i + 1);
		json_object_set_new(f, "type", json_string("finding"));
		json_object_set_new(f, "id", json_string(id));
		json_object_set_new(f, "kind", json_string(kinds[i]));
		json_object_set_new(f, "severity", json_string(i == 0 ? "medium" : "high"));
		json_object_set_new(f, "confidence", json_real(0.9));
		json_object_set_new(f, "src", json_string("10.77.0.10"));
		json_object_set_new(f, "dst", i == 0 ? json_string("10.78.0.32/27") : evil());
		json_object_set_new(f, "first_seen", json_string("2026-11-25T01:14:39.105338Z"));
		json_object_set_new(f, "last_seen", i == 2 ? evil() : json_string("2026-11-25T01:14:40.105338Z"));
		json_object_set_new(f, "mitre", json_pack("[s,o]", "T1018", evil()));
		json_object_set_new(f, "summary", evil());
		json_t *ev = json_object();
		if (i == 0) {
			json_object_set_new(ev, "range", json_string("10.78.0.32/27"));
			json_object_set_new(ev, "hosts_probed", json_integer(32));
			json_object_set_new(ev, "hosts_answered", json_integer(2));
			json_object_set_new(ev, "answered", json_pack("[s,s,o]", "10.78.0.33", "10.78.0.40", evil()));
		} else if (i == 1) {
			json_object_set_new(ev, "period_s", json_real(4.095));
			json_object_set_new(ev, "gap_q1_s", json_real(4.0));
			json_object_set_new(ev, "gap_q3_s", json_real(4.2));
			json_object_set_new(ev, "series", evil());
			json_object_set_new(ev, "gaps_ms", json_pack("[i,i,i,f]", 4095, 4096, 4100, 1e300));
		}
		json_object_set_new_nocheck(ev, EVIL, evil());
		json_object_set_new(ev, "preview", evil());
		json_object_set_new(ev, "nested", json_pack("{s:[o,o]}", "x", evil(), evil()));
		json_object_set(ev, "process", proc);
		json_object_set_new(ev, "attribution", evil());
		json_object_set_new(f, "evidence", ev);
		json_array_append_new(fs, f);
	}
	json_decref(proc);
	json_object_set_new(doc, "findings", fs);

	json_t *inc = json_object();
	json_object_set_new(inc, "type", json_string("incident"));
	json_object_set_new(inc, "id", json_string("I-00000000000000aa\"><script>"));
	json_object_set_new(inc, "verdict", json_string("malicious"));
	json_object_set_new(inc, "score", json_integer(100));
	json_object_set_new(inc, "severity", json_string("high"));
	json_object_set_new(inc, "primary", evil());
	json_object_set_new(inc, "primary_role", json_string("source"));
	json_object_set_new(inc, "hosts", json_pack("[o]", evil()));
	json_object_set_new(inc, "first_seen", json_string("2026-11-25T01:14:33.072338Z"));
	json_object_set_new(inc, "last_seen", json_string("2026-11-25T01:15:42.665397Z"));
	json_object_set_new(inc, "findings", json_pack("[s,s,s,o]", "F-0000000000000001", "F-0000000000000002",
						       "F-0000000000000003", evil()));
	json_object_set_new(inc, "mitre", json_pack("[{s:s,s:o,s:o},{s:o,s:o,s:o}]", "id", "T1018", "name", evil(), "tactic",
						    evil(), "id", evil(), "name", evil(), "tactic", evil()));
	json_object_set_new(inc, "reasons", json_pack("[{s:i,s:o}]", "points", 25, "why", evil()));
	json_object_set_new(inc, "related", json_pack("[o]", evil()));
	json_object_set_new(inc, "summary", evil());
	json_object_set_new(inc, "narrative", evil());
	json_object_set_new(inc, "playbook",
			    json_pack("[{s:s,s:o,s:o,s:o,s:o,s:o},{s:s,s:s,s:o,s:o,s:o,s:o}]", "step", "triage", "title", evil(),
				      "status", evil(), "established", evil(), "missing", evil(), "next", evil(), "step",
				      "containment", "title", "Containment", "status", evil(), "established", evil(), "missing",
				      evil(), "next", evil()));
	json_object_set_new(doc, "incidents", json_pack("[o]", inc));

	json_object_set_new(doc, "activity",
			    json_pack("{s:s,s:I,s:I,s:i,s:i,s:[{s:o,s:i,s:[i,i,i]}],s:{s:i,s:[i,i,i]}}", "start",
				      "2026-11-25T01:14:33.035478Z", "start_ns", (json_int_t)1795569273035478000ll, "bucket_ns",
				      (json_int_t)1000000000, "buckets", 3, "senders_replaced", 1, "series", "host", evil(),
				      "packets", 7, "counts", 1, 2, 4, "other", "packets", 3, "counts", 1, 1, 1));
	json_object_set_new(doc, "talkers", json_pack("[{s:o,s:i,s:i,s:b}]", "host", evil(), "packets", 7, "bytes", 700,
						      "lower_bound", 1));
	json_object_set_new(doc, "hosts_seen", json_pack("{s:i,s:b}", "count", 3, "exact", 1));
	json_object_set_new(doc, "conversations",
			    json_pack("{s:i,s:{s:i,s:i,s:i},s:[{s:o,s:o,s:i,s:f,s:f,s:s,s:o,s:o,s:o}]}", "total", 1,
				      "by_payload", "ordinary", 0, "custom", 0, "data", 1, "points", "src", evil(), "dst",
				      evil(), "requests", 9, "size_mean", 1024.0, "entropy", 7.6, "payload", "data",
				      "template", evil(), "content", evil(), "tool", evil()));
	json_object_set_new(doc, "templates", json_pack("[{s:o,s:i,s:f}]", "name", evil(), "size", 56, "entropy", 5.4));
	json_object_set_new(doc, "random_entropy", json_pack("[[i,f],[i,f]]", 8, 2.9, 1024, 7.81));
	json_object_set_new(doc, "sweep_cells",
			    json_pack("{s:{s:s,s:s,s:s}}", "F-0000000000000001", "block", "10.78.0.0", "probed", "zz<&>\"",
				      "answered", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
	return doc;
}

/* Bytes that must never reach the output in any form; for HTML also markup that must only
 * appear escaped (in Markdown it may sit, inert, inside a code span). */
static void no_raw_evil(const char *out, bool html)
{
	static const char *const never[] = { "\x01", "\x1b", "\xff", "\xfe", "\xE2\x80\xAE" };
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (strstr(out, never[i]))
			fail_msg("raw byte(s) \"%s\" in the output", never[i]);
	static const char *const markup[] = { "<script", "<img", "<svg onload" };
	for (size_t i = 0; html && i < sizeof(markup) / sizeof(markup[0]); i++)
		if (strstr(out, markup[i]))
			fail_msg("raw \"%s\" in the output", markup[i]);
}

static void test_html_hostile(void **state)
{
	(void)state;
	json_t *doc = hostile_doc();
	struct buf b;
	buf_open(&b);
	assert_true(ih_report_html(b.f, doc));
	const char *out = buf_done(&b);
	if (!mc_markup_ok(out, strlen(out)))
		fail_msg("HTML: %s", mc_err);
	no_raw_evil(out, true);
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out, "Content-Security-Policy"));
	/* the embedded NUL was shown, not obeyed */
	assert_non_null(strstr(out, "cap" FFFD "ture.pcap"));
	/* nothing fetched: no URL in a place that loads (the markup check refuses src and
	 * external href attributes; as text, a quote can only appear as &quot;) */
	assert_null(strstr(out, "src=\""));
	assert_null(strstr(out, "href=\"http"));
	assert_null(strstr(out, "<link"));
	/* the style sheet is ours: it is the first <style> and there is no other */
	const char *st = strstr(out, "<style>");
	assert_non_null(st);
	assert_null(strstr(st + 1, "<style"));
	/* every chart has its accessible name and description */
	assert_non_null(strstr(out, "id=\"chart-activity\""));
	assert_non_null(strstr(out, "id=\"chart-talkers\""));
	assert_non_null(strstr(out, "id=\"chart-payload\""));
	assert_non_null(strstr(out, "id=\"sweep-F-0000000000000001\""));
	assert_non_null(strstr(out, "id=\"beacon-F-0000000000000002\""));
	assert_non_null(strstr(out, "aria-labelledby=\"chart-payload-t chart-payload-d\""));
	free(b.p);
	json_decref(doc);
}

static size_t unescaped_pipes(const char *line, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '\\') {
			i++;
			continue;
		}
		if (line[i] == '`') {
			/* a code span: skip to the closing run of the same length */
			size_t run = 0;
			while (i < n && line[i] == '`') {
				run++;
				i++;
			}
			for (; i < n; i++) {
				if (line[i] == '\\' && i + 1 < n && line[i + 1] == '|') {
					i++;
					continue;
				}
				if (line[i] == '|')
					k++; /* GitHub splits cells here even inside a code span */
				size_t r = 0;
				while (i + r < n && line[i + r] == '`')
					r++;
				if (r == run) {
					i += r - 1;
					break;
				}
				if (r)
					i += r - 1;
			}
			continue;
		}
		if (line[i] == '|')
			k++;
	}
	return k;
}

static void test_markdown_hostile(void **state)
{
	(void)state;
	json_t *doc = hostile_doc();
	struct buf b;
	buf_open(&b);
	assert_true(ih_report_markdown(b.f, doc));
	const char *out = buf_done(&b);
	if (!mc_text_ok(out, strlen(out)))
		fail_msg("Markdown: %s", mc_err);
	no_raw_evil(out, false);
	/* outside code spans, no markup survives: every '<' and '[' is escaped */
	for (const char *p = out; *p; p++) {
		if (*p == '`') {
			size_t run = 0;
			while (p[run] == '`')
				run++;
			const char *q = p + run;
			for (;;) {
				q = strchr(q, '`');
				if (!q)
					fail_msg("unclosed code span");
				size_t r = 0;
				while (q[r] == '`')
					r++;
				if (r == run)
					break;
				q += r;
			}
			p = q + run - 1;
			continue;
		}
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '<' || *p == '[' || *p == ']')
			fail_msg("unescaped '%c' in Markdown text near: %.40s", *p, p > out + 20 ? p - 20 : out);
	}
	/* table rows keep their number of cells */
	const char *line = out;
	size_t want = 0;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n && line[0] == '|') {
			size_t k = unescaped_pipes(line, n);
			if (!want)
				want = k;
			else if (k != want)
				fail_msg("table row with %zu cell boundaries, header had %zu: %.*s", k, want, (int)n, line);
		} else {
			want = 0;
		}
		line = nl ? nl + 1 : line + n;
	}
	free(b.p);
	json_decref(doc);
}

/* An empty analysis: no packets, no findings. Renders, and says so. */
static void test_empty(void **state)
{
	(void)state;
	json_t *doc = json_pack("{s:s,s:[],s:{s:i,s:b},s:[],s:[]}", "version", "0.1.0", "inputs", "stats", "packets", 0,
				"clean", 1, "findings", "incidents");
	struct buf b;
	buf_open(&b);
	assert_true(ih_report_html(b.f, doc));
	const char *out = buf_done(&b);
	if (!mc_markup_ok(out, strlen(out)))
		fail_msg("HTML: %s", mc_err);
	assert_non_null(strstr(out, "No incident."));
	free(b.p);
	buf_open(&b);
	assert_true(ih_report_markdown(b.f, doc));
	out = buf_done(&b);
	assert_non_null(strstr(out, "No incident"));
	free(b.p);
	json_decref(doc);
}

static void test_helpers(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(ih_rep_count(0, b, sizeof(b)), "0");
	assert_string_equal(ih_rep_count(999, b, sizeof(b)), "999");
	assert_string_equal(ih_rep_count(1000, b, sizeof(b)), "1,000");
	assert_string_equal(ih_rep_count(257028, b, sizeof(b)), "257,028");
	assert_string_equal(ih_rep_count(-1234567, b, sizeof(b)), "-1,234,567");
	assert_string_equal(ih_rep_bytes(812, b, sizeof(b)), "812 B");
	assert_string_equal(ih_rep_bytes(290242, b, sizeof(b)), "290.2 kB");
	assert_string_equal(ih_rep_bytes(12.5e6, b, sizeof(b)), "12.5 MB");
	uint64_t ns;
	assert_true(ih_rep_parse_time("2026-11-25T01:14:33.035478Z", &ns));
	assert_true(ns % 1000000000ull == 35478000ull);
	assert_true(ih_rep_parse_time("1970-01-01T00:00:01Z", &ns));
	assert_true(ns == 1000000000ull);
	assert_false(ih_rep_parse_time("2026-11-25 01:14:33Z", &ns));
	assert_false(ih_rep_parse_time("2026-11-25T01:14:33.Z", &ns));
	assert_false(ih_rep_parse_time("2026-11-25T01:14:33.1+02:00", &ns));
	assert_false(ih_rep_parse_time("<script>", &ns));
	assert_false(ih_rep_parse_time("", &ns));
	assert_string_equal(ih_rep_time("2026-11-25T01:14:33.035478Z", b, sizeof(b)), "2026-11-25 01:14:33 UTC");
	assert_string_equal(ih_rep_time("garbage", b, sizeof(b)), "garbage");
	assert_string_equal(ih_rep_duration(200000000ull, b, sizeof(b)), "0.2 s");
	assert_string_equal(ih_rep_duration(42000000ull, b, sizeof(b)), "42 ms");
	assert_string_equal(ih_rep_duration(0, b, sizeof(b)), "0 ms");
	assert_string_equal(ih_rep_duration(1000000000ull, b, sizeof(b)), "1 s");
	assert_string_equal(ih_rep_duration(70000000000ull, b, sizeof(b)), "70 s");
	assert_string_equal(ih_rep_duration(125000000000ull, b, sizeof(b)), "2 min 5 s");
	assert_string_equal(ih_rep_duration(3ull * 3600 * 1000000000ull + 240000000000ull, b, sizeof(b)), "3 h 4 min");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_displayable),
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_xml_escape_exhaustive),
		cmocka_unit_test(test_md_escape),
		cmocka_unit_test(test_md_code),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_markdown_hostile),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

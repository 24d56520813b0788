/* test_svg.c — the chart builders (svg.c): each writes one well-formed <svg> with its id,
 * classes, <title> and <desc>; every label and tooltip from a capture is escaped and
 * sanitised; odd numbers (zero, huge, NaN) give a drawable chart, never "nan" in a
 * coordinate; the same input gives the same bytes. And the axis helpers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "markup_check.h"
#include "report/svg.h"

#define EVIL "</svg><script>alert(1)</script>\"' onload=\"x\" &amp; \x01\x1b\xff\xC0\xAF\xE2\x80\xAE" "fd00::1 ]]>"

typedef void (*draw_fn)(FILE *, const void *);

static char *render(draw_fn fn, const void *chart)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	assert_non_null(f);
	fn(f, chart);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* Well-formed, escaped, labelled; the same bytes twice. */
static char *check(draw_fn fn, const void *chart, const char *id, const char *cls)
{
	char *a = render(fn, chart), *b = render(fn, chart);
	assert_string_equal(a, b);
	free(b);
	size_t n = strlen(a);
	if (!mc_markup_ok(a, n))
		fail_msg("%s: %s", id, mc_err);
	assert_true(strncmp(a, "<svg class=\"chart", 17) == 0);
	char want[256];
	snprintf(want, sizeof(want), "id=\"%s\"", id);
	assert_non_null(strstr(a, want));
	snprintf(want, sizeof(want), "class=\"chart %s\"", cls);
	assert_non_null(strstr(a, want));
	assert_non_null(strstr(a, "role=\"img\""));
	snprintf(want, sizeof(want), "aria-labelledby=\"%s-t %s-d\"", id, id);
	assert_non_null(strstr(a, want));
	snprintf(want, sizeof(want), "<title id=\"%s-t\">", id);
	assert_non_null(strstr(a, want));
	snprintf(want, sizeof(want), "<desc id=\"%s-d\">", id);
	assert_non_null(strstr(a, want));
	assert_null(strstr(a, "<script"));
	assert_null(strstr(a, "nan"));
	assert_null(strstr(a, "inf"));
	assert_null(strstr(a, "\xE2\x80\xAE"));
	assert_null(strstr(a, "xmlns")); /* inline SVG in HTML: no namespace URL at all */
	assert_null(strstr(a, "http"));
	/* exactly one svg element, at the end (a suffix and a count: gcc -O3 takes a pointer
	 * compared with the end of an open_memstream buffer for a dangling one) */
	assert_true(n >= 7 && strcmp(a + (n - 7), "</svg>\n") == 0);
	unsigned closes = 0;
	for (const char *q = a; (q = strstr(q, "</svg>")) != NULL; q += 6)
		closes++;
	assert_int_equal(closes, 1);
	return a;
}

/* ------------------------------------------------------------------ builders */

static void draw_time(FILE *f, const void *c)
{
	ih_svg_timechart(f, c);
}
static void draw_bars(FILE *f, const void *c)
{
	ih_svg_bars(f, c);
}
static void draw_scatter(FILE *f, const void *c)
{
	ih_svg_scatter(f, c);
}
static void draw_cells(FILE *f, const void *c)
{
	ih_svg_cells(f, c);
}
static void draw_gaps(FILE *f, const void *c)
{
	ih_svg_gaps(f, c);
}
static void draw_timeline(FILE *f, const void *c)
{
	ih_svg_timeline(f, c);
}

static void test_timechart(void **state)
{
	(void)state;
	double a[5] = { 0, 3, 10, 2, 0 }, b[5] = { 1, 1, NAN, INFINITY, -4 };
	struct ih_svg_series s[3] = { { "10.77.0.10", a, 0 }, { EVIL, b, 1 }, { "other hosts", a, 7 } };
	struct ih_svg_timechart c = { { "chart-activity", "chart-activity", EVIL, EVIL },
				      1795569273035478000ull, 1000000000ull, 5, s, 3, "ICMP packets per 1 s" };
	char *out = check(draw_time, &c, "chart-activity", "chart-activity");
	assert_non_null(strstr(out, "&lt;/svg&gt;&lt;script&gt;"));
	assert_non_null(strstr(out, "class=\"s0\""));
	assert_non_null(strstr(out, "class=\"s1\""));
	assert_non_null(strstr(out, "class=\"s7\""));
	assert_non_null(strstr(out, "<polyline class=\"ln\""));
	assert_non_null(strstr(out, "01:14:34")); /* clock ticks in UTC */
	assert_non_null(strstr(out, "time (UTC)"));
	free(out);
	/* no buckets, no series: still a labelled chart */
	struct ih_svg_timechart e = { { "empty", "chart-activity", "t", "d" }, 0, 0, 0, NULL, 0, NULL };
	out = check(draw_time, &e, "empty", "chart-activity");
	assert_non_null(strstr(out, "no ICMP traffic"));
	free(out);
	/* bucket arithmetic that would overflow the time axis */
	struct ih_svg_timechart o = { { "over", "chart-activity", "t", "d" }, UINT64_MAX - 5, UINT64_MAX / 2, 5, s, 1,
				      "y" };
	out = check(draw_time, &o, "over", "chart-activity");
	free(out);
	/* more series than styles: only IH_SVG_SERIES are drawn */
	struct ih_svg_series many[12];
	for (int i = 0; i < 12; i++)
		many[i] = (struct ih_svg_series){ "h", a, i };
	struct ih_svg_timechart m = { { "many", "chart-activity", "t", "d" }, 0, 100000000ull, 5, many, 12, "y" };
	out = check(draw_time, &m, "many", "chart-activity");
	assert_null(strstr(out, "class=\"s8\""));
	free(out);
}

static void test_bars(void **state)
{
	(void)state;
	struct ih_svg_bar b[4] = {
		{ "10.77.0.10", 439, "439 packets", IH_TONE_MALICIOUS, EVIL },
		{ EVIL, 12, EVIL, IH_TONE_BENIGN, NULL },
		{ "fd00::1", 0, "0 packets", 99, NULL },
		{ "not-a-number", NAN, "x", -3, NULL },
	};
	struct ih_svg_bars c = { { "chart-talkers", "chart-talkers", "Top talkers", EVIL }, b, 4 };
	char *out = check(draw_bars, &c, "chart-talkers", "chart-talkers");
	assert_non_null(strstr(out, "class=\"bar t3\""));
	assert_non_null(strstr(out, "class=\"bar t1\""));
	assert_non_null(strstr(out, "class=\"bar t0\"")); /* out-of-range tones fall back to neutral */
	assert_non_null(strstr(out, "&quot;&#39; onload=&quot;x&quot;"));
	free(out);
	struct ih_svg_bars e = { { "none", "chart-talkers", "t", "d" }, NULL, 0 };
	out = check(draw_bars, &e, "none", "chart-talkers");
	free(out);
}

static void test_scatter(void **state)
{
	(void)state;
	struct ih_svg_point p[5] = {
		{ 56, 5.4, 0, false, "10.77.0.11 \xE2\x86\x92 198.51.100.23" },
		{ 978, 7.66, 2, true, EVIL },
		{ 120, 3.2, 1, true, NULL },
		{ 1e12, 99, 7, false, "huge" },
		{ NAN, NAN, -1, false, "not-a-number" },
	};
	struct ih_svg_ref ref[3] = { { 56, 5.4, EVIL, EVIL }, { 56, 5.5, "BSD", "BSD" }, { 0, 0, "nmap -PE", NULL } };
	static const double curve[3][2] = { { 8, 2.9 }, { 64, 5.6 }, { 1024, 7.81 } };
	struct ih_svg_scatter c = { { "chart-payload", "chart-payload", "Payload", EVIL }, p, 5, ref, 3, curve, 3, NULL };
	char *out = check(draw_scatter, &c, "chart-payload", "chart-payload");
	assert_non_null(strstr(out, "class=\"pt k0\""));
	assert_non_null(strstr(out, "class=\"pt k1\""));
	assert_non_null(strstr(out, "class=\"pt k2\""));
	assert_non_null(strstr(out, "class=\"ring\""));
	assert_non_null(strstr(out, "class=\"ref\""));
	assert_non_null(strstr(out, "class=\"rnd\""));
	assert_non_null(strstr(out, "entropy (bits per byte)"));
	free(out);
}

static void test_cells(void **state)
{
	(void)state;
	uint8_t st[32];
	const char *addr[32], *txt[32];
	char a[32][24], t[32][12];
	for (int i = 0; i < 32; i++) {
		snprintf(a[i], sizeof(a[i]), "10.78.0.%d", 32 + i);
		snprintf(t[i], sizeof(t[i]), "%d", 32 + i);
		addr[i] = a[i];
		txt[i] = t[i];
		st[i] = (uint8_t)(i % 5); /* 4 is out of range: drawn as unknown */
	}
	addr[3] = EVIL;
	txt[4] = EVIL;
	struct ih_svg_cells c = { { "sweep-F-1", "chart-sweep", "Sweep", "d" }, st, addr, txt, 32, 16 };
	char *out = check(draw_cells, &c, "sweep-F-1", "chart-sweep");
	assert_non_null(strstr(out, "class=\"cell c0\""));
	assert_non_null(strstr(out, "class=\"cell c1\""));
	assert_non_null(strstr(out, "class=\"cell c2\""));
	assert_non_null(strstr(out, "class=\"cell c3\""));
	assert_non_null(strstr(out, "10.78.0.48")); /* the second row's label */
	assert_non_null(strstr(out, "10.78.0.34: answered"));
	assert_non_null(strstr(out, "not known")); /* legend shows the unknown state when used */
	free(out);
	/* one cell, zero columns asked */
	struct ih_svg_cells one = { { "one", "chart-sweep", "t", "d" }, st, addr, NULL, 1, 0 };
	out = check(draw_cells, &one, "one", "chart-sweep");
	free(out);
}

static void test_gaps(void **state)
{
	(void)state;
	double g[6] = { 4.095, 4.096, 4.095, NAN, 0, 1e9 };
	struct ih_svg_gaps c = { { "beacon-F-2", "chart-beacon", EVIL, EVIL }, g, 6, 4.095, 4.0, 4.2 };
	char *out = check(draw_gaps, &c, "beacon-F-2", "chart-beacon");
	assert_non_null(strstr(out, "median 4.095 s"));
	assert_non_null(strstr(out, "class=\"band\""));
	assert_non_null(strstr(out, "gap 1: 4.095 s"));
	free(out);
	struct ih_svg_gaps e = { { "g0", "chart-beacon", "t", "d" }, NULL, 0, 0, 0, 0 };
	out = check(draw_gaps, &e, "g0", "chart-beacon");
	free(out);
}

static void test_timeline(void **state)
{
	(void)state;
	uint64_t t = 1795569273000000000ull;
	struct ih_svg_span s[3] = {
		{ "sweep (medium)", t + 6000000000ull, t + 6200000000ull, IH_TONE_SUSPICIOUS, EVIL },
		{ EVIL, t, t + 70000000000ull, IH_TONE_MALICIOUS, NULL },
		{ "instant", t + 8000000000ull, t + 8000000000ull, 42, NULL },
	};
	struct ih_svg_timeline c = { { "timeline-I-1", "chart-timeline", "t", "d" }, s, 3 };
	char *out = check(draw_timeline, &c, "timeline-I-1", "chart-timeline");
	assert_non_null(strstr(out, "class=\"bar t2\""));
	assert_non_null(strstr(out, "class=\"bar t3\""));
	assert_non_null(strstr(out, "class=\"bar t0\""));
	free(out);
	struct ih_svg_timeline e = { { "tl0", "chart-timeline", "t", "d" }, NULL, 0 };
	out = check(draw_timeline, &e, "tl0", "chart-timeline");
	free(out);
}

/* ------------------------------------------------------------------ helpers */

static void test_nice_max(void **state)
{
	(void)state;
	double step;
	assert_true(ih_svg_nice_max(0, true, &step) == 1 && step == 1);
	assert_true(ih_svg_nice_max(1, true, &step) == 1 && step == 1);
	assert_true(ih_svg_nice_max(3, true, &step) == 3 && step == 1);
	assert_true(ih_svg_nice_max(7, true, &step) == 8 && step == 2);
	assert_true(ih_svg_nice_max(10, true, &step) == 10 && step == 5); /* counts: no 2.5 step */
	assert_true(ih_svg_nice_max(439, true, &step) == 600 && step == 200);
	assert_true(fabs(ih_svg_nice_max(0.3, false, &step) - 0.3) < 1e-12 && fabs(step - 0.1) < 1e-12);
	assert_true(ih_svg_nice_max(4.5, false, &step) == 6 && step == 2);
	assert_true(ih_svg_nice_max(9, false, &step) == 10 && step == 2.5);
	assert_true(ih_svg_nice_max(NAN, false, &step) == 1);
	assert_true(ih_svg_nice_max(-5, false, &step) == 1);
	assert_true(ih_svg_nice_max(INFINITY, false, &step) == 1);
	/* always at least one step, at most a few */
	for (double v = 0.013; v < 1e9; v *= 1.37) {
		double m = ih_svg_nice_max(v, false, &step);
		assert_true(m >= v * (1 - 1e-9));
		assert_true(m / step >= 2 - 1e-9 && m / step <= 5 + 1e-9);
	}
}

static void test_short_num(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(ih_svg_short_num(0, b, sizeof(b)), "0");
	assert_string_equal(ih_svg_short_num(12, b, sizeof(b)), "12");
	assert_string_equal(ih_svg_short_num(2.5, b, sizeof(b)), "2.5");
	assert_string_equal(ih_svg_short_num(0.25, b, sizeof(b)), "0.25");
	assert_string_equal(ih_svg_short_num(1500, b, sizeof(b)), "1.5k");
	assert_string_equal(ih_svg_short_num(25000, b, sizeof(b)), "25k");
	assert_string_equal(ih_svg_short_num(3.4e6, b, sizeof(b)), "3.4M");
	assert_string_equal(ih_svg_short_num(2e9, b, sizeof(b)), "2G");
}

static void test_clock(void **state)
{
	(void)state;
	char b[40];
	uint64_t t = 1795569273035478000ull; /* 2026-11-25T01:14:33.035478Z */
	assert_string_equal(ih_svg_clock(t, 1000000000ull, false, b, sizeof(b)), "01:14:33");
	assert_string_equal(ih_svg_clock(t, 60000000000ull, false, b, sizeof(b)), "01:14");
	assert_string_equal(ih_svg_clock(t, 100000000ull, false, b, sizeof(b)), "01:14:33.0");
	assert_string_equal(ih_svg_clock(t, 10000000ull, false, b, sizeof(b)), "01:14:33.03");
	assert_string_equal(ih_svg_clock(t, 1000000ull, false, b, sizeof(b)), "01:14:33.035");
	assert_string_equal(ih_svg_clock(t, 3600000000000ull, true, b, sizeof(b)), "11-25 01:14");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timechart), cmocka_unit_test(test_bars),     cmocka_unit_test(test_scatter),
		cmocka_unit_test(test_cells),     cmocka_unit_test(test_gaps),     cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_nice_max),  cmocka_unit_test(test_short_num), cmocka_unit_test(test_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

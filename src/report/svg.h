/* svg.h — the charts of the HTML report, drawn as inline SVG.
 *
 * Each builder writes one <svg> element: role="img", the given id and classes, a <title> and a
 * <desc> (its accessible name and description, referenced by aria-labelledby), and no script,
 * font, image or link: colours and type come from the classes the report's stylesheet defines
 * (html.c), so a chart is styled like the page and prints with it. Series are told apart by
 * colour (a colour-blind-safe palette) and also by dash pattern or marker shape, never by
 * colour alone. Every string a builder prints — labels, tooltips, the title — goes through
 * ih_xml_escape; numbers are printed with fixed precision, so the same data gives the same
 * bytes. The builders draw only: the text alternative (a table of the same numbers) is the
 * caller's (html.c writes one under every chart).
 *
 * Classes a builder uses (html.c styles them): chart, ax (axes), gl (grid lines), lb (labels),
 * s0..s7 (series), t0..t5 (tones, enum ih_tone), c0..c3 (sweep
 * cells), k0..k2 (payload kinds), ref (reference marks), band (ranges). */
#ifndef IH_SVG_H
#define IH_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IH_SVG_SERIES 8 /* series styles s0..s7 */

/* Tones of bars and spans (classes t0..t5): verdicts and severities. */
enum ih_tone {
	IH_TONE_NEUTRAL = 0, /* info, or no verdict */
	IH_TONE_BENIGN,
	IH_TONE_SUSPICIOUS,  /* also severity medium */
	IH_TONE_MALICIOUS,   /* also severity high */
	IH_TONE_LOW,         /* severity low */
	IH_TONE_CRITICAL,    /* severity critical */
	IH_TONE_N
};

/* What every chart has. `id` must be unique in the page and made of [A-Za-z0-9_-] (it is
 * escaped all the same); `cls` is added to "chart". */
struct ih_svg_head {
	const char *id;
	const char *cls;
	const char *title;
	const char *desc;
};

/* Time series: values per bucket of equal width, one line per series. */
struct ih_svg_series {
	const char *label;
	const double *v; /* n values */
	int style;       /* 0..IH_SVG_SERIES-1: colour and dash (s0..s7; s7 is grey, for "others") */
};
struct ih_svg_timechart {
	struct ih_svg_head h;
	uint64_t t0_ns;   /* start of the first bucket, ns since the epoch (UTC) */
	uint64_t step_ns; /* bucket width (> 0) */
	size_t n;         /* buckets */
	const struct ih_svg_series *s;
	size_t ns;        /* series, at most IH_SVG_SERIES drawn */
	const char *y_label;
};
void ih_svg_timechart(FILE *out, const struct ih_svg_timechart *c);

/* Horizontal bars, one per row, longest first as given. */
struct ih_svg_bar {
	const char *label;  /* left of the bar (a host) */
	double value;
	const char *note;   /* right of the bar ("1,234 packets, 56 kB") */
	int tone;           /* IH_TONE_* */
	const char *tip;    /* tooltip, may be NULL */
};
struct ih_svg_bars {
	struct ih_svg_head h;
	const struct ih_svg_bar *b;
	size_t n;
};
void ih_svg_bars(FILE *out, const struct ih_svg_bars *c);

/* Scatter of conversations: payload size (log scale) against entropy (0..8 bits/byte). */
struct ih_svg_point {
	double x, y;        /* bytes, bits per byte */
	int kind;           /* 0 ordinary, 1 custom, 2 data: marker shape and colour */
	bool mark;          /* part of a finding of severity low or above: ringed */
	const char *tip;
};
struct ih_svg_ref {
	double x, y;
	const char *label;  /* a template, for the tooltip: "iputils ping (Linux), 56 bytes" */
	const char *tag;    /* drawn beside the mark: "iputils"; may be NULL */
};
struct ih_svg_scatter {
	struct ih_svg_head h;
	const struct ih_svg_point *p;
	size_t n;
	const struct ih_svg_ref *ref;   /* ordinary tools' payloads */
	size_t nref;
	const double (*curve)[2];       /* (bytes, bits) of random bytes, increasing bytes */
	size_t ncurve;
	const char *const *kind_names;  /* legend names of kinds 0..2 */
};
void ih_svg_scatter(FILE *out, const struct ih_svg_scatter *c);

/* A grid of cells, one per address of a swept range. */
enum ih_svg_cell { IH_CELL_NOT_PROBED = 0, IH_CELL_PROBED, IH_CELL_ANSWERED, IH_CELL_UNKNOWN };
struct ih_svg_cells {
	struct ih_svg_head h;
	const uint8_t *state;          /* n states (enum ih_svg_cell) */
	const char *const *addr;       /* n full addresses (tooltips; a row's first is its label) */
	const char *const *text;       /* n short texts drawn in the cells (the last octet) */
	size_t n;
	size_t cols;                   /* cells per row (> 0) */
};
void ih_svg_cells(FILE *out, const struct ih_svg_cells *c);

/* Inter-arrival times of a beacon: one point per gap in order, the median and the quartile
 * band behind them. */
struct ih_svg_gaps {
	struct ih_svg_head h;
	const double *gap_s;
	size_t n;
	double median_s, q1_s, q3_s;
};
void ih_svg_gaps(FILE *out, const struct ih_svg_gaps *c);

/* Spans on a time axis, one row each: the findings of an incident. */
struct ih_svg_span {
	const char *label;
	uint64_t t0_ns, t1_ns;
	int tone;
	const char *tip;
};
struct ih_svg_timeline {
	struct ih_svg_head h;
	const struct ih_svg_span *s;
	size_t n;
};
void ih_svg_timeline(FILE *out, const struct ih_svg_timeline *c);

/* Helpers shared with html.c and markdown.c. */
/* A "nice" axis maximum >= v and its tick step (1, 2, 2.5 or 5 times a power of ten, about
 * four ticks); with `integer` the step is a whole number (counts). v <= 0 is taken as 1. */
double ih_svg_nice_max(double v, bool integer, double *step /* OUT */);
/* "12", "1.5", "12k", "3.4M": a short number for an axis. buf >= 16. */
const char *ih_svg_short_num(double v, char *buf, size_t len);
/* "01:14:39" / "01:14:39.25" / "11-25 01:00": a clock time for an axis tick at this step. */
const char *ih_svg_clock(uint64_t ns, uint64_t step_ns, bool with_date, char *buf, size_t len);

#endif

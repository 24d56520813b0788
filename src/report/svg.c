/* svg.c — inline SVG charts for the HTML report (see svg.h for what every chart promises). */
#include "report/svg.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "report/escape.h"

#define W 880            /* every chart's viewBox width */
#define CHAR_W 6.6       /* average advance of the 11 px label font, for layout estimates */

/* ------------------------------------------------------------------------------ helpers */

double ih_svg_nice_max(double v, bool integer, double *step)
{
	if (!(v > 0) || !isfinite(v))
		v = 1;
	double raw = v / 4;
	double e = pow(10, floor(log10(raw)));
	static const double nice[] = { 1, 2, 2.5, 5, 10 };
	double st = 10 * e;
	for (size_t i = 0; i < sizeof(nice) / sizeof(nice[0]); i++)
		if ((!integer || nice[i] != 2.5) && nice[i] * e >= raw * (1 - 1e-9)) {
			st = nice[i] * e;
			break;
		}
	if (integer && st < 1)
		st = 1;
	if (integer && st != floor(st))
		st = ceil(st);
	double max = ceil(v / st - 1e-9) * st;
	if (max < st)
		max = st;
	*step = st;
	return max;
}

const char *ih_svg_short_num(double v, char *buf, size_t len)
{
	double a = fabs(v);
	if (a >= 1e9)
		snprintf(buf, len, "%.3gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else if (a >= 1e3)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else if (v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
	return buf;
}

const char *ih_svg_clock(uint64_t ns, uint64_t step_ns, bool with_date, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	gmtime_r(&s, &tm);
	if (with_date && step_ns >= 3600000000000ull) {
		snprintf(buf, len, "%02d-%02d %02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	} else if (step_ns >= 60000000000ull) {
		snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
	} else if (step_ns >= 1000000000ull) {
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	} else {
		int dec = step_ns >= 100000000ull ? 1 : step_ns >= 10000000ull ? 2 : 3;
		unsigned frac = (unsigned)(ns % 1000000000u);
		unsigned div = dec == 1 ? 100000000u : dec == 2 ? 10000000u : 1000000u;
		snprintf(buf, len, "%02d:%02d:%02d.%0*u", tm.tm_hour, tm.tm_min, tm.tm_sec, dec, frac / div);
	}
	return buf;
}

/* A number safe to print as a coordinate: NaN and infinities (from a hand-made document) as 0. */
static double fin(double x)
{
	return isfinite(x) ? x : 0;
}

static void esc(FILE *o, const char *s)
{
	ih_xml_escape_str(o, s ? s : "");
}

static void open_svg(FILE *o, const struct ih_svg_head *h, int height)
{
	fputs("<svg class=\"chart", o);
	if (h->cls && *h->cls) {
		fputc(' ', o);
		esc(o, h->cls);
	}
	fputs("\" id=\"", o);
	esc(o, h->id);
	fprintf(o, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-labelledby=\"", W, height, W,
		height);
	esc(o, h->id);
	fputs("-t ", o);
	esc(o, h->id);
	fputs("-d\">\n<title id=\"", o);
	esc(o, h->id);
	fputs("-t\">", o);
	esc(o, h->title);
	fputs("</title>\n<desc id=\"", o);
	esc(o, h->id);
	fputs("-d\">", o);
	esc(o, h->desc);
	fputs("</desc>\n", o);
}

static void close_svg(FILE *o)
{
	fputs("</svg>\n", o);
}

/* <text> at (x, y): anchor "start", "middle" or "end". */
static void text(FILE *o, double x, double y, const char *cls, const char *anchor, const char *s)
{
	fprintf(o, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\"", cls, x, y);
	if (anchor && strcmp(anchor, "start") != 0)
		fprintf(o, " text-anchor=\"%s\"", anchor);
	fputc('>', o);
	esc(o, s);
	fputs("</text>", o);
}

static void tip(FILE *o, const char *s)
{
	if (!s || !*s)
		return;
	fputs("<title>", o);
	esc(o, s);
	fputs("</title>", o);
}

static double text_w(const char *s)
{
	return s ? (double)strlen(s) * CHAR_W : 0;
}

/* Horizontal grid and labels of a y axis from 0 to max. */
static void y_axis(FILE *o, double left, double right, double top, double bottom, double max, double step,
		   const char *label)
{
	char b[24];
	for (double v = 0; v <= max * (1 + 1e-9); v += step) {
		double y = bottom - (bottom - top) * v / max;
		fprintf(o, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", v == 0 ? "ax" : "gl", left, y,
			right, y);
		text(o, left - 6, y + 4, "lb", "end", ih_svg_short_num(v, b, sizeof(b)));
	}
	if (label && *label) {
		fprintf(o, "<text class=\"lb ttl\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">",
			(top + bottom) / 2);
		esc(o, label);
		fputs("</text>", o);
	}
	fputc('\n', o);
}

/* Tick step for a time axis of `span_ns` nanoseconds: about six ticks. */
static uint64_t time_tick(uint64_t span_ns)
{
	static const uint64_t ms[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000,
				       60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000,
				       10800000, 21600000, 43200000, 86400000 };
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if (span_ns / (ms[i] * 1000000ull) <= 7)
			return ms[i] * 1000000ull;
	uint64_t day = 86400000000000ull, st = day;
	while (span_ns / st > 7)
		st *= 2;
	return st;
}

/* Vertical grid and clock labels of a time axis from t0 to t1 (ns) over [left, right]. */
static void time_axis(FILE *o, double left, double right, double top, double bottom, uint64_t t0, uint64_t t1)
{
	if (t1 <= t0)
		t1 = t0 + 1;
	uint64_t span = t1 - t0, st = time_tick(span);
	bool with_date = span >= 86400000000000ull || t0 / 86400000000000ull != t1 / 86400000000000ull;
	char b[40];
	uint64_t first = t0 / st * st;
	bool room = true;
	if (first < t0) {
		room = first <= UINT64_MAX - st;
		first = room ? first + st : first;
	}
	for (uint64_t t = first; room && t <= t1;) {
		double x = left + (right - left) * (double)(t - t0) / (double)span;
		fprintf(o, "<line class=\"gl\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, top, x, bottom);
		text(o, x, bottom + 16, "lb", "middle", ih_svg_clock(t, st, with_date, b, sizeof(b)));
		if (t > UINT64_MAX - st)
			break;
		t += st;
	}
	fprintf(o, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, bottom, right, bottom);
	text(o, right, bottom + 32, "lb ttl", "end", "time (UTC)");
	fputc('\n', o);
}

/* ------------------------------------------------------------------------------ time series */

void ih_svg_timechart(FILE *o, const struct ih_svg_timechart *c)
{
	size_t ns = c->ns < IH_SVG_SERIES ? c->ns : IH_SVG_SERIES;
	/* legend rows under the axis: items flow left to right */
	const double left = 60, right = W - 16, top = 14, plot_h = 200;
	double lx = left, rows = 1;
	for (size_t i = 0; i < ns; i++) {
		double w = 34 + text_w(c->s[i].label) + 18;
		if (lx + w > right && lx > left) {
			rows++;
			lx = left;
		}
		lx += w;
	}
	double bottom = top + plot_h;
	int height = (int)(bottom + 44 + rows * 20 + 4);
	open_svg(o, &c->h, height);
	double max = 0;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < c->n; k++)
			if (fin(c->s[i].v[k]) > max)
				max = fin(c->s[i].v[k]);
	double step;
	max = ih_svg_nice_max(max, true, &step);
	y_axis(o, left, right, top, bottom, max, step, c->y_label);
	uint64_t step_ns = c->step_ns ? c->step_ns : 1;
	uint64_t nb = c->n ? c->n : 1;
	uint64_t t1 = step_ns > (UINT64_MAX - c->t0_ns) / nb ? UINT64_MAX : c->t0_ns + step_ns * nb;
	time_axis(o, left, right, top, bottom, c->t0_ns, t1);
	double bw = (right - left) / (double)(c->n ? c->n : 1);
	if (!c->n || !ns)
		text(o, (left + right) / 2, (top + bottom) / 2, "lb", "middle", "no ICMP traffic");
	for (size_t i = 0; i < ns && c->n; i++) {
		int st = c->s[i].style >= 0 && c->s[i].style < IH_SVG_SERIES ? c->s[i].style : (int)i;
		fprintf(o, "<g class=\"s%d\">", st);
		tip(o, c->s[i].label);
		fputs("<polyline class=\"ln\" points=\"", o);
		for (size_t k = 0; k < c->n; k++) {
			double x = left + bw * ((double)k + 0.5);
			double y = bottom - (bottom - top) * fin(c->s[i].v[k]) / max;
			fprintf(o, "%s%.1f,%.1f", k ? " " : "", x, y);
		}
		fputs("\"/>", o);
		if (c->n <= 40)
			for (size_t k = 0; k < c->n; k++) {
				if (!(fin(c->s[i].v[k]) > 0))
					continue;
				double x = left + bw * ((double)k + 0.5);
				double y = bottom - (bottom - top) * c->s[i].v[k] / max;
				fprintf(o, "<circle class=\"mk\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>", x, y);
			}
		fputs("</g>\n", o);
	}
	/* legend */
	lx = left;
	double ly = bottom + 44;
	for (size_t i = 0; i < ns; i++) {
		int st = c->s[i].style >= 0 && c->s[i].style < IH_SVG_SERIES ? c->s[i].style : (int)i;
		double w = 34 + text_w(c->s[i].label) + 18;
		if (lx + w > right && lx > left) {
			ly += 20;
			lx = left;
		}
		fprintf(o, "<g class=\"s%d\"><line class=\"ln\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>", st, lx,
			ly - 4, lx + 26, ly - 4);
		text(o, lx + 32, ly, "lb", "start", c->s[i].label);
		lx += w;
	}
	fputc('\n', o);
	close_svg(o);
}

/* ------------------------------------------------------------------------------ bars */

void ih_svg_bars(FILE *o, const struct ih_svg_bars *c)
{
	const double row = 26, top = 6;
	double label_w = 90, note_w = 0, max = 0;
	for (size_t i = 0; i < c->n; i++) {
		double w = text_w(c->b[i].label) + 12;
		if (w > label_w)
			label_w = w;
		double nw = text_w(c->b[i].note) + 12;
		if (nw > note_w)
			note_w = nw;
		if (fin(c->b[i].value) > max)
			max = fin(c->b[i].value);
	}
	if (label_w > 320)
		label_w = 320;
	if (note_w > 300)
		note_w = 300;
	if (!(max > 0))
		max = 1;
	double left = label_w, right = W - 8 - note_w;
	int height = (int)(top * 2 + row * (double)(c->n ? c->n : 1));
	open_svg(o, &c->h, height);
	if (!c->n)
		text(o, W / 2.0, top + 17, "lb", "middle", "nothing to show");
	for (size_t i = 0; i < c->n; i++) {
		const struct ih_svg_bar *b = &c->b[i];
		double y = top + row * (double)i;
		double val = fin(b->value);
		double w = (right - left) * (val > 0 ? val : 0) / max;
		if (val > 0 && w < 2)
			w = 2;
		int tone = b->tone >= 0 && b->tone < IH_TONE_N ? b->tone : 0;
		fputs("<g>", o);
		tip(o, b->tip ? b->tip : b->label);
		text(o, left - 8, y + 17, "lb mono", "end", b->label);
		fprintf(o, "<rect class=\"bar t%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\"/>", tone, left,
			y + 5, w, row - 10);
		text(o, left + w + 6, y + 17, "lb", "start", b->note);
		fputs("</g>\n", o);
	}
	close_svg(o);
}

/* ------------------------------------------------------------------------------ scatter */

static double xlog(double bytes)
{
	return log2(1 + (isfinite(bytes) && bytes > 0 ? bytes : 0));
}

static void marker(FILE *o, int kind, double x, double y)
{
	switch (kind) {
	case 1:
		fprintf(o, "<rect class=\"pt k1\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\"/>", x - 4, y - 4);
		break;
	case 2:
		fprintf(o, "<path class=\"pt k2\" d=\"M%.1f %.1fl5 9h-10z\"/>", x, y - 5.5);
		break;
	default:
		fprintf(o, "<circle class=\"pt k0\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>", x, y);
		break;
	}
}

void ih_svg_scatter(FILE *o, const struct ih_svg_scatter *c)
{
	const double left = 60, right = W - 190, top = 14, bottom = 300;
	int height = 344;
	open_svg(o, &c->h, height);
	double xmax_b = 2048;
	for (size_t i = 0; i < c->n; i++)
		while (fin(c->p[i].x) > xmax_b && xmax_b < 1e9)
			xmax_b *= 2;
	double xmax = xlog(xmax_b);
#define SX(b) (left + (right - left) * xlog(b) / xmax)
#define SY(e) (bottom - (bottom - top) * (fin(e) < 0 ? 0 : fin(e) > 8 ? 8 : fin(e)) / 8.0)
	/* y grid: bits per byte */
	char b[24];
	for (int e = 0; e <= 8; e++) {
		double y = SY(e);
		fprintf(o, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", e ? "gl" : "ax", left, y, right,
			y);
		snprintf(b, sizeof(b), "%d", e);
		text(o, left - 6, y + 4, "lb", "end", b);
	}
	fprintf(o, "<text class=\"lb ttl\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">"
		   "entropy (bits per byte)</text>\n", (top + bottom) / 2);
	/* x grid: payload bytes, powers of two, labelled where there is room */
	double last_label = -100;
	for (double v = 0; v <= xmax_b; v = v ? v * 2 : 8) {
		double x = SX(v);
		fprintf(o, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", v ? "gl" : "ax", x, top, x,
			bottom);
		if (x - last_label >= 34) {
			if (v >= 1024)
				snprintf(b, sizeof(b), "%.0fK", v / 1024);
			else
				snprintf(b, sizeof(b), "%.0f", v);
			text(o, x, bottom + 16, "lb", "middle", b);
			last_label = x;
		}
	}
	fprintf(o, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, bottom, right, bottom);
	text(o, right, bottom + 34, "lb ttl", "end", "mean payload of the requests (bytes, log scale)");
	fputc('\n', o);
	/* random bytes: the entropy an encrypted payload of that length has (within the plot) */
	size_t in_plot = 0;
	for (size_t i = 0; i < c->ncurve; i++)
		in_plot += fin(c->curve[i][0]) <= xmax_b;
	if (in_plot >= 2) {
		fputs("<g class=\"rnd\"><title>entropy of random bytes of that length (encrypted or compressed data sits on "
		      "this line)</title><polyline points=\"", o);
		for (size_t i = 0, k = 0; i < c->ncurve; i++)
			if (fin(c->curve[i][0]) <= xmax_b)
				fprintf(o, "%s%.1f,%.1f", k++ ? " " : "", SX(c->curve[i][0]), SY(c->curve[i][1]));
		fputs("\"/></g>\n", o);
	}
	/* templates of ordinary tools, tagged; a tag that would overlap the one above moves down */
	double placed[16][2];
	size_t nplaced = 0;
	for (size_t i = 0; i < c->nref; i++) {
		double x = SX(c->ref[i].x), y = SY(c->ref[i].y);
		fputs("<g class=\"ref\">", o);
		tip(o, c->ref[i].label);
		fprintf(o, "<path d=\"M%.1f %.1fl8 8m0 -8l-8 8\"/>", x - 4, y - 4);
		if (c->ref[i].tag && *c->ref[i].tag) {
			double ty = y + 4 > bottom - 3 ? y - 6 : y + 4;
			for (int round = 0; round < 16; round++) {
				bool clash = false;
				for (size_t k = 0; k < nplaced; k++)
					if (fabs(placed[k][0] - x) < 60 && fabs(placed[k][1] - ty) < 12) {
						ty = placed[k][1] - 12;
						clash = true;
					}
				if (!clash)
					break;
			}
			text(o, x + 8, ty, "lb small", "start", c->ref[i].tag);
			if (nplaced < 16) {
				placed[nplaced][0] = x;
				placed[nplaced][1] = ty;
				nplaced++;
			}
		}
		fputs("</g>", o);
	}
	fputc('\n', o);
	/* conversations: ordinary first, so that the interesting ones are drawn on top */
	for (int k = 0; k <= 2; k++)
		for (size_t i = 0; i < c->n; i++) {
			const struct ih_svg_point *p = &c->p[i];
			int kind = p->kind >= 0 && p->kind <= 2 ? p->kind : 0;
			if (kind != k)
				continue;
			double x = SX(p->x), y = SY(p->y);
			fputs("<g>", o);
			tip(o, p->tip);
			if (p->mark)
				fprintf(o, "<circle class=\"ring\" cx=\"%.1f\" cy=\"%.1f\" r=\"9\"/>", x, y);
			marker(o, kind, x, y);
			fputs("</g>\n", o);
		}
	/* legend, right of the plot */
	static const char *const dflt[] = { "ordinary", "custom", "data" };
	double lx = right + 20, ly = top + 10;
	for (int k = 0; k <= 2; k++) {
		marker(o, k, lx + 4, ly - 4);
		text(o, lx + 16, ly, "lb", "start", c->kind_names ? c->kind_names[k] : dflt[k]);
		ly += 20;
	}
	fprintf(o, "<circle class=\"ring\" cx=\"%.1f\" cy=\"%.1f\" r=\"8\"/>", lx + 4, ly - 4);
	text(o, lx + 16, ly, "lb", "start", "in a finding");
	ly += 20;
	fprintf(o, "<g class=\"ref\"><path d=\"M%.1f %.1fl8 8m0 -8l-8 8\"/></g>", lx, ly - 8);
	text(o, lx + 16, ly, "lb", "start", "ordinary tool");
	ly += 20;
	fprintf(o, "<g class=\"rnd\"><polyline points=\"%.1f,%.1f %.1f,%.1f\"/></g>", lx - 2, ly - 4, lx + 10, ly - 4);
	text(o, lx + 16, ly, "lb", "start", "random bytes");
#undef SX
#undef SY
	fputc('\n', o);
	close_svg(o);
}

/* ------------------------------------------------------------------------------ cells */

void ih_svg_cells(FILE *o, const struct ih_svg_cells *c)
{
	size_t cols = c->cols ? c->cols : 16;
	size_t rows = (c->n + cols - 1) / cols;
	double label_w = 20;
	for (size_t r = 0; r < rows; r++) {
		double w = text_w(c->addr[r * cols]) + 14;
		if (w > label_w)
			label_w = w;
	}
	double cw = (W - label_w - 8) / (double)cols;
	if (cw > 40)
		cw = 40;
	const double ch = 26, gap = 2, top = 6;
	double legend_y = top + ch * (double)rows + 22;
	int height = (int)(legend_y + 12);
	open_svg(o, &c->h, height);
	for (size_t r = 0; r < rows; r++)
		text(o, label_w - 10, top + ch * (double)r + 17, "lb mono", "end", c->addr[r * cols]);
	for (size_t i = 0; i < c->n; i++) {
		size_t r = i / cols, k = i % cols;
		int st = c->state[i] <= IH_CELL_UNKNOWN ? c->state[i] : IH_CELL_UNKNOWN;
		static const char *const what[] = { "not probed", "probed, no answer", "answered", "probed or not: not known" };
		double x = label_w + cw * (double)k, y = top + ch * (double)r;
		fputs("<g>", o);
		fputs("<title>", o);
		esc(o, c->addr[i]);
		fputs(": ", o);
		esc(o, what[st]);
		fputs("</title>", o);
		fprintf(o, "<rect class=\"cell c%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\"/>", st, x, y,
			cw - gap, ch - gap);
		if (c->text && c->text[i] && cw >= 22) {
			char cls[16];
			snprintf(cls, sizeof(cls), "ct c%dt", st);
			text(o, x + (cw - gap) / 2, y + 16.5, cls, "middle", c->text[i]);
		}
		fputs("</g>\n", o);
	}
	static const char *const names[] = { "answered", "probed, no answer", "not probed", "not known" };
	static const int order[] = { IH_CELL_ANSWERED, IH_CELL_PROBED, IH_CELL_NOT_PROBED, IH_CELL_UNKNOWN };
	bool any_unknown = false;
	for (size_t i = 0; i < c->n; i++)
		any_unknown = any_unknown || c->state[i] == IH_CELL_UNKNOWN;
	double lx = label_w;
	for (int i = 0; i < 4; i++) {
		if (order[i] == IH_CELL_UNKNOWN && !any_unknown)
			continue;
		fprintf(o, "<rect class=\"cell c%d\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" rx=\"2\"/>", order[i], lx,
			legend_y - 11);
		text(o, lx + 20, legend_y, "lb", "start", names[i]);
		lx += 20 + text_w(names[i]) + 24;
	}
	fputc('\n', o);
	close_svg(o);
}

/* ------------------------------------------------------------------------------ gaps */

void ih_svg_gaps(FILE *o, const struct ih_svg_gaps *c)
{
	const double left = 60, right = W - 16, top = 14, bottom = 200;
	int height = 246;
	open_svg(o, &c->h, height);
	double max = c->q3_s;
	for (size_t i = 0; i < c->n; i++)
		if (fin(c->gap_s[i]) > max)
			max = fin(c->gap_s[i]);
	double step;
	max = ih_svg_nice_max(fin(max) * 1.1, false, &step);
	y_axis(o, left, right, top, bottom, max, step, "seconds since the previous check-in");
	size_t n = c->n ? c->n : 1;
	double dx = (right - left) / (double)n;
#define GX(i) (left + dx * ((double)(i) + 0.5))
#define GY(v) (bottom - (bottom - top) * (fin(v) < 0 ? 0 : fin(v) > max ? max : fin(v)) / max)
	if (c->q3_s > c->q1_s)
		fprintf(o, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>middle half of the "
			   "gaps (first to third quartile)</title></rect>",
			left, GY(c->q3_s), right - left, GY(c->q1_s) - GY(c->q3_s));
	char b[64];
	fprintf(o, "<line class=\"med\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, GY(c->median_s), right,
		GY(c->median_s));
	snprintf(b, sizeof(b), "median %.3f s", fin(c->median_s));
	text(o, right - 4, GY(c->median_s) - 6, "lb med-lb", "end", b);
	fputc('\n', o);
	if (c->n) {
		fputs("<polyline class=\"seq\" points=\"", o);
		for (size_t i = 0; i < c->n; i++)
			fprintf(o, "%s%.1f,%.1f", i ? " " : "", GX(i), GY(c->gap_s[i]));
		fputs("\"/>\n", o);
	}
	for (size_t i = 0; i < c->n; i++) {
		snprintf(b, sizeof(b), "gap %zu: %.3f s", i + 1, fin(c->gap_s[i]));
		fputs("<g>", o);
		tip(o, b);
		fprintf(o, "<circle class=\"pt k2g\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/></g>", GX(i), GY(c->gap_s[i]));
	}
	fputc('\n', o);
	/* x: check-ins in order */
	size_t every = c->n <= 20 ? 1 : c->n <= 40 ? 2 : c->n <= 100 ? 5 : 10;
	for (size_t i = 0; i < c->n; i++)
		if ((i + 1) % every == 0 || i == 0) {
			snprintf(b, sizeof(b), "%zu", i + 1);
			text(o, GX(i), bottom + 16, "lb", "middle", b);
		}
	fprintf(o, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, bottom, right, bottom);
	text(o, right, bottom + 34, "lb ttl", "end", "check-in (gap number, in order)");
#undef GX
#undef GY
	fputc('\n', o);
	close_svg(o);
}

/* ------------------------------------------------------------------------------ timeline */

void ih_svg_timeline(FILE *o, const struct ih_svg_timeline *c)
{
	double label_w = 100;
	for (size_t i = 0; i < c->n; i++) {
		double w = text_w(c->s[i].label) + 14;
		if (w > label_w)
			label_w = w;
	}
	if (label_w > 300)
		label_w = 300;
	const double row = 24, top = 8, right = W - 16;
	double bottom = top + row * (double)(c->n ? c->n : 1);
	int height = (int)(bottom + 40);
	open_svg(o, &c->h, height);
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->s[i].t0_ns < t0)
			t0 = c->s[i].t0_ns;
		if (c->s[i].t1_ns > t1)
			t1 = c->s[i].t1_ns;
	}
	if (!c->n) {
		t0 = 0;
		t1 = 1000000000;
	}
	uint64_t pad = (t1 - t0) / 40;
	if (pad < 50000000)
		pad = 50000000; /* 50 ms: an instant still shows */
	t0 = t0 > pad ? t0 - pad : 0;
	t1 += pad;
	double left = label_w;
	time_axis(o, left, right, top, bottom, t0, t1);
	double span = (double)(t1 - t0);
	for (size_t i = 0; i < c->n; i++) {
		const struct ih_svg_span *s = &c->s[i];
		double y = top + row * (double)i;
		double x0 = left + (right - left) * (double)(s->t0_ns - t0) / span;
		double x1 = left + (right - left) * (double)(s->t1_ns - t0) / span;
		if (x1 - x0 < 4) {
			double mid = (x0 + x1) / 2;
			x0 = mid - 2;
			x1 = mid + 2;
		}
		int tone = s->tone >= 0 && s->tone < IH_TONE_N ? s->tone : 0;
		fputs("<g>", o);
		tip(o, s->tip ? s->tip : s->label);
		text(o, left - 8, y + 16, "lb", "end", s->label);
		fprintf(o, "<rect class=\"bar t%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\"/>", tone, x0,
			y + 5, x1 - x0, row - 10);
		fputs("</g>\n", o);
	}
	close_svg(o);
}

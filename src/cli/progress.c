/* progress.c — the progress bar of long reads (see progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BIG_INPUT (50ull * 1000 * 1000) /* bytes: show the bar from the start */
#define SLOW_READ_S 2.0                  /* or once the read has taken this long */
#define CHECK_EVERY 1024                 /* frames between looks at the clock */
#define REDRAW_S 0.1

struct ih_progress {
	const struct ih_source *src;
	ih_frame_fn next;
	void *next_ctx;
	enum ih_progress_mode mode;
	bool tty, shown;
	unsigned frames;
	double start, last_draw;
	uint64_t total;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned term_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static const char *mb(double bytes, char *buf, size_t len)
{
	if (bytes >= 1e9)
		snprintf(buf, len, "%.2f GB", bytes / 1e9);
	else
		snprintf(buf, len, "%.1f MB", bytes / 1e6);
	return buf;
}

size_t ih_progress_format(char *buf, size_t len, uint64_t done, uint64_t total, double elapsed_s, unsigned width)
{
	char a[32], b[32], rate[48], left[32] = "";
	double r = elapsed_s > 0 ? (double)done / elapsed_s : 0;
	snprintf(rate, sizeof(rate), "%s/s", mb(r, a, sizeof(a)));
	if (total && done > total)
		done = total;
	if (total && r > 0 && done < total) {
		double s = (double)(total - done) / r;
		long secs = s < 1e8 ? (long)(s + 0.5) : 99999999L;
		if (secs >= 3600)
			snprintf(left, sizeof(left), "%ld:%02ld:%02ld left", secs / 3600, secs % 3600 / 60, secs % 60);
		else
			snprintf(left, sizeof(left), "%ld:%02ld left", secs / 60, secs % 60);
	}
	char tail[128];
	if (total)
		snprintf(tail, sizeof(tail), " %s of %s  %s%s%s", mb((double)done, a, sizeof(a)), mb((double)total, b, sizeof(b)),
			 rate, *left ? "  " : "", left);
	else
		snprintf(tail, sizeof(tail), " %s read  %s", mb((double)done, a, sizeof(a)), rate);
	char head[24];
	if (total)
		snprintf(head, sizeof(head), "icmphound %3u%% ", (unsigned)((double)done * 100.0 / (double)total));
	else
		snprintf(head, sizeof(head), "icmphound ");
	size_t hl = strlen(head), tl = strlen(tail);
	size_t o = 0;
	if (len == 0)
		return 0;
	/* the bar takes what is left of the line, between 10 and 40 columns; none if it does not fit */
	long room = (long)width - 1 - (long)hl - (long)tl - 2;
	if (room > 40)
		room = 40;
	o = (size_t)snprintf(buf, len, "%s", head);
	if (o >= len)
		return len - 1;
	if (total && room >= 10) {
		unsigned fill = (unsigned)((double)done / (double)total * (double)room);
		if (o + (size_t)room + 3 < len) {
			buf[o++] = '[';
			for (long i = 0; i < room; i++)
				buf[o++] = (unsigned)i < fill ? '=' : (unsigned)i == fill ? '>' : ' ';
			buf[o++] = ']';
		}
	}
	int w = snprintf(buf + o, len - o, "%s", tail);
	if (w < 0)
		return o;
	o += (size_t)w < len - o ? (size_t)w : len - o - 1;
	if (o > width - 1 && width > 1) {
		o = width - 1; /* a narrow terminal: cut rather than wrap */
		buf[o] = '\0';
	}
	return o;
}

struct ih_progress *ih_progress_new(const struct ih_source *src, ih_frame_fn next, void *next_ctx,
				    enum ih_progress_mode mode)
{
	struct ih_progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->src = src;
	p->next = next;
	p->next_ctx = next_ctx;
	p->mode = mode;
	p->tty = mode != IH_PROGRESS_NEVER && isatty(STDERR_FILENO);
	p->total = ih_source_bytes_total(src);
	p->start = now_s();
	p->last_draw = -1;
	return p;
}

static void draw(struct ih_progress *p, double t)
{
	char line[256];
	size_t n = ih_progress_format(line, sizeof(line), ih_source_bytes_read(p->src), p->total, t - p->start,
				      term_width());
	/* \r, the line, then clear to the end of the line (a shorter line leaves no rest) */
	fprintf(stderr, "\r%.*s\033[K", (int)n, line);
	fflush(stderr);
	p->shown = true;
	p->last_draw = t;
}

void ih_progress_frame(void *ctx, const struct ih_frame *fr)
{
	struct ih_progress *p = ctx;
	p->next(p->next_ctx, fr);
	if (!p->tty || ++p->frames % CHECK_EVERY)
		return;
	double t = now_s();
	if (!p->shown) {
		bool big = p->total > BIG_INPUT || p->mode == IH_PROGRESS_ALWAYS;
		if (!big && t - p->start < SLOW_READ_S)
			return;
	} else if (t - p->last_draw < REDRAW_S) {
		return;
	}
	draw(p, t);
}

void ih_progress_done(struct ih_progress *p)
{
	if (!p)
		return;
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(p);
}

/* progress.h — a progress bar on standard error while captures are read.
 *
 * Shown only when standard error is a terminal and the read is long: the input is over
 * 50 MB, or two seconds have passed. It says how much of the input was read, how fast, and
 * how long the rest will take:
 *
 *   icmphound  42% [==========>              ] 120.3 of 290.0 MB  85.2 MB/s  0:02 left
 *
 * redrawn at most ten times a second, on one line that is cleared when the read ends, so that
 * nothing of it is left in a terminal's scrollback or in a file. It reads the wall clock,
 * which is fine: it never reaches the output. */
#ifndef IH_PROGRESS_H
#define IH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/source.h"

enum ih_progress_mode { IH_PROGRESS_AUTO = -1, IH_PROGRESS_NEVER = 0, IH_PROGRESS_ALWAYS = 1 };

struct ih_progress;

/* A frame callback that hands every frame to `next` (the pipeline) and keeps the bar up to
 * date. AUTO: as above; ALWAYS: on a terminal whatever the size (for testing it by eye);
 * NEVER: no bar. Returns NULL only when out of memory (read with `next` directly then). */
struct ih_progress *ih_progress_new(const struct ih_source *src, ih_frame_fn next, void *next_ctx,
				    enum ih_progress_mode mode);
/* The ih_frame_fn to give ih_source_run, with the progress as its ctx. */
void ih_progress_frame(void *ctx, const struct ih_frame *fr);
/* Clears the bar, if one was drawn, and frees. NULL is fine. */
void ih_progress_done(struct ih_progress *p);

/* The bar's text for `done` of `total` bytes (total 0: unknown) after `elapsed_s`, fitted to
 * `width` columns. Pure, for tests. Returns the length written (< len). */
size_t ih_progress_format(char *buf, size_t len, uint64_t done, uint64_t total, double elapsed_s,
			  unsigned width);

#endif

/* sink.h — where findings and the stats line go: JSON lines or a terminal summary. */
#ifndef IH_SINK_H
#define IH_SINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/finding.h"

/* Gives each finding its stable id (a hash of kind, src, dst and first time). */
void ih_findings_assign_ids(struct ih_findings *fs);

/* One JSON object per line: the findings in order, then the stats line. Returns false when
 * writing failed (a full disk, a closed pipe). */
bool ih_sink_jsonl(FILE *out, const struct ih_findings *fs, json_t *stats);
/* A readable summary for a terminal: the most severe first, then the numbers. */
bool ih_sink_text(FILE *out, const struct ih_findings *fs, json_t *stats, bool color);

#endif

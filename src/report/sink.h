/* sink.h — where findings and the stats line go: JSON lines or a terminal summary. */
#ifndef IH_SINK_H
#define IH_SINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/finding.h"

/* Gives each finding its stable id (a hash of kind, src, dst and first time). */
void ih_findings_assign_ids(struct ih_findings *fs);
/* The id ih_findings_assign_ids gives (or will give) one finding: "F-" and 16 hex digits, into
 * id (len >= 19). Returns id. */
char *ih_finding_id(const struct ih_finding *f, char *id, size_t len);

/* One JSON object per line: the findings in order, then the stats line. Returns false when
 * writing failed (a full disk, a closed pipe). */
bool ih_sink_jsonl(FILE *out, const struct ih_findings *fs, json_t *stats);
/* A readable summary for a terminal: the most severe first, then the numbers. */
bool ih_sink_text(FILE *out, const struct ih_findings *fs, json_t *stats, bool color);

struct ih_incidents;
/* As ih_sink_jsonl, with the incident lines (report/incident.h) after the findings and before
 * the stats line. `is` may be NULL. */
bool ih_sink_jsonl_report(FILE *out, const struct ih_findings *fs, const struct ih_incidents *is, json_t *stats);
/* As ih_sink_text, led by the incidents, most severe first; benign ones only with `all`
 * (their number is said otherwise). `is` may be NULL. */
bool ih_sink_text_report(FILE *out, const struct ih_findings *fs, const struct ih_incidents *is, json_t *stats,
			 bool color, bool all);

#endif

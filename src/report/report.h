/* report.h — the HTML report and its Markdown twin, rendered from one JSON document.
 *
 * The document (docs/REPORT.md) holds what an analysis produced, as the JSON lines contract
 * has it — "stats", "findings" (type "finding"), "incidents" (type "incident") — and what the
 * report collector gathered for the charts (collect.h: "activity", "talkers", "hosts_seen",
 * "conversations", "templates", "random_entropy", "sweep_cells"), plus "version" and
 * "inputs". The renderers read nothing else: no C structure of the detectors or of the
 * incident builder, so either can change without touching them, and a document can be built
 * by hand (the unit tests do, with hostile strings everywhere).
 *
 * Every string of the document is treated as coming from the capture: escaped for HTML/SVG
 * (escape.h, ih_xml_escape) or for Markdown (ih_md_escape, ih_md_code). Output is
 * deterministic: no clock, no locale, no randomness; the only times are the capture's. */
#ifndef IH_REPORT_H
#define IH_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One self-contained HTML file: inline CSS and SVG, no script, nothing fetched (a
 * Content-Security-Policy says so to the browser too). Returns false when writing failed. */
bool ih_report_html(FILE *out, json_t *doc);
/* The same content for a ticket, without charts (their data as tables where it helps). */
bool ih_report_markdown(FILE *out, json_t *doc);

/* Helpers shared by both renderers (html.c). */
/* "1,234,567" into buf (>= 32). */
const char *ih_rep_count(long long v, char *buf, size_t len);
/* "257.0 kB", "1.2 MB", "812 B" into buf (>= 32). */
const char *ih_rep_bytes(double v, char *buf, size_t len);
/* Parses an RFC 3339 UTC time as the JSON lines write it ("2026-11-25T01:14:33.035478Z";
 * the fraction is optional). Returns false when it is not one. */
bool ih_rep_parse_time(const char *s, uint64_t *ns /* OUT */);
/* "2026-11-25 01:14:33 UTC" (to the second) from an RFC 3339 string; the string itself when
 * it does not parse. buf >= 40. */
const char *ih_rep_time(const char *rfc3339, char *buf, size_t len);
/* Why the document leaves `part` out ("omitted": [{"part","why"}], a report from the store:
 * "conversations", "sweep_cells", "counts"), or NULL when it does not. */
const char *ih_rep_omitted(json_t *doc, const char *part);
/* "70 s", "2 min 5 s", "3 h 4 min", "0.2 s" for a duration in ns. buf >= 32. */
const char *ih_rep_duration(uint64_t ns, char *buf, size_t len);

#endif

/* readback.h — history read back as the JSON lines contract has it (docs/JSONL.md), so the
 * report, contain and evidence commands work from the store exactly as from an analysis.
 *
 * Every function returns new JSON (the caller owns it) and false with err on failure; a row
 * the store holds but cannot be parsed (a hand-edited database) is an error naming the table
 * and the row's id, never a crash. On failure *out is left as it was. A call reads at most a
 * million rows and fails past that (narrow the filter) rather than return part of them. */
#ifndef IH_STORE_READBACK_H
#define IH_STORE_READBACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* What to read: every field optional (NULL / 0 = no restriction). */
struct ih_store_filter {
	const char *sensor;        /* one sensor's rows only */
	uint64_t since_ns, until_ns; /* rows whose [first, last] overlaps [since, until) */
	const char *host;          /* findings with this source or destination; incidents with
				    * this host among their hosts */
};

/* Findings as "type":"finding" objects with the same keys as the JSON lines (id, kind,
 * severity, confidence, src, dst, first_seen, last_seen, mitre, summary, evidence), plus
 * "sensor" and "input" (the input id); in the JSON lines' order: first seen, then kind, source,
 * destination (then id and sensor). The store keeps microseconds, as the lines do. */
bool ih_store_read_findings(struct ih_store *s, const struct ih_store_filter *f, json_t **out,
			    char *err, size_t errlen);

/* Incidents: the stored "type":"incident" documents, plus "sensor"; most severe first
 * (verdict, score, first time, primary host, id) as an analysis orders them. A filter's host
 * matches the primary or an exact element of "hosts". */
bool ih_store_read_incidents(struct ih_store *s, const struct ih_store_filter *f, json_t **out,
			     char *err, size_t errlen);

/* One incident by id (case-insensitive), with its findings (time order) and the inputs they
 * came from (objects: id, name, format, size, first_seen, last_seen, packets — name is the
 * path the capture was analysed under). Returns false with err "no incident ID in the store"
 * when there is none. Any of the OUT pointers may be NULL; on failure all are set to NULL.
 * When sensors recorded the same incident id (the same capture analysed twice), the row
 * recorded last is read, with that sensor's findings and inputs. */
bool ih_store_read_incident(struct ih_store *s, const char *id, json_t **incident, json_t **findings,
			    json_t **inputs, char *err, size_t errlen);

/* Inputs analysed (same objects as above, plus "sensor"; first_seen/last_seen null for an empty
 * input), oldest first. The filter's host is ignored. */
bool ih_store_read_inputs(struct ih_store *s, const struct ih_store_filter *f, json_t **out,
			  char *err, size_t errlen);

#endif

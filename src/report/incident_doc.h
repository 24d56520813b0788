/* incident_doc.h — one incident to act on (contain, evidence), loaded from where it was kept:
 * the store (--store TARGET, or the default store) or a JSON lines file written by
 * `analyze --format jsonl` / `explain --format jsonl` (--from FILE).
 *
 * The incident is taken as a document (its "type":"incident" object and its findings), not
 * rebuilt, so what is acted on is exactly what the analyst saw. */
#ifndef IH_INCIDENT_DOC_H
#define IH_INCIDENT_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The longest JSON line read (a finding's evidence is bounded by the analysis, well below). */
#define IH_DOC_MAX_LINE (4 * 1024 * 1024)

struct ih_incident_doc {
	json_t *incident;   /* the "type":"incident" object */
	json_t *findings;   /* array: its "type":"finding" objects (ids listed by the incident) */
	json_t *inputs;     /* array: the captures it came from (id, name, ...), possibly empty */
	char origin[512];   /* where it was read: "store PATH" or "FILE" */
};

/* Loads incident `id` (an "I-…" id, case-insensitive, or a host address: that host's
 * incident) from the JSON lines file `jsonl` when not NULL, else from the store `store_target`
 * (NULL: $ICMPHOUND_STORE, else the default store; a SQLite file that does not exist is an
 * error, never created). A malformed JSON line (not JSON, not an object with a string "type", a
 * finding or incident without an id, longer than IH_DOC_MAX_LINE, a NUL byte) is an error
 * "FILE: line N: ...". Every finding the incident lists must be there. Returns false with err
 * when it cannot be loaded or is not there (d then holds nothing). From a JSON lines file,
 * inputs is the stats line's store.inputs when the analysis had --store, else empty. */
bool ih_incident_doc_load(struct ih_incident_doc *d, const char *id, const char *jsonl,
			  const char *store_target, char *err, size_t errlen);
/* The same from an open JSON lines stream named `name` in messages. The stream is read twice
 * (rewound with fseek), so it must be seekable: a regular file, or fmemopen for the fuzzer. */
bool ih_incident_doc_load_stream(struct ih_incident_doc *d, const char *id, FILE *f, const char *name, char *err,
				 size_t errlen);
/* Frees what d holds (d itself is the caller's); safe on a zeroed or already freed d. */
void ih_incident_doc_free(struct ih_incident_doc *d);

#endif

/* record.h — what `analyze --store` adds to a pass: it counts every home host's ICMP per hour
 * and the outside destinations home hosts ping (bounded tables, fed by the pipeline's on_packet
 * hook), answers the detectors' questions about the past (core/history.h) from the store, and
 * at the end writes the inputs, the summaries, the findings and the incidents.
 *
 * Inputs are identified by content (size, first and last 64 KiB), not by name, so that
 * analysing the same capture again — under any name, alone or with others — writes the same
 * rows; and history excludes the inputs of the current run. */
#ifndef IH_RECORD_H
#define IH_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/history.h"
#include "report/finding.h"
#include "store/store.h"

struct ih_recorder;
struct ih_pipeline;

/* Opens the store (target as ih_store_open) and identifies the inputs (`format`: "pcap",
 * "zeek-tsv", "zeek-json"; one for all files). NULL with err when the store cannot be opened. */
struct ih_recorder *ih_recorder_open(const char *target, const struct ih_store_opts *o, char *const *files,
				     size_t nfiles, const char *format, const struct ih_config *cfg, char *err,
				     size_t errlen);
/* The history interface to put in ih_config.history before the pipeline is built. Valid as long
 * as the recorder is. */
const struct ih_history *ih_recorder_history(struct ih_recorder *r);
/* Hooks the recorder into the pipeline (its on_packet; a hook already there is still called). */
void ih_recorder_attach(struct ih_recorder *r, struct ih_pipeline *pl);
/* Queues one incident line ("type":"incident") for the store. */
bool ih_recorder_incident(struct ih_recorder *r, const json_t *incident, char *err, size_t errlen);
/* Writes summaries, peers, inputs and the findings (which must have their ids), commits, and adds
 * a "store" object to stats. False with err when the store could not be written (what was
 * committed before stays). */
bool ih_recorder_finish(struct ih_recorder *r, const struct ih_findings *fs, json_t *stats, char *err,
			size_t errlen);
void ih_recorder_close(struct ih_recorder *r);
struct ih_store *ih_recorder_store(struct ih_recorder *r);

/* The content identity of a file: "I-" and 16 hex digits (a hash of its size and its first and
 * last 64 KiB); for something that is not a regular file (a pipe), a one-off id. False when the
 * file cannot be read. */
bool ih_input_id(const char *path, char *id, size_t len, unsigned long long *size);

#endif

/* collect.h — what the report's charts need that findings do not carry, gathered during the
 * one pass over the captures, in bounded memory fixed at start:
 *
 *   - activity: ICMP packets sent per host per time bucket. A fixed number of buckets whose
 *     width grows with the capture (0.1 s, 0.2 s, 1 s, 2 s, 10 s, 20 s, 1 min, ... doubling past
 *     a day; adjacent buckets are merged when the packets outrun the last one), so the buckets
 *     end up sized from the capture's span. Senders are followed in a space-saving table (the
 *     least active is replaced when it is full: the busiest senders stay, counts of a host that
 *     came back are lower bounds, and the output says when that happened); a total series
 *     gives "other hosts". The same table gives the top talkers.
 *   - hosts seen: distinct addresses in ICMP packets, exact up to 4096, then a HyperLogLog.
 *   - probe maps: for each (source, /24 or /120 block) of echo-like requests, which addresses
 *     were probed and which answered: the sweep coverage grid.
 *   - conversations: per pair record when it ends (the same records detectors judge), its
 *     payload size and entropy, template and payload kind; the most telling ones are kept
 *     (data, then custom, then ordinary; more requests first; a total order, so the set kept does
 *     not depend on the order records end in).
 *
 * It watches the pipeline as a detector that emits nothing (on_icmp: the tracker has already
 * classified the payload and computed its entropy when it was not a template; on_pair_end),
 * so the analysis and its findings are the same with or without it. Time is packet time. */
#ifndef IH_COLLECT_H
#define IH_COLLECT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "detect/detector.h"
#include "report/finding.h"

struct ih_collect_config {
	uint32_t hosts;          /* senders followed (256) */
	uint32_t buckets;        /* time buckets (120) */
	uint32_t conversations;  /* conversations kept for the payload chart (300) */
	uint32_t blocks;         /* (source, block) probe maps (1024) */
	uint32_t entropy_pairs;  /* pairs whose template payloads' entropy is measured (16384) */
	uint32_t top_series;     /* hosts drawn in the activity chart (6) */
	uint32_t top_talkers;    /* hosts in the top talkers chart (10) */
};
void ih_collect_config_default(struct ih_collect_config *cc);

struct ih_collect;

/* cfg must outlive the collector (the pipeline's copy). NULL when out of memory. */
struct ih_collect *ih_collect_new(const struct ih_collect_config *cc, const struct ih_config *cfg);
/* The detector to add to the pipeline's tracker (ih_track_add_detector, after the pipeline's
 * own detectors). It is owned by the collector: do not destroy it. */
struct ih_detector *ih_collect_detector(struct ih_collect *c);
/* The collected data as the report document's parts (docs/REPORT.md): "activity", "talkers",
 * "hosts_seen", "conversations", "templates", "random_entropy" and "sweep_cells" (probe maps
 * of the sweep findings in fs, by finding id; fs must have its ids). New reference. */
json_t *ih_collect_json(const struct ih_collect *c, const struct ih_findings *fs);
size_t ih_collect_memory(const struct ih_collect *c);
void ih_collect_free(struct ih_collect *c);

#endif

/* history.h — what a detector may ask of the past, without knowing where the past is kept.
 *
 * The store (src/store/record.c) implements it when `analyze --store` is given, and puts it in
 * ih_config.history before the pass; detectors that find it there ask it when they evaluate a
 * host or a pair (at its end, never per packet). Without a store it is NULL and nothing
 * changes. Answers never include the inputs of the current run, so analysing a capture twice
 * gives the same findings: the first run's own rows are not "history" for the second.
 *
 * Calls are bounded by the implementation (a query budget and a cache); an answer it will not
 * give is "unknown", the same as no history. */
#ifndef IH_HISTORY_H
#define IH_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"

/* A host's ICMP requests (echo, timestamp, mask, information, extended echo: what a host
 * chooses to send, not its answers or errors) in the same hour of the day over the past days. */
struct ih_host_baseline {
	uint32_t slots;          /* past days on which the sensor was recording at that hour */
	uint32_t active_slots;   /* ... on which the host sent ICMP requests */
	double median_requests;  /* ICMP requests sent in the hour (0 on a recorded day it sent none) */
	double mad_requests;     /* median absolute deviation of the same */
	uint64_t max_requests;
	double median_peers;     /* distinct destinations in the hour */
};

struct ih_history {
	void *ctx;
	uint32_t days;           /* how far back host_hour looks */
	/* The baseline of `host` for the hour of day of ts_ns. False when it cannot say (no query
	 * budget left, a store error); slots == 0 when nothing was recorded at those times. */
	bool (*host_hour)(void *ctx, const struct ih_addr *host, uint64_t ts_ns, struct ih_host_baseline *out);
	/* Did `src` send ICMP requests to `dst` before before_ns? 1 yes (*first_ns: when first),
	 * 0 no (and the store holds recordings from before then), -1 unknown. */
	int (*peer_seen)(void *ctx, const struct ih_addr *src, const struct ih_addr *dst, uint64_t before_ns,
			 uint64_t *first_ns);
};

#endif

/* detector.h — the one small interface every detector implements.
 *
 * A detector sees each ICMP packet with the tracking records it touched (ih_event), sees TCP/UDP
 * packets if it asks to, hears when a pair or host record ends (idle expiry, eviction, or the
 * final flush) and is flushed once at the end. It emits findings through the sink it was given.
 * Detectors keep any extra state in their own bounded tables and report their evictions in
 * add_stats. Every callback is optional. */
#ifndef IH_DETECTOR_H
#define IH_DETECTOR_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "report/finding.h"
#include "track/track.h"

struct ih_detector {
	const char *name;
	void *state;
	struct ih_findings *out;          /* where findings go */
	const struct ih_config *cfg;
	struct ih_track *track;           /* for lookups; set by ih_track_add_detector */
	void (*on_icmp)(struct ih_detector *d, const struct ih_event *ev);
	void (*on_transport)(struct ih_detector *d, const struct ih_pkt *pkt); /* TCP / UDP */
	void (*on_arp)(struct ih_detector *d, const struct ih_pkt *pkt);       /* ARP sender */
	void (*on_pair_end)(struct ih_detector *d, const struct ih_pair *pr);
	void (*on_host_end)(struct ih_detector *d, const struct ih_host *h);
	void (*on_conv_end)(struct ih_detector *d, const struct ih_conv *c);
	void (*on_flush)(struct ih_detector *d);
	void (*add_stats)(struct ih_detector *d, json_t *stats);
	size_t (*memory)(struct ih_detector *d);
	void (*destroy)(struct ih_detector *d);
};

/* Constructors: each returns NULL on allocation failure. */
typedef struct ih_detector *(*ih_detector_ctor)(const struct ih_config *cfg, struct ih_findings *out);

struct ih_detector *ih_detector_sweep(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_tunnel(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_exfil(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_beacon(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_persistent(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_volume(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_large_payload(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_external(const struct ih_config *cfg, struct ih_findings *out);
struct ih_detector *ih_detector_lateral(const struct ih_config *cfg, struct ih_findings *out);

/* The registry of all detectors, in the order they run; NULL-terminated. */
extern const struct ih_detector_entry {
	const char *name;
	ih_detector_ctor ctor;
	const char *what; /* one line for --help and docs */
} ih_detectors[];

void ih_detector_destroy(struct ih_detector *d);

#endif

/* attrib.h — the endpoint stage: ties conversations and findings to processes.
 *
 * It watches the pipeline as a detector ("endpoint": it hears every ICMP packet, emits no
 * finding of its own from packets) and remembers, per (source host, echo id), the
 * conversations the local host started: first and last packet, requests, up to 8 peers. A
 * resolver then names the process behind each one: the live sampler of /proc (watch), the
 * endpoint logs (analyze/watch --endpoint-log), or both, live first.
 *
 * Output:
 *   - every finding gets, in its evidence, "process" (the process that sent most of the
 *     finding's traffic; docs/ENDPOINT.md has the fields), "other_processes" when several did,
 *     or "attribution": "not possible: <why>";
 *   - a suspicious_process finding (medium or high, T1095) for each process and peer when
 *     the executable is outside system directories or not a known diagnostic tool (classify.c);
 *   - live only: one "attribution" line per conversation as soon as it is attributed (or given
 *     up), through a callback, so that benign traffic is accounted for too.
 *
 * Live, attribution waits until the sampler has had time to see the socket (two intervals)
 * and gives up a conversation three seconds after its last packet. Offline, everything is
 * resolved at the end in a fixed order, so the output is deterministic. */
#ifndef IH_ATTRIB_H
#define IH_ATTRIB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "detect/detector.h"
#include "endpoint/eplog.h"
#include "endpoint/sampler.h"
#include "report/finding.h"

struct ih_ep_config {
	struct ih_sampler *sampler;   /* live resolver, may be NULL; not owned */
	struct ih_eplog *log;         /* offline resolver, may be NULL; not owned */
	bool have_host;               /* --endpoint-host: whose log it is / the local address */
	struct ih_addr host;
	bool live;                    /* watch: raise suspicious_process as conversations settle
				       * (offline: once per process at the end, over all of them) */
	bool live_local;              /* live: "local" means an address of this host's interfaces */
	uint64_t slack_ns;            /* clock difference allowed against logs; 2 s */
	uint64_t lookback_ns;         /* a socket opened this long before still counts; 1 h */
	uint32_t conv_capacity;       /* conversations remembered; 4096 */
	uint64_t seed;                /* hash seed (0: random) */
};
void ih_ep_config_default(struct ih_ep_config *c);

struct ih_endpoint;

/* out: where suspicious_process findings go. NULL on allocation failure. */
struct ih_endpoint *ih_endpoint_new(const struct ih_ep_config *cfg, const struct ih_config *icfg,
				    struct ih_findings *out);
/* The detector that feeds it. The pipeline may own and destroy it (ih_detector_destroy);
 * destroying it does not free the endpoint. */
struct ih_detector *ih_endpoint_detector(struct ih_endpoint *e);
void ih_endpoint_free(struct ih_endpoint *e);

/* Live: re-reads this host's addresses (getifaddrs). Called at start and now and then. */
void ih_endpoint_refresh_local(struct ih_endpoint *e);

/* Live: attributes conversations that waited long enough, forgets old ones. `emit` receives
 * each attribution line (borrowed JSON). now_ns: the wall clock. */
void ih_endpoint_tick(struct ih_endpoint *e, uint64_t now_ns,
		      void (*emit)(void *ctx, json_t *line), void *ctx);

/* Adds "process" / "attribution" to a finding's evidence (the evidence object is changed
 * in place; the finding may be one being added right now). May add suspicious_process
 * findings to `out`. final: resolve pending conversations now (end of input). */
void ih_endpoint_attribute(struct ih_endpoint *e, const struct ih_finding *f, bool final);

/* Adds the suspicious_process findings raised since the last call to `out` (one at a time:
 * adding may call back into the endpoint through the findings' on_add). */
void ih_endpoint_flush(struct ih_endpoint *e);

/* Resolves every conversation still waiting, for good (in a fixed order), and flushes. */
void ih_endpoint_settle(struct ih_endpoint *e);

/* Offline: resolves every conversation in a fixed order, raises suspicious_process findings,
 * then attributes every finding of fs that was there before. Call after ih_pipeline_finish;
 * sort the findings again afterwards. */
void ih_endpoint_finish(struct ih_endpoint *e, struct ih_findings *fs);

/* "endpoint" object for the stats line. */
json_t *ih_endpoint_stats_json(struct ih_endpoint *e);

#endif

/* config.h — every tunable of an analysis, with defaults; filled from the command line
 * and the INI file (core/config_file.h). Detectors read their thresholds here and nowhere else. */
#ifndef IH_CONFIG_H
#define IH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "track/track.h"

#define IH_MAX_NETS 32
#define IH_MAX_PORTS 32

struct ih_history;

struct ih_config {
	struct ih_track_config track;
	uint64_t mem_cap;            /* bytes all tables together may use */
	uint32_t max_findings;       /* findings kept before further ones are only counted */

	/* home networks: destinations outside them are external */
	struct ih_cidr home[IH_MAX_NETS];
	unsigned nhome;
	/* home[] indexed by an address's family and first byte: bit i of home_by_byte[v6][b] is
	 * set when home[i] may hold addresses starting with b (ih_config_index_home; valid while
	 * home_indexed, which changing home[] must clear) */
	bool home_indexed;
	uint32_t home_by_byte[2][256];
	/* known monitoring hosts: their pings are expected */
	struct ih_cidr monitors[IH_MAX_NETS];
	unsigned nmonitors;
	/* management networks: `contain` never blocks them, and isolation keeps them reachable */
	struct ih_cidr mgmt[IH_MAX_NETS];
	unsigned nmgmt;

	/* sweep */
	uint32_t sweep_min_targets;    /* one-shot targets for a finding (low) */
	uint32_t sweep_medium_targets; /* ... for medium */
	uint32_t sweep_high_targets;   /* ... for high */
	uint32_t sweep_reprobe_max;    /* probes of one kind to a target still counted as a sweep probe */
	uint32_t sweep_silent_rounds;  /* ... to a target that never answered */
	uint32_t sweep_revisit_ms;     /* a probe this long after the target answered is a revisit */
	uint32_t sweep_group_answer_ms; /* answers to a group-address probe count this long after it */
	uint64_t sweep_window_ns;      /* longest span one sweep finding covers */
	uint64_t sweep_gap_ns;         /* idle time that ends a sweep episode */
	uint32_t sweep_capacity;       /* sweeping hosts tracked at once */
	uint32_t sweep_targets;        /* targets listed per sweeping host */

	/* reassembly */
	uint32_t reasm_slots;
	uint32_t reasm_max_len;
	uint64_t reasm_timeout_ns;

	/* tunnel: points for each indicator (docs/DETECTIONS.md), severity by the total */
	uint32_t tunnel_min_packets;   /* non-template payloads a pair needs before it is scored */
	uint32_t tunnel_low_score;     /* points for low */
	uint32_t tunnel_medium_score;  /* ... for medium */
	uint32_t tunnel_high_score;    /* ... for high */
	uint64_t tunnel_volume_bytes;  /* non-template bytes (both ways) that count as volume */

	/* exfiltration: estimated bytes of distinct non-template payloads out */
	uint64_t exfil_min_bytes;      /* for low */
	uint64_t exfil_medium_bytes;   /* for medium */
	uint64_t exfil_high_bytes;     /* for high */
	uint32_t exfil_min_distinct;   /* distinct payloads out, at least */
	uint64_t exfil_min_bytes_file; /* for low, when the data is text or base64/hex in payloads
					* of exfil_file_min_payload bytes or more, to an outside peer:
					* a small file (a passwd, a key) sent out in chunks */
	uint32_t exfil_file_min_payload;
	uint32_t exfil_min_patterns;   /* distinct ping -p fill patterns to one peer, for low */
	uint32_t exfil_medium_patterns; /* ... for medium */
	uint32_t exfil_header_min_requests; /* requests with data in id/seq/timestamps (0: off) */

	/* beacon */
	uint32_t beacon_min_events;    /* events (requests closer than beacon_merge_ms are one) */
	uint64_t beacon_min_span_ns;   /* first to last event, at least */
	uint32_t beacon_min_score_pct; /* RITA-style score, percent, for a finding */
	uint32_t beacon_strong_score_pct; /* ... that counts as strong (one level up) */
	uint32_t beacon_strong_events; /* events for a strong beacon */
	uint64_t beacon_strong_span_ns; /* ... or a schedule kept this long */
	uint32_t beacon_merge_ms;      /* requests closer than this form one event */
	uint32_t beacon_min_period_ms; /* median period, at least (faster is a transfer, not a beacon) */
	uint32_t beacon_max_jitter_pct;/* MAD of the gaps over their median, percent, at most */
	uint32_t beacon_fanout_min;    /* inside peers on one echoed schedule: monitoring (0: off) */

	/* persistent_echo */
	uint64_t persist_min_ns;       /* echo conversation at least this long */
	uint32_t persist_min_probes;   /* requests sent after the first answer, at least */
	uint64_t persist_long_ns;      /* "very long" */

	/* volume_anomaly */
	uint32_t volume_min_pps;       /* requests per second to one destination for a burst */
	uint32_t volume_min_packets;   /* requests in burst seconds for a finding */
	uint32_t volume_smurf_min;      /* forged group requests for a smurf finding (0: off) */
	uint32_t volume_ratio;         /* peak over baseline (own earlier rate, population) */
	uint32_t volume_pop_min_hosts; /* hosts needed for a population baseline */
	uint32_t volume_own_min_secs;  /* active seconds needed for an own baseline */
	uint32_t volume_spoof_sources; /* distinct sources of a distributed / spoofed flood */
	uint32_t volume_capacity;      /* destinations tracked at once */
	uint32_t volume_mac_capacity;  /* hardware address -> IP entries learned */

	/* large_payload */
	uint32_t large_min_count;      /* large non-template payloads for low */
	uint32_t large_benign_count;   /* large ordinary pings (fragmented) still a test */
	uint32_t large_pmtu_count;     /* large ordinary unfragmented pings (path-MTU probes) */
	uint32_t large_slow_gap_ms;    /* more, this far apart on average: a monitor's check (0: off) */

	/* lateral_movement: connections after a sweep to the hosts that answered it */
	uint64_t lateral_window_ns;    /* connections this long after the sweep still count */
	uint32_t lateral_min_delay_ms; /* ... and at least this long after the host was probed */
	uint32_t lateral_medium_hosts; /* swept hosts reached on an admin service for medium */
	uint32_t lateral_high_hosts;   /* ... for high */
	uint32_t lateral_scan_ports;   /* distinct ports on one host that make it a port scan */
	uint32_t lateral_capacity;     /* sources followed at once */
	uint32_t lateral_targets;      /* answered hosts remembered per source */
	uint32_t lateral_attempts;     /* (host, port) connection attempts remembered per source */
	uint16_t lateral_ports[IH_MAX_PORTS]; /* administrative services (TCP/UDP ports) */
	unsigned nlateral_ports;

	/* incidents: verdict by score (0..100) */
	uint32_t incident_suspicious_score; /* score for "suspicious" */
	uint32_t incident_malicious_score;  /* score for "malicious" */

	/* history (the store, `analyze --store`): baselines from earlier runs */
	const struct ih_history *history; /* NULL without a store (core/history.h) */
	uint32_t history_days;         /* same hour of day over this many past days */
	uint32_t history_max_queries;  /* questions a run may ask the store; more are "unknown" */
	uint32_t volume_history_min_slots;   /* recorded past days needed for a host's own baseline */
	uint32_t volume_history_min_requests; /* ICMP requests a host sends in one hour before it is compared */
	uint32_t volume_history_z;     /* robust z-score ((x - median) / 1.4826 MAD) to exceed */
	uint32_t store_summary_capacity; /* host-hours summarised at once for the store */
	uint32_t store_peer_capacity;  /* (home host, outside destination) pairs recorded per run */

	/* Zeek conn.log input: flows become packet views (src/source/zeek_conn.c) */
	bool flow_input;               /* the input is flows: payload-based detectors do not run */
	uint64_t zeek_reorder_ns;      /* rows this much out of time order are still put in order */
	uint32_t zeek_max_views;       /* packet views one flow becomes, at most */
	uint32_t zeek_pending;         /* flows held for reordering at once */

	/* the analysing process, once its inputs and outputs are open (cli/sandbox.h) */
	uint32_t sandbox;              /* 1: drop privileges and restrict system calls; 0: neither */
	/* per-packet work done on the capture reader's thread (source/source.h): 0 as much as
	 * keeps it ahead of the analysing thread; 1 none; 2 decoding and key hashes; 3 decoding,
	 * key hashes and payload facts. The findings are the same whichever thread does it. */
	uint32_t reader_work;
};

void ih_config_default(struct ih_config *c);
/* Sets table capacities so that their sum stays under c->mem_cap. */
void ih_config_fit_memory(struct ih_config *c);
bool ih_config_is_home(const struct ih_config *c, const struct ih_addr *a);
/* Builds the first-byte index of the home networks (home_by_byte) that ih_is_home uses;
 * called once the configuration is final (the pipeline does it on its copy). */
void ih_config_index_home(struct ih_config *c);
bool ih_config_is_monitor(const struct ih_config *c, const struct ih_addr *a);

/* Sets one option by name ("sweep_min_targets", "home", "mem_cap_mb"…), as the command line's
 * --set KEY=VALUE and the config file do. Returns false with a message in err on an unknown
 * key or a bad value. */
bool ih_config_set(struct ih_config *c, const char *key, const char *value, char *err, size_t errlen);
/* Prints every key with its current value and description, one a line. */
void ih_config_list(const struct ih_config *c, void *fp /* FILE * */);
/* The i-th option (0-based, in the order ih_config_list prints them): its key, its current
 * value as ih_config_set would accept it (into val), whether it is a list, and its description.
 * Returns false past the last option. */
bool ih_config_option(const struct ih_config *c, size_t i, const char **key, char *val, size_t vlen,
		      bool *is_list, const char **what);
/* Is `port` one of cfg->lateral_ports? */
bool ih_config_is_admin_port(const struct ih_config *c, uint16_t port);

#endif

/* track.h — bounded state per host and per pair of hosts, fed by decoded packets.
 *
 * Two fixed-capacity open-addressing tables with a keyed hash (XXH3 with a random seed, so an
 * attacker cannot choose colliding addresses):
 *   - hosts: one record per ICMP "client" (the host that sends requests or unsolicited ICMP);
 *   - pairs: one record per (client, server), replies and errors folded onto the request's pair.
 * Records expire after an idle timeout measured in packet time; when a table is full the
 * least-recently-seen record among the probed slots is evicted. Both are counted. Detectors hear
 * of every packet (with the records it touched) and of every record that ends (expiry,
 * eviction or the final flush), and evaluate there. */
#ifndef IH_TRACK_H
#define IH_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "decode/decode.h"
#include "track/hll.h"
#include "track/payload.h"

/* ih_addr_eq, inline: an address is 17 bytes without padding (family, then bytes that are zero
 * past an IPv4 address), so one fixed-size comparison decides. Detectors compare addresses on
 * every packet. */
static inline bool ih_addr_same(const struct ih_addr *x, const struct ih_addr *y)
{
	_Static_assert(sizeof(struct ih_addr) == 17, "struct ih_addr has no padding");
	return memcmp(x, y, sizeof(*x)) == 0;
}

#define IH_HOST_SMALLSET 8  /* distinct destinations kept exactly per host */
#define IH_HLL_REGS 64      /* HyperLogLog registers per host beyond the small set */
#define IH_PAIR_RING 32     /* outstanding echo requests remembered per pair */
#define IH_PAIR_SERIES 64   /* recent probe gaps and sizes per pair, for timing statistics */
#define IH_PAIR_HASHES 16   /* distinct payload fingerprints remembered per pair */
#define IH_SEEN_WORDS 8     /* 64-bit words of the per-pair payload fingerprint bitmap */
#define IH_SEEN_BITS (IH_SEEN_WORDS * 64)
#define IH_PAT_WORDS 2      /* 64-bit words of the per-pair fill-pattern bitmap */
#define IH_PAT_BITS (IH_PAT_WORDS * 64)

/* What a payload that matches no template holds, judged on its captured bytes (see
 * ih_payload_class). */
enum ih_pclass {
	IH_PC_LOW = 0,   /* far less random than random bytes: padding, counters, timestamps */
	IH_PC_TEXT,      /* printable ASCII with spaces or punctuation: commands, console output */
	IH_PC_ENCODED,   /* printable, base64 / hex alphabet only, no spaces */
	IH_PC_BINARY,    /* structured binary: neither text nor random */
	IH_PC_RANDOM,    /* as random as random bytes of that length: encrypted or compressed */
	IH_PC_COUNT
};
const char *ih_pclass_name(enum ih_pclass c);
/* Classifies a payload (the captured bytes) given its entropy in bits per byte. */
enum ih_pclass ih_payload_class(const uint8_t *p, uint32_t len, double entropy);
/* Works out pkt->facts: the payload's template (echo request, reply and other), its entropy
 * and content class when it matches none, and (requests and answers) its fingerprint — what
 * ih_track_packet would compute, the same values. Pure (it reads the packet's bytes only), so it can run on another
 * thread before the packet is fed (the capture reader's: cli/pipeline.c). Leaves facts.valid
 * false for a packet the tracker computes nothing of this for (not ICMP, a flow record). */
void ih_payload_facts(struct ih_pkt *pkt);
struct ih_track;
/* The seeds of the host and pair tables' keyed hashes, fixed when the tracker is made. */
struct ih_track_seeds {
	uint64_t host, pair;
};
void ih_track_get_seeds(const struct ih_track *tr, struct ih_track_seeds *out);
/* Works out pkt->facts' key hashes: the hashes of the host and pair keys ih_track_packet will
 * look the packet up by (keyed true; false for a packet that is not ICMP), from the tracker's
 * seeds (ih_track_get_seeds). It reads nothing of the tracker itself, so it may run on another
 * thread while the tracker works (the capture reader's: cli/pipeline.c): the caller keeps the
 * copy of the seeds away from memory the tracker writes. */
void ih_track_key_hashes(const struct ih_track_seeds *seeds, struct ih_pkt *pkt);
/* How far another thread has committed the tracker's record tables (ih_track_commit_ahead);
 * zeroed to start. */
#define IH_COMMIT_REGIONS 5
struct ih_track_commit {
	size_t done[IH_COMMIT_REGIONS]; /* bytes committed of the host, pair and conversation
					 * records, then of the pair and conversation tails */
	bool off;       /* the kernel cannot (before Linux 5.14): no more tries */
};
/* Has the kernel commit (zero-fill) the pages of the record tables a little past the records
 * in use, up to as many bytes again as are in use (at least 2 MB, at most 16 MB per table;
 * the same for the pairs' tails past the tails written, none before one is),
 * so that the tracker, when it first writes a record there, does not wait for the page to be
 * zeroed. Safe on another thread while the tracker works (it reads only each table's count of
 * records used, and a page already committed is left as it is); changes no record. */
void ih_track_commit_ahead(const struct ih_track *tr, struct ih_track_commit *c);
/* Starts fetching the index slots a packet keyed by ih_track_key_hashes will be looked up at,
 * a few packets before it is tracked: on a table of many records (a spoofed flood) each
 * lookup is otherwise a wait on main memory. Changes nothing; does nothing for a packet not
 * keyed. */
void ih_track_prefetch(const struct ih_track *tr, const struct ih_pkt *pkt);
/* The same for the first lines of the host and pair records such a packet will update, found
 * by the tags in their index windows (for indexes small enough to be in the cache already).
 * Changes nothing. Returns the pair record guessed when the packet is a request, for
 * ih_track_prefetch_tail a little later (NULL: none). */
const struct ih_pair *ih_track_prefetch_records(const struct ih_track *tr, const struct ih_pkt *pkt);
/* Fetches the entry of its tail's timing series the pair's next request will write. Its record
 * must be on the way already (ih_track_prefetch_records, a few packets before): this reads it.
 * p may be NULL or a wrong guess (any record of the table). Changes nothing. */
void ih_track_prefetch_tail(const struct ih_pair *p);
/* Bytes of the host and pair indexes in use: ih_track_prefetch pays only when they no longer
 * fit in a core's own caches (cli/pipeline.c). */
size_t ih_track_index_bytes(const struct ih_track *tr);
/* Bits in each of the doorkeeper's two generations for a host table of this capacity (the
 * doorkeeper's memory is 2 x bits / 8 bytes; config.c budgets for it). */
uint64_t ih_track_door_bits(uint32_t host_capacity);

/* The mean Shannon entropy (bits per byte) of `len` uniformly random bytes: 7.81 for 1024,
 * 6.24 for 96, 4.87 for 32 (interpolated from simulation; exact within 0.03). */
double ih_random_entropy(uint32_t len);

struct ih_host {
	struct ih_addr addr;           /* key */
	uint8_t slot;                  /* table slot state (track.c) */
	bool dst_overflow;             /* more distinct destinations than dst_small holds */
	uint8_t mac[6];                /* the hardware address its first frame came from */
	bool has_mac;
	uint64_t first_ns, last_ns;
	uint64_t pkts, bytes;          /* ICMP sent as client (everything but answers) */
	uint64_t probes;               /* requests sent (echo, timestamp, mask, info) */
	uint64_t answers_rx;           /* answers received to its requests */
	uint64_t errors_rx;            /* ICMP errors that came back to it */
	uint32_t class_mask;           /* 1 << ih_icmp_class of messages it sent */
	uint32_t ndst_small;           /* entries used in dst_small */
	struct ih_addr dst_small[IH_HOST_SMALLSET];
	uint8_t hll[IH_HLL_REGS];      /* distinct destinations once dst_small is full */
	/* rate over one-second buckets of packet time */
	uint64_t sec;                  /* the current second */
	uint32_t sec_pkts;
	uint32_t peak_pps;
	uint32_t active_secs;          /* seconds in which it sent anything */
	uint32_t detector_flags;       /* bits detectors may set on a host (IH_HOSTF_*) */
	uint32_t sweep_idx;            /* the sweep detector's record for this host + 1; 0: none */
	uint32_t lateral_idx;          /* the lateral detector's record for this host + 1 (a hint) */
	uint64_t addr_hll;             /* ih_hll_hash(addr): detectors count it in their sketches */
	uint32_t lateral_gen;          /* the lateral detector's admissions when it last found no
					* record for this host (detect/lateral.c) */
};

enum {
	IH_HOSTF_SWEEP = 1u << 0,
	/* ih_host_is_home (detect/detector.h) caches the answer on the record: asked on every
	 * request by several detectors, it would otherwise test every home network each time */
	IH_HOSTF_HOME_KNOWN = 1u << 1,
	IH_HOSTF_HOME = 1u << 2,
};

struct ih_echo_slot { /* 24 bytes: the 8-byte member first, no padding inside; in use when
		      * it is the pair's last_req and last_out is set, or its bit of the pair's
		      * ring_used is set */
	uint64_t ts_ns;
	uint32_t hash;       /* fingerprint of the request payload */
	uint32_t len;
	uint16_t id, seq;
	bool answered, full;
};

/* The timing series of a pair's requests: a ring, entry nseries % IH_PAIR_SERIES the last
 * (what one request writes shares a line; packed, so that the ring is no bigger than three
 * arrays were) */
struct __attribute__((packed)) ih_series_ent {
	uint32_t gap_ms;           /* since the request before, ms */
	uint16_t size;             /* payload bytes (on the wire) */
	uint8_t tpl;               /* enum ih_tpl (beacon series) */
};

/* The arrays of a pair that only a pair of more than one request writes: the requests still
 * outstanding but the last (ring, a slot for each bit of ring_used) and the timing series
 * (nseries). They live apart from the pair records, in a region of their own with as many
 * tails as records, and a pair takes one (struct ih_pair.tail) when it first writes there: a
 * spoofed flood or a sweep makes tens of thousands of one-request pairs, which take none, so
 * that a full table of such pairs commits 0.4 of the memory it would otherwise. */
struct ih_pair_tail {
	struct ih_echo_slot ring[IH_PAIR_RING];
	struct ih_series_ent series[IH_PAIR_SERIES];
};

struct ih_pair {
	/* Laid out hot first: the key and every counter a packet updates share the first few
	 * cache lines (one packet misses a few lines, not dozens); the arrays follow, of which a
	 * packet touches one or two entries, then the tail's (struct ih_pair_tail). The memory
	 * cap is turned into capacities by the size of both (core/config.c). */
	struct ih_addr client, server; /* key: client asks, server answers */
	uint8_t slot;                  /* table slot state (track.c) */
	uint8_t last_ttl;
	uint32_t last_start_ms;        /* flows (pkt->from_flow): the last flow's start, ms after
					* first_probe_ns (fits the padding before first_ns) */
	uint64_t first_ns, last_ns;
	uint64_t first_probe_ns, last_probe_ns;
	uint64_t first_answer_ns, last_answer_ns;
	uint32_t probes, answers, errors_rx, other_out;
	uint32_t probes_after_answer;  /* requests sent after an answer had come back */
	uint32_t class_mask;
	uint64_t bytes_out, bytes_in;  /* ICMP payload bytes client->server, server->client */
	/* echo id / sequence behaviour */
	uint16_t first_id, last_id, last_seq;
	uint16_t last_seq_step;        /* seq minus the previous request's (mod 2^16) */
	uint32_t id_changes;           /* requests whose id differs from the previous one */
	uint32_t seq_steps_one;        /* requests whose seq is the previous + 1 */
	uint32_t seq_repeats;          /* ... equal to the previous (a new process each time) */
	uint32_t seq_jumps;            /* ... more than 16 away, by a step over 256 off the last one */
	/* probe TTL (traceroute and mtr raise it) */
	uint8_t ttl_min, ttl_max;
	uint32_t ttl_changes;
	/* payloads of requests (out) and answers (in) */
	uint32_t psize_min, psize_max;
	uint64_t psize_sum;
	uint32_t nontpl_out, nontpl_in;
	uint64_t nontpl_bytes_out, nontpl_bytes_in;
	double entropy_sum_out, entropy_sum_in; /* over non-template payloads */
	uint32_t entropy_n_out, entropy_n_in;
	/* request/reply pairing (the slots are in ring, below) */
	uint32_t reply_matched, reply_mismatch, reply_unpaired;
	uint32_t big_payloads;             /* payloads above the large-payload threshold */
	uint32_t df_probes;                /* requests with IPv4 DF set (path-MTU probing) */
	uint32_t frag_probes;              /* requests that arrived as fragments */
	uint32_t nseries;                  /* requests in the timing series (ring index = n % IH_PAIR_SERIES) */
	uint32_t detector_flags;
	uint32_t volume_slot;              /* the volume detector's record of the server + 1 (a hint) */
	bool server_hll_known;             /* server_hll is worked out (ih_pair_server_hll) */
	uint64_t server_hll;
	uint32_t nhashes;                  /* exact up to IH_PAIR_HASHES, then counts misses */
	uint32_t distinct_payloads;        /* estimate of distinct request payloads */
	uint32_t distinct_sizes;           /* distinct request payload sizes (exact up to 16) */
	uint32_t magic;                    /* first 4 payload bytes of the first non-template request */
	uint32_t magic_hits;               /* non-template payloads (either way) starting with it */
	/* What non-template payloads carry (covert-channel detectors). Updated per packet without
	 * allocation: one pass over the payload for the content class, one bit per fingerprint. */
	uint32_t probes_since_answer;      /* requests since the last answer (all, if none) */
	uint32_t big_nontpl;               /* non-template requests above the large-payload size */
	uint32_t seen_bits_out, seen_bits_in;   /* bits set in seen_out, seen_in */
	uint64_t new_bytes_out, new_bytes_in;   /* bytes of payloads that set a new bit */
	uint8_t tool;                      /* enum ih_tool of the first recognised payload */
	uint8_t preview_len;
	uint32_t tool_hits;                /* non-template payloads recognised as that tool */
	/* timestamp requests (RFC 792): fields that carry data rather than a clock (track.c
	 * ts_request); here, past the fields every packet touches */
	uint32_t ts_reqs;                  /* timestamp requests with an originate timestamp */
	uint32_t ts_odd;                   /* ... whose timestamp fields are not a sender's clock */
	uint32_t ts_odd_rxtx;              /* ... of them with receive or transmit set to data */
	uint32_t ts_last_orig;             /* originate of the last one */
	uint32_t ts_last_ms;               /* its capture time, ms after first_probe_ns */
	/* ping -p fills (IH_TPL_IPUTILS_PATTERN) of echo requests: a pattern that changes from
	 * request to request carries data (up to 16 bytes a request) */
	uint32_t pat_reqs;                 /* echo requests with a fill pattern */
	uint32_t pat_changes;              /* ... whose pattern differs from the one before */
	uint32_t pat_last;                 /* fingerprint of the last pattern (0: none yet) */
	uint32_t pat_bits;                 /* bits set in pat_seen */
	uint64_t pat_len_sum;              /* pattern bytes over pat_reqs */
	uint64_t pat_seen[IH_PAT_WORDS];   /* fingerprint bitmap of the patterns */
	uint32_t tpl_hits[IH_TPL_COUNT];   /* requests by payload template */
	uint32_t pclass_out[IH_PC_COUNT];  /* non-template requests by content class */
	uint32_t pclass_in[IH_PC_COUNT];   /* non-template answers by content class */
	uint64_t seen_out[IH_SEEN_WORDS];  /* fingerprint bitmap of non-template requests */
	uint64_t seen_in[IH_SEEN_WORDS];   /* ... of non-template answers */
	/* The outstanding echo requests: the last one in last_req while last_out (it stands for
	 * slot last_k of the ring, whose bit of ring_used is then clear), the others in the tail's
	 * ring, one a bit of ring_used (slot (seq ^ id) % IH_PAIR_RING: a request replaces the
	 * one before it in its slot). A pair whose requests are answered before the next one, or
	 * that sends one, never writes the ring. */
	uint32_t ring_used;                /* bit i: tail->ring[i] holds an outstanding request */
	bool last_out;
	uint8_t last_k;
	struct ih_pair_tail *tail;         /* NULL until the pair writes one (track.c: tail_w) */
	/* Arrays, each read only as far as its count goes (nhashes, distinct_sizes, last_out,
	 * preview_len; in the tail ring_used and nseries): a record is cleared up to here when it
	 * is made (IH_PAIR_CLEAR), not over its whole size, and its tail never. */
	uint32_t hashes[IH_PAIR_HASHES];   /* distinct request payload fingerprints (first ones) */
	uint16_t sizes_seen[16];
	struct ih_echo_slot last_req;
	uint8_t preview[24];               /* first bytes of the first non-template payload */
};
#define IH_PAIR_CLEAR offsetof(struct ih_pair, hashes)

/* ih_hll_hash of the pair's server, worked out the first time a detector asks (a sweeping
 * host's pairs are asked on every probe; most pairs never) */
static inline uint64_t ih_pair_server_hll(struct ih_pair *p)
{
	if (!p->server_hll_known) {
		p->server_hll = ih_hll_hash(&p->server, sizeof(p->server));
		p->server_hll_known = true;
	}
	return p->server_hll;
}
_Static_assert(IH_PAIR_RING <= 32, "ring_used holds a bit a slot");

/* Distinct payloads from a fingerprint bitmap of `bits_set` ones out of IH_SEEN_BITS (linear
 * counting, Whang et al. 1990); `fallback` (an upper bound) when the bitmap is full. */
double ih_seen_estimate(uint32_t bits_set, uint32_t fallback);

/* Distinct ping -p fill patterns among a pair's echo requests (estimated past a few dozen). */
double ih_pattern_estimate(const struct ih_pair *p);

/* A conversation as the log command shows it: a pair narrowed to one echo id (or, for
 * messages that are not request/answer, to one type and code), with the pair's statistics. */
struct ih_conv_key {
	struct ih_addr client, server;
	uint16_t id;        /* echo id; 0 for other messages */
	uint8_t type, code; /* request type (8, 13, 15, 17, 42, 128, 160) or the message's own */
};

struct ih_conv {
	struct ih_conv_key key;
	uint8_t slot;
	uint16_t seq_first, seq_last;
	uint32_t seq_gaps;      /* requests whose seq is not the previous + 1 */
	uint32_t messages;      /* every message of the conversation, either way */
	struct ih_pair st;      /* the pair's statistics, for this conversation only */
};

struct ih_track_config {
	uint32_t host_capacity;
	uint32_t pair_capacity;
	uint32_t conv_capacity;   /* 0: no conversation table (only the log command needs it) */
	uint64_t conv_idle_ns;
	uint64_t host_idle_ns;
	uint64_t pair_idle_ns;
	uint32_t large_payload;   /* bytes: a payload above this is "large" */
	uint64_t seed;            /* hash seed; 0 = random */
	/* While the host table is full, a new host gets a record only on its second packet
	 * (within the last million or so new addresses): see ih_track_packet. */
	bool doorkeeper;
};

void ih_track_config_default(struct ih_track_config *c);

/* What a detector hears for each ICMP packet. */
struct ih_event {
	const struct ih_pkt *pkt;
	struct ih_host *client;   /* the host that asked (for answers and errors: the packet's dst);
				   * NULL for a host not admitted to the full table (its first
				   * packet during a flood of new sources; pair NULL too) */
	struct ih_pair *pair;     /* NULL for messages that belong to no pair */
	bool to_client;           /* the packet flows server -> client (answer or error) */
	bool new_pair;            /* this packet created the pair */
	bool forged_src;          /* a request whose frame's hardware address is not the one its
				   * source address was first seen with: sent by another host */
	enum ih_tpl tpl;          /* payload template of this message */
	double entropy;           /* payload entropy in bits/byte, or -1 when not computed */
};

struct ih_track;
struct ih_detector;

struct ih_track_stats {
	uint64_t host_evictions, pair_evictions, conv_evictions;
	uint64_t host_expired, pair_expired, conv_expired;
	uint32_t hosts_live, pairs_live;
	uint32_t hosts_peak, pairs_peak;
	uint64_t packets, icmp_packets, ip_packets;
	/* ICMP packets of hosts not admitted to the full host table (their first), tracked by no
	 * record: detectors heard of them with no client */
	uint64_t hosts_not_admitted;
};

struct ih_track *ih_track_new(const struct ih_track_config *cfg);
void ih_track_free(struct ih_track *t);
/* Detectors hear of packets and ends in the order they were added. A detector's callbacks
 * are read when it is added: set them before. */
void ih_track_add_detector(struct ih_track *t, struct ih_detector *d);
/* Feeds one decoded IP packet (ICMP, TCP or UDP). Packet time must not run backwards by much;
 * a packet older than the newest seen is treated as arriving at the newest time for expiry. */
void ih_track_packet(struct ih_track *t, const struct ih_pkt *pkt);
/* Tells detectors of an ARP sender (MAC and IPv4 address), in packet time. */
void ih_track_arp(struct ih_track *t, const struct ih_pkt *pkt);
/* Ends every live record (pairs first, then hosts) and flushes the detectors. */
void ih_track_flush(struct ih_track *t);
/* Advances packet time to now_ns without a packet and runs the expiry scan, so that records
 * that went quiet end (and detectors evaluate them) during a quiet period. Only live capture
 * calls it, from a timer, with the wall clock standing in for "packet time now" when no
 * packet arrived: the one place where the wall clock enters tracking (a capture file never
 * does this, so replays stay identical). A time before the newest packet's is ignored. */
void ih_track_tick(struct ih_track *t, uint64_t now_ns);
/* Calls fn for every live pair record, without ending, changing or expiring any: a live
 * capture uses it to let detectors judge records that are still active (see
 * ih_pipeline_judge_live). Calling it any number of times changes nothing. */
void ih_track_each_pair(const struct ih_track *t, void (*fn)(void *ctx, const struct ih_pair *p), void *ctx);
const struct ih_track_stats *ih_track_stats(const struct ih_track *t);
size_t ih_track_memory(const struct ih_track *t);
uint64_t ih_track_now(const struct ih_track *t);
/* Looks up a pair without creating it (NULL if absent). */
struct ih_pair *ih_track_find_pair(struct ih_track *t, const struct ih_addr *client,
				   const struct ih_addr *server);
/* Look up a live host or pair record without creating, expiring or ending anything (NULL if
 * absent): safe from inside a detector's callbacks, where a record ending would re-enter them. */
const struct ih_host *ih_track_peek_host(const struct ih_track *t, const struct ih_addr *addr);
const struct ih_pair *ih_track_peek_pair(const struct ih_track *t, const struct ih_addr *client,
					 const struct ih_addr *server);
/* Distinct destinations of a host (exact up to IH_HOST_SMALLSET, then estimated). */
uint32_t ih_host_ndst(const struct ih_host *h);

#endif

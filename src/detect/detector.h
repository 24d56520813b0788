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
#include <string.h>

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
	/* Optional, for live capture: the episodes still open judged as if they ended now, their
	 * findings added to `into` (with ih_finding.episode set), nothing of the detector's state
	 * or counters changed. */
	void (*judge_open)(struct ih_detector *d, struct ih_findings *into);
	void (*add_stats)(struct ih_detector *d, json_t *stats);
	size_t (*memory)(struct ih_detector *d);
	void (*destroy)(struct ih_detector *d);
};

/* ih_cidr_contains with the same answer, in two 64-bit masked compares instead of a loop over
 * 16 bytes: the address's bytes past the prefix are cleared and all 16 compared with the base,
 * exactly as ih_addr_mask + memcmp do (a base with bits set past its prefix matches nothing). */
static inline uint64_t ih_be64_(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

static inline bool ih_cidr_has(const struct ih_cidr *c, const struct ih_addr *a)
{
	if (c->base.family != a->family)
		return false;
	unsigned bits = a->family == IH_AF_INET6 ? 128 : 32;
	unsigned p = c->prefix > bits ? bits : c->prefix;
	uint64_t mhi = p >= 64 ? ~0ull : p ? ~0ull << (64 - p) : 0;
	uint64_t mlo = p >= 128 ? ~0ull : p > 64 ? ~0ull << (128 - p) : 0;
	return (ih_be64_(a->b) & mhi) == ih_be64_(c->base.b) &&
	       (ih_be64_(a->b + 8) & mlo) == ih_be64_(c->base.b + 8);
}

/* ih_config_is_home, the same answer without the per-byte loops (a flood asks it for every
 * new source, and for both ends of every pair that ends). With the first-byte index
 * (ih_config_index_home) only the networks that may hold the address are tried: none, for
 * most addresses outside them. */
static inline bool ih_is_home(const struct ih_config *cfg, const struct ih_addr *a)
{
	if (cfg->home_indexed) {
		for (uint32_t m = cfg->home_by_byte[a->family == IH_AF_INET6][a->b[0]]; m; m &= m - 1)
			if (ih_cidr_has(&cfg->home[__builtin_ctz(m)], a))
				return true;
		return false;
	}
	for (unsigned i = 0; i < cfg->nhome; i++)
		if (ih_cidr_has(&cfg->home[i], a))
			return true;
	return false;
}

/* ih_is_home for a host record's address, computed once per record (the home networks do not
 * change during a run, and the record is cleared when it is reused). */
static inline bool ih_host_is_home(const struct ih_config *cfg, struct ih_host *h)
{
	if (!(h->detector_flags & IH_HOSTF_HOME_KNOWN))
		h->detector_flags |= IH_HOSTF_HOME_KNOWN | (ih_is_home(cfg, &h->addr) ? IH_HOSTF_HOME : 0u);
	return (h->detector_flags & IH_HOSTF_HOME) != 0;
}

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

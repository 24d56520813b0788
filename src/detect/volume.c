/* volume.c — ICMP floods: far more requests to one destination than its baseline, from one
 * host (ping -f) or from many spoofed sources (hping3 --rand-source), reported by victim.
 *
 * State: a fixed table of destinations ("victims") that receive requests (echo, timestamp,
 * mask, information, extended echo, and undefined types), volume_capacity entries, open
 * addressing over a window of 8 slots, the least recently seen evicted (evaluated first, and
 * counted). Per destination: requests per second of packet time, the seconds at or above
 * volume_min_pps ("burst seconds"), its rate before the first burst second, the top four
 * sources (space-saving), distinct sources (HyperLogLog), the sending hardware address, and
 * how many requests carried varying data (a tunnel's traffic is not a flood). A second table
 * learns hardware address -> IP from hosts that asked at least twice and were answered (a
 * spoofed source is never answered at its own address on this link), so that a spoofed flood
 * sent from one hardware address can name its real sender when that host was seen doing
 * something ordinary. An address seen with several IPs (a router) names nobody.
 *
 * A destination is a victim when its burst seconds hold volume_min_packets requests or more
 * and its peak rate is at least volume_ratio times each baseline that exists:
 *   - own: the destination's requests per active second before the first burst second (and
 *     the dominant sender's own rate before it), when volume_own_min_secs seconds are known;
 *   - population: the median peak rate of the hosts that sent ICMP in this capture (two
 *     packets or more), when volume_pop_min_hosts hosts are known.
 * With neither, volume_min_pps alone decides (a capture of the flood alone).
 *
 * The finding's src is the dominant sender (half the requests or more), or the real sender
 * found by hardware address, or, for a spoofed flood whose sender is unknown, the unspecified
 * address (0.0.0.0 / ::), with the top sources and the hardware address in the evidence.
 * The victim only answers and is never a finding's src. Severity: low; medium at ten times
 * volume_min_pps or volume_min_packets, or spoofed; high at a hundred times, or spoofed at ten.
 *
 * History (ih_config.history, from the store): when the dominant sender has a baseline of its
 * own (the ICMP requests it sent in the same hour of day on volume_history_min_slots of the past
 * history_days days), the flood must also exceed it: volume_ratio times its median and
 * volume_history_z robust z-scores ((x - median) / 1.4826 MAD) above it; a host that does this
 * every day at this hour is not reported. And with history, every home host's requests are
 * counted per hour (a table of 2 x volume_capacity senders): an hour with
 * volume_history_min_requests or more that exceeds the host's own baseline the same way is a
 * volume_anomaly of its own, "baseline":"own_history" (the seed's "unusual ICMP volume from a
 * single host ... exceeds normal baseline"), even under the flood floor: low (medium at ten
 * times the ratio and the requests), info when it looks like a ping left running (one or two
 * destinations, ordinary payloads only). Answers and errors are not counted: they follow other
 * hosts' traffic. Without history none of this runs.
 *
 * Smurf: echo requests to a broadcast or multicast address whose source address is another
 * host's (the tracker's ev->forged_src: the frame's hardware address is not the one that
 * address was first seen with) make every host of the group answer that host. They are not
 * counted above (the group address is no victim, the forged source no sender); a record per
 * forged source (SMURF_SLOTS at once, the oldest judged and dropped when full) counts them
 * and the answers that reach it, and is judged when the forged source's host record ends:
 * volume_smurf_min forged requests or more are a finding with the victim as dst and the
 * sender named by its hardware address when known (else the unspecified address): low,
 * medium when the answers outnumber the requests twice (two responders or more) or reach
 * volume_min_packets, high when the answers reach volume_min_packets at volume_min_pps.
 *
 * ATT&CK: T1498 Network Denial of Service, T1498.001 Direct Network Flood (T1498.002
 * Reflection Amplification for a smurf). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

#include "core/history.h"
#include "detect/covert.h"
#include "detect/detector.h"
#include "track/hll.h"

#define TOPK 4
#define VHLL 64
#define PROBE 8
#define POP_BUCKETS 34

struct vsrc {
	struct ih_addr addr;
	uint32_t count, err;
};

struct victim {
	struct ih_addr addr; /* key */
	uint8_t used;
	bool has_mac, mac_mixed, burst, src_base_known;
	uint8_t mac[6];
	uint64_t first_ns, last_ns;
	uint64_t reqs, bytes, templ, varied;
	uint64_t sec, sec_first_ns;
	uint32_t sec_reqs;
	uint32_t active_secs;
	uint32_t peak_pps;
	uint64_t pre_reqs;
	uint32_t pre_secs;
	uint32_t burst_secs;
	uint64_t burst_reqs, burst_first_ns, burst_last_ns;
	double src_base_pps;
	uint32_t answers;
	uint8_t hll[VHLL];
	struct vsrc top[TOPK];
};

#define SMURF_SLOTS 16

struct smurf {
	struct ih_addr victim, group;
	uint8_t mac[6];
	bool used, mac_mixed;
	uint64_t first_ns, last_ns;
	uint64_t requests, answers;
	uint32_t sec_answers, peak_answers_pps;
	uint64_t sec;
};

struct macent {
	uint8_t mac[6];
	uint8_t used, ambiguous;
	struct ih_addr ip;
	uint64_t last_ns;
};

/* A home host's ICMP in one hour (only with history). */
struct sender {
	struct ih_addr addr; /* key */
	uint8_t used;
	bool flood;          /* named as the sender of a flood finding in this hour */
	uint64_t hour;       /* hours since the epoch */
	uint64_t pkts, ordinary, first_ns, last_ns;
	uint32_t ndst;       /* distinct destinations, exact up to 2 */
	struct ih_addr dst[2], lo, hi;
	bool many, mixed;
};

struct volume {
	const struct ih_config *cfg;
	struct sender *snd;  /* NULL without history */
	uint32_t smask;
	uint64_t snd_evictions, history_findings, history_suppressed;
	struct victim *v;
	uint32_t vmask;
	/* the hint for packets with no pair record (a flood's sources not admitted to the host
	 * table): the victim found last, usually the flood's */
	uint32_t last_slot;
	struct macent *macs;
	uint32_t mmask;
	uint64_t seed;
	uint32_t pop[POP_BUCKETS];
	uint32_t pop_n;
	uint64_t evictions, expired, mac_evictions, findings, tunnels_skipped;
	struct smurf smurf[SMURF_SLOTS];
	uint32_t nsmurf;             /* records in use */
	uint64_t smurf_evictions, smurf_findings;
};

static uint32_t pow2_at_least(uint32_t n, uint32_t min)
{
	uint32_t c = min;
	while (c < n && c < (1u << 28))
		c <<= 1;
	return c;
}

/* ---------------------------------------------------------------- hardware addresses */

static const char *mac_str(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return out;
}

static struct macent *mac_find(struct volume *s, const uint8_t mac[6], bool insert, uint64_t now)
{
	uint32_t i = (uint32_t)XXH3_64bits_withSeed(mac, 6, s->seed ^ 0x3ac) & s->mmask;
	struct macent *oldest = NULL;
	for (unsigned n = 0; n < 4; n++, i = (i + 1) & s->mmask) {
		struct macent *m = &s->macs[i];
		if (m->used && memcmp(m->mac, mac, 6) == 0)
			return m;
		if (!m->used) {
			if (!insert)
				return NULL;
			oldest = m;
			break;
		}
		if (!oldest || m->last_ns < oldest->last_ns)
			oldest = m;
	}
	if (!insert)
		return NULL;
	if (oldest->used)
		s->mac_evictions++;
	memset(oldest, 0, sizeof(*oldest));
	memcpy(oldest->mac, mac, 6);
	oldest->used = 1;
	oldest->last_ns = now;
	return oldest;
}

static void mac_learn(struct volume *s, const uint8_t mac[6], const struct ih_addr *ip, uint64_t now)
{
	static const uint8_t zero[6];
	if (memcmp(mac, zero, 6) == 0)
		return;
	struct macent *m = mac_find(s, mac, true, now);
	m->last_ns = now;
	if (m->ip.family == IH_AF_NONE) {
		m->ip = *ip;
		return;
	}
	if (ih_addr_same(&m->ip, ip))
		return;
	/* IPv4 is preferred as the name; a second address of the same family: a router or a
	 * host with several addresses, ambiguous either way */
	if (m->ip.family == ip->family)
		m->ambiguous = 1;
	else if (ip->family == IH_AF_INET)
		m->ip = *ip;
}

/* ---------------------------------------------------------------- victims */

static uint32_t vslot(const struct volume *s, const struct ih_addr *a)
{
	return (uint32_t)XXH3_64bits_withSeed(a, sizeof(*a), s->seed) & s->vmask;
}

/* The record at a hint (a record number + 1 kept by the caller: the pair's volume_slot) when it
 * still holds a, else NULL. */
static struct victim *victim_hinted(struct volume *s, const uint32_t *hint, const struct ih_addr *a)
{
	uint32_t k = hint ? *hint : 0;
	if (!k || k > s->vmask + 1)
		return NULL;
	struct victim *v = &s->v[k - 1];
	return v->used && ih_addr_same(&v->addr, a) ? v : NULL;
}

/* a's record, or NULL; hint (may be NULL) is tried first and set to what was found */
static struct victim *victim_find(struct volume *s, const struct ih_addr *a, uint32_t *hint)
{
	struct victim *v = victim_hinted(s, hint, a);
	for (unsigned n = 0, i = v ? 0 : vslot(s, a); !v && n < PROBE && n <= s->vmask; n++, i = (i + 1) & s->vmask) {
		if (!s->v[i].used)
			return NULL;
		if (ih_addr_same(&s->v[i].addr, a))
			v = &s->v[i];
	}
	if (v && hint)
		*hint = (uint32_t)(v - s->v) + 1;
	return v;
}

/* Ends the current second of v into its counters. */
static void close_second(const struct ih_config *cfg, struct victim *v)
{
	if (!v->sec_reqs)
		return;
	if (v->sec_reqs >= cfg->volume_min_pps) {
		v->burst_secs++;
		v->burst_reqs += v->sec_reqs;
		v->burst_last_ns = v->last_ns;
	} else if (!v->burst) {
		v->pre_reqs += v->sec_reqs;
		v->pre_secs++;
	}
	v->sec_reqs = 0;
}

static double pop_median(const struct volume *s)
{
	uint32_t half = (s->pop_n + 1) / 2, acc = 0;
	for (unsigned b = 0; b < POP_BUCKETS; b++) {
		acc += s->pop[b];
		if (acc >= half)
			return b == 0 ? 1.0 : ldexp(1.0, (int)b - 1) * 1.414; /* [2^(b-1), 2^b) */
	}
	return 1.0;
}

/* Sorts the top sources by their guaranteed count (count - err: space-saving overestimates a
 * counter by at most the count it took over). */
static void sort_top(struct victim *v)
{
	for (unsigned i = 1; i < TOPK; i++)
		for (unsigned j = i; j > 0 && v->top[j].count - v->top[j].err > v->top[j - 1].count - v->top[j - 1].err; j--) {
			struct vsrc t = v->top[j];
			v->top[j] = v->top[j - 1];
			v->top[j - 1] = t;
		}
}

/* ---------------------------------------------------------------- history */

struct hist_check {
	struct ih_host_baseline b;
	bool known;      /* enough recorded days for a baseline */
	bool exceeds;
	double ratio, z;
	uint64_t x;
};

/* Compares x, requests `host` sent in the hour of ts_ns, with its own history. False when there
 * is no history to ask. */
static bool history_check(const struct ih_config *cfg, const struct ih_addr *host, uint64_t ts_ns, uint64_t x,
			  struct hist_check *hc)
{
	const struct ih_history *h = cfg->history;
	memset(hc, 0, sizeof(*hc));
	if (!h || !h->host_hour || !h->host_hour(h->ctx, host, ts_ns, &hc->b))
		return false;
	hc->x = x;
	hc->known = hc->b.slots >= cfg->volume_history_min_slots && hc->b.slots > 0;
	double med = hc->b.median_requests, mad = 1.4826 * hc->b.mad_requests;
	hc->ratio = (double)x / (med > 1 ? med : 1);
	hc->z = ((double)x - med) / (mad > 1 ? mad : 1);
	hc->exceeds = hc->ratio >= (cfg->volume_ratio ? cfg->volume_ratio : 1) && hc->z >= cfg->volume_history_z;
	return true;
}

static json_t *history_json(const struct ih_config *cfg, const struct hist_check *hc)
{
	json_t *o = json_object();
	json_object_set_new(o, "days", json_integer(cfg->history ? cfg->history->days : 0));
	json_object_set_new(o, "recorded_days", json_integer(hc->b.slots));
	json_object_set_new(o, "active_days", json_integer(hc->b.active_slots));
	json_object_set_new(o, "median_requests_per_hour", json_real(ih_round3(hc->b.median_requests)));
	json_object_set_new(o, "mad_requests_per_hour", json_real(ih_round3(hc->b.mad_requests)));
	json_object_set_new(o, "max_requests_per_hour", json_integer((json_int_t)hc->b.max_requests));
	json_object_set_new(o, "this_hour_requests", json_integer((json_int_t)hc->x));
	json_object_set_new(o, "ratio", json_real(ih_round3(hc->ratio)));
	json_object_set_new(o, "robust_z", json_real(ih_round3(hc->z)));
	json_object_set_new(o, "exceeds", json_boolean(hc->exceeds));
	return o;
}

static struct sender *sender_find(struct volume *s, const struct ih_addr *a);

static void evaluate(struct ih_detector *d, struct victim *v)
{
	struct volume *s = d->state;
	const struct ih_config *cfg = s->cfg;
	close_second(cfg, v);
	if (!v->burst || v->burst_reqs < cfg->volume_min_packets)
		return;
	sort_top(v);
	double distinct = ih_hll_estimate(v->hll, VHLL);
	uint64_t top_lo = v->top[0].count - v->top[0].err;
	bool single = top_lo * 2 >= v->reqs;
	bool spoofed = !single && distinct >= cfg->volume_spoof_sources && top_lo * 10 < v->reqs;
	if (!spoofed && v->varied * 2 >= v->reqs) {
		s->tunnels_skipped++; /* one host moving varying data: a tunnel, not a flood */
		return;
	}
	double ratio = cfg->volume_ratio ? cfg->volume_ratio : 1;
	bool own_dst = v->pre_secs >= cfg->volume_own_min_secs && cfg->volume_own_min_secs;
	double dst_base = own_dst ? (double)v->pre_reqs / v->pre_secs : 0;
	bool own_src = single && v->src_base_known;
	bool pop_ok = s->pop_n >= cfg->volume_pop_min_hosts && cfg->volume_pop_min_hosts;
	double pop_med = pop_ok ? pop_median(s) : 0;
	double peak = v->peak_pps;
	if (own_dst && peak < ratio * (dst_base > 1 ? dst_base : 1))
		return;
	if (own_src && peak < ratio * (v->src_base_pps > 1 ? v->src_base_pps : 1))
		return;
	if (pop_ok && peak < ratio * (pop_med > 1 ? pop_med : 1))
		return;
	/* the sender's own history: requests per hour of the flood, against the same hour of
	 * the past days */
	struct hist_check hc;
	bool hist = false;
	if (single && cfg->history) {
		uint64_t span = v->last_ns > v->first_ns ? v->last_ns - v->first_ns : 0;
		uint64_t hours = span / (3600ull * 1000000000ull) + 1;
		hist = history_check(cfg, &v->top[0].addr, v->burst_first_ns, top_lo / hours, &hc) && hc.known;
		if (hist && !hc.exceeds) {
			s->history_suppressed++;
			return;
		}
	}

	enum ih_sev sev = IH_SEV_LOW;
	uint64_t min_pps = cfg->volume_min_pps, min_pk = cfg->volume_min_packets;
	if (peak >= 10.0 * min_pps || v->burst_reqs >= 10 * min_pk || spoofed)
		sev = IH_SEV_MEDIUM;
	if (peak >= 100.0 * min_pps || (spoofed && peak >= 10.0 * min_pps))
		sev = IH_SEV_HIGH;

	/* who did it */
	struct ih_addr src;
	const char *who;
	bool named = true;
	const struct macent *me = NULL;
	if (v->has_mac && !v->mac_mixed)
		me = mac_find(s, v->mac, false, 0);
	if (!spoofed) {
		src = v->top[0].addr;
		who = single ? "dominant source" : "top source";
	} else if (me && !me->ambiguous && me->ip.family) {
		src = me->ip;
		who = "sender identified by hardware address";
	} else {
		memset(&src, 0, sizeof(src));
		src.family = v->addr.family;
		who = "spoofed sources, sender unknown";
		named = false;
	}
	double conf = 0.6 + (single ? 0.2 : 0) + (spoofed ? 0.15 : 0) + (own_dst || own_src || pop_ok ? 0.1 : 0);
	if (conf > 0.95)
		conf = 0.95;
	struct ih_finding *f = ih_finding_new("volume_anomaly", sev, conf, &src, v->burst_first_ns,
					      v->burst_last_ns > v->burst_first_ns ? v->burst_last_ns : v->last_ns);
	if (!f)
		return;
	ih_finding_set_episode(f, &v->addr, v->burst_first_ns);
	ih_finding_set_dst_addr(f, &v->addr);
	ih_finding_add_mitre(f, "T1498");
	ih_finding_add_mitre(f, "T1498.001");
	json_t *ev = f->evidence;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	json_object_set_new(ev, "victim", json_string(ih_addr_str(&v->addr, a, sizeof(a))));
	json_object_set_new(ev, "sender", json_string(who));
	json_object_set_new(ev, "requests", json_integer((json_int_t)v->reqs));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)v->bytes));
	json_object_set_new(ev, "peak_pps", json_integer(v->peak_pps));
	json_object_set_new(ev, "burst_seconds", json_integer(v->burst_secs));
	json_object_set_new(ev, "burst_requests", json_integer((json_int_t)v->burst_reqs));
	double burst_span = (double)(v->burst_last_ns - v->burst_first_ns) / 1e9;
	json_object_set_new(ev, "burst_duration_s", json_real(ih_round3(burst_span)));
	json_object_set_new(ev, "answers_from_victim", json_integer(v->answers));
	json_object_set_new(ev, "distinct_sources_est", json_integer((json_int_t)(distinct + 0.5)));
	json_object_set_new(ev, "spoofed_sources", json_boolean(spoofed));
	json_t *top = json_array();
	for (unsigned i = 0; i < TOPK; i++) {
		if (!v->top[i].count)
			continue;
		if (spoofed) {
			/* no source stands out: a sample of the (forged) addresses, no counts */
			json_array_append_new(top, json_string(ih_addr_str(&v->top[i].addr, b, sizeof(b))));
			continue;
		}
		json_t *o = json_object();
		json_object_set_new(o, "addr", json_string(ih_addr_str(&v->top[i].addr, b, sizeof(b))));
		json_object_set_new(o, "requests", json_integer(v->top[i].count - v->top[i].err));
		if (v->top[i].err)
			json_object_set_new(o, "requests_at_most", json_integer(v->top[i].count));
		json_array_append_new(top, o);
	}
	json_object_set_new(ev, spoofed ? "source_sample" : "top_sources", top);
	json_object_set_new(ev, "top_source_share", json_real(ih_round3(v->reqs ? (double)top_lo / v->reqs : 0)));
	if (v->has_mac) {
		char m[18];
		json_object_set_new(ev, "sender_mac", json_string(mac_str(v->mac, m)));
		json_object_set_new(ev, "single_sender_mac", json_boolean(!v->mac_mixed));
		if (me && me->ip.family)
			json_object_set_new(ev, me->ambiguous ? "sender_mac_seen_as_one_of" : "sender_mac_seen_as",
					    json_string(ih_addr_str(&me->ip, b, sizeof(b))));
	}
	json_object_set_new(ev, "template_share", json_real(ih_round3(v->reqs ? (double)v->templ / v->reqs : 0)));
	json_t *base = json_object();
	if (own_dst)
		json_object_set_new(base, "victim_earlier_pps", json_real(ih_round3(dst_base)));
	if (own_src)
		json_object_set_new(base, "sender_earlier_pps", json_real(ih_round3(v->src_base_pps)));
	if (pop_ok) {
		json_object_set_new(base, "population_median_peak_pps", json_real(ih_round3(pop_med)));
		json_object_set_new(base, "population_hosts", json_integer(s->pop_n));
	}
	if (hist)
		json_object_set_new(base, "sender_history", history_json(cfg, &hc));
	json_object_set_new(base, "min_pps", json_integer(cfg->volume_min_pps));
	json_object_set_new(base, "ratio", json_integer(cfg->volume_ratio));
	json_object_set_new(ev, "baseline", base);

	if (spoofed)
		ih_finding_summary(f, "%s received %llu ICMP requests (peak %u/s) from about %.0f spoofed sources%s%s",
				   ih_addr_str(&v->addr, a, sizeof(a)), (unsigned long long)v->reqs, v->peak_pps,
				   distinct, named ? ", sent by " : "", named ? ih_addr_str(&src, b, sizeof(b)) : "");
	else
		ih_finding_summary(f, "%s flooded %s with %llu ICMP requests (peak %u/s over %u s)",
				   ih_addr_str(&src, b, sizeof(b)), ih_addr_str(&v->addr, a, sizeof(a)),
				   (unsigned long long)v->reqs, v->peak_pps, v->burst_secs);
	s->findings++;
	if (s->snd && !spoofed) {
		struct sender *sd = sender_find(s, &src);
		if (sd)
			sd->flood = true;
	}
	ih_findings_add(d->out, f);
}

static void victim_reset(struct victim *v, const struct ih_addr *a, uint64_t now)
{
	memset(v, 0, sizeof(*v));
	v->addr = *a;
	v->used = 1;
	v->first_ns = v->last_ns = now;
}

/* a's record, made if new (the oldest of the probe window evicted when it is full); an idle one
 * is judged and starts again. hint as for victim_find: a pair keeps its server's record number,
 * so that most requests neither hash nor probe. */
static struct victim *victim_get(struct ih_detector *d, const struct ih_addr *a, uint64_t now, uint32_t *hint)
{
	struct volume *s = d->state;
	struct victim *v = victim_hinted(s, hint, a), *free_slot = NULL, *oldest = NULL;
	for (unsigned n = 0, i = v ? 0 : vslot(s, a); !v && n < PROBE && n <= s->vmask; n++, i = (i + 1) & s->vmask) {
		struct victim *c = &s->v[i];
		if (!c->used) {
			free_slot = c;
			break;
		}
		if (ih_addr_same(&c->addr, a))
			v = c;
		else if (!oldest || c->last_ns < oldest->last_ns)
			oldest = c;
	}
	if (v && now > v->last_ns && now - v->last_ns > s->cfg->track.pair_idle_ns) {
		s->expired++;
		evaluate(d, v);
		victim_reset(v, a, now);
	} else if (!v) {
		if (!free_slot) {
			s->evictions++;
			evaluate(d, oldest);
			free_slot = oldest;
		}
		victim_reset(free_slot, a, now);
		v = free_slot;
	}
	if (hint)
		*hint = (uint32_t)(v - s->v) + 1;
	return v;
}

static void top_add(struct victim *v, const struct ih_addr *a)
{
	unsigned min = 0;
	for (unsigned i = 0; i < TOPK; i++) {
		if (v->top[i].count && ih_addr_same(&v->top[i].addr, a)) {
			v->top[i].count++;
			return;
		}
		if (v->top[i].count < v->top[min].count)
			min = i;
	}
	/* space-saving: the smallest counter is taken over, its count kept as the error bound */
	struct vsrc *t = &v->top[min];
	t->err = t->count;
	t->count++;
	t->addr = *a;
}

/* ---------------------------------------------------------------- senders (with history) */

#define NS_PER_HOUR (3600ull * 1000000000ull)
#define SPROBE 16 /* senders: every home host that asks is one, so a longer window than victims' */

static uint32_t sslot(const struct volume *s, const struct ih_addr *a)
{
	return (uint32_t)XXH3_64bits_withSeed(a, sizeof(*a), s->seed ^ 0x5e4d) & s->smask;
}

static struct sender *sender_find(struct volume *s, const struct ih_addr *a)
{
	uint32_t i = sslot(s, a);
	for (unsigned n = 0; n < SPROBE && n <= s->smask; n++, i = (i + 1) & s->smask) {
		struct sender *sd = &s->snd[i];
		if (!sd->used)
			return NULL;
		if (ih_addr_same(&sd->addr, a))
			return sd;
	}
	return NULL;
}

/* One host's hour: a finding when it exceeds the host's own history. */
static void sender_evaluate(struct ih_detector *d, struct sender *sd)
{
	struct volume *s = d->state;
	const struct ih_config *cfg = s->cfg;
	if (sd->flood || sd->pkts < cfg->volume_history_min_requests || !sd->pkts)
		return;
	if (sd->ndst == 1 && !sd->many) {
		/* a flood still being counted will speak for this host */
		const struct victim *v = victim_find(s, &sd->dst[0], NULL);
		if (v && v->burst && ih_addr_same(&v->top[0].addr, &sd->addr))
			return;
	}
	struct hist_check hc;
	if (!history_check(cfg, &sd->addr, sd->first_ns, sd->pkts, &hc) || !hc.known || !hc.exceeds)
		return;
	bool pinglike = !sd->many && sd->ndst <= 2 && sd->ordinary == sd->pkts;
	uint32_t ratio = cfg->volume_ratio ? cfg->volume_ratio : 1;
	enum ih_sev sev = pinglike ? IH_SEV_INFO : IH_SEV_LOW;
	if (!pinglike && hc.ratio >= 10.0 * ratio && sd->pkts >= 10ull * cfg->volume_history_min_requests)
		sev = IH_SEV_MEDIUM;
	double conf = 0.5 + (hc.b.slots >= cfg->history->days ? 0.2 : 0.1) + (hc.ratio >= 10.0 * ratio ? 0.15 : 0);
	struct ih_finding *f = ih_finding_new("volume_anomaly", sev, conf, &sd->addr, sd->first_ns, sd->last_ns);
	if (!f)
		return;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN + 8], t[40];
	if (sd->ndst == 1 && !sd->many) {
		ih_finding_set_dst_addr(f, &sd->dst[0]);
	} else if (sd->lo.family && !sd->mixed) {
		struct ih_cidr c;
		ih_cidr_cover(&sd->lo, &sd->hi, &c);
		ih_finding_set_dst_str(f, ih_cidr_str(&c, b, sizeof(b)));
	} else {
		ih_finding_set_dst_str(f, "*");
	}
	json_t *ev = f->evidence;
	json_object_set_new(ev, "baseline", json_string("own_history"));
	snprintf(t, sizeof(t), "%02u:00Z", (unsigned)(sd->hour % 24));
	json_object_set_new(ev, "hour", json_string(t));
	json_object_set_new(ev, "requests", json_integer((json_int_t)sd->pkts));
	if (sd->many)
		json_object_set_new(ev, "destinations_at_least", json_integer(3));
	else
		json_object_set_new(ev, "destinations", json_integer(sd->ndst));
	json_object_set_new(ev, "ordinary_share", json_real(ih_round3((double)sd->ordinary / (double)sd->pkts)));
	json_object_set_new(ev, "history", history_json(cfg, &hc));
	ih_finding_summary(f, "%s sent %llu ICMP requests in the hour from %s, %.0f times its usual %.0f (median of %u recorded days at that hour)",
			   ih_addr_str(&sd->addr, a, sizeof(a)), (unsigned long long)sd->pkts, t, hc.ratio,
			   hc.b.median_requests, hc.b.slots);
	s->history_findings++;
	s->findings++;
	ih_findings_add(d->out, f);
}

static void sender_count(struct ih_detector *d, const struct ih_event *ev)
{
	struct volume *s = d->state;
	const struct ih_pkt *pkt = ev->pkt;
	/* requests: what the host chose to send (its answers and errors follow others' traffic) */
	/* the client of a request is its source: its record caches whether it is home */
	if (ev->to_client || !ih_icmp_is_probe(pkt->icmp_class) ||
	    !(ev->client ? ih_host_is_home(s->cfg, ev->client) : ih_is_home(s->cfg, &pkt->src)))
		return;
	uint64_t hour = pkt->ts_ns / NS_PER_HOUR;
	uint32_t i = sslot(s, &pkt->src);
	struct sender *sd = NULL, *oldest = NULL;
	for (unsigned n = 0; n < SPROBE && n <= s->smask; n++, i = (i + 1) & s->smask) {
		struct sender *c = &s->snd[i];
		if (!c->used || ih_addr_same(&c->addr, &pkt->src)) {
			sd = c;
			break;
		}
		if (!oldest || c->last_ns < oldest->last_ns)
			oldest = c;
	}
	if (!sd) {
		s->snd_evictions++;
		sender_evaluate(d, oldest);
		oldest->used = 0;
		sd = oldest;
	}
	if (sd->used && hour > sd->hour) {
		sender_evaluate(d, sd);
		sd->used = 0;
	}
	if (!sd->used) {
		memset(sd, 0, sizeof(*sd));
		sd->used = 1;
		sd->addr = pkt->src;
		sd->hour = hour;
		sd->first_ns = pkt->ts_ns;
	}
	sd->pkts++;
	if (pkt->ts_ns > sd->last_ns)
		sd->last_ns = pkt->ts_ns;
	/* only echo carries a free-form payload; the other requests are the protocol's own fields */
	if (pkt->icmp_class != IH_ICMP_ECHO_REQ || ev->tpl == IH_TPL_UNKNOWN ||
	    (ev->tpl != IH_TPL_NONE && ih_tpl_is_default(ev->tpl)))
		sd->ordinary++;
	/* the range the destinations span (v4 and v6 mixed: none) */
	if (!sd->lo.family) {
		sd->lo = sd->hi = pkt->dst;
	} else if (pkt->dst.family != sd->lo.family) {
		sd->mixed = true;
	} else {
		if (ih_addr_cmp(&pkt->dst, &sd->lo) < 0)
			sd->lo = pkt->dst;
		if (ih_addr_cmp(&pkt->dst, &sd->hi) > 0)
			sd->hi = pkt->dst;
	}
	if (sd->many)
		return;
	for (uint32_t k = 0; k < sd->ndst; k++)
		if (ih_addr_same(&sd->dst[k], &pkt->dst))
			return;
	if (sd->ndst < 2)
		sd->dst[sd->ndst++] = pkt->dst;
	else
		sd->many = true;
}

/* ---------------------------------------------------------------- smurf */

/* callers test s->nsmurf first: on most packets no smurf is counted at all */
static struct smurf *smurf_find(struct volume *s, const struct ih_addr *victim)
{
	for (unsigned i = 0; i < SMURF_SLOTS; i++)
		if (s->smurf[i].used && ih_addr_same(&s->smurf[i].victim, victim))
			return &s->smurf[i];
	return NULL;
}

static void smurf_judge(struct ih_detector *d, struct smurf *m)
{
	struct volume *s = d->state;
	const struct ih_config *cfg = s->cfg;
	if (!cfg->volume_smurf_min || m->requests < cfg->volume_smurf_min)
		return;
	enum ih_sev sev = IH_SEV_LOW;
	if (m->answers >= 2 * m->requests || m->answers >= cfg->volume_min_packets)
		sev = IH_SEV_MEDIUM;
	if (m->answers >= cfg->volume_min_packets && m->peak_answers_pps >= cfg->volume_min_pps)
		sev = IH_SEV_HIGH;
	const struct macent *me = m->mac_mixed ? NULL : mac_find(s, m->mac, false, 0);
	struct ih_addr src;
	memset(&src, 0, sizeof(src));
	src.family = m->victim.family;
	bool named = me && !me->ambiguous && me->ip.family && !ih_addr_same(&me->ip, &m->victim);
	if (named)
		src = me->ip;
	struct ih_finding *f = ih_finding_new("volume_anomaly", sev, named ? 0.9 : 0.8, &src, m->first_ns, m->last_ns);
	if (!f)
		return;
	ih_finding_set_dst_addr(f, &m->victim);
	ih_finding_add_mitre(f, "T1498");
	ih_finding_add_mitre(f, "T1498.002");
	json_t *ev = f->evidence;
	char v[IH_ADDR_STRLEN], g[IH_ADDR_STRLEN], mac[18], who[IH_ADDR_STRLEN];
	mac_str(m->mac, mac);
	if (named)
		ih_addr_str(&me->ip, who, sizeof(who));
	json_object_set_new(ev, "reflection", json_string("smurf"));
	json_object_set_new(ev, "victim", json_string(ih_addr_str(&m->victim, v, sizeof(v))));
	json_object_set_new(ev, "group", json_string(ih_addr_str(&m->group, g, sizeof(g))));
	json_object_set_new(ev, "forged_requests", json_integer((json_int_t)m->requests));
	json_object_set_new(ev, "answers_to_victim", json_integer((json_int_t)m->answers));
	json_object_set_new(ev, "peak_answers_pps", json_integer(m->peak_answers_pps));
	json_object_set_new(ev, "amplification", json_real(ih_round3((double)m->answers / (double)m->requests)));
	json_object_set_new(ev, "sender_mac", json_string(mac));
	json_object_set_new(ev, "single_sender_mac", json_boolean(!m->mac_mixed));
	json_object_set_new(ev, "sender", json_string(named ? "sender identified by hardware address"
							    : "forged source, sender unknown"));
	if (named)
		json_object_set_new(ev, "sender_mac_seen_as", json_string(who));
	ih_finding_summary(f, "%s got %llu echo replies from the hosts of %s after %llu echo requests forged with its address (a smurf reflection), sent from %s%s%s",
			   v, (unsigned long long)m->answers, g, (unsigned long long)m->requests, mac,
			   named ? " = " : "", named ? who : "");
	s->smurf_findings++;
	ih_findings_add(d->out, f);
}

static void smurf_end(struct ih_detector *d, struct smurf *m)
{
	struct volume *s = d->state;
	smurf_judge(d, m);
	memset(m, 0, sizeof(*m));
	s->nsmurf--;
}

static void smurf_request(struct ih_detector *d, const struct ih_pkt *pkt)
{
	struct volume *s = d->state;
	struct smurf *m = smurf_find(s, &pkt->src);
	if (!m) {
		struct smurf *oldest = NULL;
		for (unsigned i = 0; i < SMURF_SLOTS && !m; i++) {
			if (!s->smurf[i].used)
				m = &s->smurf[i];
			else if (!oldest || s->smurf[i].last_ns < oldest->last_ns)
				oldest = &s->smurf[i];
		}
		if (!m) {
			s->smurf_evictions++;
			smurf_end(d, oldest);
			m = oldest;
		}
		m->used = true;
		s->nsmurf++;
		m->victim = pkt->src;
		m->group = pkt->dst;
		memcpy(m->mac, pkt->src_mac, 6);
		m->first_ns = pkt->ts_ns;
	} else if (memcmp(m->mac, pkt->src_mac, 6) != 0) {
		m->mac_mixed = true;
	}
	m->requests++;
	if (pkt->ts_ns > m->last_ns)
		m->last_ns = pkt->ts_ns;
}

static void smurf_answer(struct smurf *m, const struct ih_pkt *pkt)
{
	uint64_t sec = pkt->ts_ns / 1000000000ull;
	if (sec != m->sec) {
		m->sec = sec;
		m->sec_answers = 0;
	}
	m->answers++;
	if (++m->sec_answers > m->peak_answers_pps)
		m->peak_answers_pps = m->sec_answers;
	if (pkt->ts_ns > m->last_ns)
		m->last_ns = pkt->ts_ns;
}

/* ARP says which IPv4 address a hardware address claims: the sender of a spoofed flood is
 * usually found this way (it had to ARP for its router before flooding). */
static void volume_on_arp(struct ih_detector *d, const struct ih_pkt *pkt)
{
	struct volume *s = d->state;
	mac_learn(s, pkt->arp_sha, &pkt->arp_spa, pkt->ts_ns);
}

static void volume_on_icmp(struct ih_detector *d, const struct ih_event *ev)
{
	struct volume *s = d->state;
	const struct ih_config *cfg = s->cfg;
	const struct ih_pkt *pkt = ev->pkt;
	enum ih_icmp_class c = pkt->icmp_class;
	if (ev->forged_src && !ev->to_client && ih_icmp_is_probe(c) && ih_addr_group(&pkt->dst)) {
		smurf_request(d, pkt);
		return;
	}
	if (s->snd)
		sender_count(d, ev);
	if (ev->to_client) {
		if (!ih_icmp_is_answer(c))
			return;
		struct smurf *m = s->nsmurf ? smurf_find(s, &pkt->dst) : NULL;
		if (m)
			smurf_answer(m, pkt);
		/* a host that asked more than once and is answered is real: learn its address (on
		 * its first answers, then refreshed every 1024) */
		const struct ih_host *h = ev->client;
		if (h && h->has_mac && h->probes >= 2 && (h->answers_rx <= 2 || (h->answers_rx & 1023) == 0))
			mac_learn(s, h->mac, &h->addr, pkt->ts_ns);
		struct victim *v = victim_find(s, &pkt->src, ev->pair ? &ev->pair->volume_slot : &s->last_slot);
		if (v)
			v->answers++;
		return;
	}
	if (!ih_icmp_is_probe(c) && c != IH_ICMP_OTHER)
		return;
	uint64_t ts = pkt->ts_ns;
	struct victim *v = victim_get(d, &pkt->dst, ts, ev->pair ? &ev->pair->volume_slot : &s->last_slot);
	uint64_t sec = ts / 1000000000ull;
	if (v->reqs == 0 || sec != v->sec) {
		close_second(cfg, v);
		v->sec = sec;
		v->sec_first_ns = ts;
		v->active_secs++;
	}
	if (ts > v->last_ns)
		v->last_ns = ts;
	v->reqs++;
	v->sec_reqs++;
	v->bytes += pkt->ip_len ? pkt->ip_len : pkt->wire_len;
	if (v->sec_reqs > v->peak_pps)
		v->peak_pps = v->sec_reqs;
	if (ev->tpl != IH_TPL_NONE)
		v->templ++;
	else if (ev->pair && ev->pair->distinct_payloads >= 4)
		v->varied++;
	if (!v->burst && v->sec_reqs >= cfg->volume_min_pps) {
		/* the first burst second: remember where it began and the sender's earlier rate */
		v->burst = true;
		v->burst_first_ns = v->sec_first_ns;
		const struct ih_host *h = ev->client;
		if (h && h->active_secs > cfg->volume_own_min_secs && cfg->volume_own_min_secs) {
			v->src_base_known = true;
			v->src_base_pps = (double)(h->pkts - h->sec_pkts) / (h->active_secs - 1);
		}
	}
	if (v->sec_reqs >= cfg->volume_min_pps)
		v->burst_last_ns = ts;
	/* the request's source (a source with no record: its first packet during a flood) */
	ih_hll_add(v->hll, VHLL, ev->client ? ev->client->addr_hll : ih_hll_hash(&pkt->src, sizeof(pkt->src)));
	top_add(v, &pkt->src);
	if (pkt->has_mac || pkt->src_mac[0] || pkt->src_mac[1]) {
		if (!v->has_mac) {
			memcpy(v->mac, pkt->src_mac, 6);
			v->has_mac = true;
		} else if (memcmp(v->mac, pkt->src_mac, 6) != 0) {
			v->mac_mixed = true;
		}
	}
}

static void volume_on_host_end(struct ih_detector *d, const struct ih_host *h)
{
	struct volume *s = d->state;
	struct smurf *m = s->nsmurf ? smurf_find(s, &h->addr) : NULL;
	if (m)
		smurf_end(d, m);
	if (h->pkts < 2)
		return;
	uint32_t pps = h->peak_pps;
	unsigned b = 0;
	while (pps) {
		b++;
		pps >>= 1;
	}
	if (b >= POP_BUCKETS)
		b = POP_BUCKETS - 1;
	s->pop[b]++;
	s->pop_n++;
}

/* Live capture: every victim under a burst judged now, into `into`. evaluate ends the current
 * second and sorts the top sources of the record it is given: it is given a copy, and the
 * counters and the output are put back, so the detector goes on exactly as before. */
static void volume_judge_open(struct ih_detector *d, struct ih_findings *into)
{
	struct volume *s = d->state;
	struct ih_findings *out = d->out;
	uint64_t findings = s->findings, skipped = s->tunnels_skipped, suppressed = s->history_suppressed;
	d->out = into;
	for (uint32_t i = 0; i <= s->vmask; i++) {
		if (!s->v[i].used || !s->v[i].burst)
			continue;
		struct victim v = s->v[i];
		evaluate(d, &v);
	}
	d->out = out;
	s->findings = findings;
	s->tunnels_skipped = skipped;
	s->history_suppressed = suppressed;
}

static void volume_on_flush(struct ih_detector *d)
{
	struct volume *s = d->state;
	for (unsigned i = 0; i < SMURF_SLOTS; i++)
		if (s->smurf[i].used)
			smurf_end(d, &s->smurf[i]);
	for (uint32_t i = 0; i <= s->vmask; i++)
		if (s->v[i].used) {
			evaluate(d, &s->v[i]);
			memset(&s->v[i], 0, sizeof(s->v[i]));
		}
	/* after the victims: a host named by a flood finding is not reported twice */
	for (uint32_t i = 0; s->snd && i <= s->smask; i++)
		if (s->snd[i].used) {
			sender_evaluate(d, &s->snd[i]);
			memset(&s->snd[i], 0, sizeof(s->snd[i]));
		}
}

static void volume_add_stats(struct ih_detector *d, json_t *stats)
{
	struct volume *s = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "destinations_capacity", json_integer(s->vmask + 1));
	json_object_set_new(o, "destination_evictions", json_integer((json_int_t)s->evictions));
	json_object_set_new(o, "destination_expired", json_integer((json_int_t)s->expired));
	json_object_set_new(o, "mac_capacity", json_integer(s->mmask + 1));
	json_object_set_new(o, "mac_evictions", json_integer((json_int_t)s->mac_evictions));
	json_object_set_new(o, "population_hosts", json_integer(s->pop_n));
	json_object_set_new(o, "skipped_as_tunnel", json_integer((json_int_t)s->tunnels_skipped));
	json_object_set_new(o, "findings", json_integer((json_int_t)s->findings));
	json_object_set_new(o, "smurf_findings", json_integer((json_int_t)s->smurf_findings));
	json_object_set_new(o, "smurf_evictions", json_integer((json_int_t)s->smurf_evictions));
	if (s->snd) {
		json_t *h = json_object();
		json_object_set_new(h, "senders_capacity", json_integer(s->smask + 1));
		json_object_set_new(h, "sender_evictions", json_integer((json_int_t)s->snd_evictions));
		json_object_set_new(h, "findings", json_integer((json_int_t)s->history_findings));
		json_object_set_new(h, "floods_within_history", json_integer((json_int_t)s->history_suppressed));
		json_object_set_new(o, "history", h);
	}
	json_object_set_new(stats, "volume_anomaly", o);
}

static size_t volume_memory(struct ih_detector *d)
{
	struct volume *s = d->state;
	return sizeof(*s) + ((size_t)s->vmask + 1) * sizeof(struct victim) +
	       ((size_t)s->mmask + 1) * sizeof(struct macent) +
	       (s->snd ? ((size_t)s->smask + 1) * sizeof(struct sender) : 0);
}

static void volume_destroy(struct ih_detector *d)
{
	struct volume *s = d->state;
	if (s) {
		free(s->v);
		free(s->macs);
		free(s->snd);
		free(s);
	}
}

struct ih_detector *ih_detector_volume(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct volume *s = calloc(1, sizeof(*s));
	if (!d || !s) {
		free(d);
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	uint32_t vc = pow2_at_least(cfg->volume_capacity, 16), mc = pow2_at_least(cfg->volume_mac_capacity, 16);
	s->vmask = vc - 1;
	s->mmask = mc - 1;
	s->seed = cfg->track.seed ? cfg->track.seed ^ 0x701ull : (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull;
	s->v = calloc(vc, sizeof(*s->v));
	s->macs = calloc(mc, sizeof(*s->macs));
	if (cfg->history) {
		/* twice volume_capacity slots: at most half full before windows fill and evict */
		s->smask = vc * 2 - 1;
		s->snd = calloc((size_t)vc * 2, sizeof(*s->snd));
	}
	d->state = s;
	if (!s->v || !s->macs || (cfg->history && !s->snd)) {
		volume_destroy(d);
		free(d);
		return NULL;
	}
	d->name = "volume_anomaly";
	d->cfg = cfg;
	d->out = out;
	d->on_icmp = volume_on_icmp;
	d->on_arp = volume_on_arp;
	d->on_host_end = volume_on_host_end;
	d->on_flush = volume_on_flush;
	d->judge_open = volume_judge_open;
	d->add_stats = volume_add_stats;
	d->memory = volume_memory;
	d->destroy = volume_destroy;
	return d;
}

/* beacon.c — requests to one destination on a schedule: command-and-control check-ins.
 *
 * Per pair record (all echo ids of one client and server together: hping3 and many implants
 * start a new id each time), when it ends. The pair keeps its last IH_PAIR_SERIES request
 * gaps and sizes; from them the detector rebuilds request times and scores two kinds of
 * series: all requests, and the requests of each payload size seen beacon_min_events times or
 * more (so that a beacon sharing a pair with a tunnel, or ordinary pings, is still seen on its
 * own). Requests closer than beacon_merge_ms to the previous one form one event (a check-in
 * and its retries, a burst of tunnel traffic); the event's size is the bytes of its requests.
 *
 * Each series is scored in the manner of RITA (core/stats.h ih_beacon_score: Bowley skew and
 * MAD over median of the gaps and of the sizes, and how fully the period covers the span),
 * which tolerates jitter: a beacon every 2 to 4 s scores about 0.95. The best series with at
 * least beacon_min_events events over beacon_min_span_s, a median period of
 * beacon_min_period_ms (1 s) or more, and a score of beacon_min_score_pct or more is a beacon
 * (a faster schedule is a paced transfer, exfiltration's business). What it carries sets how much that means:
 *
 *   ordinary payloads (a ping tool's default)  info, and only to an outside peer (ping or
 *                                              mtr left running, monitoring: not a claim)
 *   custom (ping -p, a fixed odd payload)      low to an outside peer, else info
 *   data (payloads that vary, match no tool)   medium to an outside peer, else low
 *
 * one level more (up to high) for a strong beacon (score >= beacon_strong_score_pct over
 * beacon_strong_events events or more). Requests with a varying TTL (traceroute, mtr) and
 * configured monitoring hosts stay at info, and so does a schedule to an inside peer that the
 * client keeps with beacon_fanout_min inside peers or more at once, each answering only with
 * echoes of its requests: a monitoring server (fping -R fills its probes with random bytes),
 * not a command channel, since nothing but the client's own bytes ever comes back.
 *
 * ATT&CK: T1095 Non-Application Layer Protocol (C2 over ICMP). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "detect/covert.h"
#include "detect/detector.h"

#define N_REQ (IH_PAIR_SERIES + 1)

/* A schedule of echoed requests to an inside peer, remembered when its pair ended, so that the
 * client's pairs that end after it still see that they shared it (ECHOED_RING most recent). */
struct echoed {
	struct ih_addr client, peer;
	double period_ms;
	uint64_t last_ns;
};
#define ECHOED_RING 64

struct beacon {
	const struct ih_config *cfg;
	uint64_t scored, findings, fanout;
	uint64_t nechoed; /* schedules remembered; the slot of the next is nechoed % ECHOED_RING */
	struct echoed echoed[ECHOED_RING];
};

struct series_result {
	bool ok;
	uint32_t size;        /* 0: all requests, else the payload size of the series */
	uint32_t events;
	uint32_t requests, tpl_default, tpl_none; /* requests in the series, by template */
	double first_ms, last_ms; /* event times relative to the oldest request in the ring */
	struct ih_beacon_score sc;
	uint32_t gaps_ms[N_REQ];  /* the gaps between its events, in order (evidence "gaps_ms") */
};

/* Scores the requests with index in `sel` (times ms, sizes). */
static void score_series(const struct ih_config *cfg, const double *t, const uint32_t *sz,
			 const uint8_t *tp, const uint32_t *sel, uint32_t nsel, double window_ms,
			 struct series_result *r)
{
	uint32_t gaps[N_REQ], sizes[N_REQ];
	double scratch[N_REQ];
	uint32_t nev = 0;
	double ev_start = 0, prev = 0, first = 0;
	r->requests = nsel;
	r->tpl_default = r->tpl_none = 0;
	for (uint32_t i = 0; i < nsel; i++) {
		enum ih_tpl tpl = (enum ih_tpl)tp[sel[i]];
		if (tpl == IH_TPL_NONE)
			r->tpl_none++;
		else if (tpl == IH_TPL_UNKNOWN || ih_tpl_is_default(tpl))
			r->tpl_default++;
	}
	for (uint32_t i = 0; i < nsel; i++) {
		double ti = t[sel[i]];
		if (nev == 0 || ti - prev >= cfg->beacon_merge_ms) {
			if (nev == 0)
				first = ti;
			else
				gaps[nev - 1] = (uint32_t)(ti - ev_start + 0.5);
			sizes[nev] = 0;
			ev_start = ti;
			nev++;
		}
		sizes[nev - 1] += sz[sel[i]];
		prev = ti;
	}
	r->events = nev;
	for (uint32_t i = 0; i + 1 < nev; i++)
		r->gaps_ms[i] = gaps[i];
	r->ok = false;
	if (nev < 2 || nev < cfg->beacon_min_events)
		return;
	r->first_ms = first;
	r->last_ms = ev_start;
	if ((ev_start - first) * 1e6 < (double)cfg->beacon_min_span_ns)
		return;
	if (ih_beacon_score(gaps, nev - 1, sizes, nev, window_ms, &ih_beacon_defaults, scratch, &r->sc) != 0)
		return;
	/* a faster schedule is a paced transfer (hping3 -i u300000), exfiltration's business */
	if (r->sc.ts.q2 < cfg->beacon_min_period_ms)
		return;
	r->ok = true;
}

/* Nothing came back but echoes of the requests (or nothing at all): the peer is a plain
 * responder, so no data flows towards the client. */
static bool echo_only(const struct ih_pair *p)
{
	return p->reply_mismatch == 0 && p->reply_unpaired == 0;
}

static bool same_period(double a, double b)
{
	return fabs(a - b) <= 0.1 * (a > b ? a : b);
}

static void add_peer(json_t *peers, const struct ih_addr *a)
{
	char s[IH_ADDR_STRLEN];
	ih_json_add_unique(peers, ih_addr_str(a, s, sizeof(s)));
}

/* The other inside peers the client sends echoed requests to on the same schedule (median gap
 * within 10 %): its live pairs to the first destinations its host record keeps, and its pairs
 * that ended since (the ring). Added to `peers` (strings, no duplicates). */
static void shared_schedule(const struct ih_detector *d, const struct ih_pair *p, double period_ms,
			    json_t *peers)
{
	const struct beacon *b = d->state;
	const struct ih_config *cfg = b->cfg;
	const struct ih_host *h = ih_track_peek_host(d->track, &p->client);
	double scratch[IH_PAIR_SERIES];
	for (uint32_t i = 0; h && i < h->ndst_small; i++) {
		const struct ih_addr *q = &h->dst_small[i];
		if (ih_addr_same(q, &p->server) || !ih_is_home(cfg, q))
			continue;
		const struct ih_pair *o = ih_track_peek_pair(d->track, &p->client, q);
		uint32_t m = o ? (o->nseries < IH_PAIR_SERIES ? o->nseries : IH_PAIR_SERIES) : 0;
		if (!o || !echo_only(o) || o->probes < cfg->beacon_min_events || m + 1 < cfg->beacon_min_events)
			continue;
		uint32_t gaps[IH_PAIR_SERIES];
		for (uint32_t k = 0; k < m; k++)
			gaps[k] = o->tail->series[k].gap_ms;
		if (same_period(ih_median_u32(gaps, m, scratch), period_ms))
			add_peer(peers, q);
	}
	uint64_t n = b->nechoed < ECHOED_RING ? b->nechoed : ECHOED_RING;
	for (uint64_t i = 0; i < n; i++) {
		const struct echoed *e = &b->echoed[i];
		/* ended while this pair was sending, on the same schedule */
		if (ih_addr_same(&e->client, &p->client) && !ih_addr_same(&e->peer, &p->server) &&
		    e->last_ns >= p->first_ns && same_period(e->period_ms, period_ms))
			add_peer(peers, &e->peer);
	}
}

static void remember_echoed(struct beacon *b, const struct ih_pair *p, double period_ms)
{
	struct echoed *e = &b->echoed[b->nechoed++ % ECHOED_RING];
	e->client = p->client;
	e->peer = p->server;
	e->period_ms = period_ms;
	e->last_ns = p->last_ns;
}

static void beacon_on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct beacon *b = d->state;
	const struct ih_config *cfg = b->cfg;
	if (p->probes < cfg->beacon_min_events || p->nseries + 1 < cfg->beacon_min_events)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	if (v.traceroute_like && v.kind != IH_PK_DATA)
		return;
	/* an outside host's schedule of requests to an inside host is not the inside host's
	 * beacon (a reverse channel's answers are the tunnel detector's) */
	if (v.reverse)
		return;
	/* ordinary payloads to a home peer (monitoring, a ping left running inside) say nothing */
	if (v.kind == IH_PK_ORDINARY && !v.peer_external)
		return;
	b->scored++;

	/* Rebuild the request times from the ring: request 0 is the one before the oldest gap
	 * kept (its size is not kept: it is left out of the per-size series). */
	uint32_t n = p->nseries < IH_PAIR_SERIES ? p->nseries : IH_PAIR_SERIES;
	uint32_t k0 = p->nseries - n;
	double t[N_REQ];
	uint32_t sz[N_REQ], sel[N_REQ];
	uint8_t tp[N_REQ];
	t[0] = 0;
	sz[0] = 0;
	tp[0] = IH_TPL_UNKNOWN;
	for (uint32_t j = 1; j <= n; j++) {
		uint32_t k = (k0 + j - 1) % IH_PAIR_SERIES;
		t[j] = t[j - 1] + p->tail->series[k].gap_ms;
		sz[j] = p->tail->series[k].size;
		tp[j] = p->tail->series[k].tpl;
	}
	if (n >= 1) {
		/* unknown: taken as its successor's, for the all-requests series */
		sz[0] = sz[1];
		tp[0] = tp[1];
	}
	double window_ms = (double)(p->last_ns - p->first_ns) / 1e6;

	struct series_result best = { 0 }, r;
	/* the best series is the one with the best timing among those that qualify */
	for (uint32_t j = 0; j <= n; j++)
		sel[j] = j;
	score_series(cfg, t, sz, tp, sel, n + 1, window_ms, &r);
	r.size = 0;
	if (r.ok)
		best = r;
	/* per size */
	uint32_t seen[IH_PAIR_SERIES];
	uint32_t nseen = 0;
	for (uint32_t j = 1; j <= n; j++) {
		bool dup = false;
		for (uint32_t i = 0; i < nseen && !dup; i++)
			dup = seen[i] == sz[j];
		if (dup)
			continue;
		seen[nseen++] = sz[j];
		uint32_t m = 0;
		for (uint32_t i = 1; i <= n; i++)
			if (sz[i] == sz[j])
				sel[m++] = i;
		if (m < cfg->beacon_min_events || m == n)
			continue; /* m == n: the same as all requests */
		score_series(cfg, t, sz, tp, sel, m, window_ms, &r);
		r.size = sz[j];
		if (r.ok && (!best.ok || r.sc.ts_score + r.sc.score > best.sc.ts_score + best.sc.score))
			best = r;
	}
	/* the score, and the dispersion of the gaps on its own: steady sizes must not carry gaps
	 * that are not a schedule (random, exponential gaps have MAD/median 0.69; a beacon every
	 * 2 to 4 s 0.17, every 1 to 10 s 0.41) */
	if (!best.ok || best.sc.score * 100 < cfg->beacon_min_score_pct ||
	    best.sc.ts_mad > best.sc.ts.q2 * cfg->beacon_max_jitter_pct / 100.0)
		return;

	/* what the scored requests carry: the pair's verdict on variety, the series' templates */
	enum ih_pkind kind;
	if (best.tpl_default * 5 >= best.requests * 4)
		kind = IH_PK_ORDINARY;
	else if (best.tpl_none * 2 >= best.requests && v.kind == IH_PK_DATA)
		kind = IH_PK_DATA;
	else
		kind = IH_PK_CUSTOM;
	enum ih_sev sev;
	switch (kind) {
	case IH_PK_DATA: sev = v.peer_external ? IH_SEV_MEDIUM : IH_SEV_LOW; break;
	case IH_PK_CUSTOM: sev = v.peer_external ? IH_SEV_LOW : IH_SEV_INFO; break;
	default: sev = IH_SEV_INFO; break;
	}
	/* strong: a near-perfect schedule over many events, or kept for long (a beacon every
	 * minute has 10 events in 10 minutes, and its persistence is the point) */
	bool strong = best.sc.score * 100 >= cfg->beacon_strong_score_pct &&
		      (best.events >= cfg->beacon_strong_events ||
		       (best.last_ms - best.first_ms) * 1e6 >= (double)cfg->beacon_strong_span_ns);
	if (strong && sev >= IH_SEV_LOW)
		sev = ih_sev_up(sev, 1, IH_SEV_HIGH);
	if (v.monitor || v.traceroute_like)
		sev = IH_SEV_INFO;
	/* one schedule to several inside peers that only echo: monitoring */
	json_t *fan = NULL;
	if (!v.peer_external && echo_only(p) && cfg->beacon_fanout_min) {
		fan = json_array();
		shared_schedule(d, p, best.sc.ts.q2, fan);
		remember_echoed(b, p, best.sc.ts.q2);
		if (json_array_size(fan) + 1 >= cfg->beacon_fanout_min && sev >= IH_SEV_LOW) {
			sev = IH_SEV_INFO;
			b->fanout++;
		}
	}
	double conf = best.sc.score * (sev >= IH_SEV_LOW ? 0.95 : 0.6);

	/* the finding spans the pair; the scored events are the last ones kept */
	struct ih_finding *f = ih_finding_new("beacon", sev, conf, v.inside, p->first_ns, p->last_ns);
	if (!f) {
		json_decref(fan);
		return;
	}
	ih_finding_set_dst_addr(f, v.peer);
	if (sev >= IH_SEV_LOW)
		ih_finding_add_mitre(f, "T1095");
	json_t *ev = f->evidence;
	const struct ih_beacon_score *s = &best.sc;
	json_object_set_new(ev, "score", json_real(ih_round3(s->score)));
	json_object_set_new(ev, "events", json_integer(best.events));
	json_object_set_new(ev, "series", best.size ? json_sprintf("requests of %u payload bytes", best.size)
						    : json_string("all requests"));
	json_object_set_new(ev, "period_s", json_real(ih_round3(s->ts.q2 / 1000.0)));
	json_object_set_new(ev, "gap_q1_s", json_real(ih_round3(s->ts.q1 / 1000.0)));
	json_object_set_new(ev, "gap_q3_s", json_real(ih_round3(s->ts.q3 / 1000.0)));
	json_object_set_new(ev, "jitter_mad_s", json_real(ih_round3(s->ts_mad / 1000.0)));
	json_object_set_new(ev, "gap_skew", json_real(ih_round3(s->ts_skew)));
	json_object_set_new(ev, "timing_score", json_real(ih_round3(s->ts_score)));
	json_object_set_new(ev, "size_score", json_real(ih_round3(s->ds_score)));
	json_object_set_new(ev, "size_mode_bytes", json_real(s->ds_mode));
	json_object_set_new(ev, "size_mad_bytes", json_real(ih_round3(s->ds_mad)));
	json_object_set_new(ev, "scored_span_s", json_real(ih_round3((best.last_ms - best.first_ms) / 1000.0)));
	json_object_set_new(ev, "echo_id_changes", json_integer(p->id_changes));
	json_object_set_new(ev, "series_payload", json_string(ih_pkind_name(kind)));
	/* the gaps themselves (at most IH_PAIR_SERIES), for a reader or a chart to check */
	json_t *gl = json_array();
	for (uint32_t i = 0; i + 1 < best.events; i++)
		json_array_append_new(gl, json_integer(best.gaps_ms[i]));
	json_object_set_new(ev, "gaps_ms", gl);
	if (v.monitor)
		json_object_set_new(ev, "monitoring_host", json_true());
	bool fanned = fan && json_array_size(fan) + 1 >= cfg->beacon_fanout_min;
	if (fan && json_array_size(fan))
		json_object_set_new(ev, "same_schedule_peers", json_incref(fan));
	if (fanned)
		json_object_set_new(ev, "monitoring_like", json_true());
	json_decref(fan);
	ih_pview_evidence(&v, ev);

	char a[IH_ADDR_STRLEN], bb[IH_ADDR_STRLEN];
	ih_finding_summary(f, "%s sent %s ICMP echo to %s every %.1f s (jitter %.2f s) over %u events, beacon score %.2f%s",
			   ih_pview_addr(v.inside, a, sizeof(a)),
			   kind == IH_PK_DATA ? "varying-payload" : kind == IH_PK_CUSTOM ? "custom-payload" : "ordinary",
			   ih_pview_addr(v.peer, bb, sizeof(bb)), s->ts.q2 / 1000.0, s->ts_mad / 1000.0,
			   best.events, s->score,
			   fanned ? "; the same schedule to other inside hosts, answered only by echoes: monitoring-like" : "");
	b->findings++;
	ih_findings_add(d->out, f);
}

static void beacon_add_stats(struct ih_detector *d, json_t *stats)
{
	struct beacon *b = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "pairs_scored", json_integer((json_int_t)b->scored));
	json_object_set_new(o, "findings", json_integer((json_int_t)b->findings));
	json_object_set_new(o, "monitoring_fanout", json_integer((json_int_t)b->fanout));
	json_object_set_new(stats, "beacon", o);
}

static size_t beacon_memory(struct ih_detector *d)
{
	(void)d;
	return sizeof(struct beacon);
}

static void beacon_destroy(struct ih_detector *d)
{
	free(d->state);
}

struct ih_detector *ih_detector_beacon(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct beacon *b = calloc(1, sizeof(*b));
	if (!d || !b) {
		free(d);
		free(b);
		return NULL;
	}
	b->cfg = cfg;
	d->name = "beacon";
	d->state = b;
	d->cfg = cfg;
	d->out = out;
	d->on_pair_end = beacon_on_pair_end;
	d->add_stats = beacon_add_stats;
	d->memory = beacon_memory;
	d->destroy = beacon_destroy;
	return d;
}

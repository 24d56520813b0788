/* large_payload.c — echo payloads bigger than ordinary tools send.
 *
 * Ping tools send 32 to 56 bytes unless told otherwise; a payload above `large_payload`
 * (1024 bytes, the tracker's threshold; Snort sid 499 uses 800) is either someone testing the
 * path or something carrying data. Per pair record, when it ends:
 *
 *   - ordinary-template requests that fit one packet (path-MTU probes, ping -M do -s 1472) up
 *     to large_pmtu_count (16), and ordinary-template requests sent as IP fragments (ping -s
 *     4000) up to large_benign_count (8): a test, info;
 *   - more ordinary big requests than that, one every large_slow_gap_ms (1 s) or less often on
 *     average: a monitor's size or MTU check (Prometheus blackbox_exporter's payload_size, a
 *     smokeping target with a large size), info;
 *   - more, faster: sustained oversized pings, low;
 *   - large_min_count (3) or more big requests that match no template: data in big payloads,
 *     low; medium when the peer is outside the home networks and there are ten times as many.
 *
 * The data itself is the tunnel and exfiltration detectors' business; this one says that the
 * sizes alone are unusual. ATT&CK: T1095 when low or above (T1048 too when the big payloads
 * carry data). */
#include <stdlib.h>

#include "detect/covert.h"
#include "detect/detector.h"

struct large {
	const struct ih_config *cfg;
	uint64_t findings, benign;
};

static void large_on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct large *l = d->state;
	const struct ih_config *cfg = l->cfg;
	if (!p->big_payloads)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	uint32_t big = p->big_payloads, big_nt = p->big_nontpl > big ? big : p->big_nontpl;
	uint32_t big_tpl = big - big_nt;
	uint32_t big_frag = p->frag_probes < big_tpl ? p->frag_probes : big_tpl;
	uint32_t big_unfrag = big_tpl - big_frag;
	bool test_only = big_nt < cfg->large_min_count && big_frag <= cfg->large_benign_count &&
			 big_unfrag <= cfg->large_pmtu_count;

	/* the mean gap between the big requests (over the pair's requests' span) */
	uint64_t span = p->last_probe_ns > p->first_probe_ns ? p->last_probe_ns - p->first_probe_ns : 0;
	uint64_t gap_ns = big > 1 ? span / (big - 1) : 0;
	bool slow = cfg->large_slow_gap_ms && big_tpl > 1 && gap_ns >= (uint64_t)cfg->large_slow_gap_ms * 1000000u;

	enum ih_sev sev = IH_SEV_INFO;
	const char *why;
	if (big_nt >= cfg->large_min_count) {
		sev = IH_SEV_LOW;
		if (v.peer_external && big_nt >= 10 * cfg->large_min_count)
			sev = IH_SEV_MEDIUM;
		why = "payloads that match no ping tool";
	} else if (!test_only && !slow) {
		sev = IH_SEV_LOW;
		why = "more oversized ordinary pings than a path or fragmentation test sends";
	} else if (!test_only) {
		why = "oversized ordinary pings at a monitor's pace (a size or path check)";
		l->benign++;
	} else {
		why = big_frag ? "a few oversized pings sent as fragments (a test)"
			       : "a few ordinary pings sized to the path MTU (path-MTU probes)";
		l->benign++;
	}
	double conf = sev >= IH_SEV_LOW ? 0.6 + (v.peer_external ? 0.1 : 0) + (big_nt ? 0.1 : 0) : 0.7;

	/* the sender of the big requests did it, whichever side is home */
	struct ih_finding *f = ih_finding_new("large_payload", sev, conf, &p->client, p->first_ns, p->last_ns);
	if (!f)
		return;
	ih_finding_set_dst_addr(f, &p->server);
	if (sev >= IH_SEV_LOW) {
		ih_finding_add_mitre(f, "T1095");
		if (big_nt >= cfg->large_min_count && v.kind == IH_PK_DATA)
			ih_finding_add_mitre(f, "T1048");
	}
	json_t *ev = f->evidence;
	json_object_set_new(ev, "threshold_bytes", json_integer(cfg->track.large_payload));
	json_object_set_new(ev, "large_requests", json_integer(big));
	json_object_set_new(ev, "large_nontemplate", json_integer(big_nt));
	json_object_set_new(ev, "large_fragmented", json_integer(big_frag));
	json_object_set_new(ev, "df_set_requests", json_integer(p->df_probes));
	json_object_set_new(ev, "mean_gap_s", json_real(ih_round3((double)gap_ns / 1e9)));
	json_object_set_new(ev, "judged", json_string(why));
	ih_pview_evidence(&v, ev);

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	ih_finding_summary(f, "%s sent %u ICMP requests over %u payload bytes (up to %u) to %s: %s",
			   ih_pview_addr(&p->client, a, sizeof(a)), big, cfg->track.large_payload, p->psize_max,
			   ih_pview_addr(&p->server, b, sizeof(b)), why);
	l->findings++;
	ih_findings_add(d->out, f);
}

static void large_add_stats(struct ih_detector *d, json_t *stats)
{
	struct large *l = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "findings", json_integer((json_int_t)l->findings));
	json_object_set_new(o, "judged_tests", json_integer((json_int_t)l->benign));
	json_object_set_new(stats, "large_payload", o);
}

static size_t large_memory(struct ih_detector *d)
{
	(void)d;
	return sizeof(struct large);
}

static void large_destroy(struct ih_detector *d)
{
	free(d->state);
}

struct ih_detector *ih_detector_large_payload(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct large *l = calloc(1, sizeof(*l));
	if (!d || !l) {
		free(d);
		free(l);
		return NULL;
	}
	l->cfg = cfg;
	d->name = "large_payload";
	d->state = l;
	d->cfg = cfg;
	d->out = out;
	d->on_pair_end = large_on_pair_end;
	d->add_stats = large_add_stats;
	d->memory = large_memory;
	d->destroy = large_destroy;
	return d;
}

/* persistent.c — echo that goes on long after the destination has answered.
 *
 * A troubleshooting ping stops once the host answers; discovery probes a host once. A
 * conversation that keeps sending requests for persist_min_s (60 s) and persist_min_probes
 * (20) requests after the first answer is persistent, per pair record, when it ends. By
 * itself that is ordinary (a ping left running, a monitoring check): an info finding when the
 * peer is outside the home networks, nothing inside them (a sensor would list every
 * monitoring check).
 * It becomes a claim only when the payload is not a ping tool's default and something else
 * joins it:
 *
 *   payload custom or data, and (outside peer or very long: persist_long_s, 1 h)  low
 *   payload data, outside peer and very long                                       medium
 *
 * Ordinary payloads stay info however long they run; configured monitoring hosts and
 * traceroute/mtr (varying TTL) get nothing. The evidence says how long the requests went on
 * after the last answer (the seed's "ICMP traffic continues after successful replies").
 *
 * ATT&CK: T1095 Non-Application Layer Protocol (when low or above). */
#include <stdlib.h>

#include "detect/covert.h"
#include "detect/detector.h"

struct persistent {
	const struct ih_config *cfg;
	uint64_t findings;
};

static void persistent_on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct persistent *ps = d->state;
	const struct ih_config *cfg = ps->cfg;
	if (!p->answers || p->probes_after_answer < cfg->persist_min_probes)
		return;
	uint64_t span = p->last_probe_ns - p->first_probe_ns;
	if (span < cfg->persist_min_ns)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	if (v.monitor || v.traceroute_like || v.reverse)
		return;
	/* ordinary pings inside the home networks (monitoring, a ping left running) are not even
	 * worth an info line: a sensor would list thousands */
	if (v.kind == IH_PK_ORDINARY && !v.peer_external)
		return;
	bool very_long = span >= cfg->persist_long_ns;
	enum ih_sev sev = IH_SEV_INFO;
	if (v.kind != IH_PK_ORDINARY && (v.peer_external || very_long))
		sev = IH_SEV_LOW;
	if (v.kind == IH_PK_DATA && v.peer_external && very_long)
		sev = IH_SEV_MEDIUM;
	double conf = sev >= IH_SEV_LOW ? 0.6 + (v.kind == IH_PK_DATA ? 0.1 : 0) + (very_long ? 0.1 : 0) : 0.5;

	struct ih_finding *f = ih_finding_new("persistent_echo", sev, conf, v.inside, p->first_ns, p->last_ns);
	if (!f)
		return;
	ih_finding_set_dst_addr(f, v.peer);
	if (sev >= IH_SEV_LOW)
		ih_finding_add_mitre(f, "T1095");
	json_t *ev = f->evidence;
	double span_s = (double)span / 1e9;
	json_object_set_new(ev, "duration_s", json_real(ih_round3(span_s)));
	json_object_set_new(ev, "requests_after_first_answer", json_integer(p->probes_after_answer));
	json_object_set_new(ev, "first_answer_after_s",
			    json_real(ih_round3((double)(p->first_answer_ns - p->first_probe_ns) / 1e9)));
	json_object_set_new(ev, "requests_after_last_answer", json_integer(p->probes_since_answer));
	if (p->last_probe_ns > p->last_answer_ns)
		json_object_set_new(ev, "requests_went_on_after_last_answer_s",
				    json_real(ih_round3((double)(p->last_probe_ns - p->last_answer_ns) / 1e9)));
	json_object_set_new(ev, "rate_per_min", json_real(ih_round3(span_s > 0 ? p->probes * 60.0 / span_s : 0)));
	json_object_set_new(ev, "very_long", json_boolean(very_long));
	ih_pview_evidence(&v, ev);

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	ih_finding_summary(f, "%s kept sending ICMP echo with %s payloads to %s for %.0f s (%u requests after it first answered%s)",
			   ih_pview_addr(v.inside, a, sizeof(a)), ih_pkind_name(v.kind),
			   ih_pview_addr(v.peer, b, sizeof(b)), span_s, p->probes_after_answer,
			   p->probes_since_answer >= cfg->persist_min_probes / 2 && p->probes_since_answer
				   ? ", and on after it stopped answering" : "");
	ps->findings++;
	ih_findings_add(d->out, f);
}

static void persistent_add_stats(struct ih_detector *d, json_t *stats)
{
	struct persistent *ps = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "findings", json_integer((json_int_t)ps->findings));
	json_object_set_new(stats, "persistent_echo", o);
}

static size_t persistent_memory(struct ih_detector *d)
{
	(void)d;
	return sizeof(struct persistent);
}

static void persistent_destroy(struct ih_detector *d)
{
	free(d->state);
}

struct ih_detector *ih_detector_persistent(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct persistent *ps = calloc(1, sizeof(*ps));
	if (!d || !ps) {
		free(d);
		free(ps);
		return NULL;
	}
	ps->cfg = cfg;
	d->name = "persistent_echo";
	d->state = ps;
	d->cfg = cfg;
	d->out = out;
	d->on_pair_end = persistent_on_pair_end;
	d->add_stats = persistent_add_stats;
	d->memory = persistent_memory;
	d->destroy = persistent_destroy;
	return d;
}

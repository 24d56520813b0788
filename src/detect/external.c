/* external.c — ICMP requests from a home host to a destination outside the home networks.
 *
 * The home networks are cfg->home (default RFC 1918, 100.64.0.0/10, link-local, loopback,
 * multicast, fc00::/7; settable with --set home=...). Pinging the outside is ordinary, so
 * every such pair gets an info finding (an inventory of who talks ICMP to whom outside),
 * unless other signals join it:
 *
 *   strong: payloads that carry data (vary, match no tool); answers that do not echo the
 *           requests or come without one; a tunnel tool's structure
 *   weak:   a custom payload (ping -p, a fixed odd payload) kept up for beacon_min_events
 *           requests or more; large_min_count large payloads that match no tool
 *
 * one strong or two weak signals make it low, two strong medium. Evaluated per pair record
 * when it ends. ATT&CK: T1095 when low or above.
 *
 * With history (the store), the destination's past is asked once per pair: the evidence says
 * "first_seen_destination" (true: this home host never sent ICMP requests to it in any earlier
 * recording; false, with when it first did). A new destination is one more weak signal, but only
 * next to another signal: on its own it never raises an inventory line above info (every
 * destination is new once). */
#include <stdlib.h>

#include "core/history.h"
#include "detect/covert.h"
#include "detect/detector.h"

struct external {
	const struct ih_config *cfg;
	uint64_t findings;
};

static void external_on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct external *x = d->state;
	const struct ih_config *cfg = x->cfg;
	/* cheap tests first: this runs for every pair that ends (a spoofed flood ends one per
	 * packet) */
	if (!p->probes || ih_is_home(cfg, &p->server) || !ih_is_home(cfg, &p->client))
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	if (v.reverse || !v.inside_home || !v.peer_external)
		return;
	json_t *sig = json_array();
	unsigned strong = 0, weak = 0;
	if (v.kind == IH_PK_DATA) {
		strong++;
		json_array_append_new(sig, json_string("data_payloads"));
	}
	uint32_t paired = p->reply_matched + p->reply_mismatch;
	if ((p->reply_mismatch >= 2 && p->reply_mismatch * 5 >= paired) ||
	    (p->reply_unpaired >= 3 && p->reply_unpaired * 5 >= p->answers)) {
		strong++;
		json_array_append_new(sig, json_string("answers_not_echoes"));
	}
	if (v.tool != IH_TOOL_NONE && v.tool_hits >= 2) {
		strong++;
		json_array_append_new(sig, json_string("tunnel_tool"));
	}
	if (v.kind == IH_PK_CUSTOM && p->probes >= cfg->beacon_min_events) {
		weak++;
		json_array_append_new(sig, json_string("custom_payload_sustained"));
	}
	if (p->big_nontpl >= cfg->large_min_count) {
		weak++;
		json_array_append_new(sig, json_string("large_payloads"));
	}
	int seen = -1;
	uint64_t seen_first = 0;
	const struct ih_history *hist = cfg->history;
	if (hist && hist->peer_seen)
		seen = hist->peer_seen(hist->ctx, v.inside, v.peer, p->first_ns, &seen_first);
	if (seen == 0 && (strong || weak)) {
		weak++;
		json_array_append_new(sig, json_string("first_seen_destination"));
	}
	enum ih_sev sev = IH_SEV_INFO;
	if (strong >= 2)
		sev = IH_SEV_MEDIUM;
	else if (strong || weak >= 2)
		sev = IH_SEV_LOW;
	double conf = sev >= IH_SEV_LOW ? 0.5 + 0.15 * strong + 0.05 * weak : 0.9;
	if (conf > 0.95)
		conf = 0.95;

	struct ih_finding *f = ih_finding_new("external_icmp", sev, conf, v.inside, p->first_ns, p->last_ns);
	if (!f) {
		json_decref(sig);
		return;
	}
	ih_finding_set_dst_addr(f, v.peer);
	if (sev >= IH_SEV_LOW)
		ih_finding_add_mitre(f, "T1095");
	json_t *ev = f->evidence;
	json_object_set_new(ev, "signals", sig);
	json_object_set_new(ev, "bytes_out", json_integer((json_int_t)p->bytes_out));
	json_object_set_new(ev, "bytes_in", json_integer((json_int_t)p->bytes_in));
	json_object_set_new(ev, "duration_s", json_real(ih_round3((double)(p->last_ns - p->first_ns) / 1e9)));
	if (seen >= 0)
		json_object_set_new(ev, "first_seen_destination", json_boolean(seen == 0));
	if (seen == 1) {
		char t[40];
		json_object_set_new(ev, "destination_first_seen", json_string(ih_time_str(seen_first, t, sizeof(t))));
	}
	ih_pview_evidence(&v, ev);

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	ih_finding_summary(f, "%s sent %u ICMP requests (%s payloads) to %s outside the home networks%s",
			   ih_pview_addr(v.inside, a, sizeof(a)), p->probes, ih_pkind_name(v.kind),
			   ih_pview_addr(v.peer, b, sizeof(b)),
			   sev >= IH_SEV_LOW ? ", with other signs of a covert channel" : "");
	x->findings++;
	ih_findings_add(d->out, f);
}

static void external_add_stats(struct ih_detector *d, json_t *stats)
{
	struct external *x = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "findings", json_integer((json_int_t)x->findings));
	json_object_set_new(stats, "external_icmp", o);
}

static size_t external_memory(struct ih_detector *d)
{
	(void)d;
	return sizeof(struct external);
}

static void external_destroy(struct ih_detector *d)
{
	free(d->state);
}

struct ih_detector *ih_detector_external(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct external *x = calloc(1, sizeof(*x));
	if (!d || !x) {
		free(d);
		free(x);
		return NULL;
	}
	x->cfg = cfg;
	d->name = "external_icmp";
	d->state = x;
	d->cfg = cfg;
	d->out = out;
	d->on_pair_end = external_on_pair_end;
	d->add_stats = external_add_stats;
	d->memory = external_memory;
	d->destroy = external_destroy;
	return d;
}

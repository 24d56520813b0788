/* tunnel.c — data carried inside ICMP echo: a conversation whose payloads are not what any
 * ordinary ping tool sends, and that behaves like a channel rather than like a ping.
 *
 * Evaluated once per pair record when it ends (idle expiry, eviction, or the end of input).
 * A pair is scored only when it carries at least tunnel_min_packets payloads that match no
 * ordinary tool's template (in either direction); then each indicator adds points:
 *
 *   replies differ      3  answers whose data is not the request's (a kernel always echoes:
 *                          a program is answering), at least 2 and 20% of paired answers
 *   unsolicited replies 2  answers no request was seen for, at least 3 and 20% of answers
 *   varied payloads     1  at least 4 distinct payloads, on half the data packets or more
 *   random content      1  most data payloads as random as random bytes (encrypted)
 *   common prefix       2  the same 4 leading bytes (not one repeated byte) on 80% or more of
 *                          the varied non-template payloads: a protocol header
 *   unanswered          1  8 or more requests, at most a quarter answered, carrying data
 *   volume              1  tunnel_volume_bytes of distinct non-template payload out, plus the
 *                          answers that are not echoes (2 at 16 times that)
 *   tool                2  a known tunnel tool's structure on 2 or more payloads
 *   external peer       1  the peer is outside the home networks
 *   id/seq irregular    1  the echo id changes on a quarter of the requests or more, or the
 *                          sequence does not step by one on half of them (ordinary ping keeps
 *                          one id and counts up)
 *   many sizes          1  4 or more payload sizes
 *
 * Severity: low from tunnel_low_score (4), medium from 6, high from 9. The tool is named when
 * recognised, never required: ptunnel-ng with its own magic and a password scores on its
 * structure-free signs alone (varied, prefix, replies, peer).
 *
 * ATT&CK: T1095 Non-Application Layer Protocol, T1572 Protocol Tunneling. */
#include <stdio.h>
#include <stdlib.h>

#include "detect/covert.h"
#include "detect/detector.h"

struct tunnel {
	const struct ih_config *cfg;
	uint64_t evaluated, findings;
};

/* Scores a pair; writes the indicators hit into `ind` (may be NULL). */
static unsigned score_pair(const struct ih_config *cfg, const struct ih_pview *v, json_t *ind)
{
	const struct ih_pair *p = v->p;
	unsigned s = 0;
#define HIT(pts, name)                                                                           \
	do {                                                                                     \
		s += (pts);                                                                      \
		if (ind)                                                                         \
			json_array_append_new(ind, json_string(name));                          \
	} while (0)

	uint32_t paired = p->reply_matched + p->reply_mismatch;
	if (p->reply_mismatch >= 2 && p->reply_mismatch * 5 >= paired)
		HIT(3, "replies_differ_from_requests");
	if (p->reply_unpaired >= 3 && p->reply_unpaired * 5 >= p->answers)
		HIT(2, "replies_without_requests");
	if (v->distinct >= 4.0 && v->distinct * 2 >= v->data_pkts)
		HIT(1, "varied_payloads");
	if (v->data_pkts && v->pclass[IH_PC_RANDOM] * 2 > v->data_pkts)
		HIT(1, "random_content");
	uint32_t nontpl = p->nontpl_out + p->nontpl_in;
	uint8_t m0 = (uint8_t)(p->magic >> 24);
	bool trivial = m0 == (uint8_t)(p->magic >> 16) && m0 == (uint8_t)(p->magic >> 8) &&
		       m0 == (uint8_t)p->magic;
	if (p->preview_len >= 4 && !trivial && p->magic_hits >= 4 && p->magic_hits * 5 >= nontpl * 4 &&
	    v->distinct >= 4.0)
		HIT(2, "common_prefix");
	if (p->probes >= 8 && p->answers * 4 <= p->probes && v->data_pkts)
		HIT(1, "requests_unanswered");
	/* distinct data out (a repeated payload carries nothing new) and the answers that are not
	 * echoes; echoed answers are not counted twice */
	uint64_t bytes = v->leaked + v->data_bytes_back;
	if (bytes >= cfg->tunnel_volume_bytes * 16)
		HIT(2, "volume");
	else if (bytes >= cfg->tunnel_volume_bytes)
		HIT(1, "volume");
	if (v->tool != IH_TOOL_NONE && v->tool_hits >= 2)
		HIT(2, "tool_structure");
	if (v->peer_external)
		HIT(1, "external_peer");
	if (p->probes >= 8) {
		uint32_t steps = p->probes - 1;
		if (p->id_changes * 4 >= steps || p->seq_steps_one * 2 < steps)
			HIT(1, "id_seq_irregular");
	}
	if (p->distinct_sizes >= 4)
		HIT(1, "many_sizes");
#undef HIT
	return s;
}

static void tunnel_on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct tunnel *t = d->state;
	const struct ih_config *cfg = t->cfg;
	uint32_t nontpl = p->nontpl_out + p->nontpl_in;
	if (nontpl < cfg->tunnel_min_packets)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	/* the data must be the inside host's doing: requests it sends, or (reverse) its answers,
	 * or answers that do not echo its requests */
	if (v.data_pkts + v.data_pkts_back < cfg->tunnel_min_packets)
		return;
	t->evaluated++;
	json_t *ind = json_array();
	unsigned score = score_pair(cfg, &v, ind);
	if (score < cfg->tunnel_low_score) {
		json_decref(ind);
		return;
	}
	enum ih_sev sev = IH_SEV_LOW;
	if (score >= cfg->tunnel_high_score)
		sev = IH_SEV_HIGH;
	else if (score >= cfg->tunnel_medium_score)
		sev = IH_SEV_MEDIUM;
	double conf = 0.4 + 0.06 * score;
	if (conf > 0.99)
		conf = 0.99;

	struct ih_finding *f = ih_finding_new("tunnel", sev, conf, v.inside, p->first_ns, p->last_ns);
	if (!f) {
		json_decref(ind);
		return;
	}
	ih_finding_set_dst_addr(f, v.peer);
	ih_finding_add_mitre(f, "T1095");
	ih_finding_add_mitre(f, "T1572");
	json_t *ev = f->evidence;
	json_object_set_new(ev, "score", json_integer(score));
	json_object_set_new(ev, "indicators", ind);
	ih_pview_evidence(&v, ev);
	if (p->preview_len >= 4) {
		char hex[16];
		snprintf(hex, sizeof(hex), "0x%08x", p->magic);
		json_object_set_new(ev, "common_prefix", json_string(hex));
		json_object_set_new(ev, "common_prefix_packets", json_integer(p->magic_hits));
	}
	json_object_set_new(ev, "nontemplate_bytes_out", json_integer((json_int_t)p->nontpl_bytes_out));
	json_object_set_new(ev, "nontemplate_bytes_in", json_integer((json_int_t)p->nontpl_bytes_in));
	json_object_set_new(ev, "echo_id_changes", json_integer(p->id_changes));
	json_object_set_new(ev, "seq_steps_of_one", json_integer(p->seq_steps_one));
	json_object_set_new(ev, "duration_s", json_real(ih_round3((double)(p->last_ns - p->first_ns) / 1e9)));

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	char tool[48] = "";
	if (v.tool != IH_TOOL_NONE && v.tool_hits >= 2)
		snprintf(tool, sizeof(tool), " (%s)", ih_tool_name(v.tool));
	ih_finding_summary(f, "%s carried %llu bytes out and %llu back in ICMP echo payloads that no ping tool sends, to %s%s%s",
			   ih_pview_addr(v.inside, a, sizeof(a)), (unsigned long long)v.data_bytes,
			   (unsigned long long)v.data_bytes_back, ih_pview_addr(v.peer, b, sizeof(b)),
			   v.peer_external ? " outside the home networks" : "", tool);
	t->findings++;
	ih_findings_add(d->out, f);
}

static void tunnel_add_stats(struct ih_detector *d, json_t *stats)
{
	struct tunnel *t = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "pairs_scored", json_integer((json_int_t)t->evaluated));
	json_object_set_new(o, "findings", json_integer((json_int_t)t->findings));
	json_object_set_new(stats, "tunnel", o);
}

static size_t tunnel_memory(struct ih_detector *d)
{
	(void)d;
	return sizeof(struct tunnel);
}

static void tunnel_destroy(struct ih_detector *d)
{
	free(d->state);
}

struct ih_detector *ih_detector_tunnel(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct tunnel *t = calloc(1, sizeof(*t));
	if (!d || !t) {
		free(d);
		free(t);
		return NULL;
	}
	t->cfg = cfg;
	d->name = "tunnel";
	d->state = t;
	d->cfg = cfg;
	d->out = out;
	d->on_pair_end = tunnel_on_pair_end;
	d->add_stats = tunnel_add_stats;
	d->memory = tunnel_memory;
	d->destroy = tunnel_destroy;
	return d;
}

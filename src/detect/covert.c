/* covert.c — the shared reading of a pair record (see covert.h). */
#include "detect/covert.h"
#include "detect/detector.h"

#include <string.h>

const char *ih_pkind_name(enum ih_pkind k)
{
	switch (k) {
	case IH_PK_ORDINARY: return "ordinary";
	case IH_PK_CUSTOM: return "custom";
	case IH_PK_DATA: return "data";
	}
	return "?";
}

const char *ih_pview_addr(const struct ih_addr *a, char *buf, size_t len)
{
	return ih_addr_str(a, buf, len);
}

/* Distinct payloads: exact while the pair's first-seen set held them all, else the bitmap's
 * linear-counting estimate (never above the number of payloads). */
static double distinct_of(uint32_t exact, bool exact_valid, uint32_t bits, uint32_t n)
{
	if (exact_valid)
		return exact;
	double e = ih_seen_estimate(bits, n);
	return e > n ? n : e;
}

/* Bytes of distinct payloads: the bytes of those that set a new bit, scaled up for payloads
 * whose bit was already set by another (the estimate over the bits set). */
static uint64_t leaked_of(uint64_t new_bytes, uint32_t bits, double distinct, uint64_t cap)
{
	if (!bits)
		return 0;
	double f = distinct / bits;
	if (f < 1.0)
		f = 1.0;
	double b = (double)new_bytes * f;
	return b > (double)cap ? cap : (uint64_t)b;
}

void ih_pview_init(struct ih_pview *v, const struct ih_pair *p, const struct ih_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->p = p;
	bool client_home = ih_is_home(cfg, &p->client);
	bool server_home = ih_is_home(cfg, &p->server);
	v->reverse = !client_home && server_home;
	v->inside = v->reverse ? &p->server : &p->client;
	v->peer = v->reverse ? &p->client : &p->server;
	v->inside_home = v->reverse ? server_home : client_home;
	v->peer_external = !(v->reverse ? client_home : server_home);
	v->monitor = ih_config_is_monitor(cfg, &p->client);
	v->traceroute_like = p->probes >= 2 && p->ttl_max >= p->ttl_min + 2 && p->ttl_changes >= 2;
	v->probes = p->probes;
	v->answers = p->answers;
	v->unanswered = p->probes > p->answers ? p->probes - p->answers : 0;
	v->span_s = p->probes >= 2 ? (double)(p->last_probe_ns - p->first_probe_ns) / 1e9 : 0.0;
	v->tool = (enum ih_tool)p->tool;
	v->tool_hits = p->tool_hits;

	uint32_t best = 0;
	v->top_tpl = IH_TPL_NONE;
	for (unsigned t = 0; t < IH_TPL_COUNT; t++) {
		uint32_t n = p->tpl_hits[t];
		if (n > best) {
			best = n;
			v->top_tpl = (enum ih_tpl)t;
		}
		if (t == IH_TPL_NONE)
			v->tpl_none += n;
		else if (t == IH_TPL_IPUTILS_PATTERN)
			v->tpl_pattern += n;
		else if (t == IH_TPL_UNKNOWN)
			v->tpl_unknown += n;
		else if (ih_tpl_is_default((enum ih_tpl)t))
			v->tpl_default += n;
	}

	/* Answers that are not echoes of a request: mismatched and unpaired ones. */
	uint32_t odd_answers = p->reply_mismatch + p->reply_unpaired;
	if (odd_answers > p->nontpl_in)
		odd_answers = p->nontpl_in;
	double odd_frac = p->nontpl_in ? (double)odd_answers / p->nontpl_in : 0.0;
	bool exact_out = p->distinct_payloads <= IH_PAIR_HASHES && p->nhashes == p->distinct_payloads;

	if (!v->reverse) {
		v->data_pkts = p->nontpl_out;
		v->data_bytes = p->nontpl_bytes_out;
		v->distinct = distinct_of(p->distinct_payloads, exact_out, p->seen_bits_out, p->nontpl_out);
		v->leaked = leaked_of(p->new_bytes_out, p->seen_bits_out, v->distinct, v->data_bytes);
		memcpy(v->pclass, p->pclass_out, sizeof(v->pclass));
		v->entropy_mean = p->entropy_n_out ? p->entropy_sum_out / p->entropy_n_out : -1.0;
		v->data_pkts_back = odd_answers;
		v->data_bytes_back = (uint64_t)((double)p->nontpl_bytes_in * odd_frac);
	} else {
		v->data_pkts = odd_answers;
		v->data_bytes = (uint64_t)((double)p->nontpl_bytes_in * odd_frac);
		double d = distinct_of(0, false, p->seen_bits_in, p->nontpl_in) * odd_frac;
		v->distinct = d;
		v->leaked = leaked_of((uint64_t)((double)p->new_bytes_in * odd_frac),
				      (uint32_t)(p->seen_bits_in * odd_frac + 0.5), d, v->data_bytes);
		for (unsigned c = 0; c < IH_PC_COUNT; c++)
			v->pclass[c] = (uint32_t)(p->pclass_in[c] * odd_frac + 0.5);
		v->entropy_mean = p->entropy_n_in ? p->entropy_sum_in / p->entropy_n_in : -1.0;
		v->data_pkts_back = p->nontpl_out;
		v->data_bytes_back = p->nontpl_bytes_out;
	}
	uint32_t cbest = 0;
	v->content = IH_PC_LOW;
	for (unsigned c = 0; c < IH_PC_COUNT; c++)
		if (v->pclass[c] > cbest) {
			cbest = v->pclass[c];
			v->content = (enum ih_pclass)c;
		}

	/* Data: payloads that match no tool, vary, and are not mostly padding, on a good part of
	 * the requests (or on four or more of them, however many ordinary ones surround them). */
	bool varied = v->data_pkts >= 2 && v->distinct >= 2.0 && v->pclass[IH_PC_LOW] * 2 < v->data_pkts;
	if (varied && (v->data_pkts >= 4 || v->data_pkts * 2 >= v->probes))
		v->kind = IH_PK_DATA;
	else if (v->probes && (uint64_t)(v->tpl_pattern + v->tpl_none) * 2 >= v->probes)
		v->kind = IH_PK_CUSTOM;
	else if (v->reverse && v->data_pkts)
		v->kind = IH_PK_CUSTOM;
	else
		v->kind = IH_PK_ORDINARY;
}

void ih_pview_evidence(const struct ih_pview *v, json_t *ev)
{
	const struct ih_pair *p = v->p;
	json_object_set_new(ev, "requests", json_integer(p->probes));
	json_object_set_new(ev, "answers", json_integer(p->answers));
	json_object_set_new(ev, "payload", json_string(ih_pkind_name(v->kind)));
	json_t *tpl = json_object();
	for (unsigned t = 0; t < IH_TPL_COUNT; t++)
		if (p->tpl_hits[t])
			json_object_set_new(tpl, ih_tpl_name((enum ih_tpl)t), json_integer(p->tpl_hits[t]));
	json_object_set_new(ev, "request_templates", tpl);
	if (p->probes) {
		json_object_set_new(ev, "payload_bytes_min", json_integer(p->psize_min));
		json_object_set_new(ev, "payload_bytes_max", json_integer(p->psize_max));
		json_object_set_new(ev, "payload_sizes", json_integer(p->distinct_sizes));
	}
	json_object_set_new(ev, "peer_external", json_boolean(v->peer_external));
	if (v->reverse)
		json_object_set_new(ev, "direction", json_string("answers from the inside host"));
	if (v->data_pkts) {
		json_object_set_new(ev, "data_packets", json_integer(v->data_pkts));
		json_object_set_new(ev, "data_bytes", json_integer((json_int_t)v->data_bytes));
		json_object_set_new(ev, "distinct_payloads_est", json_real(ih_round3(v->distinct)));
		json_object_set_new(ev, "content", json_string(ih_pclass_name(v->content)));
		json_t *cc = json_object();
		for (unsigned c = 0; c < IH_PC_COUNT; c++)
			if (v->pclass[c])
				json_object_set_new(cc, ih_pclass_name((enum ih_pclass)c), json_integer(v->pclass[c]));
		json_object_set_new(ev, "content_classes", cc);
		if (v->entropy_mean >= 0)
			json_object_set_new(ev, "entropy_mean", json_real(ih_round3(v->entropy_mean)));
	}
	if (p->reply_matched || p->reply_mismatch || p->reply_unpaired) {
		json_object_set_new(ev, "replies_echoing", json_integer(p->reply_matched));
		json_object_set_new(ev, "replies_differing", json_integer(p->reply_mismatch));
		json_object_set_new(ev, "replies_unsolicited", json_integer(p->reply_unpaired));
	}
	if (v->tool != IH_TOOL_NONE) {
		json_object_set_new(ev, "tool", json_string(ih_tool_name(v->tool)));
		json_object_set_new(ev, "tool_packets", json_integer(v->tool_hits));
	}
}

/* exfil.c — data leaving a host inside ICMP payloads, and how much.
 *
 * Per pair record, when it ends: the bytes the inside host sent out in payloads that match no
 * ordinary tool's template (its requests; or, when an outside host asks and the inside host
 * answers with data of its own, those answers). Retransmissions and repeats do not count
 * twice: the estimate of data leaked is the bytes of distinct payloads (exact over the first
 * 16 fingerprints, then a 512-bit linear-counting bitmap per pair).
 *
 * A finding needs exfil_min_distinct distinct payloads, content that is not mostly padding
 * (timestamps and zeros vary too, but carry nothing) and exfil_min_bytes (16 KiB) leaked; or,
 * to a peer outside the home networks with text or base64/hex content in chunks of
 * exfil_file_min_payload (32) bytes or more on average, exfil_min_bytes_file (1 KiB): a small
 * file (hping3 -E /etc/passwd -d 100) is what an intruder sends first, and a ping tool's fill
 * of timestamps and counters classifies as binary or padding, never as text;
 * severity low, medium from exfil_medium_bytes (256 KiB), high from exfil_high_bytes (4 MiB),
 * one level more when the peer is outside the home networks. The content class says what the
 * data looks like: text, encoded (base64/hex), binary or random (encrypted or compressed).
 *
 * Data can also ride in the echo header instead of the payload, two bytes a field a request
 * (covert identifier channels; see exfil_header): exfil_header_min_requests requests whose
 * identifier or sequence varies as no ping tool's does, reported with those bytes; and in the
 * timestamps of timestamp requests that follow no sender's clock, four to twelve bytes each.
 *
 * ATT&CK: T1048 Exfiltration Over Alternative Protocol, T1048.003 (unencrypted non-C2). */
#include <stdlib.h>

#include "detect/covert.h"
#include "detect/detector.h"

struct exfil {
	const struct ih_config *cfg;
	uint64_t findings;
	uint64_t bytes_leaked; /* sum over findings */
};

static const char *content_words(enum ih_pclass c)
{
	switch (c) {
	case IH_PC_TEXT: return "text";
	case IH_PC_ENCODED: return "base64/hex-encoded data";
	case IH_PC_RANDOM: return "random-looking (encrypted or compressed) data";
	case IH_PC_BINARY: return "binary data";
	default: return "low-entropy data";
	}
}

/* Severity by the bytes leaked, one level more from inside the home networks to outside. */
static enum ih_sev leak_severity(const struct ih_config *cfg, uint64_t leaked, bool external)
{
	enum ih_sev sev = IH_SEV_LOW;
	if (leaked >= cfg->exfil_high_bytes)
		sev = IH_SEV_HIGH;
	else if (leaked >= cfg->exfil_medium_bytes)
		sev = IH_SEV_MEDIUM;
	return external ? ih_sev_up(sev, 1, IH_SEV_HIGH) : sev;
}

/* A new exfiltration finding from src to dst over the pair's time, with its techniques. */
static struct ih_finding *exfil_finding(enum ih_sev sev, double conf, const struct ih_addr *src,
					const struct ih_addr *dst, const struct ih_pair *p)
{
	struct ih_finding *f = ih_finding_new("exfiltration", sev, conf, src, p->first_ns, p->last_ns);
	if (!f)
		return NULL;
	ih_finding_set_dst_addr(f, dst);
	ih_finding_add_mitre(f, "T1048");
	ih_finding_add_mitre(f, "T1048.003");
	return f;
}

/* Data in ping -p fills: iputils, BSD and BusyBox ping repeat a user's pattern of up to 16
 * bytes through the payload, so a script can send a file 16 bytes a time (ping -c 1 -p HEX per
 * chunk). One pattern, or a tester's handful (00, ff, aa, 55), is ordinary; dozens of distinct
 * patterns that change from one request to the next are data. The payloads match a template,
 * so the payload-based check below never sees them. */
static void exfil_patterns(struct exfil *x, struct ih_detector *d, const struct ih_pair *p)
{
	const struct ih_config *cfg = x->cfg;
	if (!cfg->exfil_min_patterns || p->pat_reqs < cfg->exfil_min_patterns ||
	    (uint64_t)p->pat_changes * 2 < p->pat_reqs)
		return;
	double distinct = ih_pattern_estimate(p);
	if (distinct + 0.5 < cfg->exfil_min_patterns)
		return;
	uint64_t leaked = (uint64_t)(distinct * (double)p->pat_len_sum / p->pat_reqs + 0.5);
	/* from inside the home networks to outside them: one level more, as for payload data;
	 * dozens of patterns make medium whatever their bytes */
	bool external = ih_is_home(cfg, &p->client) && !ih_is_home(cfg, &p->server);
	bool many = distinct + 0.5 >= cfg->exfil_medium_patterns;
	enum ih_sev sev = leak_severity(cfg, leaked, false);
	if (many && sev == IH_SEV_LOW)
		sev = IH_SEV_MEDIUM;
	if (external)
		sev = ih_sev_up(sev, 1, IH_SEV_HIGH);
	double conf = 0.7 + (external ? 0.1 : 0) + (many ? 0.1 : 0);

	struct ih_finding *f = exfil_finding(sev, conf, &p->client, &p->server, p);
	if (!f)
		return;
	json_t *ev = f->evidence;
	struct ih_pview v; /* the fields every covert-channel finding shares */
	ih_pview_init(&v, p, cfg);
	ih_pview_evidence(&v, ev);
	json_object_set_new(ev, "channel", json_string("ping_fill_pattern"));
	json_object_set_new(ev, "data_packets", json_integer(p->pat_reqs));
	json_object_set_new(ev, "data_bytes", json_integer((json_int_t)p->pat_len_sum));
	json_object_set_new(ev, "leaked_bytes_est", json_integer((json_int_t)leaked));
	json_object_set_new(ev, "content", json_string("ping -p fill"));
	json_object_set_new(ev, "pattern_requests", json_integer(p->pat_reqs));
	json_object_set_new(ev, "distinct_patterns_est", json_real(ih_round3(distinct)));
	json_object_set_new(ev, "pattern_changes", json_integer(p->pat_changes));
	json_object_set_new(ev, "mean_pattern_bytes", json_real(ih_round3((double)p->pat_len_sum / p->pat_reqs)));
	json_object_set_new(ev, "echo_id_changes", json_integer(p->id_changes));
	double span = (double)(p->last_ns - p->first_ns) / 1e9;
	json_object_set_new(ev, "duration_s", json_real(ih_round3(span)));
	json_object_set_new(ev, "carried_in", json_string("echo requests"));
	json_object_set_new(ev, "peer_external", json_boolean(external));

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	ih_finding_summary(f, "%s sent about %llu bytes to %s hidden in the fill pattern (ping -p) of %u ICMP echo requests: %.0f distinct patterns, changing with %u of them",
			   ih_addr_str(&p->client, a, sizeof(a)), (unsigned long long)leaked,
			   ih_addr_str(&p->server, b, sizeof(b)), p->pat_reqs, distinct, p->pat_changes);
	x->findings++;
	x->bytes_leaked += leaked;
	ih_findings_add(d->out, f);
}

/* Data in the echo header. A ping tool keeps one identifier per process and counts its
 * sequence up by one (fping's counter is shared by its hosts: a constant step per host); a
 * stream of one-shot processes (ping -c 1 in a loop, hping3 per packet) changes the identifier
 * and repeats the sequence. So an identifier that changes with every request while the
 * sequence does not repeat carries data, and so do sequence numbers that jump about on most
 * requests: more than 16 away from the one before, by a step more than 256 off the step
 * before (fping's per-host step grows only by the retries of a round). Each such field is two
 * bytes a request. The timestamps of timestamp requests carry data when three in four of them
 * are no sender's clock (the tracker's ts_request says which): four bytes a request in
 * originate, eight more where receive and transmit are used. Payload data, when there is
 * some, is the payload check's business. */
static void exfil_header(struct exfil *x, struct ih_detector *d, const struct ih_pair *p)
{
	const struct ih_config *cfg = x->cfg;
	uint32_t min = cfg->exfil_header_min_requests;
	if (!min || p->probes < min || p->probes < 2)
		return;
	uint64_t steps = p->probes - 1;
	bool id_data = (uint64_t)p->id_changes * 10 >= steps * 9 && (uint64_t)p->seq_repeats * 4 < steps;
	bool seq_data = (uint64_t)p->seq_jumps * 4 >= steps * 3;
	bool ts_data = p->ts_reqs >= min && (uint64_t)p->ts_odd * 4 >= (uint64_t)p->ts_reqs * 3;
	if (!id_data && !seq_data && !ts_data)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	if (v.kind == IH_PK_DATA || v.traceroute_like)
		return;
	uint64_t ts_bytes = ts_data ? (uint64_t)p->ts_odd * 4 + (uint64_t)p->ts_odd_rxtx * 8 : 0;
	uint64_t bytes = (uint64_t)p->probes * ((id_data ? 2u : 0u) + (seq_data ? 2u : 0u));
	bytes += ts_bytes;
	bool echo_fields = id_data || seq_data;
	bool external = ih_is_home(cfg, &p->client) && !ih_is_home(cfg, &p->server);
	enum ih_sev sev = leak_severity(cfg, bytes, external);
	unsigned nfields = (unsigned)id_data + (unsigned)seq_data + (unsigned)ts_data;
	double conf = 0.6 + (external ? 0.1 : 0) + (nfields > 1 ? 0.1 : 0);

	struct ih_finding *f = exfil_finding(sev, conf, &p->client, &p->server, p);
	if (!f)
		return;
	json_t *ev = f->evidence;
	ih_pview_evidence(&v, ev);
	json_object_set_new(ev, "channel", json_string(echo_fields ? "echo_header_fields" : "timestamp_fields"));
	json_t *fields = json_array();
	if (id_data)
		json_array_append_new(fields, json_string("identifier"));
	if (seq_data)
		json_array_append_new(fields, json_string("sequence"));
	if (ts_data)
		json_array_append_new(fields, json_string("timestamps"));
	json_object_set_new(ev, "header_fields", fields);
	json_object_set_new(ev, "data_packets", json_integer(echo_fields ? p->probes : p->ts_odd));
	json_object_set_new(ev, "data_bytes", json_integer((json_int_t)bytes));
	json_object_set_new(ev, "leaked_bytes_est", json_integer((json_int_t)bytes));
	json_object_set_new(ev, "echo_id_changes", json_integer(p->id_changes));
	json_object_set_new(ev, "seq_steps_of_one", json_integer(p->seq_steps_one));
	json_object_set_new(ev, "seq_repeats", json_integer(p->seq_repeats));
	json_object_set_new(ev, "seq_jumps", json_integer(p->seq_jumps));
	if (p->ts_reqs) {
		json_object_set_new(ev, "timestamp_requests", json_integer(p->ts_reqs));
		json_object_set_new(ev, "timestamp_requests_not_a_clock", json_integer(p->ts_odd));
		json_object_set_new(ev, "timestamp_requests_receive_transmit_set",
				    json_integer(p->ts_odd_rxtx));
	}
	double span = (double)(p->last_ns - p->first_ns) / 1e9;
	json_object_set_new(ev, "duration_s", json_real(ih_round3(span)));
	json_object_set_new(ev, "carried_in", json_string(echo_fields ? "echo requests" : "timestamp requests"));

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	const char *where = id_data && seq_data ? "echo identifier and sequence fields"
			    : id_data		? "echo identifier field"
			    : seq_data		? "echo sequence field"
						: "timestamp fields";
	if (ts_data && echo_fields)
		ih_finding_summary(f, "%s hid about %llu bytes in the %s and the timestamp fields of %u ICMP requests to %s (identifier changed %u times, sequence jumped %u times, %u of %u timestamps no clock)",
				   ih_addr_str(&p->client, a, sizeof(a)), (unsigned long long)bytes, where,
				   p->probes, ih_addr_str(&p->server, b, sizeof(b)), p->id_changes,
				   p->seq_jumps, p->ts_odd, p->ts_reqs);
	else if (ts_data)
		ih_finding_summary(f, "%s hid about %llu bytes in the %s of %u ICMP timestamp requests to %s (%u of them hold no sender's clock)",
				   ih_addr_str(&p->client, a, sizeof(a)), (unsigned long long)bytes, where,
				   p->ts_reqs, ih_addr_str(&p->server, b, sizeof(b)), p->ts_odd);
	else
		ih_finding_summary(f, "%s hid about %llu bytes in the %s of %u ICMP requests to %s (identifier changed %u times, sequence jumped %u times)",
				   ih_addr_str(&p->client, a, sizeof(a)), (unsigned long long)bytes, where,
				   p->probes, ih_addr_str(&p->server, b, sizeof(b)), p->id_changes, p->seq_jumps);
	x->findings++;
	x->bytes_leaked += bytes;
	ih_findings_add(d->out, f);
}

/* The bytes leaked that make a low finding: fewer for a file's worth of text or encoded data
 * going outside. */
static uint64_t exfil_threshold(const struct ih_config *cfg, const struct ih_pview *v)
{
	bool file_like = v->content == IH_PC_TEXT || v->content == IH_PC_ENCODED;
	if (cfg->exfil_min_bytes_file && v->peer_external && file_like && v->data_pkts &&
	    v->data_bytes / v->data_pkts >= cfg->exfil_file_min_payload &&
	    cfg->exfil_min_bytes_file < cfg->exfil_min_bytes)
		return cfg->exfil_min_bytes_file;
	return cfg->exfil_min_bytes;
}

static void exfil_on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct exfil *x = d->state;
	const struct ih_config *cfg = x->cfg;
	exfil_patterns(x, d, p);
	exfil_header(x, d, p);
	if (p->nontpl_out + p->nontpl_in < cfg->exfil_min_distinct)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, cfg);
	if (v.data_pkts < cfg->exfil_min_distinct || v.distinct < cfg->exfil_min_distinct)
		return;
	if (v.pclass[IH_PC_LOW] * 2 >= v.data_pkts)
		return; /* padding and timestamps vary, but carry nothing */
	if (v.leaked < exfil_threshold(cfg, &v))
		return;

	enum ih_sev sev = leak_severity(cfg, v.leaked, v.peer_external);
	double conf = 0.6 + (v.peer_external ? 0.1 : 0) + (v.leaked >= cfg->exfil_medium_bytes ? 0.1 : 0) +
		      (v.distinct * 2 >= v.data_pkts ? 0.1 : 0);

	struct ih_finding *f = exfil_finding(sev, conf, v.inside, v.peer, p);
	if (!f)
		return;
	json_t *ev = f->evidence;
	json_object_set_new(ev, "leaked_bytes_est", json_integer((json_int_t)v.leaked));
	json_object_set_new(ev, "bytes_out", json_integer((json_int_t)v.data_bytes));
	json_object_set_new(ev, "packets_out", json_integer(v.data_pkts));
	json_object_set_new(ev, "mean_payload_bytes",
			    json_integer(v.data_pkts ? (json_int_t)(v.data_bytes / v.data_pkts) : 0));
	double span = (double)(p->last_ns - p->first_ns) / 1e9;
	json_object_set_new(ev, "duration_s", json_real(ih_round3(span)));
	json_object_set_new(ev, "rate_bytes_per_s", json_real(ih_round3(span > 0 ? v.data_bytes / span : (double)v.data_bytes)));
	json_object_set_new(ev, "carried_in", json_string(v.reverse ? "echo replies" : "echo requests"));
	ih_pview_evidence(&v, ev);

	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	ih_finding_summary(f, "%s sent about %llu bytes of %s to %s in %u ICMP %s",
			   ih_pview_addr(v.inside, a, sizeof(a)), (unsigned long long)v.leaked,
			   content_words(v.content), ih_pview_addr(v.peer, b, sizeof(b)), v.data_pkts,
			   v.reverse ? "echo replies" : "echo requests");
	x->findings++;
	x->bytes_leaked += v.leaked;
	ih_findings_add(d->out, f);
}

static void exfil_add_stats(struct ih_detector *d, json_t *stats)
{
	struct exfil *x = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "findings", json_integer((json_int_t)x->findings));
	json_object_set_new(o, "leaked_bytes_est", json_integer((json_int_t)x->bytes_leaked));
	json_object_set_new(stats, "exfiltration", o);
}

static size_t exfil_memory(struct ih_detector *d)
{
	(void)d;
	return sizeof(struct exfil);
}

static void exfil_destroy(struct ih_detector *d)
{
	free(d->state);
}

struct ih_detector *ih_detector_exfil(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct exfil *x = calloc(1, sizeof(*x));
	if (!d || !x) {
		free(d);
		free(x);
		return NULL;
	}
	x->cfg = cfg;
	d->name = "exfiltration";
	d->state = x;
	d->cfg = cfg;
	d->out = out;
	d->on_pair_end = exfil_on_pair_end;
	d->add_stats = exfil_add_stats;
	d->memory = exfil_memory;
	d->destroy = exfil_destroy;
	return d;
}

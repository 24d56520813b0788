/* incident.c — from findings to incidents: grouping, scoring, ATT&CK, the playbook, the story.
 *
 * Grouping. Every finding belongs to one incident: the one of the host that did it (its src).
 * A flood from spoofed sources whose sender is unknown (src 0.0.0.0 or ::) belongs to its
 * victim instead (the incident's primary is then a target). The incident lists the hosts linked
 * to the primary — the peers of its conversations, the hosts it moved to after a sweep, a flood's
 * victim — and the ranges it swept; incidents that share hosts name each other in "related".
 *
 * Scoring. Each finding kind adds the points of its most severe finding (a table by kind and
 * severity, ih_incident_points); combinations add more (a sweep followed by lateral movement;
 * reconnaissance and a covert channel from the same host; a covert channel to the outside); a
 * configured monitoring host loses 30. The sum is clamped to 0..100. Verdict: malicious from
 * incident_malicious_score (60), suspicious from incident_suspicious_score (10: any finding of
 * severity low or above, which is a claim, unless something lowers the score), else benign;
 * an incident of informational findings only is benign whatever its score. Every addition and
 * subtraction is a reason in the output, so the number can be checked.
 *
 * Everything here reads the findings' JSON (kind, severity, dst, evidence), never the capture:
 * output is deterministic for a given list of findings. Strings are built in bounded buffers
 * (struct sbuf): a sentence that does not fit is cut, never overflows. */
#include "report/incident.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "report/mitre.h"

/* ------------------------------------------------------------------ bounded strings */

struct sbuf {
	char b[2048];
	size_t n;
};

static void sb_reset(struct sbuf *s)
{
	s->n = 0;
	s->b[0] = '\0';
}

static void sb_add(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *s, const char *fmt, ...)
{
	if (s->n >= sizeof(s->b) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(s->b + s->n, sizeof(s->b) - s->n, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	s->n += (size_t)w;
	if (s->n >= sizeof(s->b))
		s->n = sizeof(s->b) - 1;
}

static void reset3(struct sbuf *a, struct sbuf *b, struct sbuf *c)
{
	sb_reset(a);
	sb_reset(b);
	sb_reset(c);
}

/* Joins up to 8 phrases as "a, b and c". */
static void sb_join(struct sbuf *s, const char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_add(s, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", items[i]);
}

/* ------------------------------------------------------------------ reading findings */

static json_t *ev(const struct ih_finding *f, const char *k)
{
	return f ? json_object_get(f->evidence, k) : NULL;
}

static long long ev_int(const struct ih_finding *f, const char *k)
{
	json_t *v = ev(f, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

static double ev_num(const struct ih_finding *f, const char *k)
{
	return json_number_value(ev(f, k));
}

static const char *ev_str(const struct ih_finding *f, const char *k)
{
	const char *s = json_string_value(ev(f, k));
	return s ? s : "";
}

static const char *f_str(const struct ih_finding *f, const char *k)
{
	const char *s = json_string_value(json_object_get(f->obj, k));
	return s ? s : "";
}

static const char *f_id(const struct ih_finding *f)
{
	return f_str(f, "id");
}

/* "01:14:39" (UTC, to the second) */
static const char *hms(uint64_t ns, char *buf, size_t len)
{
	char t[40];
	ih_time_str(ns, t, sizeof(t));
	snprintf(buf, len, "%.8s", t + 11);
	return buf;
}

/* "2026-11-25 01:14:39 UTC" */
static const char *when(uint64_t ns, char *buf, size_t len)
{
	char t[40];
	ih_time_str(ns, t, sizeof(t));
	snprintf(buf, len, "%.10s %.8s UTC", t, t + 11);
	return buf;
}

static const char *plural(long long n)
{
	return n == 1 ? "" : "s";
}

/* ------------------------------------------------------------------ kinds and points */

enum kind {
	K_SWEEP, K_LATERAL, K_TUNNEL, K_EXFIL, K_BEACON, K_PERSIST, K_EXTERNAL, K_LARGE, K_VOLUME, K_PROCESS,
	K_OTHER, K_N
};

static const struct {
	const char *name;
	int points[IH_SEV_CRITICAL + 1]; /* info, low, medium, high, critical */
} kinds[K_N] = {
	[K_SWEEP] = { "sweep", { 0, 15, 20, 25, 30 } },
	[K_LATERAL] = { "lateral_movement", { 0, 20, 30, 35, 40 } },
	[K_TUNNEL] = { "tunnel", { 0, 20, 30, 40, 45 } },
	[K_EXFIL] = { "exfiltration", { 0, 20, 30, 35, 40 } },
	[K_BEACON] = { "beacon", { 0, 15, 20, 30, 35 } },
	[K_PERSIST] = { "persistent_echo", { 0, 10, 15, 20, 25 } },
	[K_EXTERNAL] = { "external_icmp", { 0, 10, 15, 20, 25 } },
	[K_LARGE] = { "large_payload", { 0, 10, 15, 20, 25 } },
	[K_VOLUME] = { "volume_anomaly", { 0, 15, 25, 35, 40 } },
	[K_PROCESS] = { "suspicious_process", { 0, 20, 30, 40, 45 } },
	[K_OTHER] = { NULL, { 0, 10, 20, 30, 40 } },
};

enum { BONUS_LATERAL = 15, BONUS_RECON_C2 = 15, BONUS_EXTERNAL_C2 = 10, BONUS_ENDPOINT = 15, MALUS_MONITOR = 30 };

static enum kind kind_of(const char *name)
{
	for (int k = 0; k < K_OTHER; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (enum kind)k;
	return K_OTHER;
}

int ih_incident_points(const char *kind, enum ih_sev sev)
{
	return kinds[kind_of(kind)].points[(unsigned)sev <= IH_SEV_CRITICAL ? sev : 0];
}

const char *ih_verdict_name(enum ih_verdict v)
{
	switch (v) {
	case IH_VERDICT_MALICIOUS: return "malicious";
	case IH_VERDICT_SUSPICIOUS: return "suspicious";
	default: return "benign";
	}
}

/* What one incident holds, read once: the most severe finding of each kind (the earliest on a
 * tie), counts, and the hosts involved. */
struct view {
	const struct ih_config *cfg;
	struct ih_incident *inc;
	char host[IH_ADDR_STRLEN];
	bool home, monitor;
	const struct ih_finding *top[K_N];
	unsigned count[K_N], claims_of[K_N];
	unsigned claims, infos;
	const struct ih_finding *covert;  /* the most telling covert-channel finding (its peer) */
	json_t *hosts, *ranges;           /* sorted string arrays */
	unsigned hosts_not_listed;
};

static bool is_covert(enum kind k)
{
	return k == K_TUNNEL || k == K_EXFIL || k == K_BEACON;
}

static bool claims(const struct view *v, enum kind k)
{
	return v->top[k] && v->top[k]->severity >= IH_SEV_LOW;
}

static bool dst_external(const struct view *v, const struct ih_finding *f)
{
	struct ih_addr a;
	if (!ih_addr_parse(f->dst_key, &a))
		return false;
	return !ih_config_is_home(v->cfg, &a);
}

/* ------------------------------------------------------------------ hosts */

#define LIST_HOSTS 64

static int cmp_addr_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	struct ih_addr ax, ay;
	bool px = ih_addr_parse(x, &ax), py = ih_addr_parse(y, &ay);
	if (px && py)
		return ih_addr_cmp(&ax, &ay);
	return strcmp(x, y);
}

static void sort_strings(json_t *arr)
{
	size_t n = json_array_size(arr);
	if (n < 2)
		return;
	const char **v = malloc(n * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_addr_str);
	json_t *tmp = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(tmp, json_string(v[i]));
	free(v);
	json_array_clear(arr);
	json_array_extend(arr, tmp);
	json_decref(tmp);
}

static void add_host(struct view *v, const char *s)
{
	struct ih_addr a;
	if (!s || !ih_addr_parse(s, &a))
		return;
	if (json_array_size(v->hosts) >= LIST_HOSTS) {
		size_t i;
		json_t *x;
		json_array_foreach(v->hosts, i, x)
			if (strcmp(json_string_value(x), s) == 0)
				return;
		v->hosts_not_listed++;
		return;
	}
	ih_json_add_unique(v->hosts, s);
}

static void collect_hosts(struct view *v)
{
	v->hosts = json_array();
	v->ranges = json_array();
	add_host(v, v->host);
	for (size_t i = 0; i < v->inc->nf; i++) {
		const struct ih_finding *f = v->inc->f[i];
		enum kind k = kind_of(f->kind);
		if (k == K_SWEEP) {
			ih_json_add_unique(v->ranges, f->dst_key);
			continue;
		}
		if (k == K_LATERAL) {
			size_t j;
			json_t *h;
			json_array_foreach(ev(f, "hosts"), j, h)
				add_host(v, json_string_value(json_object_get(h, "addr")));
			if (!strchr(f->dst_key, '/'))
				add_host(v, f->dst_key);
			continue;
		}
		add_host(v, f->dst_key);
		if (v->inc->primary_target) /* a flood victim: the named sender, if any */
			add_host(v, ev_str(f, "sender_mac_seen_as"));
	}
	sort_strings(v->hosts);
	sort_strings(v->ranges);
}

/* ------------------------------------------------------------------ the score */

static void reason(json_t *reasons, int points, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reason(json_t *reasons, int points, const char *fmt, ...)
{
	char buf[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_t *o = json_object();
	json_object_set_new(o, "points", json_integer(points));
	json_object_set_new(o, "why", json_string(buf));
	json_array_append_new(reasons, o);
}

static json_t *score(struct view *v)
{
	struct ih_incident *inc = v->inc;
	json_t *reasons = json_array();
	int total = 0;
	static const enum kind order[] = { K_SWEEP, K_LATERAL, K_TUNNEL, K_EXFIL, K_BEACON, K_PERSIST,
					   K_LARGE, K_EXTERNAL, K_VOLUME, K_PROCESS, K_OTHER };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum kind k = order[i];
		if (!claims(v, k))
			continue;
		const struct ih_finding *f = v->top[k];
		int p = kinds[k].points[f->severity];
		total += p;
		char more[48] = "";
		if (v->claims_of[k] > 1)
			snprintf(more, sizeof(more), " (and %u more)", v->claims_of[k] - 1);
		reason(reasons, p, "%s (%s)%s: %s", f->kind, ih_sev_name(f->severity), more, f_str(f, "summary"));
	}
	if (claims(v, K_SWEEP) && claims(v, K_LATERAL)) {
		total += BONUS_LATERAL;
		reason(reasons, BONUS_LATERAL, "the sweep was followed by connections to %lld of the hosts that answered it: "
		       "network mapping used for lateral movement", ev_int(v->top[K_LATERAL], "hosts_touched"));
	}
	bool recon = claims(v, K_SWEEP) || claims(v, K_LATERAL);
	bool c2 = claims(v, K_TUNNEL) || claims(v, K_EXFIL) || claims(v, K_BEACON);
	if (recon && c2) {
		total += BONUS_RECON_C2;
		reason(reasons, BONUS_RECON_C2, "reconnaissance and a covert ICMP channel from the same host");
	}
	const struct ih_finding *ext = NULL;
	for (size_t i = 0; i < inc->nf && !ext; i++) {
		const struct ih_finding *f = inc->f[i];
		if (is_covert(kind_of(f->kind)) && f->severity >= IH_SEV_LOW && dst_external(v, f))
			ext = f;
	}
	if (ext) {
		total += BONUS_EXTERNAL_C2;
		reason(reasons, BONUS_EXTERNAL_C2, "the covert channel ends at %s, outside the home networks", ext->dst_key);
	}
	if (claims(v, K_PROCESS) && (recon || c2 || claims(v, K_VOLUME))) {
		total += BONUS_ENDPOINT;
		reason(reasons, BONUS_ENDPOINT, "the endpoint confirms it: the process behind the traffic is not a network "
		       "diagnostic tool");
	}
	if (v->infos) {
		char list[160] = "";
		for (int k = 0; k < K_N; k++) {
			if (v->count[k] == v->claims_of[k])
				continue;
			size_t l = strlen(list);
			const char *nm = kinds[k].name ? kinds[k].name : "other";
			snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", nm);
		}
		reason(reasons, 0, "%u informational finding%s (%s): context, not a claim", v->infos, plural(v->infos), list);
	}
	if (!v->claims)
		reason(reasons, 0, "only informational findings: benign whatever the score");
	if (v->monitor) {
		total -= MALUS_MONITOR;
		reason(reasons, -MALUS_MONITOR, "%s is a configured monitoring host (monitor)", v->host);
	}
	if (total < 0)
		total = 0;
	if (total > 100)
		total = 100;
	inc->score = total;
	if (!v->claims)
		inc->verdict = IH_VERDICT_BENIGN;
	else if ((unsigned)total >= v->cfg->incident_malicious_score)
		inc->verdict = IH_VERDICT_MALICIOUS;
	else if ((unsigned)total >= v->cfg->incident_suspicious_score)
		inc->verdict = IH_VERDICT_SUSPICIOUS;
	else
		inc->verdict = IH_VERDICT_BENIGN;
	return reasons;
}

/* ------------------------------------------------------------------ ATT&CK */

struct tech {
	const char *id;
	const struct ih_mitre *m;
};

static int cmp_tech(const void *a, const void *b)
{
	const struct tech *x = a, *y = b;
	unsigned ox = x->m ? x->m->order : 99, oy = y->m ? y->m->order : 99;
	if (ox != oy)
		return ox < oy ? -1 : 1;
	return strcmp(x->id, y->id);
}

static json_t *mitre(const struct ih_incident *inc)
{
	struct tech t[64];
	size_t n = 0;
	for (size_t i = 0; i < inc->nf; i++) {
		size_t j;
		json_t *m;
		json_array_foreach(json_object_get(inc->f[i]->obj, "mitre"), j, m) {
			const char *id = json_string_value(m);
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(t[k].id, id) == 0;
			if (!seen && n < sizeof(t) / sizeof(t[0]))
				t[n++] = (struct tech){ id, ih_mitre_lookup(id) };
		}
	}
	qsort(t, n, sizeof(t[0]), cmp_tech);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(t[i].id));
		json_object_set_new(o, "name", json_string(t[i].m ? t[i].m->name : "unknown technique"));
		json_object_set_new(o, "tactic", json_string(t[i].m ? t[i].m->tactic : "unknown"));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ------------------------------------------------------------------ sentences */

/* "smb 445/tcp on 10, ssh 22/tcp on 10" from a lateral finding's services */
static void services_text(const struct ih_finding *f, struct sbuf *s)
{
	size_t i;
	json_t *o;
	json_array_foreach(ev(f, "services"), i, o) {
		if (i == 4) {
			sb_add(s, " and %zu more", json_array_size(ev(f, "services")) - 4);
			break;
		}
		const char *nm = json_string_value(json_object_get(o, "name"));
		sb_add(s, "%s%s%s%lld/%s on %lld", i ? ", " : "", nm ? nm : "", nm ? " " : "",
		       (long long)json_integer_value(json_object_get(o, "port")),
		       json_string_value(json_object_get(o, "proto")),
		       (long long)json_integer_value(json_object_get(o, "hosts")));
	}
}

static void sweep_text(const struct view *v, struct sbuf *s)
{
	const struct ih_finding *f = v->top[K_SWEEP];
	char t[16];
	json_t *g = json_object_get(f->evidence, "group_discovery");
	if (ih_sweep_group_only(f->evidence)) {
		long long probes = (long long)json_integer_value(json_object_get(g, "probes"));
		sb_add(s, "at %s it probed the %s address %s (%lld probe%s), and %lld host%s answered",
		       hms(f->first_ns, t, sizeof(t)), json_string_value(json_object_get(g, "method")), f->dst_key, probes,
		       plural(probes), ev_int(f, "hosts_answered"), plural(ev_int(f, "hosts_answered")));
		return;
	}
	sb_add(s, "at %s it swept %s: %lld host%s probed in %.1f s (%s, %.0f/s), %lld answered",
	       hms(f->first_ns, t, sizeof(t)), f->dst_key, ev_int(f, "hosts_probed"), plural(ev_int(f, "hosts_probed")),
	       ev_num(f, "duration_s"), ev_str(f, "order"), ev_num(f, "rate_pps"), ev_int(f, "hosts_answered"));
}

static void lateral_text(const struct view *v, struct sbuf *s)
{
	const struct ih_finding *f = v->top[K_LATERAL];
	double delay = ev_num(f, "delay_s");
	sb_add(s, "%.1f s %s it %s %lld of the hosts that answered (", delay < 0 ? -delay : delay,
	       delay < 0 ? "before the sweep ended" : "later", json_is_true(ev(f, "port_scan")) ? "port-scanned" : "connected to",
	       ev_int(f, "hosts_touched"));
	services_text(f, s);
	sb_add(s, ")");
}

/* What the main covert-channel peer's findings say, as one or two sentences. */
static void covert_text(const struct view *v, struct sbuf *s)
{
	const struct ih_finding *c = v->covert;
	const char *peer = c->dst_key;
	bool ext = dst_external(v, c);
	char t0[16], t1[16];
	const struct ih_finding *tun = NULL, *exf = NULL, *bea = NULL, *per = NULL, *lrg = NULL;
	for (size_t i = 0; i < v->inc->nf; i++) {
		const struct ih_finding *f = v->inc->f[i];
		if (strcmp(f->dst_key, peer) != 0)
			continue;
		enum kind k = kind_of(f->kind);
		if (k == K_TUNNEL && (!tun || f->severity > tun->severity))
			tun = f;
		else if (k == K_EXFIL && (!exf || f->severity > exf->severity))
			exf = f;
		else if (k == K_BEACON && (!bea || f->severity > bea->severity))
			bea = f;
		else if (k == K_PERSIST && (!per || f->severity > per->severity))
			per = f;
		else if (k == K_LARGE && (!lrg || f->severity > lrg->severity))
			lrg = f;
	}
	const char *what = tun ? "runs an ICMP tunnel to" : exf ? "sends data out in ICMP to"
				       : bea && bea->severity >= IH_SEV_LOW ? "checks in over ICMP with"
									    : "keeps an ICMP conversation going with";
	sb_add(s, "%s %s%s: from %s to %s UTC it sent %lld ICMP request%s there", what, peer,
	       ext ? ", outside the home networks" : "", hms(c->first_ns, t0, sizeof(t0)), hms(c->last_ns, t1, sizeof(t1)),
	       ev_int(c, "requests"), plural(ev_int(c, "requests")));
	long long dp = ev_int(c, "data_packets");
	if (dp > 0 && strcmp(ev_str(c, "channel"), "ping_fill_pattern") == 0) {
		sb_add(s, ", %lld of them carrying data in ping's fill pattern (ping -p), a new pattern with "
			  "nearly every request (about %lld bytes)", dp, ev_int(c, "leaked_bytes_est"));
	} else if (dp > 0) {
		const char *content = ev_str(c, "content");
		sb_add(s, ", %lld of them carrying data that matches no ping tool (%lld bytes%s%s%s)", dp,
		       exf ? ev_int(exf, "leaked_bytes_est") : ev_int(c, "data_bytes"), *content ? ", " : "", content,
		       strcmp(content, "random") == 0 ? ": encrypted or compressed" : "");
	} else if (strcmp(ev_str(c, "payload"), "custom") == 0) {
		sb_add(s, " with a fixed payload of its own choosing (not a ping tool's)");
	}
	if (*ev_str(c, "tool"))
		sb_add(s, "; their structure is %s's", ev_str(c, "tool"));
	if (per && json_is_number(ev(per, "requests_went_on_after_last_answer_s")) &&
	    ev_num(per, "requests_went_on_after_last_answer_s") > 0)
		sb_add(s, ", and it kept sending %.0f s after %s stopped answering", ev_num(per, "requests_went_on_after_last_answer_s"), peer);
	else if (per)
		sb_add(s, ", and it kept sending long after %s first answered", peer);
	sb_add(s, ".");
	if (lrg && lrg->severity >= IH_SEV_LOW)
		sb_add(s, " Payloads reach %lld bytes, far above ping's 56.", ev_int(lrg, "payload_bytes_max"));
	if (bea && bea->severity >= IH_SEV_LOW)
		sb_add(s, " Requests come on a schedule, every %.1f s (jitter %.2f s, %lld check-ins): the timing of "
			  "software, not of a person.",
		       ev_num(bea, "period_s"), ev_num(bea, "jitter_mad_s"), ev_int(bea, "events"));
	else if (bea)
		sb_add(s, " Requests come every %.1f s with a tool's ordinary payload, as a ping left running does.",
		       ev_num(bea, "period_s"));
}

/* A flood by reflection (volume.c's smurf finding): forged requests to a group address, the
 * answers of every host of the group aimed at the victim. */
static bool is_smurf(const struct ih_finding *f)
{
	return strcmp(ev_str(f, "reflection"), "smurf") == 0;
}

static void volume_text(const struct view *v, struct sbuf *s)
{
	const struct ih_finding *f = v->top[K_VOLUME];
	char t[16];
	if (is_smurf(f) && v->inc->primary_target)
		sb_add(s, "%s was the target of a smurf reflection at %s: %lld echo requests forged with its address went to %s "
			  "and drew %lld echo replies onto it (%.1f times the requests, peak %lld/s)",
		       v->host, hms(f->first_ns, t, sizeof(t)), ev_int(f, "forged_requests"), ev_str(f, "group"),
		       ev_int(f, "answers_to_victim"), ev_num(f, "amplification"), ev_int(f, "peak_answers_pps"));
	else if (is_smurf(f))
		sb_add(s, "at %s it sent %lld echo requests to %s forged with %s's address, which drew %lld echo replies onto "
			  "that host (a smurf reflection, %.1f times the requests)",
		       hms(f->first_ns, t, sizeof(t)), ev_int(f, "forged_requests"), ev_str(f, "group"), f->dst_key,
		       ev_int(f, "answers_to_victim"), ev_num(f, "amplification"));
	else if (v->inc->primary_target)
		sb_add(s, "%s was flooded at %s: %lld ICMP requests (peak %lld/s) from about %lld %ssources",
		       v->host, hms(f->first_ns, t, sizeof(t)), ev_int(f, "requests"), ev_int(f, "peak_pps"),
		       ev_int(f, "distinct_sources_est"), json_is_true(ev(f, "spoofed_sources")) ? "spoofed " : "");
	else
		sb_add(s, "at %s it flooded %s with %lld ICMP requests (peak %lld/s)%s", hms(f->first_ns, t, sizeof(t)),
		       f->dst_key, ev_int(f, "requests"), ev_int(f, "peak_pps"),
		       json_is_true(ev(f, "spoofed_sources")) ? " from spoofed source addresses" : "");
}

static json_t *process_of(const struct view *v, const struct ih_finding **from);

static void narrative(const struct view *v, struct sbuf *s)
{
	sb_reset(s);
	bool sweep = v->top[K_SWEEP] != NULL, lateral = v->top[K_LATERAL] != NULL;
	if (v->inc->primary_target) {
		volume_text(v, s);
		if (is_smurf(v->top[K_VOLUME]))
			sb_add(s, ". The forged requests came from hardware address %s, which this capture does not tie to an "
				  "address.", ev_str(v->top[K_VOLUME], "sender_mac"));
		else
			sb_add(s, ". %s only answers; the sender is not known from this capture.", v->host);
		return;
	}
	if (v->covert && (v->covert->severity >= IH_SEV_LOW || !sweep)) {
		bool c2 = claims(v, K_TUNNEL) || claims(v, K_EXFIL) || claims(v, K_BEACON) || claims(v, K_PERSIST) ||
			  claims(v, K_LARGE) || claims(v, K_EXTERNAL);
		if (c2)
			sb_add(s, "%s generates continuous ICMP traffic because it ", v->host);
		else
			sb_add(s, "%s's ICMP looks like ordinary use: it ", v->host);
		covert_text(v, s);
		if (sweep) {
			sb_add(s, v->top[K_SWEEP]->first_ns < v->covert->first_ns ? " Before that, " : " While that went on, ");
			sweep_text(v, s);
			if (lateral) {
				sb_add(s, "; ");
				lateral_text(v, s);
				sb_add(s, ": network mapping followed by lateral movement.");
			} else {
				sb_add(s, ".");
			}
		}
	} else if (sweep) {
		sb_add(s, "%s generated a burst of ICMP because ", v->host);
		sweep_text(v, s);
		if (lateral) {
			sb_add(s, "; ");
			lateral_text(v, s);
			sb_add(s, ": network mapping followed by lateral movement.");
		} else {
			sb_add(s, ". No connection to the hosts that answered followed within the lateral-movement window.");
		}
	} else if (v->top[K_VOLUME]) {
		sb_add(s, "%s generated a burst of ICMP because ", v->host);
		volume_text(v, s);
		sb_add(s, ".");
	} else {
		const struct ih_finding *f = v->inc->f[0];
		sb_add(s, "%s: %s", v->host, f_str(f, "summary"));
		sb_add(s, ".");
	}
	if (v->top[K_VOLUME] && (sweep || v->covert))
		sb_add(s, " It also flooded %s.", v->top[K_VOLUME]->dst_key);
	/* the closing line: what it adds up to */
	switch (v->inc->verdict) {
	case IH_VERDICT_MALICIOUS: {
		const char *items[6];
		size_t n = 0;
		if (claims(v, K_SWEEP))
			items[n++] = "reconnaissance";
		if (claims(v, K_LATERAL))
			items[n++] = "lateral movement";
		if (claims(v, K_TUNNEL) || claims(v, K_BEACON))
			items[n++] = "a covert command-and-control channel over ICMP";
		if (claims(v, K_EXFIL))
			items[n++] = "data exfiltration over ICMP";
		if (claims(v, K_VOLUME))
			items[n++] = "a flood";
		if (!n)
			items[n++] = "abuse of ICMP";
		sb_add(s, " This does not match normal troubleshooting: ");
		sb_join(s, items, n);
		json_t *proc = process_of(v, NULL);
		if (claims(v, K_PROCESS))
			sb_add(s, ". The endpoint confirms it: %s", f_str(v->top[K_PROCESS], "summary"));
		else if (proc)
			sb_add(s, ". The process behind it: %s", json_string_value(json_object_get(proc, "exe")));
		else
			sb_add(s, ". The process behind it is the missing piece (endpoint data)");
		sb_add(s, ".");
		break;
	}
	case IH_VERDICT_SUSPICIOUS:
		if (process_of(v, NULL))
			sb_add(s, " Suspicious rather than proven; the process that sent it: %s.",
			       json_string_value(json_object_get(process_of(v, NULL), "exe")));
		else
			sb_add(s, " Suspicious rather than proven: confirm with the process that sent it (endpoint data).");
		break;
	default:
		sb_add(s, " Nothing here needs action%s.", v->monitor ? " (a configured monitoring host)" : "");
		break;
	}
}

/* One line: what the incident is, in kill-chain order. */
static void headline(const struct view *v, struct sbuf *s)
{
	sb_reset(s);
	const char *sep = "";
	if (v->inc->primary_target && is_smurf(v->top[K_VOLUME])) {
		sb_add(s, "target of a smurf reflection through %s (%lld echo replies after %lld forged requests)",
		       ev_str(v->top[K_VOLUME], "group"), ev_int(v->top[K_VOLUME], "answers_to_victim"),
		       ev_int(v->top[K_VOLUME], "forged_requests"));
		return;
	}
	if (v->inc->primary_target) {
		sb_add(s, "target of an ICMP flood (%lld requests, peak %lld/s)", ev_int(v->top[K_VOLUME], "requests"),
		       ev_int(v->top[K_VOLUME], "peak_pps"));
		return;
	}
	if (v->top[K_SWEEP]) {
		sb_add(s, "ICMP sweep of %s (%lld answered)", v->top[K_SWEEP]->dst_key, ev_int(v->top[K_SWEEP], "hosts_answered"));
		sep = "; ";
	}
	if (v->top[K_LATERAL]) {
		const struct ih_finding *f = v->top[K_LATERAL];
		sb_add(s, "%slateral movement to %lld host%s (", sep, ev_int(f, "hosts_touched"), plural(ev_int(f, "hosts_touched")));
		services_text(f, s);
		sb_add(s, ")");
		sep = "; ";
	}
	if (v->covert) {
		const char *items[4];
		char tu[64], ex[64], be[64];
		size_t n = 0;
		if (claims(v, K_TUNNEL)) {
			const char *tool = ev_str(v->top[K_TUNNEL], "tool");
			snprintf(tu, sizeof(tu), "ICMP tunnel%s%s%s", *tool ? " (" : "", tool, *tool ? ")" : "");
			items[n++] = tu;
		}
		if (claims(v, K_EXFIL)) {
			snprintf(ex, sizeof(ex), "exfiltration of ~%lld bytes", ev_int(v->top[K_EXFIL], "leaked_bytes_est"));
			items[n++] = ex;
		}
		if (claims(v, K_BEACON)) {
			snprintf(be, sizeof(be), "beacon every %.1f s", ev_num(v->top[K_BEACON], "period_s"));
			items[n++] = be;
		}
		sb_add(s, "%s", sep);
		if (n) {
			sb_join(s, items, n);
		} else {
			sb_add(s, "%s ICMP", v->covert->severity >= IH_SEV_LOW ? "suspicious" : "ordinary");
		}
		sb_add(s, " to %s", v->covert->dst_key);
		sep = "; ";
	}
	if (v->top[K_VOLUME]) {
		sb_add(s, "%s%s of %s", sep, is_smurf(v->top[K_VOLUME]) ? "smurf reflection flood" : "ICMP flood",
		       v->top[K_VOLUME]->dst_key);
		sep = "; ";
	}
	if (!s->n)
		sb_add(s, "%s", f_str(v->inc->f[0], "summary"));
}

/* ------------------------------------------------------------------ endpoint evidence */

/* The process the endpoint stage named for this incident's traffic (evidence "process" of a
 * finding, src/endpoint/attrib.h): a suspicious_process finding's first, else the most severe
 * finding's. NULL when there is no endpoint data. */
static json_t *process_of(const struct view *v, const struct ih_finding **from)
{
	json_t *best = NULL;
	const struct ih_finding *bf = NULL;
	for (size_t i = 0; i < v->inc->nf; i++) {
		const struct ih_finding *f = v->inc->f[i];
		json_t *p = ev(f, "process");
		if (!json_is_object(p) || !json_is_string(json_object_get(p, "exe")))
			continue;
		bool sp = kind_of(f->kind) == K_PROCESS;
		if (!best || (sp && kind_of(bf->kind) != K_PROCESS) ||
		    (sp == (kind_of(bf->kind) == K_PROCESS) && f->severity > bf->severity)) {
			best = p;
			bf = f;
		}
	}
	if (from)
		*from = bf;
	return best;
}

/* Why the endpoint stage could not name a process ("attribution" of a finding), or NULL. */
static const char *attribution_gap(const struct view *v)
{
	for (size_t i = 0; i < v->inc->nf; i++) {
		const char *why = ev_str(v->inc->f[i], "attribution");
		if (*why)
			return why;
	}
	return NULL;
}

/* ------------------------------------------------------------------ the playbook */

static void step(json_t *arr, const char *name, const char *title, const char *status, const char *established,
		 const char *missing, const char *next)
{
	json_t *o = json_object();
	json_object_set_new(o, "step", json_string(name));
	json_object_set_new(o, "title", json_string(title));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "established", json_string(established));
	json_object_set_new(o, "missing", json_string(missing));
	json_object_set_new(o, "next", json_string(next));
	json_array_append_new(arr, o);
}

/* the peers of the incident's covert and external findings, "a, b" */
static void peers_text(const struct view *v, struct sbuf *s, bool covert_only)
{
	json_t *seen = json_array();
	for (size_t i = 0; i < v->inc->nf; i++) {
		const struct ih_finding *f = v->inc->f[i];
		enum kind k = kind_of(f->kind);
		if (k == K_SWEEP || k == K_LATERAL || k == K_VOLUME || strchr(f->dst_key, '/'))
			continue;
		if (covert_only && f->severity < IH_SEV_LOW)
			continue;
		ih_json_add_unique(seen, f->dst_key);
	}
	sort_strings(seen);
	size_t i;
	json_t *x;
	json_array_foreach(seen, i, x) {
		if (i == 6) {
			sb_add(s, " and %zu more", json_array_size(seen) - 6);
			break;
		}
		sb_add(s, "%s%s", i ? ", " : "", json_string_value(x));
	}
	json_decref(seen);
}

/* Who is linked to whom across incidents, sorted by address for binary search: every
 * incident's primary, and every host an incident lists. Built once, so that "related" and the
 * hunting step cost O(n log n) for n incidents, not O(n^2). */
struct link {
	struct ih_addr a;
	uint32_t inc; /* index in ih_incidents.v */
};

struct links {
	struct link *prim, *memb;
	size_t nprim, nmemb;
	unsigned sweepers, claimers; /* incidents with a sweep; with a finding of low or above */
};

struct context {
	const struct ih_incidents *all;
	const struct ih_incident *self;
	const struct links *links;
};

static int cmp_link(const void *x, const void *y)
{
	const struct link *a = x, *b = y;
	int c = ih_addr_cmp(&a->a, &b->a);
	return c ? c : (a->inc < b->inc ? -1 : a->inc > b->inc);
}

/* The first link for address a, or n when none. */
static size_t link_find(const struct link *v, size_t n, const struct ih_addr *a)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ih_addr_cmp(&v[mid].a, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ih_addr_eq(&v[lo].a, a) ? lo : n;
}

static bool has_sweep(const struct ih_incident *inc)
{
	for (size_t j = 0; j < inc->nf; j++)
		if (strcmp(inc->f[j]->kind, "sweep") == 0 && inc->f[j]->severity >= IH_SEV_LOW)
			return true;
	return false;
}

static bool links_build(struct links *l, const struct ih_incidents *is)
{
	memset(l, 0, sizeof(*l));
	size_t nm = 0;
	for (size_t i = 0; i < is->n; i++)
		nm += json_array_size(json_object_get(is->v[i].obj, "hosts"));
	l->prim = malloc((is->n ? is->n : 1) * sizeof(*l->prim));
	l->memb = malloc((nm ? nm : 1) * sizeof(*l->memb));
	if (!l->prim || !l->memb) {
		free(l->prim);
		free(l->memb);
		return false;
	}
	for (size_t i = 0; i < is->n; i++) {
		const struct ih_incident *inc = &is->v[i];
		l->prim[l->nprim++] = (struct link){ inc->primary, (uint32_t)i };
		size_t j;
		json_t *h;
		json_array_foreach(json_object_get(inc->obj, "hosts"), j, h) {
			struct ih_addr a;
			if (ih_addr_parse(json_string_value(h), &a) && !ih_addr_eq(&a, &inc->primary))
				l->memb[l->nmemb++] = (struct link){ a, (uint32_t)i };
		}
		l->sweepers += has_sweep(inc);
		l->claimers += inc->severity >= IH_SEV_LOW;
	}
	qsort(l->prim, l->nprim, sizeof(*l->prim), cmp_link);
	qsort(l->memb, l->nmemb, sizeof(*l->memb), cmp_link);
	return true;
}

static void links_free(struct links *l)
{
	free(l->prim);
	free(l->memb);
}

static json_t *playbook(const struct view *v, const struct context *cx)
{
	const struct ih_incident *inc = v->inc;
	json_t *arr = json_array();
	struct sbuf e, m, n;
	char t0[40], t1[40];
	bool benign = inc->verdict == IH_VERDICT_BENIGN;
	bool sweep = v->top[K_SWEEP] != NULL, lateral = v->top[K_LATERAL] != NULL;
	bool c2 = claims(v, K_TUNNEL) || claims(v, K_EXFIL) || claims(v, K_BEACON);

	/* 1. triage */
	reset3(&e, &m, &n);
	/* requests behind the findings: sweep probes, flood requests, and per peer of the pair
	 * findings the largest count (several detectors read the same conversation) */
	long long requests = 0;
	for (size_t i = 0; i < inc->nf; i++) {
		const struct ih_finding *f = inc->f[i];
		enum kind k = kind_of(f->kind);
		if (k == K_SWEEP) {
			requests += ev_int(f, "probes");
			continue;
		}
		if (k == K_LATERAL || inc->primary_target)
			continue;
		bool first = true;
		long long most = ev_int(f, "requests");
		for (size_t j = 0; j < inc->nf; j++) {
			const struct ih_finding *g = inc->f[j];
			enum kind gk = kind_of(g->kind);
			if (gk == K_SWEEP || gk == K_LATERAL || strcmp(g->dst_key, f->dst_key) != 0)
				continue;
			if (j < i)
				first = false;
			if (ev_int(g, "requests") > most)
				most = ev_int(g, "requests");
		}
		if (first)
			requests += most;
	}
	sb_add(&e, "%s (%s%s) %s %u finding%s of severity low or above and %u informational, from %s to %s",
	       v->host, v->home ? "inside the home networks" : "outside the home networks",
	       v->monitor ? ", a configured monitoring host" : "", inc->primary_target ? "is the target of" : "is the source of",
	       v->claims, plural(v->claims), v->infos, when(inc->first_ns, t0, sizeof(t0)), when(inc->last_ns, t1, sizeof(t1)));
	if (requests)
		sb_add(&e, "; at least %lld ICMP request%s behind them", requests, plural(requests));
	bool automated = sweep || (v->top[K_BEACON] && v->top[K_BEACON]->severity >= IH_SEV_LOW) || claims(v, K_TUNNEL) ||
			 (v->covert && *ev_str(v->covert, "tool")) || claims(v, K_VOLUME);
	sb_add(&e, ". The activity is %s.", automated ? "automated (a tool's rate, order or schedule), not a person running ping"
				       : benign ? "consistent with diagnostic use" : "not clearly automated");
	json_t *proc = process_of(v, NULL);
	const char *user = json_string_value(json_object_get(proc, "user"));
	if (user) {
		sb_add(&e, " User: %s (owner of the process behind the traffic).", user);
		sb_add(&m, "the asset's owner and role");
	} else {
		sb_add(&m, "the user logged on to %s and the asset's owner and role (not in packet data)", v->host);
	}
	sb_add(&n, "identify the %sowner of %s (DHCP leases, asset inventory, logon events) and compare its ICMP with its "
		   "usual baseline", user ? "" : "user and ", v->host);
	step(arr, "triage", "Triage", benign ? "done" : "partial", e.b, m.b, n.b);

	/* 2. traffic analysis */
	reset3(&e, &m, &n);
	if (sweep) {
		const struct ih_finding *f = v->top[K_SWEEP];
		json_t *g = json_object_get(f->evidence, "group_discovery");
		if (ih_sweep_group_only(f->evidence))
			sb_add(&e, "Requests sent to the %s address %s (%lld probes), answered by %lld hosts of the link. ",
			       json_string_value(json_object_get(g, "method")), f->dst_key, ev_int(f, "probes"),
			       ev_int(f, "hosts_answered"));
		else
			sb_add(&e, "Requests sent %s across %s (%lld probes to %lld hosts in %.1f s). ",
			       strcmp(ev_str(f, "order"), "sequential") == 0 ? "sequentially" : "in no particular order",
			       f->dst_key, ev_int(f, "probes"), ev_int(f, "hosts_probed"), ev_num(f, "duration_s"));
	}
	if (v->top[K_PERSIST]) {
		const struct ih_finding *f = v->top[K_PERSIST];
		sb_add(&e, "ICMP to %s continued after successful replies: %lld requests after the first answer over %.0f s. ",
		       f->dst_key, ev_int(f, "requests_after_first_answer"), ev_num(f, "duration_s"));
	}
	if (v->covert) {
		const struct ih_finding *f = v->covert;
		sb_add(&e, "Payloads to %s: %s, %lld to %lld bytes", f->dst_key, ev_str(f, "payload"), ev_int(f, "payload_bytes_min"),
		       ev_int(f, "payload_bytes_max"));
		if (ev_int(f, "payload_bytes_max") > 56)
			sb_add(&e, " (larger than ping's default 56)");
		sb_add(&e, ". ");
	}
	if (v->top[K_VOLUME]) {
		const struct ih_finding *f = v->top[K_VOLUME];
		if (is_smurf(f))
			sb_add(&e, "%lld echo requests to %s forged with the address of %s drew %lld echo replies onto it, up to %lld "
				   "per second. ", ev_int(f, "forged_requests"), ev_str(f, "group"), f->dst_key,
			       ev_int(f, "answers_to_victim"), ev_int(f, "peak_answers_pps"));
		else
			sb_add(&e, "%lld requests to %s at up to %lld per second. ", ev_int(f, "requests"), f->dst_key,
			       ev_int(f, "peak_pps"));
	}
	sb_add(&e, "%s", benign ? "Conclusion: consistent with ordinary use." : "Conclusion: activity does not match normal troubleshooting behaviour.");
	sb_add(&n, "review every conversation of %s: icmphound log CAPTURE (one line per conversation; --packets for each message)", v->host);
	step(arr, "traffic_analysis", "ICMP log and traffic analysis", "done", e.b, m.b, n.b);

	/* 3. reconnaissance */
	reset3(&e, &m, &n);
	if (sweep) {
		const struct ih_finding *f = v->top[K_SWEEP];
		sb_add(&e, "ICMP sweep for host discovery (%s): %s.", f_id(f), f_str(f, "summary"));
		if (lateral) {
			const struct ih_finding *l = v->top[K_LATERAL];
			sb_add(&e, " Network mapping prior to lateral movement (%s): %s.", f_id(l), f_str(l, "summary"));
			sb_add(&n, "check the hosts it reached for logons and new services from %s: ", v->host);
			size_t i;
			json_t *h;
			json_array_foreach(ev(l, "hosts"), i, h) {
				if (i == 8) {
					sb_add(&n, " and %zu more", json_array_size(ev(l, "hosts")) - 8);
					break;
				}
				sb_add(&n, "%s%s", i ? ", " : "", json_string_value(json_object_get(h, "addr")));
			}
		} else {
			sb_add(&e, " No connection to the hosts that answered followed within %llu s.",
			       (unsigned long long)(v->cfg->lateral_window_ns / 1000000000ull));
			sb_add(&n, "look for connections from %s to the hosts that answered (other sensors, firewall and EDR logs)", v->host);
		}
		if (v->covert && v->covert->first_ns < f->first_ns) {
			char d[16];
			sb_add(&e, " The ICMP channel to %s was already running at %s, %.0f s before the sweep.", v->covert->dst_key,
			       hms(v->covert->first_ns, d, sizeof(d)), (double)(f->first_ns - v->covert->first_ns) / 1e9);
		}
		step(arr, "reconnaissance", "Reconnaissance detection", "done", e.b, m.b, n.b);
	} else {
		sb_add(&e, "No ICMP sweep from %s in this capture.", v->host);
		sb_add(&n, "none for this host; hunting (step 8) covers other hosts");
		step(arr, "reconnaissance", "Reconnaissance detection", "not_applicable", e.b, m.b, n.b);
	}

	/* 4. covert channel check */
	reset3(&e, &m, &n);
	if (v->covert) {
		const struct ih_finding *c = v->covert;
		bool one_peer = true;
		for (size_t i = 0; i < inc->nf; i++)
			if (is_covert(kind_of(inc->f[i]->kind)) && strcmp(inc->f[i]->dst_key, c->dst_key) != 0)
				one_peer = false;
		sb_add(&e, "%s ICMP traffic to %s%s %s: %lld requests, %lld answers", one_peer ? "Repetitive" : "ICMP",
		       one_peer ? "a single " : "", dst_external(v, c) ? "external host" : "host", c->dst_key, ev_int(c, "requests"),
		       ev_int(c, "answers"));
		/* tunnels first, then exfiltration, then beacons; each in time order */
		static const enum kind shown[] = { K_TUNNEL, K_EXFIL, K_BEACON };
		for (size_t j = 0; j < 3 * inc->nf; j++) {
			const struct ih_finding *f = inc->f[j % inc->nf];
			enum kind k = kind_of(f->kind);
			if (k != shown[j / inc->nf])
				continue;
			if (k == K_TUNNEL) {
				sb_add(&e, "; consistent payload structure (tunnel score %lld", ev_int(f, "score"));
				if (*ev_str(f, "common_prefix"))
					sb_add(&e, ", common prefix %s on %lld packets", ev_str(f, "common_prefix"), ev_int(f, "common_prefix_packets"));
				if (*ev_str(f, "tool"))
					sb_add(&e, ", %s", ev_str(f, "tool"));
				sb_add(&e, ") to %s", f->dst_key);
			} else if (k == K_BEACON) {
				sb_add(&e, "; regular timing to %s: every %.1f s, jitter %.2f s, %lld events, beacon score %.2f (%s)", f->dst_key,
				       ev_num(f, "period_s"), ev_num(f, "jitter_mad_s"), ev_int(f, "events"), ev_num(f, "score"),
				       ih_sev_name(f->severity));
			} else if (k == K_EXFIL) {
				sb_add(&e, "; about %lld bytes of distinct %s data out to %s", ev_int(f, "leaked_bytes_est"), ev_str(f, "content"),
				       f->dst_key);
			}
		}
		sb_add(&e, ". %s", c2 ? "This raises suspicion of ICMP tunnelling or covert C2."
				      : "No tunnel, exfiltration or beacon claim: the payloads and timing fit ordinary tools.");
		if (c2) {
			sb_add(&n, "keep a full capture of %s <-> ", v->host);
			peers_text(v, &n, true);
			sb_add(&n, " and read the payloads (icmphound log --packets CAPTURE)");
		}
		step(arr, "covert_channel_check", "Covert communication check", "done", e.b, m.b, n.b);
	} else {
		sb_add(&e, "No ICMP conversation of %s carried data, kept a schedule or went to the outside.", v->host);
		step(arr, "covert_channel_check", "Covert communication check", inc->primary_target ? "not_applicable" : "done",
		     e.b, m.b, n.b);
	}

	/* 5. endpoint correlation: packet data cannot name the process; the endpoint stage can */
	reset3(&e, &m, &n);
	proc = process_of(v, NULL);
	if (proc) {
		json_t *pid = json_object_get(proc, "pid");
		sb_add(&e, "ICMP traffic generated by %s", json_string_value(json_object_get(proc, "exe")));
		if (json_is_integer(pid))
			sb_add(&e, " (pid %lld", (long long)json_integer_value(pid));
		else
			sb_add(&e, " (");
		if (user)
			sb_add(&e, "%suser %s", json_is_integer(pid) ? ", " : "", user);
		sb_add(&e, ")%s%s", json_is_string(json_object_get(proc, "cmdline")) ? ", command line: " : "",
		       json_is_string(json_object_get(proc, "cmdline")) ? json_string_value(json_object_get(proc, "cmdline")) : "");
		if (claims(v, K_PROCESS)) {
			const struct ih_finding *sp = v->top[K_PROCESS];
			sb_add(&e, ". %s", f_str(sp, "summary"));
			size_t i;
			json_t *r;
			json_array_foreach(ev(sp, "reasons"), i, r)
				sb_add(&e, "%s%s", i ? "; " : ": ", json_string_value(r));
			sb_add(&e, ". This confirms malicious intent.");
			sb_add(&n, "preserve the executable (%s) and its hash for forensics", json_string_value(json_object_get(proc, "exe")));
			step(arr, "endpoint_correlation", "Endpoint correlation", "done", e.b, m.b, n.b);
		} else {
			sb_add(&e, ". The process is a known tool in a system directory.");
			sb_add(&m, "why that tool sends this traffic: who started it, and how");
			sb_add(&n, "ask the user of %s; review the parent process and how it was started", v->host);
			step(arr, "endpoint_correlation", "Endpoint correlation", benign ? "done" : "partial", e.b, m.b, n.b);
		}
	} else {
		const char *gap = attribution_gap(v);
		sb_add(&e, "Network evidence only%s%s.", gap ? "; the endpoint log was read but attribution was " : "",
		       gap ? gap : "");
		if (benign) {
			sb_add(&e, " Nothing to confirm for a benign incident.");
			step(arr, "endpoint_correlation", "Endpoint correlation", "not_applicable", e.b, m.b, n.b);
		}
		sb_add(&m, "no endpoint data: the process, user and executable path that sent the ICMP traffic of %s are unknown", v->host);
		sb_add(&n, "run icmphound watch on %s (process attribution of ICMP sockets) or give --endpoint-log with its auditd "
			   "or osquery socket events; a process that is not a network diagnostic tool, or an executable in a user directory, "
			   "confirms malicious intent", v->host);
		if (!benign)
			step(arr, "endpoint_correlation", "Endpoint correlation", "needs_data", e.b, m.b, n.b);
	}

	/* 6. validation */
	reset3(&e, &m, &n);
	json_t *tech = json_object_get(inc->obj, "mitre");
	sb_add(&e, "Verdict %s, score %d/100", ih_verdict_name(inc->verdict), inc->score);
	if (json_array_size(tech)) {
		sb_add(&e, "; ATT&CK: ");
		size_t i;
		json_t *t;
		json_array_foreach(tech, i, t)
			sb_add(&e, "%s%s %s (%s)", i ? ", " : "", json_string_value(json_object_get(t, "id")),
			       json_string_value(json_object_get(t, "name")), json_string_value(json_object_get(t, "tactic")));
	}
	if (!benign) {
		const char *items[4];
		size_t ni = 0;
		if (claims(v, K_SWEEP))
			items[ni++] = "network reconnaissance via ICMP";
		if (claims(v, K_LATERAL))
			items[ni++] = "lateral movement to swept hosts";
		if (c2)
			items[ni++] = "a potential covert command-and-control channel";
		if (claims(v, K_VOLUME))
			items[ni++] = "a denial-of-service flood";
		if (!ni)
			items[ni++] = "ICMP abuse";
		sb_add(&e, ". Indicators strongly suggest: ");
		sb_join(&e, items, ni);
		if (claims(v, K_PROCESS)) {
			sb_add(&e, "; confirmed by the endpoint (step 5)");
			sb_add(&n, "treat as a confirmed incident and contain (step 7)");
		} else {
			sb_add(&m, "confirmation from the endpoint (step 5)");
			sb_add(&n, "confirm with endpoint data, then treat as a confirmed incident and contain (step 7)");
		}
	}
	step(arr, "validation", "Threat validation", benign || claims(v, K_PROCESS) ? "done" : "partial", e.b, m.b, n.b);

	/* 7. containment */
	reset3(&e, &m, &n);
	if (!benign && !inc->primary_target) {
		sb_add(&e, "Plan: isolate %s; block ICMP from %s", v->host, v->host);
		if (v->covert) {
			sb_add(&e, " (at least to ");
			peers_text(v, &e, true);
			sb_add(&e, ")");
		}
		if (lateral)
			sb_add(&e, " and its connections to the hosts it reached after the sweep");
		sb_add(&e, "; terminate the process once identified; preserve the capture and these findings as evidence");
		sb_add(&m, "nothing has been applied: icmphound proposes, the analyst decides");
		sb_add(&n, "icmphound contain %s (a dry run by default)", inc->id);
		step(arr, "containment", "Containment", "partial", e.b, m.b, n.b);
	} else if (!benign) {
		sb_add(&e, "%s is the target; the sender is not identified.", v->host);
		sb_add(&m, "the sender of the flood");
		sb_add(&n, "rate-limit ICMP to %s at the edge; icmphound contain %s (a dry run by default)", v->host, inc->id);
		step(arr, "containment", "Containment", "partial", e.b, m.b, n.b);
	} else {
		sb_add(&e, "Nothing to contain.");
				step(arr, "containment", "Containment", "not_applicable", e.b, m.b, n.b);
	}

	/* 8. hunting and scope expansion */
	reset3(&e, &m, &n);
	unsigned other_sweeps = cx->links->sweepers - has_sweep(inc);
	unsigned other_claims = cx->links->claimers - (inc->severity >= IH_SEV_LOW);
	sb_add(&e, "In this analysis: %u other host%s performing ICMP sweeps, %u other incident%s with findings of severity low or above",
	       other_sweeps, plural(other_sweeps), other_claims, plural(other_claims));
	struct ih_addr peer;
	if (v->covert && ih_addr_parse(v->covert->dst_key, &peer)) {
		/* other hosts that talked ICMP to the same peer */
		unsigned others = 0;
		for (size_t k = link_find(cx->links->memb, cx->links->nmemb, &peer);
		     k < cx->links->nmemb && ih_addr_eq(&cx->links->memb[k].a, &peer); k++) {
			const struct ih_incident *o = &cx->all->v[cx->links->memb[k].inc];
			if (o == inc)
				continue;
			if (others < 6)
				sb_add(&e, "%s%s", others ? ", " : "; other hosts with ICMP to the same peer: ",
				       json_string_value(json_object_get(o->obj, "primary")));
			others++;
		}
		if (others > 6)
			sb_add(&e, " and %u more", others - 6);
		if (!others)
			sb_add(&e, "; no other host here sent ICMP to %s", v->covert->dst_key);
	}
	sb_add(&e, ".");
	sb_add(&m, "other sensors and historical captures");
	sb_add(&n, "search the environment for similar ICMP patterns");
	if (v->covert) {
		sb_add(&n, " (ICMP to ");
		peers_text(v, &n, false);
		sb_add(&n, ")");
	}
	sb_add(&n, "; identify other hosts performing ICMP sweeps (kind=sweep in the JSON lines); review historical ICMP logs "
		   "(icmphound analyze on older captures)");
	if (lateral)
		sb_add(&n, "; check the hosts %s reached for follow-on lateral movement", v->host);
	else
		sb_add(&n, "; check for follow-on lateral movement from %s", v->host);
	step(arr, "hunting", "Hunting and scope expansion", benign ? "not_applicable" : "partial", e.b, m.b, n.b);
	return arr;
}

/* ------------------------------------------------------------------ building */

struct member {
	size_t idx;
	struct ih_addr primary;
	bool target;
	const struct ih_finding *f;
};

static bool addr_unspecified(const struct ih_addr *a)
{
	for (unsigned i = 0; i < 16; i++)
		if (a->b[i])
			return false;
	return true;
}

static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = ih_addr_cmp(&x->primary, &y->primary);
	if (c)
		return c;
	if (x->target != y->target)
		return x->target ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_incident(const void *a, const void *b)
{
	const struct ih_incident *x = a, *y = b;
	if (x->verdict != y->verdict)
		return x->verdict > y->verdict ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	int c = ih_addr_cmp(&x->primary, &y->primary);
	if (c)
		return c;
	return strcmp(x->id, y->id);
}

static void read_view(struct view *v, struct ih_incident *inc, const struct ih_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->cfg = cfg;
	v->inc = inc;
	ih_addr_str(&inc->primary, v->host, sizeof(v->host));
	v->home = ih_config_is_home(cfg, &inc->primary);
	v->monitor = ih_config_is_monitor(cfg, &inc->primary);
	static const enum kind covert_rank[] = { K_TUNNEL, K_EXFIL, K_BEACON, K_PERSIST, K_LARGE, K_EXTERNAL };
	for (size_t i = 0; i < inc->nf; i++) {
		const struct ih_finding *f = inc->f[i];
		enum kind k = kind_of(f->kind);
		v->count[k]++;
		if (f->severity >= IH_SEV_LOW) {
			v->claims++;
			v->claims_of[k]++;
		} else {
			v->infos++;
		}
		if (!v->top[k] || f->severity > v->top[k]->severity)
			v->top[k] = f;
	}
	/* the covert peer: the most severe covert-channel finding, by kind rank on a tie */
	for (size_t r = 0; r < sizeof(covert_rank) / sizeof(covert_rank[0]); r++) {
		const struct ih_finding *f = v->top[covert_rank[r]];
		if (f && (!v->covert || f->severity > v->covert->severity))
			v->covert = f;
	}
}

static bool build_one(struct ih_incident *inc, const struct ih_config *cfg)
{
	struct view v;
	read_view(&v, inc, cfg);
	for (size_t i = 0; i < inc->nf; i++) {
		if (inc->f[i]->first_ns < inc->first_ns || i == 0)
			inc->first_ns = inc->f[i]->first_ns;
		if (inc->f[i]->last_ns > inc->last_ns)
			inc->last_ns = inc->f[i]->last_ns;
		if (inc->f[i]->severity > inc->severity)
			inc->severity = inc->f[i]->severity;
	}
	/* id: the primary host and the first finding's id */
	char key[IH_ADDR_STRLEN + 40];
	int kn = snprintf(key, sizeof(key), "%s|%s", v.host, f_id(inc->f[0]));
	snprintf(inc->id, sizeof(inc->id), "I-%016llx",
		 (unsigned long long)XXH3_64bits(key, kn > 0 ? (size_t)kn : 0));

	json_t *o = json_object();
	inc->obj = o;
	if (!o)
		return false;
	char t[40];
	json_object_set_new(o, "type", json_string("incident"));
	json_object_set_new(o, "id", json_string(inc->id));
	json_t *reasons = score(&v);
	json_object_set_new(o, "verdict", json_string(ih_verdict_name(inc->verdict)));
	json_object_set_new(o, "score", json_integer(inc->score));
	json_object_set_new(o, "severity", json_string(ih_sev_name(inc->severity)));
	json_object_set_new(o, "primary", json_string(v.host));
	json_object_set_new(o, "primary_role", json_string(inc->primary_target ? "target" : "source"));
	collect_hosts(&v);
	json_object_set_new(o, "hosts", v.hosts);
	if (v.hosts_not_listed)
		json_object_set_new(o, "hosts_not_listed", json_integer(v.hosts_not_listed));
	json_object_set_new(o, "ranges", v.ranges);
	json_object_set_new(o, "first_seen", json_string(ih_time_str(inc->first_ns, t, sizeof(t))));
	json_object_set_new(o, "last_seen", json_string(ih_time_str(inc->last_ns, t, sizeof(t))));
	json_t *ids = json_array();
	for (size_t i = 0; i < inc->nf; i++)
		json_array_append_new(ids, json_string(f_id(inc->f[i])));
	json_object_set_new(o, "findings", ids);
	json_object_set_new(o, "mitre", mitre(inc));
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "related", json_array());
	/* summary, narrative and playbook come once every incident exists (hunting and related
	 * need the others): see finish_one */
	return true;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

#define LIST_RELATED 32

static void finish_one(struct ih_incident *inc, const struct ih_incidents *all, const struct links *links,
		       const struct ih_config *cfg)
{
	struct view v;
	read_view(&v, inc, cfg);
	struct sbuf story, line;
	narrative(&v, &story);
	headline(&v, &line);
	struct context cx = { all, inc, links };
	json_t *pb = playbook(&v, &cx);
	/* related: incidents whose primary is one of our hosts, or that list our primary */
	uint32_t self = (uint32_t)(inc - all->v), found[LIST_RELATED * 2];
	size_t nfound = 0, more = 0;
	size_t j;
	json_t *h;
	json_array_foreach(json_object_get(inc->obj, "hosts"), j, h) {
		struct ih_addr a;
		if (!ih_addr_parse(json_string_value(h), &a))
			continue;
		for (size_t k = link_find(links->prim, links->nprim, &a);
		     k < links->nprim && ih_addr_eq(&links->prim[k].a, &a); k++)
			if (links->prim[k].inc != self) {
				if (nfound < sizeof(found) / sizeof(found[0]))
					found[nfound++] = links->prim[k].inc;
				else
					more++;
			}
	}
	for (size_t k = link_find(links->memb, links->nmemb, &inc->primary);
	     k < links->nmemb && ih_addr_eq(&links->memb[k].a, &inc->primary); k++)
		if (links->memb[k].inc != self) {
			if (nfound < sizeof(found) / sizeof(found[0]))
				found[nfound++] = links->memb[k].inc;
			else
				more++;
		}
	qsort(found, nfound, sizeof(found[0]), cmp_u32);
	json_t *rel = json_object_get(inc->obj, "related");
	size_t listed = 0;
	for (size_t k = 0; k < nfound; k++) {
		if (k && found[k] == found[k - 1])
			continue;
		if (listed < LIST_RELATED) {
			json_array_append_new(rel, json_string(all->v[found[k]].id));
			listed++;
		} else {
			more++;
		}
	}
	if (more)
		json_object_set_new(inc->obj, "related_not_listed", json_boolean(true));
	json_object_set_new(inc->obj, "summary", json_string(line.b));
	json_object_set_new(inc->obj, "playbook", pb);
	json_object_set_new(inc->obj, "narrative", json_string(story.b));
}

bool ih_incidents_build(struct ih_incidents *is, const struct ih_findings *fs, const struct ih_config *cfg)
{
	memset(is, 0, sizeof(*is));
	if (!fs->n)
		return true;
	struct member *m = calloc(fs->n, sizeof(*m));
	if (!m)
		return false;
	for (size_t i = 0; i < fs->n; i++) {
		const struct ih_finding *f = fs->v[i];
		m[i].idx = i;
		m[i].f = f;
		m[i].primary = f->src;
		if (addr_unspecified(&f->src)) {
			struct ih_addr victim;
			if (ih_addr_parse(f->dst_key, &victim)) {
				m[i].primary = victim;
				m[i].target = true;
			}
		}
	}
	qsort(m, fs->n, sizeof(*m), cmp_member);
	size_t groups = 0;
	for (size_t i = 0; i < fs->n; i++)
		if (i == 0 || ih_addr_cmp(&m[i].primary, &m[i - 1].primary) || m[i].target != m[i - 1].target)
			groups++;
	is->v = calloc(groups, sizeof(*is->v));
	const struct ih_finding **pool = calloc(fs->n, sizeof(*pool));
	if (!is->v || !pool) {
		free(m);
		free(is->v);
		free(pool);
		is->v = NULL;
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < fs->n;) {
		size_t j = i;
		while (j < fs->n && !ih_addr_cmp(&m[j].primary, &m[i].primary) && m[j].target == m[i].target)
			j++;
		struct ih_incident *inc = &is->v[is->n++];
		inc->primary = m[i].primary;
		inc->primary_target = m[i].target;
		inc->f = pool + i;
		inc->nf = j - i;
		for (size_t k = i; k < j; k++)
			pool[k] = m[k].f; /* findings were sorted by time, members keep that order */
		ok = build_one(inc, cfg) && ok;
		i = j;
	}
	free(m);
	qsort(is->v, is->n, sizeof(is->v[0]), cmp_incident);
	struct links links;
	if (ok && !links_build(&links, is))
		ok = false;
	for (size_t i = 0; ok && i < is->n; i++)
		finish_one(&is->v[i], is, &links, cfg);
	if (ok)
		links_free(&links);
	if (!ok) {
		ih_incidents_free(is);
		return false;
	}
	return true;
}

void ih_incidents_free(struct ih_incidents *is)
{
	if (!is->v) {
		is->n = 0;
		return;
	}
	/* the findings pool is one block: the incident with the lowest f pointer owns it */
	const struct ih_finding **pool = NULL;
	for (size_t i = 0; i < is->n; i++) {
		if (!pool || is->v[i].f < pool)
			pool = is->v[i].f;
		json_decref(is->v[i].obj);
	}
	free((void *)pool);
	free(is->v);
	memset(is, 0, sizeof(*is));
}

const struct ih_incident *ih_incidents_find(const struct ih_incidents *is, const char *key)
{
	for (size_t i = 0; i < is->n; i++)
		if (strcasecmp(is->v[i].id, key) == 0)
			return &is->v[i];
	struct ih_addr a;
	if (!ih_addr_parse(key, &a))
		return NULL;
	for (size_t i = 0; i < is->n; i++) /* most severe first: a source before a target */
		if (ih_addr_eq(&is->v[i].primary, &a))
			return &is->v[i];
	return NULL;
}

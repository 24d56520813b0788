/* lateral.c — lateral movement after a sweep: the sweeping host opening connections to the hosts
 * that answered it.
 *
 * The seed's "network mapping prior to lateral movement": a host finds live hosts with an ICMP
 * sweep, then connects to their services (SMB, SSH, RDP, WinRM...). What makes it lateral
 * movement rather than ordinary use is the order: an ICMP answer from a host, then, from the
 * same source, a TCP SYN (without ACK) or a UDP datagram to that host, within
 * lateral_window_s (1 h) of the sweep. Servers that only answer never qualify (their SYN-ACKs
 * carry ACK, and they swept nothing); connections to hosts that never answered an ICMP probe
 * of the source, or that the source kept pinging (monitoring, a beacon peer), are not counted.
 *
 * State, fixed at start: lateral_capacity source records, each with an open-addressing set of
 * the hosts that answered it (lateral_targets) and a list of connection attempts to them
 * (lateral_attempts: host, port, protocol, first and last time, count). Only attempts to hosts
 * in the set are kept, so ordinary traffic costs one hash lookup per SYN. A source becomes a
 * record once it has probed 3 distinct destinations (the host table says so; the first ones
 * are read back from it). A full table evicts the least recently active record, deciding it
 * first. Everything is counted in the stats line.
 *
 * When a record is decided — at the end of the input, on eviction, or once lateral_window_s
 * plus the sweep's idle time (sweep_gap_s, host_idle_s) have passed since its last new
 * answering host — its attempts are matched to the sweep findings of the same source already
 * made (the host inside the sweep's range, the attempt after the sweep began and within the
 * window after it ended). The sweep detector makes its findings when a host record ends, and
 * every host record ends before any detector is flushed, so at the end of the input the match
 * does not depend on the order detectors run in. Mid-input (a sweep still open because its
 * source keeps pinging something) the record's own facts stand in for the sweep when no sweep
 * finding of that source exists yet: at least sweep_min_targets distinct destinations probed,
 * answering hosts not probed again after they answered (the sweep detector's one-shot rule);
 * the evidence then says "source":"icmp_probes" instead of giving the sweep's id.
 *
 * ATT&CK: T1021 Remote Services, with the sub-technique the port tells: 3389 T1021.001 (RDP),
 * 445/139 T1021.002 (SMB/Windows admin shares), 135 T1021.003 (DCOM), 22 T1021.004 (SSH),
 * 5900 T1021.005 (VNC), 5985/5986 T1021.006 (WinRM); T1046 when the connections are a port scan
 * (lateral_scan_ports distinct ports on one host). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

#include "detect/detector.h"
#include "detect/tset.h"
#include "report/sink.h"
#include "track/hll.h"

#define ADMIT_DSTS 5 /* as the sweep detector: fewer destinations cannot make a sweep */
#define LAT_HLL 64
#define LIST_HOSTS 64
#define LIST_SERVICES 32
#define SCAN_EVERY_NS (60ull * 1000000000ull)

enum { LT_REPROBED = 1 << 0 };

/* A host that answered an ICMP probe of the source. */
struct lat_target {
	struct ih_addr addr;
	uint8_t used, flags;
	uint16_t probes;              /* probes the source sent it (saturating) */
	uint64_t first_probe_ns, answer_ns;
};

/* Connection attempts of the source to one (host, port, protocol). */
struct lat_attempt {
	struct ih_addr dst;
	uint8_t proto;
	uint16_t port;
	uint32_t count;
	uint64_t first_ns, last_ns;
};

struct lat_rec {
	struct ih_addr src;
	bool used, decided;
	uint64_t last_ns;             /* last activity: probe, answer or attempt */
	uint64_t last_new_ns;         /* last time a new answering host was added */
	uint32_t class_mask;          /* probe classes the source sent */
	uint32_t ntargets, target_overflow;
	uint32_t nattempts, attempt_overflow;
	uint8_t hll[LAT_HLL];         /* distinct destinations probed */
	bool group_probed;            /* probed a multicast or broadcast address (sweep.c) */
	struct lat_target *set;       /* set_cap slots, from the pool */
	uint32_t *order;              /* slots in use, in insertion order (clearing costs what was used) */
	uint32_t set_mask;            /* slots of set in use - 1 (tset.h; 0: not grown yet) */
	struct lat_attempt *att;      /* lateral_attempts entries, from the pool */
};

struct lateral {
	const struct ih_config *cfg;
	struct lat_rec *recs;
	uint32_t nrecs;
	struct lat_target *tpool;
	uint32_t *opool;
	struct lat_attempt *apool;
	uint32_t set_cap, set_mask, att_cap;
	struct ih_tset_shape tshape;  /* the records' target sets (tset.h) */
	uint32_t *index;              /* open addressing: hash(src) -> record + 1 */
	uint32_t index_mask;
	uint32_t gen;                 /* admissions + 1: host records remember it (rec_of_host) */
	uint64_t seed;
	uint64_t now, next_scan_ns;
	uint64_t evictions, target_overflows, attempt_overflows, attempts, findings;
	/* during lateral_judge_open: where findings go, and more sweep findings to relate to */
	struct ih_findings *judging_into;
};

/* ------------------------------------------------------------------ the source index */

static uint32_t src_hash(const struct lateral *s, const struct ih_addr *a)
{
	return (uint32_t)XXH3_64bits_withSeed(a, sizeof(*a), s->seed ^ 0x1a7e) & s->index_mask;
}

static struct lat_rec *rec_find(struct lateral *s, const struct ih_addr *src)
{
	for (uint32_t i = src_hash(s, src), n = 0; n <= s->index_mask; n++, i = (i + 1) & s->index_mask) {
		uint32_t v = s->index[i];
		if (!v)
			return NULL;
		if (ih_addr_same(&s->recs[v - 1].src, src))
			return &s->recs[v - 1];
	}
	return NULL;
}

/* The record of a host record's address. Every ICMP request and answer asks, and all but a
 * few hosts have none: the host record keeps the record's number as a hint (checked by
 * address), and, when the index had none, how many admissions there had been; until the next
 * admission (rec_admit is the only way a record gets an address) the answer is still none,
 * and the index is not hashed and probed again. One lateral detector per tracker. */
static struct lat_rec *rec_of_host(struct lateral *s, struct ih_host *h)
{
	uint32_t k = h->lateral_idx;
	if (k && k <= s->nrecs) {
		struct lat_rec *r = &s->recs[k - 1];
		if (r->used && ih_addr_same(&r->src, &h->addr))
			return r;
	}
	if (h->lateral_gen == s->gen)
		return NULL;
	struct lat_rec *r = rec_find(s, &h->addr);
	if (r)
		h->lateral_idx = (uint32_t)(r - s->recs) + 1;
	else
		h->lateral_gen = s->gen;
	return r;
}

static void index_insert(struct lateral *s, struct lat_rec *r)
{
	uint32_t i = src_hash(s, &r->src);
	while (s->index[i])
		i = (i + 1) & s->index_mask;
	s->index[i] = (uint32_t)(r - s->recs) + 1;
}

/* Linear-probing delete by backward shift, so that lookups never need tombstones. */
static void index_remove(struct lateral *s, struct lat_rec *r)
{
	uint32_t want = (uint32_t)(r - s->recs) + 1, j = src_hash(s, &r->src);
	while (s->index[j] != want) {
		if (!s->index[j])
			return;
		j = (j + 1) & s->index_mask;
	}
	s->index[j] = 0;
	for (uint32_t k = (j + 1) & s->index_mask; s->index[k]; k = (k + 1) & s->index_mask) {
		uint32_t home = src_hash(s, &s->recs[s->index[k] - 1].src);
		/* the entry at k may move to j unless its home lies cyclically in (j, k] */
		bool stays = j < k ? (home > j && home <= k) : (home > j || home <= k);
		if (!stays) {
			s->index[j] = s->index[k];
			s->index[k] = 0;
			j = k;
		}
	}
}

/* ------------------------------------------------------------------ per-source sets */

static struct lat_target *target_find(struct lateral *s, struct lat_rec *r, const struct ih_addr *a, bool insert)
{
	struct ih_tset set = { r->set, r->order, &r->ntargets, &r->set_mask };
	return ih_tset_find(&s->tshape, &set, a, insert);
}

static void rec_clear(struct lateral *s, struct lat_rec *r)
{
	(void)s;
	for (uint32_t k = 0; k < r->ntargets; k++)
		memset(&r->set[r->order[k]], 0, sizeof(r->set[0]));
	uint32_t *order = r->order;
	struct lat_target *set = r->set;
	struct lat_attempt *att = r->att;
	struct ih_addr src = r->src;
	bool used = r->used;
	memset(r, 0, sizeof(*r));
	r->set = set;
	r->order = order;
	r->att = att;
	r->src = src;
	r->used = used;
}

static void rec_release(struct lateral *s, struct lat_rec *r)
{
	index_remove(s, r);
	r->used = false;
	rec_clear(s, r);
	memset(&r->src, 0, sizeof(r->src));
}

static uint64_t slack_ns(const struct ih_config *cfg)
{
	uint64_t a = cfg->sweep_gap_ns, b = cfg->track.host_idle_ns;
	return (a > b ? a : b) + 1000000000ull;
}

static uint32_t probe_kinds(const struct lat_rec *r)
{
	uint32_t n = 0;
	for (uint32_t c = 0; c < IH_ICMP_NCLASSES; c++)
		if ((r->class_mask & (1u << c)) && ih_icmp_is_probe((enum ih_icmp_class)c))
			n++;
	return n ? n : 1;
}

static bool is_oneshot(const struct ih_config *cfg, const struct lat_rec *r, const struct lat_target *t)
{
	return !(t->flags & LT_REPROBED) && t->probes <= cfg->sweep_reprobe_max * probe_kinds(r);
}

/* ------------------------------------------------------------------ deciding */

static const struct {
	uint16_t port;
	const char *name;
	const char *technique; /* ATT&CK sub-technique of T1021 over TCP, or NULL */
} services[] = {
	{ 22, "ssh", "T1021.004" },       { 23, "telnet", NULL },        { 80, "http", NULL },
	{ 135, "msrpc", "T1021.003" },    { 137, "netbios-ns", NULL },   { 139, "netbios-ssn", "T1021.002" },
	{ 161, "snmp", NULL },            { 443, "https", NULL },        { 445, "smb", "T1021.002" },
	{ 1433, "mssql", NULL },          { 3306, "mysql", NULL },       { 3389, "rdp", "T1021.001" },
	{ 5432, "postgresql", NULL },     { 5900, "vnc", "T1021.005" },  { 5985, "winrm", "T1021.006" },
	{ 5986, "winrm-https", "T1021.006" },
};

static const char *service_name(uint16_t port)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].port == port)
			return services[i].name;
	return NULL;
}

static const char *service_technique(uint16_t port, uint8_t proto)
{
	if (proto != IH_PROTO_TCP)
		return NULL;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].port == port)
			return services[i].technique;
	return NULL;
}

static int cmp_attempt(const void *x, const void *y)
{
	const struct lat_attempt *a = x, *b = y;
	int c = ih_addr_cmp(&a->dst, &b->dst);
	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* A sweep the attempts may follow: a sweep finding of the source, or the record's own facts. */
struct sweep_ref {
	const struct ih_finding *f;   /* NULL: the record's own ICMP facts */
	struct ih_cidr range;
	const json_t *members;        /* hosts that answered the sweep's group probes (or NULL) */
	uint64_t first_ns, last_ns;
};

/* Is the host one the sweep found: inside its range, or one of the hosts that answered its
 * probes to a group address (whose range is the group address itself)? */
static bool ref_covers(const struct sweep_ref *ref, const struct ih_addr *a)
{
	if (ih_cidr_contains(&ref->range, a))
		return true;
	for (size_t i = 0; i < json_array_size(ref->members); i++) {
		const char *m = json_string_value(json_array_get(ref->members, i));
		struct ih_addr ma;
		if (m && ih_addr_parse(m, &ma) && ih_addr_same(&ma, a))
			return true;
	}
	return false;
}

struct svc_count {
	uint16_t port;
	uint8_t proto;
	uint32_t hosts;
};

static int cmp_svc(const void *x, const void *y)
{
	const struct svc_count *a = x, *b = y;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

static double round3(double v)
{
	return (double)(long long)(v * 1000 + (v < 0 ? -0.5 : 0.5)) / 1000;
}

/* Emits the finding for the attempts (sorted by host) of group `g`: one finding per sweep. */
static void emit(struct ih_detector *d, struct lat_rec *r, const struct sweep_ref *sw, const struct lat_attempt *a,
		 size_t n, const int *grp, int g, uint32_t answered)
{
	struct lateral *s = d->state;
	const struct ih_config *cfg = s->cfg;
	uint32_t hosts = 0, admin_hosts = 0, max_ports = 0, tcp = 0, udp = 0;
	uint64_t first = UINT64_MAX, last = 0, total = 0;
	struct ih_addr lo = { 0 }, hi = { 0 };
	struct svc_count svc[LIST_SERVICES];
	unsigned nsvc = 0, more_svc = 0;
	json_t *hl = json_array();
	/* per host: a run of attempts with the same dst */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && ih_addr_same(&a[j].dst, &a[i].dst))
			j++;
		bool in = false;
		for (size_t k = i; k < j; k++)
			in = in || grp[k] == g;
		if (!in) {
			i = j;
			continue;
		}
		uint32_t ports = 0;
		bool admin = false;
		uint64_t hfirst = UINT64_MAX;
		uint32_t hcount = 0;
		json_t *plist = json_array();
		for (size_t k = i; k < j; k++) {
			if (grp[k] != g)
				continue;
			ports++;
			hcount += a[k].count;
			if (a[k].proto == IH_PROTO_TCP)
				tcp += a[k].count;
			else
				udp += a[k].count;
			if (ih_config_is_admin_port(cfg, a[k].port))
				admin = true;
			if (a[k].first_ns < hfirst)
				hfirst = a[k].first_ns;
			if (a[k].last_ns > last)
				last = a[k].last_ns;
			char ps[16];
			snprintf(ps, sizeof(ps), "%u/%s", a[k].port, a[k].proto == IH_PROTO_TCP ? "tcp" : "udp");
			if (json_array_size(plist) < 32)
				json_array_append_new(plist, json_string(ps));
			unsigned m;
			for (m = 0; m < nsvc; m++)
				if (svc[m].port == a[k].port && svc[m].proto == a[k].proto)
					break;
			if (m < nsvc)
				svc[m].hosts++;
			else if (nsvc < LIST_SERVICES)
				svc[nsvc++] = (struct svc_count){ a[k].port, a[k].proto, 1 };
			else
				more_svc++;
		}
		if (hosts == 0 || ih_addr_cmp(&a[i].dst, &lo) < 0)
			lo = a[i].dst;
		if (hosts == 0 || ih_addr_cmp(&a[i].dst, &hi) > 0)
			hi = a[i].dst;
		hosts++;
		admin_hosts += admin;
		total += hcount;
		if (ports > max_ports)
			max_ports = ports;
		if (hfirst < first)
			first = hfirst;
		if (json_array_size(hl) < LIST_HOSTS) {
			char ab[IH_ADDR_STRLEN], tb[40];
			json_t *h = json_object();
			json_object_set_new(h, "addr", json_string(ih_addr_str(&a[i].dst, ab, sizeof(ab))));
			json_object_set_new(h, "ports", plist);
			json_object_set_new(h, "attempts", json_integer(hcount));
			json_object_set_new(h, "first_seen", json_string(ih_time_str(hfirst, tb, sizeof(tb))));
			json_array_append_new(hl, h);
		} else {
			json_decref(plist);
		}
		i = j;
	}
	if (!hosts) {
		json_decref(hl);
		return;
	}
	bool scan = max_ports >= cfg->lateral_scan_ports;
	enum ih_sev sev = IH_SEV_LOW;
	if (admin_hosts >= cfg->lateral_high_hosts)
		sev = IH_SEV_HIGH;
	else if (admin_hosts >= cfg->lateral_medium_hosts || hosts >= cfg->lateral_high_hosts)
		sev = IH_SEV_MEDIUM;
	double delay = ((double)first - (double)sw->last_ns) / 1e9;
	double conf = 0.5 + 0.15 * (admin_hosts > 0) + 0.1 * (hosts >= cfg->lateral_medium_hosts) +
		      0.1 * (delay <= 600) + 0.1 * (sw->f != NULL);
	if (conf > 0.95)
		conf = 0.95;

	struct ih_finding *f = ih_finding_new("lateral_movement", sev, conf, &r->src, first, last);
	if (!f) {
		json_decref(hl);
		return;
	}
	ih_finding_set_episode(f, &r->src, sw->first_ns); /* what follows one sweep */
	char buf[IH_ADDR_STRLEN + 8], rb[IH_ADDR_STRLEN + 8], t1[40], t2[40];
	if (ih_addr_same(&lo, &hi)) {
		ih_finding_set_dst_addr(f, &lo);
	} else {
		struct ih_cidr cover;
		ih_cidr_cover(&lo, &hi, &cover);
		ih_finding_set_dst_str(f, ih_cidr_str(&cover, buf, sizeof(buf)));
	}
	qsort(svc, nsvc, sizeof(svc[0]), cmp_svc);
	ih_finding_add_mitre(f, "T1021");
	static const char *const subs[] = { "T1021.001", "T1021.002", "T1021.003", "T1021.004", "T1021.005", "T1021.006" };
	for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++)
		for (unsigned m = 0; m < nsvc; m++) {
			const char *t = service_technique(svc[m].port, svc[m].proto);
			if (t && strcmp(t, subs[k]) == 0) {
				ih_finding_add_mitre(f, subs[k]);
				break;
			}
		}
	if (scan)
		ih_finding_add_mitre(f, "T1046");

	json_t *ev = f->evidence;
	json_t *so = json_object();
	/* the sweep's range as the sweep finding wrote it (a group address stays bare) */
	const char *given = sw->f ? json_string_value(json_object_get(sw->f->evidence, "range")) : NULL;
	if (given)
		snprintf(rb, sizeof(rb), "%s", given);
	else
		ih_cidr_str(&sw->range, rb, sizeof(rb));
	if (sw->f) {
		char id[24];
		json_object_set_new(so, "id", json_string(ih_finding_id(sw->f, id, sizeof(id))));
	} else {
		json_object_set_new(so, "source", json_string("icmp_probes"));
	}
	json_object_set_new(so, "range", json_string(rb));
	json_object_set_new(so, "first_seen", json_string(ih_time_str(sw->first_ns, t1, sizeof(t1))));
	json_object_set_new(so, "last_seen", json_string(ih_time_str(sw->last_ns, t2, sizeof(t2))));
	json_object_set_new(so, "hosts_answered", json_integer(answered));
	json_object_set_new(ev, "sweep", so);
	json_object_set_new(ev, "delay_s", json_real(round3(delay)));
	json_object_set_new(ev, "window_s", json_integer((json_int_t)(cfg->lateral_window_ns / 1000000000ull)));
	json_object_set_new(ev, "hosts_touched", json_integer(hosts));
	json_object_set_new(ev, "admin_hosts", json_integer(admin_hosts));
	json_object_set_new(ev, "hosts", hl);
	if (hosts > LIST_HOSTS)
		json_object_set_new(ev, "hosts_not_listed", json_integer(hosts - LIST_HOSTS));
	json_t *sl = json_array();
	char svctext[256] = "";
	for (unsigned m = 0; m < nsvc; m++) {
		json_t *o = json_object();
		const char *nm = service_name(svc[m].port);
		json_object_set_new(o, "port", json_integer(svc[m].port));
		json_object_set_new(o, "proto", json_string(svc[m].proto == IH_PROTO_TCP ? "tcp" : "udp"));
		if (nm)
			json_object_set_new(o, "name", json_string(nm));
		json_object_set_new(o, "admin", json_boolean(ih_config_is_admin_port(cfg, svc[m].port)));
		json_object_set_new(o, "hosts", json_integer(svc[m].hosts));
		json_array_append_new(sl, o);
		size_t l = strlen(svctext);
		if (m < 3)
			snprintf(svctext + l, sizeof(svctext) - l, "%s%s%s%u/%s on %u", m ? ", " : "", nm ? nm : "",
				 nm ? " " : "", svc[m].port, svc[m].proto == IH_PROTO_TCP ? "tcp" : "udp", svc[m].hosts);
		else if (m == 3)
			snprintf(svctext + l, sizeof(svctext) - l, " and %u more services", nsvc - 3 + more_svc);
	}
	json_object_set_new(ev, "services", sl);
	if (more_svc)
		json_object_set_new(ev, "services_not_listed", json_integer(more_svc));
	json_object_set_new(ev, "attempts", json_integer((json_int_t)total));
	json_object_set_new(ev, "tcp_syn", json_integer(tcp));
	json_object_set_new(ev, "udp", json_integer(udp));
	json_object_set_new(ev, "port_scan", json_boolean(scan));
	json_object_set_new(ev, "max_ports_per_host", json_integer(max_ports));
	if (r->attempt_overflow)
		json_object_set_new(ev, "attempts_not_listed", json_integer(r->attempt_overflow));
	ih_finding_summary(f, "%s %s %u of the %u hosts that answered its sweep of %s, %.1f s %s it: %s",
			   json_string_value(json_object_get(f->obj, "src")),
			   scan ? "port-scanned" : "opened connections to", hosts, answered, rb,
			   delay < 0 ? -delay : delay, delay < 0 ? "before the end of" : "after", svctext);
	ih_findings_add(s->judging_into ? s->judging_into : d->out, f);
	s->findings++;
}

/* Judges the attempts of a record against the sweeps of its source. */
static void decide(struct ih_detector *d, struct lat_rec *r)
{
	struct lateral *s = d->state;
	const struct ih_config *cfg = s->cfg;
	r->decided = true;
	if (!r->nattempts)
		return;

	/* the sweep findings of this source made so far */
	struct sweep_ref refs[16];
	unsigned nref = 0;
	size_t nout = d->out->n, nall = nout + (s->judging_into ? s->judging_into->n : 0);
	for (size_t i = 0; i < nall && nref < 15; i++) {
		const struct ih_finding *f = i < nout ? d->out->v[i] : s->judging_into->v[i - nout];
		if (f->severity < IH_SEV_LOW || strcmp(f->kind, "sweep") != 0 || !ih_addr_same(&f->src, &r->src))
			continue;
		const char *range = json_string_value(json_object_get(f->evidence, "range"));
		if (!range || !ih_cidr_parse(range, &refs[nref].range))
			continue;
		refs[nref].f = f;
		refs[nref].members = json_object_get(json_object_get(f->evidence, "group_discovery"), "answered");
		refs[nref].first_ns = f->first_ns;
		refs[nref].last_ns = f->last_ns;
		nref++;
	}
	/* the record's own facts, when no sweep finding of the source exists (yet) */
	uint32_t own_answered = 0, reprobed = 0;
	uint64_t own_first = UINT64_MAX, own_last = 0;
	struct ih_addr lo = { 0 }, hi = { 0 };
	for (uint32_t k = 0; k < r->ntargets; k++) {
		const struct lat_target *t = &r->set[r->order[k]];
		if (!is_oneshot(cfg, r, t)) {
			reprobed++;
			continue;
		}
		if (!own_answered || ih_addr_cmp(&t->addr, &lo) < 0)
			lo = t->addr;
		if (!own_answered || ih_addr_cmp(&t->addr, &hi) > 0)
			hi = t->addr;
		own_answered++;
		if (t->first_probe_ns < own_first)
			own_first = t->first_probe_ns;
		if (t->first_probe_ns > own_last)
			own_last = t->first_probe_ns;
	}
	if (!nref && own_answered) {
		double probed = ih_hll_estimate(r->hll, LAT_HLL);
		if (probed - reprobed + 0.5 >= cfg->sweep_min_targets || r->group_probed) {
			refs[nref].f = NULL;
			refs[nref].members = NULL;
			ih_cidr_cover(&lo, &hi, &refs[nref].range);
			refs[nref].first_ns = own_first;
			refs[nref].last_ns = own_last;
			nref++;
		}
	}
	if (!nref)
		return;

	size_t n = r->nattempts;
	struct lat_attempt *a = malloc(n * sizeof(*a));
	int *grp = malloc(n * sizeof(*grp));
	if (!a || !grp) {
		free(a);
		free(grp);
		return;
	}
	memcpy(a, r->att, n * sizeof(*a));
	qsort(a, n, sizeof(*a), cmp_attempt);
	for (size_t i = 0; i < n; i++) {
		grp[i] = -1;
		const struct lat_target *t = target_find(s, r, &a[i].dst, false);
		if (!t || !is_oneshot(cfg, r, t))
			continue;
		/* the latest sweep that covers the host and began before the attempt */
		for (unsigned k = 0; k < nref; k++) {
			if (!ref_covers(&refs[k], &a[i].dst) || refs[k].first_ns > a[i].first_ns ||
			    a[i].first_ns - refs[k].first_ns > (refs[k].last_ns - refs[k].first_ns) + cfg->lateral_window_ns)
				continue;
			if (grp[i] < 0 || refs[k].first_ns > refs[grp[i]].first_ns)
				grp[i] = (int)k;
		}
	}
	for (unsigned k = 0; k < nref; k++) {
		uint32_t answered = own_answered;
		if (refs[k].f) {
			json_t *ha = json_object_get(refs[k].f->evidence, "hosts_answered");
			if (json_is_integer(ha))
				answered = (uint32_t)json_integer_value(ha);
		}
		emit(d, r, &refs[k], a, n, grp, (int)k, answered);
	}
	free(a);
	free(grp);
}

/* ------------------------------------------------------------------ admission */

static void add_answered(struct ih_detector *d, struct lat_rec *r, const struct ih_addr *host,
			 const struct ih_pair *p, uint64_t ts);

static struct lat_rec *rec_admit(struct ih_detector *d, struct ih_host *h)
{
	struct lateral *s = d->state;
	struct lat_rec *r = NULL, *oldest = NULL;
	for (uint32_t i = 0; i < s->nrecs; i++) {
		struct lat_rec *c = &s->recs[i];
		if (!c->used) {
			r = c;
			break;
		}
		/* decided records go first: evicting them loses nothing */
		if (!oldest || (c->decided && !oldest->decided) ||
		    (c->decided == oldest->decided && c->last_ns < oldest->last_ns))
			oldest = c;
	}
	if (!r) {
		if (!oldest->decided) {
			s->evictions++;
			decide(d, oldest);
		}
		rec_release(s, oldest);
		r = oldest;
	}
	r->used = true;
	r->src = h->addr;
	r->last_ns = s->now;
	index_insert(s, r);
	s->gen = s->gen == UINT32_MAX ? 1 : s->gen + 1;
	h->lateral_idx = (uint32_t)(r - s->recs) + 1;
	/* the destinations the host table saw before the record existed */
	for (uint32_t i = 0; i < h->ndst_small; i++) {
		ih_hll_add(r->hll, LAT_HLL, ih_hll_hash(&h->dst_small[i], sizeof(h->dst_small[i])));
		struct ih_pair *p = ih_track_find_pair(d->track, &h->addr, &h->dst_small[i]);
		if (p) {
			r->class_mask |= p->class_mask;
			if (p->answers && p->first_answer_ns)
				add_answered(d, r, &h->dst_small[i], p, p->first_answer_ns);
		}
	}
	return r;
}

static void add_answered(struct ih_detector *d, struct lat_rec *r, const struct ih_addr *host,
			 const struct ih_pair *p, uint64_t ts)
{
	struct lateral *s = d->state;
	const struct ih_config *cfg = s->cfg;
	const struct lat_target *known = target_find(s, r, host, false);
	/* a host answering again long after it first did, once the record is decided, starts a
	 * new episode (a second sweep of the same hosts); otherwise a known host changes nothing */
	if (known && !(r->decided && ts > known->answer_ns + cfg->lateral_window_ns))
		return;
	/* a new answering host long after the last one, or after the record was decided: a new
	 * sweep; the old one is judged first */
	if (r->decided || (r->ntargets && ts > r->last_new_ns + cfg->lateral_window_ns + slack_ns(cfg))) {
		if (!r->decided)
			decide(d, r);
		uint32_t mask = r->class_mask;
		bool group = r->group_probed;
		uint8_t hll[LAT_HLL];
		memcpy(hll, r->hll, sizeof(hll));
		rec_clear(s, r);
		r->class_mask = mask;
		r->group_probed = group;
		memcpy(r->hll, hll, sizeof(hll));
	}
	struct lat_target *t = target_find(s, r, host, true);
	if (!t) {
		r->target_overflow++;
		s->target_overflows++;
		return;
	}
	/* the probe this answer answers: the pair's latest (a one-shot target has only one) */
	t->first_probe_ns = p && p->last_probe_ns && p->last_probe_ns <= ts ? p->last_probe_ns : ts;
	t->answer_ns = ts;
	t->probes = (uint16_t)(p ? (p->probes > UINT16_MAX ? UINT16_MAX : (p->probes ? p->probes : 1)) : 1);
	if (p && p->probes_after_answer && p->first_answer_ns &&
	    p->last_probe_ns >= p->first_answer_ns + (uint64_t)cfg->sweep_revisit_ms * 1000000ull)
		t->flags |= LT_REPROBED;
	if (ts > r->last_new_ns)
		r->last_new_ns = ts;
	if (ts > r->last_ns)
		r->last_ns = ts;
}

/* Decides records whose window has passed, and frees decided ones gone quiet. Runs once a
 * minute of packet time over the whole (small, fixed) table. */
static void scan_due(struct ih_detector *d)
{
	struct lateral *s = d->state;
	const struct ih_config *cfg = s->cfg;
	if (s->now < s->next_scan_ns)
		return;
	s->next_scan_ns = s->now + SCAN_EVERY_NS;
	uint64_t horizon = cfg->lateral_window_ns + slack_ns(cfg);
	for (uint32_t i = 0; i < s->nrecs; i++) {
		struct lat_rec *r = &s->recs[i];
		if (!r->used)
			continue;
		if (!r->decided && r->ntargets && s->now > r->last_new_ns + horizon)
			decide(d, r);
		if (s->now > r->last_ns + horizon && (r->decided || !r->ntargets))
			rec_release(s, r);
	}
}

static void lateral_on_icmp(struct ih_detector *d, const struct ih_event *ev)
{
	struct lateral *s = d->state;
	const struct ih_pkt *pkt = ev->pkt;
	struct ih_host *h = ev->client;
	if (pkt->ts_ns > s->now)
		s->now = pkt->ts_ns;
	scan_due(d);
	if (!h)
		return; /* a host's first packet while the host table was full: no record to count on */
	if (ih_icmp_is_probe(pkt->icmp_class) && !ev->to_client) {
		if (!ih_host_is_home(s->cfg, h))
			return;
		struct lat_rec *r = rec_of_host(s, h);
		enum ih_group group = ih_addr_group(&pkt->dst);
		if (!r) {
			if (ih_host_ndst(h) < ADMIT_DSTS && !group)
				return;
			r = rec_admit(d, h);
		}
		r->last_ns = s->now;
		r->class_mask |= 1u << pkt->icmp_class;
		if (group) {
			r->group_probed = true;
			if (group != IH_GROUP_MAYBE)
				return; /* not a destination: its answers come from the hosts */
		}
		ih_hll_add(r->hll, LAT_HLL, ev->pair ? ih_pair_server_hll(ev->pair) : ih_hll_hash(&pkt->dst, sizeof(pkt->dst)));
		struct lat_target *t = target_find(s, r, &pkt->dst, false);
		if (t) {
			if (t->probes < UINT16_MAX)
				t->probes++;
			if (pkt->ts_ns >= t->answer_ns + (uint64_t)s->cfg->sweep_revisit_ms * 1000000ull)
				t->flags |= LT_REPROBED;
		}
	} else if (ih_icmp_is_answer(pkt->icmp_class) && ev->to_client) {
		if (!ih_host_is_home(s->cfg, h))
			return;
		struct lat_rec *r = rec_of_host(s, h);
		if (!r) {
			if (ih_host_ndst(h) < ADMIT_DSTS)
				return;
			r = rec_admit(d, h); /* reads this answer's pair too */
		}
		add_answered(d, r, &pkt->src, ev->pair, pkt->ts_ns);
	}
}

/* UDP that every host sends on its own: name resolution, time, DHCP, discovery protocols,
 * and traceroute's probe ports. */
static bool udp_ignored(uint16_t port)
{
	return port == 53 || port == 67 || port == 68 || port == 123 || port == 1900 || port == 5353 ||
	       port == 5355 || (port >= 33434 && port <= 33534);
}

static void lateral_on_transport(struct ih_detector *d, const struct ih_pkt *pkt)
{
	struct lateral *s = d->state;
	if (pkt->ts_ns > s->now)
		s->now = pkt->ts_ns;
	scan_due(d);
	if (pkt->proto == IH_PROTO_TCP) {
		/* a connection being opened: SYN without ACK (a SYN-ACK is the server answering) */
		if ((pkt->tcp_flags & (IH_TCP_SYN | IH_TCP_ACK)) != IH_TCP_SYN)
			return;
	} else if (pkt->proto == IH_PROTO_UDP) {
		if (udp_ignored(pkt->dport) || udp_ignored(pkt->sport))
			return;
	} else {
		return;
	}
	struct lat_rec *r = rec_find(s, &pkt->src);
	if (!r || r->decided)
		return;
	struct lat_target *t = target_find(s, r, &pkt->dst, false);
	if (!t)
		return;
	/* after the host answered, and not in the same breath as the probe (nmap's discovery
	 * sends a SYN to 443 beside its echo request) */
	uint64_t ts = pkt->ts_ns;
	if (ts < t->answer_ns || ts < t->first_probe_ns + (uint64_t)s->cfg->lateral_min_delay_ms * 1000000ull)
		return;
	s->attempts++;
	r->last_ns = s->now;
	for (uint32_t i = 0; i < r->nattempts; i++) {
		struct lat_attempt *a = &r->att[i];
		if (a->port == pkt->dport && a->proto == pkt->proto && ih_addr_same(&a->dst, &pkt->dst)) {
			if (a->count < UINT32_MAX)
				a->count++;
			if (ts > a->last_ns)
				a->last_ns = ts;
			return;
		}
	}
	if (r->nattempts >= s->att_cap) {
		r->attempt_overflow++;
		s->attempt_overflows++;
		return;
	}
	struct lat_attempt *a = &r->att[r->nattempts++];
	memset(a, 0, sizeof(*a));
	a->dst = pkt->dst;
	a->port = pkt->dport;
	a->proto = pkt->proto;
	a->count = 1;
	a->first_ns = a->last_ns = ts;
}

static void lateral_on_flush(struct ih_detector *d)
{
	struct lateral *s = d->state;
	for (uint32_t i = 0; i < s->nrecs; i++)
		if (s->recs[i].used) {
			if (!s->recs[i].decided)
				decide(d, &s->recs[i]);
			rec_release(s, &s->recs[i]);
		}
}

/* Live capture: each source whose attempts are not decided yet, judged as if its window closed
 * now, into `into` (where the sweeps judged in the same pass are too); the record stays
 * undecided and the counters are put back. */
static void lateral_judge_open(struct ih_detector *d, struct ih_findings *into)
{
	struct lateral *s = d->state;
	uint64_t findings = s->findings;
	s->judging_into = into;
	for (uint32_t i = 0; i < s->nrecs; i++) {
		struct lat_rec *r = &s->recs[i];
		if (!r->used || r->decided || !r->nattempts)
			continue;
		decide(d, r);
		r->decided = false;
	}
	s->judging_into = NULL;
	s->findings = findings;
}

static void lateral_add_stats(struct ih_detector *d, json_t *stats)
{
	struct lateral *s = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "sources_capacity", json_integer(s->nrecs));
	json_object_set_new(o, "source_evictions", json_integer((json_int_t)s->evictions));
	json_object_set_new(o, "targets_not_listed", json_integer((json_int_t)s->target_overflows));
	json_object_set_new(o, "attempts", json_integer((json_int_t)s->attempts));
	json_object_set_new(o, "attempts_not_listed", json_integer((json_int_t)s->attempt_overflows));
	json_object_set_new(o, "findings", json_integer((json_int_t)s->findings));
	json_object_set_new(stats, "lateral_movement", o);
}

static size_t lateral_memory(struct ih_detector *d)
{
	struct lateral *s = d->state;
	return sizeof(*s) + (size_t)s->nrecs * (sizeof(struct lat_rec) + (size_t)s->set_cap * (sizeof(struct lat_target) + sizeof(uint32_t)) +
						(size_t)s->att_cap * sizeof(struct lat_attempt)) +
	       ((size_t)s->index_mask + 1) * sizeof(*s->index) + ((size_t)s->set_cap / 2 + 1) * sizeof(struct lat_target);
}

static void lateral_destroy(struct ih_detector *d)
{
	struct lateral *s = d->state;
	if (s) {
		free(s->recs);
		free(s->tpool);
		free(s->opool);
		free(s->apool);
		free(s->index);
		free(s->tshape.scratch);
		free(s);
	}
}

struct ih_detector *ih_detector_lateral(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct lateral *s = calloc(1, sizeof(*s));
	if (!d || !s) {
		free(d);
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	s->nrecs = cfg->lateral_capacity ? cfg->lateral_capacity : 1;
	uint32_t want = cfg->lateral_targets ? cfg->lateral_targets : 1;
	if (want > (1u << 20))
		want = 1u << 20;
	s->set_cap = 16;
	while (s->set_cap < want + want / 3 + 1)
		s->set_cap <<= 1; /* at most 3/4 full */
	s->set_mask = s->set_cap - 1;
	s->att_cap = cfg->lateral_attempts ? cfg->lateral_attempts : 1;
	if (s->att_cap > (1u << 20))
		s->att_cap = 1u << 20;
	s->seed = cfg->track.seed ? cfg->track.seed ^ 0x1a7e2a1ull : (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull;
	s->tshape = (struct ih_tset_shape){ .esize = sizeof(struct lat_target),
					    .used_off = offsetof(struct lat_target, used), .max_mask = s->set_mask,
					    .limit = cfg->lateral_targets ? want : 0, .seed = s->seed };
	s->tshape.scratch = calloc((size_t)s->set_cap / 2 + 1, sizeof(struct lat_target));
	s->index_mask = 63;
	s->gen = 1; /* a new host record holds 0: never taken for "looked up, none" */
	while (s->index_mask < s->nrecs * 2)
		s->index_mask = s->index_mask * 2 + 1;
	s->recs = calloc(s->nrecs, sizeof(*s->recs));
	s->tpool = calloc((size_t)s->nrecs * s->set_cap, sizeof(*s->tpool));
	s->opool = calloc((size_t)s->nrecs * s->set_cap, sizeof(*s->opool));
	s->apool = calloc((size_t)s->nrecs * s->att_cap, sizeof(*s->apool));
	s->index = calloc((size_t)s->index_mask + 1, sizeof(*s->index));
	d->state = s;
	if (!s->recs || !s->tpool || !s->opool || !s->apool || !s->index || !s->tshape.scratch) {
		lateral_destroy(d);
		free(d);
		return NULL;
	}
	for (uint32_t i = 0; i < s->nrecs; i++) {
		s->recs[i].set = &s->tpool[(size_t)i * s->set_cap];
		s->recs[i].order = &s->opool[(size_t)i * s->set_cap];
		s->recs[i].att = &s->apool[(size_t)i * s->att_cap];
	}
	d->name = "lateral_movement";
	d->cfg = cfg;
	d->out = out;
	d->on_icmp = lateral_on_icmp;
	d->on_transport = lateral_on_transport;
	d->on_flush = lateral_on_flush;
	d->judge_open = lateral_judge_open;
	d->add_stats = lateral_add_stats;
	d->memory = lateral_memory;
	d->destroy = lateral_destroy;
	return d;
}

/* sweep.c — host discovery by ICMP: one source probing many destinations, each briefly.
 *
 * What separates a sweep from ordinary use is not the number of destinations alone (a
 * monitoring server pings dozens of hosts) but how each destination is treated: a sweep
 * probes a target once or a few times (retries for the silent ones) and never comes back to a
 * host that answered; monitoring comes back to every host on a schedule. So the detector counts
 * "one-shot" targets — probed at most sweep_reprobe_max times and not probed again after they
 * answered — over an episode that ends when the source has been quiet for sweep_gap (default
 * 30 min) or spans sweep_window (24 h). Slow sweeps (one probe every few seconds or minutes)
 * fall in one episode as surely as fast ones.
 *
 * State: hosts become candidates once they have probed 5 distinct destinations (the host
 * table's exact small set says so). Candidates live in a fixed pool of records, each with a
 * fixed-size open-addressing set of targets; past its capacity further targets are counted in
 * a HyperLogLog and not listed. A full pool evicts the quietest of the few candidates a clock
 * hand points at, evaluating it first. Everything is counted in the stats line.
 *
 * Discovery through a group address. One echo request to the IPv6 all-nodes group ff02::1
 * (ping -6 ff02::1, thc-ipv6 alive6, nmap's targets-ipv6-multicast-echo), to an IPv4 multicast
 * group or to a broadcast address (ping -b) is answered by every host on the link that
 * answers echo: a sweep in one packet, which the per-target count above never sees. A probe to
 * a group address (IPv4 224/4 or 255.255.255.255, IPv6 ff00::/8) makes its source a candidate
 * at once; the hosts that answer it — an answer from an address the source sent no request
 * to, carrying the group probe's id, within sweep_group_answer_ms; or an ICMP error quoting
 * the group probe (alive6's invalid-option probes draw parameter problems) — are its
 * responders. An IPv4 address ending in .255 may be a directed broadcast or an ordinary host
 * of a wider network, so it counts as a group only once two other hosts answered it.
 *
 * Discovery by neighbour solicitation. On its own link an IPv6 scanner need not ping: nmap -6
 * -sn resolves each address with a neighbour solicitation to its solicited-node group and
 * counts the advertisements. A multicast solicitation from a unicast address (not duplicate
 * address detection, not a host that sends router advertisements) is a probe of its target,
 * the solicited advertisement its answer. Every host resolves the neighbours it talks to, so a
 * source becomes a candidate only after ADMIT_DSTS such solicitations for different targets
 * (counted in a small direct-mapped table, nd_seen), and an episode of solicitations alone is a
 * sweep only when at least half its targets never answered: resolution targets hosts that
 * exist, a scan mostly addresses that do not.
 *
 * ATT&CK: T1018 Remote System Discovery; T1046 Network Service Discovery when the same source
 * also sent TCP or UDP to most of the targets (nmap's default host discovery does). */
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

#include "detect/detector.h"
#include "detect/tset.h"
#include "track/hll.h"

#define ADMIT_DSTS 5 /* <= IH_HOST_SMALLSET, so the host table still holds them all */
#define ND_SEEN 4096 /* sources whose multicast neighbour solicitations are counted */
#define LIST_ANSWERED 64
#define LIST_BLOCKS 16
#define SWEEP_HLL 256

enum {
	TF_ANSWERED = 1 << 0,
	TF_REPROBED = 1 << 1, /* probed again after it answered */
	TF_SERVICE = 1 << 2,  /* also sent TCP/UDP by the same source */
	TF_GROUP = 1 << 3,    /* answered a probe to a group address, never probed itself */
};

#define GROUP_LIST 4          /* group addresses listed per episode */

struct target {
	struct ih_addr addr;
	uint8_t flags;
	uint16_t probes;
	uint8_t used;
	uint32_t first_ms;            /* first probe, ms after the episode began */
	uint32_t answer_ms;           /* last answer, ms after the episode began */
};

struct sweep_rec {
	struct ih_addr src;
	bool used;
	uint64_t first_ns, last_ns;   /* episode span (probes) */
	uint64_t last_answer_ns;
	uint64_t probes;
	uint32_t class_mask;
	uint32_t ntargets;            /* in the set */
	uint32_t overflow;            /* targets past the set (counted in hll) */
	uint32_t sequential;          /* new targets that were the previous new target + 1 */
	struct ih_addr prev_new;
	bool has_prev;
	struct ih_addr lo, hi;        /* lowest and highest target */
	uint32_t kinds;               /* probe kinds used (set when evaluating) */
	bool rounds;                  /* a sweep: its targets' repeated rounds are part of it (evaluate) */
	uint8_t hll[SWEEP_HLL];
	struct target *set;           /* sweep_targets slots, from the pool */
	uint32_t *order;              /* slot numbers in the order targets were first probed */
	uint32_t set_mask;            /* slots of set in use - 1 (tset.h; 0: not grown yet) */
	/* probes to group addresses (see the top of the file) */
	uint32_t group_probes;
	uint32_t ngroups;             /* distinct group addresses, the first GROUP_LIST in groups */
	struct ih_addr groups[GROUP_LIST];
	uint8_t group_kinds;          /* 1 << enum ih_group of the groups probed */
	uint16_t group_id;            /* echo id of the last group probe */
	bool group_has_id;
	uint64_t group_last_ns;       /* the last group probe */
};

struct sweep {
	const struct ih_config *cfg;
	struct sweep_rec *recs;
	struct target *pool;
	uint32_t *order_pool;
	uint32_t nrecs, set_cap, set_mask;
	struct ih_tset_shape tshape;  /* the records' target sets (tset.h) */
	uint32_t hand;
	uint64_t seed;
	uint32_t *by_src;             /* direct-mapped index: hash(src) -> record + 1 */
	uint32_t by_src_mask;
	uint64_t evictions, target_overflows, episodes;
	uint64_t forged_group_probes; /* group probes sent by another host's frames (a smurf) */
	/* multicast neighbour solicitations per source, before it is a candidate */
	struct nd_seen {
		uint32_t src_tag, last_target;
		uint32_t count;
	} *nd_seen;
};

static uint32_t src_slot(const struct sweep *s, const struct ih_addr *a)
{
	return (uint32_t)XXH3_64bits_withSeed(a, sizeof(*a), s->seed ^ 0x1d) & s->by_src_mask;
}

static uint64_t seed_of(struct sweep *s)
{
	return s->seed;
}

static struct target *target_find(struct sweep *s, struct sweep_rec *r, const struct ih_addr *a,
				  bool insert)
{
	struct ih_tset set = { r->set, r->order, &r->ntargets, &r->set_mask };
	return ih_tset_find(&s->tshape, &set, a, insert);
}

static bool addr_next(const struct ih_addr *a, const struct ih_addr *b)
{
	/* is b == a + 1 ? */
	if (a->family != b->family)
		return false;
	struct ih_addr c = *a;
	int n = a->family == IH_AF_INET ? 4 : 16;
	for (int i = n - 1; i >= 0; i--)
		if (++c.b[i] != 0)
			break;
	return ih_addr_same(&c, b);
}

static bool is_group_addr(const struct sweep_rec *r, const struct ih_addr *a)
{
	for (uint32_t i = 0; i < r->ngroups && i < GROUP_LIST; i++)
		if (ih_addr_same(&r->groups[i], a))
			return true;
	return false;
}

/* Probe classes an episode used: nmap -PP -PM sends a timestamp and a mask request to each
 * target, so "probed at most N times" is per kind of probe. */
static uint32_t probe_kinds(uint32_t class_mask)
{
	uint32_t n = 0;
	for (uint32_t c = 0; c < IH_ICMP_NCLASSES; c++)
		if ((class_mask & (1u << c)) && ih_icmp_is_probe((enum ih_icmp_class)c))
			n++;
	return n ? n : 1;
}

/* A sweep's target: probed a few times at most and never again after it answered; or never
 * answered and probed in at most sweep_silent_rounds rounds (fping -c 5 -g tries every address
 * five times; a monitoring server's hosts answer, or are probed on and on). */
static bool is_oneshot(const struct ih_config *cfg, const struct sweep_rec *r, const struct target *t)
{
	/* once the episode is a sweep, its hosts that answered every few rounds belong to it too */
	if ((!(t->flags & TF_ANSWERED) || r->rounds) && t->probes <= cfg->sweep_silent_rounds * r->kinds)
		return true;
	return !(t->flags & TF_REPROBED) && t->probes <= cfg->sweep_reprobe_max * r->kinds;
}

static int cmp_addr(const void *x, const void *y)
{
	return ih_addr_cmp(x, y);
}

/* Clears the targets an episode used (not the whole set: the cost follows what was used). */
static void clear_targets(struct sweep_rec *r)
{
	for (uint32_t k = 0; k < r->ntargets; k++)
		memset(&r->set[r->order[k]], 0, sizeof(r->set[0]));
}

static void rec_reset(struct sweep *s, struct sweep_rec *r)
{
	(void)s;
	clear_targets(r);
	struct target *set = r->set;
	uint32_t *order = r->order;
	struct ih_addr src = r->src;
	memset(r, 0, sizeof(*r));
	r->set = set;
	r->order = order;
	r->src = src;
	r->used = true;
}

static const char *class_label(uint32_t bit)
{
	switch (bit) {
	case IH_ICMP_ECHO_REQ: return "echo";
	case IH_ICMP_TSTAMP_REQ: return "timestamp";
	case IH_ICMP_MASK_REQ: return "address-mask";
	case IH_ICMP_INFO_REQ: return "information";
	case IH_ICMP_EXT_ECHO_REQ: return "extended-echo";
	case IH_ICMP_NEIGH_SOL: return "neighbor-solicitation";
	default: return NULL;
	}
}

static int cmp_addr(const void *x, const void *y);

/* ev.answered: the n addresses sorted, the first LIST_ANSWERED listed (answered_not_listed
 * counts the rest); sorts a in place. */
static void set_answered(json_t *ev, struct ih_addr *a, unsigned n)
{
	qsort(a, n, sizeof(*a), cmp_addr);
	json_t *list = json_array();
	for (unsigned i = 0; i < n && i < LIST_ANSWERED; i++) {
		char b[IH_ADDR_STRLEN];
		json_array_append_new(list, json_string(ih_addr_str(&a[i], b, sizeof(b))));
	}
	json_object_set_new(ev, "answered", list);
	if (n > LIST_ANSWERED)
		json_object_set_new(ev, "answered_not_listed", json_integer(n - LIST_ANSWERED));
}

/* Did the episode discover hosts through a group address? A true group (multicast, the
 * limited broadcast) probed is enough; an a.b.c.255 counts once two other hosts answered it. */
static bool group_found(const struct sweep_rec *r, uint32_t responders)
{
	if (!r->group_probes)
		return false;
	return (r->group_kinds & ((1u << IH_GROUP_MULTICAST) | (1u << IH_GROUP_BROADCAST))) || responders >= 2;
}

static enum ih_sev group_severity(const struct ih_config *cfg, uint32_t responders)
{
	return responders >= cfg->sweep_high_targets	  ? IH_SEV_HIGH
	       : responders >= cfg->sweep_medium_targets ? IH_SEV_MEDIUM
							 : IH_SEV_LOW;
}

/* The group probes' evidence: the addresses, how many probes, which hosts answered them
 * (sorted; the first LIST_ANSWERED). */
static json_t *group_evidence(const struct sweep_rec *r, uint32_t responders)
{
	json_t *o = json_object();
	json_t *groups = json_array();
	bool bcast = false;
	for (uint32_t i = 0; i < r->ngroups && i < GROUP_LIST; i++) {
		char a[IH_ADDR_STRLEN];
		json_array_append_new(groups, json_string(ih_addr_str(&r->groups[i], a, sizeof(a))));
		bcast |= ih_addr_group(&r->groups[i]) != IH_GROUP_MULTICAST;
	}
	json_object_set_new(o, "addresses", groups);
	if (r->ngroups > GROUP_LIST)
		json_object_set_new(o, "addresses_not_listed", json_integer(r->ngroups - GROUP_LIST));
	json_object_set_new(o, "method", json_string(bcast ? "broadcast" : "multicast"));
	json_object_set_new(o, "probes", json_integer(r->group_probes));
	json_object_set_new(o, "hosts_answered", json_integer(responders));
	struct ih_addr *ans = calloc(responders ? responders : 1, sizeof(*ans));
	unsigned n = 0;
	for (uint32_t k = 0; ans && k < r->ntargets && n < responders; k++) {
		const struct target *t = &r->set[r->order[k]];
		if (t->flags & TF_GROUP)
			ans[n++] = t->addr;
	}
	set_answered(o, ans, n);
	free(ans);
	return o;
}

/* An episode whose only discovery went through group addresses: one finding whose dst is the
 * (first) group address and whose hosts are those that answered it. */
static void evaluate_group(struct ih_detector *d, const struct sweep_rec *r, uint32_t responders)
{
	struct sweep *s = d->state;
	double conf = 0.6 + 0.2 * (responders >= 2) + 0.1 * (r->group_probes >= 2);
	struct ih_finding *f = ih_finding_new("sweep", group_severity(s->cfg, responders), conf, &r->src,
					      r->first_ns, r->last_ns);
	if (!f)
		return;
	ih_finding_set_episode(f, &r->src, r->first_ns);
	char g[IH_ADDR_STRLEN];
	ih_addr_str(&r->groups[0], g, sizeof(g));
	ih_finding_set_dst_str(f, g);
	ih_finding_add_mitre(f, "T1018");
	json_t *ev = f->evidence;
	json_t *ge = group_evidence(r, responders);
	json_object_set_new(ev, "range", json_string(g));
	json_object_set_new(ev, "probes", json_integer(r->group_probes));
	json_object_set_new(ev, "hosts_probed", json_integer(responders));
	json_object_set_new(ev, "hosts_answered", json_integer(responders));
	json_object_set(ev, "answered", json_object_get(ge, "answered"));
	double span = (double)(r->last_ns - r->first_ns) / 1e9;
	json_object_set_new(ev, "duration_s", json_real((double)(long)(span * 1000) / 1000));
	const char *method = json_string_value(json_object_get(ge, "method"));
	json_object_set_new(ev, "group_discovery", ge);
	ih_finding_summary(f, "%s sent %u %s discovery probe%s to %s%s: %u host%s answered",
			   json_string_value(json_object_get(f->obj, "src")), r->group_probes, method,
			   r->group_probes == 1 ? "" : "s", g, r->ngroups > 1 ? " and other groups" : "",
			   responders, responders == 1 ? "" : "s");
	ih_findings_add(d->out, f);
}

/* Evaluates the episode in r and, if it is a sweep, emits a finding. */
static void evaluate(struct ih_detector *d, struct sweep_rec *r)
{
	struct sweep *s = d->state;
	const struct ih_config *cfg = s->cfg;
	if (!r->probes)
		return;
	s->episodes++;
	r->kinds = probe_kinds(r->class_mask);
	r->rounds = false;
	uint32_t pre = 0;
	for (uint32_t k = 0; k < r->ntargets; k++)
		pre += !(r->set[r->order[k]].flags & TF_GROUP) && is_oneshot(cfg, r, &r->set[r->order[k]]);
	r->rounds = pre + (r->overflow ? 1 : 0) >= cfg->sweep_min_targets;
	/* The sweep is what the one-shot targets say: a host that was also pinged on and on (a
	 * beacon, a tunnel peer, a monitored server) is not part of the sweep's range. */
	uint32_t oneshot = 0, answered = 0, service = 0, reprobed = 0, others = 0, responders = 0;
	uint64_t probes = 0;
	uint32_t t_lo = UINT32_MAX, t_hi = 0;
	struct ih_addr lo = { 0 }, hi = { 0 };
	for (uint32_t k = 0; k < r->ntargets; k++) {
		const struct target *t = &r->set[r->order[k]];
		if (t->flags & TF_GROUP) {
			responders++;
			continue;
		}
		if (!is_oneshot(cfg, r, t)) {
			others++;
			if (t->flags & TF_REPROBED)
				reprobed++;
			continue;
		}
		if (oneshot == 0 || ih_addr_cmp(&t->addr, &lo) < 0)
			lo = t->addr;
		if (oneshot == 0 || ih_addr_cmp(&t->addr, &hi) > 0)
			hi = t->addr;
		oneshot++;
		probes += t->probes;
		if (t->flags & TF_ANSWERED)
			answered++;
		if (t->flags & TF_SERVICE)
			service++;
		if (t->first_ms < t_lo)
			t_lo = t->first_ms;
		if (t->first_ms > t_hi)
			t_hi = t->first_ms;
	}
	/* targets past the set were seen once at least; count them as one-shot */
	uint32_t extra = 0;
	if (r->overflow) {
		double e = ih_hll_estimate(r->hll, SWEEP_HLL);
		extra = e > 1e9 ? 1000000000u : (uint32_t)(e + 0.5);
	}
	uint32_t oneshot_all = oneshot + extra;
	bool group = group_found(r, responders);
	if (oneshot_all < cfg->sweep_min_targets) {
		if (group)
			evaluate_group(d, r, responders);
		return;
	}

	uint32_t targets = oneshot + extra;
	probes += extra;
	uint64_t first_ns = r->first_ns + (uint64_t)(t_lo == UINT32_MAX ? 0 : t_lo) * 1000000ull;
	uint64_t last_ns = r->first_ns + (uint64_t)t_hi * 1000000ull;
	if (last_ns > r->last_ns || extra)
		last_ns = r->last_ns;
	enum ih_sev sev = IH_SEV_LOW;
	if (oneshot_all >= cfg->sweep_high_targets)
		sev = IH_SEV_HIGH;
	else if (oneshot_all >= cfg->sweep_medium_targets)
		sev = IH_SEV_MEDIUM;
	if (group && group_severity(cfg, responders) > sev)
		sev = group_severity(cfg, responders);
	double dead_ratio = targets ? 1.0 - (double)answered / targets : 0;
	/* solicitations alone: address resolution finds hosts that exist, a scan mostly not */
	if (r->class_mask == 1u << IH_ICMP_NEIGH_SOL && dead_ratio < 0.5) {
		if (group)
			evaluate_group(d, r, responders);
		return;
	}
	double seq_ratio = oneshot > 1 ? (double)r->sequential / (oneshot - 1) : 0;
	if (seq_ratio > 1)
		seq_ratio = 1;
	/* confidence: more one-shot targets, more silent ones, fewer revisits */
	double conf = 0.5 + 0.25 * (oneshot_all >= cfg->sweep_medium_targets) +
		      0.15 * (dead_ratio >= 0.3) + 0.1 * (reprobed == 0);

	struct ih_finding *f = ih_finding_new("sweep", sev, conf, &r->src, first_ns, last_ns);
	if (!f)
		return;
	ih_finding_set_episode(f, &r->src, r->first_ns);
	struct ih_cidr cover;
	if (oneshot)
		ih_cidr_cover(&lo, &hi, &cover);
	else
		ih_cidr_cover(&r->lo, &r->hi, &cover);
	char buf[IH_ADDR_STRLEN + 8];
	ih_finding_set_dst_str(f, ih_cidr_str(&cover, buf, sizeof(buf)));
	ih_finding_add_mitre(f, "T1018");
	bool maps_services = service * 2 >= oneshot && service > 0;
	if (maps_services)
		ih_finding_add_mitre(f, "T1046");

	/* answered hosts, sorted; and the /24 (v4) or /64 (v6) blocks touched */
	struct ih_addr *ans = calloc(answered ? answered : 1, sizeof(*ans));
	struct ih_addr blocks[LIST_BLOCKS];
	uint32_t blockn[LIST_BLOCKS] = { 0 };
	unsigned nblocks = 0, more_blocks = 0, na = 0;
	for (uint32_t k = 0; k < r->ntargets; k++) {
		const struct target *t = &r->set[r->order[k]];
		if (!is_oneshot(cfg, r, t) || (t->flags & TF_GROUP))
			continue;
		if ((t->flags & TF_ANSWERED) && ans)
			ans[na++] = t->addr;
		struct ih_addr b;
		ih_addr_mask(&t->addr, t->addr.family == IH_AF_INET ? 24 : 64, &b);
		unsigned k;
		for (k = 0; k < nblocks; k++)
			if (ih_addr_same(&blocks[k], &b))
				break;
		if (k < nblocks)
			blockn[k]++;
		else if (nblocks < LIST_BLOCKS) {
			blocks[nblocks] = b;
			blockn[nblocks++] = 1;
		} else
			more_blocks++;
	}
	json_t *ev = f->evidence;
	json_object_set_new(ev, "range", json_string(buf));
	json_object_set_new(ev, "probes", json_integer((json_int_t)probes));
	json_object_set_new(ev, "hosts_probed", json_integer(targets));
	json_object_set_new(ev, "hosts_answered", json_integer(answered));
	json_object_set_new(ev, "one_shot_targets", json_integer(oneshot_all));
	json_object_set_new(ev, "revisited_after_answer", json_integer(reprobed));
	json_object_set_new(ev, "other_destinations", json_integer(others));
	if (ans) {
		set_answered(ev, ans, na);
		free(ans);
	}
	/* blocks in address order */
	for (unsigned i = 1; i < nblocks; i++)
		for (unsigned j = i; j > 0 && ih_addr_cmp(&blocks[j - 1], &blocks[j]) > 0; j--) {
			struct ih_addr tb = blocks[j];
			blocks[j] = blocks[j - 1];
			blocks[j - 1] = tb;
			uint32_t tn = blockn[j];
			blockn[j] = blockn[j - 1];
			blockn[j - 1] = tn;
		}
	json_t *bl = json_array();
	for (unsigned i = 0; i < nblocks; i++) {
		struct ih_cidr c = { .base = blocks[i], .prefix = blocks[i].family == IH_AF_INET ? 24 : 64 };
		char cb[IH_ADDR_STRLEN + 8];
		json_t *o = json_object();
		json_object_set_new(o, "cidr", json_string(ih_cidr_str(&c, cb, sizeof(cb))));
		json_object_set_new(o, "targets", json_integer(blockn[i]));
		json_array_append_new(bl, o);
	}
	json_object_set_new(ev, "blocks", bl);
	if (more_blocks)
		json_object_set_new(ev, "blocks_not_listed", json_integer(more_blocks));
	double span = (double)(last_ns - first_ns) / 1e9;
	json_object_set_new(ev, "duration_s", json_real((double)(long)(span * 1000) / 1000));
	double rate = span > 0 ? (double)probes / span : (double)probes;
	json_object_set_new(ev, "rate_pps", json_real((double)(long)(rate * 100) / 100));
	json_object_set_new(ev, "order", json_string(seq_ratio >= 0.6 ? "sequential" : "non-sequential"));
	json_object_set_new(ev, "sequential_ratio", json_real((double)(long)(seq_ratio * 100) / 100));
	json_t *types = json_array();
	for (uint32_t c = 0; c < IH_ICMP_NCLASSES; c++)
		if ((r->class_mask & (1u << c)) && class_label(c))
			json_array_append_new(types, json_string(class_label(c)));
	json_object_set_new(ev, "icmp_types", types);
	json_object_set_new(ev, "service_probed_targets", json_integer(service));
	if (r->overflow)
		json_object_set_new(ev, "targets_not_listed", json_integer(extra));
	if (group)
		json_object_set_new(ev, "group_discovery", group_evidence(r, responders));
	ih_finding_summary(f, "%s probed %u hosts in %s (%u answered) with %llu ICMP %s over %.1f s%s",
			   json_string_value(json_object_get(f->obj, "src")), targets, buf, answered,
			   (unsigned long long)probes,
			   r->class_mask & (1u << IH_ICMP_ECHO_REQ)	 ? "echo requests"
			   : r->class_mask == 1u << IH_ICMP_NEIGH_SOL ? "neighbour solicitations"
								     : "requests",
			   span, maps_services ? ", and TCP/UDP to most of them" : "");
	ih_findings_add(d->out, f);
}

static void rec_release(struct sweep *s, struct sweep_rec *r)
{
	(void)s;
	clear_targets(r);
	struct target *set = r->set;
	uint32_t *order = r->order;
	memset(r, 0, sizeof(*r));
	r->set = set;
	r->order = order;
}

static struct sweep_rec *rec_admit(struct ih_detector *d, struct ih_host *h)
{
	struct sweep *s = d->state;
	/* a clock hand: look at a few records from where the last admission stopped, take a free
	 * one, else the quietest of them — bounded work per admission */
	struct sweep_rec *r = NULL, *oldest = NULL;
	for (uint32_t n = 0; n < 8 && n < s->nrecs; n++) {
		struct sweep_rec *c = &s->recs[s->hand];
		s->hand = (s->hand + 1) % s->nrecs;
		if (!c->used) {
			r = c;
			break;
		}
		if (!oldest || c->last_ns < oldest->last_ns)
			oldest = c;
	}
	if (!r) {
		/* the pool is full: the quietest candidate goes, evaluated first */
		s->evictions++;
		evaluate(d, oldest);
		rec_release(s, oldest);
		r = oldest;
		/* its host no longer points here; find it lazily: hosts check src on use */
	}
	r->used = true;
	r->src = h->addr;
	h->sweep_idx = (uint32_t)(r - s->recs) + 1;
	s->by_src[src_slot(s, &h->addr)] = h->sweep_idx;
	return r;
}

/* The candidate record of a source found by its address (for packets that do not carry the
 * source's host record: TCP/UDP, neighbour advertisements to it), or NULL. */
static struct sweep_rec *rec_by_addr(struct sweep *s, const struct ih_addr *src)
{
	uint32_t idx = s->by_src[src_slot(s, src)];
	if (!idx)
		return NULL;
	struct sweep_rec *r = &s->recs[idx - 1];
	return r->used && ih_addr_same(&r->src, src) ? r : NULL;
}

static struct sweep_rec *rec_of(struct sweep *s, const struct ih_host *h)
{
	if (!h->sweep_idx || h->sweep_idx > s->nrecs)
		return NULL;
	struct sweep_rec *r = &s->recs[h->sweep_idx - 1];
	return r->used && ih_addr_same(&r->src, &h->addr) ? r : NULL;
}

/* A probe at ts: the episode ends first if the source was quiet too long or it spans too long. */
static void episode_probe(struct ih_detector *d, struct sweep_rec *r, enum ih_icmp_class cls, uint64_t ts)
{
	struct sweep *s = d->state;
	if (r->probes && ((ts > r->last_ns && ts - r->last_ns > s->cfg->sweep_gap_ns) ||
			  (ts > r->first_ns && ts - r->first_ns > s->cfg->sweep_window_ns))) {
		evaluate(d, r);
		rec_reset(s, r);
	}
	if (!r->probes)
		r->first_ns = ts;
	if (ts > r->last_ns)
		r->last_ns = ts;
	r->probes++;
	r->class_mask |= 1u << cls;
}

/* A probe to a group address; one to an a.b.c.255 has been noted as an ordinary target
 * already (note_probe), as it may be one. */
static void note_group_probe(struct ih_detector *d, struct sweep_rec *r, const struct ih_pkt *pkt,
			     enum ih_group kind)
{
	if (kind != IH_GROUP_MAYBE)
		episode_probe(d, r, pkt->icmp_class, pkt->ts_ns);
	if (r->group_probes < UINT32_MAX)
		r->group_probes++;
	r->group_kinds |= (uint8_t)(1u << kind);
	r->group_has_id = pkt->has_echo_fields;
	r->group_id = pkt->icmp_id;
	r->group_last_ns = pkt->ts_ns;
	if (!is_group_addr(r, &pkt->dst)) {
		if (r->ngroups < GROUP_LIST)
			r->groups[r->ngroups] = pkt->dst;
		r->ngroups++;
	}
}

/* t answered at ts. */
static void mark_answered(struct sweep_rec *r, struct target *t, uint64_t ts)
{
	t->flags |= TF_ANSWERED;
	uint64_t ms = ts > r->first_ns ? (ts - r->first_ns) / 1000000ull : 0;
	t->answer_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
	r->last_answer_ns = ts;
}

/* An answer (or an error) from `from` to a source that probed a group address: a responder
 * when it came soon enough after a group probe and is not the group itself. */
static void note_group_answer(struct ih_detector *d, struct sweep_rec *r, const struct ih_addr *from,
			      uint64_t ts)
{
	struct sweep *s = d->state;
	if (ts < r->group_last_ns || ts - r->group_last_ns > (uint64_t)s->cfg->sweep_group_answer_ms * 1000000ull ||
	    is_group_addr(r, from))
		return;
	struct target *t = target_find(s, r, from, true);
	if (!t) {
		s->target_overflows++;
		return;
	}
	if (t->probes == 0 && !(t->flags & TF_ANSWERED)) {
		t->flags |= TF_GROUP;
		mark_answered(r, t, ts);
		t->first_ms = t->answer_ms;
	}
}

static void note_probe(struct ih_detector *d, struct sweep_rec *r, const struct ih_addr *dst,
		       enum ih_icmp_class cls, uint64_t ts)
{
	struct sweep *s = d->state;
	episode_probe(d, r, cls, ts);
	struct target *t = target_find(s, r, dst, true);
	if (!t) {
		r->overflow++;
		s->target_overflows++;
		ih_hll_add(r->hll, SWEEP_HLL, ih_hll_hash(dst, sizeof(*dst)));
		return;
	}
	if (t->probes == 0) {
		uint64_t ms = ts > r->first_ns ? (ts - r->first_ns) / 1000000ull : 0;
		t->first_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
		if (r->ntargets == 1)
			r->lo = r->hi = *dst;
		if (ih_addr_cmp(dst, &r->lo) < 0)
			r->lo = *dst;
		if (ih_addr_cmp(dst, &r->hi) > 0)
			r->hi = *dst;
		if (r->has_prev && addr_next(&r->prev_new, dst))
			r->sequential++;
		r->prev_new = *dst;
		r->has_prev = true;
	}
	/* Revisited after it answered: monitoring does that on a schedule, a sweep does not. A
	 * different probe kind sent in the same burst (nmap -PE -PP) is not a revisit. */
	uint64_t now_ms = ts > r->first_ns ? (ts - r->first_ns) / 1000000ull : 0;
	if ((t->flags & TF_ANSWERED) && now_ms >= (uint64_t)t->answer_ms + s->cfg->sweep_revisit_ms)
		t->flags |= TF_REPROBED;
	if (t->probes < UINT16_MAX)
		t->probes++;
	t->flags &= (uint8_t)~TF_GROUP; /* probed itself now: an ordinary target */
}

/* An answer at ts from a target of r: it answered (never a new target). */
static void note_answer(struct sweep *s, struct sweep_rec *r, const struct ih_addr *from, uint64_t ts)
{
	struct target *t = target_find(s, r, from, false);
	if (t)
		mark_answered(r, t, ts);
}

/* Is the neighbour solicitation one that resolves an address (see the top of the file)? Its
 * target in *target; false for duplicate address detection, a unicast solicitation (a
 * reachability check), or one for the sender's own address. */
static bool nd_probe_target(const struct ih_pkt *pkt, struct ih_addr *target)
{
	static const uint8_t zero[16];
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	if (pkt->ip_ver != 6 || pkt->payload_len < 16 || memcmp(pkt->src.b, zero, 16) == 0 ||
	    memcmp(pkt->dst.b, snm, sizeof(snm)) != 0)
		return false;
	ih_addr_v6(target, pkt->payload);
	return memcmp(target->b + 13, pkt->dst.b + 13, 3) == 0 && !ih_addr_same(target, &pkt->src) &&
	       ih_addr_group(target) == IH_GROUP_NONE;
}

static void sweep_on_nd(struct ih_detector *d, const struct ih_event *ev)
{
	struct sweep *s = d->state;
	const struct ih_pkt *pkt = ev->pkt;
	struct ih_host *h = ev->client;
	if (pkt->icmp_class == IH_ICMP_NEIGH_ADV) {
		/* the answer: from the target to the candidate that solicited it */
		struct sweep_rec *r = rec_by_addr(s, &pkt->dst);
		if (r && (r->class_mask & (1u << IH_ICMP_NEIGH_SOL)))
			note_answer(s, r, &pkt->src, pkt->ts_ns);
		return;
	}
	struct ih_addr target;
	if (h->class_mask & (1u << IH_ICMP_ROUTER_ADV) || !nd_probe_target(pkt, &target))
		return;
	struct sweep_rec *r = rec_of(s, h);
	if (!r) {
		uint64_t hh = XXH3_64bits_withSeed(&h->addr, sizeof(h->addr), s->seed ^ 0x4e44);
		struct nd_seen *n = &s->nd_seen[hh & (ND_SEEN - 1)];
		uint32_t tag = (uint32_t)(hh >> 32) | 1u; /* 0: a free entry */
		uint32_t ttag = (uint32_t)XXH3_64bits_withSeed(&target, sizeof(target), s->seed);
		if (n->src_tag != tag) {
			n->src_tag = tag;
			n->count = 0;
			n->last_target = 0;
		}
		if (n->last_target != ttag) {
			n->last_target = ttag;
			n->count++;
		}
		if (n->count < ADMIT_DSTS)
			return;
		n->src_tag = 0;
		r = rec_admit(d, h);
	}
	note_probe(d, r, &target, IH_ICMP_NEIGH_SOL, pkt->ts_ns);
}

static void sweep_on_error(struct ih_detector *d, const struct ih_event *ev)
{
	/* an error quoting a probe the source sent to a group address (alive6's probes with an
	 * unknown option draw a parameter problem from every host on the link) */
	const struct ih_pkt *pkt = ev->pkt;
	struct sweep_rec *r = rec_of(d->state, ev->client);
	if (r && r->group_probes && pkt->quoted.present && ih_addr_same(&pkt->quoted.src, &ev->client->addr) &&
	    is_group_addr(r, &pkt->quoted.dst))
		note_group_answer(d, r, &pkt->src, pkt->ts_ns);
}

static void sweep_on_icmp(struct ih_detector *d, const struct ih_event *ev)
{
	struct sweep *s = d->state;
	const struct ih_pkt *pkt = ev->pkt;
	struct ih_host *h = ev->client;
	if (!h)
		return; /* a host's first packet while the host table was full: no record to count on */
	if (ih_icmp_is_probe(pkt->icmp_class) && !ev->to_client) {
		struct sweep_rec *r = rec_of(s, h);
		enum ih_group group = ih_addr_group(&pkt->dst);
		/* a broadcast with another host's address as its source (its frame came from another
		 * hardware address) is a smurf aimed at that host, not its discovery: volume's */
		if (group && ev->forged_src) {
			s->forged_group_probes++;
			return;
		}
		if (!r) {
			if (ih_host_ndst(h) < ADMIT_DSTS && !group)
				return;
			r = rec_admit(d, h);
			/* the destinations the host table already saw (the current one last) */
			for (uint32_t i = 0; i < h->ndst_small; i++) {
				enum ih_group g = ih_addr_group(&h->dst_small[i]);
				if (ih_addr_same(&h->dst_small[i], &pkt->dst) || (g && g != IH_GROUP_MAYBE))
					continue;
				struct ih_pair *p = ih_track_find_pair(d->track, &h->addr, &h->dst_small[i]);
				note_probe(d, r, &h->dst_small[i], pkt->icmp_class,
					   p ? p->first_probe_ns : pkt->ts_ns);
				struct target *t = target_find(s, r, &h->dst_small[i], false);
				if (t && p) {
					t->probes = (uint16_t)(p->probes > UINT16_MAX ? UINT16_MAX : p->probes);
					if (p->answers)
						t->flags |= TF_ANSWERED;
					if (p->probes_after_answer)
						t->flags |= TF_REPROBED;
				}
			}
			r->probes = h->probes > 0 ? h->probes - 1 : 0;
			if (r->first_ns > h->first_ns || !r->first_ns)
				r->first_ns = h->first_ns;
		}
		if (!group || group == IH_GROUP_MAYBE)
			note_probe(d, r, &pkt->dst, pkt->icmp_class, pkt->ts_ns);
		if (group)
			note_group_probe(d, r, pkt, group);
	} else if (ih_icmp_is_answer(pkt->icmp_class) && ev->to_client) {
		struct sweep_rec *r = rec_of(s, h);
		if (!r)
			return;
		/* an answer from a host the source sent no request to, with the group probe's id */
		if (r->group_probes && ev->pair && ev->pair->probes == 0 &&
		    (!r->group_has_id || !pkt->has_echo_fields || pkt->icmp_id == r->group_id)) {
			note_group_answer(d, r, &pkt->src, pkt->ts_ns);
			return;
		}
		note_answer(s, r, &pkt->src, pkt->ts_ns);
	} else if (ih_icmp_is_error(pkt->icmp_class) && ev->to_client) {
		sweep_on_error(d, ev);
	} else if (pkt->icmp_class == IH_ICMP_NEIGH_SOL || pkt->icmp_class == IH_ICMP_NEIGH_ADV) {
		sweep_on_nd(d, ev);
	}
}

static void sweep_on_transport(struct ih_detector *d, const struct ih_pkt *pkt)
{
	/* service probes (TCP SYN or ACK, UDP) to targets of a candidate: nmap -sn does this */
	struct sweep *s = d->state;
	if (pkt->proto == IH_PROTO_TCP && !(pkt->tcp_flags & (IH_TCP_SYN | IH_TCP_ACK)))
		return;
	struct sweep_rec *r = rec_by_addr(s, &pkt->src);
	if (!r)
		return;
	struct target *t = target_find(s, r, &pkt->dst, false);
	if (t)
		t->flags |= TF_SERVICE;
}

static void sweep_on_host_end(struct ih_detector *d, const struct ih_host *h)
{
	struct sweep *s = d->state;
	struct sweep_rec *r = rec_of(s, h);
	if (!r)
		return;
	evaluate(d, r);
	rec_release(s, r);
}

static void sweep_on_flush(struct ih_detector *d)
{
	struct sweep *s = d->state;
	for (uint32_t i = 0; i < s->nrecs; i++)
		if (s->recs[i].used) {
			evaluate(d, &s->recs[i]);
			rec_release(s, &s->recs[i]);
		}
}

/* Live capture: every open episode judged now, into `into`; the episode goes on untouched
 * (evaluate reads the record; only the episode counter and the output are put back). */
static void sweep_judge_open(struct ih_detector *d, struct ih_findings *into)
{
	struct sweep *s = d->state;
	struct ih_findings *out = d->out;
	uint64_t episodes = s->episodes;
	d->out = into;
	for (uint32_t i = 0; i < s->nrecs; i++)
		if (s->recs[i].used)
			evaluate(d, &s->recs[i]);
	d->out = out;
	s->episodes = episodes;
}

static void sweep_add_stats(struct ih_detector *d, json_t *stats)
{
	struct sweep *s = d->state;
	json_t *o = json_object();
	json_object_set_new(o, "candidates_capacity", json_integer(s->nrecs));
	json_object_set_new(o, "candidate_evictions", json_integer((json_int_t)s->evictions));
	json_object_set_new(o, "targets_not_listed", json_integer((json_int_t)s->target_overflows));
	json_object_set_new(o, "episodes", json_integer((json_int_t)s->episodes));
	json_object_set_new(o, "forged_group_probes", json_integer((json_int_t)s->forged_group_probes));
	json_object_set_new(stats, "sweep", o);
}

static size_t sweep_memory(struct ih_detector *d)
{
	struct sweep *s = d->state;
	return sizeof(*s) + (size_t)s->nrecs * (sizeof(struct sweep_rec) + s->set_cap * (sizeof(struct target) + sizeof(uint32_t))) +
	       ((size_t)s->by_src_mask + 1) * sizeof(*s->by_src) + ((size_t)s->set_cap / 2 + 1) * sizeof(struct target) +
	       ND_SEEN * sizeof(*s->nd_seen);
}

static void sweep_destroy(struct ih_detector *d)
{
	struct sweep *s = d->state;
	if (s) {
		free(s->recs);
		free(s->pool);
		free(s->order_pool);
		free(s->by_src);
		free(s->nd_seen);
		free(s->tshape.scratch);
		free(s);
	}
}

struct ih_detector *ih_detector_sweep(const struct ih_config *cfg, struct ih_findings *out)
{
	struct ih_detector *d = calloc(1, sizeof(*d));
	struct sweep *s = calloc(1, sizeof(*s));
	if (!d || !s) {
		free(d);
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	s->nrecs = cfg->sweep_capacity ? cfg->sweep_capacity : 1;
	s->set_cap = 16;
	while (s->set_cap < cfg->sweep_targets && s->set_cap < (1u << 20))
		s->set_cap <<= 1;
	s->set_mask = s->set_cap - 1;
	s->seed = cfg->track.seed ? cfg->track.seed ^ 0x5eed5eedull : (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull;
	s->recs = calloc(s->nrecs, sizeof(*s->recs));
	s->pool = calloc((size_t)s->nrecs * s->set_cap, sizeof(*s->pool));
	s->order_pool = calloc((size_t)s->nrecs * s->set_cap, sizeof(*s->order_pool));
	s->tshape = (struct ih_tset_shape){ .esize = sizeof(struct target), .used_off = offsetof(struct target, used),
					    .max_mask = s->set_mask, .limit = s->set_cap - s->set_cap / 4,
					    .seed = seed_of(s) };
	s->tshape.scratch = calloc((size_t)s->set_cap / 2 + 1, sizeof(struct target));
	s->by_src_mask = 63;
	while (s->by_src_mask < s->nrecs * 4)
		s->by_src_mask = s->by_src_mask * 2 + 1;
	s->by_src = calloc((size_t)s->by_src_mask + 1, sizeof(*s->by_src));
	s->nd_seen = calloc(ND_SEEN, sizeof(*s->nd_seen));
	d->state = s;
	if (!s->recs || !s->pool || !s->order_pool || !s->by_src || !s->tshape.scratch || !s->nd_seen) {
		sweep_destroy(d);
		free(d);
		return NULL;
	}
	for (uint32_t i = 0; i < s->nrecs; i++) {
		s->recs[i].set = &s->pool[(size_t)i * s->set_cap];
		s->recs[i].order = &s->order_pool[(size_t)i * s->set_cap];
	}
	d->name = "sweep";
	d->cfg = cfg;
	d->out = out;
	d->on_icmp = sweep_on_icmp;
	d->on_transport = sweep_on_transport;
	d->on_host_end = sweep_on_host_end;
	d->on_flush = sweep_on_flush;
	d->judge_open = sweep_judge_open;
	d->add_stats = sweep_add_stats;
	d->memory = sweep_memory;
	d->destroy = sweep_destroy;
	return d;
}

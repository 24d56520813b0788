/* attrib.c — conversations of the local host, their processes, and findings; see attrib.h.
 *
 * The conversation table is open addressing over a fixed capacity with a keyed hash (XXH3,
 * seeded like the tracking tables), a probe window of 8 and least-recently-seen eviction,
 * counted. A conversation is keyed by (source address, echo id): one socket of one process
 * talks to one or many peers with one id (ping, fping, ptunnel), so an fping sweep is one
 * conversation; nmap, with a new id per probe, makes many, folded back per process when
 * findings are made. Messages without an echo id (id 0, has_id false) share one conversation
 * per source. Keys are compared and hashed as bytes: they are zeroed before being filled and
 * copied with memcpy, padding included. */
#include "endpoint/attrib.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#define PROBE 8
#define MAX_PEERS 8
#define MAX_LOCAL 128
#define RAISED_KEYS 1024
#define QUEUE_MAX 64
#define GIVE_UP_NS 3000000000ull          /* live: a conversation quiet this long is given up */
#define FORGET_NS (600ull * 1000000000ull) /* live: an attributed one is forgotten after this */
#define REFRESH_NS 5000000000ull          /* live: re-read the interface addresses */

enum { CONV_FREE = 0, CONV_USED = 1 };
enum { ST_PENDING = 0, ST_DONE, ST_FAILED };

struct conv_key {
	struct ih_addr src;
	uint16_t id;
	uint8_t has_id;
	uint8_t pad;
};

struct conv {
	struct conv_key key;
	uint8_t slot;
	uint8_t state;
	bool announced;
	uint64_t announced_ns;     /* wall clock when its attribution line was written */
	bool peers_overflow;
	uint8_t npeers;
	struct ih_addr peers[MAX_PEERS];
	uint64_t first_ns, last_ns;
	uint32_t requests;
	uint32_t data_requests;    /* requests whose payload matches no ordinary tool's */
	struct ih_ep_answer ans;
};

/* What one process did, over one or several conversations: a suspicious_process finding's
 * span, counts and destination. */
struct activity {
	uint64_t first_ns, last_ns;
	uint64_t requests;
	unsigned conversations;
	bool has_id, several_ids;
	uint16_t id;
	unsigned npeers;
	bool peers_overflow;
	struct ih_addr lo, hi;     /* the lowest and highest peer, for a covering CIDR */
};

struct raised {
	int32_t pid;
	uint64_t start_ns;
	uint64_t exe_hash;
	struct ih_addr src;
};

struct known_tool {
	const char *path;
	bool tried, ok;
	uint64_t size;
	dev_t dev;
	ino_t ino;
	char sha[65];
};

struct ih_endpoint {
	struct ih_ep_config cfg;
	const struct ih_config *icfg;
	struct ih_findings *out;
	struct ih_detector *det;
	bool det_given;       /* handed to a pipeline, which frees it */
	struct conv *convs;
	uint32_t mask;
	uint64_t seed;
	struct ih_addr local[MAX_LOCAL];
	unsigned nlocal;
	uint64_t last_refresh;
	struct raised raised[RAISED_KEYS];
	unsigned nraised, raised_next;
	struct ih_finding *queue[QUEUE_MAX];
	unsigned nqueue;
	void (*emit)(void *ctx, json_t *line);
	void *emit_ctx;
	struct known_tool tools[16];
	/* stats */
	uint64_t convs_seen, convs_evicted, convs_done, convs_failed, convs_no_owner;
	uint64_t findings_attributed, findings_unattributed, suspicious, queue_dropped;
	uint64_t lines_coalesced;
};

void ih_ep_config_default(struct ih_ep_config *c)
{
	memset(c, 0, sizeof(*c));
	c->slack_ns = 2000000000ull;
	c->lookback_ns = 3600ull * 1000000000ull;
	c->conv_capacity = 4096;
}

static const char *const tool_paths[] = {
	"/usr/bin/ping", "/bin/ping", "/usr/bin/fping", "/usr/sbin/fping", "/usr/bin/mtr",
	"/usr/bin/mtr-packet", "/usr/bin/traceroute", "/usr/sbin/traceroute", "/usr/bin/tracepath",
	"/usr/bin/arping", "/usr/bin/nmap", "/usr/sbin/hping3", "/usr/bin/ptunnel-ng", NULL,
};

/* ---------------------------------------------------------------- the detector side */

static bool is_local(const struct ih_endpoint *e, const struct ih_addr *a)
{
	if (e->cfg.live_local) {
		for (unsigned i = 0; i < e->nlocal; i++)
			if (ih_addr_eq(&e->local[i], a))
				return true;
		return false;
	}
	if (e->cfg.have_host)
		return ih_addr_eq(&e->cfg.host, a);
	return true;
}

static struct conv *conv_at(const struct ih_endpoint *e, uint32_t i)
{
	return &e->convs[i];
}

static struct conv *conv_get(struct ih_endpoint *e, const struct conv_key *k, uint64_t now)
{
	uint32_t i = (uint32_t)XXH3_64bits_withSeed(k, sizeof(*k), e->seed) & e->mask;
	struct conv *free_c = NULL, *oldest = NULL;
	for (unsigned n = 0; n < PROBE && n <= e->mask; n++, i = (i + 1) & e->mask) {
		struct conv *c = conv_at(e, i);
		if (c->slot != CONV_USED) {
			if (!free_c)
				free_c = c;
			continue;
		}
		if (memcmp(&c->key, k, sizeof(*k)) == 0)
			return c;
		if (!oldest || c->last_ns < oldest->last_ns)
			oldest = c;
	}
	if (!free_c) {
		e->convs_evicted++;
		free_c = oldest;
	}
	memset(free_c, 0, sizeof(*free_c));
	memcpy(&free_c->key, k, sizeof(*k));
	free_c->slot = CONV_USED;
	free_c->first_ns = free_c->last_ns = now;
	ih_ep_answer_init(&free_c->ans);
	e->convs_seen++;
	return free_c;
}

static void ep_on_icmp(struct ih_detector *d, const struct ih_event *ev)
{
	struct ih_endpoint *e = d->state;
	const struct ih_pkt *pkt = ev->pkt;
	if (ev->to_client)
		return; /* answers and errors: the kernel sends those */
	if (!ih_icmp_is_probe(pkt->icmp_class) && pkt->icmp_class != IH_ICMP_OTHER)
		return;
	if (!is_local(e, &pkt->src))
		return;
	struct conv_key k;
	memset(&k, 0, sizeof(k));
	k.src = pkt->src;
	k.has_id = pkt->has_echo_fields;
	k.id = pkt->has_echo_fields ? pkt->icmp_id : 0;
	struct conv *c = conv_get(e, &k, pkt->ts_ns);
	if (pkt->ts_ns > c->last_ns)
		c->last_ns = pkt->ts_ns;
	if (pkt->ts_ns < c->first_ns)
		c->first_ns = pkt->ts_ns;
	c->requests++;
	if (ev->tpl == IH_TPL_NONE && pkt->payload_len > 0)
		c->data_requests++;
	bool have = false;
	for (unsigned i = 0; i < c->npeers && !have; i++)
		have = ih_addr_eq(&c->peers[i], &pkt->dst);
	if (!have) {
		if (c->npeers < MAX_PEERS)
			c->peers[c->npeers++] = pkt->dst;
		else
			c->peers_overflow = true;
	}
}

static void ep_add_stats(struct ih_detector *d, json_t *stats)
{
	json_object_set_new(stats, "endpoint", ih_endpoint_stats_json(d->state));
}

static size_t ep_memory(struct ih_detector *d)
{
	struct ih_endpoint *e = d->state;
	return sizeof(*e) + (size_t)(e->mask + 1) * sizeof(struct conv);
}

static void ep_destroy(struct ih_detector *d)
{
	/* the endpoint itself belongs to the command, which frees it (ih_endpoint_free) in any
	 * order with the pipeline: nothing to do here */
	(void)d;
}

/* ---------------------------------------------------------------- life */

void ih_endpoint_refresh_local(struct ih_endpoint *e)
{
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) != 0)
		return;
	unsigned n = 0;
	for (struct ifaddrs *i = ifa; i && n < MAX_LOCAL; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *s = (const void *)i->ifa_addr;
			ih_addr_v4(&e->local[n++], (const uint8_t *)&s->sin_addr);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s = (const void *)i->ifa_addr;
			ih_addr_v6(&e->local[n++], s->sin6_addr.s6_addr);
		}
	}
	freeifaddrs(ifa);
	if (e->cfg.have_host && n < MAX_LOCAL)
		e->local[n++] = e->cfg.host;
	e->nlocal = n;
}

struct ih_endpoint *ih_endpoint_new(const struct ih_ep_config *cfg, const struct ih_config *icfg,
				    struct ih_findings *out)
{
	struct ih_endpoint *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->icfg = icfg;
	e->out = out;
	uint32_t cap = 64;
	while (cap < cfg->conv_capacity && cap < (1u << 20))
		cap <<= 1;
	e->mask = cap - 1;
	e->convs = calloc(cap, sizeof(*e->convs));
	e->det = calloc(1, sizeof(*e->det));
	if (!e->convs || !e->det) {
		free(e->convs);
		free(e->det);
		free(e);
		return NULL;
	}
	e->seed = cfg->seed;
	if (!e->seed && getrandom(&e->seed, sizeof(e->seed), 0) != (ssize_t)sizeof(e->seed))
		e->seed = 0x2545f4914f6cdd1dull ^ (uint64_t)(uintptr_t)e;
	for (unsigned i = 0; tool_paths[i] && i < sizeof(e->tools) / sizeof(e->tools[0]); i++)
		e->tools[i].path = tool_paths[i];
	struct ih_detector *d = e->det;
	d->name = "endpoint";
	d->state = e;
	d->cfg = icfg;
	d->out = out;
	d->on_icmp = ep_on_icmp;
	d->add_stats = ep_add_stats;
	d->memory = ep_memory;
	d->destroy = ep_destroy;
	if (cfg->live_local)
		ih_endpoint_refresh_local(e);
	return e;
}

struct ih_detector *ih_endpoint_detector(struct ih_endpoint *e)
{
	e->det_given = true;
	return e->det;
}

void ih_endpoint_free(struct ih_endpoint *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nqueue; i++)
		ih_finding_free(e->queue[i]);
	if (!e->det_given)
		free(e->det);
	free(e->convs);
	free(e);
}

/* ---------------------------------------------------------------- resolving */

static uint64_t now_or(uint64_t x)
{
	return x ? x : ih_ep_now_ns();
}

/* Echo ids of the same source's other conversations around c's time (explains raw sockets
 * of classic tools whose id is their pid). */
static unsigned other_ids(const struct ih_endpoint *e, const struct conv *c, uint16_t *ids, unsigned cap)
{
	unsigned n = 0;
	for (uint32_t i = 0; i <= e->mask && n < cap; i++) {
		const struct conv *o = conv_at(e, i);
		if (o == c || o->slot != CONV_USED || !o->key.has_id || !ih_addr_eq(&o->key.src, &c->key.src))
			continue;
		if (o->first_ns > c->last_ns + 2000000000ull || o->last_ns + 2000000000ull < c->first_ns)
			continue;
		if (c->key.has_id && o->key.id == c->key.id)
			continue;
		ids[n++] = o->key.id;
	}
	return n;
}

static bool resolve_query(struct ih_endpoint *e, const struct ih_ep_query *q, struct ih_ep_answer *a)
{
	struct ih_ep_answer live;
	bool have_live = false;
	if (e->cfg.sampler) {
		if (ih_sampler_match(e->cfg.sampler, q, &live)) {
			*a = live;
			if (live.owner_known || !e->cfg.log)
				return true;
		}
		have_live = true;
	}
	if (e->cfg.log) {
		bool host_ok = e->cfg.have_host && ih_addr_eq(&q->src, &e->cfg.host);
		if (ih_eplog_match(e->cfg.log, q, host_ok, e->cfg.slack_ns, e->cfg.lookback_ns, a))
			return true;
	}
	if (have_live)
		*a = live;
	return have_live && live.match != IH_EP_MATCH_NONE;
}

static void raise_suspicious(struct ih_endpoint *e, const struct ih_proc *p, enum ih_ep_sock sock,
			     enum ih_ep_match match, const struct ih_addr *src, const struct activity *act);

/* A conversation just got its answer: count it, raise suspicious_process when it deserves one,
 * announce it (live). */
static void conv_settled(struct ih_endpoint *e, struct conv *c);

static void resolve_conv(struct ih_endpoint *e, struct conv *c, bool final)
{
	if (c->state != ST_PENDING)
		return;
	uint16_t ids[64];
	struct ih_ep_query q = {
		.family = c->key.src.family,
		.src = c->key.src,
		.dsts = c->peers,
		.ndst = c->npeers,
		.has_id = c->key.has_id,
		.id = c->key.id,
		.t0 = c->first_ns,
		.t1 = c->last_ns,
		.other_ids = ids,
	};
	q.n_other = other_ids(e, c, ids, 64);
	if (c->peers_overflow)
		q.ndst = 0; /* any peer */
	struct ih_ep_answer a;
	if (resolve_query(e, &q, &a)) {
		c->ans = a;
		c->state = ST_DONE;
		conv_settled(e, c);
		return;
	}
	if (final) {
		c->ans = a;
		c->state = ST_FAILED;
		conv_settled(e, c);
	}
}

/* ---------------------------------------------------------------- suspicious_process */

static uint64_t str_hash(const char *s)
{
	return XXH3_64bits(s, strlen(s));
}

/* Live only: is this executable a copy of a system tool (same content, another file)? The
 * tool itself under another name (a hard link, /bin -> /usr/bin) is not a copy. */
static const char *copy_of(struct ih_endpoint *e, const struct ih_proc *p)
{
	if (!e->cfg.sampler || !p->exe_sha256[0] || !p->exe_size)
		return NULL;
	size_t ntools = sizeof(e->tools) / sizeof(e->tools[0]);
	for (size_t i = 0; i < ntools && e->tools[i].path; i++)
		if (strcmp(e->tools[i].path, p->exe) == 0)
			return NULL;
	struct stat self;
	bool have_self = !p->exe_deleted && stat(p->exe, &self) == 0;
	for (size_t i = 0; i < ntools && e->tools[i].path; i++) {
		struct known_tool *t = &e->tools[i];
		if (!t->tried) {
			t->tried = true;
			int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
				t->size = (uint64_t)st.st_size;
				t->dev = st.st_dev;
				t->ino = st.st_ino;
				t->ok = ih_ep_sha256_fd(fd, 64ull << 20, t->sha);
			}
			if (fd >= 0)
				close(fd);
		}
		if (!t->ok || t->size != p->exe_size || strcmp(t->sha, p->exe_sha256) != 0)
			continue;
		if (have_self && self.st_dev == t->dev && self.st_ino == t->ino)
			return NULL; /* the very same file */
		return t->path;
	}
	return NULL;
}

static void activity_add_peer(struct activity *a, const struct ih_addr *peer)
{
	if (a->npeers == 0 || ih_addr_cmp(peer, &a->lo) < 0)
		a->lo = *peer;
	if (a->npeers == 0 || ih_addr_cmp(peer, &a->hi) > 0)
		a->hi = *peer;
	a->npeers++;
}

/* Folds a conversation into what its process did. */
static void activity_add(struct activity *a, const struct conv *c)
{
	if (!a->conversations || c->first_ns < a->first_ns)
		a->first_ns = c->first_ns;
	if (!a->conversations || c->last_ns > a->last_ns)
		a->last_ns = c->last_ns;
	a->requests += c->requests;
	if (c->key.has_id) {
		if (a->has_id && a->id != c->key.id)
			a->several_ids = true;
		if (!a->has_id) {
			a->has_id = true;
			a->id = c->key.id;
		}
	}
	a->conversations++;
	/* peers are counted per conversation: nmap's one probe per id gives one each */
	for (unsigned k = 0; k < c->npeers; k++)
		activity_add_peer(a, &c->peers[k]);
	a->peers_overflow |= c->peers_overflow;
}

static void raise_suspicious(struct ih_endpoint *e, const struct ih_proc *p, enum ih_ep_sock sock,
			     enum ih_ep_match match, const struct ih_addr *src, const struct activity *act)
{
	struct ih_ep_verdict v;
	ih_ep_classify(p->exe, p->exe_deleted, &v);
	const char *copy = copy_of(e, p);
	if (!v.suspicious && !copy)
		return;
	/* one finding per process (and source address): a tool that talks to many peers, or uses
	 * a new echo id per probe, is still one process */
	struct raised key = { p->pid, p->start_ns, str_hash(p->exe), *src };
	for (unsigned i = 0; i < e->nraised; i++) {
		const struct raised *r = &e->raised[i];
		if (r->pid == key.pid && r->start_ns == key.start_ns && r->exe_hash == key.exe_hash &&
		    ih_addr_eq(&r->src, &key.src))
			return;
	}
	e->raised[e->raised_next] = key;
	e->raised_next = (e->raised_next + 1) % RAISED_KEYS;
	if (e->nraised < RAISED_KEYS)
		e->nraised++;

	enum ih_sev sev = v.suspicious ? v.severity : IH_SEV_HIGH;
	double conf = v.suspicious ? v.confidence : 0.85;
	if (copy) {
		sev = IH_SEV_HIGH;
		conf = conf > 0.9 ? conf : 0.9;
	}
	struct ih_finding *f = ih_finding_new("suspicious_process", sev, conf, src, act->first_ns, act->last_ns);
	if (!f)
		return;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	b[0] = '\0';
	if (act->npeers == 1 && !act->peers_overflow) {
		ih_finding_set_dst_addr(f, &act->lo);
		ih_addr_str(&act->lo, b, sizeof(b));
	} else if (act->npeers > 1 && act->lo.family == act->hi.family) {
		struct ih_cidr cover;
		ih_cidr_cover(&act->lo, &act->hi, &cover);
		ih_finding_set_dst_str(f, ih_cidr_str(&cover, b, sizeof(b)));
	}
	ih_finding_add_mitre(f, "T1095");
	if (copy)
		ih_finding_add_mitre(f, "T1036.003");
	json_t *ev = f->evidence;
	json_object_set_new(ev, "process", ih_proc_json(p, sock, match));
	json_object_set_new(ev, "location", json_string(ih_ep_loc_name(v.loc)));
	json_object_set_new(ev, "tool_class", json_string(ih_ep_tool_name(v.tool)));
	if (v.tool_name)
		json_object_set_new(ev, "tool", json_string(v.tool_name));
	if (v.hidden_dir)
		json_object_set_new(ev, "hidden_directory", json_true());
	if (copy)
		json_object_set_new(ev, "renamed_copy_of", json_string(copy));
	json_t *rs = json_array();
	for (unsigned i = 0; v.reasons[i]; i++)
		json_array_append_new(rs, json_string(v.reasons[i]));
	if (copy)
		json_array_append_new(rs, json_string("same content as a system tool under another name"));
	json_object_set_new(ev, "reasons", rs);
	json_object_set_new(ev, "echo_id", act->has_id && !act->several_ids ? json_integer(act->id) : json_null());
	if (act->several_ids)
		json_object_set_new(ev, "echo_ids", json_string("several"));
	json_object_set_new(ev, "requests", json_integer((json_int_t)act->requests));
	json_object_set_new(ev, "conversations", json_integer(act->conversations));
	json_object_set_new(ev, "peers", json_integer(act->npeers + (act->peers_overflow ? 1 : 0)));
	if (act->peers_overflow)
		json_object_set_new(ev, "peers_not_listed", json_true());
	const char *what = copy ? "a renamed copy of a system tool"
			 : v.tool == IH_TOOLC_TUNNEL ? "a known ICMP tunnel tool"
			 : v.tool == IH_TOOLC_OFFENSIVE ? "a packet-crafting tool"
			 : v.tool == IH_TOOLC_RECON ? "a reconnaissance tool"
			 : v.loc == IH_LOC_HOME || v.loc == IH_LOC_TEMP || v.loc == IH_LOC_SHM
				 ? "an executable in a user-writable directory"
			 : p->exe_deleted ? "a deleted executable"
			 : "a program that is not a known diagnostic tool";
	char who[96];
	if (p->user[0])
		snprintf(who, sizeof(who), "user %s", p->user);
	else if (p->uid >= 0)
		snprintf(who, sizeof(who), "uid %lld", (long long)p->uid);
	else
		snprintf(who, sizeof(who), "user unknown");
	if (p->auid >= 0 && p->auid != 4294967295LL && p->auid != p->uid) {
		size_t l = strlen(who);
		snprintf(who + l, sizeof(who) - l, " (login uid %lld)", (long long)p->auid);
	}
	ih_finding_summary(f, "ICMP from %s to %s was sent by %s: pid %d, %s, %s", ih_addr_str(src, a, sizeof(a)),
			   b[0] ? b : "?", what, (int)p->pid, p->exe[0] ? p->exe : "(executable unknown)", who);
	e->suspicious++;
	if (e->nqueue < QUEUE_MAX) {
		e->queue[e->nqueue++] = f;
	} else {
		e->queue_dropped++;
		ih_finding_free(f);
	}
}

void ih_endpoint_flush(struct ih_endpoint *e)
{
	/* pop one at a time: adding may call back into the endpoint (live output) */
	while (e->nqueue) {
		struct ih_finding *f = e->queue[0];
		memmove(e->queue, e->queue + 1, (e->nqueue - 1) * sizeof(e->queue[0]));
		e->nqueue--;
		ih_findings_add(e->out, f);
	}
}

static json_t *socket_json(const struct ih_ep_answer *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(ih_ep_sock_name(a->sock)));
	if (a->inode)
		json_object_set_new(o, "inode", json_integer((json_int_t)a->inode));
	if (a->sock_uid >= 0) {
		char user[IH_EP_USER_MAX];
		json_object_set_new(o, "uid", json_integer(a->sock_uid));
		ih_ep_user_name(a->sock_uid, user, sizeof(user));
		if (user[0])
			json_object_set_new(o, "user", json_string(user));
	}
	json_object_set_new(o, "match", json_string(ih_ep_match_name(a->match)));
	return o;
}

/* Tools like nmap use a new echo id per probe: one line per process (or per failure) and
 * source every 10 s is enough; the rest are counted. */
static bool same_as_recent(const struct ih_endpoint *e, const struct conv *c)
{
	for (uint32_t i = 0; i <= e->mask; i++) {
		const struct conv *o = conv_at(e, i);
		if (o == c || o->slot != CONV_USED || !o->announced || o->announced_ns + 10000000000ull < c->announced_ns ||
		    !ih_addr_eq(&o->key.src, &c->key.src) || o->state != c->state)
			continue;
		bool with_owner = c->state == ST_DONE && c->ans.owner_known;
		if (with_owner != (o->state == ST_DONE && o->ans.owner_known))
			continue;
		if (!with_owner || ih_proc_same(&o->ans.proc, &c->ans.proc))
			return true;
	}
	return false;
}

static void conv_settled(struct ih_endpoint *e, struct conv *c)
{
	if (c->state == ST_DONE && c->ans.owner_known) {
		e->convs_done++;
		/* live: at once, from this conversation; offline: at the end, from all of the
		 * process's conversations (ih_endpoint_finish) */
		if (e->cfg.live) {
			struct activity act = { 0 };
			activity_add(&act, c);
			raise_suspicious(e, &c->ans.proc, c->ans.sock, c->ans.match, &c->key.src, &act);
		}
	} else if (c->state == ST_DONE) {
		e->convs_no_owner++;
	} else {
		e->convs_failed++;
	}
	if (!e->emit || c->announced)
		return;
	c->announced = true;
	c->announced_ns = ih_ep_now_ns();
	if (same_as_recent(e, c)) {
		e->lines_coalesced++;
		return;
	}
	json_t *o = json_object();
	char a[IH_ADDR_STRLEN], t[40];
	json_object_set_new(o, "type", json_string("attribution"));
	json_object_set_new(o, "src", json_string(ih_addr_str(&c->key.src, a, sizeof(a))));
	json_object_set_new(o, "dst", c->npeers ? json_string(ih_addr_str(&c->peers[0], a, sizeof(a))) : json_null());
	json_object_set_new(o, "peers", json_integer(c->npeers + (c->peers_overflow ? 1 : 0)));
	json_object_set_new(o, "echo_id", c->key.has_id ? json_integer(c->key.id) : json_null());
	json_object_set_new(o, "first_seen", json_string(ih_time_str(c->first_ns, t, sizeof(t))));
	json_object_set_new(o, "last_seen", json_string(ih_time_str(c->last_ns, t, sizeof(t))));
	json_object_set_new(o, "requests", json_integer(c->requests));
	if (c->state == ST_DONE && c->ans.owner_known) {
		json_object_set_new(o, "process", ih_proc_json(&c->ans.proc, c->ans.sock, c->ans.match));
		struct ih_ep_verdict v;
		ih_ep_classify(c->ans.proc.exe, c->ans.proc.exe_deleted, &v);
		json_object_set_new(o, "suspicious", json_boolean(v.suspicious || copy_of(e, &c->ans.proc)));
		if (c->ans.candidates > 1)
			json_object_set_new(o, "candidates", json_integer(c->ans.candidates));
		if (c->ans.reason[0])
			json_object_set_new(o, "note", json_string(c->ans.reason));
	} else {
		char why[300];
		snprintf(why, sizeof(why), "not possible: %s", c->ans.reason);
		json_object_set_new(o, "attribution", json_string(why));
		if (c->ans.match != IH_EP_MATCH_NONE)
			json_object_set_new(o, "socket", socket_json(&c->ans));
	}
	e->emit(e->emit_ctx, o);
	json_decref(o);
}

void ih_endpoint_tick(struct ih_endpoint *e, uint64_t now_ns,
		      void (*emit)(void *ctx, json_t *line), void *ctx)
{
	e->emit = emit;
	e->emit_ctx = ctx;
	now_ns = now_or(now_ns);
	if (e->cfg.live_local && now_ns - e->last_refresh > REFRESH_NS) {
		ih_endpoint_refresh_local(e);
		e->last_refresh = now_ns;
	}
	uint64_t settle = e->cfg.sampler ? ih_sampler_slack_ns(e->cfg.sampler) - 500000000ull : 0;
	for (uint32_t i = 0; i <= e->mask; i++) {
		struct conv *c = conv_at(e, i);
		if (c->slot != CONV_USED)
			continue;
		if (c->state == ST_PENDING) {
			if (now_ns < c->first_ns + settle)
				continue;
			bool quiet = now_ns > c->last_ns + GIVE_UP_NS;
			resolve_conv(e, c, quiet);
		} else if (now_ns > c->last_ns + FORGET_NS) {
			memset(c, 0, sizeof(*c));
		}
	}
	ih_endpoint_flush(e);
}

/* ---------------------------------------------------------------- findings */

struct owner {
	const struct conv *c;
	uint64_t requests, data, first_ns, last_ns;
	uint64_t key1, key2;   /* what decides, by the finding's kind (owner_keys) */
};

/* Which process a finding is about, when several sent ICMP to its peers at its time (a pair
 * record folds every echo id between two hosts): for findings about carried data, the one
 * that sent the most payloads no ordinary tool sends; for findings about timing, the one whose
 * conversations span the longest; otherwise the one that sent the most. */
static void owner_keys(struct owner *o, const char *kind)
{
	uint64_t span = o->last_ns - o->first_ns;
	if (strcmp(kind, "tunnel") == 0 || strcmp(kind, "exfiltration") == 0 ||
	    strcmp(kind, "large_payload") == 0) {
		o->key1 = o->data;
		o->key2 = o->requests;
	} else if (strcmp(kind, "beacon") == 0 || strcmp(kind, "persistent_echo") == 0) {
		o->key1 = span;
		o->key2 = o->requests;
	} else {
		o->key1 = o->requests;
		o->key2 = span;
	}
}

static int conv_order(const void *x, const void *y);

static int owner_order(const void *x, const void *y)
{
	const struct owner *a = x, *b = y;
	if (a->key1 != b->key1)
		return a->key1 > b->key1 ? -1 : 1;
	if (a->key2 != b->key2)
		return a->key2 > b->key2 ? -1 : 1;
	if (a->c->first_ns != b->c->first_ns)
		return a->c->first_ns < b->c->first_ns ? -1 : 1;
	return (a->c->ans.proc.pid > b->c->ans.proc.pid) - (a->c->ans.proc.pid < b->c->ans.proc.pid);
}

static json_t *other_json(const struct conv *c, uint64_t requests)
{
	json_t *o = json_object();
	json_object_set_new(o, "pid", json_integer(c->ans.proc.pid));
	json_object_set_new(o, "exe", c->ans.proc.exe[0] ? json_string(c->ans.proc.exe) : json_null());
	json_object_set_new(o, "user", c->ans.proc.user[0] ? json_string(c->ans.proc.user) : json_null());
	json_object_set_new(o, "match", json_string(ih_ep_match_name(c->ans.match)));
	json_object_set_new(o, "requests", json_integer((json_int_t)requests));
	return o;
}

static void not_possible(struct ih_endpoint *e, const struct ih_finding *f, const char *fmt, const char *arg)
{
	char why[400];
	char msg[340];
	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(why, sizeof(why), "not possible: %s", msg);
	json_object_set_new(f->evidence, "attribution", json_string(why));
	e->findings_unattributed++;
}

void ih_endpoint_attribute(struct ih_endpoint *e, const struct ih_finding *f, bool final)
{
	if (strcmp(f->kind, "suspicious_process") == 0 || json_object_get(f->evidence, "process") ||
	    json_object_get(f->evidence, "attribution"))
		return;
	if (strcmp(f->kind, "lateral_movement") == 0) {
		not_possible(e, f, "%s", "the finding is about TCP/UDP connections; attribution covers ICMP sockets");
		return;
	}
	char a[IH_ADDR_STRLEN];
	ih_addr_str(&f->src, a, sizeof(a));
	if (!is_local(e, &f->src)) {
		char msg[200], h[IH_ADDR_STRLEN];
		if (e->cfg.live_local)
			snprintf(msg, sizeof(msg), "%s is not an address of this host (forwarded or seen on the wire)", a);
		else
			snprintf(msg, sizeof(msg), "the endpoint log is %s's, and %s did this",
				 ih_addr_str(&e->cfg.host, h, sizeof(h)), a);
		not_possible(e, f, "%s", msg);
		return;
	}
	struct ih_cidr net;
	bool have_net = f->dst_key[0] && ih_cidr_parse(f->dst_key, &net);
	uint64_t lo = f->first_ns > 1000000ull ? f->first_ns - 1000000ull : 0, hi = f->last_ns + 1000000ull;

	/* every conversation of this source that overlaps the finding and went to its peers;
	 * collected whole and ordered, so that the answer never depends on the hash layout */
	struct conv **hits = malloc((size_t)(e->mask + 1) * sizeof(*hits));
	if (!hits) {
		not_possible(e, f, "%s", "out of memory");
		return;
	}
	size_t nhits = 0;
	bool exact = false;
	for (uint32_t i = 0; i <= e->mask; i++) {
		struct conv *c = conv_at(e, i);
		if (c->slot != CONV_USED || !ih_addr_eq(&c->key.src, &f->src))
			continue;
		if (c->first_ns > hi || c->last_ns < lo)
			continue;
		bool in = false;
		for (unsigned k = 0; k < c->npeers && !in; k++)
			in = !have_net || ih_cidr_contains(&net, &c->peers[k]);
		if (!in && !c->peers_overflow)
			continue;
		if (in && !exact) {
			exact = true;
			nhits = 0; /* conversations that surely went there win over overflowed ones */
		}
		if (!in && exact)
			continue;
		hits[nhits++] = c;
	}
	qsort(hits, nhits, sizeof(*hits), conv_order);
	for (size_t i = 0; i < nhits; i++)
		resolve_conv(e, hits[i], final);

	/* group by process, in conversation order */
	struct owner owners[64];
	unsigned nown = 0;
	const struct conv *no_owner = NULL, *failed = NULL;
	for (size_t i = 0; i < nhits; i++) {
		const struct conv *c = hits[i];
		if (c->state == ST_DONE && c->ans.owner_known) {
			unsigned k = 0;
			for (; k < nown; k++)
				if (ih_proc_same(&owners[k].c->ans.proc, &c->ans.proc))
					break;
			if (k == nown) {
				if (nown == 64)
					continue; /* more processes than anyone will read */
				owners[nown++] = (struct owner){ .c = c, .first_ns = c->first_ns, .last_ns = c->last_ns };
			}
			owners[k].requests += c->requests;
			owners[k].data += c->data_requests;
			if (c->first_ns < owners[k].first_ns)
				owners[k].first_ns = c->first_ns;
			if (c->last_ns > owners[k].last_ns)
				owners[k].last_ns = c->last_ns;
		} else if (c->state == ST_DONE) {
			if (!no_owner)
				no_owner = c;
		} else if (c->state == ST_FAILED && (!failed || c->requests > failed->requests)) {
			failed = c;
		}
	}
	free(hits);
	for (unsigned k = 0; k < nown; k++)
		owner_keys(&owners[k], f->kind);
	qsort(owners, nown, sizeof(owners[0]), owner_order);
	if (nown) {
		const unsigned best = 0;
		const struct conv *m = owners[best].c;
		json_t *p = ih_proc_json(&m->ans.proc, m->ans.sock, m->ans.match);
		json_object_set_new(p, "echo_id", m->key.has_id ? json_integer(m->key.id) : json_null());
		if (m->ans.candidates > 1)
			json_object_set_new(p, "candidates", json_integer(m->ans.candidates));
		if (m->ans.reason[0])
			json_object_set_new(p, "note", json_string(m->ans.reason));
		json_object_set_new(f->evidence, "process", p);
		if (nown > 1) {
			json_t *others = json_array();
			for (unsigned k = 0, listed = 0; k < nown && listed < 4; k++)
				if (k != best) {
					json_array_append_new(others, other_json(owners[k].c, owners[k].requests));
					listed++;
				}
			json_object_set_new(f->evidence, "other_processes", others);
		}
		e->findings_attributed++;
		return;
	}
	if (no_owner) {
		not_possible(e, f, "%s", no_owner->ans.reason);
		json_object_set_new(f->evidence, "socket", socket_json(&no_owner->ans));
		return;
	}
	if (failed) {
		not_possible(e, f, "%s", failed->ans.reason);
		return;
	}
	if (nhits) {
		not_possible(e, f, "%s", "the process was not sampled yet");
		return;
	}
	/* No conversation started by this host: the finding is about answers it sent (a tunnel
	 * server) or messages without an echo id. Ask for any ICMP socket at the time. */
	struct ih_addr dst;
	bool one_dst = f->dst_key[0] && ih_addr_parse(f->dst_key, &dst);
	struct ih_ep_query q = {
		.family = f->src.family,
		.src = f->src,
		.dsts = one_dst ? &dst : NULL,
		.ndst = one_dst ? 1 : 0,
		.t0 = f->first_ns,
		.t1 = f->last_ns,
	};
	struct ih_ep_answer ans;
	if (resolve_query(e, &q, &ans) && ans.owner_known) {
		json_t *p = ih_proc_json(&ans.proc, ans.sock, ans.match);
		if (ans.candidates > 1)
			json_object_set_new(p, "candidates", json_integer(ans.candidates));
		if (ans.reason[0])
			json_object_set_new(p, "note", json_string(ans.reason));
		json_object_set_new(f->evidence, "process", p);
		e->findings_attributed++;
		struct activity act = { .first_ns = f->first_ns, .last_ns = f->last_ns };
		if (one_dst)
			activity_add_peer(&act, &dst);
		raise_suspicious(e, &ans.proc, ans.sock, ans.match, &f->src, &act);
		return;
	}
	not_possible(e, f, "%s", ans.reason[0] ? ans.reason : "no ICMP socket matched");
}

/* ---------------------------------------------------------------- offline end */

static int conv_order(const void *x, const void *y)
{
	const struct conv *a = *(const struct conv *const *)x, *b = *(const struct conv *const *)y;
	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns ? -1 : 1;
	int c = ih_addr_cmp(&a->key.src, &b->key.src);
	if (c)
		return c;
	if (a->key.has_id != b->key.has_id)
		return a->key.has_id < b->key.has_id ? -1 : 1;
	return (int)a->key.id - (int)b->key.id;
}

/* Every conversation, in a fixed order (the caller frees). NULL when there are none. */
static struct conv **sorted_convs(struct ih_endpoint *e, size_t *n_out)
{
	size_t n = 0;
	for (uint32_t i = 0; i <= e->mask; i++)
		n += conv_at(e, i)->slot == CONV_USED;
	*n_out = 0;
	struct conv **v = n ? malloc(n * sizeof(*v)) : NULL;
	if (!v)
		return NULL;
	size_t k = 0;
	for (uint32_t i = 0; i <= e->mask; i++)
		if (conv_at(e, i)->slot == CONV_USED)
			v[k++] = conv_at(e, i);
	qsort(v, n, sizeof(*v), conv_order);
	*n_out = n;
	return v;
}

void ih_endpoint_settle(struct ih_endpoint *e)
{
	size_t n;
	struct conv **v = sorted_convs(e, &n);
	for (size_t i = 0; i < n; i++)
		resolve_conv(e, v[i], true);
	free(v);
	ih_endpoint_flush(e);
}

/* Offline: one suspicious_process per process, over all its conversations. */
static void raise_by_process(struct ih_endpoint *e)
{
	size_t n;
	struct conv **v = sorted_convs(e, &n);
	struct group {
		const struct conv *c;
		struct activity act;
	} *g = n ? calloc(n, sizeof(*g)) : NULL;
	size_t ng = 0;
	for (size_t i = 0; g && i < n; i++) {
		const struct conv *c = v[i];
		if (c->state != ST_DONE || !c->ans.owner_known)
			continue;
		size_t k = 0;
		for (; k < ng; k++)
			if (ih_addr_eq(&g[k].c->key.src, &c->key.src) && ih_proc_same(&g[k].c->ans.proc, &c->ans.proc))
				break;
		if (k == ng)
			g[ng++].c = c;
		activity_add(&g[k].act, c);
	}
	for (size_t k = 0; k < ng; k++)
		raise_suspicious(e, &g[k].c->ans.proc, g[k].c->ans.sock, g[k].c->ans.match, &g[k].c->key.src,
				 &g[k].act);
	free(g);
	free(v);
}

void ih_endpoint_finish(struct ih_endpoint *e, struct ih_findings *fs)
{
	ih_endpoint_settle(e);
	raise_by_process(e);
	size_t n0 = fs->n;
	for (size_t i = 0; i < n0; i++)
		ih_endpoint_attribute(e, fs->v[i], true);
	ih_endpoint_flush(e);
}

json_t *ih_endpoint_stats_json(struct ih_endpoint *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "conversations", json_integer((json_int_t)e->convs_seen));
	json_object_set_new(o, "conversations_capacity", json_integer(e->mask + 1));
	json_object_set_new(o, "conversations_evicted", json_integer((json_int_t)e->convs_evicted));
	json_object_set_new(o, "attributed", json_integer((json_int_t)e->convs_done));
	json_object_set_new(o, "socket_without_process", json_integer((json_int_t)e->convs_no_owner));
	json_object_set_new(o, "not_attributed", json_integer((json_int_t)e->convs_failed));
	json_object_set_new(o, "findings_attributed", json_integer((json_int_t)e->findings_attributed));
	json_object_set_new(o, "findings_not_attributed", json_integer((json_int_t)e->findings_unattributed));
	json_object_set_new(o, "suspicious_processes", json_integer((json_int_t)e->suspicious));
	json_object_set_new(o, "attribution_lines_coalesced", json_integer((json_int_t)e->lines_coalesced));
	if (e->queue_dropped)
		json_object_set_new(o, "suspicious_dropped", json_integer((json_int_t)e->queue_dropped));
	if (e->cfg.sampler)
		json_object_set_new(o, "sampler", ih_sampler_stats_json(e->cfg.sampler));
	if (e->cfg.log)
		json_object_set_new(o, "log", ih_eplog_stats_json(e->cfg.log));
	return o;
}

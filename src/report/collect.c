/* collect.c — the report's own bounded view of the traffic (see collect.h). */
#include "report/collect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <xxhash.h>

#include "detect/covert.h"
#include "track/hll.h"
#include "track/payload.h"

void ih_collect_config_default(struct ih_collect_config *cc)
{
	cc->hosts = 256;
	cc->buckets = 120;
	cc->conversations = 300;
	cc->blocks = 1024;
	cc->entropy_pairs = 16384;
	cc->top_series = 6;
	cc->top_talkers = 10;
}

/* ------------------------------------------------------------------ a keyed index
 *
 * Open addressing with linear probing over entry numbers (0 = empty), at most half full, and
 * backward-shift deletion (no tombstones). Keys are the first `keylen` bytes of each entry;
 * the hash is keyed (XXH3 with a per-run random seed) because senders choose addresses. The
 * index only finds entries: nothing the report shows depends on where they sit. */

struct index {
	uint32_t *slot;
	uint32_t mask;
	uint64_t seed;
	size_t keylen, stride;
	uint8_t *base; /* entries */
};

static bool index_init(struct index *ix, uint32_t capacity, uint8_t *base, size_t stride, size_t keylen,
		       uint64_t seed)
{
	uint32_t n = 16;
	while (n < capacity * 2u && n < (1u << 30))
		n <<= 1;
	ix->slot = calloc(n, sizeof(*ix->slot));
	ix->mask = n - 1;
	ix->seed = seed;
	ix->keylen = keylen;
	ix->stride = stride;
	ix->base = base;
	return ix->slot != NULL;
}

static const void *entry_key(const struct index *ix, uint32_t e)
{
	return ix->base + (size_t)e * ix->stride;
}

static uint32_t home_of(const struct index *ix, const void *key)
{
	return (uint32_t)XXH3_64bits_withSeed(key, ix->keylen, ix->seed) & ix->mask;
}

/* Slot position of key, or of the empty slot where it would go (*found says which). */
static uint32_t index_probe(const struct index *ix, const void *key, bool *found)
{
	uint32_t i = home_of(ix, key);
	for (;;) {
		uint32_t s = ix->slot[i];
		if (!s) {
			*found = false;
			return i;
		}
		if (memcmp(entry_key(ix, s - 1), key, ix->keylen) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & ix->mask;
	}
}

/* Entry number of key, or -1. */
static long index_find(const struct index *ix, const void *key)
{
	bool found;
	uint32_t i = index_probe(ix, key, &found);
	return found ? (long)ix->slot[i] - 1 : -1;
}

/* Adds entry e (its key already written, not present yet). */
static void index_add(struct index *ix, uint32_t e)
{
	bool found;
	uint32_t i = index_probe(ix, entry_key(ix, e), &found);
	ix->slot[i] = e + 1;
}

static void index_del(struct index *ix, const void *key)
{
	bool found;
	uint32_t i = index_probe(ix, key, &found);
	if (!found)
		return;
	ix->slot[i] = 0;
	for (uint32_t j = (i + 1) & ix->mask; ix->slot[j]; j = (j + 1) & ix->mask) {
		uint32_t h = home_of(ix, entry_key(ix, ix->slot[j] - 1));
		/* move j back to i unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stays) {
			ix->slot[i] = ix->slot[j];
			ix->slot[j] = 0;
			i = j;
		}
	}
}

/* ------------------------------------------------------------------ state */

struct talker {
	struct ih_addr addr;   /* key */
	uint64_t est;          /* space-saving estimate: inherited + own */
	uint64_t inherited;    /* the count of the host it replaced */
	uint64_t bytes;
	uint32_t heap;         /* its place in the heap */
};

struct pair_key {
	struct ih_addr a, b;   /* client, server */
};

struct block {
	struct pair_key key;   /* source, block base */
	uint8_t probed[32];
	uint8_t answered[32];
};

struct pair_entropy {
	struct pair_key key;
	double sum;            /* entropy of template echo requests */
	uint32_t n;
};

struct conv {
	struct ih_addr inside, peer;
	uint64_t first_ns, last_ns;
	uint32_t requests, answers;
	double size_mean;
	uint32_t size_min, size_max;
	double entropy;        /* -1: not known */
	int kind;              /* enum ih_pkind */
	enum ih_tpl tpl;
	enum ih_pclass content;
	bool has_content;
	uint64_t data_bytes;
	bool reverse;
	enum ih_tool tool;
};

#define SEEN_EXACT 4096
#define SEEN_HLL 1024
#define ENTROPY_SAMPLES 32   /* template requests measured per pair: their entropy barely moves */

struct ih_collect {
	struct ih_collect_config cc;
	const struct ih_config *cfg;
	struct ih_detector det;
	uint64_t seed;

	/* activity */
	uint64_t t0, width, last_ns;
	bool started;
	uint32_t *series;      /* hosts x buckets */
	uint32_t *total;       /* buckets */
	struct talker *tk;
	uint32_t ntk;
	uint32_t *heap;        /* talker numbers, least active on top */
	struct index tk_ix;
	uint64_t replaced;     /* talkers replaced by space-saving */
	uint64_t icmp_packets;

	/* hosts seen */
	struct ih_addr *seen;
	uint32_t nseen;
	struct index seen_ix;
	uint8_t hll[SEEN_HLL];
	bool seen_overflow;

	/* probe maps */
	struct block *blk;
	uint32_t nblk;
	struct index blk_ix;
	uint64_t blk_dropped;

	/* template entropy per pair */
	struct pair_entropy *pe;
	uint32_t npe;
	struct index pe_ix;

	/* conversations */
	struct conv *cv;
	uint32_t ncv;
	uint64_t conv_total, conv_by_kind[3];
};

/* ------------------------------------------------------------------ activity buckets */

/* Bucket widths in ms; each divides the next (adjacent buckets merge by the ratio). Past the
 * last, widths double. */
static const uint64_t widths_ms[] = { 100, 200, 1000, 2000, 10000, 20000, 60000, 120000, 600000, 1200000,
				      3600000, 7200000, 21600000, 43200000, 86400000 };

static uint64_t next_width(uint64_t w)
{
	for (size_t i = 0; i + 1 < sizeof(widths_ms) / sizeof(widths_ms[0]); i++)
		if (widths_ms[i] * 1000000ull == w)
			return widths_ms[i + 1] * 1000000ull;
	return w * 2;
}

static void merge_row(uint32_t *row, uint32_t nb, uint32_t k)
{
	for (uint32_t i = 0; i < nb; i++) {
		uint64_t s = 0;
		for (uint32_t j = i * k; j < nb && j < (i + 1) * k; j++)
			s += row[j];
		row[i] = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
		if (i * k >= nb)
			row[i] = 0;
	}
}

static uint32_t bucket_of(struct ih_collect *c, uint64_t ts)
{
	if (!c->started) {
		c->started = true;
		c->t0 = ts;
		c->width = widths_ms[0] * 1000000ull;
	}
	if (ts < c->t0)
		ts = c->t0; /* a packet a little out of order: the first bucket */
	if (ts > c->last_ns)
		c->last_ns = ts;
	uint32_t nb = c->cc.buckets;
	while ((ts - c->t0) / c->width >= nb) {
		uint64_t w = next_width(c->width);
		uint32_t k = (uint32_t)(w / c->width);
		merge_row(c->total, nb, k);
		for (uint32_t i = 0; i < c->ntk; i++)
			merge_row(c->series + (size_t)i * nb, nb, k);
		c->width = w;
	}
	return (uint32_t)((ts - c->t0) / c->width);
}

/* ------------------------------------------------------------------ talkers (space-saving) */

static bool tk_less(const struct ih_collect *c, uint32_t x, uint32_t y)
{
	const struct talker *a = &c->tk[x], *b = &c->tk[y];
	if (a->est != b->est)
		return a->est < b->est;
	return ih_addr_cmp(&a->addr, &b->addr) < 0;
}

static void heap_set(struct ih_collect *c, uint32_t pos, uint32_t t)
{
	c->heap[pos] = t;
	c->tk[t].heap = pos;
}

static void sift_up(struct ih_collect *c, uint32_t pos)
{
	uint32_t t = c->heap[pos];
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (!tk_less(c, t, c->heap[parent]))
			break;
		heap_set(c, pos, c->heap[parent]);
		pos = parent;
	}
	heap_set(c, pos, t);
}

static void sift_down(struct ih_collect *c, uint32_t pos)
{
	uint32_t t = c->heap[pos];
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, m = pos;
		uint32_t best = t;
		if (l < c->ntk && tk_less(c, c->heap[l], best)) {
			m = l;
			best = c->heap[l];
		}
		if (r < c->ntk && tk_less(c, c->heap[r], best)) {
			m = r;
			best = c->heap[r];
		}
		if (m == pos)
			break;
		heap_set(c, pos, c->heap[m]);
		pos = m;
	}
	heap_set(c, pos, t);
}

static void count_talker(struct ih_collect *c, const struct ih_addr *a, uint32_t bucket, uint32_t bytes)
{
	long e = index_find(&c->tk_ix, a);
	uint32_t t;
	if (e >= 0) {
		t = (uint32_t)e;
	} else if (c->ntk < c->cc.hosts) {
		t = c->ntk++;
		memset(&c->tk[t], 0, sizeof(c->tk[t]));
		c->tk[t].addr = *a;
		index_add(&c->tk_ix, t);
		c->tk[t].heap = t;
		c->heap[t] = t;
		sift_up(c, t);
	} else {
		/* replace the least active: it inherits the count as its error (space-saving) */
		t = c->heap[0];
		index_del(&c->tk_ix, &c->tk[t].addr);
		uint64_t est = c->tk[t].est;
		memset(&c->tk[t], 0, sizeof(c->tk[t]));
		c->tk[t].addr = *a;
		c->tk[t].est = est;
		c->tk[t].inherited = est;
		c->tk[t].heap = 0;
		memset(c->series + (size_t)t * c->cc.buckets, 0, c->cc.buckets * sizeof(uint32_t));
		index_add(&c->tk_ix, t);
		c->replaced++;
	}
	struct talker *k = &c->tk[t];
	k->est++;
	k->bytes += bytes;
	uint32_t *cell = &c->series[(size_t)t * c->cc.buckets + bucket];
	if (*cell < UINT32_MAX)
		(*cell)++;
	sift_down(c, k->heap);
}

/* ------------------------------------------------------------------ hosts seen */

static void see_host(struct ih_collect *c, const struct ih_addr *a)
{
	/* a fixed seed: the estimate is printed, and must be the same on every run (an attacker
	 * who biases it only changes a number in the overview) */
	ih_hll_add(c->hll, SEEN_HLL, XXH3_64bits_withSeed(a, sizeof(*a), 0x69636d70686f756eull));
	if (c->seen_overflow || index_find(&c->seen_ix, a) >= 0)
		return;
	if (c->nseen == SEEN_EXACT) {
		c->seen_overflow = true;
		return;
	}
	c->seen[c->nseen] = *a;
	index_add(&c->seen_ix, c->nseen);
	c->nseen++;
}

/* ------------------------------------------------------------------ probe maps */

static unsigned block_bits(const struct ih_addr *a)
{
	return ih_addr_bits(a) - 8; /* /24 or /120: 256 addresses, one octet */
}

static struct block *block_get(struct ih_collect *c, const struct ih_addr *src, const struct ih_addr *target,
			       bool create)
{
	struct pair_key k;
	memset(&k, 0, sizeof(k));
	k.a = *src;
	ih_addr_mask(target, block_bits(target), &k.b);
	long e = index_find(&c->blk_ix, &k);
	if (e >= 0)
		return &c->blk[e];
	if (!create)
		return NULL;
	if (c->nblk == c->cc.blocks) {
		c->blk_dropped++;
		return NULL;
	}
	struct block *b = &c->blk[c->nblk];
	memset(b, 0, sizeof(*b));
	b->key = k;
	index_add(&c->blk_ix, c->nblk);
	c->nblk++;
	return b;
}

static unsigned last_octet(const struct ih_addr *a)
{
	return a->b[ih_addr_bits(a) / 8 - 1];
}

/* ------------------------------------------------------------------ template entropy per pair */

static struct pair_entropy *pe_get(struct ih_collect *c, const struct ih_addr *client, const struct ih_addr *server,
				   bool create)
{
	struct pair_key k;
	memset(&k, 0, sizeof(k));
	k.a = *client;
	k.b = *server;
	long e = index_find(&c->pe_ix, &k);
	if (e >= 0)
		return &c->pe[e];
	if (!create || c->npe == c->cc.entropy_pairs)
		return NULL;
	struct pair_entropy *p = &c->pe[c->npe];
	memset(p, 0, sizeof(*p));
	p->key = k;
	index_add(&c->pe_ix, c->npe);
	c->npe++;
	return p;
}

static void pe_del(struct ih_collect *c, const struct ih_addr *client, const struct ih_addr *server)
{
	struct pair_key k;
	memset(&k, 0, sizeof(k));
	k.a = *client;
	k.b = *server;
	long e = index_find(&c->pe_ix, &k);
	if (e < 0)
		return;
	index_del(&c->pe_ix, &k);
	uint32_t last = c->npe - 1;
	if ((uint32_t)e != last) {
		/* move the last entry into the hole */
		index_del(&c->pe_ix, &c->pe[last].key);
		c->pe[e] = c->pe[last];
		index_add(&c->pe_ix, (uint32_t)e);
	}
	c->npe--;
}

/* ------------------------------------------------------------------ the detector's callbacks */

static void on_icmp(struct ih_detector *d, const struct ih_event *ev)
{
	struct ih_collect *c = d->state;
	const struct ih_pkt *pkt = ev->pkt;
	c->icmp_packets++;
	uint32_t bucket = bucket_of(c, pkt->ts_ns);
	if (c->total[bucket] < UINT32_MAX)
		c->total[bucket]++;
	count_talker(c, &pkt->src, bucket, pkt->ip_len);
	see_host(c, &pkt->src);
	see_host(c, &pkt->dst);

	enum ih_icmp_class cls = pkt->icmp_class;
	if (ih_icmp_is_probe(cls)) {
		struct block *b = block_get(c, &pkt->src, &pkt->dst, true);
		if (b) {
			unsigned o = last_octet(&pkt->dst);
			b->probed[o / 8] |= (uint8_t)(1u << (o % 8));
		}
	} else if (ih_icmp_is_answer(cls)) {
		struct block *b = block_get(c, &pkt->dst, &pkt->src, false);
		if (b) {
			unsigned o = last_octet(&pkt->src);
			b->answered[o / 8] |= (uint8_t)(1u << (o % 8));
		}
	}

	if (ev->pair && ev->new_pair) {
		struct pair_entropy *p = pe_get(c, &ev->pair->client, &ev->pair->server, false);
		if (p) {
			p->sum = 0;
			p->n = 0;
		}
	}
	if (ev->pair && cls == IH_ICMP_ECHO_REQ && ev->tpl != IH_TPL_NONE && ev->tpl != IH_TPL_UNKNOWN &&
	    pkt->payload_len) {
		struct pair_entropy *p = pe_get(c, &ev->pair->client, &ev->pair->server, true);
		if (p && p->n < ENTROPY_SAMPLES) {
			p->sum += ih_entropy(pkt->payload, pkt->payload_len);
			p->n++;
		}
	}
}

/* More telling first: data, custom, ordinary; then more data, more requests, earlier; then the
 * addresses. A total order, so the kept set does not depend on when records end. */
static int conv_cmp(const struct conv *x, const struct conv *y)
{
	if (x->kind != y->kind)
		return x->kind > y->kind ? -1 : 1;
	if (x->data_bytes != y->data_bytes)
		return x->data_bytes > y->data_bytes ? -1 : 1;
	if (x->requests != y->requests)
		return x->requests > y->requests ? -1 : 1;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	int r = ih_addr_cmp(&x->inside, &y->inside);
	if (r)
		return r;
	r = ih_addr_cmp(&x->peer, &y->peer);
	if (r)
		return r;
	if (x->last_ns != y->last_ns)
		return x->last_ns < y->last_ns ? -1 : 1;
	return 0;
}

static void on_pair_end(struct ih_detector *d, const struct ih_pair *p)
{
	struct ih_collect *c = d->state;
	struct pair_entropy *pe = pe_get(c, &p->client, &p->server, false);
	double tsum = pe ? pe->sum : 0;
	uint32_t tn = pe ? pe->n : 0;
	pe_del(c, &p->client, &p->server);
	if (!p->probes && !p->nontpl_in)
		return;
	struct ih_pview v;
	ih_pview_init(&v, p, c->cfg);
	struct conv cv;
	memset(&cv, 0, sizeof(cv));
	cv.inside = *v.inside;
	cv.peer = *v.peer;
	cv.first_ns = p->first_ns;
	cv.last_ns = p->last_ns;
	cv.requests = p->probes;
	cv.answers = p->answers;
	cv.reverse = v.reverse;
	cv.kind = (int)v.kind;
	cv.tpl = v.top_tpl;
	cv.tool = v.tool;
	cv.data_bytes = v.data_bytes;
	cv.entropy = -1;
	if (!v.reverse && p->probes) {
		cv.size_mean = (double)p->psize_sum / p->probes;
		cv.size_min = p->psize_min;
		cv.size_max = p->psize_max;
		uint32_t n = p->entropy_n_out + tn;
		if (n)
			cv.entropy = (p->entropy_sum_out + tsum) / n;
		else if (p->psize_max == 0)
			cv.entropy = 0; /* no payload at all */
	} else {
		uint32_t n = p->answers ? p->answers : 1;
		cv.size_mean = (double)p->bytes_in / n;
		cv.size_min = cv.size_max = (uint32_t)(cv.size_mean + 0.5);
		if (p->entropy_n_in)
			cv.entropy = p->entropy_sum_in / p->entropy_n_in;
	}
	if (v.data_pkts) {
		cv.has_content = true;
		cv.content = v.content;
	}
	c->conv_total++;
	if ((unsigned)cv.kind < 3)
		c->conv_by_kind[cv.kind]++;
	if (!c->cc.conversations)
		return;
	if (c->ncv < c->cc.conversations) {
		c->cv[c->ncv++] = cv;
		return;
	}
	/* full: replace the least telling kept one if this one tells more */
	uint32_t worst = 0;
	for (uint32_t i = 1; i < c->ncv; i++)
		if (conv_cmp(&c->cv[i], &c->cv[worst]) > 0)
			worst = i;
	if (conv_cmp(&cv, &c->cv[worst]) < 0)
		c->cv[worst] = cv;
}

/* ------------------------------------------------------------------ life cycle */

struct ih_collect *ih_collect_new(const struct ih_collect_config *cc, const struct ih_config *cfg)
{
	struct ih_collect *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cc = *cc;
	if (c->cc.hosts < 1)
		c->cc.hosts = 1;
	if (c->cc.buckets < 2)
		c->cc.buckets = 2;
	c->cfg = cfg;
	c->seed = cfg->track.seed;
	if (!c->seed && getrandom(&c->seed, sizeof(c->seed), 0) != (ssize_t)sizeof(c->seed))
		c->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)c;
	uint32_t H = c->cc.hosts, B = c->cc.buckets;
	c->series = calloc((size_t)H * B, sizeof(*c->series));
	c->total = calloc(B, sizeof(*c->total));
	c->tk = calloc(H, sizeof(*c->tk));
	c->heap = calloc(H, sizeof(*c->heap));
	c->seen = calloc(SEEN_EXACT, sizeof(*c->seen));
	c->blk = calloc(c->cc.blocks ? c->cc.blocks : 1, sizeof(*c->blk));
	c->pe = calloc(c->cc.entropy_pairs ? c->cc.entropy_pairs : 1, sizeof(*c->pe));
	c->cv = calloc(c->cc.conversations ? c->cc.conversations : 1, sizeof(*c->cv));
	bool ok = c->series && c->total && c->tk && c->heap && c->seen && c->blk && c->pe && c->cv;
	ok = ok && index_init(&c->tk_ix, H, (uint8_t *)c->tk, sizeof(*c->tk), sizeof(struct ih_addr), c->seed);
	ok = ok && index_init(&c->seen_ix, SEEN_EXACT, (uint8_t *)c->seen, sizeof(*c->seen), sizeof(struct ih_addr),
			      c->seed);
	ok = ok && index_init(&c->blk_ix, c->cc.blocks, (uint8_t *)c->blk, sizeof(*c->blk), sizeof(struct pair_key),
			      c->seed);
	ok = ok && index_init(&c->pe_ix, c->cc.entropy_pairs, (uint8_t *)c->pe, sizeof(*c->pe),
			      sizeof(struct pair_key), c->seed);
	if (!ok) {
		ih_collect_free(c);
		return NULL;
	}
	c->det.name = "report";
	c->det.state = c;
	c->det.cfg = cfg;
	c->det.on_icmp = on_icmp;
	c->det.on_pair_end = on_pair_end;
	return c;
}

struct ih_detector *ih_collect_detector(struct ih_collect *c)
{
	return &c->det;
}

size_t ih_collect_memory(const struct ih_collect *c)
{
	size_t H = c->cc.hosts, B = c->cc.buckets;
	return sizeof(*c) + H * B * 4 + B * 4 + H * (sizeof(struct talker) + 4) + SEEN_EXACT * sizeof(struct ih_addr) +
	       (size_t)c->cc.blocks * sizeof(struct block) + (size_t)c->cc.entropy_pairs * sizeof(struct pair_entropy) +
	       (size_t)c->cc.conversations * sizeof(struct conv) +
	       ((size_t)c->tk_ix.mask + c->seen_ix.mask + c->blk_ix.mask + c->pe_ix.mask + 4) * 4;
}

void ih_collect_free(struct ih_collect *c)
{
	if (!c)
		return;
	free(c->series);
	free(c->total);
	free(c->tk);
	free(c->heap);
	free(c->seen);
	free(c->blk);
	free(c->pe);
	free(c->cv);
	free(c->tk_ix.slot);
	free(c->seen_ix.slot);
	free(c->blk_ix.slot);
	free(c->pe_ix.slot);
	free(c);
}

/* ------------------------------------------------------------------ output */

static json_t *addr_json(const struct ih_addr *a)
{
	char b[IH_ADDR_STRLEN];
	return json_string(ih_addr_str(a, b, sizeof(b)));
}

static json_t *time_json(uint64_t ns)
{
	char t[40];
	return json_string(ih_time_str(ns, t, sizeof(t)));
}

static double round3(double x)
{
	return round(x * 1000) / 1000;
}

/* Talkers by what was counted for them (their own packets), most first. */
static int cmp_own(const void *x, const void *y, void *ctx)
{
	const struct ih_collect *c = ctx;
	const struct talker *a = &c->tk[*(const uint32_t *)x], *b = &c->tk[*(const uint32_t *)y];
	uint64_t oa = a->est - a->inherited, ob = b->est - b->inherited;
	if (oa != ob)
		return oa > ob ? -1 : 1;
	return ih_addr_cmp(&a->addr, &b->addr);
}

static json_t *activity_json(const struct ih_collect *c, const uint32_t *order)
{
	json_t *o = json_object();
	uint32_t used = c->started ? (uint32_t)((c->last_ns - c->t0) / c->width) + 1 : 0;
	json_object_set_new(o, "start", c->started ? time_json(c->t0) : json_null());
	json_object_set_new(o, "start_ns", json_integer((json_int_t)c->t0));
	json_object_set_new(o, "bucket_ns", json_integer((json_int_t)(c->started ? c->width : 0)));
	json_object_set_new(o, "buckets", json_integer(used));
	json_object_set_new(o, "senders_replaced", json_integer((json_int_t)c->replaced));
	json_t *series = json_array();
	uint32_t nshow = c->ntk < c->cc.top_series ? c->ntk : c->cc.top_series;
	uint64_t shown = 0;
	for (uint32_t i = 0; i < nshow; i++) {
		const struct talker *t = &c->tk[order[i]];
		const uint32_t *row = c->series + (size_t)order[i] * c->cc.buckets;
		json_t *s = json_object(), *counts = json_array();
		for (uint32_t k = 0; k < used; k++)
			json_array_append_new(counts, json_integer(row[k]));
		json_object_set_new(s, "host", addr_json(&t->addr));
		json_object_set_new(s, "packets", json_integer((json_int_t)(t->est - t->inherited)));
		if (t->inherited)
			json_object_set_new(s, "lower_bound", json_true());
		json_object_set_new(s, "counts", counts);
		json_array_append_new(series, s);
		shown += t->est - t->inherited;
	}
	json_object_set_new(o, "series", series);
	json_t *other = json_array();
	uint64_t other_total = 0;
	for (uint32_t k = 0; k < used; k++) {
		uint64_t v = c->total[k];
		for (uint32_t i = 0; i < nshow; i++)
			v -= c->series[(size_t)order[i] * c->cc.buckets + k] <= v ? c->series[(size_t)order[i] * c->cc.buckets + k] : v;
		other_total += v;
		json_array_append_new(other, json_integer((json_int_t)v));
	}
	(void)shown;
	json_t *oo = json_object();
	json_object_set_new(oo, "packets", json_integer((json_int_t)other_total));
	json_object_set_new(oo, "counts", other);
	json_object_set_new(o, "other", oo);
	return o;
}

static json_t *talkers_json(const struct ih_collect *c, const uint32_t *order)
{
	json_t *arr = json_array();
	uint32_t n = c->ntk < c->cc.top_talkers ? c->ntk : c->cc.top_talkers;
	for (uint32_t i = 0; i < n; i++) {
		const struct talker *t = &c->tk[order[i]];
		json_t *o = json_object();
		json_object_set_new(o, "host", addr_json(&t->addr));
		json_object_set_new(o, "packets", json_integer((json_int_t)(t->est - t->inherited)));
		json_object_set_new(o, "bytes", json_integer((json_int_t)t->bytes));
		if (t->inherited)
			json_object_set_new(o, "lower_bound", json_true());
		json_array_append_new(arr, o);
	}
	return arr;
}

static int cmp_conv_q(const void *x, const void *y)
{
	return conv_cmp(x, y);
}

static json_t *conversations_json(const struct ih_collect *c)
{
	json_t *o = json_object();
	struct conv *v = malloc((c->ncv ? c->ncv : 1) * sizeof(*v));
	json_t *arr = json_array();
	if (v) {
		memcpy(v, c->cv, c->ncv * sizeof(*v));
		qsort(v, c->ncv, sizeof(*v), cmp_conv_q);
		for (uint32_t i = 0; i < c->ncv; i++) {
			const struct conv *k = &v[i];
			json_t *p = json_object();
			json_object_set_new(p, "src", addr_json(&k->inside));
			json_object_set_new(p, "dst", addr_json(&k->peer));
			json_object_set_new(p, "first_seen", time_json(k->first_ns));
			json_object_set_new(p, "last_seen", time_json(k->last_ns));
			json_object_set_new(p, "requests", json_integer(k->requests));
			json_object_set_new(p, "answers", json_integer(k->answers));
			json_object_set_new(p, "size_mean", json_real(round3(k->size_mean)));
			json_object_set_new(p, "size_min", json_integer(k->size_min));
			json_object_set_new(p, "size_max", json_integer(k->size_max));
			json_object_set_new(p, "entropy", k->entropy >= 0 ? json_real(round3(k->entropy)) : json_null());
			json_object_set_new(p, "payload", json_string(ih_pkind_name((enum ih_pkind)k->kind)));
			json_object_set_new(p, "template", json_string(ih_tpl_name(k->tpl)));
			if (k->has_content)
				json_object_set_new(p, "content", json_string(ih_pclass_name(k->content)));
			json_object_set_new(p, "data_bytes", json_integer((json_int_t)k->data_bytes));
			if (k->tool != IH_TOOL_NONE)
				json_object_set_new(p, "tool", json_string(ih_tool_name(k->tool)));
			if (k->reverse)
				json_object_set_new(p, "carried_in", json_string("answers"));
			json_array_append_new(arr, p);
		}
		free(v);
	}
	json_object_set_new(o, "total", json_integer((json_int_t)c->conv_total));
	json_t *bk = json_object();
	for (int k = 0; k < 3; k++)
		json_object_set_new(bk, ih_pkind_name((enum ih_pkind)k), json_integer((json_int_t)c->conv_by_kind[k]));
	json_object_set_new(o, "by_payload", bk);
	json_object_set_new(o, "points", arr);
	return o;
}

/* Payloads of ordinary tools at their default size, built as payload.c recognises them (the
 * timestamps are a real capture's: corpus ping_troubleshoot.pcap). */
static json_t *templates_json(void)
{
	static const uint8_t tv16[16] = { 0x1a, 0x38, 0x06, 0x6b, 0, 0, 0, 0, 0x1b, 0x56, 0x03, 0, 0, 0, 0, 0 };
	uint8_t p[64];
	json_t *arr = json_array();
	struct {
		const char *name, *tag;
		uint32_t len;
	} t[5] = { { "iputils ping (Linux), 56 bytes", "iputils", 56 }, { "Windows ping, 32 bytes", "Windows", 32 },
		   { "BSD / macOS ping, 56 bytes", "BSD/macOS", 56 }, { "BusyBox ping, 56 bytes", "BusyBox", 56 },
		   { "fping / mtr (zeros), 56 bytes", "fping/mtr", 56 } };
	for (int i = 0; i < 5; i++) {
		memset(p, 0, sizeof(p));
		switch (i) {
		case 0:
			memcpy(p, tv16, 16);
			for (uint32_t k = 16; k < 56; k++)
				p[k] = (uint8_t)k;
			break;
		case 1:
			for (uint32_t k = 0; k < 32; k++)
				p[k] = (uint8_t)('a' + k % 23);
			break;
		case 2:
			memcpy(p, tv16, 4);
			memcpy(p + 4, tv16 + 8, 4);
			for (uint32_t k = 8; k < 56; k++)
				p[k] = (uint8_t)k;
			break;
		case 3:
			memcpy(p, tv16 + 8, 4);
			break;
		default:
			break;
		}
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(t[i].name));
		json_object_set_new(o, "tag", json_string(t[i].tag));
		json_object_set_new(o, "template", json_string(ih_tpl_name(ih_payload_template(p, t[i].len, t[i].len))));
		json_object_set_new(o, "size", json_integer(t[i].len));
		json_object_set_new(o, "entropy", json_real(round3(ih_entropy(p, t[i].len))));
		json_array_append_new(arr, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string("nmap -PE / hping3 (no payload)"));
	json_object_set_new(o, "tag", json_string("nmap/hping3"));
	json_object_set_new(o, "template", json_string(ih_tpl_name(IH_TPL_EMPTY)));
	json_object_set_new(o, "size", json_integer(0));
	json_object_set_new(o, "entropy", json_real(0));
	json_array_append_new(arr, o);
	return arr;
}

static json_t *random_json(void)
{
	json_t *arr = json_array();
	for (uint32_t len = 8; len <= 65536; len *= 2) {
		json_t *pt = json_array();
		json_array_append_new(pt, json_integer(len));
		json_array_append_new(pt, json_real(round3(ih_random_entropy(len))));
		json_array_append_new(arr, pt);
	}
	return arr;
}

static void hex32(const uint8_t *b, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[64] = '\0';
}

static unsigned popcount32(const uint8_t *b)
{
	unsigned n = 0;
	for (int i = 0; i < 32; i++)
		n += (unsigned)__builtin_popcount(b[i]);
	return n;
}

static int cmp_block(const void *x, const void *y)
{
	const struct block *a = *(const struct block *const *)x, *b = *(const struct block *const *)y;
	return ih_addr_cmp(&a->key.b, &b->key.b);
}

static json_t *sweep_cells_json(const struct ih_collect *c, const struct ih_findings *fs)
{
	json_t *o = json_object();
	const struct block **mine = malloc((c->nblk ? c->nblk : 1) * sizeof(*mine));
	if (!mine)
		return o;
	for (size_t i = 0; i < fs->n; i++) {
		const struct ih_finding *f = fs->v[i];
		if (strcmp(f->kind, "sweep") != 0)
			continue;
		const char *id = json_string_value(json_object_get(f->obj, "id"));
		const char *range = json_string_value(json_object_get(f->evidence, "range"));
		struct ih_cidr r;
		if (!id || !range || !ih_cidr_parse(range, &r) || r.base.family != f->src.family)
			continue;
		json_t *s = json_object();
		unsigned bits = ih_addr_bits(&r.base);
		if (r.prefix >= bits - 8) {
			struct ih_addr t = r.base;
			const struct block *b = block_get((struct ih_collect *)c, &f->src, &t, false);
			if (b) {
				char hx[65], base[IH_ADDR_STRLEN];
				struct ih_addr ba;
				ih_addr_mask(&r.base, bits - 8, &ba);
				json_object_set_new(s, "block", json_string(ih_addr_str(&ba, base, sizeof(base))));
				hex32(b->probed, hx);
				json_object_set_new(s, "probed", json_string(hx));
				hex32(b->answered, hx);
				json_object_set_new(s, "answered", json_string(hx));
			}
		}
		/* the blocks of the range this source probed, with counts */
		size_t nm = 0;
		for (uint32_t k = 0; k < c->nblk; k++) {
			const struct block *b = &c->blk[k];
			if (ih_addr_eq(&b->key.a, &f->src) && ih_cidr_contains(&r, &b->key.b) && popcount32(b->probed))
				mine[nm++] = b;
			else if (ih_addr_eq(&b->key.a, &f->src) && r.prefix > bits - 8) {
				/* the range is inside one block: the block base is outside the range's
				 * CIDR test when the range does not start at the block start */
				struct ih_addr rb;
				ih_addr_mask(&r.base, bits - 8, &rb);
				if (ih_addr_eq(&rb, &b->key.b) && popcount32(b->probed))
					mine[nm++] = b;
			}
		}
		qsort(mine, nm, sizeof(*mine), cmp_block);
		json_t *blocks = json_array();
		for (size_t k = 0; k < nm && k < 256; k++) {
			char base[IH_ADDR_STRLEN], cidr[IH_ADDR_STRLEN + 8];
			snprintf(cidr, sizeof(cidr), "%s/%u", ih_addr_str(&mine[k]->key.b, base, sizeof(base)), bits - 8);
			json_t *bo = json_object();
			json_object_set_new(bo, "block", json_string(cidr));
			json_object_set_new(bo, "probed", json_integer(popcount32(mine[k]->probed)));
			json_object_set_new(bo, "answered", json_integer(popcount32(mine[k]->answered)));
			json_array_append_new(blocks, bo);
		}
		json_object_set_new(s, "blocks", blocks);
		if (nm > 256)
			json_object_set_new(s, "blocks_not_listed", json_integer((json_int_t)(nm - 256)));
		json_object_set_new(o, id, s);
	}
	free(mine);
	if (c->blk_dropped)
		json_object_set_new(o, "_maps_dropped", json_integer((json_int_t)c->blk_dropped));
	return o;
}

json_t *ih_collect_json(const struct ih_collect *c, const struct ih_findings *fs)
{
	json_t *o = json_object();
	uint32_t *order = malloc((c->ntk ? c->ntk : 1) * sizeof(*order));
	if (!order)
		return o;
	for (uint32_t i = 0; i < c->ntk; i++)
		order[i] = i;
	qsort_r(order, c->ntk, sizeof(*order), cmp_own, (void *)c);
	json_object_set_new(o, "activity", activity_json(c, order));
	json_object_set_new(o, "talkers", talkers_json(c, order));
	free(order);
	json_t *hs = json_object();
	if (c->seen_overflow) {
		json_object_set_new(hs, "count", json_integer((json_int_t)(ih_hll_estimate(c->hll, SEEN_HLL) + 0.5)));
		json_object_set_new(hs, "exact", json_false());
	} else {
		json_object_set_new(hs, "count", json_integer(c->nseen));
		json_object_set_new(hs, "exact", json_true());
	}
	json_object_set_new(o, "hosts_seen", hs);
	json_object_set_new(o, "conversations", conversations_json(c));
	json_object_set_new(o, "templates", templates_json());
	json_object_set_new(o, "random_entropy", random_json());
	json_object_set_new(o, "sweep_cells", sweep_cells_json(c, fs));
	return o;
}

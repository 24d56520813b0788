/* track.c — bounded host and pair tables fed by decoded packets.
 *
 * Open addressing with linear probing over a window of at most PROBE_MAX slots, a keyed hash
 * (XXH3 with a per-run random seed) and tombstones. When the window holds neither the key nor a
 * free slot, the least recently seen record in it is evicted. The bounded window keeps the work
 * per packet bounded whatever an attacker sends. The index is reserved at twice the capacity but
 * used from a small prefix that doubles as records are added (table_grow), so it stays as small
 * as the table's population allows; once an eighth of its slots are tombstones they are cleared
 * in place (table_purge).
 *
 * Expiry is by packet time and is exact: a record idle for longer than its timeout ends before
 * the packet that finds it is counted, whenever the background scan would have reached it, so
 * the findings do not depend on the hash layout. The background scan only gives memory back and
 * lets detectors evaluate records that went quiet: at each new second of packet time it visits
 * enough slots that every slot is seen twice per idle timeout, so its cost follows time, not
 * packet count. */
#include "track/track.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

#include "core/cursor.h"
#include "detect/detector.h"
#include "track/hll.h"

#define PROBE_MAX 16
#define HOST_HOT_BYTES 320
#define PAIR_HOT_BYTES 320
#define INDEX_MIN 1024 /* index slots in use at first (table_grow doubles them) */
#define MAX_DETECTORS 32

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_LOST = 2 /* during table_grow only */ };

/* Index slot: 0 empty; low 32 bits IDX_DELETED for a tombstone; otherwise the record number + 1
 * with a 32-bit hash tag in the high half, so a probe reads 8 bytes per step and touches a
 * record only when the tag matches. A key's home slot comes from its tag too (home_of), so the
 * index alone says where each entry belongs: table_purge clears the tombstones without reading
 * a record. */
#define IDX_DELETED 0xffffffffu

struct table {
	void *rec;        /* capacity records of esize bytes */
	uint64_t *index;  /* 2 x capacity slots reserved; imask + 1 of them in use */
	uint32_t *free;   /* stack of free record numbers */
	uint32_t nfree;
	uint32_t imax;    /* index slots reserved - 1 (2 x capacity - 1) */
	size_t esize;
	size_t keylen;    /* the key is the first keylen bytes of a record */
	size_t slot_off;  /* offset of the uint8_t slot state (SLOT_USED while live) */
	size_t clear_len; /* bytes of a record cleared when it is made (the rest is read only as
			   * far as fields before them say) */
	size_t last_off;  /* offset of the uint64_t last_ns */
	uint32_t mask;    /* capacity - 1 (records) */
	uint32_t imask;   /* index slots in use - 1: grows with the live records (table_grow) */
	uint32_t live, peak;
	uint32_t scan;    /* background expiry cursor (records) */
	uint32_t hwm;     /* records [0, hwm) have ever been used: scans and flushes stop there,
			   * so a small capture never touches the pages of a big table */
	uint32_t tombs;   /* index slots holding IDX_DELETED (table_purge) */
	void *tails;      /* capacity tails of tsize bytes (pairs and conversations: struct
			   * ih_pair_tail), or NULL */
	size_t tsize;
	uint32_t *tfree;  /* stack of free tail numbers */
	uint32_t ntfree;
	uint32_t thwm;    /* tails [0, thwm) have ever been used (read by ih_track_commit_ahead
			   * on another thread) */
	uint64_t seed;
	uint64_t evictions, expired;
};

struct ih_track {
	struct ih_track_config cfg;
	struct table hosts, pairs, convs;
	struct ih_detector *det[MAX_DETECTORS];
	unsigned ndet;
	/* the detectors that have each per-packet callback, in the order they were added */
	struct ih_detector *icmp_det[MAX_DETECTORS], *pair_end_det[MAX_DETECTORS];
	unsigned nicmp_det, npair_end_det;
	uint64_t now;
	uint64_t scan_sec;
	uint64_t seed;
	struct ih_track_stats stats;
	/* The doorkeeper (host_doorkeeper): two generations of a blocked Bloom filter, made with
	 * the tables (its pages are committed only once the host table fills and it is written) */
	uint64_t *door[2];
	uint32_t door_bits;   /* bits per generation: a power of two */
	uint32_t door_set;    /* addresses noted in the current generation */
	unsigned door_cur;
};

void ih_track_config_default(struct ih_track_config *c)
{
	memset(c, 0, sizeof(*c));
	c->host_capacity = 1u << 16;
	c->pair_capacity = 1u << 16;
	c->host_idle_ns = 30ull * 60 * 1000000000ull;
	c->pair_idle_ns = 15ull * 60 * 1000000000ull;
	c->conv_capacity = 0;
	c->conv_idle_ns = 5ull * 60 * 1000000000ull;
	c->large_payload = 1024;
	c->seed = 0;
	c->doorkeeper = true;
}

/* ---------------------------------------------------------------- tables */

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t c = 16;
	while (c < n && c < (1u << 30))
		c <<= 1;
	return c;
}

static size_t rec_bytes(const struct table *t)
{
	return ((size_t)t->mask + 1) * t->esize;
}

static size_t tail_bytes(const struct table *t)
{
	return ((size_t)t->mask + 1) * t->tsize;
}

static size_t index_bytes(const struct table *t)
{
	return ((size_t)t->imax + 1) * sizeof(*t->index);
}

/* Zeroed memory for records or an index, in transparent huge pages where the kernel allows
 * (madvise mode): lookups land anywhere in tables of tens of MB, and with 4 KB pages nearly
 * every one also missed the TLB (a page walk per lookup, which software prefetches do not
 * start). Pages are still only committed when first touched. NULL on failure. */
static void *table_mem(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(m, bytes, MADV_HUGEPAGE); /* a hint: without it, 4 KB pages */
#endif
	return m;
}

/* A stack of the numbers 0 .. cap - 1, 0 on top: records and tails are handed out from the
 * first one on, and one given back is the next taken. */
static void stack_fill(uint32_t *stack, uint32_t *n, uint32_t cap)
{
	for (uint32_t i = 0; i < cap; i++)
		stack[i] = cap - 1 - i;
	*n = cap;
}

/* Takes the top number of a stack that is not empty; *hwm (numbers [0, *hwm) have ever been
 * taken) follows, stored atomically: ih_track_commit_ahead reads it on another thread. */
static uint32_t stack_take(uint32_t *stack, uint32_t *n, uint32_t *hwm)
{
	uint32_t num = stack[--*n];
	if (num >= *hwm)
		__atomic_store_n(hwm, num + 1, __ATOMIC_RELAXED);
	return num;
}

static bool table_init(struct table *t, uint32_t capacity, size_t esize, size_t clear_len, size_t keylen,
		       size_t slot_off, size_t last_off, size_t tsize)
{
	memset(t, 0, sizeof(*t));
	uint32_t cap = pow2_at_least(capacity);
	t->esize = esize;
	t->clear_len = clear_len;
	t->keylen = keylen;
	t->slot_off = slot_off;
	t->last_off = last_off;
	t->mask = cap - 1;
	t->imax = cap * 2 - 1;
	t->imask = t->imax < INDEX_MIN - 1 ? t->imax : INDEX_MIN - 1;
	t->rec = table_mem(rec_bytes(t));
	t->index = table_mem(index_bytes(t));
	t->free = malloc((size_t)cap * sizeof(*t->free));
	t->tsize = tsize;
	if (tsize) {
		t->tails = table_mem(tail_bytes(t));
		t->tfree = malloc((size_t)cap * sizeof(*t->tfree));
		if (!t->tails || !t->tfree)
			return false;
		stack_fill(t->tfree, &t->ntfree, cap);
	}
	if (!t->rec || !t->index || !t->free)
		return false;
	stack_fill(t->free, &t->nfree, cap);
	return true;
}

static void table_fini(struct table *t)
{
	if (t->rec)
		munmap(t->rec, rec_bytes(t));
	if (t->index)
		munmap(t->index, index_bytes(t));
	if (t->tails)
		munmap(t->tails, tail_bytes(t));
	free(t->free);
	free(t->tfree);
}

static inline void *rec_at(const struct table *t, uint32_t i)
{
	return (uint8_t *)t->rec + (size_t)i * t->esize;
}

static inline uint32_t rec_num(const struct table *t, const void *r)
{
	return (uint32_t)(((const uint8_t *)r - (const uint8_t *)t->rec) / t->esize);
}

static inline uint8_t *slot_of(const struct table *t, void *r)
{
	return (uint8_t *)r + t->slot_off;
}

static inline uint64_t last_of(const struct table *t, const void *r)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)r + t->last_off, sizeof(v));
	return v;
}

/* Host keys are one address (17 bytes), pair keys two (34): constant lengths let the compiler
 * specialise XXH3 and the key comparison for each table (same values as the generic calls). */
#define HOST_KEYLEN sizeof(struct ih_addr)
#define PAIR_KEYLEN (2 * sizeof(struct ih_addr))

/* Other key lengths (conversations): out of line, so that where a caller's key is a host or
 * pair key the compiler does not inline, next to it, XXH3's paths for long inputs and warn
 * that they would read past that key (gcc -O3 -Warray-bounds). */
static __attribute__((noinline)) uint64_t key_hash_other(uint64_t seed, const void *key, size_t len)
{
	return XXH3_64bits_withSeed(key, len, seed);
}

static inline uint64_t key_hash(uint64_t seed, const void *key, size_t len)
{
	if (len == HOST_KEYLEN)
		return XXH3_64bits_withSeed(key, HOST_KEYLEN, seed);
	if (len == PAIR_KEYLEN)
		return XXH3_64bits_withSeed(key, PAIR_KEYLEN, seed);
	return key_hash_other(seed, key, len);
}

static inline bool key_eq(const void *rec, const void *key, size_t len)
{
	if (len == HOST_KEYLEN)
		return memcmp(rec, key, HOST_KEYLEN) == 0;
	if (len == PAIR_KEYLEN)
		return memcmp(rec, key, PAIR_KEYLEN) == 0;
	return memcmp(rec, key, len) == 0;
}

static inline uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

/* The index slot a key's window starts at: the low bits of its tag. */
static inline uint32_t home_of(const struct table *t, uint32_t tag)
{
	return tag & t->imask;
}

/* Finds the record for key, or NULL. *ins gets the index slot a new key would take (the first
 * empty or deleted slot in the window), or UINT32_MAX when the window has none. */
static inline __attribute__((always_inline)) void *table_find(const struct table *t, uint64_t h, const void *key,
								 size_t keylen, uint32_t *ins)
{
	uint32_t tag = tag_of(h), i = home_of(t, tag);
	*ins = UINT32_MAX;
	for (unsigned n = 0; n < PROBE_MAX; n++, i = (i + 1) & t->imask) {
		uint64_t v = t->index[i];
		uint32_t lo = (uint32_t)v;
		if (v == 0) {
			if (*ins == UINT32_MAX)
				*ins = i;
			return NULL;
		}
		if (lo == IDX_DELETED) {
			if (*ins == UINT32_MAX)
				*ins = i;
			continue;
		}
		if ((uint32_t)(v >> 32) == tag) {
			void *r = rec_at(t, lo - 1);
			if (key_eq(r, key, keylen))
				return r;
		}
	}
	return NULL;
}

/* The least recently seen record in key's probe window: the one to evict. */
static void *table_victim(const struct table *t, uint64_t h)
{
	uint32_t i = home_of(t, tag_of(h));
	void *oldest = NULL;
	uint64_t oldest_ts = UINT64_MAX;
	for (unsigned n = 0; n < PROBE_MAX; n++, i = (i + 1) & t->imask) {
		uint32_t lo = (uint32_t)t->index[i];
		if (lo == 0 || lo == IDX_DELETED)
			continue;
		void *r = rec_at(t, lo - 1);
		uint64_t ts = last_of(t, r);
		if (ts < oldest_ts) {
			oldest_ts = ts;
			oldest = r;
		}
	}
	return oldest;
}

/* The least recently seen record among a few picked by the scan cursor: used when every
 * record is taken but the key's window still has room. */
static void *table_any_victim(struct table *t)
{
	void *oldest = NULL;
	uint64_t oldest_ts = UINT64_MAX;
	uint32_t end = t->hwm ? t->hwm : 1, k = t->scan < end ? t->scan : 0;
	for (unsigned n = 0; n < PROBE_MAX; n++, k = k + 1 < end ? k + 1 : 0) {
		void *r = rec_at(t, k); /* no division per record: this runs for every packet of a flood */
		if (*slot_of(t, r) != SLOT_USED)
			continue;
		uint64_t ts = last_of(t, r);
		if (ts < oldest_ts) {
			oldest_ts = ts;
			oldest = r;
		}
	}
	return oldest;
}

/* Clears the index's tombstones in place. A spoofed flood that evicts a record a packet fills
 * the index with them (half of its slots in a 1M-packet flood), and a lookup of a key that is
 * not there, the common case in a flood, then reads its whole window instead of stopping at the
 * first empty slot. Every tombstone is emptied, then every entry is placed again at the first
 * empty slot from its home (the home comes from its tag: no record is read), visiting the
 * slots in order from one that is empty, so that an entry only ever moves back, over slots
 * whose entries are already placed, and stays within its window. Cost: one pass over the index
 * in use, every (slots / 8) tombstones. */
static void table_purge(struct table *t)
{
	uint32_t n = t->imask + 1, start = 0;
	for (uint32_t i = 0; i < n; i++)
		if ((uint32_t)t->index[i] == IDX_DELETED)
			t->index[i] = 0;
	while (start < n && t->index[start])
		start++;
	if (start == n)
		return; /* no empty slot: cannot be, the index is at most half full */
	for (uint32_t k = 1; k <= n; k++) {
		uint32_t j = (start + k) & t->imask;
		uint64_t v = t->index[j];
		if (v == 0)
			continue;
		t->index[j] = 0;
		uint32_t i = home_of(t, (uint32_t)(v >> 32));
		while (t->index[i])
			i = (i + 1) & t->imask;
		t->index[i] = v;
	}
	t->tombs = 0;
}

static void table_release(struct table *t, void *r)
{
	uint32_t num = rec_num(t, r);
	uint64_t h = key_hash(t->seed, r, t->keylen);
	uint32_t i = home_of(t, tag_of(h));
	for (unsigned n = 0; n < PROBE_MAX; n++, i = (i + 1) & t->imask)
		if ((uint32_t)t->index[i] == num + 1) {
			/* a tombstone only if the chain goes on; else the slot is simply free */
			if (t->index[(i + 1) & t->imask] == 0) {
				t->index[i] = 0;
			} else {
				t->index[i] = IDX_DELETED;
				t->tombs++;
			}
			break;
		}
	*slot_of(t, r) = SLOT_EMPTY; /* the record is cleared when it is claimed again */
	t->free[t->nfree++] = num;
	t->live--;
}

/* Takes a free record for key at index slot ins (both must be available). */
static void *table_claim(struct table *t, uint64_t h, uint32_t ins, const void *key)
{
	uint32_t num = stack_take(t->free, &t->nfree, &t->hwm);
	if ((uint32_t)t->index[ins] == IDX_DELETED)
		t->tombs--;
	void *r = rec_at(t, num);
	memset(r, 0, t->clear_len);
	memcpy(r, key, t->keylen);
	*slot_of(t, r) = SLOT_USED;
	t->index[ins] = (uint64_t)tag_of(h) << 32 | (num + 1);
	t->live++;
	if (t->live > t->peak)
		t->peak = t->live;
	return r;
}

/* p's tail, about to be written: taken from the table's free tails the first time. Tails are
 * handed out from the first one on and a released one is the next taken, so that the tails
 * in use stay packed at the start of their region, whatever records their pairs have: the
 * region's huge pages are committed as tails are used, not as pairs are made. (A tail at each
 * record's own place was tried: the few two-request pairs of a 10M-source flood (under a
 * thousand), spread over the region, committed every one of its 2 MB pages.) Records and tails are as many, so
 * a record always finds a free tail. */
static struct ih_pair_tail *tail_w(struct table *t, struct ih_pair *p)
{
	if (!p->tail) {
		uint32_t num = stack_take(t->tfree, &t->ntfree, &t->thwm);
		p->tail = (struct ih_pair_tail *)((uint8_t *)t->tails + (size_t)num * t->tsize);
	}
	return p->tail;
}

/* gives p's tail, if it has one, back to table t */
static void tail_release(struct table *t, struct ih_pair *p)
{
	if (p->tail)
		t->tfree[t->ntfree++] = (uint32_t)((size_t)((uint8_t *)p->tail - (uint8_t *)t->tails) / t->tsize);
	p->tail = NULL;
}

/* ---------------------------------------------------------------- record ends */

static void end_pair(struct ih_track *tr, struct ih_pair *p)
{
	for (unsigned i = 0; i < tr->npair_end_det; i++)
		tr->pair_end_det[i]->on_pair_end(tr->pair_end_det[i], p);
	tail_release(&tr->pairs, p);
	table_release(&tr->pairs, p);
}

static void host_close_second(struct ih_host *h)
{
	if (h->sec_pkts > h->peak_pps)
		h->peak_pps = h->sec_pkts;
}

static void end_host(struct ih_track *tr, struct ih_host *h)
{
	host_close_second(h);
	for (unsigned i = 0; i < tr->ndet; i++)
		if (tr->det[i]->on_host_end)
			tr->det[i]->on_host_end(tr->det[i], h);
	table_release(&tr->hosts, h);
}

static void end_conv(struct ih_track *tr, struct ih_conv *c)
{
	for (unsigned i = 0; i < tr->ndet; i++)
		if (tr->det[i]->on_conv_end)
			tr->det[i]->on_conv_end(tr->det[i], c);
	tail_release(&tr->convs, &c->st);
	table_release(&tr->convs, c);
}

static bool conv_idle(const struct ih_track *tr, const struct ih_conv *c)
{
	return tr->now - c->st.last_ns > tr->cfg.conv_idle_ns;
}

static bool pair_idle(const struct ih_track *tr, const struct ih_pair *p)
{
	return tr->now - p->last_ns > tr->cfg.pair_idle_ns;
}

static bool host_idle(const struct ih_track *tr, const struct ih_host *h)
{
	return tr->now - h->last_ns > tr->cfg.host_idle_ns;
}

static uint32_t scan_step(const struct table *t, uint64_t idle_ns)
{
	uint64_t half = idle_ns / 2000000000ull;
	uint64_t n = (uint64_t)t->hwm / (half ? half : 1) + 1;
	return n > t->hwm ? t->hwm : (uint32_t)n;
}

static void scan_expired(struct ih_track *tr)
{
	uint64_t sec = tr->now / 1000000000ull;
	if (sec == tr->scan_sec)
		return;
	tr->scan_sec = sec;
	for (uint32_t n = tr->pairs.hwm ? scan_step(&tr->pairs, tr->cfg.pair_idle_ns) : 0; n; n--) {
		struct ih_pair *p = rec_at(&tr->pairs, tr->pairs.scan);
		tr->pairs.scan = tr->pairs.scan + 1 >= tr->pairs.hwm ? 0 : tr->pairs.scan + 1;
		if (p->slot == SLOT_USED && pair_idle(tr, p)) {
			tr->pairs.expired++;
			end_pair(tr, p);
		}
	}
	for (uint32_t n = tr->convs.hwm ? scan_step(&tr->convs, tr->cfg.conv_idle_ns) : 0; n; n--) {
		struct ih_conv *c = rec_at(&tr->convs, tr->convs.scan);
		tr->convs.scan = tr->convs.scan + 1 >= tr->convs.hwm ? 0 : tr->convs.scan + 1;
		if (c->slot == SLOT_USED && conv_idle(tr, c)) {
			tr->convs.expired++;
			end_conv(tr, c);
		}
	}
	for (uint32_t n = tr->hosts.hwm ? scan_step(&tr->hosts, tr->cfg.host_idle_ns) : 0; n; n--) {
		struct ih_host *h = rec_at(&tr->hosts, tr->hosts.scan);
		tr->hosts.scan = tr->hosts.scan + 1 >= tr->hosts.hwm ? 0 : tr->hosts.scan + 1;
		if (h->slot == SLOT_USED && host_idle(tr, h)) {
			tr->hosts.expired++;
			end_host(tr, h);
		}
	}
}

typedef bool (*idle_fn)(const struct ih_track *tr, const void *rec);
typedef void (*end_fn)(struct ih_track *tr, void *rec);

/* Doubles the index slots in use and places every live record again (tombstones go). The index
 * starts at INDEX_MIN slots and is kept at most half full until it reaches its reserved size, so
 * lookups in a table holding a few thousand records touch an index of tens of KB, in the core's
 * own cache, instead of slots scattered over the whole reserved index (a few MB), each an L2
 * miss. Returns false when the index is already at its reserved size. A record whose window in
 * the larger index is full (rare: the larger index is at most a quarter full) is ended as an
 * eviction, once the index is whole again. Cost: every live record once per doubling. */
static bool table_grow(struct ih_track *tr, struct table *t, end_fn end)
{
	if (t->imask >= t->imax)
		return false;
	uint32_t slots = (t->imask + 1) * 2;
	memset(t->index, 0, (size_t)slots * sizeof(*t->index));
	t->imask = slots - 1;
	t->tombs = 0;
	uint32_t lost = 0;
	for (uint32_t k = 0; k < t->hwm; k++) {
		void *r = rec_at(t, k);
		if (*slot_of(t, r) != SLOT_USED)
			continue;
		uint64_t h = key_hash(t->seed, r, t->keylen);
		uint32_t i = home_of(t, tag_of(h));
		unsigned n = 0;
		for (; n < PROBE_MAX && t->index[i]; n++, i = (i + 1) & t->imask)
			;
		if (n == PROBE_MAX) {
			*slot_of(t, r) = SLOT_LOST;
			lost++;
			continue;
		}
		t->index[i] = (uint64_t)tag_of(h) << 32 | (k + 1);
	}
	for (uint32_t k = 0; lost && k < t->hwm; k++) {
		void *r = rec_at(t, k);
		if (*slot_of(t, r) != SLOT_LOST)
			continue;
		*slot_of(t, r) = SLOT_USED;
		lost--;
		t->evictions++;
		end(tr, r); /* table_release finds no slot for it and frees the record */
	}
	return true;
}

/* Finds key's record (h: its hash); a record idle past its timeout ends first (exact expiry).
 * With create, makes a new record, evicting the least recently seen one of the window (or of
 * the table) when there is no room; *created says which. */
static inline __attribute__((always_inline)) void *table_get(struct ih_track *tr, struct table *t, const void *key,
								size_t keylen, uint64_t h, bool create, idle_fn idle,
								end_fn end, bool *created)
{
	uint32_t ins;
	*created = false;
	void *r = table_find(t, h, key, keylen, &ins);
	if (r) {
		if (!idle(tr, r))
			return r;
		t->expired++;
		end(tr, r);
	}
	if (!create)
		return NULL;
	bool stale = r != NULL; /* something was ended since ins was found: the window changed */
	if (t->imask < t->imax && ((uint64_t)t->live + 1) * 2 > (uint64_t)t->imask + 1)
		stale |= table_grow(tr, t, end);
	if (t->tombs > (t->imask + 1) / 8) {
		table_purge(t);
		stale = true;
	}
	for (int tries = 0; tries < 3; tries++) {
		if (tries || stale)
			table_find(t, h, key, keylen, &ins);
		/* a full window below the reserved size: more slots, not an eviction */
		while (ins == UINT32_MAX && table_grow(tr, t, end))
			table_find(t, h, key, keylen, &ins);
		if (ins != UINT32_MAX && t->nfree)
			break;
		void *victim = ins == UINT32_MAX ? table_victim(t, h) : table_any_victim(t);
		if (!victim)
			return NULL;
		t->evictions++;
		end(tr, victim);
	}
	if (ins == UINT32_MAX || !t->nfree)
		return NULL;
	*created = true;
	return table_claim(t, h, ins, key);
}

static bool host_idle_v(const struct ih_track *tr, const void *r);
static bool pair_idle_v(const struct ih_track *tr, const void *r);
static bool conv_idle_v(const struct ih_track *tr, const void *r);
static void end_host_v(struct ih_track *tr, void *r);
static void end_pair_v(struct ih_track *tr, void *r);
static void end_conv_v(struct ih_track *tr, void *r);

/* hash: the key's hash when worked out ahead (ih_track_key_hashes), else NULL */
static struct ih_host *host_get(struct ih_track *tr, const struct ih_addr *a, const uint64_t *hash)
{
	bool created;
	uint64_t h = hash ? *hash : key_hash(tr->hosts.seed, a, HOST_KEYLEN);
	struct ih_host *r = table_get(tr, &tr->hosts, a, HOST_KEYLEN, h, true, host_idle_v, end_host_v, &created);
	if (r && created) {
		r->first_ns = r->last_ns = tr->now;
		r->addr_hll = ih_hll_hash(a, sizeof(*a));
	}
	return r;
}

/* key: client then server, as the record holds them; hash as for host_get */
static struct ih_pair *pair_get(struct ih_track *tr, const struct ih_addr key[2], const uint64_t *hash, bool create,
				bool *created)
{
	uint64_t h = hash ? *hash : key_hash(tr->pairs.seed, key, PAIR_KEYLEN);
	struct ih_pair *p = table_get(tr, &tr->pairs, key, PAIR_KEYLEN, h, create, pair_idle_v, end_pair_v, created);
	if (p && *created) {
		p->first_ns = p->last_ns = tr->now;
		p->psize_min = UINT32_MAX;
		p->ttl_min = 255;
	}
	return p;
}

static struct ih_conv *conv_get(struct ih_track *tr, const struct ih_conv_key *key)
{
	bool created;
	uint64_t h = key_hash(tr->convs.seed, key, tr->convs.keylen);
	struct ih_conv *c = table_get(tr, &tr->convs, key, sizeof(*key), h, true, conv_idle_v, end_conv_v, &created);
	if (c && created) {
		c->st.client = key->client;
		c->st.server = key->server;
		c->st.first_ns = c->st.last_ns = tr->now;
		c->st.psize_min = UINT32_MAX;
		c->st.ttl_min = 255;
	}
	return c;
}

static bool host_idle_v(const struct ih_track *tr, const void *r) { return host_idle(tr, r); }
static bool pair_idle_v(const struct ih_track *tr, const void *r) { return pair_idle(tr, r); }
static bool conv_idle_v(const struct ih_track *tr, const void *r) { return conv_idle(tr, r); }
static void end_host_v(struct ih_track *tr, void *r) { end_host(tr, r); }
static void end_pair_v(struct ih_track *tr, void *r) { end_pair(tr, r); }
static void end_conv_v(struct ih_track *tr, void *r) { end_conv(tr, r); }

/* ---------------------------------------------------------------- admission */

/* A spoofed flood brings a new source address with nearly every packet. Made a record each,
 * they cost a host and a pair record, an eviction of each (six detectors judging the evicted
 * pair) and four index lookups in main memory per packet, and they push out of the full table
 * the records of the hosts that matter, which send more than once. So while the host table is
 * full, a host not in it is admitted on its second packet: its first only notes it in the
 * doorkeeper, and detectors hear of the packet with no host and no pair (the volume detector
 * still counts it against its destination).
 *
 * The doorkeeper is a blocked Bloom filter in two generations of door_bits bits: an address
 * sets DOOR_K bits of one 64-bit word (the word from the low half of its key hash, the bits
 * from a multiplicative remix of the whole hash), so that a lookup reads one word of each
 * generation. The current generation is cleared into the old one's place after door_bits / 16
 * new addresses (four a word on average); an address counts as seen when all its bits are set
 * in either generation. A source not seen before is let in at once when other addresses set
 * its bits: with one bit an address, 9.2 % of a 10M-source flood's packets were (916,000
 * evictions of records that mattered, and their detectors' work); with four, in a simulation
 * of the same flood, 0.67 % (with the generations ORed into one word before the test, 1.7 %).
 * A second packet is recognised within the last door_bits / 16 to door_bits / 8 new
 * addresses: 256k-512k with the default 65,536 hosts, several seconds of a 100,000-source/s
 * flood. Sizes: 64 bits a host record per generation (16 bytes a record, 5 % of its size:
 * 1 MB for the default table). Costs the first packet of each host that arrives while the
 * table is full: hosts_not_admitted counts them. */
#define DOOR_K 4
uint64_t ih_track_door_bits(uint32_t host_capacity)
{
	uint64_t bits = (uint64_t)pow2_at_least(host_capacity) * 64;
	return bits < 65536 ? 65536 : bits > (1ull << 31) ? 1ull << 31 : bits; /* door_bits is 32-bit */
}

static bool door_make(struct ih_track *tr)
{
	uint64_t bits = ih_track_door_bits(tr->hosts.mask + 1);
	tr->door[0] = calloc(bits / 64, sizeof(uint64_t));
	tr->door[1] = calloc(bits / 64, sizeof(uint64_t));
	if (!tr->door[0] || !tr->door[1])
		return false;
	tr->door_bits = (uint32_t)bits;
	return true;
}

/* The doorkeeper word of host-key hash h, from the low half (the index slot and the tag come
 * from the high half); shared by door_admit and ih_track_prefetch. */
static inline uint32_t door_word(const struct ih_track *tr, uint64_t h)
{
	return (uint32_t)h & (tr->door_bits / 64 - 1);
}

/* Its DOOR_K bits in that word: six bits each from the top of the hash times an odd constant
 * (2^64 / the golden ratio), which depends on all 64 bits of h, not only on the word's */
static inline uint64_t door_mask(uint64_t h)
{
	uint64_t x = h * 0x9e3779b97f4a7c15ull, m = 0;
	for (unsigned j = 1; j <= DOOR_K; j++)
		m |= 1ull << ((x >> (64 - 6 * j)) & 63);
	return m;
}

/* True when a host not in the full table is admitted (its key hash h was noted before). */
static bool door_admit(struct ih_track *tr, uint64_t h)
{
	if (!tr->door[0])
		return true;
	uint32_t w = door_word(tr, h);
	uint64_t m = door_mask(h);
	uint64_t *cur = &tr->door[tr->door_cur][w];
	if ((*cur & m) == m || (tr->door[!tr->door_cur][w] & m) == m)
		return true;
	*cur |= m;
	if (++tr->door_set >= tr->door_bits / 16) {
		tr->door_cur = !tr->door_cur;
		memset(tr->door[tr->door_cur], 0, tr->door_bits / 8);
		tr->door_set = 0;
	}
	return false;
}

/* ---------------------------------------------------------------- public */

struct ih_track *ih_track_new(const struct ih_track_config *cfg)
{
	struct ih_track *tr = calloc(1, sizeof(*tr));
	if (!tr)
		return NULL;
	tr->cfg = *cfg;
	tr->seed = cfg->seed;
	if (!tr->seed && getrandom(&tr->seed, sizeof(tr->seed), 0) != (ssize_t)sizeof(tr->seed))
		tr->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)tr;
	if (!table_init(&tr->hosts, cfg->host_capacity, sizeof(struct ih_host), sizeof(struct ih_host),
			sizeof(struct ih_addr), offsetof(struct ih_host, slot), offsetof(struct ih_host, last_ns), 0) ||
	    !table_init(&tr->pairs, cfg->pair_capacity, sizeof(struct ih_pair), IH_PAIR_CLEAR,
			2 * sizeof(struct ih_addr), offsetof(struct ih_pair, slot),
			offsetof(struct ih_pair, last_ns), sizeof(struct ih_pair_tail)) ||
	    (cfg->conv_capacity &&
	     !table_init(&tr->convs, cfg->conv_capacity, sizeof(struct ih_conv),
			 offsetof(struct ih_conv, st) + IH_PAIR_CLEAR, sizeof(struct ih_conv_key),
			 offsetof(struct ih_conv, slot), offsetof(struct ih_conv, st.last_ns),
			 sizeof(struct ih_pair_tail)))) {
		ih_track_free(tr);
		return NULL;
	}
	tr->hosts.seed = tr->pairs.seed = tr->convs.seed = tr->seed;
	/* made now so that the memory is the same from the first packet to the last; its pages are
	 * only committed once the host table fills and it is written */
	if (tr->cfg.doorkeeper && !door_make(tr)) {
		ih_track_free(tr);
		return NULL;
	}
	return tr;
}

void ih_track_free(struct ih_track *t)
{
	if (!t)
		return;
	free(t->door[0]);
	free(t->door[1]);
	table_fini(&t->hosts);
	table_fini(&t->pairs);
	table_fini(&t->convs);
	free(t);
}

void ih_track_add_detector(struct ih_track *t, struct ih_detector *d)
{
	if (t->ndet < MAX_DETECTORS) {
		d->track = t;
		t->det[t->ndet++] = d;
		if (d->on_icmp)
			t->icmp_det[t->nicmp_det++] = d;
		if (d->on_pair_end)
			t->pair_end_det[t->npair_end_det++] = d;
	}
}

uint32_t ih_host_ndst(const struct ih_host *h)
{
	if (!h->dst_overflow)
		return h->ndst_small;
	double e = ih_hll_estimate(h->hll, IH_HLL_REGS);
	uint32_t v = e > 4e9 ? 4000000000u : (uint32_t)(e + 0.5);
	return v < IH_HOST_SMALLSET + 1 ? IH_HOST_SMALLSET + 1 : v;
}

static void host_add_dst(struct ih_host *h, const struct ih_addr *dst)
{
	if (!h->dst_overflow) {
		for (uint32_t i = 0; i < h->ndst_small; i++)
			if (ih_addr_same(&h->dst_small[i], dst))
				return;
		if (h->ndst_small < IH_HOST_SMALLSET) {
			h->dst_small[h->ndst_small++] = *dst;
			return;
		}
		h->dst_overflow = true;
		for (uint32_t i = 0; i < h->ndst_small; i++)
			ih_hll_add(h->hll, IH_HLL_REGS,
				   ih_hll_hash(&h->dst_small[i], sizeof(*dst)));
	}
	ih_hll_add(h->hll, IH_HLL_REGS, ih_hll_hash(dst, sizeof(*dst)));
}

static void host_count(struct ih_host *h, const struct ih_pkt *pkt)
{
	uint64_t s = pkt->ts_ns / 1000000000ull;
	if (s != h->sec || h->active_secs == 0) {
		host_close_second(h);
		h->sec = s;
		h->sec_pkts = 0;
		h->active_secs++;
	}
	h->sec_pkts++;
	h->pkts++;
	h->bytes += pkt->ip_len ? pkt->ip_len : pkt->wire_len;
}

static void pair_note_size(struct ih_pair *p, uint32_t len)
{
	if (p->distinct_sizes >= 16)
		return;
	for (uint32_t i = 0; i < p->distinct_sizes; i++)
		if (p->sizes_seen[i] == (len > 65535 ? 65535 : len))
			return;
	p->sizes_seen[p->distinct_sizes++] = (uint16_t)(len > 65535 ? 65535 : len);
}

static void pair_note_hash(struct ih_pair *p, uint32_t hash)
{
	for (uint32_t i = 0; i < p->nhashes; i++)
		if (p->hashes[i] == hash)
			return;
	if (p->nhashes < IH_PAIR_HASHES)
		p->hashes[p->nhashes++] = hash;
	p->distinct_payloads++; /* exact while the set holds them all; an upper bound after */
}

static void pair_note_magic(struct ih_pair *p, const struct ih_pkt *pkt)
{
	if (pkt->payload_len < 4)
		return;
	uint32_t m = (uint32_t)pkt->payload[0] << 24 | (uint32_t)pkt->payload[1] << 16 |
		     (uint32_t)pkt->payload[2] << 8 | pkt->payload[3];
	if (!p->preview_len) {
		p->magic = m;
		uint32_t n = pkt->payload_len < sizeof(p->preview) ? pkt->payload_len : sizeof(p->preview);
		memcpy(p->preview, pkt->payload, n);
		p->preview_len = (uint8_t)n;
	}
	if (m == p->magic)
		p->magic_hits++;
}

/* ---------------------------------------------------------------- payload content */

/* Mean entropy of 2^k uniformly random bytes, k = 0..13 (simulated, 2000 draws each). */
static const double rand_entropy_pow2[14] = {
	0.0, 0.9935, 1.9903, 2.9735, 3.9437, 4.8862, 5.7653,
	6.5493, 7.1741, 7.5898, 7.8080, 7.9080, 7.9549, 7.9777,
};

double ih_random_entropy(uint32_t len)
{
	if (len <= 1)
		return 0.0;
	if (len >= 8192)
		return 8.0 - 184.0 / (double)len; /* 8 - 255 / (2 n ln 2), the large-n bias */
	unsigned k = 0;
	while ((2u << k) <= len)
		k++;
	/* interpolate linearly in log2(len) between 2^k and 2^(k+1) */
	double lo = (double)(1u << k), f = (log2((double)len) - log2(lo));
	return rand_entropy_pow2[k] + f * (rand_entropy_pow2[k + 1] - rand_entropy_pow2[k]);
}

const char *ih_pclass_name(enum ih_pclass c)
{
	switch (c) {
	case IH_PC_LOW: return "low-entropy";
	case IH_PC_TEXT: return "text";
	case IH_PC_ENCODED: return "encoded";
	case IH_PC_BINARY: return "binary";
	case IH_PC_RANDOM: return "random";
	case IH_PC_COUNT: break;
	}
	return "?";
}

/* Per byte: 1 printable (or tab, CR, LF), 2 base64 / hex / url-safe alphabet, 4 space or tab. */
static const uint8_t byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 3, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 3, 1, 1,
	1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 3,
	1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static bool has_template_class(enum ih_icmp_class c)
{
	return c == IH_ICMP_ECHO_REQ || c == IH_ICMP_ECHO_REP || c == IH_ICMP_OTHER;
}

/* The fingerprint (never 0) and length of a ping -p payload's fill pattern; 0 and 0 when it
 * has none. */
static void pattern_of(const struct ih_pkt *pkt, uint32_t *hash, uint8_t *len)
{
	uint8_t pat[16];
	uint32_t n = ih_payload_pattern(pkt->payload, pkt->payload_len, pkt->payload_wire_len, pat);
	*hash = n ? ih_payload_hash(pat, n) | 1u : 0;
	*len = (uint8_t)n;
}

void ih_payload_facts(struct ih_pkt *pkt)
{
	pkt->facts.valid = false;
	if (!pkt->has_icmp || pkt->from_flow)
		return;
	/* the fingerprint only for what pair_request / pair_answer take it from */
	bool paired = ih_icmp_is_probe(pkt->icmp_class) || ih_icmp_is_answer(pkt->icmp_class);
	pkt->facts.hash = paired ? ih_payload_hash(pkt->payload, pkt->payload_len) : 0;
	pkt->facts.tpl = IH_TPL_NONE;
	pkt->facts.pclass = 0;
	pkt->facts.entropy = -1;
	pkt->facts.pat_hash = 0;
	pkt->facts.pat_len = 0;
	if (has_template_class(pkt->icmp_class)) {
		enum ih_tpl t = ih_payload_template(pkt->payload, pkt->payload_len, pkt->payload_wire_len);
		pkt->facts.tpl = (uint8_t)t;
		if (t == IH_TPL_NONE) {
			pkt->facts.entropy = ih_entropy(pkt->payload, pkt->payload_len);
			pkt->facts.pclass = (uint8_t)ih_payload_class(pkt->payload, pkt->payload_len, pkt->facts.entropy);
		}
		if (t == IH_TPL_IPUTILS_PATTERN)
			pattern_of(pkt, &pkt->facts.pat_hash, &pkt->facts.pat_len);
	}
	pkt->facts.valid = true;
}

enum ih_pclass ih_payload_class(const uint8_t *p, uint32_t len, double entropy)
{
	if (!p || len == 0)
		return IH_PC_LOW;
	/* Text: at least 97 % printable (a line ending or a stray byte allowed). The scan goes
	 * by blocks of 32 bytes without branches and stops once the non-printable bytes exceed
	 * that allowance, so a random payload costs a block or two here, not its length. */
	uint32_t allowed = len - (uint32_t)(((uint64_t)len * 97 + 99) / 100);
	uint32_t printable = 0, alpha = 0, spaces = 0, i = 0;
	bool text = len >= 8;
	while (i < len && text) {
		uint32_t end = len - i > 32 ? i + 32 : len;
		for (; i < end; i++) {
			uint8_t k = byte_class[p[i]];
			printable += k & 1u;
			alpha += (k >> 1) & 1u;
			spaces += (k >> 2) & 1u;
		}
		if (i - printable > allowed)
			text = false;
	}
	if (text) {
		/* Encoded: the base64 / hex / url-safe alphabet only (line breaks allowed), no
		 * spaces, long enough to tell. */
		if (len >= 16 && spaces == 0 && (uint64_t)alpha * 100 >= (uint64_t)len * 97)
			return IH_PC_ENCODED;
		return IH_PC_TEXT;
	}
	if (entropy < 0)
		entropy = ih_entropy(p, len);
	/* Random: within 0.35 bit (about 4 standard deviations at 32 bytes) of the entropy of
	 * random bytes of this length. Low: under half of it. */
	double expect = ih_random_entropy(len);
	if (len >= 16 && entropy >= expect - 0.35)
		return IH_PC_RANDOM;
	if (entropy < expect * 0.5)
		return IH_PC_LOW;
	return IH_PC_BINARY;
}

/* Distinct values among those marked in a bitmap of nbits bits, bits_set of them set (linear
 * counting, Whang et al. 1990); `fallback` when the bitmap is full, and the most it returns
 * (unless 0). */
static double linear_count(uint32_t bits_set, uint32_t nbits, uint32_t fallback)
{
	if (bits_set >= nbits)
		return (double)fallback;
	double m = nbits, z = m - bits_set;
	double est = -m * log(z / m);
	return fallback && est > fallback ? (double)fallback : est;
}

double ih_seen_estimate(uint32_t bits_set, uint32_t fallback)
{
	return linear_count(bits_set, IH_SEEN_BITS, fallback);
}

/* Sets bit b of a bitmap; true when it was clear (then *nset counts it). */
static bool bitmap_note(uint64_t *bits, uint32_t *nset, uint32_t b)
{
	uint64_t m = 1ull << (b & 63);
	if (bits[b >> 6] & m)
		return false;
	bits[b >> 6] |= m;
	(*nset)++;
	return true;
}

/* Marks a payload fingerprint in a pair's bitmap; a payload that sets a new bit adds its
 * bytes to *new_bytes (the estimate of distinct data carried). */
static void seen_note(uint64_t *bits, uint32_t *nset, uint64_t *new_bytes, uint32_t hash, uint32_t len)
{
	/* the fingerprint's high bits: its low bits also pick the echo ring slot */
	if (bitmap_note(bits, nset, (hash >> 20) % IH_SEEN_BITS))
		*new_bytes += len;
}

static void tool_note(struct ih_pair *p, const struct ih_pkt *pkt)
{
	enum ih_tool t = ih_payload_tool(pkt->payload, pkt->payload_len, pkt->icmp_type,
					 pkt->icmp_id, pkt->icmp_seq);
	if (t == IH_TOOL_NONE)
		return;
	if (!p->tool)
		p->tool = (uint8_t)t;
	if (p->tool == t)
		p->tool_hits++;
}

/* A request's ping -p fill: how often the pattern changes, and a bitmap of the patterns seen
 * (their count: ih_pattern_estimate). */
static void pattern_note(struct ih_pair *p, const struct ih_pkt *pkt)
{
	uint32_t h;
	uint8_t len;
	if (pkt->facts.valid) {
		h = pkt->facts.pat_hash;
		len = pkt->facts.pat_len;
	} else {
		pattern_of(pkt, &h, &len);
	}
	if (!h)
		return;
	p->pat_reqs++;
	p->pat_len_sum += len;
	if (p->pat_last && h != p->pat_last)
		p->pat_changes++;
	p->pat_last = h;
	bitmap_note(p->pat_seen, &p->pat_bits, (h >> 8) % IH_PAT_BITS);
}

double ih_pattern_estimate(const struct ih_pair *p)
{
	if (!p->pat_reqs)
		return 0.0;
	/* never more patterns than requests; a full bitmap says only "more than it can tell":
	 * then at most one new pattern per change */
	uint32_t cap = p->pat_reqs;
	if (p->pat_bits >= IH_PAT_BITS && p->pat_changes + 1 < cap)
		cap = p->pat_changes + 1;
	return linear_count(p->pat_bits, IH_PAT_BITS, cap);
}

#define DAY_MS 86400000u

/* Data in the fields of a timestamp request. RFC 792: the sender puts its clock in originate,
 * milliseconds since midnight UT (or any value with the high bit set when it has no such
 * clock), and the receiver fills receive and transmit. Checked in the lab: hping3 --icmp-ts
 * and -C 13 send the time of day and zeros; nmap -PP sends all zeros; GNU inetutils ping
 * --timestamp copies originate into the other two (tests/data/recorded sweep_hping_ts,
 * ping_hping3_admin, sweep_icmp_types, ping_inetutils). So a request carries data when its
 * receive or transmit is neither 0 nor originate, when originate is no time of day with the
 * high bit clear, or when originate moved from the last request's by more than the capture's
 * clock did (1 s plus 1 % of slack, across midnight too). An originate that stays put (nmap's
 * 0) carries nothing. */
static void ts_request(struct ih_pair *p, const struct ih_pkt *pkt)
{
	struct ih_cursor c; /* the caller saw at least originate; a snaplen may cut the others */
	ih_cur_init(&c, pkt->payload, pkt->payload_len);
	uint32_t orig = ih_cur_be32(&c), rx = ih_cur_be32(&c), tx = ih_cur_be32(&c);
	uint64_t at = pkt->ts_ns > p->first_probe_ns ? (pkt->ts_ns - p->first_probe_ns) / 1000000ull : 0;
	uint32_t at_ms = at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
	bool odd = false;
	if (!c.err && ((rx && rx != orig) || (tx && tx != orig))) {
		p->ts_odd_rxtx++;
		odd = true;
	}
	bool standard = !(orig & 0x80000000u);
	if (standard && orig >= DAY_MS) {
		odd = true;
	} else if (p->ts_reqs && orig != p->ts_last_orig) {
		bool was_standard = !(p->ts_last_orig & 0x80000000u);
		bool days = standard && was_standard;
		int64_t moved, clock = (int64_t)at_ms - (int64_t)p->ts_last_ms; /* out of order: < 0 */
		if (days) {
			moved = (int64_t)((orig + DAY_MS - p->ts_last_orig % DAY_MS) % DAY_MS);
			if (moved > DAY_MS / 2)
				moved -= DAY_MS; /* the nearer way round the day */
		} else {
			moved = (int32_t)(orig - p->ts_last_orig);
		}
		int64_t off = moved > clock ? moved - clock : clock - moved;
		int64_t slack = 1000 + (clock < 0 ? -clock : clock) / 100;
		if (standard != was_standard)
			odd = true;
		else if (!(days && (clock >= DAY_MS / 2 || -clock >= DAY_MS / 2)) && off > slack)
			odd = true; /* (a time of day tells nothing across half a day or more) */
	}
	p->ts_reqs++;
	p->ts_odd += odd;
	p->ts_last_orig = orig;
	p->ts_last_ms = at_ms;
}

/* t: the table of p (pairs, or conversations for a conversation's statistics) */
static void pair_request(struct ih_track *tr, struct table *t, struct ih_pair *p, struct ih_event *ev)
{
	const struct ih_pkt *pkt = ev->pkt;
	uint32_t len = pkt->payload_wire_len;
	/* a flow's views after its first are spread over its duration by guess: only flow starts
	 * have a real time, so only they enter the timing series */
	bool series = !pkt->from_flow || pkt->flow_start;
	if (p->probes && series) {
		uint64_t prev = pkt->from_flow ? p->first_probe_ns + (uint64_t)p->last_start_ms * 1000000ull : p->last_probe_ns;
		uint64_t gap = pkt->ts_ns > prev ? pkt->ts_ns - prev : 0;
		uint64_t ms = gap / 1000000ull;
		struct ih_series_ent *e = &tail_w(t, p)->series[p->nseries % IH_PAIR_SERIES];
		e->gap_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
		e->size = (uint16_t)(len > 65535 ? 65535 : len);
		e->tpl = (uint8_t)(pkt->icmp_class == IH_ICMP_ECHO_REQ ? ev->tpl : IH_TPL_UNKNOWN);
		p->nseries++;
	}
	if (p->probes && pkt->from_flow && pkt->flow_start) {
		uint64_t off = pkt->ts_ns > p->first_probe_ns ? (pkt->ts_ns - p->first_probe_ns) / 1000000ull : 0;
		p->last_start_ms = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
	}
	if (p->probes) {
		if (pkt->has_echo_fields) {
			if (pkt->icmp_id != p->last_id)
				p->id_changes++;
			uint16_t step = (uint16_t)(pkt->icmp_seq - p->last_seq);
			if (step == 1)
				p->seq_steps_one++;
			else if (step == 0)
				p->seq_repeats++;
			else if (step > 16 && step < 65520 &&
				 (uint16_t)(step - p->last_seq_step + 256) > 512)
				p->seq_jumps++; /* far, by a step unlike the last (fping's grows by retries) */
			p->last_seq_step = step;
		}
		if (pkt->ttl != p->last_ttl)
			p->ttl_changes++;
	} else {
		p->first_probe_ns = pkt->ts_ns;
		p->first_id = pkt->icmp_id;
	}
	if (pkt->icmp_class == IH_ICMP_TSTAMP_REQ && pkt->payload_len >= 4 && !pkt->from_flow)
		ts_request(p, pkt);
	p->probes++;
	p->probes_since_answer++;
	if (p->answers)
		p->probes_after_answer++;
	p->last_probe_ns = pkt->ts_ns;
	p->last_id = pkt->icmp_id;
	p->last_seq = pkt->icmp_seq;
	p->last_ttl = pkt->ttl;
	if (pkt->ttl < p->ttl_min)
		p->ttl_min = pkt->ttl;
	if (pkt->ttl > p->ttl_max)
		p->ttl_max = pkt->ttl;
	if (pkt->df)
		p->df_probes++;
	if (pkt->reassembled)
		p->frag_probes++;
	p->bytes_out += len;
	if (len < p->psize_min)
		p->psize_min = len;
	if (len > p->psize_max)
		p->psize_max = len;
	p->psize_sum += len;
	pair_note_size(p, len);
	if (len > tr->cfg.large_payload)
		p->big_payloads++;
	/* Only echo carries a free-form payload: the body of a timestamp, mask or information
	 * request is the protocol's own fields, neither a tool's template nor data. */
	bool echo = pkt->icmp_class == IH_ICMP_ECHO_REQ;
	if (echo && (unsigned)ev->tpl < IH_TPL_COUNT)
		p->tpl_hits[ev->tpl]++;

	uint32_t hash = pkt->facts.valid ? pkt->facts.hash : ih_payload_hash(pkt->payload, pkt->payload_len);
	if (echo && ev->tpl == IH_TPL_NONE) {
		p->nontpl_out++;
		p->nontpl_bytes_out += len;
		if (ev->entropy >= 0) {
			p->entropy_sum_out += ev->entropy;
			p->entropy_n_out++;
		}
		pair_note_hash(p, hash);
		pair_note_magic(p, pkt);
		p->pclass_out[pkt->facts.valid ? (enum ih_pclass)pkt->facts.pclass
					      : ih_payload_class(pkt->payload, pkt->payload_len, ev->entropy)]++;
		seen_note(p->seen_out, &p->seen_bits_out, &p->new_bytes_out, hash, len);
		if (len > tr->cfg.large_payload)
			p->big_nontpl++;
		tool_note(p, pkt);
	}
	if (echo && ev->tpl == IH_TPL_IPUTILS_PATTERN)
		pattern_note(p, pkt);
	if (pkt->has_echo_fields) {
		/* The request takes its slot k of the ring, replacing the one there. It is kept in
		 * last_req, standing for slot k; the last request before it, if still outstanding,
		 * moves to its own slot of the tail's ring (unless that is k: then it is replaced). */
		unsigned k = (pkt->icmp_seq ^ pkt->icmp_id) % IH_PAIR_RING;
		if (p->last_out && p->last_k != k) {
			tail_w(t, p)->ring[p->last_k] = p->last_req;
			p->ring_used |= 1u << p->last_k;
		}
		p->ring_used &= ~(1u << k);
		struct ih_echo_slot *s = &p->last_req;
		s->id = pkt->icmp_id;
		s->seq = pkt->icmp_seq;
		s->hash = hash;
		s->len = pkt->payload_len;
		s->full = pkt->payload_len == pkt->payload_wire_len;
		s->ts_ns = pkt->ts_ns;
		s->answered = false;
		p->last_k = (uint8_t)k;
		p->last_out = true;
	}
}

static void pair_answer(struct ih_pair *p, struct ih_event *ev)
{
	const struct ih_pkt *pkt = ev->pkt;
	uint32_t len = pkt->payload_wire_len;
	p->answers++;
	p->probes_since_answer = 0;
	if (!p->first_answer_ns)
		p->first_answer_ns = pkt->ts_ns;
	p->last_answer_ns = pkt->ts_ns;
	p->bytes_in += len;
	uint32_t hash = pkt->facts.valid ? pkt->facts.hash : ih_payload_hash(pkt->payload, pkt->payload_len);
	if (pkt->icmp_class == IH_ICMP_ECHO_REP && ev->tpl == IH_TPL_NONE) {
		p->nontpl_in++;
		p->nontpl_bytes_in += len;
		if (ev->entropy >= 0) {
			p->entropy_sum_in += ev->entropy;
			p->entropy_n_in++;
		}
		pair_note_magic(p, pkt);
		p->pclass_in[pkt->facts.valid ? (enum ih_pclass)pkt->facts.pclass
					      : ih_payload_class(pkt->payload, pkt->payload_len, ev->entropy)]++;
		seen_note(p->seen_in, &p->seen_bits_in, &p->new_bytes_in, hash, len);
		tool_note(p, pkt);
	}
	if (pkt->has_echo_fields) {
		/* the request in slot k: the last one (last_req) or one of the tail's ring */
		unsigned k = (pkt->icmp_seq ^ pkt->icmp_id) % IH_PAIR_RING;
		bool last = p->last_out && p->last_k == k;
		const struct ih_echo_slot *s = last ? &p->last_req : (p->ring_used >> k & 1) ? &p->tail->ring[k] : NULL;
		if (s && s->id == pkt->icmp_id && s->seq == pkt->icmp_seq) {
			/* A reply echoes the request's data (RFC 792, RFC 4443). Compare only when
			 * both were captured whole: a short snaplen is not a mismatch. */
			bool full = pkt->payload_len == pkt->payload_wire_len;
			if (full && s->full && (s->len != pkt->payload_len || hash != s->hash))
				p->reply_mismatch++;
			else
				p->reply_matched++;
			if (last)
				p->last_out = false;
			else
				p->ring_used &= ~(1u << k);
		} else {
			p->reply_unpaired++;
		}
	}
}

/* The request type an answer belongs to (echo reply 0 -> 8, timestamp reply 14 -> 13…). */
static uint8_t request_type(const struct ih_pkt *pkt)
{
	switch (pkt->icmp_class) {
	case IH_ICMP_ECHO_REP: return pkt->ip_ver == 6 ? 128 : 8;
	case IH_ICMP_TSTAMP_REP: return 13;
	case IH_ICMP_INFO_REP: return 15;
	case IH_ICMP_MASK_REP: return 17;
	case IH_ICMP_EXT_ECHO_REP: return pkt->ip_ver == 6 ? 160 : 42;
	default: return pkt->icmp_type;
	}
}

static void conv_update(struct ih_track *tr, struct ih_event *ev)
{
	const struct ih_pkt *pkt = ev->pkt;
	struct ih_conv_key key;
	memset(&key, 0, sizeof(key));
	bool answer = ih_icmp_is_answer(pkt->icmp_class), probe = ih_icmp_is_probe(pkt->icmp_class);
	key.client = answer ? pkt->dst : pkt->src;
	key.server = answer ? pkt->src : pkt->dst;
	key.type = request_type(pkt);
	if (answer || probe)
		key.id = pkt->icmp_id;
	else
		key.code = pkt->icmp_code;
	struct ih_conv *c = conv_get(tr, &key);
	if (!c)
		return;
	c->messages++;
	c->st.last_ns = tr->now;
	c->st.class_mask |= 1u << pkt->icmp_class;
	if (probe && pkt->has_echo_fields) {
		if (c->st.probes == 0)
			c->seq_first = pkt->icmp_seq;
		else if (pkt->icmp_seq != (uint16_t)(c->seq_last + 1))
			c->seq_gaps++;
		c->seq_last = pkt->icmp_seq;
	}
	struct ih_event cev = *ev;
	cev.pair = &c->st;
	if (answer)
		pair_answer(&c->st, &cev);
	else if (probe)
		pair_request(tr, &tr->convs, &c->st, &cev);
	else {
		c->st.other_out++;
		c->st.bytes_out += pkt->payload_wire_len;
	}
}

static bool is_pair_class(enum ih_icmp_class c)
{
	return ih_icmp_is_probe(c) || ih_icmp_is_answer(c) || c == IH_ICMP_OTHER;
}

/* The pair record an ICMP packet is counted on, if any. */
enum pair_use {
	PAIR_NONE,
	PAIR_GET,   /* (client, server), made if new: requests, answers, other messages */
	PAIR_FIND,  /* an error about an ICMP message: the pair that sent it, never made */
};

/* The keys of the records an ICMP packet is counted on: its client's host record (the host
 * that asked: the destination of an answer or an error) and the pair's key (pair[0] the
 * client, pair[1] the server) unless PAIR_NONE. One place, so that the tracker and the hashes
 * worked out ahead (ih_track_key_hashes) never disagree. */
static enum pair_use packet_keys(const struct ih_pkt *pkt, const struct ih_addr **client, struct ih_addr pair[2])
{
	enum ih_icmp_class cls = pkt->icmp_class;
	bool answer = ih_icmp_is_answer(cls), error = ih_icmp_is_error(cls);
	*client = answer || error ? &pkt->dst : &pkt->src;
	if (is_pair_class(cls) && (cls != IH_ICMP_OTHER || pkt->ip_ver == 4)) {
		pair[0] = answer ? pkt->dst : pkt->src;
		pair[1] = answer ? pkt->src : pkt->dst;
		return PAIR_GET;
	}
	if (error && pkt->quoted.present && pkt->quoted.proto == (pkt->ip_ver == 6 ? 58 : 1)) {
		pair[0] = pkt->quoted.src;
		pair[1] = pkt->quoted.dst;
		return PAIR_FIND;
	}
	return PAIR_NONE;
}

void ih_track_get_seeds(const struct ih_track *tr, struct ih_track_seeds *out)
{
	out->host = tr->hosts.seed;
	out->pair = tr->pairs.seed;
}

void ih_track_key_hashes(const struct ih_track_seeds *seeds, struct ih_pkt *pkt)
{
	pkt->facts.keyed = false;
	if (!pkt->has_icmp)
		return;
	const struct ih_addr *client;
	struct ih_addr pair[2];
	enum pair_use use = packet_keys(pkt, &client, pair);
	pkt->facts.host_hash = key_hash(seeds->host, client, HOST_KEYLEN);
	pkt->facts.pair_hash = use == PAIR_NONE ? 0 : key_hash(seeds->pair, pair, PAIR_KEYLEN);
	pkt->facts.keyed = true;
}

void ih_track_prefetch(const struct ih_track *tr, const struct ih_pkt *pkt)
{
	if (!pkt->facts.keyed)
		return;
	__builtin_prefetch(&tr->hosts.index[home_of(&tr->hosts, tag_of(pkt->facts.host_hash))]);
	if (pkt->facts.pair_hash)
		__builtin_prefetch(&tr->pairs.index[home_of(&tr->pairs, tag_of(pkt->facts.pair_hash))]);
	if (tr->door[0] && !tr->hosts.nfree) {
		uint32_t w = door_word(tr, pkt->facts.host_hash);
		__builtin_prefetch(&tr->door[0][w]);
		__builtin_prefetch(&tr->door[1][w]);
	}
}

/* The record a lookup of hash h would find, guessed from the tags in the first slots of its
 * window without reading a record (a wrong guess only wastes a prefetch), or NULL. */
static const void *table_guess(const struct table *t, uint64_t h)
{
	uint32_t tag = tag_of(h), i = home_of(t, tag);
	for (unsigned n = 0; n < 4; n++, i = (i + 1) & t->imask) {
		uint64_t v = t->index[i];
		if (v == 0)
			return NULL;
		if ((uint32_t)v != IDX_DELETED && (uint32_t)(v >> 32) == tag)
			return rec_at(t, (uint32_t)v - 1);
	}
	return NULL;
}

static void prefetch_lines(const void *r, size_t n)
{
	for (size_t o = 0; r && o < n; o += 64)
		__builtin_prefetch((const char *)r + o, 1);
}

const struct ih_pair *ih_track_prefetch_records(const struct ih_track *tr, const struct ih_pkt *pkt)
{
	if (!pkt->facts.keyed)
		return NULL;
	prefetch_lines(table_guess(&tr->hosts, pkt->facts.host_hash), HOST_HOT_BYTES);
	const struct ih_pair *p = pkt->facts.pair_hash ? table_guess(&tr->pairs, pkt->facts.pair_hash) : NULL;
	if (!p)
		return NULL;
	prefetch_lines(p, PAIR_HOT_BYTES);
	/* what an echo request or answer updates past them: its template's count, the ring's
	 * bitmap, the distinct hashes and sizes, the last request (the tail's ring is written
	 * only when requests go unanswered, its series where the record does not say before it
	 * is read) */
	if (pkt->has_echo_fields) {
		__builtin_prefetch(&p->tpl_hits[pkt->facts.tpl < IH_TPL_COUNT ? pkt->facts.tpl : 0], 1);
		prefetch_lines(&p->ring_used, offsetof(struct ih_pair, preview) - offsetof(struct ih_pair, ring_used));
	}
	return ih_icmp_is_probe(pkt->icmp_class) ? p : NULL;
}

/* A request after the first writes an entry of the tail's series (pair_request): on the 10M
 * mixed capture, where most pairs send more than once, that write missed the cache and was
 * two thirds of pair_request's time. Where the entry is, only the record says (its tail and
 * nseries, on the lines ih_track_prefetch_records fetched for an echo packet). */
void ih_track_prefetch_tail(const struct ih_pair *p)
{
	if (p && p->tail)
		__builtin_prefetch(&p->tail->series[p->nseries % IH_PAIR_SERIES], 1);
}

#define COMMIT_MIN (2u << 20)  /* bytes: a huge page */
#define COMMIT_MAX (16u << 20)

void ih_track_commit_ahead(const struct ih_track *tr, struct ih_track_commit *c)
{
#ifdef MADV_POPULATE_WRITE
	/* the records of each table, then the tails of the pairs and conversations */
	const struct table *ts[IH_COMMIT_REGIONS] = { &tr->hosts, &tr->pairs, &tr->convs, &tr->pairs, &tr->convs };
	for (int k = 0; k < IH_COMMIT_REGIONS && !c->off; k++) {
		const struct table *t = ts[k];
		bool tails = k >= 3;
		char *base = tails ? t->tails : t->rec;
		if (!base)
			continue;
		size_t total = tails ? tail_bytes(t) : rec_bytes(t);
		size_t used = tails ? (size_t)__atomic_load_n(&t->thwm, __ATOMIC_RELAXED) * t->tsize
				    : (size_t)__atomic_load_n(&t->hwm, __ATOMIC_RELAXED) * t->esize;
		if (tails && !used)
			continue; /* no tail written yet: perhaps never (a flood of one-request pairs) */
		size_t ahead = used < COMMIT_MIN ? COMMIT_MIN : used > COMMIT_MAX ? COMMIT_MAX : used;
		size_t want = used + ahead < total ? used + ahead : total;
		while (c->done[k] < want) {
			size_t n = total - c->done[k] < COMMIT_MIN ? total - c->done[k] : COMMIT_MIN;
			if (madvise(base + c->done[k], n, MADV_POPULATE_WRITE) != 0) {
				c->off = true;
				break;
			}
			c->done[k] += n;
		}
	}
#else
	(void)tr;
	c->off = true;
#endif
}

size_t ih_track_index_bytes(const struct ih_track *tr)
{
	return ((size_t)tr->hosts.imask + 1 + (size_t)tr->pairs.imask + 1) * sizeof(*tr->hosts.index);
}

void ih_track_packet(struct ih_track *tr, const struct ih_pkt *pkt)
{
	if (pkt->ts_ns > tr->now)
		tr->now = pkt->ts_ns;
	tr->stats.packets++;
	tr->stats.ip_packets++;
	scan_expired(tr);

	if (!pkt->has_icmp) {
		if (pkt->has_ports)
			for (unsigned i = 0; i < tr->ndet; i++)
				if (tr->det[i]->on_transport)
					tr->det[i]->on_transport(tr->det[i], pkt);
		return;
	}
	tr->stats.icmp_packets++;

	struct ih_event ev = { .pkt = pkt, .tpl = IH_TPL_NONE, .entropy = -1 };
	enum ih_icmp_class cls = pkt->icmp_class;
	bool answer = ih_icmp_is_answer(cls), error = ih_icmp_is_error(cls);
	ev.to_client = answer || error;

	const struct ih_addr *client;
	struct ih_addr pair[2];
	enum pair_use use = packet_keys(pkt, &client, pair);
	if (pkt->from_flow) {
		ev.tpl = IH_TPL_UNKNOWN; /* a flow record keeps no payload bytes */
	} else if (has_template_class(cls) && pkt->facts.valid) {
		ev.tpl = (enum ih_tpl)pkt->facts.tpl; /* worked out ahead (ih_payload_facts) */
		if (ev.tpl == IH_TPL_NONE)
			ev.entropy = pkt->facts.entropy;
	} else if (has_template_class(cls)) {
		ev.tpl = ih_payload_template(pkt->payload, pkt->payload_len, pkt->payload_wire_len);
		if (ev.tpl == IH_TPL_NONE)
			ev.entropy = ih_entropy(pkt->payload, pkt->payload_len);
	}
	const bool keyed = pkt->facts.keyed;
	uint64_t hh = keyed ? pkt->facts.host_hash : key_hash(tr->hosts.seed, client, HOST_KEYLEN);
	struct ih_host *h;
	if (tr->hosts.nfree || !tr->cfg.doorkeeper) {
		h = host_get(tr, client, &hh);
	} else {
		/* the table is full: a host not in it is admitted on its second packet only, and
		 * never by an answer or an error (its first packet would have been the request) */
		bool created;
		h = table_get(tr, &tr->hosts, client, HOST_KEYLEN, hh, false, host_idle_v, end_host_v, &created);
		if (!h && !ev.to_client && door_admit(tr, hh))
			h = host_get(tr, client, &hh);
		if (!h) {
			tr->stats.hosts_not_admitted++;
			for (unsigned i = 0; i < tr->nicmp_det; i++)
				tr->icmp_det[i]->on_icmp(tr->icmp_det[i], &ev);
			return;
		}
	}
	if (!h)
		return; /* cannot happen with a window of free or used slots; never crash on it */
	h->last_ns = tr->now;
	ev.client = h;
	if (!ev.to_client) {
		host_count(h, pkt);
		h->class_mask |= 1u << cls;
		/* the first hardware address stays: a frame from another one is another host's
		 * (a router's for a remote address is the same on every frame) */
		if (pkt->has_mac && !h->has_mac) {
			memcpy(h->mac, pkt->src_mac, 6);
			h->has_mac = true;
		} else if (pkt->has_mac && memcmp(h->mac, pkt->src_mac, 6) != 0) {
			ev.forged_src = true;
		}
		if (ih_icmp_is_probe(cls)) {
			h->probes++;
			host_add_dst(h, &pkt->dst);
		}
	} else if (answer) {
		h->answers_rx++;
	} else {
		h->errors_rx++;
	}

	if (use == PAIR_GET) {
		bool created;
		ev.pair = pair_get(tr, pair, keyed ? &pkt->facts.pair_hash : NULL, true, &created);
		ev.new_pair = created;
		struct ih_pair *p = ev.pair;
		if (!p)
			return;
		p->last_ns = tr->now;
		p->class_mask |= 1u << cls;
		if (answer)
			pair_answer(p, &ev);
		else if (ih_icmp_is_probe(cls))
			pair_request(tr, &tr->pairs, p, &ev);
		else
			p->other_out++;
	} else if (use == PAIR_FIND) {
		/* an error about an ICMP message: count it on the pair that sent the message */
		bool created;
		ev.pair = pair_get(tr, pair, keyed ? &pkt->facts.pair_hash : NULL, false, &created);
		if (ev.pair) {
			ev.pair->errors_rx++;
			ev.pair->last_ns = tr->now;
		}
	}

	if (tr->convs.rec)
		conv_update(tr, &ev);

	for (unsigned i = 0; i < tr->nicmp_det; i++)
		tr->icmp_det[i]->on_icmp(tr->icmp_det[i], &ev);
}

void ih_track_arp(struct ih_track *tr, const struct ih_pkt *pkt)
{
	if (pkt->ts_ns > tr->now)
		tr->now = pkt->ts_ns;
	for (unsigned i = 0; i < tr->ndet; i++)
		if (tr->det[i]->on_arp)
			tr->det[i]->on_arp(tr->det[i], pkt);
}

void ih_track_flush(struct ih_track *tr)
{
	for (uint32_t i = 0; tr->convs.rec && i < tr->convs.hwm; i++) {
		struct ih_conv *c = rec_at(&tr->convs, i);
		if (c->slot != SLOT_USED)
			continue;
		if (conv_idle(tr, c))
			tr->convs.expired++;
		end_conv(tr, c);
	}
	for (uint32_t i = 0; i < tr->pairs.hwm; i++) {
		struct ih_pair *p = rec_at(&tr->pairs, i);
		if (p->slot != SLOT_USED)
			continue;
		/* counted as expired if idle, whether or not the scan got there first:
		 * the count must not depend on the hash layout */
		if (pair_idle(tr, p))
			tr->pairs.expired++;
		end_pair(tr, p);
	}
	for (uint32_t i = 0; i < tr->hosts.hwm; i++) {
		struct ih_host *h = rec_at(&tr->hosts, i);
		if (h->slot != SLOT_USED)
			continue;
		if (host_idle(tr, h))
			tr->hosts.expired++;
		end_host(tr, h);
	}
	for (unsigned i = 0; i < tr->ndet; i++)
		if (tr->det[i]->on_flush)
			tr->det[i]->on_flush(tr->det[i]);
}

void ih_track_tick(struct ih_track *tr, uint64_t now_ns)
{
	if (now_ns <= tr->now)
		return;
	tr->now = now_ns;
	scan_expired(tr);
}

void ih_track_each_pair(const struct ih_track *t, void (*fn)(void *ctx, const struct ih_pair *p), void *ctx)
{
	for (uint32_t i = 0; i < t->pairs.hwm; i++) {
		const struct ih_pair *p = rec_at(&t->pairs, i);
		if (p->slot == SLOT_USED)
			fn(ctx, p);
	}
}

const struct ih_track_stats *ih_track_stats(const struct ih_track *t)
{
	struct ih_track_stats *s = (struct ih_track_stats *)&t->stats;
	s->host_evictions = t->hosts.evictions;
	s->pair_evictions = t->pairs.evictions;
	s->host_expired = t->hosts.expired;
	s->pair_expired = t->pairs.expired;
	s->conv_evictions = t->convs.evictions;
	s->conv_expired = t->convs.expired;
	s->hosts_live = t->hosts.live;
	s->pairs_live = t->pairs.live;
	s->hosts_peak = t->hosts.peak;
	s->pairs_peak = t->pairs.peak;
	return s;
}

static size_t table_memory(const struct table *t)
{
	if (!t->rec)
		return 0;
	size_t n = (size_t)t->mask + 1;
	return n * (t->esize + t->tsize) + 2 * n * sizeof(*t->index) + n * sizeof(*t->free) +
	       (t->tsize ? n * sizeof(*t->tfree) : 0);
}

size_t ih_track_memory(const struct ih_track *t)
{
	return sizeof(*t) + table_memory(&t->hosts) + table_memory(&t->pairs) +
	       table_memory(&t->convs) + (t->door[0] ? 2 * (size_t)t->door_bits / 8 : 0);
}

uint64_t ih_track_now(const struct ih_track *t)
{
	return t->now;
}

const struct ih_host *ih_track_peek_host(const struct ih_track *t, const struct ih_addr *addr)
{
	uint32_t ins;
	return table_find(&t->hosts, key_hash(t->hosts.seed, addr, HOST_KEYLEN), addr, HOST_KEYLEN, &ins);
}

const struct ih_pair *ih_track_peek_pair(const struct ih_track *t, const struct ih_addr *client,
					 const struct ih_addr *server)
{
	struct ih_addr key[2] = { *client, *server };
	uint32_t ins;
	return table_find(&t->pairs, key_hash(t->pairs.seed, key, PAIR_KEYLEN), key, PAIR_KEYLEN, &ins);
}

struct ih_pair *ih_track_find_pair(struct ih_track *t, const struct ih_addr *client,
				   const struct ih_addr *server)
{
	bool created;
	struct ih_addr key[2] = { *client, *server };
	return pair_get(t, key, NULL, false, &created);
}

/* reasm.c — \summary: bounded IPv4/IPv6 fragment reassembly (RFC 791, RFC 8200 4.5, RFC 815).
 *
 * Everything is allocated once in ih_reasm_new: `slots` slots, each with a buffer of max_len
 * bytes and a bitmap with one bit per 8-byte block (fragment offsets are multiples of 8, so a
 * bit says "these 8 bytes arrived"; only the last fragment may end inside a block, and it
 * ends the datagram). A slot is found through a keyed hash of (family, src, dst, protocol,
 * id) — keys are chosen by whoever sends the fragments, so the seed is random; the seed only
 * moves entries around, it never changes what is reassembled. Slots also sit on a list in the
 * order they were opened: the head is the oldest, which is what expires first and what is
 * evicted when every slot is busy, so both cost O(1) per fragment.
 *
 * A datagram that cannot be rebuilt faithfully — overlapping fragments that disagree, a
 * non-last fragment that is not a multiple of 8 bytes, an end beyond a known end, more than
 * max_len bytes, a fragment the capture cut short — is dropped and counted once; its slot
 * stays "dead" (swallowing its further fragments) until it expires or is needed. */
#include "decode/reasm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

enum { NIL = UINT32_MAX };
enum slot_state { SLOT_FREE = 0, SLOT_OPEN, SLOT_DEAD };

struct slot {
	/* key */
	struct ih_addr src, dst;
	uint32_t id;
	uint8_t proto;
	uint8_t state;         /* enum slot_state */
	bool have_first, have_last;
	uint64_t hash;
	uint64_t opened_ns;    /* time of its first fragment */
	uint32_t prev, next;   /* open order (or the free list, through next) */

	uint32_t total;        /* datagram payload length, known once have_last */
	uint32_t max_end;      /* highest end offset seen */
	uint32_t nblocks;      /* 8-byte blocks held */

	/* IP fields of the fragment at offset 0 */
	uint8_t ip_ver, ttl;
	bool df, has_mac;
	uint8_t src_mac[6];
	uint16_t ip_id;
	uint16_t hdr_len;

	uint8_t *buf;          /* max_len bytes (rounded up to a block) */
	uint8_t *map;          /* one bit per block */
};

struct ih_reasm {
	struct ih_reasm_stats st;
	uint32_t nslots;
	uint32_t max_len;
	uint64_t timeout_ns;
	uint64_t seed;
	struct slot *slots;
	uint32_t *index;       /* open addressing: slot index + 1, 0 = empty */
	uint32_t mask;
	uint32_t head, tail;   /* open order: head is the oldest */
	uint32_t free_head;
	uint8_t *arena;        /* buffers and bitmaps of all slots */
	size_t memory;
};

/* ===================================================================================== */
/* Keys and the index                                                                    */
/* ===================================================================================== */

struct key {
	const struct ih_addr *src, *dst;
	uint32_t id;
	uint8_t proto;
};

static uint64_t key_hash(const struct ih_reasm *r, const struct key *k)
{
	uint8_t b[1 + 16 + 16 + 4 + 1];
	b[0] = k->src->family;
	memcpy(b + 1, k->src->b, 16);
	memcpy(b + 17, k->dst->b, 16);
	b[33] = (uint8_t)(k->id >> 24);
	b[34] = (uint8_t)(k->id >> 16);
	b[35] = (uint8_t)(k->id >> 8);
	b[36] = (uint8_t)k->id;
	b[37] = k->proto;
	return XXH3_64bits_withSeed(b, sizeof b, r->seed);
}

static bool key_eq(const struct slot *s, const struct key *k)
{
	return s->id == k->id && s->proto == k->proto && ih_addr_eq(&s->src, k->src) &&
	       ih_addr_eq(&s->dst, k->dst);
}

static struct slot *index_find(const struct ih_reasm *r, const struct key *k, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & r->mask;; i = (i + 1) & r->mask) {
		uint32_t e = r->index[i];
		if (e == 0)
			return NULL;
		struct slot *s = &r->slots[e - 1];
		if (s->hash == h && key_eq(s, k))
			return s;
	}
}

static void index_add(struct ih_reasm *r, uint32_t si)
{
	uint32_t i = (uint32_t)r->slots[si].hash & r->mask;
	while (r->index[i] != 0)
		i = (i + 1) & r->mask;
	r->index[i] = si + 1;
}

/* Removes a slot from the index by backward shift, so that no tombstones pile up. */
static void index_del(struct ih_reasm *r, uint32_t si)
{
	uint32_t i = (uint32_t)r->slots[si].hash & r->mask;
	while (r->index[i] != si + 1)
		i = (i + 1) & r->mask;
	for (;;) {
		uint32_t j = i;
		for (;;) {
			j = (j + 1) & r->mask;
			if (r->index[j] == 0) {
				r->index[i] = 0;
				return;
			}
			uint32_t home = (uint32_t)r->slots[r->index[j] - 1].hash & r->mask;
			/* j's entry may move back to i unless its home lies cyclically in (i, j] */
			if (((j - home) & r->mask) >= ((j - i) & r->mask))
				break;
		}
		r->index[i] = r->index[j];
		i = j;
	}
}

/* ===================================================================================== */
/* Slots                                                                                 */
/* ===================================================================================== */

static uint32_t slot_no(const struct ih_reasm *r, const struct slot *s)
{
	return (uint32_t)(s - r->slots);
}

static void slot_release(struct ih_reasm *r, struct slot *s)
{
	uint32_t si = slot_no(r, s);
	index_del(r, si);
	if (s->prev != NIL)
		r->slots[s->prev].next = s->next;
	else
		r->head = s->next;
	if (s->next != NIL)
		r->slots[s->next].prev = s->prev;
	else
		r->tail = s->prev;
	s->state = SLOT_FREE;
	s->prev = NIL;
	s->next = r->free_head;
	r->free_head = si;
}

static struct slot *slot_open(struct ih_reasm *r, const struct key *k, uint64_t h, uint64_t now)
{
	if (r->free_head == NIL) {
		struct slot *old = &r->slots[r->head];
		if (old->state == SLOT_OPEN)
			r->st.evicted++;
		slot_release(r, old);
	}
	uint32_t si = r->free_head;
	struct slot *s = &r->slots[si];
	r->free_head = s->next;

	uint8_t *buf = s->buf, *map = s->map;
	memset(s, 0, sizeof *s);
	s->buf = buf;
	s->map = map;
	memset(s->map, 0, ((size_t)r->max_len + 63) / 64);
	s->src = *k->src;
	s->dst = *k->dst;
	s->id = k->id;
	s->proto = k->proto;
	s->hash = h;
	s->state = SLOT_OPEN;
	s->opened_ns = now;
	s->prev = r->tail;
	s->next = NIL;
	if (r->tail != NIL)
		r->slots[r->tail].next = si;
	else
		r->head = si;
	r->tail = si;
	index_add(r, si);
	return s;
}

static void expire(struct ih_reasm *r, uint64_t now)
{
	while (r->head != NIL) {
		struct slot *s = &r->slots[r->head];
		if (now <= s->opened_ns || now - s->opened_ns <= r->timeout_ns)
			return;
		if (s->state == SLOT_OPEN)
			r->st.timed_out++;
		slot_release(r, s);
	}
}

static bool bit_get(const uint8_t *map, uint32_t b)
{
	return map[b >> 3] >> (b & 7) & 1;
}

static void bit_set(uint8_t *map, uint32_t b)
{
	map[b >> 3] |= (uint8_t)(1u << (b & 7));
}

/* ===================================================================================== */
/* API                                                                                   */
/* ===================================================================================== */

struct ih_reasm *ih_reasm_new(unsigned slots, uint32_t max_len, uint64_t timeout_ns, uint64_t seed)
{
	if (slots == 0 || slots > (1u << 20) || max_len == 0 || max_len > 65535)
		return NULL;
	size_t buflen = ((size_t)max_len + 7) / 8 * 8;
	size_t maplen = ((size_t)max_len + 63) / 64;
	uint32_t isize = 4;
	while (isize < 2u * slots)
		isize *= 2;

	struct ih_reasm *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->nslots = slots;
	r->max_len = max_len;
	r->timeout_ns = timeout_ns;
	r->mask = isize - 1;
	r->slots = calloc(slots, sizeof *r->slots);
	r->index = calloc(isize, sizeof *r->index);
	/* slots <= 2^20 and buflen + maplen < 2^17: the product fits any 64-bit size_t, and
	 * calloc checks it again on 32-bit. */
	r->arena = calloc(slots, buflen + maplen);
	if (!r->slots || !r->index || !r->arena) {
		ih_reasm_free(r);
		return NULL;
	}
	r->memory = sizeof *r + (size_t)slots * sizeof *r->slots + isize * sizeof *r->index +
		    (size_t)slots * (buflen + maplen);
	for (uint32_t i = 0; i < slots; i++) {
		r->slots[i].buf = r->arena + (size_t)i * (buflen + maplen);
		r->slots[i].map = r->slots[i].buf + buflen;
		r->slots[i].prev = NIL;
		r->slots[i].next = i + 1 < slots ? i + 1 : NIL;
	}
	r->free_head = 0;
	r->head = r->tail = NIL;
	r->seed = seed ^ 0x7ea5;
	if (!seed && getrandom(&r->seed, sizeof r->seed, GRND_NONBLOCK) != (ssize_t)sizeof r->seed)
		r->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)r;
	return r;
}

void ih_reasm_free(struct ih_reasm *r)
{
	if (!r)
		return;
	free(r->arena);
	free(r->index);
	free(r->slots);
	free(r);
}

const struct ih_reasm_stats *ih_reasm_stats(const struct ih_reasm *r)
{
	return &r->st;
}

size_t ih_reasm_memory(const struct ih_reasm *r)
{
	return r->memory;
}

/* Marks the datagram dropped: counted by the caller, its later fragments swallowed. */
static void slot_kill(struct ih_reasm *r, struct slot *s, const struct key *k, uint64_t h,
		      uint64_t now)
{
	if (!s)
		s = slot_open(r, k, h, now);
	s->state = SLOT_DEAD;
}

static void complete(struct ih_reasm *r, struct slot *s, const struct ih_pkt *last,
		     struct ih_pkt *out, enum ih_dec_result *res)
{
	uint64_t ts = last->ts_ns; /* out may be the caller's pkt itself */
	memset(out, 0, sizeof *out);
	out->ts_ns = ts;
	out->has_mac = s->has_mac;
	memcpy(out->src_mac, s->src_mac, 6);
	out->ip_ver = s->ip_ver;
	out->src = s->src;
	out->dst = s->dst;
	out->proto = s->proto;
	out->ttl = s->ttl;
	out->ip_id = s->ip_id;
	out->df = s->df;
	out->reassembled = true;
	/* The datagram as sent unfragmented: v4 header + payload; v6 headers without the
	 * Fragment header (8 bytes, counted in hdr_len) + payload. */
	uint32_t hdr = s->ip_ver == 6 && s->hdr_len >= 8 ? s->hdr_len - 8u : s->hdr_len;
	out->ip_len = hdr + s->total;
	out->wire_len = out->cap_len = out->ip_len;
	out->frag.id = s->id;
	out->frag.data = s->buf;
	out->frag.len = s->total;
	out->frag.next_header = s->proto;
	out->frag.hdr_len = s->hdr_len;
	*res = ih_decode_l4(s->buf, s->total, s->total, out);
	r->st.reassembled++;
	slot_release(r, s);
}

int ih_reasm_offer(struct ih_reasm *r, const struct ih_pkt *pkt, struct ih_pkt *out /* OUT */,
		   enum ih_dec_result *res /* OUT */)
{
	const struct ih_frag *f = &pkt->frag;
	if (!f->is_frag)
		return 0;
	r->st.fragments++;
	uint64_t now = pkt->ts_ns;
	expire(r, now);

	struct key k = { &pkt->src, &pkt->dst, f->id, f->next_header };
	uint64_t h = key_hash(r, &k);
	struct slot *s = index_find(r, &k, h);
	if (s && s->state == SLOT_DEAD)
		return 0;

	uint32_t off = f->offset, len = f->len;
	if (f->truncated || (len > 0 && f->data == NULL)) {
		r->st.truncated++;
		slot_kill(r, s, &k, h, now);
		return 0;
	}
	if ((uint64_t)off + len > r->max_len) {
		r->st.too_big++;
		slot_kill(r, s, &k, h, now);
		return 0;
	}
	if (f->more && (len == 0 || len % 8 != 0)) {
		r->st.bad++;
		slot_kill(r, s, &k, h, now);
		return 0;
	}
	uint32_t end = off + len; /* <= max_len */
	if (!s)
		s = slot_open(r, &k, h, now);

	/* The end of the datagram, once known, must agree with every fragment. */
	if ((!f->more && ((s->have_last && end != s->total) || s->max_end > end)) ||
	    (f->more && s->have_last && end > s->total)) {
		r->st.bad++;
		s->state = SLOT_DEAD;
		return 0;
	}

	/* Overlaps are accepted only when they repeat the same bytes. */
	uint32_t b0 = off / 8, b1 = (end + 7) / 8;
	for (uint32_t b = b0; b < b1; b++) {
		if (!bit_get(s->map, b))
			continue;
		uint32_t lo = b * 8, hi = lo + 8 < end ? lo + 8 : end;
		if (memcmp(s->buf + lo, f->data + (lo - off), hi - lo) != 0) {
			r->st.bad++;
			s->state = SLOT_DEAD;
			return 0;
		}
	}
	if (len > 0)
		memcpy(s->buf + off, f->data, len);
	for (uint32_t b = b0; b < b1; b++) {
		if (!bit_get(s->map, b)) {
			bit_set(s->map, b);
			s->nblocks++;
		}
	}
	if (end > s->max_end)
		s->max_end = end;
	if (!f->more) {
		s->have_last = true;
		s->total = end;
	}
	if (off == 0) {
		s->have_first = true;
		s->ip_ver = pkt->ip_ver;
		s->ttl = pkt->ttl;
		s->df = pkt->df;
		s->ip_id = pkt->ip_id;
		s->has_mac = pkt->has_mac;
		memcpy(s->src_mac, pkt->src_mac, 6);
		s->hdr_len = f->hdr_len;
	}
	if (s->have_last && s->have_first && s->nblocks == (s->total + 7) / 8) {
		complete(r, s, pkt, out, res);
		return 1;
	}
	return 0;
}

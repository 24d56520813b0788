/* test_track.c — the host and pair tables:
 *   - the index grows with the records (table_grow): 20,000 pairs in a table of 32,768 are all
 *     kept, none evicted, and every one is found again by its key, before and after records
 *     ended by expiry left tombstones behind;
 *   - a flood of distinct sources in a table of 256 stays at 256 live records, evicts the rest
 *     (counted), ends every evicted pair for its detectors, does not grow memory, and every
 *     live record is still found by its key;
 *   - a record made again in place of an evicted one carries nothing of it (a record is cleared
 *     only up to IH_PAIR_CLEAR: the arrays past it are read only as far as their counts say);
 *   - committing the record tables ahead of use from another thread (ih_track_commit_ahead,
 *     as the capture reader does) while packets are tracked changes no record: the pairs are
 *     byte for byte those of a tracker fed the same packets without it, and the commit stays
 *     ahead of the records in use;
 *   - the doorkeeper lets a one-packet flood's sources in only by mistake (at most 1 in 64);
 *   - the echo requests still outstanding, the last in the record and the others in the tail's
 *     ring, are matched to their answers in any order, a request replacing the one before it
 *     in its slot; pairs of one request take no tail, and only the tails in use are committed;
 *   - the timestamps of timestamp requests are judged a clock or data (ts_request): a clock
 *     that crosses midnight, a request out of order and a gap of a day are no data; a jump
 *     of originate, a time of day past 24 h and receive or transmit set to data are;
 *   - invariant checked throughout: every live pair (ih_track_each_pair) is the record a lookup
 *     of its key returns. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detector.h"
#include "echo_pkt.h"
#include "track/track.h"

static uint64_t pairs_ended;

static void count_end(struct ih_detector *d, const struct ih_pair *p)
{
	(void)d;
	(void)p;
	pairs_ended++;
}

static uint64_t icmp_heard, icmp_heard_no_client;

static void count_icmp(struct ih_detector *d, const struct ih_event *ev)
{
	(void)d;
	icmp_heard++;
	if (!ev->client) {
		icmp_heard_no_client++;
		assert_null(ev->pair);
	}
}

/* doorkeeper off: the tests of eviction need every new host admitted at once */
static struct ih_track *new_track_with(uint32_t capacity, uint64_t pair_idle_ns, struct ih_detector *d,
				       bool doorkeeper)
{
	struct ih_track_config c;
	ih_track_config_default(&c);
	c.doorkeeper = doorkeeper;
	c.host_capacity = c.pair_capacity = capacity;
	c.pair_idle_ns = pair_idle_ns;
	c.host_idle_ns = pair_idle_ns;
	c.seed = 0x5eed;
	struct ih_track *tr = ih_track_new(&c);
	assert_non_null(tr);
	memset(d, 0, sizeof *d);
	d->name = "count";
	d->on_pair_end = count_end;
	d->on_icmp = count_icmp;
	ih_track_add_detector(tr, d);
	pairs_ended = icmp_heard = icmp_heard_no_client = 0;
	return tr;
}

static struct ih_track *new_track(uint32_t capacity, uint64_t pair_idle_ns, struct ih_detector *d)
{
	return new_track_with(capacity, pair_idle_ns, d, false);
}

/* An echo request from 10.x.y.z (x.y.z from n) to 192.0.2.1 at time ts. */
static void echo(struct ih_track *tr, uint32_t n, uint64_t ts)
{
	char a[32];
	snprintf(a, sizeof a, "10.%u.%u.%u", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
	struct ih_pkt p = ih_test_echo(a, "192.0.2.1", false, 7, 1, ts);
	ih_track_packet(tr, &p);
}

struct walk {
	struct ih_track *tr;
	uint64_t live, found;
};

static void check_pair(void *ctx, const struct ih_pair *p)
{
	struct walk *w = ctx;
	w->live++;
	if (ih_track_find_pair(w->tr, &p->client, &p->server) == p)
		w->found++;
}

/* Every live pair is found by its key; returns how many are live. */
static uint64_t all_found(struct ih_track *tr)
{
	struct walk w = { tr, 0, 0 };
	ih_track_each_pair(tr, check_pair, &w);
	assert_int_equal(w.found, w.live);
	assert_int_equal(w.live, ih_track_stats(tr)->pairs_live);
	return w.live;
}

static const uint64_t T0 = 1795569098ull * 1000000000ull;

static void test_index_grows(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track(1u << 15, 3600ull * 1000000000ull, &d);
	size_t mem = ih_track_memory(tr);
	for (uint32_t i = 0; i < 20000; i++)
		echo(tr, i, T0 + i * 1000ull);
	const struct ih_track_stats *st = ih_track_stats(tr);
	assert_int_equal(st->pairs_live, 20000);
	assert_int_equal(st->hosts_live, 20000);
	assert_int_equal(st->pair_evictions, 0);
	assert_int_equal(st->host_evictions, 0);
	assert_int_equal(all_found(tr), 20000);
	/* a second packet of an early pair finds its record: no new one */
	echo(tr, 3, T0 + 30000000ull);
	assert_int_equal(st->pairs_live, 20000);
	assert_int_equal(pairs_ended, 0);
	assert_int_equal(ih_track_memory(tr), mem);
	ih_track_flush(tr);
	assert_int_equal(pairs_ended, 20000);
	ih_track_free(tr);
}

static void test_index_grows_over_tombstones(void **state)
{
	(void)state;
	struct ih_detector d;
	/* records idle for 1 s end: the first 3,000 pairs expire while the next 12,000 arrive */
	struct ih_track *tr = new_track(1u << 14, 1000000000ull, &d);
	for (uint32_t i = 0; i < 3000; i++)
		echo(tr, i, T0 + i * 1000ull);
	for (uint32_t i = 3000; i < 15000; i++)
		echo(tr, i, T0 + 2000000000ull + i * 1000ull);
	const struct ih_track_stats *st = ih_track_stats(tr);
	assert_int_equal(st->pair_evictions, 0);
	assert_int_equal(st->pairs_live + st->pair_expired, 15000);
	assert_true(st->pair_expired > 0);
	all_found(tr);
	ih_track_flush(tr);
	assert_int_equal(pairs_ended, 15000);
	ih_track_free(tr);
}

static void test_flood_bounded(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track(256, 3600ull * 1000000000ull, &d);
	size_t mem = ih_track_memory(tr);
	for (uint32_t i = 0; i < 100000; i++) {
		echo(tr, i, T0 + i * 10000ull);
		if (i % 9973 == 0)
			all_found(tr);
	}
	const struct ih_track_stats *st = ih_track_stats(tr);
	assert_true(st->pairs_live <= 256);
	assert_true(st->hosts_live <= 256);
	assert_int_equal(st->pairs_live + st->pair_evictions, 100000);
	assert_int_equal(pairs_ended, st->pair_evictions);
	assert_int_equal(st->pairs_peak, 256);
	assert_int_equal(ih_track_memory(tr), mem);
	all_found(tr);
	ih_track_free(tr);
}

static void check_fresh(void *ctx, const struct ih_pair *p)
{
	uint64_t *n = ctx;
	if (p->client.b[1] != 2) /* not one of the later pairs (10.2.0.x) */
		return;
	(*n)++;
	/* one request with no payload: outstanding in the record (none in the tail's ring), no
	 * data, nothing of the record before */
	assert_int_equal(p->probes, 1);
	assert_true(p->last_out);
	assert_int_equal(p->ring_used, 0);
	assert_null(p->tail);
	assert_int_equal(p->nontpl_out + p->seen_bits_out + p->seen_bits_in + p->nhashes + p->preview_len, 0);
	for (unsigned i = 0; i < IH_SEEN_WORDS; i++)
		assert_true(p->seen_out[i] == 0 && p->seen_in[i] == 0);
	assert_int_equal(p->distinct_sizes, 1);
	assert_int_equal(p->nseries, 0);
}

static void test_reused_record_is_clean(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track(256, 3600ull * 1000000000ull, &d);
	uint8_t data[200];
	/* 256 pairs full of data both ways, then 256 others that take their records */
	for (uint32_t i = 0; i < 256; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.1.0.%u", i);
		for (uint16_t q = 0; q < 40; q++) {
			for (unsigned k = 0; k < sizeof data; k++)
				data[k] = (uint8_t)(k * 37 + q * 11 + i);
			uint64_t ts = T0 + (i * 40u + q) * 1000ull;
			struct ih_pkt rq = ih_test_icmp(a, "192.0.2.9", IH_ICMP_ECHO_REQ, 8, 7, q, ts, data, sizeof data);
			struct ih_pkt rp = ih_test_icmp("192.0.2.9", a, IH_ICMP_ECHO_REP, 0, 7, q, ts + 100, data, sizeof data);
			ih_track_packet(tr, &rq);
			ih_track_packet(tr, &rp);
		}
	}
	for (uint32_t i = 0; i < 256; i++)
		echo(tr, 0x20000 + i, T0 + 20000000ull + i * 1000ull);
	uint64_t n = 0;
	ih_track_each_pair(tr, check_fresh, &n);
	/* the table was full of the first pairs: every later one took an evicted record */
	assert_true(n >= 1);
	assert_int_equal(ih_track_stats(tr)->pair_evictions, 256);
	ih_track_free(tr);
}

/* Keys that come back, into tables too small for them: records are made, found again, evicted
 * and made again, and the index is purged of its tombstones over and over (table_purge); every
 * live pair stays findable by its key, and a key seen again finds its record rather than a
 * second one. */
static void test_recurring_keys_through_purges(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track(256, 3600ull * 1000000000ull, &d);
	uint32_t x = 99;
	for (uint32_t i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		echo(tr, (x >> 8) % 700, T0 + i * 1000ull); /* 700 keys for 256 records */
		if (i % 997 == 0)
			all_found(tr);
	}
	const struct ih_track_stats *st = ih_track_stats(tr);
	assert_true(st->pair_evictions > 10000);
	assert_true(st->pairs_live <= 256);
	assert_int_equal(all_found(tr), st->pairs_live);
	assert_int_equal(pairs_ended, st->pair_evictions);
	ih_track_free(tr);
}

/* Whether a host with this address has a record. */
static bool host_known(struct ih_track *tr, const char *a)
{
	struct ih_pkt p = ih_test_echo(a, "192.0.2.1", false, 7, 1, 0);
	return ih_track_peek_host(tr, &p.src) != NULL;
}

/* A thread committing the tables ahead while the test tracks, as the capture reader does. */
struct committer {
	struct ih_track *tr;
	struct ih_track_commit c;
	int stop; /* set by the test's thread (atomic) */
};

static void *commit_loop(void *arg)
{
	struct committer *k = arg;
	while (!__atomic_load_n(&k->stop, __ATOMIC_RELAXED) && !k->c.off)
		ih_track_commit_ahead(k->tr, &k->c);
	return NULL;
}

struct pair_list {
	const struct ih_pair **p;
	size_t n;
};

static void list_pair(void *ctx, const struct ih_pair *p)
{
	struct pair_list *l = ctx;
	l->p[l->n++] = p;
}

static void test_commit_ahead(void **state)
{
	(void)state;
	enum { CAP = 32768, PAIRS = 12000 };
	struct ih_detector d1, d2;
	struct ih_track *plain = new_track(CAP, 3600ull * 1000000000ull, &d1);
	struct ih_track *tr = new_track(CAP, 3600ull * 1000000000ull, &d2);
	struct committer k = { .tr = tr };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, commit_loop, &k), 0);
	for (uint32_t i = 0; i < PAIRS * 2; i++) { /* each pair twice */
		echo(plain, i % PAIRS, T0 + i * 1000000ull);
		echo(tr, i % PAIRS, T0 + i * 1000000ull);
	}
	__atomic_store_n(&k.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	if (k.c.off) {
		print_message("the kernel cannot commit ahead (MADV_POPULATE_WRITE): records only compared\n");
	} else {
		/* ahead of the pairs in use (about 12,000 x 2 KB) by at least a huge page */
		ih_track_commit_ahead(tr, &k.c);
		assert_true(k.c.done[1] >= (size_t)PAIRS * sizeof(struct ih_pair) + (2u << 20));
		assert_true(k.c.done[1] <= (size_t)CAP * sizeof(struct ih_pair));
		assert_true(k.c.done[0] >= (size_t)PAIRS * sizeof(struct ih_host));
		/* each pair's second request wrote its tail's timing series */
		assert_true(k.c.done[3] >= (size_t)PAIRS * sizeof(struct ih_pair_tail));
		assert_int_equal(k.c.done[4], 0); /* no conversation table */
	}
	struct pair_list a = { calloc(CAP, sizeof(*a.p)), 0 }, b = { calloc(CAP, sizeof(*b.p)), 0 };
	assert_true(a.p && b.p);
	ih_track_each_pair(plain, list_pair, &a);
	ih_track_each_pair(tr, list_pair, &b);
	assert_int_equal(a.n, PAIRS);
	assert_int_equal(b.n, PAIRS);
	for (size_t i = 0; i < a.n; i++) { /* records and tails, but for where the tail is */
		struct ih_pair pa = *a.p[i], pb = *b.p[i];
		assert_true(pa.tail && pb.tail); /* each pair's second request wrote its tail */
		assert_memory_equal(pa.tail, pb.tail, sizeof(*pa.tail));
		pa.tail = pb.tail = NULL;
		assert_memory_equal(&pa, &pb, sizeof(pa));
	}
	all_found(tr);
	free(a.p);
	free(b.p);
	ih_track_free(plain);
	ih_track_free(tr);
}

/* The doorkeeper: a flood of one-packet sources into a full host table makes a record for at
 * most one in 64 of them (those whose bits other addresses set), and the hosts already there
 * stay; the detectors still hear every packet (with no host); a source's second packet gets it
 * a record; an answer never does. */
static void test_doorkeeper(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track_with(256, 3600ull * 1000000000ull, &d, true);
	size_t mem = ih_track_memory(tr);
	for (uint32_t i = 0; i < 256; i++) /* fill the table: 10.0.0.x, 10.0.1.x */
		echo(tr, i, T0 + i * 1000ull);
	const struct ih_track_stats *st = ih_track_stats(tr);
	/* a window of the half-full index may fill first (a few seeds in a hundred): evictions */
	uint64_t ev0 = st->host_evictions, free0 = 256 - st->hosts_live;
	assert_int_equal(st->hosts_live + ev0, 256);
	assert_int_equal(st->hosts_not_admitted, 0);
	for (uint32_t i = 0; i < 100000; i++) /* 10.1.0.0 on: one packet each */
		echo(tr, 0x10000 + i, T0 + 1000000ull + i * 1000ull);
	st = ih_track_stats(tr);
	assert_int_equal(icmp_heard, 256 + 100000);
	assert_int_equal(icmp_heard_no_client, st->hosts_not_admitted);
	/* let in only when other addresses set all four of its doorkeeper bits: about 0.7 % of
	 * such a flood (9 % with one bit an address); at most 1.6 % here, whatever the seed */
	assert_true(st->hosts_not_admitted >= 100000 - 100000 / 64);
	/* each source: a free record, an eviction, or not admitted */
	assert_int_equal(free0 + st->host_evictions - ev0 + st->hosts_not_admitted, 100000);
	uint32_t kept = 0;
	for (uint32_t i = 0; i < 256; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.0.%u.%u", i >> 8, i & 0xff);
		kept += host_known(tr, a);
	}
	assert_true(kept >= 256 - 256 / 4);
	assert_int_equal(ih_track_memory(tr), mem);

	/* a new source's second packet is admitted */
	uint64_t t = T0 + 200000000ull;
	assert_false(host_known(tr, "10.9.9.9"));
	struct ih_pkt rq = ih_test_echo("10.9.9.9", "192.0.2.1", false, 7, 1, t);
	ih_track_packet(tr, &rq);
	rq.ts_ns = t + 1000;
	ih_track_packet(tr, &rq);
	assert_true(host_known(tr, "10.9.9.9"));

	/* answers to a host with no record never admit it, however many */
	for (unsigned k = 0; k < 4; k++) {
		struct ih_pkt rp = ih_test_echo("192.0.2.1", "10.8.8.8", true, 7, 1, t + 2000 + k);
		ih_track_packet(tr, &rp);
	}
	assert_false(host_known(tr, "10.8.8.8"));
	ih_track_free(tr);

	/* the same flood without the doorkeeper: a record made, and one evicted, per packet */
	tr = new_track_with(256, 3600ull * 1000000000ull, &d, false);
	for (uint32_t i = 0; i < 256; i++)
		echo(tr, i, T0 + i * 1000ull);
	for (uint32_t i = 0; i < 100000; i++)
		echo(tr, 0x10000 + i, T0 + 1000000ull + i * 1000ull);
	kept = 0;
	for (uint32_t i = 0; i < 256; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.0.%u.%u", i >> 8, i & 0xff);
		kept += host_known(tr, a);
	}
	(void)kept; /* most stay either way: eviction samples the slots the flood keeps reusing */
	assert_int_equal(ih_track_stats(tr)->host_evictions, 100000);
	assert_int_equal(ih_track_stats(tr)->hosts_not_admitted, 0);
	ih_track_free(tr);
}

/* A pair's outstanding echo requests: the last one in the record, the others in the tail's
 * ring, slot (seq ^ id) % IH_PAIR_RING, a request replacing the one before it in its slot;
 * answers are matched in any order, and one whose request was replaced is unpaired. */
static void test_echo_ring(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track(256, 3600ull * 1000000000ull, &d);
	uint8_t data[32];
	memset(data, 'a', sizeof data);
	uint64_t t = T0;
	const char *c = "10.5.0.1", *s = "192.0.2.5";
#define RQ(seq) do { struct ih_pkt q_ = ih_test_icmp(c, s, IH_ICMP_ECHO_REQ, 8, 9, (seq), t++, data, sizeof data); \
		ih_track_packet(tr, &q_); } while (0)
#define RP(seq) do { struct ih_pkt q_ = ih_test_icmp(s, c, IH_ICMP_ECHO_REP, 0, 9, (seq), t++, data, sizeof data); \
		ih_track_packet(tr, &q_); } while (0)
	/* pipelined, answered in reverse order: all matched */
	RQ(1); RQ(2); RQ(3);
	RP(3); RP(1); RP(2);
	struct ih_pkt k = ih_test_echo(c, s, false, 9, 0, 0);
	const struct ih_pair *p = ih_track_peek_pair(tr, &k.src, &k.dst);
	assert_non_null(p);
	assert_int_equal(p->reply_matched, 3);
	assert_int_equal(p->reply_unpaired, 0);
	/* seq 40 and 40 + 32 share a slot: the second replaces the first, last in the record */
	RQ(40); RQ(72);
	RP(40); RP(72);
	assert_int_equal(p->reply_matched, 4);
	assert_int_equal(p->reply_unpaired, 1);
	/* the same once the first has moved to the tail's ring: 50, then 51 (50 moves), then
	 * 82 (51 moves; 82 replaces 50 in its slot) */
	RQ(50); RQ(51); RQ(82);
	RP(50); RP(51); RP(82);
	assert_int_equal(p->reply_matched, 6);
	assert_int_equal(p->reply_unpaired, 2);
	/* a request that replaces one already in the tail's ring: 70 moves there when 71 comes,
	 * then 102 (70's slot) replaces it; once 102 is answered, an answer to 70 finds nothing */
	RQ(70); RQ(71); RQ(102);
	RP(102); RP(70); RP(71);
	assert_int_equal(p->reply_matched, 8);
	assert_int_equal(p->reply_unpaired, 3);
	/* an answer twice: the second finds its slot empty */
	RQ(60); RP(60); RP(60);
	assert_int_equal(p->reply_matched, 9);
	assert_int_equal(p->reply_unpaired, 4);
	/* an answer that does not carry its request's data */
	RQ(61); RQ(62);
	data[0] = 'b';
	RP(61);
	assert_int_equal(p->reply_mismatch, 1);
	data[0] = 'a';
	RP(62);
	assert_int_equal(p->reply_matched, 10);
#undef RQ
#undef RP
	ih_track_free(tr);
}

/* Pairs of one request each (a spoofed flood, a sweep) write no tail: nothing of the tails is
 * committed, however many such pairs come and go; a few pairs of two requests, wherever their
 * records are, have a few tails' worth committed, not the whole region. */
static void test_one_request_pairs_write_no_tail(void **state)
{
	(void)state;
	enum { CAP = 8192 };
	struct ih_detector d;
	struct ih_track *tr = new_track(CAP, 3600ull * 1000000000ull, &d);
	for (uint32_t i = 0; i < 3 * CAP; i++)
		echo(tr, i, T0 + i * 1000ull);
	assert_true(ih_track_stats(tr)->pair_evictions >= 2 * CAP);
	struct ih_track_commit c;
	memset(&c, 0, sizeof c);
	ih_track_commit_ahead(tr, &c);
	if (!c.off) {
		assert_true(c.done[1] >= CAP * sizeof(struct ih_pair)); /* the records, all used */
		assert_int_equal(c.done[3], 0);
	}
	/* a second request from each of the last eight sources: their tails are written */
	for (uint32_t i = 3 * CAP - 8; i < 3 * CAP; i++)
		echo(tr, i, T0 + 30000000ull + i);
	ih_track_commit_ahead(tr, &c);
	if (!c.off) {
		assert_true(c.done[3] >= 8 * sizeof(struct ih_pair_tail));
		assert_true(c.done[3] <= (4u << 20)); /* of 9.5 MB */
	}
	ih_track_free(tr);
}

/* A timestamp request from 10.77.0.10 to 192.0.2.9 at ts with these three timestamps, the
 * first `len` bytes of them captured. */
static void ts_req_cut(struct ih_track *tr, uint64_t ts, uint32_t orig, uint32_t rx, uint32_t tx, uint32_t len)
{
	uint8_t b[12];
	const uint32_t v[3] = { orig, rx, tx };
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 4; k++)
			b[i * 4 + k] = (uint8_t)(v[i] >> (24 - 8 * k));
	struct ih_pkt p = ih_test_icmp("10.77.0.10", "192.0.2.9", IH_ICMP_TSTAMP_REQ, 13, 7, 1, ts, b, len);
	p.payload_wire_len = 12;
	ih_track_packet(tr, &p);
}

static void ts_req(struct ih_track *tr, uint64_t ts, uint32_t orig, uint32_t rx, uint32_t tx)
{
	ts_req_cut(tr, ts, orig, rx, tx, 12);
}

static void test_timestamp_fields(void **state)
{
	(void)state;
	struct ih_detector d;
	struct ih_track *tr = new_track(1024, 3 * 86400ull * 1000000000ull, &d); /* kept 3 days */
	const uint32_t day = 86400000u;
	const uint64_t ms = 1000000ull;
	/* a clock 2 s before midnight, ticking with the capture's across it, 500 ms a request */
	for (uint32_t i = 0; i < 10; i++)
		ts_req(tr, T0 + i * 500 * ms, (day - 2000u + i * 500u) % day, 0, 0);
	struct ih_addr c, s;
	assert_true(ih_addr_parse("10.77.0.10", &c));
	assert_true(ih_addr_parse("192.0.2.9", &s));
	const struct ih_pair *p = ih_track_find_pair(tr, &c, &s);
	assert_non_null(p);
	assert_int_equal(p->ts_reqs, 10);
	assert_int_equal(p->ts_odd, 0);
	/* one arriving 200 ms out of order, with its earlier clock: no data */
	ts_req(tr, T0 + 4300 * ms, 2300u, 0, 0);
	assert_int_equal(p->ts_odd, 0);
	/* the clock jumps 10 s in 500 ms: data; back on the clock, the next one is judged from
	 * the jump (one more), then none */
	ts_req(tr, T0 + 4800 * ms, 12800u, 0, 0);
	assert_int_equal(p->ts_odd, 1);
	ts_req(tr, T0 + 5300 * ms, 3300u, 0, 0);
	ts_req(tr, T0 + 5800 * ms, 3800u, 0, 0);
	assert_int_equal(p->ts_odd, 2);
	/* no time of day (high bit clear, past 24 h); receive and transmit neither 0 nor
	 * originate (GNU inetutils' copies are no data) */
	ts_req(tr, T0 + 6300 * ms, 0x726f6f74u, 0, 0);
	assert_int_equal(p->ts_odd, 3);
	ts_req(tr, T0 + 6800 * ms, 4800u, 4800u, 4800u);
	ts_req(tr, T0 + 7300 * ms, 5300u, 0x3a783a30u, 0);
	assert_int_equal(p->ts_odd_rxtx, 1);
	/* (6800's was judged from 0x726f6f74: one more) */
	assert_int_equal(p->ts_odd, 5);
	/* an hour later, the clock an hour on: no data; a day later, whatever it says */
	ts_req(tr, T0 + (7300 + 3600000) * ms, 3605300u, 0, 0);
	ts_req(tr, T0 + (7300 + 3600000 + day) * ms, 77u, 0, 0);
	assert_int_equal(p->ts_odd, 5);
	assert_int_equal(p->ts_reqs, 19);
	/* a snaplen that cuts transmit: judged on originate alone (receive, set to data, unread) */
	ts_req_cut(tr, T0 + (7800 + 3600000 + day) * ms, 577u, 0x3a783a30u, 0, 8);
	assert_int_equal(p->ts_odd, 5);
	assert_int_equal(p->ts_odd_rxtx, 1);
	assert_int_equal(p->ts_reqs, 20);
	ih_track_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_grows),
		cmocka_unit_test(test_index_grows_over_tombstones),
		cmocka_unit_test(test_flood_bounded),
		cmocka_unit_test(test_reused_record_is_clean),
		cmocka_unit_test(test_doorkeeper),
		cmocka_unit_test(test_echo_ring),
		cmocka_unit_test(test_one_request_pairs_write_no_tail),
		cmocka_unit_test(test_commit_ahead),
		cmocka_unit_test(test_recurring_keys_through_purges),
		cmocka_unit_test(test_timestamp_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

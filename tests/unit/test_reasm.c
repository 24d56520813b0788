/* test_reasm.c — bounded fragment reassembly: in order, out of order, duplicates, overlaps
 * that disagree, eviction, expiry, limits, IPv6, and the 4000-byte ping in three fragments
 * decoded from real frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/reasm.h"
#include "source/source.h"

static const uint8_t A4[4] = { 10, 77, 0, 10 };
static const uint8_t B4[4] = { 10, 78, 0, 33 };
static const uint8_t A6[16] = { 0xfd, 0x77, [15] = 0x0a };
static const uint8_t B6[16] = { 0xfd, 0x78, [15] = 0x21 };

#define SEC 1000000000ull

/* The datagram payload used by the synthetic tests: an ICMP echo request header followed by
 * a counting pattern. */
static uint8_t dgram[65536];

static void make_dgram(size_t len, uint8_t type)
{
	for (size_t i = 0; i < len; i++)
		dgram[i] = (uint8_t)(i * 7 + 3);
	dgram[0] = type;
	dgram[1] = 0;
	dgram[2] = dgram[3] = 0;
	dgram[4] = 0x12;
	dgram[5] = 0x34;
	dgram[6] = 0;
	dgram[7] = 5;
}

/* A fragment view as ih_decode would give it for IPv4 id `id` from A4 to B4. */
static struct ih_pkt frag4(uint16_t id, uint32_t off, uint32_t len, bool more, uint64_t ts)
{
	struct ih_pkt p;
	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.ip_ver = 4;
	ih_addr_v4(&p.src, A4);
	ih_addr_v4(&p.dst, B4);
	p.proto = 1;
	p.ttl = off == 0 ? 64 : 63;
	p.ip_id = id;
	p.df = false;
	p.frag.is_frag = true;
	p.frag.more = more;
	p.frag.offset = (uint16_t)off;
	p.frag.id = id;
	p.frag.data = dgram + off;
	p.frag.len = len;
	p.frag.next_header = 1;
	p.frag.hdr_len = 20;
	return p;
}

static int offer(struct ih_reasm *r, const struct ih_pkt *p, struct ih_pkt *out,
		 enum ih_dec_result *res)
{
	return ih_reasm_offer(r, p, out, res);
}

static void check_echo(const struct ih_pkt *out, enum ih_dec_result res, uint32_t len)
{
	assert_int_equal(res, IH_DEC_OK);
	assert_true(out->reassembled);
	assert_false(out->frag.is_frag);
	assert_true(out->has_icmp);
	assert_int_equal(out->icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(out->icmp_id, 0x1234);
	assert_int_equal(out->icmp_seq, 5);
	assert_int_equal(out->payload_len, len - 8);
	assert_int_equal(out->payload_wire_len, len - 8);
	assert_memory_equal(out->payload, dgram + 8, len - 8);
}

static void test_in_order(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(4, 65535, 30 * SEC, 0);
	assert_non_null(r);
	make_dgram(3000, 8);
	struct ih_pkt out;
	enum ih_dec_result res = IH_DEC_NRESULTS;
	struct ih_pkt a = frag4(1, 0, 1480, true, 1 * SEC);
	struct ih_pkt b = frag4(1, 1480, 1480, true, 2 * SEC);
	struct ih_pkt c = frag4(1, 2960, 40, false, 3 * SEC);
	assert_int_equal(offer(r, &a, &out, &res), 0);
	assert_int_equal(res, IH_DEC_NRESULTS); /* untouched when nothing completes */
	assert_int_equal(offer(r, &b, &out, &res), 0);
	assert_int_equal(offer(r, &c, &out, &res), 1);
	check_echo(&out, res, 3000);
	assert_int_equal(out.ts_ns, 3 * SEC);
	assert_int_equal(out.ttl, 64); /* the first fragment's */
	assert_int_equal(out.ip_id, 1);
	assert_int_equal(out.ip_len, 3020);
	assert_int_equal(out.frag.len, 3000);
	assert_int_equal(out.proto, 1);
	const struct ih_reasm_stats *st = ih_reasm_stats(r);
	assert_int_equal(st->fragments, 3);
	assert_int_equal(st->reassembled, 1);
	assert_int_equal(st->bad + st->evicted + st->timed_out + st->too_big + st->truncated, 0);
	assert_true(ih_reasm_memory(r) >= 4u * 65535u);
	ih_reasm_free(r);
}

static void test_out_of_order_and_duplicates(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(4, 65535, 30 * SEC, 0);
	make_dgram(1000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	struct ih_pkt a = frag4(2, 0, 400, true, 1);
	struct ih_pkt b = frag4(2, 400, 400, true, 2);
	struct ih_pkt c = frag4(2, 800, 200, false, 3);
	struct ih_pkt ab = frag4(2, 200, 400, true, 4); /* overlapping, same bytes */
	assert_int_equal(offer(r, &c, &out, &res), 0);
	assert_int_equal(offer(r, &ab, &out, &res), 0);
	assert_int_equal(offer(r, &c, &out, &res), 0); /* exact duplicate */
	assert_int_equal(offer(r, &b, &out, &res), 0);
	assert_int_equal(offer(r, &a, &out, &res), 1);
	check_echo(&out, res, 1000);
	assert_int_equal(out.ttl, 64);
	assert_int_equal(ih_reasm_stats(r)->bad, 0);
	/* the slot is free again: the same id starts a new datagram */
	assert_int_equal(offer(r, &a, &out, &res), 0);
	ih_reasm_free(r);
}

static void test_overlap_disagrees(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(4, 65535, 30 * SEC, 0);
	make_dgram(1000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	static uint8_t other[1000];
	memset(other, 0x41, sizeof other);
	struct ih_pkt a = frag4(3, 0, 400, true, 1);
	struct ih_pkt evil = frag4(3, 392, 408, true, 2);
	evil.frag.data = other;
	struct ih_pkt b = frag4(3, 400, 400, true, 3);
	struct ih_pkt c = frag4(3, 800, 200, false, 4);
	assert_int_equal(offer(r, &a, &out, &res), 0);
	assert_int_equal(offer(r, &evil, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->bad, 1);
	/* the datagram is dead: its other fragments are swallowed, counted once */
	assert_int_equal(offer(r, &b, &out, &res), 0);
	assert_int_equal(offer(r, &c, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->bad, 1);
	assert_int_equal(ih_reasm_stats(r)->reassembled, 0);
	/* it expires silently (already counted) */
	struct ih_pkt late = frag4(99, 0, 8, true, 100 * SEC);
	assert_int_equal(offer(r, &late, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->timed_out, 0);
	ih_reasm_free(r);
}

static void test_inconsistent_ends(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(8, 65535, 30 * SEC, 0);
	make_dgram(2000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	/* two different last fragments */
	struct ih_pkt l1 = frag4(4, 800, 200, false, 1);
	struct ih_pkt l2 = frag4(4, 800, 208, false, 2);
	offer(r, &l1, &out, &res);
	offer(r, &l2, &out, &res);
	assert_int_equal(ih_reasm_stats(r)->bad, 1);
	/* data beyond a known end */
	struct ih_pkt e = frag4(5, 800, 200, false, 3);
	struct ih_pkt x = frag4(5, 800, 400, true, 4);
	offer(r, &e, &out, &res);
	offer(r, &x, &out, &res);
	assert_int_equal(ih_reasm_stats(r)->bad, 2);
	/* a last fragment that ends before data already held */
	struct ih_pkt m = frag4(6, 800, 400, true, 5);
	struct ih_pkt s = frag4(6, 0, 400, false, 6);
	offer(r, &m, &out, &res);
	offer(r, &s, &out, &res);
	assert_int_equal(ih_reasm_stats(r)->bad, 3);
	/* a non-last fragment that is not a multiple of 8, and an empty one */
	struct ih_pkt odd = frag4(7, 0, 401, true, 7);
	offer(r, &odd, &out, &res);
	assert_int_equal(ih_reasm_stats(r)->bad, 4);
	struct ih_pkt empty = frag4(8, 0, 0, true, 8);
	offer(r, &empty, &out, &res);
	assert_int_equal(ih_reasm_stats(r)->bad, 5);
	/* a last fragment ending inside a block, then one that runs over that end */
	struct ih_pkt t = frag4(9, 8, 5, false, 9);
	struct ih_pkt u = frag4(9, 0, 16, true, 10);
	assert_int_equal(offer(r, &t, &out, &res), 0);
	assert_int_equal(offer(r, &u, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->bad, 6);
	/* the same with the right first fragment completes (13 bytes: 5 bytes of data) */
	struct ih_pkt v = frag4(10, 8, 5, false, 11);
	struct ih_pkt w = frag4(10, 0, 8, true, 12);
	assert_int_equal(offer(r, &v, &out, &res), 0);
	assert_int_equal(offer(r, &w, &out, &res), 1);
	assert_int_equal(res, IH_DEC_OK);
	assert_int_equal(out.payload_len, 5);
	ih_reasm_free(r);
}

static void test_limits(void **state)
{
	(void)state;
	assert_null(ih_reasm_new(0, 1000, SEC, 0));
	assert_null(ih_reasm_new(4, 0, SEC, 0));
	assert_null(ih_reasm_new(4, 65536, SEC, 0));
	struct ih_reasm *r = ih_reasm_new(4, 1500, 30 * SEC, 0);
	assert_non_null(r);
	make_dgram(2000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	/* ping of death style: the end is past the limit */
	struct ih_pkt a = frag4(1, 0, 1480, true, 1);
	struct ih_pkt b = frag4(1, 1480, 400, false, 2);
	assert_int_equal(offer(r, &a, &out, &res), 0);
	assert_int_equal(offer(r, &b, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->too_big, 1);
	assert_int_equal(offer(r, &b, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->too_big, 1);
	/* a fragment the capture cut short */
	struct ih_pkt t = frag4(2, 0, 100, true, 3);
	t.frag.truncated = true;
	assert_int_equal(offer(r, &t, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->truncated, 1);
	/* not a fragment: ignored, not counted */
	struct ih_pkt n = frag4(3, 0, 100, false, 4);
	n.frag.is_frag = false;
	uint64_t before = ih_reasm_stats(r)->fragments;
	assert_int_equal(offer(r, &n, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->fragments, before);
	/* exactly at the limit is fine */
	struct ih_pkt c = frag4(4, 0, 1000, true, 5);
	struct ih_pkt d = frag4(4, 1000, 500, false, 6);
	assert_int_equal(offer(r, &c, &out, &res), 0);
	assert_int_equal(offer(r, &d, &out, &res), 1);
	check_echo(&out, res, 1500);
	ih_reasm_free(r);
}

static void test_eviction(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(2, 65535, 30 * SEC, 0);
	make_dgram(1000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	for (uint16_t id = 1; id <= 3; id++) {
		struct ih_pkt a = frag4(id, 0, 400, true, id);
		assert_int_equal(offer(r, &a, &out, &res), 0);
	}
	assert_int_equal(ih_reasm_stats(r)->evicted, 1);
	/* id 1 (the oldest) is gone; 3 and 2 complete; 1 starts over in a freed slot */
	for (uint16_t id = 3; id >= 1; id--) {
		struct ih_pkt b = frag4(id, 400, 600, false, 10 + id);
		assert_int_equal(offer(r, &b, &out, &res), id == 1 ? 0 : 1);
	}
	assert_int_equal(ih_reasm_stats(r)->evicted, 1);
	assert_int_equal(ih_reasm_stats(r)->reassembled, 2);
	ih_reasm_free(r);
}

static void test_eviction_order(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(2, 65535, 30 * SEC, 0);
	make_dgram(1000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	struct ih_pkt a1 = frag4(1, 0, 400, true, 1);
	struct ih_pkt a2 = frag4(2, 0, 400, true, 2);
	offer(r, &a1, &out, &res);
	offer(r, &a2, &out, &res);
	struct ih_pkt l1 = frag4(1, 400, 600, false, 3);
	assert_int_equal(offer(r, &l1, &out, &res), 1); /* frees slot of id 1 */
	struct ih_pkt a3 = frag4(3, 0, 400, true, 4);
	offer(r, &a3, &out, &res); /* takes the free slot, evicts nothing */
	assert_int_equal(ih_reasm_stats(r)->evicted, 0);
	struct ih_pkt l2 = frag4(2, 400, 600, false, 5);
	assert_int_equal(offer(r, &l2, &out, &res), 1);
	ih_reasm_free(r);
}

static void test_timeout(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(4, 65535, 30 * SEC, 0);
	make_dgram(1000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	struct ih_pkt a = frag4(1, 0, 400, true, 100 * SEC);
	struct ih_pkt b = frag4(1, 400, 600, false, 130 * SEC); /* exactly 30 s: in time */
	struct ih_pkt a2 = frag4(2, 0, 400, true, 200 * SEC);
	struct ih_pkt b2 = frag4(2, 400, 600, false, 230 * SEC + 1); /* too late */
	offer(r, &a, &out, &res);
	assert_int_equal(offer(r, &b, &out, &res), 1);
	offer(r, &a2, &out, &res);
	assert_int_equal(offer(r, &b2, &out, &res), 0);
	assert_int_equal(ih_reasm_stats(r)->timed_out, 1);
	/* time going backwards expires nothing */
	struct ih_pkt c = frag4(3, 0, 400, true, 250 * SEC);
	struct ih_pkt d = frag4(3, 400, 600, false, 5 * SEC);
	offer(r, &c, &out, &res);
	assert_int_equal(offer(r, &d, &out, &res), 1);
	assert_int_equal(ih_reasm_stats(r)->timed_out, 1);
	ih_reasm_free(r);
}

static void test_keys(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(8, 65535, 30 * SEC, 0);
	make_dgram(1000, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	/* same id, different source / protocol: separate datagrams */
	struct ih_pkt a = frag4(1, 0, 400, true, 1);
	struct ih_pkt other_src = frag4(1, 400, 600, false, 2);
	ih_addr_v4(&other_src.src, B4);
	struct ih_pkt other_proto = frag4(1, 400, 600, false, 3);
	other_proto.frag.next_header = 17;
	offer(r, &a, &out, &res);
	assert_int_equal(offer(r, &other_src, &out, &res), 0);
	assert_int_equal(offer(r, &other_proto, &out, &res), 0);
	struct ih_pkt b = frag4(1, 400, 600, false, 4);
	assert_int_equal(offer(r, &b, &out, &res), 1);
	ih_reasm_free(r);
}

/* Many interleaved datagrams through few slots: exercises the index's deletions. Every
 * fragment is accounted for. */
static void test_churn(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(16, 4096, 30 * SEC, 0);
	make_dgram(1600, 8);
	struct ih_pkt out;
	enum ih_dec_result res;
	unsigned done = 0;
	uint32_t seed = 12345;
	for (unsigned round = 0; round < 2000; round++) {
		uint16_t id = (uint16_t)(round / 2 * 3 + 1);
		/* first half: open 24 datagrams with their first fragment; then finish them in a
		 * scrambled order, some of which were evicted */
		seed = seed * 1103515245u + 12345u;
		unsigned which = seed >> 16 & 31;
		struct ih_pkt a = frag4((uint16_t)(id + which), 0, 800, true, round);
		struct ih_pkt b = frag4((uint16_t)(id + which), 800, 800, false, round);
		int got = offer(r, (round & 1) ? &b : &a, &out, &res);
		if (got) {
			assert_true(out.reassembled);
			assert_int_equal(res, IH_DEC_OK);
			assert_int_equal(out.payload_len, 1600 - 8);
		}
		done += (unsigned)got;
	}
	const struct ih_reasm_stats *st = ih_reasm_stats(r);
	assert_int_equal(st->fragments, 2000);
	assert_int_equal(st->reassembled, done);
	assert_true(st->evicted > 0);
	/* every opened datagram is completed, evicted, or still open (at most 16) */
	assert_true(st->reassembled * 2 + st->evicted <= 2000);
	ih_reasm_free(r);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct ih_reasm *r = ih_reasm_new(4, 65535, 60 * SEC, 0);
	/* fragmentable part: destination options (8 bytes), then an ICMPv6 echo request */
	size_t len = 8 + 8 + 2000;
	for (size_t i = 0; i < len; i++)
		dgram[i] = (uint8_t)i;
	memset(dgram, 0, 8);
	dgram[0] = 58;
	dgram[8] = 128;
	dgram[9] = 0;
	dgram[12] = 0xab;
	dgram[13] = 0xcd;
	dgram[14] = 0;
	dgram[15] = 1;
	struct ih_pkt out;
	enum ih_dec_result res;
	int done = 0;
	for (size_t off = 0; off < len; off += 1232) {
		struct ih_pkt p;
		memset(&p, 0, sizeof p);
		p.ip_ver = 6;
		ih_addr_v6(&p.src, A6);
		ih_addr_v6(&p.dst, B6);
		p.ttl = 64;
		p.proto = 60;
		p.frag.is_frag = true;
		p.frag.offset = (uint16_t)off;
		p.frag.len = (uint32_t)(len - off < 1232 ? len - off : 1232);
		p.frag.more = off + 1232 < len;
		p.frag.id = 0x01020304;
		p.frag.data = dgram + off;
		p.frag.next_header = 60;
		p.frag.hdr_len = 48;
		done += ih_reasm_offer(r, &p, &out, &res);
	}
	assert_int_equal(done, 1);
	assert_int_equal(res, IH_DEC_OK);
	assert_int_equal(out.ip_ver, 6);
	assert_int_equal(out.proto, 58);
	assert_int_equal(out.icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(out.icmp_id, 0xabcd);
	assert_int_equal(out.payload_len, 2000);
	assert_int_equal(out.ip_len, 40 + len);
	ih_reasm_free(r);
}

/* ===================================================================================== */
/* Real frames: a 4000-byte ping in three IPv4 fragments, through ih_decode               */
/* ===================================================================================== */

static size_t build_frag_frame(uint8_t *f, const uint8_t *data, size_t off, size_t len, bool more)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	memcpy(f, mac, 12);
	f[12] = 0x08;
	f[13] = 0x00;
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + len) >> 8);
	ip[3] = (uint8_t)(20 + len);
	ip[4] = 0x5e;
	ip[5] = 0x11;
	uint16_t fo = (uint16_t)(off / 8 | (more ? 0x2000 : 0));
	ip[6] = (uint8_t)(fo >> 8);
	ip[7] = (uint8_t)fo;
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, A4, 4);
	memcpy(ip + 16, B4, 4);
	memcpy(ip + 20, data + off, len);
	return 14 + 20 + len;
}

static void test_ping_4000(void **state)
{
	(void)state;
	/* ping -s 3992: an 8-byte ICMP header and 3992 bytes of data = 4000 bytes of IP payload,
	 * sent as 1480 + 1480 + 1040 */
	static uint8_t icmpmsg[4000];
	for (size_t i = 0; i < sizeof icmpmsg; i++)
		icmpmsg[i] = (uint8_t)(i ^ (i >> 8));
	icmpmsg[0] = 8;
	icmpmsg[1] = 0;
	icmpmsg[4] = 0x0b;
	icmpmsg[5] = 0xad;
	icmpmsg[6] = 0;
	icmpmsg[7] = 42;
	static const size_t offs[3] = { 0, 1480, 2960 }, lens[3] = { 1480, 1480, 1040 };
	static const int orders[2][3] = { { 0, 1, 2 }, { 2, 0, 1 } };

	for (int o = 0; o < 2; o++) {
		struct ih_reasm *r = ih_reasm_new(8, 65535, 30 * SEC, 0);
		int done = 0;
		struct ih_pkt out;
		enum ih_dec_result res = IH_DEC_NRESULTS;
		for (int k = 0; k < 3; k++) {
			int i = orders[o][k];
			uint8_t *frame = malloc(1600);
			size_t n = build_frag_frame(frame, icmpmsg, offs[i], lens[i], i < 2);
			struct ih_pkt p;
			enum ih_dec_result dr = ih_decode(IH_LINK_EN10MB, frame, (uint32_t)n,
							  (uint32_t)n, (uint64_t)(k + 1) * SEC, &p);
			assert_int_equal(dr, i == 0 ? IH_DEC_OK : IH_DEC_SKIP_FRAGMENT);
			assert_true(p.frag.is_frag);
			if (i == 0) {
				/* the first fragment previews the ICMP header */
				assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
				assert_int_equal(p.payload_wire_len, 1472);
			}
			done += ih_reasm_offer(r, &p, &out, &res);
			free(frame); /* the reassembler must have copied what it needs */
		}
		assert_int_equal(done, 1);
		assert_int_equal(res, IH_DEC_OK);
		assert_true(out.reassembled);
		assert_true(out.has_icmp);
		assert_int_equal(out.icmp_class, IH_ICMP_ECHO_REQ);
		assert_int_equal(out.icmp_id, 0x0bad);
		assert_int_equal(out.icmp_seq, 42);
		assert_int_equal(out.payload_len, 4000 - 8);
		assert_int_equal(out.payload_wire_len, 4000 - 8);
		assert_memory_equal(out.payload, icmpmsg + 8, 4000 - 8);
		assert_int_equal(out.ip_len, 4020);
		assert_int_equal(out.ip_id, 0x5e11);
		assert_int_equal(out.ts_ns, 3 * SEC);
		assert_true(out.has_mac);
		struct ih_addr a;
		ih_addr_v4(&a, A4);
		assert_true(ih_addr_eq(&out.src, &a));
		ih_reasm_free(r);
	}
}

/* From a capture: pmtu_probe.pcap has two pings with 4000 bytes of data (ping -s 4000: an
 * ICMP message of 4008 bytes) and their replies, each as 1480 + 1480 + 1048 bytes of IPv4
 * payload (tshark shows the 8-byte timestamp apart and data.len 3992). */
struct capture_run {
	struct ih_reasm *r;
	int whole;
	uint16_t seqs[8];
	uint64_t last_frame_ts;
};

static void on_frame(void *ctx, const struct ih_frame *fr)
{
	struct capture_run *run = ctx;
	struct ih_pkt p, out;
	enum ih_dec_result res = ih_decode(fr->linktype, fr->data, fr->cap_len, fr->wire_len,
					   fr->ts_ns, &p);
	run->last_frame_ts = fr->ts_ns;
	if ((res != IH_DEC_OK && res != IH_DEC_SKIP_FRAGMENT) || !p.frag.is_frag)
		return;
	if (ih_reasm_offer(run->r, &p, &out, &res) == 1) {
		assert_int_equal(res, IH_DEC_OK);
		assert_int_equal(out.icmp_id, 6813);
		assert_int_equal(out.payload_len, 4000);
		assert_int_equal(out.payload_wire_len, 4000);
		assert_int_equal(out.ip_len, 20 + 8 + 4000);
		assert_int_equal(out.ts_ns, fr->ts_ns);
		assert_int_equal(out.ttl, out.icmp_class == IH_ICMP_ECHO_REQ ? 64 : 63);
		if (run->whole < 8)
			run->seqs[run->whole] = out.icmp_seq;
		run->whole++;
	}
}

static void test_capture(void **state)
{
	(void)state;
	char path[512], err[512];
	const char *dir = getenv("IH_TEST_DATA");
	snprintf(path, sizeof path, "%s/corpus/pmtu_probe.pcap", dir && *dir ? dir : "../tests/data");
	char *files[1] = { path };
	struct ih_source *src = ih_source_open_files(files, 1, err, sizeof err);
	if (!src)
		fail_msg("%s", err);
	struct capture_run run = { .r = ih_reasm_new(64, 65535, 30 * SEC, 0) };
	assert_int_equal(ih_source_run(src, on_frame, &run, err, sizeof err), IH_SRC_OK);
	assert_int_equal(run.whole, 4);
	assert_int_equal(run.seqs[0], 1);
	assert_int_equal(run.seqs[1], 1);
	assert_int_equal(run.seqs[2], 2);
	assert_int_equal(run.seqs[3], 2);
	const struct ih_reasm_stats *st = ih_reasm_stats(run.r);
	assert_int_equal(st->fragments, 12);
	assert_int_equal(st->reassembled, 4);
	ih_reasm_free(run.r);
	ih_source_close(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order_and_duplicates),
		cmocka_unit_test(test_overlap_disagrees),
		cmocka_unit_test(test_inconsistent_ends),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ping_4000),
		cmocka_unit_test(test_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_decode.c — ih_decode on hand-built frames: every link type, IPv4 options and fragments,
 * IPv6 extension headers, every ICMP class, errors with quoted headers, TCP/UDP, truncation at
 * every byte offset, malformed fields, and the name tables. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"

/* The fuzz target's harness (without its replay main), for test_fuzz_regress below. */
#define IH_FUZZER 1
#include "../../fuzz/fuzz_decode.c"

/* ===================================================================================== */
/* Frame builder                                                                         */
/* ===================================================================================== */

struct frame {
	uint8_t b[9000];
	size_t n;
};

static const uint8_t MAC_DST[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_SRC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t A4[4] = { 10, 77, 0, 10 };
static const uint8_t B4[4] = { 10, 78, 0, 33 };
static const uint8_t A6[16] = { 0xfd, 0x77, [15] = 0x0a };
static const uint8_t B6[16] = { 0xfd, 0x78, [15] = 0x21 };

static void put8(struct frame *f, uint8_t v)
{
	assert_true(f->n < sizeof f->b);
	f->b[f->n++] = v;
}
static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}
static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}
static void putb(struct frame *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, p[i]);
}
static void fill(struct frame *f, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		put8(f, v);
}
static void set16(struct frame *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static void eth(struct frame *f, uint16_t type)
{
	putb(f, MAC_DST, 6);
	putb(f, MAC_SRC, 6);
	put16(f, type);
}

/* An IPv4 header with optlen bytes of NOP options; returns its offset. ip4_done() sets the
 * total length to the bytes written since. */
static size_t ip4(struct frame *f, uint8_t proto, uint16_t id, uint16_t frag, size_t optlen)
{
	size_t at = f->n;
	put8(f, (uint8_t)(0x40 | (20 + optlen) / 4));
	put8(f, 0);
	put16(f, 0); /* total length, patched */
	put16(f, id);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	putb(f, A4, 4);
	putb(f, B4, 4);
	fill(f, optlen, 1);
	return at;
}
static void ip4_done(struct frame *f, size_t at)
{
	set16(f, at + 2, (uint16_t)(f->n - at));
}

static size_t ip6(struct frame *f, uint8_t nh)
{
	size_t at = f->n;
	put32(f, 0x60000000);
	put16(f, 0); /* payload length, patched */
	put8(f, nh);
	put8(f, 63);
	putb(f, A6, 16);
	putb(f, B6, 16);
	return at;
}
static void ip6_done(struct frame *f, size_t at)
{
	set16(f, at + 4, (uint16_t)(f->n - at - 40));
}

/* A generic extension header of 8 * (len + 1) bytes. */
static void ext6(struct frame *f, uint8_t next, uint8_t len)
{
	put8(f, next);
	put8(f, len);
	fill(f, 6 + 8u * len, 0);
}

static void icmp(struct frame *f, uint8_t type, uint8_t code, uint32_t rest)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, rest);
}

static void payload(struct frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, (uint8_t)i);
}

/* Ethernet + IPv4 + ICMP echo request id 0x1234 seq 7 with 56 bytes of data: 98 bytes. */
static void echo4(struct frame *f)
{
	f->n = 0;
	eth(f, 0x0800);
	size_t ip = ip4(f, 1, 0x4242, 0x4000, 0);
	icmp(f, 8, 0, 0x12340007);
	payload(f, 56);
	ip4_done(f, ip);
}

static void echo6(struct frame *f)
{
	f->n = 0;
	eth(f, 0x86dd);
	size_t ip = ip6(f, 58);
	icmp(f, 128, 0, 0xbeef0003);
	payload(f, 32);
	ip6_done(f, ip);
}

static enum ih_dec_result dec(int link, const struct frame *f, struct ih_pkt *p)
{
	return ih_decode(link, f->b, (uint32_t)f->n, (uint32_t)f->n, 1000, p);
}

static void assert_addr4(const struct ih_addr *a, const uint8_t *b)
{
	struct ih_addr x;
	ih_addr_v4(&x, b);
	assert_true(ih_addr_eq(a, &x));
}
static void assert_addr6(const struct ih_addr *a, const uint8_t *b)
{
	struct ih_addr x;
	ih_addr_v6(&x, b);
	assert_true(ih_addr_eq(a, &x));
}

/* ===================================================================================== */
/* Basic decodes                                                                         */
/* ===================================================================================== */

static void test_echo4_fields(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	echo4(&f);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 98, 98, 123456789, &p), IH_DEC_OK);
	assert_int_equal(p.ts_ns, 123456789);
	assert_int_equal(p.cap_len, 98);
	assert_int_equal(p.wire_len, 98);
	assert_true(p.has_mac);
	assert_memory_equal(p.src_mac, MAC_SRC, 6);
	assert_int_equal(p.ip_ver, 4);
	assert_addr4(&p.src, A4);
	assert_addr4(&p.dst, B4);
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ip_id, 0x4242);
	assert_int_equal(p.ip_len, 84);
	assert_true(p.df);
	assert_false(p.frag.is_frag);
	assert_false(p.reassembled);
	assert_true(p.has_icmp);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
	assert_true(p.has_echo_fields);
	assert_int_equal(p.icmp_id, 0x1234);
	assert_int_equal(p.icmp_seq, 7);
	assert_false(p.icmp_odd);
	assert_ptr_equal(p.payload, f.b + 42);
	assert_int_equal(p.payload_len, 56);
	assert_int_equal(p.payload_wire_len, 56);
	assert_false(p.quoted.present);
	assert_false(p.has_ports);
}

static void test_echo6_fields(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	echo6(&f);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.ip_ver, 6);
	assert_addr6(&p.src, A6);
	assert_addr6(&p.dst, B6);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.ttl, 63);
	assert_int_equal(p.ip_id, 0);
	assert_int_equal(p.ip_len, 40 + 8 + 32);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(p.icmp_id, 0xbeef);
	assert_int_equal(p.icmp_seq, 3);
	assert_int_equal(p.payload_len, 32);
	assert_int_equal(p.payload_wire_len, 32);
}

static void test_bogus_wire_len(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	/* a wire length below the captured length (a corrupt record): the captured bytes rule */
	echo4(&f);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 98, 0, 0, &p), IH_DEC_OK);
	assert_int_equal(p.wire_len, 0);
	assert_int_equal(p.payload_len, 56);
	set16(&f, 16, 0); /* TSO as well: the length is what was captured */
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 98, 50, 0, &p), IH_DEC_OK);
	assert_int_equal(p.ip_len, 84);
}

static void test_null_frame(void **state)
{
	(void)state;
	struct ih_pkt p;
	assert_int_equal(ih_decode(IH_LINK_EN10MB, NULL, 0, 0, 0, &p), IH_DEC_TRUNC_LINK);
	assert_int_equal(ih_decode(IH_LINK_RAW, NULL, 0, 60, 0, &p), IH_DEC_TRUNC_LINK);
	assert_false(p.has_icmp);
}

/* ===================================================================================== */
/* Link types                                                                            */
/* ===================================================================================== */

/* Appends an IPv4 echo request (IP header onwards) and returns nothing. */
static void ip4_echo(struct frame *f)
{
	size_t ip = ip4(f, 1, 1, 0, 0);
	icmp(f, 8, 0, 0x00010001);
	payload(f, 8);
	ip4_done(f, ip);
}
static void ip6_echo(struct frame *f)
{
	size_t ip = ip6(f, 58);
	icmp(f, 128, 0, 0x00010001);
	payload(f, 8);
	ip6_done(f, ip);
}

static void expect_echo(int link, const struct frame *f, uint8_t ver)
{
	struct ih_pkt p;
	assert_int_equal(dec(link, f, &p), IH_DEC_OK);
	assert_int_equal(p.ip_ver, ver);
	assert_true(p.has_icmp);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(p.payload_len, 8);
}

static void test_link_vlan(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	static const uint16_t outer[] = { 0x8100, 0x88a8, 0x9100 };
	for (size_t i = 0; i < 3; i++) {
		f.n = 0;
		eth(&f, outer[i]);
		put16(&f, 100);
		put16(&f, 0x8100); /* QinQ: a second tag */
		put16(&f, 200);
		put16(&f, 0x0800);
		ip4_echo(&f);
		expect_echo(IH_LINK_EN10MB, &f, 4);
	}
	/* eight tags are accepted, nine are not */
	for (int tags = 8; tags <= 9; tags++) {
		f.n = 0;
		eth(&f, 0x8100);
		for (int t = 0; t < tags; t++) {
			put16(&f, 1);
			put16(&f, t + 1 < tags ? 0x8100 : 0x86dd);
		}
		ip6_echo(&f);
		if (tags == 8)
			expect_echo(IH_LINK_EN10MB, &f, 6);
		else
			assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_LINK);
	}
	/* a tag cut short */
	f.n = 0;
	eth(&f, 0x8100);
	put16(&f, 1);
	put8(&f, 0x08);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_LINK);
}

static void test_link_not_ip(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	eth(&f, 0x0806); /* ARP */
	fill(&f, 28, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_NOT_IP);
	assert_false(ih_dec_is_error(IH_DEC_SKIP_NOT_IP));
	assert_true(p.has_mac);
	f.n = 0;
	eth(&f, 0x88cc); /* LLDP */
	fill(&f, 30, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_NOT_IP);
	/* 802.3 + LLC (spanning tree) */
	f.n = 0;
	eth(&f, 38);
	put8(&f, 0x42);
	put8(&f, 0x42);
	put8(&f, 0x03);
	fill(&f, 35, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_NOT_IP);
	/* LLC cut short */
	f.n = 14;
	put8(&f, 0xaa);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_LINK);
	/* SNAP with a non-zero OUI */
	f.n = 14;
	put8(&f, 0xaa);
	put8(&f, 0xaa);
	put8(&f, 0x03);
	put8(&f, 0x00);
	put8(&f, 0x00);
	put8(&f, 0x0c);
	put16(&f, 0x2000);
	fill(&f, 20, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_NOT_IP);
	/* SNAP cut inside the OUI */
	f.n = 17;
	put8(&f, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_LINK);
}

static void test_link_snap_pppoe(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	eth(&f, 100); /* 802.3 length */
	put8(&f, 0xaa);
	put8(&f, 0xaa);
	put8(&f, 0x03);
	fill(&f, 3, 0);
	put16(&f, 0x0800);
	ip4_echo(&f);
	expect_echo(IH_LINK_EN10MB, &f, 4);

	for (int v6 = 0; v6 <= 1; v6++) {
		f.n = 0;
		eth(&f, 0x8864);
		put8(&f, 0x11);
		put8(&f, 0);
		put16(&f, 7);
		put16(&f, 40);
		put16(&f, v6 ? 0x0057 : 0x0021);
		if (v6)
			ip6_echo(&f);
		else
			ip4_echo(&f);
		expect_echo(IH_LINK_EN10MB, &f, v6 ? 6 : 4);
	}
	f.b[14] = 0x12; /* version 1 type 2: not a PPPoE session header we know */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_LINK);
	f.b[14] = 0x11;
	set16(&f, 20, 0xc021); /* LCP */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_NOT_IP);
	f.n = 20;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_LINK);
}

static void test_link_macsec(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	for (int sci = 0; sci <= 1; sci++) {
		f.n = 0;
		eth(&f, 0x88e5);
		put8(&f, sci ? 0x20 : 0x00); /* integrity only */
		put8(&f, 0);
		put32(&f, 77);
		if (sci)
			fill(&f, 8, 0x11);
		put16(&f, 0x0800);
		ip4_echo(&f);
		fill(&f, 16, 0x99); /* ICV */
		expect_echo(IH_LINK_EN10MB, &f, 4);
		uint32_t hdr = sci ? 14 + 16 : 14 + 8;
		for (uint32_t n = 14; n < hdr; n++)
			assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, n, 200, 0, &p), IH_DEC_TRUNC_LINK);
		f.b[14] |= 0x0c; /* encrypted */
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_NOT_IP);
	}
}

static void sll1(struct frame *f, uint16_t arphrd, uint16_t halen, uint16_t proto)
{
	put16(f, 0);      /* packet type: to us */
	put16(f, arphrd);
	put16(f, halen);
	putb(f, MAC_SRC, 6);
	put16(f, 0);
	put16(f, proto);
}

static void sll2(struct frame *f, uint16_t arphrd, uint8_t halen, uint16_t proto)
{
	put16(f, proto);
	put16(f, 0);
	put32(f, 3);      /* ifindex */
	put16(f, arphrd);
	put8(f, 4);       /* outgoing */
	put8(f, halen);
	putb(f, MAC_SRC, 6);
	put16(f, 0);
}

static void test_link_sll(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	sll1(&f, 1, 6, 0x0800);
	assert_int_equal(f.n, 16);
	ip4_echo(&f);
	expect_echo(IH_LINK_SLL, &f, 4);
	dec(IH_LINK_SLL, &f, &p);
	assert_true(p.has_mac);
	assert_memory_equal(p.src_mac, MAC_SRC, 6);

	f.n = 0;
	sll1(&f, 772, 0, 0x86dd); /* loopback: no address */
	ip6_echo(&f);
	expect_echo(IH_LINK_SLL, &f, 6);
	dec(IH_LINK_SLL, &f, &p);
	assert_false(p.has_mac);

	f.n = 0;
	sll1(&f, 1, 6, 0x8100); /* a VLAN tag after the cooked header */
	put16(&f, 5);
	put16(&f, 0x0800);
	ip4_echo(&f);
	expect_echo(IH_LINK_SLL, &f, 4);

	f.n = 0;
	sll1(&f, 824, 0, 0x0000); /* netlink */
	fill(&f, 20, 0x45);
	assert_int_equal(dec(IH_LINK_SLL, &f, &p), IH_DEC_SKIP_NOT_IP);

	f.n = 0;
	sll2(&f, 1, 6, 0x86dd);
	assert_int_equal(f.n, 20);
	ip6_echo(&f);
	expect_echo(IH_LINK_SLL2, &f, 6);
	dec(IH_LINK_SLL2, &f, &p);
	assert_true(p.has_mac);
	assert_memory_equal(p.src_mac, MAC_SRC, 6);

	f.n = 0;
	sll2(&f, 1, 4, 0x0800);
	ip4_echo(&f);
	expect_echo(IH_LINK_SLL2, &f, 4);
	dec(IH_LINK_SLL2, &f, &p);
	assert_false(p.has_mac);

	f.n = 0;
	sll2(&f, 1, 6, 0x0806);
	fill(&f, 28, 0);
	assert_int_equal(dec(IH_LINK_SLL2, &f, &p), IH_DEC_SKIP_NOT_IP);
}

static void test_link_raw(void **state)
{
	(void)state;
	static const int links[] = { IH_LINK_RAW, IH_LINK_DLT_RAW1, IH_LINK_DLT_RAW2, IH_LINK_IPV4,
				     IH_LINK_IPV6 };
	struct frame f;
	struct ih_pkt p;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		f.n = 0;
		ip4_echo(&f);
		expect_echo(links[i], &f, 4);
		dec(links[i], &f, &p);
		assert_false(p.has_mac);
		f.n = 0;
		ip6_echo(&f);
		expect_echo(links[i], &f, 6);
		f.b[0] = 0x50;
		assert_int_equal(dec(links[i], &f, &p), IH_DEC_BAD_IP_VERSION);
	}
}

static void test_link_null_loop(void **state)
{
	(void)state;
	static const uint32_t v6af[] = { 24, 28, 30 };
	struct frame f;
	struct ih_pkt p;
	/* AF_INET in both byte orders */
	for (int be = 0; be <= 1; be++) {
		f.n = 0;
		if (be)
			put32(&f, 2);
		else
			put32(&f, 0x02000000);
		ip4_echo(&f);
		expect_echo(IH_LINK_NULL, &f, 4);
		for (size_t i = 0; i < 3; i++) {
			f.n = 0;
			put32(&f, be ? v6af[i] : __builtin_bswap32(v6af[i]));
			ip6_echo(&f);
			expect_echo(IH_LINK_NULL, &f, 6);
		}
	}
	f.n = 0;
	put32(&f, 10); /* Linux AF_INET6 is not a BSD loopback value */
	ip6_echo(&f);
	assert_int_equal(dec(IH_LINK_NULL, &f, &p), IH_DEC_SKIP_NOT_IP);
	f.n = 3;
	assert_int_equal(dec(IH_LINK_NULL, &f, &p), IH_DEC_TRUNC_LINK);

	/* LOOP: network byte order only */
	f.n = 0;
	put32(&f, 2);
	ip4_echo(&f);
	expect_echo(IH_LINK_LOOP, &f, 4);
	f.n = 0;
	put32(&f, 24);
	ip6_echo(&f);
	expect_echo(IH_LINK_LOOP, &f, 6);
	f.n = 0;
	put32(&f, 0x02000000);
	ip4_echo(&f);
	assert_int_equal(dec(IH_LINK_LOOP, &f, &p), IH_DEC_SKIP_NOT_IP);
	f.n = 2;
	assert_int_equal(dec(IH_LINK_LOOP, &f, &p), IH_DEC_TRUNC_LINK);
	/* AF says v4 but the header is v6 */
	f.n = 0;
	put32(&f, 2);
	ip6_echo(&f);
	assert_int_equal(dec(IH_LINK_LOOP, &f, &p), IH_DEC_BAD_IP_VERSION);
}

static void test_link_unsupported(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	echo4(&f);
	assert_int_equal(dec(105, &f, &p), IH_DEC_BAD_LINK); /* 802.11 */
	assert_false(ih_link_supported(105));
	assert_false(ih_link_supported(-1));
	static const int ok[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_true(ih_link_supported(ok[i]));
		assert_string_not_equal(ih_link_name(ok[i]), "unknown");
	}
	assert_string_equal(ih_link_name(1), "EN10MB");
	assert_string_equal(ih_link_name(276), "LINUX_SLL2");
	assert_string_equal(ih_link_name(105), "unknown");
}

/* ===================================================================================== */
/* IPv4                                                                                  */
/* ===================================================================================== */

static void test_ip4_malformed(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	echo4(&f);
	f.b[14] = 0x44; /* IHL 16 bytes */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP4_HLEN);
	f.b[14] = 0x40;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP4_HLEN);
	f.b[14] = 0x55;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP_VERSION);
	f.b[14] = 0x65; /* EtherType says IPv4, nibble says 6 */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP_VERSION);
	echo4(&f);
	set16(&f, 16, 19);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP4_TOTLEN);
	set16(&f, 16, 20); /* a bare header: the ICMP message is not there */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_ICMP);
	assert_int_equal(p.ip_ver, 4);
	/* IHL 24 with a total length of 22 */
	f.b[14] = 0x46;
	set16(&f, 16, 22);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP4_TOTLEN);
}

static void test_ip4_options(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 1, 9, 0, 40); /* IHL 15 */
	icmp(&f, 0, 0, 0x00050006);
	payload(&f, 10);
	ip4_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REP);
	assert_int_equal(p.icmp_id, 5);
	assert_int_equal(p.icmp_seq, 6);
	assert_ptr_equal(p.payload, f.b + 14 + 60 + 8);
	assert_int_equal(p.payload_len, 10);
	assert_false(p.df);
	/* options cut by the capture */
	for (uint32_t n = 14 + 20; n < 14 + 60; n++)
		assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, n, (uint32_t)f.n, 0, &p),
				 IH_DEC_TRUNC_IP4);
}

static void test_ip4_lengths(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	/* snaplen 60: the total length says 84, 18 bytes of data were captured */
	echo4(&f);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 60, 98, 0, &p), IH_DEC_OK);
	assert_int_equal(p.ip_len, 84);
	assert_int_equal(p.payload_len, 60 - 42);
	assert_int_equal(p.payload_wire_len, 56);
	/* Ethernet padding after the datagram is not payload */
	f.n = 0;
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 1, 1, 0, 0);
	icmp(&f, 8, 0, 0);
	payload(&f, 4);
	ip4_done(&f, ip);
	fill(&f, 60 - f.n, 0xee);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.payload_len, 4);
	assert_int_equal(p.payload_wire_len, 4);
	/* total length 0: a TSO send, the frame is the datagram */
	echo4(&f);
	set16(&f, 16, 0);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 98, 98, 0, &p), IH_DEC_OK);
	assert_int_equal(p.ip_len, 84);
	assert_int_equal(p.payload_len, 56);
	assert_int_equal(p.payload_wire_len, 56);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 60, 1514, 0, &p), IH_DEC_OK);
	assert_int_equal(p.payload_len, 18);
	assert_int_equal(p.payload_wire_len, 1500 - 28);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 30, 30, 0, &p), IH_DEC_TRUNC_IP4);
	f.b[14] = 0x46; /* TSO, IHL 24, but the frame holds 20 bytes of IP */
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 34, 34, 0, &p), IH_DEC_TRUNC_IP4);
}

static void frag4(struct frame *f, uint16_t fragfield, size_t datalen, bool with_icmp)
{
	f->n = 0;
	eth(f, 0x0800);
	size_t ip = ip4(f, 1, 0x7777, fragfield, 0);
	if (with_icmp) {
		icmp(f, 8, 0, 0xabcd0001);
		datalen -= 8;
	}
	payload(f, datalen);
	ip4_done(f, ip);
}

static void test_ip4_fragments(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	/* first fragment: the ICMP header decodes, frag is filled */
	frag4(&f, 0x2000, 1480, true);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.frag.is_frag);
	assert_true(p.frag.more);
	assert_int_equal(p.frag.offset, 0);
	assert_int_equal(p.frag.id, 0x7777);
	assert_ptr_equal(p.frag.data, f.b + 34);
	assert_int_equal(p.frag.len, 1480);
	assert_int_equal(p.frag.next_header, 1);
	assert_int_equal(p.frag.hdr_len, 20);
	assert_false(p.frag.truncated);
	assert_true(p.has_icmp);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(p.icmp_id, 0xabcd);
	assert_int_equal(p.payload_len, 1472);
	assert_int_equal(p.payload_wire_len, 1472);
	/* middle fragment: skipped, frag filled */
	frag4(&f, 0x2000 | 185, 1480, false);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_FRAGMENT);
	assert_false(ih_dec_is_error(IH_DEC_SKIP_FRAGMENT));
	assert_true(p.frag.is_frag);
	assert_true(p.frag.more);
	assert_int_equal(p.frag.offset, 1480);
	assert_int_equal(p.frag.len, 1480);
	assert_false(p.has_icmp);
	assert_int_equal(p.ip_ver, 4);
	/* last fragment */
	frag4(&f, 370, 1048, false);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_FRAGMENT);
	assert_false(p.frag.more);
	assert_int_equal(p.frag.offset, 2960);
	assert_int_equal(p.frag.len, 1048);
	/* captured short: the fragment cannot be reassembled */
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 100, (uint32_t)f.n, 0, &p),
			 IH_DEC_SKIP_FRAGMENT);
	assert_int_equal(p.frag.len, 100 - 34);
	assert_true(p.frag.truncated);
	/* a first fragment too short for the ICMP header */
	frag4(&f, 0x2000, 8, false);
	f.n = 14 + 20 + 4;
	set16(&f, 16, 24);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_ICMP);
	assert_true(p.frag.is_frag);
	/* DF and MF both clear, offset 0: not a fragment */
	frag4(&f, 0, 64, true);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.frag.is_frag);
	assert_false(p.df);
}

/* ===================================================================================== */
/* IPv6                                                                                  */
/* ===================================================================================== */

static void test_ip6_ext_chain(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	eth(&f, 0x86dd);
	size_t ip = ip6(&f, 0);
	ext6(&f, 43, 0);  /* hop-by-hop */
	ext6(&f, 60, 2);  /* routing, 24 bytes */
	ext6(&f, 51, 1);  /* destination options, 16 bytes */
	put8(&f, 58);     /* AH, 16 bytes: len (16 / 4) - 2 = 2 */
	put8(&f, 2);
	fill(&f, 14, 0);
	icmp(&f, 129, 0, 0x00090002);
	payload(&f, 4);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REP);
	assert_int_equal(p.icmp_id, 9);
	assert_int_equal(p.icmp_seq, 2);
	assert_int_equal(p.payload_len, 4);
	/* every cut inside the chain is a truncated extension header */
	for (uint32_t n = 54; n < 54 + 8 + 24 + 16 + 16; n++)
		assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, n, (uint32_t)f.n, 0, &p),
				 IH_DEC_TRUNC_IP6_EXT);
	/* a payload length that ends inside the chain: malformed */
	set16(&f, 18, 30);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP6_EXT);
	set16(&f, 18, 1); /* not even the two first bytes of the hop-by-hop header */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP6_EXT);
	set16(&f, 18, 0); /* zero with hop-by-hop: jumbo, the frame decides */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.payload_len, 4);
	assert_int_equal(p.ip_len, f.n - 14);
}

static void test_ip6_ext_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	/* hop-by-hop after another header */
	eth(&f, 0x86dd);
	size_t ip = ip6(&f, 60);
	ext6(&f, 0, 0);
	ext6(&f, 58, 0);
	icmp(&f, 128, 0, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP6_EXT);
	/* sixteen headers pass, seventeen do not */
	for (int n = 16; n <= 17; n++) {
		f.n = 0;
		eth(&f, 0x86dd);
		ip = ip6(&f, 60);
		for (int i = 0; i < n; i++)
			ext6(&f, i + 1 < n ? 60 : 58, 0);
		icmp(&f, 128, 0, 0);
		ip6_done(&f, ip);
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p),
				 n == 16 ? IH_DEC_OK : IH_DEC_BAD_IP6_EXT);
	}
	/* AH with length 0 (8 bytes, less than its fixed part) */
	f.n = 0;
	eth(&f, 0x86dd);
	ip = ip6(&f, 51);
	put8(&f, 58);
	put8(&f, 0);
	fill(&f, 6, 0);
	icmp(&f, 128, 0, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP6_EXT);
	/* two Fragment headers */
	f.n = 0;
	eth(&f, 0x86dd);
	ip = ip6(&f, 44);
	put8(&f, 44);
	put8(&f, 0);
	put16(&f, 0x0001);
	put32(&f, 1);
	put8(&f, 58);
	put8(&f, 0);
	put16(&f, 0x0001);
	put32(&f, 1);
	icmp(&f, 128, 0, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP6_EXT);
	/* a Fragment header cut short */
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 54 + 5, (uint32_t)f.n, 0, &p),
			 IH_DEC_TRUNC_IP6_EXT);
	/* IPv6 header cut short, and a wrong version */
	echo6(&f);
	for (uint32_t n = 14; n < 54; n++)
		assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, n, 200, 0, &p), IH_DEC_TRUNC_IP6);
	f.b[14] = 0x40;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_IP_VERSION);
}

static void test_ip6_esp_nonext(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	eth(&f, 0x86dd);
	size_t ip = ip6(&f, 60);
	ext6(&f, 50, 0);
	fill(&f, 40, 0x5a);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.proto, 50);
	assert_false(p.has_icmp);
	assert_false(p.has_ports);
	f.n = 0;
	eth(&f, 0x86dd);
	ip = ip6(&f, 59);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.proto, 59);
	assert_int_equal(p.ip_len, 40);
	/* ICMPv4 inside IPv6 is not decoded as ICMP */
	f.n = 0;
	eth(&f, 0x86dd);
	ip = ip6(&f, 1);
	icmp(&f, 8, 0, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.has_icmp);
	/* nor ICMPv6 inside IPv4 */
	f.n = 0;
	eth(&f, 0x0800);
	ip = ip4(&f, 58, 1, 0, 0);
	icmp(&f, 128, 0, 0);
	ip4_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.has_icmp);
	assert_int_equal(p.proto, 58);
}

static void frag6(struct frame *f, uint16_t offlg, size_t datalen, bool with_icmp)
{
	f->n = 0;
	eth(f, 0x86dd);
	size_t ip = ip6(f, 44);
	put8(f, 58);
	put8(f, 0);
	put16(f, offlg);
	put32(f, 0xdeadbeef);
	if (with_icmp) {
		icmp(f, 128, 0, 0x00020003);
		datalen -= 8;
	}
	payload(f, datalen);
	ip6_done(f, ip);
}

static void test_ip6_fragments(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	frag6(&f, 0x0001, 1232, true);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.frag.is_frag);
	assert_true(p.frag.more);
	assert_int_equal(p.frag.offset, 0);
	assert_int_equal(p.frag.id, 0xdeadbeef);
	assert_int_equal(p.frag.next_header, 58);
	assert_int_equal(p.frag.hdr_len, 48);
	assert_ptr_equal(p.frag.data, f.b + 14 + 48);
	assert_int_equal(p.frag.len, 1232);
	assert_true(p.has_icmp);
	assert_int_equal(p.icmp_seq, 3);
	assert_int_equal(p.payload_len, 1224);

	frag6(&f, 1232, 100, false);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_SKIP_FRAGMENT);
	assert_false(p.frag.more);
	assert_int_equal(p.frag.offset, 1232);
	assert_int_equal(p.frag.len, 100);
	assert_int_equal(p.proto, 58);
	assert_false(p.has_icmp);

	/* atomic fragment: decoded as a whole datagram (RFC 6946) */
	frag6(&f, 0, 40, true);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.frag.is_frag);
	assert_true(p.has_icmp);
	assert_int_equal(p.payload_len, 32);
}

/* ===================================================================================== */
/* ICMP classes                                                                          */
/* ===================================================================================== */

struct kind_case {
	uint8_t type, code;
	enum ih_icmp_class cls;
	bool echo, odd;
};

static void check_kinds(bool v6, const struct kind_case *cases, size_t n)
{
	struct frame f;
	struct ih_pkt p;
	for (size_t i = 0; i < n; i++) {
		f.n = 0;
		eth(&f, v6 ? 0x86dd : 0x0800);
		size_t ip = v6 ? ip6(&f, 58) : ip4(&f, 1, 1, 0, 0);
		icmp(&f, cases[i].type, cases[i].code, 0x01020304);
		payload(&f, 40);
		if (v6)
			ip6_done(&f, ip);
		else
			ip4_done(&f, ip);
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
		assert_true(p.has_icmp);
		assert_int_equal(p.icmp_type, cases[i].type);
		assert_int_equal(p.icmp_code, cases[i].code);
		if (p.icmp_class != cases[i].cls || p.has_echo_fields != cases[i].echo ||
		    p.icmp_odd != cases[i].odd)
			fail_msg("v%d type %u code %u: class %d echo %d odd %d", v6 ? 6 : 4,
				 cases[i].type, cases[i].code, p.icmp_class, p.has_echo_fields,
				 p.icmp_odd);
		assert_int_equal(p.icmp_rest, 0x01020304);
		if (p.has_echo_fields) {
			assert_int_equal(p.icmp_id, 0x0102);
			bool ext = cases[i].cls == IH_ICMP_EXT_ECHO_REQ ||
				   cases[i].cls == IH_ICMP_EXT_ECHO_REP;
			assert_int_equal(p.icmp_seq, ext ? 0x03 : 0x0304);
		}
		assert_int_equal(p.payload_len, 40);
	}
}

static void test_icmp4_classes(void **state)
{
	(void)state;
	static const struct kind_case c[] = {
		{ 0, 0, IH_ICMP_ECHO_REP, true, false },
		{ 8, 0, IH_ICMP_ECHO_REQ, true, false },
		{ 8, 9, IH_ICMP_ECHO_REQ, true, true },   /* nmap's odd echo code */
		{ 3, 3, IH_ICMP_UNREACH, false, false },
		{ 3, 4, IH_ICMP_PKT_TOO_BIG, false, false },
		{ 3, 15, IH_ICMP_UNREACH, false, false },
		{ 3, 16, IH_ICMP_UNREACH, false, true },
		{ 4, 0, IH_ICMP_SOURCE_QUENCH, false, false },
		{ 5, 1, IH_ICMP_REDIRECT, false, false },
		{ 5, 4, IH_ICMP_REDIRECT, false, true },
		{ 6, 0, IH_ICMP_OTHER, false, false },
		{ 9, 0, IH_ICMP_ROUTER_ADV, false, false },
		{ 9, 16, IH_ICMP_ROUTER_ADV, false, false },
		{ 9, 5, IH_ICMP_ROUTER_ADV, false, true },
		{ 10, 0, IH_ICMP_ROUTER_SOL, false, false },
		{ 11, 0, IH_ICMP_TIME_EXCEEDED, false, false },
		{ 11, 1, IH_ICMP_TIME_EXCEEDED, false, false },
		{ 11, 2, IH_ICMP_TIME_EXCEEDED, false, true },
		{ 12, 2, IH_ICMP_PARAM_PROBLEM, false, false },
		{ 13, 0, IH_ICMP_TSTAMP_REQ, true, false },
		{ 14, 0, IH_ICMP_TSTAMP_REP, true, false },
		{ 15, 0, IH_ICMP_INFO_REQ, true, false },
		{ 16, 0, IH_ICMP_INFO_REP, true, false },
		{ 17, 0, IH_ICMP_MASK_REQ, true, false },
		{ 18, 0, IH_ICMP_MASK_REP, true, false },
		{ 30, 1, IH_ICMP_OTHER, false, false },
		{ 35, 7, IH_ICMP_OTHER, false, false },
		{ 35, 16, IH_ICMP_OTHER, false, true },
		{ 40, 5, IH_ICMP_OTHER, false, false },
		{ 42, 0, IH_ICMP_EXT_ECHO_REQ, true, false },
		{ 43, 4, IH_ICMP_EXT_ECHO_REP, true, false },
		{ 43, 5, IH_ICMP_EXT_ECHO_REP, true, true },
		{ 1, 0, IH_ICMP_OTHER, false, true },
		{ 7, 0, IH_ICMP_OTHER, false, true },
		{ 19, 0, IH_ICMP_OTHER, false, true },
		{ 44, 0, IH_ICMP_OTHER, false, true },
		{ 252, 0, IH_ICMP_OTHER, false, true },
		{ 253, 3, IH_ICMP_OTHER, false, false },
		{ 255, 0, IH_ICMP_OTHER, false, true },
	};
	check_kinds(false, c, sizeof c / sizeof c[0]);
}

static void test_icmp6_classes(void **state)
{
	(void)state;
	static const struct kind_case c[] = {
		{ 1, 4, IH_ICMP_UNREACH, false, false },
		{ 1, 9, IH_ICMP_UNREACH, false, true },
		{ 2, 0, IH_ICMP_PKT_TOO_BIG, false, false },
		{ 3, 1, IH_ICMP_TIME_EXCEEDED, false, false },
		{ 4, 10, IH_ICMP_PARAM_PROBLEM, false, false },
		{ 4, 11, IH_ICMP_PARAM_PROBLEM, false, true },
		{ 128, 0, IH_ICMP_ECHO_REQ, true, false },
		{ 129, 0, IH_ICMP_ECHO_REP, true, false },
		{ 129, 1, IH_ICMP_ECHO_REP, true, true },
		{ 130, 0, IH_ICMP_MLD, false, false },
		{ 131, 0, IH_ICMP_MLD, false, false },
		{ 132, 0, IH_ICMP_MLD, false, false },
		{ 143, 0, IH_ICMP_MLD, false, false },
		{ 133, 0, IH_ICMP_ROUTER_SOL, false, false },
		{ 134, 0, IH_ICMP_ROUTER_ADV, false, false },
		{ 135, 0, IH_ICMP_NEIGH_SOL, false, false },
		{ 136, 0, IH_ICMP_NEIGH_ADV, false, false },
		{ 137, 0, IH_ICMP_REDIRECT, false, false },
		{ 138, 255, IH_ICMP_OTHER, false, false },
		{ 138, 2, IH_ICMP_OTHER, false, true },
		{ 139, 2, IH_ICMP_INFO_REQ, false, false },
		{ 140, 1, IH_ICMP_INFO_REP, false, false },
		{ 155, 0x8a, IH_ICMP_OTHER, false, false },
		{ 155, 0x10, IH_ICMP_OTHER, false, true },
		{ 160, 0, IH_ICMP_EXT_ECHO_REQ, true, false },
		{ 161, 3, IH_ICMP_EXT_ECHO_REP, true, false },
		{ 0, 0, IH_ICMP_OTHER, false, true },
		{ 5, 0, IH_ICMP_OTHER, false, true },
		{ 127, 0, IH_ICMP_OTHER, false, true },
		{ 162, 0, IH_ICMP_OTHER, false, true },
		{ 200, 7, IH_ICMP_OTHER, false, false },
		{ 255, 0, IH_ICMP_OTHER, false, true },
	};
	check_kinds(true, c, sizeof c / sizeof c[0]);
}

/* Every type and a spread of codes decodes without crashing and with a consistent view. */
static void test_icmp_all_types(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	for (int v6 = 0; v6 <= 1; v6++)
		for (unsigned t = 0; t < 256; t++)
			for (unsigned code = 0; code < 256; code += 17) {
				f.n = 0;
				eth(&f, v6 ? 0x86dd : 0x0800);
				size_t ip = v6 ? ip6(&f, 58) : ip4(&f, 1, 1, 0, 0);
				icmp(&f, (uint8_t)t, (uint8_t)code, 0);
				payload(&f, 12);
				if (v6)
					ip6_done(&f, ip);
				else
					ip4_done(&f, ip);
				assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
				assert_true(p.has_icmp);
				assert_true(p.icmp_class < IH_ICMP_NCLASSES);
				assert_non_null(ih_icmp_type_name(v6 ? 6 : 4, (uint8_t)t));
				assert_non_null(ih_icmp_code_name(v6 ? 6 : 4, (uint8_t)t, (uint8_t)code));
				if (ih_icmp_is_error(p.icmp_class) && p.icmp_class != IH_ICMP_REDIRECT)
					assert_false(p.quoted.present); /* payload() is no IP header */
			}
}

static void test_icmp_truncated(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	echo4(&f);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 34 + 4, 98, 0, &p), IH_DEC_TRUNC_ICMP);
	assert_false(p.has_icmp);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 34 + 8, 98, 0, &p), IH_DEC_OK);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.payload_wire_len, 56);
	/* the IP total length ends the message before its header does: truncated too */
	set16(&f, 16, 20 + 6);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_ICMP);
	echo6(&f);
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 54 + 7, 200, 0, &p), IH_DEC_TRUNC_ICMP6);
	assert_int_equal(p.icmp_type, 128);
}

/* ===================================================================================== */
/* ICMP errors and their quotes                                                          */
/* ===================================================================================== */

/* An ICMPv4 error from the router about a datagram A4 -> B4 carrying proto; the quote holds
 * the inner header plus `inner` bytes of transport. */
static size_t err4(struct frame *f, uint8_t type, uint8_t code, uint32_t rest, uint8_t proto,
		   size_t inner_opt, const uint8_t *l4, size_t l4len)
{
	f->n = 0;
	eth(f, 0x0800);
	size_t ip = ip4(f, 1, 2, 0, 0);
	icmp(f, type, code, rest);
	size_t q = ip4(f, proto, 0x1111, 0, inner_opt);
	f->b[q + 8] = 1; /* the quoted TTL */
	set16(f, q + 2, (uint16_t)(20 + inner_opt + 64));
	putb(f, l4, l4len);
	ip4_done(f, ip);
	return q;
}

static void test_quote4(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	static const uint8_t udp[8] = { 0x82, 0x9a, 0x82, 0x9b, 0, 72, 0, 0 };
	static const uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 9 };
	static const uint8_t tcp[8] = { 0x04, 0x00, 0x00, 0x16, 1, 2, 3, 4 };

	err4(&f, 3, 3, 0, 17, 0, udp, 8);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_UNREACH);
	assert_true(ih_icmp_is_error(p.icmp_class));
	assert_true(p.quoted.present);
	assert_false(p.quoted.truncated);
	assert_int_equal(p.quoted.ip_ver, 4);
	assert_int_equal(p.quoted.proto, 17);
	assert_int_equal(p.quoted.ttl, 1);
	assert_addr4(&p.quoted.src, A4);
	assert_addr4(&p.quoted.dst, B4);
	assert_int_equal(p.quoted.sport, 33434);
	assert_int_equal(p.quoted.dport, 33435);
	assert_int_equal(p.payload_len, 28);

	err4(&f, 11, 0, 0, 1, 0, echo, 8);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_TIME_EXCEEDED);
	assert_int_equal(p.quoted.proto, 1);
	assert_int_equal(p.quoted.icmp_type, 8);
	assert_true(p.quoted.has_echo);
	assert_int_equal(p.quoted.icmp_id, 0x1234);
	assert_int_equal(p.quoted.icmp_seq, 9);

	err4(&f, 12, 0, 0x14000000, 6, 4, tcp, 8); /* inner header with options */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_PARAM_PROBLEM);
	assert_true(p.quoted.present);
	assert_int_equal(p.quoted.sport, 1024);
	assert_int_equal(p.quoted.dport, 22);

	/* quoted ICMP with only 4 bytes: the type, no id/seq */
	err4(&f, 11, 0, 0, 1, 0, echo, 4);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_true(p.quoted.truncated);
	assert_int_equal(p.quoted.icmp_type, 8);
	assert_false(p.quoted.has_echo);

	/* quoted UDP cut after 2 bytes */
	err4(&f, 3, 3, 0, 17, 0, udp, 2);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.truncated);
	assert_int_equal(p.quoted.sport, 0);

	/* quoted non-echo ICMP: type only, not truncated */
	static const uint8_t unr[8] = { 3, 1, 0, 0, 0, 0, 0, 0 };
	err4(&f, 3, 1, 0, 1, 0, unr, 8);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.quoted.icmp_type, 3);
	assert_false(p.quoted.has_echo);
	assert_false(p.quoted.truncated);

	/* quoted ICMP with nothing after the IP header: truncated, no type */
	err4(&f, 11, 0, 0, 1, 0, echo, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_true(p.quoted.truncated);
	assert_int_equal(p.quoted.icmp_type, 0);

	/* quoted extended echo (RFC 8335): 8-bit sequence */
	static const uint8_t xecho[8] = { 42, 0, 0, 0, 0x00, 0x07, 0x09, 0x01 };
	err4(&f, 3, 1, 0, 1, 0, xecho, 8);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.has_echo);
	assert_int_equal(p.quoted.icmp_id, 7);
	assert_int_equal(p.quoted.icmp_seq, 9);

	/* quoted transport with no ports (GRE): nothing more, not truncated */
	err4(&f, 3, 1, 0, 47, 0, unr, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_false(p.quoted.truncated);

	/* a quoted non-first fragment: no transport header to read */
	size_t q = err4(&f, 11, 1, 0, 17, 0, udp, 8);
	set16(&f, q + 6, 100);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_int_equal(p.quoted.sport, 0);
	assert_false(p.quoted.truncated);
}

static void test_quote4_bounds(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	static const uint8_t udp[8] = { 0x82, 0x9a, 0x82, 0x9b, 0, 72, 0, 0 };

	/* IHL claims 60 bytes, the quote holds 28: addresses, but truncated and no ports. The
	 * bytes after the quote (more of the outer frame) must not be read as options. */
	size_t q = err4(&f, 3, 3, 0, 17, 0, udp, 8);
	f.b[q] = 0x4f;
	fill(&f, 64, 0xcc); /* Ethernet padding beyond the IP total length */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_true(p.quoted.truncated);
	assert_int_equal(p.quoted.sport, 0);
	assert_int_equal(p.payload_len, 28);

	/* fewer than 20 bytes of quote: not present, truncated; the outer packet is fine */
	for (size_t keep = 0; keep < 20; keep++) {
		err4(&f, 11, 0, 0, 17, 0, udp, 8);
		f.n = 42 + keep;
		set16(&f, 16, (uint16_t)(28 + keep));
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
		assert_false(p.quoted.present);
		assert_true(p.quoted.truncated);
	}
	/* not an IPv4 header: not present, not truncated */
	q = err4(&f, 3, 3, 0, 17, 0, udp, 8);
	f.b[q] = 0x65;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.quoted.present);
	assert_false(p.quoted.truncated);
	f.b[q] = 0x44;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.quoted.present);

	/* RFC 4884 length 32 words = 128 bytes: the quote stops there, extensions follow; a
	 * length below 128 bytes is not believed (legacy stacks leave junk there) */
	for (int words = 32; words >= 16; words -= 16) {
		f.n = 0;
		eth(&f, 0x0800);
		size_t ip = ip4(&f, 1, 2, 0, 0);
		icmp(&f, 11, 0, (uint32_t)words << 16);
		ip4(&f, 17, 1, 0, 0);
		putb(&f, udp, 8);
		fill(&f, 100, 0);
		fill(&f, 16, 0x20); /* extension structure */
		ip4_done(&f, ip);
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
		assert_true(p.quoted.present);
		assert_false(p.quoted.truncated);
		assert_int_equal(p.quoted.dport, 33435);
		assert_int_equal(p.payload_len, 144);
	}

	/* fragmentation needed: PKT_TOO_BIG with the next-hop MTU */
	err4(&f, 3, 4, 0x000005dc, 17, 0, udp, 8);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_PKT_TOO_BIG);
	assert_int_equal(p.icmp_rest & 0xffff, 1500);
	assert_true(p.quoted.present);
}

static size_t err6(struct frame *f, uint8_t type, uint8_t code, uint8_t inner_nh)
{
	f->n = 0;
	eth(f, 0x86dd);
	size_t ip = ip6(f, 58);
	icmp(f, type, code, 0);
	size_t q = ip6(f, inner_nh);
	f->b[q + 7] = 1;
	set16(f, q + 4, 64);
	return ip;
}

static void test_quote6(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	size_t ip = err6(&f, 1, 4, 17);
	put16(&f, 5000);
	put16(&f, 53);
	put32(&f, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_UNREACH);
	assert_true(p.quoted.present);
	assert_int_equal(p.quoted.ip_ver, 6);
	assert_int_equal(p.quoted.ttl, 1);
	assert_addr6(&p.quoted.src, A6);
	assert_addr6(&p.quoted.dst, B6);
	assert_int_equal(p.quoted.proto, 17);
	assert_int_equal(p.quoted.sport, 5000);
	assert_int_equal(p.quoted.dport, 53);

	/* time exceeded quoting an echo behind a destination options header */
	ip = err6(&f, 3, 0, 60);
	ext6(&f, 58, 0);
	icmp(&f, 128, 0, 0x00070008);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.quoted.proto, 58);
	assert_true(p.quoted.has_echo);
	assert_int_equal(p.quoted.icmp_id, 7);
	assert_int_equal(p.quoted.icmp_seq, 8);
	assert_false(p.quoted.truncated);

	/* the quote ends inside the extension header */
	ip = err6(&f, 3, 0, 60);
	put8(&f, 58);
	put8(&f, 1);
	fill(&f, 6, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_true(p.quoted.truncated);
	assert_int_equal(p.quoted.proto, 60);

	/* the quote ends two bytes into the extension header */
	ip = err6(&f, 3, 0, 43);
	put8(&f, 58);
	put8(&f, 0);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.quoted.present);
	assert_true(p.quoted.truncated);
	assert_int_equal(p.quoted.proto, 43);

	/* quoting a first fragment and a non-first fragment */
	for (int nonfirst = 0; nonfirst <= 1; nonfirst++) {
		ip = err6(&f, 2, 0, 44);
		put8(&f, 17);
		put8(&f, 0);
		put16(&f, nonfirst ? 0x0100 : 0x0001);
		put32(&f, 5);
		put16(&f, 1);
		put16(&f, 2);
		ip6_done(&f, ip);
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
		assert_int_equal(p.icmp_class, IH_ICMP_PKT_TOO_BIG);
		assert_int_equal(p.quoted.proto, 17);
		assert_int_equal(p.quoted.sport, nonfirst ? 0 : 1);
	}
	/* AH in the quote, and a malformed AH */
	for (int bad = 0; bad <= 1; bad++) {
		ip = err6(&f, 4, 0, 51);
		put8(&f, 6);
		put8(&f, bad ? 0 : 1);
		fill(&f, bad ? 6 : 10, 0);
		put16(&f, 80);
		put16(&f, 443);
		ip6_done(&f, ip);
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
		assert_true(p.quoted.present);
		assert_int_equal(p.quoted.proto, bad ? 51 : 6);
		assert_int_equal(p.quoted.dport, bad ? 0 : 443);
	}
	/* seventeen extension headers in a quote: stop, no transport */
	ip = err6(&f, 4, 0, 60);
	for (int i = 0; i < 17; i++)
		ext6(&f, i < 16 ? 60 : 17, 0);
	put16(&f, 1);
	put16(&f, 2);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.quoted.sport, 0);

	/* the quote is 10 bytes: not present, truncated; and not IPv6 at all */
	ip = err6(&f, 1, 0, 17);
	f.n = ip + 48 + 10;
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.quoted.present);
	assert_true(p.quoted.truncated);
	f.b[ip + 48] = 0x45;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.quoted.present);
	assert_false(p.quoted.truncated);
	f.n = ip + 48;
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_false(p.quoted.present);
	assert_true(p.quoted.truncated);

	/* RFC 4884 length in 8-byte words (v6 byte 4): 16 words = 128 bytes */
	ip = err6(&f, 1, 0, 17);
	put16(&f, 9);
	put16(&f, 10);
	fill(&f, 128 - 44, 0);
	fill(&f, 8, 0x20);
	ip6_done(&f, ip);
	f.b[ip + 44] = 16;
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.quoted.dport, 10);
	/* the RFC 4884 length narrows the quote: a transport header right after 128 bytes of
	 * quote is not read from the extension structure that follows */
	for (int narrowed = 0; narrowed <= 1; narrowed++) {
		ip = err6(&f, 1, 0, 60);
		ext6(&f, 17, 10); /* 88 bytes: the transport header starts at 128 */
		put16(&f, 7);
		put16(&f, 8);
		fill(&f, 4, 0);
		ip6_done(&f, ip);
		f.b[ip + 44] = narrowed ? 16 : 0;
		assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
		assert_true(p.quoted.present);
		assert_int_equal(p.quoted.truncated, narrowed);
		assert_int_equal(p.quoted.dport, narrowed ? 0 : 8);
	}
	/* a redirect names the class but quotes nothing at a fixed place */
	ip = err6(&f, 137, 0, 17);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.icmp_class, IH_ICMP_REDIRECT);
	assert_false(p.quoted.present);
}

/* ===================================================================================== */
/* TCP and UDP                                                                           */
/* ===================================================================================== */

static void tcp4(struct frame *f, uint8_t doff, uint8_t flags, size_t optlen, size_t data)
{
	f->n = 0;
	eth(f, 0x0800);
	size_t ip = ip4(f, 6, 1, 0x4000, 0);
	put16(f, 40000);
	put16(f, 445);
	put32(f, 1);
	put32(f, 0);
	put8(f, (uint8_t)(doff << 4));
	put8(f, flags);
	put16(f, 1024);
	put32(f, 0);
	fill(f, optlen, 1);
	payload(f, data);
	ip4_done(f, ip);
}

static void test_tcp(void **state)
{
	(void)state;
	struct frame f;
	struct ih_pkt p;
	tcp4(&f, 8, IH_TCP_SYN, 12, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.has_ports);
	assert_false(p.has_icmp);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 445);
	assert_int_equal(p.tcp_flags, IH_TCP_SYN);
	assert_int_equal(p.l4_payload_len, 0);
	/* options cut by the snaplen: ports and flags are still known */
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, 54, (uint32_t)f.n, 0, &p), IH_DEC_OK);
	assert_int_equal(p.tcp_flags, IH_TCP_SYN);
	tcp4(&f, 5, IH_TCP_ACK | 0x08, 0, 100);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.l4_payload_len, 100);
	tcp4(&f, 4, IH_TCP_RST, 0, 0);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_BAD_TCP_HLEN);
	/* a data offset past the segment: no payload */
	tcp4(&f, 15, IH_TCP_FIN, 0, 4);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.l4_payload_len, 0);
	for (uint32_t n = 34; n < 54; n++)
		assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, n, (uint32_t)f.n, 0, &p),
				 IH_DEC_TRUNC_TCP);
}

static void test_udp(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	eth(&f, 0x86dd);
	size_t ip = ip6(&f, 17);
	put16(&f, 5353);
	put16(&f, 5353);
	put16(&f, 8 + 20);
	put16(&f, 0);
	payload(&f, 20);
	ip6_done(&f, ip);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_true(p.has_ports);
	assert_int_equal(p.sport, 5353);
	assert_int_equal(p.l4_payload_len, 20);
	set16(&f, 58, 0); /* nonsense UDP length: IP's length decides */
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.l4_payload_len, 20);
	set16(&f, 58, 200);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_OK);
	assert_int_equal(p.l4_payload_len, 20);
	for (uint32_t n = 54; n < 62; n++)
		assert_int_equal(ih_decode(IH_LINK_EN10MB, f.b, n, (uint32_t)f.n, 0, &p),
				 IH_DEC_TRUNC_UDP);
	/* an IP payload shorter than a UDP header: truncated too */
	set16(&f, 18, 4);
	assert_int_equal(dec(IH_LINK_EN10MB, &f, &p), IH_DEC_TRUNC_UDP);
}

/* ===================================================================================== */
/* Truncation at every byte                                                              */
/* ===================================================================================== */

struct cut {
	uint32_t upto;          /* cuts below this offset give... */
	enum ih_dec_result r;   /* ...this result */
};

/* Decodes the frame cut at every length; the first cut below cuts[i].upto gives cuts[i].r.
 * Cuts at or beyond the last boundary decode OK. The cut copy lives in its own heap block so
 * that ASan catches any read past the cut. */
static void cut_everywhere(int link, const struct frame *f, const struct cut *cuts, size_t n)
{
	for (uint32_t len = 0; len <= f->n; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, f->b, len);
		struct ih_pkt p;
		enum ih_dec_result r = ih_decode(link, copy, len, (uint32_t)f->n, 5, &p);
		enum ih_dec_result want = IH_DEC_OK;
		for (size_t i = 0; i < n; i++)
			if (len < cuts[i].upto) {
				want = cuts[i].r;
				break;
			}
		if (r != want)
			fail_msg("link %d cut at %u: got %s, want %s", link, len,
				 ih_dec_result_name(r), ih_dec_result_name(want));
		if (r == IH_DEC_OK && p.has_icmp) {
			assert_true(p.payload_len <= p.payload_wire_len);
			assert_true(p.payload + p.payload_len <= copy + len);
		}
		free(copy);
	}
}

static void test_cut_everywhere(void **state)
{
	(void)state;
	struct frame f;
	echo4(&f);
	const struct cut e4[] = { { 14, IH_DEC_TRUNC_LINK }, { 34, IH_DEC_TRUNC_IP4 },
				  { 42, IH_DEC_TRUNC_ICMP } };
	cut_everywhere(IH_LINK_EN10MB, &f, e4, 3);

	echo6(&f);
	const struct cut e6[] = { { 14, IH_DEC_TRUNC_LINK }, { 54, IH_DEC_TRUNC_IP6 },
				  { 62, IH_DEC_TRUNC_ICMP6 } };
	cut_everywhere(IH_LINK_EN10MB, &f, e6, 3);

	/* VLAN + IPv6 with a hop-by-hop header */
	f.n = 0;
	eth(&f, 0x8100);
	put16(&f, 7);
	put16(&f, 0x86dd);
	size_t ip = ip6(&f, 0);
	ext6(&f, 58, 1);
	icmp(&f, 129, 0, 1);
	payload(&f, 16);
	ip6_done(&f, ip);
	const struct cut v[] = { { 18, IH_DEC_TRUNC_LINK }, { 58, IH_DEC_TRUNC_IP6 },
				 { 74, IH_DEC_TRUNC_IP6_EXT }, { 82, IH_DEC_TRUNC_ICMP6 } };
	cut_everywhere(IH_LINK_EN10MB, &f, v, 4);

	/* SLL, SLL2, NULL, raw */
	f.n = 0;
	sll1(&f, 1, 6, 0x0800);
	ip4_echo(&f);
	const struct cut s1[] = { { 16, IH_DEC_TRUNC_LINK }, { 36, IH_DEC_TRUNC_IP4 },
				  { 44, IH_DEC_TRUNC_ICMP } };
	cut_everywhere(IH_LINK_SLL, &f, s1, 3);
	f.n = 0;
	sll2(&f, 1, 6, 0x86dd);
	ip6_echo(&f);
	const struct cut s2[] = { { 20, IH_DEC_TRUNC_LINK }, { 60, IH_DEC_TRUNC_IP6 },
				  { 68, IH_DEC_TRUNC_ICMP6 } };
	cut_everywhere(IH_LINK_SLL2, &f, s2, 3);
	f.n = 0;
	put32(&f, 0x02000000);
	ip4_echo(&f);
	const struct cut nl[] = { { 4, IH_DEC_TRUNC_LINK }, { 24, IH_DEC_TRUNC_IP4 },
				  { 32, IH_DEC_TRUNC_ICMP } };
	cut_everywhere(IH_LINK_NULL, &f, nl, 3);
	f.n = 0;
	ip6_echo(&f);
	const struct cut rw[] = { { 1, IH_DEC_TRUNC_LINK }, { 40, IH_DEC_TRUNC_IP6 },
				  { 48, IH_DEC_TRUNC_ICMP6 } };
	cut_everywhere(IH_LINK_RAW, &f, rw, 3);

	/* an ICMPv4 error: cuts inside the quote are not errors of the packet */
	static const uint8_t udp[8] = { 1, 2, 3, 4, 0, 16, 0, 0 };
	err4(&f, 3, 3, 0, 17, 0, udp, 8);
	cut_everywhere(IH_LINK_EN10MB, &f, e4, 3);

	/* IPv6 fragment header */
	frag6(&f, 0x0001, 64, true);
	const struct cut fr[] = { { 14, IH_DEC_TRUNC_LINK }, { 54, IH_DEC_TRUNC_IP6 },
				  { 62, IH_DEC_TRUNC_IP6_EXT }, { 70, IH_DEC_TRUNC_ICMP6 } };
	cut_everywhere(IH_LINK_EN10MB, &f, fr, 4);

	/* TCP and UDP over IPv4 */
	tcp4(&f, 5, IH_TCP_SYN, 0, 10);
	const struct cut tc[] = { { 14, IH_DEC_TRUNC_LINK }, { 34, IH_DEC_TRUNC_IP4 },
				  { 54, IH_DEC_TRUNC_TCP } };
	cut_everywhere(IH_LINK_EN10MB, &f, tc, 3);
}

static void test_cut_loop_le(void **state)
{
	(void)state;
	/* On LOOP a little-endian AF is not IP: every cut past the header is SKIP_NOT_IP. */
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	put32(&f, 0x02000000);
	ip4_echo(&f);
	for (uint32_t n = 4; n <= f.n; n++)
		assert_int_equal(ih_decode(IH_LINK_LOOP, f.b, n, n, 0, &p), IH_DEC_SKIP_NOT_IP);
}

/* ===================================================================================== */
/* ih_decode_l4                                                                          */
/* ===================================================================================== */

static void test_decode_l4(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	struct ih_pkt p;
	memset(&p, 0, sizeof p);
	p.ip_ver = 6;
	p.proto = 60;
	p.has_ports = true; /* stale fields are reset */
	ext6(&f, 58, 0);
	icmp(&f, 128, 0, 0x00010002);
	payload(&f, 100);
	assert_int_equal(ih_decode_l4(f.b, (uint32_t)f.n, (uint32_t)f.n, &p), IH_DEC_OK);
	assert_false(p.has_ports);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(p.payload_len, 100);
	/* a hop-by-hop or Fragment header inside a reassembled datagram */
	p.proto = 0;
	assert_int_equal(ih_decode_l4(f.b, (uint32_t)f.n, (uint32_t)f.n, &p), IH_DEC_BAD_IP6_EXT);
	p.proto = 44;
	assert_int_equal(ih_decode_l4(f.b, (uint32_t)f.n, (uint32_t)f.n, &p), IH_DEC_BAD_IP6_EXT);
	/* v4, captured longer than the wire length: bounded by the wire length */
	p.ip_ver = 4;
	p.proto = 1;
	f.n = 0;
	icmp(&f, 0, 0, 0);
	payload(&f, 10);
	assert_int_equal(ih_decode_l4(f.b, (uint32_t)f.n, 12, &p), IH_DEC_OK);
	assert_int_equal(p.payload_len, 4);
	assert_int_equal(ih_decode_l4(NULL, 0, 0, &p), IH_DEC_TRUNC_ICMP);
	p.proto = 99;
	assert_int_equal(ih_decode_l4(NULL, 0, 0, &p), IH_DEC_OK);
}

/* ===================================================================================== */
/* Names                                                                                 */
/* ===================================================================================== */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ih_icmp_type_name(4, 8), "echo-request");
	assert_string_equal(ih_icmp_type_name(4, 0), "echo-reply");
	assert_string_equal(ih_icmp_type_name(4, 3), "dest-unreachable");
	assert_string_equal(ih_icmp_type_name(4, 11), "time-exceeded");
	assert_string_equal(ih_icmp_type_name(4, 13), "timestamp-request");
	assert_string_equal(ih_icmp_type_name(4, 44), "unknown");
	assert_string_equal(ih_icmp_type_name(6, 128), "echo-request");
	assert_string_equal(ih_icmp_type_name(6, 135), "neighbor-solicitation");
	assert_string_equal(ih_icmp_type_name(6, 2), "packet-too-big");
	assert_string_equal(ih_icmp_type_name(6, 8), "unknown");
	assert_string_equal(ih_icmp_type_name(5, 8), "unknown");
	assert_string_equal(ih_icmp_code_name(4, 3, 3), "port-unreachable");
	assert_string_equal(ih_icmp_code_name(4, 3, 4), "fragmentation-needed");
	assert_string_equal(ih_icmp_code_name(4, 3, 16), "unknown");
	assert_string_equal(ih_icmp_code_name(4, 11, 0), "ttl-exceeded-in-transit");
	assert_string_equal(ih_icmp_code_name(4, 9, 16), "does-not-route-common-traffic");
	assert_string_equal(ih_icmp_code_name(4, 9, 8), "unknown");
	assert_string_equal(ih_icmp_code_name(4, 8, 0), "none");
	assert_string_equal(ih_icmp_code_name(4, 8, 9), "unknown");
	assert_string_equal(ih_icmp_code_name(4, 43, 2), "no-such-interface");
	assert_string_equal(ih_icmp_code_name(6, 1, 4), "port-unreachable");
	assert_string_equal(ih_icmp_code_name(6, 3, 0), "hop-limit-exceeded-in-transit");
	assert_string_equal(ih_icmp_code_name(6, 4, 1), "unrecognized-next-header");
	assert_string_equal(ih_icmp_code_name(6, 138, 255), "sequence-number-reset");
	assert_string_equal(ih_icmp_code_name(6, 138, 7), "unknown");
	assert_string_equal(ih_icmp_code_name(6, 135, 0), "none");
	assert_string_equal(ih_icmp_code_name(6, 161, 4), "multiple-interfaces-satisfy-query");
	assert_string_equal(ih_icmp_code_name(0, 0, 0), "unknown");
	assert_string_equal(ih_icmp_class_name(IH_ICMP_ECHO_REQ), "echo-request");
	assert_string_equal(ih_icmp_class_name(IH_ICMP_MLD), "mld");
	assert_string_equal(ih_icmp_class_name(IH_ICMP_NCLASSES), "unknown");
	for (int c = 0; c < IH_ICMP_NCLASSES; c++)
		assert_string_not_equal(ih_icmp_class_name((enum ih_icmp_class)c), "unknown");
	/* a name is a constant: the same pointer every time */
	assert_ptr_equal(ih_icmp_type_name(4, 200), ih_icmp_type_name(6, 3 + 250));
}

static void test_result_names(void **state)
{
	(void)state;
	static const char *const upper[] = {
#define IH_X(name, text) #name,
		IH_DEC_RESULTS(IH_X)
#undef IH_X
	};
	static const char *const text[] = {
#define IH_X(name, text) text,
		IH_DEC_RESULTS(IH_X)
#undef IH_X
	};
	for (int r = 0; r < IH_DEC_NRESULTS; r++) {
		char low[64];
		size_t i;
		for (i = 0; upper[r][i] && i + 1 < sizeof low; i++)
			low[i] = (char)tolower((unsigned char)upper[r][i]);
		low[i] = '\0';
		assert_string_equal(ih_dec_result_name((enum ih_dec_result)r), low);
		assert_string_equal(ih_dec_result_text((enum ih_dec_result)r), text[r]);
	}
	assert_string_equal(ih_dec_result_name(IH_DEC_TRUNC_IP4), "trunc_ip4");
	assert_string_equal(ih_dec_result_text(IH_DEC_TRUNC_IP4), "truncated IPv4 header");
	assert_string_equal(ih_dec_result_name(IH_DEC_NRESULTS), "unknown");
	assert_string_equal(ih_dec_result_text(IH_DEC_NRESULTS), "unknown");
	assert_true(ih_dec_is_error(IH_DEC_TRUNC_LINK));
	assert_false(ih_dec_is_error(IH_DEC_OK));
}

/* Every input under fuzz/regress/decode/ (inputs that once crashed, and hand-made hard
 * cases) goes through the fuzz harness again, with its checks: a crash or a broken promise
 * aborts this test. Inputs are capped at 1 MiB, as the fuzzer's -max_len would. */
static void test_fuzz_regress(void **state)
{
	(void)state;
	char dir[1024];
	const char *data = getenv("IH_TEST_DATA");
	snprintf(dir, sizeof dir, "%s/../../fuzz/regress/decode", data && *data ? data : "../tests/data");
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	unsigned n = 0;
	static uint8_t buf[1 << 20];
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
}

/* ARP: not IP, but the sender's MAC and address are handed over (spoofed-flood attribution) */
static void test_arp_sender(void **state)
{
	(void)state;
	static const uint8_t f[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,             /* Ethernet/IPv4, request */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 10, 77, 0, 10,          /* sender */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 77, 0, 1,           /* target */
	};
	struct ih_pkt pkt;
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f, sizeof(f), sizeof(f), 1, &pkt), IH_DEC_SKIP_NOT_IP);
	assert_true(pkt.has_arp);
	assert_int_equal(pkt.arp_op, 1);
	assert_int_equal(pkt.arp_sha[5], 0x02);
	char a[IH_ADDR_STRLEN];
	assert_string_equal(ih_addr_str(&pkt.arp_spa, a, sizeof(a)), "10.77.0.10");
	/* cut inside the sender address: still not IP, and no ARP claim */
	assert_int_equal(ih_decode(IH_LINK_EN10MB, f, 30, 30, 1, &pkt), IH_DEC_SKIP_NOT_IP);
	assert_false(pkt.has_arp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo4_fields),
		cmocka_unit_test(test_arp_sender),
		cmocka_unit_test(test_echo6_fields),
		cmocka_unit_test(test_null_frame),
		cmocka_unit_test(test_bogus_wire_len),
		cmocka_unit_test(test_link_vlan),
		cmocka_unit_test(test_link_not_ip),
		cmocka_unit_test(test_link_snap_pppoe),
		cmocka_unit_test(test_link_macsec),
		cmocka_unit_test(test_link_sll),
		cmocka_unit_test(test_link_raw),
		cmocka_unit_test(test_link_null_loop),
		cmocka_unit_test(test_link_unsupported),
		cmocka_unit_test(test_ip4_malformed),
		cmocka_unit_test(test_ip4_options),
		cmocka_unit_test(test_ip4_lengths),
		cmocka_unit_test(test_ip4_fragments),
		cmocka_unit_test(test_ip6_ext_chain),
		cmocka_unit_test(test_ip6_ext_malformed),
		cmocka_unit_test(test_ip6_esp_nonext),
		cmocka_unit_test(test_ip6_fragments),
		cmocka_unit_test(test_icmp4_classes),
		cmocka_unit_test(test_icmp6_classes),
		cmocka_unit_test(test_icmp_all_types),
		cmocka_unit_test(test_icmp_truncated),
		cmocka_unit_test(test_quote4),
		cmocka_unit_test(test_quote4_bounds),
		cmocka_unit_test(test_quote6),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_cut_everywhere),
		cmocka_unit_test(test_cut_loop_le),
		cmocka_unit_test(test_decode_l4),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_fuzz_regress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

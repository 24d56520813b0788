/* decode.c — \summary: frames to packet views (link layer, IPv4, IPv6, ICMP, ICMPv6, TCP, UDP).
 *
 * RFC 791 (IPv4), RFC 8200 (IPv6), RFC 792 / RFC 1812 (ICMP, quoted datagrams), RFC 4443
 * (ICMPv6), RFC 4884 (the length of the quote in multi-part messages), RFC 8335 (PROBE,
 * extended echo), RFC 6946 (atomic fragments), RFC 7112 (header chain in the first fragment),
 * RFC 9293 (TCP), RFC 768 (UDP).
 *
 * Pure: no allocation, no globals, no writes outside *pkt. Every read of the frame goes
 * through a checked cursor (core/cursor.h). Two lengths travel together down the layers: the
 * captured bytes (the cursor) and the wire length the enclosing header announces (`wire`);
 * a header that does not fit the captured bytes is truncated (IH_DEC_TRUNC_*), one that does
 * not fit the announced length is malformed (IH_DEC_BAD_*). */
#include "decode/decode.h"

#include <string.h>

#include "core/cursor.h"

enum {
	MAX_LINK_TAGS = 8,  /* VLAN tags, PPPoE and LLC/SNAP headers before IP */
	MAX_IP6_EXT = 16,   /* extension headers in one chain */
	RFC4884_MIN = 128,  /* RFC 4884: a quote followed by extensions is at least this long */
};

enum net { NET_IP4, NET_IP6, NET_ANY /* the version nibble decides */, NET_ARP };

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t cur_left32(const struct ih_cursor *c)
{
	size_t n = ih_cur_left(c);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* ===================================================================================== */
/* ICMP type table                                                                       */
/* ===================================================================================== */

enum {
	T_DEFINED = 1 << 0,  /* a type assigned by IANA (not reserved, not unassigned) */
	T_ECHO = 1 << 1,     /* identifier + sequence in the second word */
	T_EXT_SEQ = 1 << 2,  /* RFC 8335: 16-bit identifier, 8-bit sequence */
	T_QUOTE = 1 << 3,    /* an error that quotes the offending datagram after the header */
	T_RFC4884 = 1 << 4,  /* carries the RFC 4884 length of the quote */
	T_ANYCODE = 1 << 5,  /* codes are not registered: only code > 15 is odd (as nDPI) */
};

struct icmp_kind {
	uint8_t cls;      /* enum ih_icmp_class */
	uint8_t flags;
	uint8_t max_code; /* highest defined code */
};

#define K(c, f, m) { IH_ICMP_##c, (uint8_t)(T_DEFINED | (f)), (m) }

static const struct icmp_kind icmp4_kinds[256] = {
	[0] = K(ECHO_REP, T_ECHO, 0),
	[3] = K(UNREACH, T_QUOTE | T_RFC4884, 15),
	[4] = K(SOURCE_QUENCH, T_QUOTE, 0),
	[5] = K(REDIRECT, T_QUOTE, 3),
	[6] = K(OTHER, 0, 0),              /* alternate host address: deprecated, no format */
	[8] = K(ECHO_REQ, T_ECHO, 0),
	[9] = K(ROUTER_ADV, 0, 16),        /* codes 0 and 16 only: see icmp_code_odd */
	[10] = K(ROUTER_SOL, 0, 0),
	[11] = K(TIME_EXCEEDED, T_QUOTE | T_RFC4884, 1),
	[12] = K(PARAM_PROBLEM, T_QUOTE | T_RFC4884, 2),
	[13] = K(TSTAMP_REQ, T_ECHO, 0),
	[14] = K(TSTAMP_REP, T_ECHO, 0),
	[15] = K(INFO_REQ, T_ECHO, 0),
	[16] = K(INFO_REP, T_ECHO, 0),
	[17] = K(MASK_REQ, T_ECHO, 0),
	[18] = K(MASK_REP, T_ECHO, 0),
	[30] = K(OTHER, 0, 1),             /* traceroute (RFC 1393, deprecated) */
	[31] = K(OTHER, T_ANYCODE, 0),     /* 31..39: deprecated by RFC 6918 */
	[32] = K(OTHER, T_ANYCODE, 0),
	[33] = K(OTHER, T_ANYCODE, 0),
	[34] = K(OTHER, T_ANYCODE, 0),
	[35] = K(OTHER, T_ANYCODE, 0),
	[36] = K(OTHER, T_ANYCODE, 0),
	[37] = K(OTHER, T_ANYCODE, 0),
	[38] = K(OTHER, T_ANYCODE, 0),
	[39] = K(OTHER, T_ANYCODE, 0),
	[40] = K(OTHER, 0, 5),             /* Photuris */
	[41] = K(OTHER, T_ANYCODE, 0),     /* experimental mobility (Seamoby) */
	[42] = K(EXT_ECHO_REQ, T_ECHO | T_EXT_SEQ, 0),
	[43] = K(EXT_ECHO_REP, T_ECHO | T_EXT_SEQ, 4),
	[253] = K(OTHER, T_ANYCODE, 0),    /* RFC 4727 experiments */
	[254] = K(OTHER, T_ANYCODE, 0),
};

static const struct icmp_kind icmp6_kinds[256] = {
	[1] = K(UNREACH, T_QUOTE | T_RFC4884, 8),
	[2] = K(PKT_TOO_BIG, T_QUOTE, 0),
	[3] = K(TIME_EXCEEDED, T_QUOTE | T_RFC4884, 1),
	[4] = K(PARAM_PROBLEM, T_QUOTE, 10),
	[100] = K(OTHER, T_ANYCODE, 0),    /* private experimentation */
	[101] = K(OTHER, T_ANYCODE, 0),
	[128] = K(ECHO_REQ, T_ECHO, 0),
	[129] = K(ECHO_REP, T_ECHO, 0),
	[130] = K(MLD, 0, 0),
	[131] = K(MLD, 0, 0),
	[132] = K(MLD, 0, 0),
	[133] = K(ROUTER_SOL, 0, 0),
	[134] = K(ROUTER_ADV, 0, 0),
	[135] = K(NEIGH_SOL, 0, 0),
	[136] = K(NEIGH_ADV, 0, 0),
	[137] = K(REDIRECT, 0, 0),
	[138] = K(OTHER, 0, 1),            /* router renumbering: codes 0, 1 and 255 */
	[139] = K(INFO_REQ, 0, 2),         /* node information query (RFC 4620) */
	[140] = K(INFO_REP, 0, 2),
	[141] = K(OTHER, 0, 0),            /* inverse neighbor discovery */
	[142] = K(OTHER, 0, 0),
	[143] = K(MLD, 0, 0),              /* MLDv2 report */
	[144] = K(OTHER, 0, 0),            /* mobile IPv6 */
	[145] = K(OTHER, 0, 0),
	[146] = K(OTHER, 0, 0),
	[147] = K(OTHER, 0, 0),
	[148] = K(OTHER, 0, 0),            /* SEND certification path */
	[149] = K(OTHER, 0, 0),
	[150] = K(OTHER, T_ANYCODE, 0),    /* experimental mobility (Seamoby) */
	[151] = K(OTHER, 0, 0),            /* multicast router discovery */
	[152] = K(OTHER, 0, 0),
	[153] = K(OTHER, 0, 0),
	[154] = K(OTHER, T_ANYCODE, 0),    /* FMIPv6 */
	[155] = K(OTHER, 0, 3),            /* RPL control: 0..3 and 0x80..0x8a */
	[156] = K(OTHER, 0, 0),            /* ILNPv6 locator update */
	[157] = K(OTHER, T_ANYCODE, 0),    /* duplicate address request / confirmation */
	[158] = K(OTHER, T_ANYCODE, 0),
	[159] = K(OTHER, 0, 0),            /* MPL control */
	[160] = K(EXT_ECHO_REQ, T_ECHO | T_EXT_SEQ, 0),
	[161] = K(EXT_ECHO_REP, T_ECHO | T_EXT_SEQ, 4),
	[200] = K(OTHER, T_ANYCODE, 0),    /* private experimentation */
	[201] = K(OTHER, T_ANYCODE, 0),
};

#undef K

static const struct icmp_kind *icmp_kind(bool v6, uint8_t type)
{
	return v6 ? &icmp6_kinds[type] : &icmp4_kinds[type];
}

/* Is the type unassigned/reserved, or the code outside what the type defines? Undefined
 * types and codes are not an error of the packet (an attacker choosing them is exactly what
 * a detector wants to see): the message decodes with class OTHER and icmp_odd set. */
static bool icmp_is_odd(bool v6, uint8_t type, uint8_t code)
{
	const struct icmp_kind *k = icmp_kind(v6, type);
	if (!(k->flags & T_DEFINED))
		return true;
	if (k->flags & T_ANYCODE)
		return code > 15;
	if (!v6 && type == 9)
		return code != 0 && code != 16;
	if (v6 && type == 138)
		return code > 1 && code != 255;
	if (v6 && type == 155)
		return code > 3 && (code < 0x80 || code > 0x8a);
	return code > k->max_code;
}

/* ===================================================================================== */
/* Transport headers                                                                     */
/* ===================================================================================== */

static void reset_l4(struct ih_pkt *pkt)
{
	pkt->has_icmp = false;
	pkt->icmp_type = pkt->icmp_code = 0;
	pkt->icmp_class = IH_ICMP_OTHER;
	pkt->icmp_id = pkt->icmp_seq = 0;
	pkt->has_echo_fields = false;
	pkt->icmp_odd = false;
	pkt->icmp_rest = 0;
	pkt->payload = NULL;
	pkt->payload_len = pkt->payload_wire_len = 0;
	memset(&pkt->quoted, 0, sizeof pkt->quoted);
	pkt->has_ports = false;
	pkt->sport = pkt->dport = 0;
	pkt->tcp_flags = 0;
	pkt->l4_payload_len = 0;
}

/*  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Options are not needed (ports and flags are all we keep), so a short snaplen that cuts
 * them does not make the segment truncated. */
static enum ih_dec_result decode_tcp(struct ih_cursor *c, uint32_t wire, struct ih_pkt *pkt)
{
	uint16_t sport = ih_cur_be16(c);
	uint16_t dport = ih_cur_be16(c);
	(void)ih_cur_skip(c, 8); /* sequence, acknowledgment */
	uint8_t off = ih_cur_u8(c);
	uint8_t flags = ih_cur_u8(c);
	(void)ih_cur_skip(c, 6); /* window, checksum, urgent pointer */
	if (c->err)
		return IH_DEC_TRUNC_TCP;
	uint32_t hlen = (uint32_t)(off >> 4) * 4u;
	if (hlen < 20)
		return IH_DEC_BAD_TCP_HLEN;
	pkt->has_ports = true;
	pkt->sport = sport;
	pkt->dport = dport;
	pkt->tcp_flags = flags;
	/* A data offset past the segment leaves no payload; the segment is still reported. */
	pkt->l4_payload_len = wire >= hlen ? wire - hlen : 0;
	return IH_DEC_OK;
}

/* UDP: source port, destination port, length, checksum (16 bits each). */
static enum ih_dec_result decode_udp(struct ih_cursor *c, uint32_t wire, struct ih_pkt *pkt)
{
	uint16_t sport = ih_cur_be16(c);
	uint16_t dport = ih_cur_be16(c);
	uint16_t ulen = ih_cur_be16(c);
	(void)ih_cur_be16(c);
	if (c->err)
		return IH_DEC_TRUNC_UDP;
	pkt->has_ports = true;
	pkt->sport = sport;
	pkt->dport = dport;
	/* The UDP length when it is sane, else what IP says (length 0: a jumbogram). */
	if (ulen >= 8 && ulen <= wire)
		pkt->l4_payload_len = ulen - 8u;
	else
		pkt->l4_payload_len = wire >= 8 ? wire - 8 : 0;
	return IH_DEC_OK;
}

/* ===================================================================================== */
/* The datagram quoted inside an ICMP error                                              */
/* ===================================================================================== */

static bool ip6_is_generic_ext(uint8_t nh)
{
	/* hop-by-hop, routing, destination options, mobility, HIP, shim6: (next, len) layout */
	return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

/* The start of the quoted datagram's transport header, as far as the quote goes. */
static void decode_quote_l4(struct ih_cursor *q, uint8_t proto, bool v6, struct ih_quoted *qt)
{
	if (proto == IH_PROTO_TCP || proto == IH_PROTO_UDP) {
		uint16_t sport = ih_cur_be16(q);
		uint16_t dport = ih_cur_be16(q);
		if (q->err) {
			qt->truncated = true;
			return;
		}
		qt->sport = sport;
		qt->dport = dport;
	} else if (proto == (v6 ? IH_PROTO_ICMP6 : IH_PROTO_ICMP)) {
		if (!ih_cur_has(q, 1)) {
			qt->truncated = true;
			return;
		}
		qt->icmp_type = ih_cur_u8(q);
		(void)ih_cur_u8(q);   /* code */
		(void)ih_cur_be16(q); /* checksum */
		uint16_t id = ih_cur_be16(q);
		uint16_t seq = ih_cur_be16(q);
		if (q->err) {
			qt->truncated = true;
			return;
		}
		const struct icmp_kind *k = icmp_kind(v6, qt->icmp_type);
		if (k->flags & T_ECHO) {
			qt->has_echo = true;
			qt->icmp_id = id;
			qt->icmp_seq = (k->flags & T_EXT_SEQ) ? (uint16_t)(seq >> 8) : seq;
		}
	}
}

/* An IPv4 header inside an ICMPv4 error. q is bounded by the ICMP message, so nothing here
 * can read past it whatever the quoted header claims; a quote that ends early marks the quote
 * truncated and leaves the outer packet alone. */
static void decode_quote4(struct ih_cursor q, struct ih_quoted *qt)
{
	if (!ih_cur_has(&q, 1)) {
		qt->truncated = true;
		return;
	}
	uint8_t vhl = ih_cur_u8(&q);
	uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4u;
	if (vhl >> 4 != 4 || hlen < 20)
		return; /* not an IPv4 header: nothing quoted that we can use */
	(void)ih_cur_u8(&q);   /* TOS */
	(void)ih_cur_be16(&q); /* total length: not trusted (BSD stacks quote it altered) */
	(void)ih_cur_be16(&q); /* identification */
	uint16_t frag = ih_cur_be16(&q);
	uint8_t ttl = ih_cur_u8(&q);
	uint8_t proto = ih_cur_u8(&q);
	(void)ih_cur_be16(&q); /* checksum */
	const uint8_t *src = ih_cur_bytes(&q, 4);
	const uint8_t *dst = ih_cur_bytes(&q, 4);
	if (q.err) {
		qt->truncated = true;
		return;
	}
	qt->present = true;
	qt->ip_ver = 4;
	qt->ttl = ttl;
	qt->proto = proto;
	ih_addr_v4(&qt->src, src);
	ih_addr_v4(&qt->dst, dst);
	if (!ih_cur_skip(&q, hlen - 20)) {
		qt->truncated = true; /* the options (as IHL claims them) run past the quote */
		return;
	}
	if ((frag & 0x1fff) != 0)
		return; /* a non-first fragment has no transport header */
	decode_quote_l4(&q, proto, false, qt);
}

/* An IPv6 header inside an ICMPv6 error, with its extension headers. */
static void decode_quote6(struct ih_cursor q, struct ih_quoted *qt)
{
	if (!ih_cur_has(&q, 1)) {
		qt->truncated = true;
		return;
	}
	if (q.p[0] >> 4 != 6)
		return;
	(void)ih_cur_be32(&q);  /* version, class, flow */
	(void)ih_cur_be16(&q);  /* payload length */
	uint8_t nh = ih_cur_u8(&q);
	uint8_t hlim = ih_cur_u8(&q);
	const uint8_t *src = ih_cur_bytes(&q, 16);
	const uint8_t *dst = ih_cur_bytes(&q, 16);
	if (q.err) {
		qt->truncated = true;
		return;
	}
	qt->present = true;
	qt->ip_ver = 6;
	qt->ttl = hlim;
	ih_addr_v6(&qt->src, src);
	ih_addr_v6(&qt->dst, dst);
	for (unsigned n = 0;; n++) {
		qt->proto = nh;
		size_t size;
		if (ip6_is_generic_ext(nh) || nh == 51 || nh == 44) {
			if (n >= MAX_IP6_EXT)
				return;
			struct ih_cursor h = q;
			uint8_t next = ih_cur_u8(&h);
			uint8_t len = ih_cur_u8(&h);
			uint16_t offlg = ih_cur_be16(&h); /* meaningful for the fragment header */
			if (h.err) {
				qt->truncated = true;
				return;
			}
			if (nh == 44) {
				size = 8;
				if ((offlg & 0xfff8) != 0) {
					qt->proto = next;
					return; /* a non-first fragment: no transport header */
				}
			} else if (nh == 51) {
				size = ((size_t)len + 2) * 4;
				if (size < 12)
					return; /* malformed AH: stop */
			} else {
				size = ((size_t)len + 1) * 8;
			}
			if (!ih_cur_skip(&q, size)) {
				qt->truncated = true;
				return;
			}
			nh = next;
			continue;
		}
		break;
	}
	decode_quote_l4(&q, nh, true, qt);
}

/* ===================================================================================== */
/* ICMP and ICMPv6                                                                       */
/* ===================================================================================== */

/*  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Identifier / unused / pointer / MTU / gateway / length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data (errors: the offending datagram's IP header and more)   |
 *
 * Same first eight bytes for ICMPv4 and ICMPv6. c holds the captured message, bounded by the
 * IP payload length; wire is that length. */
static enum ih_dec_result decode_icmp(struct ih_cursor *c, uint32_t wire, bool v6,
				      struct ih_pkt *pkt)
{
	size_t have = ih_cur_left(c);
	uint8_t type = ih_cur_u8(c);
	uint8_t code = ih_cur_u8(c);
	(void)ih_cur_be16(c); /* checksum: not verified (a capture is evidence as it is) */
	uint32_t rest = ih_cur_be32(c);
	const struct icmp_kind *k = icmp_kind(v6, type);

	/* What was present is kept (has_icmp stays false) so that a counter of truncated
	 * messages can still say which type they were. */
	if (have >= 1) {
		pkt->icmp_type = type;
		pkt->icmp_class = (enum ih_icmp_class)k->cls;
	}
	if (have >= 2)
		pkt->icmp_code = code;
	if (c->err)
		return v6 ? IH_DEC_TRUNC_ICMP6 : IH_DEC_TRUNC_ICMP;

	pkt->has_icmp = true;
	pkt->icmp_odd = icmp_is_odd(v6, type, code);
	pkt->icmp_rest = rest;
	if (!v6 && type == 3 && code == 4)
		pkt->icmp_class = IH_ICMP_PKT_TOO_BIG; /* fragmentation needed: RFC 1191 PMTU */
	if (k->flags & T_ECHO) {
		pkt->has_echo_fields = true;
		pkt->icmp_id = (uint16_t)(rest >> 16);
		/* RFC 8335: 8-bit sequence number, then 7 reserved bits and the L bit */
		pkt->icmp_seq = (k->flags & T_EXT_SEQ) ? (uint16_t)(rest >> 8 & 0xff)
						       : (uint16_t)(rest & 0xffff);
	}
	pkt->payload = c->p;
	pkt->payload_len = cur_left32(c);
	pkt->payload_wire_len = wire >= 8 ? wire - 8 : 0;

	if (k->flags & T_QUOTE) {
		/* The quote is the rest of the message, narrower still when an RFC 4884 length
		 * says where the original datagram ends and the extension objects begin (only a
		 * length of at least 128 bytes is believed: older stacks leave junk there). */
		struct ih_cursor q = *c;
		if (k->flags & T_RFC4884) {
			size_t words = v6 ? rest >> 24 : (rest >> 16 & 0xff);
			size_t qlen = words * (v6 ? 8u : 4u);
			if (qlen >= RFC4884_MIN)
				q = ih_cur_sub(c, qlen);
		}
		if (v6)
			decode_quote6(q, &pkt->quoted);
		else
			decode_quote4(q, &pkt->quoted);
	}
	return IH_DEC_OK;
}

/* The upper layer, once the IP headers are behind. ICMP is decoded only in its own family
 * (protocol 1 over IPv4, 58 over IPv6); the other pairing is left as an opaque protocol. */
static enum ih_dec_result decode_l4(struct ih_cursor *c, uint32_t wire, struct ih_pkt *pkt)
{
	switch (pkt->proto) {
	case IH_PROTO_ICMP:
		return pkt->ip_ver == 4 ? decode_icmp(c, wire, false, pkt) : IH_DEC_OK;
	case IH_PROTO_ICMP6:
		return pkt->ip_ver == 6 ? decode_icmp(c, wire, true, pkt) : IH_DEC_OK;
	case IH_PROTO_TCP:
		return decode_tcp(c, wire, pkt);
	case IH_PROTO_UDP:
		return decode_udp(c, wire, pkt);
	default:
		return IH_DEC_OK;
	}
}

/* ===================================================================================== */
/* IPv6                                                                                  */
/* ===================================================================================== */

enum walk6_mode {
	WALK6_PACKET,      /* right after the fixed header of a packet */
	WALK6_REASSEMBLED, /* the fragmentable part of a reassembled datagram */
};

/* Walks the extension header chain and decodes the upper layer. c holds the captured bytes,
 * wire the bytes the payload length announces; hdr counts header bytes so far (for the
 * reassembler). Loop protection: at most MAX_IP6_EXT headers, each at least 8 bytes. */
static enum ih_dec_result walk6(struct ih_cursor *c, uint32_t wire, uint8_t nh, uint32_t hdr,
				enum walk6_mode mode, struct ih_pkt *pkt)
{
	bool seen_frag = false;
	for (unsigned n = 0;; n++) {
		pkt->proto = nh;
		bool generic = ip6_is_generic_ext(nh);
		if (!generic && nh != 44 && nh != 51)
			break;
		if (n >= MAX_IP6_EXT)
			return IH_DEC_BAD_IP6_EXT;
		/* Hop-by-hop is allowed only first (RFC 8200 4.1); a reassembled datagram has no
		 * unfragmentable part left and so no hop-by-hop and no second Fragment header. */
		if (nh == 0 && (n != 0 || mode != WALK6_PACKET))
			return IH_DEC_BAD_IP6_EXT;
		if (nh == 44 && (seen_frag || mode != WALK6_PACKET))
			return IH_DEC_BAD_IP6_EXT;

		/* Every extension header starts with next header and a length byte. */
		struct ih_cursor h = *c;
		uint8_t next = ih_cur_u8(&h);
		uint8_t len = ih_cur_u8(&h);
		if (h.err)
			return wire < 2 ? IH_DEC_BAD_IP6_EXT : IH_DEC_TRUNC_IP6_EXT;
		uint32_t size;
		if (nh == 44)
			size = 8;
		else if (nh == 51)
			size = ((uint32_t)len + 2) * 4; /* AH: 4-byte units, minus 2 */
		else
			size = ((uint32_t)len + 1) * 8;
		if (nh == 51 && size < 12)
			return IH_DEC_BAD_IP6_EXT; /* AH holds at least next, len, SPI, sequence */
		if (size > wire)
			return IH_DEC_BAD_IP6_EXT; /* past the payload length */

		if (nh == 44) {
			/*  Next Header | Reserved | Fragment Offset (13) |Res|M|
			 *  Identification (32)                                     */
			(void)ih_cur_be16(c);
			uint16_t offlg = ih_cur_be16(c);
			uint32_t id = ih_cur_be32(c);
			if (c->err)
				return IH_DEC_TRUNC_IP6_EXT;
			seen_frag = true;
			wire -= 8;
			hdr += 8;
			uint16_t off = offlg & 0xfff8;
			bool more = offlg & 1;
			if (off != 0 || more) {
				/* RFC 6946: an atomic fragment is a whole datagram; only the rest is */
				pkt->frag.is_frag = true;
				pkt->frag.more = more;
				pkt->frag.offset = off;
				pkt->frag.id = id;
				pkt->frag.data = c->p;
				pkt->frag.len = cur_left32(c);
				pkt->frag.next_header = next;
				pkt->frag.hdr_len = (uint16_t)min_u32(hdr, UINT16_MAX);
				pkt->frag.truncated = cur_left32(c) < wire;
				if (off != 0) {
					pkt->proto = next;
					return IH_DEC_SKIP_FRAGMENT;
				}
			}
			nh = next;
			continue;
		}
		if (!ih_cur_skip(c, size))
			return IH_DEC_TRUNC_IP6_EXT;
		wire -= size;
		hdr += size;
		nh = next;
	}

	switch (nh) {
	case 50: /* ESP: the rest is encrypted */
	case 59: /* no next header */
		return IH_DEC_OK;
	default:
		return decode_l4(c, wire, pkt);
	}
}

/*  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Source Address (128 bits)                     |
 * |              Destination Address (128 bits)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * wire_left: bytes from here to the end of the frame on the wire. */
static enum ih_dec_result decode_ip6(struct ih_cursor *c, uint32_t wire_left, struct ih_pkt *pkt)
{
	if (!ih_cur_has(c, 1))
		return IH_DEC_TRUNC_IP6;
	if (c->p[0] >> 4 != 6)
		return IH_DEC_BAD_IP_VERSION;
	(void)ih_cur_be32(c);
	uint16_t plen = ih_cur_be16(c);
	uint8_t nh = ih_cur_u8(c);
	uint8_t hlim = ih_cur_u8(c);
	const uint8_t *src = ih_cur_bytes(c, 16);
	const uint8_t *dst = ih_cur_bytes(c, 16);
	if (c->err)
		return IH_DEC_TRUNC_IP6;
	pkt->ip_ver = 6;
	ih_addr_v6(&pkt->src, src);
	ih_addr_v6(&pkt->dst, dst);
	pkt->proto = nh;
	pkt->ttl = hlim;

	uint32_t len = plen;
	if (plen == 0 && nh == 0) {
		/* A jumbogram (RFC 2675) or a TSO send: the payload is what the frame holds. */
		len = wire_left - 40; /* wire_left >= 40 + captured: see ih_decode */
	}
	pkt->ip_len = len > UINT32_MAX - 40 ? UINT32_MAX : len + 40;
	struct ih_cursor pl = ih_cur_sub(c, len);
	return walk6(&pl, len, nh, 40, WALK6_PACKET, pkt);
}

/* ===================================================================================== */
/* IPv4                                                                                  */
/* ===================================================================================== */

/*  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options (IHL > 5)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ */
static enum ih_dec_result decode_ip4(struct ih_cursor *c, uint32_t wire_left, struct ih_pkt *pkt)
{
	if (!ih_cur_has(c, 1))
		return IH_DEC_TRUNC_IP4;
	uint8_t vhl = ih_cur_u8(c);
	if (vhl >> 4 != 4)
		return IH_DEC_BAD_IP_VERSION;
	uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4u;
	if (hlen < 20)
		return IH_DEC_BAD_IP4_HLEN;
	(void)ih_cur_u8(c); /* TOS */
	uint32_t len = ih_cur_be16(c);
	uint16_t id = ih_cur_be16(c);
	uint16_t frag = ih_cur_be16(c);
	uint8_t ttl = ih_cur_u8(c);
	uint8_t proto = ih_cur_u8(c);
	(void)ih_cur_be16(c); /* checksum */
	const uint8_t *src = ih_cur_bytes(c, 4);
	const uint8_t *dst = ih_cur_bytes(c, 4);
	if (c->err)
		return IH_DEC_TRUNC_IP4;
	if (len == 0) {
		/* TSO: the NIC will cut and fill in lengths; the frame holds the datagram. */
		len = wire_left; /* at least what was captured: see ih_decode */
		if (len < hlen)
			return IH_DEC_TRUNC_IP4;
	} else if (len < hlen) {
		return IH_DEC_BAD_IP4_TOTLEN;
	}
	pkt->ip_ver = 4;
	ih_addr_v4(&pkt->src, src);
	ih_addr_v4(&pkt->dst, dst);
	pkt->proto = proto;
	pkt->ttl = ttl;
	pkt->ip_id = id;
	pkt->ip_len = len;
	pkt->df = (frag & 0x4000) != 0;
	if (!ih_cur_skip(c, hlen - 20))
		return IH_DEC_TRUNC_IP4; /* options, bounded by IHL */

	/* The payload: what the total length says, as far as it was captured (Ethernet padding
	 * beyond the total length is not payload). */
	uint32_t wire = len - hlen;
	struct ih_cursor pl = ih_cur_sub(c, wire);
	bool more = (frag & 0x2000) != 0;
	uint16_t off = (uint16_t)((frag & 0x1fff) * 8u);
	if (more || off != 0) {
		pkt->frag.is_frag = true;
		pkt->frag.more = more;
		pkt->frag.offset = off;
		pkt->frag.id = id;
		pkt->frag.data = pl.p;
		pkt->frag.len = cur_left32(&pl);
		pkt->frag.next_header = proto;
		pkt->frag.hdr_len = (uint16_t)hlen;
		pkt->frag.truncated = cur_left32(&pl) < wire;
		if (off != 0)
			return IH_DEC_SKIP_FRAGMENT;
	}
	return decode_l4(&pl, wire, pkt);
}

/* ===================================================================================== */
/* Link layers                                                                           */
/* ===================================================================================== */

/* Follows an EtherType (or an 802.3 length) through VLAN tags, PPPoE sessions, MACsec
 * (integrity only) and LLC/SNAP to IPv4 or IPv6. At most MAX_LINK_TAGS encapsulations, so that a frame of tags cannot keep
 * us looping. */
static enum ih_dec_result ethertype_to_net(struct ih_cursor *c, uint16_t type, enum net *net)
{
	for (unsigned n = 0;; n++) {
		switch (type) {
		case 0x0800:
			*net = NET_IP4;
			return IH_DEC_OK;
		case 0x86dd:
			*net = NET_IP6;
			return IH_DEC_OK;
		case 0x0806:
			*net = NET_ARP;
			return IH_DEC_OK;
		case 0x8100: /* 802.1Q */
		case 0x88a8: /* 802.1ad */
		case 0x9100: /* pre-standard QinQ */
		case 0x9200:
		case 0x8864: /* PPPoE session */
		case 0x88e5: /* MACsec */
			break;
		default:
			if (type > 1500)
				return IH_DEC_SKIP_NOT_IP;
			break; /* an 802.3 length: LLC follows */
		}
		if (n >= MAX_LINK_TAGS)
			return IH_DEC_BAD_LINK;
		if (type == 0x8864) {
			/* ver/type, code, session id, length, then the PPP protocol */
			uint8_t vt = ih_cur_u8(c);
			uint8_t code = ih_cur_u8(c);
			(void)ih_cur_be16(c);
			(void)ih_cur_be16(c);
			uint16_t ppp = ih_cur_be16(c);
			if (c->err)
				return IH_DEC_TRUNC_LINK;
			if (vt != 0x11 || code != 0)
				return IH_DEC_BAD_LINK;
			if (ppp == 0x0021)
				type = 0x0800;
			else if (ppp == 0x0057)
				type = 0x86dd;
			else
				return IH_DEC_SKIP_NOT_IP;
		} else if (type == 0x88e5) {
			/* 802.1AE SecTAG: TCI/AN, short length, packet number, SCI if the SC bit
			 * is set; then the EtherType, unless the data is encrypted or changed
			 * (E or C bit). The ICV at the end lies past the IP length. */
			uint8_t tci = ih_cur_u8(c);
			(void)ih_cur_u8(c);
			(void)ih_cur_be32(c);
			if (tci & 0x20)
				(void)ih_cur_skip(c, 8);
			if (c->err)
				return IH_DEC_TRUNC_LINK;
			if (tci & 0x0c)
				return IH_DEC_SKIP_NOT_IP;
			type = ih_cur_be16(c);
			if (c->err)
				return IH_DEC_TRUNC_LINK;
		} else if (type <= 1500) {
			/* 802.2 LLC; only SNAP (AA AA 03, OUI 0) carries an EtherType */
			uint8_t dsap = ih_cur_u8(c);
			uint8_t ssap = ih_cur_u8(c);
			uint8_t ctl = ih_cur_u8(c);
			if (c->err)
				return IH_DEC_TRUNC_LINK;
			if (dsap != 0xaa || ssap != 0xaa || ctl != 0x03)
				return IH_DEC_SKIP_NOT_IP;
			const uint8_t *oui = ih_cur_bytes(c, 3);
			type = ih_cur_be16(c);
			if (c->err)
				return IH_DEC_TRUNC_LINK;
			if (oui[0] != 0 || oui[1] != 0 || oui[2] != 0)
				return IH_DEC_SKIP_NOT_IP;
		} else {
			(void)ih_cur_be16(c); /* tag control information */
			type = ih_cur_be16(c);
			if (c->err)
				return IH_DEC_TRUNC_LINK;
		}
	}
}

/* ARP (RFC 826) for IPv4 over Ethernet: the sender's hardware and protocol addresses, which
 * tie a MAC to an IP address (how a flood of spoofed sources is traced to its real sender).
 * Still a "not IP" outcome; pkt->has_arp says the fields are valid. */
static enum ih_dec_result decode_arp(struct ih_cursor *c, struct ih_pkt *pkt)
{
	uint16_t htype = ih_cur_be16(c);
	uint16_t ptype = ih_cur_be16(c);
	uint8_t hlen = ih_cur_u8(c);
	uint8_t plen = ih_cur_u8(c);
	uint16_t op = ih_cur_be16(c);
	const uint8_t *sha = ih_cur_bytes(c, 6);
	const uint8_t *spa = ih_cur_bytes(c, 4);
	if (c->err || htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4)
		return IH_DEC_SKIP_NOT_IP;
	pkt->has_arp = true;
	pkt->arp_op = op;
	memcpy(pkt->arp_sha, sha, 6);
	ih_addr_v4(&pkt->arp_spa, spa);
	return IH_DEC_SKIP_NOT_IP;
}

/* BSD AF values for IP in DLT_NULL / DLT_LOOP headers: 2 everywhere, IPv6 differs by OS
 * (24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin). */
static bool af_to_net(uint32_t af, enum net *net)
{
	switch (af) {
	case 2:
		*net = NET_IP4;
		return true;
	case 24:
	case 28:
	case 30:
		*net = NET_IP6;
		return true;
	default:
		return false;
	}
}

enum { ARPHRD_NETLINK = 824 };

static enum ih_dec_result decode_link(int linktype, struct ih_cursor *c, struct ih_pkt *pkt,
				      enum net *net)
{
	switch (linktype) {
	case IH_LINK_EN10MB: {
		/* destination, source, EtherType */
		(void)ih_cur_skip(c, 6);
		const uint8_t *mac = ih_cur_bytes(c, 6);
		uint16_t type = ih_cur_be16(c);
		if (c->err)
			return IH_DEC_TRUNC_LINK;
		memcpy(pkt->src_mac, mac, 6);
		pkt->has_mac = true;
		return ethertype_to_net(c, type, net);
	}
	case IH_LINK_SLL:
	case IH_LINK_SLL2: {
		/* v1 (16 bytes): packet type, ARPHRD, address length, address (8), protocol.
		 * v2 (20 bytes): protocol, reserved, ifindex, ARPHRD, packet type, address
		 * length, address (8). */
		uint16_t proto = 0, arphrd, halen;
		if (linktype == IH_LINK_SLL) {
			(void)ih_cur_be16(c);
			arphrd = ih_cur_be16(c);
			halen = ih_cur_be16(c);
		} else {
			proto = ih_cur_be16(c);
			(void)ih_cur_be16(c);
			(void)ih_cur_be32(c);
			arphrd = ih_cur_be16(c);
			(void)ih_cur_u8(c);
			halen = ih_cur_u8(c);
		}
		const uint8_t *addr = ih_cur_bytes(c, 8);
		if (linktype == IH_LINK_SLL)
			proto = ih_cur_be16(c);
		if (c->err)
			return IH_DEC_TRUNC_LINK;
		if (halen == 6) {
			memcpy(pkt->src_mac, addr, 6);
			pkt->has_mac = true;
		}
		if (arphrd == ARPHRD_NETLINK)
			return IH_DEC_SKIP_NOT_IP; /* protocol is a netlink family there */
		return ethertype_to_net(c, proto, net);
	}
	case IH_LINK_NULL: {
		/* The AF in the capturing host's byte order, which the file does not record. */
		if (!ih_cur_has(c, 4))
			return IH_DEC_TRUNC_LINK;
		struct ih_cursor be = *c;
		uint32_t af_le = ih_cur_le32(c);
		uint32_t af_be = ih_cur_be32(&be);
		if (!af_to_net(af_le, net) && !af_to_net(af_be, net))
			return IH_DEC_SKIP_NOT_IP;
		return IH_DEC_OK;
	}
	case IH_LINK_LOOP: {
		uint32_t af = ih_cur_be32(c);
		if (c->err)
			return IH_DEC_TRUNC_LINK;
		if (!af_to_net(af, net))
			return IH_DEC_SKIP_NOT_IP;
		return IH_DEC_OK;
	}
	case IH_LINK_RAW:
	case IH_LINK_DLT_RAW1:
	case IH_LINK_DLT_RAW2:
	case IH_LINK_IPV4:
	case IH_LINK_IPV6:
		/* The version nibble decides, even for LINKTYPE_IPV4/IPV6. */
		if (!ih_cur_has(c, 1))
			return IH_DEC_TRUNC_LINK;
		*net = NET_ANY;
		return IH_DEC_OK;
	default:
		/* The source refuses such files; a caller passing one is told, not ignored. */
		return IH_DEC_BAD_LINK;
	}
}

/* ===================================================================================== */
/* Entry points                                                                          */
/* ===================================================================================== */

/* Clears a view with 16-byte stores. GCC compiles a memset of a fixed size this large into
 * `rep stos` on x86-64 (and a plain loop of stores into the same memset, unless something else
 * in the loop has an effect: the empty asm). On the capture reader's thread the view is
 * written into lines it flushed a ring before (source/pcap_source.c), which the clear is the
 * first to touch; there `rep stos` was 40-46 % of ih_decode's time, and the 10M-source flood
 * took 0.92 times as long with separate stores (12 paired runs, quartiles 0.90-0.96), as if
 * the stores waited on those lines together and `rep stos` on each in turn. Made of every
 * fixed-size memset in the program instead (-mmemset-strategy), the mixed capture took 1.16
 * times as long (docs/PERFORMANCE.md). */
typedef unsigned char clear16 __attribute__((vector_size(16), may_alias, aligned(8)));
static inline void clear_view(struct ih_pkt *pkt)
{
	_Static_assert(sizeof(*pkt) % 8 == 0 && _Alignof(struct ih_pkt) >= 8, "8-byte pieces");
	unsigned char *c = (unsigned char *)pkt;
	size_t i = 0;
	for (; i + 16 <= sizeof(*pkt); i += 16) {
		*(clear16 *)(c + i) = (clear16){ 0 };
		__asm__("" : : "r"(c + i)); /* keeps the loop a loop, not a memset */
	}
	if (i < sizeof(*pkt))
		memset(c + i, 0, 8);
}

enum ih_dec_result ih_decode(int linktype, const uint8_t *frame, uint32_t cap_len,
			     uint32_t wire_len, uint64_t ts_ns, struct ih_pkt *pkt /* OUT */)
{
	static const uint8_t empty[1];

	clear_view(pkt);
	pkt->ts_ns = ts_ns;
	pkt->wire_len = wire_len;
	pkt->cap_len = cap_len;
	pkt->icmp_class = IH_ICMP_OTHER;
	if (frame == NULL) {
		frame = empty;
		cap_len = 0;
	}

	struct ih_cursor c;
	ih_cur_init(&c, frame, cap_len);
	enum net net = NET_ANY;
	enum ih_dec_result r = decode_link(linktype, &c, pkt, &net);
	if (r != IH_DEC_OK)
		return r;

	if (net == NET_ARP)
		return decode_arp(&c, pkt);
	uint32_t off = (uint32_t)(c.p - frame);
	uint32_t wire_left = wire_len > off ? wire_len - off : 0;
	if (wire_left < cur_left32(&c))
		wire_left = cur_left32(&c);
	if (net == NET_ANY)
		net = c.p[0] >> 4 == 6 ? NET_IP6 : NET_IP4;
	return net == NET_IP6 ? decode_ip6(&c, wire_left, pkt) : decode_ip4(&c, wire_left, pkt);
}

enum ih_dec_result ih_decode_l4(const uint8_t *p, uint32_t len, uint32_t wire_len,
				struct ih_pkt *pkt /* IN/OUT */)
{
	static const uint8_t empty[1];

	if (p == NULL) {
		p = empty;
		len = 0;
	}
	reset_l4(pkt);
	struct ih_cursor whole, c;
	ih_cur_init(&whole, p, len);
	c = ih_cur_sub(&whole, wire_len); /* never more than the wire length */
	if (pkt->ip_ver == 6)
		return walk6(&c, wire_len, pkt->proto, 0, WALK6_REASSEMBLED, pkt);
	return decode_l4(&c, wire_len, pkt);
}

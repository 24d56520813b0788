/* decode.h — a frame in, a packet view out.
 *
 * ih_decode() is a pure function: no allocation, no globals, every read bounds-checked
 * through a cursor (core/cursor.h). The view points into the caller's frame buffer and is
 * valid only as long as that buffer is.
 *
 * Outcomes are of three kinds: decoded (IH_DEC_OK: an IP packet; `proto` says what it carries),
 * not for us (IH_DEC_SKIP_*: ARP, LLDP, another ethertype — counted, not an error), and broken
 * (IH_DEC_TRUNC_* when the bytes end before a header does, IH_DEC_BAD_* when a field is
 * impossible). Truncated and malformed are different outcomes so that a short snaplen is
 * never mistaken for an attack. */
#ifndef IH_DECODE_H
#define IH_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"

/* Link types we read (values are libpcap's LINKTYPE_ / DLT_ numbers as found in files). */
enum ih_link {
	IH_LINK_NULL = 0,     /* BSD loopback, host-endian AF */
	IH_LINK_EN10MB = 1,   /* Ethernet, 802.1Q / QinQ */
	IH_LINK_RAW = 101,    /* LINKTYPE_RAW: raw IPv4 or IPv6 */
	IH_LINK_LOOP = 108,   /* OpenBSD loopback, network-endian AF */
	IH_LINK_SLL = 113,    /* Linux cooked v1 */
	IH_LINK_IPV4 = 228,
	IH_LINK_IPV6 = 229,
	IH_LINK_SLL2 = 276,   /* Linux cooked v2 */
	IH_LINK_DLT_RAW1 = 12,/* DLT_RAW on most BSDs / libpcap DLT value */
	IH_LINK_DLT_RAW2 = 14,/* DLT_RAW on OpenBSD */
};

/* Is a link type one ih_decode understands? */
bool ih_link_supported(int linktype);
const char *ih_link_name(int linktype);

#define IH_DEC_RESULTS(X)                                                                        \
	X(OK, "ok")                                                                              \
	X(SKIP_NOT_IP, "not IP (ARP, LLDP, other ethertype)")                                    \
	X(SKIP_FRAGMENT, "non-first IP fragment (held for reassembly)")                          \
	X(TRUNC_LINK, "truncated link-layer header")                                             \
	X(TRUNC_IP4, "truncated IPv4 header")                                                    \
	X(TRUNC_IP6, "truncated IPv6 header")                                                    \
	X(TRUNC_IP6_EXT, "truncated IPv6 extension header")                                      \
	X(TRUNC_ICMP, "truncated ICMP header")                                                   \
	X(TRUNC_ICMP6, "truncated ICMPv6 header")                                                \
	X(TRUNC_TCP, "truncated TCP header")                                                     \
	X(TRUNC_UDP, "truncated UDP header")                                                     \
	X(BAD_LINK, "malformed link-layer header")                                               \
	X(BAD_IP_VERSION, "IP version field is neither 4 nor 6")                                 \
	X(BAD_IP4_HLEN, "IPv4 header length below 20 bytes")                                     \
	X(BAD_IP4_TOTLEN, "IPv4 total length shorter than its header")                           \
	X(BAD_IP6_EXT, "malformed IPv6 extension header")                                        \
	/* BAD_ICMP_TYPE is kept for the numbering; ih_decode never returns it: an ICMP      \
	 * message with an undefined type or code decodes (class OTHER) with pkt->icmp_odd. */ \
	X(BAD_ICMP_TYPE, "ICMP type or code out of the defined range")                           \
	X(BAD_TCP_HLEN, "TCP data offset below 20 bytes")

enum ih_dec_result {
#define IH_X(name, text) IH_DEC_##name,
	IH_DEC_RESULTS(IH_X)
#undef IH_X
	IH_DEC_NRESULTS
};

const char *ih_dec_result_name(enum ih_dec_result r); /* "trunc_ip4" */
const char *ih_dec_result_text(enum ih_dec_result r); /* "truncated IPv4 header" */
static inline bool ih_dec_is_error(enum ih_dec_result r)
{
	return r >= IH_DEC_TRUNC_LINK;
}

enum { IH_PROTO_ICMP = 1, IH_PROTO_TCP = 6, IH_PROTO_UDP = 17, IH_PROTO_ICMP6 = 58 };

/* ICMP message classes, for both families, so detectors do not care about v4 vs v6 numbers.
 * Where the families differ: ICMPv4 3/4 (fragmentation needed) is PKT_TOO_BIG like ICMPv6 2;
 * ICMPv6 node information query/response (139/140) are INFO_REQ/INFO_REP; ICMPv6 redirect
 * (137) is REDIRECT but quotes no header at a fixed place (quoted.present stays false);
 * ICMPv4 6 (alternate host address, deprecated, no defined format) is OTHER. */
enum ih_icmp_class {
	IH_ICMP_OTHER = 0,
	IH_ICMP_ECHO_REQ,
	IH_ICMP_ECHO_REP,
	IH_ICMP_TSTAMP_REQ,
	IH_ICMP_TSTAMP_REP,
	IH_ICMP_MASK_REQ,
	IH_ICMP_MASK_REP,
	IH_ICMP_INFO_REQ,
	IH_ICMP_INFO_REP,
	IH_ICMP_UNREACH,
	IH_ICMP_TIME_EXCEEDED,
	IH_ICMP_PARAM_PROBLEM,
	IH_ICMP_REDIRECT,
	IH_ICMP_SOURCE_QUENCH,
	IH_ICMP_PKT_TOO_BIG,
	IH_ICMP_ROUTER_SOL,
	IH_ICMP_ROUTER_ADV,
	IH_ICMP_NEIGH_SOL,
	IH_ICMP_NEIGH_ADV,
	IH_ICMP_MLD,           /* multicast listener query/report/done, v1 and v2 */
	IH_ICMP_EXT_ECHO_REQ,  /* RFC 8335 PROBE */
	IH_ICMP_EXT_ECHO_REP,
	IH_ICMP_NCLASSES
};

/* Is the class a request that solicits an answer from the destination (a probe)? */
static inline bool ih_icmp_is_probe(enum ih_icmp_class c)
{
	return c == IH_ICMP_ECHO_REQ || c == IH_ICMP_TSTAMP_REQ || c == IH_ICMP_MASK_REQ ||
	       c == IH_ICMP_INFO_REQ || c == IH_ICMP_EXT_ECHO_REQ;
}
static inline bool ih_icmp_is_answer(enum ih_icmp_class c)
{
	return c == IH_ICMP_ECHO_REP || c == IH_ICMP_TSTAMP_REP || c == IH_ICMP_MASK_REP ||
	       c == IH_ICMP_INFO_REP || c == IH_ICMP_EXT_ECHO_REP;
}
static inline bool ih_icmp_is_error(enum ih_icmp_class c)
{
	return c == IH_ICMP_UNREACH || c == IH_ICMP_TIME_EXCEEDED || c == IH_ICMP_PARAM_PROBLEM ||
	       c == IH_ICMP_REDIRECT || c == IH_ICMP_SOURCE_QUENCH || c == IH_ICMP_PKT_TOO_BIG;
}

/* The IP header (and the start of its payload) quoted inside an ICMP error. */
struct ih_quoted {
	bool present;        /* an IP header could be decoded inside the error */
	bool truncated;      /* the quote ended before its transport header did */
	uint8_t ip_ver;
	uint8_t proto;
	uint8_t ttl;
	struct ih_addr src, dst;
	uint16_t sport, dport; /* TCP/UDP */
	uint8_t icmp_type;     /* when the quoted packet is ICMP */
	uint16_t icmp_id, icmp_seq;
	bool has_echo;         /* icmp_id/icmp_seq are meaningful */
};

/* What IPv4 / IPv6 fragmentation says about this packet. */
struct ih_frag {
	bool is_frag;     /* MF set or offset != 0 (v4), or a Fragment extension header (v6)
			   * other than an atomic one (offset 0, M clear: RFC 6946 says to
			   * process it on its own, so it decodes as a whole datagram) */
	bool more;        /* more fragments follow */
	uint16_t offset;  /* in bytes */
	uint32_t id;      /* IPv4 identification or IPv6 fragment id */
	const uint8_t *data; /* the fragment's payload (after all IP headers) */
	uint32_t len;     /* its length, bounded by what was captured */
	/* Added by decode: what the reassembler needs besides the bytes. */
	uint8_t next_header; /* v4: the IP protocol; v6: the Fragment header's Next Header */
	uint16_t hdr_len;    /* bytes of IP header before data (v6: up to and including the
			      * Fragment header) */
	bool truncated;      /* the capture holds less than the fragment's length (snaplen):
			      * it cannot be reassembled */
};

struct ih_pkt {
	/* Laid out in the order a packet is tracked: what every ICMP packet's tracking reads
	 * (addresses, the ICMP header, the payload's extent and facts, the fragment flag) fills
	 * the first three cache lines; ARP, the quoted header of errors and TCP/UDP ports come
	 * after. The view crosses from the reader's core to the analysing one (cli/pipeline.c). */
	uint64_t ts_ns;          /* packet time, ns since the epoch */
	uint32_t wire_len;       /* original frame length */
	uint32_t cap_len;        /* captured length */
	struct ih_addr src, dst;
	uint8_t ip_ver;          /* 4 or 6 */
	uint8_t proto;           /* upper-layer protocol after extension headers */
	uint8_t ttl;             /* TTL or hop limit */
	bool df;                 /* IPv4 don't-fragment bit */
	bool reassembled;        /* the view is of a datagram rebuilt from fragments */

	/* ICMP / ICMPv6 (proto 1 / 58), valid when has_icmp */
	bool has_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;  /* echo, timestamp, mask, info, ext-echo */
	bool has_echo_fields;
	bool icmp_odd;               /* type or code outside the defined ranges */
	enum ih_icmp_class icmp_class;
	uint32_t ip_len;             /* IP total length as the header says it */
	const uint8_t *payload;      /* ICMP data after the 8-byte header (captured part) */
	uint32_t payload_len;        /* captured payload length */
	uint32_t payload_wire_len;   /* payload length as the IP header says it */
	uint8_t src_mac[6];          /* Ethernet / SLL source hardware address, if any */
	bool has_mac;

	/* Views made from a flow record (Zeek conn.log, src/source/zeek_conn.c), not a frame:
	 * payload_len is 0 (no bytes were kept), payload_wire_len the flow's mean, the template is
	 * unknown; flow_start marks the first view of its flow (timing is known for flow starts
	 * only: the tracker's request series takes those). ih_decode leaves both false. */
	bool from_flow;
	bool flow_start;

	/* What the tracker reads of the payload, worked out ahead by ih_payload_facts
	 * (track/track.h) on the capture reader's thread; ih_decode leaves valid false, and the
	 * tracker then works it out itself. */
	struct {
		bool valid;
		uint8_t tpl;             /* enum ih_tpl (echo request, reply, other; else none) */
		uint8_t pclass;          /* enum ih_pclass, when tpl is none */
		uint8_t pat_len;         /* the fill pattern's length in bytes (1-16) */
		uint32_t hash;           /* ih_payload_hash of the captured payload (requests and
					  * answers only: 0 for the rest) */
		double entropy;          /* when tpl is none (else -1) */
		uint32_t pat_hash;       /* when tpl is IH_TPL_IPUTILS_PATTERN: fingerprint of the
					  * fill pattern (never 0; 0 otherwise) */
		/* The tracker's hashes of the keys this packet is looked up by, worked out ahead
		 * by ih_track_key_hashes (track/track.h); ih_decode leaves keyed false. */
		bool keyed;
		uint64_t host_hash;      /* of the client's host record */
		uint64_t pair_hash;      /* ... of its pair record (0: it has none) */
	} facts;

	struct ih_frag frag;
	uint16_t ip_id;          /* IPv4 identification (0 for v6) */
	uint32_t icmp_rest;      /* the ICMP header's second word as sent: next-hop MTU (v4 3/4,
				  * v6 2), gateway (v4 redirect), pointer (param) */
	struct ih_quoted quoted; /* for errors */

	/* TCP / UDP, valid when has_ports */
	bool has_ports;
	uint16_t sport, dport;
	uint8_t tcp_flags;           /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint32_t l4_payload_len;

	/* ARP over Ethernet (outcome IH_DEC_SKIP_NOT_IP): the sender's MAC and IPv4 address */
	bool has_arp;
	uint16_t arp_op;
	uint8_t arp_sha[6];
	struct ih_addr arp_spa;
};

enum { IH_TCP_FIN = 0x01, IH_TCP_SYN = 0x02, IH_TCP_RST = 0x04, IH_TCP_ACK = 0x10 };

/* Decodes one frame of the given link type. `pkt` is fully initialised on every outcome;
 * on IH_DEC_OK its IP fields are valid. A non-first fragment returns IH_DEC_SKIP_FRAGMENT
 * with pkt->frag filled so that the caller can hand it to the reassembler; a first fragment
 * of ICMP decodes as far as the bytes go and also has pkt->frag filled.
 *
 * A caller that reassembles offers every packet with frag.is_frag to ih_reasm_offer (first
 * fragments too) and, when one completes, uses the reassembled view (pkt->reassembled) as the
 * whole datagram; the first fragment's own IH_DEC_OK view is then only a preview of it.
 * IPv4 total length 0 is taken as a TSO send (as tcpdump does): the length is what the frame
 * holds, and ip_len says that length. */
enum ih_dec_result ih_decode(int linktype, const uint8_t *frame, uint32_t cap_len,
			     uint32_t wire_len, uint64_t ts_ns, struct ih_pkt *pkt /* OUT */);

/* Decodes an upper-layer payload (ICMP, ICMPv6, TCP, UDP) into pkt, given pkt's IP fields.
 * Used by the reassembler on a reassembled datagram. For IPv6, pkt->proto may name an
 * extension header (the Fragment header's Next Header): the chain is walked first; a
 * hop-by-hop or Fragment header there is IH_DEC_BAD_IP6_EXT. The L4 fields of pkt are reset
 * first; len is the captured length, wire_len the length the datagram announces. */
enum ih_dec_result ih_decode_l4(const uint8_t *p, uint32_t len, uint32_t wire_len,
				struct ih_pkt *pkt /* IN/OUT */);

/* Names for ICMP types and codes ("echo-request", "port-unreachable"); never NULL. */
const char *ih_icmp_type_name(uint8_t ip_ver, uint8_t type);
const char *ih_icmp_code_name(uint8_t ip_ver, uint8_t type, uint8_t code);
const char *ih_icmp_class_name(enum ih_icmp_class c);

#endif

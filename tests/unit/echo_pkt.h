/* echo_pkt.h — the decoded view of an IPv4 ICMP echo request or reply with ping's 56-byte
 * payload (or another), as the decoder would give it, for unit tests that feed the tracker or a detector. */
#ifndef IH_TEST_ECHO_PKT_H
#define IH_TEST_ECHO_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "decode/decode.h"

/* An IP packet from src to dst at ts (its version from the addresses), ip_len bytes long on
 * Ethernet, with nothing above IP yet. */
static inline struct ih_pkt ih_test_ip(const char *src, const char *dst, uint64_t ts, uint32_t ip_len)
{
	struct ih_pkt p;
	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	assert_true(ih_addr_parse(src, &p.src));
	assert_true(ih_addr_parse(dst, &p.dst));
	p.ip_ver = p.src.family == IH_AF_INET ? 4 : 6;
	p.ttl = 64;
	p.ip_len = ip_len;
	p.wire_len = 14 + ip_len;
	return p;
}

/* An ICMP or ICMPv6 message of class cls and type with echo id and seq and a payload of len
 * bytes (ip_len and wire_len follow from it). */
static inline struct ih_pkt ih_test_icmp(const char *src, const char *dst, enum ih_icmp_class cls, uint8_t type,
					 uint16_t id, uint16_t seq, uint64_t ts, const uint8_t *payload,
					 uint32_t len)
{
	struct ih_pkt p = ih_test_ip(src, dst, ts, 28 + len);
	p.proto = p.ip_ver == 4 ? IH_PROTO_ICMP : IH_PROTO_ICMP6;
	p.has_icmp = true;
	p.icmp_class = cls;
	p.icmp_type = type;
	p.icmp_id = id;
	p.icmp_seq = seq;
	p.has_echo_fields = true;
	p.payload = payload;
	p.payload_len = p.payload_wire_len = len;
	return p;
}

/* An echo request or reply with a payload of len bytes. */
static inline struct ih_pkt ih_test_echo_with(const char *src, const char *dst, bool reply, uint16_t id,
					      uint16_t seq, uint64_t ts, const uint8_t *payload, uint32_t len)
{
	return ih_test_icmp(src, dst, reply ? IH_ICMP_ECHO_REP : IH_ICMP_ECHO_REQ, reply ? 0 : 8, id, seq, ts,
			    payload, len);
}

/* With ping's 56 zero bytes. */
static inline struct ih_pkt ih_test_echo(const char *src, const char *dst, bool reply, uint16_t id,
					 uint16_t seq, uint64_t ts)
{
	static const uint8_t payload[56];
	return ih_test_echo_with(src, dst, reply, id, seq, ts, payload, sizeof(payload));
}

#endif

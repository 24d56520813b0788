/* echo_pkt.h — the decoded view of an IPv4 ICMP echo request or reply with ping's 56-byte
 * payload (or another), as the decoder would give it, for unit tests that feed the tracker or a detector. */
#ifndef IH_TEST_ECHO_PKT_H
#define IH_TEST_ECHO_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "decode/decode.h"

/* With a payload of len bytes (ip_len and wire_len follow from it). */
static inline struct ih_pkt ih_test_echo_with(const char *src, const char *dst, bool reply, uint16_t id,
					      uint16_t seq, uint64_t ts, const uint8_t *payload, uint32_t len)
{
	struct ih_pkt p;
	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.ip_ver = 4;
	assert_true(ih_addr_parse(src, &p.src));
	assert_true(ih_addr_parse(dst, &p.dst));
	p.proto = IH_PROTO_ICMP;
	p.ttl = 64;
	p.ip_len = 28 + len;
	p.wire_len = 42 + len;
	p.has_icmp = true;
	p.icmp_type = reply ? 0 : 8;
	p.icmp_class = reply ? IH_ICMP_ECHO_REP : IH_ICMP_ECHO_REQ;
	p.icmp_id = id;
	p.icmp_seq = seq;
	p.has_echo_fields = true;
	p.payload = payload;
	p.payload_len = p.payload_wire_len = len;
	return p;
}

/* With ping's 56 zero bytes. */
static inline struct ih_pkt ih_test_echo(const char *src, const char *dst, bool reply, uint16_t id,
					 uint16_t seq, uint64_t ts)
{
	static const uint8_t payload[56];
	return ih_test_echo_with(src, dst, reply, id, seq, ts, payload, sizeof(payload));
}

#endif

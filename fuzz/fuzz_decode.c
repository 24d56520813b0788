/* fuzz_decode.c — libFuzzer target for ih_decode, the reassembler, and the payload readers
 * (track/payload.h: templates, ping -p patterns, tunnel tool structures, entropy) on every
 * ICMP payload the decoder hands out.
 *
 * Input: one byte that picks the link type, then frames, each as a 2-byte big-endian captured
 * length, one byte `extra` (the wire length is the captured length plus 8 * extra, so short
 * snaplens are exercised) and the bytes; the last frame takes whatever remains. Every frame
 * is copied into a heap block of exactly its length, so that AddressSanitizer sees a read one
 * byte past it. Fragments go to a small reassembler made fresh for each input (so that a
 * crash reproduces from its input alone) with a short timeout; frames are 1 s apart.
 *
 * Besides "no crash", the view is checked against what decode.h promises: payload and
 * fragment data inside the frame, captured lengths within wire lengths, classes in range.
 *
 * Built with -DIH_FUZZER by fuzz/meson.build. Without it, this file has a main() that replays
 * inputs (files, or every file of the directories given), so that regression inputs run in a
 * plain build too: `fuzz_replay fuzz/regress/decode`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/reasm.h"
#include "track/payload.h"

#include "fuzz_check.h"

static const int links[] = {
	IH_LINK_EN10MB, IH_LINK_SLL, IH_LINK_SLL2, IH_LINK_RAW, IH_LINK_DLT_RAW1,
	IH_LINK_DLT_RAW2, IH_LINK_IPV4, IH_LINK_IPV6, IH_LINK_NULL, IH_LINK_LOOP,
	105, /* not supported: must be refused cleanly */
};

static bool inside(const uint8_t *p, uint32_t n, const uint8_t *buf, uint32_t len)
{
	if (n == 0)
		return true;
	return p >= buf && p <= buf + len && n <= (uint32_t)(buf + len - p);
}

static void check_l4(const struct ih_pkt *p, const uint8_t *buf, uint32_t len)
{
	CHECK(p->icmp_class < IH_ICMP_NCLASSES);
	CHECK(ih_icmp_class_name(p->icmp_class) != NULL);
	if (p->has_icmp) {
		CHECK(p->ip_ver == 4 || p->ip_ver == 6);
		CHECK(p->payload_len <= p->payload_wire_len);
		CHECK(inside(p->payload, p->payload_len, buf, len));
		CHECK(ih_icmp_type_name(p->ip_ver, p->icmp_type) != NULL);
		CHECK(ih_icmp_code_name(p->ip_ver, p->icmp_type, p->icmp_code) != NULL);
		if (p->quoted.present)
			CHECK(p->quoted.ip_ver == p->ip_ver);
		if (p->quoted.has_echo)
			CHECK(p->quoted.present);
	} else {
		CHECK(!p->quoted.present);
	}
}

/* The payload readers on an ICMP payload: results in range, the pattern inside its buffer. Each
 * reader is also run with the captured length cut short, as a small snaplen would leave it. */
static void check_payload(const struct ih_pkt *p)
{
	if (!p->has_icmp)
		return;
	for (int cut = 0; cut < 2; cut++) {
		uint32_t len = cut ? p->payload_len / 2 : p->payload_len;
		enum ih_tpl t = ih_payload_template(p->payload, len, p->payload_wire_len);
		CHECK((unsigned)t < IH_TPL_COUNT && ih_tpl_name(t) != NULL);
		uint8_t pat[16];
		uint32_t n = ih_payload_pattern(p->payload, len, p->payload_wire_len, pat);
		CHECK(n <= 16);
		CHECK(n == 0 || t == IH_TPL_IPUTILS_PATTERN);
		double e = ih_entropy(p->payload, len);
		CHECK(e >= 0.0 && e <= 8.0);
		(void)ih_payload_hash(p->payload, len);
		enum ih_tool tool = ih_payload_tool(p->payload, len, p->icmp_type, p->icmp_id, p->icmp_seq);
		CHECK(ih_tool_name(tool) != NULL);
	}
}

static void one_frame(int link, const uint8_t *data, uint32_t cap, uint32_t wire, uint64_t ts,
		      struct ih_reasm *r)
{
	uint8_t *buf = malloc(cap ? cap : 1);
	if (!buf)
		return;
	if (cap)
		memcpy(buf, data, cap);
	struct ih_pkt p;
	enum ih_dec_result res = ih_decode(link, buf, cap, wire, ts, &p);
	CHECK(res < IH_DEC_NRESULTS);
	CHECK(res != IH_DEC_BAD_ICMP_TYPE);
	CHECK(ih_dec_result_name(res) != NULL && ih_dec_result_text(res) != NULL);
	CHECK(p.ts_ns == ts && p.cap_len == cap && p.wire_len == wire);
	if (res == IH_DEC_OK) {
		CHECK(p.ip_ver == 4 || p.ip_ver == 6);
		check_l4(&p, buf, cap);
		check_payload(&p);
		if (p.has_ports)
			CHECK(!p.has_icmp);
	}
	if (res == IH_DEC_SKIP_FRAGMENT)
		CHECK(p.frag.is_frag && p.frag.offset != 0 && !p.has_icmp);
	if (p.frag.is_frag) {
		CHECK(inside(p.frag.data, p.frag.len, buf, cap));
		if (res == IH_DEC_OK || res == IH_DEC_SKIP_FRAGMENT) {
			struct ih_pkt out;
			enum ih_dec_result rres;
			if (ih_reasm_offer(r, &p, &out, &rres) == 1) {
				CHECK(out.reassembled && !out.frag.is_frag);
				CHECK(rres < IH_DEC_NRESULTS);
				CHECK(out.frag.len <= 65535);
				if (rres == IH_DEC_OK) {
					check_l4(&out, out.frag.data, out.frag.len);
					check_payload(&out);
				}
			}
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int link = links[data[0] % (sizeof links / sizeof links[0])];
	data++;
	size--;
	struct ih_reasm *r = ih_reasm_new(4, 16384, 5ull * 1000000000u, 1);
	if (!r)
		return 0;
	uint64_t ts = 1700000000ull * 1000000000u;
	while (size > 0) {
		uint32_t cap = (uint32_t)size, extra = 0;
		if (size >= 3) {
			uint32_t want = (uint32_t)data[0] << 8 | data[1];
			extra = data[2];
			data += 3;
			size -= 3;
			cap = want < size ? want : (uint32_t)size;
		} else {
			cap = (uint32_t)size;
		}
		one_frame(link, data, cap, cap + 8 * extra, ts, r);
		data += cap;
		size -= cap;
		ts += 1000000000u;
	}
	const struct ih_reasm_stats *st = ih_reasm_stats(r);
	CHECK(st->reassembled + st->bad + st->too_big + st->truncated <= st->fragments);
	ih_reasm_free(r);
	return 0;
}

#ifndef IH_FUZZER
/* Replay driver for a build without libFuzzer. */
#include "replay_main.h"
#endif

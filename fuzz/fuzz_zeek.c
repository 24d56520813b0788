/* fuzz_zeek.c — libFuzzer target for the Zeek conn.log reader (src/source/zeek_conn.c).
 *
 * Input: one byte of options (bit 0: a reorder window of 1 s instead of an hour, so that rows
 * go late; bits 1-2: views per flow capped at 1, 8, 64 or 512; bit 3: a heap of 4 pending
 * flows, so that the early-release path runs), then the bytes of a file, TSV or JSON lines
 * alike (the reader decides by content, as `analyze` does). Every view handed out is checked
 * against what zeek.h promises: from a flow, no payload bytes, an IP version and a protocol
 * that agree with the header that was synthesised, at most the cap per flow.
 *
 * Built with -DIH_FUZZER by fuzz/meson.build. Without it, replay_main.h's main() replays inputs
 * (files, or every file of the directories given): `fuzz_zeek fuzz/regress/zeek`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/zeek.h"

#include "fuzz_check.h"

struct seen {
	uint64_t views;
	uint32_t cap;
};

static void on_view(void *ctx, const struct ih_pkt *p, const char *file, uint64_t line)
{
	struct seen *s = ctx;
	s->views++;
	CHECK(file != NULL);
	CHECK(line >= 1);
	CHECK(p->from_flow);
	CHECK(p->payload_len == 0);
	CHECK(p->ip_ver == 4 || p->ip_ver == 6);
	CHECK(p->src.family == p->dst.family);
	CHECK(p->ip_len >= (p->ip_ver == 6 ? 40u : 20u) && p->ip_len <= 65535);
	if (p->has_icmp) {
		CHECK(p->proto == (p->ip_ver == 6 ? IH_PROTO_ICMP6 : IH_PROTO_ICMP));
		CHECK(p->icmp_class < IH_ICMP_NCLASSES);
	} else {
		CHECK(p->has_ports);
		CHECK(p->proto == IH_PROTO_TCP || p->proto == IH_PROTO_UDP);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const uint32_t caps[4] = { 1, 8, 64, 512 };
	uint8_t o = data[0];
	struct ih_zeek_opts opts = {
		.reorder_ns = (o & 1) ? 1000000000ull : 0,
		.max_views = caps[(o >> 1) & 3],
		.pending = (o & 8) ? 4 : 256,
		.max_errors = 0,
		.errf = NULL,
	};
	char err[512];
	struct ih_zeek *z = ih_zeek_open_mem("fuzz.log", data + 1, size - 1, &opts, err, sizeof(err));
	if (!z) {
		CHECK(err[0] != '\0');
		return 0;
	}
	struct seen s = { 0, opts.max_views };
	enum ih_source_status st = ih_zeek_run(z, on_view, &s, err, sizeof(err));
	CHECK(st == IH_SRC_OK || st == IH_SRC_READ_ERROR);
	/* each line holds one flow at most, and a flow makes at most 2 x cap views */
	json_t *stats = ih_zeek_stats(z);
	CHECK(stats != NULL);
	json_int_t lines = json_integer_value(json_object_get(stats, "lines"));
	json_int_t views = json_integer_value(json_object_get(stats, "views"));
	CHECK(views >= 0 && (uint64_t)views == s.views);
	CHECK(s.views <= (uint64_t)(lines + 1) * 2u * s.cap);
	json_decref(stats);
	ih_zeek_close(z);
	return 0;
}

#ifndef IH_FUZZER
#include "replay_main.h"
#endif

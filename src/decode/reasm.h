/* reasm.h — bounded IPv4/IPv6 fragment reassembly.
 *
 * A fixed number of slots, each with a fixed-size buffer, allocated once. A datagram that does
 * not fit (too many concurrent datagrams, too large, overlapping fragments that disagree) is
 * dropped and counted, never grown into. Slots expire by packet time. */
#ifndef IH_REASM_H
#define IH_REASM_H

#include <stdint.h>

#include "decode/decode.h"

struct ih_reasm;

struct ih_reasm_stats {
	uint64_t fragments;     /* fragments offered */
	uint64_t reassembled;   /* datagrams completed */
	uint64_t timed_out;     /* incomplete datagrams dropped on expiry */
	uint64_t evicted;       /* incomplete datagrams dropped for lack of a slot */
	uint64_t too_big;       /* datagrams past the per-slot limit */
	uint64_t bad;           /* overlapping or inconsistent fragments */
};

/* slots: concurrent datagrams; max_len: largest datagram kept (<= 65535); timeout_ns: expiry. */
struct ih_reasm *ih_reasm_new(unsigned slots, uint32_t max_len, uint64_t timeout_ns);
void ih_reasm_free(struct ih_reasm *r);

/* Offers a fragment (pkt->frag.is_frag). When it completes a datagram, decodes the datagram's
 * upper layer into *out (a copy of pkt's IP fields plus the L4 view pointing into the
 * reassembler's buffer, valid until the next call) and returns 1; returns 0 when more
 * fragments are needed or the fragment was dropped. */
int ih_reasm_offer(struct ih_reasm *r, const struct ih_pkt *pkt, struct ih_pkt *out /* OUT */,
		   enum ih_dec_result *res /* OUT */);
const struct ih_reasm_stats *ih_reasm_stats(const struct ih_reasm *r);
size_t ih_reasm_memory(const struct ih_reasm *r);

#endif

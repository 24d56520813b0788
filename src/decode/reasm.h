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
	uint64_t truncated;     /* datagrams dropped because a fragment was not captured whole */
};

/* slots: concurrent datagrams; max_len: largest datagram kept (<= 65535); timeout_ns: expiry;
 * seed: of the index hash (0: random). */
struct ih_reasm *ih_reasm_new(unsigned slots, uint32_t max_len, uint64_t timeout_ns, uint64_t seed);
void ih_reasm_free(struct ih_reasm *r);

/* Offers a fragment (pkt->frag.is_frag). When it completes a datagram, decodes the datagram's
 * upper layer into *out (a copy of pkt's IP fields plus the L4 view pointing into the
 * reassembler's buffer, valid until the next call) and returns 1; returns 0 when more
 * fragments are needed or the fragment was dropped.
 *
 * Details: *out and *res are written only when 1 is returned (*res then is the result of
 * ih_decode_l4 on the datagram); a packet that is not a fragment returns 0 and is not counted.
 * The completed view has the IP fields of the fragment at offset 0 (addresses, TTL, id, DF,
 * MAC), ts_ns of the fragment that completed it, reassembled = true, frag.is_frag = false,
 * frag.data/len = the whole reassembled payload, and ip_len/wire_len/cap_len of the datagram
 * as it would have been sent unfragmented. Once a datagram is dropped (overlap that disagrees,
 * too big, a fragment not captured whole) its later fragments are swallowed silently until
 * its slot expires or is reused, so that each datagram is counted once. Slots expire
 * timeout_ns after their first fragment, by packet time. Overlaps that carry identical bytes
 * (retransmitted duplicates) are accepted. */
int ih_reasm_offer(struct ih_reasm *r, const struct ih_pkt *pkt, struct ih_pkt *out /* OUT */,
		   enum ih_dec_result *res /* OUT */);
const struct ih_reasm_stats *ih_reasm_stats(const struct ih_reasm *r);
size_t ih_reasm_memory(const struct ih_reasm *r);

#endif

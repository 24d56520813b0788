/* hll.h — a small HyperLogLog for distinct counts past an exact small set.
 *
 * Registers are bytes; the caller owns them (inline in a record), so the sketch allocates
 * nothing. With m registers the standard error is about 1.04/sqrt(m). */
#ifndef IH_HLL_H
#define IH_HLL_H

#include <stddef.h>
#include <stdint.h>

/* The hash to add for an item. Fixed seed on purpose: an estimate must not change from run to
 * run (output is deterministic), and an attacker who biases one only skews a count in the
 * evidence — the tables that need a secret seed hash with their own. */
uint64_t ih_hll_hash(const void *item, size_t len);

/* m must be a power of two between 16 and 65536. Inline: it runs for every probe. */
static inline void ih_hll_add(uint8_t *regs, unsigned m, uint64_t hash)
{
	unsigned p = (unsigned)__builtin_ctz(m);
	unsigned idx = (unsigned)(hash >> (64 - p));
	uint64_t rest = hash << p;
	/* rank: position of the first 1 bit in the remaining 64-p bits, 1-based */
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - p + 1);
	if (rank > regs[idx])
		regs[idx] = rank;
}
double ih_hll_estimate(const uint8_t *regs, unsigned m);

#endif

/* hll.h — a small HyperLogLog for distinct counts past an exact small set.
 *
 * Registers are bytes; the caller owns them (inline in a record), so the sketch allocates
 * nothing. With m registers the standard error is about 1.04/sqrt(m). */
#ifndef IH_HLL_H
#define IH_HLL_H

#include <stdint.h>

/* m must be a power of two between 16 and 65536. */
void ih_hll_add(uint8_t *regs, unsigned m, uint64_t hash);
double ih_hll_estimate(const uint8_t *regs, unsigned m);

#endif

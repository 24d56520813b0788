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

/* m must be a power of two between 16 and 65536. */
void ih_hll_add(uint8_t *regs, unsigned m, uint64_t hash);
double ih_hll_estimate(const uint8_t *regs, unsigned m);

#endif

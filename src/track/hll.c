/* hll.c — HyperLogLog (Flajolet et al. 2007) with the small-range (linear counting)
 * correction; registers owned by the caller. */
#include "track/hll.h"

#include <math.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

uint64_t ih_hll_hash(const void *item, size_t len)
{
	/* an address (struct ih_addr, 17 bytes) is nearly every item: a constant length lets
	 * the compiler pick XXH3's 17..128-byte path at build time (same value either way) */
	if (len == 17)
		return XXH3_64bits_withSeed(item, 17, 0x1c3b9f5d2e4a6071ull);
	return XXH3_64bits_withSeed(item, len, 0x1c3b9f5d2e4a6071ull);
}

double ih_hll_estimate(const uint8_t *regs, unsigned m)
{
	double alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1.0 + 1.079 / m);
	double sum = 0;
	unsigned zeros = 0;
	for (unsigned i = 0; i < m; i++) {
		sum += ldexp(1.0, -(int)regs[i]);
		if (regs[i] == 0)
			zeros++;
	}
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log((double)m / zeros);
	return e;
}

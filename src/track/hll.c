/* hll.c — HyperLogLog (Flajolet et al. 2007) with the small-range (linear counting)
 * correction; registers owned by the caller. */
#include "track/hll.h"

#include <math.h>
#include <xxhash.h>

uint64_t ih_hll_hash(const void *item, size_t len)
{
	return XXH3_64bits_withSeed(item, len, 0x1c3b9f5d2e4a6071ull);
}

void ih_hll_add(uint8_t *regs, unsigned m, uint64_t hash)
{
	unsigned p = 0;
	while ((1u << p) < m)
		p++;
	unsigned idx = (unsigned)(hash >> (64 - p));
	uint64_t rest = hash << p;
	/* rank: position of the first 1 bit in the remaining 64-p bits, 1-based */
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - p + 1);
	if (rank > regs[idx])
		regs[idx] = rank;
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

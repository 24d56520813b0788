/* tset.c — a record's set of target addresses that grows in place (see tset.h). */
#include "detect/tset.h"

#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#define TSET_FIRST_MASK 15u /* slots in use at first - 1 */

static inline uint8_t *elem(const struct ih_tset_shape *sh, const struct ih_tset *set, uint32_t i)
{
	return (uint8_t *)set->slots + (size_t)i * sh->esize;
}

static inline uint32_t mask_of(const struct ih_tset_shape *sh, const struct ih_tset *set)
{
	if (*set->mask)
		return *set->mask;
	return sh->max_mask < TSET_FIRST_MASK ? sh->max_mask : TSET_FIRST_MASK;
}

static inline uint64_t hash_of(const struct ih_tset_shape *sh, const struct ih_addr *a)
{
	return XXH3_64bits_withSeed(a, sizeof(*a), sh->seed);
}

/* Doubles the slots in use and places the targets again, in their first-added order. */
static bool grow(const struct ih_tset_shape *sh, const struct ih_tset *set)
{
	uint32_t m = mask_of(sh, set), n = *set->n;
	if (m >= sh->max_mask || n > (sh->max_mask + 1) / 2 + 1)
		return false;
	uint8_t *tmp = sh->scratch;
	for (uint32_t k = 0; k < n; k++) {
		uint8_t *e = elem(sh, set, set->order[k]);
		memcpy(tmp + (size_t)k * sh->esize, e, sh->esize);
		memset(e, 0, sh->esize);
	}
	m = m * 2 + 1;
	*set->mask = m;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *src = tmp + (size_t)k * sh->esize;
		uint32_t i = (uint32_t)hash_of(sh, (const struct ih_addr *)(const void *)src) & m;
		while (elem(sh, set, i)[sh->used_off]) /* at most half full: a free slot exists */
			i = (i + 1) & m;
		memcpy(elem(sh, set, i), src, sh->esize);
		set->order[k] = i;
	}
	return true;
}

void *ih_tset_find(const struct ih_tset_shape *sh, const struct ih_tset *set, const struct ih_addr *a,
		   bool insert)
{
	uint64_t h = hash_of(sh, a);
	for (;;) {
		uint32_t m = mask_of(sh, set), i = (uint32_t)h & m, probes = 0;
		uint8_t *e = NULL;
		for (; probes <= m; probes++, i = (i + 1) & m) {
			e = elem(sh, set, i);
			if (!e[sh->used_off])
				break;
			if (ih_addr_same((const struct ih_addr *)(const void *)e, a))
				return e;
		}
		if (!insert || *set->n >= sh->limit)
			return NULL;
		/* a is absent: add it here, unless that makes the set more than half full (or it is
		 * full) and it can still grow; then look again in the larger set */
		if ((probes > m || (uint64_t)(*set->n + 1) * 2 > (uint64_t)m + 1) && grow(sh, set))
			continue;
		if (probes > m)
			return NULL; /* every slot holds another target */
		memset(e, 0, sh->esize);
		memcpy(e, a, sizeof(*a));
		e[sh->used_off] = 1;
		*set->mask = m;
		set->order[(*set->n)++] = i;
		return e;
	}
}

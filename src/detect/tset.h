/* tset.h — a record's set of target addresses (the sweep and lateral-movement detectors).
 *
 * Open addressing with linear probing over a slot array reserved at its full size (max_mask + 1
 * slots) but used from a prefix that doubles whenever it would be more than half full, so a
 * record with a handful of targets touches a few cache lines instead of slots spread over its
 * whole reservation (64 KB per sweeping host by default). The order in which targets were
 * first added is kept in order[], which callers walk to list them. Elements are any struct
 * that begins with its struct ih_addr and has a uint8_t "used" flag at used_off; every slot
 * not in use must be zero (callers clear the slots named in order[] when they reuse a set).
 */
#ifndef IH_DETECT_TSET_H
#define IH_DETECT_TSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "track/track.h" /* ih_addr_same */

struct ih_tset_shape {
	size_t esize;      /* bytes per element */
	size_t used_off;   /* offset of the element's uint8_t used flag */
	uint32_t max_mask; /* slots reserved - 1 (a power of two - 1) */
	uint32_t limit;    /* most targets the set takes */
	uint64_t seed;     /* hash seed */
	void *scratch;     /* room for (max_mask + 1) / 2 + 1 elements, for growing */
};

/* One record's set: its slots and insertion order (both reserved at full size), the count and
 * the slots in use - 1 (0: not grown yet, the first size). */
struct ih_tset {
	void *slots;
	uint32_t *order;
	uint32_t *n;
	uint32_t *mask;
};

/* The element for a, or NULL. With insert, adds a (zeroed but for its address and used flag)
 * when absent and the set has room (fewer than limit targets); NULL when it has not. */
void *ih_tset_find(const struct ih_tset_shape *sh, const struct ih_tset *set, const struct ih_addr *a,
		   bool insert);

#endif

/* config.h — every tunable of an analysis, with defaults; filled from the command line
 * (and, later, an INI file). Detectors read their thresholds here and nowhere else. */
#ifndef IH_CONFIG_H
#define IH_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "track/track.h"

#define IH_MAX_NETS 32

struct ih_config {
	struct ih_track_config track;
	uint64_t mem_cap;            /* bytes all tables together may use */
	uint32_t max_findings;       /* findings kept before further ones are only counted */

	/* home networks: destinations outside them are external */
	struct ih_cidr home[IH_MAX_NETS];
	unsigned nhome;
	/* known monitoring hosts: their pings are expected */
	struct ih_cidr monitors[IH_MAX_NETS];
	unsigned nmonitors;

	/* sweep */
	uint32_t sweep_min_targets;    /* one-shot targets for a finding (low) */
	uint32_t sweep_medium_targets; /* ... for medium */
	uint32_t sweep_high_targets;   /* ... for high */
	uint32_t sweep_reprobe_max;    /* probes to a target still counted as a sweep probe */
	uint64_t sweep_window_ns;      /* longest span one sweep finding covers */
	uint64_t sweep_gap_ns;         /* idle time that ends a sweep episode */
	uint32_t sweep_capacity;       /* sweeping hosts tracked at once */
	uint32_t sweep_targets;        /* targets listed per sweeping host */

	/* reassembly */
	uint32_t reasm_slots;
	uint32_t reasm_max_len;
	uint64_t reasm_timeout_ns;
};

void ih_config_default(struct ih_config *c);
/* Sets table capacities so that their sum stays under c->mem_cap. */
void ih_config_fit_memory(struct ih_config *c);
bool ih_config_is_home(const struct ih_config *c, const struct ih_addr *a);
bool ih_config_is_monitor(const struct ih_config *c, const struct ih_addr *a);

#endif

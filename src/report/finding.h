/* finding.h — what a detector claims, and the collection that sinks read.
 *
 * A finding is a JSON object (the contract in docs/JSONL.md) plus the few fields that sorting
 * and incident building need in C. Detectors build one with ih_finding_new(), add to its
 * evidence, and hand it to ih_findings_add(), which takes ownership. */
#ifndef IH_FINDING_H
#define IH_FINDING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

enum ih_sev { IH_SEV_INFO = 0, IH_SEV_LOW, IH_SEV_MEDIUM, IH_SEV_HIGH, IH_SEV_CRITICAL };
const char *ih_sev_name(enum ih_sev s);
bool ih_sev_parse(const char *s, enum ih_sev *out);

struct ih_finding {
	char kind[32];
	enum ih_sev severity;
	double confidence;
	struct ih_addr src;
	char dst_key[IH_ADDR_STRLEN + 8]; /* printable dst, for sorting */
	uint64_t first_ns, last_ns;
	json_t *obj;      /* the whole JSON line; owns evidence */
	json_t *evidence; /* borrowed from obj */
	/* Episodic findings (a sweep, a flood) judged while the episode is still open: the same
	 * for every judgement of one episode, while the id changes as its range grows; 0 for
	 * the others. Not written: watch uses it to tell an update from a new finding. */
	uint64_t episode;
};

/* kind: "sweep"…; src: the host that did it. Never NULL unless out of memory. */
struct ih_finding *ih_finding_new(const char *kind, enum ih_sev sev, double confidence,
				  const struct ih_addr *src, uint64_t first_ns, uint64_t last_ns);
void ih_finding_set_dst_addr(struct ih_finding *f, const struct ih_addr *dst);
void ih_finding_set_dst_str(struct ih_finding *f, const char *dst); /* CIDR or other text */
void ih_finding_add_mitre(struct ih_finding *f, const char *technique);
/* Appends the string s to the JSON array arr unless an equal string is already in it. */
void ih_json_add_unique(json_t *arr, const char *s);
void ih_finding_summary(struct ih_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ih_finding_free(struct ih_finding *f);
/* Sets f->episode from what identifies the episode: its kind, its host and when it began. */
void ih_finding_set_episode(struct ih_finding *f, const struct ih_addr *host, uint64_t began_ns);

/* Bounded collection of findings: past `cap` further findings are counted, not kept. */
struct ih_findings {
	struct ih_finding **v;
	size_t n, cap_alloc, cap;
	uint64_t dropped;
	uint64_t by_sev[IH_SEV_CRITICAL + 1];
	/* optional: a callback that sees each finding as it is added (live output) */
	void (*on_add)(void *ctx, const struct ih_finding *f);
	void *on_add_ctx;
};

void ih_findings_init(struct ih_findings *fs, size_t cap);
void ih_findings_add(struct ih_findings *fs, struct ih_finding *f); /* takes ownership */
/* Sorts by first_ns, then kind, src, dst: deterministic output for a given input. */
void ih_findings_sort(struct ih_findings *fs);
void ih_findings_free(struct ih_findings *fs);

/* RFC 3339 UTC with microseconds: "2026-11-25T01:14:33.035478Z". buf >= 32. */
char *ih_time_str(uint64_t ns, char *buf, size_t len);

/* Is the evidence of a sweep found only through a multicast or broadcast address (detect/sweep.c:
 * its range is the group address; it has no order, rate or blocks)? */
static inline bool ih_sweep_group_only(const json_t *evidence)
{
	return json_object_get(evidence, "group_discovery") && !json_object_get(evidence, "order");
}

#endif

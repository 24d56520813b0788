/* incident.h — findings grouped by the host that did them into incidents an analyst can act
 * on: a verdict and a score with its reasons, the ATT&CK techniques with their tactics, the
 * seed case's eight playbook steps (what is established, what is missing, what to do next) and
 * a narrative that answers "why is this host generating this ICMP traffic?".
 *
 * An incident is built from findings alone (their JSON evidence), after the findings have their
 * ids (ih_findings_assign_ids), so it can be rebuilt from the same capture at any time: the
 * `explain` command does exactly that. The JSON contract is in docs/JSONL.md. */
#ifndef IH_INCIDENT_H
#define IH_INCIDENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "report/finding.h"

enum ih_verdict { IH_VERDICT_BENIGN = 0, IH_VERDICT_SUSPICIOUS, IH_VERDICT_MALICIOUS };
const char *ih_verdict_name(enum ih_verdict v);

struct ih_incident {
	char id[24];                 /* "I-" and 16 hex digits */
	struct ih_addr primary;      /* the host the incident is about */
	bool primary_target;         /* it was the target, not the doer (a flood from spoofed sources) */
	enum ih_verdict verdict;
	int score;                   /* 0..100 */
	enum ih_sev severity;        /* of its most severe finding */
	uint64_t first_ns, last_ns;
	const struct ih_finding **f; /* its findings, borrowed, in time order */
	size_t nf;
	json_t *obj;                 /* the "type":"incident" line */
};

struct ih_incidents {
	struct ih_incident *v;       /* most severe first: verdict, score, first time, host */
	size_t n;
};

/* Groups every finding of fs into exactly one incident. Findings must have their ids. Returns
 * false when out of memory (is is then empty). */
bool ih_incidents_build(struct ih_incidents *is, const struct ih_findings *fs, const struct ih_config *cfg);
void ih_incidents_free(struct ih_incidents *is);
/* The incident with that id ("I-…", case-insensitive), or else the one whose primary host is
 * that address; NULL if none. */
const struct ih_incident *ih_incidents_find(const struct ih_incidents *is, const char *key);

/* Score points of one finding kind at one severity (docs/JSONL.md, "Incident"). */
int ih_incident_points(const char *kind, enum ih_sev sev);

/* The full investigation of one incident, for `icmphound explain`: text for a terminal or
 * Markdown for a ticket. Returns false when writing failed. */
bool ih_incident_explain(FILE *out, const struct ih_incident *inc, bool markdown);
/* One line per incident for the terminal summary (verdict, score, host, techniques, the
 * narrative's first sentence). */
void ih_incident_line(FILE *out, const struct ih_incident *inc, bool color);

#endif

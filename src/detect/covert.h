/* covert.h — one reading of a pair record shared by the covert-channel detectors (tunnel,
 * exfiltration, beacon, persistent_echo, large_payload, external_icmp), so that they agree on
 * which side is inside, what the payloads are, and how much data went out.
 *
 * Nothing here allocates; ih_pview_init() reads one pair record and computes a few ratios. */
#ifndef IH_DETECT_COVERT_H
#define IH_DETECT_COVERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "report/finding.h"
#include "track/track.h"

/* What the requests of a pair carry. */
enum ih_pkind {
	IH_PK_ORDINARY = 0, /* the unmodified payloads of common tools (ih_tpl_is_default) */
	IH_PK_CUSTOM,       /* chosen but constant: ping -p patterns, a fixed odd payload */
	IH_PK_DATA,         /* payloads that match no tool and vary: something is being carried */
};
const char *ih_pkind_name(enum ih_pkind k);

struct ih_pview {
	const struct ih_pair *p;
	const struct ih_addr *inside;  /* the host that did it: a finding's src */
	const struct ih_addr *peer;    /* the other end: a finding's dst */
	bool reverse;                  /* inside is the pair's server (an outside host asks, the
					* inside host's answers carry the data) */
	bool peer_external;            /* the peer is outside the home networks */
	bool inside_home;
	bool monitor;                  /* the client is a configured monitoring host */
	bool traceroute_like;          /* requests with varying TTL (traceroute -I, mtr) */
	uint32_t probes, answers;
	uint32_t tpl_default;          /* requests with an ordinary tool's payload */
	uint32_t tpl_pattern;          /* requests with a ping -p pattern */
	uint32_t tpl_unknown;          /* requests cut too short to tell */
	uint32_t tpl_none;             /* requests that match no template */
	enum ih_tpl top_tpl;           /* the most common template of the requests */
	enum ih_pkind kind;
	/* data carried from inside to the peer (requests, or answers when reverse) */
	uint32_t data_pkts;            /* non-template payloads out */
	uint64_t data_bytes;           /* their bytes */
	double distinct;               /* estimate of distinct payloads among them */
	uint64_t leaked;               /* estimate of the bytes of distinct payloads among them */
	uint32_t pclass[IH_PC_COUNT];  /* their content classes */
	enum ih_pclass content;        /* the most common class */
	double entropy_mean;           /* mean entropy (bits/byte), -1 if none */
	/* data coming back (answers, or requests when reverse) that is not an echo */
	uint32_t data_pkts_back;
	uint64_t data_bytes_back;
	uint32_t unanswered;           /* requests no answer was seen for */
	double span_s;                 /* first to last request */
	enum ih_tool tool;
	uint32_t tool_hits;
};

void ih_pview_init(struct ih_pview *v, const struct ih_pair *p, const struct ih_config *cfg);

/* Common evidence: payload kind and templates, content, bytes, answers, tool. */
void ih_pview_evidence(const struct ih_pview *v, json_t *ev);

/* Times of the pair: first and last packet. */
static inline uint64_t ih_pview_first(const struct ih_pview *v)
{
	return v->p->first_ns;
}
static inline uint64_t ih_pview_last(const struct ih_pview *v)
{
	return v->p->last_ns;
}

/* Severity arithmetic: up `n` levels, capped. */
static inline enum ih_sev ih_sev_up(enum ih_sev s, int n, enum ih_sev cap)
{
	int v = (int)s + n;
	if (v > (int)cap)
		v = (int)cap;
	if (v < (int)IH_SEV_INFO)
		v = IH_SEV_INFO;
	return (enum ih_sev)v;
}

/* Rounds for evidence: a human compares these with a capture, three decimals are plenty. */
static inline double ih_round3(double x)
{
	return (double)(long long)(x * 1000.0 + (x >= 0 ? 0.5 : -0.5)) / 1000.0;
}

/* The printable form of an address (for summaries), in a caller's buffer. */
const char *ih_pview_addr(const struct ih_addr *a, char *buf, size_t len);

#endif

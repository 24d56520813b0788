/* slice.h — which packets of a capture belong to an incident: the rule `icmphound evidence`
 * cuts by (docs/EVIDENCE.md, "Which packets").
 *
 * One rule per finding, built from what the finding says about itself — src, dst, first_seen,
 * last_seen, and for lateral movement the hosts and ports of its evidence — so the slice is the
 * traffic the finding was made from, not everything the hosts did. A packet belongs to the
 * incident when it matches the rule of at least one of its findings:
 *
 *   time    first_seen <= packet time (to the microsecond) <= last_seen + grace;
 *   ICMP    (every kind but lateral_movement) an ICMP or ICMPv6 message between the finding's
 *           src and a peer in its dst (an address, or the CIDR a sweep covers; any peer when dst
 *           is neither), either direction; when src is unknown (0.0.0.0 or ::, a spoofed flood)
 *           any ICMP to or from dst;
 *   TCP/UDP (lateral_movement) a TCP or UDP packet between src and a host listed in the
 *           evidence, with the listed port as destination (src to host) or source (host to
 *           src); when the evidence lists only part of the hosts (hosts_not_listed), any TCP or
 *           UDP between src and dst;
 *   errors  an ICMP error (unreachable, time exceeded, ...) with src at one end whose quoted
 *           packet matches the finding's rule (the answers the probes provoked);
 *   fragments a non-first IP fragment of the protocol and addresses a rule wants (it has no
 *           header to check ports or types in).
 *
 * Pure: no allocation after ih_slice_build, no I/O. */
#ifndef IH_EVIDENCE_SLICE_H
#define IH_EVIDENCE_SLICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "decode/decode.h"

#define IH_SLICE_MAX_HOSTS 64   /* a lateral finding lists at most 64 hosts */
#define IH_SLICE_MAX_PORTS 32   /* ports kept per host */

struct ih_slice_host {
	struct ih_addr addr;
	uint16_t port[IH_SLICE_MAX_PORTS];
	uint8_t proto[IH_SLICE_MAX_PORTS]; /* IH_PROTO_TCP / IH_PROTO_UDP */
	unsigned nports;
};

enum ih_slice_kind { IH_SLICE_ICMP, IH_SLICE_L4 };

struct ih_slice_rule {
	char finding[40];
	enum ih_slice_kind kind;
	bool src_unknown;          /* a spoofed flood: any peer, dst is the victim */
	struct ih_addr src;
	bool any_peer;             /* dst is neither an address nor a CIDR */
	struct ih_cidr peer;       /* dst (a bare address is a full-length prefix) */
	struct ih_slice_host *hosts; /* lateral: hosts and ports; NULL: any host in peer, any port */
	unsigned nhosts;
	uint64_t first_us, last_us; /* last_us includes the grace */
	uint64_t matched;          /* packets that match this rule (a packet may match several) */
};

struct ih_slice {
	struct ih_slice_rule *r;
	size_t n;
	uint64_t grace_us;
};

/* Builds one rule per finding (objects as in the JSON lines). A finding without a parsable
 * src, first_seen or last_seen is an error naming it. grace_us: added to each last_seen. */
bool ih_slice_build(struct ih_slice *s, const json_t *findings, uint64_t grace_us, char *err, size_t errlen);
void ih_slice_free(struct ih_slice *s);

/* Does the decoded packet belong? `res` is ih_decode's outcome (IH_DEC_OK, or
 * IH_DEC_SKIP_FRAGMENT for a non-first fragment; anything else never matches). Returns the
 * number of rules it matches, each counted in its `matched` when count is true. */
unsigned ih_slice_match(struct ih_slice *s, enum ih_dec_result res, const struct ih_pkt *p, bool count);

/* The rules as JSON, for the manifest: finding, kind, src, peers, hosts/ports, window. */
json_t *ih_slice_json(const struct ih_slice *s);

#endif

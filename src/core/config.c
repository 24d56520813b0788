/* config.c — defaults for every tunable, and the memory budget that sizes the tables. */
#include "core/config.h"

#include <string.h>

#include "decode/reasm.h"

#define NS_PER_S 1000000000ull

static const char *const default_home[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
	"127.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "0.0.0.0/32",
	"fc00::/7", "fe80::/10", "ff00::/8", "::1/128", "::/128",
};

_Static_assert(IH_MAX_NETS <= 32, "home_by_byte holds one bit a network");

void ih_config_index_home(struct ih_config *c)
{
	memset(c->home_by_byte, 0, sizeof(c->home_by_byte));
	for (unsigned i = 0; i < c->nhome; i++) {
		const struct ih_cidr *n = &c->home[i];
		unsigned fam = n->base.family == IH_AF_INET6;
		unsigned p = n->prefix >= 8 ? 8 : n->prefix;
		uint8_t m = (uint8_t)(0xffu << (8 - p));
		for (unsigned b = 0; b < 256; b++)
			if (((uint8_t)b & m) == (n->base.b[0] & m))
				c->home_by_byte[fam][b] |= 1u << i;
	}
	c->home_indexed = true;
}

void ih_config_default(struct ih_config *c)
{
	memset(c, 0, sizeof(*c));
	ih_track_config_default(&c->track);
	c->mem_cap = 256ull << 20;
	c->max_findings = 100000;
	for (size_t i = 0; i < sizeof(default_home) / sizeof(default_home[0]); i++)
		if (ih_cidr_parse(default_home[i], &c->home[c->nhome]))
			c->nhome++;

	c->sweep_min_targets = 10;
	c->sweep_medium_targets = 24;
	c->sweep_high_targets = 100;
	c->sweep_reprobe_max = 4; /* fping: one probe and three retries */
	c->sweep_silent_rounds = 10;
	c->sweep_revisit_ms = 500;
	c->sweep_group_answer_ms = 3000;
	c->sweep_window_ns = 24 * 3600 * NS_PER_S;
	c->sweep_gap_ns = 30 * 60 * NS_PER_S;
	c->sweep_capacity = 256;
	c->sweep_targets = 2048;

	c->reasm_slots = 64;
	c->reasm_max_len = 65535;
	c->reasm_timeout_ns = 30 * NS_PER_S;

	c->tunnel_min_packets = 4;
	c->tunnel_low_score = 4;
	c->tunnel_medium_score = 6;
	c->tunnel_high_score = 9;
	c->tunnel_volume_bytes = 64 * 1024;

	c->exfil_min_bytes = 16 * 1024;
	c->exfil_medium_bytes = 256 * 1024;
	c->exfil_high_bytes = 4 * 1024 * 1024;
	c->exfil_min_distinct = 4;
	c->exfil_min_bytes_file = 1024;
	c->exfil_file_min_payload = 32;
	c->exfil_min_patterns = 16;
	c->exfil_medium_patterns = 64;
	c->exfil_header_min_requests = 32;

	c->beacon_min_events = 8;
	c->beacon_min_span_ns = 30 * NS_PER_S;
	c->beacon_min_score_pct = 80;
	c->beacon_strong_score_pct = 90;
	c->beacon_strong_events = 20;
	c->beacon_strong_span_ns = 600 * NS_PER_S;
	c->beacon_merge_ms = 100;
	c->beacon_min_period_ms = 1000;
	c->beacon_max_jitter_pct = 50;
	c->beacon_fanout_min = 3;

	c->persist_min_ns = 60 * NS_PER_S;
	c->persist_min_probes = 20;
	c->persist_long_ns = 3600 * NS_PER_S;

	c->volume_min_pps = 200;
	c->volume_min_packets = 1000;
	c->volume_smurf_min = 10;
	c->volume_ratio = 10;
	c->volume_pop_min_hosts = 5;
	c->volume_own_min_secs = 10;
	c->volume_spoof_sources = 100;
	c->volume_capacity = 4096;
	c->volume_mac_capacity = 4096;

	c->large_min_count = 3;
	c->large_benign_count = 8;
	c->large_pmtu_count = 16;
	c->large_slow_gap_ms = 1000;

	c->lateral_window_ns = 3600 * NS_PER_S;
	c->lateral_min_delay_ms = 500;
	c->lateral_medium_hosts = 3;
	c->lateral_high_hosts = 10;
	c->sandbox = 1;
	c->lateral_scan_ports = 20;
	c->lateral_capacity = 256;
	c->lateral_targets = 512;
	c->lateral_attempts = 256;
	/* SSH, RPC (DCOM), NetBIOS session, SMB, RDP, VNC, WinRM over HTTP and HTTPS */
	static const uint16_t admin_ports[] = { 22, 135, 139, 445, 3389, 5900, 5985, 5986 };
	for (size_t i = 0; i < sizeof(admin_ports) / sizeof(admin_ports[0]); i++)
		c->lateral_ports[c->nlateral_ports++] = admin_ports[i];

	c->incident_suspicious_score = 10;
	c->incident_malicious_score = 60;

	c->history_days = 7;
	c->history_max_queries = 20000;
	c->volume_history_min_slots = 3;
	c->volume_history_min_requests = 500;
	c->volume_history_z = 5;
	c->store_summary_capacity = 16384;
	c->store_peer_capacity = 16384;

	c->zeek_reorder_ns = 3600 * NS_PER_S;
	c->zeek_max_views = 1000000;
	c->zeek_pending = 65536;
}

/* Rough per-entry costs, kept in one place so that the budget and the tables agree. */
static uint64_t budget_of(const struct ih_config *c)
{
	uint64_t b = 0;
	b += (uint64_t)c->track.host_capacity * sizeof(struct ih_host);
	if (c->track.doorkeeper)
		b += ih_track_door_bits(c->track.host_capacity) / 4;
	b += (uint64_t)c->track.pair_capacity * (sizeof(struct ih_pair) + sizeof(struct ih_pair_tail));
	b += (uint64_t)c->track.conv_capacity * (sizeof(struct ih_conv) + sizeof(struct ih_pair_tail));
	b += (uint64_t)c->sweep_capacity * c->sweep_targets * 36u;
	b += (uint64_t)c->reasm_slots * (c->reasm_max_len + 8192u / 8u + 128u);
	b += (uint64_t)c->volume_capacity * 320u + (uint64_t)c->volume_mac_capacity * 32u;
	b += (uint64_t)c->lateral_capacity * ((uint64_t)c->lateral_targets * 2u * 40u + (uint64_t)c->lateral_attempts * 40u);
	return b;
}

void ih_config_fit_memory(struct ih_config *c)
{
	/* Leave a quarter of the cap for everything that is not a table (findings, libpcap's
	 * buffer, detectors' small state). Halve the two big tables until the rest fits. */
	uint64_t room = c->mem_cap - c->mem_cap / 4;
	while (budget_of(c) > room && (c->track.host_capacity > 1024 || c->track.pair_capacity > 1024 ||
					c->track.conv_capacity > 1024)) {
		if (c->track.host_capacity > 1024)
			c->track.host_capacity /= 2;
		if (c->track.pair_capacity > 1024)
			c->track.pair_capacity /= 2;
		if (c->track.conv_capacity > 1024)
			c->track.conv_capacity /= 2;
	}
	while (budget_of(c) > room && c->sweep_capacity > 16)
		c->sweep_capacity /= 2;
	while (budget_of(c) > room && c->lateral_capacity > 16)
		c->lateral_capacity /= 2;
}

static bool in_nets(const struct ih_cidr *nets, unsigned n, const struct ih_addr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (ih_cidr_contains(&nets[i], a))
			return true;
	return false;
}

bool ih_config_is_home(const struct ih_config *c, const struct ih_addr *a)
{
	return in_nets(c->home, c->nhome, a);
}

bool ih_config_is_monitor(const struct ih_config *c, const struct ih_addr *a)
{
	return in_nets(c->monitors, c->nmonitors, a);
}

/* ---------------------------------------------------------------- options by name */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

enum opt_kind { OPT_U32, OPT_U64, OPT_SECS, OPT_MB, OPT_NETS, OPT_PORTS, OPT_BOOL };

struct opt {
	const char *key;
	enum opt_kind kind;
	size_t off;   /* offset in struct ih_config */
	size_t off2;  /* OPT_NETS: offset of the count */
	const char *what;
};

#define O(k, kind, field, what) { k, kind, offsetof(struct ih_config, field), 0, what }
static const struct opt opts[] = {
	O("mem_cap_mb", OPT_MB, mem_cap, "memory all tables together may use, MB"),
	O("max_findings", OPT_U32, max_findings, "findings kept; more are counted, not kept"),
	O("host_capacity", OPT_U32, track.host_capacity, "hosts tracked at once"),
	O("pair_capacity", OPT_U32, track.pair_capacity, "host pairs tracked at once"),
	O("host_doorkeeper", OPT_BOOL, track.doorkeeper, "1: while the host table is full, a new host gets a record on its second packet (a spoofed flood's one-packet sources take none); 0: on its first"),
	O("host_idle_s", OPT_SECS, track.host_idle_ns, "a quiet host's record ends after this"),
	O("pair_idle_s", OPT_SECS, track.pair_idle_ns, "a quiet pair's record ends after this"),
	O("large_payload", OPT_U32, track.large_payload, "payload bytes above which a payload is large"),
	O("seed", OPT_U64, track.seed, "hash seed of the tables (0: from the input files' first bytes; random live or on a pipe)"),
	O("sweep_min_targets", OPT_U32, sweep_min_targets, "one-shot targets for a low sweep finding"),
	O("sweep_medium_targets", OPT_U32, sweep_medium_targets, "one-shot targets for medium"),
	O("sweep_high_targets", OPT_U32, sweep_high_targets, "one-shot targets for high"),
	O("sweep_reprobe_max", OPT_U32, sweep_reprobe_max, "probes of one kind to a target still counted as one-shot"),
	O("sweep_silent_rounds", OPT_U32, sweep_silent_rounds, "probes of one kind to a target that never answered still counted as one-shot"),
	O("sweep_revisit_ms", OPT_U32, sweep_revisit_ms, "a probe this long after the target answered is a revisit"),
	O("sweep_group_answer_ms", OPT_U32, sweep_group_answer_ms, "answers this soon after a probe to a multicast or broadcast address are its responders"),
	O("sweep_window_s", OPT_SECS, sweep_window_ns, "longest span of one sweep episode"),
	O("sweep_gap_s", OPT_SECS, sweep_gap_ns, "quiet time that ends a sweep episode"),
	O("sweep_capacity", OPT_U32, sweep_capacity, "sweeping hosts tracked at once"),
	O("sweep_targets", OPT_U32, sweep_targets, "targets listed per sweeping host"),
	O("reasm_slots", OPT_U32, reasm_slots, "IP datagrams reassembled at once"),
	O("reasm_timeout_s", OPT_SECS, reasm_timeout_ns, "an incomplete datagram is dropped after this"),
	O("tunnel_min_packets", OPT_U32, tunnel_min_packets, "non-template payloads before a pair is scored as a tunnel"),
	O("tunnel_low_score", OPT_U32, tunnel_low_score, "tunnel indicator points for low"),
	O("tunnel_medium_score", OPT_U32, tunnel_medium_score, "tunnel indicator points for medium"),
	O("tunnel_high_score", OPT_U32, tunnel_high_score, "tunnel indicator points for high"),
	O("tunnel_volume_bytes", OPT_U64, tunnel_volume_bytes, "non-template bytes that count as tunnel volume"),
	O("exfil_min_bytes", OPT_U64, exfil_min_bytes, "estimated distinct bytes out for a low exfiltration finding"),
	O("exfil_medium_bytes", OPT_U64, exfil_medium_bytes, "... for medium"),
	O("exfil_high_bytes", OPT_U64, exfil_high_bytes, "... for high"),
	O("exfil_min_distinct", OPT_U32, exfil_min_distinct, "distinct payloads out for an exfiltration finding"),
	O("exfil_min_bytes_file", OPT_U64, exfil_min_bytes_file, "... for low when text or base64/hex goes outside in chunks of exfil_file_min_payload bytes or more (0: off)"),
	O("exfil_file_min_payload", OPT_U32, exfil_file_min_payload, "mean payload bytes for exfil_min_bytes_file to apply"),
	O("exfil_min_patterns", OPT_U32, exfil_min_patterns, "distinct ping -p fill patterns to one peer, changing from request to request, for a low exfiltration finding"),
	O("exfil_medium_patterns", OPT_U32, exfil_medium_patterns, "... for medium"),
	O("exfil_header_min_requests", OPT_U32, exfil_header_min_requests, "requests to one peer whose identifier, sequence or timestamps vary like data, for an exfiltration finding (0: off)"),
	O("beacon_min_events", OPT_U32, beacon_min_events, "events for a beacon finding"),
	O("beacon_min_span_s", OPT_SECS, beacon_min_span_ns, "first to last beacon event, at least"),
	O("beacon_min_score_pct", OPT_U32, beacon_min_score_pct, "beacon score (percent) for a finding"),
	O("beacon_strong_score_pct", OPT_U32, beacon_strong_score_pct, "beacon score (percent) that raises severity"),
	O("beacon_strong_events", OPT_U32, beacon_strong_events, "events for a strong beacon"),
	O("beacon_strong_span_s", OPT_SECS, beacon_strong_span_ns, "or a beacon schedule kept this long (slow beacons have fewer events)"),
	O("beacon_merge_ms", OPT_U32, beacon_merge_ms, "requests closer than this are one beacon event"),
	O("beacon_min_period_ms", OPT_U32, beacon_min_period_ms, "median beacon period, at least (faster: a transfer)"),
	O("beacon_max_jitter_pct", OPT_U32, beacon_max_jitter_pct, "MAD of beacon gaps over their median, percent, at most"),
	O("beacon_fanout_min", OPT_U32, beacon_fanout_min, "inside peers on one schedule, answering only with echoes, that make a beacon monitoring (info; 0: off)"),
	O("persist_min_s", OPT_SECS, persist_min_ns, "echo conversation length for persistent_echo"),
	O("persist_min_probes", OPT_U32, persist_min_probes, "requests after the first answer for persistent_echo"),
	O("persist_long_s", OPT_SECS, persist_long_ns, "a very long echo conversation"),
	O("volume_min_pps", OPT_U32, volume_min_pps, "requests per second to one destination for a burst"),
	O("volume_min_packets", OPT_U32, volume_min_packets, "requests in burst seconds for a volume finding"),
	O("volume_smurf_min", OPT_U32, volume_smurf_min, "echo requests to a group address forged with one host's address, for a smurf finding (0: off)"),
	O("volume_ratio", OPT_U32, volume_ratio, "peak rate over baseline (own earlier, population)"),
	O("volume_pop_min_hosts", OPT_U32, volume_pop_min_hosts, "hosts needed for a population baseline"),
	O("volume_own_min_secs", OPT_U32, volume_own_min_secs, "active seconds needed for an own baseline"),
	O("volume_spoof_sources", OPT_U32, volume_spoof_sources, "distinct sources of a spoofed or distributed flood"),
	O("volume_capacity", OPT_U32, volume_capacity, "destinations the volume detector tracks at once"),
	O("volume_mac_capacity", OPT_U32, volume_mac_capacity, "hardware addresses learned for flood attribution"),
	O("large_min_count", OPT_U32, large_min_count, "large non-template payloads for a low finding"),
	O("large_benign_count", OPT_U32, large_benign_count, "large ordinary (fragmented) pings still a test"),
	O("large_pmtu_count", OPT_U32, large_pmtu_count, "large ordinary unfragmented pings still path-MTU probes"),
	O("large_slow_gap_ms", OPT_U32, large_slow_gap_ms, "more large ordinary pings than that, this far apart on average: a monitor's size check, info (0: off)"),
	{ "home", OPT_NETS, offsetof(struct ih_config, home), offsetof(struct ih_config, nhome),
	  "home networks (CIDR, comma-separated; replaces the default list)" },
	{ "monitor", OPT_NETS, offsetof(struct ih_config, monitors), offsetof(struct ih_config, nmonitors),
	  "known monitoring hosts (CIDR, comma-separated)" },
	{ "mgmt", OPT_NETS, offsetof(struct ih_config, mgmt), offsetof(struct ih_config, nmgmt),
	  "management networks: contain never blocks them, isolation keeps them reachable (CIDR, comma-separated)" },
	O("lateral_window_s", OPT_SECS, lateral_window_ns, "connections this long after a sweep can be lateral movement"),
	O("lateral_min_delay_ms", OPT_U32, lateral_min_delay_ms, "... and at least this long after the host was probed"),
	O("lateral_medium_hosts", OPT_U32, lateral_medium_hosts, "swept hosts reached on an admin service for medium"),
	O("lateral_high_hosts", OPT_U32, lateral_high_hosts, "swept hosts reached on an admin service for high"),
	O("lateral_scan_ports", OPT_U32, lateral_scan_ports, "distinct ports on one swept host that make a port scan"),
	O("lateral_capacity", OPT_U32, lateral_capacity, "sweeping sources the lateral detector follows at once"),
	O("lateral_targets", OPT_U32, lateral_targets, "answered hosts remembered per sweeping source"),
	O("lateral_attempts", OPT_U32, lateral_attempts, "connection attempts (host, port) remembered per source"),
	{ "lateral_ports", OPT_PORTS, offsetof(struct ih_config, lateral_ports),
	  offsetof(struct ih_config, nlateral_ports), "administrative services (ports, comma-separated)" },
	O("incident_suspicious_score", OPT_U32, incident_suspicious_score, "incident score (0-100) for a suspicious verdict"),
	O("incident_malicious_score", OPT_U32, incident_malicious_score, "incident score (0-100) for a malicious verdict"),
	O("history_days", OPT_U32, history_days, "baselines from the store: same hour of day over this many days"),
	O("history_max_queries", OPT_U32, history_max_queries, "questions one run may ask the store for baselines"),
	O("volume_history_min_slots", OPT_U32, volume_history_min_slots, "recorded past days a host's own hourly baseline needs"),
	O("volume_history_min_requests", OPT_U32, volume_history_min_requests, "ICMP requests a host sends in an hour before they are compared with its history"),
	O("volume_history_z", OPT_U32, volume_history_z, "robust z-score above the host's history for a volume finding"),
	O("store_summary_capacity", OPT_U32, store_summary_capacity, "host-hours summarised at once for the store"),
	O("store_peer_capacity", OPT_U32, store_peer_capacity, "(home host, outside destination) pairs recorded per run"),
	O("zeek_reorder_s", OPT_SECS, zeek_reorder_ns, "conn.log rows this far out of time order are still put in order"),
	O("zeek_max_views", OPT_U32, zeek_max_views, "packet views one conn.log flow becomes, at most"),
	O("zeek_pending", OPT_U32, zeek_pending, "conn.log flows held at once for reordering"),
	O("sandbox", OPT_U32, sandbox, "1: once inputs and outputs are open, drop root and restrict system calls (docs/PRIVILEGES.md); 0: do not"),
	O("reader_work", OPT_U32, reader_work, "work on the capture reader's thread: 0 balanced, 1 none, 2 decoding and key hashes, 3 all it can (same findings)"),
};
#undef O

static bool parse_u64(const char *v, uint64_t *out)
{
	char *end;
	if (!*v || *v == '-')
		return false;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (errno || *end)
		return false;
	*out = x;
	return true;
}

bool ih_config_set(struct ih_config *c, const char *key, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		if (strcmp(o->key, key) != 0)
			continue;
		uint8_t *base = (uint8_t *)c;
		uint64_t v = 0;
		if (o->kind != OPT_NETS && o->kind != OPT_PORTS && !parse_u64(value, &v)) {
			snprintf(err, errlen, "%s: '%s' is not a non-negative number", key, value);
			return false;
		}
		switch (o->kind) {
		case OPT_BOOL:
			if (v > 1) {
				snprintf(err, errlen, "%s: '%s' is not 0 or 1", key, value);
				return false;
			}
			*(bool *)(base + o->off) = v == 1;
			return true;
		case OPT_U32:
			if (v > UINT32_MAX) {
				snprintf(err, errlen, "%s: %s is too large", key, value);
				return false;
			}
			*(uint32_t *)(base + o->off) = (uint32_t)v;
			return true;
		case OPT_U64:
			*(uint64_t *)(base + o->off) = v;
			return true;
		case OPT_SECS:
			if (v > 100ull * 365 * 86400) {
				snprintf(err, errlen, "%s: %s seconds is too long", key, value);
				return false;
			}
			*(uint64_t *)(base + o->off) = v * 1000000000ull;
			return true;
		case OPT_MB:
			if (v == 0 || v > (1ull << 20)) {
				snprintf(err, errlen, "%s: %s MB is out of range", key, value);
				return false;
			}
			*(uint64_t *)(base + o->off) = v << 20;
			return true;
		case OPT_NETS: {
			struct ih_cidr *nets = (struct ih_cidr *)(base + o->off);
			unsigned *n = (unsigned *)(base + o->off2);
			unsigned k = 0;
			char buf[1024];
			snprintf(buf, sizeof(buf), "%s", value);
			for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
			     tok = strtok_r(NULL, ", ", &save)) {
				if (k >= IH_MAX_NETS) {
					snprintf(err, errlen, "%s: more than %d networks", key, IH_MAX_NETS);
					return false;
				}
				if (!ih_cidr_parse(tok, &nets[k])) {
					snprintf(err, errlen, "%s: '%s' is not an address or CIDR", key, tok);
					return false;
				}
				k++;
			}
			*n = k;
			if (nets == c->home)
				c->home_indexed = false; /* ih_config_index_home again */
			return true;
		}
		case OPT_PORTS: {
			uint16_t ports[IH_MAX_PORTS];
			unsigned k = 0;
			char buf[1024];
			snprintf(buf, sizeof(buf), "%s", value);
			for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
			     tok = strtok_r(NULL, ", ", &save)) {
				uint64_t pv;
				if (k >= IH_MAX_PORTS) {
					snprintf(err, errlen, "%s: more than %d ports", key, IH_MAX_PORTS);
					return false;
				}
				if (!parse_u64(tok, &pv) || pv == 0 || pv > 65535) {
					snprintf(err, errlen, "%s: '%s' is not a port (1-65535)", key, tok);
					return false;
				}
				ports[k++] = (uint16_t)pv;
			}
			memcpy(base + o->off, ports, k * sizeof(ports[0]));
			*(unsigned *)(base + o->off2) = k;
			return true;
		}
		}
	}
	snprintf(err, errlen, "unknown option '%s'", key);
	return false;
}

void ih_config_list(const struct ih_config *c, void *fp)
{
	FILE *f = fp;
	const uint8_t *base = (const uint8_t *)c;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		switch (o->kind) {
		case OPT_BOOL:
			fprintf(f, "%-22s %-12u %s\n", o->key, *(const bool *)(base + o->off) ? 1u : 0u, o->what);
			break;
		case OPT_U32:
			fprintf(f, "%-22s %-12u %s\n", o->key, *(const uint32_t *)(base + o->off), o->what);
			break;
		case OPT_U64:
			fprintf(f, "%-22s %-12llu %s\n", o->key,
				(unsigned long long)*(const uint64_t *)(base + o->off), o->what);
			break;
		case OPT_SECS:
			fprintf(f, "%-22s %-12llu %s\n", o->key,
				(unsigned long long)(*(const uint64_t *)(base + o->off) / 1000000000ull), o->what);
			break;
		case OPT_MB:
			fprintf(f, "%-22s %-12llu %s\n", o->key,
				(unsigned long long)(*(const uint64_t *)(base + o->off) >> 20), o->what);
			break;
		case OPT_NETS: {
			const struct ih_cidr *nets = (const struct ih_cidr *)(base + o->off);
			unsigned n = *(const unsigned *)(base + o->off2);
			fprintf(f, "%-22s ", o->key);
			for (unsigned k = 0; k < n; k++) {
				char b[IH_ADDR_STRLEN + 8];
				fprintf(f, "%s%s", k ? "," : "", ih_cidr_str(&nets[k], b, sizeof(b)));
			}
			fprintf(f, "%s%s\n", n ? "  " : "-  ", o->what);
			break;
		}
		case OPT_PORTS: {
			char v[IH_MAX_PORTS * 6 + 1];
			bool is_list;
			const char *k, *w;
			ih_config_option(c, i, &k, v, sizeof(v), &is_list, &w);
			fprintf(f, "%-22s %s%s%s\n", o->key, v[0] ? v : "-", "  ", o->what);
			break;
		}
		}
	}
}

bool ih_config_option(const struct ih_config *c, size_t i, const char **key, char *val, size_t vlen,
		      bool *is_list, const char **what)
{
	if (i >= sizeof(opts) / sizeof(opts[0]))
		return false;
	const struct opt *o = &opts[i];
	const uint8_t *base = (const uint8_t *)c;
	*key = o->key;
	*what = o->what;
	*is_list = o->kind == OPT_NETS || o->kind == OPT_PORTS;
	if (!vlen)
		return true;
	val[0] = '\0';
	switch (o->kind) {
	case OPT_BOOL:
		snprintf(val, vlen, "%u", *(const bool *)(base + o->off) ? 1u : 0u);
		break;
	case OPT_U32:
		snprintf(val, vlen, "%u", *(const uint32_t *)(base + o->off));
		break;
	case OPT_U64:
		snprintf(val, vlen, "%llu", (unsigned long long)*(const uint64_t *)(base + o->off));
		break;
	case OPT_SECS:
		snprintf(val, vlen, "%llu", (unsigned long long)(*(const uint64_t *)(base + o->off) / 1000000000ull));
		break;
	case OPT_MB:
		snprintf(val, vlen, "%llu", (unsigned long long)(*(const uint64_t *)(base + o->off) >> 20));
		break;
	case OPT_NETS: {
		const struct ih_cidr *nets = (const struct ih_cidr *)(base + o->off);
		unsigned n = *(const unsigned *)(base + o->off2);
		size_t l = 0;
		for (unsigned k = 0; k < n && l < vlen; k++) {
			char b[IH_ADDR_STRLEN + 8];
			int w = snprintf(val + l, vlen - l, "%s%s", k ? "," : "", ih_cidr_str(&nets[k], b, sizeof(b)));
			if (w < 0)
				break;
			l += (size_t)w;
		}
		break;
	}
	case OPT_PORTS: {
		const uint16_t *ports = (const uint16_t *)(base + o->off);
		unsigned n = *(const unsigned *)(base + o->off2);
		size_t l = 0;
		for (unsigned k = 0; k < n && l < vlen; k++) {
			int w = snprintf(val + l, vlen - l, "%s%u", k ? "," : "", ports[k]);
			if (w < 0)
				break;
			l += (size_t)w;
		}
		break;
	}
	}
	return true;
}

bool ih_config_is_admin_port(const struct ih_config *c, uint16_t port)
{
	for (unsigned i = 0; i < c->nlateral_ports; i++)
		if (c->lateral_ports[i] == port)
			return true;
	return false;
}

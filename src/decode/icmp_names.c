/* icmp_names.c — \summary: printable names for ICMP types, codes, classes, link types and
 * decode outcomes.
 *
 * Names follow the IANA ICMP and ICMPv6 parameter registries, spelled in lowercase with
 * dashes ("dest-unreachable", "port-unreachable"). Every function returns a string constant
 * and never NULL: an unknown value is "unknown" (no "type-%d" formatting, which would need a
 * buffer somewhere). */
#include <stddef.h>

#include "decode/decode.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(const char *const *names, size_t n, unsigned i)
{
	return i < n && names[i] ? names[i] : "unknown";
}

/* --------------------------------------------------------------------------- types */

static const char *const icmp4_types[256] = {
	[0] = "echo-reply",
	[3] = "dest-unreachable",
	[4] = "source-quench",
	[5] = "redirect",
	[6] = "alternate-host-address",
	[8] = "echo-request",
	[9] = "router-advertisement",
	[10] = "router-solicitation",
	[11] = "time-exceeded",
	[12] = "parameter-problem",
	[13] = "timestamp-request",
	[14] = "timestamp-reply",
	[15] = "information-request",
	[16] = "information-reply",
	[17] = "address-mask-request",
	[18] = "address-mask-reply",
	[30] = "traceroute",
	[31] = "datagram-conversion-error",
	[32] = "mobile-host-redirect",
	[33] = "ipv6-where-are-you",
	[34] = "ipv6-i-am-here",
	[35] = "mobile-registration-request",
	[36] = "mobile-registration-reply",
	[37] = "domain-name-request",
	[38] = "domain-name-reply",
	[39] = "skip",
	[40] = "photuris",
	[41] = "experimental-mobility",
	[42] = "extended-echo-request",
	[43] = "extended-echo-reply",
	[253] = "experiment-1",
	[254] = "experiment-2",
};

static const char *const icmp6_types[256] = {
	[1] = "dest-unreachable",
	[2] = "packet-too-big",
	[3] = "time-exceeded",
	[4] = "parameter-problem",
	[100] = "private-experimentation",
	[101] = "private-experimentation",
	[127] = "reserved-error-expansion",
	[128] = "echo-request",
	[129] = "echo-reply",
	[130] = "mld-query",
	[131] = "mld-report",
	[132] = "mld-done",
	[133] = "router-solicitation",
	[134] = "router-advertisement",
	[135] = "neighbor-solicitation",
	[136] = "neighbor-advertisement",
	[137] = "redirect",
	[138] = "router-renumbering",
	[139] = "node-information-query",
	[140] = "node-information-response",
	[141] = "inverse-neighbor-solicitation",
	[142] = "inverse-neighbor-advertisement",
	[143] = "mldv2-report",
	[144] = "home-agent-discovery-request",
	[145] = "home-agent-discovery-reply",
	[146] = "mobile-prefix-solicitation",
	[147] = "mobile-prefix-advertisement",
	[148] = "certification-path-solicitation",
	[149] = "certification-path-advertisement",
	[150] = "experimental-mobility",
	[151] = "multicast-router-advertisement",
	[152] = "multicast-router-solicitation",
	[153] = "multicast-router-termination",
	[154] = "fmipv6",
	[155] = "rpl-control",
	[156] = "ilnpv6-locator-update",
	[157] = "duplicate-address-request",
	[158] = "duplicate-address-confirmation",
	[159] = "mpl-control",
	[160] = "extended-echo-request",
	[161] = "extended-echo-reply",
	[200] = "private-experimentation",
	[201] = "private-experimentation",
	[255] = "reserved-info-expansion",
};

const char *ih_icmp_type_name(uint8_t ip_ver, uint8_t type)
{
	if (ip_ver == 6)
		return pick(icmp6_types, NELEM(icmp6_types), type);
	if (ip_ver == 4)
		return pick(icmp4_types, NELEM(icmp4_types), type);
	return "unknown";
}

/* --------------------------------------------------------------------------- codes */

static const char *const icmp4_unreach[] = {
	"net-unreachable", "host-unreachable", "protocol-unreachable", "port-unreachable",
	"fragmentation-needed", "source-route-failed", "dest-network-unknown",
	"dest-host-unknown", "source-host-isolated", "network-prohibited", "host-prohibited",
	"network-tos-unreachable", "host-tos-unreachable", "communication-prohibited",
	"host-precedence-violation", "precedence-cutoff",
};
static const char *const icmp4_redirect[] = {
	"redirect-network", "redirect-host", "redirect-tos-network", "redirect-tos-host",
};
static const char *const icmp4_router_adv[17] = {
	[0] = "normal-router-advertisement",
	[16] = "does-not-route-common-traffic",
};
static const char *const icmp4_time_exceeded[] = {
	"ttl-exceeded-in-transit", "fragment-reassembly-time-exceeded",
};
static const char *const icmp4_param[] = {
	"pointer-indicates-error", "missing-required-option", "bad-length",
};
static const char *const icmp4_traceroute[] = {
	"outbound-packet-forwarded", "no-route-for-outbound-packet",
};
static const char *const icmp4_photuris[] = {
	"bad-spi", "authentication-failed", "decompression-failed", "decryption-failed",
	"need-authentication", "need-authorization",
};
static const char *const ext_echo_reply[] = {
	"no-error", "malformed-query", "no-such-interface", "no-such-table-entry",
	"multiple-interfaces-satisfy-query",
};

static const char *const icmp6_unreach[] = {
	"no-route", "admin-prohibited", "beyond-scope", "address-unreachable",
	"port-unreachable", "source-policy-failed", "reject-route",
	"source-routing-header-error", "headers-too-long",
};
static const char *const icmp6_time_exceeded[] = {
	"hop-limit-exceeded-in-transit", "fragment-reassembly-time-exceeded",
};
static const char *const icmp6_param[] = {
	"erroneous-header-field", "unrecognized-next-header", "unrecognized-ipv6-option",
	"incomplete-header-chain", "sr-upper-layer-header-error",
	"unrecognized-next-header-intermediate", "extension-header-too-big",
	"extension-header-chain-too-long", "too-many-extension-headers", "too-many-options",
	"option-too-big",
};
static const char *const icmp6_ni_query[] = {
	"subject-ipv6-address", "subject-name", "subject-ipv4-address",
};
static const char *const icmp6_ni_reply[] = {
	"successful-reply", "refused", "unknown-qtype",
};

/* Types whose only defined code is 0 call it "none". */
static bool icmp4_only_code0(uint8_t type)
{
	switch (type) {
	case 0: case 4: case 6: case 8: case 10: case 13: case 14: case 15: case 16: case 17:
	case 18: case 42:
		return true;
	default:
		return false;
	}
}

static bool icmp6_only_code0(uint8_t type)
{
	return type == 2 || type == 128 || type == 129 || (type >= 130 && type <= 137) ||
	       (type >= 141 && type <= 149) || (type >= 151 && type <= 153) || type == 156 ||
	       type == 159 || type == 160;
}

const char *ih_icmp_code_name(uint8_t ip_ver, uint8_t type, uint8_t code)
{
	if (ip_ver == 4) {
		switch (type) {
		case 3: return pick(icmp4_unreach, NELEM(icmp4_unreach), code);
		case 5: return pick(icmp4_redirect, NELEM(icmp4_redirect), code);
		case 9: return pick(icmp4_router_adv, NELEM(icmp4_router_adv), code);
		case 11: return pick(icmp4_time_exceeded, NELEM(icmp4_time_exceeded), code);
		case 12: return pick(icmp4_param, NELEM(icmp4_param), code);
		case 30: return pick(icmp4_traceroute, NELEM(icmp4_traceroute), code);
		case 40: return pick(icmp4_photuris, NELEM(icmp4_photuris), code);
		case 43: return pick(ext_echo_reply, NELEM(ext_echo_reply), code);
		default:
			return code == 0 && icmp4_only_code0(type) ? "none" : "unknown";
		}
	}
	if (ip_ver == 6) {
		switch (type) {
		case 1: return pick(icmp6_unreach, NELEM(icmp6_unreach), code);
		case 3: return pick(icmp6_time_exceeded, NELEM(icmp6_time_exceeded), code);
		case 4: return pick(icmp6_param, NELEM(icmp6_param), code);
		case 138:
			return code == 0 ? "router-renumbering-command"
			       : code == 1 ? "router-renumbering-result"
			       : code == 255 ? "sequence-number-reset" : "unknown";
		case 139: return pick(icmp6_ni_query, NELEM(icmp6_ni_query), code);
		case 140: return pick(icmp6_ni_reply, NELEM(icmp6_ni_reply), code);
		case 161: return pick(ext_echo_reply, NELEM(ext_echo_reply), code);
		default:
			return code == 0 && icmp6_only_code0(type) ? "none" : "unknown";
		}
	}
	return "unknown";
}

/* --------------------------------------------------------------------------- classes */

static const char *const class_names[IH_ICMP_NCLASSES] = {
	[IH_ICMP_OTHER] = "other",
	[IH_ICMP_ECHO_REQ] = "echo-request",
	[IH_ICMP_ECHO_REP] = "echo-reply",
	[IH_ICMP_TSTAMP_REQ] = "timestamp-request",
	[IH_ICMP_TSTAMP_REP] = "timestamp-reply",
	[IH_ICMP_MASK_REQ] = "mask-request",
	[IH_ICMP_MASK_REP] = "mask-reply",
	[IH_ICMP_INFO_REQ] = "info-request",
	[IH_ICMP_INFO_REP] = "info-reply",
	[IH_ICMP_UNREACH] = "unreachable",
	[IH_ICMP_TIME_EXCEEDED] = "time-exceeded",
	[IH_ICMP_PARAM_PROBLEM] = "param-problem",
	[IH_ICMP_REDIRECT] = "redirect",
	[IH_ICMP_SOURCE_QUENCH] = "source-quench",
	[IH_ICMP_PKT_TOO_BIG] = "packet-too-big",
	[IH_ICMP_ROUTER_SOL] = "router-solicitation",
	[IH_ICMP_ROUTER_ADV] = "router-advertisement",
	[IH_ICMP_NEIGH_SOL] = "neighbor-solicitation",
	[IH_ICMP_NEIGH_ADV] = "neighbor-advertisement",
	[IH_ICMP_MLD] = "mld",
	[IH_ICMP_EXT_ECHO_REQ] = "ext-echo-request",
	[IH_ICMP_EXT_ECHO_REP] = "ext-echo-reply",
};

const char *ih_icmp_class_name(enum ih_icmp_class c)
{
	return pick(class_names, NELEM(class_names), (unsigned)c);
}

/* --------------------------------------------------------------------------- link types */

bool ih_link_supported(int linktype)
{
	switch (linktype) {
	case IH_LINK_NULL:
	case IH_LINK_EN10MB:
	case IH_LINK_RAW:
	case IH_LINK_LOOP:
	case IH_LINK_SLL:
	case IH_LINK_IPV4:
	case IH_LINK_IPV6:
	case IH_LINK_SLL2:
	case IH_LINK_DLT_RAW1:
	case IH_LINK_DLT_RAW2:
		return true;
	default:
		return false;
	}
}

/* libpcap's names (pcap_datalink_val_to_name), without depending on libpcap here. */
const char *ih_link_name(int linktype)
{
	switch (linktype) {
	case IH_LINK_NULL: return "NULL";
	case IH_LINK_EN10MB: return "EN10MB";
	case IH_LINK_RAW: return "RAW";
	case IH_LINK_LOOP: return "LOOP";
	case IH_LINK_SLL: return "LINUX_SLL";
	case IH_LINK_IPV4: return "IPV4";
	case IH_LINK_IPV6: return "IPV6";
	case IH_LINK_SLL2: return "LINUX_SLL2";
	case IH_LINK_DLT_RAW1: return "RAW";
	case IH_LINK_DLT_RAW2: return "RAW";
	default: return "unknown";
	}
}

/* --------------------------------------------------------------------------- outcomes */

/* Lowercase of the enum suffixes. The X-macro cannot lowercase, so the list is written out;
 * the static assertion keeps its length in step with IH_DEC_RESULTS and test_decode checks
 * every entry against the uppercase names the macro gives. */
static const char *const result_names[] = {
	"ok",
	"skip_not_ip",
	"skip_fragment",
	"trunc_link",
	"trunc_ip4",
	"trunc_ip6",
	"trunc_ip6_ext",
	"trunc_icmp",
	"trunc_icmp6",
	"trunc_tcp",
	"trunc_udp",
	"bad_link",
	"bad_ip_version",
	"bad_ip4_hlen",
	"bad_ip4_totlen",
	"bad_ip6_ext",
	"bad_icmp_type",
	"bad_tcp_hlen",
};
_Static_assert(NELEM(result_names) == IH_DEC_NRESULTS, "result_names out of step with IH_DEC_RESULTS");

static const char *const result_texts[] = {
#define IH_X(name, text) text,
	IH_DEC_RESULTS(IH_X)
#undef IH_X
};

const char *ih_dec_result_name(enum ih_dec_result r)
{
	return pick(result_names, NELEM(result_names), (unsigned)r);
}

const char *ih_dec_result_text(enum ih_dec_result r)
{
	return pick(result_texts, NELEM(result_texts), (unsigned)r);
}

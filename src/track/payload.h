/* payload.h — what an ICMP echo payload looks like: the template of an ordinary ping tool, or
 * not; the tunnel tool whose structure it has, if any; and how random it is. Pure functions,
 * no allocation, no globals. Every rule cites the source it was read from in payload.c. */
#ifndef IH_PAYLOAD_H
#define IH_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

/* Payload templates of ordinary tools. Keep IH_TPL_NONE first and IH_TPL_COUNT last; new
 * entries go at the end of the list so that existing values do not move. */
#define IH_TPL_LIST(X)                                                                          \
	X(NONE, "none")                 /* matches no ordinary tool */                          \
	X(EMPTY, "empty")               /* no payload: nmap -PE, hping3 default */              \
	X(IPUTILS, "iputils")           /* Linux ping: timestamp, then bytes 0x10, 0x11, ... */  \
	X(IPUTILS_PATTERN, "iputils-pattern") /* ping -p: timestamp, then a repeated pattern */   \
	X(BUSYBOX, "busybox")           /* BusyBox ping: 4-byte timestamp, then zeros */        \
	X(WINDOWS, "windows")           /* "abcdefghijklmnopqrstuvwabcdefghi" */                \
	X(BSD, "bsd")                   /* macOS / BSD ping: timestamp then 0x08, 0x09, ... */  \
	X(FPING, "fping")               /* fping: 56 zero bytes, or the old count+timestamp */  \
	X(ZEROS, "zeros")               /* all zero bytes (mtr, fping -b N, BusyBox simple) */  \
	X(NMAP, "nmap")                 /* reserved: nmap -PE sends no payload (EMPTY) */       \
	X(TRACEROUTE, "traceroute")     /* traceroute -I: 0x48, 0x49, ... (mtr: ZEROS) */      \
	X(HPING3, "hping3")             /* hping3 -d N without -E: N bytes of 'X' */            \
	X(UNKNOWN, "unknown")           /* cut by the snaplen before anything could be told */ \
	X(INETUTILS, "inetutils")       /* GNU inetutils ping: timestamp, then 0x00, 0x01, ... */\
	X(LIBOPING, "liboping")         /* oping, noping, collectd: "liboping -- ICMP ping ..." */\
	X(MASSCAN, "masscan")           /* masscan --ping: 0x08, 0x09, ... 0x37 */              \
	X(CHECK_ICMP, "check_icmp")     /* Nagios/Icinga check_icmp: timestamp, id 10, zeros */\
	X(BLACKBOX, "blackbox_exporter") /* Prometheus: "Prometheus Blackbox Exporter", zeros */

enum ih_tpl {
#define IH_X(n, s) IH_TPL_##n,
	IH_TPL_LIST(IH_X)
#undef IH_X
	IH_TPL_COUNT
};

const char *ih_tpl_name(enum ih_tpl t);

/* Classifies an echo request or reply payload. `len` is the captured payload length,
 * `wire_len` the length the IP header says (they differ under a short snaplen). Only captured
 * bytes are judged; bytes past `wire_len` are not payload and are ignored. A payload cut so
 * short that no template can be confirmed or ruled out is IH_TPL_UNKNOWN, never NONE.
 * IH_TPL_IPUTILS_PATTERN is any ping -p fill (iputils, BSD, BusyBox, mtr -B): a payload the
 * user chose, so it is kept apart from the default templates. */
enum ih_tpl ih_payload_template(const uint8_t *p, uint32_t len, uint32_t wire_len);

/* True for the unmodified output of a common tool (EMPTY, IPUTILS, BUSYBOX, WINDOWS, BSD,
 * FPING, ZEROS, NMAP, TRACEROUTE, HPING3, INETUTILS, LIBOPING, MASSCAN, CHECK_ICMP, BLACKBOX);
 * false for NONE, IPUTILS_PATTERN and UNKNOWN. */
bool ih_tpl_is_default(enum ih_tpl t);

/* The pattern of a ping -p payload, in the order the user typed it (iputils fills from payload
 * offset 0 and the timestamp then overwrites the first 16 bytes, so the phase is recovered from
 * the offset). Writes up to 16 bytes to `out` and returns how many; 0 when the payload is not
 * IH_TPL_IPUTILS_PATTERN. */
uint32_t ih_payload_pattern(const uint8_t *p, uint32_t len, uint32_t wire_len,
			    uint8_t out[16] /* OUT */);

/* Shannon entropy of the bytes in bits per byte (0..8); 0 for an empty payload. */
double ih_entropy(const uint8_t *p, uint32_t len);

/* A 32-bit fingerprint of a payload (XXH3, fixed seed: fingerprints are compared, not hashed
 * into tables). */
uint32_t ih_payload_hash(const uint8_t *p, uint32_t len);

/* Well-known tunnel tools recognised by structure (never required for a detection). New
 * entries go at the end. */
enum ih_tool {
	IH_TOOL_NONE = 0,
	IH_TOOL_PTUNNEL,     /* magic 0xD5200880 at payload start */
	IH_TOOL_PTUNNEL_NG,  /* magic 0xDEADC0DE, or the ptunnel header with its own -m magic */
	IH_TOOL_ICMPSH,      /* echo id 1 (Windows IcmpSendEcho) carrying console text */
	IH_TOOL_ICMPTX,      /* a whole IP packet as payload, echo seq always 0 */
	IH_TOOL_HANS,        /* "hanc" / "hans" then a message type 1..9 */
	IH_TOOL_PINGTUNNEL,  /* esrrhs/pingtunnel protobuf MyMsg (magic 0xdead) or its old forms */
	IH_TOOL_ICMPDOOR,    /* echo id 13170 */
	IH_TOOL_IP_OVER_ICMP,/* a whole IP packet as payload, not icmptx's seq 0 (icmptunnel...) */
};
const char *ih_tool_name(enum ih_tool t);

/* Names the tunnel tool whose structure the payload has, from the captured bytes and the echo
 * header (`icmp_type` as on the wire, 8/0 or 128/129; `id` and `seq` in host order).
 * IH_TOOL_NONE when nothing is recognised; recognising a tool is evidence, never a
 * requirement. */
enum ih_tool ih_payload_tool(const uint8_t *p, uint32_t len, uint8_t icmp_type, uint16_t id,
			     uint16_t seq);

#endif

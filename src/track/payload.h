/* payload.h — what an ICMP echo payload looks like: the template of an ordinary ping tool, or
 * not, and how random it is. Pure functions, no allocation. */
#ifndef IH_PAYLOAD_H
#define IH_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

/* Payload templates of ordinary tools. Keep IH_TPL_NONE first and IH_TPL_COUNT last. */
#define IH_TPL_LIST(X)                                                                          \
	X(NONE, "none")                 /* matches no ordinary tool */                          \
	X(EMPTY, "empty")               /* no payload: nmap -PE, hping3 default */              \
	X(IPUTILS, "iputils")           /* Linux ping: timestamp, then bytes 0x10, 0x11, ... */  \
	X(IPUTILS_PATTERN, "iputils-pattern") /* ping -p: timestamp, then a repeated pattern */   \
	X(BUSYBOX, "busybox")           /* BusyBox ping */                                      \
	X(WINDOWS, "windows")           /* "abcdefghijklmnopqrstuvwabcdefghi" */                \
	X(BSD, "bsd")                   /* macOS / BSD ping: timestamp then 0x08, 0x09, ... */  \
	X(FPING, "fping")               /* zero-filled, optional timestamp */                   \
	X(ZEROS, "zeros")               /* all zero bytes (hping3 -d, many probes) */           \
	X(NMAP, "nmap")                 /* nmap --data-length random is not a template */       \
	X(TRACEROUTE, "traceroute")     /* traceroute -I / mtr payloads */

enum ih_tpl {
#define IH_X(n, s) IH_TPL_##n,
	IH_TPL_LIST(IH_X)
#undef IH_X
	IH_TPL_COUNT
};

const char *ih_tpl_name(enum ih_tpl t);

/* Classifies an echo request or reply payload. `len` is the captured payload length,
 * `wire_len` the length the IP header says (they differ under a short snaplen). */
enum ih_tpl ih_payload_template(const uint8_t *p, uint32_t len, uint32_t wire_len);

/* Shannon entropy of the bytes in bits per byte (0..8); 0 for an empty payload. */
double ih_entropy(const uint8_t *p, uint32_t len);

/* A 32-bit fingerprint of a payload (XXH3, fixed seed: fingerprints are compared, not hashed
 * into tables). */
uint32_t ih_payload_hash(const uint8_t *p, uint32_t len);

/* Well-known tunnel tools recognised by structure (never required for a detection). */
enum ih_tool {
	IH_TOOL_NONE = 0,
	IH_TOOL_PTUNNEL,     /* magic 0xD5200880 at payload start */
	IH_TOOL_PTUNNEL_NG,  /* magic 0xDEADC0DE, or the pair's own repeated magic */
	IH_TOOL_ICMPSH,
	IH_TOOL_ICMPTX,
	IH_TOOL_HANS,
	IH_TOOL_PINGTUNNEL,
	IH_TOOL_ICMPDOOR,
};
const char *ih_tool_name(enum ih_tool t);

#endif

/* procparse.h — pure parsers for the /proc files that attribution reads.
 *
 * No I/O and no allocation: a buffer in, fields out. Every function treats its input as
 * hostile (a /proc file is the kernel's, but a test, a container runtime or a FUSE mount can
 * put anything there): numbers are range-checked, hex fields must have exactly the width the
 * kernel prints, and a line longer than IH_PROCNET_LINE_MAX is refused, not cut. Fuzzed by
 * fuzz/fuzz_procnet.c.
 *
 * /proc/net/{icmp,icmp6,raw,raw6} (net/ipv4/ping.c ping_v4_format_sock, net/ipv4/raw.c
 * raw_sock_seq_show and their v6 twins), one socket a line after a header:
 *
 *    sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
 *     4: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 249276 ...
 *
 * Addresses are the kernel's __be32 words printed as native integers (%08X), so a word parsed
 * back into a native integer and copied out byte by byte is the address in network order on
 * the machine that printed it. The "port" is the host-order local port: for a ping socket the
 * echo identifier it puts on the wire, for a raw socket its protocol number. */
#ifndef IH_PROCPARSE_H
#define IH_PROCPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "endpoint/endpoint.h"

#define IH_PROCNET_LINE_MAX 512

enum ih_procnet_file { IH_PN_ICMP = 0, IH_PN_ICMP6, IH_PN_RAW, IH_PN_RAW6, IH_PN_NFILES };
const char *ih_procnet_path(enum ih_procnet_file f); /* "net/icmp", relative to /proc */

/* One socket line. */
struct ih_pn_sock {
	enum ih_ep_sock kind;   /* PING for icmp/icmp6, RAW for raw/raw6 */
	uint8_t family;         /* IH_AF_INET or IH_AF_INET6 */
	struct ih_addr local, remote;
	uint16_t local_port;    /* echo id (ping) or protocol (raw) */
	uint16_t remote_port;
	uint8_t state;
	uint32_t uid;
	uint64_t inode;
};

enum ih_pn_result { IH_PN_OK = 0, IH_PN_HEADER, IH_PN_BAD };

/* Parses one line (without its newline; need not be NUL-terminated). HEADER for the title
 * line and blank lines; BAD names the problem in *why (a static string). */
enum ih_pn_result ih_procnet_line(enum ih_procnet_file f, const char *line, size_t len,
				  struct ih_pn_sock *out /* OUT */, const char **why);

struct ih_pn_counts {
	uint64_t lines, sockets, bad, too_long;
};

/* Parses a whole file's text, calling fn for each socket. A final line without a newline is
 * parsed too. Counts go into *c (added to). */
void ih_procnet_parse(enum ih_procnet_file f, const char *buf, size_t len,
		      void (*fn)(void *ctx, const struct ih_pn_sock *s), void *ctx,
		      struct ih_pn_counts *c);

/* Is a raw socket of this protocol one that can send ICMP of its family? IPv4: 1 (ICMP) and
 * 255 (IPPROTO_RAW: the caller writes the IP header, as hping3 and nmap do); IPv6: 58 and 255. */
bool ih_procnet_raw_icmp(uint8_t family, uint16_t proto);

/* /proc/PID/stat: "pid (comm) state ppid ... starttime(22) ...". The comm may hold spaces and
 * parentheses, so fields are counted from the last ')'. comm (sanitized) may be NULL. */
bool ih_proc_parse_stat(const char *buf, size_t len, int32_t *ppid, uint64_t *start_ticks,
			char *comm, size_t commlen);
/* /proc/PID/status: the "Uid:" line's real and effective ids. */
bool ih_proc_parse_status_uid(const char *buf, size_t len, int64_t *uid, int64_t *euid);
/* /proc/stat: "btime SECONDS". */
bool ih_proc_parse_btime(const char *buf, size_t len, uint64_t *btime);
/* A readlink() of /proc/PID/fd/N: "socket:[INODE]" gives the inode. */
bool ih_proc_parse_socket_link(const char *buf, size_t len, uint64_t *inode);

#endif

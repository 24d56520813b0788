/* addr.h — one address type for IPv4 and IPv6, with formatting and CIDR helpers.
 *
 * An IPv4 address is stored in the first four bytes of `b`, the rest zero, so that
 * two addresses compare and hash by their bytes alone. */
#ifndef IH_ADDR_H
#define IH_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { IH_AF_NONE = 0, IH_AF_INET = 4, IH_AF_INET6 = 6 };

struct ih_addr {
	uint8_t family; /* IH_AF_INET or IH_AF_INET6 */
	uint8_t b[16];
};

#define IH_ADDR_STRLEN 48 /* INET6_ADDRSTRLEN plus room */

struct ih_cidr {
	struct ih_addr base;
	uint8_t prefix;
};

void ih_addr_v4(struct ih_addr *a, const uint8_t *p4);
void ih_addr_v6(struct ih_addr *a, const uint8_t *p16);
bool ih_addr_eq(const struct ih_addr *x, const struct ih_addr *y);
/* Total order: family first, then bytes. Returns <0, 0, >0. */
int ih_addr_cmp(const struct ih_addr *x, const struct ih_addr *y);
/* Writes the printable form into buf (size >= IH_ADDR_STRLEN); returns buf. */
char *ih_addr_str(const struct ih_addr *a, char *buf, size_t len);
/* Parses "1.2.3.4" or "fd00::1". Returns false on a malformed string. */
bool ih_addr_parse(const char *s, struct ih_addr *out);
/* Parses "10.0.0.0/8", "fd00::/8" or a bare address (full-length prefix). */
bool ih_cidr_parse(const char *s, struct ih_cidr *out);
bool ih_cidr_contains(const struct ih_cidr *c, const struct ih_addr *a);
char *ih_cidr_str(const struct ih_cidr *c, char *buf, size_t len);
/* The smallest CIDR that covers both addresses (same family). */
void ih_cidr_cover(const struct ih_addr *lo, const struct ih_addr *hi, struct ih_cidr *out);
/* The address with all bits past `prefix` cleared. */
void ih_addr_mask(const struct ih_addr *a, unsigned prefix, struct ih_addr *out);
/* Bit length of the family (32 or 128). */
unsigned ih_addr_bits(const struct ih_addr *a);

/* Is the address one that many hosts answer (a probe to it discovers a link at once)? */
enum ih_group {
	IH_GROUP_NONE = 0,
	IH_GROUP_MULTICAST, /* IPv4 224.0.0.0/4, IPv6 ff00::/8 */
	IH_GROUP_BROADCAST, /* 255.255.255.255 */
	IH_GROUP_MAYBE,     /* IPv4 a.b.c.255: a directed broadcast, or a host of a wider network */
};
/* Inline: two detectors ask it of every probe. */
static inline enum ih_group ih_addr_group(const struct ih_addr *a)
{
	if (a->family == IH_AF_INET6)
		return a->b[0] == 0xff ? IH_GROUP_MULTICAST : IH_GROUP_NONE;
	if (a->family != IH_AF_INET)
		return IH_GROUP_NONE;
	if (a->b[0] >= 224 && a->b[0] <= 239)
		return IH_GROUP_MULTICAST;
	if (a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 && a->b[3] == 255)
		return IH_GROUP_BROADCAST;
	return a->b[3] == 255 ? IH_GROUP_MAYBE : IH_GROUP_NONE;
}

#endif

/* addr.c — one address type for IPv4 and IPv6. */
#include "core/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ih_addr_v4(struct ih_addr *a, const uint8_t *p4)
{
	memset(a, 0, sizeof(*a));
	a->family = IH_AF_INET;
	memcpy(a->b, p4, 4);
}

void ih_addr_v6(struct ih_addr *a, const uint8_t *p16)
{
	memset(a, 0, sizeof(*a));
	a->family = IH_AF_INET6;
	memcpy(a->b, p16, 16);
}

bool ih_addr_eq(const struct ih_addr *x, const struct ih_addr *y)
{
	return x->family == y->family && memcmp(x->b, y->b, 16) == 0;
}

int ih_addr_cmp(const struct ih_addr *x, const struct ih_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->b, y->b, 16);
}

unsigned ih_addr_bits(const struct ih_addr *a)
{
	return a->family == IH_AF_INET6 ? 128 : 32;
}

char *ih_addr_str(const struct ih_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (a->family == IH_AF_INET)
		inet_ntop(AF_INET, a->b, buf, (socklen_t)len);
	else if (a->family == IH_AF_INET6)
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

bool ih_addr_parse(const char *s, struct ih_addr *out)
{
	uint8_t b[16];
	if (inet_pton(AF_INET, s, b) == 1) {
		ih_addr_v4(out, b);
		return true;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		ih_addr_v6(out, b);
		return true;
	}
	return false;
}

void ih_addr_mask(const struct ih_addr *a, unsigned prefix, struct ih_addr *out)
{
	*out = *a;
	unsigned bits = ih_addr_bits(a);
	if (prefix > bits)
		prefix = bits;
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (lo >= prefix)
			out->b[i] = 0;
		else if (prefix - lo < 8)
			out->b[i] &= (uint8_t)(0xff << (8 - (prefix - lo)));
	}
}

bool ih_cidr_parse(const char *s, struct ih_cidr *out)
{
	char tmp[IH_ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	struct ih_addr a;
	if (!ih_addr_parse(tmp, &a))
		return false;
	unsigned bits = ih_addr_bits(&a), prefix = bits;
	if (slash) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || v > bits)
			return false;
		prefix = (unsigned)v;
	}
	ih_addr_mask(&a, prefix, &out->base);
	out->prefix = (uint8_t)prefix;
	return true;
}

bool ih_cidr_contains(const struct ih_cidr *c, const struct ih_addr *a)
{
	if (c->base.family != a->family)
		return false;
	struct ih_addr m;
	ih_addr_mask(a, c->prefix, &m);
	return memcmp(m.b, c->base.b, 16) == 0;
}

char *ih_cidr_str(const struct ih_cidr *c, char *buf, size_t len)
{
	char a[IH_ADDR_STRLEN];
	snprintf(buf, len, "%s/%u", ih_addr_str(&c->base, a, sizeof(a)), c->prefix);
	return buf;
}

void ih_cidr_cover(const struct ih_addr *lo, const struct ih_addr *hi, struct ih_cidr *out)
{
	unsigned bits = ih_addr_bits(lo), prefix = 0;
	if (lo->family != hi->family) {
		memset(out, 0, sizeof(*out));
		out->base.family = lo->family;
		return;
	}
	while (prefix < bits) {
		unsigned byte = prefix / 8, bit = 7 - prefix % 8;
		if (((lo->b[byte] >> bit) & 1) != ((hi->b[byte] >> bit) & 1))
			break;
		prefix++;
	}
	ih_addr_mask(lo, prefix, &out->base);
	out->prefix = (uint8_t)prefix;
}

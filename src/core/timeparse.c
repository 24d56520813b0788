/* timeparse.c — RFC 3339 and relative times, to ns since the epoch. */
#include "core/timeparse.h"

#include <stddef.h>

int64_t ih_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n digits at *p; advances only on success. */
static bool digits(const char **p, unsigned n, unsigned *out)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool lit(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dm[m - 1];
}

bool ih_time_parse(const char *s, uint64_t *ns)
{
	const char *p = s;
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	uint64_t frac = 0;
	if (!s || !digits(&p, 4, &y) || !lit(&p, '-') || !digits(&p, 2, &mo) || !lit(&p, '-') ||
	    !digits(&p, 2, &d))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	int64_t off_s = 0;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return false;
		p++;
		if (!digits(&p, 2, &h) || !lit(&p, ':') || !digits(&p, 2, &mi) || !lit(&p, ':') ||
		    !digits(&p, 2, &sec))
			return false;
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		if (*p == '.') {
			p++;
			unsigned nd = 0;
			while (*p >= '0' && *p <= '9') {
				if (nd < 9) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					nd++;
				}
				p++;
			}
			if (nd == 0)
				return false;
			while (nd++ < 9)
				frac *= 10;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;
			unsigned oh, om;
			p++;
			if (!digits(&p, 2, &oh) || !lit(&p, ':') || !digits(&p, 2, &om) || oh > 23 || om > 59)
				return false;
			off_s = sign * (int64_t)(oh * 3600 + om * 60);
		}
		if (*p)
			return false;
	}
	int64_t t = ih_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_s;
	if (t < 0)
		return false;
	*ns = (uint64_t)t * 1000000000ull + frac;
	return true;
}

bool ih_time_parse_when(const char *s, uint64_t now_ns, uint64_t *ns)
{
	if (ih_time_parse(s, ns))
		return true;
	if (!s || !*s)
		return false;
	uint64_t n = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > 100000000ull)
			return false;
		p++;
	}
	if (p == s || p[1] != '\0')
		return false;
	uint64_t unit;
	switch (*p) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return false;
	}
	uint64_t back = n * unit * 1000000000ull;
	*ns = back >= now_ns ? 0 : now_ns - back;
	return true;
}

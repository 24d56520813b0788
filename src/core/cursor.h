/* cursor.h — a checked read cursor over untrusted bytes.
 *
 * Every read checks and reads in one call. A failed read sets a sticky error and returns 0,
 * so a chain of reads can be checked once at the end. Bounds are length comparisons against
 * what remains (never `p + n <= end`, which can overflow). A cursor can be narrowed to a
 * sub-range (the IP header quoted inside an ICMP error) with its own end. */
#ifndef IH_CURSOR_H
#define IH_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ih_cursor {
	const uint8_t *p;
	const uint8_t *end;
	bool err;
};

static inline void ih_cur_init(struct ih_cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->end = p + len;
	c->err = false;
}

static inline size_t ih_cur_left(const struct ih_cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool ih_cur_has(const struct ih_cursor *c, size_t n)
{
	return !c->err && n <= ih_cur_left(c);
}

static inline uint8_t ih_cur_u8(struct ih_cursor *c)
{
	if (!ih_cur_has(c, 1)) {
		c->err = true;
		return 0;
	}
	return *c->p++;
}

static inline uint16_t ih_cur_be16(struct ih_cursor *c)
{
	if (!ih_cur_has(c, 2)) {
		c->err = true;
		return 0;
	}
	uint16_t v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return v;
}

static inline uint16_t ih_cur_le16(struct ih_cursor *c)
{
	if (!ih_cur_has(c, 2)) {
		c->err = true;
		return 0;
	}
	uint16_t v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
	c->p += 2;
	return v;
}

static inline uint32_t ih_cur_be32(struct ih_cursor *c)
{
	if (!ih_cur_has(c, 4)) {
		c->err = true;
		return 0;
	}
	uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return v;
}

static inline uint32_t ih_cur_le32(struct ih_cursor *c)
{
	if (!ih_cur_has(c, 4)) {
		c->err = true;
		return 0;
	}
	uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	return v;
}

/* Returns a pointer to the next n bytes and advances, or NULL (sticky error). */
static inline const uint8_t *ih_cur_bytes(struct ih_cursor *c, size_t n)
{
	if (!ih_cur_has(c, n)) {
		c->err = true;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	return p;
}

static inline bool ih_cur_skip(struct ih_cursor *c, size_t n)
{
	return ih_cur_bytes(c, n) != NULL;
}

/* A cursor over the next n bytes (at most what remains); the parent is not advanced. */
static inline struct ih_cursor ih_cur_sub(const struct ih_cursor *c, size_t n)
{
	struct ih_cursor s = *c;
	if (!c->err && n < ih_cur_left(c))
		s.end = c->p + n;
	return s;
}

#endif

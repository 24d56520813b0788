/* procparse.c — \summary: /proc/net/{icmp,icmp6,raw,raw6}, /proc/PID/{stat,status,fd/N},
 * /proc/stat parsers (Linux procfs formats; see procparse.h). Pure functions. */
#include "endpoint/procparse.h"

#include <string.h>

const char *ih_procnet_path(enum ih_procnet_file f)
{
	switch (f) {
	case IH_PN_ICMP: return "net/icmp";
	case IH_PN_ICMP6: return "net/icmp6";
	case IH_PN_RAW: return "net/raw";
	case IH_PN_RAW6: return "net/raw6";
	case IH_PN_NFILES: break;
	}
	return "net/icmp";
}

bool ih_procnet_raw_icmp(uint8_t family, uint16_t proto)
{
	if (family == IH_AF_INET)
		return proto == 1 || proto == 255;
	if (family == IH_AF_INET6)
		return proto == 58 || proto == 255;
	return false;
}

/* ---------------------------------------------------------------- a bounded token reader */

struct tok {
	const char *p, *end;
};

static void skip_blanks(struct tok *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* The next whitespace-delimited token, or false at the end. */
static bool next_token(struct tok *t, const char **s, size_t *n)
{
	skip_blanks(t);
	if (t->p >= t->end)
		return false;
	*s = t->p;
	while (t->p < t->end && *t->p != ' ' && *t->p != '\t')
		t->p++;
	*n = (size_t)(t->p - *s);
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly `width` hex digits (width <= 16) into *v. */
static bool hex_exact(const char *s, size_t n, size_t width, uint64_t *v)
{
	if (n != width || width == 0 || width > 16)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

/* Decimal, at most `max`. */
static bool dec(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	if (n == 0 || n > 20)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* "HEXADDR:PORT": 8 (v4) or 32 (v6) hex digits, a colon, 4 hex digits. */
static bool addr_port(const char *s, size_t n, uint8_t family, struct ih_addr *a, uint16_t *port)
{
	size_t w = family == IH_AF_INET ? 8 : 32;
	if (n != w + 5 || s[w] != ':')
		return false;
	uint8_t b[16];
	for (size_t i = 0; i < w / 8; i++) {
		uint64_t word;
		if (!hex_exact(s + 8 * i, 8, 8, &word))
			return false;
		uint32_t w32 = (uint32_t)word;
		memcpy(b + 4 * i, &w32, 4); /* native order: the kernel printed a native word */
	}
	uint64_t p;
	if (!hex_exact(s + w + 1, 4, 4, &p))
		return false;
	if (family == IH_AF_INET)
		ih_addr_v4(a, b);
	else
		ih_addr_v6(a, b);
	*port = (uint16_t)p;
	return true;
}

enum ih_pn_result ih_procnet_line(enum ih_procnet_file f, const char *line, size_t len,
				  struct ih_pn_sock *out, const char **why)
{
	static const char *dummy;
	const char **w = why ? why : &dummy;
	memset(out, 0, sizeof(*out));
	*w = "";
	if ((unsigned)f >= IH_PN_NFILES) {
		*w = "unknown file";
		return IH_PN_BAD;
	}
	if (len > IH_PROCNET_LINE_MAX) {
		*w = "line too long";
		return IH_PN_BAD;
	}
	struct tok t = { line, line + len };
	const char *s;
	size_t n;
	if (!next_token(&t, &s, &n))
		return IH_PN_HEADER; /* blank */
	if (n == 2 && memcmp(s, "sl", 2) == 0)
		return IH_PN_HEADER;
	/* "N:" */
	uint64_t v;
	if (n < 2 || s[n - 1] != ':' || !dec(s, n - 1, UINT32_MAX, &v)) {
		*w = "slot number: expected 'N:'";
		return IH_PN_BAD;
	}
	out->family = (f == IH_PN_ICMP || f == IH_PN_RAW) ? IH_AF_INET : IH_AF_INET6;
	out->kind = (f == IH_PN_ICMP || f == IH_PN_ICMP6) ? IH_EP_SOCK_PING : IH_EP_SOCK_RAW;
	if (!next_token(&t, &s, &n) || !addr_port(s, n, out->family, &out->local, &out->local_port)) {
		*w = out->family == IH_AF_INET ? "local address: expected 8 hex digits ':' 4 hex digits"
					       : "local address: expected 32 hex digits ':' 4 hex digits";
		return IH_PN_BAD;
	}
	if (!next_token(&t, &s, &n) || !addr_port(s, n, out->family, &out->remote, &out->remote_port)) {
		*w = "remote address: malformed";
		return IH_PN_BAD;
	}
	if (!next_token(&t, &s, &n) || !hex_exact(s, n, 2, &v)) {
		*w = "state: expected 2 hex digits";
		return IH_PN_BAD;
	}
	out->state = (uint8_t)v;
	/* tx_queue:rx_queue, tr:tm->when, retrnsmt: checked for shape only */
	if (!next_token(&t, &s, &n) || n != 17 || s[8] != ':' || !hex_exact(s, 8, 8, &v) ||
	    !hex_exact(s + 9, 8, 8, &v)) {
		*w = "tx_queue:rx_queue: malformed";
		return IH_PN_BAD;
	}
	if (!next_token(&t, &s, &n) || n < 4 || n > 19 || s[2] != ':' || !hex_exact(s, 2, 2, &v) ||
	    !hex_exact(s + 3, n - 3, n - 3, &v)) {
		*w = "tr:tm->when: malformed";
		return IH_PN_BAD;
	}
	if (!next_token(&t, &s, &n) || !hex_exact(s, n, 8, &v)) {
		*w = "retrnsmt: expected 8 hex digits";
		return IH_PN_BAD;
	}
	if (!next_token(&t, &s, &n) || !dec(s, n, UINT32_MAX, &v)) {
		*w = "uid: expected a decimal number below 2^32";
		return IH_PN_BAD;
	}
	out->uid = (uint32_t)v;
	/* timeout: a signed int */
	if (!next_token(&t, &s, &n) || !(n > 0 && (s[0] == '-' ? dec(s + 1, n - 1, 2147483648u, &v)
							      : dec(s, n, 2147483647u, &v)))) {
		*w = "timeout: expected a decimal number";
		return IH_PN_BAD;
	}
	if (!next_token(&t, &s, &n) || !dec(s, n, UINT64_MAX, &v)) {
		*w = "inode: expected a decimal number";
		return IH_PN_BAD;
	}
	out->inode = v;
	/* ref, pointer, drops follow; their shape does not matter here */
	return IH_PN_OK;
}

void ih_procnet_parse(enum ih_procnet_file f, const char *buf, size_t len,
		      void (*fn)(void *ctx, const struct ih_pn_sock *s), void *ctx,
		      struct ih_pn_counts *c)
{
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		c->lines++;
		if (n > IH_PROCNET_LINE_MAX) {
			c->too_long++;
		} else {
			struct ih_pn_sock s;
			const char *why;
			enum ih_pn_result r = ih_procnet_line(f, buf + i, n, &s, &why);
			if (r == IH_PN_OK) {
				c->sockets++;
				if (fn)
					fn(ctx, &s);
			} else if (r == IH_PN_BAD) {
				c->bad++;
			}
		}
		i += n + (nl ? 1 : 0);
	}
}

/* ---------------------------------------------------------------- /proc/PID/... */

bool ih_proc_parse_stat(const char *buf, size_t len, int32_t *ppid, uint64_t *start_ticks,
			char *comm, size_t commlen)
{
	if (comm && commlen)
		comm[0] = '\0';
	const char *open = memchr(buf, '(', len);
	if (!open)
		return false;
	const char *close = NULL;
	for (size_t i = len; i > 0; i--)
		if (buf[i - 1] == ')') {
			close = buf + i - 1;
			break;
		}
	if (!close || close < open)
		return false;
	if (comm && commlen)
		ih_ep_sanitize(open + 1, (size_t)(close - open - 1) > 64 ? 64 : (size_t)(close - open - 1),
			       comm, commlen, false);
	struct tok t = { close + 1, buf + len };
	const char *s;
	size_t n;
	uint64_t v;
	/* fields 3 (state) .. 22 (starttime): 20 tokens */
	for (int field = 3; field <= 22; field++) {
		if (!next_token(&t, &s, &n))
			return false;
		if (n && s[n - 1] == '\n')
			n--;
		if (field == 4) {
			if (!dec(s, n, 2147483647u, &v))
				return false;
			*ppid = (int32_t)v;
		} else if (field == 22) {
			if (!dec(s, n, UINT64_MAX, &v))
				return false;
			*start_ticks = v;
		}
	}
	return true;
}

/* Finds a line starting with `key` (e.g. "Uid:") and returns a cursor on the rest of it. */
static bool find_line(const char *buf, size_t len, const char *key, struct tok *t)
{
	size_t kl = strlen(key);
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		if (n >= kl && memcmp(buf + i, key, kl) == 0) {
			t->p = buf + i + kl;
			t->end = buf + i + n;
			return true;
		}
		i += n + 1;
	}
	return false;
}

bool ih_proc_parse_status_uid(const char *buf, size_t len, int64_t *uid, int64_t *euid)
{
	struct tok t;
	const char *s;
	size_t n;
	uint64_t r, e;
	if (!find_line(buf, len, "Uid:", &t))
		return false;
	if (!next_token(&t, &s, &n) || !dec(s, n, UINT32_MAX, &r))
		return false;
	if (!next_token(&t, &s, &n) || !dec(s, n, UINT32_MAX, &e))
		return false;
	*uid = (int64_t)r;
	*euid = (int64_t)e;
	return true;
}

bool ih_proc_parse_btime(const char *buf, size_t len, uint64_t *btime)
{
	struct tok t;
	const char *s;
	size_t n;
	uint64_t v;
	if (!find_line(buf, len, "btime ", &t))
		return false;
	/* a boot time before 1990 or after 2200 is not believable */
	if (!next_token(&t, &s, &n) || !dec(s, n, 7258118400ull, &v) || v < 631152000ull)
		return false;
	*btime = v;
	return true;
}

bool ih_proc_parse_socket_link(const char *buf, size_t len, uint64_t *inode)
{
	if (len < 10 || memcmp(buf, "socket:[", 8) != 0 || buf[len - 1] != ']')
		return false;
	uint64_t v;
	if (!dec(buf + 8, len - 9, UINT64_MAX, &v))
		return false;
	*inode = v;
	return true;
}

/* auditd.c — \summary: one line of a Linux audit log (auditd raw and enriched formats).
 *
 *   [node=NAME ]type=SYSCALL msg=audit(1732497273.123:4567): arch=c000003e syscall=41
 *     success=yes exit=3 a0=2 a1=3 a2=1 a3=0 ... ppid=1 pid=1240 auid=1000 uid=0 ...
 *     comm="ptunnel-ng" exe="/usr/bin/ptunnel-ng" key="icmp"<GS>ARCH=x86_64 SYSCALL=socket
 *     AUID="alice" UID="root" ...
 *   type=SOCKADDR msg=audit(...): saddr=0200000001CB007107000000...
 *   type=PROCTITLE msg=audit(...): proctitle=7074756E6E656C2D6E67002D70...
 *
 * Field values are quoted ("..."; auditd never puts a quote inside), hex-encoded when the
 * string could hold a space, a quote or a control byte (exe, comm, proctitle, key), or bare
 * words. a0..a3 and arch are hex; pid, uid and exit are decimal. The fields after the group
 * separator (0x1d) are the enriched ones, upper-case. Only the lines of the first kind carry
 * all of this; every other record type is recognised by its type= and left alone. */
#include <string.h>

#include "endpoint/eplog.h"

struct cur {
	const char *p, *end;
};

static bool eat(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return false;
	c->p += n;
	return true;
}

static void blanks(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

static bool dec_u64(const char *s, size_t n, uint64_t max, uint64_t *v)
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

static bool dec_i64(const char *s, size_t n, int64_t *v)
{
	uint64_t u;
	if (n > 0 && s[0] == '-') {
		if (!dec_u64(s + 1, n - 1, (uint64_t)INT64_MAX + 1, &u))
			return false;
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
		return true;
	}
	if (!dec_u64(s, n, INT64_MAX, &u))
		return false;
	*v = (int64_t)u;
	return true;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool hex_u64(const char *s, size_t n, uint64_t *v)
{
	if (n == 0 || n > 16)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexv(s[i]);
		if (d < 0)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

static bool all_hex_even(const char *s, size_t n)
{
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hexv(s[i]) < 0)
			return false;
	return true;
}

/* Decodes up to cap bytes of hex into out; returns the byte count. */
static size_t unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i + 1 < n && k < cap; i += 2)
		out[k++] = (uint8_t)(hexv(s[i]) << 4 | hexv(s[i + 1]));
	return k;
}

/* A string field: quoted literal, hex-encoded, or a bare word ("(null)" and "?" are empty). */
static void str_field(const char *v, size_t n, bool quoted, char *out, size_t outlen, bool nul_as_space)
{
	if (quoted) {
		ih_ep_sanitize(v, n, out, outlen, nul_as_space);
		return;
	}
	if ((n == 6 && memcmp(v, "(null)", 6) == 0) || (n == 1 && v[0] == '?')) {
		out[0] = '\0';
		return;
	}
	if (all_hex_even(v, n)) {
		uint8_t raw[4096];
		size_t k = unhex(v, n, raw, sizeof(raw));
		ih_ep_sanitize((const char *)raw, k, out, outlen, nul_as_space);
		return;
	}
	ih_ep_sanitize(v, n, out, outlen, nul_as_space);
}

/* The syscall numbers of the calls we care about, per audit architecture. */
static enum ih_audit_call call_of(uint64_t arch, uint64_t nr)
{
	static const struct {
		uint32_t arch;
		uint16_t nr;
		enum ih_audit_call call;
	} t[] = {
		/* x86_64 */
		{ 0xc000003e, 41, IH_AC_SOCKET },  { 0xc000003e, 42, IH_AC_CONNECT },
		{ 0xc000003e, 44, IH_AC_SENDTO },  { 0xc000003e, 46, IH_AC_SENDMSG },
		{ 0xc000003e, 307, IH_AC_SENDMSG },
		/* i386 (direct socket calls; socketcall(2) hides its arguments) */
		{ 0x40000003, 359, IH_AC_SOCKET }, { 0x40000003, 362, IH_AC_CONNECT },
		{ 0x40000003, 369, IH_AC_SENDTO }, { 0x40000003, 370, IH_AC_SENDMSG },
		{ 0x40000003, 345, IH_AC_SENDMSG },
		/* aarch64 */
		{ 0xc00000b7, 198, IH_AC_SOCKET }, { 0xc00000b7, 203, IH_AC_CONNECT },
		{ 0xc00000b7, 206, IH_AC_SENDTO }, { 0xc00000b7, 211, IH_AC_SENDMSG },
		{ 0xc00000b7, 269, IH_AC_SENDMSG },
		/* arm EABI */
		{ 0x40000028, 281, IH_AC_SOCKET }, { 0x40000028, 283, IH_AC_CONNECT },
		{ 0x40000028, 290, IH_AC_SENDTO }, { 0x40000028, 296, IH_AC_SENDMSG },
		{ 0x40000028, 374, IH_AC_SENDMSG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].arch == arch && t[i].nr == nr)
			return t[i].call;
	return IH_AC_OTHER;
}

static enum ih_audit_call call_named(const char *v, size_t n)
{
	static const struct {
		const char *name;
		enum ih_audit_call call;
	} t[] = {
		{ "socket", IH_AC_SOCKET },   { "connect", IH_AC_CONNECT }, { "sendto", IH_AC_SENDTO },
		{ "sendmsg", IH_AC_SENDMSG }, { "sendmmsg", IH_AC_SENDMSG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].name) == n && memcmp(t[i].name, v, n) == 0)
			return t[i].call;
	return IH_AC_OTHER;
}

/* saddr: a struct sockaddr in hex. The family is a host-order 16-bit word: accept either
 * byte order (2 / 10), since the log may come from a machine of the other endianness. */
static bool parse_saddr(const char *v, size_t n, struct ih_audit_rec *r)
{
	if (!all_hex_even(v, n))
		return false;
	uint8_t b[128];
	size_t k = unhex(v, n, b, sizeof(b));
	if (k < 2)
		return false;
	unsigned fam = (b[0] == 0) ? b[1] : (b[1] == 0 ? b[0] : 0);
	if (fam == 2 && k >= 8) {
		ih_addr_v4(&r->addr, b + 4);
	} else if (fam == 10 && k >= 24) {
		ih_addr_v6(&r->addr, b + 8);
	} else {
		return true; /* a unix or netlink address: well-formed, not ours */
	}
	r->port = (uint16_t)(b[2] << 8 | b[3]);
	r->has_addr = true;
	return true;
}

static void rec_init(struct ih_audit_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->pid = r->ppid = -1;
	r->uid = r->euid = r->auid = -1;
}

int ih_audit_parse_line(const char *line, size_t len, struct ih_audit_rec *r, const char **why)
{
	static const char *dummy;
	const char **w = why ? why : &dummy;
	*w = "";
	rec_init(r);
	if (len > IH_EPLOG_LINE_MAX) {
		*w = "line too long";
		return -1;
	}
	struct cur c = { line, line + len };
	while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
		c.end--;
	blanks(&c);
	if (c.p == c.end)
		return 0;
	if (eat(&c, "node=")) {
		while (c.p < c.end && *c.p != ' ')
			c.p++;
		blanks(&c);
	}
	if (!eat(&c, "type=")) {
		*w = "expected type=... at the start of an audit record";
		return -1;
	}
	const char *tn = c.p;
	while (c.p < c.end && *c.p != ' ')
		c.p++;
	size_t tl = (size_t)(c.p - tn);
	if (tl == 0) {
		*w = "empty record type";
		return -1;
	}
	if (tl == 7 && memcmp(tn, "SYSCALL", 7) == 0)
		r->type = IH_AR_SYSCALL;
	else if (tl == 8 && memcmp(tn, "SOCKADDR", 8) == 0)
		r->type = IH_AR_SOCKADDR;
	else if (tl == 9 && memcmp(tn, "PROCTITLE", 9) == 0)
		r->type = IH_AR_PROCTITLE;
	else if (tl == 3 && memcmp(tn, "EOE", 3) == 0)
		r->type = IH_AR_EOE;
	blanks(&c);
	if (!eat(&c, "msg=audit(")) {
		*w = "expected msg=audit(SECONDS.MILLIS:SERIAL)";
		return -1;
	}
	/* seconds '.' fraction ':' serial ')' */
	const char *s = c.p;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
		c.p++;
	uint64_t sec, frac = 0, serial;
	if (c.p < c.end && *c.p == '/') {
		*w = "msg=audit(...) time is not SECONDS.MILLIS (interpreted ausearch -i output is not supported: give the raw log)";
		return -1;
	}
	if (!dec_u64(s, (size_t)(c.p - s), 17179869183ull, &sec)) {
		*w = "msg=audit(...): bad seconds";
		return -1;
	}
	uint64_t frac_ns = 0;
	if (eat(&c, ".")) {
		s = c.p;
		while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
			c.p++;
		size_t fl = (size_t)(c.p - s);
		if (fl == 0 || fl > 9 || !dec_u64(s, fl, 999999999, &frac)) {
			*w = "msg=audit(...): bad fraction of a second";
			return -1;
		}
		frac_ns = frac;
		for (size_t i = fl; i < 9; i++)
			frac_ns *= 10;
	}
	if (!eat(&c, ":")) {
		*w = "msg=audit(...): expected ':' before the serial number";
		return -1;
	}
	s = c.p;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
		c.p++;
	if (!dec_u64(s, (size_t)(c.p - s), UINT64_MAX, &serial) || !eat(&c, ")")) {
		*w = "msg=audit(...): bad serial number";
		return -1;
	}
	eat(&c, ":");
	r->time_ns = sec * 1000000000ull + frac_ns;
	r->serial = serial;
	if (r->type == IH_AR_OTHER || r->type == IH_AR_EOE)
		return 1;

	bool have_arch = false, have_nr = false, have_name = false, have_pid = false;
	bool have_saddr = false, have_title = false;
	uint64_t arch = 0, nr = 0;
	while (c.p < c.end) {
		while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\x1d'))
			c.p++;
		if (c.p >= c.end)
			break;
		const char *k = c.p;
		while (c.p < c.end && *c.p != '=' && *c.p != ' ' && *c.p != '\x1d')
			c.p++;
		if (c.p >= c.end || *c.p != '=') {
			/* a bare word (the enriched SADDR={ ... } spills some): skip it */
			continue;
		}
		size_t kl = (size_t)(c.p - k);
		c.p++;
		bool quoted = false;
		const char *v = c.p;
		size_t vl;
		if (c.p < c.end && *c.p == '"') {
			quoted = true;
			v = ++c.p;
			const char *q = memchr(c.p, '"', (size_t)(c.end - c.p));
			if (!q) {
				*w = "unterminated quoted value";
				return -1;
			}
			vl = (size_t)(q - v);
			c.p = q + 1;
		} else {
			while (c.p < c.end && *c.p != ' ' && *c.p != '\x1d')
				c.p++;
			vl = (size_t)(c.p - v);
		}
#define KEY(lit) (kl == sizeof(lit) - 1 && memcmp(k, lit, kl) == 0)
		uint64_t u;
		int64_t i64;
		if (r->type == IH_AR_SOCKADDR) {
			if (KEY("saddr")) {
				if (!parse_saddr(v, vl, r)) {
					*w = "saddr is not hex";
					return -1;
				}
				have_saddr = true;
			}
			continue;
		}
		if (r->type == IH_AR_PROCTITLE) {
			if (KEY("proctitle")) {
				str_field(v, vl, quoted, r->cmdline, sizeof(r->cmdline), true);
				have_title = true;
			}
			continue;
		}
		/* SYSCALL */
		if (KEY("arch")) {
			if (!hex_u64(v, vl, &arch)) {
				*w = "arch is not hex";
				return -1;
			}
			have_arch = true;
		} else if (KEY("syscall")) {
			if (!dec_u64(v, vl, 100000, &nr)) {
				*w = "syscall is not a number";
				return -1;
			}
			have_nr = true;
		} else if (KEY("SYSCALL")) {
			enum ih_audit_call cn = call_named(v, vl);
			if (cn != IH_AC_OTHER) {
				r->call = cn;
				have_name = true;
			}
		} else if (KEY("success")) {
			r->success = vl == 3 && memcmp(v, "yes", 3) == 0;
		} else if (KEY("exit")) {
			if (!dec_i64(v, vl, &i64)) {
				*w = "exit is not a number";
				return -1;
			}
			r->exit = i64;
		} else if (kl == 2 && k[0] == 'a' && k[1] >= '0' && k[1] <= '3') {
			if (!hex_u64(v, vl, &u)) {
				*w = "a0..a3 must be hex";
				return -1;
			}
			r->a[k[1] - '0'] = u;
		} else if (KEY("pid") || KEY("ppid")) {
			if (!dec_u64(v, vl, 0x7fffffff, &u)) {
				*w = "pid is not a number";
				return -1;
			}
			if (k[0] == 'p' && k[1] == 'i') {
				r->pid = (int32_t)u;
				have_pid = true;
			} else {
				r->ppid = (int32_t)u;
			}
		} else if (KEY("uid") || KEY("euid") || KEY("auid")) {
			if (!dec_u64(v, vl, UINT32_MAX, &u)) {
				*w = "uid is not a number";
				return -1;
			}
			if (k[0] == 'u')
				r->uid = (int64_t)u;
			else if (k[0] == 'e')
				r->euid = (int64_t)u;
			else
				r->auid = (int64_t)u;
		} else if (KEY("comm")) {
			str_field(v, vl, quoted, r->comm, sizeof(r->comm), false);
		} else if (KEY("exe")) {
			str_field(v, vl, quoted, r->exe, sizeof(r->exe), false);
		} else if (KEY("key")) {
			str_field(v, vl, quoted, r->key, sizeof(r->key), false);
		} else if (KEY("UID")) {
			str_field(v, vl, quoted, r->user, sizeof(r->user), false);
		}
#undef KEY
	}
	if (r->type == IH_AR_SYSCALL) {
		if (!have_pid || (!have_name && !(have_arch && have_nr))) {
			*w = "SYSCALL record without pid, arch or syscall";
			return -1;
		}
		if (!have_name)
			r->call = call_of(arch, nr);
	} else if (r->type == IH_AR_SOCKADDR && !have_saddr) {
		*w = "SOCKADDR record without saddr";
		return -1;
	} else if (r->type == IH_AR_PROCTITLE && !have_title) {
		*w = "PROCTITLE record without proctitle";
		return -1;
	}
	return 1;
}

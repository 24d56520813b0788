/* payload.c — templates of ordinary ping payloads, tunnel tool structures, entropy, fingerprint.
 *
 * Every template and tool rule below was read from the tool's own source and, where the lab
 * corpus has the tool, checked against its bytes on the wire (../shared/corpus, tcpdump -X).
 * The source is cited at each rule. A template is matched "tolerantly": a timestamp area is
 * only required to be a plausible timestamp, and a payload cut by the snaplen is judged on the
 * bytes captured. Nothing here allocates or keeps state. */
#include "track/payload.h"

#include <math.h>
#include <string.h>
#define XXH_INLINE_ALL /* the same XXH3 as libxxhash, specialised for each fixed key size */
#include <xxhash.h>

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static const char *const tpl_names[IH_TPL_COUNT] = {
#define IH_X(n, s) [IH_TPL_##n] = s,
	IH_TPL_LIST(IH_X)
#undef IH_X
};

const char *ih_tpl_name(enum ih_tpl t)
{
	if ((unsigned)t >= IH_TPL_COUNT)
		return "?";
	return tpl_names[t];
}

bool ih_tpl_is_default(enum ih_tpl t)
{
	switch (t) {
	case IH_TPL_EMPTY:
	case IH_TPL_IPUTILS:
	case IH_TPL_BUSYBOX:
	case IH_TPL_WINDOWS:
	case IH_TPL_BSD:
	case IH_TPL_FPING:
	case IH_TPL_ZEROS:
	case IH_TPL_NMAP:
	case IH_TPL_TRACEROUTE:
	case IH_TPL_HPING3:
	case IH_TPL_INETUTILS:
	case IH_TPL_LIBOPING:
	case IH_TPL_MASSCAN:
	case IH_TPL_CHECK_ICMP:
		return true;
	default:
		return false;
	}
}

const char *ih_tool_name(enum ih_tool t)
{
	switch (t) {
	case IH_TOOL_NONE: return "none";
	case IH_TOOL_PTUNNEL: return "ptunnel";
	case IH_TOOL_PTUNNEL_NG: return "ptunnel-ng";
	case IH_TOOL_ICMPSH: return "icmpsh";
	case IH_TOOL_ICMPTX: return "icmptx";
	case IH_TOOL_HANS: return "hans";
	case IH_TOOL_PINGTUNNEL: return "pingtunnel";
	case IH_TOOL_ICMPDOOR: return "icmpdoor";
	case IH_TOOL_IP_OVER_ICMP: return "ip-over-icmp";
	}
	return "?";
}

/* ------------------------------------------------------------------------------------------ */
/* Byte readers: callers check the length first; these only assemble bytes.                   */
/* ------------------------------------------------------------------------------------------ */

static inline uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* ------------------------------------------------------------------------------------------ */
/* Templates                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* How a template fits the captured bytes. WEAK: consistent, but the snaplen cut the payload
 * before enough of the fill could be checked to tell. */
enum fit { FIT_NO = 0, FIT_WEAK, FIT_YES };

/* Fill bytes that must be checked before a cut payload is said to match. */
#define MIN_FILL_CHECKED 4u

/* The payload seen by the matchers: captured bytes `p[0..len)` of `wire` bytes on the wire. */
struct view {
	const uint8_t *p;
	uint32_t len, wire;
	bool cut;
};

static enum fit fit_of(bool consistent, uint32_t fill_checked, const struct view *v)
{
	if (!consistent)
		return FIT_NO;
	if (v->cut && fill_checked < MIN_FILL_CHECKED)
		return FIT_WEAK;
	return FIT_YES;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* True when bytes [from, to) of the captured payload are all `b` (bytes past len: no claim).
 * All equal to the first and the first is `b`: one memcmp of the range against itself shifted
 * by one. */
static bool all_byte(const struct view *v, uint32_t from, uint32_t to, uint8_t b)
{
	to = min_u32(to, v->len);
	if (from >= to)
		return true;
	return v->p[from] == b && memcmp(v->p + from, v->p + from + 1, to - from - 1) == 0;
}

/* 0x00 .. 0xff twice: any 256-byte window of the counting fill starts somewhere in it. */
#define R4(b) (b), (b) + 1, (b) + 2, (b) + 3
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)
#define R256 R64(0), R64(64), R64(128), R64(192)
static const uint8_t ramp[512] = { R256, R256 };

/* Counting fill shifted by `add`: byte i is (i + add) & 0xff for captured i from `from` on. */
static bool counting_add(const struct view *v, uint32_t from, uint32_t add)
{
	for (uint32_t i = from; i < v->len;) {
		uint32_t n = min_u32(v->len - i, 256);
		if (memcmp(v->p + i, ramp + ((i + add) & 0xff), n) != 0)
			return false;
		i += n;
	}
	return true;
}

/* Counting fill: byte i is i & 0xff for captured i from `from` on. */
static bool counting(const struct view *v, uint32_t from)
{
	return counting_add(v, from, 0);
}

static uint32_t checked(const struct view *v, uint32_t from)
{
	return v->len > from ? v->len - from : 0;
}

/* A struct timeval of 16 bytes (64-bit time_t and suseconds_t) in either byte order, as iputils
 * writes it: the upper halves are zero until 2106 and tv_usec is below 1,000,000. Only the
 * captured bytes are checked. This is plausibility, not a value: the clock is never compared. */
static bool plausible_tv16(const struct view *v)
{
	if (v->len >= 16) {
		const uint8_t *p = v->p;
		bool le = rd_le32(p + 4) == 0 && rd_le32(p + 12) == 0 && rd_le32(p + 8) < 1000000u;
		bool be = rd_be32(p) == 0 && rd_be32(p + 8) == 0 && rd_be32(p + 12) < 1000000u;
		return le || be;
	}
	uint8_t b[16];
	uint32_t n = min_u32(v->len, 16);
	memcpy(b, v->p, n);
	bool le = true, be = true;
	for (uint32_t i = 0; i < n; i++) {
		bool hi_le = (i >= 4 && i < 8) || i >= 12; /* upper halves, little-endian */
		bool hi_be = i < 4 || (i >= 8 && i < 12);  /* upper halves, big-endian */
		if (hi_le && b[i])
			le = false;
		if (hi_be && b[i])
			be = false;
	}
	if (n >= 12 && rd_le32(b + 8) >= 1000000u)
		le = false;
	if (n >= 16 && rd_be32(b + 12) >= 1000000u)
		be = false;
	return le || be;
}

/* A struct tv32 / 32-bit timeval of 8 bytes (BSD ping's TIMEVAL_LEN): tv_usec below 1,000,000
 * in either byte order. */
static bool plausible_tv8(const struct view *v)
{
	if (v->len < 8)
		return true;
	return rd_le32(v->p + 4) < 1000000u || rd_be32(v->p + 4) < 1000000u;
}

/* All bytes zero: fping 5 (calloc'd buffer, socket4.c init_ping_buffer_ipv4; 56 bytes by
 * default, -b N), mtr (packet/construct_unix.c: memset(packet_buffer, param->bit_pattern, ...)
 * with bit_pattern 0; corpus traceroute_mtr.pcap: 36 zero bytes), BusyBox's non-fancy ping
 * (56 zero bytes, networking/ping.c ping4). Checked on this host: fping -c1 sends 56
 * zeros, fping -b 100 sends 100. A 56-byte all-zero payload is named for fping, whose default
 * size it is (corpus monitoring.pcap, sweep_fping.pcapng). */
static enum ih_tpl m_zeros(const struct view *v, enum fit *f)
{
	*f = fit_of(all_byte(v, 0, v->len, 0), v->len, v);
	return v->wire == 56 ? IH_TPL_FPING : IH_TPL_ZEROS;
}

/* hping3 -d N without -E: data.c data_handler() ends in memset(data, 'X', data_size).
 * Checked on this host: hping3 -1 -d 40 sends 40 bytes of 0x58. */
static enum ih_tpl m_hping3(const struct view *v, enum fit *f)
{
	*f = fit_of(all_byte(v, 0, v->len, 'X'), v->len, v);
	return IH_TPL_HPING3;
}

/* Windows ping: "abcdefghijklmnopqrstuvwabcdefghi" for the default 32 bytes; larger -l sizes
 * repeat the same 23 letters a..w (Wikipedia "Ping (networking utility)", Payload; the 32-byte
 * form is the 23-letter cycle cut at 32). Checked only against those published bytes. */
static enum ih_tpl m_windows(const struct view *v, enum fit *f)
{
	bool ok = true;
	for (uint32_t i = 0; i < v->len && ok; i++)
		ok = v->p[i] == (uint8_t)('a' + i % 23u);
	*f = fit_of(ok, v->len, v);
	return IH_TPL_WINDOWS;
}

/* traceroute -I (the "traceroute" package, mod-icmp.c icmp_init): for (i = sizeof(struct
 * icmphdr); i < data_len; i++) data[i] = 0x40 + (i & 0x3f); data includes the 8-byte ICMP
 * header, so payload byte j is 0x40 + ((j + 8) & 0x3f). Corpus traceroute_mtr.pcap: 32 bytes
 * 0x48 ("HIJK...") .. 0x67. */
static enum ih_tpl m_traceroute(const struct view *v, enum fit *f)
{
	bool ok = true;
	for (uint32_t i = 0; i < v->len && ok; i++)
		ok = v->p[i] == (uint8_t)(0x40 + ((i + 8) & 0x3f));
	*f = fit_of(ok, v->len, v);
	return IH_TPL_TRACEROUTE;
}

/* iputils ping, ping_common.c setup(): "Do not forget about case of small datalen, fill
 * timestamp area too!" for (i = 0; i < datalen; ++i) *p++ = i; then, when datalen >= sizeof
 * (struct timeval) (16), the timestamp overwrites bytes 0..15. So byte i is i & 0xff past 16,
 * and a payload under 16 bytes is 00 01 02 ... (checked on this host: ping -s 8, -s 12, -s 3;
 * ping -s 300 wraps 0xff -> 0x00 at offset 256). Corpus ping_troubleshoot.pcap,
 * flood_ping.pcap, pmtu_probe.pcap (1472 bytes), ipv6_normal.pcapng (ICMPv6, same fill). */
static enum ih_tpl m_iputils(const struct view *v, enum fit *f)
{
	if (v->wire < 16) {
		*f = fit_of(counting(v, 0), v->len, v);
		return IH_TPL_IPUTILS;
	}
	/* The 16-byte timestamp alone (ping -s 16) is accepted on plausibility, which for this
	 * layout is strict (eight zero bytes and tv_usec < 10^6). */
	bool ok = plausible_tv16(v) && counting(v, 16);
	uint32_t n = checked(v, 16);
	if (v->wire == 16 && !v->cut)
		n = MIN_FILL_CHECKED;
	*f = fit_of(ok, n, v);
	return IH_TPL_IPUTILS;
}

/* FreeBSD and macOS ping (sbin/ping/ping.c main): if (datalen >= TIMEVAL_LEN) timing = 1;
 * for (i = TIMEVAL_LEN; i < datalen; ++i) *datap++ = i; with TIMEVAL_LEN = sizeof(struct tv32)
 * = 8 and datap starting after it: an 8-byte timestamp, then 0x08, 0x09, ... A 32-bit Linux
 * iputils (8-byte timeval) looks the same and is named BSD. At least one fill byte is
 * required: the tv32 plausibility check alone is weak. */
static enum ih_tpl m_bsd(const struct view *v, enum fit *f)
{
	if (v->wire < 9) {
		*f = FIT_NO;
		return IH_TPL_BSD;
	}
	*f = fit_of(plausible_tv8(v) && counting(v, 8), checked(v, 8), v);
	return IH_TPL_BSD;
}

/* BusyBox ping, fancy version (networking/ping.c sendping4/sendping6): memset(pkt, G.pattern,
 * datalen + ICMP_MINLEN + 4), then a 32-bit monotonic_us() timestamp at payload offset 0 (also
 * for ICMPv6, icmp6_data8[4]). G is zeroed at start, so the default pattern is 0; -p sets one
 * byte. A non-zero byte is a user-chosen fill and is reported as a pattern. Four fill bytes
 * are required: a short payload of 4 bytes and a few zeros is too common to name. */
static enum ih_tpl m_busybox(const struct view *v, enum fit *f)
{
	if (v->wire < 4 + MIN_FILL_CHECKED || v->len < 5) {
		*f = v->len < 5 && v->wire >= 4 + MIN_FILL_CHECKED && v->cut ? FIT_WEAK : FIT_NO;
		return IH_TPL_BUSYBOX;
	}
	uint8_t b = v->p[4];
	*f = fit_of(all_byte(v, 4, v->len, b), checked(v, 4), v);
	return b == 0 ? IH_TPL_BUSYBOX : IH_TPL_IPUTILS_PATTERN;
}

/* fping 2.x and 3.x before the PING_DATA header was dropped (fping.c send_ping): the buffer is
 * zeroed, then PING_DATA { int ping_count; struct timeval ping_ts; } is written at payload
 * offset 0. On LP64 the timeval sits at offset 8 (after 4 bytes of padding) and the header is
 * 24 bytes; on 32-bit it is at offset 4 and the header is 12 bytes. Zeros follow. */
static enum ih_tpl m_fping_old(const struct view *v, enum fit *f)
{
	*f = FIT_NO;
	if (v->len < 8)
		return IH_TPL_FPING;
	/* ping_count is small and little-endian on the hosts fping runs on. */
	if (v->p[3] != 0 || v->p[2] != 0)
		return IH_TPL_FPING;
	/* LP64: bytes 4..7 padding (zero), 16-byte timeval at 8, zeros from 24. */
	if (v->wire >= 25 && all_byte(v, 4, 8, 0)) {
		struct view tv = { v->p + 8, v->len > 8 ? v->len - 8 : 0, v->wire - 8, v->cut };
		bool ok = plausible_tv16(&tv) && all_byte(v, 24, v->len, 0) &&
			  !all_byte(v, 8, 16, 0); /* a real clock, not zeros (that is ZEROS) */
		*f = fit_of(ok, checked(v, 24), v);
		if (*f != FIT_NO)
			return IH_TPL_FPING;
	}
	/* 32-bit: 8-byte timeval at 4, zeros from 12. */
	if (v->wire >= 13) {
		struct view tv = { v->p + 4, v->len - 4, v->wire - 4, v->cut };
		bool ok = plausible_tv8(&tv) && all_byte(v, 12, v->len, 0) && !all_byte(v, 4, 8, 0);
		*f = fit_of(ok, checked(v, 12), v);
	}
	return IH_TPL_FPING;
}

/* GNU inetutils ping (Debian inetutils-ping 2.4; ping/ping_echo.c): a 16-byte struct timeval at
 * payload offset 0, then its data buffer, filled with data_buffer[i] = i, so byte i is
 * (i - 16) & 0xff. Checked on this host: ping -c 5 sends the timestamp then 00 01 .. 27
 * (tests/data/recorded/ping_inetutils.pcap). A payload too short for the timestamp is the
 * plain 00 01 02 ... fill, which m_iputils names first. */
static enum ih_tpl m_inetutils(const struct view *v, enum fit *f)
{
	if (v->wire < 17) {
		*f = FIT_NO;
		return IH_TPL_INETUTILS;
	}
	*f = fit_of(plausible_tv16(v) && counting_add(v, 16, 256 - 16), checked(v, 16), v);
	return IH_TPL_INETUTILS;
}

/* liboping (oping, noping, collectd's ping plugin; liboping.c PING_DEF_DATA): the 56 bytes
 * "liboping -- ICMP ping library <http://octo.it/liboping/>", repeated when more are asked
 * for. Checked on this host: oping 1.10 sends exactly those 56 bytes
 * (tests/data/recorded/sweep_oping.pcap, monitoring_oping.pcap). */
static const char liboping_data[] = "liboping -- ICMP ping library <http://octo.it/liboping/>";

static enum ih_tpl m_liboping(const struct view *v, enum fit *f)
{
	const uint32_t n = sizeof(liboping_data) - 1;
	bool ok = v->len > 0;
	for (uint32_t i = 0; i < v->len && ok; i += n)
		ok = memcmp(v->p + i, liboping_data, min_u32(n, v->len - i)) == 0;
	*f = fit_of(ok, v->len, v);
	return IH_TPL_LIBOPING;
}

/* masscan --ping: no timestamp, payload byte j is j + 8 (the offsets of the ICMP message, as
 * an old BSD ping without its timestamp). Checked on this host: masscan 1.3.2 --ping sends 48
 * bytes 0x08 .. 0x37 (tests/data/recorded/sweep_masscan.pcap). Eight bytes are required: a
 * short run of counting bytes is too common to name. */
static enum ih_tpl m_masscan(const struct view *v, enum fit *f)
{
	if (v->wire < 8) {
		*f = FIT_NO;
		return IH_TPL_MASSCAN;
	}
	*f = fit_of(counting_add(v, 0, 8), v->len, v);
	return IH_TPL_MASSCAN;
}

/* check_icmp of the monitoring plugins (Nagios, Icinga, Naemon; monitoring-plugins 2.3.3
 * plugins-root/check_icmp.c send_icmp_ping): struct icmp_ping_data { struct timeval stime;
 * unsigned short ping_id; } at payload offset 0 of a zeroed buffer (68 bytes by default, -b),
 * with ping_id set to 10; the six bytes of the struct's tail padding are not cleared. Checked
 * on this host: 16-byte timeval, 0a 00, six bytes of stack, then zeros
 * (tests/data/recorded/monitoring_check_icmp.pcap). */
static enum ih_tpl m_check_icmp(const struct view *v, enum fit *f)
{
	if (v->wire < 24 + MIN_FILL_CHECKED || v->len < 18) {
		*f = FIT_NO;
		return IH_TPL_CHECK_ICMP;
	}
	bool ok = plausible_tv16(v) && v->p[16] == 10 && v->p[17] == 0 &&
		  all_byte(v, 24, v->len, 0);
	*f = fit_of(ok, checked(v, 24), v);
	return IH_TPL_CHECK_ICMP;
}

/* The period (1..16) of bytes [start, len), the smallest that repeats over at least
 * `need` bytes beyond one period; 0 when there is none. */
static uint32_t find_period(const struct view *v, uint32_t start, uint32_t need, bool *weak)
{
	*weak = false;
	uint32_t tail = v->len > start ? v->len - start : 0;
	for (uint32_t L = 1; L <= 16; L++) {
		bool ok = true;
		for (uint32_t i = start + L; i < v->len && ok; i++)
			ok = v->p[i] == v->p[i - L];
		if (!ok)
			continue;
		if (tail >= L + need)
			return L;
		if (v->cut)
			*weak = true; /* consistent so far, too short to tell */
	}
	return 0;
}

/* ping -p PATTERN. iputils ping_common.c fill(): up to 16 pattern bytes are written from
 * payload offset 0 (bp = packet + 8) through the whole buffer; the 16-byte timestamp then
 * overwrites bytes 0..15. So the tail from offset 16 repeats with the pattern's length, in a
 * phase set by 16 mod length (corpus beacon_ping.pcap: -p 4b21c0de5a5a gives 5a5a 4b21 c0de
 * ... from offset 16; checked on this host with -p 4b21c0de). A payload under 16 bytes has no
 * timestamp and is periodic from 0. BSD ping's -p fills after its 8-byte timestamp and so is
 * periodic from 16 too. Eight bytes must be confirmed by repetition. */
#define PATTERN_CONFIRM 8u

static uint32_t pattern_start(const struct view *v)
{
	return v->wire >= 16 ? 16 : 0;
}

static enum ih_tpl m_pattern(const struct view *v, enum fit *f, uint32_t *period)
{
	uint32_t start = pattern_start(v);
	*period = 0;
	*f = FIT_NO;
	if (start && !(plausible_tv16(v) || plausible_tv8(v)))
		return IH_TPL_IPUTILS_PATTERN;
	bool weak;
	uint32_t L = find_period(v, start, PATTERN_CONFIRM, &weak);
	if (L) {
		*period = L;
		*f = FIT_YES;
	} else if (weak) {
		*f = FIT_WEAK;
	}
	return IH_TPL_IPUTILS_PATTERN;
}

static enum ih_tpl classify(const struct view *v, uint32_t *period)
{
	/* Order matters where fills overlap: all-zero before BusyBox (whose default is 4 bytes
	 * and zeros), the counting fills before BusyBox and patterns, BusyBox before patterns
	 * (its zeros after a zero-topped timestamp would look like ping -p 00). Direct calls, so
	 * the compiler can inline the matchers: this runs for every echo packet. */
	bool weak = false;
	enum fit f;
	enum ih_tpl t;
	*period = 0;
#define TRY(call)                                                                              \
	do {                                                                                   \
		t = (call);                                                                    \
		if (f == FIT_YES)                                                              \
			return t;                                                              \
		weak |= f == FIT_WEAK;                                                         \
	} while (0)
	TRY(m_zeros(v, &f));
	TRY(m_hping3(v, &f));
	TRY(m_windows(v, &f));
	TRY(m_traceroute(v, &f));
	TRY(m_iputils(v, &f));
	TRY(m_bsd(v, &f));
	TRY(m_busybox(v, &f));
	TRY(m_fping_old(v, &f));
	TRY(m_inetutils(v, &f));
	TRY(m_liboping(v, &f));
	TRY(m_masscan(v, &f));
	TRY(m_check_icmp(v, &f));
	TRY(m_pattern(v, &f, period));
#undef TRY
	return weak ? IH_TPL_UNKNOWN : IH_TPL_NONE;
}

static void make_view(struct view *v, const uint8_t *p, uint32_t len, uint32_t wire_len)
{
	if (len > wire_len)
		len = wire_len; /* bytes past the IP length are padding, not payload */
	if (!p)
		len = 0;
	v->p = p;
	v->len = len;
	v->wire = wire_len;
	v->cut = len < wire_len;
}

enum ih_tpl ih_payload_template(const uint8_t *p, uint32_t len, uint32_t wire_len)
{
	struct view v;
	make_view(&v, p, len, wire_len);
	if (v.wire == 0)
		return IH_TPL_EMPTY; /* nmap -PE (corpus sweep_nmap.pcap), hping3 -1 without -d */
	if (v.len == 0)
		return IH_TPL_UNKNOWN;
	uint32_t period;
	return classify(&v, &period);
}

uint32_t ih_payload_pattern(const uint8_t *p, uint32_t len, uint32_t wire_len, uint8_t out[16])
{
	struct view v;
	make_view(&v, p, len, wire_len);
	if (v.wire == 0 || v.len == 0)
		return 0;
	uint32_t period;
	if (classify(&v, &period) != IH_TPL_IPUTILS_PATTERN)
		return 0;
	if (period == 0) {
		/* BusyBox -p: one byte after the 4-byte timestamp. */
		out[0] = v.p[4];
		return 1;
	}
	/* The fill started at payload offset 0, so the byte at offset k is pattern[k % period]. */
	uint32_t start = pattern_start(&v);
	for (uint32_t k = start; k < start + period; k++)
		out[k % period] = v.p[k];
	return period;
}

/* ------------------------------------------------------------------------------------------ */
/* Entropy and fingerprint                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* c log2 c for counts below 256, so that a payload's entropy costs one log2 call:
 * H = -sum (c/n) log2 (c/n) = log2 n - (1/n) sum c log2 c. Generated with Python:
 * [0.0] + [c * math.log2(c) for c in range(1, 256)], printed with repr (round-trip exact). */
static const double clog2c[256] = {
	0.0, 0.0, 2.0, 4.754887502163468,
	8.0, 11.60964047443681, 15.509775004326936, 19.651484454403228,
	24.0, 28.52932501298081, 33.219280948873624, 38.05374780501027,
	43.01955000865387, 48.105716335834195, 53.302968908806456, 58.60335893412778,
	64.0, 69.48686830125577, 75.05865002596161, 80.71062275542812,
	86.43856189774725, 92.23866587835397, 98.10749561002054, 104.0419249893113,
	110.03910001730775, 116.09640474436812, 122.21143267166839, 128.38196255841365,
	134.6059378176129, 140.88144885869957, 147.20671786825557, 153.58008562199313,
	160.0, 166.46500593882897, 172.97373660251154, 179.5249055930738,
	186.11730005192322, 192.74977452827116, 199.42124551085624, 206.1306865356277,
	212.8771237954945, 219.65963218934144, 226.47733175670794, 233.3293844521902,
	240.21499122004107, 247.13338933483536, 254.0838499786226, 261.06567602884894,
	268.0782000346155, 275.1207823616452, 282.1928094887362, 289.29369244054624,
	296.42286534333675, 303.57978409184955, 310.7639251168273, 317.9747842438563,
	325.2118756352258, 332.47473080739024, 339.76289771739914, 347.07593991234864,
	354.41343573651113, 361.7749775913361, 369.16017124398627, 376.56863518049477,
	384.0, 391.4539078468495, 398.93001187765793, 406.42797576067073,
	413.9474732050231, 421.4881875176937, 429.0498111861476, 436.6320454848324,
	444.23460010384645, 451.8571927982413, 459.4995490565423, 467.16140178719104,
	474.8424910217125, 482.54256363350737, 490.2613730712554, 497.99867910599113,
	505.754247590989, 513.5278502336546, 521.3192643786829, 529.1282728017948,
	536.9546635134159, 544.7982295717046, 552.6587689043804, 560.5360841388393,
	568.4299824400822, 576.3402753560094, 584.2667786696708, 592.2093122580814,
	600.1676999572452, 608.1417694330469, 616.1313520576979, 624.1362827914401,
	632.156400069231, 640.1915456921514, 648.2415647232904, 656.3063053878814,
	664.3856189774724, 672.4793597579312, 680.5873848810925, 688.7095542998715,
	696.8457306866735, 704.9957793549429, 713.1595681836991, 721.3369675449228,
	729.5278502336546, 737.7320914006849, 745.9495684877126, 754.1801611648618,
	762.4237512704516, 770.6802227529163, 778.9494616147805, 787.2313558586031,
	795.5257954347983, 803.8326721912583, 812.1518798246973, 820.4833138336453,
	828.8268714730223, 837.1824517102259, 845.5499551826722, 853.9292841567265,
	862.3203424879725, 870.7230355827609, 879.1372703609895, 887.562955220065,
	896.0, 904.4483159495998, 912.907815693699, 921.3784132014059,
	929.8600237553159, 938.3525639216582, 946.8559515213415, 955.3701056018622,
	963.8949464100461, 972.4303953655921, 980.9763750353874, 989.5328091085676,
	998.0996223722952, 1006.6767406882299, 1015.2640909696648, 1023.8616011593097,
	1032.469200207693, 1041.0868180521654, 1049.7143855964825, 1058.3518346909457,
	1066.9990981130845, 1075.656109548862, 1084.322803574382, 1092.9991156380868,
	1101.684982043425, 1110.3803399319759, 1119.0851272670147, 1127.7992828175068,
	1136.5227461425109, 1145.2554575759855, 1153.9973582119824, 1162.7483898902126,
	1171.508495181978, 1180.2776173764532, 1189.0557004673092, 1197.8426891396655,
	1206.6385287573657, 1215.4431653505596, 1224.2565456035895, 1233.0786168431666,
	1241.9093270268318, 1250.7486247316892, 1259.5964591434092, 1268.4527800454887,
	1277.3175378087608, 1286.1906833811533, 1295.0721682776787, 1303.9619445706576,
	1312.8599648801644, 1321.7661823646906, 1330.6805507120189, 1339.603024130302,
	1348.5335573393415, 1357.4721055620603, 1366.4186245161627, 1375.37307040598,
	1384.3353999144904, 1393.3055701955177, 1402.2835388660937, 1411.269263998988,
	1420.2627041153958, 1429.2638181777827, 1438.2725655828801, 1447.288906154828,
	1456.312800138462, 1465.3442081927396, 1474.3830913843028, 1483.4294111811741,
	1492.4831294465807, 1501.544208432906, 1510.6126107757627, 1519.6882994881862,
	1528.7712379549448, 1537.8613899269646, 1546.9587195158624, 1556.0631911885907,
	1565.174769762185, 1574.2934203986165, 1583.419108599743, 1592.5518002023603,
	1601.691461373347, 1610.8380586049045, 1619.9915587098858, 1629.151928817216,
	1638.3191363673982, 1647.4931491081036, 1656.6739350898456, 1665.861462661734,
	1675.0557004673092, 1684.2566174404521, 1693.4641828013698, 1702.678366052657,
	1711.899136975425, 1721.1264656255064, 1730.3603223297237, 1739.600677682228,
	1748.8475025409032, 1758.1007680238333, 1767.3604455058326, 1776.6265066150377,
	1785.898923229561, 1795.1776674742, 1804.4627117172063, 1813.7540285671091,
	1823.0515908695966, 1832.3553717044474, 1841.6653443825167, 1850.981482442775,
	1860.3037596493946, 1869.6321499888875, 1878.9666276672906, 1888.307167107399,
	1897.6537429460445, 1907.006330031421, 1916.3649034204518, 1925.7294383762048,
	1935.0999103653444, 1944.4762950556299, 1953.858568313453, 1963.2467062014155,
	1972.640684975945, 1982.040481084952, 1991.4460711655217, 2000.8574320416437,
	2010.274540721979, 2019.6973743976605, 2029.12591044013, 2038.5601263990088,
};

static double clog2(uint32_t c)
{
	return c < 256 ? clog2c[c] : (double)c * log2((double)c);
}

static double entropy_of_sum(double sum_clogc, uint32_t len)
{
	double n = (double)len;
	double e = log2(n) - sum_clogc / n;
	if (e < 1e-12)
		e = 0.0; /* rounding around an exact 0 (one byte value) */
	if (e > 8.0)
		e = 8.0;
	return e;
}

double ih_entropy(const uint8_t *p, uint32_t len)
{
	if (!p || len == 0)
		return 0.0;
	double sum = 0.0;
	if (len <= 128) {
		/* Small payloads: one histogram; visit each value once by walking the bytes and
		 * clearing a count as it is used, instead of sweeping 256 bins. */
		uint8_t h[256];
		memset(h, 0, sizeof(h));
		for (uint32_t i = 0; i < len; i++)
			h[p[i]]++;
		for (uint32_t i = 0; i < len; i++) {
			uint8_t c = h[p[i]];
			if (c) {
				sum += clog2c[c];
				h[p[i]] = 0;
			}
		}
		return entropy_of_sum(sum, len);
	}
	if (len <= 4u * 65535u) {
		/* Four interleaved 16-bit histograms (each sees at most len / 4 + 1 bytes): runs of one
		 * value would otherwise make every increment wait for the previous store to the same
		 * counter. */
		uint16_t h[4][256];
		memset(h, 0, sizeof(h));
		uint32_t i = 0;
		for (; len - i >= 4; i += 4) {
			h[0][p[i]]++;
			h[1][p[i + 1]]++;
			h[2][p[i + 2]]++;
			h[3][p[i + 3]]++;
		}
		for (; i < len; i++)
			h[0][p[i]]++;
		for (unsigned b = 0; b < 256; b++)
			sum += clog2((uint32_t)h[0][b] + h[1][b] + h[2][b] + h[3][b]);
		return entropy_of_sum(sum, len);
	}
	uint32_t h[256];
	memset(h, 0, sizeof(h));
	for (uint32_t i = 0; i < len; i++)
		h[p[i]]++;
	for (unsigned b = 0; b < 256; b++)
		sum += clog2(h[b]);
	return entropy_of_sum(sum, len);
}

#define IH_PAYLOAD_SEED 0x69636d70686f756eull /* "icmphoun" */

uint32_t ih_payload_hash(const uint8_t *p, uint32_t len)
{
	static const uint8_t none[1] = { 0 };
	return (uint32_t)XXH3_64bits_withSeed(p ? (const void *)p : (const void *)none,
					      p ? len : 0, IH_PAYLOAD_SEED);
}

/* ------------------------------------------------------------------------------------------ */
/* Tunnel tools                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* ptunnel and ptunnel-ng header (ptunnel-ng src/pkt.h ping_tunnel_pkt_t, network order):
 *
 *   0      magic      4  dst_ip      8  dst_port   12  state
 *  16      ack       20  data_len   24  seq_no(16) 26  id_no(16)   28  data...
 *
 * state (src/pconfig.h) is kProxy_start 0, kProto_ack 1, kProto_data 2, kProto_close 3,
 * kProto_authenticate 4, or'ed with exactly one of kUser_flag (1 << 30) or kProxy_flag
 * (1 << 31). Corpus tunnel_ptunnel.pcap: de ad c0 de, 7f000001, 00002328 (port 9000),
 * 40000000 (user, start), 0000ffff, 00000000 ... then 40000002 (user, data) with data_len
 * 0x400 in 1052-byte payloads. */
#define PT_HDR 28u
#define PT_MAGIC 0xD5200880u    /* ptunnel.h: #define kPing_tunnel_magic 0xD5200880 */
#define PTNG_MAGIC 0xDEADC0DEu  /* ptunnel-ng src/options.c: --magic default 0xdeadc0de */

static bool ptunnel_header(const uint8_t *p, uint32_t len)
{
	if (len < PT_HDR)
		return false;
	uint32_t state = rd_be32(p + 12);
	uint32_t flags = state & 0xC0000000u, code = state & ~0xC0000000u;
	if (flags != 0x40000000u && flags != 0x80000000u)
		return false;
	if (code > 4)
		return false;
	/* The whole payload must be the header and its data: with -m MAGIC the magic tells
	 * nothing, so the structure has to (a payload cut by the snaplen is not judged). */
	return rd_be32(p + 20) == len - PT_HDR;
}

/* hans (friedrich/hans worker.h TunnelHeader { char magic[4]; uint8_t type; }, client.cpp
 * Client::magic("hanc"), server.cpp Server::magic("hans")); types TYPE_RESET_CONNECTION 1 ..
 * TYPE_SERVER_FULL 9. Forks use other magics ("hnc2", "9967"); only upstream's are named. */
static bool hans(const uint8_t *p, uint32_t len)
{
	if (len < 5)
		return false;
	if (memcmp(p, "han", 3) != 0 || (p[3] != 'c' && p[3] != 's'))
		return false;
	return p[4] >= 1 && p[4] <= 9;
}

/* A protobuf varint at p[*i..len); false when it runs off the end or past 10 bytes. */
static bool pb_varint(const uint8_t *p, uint32_t len, uint32_t *i, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (*i >= len)
			return false;
		uint8_t b = p[(*i)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static bool lower_hex(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* esrrhs/pingtunnel. Current versions (msg.proto, pingtunnel.go sendICMP) send
 * proto.Marshal(MyMsg) as the echo data: id string = 1 (common.UniqueId(): 32 lowercase hex
 * digits of an MD5), type = 2, target = 3, data bytes = 4, rproto sint32 = 5, magic sint32 = 6
 * (always MyMsg_MAGIC = 0xdead, zigzag 114010, varint da fa 06), key = 7, int32 options
 * 8..14. Go marshals fields in ascending order. Recognised when the whole payload parses
 * that way and carries the magic, or when it begins with the 32-hex-digit id (a cut
 * payload). With -encrypt the message is encrypted and nothing is recognised. The first
 * versions sent MyMsg { TYPE u32 = 0xDEADBEEF, ... } and later { TYPE u32 in 0x01010101,
 * 0x02020202, 0x03030303, ..., ENDTYPE u32 = 0xAAAABBBB } in big-endian. */
static bool pingtunnel(const uint8_t *p, uint32_t len)
{
	if (len >= 4 && rd_be32(p) == 0xDEADBEEFu)
		return true;
	if (len >= 8) {
		uint32_t t = rd_be32(p);
		if ((t == 0x01010101u || t == 0x02020202u || t == 0x03030303u) &&
		    rd_be32(p + len - 4) == 0xAAAABBBBu)
			return true;
	}
	if (len >= 34 && p[0] == 0x0a && p[1] == 32 && lower_hex(p + 2, 32))
		return true;
	uint32_t i = 0, last = 0;
	bool magic = false;
	for (unsigned nfield = 0; i < len; nfield++) {
		uint64_t tag, v;
		if (nfield >= 32 || !pb_varint(p, len, &i, &tag))
			return false;
		uint32_t field = (uint32_t)(tag >> 3), wt = (uint32_t)(tag & 7);
		if (field <= last || field > 20)
			return false;
		last = field;
		bool is_len = field == 1 || field == 3 || field == 4;
		if (is_len != (wt == 2) || (!is_len && wt != 0))
			return false;
		if (!pb_varint(p, len, &i, &v))
			return false;
		if (is_len) {
			if (v > len - i)
				return false;
			i += (uint32_t)v;
		} else if (field == 6) {
			magic = v == 114010u;
			if (!magic)
				return false;
		}
	}
	return magic;
}

/* A whole IPv4 or IPv6 packet as the payload: ICMPTX reads its tun device with IFF_NO_PI
 * (tun_dev.c tun_open) and sends the packet as echo data (icmptx.c icmp_tunnel: tun_read(tun_fd,
 * packet+len, packetsize) ... icmp->seq = 0). DhavalKapil/icmptunnel sends tun packets the
 * same way. IPv4: version 4, a header checksum that verifies, total length equal to the
 * payload length. IPv6: version 6 and payload length + 40 equal to the payload length. */
static bool ip_packet(const uint8_t *p, uint32_t len)
{
	if (len >= 20 && (p[0] >> 4) == 4) {
		uint32_t ihl = (uint32_t)(p[0] & 0x0f) * 4;
		if (ihl < 20 || ihl > len || rd_be16(p + 2) != len)
			return false;
		uint32_t sum = 0;
		for (uint32_t i = 0; i < ihl; i += 2)
			sum += rd_be16(p + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		return sum == 0xffff;
	}
	if (len >= 40 && (p[0] >> 4) == 6)
		return (uint32_t)rd_be16(p + 4) + 40 == len;
	return false;
}

/* Console text: printable ASCII, tab, CR, LF. */
static bool console_text(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (!((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n'))
			return false;
	}
	return true;
}

enum ih_tool ih_payload_tool(const uint8_t *p, uint32_t len, uint8_t icmp_type, uint16_t id,
			     uint16_t seq)
{
	if (!p)
		len = 0;
	if (len >= 4) {
		uint32_t magic = rd_be32(p);
		if (magic == PT_MAGIC)
			return IH_TOOL_PTUNNEL;
		if (magic == PTNG_MAGIC || ptunnel_header(p, len))
			return IH_TOOL_PTUNNEL_NG;
	}
	if (hans(p, len))
		return IH_TOOL_HANS;
	if (pingtunnel(p, len))
		return IH_TOOL_PINGTUNNEL;
	/* icmpdoor (krabelize/icmpdoor icmpdoor.py, icmp-cnc.py): ICMP_ID = int(13170) on the
	 * commands and on the implant's answers. One ordinary ping in 65536 has that id too, so
	 * an ordinary template is not icmpdoor. */
	if (id == 13170 && len > 0 && !ih_tpl_is_default(ih_payload_template(p, len, len)))
		return IH_TOOL_ICMPDOOR;
	/* icmpsh (inquisb/icmpsh icmpsh-s.c): the Windows slave sends cmd.exe output through
	 * IcmpSendEcho, whose echo id is 1 (as Windows ping's); icmpsh_m.py answers with the
	 * command typed, echoing id and seq. Both are console text (ET/Snort: itype:0 icmp_id:1).
	 * Windows ping itself uses id 1 with its alphabet, which is excluded. */
	if (id == 1 && (icmp_type == 8 || icmp_type == 0) && len > 0 && console_text(p, len) &&
	    ih_payload_template(p, len, len) != IH_TPL_WINDOWS)
		return IH_TOOL_ICMPSH;
	if (ip_packet(p, len))
		return seq == 0 ? IH_TOOL_ICMPTX : IH_TOOL_IP_OVER_ICMP;
	return IH_TOOL_NONE;
}

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
	case IH_TPL_BLACKBOX:
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

/* Prometheus blackbox_exporter's ICMP prober: the 28 bytes "Prometheus Blackbox Exporter"; with
 * a module's payload_size, a zeroed buffer of that size with the string copied to its start
 * (cut when the size is smaller). Checked on this host: Debian's prometheus-blackbox-exporter
 * 0.23.0 sends the 28 bytes by default, and the string then 1172 zeros with payload_size: 1200
 * (tests/data/recorded/monitoring_blackbox.pcap). Eight bytes are required, as for masscan. */
static const char blackbox_data[] = "Prometheus Blackbox Exporter";

static enum ih_tpl m_blackbox(const struct view *v, enum fit *f)
{
	const uint32_t n = sizeof(blackbox_data) - 1;
	if (v->wire < 8 || v->len == 0) {
		*f = FIT_NO;
		return IH_TPL_BLACKBOX;
	}
	bool ok = memcmp(v->p, blackbox_data, min_u32(n, v->len)) == 0 && all_byte(v, n, v->len, 0);
	*f = fit_of(ok, v->len, v);
	return IH_TPL_BLACKBOX;
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
	TRY(m_blackbox(v, &f));
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

/* c log2 c for counts below 256, in units of 2^-32, so that a payload's entropy costs one log2
 * call: H = log2 n - (1/n) sum c log2 c. Summed as integers, the sum is exact whatever the
 * order of its terms (at most 256 terms below 2^43: below 2^51, exact as a double too), so the
 * additions need not wait on one another as a chain of floating-point ones must (a 1 KB
 * payload's entropy took 20 % less time); each term is within 2^-33 of c log2 c, the entropy
 * within 10^-11 of the exact value. Generated with Python:
 * [0] + [round(c * math.log2(c) * 2**32) for c in range(1, 256)]. */
static const uint64_t clog2c_fx[256] = {
	0u, 0u, 8589934592, 20422086318,
	34359738368, 49863026156, 66613976412, 84402483050,
	103079215104, 122532517908, 142675725272, 163439602313,
	184767560376, 206612478413, 228934508243, 251699510058,
	274877906944, 298443826855, 322374447143, 346649485174,
	371250796464, 396162053374, 421368485138, 446856665242,
	472614335856, 498630261560, 524894106522, 551396330585,
	578128100774, 605081215461, 632248038996, 659621445063,
	687194767360, 714961756436, 742916541775, 771053598340,
	799367716943, 827853977910, 856507727597, 885324557373,
	914300284768, 943430936505, 972712733180, 1002142075418,
	1031715531299, 1061429824943, 1091281826100, 1121268540652,
	1151387101919, 1181634762693, 1212008887920, 1242506947971,
	1273126512436, 1303865244401, 1334720895153, 1365691299280,
	1396774370124, 1427968095564, 1459270534090, 1490679811152,
	1522194115751, 1553811697266, 1585530862479, 1617349972800,
	1649267441664, 1681281732094, 1713391354407, 1745594864072,
	1777890859677, 1810277981039, 1842754907399, 1875320355743,
	1907973079198, 1940711865531, 1973535535725, 2006442942630,
	2039432969689, 2072504529734, 2105656563833, 2138888040211,
	2172197953216, 2205585322339, 2239049191281, 2272588627073,
	2306202719225, 2339890578929, 2373651338292, 2407484149604,
	2441388184646, 2475362634022, 2509406706526, 2543519628535,
	2577700643432, 2611949011047, 2646264007128, 2680644922836,
	2715091064254, 2749601751923, 2784176320394, 2818814117800,
	2853514505441, 2888276857395, 2923100560134, 2957985012161,
	2992929623656, 3027933816148, 3062997022178, 3098118685001,
	3133298258275, 3168535205776, 3203829001120, 3239179127495,
	3274585077400, 3310046352398, 3345562462872, 3381132927798,
	3416757274517, 3452435038518, 3488165763232, 3523948999829,
	3559784307023, 3595671250881, 3631609404644, 3667598348550,
	3703637669661, 3739726961702, 3775865824895, 3812053865811,
	3848290697216, 3884575937926, 3920909212667, 3957290151940,
	3993718391887, 4030193574161, 4066715345807, 4103283359136,
	4139897271611, 4176556745732, 4213261448926, 4250011053440,
	4286805236239, 4323643678900, 4360526067518, 4397452092609,
	4434421449019, 4471433835831, 4508488956278, 4545586517659,
	4582726231257, 4619907812255, 4657130979659, 4694395456223,
	4731700968371, 4769047246129, 4806434023052, 4843861036153,
	4881328025842, 4918834735854, 4956380913191, 4993966308055,
	5031590673793, 5069253766833, 5106955346629, 5144695175608,
	5182473019106, 5220288645327, 5258141825281, 5296032332738,
	5333959944178, 5371924438740, 5409925598178, 5447963206816,
	5486037051496, 5524146921542, 5562292608712, 5600473907160,
	5638690613388, 5676942526215, 5715229446731, 5753551178262,
	5791907526331, 5830298298621, 5868723304942, 5907182357193,
	5945675269328, 5984201857324, 6022761939149, 6061355334726,
	6099981865904, 6138641356430, 6177333631912, 6216058519799,
	6254815849341, 6293605451571, 6332427159271, 6371280806948,
	6410166230805, 6449083268718, 6488031760207, 6527011546416,
	6566022470082, 6605064375517, 6644137108583, 6683240516664,
	6722374448653, 6761538754920, 6800733287297, 6839957899055,
	6879212444881, 6918496780860, 6957810764455, 6997154254485,
	7036527111109, 7075929195803, 7115360371347, 7154820501799,
	7194309452485, 7233827089978, 7273373282079, 7312947897803,
	7352550807360, 7392181882142, 7431840994702, 7471528018745,
	7511242829104, 7550985301735, 7590755313692, 7630552743118,
	7670377469233, 7710229372311, 7750108333677, 7790014235684,
	7829946961706, 7869906396121, 7909892424299, 7949904932593,
	7989943808320, 8030008939752, 8070100216106, 8110217527529,
	8150360765085, 8190529820750, 8230724587393, 8270944958770,
	8311190829512, 8351462095111, 8391758651916, 8432080397115,
	8472427228731, 8512799045608, 8553195747404, 8593617234577,
	8634063408382, 8674534170855, 8715029424807, 8755549073813,
};

/* The entropy of len bytes from the sum of c log2 c over the counts c of their byte values:
 * sum_fx for the counts below 256 (units of 2^-32), big for the others (a log2 each) */
static double entropy_of_sum(uint64_t sum_fx, double big, uint32_t len)
{
	double n = (double)len;
	double e = log2(n) - ((double)sum_fx * 0x1p-32 + big) / n;
	if (e < 1e-12)
		e = 0.0; /* rounding around an exact 0 (one byte value) */
	if (e > 8.0)
		e = 8.0;
	return e;
}

/* c log2 c over the 256 counts of a histogram: the counts below 256 in fixed point (returned),
 * the others added to *big (a log2 each). Two sums, so that the additions overlap. */
static uint64_t sum_counts(const uint32_t t[256], double *big)
{
	uint64_t s0 = 0, s1 = 0;
	for (unsigned b = 0; b < 256; b += 2) {
		uint32_t c0 = t[b], c1 = t[b + 1];
		if (c0 < 256)
			s0 += clog2c_fx[c0];
		else
			*big += (double)c0 * log2((double)c0);
		if (c1 < 256)
			s1 += clog2c_fx[c1];
		else
			*big += (double)c1 * log2((double)c1);
	}
	return s0 + s1;
}

double ih_entropy(const uint8_t *p, uint32_t len)
{
	if (!p || len == 0)
		return 0.0;
	uint64_t sum = 0;
	double big = 0.0;
	if (len <= 128) {
		/* Small payloads: one histogram; visit each value once by walking the bytes and
		 * clearing a count as it is used, instead of sweeping 256 bins. */
		uint8_t h[256];
		memset(h, 0, sizeof(h));
		for (uint32_t i = 0; i < len; i++)
			h[p[i]]++;
		for (uint32_t i = 0; i < len; i++) {
			sum += clog2c_fx[h[p[i]]]; /* 0 once cleared */
			h[p[i]] = 0;
		}
		return entropy_of_sum(sum, 0.0, len);
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
		uint32_t t[256];
		for (unsigned b = 0; b < 256; b++)
			t[b] = (uint32_t)h[0][b] + h[1][b] + h[2][b] + h[3][b];
		sum = sum_counts(t, &big);
		return entropy_of_sum(sum, big, len);
	}
	uint32_t h[256];
	memset(h, 0, sizeof(h));
	for (uint32_t i = 0; i < len; i++)
		h[p[i]]++;
	sum = sum_counts(h, &big);
	return entropy_of_sum(sum, big, len);
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

/* test_payload.c — payload templates, ping -p patterns, tunnel tool structures, entropy and the
 * payload fingerprint.
 *
 * Byte arrays marked "corpus" were cut from ../shared/corpus captures (frame numbers as
 * tcpdump -r counts them, payload = bytes after the 8-byte ICMP header); those marked "host"
 * were sent on this machine's loopback by the real tool and read back with tcpdump -X; those
 * marked "source" are built from the tool's source as cited in payload.c, for tools the lab
 * does not have. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "track/payload.h"
#include "track/track.h"

#define N(a) ((uint32_t)sizeof(a))

/* corpus ping_troubleshoot.pcap frame 1: iputils ping, 56 bytes: 16-byte timeval
 * (tv_sec 0x6b06381a, tv_usec 218651, little-endian), then 0x10 .. 0x37. */
static const uint8_t iputils56[] = {
	0x1a, 0x38, 0x06, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x1b, 0x56, 0x03, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* corpus ipv6_normal.pcapng, first ICMPv6 echo request (ping -6): the same fill. */
static const uint8_t iputils6[] = {
	0x99, 0x35, 0x06, 0x6b, 0x00, 0x00, 0x00, 0x00, 0xa3, 0xf8, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* corpus pmtu_probe.pcap frame 7: ping -s 4000, first fragment; the first 48 of the 1472
 * payload bytes in that fragment (3992 on the wire after reassembly would be 4000 - 8). */
static const uint8_t iputils4000_head[] = {
	0x95, 0x35, 0x06, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x54, 0x54, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};

/* host: ping -c1 -s 8 127.0.0.1 and ping -s 3: no room for a timestamp, 00 01 02 ... */
static const uint8_t iputils8[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
static const uint8_t iputils3[] = { 0x00, 0x01, 0x02 };

/* corpus beacon_ping.pcap frame 1: ping -s 120 -p 4b21c0de5a5a. The pattern was written from
 * offset 0; 16 mod 6 = 4, so the tail begins with the pattern's 5th byte: 5a 5a 4b 21 c0 de. */
static const uint8_t beacon120[] = {
	0xbb, 0x37, 0x06, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x11, 0x0e, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde,
	0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a,
	0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21,
	0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde,
	0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a,
	0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21,
	0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde,
	0x5a, 0x5a, 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a,
};

/* corpus case_seed.pcap frame 13: ping -s 180 -p 4b21c0de, first 40 of 180 bytes. */
static const uint8_t seed_pattern_head[] = {
	0x79, 0x36, 0x06, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x1a, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x4b, 0x21, 0xc0, 0xde, 0x4b, 0x21, 0xc0, 0xde, 0x4b, 0x21, 0xc0, 0xde,
	0x4b, 0x21, 0xc0, 0xde, 0x4b, 0x21, 0xc0, 0xde, 0x4b, 0x21, 0xc0, 0xde,
};

/* corpus traceroute_mtr.pcap frame 1: traceroute -I, 32 bytes 0x48 .. 0x67. */
static const uint8_t traceroute32[] = {
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55,
	0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
	0x64, 0x65, 0x66, 0x67,
};

/* corpus traceroute_mtr.pcap frame 61 (mtr -r: 36 zeros); monitoring.pcap frame 3 (fping
 * -l: 56 zeros). */
static const uint8_t zeros[100];

/* corpus exfil_hping3.pcap frame 3: hping3 -E file: the first 48 bytes of base64 text. */
static const uint8_t base64_48[] = {
	0x0a, 0x2f, 0x37, 0x50, 0x43, 0x50, 0x6e, 0x58, 0x54, 0x47, 0x4e, 0x34, 0x35, 0x53,
	0x68, 0x4e, 0x75, 0x37, 0x34, 0x61, 0x4a, 0x34, 0x55, 0x35, 0x79, 0x71, 0x5a, 0x32,
	0x63, 0x35, 0x79, 0x77, 0x44, 0x58, 0x4c, 0x56, 0x36, 0x4e, 0x52, 0x53, 0x34, 0x73,
	0x75, 0x42, 0x55, 0x41, 0x56, 0x5a,
};

/* corpus tunnel_ptunnel.pcap frame 3: ptunnel-ng's first packet, 28-byte header only:
 * magic deadc0de, dst 127.0.0.1:9000, state 0x40000000 (user | kProxy_start), ack 0xffff,
 * data_len 0, seq 0, id 0x662c. */
static const uint8_t ptng_start[] = {
	0xde, 0xad, 0xc0, 0xde, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x23, 0x28, 0x40, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66, 0x2c,
};

/* corpus tunnel_ptunnel.pcap frame 68: a data packet (state 0x40000002, data_len 0x400),
 * the first 48 of 1052 bytes; the rest is the random data carried. */
static const uint8_t ptng_data_head[] = {
	0xde, 0xad, 0xc0, 0xde, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x40, 0x66, 0x2c,
	0x64, 0x24, 0xe9, 0x68, 0xdb, 0x78, 0x8f, 0xbf, 0x73, 0xa4, 0x83, 0x41, 0xae, 0xc5,
	0x63, 0x0b, 0xa3, 0x17, 0x35, 0x82,
};

/* corpus tunnel_ptunnel.pcap, the proxy's first echo reply: state 0x80000001 (proxy | ack). */
static const uint8_t ptng_proxy_ack[] = {
	0xde, 0xad, 0xc0, 0xde, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x23, 0x28, 0x80, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66, 0x2c,
};

/* Random bytes: the 20 data bytes after the ptunnel-ng header of frame 68 (/dev/urandom). */
static const uint8_t random20[] = {
	0x64, 0x24, 0xe9, 0x68, 0xdb, 0x78, 0x8f, 0xbf, 0x73, 0xa4,
	0x83, 0x41, 0xae, 0xc5, 0x63, 0x0b, 0xa3, 0x17, 0x35, 0x82,
};

/* corpus traceroute_mtr.pcap frame 1 as a whole IPv4 packet (header checksum e186 verifies,
 * total length 0x3c = 60): what an IP-over-ICMP tunnel carries as its payload. */
static const uint8_t ipv4_packet60[] = {
	0x45, 0x00, 0x00, 0x3c, 0x91, 0xdb, 0x00, 0x00, 0x01, 0x01, 0xe1, 0x86, 0x0a, 0x4d,
	0x00, 0x0b, 0xcb, 0x00, 0x71, 0x07, 0x08, 0x00, 0x68, 0xcf, 0x19, 0xaa, 0x00, 0x01,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55,
	0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
	0x64, 0x65, 0x66, 0x67,
};

static uint8_t buf[4096];

/* ------------------------------------------------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ih_tpl_name(IH_TPL_NONE), "none");
	assert_string_equal(ih_tpl_name(IH_TPL_IPUTILS_PATTERN), "iputils-pattern");
	assert_string_equal(ih_tpl_name(IH_TPL_HPING3), "hping3");
	assert_string_equal(ih_tpl_name(IH_TPL_UNKNOWN), "unknown");
	assert_string_equal(ih_tpl_name((enum ih_tpl)IH_TPL_COUNT), "?");
	assert_string_equal(ih_tool_name(IH_TOOL_PTUNNEL_NG), "ptunnel-ng");
	assert_string_equal(ih_tool_name(IH_TOOL_IP_OVER_ICMP), "ip-over-icmp");
	assert_true(ih_tpl_is_default(IH_TPL_IPUTILS));
	assert_true(ih_tpl_is_default(IH_TPL_EMPTY));
	assert_false(ih_tpl_is_default(IH_TPL_NONE));
	assert_false(ih_tpl_is_default(IH_TPL_IPUTILS_PATTERN));
	assert_false(ih_tpl_is_default(IH_TPL_UNKNOWN));
}

static void test_iputils(void **state)
{
	(void)state;
	assert_int_equal(ih_payload_template(iputils56, N(iputils56), N(iputils56)), IH_TPL_IPUTILS);
	assert_int_equal(ih_payload_template(iputils6, N(iputils6), N(iputils6)), IH_TPL_IPUTILS);
	assert_int_equal(ih_payload_template(iputils8, N(iputils8), N(iputils8)), IH_TPL_IPUTILS);
	assert_int_equal(ih_payload_template(iputils3, N(iputils3), N(iputils3)), IH_TPL_IPUTILS);
	/* A first fragment: 48 bytes seen of 3992. */
	assert_int_equal(ih_payload_template(iputils4000_head, N(iputils4000_head), 3992),
			 IH_TPL_IPUTILS);

	/* host: ping -s 300: the fill wraps from 0xff to 0x00 at offset 256. Timestamp as
	 * captured (e4 3d 06 6b 00 00 00 00 40 79 07 00 00 00 00 00). */
	static const uint8_t ts[16] = { 0xe4, 0x3d, 0x06, 0x6b, 0, 0, 0, 0,
					0x40, 0x79, 0x07, 0x00, 0, 0, 0, 0 };
	memcpy(buf, ts, 16);
	for (uint32_t i = 16; i < 300; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(buf[255], 0xff);
	assert_int_equal(buf[256], 0x00);
	assert_int_equal(ih_payload_template(buf, 300, 300), IH_TPL_IPUTILS);

	/* The timestamp is judged on plausibility only: another clock reading is fine ... */
	memcpy(buf, iputils56, N(iputils56));
	buf[0] = 0x77;
	buf[8] = 0x3f; /* tv_usec 0x03563f = 218687 */
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_IPUTILS);
	/* ... a tv_usec of a million or more is not a timeval (0x0f4240 = 1,000,000) ... */
	buf[8] = 0x40, buf[9] = 0x42, buf[10] = 0x0f;
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_NONE);
	/* ... and one byte of data in the fill is not the template. */
	memcpy(buf, iputils56, N(iputils56));
	buf[40] ^= 0x01;
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_NONE);
	/* A big-endian host's timeval is plausible too. */
	memcpy(buf, iputils56, N(iputils56));
	static const uint8_t be_ts[16] = { 0, 0, 0, 0, 0x6b, 0x06, 0x38, 0x1a,
					   0, 0, 0, 0, 0x00, 0x03, 0x56, 0x1b };
	memcpy(buf, be_ts, 16);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_IPUTILS);
}

static void test_snaplen(void **state)
{
	(void)state;
	/* 20 of 56 bytes: timestamp and four fill bytes 10 11 12 13 are enough. */
	assert_int_equal(ih_payload_template(iputils56, 20, 56), IH_TPL_IPUTILS);
	/* 18 of 56: two fill bytes are consistent but cannot tell: unknown, not "none". */
	assert_int_equal(ih_payload_template(iputils56, 18, 56), IH_TPL_UNKNOWN);
	assert_int_equal(ih_payload_template(iputils56, 12, 56), IH_TPL_UNKNOWN);
	assert_int_equal(ih_payload_template(iputils56, 0, 56), IH_TPL_UNKNOWN);
	/* A cut payload that contradicts every template is still NONE. */
	assert_int_equal(ih_payload_template(random20, 12, 1000), IH_TPL_NONE);
	assert_int_equal(ih_payload_template(base64_48, 20, 1000), IH_TPL_NONE);
	/* Three zero bytes of a 36-byte mtr probe: too few; six are enough. */
	assert_int_equal(ih_payload_template(zeros, 3, 36), IH_TPL_UNKNOWN);
	assert_int_equal(ih_payload_template(zeros, 6, 36), IH_TPL_ZEROS);
	/* Bytes past the IP length (padding) are not payload. */
	memcpy(buf, iputils8, 8);
	memset(buf + 8, 0xee, 10);
	assert_int_equal(ih_payload_template(buf, 18, 8), IH_TPL_IPUTILS);
	assert_int_equal(ih_payload_template(NULL, 0, 0), IH_TPL_EMPTY);
}

static void test_pattern(void **state)
{
	(void)state;
	uint8_t pat[16];
	assert_int_equal(ih_payload_template(beacon120, N(beacon120), N(beacon120)),
			 IH_TPL_IPUTILS_PATTERN);
	assert_int_equal(ih_payload_pattern(beacon120, N(beacon120), N(beacon120), pat), 6);
	static const uint8_t want6[] = { 0x4b, 0x21, 0xc0, 0xde, 0x5a, 0x5a };
	assert_memory_equal(pat, want6, 6);

	/* The first 40 bytes of a 180-byte -p 4b21c0de payload (cut by the snaplen). */
	assert_int_equal(ih_payload_template(seed_pattern_head, N(seed_pattern_head), 180),
			 IH_TPL_IPUTILS_PATTERN);
	assert_int_equal(ih_payload_pattern(seed_pattern_head, N(seed_pattern_head), 180, pat), 4);
	static const uint8_t want4[] = { 0x4b, 0x21, 0xc0, 0xde };
	assert_memory_equal(pat, want4, 4);

	/* host: ping -s 40 -p 4b21c0de: 16 mod 4 = 0, so the tail starts with 4b. */
	memcpy(buf, seed_pattern_head, 40);
	assert_int_equal(ih_payload_template(buf, 40, 40), IH_TPL_IPUTILS_PATTERN);

	/* Pattern 00 after a real timestamp is a chosen pattern, not zeros. */
	memcpy(buf, iputils56, 16);
	memset(buf + 16, 0, 40);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_IPUTILS_PATTERN);
	assert_int_equal(ih_payload_pattern(buf, 56, 56, pat), 1);
	assert_int_equal(pat[0], 0);

	/* A tail too short to show its period twice plus eight bytes is not called a pattern. */
	assert_int_equal(ih_payload_template(beacon120, 26, 26), IH_TPL_NONE);
	/* The default fill is not a pattern. */
	assert_int_equal(ih_payload_pattern(iputils56, N(iputils56), N(iputils56), pat), 0);
	/* A pattern of data changing in one place is not a pattern. */
	memcpy(buf, beacon120, N(beacon120));
	buf[100] = 0x00;
	assert_int_equal(ih_payload_template(buf, N(beacon120), N(beacon120)), IH_TPL_NONE);
}

static void test_other_tools(void **state)
{
	(void)state;
	/* corpus */
	assert_int_equal(ih_payload_template(traceroute32, N(traceroute32), N(traceroute32)),
			 IH_TPL_TRACEROUTE);
	assert_int_equal(ih_payload_template(zeros, 36, 36), IH_TPL_ZEROS);  /* mtr */
	assert_int_equal(ih_payload_template(zeros, 56, 56), IH_TPL_FPING);  /* fping */
	assert_int_equal(ih_payload_template(NULL, 0, 0), IH_TPL_EMPTY);     /* nmap -PE */
	/* host: fping -b 100: zeros, not fping's default size */
	assert_int_equal(ih_payload_template(zeros, 100, 100), IH_TPL_ZEROS);
	/* host: hping3 -1 -d 40: forty 'X' */
	memset(buf, 'X', 40);
	assert_int_equal(ih_payload_template(buf, 40, 40), IH_TPL_HPING3);

	/* Windows: the published 32 bytes, and the 23-letter cycle for -l 64. */
	const char *win32 = "abcdefghijklmnopqrstuvwabcdefghi";
	assert_int_equal(ih_payload_template((const uint8_t *)win32, 32, 32), IH_TPL_WINDOWS);
	const char *win64 = "abcdefghijklmnopqrstuvwabcdefghijklmnopqrstuvwabcdefghijklmnopqr";
	assert_int_equal(strlen(win64), 64);
	assert_int_equal(ih_payload_template((const uint8_t *)win64, 64, 64), IH_TPL_WINDOWS);
	/* One letter off is not Windows. */
	memcpy(buf, win32, 32);
	buf[30] = 'z';
	assert_int_equal(ih_payload_template(buf, 32, 32), IH_TPL_NONE);

	/* source (FreeBSD/macOS sbin/ping/ping.c): tv32 (sec 0x6b06381a, usec 218651), then
	 * bytes 8 .. 55 equal to their offset. */
	static const uint8_t tv32[8] = { 0x6b, 0x06, 0x38, 0x1a, 0x00, 0x03, 0x56, 0x1b };
	memcpy(buf, tv32, 8);
	for (uint32_t i = 8; i < 56; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_BSD);

	/* corpus peers/tcpdump/e1000g.pcap (Solaris ping): tv32 ed760d4b b9630b00 (usec 746425
	 * little-endian), then 08 .. 37; peers/tcpdump/arcnet-rfc1201-arp-icmp-http.pcap: tv32
	 * 681f6ed9 000cbb98 (usec 834456 big-endian), same fill. */
	static const uint8_t solaris_ts[8] = { 0xed, 0x76, 0x0d, 0x4b, 0xb9, 0x63, 0x0b, 0x00 };
	static const uint8_t arcnet_ts[8] = { 0x68, 0x1f, 0x6e, 0xd9, 0x00, 0x0c, 0xbb, 0x98 };
	memcpy(buf, solaris_ts, 8);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_BSD);
	memcpy(buf, arcnet_ts, 8);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_BSD);

	/* corpus peers/tcpdump/HDLC.pcap (Cisco IOS ping): 00000000 00034c3c, then abcd
	 * repeated. Not a template we name; its fixed 0xabcd fill is reported as a pattern. */
	static const uint8_t cisco_head[8] = { 0, 0, 0, 0, 0x00, 0x03, 0x4c, 0x3c };
	memcpy(buf, cisco_head, 8);
	for (uint32_t i = 8; i < 72; i += 2)
		buf[i] = 0xab, buf[i + 1] = 0xcd;
	assert_int_equal(ih_payload_template(buf, 72, 72), IH_TPL_IPUTILS_PATTERN);

	/* source (BusyBox networking/ping.c sendping4): 4-byte monotonic_us(), then the pattern
	 * byte, 0 by default; -p ab fills with 0xab. */
	static const uint8_t mono[4] = { 0x9c, 0x3e, 0x11, 0x2f };
	memset(buf, 0, 56);
	memcpy(buf, mono, 4);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_BUSYBOX);
	memset(buf + 4, 0xab, 52);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_IPUTILS_PATTERN);
	uint8_t pat[16];
	assert_int_equal(ih_payload_pattern(buf, 56, 56, pat), 1);
	assert_int_equal(pat[0], 0xab);

	/* source (fping 2.x send_ping, LP64): ping_count 3, 4 bytes padding, timeval, zeros. */
	memset(buf, 0, 68);
	buf[0] = 3;
	memcpy(buf + 8, iputils56, 16);
	assert_int_equal(ih_payload_template(buf, 68, 68), IH_TPL_FPING);
}

/* Tools recorded in the lab (tests/data/recorded, record_extra.sh): GNU inetutils ping,
 * liboping's oping and masscan --ping; each must be named, and a change of one byte must not. */
static void test_more_tools(void **state)
{
	(void)state;
	/* host: inetutils ping 2.4 -c 5 (ping_inetutils.pcap): timeval e5d1066b 00000000
	 * 94bc0a00 00000000, then 00 .. 27 */
	static const uint8_t tv16[16] = { 0xe5, 0xd1, 0x06, 0x6b, 0, 0, 0, 0,
					  0x94, 0xbc, 0x0a, 0x00, 0, 0, 0, 0 };
	memcpy(buf, tv16, 16);
	for (uint32_t i = 16; i < 56; i++)
		buf[i] = (uint8_t)(i - 16);
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_INETUTILS);
	assert_true(ih_tpl_is_default(IH_TPL_INETUTILS));
	assert_int_equal(ih_payload_template(buf, 20, 56), IH_TPL_INETUTILS); /* snaplen cut */
	buf[40] ^= 1;
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_NONE);
	/* a size past 256 wraps like iputils, 256 bytes after the timestamp */
	for (uint32_t i = 16; i < 400; i++)
		buf[i] = (uint8_t)(i - 16);
	assert_int_equal(ih_payload_template(buf, 400, 400), IH_TPL_INETUTILS);

	/* host: oping 1.10 (sweep_oping.pcap) */
	const char *lo = "liboping -- ICMP ping library <http://octo.it/liboping/>";
	assert_int_equal(ih_payload_template((const uint8_t *)lo, 56, 56), IH_TPL_LIBOPING);
	assert_true(ih_tpl_is_default(IH_TPL_LIBOPING));
	memcpy(buf, lo, 56);
	memcpy(buf + 56, lo, 56);
	assert_int_equal(ih_payload_template(buf, 100, 100), IH_TPL_LIBOPING); /* repeated */
	buf[10] = 'x';
	assert_int_equal(ih_payload_template(buf, 56, 56), IH_TPL_NONE);

	/* host: masscan 1.3.2 --ping (sweep_masscan.pcap): 08 .. 37 */
	for (uint32_t i = 0; i < 48; i++)
		buf[i] = (uint8_t)(i + 8);
	assert_int_equal(ih_payload_template(buf, 48, 48), IH_TPL_MASSCAN);
	buf[47] = 0;
	assert_int_equal(ih_payload_template(buf, 48, 48), IH_TPL_NONE);
	assert_string_equal(ih_tpl_name(IH_TPL_MASSCAN), "masscan");

	/* host: check_icmp 2.3.3 (monitoring_check_icmp.pcap): timeval a6d2066b 00000000
	 * ef750600 00000000, ping_id 0a00, padding ab51d17f0000, then 44 zeros */
	static const uint8_t ck_head[24] = { 0xa6, 0xd2, 0x06, 0x6b, 0, 0, 0, 0, 0xef, 0x75, 0x06,
					     0x00, 0, 0, 0, 0, 0x0a, 0x00, 0xab, 0x51, 0xd1, 0x7f,
					     0x00, 0x00 };
	memset(buf, 0, 68);
	memcpy(buf, ck_head, 24);
	assert_int_equal(ih_payload_template(buf, 68, 68), IH_TPL_CHECK_ICMP);
	assert_true(ih_tpl_is_default(IH_TPL_CHECK_ICMP));
	buf[60] = 0x41; /* data after the header: not check_icmp */
	assert_int_equal(ih_payload_template(buf, 68, 68), IH_TPL_NONE);

	/* host: prometheus-blackbox-exporter 0.23.0 (monitoring_blackbox.pcap): the 28-byte string
	 * by default; with payload_size 1200 the string, then zeros */
	const char *bb = "Prometheus Blackbox Exporter";
	assert_int_equal(ih_payload_template((const uint8_t *)bb, 28, 28), IH_TPL_BLACKBOX);
	assert_true(ih_tpl_is_default(IH_TPL_BLACKBOX));
	assert_string_equal(ih_tpl_name(IH_TPL_BLACKBOX), "blackbox_exporter");
	memset(buf, 0, 1200);
	memcpy(buf, bb, 28);
	assert_int_equal(ih_payload_template(buf, 1200, 1200), IH_TPL_BLACKBOX);
	assert_int_equal(ih_payload_template(buf, 12, 1200), IH_TPL_BLACKBOX); /* snaplen cut */
	assert_int_equal(ih_payload_template(buf, 10, 10), IH_TPL_BLACKBOX);   /* payload_size 10 */
	assert_int_equal(ih_payload_template(buf, 4, 4), IH_TPL_NONE);         /* too short to tell */
	buf[900] = 0x41; /* data after the string: not the prober */
	assert_int_equal(ih_payload_template(buf, 1200, 1200), IH_TPL_NONE);
	buf[900] = 0;
	buf[3] = 'M';
	assert_int_equal(ih_payload_template(buf, 1200, 1200), IH_TPL_NONE);
}

static void test_not_templates(void **state)
{
	(void)state;
	assert_int_equal(ih_payload_template(random20, N(random20), N(random20)), IH_TPL_NONE);
	assert_int_equal(ih_payload_template(base64_48, N(base64_48), N(base64_48)), IH_TPL_NONE);
	assert_int_equal(ih_payload_template(ptng_start, N(ptng_start), N(ptng_start)), IH_TPL_NONE);
	assert_int_equal(ih_payload_template(ptng_data_head, N(ptng_data_head), 1052), IH_TPL_NONE);
	assert_int_equal(ih_payload_template(ptng_proxy_ack, N(ptng_proxy_ack), N(ptng_proxy_ack)),
			 IH_TPL_NONE);
	assert_int_equal(ih_payload_template(ipv4_packet60, N(ipv4_packet60), N(ipv4_packet60)),
			 IH_TPL_NONE);
	/* A payload from a deterministic generator, 1000 bytes. */
	uint32_t x = 2463534242u;
	for (uint32_t i = 0; i < 1000; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		buf[i] = (uint8_t)(x >> 24);
	}
	assert_int_equal(ih_payload_template(buf, 1000, 1000), IH_TPL_NONE);
}

static void test_tools(void **state)
{
	(void)state;
	/* corpus ptunnel-ng: default magic, both directions */
	assert_int_equal(ih_payload_tool(ptng_start, N(ptng_start), 8, 26156, 0), IH_TOOL_PTUNNEL_NG);
	assert_int_equal(ih_payload_tool(ptng_data_head, N(ptng_data_head), 8, 26156, 64),
			 IH_TOOL_PTUNNEL_NG);
	assert_int_equal(ih_payload_tool(ptng_proxy_ack, N(ptng_proxy_ack), 0, 26156, 1),
			 IH_TOOL_PTUNNEL_NG);
	/* ptunnel-ng -m 0x1badb002: the header alone must tell, and the lengths must add up. */
	memcpy(buf, ptng_proxy_ack, 28);
	buf[0] = 0x1b, buf[1] = 0xad, buf[2] = 0xb0, buf[3] = 0x02;
	assert_int_equal(ih_payload_tool(buf, 28, 0, 26156, 1), IH_TOOL_PTUNNEL_NG);
	memcpy(buf, ptng_data_head, 48);
	buf[0] = 0x1b, buf[1] = 0xad, buf[2] = 0xb0, buf[3] = 0x02;
	memset(buf + 48, 0x5c, 1052 - 48);
	assert_int_equal(ih_payload_tool(buf, 1052, 8, 26156, 64), IH_TOOL_PTUNNEL_NG);
	assert_int_equal(ih_payload_tool(buf, 1000, 8, 26156, 64), IH_TOOL_NONE); /* 1024 != 972 */
	buf[12] = 0xc0; /* both user and proxy flags: not a ptunnel state */
	assert_int_equal(ih_payload_tool(buf, 1052, 8, 26156, 64), IH_TOOL_NONE);
	/* original ptunnel magic */
	memcpy(buf, ptng_start, 28);
	buf[0] = 0xd5, buf[1] = 0x20, buf[2] = 0x08, buf[3] = 0x80;
	assert_int_equal(ih_payload_tool(buf, 28, 8, 1, 0), IH_TOOL_PTUNNEL);

	/* source (hans worker.h): "hanc" then TYPE_CONNECTION_REQUEST (2) */
	static const uint8_t hans_req[] = { 'h', 'a', 'n', 'c', 2, 0x00, 0x00, 0x00, 0x00 };
	assert_int_equal(ih_payload_tool(hans_req, N(hans_req), 8, 4242, 1), IH_TOOL_HANS);
	static const uint8_t hans_bad[] = { 'h', 'a', 'n', 's', 12 };
	assert_int_equal(ih_payload_tool(hans_bad, N(hans_bad), 0, 4242, 1), IH_TOOL_NONE);

	/* source (pingtunnel msg.proto): MyMsg { id = 32 hex, target = "127.0.0.1:22",
	 * data = "hi", magic = 0xdead, timeout = 60 } marshalled: 0a 20 <id> 1a 0c <target>
	 * 22 02 'h' 'i' 30 da fa 06 40 3c. */
	static const uint8_t pt_msg[] = {
		0x0a, 0x20, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd',
		'e', 'f', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e',
		'f', 0x1a, 0x0c, '1', '2', '7', '.', '0', '.', '0', '.', '1', ':', '2', '2', 0x22,
		0x02, 'h', 'i', 0x30, 0xda, 0xfa, 0x06, 0x40, 0x3c,
	};
	assert_int_equal(ih_payload_tool(pt_msg, N(pt_msg), 8, 777, 3), IH_TOOL_PINGTUNNEL);
	/* The client's keepalive: no id, type PING (1), 8 bytes of data, the magic. */
	static const uint8_t pt_ping[] = { 0x10, 0x01, 0x22, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
					   0x30, 0xda, 0xfa, 0x06 };
	assert_int_equal(ih_payload_tool(pt_ping, N(pt_ping), 8, 777, 4), IH_TOOL_PINGTUNNEL);
	/* The same without the magic is not recognised. */
	assert_int_equal(ih_payload_tool(pt_ping, 12, 8, 777, 4), IH_TOOL_NONE);

	/* source (icmpdoor.py): ICMP_ID = 13170 */
	assert_int_equal(ih_payload_tool((const uint8_t *)"whoami", 6, 8, 13170, 0),
			 IH_TOOL_ICMPDOOR);
	assert_int_equal(ih_payload_tool((const uint8_t *)"whoami", 6, 8, 13171, 0), IH_TOOL_NONE);
	/* An ordinary ping that happens to have id 13170 is not icmpdoor. */
	assert_int_equal(ih_payload_tool(iputils56, N(iputils56), 8, 13170, 1), IH_TOOL_NONE);

	/* source (icmpsh-s.c via IcmpSendEcho, id 1): console text; Windows ping's own id-1
	 * alphabet is not icmpsh. */
	const char *banner = "Microsoft Windows [Version 10.0.19045.3693]\r\n";
	assert_int_equal(ih_payload_tool((const uint8_t *)banner, (uint32_t)strlen(banner), 8, 1, 7),
			 IH_TOOL_ICMPSH);
	assert_int_equal(ih_payload_tool((const uint8_t *)"abcdefghijklmnopqrstuvwabcdefghi", 32,
					 8, 1, 7),
			 IH_TOOL_NONE);
	assert_int_equal(ih_payload_tool(iputils56, N(iputils56), 8, 1, 7), IH_TOOL_NONE);

	/* source (icmptx.c): a whole IP packet, seq always 0; another tool's seq differs. */
	assert_int_equal(ih_payload_tool(ipv4_packet60, N(ipv4_packet60), 8, 7530, 0),
			 IH_TOOL_ICMPTX);
	assert_int_equal(ih_payload_tool(ipv4_packet60, N(ipv4_packet60), 8, 7530, 9),
			 IH_TOOL_IP_OVER_ICMP);
	memcpy(buf, ipv4_packet60, N(ipv4_packet60));
	buf[11] ^= 1; /* header checksum no longer verifies */
	assert_int_equal(ih_payload_tool(buf, N(ipv4_packet60), 8, 7530, 0), IH_TOOL_NONE);

	/* Ordinary and random payloads name no tool. */
	assert_int_equal(ih_payload_tool(iputils56, N(iputils56), 8, 10637, 1), IH_TOOL_NONE);
	assert_int_equal(ih_payload_tool(beacon120, N(beacon120), 8, 10330, 1), IH_TOOL_NONE);
	assert_int_equal(ih_payload_tool(random20, N(random20), 8, 5, 5), IH_TOOL_NONE);
	assert_int_equal(ih_payload_tool(base64_48, N(base64_48), 8, 18472, 256), IH_TOOL_NONE);
	assert_int_equal(ih_payload_tool(NULL, 0, 8, 0, 0), IH_TOOL_NONE);
}

static void test_entropy(void **state)
{
	(void)state;
	/* One value: -1 log2 1 = 0. */
	assert_true(ih_entropy((const uint8_t *)"aaaa", 4) == 0.0);
	/* 0..255 once each: 256 * (1/256 * 8) = 8 exactly. */
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;
	assert_true(ih_entropy(buf, 256) == 8.0);
	/* "ab" repeated: two values at 1/2: 1 bit. 64 bytes: log2 64 - 2 (32 log2 32) / 64 =
	 * 6 - 5, exact; 1000 bytes go through log2(500) and are 1 to rounding. */
	for (int i = 0; i < 1000; i++)
		buf[i] = i & 1 ? 'b' : 'a';
	assert_true(ih_entropy(buf, 64) == 1.0);
	assert_float_equal(ih_entropy(buf, 1000), 1.0, 1e-12);
	/* "abcd" repeated: four at 1/4: 2 bits. */
	for (int i = 0; i < 1000; i++)
		buf[i] = (uint8_t)('a' + i % 4);
	assert_true(ih_entropy(buf, 128) == 2.0);
	assert_float_equal(ih_entropy(buf, 1000), 2.0, 1e-12);
	/* One value over 300 bytes (a count above the table): still 0. */
	memset(buf, 'a', 300);
	assert_true(ih_entropy(buf, 300) == 0.0);
	/* "aab": -(2/3 log2 2/3 + 1/3 log2 1/3) = log2 3 - 2/3 = 1.5849625 - 0.6666667 = 0.9182958 */
	assert_float_equal(ih_entropy((const uint8_t *)"aab", 3), 0.9182958, 1e-6);
	assert_true(ih_entropy(NULL, 0) == 0.0);
	assert_true(ih_entropy(buf, 0) == 0.0);
	/* The iputils 56-byte payload: 0x00 nine times, 0x1a and 0x1b twice (timestamp and fill),
	 * 43 other values once. H = log2 56 - (9 log2 9 + 2 * 2 log2 2) / 56
	 *   = 5.8073549 - (28.5293250 + 4) / 56 = 5.8073549 - 0.5808808 = 5.2264741 */
	assert_float_equal(ih_entropy(iputils56, N(iputils56)), 5.2264741, 1e-6);
	/* 4096 bytes from a generator: near 8. */
	uint32_t x = 88172645u;
	for (uint32_t i = 0; i < 4096; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	assert_true(ih_entropy(buf, 4096) > 7.9);
}

/* -sum p log2 p straight from the definition, for comparison */
static double entropy_reference(const uint8_t *p, uint32_t len)
{
	static uint32_t h[256];
	memset(h, 0, sizeof(h));
	for (uint32_t i = 0; i < len; i++)
		h[p[i]]++;
	double e = 0.0;
	for (unsigned b = 0; b < 256; b++)
		if (h[b])
			e -= (double)h[b] / len * log2((double)h[b] / len);
	return e;
}

/* The sum of c log2 c is taken in fixed point, in any order: the entropy agrees with the
 * definition on every path (up to 128 bytes, up to 4 x 65535, beyond; counts above the table),
 * and does not depend on the order of the bytes. */
static void test_entropy_paths(void **state)
{
	(void)state;
	enum { BIG = 300000 };
	uint8_t *p = malloc(BIG), *r = malloc(BIG);
	assert_non_null(p);
	assert_non_null(r);
	static const uint32_t lens[] = { 1, 2, 3, 64, 127, 128, 129, 255, 256, 257, 600, 1000, 1400,
					 4096, 65535, 4u * 65535u, 4u * 65535u + 1, BIG };
	for (unsigned skew = 0; skew < 3; skew++) {
		uint32_t x = 2463534242u + skew;
		for (uint32_t i = 0; i < BIG; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			/* 0: uniform bytes; 1: mostly one value (counts above 255); 2: eight values */
			p[i] = skew == 0 ? (uint8_t)x : skew == 1 ? (x % 8 ? 'a' : (uint8_t)(x >> 8)) : (uint8_t)(x % 8);
		}
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			uint32_t n = lens[k];
			for (uint32_t i = 0; i < n; i++)
				r[i] = p[n - 1 - i];
			double e = ih_entropy(p, n);
			assert_float_equal(e, entropy_reference(p, n), 1e-9);
			assert_true(ih_entropy(r, n) == e);
		}
	}
	free(p);
	free(r);
}

static void test_hash(void **state)
{
	(void)state;
	uint32_t a = ih_payload_hash(iputils56, N(iputils56));
	assert_int_equal(a, ih_payload_hash(iputils56, N(iputils56)));
	assert_int_not_equal(a, ih_payload_hash(iputils6, N(iputils6)));
	assert_int_not_equal(a, ih_payload_hash(iputils56, N(iputils56) - 1));
	assert_int_equal(ih_payload_hash(NULL, 0), ih_payload_hash(buf, 0));
}

/* ih_payload_facts (worked out on the capture reader's thread) gives what the tracker computes
 * itself from the same bytes: template, entropy and class when no template, fingerprint. */
static void test_facts(void **state)
{
	(void)state;
	uint8_t rnd[900];
	uint32_t x = 99;
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
	const struct {
		const uint8_t *p;
		uint32_t len;
		enum ih_icmp_class cls;
	} cases[] = {
		{ iputils56, N(iputils56), IH_ICMP_ECHO_REQ }, { iputils56, N(iputils56), IH_ICMP_ECHO_REP },
		{ rnd, sizeof(rnd), IH_ICMP_ECHO_REQ },       { rnd, 40, IH_ICMP_ECHO_REP },
		{ rnd, 300, IH_ICMP_OTHER },                  { rnd, 12, IH_ICMP_MASK_REQ },
		{ NULL, 0, IH_ICMP_ECHO_REQ },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ih_pkt pkt;
		memset(&pkt, 0, sizeof(pkt));
		pkt.has_icmp = true;
		pkt.icmp_class = cases[k].cls;
		pkt.payload = cases[k].p;
		pkt.payload_len = pkt.payload_wire_len = cases[k].len;
		ih_payload_facts(&pkt);
		assert_true(pkt.facts.valid);
		bool paired = cases[k].cls != IH_ICMP_OTHER; /* requests and answers only */
		assert_int_equal(pkt.facts.hash, paired ? ih_payload_hash(cases[k].p, cases[k].len) : 0);
		bool tpl_class = cases[k].cls != IH_ICMP_MASK_REQ;
		enum ih_tpl t = tpl_class ? ih_payload_template(cases[k].p, cases[k].len, cases[k].len) : IH_TPL_NONE;
		assert_int_equal(pkt.facts.tpl, t);
		if (tpl_class && t == IH_TPL_NONE) {
			double e = ih_entropy(cases[k].p, cases[k].len);
			assert_true(pkt.facts.entropy == e);
			assert_int_equal(pkt.facts.pclass, ih_payload_class(cases[k].p, cases[k].len, e));
		} else {
			assert_true(pkt.facts.entropy < 0);
		}
	}
	/* a flow record has no bytes: nothing worked out */
	struct ih_pkt flow;
	memset(&flow, 0, sizeof(flow));
	flow.has_icmp = flow.from_flow = true;
	ih_payload_facts(&flow);
	assert_false(flow.facts.valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_iputils),
		cmocka_unit_test(test_snaplen),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_other_tools),
		cmocka_unit_test(test_more_tools),
		cmocka_unit_test(test_not_templates),
		cmocka_unit_test(test_tools),
		cmocka_unit_test(test_entropy),
		cmocka_unit_test(test_entropy_paths),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

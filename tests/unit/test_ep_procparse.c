/* test_ep_procparse.c — the /proc parsers of endpoint attribution: the four /proc/net files as
 * recorded on this kind of machine while real tools ran (tests/data/endpoint/proc_net_*.txt:
 * an iputils ping on a raw socket, pings on ping sockets as root and as nobody, ping -6, hping3
 * on an IPPROTO_RAW socket), hostile lines (cut short, wrong widths, bad digits, overlong,
 * binary), /proc/PID/stat with hostile comms, /proc/PID/status, /proc/stat, fd links, and the
 * string sanitizer everything goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "endpoint/endpoint.h"
#include "endpoint/procparse.h"

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	const char *dir = getenv("IH_TEST_DATA");
	snprintf(path, sizeof path, "%s/endpoint/%s", dir && *dir ? dir : "../tests/data", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[1 << 16];
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

struct collect {
	struct ih_pn_sock s[16];
	unsigned n;
};

static void collect(void *ctx, const struct ih_pn_sock *s)
{
	struct collect *c = ctx;
	if (c->n < 16)
		c->s[c->n++] = *s;
}

static void addr_is(const struct ih_addr *a, const char *want)
{
	char buf[IH_ADDR_STRLEN];
	assert_string_equal(ih_addr_str(a, buf, sizeof buf), want);
}

static void test_recorded_icmp(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("proc_net_icmp.txt", &len);
	struct collect c = { 0 };
	struct ih_pn_counts n = { 0 };
	ih_procnet_parse(IH_PN_ICMP, buf, len, collect, &c, &n);
	assert_int_equal(n.lines, 3);
	assert_int_equal(n.sockets, 2);
	assert_int_equal(n.bad, 0);
	/* ping as root: echo id 0x75D4, inode 329290; ping as nobody: 0x75D5, uid 65534 */
	assert_int_equal(c.s[0].kind, IH_EP_SOCK_PING);
	assert_int_equal(c.s[0].family, IH_AF_INET);
	assert_int_equal(c.s[0].local_port, 0x75D4);
	assert_int_equal(c.s[0].uid, 0);
	assert_int_equal(c.s[0].inode, 329290);
	assert_int_equal(c.s[0].state, 7);
	addr_is(&c.s[0].local, "0.0.0.0");
	assert_int_equal(c.s[1].local_port, 0x75D5);
	assert_int_equal(c.s[1].uid, 65534);
	assert_int_equal(c.s[1].inode, 329924);
}

static void test_recorded_icmp6_raw(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("proc_net_icmp6.txt", &len);
	struct collect c = { 0 };
	struct ih_pn_counts n = { 0 };
	ih_procnet_parse(IH_PN_ICMP6, buf, len, collect, &c, &n);
	assert_int_equal(n.sockets, 1);
	assert_int_equal(c.s[0].family, IH_AF_INET6);
	assert_int_equal(c.s[0].local_port, 0x75D3);
	addr_is(&c.s[0].local, "::");

	buf = slurp("proc_net_raw.txt", &len);
	memset(&c, 0, sizeof c);
	memset(&n, 0, sizeof n);
	ih_procnet_parse(IH_PN_RAW, buf, len, collect, &c, &n);
	assert_int_equal(n.sockets, 2);
	/* hping3: IPPROTO_RAW; iputils ping without ping sockets: IPPROTO_ICMP */
	assert_int_equal(c.s[0].kind, IH_EP_SOCK_RAW);
	assert_int_equal(c.s[0].local_port, 255);
	assert_int_equal(c.s[1].local_port, 1);
	assert_true(ih_procnet_raw_icmp(IH_AF_INET, 255));
	assert_true(ih_procnet_raw_icmp(IH_AF_INET, 1));
	assert_false(ih_procnet_raw_icmp(IH_AF_INET, 58));
	assert_false(ih_procnet_raw_icmp(IH_AF_INET, 6));

	buf = slurp("proc_net_raw6.txt", &len);
	memset(&c, 0, sizeof c);
	memset(&n, 0, sizeof n);
	ih_procnet_parse(IH_PN_RAW6, buf, len, collect, &c, &n);
	assert_int_equal(n.sockets, 1);
	assert_int_equal(c.s[0].local_port, 58); /* 003A, with a non-empty rx queue */
	assert_true(ih_procnet_raw_icmp(IH_AF_INET6, 58));
	assert_false(ih_procnet_raw_icmp(IH_AF_INET6, 1));
}

static void test_addresses(void **state)
{
	(void)state;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	skip(); /* the lines below are as a little-endian kernel prints them */
#endif
	struct ih_pn_sock s;
	const char *why;
	/* 127.0.0.1 bound, connected to 10.77.0.1 (printed as native little-endian words) */
	const char *l = "   3: 0100007F:1234 01004D0A:0000 01 00000000:00000000 00:00000000 00000000  1000        0 4242 2 ffff 0";
	assert_int_equal(ih_procnet_line(IH_PN_ICMP, l, strlen(l), &s, &why), IH_PN_OK);
	addr_is(&s.local, "127.0.0.1");
	addr_is(&s.remote, "10.77.0.1");
	assert_int_equal(s.local_port, 0x1234);
	assert_int_equal(s.uid, 1000);
	const char *l6 = "  5: 0000000000000000000000000100000000:0001 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1 2 x 0";
	assert_int_equal(ih_procnet_line(IH_PN_RAW6, l6, strlen(l6), &s, &why), IH_PN_BAD); /* 34 digits */
	const char *l6ok = "  5: 00000000000000000000000001000000:0001 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1 2 x 0";
	assert_int_equal(ih_procnet_line(IH_PN_RAW6, l6ok, strlen(l6ok), &s, &why), IH_PN_OK);
	addr_is(&s.local, "::1");
}

static void test_hostile_lines(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"   4: 00000000:CCA9",                                          /* cut short */
		"   4: 00000000:CCA9 00000000:0000 07",                          /* cut short */
		"   4: 0000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1", /* 7 digits */
		"   4: 00000000:CCA 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1",  /* port 3 */
		"   4: 0000000G:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1", /* G */
		"   4: 00000000:CCA9 00000000:0000 7 00000000:00000000 00:00000000 00000000 0 0 1",  /* state 1 */
		"   4: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 -1 0 1", /* uid */
		"   4: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 4294967296 0 1",
		"   4: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 18446744073709551616",
		"   4: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 12a",
		"   4: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0",  /* no inode */
		"   4 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1",  /* "4" */
		"   x: 00000000:CCA9 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1",
		":",
		"   4: 00000000:CCA9 00000000:0000 07 00000000-00000000 00:00000000 00000000 0 0 1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ih_pn_sock s;
		const char *why = NULL;
		assert_int_equal(ih_procnet_line(IH_PN_ICMP, bad[i], strlen(bad[i]), &s, &why), IH_PN_BAD);
		assert_non_null(why);
		assert_true(why[0] != '\0');
	}
	/* a negative timeout and a long tm->when are what the kernel may print: fine */
	const char *ok = "   4: 00000000:CCA9 00000000:0000 07 00000000:00000000 02:00000000000fa0 00000000 0 -1 77 2 0 0";
	struct ih_pn_sock s;
	assert_int_equal(ih_procnet_line(IH_PN_ICMP, ok, strlen(ok), &s, NULL), IH_PN_OK);
	assert_int_equal(s.inode, 77);
	/* header, blank, and the line-length cap */
	assert_int_equal(ih_procnet_line(IH_PN_ICMP, "  sl  local_address", 19, &s, NULL), IH_PN_HEADER);
	assert_int_equal(ih_procnet_line(IH_PN_ICMP, "   ", 3, &s, NULL), IH_PN_HEADER);
	char big[IH_PROCNET_LINE_MAX + 10];
	memset(big, ' ', sizeof big);
	memcpy(big + 400, ok, strlen(ok) > 100 ? 100 : strlen(ok));
	assert_int_equal(ih_procnet_line(IH_PN_ICMP, big, sizeof big, &s, NULL), IH_PN_BAD);
	assert_int_equal(ih_procnet_line((enum ih_procnet_file)9, ok, strlen(ok), &s, NULL), IH_PN_BAD);
}

static void test_whole_buffer(void **state)
{
	(void)state;
	/* no final newline; an embedded NUL; an overlong line; binary junk: counted, never read past */
	char buf[2048];
	size_t n = 0;
	const char *l1 = "  sl  local_address rem_address   st\n";
	const char *l2 = "   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 11 2 p 0\n";
	memcpy(buf + n, l1, strlen(l1));
	n += strlen(l1);
	memcpy(buf + n, l2, strlen(l2));
	n += strlen(l2);
	memset(buf + n, 'x', 700);
	n += 700;
	buf[n++] = '\n';
	memcpy(buf + n, "\x01\x02\0\xff\n", 5);
	n += 5;
	const char *l3 = "   2: 00000000:0002 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 12 2 p 0";
	memcpy(buf + n, l3, strlen(l3));
	n += strlen(l3);
	struct collect c = { 0 };
	struct ih_pn_counts cnt = { 0 };
	ih_procnet_parse(IH_PN_RAW, buf, n, collect, &c, &cnt);
	assert_int_equal(cnt.sockets, 2);
	assert_int_equal(cnt.too_long, 1);
	assert_int_equal(cnt.bad, 1);
	assert_int_equal(c.s[1].inode, 12);
	/* empty input */
	memset(&cnt, 0, sizeof cnt);
	ih_procnet_parse(IH_PN_RAW, "", 0, collect, &c, &cnt);
	assert_int_equal(cnt.lines, 0);
}

static void test_stat(void **state)
{
	(void)state;
	int32_t ppid = -1;
	uint64_t start = 0;
	char comm[IH_EP_COMM_MAX];
	const char *st = "4722 (ptunnel-ng) S 4720 4720 1 0 -1 4194560 165 0 0 0 0 0 0 0 20 0 1 0 98765 5763072 356 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
	assert_true(ih_proc_parse_stat(st, strlen(st), &ppid, &start, comm, sizeof comm));
	assert_int_equal(ppid, 4720);
	assert_int_equal(start, 98765);
	assert_string_equal(comm, "ptunnel-ng");
	/* a comm chosen to confuse: spaces, parentheses, a fake field list, a newline */
	const char *evil = "77 (a) S 1\n)) R 55 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n";
	assert_true(ih_proc_parse_stat(evil, strlen(evil), &ppid, &start, comm, sizeof comm));
	assert_int_equal(ppid, 55);
	assert_int_equal(start, 4242);
	assert_string_equal(comm, "a) S 1\\x0a)");
	/* a comm longer than the kernel allows is cut, never overflows */
	char longc[300];
	snprintf(longc, sizeof longc, "9 (%0200d) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0", 0);
	assert_true(ih_proc_parse_stat(longc, strlen(longc), &ppid, &start, comm, sizeof comm));
	assert_int_equal(strlen(comm), sizeof comm - 1);
	/* cut short, no parentheses, non-numeric fields */
	const char *cut = "4722 (ptunnel-ng) S 4720 4720 1 0 -1";
	assert_false(ih_proc_parse_stat(cut, strlen(cut), &ppid, &start, comm, sizeof comm));
	assert_false(ih_proc_parse_stat("4722 ptunnel S", 14, &ppid, &start, NULL, 0));
	const char *nan = "1 (x) S abc 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0";
	assert_false(ih_proc_parse_stat(nan, strlen(nan), &ppid, &start, NULL, 0));
	assert_false(ih_proc_parse_stat(")(", 2, &ppid, &start, NULL, 0));
	assert_false(ih_proc_parse_stat("", 0, &ppid, &start, NULL, 0));
}

static void test_status_btime_links(void **state)
{
	(void)state;
	const char *status = "Name:\tping\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t6752\nPid:\t6752\nPPid:\t6748\n"
			     "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n";
	int64_t uid = -1, euid = -1;
	assert_true(ih_proc_parse_status_uid(status, strlen(status), &uid, &euid));
	assert_int_equal(uid, 65534);
	assert_int_equal(euid, 65534);
	const char *setuid = "Uid:\t1000\t0\t0\t0\n";
	assert_true(ih_proc_parse_status_uid(setuid, strlen(setuid), &uid, &euid));
	assert_int_equal(uid, 1000);
	assert_int_equal(euid, 0);
	assert_false(ih_proc_parse_status_uid("Name:\tx\n", 8, &uid, &euid));
	assert_false(ih_proc_parse_status_uid("Uid:\t-1\t0\n", 10, &uid, &euid));
	assert_false(ih_proc_parse_status_uid("Uid:\t99999999999\t0\n", 19, &uid, &euid));
	assert_false(ih_proc_parse_status_uid("Uid:", 4, &uid, &euid));

	const char *stat = "cpu  1 2 3 4\nintr 5\nctxt 77\nbtime 1795560000\nprocesses 9\n";
	uint64_t bt = 0;
	assert_true(ih_proc_parse_btime(stat, strlen(stat), &bt));
	assert_int_equal(bt, 1795560000);
	assert_false(ih_proc_parse_btime("btime 12\n", 9, &bt));          /* 1970: not believable */
	assert_false(ih_proc_parse_btime("btime x\n", 8, &bt));
	assert_false(ih_proc_parse_btime("cpu 1\n", 6, &bt));

	uint64_t ino = 0;
	assert_true(ih_proc_parse_socket_link("socket:[329924]", 15, &ino));
	assert_int_equal(ino, 329924);
	assert_false(ih_proc_parse_socket_link("socket:[]", 9, &ino));
	assert_false(ih_proc_parse_socket_link("pipe:[12]", 9, &ino));
	assert_false(ih_proc_parse_socket_link("socket:[12", 10, &ino));
	assert_false(ih_proc_parse_socket_link("socket:[99999999999999999999999]", 32, &ino));
	assert_false(ih_proc_parse_socket_link("socket:[1a]", 11, &ino));
}

static void test_sanitize(void **state)
{
	(void)state;
	char out[32];
	assert_true(ih_ep_sanitize("/usr/bin/ping", 13, out, sizeof out, false));
	assert_string_equal(out, "/usr/bin/ping");
	assert_true(ih_ep_sanitize("a\\b\x1b[31m\xc3\xa9", 10, out, sizeof out, false));
	assert_string_equal(out, "a\\\\b\\x1b[31m\\xc3\\xa9");
	/* command line: NULs between arguments, trailing NULs dropped */
	assert_true(ih_ep_sanitize("ping\0-c\0003\0\0", 12, out, sizeof out, true));
	assert_string_equal(out, "ping -c 3");
	/* too long: cut before an escape that would not fit, reported */
	assert_false(ih_ep_sanitize("abcdefgh\x01", 9, out, 11, false));
	assert_string_equal(out, "abcdefgh");
	assert_false(ih_ep_sanitize("abc", 3, out, 1, false));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_icmp),
		cmocka_unit_test(test_recorded_icmp6_raw),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_whole_buffer),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_status_btime_links),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

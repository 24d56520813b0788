/* test_ep_eplog.c — endpoint logs for offline correlation:
 *   - auditd lines (raw and enriched formats, node= prefix, hex-encoded fields, SOCKADDR,
 *     PROCTITLE, EOE, x86_64 and aarch64 numbers) field by field;
 *   - tests/data/endpoint/audit.log: the seed's workstation (a beacon from ~/.cache on a raw
 *     socket, nmap, ptunnel-ng with sendto records naming the peer, a failed socket(), noise)
 *     folded into processes and activities, then matched to conversations by echo id, peer
 *     and time, with and without --endpoint-host;
 *   - tests/data/endpoint/osquery_socket_events.jsonl: results-log, snapshot and plain rows;
 *   - hostile files (audit_bad.log, osquery_bad.jsonl): every bad line is an error naming the
 *     file and line, counted and skipped, and the good ones around it still count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "endpoint/eplog.h"

static void data_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("IH_TEST_DATA");
	snprintf(buf, len, "%s/endpoint/%s", dir && *dir ? dir : "../tests/data", name);
}

/* 2026-11-25T01:11:38Z, the first packet second of the corpus captures' lab */
#define T0 1795569098ull
#define S(x) ((uint64_t)((x) * 1e9 + 0.5))

static void test_audit_fields(void **state)
{
	(void)state;
	struct ih_audit_rec r;
	const char *why;
	const char *l = "type=SYSCALL msg=audit(1795569272.990:2002): arch=c000003e syscall=41 success=yes exit=3 a0=2 a1=3 a2=1 a3=0 items=0 ppid=9321 pid=9350 auid=1000 uid=1000 gid=1000 euid=1000 comm=\"updater\" exe=\"/home/alice/.cache/updater\" key=\"icmp\"";
	assert_int_equal(ih_audit_parse_line(l, strlen(l), &r, &why), 1);
	assert_int_equal(r.type, IH_AR_SYSCALL);
	assert_int_equal(r.call, IH_AC_SOCKET);
	assert_int_equal(r.time_ns, 1795569272990000000ull);
	assert_int_equal(r.serial, 2002);
	assert_true(r.success);
	assert_int_equal(r.exit, 3);
	assert_int_equal(r.a[0], 2);
	assert_int_equal(r.a[1], 3);
	assert_int_equal(r.a[2], 1);
	assert_int_equal(r.pid, 9350);
	assert_int_equal(r.ppid, 9321);
	assert_int_equal(r.uid, 1000);
	assert_int_equal(r.auid, 1000);
	assert_string_equal(r.comm, "updater");
	assert_string_equal(r.exe, "/home/alice/.cache/updater");
	assert_string_equal(r.key, "icmp");

	/* hex-encoded exe (a path with a space), (null) comm, a0 in hex (AF_INET6 = a), aarch64 */
	const char *h = "node=ws1 type=SYSCALL msg=audit(1795569320.5:77): arch=c00000b7 syscall=198 success=no exit=-13 a0=a a1=80002 a2=3a pid=12 comm=(null) exe=2F746D702F6D792070696E67";
	assert_int_equal(ih_audit_parse_line(h, strlen(h), &r, &why), 1);
	assert_int_equal(r.call, IH_AC_SOCKET);
	assert_int_equal(r.time_ns, 1795569320500000000ull);
	assert_false(r.success);
	assert_int_equal(r.exit, -13);
	assert_int_equal(r.a[0], 10);
	assert_int_equal(r.a[1], 0x80002);
	assert_int_equal(r.a[2], 58);
	assert_string_equal(r.exe, "/tmp/my ping");
	assert_string_equal(r.comm, "");

	/* enriched: the syscall by name, the user by name */
	const char *e = "type=SYSCALL msg=audit(1795569279.051:2004): arch=c000003e syscall=999 success=yes exit=4 a0=2 a1=3 a2=ff pid=9361 uid=0 exe=\"/usr/bin/nmap\"\x1d" "ARCH=x86_64 SYSCALL=socket AUID=\"alice\" UID=\"root\"";
	assert_int_equal(ih_audit_parse_line(e, strlen(e), &r, &why), 1);
	assert_int_equal(r.call, IH_AC_SOCKET);
	assert_string_equal(r.user, "root");

	const char *sa = "type=SOCKADDR msg=audit(1795569284.885:2010): saddr=02000000CB0071070000000000000000";
	assert_int_equal(ih_audit_parse_line(sa, strlen(sa), &r, &why), 1);
	assert_int_equal(r.type, IH_AR_SOCKADDR);
	assert_true(r.has_addr);
	char buf[IH_ADDR_STRLEN];
	assert_string_equal(ih_addr_str(&r.addr, buf, sizeof buf), "203.0.113.7");
	/* big-endian family, IPv6 */
	const char *sa6 = "type=SOCKADDR msg=audit(1.0:1): saddr=000A000000000000FD780000000000000000000000000028000000000000";
	assert_int_equal(ih_audit_parse_line(sa6, strlen(sa6), &r, &why), 1);
	assert_string_equal(ih_addr_str(&r.addr, buf, sizeof buf), "fd78::28");
	/* a unix socket address: well-formed, not an address of ours */
	const char *su = "type=SOCKADDR msg=audit(1.0:1): saddr=01002F72756E2F73797374656D642F6A6F75726E616C2F736F636B6574";
	assert_int_equal(ih_audit_parse_line(su, strlen(su), &r, &why), 1);
	assert_false(r.has_addr);

	const char *pt = "type=PROCTITLE msg=audit(1.0:1): proctitle=70696E67002D630033";
	assert_int_equal(ih_audit_parse_line(pt, strlen(pt), &r, &why), 1);
	assert_string_equal(r.cmdline, "ping -c 3");
	const char *ptq = "type=PROCTITLE msg=audit(1.0:1): proctitle=\"bash\"";
	assert_int_equal(ih_audit_parse_line(ptq, strlen(ptq), &r, &why), 1);
	assert_string_equal(r.cmdline, "bash");

	assert_int_equal(ih_audit_parse_line("", 0, &r, &why), 0);
	assert_int_equal(ih_audit_parse_line("  \n", 3, &r, &why), 0);
	const char *other = "type=USER_LOGIN msg=audit(1795569002.114:1990): pid=880 msg='op=login'";
	assert_int_equal(ih_audit_parse_line(other, strlen(other), &r, &why), 1);
	assert_int_equal(r.type, IH_AR_OTHER);
}

static void test_audit_hostile(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 pid=1",
		"type=SYSCALL msg=audit(1.0:1",
		"type=SYSCALL msg=audit(11/25/2026 01:14:33.035:3004) : arch=x86_64 syscall=socket pid=9",
		"type=SYSCALL msg=audit(1.0:1): arch=zz syscall=41 pid=1",
		"type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 a2=1g pid=1",
		"type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 pid=1 comm=\"open",
		"type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 a0=2",
		"type=SYSCALL msg=audit(1.0:1): pid=1",
		"type=SOCKADDR msg=audit(1.0:1): saddr=0200000",
		"type=PROCTITLE msg=audit(1.0:1): ",
		"type=SYSCALL msg=audit(99999999999999999999.1:1): arch=c000003e syscall=41 pid=1",
		"type=SYSCALL msg=audit(1.9999999999:1): arch=c000003e syscall=41 pid=1",
		"type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 pid=99999999999",
		"type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 pid=1 exit=12x",
		"type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=41 pid=1 uid=4294967296",
		"type= msg=audit(1.0:1): x=1",
		"type=SYSCALL msg=audit(.5:1): arch=c000003e syscall=41 pid=1",
		"type=SYSCALL msg=audit(1.:1): arch=c000003e syscall=41 pid=1",
		"type=SYSCALL msg=audit(1.0:): arch=c000003e syscall=41 pid=1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ih_audit_rec r;
		const char *why = NULL;
		print_message("%s\n", bad[i]);
		assert_int_equal(ih_audit_parse_line(bad[i], strlen(bad[i]), &r, &why), -1);
		assert_non_null(why);
		assert_true(why[0] != '\0');
	}
	/* the interpreted format is named in the message */
	struct ih_audit_rec r;
	const char *why;
	assert_int_equal(ih_audit_parse_line(bad[2], strlen(bad[2]), &r, &why), -1);
	assert_non_null(strstr(why, "ausearch -i"));
	/* the bare words of an enriched SADDR={ ... } do not upset the parser */
	const char *sadr = "type=SOCKADDR msg=audit(1.0:1): saddr=02000000CB0071070000000000000000\x1dSADDR={ saddr_fam=inet laddr=203.0.113.7 lport=0 }";
	assert_int_equal(ih_audit_parse_line(sadr, strlen(sadr), &r, &why), 1);
	assert_true(r.has_addr);
}

static struct ih_eplog *load(const char *name, enum ih_eplog_format fmt, char *msgs, size_t msglen)
{
	char path[512], err[256];
	data_path(path, sizeof path, name);
	struct ih_eplog *l = ih_eplog_new();
	assert_non_null(l);
	FILE *errf = fmemopen(msgs, msglen, "w");
	assert_non_null(errf);
	setvbuf(errf, NULL, _IONBF, 0);
	assert_true(ih_eplog_load(l, path, fmt, errf, err, sizeof err));
	fclose(errf);
	return l;
}

static struct ih_ep_query conv(const char *src, const char *dst, bool has_id, uint16_t id, double t0, double t1)
{
	static struct ih_addr d;
	struct ih_ep_query q = { 0 };
	assert_true(ih_addr_parse(src, &q.src));
	assert_true(ih_addr_parse(dst, &d));
	q.family = q.src.family;
	q.dsts = &d;
	q.ndst = 1;
	q.has_id = has_id;
	q.id = id;
	q.t0 = T0 * 1000000000ull + S(t0);
	q.t1 = T0 * 1000000000ull + S(t1);
	return q;
}

#define SLACK 2000000000ull
#define LOOKBACK 3600000000000ull

static void test_audit_log_seed(void **state)
{
	(void)state;
	char msgs[4096] = "";
	struct ih_eplog *l = load("audit.log", IH_EPLOG_AUTO, msgs, sizeof msgs);
	assert_string_equal(msgs, "");
	struct ih_eplog_stats st;
	ih_eplog_get_stats(l, &st);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.lines, 39);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.failed_calls, 1); /* the EACCES ping socket */
	assert_int_equal(st.procs, 4);        /* updater, nmap, ptunnel-ng, ping (aarch64, v6) */
	/* opens: updater, nmap, ptunnel-ng, ping6; ptunnel-ng's sendto to one peer: one activity */
	assert_int_equal(st.activities, 5);
	assert_int_equal(st.icmp_events, 1 + 1 + 1 + 1 + 4 + 1);

	struct ih_ep_answer a;
	/* the beacon (id 9350, 01:14:33 to 01:15:42): its pid is its id */
	struct ih_ep_query q = conv("10.77.0.10", "203.0.113.7", true, 9350, 175.07, 244.67);
	assert_true(ih_eplog_match(l, &q, true, SLACK, LOOKBACK, &a));
	assert_int_equal(a.match, IH_EP_MATCH_PID_AS_ID);
	assert_int_equal(a.proc.pid, 9350);
	assert_string_equal(a.proc.exe, "/home/alice/.cache/updater");
	assert_string_equal(a.proc.cmdline, "updater -q -i 4 -s 180 -p 4b21c0de 203.0.113.7");
	assert_int_equal(a.proc.uid, 1000);
	assert_int_equal(a.proc.auid, 1000);
	assert_int_equal(a.sock, IH_EP_SOCK_RAW);
	assert_int_equal(a.proc.origin, IH_EP_FROM_AUDITD);
	assert_non_null(strstr(a.proc.where, "audit.log:"));
	/* ... and even without --endpoint-host, where only records naming the peer count, the
	 * tunnel's sendto records must not take it: they do not span the beacon's time */
	assert_true(ih_eplog_match(l, &q, false, SLACK, LOOKBACK, &a));
	/* the only peer record is ptunnel-ng's: said, but as uncertain */
	assert_int_equal(a.proc.pid, 9380);
	assert_int_equal(a.match, IH_EP_MATCH_LOG_REMOTE);
	assert_non_null(strstr(a.reason, "uncertain"));

	/* the tunnel (id 44697, 01:14:44.9 to 01:14:47.9): sendto records name the peer */
	q = conv("10.77.0.10", "203.0.113.7", true, 44697, 186.885, 189.9);
	assert_true(ih_eplog_match(l, &q, true, SLACK, LOOKBACK, &a));
	assert_int_equal(a.match, IH_EP_MATCH_LOG_REMOTE);
	assert_int_equal(a.proc.pid, 9380);
	assert_string_equal(a.proc.exe, "/usr/bin/ptunnel-ng");
	assert_int_equal(a.proc.uid, 0); /* as it was when it opened the socket */
	assert_string_equal(a.proc.cmdline, "ptunnel-ng -v -1 -o/dev/null -p203.0.113.7 -l2222 -r127.0.0.1 -R9000");

	/* nmap's probes (random ids) at 01:14:39.1: the socket opened just before, as root */
	q = conv("10.77.0.10", "10.78.0.40", true, 62705, 181.105, 181.105);
	assert_true(ih_eplog_match(l, &q, true, SLACK, LOOKBACK, &a));
	assert_int_equal(a.match, IH_EP_MATCH_LOG_SOCKET);
	assert_int_equal(a.proc.pid, 9361);
	assert_string_equal(a.proc.exe, "/usr/bin/nmap");
	assert_string_equal(a.proc.user, "root");
	assert_int_equal(a.candidates, 2); /* the beacon's socket was open too */
	assert_non_null(strstr(a.reason, "uncertain"));
	/* without --endpoint-host nothing names 10.78.0.40 */
	assert_false(ih_eplog_match(l, &q, false, SLACK, LOOKBACK, &a));
	assert_non_null(strstr(a.reason, "--endpoint-host"));

	/* IPv6 from the aarch64 record */
	q = conv("fd77::a", "fd78::28", true, 5, 262.0, 263.0);
	assert_true(ih_eplog_match(l, &q, true, SLACK, LOOKBACK, &a));
	assert_int_equal(a.proc.pid, 9401);
	assert_int_equal(a.sock, IH_EP_SOCK_PING);
	/* long before anything in the log */
	q = conv("10.77.0.10", "203.0.113.7", true, 1, -7200.0, -7100.0);
	assert_false(ih_eplog_match(l, &q, true, SLACK, LOOKBACK, &a));
	assert_non_null(strstr(a.reason, "no ICMP socket"));

	json_t *j = ih_eplog_stats_json(l);
	assert_int_equal(json_integer_value(json_object_get(j, "processes")), 4);
	json_decref(j);
	ih_eplog_free(l);
}

static void test_osquery(void **state)
{
	(void)state;
	char msgs[4096] = "";
	struct ih_eplog *l = load("osquery_socket_events.jsonl", IH_EPLOG_AUTO, msgs, sizeof msgs);
	assert_string_equal(msgs, "");
	struct ih_eplog_stats st;
	ih_eplog_get_stats(l, &st);
	assert_int_equal(st.lines, 10);
	assert_int_equal(st.malformed, 0);
	/* updater, nmap (bind), 3 x ptunnel-ng, ping6 (snapshot), fping (plain row) */
	assert_int_equal(st.icmp_events, 7);
	assert_int_equal(st.procs, 5);

	struct ih_ep_answer a;
	struct ih_ep_query q = conv("10.77.0.10", "203.0.113.7", true, 44697, 186.885, 189.9);
	assert_true(ih_eplog_match(l, &q, false, SLACK, LOOKBACK, &a));
	assert_int_equal(a.proc.pid, 9380);
	assert_int_equal(a.proc.origin, IH_EP_FROM_OSQUERY);
	assert_string_equal(a.proc.comm, "ptunnel-ng");
	/* the beacon's connect row at 01:14:33 is a single point in time, the tunnel's rows cover
	 * 01:14:44-47: for a conversation of 01:14:33-01:15:42 the span decides */
	q = conv("10.77.0.10", "203.0.113.7", true, 9350, 175.07, 244.67);
	assert_true(ih_eplog_match(l, &q, false, SLACK, LOOKBACK, &a));
	assert_int_equal(a.proc.pid, 9350); /* and its pid is the id */
	assert_int_equal(a.match, IH_EP_MATCH_PID_AS_ID);
	/* the plain row: numbers, a fractional time */
	q = conv("10.77.0.10", "10.78.0.40", true, 1, 223.0, 223.5);
	assert_true(ih_eplog_match(l, &q, false, SLACK, LOOKBACK, &a));
	assert_int_equal(a.proc.pid, 9402);
	assert_int_equal(a.proc.uid, 0);

	/* row parsing directly: a row per snapshot element */
	const char *snap = "{\"name\":\"socket_snap\",\"snapshot\":[{\"pid\":\"1\",\"family\":\"2\",\"protocol\":\"1\",\"time\":\"5\"},{\"pid\":\"2\",\"family\":\"10\",\"protocol\":\"58\",\"time\":5}]}";
	assert_int_equal(ih_osq_parse_line(snap, strlen(snap), NULL, NULL, NULL), 2);
	const char *arr = "[{\"pid\":\"1\",\"family\":\"2\",\"protocol\":\"icmp\",\"time\":\"5\"}]";
	assert_int_equal(ih_osq_parse_line(arr, strlen(arr), NULL, NULL, NULL), 1);
	ih_eplog_free(l);
}

static void test_hostile_files(void **state)
{
	(void)state;
	char msgs[8192] = "";
	struct ih_eplog *l = load("audit_bad.log", IH_EPLOG_AUDITD, msgs, sizeof msgs);
	struct ih_eplog_stats st;
	ih_eplog_get_stats(l, &st);
	/* 17 lines: the one cut after "pid=93" and the one with a hex-encoded exe parse; every
	 * other is an error that names file and line (the NUL bytes of the last one included) */
	assert_int_equal(st.lines, 17);
	assert_int_equal(st.malformed, 15);
	assert_non_null(strstr(msgs, "audit_bad.log:17: expected type="));
	assert_non_null(strstr(msgs, "audit_bad.log:2: "));
	assert_non_null(strstr(msgs, "audit_bad.log:4: msg=audit(...) time is not SECONDS.MILLIS"));
	assert_non_null(strstr(msgs, "audit_bad.log:16: line too long"));
	assert_non_null(strstr(msgs, "(line skipped)"));
	assert_null(strstr(msgs, "audit_bad.log:1: "));
	assert_null(strstr(msgs, "audit_bad.log:15: "));
	/* the good ones still count: pid 93 and pid 4242 (exe hex-encoded /tmp/x) */
	struct ih_ep_answer a;
	struct ih_ep_query q = conv("10.77.0.10", "203.0.113.7", true, 4242, 174.99, 175.0);
	assert_true(ih_eplog_match(l, &q, true, SLACK, LOOKBACK, &a));
	assert_int_equal(a.proc.pid, 4242);
	assert_string_equal(a.proc.exe, "/tmp/x");
	ih_eplog_free(l);

	memset(msgs, 0, sizeof msgs);
	l = load("osquery_bad.jsonl", IH_EPLOG_OSQUERY, msgs, sizeof msgs);
	ih_eplog_get_stats(l, &st);
	assert_int_equal(st.lines, 13);
	/* truncated, not JSON, [1,2,3], no pid, family 99, bad time, negative pid, overflow, too
	 * deep, duplicate key, snapshot not an array: 11; the odd-address row is ICMP, kept */
	assert_int_equal(st.malformed, 11);
	assert_int_equal(st.icmp_events, 1);
	assert_non_null(strstr(msgs, "osquery_bad.jsonl:1: not JSON"));
	assert_non_null(strstr(msgs, "osquery_bad.jsonl:4: an ICMP row without a pid"));
	ih_eplog_free(l);

	/* a file that is not there */
	char err[256];
	l = ih_eplog_new();
	assert_false(ih_eplog_load(l, "/nonexistent/audit.log", IH_EPLOG_AUTO, NULL, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/audit.log: cannot open"));
	ih_eplog_free(l);
}

static void test_message_cap(void **state)
{
	(void)state;
	/* a flood of bad lines: at most IH_EPLOG_MAX_MESSAGES printed, all counted */
	struct ih_eplog *l = ih_eplog_new();
	char msgs[16384] = "";
	FILE *errf = fmemopen(msgs, sizeof msgs, "w");
	setvbuf(errf, NULL, _IONBF, 0);
	for (int i = 1; i <= 100; i++)
		ih_eplog_feed(l, IH_EPLOG_AUDITD, "garbage", 7, "flood.log", (uint64_t)i, errf);
	ih_eplog_end(l);
	fclose(errf);
	struct ih_eplog_stats st;
	ih_eplog_get_stats(l, &st);
	assert_int_equal(st.malformed, 100);
	unsigned lines = 0;
	for (const char *p = msgs; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, IH_EPLOG_MAX_MESSAGES + 1);
	assert_non_null(strstr(msgs, "further malformed lines are counted"));
	ih_eplog_free(l);
}

static void test_bounded(void **state)
{
	(void)state;
	/* many processes: the tables stop growing, the rest is counted as dropped */
	struct ih_eplog *l = ih_eplog_new();
	char line[512];
	for (int pid = 1; pid <= 5000; pid++) {
		int n = snprintf(line, sizeof line,
				 "type=SYSCALL msg=audit(1795569272.%03d:%d): arch=c000003e syscall=41 success=yes exit=3 a0=2 a1=3 a2=1 pid=%d exe=\"/tmp/p%d\"",
				 pid % 1000, pid, pid, pid);
		ih_eplog_feed(l, IH_EPLOG_AUDITD, line, (size_t)n, "many.log", (uint64_t)pid, NULL);
	}
	ih_eplog_end(l);
	struct ih_eplog_stats st;
	ih_eplog_get_stats(l, &st);
	assert_int_equal(st.procs, 4096);
	assert_int_equal(st.dropped, 5000 - 4096);
	ih_eplog_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_fields),
		cmocka_unit_test(test_audit_hostile),
		cmocka_unit_test(test_audit_log_seed),
		cmocka_unit_test(test_osquery),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_message_cap),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_zeek.c — Zeek conn.log input: the TSV header and its escapes, JSON lines, hostile lines
 * (reported with file and line, counted, skipped), what a flow becomes (views, their order and
 * flags), reordering of rows written by end time, and the corpus capture converted to conn.log
 * (tests/data/zeek/pcap2conn.py) giving the same sweep and lateral movement as the capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "source/zeek.h"
#include "store_target.h"

#define MAXV 256

struct capture {
	struct ih_pkt v[MAXV];
	uint64_t line[MAXV];
	size_t n;
	uint64_t total;
};

static void on_view(void *ctx, const struct ih_pkt *pkt, const char *file, uint64_t line)
{
	struct capture *c = ctx;
	(void)file;
	c->total++;
	if (c->n < MAXV) {
		c->v[c->n] = *pkt;
		c->v[c->n].payload = NULL; /* points into the reader's scratch */
		c->line[c->n++] = line;
	}
}

static const char HDR[] =
	"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\thistory\t"
	"orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\n";

static struct ih_zeek *open_text(const char *text, const struct ih_zeek_opts *o, char *err, size_t errlen)
{
	return ih_zeek_open_mem("test.log", (const uint8_t *)text, strlen(text), o, err, errlen);
}

static void run_text(const char *text, struct capture *c, uint64_t *malformed)
{
	char err[512];
	struct ih_zeek_opts o = { .max_views = 100 };
	struct ih_zeek *z = open_text(text, &o, err, sizeof(err));
	if (!z)
		fail_msg("open: %s", err);
	memset(c, 0, sizeof(*c));
	assert_int_equal(ih_zeek_run(z, on_view, c, err, sizeof(err)), IH_SRC_OK);
	if (malformed)
		*malformed = ih_zeek_malformed(z);
	ih_zeek_close(z);
}

/* ------------------------------------------------------------------ detection */

static void test_sniff(void **state)
{
	(void)state;
	static const uint8_t pcap[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0 };
	static const uint8_t ng[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0, 0 };
	assert_int_equal(ih_input_sniff_mem(pcap, sizeof(pcap)), IH_FMT_PCAP);
	assert_int_equal(ih_input_sniff_mem(ng, sizeof(ng)), IH_FMT_PCAP);
	assert_int_equal(ih_input_sniff_mem((const uint8_t *)"#separator \\x09\n", 16), IH_FMT_ZEEK_TSV);
	assert_int_equal(ih_input_sniff_mem((const uint8_t *)"\xef\xbb\xbf  {\"ts\":1}", 14), IH_FMT_ZEEK_JSON);
	assert_int_equal(ih_input_sniff_mem((const uint8_t *)"hello", 5), IH_FMT_UNKNOWN);
	assert_int_equal(ih_input_sniff_mem(NULL, 0), IH_FMT_UNKNOWN);

	char a[512], b[512], err[256];
	enum ih_input_format f;
	char *both[2] = { test_data("corpus/sweep_lateral.pcap", a, sizeof(a)),
			  test_data("zeek/sweep_lateral.conn.log", b, sizeof(b)) };
	assert_false(ih_inputs_detect(both, 2, &f, err, sizeof(err)));
	assert_non_null(strstr(err, "not a conn.log"));
	assert_true(ih_inputs_detect(both + 1, 1, &f, err, sizeof(err)));
	assert_int_equal(f, IH_FMT_ZEEK_TSV);
	char *missing[2] = { b, "/nonexistent/x.log" };
	assert_true(ih_inputs_detect(missing, 2, &f, err, sizeof(err))); /* the opener reports it */
	assert_int_equal(f, IH_FMT_ZEEK_TSV);
}

/* ------------------------------------------------------------------ parsing */

static void test_tsv_header_and_escapes(void **state)
{
	(void)state;
	struct ih_zeek_parser zp;
	struct ih_flow f;
	char err[256];
	ih_zeek_parser_init(&zp, false);
	/* a separator of its own, other unset/empty markers, fields in another order */
	char l1[] = "#separator \\x7c";
	char l2[] = "#unset_field|NONE";
	char l3[] = "#empty_field|EMPTY";
	char l4[] = "#fields|proto|id.orig_h|id.resp_h|ts|id.orig_p|id.resp_p|history|conn_state|orig_pkts|resp_pkts|extra";
	assert_int_equal(ih_zeek_parse_line(&zp, l1, strlen(l1), &f, err, sizeof(err)), IH_ZL_SKIP);
	assert_int_equal(zp.sep, '|');
	assert_int_equal(ih_zeek_parse_line(&zp, l2, strlen(l2), &f, err, sizeof(err)), IH_ZL_SKIP);
	assert_int_equal(ih_zeek_parse_line(&zp, l3, strlen(l3), &f, err, sizeof(err)), IH_ZL_SKIP);
	assert_int_equal(ih_zeek_parse_line(&zp, l4, strlen(l4), &f, err, sizeof(err)), IH_ZL_SKIP);
	char r1[] = "tcp|10.0.0.1|10.0.0.2|1795569000.5|40000|445|S\\x7cr|EMPTY|NONE|NONE|x\\x7cy";
	assert_int_equal(ih_zeek_parse_line(&zp, r1, strlen(r1), &f, err, sizeof(err)), IH_ZL_ROW);
	assert_int_equal(f.proto, IH_PROTO_TCP);
	assert_int_equal(f.ts_ns, 1795569000500000000ull);
	assert_int_equal(f.orig_p, 40000);
	assert_int_equal(f.resp_p, 445);
	assert_string_equal(f.history, "S|r"); /* \x7c is the separator, escaped */
	assert_string_equal(f.conn_state, "");  /* EMPTY */
	assert_false(f.has_pkts);               /* NONE */
	char r2[] = "icmp|fd00::1|fd00::2|1795569001|128|0|NONE|OTH|3|3|z";
	assert_int_equal(ih_zeek_parse_line(&zp, r2, strlen(r2), &f, err, sizeof(err)), IH_ZL_ROW);
	assert_int_equal(f.proto, IH_PROTO_ICMP6);
	assert_int_equal(f.orig_pkts, 3);
	/* a new #fields header mid-file re-maps the columns */
	char l5[] = "#fields|ts|id.orig_h|id.resp_h|proto|id.orig_p|id.resp_p";
	assert_int_equal(ih_zeek_parse_line(&zp, l5, strlen(l5), &f, err, sizeof(err)), IH_ZL_SKIP);
	char r3[] = "1795569002.000001|10.0.0.1|10.0.0.2|udp|5000|53";
	assert_int_equal(ih_zeek_parse_line(&zp, r3, strlen(r3), &f, err, sizeof(err)), IH_ZL_ROW);
	assert_int_equal(f.proto, IH_PROTO_UDP);
	assert_int_equal(f.ts_ns, 1795569002000001000ull);
	/* headers that refuse the file */
	char bad1[] = "#path|dns";
	assert_int_equal(ih_zeek_parse_line(&zp, bad1, strlen(bad1), &f, err, sizeof(err)), IH_ZL_FATAL);
	assert_non_null(strstr(err, "'dns'"));
	char bad2[] = "#fields|uid|id.orig_h|id.resp_h|proto";
	assert_int_equal(ih_zeek_parse_line(&zp, bad2, strlen(bad2), &f, err, sizeof(err)), IH_ZL_FATAL);
	assert_non_null(strstr(err, "'ts'"));
	char bad3[] = "#separator ab";
	assert_int_equal(ih_zeek_parse_line(&zp, bad3, strlen(bad3), &f, err, sizeof(err)), IH_ZL_FATAL);
}

static void test_json_lines(void **state)
{
	(void)state;
	struct ih_zeek_parser zp;
	struct ih_flow f;
	char err[256];
	ih_zeek_parser_init(&zp, true);
	char j1[] = "{\"ts\":1795569000.123456,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":13,\"id.resp_h\":\"10.0.0.2\","
		    "\"id.resp_p\":14,\"proto\":\"icmp\",\"duration\":0.5,\"orig_pkts\":2,\"resp_pkts\":2}";
	assert_int_equal(ih_zeek_parse_line(&zp, j1, strlen(j1), &f, err, sizeof(err)), IH_ZL_ROW);
	assert_int_equal(f.ts_ns, 1795569000123456000ull);
	assert_int_equal(f.duration_ns, 500000000ull);
	assert_int_equal(f.orig_p, 13);
	char j2[] = "{\"ts\":\"2026-11-25T01:10:01.500000Z\",\"id\":{\"orig_h\":\"fd77::a\",\"orig_p\":128,"
		    "\"resp_h\":\"fd77::1\",\"resp_p\":0},\"proto\":\"icmp\"}";
	assert_int_equal(ih_zeek_parse_line(&zp, j2, strlen(j2), &f, err, sizeof(err)), IH_ZL_ROW);
	assert_int_equal(f.ts_ns, 1795569001500000000ull);
	assert_int_equal(f.proto, IH_PROTO_ICMP6);
	char j3[] = "{\"_path\":\"dns\",\"ts\":1,\"id.orig_h\":\"10.0.0.1\",\"id.resp_h\":\"10.0.0.2\",\"proto\":\"udp\"}";
	assert_int_equal(ih_zeek_parse_line(&zp, j3, strlen(j3), &f, err, sizeof(err)), IH_ZL_SKIP);
	char j4[] = "{\"ts\":true,\"id.orig_h\":\"10.0.0.1\",\"id.resp_h\":\"10.0.0.2\",\"proto\":\"udp\"}";
	assert_int_equal(ih_zeek_parse_line(&zp, j4, strlen(j4), &f, err, sizeof(err)), IH_ZL_BAD);
	char j5[] = "{\"ts\":1e300,\"id.orig_h\":\"10.0.0.1\",\"id.resp_h\":\"10.0.0.2\",\"proto\":\"udp\"}";
	assert_int_equal(ih_zeek_parse_line(&zp, j5, strlen(j5), &f, err, sizeof(err)), IH_ZL_BAD);
	char j6[] = "{\"ts\":-1,\"id.orig_h\":\"10.0.0.1\",\"id.resp_h\":\"10.0.0.2\",\"proto\":\"udp\"}";
	assert_int_equal(ih_zeek_parse_line(&zp, j6, strlen(j6), &f, err, sizeof(err)), IH_ZL_BAD);
	char j7[] = "   ";
	assert_int_equal(ih_zeek_parse_line(&zp, j7, strlen(j7), &f, err, sizeof(err)), IH_ZL_SKIP);
}

static void test_hostile_files(void **state)
{
	(void)state;
	char path[512], out[64], err[512];
	snprintf(out, sizeof(out), "/tmp/ih-zeek-out-%d.jsonl", (int)getpid());
	/* every malformed line is named and counted; the good rows are still read */
	struct ih_zeek_opts o = { .max_views = 1000, .max_errors = 3, .errf = stderr };
	char *files[1] = { test_data("zeek/hostile.conn.log", path, sizeof(path)) };
	struct ih_zeek *z = ih_zeek_open(files, 1, &o, err, sizeof(err));
	assert_non_null(z);
	struct capture c;
	memset(&c, 0, sizeof(c));
	assert_int_equal(ih_zeek_run(z, on_view, &c, err, sizeof(err)), IH_SRC_OK);
	assert_int_equal(ih_zeek_malformed(z), 10);
	json_t *st = ih_zeek_stats(z);
	assert_int_equal(json_integer_value(json_object_get(st, "rows")), 4);
	assert_int_equal(json_integer_value(json_object_get(st, "flows_capped")), 1);
	json_decref(st);
	ih_zeek_close(z);
	/* 4 + 3 views of the good echo flow, 1000 of the capped one, SYN + RST, SYN */
	assert_int_equal(c.total, 4 + 3 + 1000 + 2 + 1);

	files[0] = test_data("zeek/hostile.conn.json", path, sizeof(path));
	z = ih_zeek_open(files, 1, &o, err, sizeof(err));
	assert_non_null(z);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ih_zeek_run(z, on_view, &c, err, sizeof(err)), IH_SRC_OK);
	assert_int_equal(ih_zeek_malformed(z), 6);
	ih_zeek_close(z);

	/* another Zeek log is refused before anything is read */
	files[0] = test_data("zeek/dns.log", path, sizeof(path));
	assert_null(ih_zeek_open(files, 1, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "dns.log:5"));

	/* bytes no text file holds: a NUL, a line over 64 KiB, no newline at the end */
	size_t big = 70000;
	char *buf = malloc(sizeof(HDR) + big + 256);
	assert_non_null(buf);
	size_t n = (size_t)snprintf(buf, sizeof(HDR) + 1, "%s", HDR);
	static const char row[] = "1795569000\tC\t10.0.0.1\t8\t10.0.0.2\t0\ticmp\t-\tOTH\t-\t1\t28\t0\t0\n";
	memcpy(buf + n, row, strlen(row));
	n += strlen(row);
	buf[n - 20] = '\0'; /* a NUL in the middle of that row */
	memset(buf + n, 'A', big);
	n += big;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "1795569001\tC\t10.0.0.1\t8\t10.0.0.3\t0\ticmp\t-\tOTH\t-\t1\t28\t1\t28");
	z = ih_zeek_open_mem("mem.log", (const uint8_t *)buf, n, &o, err, sizeof(err));
	assert_non_null(z);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ih_zeek_run(z, on_view, &c, err, sizeof(err)), IH_SRC_OK);
	assert_int_equal(ih_zeek_malformed(z), 2);
	assert_int_equal(c.total, 2); /* the last row, without its newline, is read */
	ih_zeek_close(z);
	free(buf);

	/* through the command: exit 0, malformed lines in the stats */
	files[0] = test_data("zeek/hostile.conn.log", path, sizeof(path));
	char cap[] = "zeek_max_views=1000"; /* --set writes into its argument */
	char *argv[] = { "analyze", "--no-config", "--seed", "1", "-f", "jsonl", "-o", out, "--set", cap, files[0], NULL };
	assert_int_equal(ih_cmd_analyze(11, argv), 0);
	FILE *fp = fopen(out, "r");
	assert_non_null(fp);
	char line[65536], last[65536] = "";
	while (fgets(line, sizeof(line), fp))
		snprintf(last, sizeof(last), "%s", line);
	fclose(fp);
	json_t *stats = json_loads(last, 0, NULL);
	assert_non_null(stats);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(stats, "zeek"), "malformed_lines")), 10);
	assert_true(json_is_true(json_object_get(stats, "clean")));
	json_decref(stats);
	unlink(out);
}

/* ------------------------------------------------------------------ flows to views */

static void test_echo_flow_views(void **state)
{
	(void)state;
	char text[2048];
	/* 4 requests and 2 replies over 3 s: requests at 0, .75, 1.5, 2.25 s; the replies answer
	 * requests 2 and 4 (evenly spread, the last one answered) */
	snprintf(text, sizeof(text), "%s1795569000.000000\tC1\t10.77.0.11\t8\t10.77.0.1\t0\ticmp\t3.0\tOTH\t-\t4\t336\t2\t168\n", HDR);
	struct capture c;
	run_text(text, &c, NULL);
	assert_int_equal(c.n, 6);
	unsigned req = 0, rep = 0;
	for (size_t i = 0; i < c.n; i++) {
		const struct ih_pkt *p = &c.v[i];
		assert_true(p->from_flow);
		assert_true(p->has_icmp);
		assert_int_equal(p->payload_len, 0);
		assert_int_equal(p->ip_len, 84);
		assert_int_equal(p->payload_wire_len, 84 - 20 - 8);
		assert_int_equal(c.line[i], 7);
		if (i)
			assert_true(p->ts_ns >= c.v[i - 1].ts_ns); /* in time order */
		if (p->icmp_class == IH_ICMP_ECHO_REQ) {
			assert_int_equal(p->icmp_seq, req + 1);
			assert_true(p->flow_start == (req == 0));
			req++;
		} else {
			assert_int_equal(p->icmp_class, IH_ICMP_ECHO_REP);
			assert_int_equal(p->icmp_seq, rep == 0 ? 2 : 4);
			assert_false(p->flow_start);
			rep++;
		}
	}
	assert_int_equal(req, 4);
	assert_int_equal(rep, 2);
	assert_int_equal(c.v[0].ts_ns, 1795569000000000000ull);

	/* timestamp 13 with Zeek's counterpart 14 in id.resp_p; IPv6 echo; an unreachable */
	snprintf(text, sizeof(text),
		 "%s1795569000\tC1\t10.0.0.1\t13\t10.0.0.2\t14\ticmp\t-\tOTH\t-\t1\t40\t1\t40\n"
		 "1795569001\tC2\tfd77::a\t128\tfd77::1\t0\ticmp\t0.001\tOTH\t-\t1\t104\t1\t104\n"
		 "1795569002\tC3\t10.0.0.254\t3\t10.0.0.1\t3\ticmp\t-\tOTH\t-\t1\t56\t0\t0\n",
		 HDR);
	run_text(text, &c, NULL);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.v[0].icmp_class, IH_ICMP_TSTAMP_REQ);
	assert_int_equal(c.v[1].icmp_class, IH_ICMP_TSTAMP_REP);
	assert_int_equal(c.v[2].icmp_class, IH_ICMP_ECHO_REQ);
	assert_int_equal(c.v[2].ip_ver, 6);
	assert_int_equal(c.v[3].icmp_type, 129);
	assert_int_equal(c.v[4].icmp_class, IH_ICMP_UNREACH);
	assert_int_equal(c.v[4].icmp_code, 3);
}

static void test_tcp_udp_views(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text),
		 "%s1795569000\tC1\t10.0.0.1\t40000\t10.0.0.2\t445\ttcp\t-\tS0\tS\t2\t120\t0\t0\n"
		 "1795569001\tC2\t10.0.0.1\t40001\t10.0.0.2\t22\ttcp\t0.001\tREJ\tSr\t1\t60\t1\t40\n"
		 "1795569002\tC3\t10.0.0.1\t40002\t10.0.0.2\t3389\ttcp\t2.5\tSF\tShADadFf\t10\t800\t8\t900\n"
		 "1795569003\tC4\t10.0.0.1\t40003\t10.0.0.2\t80\ttcp\t1.0\tOTH\tDd\t3\t200\t3\t200\n"
		 "1795569004\tC5\t10.0.0.1\t5000\t10.0.0.2\t161\tudp\t-\tS0\tD\t1\t60\t0\t0\n",
		 HDR);
	struct capture c;
	run_text(text, &c, NULL);
	assert_int_equal(c.n, 7);
	assert_int_equal(c.v[0].tcp_flags, IH_TCP_SYN); /* S0: the SYN, nothing back */
	assert_int_equal(c.v[0].dport, 445);
	assert_true(c.v[0].flow_start);
	assert_int_equal(c.v[1].tcp_flags, IH_TCP_SYN);
	assert_int_equal(c.v[2].tcp_flags, IH_TCP_RST | IH_TCP_ACK); /* REJ */
	assert_int_equal(c.v[2].sport, 22);
	assert_int_equal(c.v[3].tcp_flags, IH_TCP_SYN);
	assert_int_equal(c.v[4].tcp_flags, IH_TCP_SYN | IH_TCP_ACK); /* SF */
	assert_int_equal(c.v[5].tcp_flags, IH_TCP_ACK); /* no SYN seen: mid-stream */
	assert_int_equal(c.v[6].proto, IH_PROTO_UDP);
	assert_int_equal(c.v[6].dport, 161);
}

static void test_rows_reordered(void **state)
{
	(void)state;
	char text[2048];
	/* written by end time: the long flow that started first comes last */
	snprintf(text, sizeof(text),
		 "%s1795569010\tC2\t10.0.0.1\t8\t10.0.0.3\t0\ticmp\t-\tOTH\t-\t1\t28\t1\t28\n"
		 "1795569011\tC3\t10.0.0.1\t8\t10.0.0.4\t0\ticmp\t-\tOTH\t-\t1\t28\t1\t28\n"
		 "1795569000\tC1\t10.0.0.1\t8\t10.0.0.2\t0\ticmp\t20\tOTH\t-\t3\t84\t3\t84\n"
		 "1795568990\tC9\t10.0.0.1\t8\t10.0.0.8\t0\ticmp\t-\tOTH\t-\t1\t28\t0\t0\n"
		 "1795569200\tC4\t10.0.0.1\t8\t10.0.0.5\t0\ticmp\t-\tOTH\t-\t1\t28\t1\t28\n"
		 "1795560000\tC0\t10.0.0.1\t8\t10.0.0.9\t0\ticmp\t-\tOTH\t-\t1\t28\t0\t0\n",
		 HDR);
	char err[256];
	struct ih_zeek_opts o = { .reorder_ns = 60ull * 1000000000ull };
	struct ih_zeek *z = open_text(text, &o, err, sizeof(err));
	assert_non_null(z);
	struct capture c;
	memset(&c, 0, sizeof(c));
	assert_int_equal(ih_zeek_run(z, on_view, &c, err, sizeof(err)), IH_SRC_OK);
	json_t *st = ih_zeek_stats(z);
	/* the row 9000 s behind is late: out of the window, released as it comes */
	assert_int_equal(json_integer_value(json_object_get(st, "late_rows")), 1);
	json_decref(st);
	ih_zeek_close(z);
	assert_int_equal(c.n, 14);
	/* within the window, rows are put back in time order: the row written fourth, which
	 * started first, comes out first */
	assert_int_equal(c.v[0].ts_ns, 1795568990000000000ull);
	assert_int_equal(c.v[1].ts_ns, 1795569000000000000ull);
	size_t late = 0;
	for (size_t i = 1; i < c.n; i++) {
		if (c.v[i].ts_ns < 1795568990000000000ull) {
			late++; /* the late row: released as it comes, after what was already out */
			continue;
		}
		if (c.v[i - 1].ts_ns >= 1795568990000000000ull)
			assert_true(c.v[i].ts_ns >= c.v[i - 1].ts_ns);
	}
	assert_int_equal(late, 1);
}

/* ------------------------------------------------------------------ the corpus as conn.log */

static json_t *finding_of(const char *path, const char *kind, json_t **stats)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	static char line[1 << 16];
	json_t *found = NULL;
	while (fgets(line, sizeof(line), fp)) {
		json_t *o = json_loads(line, 0, NULL);
		assert_non_null(o);
		const char *type = json_string_value(json_object_get(o, "type"));
		if (strcmp(type, "stats") == 0 && stats) {
			*stats = o;
			continue;
		}
		if (!found && strcmp(type, "finding") == 0 && strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0) {
			found = o;
			continue;
		}
		json_decref(o);
	}
	fclose(fp);
	return found;
}

static void corpus_case(const char *rel)
{
	char path[512], out[64];
	snprintf(out, sizeof(out), "/tmp/ih-zeek-corpus-%d.jsonl", (int)getpid());
	char *argv[] = { "analyze", "--no-config", "--seed", "1", "-f", "jsonl", "-o", out,
			 test_data(rel, path, sizeof(path)), NULL };
	assert_int_equal(ih_cmd_analyze(9, argv), 0);
	json_t *stats = NULL;
	json_t *sw = finding_of(out, "sweep", &stats);
	json_t *lat = finding_of(out, "lateral_movement", NULL);
	assert_non_null(sw);
	assert_non_null(lat);
	assert_non_null(stats);
	/* what the capture gives (tests/golden/expected/sweep_lateral.jsonl) */
	json_t *ev = json_object_get(sw, "evidence");
	assert_string_equal(json_string_value(json_object_get(sw, "src")), "10.77.0.10");
	assert_string_equal(json_string_value(json_object_get(sw, "dst")), "10.78.0.32/27");
	assert_string_equal(json_string_value(json_object_get(sw, "id")), "F-83dd6d5cfed35d43");
	assert_int_equal(json_integer_value(json_object_get(ev, "hosts_probed")), 32);
	assert_int_equal(json_integer_value(json_object_get(ev, "hosts_answered")), 10);
	assert_int_equal(json_integer_value(json_object_get(ev, "probes")), 54);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(lat, "evidence"), "hosts_touched")), 10);
	assert_string_equal(json_string_value(json_object_get(lat, "severity")), "high");
	/* payload detectors say why they did not run */
	json_t *nr = json_object_get(stats, "detectors_not_run");
	assert_int_equal(json_array_size(nr), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nr, 0), "reason")), "conn.log has no payloads");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(stats, "zeek"), "malformed_lines")), 0);
	json_decref(sw);
	json_decref(lat);
	json_decref(stats);
	unlink(out);
}

static void test_corpus_sweep_lateral_tsv(void **state)
{
	(void)state;
	corpus_case("zeek/sweep_lateral.conn.log");
}

static void test_corpus_sweep_lateral_json(void **state)
{
	(void)state;
	corpus_case("zeek/sweep_lateral.conn.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_tsv_header_and_escapes),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_echo_flow_views),
		cmocka_unit_test(test_tcp_udp_views),
		cmocka_unit_test(test_rows_reordered),
		cmocka_unit_test(test_corpus_sweep_lateral_tsv),
		cmocka_unit_test(test_corpus_sweep_lateral_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

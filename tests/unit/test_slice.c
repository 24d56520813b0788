/* test_slice.c — the rule that says which packets belong to an incident (src/evidence/slice.c):
 * the time window with its grace, both directions, the peer as address or CIDR, lateral
 * movement by host and port, the ICMP errors the probes provoked, non-first fragments, spoofed
 * floods, and findings that cannot be turned into a rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "evidence/slice.h"

#define T0 1795569273000000000ull /* 2026-11-25T01:14:33Z */
#define SEC 1000000000ull

static json_t *finding(const char *id, const char *kind, const char *src, const char *dst, const char *first,
		       const char *last)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{}}", "type", "finding", "id", id, "kind", kind, "src", src, "dst",
			 dst, "first_seen", first, "last_seen", last, "evidence");
}

static struct ih_addr A(const char *s)
{
	struct ih_addr a;
	assert_true(ih_addr_parse(s, &a));
	return a;
}

static struct ih_pkt icmp(const char *src, const char *dst, uint64_t ts, enum ih_icmp_class cls)
{
	struct ih_pkt p;
	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.ip_ver = 4;
	p.src = A(src);
	p.dst = A(dst);
	p.proto = IH_PROTO_ICMP;
	p.has_icmp = true;
	p.icmp_class = cls;
	return p;
}

static struct ih_pkt l4(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto, uint64_t ts)
{
	struct ih_pkt p;
	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.ip_ver = 4;
	p.src = A(src);
	p.dst = A(dst);
	p.proto = proto;
	p.has_ports = true;
	p.sport = sport;
	p.dport = dport;
	return p;
}

static unsigned m(struct ih_slice *s, struct ih_pkt p)
{
	return ih_slice_match(s, IH_DEC_OK, &p, false);
}

static void test_icmp_window_and_peers(void **state)
{
	(void)state;
	json_t *fs = json_array();
	json_array_append_new(fs, finding("F-1", "tunnel", "10.77.0.10", "203.0.113.7", "2026-11-25T01:14:33.000000Z",
					  "2026-11-25T01:14:43.000000Z"));
	json_array_append_new(fs, finding("F-2", "sweep", "10.77.0.10", "10.78.0.32/27", "2026-11-25T01:15:00.000000Z",
					  "2026-11-25T01:15:01.000000Z"));
	struct ih_slice s;
	char err[256];
	assert_true(ih_slice_build(&s, fs, 2000000, err, sizeof(err)));
	assert_int_equal(s.n, 2);
	/* both directions, inside the window */
	assert_int_equal(m(&s, icmp("10.77.0.10", "203.0.113.7", T0, IH_ICMP_ECHO_REQ)), 1);
	assert_int_equal(m(&s, icmp("203.0.113.7", "10.77.0.10", T0 + 5 * SEC, IH_ICMP_ECHO_REP)), 1);
	/* the grace: 2 s after last_seen, not one microsecond more; nothing before first_seen */
	assert_int_equal(m(&s, icmp("203.0.113.7", "10.77.0.10", T0 + 12 * SEC, IH_ICMP_ECHO_REP)), 1);
	assert_int_equal(m(&s, icmp("203.0.113.7", "10.77.0.10", T0 + 12 * SEC + 1000, IH_ICMP_ECHO_REP)), 0);
	assert_int_equal(m(&s, icmp("10.77.0.10", "203.0.113.7", T0 - 1000, IH_ICMP_ECHO_REQ)), 0);
	/* another peer, another host, not ICMP */
	assert_int_equal(m(&s, icmp("10.77.0.10", "203.0.113.8", T0, IH_ICMP_ECHO_REQ)), 0);
	assert_int_equal(m(&s, icmp("10.77.0.11", "203.0.113.7", T0, IH_ICMP_ECHO_REQ)), 0);
	assert_int_equal(m(&s, l4("10.77.0.10", 4000, "203.0.113.7", 443, IH_PROTO_TCP, T0)), 0);
	/* the sweep's CIDR */
	assert_int_equal(m(&s, icmp("10.77.0.10", "10.78.0.63", T0 + 27 * SEC, IH_ICMP_ECHO_REQ)), 1);
	assert_int_equal(m(&s, icmp("10.78.0.33", "10.77.0.10", T0 + 28 * SEC, IH_ICMP_ECHO_REP)), 1);
	assert_int_equal(m(&s, icmp("10.77.0.10", "10.78.0.64", T0 + 27 * SEC, IH_ICMP_ECHO_REQ)), 0);
	/* an unreachable from a router about a probe into the range: provoked by it */
	struct ih_pkt e = icmp("10.78.0.1", "10.77.0.10", T0 + 27 * SEC, IH_ICMP_UNREACH);
	e.quoted.present = true;
	e.quoted.proto = IH_PROTO_ICMP;
	e.quoted.src = A("10.77.0.10");
	e.quoted.dst = A("10.78.0.40");
	assert_int_equal(m(&s, e), 1);
	e.quoted.dst = A("10.78.0.99");
	assert_int_equal(m(&s, e), 0);
	/* a non-first fragment of ICMP between the pair; not of another protocol */
	struct ih_pkt fr = icmp("10.77.0.10", "203.0.113.7", T0 + SEC, IH_ICMP_OTHER);
	fr.has_icmp = false;
	fr.frag.is_frag = true;
	fr.frag.next_header = IH_PROTO_ICMP;
	assert_int_equal(ih_slice_match(&s, IH_DEC_SKIP_FRAGMENT, &fr, false), 1);
	fr.frag.next_header = IH_PROTO_UDP;
	assert_int_equal(ih_slice_match(&s, IH_DEC_SKIP_FRAGMENT, &fr, false), 0);
	/* a broken frame never matches */
	struct ih_pkt ok = icmp("10.77.0.10", "203.0.113.7", T0, IH_ICMP_ECHO_REQ);
	assert_int_equal(ih_slice_match(&s, IH_DEC_TRUNC_ICMP, &ok, false), 0);
	/* counting */
	assert_int_equal(ih_slice_match(&s, IH_DEC_OK, &ok, true), 1);
	assert_int_equal(s.r[0].matched, 1);
	json_t *j = ih_slice_json(&s);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	ih_slice_free(&s);
	json_decref(fs);
}

static void test_lateral_hosts_and_ports(void **state)
{
	(void)state;
	json_t *f = finding("F-3", "lateral_movement", "10.77.0.10", "10.78.0.32/27", "2026-11-25T01:14:33.000000Z",
			    "2026-11-25T01:14:34.000000Z");
	json_object_set_new(f, "evidence",
			    json_pack("{s:[{s:s,s:[s,s]},{s:s,s:[s]}]}", "hosts", "addr", "10.78.0.33", "ports", "445/tcp",
				      "53/udp", "addr", "10.78.0.34", "ports", "22/tcp"));
	json_t *fs = json_pack("[o]", f);
	struct ih_slice s;
	char err[256];
	assert_true(ih_slice_build(&s, fs, 0, err, sizeof(err)));
	assert_int_equal(s.r[0].nhosts, 2);
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.33", 445, IH_PROTO_TCP, T0)), 1);
	assert_int_equal(m(&s, l4("10.78.0.33", 445, "10.77.0.10", 50000, IH_PROTO_TCP, T0)), 1); /* the answer */
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.33", 53, IH_PROTO_UDP, T0)), 1);
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.33", 53, IH_PROTO_TCP, T0)), 0);  /* proto */
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.33", 22, IH_PROTO_TCP, T0)), 0);  /* port */
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.34", 22, IH_PROTO_TCP, T0)), 1);
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.35", 22, IH_PROTO_TCP, T0)), 0);  /* not listed */
	assert_int_equal(m(&s, l4("10.77.0.11", 50000, "10.78.0.34", 22, IH_PROTO_TCP, T0)), 0);  /* not src */
	assert_int_equal(m(&s, icmp("10.77.0.10", "10.78.0.33", T0, IH_ICMP_ECHO_REQ)), 0);       /* not ICMP */
	/* a port unreachable about one of its UDP attempts */
	struct ih_pkt e = icmp("10.78.0.33", "10.77.0.10", T0, IH_ICMP_UNREACH);
	e.quoted.present = true;
	e.quoted.proto = IH_PROTO_UDP;
	e.quoted.src = A("10.77.0.10");
	e.quoted.dst = A("10.78.0.33");
	e.quoted.sport = 50000;
	e.quoted.dport = 53;
	assert_int_equal(m(&s, e), 1);
	ih_slice_free(&s);
	json_decref(fs);

	/* a partial host list: any TCP/UDP between src and dst */
	f = finding("F-4", "lateral_movement", "10.77.0.10", "10.78.0.32/27", "2026-11-25T01:14:33.000000Z",
		    "2026-11-25T01:14:34.000000Z");
	json_object_set_new(f, "evidence", json_pack("{s:[{s:s,s:[s]}],s:i}", "hosts", "addr", "10.78.0.33", "ports",
						     "445/tcp", "hosts_not_listed", 3));
	fs = json_pack("[o]", f);
	assert_true(ih_slice_build(&s, fs, 0, err, sizeof(err)));
	assert_null(s.r[0].hosts);
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.78.0.50", 8080, IH_PROTO_TCP, T0)), 1);
	assert_int_equal(m(&s, l4("10.77.0.10", 50000, "10.79.0.50", 8080, IH_PROTO_TCP, T0)), 0);
	ih_slice_free(&s);
	json_decref(fs);
}

static void test_spoofed_and_bad(void **state)
{
	(void)state;
	json_t *fs = json_array();
	json_array_append_new(fs, finding("F-5", "flood", "0.0.0.0", "10.77.0.5", "2026-11-25T01:14:33.000000Z",
					  "2026-11-25T01:14:34.000000Z"));
	struct ih_slice s;
	char err[256];
	assert_true(ih_slice_build(&s, fs, 0, err, sizeof(err)));
	assert_true(s.r[0].src_unknown);
	assert_int_equal(m(&s, icmp("198.51.100.1", "10.77.0.5", T0, IH_ICMP_ECHO_REQ)), 1);
	assert_int_equal(m(&s, icmp("10.77.0.5", "198.51.100.2", T0, IH_ICMP_ECHO_REP)), 1);
	assert_int_equal(m(&s, icmp("198.51.100.1", "10.77.0.6", T0, IH_ICMP_ECHO_REQ)), 0);
	ih_slice_free(&s);
	json_decref(fs);

	static const char *const bad[][4] = {
		{ "not-an-address", "1.2.3.4", "2026-11-25T01:14:33Z", "2026-11-25T01:14:34Z" },
		{ "1.2.3.4", "1.2.3.5", "yesterday", "2026-11-25T01:14:34Z" },
		{ "1.2.3.4", "1.2.3.5", "2026-11-25T01:14:35Z", "2026-11-25T01:14:34Z" }, /* ends before it starts */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fs = json_pack("[o]", finding("F-bad", "sweep", bad[i][0], bad[i][1], bad[i][2], bad[i][3]));
		assert_false(ih_slice_build(&s, fs, 0, err, sizeof(err)));
		assert_non_null(strstr(err, "finding F-bad"));
		assert_null(s.r);
		json_decref(fs);
	}
	/* a dst that is neither address nor CIDR: any peer of src */
	fs = json_pack("[o]", finding("F-6", "volume_anomaly", "10.77.0.10", "many", "2026-11-25T01:14:33Z",
				      "2026-11-25T01:14:34Z"));
	assert_true(ih_slice_build(&s, fs, 0, err, sizeof(err)));
	assert_int_equal(m(&s, icmp("10.77.0.10", "192.0.2.1", T0, IH_ICMP_ECHO_REQ)), 1);
	ih_slice_free(&s);
	json_decref(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_window_and_peers),
		cmocka_unit_test(test_lateral_hosts_and_ports),
		cmocka_unit_test(test_spoofed_and_bad),
	};
	return cmocka_run_group_tests_name("slice", tests, NULL, NULL);
}

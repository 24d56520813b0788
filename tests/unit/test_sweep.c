/* test_sweep.c — the tracker and the sweep detector on synthetic packet views.
 *
 * Each test builds ih_pkt views by hand (no capture, no decoder) and checks what the sweep
 * detector claims: sweeps of different orders and speeds are found; monitoring that comes back
 * to every host, and a few ordinary pings, are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/pipeline.h"

#define S 1000000000ull

struct lab {
	struct ih_pipeline pl;
};

static int setup(void **state)
{
	static struct lab lab;
	struct ih_config cfg;
	ih_config_default(&cfg);
	cfg.track.seed = 42;
	cfg.mem_cap = 64ull << 20;
	ih_config_fit_memory(&cfg);
	assert_true(ih_pipeline_init(&lab.pl, &cfg));
	*state = &lab;
	return 0;
}

static int teardown(void **state)
{
	struct lab *lab = *state;
	ih_pipeline_free(&lab->pl);
	return 0;
}

static struct ih_pkt echo(const char *src, const char *dst, bool reply, uint16_t id, uint16_t seq, uint64_t ts)
{
	struct ih_pkt p;
	static const uint8_t payload[56];
	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.ip_ver = 4;
	assert_true(ih_addr_parse(src, &p.src));
	assert_true(ih_addr_parse(dst, &p.dst));
	p.proto = IH_PROTO_ICMP;
	p.ttl = 64;
	p.ip_len = 84;
	p.wire_len = 98;
	p.has_icmp = true;
	p.icmp_type = reply ? 0 : 8;
	p.icmp_class = reply ? IH_ICMP_ECHO_REP : IH_ICMP_ECHO_REQ;
	p.icmp_id = id;
	p.icmp_seq = seq;
	p.has_echo_fields = true;
	p.payload = payload;
	p.payload_len = p.payload_wire_len = sizeof(payload);
	return p;
}

static void feed(struct lab *lab, struct ih_pkt p)
{
	ih_track_packet(lab->pl.track, &p);
}

static const struct ih_finding *only_sweep(struct lab *lab, const char *src)
{
	ih_pipeline_finish(&lab->pl);
	const struct ih_finding *hit = NULL;
	for (size_t i = 0; i < lab->pl.findings.n; i++) {
		const struct ih_finding *f = lab->pl.findings.v[i];
		char a[IH_ADDR_STRLEN];
		if (strcmp(f->kind, "sweep") == 0 && strcmp(ih_addr_str(&f->src, a, sizeof(a)), src) == 0 &&
		    f->severity >= IH_SEV_LOW) {
			assert_null(hit); /* one finding per episode */
			hit = f;
		}
	}
	return hit;
}

static json_int_t ev_int(const struct ih_finding *f, const char *k)
{
	return json_integer_value(json_object_get(f->evidence, k));
}

/* nmap -sn -PE of a /27: one probe per address, 8 of 30 answer, retries for the silent ones */
static void test_sequential_sweep(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 1000 * S;
	for (int o = 33; o <= 62; o++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.78.0.%d", o);
		feed(lab, echo("10.77.0.10", dst, false, (uint16_t)(o * 7), 0, t));
		if (o % 4 == 1)
			feed(lab, echo(dst, "10.77.0.10", true, (uint16_t)(o * 7), 0, t + 300000));
		else
			feed(lab, echo("10.77.0.10", dst, false, (uint16_t)(o * 7 + 1), 0, t + 500000000)); /* retry */
		t += 10000000;
	}
	const struct ih_finding *f = only_sweep(lab, "10.77.0.10");
	assert_non_null(f);
	assert_string_equal(f->dst_key, "10.78.0.32/27");
	assert_int_equal(ev_int(f, "hosts_probed"), 30);
	assert_int_equal(ev_int(f, "hosts_answered"), 8);
	assert_int_equal(ev_int(f, "probes"), 30 + 22);
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
	assert_string_equal(json_string_value(json_object_get(f->evidence, "order")), "sequential");
	json_t *ans = json_object_get(f->evidence, "answered");
	assert_int_equal(json_array_size(ans), 8);
	assert_string_equal(json_string_value(json_array_get(ans, 0)), "10.78.0.33");
	assert_string_equal(json_string_value(json_array_get(json_object_get(f->obj, "mitre"), 0)), "T1018");
}

/* a slow sweep in random order: one probe every 20 s across a /26 — 21 minutes */
static void test_slow_random_sweep(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 5000 * S;
	for (int i = 0; i < 64; i++) {
		int o = 64 + (i * 37) % 64; /* a permutation of 64..127 */
		char dst[32];
		snprintf(dst, sizeof(dst), "10.78.0.%d", o);
		feed(lab, echo("10.77.0.10", dst, false, 1, (uint16_t)i, t));
		t += 20 * S;
	}
	const struct ih_finding *f = only_sweep(lab, "10.77.0.10");
	assert_non_null(f);
	assert_string_equal(f->dst_key, "10.78.0.64/26");
	assert_int_equal(ev_int(f, "hosts_probed"), 64);
	assert_int_equal(ev_int(f, "hosts_answered"), 0);
	assert_string_equal(json_string_value(json_object_get(f->evidence, "order")), "non-sequential");
}

/* a monitoring server: 16 live hosts every 2 s for 45 s — every host revisited after it answered */
static void test_monitoring_is_not_a_sweep(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int round = 0; round < 23; round++) {
		for (int o = 33; o < 49; o++) {
			char dst[32];
			snprintf(dst, sizeof(dst), "10.78.0.%d", o);
			feed(lab, echo("10.77.0.5", dst, false, 999, (uint16_t)round, t));
			feed(lab, echo(dst, "10.77.0.5", true, 999, (uint16_t)round, t + 200000));
			t += 1000000;
		}
		t += 2 * S;
	}
	assert_null(only_sweep(lab, "10.77.0.5"));
}

/* ordinary troubleshooting: three hosts, a few pings each */
static void test_few_pings_are_not_a_sweep(void **state)
{
	struct lab *lab = *state;
	const char *dsts[] = { "10.78.0.40", "198.51.100.23", "10.78.0.44" };
	uint64_t t = 100 * S;
	for (int d = 0; d < 3; d++)
		for (int i = 0; i < 4; i++) {
			feed(lab, echo("10.77.0.11", dsts[d], false, 7, (uint16_t)i, t));
			if (d < 2)
				feed(lab, echo(dsts[d], "10.77.0.11", true, 7, (uint16_t)i, t + 1000));
			t += S / 2;
		}
	assert_null(only_sweep(lab, "10.77.0.11"));
}

/* two sweeps an hour apart are two episodes, not one */
static void test_gap_splits_episodes(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int pass = 0; pass < 2; pass++) {
		for (int o = 1; o <= 20; o++) {
			char dst[32];
			snprintf(dst, sizeof(dst), "10.%d.0.%d", 80 + pass, o);
			feed(lab, echo("10.77.0.10", dst, false, 1, (uint16_t)o, t));
			t += S / 10;
		}
		t += 3600 * S;
	}
	ih_pipeline_finish(&lab->pl);
	int n = 0;
	for (size_t i = 0; i < lab->pl.findings.n; i++)
		n += strcmp(lab->pl.findings.v[i]->kind, "sweep") == 0;
	assert_int_equal(n, 2);
	assert_string_equal(lab->pl.findings.v[0]->dst_key, "10.80.0.0/27");
}

/* a flood of spoofed sources: memory stays at the tables' size, evictions are counted */
static void test_spoofed_flood_is_bounded(void **state)
{
	struct lab *lab = *state;
	size_t before = ih_pipeline_memory(&lab->pl);
	uint64_t t = 100 * S;
	uint32_t x = 12345;
	for (int i = 0; i < 300000; i++) {
		x = x * 1103515245u + 12345u;
		char src[32];
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (x >> 24) % 200, (x >> 16) & 255, (x >> 8) & 255, x & 255);
		feed(lab, echo(src, "10.78.0.40", false, (uint16_t)x, 0, t));
		t += 1000;
	}
	assert_int_equal(ih_pipeline_memory(&lab->pl), before);
	const struct ih_track_stats *ts = ih_track_stats(lab->pl.track);
	assert_true(ts->host_evictions > 0);
	assert_true(ts->pair_evictions > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sequential_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_random_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitoring_is_not_a_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_few_pings_are_not_a_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_splits_episodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_flood_is_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include "echo_pkt.h"

#define S 1000000000ull
#define MS_ 1000000ull

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
	return ih_test_echo(src, dst, reply, id, seq, ts);
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

/* One address of nmap -sn -PE's sweep of 10.78.0.32/27: a probe; an answer from 1 in 4, a
 * retry for the others. */
static void nmap_probe(struct lab *lab, int o, uint64_t *t)
{
	char dst[32];
	snprintf(dst, sizeof(dst), "10.78.0.%d", o);
	feed(lab, echo("10.77.0.10", dst, false, (uint16_t)(o * 7), 0, *t));
	if (o % 4 == 1)
		feed(lab, echo(dst, "10.77.0.10", true, (uint16_t)(o * 7), 0, *t + 300000));
	else
		feed(lab, echo("10.77.0.10", dst, false, (uint16_t)(o * 7 + 1), 0, *t + 500000000)); /* retry */
	*t += 10000000;
}

/* nmap -sn -PE of a /27: one probe per address, 8 of 30 answer, retries for the silent ones */
static void test_sequential_sweep(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 1000 * S;
	for (int o = 33; o <= 62; o++)
		nmap_probe(lab, o, &t);
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

static json_int_t sweep_episodes(struct lab *lab)
{
	json_t *st = ih_pipeline_stats(&lab->pl, NULL, IH_SRC_OK, NULL);
	json_int_t n = json_integer_value(json_object_get(json_object_get(json_object_get(st, "detectors"), "sweep"), "episodes"));
	json_decref(st);
	return n;
}

/* watch's live judgement (ih_pipeline_judge_live -> judge_open): the open episode is judged
 * as it stands, twice, with the same episode key while its range grows; the detector goes on
 * untouched, and the episode's own finding at its end is the one a run without live
 * judgement makes */
static void test_open_episode_judged_live(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 1000 * S;
	const struct ih_finding *live[2] = { NULL, NULL };
	for (int o = 33; o <= 62; o++) {
		nmap_probe(lab, o, &t);
		if (o == 46 || o == 62) {
			size_t before = lab->pl.findings.n;
			assert_true(ih_pipeline_judge_live(&lab->pl));
			assert_int_equal(lab->pl.findings.n, before + 1);
			live[o == 62] = lab->pl.findings.v[before];
		}
	}
	assert_string_equal(live[0]->kind, "sweep");
	assert_int_equal(ev_int(live[0], "hosts_probed"), 14);
	assert_string_equal(live[0]->dst_key, "10.78.0.32/28");
	assert_int_equal(ev_int(live[1], "hosts_probed"), 30);
	assert_true(live[0]->episode != 0);
	assert_true(live[0]->episode == live[1]->episode); /* one episode, a growing range */
	assert_int_equal(sweep_episodes(lab), 0);          /* nothing ended */
	uint64_t episode = live[0]->episode;

	ih_pipeline_finish(&lab->pl);
	assert_int_equal(sweep_episodes(lab), 1);
	const struct ih_finding *end = NULL;
	for (size_t i = 0; i < lab->pl.findings.n; i++) {
		const struct ih_finding *f = lab->pl.findings.v[i];
		if (f != live[0] && f != live[1] && strcmp(f->kind, "sweep") == 0) {
			assert_null(end);
			end = f;
		}
	}
	assert_non_null(end);
	assert_true(end->episode == episode);
	assert_string_equal(end->dst_key, "10.78.0.32/27");
	assert_int_equal(ev_int(end, "hosts_probed"), 30);
	assert_int_equal(ev_int(end, "hosts_answered"), 8);
	assert_int_equal(ev_int(end, "probes"), 30 + 22);
	assert_int_equal(end->severity, IH_SEV_MEDIUM);
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
	/* most of the one-packet sources took no record once the host table was full */
	assert_true(ts->hosts_not_admitted > ts->host_evictions);
}

static const struct ih_finding *last_of_kind(struct lab *lab, const char *kind, size_t from)
{
	const struct ih_finding *hit = NULL;
	for (size_t i = from; i < lab->pl.findings.n; i++)
		if (strcmp(lab->pl.findings.v[i]->kind, kind) == 0)
			hit = lab->pl.findings.v[i];
	return hit;
}

/* A spoofed flood judged while it goes on (volume_anomaly's judge_open): reported with the
 * episode's key, the detector's count unchanged; at its end the same episode, more requests. */
static void test_open_flood_judged_live(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	uint32_t x = 777;
	const struct ih_finding *live = NULL;
	for (int i = 0; i < 6000; i++) {
		x = x * 1103515245u + 12345u;
		char src[32];
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (x >> 24) % 200, (x >> 16) & 255, (x >> 8) & 255, x & 255);
		feed(lab, echo(src, "10.78.0.40", false, (uint16_t)x, 0, t));
		t += 1000000; /* 1000 per second, 6 s */
		if (i == 3500) {
			size_t before = lab->pl.findings.n;
			assert_true(ih_pipeline_judge_live(&lab->pl));
			live = last_of_kind(lab, "volume_anomaly", before);
		}
	}
	assert_non_null(live);
	assert_true(live->episode != 0);
	assert_int_equal(json_integer_value(json_object_get(live->evidence, "requests")), 3501);
	json_t *st = ih_pipeline_stats(&lab->pl, NULL, IH_SRC_OK, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(st, "detectors"),
				"volume_anomaly"), "findings")), 0);
	json_decref(st);
	uint64_t episode = live->episode;
	ih_pipeline_finish(&lab->pl);
	const struct ih_finding *end = NULL;
	for (size_t i = 0; i < lab->pl.findings.n; i++)
		if (lab->pl.findings.v[i] != live && strcmp(lab->pl.findings.v[i]->kind, "volume_anomaly") == 0)
			end = lab->pl.findings.v[i];
	assert_non_null(end);
	assert_true(end->episode == episode);
	assert_int_equal(json_integer_value(json_object_get(end->evidence, "requests")), 6000);
}

static const char *ev_str(const struct ih_finding *f, const char *k)
{
	return json_string_value(json_object_get(f->evidence, k));
}

static json_t *group_ev(const struct ih_finding *f)
{
	return json_object_get(f->evidence, "group_discovery");
}

/* ping -6 ff02::1: three probes, each answered by the same three hosts of the link — one
 * sweep of the link through the all-nodes group, its responders listed */
static void test_multicast_echo_is_discovery(void **state)
{
	struct lab *lab = *state;
	const char *hosts[] = { "fe80::3", "fe80::5", "fe80::4" };
	uint64_t t = 100 * S;
	for (int i = 0; i < 3; i++) {
		feed(lab, echo("fe80::2", "ff02::1", false, 5, (uint16_t)i, t));
		for (int h = 0; h < 3; h++)
			feed(lab, echo(hosts[h], "fe80::2", true, 5, (uint16_t)i, t + 50000 * (uint64_t)(h + 1)));
		t += S;
	}
	/* not responders: a reply with another id, and one long after the last probe */
	feed(lab, echo("fe80::9", "fe80::2", true, 6, 0, t));
	feed(lab, echo("fe80::8", "fe80::2", true, 5, 3, t + 60 * S));
	const struct ih_finding *f = only_sweep(lab, "fe80::2");
	assert_non_null(f);
	assert_string_equal(f->dst_key, "ff02::1");
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_int_equal(ev_int(f, "hosts_answered"), 3);
	assert_int_equal(ev_int(f, "probes"), 3);
	json_t *g = group_ev(f);
	assert_non_null(g);
	assert_string_equal(json_string_value(json_object_get(g, "method")), "multicast");
	json_t *ans = json_object_get(g, "answered");
	assert_int_equal(json_array_size(ans), 3);
	assert_string_equal(json_string_value(json_array_get(ans, 0)), "fe80::3");
	assert_string_equal(json_string_value(json_array_get(ans, 2)), "fe80::5");
	assert_string_equal(json_string_value(json_array_get(json_object_get(f->obj, "mitre"), 0)), "T1018");
}

/* thc-ipv6 alive6: a probe with an unknown destination option to ff02::1 draws a parameter
 * problem from every host, quoting the probe; those hosts are responders too */
static void test_group_errors_are_responders(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	feed(lab, echo("fe80::2", "ff02::1", false, 64206, 47806, t));
	for (int h = 3; h < 7; h++) {
		char a[32];
		snprintf(a, sizeof(a), "fe80::%d", h);
		struct ih_pkt e = ih_test_icmp(a, "fe80::2", IH_ICMP_PARAM_PROBLEM, 4, 0, 0, t + 1000000, NULL, 0);
		e.has_echo_fields = false;
		e.quoted.present = true;
		e.quoted.ip_ver = 6;
		e.quoted.proto = 58;
		assert_true(ih_addr_parse("fe80::2", &e.quoted.src));
		assert_true(ih_addr_parse("ff02::1", &e.quoted.dst));
		feed(lab, e);
	}
	const struct ih_finding *f = only_sweep(lab, "fe80::2");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "hosts_answered"), 4);
}

/* ping -b 10.77.0.255 answered by three hosts of the /24: a directed broadcast */
static void test_directed_broadcast_answered_by_others(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int i = 0; i < 3; i++) {
		feed(lab, echo("10.77.0.10", "10.77.0.255", false, 77, (uint16_t)i, t));
		feed(lab, echo("10.77.0.1", "10.77.0.10", true, 77, (uint16_t)i, t + 100000));
		feed(lab, echo("10.77.0.5", "10.77.0.10", true, 77, (uint16_t)i, t + 200000));
		feed(lab, echo("10.77.0.11", "10.77.0.10", true, 77, (uint16_t)i, t + 300000));
		t += S;
	}
	const struct ih_finding *f = only_sweep(lab, "10.77.0.10");
	assert_non_null(f);
	assert_string_equal(f->dst_key, "10.77.0.255");
	assert_string_equal(ev_str(f, "range"), "10.77.0.255");
	assert_int_equal(ev_int(f, "hosts_answered"), 3);
	assert_string_equal(json_string_value(json_object_get(group_ev(f), "method")), "broadcast");
}

/* a.b.c.255 as an ordinary host of a wider network, pinged and answering itself (and one
 * stray reply from elsewhere): no sweep */
static void test_host_ending_in_255_is_not_a_broadcast(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int i = 0; i < 4; i++) {
		feed(lab, echo("10.77.0.11", "10.1.0.255", false, 9, (uint16_t)i, t));
		feed(lab, echo("10.1.0.255", "10.77.0.11", true, 9, (uint16_t)i, t + 100000));
		t += S;
	}
	feed(lab, echo("10.1.0.7", "10.77.0.11", true, 9, 3, t - S + 200000));
	assert_null(only_sweep(lab, "10.77.0.11"));
}

/* A neighbour solicitation from src for fd77::<o> to its solicited-node group, and (answer)
 * the advertisement back. */
static void nd(struct lab *lab, const char *src, int o, bool answer, uint64_t ts)
{
	static uint8_t targets[64][16];
	char tgt[32], group[48];
	snprintf(tgt, sizeof(tgt), "fd77::%x", o);
	snprintf(group, sizeof(group), "ff02::1:ff00:%x", o);
	struct ih_addr ta;
	assert_true(ih_addr_parse(tgt, &ta));
	memcpy(targets[o % 64], ta.b, 16);
	struct ih_pkt ns = ih_test_icmp(src, group, IH_ICMP_NEIGH_SOL, 135, 0, 0, ts, targets[o % 64], 16);
	ns.has_echo_fields = false;
	feed(lab, ns);
	if (answer && strcmp(src, "::") != 0) {
		struct ih_pkt na = ih_test_icmp(tgt, src, IH_ICMP_NEIGH_ADV, 136, 0, 0, ts + 100000, targets[o % 64], 16);
		na.has_echo_fields = false;
		feed(lab, na);
	}
}

/* nmap -6 -sn of fd77::20/123 on its own link: solicitations, 1 in 4 targets answers */
static void test_nd_scan_of_sparse_link(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int o = 0x20; o < 0x40; o++, t += S / 100)
		nd(lab, "fd77::a", o, o % 4 == 1, t);
	const struct ih_finding *f = only_sweep(lab, "fd77::a");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "hosts_probed"), 32 - 4); /* counted from the admitting one */
	assert_int_equal(ev_int(f, "hosts_answered"), 7);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f->evidence, "icmp_types"), 0)),
			    "neighbor-solicitation");
}

/* a host resolving the 32 neighbours it talks to (all exist and answer), duplicate address
 * detection from ::, and a router (it sent an advertisement) resolving a sparse link: none is
 * a sweep */
static void test_nd_resolution_is_not_a_sweep(void **state)
{
	struct lab *lab = *state;
	uint64_t t = 100 * S;
	for (int o = 0x20; o < 0x40; o++, t += S / 100) {
		nd(lab, "fd77::b", o, true, t);
		nd(lab, "::", o, false, t + 1000);
	}
	struct ih_pkt ra = ih_test_icmp("fd77::1", "ff02::1", IH_ICMP_ROUTER_ADV, 134, 0, 0, t, NULL, 0);
	ra.has_echo_fields = false;
	feed(lab, ra);
	for (int o = 0x20; o < 0x40; o++, t += S / 100)
		nd(lab, "fd77::1", o, o % 4 == 1, t);
	assert_null(only_sweep(lab, "fd77::b"));
	assert_null(only_sweep(lab, "::"));
	assert_null(only_sweep(lab, "fd77::1"));
}

/* rounds of a range: n rounds 1 s apart over 10.78.0.33-62 from src; the hosts o % 4 == 1
 * answer (live) when live is true, else none is silent */
static void rounds_of(struct lab *lab, const char *src, int n, bool all_live)
{
	uint64_t t = 100 * S;
	for (int round = 0; round < n; round++) {
		for (int o = 33; o <= 62; o++) {
			char dst[32];
			snprintf(dst, sizeof(dst), "10.78.0.%d", o);
			feed(lab, echo(src, dst, false, 4000, (uint16_t)(round * 30 + o), t));
			if (all_live || o % 4 == 1)
				feed(lab, echo(dst, src, true, 4000, (uint16_t)(round * 30 + o), t + 300000));
			t += 10 * MS_;
		}
		t += S - 30 * 10 * MS_;
	}
}

/* fping -c 5 -g 10.78.0.32/27: every address five times; the silent ones make it a sweep,
 * and then the hosts that answered each round belong to it too */
static void test_rounds_of_a_range(void **state)
{
	struct lab *lab = *state;
	rounds_of(lab, "10.77.0.10", 5, false);
	const struct ih_finding *f = only_sweep(lab, "10.77.0.10");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "hosts_probed"), 30);
	assert_int_equal(ev_int(f, "hosts_answered"), 8);
	assert_int_equal(ev_int(f, "probes"), 150);
}

/* the same five rounds over hosts that all answer (a short look at a monitoring server), and
 * twenty rounds with the silent ones (monitoring of dead hosts): no sweep */
static void test_rounds_of_live_hosts(void **state)
{
	struct lab *lab = *state;
	rounds_of(lab, "10.77.0.5", 5, true);
	rounds_of(lab, "10.77.0.6", 20, false);
	assert_null(only_sweep(lab, "10.77.0.5"));
	assert_null(only_sweep(lab, "10.77.0.6"));
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
		cmocka_unit_test_setup_teardown(test_open_episode_judged_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_flood_judged_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multicast_echo_is_discovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_errors_are_responders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directed_broadcast_answered_by_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_ending_in_255_is_not_a_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nd_scan_of_sparse_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nd_resolution_is_not_a_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rounds_of_a_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rounds_of_live_hosts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

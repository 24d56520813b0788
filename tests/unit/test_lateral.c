/* test_lateral.c — the lateral_movement detector on synthetic packet views.
 *
 * A sweep of a /27 in which every fourth host answers, then TCP SYNs or UDP from the sweeping
 * host: connections to the hosts that answered, soon after, are lateral movement and link to
 * the sweep; connections without a sweep, to hosts that did not answer, after the window, from
 * servers that only answer, or in the same breath as the probe (nmap's discovery) are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/pipeline.h"
#include "echo_pkt.h"
#include "report/sink.h"

#define S 1000000000ull
#define MS 1000000ull

struct lab {
	struct ih_pipeline pl;
	struct ih_config cfg;
};

static struct lab the_lab;

static void lab_init(struct lab *lab)
{
	assert_true(ih_pipeline_init(&lab->pl, &lab->cfg));
}

static int setup(void **state)
{
	struct lab *lab = &the_lab;
	memset(lab, 0, sizeof(*lab));
	ih_config_default(&lab->cfg);
	lab->cfg.track.seed = 42;
	lab->cfg.mem_cap = 64ull << 20;
	ih_config_fit_memory(&lab->cfg);
	*state = lab;
	return 0;
}

static int teardown(void **state)
{
	struct lab *lab = *state;
	ih_pipeline_free(&lab->pl);
	return 0;
}

static struct ih_pkt base(const char *src, const char *dst, uint64_t ts)
{
	return ih_test_ip(src, dst, ts, 60);
}

static void echo(struct lab *lab, const char *src, const char *dst, bool reply, uint16_t id, uint64_t ts)
{
	struct ih_pkt p = ih_test_echo(src, dst, reply, id, 0, ts);
	ih_track_packet(lab->pl.track, &p);
}

static void tcp(struct lab *lab, const char *src, const char *dst, uint16_t sport, uint16_t dport, uint8_t flags,
		uint64_t ts)
{
	struct ih_pkt p = base(src, dst, ts);
	p.proto = IH_PROTO_TCP;
	p.has_ports = true;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	ih_track_packet(lab->pl.track, &p);
}

static void udp(struct lab *lab, const char *src, const char *dst, uint16_t sport, uint16_t dport, uint64_t ts)
{
	struct ih_pkt p = base(src, dst, ts);
	p.proto = IH_PROTO_UDP;
	p.has_ports = true;
	p.sport = sport;
	p.dport = dport;
	ih_track_packet(lab->pl.track, &p);
}

static const char *host(int o)
{
	static char b[8][32];
	static int k;
	k = (k + 1) % 8;
	snprintf(b[k], sizeof(b[k]), "10.78.0.%d", o);
	return b[k];
}

/* nmap -sn -PE of 10.78.0.32/27 from 10.77.0.10 starting at t: hosts .33, .37, ... answer. */
static uint64_t sweep(struct lab *lab, uint64_t t)
{
	for (int o = 33; o <= 62; o++) {
		echo(lab, "10.77.0.10", host(o), false, (uint16_t)o, t);
		if (o % 4 == 1)
			echo(lab, host(o), "10.77.0.10", true, (uint16_t)o, t + 300000);
		t += 10 * MS;
	}
	return t;
}

/* The SYN, SYN-ACK and ACK of a connection from the sweeping host. */
static void connect_to(struct lab *lab, const char *dst, uint16_t port, uint64_t t)
{
	tcp(lab, "10.77.0.10", dst, 40000, port, IH_TCP_SYN, t);
	tcp(lab, dst, "10.77.0.10", port, 40000, IH_TCP_SYN | IH_TCP_ACK, t + 200000);
	tcp(lab, "10.77.0.10", dst, 40000, port, IH_TCP_ACK, t + 300000);
}

/* SMB connections, 30 ms apart, to the answering hosts .first, .first+4, ... up to .last. */
static uint64_t smb_to(struct lab *lab, int first, int last, uint64_t t)
{
	for (int o = first; o <= last; o += 4)
		connect_to(lab, host(o), 445, t += 30 * MS);
	return t;
}

static void finish(struct lab *lab)
{
	ih_pipeline_finish(&lab->pl);
	ih_findings_assign_ids(&lab->pl.findings);
}

static const struct ih_finding *find(struct lab *lab, const char *kind, const char *src)
{
	for (size_t i = 0; i < lab->pl.findings.n; i++) {
		const struct ih_finding *f = lab->pl.findings.v[i];
		char a[IH_ADDR_STRLEN];
		if (strcmp(f->kind, kind) == 0 && (!src || strcmp(ih_addr_str(&f->src, a, sizeof(a)), src) == 0))
			return f;
	}
	return NULL;
}

static bool has_mitre(const struct ih_finding *f, const char *id)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(f->obj, "mitre"), i, m)
		if (strcmp(json_string_value(m), id) == 0)
			return true;
	return false;
}

static json_int_t ev_int(const struct ih_finding *f, const char *k)
{
	json_t *v = json_object_get(f->evidence, k);
	assert_non_null(v);
	return json_integer_value(v);
}

/* ---------------------------------------------------------------- tests */

static void test_smb_after_sweep(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	smb_to(lab, 33, 62, sweep(lab, 1000 * S) + 2 * S);
	finish(lab);
	const struct ih_finding *sw = find(lab, "sweep", "10.77.0.10");
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(sw);
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_MEDIUM); /* 8 hosts: medium (3) but not high (10) */
	assert_string_equal(f->dst_key, "10.78.0.32/27");
	assert_int_equal(ev_int(f, "hosts_touched"), 8);
	assert_int_equal(ev_int(f, "admin_hosts"), 8);
	assert_int_equal(ev_int(f, "attempts"), 8);
	assert_true(has_mitre(f, "T1021"));
	assert_true(has_mitre(f, "T1021.002"));
	assert_false(has_mitre(f, "T1021.004"));
	assert_false(has_mitre(f, "T1046"));
	/* linked to the sweep by its id, range and time */
	json_t *link = json_object_get(f->evidence, "sweep");
	char id[24];
	assert_string_equal(json_string_value(json_object_get(link, "id")), ih_finding_id(sw, id, sizeof(id)));
	assert_string_equal(json_string_value(json_object_get(sw->obj, "id")), id);
	assert_string_equal(json_string_value(json_object_get(link, "range")), "10.78.0.32/27");
	double delay = json_number_value(json_object_get(f->evidence, "delay_s"));
	assert_true(delay > 2.0 && delay < 2.1);
	json_t *hosts = json_object_get(f->evidence, "hosts");
	assert_int_equal(json_array_size(hosts), 8);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hosts, 0), "addr")), "10.78.0.33");
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(hosts, 0), "ports"), 0)), "445/tcp");
	json_t *svc = json_array_get(json_object_get(f->evidence, "services"), 0);
	assert_int_equal(json_integer_value(json_object_get(svc, "port")), 445);
	assert_string_equal(json_string_value(json_object_get(svc, "name")), "smb");
	/* the servers that answered (SYN-ACK) are never a source */
	for (size_t i = 0; i < lab->pl.findings.n; i++) {
		char a[IH_ADDR_STRLEN];
		assert_string_equal(ih_addr_str(&lab->pl.findings.v[i]->src, a, sizeof(a)), "10.77.0.10");
	}
}

/* watch's live judgement: the connections after a sweep are reported while the sweep's episode
 * and the lateral window are still open (judge_open of both, in one pass), with the sweep's
 * episode key; the record stays undecided, and its end gives the same finding as without. */
static void test_judged_while_open(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t = smb_to(lab, 33, 45, sweep(lab, 1000 * S) + 2 * S);
	size_t before = lab->pl.findings.n;
	assert_true(ih_pipeline_judge_live(&lab->pl));
	const struct ih_finding *live = NULL, *live_sweep = NULL;
	for (size_t i = before; i < lab->pl.findings.n; i++) {
		if (strcmp(lab->pl.findings.v[i]->kind, "lateral_movement") == 0)
			live = lab->pl.findings.v[i];
		if (strcmp(lab->pl.findings.v[i]->kind, "sweep") == 0)
			live_sweep = lab->pl.findings.v[i];
	}
	assert_non_null(live_sweep);
	assert_non_null(live);
	assert_true(live->episode != 0);
	assert_int_equal(ev_int(live, "hosts_touched"), 4);
	/* more connections: the record was not decided by the judgement */
	smb_to(lab, 49, 61, t);
	uint64_t episode = live->episode;
	finish(lab);
	const struct ih_finding *end = NULL;
	for (size_t i = 0; i < lab->pl.findings.n; i++)
		if (lab->pl.findings.v[i] != live && strcmp(lab->pl.findings.v[i]->kind, "lateral_movement") == 0) {
			assert_null(end);
			end = lab->pl.findings.v[i];
		}
	assert_non_null(end);
	assert_true(end->episode == episode);
	assert_int_equal(ev_int(end, "hosts_touched"), 8);
	assert_int_equal(end->severity, IH_SEV_MEDIUM);
}

static void test_many_services_high(void **state)
{
	struct lab *lab = *state;
	lab->cfg.lateral_high_hosts = 8;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + 3 * S;
	static const uint16_t ports[] = { 22, 3389, 5985, 5900 };
	for (int o = 33; o <= 62; o += 4)
		for (size_t k = 0; k < 4; k++)
			connect_to(lab, host(o), ports[k], t += 10 * MS);
	finish(lab);
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_HIGH);
	assert_true(has_mitre(f, "T1021.001"));
	assert_true(has_mitre(f, "T1021.004"));
	assert_true(has_mitre(f, "T1021.005"));
	assert_true(has_mitre(f, "T1021.006"));
	assert_false(json_is_true(json_object_get(f->evidence, "port_scan")));
	assert_int_equal(json_array_size(json_object_get(f->evidence, "services")), 4);
}

static void test_port_scan(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + S;
	for (uint16_t port = 1; port <= 100; port++)
		tcp(lab, "10.77.0.10", host(33), 50000, port, IH_TCP_SYN, t += MS);
	finish(lab);
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(f);
	assert_true(json_is_true(json_object_get(f->evidence, "port_scan")));
	assert_true(has_mitre(f, "T1046"));
	assert_int_equal(ev_int(f, "hosts_touched"), 1);
	assert_int_equal(ev_int(f, "max_ports_per_host"), 100);
	assert_string_equal(f->dst_key, "10.78.0.33");
}

static void test_no_sweep_no_finding(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	/* a workstation pings three servers once each and then uses their services */
	uint64_t t = 1000 * S;
	for (int o = 33; o <= 35; o++) {
		echo(lab, "10.77.0.10", host(o), false, 1, t);
		echo(lab, host(o), "10.77.0.10", true, 1, t + MS);
		t += S;
	}
	for (int o = 33; o <= 35; o++)
		connect_to(lab, host(o), 445, t += S);
	finish(lab);
	assert_null(find(lab, "lateral_movement", NULL));
}

static void test_unanswered_late_and_simultaneous(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t0 = 1000 * S;
	/* nmap's discovery: a SYN to 443 beside each echo request (here just after the answer) */
	uint64_t t = sweep(lab, t0);
	for (int o = 33; o <= 62; o++)
		tcp(lab, "10.77.0.10", host(o), 50000, 443, IH_TCP_SYN, t0 + (uint64_t)(o - 33) * 10 * MS + 400000);
	/* hosts that never answered */
	for (int o = 34; o <= 62; o += 4)
		connect_to(lab, host(o), 445, t += S);
	/* hosts that answered, but two hours later */
	t += 2 * 3600 * S;
	for (int o = 33; o <= 62; o += 4)
		connect_to(lab, host(o), 445, t += S);
	finish(lab);
	assert_non_null(find(lab, "sweep", "10.77.0.10"));
	assert_null(find(lab, "lateral_movement", NULL));
}

static void test_ignored_udp_and_servers(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + S;
	for (int o = 33; o <= 62; o += 4) {
		udp(lab, "10.77.0.10", host(o), 40000, 53, t += MS);    /* DNS */
		udp(lab, "10.77.0.10", host(o), 123, 123, t += MS);     /* NTP */
		udp(lab, host(o), "10.77.0.10", 445, 40000, t += MS);   /* from the server */
		tcp(lab, host(o), "10.77.0.10", 22, 50000, IH_TCP_SYN, t += MS); /* the server connects back */
	}
	finish(lab);
	assert_null(find(lab, "lateral_movement", NULL));
}

static void test_udp_counts(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + S;
	for (int o = 33; o <= 45; o += 4)
		udp(lab, "10.77.0.10", host(o), 40000, 161, t += MS); /* SNMP */
	finish(lab);
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW); /* no admin service */
	assert_int_equal(ev_int(f, "udp"), 4);
	assert_int_equal(ev_int(f, "admin_hosts"), 0);
}

static void test_monitoring_then_connections(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	/* a monitoring server pings 12 servers every 5 s, then logs in to them over SSH */
	uint64_t t = 1000 * S;
	for (int round = 0; round < 10; round++) {
		for (int o = 33; o < 45; o++) {
			echo(lab, "10.77.0.5", host(o), false, (uint16_t)round, t);
			echo(lab, host(o), "10.77.0.5", true, (uint16_t)round, t + MS);
			t += 10 * MS;
		}
		t += 5 * S;
	}
	for (int o = 33; o < 45; o++)
		tcp(lab, "10.77.0.5", host(o), 50000, 22, IH_TCP_SYN, t += 10 * MS);
	finish(lab);
	assert_null(find(lab, "sweep", NULL));
	assert_null(find(lab, "lateral_movement", NULL));
}

/* The sweep finding is not made yet when the lateral window ends (the host keeps pinging an
 * outside host, so its sweep episode stays open): the record's own facts stand in. */
static void test_decided_before_the_sweep_finding(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + 2 * S;
	for (int o = 33; o <= 45; o += 4)
		connect_to(lab, host(o), 3389, t += 10 * MS);
	size_t before = 0;
	for (int k = 0; k < 2 * 60 + 10; k++) { /* a ping a minute for 2 h 10 min */
		t += 60 * S;
		echo(lab, "10.77.0.10", "203.0.113.7", false, 7, t);
		echo(lab, "203.0.113.7", "10.77.0.10", true, 7, t + 20 * MS);
		if (k == 2 * 60 + 5)
			before = lab->pl.findings.n;
	}
	assert_true(before >= 1); /* decided mid-input */
	const struct ih_finding *mid = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(mid);
	assert_null(find(lab, "sweep", "10.77.0.10"));
	json_t *link = json_object_get(mid->evidence, "sweep");
	assert_string_equal(json_string_value(json_object_get(link, "source")), "icmp_probes");
	assert_null(json_object_get(link, "id"));
	assert_true(has_mitre(mid, "T1021.001"));
	finish(lab);
	/* one lateral finding, and the sweep at the end */
	size_t n = 0;
	for (size_t i = 0; i < lab->pl.findings.n; i++)
		n += strcmp(lab->pl.findings.v[i]->kind, "lateral_movement") == 0;
	assert_int_equal(n, 1);
	assert_non_null(find(lab, "sweep", "10.77.0.10"));
}

/* Two sweeps of the same hosts three hours apart, each followed by connections: two findings,
 * each linked to its own sweep. */
static void test_two_sweeps(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + S;
	for (int o = 33; o <= 45; o += 4)
		connect_to(lab, host(o), 445, t += 10 * MS);
	t = sweep(lab, t + 3 * 3600 * S) + S;
	for (int o = 33; o <= 45; o += 4)
		connect_to(lab, host(o), 22, t += 10 * MS);
	finish(lab);
	unsigned n = 0;
	for (size_t i = 0; i < lab->pl.findings.n; i++) {
		const struct ih_finding *f = lab->pl.findings.v[i];
		if (strcmp(f->kind, "lateral_movement") != 0)
			continue;
		n++;
		json_t *link = json_object_get(f->evidence, "sweep");
		assert_non_null(json_object_get(link, "id"));
		double delay = json_number_value(json_object_get(f->evidence, "delay_s"));
		assert_true(delay > 0.9 && delay < 1.1);
		assert_true(has_mitre(f, n == 1 ? "T1021.002" : "T1021.004"));
	}
	assert_int_equal(n, 2);
}

static void test_table_pressure(void **state)
{
	struct lab *lab = *state;
	lab->cfg.lateral_capacity = 1;
	lab->cfg.lateral_attempts = 4;
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + S;
	for (int o = 33; o <= 62; o += 4)
		connect_to(lab, host(o), 445, t += 10 * MS);
	/* another host probes five hosts (admission needs five): takes the only record, the first
	 * is decided */
	for (int o = 1; o <= 5; o++) {
		echo(lab, "10.77.0.20", host(o), false, 1, t += MS);
		echo(lab, host(o), "10.77.0.20", true, 1, t += MS);
	}
	finish(lab);
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "hosts_touched"), 4);
	assert_int_equal(ev_int(f, "attempts_not_listed"), 4);
	json_t *st = ih_pipeline_stats(&lab->pl, NULL, IH_SRC_OK, NULL);
	json_t *lat = json_object_get(json_object_get(st, "detectors"), "lateral_movement");
	assert_int_equal(json_integer_value(json_object_get(lat, "source_evictions")), 1);
	assert_int_equal(json_integer_value(json_object_get(lat, "attempts_not_listed")), 4);
	json_decref(st);
}

static void test_admin_ports_option(void **state)
{
	struct lab *lab = *state;
	char err[128];
	assert_true(ih_config_set(&lab->cfg, "lateral_ports", "8443, 22", err, sizeof(err)));
	assert_int_equal(lab->cfg.nlateral_ports, 2);
	assert_true(ih_config_is_admin_port(&lab->cfg, 8443));
	assert_false(ih_config_is_admin_port(&lab->cfg, 445));
	assert_false(ih_config_set(&lab->cfg, "lateral_ports", "22,70000", err, sizeof(err)));
	assert_non_null(strstr(err, "70000"));
	assert_true(ih_config_set(&lab->cfg, "lateral_ports", "8443,22", err, sizeof(err)));
	lab_init(lab);
	uint64_t t = sweep(lab, 1000 * S) + S;
	for (int o = 33; o <= 45; o += 4)
		connect_to(lab, host(o), 8443, t += 10 * MS);
	finish(lab);
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "admin_hosts"), 4);
	assert_int_equal(f->severity, IH_SEV_MEDIUM);
}

/* ping -b of the LAN, three hosts answer, SMB to each of them 2 s later (and to one host that
 * never answered): lateral movement after a discovery through the broadcast address, linked to
 * that sweep although its range is the broadcast address and not a block holding the hosts */
static void test_smb_after_broadcast_discovery(void **state)
{
	struct lab *lab = *state;
	lab_init(lab);
	const char *lan[] = { "10.77.0.1", "10.77.0.5", "10.77.0.11" };
	uint64_t t = 1000 * S;
	for (int i = 0; i < 2; i++) {
		struct ih_pkt q = ih_test_echo("10.77.0.10", "10.77.0.255", false, 4242, (uint16_t)i, t);
		ih_track_packet(lab->pl.track, &q);
		for (int h = 0; h < 3; h++) {
			struct ih_pkt r = ih_test_echo(lan[h], "10.77.0.10", true, 4242, (uint16_t)i, t + (uint64_t)(h + 1) * MS);
			ih_track_packet(lab->pl.track, &r);
		}
		t += S;
	}
	t += 2 * S;
	for (int h = 0; h < 3; h++)
		connect_to(lab, lan[h], 445, t += 30 * MS);
	connect_to(lab, "10.77.0.20", 445, t += 30 * MS);
	finish(lab);
	const struct ih_finding *sw = find(lab, "sweep", "10.77.0.10");
	const struct ih_finding *f = find(lab, "lateral_movement", "10.77.0.10");
	assert_non_null(sw);
	assert_string_equal(sw->dst_key, "10.77.0.255");
	assert_non_null(f);
	assert_int_equal(ev_int(f, "hosts_touched"), 3);
	json_t *link = json_object_get(f->evidence, "sweep");
	char id[24];
	assert_string_equal(json_string_value(json_object_get(link, "id")), ih_finding_id(sw, id, sizeof(id)));
	assert_string_equal(json_string_value(json_object_get(link, "range")), "10.77.0.255");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_smb_after_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_services_high, setup, teardown),
		cmocka_unit_test_setup_teardown(test_judged_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_sweep_no_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_late_and_simultaneous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_udp_and_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitoring_then_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decided_before_the_sweep_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_sweeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smb_after_broadcast_discovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_pressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_ports_option, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

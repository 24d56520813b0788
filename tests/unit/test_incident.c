/* test_incident.c — grouping findings into incidents, scoring, linking, verdicts, ATT&CK, the
 * playbook, and the seed case capture end to end.
 *
 * Findings are built by hand (ih_finding_new plus the evidence the incident reads) for the
 * rules, and read from tests/data/corpus (under $IH_TEST_DATA) for the seed case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/pipeline.h"
#include "report/incident.h"
#include "report/mitre.h"
#include "report/sink.h"

#define S 1000000000ull
#define T0 (1795569273ull * S)

struct lab {
	struct ih_config cfg;
	struct ih_findings fs;
	struct ih_incidents is;
};

static int setup(void **state)
{
	static struct lab lab;
	memset(&lab, 0, sizeof(lab));
	ih_config_default(&lab.cfg);
	ih_findings_init(&lab.fs, 1000);
	*state = &lab;
	return 0;
}

static int teardown(void **state)
{
	struct lab *lab = *state;
	ih_incidents_free(&lab->is);
	ih_findings_free(&lab->fs);
	return 0;
}

static struct ih_finding *add(struct lab *lab, const char *kind, enum ih_sev sev, const char *src, const char *dst,
			      uint64_t t0, uint64_t t1, const char *mitre)
{
	struct ih_addr a;
	assert_true(ih_addr_parse(src, &a));
	struct ih_finding *f = ih_finding_new(kind, sev, 0.9, &a, t0, t1);
	assert_non_null(f);
	ih_finding_set_dst_str(f, dst);
	if (mitre) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", mitre);
		for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			ih_finding_add_mitre(f, tok);
	}
	ih_finding_summary(f, "%s from %s", kind, src);
	ih_findings_add(&lab->fs, f);
	return f;
}

static void set_int(struct ih_finding *f, const char *k, json_int_t v)
{
	json_object_set_new(f->evidence, k, json_integer(v));
}

static void build(struct lab *lab)
{
	ih_findings_sort(&lab->fs);
	ih_findings_assign_ids(&lab->fs);
	assert_true(ih_incidents_build(&lab->is, &lab->fs, &lab->cfg));
}

static const struct ih_incident *of_host(struct lab *lab, const char *host)
{
	const struct ih_incident *inc = ih_incidents_find(&lab->is, host);
	assert_non_null(inc);
	return inc;
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
			return true;
	return false;
}

static bool has_technique(const struct ih_incident *inc, const char *id)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(inc->obj, "mitre"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0)
			return true;
	return false;
}

static int reasons_sum(const struct ih_incident *inc)
{
	int sum = 0;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(inc->obj, "reasons"), i, r)
		sum += (int)json_integer_value(json_object_get(r, "points"));
	return sum;
}

static const char *step_status(const struct ih_incident *inc, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(inc->obj, "playbook"), i, s)
		if (strcmp(json_string_value(json_object_get(s, "step")), name) == 0)
			return json_string_value(json_object_get(s, "status"));
	fail_msg("no playbook step %s", name);
	return NULL;
}

/* ---------------------------------------------------------------- grouping and linking */

static void test_grouping_by_source(void **state)
{
	struct lab *lab = *state;
	struct ih_finding *sw = add(lab, "sweep", IH_SEV_MEDIUM, "10.77.0.10", "10.78.0.32/27", T0 + 6 * S, T0 + 7 * S, "T1018");
	json_object_set_new(sw->evidence, "range", json_string("10.78.0.32/27"));
	set_int(sw, "hosts_answered", 3);
	struct ih_finding *lat = add(lab, "lateral_movement", IH_SEV_MEDIUM, "10.77.0.10", "10.78.0.32/27", T0 + 9 * S,
				     T0 + 10 * S, "T1021,T1021.002");
	json_t *hosts = json_array();
	for (int o = 33; o <= 35; o++) {
		char a[32];
		snprintf(a, sizeof(a), "10.78.0.%d", o);
		json_t *h = json_object();
		json_object_set_new(h, "addr", json_string(a));
		json_array_append_new(hosts, h);
	}
	json_object_set_new(lat->evidence, "hosts", hosts);
	set_int(lat, "hosts_touched", 3);
	add(lab, "beacon", IH_SEV_LOW, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S, "T1095");
	add(lab, "external_icmp", IH_SEV_INFO, "10.77.0.11", "198.51.100.23", T0 + S, T0 + 2 * S, NULL);
	/* 10.78.0.34 was reached by the lateral movement and then did something itself */
	add(lab, "sweep", IH_SEV_LOW, "10.78.0.34", "10.78.1.0/24", T0 + 20 * S, T0 + 21 * S, "T1018");
	build(lab);
	assert_int_equal(lab->is.n, 3);
	const struct ih_incident *a = of_host(lab, "10.77.0.10");
	assert_int_equal(a->nf, 3);
	/* time order inside an incident */
	assert_string_equal(a->f[0]->kind, "beacon");
	assert_string_equal(a->f[2]->kind, "lateral_movement");
	json_t *o = a->obj;
	assert_string_equal(json_string_value(json_object_get(o, "type")), "incident");
	assert_string_equal(json_string_value(json_object_get(o, "primary")), "10.77.0.10");
	assert_string_equal(json_string_value(json_object_get(o, "primary_role")), "source");
	/* hosts: the primary, the hosts moved to, the beacon's peer; sorted */
	json_t *h = json_object_get(o, "hosts");
	assert_int_equal(json_array_size(h), 5);
	assert_string_equal(json_string_value(json_array_get(h, 0)), "10.77.0.10");
	assert_string_equal(json_string_value(json_array_get(h, 1)), "10.78.0.33");
	assert_string_equal(json_string_value(json_array_get(h, 4)), "203.0.113.7");
	assert_true(has_string(json_object_get(o, "ranges"), "10.78.0.32/27"));
	/* findings listed by id, in time order */
	json_t *ids = json_object_get(o, "findings");
	assert_int_equal(json_array_size(ids), 3);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), json_string_value(json_object_get(a->f[0]->obj, "id")));
	assert_string_equal(json_string_value(json_object_get(o, "first_seen")), "2026-11-25T01:14:33.000000Z");
	/* the host it moved to, with its own incident, is related both ways */
	const struct ih_incident *b = of_host(lab, "10.78.0.34");
	assert_true(has_string(json_object_get(o, "related"), b->id));
	assert_true(has_string(json_object_get(b->obj, "related"), a->id));
	/* most severe first */
	assert_ptr_equal(&lab->is.v[0], a);
	assert_int_equal(lab->is.v[2].verdict, IH_VERDICT_BENIGN);
}

static void test_spoofed_flood_belongs_to_victim(void **state)
{
	struct lab *lab = *state;
	struct ih_finding *f = add(lab, "volume_anomaly", IH_SEV_HIGH, "0.0.0.0", "10.78.0.40", T0, T0 + S, "T1498,T1498.001");
	set_int(f, "requests", 5000);
	set_int(f, "peak_pps", 4000);
	json_object_set_new(f->evidence, "spoofed_sources", json_true());
	build(lab);
	assert_int_equal(lab->is.n, 1);
	const struct ih_incident *inc = of_host(lab, "10.78.0.40");
	assert_true(inc->primary_target);
	assert_string_equal(json_string_value(json_object_get(inc->obj, "primary_role")), "target");
	assert_int_equal(inc->verdict, IH_VERDICT_SUSPICIOUS);
	assert_true(has_technique(inc, "T1498.001"));
	assert_non_null(strstr(json_string_value(json_object_get(inc->obj, "narrative")), "flooded"));
}

/* A smurf reflection: told as one, for the victim (sender unknown) and for a named sender */
static void smurf(struct lab *lab, const char *src)
{
	struct ih_finding *f = add(lab, "volume_anomaly", IH_SEV_MEDIUM, src, "10.77.0.11", T0, T0 + S, "T1498,T1498.002");
	json_object_set_new(f->evidence, "reflection", json_string("smurf"));
	json_object_set_new(f->evidence, "group", json_string("10.77.0.255"));
	json_object_set_new(f->evidence, "sender_mac", json_string("02:00:00:00:00:02"));
	json_object_set_new(f->evidence, "amplification", json_real(2.0));
	set_int(f, "forged_requests", 300);
	set_int(f, "answers_to_victim", 600);
	set_int(f, "peak_answers_pps", 198);
	build(lab);
}

static void test_smurf_victim(void **state)
{
	struct lab *lab = *state;
	smurf(lab, "0.0.0.0");
	const struct ih_incident *inc = of_host(lab, "10.77.0.11");
	assert_true(inc->primary_target);
	assert_true(has_technique(inc, "T1498.002"));
	assert_string_equal(json_string_value(json_object_get(inc->obj, "summary")),
			    "target of a smurf reflection through 10.77.0.255 (600 echo replies after 300 forged requests)");
	const char *n = json_string_value(json_object_get(inc->obj, "narrative"));
	assert_non_null(strstr(n, "300 echo requests forged with its address went to 10.77.0.255 and drew 600 echo replies"));
	assert_non_null(strstr(n, "hardware address 02:00:00:00:00:02"));
	/* the technique has its name */
	json_t *m;
	size_t i;
	bool named = false;
	json_array_foreach(json_object_get(inc->obj, "mitre"), i, m)
		named |= strcmp(json_string_value(json_object_get(m, "name")), "Reflection Amplification") == 0;
	assert_true(named);
}

static void test_smurf_sender(void **state)
{
	struct lab *lab = *state;
	smurf(lab, "10.77.0.10");
	const struct ih_incident *inc = of_host(lab, "10.77.0.10");
	assert_false(inc->primary_target);
	assert_string_equal(json_string_value(json_object_get(inc->obj, "summary")), "smurf reflection flood of 10.77.0.11");
	char *s = json_dumps(inc->obj, 0);
	assert_non_null(strstr(s, "it sent 300 echo requests to 10.77.0.255 forged with 10.77.0.11's address, which drew 600"));
	assert_non_null(strstr(s, "300 echo requests to 10.77.0.255 forged with the address of 10.77.0.11 drew 600 echo replies"));
	assert_null(strstr(s, "0 requests"));
	free(s);
}

static void test_ids_are_stable(void **state)
{
	struct lab *lab = *state;
	add(lab, "tunnel", IH_SEV_HIGH, "10.77.0.10", "203.0.113.7", T0, T0 + S, "T1095,T1572");
	add(lab, "sweep", IH_SEV_LOW, "10.77.0.10", "10.78.0.0/24", T0 + 5 * S, T0 + 6 * S, "T1018");
	build(lab);
	char first[24];
	snprintf(first, sizeof(first), "%s", lab->is.v[0].id);
	assert_int_equal(strlen(first), 18);
	assert_memory_equal(first, "I-", 2);
	ih_incidents_free(&lab->is);
	ih_findings_free(&lab->fs);
	ih_findings_init(&lab->fs, 1000);
	/* the same findings, made in the other order */
	add(lab, "sweep", IH_SEV_LOW, "10.77.0.10", "10.78.0.0/24", T0 + 5 * S, T0 + 6 * S, "T1018");
	add(lab, "tunnel", IH_SEV_HIGH, "10.77.0.10", "203.0.113.7", T0, T0 + S, "T1095,T1572");
	build(lab);
	assert_string_equal(lab->is.v[0].id, first);
	assert_non_null(ih_incidents_find(&lab->is, first));
	/* ids are found case-insensitively; unknown ones are not found */
	char upper[24];
	snprintf(upper, sizeof(upper), "i-%s", first + 2);
	assert_non_null(ih_incidents_find(&lab->is, upper));
	assert_null(ih_incidents_find(&lab->is, "I-0000000000000000"));
	assert_null(ih_incidents_find(&lab->is, "10.99.0.1"));
}

/* ---------------------------------------------------------------- scoring and verdicts */

static void test_score_reasons_add_up(void **state)
{
	struct lab *lab = *state;
	add(lab, "sweep", IH_SEV_MEDIUM, "10.77.0.10", "10.78.0.32/27", T0, T0 + S, "T1018");
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.10");
	assert_int_equal(inc->score, ih_incident_points("sweep", IH_SEV_MEDIUM));
	assert_int_equal(inc->score, reasons_sum(inc));
	assert_int_equal(inc->verdict, IH_VERDICT_SUSPICIOUS);
	json_t *r = json_array_get(json_object_get(inc->obj, "reasons"), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "points")), inc->score);
	assert_non_null(strstr(json_string_value(json_object_get(r, "why")), "sweep (medium)"));
}

static void test_combinations_and_clamp(void **state)
{
	struct lab *lab = *state;
	add(lab, "sweep", IH_SEV_MEDIUM, "10.77.0.10", "10.78.0.32/27", T0 + 5 * S, T0 + 6 * S, "T1018");
	add(lab, "lateral_movement", IH_SEV_HIGH, "10.77.0.10", "10.78.0.32/27", T0 + 8 * S, T0 + 9 * S, "T1021,T1021.002");
	add(lab, "tunnel", IH_SEV_HIGH, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S, "T1095,T1572");
	add(lab, "exfiltration", IH_SEV_MEDIUM, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S, "T1048,T1048.003");
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.10");
	assert_int_equal(inc->score, 100);
	assert_true(reasons_sum(inc) > 100); /* clamped */
	assert_int_equal(inc->verdict, IH_VERDICT_MALICIOUS);
	char *s = json_dumps(json_object_get(inc->obj, "reasons"), 0);
	assert_non_null(strstr(s, "followed by connections"));
	assert_non_null(strstr(s, "reconnaissance and a covert ICMP channel"));
	assert_non_null(strstr(s, "outside the home networks"));
	free(s);
	/* ATT&CK in kill-chain order with names and tactics */
	json_t *m = json_object_get(inc->obj, "mitre");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "id")), "T1018");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "tactic")), "Discovery");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 2), "name")), "SMB/Windows Admin Shares");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 3), "tactic")), "Command and Control");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, json_array_size(m) - 1), "tactic")),
			    "Exfiltration");
}

static void test_only_info_is_benign(void **state)
{
	struct lab *lab = *state;
	add(lab, "external_icmp", IH_SEV_INFO, "10.77.0.11", "198.51.100.23", T0, T0 + S, NULL);
	add(lab, "beacon", IH_SEV_INFO, "10.77.0.11", "198.51.100.23", T0, T0 + S, NULL);
	lab->cfg.incident_suspicious_score = 0; /* even a threshold of 0 leaves it benign */
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.11");
	assert_int_equal(inc->verdict, IH_VERDICT_BENIGN);
	assert_int_equal(inc->score, 0);
	assert_int_equal(json_array_size(json_object_get(inc->obj, "mitre")), 0);
	assert_string_equal(step_status(inc, "containment"), "not_applicable");
	assert_string_equal(step_status(inc, "endpoint_correlation"), "not_applicable");
}

static void test_monitor_lowers_the_score(void **state)
{
	struct lab *lab = *state;
	char err[128];
	assert_true(ih_config_set(&lab->cfg, "monitor", "10.77.0.5", err, sizeof(err)));
	add(lab, "beacon", IH_SEV_LOW, "10.77.0.5", "203.0.113.7", T0, T0 + S, "T1095");
	add(lab, "persistent_echo", IH_SEV_LOW, "10.77.0.5", "203.0.113.7", T0, T0 + S, "T1095");
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.5");
	assert_int_equal(inc->verdict, IH_VERDICT_BENIGN); /* 15 + 10 + 10 (outside) - 30 = 5 */
	assert_int_equal(inc->score, 5);
	assert_int_equal(inc->score, reasons_sum(inc));
	bool seen = false;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(inc->obj, "reasons"), i, r)
		seen = seen || (json_integer_value(json_object_get(r, "points")) < 0 &&
				strstr(json_string_value(json_object_get(r, "why")), "monitoring host"));
	assert_true(seen);
}

static void test_verdict_thresholds(void **state)
{
	struct lab *lab = *state;
	add(lab, "tunnel", IH_SEV_HIGH, "10.77.0.10", "10.78.0.40", T0, T0 + S, "T1095,T1572"); /* 40, inside */
	lab->cfg.incident_malicious_score = 40;
	build(lab);
	assert_int_equal(of_host(lab, "10.77.0.10")->score, 40);
	assert_int_equal(of_host(lab, "10.77.0.10")->verdict, IH_VERDICT_MALICIOUS);
	ih_incidents_free(&lab->is);
	lab->cfg.incident_malicious_score = 41;
	assert_true(ih_incidents_build(&lab->is, &lab->fs, &lab->cfg));
	assert_int_equal(of_host(lab, "10.77.0.10")->verdict, IH_VERDICT_SUSPICIOUS);
	ih_incidents_free(&lab->is);
	lab->cfg.incident_suspicious_score = 41;
	assert_true(ih_incidents_build(&lab->is, &lab->fs, &lab->cfg));
	assert_int_equal(of_host(lab, "10.77.0.10")->verdict, IH_VERDICT_BENIGN);
}

static void test_playbook_shape(void **state)
{
	struct lab *lab = *state;
	add(lab, "beacon", IH_SEV_MEDIUM, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S, "T1095");
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.10");
	static const char *const names[] = { "triage", "traffic_analysis", "reconnaissance", "covert_channel_check",
					     "endpoint_correlation", "validation", "containment", "hunting" };
	json_t *pb = json_object_get(inc->obj, "playbook");
	assert_int_equal(json_array_size(pb), 8);
	for (size_t i = 0; i < 8; i++) {
		json_t *s = json_array_get(pb, i);
		assert_string_equal(json_string_value(json_object_get(s, "step")), names[i]);
		const char *st = json_string_value(json_object_get(s, "status"));
		assert_true(strcmp(st, "done") == 0 || strcmp(st, "partial") == 0 || strcmp(st, "not_applicable") == 0 ||
			    strcmp(st, "needs_data") == 0);
		assert_true(json_is_string(json_object_get(s, "established")));
		assert_true(json_is_string(json_object_get(s, "missing")));
		assert_true(json_is_string(json_object_get(s, "next")));
	}
	assert_string_equal(step_status(inc, "reconnaissance"), "not_applicable");
	assert_string_equal(step_status(inc, "endpoint_correlation"), "needs_data");
	json_t *ep = json_array_get(pb, 4);
	assert_non_null(strstr(json_string_value(json_object_get(ep, "next")), "icmphound watch"));
	json_t *ct = json_array_get(pb, 6);
	char want[64];
	snprintf(want, sizeof(want), "icmphound contain %s", inc->id);
	assert_non_null(strstr(json_string_value(json_object_get(ct, "next")), want));
	/* the explanation shows every step, in both formats */
	char *buf = NULL;
	size_t len = 0;
	for (int md = 0; md < 2; md++) {
		FILE *f = open_memstream(&buf, &len);
		assert_true(ih_incident_explain(f, inc, md));
		fclose(f);
		assert_non_null(strstr(buf, "Why is 10.77.0.10 generating continuous ICMP traffic?"));
		assert_non_null(strstr(buf, "Endpoint correlation"));
		assert_non_null(strstr(buf, "Hunting and scope expansion"));
		assert_non_null(strstr(buf, md ? "| T1095 | Non-Application Layer Protocol | Command and Control |" : "T1095"));
		free(buf);
		buf = NULL;
	}
}

/* The endpoint stage (src/endpoint) puts the process in a finding's evidence and raises
 * suspicious_process findings: the playbook's step 5 and the score use them. */
static void test_endpoint_evidence(void **state)
{
	struct lab *lab = *state;
	struct ih_finding *t = add(lab, "tunnel", IH_SEV_HIGH, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S, "T1095,T1572");
	json_t *proc = json_object();
	json_object_set_new(proc, "pid", json_integer(4242));
	json_object_set_new(proc, "user", json_string("alice"));
	json_object_set_new(proc, "exe", json_string("/home/alice/.cache/upd"));
	json_object_set_new(proc, "cmdline", json_string("upd -p 203.0.113.7"));
	json_object_set_new(t->evidence, "process", json_copy(proc));
	struct ih_finding *sp = add(lab, "suspicious_process", IH_SEV_HIGH, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S,
				    "T1095,T1036.003");
	json_object_set_new(sp->evidence, "process", proc);
	json_t *rs = json_array();
	json_array_append_new(rs, json_string("executable in a user directory"));
	json_object_set_new(sp->evidence, "reasons", rs);
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.10");
	assert_int_equal(inc->verdict, IH_VERDICT_MALICIOUS);
	assert_string_equal(step_status(inc, "endpoint_correlation"), "done");
	assert_string_equal(step_status(inc, "validation"), "done");
	assert_true(has_technique(inc, "T1036.003"));
	char *s = json_dumps(inc->obj, 0);
	assert_non_null(strstr(s, "ICMP traffic generated by /home/alice/.cache/upd (pid 4242, user alice)"));
	assert_non_null(strstr(s, "executable in a user directory"));
	assert_non_null(strstr(s, "User: alice"));
	assert_non_null(strstr(s, "the endpoint confirms it"));
	free(s);
	/* Defense Evasion comes before Command and Control */
	json_t *m = json_object_get(inc->obj, "mitre");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "tactic")), "Defense Evasion");
}

static void test_endpoint_attribution_failed(void **state)
{
	struct lab *lab = *state;
	struct ih_finding *t = add(lab, "tunnel", IH_SEV_HIGH, "10.77.0.10", "203.0.113.7", T0, T0 + 60 * S, "T1095,T1572");
	json_object_set_new(t->evidence, "attribution", json_string("not possible: no socket in the log"));
	build(lab);
	const struct ih_incident *inc = of_host(lab, "10.77.0.10");
	assert_string_equal(step_status(inc, "endpoint_correlation"), "needs_data");
	json_t *ep = json_array_get(json_object_get(inc->obj, "playbook"), 4);
	assert_non_null(strstr(json_string_value(json_object_get(ep, "established")), "no socket in the log"));
}

/* ---------------------------------------------------------------- the seed case */

static void analyse(struct lab *lab, const char *file, struct ih_pipeline *pl)
{
	const char *dir = getenv("IH_TEST_DATA");
	if (!dir)
		skip();
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	char *files[] = { path };
	lab->cfg.track.seed = 7;
	struct ih_source *src = ih_source_open_files(files, 1, err, sizeof(err));
	assert_non_null(src);
	assert_true(ih_pipeline_init(pl, &lab->cfg));
	assert_int_equal(ih_source_run(src, ih_pipeline_frame, pl, err, sizeof(err)), IH_SRC_OK);
	ih_source_close(src);
	ih_pipeline_finish(pl);
	ih_findings_assign_ids(&pl->findings);
	assert_true(ih_incidents_build(&lab->is, &pl->findings, &lab->cfg));
}

static void test_seed_case(void **state)
{
	struct lab *lab = *state;
	static struct ih_pipeline pl;
	analyse(lab, "corpus/case_seed.pcap", &pl);
	size_t malicious = 0;
	for (size_t i = 0; i < lab->is.n; i++) {
		const struct ih_incident *inc = &lab->is.v[i];
		char a[IH_ADDR_STRLEN];
		ih_addr_str(&inc->primary, a, sizeof(a));
		if (inc->verdict == IH_VERDICT_MALICIOUS)
			malicious++;
		if (strcmp(a, "10.77.0.5") == 0 || strcmp(a, "10.77.0.11") == 0 || strncmp(a, "10.78.0.", 8) == 0)
			assert_int_equal(inc->verdict, IH_VERDICT_BENIGN);
	}
	assert_int_equal(malicious, 1);
	const struct ih_incident *inc = ih_incidents_find(&lab->is, "10.77.0.10");
	assert_non_null(inc);
	assert_int_equal(inc->verdict, IH_VERDICT_MALICIOUS);
	bool sweep = false, lateral = false, covert = false, beacon = false;
	for (size_t i = 0; i < inc->nf; i++) {
		const char *k = inc->f[i]->kind;
		sweep = sweep || strcmp(k, "sweep") == 0;
		lateral = lateral || strcmp(k, "lateral_movement") == 0;
		covert = covert || strcmp(k, "tunnel") == 0 || strcmp(k, "exfiltration") == 0;
		beacon = beacon || strcmp(k, "beacon") == 0;
	}
	assert_true(sweep && lateral && covert && beacon);
	assert_true(has_technique(inc, "T1018") || has_technique(inc, "T1046"));
	assert_true(has_technique(inc, "T1021.002"));
	assert_true(has_technique(inc, "T1095"));
	assert_true(has_technique(inc, "T1572"));
	assert_true(has_technique(inc, "T1048"));
	/* the narrative answers the seed's question with the case's numbers and peers */
	const char *story = json_string_value(json_object_get(inc->obj, "narrative"));
	assert_non_null(strstr(story, "10.77.0.10 generates continuous ICMP traffic because"));
	assert_non_null(strstr(story, "203.0.113.7"));
	assert_non_null(strstr(story, "10.78.0.32/27"));
	assert_non_null(strstr(story, "lateral movement"));
	assert_string_equal(step_status(inc, "reconnaissance"), "done");
	assert_string_equal(step_status(inc, "endpoint_correlation"), "needs_data");
	/* every technique the detectors named is in the table */
	for (size_t i = 0; i < pl.findings.n; i++) {
		size_t j;
		json_t *m;
		json_array_foreach(json_object_get(pl.findings.v[i]->obj, "mitre"), j, m)
			assert_non_null(ih_mitre_lookup(json_string_value(m)));
	}
	/* the same input gives the same bytes */
	char *one = json_dumps(inc->obj, JSON_PRESERVE_ORDER | JSON_COMPACT);
	ih_incidents_free(&lab->is);
	assert_true(ih_incidents_build(&lab->is, &pl.findings, &lab->cfg));
	char *two = json_dumps(ih_incidents_find(&lab->is, "10.77.0.10")->obj, JSON_PRESERVE_ORDER | JSON_COMPACT);
	assert_string_equal(one, two);
	free(one);
	free(two);
	ih_pipeline_free(&pl);
}

static void test_mitre_table(void **state)
{
	(void)state;
	const struct ih_mitre *m = ih_mitre_lookup("T1021.004");
	assert_non_null(m);
	assert_string_equal(m->name, "SSH");
	assert_string_equal(m->tactic, "Lateral Movement");
	assert_null(ih_mitre_lookup("T9999"));
	assert_null(ih_mitre_lookup(NULL));
	for (const struct ih_mitre *t = ih_mitre_table; t->id; t++)
		assert_true(t->name[0] && t->tactic[0] && t->order);
}

/* A discovery through a group address has no order or rate: the narrative and the traffic
 * step say which group was probed and how many hosts answered. */
static void test_group_discovery_narrative(void **state)
{
	struct lab *lab = *state;
	struct ih_finding *f = add(lab, "sweep", IH_SEV_LOW, "fd77::a", "ff02::1", T0, T0 + 2 * S, "T1018");
	set_int(f, "probes", 3);
	set_int(f, "hosts_probed", 4);
	set_int(f, "hosts_answered", 4);
	json_t *g = json_object();
	json_object_set_new(g, "method", json_string("multicast"));
	json_object_set_new(g, "probes", json_integer(3));
	json_object_set_new(f->evidence, "group_discovery", g);
	build(lab);
	const struct ih_incident *inc = of_host(lab, "fd77::a");
	const char *nar = json_string_value(json_object_get(inc->obj, "narrative"));
	assert_non_null(nar);
	assert_non_null(strstr(nar, "probed the multicast address ff02::1 (3 probes), and 4 hosts answered"));
	json_t *traffic = json_array_get(json_object_get(inc->obj, "playbook"), 1);
	assert_non_null(strstr(json_string_value(json_object_get(traffic, "established")),
			       "Requests sent to the multicast address ff02::1 (3 probes), answered by 4 hosts"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grouping_by_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_flood_belongs_to_victim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smurf_victim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smurf_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_are_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_score_reasons_add_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_combinations_and_clamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_info_is_benign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_lowers_the_score, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdict_thresholds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_playbook_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_discovery_narrative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_attribution_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_case, setup, teardown),
		cmocka_unit_test(test_mitre_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

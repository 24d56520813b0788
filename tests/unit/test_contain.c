/* test_contain.c — containment plans: the exact rule text, refusals (loopback, unspecified,
 * multicast, this machine's addresses, the management networks, a flood's victim), idempotent
 * action ids and comments, the process checks against pid reuse, and hostile incidents (quotes,
 * newlines, escape sequences and nft syntax in every string). Processes are looked up through a
 * fake probe; nothing here touches nftables, signals or files, except the rollback-file
 * validation, which fails before it would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "contain/contain.h"

#define START "2026-11-25T01:00:00.120000Z"
#define START_NS 1795568400120000000ull

/* ------------------------------------------------------------------ fixtures */

struct fx {
	json_t *incident, *findings;
	struct ih_ct_plan plan;
	struct ih_ct_opts o;
	struct ih_cidr mgmt[4];
	struct ih_addr sensor[2];
	/* what the fake /proc holds */
	int32_t live_pid;
	struct ih_ct_live live;
};

static bool fake_probe(void *ctx, int32_t pid, struct ih_ct_live *out)
{
	struct fx *f = ctx;
	if (pid != f->live_pid) {
		out->error = pid == 7 ? EACCES : ESRCH;
		return false;
	}
	*out = f->live;
	return true;
}

static json_t *js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad test JSON at %d: %s", e.position, e.text);
	return j;
}

static const char *FINDING =
	"{\"type\":\"finding\",\"id\":\"F-00112233445566aa\",\"kind\":\"tunnel\",\"severity\":\"high\","
	"\"src\":\"10.77.0.10\",\"dst\":\"203.0.113.7\",\"evidence\":{\"process\":{\"pid\":4242,\"user\":\"bob\","
	"\"exe\":\"/home/bob/.cache/updater\",\"exe_sha256\":null,\"start_time\":\"" START "\",\"source\":\"proc\"}}}";

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->incident = js("{\"type\":\"incident\",\"id\":\"I-d6188caa1845e113\",\"verdict\":\"malicious\",\"score\":85,"
			 "\"primary\":\"10.77.0.10\",\"primary_role\":\"source\",\"findings\":[\"F-00112233445566aa\"]}");
	f->findings = json_array();
	json_array_append_new(f->findings, js(FINDING));
	ih_cidr_parse("192.0.2.0/24", &f->mgmt[0]);
	ih_cidr_parse("fd99::/16", &f->mgmt[1]);
	ih_addr_parse("10.77.0.1", &f->sensor[0]);
	ih_addr_parse("fd77::1", &f->sensor[1]);
	f->o = (struct ih_ct_opts){ .mgmt = f->mgmt, .nmgmt = 2, .sensor = f->sensor, .nsensor = 2,
				    .quarantine_dir = "/var/lib/icmphound/quarantine", .probe = fake_probe, .probe_ctx = f };
	f->live_pid = 4242;
	f->live.start_ns = START_NS + 5000000; /* 5 ms off: the same process */
	snprintf(f->live.exe, sizeof(f->live.exe), "/home/bob/.cache/updater");
	f->live.exe_dev = 2049;
	f->live.exe_ino = 77;
	f->live.exe_mode = 0100755;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	json_decref(f->incident);
	json_decref(f->findings);
	free(f);
	return 0;
}

static struct ih_ct_plan *build(struct fx *f)
{
	char err[256];
	assert_true(ih_ct_plan_build(f->incident, f->findings, &f->o, &f->plan, err, sizeof(err)));
	return &f->plan;
}

static const struct ih_ct_action *find(const struct ih_ct_plan *p, enum ih_ct_kind k)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->actions[i].kind == k)
			return &p->actions[i];
	return NULL;
}

static void set_primary(struct fx *f, const char *addr)
{
	json_object_set_new(f->incident, "primary", json_string(addr));
}

/* ------------------------------------------------------------------ rule text */

static void test_rules_v4(void **state)
{
	struct fx *f = *state;
	f->o.isolate = true;
	const struct ih_ct_plan *p = build(f);
	const struct ih_ct_action *b = find(p, IH_CT_BLOCK_ICMP);
	assert_non_null(b);
	assert_int_equal(b->state, IH_CT_PLANNED);
	assert_int_equal(b->nrules, 2);
	assert_string_equal(b->rules[0].chain, "forward");
	assert_string_equal(b->rules[1].chain, "input");
	/* only the management network of the host's family */
	assert_string_equal(b->rules[0].expr, "ip saddr 10.77.0.10 ip daddr != { 192.0.2.0/24 } meta l4proto icmp drop");
	char want[64];
	snprintf(want, sizeof(want), "icmphound %s/1", b->id);
	assert_string_equal(b->rules[0].comment, want);
	assert_non_null(strstr(b->command, "nft add rule inet icmphound forward ip saddr 10.77.0.10 ip daddr != { "
					   "192.0.2.0/24 } meta l4proto icmp drop comment \"icmphound A-"));
	assert_string_equal(b->findings[0], "F-00112233445566aa");
	assert_non_null(strstr(b->why, "tunnel (high) F-00112233445566aa"));

	const struct ih_ct_action *iso = find(p, IH_CT_ISOLATE);
	assert_non_null(iso);
	assert_int_equal(iso->nrules, 4);
	assert_string_equal(iso->rules[0].expr, "ip saddr 10.77.0.10 ip daddr != { 192.0.2.0/24 } drop");
	assert_string_equal(iso->rules[1].expr, "ip daddr 10.77.0.10 ip saddr != { 192.0.2.0/24 } drop");
	assert_string_equal(iso->rules[2].chain, "input");
	assert_string_equal(iso->rules[3].chain, "output");
	assert_string_equal(iso->rules[3].expr, "ip daddr 10.77.0.10 ip saddr != { 192.0.2.0/24 } drop");
}

static void test_rules_v6_and_no_mgmt(void **state)
{
	struct fx *f = *state;
	set_primary(f, "fd77:0:0::10");
	json_object_set_new(json_array_get(f->findings, 0), "src", json_string("fd77::10"));
	f->o.isolate = true;
	const struct ih_ct_plan *p = build(f);
	const struct ih_ct_action *b = find(p, IH_CT_BLOCK_ICMP);
	/* printed back from the parsed address: canonical form */
	assert_string_equal(b->rules[0].expr, "ip6 saddr fd77::10 ip6 daddr != { fd99::/16 } icmpv6 type != { "
					      "nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } drop");
	const struct ih_ct_action *iso = find(p, IH_CT_ISOLATE);
	assert_int_equal(iso->nrules, 6);
	assert_string_equal(iso->rules[0].expr,
			    "ip6 saddr fd77::10 icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept");
	assert_string_equal(iso->rules[2].expr, "ip6 saddr fd77::10 ip6 daddr != { fd99::/16 } drop");

	/* without management networks: no exception at all */
	set_primary(f, "10.77.0.10");
	f->o.nmgmt = 0;
	p = build(f);
	assert_string_equal(find(p, IH_CT_BLOCK_ICMP)->rules[0].expr, "ip saddr 10.77.0.10 meta l4proto icmp drop");
}

static void test_mgmt_masked_and_several(void **state)
{
	struct fx *f = *state;
	ih_cidr_parse("192.0.2.77/24", &f->mgmt[0]);
	ih_cidr_parse("198.51.100.0/25", &f->mgmt[2]);
	f->mgmt[1] = f->mgmt[2];
	const struct ih_ct_plan *p = build(f);
	assert_string_equal(find(p, IH_CT_BLOCK_ICMP)->rules[1].expr,
			    "ip saddr 10.77.0.10 ip daddr != { 192.0.2.0/24, 198.51.100.0/25 } meta l4proto icmp drop");
	/* a /0 management network would exempt everything: refused as an option */
	ih_cidr_parse("0.0.0.0/0", &f->mgmt[0]);
	char err[256];
	assert_false(ih_ct_plan_build(f->incident, f->findings, &f->o, &f->plan, err, sizeof(err)));
	assert_non_null(strstr(err, "prefix length 0"));
}

static void test_table_names(void **state)
{
	struct fx *f = *state;
	assert_true(ih_ct_table_name_ok("icmphound"));
	assert_true(ih_ct_table_name_ok("ih_lab2"));
	assert_false(ih_ct_table_name_ok(""));
	assert_false(ih_ct_table_name_ok("2ih"));
	assert_false(ih_ct_table_name_ok("ih-lab"));
	assert_false(ih_ct_table_name_ok("ih lab"));
	assert_false(ih_ct_table_name_ok("ih;flush"));
	assert_false(ih_ct_table_name_ok("a234567890123456789012345678901x")); /* 32 */
	assert_true(ih_ct_table_name_ok("a23456789012345678901234567890x"));   /* 31 */
	f->o.table = "lab";
	const struct ih_ct_plan *p = build(f);
	assert_non_null(strstr(find(p, IH_CT_BLOCK_ICMP)->command, "nft add rule inet lab forward "));
	f->o.table = "x\"; flush ruleset";
	char err[256];
	assert_false(ih_ct_plan_build(f->incident, f->findings, &f->o, &f->plan, err, sizeof(err)));
}

/* ------------------------------------------------------------------ refusals */

static void expect_refused(struct fx *f, const char *primary, const char *why)
{
	set_primary(f, primary);
	const struct ih_ct_plan *p = build(f);
	const struct ih_ct_action *b = find(p, IH_CT_BLOCK_ICMP);
	assert_int_equal(b->state, IH_CT_REFUSED);
	assert_int_equal(b->nrules, 0);
	assert_string_equal(b->command, "");
	if (!strstr(b->refusal, why))
		fail_msg("%s: refusal '%s' lacks '%s'", primary, b->refusal, why);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	f->o.isolate = true;
	expect_refused(f, "127.0.0.1", "loopback");
	expect_refused(f, "127.9.8.7", "loopback");
	expect_refused(f, "::1", "loopback");
	expect_refused(f, "0.0.0.0", "unspecified");
	expect_refused(f, "::", "unspecified");
	expect_refused(f, "224.0.0.1", "multicast");
	expect_refused(f, "255.255.255.255", "broadcast");
	expect_refused(f, "ff02::1", "multicast");
	expect_refused(f, "::ffff:10.77.0.10", "IPv4-mapped");
	expect_refused(f, "10.77.0.1", "this machine's own addresses");
	expect_refused(f, "fd77::1", "this machine's own addresses");
	expect_refused(f, "192.0.2.200", "management network 192.0.2.0/24");
	expect_refused(f, "fd99::5", "management network fd99::/16");
	expect_refused(f, "not-an-address", "not an IPv4 or IPv6 address");
	expect_refused(f, "", "not an IPv4 or IPv6 address");
	/* isolation is refused for the same reasons */
	set_primary(f, "10.77.0.1");
	assert_int_equal(find(build(f), IH_CT_ISOLATE)->state, IH_CT_REFUSED);

	/* a flood's victim is not its source */
	set_primary(f, "10.77.0.10");
	json_object_set_new(f->incident, "primary_role", json_string("target"));
	expect_refused(f, "10.77.0.10", "target");
	json_object_set_new(f->incident, "primary_role", json_string("source"));

	/* nothing of severity low or above: nothing to contain */
	json_object_set_new(json_array_get(f->findings, 0), "severity", json_string("info"));
	expect_refused(f, "10.77.0.10", "no finding of severity low or above");
	json_object_set_new(json_array_get(f->findings, 0), "severity", json_string("severe!"));
	expect_refused(f, "10.77.0.10", "no finding of severity low or above");
}

static void test_sensor_process_still_planned(void **state)
{
	/* an incident about this machine itself (watch on a workstation): no rule, but its process */
	struct fx *f = *state;
	set_primary(f, "10.77.0.1");
	json_object_set_new(json_array_get(f->findings, 0), "src", json_string("10.77.0.1"));
	const struct ih_ct_plan *p = build(f);
	assert_int_equal(find(p, IH_CT_BLOCK_ICMP)->state, IH_CT_REFUSED);
	assert_int_equal(find(p, IH_CT_STOP_PROCESS)->state, IH_CT_PLANNED);
}

/* ------------------------------------------------------------------ idempotency */

static void test_ids_stable(void **state)
{
	struct fx *f = *state;
	f->o.isolate = true;
	static struct ih_ct_plan a, b;
	char err[256];
	assert_true(ih_ct_plan_build(f->incident, f->findings, &f->o, &a, err, sizeof(err)));
	assert_true(ih_ct_plan_build(f->incident, f->findings, &f->o, &b, err, sizeof(err)));
	assert_int_equal(a.n, b.n);
	for (unsigned i = 0; i < a.n; i++) {
		assert_true(ih_ct_id_ok(a.actions[i].id, "A-"));
		assert_string_equal(a.actions[i].id, b.actions[i].id);
		for (unsigned r = 0; r < a.actions[i].nrules; r++)
			assert_string_equal(a.actions[i].rules[r].comment, b.actions[i].rules[r].comment);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(a.actions[i].id, a.actions[j].id);
	}
	/* every rule comment of the plan is distinct: a later run finds each one again */
	for (unsigned i = 0; i < a.n; i++)
		for (unsigned r = 0; r < a.actions[i].nrules; r++)
			for (unsigned j = 0; j < a.n; j++)
				for (unsigned s = 0; s < a.actions[j].nrules; s++)
					if (i != j || r != s)
						assert_string_not_equal(a.actions[i].rules[r].comment, a.actions[j].rules[s].comment);
	/* another incident: other ids */
	json_object_set_new(f->incident, "id", json_string("I-0000000000000001"));
	assert_true(ih_ct_plan_build(f->incident, f->findings, &f->o, &b, err, sizeof(err)));
	assert_string_not_equal(a.actions[0].id, b.actions[0].id);
}

/* ------------------------------------------------------------------ processes */

static void test_process_verified(void **state)
{
	struct fx *f = *state;
	const struct ih_ct_plan *p = build(f);
	const struct ih_ct_action *s = find(p, IH_CT_STOP_PROCESS), *q = find(p, IH_CT_QUARANTINE);
	assert_int_equal(s->state, IH_CT_PLANNED);
	assert_true(s->proc.verified);
	assert_false(s->proc.system_exe);
	assert_int_equal(s->proc.pid, 4242);
	assert_string_equal(s->command, "kill -STOP 4242   # through a pidfd, after checking its start time again\n"
					"kill -KILL 4242");
	assert_int_equal(q->state, IH_CT_PLANNED);
	assert_string_equal(q->command, "install -m 0400 /proc/4242/exe '/var/lib/icmphound/quarantine'/SHA256   # named "
					"by its SHA-256\nchmod a-x '/home/bob/.cache/updater'");
}

static void expect_proc_refused(struct fx *f, const char *why)
{
	const struct ih_ct_plan *p = build(f);
	const struct ih_ct_action *s = find(p, IH_CT_STOP_PROCESS), *q = find(p, IH_CT_QUARANTINE);
	assert_non_null(s);
	assert_int_equal(s->state, IH_CT_REFUSED);
	assert_int_equal(q->state, IH_CT_REFUSED);
	assert_false(s->proc.verified);
	if (!strstr(s->refusal, why))
		fail_msg("refusal '%s' lacks '%s'", s->refusal, why);
}

static json_t *proc_of(struct fx *f)
{
	return json_object_get(json_object_get(json_array_get(f->findings, 0), "evidence"), "process");
}

static void test_process_refusals(void **state)
{
	struct fx *f = *state;
	/* pid reuse: same pid, started an hour later */
	f->live.start_ns = START_NS + 3600ull * 1000000000ull;
	expect_proc_refused(f, "reused");
	f->live.start_ns = START_NS - 2000000000ull; /* 2 s earlier: not the same either */
	expect_proc_refused(f, "reused");
	f->live.start_ns = START_NS;
	/* same start time, another executable */
	snprintf(f->live.exe, sizeof(f->live.exe), "/usr/bin/sleep");
	expect_proc_refused(f, "not the evidence's executable");
	snprintf(f->live.exe, sizeof(f->live.exe), "/home/bob/.cache/updater");
	/* not running here */
	f->live_pid = 1;
	expect_proc_refused(f, "no such process");
	f->live_pid = 4242; /* pid 7: another user's process, probed without privilege */
	json_object_set_new(proc_of(f), "pid", json_integer(7));
	expect_proc_refused(f, "run as root");
	json_object_set_new(proc_of(f), "pid", json_integer(4242));
	f->live_pid = 4242;
	/* from a log of another host */
	json_object_set_new(proc_of(f), "source", json_string("auditd"));
	expect_proc_refused(f, "endpoint log");
	json_object_set_new(proc_of(f), "source", json_string("proc"));
	/* no start time: a reused pid could not be told */
	json_object_set_new(proc_of(f), "start_time", json_null());
	expect_proc_refused(f, "no start time");
	json_object_set_new(proc_of(f), "start_time", json_string("yesterday"));
	expect_proc_refused(f, "no start time");
	json_object_set_new(proc_of(f), "start_time", json_string(START));
	/* pids that are not a process to stop */
	json_object_set_new(proc_of(f), "pid", json_integer(-5));
	expect_proc_refused(f, "no valid pid");
	json_object_set_new(proc_of(f), "pid", json_string("4242"));
	expect_proc_refused(f, "no valid pid");
	json_object_set_new(proc_of(f), "pid", json_integer(1));
	expect_proc_refused(f, "init");
	json_object_set_new(proc_of(f), "pid", json_integer(getpid()));
	expect_proc_refused(f, "icmphound itself");
	/* without a probe nothing is looked up */
	json_object_set_new(proc_of(f), "pid", json_integer(4242));
	f->o.probe = NULL;
	expect_proc_refused(f, "no such process");
}

static void test_process_system_exe(void **state)
{
	struct fx *f = *state;
	json_object_set_new(proc_of(f), "exe", json_string("/usr/bin/ping"));
	snprintf(f->live.exe, sizeof(f->live.exe), "/usr/bin/ping");
	const struct ih_ct_plan *p = build(f);
	assert_int_equal(find(p, IH_CT_STOP_PROCESS)->state, IH_CT_PLANNED);
	assert_true(find(p, IH_CT_QUARANTINE)->proc.system_exe);
	assert_non_null(strstr(find(p, IH_CT_QUARANTINE)->command, "not done: a system executable"));
}

static void test_process_of_other_host_ignored(void **state)
{
	struct fx *f = *state;
	json_object_set_new(json_array_get(f->findings, 0), "src", json_string("10.77.0.99"));
	const struct ih_ct_plan *p = build(f);
	assert_null(find(p, IH_CT_STOP_PROCESS));
}

static void test_process_dedup_and_cap(void **state)
{
	struct fx *f = *state;
	/* the same pid in two findings: one action pair naming both */
	json_t *g = json_deep_copy(json_array_get(f->findings, 0));
	json_object_set_new(g, "id", json_string("F-00112233445566bb"));
	json_array_append_new(f->findings, g);
	/* ten more processes: at most IH_CT_MAX_PROCS are planned */
	for (int i = 0; i < 10; i++) {
		json_t *h = json_deep_copy(json_array_get(f->findings, 0));
		json_object_set_new(json_object_get(json_object_get(h, "evidence"), "process"), "pid", json_integer(5000 + i));
		json_array_append_new(f->findings, h);
	}
	const struct ih_ct_plan *p = build(f);
	unsigned stops = 0;
	for (unsigned i = 0; i < p->n; i++)
		stops += p->actions[i].kind == IH_CT_STOP_PROCESS;
	assert_int_equal(stops, IH_CT_MAX_PROCS);
	const struct ih_ct_action *s = find(p, IH_CT_STOP_PROCESS);
	assert_int_equal(s->nfindings, 2);
	assert_true(p->n <= IH_CT_MAX_ACTIONS);
}

/* ------------------------------------------------------------------ hostile incidents */

static void assert_clean(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if ((*c < 0x20 && *c != '\n') || *c >= 0x7f)
			fail_msg("unprintable byte 0x%02x in '%s'", *c, s);
}

static void test_hostile_strings(void **state)
{
	struct fx *f = *state;
	/* nft syntax in the address: not an address, no rule */
	expect_refused(f, "10.77.0.10 drop; flush ruleset", "not an IPv4 or IPv6 address");
	expect_refused(f, "10.77.0.10\" ; add rule inet x y drop ; \"", "not an IPv4 or IPv6 address");
	set_primary(f, "10.77.0.10");
	/* ids in the wrong shape never reach a comment or the list of findings */
	json_object_set_new(f->incident, "id", json_string("I-d6188caa1845e113\" drop"));
	json_t *fi = json_array_get(f->findings, 0);
	json_object_set_new(fi, "id", json_string("F-\"; flush ruleset; \""));
	json_object_set_new(fi, "kind", json_string("tunnel\x1b[2J"));
	/* a path with a quote, a newline and an escape sequence, the user too */
	static const char evil[] = "/home/bob/it's\n\x1b[31mred";
	json_object_set_new(proc_of(f), "exe", json_string(evil));
	json_object_set_new(proc_of(f), "user", json_string("bob\r\n\x07"));
	snprintf(f->live.exe, sizeof(f->live.exe), "%s", evil);
	f->o.isolate = true;
	const struct ih_ct_plan *p = build(f);
	assert_string_equal(p->incident, "I-invalid");
	for (unsigned i = 0; i < p->n; i++) {
		const struct ih_ct_action *a = &p->actions[i];
		assert_clean(a->why);
		assert_clean(a->command);
		assert_clean(a->refusal);
		assert_null(strstr(a->why, "flush"));
		assert_int_equal(a->nfindings, 0);
		for (unsigned r = 0; r < a->nrules; r++) {
			assert_null(strchr(a->rules[r].expr, '"'));
			assert_null(strchr(a->rules[r].expr, ';'));
			assert_true(strncmp(a->rules[r].comment, "icmphound A-", 12) == 0);
		}
	}
	const struct ih_ct_action *b = find(p, IH_CT_BLOCK_ICMP);
	assert_int_equal(b->state, IH_CT_PLANNED);
	assert_non_null(strstr(b->why, "finding (high) (invalid id)"));
	const struct ih_ct_action *q = find(p, IH_CT_QUARANTINE);
	assert_int_equal(q->state, IH_CT_PLANNED);
	/* one line for the chmod, the path quoted, the newline and ESC shown as \xNN */
	assert_non_null(strstr(q->command, "\nchmod a-x '/home/bob/it'\\''s\\x0a\\x1b[31mred'"));
	assert_non_null(strstr(find(p, IH_CT_STOP_PROCESS)->why, "user bob\\x0d\\x0a\\x07"));

	/* the JSON line carries the sanitized strings */
	json_t *j = ih_ct_action_json(p, q, true);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "action");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "process"), "exe")),
			    "/home/bob/it's\\x0a\\x1b[31mred");
	json_decref(j);
}

static void test_malformed_incident(void **state)
{
	struct fx *f = *state;
	char err[256];
	json_t *arr = json_array();
	assert_false(ih_ct_plan_build(arr, f->findings, &f->o, &f->plan, err, sizeof(err)));
	json_decref(arr);
	/* findings that are not objects, a process that is not an object, an empty incident */
	json_t *inc = js("{}");
	json_t *fs = js("[1, \"x\", null, {\"evidence\":{\"process\":[1]}}, {\"evidence\":\"no\"}]");
	assert_true(ih_ct_plan_build(inc, fs, &f->o, &f->plan, err, sizeof(err)));
	assert_string_equal(f->plan.incident, "I-invalid");
	assert_string_equal(f->plan.verdict, "unknown");
	assert_int_equal(f->plan.score, -1);
	assert_int_equal(find(&f->plan, IH_CT_BLOCK_ICMP)->state, IH_CT_REFUSED);
	assert_null(find(&f->plan, IH_CT_STOP_PROCESS));
	json_decref(inc);
	json_decref(fs);
	/* findings not an array */
	assert_true(ih_ct_plan_build(f->incident, NULL, &f->o, &f->plan, err, sizeof(err)));
	assert_int_equal(find(&f->plan, IH_CT_BLOCK_ICMP)->state, IH_CT_REFUSED);
}

static void test_shell_quote(void **state)
{
	(void)state;
	char out[128];
	ih_ct_shell_quote("/tmp/a b", out, sizeof(out));
	assert_string_equal(out, "'/tmp/a b'");
	ih_ct_shell_quote("it's", out, sizeof(out));
	assert_string_equal(out, "'it'\\''s'");
	ih_ct_shell_quote("$(reboot)`x`", out, sizeof(out));
	assert_string_equal(out, "'$(reboot)`x`'");
	ih_ct_shell_quote("\xff\t", out, sizeof(out));
	assert_string_equal(out, "'\\xff\\x09'");
	char tiny[8];
	ih_ct_shell_quote("abcdefghijkl", tiny, sizeof(tiny));
	assert_int_equal(tiny[0], '\'');
	assert_int_equal(tiny[strlen(tiny) - 1], '\'');
}

static void test_text_output(void **state)
{
	struct fx *f = *state;
	const struct ih_ct_plan *p = build(f);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_true(ih_ct_plan_print_text(p, true, m));
	fclose(m);
	assert_non_null(strstr(buf, "Dry run: nothing was changed."));
	assert_non_null(strstr(buf, "$ nft add rule inet icmphound forward ip saddr 10.77.0.10"));
	assert_non_null(strstr(buf, "Management networks (never blocked; isolation keeps them): 192.0.2.0/24, fd99::/16"));
	free(buf);
}

/* ------------------------------------------------------------------ rollback files */

static void test_rollback_file_hostile(void **state)
{
	(void)state;
	struct ih_ct_who who = { .user = "t", .uid = 0 };
	char err[512], path[] = "/tmp/ih-test-rb-XXXXXX";
	json_t *rep = NULL;
	assert_false(ih_ct_rollback("/nonexistent/rb.json", &who, 1, &rep, err, sizeof(err)));
	assert_null(rep);
	assert_non_null(strstr(err, "cannot open"));
	static const char *const bad[] = {
		"not json",
		"{\"type\":\"rollback\",\"version\":2,\"family\":\"inet\",\"table\":\"icmphound\",\"rules\":[],\"actions\":[]}",
		"{\"type\":\"rollback\",\"version\":1,\"family\":\"inet\",\"table\":\"x; flush ruleset\",\"rules\":[],\"actions\":[]}",
		"{\"type\":\"rollback\",\"version\":1,\"family\":\"ip\",\"table\":\"icmphound\",\"rules\":[],\"actions\":[]}",
		"{\"type\":\"evidence\",\"version\":1,\"family\":\"inet\",\"table\":\"icmphound\",\"rules\":[],\"actions\":[]}",
		"[]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
		close(fd);
		err[0] = '\0';
		assert_false(ih_ct_rollback(path, &who, 1, &rep, err, sizeof(err)));
		assert_null(rep);
		assert_true(strstr(err, "not an icmphound rollback file") || strstr(err, "not JSON"));
		unlink(path);
		strcpy(path, "/tmp/ih-test-rb-XXXXXX");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rules_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_v6_and_no_mgmt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mgmt_masked_and_several, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sensor_process_still_planned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_system_exe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_of_other_host_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_dedup_and_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shell_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_output, setup, teardown),
		cmocka_unit_test(test_rollback_file_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

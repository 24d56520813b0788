/* test_hunt.c — `icmphound hunt` over a store filled from several inputs and two sensors:
 * the lab sensor analysed the corpus captures (10.77.0.10 sweeps, then moves laterally), the
 * branch sensor a conn.log of the same attack a day later from 10.77.0.12
 * (tests/data/zeek/branch_sweep_lateral.conn.log). Run against SQLite, and by
 * tests/store/pg_suite.sh against PostgreSQL: the same SQL, the same answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "store/store.h"
#include "store_target.h"

static char target[512];
static char out[64];

static void analyze(const char *sensor, const char *rel)
{
	char path[512], o[64];
	snprintf(o, sizeof(o), "/tmp/ih-hunt-an-%d.jsonl", (int)getpid());
	char *argv[] = { "analyze", "--no-config", "--seed", "1", "-f", "jsonl", "-o", o, "--store", target,
			 "--sensor", (char *)sensor, test_data(rel, path, sizeof(path)), NULL };
	assert_int_equal(ih_cmd_analyze(13, argv), 0);
	unlink(o);
}

static int setup(void **state)
{
	(void)state;
	if (!fresh_target("ih_hunt", false, target, sizeof(target)))
		return -1;
	snprintf(out, sizeof(out), "/tmp/ih-hunt-out-%d.txt", (int)getpid());
	analyze("lab", "corpus/sweep_lateral.pcap");
	analyze("lab", "corpus/sweep_nmap.pcap");
	analyze("lab", "corpus/ping_troubleshoot.pcap");
	analyze("branch", "zeek/branch_sweep_lateral.conn.log");
	analyze("branch", "zeek/branch_sweep_lateral.conn.log"); /* twice: no duplicates */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(out);
	return remove_targets(state);
}

/* Runs `hunt ARGS... --store T -o OUT` and returns its exit status. */
static int hunt(const char *a0, ...)
{
	char *argv[32];
	int n = 0;
	argv[n++] = "hunt";
	va_list ap;
	va_start(ap, a0);
	for (const char *a = a0; a && n < 26; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n++] = "--store";
	argv[n++] = target;
	argv[n++] = "-o";
	argv[n++] = out;
	argv[n] = NULL;
	return ih_cmd_hunt(n, argv);
}

/* The JSON lines of the last hunt. */
static size_t rows(json_t **v, size_t max)
{
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	static char line[1 << 16];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		assert_non_null(o);
		if (n < max)
			v[n++] = o;
		else
			json_decref(o);
	}
	fclose(f);
	return n;
}

static void free_rows(json_t **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(v[i]);
}

static const char *s_(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static char *text(void)
{
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_sweeps(void **state)
{
	(void)state;
	json_t *v[64];
	assert_int_equal(hunt("sweeps", "-f", "jsonl", NULL), 0);
	size_t n = rows(v, 64);
	assert_true(n >= 2);
	bool lab = false, branch = false;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(s_(v[i], "query"), "sweeps");
		assert_true(json_integer_value(json_object_get(v[i], "hosts_probed")) >= 10);
		if (i)
			assert_true(strcmp(s_(v[i - 1], "first_seen"), s_(v[i], "first_seen")) <= 0);
		if (strcmp(s_(v[i], "src"), "10.77.0.10") == 0 && strcmp(s_(v[i], "sensor"), "lab") == 0)
			lab = true;
		if (strcmp(s_(v[i], "src"), "10.77.0.12") == 0) {
			branch = true;
			assert_string_equal(s_(v[i], "sensor"), "branch");
			assert_string_equal(s_(v[i], "range"), "10.78.0.32/27");
			assert_int_equal(json_integer_value(json_object_get(v[i], "hosts_answered")), 10);
		}
	}
	assert_true(lab && branch);
	free_rows(v, n);
	/* as a table: a header, one line a sweep, the count */
	assert_int_equal(hunt("sweeps", NULL), 0);
	char *t = text();
	assert_true(strncmp(t, "FIRST_SEEN", 10) == 0);
	char tail[64];
	snprintf(tail, sizeof(tail), "%zu sweeps by 2 hosts\n", n);
	assert_non_null(strstr(t, tail));
}

static void test_lateral(void **state)
{
	(void)state;
	json_t *v[16];
	assert_int_equal(hunt("lateral", "-f", "jsonl", NULL), 0);
	size_t n = rows(v, 16);
	assert_int_equal(n, 2);
	static const char *const src[2] = { "10.77.0.10", "10.77.0.12" };
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(s_(v[i], "src"), src[i]);
		json_t *sw = json_object_get(v[i], "sweep"), *lat = json_object_get(v[i], "lateral");
		assert_string_equal(s_(sw, "range"), "10.78.0.32/27");
		assert_true(strncmp(s_(sw, "finding"), "F-", 2) == 0);
		assert_string_equal(s_(lat, "sensor"), i ? "branch" : "lab");
		assert_int_equal(json_integer_value(json_object_get(lat, "hosts_touched")), 10);
		double d = json_real_value(json_object_get(v[i], "delay_s"));
		assert_true(d > 3.0 && d < 4.0);
	}
	free_rows(v, n);
	assert_int_equal(hunt("lateral", "--sensor", "branch", NULL), 0);
	assert_non_null(strstr(text(), "1 lateral movement finding after sweeps"));
}

static bool read_text(void *ctx, int ncol, const char *const *val)
{
	snprintf(ctx, 64, "%s", ncol && val[0] ? val[0] : "");
	return false;
}

static void test_like(void **state)
{
	(void)state;
	/* the lab incident of 10.77.0.10's sweep and lateral movement */
	char id[64] = "", err[512];
	struct ih_store *s = ih_store_open(target, NULL, err, sizeof(err));
	assert_non_null(s);
	assert_true(ih_store_select(s,
				    "SELECT i.id FROM incidents i JOIN incident_findings l ON l.sensor = i.sensor AND "
				    "l.incident = i.id JOIN findings f ON f.sensor = l.sensor AND f.id = l.finding "
				    "WHERE i.sensor = 'lab' AND f.kind = 'lateral_movement' ORDER BY i.id",
				    NULL, 0, read_text, id, err, sizeof(err)));
	ih_store_close(s, err, sizeof(err));
	assert_true(strncmp(id, "I-", 2) == 0);
	json_t *v[16];
	assert_int_equal(hunt("like", id, "-f", "jsonl", NULL), 0);
	size_t n = rows(v, 16);
	assert_int_equal(n, 1);
	assert_string_equal(s_(v[0], "host"), "10.77.0.12");
	json_t *kinds = json_object_get(v[0], "kinds");
	assert_int_equal(json_array_size(kinds), 2);
	assert_string_equal(json_string_value(json_array_get(kinds, 0)), "sweep");
	assert_string_equal(json_string_value(json_array_get(kinds, 1)), "lateral_movement");
	assert_true(json_array_size(json_object_get(v[0], "techniques")) >= 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v[0], "sensors"), 0)), "branch");
	free_rows(v, n);
	assert_int_equal(hunt("like", id, NULL), 0);
	assert_non_null(strstr(text(), "1 other host like 10.77.0.10"));
	assert_int_equal(hunt("like", "I-0000000000000000", NULL), IH_EXIT_USAGE);
}

static void test_timeline(void **state)
{
	(void)state;
	json_t *v[256];
	assert_int_equal(hunt("timeline", "10.78.0.33", "-f", "jsonl", NULL), 0);
	size_t n = rows(v, 256);
	unsigned findings = 0, hours = 0, incidents = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = s_(v[i], "event");
		if (i)
			assert_true(strcmp(s_(v[i - 1], "time"), s_(v[i], "time")) <= 0);
		if (strcmp(e, "finding") == 0) {
			findings++;
			assert_string_equal(s_(v[i], "role"), "in range of");
		} else if (strcmp(e, "icmp_hour") == 0) {
			hours++;
		} else if (strcmp(e, "incident") == 0) {
			incidents++;
		}
	}
	assert_true(findings >= 4); /* a sweep and lateral movement from each sensor */
	assert_true(hours >= 2);    /* it answered pings on both days */
	assert_true(incidents >= 2);
	free_rows(v, n);
	assert_int_equal(hunt("timeline", "not-an-address", NULL), IH_EXIT_USAGE);
}

static void test_findings_filters(void **state)
{
	(void)state;
	json_t *v[128];
	size_t n;
	assert_int_equal(hunt("findings", "--technique", "T1021", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(s_(v[i], "type"), "finding"); /* the stored line itself */
		assert_string_equal(s_(v[i], "kind"), "lateral_movement");
	}
	free_rows(v, n);

	assert_int_equal(hunt("findings", "--sensor", "branch", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(s_(v[i], "sensor"), "branch");
	free_rows(v, n);

	/* relative times count back from --now; absolute ones are RFC 3339 */
	assert_int_equal(hunt("findings", "--since", "12h", "--now", "2026-11-26T12:00:00Z", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_int_equal(n, 2);
	free_rows(v, n);
	assert_int_equal(hunt("findings", "--until", "2026-11-25T23:00:00Z", "--kind", "sweep", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(s_(v[i], "src"), "10.77.0.10");
	free_rows(v, n);

	assert_int_equal(hunt("findings", "--severity", "high", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++)
		assert_true(strcmp(s_(v[i], "severity"), "high") == 0 || strcmp(s_(v[i], "severity"), "critical") == 0);
	free_rows(v, n);

	assert_int_equal(hunt("findings", "--host", "10.77.0.12", "--kind", "sweep", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_int_equal(n, 1);
	free_rows(v, n);

	assert_int_equal(hunt("findings", "--limit", "1", "-f", "jsonl", NULL), 0);
	n = rows(v, 128);
	assert_int_equal(n, 1);
	free_rows(v, n);

	/* the text table ends with its count */
	assert_int_equal(hunt("findings", "--technique", "T1018", NULL), 0);
	assert_non_null(strstr(text(), " findings\n"));
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(hunt("nonsense", NULL), IH_EXIT_USAGE);
	assert_int_equal(hunt("like", NULL), IH_EXIT_USAGE);
	assert_int_equal(hunt("sweeps", "extra", NULL), IH_EXIT_USAGE);
	assert_int_equal(hunt("findings", "--since", "yesterday", NULL), IH_EXIT_USAGE);
	assert_int_equal(hunt("findings", "--severity", "bad", NULL), IH_EXIT_USAGE);
	char *argv[] = { "hunt", "sweeps", "--store", "/nonexistent/dir/none.db", NULL };
	assert_int_equal(ih_cmd_hunt(4, argv), IH_EXIT_OPEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweeps),
		cmocka_unit_test(test_lateral),
		cmocka_unit_test(test_like),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_findings_filters),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name(pg_host() ? "hunt (postgresql)" : "hunt (sqlite)", tests, setup, teardown);
}

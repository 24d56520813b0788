/* test_readback.c — the store read back as JSON lines (src/store/readback.c): what `analyze
 * --store` wrote comes back equal to what it printed, filters select what they say, and a row a
 * hand-edited database holds in a shape that cannot be read is an error naming the table and
 * the row, never a crash.
 *
 * SQLite in a temporary directory under meson; tests/store/pg_suite.sh runs the same binary
 * against its private PostgreSQL cluster (IH_TEST_PG_HOST). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "report/finding.h"
#include "store/readback.h"
#include "store/record.h"
#include "store/store.h"
#include "store_open.h"
#include "store_target.h"

static struct ih_store *open_store(const char *target, const char *sensor)
{
	return open_store_rows(target, sensor, 0);
}

static int run_analyze(const char *store, const char *sensor, const char *input, const char *out)
{
	/* in-process: the sandbox analyze enters would stay on for the rest of the test (and --set
	 * writes into its argument: a writable copy) */
	char nosandbox[] = "sandbox=0";
	char *argv[] = { "analyze", "--no-config", "--set", nosandbox, "--seed", "1", "--format", "jsonl", "-o", (char *)out,
			 "--store", (char *)store, "--sensor", (char *)sensor, (char *)input, NULL };
	return ih_cmd_analyze(15, argv);
}

/* The lines of a JSON lines file of the given type, as an array. */
static json_t *lines_of(const char *path, const char *type)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	json_t *a = json_array();
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		assert_non_null(o);
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
			json_array_append(a, o);
		json_decref(o);
	}
	free(line);
	fclose(f);
	return a;
}

/* o without the keys readback adds. */
static json_t *without_added(const json_t *o)
{
	json_t *c = json_deep_copy(o);
	json_object_del(c, "sensor");
	json_object_del(c, "input");
	return c;
}

static void assert_same_docs(const json_t *printed, const json_t *read)
{
	assert_int_equal(json_array_size(printed), json_array_size(read));
	for (size_t i = 0; i < json_array_size(printed); i++) {
		json_t *r = without_added(json_array_get(read, i));
		if (!json_equal(json_array_get(printed, i), r)) {
			char *a = json_dumps(json_array_get(printed, i), JSON_COMPACT);
			char *b = json_dumps(r, JSON_COMPACT);
			fail_msg("row %zu differs:\nprinted %.400s\nread    %.400s", i, a, b);
		}
		json_decref(r);
	}
}

/* ------------------------------------------------------------------ tests */

static void test_roundtrip_analyze(void **state)
{
	(void)state;
	char t[512], cap[512], out[64], err[512];
	assert_non_null(fresh_target("ih_readback_rt", true, t, sizeof(t)));
	test_data("corpus/case_seed.pcap", cap, sizeof(cap));
	snprintf(out, sizeof(out), "/tmp/ih-readback-%d.jsonl", (int)getpid());
	assert_int_equal(run_analyze(t, "s1", cap, out), 0);
	json_t *pf = lines_of(out, "finding"), *pi = lines_of(out, "incident");
	assert_true(json_array_size(pf) > 0);
	assert_true(json_array_size(pi) > 0);

	struct ih_store *s = open_store(t, "reader");
	json_t *rf = NULL, *ri = NULL;
	assert_true(ih_store_read_findings(s, NULL, &rf, err, sizeof(err)));
	assert_true(ih_store_read_incidents(s, NULL, &ri, err, sizeof(err)));
	/* same objects, same keys in the same order: findings by time, incidents most severe first */
	assert_same_docs(pf, rf);
	assert_same_docs(pi, ri);
	json_t *f0 = json_array_get(rf, 0);
	assert_string_equal(json_string_value(json_object_get(f0, "sensor")), "s1");
	char iid[32];
	unsigned long long size;
	assert_true(ih_input_id(cap, iid, sizeof(iid), &size));
	assert_string_equal(json_string_value(json_object_get(f0, "input")), iid);

	/* one incident by id, in lower case: its findings in its order, its input */
	json_t *inc0 = json_array_get(pi, 0);
	char lower[32];
	snprintf(lower, sizeof(lower), "%s", json_string_value(json_object_get(inc0, "id")));
	lower[0] = 'i';
	for (char *p = lower + 2; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	json_t *inc = NULL, *fs = NULL, *ins = NULL;
	assert_true(ih_store_read_incident(s, lower, &inc, &fs, &ins, err, sizeof(err)));
	json_t *ic = without_added(inc);
	assert_true(json_equal(ic, inc0));
	json_decref(ic);
	json_t *ids = json_object_get(inc0, "findings");
	assert_int_equal(json_array_size(fs), json_array_size(ids));
	for (size_t i = 0; i < json_array_size(ids); i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(fs, i), "id")),
				    json_string_value(json_array_get(ids, i)));
	assert_int_equal(json_array_size(ins), 1);
	json_t *in0 = json_array_get(ins, 0);
	assert_string_equal(json_string_value(json_object_get(in0, "id")), iid);
	assert_string_equal(json_string_value(json_object_get(in0, "name")), cap);
	assert_string_equal(json_string_value(json_object_get(in0, "format")), "pcap");
	assert_int_equal(json_integer_value(json_object_get(in0, "size")), (json_int_t)size);
	assert_true(json_is_string(json_object_get(in0, "first_seen")));
	assert_true(json_integer_value(json_object_get(in0, "packets")) > 0);
	json_decref(inc);
	json_decref(fs);
	json_decref(ins);

	/* only the OUT pointers asked for */
	assert_true(ih_store_read_incident(s, lower, NULL, NULL, NULL, err, sizeof(err)));

	json_t *all = NULL;
	assert_true(ih_store_read_inputs(s, NULL, &all, err, sizeof(err)));
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);

	/* an id that is not there */
	assert_false(ih_store_read_incident(s, "I-0000000000000000", &inc, &fs, &ins, err, sizeof(err)));
	assert_non_null(strstr(err, "no incident I-0000000000000000 in the store"));
	assert_null(inc);

	json_decref(rf);
	json_decref(ri);
	json_decref(pf);
	json_decref(pi);
	close_store(s);
	unlink(out);
}

static json_t *finding(const char *id, const char *src, const char *dst, uint64_t first_ns, uint64_t last_ns)
{
	char t1[40], t2[40];
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:s,s:s,s:s,s:[s],s:s,s:{s:i}}", "type", "finding", "id", id, "kind",
			 "sweep", "severity", "medium", "confidence", 0.75, "src", src, "dst", dst, "first_seen",
			 ih_time_str(first_ns, t1, sizeof(t1)), "last_seen", ih_time_str(last_ns, t2, sizeof(t2)),
			 "mitre", "T1018", "summary", "a test finding", "evidence", "probes", 10);
}

static json_t *incident(const char *id, const char *verdict, int score, const char *primary, const char *other,
			uint64_t first_ns, const char *fid)
{
	char t1[40], t2[40];
	return json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:[s,s],s:s,s:s,s:[s],s:[],s:s}", "type", "incident", "id", id,
			 "verdict", verdict, "score", score, "severity", "medium", "primary", primary, "hosts", primary,
			 other, "first_seen", ih_time_str(first_ns, t1, sizeof(t1)), "last_seen",
			 ih_time_str(first_ns + 1000000000ull, t2, sizeof(t2)), "findings", fid, "mitre", "summary", "x");
}

#define T0 1795569087000000000ull
#define SEC 1000000000ull

static void put(struct ih_store *s, json_t *o, bool is_incident)
{
	char err[512];
	bool ok = is_incident ? ih_store_put_incident(s, o, "I-00000000000000aa", err, sizeof(err))
			      : ih_store_put_finding(s, o, "I-00000000000000aa", err, sizeof(err));
	if (!ok)
		fail_msg("put: %s", err);
	json_decref(o);
}

static size_t n_read(struct ih_store *s, const struct ih_store_filter *f, bool incidents, const char *first_id)
{
	char err[512];
	json_t *a = NULL;
	bool ok = incidents ? ih_store_read_incidents(s, f, &a, err, sizeof(err))
			    : ih_store_read_findings(s, f, &a, err, sizeof(err));
	if (!ok)
		fail_msg("read: %s", err);
	size_t n = json_array_size(a);
	if (first_id && n)
		assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "id")), first_id);
	json_decref(a);
	return n;
}

static void test_filters_and_order(void **state)
{
	(void)state;
	char t[512];
	assert_non_null(fresh_target("ih_readback_filters", false, t, sizeof(t)));
	struct ih_store *a = open_store(t, "alpha");
	put(a, finding("F-0000000000000002", "10.0.0.1", "10.0.0.9", T0 + 10 * SEC, T0 + 20 * SEC), false);
	put(a, finding("F-0000000000000001", "10.0.0.2", "10.0.0.1", T0, T0 + 5 * SEC), false);
	put(a, incident("I-000000000000000b", "suspicious", 20, "10.0.0.2", "10.0.0.1", T0, "F-0000000000000001"), true);
	put(a, incident("I-000000000000000a", "malicious", 70, "10.0.0.1", "10.0.0.9", T0 + 10 * SEC,
			"F-0000000000000002"),
	    true);
	close_store(a);
	struct ih_store *b = open_store(t, "beta");
	put(b, finding("F-0000000000000003", "10.0.0.3", "10.0.0.0/24", T0 + 100 * SEC, T0 + 200 * SEC), false);
	put(b, incident("I-000000000000000c", "benign", 0, "10.0.0.3", "10.0.0.4", T0 + 100 * SEC, "F-0000000000000003"),
	    true);

	assert_int_equal(n_read(b, NULL, false, "F-0000000000000001"), 3);   /* oldest first */
	assert_int_equal(n_read(b, NULL, true, "I-000000000000000a"), 3);    /* malicious first */
	struct ih_store_filter f = { .sensor = "beta" };
	assert_int_equal(n_read(b, &f, false, "F-0000000000000003"), 1);
	assert_int_equal(n_read(b, &f, true, "I-000000000000000c"), 1);
	f = (struct ih_store_filter){ .host = "10.0.0.1" };
	assert_int_equal(n_read(b, &f, false, NULL), 2);                     /* as src and as dst */
	assert_int_equal(n_read(b, &f, true, "I-000000000000000a"), 2);      /* primary, and among hosts */
	f = (struct ih_store_filter){ .host = "10.0.0.10" };                   /* not a prefix match */
	assert_int_equal(n_read(b, &f, false, NULL), 0);
	assert_int_equal(n_read(b, &f, true, NULL), 0);
	/* overlap of [first, last] with [since, until) */
	f = (struct ih_store_filter){ .since_ns = T0 + 15 * SEC, .until_ns = T0 + 100 * SEC };
	assert_int_equal(n_read(b, &f, false, "F-0000000000000002"), 1);
	f = (struct ih_store_filter){ .since_ns = T0 + 15 * SEC, .until_ns = T0 + 100 * SEC + 1000 };
	assert_int_equal(n_read(b, &f, false, NULL), 2);
	f = (struct ih_store_filter){ .until_ns = T0 + 1 * SEC };
	assert_int_equal(n_read(b, &f, false, "F-0000000000000001"), 1);

	/* the incident picks its own sensor's findings */
	char err[512];
	json_t *inc = NULL, *fs = NULL;
	assert_true(ih_store_read_incident(b, "I-000000000000000C", &inc, &fs, NULL, err, sizeof(err)));
	assert_string_equal(json_string_value(json_object_get(inc, "sensor")), "beta");
	assert_int_equal(json_array_size(fs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 0), "id")), "F-0000000000000003");
	json_decref(inc);
	json_decref(fs);
	close_store(b);
}

/* Makes one row of a table unreadable and checks the read fails with a message naming it. */
static void corrupt_and_check(const char *t, const char *sql, const char *value, bool incidents, const char *want)
{
	struct ih_store *s = open_store(t, "s1");
	char err[512];
	struct ih_sqlv p[1] = { IH_SQLV_TEXT(value) };
	assert_true(ih_store_queue(s, sql, p, 1, err, sizeof(err)));
	assert_true(ih_store_flush(s, err, sizeof(err)));
	json_t *a = (json_t *)0x1;
	err[0] = '\0';
	bool ok = incidents ? ih_store_read_incidents(s, NULL, &a, err, sizeof(err))
			    : ih_store_read_findings(s, NULL, &a, err, sizeof(err));
	assert_false(ok);
	assert_ptr_equal(a, (json_t *)0x1); /* untouched on failure */
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
	close_store(s);
}

static void test_corrupt_rows(void **state)
{
	(void)state;
	char t[512];
	assert_non_null(fresh_target("ih_readback_corrupt", false, t, sizeof(t)));
	struct ih_store *s = open_store(t, "s1");
	put(s, finding("F-00000000000000f1", "10.0.0.1", "10.0.0.9", T0, T0 + SEC), false);
	put(s, incident("I-00000000000000e1", "malicious", 70, "10.0.0.1", "10.0.0.9", T0, "F-00000000000000f1"), true);
	close_store(s);

	static const char *const bad[] = {
		"{\"type\":\"finding\",\"id\":", /* cut short */
		"[1,2,3]",                       /* not an object */
		"{\"type\":\"incident\",\"id\":\"F-00000000000000f1\"}", /* not a finding */
		"{\"type\":\"finding\",\"id\":\"F-00000000000000f2\"}",  /* another row's id */
		"{\"type\":\"finding\",\"id\":\"F-00000000000000f1\",\"id\":\"x\"}", /* duplicate key */
		"",
		"\xff\xfe", /* not UTF-8: SQLite keeps it, PostgreSQL refuses it (last, skipped there) */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) - (pg_host() ? 1 : 0); i++)
		corrupt_and_check(t, "UPDATE findings SET doc = $1", bad[i], false, "findings row s1/F-00000000000000f1");
	corrupt_and_check(t, "UPDATE incidents SET doc = $1", "{\"type\":\"incident\",\"id\":\"I-00000000000000e1\"}",
			  true, "incidents row s1/I-00000000000000e1: doc has no findings array");
	corrupt_and_check(t, "UPDATE incidents SET doc = $1", "null", true, "incidents row s1/I-00000000000000e1");

	/* one incident: its doc, and then its findings, fail the same way */
	s = open_store(t, "s1");
	char err[512];
	json_t *inc = NULL;
	assert_false(ih_store_read_incident(s, "I-00000000000000e1", &inc, NULL, NULL, err, sizeof(err)));
	assert_null(inc);
	assert_non_null(strstr(err, "incidents row s1/I-00000000000000e1"));
	close_store(s);

	/* an input row whose numbers are not numbers */
	s = open_store(t, "s1");
	struct ih_store_input in = { .id = "I-00000000000000aa", .name = "x.pcap", .format = "pcap", .size = 10,
				     .first_ns = T0, .last_ns = T0 + SEC, .packets = 3 };
	assert_true(ih_store_put_input(s, &in, err, sizeof(err)));
	assert_true(ih_store_flush(s, err, sizeof(err)));
	json_t *a = NULL;
	assert_true(ih_store_read_inputs(s, NULL, &a, err, sizeof(err)));
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	if (!pg_host()) { /* PostgreSQL's BIGINT column refuses text; SQLite keeps it */
		struct ih_sqlv p[1] = { IH_SQLV_TEXT("twelve") };
		assert_true(ih_store_queue(s, "UPDATE inputs SET size = $1", p, 1, err, sizeof(err)));
		a = NULL;
		assert_false(ih_store_read_inputs(s, NULL, &a, err, sizeof(err)));
		assert_null(a);
		assert_non_null(strstr(err, "inputs row s1/I-00000000000000aa: bad id, name, size or packets"));
	}
	close_store(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_analyze),
		cmocka_unit_test(test_filters_and_order),
		cmocka_unit_test(test_corrupt_rows),
	};
	return cmocka_run_group_tests_name(pg_host() ? "readback (postgresql)" : "readback (sqlite)", tests, NULL,
					   remove_targets);
}

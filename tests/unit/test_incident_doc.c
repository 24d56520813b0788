/* test_incident_doc.c — one incident loaded as a document (src/report/incident_doc.c): from the
 * JSON lines `analyze` wrote and from the store it recorded, the same incident and findings; by
 * id in any case or by host; and every malformed line an error "FILE: line N: ...". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "report/incident_doc.h"
#include "store_target.h"

static char tmpdir[64];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ih-incdoc-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return -1;
	return remove_targets(state);
}

static const char *tmp_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int run_analyze(const char *store, const char *input, const char *out)
{
	/* in-process: the sandbox analyze enters would stay on for the rest of the test (and --set
	 * writes into its argument: a writable copy) */
	char nosandbox[] = "sandbox=0";
	char *argv[] = { "analyze", "--no-config", "--set", nosandbox, "--seed", "1", "--format", "jsonl", "-o", (char *)out,
			 "--store", (char *)store, "--sensor", "s1", (char *)input, NULL };
	return ih_cmd_analyze(15, argv);
}

/* The first incident line of a JSON lines file (the most severe). */
static json_t *first_incident(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *line = NULL;
	size_t cap = 0;
	json_t *hit = NULL;
	while (!hit && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		assert_non_null(o);
		if (strcmp(json_string_value(json_object_get(o, "type")), "incident") == 0)
			hit = o;
		else
			json_decref(o);
	}
	free(line);
	fclose(f);
	assert_non_null(hit);
	return hit;
}

/* ------------------------------------------------------------------ from analysis and store */

static void test_jsonl_and_store_agree(void **state)
{
	(void)state;
	char t[512], cap[512], out[256], err[512];
	assert_non_null(fresh_target("ih_incdoc", false, t, sizeof(t)));
	test_data("corpus/case_seed.pcap", cap, sizeof(cap));
	tmp_path("seed.jsonl", out, sizeof(out));
	assert_int_equal(run_analyze(t, cap, out), 0);
	json_t *want = first_incident(out);
	const char *id = json_string_value(json_object_get(want, "id"));
	const char *primary = json_string_value(json_object_get(want, "primary"));

	struct ih_incident_doc a, b, c;
	if (!ih_incident_doc_load(&a, id, out, NULL, err, sizeof(err)))
		fail_msg("jsonl: %s", err);
	if (!ih_incident_doc_load(&b, id, NULL, t, err, sizeof(err)))
		fail_msg("store: %s", err);
	if (!ih_incident_doc_load(&c, primary, out, NULL, err, sizeof(err)))
		fail_msg("host: %s", err);
	assert_true(json_equal(a.incident, want));
	assert_true(json_equal(c.incident, want));
	assert_string_equal(a.origin, out);
	assert_non_null(strstr(b.origin, "store "));
	json_object_del(b.incident, "sensor");
	assert_true(json_equal(b.incident, want));
	/* the findings, in the incident's order, equal from both places */
	json_t *ids = json_object_get(want, "findings");
	assert_int_equal(json_array_size(a.findings), json_array_size(ids));
	assert_int_equal(json_array_size(b.findings), json_array_size(ids));
	for (size_t i = 0; i < json_array_size(ids); i++) {
		json_t *fa = json_array_get(a.findings, i), *fb = json_deep_copy(json_array_get(b.findings, i));
		assert_string_equal(json_string_value(json_object_get(fa, "id")), json_string_value(json_array_get(ids, i)));
		json_object_del(fb, "sensor");
		json_object_del(fb, "input");
		assert_true(json_equal(fa, fb));
		json_decref(fb);
	}
	/* inputs: from the stats line's store object, and from the store's inputs table */
	assert_int_equal(json_array_size(a.inputs), 1);
	assert_int_equal(json_array_size(b.inputs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a.inputs, 0), "name")), cap);
	assert_string_equal(json_string_value(json_object_get(json_array_get(b.inputs, 0), "name")), cap);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a.inputs, 0), "id")),
			    json_string_value(json_object_get(json_array_get(b.inputs, 0), "id")));
	ih_incident_doc_free(&a);
	ih_incident_doc_free(&b);
	ih_incident_doc_free(&c);
	ih_incident_doc_free(&c); /* twice is harmless */

	/* the host from the store; and lower case ids */
	assert_true(ih_incident_doc_load(&b, primary, NULL, t, err, sizeof(err)));
	assert_string_equal(json_string_value(json_object_get(b.incident, "id")), id);
	ih_incident_doc_free(&b);
	char lower[40];
	snprintf(lower, sizeof(lower), "%s", id);
	for (char *p = lower; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	assert_true(ih_incident_doc_load(&b, lower, NULL, t, err, sizeof(err)));
	ih_incident_doc_free(&b);
	assert_true(ih_incident_doc_load(&a, lower, out, NULL, err, sizeof(err)));
	ih_incident_doc_free(&a);

	/* not there */
	assert_false(ih_incident_doc_load(&a, "I-0000000000000000", out, NULL, err, sizeof(err)));
	assert_null(a.incident);
	assert_non_null(strstr(err, "no incident I-0000000000000000"));
	assert_non_null(strstr(err, id)); /* the message lists what is there */
	assert_false(ih_incident_doc_load(&a, "I-0000000000000000", NULL, t, err, sizeof(err)));
	assert_non_null(strstr(err, "no incident I-0000000000000000 in the store"));
	assert_false(ih_incident_doc_load(&a, "192.0.2.99", NULL, t, err, sizeof(err)));
	assert_non_null(strstr(err, "no incident of host 192.0.2.99"));
	assert_false(ih_incident_doc_load(&a, "bogus", out, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "neither an incident id"));
	if (!pg_host()) {
		char missing[300];
		tmp_path("nothing-here.db", missing, sizeof(missing));
		assert_false(ih_incident_doc_load(&a, id, NULL, missing, err, sizeof(err)));
		assert_non_null(strstr(err, "no store at"));
		assert_int_equal(access(missing, F_OK), -1); /* not created */
	}
	assert_false(ih_incident_doc_load(&a, id, "/nonexistent/x.jsonl", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open /nonexistent/x.jsonl"));
	json_decref(want);
}

/* ------------------------------------------------------------------ hostile JSON lines */

#define F1 "{\"type\":\"finding\",\"id\":\"F-1\",\"src\":\"10.0.0.1\"}\n"
#define I1 "{\"type\":\"incident\",\"id\":\"I-00000000000000a1\",\"primary\":\"10.0.0.1\",\"findings\":[\"F-1\"]}\n"

static void expect_error(const char *text, size_t len, const char *id, const char *want)
{
	char path[256], err[512];
	tmp_path("bad.jsonl", path, sizeof(path));
	write_file(path, text, len);
	struct ih_incident_doc d;
	assert_false(ih_incident_doc_load(&d, id, path, NULL, err, sizeof(err)));
	assert_null(d.incident);
	assert_null(d.findings);
	char full[600];
	snprintf(full, sizeof(full), "%s: %s", path, want);
	if (strncmp(err, full, strlen(full)) != 0)
		fail_msg("error '%s' is not '%s...'", err, full);
}

static void test_malformed_lines(void **state)
{
	(void)state;
	const char *id = "I-00000000000000a1";
	expect_error(F1 "{\"type\":\"finding\"\n" I1, strlen(F1) + 18 + strlen(I1), id, "line 2: not JSON:");
	expect_error(F1 "[1,2]\n" I1, strlen(F1) + 6 + strlen(I1), id, "line 2: not a JSON object with a string \"type\"");
	expect_error(F1 "{\"type\":7}\n", strlen(F1) + 11, id, "line 2: not a JSON object");
	expect_error("\n\n{\"type\":\"finding\"}\n", 21, id, "line 3: a finding without a string \"id\"");
	expect_error("{\"type\":\"incident\",\"id\":\"I-1\"}\n", 31, id, "line 1: incident I-1 without a \"findings\" array");
	expect_error(F1 "{\"type\":\"finding\",\"id\":\"F-2\",\"id\":\"F-3\"}\n", strlen(F1) + 42, id, "line 2: not JSON:");
	static const char nul[] = "{\"type\":\"finding\",\"id\":\"F-1\"}\0{\"type\":\"x\"}\n";
	expect_error(nul, sizeof(nul) - 1, id, "line 1: holds a NUL byte");
	/* the incident lists a finding the file does not hold */
	expect_error(I1, strlen(I1), id, "incident I-00000000000000a1 lists finding F-1, which is not there");
	expect_error(F1 F1, 2 * strlen(F1), id, "no incident I-00000000000000a1 (0 incidents)");
	expect_error("", 0, id, "no incident I-00000000000000a1 (0 incidents)");

	/* a line over the cap: refused without holding it */
	size_t big = IH_DOC_MAX_LINE + 10;
	char *b = malloc(big + strlen(I1) + strlen(F1) + 1);
	assert_non_null(b);
	memcpy(b, F1, strlen(F1));
	memset(b + strlen(F1), ' ', big);
	b[strlen(F1) + big - 1] = '\n';
	memcpy(b + strlen(F1) + big, I1, strlen(I1));
	expect_error(b, strlen(F1) + big + strlen(I1), id, "line 2: longer than");
	free(b);
}

static void test_tolerated_lines(void **state)
{
	(void)state;
	/* blank lines, CRLF, types this version does not know, a duplicate finding line (the first
	 * is taken), other incidents, no final newline */
	static const char text[] = "\r\n" F1 "{\"type\":\"future\",\"x\":1}\r\n"
				   "{\"type\":\"finding\",\"id\":\"F-1\",\"src\":\"other\"}\n"
				   "{\"type\":\"incident\",\"id\":\"I-2\",\"primary\":\"10.0.0.2\",\"findings\":[]}\n"
				   "   \n"
				   "{\"type\":\"incident\",\"id\":\"I-00000000000000a1\",\"primary\":\"10.0.0.1\",\"findings\":[\"F-1\"]}";
	char path[256], err[512];
	tmp_path("ok.jsonl", path, sizeof(path));
	write_file(path, text, sizeof(text) - 1);
	struct ih_incident_doc d;
	if (!ih_incident_doc_load(&d, "10.0.0.1", path, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(json_string_value(json_object_get(d.incident, "id")), "I-00000000000000a1");
	assert_int_equal(json_array_size(d.findings), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d.findings, 0), "src")), "10.0.0.1");
	assert_int_equal(json_array_size(d.inputs), 0);
	ih_incident_doc_free(&d);

	/* from memory, as the fuzzer reads it */
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_non_null(f);
	assert_true(ih_incident_doc_load_stream(&d, "i-00000000000000A1", f, "mem", err, sizeof(err)));
	fclose(f);
	ih_incident_doc_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_and_store_agree),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_tolerated_lines),
	};
	return cmocka_run_group_tests_name("incident_doc", tests, make_tmp, remove_tmp);
}

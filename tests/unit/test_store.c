/* test_store.c — the store: migrations, idempotent rows, batches that survive a lost connection,
 * a kill -9 in the middle of writing, two sensors at once, and the history that baselines read.
 *
 * Run by meson against SQLite (a temporary file per test). tests/store/pg_suite.sh runs the
 * same binary again against a private PostgreSQL cluster (IH_TEST_PG_HOST), where the lost
 * connection is real: pg_terminate_backend from a second connection in the middle of a batch,
 * and a server restart (IH_TEST_PG_RESTART) in the middle of another. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "core/timeparse.h"
#include "store/record.h"
#include "store/store.h"
#include "store_open.h"
#include "store_target.h"

/* ------------------------------------------------------------------ helpers */

static bool read_ll(void *ctx, int ncol, const char *const *val)
{
	*(long long *)ctx = ncol && val[0] ? atoll(val[0]) : -1;
	return false;
}

static long long count(struct ih_store *s, const char *sql)
{
	long long v = -1;
	char err[512];
	if (!ih_store_select(s, sql, NULL, 0, read_ll, &v, err, sizeof(err)))
		fail_msg("%s: %s", sql, err);
	return v;
}

static struct ih_store *open_store(const char *target, const char *sensor)
{
	return open_store_rows(target, sensor, 1000);
}

static json_t *finding(unsigned batch, unsigned row, const char *kind)
{
	char id[32], t1[40], t2[40];
	snprintf(id, sizeof(id), "F-%08x%08x", batch, row);
	uint64_t ns = 1795569087000000000ull + (uint64_t)batch * 1000000000ull + row * 1000ull;
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:s,s:s,s:s,s:[s],s:s,s:{s:i}}", "type", "finding", "id", id,
			 "kind", kind, "severity", "medium", "confidence", 0.9, "src", "10.77.0.10", "dst", "10.78.0.32/27",
			 "first_seen", ih_time_str(ns, t1, sizeof(t1)), "last_seen", ih_time_str(ns + 1000, t2, sizeof(t2)),
			 "mitre", "T1018", "summary", "a test finding", "evidence", "batch", (int)batch);
}

static void put_batch(struct ih_store *s, unsigned batch, unsigned rows)
{
	char err[512];
	for (unsigned r = 0; r < rows; r++) {
		json_t *f = finding(batch, r, "sweep");
		assert_true(ih_store_put_finding(s, f, "I-test", err, sizeof(err)));
		json_decref(f);
	}
}

/* ------------------------------------------------------------------ migrations */

static void test_migrations(void **state)
{
	(void)state;
	char t[512], err[512];
	assert_non_null(fresh_target("ih_migrations", false, t, sizeof(t)));
	struct ih_store_opts o = { .sensor = "m" };
	struct ih_store *s = ih_store_open_at(t, &o, 1, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ih_store_schema_version(s), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM findings"), 0);
	close_store(s);
	/* the next open applies what is missing, in order, once */
	s = open_store(t, "m");
	assert_int_equal(ih_store_schema_version(s), ih_store_schema_latest());
	assert_int_equal(count(s, "SELECT count(*) FROM schema_version"), ih_store_schema_latest());
	assert_int_equal(count(s, "SELECT min(version) FROM schema_version"), 1);
	close_store(s);
	s = open_store(t, "m");
	assert_int_equal(count(s, "SELECT count(*) FROM schema_version"), ih_store_schema_latest());
	/* a database from a newer icmphound is refused, not damaged */
	char e2[512];
	struct ih_sqlv p[1] = { IH_SQLV_INT(ih_store_schema_latest() + 5) };
	assert_true(ih_store_queue(s, "INSERT INTO schema_version (version, description, applied_us) VALUES ($1, 'future', 0)",
				   p, 1, e2, sizeof(e2)));
	close_store(s);
	assert_null(ih_store_open(t, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));
}

/* ------------------------------------------------------------------ idempotency */

static void test_idempotent_rows(void **state)
{
	(void)state;
	char t[512], err[512];
	assert_non_null(fresh_target("ih_idem", false, t, sizeof(t)));
	for (int pass = 0; pass < 2; pass++) {
		struct ih_store *s = open_store(t, "idem");
		put_batch(s, 1, 10);
		struct ih_store_hourly h = { "10.77.0.10", 1795568400, "I-1", 54, 1512, 54, 0, 32, "{\"echo-request\":54}" };
		assert_true(ih_store_put_hourly(s, &h, err, sizeof(err)));
		struct ih_store_peer pr = { "10.77.0.10", "203.0.113.7", "I-1", 1, 2, 3 };
		assert_true(ih_store_put_peer(s, &pr, err, sizeof(err)));
		struct ih_store_input in = { "I-1", "x.pcap", "pcap", 100, 1, 2, 3 };
		assert_true(ih_store_put_input(s, &in, err, sizeof(err)));
		json_t *inc = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:[s,s],s:s,s:s,s:[s,s],s:[{s:s}]}", "type", "incident",
					"id", "I-0000000000000001", "verdict", "malicious", "score", 70, "severity", "high",
					"primary", "10.77.0.10", "hosts", "10.77.0.10", "10.78.0.33", "first_seen",
					"2026-11-25T01:11:27.671175Z", "last_seen", "2026-11-25T01:11:32.216442Z", "findings",
					"F-0000000100000000", pass ? "F-0000000100000001" : "F-0000000100000002", "mitre",
					"id", "T1018");
		assert_true(ih_store_put_incident(s, inc, "I-1", err, sizeof(err)));
		json_decref(inc);
		struct ih_store_action a = { .id = "A-1", .incident = "I-0000000000000001", .host = "10.77.0.10",
					     .action = "block_icmp", .state = pass ? "applied" : "planned", .dry_run = true };
		assert_true(ih_store_put_action(s, &a, err, sizeof(err)));
		assert_true(ih_store_flush(s, err, sizeof(err)));
		assert_int_equal(count(s, "SELECT count(*) FROM findings"), 10);
		assert_int_equal(count(s, "SELECT count(*) FROM icmp_hourly"), 1);
		assert_int_equal(count(s, "SELECT packets FROM icmp_hourly"), 54); /* not 108 */
		assert_int_equal(count(s, "SELECT count(*) FROM icmp_peers"), 1);
		assert_int_equal(count(s, "SELECT count(*) FROM inputs"), 1);
		assert_int_equal(count(s, "SELECT count(*) FROM incidents"), 1);
		/* links are rewritten with the incident: the second pass's list, not both */
		assert_int_equal(count(s, "SELECT count(*) FROM incident_findings"), 2);
		assert_int_equal(count(s, "SELECT count(*) FROM actions"), 1);
		assert_int_equal(count(s, "SELECT count(*) FROM sensors"), 1);
		close_store(s);
	}
	struct ih_store *s = open_store(t, "idem");
	assert_int_equal(count(s, "SELECT count(*) FROM incident_findings WHERE finding = 'F-0000000100000001'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM actions WHERE state = 'applied'"), 1);
	/* a second sensor's rows are its own */
	struct ih_store *s2 = open_store(t, "other");
	put_batch(s2, 1, 10);
	assert_true(ih_store_flush(s2, err, sizeof(err)));
	assert_int_equal(count(s, "SELECT count(*) FROM findings"), 20);
	assert_int_equal(count(s, "SELECT count(DISTINCT sensor) FROM findings"), 2);
	close_store(s2);
	close_store(s);
}

static int run_analyze(const char *store, const char *sensor, const char *input, const char *out)
{
	char *argv[] = { "analyze", "--no-config", "--seed", "1", "--format", "jsonl", "-o", (char *)out,
			 "--store", (char *)store, "--sensor", (char *)sensor, (char *)input, NULL };
	return ih_cmd_analyze(13, argv);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* Everything but the stats line's "store" object (wall-clock free, run-independent). */
static void strip_store(char *s)
{
	char *p = strstr(s, ",\"store\":{");
	if (p)
		*p = '\0';
}

static void test_analyze_twice(void **state)
{
	(void)state;
	char t[512], cap[512], zeek[512], out[64];
	assert_non_null(fresh_target("ih_twice", true, t, sizeof(t)));
	if (pg_host()) {
		/* a password (ignored by the test cluster's trust authentication) never shows */
		size_t l = strlen(t);
		snprintf(t + l, sizeof(t) - l, "&password=hunter2");
	}
	test_data("corpus/sweep_lateral.pcap", cap, sizeof(cap));
	test_data("zeek/sweep_lateral.conn.log", zeek, sizeof(zeek));
	snprintf(out, sizeof(out), "/tmp/ih-store-out-%d.jsonl", (int)getpid());
	long long n[2][6];
	char *first = NULL;
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(run_analyze(t, "s1", cap, out), 0);
		char *o = slurp(out);
		assert_non_null(o);
		assert_non_null(strstr(o, "\"store\":{\"backend\""));
		assert_null(strstr(o, "hunter2"));
		strip_store(o);
		if (!first)
			first = o;
		else {
			assert_string_equal(first, o); /* the store's history does not change the output */
			free(o);
		}
		struct ih_store *s = open_store(t, "s1");
		static const char *const q[6] = { "SELECT count(*) FROM findings", "SELECT count(*) FROM incidents",
						  "SELECT count(*) FROM incident_findings", "SELECT count(*) FROM icmp_hourly",
						  "SELECT count(*) FROM inputs", "SELECT sum(packets) FROM icmp_hourly" };
		for (int i = 0; i < 6; i++)
			n[pass][i] = count(s, q[i]);
		close_store(s);
	}
	free(first);
	for (int i = 0; i < 6; i++)
		assert_int_equal(n[0][i], n[1][i]);
	assert_int_equal(n[0][0], 2); /* sweep and lateral movement */
	assert_int_equal(n[0][1], 1);
	assert_true(n[0][3] > 10);
	/* the same traffic as a conn.log from another sensor: its own rows, the same finding ids */
	assert_int_equal(run_analyze(t, "zeek1", zeek, out), 0);
	assert_int_equal(run_analyze(t, "zeek1", zeek, out), 0);
	struct ih_store *s = open_store(t, "x");
	assert_int_equal(count(s, "SELECT count(*) FROM findings WHERE sensor = 'zeek1'"), 2);
	assert_int_equal(count(s, "SELECT count(*) FROM findings f JOIN findings g ON f.id = g.id "
				  "WHERE f.sensor = 's1' AND g.sensor = 'zeek1'"),
			 2);
	assert_int_equal(count(s, "SELECT count(*) FROM inputs WHERE format = 'zeek-tsv'"), 1);
	close_store(s);
	unlink(out);
}

/* ------------------------------------------------------------------ lost connections */

struct hookstate {
	int at_row;     /* fire after this row of a batch (-1: after COMMIT) */
	int fired;
	int times;      /* fire this many times */
	const char *action; /* NULL: pretend; "terminate": pg_terminate_backend; "restart": pg_ctl */
};

static bool hook(void *ctx, struct ih_store *s, int row)
{
	struct hookstate *h = ctx;
	if (row != h->at_row || h->fired >= h->times)
		return false;
	h->fired++;
	if (!h->action)
		return true;
	if (strcmp(h->action, "terminate") == 0) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", ih_store_backend_pid(s));
		assert_true(pg_admin(sql));
	} else {
		assert_int_equal(system(getenv("IH_TEST_PG_RESTART")), 0);
	}
	return false; /* the connection really is gone: the next statement finds out */
}

static void batch_with_hook(const char *name, struct hookstate *h, unsigned expect_retries_min)
{
	char t[512], err[512];
	assert_non_null(fresh_target(name, false, t, sizeof(t)));
	struct ih_store *s = open_store(t, "hook");
	put_batch(s, 1, 50);
	assert_true(ih_store_flush(s, err, sizeof(err)));
	ih_store_set_hook(s, hook, h);
	put_batch(s, 2, 50);
	put_batch(s, 1, 50); /* rows already committed, queued again */
	bool ok = ih_store_flush(s, err, sizeof(err));
	if (!ok)
		fail_msg("flush: %s", err);
	assert_int_equal(h->fired, h->times);
	assert_true(ih_store_stats(s)->retries >= expect_retries_min);
	ih_store_set_hook(s, NULL, NULL);
	/* nothing lost, nothing twice */
	assert_int_equal(count(s, "SELECT count(*) FROM findings"), 100);
	assert_int_equal(count(s, "SELECT count(DISTINCT id) FROM findings"), 100);
	assert_int_equal(count(s, "SELECT count(*) FROM findings WHERE id LIKE 'F-00000002%'"), 50);
	close_store(s);
}

static void test_lost_mid_batch(void **state)
{
	(void)state;
	struct hookstate h = { .at_row = 37, .times = 2 };
	batch_with_hook("ih_lost_mid", &h, 2);
}

static void test_replay_after_commit(void **state)
{
	(void)state;
	/* the COMMIT reached the database but its answer was "lost": the replay must not add rows */
	struct hookstate h = { .at_row = -1, .times = 1 };
	batch_with_hook("ih_lost_commit", &h, 1);
}

static void test_pg_terminate_backend(void **state)
{
	(void)state;
	if (!pg_host())
		skip();
	struct hookstate h = { .at_row = 25, .times = 1, .action = "terminate" };
	batch_with_hook("ih_pg_terminate", &h, 1);
	struct hookstate h2 = { .at_row = -1, .times = 1, .action = "terminate" };
	batch_with_hook("ih_pg_terminate_commit", &h2, 0);
}

static void test_pg_restart(void **state)
{
	(void)state;
	if (!pg_host() || !getenv("IH_TEST_PG_RESTART"))
		skip();
	struct hookstate h = { .at_row = 10, .times = 1, .action = "restart" };
	batch_with_hook("ih_pg_restart", &h, 1);
}

/* ------------------------------------------------------------------ two writers, kill -9 */

static bool read_text(void *ctx, int ncol, const char *const *val)
{
	snprintf(ctx, 64, "%s", ncol && val[0] ? val[0] : "");
	return false;
}

static void writer(const char *target, const char *sensor, unsigned batches, int fd)
{
	struct ih_store_opts o = { .sensor = sensor, .backoff_ms = 10, .retries = 20, .batch_rows = 1000 };
	char err[512];
	struct ih_store *s = ih_store_open(target, &o, err, sizeof(err));
	if (!s)
		_exit(2);
	for (unsigned b = 0; b < batches; b++) {
		for (unsigned r = 0; r < 20; r++) {
			json_t *f = finding(b, r, "sweep");
			if (!ih_store_put_finding(s, f, NULL, err, sizeof(err)))
				_exit(3);
			json_decref(f);
		}
		if (!ih_store_flush(s, err, sizeof(err)))
			_exit(4);
		if (fd >= 0 && write(fd, &b, sizeof(b)) != (ssize_t)sizeof(b))
			_exit(5);
	}
	ih_store_close(s, err, sizeof(err));
	_exit(0);
}

static void test_two_sensors_at_once(void **state)
{
	(void)state;
	char t[512];
	assert_non_null(fresh_target("ih_two", false, t, sizeof(t)));
	struct ih_store *s = open_store(t, "setup"); /* migrated before the writers start */
	close_store(s);
	pid_t p[2];
	static const char *const names[2] = { "sensor-a", "sensor-b" };
	for (int i = 0; i < 2; i++) {
		p[i] = fork();
		assert_true(p[i] >= 0);
		if (p[i] == 0)
			writer(t, names[i], 40, -1);
	}
	for (int i = 0; i < 2; i++) {
		int st;
		assert_int_equal(waitpid(p[i], &st, 0), p[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	s = open_store(t, "check");
	assert_int_equal(count(s, "SELECT count(*) FROM findings WHERE sensor = 'sensor-a'"), 800);
	assert_int_equal(count(s, "SELECT count(*) FROM findings WHERE sensor = 'sensor-b'"), 800);
	assert_int_equal(count(s, "SELECT count(*) FROM sensors"), 2);
	close_store(s);
}

static void test_kill9_mid_run(void **state)
{
	(void)state;
	char t[512];
	assert_non_null(fresh_target("ih_kill9", false, t, sizeof(t)));
	struct ih_store *s = open_store(t, "setup");
	close_store(s);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		close(fds[0]);
		writer(t, "victim", 100000, fds[1]);
	}
	close(fds[1]);
	unsigned b, last = 0;
	unsigned seen = 0;
	while (seen < 25 && read(fds[0], &b, sizeof(b)) == (ssize_t)sizeof(b)) {
		last = b;
		seen++;
	}
	kill(p, SIGKILL); /* in the middle of whatever it was doing */
	int st;
	waitpid(p, &st, 0);
	while (read(fds[0], &b, sizeof(b)) == (ssize_t)sizeof(b))
		last = b; /* commits it reported before it died */
	close(fds[0]);
	assert_true(seen >= 25);
	s = open_store(t, "check");
	long long n = count(s, "SELECT count(*) FROM findings WHERE sensor = 'victim'");
	/* every batch it saw committed is there, whole; a batch in flight is there whole or not
	 * at all */
	assert_true(n >= (long long)(last + 1) * 20);
	assert_int_equal(n % 20, 0);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM findings WHERE sensor = 'victim' AND id <= 'F-%08x%08x'", last, 19u);
	assert_int_equal(count(s, sql), (long long)(last + 1) * 20);
	if (ih_store_backend(s) == IH_STORE_SQLITE) {
		char err[512], v[64];
		assert_true(ih_store_select(s, "PRAGMA integrity_check", NULL, 0, read_text, v, err, sizeof(err)));
		assert_string_equal(v, "ok");
	}
	close_store(s);
}

static void test_sqlite_integrity_and_wal(void **state)
{
	(void)state;
	if (pg_host())
		skip();
	char t[512], err[512], v[64];
	assert_non_null(fresh_target("ih_wal", false, t, sizeof(t)));
	struct ih_store *s = open_store(t, "w");
	assert_true(ih_store_select(s, "PRAGMA journal_mode", NULL, 0, read_text, v, err, sizeof(err)));
	assert_string_equal(v, "wal");
	assert_true(ih_store_select(s, "PRAGMA synchronous", NULL, 0, read_text, v, err, sizeof(err)));
	assert_string_equal(v, "2"); /* FULL */
	assert_true(ih_store_select(s, "PRAGMA integrity_check", NULL, 0, read_text, v, err, sizeof(err)));
	assert_string_equal(v, "ok");
	close_store(s);
}

/* ------------------------------------------------------------------ history */

#define HOUR 3600ll

static void test_history_queries(void **state)
{
	(void)state;
	char t[512], err[512], cap[512];
	assert_non_null(fresh_target("ih_history", false, t, sizeof(t)));
	test_data("corpus/ping_troubleshoot.pcap", cap, sizeof(cap));
	char cur[32];
	unsigned long long size;
	assert_true(ih_input_id(cap, cur, sizeof(cur), &size));

	int64_t H = 1795568400 / HOUR; /* 2026-11-25 01:00 UTC */
	struct ih_store *s = open_store(t, "hist");
	/* days 1..6 back were recorded; day 7 was not; on day 4 the host was silent */
	static const long long pk[8] = { 0, 100, 120, 90, -1, 110, 100, 0 };
	for (int k = 1; k <= 6; k++) {
		char id[32];
		snprintf(id, sizeof(id), "I-day%d", k);
		int64_t start = (H - 24 * k) * HOUR;
		struct ih_store_input in = { id, "old.pcap", "pcap", 1, (uint64_t)(start - 600) * 1000000000ull,
					     (uint64_t)(start + 4000) * 1000000000ull, 10 };
		assert_true(ih_store_put_input(s, &in, err, sizeof(err)));
		if (pk[k] < 0)
			continue;
		struct ih_store_hourly h = { "10.77.0.11", start, id, (uint64_t)pk[k], 1000, (uint64_t)pk[k], 0, 2, "{}" };
		assert_true(ih_store_put_hourly(s, &h, err, sizeof(err)));
	}
	/* a row of the current input (the same capture analysed before): never history */
	struct ih_store_hourly mine = { "10.77.0.11", (H - 24) * HOUR, cur, 100000, 1, 1, 0, 1, "{}" };
	assert_true(ih_store_put_hourly(s, &mine, err, sizeof(err)));
	struct ih_store_peer pr = { "10.77.0.11", "203.0.113.9", "I-day3", (uint64_t)((H - 72) * HOUR) * 1000000000ull,
				    (uint64_t)((H - 72) * HOUR + 5) * 1000000000ull, 4 };
	assert_true(ih_store_put_peer(s, &pr, err, sizeof(err)));
	struct ih_store_peer own = { "10.77.0.11", "198.51.100.1", cur, (uint64_t)((H - 48) * HOUR) * 1000000000ull,
				     (uint64_t)((H - 48) * HOUR) * 1000000000ull, 1 };
	assert_true(ih_store_put_peer(s, &own, err, sizeof(err)));
	close_store(s);

	struct ih_config cfg;
	ih_config_default(&cfg);
	char *files[1] = { cap };
	struct ih_store_opts o = { .sensor = "hist" };
	struct ih_recorder *r = ih_recorder_open(t, &o, files, 1, "pcap", &cfg, err, sizeof(err));
	assert_non_null(r);
	const struct ih_history *h = ih_recorder_history(r);
	struct ih_addr host, p1, p2;
	ih_addr_parse("10.77.0.11", &host);
	ih_addr_parse("203.0.113.9", &p1);
	ih_addr_parse("198.51.100.1", &p2);
	struct ih_host_baseline b;
	assert_true(h->host_hour(h->ctx, &host, (uint64_t)(H * HOUR + 1234) * 1000000000ull, &b));
	assert_int_equal(b.slots, 6);
	assert_int_equal(b.active_slots, 5);
	assert_true(b.median_requests > 99.9 && b.median_requests < 100.1); /* 0 90 100 100 110 120 */
	assert_true(b.mad_requests > 9.9 && b.mad_requests < 10.1);
	assert_int_equal(b.max_requests, 120);
	/* another hour of the day: recorded (the inputs spanned it) but the host was silent */
	assert_true(h->host_hour(h->ctx, &host, (uint64_t)((H + 1) * HOUR) * 1000000000ull, &b));
	assert_int_equal(b.slots, 6);
	assert_int_equal(b.active_slots, 0);
	/* hours nothing was recorded at */
	assert_true(h->host_hour(h->ctx, &host, (uint64_t)((H + 5) * HOUR) * 1000000000ull, &b));
	assert_int_equal(b.slots, 0);

	uint64_t first = 0, now = (uint64_t)(H * HOUR) * 1000000000ull;
	assert_int_equal(h->peer_seen(h->ctx, &host, &p1, now, &first), 1);
	assert_true(first == (uint64_t)((H - 72) * HOUR) * 1000000000ull);
	assert_int_equal(h->peer_seen(h->ctx, &host, &p2, now, &first), 0); /* only the current input had it */
	/* before anything was recorded: unknown, not "new" */
	assert_int_equal(h->peer_seen(h->ctx, &host, &p2, (uint64_t)((H - 24 * 30) * HOUR) * 1000000000ull, &first), -1);
	ih_recorder_close(r);
}

/* The whole way: a week of ordinary days recorded from conn.logs, then a day on which the host
 * sends thirty times its usual ICMP. The store's history makes that a finding; the ordinary days
 * themselves, analysed again, stay quiet (their own rows are not their history). */
static void write_day(const char *path, int64_t day_start, unsigned pkts, unsigned ndst)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
		   "duration\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\n");
	for (unsigned d = 0; d < ndst; d++)
		fprintf(f, "%lld.000000\t10.77.0.20\t8\t10.78.0.%u\t0\ticmp\t3000.0\t%u\t%u\t%u\t%u\n",
			(long long)(day_start + 3600 + 60 + d), d + 1, pkts / ndst, pkts / ndst * 84, pkts / ndst,
			pkts / ndst * 84);
	/* the sensor was recording the whole day */
	fprintf(f, "%lld.000000\t10.77.0.99\t8\t10.77.0.1\t0\ticmp\t86000.0\t2\t168\t2\t168\n", (long long)day_start);
	fclose(f);
}

static void test_baseline_end_to_end(void **state)
{
	(void)state;
	char t[512], day[7][64], today[64], out[64];
	assert_non_null(fresh_target("ih_e2e", false, t, sizeof(t)));
	snprintf(out, sizeof(out), "/tmp/ih-e2e-out-%d.jsonl", (int)getpid());
	int64_t d0 = 1795564800; /* 2026-11-25 00:00 UTC */
	for (int k = 0; k < 7; k++) {
		snprintf(day[k], sizeof(day[k]), "/tmp/ih-e2e-%d-day%d.log", (int)getpid(), k + 1);
		write_day(day[k], d0 - 86400ll * (k + 1), 100 + 10u * (unsigned)(k % 3), 1);
		assert_int_equal(run_analyze(t, "e2e", day[k], out), 0);
	}
	snprintf(today, sizeof(today), "/tmp/ih-e2e-%d-today.log", (int)getpid());
	write_day(today, d0, 3000, 5);
	assert_int_equal(run_analyze(t, "e2e", today, out), 0);
	char *o = slurp(out);
	assert_non_null(o);
	assert_non_null(strstr(o, "\"kind\":\"volume_anomaly\""));
	assert_non_null(strstr(o, "\"baseline\":\"own_history\""));
	assert_non_null(strstr(o, "\"recorded_days\":7"));
	free(o);
	/* an ordinary day again: within its history, nothing */
	assert_int_equal(run_analyze(t, "e2e", day[0], out), 0);
	o = slurp(out);
	assert_null(strstr(o, "\"kind\":\"volume_anomaly\""));
	free(o);
	for (int k = 0; k < 7; k++)
		unlink(day[k]);
	unlink(today);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_idempotent_rows),
		cmocka_unit_test(test_analyze_twice),
		cmocka_unit_test(test_lost_mid_batch),
		cmocka_unit_test(test_replay_after_commit),
		cmocka_unit_test(test_pg_terminate_backend),
		cmocka_unit_test(test_pg_restart),
		cmocka_unit_test(test_two_sensors_at_once),
		cmocka_unit_test(test_kill9_mid_run),
		cmocka_unit_test(test_sqlite_integrity_and_wal),
		cmocka_unit_test(test_history_queries),
		cmocka_unit_test(test_baseline_end_to_end),
	};
	return cmocka_run_group_tests_name(pg_host() ? "store (postgresql)" : "store (sqlite)", tests, NULL, remove_targets);
}

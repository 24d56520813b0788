/* hunt.c — `icmphound hunt QUERY`: the seed's step 8 ("search for similar ICMP patterns across
 * the environment, identify other hosts performing ICMP sweeps, review historical ICMP logs,
 * check for follow-on lateral movement") as queries over the store. docs/HUNT.md.
 *
 * Every query is plain SQL that both backends run unchanged (the filters become WHERE clauses
 * with parameters); what SQL cannot say portably (evidence inside the JSON, a host inside a
 * CIDR, grouping by shared techniques) is done here on the rows it returns. Output is an aligned
 * table, or JSON lines (--format jsonl): one object per row with "type":"hunt" and "query", or
 * for `hunt findings` the stored finding lines themselves with their "sensor". Rows are in a
 * fixed order (time, then the columns), so the same store gives the same output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/sandbox.h"
#include "core/addr.h"
#include "core/timeparse.h"
#include "report/finding.h"
#include "store/store.h"

#define MAX_ROWS_DEFAULT 1000

struct hopts {
	const char *store;
	const char *sensor, *kind, *technique, *host;
	int min_sev;             /* -1: any */
	bool has_since, has_until;
	int64_t since_us, until_us;
	long limit;
	bool jsonl;
	FILE *out;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound hunt [options] QUERY [ARG]\n"
		"\n"
		"Searches the history that `icmphound analyze --store` recorded (docs/HUNT.md).\n"
		"\n"
		"queries:\n"
		"  sweeps                every host that swept: range, hosts probed and answered, times\n"
		"  lateral               lateral movement after a sweep: the sweep, then the connections\n"
		"  like INCIDENT_ID      other hosts with findings of the incident's kinds or techniques\n"
		"  timeline HOST         a host's findings, incidents and hourly ICMP, in time order\n"
		"  findings              findings, filtered by the options below\n"
		"\n"
		"options:\n"
		"      --store PATH|URL    the store (default: $ICMPHOUND_STORE, else\n"
		"                          $XDG_DATA_HOME/icmphound/icmphound.db)\n"
		"      --since WHEN        only what was seen at or after WHEN: RFC 3339, or back from\n"
		"                          now: 30m, 12h, 7d, 2w\n"
		"      --until WHEN        only what was seen at or before WHEN\n"
		"      --technique ID      an ATT&CK technique (T1018; T1021 includes T1021.002)\n"
		"      --kind KIND         a finding kind (sweep, lateral_movement, tunnel...)\n"
		"      --severity SEV      at least this severity (info, low, medium, high, critical)\n"
		"      --sensor NAME       what this sensor recorded\n"
		"      --host ADDR         findings by or against this host\n"
		"      --limit N           at most N rows (default %d)\n"
		"  -f, --format text|jsonl an aligned table (default) or JSON lines\n"
		"  -o, --output FILE       write there instead of standard output\n"
		"      --now TIME          the time relative WHENs count back from (default: now)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 the query ran (with or without rows); 1 usage; 2 the store cannot be\n"
		"opened; 4 the query failed.\n",
		MAX_ROWS_DEFAULT);
}

/* ------------------------------------------------------------------ SQL building */

struct sql {
	char text[4096];
	size_t n;
	struct ih_sqlv p[IH_SQL_MAXPARAMS];
	int np;
	bool overflow;
};

static void sql_add(struct sql *q, const char *s)
{
	size_t l = strlen(s);
	if (q->n + l + 1 >= sizeof(q->text)) {
		q->overflow = true;
		return;
	}
	memcpy(q->text + q->n, s, l + 1);
	q->n += l;
}

/* Appends fmt with "$N" for a new parameter (fmt holds one "%d" per use of it). */
static void sql_param(struct sql *q, const char *fmt, struct ih_sqlv v)
{
	if (q->np >= IH_SQL_MAXPARAMS) {
		q->overflow = true;
		return;
	}
	q->p[q->np++] = v;
	char buf[512];
	snprintf(buf, sizeof(buf), fmt, q->np, q->np, q->np);
	sql_add(q, buf);
}

/* The filters of o on the findings table aliased `a`. */
static void finding_filters(struct sql *q, const struct hopts *o, const char *a, bool with_kind, bool with_host)
{
	char f[256];
	if (o->has_since) {
		snprintf(f, sizeof(f), " AND %s.last_us >= $%%d", a);
		sql_param(q, f, IH_SQLV_INT(o->since_us));
	}
	if (o->has_until) {
		snprintf(f, sizeof(f), " AND %s.first_us <= $%%d", a);
		sql_param(q, f, IH_SQLV_INT(o->until_us));
	}
	if (o->sensor) {
		snprintf(f, sizeof(f), " AND %s.sensor = $%%d", a);
		sql_param(q, f, IH_SQLV_TEXT(o->sensor));
	}
	if (with_kind && o->kind) {
		snprintf(f, sizeof(f), " AND %s.kind = $%%d", a);
		sql_param(q, f, IH_SQLV_TEXT(o->kind));
	}
	if (o->min_sev >= 0) {
		snprintf(f, sizeof(f), " AND %s.severity >= $%%d", a);
		sql_param(q, f, IH_SQLV_INT(o->min_sev));
	}
	if (o->technique) {
		/* ",T1021," or ",T1021.": the technique or one of its sub-techniques */
		snprintf(f, sizeof(f), " AND (%s.mitre LIKE '%%%%,' || $%%d || ',%%%%' OR %s.mitre LIKE '%%%%,' || $%%d || '.%%%%')", a, a);
		sql_param(q, f, IH_SQLV_TEXT(o->technique));
	}
	if (with_host && o->host) {
		snprintf(f, sizeof(f), " AND (%s.src = $%%d OR %s.dst = $%%d)", a, a);
		sql_param(q, f, IH_SQLV_TEXT(o->host));
	}
}

/* ------------------------------------------------------------------ rows and tables */

struct table {
	char ***rows;          /* rows x cols strings */
	size_t n, cap;
	int ncol;
	const char *const *head;
};

static void table_add(struct table *t, const char *const *cells)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		char ***r = realloc(t->rows, nc * sizeof(*r));
		if (!r)
			return;
		t->rows = r;
		t->cap = nc;
	}
	char **row = calloc((size_t)t->ncol, sizeof(*row));
	if (!row)
		return;
	for (int c = 0; c < t->ncol; c++)
		row[c] = strdup(cells[c] ? cells[c] : "-");
	t->rows[t->n++] = row;
}

static bool table_print(FILE *f, const struct table *t)
{
	size_t w[16] = { 0 };
	for (int c = 0; c < t->ncol; c++)
		w[c] = strlen(t->head[c]);
	for (size_t r = 0; r < t->n; r++)
		for (int c = 0; c < t->ncol; c++) {
			size_t l = t->rows[r][c] ? strlen(t->rows[r][c]) : 1;
			if (l > w[c])
				w[c] = l;
		}
	bool ok = true;
	for (size_t r = 0; r <= t->n; r++)
		for (int c = 0; c < t->ncol; c++) {
			const char *cell = r == 0 ? t->head[c] : t->rows[r - 1][c] ? t->rows[r - 1][c] : "-";
			/* the last column is not padded: no trailing blanks */
			if (c + 1 < t->ncol)
				ok = fprintf(f, "%-*s  ", (int)w[c], cell) >= 0 && ok;
			else
				ok = fprintf(f, "%s\n", cell) >= 0 && ok;
		}
	return ok;
}

static void table_free(struct table *t)
{
	for (size_t r = 0; r < t->n; r++) {
		for (int c = 0; c < t->ncol; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
}

static bool put_json(FILE *f, json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (!s)
		return false;
	bool ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
	free(s);
	return ok;
}

static const char *when_us(const char *us, char *buf, size_t len)
{
	if (!us)
		return "-";
	long long v = atoll(us);
	return ih_time_str(v > 0 ? (uint64_t)v * 1000ull : 0, buf, len);
}

static const char *sev_of(const char *s)
{
	return s ? ih_sev_name((enum ih_sev)atoi(s)) : "info";
}

/* "T1018,T1046" from ",T1018,T1046," */
static const char *mitre_list(const char *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s", m && m[0] == ',' ? m + 1 : (m ? m : ""));
	size_t l = strlen(buf);
	if (l && buf[l - 1] == ',')
		buf[l - 1] = '\0';
	return buf[0] ? buf : "-";
}

static json_t *mitre_json(const char *m)
{
	json_t *a = json_array();
	char buf[512];
	mitre_list(m, buf, sizeof(buf));
	if (strcmp(buf, "-") == 0)
		return a;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

static json_t *time_json(const char *us)
{
	char t[40];
	return json_string(when_us(us, t, sizeof(t)));
}

static json_t *parse_obj(const char *s)
{
	json_t *o = s ? json_loads(s, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

static json_int_t ev_int(json_t *ev, const char *k)
{
	return json_integer_value(json_object_get(ev, k));
}

/* A row callback that copies rows (as strings) into a growable list. */
struct rowset {
	char ***rows;
	size_t n, cap;
	int ncol;
	bool oom;
};

static bool collect(void *ctx, int ncol, const char *const *val)
{
	struct rowset *rs = ctx;
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 64;
		char ***r = realloc(rs->rows, nc * sizeof(*r));
		if (!r) {
			rs->oom = true;
			return false;
		}
		rs->rows = r;
		rs->cap = nc;
	}
	char **row = calloc((size_t)ncol, sizeof(*row));
	if (!row) {
		rs->oom = true;
		return false;
	}
	for (int c = 0; c < ncol; c++)
		row[c] = val[c] ? strdup(val[c]) : NULL;
	rs->ncol = ncol;
	rs->rows[rs->n++] = row;
	return true;
}

static void rowset_free(struct rowset *rs)
{
	for (size_t r = 0; r < rs->n; r++) {
		for (int c = 0; c < rs->ncol; c++)
			free(rs->rows[r][c]);
		free(rs->rows[r]);
	}
	free(rs->rows);
	memset(rs, 0, sizeof(*rs));
}

static bool run(struct ih_store *st, struct sql *q, struct rowset *rs)
{
	char err[512];
	if (q->overflow) {
		fprintf(stderr, "icmphound hunt: the query is too long\n");
		return false;
	}
	if (!ih_store_select(st, q->text, q->p, q->np, collect, rs, err, sizeof(err))) {
		fprintf(stderr, "icmphound hunt: %s\n", err);
		return false;
	}
	if (rs->oom) {
		fprintf(stderr, "icmphound hunt: out of memory\n");
		return false;
	}
	return true;
}

static void add_limit(struct sql *q, const struct hopts *o)
{
	sql_param(q, " LIMIT $%d", IH_SQLV_INT(o->limit));
}

/* ------------------------------------------------------------------ findings */

static int q_findings(struct ih_store *st, const struct hopts *o)
{
	struct sql q = { 0 };
	sql_add(&q, "SELECT f.sensor, f.id, f.kind, f.severity, f.src, f.dst, f.first_us, f.last_us, f.mitre, "
		    "f.summary, f.doc FROM findings f WHERE 1 = 1");
	finding_filters(&q, o, "f", true, true);
	sql_add(&q, " ORDER BY f.first_us, f.kind, f.src, f.dst, f.sensor, f.id");
	add_limit(&q, o);
	struct rowset rs = { 0 };
	if (!run(st, &q, &rs)) {
		rowset_free(&rs);
		return IH_EXIT_INTERNAL;
	}
	static const char *const head[] = { "FIRST_SEEN", "SEVERITY", "KIND", "SRC", "DST", "SENSOR", "ID", "SUMMARY" };
	struct table t = { .ncol = 8, .head = head };
	bool ok = true;
	for (size_t i = 0; i < rs.n; i++) {
		char **r = rs.rows[i];
		if (o->jsonl) {
			json_t *doc = parse_obj(r[10]);
			json_object_set_new(doc, "sensor", json_string(r[0]));
			ok = put_json(o->out, doc) && ok;
			continue;
		}
		char t1[40];
		const char *cells[8] = { when_us(r[6], t1, sizeof(t1)), sev_of(r[3]), r[2], r[4], r[5], r[0], r[1], r[9] };
		table_add(&t, cells);
	}
	if (!o->jsonl) {
		ok = table_print(o->out, &t) && ok;
		ok = fprintf(o->out, "%zu finding%s\n", rs.n, rs.n == 1 ? "" : "s") >= 0 && ok;
	}
	table_free(&t);
	rowset_free(&rs);
	return ok ? IH_EXIT_OK : IH_EXIT_INTERNAL;
}

/* ------------------------------------------------------------------ sweeps */

static int q_sweeps(struct ih_store *st, const struct hopts *o)
{
	struct sql q = { 0 };
	sql_add(&q, "SELECT f.sensor, f.id, f.severity, f.src, f.dst, f.first_us, f.last_us, f.mitre, f.evidence "
		    "FROM findings f WHERE f.kind = 'sweep'");
	finding_filters(&q, o, "f", false, true);
	sql_add(&q, " ORDER BY f.first_us, f.src, f.dst, f.sensor, f.id");
	add_limit(&q, o);
	struct rowset rs = { 0 };
	if (!run(st, &q, &rs)) {
		rowset_free(&rs);
		return IH_EXIT_INTERNAL;
	}
	static const char *const head[] = { "FIRST_SEEN", "LAST_SEEN", "SRC", "RANGE", "PROBED", "ANSWERED",
					    "PROBES", "ORDER", "SEVERITY", "TECHNIQUES", "SENSOR" };
	struct table t = { .ncol = 11, .head = head };
	bool ok = true;
	size_t distinct = 0;
	for (size_t i = 0; i < rs.n; i++) {
		char **r = rs.rows[i];
		json_t *ev = parse_obj(r[8]);
		const char *order = json_string_value(json_object_get(ev, "order"));
		if (o->jsonl) {
			json_t *x = json_object();
			json_object_set_new(x, "type", json_string("hunt"));
			json_object_set_new(x, "query", json_string("sweeps"));
			json_object_set_new(x, "sensor", json_string(r[0]));
			json_object_set_new(x, "finding", json_string(r[1]));
			json_object_set_new(x, "src", json_string(r[3]));
			json_object_set_new(x, "range", json_string(r[4] ? r[4] : ""));
			json_object_set_new(x, "first_seen", time_json(r[5]));
			json_object_set_new(x, "last_seen", time_json(r[6]));
			json_object_set_new(x, "hosts_probed", json_integer(ev_int(ev, "hosts_probed")));
			json_object_set_new(x, "hosts_answered", json_integer(ev_int(ev, "hosts_answered")));
			json_object_set_new(x, "probes", json_integer(ev_int(ev, "probes")));
			if (order)
				json_object_set_new(x, "order", json_string(order));
			json_object_set_new(x, "severity", json_string(sev_of(r[2])));
			json_object_set_new(x, "mitre", mitre_json(r[7]));
			json_t *ans = json_object_get(ev, "answered");
			if (ans)
				json_object_set(x, "answered", ans);
			ok = put_json(o->out, x) && ok;
		} else {
			char t1[40], t2[40], pr[24], an[24], pb[24], m[256];
			snprintf(pr, sizeof(pr), "%lld", (long long)ev_int(ev, "hosts_probed"));
			snprintf(an, sizeof(an), "%lld", (long long)ev_int(ev, "hosts_answered"));
			snprintf(pb, sizeof(pb), "%lld", (long long)ev_int(ev, "probes"));
			const char *cells[11] = { when_us(r[5], t1, sizeof(t1)), when_us(r[6], t2, sizeof(t2)), r[3], r[4],
						  pr, an, pb, order, sev_of(r[2]), mitre_list(r[7], m, sizeof(m)), r[0] };
			table_add(&t, cells);
		}
		json_decref(ev);
	}
	if (!o->jsonl) {
		/* count distinct sources */
		for (size_t i = 0; i < rs.n; i++) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = strcmp(rs.rows[i][3], rs.rows[j][3]) == 0;
			distinct += !seen;
		}
		ok = table_print(o->out, &t) && ok;
		ok = fprintf(o->out, "%zu sweep%s by %zu host%s\n", rs.n, rs.n == 1 ? "" : "s", distinct,
			     distinct == 1 ? "" : "s") >= 0 && ok;
	}
	table_free(&t);
	rowset_free(&rs);
	return ok ? IH_EXIT_OK : IH_EXIT_INTERNAL;
}

/* ------------------------------------------------------------------ lateral */

static void services_text(json_t *ev, char *buf, size_t len)
{
	size_t n = 0, i;
	json_t *s;
	buf[0] = '\0';
	json_array_foreach(json_object_get(ev, "services"), i, s) {
		const char *nm = json_string_value(json_object_get(s, "name"));
		int w = snprintf(buf + n, len - n, "%s%s%s%lld/%s", n ? "," : "", nm ? nm : "", nm ? " " : "",
				 (long long)ev_int(s, "port"), json_string_value(json_object_get(s, "proto")) ?: "?");
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	if (!n)
		snprintf(buf, len, "-");
}

static int q_lateral(struct ih_store *st, const struct hopts *o)
{
	struct sql q = { 0 };
	/* each lateral movement finding with the latest sweep by the same source before it (any
	 * sensor: the sweep and the connections may be seen by different ones) */
	sql_add(&q, "SELECT l.sensor, l.id, l.severity, l.src, l.dst, l.first_us, l.last_us, l.mitre, l.evidence, "
		    "s.sensor, s.id, s.dst, s.first_us, s.last_us "
		    "FROM findings l LEFT JOIN findings s ON s.kind = 'sweep' AND s.src = l.src AND s.first_us = "
		    "(SELECT MAX(s2.first_us) FROM findings s2 WHERE s2.kind = 'sweep' AND s2.src = l.src "
		    "AND s2.first_us <= l.first_us) "
		    "WHERE l.kind = 'lateral_movement'");
	finding_filters(&q, o, "l", false, true);
	sql_add(&q, " ORDER BY l.first_us, l.src, l.dst, l.sensor, l.id, s.sensor, s.id");
	add_limit(&q, o);
	struct rowset rs = { 0 };
	if (!run(st, &q, &rs)) {
		rowset_free(&rs);
		return IH_EXIT_INTERNAL;
	}
	static const char *const head[] = { "SRC", "SWEPT", "SWEEP_AT", "LATERAL_AT", "DELAY_S", "HOSTS",
					    "SERVICES", "SEVERITY", "TECHNIQUES", "SENSORS" };
	struct table t = { .ncol = 10, .head = head };
	bool ok = true;
	for (size_t i = 0; i < rs.n; i++) {
		char **r = rs.rows[i];
		json_t *ev = parse_obj(r[8]);
		char svc[512], m[256];
		services_text(ev, svc, sizeof(svc));
		/* from the end of the sweep to the first connection, as the lateral finding counts it */
		double delay = r[13] && r[5] ? (double)(atoll(r[5]) - atoll(r[13])) / 1e6 : 0;
		json_t *sw = json_object_get(ev, "sweep");
		const char *range = r[11] ? r[11] : json_string_value(json_object_get(sw, "range"));
		if (o->jsonl) {
			json_t *x = json_object();
			json_object_set_new(x, "type", json_string("hunt"));
			json_object_set_new(x, "query", json_string("lateral"));
			json_object_set_new(x, "src", json_string(r[3]));
			json_t *so = json_object();
			if (r[10]) {
				json_object_set_new(so, "finding", json_string(r[10]));
				json_object_set_new(so, "sensor", json_string(r[9]));
				json_object_set_new(so, "first_seen", time_json(r[12]));
				json_object_set_new(so, "last_seen", time_json(r[13]));
			}
			json_object_set_new(so, "range", json_string(range ? range : ""));
			json_object_set_new(x, "sweep", so);
			json_t *lo = json_object();
			json_object_set_new(lo, "finding", json_string(r[1]));
			json_object_set_new(lo, "sensor", json_string(r[0]));
			json_object_set_new(lo, "dst", json_string(r[4] ? r[4] : ""));
			json_object_set_new(lo, "first_seen", time_json(r[5]));
			json_object_set_new(lo, "last_seen", time_json(r[6]));
			json_object_set_new(lo, "hosts_touched", json_integer(ev_int(ev, "hosts_touched")));
			json_object_set(lo, "services", json_object_get(ev, "services") ?: json_array());
			json_object_set_new(lo, "severity", json_string(sev_of(r[2])));
			json_object_set_new(lo, "mitre", mitre_json(r[7]));
			json_object_set_new(x, "lateral", lo);
			if (r[12])
				json_object_set_new(x, "delay_s", json_real((double)(long long)(delay * 1000 + 0.5) / 1000));
			ok = put_json(o->out, x) && ok;
		} else {
			char t1[40], t2[40], d[32], h[24], sensors[160];
			snprintf(d, sizeof(d), r[12] ? "%.1f" : "-", delay);
			snprintf(h, sizeof(h), "%lld", (long long)ev_int(ev, "hosts_touched"));
			if (r[9] && strcmp(r[9], r[0]) != 0)
				snprintf(sensors, sizeof(sensors), "%s,%s", r[9], r[0]);
			else
				snprintf(sensors, sizeof(sensors), "%s", r[0]);
			const char *cells[10] = { r[3], range, r[12] ? when_us(r[12], t1, sizeof(t1)) : "-",
						  when_us(r[5], t2, sizeof(t2)), d, h, svc, sev_of(r[2]),
						  mitre_list(r[7], m, sizeof(m)), sensors };
			table_add(&t, cells);
		}
		json_decref(ev);
	}
	if (!o->jsonl) {
		ok = table_print(o->out, &t) && ok;
		ok = fprintf(o->out, "%zu lateral movement finding%s after sweeps\n", rs.n, rs.n == 1 ? "" : "s") >= 0 && ok;
	}
	table_free(&t);
	rowset_free(&rs);
	return ok ? IH_EXIT_OK : IH_EXIT_INTERNAL;
}

/* ------------------------------------------------------------------ like */

#define MAXSET 32

struct strset {
	char v[MAXSET][48];
	int n;
};

static void set_add(struct strset *s, const char *x)
{
	if (!x || !*x)
		return;
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return;
	if (s->n < MAXSET)
		snprintf(s->v[s->n++], sizeof(s->v[0]), "%s", x);
}

static bool set_has(const struct strset *s, const char *x)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

static void set_add_mitre(struct strset *s, const char *m)
{
	char buf[512];
	mitre_list(m, buf, sizeof(buf));
	if (strcmp(buf, "-") == 0)
		return;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		set_add(s, t);
}

struct likehost {
	char host[IH_ADDR_STRLEN];
	struct strset kinds, techs, sensors;
	long findings;
	int max_sev;
	long long first, last;
};

static int cmp_like(const void *a, const void *b)
{
	const struct likehost *x = a, *y = b;
	int sx = x->kinds.n + x->techs.n, sy = y->kinds.n + y->techs.n;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (x->max_sev != y->max_sev)
		return x->max_sev > y->max_sev ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->host, y->host);
}

static void join_set(const struct strset *s, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < s->n; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i ? "," : "", s->v[i]);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	if (!n)
		snprintf(buf, len, "-");
}

static json_t *set_json(const struct strset *s)
{
	json_t *a = json_array();
	for (int i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

static int q_like(struct ih_store *st, const struct hopts *o, const char *incident)
{
	struct sql q = { 0 };
	sql_add(&q, "SELECT i.sensor, i.primary_host, i.mitre, i.verdict FROM incidents i WHERE i.id = $1");
	q.p[q.np++] = IH_SQLV_TEXT(incident);
	if (o->sensor)
		sql_param(&q, " AND i.sensor = $%d", IH_SQLV_TEXT(o->sensor));
	sql_add(&q, " ORDER BY i.sensor");
	struct rowset inc = { 0 };
	if (!run(st, &q, &inc)) {
		rowset_free(&inc);
		return IH_EXIT_INTERNAL;
	}
	if (!inc.n) {
		fprintf(stderr, "icmphound hunt: no incident %s in the store\n", incident);
		rowset_free(&inc);
		return IH_EXIT_USAGE;
	}
	char primary[IH_ADDR_STRLEN];
	snprintf(primary, sizeof(primary), "%s", inc.rows[0][1]);
	/* the incident's kinds and techniques: those of its findings that claim something (all of
	 * them when none does) */
	struct sql k = { 0 };
	sql_add(&k, "SELECT f.kind, f.mitre, f.severity FROM incident_findings l JOIN findings f "
		    "ON f.sensor = l.sensor AND f.id = l.finding WHERE l.incident = $1 AND l.sensor = $2 "
		    "ORDER BY f.kind, f.mitre");
	k.p[k.np++] = IH_SQLV_TEXT(incident);
	k.p[k.np++] = IH_SQLV_TEXT(inc.rows[0][0]);
	struct rowset fr = { 0 };
	if (!run(st, &k, &fr)) {
		rowset_free(&inc);
		rowset_free(&fr);
		return IH_EXIT_INTERNAL;
	}
	struct strset kinds = { 0 }, techs = { 0 };
	bool any_claim = false;
	for (size_t i = 0; i < fr.n; i++)
		any_claim = any_claim || atoi(fr.rows[i][2]) >= IH_SEV_LOW;
	for (size_t i = 0; i < fr.n; i++) {
		if (any_claim && atoi(fr.rows[i][2]) < IH_SEV_LOW)
			continue;
		set_add(&kinds, fr.rows[i][0]);
		set_add_mitre(&techs, fr.rows[i][1]);
	}
	set_add_mitre(&techs, inc.rows[0][2]);
	rowset_free(&fr);
	if (!kinds.n && !techs.n) {
		fprintf(stderr, "icmphound hunt: incident %s has no findings in the store to compare\n", incident);
		rowset_free(&inc);
		return IH_EXIT_OK;
	}

	/* other hosts' findings of those kinds or techniques */
	struct sql c = { 0 };
	sql_add(&c, "SELECT f.src, f.sensor, f.kind, f.mitre, f.severity, f.first_us, f.last_us FROM findings f WHERE f.src <> $1 AND (1 = 0");
	c.p[c.np++] = IH_SQLV_TEXT(primary);
	for (int i = 0; i < kinds.n; i++)
		sql_param(&c, " OR f.kind = $%d", IH_SQLV_TEXT(kinds.v[i]));
	for (int i = 0; i < techs.n; i++)
		sql_param(&c, " OR f.mitre LIKE '%%,' || $%d || ',%%'", IH_SQLV_TEXT(techs.v[i]));
	sql_add(&c, ")");
	struct hopts o2 = *o;
	if (o2.min_sev < 0)
		o2.min_sev = IH_SEV_LOW; /* "similar" means a claim, unless asked otherwise */
	finding_filters(&c, &o2, "f", true, false);
	sql_add(&c, " ORDER BY f.src, f.first_us LIMIT 100000");
	struct rowset cr = { 0 };
	if (!run(st, &c, &cr)) {
		rowset_free(&inc);
		rowset_free(&cr);
		return IH_EXIT_INTERNAL;
	}
	struct likehost *h = calloc(cr.n ? cr.n : 1, sizeof(*h));
	size_t nh = 0;
	for (size_t i = 0; h && i < cr.n; i++) {
		char **r = cr.rows[i];
		struct likehost *x = nh && strcmp(h[nh - 1].host, r[0]) == 0 ? &h[nh - 1] : NULL;
		if (!x) {
			x = &h[nh++];
			snprintf(x->host, sizeof(x->host), "%s", r[0]);
			x->first = atoll(r[5]);
		}
		x->findings++;
		set_add(&x->sensors, r[1]);
		if (set_has(&kinds, r[2]))
			set_add(&x->kinds, r[2]);
		struct strset fm = { 0 };
		set_add_mitre(&fm, r[3]);
		for (int m = 0; m < fm.n; m++)
			if (set_has(&techs, fm.v[m]))
				set_add(&x->techs, fm.v[m]);
		if (atoi(r[4]) > x->max_sev)
			x->max_sev = atoi(r[4]);
		if (atoll(r[5]) < x->first)
			x->first = atoll(r[5]);
		if (atoll(r[6]) > x->last)
			x->last = atoll(r[6]);
	}
	if (h)
		qsort(h, nh, sizeof(*h), cmp_like);
	static const char *const head[] = { "HOST", "MATCHES", "KINDS", "TECHNIQUES", "FINDINGS", "MAX_SEVERITY",
					    "FIRST_SEEN", "LAST_SEEN", "SENSORS" };
	struct table t = { .ncol = 9, .head = head };
	bool ok = true;
	char ks[512], ts[512];
	join_set(&kinds, ks, sizeof(ks));
	join_set(&techs, ts, sizeof(ts));
	if (!o->jsonl)
		ok = fprintf(o->out, "incident %s (%s, %s): kinds %s; techniques %s\n", incident, primary,
			     inc.rows[0][3] ? inc.rows[0][3] : "?", ks, ts) >= 0;
	size_t shown = 0;
	for (size_t i = 0; h && i < nh && (long)shown < o->limit; i++, shown++) {
		struct likehost *x = &h[i];
		char fs[32], f1[24], f2[24], t1[40], t2[40], kk[512], tt[512], ss[256], mm[16];
		snprintf(f1, sizeof(f1), "%lld", x->first);
		snprintf(f2, sizeof(f2), "%lld", x->last);
		if (o->jsonl) {
			json_t *j = json_object();
			json_object_set_new(j, "type", json_string("hunt"));
			json_object_set_new(j, "query", json_string("like"));
			json_object_set_new(j, "incident", json_string(incident));
			json_object_set_new(j, "host", json_string(x->host));
			json_object_set_new(j, "matches", json_integer(x->kinds.n + x->techs.n));
			json_object_set_new(j, "kinds", set_json(&x->kinds));
			json_object_set_new(j, "techniques", set_json(&x->techs));
			json_object_set_new(j, "findings", json_integer(x->findings));
			json_object_set_new(j, "max_severity", json_string(ih_sev_name((enum ih_sev)x->max_sev)));
			json_object_set_new(j, "first_seen", time_json(f1));
			json_object_set_new(j, "last_seen", time_json(f2));
			json_object_set_new(j, "sensors", set_json(&x->sensors));
			ok = put_json(o->out, j) && ok;
			continue;
		}
		snprintf(fs, sizeof(fs), "%ld", x->findings);
		snprintf(mm, sizeof(mm), "%d", x->kinds.n + x->techs.n);
		join_set(&x->kinds, kk, sizeof(kk));
		join_set(&x->techs, tt, sizeof(tt));
		join_set(&x->sensors, ss, sizeof(ss));
		const char *cells[9] = { x->host, mm, kk, tt, fs, ih_sev_name((enum ih_sev)x->max_sev),
					 when_us(f1, t1, sizeof(t1)), when_us(f2, t2, sizeof(t2)), ss };
		table_add(&t, cells);
	}
	if (!o->jsonl) {
		ok = table_print(o->out, &t) && ok;
		ok = fprintf(o->out, "%zu other host%s like %s\n", shown, shown == 1 ? "" : "s", primary) >= 0 && ok;
	}
	table_free(&t);
	free(h);
	rowset_free(&cr);
	rowset_free(&inc);
	return ok ? IH_EXIT_OK : IH_EXIT_INTERNAL;
}

/* ------------------------------------------------------------------ timeline */

struct tev {
	long long us;
	int order;             /* icmp hour, finding, incident: at the same time */
	char *cells[5];        /* event, severity, sensor, what, detail */
	json_t *j;
};

static int cmp_tev(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;
	if (x->us != y->us)
		return x->us < y->us ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	for (int i = 0; i < 5; i++) {
		int c = strcmp(x->cells[i] ? x->cells[i] : "", y->cells[i] ? y->cells[i] : "");
		if (c)
			return c;
	}
	return 0;
}

struct tevs {
	struct tev *v;
	size_t n, cap;
};

static void tev_add(struct tevs *t, long long us, int order, const char *const cells[5], json_t *j)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct tev *v = realloc(t->v, nc * sizeof(*v));
		if (!v) {
			json_decref(j);
			return;
		}
		t->v = v;
		t->cap = nc;
	}
	struct tev *e = &t->v[t->n++];
	e->us = us;
	e->order = order;
	for (int i = 0; i < 5; i++)
		e->cells[i] = strdup(cells[i] ? cells[i] : "-");
	e->j = j;
}

static int q_timeline(struct ih_store *st, const struct hopts *o, const char *host)
{
	struct ih_addr ha;
	if (!ih_addr_parse(host, &ha)) {
		fprintf(stderr, "icmphound hunt: '%s' is not an address\n", host);
		return IH_EXIT_USAGE;
	}
	char hs[IH_ADDR_STRLEN];
	ih_addr_str(&ha, hs, sizeof(hs));
	struct tevs ev = { 0 };
	bool ok = true;

	/* findings by the host, against it, or over a range that holds it */
	struct sql q = { 0 };
	sql_add(&q, "SELECT f.sensor, f.id, f.kind, f.severity, f.src, f.dst, f.first_us, f.last_us, f.mitre, f.summary "
		    "FROM findings f WHERE (f.src = $1 OR f.dst = $1 OR f.dst LIKE '%/%')");
	q.p[q.np++] = IH_SQLV_TEXT(hs);
	finding_filters(&q, o, "f", true, false);
	sql_add(&q, " ORDER BY f.first_us, f.id LIMIT 100000");
	struct rowset fr = { 0 };
	if (!run(st, &q, &fr)) {
		rowset_free(&fr);
		return IH_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < fr.n; i++) {
		char **r = fr.rows[i];
		const char *role;
		if (strcmp(r[4], hs) == 0) {
			role = "by";
		} else if (r[5] && strcmp(r[5], hs) == 0) {
			role = "against";
		} else {
			struct ih_cidr c;
			if (!r[5] || !ih_cidr_parse(r[5], &c) || !ih_cidr_contains(&c, &ha))
				continue;
			role = "in range of";
		}
		char what[160];
		snprintf(what, sizeof(what), "%s %s %s -> %s", r[2], role, r[4], r[5] ? r[5] : "-");
		const char *cells[5] = { "finding", sev_of(r[3]), r[0], what, r[9] };
		json_t *j = NULL;
		if (o->jsonl) {
			j = json_object();
			json_object_set_new(j, "event", json_string("finding"));
			json_object_set_new(j, "role", json_string(role));
			json_object_set_new(j, "finding", json_string(r[1]));
			json_object_set_new(j, "kind", json_string(r[2]));
			json_object_set_new(j, "severity", json_string(sev_of(r[3])));
			json_object_set_new(j, "src", json_string(r[4]));
			json_object_set_new(j, "dst", json_string(r[5] ? r[5] : ""));
			json_object_set_new(j, "last_seen", time_json(r[7]));
			json_object_set_new(j, "mitre", mitre_json(r[8]));
			json_object_set_new(j, "summary", json_string(r[9] ? r[9] : ""));
		}
		tev_add(&ev, atoll(r[6]), 1, cells, j);
	}
	rowset_free(&fr);

	/* incidents about the host or listing it */
	struct sql qi = { 0 };
	sql_add(&qi, "SELECT i.sensor, i.id, i.verdict, i.score, i.severity, i.primary_host, i.first_us, i.summary "
		     "FROM incidents i WHERE (i.primary_host = $1 OR i.hosts LIKE '%\"' || $1 || '\"%')");
	qi.p[qi.np++] = IH_SQLV_TEXT(hs);
	if (o->has_since)
		sql_param(&qi, " AND i.last_us >= $%d", IH_SQLV_INT(o->since_us));
	if (o->has_until)
		sql_param(&qi, " AND i.first_us <= $%d", IH_SQLV_INT(o->until_us));
	if (o->sensor)
		sql_param(&qi, " AND i.sensor = $%d", IH_SQLV_TEXT(o->sensor));
	if (o->min_sev >= 0)
		sql_param(&qi, " AND i.severity >= $%d", IH_SQLV_INT(o->min_sev));
	sql_add(&qi, " ORDER BY i.first_us, i.id LIMIT 10000");
	struct rowset ir = { 0 };
	if (!run(st, &qi, &ir)) {
		rowset_free(&ir);
		goto fail;
	}
	for (size_t i = 0; i < ir.n; i++) {
		char **r = ir.rows[i];
		char what[200];
		snprintf(what, sizeof(what), "%s %s score %s%s", r[1], r[2], r[3],
			 strcmp(r[5], hs) == 0 ? "" : " (linked host)");
		const char *cells[5] = { "incident", sev_of(r[4]), r[0], what, r[7] };
		json_t *j = NULL;
		if (o->jsonl) {
			j = json_object();
			json_object_set_new(j, "event", json_string("incident"));
			json_object_set_new(j, "incident", json_string(r[1]));
			json_object_set_new(j, "verdict", json_string(r[2]));
			json_object_set_new(j, "score", json_integer(atoi(r[3])));
			json_object_set_new(j, "severity", json_string(sev_of(r[4])));
			json_object_set_new(j, "primary", json_string(r[5]));
			json_object_set_new(j, "summary", json_string(r[7] ? r[7] : ""));
		}
		tev_add(&ev, atoll(r[6]), 2, cells, j);
	}
	rowset_free(&ir);

	/* its ICMP hour by hour */
	struct sql qh = { 0 };
	sql_add(&qh, "SELECT h.sensor, h.hour, SUM(h.packets), SUM(h.bytes), SUM(h.requests), MAX(h.peers), "
		     "SUM(h.packets_in) FROM icmp_hourly h WHERE h.host = $1");
	qh.p[qh.np++] = IH_SQLV_TEXT(hs);
	if (o->has_since)
		sql_param(&qh, " AND h.hour >= $%d", IH_SQLV_INT(o->since_us / 1000000 / 3600 * 3600));
	if (o->has_until)
		sql_param(&qh, " AND h.hour <= $%d", IH_SQLV_INT(o->until_us / 1000000));
	if (o->sensor)
		sql_param(&qh, " AND h.sensor = $%d", IH_SQLV_TEXT(o->sensor));
	sql_add(&qh, " GROUP BY h.sensor, h.hour ORDER BY h.hour, h.sensor LIMIT 100000");
	struct rowset hr = { 0 };
	if (!o->kind && !o->technique && o->min_sev < 0) {
		if (!run(st, &qh, &hr)) {
			rowset_free(&hr);
			goto fail;
		}
	}
	for (size_t i = 0; i < hr.n; i++) {
		char **r = hr.rows[i];
		char what[200];
		snprintf(what, sizeof(what), "sent %s ICMP (%s requests, %s bytes) to %s peer%s; received %s", r[2], r[4],
			 r[3], r[5], strcmp(r[5], "1") == 0 ? "" : "s", r[6]);
		const char *cells[5] = { "icmp_hour", "-", r[0], what, "-" };
		json_t *j = NULL;
		if (o->jsonl) {
			j = json_object();
			json_object_set_new(j, "event", json_string("icmp_hour"));
			json_object_set_new(j, "packets", json_integer(atoll(r[2])));
			json_object_set_new(j, "bytes", json_integer(atoll(r[3])));
			json_object_set_new(j, "requests", json_integer(atoll(r[4])));
			json_object_set_new(j, "peers", json_integer(atoll(r[5])));
			json_object_set_new(j, "packets_in", json_integer(atoll(r[6])));
		}
		tev_add(&ev, atoll(r[1]) * 1000000ll, 0, cells, j);
	}
	rowset_free(&hr);

	if (ev.n)
		qsort(ev.v, ev.n, sizeof(*ev.v), cmp_tev);
	static const char *const head[] = { "TIME", "EVENT", "SEVERITY", "SENSOR", "WHAT", "DETAIL" };
	struct table t = { .ncol = 6, .head = head };
	size_t n = ev.n < (size_t)o->limit ? ev.n : (size_t)o->limit;
	for (size_t i = 0; i < n; i++) {
		struct tev *e = &ev.v[i];
		char us[24], t1[40];
		snprintf(us, sizeof(us), "%lld", e->us);
		if (o->jsonl) {
			json_t *j = json_object();
			json_object_set_new(j, "type", json_string("hunt"));
			json_object_set_new(j, "query", json_string("timeline"));
			json_object_set_new(j, "host", json_string(hs));
			json_object_set_new(j, "time", time_json(us));
			json_object_set_new(j, "sensor", json_string(e->cells[2]));
			json_object_update(j, e->j);
			ok = put_json(o->out, j) && ok;
			continue;
		}
		const char *cells[6] = { when_us(us, t1, sizeof(t1)), e->cells[0], e->cells[1], e->cells[2], e->cells[3],
					 e->cells[4] };
		table_add(&t, cells);
	}
	if (!o->jsonl) {
		ok = table_print(o->out, &t) && ok;
		ok = fprintf(o->out, "%zu event%s for %s\n", n, n == 1 ? "" : "s", hs) >= 0 && ok;
	}
	table_free(&t);
	for (size_t i = 0; i < ev.n; i++) {
		for (int c = 0; c < 5; c++)
			free(ev.v[i].cells[c]);
		json_decref(ev.v[i].j);
	}
	free(ev.v);
	return ok ? IH_EXIT_OK : IH_EXIT_INTERNAL;
fail:
	for (size_t i = 0; i < ev.n; i++) {
		for (int c = 0; c < 5; c++)
			free(ev.v[i].cells[c]);
		json_decref(ev.v[i].j);
	}
	free(ev.v);
	return IH_EXIT_INTERNAL;
}

/* ------------------------------------------------------------------ the command */

int ih_cmd_hunt(int argc, char **argv)
{
	enum { O_STORE = 256, O_SINCE, O_UNTIL, O_TECH, O_KIND, O_SEV, O_SENSOR, O_HOST, O_LIMIT, O_NOW };
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "technique", required_argument, NULL, O_TECH },
		{ "kind", required_argument, NULL, O_KIND },
		{ "severity", required_argument, NULL, O_SEV },
		{ "sensor", required_argument, NULL, O_SENSOR },
		{ "host", required_argument, NULL, O_HOST },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "now", required_argument, NULL, O_NOW },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hopts o = { .min_sev = -1, .limit = MAX_ROWS_DEFAULT };
	const char *since = NULL, *until = NULL, *now_s = NULL, *outpath = NULL;
	char host[IH_ADDR_STRLEN];
	int c;
	optind = 0; /* a full restart, permutation included (tests run commands several times) */
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_STORE: o.store = optarg; break;
		case O_SINCE: since = optarg; break;
		case O_UNTIL: until = optarg; break;
		case O_TECH: o.technique = optarg; break;
		case O_KIND: o.kind = optarg; break;
		case O_SEV: {
			enum ih_sev s;
			if (!ih_sev_parse(optarg, &s)) {
				fprintf(stderr, "icmphound hunt: unknown severity '%s' (info, low, medium, high, critical)\n", optarg);
				return IH_EXIT_USAGE;
			}
			o.min_sev = (int)s;
			break;
		}
		case O_SENSOR: o.sensor = optarg; break;
		case O_HOST: {
			struct ih_addr a;
			if (!ih_addr_parse(optarg, &a)) {
				fprintf(stderr, "icmphound hunt: --host wants an address, got '%s'\n", optarg);
				return IH_EXIT_USAGE;
			}
			o.host = ih_addr_str(&a, host, sizeof(host));
			break;
		}
		case O_LIMIT: {
			char *end;
			o.limit = strtol(optarg, &end, 10);
			if (*end || o.limit <= 0) {
				fprintf(stderr, "icmphound hunt: --limit wants a positive number, got '%s'\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		}
		case O_NOW: now_s = optarg; break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				o.jsonl = true;
			else if (strcmp(optarg, "text") == 0)
				o.jsonl = false;
			else {
				fprintf(stderr, "icmphound hunt: unknown format '%s' (text or jsonl)\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	/* getopt has moved the words (query and argument) behind the options */
	const char *query = optind < argc ? argv[optind++] : NULL;
	const char *arg = optind < argc ? argv[optind++] : NULL;
	if (optind < argc) {
		fprintf(stderr, "icmphound hunt: unexpected argument '%s'\n", argv[optind]);
		return IH_EXIT_USAGE;
	}
	if (!query) {
		fprintf(stderr, "icmphound hunt: no query given\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	uint64_t now_ns;
	if (now_s) {
		if (!ih_time_parse(now_s, &now_ns)) {
			fprintf(stderr, "icmphound hunt: --now wants an RFC 3339 time, got '%s'\n", now_s);
			return IH_EXIT_USAGE;
		}
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	uint64_t ns;
	if (since) {
		if (!ih_time_parse_when(since, now_ns, &ns)) {
			fprintf(stderr, "icmphound hunt: --since wants RFC 3339 or a span like 7d, got '%s'\n", since);
			return IH_EXIT_USAGE;
		}
		o.has_since = true;
		o.since_us = (int64_t)(ns / 1000);
	}
	if (until) {
		if (!ih_time_parse_when(until, now_ns, &ns)) {
			fprintf(stderr, "icmphound hunt: --until wants RFC 3339 or a span like 7d, got '%s'\n", until);
			return IH_EXIT_USAGE;
		}
		o.has_until = true;
		o.until_us = (int64_t)(ns / 1000);
	}
	enum { Q_SWEEPS, Q_LATERAL, Q_LIKE, Q_TIMELINE, Q_FINDINGS } which;
	if (strcmp(query, "sweeps") == 0)
		which = Q_SWEEPS;
	else if (strcmp(query, "lateral") == 0)
		which = Q_LATERAL;
	else if (strcmp(query, "like") == 0)
		which = Q_LIKE;
	else if (strcmp(query, "timeline") == 0)
		which = Q_TIMELINE;
	else if (strcmp(query, "findings") == 0)
		which = Q_FINDINGS;
	else {
		fprintf(stderr, "icmphound hunt: unknown query '%s' (sweeps, lateral, like, timeline, findings)\n", query);
		return IH_EXIT_USAGE;
	}
	if ((which == Q_LIKE || which == Q_TIMELINE) && !arg) {
		fprintf(stderr, "icmphound hunt: %s needs %s\n", query, which == Q_LIKE ? "an incident id" : "a host");
		return IH_EXIT_USAGE;
	}
	if (which != Q_LIKE && which != Q_TIMELINE && arg) {
		fprintf(stderr, "icmphound hunt: %s takes no argument, got '%s'\n", query, arg);
		return IH_EXIT_USAGE;
	}

	/* the store: hunting reads, so a missing SQLite file is an error, not a new store */
	const char *target = o.store ? o.store : getenv("ICMPHOUND_STORE");
	char path[4096];
	if (!target || !*target || strcmp(target, "default") == 0) {
		if (!ih_store_default_path(path, sizeof(path))) {
			fprintf(stderr, "icmphound hunt: no store location: give --store or set XDG_DATA_HOME or HOME\n");
			return IH_EXIT_OPEN;
		}
		target = path;
	}
	struct stat sb;
	if (!ih_store_is_postgres(target) && stat(target, &sb) != 0) {
		fprintf(stderr, "icmphound hunt: no store at %s (record one with `icmphound analyze --store %s FILE`)\n",
			target, target);
		return IH_EXIT_OPEN;
	}
	char err[512];
	struct ih_store *st = ih_store_open(target, NULL, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "icmphound hunt: %s\n", err);
		return IH_EXIT_OPEN;
	}
	o.out = stdout;
	if (outpath && !(o.out = fopen(outpath, "w"))) {
		fprintf(stderr, "icmphound hunt: cannot write %s: %m\n", outpath);
		ih_store_close(st, err, sizeof(err));
		return IH_EXIT_OPEN;
	}
	ih_sandbox_enter("hunt", NULL, ih_sandbox_store(target));
	int rc;
	switch (which) {
	case Q_SWEEPS: rc = q_sweeps(st, &o); break;
	case Q_LATERAL: rc = q_lateral(st, &o); break;
	case Q_LIKE: rc = q_like(st, &o, arg); break;
	case Q_TIMELINE: rc = q_timeline(st, &o, arg); break;
	default: rc = q_findings(st, &o); break;
	}
	if (fflush(o.out) != 0 && rc == IH_EXIT_OK)
		rc = IH_EXIT_INTERNAL;
	if (o.out != stdout && fclose(o.out) != 0 && rc == IH_EXIT_OK)
		rc = IH_EXIT_INTERNAL;
	ih_store_close(st, err, sizeof(err));
	return rc;
}

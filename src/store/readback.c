/* readback.c — the store's findings, incidents and inputs read back as the JSON lines contract
 * has them (docs/JSONL.md), for report --store, contain and evidence.
 *
 * Findings and incidents are kept whole in their `doc` column (the line as `analyze` wrote it),
 * so reading back is parsing that text: what comes back is exactly what was analysed, with the
 * row's sensor (and a finding's input) added. The columns beside `doc` are only used to select
 * and order rows. A doc that is not a JSON object (a hand-edited or damaged database) is an error
 * naming the table, the sensor and the row id — never a crash, never a silently skipped row.
 *
 * The SQL is the common dialect of SQLite and PostgreSQL, with $N parameters. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/finding.h"
#include "store/readback.h"

/* Rows read at most per call: a store is trusted more than a capture, but a runaway query must
 * still end. Past it the call fails and says so rather than returning a silent subset. */
#define MAX_ROWS 1000000

struct q {
	char sql[2048];
	size_t n;
	struct ih_sqlv p[IH_SQL_MAXPARAMS];
	int np;
	bool overflow;
};

static void q_add(struct q *q, const char *s)
{
	size_t l = strlen(s);
	if (l >= sizeof(q->sql) - q->n) {
		q->overflow = true;
		return;
	}
	memcpy(q->sql + q->n, s, l + 1);
	q->n += l;
}

/* Appends fmt, in which every "%d" is the number of the new parameter v. */
static void q_param(struct q *q, const char *fmt, struct ih_sqlv v)
{
	if (q->np >= IH_SQL_MAXPARAMS) {
		q->overflow = true;
		return;
	}
	q->p[q->np++] = v;
	char buf[256];
	snprintf(buf, sizeof(buf), fmt, q->np, q->np, q->np);
	q_add(q, buf);
}

static int64_t ns_to_us(uint64_t ns)
{
	return (int64_t)(ns / 1000ull);
}

/* The filter's common part for a table aliased `a` with sensor, first_us and last_us. */
static void q_filter(struct q *q, const struct ih_store_filter *f, const char *a)
{
	char buf[128];
	if (!f)
		return;
	if (f->sensor) {
		snprintf(buf, sizeof(buf), " AND %s.sensor = $%%d", a);
		q_param(q, buf, IH_SQLV_TEXT(f->sensor));
	}
	if (f->since_ns) {
		snprintf(buf, sizeof(buf), " AND %s.last_us >= $%%d", a);
		q_param(q, buf, IH_SQLV_INT(ns_to_us(f->since_ns)));
	}
	if (f->until_ns) {
		snprintf(buf, sizeof(buf), " AND %s.first_us < $%%d", a);
		q_param(q, buf, IH_SQLV_INT(ns_to_us(f->until_ns)));
	}
}

/* ------------------------------------------------------------------ rows into JSON */

struct rows {
	const char *table;
	json_t *out;          /* array the rows are appended to */
	json_t *(*make)(struct rows *r, int ncol, const char *const *val);
	size_t n;
	bool failed;
	char *err;
	size_t errlen;
};

/* The error for a row that cannot be read: table, sensor/id, why. */
static bool rows_fail(struct rows *r, const char *sensor, const char *id, const char *why)
{
	if (!r->failed)
		snprintf(r->err, r->errlen, "store: %s row %s/%s: %s", r->table, sensor ? sensor : "?", id ? id : "?",
			 why);
	r->failed = true;
	return false;
}

static bool on_row(void *ctx, int ncol, const char *const *val)
{
	struct rows *r = ctx;
	if (++r->n > MAX_ROWS) {
		snprintf(r->err, r->errlen, "store: more than %d %s rows match; narrow the query", MAX_ROWS, r->table);
		r->failed = true;
		return false;
	}
	json_t *o = r->make(r, ncol, val);
	if (!o)
		return false; /* make set the error */
	if (json_array_append_new(r->out, o) != 0) {
		snprintf(r->err, r->errlen, "store: out of memory");
		r->failed = true;
		return false;
	}
	return true;
}

/* The doc column (val[doc]) parsed, or NULL with the error set. */
static json_t *parse_doc(struct rows *r, const char *sensor, const char *id, const char *doc, const char *type)
{
	if (!doc)
		return rows_fail(r, sensor, id, "no doc"), NULL;
	json_error_t je;
	json_t *o = json_loads(doc, JSON_REJECT_DUPLICATES, &je);
	char why[300];
	if (!o) {
		snprintf(why, sizeof(why), "doc is not JSON (%s at character %d)", je.text, je.position);
		return rows_fail(r, sensor, id, why), NULL;
	}
	const char *t = json_string_value(json_object_get(o, "type"));
	const char *oid = json_string_value(json_object_get(o, "id"));
	if (!json_is_object(o) || !t || strcmp(t, type) != 0 || !oid) {
		snprintf(why, sizeof(why), "doc is not a \"type\":\"%s\" object with an id", type);
		json_decref(o);
		return rows_fail(r, sensor, id, why), NULL;
	}
	if (!id || strcmp(oid, id) != 0) {
		json_decref(o);
		return rows_fail(r, sensor, id, "doc holds another id"), NULL;
	}
	return o;
}

/* sensor, id, input, doc */
static json_t *make_finding(struct rows *r, int ncol, const char *const *val)
{
	if (ncol != 4)
		return rows_fail(r, NULL, NULL, "unexpected columns"), NULL;
	json_t *o = parse_doc(r, val[0], val[1], val[3], "finding");
	if (!o)
		return NULL;
	json_object_set_new(o, "sensor", json_string(val[0] ? val[0] : ""));
	json_object_set_new(o, "input", val[2] ? json_string(val[2]) : json_null());
	return o;
}

/* sensor, id, doc */
static json_t *make_incident(struct rows *r, int ncol, const char *const *val)
{
	if (ncol != 3)
		return rows_fail(r, NULL, NULL, "unexpected columns"), NULL;
	json_t *o = parse_doc(r, val[0], val[1], val[2], "incident");
	if (!o)
		return NULL;
	if (!json_is_array(json_object_get(o, "findings"))) {
		json_decref(o);
		return rows_fail(r, val[0], val[1], "doc has no findings array"), NULL;
	}
	json_object_set_new(o, "sensor", json_string(val[0] ? val[0] : ""));
	return o;
}

static bool int_col(const char *s, int64_t *v)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static json_t *time_col(const char *us)
{
	int64_t v;
	char t[40];
	if (!int_col(us, &v) || v < 0)
		return json_null();
	return json_string(ih_time_str((uint64_t)v * 1000ull, t, sizeof(t)));
}

/* sensor, id, name, format, size, first_us, last_us, packets */
static json_t *make_input(struct rows *r, int ncol, const char *const *val)
{
	int64_t size, packets;
	if (ncol != 8)
		return rows_fail(r, NULL, NULL, "unexpected columns"), NULL;
	if (!val[1] || !val[2] || !int_col(val[4], &size) || !int_col(val[7], &packets) || size < 0 || packets < 0)
		return rows_fail(r, val[0], val[1], "bad id, name, size or packets"), NULL;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(val[1]));
	json_object_set_new(o, "name", json_string(val[2]));
	json_object_set_new(o, "format", json_string(val[3] ? val[3] : ""));
	json_object_set_new(o, "size", json_integer(size));
	json_object_set_new(o, "first_seen", time_col(val[5]));
	json_object_set_new(o, "last_seen", time_col(val[6]));
	json_object_set_new(o, "packets", json_integer(packets));
	json_object_set_new(o, "sensor", json_string(val[0] ? val[0] : ""));
	return o;
}

/* Runs q and appends one object per row to a new array in *out. */
static bool run(struct ih_store *s, struct q *q, const char *table,
		json_t *(*make)(struct rows *, int, const char *const *), json_t **out, char *err, size_t errlen)
{
	if (q->overflow) {
		snprintf(err, errlen, "store: query too long");
		return false;
	}
	struct rows r = { .table = table, .out = json_array(), .make = make, .err = err, .errlen = errlen };
	if (!r.out) {
		snprintf(err, errlen, "store: out of memory");
		return false;
	}
	bool ok = ih_store_select(s, q->sql, q->p, q->np, on_row, &r, err, errlen) && !r.failed;
	if (!ok) {
		json_decref(r.out);
		return false;
	}
	*out = r.out;
	return true;
}

/* ------------------------------------------------------------------ the API */

bool ih_store_read_findings(struct ih_store *s, const struct ih_store_filter *f, json_t **out, char *err,
			    size_t errlen)
{
	struct q q = { 0 };
	q_add(&q, "SELECT f.sensor, f.id, f.input, f.doc FROM findings f WHERE 1 = 1");
	q_filter(&q, f, "f");
	if (f && f->host)
		q_param(&q, " AND (f.src = $%d OR f.dst = $%d)", IH_SQLV_TEXT(f->host));
	q_add(&q, " ORDER BY f.first_us, f.kind, f.src, f.dst, f.id, f.sensor");
	return run(s, &q, "findings", make_finding, out, err, errlen);
}

/* Verdict rank as an analysis orders incidents: malicious, suspicious, benign, anything else. */
#define VERDICT_RANK "CASE i.verdict WHEN 'malicious' THEN 0 WHEN 'suspicious' THEN 1 WHEN 'benign' THEN 2 ELSE 3 END"

bool ih_store_read_incidents(struct ih_store *s, const struct ih_store_filter *f, json_t **out, char *err,
			     size_t errlen)
{
	struct q q = { 0 };
	q_add(&q, "SELECT i.sensor, i.id, i.doc FROM incidents i WHERE 1 = 1");
	q_filter(&q, f, "i");
	/* hosts is a JSON array of address strings: the quoted address is one element */
	if (f && f->host)
		q_param(&q, " AND (i.primary_host = $%d OR i.hosts LIKE '%%\"' || $%d || '\"%%')", IH_SQLV_TEXT(f->host));
	q_add(&q, " ORDER BY " VERDICT_RANK ", i.score DESC, i.first_us, i.primary_host, i.id, i.sensor");
	return run(s, &q, "incidents", make_incident, out, err, errlen);
}

bool ih_store_read_inputs(struct ih_store *s, const struct ih_store_filter *f, json_t **out, char *err,
			  size_t errlen)
{
	struct q q = { 0 };
	q_add(&q, "SELECT n.sensor, n.id, n.name, n.format, n.size, n.first_us, n.last_us, n.packets "
		  "FROM inputs n WHERE 1 = 1");
	if (f && f->sensor)
		q_param(&q, " AND n.sensor = $%d", IH_SQLV_TEXT(f->sensor));
	/* an input with nothing in it has no span: it overlaps no window */
	if (f && f->since_ns)
		q_param(&q, " AND n.last_us >= $%d", IH_SQLV_INT(ns_to_us(f->since_ns)));
	if (f && f->until_ns)
		q_param(&q, " AND n.first_us < $%d", IH_SQLV_INT(ns_to_us(f->until_ns)));
	q_add(&q, " ORDER BY n.first_us, n.id, n.sensor");
	return run(s, &q, "inputs", make_input, out, err, errlen);
}

bool ih_store_read_incident(struct ih_store *s, const char *id, json_t **incident, json_t **findings,
			    json_t **inputs, char *err, size_t errlen)
{
	if (incident)
		*incident = NULL;
	if (findings)
		*findings = NULL;
	if (inputs)
		*inputs = NULL;
	if (!id || !*id || strlen(id) > 64) {
		snprintf(err, errlen, "not an incident id: '%.64s'", id ? id : "");
		return false;
	}
	/* the same capture analysed by two sensors gives the same incident id twice: the one
	 * recorded last is taken (its sensor then selects the findings and inputs) */
	struct q q = { 0 };
	q_add(&q, "SELECT i.sensor, i.id, i.doc FROM incidents i WHERE UPPER(i.id) = UPPER($1) "
		  "ORDER BY i.recorded_us DESC, i.sensor LIMIT 1");
	q.p[q.np++] = IH_SQLV_TEXT(id);
	json_t *found = NULL;
	if (!run(s, &q, "incidents", make_incident, &found, err, errlen))
		return false;
	if (json_array_size(found) == 0) {
		json_decref(found);
		snprintf(err, errlen, "no incident %s in the store", id);
		return false;
	}
	json_t *inc = json_incref(json_array_get(found, 0));
	json_decref(found);
	const char *sensor = json_string_value(json_object_get(inc, "sensor"));
	const char *iid = json_string_value(json_object_get(inc, "id"));

	json_t *fs = NULL, *ins = NULL;
	struct q qf = { 0 };
	q_add(&qf, "SELECT f.sensor, f.id, f.input, f.doc FROM incident_findings l JOIN findings f "
		   "ON f.sensor = l.sensor AND f.id = l.finding WHERE l.sensor = $1 AND l.incident = $2 "
		   "ORDER BY f.first_us, f.kind, f.src, f.dst, f.id");
	qf.p[qf.np++] = IH_SQLV_TEXT(sensor);
	qf.p[qf.np++] = IH_SQLV_TEXT(iid);
	if (!run(s, &qf, "findings", make_finding, &fs, err, errlen))
		goto fail;

	struct q qi = { 0 };
	q_add(&qi, "SELECT n.sensor, n.id, n.name, n.format, n.size, n.first_us, n.last_us, n.packets FROM inputs n "
		   "WHERE n.sensor = $1 AND (n.id IN (SELECT f.input FROM incident_findings l JOIN findings f "
		   "ON f.sensor = l.sensor AND f.id = l.finding WHERE l.sensor = $1 AND l.incident = $2) "
		   "OR n.id IN (SELECT i.input FROM incidents i WHERE i.sensor = $1 AND i.id = $2)) "
		   "ORDER BY n.first_us, n.id");
	qi.p[qi.np++] = IH_SQLV_TEXT(sensor);
	qi.p[qi.np++] = IH_SQLV_TEXT(iid);
	if (!run(s, &qi, "inputs", make_input, &ins, err, errlen))
		goto fail;

	if (incident)
		*incident = inc;
	else
		json_decref(inc);
	if (findings)
		*findings = fs;
	else
		json_decref(fs);
	if (inputs)
		*inputs = ins;
	else
		json_decref(ins);
	return true;
fail:
	json_decref(inc);
	json_decref(fs);
	json_decref(ins);
	return false;
}

/* store.c — the store: opening and migrating, batches with retries, and the rows icmphound
 * writes (findings, incidents, inputs, hourly summaries, peers, actions).
 *
 * Batches. Rows are queued with copies of their parameters. A flush runs BEGIN, every row,
 * COMMIT. When that fails because the connection was lost (or the database was busy), the
 * whole batch is replayed on a fresh connection after a wait that doubles from backoff_ms (at
 * most 5 s), up to `retries` times; the queue is only emptied once a COMMIT returned. Replaying
 * is safe because every statement is an idempotent upsert on a natural key: if the lost COMMIT
 * had in fact reached the server, the replay writes the same rows over themselves. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timeparse.h"
#include "report/finding.h"
#include "store/backend.h"

struct qrow {
	char *sql;
	int np;
	struct ih_sqlv v[IH_SQL_MAXPARAMS];
};

struct ih_store {
	struct ih_db *db;
	enum ih_store_backend backend;
	char sensor[128];
	char hostname[128];
	char where[4096];
	unsigned retries, backoff_ms, batch_rows;
	struct qrow *q;
	size_t nq, qcap;
	bool sensor_queued;
	struct ih_store_stats st;
	ih_store_hook_fn hook;
	void *hook_ctx;
};

/* ------------------------------------------------------------------ small helpers */

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

bool ih_store_is_postgres(const char *t)
{
	if (!t)
		return false;
	while (*t == ' ' || *t == '\t')
		t++;
	if (starts_with(t, "postgres://") || starts_with(t, "postgresql://"))
		return true;
	static const char *const keys[] = { "host=", "hostaddr=", "dbname=", "service=", "user=", "port=" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (starts_with(t, keys[i]))
			return true;
	return false;
}

bool ih_store_default_path(char *buf, size_t len)
{
	const char *x = getenv("XDG_DATA_HOME");
	int n;
	if (x && x[0] == '/')
		n = snprintf(buf, len, "%s/icmphound/icmphound.db", x);
	else if ((x = getenv("HOME")) && x[0])
		n = snprintf(buf, len, "%s/.local/share/icmphound/icmphound.db", x);
	else
		return false;
	return n > 0 && (size_t)n < len;
}

/* The connection string without its password, for messages and the stats line. */
static void redact(const char *in, char *out, size_t len)
{
	snprintf(out, len, "%s", in);
	char *at = strchr(out, '@');
	char *scheme = strstr(out, "://");
	if (scheme && at && at > scheme) {
		char *colon = memchr(scheme + 3, ':', (size_t)(at - (scheme + 3)));
		if (colon) {
			char rest[4096];
			snprintf(rest, sizeof(rest), "%s", at);
			snprintf(colon, len - (size_t)(colon - out), ":***%s", rest);
		}
	}
	char *pw = strstr(out, "password=");
	if (pw) {
		char *end = pw + 9;
		while (*end && *end != ' ' && *end != '&')
			end++;
		char rest[4096];
		snprintf(rest, sizeof(rest), "%s", end);
		snprintf(pw + 9, len - (size_t)(pw + 9 - out), "***%s", rest);
	}
}

/* ------------------------------------------------------------------ statements with retries */

static void free_row(struct qrow *r)
{
	free(r->sql);
	for (int i = 0; i < r->np; i++)
		if (r->v[i].t == IH_SQL_TEXT)
			free((char *)r->v[i].s);
	memset(r, 0, sizeof(*r));
}

static void clear_queue(struct ih_store *s)
{
	for (size_t i = 0; i < s->nq; i++)
		free_row(&s->q[i]);
	s->nq = 0;
}

/* One attempt at the whole batch. */
static enum ih_db_err try_batch(struct ih_store *s, char *err, size_t errlen)
{
	const struct ih_db_ops *ops = s->db->ops;
	enum ih_db_err e = ops->script(s->db, ops->begin, err, errlen);
	if (e != IH_DB_OK)
		return e;
	for (size_t i = 0; i < s->nq; i++) {
		e = ops->exec(s->db, s->q[i].sql, s->q[i].v, s->q[i].np, NULL, NULL, err, errlen);
		if (e != IH_DB_OK)
			return e;
		if (s->hook && s->hook(s->hook_ctx, s, (int)i)) {
			snprintf(err, errlen, "connection lost (test hook) after row %zu", i);
			return IH_DB_LOST;
		}
	}
	e = ops->script(s->db, "COMMIT", err, errlen);
	if (e != IH_DB_OK)
		return e;
	if (s->hook && s->hook(s->hook_ctx, s, -1)) {
		snprintf(err, errlen, "connection lost (test hook) after COMMIT");
		return IH_DB_LOST;
	}
	return IH_DB_OK;
}

/* Waits and recovers before attempt `attempt` (1-based) after a failure e. */
static void recover(struct ih_store *s, enum ih_db_err e, unsigned attempt)
{
	unsigned wait = s->backoff_ms;
	for (unsigned i = 1; i < attempt && wait < 5000; i++)
		wait *= 2;
	if (wait > 5000)
		wait = 5000;
	s->st.retries++;
	char e2[256];
	if (e == IH_DB_LOST) {
		sleep_ms(wait);
		if (s->db->ops->reconnect(s->db, e2, sizeof(e2)))
			s->st.reconnects++;
	} else {
		s->db->ops->script(s->db, "ROLLBACK", e2, sizeof(e2));
		sleep_ms(wait);
	}
}

bool ih_store_flush(struct ih_store *s, char *err, size_t errlen)
{
	if (!s->nq)
		return true;
	char e1[512] = "";
	enum ih_db_err e = IH_DB_OK;
	for (unsigned attempt = 0; attempt <= s->retries; attempt++) {
		if (attempt)
			recover(s, e, attempt);
		e = try_batch(s, e1, sizeof(e1));
		if (e == IH_DB_OK) {
			s->st.batches++;
			s->st.rows_committed += s->nq;
			clear_queue(s);
			return true;
		}
		if (e != IH_DB_LOST && e != IH_DB_BUSY)
			break;
	}
	char e2[128];
	if (e != IH_DB_LOST)
		s->db->ops->script(s->db, "ROLLBACK", e2, sizeof(e2));
	snprintf(err, errlen, "store %s: %zu rows not written%s: %s", s->where, s->nq,
		 e == IH_DB_LOST || e == IH_DB_BUSY ? " after every retry" : "", e1);
	return false;
}

bool ih_store_queue(struct ih_store *s, const char *sql, const struct ih_sqlv *p, int np, char *err, size_t errlen)
{
	if (np > IH_SQL_MAXPARAMS) {
		snprintf(err, errlen, "store: too many parameters");
		return false;
	}
	if (s->nq == s->qcap) {
		size_t nc = s->qcap ? s->qcap * 2 : 64;
		struct qrow *q = realloc(s->q, nc * sizeof(*q));
		if (!q) {
			snprintf(err, errlen, "store: out of memory");
			return false;
		}
		s->q = q;
		s->qcap = nc;
	}
	struct qrow *r = &s->q[s->nq];
	memset(r, 0, sizeof(*r));
	r->sql = strdup(sql);
	bool ok = r->sql != NULL;
	for (int i = 0; i < np && ok; i++) {
		r->v[i] = p[i];
		if (p[i].t == IH_SQL_TEXT) {
			r->v[i].s = strdup(p[i].s);
			ok = r->v[i].s != NULL;
		}
		r->np = i + 1;
	}
	if (!ok) {
		free_row(r);
		snprintf(err, errlen, "store: out of memory");
		return false;
	}
	s->nq++;
	s->st.rows_queued++;
	if (s->nq >= s->batch_rows)
		return ih_store_flush(s, err, errlen);
	return true;
}

bool ih_store_select(struct ih_store *s, const char *sql, const struct ih_sqlv *p, int np,
		     ih_store_row_fn fn, void *ctx, char *err, size_t errlen)
{
	if (!ih_store_flush(s, err, errlen))
		return false;
	char e1[512] = "";
	enum ih_db_err e = IH_DB_OK;
	s->st.queries++;
	for (unsigned attempt = 0; attempt <= s->retries; attempt++) {
		if (attempt)
			recover(s, e, attempt);
		e = s->db->ops->exec(s->db, sql, p, np, fn, ctx, e1, sizeof(e1));
		if (e == IH_DB_OK)
			return true;
		if (e != IH_DB_LOST && e != IH_DB_BUSY)
			break;
	}
	snprintf(err, errlen, "store %s: %s", s->where, e1);
	return false;
}

/* ------------------------------------------------------------------ schema */

static char *dialect(const char *sql, const struct ih_db_ops *ops)
{
	size_t cap = strlen(sql) * 2 + 64, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *p = sql; *p;) {
		const char *w = NULL;
		size_t skip = 0;
		if (starts_with(p, "@SERIAL@"))
			w = ops->serial_pk, skip = 8;
		else if (starts_with(p, "@REAL@"))
			w = ops->real, skip = 6;
		if (w) {
			size_t l = strlen(w);
			if (n + l + 1 >= cap)
				break;
			memcpy(out + n, w, l);
			n += l;
			p += skip;
		} else {
			if (n + 2 >= cap)
				break;
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

static bool read_int(void *ctx, int ncol, const char *const *val)
{
	if (ncol >= 1 && val[0])
		*(long long *)ctx = atoll(val[0]);
	return false;
}

int ih_store_schema_latest(void)
{
	return ih_migrations[ih_nmigrations - 1].version;
}

int ih_store_schema_version(struct ih_store *s)
{
	long long v = 0;
	char err[256];
	if (!ih_store_select(s, "SELECT max(version) FROM schema_version", NULL, 0, read_int, &v, err, sizeof(err)))
		return -1;
	return (int)v;
}

/* Brings the schema to version `upto` in one transaction (all or nothing). */
static bool migrate(struct ih_store *s, int upto, char *err, size_t errlen)
{
	const struct ih_db_ops *ops = s->db->ops;
	char e1[512];
	if (ops->script(s->db, ops->begin, e1, sizeof(e1)) != IH_DB_OK)
		goto fail;
	if (ops->lock_schema && ops->exec(s->db, ops->lock_schema, NULL, 0, NULL, NULL, e1, sizeof(e1)) != IH_DB_OK)
		goto fail;
	if (ops->script(s->db,
			"CREATE TABLE IF NOT EXISTS schema_version (\n"
			"  version INTEGER PRIMARY KEY,\n"
			"  description TEXT NOT NULL,\n"
			"  applied_us BIGINT NOT NULL\n"
			")",
			e1, sizeof(e1)) != IH_DB_OK)
		goto fail;
	long long cur = 0;
	if (ops->exec(s->db, "SELECT max(version) FROM schema_version", NULL, 0, read_int, &cur, e1, sizeof(e1)) != IH_DB_OK)
		goto fail;
	if (cur > ih_store_schema_latest()) {
		snprintf(e1, sizeof(e1), "its schema is version %lld, newer than this icmphound knows (%d): upgrade icmphound",
			 cur, ih_store_schema_latest());
		goto fail;
	}
	for (size_t i = 0; i < ih_nmigrations; i++) {
		const struct ih_migration *m = &ih_migrations[i];
		if (m->version <= cur || m->version > upto)
			continue;
		char *sql = dialect(m->sql, ops);
		if (!sql) {
			snprintf(e1, sizeof(e1), "out of memory");
			goto fail;
		}
		enum ih_db_err e = ops->script(s->db, sql, e1, sizeof(e1));
		free(sql);
		if (e != IH_DB_OK)
			goto fail;
		struct ih_sqlv p[3] = { IH_SQLV_INT(m->version), IH_SQLV_TEXT(m->description), IH_SQLV_INT(now_us()) };
		if (ops->exec(s->db, "INSERT INTO schema_version (version, description, applied_us) VALUES ($1, $2, $3)",
			      p, 3, NULL, NULL, e1, sizeof(e1)) != IH_DB_OK)
			goto fail;
	}
	if (ops->script(s->db, "COMMIT", e1, sizeof(e1)) != IH_DB_OK)
		goto fail;
	return true;
fail:;
	char e2[128];
	ops->script(s->db, "ROLLBACK", e2, sizeof(e2));
	snprintf(err, errlen, "store %s: %s", s->where, e1);
	return false;
}

/* ------------------------------------------------------------------ open / close */

struct ih_store *ih_store_open_at(const char *target, const struct ih_store_opts *o, int version, char *err,
				  size_t errlen)
{
	struct ih_store_opts def = { 0 };
	if (!o)
		o = &def;
	struct ih_store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char path[4096];
	if (!target || strcmp(target, "default") == 0) {
		if (!ih_store_default_path(path, sizeof(path))) {
			snprintf(err, errlen, "no store location: set XDG_DATA_HOME or HOME, or give --store PATH");
			free(s);
			return NULL;
		}
		target = path;
	}
	if (gethostname(s->hostname, sizeof(s->hostname)) != 0 || !s->hostname[0])
		snprintf(s->hostname, sizeof(s->hostname), "unknown");
	s->hostname[sizeof(s->hostname) - 1] = '\0';
	snprintf(s->sensor, sizeof(s->sensor), "%s", o->sensor && o->sensor[0] ? o->sensor : s->hostname);
	s->retries = o->retries ? o->retries : 8;
	s->backoff_ms = o->backoff_ms ? o->backoff_ms : 100;
	s->batch_rows = o->batch_rows ? o->batch_rows : 500;
	if (ih_store_is_postgres(target)) {
		s->backend = IH_STORE_POSTGRES;
		redact(target, s->where, sizeof(s->where));
		s->db = ih_db_pg_open(target, err, errlen);
	} else {
		s->backend = IH_STORE_SQLITE;
		snprintf(s->where, sizeof(s->where), "%s", target);
		s->db = ih_db_sqlite_open(target, o->create_dir || target == path, err, errlen);
	}
	if (!s->db) {
		free(s);
		return NULL;
	}
	if (!migrate(s, version, err, errlen)) {
		s->db->ops->close(s->db);
		free(s);
		return NULL;
	}
	return s;
}

struct ih_store *ih_store_open(const char *target, const struct ih_store_opts *o, char *err, size_t errlen)
{
	return ih_store_open_at(target, o, ih_store_schema_latest(), err, errlen);
}

bool ih_store_close(struct ih_store *s, char *err, size_t errlen)
{
	if (!s)
		return true;
	bool ok = ih_store_flush(s, err, errlen);
	clear_queue(s);
	free(s->q);
	s->db->ops->close(s->db);
	free(s);
	return ok;
}

enum ih_store_backend ih_store_backend(const struct ih_store *s) { return s->backend; }
const char *ih_store_backend_name(const struct ih_store *s) { return s->db->ops->name; }
const char *ih_store_sensor(const struct ih_store *s) { return s->sensor; }
const char *ih_store_where(const struct ih_store *s) { return s->where; }
const struct ih_store_stats *ih_store_stats(const struct ih_store *s) { return &s->st; }

void ih_store_set_hook(struct ih_store *s, ih_store_hook_fn fn, void *ctx)
{
	s->hook = fn;
	s->hook_ctx = ctx;
}

int ih_store_backend_pid(struct ih_store *s)
{
	return s->db->ops->backend_pid(s->db);
}

/* ------------------------------------------------------------------ rows */

static bool put_sensor(struct ih_store *s, char *err, size_t errlen)
{
	if (s->sensor_queued)
		return true;
	s->sensor_queued = true;
	struct ih_sqlv p[4] = { IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(s->hostname), IH_SQLV_TEXT(IH_VERSION),
				IH_SQLV_INT(now_us()) };
	return ih_store_queue(s,
			      "INSERT INTO sensors (name, hostname, version, first_us, last_us) VALUES ($1, $2, $3, $4, $4) "
			      "ON CONFLICT (name) DO UPDATE SET hostname = excluded.hostname, version = excluded.version, "
			      "last_us = excluded.last_us",
			      p, 4, err, errlen);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t ns_to_us(uint64_t ns)
{
	return (int64_t)(ns / 1000ull);
}

static bool jtime(const json_t *o, const char *k, int64_t *us)
{
	uint64_t ns;
	const char *v = jstr(o, k);
	if (!v || !ih_time_parse(v, &ns))
		return false;
	*us = ns_to_us(ns);
	return true;
}

/* ",T1018,T1046," from an array of technique ids or of {"id": ...} objects. */
static void mitre_text(const json_t *arr, char *out, size_t len)
{
	size_t n = 0;
	size_t i;
	json_t *m;
	out[0] = '\0';
	if (!json_is_array(arr) || !json_array_size(arr))
		return;
	json_array_foreach(arr, i, m) {
		const char *id = json_is_string(m) ? json_string_value(m) : jstr(m, "id");
		if (!id || !*id || strchr(id, ','))
			continue;
		int w = snprintf(out + n, len - n, "%s%s", n ? "" : ",", id);
		if (w < 0 || (size_t)w + 2 >= len - n)
			break;
		n += (size_t)w;
		out[n++] = ',';
		out[n] = '\0';
	}
}

static char *dump(const json_t *o)
{
	return json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
}

bool ih_store_put_finding(struct ih_store *s, const json_t *f, const char *input, char *err, size_t errlen)
{
	const char *id = jstr(f, "id"), *kind = jstr(f, "kind"), *src = jstr(f, "src");
	enum ih_sev sev = IH_SEV_INFO;
	int64_t first, last;
	if (!id || !*id || !kind || !src || !jtime(f, "first_seen", &first) || !jtime(f, "last_seen", &last)) {
		snprintf(err, errlen, "store: a finding needs id, kind, src, first_seen and last_seen");
		return false;
	}
	if (jstr(f, "severity"))
		ih_sev_parse(jstr(f, "severity"), &sev);
	const json_t *dj = json_object_get(f, "dst");
	char *dst_owned = json_is_string(dj) || json_is_null(dj) || !dj ? NULL : dump(dj);
	const char *dst = json_is_string(dj) ? json_string_value(dj) : dst_owned;
	char mitre[512];
	mitre_text(json_object_get(f, "mitre"), mitre, sizeof(mitre));
	char *evidence = dump(json_object_get(f, "evidence") ? json_object_get(f, "evidence") : json_object());
	char *doc = dump(f);
	bool ok = false;
	if (evidence && doc && put_sensor(s, err, errlen)) {
		const char *summary = jstr(f, "summary");
		struct ih_sqlv p[15] = {
			IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(id), IH_SQLV_TEXT(kind), IH_SQLV_INT(sev),
			IH_SQLV_REAL(json_number_value(json_object_get(f, "confidence"))), IH_SQLV_TEXT(src),
			IH_SQLV_TEXT(dst), IH_SQLV_INT(first), IH_SQLV_INT(last), IH_SQLV_TEXT(mitre),
			IH_SQLV_TEXT(summary ? summary : ""), IH_SQLV_TEXT(evidence), IH_SQLV_TEXT(input),
			IH_SQLV_INT(now_us()), IH_SQLV_TEXT(doc),
		};
		ok = ih_store_queue(s,
				    "INSERT INTO findings (sensor, id, kind, severity, confidence, src, dst, first_us, last_us, "
				    "mitre, summary, evidence, input, recorded_us, doc) "
				    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
				    "ON CONFLICT (sensor, id) DO UPDATE SET kind = excluded.kind, severity = excluded.severity, "
				    "confidence = excluded.confidence, src = excluded.src, dst = excluded.dst, "
				    "first_us = excluded.first_us, last_us = excluded.last_us, mitre = excluded.mitre, "
				    "summary = excluded.summary, evidence = excluded.evidence, input = excluded.input, "
				    "doc = excluded.doc",
				    p, 15, err, errlen);
	} else if (!evidence || !doc) {
		snprintf(err, errlen, "store: out of memory");
	}
	free(dst_owned);
	free(evidence);
	free(doc);
	return ok;
}

bool ih_store_put_incident(struct ih_store *s, const json_t *inc, const char *input, char *err, size_t errlen)
{
	const char *id = jstr(inc, "id");
	const char *primary = jstr(inc, "primary") ? jstr(inc, "primary") : jstr(inc, "primary_host");
	int64_t first, last;
	if (!id || !*id || !primary || !jtime(inc, "first_seen", &first) || !jtime(inc, "last_seen", &last)) {
		snprintf(err, errlen, "store: an incident needs id, primary, first_seen and last_seen");
		return false;
	}
	enum ih_sev sev = IH_SEV_INFO;
	if (jstr(inc, "severity"))
		ih_sev_parse(jstr(inc, "severity"), &sev);
	const char *verdict = jstr(inc, "verdict");
	json_t *hosts = json_object_get(inc, "hosts");
	json_t *own = NULL;
	if (!json_is_array(hosts)) {
		own = json_pack("[s]", primary);
		hosts = own;
	}
	char mitre[1024];
	mitre_text(json_object_get(inc, "mitre"), mitre, sizeof(mitre));
	char *hosts_s = dump(hosts), *doc = dump(inc);
	json_decref(own);
	bool ok = false;
	if (!hosts_s || !doc) {
		snprintf(err, errlen, "store: out of memory");
		goto out;
	}
	if (!put_sensor(s, err, errlen))
		goto out;
	const char *summary = jstr(inc, "summary");
	struct ih_sqlv p[14] = {
		IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(id), IH_SQLV_TEXT(verdict ? verdict : "unknown"),
		IH_SQLV_INT(json_integer_value(json_object_get(inc, "score"))), IH_SQLV_INT(sev), IH_SQLV_TEXT(primary),
		IH_SQLV_TEXT(hosts_s), IH_SQLV_INT(first), IH_SQLV_INT(last), IH_SQLV_TEXT(mitre), IH_SQLV_TEXT(summary),
		IH_SQLV_TEXT(input), IH_SQLV_INT(now_us()), IH_SQLV_TEXT(doc),
	};
	if (!ih_store_queue(s,
			    "INSERT INTO incidents (sensor, id, verdict, score, severity, primary_host, hosts, first_us, "
			    "last_us, mitre, summary, input, recorded_us, doc) "
			    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
			    "ON CONFLICT (sensor, id) DO UPDATE SET verdict = excluded.verdict, score = excluded.score, "
			    "severity = excluded.severity, primary_host = excluded.primary_host, hosts = excluded.hosts, "
			    "first_us = excluded.first_us, last_us = excluded.last_us, mitre = excluded.mitre, "
			    "summary = excluded.summary, input = excluded.input, doc = excluded.doc",
			    p, 14, err, errlen))
		goto out;
	/* the links are rewritten whole: an incident rebuilt with other findings keeps no stale one */
	struct ih_sqlv d[2] = { IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(id) };
	if (!ih_store_queue(s, "DELETE FROM incident_findings WHERE sensor = $1 AND incident = $2", d, 2, err, errlen))
		goto out;
	size_t i;
	json_t *fid;
	json_array_foreach(json_object_get(inc, "findings"), i, fid) {
		if (!json_is_string(fid))
			continue;
		struct ih_sqlv l[3] = { IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(id), IH_SQLV_TEXT(json_string_value(fid)) };
		if (!ih_store_queue(s,
				    "INSERT INTO incident_findings (sensor, incident, finding) VALUES ($1, $2, $3) "
				    "ON CONFLICT (sensor, incident, finding) DO NOTHING",
				    l, 3, err, errlen))
			goto out;
	}
	ok = true;
out:
	free(hosts_s);
	free(doc);
	return ok;
}

bool ih_store_put_input(struct ih_store *s, const struct ih_store_input *in, char *err, size_t errlen)
{
	if (!put_sensor(s, err, errlen))
		return false;
	bool empty = !in->first_ns && !in->last_ns;
	struct ih_sqlv p[9] = {
		IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(in->id), IH_SQLV_TEXT(in->name), IH_SQLV_TEXT(in->format),
		IH_SQLV_INT(in->size), empty ? IH_SQLV_NULL : IH_SQLV_INT(ns_to_us(in->first_ns)),
		empty ? IH_SQLV_NULL : IH_SQLV_INT(ns_to_us(in->last_ns)), IH_SQLV_INT(in->packets), IH_SQLV_INT(now_us()),
	};
	return ih_store_queue(s,
			      "INSERT INTO inputs (sensor, id, name, format, size, first_us, last_us, packets, analysed_us) "
			      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
			      "ON CONFLICT (sensor, id) DO UPDATE SET name = excluded.name, format = excluded.format, "
			      "size = excluded.size, first_us = excluded.first_us, last_us = excluded.last_us, "
			      "packets = excluded.packets, analysed_us = excluded.analysed_us",
			      p, 9, err, errlen);
}

bool ih_store_put_hourly(struct ih_store *s, const struct ih_store_hourly *h, char *err, size_t errlen)
{
	if (!put_sensor(s, err, errlen))
		return false;
	struct ih_sqlv p[10] = {
		IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(h->host), IH_SQLV_INT(h->hour), IH_SQLV_TEXT(h->input),
		IH_SQLV_INT(h->packets), IH_SQLV_INT(h->bytes), IH_SQLV_INT(h->requests), IH_SQLV_INT(h->peers),
		IH_SQLV_INT(h->packets_in), IH_SQLV_TEXT(h->types ? h->types : "{}"),
	};
	/* DO UPDATE with the new values, not a sum: one input's hour is written whole, so writing
	 * it again (re-analysis, a replayed batch) must leave it as it is */
	return ih_store_queue(s,
			      "INSERT INTO icmp_hourly (sensor, host, hour, input, packets, bytes, requests, peers, "
			      "packets_in, types) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
			      "ON CONFLICT (sensor, host, hour, input) DO UPDATE SET packets = excluded.packets, "
			      "bytes = excluded.bytes, requests = excluded.requests, peers = excluded.peers, "
			      "packets_in = excluded.packets_in, types = excluded.types",
			      p, 10, err, errlen);
}

bool ih_store_put_peer(struct ih_store *s, const struct ih_store_peer *pr, char *err, size_t errlen)
{
	if (!put_sensor(s, err, errlen))
		return false;
	struct ih_sqlv p[7] = {
		IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(pr->src), IH_SQLV_TEXT(pr->dst), IH_SQLV_TEXT(pr->input),
		IH_SQLV_INT(ns_to_us(pr->first_ns)), IH_SQLV_INT(ns_to_us(pr->last_ns)), IH_SQLV_INT(pr->packets),
	};
	return ih_store_queue(s,
			      "INSERT INTO icmp_peers (sensor, src, dst, input, first_us, last_us, packets) "
			      "VALUES ($1, $2, $3, $4, $5, $6, $7) "
			      "ON CONFLICT (sensor, src, dst, input) DO UPDATE SET first_us = excluded.first_us, "
			      "last_us = excluded.last_us, packets = excluded.packets",
			      p, 7, err, errlen);
}

bool ih_store_put_action(struct ih_store *s, const struct ih_store_action *a, char *err, size_t errlen)
{
	if (!a->id || !a->host || !a->action || !a->state) {
		snprintf(err, errlen, "store: an action needs id, host, action and state");
		return false;
	}
	if (!put_sensor(s, err, errlen))
		return false;
	struct ih_sqlv p[13] = {
		IH_SQLV_TEXT(s->sensor), IH_SQLV_TEXT(a->id), IH_SQLV_TEXT(a->incident), IH_SQLV_TEXT(a->host),
		IH_SQLV_TEXT(a->action), IH_SQLV_TEXT(a->command), IH_SQLV_TEXT(a->state), IH_SQLV_INT(a->dry_run),
		IH_SQLV_INT(a->created_ns ? ns_to_us(a->created_ns) : now_us()),
		a->applied_ns ? IH_SQLV_INT(ns_to_us(a->applied_ns)) : IH_SQLV_NULL,
		a->rolled_back_ns ? IH_SQLV_INT(ns_to_us(a->rolled_back_ns)) : IH_SQLV_NULL, IH_SQLV_TEXT(a->rollback),
		IH_SQLV_TEXT(a->detail),
	};
	return ih_store_queue(s,
			      "INSERT INTO actions (sensor, id, incident, host, action, command, state, dry_run, created_us, "
			      "applied_us, rolled_back_us, rollback, detail) "
			      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
			      "ON CONFLICT (sensor, id) DO UPDATE SET command = excluded.command, state = excluded.state, "
			      "dry_run = excluded.dry_run, applied_us = excluded.applied_us, "
			      "rolled_back_us = excluded.rolled_back_us, rollback = excluded.rollback, detail = excluded.detail",
			      p, 13, err, errlen);
}

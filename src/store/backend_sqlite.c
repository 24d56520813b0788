/* backend_sqlite.c — the store in one SQLite file.
 *
 * WAL journal (readers never block the writer; a killed writer leaves the last committed
 * transaction intact) with synchronous=FULL (a commit that returned survives power loss too),
 * a 10 s busy timeout so that two processes writing the same file wait for each other instead of
 * failing, and a small cache of prepared statements keyed by their SQL text. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/backend.h"

#define NCACHE 24

struct db_sqlite {
	struct ih_db base;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *cache[NCACHE];
	unsigned next; /* round-robin replacement */
};

static enum ih_db_err classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return IH_DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return IH_DB_BUSY;
	default:
		return IH_DB_FAIL;
	}
}

static void clear_cache(struct db_sqlite *d)
{
	for (unsigned i = 0; i < NCACHE; i++) {
		sqlite3_finalize(d->cache[i]);
		d->cache[i] = NULL;
	}
}

static sqlite3_stmt *prepare(struct db_sqlite *d, const char *sql, int *rc)
{
	for (unsigned i = 0; i < NCACHE; i++)
		if (d->cache[i] && strcmp(sqlite3_sql(d->cache[i]), sql) == 0) {
			sqlite3_reset(d->cache[i]);
			sqlite3_clear_bindings(d->cache[i]);
			*rc = SQLITE_OK;
			return d->cache[i];
		}
	sqlite3_stmt *st = NULL;
	*rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return NULL;
	unsigned k = d->next++ % NCACHE;
	sqlite3_finalize(d->cache[k]);
	d->cache[k] = st;
	return st;
}

static enum ih_db_err sl_exec(struct ih_db *db, const char *sql, const struct ih_sqlv *p, int np,
			      ih_store_row_fn fn, void *ctx, char *err, size_t errlen)
{
	struct db_sqlite *d = (struct db_sqlite *)db;
	int rc;
	sqlite3_stmt *st = prepare(d, sql, &rc);
	if (!st) {
		snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(d->db));
		return classify(rc);
	}
	for (int i = 0; i < np; i++) {
		char name[16];
		snprintf(name, sizeof(name), "$%d", i + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (!idx)
			continue;
		switch (p[i].t) {
		case IH_SQL_NULL: rc = sqlite3_bind_null(st, idx); break;
		case IH_SQL_INT: rc = sqlite3_bind_int64(st, idx, p[i].i); break;
		case IH_SQL_REAL: rc = sqlite3_bind_double(st, idx, p[i].d); break;
		case IH_SQL_TEXT: rc = sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC); break;
		}
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "sqlite: binding $%d: %s", i + 1, sqlite3_errmsg(d->db));
			sqlite3_reset(st);
			return classify(rc);
		}
	}
	const char *vals[64];
	bool more = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!fn || !more)
			continue;
		int n = sqlite3_column_count(st);
		if (n > 64)
			n = 64;
		for (int c = 0; c < n; c++)
			vals[c] = (const char *)sqlite3_column_text(st, c);
		more = fn(ctx, n, vals);
	}
	enum ih_db_err e = classify(rc);
	if (e != IH_DB_OK)
		snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(d->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return e;
}

static enum ih_db_err sl_script(struct ih_db *db, const char *sql, char *err, size_t errlen)
{
	struct db_sqlite *d = (struct db_sqlite *)db;
	char *msg = NULL;
	int rc = sqlite3_exec(d->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
	}
	return classify(rc);
}

static bool configure(struct db_sqlite *d, char *err, size_t errlen)
{
	sqlite3_busy_timeout(d->db, 10000);
	/* journal_mode answers with a row: read it to make sure WAL was taken */
	sqlite3_stmt *st = NULL;
	bool wal = false;
	if (sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		wal = m && strcmp(m, "wal") == 0;
	}
	sqlite3_finalize(st);
	if (!wal) {
		snprintf(err, errlen, "sqlite: %s: cannot use a write-ahead log: %s", d->path, sqlite3_errmsg(d->db));
		return false;
	}
	return sl_script(&d->base, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;", err, errlen) == IH_DB_OK;
}

static bool sl_reconnect(struct ih_db *db, char *err, size_t errlen)
{
	struct db_sqlite *d = (struct db_sqlite *)db;
	clear_cache(d);
	sqlite3_close(d->db);
	d->db = NULL;
	if (sqlite3_open_v2(d->path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: %s: %s", d->path, d->db ? sqlite3_errmsg(d->db) : "out of memory");
		return false;
	}
	return configure(d, err, errlen);
}

static int sl_backend_pid(struct ih_db *db)
{
	(void)db;
	return 0;
}

static void sl_close(struct ih_db *db)
{
	struct db_sqlite *d = (struct db_sqlite *)db;
	if (!d)
		return;
	clear_cache(d);
	sqlite3_close(d->db);
	free(d->path);
	free(d);
}

static const struct ih_db_ops sqlite_ops = {
	.name = "sqlite",
	.exec = sl_exec,
	.script = sl_script,
	.reconnect = sl_reconnect,
	.backend_pid = sl_backend_pid,
	.close = sl_close,
	.serial_pk = "INTEGER PRIMARY KEY",
	.real = "REAL",
	/* IMMEDIATE: take the write lock now, so that two writers queue on the busy timeout
	 * instead of deadlocking when both upgrade a read lock */
	.begin = "BEGIN IMMEDIATE",
	.lock_schema = NULL,
};

/* mkdir -p of the directory part of path, mode 0700 (history is sensitive). */
static bool make_parent(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return true;
	*slash = '\0';
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
			return false;
		}
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
		return false;
	}
	return true;
}

struct ih_db *ih_db_sqlite_open(const char *path, bool create_dir, char *err, size_t errlen)
{
	if (create_dir && !make_parent(path, err, errlen))
		return NULL;
	struct db_sqlite *d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->base.ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open store %s: %s", path, d->db ? sqlite3_errmsg(d->db) : "out of memory");
		sl_close(&d->base);
		return NULL;
	}
	char e2[256];
	if (!configure(d, e2, sizeof(e2))) {
		snprintf(err, errlen, "cannot open store %s: %s", path, e2);
		sl_close(&d->base);
		return NULL;
	}
	return &d->base;
}

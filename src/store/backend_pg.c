/* backend_pg.c — the store in PostgreSQL, through libpq.
 *
 * Parameters go as text with explicit types (int8, float8, text) so that the same SQL as
 * SQLite's needs no casts. A failed call is classified by the connection's state and the
 * SQLSTATE: a connection that is gone (class 08, 57P01..57P03 — pg_terminate_backend, a server
 * shutdown or restart) is LOST and store.c reconnects with PQreset and retries the batch;
 * serialization failures and deadlocks (40001, 40P01) are BUSY and retried as they are. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"

struct db_pg {
	struct ih_db base;
	PGconn *conn;
	char *conninfo;
};

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "relation already exists, skipping" and the like */
}

static enum ih_db_err classify(struct db_pg *d, PGresult *res)
{
	if (PQstatus(d->conn) == CONNECTION_BAD)
		return IH_DB_LOST;
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!st)
		return res ? IH_DB_FAIL : IH_DB_LOST; /* no result at all: the connection broke */
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
	    strcmp(st, "57P03") == 0)
		return IH_DB_LOST;
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0)
		return IH_DB_BUSY;
	return IH_DB_FAIL;
}

static void set_err(struct db_pg *d, PGresult *res, char *err, size_t errlen)
{
	const char *m = res ? PQresultErrorMessage(res) : NULL;
	if (!m || !*m)
		m = PQerrorMessage(d->conn);
	snprintf(err, errlen, "postgresql: %s", m && *m ? m : "unknown error");
	/* libpq messages end with a newline */
	size_t n = strlen(err);
	while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static enum ih_db_err pg_exec(struct ih_db *db, const char *sql, const struct ih_sqlv *p, int np,
			      ih_store_row_fn fn, void *ctx, char *err, size_t errlen)
{
	struct db_pg *d = (struct db_pg *)db;
	Oid types[IH_SQL_MAXPARAMS];
	const char *vals[IH_SQL_MAXPARAMS];
	char num[IH_SQL_MAXPARAMS][32];
	if (np > IH_SQL_MAXPARAMS) {
		snprintf(err, errlen, "postgresql: too many parameters (%d)", np);
		return IH_DB_FAIL;
	}
	for (int i = 0; i < np; i++) {
		switch (p[i].t) {
		case IH_SQL_NULL:
			types[i] = 0; /* the server infers it from where the NULL goes */
			vals[i] = NULL;
			break;
		case IH_SQL_INT:
			types[i] = 20; /* int8 */
			snprintf(num[i], sizeof(num[i]), "%lld", (long long)p[i].i);
			vals[i] = num[i];
			break;
		case IH_SQL_REAL:
			types[i] = 701; /* float8 */
			snprintf(num[i], sizeof(num[i]), "%.17g", p[i].d);
			vals[i] = num[i];
			break;
		case IH_SQL_TEXT:
			types[i] = 25; /* text */
			vals[i] = p[i].s;
			break;
		}
	}
	PGresult *res = PQexecParams(d->conn, sql, np, types, vals, NULL, NULL, 0);
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		enum ih_db_err e = classify(d, res);
		set_err(d, res, err, errlen);
		PQclear(res);
		return e;
	}
	if (fn && s == PGRES_TUPLES_OK) {
		int nr = PQntuples(res), nc = PQnfields(res);
		const char *row[64];
		if (nc > 64)
			nc = 64;
		for (int r = 0; r < nr; r++) {
			for (int c = 0; c < nc; c++)
				row[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
			if (!fn(ctx, nc, row))
				break;
		}
	}
	PQclear(res);
	return IH_DB_OK;
}

static enum ih_db_err pg_script(struct ih_db *db, const char *sql, char *err, size_t errlen)
{
	struct db_pg *d = (struct db_pg *)db;
	PGresult *res = PQexec(d->conn, sql);
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		enum ih_db_err e = classify(d, res);
		set_err(d, res, err, errlen);
		PQclear(res);
		return e;
	}
	PQclear(res);
	return IH_DB_OK;
}

static bool session(struct db_pg *d, char *err, size_t errlen)
{
	PQsetNoticeProcessor(d->conn, quiet, NULL);
	return pg_script(&d->base, "SET client_min_messages = warning; SET TIME ZONE 'UTC'", err, errlen) == IH_DB_OK;
}

static bool pg_reconnect(struct ih_db *db, char *err, size_t errlen)
{
	struct db_pg *d = (struct db_pg *)db;
	PQreset(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		set_err(d, NULL, err, errlen);
		return false;
	}
	return session(d, err, errlen);
}

static int pg_backend_pid(struct ih_db *db)
{
	struct db_pg *d = (struct db_pg *)db;
	return PQbackendPID(d->conn);
}

static void pg_close(struct ih_db *db)
{
	struct db_pg *d = (struct db_pg *)db;
	if (!d)
		return;
	if (d->conn)
		PQfinish(d->conn);
	free(d->conninfo);
	free(d);
}

static const struct ih_db_ops pg_ops = {
	.name = "postgresql",
	.exec = pg_exec,
	.script = pg_script,
	.reconnect = pg_reconnect,
	.backend_pid = pg_backend_pid,
	.close = pg_close,
	.serial_pk = "BIGSERIAL PRIMARY KEY",
	.real = "DOUBLE PRECISION",
	.begin = "BEGIN",
	/* every sensor may start at once against a new database: one migrates, the others wait */
	.lock_schema = "SELECT pg_advisory_xact_lock(7386207531)",
};

struct ih_db *ih_db_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct db_pg *d = calloc(1, sizeof(*d));
	if (!d || !(d->conninfo = strdup(conninfo))) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->base.ops = &pg_ops;
	d->conn = PQconnectdb(conninfo);
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
		char e2[512];
		if (d->conn)
			set_err(d, NULL, e2, sizeof(e2));
		else
			snprintf(e2, sizeof(e2), "out of memory");
		snprintf(err, errlen, "cannot connect to the store: %s", e2);
		pg_close(&d->base);
		return NULL;
	}
	char e2[512];
	if (!session(d, e2, sizeof(e2))) {
		snprintf(err, errlen, "cannot use the store: %s", e2);
		pg_close(&d->base);
		return NULL;
	}
	return &d->base;
}

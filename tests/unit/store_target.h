/* store_target.h — where a store test writes: a fresh SQLite file in a temporary directory, or,
 * when tests/store/pg_suite.sh runs the tests against its private PostgreSQL cluster
 * (IH_TEST_PG_HOST = the cluster's socket directory), a fresh database on it. Every test asks
 * for its own, so tests never see each other's rows. */
#ifndef IH_TEST_STORE_TARGET_H
#define IH_TEST_STORE_TARGET_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>

static char store_target_dir[256];

/* Removes the temporary directory of the SQLite stores (a group teardown). */
static inline int remove_targets(void **state)
{
	(void)state;
	if (!store_target_dir[0])
		return 0;
	DIR *d = opendir(store_target_dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[600];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", store_target_dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(store_target_dir);
	store_target_dir[0] = '\0';
	return 0;
}

static inline const char *pg_host(void)
{
	const char *h = getenv("IH_TEST_PG_HOST");
	return h && *h ? h : NULL;
}

static inline bool pg_admin(const char *sql)
{
	char ci[512];
	snprintf(ci, sizeof(ci), "host=%s user=postgres dbname=postgres", pg_host());
	PGconn *c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pg_admin: %s", PQerrorMessage(c));
		PQfinish(c);
		return false;
	}
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "pg_admin: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok;
}

/* A new, empty store location named after the test: into buf. `uri` asks for the
 * postgresql:// form rather than key=value (both must work). */
static inline const char *fresh_target(const char *name, bool uri, char *buf, size_t len)
{
	char *dir = store_target_dir;
	if (pg_host()) {
		char sql[256];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
		pg_admin(sql);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
		if (!pg_admin(sql))
			return NULL;
		if (uri)
			snprintf(buf, len, "postgresql:///%s?host=%s&user=postgres", name, pg_host());
		else
			snprintf(buf, len, "host=%s user=postgres dbname=%s", pg_host(), name);
		return buf;
	}
	if (!dir[0]) {
		snprintf(dir, sizeof(store_target_dir), "/tmp/ih-store-test-XXXXXX");
		if (!mkdtemp(dir))
			return NULL;
	}
	snprintf(buf, len, "%s/%s.db", dir, name);
	unlink(buf);
	char side[600];
	snprintf(side, sizeof(side), "%s-wal", buf);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", buf);
	unlink(side);
	return buf;
}

static inline char *test_data(const char *rel, char *buf, size_t len)
{
	const char *d = getenv("IH_TEST_DATA");
	snprintf(buf, len, "%s/%s", d && *d ? d : "tests/data", rel);
	return buf;
}

#endif

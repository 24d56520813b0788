/* backend.h — what store.c needs from a database: run a statement with parameters, run a script,
 * say whether an error lost the connection, reconnect. One implementation per backend
 * (backend_sqlite.c, backend_pg.c); nothing else in icmphound includes this header. */
#ifndef IH_STORE_BACKEND_H
#define IH_STORE_BACKEND_H

#include "store/store.h"

/* How a failed call failed: retrying makes sense for LOST (the connection went away; reconnect
 * first) and BUSY (locked, serialization failure, deadlock); not for the others. */
enum ih_db_err { IH_DB_OK = 0, IH_DB_FAIL, IH_DB_LOST, IH_DB_BUSY };

struct ih_db;

struct ih_db_ops {
	const char *name;
	/* One statement with parameters $1..$np; rows (if any) go to fn (may be NULL). */
	enum ih_db_err (*exec)(struct ih_db *db, const char *sql, const struct ih_sqlv *p, int np,
			       ih_store_row_fn fn, void *ctx, char *err, size_t errlen);
	/* Several statements separated by ';', no parameters (migrations, BEGIN, COMMIT). */
	enum ih_db_err (*script)(struct ih_db *db, const char *sql, char *err, size_t errlen);
	/* Drops and re-establishes the connection. */
	bool (*reconnect)(struct ih_db *db, char *err, size_t errlen);
	int (*backend_pid)(struct ih_db *db);
	void (*close)(struct ih_db *db);
	/* dialect: the words that differ */
	const char *serial_pk;   /* an auto-numbered primary key column type */
	const char *real;        /* a double-precision column type */
	const char *begin;       /* opening a write transaction */
	const char *lock_schema; /* serialises migrations between processes (NULL: begin does) */
};

struct ih_db {
	const struct ih_db_ops *ops;
};

struct ih_db *ih_db_sqlite_open(const char *path, bool create_dir, char *err, size_t errlen);
struct ih_db *ih_db_pg_open(const char *conninfo, char *err, size_t errlen);

/* The ordered migrations (schema.c). */
struct ih_migration {
	int version;
	const char *description;
	const char *sql; /* @SERIAL@ and @REAL@ are replaced by the dialect's words */
};
extern const struct ih_migration ih_migrations[];
extern const size_t ih_nmigrations;

#endif

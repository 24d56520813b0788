/* store.h — history: findings, incidents and hourly ICMP summaries kept across runs, in SQLite
 * (the default, one file) or PostgreSQL (many sensors, one database). docs/STORE.md has the
 * schema and the guarantees.
 *
 * One schema for both, created and upgraded by an ordered list of migrations (schema.c); the
 * table schema_version says which have been applied. Every row carries the name of the sensor
 * that wrote it and has a natural key (a finding's id, an incident's id, a summary's sensor,
 * host, hour and input), and every insert is idempotent (ON CONFLICT DO NOTHING / DO UPDATE with
 * the same values): writing the same analysis twice, or replaying a batch whose commit may or
 * may not have reached the server, leaves the same rows.
 *
 * Writes are queued and committed in batches, one transaction each (ih_store_flush, or
 * automatically when batch_rows rows are queued). What a commit returned for is durable: SQLite
 * runs in WAL mode with synchronous=FULL, PostgreSQL commits are acknowledged by the server. A
 * batch that fails because the connection went away (server restart, pg_terminate_backend,
 * network) is retried whole after a reconnect (PQreset), with bounded retries and a doubling
 * backoff; SQLite retries when the database is locked. */
#ifndef IH_STORE_H
#define IH_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ih_store;

struct ih_store_opts {
	const char *sensor;      /* NULL: this machine's host name */
	unsigned retries;        /* attempts after the first, per batch or query (0: default 8) */
	unsigned backoff_ms;     /* first wait before a retry, doubled each time up to 5 s (0: 100) */
	unsigned batch_rows;     /* rows per transaction (0: default 500) */
	bool create_dir;         /* SQLite: create the file's directory (the default location) */
};

/* Column values for queries: parameters ($1, $2, ... in the SQL, the same in both dialects). */
enum ih_sqlt { IH_SQL_NULL = 0, IH_SQL_INT, IH_SQL_REAL, IH_SQL_TEXT };
struct ih_sqlv {
	enum ih_sqlt t;
	int64_t i;
	double d;
	const char *s;
};
#define IH_SQLV_INT(x) ((struct ih_sqlv){ .t = IH_SQL_INT, .i = (int64_t)(x) })
#define IH_SQLV_REAL(x) ((struct ih_sqlv){ .t = IH_SQL_REAL, .d = (x) })
static inline struct ih_sqlv ih_sqlv_text(const char *s)
{
	return (struct ih_sqlv){ .t = s ? IH_SQL_TEXT : IH_SQL_NULL, .s = s };
}
#define IH_SQLV_TEXT(x) ih_sqlv_text(x)   /* NULL becomes SQL NULL */
#define IH_SQLV_NULL ((struct ih_sqlv){ .t = IH_SQL_NULL })
#define IH_SQL_MAXPARAMS 20

/* A result row: ncol values as text (NULL for SQL NULL). Return false to stop early. */
typedef bool (*ih_store_row_fn)(void *ctx, int ncol, const char *const *val);

enum ih_store_backend { IH_STORE_SQLITE = 0, IH_STORE_POSTGRES };

struct ih_store_stats {
	uint64_t rows_queued, rows_committed, batches, retries, reconnects, queries;
};

/* The default SQLite file: $XDG_DATA_HOME/icmphound/icmphound.db, else
 * $HOME/.local/share/icmphound/icmphound.db. False when neither variable is set. */
bool ih_store_default_path(char *buf, size_t len);
/* Is target a PostgreSQL connection string ("postgres://", "postgresql://" or a libpq
 * key=value string with host=, dbname= or service=)? */
bool ih_store_is_postgres(const char *target);

/* Opens (creating when needed) the store and brings its schema up to date. target: a file path,
 * "default" (ih_store_default_path), or a PostgreSQL connection string. NULL with a message in
 * err when it cannot be opened, or its schema is newer than this program knows. */
struct ih_store *ih_store_open(const char *target, const struct ih_store_opts *o, char *err, size_t errlen);
/* Flushes what is queued (see ih_store_flush) and closes. Returns false when that flush failed. */
bool ih_store_close(struct ih_store *s, char *err, size_t errlen);

enum ih_store_backend ih_store_backend(const struct ih_store *s);
const char *ih_store_backend_name(const struct ih_store *s); /* "sqlite", "postgresql" */
const char *ih_store_sensor(const struct ih_store *s);
/* Where it is: the file path, or the connection string without its password. */
const char *ih_store_where(const struct ih_store *s);
const struct ih_store_stats *ih_store_stats(const struct ih_store *s);
/* The schema version in the database, and the newest this program knows. */
int ih_store_schema_version(struct ih_store *s);
int ih_store_schema_latest(void);

/* ---- writing: rows are queued and committed in batches ---- */

/* Queues one statement with its parameters (copied). The batch is committed when it holds
 * batch_rows rows. Returns false when a commit that this triggered failed. */
bool ih_store_queue(struct ih_store *s, const char *sql, const struct ih_sqlv *p, int np, char *err, size_t errlen);
/* Commits the queued rows in one transaction, retrying the whole batch after a lost connection.
 * On failure the rows stay queued (a later flush tries again) and err says why. */
bool ih_store_flush(struct ih_store *s, char *err, size_t errlen);

/* A finding line ("type":"finding", with its id) of this sensor; input: the id of the input it
 * came from (may be NULL). */
bool ih_store_put_finding(struct ih_store *s, const json_t *finding, const char *input, char *err, size_t errlen);
/* An incident line ("type":"incident"), read from its JSON: id, verdict, score, severity,
 * primary, hosts, first_seen, last_seen, findings, mitre, summary. */
bool ih_store_put_incident(struct ih_store *s, const json_t *incident, const char *input, char *err, size_t errlen);

/* One input (capture file or conn.log) that was analysed. */
struct ih_store_input {
	const char *id;          /* "I-" and 16 hex digits: a hash of size, head and tail */
	const char *name;
	const char *format;      /* "pcap", "zeek-tsv", "zeek-json" */
	uint64_t size;
	uint64_t first_ns, last_ns; /* 0, 0: nothing in it */
	uint64_t packets;
};
bool ih_store_put_input(struct ih_store *s, const struct ih_store_input *in, char *err, size_t errlen);

/* One host's ICMP in one hour of one input. */
struct ih_store_hourly {
	const char *host;
	int64_t hour;            /* unix seconds of the hour's start, UTC */
	const char *input;
	uint64_t packets, bytes, requests, packets_in;
	uint32_t peers;
	const char *types;       /* JSON object: ICMP message class -> packets sent */
};
bool ih_store_put_hourly(struct ih_store *s, const struct ih_store_hourly *h, char *err, size_t errlen);

/* A home host's ICMP requests to one outside destination, in one input. */
struct ih_store_peer {
	const char *src, *dst, *input;
	uint64_t first_ns, last_ns, packets;
};
bool ih_store_put_peer(struct ih_store *s, const struct ih_store_peer *p, char *err, size_t errlen);

/* A containment action (for the containment feature): planned, applied, failed, rolled back.
 * id is the natural key (the caller hashes incident, host and action); a second write with the
 * same id updates state and times. */
struct ih_store_action {
	const char *id, *incident, *host, *action, *command, *state, *rollback, *detail;
	bool dry_run;
	uint64_t created_ns, applied_ns, rolled_back_ns; /* 0: not yet */
};
bool ih_store_put_action(struct ih_store *s, const struct ih_store_action *a, char *err, size_t errlen);

/* ---- reading ---- */

/* Runs one query (the queue is flushed first, so the store reads what this process wrote) and
 * calls fn for each row. Retried after a lost connection. Returns false with err on failure. */
bool ih_store_select(struct ih_store *s, const char *sql, const struct ih_sqlv *p, int np,
		     ih_store_row_fn fn, void *ctx, char *err, size_t errlen);

/* ---- for tests ---- */

/* Called at points of a batch commit: after row `row` (0-based) of the batch was executed, and
 * with row = -1 once the COMMIT returned. When it returns true the store behaves as if the
 * connection had been lost right there (the batch is retried). */
typedef bool (*ih_store_hook_fn)(void *ctx, struct ih_store *s, int row);
void ih_store_set_hook(struct ih_store *s, ih_store_hook_fn fn, void *ctx);
/* PostgreSQL: the server process id of the connection (for pg_terminate_backend); 0 otherwise. */
int ih_store_backend_pid(struct ih_store *s);
/* Applies migrations up to `version` only (tests of upgrades). */
struct ih_store *ih_store_open_at(const char *target, const struct ih_store_opts *o, int version, char *err,
				  size_t errlen);

#endif

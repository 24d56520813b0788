/* eplog.h — endpoint logs for offline correlation: auditd and osquery socket_events.
 *
 * `analyze --endpoint-log FILE` reads what a host's own sensors said about ICMP sockets and
 * ties the processes to the conversations of a capture by time and host:
 *
 *   auditd  (audit.log, raw format): SYSCALL records of socket(2) with a0 = AF_INET (2) or
 *           AF_INET6 (a) and a2 = IPPROTO_ICMP (1), IPPROTO_ICMPV6 (3a) or IPPROTO_RAW (ff);
 *           sendto / sendmsg / sendmmsg / connect on a descriptor such a socket() returned (or
 *           under a rule key containing "icmp"), with the peer from the SOCKADDR record of the
 *           same event; the command line from PROCTITLE. Syscall numbers for x86_64, i386,
 *           aarch64 and arm; the enriched format's SYSCALL=, UID=, AUID= names are used when
 *           present.
 *   osquery socket_events (results log or `osqueryi --json` rows): "action" connect / bind /
 *           ..., "pid", "path", "family" 2 / 10, "protocol" 1 / 58, "remote_address",
 *           "local_address", "time"; rows under "columns" or in a "snapshot" array too.
 *
 * Records are folded into activities (one per process, kind, family, socket type and peer,
 * with first and last time and a count), so a log with a record per packet stays small. Both
 * tables are bounded; what does not fit is counted. A malformed line is an error naming file
 * and line (the first IH_EPLOG_MAX_MESSAGES are printed), counted and skipped; a line of a
 * kind that does not concern ICMP is skipped silently. Fuzzed by fuzz/fuzz_eplog.c. */
#ifndef IH_EPLOG_H
#define IH_EPLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "endpoint/endpoint.h"

#define IH_EPLOG_LINE_MAX 65536
#define IH_EPLOG_MAX_MESSAGES 20

enum ih_eplog_format { IH_EPLOG_AUTO = 0, IH_EPLOG_AUDITD, IH_EPLOG_OSQUERY };
bool ih_eplog_format_parse(const char *s, enum ih_eplog_format *out);

/* ---------------------------------------------------------------- auditd records */

enum ih_audit_type { IH_AR_OTHER = 0, IH_AR_SYSCALL, IH_AR_SOCKADDR, IH_AR_PROCTITLE, IH_AR_EOE };

/* What the socket-related syscalls are, across architectures. */
enum ih_audit_call { IH_AC_OTHER = 0, IH_AC_SOCKET, IH_AC_CONNECT, IH_AC_SENDTO, IH_AC_SENDMSG };

struct ih_audit_rec {
	enum ih_audit_type type;
	uint64_t time_ns;
	uint64_t serial;
	/* SYSCALL */
	enum ih_audit_call call;
	bool success;
	int64_t exit;
	uint64_t a[4];
	int32_t pid, ppid;
	int64_t uid, euid, auid;
	char comm[IH_EP_COMM_MAX];
	char exe[IH_EP_EXE_MAX];
	char key[64];
	char user[IH_EP_USER_MAX]; /* enriched UID="..." */
	/* SOCKADDR */
	bool has_addr;
	struct ih_addr addr;
	uint16_t port;
	/* PROCTITLE */
	char cmdline[IH_EP_CMDLINE_MAX];
};

/* Parses one line. Returns 1 (a record; type OTHER for record types we do not use), 0 (blank)
 * or -1 with *why naming the problem. */
int ih_audit_parse_line(const char *line, size_t len, struct ih_audit_rec *r /* OUT */,
			const char **why);

/* ---------------------------------------------------------------- osquery rows */

struct ih_osq_row {
	uint64_t time_ns;
	int32_t pid;
	int64_t uid, auid;
	uint8_t family;            /* IH_AF_INET / IH_AF_INET6 */
	uint16_t protocol;
	bool connect;              /* the action names a peer (connect, sendto...), not bind */
	bool has_remote, has_local;
	struct ih_addr remote, local;
	char exe[IH_EP_EXE_MAX];
	char cmdline[IH_EP_CMDLINE_MAX];
	char host[64];             /* hostIdentifier */
};

/* Parses one line; calls fn for each ICMP row in it. Returns the number of ICMP rows, 0 for a
 * line with none (other queries, other protocols, removed rows), -1 with *why when the line
 * is not JSON or a row lacks what it must have. */
int ih_osq_parse_line(const char *line, size_t len,
		      void (*fn)(void *ctx, const struct ih_osq_row *row), void *ctx, const char **why);

/* ---------------------------------------------------------------- the store */

struct ih_eplog;

/* Tables for 4096 processes and 65536 activities (about 10 MB). */
struct ih_eplog *ih_eplog_new(void);
/* Smaller (or larger) tables: tests and the fuzzer reach the "full" paths with these. */
struct ih_eplog *ih_eplog_new_capped(uint32_t max_procs, uint32_t max_activities);
void ih_eplog_free(struct ih_eplog *l);
/* Reads a file (format AUTO: '{' on the first non-blank line means osquery). Messages for
 * malformed lines go to errf (may be NULL). False, with err, only when the file cannot be
 * read at all. */
bool ih_eplog_load(struct ih_eplog *l, const char *path, enum ih_eplog_format fmt, FILE *errf,
		   char *err, size_t errlen);
/* Lower level, for tests and the fuzzer: feed lines, then end. `file` is kept by pointer
 * only during the call. */
void ih_eplog_feed(struct ih_eplog *l, enum ih_eplog_format fmt, const char *line, size_t len,
		   const char *file, uint64_t lineno, FILE *errf);
void ih_eplog_end(struct ih_eplog *l);

/* Matches a conversation of a capture to a process of the log. host_ok: the conversation's
 * source is the host the log belongs to (--endpoint-host), so socket-open records may be
 * used; otherwise only records naming the peer count. lookback: how long before the
 * conversation a socket-open record still counts; slack: clock difference allowed. */
bool ih_eplog_match(const struct ih_eplog *l, const struct ih_ep_query *q, bool host_ok,
		    uint64_t slack_ns, uint64_t lookback_ns, struct ih_ep_answer *a /* OUT */);

struct ih_eplog_stats {
	uint64_t files, lines, records, icmp_events, malformed, procs, activities, dropped;
	uint64_t failed_calls;      /* socket() that failed: not an ICMP socket */
};
void ih_eplog_get_stats(const struct ih_eplog *l, struct ih_eplog_stats *st);
json_t *ih_eplog_stats_json(const struct ih_eplog *l);

#endif

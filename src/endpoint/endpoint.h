/* endpoint.h — who sent it: the process behind ICMP traffic, and what we think of it.
 *
 * Two ways to know the process: live, by sampling this host's ICMP sockets in /proc
 * (sampler.h), and offline, from endpoint logs (auditd, osquery socket_events; eplog.h). Both
 * produce the same record, struct ih_proc, and the same JSON ("process" in a finding's
 * evidence, docs/ENDPOINT.md). This header holds that record, the socket kinds and match
 * kinds, the verdict on an executable (classify.c), and small helpers every parser here uses.
 *
 * Everything read from /proc or from a log is hostile: strings are copied through
 * ih_ep_sanitize (printable ASCII only, the rest escaped as \xNN), lengths are capped. */
#ifndef IH_ENDPOINT_H
#define IH_ENDPOINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "report/finding.h"

#define IH_EP_EXE_MAX 512     /* sanitized executable path, with the NUL */
#define IH_EP_CMDLINE_MAX 512 /* sanitized command line */
#define IH_EP_USER_MAX 48
#define IH_EP_COMM_MAX 40     /* sanitized comm (16 bytes escaped at most 4 each is more: capped) */
#define IH_EP_ORIGIN_MAX 160  /* "FILE:LINE" of a log record */

enum ih_ep_sock { IH_EP_SOCK_UNKNOWN = 0, IH_EP_SOCK_PING, IH_EP_SOCK_RAW };
const char *ih_ep_sock_name(enum ih_ep_sock s); /* "ping", "raw", "unknown" */

/* How a conversation was tied to a process. */
enum ih_ep_match {
	IH_EP_MATCH_NONE = 0,
	IH_EP_MATCH_ECHO_ID,    /* a ping socket whose local port is the echo id on the wire */
	IH_EP_MATCH_PID_AS_ID,  /* a raw socket whose owner's pid & 0xffff is the echo id */
	IH_EP_MATCH_RAW_SOCKET, /* the only raw ICMP socket of the host at the time */
	IH_EP_MATCH_LOG_REMOTE, /* a log record of a send/connect to the peer at the time */
	IH_EP_MATCH_LOG_SOCKET, /* a log record of the host opening an ICMP socket before */
};
const char *ih_ep_match_name(enum ih_ep_match m); /* "echo-id", "pid-as-id", ... */

enum ih_ep_origin { IH_EP_FROM_PROC = 0, IH_EP_FROM_AUDITD, IH_EP_FROM_OSQUERY };
const char *ih_ep_origin_name(enum ih_ep_origin o); /* "proc", "auditd", "osquery" */

/* A process as far as it is known; every field may be unknown (-1, 0 or ""). */
struct ih_proc {
	int32_t pid, ppid;
	int64_t uid, euid, auid;
	char user[IH_EP_USER_MAX];
	char comm[IH_EP_COMM_MAX];
	char exe[IH_EP_EXE_MAX];         /* without the " (deleted)" suffix */
	bool exe_deleted;
	char exe_sha256[65];             /* lowercase hex, "" when not computed */
	uint64_t exe_size;               /* bytes, 0 unknown */
	char cmdline[IH_EP_CMDLINE_MAX]; /* arguments joined by spaces */
	uint64_t start_ns;               /* process start, ns since the epoch; 0 unknown */
	enum ih_ep_origin origin;
	char where[IH_EP_ORIGIN_MAX];    /* log file and line, for log records */
};

void ih_proc_init(struct ih_proc *p); /* everything unknown */
/* Same process: pid and start time, or pid and exe when the start time is unknown. */
bool ih_proc_same(const struct ih_proc *a, const struct ih_proc *b);

/* The "process" object of a finding's evidence. */
json_t *ih_proc_json(const struct ih_proc *p, enum ih_ep_sock sock, enum ih_ep_match match);

/* Copies at most inlen bytes of `in` into out (NUL-terminated, outlen >= 1): printable ASCII
 * is kept, a backslash becomes "\\", any other byte "\xNN"; with nul_as_space a NUL becomes a
 * space (command lines) and trailing NULs are dropped. Stops before an escape that would not
 * fit. Returns true when all of `in` was copied. */
bool ih_ep_sanitize(const char *in, size_t inlen, char *out, size_t outlen, bool nul_as_space);

/* ---------------------------------------------------------------- resolving: the question and the answer
 * (asked of the live sampler, sampler.h, and of endpoint logs, eplog.h) */

/* A conversation to attribute: what this host sent, to whom, when. */
struct ih_ep_query {
	uint8_t family;
	struct ih_addr src;
	const struct ih_addr *dsts;   /* the peers it went to (may be empty) */
	unsigned ndst;
	bool has_id;
	uint16_t id;
	uint64_t t0, t1;              /* first and last packet, ns */
	const uint16_t *other_ids;    /* echo ids of this host's other conversations at the time */
	unsigned n_other;
};

/* What a resolver found. */
struct ih_ep_answer {
	enum ih_ep_match match;       /* NONE: see reason */
	enum ih_ep_sock sock;
	bool owner_known;             /* false: a socket matched but its process was not found */
	struct ih_proc proc;
	uint64_t inode;               /* live: the socket's inode */
	int64_t sock_uid;             /* live: the socket's owner uid from /proc/net, -1 unknown */
	unsigned candidates;          /* processes that could have sent it (1 when sure) */
	int32_t other_pids[4];        /* a few of the others, when ambiguous */
	char reason[240];             /* why there is no answer, or what is uncertain */
};
void ih_ep_answer_init(struct ih_ep_answer *a);

/* ---------------------------------------------------------------- the verdict on an executable */

enum ih_ep_loc {
	IH_LOC_UNKNOWN = 0, /* no path */
	IH_LOC_SYSTEM,      /* /usr/bin, /usr/sbin, /bin, /sbin, /usr/lib*, /lib*, /usr/libexec */
	IH_LOC_LOCAL,       /* /usr/local, /opt, /srv, /snap: installed by an administrator */
	IH_LOC_HOME,        /* /home, /root */
	IH_LOC_TEMP,        /* /tmp, /var/tmp */
	IH_LOC_SHM,         /* /dev/shm, /run/shm, /run/user: memory-backed, user-writable */
	IH_LOC_OTHER,       /* anything else (or a path with ".." or "//" in it) */
};
const char *ih_ep_loc_name(enum ih_ep_loc l);

enum ih_ep_tool {
	IH_TOOLC_UNKNOWN = 0, /* not a tool we know */
	IH_TOOLC_DIAGNOSTIC,  /* ping, traceroute, mtr, fping, arping... */
	IH_TOOLC_MONITORING,  /* zabbix agents, nagios/icinga check_icmp, smokeping... */
	IH_TOOLC_RECON,       /* nmap, masscan, zmap: known, but not diagnostics */
	IH_TOOLC_OFFENSIVE,   /* hping3, nemesis: packet crafting */
	IH_TOOLC_TUNNEL,      /* ptunnel(-ng), icmpsh, hans, pingtunnel, icmptunnel... */
};
const char *ih_ep_tool_name(enum ih_ep_tool t);

struct ih_ep_verdict {
	enum ih_ep_loc loc;
	enum ih_ep_tool tool;
	const char *tool_name;      /* the table's name for it, NULL when unknown */
	bool hidden_dir;            /* a path component starts with '.' */
	bool suspicious;            /* worth a suspicious_process finding */
	enum ih_sev severity;       /* when suspicious: medium or high */
	double confidence;
	const char *reasons[6];     /* NULL-terminated, static strings */
};

/* Judges an executable from its path (sanitized or not) and whether it was deleted. */
void ih_ep_classify(const char *exe, bool deleted, struct ih_ep_verdict *v /* OUT */);

/* ---------------------------------------------------------------- bounded reads */

/* Reads at most cap - 1 bytes of path (relative to dirfd, or absolute) into buf and
 * NUL-terminates it. The file must be a regular file (every /proc file is); it is opened
 * non-blocking, so a FIFO planted where a file was expected is refused. Returns the number
 * of bytes read, or -1 with errno set. *truncated (may be NULL) says whether more was left. */
long ih_ep_read_file(int dirfd, const char *path, char *buf, size_t cap, bool *truncated);

/* The user name of a uid from the passwd database (getpwuid_r), sanitized; "" if none. */
void ih_ep_user_name(int64_t uid, char *out, size_t outlen);

/* Realtime clock in ns since the epoch (the packets' clock). */
uint64_t ih_ep_now_ns(void);

#endif

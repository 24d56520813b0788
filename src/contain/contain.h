/* contain.h — step 7 of the seed case: contain the host an incident is about. A plan first
 * (dry run, the default): nftables rules in a table of icmphound's own that block ICMP from
 * the host and, on request, isolate it except for the management networks; stopping the
 * process the evidence names (SIGSTOP, then SIGKILL) when it is still that process on this
 * machine; quarantining its executable (a copy named by its SHA-256, execute permission
 * removed from the original). Then, on request, applying it (apply.c) and undoing exactly what
 * was applied from the rollback file it wrote. docs/CONTAIN.md.
 *
 * The incident is hostile input (a JSON lines file anyone may have written): a rule is built
 * only from addresses that ih_addr_parse accepted, printed back by ih_addr_str, and fixed
 * text; an id becomes part of a comment only when it has exactly the shape icmphound writes
 * ("I-"/"F-" and 16 lowercase hex digits). Strings shown to the operator (paths, users) go
 * through ih_ep_sanitize (printable ASCII, the rest as \xNN). */
#ifndef IH_CONTAIN_H
#define IH_CONTAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"

#define IH_CT_MAX_NETS 32       /* management networks, sensor addresses (each) */
#define IH_CT_MAX_ADDRS 256     /* sensor addresses from getifaddrs and --sensor-addr */
#define IH_CT_MAX_ACTIONS 8
#define IH_CT_MAX_RULES 8       /* rules one action adds */
#define IH_CT_MAX_PROCS 3       /* distinct processes one plan stops */
#define IH_CT_MAX_WHY 8         /* findings named as the reason of one action */
#define IH_CT_ID_LEN 20         /* "A-" + 16 hex + NUL (and "I-…", "F-…") */
#define IH_CT_PATH_MAX 512
#define IH_CT_TABLE_MAX 32
#define IH_CT_DEFAULT_TABLE "icmphound"
#define IH_CT_DEFAULT_QUARANTINE "/var/lib/icmphound/quarantine"
/* Two start times that differ by less than this are the same process: /proc/stat's btime, from
 * which both are computed, moves by a second when the clock is stepped or slewed. */
#define IH_CT_START_SLACK_NS 1500000000ull

enum ih_ct_kind { IH_CT_BLOCK_ICMP = 0, IH_CT_ISOLATE, IH_CT_STOP_PROCESS, IH_CT_QUARANTINE };
const char *ih_ct_kind_name(enum ih_ct_kind k); /* "block-icmp", "isolate", "stop-process", "quarantine" */

enum ih_ct_state {
	IH_CT_PLANNED = 0,  /* would be done (dry run) */
	IH_CT_REFUSED,      /* will not be done: `refusal` says why */
	IH_CT_APPLIED,      /* done now */
	IH_CT_PRESENT,      /* was already in place (an earlier --apply): nothing added */
	IH_CT_FAILED,       /* tried and failed: `outcome` says why */
	IH_CT_ROLLED_BACK,
};
const char *ih_ct_state_name(enum ih_ct_state s); /* "planned", "refused", "applied", ... */

/* One nftables rule: `nft add rule inet TABLE CHAIN EXPR comment "COMMENT"`. */
struct ih_ct_rule {
	char chain[8];          /* "input", "forward", "output" */
	char expr[400];         /* from parsed addresses and fixed words only */
	char comment[40];       /* "icmphound A-<16 hex>/<n>": how a later run finds it again */
	uint64_t handle;        /* nftables' handle once added (or found); 0 before */
	bool present;           /* found in place before this run added anything */
};

/* What /proc says about a pid now (ih_ct_probe_proc, or a test's stand-in). */
struct ih_ct_live {
	uint64_t start_ns;      /* from /proc/PID/stat starttime and /proc/stat btime */
	char exe[IH_CT_PATH_MAX]; /* readlink /proc/PID/exe, " (deleted)" removed, raw bytes */
	bool exe_deleted;
	uint64_t exe_dev, exe_ino;
	uint32_t exe_mode;
	int error;              /* when the probe fails: ESRCH no such process, EACCES not readable */
};
typedef bool (*ih_ct_probe_fn)(void *ctx, int32_t pid, struct ih_ct_live *out /* OUT */);
/* Reads /proc/PID (the real one). False when there is no such process or it cannot be read. */
bool ih_ct_probe_proc(void *ctx, int32_t pid, struct ih_ct_live *out);

/* The process a finding's evidence names, and what this machine says about it. */
struct ih_ct_proc {
	int32_t pid;
	uint64_t start_ns;        /* evidence start_time (0: none) */
	char exe[IH_CT_PATH_MAX]; /* evidence exe, sanitized (for showing) */
	char user[64];            /* evidence user, sanitized */
	char sha256[65];          /* evidence exe_sha256 when well-formed */
	bool verified;            /* the pid runs here, started then, from that executable */
	struct ih_ct_live live;   /* valid when verified */
	bool system_exe;          /* the live executable is in a system directory (not chmod'ed) */
};

struct ih_ct_action {
	char id[IH_CT_ID_LEN];  /* "A-" + 16 hex: a hash of incident, host, kind (and pid) */
	enum ih_ct_kind kind;
	enum ih_ct_state state;
	char why[640];          /* one sentence: which findings, what they showed */
	char findings[IH_CT_MAX_WHY][IH_CT_ID_LEN];
	unsigned nfindings;
	char refusal[256];      /* when REFUSED */
	struct ih_ct_rule rules[IH_CT_MAX_RULES];
	unsigned nrules;
	struct ih_ct_proc proc; /* STOP_PROCESS, QUARANTINE */
	char command[1400];     /* the exact command(s), one a line (for nft: what is sent) */
	/* after --apply */
	char outcome[512];
	uint64_t at_ns;         /* wall clock when applied */
	char quarantine_copy[IH_CT_PATH_MAX + 80];
	char quarantine_sha256[65];
	uint32_t mode_before, mode_after;
	bool mode_changed;
};

struct ih_ct_plan {
	char incident[IH_CT_ID_LEN];
	char verdict[16];       /* benign, suspicious, malicious, or "unknown" */
	long score;             /* -1 unknown */
	char host[IH_ADDR_STRLEN * 2]; /* the primary as given (sanitized), for showing */
	struct ih_addr addr;    /* parsed primary */
	bool host_valid;
	char table[IH_CT_TABLE_MAX];
	bool isolate;
	struct ih_cidr mgmt[IH_CT_MAX_NETS];
	unsigned nmgmt;
	char quarantine_dir[IH_CT_PATH_MAX];
	struct ih_ct_action actions[IH_CT_MAX_ACTIONS];
	unsigned n;
};

struct ih_ct_opts {
	const char *table;                 /* NULL: "icmphound" */
	const struct ih_cidr *mgmt;        /* never blocked; isolation keeps them reachable */
	unsigned nmgmt;
	const struct ih_addr *sensor;      /* this machine's own addresses: never blocked */
	unsigned nsensor;
	bool isolate;
	const char *quarantine_dir;        /* NULL: IH_CT_DEFAULT_QUARANTINE */
	ih_ct_probe_fn probe;              /* NULL: no process is looked up (all refused) */
	void *probe_ctx;
};

/* Is `name` usable as the table's name: a letter, then letters, digits or '_', at most 31. */
bool ih_ct_table_name_ok(const char *name);
/* Is s exactly `prefix` ("I-", "F-", "A-") and 16 lowercase hex digits? */
bool ih_ct_id_ok(const char *s, const char *prefix);

/* Builds the plan for `incident` (its "type":"incident" object) and its `findings` (array of
 * "type":"finding" objects). Never fails on what the incident holds: a field that is missing
 * or malformed turns the actions that need it into REFUSED ones with the reason. Returns false
 * (err set) only for a bad option (table name, a management network that is not a network,
 * more than IH_CT_MAX_NETS of them) or an incident that is not an object. */
bool ih_ct_plan_build(const json_t *incident, const json_t *findings, const struct ih_ct_opts *o,
		      struct ih_ct_plan *p /* OUT */, char *err, size_t errlen);

/* The plan as text for a terminal, or as JSON lines (one "type":"action" object per action).
 * dry_run: nothing was applied (says so). Returns false when the output could not be written. */
bool ih_ct_plan_print_text(const struct ih_ct_plan *p, bool dry_run, FILE *f);
json_t *ih_ct_action_json(const struct ih_ct_plan *p, const struct ih_ct_action *a, bool dry_run);

/* Shell-quotes s ('...' with '\'' for a quote) into out after sanitizing it; the result is
 * safe to paste into a shell and shows any unprintable byte as \xNN. */
void ih_ct_shell_quote(const char *s, char *out, size_t outlen);

/* Who is acting: the real user's name (getpwuid_r), uid, and SUDO_USER when set (sanitized). */
struct ih_ct_who {
	char user[64];
	long uid;
	char sudo_user[64];
};
void ih_ct_who(struct ih_ct_who *w /* OUT */);

/* ---- applying (apply.c) ---- */

/* Applies what the plan holds in state PLANNED, in this order: the nft rules of every action
 * in one nftables transaction through libnftables (all or none; rules whose comment is already
 * in the table are PRESENT and not added twice), then for each verified process: SIGSTOP
 * through a pidfd after checking its start time again, the quarantine copy (read through
 * /proc/PID/exe while it is stopped), chmod a-x of the original, SIGKILL. Each action's state
 * and outcome say what happened; now_ns is the wall clock stamped on them.
 *
 * The rollback file (JSON, mode 0600, written whole to a temporary name and renamed) records
 * exactly what was added — rule handles, the table and chains when this created them, modes
 * changed — merged with what the file already held from an earlier --apply of the same table.
 * It is written right after the nft transaction and again at the end. Returns false when any
 * action failed (err: the first failure) or the rollback file could not be written. */
bool ih_ct_apply(struct ih_ct_plan *p, const char *rollback_path, const struct ih_ct_who *who, uint64_t now_ns,
		 char *err, size_t errlen);

/* Undoes what the rollback file records: deletes the rules by handle when the rule at that
 * handle still carries the comment it was added with, then the chains and the table this
 * created when nothing else is left in them, restores file modes when the file is the same
 * (device, inode) and still has the mode that was set. A killed process cannot be undone (said
 * so). `report` (OUT) gets the file's incident, host and, per action, what was done:
 * {"incident","host","table","actions":[{"id","action","outcome","ok"}]}. The file is
 * rewritten with "rolled_back" (when, by whom). Returns false with err when the file cannot be
 * read or is not a rollback file, or when the nftables transaction failed. */
bool ih_ct_rollback(const char *rollback_path, const struct ih_ct_who *who, uint64_t now_ns, json_t **report,
		    char *err, size_t errlen);

#endif

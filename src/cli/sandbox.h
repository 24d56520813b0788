/* sandbox.h — what an analysing command gives up once its inputs and outputs are open.
 *
 * One call, right after a command has opened everything it reads and writes and before it
 * reads the first byte of traffic (docs/PRIVILEGES.md, "The analysing commands"):
 *   1. privileges (cli/privs.h): started as root, the process becomes --sandbox-user NAME or
 *      "nobody" with no capabilities; a command that must still create files or reconnect
 *      after this point (a store, report's rename into place, explain -o) keeps its user but
 *      loses every capability. no_new_privs in every case;
 *   2. a seccomp filter (libseccomp): only the system calls the rest of the run needs, chosen
 *      per command by the `needs` flags below; anything else never runs: the process ends with
 *      status 4 and a line naming the refused call (a SIGSYS handler; see sandbox.c for why
 *      not SECCOMP_RET_KILL_PROCESS or EPERM).
 * Turned off by the global option --no-sandbox (any command, taken out of argv by
 * ih_sandbox_options) or the configuration key `sandbox = 0`. */
#ifndef IH_SANDBOX_H
#define IH_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

struct ih_config;

enum ih_sandbox_need {
	IH_SB_SQLITE = 1u << 0,    /* a SQLite store: journals created, synced and removed next to it */
	IH_SB_POSTGRES = 1u << 1,  /* a PostgreSQL store: its socket, and reconnecting */
	IH_SB_RENAME = 1u << 2,    /* outputs written to temporary files and renamed into place (report) */
	IH_SB_CREATE = 1u << 3,    /* an output file created after the analysis (explain -o) */
	IH_SB_CAPTURE = 1u << 4,   /* a live capture socket: poll, its statistics, its ring freed at the end */
	IH_SB_PROC = 1u << 5,      /* the /proc sampler: read-only opens, directory listings, links */
	IH_SB_EVIDENCE = 1u << 6,  /* evidence: new files created (O_EXCL, no links followed) and synced, files read */
};

/* Takes the global options out of argv (up to a "--"): --no-sandbox and --sandbox-user NAME
 * (also --sandbox-user=NAME). Returns false, with a message on stderr, when --sandbox-user has
 * no value. Called by main() before the command parses its own options. */
bool ih_sandbox_options(int *argc, char **argv);

/* The needs of a store given as --store TARGET (NULL: no store): IH_SB_POSTGRES for a
 * connection string, else IH_SB_SQLITE. */
unsigned ih_sandbox_store(const char *target);

/* Drops privileges and installs the filter for `cmd` (its name, for messages) with `needs`
 * (enum ih_sandbox_need, or-ed). Does nothing when the sandbox is off (--no-sandbox, or
 * cfg->sandbox == 0; cfg may be NULL), or when ih_sandbox_options was never called (a program
 * other than icmphound, such as a unit test, calling a command's function in-process). On failure prints why and exits 4: the process may be
 * half-dropped and must not go on. Call it before any thread is started. */
void ih_sandbox_enter(const char *cmd, const struct ih_config *cfg, unsigned needs);

/* Only the filter (step 2), for a command that drops its privileges its own way (watch keeps
 * two capabilities for the /proc sampler: cli/privs.h). Same conditions and failure as
 * ih_sandbox_enter; call it after the drop and before any thread starts. */
void ih_sandbox_filter(const char *cmd, const struct ih_config *cfg, unsigned needs);

/* Same, returning false with a message in err instead of exiting (for tests). */
bool ih_sandbox_try(const char *cmd, bool drop_user, const char *user, unsigned needs, char *err, size_t errlen);

#endif

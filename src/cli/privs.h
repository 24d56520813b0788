/* privs.h — giving up what a live capture no longer needs, once its inputs and outputs are open.
 *
 * After the capture handle and the output file are open, `watch` keeps exactly this
 * (docs/PRIVILEGES.md):
 *   - no root: started as root, it becomes an unprivileged user (--user NAME, else "nobody"
 *     when it exists; the supplementary groups go too);
 *   - with endpoint attribution on, two capabilities, permitted and effective, nothing
 *     inheritable or ambient: CAP_SYS_PTRACE (to readlink /proc/PID/fd/N and /proc/PID/exe of
 *     other users' processes, which the kernel guards with a ptrace read check) and
 *     CAP_DAC_READ_SEARCH (to list /proc/PID/fd, mode 0500, and to read an executable its
 *     mode would hide, for its SHA-256); with attribution off, none;
 *   - the bounding set reduced to the same, and no_new_privs, so that nothing it could run
 *     later gets more.
 * Started as an ordinary user, it only drops capabilities it may have (file capabilities on
 * the binary) down to the same set. Raw syscalls (capset, prctl), no libcap. */
#ifndef IH_PRIVS_H
#define IH_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

struct ih_privs_report {
	bool changed_user;
	unsigned uid, gid;
	char user[64];
	bool kept_ptrace, kept_dac_read_search;
};

/* user: NULL for the default ("nobody" if it exists, else stay root with reduced
 * capabilities). keep_attribution: keep the two capabilities above. Returns false with a
 * message in err when a step failed; the caller must then exit (it may be half-dropped). */
bool ih_privs_drop(const char *user, bool keep_attribution, struct ih_privs_report *rep,
		   char *err, size_t errlen);

/* The same with change_user false: a root process keeps uid and gid 0 (so that it can still
 * create files where root can: a store's journal, a report renamed into place) but loses every
 * capability, bounding set included; `user` is then ignored. The analysing commands use this
 * through cli/sandbox.h. */
bool ih_privs_drop_as(const char *user, bool change_user, bool keep_attribution, struct ih_privs_report *rep,
		      char *err, size_t errlen);

#endif

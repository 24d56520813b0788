/* internal.h — what the containment module's files share; not for other modules. */
#ifndef IH_CONTAIN_INTERNAL_H
#define IH_CONTAIN_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contain/contain.h"
#include "report/finding.h"

#define ih_ct_time_str ih_time_str

/* {"user","uid","sudo_user"} (sudo_user only when set) */
json_t *ih_ct_who_json(const struct ih_ct_who *w);

/* Opens a pidfd on the action's process, checks that it is still the verified process and
 * sends SIGSTOP. Returns the pidfd, or -1 with err. */
int ih_ct_proc_stop(struct ih_ct_action *a, char *err, size_t errlen);
/* SIGKILL through the pidfd (closed here), then waits up to 3 s for the process to exit. */
bool ih_ct_proc_kill(struct ih_ct_action *a, int pidfd, char *err, size_t errlen);
/* Copies /proc/PID/exe into the quarantine directory as SHA256 (mode 0400) with SHA256.json
 * beside it, then chmod a-x of the original when it is the same file and not a system one. */
bool ih_ct_quarantine(const struct ih_ct_plan *p, struct ih_ct_action *a, const struct ih_ct_who *who,
		      uint64_t now_ns, char *err, size_t errlen);

#endif

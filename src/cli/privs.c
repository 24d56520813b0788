/* privs.c — drop root and capabilities after the capture is open; see privs.h.
 *
 * Order matters:
 *   1. bounding set: drop every capability but the kept ones (needs CAP_SETPCAP, so while
 *      still root);
 *   2. PR_SET_KEEPCAPS, then setgroups / setresgid / setresuid: the permitted set survives
 *      the uid change, the effective set is cleared;
 *   3. capset: permitted = effective = the kept ones, inheritable empty; ambient cleared;
 *   4. PR_SET_KEEPCAPS off, PR_SET_NO_NEW_PRIVS on;
 *   5. check: setuid(0) must fail, and the effective set must be what we asked for.
 * glibc applies set*id to every thread; capset is per thread, so this runs before any
 * thread is started (the sampler starts after). */
#include "cli/privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = -1;
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n >= 0 && n < 64 ? n : 40;
}

static bool capset_keep(uint64_t keep, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = (uint32_t)keep;
	d[1].permitted = d[1].effective = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d) != 0) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return false;
	}
	return true;
}

static bool capget_eff(uint64_t *eff, uint64_t *perm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*perm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	return true;
}

bool ih_privs_drop(const char *user, bool keep_attribution, struct ih_privs_report *rep,
		   char *err, size_t errlen)
{
	return ih_privs_drop_as(user, true, keep_attribution, rep, err, errlen);
}

bool ih_privs_drop_as(const char *user, bool change_user, bool keep_attribution, struct ih_privs_report *rep,
		      char *err, size_t errlen)
{
	memset(rep, 0, sizeof(*rep));
	uint64_t keep = 0;
	if (keep_attribution)
		keep = 1ull << CAP_SYS_PTRACE | 1ull << CAP_DAC_READ_SEARCH;
	uint64_t eff0 = 0, perm0 = 0;
	capget_eff(&eff0, &perm0);
	keep &= perm0; /* cannot keep what we never had (a container may withhold CAP_SYS_PTRACE) */

	struct passwd pw, *pr = NULL;
	char pwbuf[4096];
	bool root = geteuid() == 0;
	const char *name = user ? user : "nobody";
	if (root && change_user) {
		int rc = getpwnam_r(name, &pw, pwbuf, sizeof(pwbuf), &pr);
		if (!pr) {
			if (user) {
				snprintf(err, errlen, "user '%s' does not exist%s%s", user, rc ? ": " : "",
					 rc ? strerror(rc) : "");
				return false;
			}
			/* no "nobody": stay root, with the capability set reduced all the same */
		}
		if (pr && pr->pw_uid == 0) {
			snprintf(err, errlen, "refusing to run as '%s' (uid 0); name an unprivileged user", name);
			return false;
		}
	}

	/* 1. bounding set */
	if (perm0 & (1ull << CAP_SETPCAP)) {
		int last = cap_last();
		for (int c = 0; c <= last; c++)
			if (!(keep & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
				snprintf(err, errlen, "dropping capability %d from the bounding set: %s", c,
					 strerror(errno));
				return false;
			}
	}
	/* 2. user */
	if (root && pr) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
			snprintf(err, errlen, "PR_SET_KEEPCAPS: %s", strerror(errno));
			return false;
		}
		if (setgroups(0, NULL) != 0 || setresgid(pr->pw_gid, pr->pw_gid, pr->pw_gid) != 0 ||
		    setresuid(pr->pw_uid, pr->pw_uid, pr->pw_uid) != 0) {
			snprintf(err, errlen, "becoming user '%s': %s", pr->pw_name, strerror(errno));
			return false;
		}
		rep->changed_user = true;
		rep->uid = pr->pw_uid;
		rep->gid = pr->pw_gid;
		snprintf(rep->user, sizeof(rep->user), "%s", pr->pw_name);
	} else {
		rep->uid = getuid();
		rep->gid = getgid();
		struct passwd *me = NULL;
		if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &me) == 0 && me)
			snprintf(rep->user, sizeof(rep->user), "%s", me->pw_name);
	}
	/* 3. capabilities */
	if (!capset_keep(keep, err, errlen))
		return false;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* 4. */
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return false;
	}
	/* 5. */
	if (rep->changed_user && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "could regain root after dropping it: refusing to go on");
		return false;
	}
	uint64_t eff = 0, perm = 0;
	if (!capget_eff(&eff, &perm) || eff != keep || perm != keep) {
		snprintf(err, errlen, "capabilities are %#llx after dropping, expected %#llx",
			 (unsigned long long)eff, (unsigned long long)keep);
		return false;
	}
	rep->kept_ptrace = keep & (1ull << CAP_SYS_PTRACE);
	rep->kept_dac_read_search = keep & (1ull << CAP_DAC_READ_SEARCH);
	return true;
}

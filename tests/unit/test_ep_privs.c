/* test_ep_privs.c — dropping privileges after the capture is open (cli/privs.h). Each case runs
 * in a child process (a drop cannot be undone), as root only (skipped otherwise):
 *   - default: becomes nobody, keeps exactly CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (permitted,
 *     effective and bounding), nothing inheritable or ambient, no_new_privs, cannot get root back;
 *   - attribution off: no capability at all;
 *   - --user: an unknown user and root itself are refused before anything changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/privs.h"

static void caps(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	syscall(SYS_capget, &h, d);
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*perm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
}

/* Runs fn in a child; returns its exit status (0: every check passed). */
static int in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

#define CHECK(c, n)                  \
	do {                         \
		if (!(c))            \
			return (n);  \
	} while (0)

static int drop_default(void)
{
	struct ih_privs_report rep;
	char err[256];
	CHECK(ih_privs_drop(NULL, true, &rep, err, sizeof err), 1);
	struct passwd *pw = getpwnam("nobody");
	CHECK(pw && getuid() == pw->pw_uid && geteuid() == pw->pw_uid && getgid() == pw->pw_gid, 2);
	CHECK(rep.changed_user && strcmp(rep.user, "nobody") == 0, 3);
	CHECK(rep.kept_ptrace && rep.kept_dac_read_search, 4);
	uint64_t eff, perm, inh, want = 1ull << CAP_SYS_PTRACE | 1ull << CAP_DAC_READ_SEARCH;
	caps(&eff, &perm, &inh);
	CHECK(eff == want && perm == want && inh == 0, 5);
	for (int c = 0; c <= 40; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (r < 0)
			break;
		CHECK((uint64_t)r == ((want >> c) & 1), 6);
	}
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, 7);
	CHECK(setuid(0) != 0 && seteuid(0) != 0, 8);
	CHECK(getgroups(0, NULL) == 0, 9);
	/* what the kept capabilities are for: the fd links and the exe of a root process (our
	 * parent, the test, still root) */
	char path[64], link[512];
	snprintf(path, sizeof path, "/proc/%d/exe", (int)getppid());
	CHECK(readlink(path, link, sizeof link) > 0, 10);
	snprintf(path, sizeof path, "/proc/%d/fd/0", (int)getppid());
	CHECK(readlink(path, link, sizeof link) > 0, 11);
	return 0;
}

static int drop_no_attribution(void)
{
	struct ih_privs_report rep;
	char err[256];
	CHECK(ih_privs_drop(NULL, false, &rep, err, sizeof err), 1);
	uint64_t eff, perm, inh;
	caps(&eff, &perm, &inh);
	CHECK(eff == 0 && perm == 0 && inh == 0, 2);
	CHECK(!rep.kept_ptrace && !rep.kept_dac_read_search, 3);
	char path[64], link[512];
	snprintf(path, sizeof path, "/proc/%d/exe", (int)getppid());
	CHECK(readlink(path, link, sizeof link) < 0, 4); /* no longer allowed */
	return 0;
}

static int refuse_unknown_user(void)
{
	struct ih_privs_report rep;
	char err[256] = "";
	CHECK(!ih_privs_drop("no-such-user-ih", true, &rep, err, sizeof err), 1);
	CHECK(strstr(err, "no-such-user-ih") != NULL, 2);
	CHECK(getuid() == 0, 3); /* nothing changed */
	CHECK(!ih_privs_drop("root", true, &rep, err, sizeof err), 4);
	CHECK(strstr(err, "uid 0") != NULL, 5);
	return 0;
}

static void test_drop(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(drop_default), 0);
	assert_int_equal(in_child(drop_no_attribution), 0);
	assert_int_equal(in_child(refuse_unknown_user), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

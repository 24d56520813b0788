/* sandbox.c — privileges and a seccomp filter for the analysing commands; see sandbox.h and
 * docs/PRIVILEGES.md.
 *
 * The lists below were found by tracing every command over tests/data (strace -f from the
 * point where the filter is installed) and then by running the golden, robust, unit and store
 * suites with the filter on; a call missing here shows up as "the sandbox refused ...".
 *
 * Default action: SECCOMP_RET_TRAP, with a SIGSYS handler that names the call and ends the
 * process with status 4. The refused call never runs, as with KILL_PROCESS; but KILL_PROCESS
 * leaves only "Bad system call" and a core, and a user cannot tell a missing entry here from an
 * attack. EPERM was rejected: code that does not expect it may go on with a half-done action
 * (a report half written), and an attacker's probing would go unnoticed. A process that
 * replaces the handler still cannot make the call; it only chooses how it learns of the refusal.
 * Calls from another ABI (i386 int 0x80, x32) kill the process (libseccomp's bad-arch action). */
#include "cli/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifdef IH_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "cli/commands.h"
#include "cli/privs.h"
#include "core/config.h"
#include "store/store.h"

static bool sandbox_armed;        /* ih_sandbox_options ran: this is the icmphound program */
static bool sandbox_off;          /* --no-sandbox */
static const char *sandbox_user;  /* --sandbox-user NAME */

bool ih_sandbox_options(int *argc, char **argv)
{
	int out = 0, i = 0;
	sandbox_armed = true;
	for (; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--no-sandbox") == 0) {
			sandbox_off = true;
			continue;
		}
		if (strcmp(a, "--sandbox-user") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "icmphound: --sandbox-user needs a user name\n");
				return false;
			}
			sandbox_user = argv[++i];
			continue;
		}
		if (strncmp(a, "--sandbox-user=", 15) == 0) {
			sandbox_user = a + 15;
			continue;
		}
		argv[out++] = argv[i];
	}
	for (; i < *argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	*argc = out;
	return true;
}

unsigned ih_sandbox_store(const char *target)
{
	if (!target)
		return 0;
	return ih_store_is_postgres(target) ? IH_SB_POSTGRES : IH_SB_SQLITE;
}

/* ---------------------------------------------------------------- the refusal handler */

/* Names of the native system calls, resolved before the filter is loaded: the handler may
 * run inside malloc and must not call it. */
#define NSYSNAMES 512
static char sysnames[NSYSNAMES][24];
static char refuse_cmd[16];

static void put_s(char **p, char *end, const char *s)
{
	while (*s && *p < end)
		*(*p)++ = *s++;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char buf[256], *p = buf, *end = buf + sizeof(buf) - 1;
	int nr = si->si_syscall;
	char num[16], *q = num + sizeof(num);
	*--q = '\0';
	unsigned u = nr < 0 ? 0u : (unsigned)nr;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) && q > num);
	put_s(&p, end, "icmphound ");
	put_s(&p, end, refuse_cmd);
	put_s(&p, end, ": the sandbox refused system call ");
	put_s(&p, end, nr >= 0 && nr < NSYSNAMES && sysnames[nr][0] ? sysnames[nr] : "?");
	put_s(&p, end, " (");
	put_s(&p, end, q);
	put_s(&p, end, "); stopping. --no-sandbox runs without it (docs/PRIVILEGES.md)\n");
	ssize_t w = write(STDERR_FILENO, buf, (size_t)(p - buf));
	(void)w;
	_exit(IH_EXIT_INTERNAL);
}

/* ---------------------------------------------------------------- the filter */

/* libseccomp's SCMP_An() leave datum_b out of the initializer, which clang -Wextra refuses. */
#define ARG(n, cmp, a, b) ((struct scmp_arg_cmp){ .arg = (n), .op = (cmp), .datum_a = (a), .datum_b = (b) })

/* Every analysing command, after its inputs and outputs are open: read and write open
 * descriptors, memory (never executable), time, signals to itself, the terminal's size. */
static const char *const base_calls[] = {
	"read", "readv", "pread64", "write", "writev", "lseek", "close", "fstat",
	"munmap", "mremap", "brk", "madvise",
	"futex", "exit", "exit_group", "rt_sigreturn", "rt_sigaction", "rt_sigprocmask", "sigaltstack",
	"restart_syscall", "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getrandom",
	"fcntl", "sched_yield", "set_robust_list", "rseq",
	"sysinfo", /* glibc's qsort asks for the amount of memory before sorting a large array */
};

/* SQLite (store and hunt): the rollback journal or WAL next to the database is created, written,
 * synced and deleted on every write transaction; locks are fcntl locks. */
static const char *const sqlite_calls[] = {
	"openat", "pwrite64", "fsync", "fdatasync", "ftruncate", "unlink", "unlinkat", "access",
	"faccessat", "faccessat2", "newfstatat", "stat", "lstat", "readlink", "fchown", "fchmod",
	"getcwd", "uname",
};

/* libpq: the connection's socket, and a new one when store.c reconnects after the server went
 * away (PQreset); a host name is resolved again then (getaddrinfo reads /etc/hosts and
 * resolv.conf: openat is limited to reading below). */
static const char *const postgres_calls[] = {
	"connect", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "poll", "ppoll",
	"setsockopt", "getsockopt", "getsockname", "getpeername", "shutdown", "newfstatat", "uname",
	"bind",
};

/* watch's capture: waiting on the packet socket, its statistics. */
static const char *const capture_calls[] = { "poll", "ppoll", "getsockopt", "recvfrom", "recvmsg" };

/* watch's /proc sampler (endpoint/sampler.c): /proc/net/{icmp,raw}*, /proc/PID/{fd,stat,
 * status,cmdline,exe}, listed and read; getpwuid_r reads /etc/passwd. No ptrace: the
 * CAP_SYS_PTRACE watch keeps for reading other users' /proc links cannot attach to anything. */
static const char *const proc_calls[] = {
	"getdents64", "getdents", "readlink", "readlinkat", "statx", "stat", "lstat", "access",
	"faccessat", "faccessat2", "uname", "dup", /* a directory opened at a descriptor is listed through its dup */
};

/* report: each output is a temporary file renamed over the named one at the end, removed if
 * the run fails. */
static const char *const rename_calls[] = { "rename", "renameat", "renameat2", "unlink" };

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define IH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define IH_SANITIZED 1
#endif
#endif
#ifdef IH_SANITIZED
/* ASan/UBSan builds only (make check's second pass, make fuzz): a sanitizer report reads
 * /proc/self/maps and the executable's path; LeakSanitizer at exit stops the process's threads
 * from a helper task it clones and attaches with ptrace. None of this is in a release build. */
static const char *const sanitizer_calls[] = {
	"prctl", "clone", "ptrace", "wait4", "waitid", "open", "openat", "getdents", "getdents64", "readlink", "readlinkat",
	"sched_getaffinity", "newfstatat", "kill", "tgkill", "getppid", "pipe", "pipe2", "dup2", "dup3",
	"execve", "fork", "vfork", "mmap", "mprotect", "munmap",
};
#endif

static int add_list(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

#define ADD(list) add_list(ctx, list, sizeof(list) / sizeof(list[0]))

static int build(scmp_filter_ctx ctx, unsigned needs)
{
	int rc = 0;
	pid_t self = getpid();
	/* the open flags fopen("w") uses: explain -o creates its output after the analysis */
	const scmp_datum_t wflags = O_WRONLY | O_CREAT | O_TRUNC;
	/* read-only opens: no O_CREAT, O_TRUNC, O_APPEND, write access */
	const scmp_datum_t rmask = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;

	if ((rc = ADD(base_calls)) < 0)
		return rc;
#ifdef IH_SANITIZED
	if ((rc = ADD(sanitizer_calls)) < 0)
		return rc;
#endif
	/* memory: never executable (nothing is loaded or generated after this point) */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, ARG(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, ARG(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		return rc;
	/* threads (the capture reader of source/pcap_source.c): clone only with CLONE_THREAD, so
	 * never a new process; clone3 passes its flags in memory a filter cannot read, so it fails
	 * with ENOSYS and glibc falls back to clone. A new thread registers its robust futex
	 * list and its restartable-sequence area. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				   ARG(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD))) < 0 && rc != -EEXIST)
		return rc;
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		return rc;
	/* stdio's fstat of an open descriptor only (glibc: newfstatat(fd, "", AT_EMPTY_PATH)) */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
				   ARG(3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH))) < 0)
		return rc;
	/* isatty and the progress bar's width */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, ARG(1, SCMP_CMP_EQ, TCGETS, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, ARG(1, SCMP_CMP_EQ, TIOCGWINSZ, 0))) < 0)
		return rc;
	/* abort() and raise(): signals to itself only */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, ARG(0, SCMP_CMP_EQ, (scmp_datum_t)self, 0))) < 0)
		return rc;

	if ((needs & IH_SB_SQLITE) && (rc = ADD(sqlite_calls)) < 0)
		return rc;
	if (needs & IH_SB_POSTGRES) {
		if ((rc = ADD(postgres_calls)) < 0)
			return rc;
		for (int fam = 0; fam < 3; fam++) {
			static const int fams[] = { AF_UNIX, AF_INET, AF_INET6 };
			if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, ARG(0, SCMP_CMP_EQ, (scmp_datum_t)fams[fam], 0))) < 0)
				return rc;
		}
	}
	if ((needs & IH_SB_RENAME) && (rc = ADD(rename_calls)) < 0)
		return rc;
	if (needs & IH_SB_CAPTURE) {
		/* the packet socket: waiting for frames, libpcap's statistics (getsockopt
		 * PACKET_STATISTICS) and, at pcap_close, the ring given back (setsockopt
		 * PACKET_RX_RING): SOL_PACKET only, so no other socket option can change */
		if ((rc = ADD(capture_calls)) < 0 ||
		    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 1, ARG(1, SCMP_CMP_EQ, SOL_PACKET, 0))) < 0)
			return rc;
	}
	if (needs & IH_SB_EVIDENCE) {
		/* the package's files: created new, never through a link, never truncating one that
		 * exists (the flags of cli/evidence.c pkg_create, exactly), synced; read back for
		 * their hashes (read-only opens) */
		const scmp_datum_t cflags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, ARG(2, SCMP_CMP_EQ, cflags, 0))) < 0 &&
		    rc != -EEXIST)
			return rc;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fsync), 0)) < 0 && rc != -EEXIST)
			return rc;
	}
	if (needs & IH_SB_PROC) {
		/* /proc and the passwd database, read only; NSS asks nscd through a unix socket
		 * first: refused (EACCES), it falls back to the files */
		if ((rc = ADD(proc_calls)) < 0)
			return rc;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 0)) < 0 && rc != -EEXIST)
			return rc;
		if (!(needs & IH_SB_POSTGRES) &&
		    ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0)) < 0 ||
		     (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(connect), 0)) < 0))
			return rc;
	}
	if ((needs & IH_SB_CREATE) &&
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, ARG(2, SCMP_CMP_EQ, wflags, 0))) < 0 && rc != -EEXIST)
		return rc;
	/* read-only opens: a PostgreSQL reconnection's name resolution (/etc/hosts, resolv.conf),
	 * libpcap's pcap_stats in promiscuous mode (the interface's drop counters under
	 * /sys/class/net), the /proc sampler, evidence reading its files back for their hashes */
	if ((needs & (IH_SB_POSTGRES | IH_SB_CAPTURE | IH_SB_PROC | IH_SB_EVIDENCE)) && !(needs & IH_SB_SQLITE) &&
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, ARG(2, SCMP_CMP_MASKED_EQ, rmask, O_RDONLY))) < 0 &&
	    rc != -EEXIST)
		return rc;
	return 0;
}

static bool install(const char *cmd, unsigned needs, char *err, size_t errlen)
{
#ifdef RUNNING_ON_VALGRIND
	/* valgrind (3.19) does not implement seccomp(2) and its own calls would be trapped: under
	 * valgrind the filter is left out, the privileges are dropped all the same */
	if (RUNNING_ON_VALGRIND)
		return true;
#endif
	snprintf(refuse_cmd, sizeof(refuse_cmd), "%s", cmd);
	for (int nr = 0; nr < NSYSNAMES; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name)
			snprintf(sysnames[nr], sizeof(sysnames[nr]), "%s", name);
		free(name);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		snprintf(err, errlen, "installing the SIGSYS handler: %s", strerror(errno));
		return false;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return false;
	}
	int rc = build(ctx, needs);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "installing the seccomp filter: %s", strerror(-rc));
		return false;
	}
	return true;
}

bool ih_sandbox_try(const char *cmd, bool drop_user, const char *user, unsigned needs, char *err, size_t errlen)
{
	struct ih_privs_report rep;
	/* Before the filter, what would otherwise open files on first use: jansson seeds its
	 * hash tables from /dev/urandom with the first object; the first localtime reads
	 * /etc/localtime. */
	json_object_seed(0);
	tzset();
	if (!ih_privs_drop_as(user, drop_user, false, &rep, err, errlen))
		return false;
	return install(cmd, needs, err, errlen);
}

void ih_sandbox_filter(const char *cmd, const struct ih_config *cfg, unsigned needs)
{
	if (!sandbox_armed || sandbox_off || (cfg && !cfg->sandbox))
		return;
	json_object_seed(0);
	tzset();
	char err[512];
	if (!install(cmd, needs, err, sizeof(err))) {
		fprintf(stderr, "icmphound %s: sandbox: %s\n", cmd, err);
		exit(IH_EXIT_INTERNAL);
	}
}

void ih_sandbox_enter(const char *cmd, const struct ih_config *cfg, unsigned needs)
{
	/* Only the icmphound program confines itself: a program that calls a command's function
	 * (the unit tests run ih_cmd_analyze in-process, then go on) never called
	 * ih_sandbox_options and is left as it is. */
	if (!sandbox_armed || sandbox_off || (cfg && !cfg->sandbox))
		return;
	/* Only a command that creates nothing and connects to nothing after this point can become
	 * another user: the store's journal and report's rename need the directory's owner. */
	bool drop_user = !(needs & (IH_SB_SQLITE | IH_SB_POSTGRES | IH_SB_RENAME | IH_SB_CREATE));
	char err[512];
	if (!ih_sandbox_try(cmd, drop_user, sandbox_user, needs, err, sizeof(err))) {
		fprintf(stderr, "icmphound %s: sandbox: %s\n", cmd, err);
		exit(IH_EXIT_INTERNAL);
	}
}

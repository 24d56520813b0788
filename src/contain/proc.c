/* proc.c — the process side of containment: is this pid still the process the evidence
 * names (start time and executable, because pids are reused), stopping it through a pidfd so
 * that the signal cannot reach a process that took its pid in between, and the quarantine copy
 * of its executable (read through /proc/PID/exe, so a deleted file is copied too; hashed with
 * SHA-256 as it is copied). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "contain/contain.h"
#include "contain/internal.h"
#include "endpoint/endpoint.h"
#include "endpoint/procparse.h"

#define QUARANTINE_MAX_BYTES (1ull << 30) /* an executable larger than this is not copied */

bool ih_ct_probe_proc(void *ctx, int32_t pid, struct ih_ct_live *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	char path[64], buf[4096];
	bool trunc;
	snprintf(path, sizeof(path), "/proc/%" PRId32 "/stat", pid);
	long n = ih_ep_read_file(AT_FDCWD, path, buf, sizeof(buf), &trunc);
	uint64_t ticks = 0, btime = 0;
	int32_t ppid;
	if (n < 0 || !ih_proc_parse_stat(buf, (size_t)n, &ppid, &ticks, NULL, 0)) {
		out->error = ESRCH;
		return false;
	}
	n = ih_ep_read_file(AT_FDCWD, "/proc/stat", buf, sizeof(buf), &trunc);
	long hz = sysconf(_SC_CLK_TCK);
	if (n < 0 || !ih_proc_parse_btime(buf, (size_t)n, &btime) || hz <= 0) {
		out->error = EIO;
		return false;
	}
	uint64_t uhz = (uint64_t)hz;
	out->start_ns = btime * 1000000000ull + ticks / uhz * 1000000000ull + ticks % uhz * 1000000000ull / uhz;
	snprintf(path, sizeof(path), "/proc/%" PRId32 "/exe", pid);
	ssize_t ln = readlink(path, out->exe, sizeof(out->exe) - 1);
	struct stat st;
	if (ln <= 0 || stat(path, &st) != 0) {
		out->error = errno == ENOENT ? ESRCH : EACCES;
		out->exe[0] = '\0';
		return false;
	}
	out->exe[ln] = '\0';
	out->exe_deleted = st.st_nlink == 0;
	static const char del[] = " (deleted)";
	size_t el = strlen(out->exe);
	if (out->exe_deleted && el > sizeof(del) - 1 && strcmp(out->exe + el - (sizeof(del) - 1), del) == 0)
		out->exe[el - (sizeof(del) - 1)] = '\0';
	out->exe_dev = (uint64_t)st.st_dev;
	out->exe_ino = (uint64_t)st.st_ino;
	out->exe_mode = (uint32_t)st.st_mode;
	return true;
}

static int pidfd_open_(int32_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int pidfd_signal(int fd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
#else
	(void)fd;
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

/* Is the process at pid now the one the plan verified? */
static bool still_same(const struct ih_ct_proc *pc, char *why, size_t len)
{
	struct ih_ct_live now;
	if (!ih_ct_probe_proc(NULL, pc->pid, &now)) {
		snprintf(why, len, "pid %" PRId32 " is gone", pc->pid);
		return false;
	}
	uint64_t d = now.start_ns > pc->live.start_ns ? now.start_ns - pc->live.start_ns : pc->live.start_ns - now.start_ns;
	if (d >= IH_CT_START_SLACK_NS || now.exe_dev != pc->live.exe_dev || now.exe_ino != pc->live.exe_ino) {
		snprintf(why, len, "pid %" PRId32 " is now another process (start time or executable changed)", pc->pid);
		return false;
	}
	return true;
}

int ih_ct_proc_stop(struct ih_ct_action *a, char *err, size_t errlen)
{
	const struct ih_ct_proc *pc = &a->proc;
	int fd = pidfd_open_(pc->pid);
	if (fd < 0) {
		snprintf(err, errlen, "pid %" PRId32 ": pidfd_open: %s", pc->pid, strerror(errno));
		return -1;
	}
	/* the pidfd was taken before this check: if the check passes, the pidfd is that process */
	if (!still_same(pc, err, errlen)) {
		close(fd);
		return -1;
	}
	if (pidfd_signal(fd, SIGSTOP) != 0) {
		snprintf(err, errlen, "pid %" PRId32 ": SIGSTOP: %s", pc->pid, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

bool ih_ct_proc_kill(struct ih_ct_action *a, int fd, char *err, size_t errlen)
{
	const struct ih_ct_proc *pc = &a->proc;
	if (pidfd_signal(fd, SIGKILL) != 0) {
		snprintf(err, errlen, "pid %" PRId32 ": SIGKILL: %s", pc->pid, strerror(errno));
		close(fd);
		return false;
	}
	/* the pidfd becomes readable when the process has exited */
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = poll(&pfd, 1, 3000);
	close(fd);
	if (r <= 0) {
		snprintf(err, errlen, "pid %" PRId32 ": SIGKILL sent, still not gone after 3 s", pc->pid);
		return false;
	}
	return true;
}

/* mkdir -p with mode 0700 for what it creates */
static bool make_dirs(const char *dir, char *err, size_t errlen)
{
	char buf[IH_CT_PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf) || buf[0] != '/') {
		snprintf(err, errlen, "quarantine directory: an absolute path of at most %d bytes", IH_CT_PATH_MAX - 1);
		return false;
	}
	for (char *s = buf + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
				return false;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	return true;
}

bool ih_ct_quarantine(const struct ih_ct_plan *p, struct ih_ct_action *a, const struct ih_ct_who *who, uint64_t now_ns,
		      char *err, size_t errlen)
{
	const struct ih_ct_proc *pc = &a->proc;
	if (!make_dirs(p->quarantine_dir, err, errlen))
		return false;
	int dfd = open(p->quarantine_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", p->quarantine_dir, strerror(errno));
		return false;
	}
	char src[64], tmp[64];
	snprintf(src, sizeof(src), "/proc/%" PRId32 "/exe", pc->pid);
	snprintf(tmp, sizeof(tmp), ".partial-%s-%ld", a->id, (long)getpid());
	int in = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) != 0 || (uint64_t)st.st_dev != pc->live.exe_dev ||
	    (uint64_t)st.st_ino != pc->live.exe_ino) {
		snprintf(err, errlen, "cannot read %s (or it is no longer the verified file): %s", src, strerror(errno));
		if (in >= 0)
			close(in);
		close(dfd);
		return false;
	}
	if ((uint64_t)st.st_size > QUARANTINE_MAX_BYTES) {
		snprintf(err, errlen, "%s is larger than 1 GiB: not copied", src);
		close(in);
		close(dfd);
		return false;
	}
	unlinkat(dfd, tmp, 0);
	int out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = out >= 0 && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	if (!ok)
		snprintf(err, errlen, "cannot create %s/%s: %s", p->quarantine_dir, tmp, strerror(errno));
	static unsigned char buf[65536];
	uint64_t total = 0;
	while (ok) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading %s: %s", src, strerror(errno));
			ok = false;
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > QUARANTINE_MAX_BYTES) {
			snprintf(err, errlen, "%s grew past 1 GiB while copied", src);
			ok = false;
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				snprintf(err, errlen, "writing the quarantine copy: %s", strerror(errno));
				ok = false;
				break;
			}
			w += k;
		}
	}
	close(in);
	unsigned char d[32];
	unsigned dl = 0;
	if (ok && (EVP_DigestFinal_ex(md, d, &dl) != 1 || dl != 32)) {
		snprintf(err, errlen, "SHA-256 failed");
		ok = false;
	}
	EVP_MD_CTX_free(md);
	if (ok && fsync(out) != 0) {
		snprintf(err, errlen, "fsync of the quarantine copy: %s", strerror(errno));
		ok = false;
	}
	if (out >= 0 && close(out) != 0 && ok) {
		snprintf(err, errlen, "closing the quarantine copy: %s", strerror(errno));
		ok = false;
	}
	if (!ok) {
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return false;
	}
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		a->quarantine_sha256[2 * i] = hex[d[i] >> 4];
		a->quarantine_sha256[2 * i + 1] = hex[d[i] & 15];
	}
	a->quarantine_sha256[64] = '\0';
	if (renameat(dfd, tmp, dfd, a->quarantine_sha256) != 0) {
		snprintf(err, errlen, "cannot name the copy %s: %s", a->quarantine_sha256, strerror(errno));
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return false;
	}
	snprintf(a->quarantine_copy, sizeof(a->quarantine_copy), "%s/%s", p->quarantine_dir, a->quarantine_sha256);

	/* beside it, where it came from: a small chain-of-custody note */
	char t[40], note[80];
	snprintf(note, sizeof(note), "%s.json", a->quarantine_sha256);
	json_t *meta = json_object();
	json_object_set_new(meta, "sha256", json_string(a->quarantine_sha256));
	json_object_set_new(meta, "size", json_integer((json_int_t)total));
	json_object_set_new(meta, "exe", json_string(pc->exe));
	json_object_set_new(meta, "pid", json_integer(pc->pid));
	json_object_set_new(meta, "incident", json_string(p->incident));
	json_object_set_new(meta, "action", json_string(a->id));
	json_object_set_new(meta, "copied_at", json_string(ih_ct_time_str(now_ns, t, sizeof(t))));
	json_object_set_new(meta, "by", ih_ct_who_json(who));
	char *txt = json_dumps(meta, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	json_decref(meta);
	int nfd = txt ? openat(dfd, note, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0400) : -1;
	if (nfd >= 0) {
		size_t l = strlen(txt);
		if (write(nfd, txt, l) != (ssize_t)l || write(nfd, "\n", 1) != 1)
			fprintf(stderr, "icmphound contain: could not write %s/%s\n", p->quarantine_dir, note);
		close(nfd);
	}
	free(txt);
	close(dfd);
	if (pc->sha256[0] && strcmp(pc->sha256, a->quarantine_sha256) != 0)
		snprintf(a->outcome, sizeof(a->outcome), "copied; its SHA-256 differs from the evidence's (%.12s…): the "
			 "file changed since it was hashed", pc->sha256);

	/* chmod a-x of the original, when it is still the very file that runs */
	if (pc->live.exe_deleted || pc->system_exe) {
		size_t l = strlen(a->outcome);
		snprintf(a->outcome + l, sizeof(a->outcome) - l, "%scopied to %s; the original is not changed: %s",
			 l ? "; " : "", a->quarantine_copy,
			 pc->live.exe_deleted ? "it was deleted" : "a system executable belongs to its package");
		return true;
	}
	int fd = open(pc->live.exe, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_dev != pc->live.exe_dev ||
	    (uint64_t)st.st_ino != pc->live.exe_ino) {
		snprintf(err, errlen, "copied to %s, but %s is no longer the file that ran: not changed",
			 a->quarantine_copy, pc->exe);
		if (fd >= 0)
			close(fd);
		return false;
	}
	a->mode_before = (uint32_t)st.st_mode & 07777;
	a->mode_after = a->mode_before & ~(uint32_t)0111;
	if (a->mode_after != a->mode_before && fchmod(fd, (mode_t)a->mode_after) != 0) {
		snprintf(err, errlen, "copied to %s, but chmod a-x %s failed: %s", a->quarantine_copy, pc->exe,
			 strerror(errno));
		close(fd);
		return false;
	}
	a->mode_changed = a->mode_after != a->mode_before;
	close(fd);
	size_t l = strlen(a->outcome);
	snprintf(a->outcome + l, sizeof(a->outcome) - l, "%scopied to %s; %s mode %04o -> %04o", l ? "; " : "",
		 a->quarantine_copy, pc->exe, (unsigned)a->mode_before, (unsigned)a->mode_after);
	return true;
}

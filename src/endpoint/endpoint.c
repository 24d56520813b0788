/* endpoint.c — the process record, its JSON, and the hostile-input helpers of src/endpoint. */
#include "endpoint/endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *ih_ep_sock_name(enum ih_ep_sock s)
{
	switch (s) {
	case IH_EP_SOCK_PING: return "ping";
	case IH_EP_SOCK_RAW: return "raw";
	case IH_EP_SOCK_UNKNOWN: break;
	}
	return "unknown";
}

const char *ih_ep_match_name(enum ih_ep_match m)
{
	switch (m) {
	case IH_EP_MATCH_ECHO_ID: return "echo-id";
	case IH_EP_MATCH_PID_AS_ID: return "pid-as-id";
	case IH_EP_MATCH_RAW_SOCKET: return "raw-socket";
	case IH_EP_MATCH_LOG_REMOTE: return "log-remote-address";
	case IH_EP_MATCH_LOG_SOCKET: return "log-socket-open";
	case IH_EP_MATCH_NONE: break;
	}
	return "none";
}

const char *ih_ep_origin_name(enum ih_ep_origin o)
{
	switch (o) {
	case IH_EP_FROM_AUDITD: return "auditd";
	case IH_EP_FROM_OSQUERY: return "osquery";
	case IH_EP_FROM_PROC: break;
	}
	return "proc";
}

void ih_proc_init(struct ih_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = p->ppid = -1;
	p->uid = p->euid = p->auid = -1;
}

void ih_ep_answer_init(struct ih_ep_answer *a)
{
	memset(a, 0, sizeof(*a));
	ih_proc_init(&a->proc);
	a->sock_uid = -1;
}

bool ih_proc_same(const struct ih_proc *a, const struct ih_proc *b)
{
	if (a->pid != b->pid || a->origin != b->origin)
		return false;
	if (a->start_ns && b->start_ns)
		return a->start_ns == b->start_ns;
	return strcmp(a->exe, b->exe) == 0;
}

json_t *ih_proc_json(const struct ih_proc *p, enum ih_ep_sock sock, enum ih_ep_match match)
{
	json_t *o = json_object();
	char t[40];
	/* Every string here went through ih_ep_sanitize, so it is ASCII and json_string cannot
	 * refuse it; json_object_set_new drops a NULL value without harm all the same. */
	json_object_set_new(o, "pid", p->pid >= 0 ? json_integer(p->pid) : json_null());
	json_object_set_new(o, "ppid", p->ppid >= 0 ? json_integer(p->ppid) : json_null());
	json_object_set_new(o, "user", p->user[0] ? json_string(p->user) : json_null());
	json_object_set_new(o, "uid", p->uid >= 0 ? json_integer(p->uid) : json_null());
	if (p->euid >= 0 && p->euid != p->uid)
		json_object_set_new(o, "euid", json_integer(p->euid));
	if (p->auid >= 0 && p->auid != 4294967295LL)
		json_object_set_new(o, "auid", json_integer(p->auid));
	json_object_set_new(o, "comm", p->comm[0] ? json_string(p->comm) : json_null());
	json_object_set_new(o, "cmdline", p->cmdline[0] ? json_string(p->cmdline) : json_null());
	json_object_set_new(o, "exe", p->exe[0] ? json_string(p->exe) : json_null());
	if (p->exe_deleted)
		json_object_set_new(o, "exe_deleted", json_true());
	json_object_set_new(o, "exe_sha256", p->exe_sha256[0] ? json_string(p->exe_sha256) : json_null());
	json_object_set_new(o, "start_time", p->start_ns ? json_string(ih_time_str(p->start_ns, t, sizeof(t)))
							 : json_null());
	json_object_set_new(o, "socket", json_string(ih_ep_sock_name(sock)));
	json_object_set_new(o, "match", json_string(ih_ep_match_name(match)));
	json_object_set_new(o, "source", json_string(ih_ep_origin_name(p->origin)));
	if (p->where[0])
		json_object_set_new(o, "log", json_string(p->where));
	return o;
}

bool ih_ep_sanitize(const char *in, size_t inlen, char *out, size_t outlen, bool nul_as_space)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (outlen == 0)
		return inlen == 0;
	if (nul_as_space)
		while (inlen > 0 && in[inlen - 1] == '\0')
			inlen--;
	size_t i = 0;
	for (; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		char esc[4];
		size_t n;
		if (c == '\0' && nul_as_space) {
			esc[0] = ' ';
			n = 1;
		} else if (c == '\\') {
			esc[0] = esc[1] = '\\';
			n = 2;
		} else if (c >= 0x20 && c < 0x7f) {
			esc[0] = (char)c;
			n = 1;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			n = 4;
		}
		if (n > outlen - 1 - o)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return i == inlen;
}

long ih_ep_read_file(int dirfd, const char *path, char *buf, size_t cap, bool *truncated)
{
	if (truncated)
		*truncated = false;
	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	buf[0] = '\0';
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	size_t got = 0;
	while (got < cap - 1) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf[got] = '\0';
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == cap - 1 && truncated) {
		char c;
		ssize_t n;
		do
			n = read(fd, &c, 1);
		while (n < 0 && errno == EINTR);
		*truncated = n > 0;
	}
	close(fd);
	buf[got] = '\0';
	return (long)got;
}

uint64_t ih_ep_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ih_ep_user_name(int64_t uid, char *out, size_t outlen)
{
	if (outlen)
		out[0] = '\0';
	if (uid < 0 || uid > 0xffffffffLL || outlen == 0)
		return;
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name)
		ih_ep_sanitize(res->pw_name, strnlen(res->pw_name, 256), out, outlen, false);
}

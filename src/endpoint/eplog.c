/* eplog.c — the store of endpoint-log activity and its matching; see eplog.h.
 *
 * Two bounded tables, each with a hash index (XXH3, fixed seed: the input is a file the
 * analyst chose and output must be deterministic):
 *   procs       one per (source, pid, executable), first record's file and line kept;
 *   activities  one per (process, kind, family, socket type, peer) with first/last time and a
 *               count. Kinds: OPEN (socket(2) or bind), USE (a send on an ICMP socket without
 *               a peer in the log) and PEER (a send or connect naming the peer).
 * auditd events span several lines (SYSCALL, SOCKADDR, PROCTITLE, EOE) that share a serial;
 * a small table of open events assembles them and closes an event at EOE, when it is the
 * oldest and room is needed, or at the end. socket() results are remembered per (pid, fd) so
 * that a later sendto on that descriptor is known to be ICMP. */
#include "endpoint/eplog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define PROC_CAP 4096u
#define ACT_CAP 65536u
#define PENDING 64
#define FD_CAP 4096
#define NONE UINT32_MAX

enum { ACT_OPEN = 1, ACT_USE, ACT_PEER };

struct act {
	uint32_t proc;
	uint8_t kind, family, sock, has_remote;
	struct ih_addr remote;
	uint64_t first_ns, last_ns, count;
};

struct act_key {
	uint32_t proc;
	uint8_t kind, family, sock, has_remote;
	struct ih_addr remote;
};

struct pend {
	bool used, has_sys;
	uint64_t serial, order;
	struct ih_audit_rec sys;
	bool has_addr;
	struct ih_addr addr;
	char cmdline[IH_EP_CMDLINE_MAX];
	char where[IH_EP_ORIGIN_MAX];
};

struct icmpfd {
	bool used;
	int32_t pid;
	int64_t fd;
	uint8_t family, sock;
};

struct ih_eplog {
	struct ih_proc *procs;
	uint32_t nprocs, proc_cap, proc_idx_size; /* index sizes: powers of two, twice the caps */
	uint32_t *proc_idx;
	struct act *acts;
	uint32_t nacts, act_cap, act_idx_size;
	uint32_t *act_idx;
	struct pend pend[PENDING];
	uint64_t order;
	struct icmpfd fds[FD_CAP];
	unsigned fd_next;
	struct ih_eplog_stats st;
	uint64_t messages;
	/* during a feed */
	const char *file;
	uint64_t lineno;
	FILE *errf;
};

bool ih_eplog_format_parse(const char *s, enum ih_eplog_format *out)
{
	if (strcmp(s, "auto") == 0)
		*out = IH_EPLOG_AUTO;
	else if (strcmp(s, "auditd") == 0 || strcmp(s, "audit") == 0)
		*out = IH_EPLOG_AUDITD;
	else if (strcmp(s, "osquery") == 0)
		*out = IH_EPLOG_OSQUERY;
	else
		return false;
	return true;
}

static uint32_t pow2_twice(uint32_t n)
{
	uint32_t c = 16;
	while (c < 2 * n)
		c <<= 1;
	return c;
}

struct ih_eplog *ih_eplog_new_capped(uint32_t max_procs, uint32_t max_activities)
{
	struct ih_eplog *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->proc_cap = max_procs ? max_procs : 1;
	l->act_cap = max_activities ? max_activities : 1;
	l->proc_idx_size = pow2_twice(l->proc_cap);
	l->act_idx_size = pow2_twice(l->act_cap);
	l->procs = calloc(l->proc_cap, sizeof(*l->procs));
	l->acts = calloc(l->act_cap, sizeof(*l->acts));
	l->proc_idx = malloc(l->proc_idx_size * sizeof(uint32_t));
	l->act_idx = malloc(l->act_idx_size * sizeof(uint32_t));
	if (!l->procs || !l->acts || !l->proc_idx || !l->act_idx) {
		ih_eplog_free(l);
		return NULL;
	}
	memset(l->proc_idx, 0xff, l->proc_idx_size * sizeof(uint32_t));
	memset(l->act_idx, 0xff, l->act_idx_size * sizeof(uint32_t));
	return l;
}

struct ih_eplog *ih_eplog_new(void)
{
	return ih_eplog_new_capped(PROC_CAP, ACT_CAP);
}

void ih_eplog_free(struct ih_eplog *l)
{
	if (!l)
		return;
	free(l->procs);
	free(l->acts);
	free(l->proc_idx);
	free(l->act_idx);
	free(l);
}

static void complain(struct ih_eplog *l, const char *what)
{
	l->st.malformed++;
	if (!l->errf)
		return;
	if (l->messages < IH_EPLOG_MAX_MESSAGES)
		fprintf(l->errf, "icmphound: %s:%llu: %s (line skipped)\n", l->file ? l->file : "-",
			(unsigned long long)l->lineno, what);
	else if (l->messages == IH_EPLOG_MAX_MESSAGES)
		fprintf(l->errf, "icmphound: %s: further malformed lines are counted, not shown\n",
			l->file ? l->file : "-");
	l->messages++;
}

/* ---------------------------------------------------------------- tables */

static uint32_t proc_find_or_add(struct ih_eplog *l, const struct ih_proc *p)
{
	struct {
		uint32_t origin;
		int32_t pid;
	} k = { (uint32_t)p->origin, p->pid };
	uint64_t h = XXH3_64bits_withSeed(&k, sizeof(k), XXH3_64bits(p->exe, strlen(p->exe)));
	uint32_t m = l->proc_idx_size - 1;
	for (uint32_t n = 0, i = (uint32_t)h & m; n <= m; n++, i = (i + 1) & m) {
		uint32_t x = l->proc_idx[i];
		if (x == NONE) {
			if (l->nprocs >= l->proc_cap)
				return NONE;
			l->procs[l->nprocs] = *p;
			l->proc_idx[i] = l->nprocs;
			l->st.procs++;
			return l->nprocs++;
		}
		const struct ih_proc *q = &l->procs[x];
		if (q->origin == p->origin && q->pid == p->pid && strcmp(q->exe, p->exe) == 0) {
			struct ih_proc *m = &l->procs[x];
			/* fill in what the first record lacked */
			if (!m->cmdline[0] && p->cmdline[0])
				memcpy(m->cmdline, p->cmdline, sizeof(m->cmdline));
			if (!m->user[0] && p->user[0])
				memcpy(m->user, p->user, sizeof(m->user));
			if (m->ppid < 0)
				m->ppid = p->ppid;
			if (m->uid < 0)
				m->uid = p->uid;
			return x;
		}
	}
	return NONE;
}

static void act_add(struct ih_eplog *l, uint32_t proc, uint8_t kind, uint8_t family, uint8_t sock,
		    const struct ih_addr *remote, uint64_t t)
{
	if (proc == NONE) {
		l->st.dropped++;
		return;
	}
	struct act_key k;
	memset(&k, 0, sizeof(k));
	k.proc = proc;
	k.kind = kind;
	k.family = family;
	k.sock = sock;
	if (remote) {
		k.has_remote = 1;
		k.remote = *remote;
	}
	uint64_t h = XXH3_64bits(&k, sizeof(k));
	uint32_t m = l->act_idx_size - 1;
	for (uint32_t n = 0, i = (uint32_t)h & m; n <= m; n++, i = (i + 1) & m) {
		uint32_t x = l->act_idx[i];
		if (x == NONE) {
			if (l->nacts >= l->act_cap) {
				l->st.dropped++;
				return;
			}
			struct act *a = &l->acts[l->nacts];
			a->proc = proc;
			a->kind = kind;
			a->family = family;
			a->sock = sock;
			a->has_remote = k.has_remote;
			a->remote = k.remote;
			a->first_ns = a->last_ns = t;
			a->count = 1;
			l->act_idx[i] = l->nacts++;
			l->st.activities++;
			return;
		}
		struct act *a = &l->acts[x];
		if (a->proc == proc && a->kind == kind && a->family == family && a->sock == sock &&
		    a->has_remote == k.has_remote && (!k.has_remote || ih_addr_eq(&a->remote, &k.remote))) {
			if (t < a->first_ns)
				a->first_ns = t;
			if (t > a->last_ns)
				a->last_ns = t;
			a->count++;
			return;
		}
	}
	l->st.dropped++;
}

/* ---------------------------------------------------------------- auditd events */

static void fd_remember(struct ih_eplog *l, int32_t pid, int64_t fd, uint8_t family, uint8_t sock)
{
	for (unsigned i = 0; i < FD_CAP; i++)
		if (l->fds[i].used && l->fds[i].pid == pid && l->fds[i].fd == fd) {
			l->fds[i].family = family;
			l->fds[i].sock = sock;
			return;
		}
	struct icmpfd *e = &l->fds[l->fd_next++ % FD_CAP];
	e->used = true;
	e->pid = pid;
	e->fd = fd;
	e->family = family;
	e->sock = sock;
}

static const struct icmpfd *fd_lookup(const struct ih_eplog *l, int32_t pid, int64_t fd)
{
	for (unsigned i = 0; i < FD_CAP; i++)
		if (l->fds[i].used && l->fds[i].pid == pid && l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

static void audit_event(struct ih_eplog *l, struct pend *p)
{
	if (!p->has_sys)
		return;
	const struct ih_audit_rec *r = &p->sys;
	struct ih_proc pr;
	ih_proc_init(&pr);
	pr.origin = IH_EP_FROM_AUDITD;
	pr.pid = r->pid;
	pr.ppid = r->ppid;
	pr.uid = r->uid;
	pr.euid = r->euid;
	pr.auid = r->auid;
	memcpy(pr.user, r->user, sizeof(pr.user));
	memcpy(pr.comm, r->comm, sizeof(pr.comm));
	memcpy(pr.exe, r->exe, sizeof(pr.exe));
	memcpy(pr.cmdline, p->cmdline, sizeof(pr.cmdline));
	memcpy(pr.where, p->where, sizeof(pr.where));

	if (r->call == IH_AC_SOCKET) {
		uint64_t fam = r->a[0], type = r->a[1] & 0xf, proto = r->a[2];
		uint8_t family = fam == 2 ? IH_AF_INET : fam == 10 ? IH_AF_INET6 : 0;
		bool icmp = (family == IH_AF_INET && proto == 1) || (family == IH_AF_INET6 && proto == 58);
		bool rawip = family && proto == 255 && type == 3;
		if (!family || !(icmp || rawip) || (type != 2 && type != 3))
			return;
		l->st.icmp_events++;
		if (!r->success || r->exit < 0) {
			l->st.failed_calls++;
			return;
		}
		uint8_t sock = type == 3 ? IH_EP_SOCK_RAW : IH_EP_SOCK_PING;
		fd_remember(l, r->pid, r->exit, family, sock);
		act_add(l, proc_find_or_add(l, &pr), ACT_OPEN, family, sock, NULL, r->time_ns);
		return;
	}
	if (r->call != IH_AC_CONNECT && r->call != IH_AC_SENDTO && r->call != IH_AC_SENDMSG)
		return;
	const struct icmpfd *f = fd_lookup(l, r->pid, (int64_t)r->a[0]);
	bool keyed = strstr(r->key, "icmp") != NULL || strstr(r->key, "ICMP") != NULL;
	if (!f && !keyed)
		return;
	uint8_t family = f ? f->family : (p->has_addr ? p->addr.family : 0);
	if (!family || (p->has_addr && p->addr.family != family))
		return;
	l->st.icmp_events++;
	uint32_t pi = proc_find_or_add(l, &pr);
	uint8_t sock = f ? f->sock : IH_EP_SOCK_UNKNOWN;
	if (p->has_addr)
		act_add(l, pi, ACT_PEER, family, sock, &p->addr, r->time_ns);
	else
		act_add(l, pi, ACT_USE, family, sock, NULL, r->time_ns);
}

static void pend_close(struct ih_eplog *l, struct pend *p)
{
	audit_event(l, p);
	p->used = false;
}

static struct pend *pend_get(struct ih_eplog *l, uint64_t serial)
{
	struct pend *free_p = NULL, *oldest = NULL;
	for (unsigned i = 0; i < PENDING; i++) {
		struct pend *p = &l->pend[i];
		if (p->used && p->serial == serial)
			return p;
		if (!p->used && !free_p)
			free_p = p;
		if (p->used && (!oldest || p->order < oldest->order))
			oldest = p;
	}
	if (!free_p) {
		pend_close(l, oldest);
		free_p = oldest;
	}
	memset(free_p, 0, sizeof(*free_p));
	free_p->used = true;
	free_p->serial = serial;
	free_p->order = l->order++;
	snprintf(free_p->where, sizeof(free_p->where), "%.120s:%llu", l->file ? l->file : "-",
		 (unsigned long long)l->lineno);
	return free_p;
}

static void feed_audit(struct ih_eplog *l, const char *line, size_t len)
{
	struct ih_audit_rec r;
	const char *why;
	int rc = ih_audit_parse_line(line, len, &r, &why);
	if (rc < 0) {
		complain(l, why);
		return;
	}
	if (rc == 0)
		return;
	l->st.records++;
	struct pend *p;
	switch (r.type) {
	case IH_AR_SYSCALL:
		if (r.call == IH_AC_OTHER)
			return;
		p = pend_get(l, r.serial);
		p->sys = r;
		p->has_sys = true;
		snprintf(p->where, sizeof(p->where), "%.120s:%llu", l->file ? l->file : "-",
			 (unsigned long long)l->lineno);
		break;
	case IH_AR_SOCKADDR:
		if (!r.has_addr)
			return;
		p = pend_get(l, r.serial);
		p->has_addr = true;
		p->addr = r.addr;
		break;
	case IH_AR_PROCTITLE:
		p = pend_get(l, r.serial);
		memcpy(p->cmdline, r.cmdline, sizeof(p->cmdline));
		break;
	case IH_AR_EOE:
		for (unsigned i = 0; i < PENDING; i++)
			if (l->pend[i].used && l->pend[i].serial == r.serial)
				pend_close(l, &l->pend[i]);
		break;
	case IH_AR_OTHER:
		break;
	}
}

/* ---------------------------------------------------------------- osquery rows */

static void on_osq_row(void *ctx, const struct ih_osq_row *row)
{
	struct ih_eplog *l = ctx;
	struct ih_proc pr;
	ih_proc_init(&pr);
	pr.origin = IH_EP_FROM_OSQUERY;
	pr.pid = row->pid;
	pr.uid = row->uid;
	pr.auid = row->auid;
	memcpy(pr.exe, row->exe, sizeof(pr.exe));
	memcpy(pr.cmdline, row->cmdline, sizeof(pr.cmdline));
	snprintf(pr.where, sizeof(pr.where), "%.120s:%llu", l->file ? l->file : "-",
		 (unsigned long long)l->lineno);
	const char *slash = strrchr(pr.exe, '/');
	if (slash && slash[1])
		snprintf(pr.comm, sizeof(pr.comm), "%.15s", slash + 1);
	l->st.icmp_events++;
	uint32_t pi = proc_find_or_add(l, &pr);
	if (row->connect && row->has_remote && row->remote.family == row->family)
		act_add(l, pi, ACT_PEER, row->family, IH_EP_SOCK_UNKNOWN, &row->remote, row->time_ns);
	else
		act_add(l, pi, ACT_OPEN, row->family, IH_EP_SOCK_UNKNOWN, NULL, row->time_ns);
}

static void feed_osq(struct ih_eplog *l, const char *line, size_t len)
{
	const char *why;
	int rc = ih_osq_parse_line(line, len, on_osq_row, l, &why);
	if (rc < 0) {
		complain(l, why);
		return;
	}
	l->st.records++;
}

/* ---------------------------------------------------------------- feeding */

void ih_eplog_feed(struct ih_eplog *l, enum ih_eplog_format fmt, const char *line, size_t len,
		   const char *file, uint64_t lineno, FILE *errf)
{
	l->file = file;
	l->lineno = lineno;
	l->errf = errf;
	l->st.lines++;
	if (fmt == IH_EPLOG_OSQUERY)
		feed_osq(l, line, len);
	else
		feed_audit(l, line, len);
	l->file = NULL;
}

void ih_eplog_end(struct ih_eplog *l)
{
	/* close what is left in the order it was opened, for deterministic tables */
	for (;;) {
		struct pend *oldest = NULL;
		for (unsigned i = 0; i < PENDING; i++)
			if (l->pend[i].used && (!oldest || l->pend[i].order < oldest->order))
				oldest = &l->pend[i];
		if (!oldest)
			break;
		pend_close(l, oldest);
	}
}

/* Reads one line of at most max bytes into buf (NUL bytes kept; the newline dropped). Returns
 * the length, -1 at the end of the file, or -2 for a longer line (the rest of it skipped). */
static long read_line(FILE *f, char *buf, size_t max)
{
	size_t n = 0;
	int c;
	bool any = false;
	while ((c = getc_unlocked(f)) != EOF) {
		any = true;
		if (c == '\n')
			return (long)n;
		if (n == max) {
			while ((c = getc_unlocked(f)) != EOF && c != '\n')
				;
			return -2;
		}
		buf[n++] = (char)c;
	}
	return any ? (long)n : -1;
}

bool ih_eplog_load(struct ih_eplog *l, const char *path, enum ih_eplog_format fmt, FILE *errf,
		   char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	char *buf = malloc(IH_EPLOG_LINE_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return false;
	}
	l->st.files++;
	uint64_t lineno = 0;
	bool decided = fmt != IH_EPLOG_AUTO;
	long n;
	while ((n = read_line(f, buf, IH_EPLOG_LINE_MAX)) != -1) {
		lineno++;
		if (n == -2) {
			l->file = path;
			l->lineno = lineno;
			l->errf = errf;
			l->st.lines++;
			complain(l, "line too long");
			l->file = NULL;
			continue;
		}
		if (!decided) {
			long i = 0;
			while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
				i++;
			if (i == n)
				continue;
			fmt = buf[i] == '{' || buf[i] == '[' ? IH_EPLOG_OSQUERY : IH_EPLOG_AUDITD;
			decided = true;
		}
		ih_eplog_feed(l, fmt, buf, (size_t)n, path, lineno, errf);
	}
	bool bad = ferror(f);
	fclose(f);
	free(buf);
	ih_eplog_end(l);
	if (bad) {
		snprintf(err, errlen, "%s: read error after line %llu", path, (unsigned long long)lineno);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- matching */

static bool in_dsts(const struct ih_ep_query *q, const struct ih_addr *a)
{
	for (unsigned i = 0; i < q->ndst; i++)
		if (ih_addr_eq(&q->dsts[i], a))
			return true;
	return false;
}

static void answer_proc(struct ih_ep_answer *a, const struct ih_eplog *l, const struct act *x,
			enum ih_ep_match m)
{
	a->match = m;
	a->sock = (enum ih_ep_sock)x->sock;
	a->owner_known = true;
	a->proc = l->procs[x->proc];
	a->candidates = 1;
}

/* How well an activity's span covers a conversation's: overlap over union, both widened by the
 * slack (a record per packet gives a span like the conversation's; a single record, a point). */
static double span_score(const struct act *x, const struct ih_ep_query *q, uint64_t slack)
{
	uint64_t a0 = x->first_ns > slack ? x->first_ns - slack : 0, a1 = x->last_ns + slack;
	uint64_t b0 = q->t0 > slack ? q->t0 - slack : 0, b1 = q->t1 + slack;
	uint64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
	if (hi < lo)
		return 0;
	uint64_t ulo = a0 < b0 ? a0 : b0, uhi = a1 > b1 ? a1 : b1;
	return (double)(hi - lo + 1) / (double)(uhi - ulo + 1);
}

static bool pid_is_id(const struct ih_eplog *l, const struct act *x, const struct ih_ep_query *q)
{
	const struct ih_proc *p = &l->procs[x->proc];
	return q->has_id && x->sock != IH_EP_SOCK_PING && p->pid >= 0 && ((uint32_t)p->pid & 0xffffu) == q->id;
}

bool ih_eplog_match(const struct ih_eplog *l, const struct ih_ep_query *q, bool host_ok,
		    uint64_t slack_ns, uint64_t lookback_ns, struct ih_ep_answer *a)
{
	ih_ep_answer_init(a);
	uint64_t lo = q->t0 > slack_ns ? q->t0 - slack_ns : 0, hi = q->t1 + slack_ns;
	const struct act *peer = NULL, *pidid = NULL, *use = NULL, *open_before = NULL, *open_in = NULL;
	double peer_score = -1;
	unsigned npeer = 0;
	uint32_t procs_seen[8];
	unsigned nprocs = 0, nmore = 0;
	for (uint32_t i = 0; i < l->nacts; i++) {
		const struct act *x = &l->acts[i];
		if (x->family != q->family)
			continue;
		if (x->kind == ACT_PEER) {
			if (x->first_ns > hi || x->last_ns < lo || !in_dsts(q, &x->remote))
				continue;
			/* several processes may name the peer: the echo id, then the spans decide */
			double sc = span_score(x, q, slack_ns) + (pid_is_id(l, x, q) ? 2.0 : 0.0);
			npeer++;
			if (sc > peer_score || (sc == peer_score && x->count > peer->count)) {
				peer = x;
				peer_score = sc;
			}
			continue;
		}
		if (!host_ok)
			continue;
		/* OPEN or USE: the process had an ICMP socket from first_ns on */
		if (x->first_ns > hi || x->last_ns + lookback_ns < lo)
			continue;
		if (pid_is_id(l, x, q)) {
			if (!pidid || x->first_ns > pidid->first_ns)
				pidid = x;
			continue;
		}
		bool known = false;
		for (unsigned k = 0; k < nprocs; k++)
			known |= procs_seen[k] == x->proc;
		if (!known) {
			if (nprocs < 8)
				procs_seen[nprocs++] = x->proc;
			else
				nmore++;
		}
		if (x->kind == ACT_USE && x->last_ns >= lo) {
			if (!use || x->count > use->count)
				use = x;
		} else if (x->first_ns <= q->t0 + slack_ns) {
			if (!open_before || x->first_ns > open_before->first_ns)
				open_before = x;
		} else if (!open_in || x->first_ns < open_in->first_ns) {
			open_in = x;
		}
	}
	if (peer && (peer_score >= 2.0 || !pidid)) {
		answer_proc(a, l, peer, pid_is_id(l, peer, q) ? IH_EP_MATCH_PID_AS_ID : IH_EP_MATCH_LOG_REMOTE);
		a->candidates = npeer;
		if (peer_score < 0.2)
			snprintf(a->reason, sizeof(a->reason),
				 "uncertain: the log's records of this process sending to the peer cover only %.0f%% of the conversation",
				 peer_score * 100);
		return true;
	}
	if (pidid) {
		answer_proc(a, l, pidid, IH_EP_MATCH_PID_AS_ID);
		return true;
	}
	const struct act *pick = use ? use : open_before ? open_before : open_in;
	if (pick) {
		answer_proc(a, l, pick, IH_EP_MATCH_LOG_SOCKET);
		a->candidates = nprocs + nmore;
		if (a->candidates > 1)
			snprintf(a->reason, sizeof(a->reason),
				 "uncertain: %u processes of the host had ICMP sockets around that time; this one %s",
				 a->candidates, pick == use ? "sent on its socket during the conversation"
							    : "opened its socket closest before it");
		return true;
	}
	if (host_ok)
		snprintf(a->reason, sizeof(a->reason),
			 "the endpoint log has no ICMP socket of the host from %llu s before to %llu s after the conversation",
			 (unsigned long long)(lookback_ns / 1000000000ull),
			 (unsigned long long)(slack_ns / 1000000000ull));
	else
		snprintf(a->reason, sizeof(a->reason),
			 "the endpoint log has no ICMP send or connect to the peer at that time (give --endpoint-host to use socket-open records)");
	return false;
}

void ih_eplog_get_stats(const struct ih_eplog *l, struct ih_eplog_stats *st)
{
	*st = l->st;
}

json_t *ih_eplog_stats_json(const struct ih_eplog *l)
{
	json_t *o = json_object();
	json_object_set_new(o, "files", json_integer((json_int_t)l->st.files));
	json_object_set_new(o, "lines", json_integer((json_int_t)l->st.lines));
	json_object_set_new(o, "records", json_integer((json_int_t)l->st.records));
	json_object_set_new(o, "icmp_events", json_integer((json_int_t)l->st.icmp_events));
	json_object_set_new(o, "malformed_lines", json_integer((json_int_t)l->st.malformed));
	json_object_set_new(o, "failed_socket_calls", json_integer((json_int_t)l->st.failed_calls));
	json_object_set_new(o, "processes", json_integer((json_int_t)l->st.procs));
	json_object_set_new(o, "activities", json_integer((json_int_t)l->st.activities));
	json_object_set_new(o, "dropped", json_integer((json_int_t)l->st.dropped));
	return o;
}

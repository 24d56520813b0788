/* sampler.c — ICMP sockets from /proc/net, their owners from /proc/PID/fd; see sampler.h.
 *
 * Locking: one mutex guards the socket cache and the stats. A sample reads the /proc/net
 * files and updates times under the lock, then releases it for the slow part (the owner scan
 * over every /proc/PID/fd, reading command lines, hashing executables) and takes it again to
 * store what it found. ih_sampler_match only ever holds the lock for a pass over the cache. */
#include "endpoint/sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NET_FILE_MAX (4u << 20)   /* bytes read of one /proc/net file (~27000 sockets) */
#define SOCKETS_PER_SAMPLE 8192   /* socket lines handled per sample, the rest counted */
#define PENDING_MAX 256           /* sockets whose owner one scan looks for */
#define HASH_CACHE 64

struct sockrec {
	bool used;
	bool present;         /* in the latest sample */
	bool owner_known;
	uint8_t owner_tries;
	struct ih_pn_sock s;
	uint64_t first_ns, last_ns;
	uint32_t holders;     /* processes that held it when its owner was found */
	struct ih_proc proc;
};

struct hash_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char hex[65];
	bool used;
};

struct ih_sampler {
	struct ih_sampler_config cfg;
	int proc_fd;
	uint64_t btime;
	long hz;
	char *netbuf;          /* NET_FILE_MAX + 1 */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stop;

	struct sockrec *socks;  /* capacity */
	struct ih_sampler_stats st;
	struct hash_entry hashes[HASH_CACHE];
	unsigned hash_next;

	/* during one sample */
	uint64_t now;
	uint64_t pending[PENDING_MAX];
	unsigned npending;
	unsigned handled;
};

void ih_sampler_config_default(struct ih_sampler_config *c)
{
	memset(c, 0, sizeof(*c));
	c->proc_root = "/proc";
	c->interval_ms = 150;
	c->capacity = 1024;
	c->hash_max_bytes = 128ull << 20;
	c->owner_tries = 5;
	c->max_pids = 65536;
	c->max_fds = 1u << 20;
}


/* ---------------------------------------------------------------- hashing */

bool ih_ep_sha256_fd(int fd, uint64_t max_bytes, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	struct stat st;
	out[0] = '\0';
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max_bytes)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return false;
	bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	static __thread unsigned char buf[65536];
	uint64_t total = 0;
	while (ok) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ok = false;
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > max_bytes) { /* the file grew while we read it */
			ok = false;
			break;
		}
		ok = EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return true;
}

/* ---------------------------------------------------------------- describing a process */

bool ih_ep_describe_pid(int proc_dirfd, int32_t pid, uint64_t btime, long hz, struct ih_proc *p)
{
	char path[64], buf[4096];
	bool trunc;
	ih_proc_init(p);
	p->pid = pid;
	p->origin = IH_EP_FROM_PROC;

	snprintf(path, sizeof(path), "%d/stat", pid);
	long n = ih_ep_read_file(proc_dirfd, path, buf, sizeof(buf), &trunc);
	if (n < 0)
		return false; /* gone */
	uint64_t ticks = 0;
	int32_t ppid = -1;
	if (ih_proc_parse_stat(buf, (size_t)n, &ppid, &ticks, p->comm, sizeof(p->comm))) {
		p->ppid = ppid;
		if (btime && hz > 0) {
			uint64_t uhz = (uint64_t)hz;
			p->start_ns = btime * 1000000000ull + ticks / uhz * 1000000000ull +
				      ticks % uhz * 1000000000ull / uhz;
		}
	}
	snprintf(path, sizeof(path), "%d/status", pid);
	n = ih_ep_read_file(proc_dirfd, path, buf, sizeof(buf), &trunc);
	if (n >= 0)
		ih_proc_parse_status_uid(buf, (size_t)n, &p->uid, &p->euid);
	ih_ep_user_name(p->uid, p->user, sizeof(p->user));

	snprintf(path, sizeof(path), "%d/cmdline", pid);
	n = ih_ep_read_file(proc_dirfd, path, buf, sizeof(buf), &trunc);
	if (n > 0)
		ih_ep_sanitize(buf, (size_t)n, p->cmdline, sizeof(p->cmdline), true);

	snprintf(path, sizeof(path), "%d/exe", pid);
	char link[4097];
	ssize_t ln = readlinkat(proc_dirfd, path, link, sizeof(link) - 1);
	if (ln > 0) {
		link[ln] = '\0';
		/* The kernel appends " (deleted)" to the path of an unlinked executable; a file may
		 * also be named so. The link count of the open file decides. */
		int fd = openat(proc_dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0) {
			p->exe_deleted = st.st_nlink == 0;
			if (S_ISREG(st.st_mode))
				p->exe_size = (uint64_t)st.st_size;
		}
		if (fd >= 0)
			close(fd);
		static const char suffix[] = " (deleted)";
		size_t sl = sizeof(suffix) - 1;
		if (p->exe_deleted && (size_t)ln > sl && memcmp(link + ln - sl, suffix, sl) == 0)
			ln -= (ssize_t)sl;
		ih_ep_sanitize(link, (size_t)ln, p->exe, sizeof(p->exe), false);
	}
	return true;
}

/* Hash of /proc/PID/exe through a small cache keyed by the file's identity. Called without
 * the lock (only the sampling thread touches the hash cache). */
static void hash_exe(struct ih_sampler *s, struct ih_proc *p)
{
	char path[64];
	snprintf(path, sizeof(path), "%d/exe", p->pid);
	int fd = openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	for (unsigned i = 0; i < HASH_CACHE; i++) {
		struct hash_entry *h = &s->hashes[i];
		if (h->used && h->dev == st.st_dev && h->ino == st.st_ino && h->size == st.st_size &&
		    h->mtime.tv_sec == st.st_mtim.tv_sec && h->mtime.tv_nsec == st.st_mtim.tv_nsec &&
		    st.st_nlink > 0) {
			memcpy(p->exe_sha256, h->hex, sizeof(h->hex));
			close(fd);
			return;
		}
	}
	char hex[65];
	bool ok = ih_ep_sha256_fd(fd, s->cfg.hash_max_bytes, hex);
	close(fd);
	pthread_mutex_lock(&s->mu);
	if (ok)
		s->st.exe_hashed++;
	else
		s->st.exe_hash_skipped++;
	pthread_mutex_unlock(&s->mu);
	if (!ok)
		return;
	memcpy(p->exe_sha256, hex, sizeof(hex));
	struct hash_entry *h = &s->hashes[s->hash_next++ % HASH_CACHE];
	h->used = true;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	h->size = st.st_size;
	h->mtime = st.st_mtim;
	memcpy(h->hex, hex, sizeof(hex));
}

/* ---------------------------------------------------------------- the cache */

static struct sockrec *find_inode(struct ih_sampler *s, uint64_t inode)
{
	for (unsigned i = 0; i < s->cfg.capacity; i++)
		if (s->socks[i].used && s->socks[i].s.inode == inode)
			return &s->socks[i];
	return NULL;
}

/* A free record, or the one least recently seen (closed ones first); counted when evicting. */
static struct sockrec *claim(struct ih_sampler *s)
{
	struct sockrec *victim = NULL;
	for (unsigned i = 0; i < s->cfg.capacity; i++) {
		struct sockrec *r = &s->socks[i];
		if (!r->used)
			return r;
		if (!victim || (victim->present && !r->present) ||
		    (victim->present == r->present && r->last_ns < victim->last_ns))
			victim = r;
	}
	s->st.evictions++;
	return victim;
}

static bool wanted(const struct ih_pn_sock *k)
{
	if (k->inode == 0)
		return false;
	if (k->kind == IH_EP_SOCK_RAW)
		return ih_procnet_raw_icmp(k->family, k->local_port);
	return true;
}

/* Called under the lock for each socket line. */
static void on_sock(void *ctx, const struct ih_pn_sock *k)
{
	struct ih_sampler *s = ctx;
	if (!wanted(k))
		return;
	if (s->handled >= SOCKETS_PER_SAMPLE)
		return;
	s->handled++;
	struct sockrec *r = find_inode(s, k->inode);
	if (!r) {
		r = claim(s);
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->first_ns = s->now;
		ih_proc_init(&r->proc);
		s->st.sockets_seen++;
	}
	/* a ping socket gets its port at the first send: keep the latest view */
	r->s = *k;
	r->present = true;
	r->last_ns = s->now;
	if (!r->owner_known && r->owner_tries < s->cfg.owner_tries && s->npending < PENDING_MAX)
		s->pending[s->npending++] = k->inode;
}

static bool is_pending(const struct ih_sampler *s, uint64_t inode, unsigned *idx)
{
	for (unsigned i = 0; i < s->npending; i++)
		if (s->pending[i] == inode) {
			*idx = i;
			return true;
		}
	return false;
}

struct found {
	uint64_t inode;
	int32_t pid;
	uint32_t holders;
};

/* Walks /proc/PID/fd for every process, looking for the pending inodes. Without the lock. */
static unsigned owner_scan(struct ih_sampler *s, struct found *out)
{
	unsigned nfound = 0;
	for (unsigned i = 0; i < s->npending; i++) {
		out[i].inode = s->pending[i];
		out[i].pid = -1;
		out[i].holders = 0;
	}
	int dfd = dup(s->proc_fd);
	if (dfd < 0)
		return 0;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	rewinddir(d);
	uint32_t pids = 0, fds = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && pids < s->cfg.max_pids && fds < s->cfg.max_fds) {
		char *end;
		errno = 0;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || pid <= 0 || pid > 0x7fffffffL || errno)
			continue;
		pids++;
		char path[64];
		snprintf(path, sizeof(path), "%ld/fd", pid);
		int ffd = openat(s->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ffd < 0)
			continue;
		DIR *fdd = fdopendir(ffd);
		if (!fdd) {
			close(ffd);
			continue;
		}
		struct dirent *fe;
		while ((fe = readdir(fdd)) != NULL && fds < s->cfg.max_fds) {
			if (fe->d_name[0] == '.')
				continue;
			fds++;
			char link[64];
			ssize_t n = readlinkat(ffd, fe->d_name, link, sizeof(link) - 1);
			uint64_t ino;
			unsigned idx;
			if (n <= 0 || !ih_proc_parse_socket_link(link, (size_t)n, &ino) ||
			    !is_pending(s, ino, &idx))
				continue;
			/* the lowest pid that holds it: after fork() both parent and child do */
			if (out[idx].pid < 0 || pid < out[idx].pid) {
				if (out[idx].pid < 0)
					nfound++;
				out[idx].pid = (int32_t)pid;
			}
			out[idx].holders++;
		}
		closedir(fdd);
	}
	closedir(d);
	return nfound;
}

static void read_net(struct ih_sampler *s)
{
	for (int f = 0; f < IH_PN_NFILES; f++) {
		bool trunc;
		long n = ih_ep_read_file(s->proc_fd, ih_procnet_path((enum ih_procnet_file)f), s->netbuf,
					 NET_FILE_MAX + 1, &trunc);
		if (n < 0) {
			/* icmp6/raw6 are absent without IPv6: not an error worth counting */
			if (errno != ENOENT)
				s->st.net_read_errors++;
			continue;
		}
		struct ih_pn_counts c = { 0 };
		ih_procnet_parse((enum ih_procnet_file)f, s->netbuf, (size_t)n, on_sock, s, &c);
		s->st.net_lines_bad += c.bad + c.too_long;
	}
}

void ih_sampler_sample_once(struct ih_sampler *s)
{
	struct timespec m0, m1;
	clock_gettime(CLOCK_MONOTONIC, &m0);

	pthread_mutex_lock(&s->mu);
	s->now = ih_ep_now_ns();
	s->npending = 0;
	s->handled = 0;
	for (unsigned i = 0; i < s->cfg.capacity; i++)
		s->socks[i].present = false;
	read_net(s);
	uint32_t live = 0;
	for (unsigned i = 0; i < s->cfg.capacity; i++)
		live += s->socks[i].used && s->socks[i].present;
	s->st.live_sockets = live;
	unsigned npend = s->npending;
	pthread_mutex_unlock(&s->mu);

	if (npend) {
		struct found found[PENDING_MAX];
		owner_scan(s, found);
		struct ih_proc *procs = calloc(npend, sizeof(*procs));
		for (unsigned i = 0; procs && i < npend; i++) {
			ih_proc_init(&procs[i]);
			if (found[i].pid < 0)
				continue;
			/* the same process may hold several of them */
			bool copied = false;
			for (unsigned j = 0; j < i; j++)
				if (found[j].pid == found[i].pid && procs[j].pid == found[i].pid) {
					procs[i] = procs[j];
					copied = true;
					break;
				}
			if (copied)
				continue;
			if (!ih_ep_describe_pid(s->proc_fd, found[i].pid, s->btime, s->hz, &procs[i])) {
				found[i].pid = -1; /* exited between the scan and now */
				continue;
			}
			hash_exe(s, &procs[i]);
		}
		pthread_mutex_lock(&s->mu);
		s->st.owner_scans++;
		for (unsigned i = 0; i < npend; i++) {
			struct sockrec *r = find_inode(s, found[i].inode);
			if (!r || r->owner_known)
				continue;
			r->owner_tries++;
			if (found[i].pid >= 0 && procs) {
				r->owner_known = true;
				r->proc = procs[i];
				r->holders = found[i].holders;
				s->st.owners_found++;
			} else if (r->owner_tries >= s->cfg.owner_tries) {
				s->st.owners_missed++;
			}
		}
		pthread_mutex_unlock(&s->mu);
		free(procs);
	}

	clock_gettime(CLOCK_MONOTONIC, &m1);
	uint64_t us = (uint64_t)(m1.tv_sec - m0.tv_sec) * 1000000ull +
		      (uint64_t)((m1.tv_nsec - m0.tv_nsec) / 1000);
	pthread_mutex_lock(&s->mu);
	s->st.samples++;
	if (us > s->st.sample_us_max)
		s->st.sample_us_max = us;
	if (us > (uint64_t)s->cfg.interval_ms * 1000u)
		s->st.overruns++;
	pthread_mutex_unlock(&s->mu);
}

struct ih_sampler *ih_sampler_new(const struct ih_sampler_config *cfg)
{
	struct ih_sampler *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	if (!s->cfg.proc_root)
		s->cfg.proc_root = "/proc";
	if (s->cfg.interval_ms == 0)
		s->cfg.interval_ms = 150;
	if (s->cfg.capacity < 16)
		s->cfg.capacity = 16;
	if (s->cfg.owner_tries == 0)
		s->cfg.owner_tries = 1;
	s->proc_fd = open(s->cfg.proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->socks = calloc(s->cfg.capacity, sizeof(*s->socks));
	s->netbuf = malloc(NET_FILE_MAX + 1);
	if (s->proc_fd < 0 || !s->socks || !s->netbuf) {
		if (s->proc_fd >= 0)
			close(s->proc_fd);
		free(s->socks);
		free(s->netbuf);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	char buf[8192];
	long n = ih_ep_read_file(s->proc_fd, "stat", buf, sizeof(buf), NULL);
	if (n > 0)
		ih_proc_parse_btime(buf, (size_t)n, &s->btime);
	s->hz = sysconf(_SC_CLK_TCK);
	return s;
}

static void *sampler_main(void *arg)
{
	struct ih_sampler *s = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		ih_sampler_sample_once(s);
		uint64_t ns = (uint64_t)next.tv_nsec + (uint64_t)s->cfg.interval_ms * 1000000ull;
		next.tv_sec += (time_t)(ns / 1000000000ull);
		next.tv_nsec = (long)(ns % 1000000000ull);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now; /* fell behind: do not try to catch up */
		pthread_mutex_lock(&s->mu);
		while (!s->stop) {
			int rc = pthread_cond_timedwait(&s->cv, &s->mu, &next);
			if (rc == ETIMEDOUT)
				break;
		}
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
	}
	return NULL;
}

bool ih_sampler_start(struct ih_sampler *s)
{
	if (s->running)
		return true;
	s->stop = false;
	int rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		errno = rc;
		return false;
	}
	s->running = true;
	return true;
}

void ih_sampler_stop(struct ih_sampler *s)
{
	if (!s || !s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->running = false;
}

void ih_sampler_free(struct ih_sampler *s)
{
	if (!s)
		return;
	ih_sampler_stop(s);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	close(s->proc_fd);
	free(s->socks);
	free(s->netbuf);
	free(s);
}

uint64_t ih_sampler_slack_ns(const struct ih_sampler *s)
{
	return 2ull * s->cfg.interval_ms * 1000000ull + 500000000ull;
}

/* ---------------------------------------------------------------- matching */

static bool addr_ok(const struct ih_addr *bound, const struct ih_addr *want)
{
	static const uint8_t zero[16];
	return memcmp(bound->b, zero, 16) == 0 || ih_addr_eq(bound, want);
}

static bool remote_ok(const struct sockrec *r, const struct ih_ep_query *q)
{
	static const uint8_t zero[16];
	if (memcmp(r->s.remote.b, zero, 16) == 0 || q->ndst == 0)
		return true;
	for (unsigned i = 0; i < q->ndst; i++)
		if (ih_addr_eq(&r->s.remote, &q->dsts[i]))
			return true;
	return false;
}

static void answer_from(struct ih_ep_answer *a, const struct sockrec *r, enum ih_ep_match m)
{
	a->match = m;
	a->sock = r->s.kind;
	a->inode = r->s.inode;
	a->sock_uid = r->s.uid;
	a->owner_known = r->owner_known;
	a->candidates = 1;
	if (r->owner_known)
		a->proc = r->proc;
	else
		snprintf(a->reason, sizeof(a->reason),
			 "the %s socket (inode %llu, uid %u) was found, but its process had exited before it could be identified",
			 ih_ep_sock_name(r->s.kind), (unsigned long long)r->s.inode, r->s.uid);
}

static uint64_t overlap(const struct sockrec *r, uint64_t lo, uint64_t hi)
{
	uint64_t a = r->first_ns > lo ? r->first_ns : lo;
	uint64_t b = r->last_ns < hi ? r->last_ns : hi;
	return b >= a ? b - a + 1 : 0;
}

bool ih_sampler_match(struct ih_sampler *s, const struct ih_ep_query *q, struct ih_ep_answer *a)
{
	ih_ep_answer_init(a);
	uint64_t slack = ih_sampler_slack_ns(s);
	uint64_t lo = q->t0 > slack ? q->t0 - slack : 0, hi = q->t1 + slack;
	const struct sockrec *ping = NULL, *pidid = NULL;
	uint64_t ping_ov = 0;
	const struct sockrec *raw[64];
	unsigned nraw = 0, nseen = 0;

	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->cfg.capacity; i++) {
		const struct sockrec *r = &s->socks[i];
		if (!r->used || r->s.family != q->family)
			continue;
		uint64_t ov = overlap(r, lo, hi);
		if (!ov)
			continue;
		nseen++;
		if (r->s.kind == IH_EP_SOCK_PING) {
			if (q->has_id && r->s.local_port == q->id && addr_ok(&r->s.local, &q->src) &&
			    remote_ok(r, q) && ov > ping_ov) {
				ping = r;
				ping_ov = ov;
			}
			continue;
		}
		if (!ih_procnet_raw_icmp(r->s.family, r->s.local_port) || !addr_ok(&r->s.local, &q->src) ||
		    !remote_ok(r, q))
			continue;
		if (q->has_id && r->owner_known && ((uint32_t)r->proc.pid & 0xffffu) == q->id) {
			pidid = r;
			continue;
		}
		/* set aside raw sockets that another conversation's echo id explains */
		bool explained = false;
		for (unsigned k = 0; r->owner_known && k < q->n_other && !explained; k++)
			explained = ((uint32_t)r->proc.pid & 0xffffu) == q->other_ids[k];
		if (!explained && nraw < sizeof(raw) / sizeof(raw[0]))
			raw[nraw++] = r;
	}
	bool ok = true;
	if (ping) {
		answer_from(a, ping, IH_EP_MATCH_ECHO_ID);
	} else if (pidid) {
		answer_from(a, pidid, IH_EP_MATCH_PID_AS_ID);
	} else if (nraw) {
		/* distinct owners among the candidates (iputils ping holds a raw and a raw6 socket;
		 * a tool may hold two of one family); unknown owners count as distinct */
		const struct sockrec *pick = raw[0];
		unsigned owners = 1;
		int32_t others[4];
		unsigned nothers = 0;
		for (unsigned i = 1; i < nraw; i++) {
			bool same = false;
			for (unsigned j = 0; j < i && !same; j++)
				same = raw[i]->owner_known && raw[j]->owner_known &&
				       ih_proc_same(&raw[i]->proc, &raw[j]->proc);
			if (!same) {
				owners++;
				if (nothers < 4)
					others[nothers++] = raw[i]->owner_known ? raw[i]->proc.pid : -1;
			}
		}
		if (owners == 1) {
			answer_from(a, pick, IH_EP_MATCH_RAW_SOCKET);
		} else {
			ok = false;
			a->candidates = owners;
			a->other_pids[0] = pick->owner_known ? pick->proc.pid : -1;
			for (unsigned i = 0; i < nothers && i + 1 < 4; i++)
				a->other_pids[i + 1] = others[i];
			snprintf(a->reason, sizeof(a->reason),
				 "ambiguous: %u processes held raw ICMP sockets at the time and none is tied to echo id %u",
				 owners, q->has_id ? q->id : 0u);
		}
	} else {
		ok = false;
		if (q->has_id)
			snprintf(a->reason, sizeof(a->reason),
				 "no ping socket with local port %u and no raw ICMP socket was seen on this host at the time (%u ICMP sockets of the family were): the sender exited before it was sampled (every %u ms) or sent through a packet socket",
				 q->id, nseen, s->cfg.interval_ms);
		else
			snprintf(a->reason, sizeof(a->reason),
				 "no raw ICMP socket was seen on this host at the time: the sender exited before it was sampled (every %u ms) or sent through a packet socket",
				 s->cfg.interval_ms);
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

void ih_sampler_get_stats(struct ih_sampler *s, struct ih_sampler_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->st;
	pthread_mutex_unlock(&s->mu);
}

json_t *ih_sampler_stats_json(struct ih_sampler *s)
{
	struct ih_sampler_stats st;
	ih_sampler_get_stats(s, &st);
	json_t *o = json_object();
	json_object_set_new(o, "interval_ms", json_integer(s->cfg.interval_ms));
	json_object_set_new(o, "samples", json_integer((json_int_t)st.samples));
	json_object_set_new(o, "overruns", json_integer((json_int_t)st.overruns));
	json_object_set_new(o, "sample_us_max", json_integer((json_int_t)st.sample_us_max));
	json_object_set_new(o, "sockets_seen", json_integer((json_int_t)st.sockets_seen));
	json_object_set_new(o, "sockets_live", json_integer(st.live_sockets));
	json_object_set_new(o, "owners_found", json_integer((json_int_t)st.owners_found));
	json_object_set_new(o, "owners_missed", json_integer((json_int_t)st.owners_missed));
	json_object_set_new(o, "owner_scans", json_integer((json_int_t)st.owner_scans));
	json_object_set_new(o, "cache_capacity", json_integer(s->cfg.capacity));
	json_object_set_new(o, "cache_evictions", json_integer((json_int_t)st.evictions));
	json_object_set_new(o, "exe_hashed", json_integer((json_int_t)st.exe_hashed));
	json_object_set_new(o, "exe_hash_skipped", json_integer((json_int_t)st.exe_hash_skipped));
	json_object_set_new(o, "proc_net_bad_lines", json_integer((json_int_t)st.net_lines_bad));
	json_object_set_new(o, "proc_net_read_errors", json_integer((json_int_t)st.net_read_errors));
	return o;
}

/* record.c — `analyze --store`: hourly ICMP summaries and outside peers during the pass, the
 * detectors' questions about the past, and the rows written at the end.
 *
 * Hourly summaries. One entry per (home host, hour, input): ICMP packets and bytes the host
 * sent, how many were requests, the classes sent, distinct destinations (exact up to 8, then a
 * HyperLogLog), and ICMP packets it received. A fixed table of store_summary_capacity entries;
 * past it new host-hours are dropped and counted. When packet time enters a new hour and the
 * table is half full, the hours that ended before the previous one are written (queued for the
 * store) and their entries freed; a packet for an hour already written (input more than an hour
 * out of order) is counted as late and left out. Only home hosts are summarised: a spoofed flood
 * from the whole internet must not evict the baseline of the network being defended.
 *
 * Outside peers. One entry per (home host, outside destination, input) of ICMP requests, at most
 * store_peer_capacity per run: what "first_seen_destination" is asked of.
 *
 * History. Answers come from rows of other inputs only (the ids of this run's inputs are
 * excluded in every query), so a second analysis of the same capture sees exactly what the first
 * saw. A host's hour is compared with the same hour of day on each of the past history_days days
 * on which the sensor was recording (an input's time span covered that hour); a day it was
 * recording and the host sent nothing counts as 0. Queries are cached per (host, hour) and
 * bounded by history_max_queries per run. */
#include "store/record.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli/pipeline.h"
#include "decode/decode.h"
#include "track/hll.h"

#define NS_PER_HOUR (3600ull * 1000000000ull)
#define PEERS_EXACT 8
#define HREGS 64
#define PROBE 32
#define HCACHE 1024
#define COVCACHE 16
#define MAX_DAYS 31

struct hentry {
	struct ih_addr host;
	uint8_t used;
	uint8_t npeer;
	bool overflow;
	uint16_t input;
	uint64_t hour;
	uint64_t pkts, bytes, requests, pkts_in;
	uint32_t cls[IH_ICMP_NCLASSES];
	struct ih_addr peer[PEERS_EXACT];
	uint8_t hll[HREGS];
};

struct pentry {
	struct ih_addr src, dst;
	uint8_t used;
	uint16_t input;
	uint64_t first_ns, last_ns, pkts;
};

struct rinput {
	char *name;
	char id[24];
	unsigned long long size;
	uint64_t first_ns, last_ns, pkts;
};

struct hcache {
	struct ih_addr host;
	uint64_t hour;
	bool used;
	bool ok;
	struct ih_host_baseline b;
};

struct ih_recorder {
	struct ih_store *st;
	struct ih_config cfg;
	char format[16];
	struct rinput *in;
	size_t nin;
	char *exclude;             /* "I-..,I-.." the ids of this run's inputs */
	uint64_t seed;

	struct hentry *h;          /* hcap entries, the first hcount in use */
	uint64_t *hidx;            /* index: hash tag << 32 | entry + 1; 0 empty */
	uint32_t hmask, hcount, hcap;
	uint64_t cur_hour, horizon;
	uint64_t h_dropped, h_late, h_written;

	struct pentry *p;
	uint32_t pmask, pcount, pcap;
	uint64_t p_dropped, p_written;

	const char *const *frame_file;
	const char *last_file;
	uint16_t last_idx;
	void (*prev_hook)(void *ctx, const struct ih_pkt *pkt);
	void *prev_ctx;

	struct ih_history hist;
	uint64_t queries, unanswered, q_errors;
	char q_err[512];
	struct hcache *hc;
	struct {
		uint64_t hour;
		uint32_t mask;
		bool used;
	} cov[COVCACHE];
	unsigned cov_next;
	bool earliest_known;
	int64_t earliest_us;       /* -1: no recording at all */

	uint64_t findings, incidents;
	bool failed;
	char fail_err[512];
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t c = 64;
	while (c < n && c < (1u << 30))
		c <<= 1;
	return c;
}

/* ------------------------------------------------------------------ input identity */

bool ih_input_id(const char *path, char *id, size_t len, unsigned long long *size)
{
	*size = 0;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0)
		return false;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return false;
	}
	if (is_stdin)
		sb.st_mode = S_IFIFO; /* read by the source as it comes: never read it here */
	XXH3_state_t *x = XXH3_createState();
	if (!x) {
		close(fd);
		return false;
	}
	XXH3_64bits_reset(x);
	if (S_ISREG(sb.st_mode)) {
		uint64_t sz = (uint64_t)sb.st_size;
		*size = sz;
		XXH3_64bits_update(x, &sz, sizeof(sz));
		enum { CHUNK = 65536 };
		char *buf = malloc(CHUNK);
		if (!buf) {
			XXH3_freeState(x);
			close(fd);
			return false;
		}
		ssize_t n = pread(fd, buf, CHUNK, 0);
		if (n > 0)
			XXH3_64bits_update(x, buf, (size_t)n);
		if (sz > CHUNK) {
			n = pread(fd, buf, CHUNK, (off_t)(sz - CHUNK));
			if (n > 0)
				XXH3_64bits_update(x, buf, (size_t)n);
		}
		free(buf);
	} else {
		/* a pipe cannot be read twice: this run's rows get an id of their own */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		pid_t pid = getpid();
		XXH3_64bits_update(x, path, strlen(path));
		XXH3_64bits_update(x, &ts, sizeof(ts));
		XXH3_64bits_update(x, &pid, sizeof(pid));
	}
	snprintf(id, len, "I-%016llx", (unsigned long long)XXH3_64bits_digest(x));
	XXH3_freeState(x);
	close(fd);
	return true;
}

/* ------------------------------------------------------------------ history */

struct rows_ctx {
	int64_t *a, *b;
	size_t n, cap;
};

static bool collect2(void *ctx, int ncol, const char *const *val)
{
	struct rows_ctx *c = ctx;
	if (ncol < 2 || !val[0] || !val[1] || c->n >= c->cap)
		return c->n < c->cap;
	c->a[c->n] = atoll(val[0]);
	c->b[c->n] = atoll(val[1]);
	c->n++;
	return true;
}

static bool budget(struct ih_recorder *r)
{
	if (r->queries >= r->cfg.history_max_queries) {
		r->unanswered++;
		return false;
	}
	r->queries++;
	return true;
}

static void query_failed(struct ih_recorder *r, const char *err)
{
	if (!r->q_errors++)
		snprintf(r->q_err, sizeof(r->q_err), "%s", err);
}

/* Which of the past days (bit k-1 for k days back) the sensor was recording in hour H. */
static bool coverage(struct ih_recorder *r, uint64_t H, uint32_t *mask)
{
	for (unsigned i = 0; i < COVCACHE; i++)
		if (r->cov[i].used && r->cov[i].hour == H) {
			*mask = r->cov[i].mask;
			return true;
		}
	if (!budget(r))
		return false;
	unsigned days = r->cfg.history_days > MAX_DAYS ? MAX_DAYS : r->cfg.history_days;
	int64_t lo = (int64_t)(H - 24ull * days) * 3600 * 1000000, hi = (int64_t)H * 3600 * 1000000;
	int64_t a[4096], b[4096];
	struct rows_ctx c = { a, b, 0, 4096 };
	struct ih_sqlv p[4] = { IH_SQLV_TEXT(ih_store_sensor(r->st)), IH_SQLV_INT(hi), IH_SQLV_INT(lo),
				IH_SQLV_TEXT(r->exclude) };
	char err[512];
	if (!ih_store_select(r->st,
			     "SELECT first_us, last_us FROM inputs WHERE sensor = $1 AND first_us IS NOT NULL "
			     "AND first_us < $2 AND last_us >= $3 "
			     "AND (',' || $4 || ',') NOT LIKE ('%,' || id || ',%') LIMIT 4096",
			     p, 4, collect2, &c, err, sizeof(err))) {
		query_failed(r, err);
		return false;
	}
	uint32_t m = 0;
	for (unsigned k = 1; k <= days; k++) {
		int64_t s0 = (int64_t)(H - 24ull * k) * 3600 * 1000000, s1 = s0 + 3600ll * 1000000;
		for (size_t i = 0; i < c.n; i++)
			if (a[i] < s1 && b[i] >= s0) {
				m |= 1u << (k - 1);
				break;
			}
	}
	unsigned slot = r->cov_next++ % COVCACHE;
	r->cov[slot].used = true;
	r->cov[slot].hour = H;
	r->cov[slot].mask = m;
	*mask = m;
	return true;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double median_of(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool host_hour(void *ctx, const struct ih_addr *host, uint64_t ts_ns, struct ih_host_baseline *out)
{
	struct ih_recorder *r = ctx;
	uint64_t H = ts_ns / NS_PER_HOUR;
	uint32_t hslot = (uint32_t)XXH3_64bits_withSeed(host, sizeof(*host), r->seed ^ H) % HCACHE;
	struct hcache *ce = &r->hc[hslot];
	if (ce->used && ce->hour == H && ih_addr_eq(&ce->host, host)) {
		*out = ce->b;
		return ce->ok;
	}
	memset(out, 0, sizeof(*out));
	uint32_t mask;
	if (!coverage(r, H, &mask))
		return false;
	unsigned days = r->cfg.history_days > MAX_DAYS ? MAX_DAYS : r->cfg.history_days;
	bool ok = true;
	double pk[MAX_DAYS + 1] = { 0 }, peers[MAX_DAYS + 1] = { 0 };
	if (mask) {
		if (!budget(r))
			return false;
		char a[IH_ADDR_STRLEN], err[512];
		int64_t hv[MAX_DAYS * 24 + 1], sv[MAX_DAYS * 24 + 1];
		struct rows_ctx c = { hv, sv, 0, MAX_DAYS * 24 + 1 };
		/* peers: the largest count of any one input that hour (distinct counts do not add) */
		struct ih_sqlv p[5] = { IH_SQLV_TEXT(ih_store_sensor(r->st)), IH_SQLV_TEXT(ih_addr_str(host, a, sizeof(a))),
					IH_SQLV_INT((int64_t)(H - 24ull * days) * 3600), IH_SQLV_INT((int64_t)H * 3600),
					IH_SQLV_TEXT(r->exclude) };
		if (!ih_store_select(r->st,
				     "SELECT hour, SUM(requests) FROM icmp_hourly WHERE sensor = $1 AND host = $2 "
				     "AND hour >= $3 AND hour < $4 "
				     "AND (',' || $5 || ',') NOT LIKE ('%,' || input || ',%') GROUP BY hour",
				     p, 5, collect2, &c, err, sizeof(err))) {
			query_failed(r, err);
			ok = false;
		}
		for (size_t i = 0; ok && i < c.n; i++) {
			int64_t back = (int64_t)H * 3600 - hv[i];
			if (back <= 0 || back % 86400)
				continue;
			int64_t k = back / 86400;
			if (k >= 1 && k <= (int64_t)days)
				pk[k] = (double)sv[i];
		}
		c.n = 0;
		if (ok && !ih_store_select(r->st,
					   "SELECT hour, MAX(peers) FROM icmp_hourly WHERE sensor = $1 AND host = $2 "
					   "AND hour >= $3 AND hour < $4 "
					   "AND (',' || $5 || ',') NOT LIKE ('%,' || input || ',%') GROUP BY hour",
					   p, 5, collect2, &c, err, sizeof(err))) {
			query_failed(r, err);
			ok = false;
		}
		for (size_t i = 0; ok && i < c.n; i++) {
			int64_t back = (int64_t)H * 3600 - hv[i];
			if (back > 0 && back % 86400 == 0 && back / 86400 <= (int64_t)days)
				peers[back / 86400] = (double)sv[i];
		}
	}
	if (ok) {
		double v[MAX_DAYS], w[MAX_DAYS], dev[MAX_DAYS];
		size_t n = 0;
		for (unsigned k = 1; k <= days; k++) {
			if (!(mask & (1u << (k - 1))))
				continue;
			v[n] = pk[k];
			w[n] = peers[k];
			if (pk[k] > 0)
				out->active_slots++;
			if ((uint64_t)pk[k] > out->max_requests)
				out->max_requests = (uint64_t)pk[k];
			n++;
		}
		out->slots = (uint32_t)n;
		out->median_requests = median_of(v, n);
		for (size_t i = 0; i < n; i++)
			dev[i] = v[i] > out->median_requests ? v[i] - out->median_requests : out->median_requests - v[i];
		out->mad_requests = median_of(dev, n);
		out->median_peers = median_of(w, n);
	}
	ce->used = true;
	ce->hour = H;
	ce->host = *host;
	ce->b = *out;
	ce->ok = ok;
	return ok;
}

static bool read_first(void *ctx, int ncol, const char *const *val)
{
	int64_t *v = ctx;
	*v = ncol >= 1 && val[0] ? atoll(val[0]) : -1;
	return false;
}

static int peer_seen(void *ctx, const struct ih_addr *src, const struct ih_addr *dst, uint64_t before_ns,
		     uint64_t *first_ns)
{
	struct ih_recorder *r = ctx;
	char err[512];
	if (!r->earliest_known) {
		if (!budget(r))
			return -1;
		struct ih_sqlv p[1] = { IH_SQLV_TEXT(r->exclude) };
		int64_t v = -1;
		if (!ih_store_select(r->st,
				     "SELECT MIN(first_us) FROM inputs WHERE first_us IS NOT NULL "
				     "AND (',' || $1 || ',') NOT LIKE ('%,' || id || ',%')",
				     p, 1, read_first, &v, err, sizeof(err))) {
			query_failed(r, err);
			return -1;
		}
		r->earliest_known = true;
		r->earliest_us = v;
	}
	int64_t before_us = (int64_t)(before_ns / 1000);
	if (r->earliest_us < 0 || r->earliest_us >= before_us)
		return -1; /* nothing was recorded before: new is meaningless */
	if (!budget(r))
		return -1;
	char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
	struct ih_sqlv p[4] = { IH_SQLV_TEXT(ih_addr_str(src, a, sizeof(a))), IH_SQLV_TEXT(ih_addr_str(dst, b, sizeof(b))),
				IH_SQLV_INT(before_us), IH_SQLV_TEXT(r->exclude) };
	int64_t v = -1;
	if (!ih_store_select(r->st,
			     "SELECT MIN(first_us) FROM icmp_peers WHERE src = $1 AND dst = $2 AND first_us < $3 "
			     "AND (',' || $4 || ',') NOT LIKE ('%,' || input || ',%')",
			     p, 4, read_first, &v, err, sizeof(err))) {
		query_failed(r, err);
		return -1;
	}
	if (v < 0)
		return 0;
	*first_ns = (uint64_t)v * 1000ull;
	return 1;
}

/* ------------------------------------------------------------------ counting */

static uint16_t input_index(struct ih_recorder *r)
{
	const char *f = r->frame_file ? *r->frame_file : NULL;
	if (!f || f == r->last_file)
		return r->last_idx;
	for (size_t i = 0; i < r->nin; i++)
		if (strcmp(r->in[i].name, f) == 0) {
			r->last_file = f;
			r->last_idx = (uint16_t)i;
			break;
		}
	return r->last_idx;
}

/* The entry of (host, hour, input), made when missing. The probes read the index only (8 bytes a
 * slot, a hash tag in the high half), so a lookup costs one miss into the entries, not one per
 * probe. NULL (counted) when the table is full. */
static struct hentry *hget(struct ih_recorder *r, const struct ih_addr *host, uint64_t hour, uint16_t input)
{
	struct {
		struct ih_addr a;
		uint64_t hour;
		uint16_t input;
	} key;
	memset(&key, 0, sizeof(key));
	key.a = *host;
	key.hour = hour;
	key.input = input;
	uint64_t h = XXH3_64bits_withSeed(&key, sizeof(key), r->seed);
	uint32_t tag = (uint32_t)(h >> 32), i = (uint32_t)h & r->hmask;
	for (unsigned n = 0; n < PROBE; n++, i = (i + 1) & r->hmask) {
		uint64_t v = r->hidx[i];
		if (!v) {
			if (r->hcount >= r->hcap)
				break;
			struct hentry *e = &r->h[r->hcount];
			memset(e, 0, sizeof(*e));
			e->used = 1;
			e->host = *host;
			e->hour = hour;
			e->input = input;
			r->hidx[i] = (uint64_t)tag << 32 | (r->hcount + 1);
			r->hcount++;
			return e;
		}
		if ((uint32_t)(v >> 32) != tag)
			continue;
		struct hentry *e = &r->h[(uint32_t)v - 1];
		if (e->hour == hour && e->input == input && ih_addr_eq(&e->host, host))
			return e;
	}
	r->h_dropped++;
	return NULL;
}

/* Distinct destinations: exact up to PEERS_EXACT, then a HyperLogLog with the tracker's fixed
 * hash (ih_hll_hash), so that the count written does not change from run to run. */
static void peer_add(struct hentry *e, const struct ih_addr *dst)
{
	if (!e->overflow) {
		for (unsigned i = 0; i < e->npeer; i++)
			if (ih_addr_eq(&e->peer[i], dst))
				return;
		if (e->npeer < PEERS_EXACT) {
			e->peer[e->npeer++] = *dst;
			return;
		}
		e->overflow = true;
		for (unsigned i = 0; i < e->npeer; i++)
			ih_hll_add(e->hll, HREGS, ih_hll_hash(&e->peer[i], sizeof(*dst)));
	}
	ih_hll_add(e->hll, HREGS, ih_hll_hash(dst, sizeof(*dst)));
}

static uint32_t peers_of(const struct hentry *e)
{
	if (!e->overflow)
		return e->npeer;
	double v = ih_hll_estimate(e->hll, HREGS);
	return v < PEERS_EXACT + 1 ? PEERS_EXACT + 1 : (uint32_t)(v + 0.5);
}

static void note(struct ih_recorder *r, const char *fmt_err)
{
	if (!r->failed) {
		r->failed = true;
		snprintf(r->fail_err, sizeof(r->fail_err), "%s", fmt_err);
	}
}

static void write_hourly(struct ih_recorder *r, const struct hentry *e)
{
	char host[IH_ADDR_STRLEN], types[1024];
	size_t n = 0;
	types[n++] = '{';
	for (unsigned c = 0; c < IH_ICMP_NCLASSES; c++) {
		if (!e->cls[c])
			continue;
		int w = snprintf(types + n, sizeof(types) - n, "%s\"%s\":%u", n > 1 ? "," : "",
				 ih_icmp_class_name((enum ih_icmp_class)c), e->cls[c]);
		if (w < 0 || (size_t)w >= sizeof(types) - n - 2)
			break;
		n += (size_t)w;
	}
	types[n++] = '}';
	types[n] = '\0';
	struct ih_store_hourly h = {
		.host = ih_addr_str(&e->host, host, sizeof(host)),
		.hour = (int64_t)e->hour * 3600,
		.input = r->in[e->input].id,
		.packets = e->pkts,
		.bytes = e->bytes,
		.requests = e->requests,
		.packets_in = e->pkts_in,
		.peers = peers_of(e),
		.types = types,
	};
	char err[512];
	if (ih_store_put_hourly(r->st, &h, err, sizeof(err)))
		r->h_written++;
	else
		note(r, err);
}

/* Writes the entries of hours before `before` (all of them when before is UINT64_MAX) and
 * rebuilds the table with the others. */
static void drain(struct ih_recorder *r, uint64_t before)
{
	uint32_t nkeep = 0;
	for (uint32_t i = 0; i < r->hcount; i++) {
		struct hentry *e = &r->h[i];
		if (e->hour < before)
			write_hourly(r, e);
		else
			r->h[nkeep++] = *e; /* kept entries move to the front, in order */
	}
	memset(r->hidx, 0, ((size_t)r->hmask + 1) * sizeof(*r->hidx));
	uint32_t n = nkeep;
	r->hcount = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct hentry keep = r->h[i];
		struct hentry *e = hget(r, &keep.host, keep.hour, keep.input);
		if (e)
			*e = keep;
	}
}

static void rec_on_packet(void *ctx, const struct ih_pkt *pkt)
{
	struct ih_recorder *r = ctx;
	if (r->prev_hook)
		r->prev_hook(r->prev_ctx, pkt);
	uint16_t idx = input_index(r);
	struct rinput *in = &r->in[idx];
	if (!in->pkts || pkt->ts_ns < in->first_ns)
		in->first_ns = pkt->ts_ns;
	if (pkt->ts_ns > in->last_ns)
		in->last_ns = pkt->ts_ns;
	in->pkts++;
	if (!pkt->has_icmp)
		return;
	uint64_t hour = pkt->ts_ns / NS_PER_HOUR;
	if (hour > r->cur_hour) {
		if (r->cur_hour && r->hcount * 2 >= r->hcap && hour >= 2) {
			drain(r, hour - 1);
			if (hour - 1 > r->horizon)
				r->horizon = hour - 1;
		}
		r->cur_hour = hour;
	}
	bool src_home = ih_config_is_home(&r->cfg, &pkt->src), dst_home = ih_config_is_home(&r->cfg, &pkt->dst);
	if (hour < r->horizon) {
		r->h_late++;
	} else {
		struct hentry *e;
		if (src_home && (e = hget(r, &pkt->src, hour, idx))) {
			e->pkts++;
			e->bytes += pkt->ip_len ? pkt->ip_len : pkt->wire_len;
			if ((unsigned)pkt->icmp_class < IH_ICMP_NCLASSES)
				e->cls[pkt->icmp_class]++;
			if (ih_icmp_is_probe(pkt->icmp_class))
				e->requests++;
			peer_add(e, &pkt->dst);
		}
		if (dst_home && (e = hget(r, &pkt->dst, hour, idx)))
			e->pkts_in++;
	}
	if (!src_home || dst_home || !ih_icmp_is_probe(pkt->icmp_class))
		return;
	struct {
		struct ih_addr s, d;
		uint16_t input;
	} key;
	memset(&key, 0, sizeof(key));
	key.s = pkt->src;
	key.d = pkt->dst;
	key.input = idx;
	uint32_t i = (uint32_t)XXH3_64bits_withSeed(&key, sizeof(key), r->seed ^ 0x9e37) & r->pmask;
	for (unsigned n = 0; n < PROBE; n++, i = (i + 1) & r->pmask) {
		struct pentry *p = &r->p[i];
		if (!p->used) {
			if (r->pcount >= r->pcap)
				break;
			p->used = 1;
			p->src = pkt->src;
			p->dst = pkt->dst;
			p->input = idx;
			p->first_ns = p->last_ns = pkt->ts_ns;
			r->pcount++;
		} else if (p->input != idx || !ih_addr_eq(&p->src, &pkt->src) || !ih_addr_eq(&p->dst, &pkt->dst)) {
			continue;
		}
		p->pkts++;
		if (pkt->ts_ns < p->first_ns)
			p->first_ns = pkt->ts_ns;
		if (pkt->ts_ns > p->last_ns)
			p->last_ns = pkt->ts_ns;
		return;
	}
	r->p_dropped++;
}

/* ------------------------------------------------------------------ public */

struct ih_recorder *ih_recorder_open(const char *target, const struct ih_store_opts *o, char *const *files,
				     size_t nfiles, const char *format, const struct ih_config *cfg, char *err,
				     size_t errlen)
{
	struct ih_recorder *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	r->cfg.history = NULL;
	snprintf(r->format, sizeof(r->format), "%s", format ? format : "pcap");
	/* keyed like the tracker's tables: addresses are chosen by whoever sends the packets */
	r->seed = cfg->track.seed ? cfg->track.seed ^ 0x5707eull : 0;
	if (!r->seed && getrandom(&r->seed, sizeof(r->seed), 0) != (ssize_t)sizeof(r->seed))
		r->seed = 0x243f6a8885a308d3ull ^ (uint64_t)(uintptr_t)r;
	r->in = calloc(nfiles ? nfiles : 1, sizeof(*r->in));
	r->exclude = calloc(nfiles ? nfiles : 1, 24);
	r->hcap = cfg->store_summary_capacity ? cfg->store_summary_capacity : 1;
	r->pcap = cfg->store_peer_capacity ? cfg->store_peer_capacity : 1;
	r->hmask = pow2_at_least((uint64_t)r->hcap * 2) - 1;
	r->pmask = pow2_at_least((uint64_t)r->pcap * 2) - 1;
	r->h = calloc(r->hcap, sizeof(*r->h));
	r->hidx = calloc((size_t)r->hmask + 1, sizeof(*r->hidx));
	r->p = calloc((size_t)r->pmask + 1, sizeof(*r->p));
	r->hc = calloc(HCACHE, sizeof(*r->hc));
	if (!r->in || !r->exclude || !r->h || !r->hidx || !r->p || !r->hc) {
		snprintf(err, errlen, "out of memory");
		ih_recorder_close(r);
		return NULL;
	}
	size_t n = 0;
	for (size_t i = 0; i < nfiles; i++) {
		r->in[i].name = strdup(files[i]);
		if (!r->in[i].name || !ih_input_id(files[i], r->in[i].id, sizeof(r->in[i].id), &r->in[i].size)) {
			snprintf(err, errlen, "cannot read %s", files[i]);
			r->nin = i + 1;
			ih_recorder_close(r);
			return NULL;
		}
		n += (size_t)snprintf(r->exclude + n, 24, "%s%s", i ? "," : "", r->in[i].id);
	}
	r->nin = nfiles;
	r->st = ih_store_open(target, o, err, errlen);
	if (!r->st) {
		ih_recorder_close(r);
		return NULL;
	}
	r->hist.ctx = r;
	r->hist.days = cfg->history_days > MAX_DAYS ? MAX_DAYS : cfg->history_days;
	r->hist.host_hour = host_hour;
	r->hist.peer_seen = peer_seen;
	return r;
}

const struct ih_history *ih_recorder_history(struct ih_recorder *r)
{
	return &r->hist;
}

struct ih_store *ih_recorder_store(struct ih_recorder *r)
{
	return r->st;
}

void ih_recorder_attach(struct ih_recorder *r, struct ih_pipeline *pl)
{
	r->prev_hook = pl->on_packet;
	r->prev_ctx = pl->on_packet_ctx;
	r->frame_file = &pl->frame_file;
	pl->on_packet = rec_on_packet;
	pl->on_packet_ctx = r;
}

bool ih_recorder_incident(struct ih_recorder *r, const json_t *incident, char *err, size_t errlen)
{
	if (!ih_store_put_incident(r->st, incident, r->nin ? r->in[0].id : NULL, err, errlen)) {
		note(r, err);
		return false;
	}
	r->incidents++;
	return true;
}

/* The input whose time span holds ns (the first when none does). */
static const char *input_of(const struct ih_recorder *r, uint64_t ns)
{
	for (size_t i = 0; i < r->nin; i++)
		if (r->in[i].pkts && ns >= r->in[i].first_ns && ns <= r->in[i].last_ns)
			return r->in[i].id;
	return r->nin ? r->in[0].id : NULL;
}

bool ih_recorder_finish(struct ih_recorder *r, const struct ih_findings *fs, json_t *stats, char *err,
			size_t errlen)
{
	char e[512];
	drain(r, UINT64_MAX);
	for (uint32_t i = 0; i <= r->pmask; i++) {
		const struct pentry *p = &r->p[i];
		if (!p->used)
			continue;
		char a[IH_ADDR_STRLEN], b[IH_ADDR_STRLEN];
		struct ih_store_peer row = { ih_addr_str(&p->src, a, sizeof(a)), ih_addr_str(&p->dst, b, sizeof(b)),
					     r->in[p->input].id, p->first_ns, p->last_ns, p->pkts };
		if (ih_store_put_peer(r->st, &row, e, sizeof(e)))
			r->p_written++;
		else
			note(r, e);
	}
	for (size_t i = 0; i < r->nin; i++) {
		const struct rinput *in = &r->in[i];
		struct ih_store_input row = { in->id, in->name, r->format, in->size, in->pkts ? in->first_ns : 0,
					      in->pkts ? in->last_ns : 0, in->pkts };
		if (!ih_store_put_input(r->st, &row, e, sizeof(e)))
			note(r, e);
	}
	for (size_t i = 0; i < fs->n; i++) {
		if (ih_store_put_finding(r->st, fs->v[i]->obj, input_of(r, fs->v[i]->first_ns), e, sizeof(e)))
			r->findings++;
		else
			note(r, e);
	}
	if (!ih_store_flush(r->st, e, sizeof(e)))
		note(r, e);

	const struct ih_store_stats *ss = ih_store_stats(r->st);
	json_t *o = json_object();
	json_object_set_new(o, "backend", json_string(ih_store_backend_name(r->st)));
	json_object_set_new(o, "location", json_string(ih_store_where(r->st)));
	json_object_set_new(o, "sensor", json_string(ih_store_sensor(r->st)));
	json_t *ins = json_array();
	for (size_t i = 0; i < r->nin; i++)
		json_array_append_new(ins, json_pack("{s:s,s:s}", "name", r->in[i].name, "id", r->in[i].id));
	json_object_set_new(o, "inputs", ins);
	json_object_set_new(o, "findings", json_integer((json_int_t)r->findings));
	json_object_set_new(o, "incidents", json_integer((json_int_t)r->incidents));
	json_object_set_new(o, "hourly_rows", json_integer((json_int_t)r->h_written));
	json_object_set_new(o, "hourly_capacity", json_integer(r->hcap));
	json_object_set_new(o, "hourly_dropped", json_integer((json_int_t)r->h_dropped));
	json_object_set_new(o, "hourly_late", json_integer((json_int_t)r->h_late));
	json_object_set_new(o, "peer_rows", json_integer((json_int_t)r->p_written));
	json_object_set_new(o, "peers_dropped", json_integer((json_int_t)r->p_dropped));
	json_object_set_new(o, "rows_committed", json_integer((json_int_t)ss->rows_committed));
	json_object_set_new(o, "batches", json_integer((json_int_t)ss->batches));
	json_object_set_new(o, "retries", json_integer((json_int_t)ss->retries));
	json_object_set_new(o, "reconnects", json_integer((json_int_t)ss->reconnects));
	json_t *h = json_object();
	json_object_set_new(h, "queries", json_integer((json_int_t)r->queries));
	json_object_set_new(h, "unanswered", json_integer((json_int_t)r->unanswered));
	json_object_set_new(h, "errors", json_integer((json_int_t)r->q_errors));
	if (r->q_errors)
		json_object_set_new(h, "first_error", json_string(r->q_err));
	json_object_set_new(o, "history", h);
	json_object_set_new(o, "memory_bytes",
			    json_integer((json_int_t)((size_t)r->hcap * sizeof(struct hentry) +
						      ((size_t)r->hmask + 1) * sizeof(uint64_t) +
						      ((size_t)r->pmask + 1) * sizeof(struct pentry) +
						      HCACHE * sizeof(struct hcache))));
	json_object_set_new(o, "ok", json_boolean(!r->failed));
	if (r->failed)
		json_object_set_new(o, "error", json_string(r->fail_err));
	if (stats)
		json_object_set_new(stats, "store", o);
	else
		json_decref(o);
	if (r->failed) {
		snprintf(err, errlen, "%s", r->fail_err);
		return false;
	}
	return true;
}

void ih_recorder_close(struct ih_recorder *r)
{
	if (!r)
		return;
	char err[256];
	if (r->st)
		ih_store_close(r->st, err, sizeof(err));
	for (size_t i = 0; i < r->nin; i++)
		free(r->in[i].name);
	free(r->in);
	free(r->exclude);
	free(r->h);
	free(r->hidx);
	free(r->p);
	free(r->hc);
	free(r);
}

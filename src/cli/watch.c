/* watch.c — `icmphound watch -i IFACE`: live capture through the same pipeline as analyze,
 * findings written as they happen, the process behind the traffic named from /proc.
 *
 * Order of things, for privilege's sake: options, then the capture (and its BPF filter), the
 * output file and the endpoint logs are opened, /proc is opened for the sampler; then root
 * and capabilities are dropped (privs.h) and only then does any thread start or any packet
 * get read. The run loop comes back at least every 100 ms (libpcap's read timeout) to:
 *   - end records that went quiet (ih_track_tick with the wall clock, only when no packet
 *     arrived since the last tick: see track.h),
 *   - attribute the conversations the sampler has had time to see (attribution lines),
 *   - write a stats line every --stats-interval seconds,
 *   - stop at --duration.
 *   - every --judge-interval seconds of packet time, let the detectors judge the pair records
 *     still live and the sweep, flood and lateral movement episodes still open
 *     (ih_pipeline_judge_live), so that a tunnel, a beacon or a sweep is reported while it
 *     runs rather than when it ends.
 * Findings are written from the findings' on_add callback, one flushed line each. Only claims
 * (severity low and above) are written from a live judgement; informational findings wait
 * for their record to end. A finding judged live is remembered (by its id, or its episode's
 * key for a sweep or flood, whose id changes as the range grows) until its record or episode
 * ends: judged again, it is written again only when graver; at the end its final form is
 * written, naming the id it supersedes when that changed. Each finding written is kept (a reference to its JSON) with the other
 * findings of its host, and the host's incident is rebuilt from them and written after it
 * (an incident line may be written again, updated, under the same id; consumers keep the last
 * line of each id). The collection itself is emptied at each tick, so that a long watch keeps
 * no more than max_findings findings.
 * SIGINT / SIGTERM stop the capture (pcap_breakloop); then every record is ended, the last
 * findings and attributions written, every incident once more (built from all findings, so
 * with its related incidents), and the final stats line ("final": true). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli/commands.h"
#include "cli/endpoint_cli.h"
#include "cli/pipeline.h"
#include "cli/privs.h"
#include "cli/sandbox.h"
#include "cli/settings.h"
#include "decode/decode.h"
#include "endpoint/attrib.h"
#include "endpoint/sampler.h"
#include "report/incident.h"
#include "report/sink.h"
#include "source/live.h"

static struct ih_live *volatile running_live;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
	if (running_live)
		ih_live_stop(running_live);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound watch -i IFACE [options]\n"
		"\n"
		"Captures live and reports ICMP abuse as it happens, naming the process, user and\n"
		"executable behind this host's ICMP (Linux, from /proc). Stops on SIGINT/SIGTERM,\n"
		"--duration or --count, and writes everything still pending before it exits.\n"
		"\n"
		"  -i, --interface IFACE     capture here (\"any\": every interface)\n"
		"      --filter BPF          capture filter (pcap-filter(7)), e.g. 'icmp or icmp6 or tcp'\n"
		"  -f, --format text|jsonl   one line per finding as text (default) or JSON lines\n"
		"  -o, --output FILE         write there instead of standard output\n"
		"      --stats-interval S    a stats line every S seconds (default 60; 0: only the last)\n"
		"      --judge-interval S    judge the records still active every S seconds of packet\n"
		"                            time (default 10; 0: only when they end)\n"
		"      --duration S          stop after S seconds\n"
		"      --count N             stop after N packets\n"
		"      --no-attribution      do not sample /proc for the sending processes\n"
		"      --sample-ms N         how often /proc is sampled (default 150; 20..5000)\n"
		"      --user NAME           run as NAME once the capture is open (root only; default\n"
		"                            \"nobody\"; docs/PRIVILEGES.md)\n"
		"      --no-promisc          do not put the interface in promiscuous mode\n"
		"      --snaplen N           bytes captured per packet (default 262144)\n"
		"      --buffer-mb N         kernel capture buffer (default 8)\n"
		"      --config FILE / --no-config / --home / --monitor / --mem-cap / --seed / --set\n"
		"                            as for analyze\n"
		IH_EP_CLI_USAGE
		"  -h, --help\n"
		"\n"
		"Exit status: 0 stopped as asked; 1 usage; 2 cannot capture on IFACE, bad filter, or an\n"
		"input/output cannot be opened; 3 the capture failed while running (what was found is\n"
		"written); 4 internal error, dropping privileges failed, or the output could not be\n"
		"written.\n");
}

/* ---- findings written from a judgement of a live record or open episode, until it ends: by
 * key (the finding's id; an episode's key for a sweep or a flood, whose id changes as it
 * grows), the id and severity last written under it.
 * Open addressing with tombstones; bounded: past half full it is emptied (counted), which can
 * at worst let a finding be written a second time when its record ends. */
#define IDSET_CAP (1u << 16)
#define IDSET_EMPTY 0ull
#define IDSET_GONE 1ull

struct ident {
	uint64_t k;       /* IDSET_EMPTY, IDSET_GONE or a key */
	uint64_t id;      /* the id last written under it (the 16 hex digits) */
	uint8_t sev;      /* its severity */
};

struct idset {
	struct ident *v;
	uint32_t n, gone;
	uint64_t resets;
};

static uint64_t id_bits(const char *id)
{
	return strtoull(id + 2, NULL, 16);
}

static uint64_t idset_key(uint64_t k)
{
	return k < 2 ? k + 2 : k;
}

static struct ident *idset_slot(struct idset *s, uint64_t k, bool insert)
{
	uint32_t i = (uint32_t)(k * 0x9e3779b97f4a7c15ull >> 48) & (IDSET_CAP - 1);
	struct ident *tomb = NULL;
	for (uint32_t n = 0; n < IDSET_CAP; n++, i = (i + 1) & (IDSET_CAP - 1)) {
		if (s->v[i].k == k)
			return &s->v[i];
		if (s->v[i].k == IDSET_GONE && !tomb)
			tomb = &s->v[i];
		if (s->v[i].k == IDSET_EMPTY)
			return insert ? (tomb ? tomb : &s->v[i]) : NULL;
	}
	return insert ? tomb : NULL;
}

static struct ident *idset_get(struct idset *s, uint64_t k)
{
	return s->v ? idset_slot(s, k, false) : NULL;
}

static void idset_del(struct idset *s, uint64_t k)
{
	struct ident *p = idset_get(s, k);
	if (p) {
		p->k = IDSET_GONE;
		s->n--;
		s->gone++;
	}
}

static void idset_put(struct idset *s, uint64_t k, uint64_t id, uint8_t sev)
{
	if (!s->v && !(s->v = calloc(IDSET_CAP, sizeof(*s->v))))
		return;
	struct ident *p = idset_slot(s, k, false);
	if (p) {
		p->id = id;
		p->sev = sev;
		return;
	}
	if (s->n + s->gone >= IDSET_CAP / 2) {
		if (s->n >= IDSET_CAP / 4)
			s->resets++; /* too many live: forget them all */
		else {
			/* mostly tombstones: rebuild with the live ones */
			struct ident *old = s->v;
			if (!(s->v = calloc(IDSET_CAP, sizeof(*s->v)))) {
				s->v = old;
				return;
			}
			s->n = s->gone = 0;
			for (uint32_t i = 0; i < IDSET_CAP; i++)
				if (old[i].k > IDSET_GONE) {
					*idset_slot(s, old[i].k, true) = old[i];
					s->n++;
				}
			free(old);
			if (s->n + s->gone < IDSET_CAP / 2)
				goto add;
			s->resets++;
		}
		memset(s->v, 0, IDSET_CAP * sizeof(*s->v));
		s->n = s->gone = 0;
	}
add:
	p = idset_slot(s, k, true);
	if (p) {
		if (p->k == IDSET_GONE)
			s->gone--;
		*p = (struct ident){ .k = k, .id = id, .sev = sev };
		s->n++;
	}
}

/* ---- findings written, by the host whose incident they belong to (its src; a flood's victim
 * when the sender is unknown), so that the host's incident can be rebuilt when one is added */
struct host_group {
	struct ih_addr primary;
	bool target;                /* primary_role target (a flood from unknown senders) */
	bool dirty;                 /* a finding was added since its incident was last written */
	struct ih_finding **v;      /* owned copies sharing the written JSON */
	size_t n, cap;
	char id[24];                /* the id its incident was last written under */
};

struct groups {
	struct host_group *g;
	size_t n, cap;
	uint32_t *index;            /* group number + 1; imask + 1 slots */
	uint32_t imask;
	uint64_t seed;
	size_t kept, limit;         /* findings kept, and at most */
	uint64_t not_kept;          /* written but not kept past the limit (their incident misses them) */
};

static bool addr_unspecified(const struct ih_addr *a)
{
	size_t n = a->family == IH_AF_INET ? 4 : 16;
	for (size_t i = 0; i < n; i++)
		if (a->b[i])
			return false;
	return true;
}

static uint32_t group_hash(const struct groups *gs, const struct ih_addr *a, bool target)
{
	uint8_t key[18];
	key[0] = a->family;
	memcpy(key + 1, a->b, 16);
	key[17] = target;
	return (uint32_t)XXH3_64bits_withSeed(key, sizeof(key), gs->seed);
}

static struct host_group *group_of(struct groups *gs, const struct ih_finding *f)
{
	struct ih_addr primary = f->src;
	bool target = false;
	if (addr_unspecified(&f->src)) {
		struct ih_addr victim;
		if (ih_addr_parse(f->dst_key, &victim)) {
			primary = victim;
			target = true;
		}
	}
	if (!gs->index || (gs->n + 1) * 2 > (size_t)gs->imask + 1) {
		uint32_t slots = gs->index ? (gs->imask + 1) * 2 : 256;
		uint32_t *ix = calloc(slots, sizeof(*ix));
		if (!ix)
			return NULL;
		if (!gs->index && getrandom(&gs->seed, sizeof(gs->seed), 0) != sizeof(gs->seed))
			gs->seed = (uint64_t)(uintptr_t)gs ^ 0x9e3779b97f4a7c15ull;
		free(gs->index);
		gs->index = ix;
		gs->imask = slots - 1;
		for (size_t k = 0; k < gs->n; k++) {
			uint32_t i = group_hash(gs, &gs->g[k].primary, gs->g[k].target) & gs->imask;
			while (gs->index[i])
				i = (i + 1) & gs->imask;
			gs->index[i] = (uint32_t)k + 1;
		}
	}
	uint32_t i = group_hash(gs, &primary, target) & gs->imask;
	for (; gs->index[i]; i = (i + 1) & gs->imask) {
		struct host_group *g = &gs->g[gs->index[i] - 1];
		if (g->target == target && ih_addr_eq(&g->primary, &primary))
			return g;
	}
	if (gs->n == gs->cap) {
		size_t nc = gs->cap ? gs->cap * 2 : 64;
		struct host_group *ng = realloc(gs->g, nc * sizeof(*ng));
		if (!ng)
			return NULL;
		gs->g = ng;
		gs->cap = nc;
	}
	struct host_group *g = &gs->g[gs->n];
	memset(g, 0, sizeof(*g));
	g->primary = primary;
	g->target = target;
	gs->index[i] = (uint32_t)++gs->n;
	return g;
}

/* Keeps a copy of a written finding (sharing its JSON) in its host's group; in place of the
 * finding written as `supersedes` (an id), or of an earlier line of its own id, when there. */
static struct host_group *group_keep(struct groups *gs, const struct ih_finding *f, const char *supersedes)
{
	struct host_group *og = group_of(gs, f);
	const char *own = json_string_value(json_object_get(f->obj, "id"));
	for (size_t i = 0; og && i < og->n; i++) {
		const char *oid = json_string_value(json_object_get(og->v[i]->obj, "id"));
		if (!oid || !((supersedes && strcmp(oid, supersedes) == 0) || (own && strcmp(oid, own) == 0)))
			continue;
		struct ih_finding *c = malloc(sizeof(*c));
		if (!c)
			break;
		*c = *f;
		json_incref(c->obj);
		ih_finding_free(og->v[i]);
		og->v[i] = c;
		og->dirty = true;
		return og;
	}

	if (gs->kept >= gs->limit) {
		gs->not_kept++;
		return NULL;
	}
	struct host_group *g = group_of(gs, f);
	if (!g) {
		gs->not_kept++;
		return NULL;
	}
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 8;
		struct ih_finding **nv = realloc(g->v, nc * sizeof(*nv));
		if (!nv) {
			gs->not_kept++;
			return NULL;
		}
		g->v = nv;
		g->cap = nc;
	}
	struct ih_finding *c = malloc(sizeof(*c));
	if (!c) {
		gs->not_kept++;
		return NULL;
	}
	*c = *f;
	json_incref(c->obj);
	g->v[g->n++] = c;
	gs->kept++;
	g->dirty = true;
	return g;
}

static void groups_free(struct groups *gs)
{
	for (size_t k = 0; k < gs->n; k++) {
		for (size_t i = 0; i < gs->g[k].n; i++)
			ih_finding_free(gs->g[k].v[i]);
		free(gs->g[k].v);
	}
	free(gs->g);
	free(gs->index);
	memset(gs, 0, sizeof(*gs));
}

struct watch {
	struct ih_pipeline *pl;
	struct ih_live *live;
	struct ih_endpoint *ep;
	FILE *out;
	bool jsonl, color, write_failed, finishing;
	uint64_t count;             /* --count, 0: none */
	uint64_t deadline_ns;       /* monotonic, 0: none */
	uint64_t stats_every_ns;    /* 0: none */
	uint64_t next_stats_ns;
	uint64_t start_ns;          /* monotonic */
	uint64_t last_tick_frames, last_track_tick_ns;
	uint64_t findings_written, attributions_written, incidents_written;
	uint64_t judge_every_ns;    /* packet time between live judgements; 0: none */
	uint64_t next_judge_ns;     /* packet time of the next one; 0: not yet set */
	bool judging;               /* inside a live judgement */
	unsigned depth;             /* nesting of on_finding (suspicious_process adds from inside) */
	uint64_t live_judged;       /* findings written from a judgement of a live record */
	uint64_t repeats_skipped;   /* the same finding again: judged again, or its record ended */
	uint64_t updates;           /* written again: graver, or final under a new id (supersedes) */
	struct idset judged_ids;
	struct groups groups;
	uint64_t by_sev[IH_SEV_CRITICAL + 1];
	const char *stop_reason;
	struct ih_privs_report privs;
	bool privs_dropped;
	/* libpcap's counters when the capture stopped: the final stats line reports these, not
	 * what the kernel counted on afterwards (while every record is ended and the last lines
	 * are written, a flood still arriving fills the ring nobody reads and would be counted
	 * as dropped) */
	struct ih_live_stats cap_at_stop;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_json(struct watch *w, json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (!s || fputs(s, w->out) < 0 || fputc('\n', w->out) == EOF || fflush(w->out) != 0)
		w->write_failed = true;
	free(s);
}

static void put_text(struct watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_text(struct watch *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vfprintf(w->out, fmt, ap) < 0 || fflush(w->out) != 0)
		w->write_failed = true;
	va_end(ap);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "?";
}

static void text_process(struct watch *w, json_t *p)
{
	json_t *pid = json_object_get(p, "pid");
	put_text(w, "           process: pid %lld, %s, user %s (%s socket, matched by %s)\n",
		 (long long)json_integer_value(pid), jstr(p, "exe"), jstr(p, "user"), jstr(p, "socket"),
		 jstr(p, "match"));
}

/* One incident line (JSON) or its two summary lines (text). `previous`: the id this host's
 * incident was last written under, when it differs (an earlier finding came later). */
static void write_incident(struct watch *w, const struct ih_incident *inc, const char *previous)
{
	w->incidents_written++;
	if (previous && previous[0] && strcmp(previous, inc->id) != 0)
		json_object_set_new(inc->obj, "supersedes", json_string(previous));
	if (w->jsonl) {
		put_json(w, inc->obj);
		return;
	}
	char t[40];
	put_text(w, "%s incident %s%s%s\n", ih_time_str(inc->last_ns, t, sizeof(t)), inc->id,
		 previous && previous[0] && strcmp(previous, inc->id) ? " (replaces " : "",
		 previous && previous[0] && strcmp(previous, inc->id) ? previous : "");
	ih_incident_line(w->out, inc, w->color);
	if (ferror(w->out) || fflush(w->out) != 0)
		w->write_failed = true;
}

/* Rebuilds and writes the incident of every host that got a finding since its last one. */
static void write_dirty_incidents(struct watch *w)
{
	struct groups *gs = &w->groups;
	for (size_t k = 0; k < gs->n; k++) {
		struct host_group *g = &gs->g[k];
		if (!g->dirty)
			continue;
		g->dirty = false;
		struct ih_findings one = { .v = g->v, .n = g->n, .cap = g->n, .cap_alloc = g->n };
		ih_findings_sort(&one);
		struct ih_incidents is;
		if (!ih_incidents_build(&is, &one, &w->pl->cfg))
			continue;
		for (size_t i = 0; i < is.n; i++) {
			write_incident(w, &is.v[i], g->id);
			snprintf(g->id, sizeof(g->id), "%s", is.v[i].id);
		}
		ih_incidents_free(&is);
	}
}

/* At the end: every incident once more, built from every finding kept (so with its related
 * incidents), most severe first. */
static void write_final_incidents(struct watch *w)
{
	struct groups *gs = &w->groups;
	if (!gs->kept)
		return;
	struct ih_finding **all = malloc(gs->kept * sizeof(*all));
	if (!all) {
		write_dirty_incidents(w);
		return;
	}
	size_t n = 0;
	for (size_t k = 0; k < gs->n; k++)
		for (size_t i = 0; i < gs->g[k].n; i++)
			all[n++] = gs->g[k].v[i];
	struct ih_findings every = { .v = all, .n = n, .cap = n, .cap_alloc = n };
	ih_findings_sort(&every);
	struct ih_incidents is;
	if (ih_incidents_build(&is, &every, &w->pl->cfg)) {
		for (size_t i = 0; i < is.n; i++) {
			const struct ih_incident *inc = &is.v[i];
			struct host_group *g = NULL;
			for (size_t k = 0; k < gs->n && !g; k++)
				if (gs->g[k].target == inc->primary_target && ih_addr_eq(&gs->g[k].primary, &inc->primary))
					g = &gs->g[k];
			write_incident(w, inc, g ? g->id : NULL);
			if (g) {
				snprintf(g->id, sizeof(g->id), "%s", inc->id);
				g->dirty = false;
			}
		}
		ih_incidents_free(&is);
	} else {
		write_dirty_incidents(w);
	}
	free(all);
}

/* The findings' on_add: skip a finding already written from a live judgement, attribute,
 * write, keep it for its host's incident, add the suspicious_process findings it raised, then
 * write the incidents that changed. */
static void on_finding(void *ctx, const struct ih_finding *cf)
{
	struct watch *w = ctx;
	struct ih_finding *f = (struct ih_finding *)cf; /* owned by the collection, ours to dress */
	char id[24];
	uint64_t idb = id_bits(ih_finding_id(f, id, sizeof(id)));
	uint64_t key = idset_key(f->episode ? f->episode : idb);
	struct ident *seen = idset_get(&w->judged_ids, key);
	char old[24] = "";
	if (seen) {
		/* written already, from an earlier judgement of the same record or episode. Judged
		 * again while it goes on, it is written again only when graver; when the record or
		 * episode ends, its final form is written (complete evidence), under the same id or,
		 * when that changed (a sweep's range grew), naming the line it supersedes; the key
		 * is forgotten then, as it will not come back. */
		bool graver = f->severity > seen->sev, other = seen->id != idb;
		if (other)
			snprintf(old, sizeof(old), "F-%016llx", (unsigned long long)seen->id);
		if (w->judging && !graver) {
			w->repeats_skipped++;
			return;
		}
		if (w->judging)
			idset_put(&w->judged_ids, key, idb, (uint8_t)f->severity);
		else
			idset_del(&w->judged_ids, key);
		w->updates++;
		if (other)
			json_object_set_new(f->obj, "supersedes", json_string(old));
	} else if (w->judging && f->severity < IH_SEV_LOW) {
		/* context, not a claim: it waits for its record to end, when it is judged on all
		 * of it (a few big pings early on are path-MTU probes; many later are not) */
		return;
	} else if (w->judging) {
		idset_put(&w->judged_ids, key, idb, (uint8_t)f->severity);
		w->live_judged++;
	}
	w->depth++;
	if (w->ep)
		ih_endpoint_attribute(w->ep, f, w->finishing);
	json_object_set_new(f->obj, "id", json_string(id));
	w->findings_written++;
	w->by_sev[f->severity <= IH_SEV_CRITICAL ? f->severity : 0]++;
	if (w->jsonl) {
		put_json(w, f->obj);
	} else {
		char t[40];
		put_text(w, "%s %-8s %-18s %s -> %s  conf %.2f  %s\n", ih_time_str(f->last_ns, t, sizeof(t)),
			 ih_sev_name(f->severity), f->kind, jstr(f->obj, "src"), f->dst_key, f->confidence,
			 jstr(f->obj, "summary"));
		json_t *p = json_object_get(f->evidence, "process");
		if (p)
			text_process(w, p);
		else if (json_object_get(f->evidence, "attribution"))
			put_text(w, "           process: %s\n", jstr(f->evidence, "attribution"));
	}
	group_keep(&w->groups, f, old[0] ? old : NULL);
	if (w->ep)
		ih_endpoint_flush(w->ep);
	w->depth--;
	if (!w->depth && !w->finishing && !w->judging)
		write_dirty_incidents(w);
}

static void on_attribution(void *ctx, json_t *line)
{
	struct watch *w = ctx;
	w->attributions_written++;
	if (w->jsonl) {
		put_json(w, line);
		return;
	}
	json_t *p = json_object_get(line, "process");
	json_t *id = json_object_get(line, "echo_id");
	char ids[16] = "-";
	if (json_is_integer(id))
		snprintf(ids, sizeof(ids), "%lld", (long long)json_integer_value(id));
	put_text(w, "%s process  %s -> %s (echo id %s, %lld requests): ", jstr(line, "first_seen"),
		 jstr(line, "src"), jstr(line, "dst"), ids,
		 (long long)json_integer_value(json_object_get(line, "requests")));
	if (p)
		put_text(w, "pid %lld %s user %s%s\n", (long long)json_integer_value(json_object_get(p, "pid")),
			 jstr(p, "exe"), jstr(p, "user"),
			 json_is_true(json_object_get(line, "suspicious")) ? "  [suspicious]" : "");
	else
		put_text(w, "%s\n", jstr(line, "attribution"));
}

static json_t *stats_line(struct watch *w, enum ih_source_status st, const char *error, bool final)
{
	json_t *o = ih_pipeline_stats(w->pl, NULL, st == IH_SRC_READ_ERROR ? st : IH_SRC_OK, error);
	/* findings are freed once written: count what was written */
	json_object_set_new(o, "findings", json_integer((json_int_t)w->findings_written));
	json_object_set_new(o, "incidents", json_integer((json_int_t)w->incidents_written));
	json_t *lj = json_object();
	json_object_set_new(lj, "interval_s", json_real((double)(w->judge_every_ns / 1000000ull) / 1000.0));
	json_object_set_new(lj, "passes", json_integer((json_int_t)w->pl->judge_passes));
	json_object_set_new(lj, "findings", json_integer((json_int_t)w->live_judged));
	json_object_set_new(lj, "repeats_skipped", json_integer((json_int_t)w->repeats_skipped));
	json_object_set_new(lj, "updates", json_integer((json_int_t)w->updates));
	json_object_set_new(lj, "ids_forgotten", json_integer((json_int_t)w->judged_ids.resets));
	json_object_set_new(lj, "incident_findings_not_kept", json_integer((json_int_t)w->groups.not_kept));
	json_object_set_new(o, "live_judgement", lj);
	json_object_set_new(o, "live", json_true());
	json_object_set_new(o, "final", json_boolean(final));
	json_object_set_new(o, "interface", json_string(ih_live_iface(w->live)));
	struct ih_live_stats ls;
	if (final && w->cap_at_stop.valid)
		ls = w->cap_at_stop;
	else
		ih_live_stats(w->live, &ls);
	json_t *cap = json_object();
	if (ls.valid) {
		json_object_set_new(cap, "ps_recv", json_integer((json_int_t)ls.received));
		json_object_set_new(cap, "ps_drop", json_integer((json_int_t)ls.dropped));
		json_object_set_new(cap, "ps_ifdrop", json_integer((json_int_t)ls.ifdropped));
	}
	json_object_set_new(o, "capture", cap);
	json_object_set_new(o, "uptime_s", json_real((double)((mono_ns() - w->start_ns) / 1000000ull) / 1000.0));
	json_object_set_new(o, "attributions", json_integer((json_int_t)w->attributions_written));
	if (final && w->stop_reason)
		json_object_set_new(o, "stopped_by", json_string(w->stop_reason));
	json_t *pv = json_object();
	json_object_set_new(pv, "user", json_string(w->privs.user));
	json_object_set_new(pv, "uid", json_integer(w->privs.uid));
	json_t *caps = json_array();
	if (w->privs.kept_ptrace)
		json_array_append_new(caps, json_string("CAP_SYS_PTRACE"));
	if (w->privs.kept_dac_read_search)
		json_array_append_new(caps, json_string("CAP_DAC_READ_SEARCH"));
	json_object_set_new(pv, "capabilities", caps);
	json_object_set_new(o, "privileges", pv);
	return o;
}

static void write_stats(struct watch *w, enum ih_source_status st, const char *error, bool final)
{
	json_t *o = stats_line(w, st, error, final);
	if (w->jsonl) {
		put_json(w, o);
	} else {
		json_t *cap = json_object_get(o, "capture");
		put_text(w, "%s stats: %lld packets (%lld ICMP), %llu findings, %llu attributions, capture drops %lld+%lld\n",
			 final ? "==" : "--", (long long)json_integer_value(json_object_get(o, "packets")),
			 (long long)json_integer_value(json_object_get(o, "icmp_packets")),
			 (unsigned long long)w->findings_written, (unsigned long long)w->attributions_written,
			 (long long)json_integer_value(json_object_get(cap, "ps_drop")),
			 (long long)json_integer_value(json_object_get(cap, "ps_ifdrop")));
		if (final) {
			put_text(w, "== findings by severity: critical %llu, high %llu, medium %llu, low %llu, info %llu\n",
				 (unsigned long long)w->by_sev[IH_SEV_CRITICAL], (unsigned long long)w->by_sev[IH_SEV_HIGH],
				 (unsigned long long)w->by_sev[IH_SEV_MEDIUM], (unsigned long long)w->by_sev[IH_SEV_LOW],
				 (unsigned long long)w->by_sev[IH_SEV_INFO]);
			if (error)
				put_text(w, "== capture did not end cleanly: %s\n", error);
		}
	}
	json_decref(o);
}

/* Written findings are not kept: they are freed here, outside any callback. */
static void trim_findings(struct ih_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		ih_finding_free(fs->v[i]);
	fs->n = 0;
}

/* Every judge_every_ns of packet time (the track's clock: packet time, or the wall clock in
 * a quiet period), the pair records still live are judged. */
static void maybe_judge(struct watch *w)
{
	if (!w->judge_every_ns)
		return;
	uint64_t now = ih_track_now(w->pl->track);
	if (!now)
		return;
	if (!w->next_judge_ns) {
		w->next_judge_ns = now + w->judge_every_ns;
		return;
	}
	if (now < w->next_judge_ns)
		return;
	w->next_judge_ns = now + w->judge_every_ns;
	w->judging = true;
	if (!ih_pipeline_judge_live(w->pl))
		w->judge_every_ns = 0; /* out of memory: judge only when records end */
	w->judging = false;
	if (w->ep)
		ih_endpoint_flush(w->ep);
	write_dirty_incidents(w);
}

static void on_frame(void *ctx, const struct ih_frame *fr)
{
	struct watch *w = ctx;
	ih_pipeline_frame(w->pl, fr);
	maybe_judge(w);
	if (w->count && w->pl->frames >= w->count && !ih_live_stopped(w->live)) {
		w->stop_reason = "count";
		ih_live_stop(w->live);
	}
}

static void on_tick(void *ctx)
{
	struct watch *w = ctx;
	uint64_t mono = mono_ns();
	uint64_t wall = ih_ep_now_ns();
	/* quiet period: let the wall clock be packet time, once a second at most */
	if (w->pl->frames == w->last_tick_frames && mono - w->last_track_tick_ns >= 1000000000ull) {
		ih_track_tick(w->pl->track, wall);
		w->last_track_tick_ns = mono;
	}
	w->last_tick_frames = w->pl->frames;
	maybe_judge(w);
	if (w->ep)
		ih_endpoint_tick(w->ep, wall, on_attribution, w);
	trim_findings(&w->pl->findings);
	if (w->stats_every_ns && mono >= w->next_stats_ns) {
		write_stats(w, IH_SRC_OK, NULL, false);
		w->next_stats_ns = mono + w->stats_every_ns;
	}
	if (w->deadline_ns && mono >= w->deadline_ns && !ih_live_stopped(w->live)) {
		w->stop_reason = "duration";
		ih_live_stop(w->live);
	}
	if (w->write_failed && !ih_live_stopped(w->live)) {
		w->stop_reason = "output error";
		ih_live_stop(w->live);
	}
}

static bool number(const char *s, double max, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(d) || d < 0 || d > max)
		return false;
	*out = d;
	return true;
}

int ih_cmd_watch(int argc, char **argv)
{
	enum { O_FILTER = 256,
	       O_STATS, O_DURATION, O_COUNT, O_NOATTR, O_SAMPLE, O_USER, O_NOPROMISC, O_SNAPLEN,
	       O_BUFFER, O_JUDGE };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "judge-interval", required_argument, NULL, O_JUDGE },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "count", required_argument, NULL, O_COUNT },
		{ "no-attribution", no_argument, NULL, O_NOATTR },
		{ "sample-ms", required_argument, NULL, O_SAMPLE },
		{ "user", required_argument, NULL, O_USER },
		{ "no-promisc", no_argument, NULL, O_NOPROMISC },
		{ "snaplen", required_argument, NULL, O_SNAPLEN },
		{ "buffer-mb", required_argument, NULL, O_BUFFER },
		IH_CLI_SETTINGS_LONGOPTS,
		IH_EP_CLI_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ih_cli_settings settings;
	memset(&settings, 0, sizeof(settings));
	struct ih_live_config lc;
	ih_live_config_default(&lc);
	struct ih_ep_cli epc;
	ih_ep_cli_init(&epc);
	struct watch w;
	memset(&w, 0, sizeof(w));
	double stats_s = 60, judge_s = 10, duration_s = 0, count = 0, sample_ms = 150, d;
	bool attribution = true;
	const char *outpath = NULL, *user = NULL;
	char err[512], warn[512];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:f:o:h", longopts, NULL)) != -1) {
		int shared = ih_cli_settings_option(&settings, c, optarg, "watch");
		if (shared < 0)
			return IH_EXIT_USAGE;
		if (shared > 0)
			continue;
		switch (c) {
		case 'i': lc.iface = optarg; break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				w.jsonl = true;
			else if (strcmp(optarg, "text") == 0)
				w.jsonl = false;
			else {
				fprintf(stderr, "icmphound watch: unknown format '%s' (text or jsonl)\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case O_FILTER: lc.filter = optarg; break;
		case O_STATS:
		case O_JUDGE:
		case O_DURATION:
		case O_COUNT:
		case O_SAMPLE:
		case O_SNAPLEN:
		case O_BUFFER:
			if (!number(optarg, c == O_COUNT ? 1e15 : 1e9, &d) ||
			    (c == O_SAMPLE && (d < 20 || d > 5000)) || (c == O_SNAPLEN && (d < 64 || d > 262144)) ||
			    (c == O_BUFFER && (d < 1 || d > 2048))) {
				const char *name = c == O_STATS ? "stats-interval" : c == O_JUDGE ? "judge-interval"
						 : c == O_DURATION ? "duration"
						 : c == O_COUNT ? "count" : c == O_SAMPLE ? "sample-ms"
						 : c == O_SNAPLEN ? "snaplen" : "buffer-mb";
				fprintf(stderr, "icmphound watch: bad value '%s' for --%s\n", optarg, name);
				return IH_EXIT_USAGE;
			}
			if (c == O_STATS)
				stats_s = d;
			else if (c == O_JUDGE)
				judge_s = d;
			else if (c == O_DURATION)
				duration_s = d;
			else if (c == O_COUNT)
				count = d;
			else if (c == O_SAMPLE)
				sample_ms = d;
			else if (c == O_SNAPLEN)
				lc.snaplen = (int)d;
			else
				lc.buffer_mb = (int)d;
			break;
		case O_NOATTR: attribution = false; break;
		case O_USER: user = optarg; break;
		case O_NOPROMISC: lc.promisc = false; break;
		case IH_EP_OPT_LOG:
		case IH_EP_OPT_FORMAT:
		case IH_EP_OPT_HOST:
		case IH_EP_OPT_SLACK:
		case IH_EP_OPT_WINDOW:
			if (!ih_ep_cli_option(&epc, c, optarg, err, sizeof(err))) {
				fprintf(stderr, "icmphound watch: %s\n", err);
				return IH_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "icmphound watch: unexpected argument '%s'\n", argv[optind]);
		return IH_EXIT_USAGE;
	}
	if (!lc.iface) {
		fprintf(stderr, "icmphound watch: no interface given (-i IFACE)\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	struct ih_config cfg;
	if (!ih_cli_configure(&settings, &cfg, "watch"))
		return IH_EXIT_USAGE;
	if (user) {
		struct passwd pw, *pr = NULL;
		char pwbuf[4096];
		if (getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &pr) != 0 || !pr) {
			fprintf(stderr, "icmphound watch: --user: no user '%s'\n", user);
			return IH_EXIT_USAGE;
		}
		if (geteuid() != 0)
			fprintf(stderr, "icmphound watch: warning: --user needs root; staying %s\n", "as started");
	}

	/* ---- open everything while privileged */
	struct ih_live *live = ih_live_open(&lc, err, sizeof(err), warn, sizeof(warn));
	if (!live) {
		fprintf(stderr, "icmphound watch: %s\n", err);
		return IH_EXIT_OPEN;
	}
	if (warn[0])
		fprintf(stderr, "icmphound watch: warning: %s\n", warn);
	FILE *out = stdout;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "icmphound watch: cannot write %s: %s\n", outpath, strerror(errno));
		ih_live_close(live);
		return IH_EXIT_OPEN;
	}
	int status = IH_EXIT_OK;
	struct ih_pipeline pl;
	struct ih_sampler *sampler = NULL;
	if (!ih_pipeline_init(&pl, &cfg)) {
		fprintf(stderr, "icmphound watch: out of memory building tables (try a smaller --mem-cap)\n");
		status = IH_EXIT_INTERNAL;
		goto out;
	}
	if (attribution) {
		struct ih_sampler_config sc;
		ih_sampler_config_default(&sc);
		sc.interval_ms = (unsigned)sample_ms;
		sampler = ih_sampler_new(&sc);
		if (!sampler)
			fprintf(stderr, "icmphound watch: warning: cannot open /proc: no process attribution\n");
	}
	if ((sampler || ih_ep_cli_wanted(&epc)) &&
	    !ih_ep_cli_attach(&epc, &pl, sampler, true, err, sizeof(err))) {
		fprintf(stderr, "icmphound watch: %s\n", err);
		status = IH_EXIT_OPEN;
		goto out;
	}

	/* ---- drop what is not needed any more */
	if (!ih_privs_drop(user, sampler != NULL, &w.privs, err, sizeof(err))) {
		fprintf(stderr, "icmphound watch: dropping privileges: %s\n", err);
		status = IH_EXIT_INTERNAL;
		goto out;
	}
	/* and the system calls: the capture, /proc for the sampler, writing (docs/PRIVILEGES.md) */
	ih_sandbox_filter("watch", &cfg, IH_SB_CAPTURE | (sampler || ih_ep_cli_wanted(&epc) ? IH_SB_PROC : 0));

	w.pl = &pl;
	w.live = live;
	w.ep = epc.ep;
	w.out = out;
	w.count = (uint64_t)count;
	w.start_ns = mono_ns();
	w.last_track_tick_ns = w.start_ns;
	if (duration_s > 0)
		w.deadline_ns = w.start_ns + (uint64_t)(duration_s * 1e9);
	w.judge_every_ns = (uint64_t)(judge_s * 1e9);
	w.groups.limit = cfg.max_findings;
	if (stats_s > 0) {
		w.stats_every_ns = (uint64_t)(stats_s * 1e9);
		w.next_stats_ns = w.start_ns + w.stats_every_ns;
	}
	pl.findings.on_add = on_finding;
	pl.findings.on_add_ctx = &w;

	if (sampler && !ih_sampler_start(sampler)) {
		fprintf(stderr, "icmphound watch: warning: cannot start the /proc sampler: %s\n", strerror(errno));
	}
	running_live = live;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "icmphound watch: listening on %s, link type %s, as %s%s%s\n", ih_live_iface(live),
		ih_link_name(ih_live_linktype(live)), w.privs.user[0] ? w.privs.user : "?",
		sampler ? ", attributing processes" : "", w.privs.kept_ptrace ? " (CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH kept)" : "");

	err[0] = '\0';
	enum ih_source_status st = ih_live_run(live, on_frame, &w, on_tick, err, sizeof(err));
	running_live = NULL;
	ih_live_stats(live, &w.cap_at_stop);
	if (got_signal && !w.stop_reason)
		w.stop_reason = got_signal == SIGINT ? "SIGINT" : "SIGTERM";
	if (st == IH_SRC_READ_ERROR)
		w.stop_reason = "capture error";

	/* ---- the end: settle every conversation, end every record, write what is left */
	if (sampler)
		ih_sampler_sample_once(sampler);
	ih_sampler_stop(sampler);
	w.finishing = true;
	if (w.ep)
		ih_endpoint_settle(w.ep);
	ih_pipeline_finish(&pl);
	if (w.ep)
		ih_endpoint_flush(w.ep);
	trim_findings(&pl.findings);
	write_final_incidents(&w);
	write_stats(&w, st, st == IH_SRC_READ_ERROR ? err : NULL, true);
	if (st == IH_SRC_READ_ERROR) {
		fprintf(stderr, "icmphound watch: %s\n", err);
		status = IH_EXIT_READ;
	}
	if (w.write_failed)
		status = IH_EXIT_INTERNAL;
out:
	groups_free(&w.groups);
	free(w.judged_ids.v);
	ih_pipeline_free(&pl);
	ih_ep_cli_free(&epc);
	ih_sampler_free(sampler);
	ih_live_close(live);
	if (out != stdout && fclose(out) != 0)
		w.write_failed = true;
	if (w.write_failed) {
		fprintf(stderr, "icmphound watch: could not write the output\n");
		status = IH_EXIT_INTERNAL;
	}
	return status;
}

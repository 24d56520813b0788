/* report.c — `icmphound report [--html OUT.html] [--markdown OUT.md] FILE...`: analyse the
 * captures as `analyze` does and write the investigation as one self-contained HTML page
 * (charts as inline SVG) and/or Markdown for a ticket.
 *
 * One pass: the pipeline finds what analyze finds (same options, same findings and incident
 * ids); a collector watching it (report/collect.h) gathers what the charts need in bounded
 * memory. The report is rendered from one JSON document (report/report.h), written to a
 * temporary file next to the output and renamed over it once complete, so a failed run never
 * leaves half a report behind (an output that exists and is not a regular file — a device, a
 * FIFO, a symbolic link — is written in place instead).
 *
 * With --store the document is built from the store instead (report_from_store): findings,
 * incidents and inputs as they were recorded (store/readback.h), ICMP over time and the top
 * talkers from the hourly summaries (icmp_hourly) and the outside peers (icmp_peers). What the
 * store does not keep — payload size and entropy per conversation, the sweep probe maps — is
 * left out, and the document says so ("omitted"); nothing is estimated in its place. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/endpoint_cli.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/sandbox.h"
#include "cli/settings.h"
#include "report/collect.h"
#include "report/incident.h"
#include "report/report.h"
#include "report/sink.h"
#include "source/zeek.h"
#include "core/timeparse.h"
#include "store/readback.h"
#include "store/store.h"

static struct ih_source *volatile running_source;
static struct ih_zeek *volatile running_zeek;

static void on_signal(int sig)
{
	(void)sig;
	if (running_source)
		ih_source_stop(running_source);
	if (running_zeek)
		ih_zeek_stop(running_zeek);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound report [options] --html OUT.html|--markdown OUT.md FILE...\n"
		"       icmphound report --store TARGET [--since T] [--until T] [--sensor S] [--host H]\n"
		"                        --html OUT.html|--markdown OUT.md\n"
		"\n"
		"Analyses the captures (pcap, pcapng) or Zeek conn.logs as `analyze` does and writes the\n"
		"investigation: an overview, one card per incident (verdict, score and reasons, ATT&CK,\n"
		"playbook, narrative, process, containment plan) and charts (ICMP over time per host, sweep\n"
		"coverage, payload size and entropy per conversation, beacon timing, top talkers).\n"
		"\n"
		"      --html FILE           one self-contained HTML file (inline CSS and SVG, no script,\n"
		"                            nothing fetched; prints well); '-' for standard output\n"
		"      --markdown FILE       the same content without charts, for a ticket; '-' for stdout\n"
		"      --store TARGET        build the report from the store instead of captures: a SQLite\n"
		"                            file, 'default', or a PostgreSQL connection string (as\n"
		"                            analyze --store wrote it); charts whose data the store does not\n"
		"                            keep (payload size and entropy per conversation) are left out\n"
		"      --since WHEN / --until WHEN   with --store: only what overlaps [WHEN, WHEN): RFC 3339,\n"
		"                            or back from now (7d, 12h, 30m)\n"
		"      --sensor NAME         with --store: one sensor's rows only\n"
		"      --host ADDR           with --store: the findings of ADDR (as source or peer), the\n"
		"                            incidents that hold it, and its ICMP over time\n"
		"      --config FILE / --no-config, --home CIDR, --monitor CIDR, --mem-cap MB, --seed N,\n"
		"      --set KEY=VALUE       as for analyze (the same options give the same incidents)\n"
		IH_EP_CLI_USAGE
		"      --progress / --no-progress   progress bar on standard error (default: on a terminal,\n"
		"                            for inputs over 50 MB or reads over 2 s)\n"
		"      --color / --no-color  colours in the closing summary (default: on a terminal, unless\n"
		"                            NO_COLOR is set)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 written; 1 usage; 2 cannot open an input, the store, or create an output\n"
		"(nothing is written); 3 an input was truncated or corrupt (the report covers what was read and says so);\n"
		"4 internal error or an output could not be written.\n");
}

/* ------------------------------------------------------------------ outputs */

struct output {
	const char *path;   /* as given; "-" is standard output */
	char *tmp;          /* the temporary file renamed over path at the end */
	FILE *f;
};

static bool out_open(struct output *o, char *err, size_t errlen)
{
	if (strcmp(o->path, "-") == 0) {
		o->f = stdout;
		return true;
	}
	/* Only a new file or a regular one is replaced by renaming: a device, a FIFO or a symbolic
	 * link given as the output is written to, never replaced. */
	struct stat st;
	if (lstat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(o->path, "w");
		if (!o->f) {
			snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
			return false;
		}
		return true;
	}
	char *a = strdup(o->path), *b = strdup(o->path);
	if (!a || !b) {
		free(a);
		free(b);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	const char *dir = dirname(a), *base = basename(b);
	size_t n = strlen(dir) + strlen(base) + 16;
	o->tmp = malloc(n);
	if (o->tmp)
		snprintf(o->tmp, n, "%s/.%s.XXXXXX", dir, base);
	free(a);
	free(b);
	if (!o->tmp) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return false;
	}
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) != 0) {
		/* the report stays readable by its owner: not worth failing for */
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return false;
	}
	return true;
}

/* Finishes an output: renamed into place when ok, removed otherwise. */
static bool out_close(struct output *o, bool ok)
{
	if (!o->f)
		return ok;
	if (o->f == stdout) {
		ok = fflush(stdout) == 0 && ok;
		o->f = NULL;
		return ok;
	}
	ok = fclose(o->f) == 0 && ok;
	o->f = NULL;
	if (!o->tmp)
		return ok; /* written in place (not a regular file) */
	if (ok && rename(o->tmp, o->path) != 0)
		ok = false;
	if (!ok)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return ok;
}

/* ------------------------------------------------------------------ the document */

static json_t *build_doc(const struct ih_pipeline *pl, const struct ih_incidents *is, const struct ih_collect *col,
			 json_t *stats, char *const *files, size_t nfiles)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "type", json_string("report"));
	json_object_set_new(doc, "version", json_string(IH_VERSION));
	json_t *in = json_array();
	for (size_t i = 0; i < nfiles; i++)
		json_array_append_new(in, json_string(files[i]));
	json_object_set_new(doc, "inputs", in);
	json_object_set(doc, "stats", stats);
	json_t *fs = json_array();
	for (size_t i = 0; i < pl->findings.n; i++)
		json_array_append(fs, pl->findings.v[i]->obj);
	json_object_set_new(doc, "findings", fs);
	json_t *incs = json_array();
	for (size_t i = 0; i < is->n; i++)
		json_array_append(incs, is->v[i].obj);
	json_object_set_new(doc, "incidents", incs);
	json_t *parts = ih_collect_json(col, &pl->findings);
	json_object_update(doc, parts);
	json_decref(parts);
	return doc;
}

/* ------------------------------------------------------------------ from the store */

struct store_args {
	const char *target, *sensor, *host, *since, *until;
};

static int64_t col_int(const char *v)
{
	return v ? strtoll(v, NULL, 10) : 0;
}

/* Per host: its ICMP summed over the hours selected, and per hour. */
struct host_total {
	char host[IH_ADDR_STRLEN];
	int64_t packets, bytes;
};

struct hourly_ctx {
	json_t *totals;            /* host -> [packets, bytes] */
	json_t *cells;             /* array of [host, hour, packets] */
	int64_t hour_min, hour_max;
	json_t *keep;              /* NULL: every host; else the set of hosts to keep */
	size_t rows;
};

static bool hourly_row(void *ctx, int ncol, const char *const *val)
{
	struct hourly_ctx *h = ctx;
	if (ncol != 4 || !val[0] || !val[1])
		return true;
	if (h->keep && !json_object_get(h->keep, val[0]))
		return true;
	if (++h->rows > 4000000)
		return false;
	int64_t hour = col_int(val[1]), pk = col_int(val[2]), by = col_int(val[3]);
	json_t *t = json_object_get(h->totals, val[0]);
	if (!t) {
		t = json_pack("[I,I]", (json_int_t)0, (json_int_t)0);
		json_object_set_new(h->totals, val[0], t);
	}
	json_array_set_new(t, 0, json_integer(json_integer_value(json_array_get(t, 0)) + pk));
	json_array_set_new(t, 1, json_integer(json_integer_value(json_array_get(t, 1)) + by));
	json_array_append_new(h->cells, json_pack("[s,I,I]", val[0], (json_int_t)hour, (json_int_t)pk));
	if (!h->hour_min || hour < h->hour_min)
		h->hour_min = hour;
	if (hour > h->hour_max)
		h->hour_max = hour;
	return true;
}

static int cmp_total(const void *a, const void *b)
{
	const struct host_total *x = a, *y = b;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return strcmp(x->host, y->host);
}

static bool peers_row(void *ctx, int ncol, const char *const *val)
{
	json_t *seen = ctx;
	if (ncol == 1 && val[0] && json_object_size(seen) < 1000000)
		json_object_set_new(seen, val[0], json_true());
	return true;
}

/* The hourly summaries as the document's "activity" (one bucket per hour, or per several
 * hours so that at most 120 buckets cover the span), "talkers" and "hosts_seen". */
static bool store_traffic(struct ih_store *st, const struct ih_store_filter *f, json_t *keep, json_t *doc,
			  int64_t *icmp_packets, char *err, size_t errlen)
{
	enum { MAX_BUCKETS = 120, TOP_SERIES = 6, TOP_TALKERS = 10 };
	char sql[512];
	struct ih_sqlv p[4];
	int np = 0;
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT h.host, h.hour, SUM(h.packets), SUM(h.bytes) FROM icmp_hourly h WHERE 1 = 1");
	if (f->sensor) {
		p[np++] = IH_SQLV_TEXT(f->sensor);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND h.sensor = $%d", np);
	}
	if (f->since_ns) { /* the hours that overlap [since, until) */
		p[np++] = IH_SQLV_INT((int64_t)(f->since_ns / 1000000000ull) - 3599);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND h.hour >= $%d", np);
	}
	if (f->until_ns) {
		p[np++] = IH_SQLV_INT((int64_t)((f->until_ns + 999999999ull) / 1000000000ull));
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND h.hour < $%d", np);
	}
	snprintf(sql + n, sizeof(sql) - n, " GROUP BY h.host, h.hour ORDER BY h.hour, h.host");
	struct hourly_ctx h = { json_object(), json_array(), 0, 0, keep, 0 };
	bool ok = ih_store_select(st, sql, p, np, hourly_row, &h, err, errlen);
	if (ok && h.rows > 4000000) {
		snprintf(err, errlen, "store: more than 4000000 hourly rows match; narrow the report (--since, --until, --host)");
		ok = false;
	}
	size_t nh = json_object_size(h.totals);
	struct host_total *t = calloc(nh ? nh : 1, sizeof(*t));
	if (ok && !t) {
		snprintf(err, errlen, "out of memory");
		ok = false;
	}
	if (!ok) {
		free(t);
		json_decref(h.totals);
		json_decref(h.cells);
		return false;
	}
	const char *key;
	json_t *val;
	size_t k = 0;
	*icmp_packets = 0;
	json_object_foreach(h.totals, key, val) {
		snprintf(t[k].host, sizeof(t[k].host), "%s", key);
		t[k].packets = json_integer_value(json_array_get(val, 0));
		t[k].bytes = json_integer_value(json_array_get(val, 1));
		*icmp_packets += t[k].packets;
		k++;
	}
	qsort(t, nh, sizeof(*t), cmp_total);

	/* buckets: whole hours, as many per bucket as keep them to MAX_BUCKETS */
	int64_t hours = nh ? (h.hour_max - h.hour_min) / 3600 + 1 : 0;
	int64_t per = hours > MAX_BUCKETS ? (hours + MAX_BUCKETS - 1) / MAX_BUCKETS : 1;
	size_t nb = nh ? (size_t)((hours + per - 1) / per) : 0;
	size_t ns = nh < TOP_SERIES ? nh : TOP_SERIES;
	int64_t *counts = calloc((ns + 1) * (nb ? nb : 1), sizeof(*counts));
	if (!counts) {
		free(t);
		json_decref(h.totals);
		json_decref(h.cells);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	size_t i;
	json_array_foreach(h.cells, i, val) {
		const char *host = json_string_value(json_array_get(val, 0));
		size_t b = (size_t)((json_integer_value(json_array_get(val, 1)) - h.hour_min) / 3600 / per);
		size_t row = ns;
		for (size_t s = 0; s < ns; s++)
			if (strcmp(t[s].host, host) == 0)
				row = s;
		if (b < nb)
			counts[row * nb + b] += json_integer_value(json_array_get(val, 2));
	}
	json_t *act = json_object();
	char ts[40];
	uint64_t start_ns = nh ? (uint64_t)h.hour_min * 1000000000ull : 0;
	json_object_set_new(act, "start", nh ? json_string(ih_time_str(start_ns, ts, sizeof(ts))) : json_null());
	json_object_set_new(act, "start_ns", json_integer((json_int_t)start_ns));
	json_object_set_new(act, "bucket_ns", json_integer(nh ? (json_int_t)per * 3600 * 1000000000ll : 0));
	json_object_set_new(act, "buckets", json_integer((json_int_t)nb));
	json_object_set_new(act, "senders_replaced", json_integer(0));
	json_object_set_new(act, "source", json_string("icmp_hourly"));
	json_t *series = json_array();
	for (size_t s = 0; s <= ns; s++) {
		json_t *c = json_array();
		int64_t sum = 0;
		for (size_t b = 0; b < nb; b++) {
			json_array_append_new(c, json_integer((json_int_t)counts[s * nb + b]));
			sum += counts[s * nb + b];
		}
		if (s < ns) {
			json_array_append_new(series, json_pack("{s:s,s:I,s:o}", "host", t[s].host, "packets", (json_int_t)t[s].packets,
								"counts", c));
		} else {
			json_object_set_new(act, "series", series);
			json_object_set_new(act, "other", json_pack("{s:I,s:o}", "packets", (json_int_t)sum, "counts", c));
		}
	}
	json_object_set_new(doc, "activity", act);
	json_t *tk = json_array();
	for (size_t s = 0; s < nh && s < TOP_TALKERS; s++)
		json_array_append_new(tk, json_pack("{s:s,s:I,s:I}", "host", t[s].host, "packets", (json_int_t)t[s].packets,
						    "bytes", (json_int_t)t[s].bytes));
	json_object_set_new(doc, "talkers", tk);

	/* hosts: the summarised (home) hosts and the outside peers they sent requests to */
	json_t *seen = json_object();
	for (size_t s = 0; s < nh; s++)
		json_object_set_new(seen, t[s].host, json_true());
	np = 0;
	n = (size_t)snprintf(sql, sizeof(sql), "SELECT DISTINCT p.dst FROM icmp_peers p WHERE 1 = 1");
	if (f->sensor) {
		p[np++] = IH_SQLV_TEXT(f->sensor);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND p.sensor = $%d", np);
	}
	if (f->since_ns) {
		p[np++] = IH_SQLV_INT((int64_t)(f->since_ns / 1000));
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND p.last_us >= $%d", np);
	}
	if (f->until_ns) {
		p[np++] = IH_SQLV_INT((int64_t)(f->until_ns / 1000));
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND p.first_us < $%d", np);
	}
	if (f->host) {
		p[np++] = IH_SQLV_TEXT(f->host);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND (p.src = $%d OR p.dst = $%d)", np, np);
	}
	ok = ih_store_select(st, sql, p, np, peers_row, seen, err, errlen);
	json_object_set_new(doc, "hosts_seen", json_pack("{s:I,s:b,s:s}", "count", (json_int_t)json_object_size(seen),
							 "exact", json_object_size(seen) < 1000000, "source",
							 "home hosts summarised and the outside peers they sent requests to"));
	json_decref(seen);
	free(counts);
	free(t);
	json_decref(h.totals);
	json_decref(h.cells);
	return ok;
}

static const char *jstr_or(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static bool when_arg(const char *what, const char *s, uint64_t now_ns, uint64_t *ns)
{
	if (ih_time_parse_when(s, now_ns, ns))
		return true;
	fprintf(stderr, "icmphound report: --%s wants RFC 3339 or a span back from now like 7d, got '%s'\n", what, s);
	return false;
}

/* Builds the report document from the store. Returns the exit status; *docp on success. */
static int store_doc(const struct store_args *sa, json_t **docp)
{
	struct ih_store_filter f = { sa->sensor, 0, 0, sa->host };
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if ((sa->since && !when_arg("since", sa->since, now_ns, &f.since_ns)) ||
	    (sa->until && !when_arg("until", sa->until, now_ns, &f.until_ns)))
		return IH_EXIT_USAGE;
	if (f.since_ns && f.until_ns && f.until_ns <= f.since_ns) {
		fprintf(stderr, "icmphound report: --until must come after --since\n");
		return IH_EXIT_USAGE;
	}
	/* reading: a missing SQLite file is an error, not a new store */
	const char *target = sa->target;
	char path[4096], err[512];
	if (strcmp(target, "default") == 0) {
		if (!ih_store_default_path(path, sizeof(path))) {
			fprintf(stderr, "icmphound report: no store location: give a path or set XDG_DATA_HOME or HOME\n");
			return IH_EXIT_OPEN;
		}
		target = path;
	}
	struct stat sb;
	if (!ih_store_is_postgres(target) && stat(target, &sb) != 0) {
		fprintf(stderr, "icmphound report: no store at %s (record one with `icmphound analyze --store %s FILE`)\n",
			target, target);
		return IH_EXIT_OPEN;
	}
	struct ih_store *st = ih_store_open(target, NULL, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "icmphound report: %s\n", err);
		return IH_EXIT_OPEN;
	}
	json_t *findings = NULL, *incidents = NULL, *inputs = NULL;
	json_t *doc = json_object();
	int64_t icmp = 0;
	bool ok = ih_store_read_findings(st, &f, &findings, err, sizeof(err)) &&
		  ih_store_read_incidents(st, &f, &incidents, err, sizeof(err)) &&
		  ih_store_read_inputs(st, &f, &inputs, err, sizeof(err));
	/* with --host, the traffic of that host and of the incidents that hold it */
	json_t *keep = NULL;
	if (ok && sa->host) {
		keep = json_object();
		json_object_set_new(keep, sa->host, json_true());
		size_t i;
		json_t *x;
		json_array_foreach(incidents, i, x)
			if (json_is_string(json_object_get(x, "primary")))
				json_object_set_new(keep, json_string_value(json_object_get(x, "primary")), json_true());
	}
	ok = ok && store_traffic(st, &f, keep, doc, &icmp, err, sizeof(err));
	json_decref(keep);
	char where[1024];
	snprintf(where, sizeof(where), "%s", ih_store_where(st));
	char cerr[256];
	ih_store_close(st, cerr, sizeof(cerr));
	if (!ok) {
		fprintf(stderr, "icmphound report: %s\n", err);
		json_decref(findings);
		json_decref(incidents);
		json_decref(inputs);
		json_decref(doc);
		return IH_EXIT_OPEN;
	}

	/* an input that ran in several sensors (or twice) is named once */
	json_t *names = json_array(), *named = json_object();
	int64_t packets = 0, size = 0;
	uint64_t t0 = 0, t1 = 0, v;
	size_t i;
	json_t *x;
	json_array_foreach(inputs, i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		if (name && !json_object_get(named, name)) {
			json_object_set_new(named, name, json_true());
			json_array_append_new(names, json_string(name));
		}
		packets += json_integer_value(json_object_get(x, "packets"));
		size += json_integer_value(json_object_get(x, "size"));
		if (ih_time_parse(jstr_or(x, "first_seen"), &v) && (!t0 || v < t0))
			t0 = v;
		if (ih_time_parse(jstr_or(x, "last_seen"), &v) && v > t1)
			t1 = v;
	}
	json_decref(named);
	/* the span asked for bounds the span shown */
	if (f.since_ns && t0 < f.since_ns)
		t0 = f.since_ns;
	if (f.until_ns && (t1 > f.until_ns || !t1))
		t1 = f.until_ns;

	json_object_set_new(doc, "type", json_string("report"));
	json_object_set_new(doc, "version", json_string(IH_VERSION));
	json_object_set_new(doc, "source", json_string("store"));
	json_t *sel = json_object();
	json_object_set_new(sel, "location", json_string(where));
	if (sa->sensor)
		json_object_set_new(sel, "sensor", json_string(sa->sensor));
	if (sa->host)
		json_object_set_new(sel, "host", json_string(sa->host));
	char ts[40];
	if (f.since_ns)
		json_object_set_new(sel, "since", json_string(ih_time_str(f.since_ns, ts, sizeof(ts))));
	if (f.until_ns)
		json_object_set_new(sel, "until", json_string(ih_time_str(f.until_ns, ts, sizeof(ts))));
	json_object_set_new(doc, "store", sel);
	json_object_set_new(doc, "inputs", names);
	json_object_set_new(doc, "input_records", inputs);

	/* a stats line from what the store keeps: the inputs' packets and sizes, and the ICMP the
	 * home hosts sent (the hourly summaries) */
	json_t *stats = json_object();
	json_object_set_new(stats, "type", json_string("stats"));
	json_object_set_new(stats, "version", json_string(IH_VERSION));
	json_object_set_new(stats, "source", json_string("store"));
	json_object_set_new(stats, "packets", json_integer((json_int_t)packets));
	json_object_set_new(stats, "bytes", json_integer((json_int_t)size));
	json_object_set_new(stats, "file_bytes_read", json_integer((json_int_t)size));
	if (t0 && t1) {
		json_object_set_new(stats, "first_packet", json_string(ih_time_str(t0, ts, sizeof(ts))));
		json_object_set_new(stats, "last_packet", json_string(ih_time_str(t1, ts, sizeof(ts))));
	}
	json_object_set_new(stats, "icmp_packets", json_integer((json_int_t)icmp));
	json_object_set_new(stats, "findings", json_integer((json_int_t)json_array_size(findings)));
	json_object_set_new(stats, "incidents", json_integer((json_int_t)json_array_size(incidents)));
	json_object_set_new(stats, "clean", json_true());
	json_object_set_new(doc, "stats", stats);
	json_object_set_new(doc, "findings", findings);
	json_object_set_new(doc, "incidents", incidents);

	/* what the store does not keep is left out, and said */
	json_t *om = json_array();
	json_array_append_new(om, json_pack("{s:s,s:s}", "part", "conversations", "why",
					    "The store keeps findings, incidents and hourly ICMP counts, not the payloads of each "
					    "conversation, so the chart of payload size and entropy per conversation cannot be drawn "
					    "from it. Report from the captures (icmphound report --html OUT CAPTURE...) to see it."));
	json_array_append_new(om, json_pack("{s:s,s:s}", "part", "sweep_cells", "why",
					    "Sweep coverage is drawn from each sweep finding's own list of the hosts that answered; the "
					    "store keeps no map of which addresses were probed."));
	json_array_append_new(om, json_pack("{s:s,s:s}", "part", "counts", "why",
					    "Counts come from the store: packets and bytes are those of the inputs recorded (bytes: "
					    "their file sizes); ICMP packets and the traffic charts count the ICMP sent by the home "
					    "hosts summarised per hour (docs/STORE.md), in buckets of whole hours."));
	json_object_set_new(doc, "omitted", om);
	*docp = doc;
	return IH_EXIT_OK;
}

/* The report from the store: the document, then the same renderers. */
/* The closing lines on standard error: incidents by verdict (nv: malicious, suspicious,
 * benign), and where the reports went. */
static void summary(const size_t nv[3], const char *from, const struct output *html, const struct output *md,
		    bool color)
{
	size_t n = nv[0] + nv[1] + nv[2];
	const char *red = color ? "\033[1;31m" : "", *yel = color ? "\033[33m" : "", *dim = color ? "\033[2m" : "",
		   *off = color ? "\033[0m" : "";
	fprintf(stderr, "icmphound report: %zu incident%s%s", n, n == 1 ? "" : "s", from);
	if (n)
		fprintf(stderr, " (%s%zu malicious%s, %s%zu suspicious%s, %s%zu benign%s)", nv[0] ? red : "", nv[0],
			nv[0] ? off : "", nv[1] ? yel : "", nv[1], nv[1] ? off : "", dim, nv[2], off);
	fputc('\n', stderr);
	if (html->path && strcmp(html->path, "-") != 0)
		fprintf(stderr, "  HTML report:     %s\n", html->path);
	if (md->path && strcmp(md->path, "-") != 0)
		fprintf(stderr, "  Markdown report: %s\n", md->path);
}

static int report_from_store(const struct store_args *sa, struct output *html, struct output *md, bool color)
{
	json_t *doc = NULL;
	int rc = store_doc(sa, &doc);
	if (rc != IH_EXIT_OK)
		return rc;
	char err[512];
	if ((html->path && !out_open(html, err, sizeof(err))) || (md->path && !out_open(md, err, sizeof(err)))) {
		fprintf(stderr, "icmphound: %s\n", err);
		out_close(html, false);
		out_close(md, false);
		json_decref(doc);
		return IH_EXIT_OPEN;
	}
	bool wrote = true;
	if (html->f)
		wrote = ih_report_html(html->f, doc) && wrote;
	if (md->f)
		wrote = ih_report_markdown(md->f, doc) && wrote;
	wrote = out_close(html, wrote) && wrote;
	wrote = out_close(md, wrote) && wrote;
	if (!wrote) {
		fprintf(stderr, "icmphound: could not write the report\n");
		json_decref(doc);
		return IH_EXIT_INTERNAL;
	}
	size_t nv[3] = { 0, 0, 0 }, i;
	json_t *x;
	json_array_foreach(json_object_get(doc, "incidents"), i, x) {
		const char *v = json_string_value(json_object_get(x, "verdict"));
		nv[v && strcmp(v, "malicious") == 0 ? 0 : v && strcmp(v, "suspicious") == 0 ? 1 : 2]++;
	}
	summary(nv, " from the store", html, md, color);
	json_decref(doc);
	return IH_EXIT_OK;
}

int ih_cmd_report(int argc, char **argv)
{
	enum { O_HTML = 256, O_MD, O_PROGRESS,
	       O_NOPROGRESS, O_COLOR, O_NOCOLOR, O_STORE, O_SINCE, O_UNTIL, O_SENSOR, O_HOST };
	static const struct option longopts[] = {
		{ "html", required_argument, NULL, O_HTML },
		{ "markdown", required_argument, NULL, O_MD },
		{ "store", required_argument, NULL, O_STORE },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "sensor", required_argument, NULL, O_SENSOR },
		{ "host", required_argument, NULL, O_HOST },
		IH_CLI_SETTINGS_LONGOPTS,
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "color", no_argument, NULL, O_COLOR },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "help", no_argument, NULL, 'h' },
		IH_EP_CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static struct ih_cli_settings settings;
	memset(&settings, 0, sizeof(settings));
	struct ih_ep_cli epc;
	ih_ep_cli_init(&epc);
	char err[512];
	struct output html = { 0 }, md = { 0 };
	enum ih_progress_mode progress = IH_PROGRESS_AUTO;
	int color = -1;
	struct store_args sargs = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int shared = ih_cli_settings_option(&settings, c, optarg, "report");
		if (shared < 0)
			return IH_EXIT_USAGE;
		if (shared > 0)
			continue;
		switch (c) {
		case O_HTML: html.path = optarg; break;
		case O_MD: md.path = optarg; break;
		case O_STORE: sargs.target = optarg; break;
		case O_SINCE: sargs.since = optarg; break;
		case O_UNTIL: sargs.until = optarg; break;
		case O_SENSOR: sargs.sensor = optarg; break;
		case O_HOST: sargs.host = optarg; break;
		case O_PROGRESS: progress = IH_PROGRESS_ALWAYS; break;
		case O_NOPROGRESS: progress = IH_PROGRESS_NEVER; break;
		case O_COLOR: color = 1; break;
		case O_NOCOLOR: color = 0; break;
		case IH_EP_OPT_LOG:
		case IH_EP_OPT_FORMAT:
		case IH_EP_OPT_HOST:
		case IH_EP_OPT_SLACK:
		case IH_EP_OPT_WINDOW:
			if (!ih_ep_cli_option(&epc, c, optarg, err, sizeof(err))) {
				fprintf(stderr, "icmphound report: %s\n", err);
				return IH_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	if (!html.path && !md.path) {
		fprintf(stderr, "icmphound report: say where to write it: --html FILE and/or --markdown FILE\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	if (html.path && md.path && strcmp(html.path, "-") == 0 && strcmp(md.path, "-") == 0) {
		fprintf(stderr, "icmphound report: HTML and Markdown cannot both go to standard output\n");
		return IH_EXIT_USAGE;
	}
	if (html.path && md.path && strcmp(html.path, md.path) == 0) {
		fprintf(stderr, "icmphound report: --html and --markdown name the same file\n");
		return IH_EXIT_USAGE;
	}
	if (!sargs.target && (sargs.since || sargs.until || sargs.sensor || sargs.host)) {
		fprintf(stderr, "icmphound report: --since, --until, --sensor and --host select from the store: give --store\n");
		return IH_EXIT_USAGE;
	}
	if (sargs.target) {
		if (optind < argc) {
			fprintf(stderr, "icmphound report: --store reports from the store: no capture file with it ('%s')\n",
				argv[optind]);
			return IH_EXIT_USAGE;
		}
		if (sargs.host) {
			struct ih_addr a;
			if (!ih_addr_parse(sargs.host, &a)) {
				fprintf(stderr, "icmphound report: --host wants an address, got '%s'\n", sargs.host);
				return IH_EXIT_USAGE;
			}
		}
		if (color < 0) {
			const char *nc = getenv("NO_COLOR");
			color = isatty(STDERR_FILENO) && !(nc && *nc);
		}
		return report_from_store(&sargs, &html, &md, color != 0);
	}
	if (optind >= argc) {
		fprintf(stderr, "icmphound report: no capture file given\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	struct ih_config cfg;
	if (!ih_cli_configure(&settings, &cfg, "report"))
		return IH_EXIT_USAGE;
	if (color < 0) {
		const char *nc = getenv("NO_COLOR");
		color = isatty(STDERR_FILENO) && !(nc && *nc);
	}

	char *const *files = argv + optind;
	size_t nfiles = (size_t)(argc - optind);
	/* captures or Zeek conn.logs, by content, as analyze reads them */
	enum ih_input_format fmt;
	if (!ih_inputs_detect(files, nfiles, &fmt, err, sizeof(err))) {
		fprintf(stderr, "icmphound report: %s\n", err);
		return IH_EXIT_USAGE;
	}
	struct ih_source *src = NULL;
	struct ih_zeek *zk = NULL;
	if (fmt == IH_FMT_PCAP) {
		src = ih_source_open_files(files, nfiles, err, sizeof(err));
	} else {
		cfg.flow_input = true;
		struct ih_zeek_opts zo = { cfg.zeek_reorder_ns, cfg.zeek_max_views, cfg.zeek_pending, 10, stderr };
		zk = ih_zeek_open(files, nfiles, &zo, err, sizeof(err));
	}
	if (!src && !zk) {
		fprintf(stderr, "icmphound: %s\n", err);
		return IH_EXIT_OPEN;
	}
	ih_cli_seed_from_inputs(&cfg, files, nfiles);
	if ((html.path && !out_open(&html, err, sizeof(err))) || (md.path && !out_open(&md, err, sizeof(err)))) {
		fprintf(stderr, "icmphound: %s\n", err);
		out_close(&html, false);
		out_close(&md, false);
		ih_source_close(src);
		ih_zeek_close(zk);
		return IH_EXIT_OPEN;
	}

	int rc = IH_EXIT_OK;
	struct ih_pipeline *pl = calloc(1, sizeof(*pl));
	struct ih_collect *col = NULL;
	struct ih_collect_config cc;
	ih_collect_config_default(&cc);
	bool built = pl && ih_pipeline_init(pl, &cfg) && (col = ih_collect_new(&cc, &pl->cfg));
	int fail_rc = IH_EXIT_INTERNAL;
	if (!built)
		snprintf(err, sizeof(err), "out of memory building tables (try a smaller --mem-cap)");
	if (built && ih_ep_cli_wanted(&epc) && !ih_ep_cli_attach(&epc, pl, NULL, false, err, sizeof(err))) {
		built = false;
		fail_rc = IH_EXIT_OPEN; /* an endpoint log could not be read */
	}
	if (!built) {
		fprintf(stderr, "icmphound: %s\n", err);
		if (pl && pl->track)
			ih_pipeline_free(pl);
		free(pl);
		ih_collect_free(col);
		ih_ep_cli_free(&epc);
		out_close(&html, false);
		out_close(&md, false);
		ih_source_close(src);
		ih_zeek_close(zk);
		return fail_rc;
	}
	ih_track_add_detector(pl->track, ih_collect_detector(col));
	if (src)
		ih_pipeline_prepare_on(pl, src); /* decode on the reader's thread */
	ih_sandbox_enter("report", &cfg, IH_SB_RENAME);

	running_source = src;
	running_zeek = zk;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err[0] = '\0';
	enum ih_source_status st;
	if (src) {
		struct ih_progress *pg = ih_progress_new(src, ih_pipeline_frame, pl, progress);
		st = pg ? ih_source_run(src, ih_progress_frame, pg, err, sizeof(err))
			: ih_source_run(src, ih_pipeline_frame, pl, err, sizeof(err));
		ih_progress_done(pg);
	} else {
		st = ih_zeek_run(zk, ih_pipeline_view, pl, err, sizeof(err));
	}
	running_source = NULL;
	running_zeek = NULL;
	ih_pipeline_finish(pl);
	ih_ep_cli_finish(&epc, pl);
	ih_findings_assign_ids(&pl->findings);
	if (st == IH_SRC_READ_ERROR)
		fprintf(stderr, "icmphound: %s\n", err);

	struct ih_incidents incs;
	bool ok = ih_incidents_build(&incs, &pl->findings, &pl->cfg);
	json_t *doc = NULL;
	if (ok) {
		json_t *stats = ih_pipeline_stats(pl, src, st, st == IH_SRC_OK ? NULL : err);
		json_object_set_new(stats, "incidents", json_integer((json_int_t)incs.n));
		if (zk) {
			json_object_set_new(stats, "file_bytes_read", json_integer((json_int_t)ih_zeek_bytes_read(zk)));
			json_object_set_new(stats, "zeek", ih_zeek_stats(zk));
		}
		doc = build_doc(pl, &incs, col, stats, files, nfiles);
		json_decref(stats);
		ok = doc != NULL;
	}
	bool wrote = ok;
	if (ok && html.f)
		wrote = ih_report_html(html.f, doc) && wrote;
	if (ok && md.f)
		wrote = ih_report_markdown(md.f, doc) && wrote;
	wrote = out_close(&html, wrote) && wrote;
	wrote = out_close(&md, wrote) && wrote;
	if (!ok) {
		fprintf(stderr, "icmphound: out of memory building the report\n");
		rc = IH_EXIT_INTERNAL;
	} else if (!wrote) {
		fprintf(stderr, "icmphound: could not write the report\n");
		rc = IH_EXIT_INTERNAL;
	} else {
		size_t nv[3] = { 0, 0, 0 };
		for (size_t i = 0; i < incs.n; i++)
			nv[incs.v[i].verdict == IH_VERDICT_MALICIOUS ? 0 : incs.v[i].verdict == IH_VERDICT_SUSPICIOUS ? 1 : 2]++;
		summary(nv, "", &html, &md, color);
		if (st == IH_SRC_READ_ERROR)
			rc = IH_EXIT_READ;
	}
	json_decref(doc);
	if (ok)
		ih_incidents_free(&incs);
	ih_pipeline_free(pl);
	free(pl);
	ih_collect_free(col);
	ih_ep_cli_free(&epc);
	ih_source_close(src);
	ih_zeek_close(zk);
	return rc;
}

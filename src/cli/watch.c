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
 * Findings are written from the findings' on_add callback, one flushed line each, and freed
 * once written so that a long watch keeps no more than max_findings between two ticks.
 * SIGINT / SIGTERM stop the capture (pcap_breakloop); then every record is ended, the last
 * findings and attributions written, and the final stats line ("final": true). */
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
#include <unistd.h>

#include "cli/commands.h"
#include "cli/endpoint_cli.h"
#include "cli/pipeline.h"
#include "cli/privs.h"
#include "cli/settings.h"
#include "decode/decode.h"
#include "endpoint/attrib.h"
#include "endpoint/sampler.h"
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
	uint64_t findings_written, attributions_written;
	uint64_t by_sev[IH_SEV_CRITICAL + 1];
	const char *stop_reason;
	struct ih_privs_report privs;
	bool privs_dropped;
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

/* The findings' on_add: attribute, write, then add the suspicious_process findings it raised. */
static void on_finding(void *ctx, const struct ih_finding *cf)
{
	struct watch *w = ctx;
	struct ih_finding *f = (struct ih_finding *)cf; /* owned by the collection, ours to dress */
	if (w->ep)
		ih_endpoint_attribute(w->ep, f, w->finishing);
	struct ih_findings one = { .v = &f, .n = 1, .cap = 1 };
	ih_findings_assign_ids(&one);
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
	if (w->ep)
		ih_endpoint_flush(w->ep);
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
	json_object_set_new(o, "live", json_true());
	json_object_set_new(o, "final", json_boolean(final));
	json_object_set_new(o, "interface", json_string(ih_live_iface(w->live)));
	struct ih_live_stats ls;
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

static void on_frame(void *ctx, const struct ih_frame *fr)
{
	struct watch *w = ctx;
	ih_pipeline_frame(w->pl, fr);
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
	enum { O_HOME = 256, O_MONITOR, O_MEMCAP, O_SEED, O_SET, O_CONFIG, O_NOCONFIG, O_FILTER,
	       O_STATS, O_DURATION, O_COUNT, O_NOATTR, O_SAMPLE, O_USER, O_NOPROMISC, O_SNAPLEN,
	       O_BUFFER };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "count", required_argument, NULL, O_COUNT },
		{ "no-attribution", no_argument, NULL, O_NOATTR },
		{ "sample-ms", required_argument, NULL, O_SAMPLE },
		{ "user", required_argument, NULL, O_USER },
		{ "no-promisc", no_argument, NULL, O_NOPROMISC },
		{ "snaplen", required_argument, NULL, O_SNAPLEN },
		{ "buffer-mb", required_argument, NULL, O_BUFFER },
		{ "home", required_argument, NULL, O_HOME },
		{ "monitor", required_argument, NULL, O_MONITOR },
		{ "mem-cap", required_argument, NULL, O_MEMCAP },
		{ "seed", required_argument, NULL, O_SEED },
		{ "set", required_argument, NULL, O_SET },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "no-config", no_argument, NULL, O_NOCONFIG },
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
	double stats_s = 60, duration_s = 0, count = 0, sample_ms = 150, d;
	bool attribution = true;
	const char *outpath = NULL, *user = NULL;
	char err[512], warn[512];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:f:o:h", longopts, NULL)) != -1) {
		const char *key = NULL;
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
		case O_DURATION:
		case O_COUNT:
		case O_SAMPLE:
		case O_SNAPLEN:
		case O_BUFFER:
			if (!number(optarg, c == O_COUNT ? 1e15 : 1e9, &d) ||
			    (c == O_SAMPLE && (d < 20 || d > 5000)) || (c == O_SNAPLEN && (d < 64 || d > 262144)) ||
			    (c == O_BUFFER && (d < 1 || d > 2048))) {
				const char *name = c == O_STATS ? "stats-interval" : c == O_DURATION ? "duration"
						 : c == O_COUNT ? "count" : c == O_SAMPLE ? "sample-ms"
						 : c == O_SNAPLEN ? "snaplen" : "buffer-mb";
				fprintf(stderr, "icmphound watch: bad value '%s' for --%s\n", optarg, name);
				return IH_EXIT_USAGE;
			}
			if (c == O_STATS)
				stats_s = d;
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
		case O_HOME: key = "home"; break;
		case O_MONITOR: key = "monitor"; break;
		case O_MEMCAP: key = "mem_cap_mb"; break;
		case O_SEED: key = "seed"; break;
		case O_SET:
			if (!ih_cli_set_arg(&settings, optarg, "watch"))
				return IH_EXIT_USAGE;
			break;
		case O_CONFIG: settings.config_path = optarg; break;
		case O_NOCONFIG: settings.no_config = true; break;
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
		if (key && !ih_cli_setting(&settings, key, optarg)) {
			fprintf(stderr, "icmphound watch: too many options\n");
			return IH_EXIT_USAGE;
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

	w.pl = &pl;
	w.live = live;
	w.ep = epc.ep;
	w.out = out;
	w.count = (uint64_t)count;
	w.start_ns = mono_ns();
	w.last_track_tick_ns = w.start_ns;
	if (duration_s > 0)
		w.deadline_ns = w.start_ns + (uint64_t)(duration_s * 1e9);
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
	write_stats(&w, st, st == IH_SRC_READ_ERROR ? err : NULL, true);
	if (st == IH_SRC_READ_ERROR) {
		fprintf(stderr, "icmphound watch: %s\n", err);
		status = IH_EXIT_READ;
	}
	if (w.write_failed)
		status = IH_EXIT_INTERNAL;
out:
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

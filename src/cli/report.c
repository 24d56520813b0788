/* report.c — `icmphound report [--html OUT.html] [--markdown OUT.md] FILE...`: analyse the
 * captures as `analyze` does and write the investigation as one self-contained HTML page
 * (charts as inline SVG) and/or Markdown for a ticket.
 *
 * One pass: the pipeline finds what analyze finds (same options, same findings and incident
 * ids); a collector watching it (report/collect.h) gathers what the charts need in bounded
 * memory. The report is rendered from one JSON document (report/report.h), written to a
 * temporary file next to the output and renamed over it once complete, so a failed run never
 * leaves half a report behind (an output that exists and is not a regular file — a device, a
 * FIFO, a symbolic link — is written in place instead). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/endpoint_cli.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/settings.h"
#include "report/collect.h"
#include "report/incident.h"
#include "report/report.h"
#include "report/sink.h"
#include "source/zeek.h"

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
		"\n"
		"Analyses the captures (pcap, pcapng) or Zeek conn.logs as `analyze` does and writes the\n"
		"investigation: an overview, one card per incident (verdict, score and reasons, ATT&CK,\n"
		"playbook, narrative, process, containment plan) and charts (ICMP over time per host, sweep\n"
		"coverage, payload size and entropy per conversation, beacon timing, top talkers).\n"
		"\n"
		"      --html FILE           one self-contained HTML file (inline CSS and SVG, no script,\n"
		"                            nothing fetched; prints well); '-' for standard output\n"
		"      --markdown FILE       the same content without charts, for a ticket; '-' for stdout\n"
		"      --config FILE / --no-config, --home CIDR, --monitor CIDR, --mem-cap MB, --seed N,\n"
		"      --set KEY=VALUE       as for analyze (the same options give the same incidents)\n"
		IH_EP_CLI_USAGE
		"      --progress / --no-progress   progress bar on standard error (default: on a terminal,\n"
		"                            for inputs over 50 MB or reads over 2 s)\n"
		"      --color / --no-color  colours in the closing summary (default: on a terminal, unless\n"
		"                            NO_COLOR is set)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 written; 1 usage; 2 cannot open an input or create an output (nothing is\n"
		"written); 3 an input was truncated or corrupt (the report covers what was read and says so);\n"
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

static void summary(const struct ih_incidents *is, const struct output *html, const struct output *md, bool color)
{
	size_t nv[3] = { 0, 0, 0 };
	for (size_t i = 0; i < is->n; i++)
		nv[is->v[i].verdict == IH_VERDICT_MALICIOUS ? 0 : is->v[i].verdict == IH_VERDICT_SUSPICIOUS ? 1 : 2]++;
	const char *red = color ? "\033[1;31m" : "", *yel = color ? "\033[33m" : "", *dim = color ? "\033[2m" : "",
		   *off = color ? "\033[0m" : "";
	fprintf(stderr, "icmphound report: %zu incident%s", is->n, is->n == 1 ? "" : "s");
	if (is->n)
		fprintf(stderr, " (%s%zu malicious%s, %s%zu suspicious%s, %s%zu benign%s)", nv[0] ? red : "", nv[0],
			nv[0] ? off : "", nv[1] ? yel : "", nv[1], nv[1] ? off : "", dim, nv[2], off);
	fputc('\n', stderr);
	if (html->path && strcmp(html->path, "-") != 0)
		fprintf(stderr, "  HTML report:     %s\n", html->path);
	if (md->path && strcmp(md->path, "-") != 0)
		fprintf(stderr, "  Markdown report: %s\n", md->path);
}

int ih_cmd_report(int argc, char **argv)
{
	enum { O_HOME = 256, O_MONITOR, O_MEMCAP, O_SEED, O_SET, O_CONFIG, O_NOCONFIG, O_HTML, O_MD, O_PROGRESS,
	       O_NOPROGRESS, O_COLOR, O_NOCOLOR };
	static const struct option longopts[] = {
		{ "html", required_argument, NULL, O_HTML },
		{ "markdown", required_argument, NULL, O_MD },
		{ "home", required_argument, NULL, O_HOME },
		{ "monitor", required_argument, NULL, O_MONITOR },
		{ "mem-cap", required_argument, NULL, O_MEMCAP },
		{ "seed", required_argument, NULL, O_SEED },
		{ "set", required_argument, NULL, O_SET },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "no-config", no_argument, NULL, O_NOCONFIG },
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
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *key = NULL;
		switch (c) {
		case O_HTML: html.path = optarg; break;
		case O_MD: md.path = optarg; break;
		case O_HOME: key = "home"; break;
		case O_MONITOR: key = "monitor"; break;
		case O_MEMCAP: key = "mem_cap_mb"; break;
		case O_SEED: key = "seed"; break;
		case O_SET:
			if (!ih_cli_set_arg(&settings, optarg, "report"))
				return IH_EXIT_USAGE;
			break;
		case O_CONFIG: settings.config_path = optarg; break;
		case O_NOCONFIG: settings.no_config = true; break;
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
		if (key && !ih_cli_setting(&settings, key, optarg)) {
			fprintf(stderr, "icmphound report: too many options\n");
			return IH_EXIT_USAGE;
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
		summary(&incs, &html, &md, color);
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

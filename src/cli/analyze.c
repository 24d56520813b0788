/* analyze.c — `icmphound analyze [options] FILE...`: read captures, report findings. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/endpoint_cli.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/sandbox.h"
#include "cli/settings.h"
#include "core/config_file.h"
#include "report/incident.h"
#include "report/sink.h"
#include "source/zeek.h"
#include "store/record.h"

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
		"usage: icmphound analyze [options] FILE...\n"
		"\n"
		"Reads pcap/pcapng captures, or Zeek conn.logs (TSV or JSON; docs/ZEEK.md), and reports ICMP\n"
		"abuse: sweeps, tunnels, beacons, floods, lateral movement; findings are grouped into\n"
		"incidents with a verdict.\n"
		"\n"
		"  -f, --format text|jsonl   terminal summary (default) or JSON lines (docs/JSONL.md)\n"
		"  -o, --output FILE         write there instead of standard output\n"
		"  -a, --all                 also list benign incidents in the terminal summary\n"
		"      --config FILE         read options from this INI file (docs/icmphound.conf.example);\n"
		"                            default: $XDG_CONFIG_HOME/icmphound/icmphound.conf, then\n"
		"                            /etc/icmphound/icmphound.conf, when present\n"
		"      --no-config           read no config file\n"
		"      --home CIDR[,CIDR]    home networks (default: RFC 1918, CGNAT, ULA, link-local)\n"
		"      --monitor CIDR[,...]  known monitoring hosts\n"
		"      --mem-cap MB          memory cap for all tables (default 256)\n"
		"      --seed N              hash seed (default: random each run)\n"
		"      --set KEY=VALUE       any option by name; --list-options shows them\n"
		"      --list-options[=ini]  print every option with its value and exit (=ini: as a config file)\n"
		"      --color / --no-color  colours in the text summary (default: on a terminal)\n"
		"      --store PATH|URL      record findings, incidents and hourly ICMP summaries in a store\n"
		"                            (a SQLite file; \"default\": $XDG_DATA_HOME/icmphound/icmphound.db;\n"
		"                            or postgresql://...); baselines then come from its history\n"
		"      --sensor NAME         the sensor name on every stored row (default: host name)\n"
		IH_EP_CLI_USAGE
		"  -h, --help\n"
		"\n"
		"Exit status: 0 read to the end; 1 usage; 2 cannot open an input or unsupported link\n"
		"type; 3 an input was truncated or corrupt (findings up to there are written);\n"
		"4 internal error or output not written; 5 the output was written but the store was not.\n");
}

int ih_cmd_analyze(int argc, char **argv)
{
	enum { O_LIST = 256, O_COLOR, O_NOCOLOR, O_STORE, O_SENSOR };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		IH_CLI_SETTINGS_LONGOPTS,
		{ "list-options", optional_argument, NULL, O_LIST },
		{ "all", no_argument, NULL, 'a' },
		{ "color", no_argument, NULL, O_COLOR },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "store", required_argument, NULL, O_STORE },
		{ "sensor", required_argument, NULL, O_SENSOR },
		IH_EP_CLI_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_config cfg;
	static struct ih_cli_settings settings;
	memset(&settings, 0, sizeof(settings));
	struct ih_ep_cli epc;
	ih_ep_cli_init(&epc);
	bool jsonl = false, list = false, list_ini = false, all = false;
	int color = -1;
	const char *outpath = NULL, *store = NULL, *sensor = NULL;
	char err[512];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:ah", longopts, NULL)) != -1) {
		int shared = ih_cli_settings_option(&settings, c, optarg, "analyze");
		if (shared < 0)
			return IH_EXIT_USAGE;
		if (shared > 0)
			continue;
		switch (c) {
		case 'f':
			if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				jsonl = true;
			else if (strcmp(optarg, "text") == 0)
				jsonl = false;
			else {
				fprintf(stderr, "icmphound analyze: unknown format '%s' (text or jsonl)\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case O_LIST:
			list = true;
			if (optarg && strcmp(optarg, "ini") == 0)
				list_ini = true;
			else if (optarg) {
				fprintf(stderr, "icmphound analyze: --list-options takes no value or =ini, got '%s'\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'a': all = true; break;
		case O_COLOR: color = 1; break;
		case O_NOCOLOR: color = 0; break;
		case O_STORE: store = optarg; break;
		case O_SENSOR: sensor = optarg; break;
		case IH_EP_OPT_LOG:
		case IH_EP_OPT_FORMAT:
		case IH_EP_OPT_HOST:
		case IH_EP_OPT_SLACK:
		case IH_EP_OPT_WINDOW:
			if (!ih_ep_cli_option(&epc, c, optarg, err, sizeof(err))) {
				fprintf(stderr, "icmphound analyze: %s\n", err);
				return IH_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	if (!ih_cli_configure(&settings, &cfg, "analyze"))
		return IH_EXIT_USAGE;
	if (list) {
		if (list_ini)
			ih_config_write_ini(&cfg, stdout, true);
		else
			ih_config_list(&cfg, stdout);
		return IH_EXIT_OK;
	}
	if (optind >= argc) {
		fprintf(stderr, "icmphound analyze: no capture file given\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}

	if (sensor && !store) {
		fprintf(stderr, "icmphound analyze: --sensor names the rows of a store: give --store too\n");
		return IH_EXIT_USAGE;
	}
	/* captures or Zeek conn.logs, by content */
	enum ih_input_format fmt;
	if (!ih_inputs_detect(argv + optind, (size_t)(argc - optind), &fmt, err, sizeof(err))) {
		fprintf(stderr, "icmphound analyze: %s\n", err);
		return IH_EXIT_USAGE;
	}
	struct ih_source *src = NULL;
	struct ih_zeek *zk = NULL;
	if (fmt == IH_FMT_PCAP) {
		src = ih_source_open_files(argv + optind, (size_t)(argc - optind), err, sizeof(err));
	} else {
		cfg.flow_input = true;
		struct ih_zeek_opts zo = { cfg.zeek_reorder_ns, cfg.zeek_max_views, cfg.zeek_pending, 10, stderr };
		zk = ih_zeek_open(argv + optind, (size_t)(argc - optind), &zo, err, sizeof(err));
	}
	if (!src && !zk) {
		fprintf(stderr, "icmphound: %s\n", err);
		return IH_EXIT_OPEN;
	}
	ih_cli_seed_from_inputs(&cfg, argv + optind, (size_t)(argc - optind));
	struct ih_recorder *rec = NULL;
	if (store) {
		struct ih_store_opts so = { .sensor = sensor };
		rec = ih_recorder_open(store, &so, argv + optind, (size_t)(argc - optind), ih_input_format_name(fmt), &cfg,
				       err, sizeof(err));
		if (!rec) {
			fprintf(stderr, "icmphound: %s\n", err);
			ih_source_close(src);
			ih_zeek_close(zk);
			return IH_EXIT_OPEN;
		}
		cfg.history = ih_recorder_history(rec);
	}
	FILE *out = stdout;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "icmphound: cannot write %s: %m\n", outpath);
		ih_source_close(src);
		ih_zeek_close(zk);
		ih_recorder_close(rec);
		return IH_EXIT_OPEN;
	}
	if (color < 0) {
		const char *nc = getenv("NO_COLOR");
		color = isatty(fileno(out)) && !(nc && *nc);
	}

	struct ih_pipeline pl;
	if (!ih_pipeline_init(&pl, &cfg)) {
		fprintf(stderr, "icmphound: out of memory building tables (try a smaller --mem-cap)\n");
		ih_pipeline_free(&pl);
		ih_zeek_close(zk);
		ih_recorder_close(rec);
		ih_source_close(src);
		if (out != stdout)
			fclose(out);
		return IH_EXIT_INTERNAL;
	}
	if (ih_ep_cli_wanted(&epc) && !ih_ep_cli_attach(&epc, &pl, NULL, false, err, sizeof(err))) {
		fprintf(stderr, "icmphound: %s\n", err);
		ih_pipeline_free(&pl);
		ih_ep_cli_free(&epc);
		ih_source_close(src);
		ih_zeek_close(zk);
		ih_recorder_close(rec);
		if (out != stdout)
			fclose(out);
		return IH_EXIT_OPEN;
	}
	if (rec)
		ih_recorder_attach(rec, &pl);
	if (src)
		ih_pipeline_prepare_on(&pl, src); /* decode on the reader's thread */
	ih_sandbox_enter("analyze", &cfg, ih_sandbox_store(store));
	running_source = src;
	running_zeek = zk;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err[0] = '\0';
	/* a progress bar on standard error for long reads of captures (cli/progress.h) */
	struct ih_progress *pg = src ? ih_progress_new(src, ih_pipeline_frame, &pl, IH_PROGRESS_AUTO) : NULL;
	enum ih_source_status st = pg    ? ih_source_run(src, ih_progress_frame, pg, err, sizeof(err))
				   : src ? ih_source_run(src, ih_pipeline_frame, &pl, err, sizeof(err))
					 : ih_zeek_run(zk, ih_pipeline_view, &pl, err, sizeof(err));
	ih_progress_done(pg);
	running_source = NULL;
	running_zeek = NULL;
	ih_pipeline_finish(&pl);
	ih_ep_cli_finish(&epc, &pl);
	ih_findings_assign_ids(&pl.findings);
	struct ih_incidents incs;
	bool built = ih_incidents_build(&incs, &pl.findings, &pl.cfg);
	json_t *stats = ih_pipeline_stats(&pl, src, st, st == IH_SRC_OK ? NULL : err);
	json_object_set_new(stats, "incidents", json_integer((json_int_t)incs.n));
	if (zk) {
		json_object_set_new(stats, "file_bytes_read", json_integer((json_int_t)ih_zeek_bytes_read(zk)));
		json_object_set_new(stats, "zeek", ih_zeek_stats(zk));
	}
	bool stored = true;
	char serr[512] = "";
	if (rec) {
		for (size_t i = 0; built && i < incs.n; i++)
			ih_recorder_incident(rec, incs.v[i].obj, serr, sizeof(serr));
		stored = ih_recorder_finish(rec, &pl.findings, stats, serr, sizeof(serr));
	}

	bool ok = built && (jsonl ? ih_sink_jsonl_report(out, &pl.findings, &incs, stats)
				  : ih_sink_text_report(out, &pl.findings, &incs, stats, color, all));
	ih_incidents_free(&incs);
	if (st == IH_SRC_READ_ERROR)
		fprintf(stderr, "icmphound: %s\n", err);
	json_decref(stats);
	ih_pipeline_free(&pl);
	ih_ep_cli_free(&epc);
	ih_source_close(src);
	ih_zeek_close(zk);
	ih_recorder_close(rec);
	if (out != stdout && fclose(out) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "icmphound: could not write the output\n");
		return IH_EXIT_INTERNAL;
	}
	if (st == IH_SRC_READ_ERROR)
		return IH_EXIT_READ;
	if (!stored) {
		fprintf(stderr, "icmphound: the store was not written: %s\n", serr);
		return IH_EXIT_STORE;
	}
	return IH_EXIT_OK;
}

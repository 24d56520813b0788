/* analyze.c — `icmphound analyze [options] FILE...`: read captures, report findings. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "report/sink.h"

static struct ih_source *volatile running_source;

static void on_signal(int sig)
{
	(void)sig;
	if (running_source)
		ih_source_stop(running_source);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound analyze [options] FILE...\n"
		"\n"
		"Reads pcap/pcapng captures and reports ICMP abuse: sweeps, tunnels, beacons, floods.\n"
		"\n"
		"  -f, --format text|jsonl   terminal summary (default) or JSON lines (docs/JSONL.md)\n"
		"  -o, --output FILE         write there instead of standard output\n"
		"      --home CIDR[,CIDR]    home networks (default: RFC 1918, CGNAT, ULA, link-local)\n"
		"      --monitor CIDR[,...]  known monitoring hosts\n"
		"      --mem-cap MB          memory cap for all tables (default 256)\n"
		"      --seed N              hash seed (default: random each run)\n"
		"      --set KEY=VALUE       any option by name; --list-options shows them\n"
		"      --list-options        print every option with its value and exit\n"
		"      --color / --no-color  colours in the text summary (default: on a terminal)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 read to the end; 1 usage; 2 cannot open an input or unsupported link\n"
		"type; 3 an input was truncated or corrupt (findings up to there are written);\n"
		"4 internal error or output not written.\n");
}

int ih_cmd_analyze(int argc, char **argv)
{
	enum { O_HOME = 256, O_MONITOR, O_MEMCAP, O_SEED, O_SET, O_LIST, O_COLOR, O_NOCOLOR };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "home", required_argument, NULL, O_HOME },
		{ "monitor", required_argument, NULL, O_MONITOR },
		{ "mem-cap", required_argument, NULL, O_MEMCAP },
		{ "seed", required_argument, NULL, O_SEED },
		{ "set", required_argument, NULL, O_SET },
		{ "list-options", no_argument, NULL, O_LIST },
		{ "color", no_argument, NULL, O_COLOR },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_config cfg;
	ih_config_default(&cfg);
	bool jsonl = false, list = false;
	int color = -1;
	const char *outpath = NULL;
	char err[512];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		const char *key = NULL;
		char *val = optarg;
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
		case O_HOME: key = "home"; break;
		case O_MONITOR: key = "monitor"; break;
		case O_MEMCAP: key = "mem_cap_mb"; break;
		case O_SEED: key = "seed"; break;
		case O_SET: {
			char *eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, "icmphound analyze: --set wants KEY=VALUE, got '%s'\n", optarg);
				return IH_EXIT_USAGE;
			}
			*eq = '\0';
			key = optarg;
			val = eq + 1;
			break;
		}
		case O_LIST: list = true; break;
		case O_COLOR: color = 1; break;
		case O_NOCOLOR: color = 0; break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
		if (key && !ih_config_set(&cfg, key, val, err, sizeof(err))) {
			fprintf(stderr, "icmphound analyze: %s\n", err);
			return IH_EXIT_USAGE;
		}
	}
	ih_config_fit_memory(&cfg);
	if (list) {
		ih_config_list(&cfg, stdout);
		return IH_EXIT_OK;
	}
	if (optind >= argc) {
		fprintf(stderr, "icmphound analyze: no capture file given\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}

	struct ih_source *src = ih_source_open_files(argv + optind, (size_t)(argc - optind), err, sizeof(err));
	if (!src) {
		fprintf(stderr, "icmphound: %s\n", err);
		return IH_EXIT_OPEN;
	}
	FILE *out = stdout;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "icmphound: cannot write %s: %m\n", outpath);
		ih_source_close(src);
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
		ih_source_close(src);
		if (out != stdout)
			fclose(out);
		return IH_EXIT_INTERNAL;
	}
	running_source = src;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err[0] = '\0';
	enum ih_source_status st = ih_source_run(src, ih_pipeline_frame, &pl, err, sizeof(err));
	running_source = NULL;
	ih_pipeline_finish(&pl);
	ih_findings_assign_ids(&pl.findings);
	json_t *stats = ih_pipeline_stats(&pl, src, st, st == IH_SRC_OK ? NULL : err);

	bool ok = jsonl ? ih_sink_jsonl(out, &pl.findings, stats) : ih_sink_text(out, &pl.findings, stats, color);
	if (st == IH_SRC_READ_ERROR)
		fprintf(stderr, "icmphound: %s\n", err);
	json_decref(stats);
	ih_pipeline_free(&pl);
	ih_source_close(src);
	if (out != stdout && fclose(out) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "icmphound: could not write the output\n");
		return IH_EXIT_INTERNAL;
	}
	if (st == IH_SRC_READ_ERROR)
		return IH_EXIT_READ;
	return IH_EXIT_OK;
}

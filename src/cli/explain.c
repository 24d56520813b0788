/* explain.c — `icmphound explain INCIDENT_ID FILE...`: analyse the captures again and walk
 * through one incident in full: every playbook step, the evidence of each finding, ATT&CK, the
 * narrative. The same input and options give the same incident ids, so an id from an earlier
 * `analyze` run (or from the JSON lines in a SIEM) finds its incident here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "cli/sandbox.h"
#include "cli/settings.h"
#include "report/incident.h"
#include "report/sink.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound explain [options] INCIDENT_ID|HOST FILE...\n"
		"\n"
		"Analyses the captures as `analyze` does and prints one incident's investigation in full:\n"
		"verdict and score with their reasons, the narrative, ATT&CK techniques, the eight playbook\n"
		"steps (established, missing, next) and the evidence of every finding. INCIDENT_ID is an\n"
		"id from `analyze` (I-...); a host address picks that host's incident.\n"
		"\n"
		"  -f, --format text|markdown|jsonl   readable text (default), Markdown for a ticket, or\n"
		"                            the incident's JSON lines (its findings, then the incident)\n"
		"  -o, --output FILE         write there instead of standard output\n"
		"      --config FILE / --no-config, --home CIDR, --monitor CIDR, --mem-cap MB, --seed N,\n"
		"      --set KEY=VALUE       as for analyze: use the options the incident was found with\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 explained; 1 usage, or no such incident; 2 cannot open an input; 3 an input\n"
		"was truncated or corrupt (the incident is explained from what was read); 4 internal error.\n");
}

enum fmt { FMT_TEXT, FMT_MARKDOWN, FMT_JSONL };

static bool put_line(FILE *out, json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (!s)
		return false;
	bool ok = fputs(s, out) >= 0 && fputc('\n', out) != EOF;
	free(s);
	return ok;
}

int ih_cmd_explain(int argc, char **argv)
{
	
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		IH_CLI_SETTINGS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ih_cli_settings settings;
	memset(&settings, 0, sizeof(settings));
	enum fmt fmt = FMT_TEXT;
	const char *outpath = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		int shared = ih_cli_settings_option(&settings, c, optarg, "explain");
		if (shared < 0)
			return IH_EXIT_USAGE;
		if (shared > 0)
			continue;
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0)
				fmt = FMT_MARKDOWN;
			else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				fmt = FMT_JSONL;
			else {
				fprintf(stderr, "icmphound explain: unknown format '%s' (text, markdown or jsonl)\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "icmphound explain: give an incident id (or host) and the capture files\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	const char *want = argv[optind];
	struct ih_config cfg;
	if (!ih_cli_configure(&settings, &cfg, "explain"))
		return IH_EXIT_USAGE;

	char err[512];
	struct ih_source *src = ih_source_open_files(argv + optind + 1, (size_t)(argc - optind - 1), err, sizeof(err));
	if (!src) {
		fprintf(stderr, "icmphound: %s\n", err);
		return IH_EXIT_OPEN;
	}
	ih_cli_seed_from_inputs(&cfg, argv + optind + 1, (size_t)(argc - optind - 1));
	struct ih_pipeline pl;
	if (!ih_pipeline_init(&pl, &cfg)) {
		fprintf(stderr, "icmphound: out of memory building tables (try a smaller --mem-cap)\n");
		ih_pipeline_free(&pl);
		ih_source_close(src);
		return IH_EXIT_INTERNAL;
	}
	ih_pipeline_prepare_on(&pl, src); /* decode on the reader's thread */
	ih_sandbox_enter("explain", &cfg, outpath ? IH_SB_CREATE : 0);
	err[0] = '\0';
	enum ih_source_status st = ih_source_run(src, ih_pipeline_frame, &pl, err, sizeof(err));
	ih_pipeline_finish(&pl);
	ih_findings_assign_ids(&pl.findings);
	if (st == IH_SRC_READ_ERROR)
		fprintf(stderr, "icmphound: %s\n", err);
	struct ih_incidents incs;
	if (!ih_incidents_build(&incs, &pl.findings, &pl.cfg)) {
		fprintf(stderr, "icmphound: out of memory building incidents\n");
		ih_pipeline_free(&pl);
		ih_source_close(src);
		return IH_EXIT_INTERNAL;
	}
	int rc = st == IH_SRC_READ_ERROR ? IH_EXIT_READ : IH_EXIT_OK;
	const struct ih_incident *inc = ih_incidents_find(&incs, want);
	if (!inc) {
		fprintf(stderr, "icmphound explain: no incident '%s' in these captures", want);
		if (incs.n) {
			fprintf(stderr, " (%zu incident%s:", incs.n, incs.n == 1 ? "" : "s");
			for (size_t i = 0; i < incs.n && i < 8; i++)
				fprintf(stderr, " %s %s%s", incs.v[i].id,
					json_string_value(json_object_get(incs.v[i].obj, "primary")), i + 1 < incs.n && i < 7 ? "," : "");
			fprintf(stderr, "%s)", incs.n > 8 ? " ..." : "");
		} else {
			fprintf(stderr, " (no findings, so no incidents)");
		}
		fprintf(stderr, "\n");
		rc = IH_EXIT_USAGE;
	} else {
		FILE *out = stdout;
		if (outpath && !(out = fopen(outpath, "w"))) {
			fprintf(stderr, "icmphound: cannot write %s: %m\n", outpath);
			rc = IH_EXIT_OPEN;
		} else {
			bool ok;
			if (fmt == FMT_JSONL) {
				ok = true;
				for (size_t i = 0; i < inc->nf; i++)
					ok = put_line(out, inc->f[i]->obj) && ok;
				ok = put_line(out, inc->obj) && ok;
				ok = fflush(out) == 0 && ok;
			} else {
				ok = ih_incident_explain(out, inc, fmt == FMT_MARKDOWN);
			}
			if (out != stdout && fclose(out) != 0)
				ok = false;
			if (!ok) {
				fprintf(stderr, "icmphound: could not write the output\n");
				rc = IH_EXIT_INTERNAL;
			}
		}
	}
	ih_incidents_free(&incs);
	ih_pipeline_free(&pl);
	ih_source_close(src);
	return rc;
}

/* main.c — icmphound: find ICMP abuse and walk an analyst through it. Dispatches only. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/sandbox.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "analyze", ih_cmd_analyze, "read captures and report findings" },
	{ "log", ih_cmd_log, "show the ICMP conversations or messages of captures" },
	{ "watch", ih_cmd_watch, "capture live, report as it happens, name the process behind it" },
	{ "explain", ih_cmd_explain, "walk through one incident: playbook, evidence, ATT&CK, narrative" },
	{ "report", ih_cmd_report, "write the investigation as HTML (with charts) or Markdown" },
	{ "hunt", ih_cmd_hunt, "search the recorded history: sweeps, lateral movement, hosts like an incident" },
	{ "evidence", ih_cmd_evidence, "preserve an incident's packets, findings and a hashed chain-of-custody manifest" },
	{ "contain", ih_cmd_contain, "plan (and with --apply do, or --rollback undo) an incident's containment" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: icmphound COMMAND [options] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n`icmphound COMMAND --help` describes each. `icmphound --version` prints the version.\n"
		   "Every command also takes --no-sandbox and --sandbox-user NAME (docs/PRIVILEGES.md).\n");
}

int main(int argc, char **argv)
{
	if (!ih_sandbox_options(&argc, argv))
		return IH_EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return IH_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("icmphound %s\n", IH_VERSION);
		return IH_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "icmphound: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return IH_EXIT_USAGE;
}

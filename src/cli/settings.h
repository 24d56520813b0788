/* settings.h — how a command turns its options into a configuration: defaults, then the config
 * file (--config FILE, or the default location when it exists, unless --no-config), then the
 * command line (--set KEY=VALUE and the named options), so the command line always wins
 * whatever the order of the arguments. */
#ifndef IH_SETTINGS_H
#define IH_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

#define IH_CLI_MAX_SETTINGS 256

struct ih_cli_settings {
	const char *config_path;  /* --config FILE */
	bool no_config;           /* --no-config */
	unsigned n;
	struct {
		const char *key;  /* an option name, or "section.key" */
		const char *value;
	} kv[IH_CLI_MAX_SETTINGS];
};

/* Records one setting (applied later, in order). Returns false when there are too many. */
bool ih_cli_setting(struct ih_cli_settings *s, const char *key, const char *value);
/* Records "KEY=VALUE" (the argument of --set; the string is modified). False, with a message
 * on stderr naming `cmd`, when it has no '=' or there are too many. */
bool ih_cli_set_arg(struct ih_cli_settings *s, char *arg, const char *cmd);
/* The options every analysing command shares (analyze, explain, report, watch): getopt codes
 * out of the way of each command's own (which start at 256) and of the endpoint options
 * (0x1000), their long options for the command's table, and one handler. */
enum {
	IH_CLI_OPT_HOME = 0x2000, IH_CLI_OPT_MONITOR, IH_CLI_OPT_MEMCAP, IH_CLI_OPT_SEED, IH_CLI_OPT_SET,
	IH_CLI_OPT_CONFIG, IH_CLI_OPT_NOCONFIG,
};
#define IH_CLI_SETTINGS_LONGOPTS \
	{ "home", required_argument, NULL, IH_CLI_OPT_HOME }, \
	{ "monitor", required_argument, NULL, IH_CLI_OPT_MONITOR }, \
	{ "mem-cap", required_argument, NULL, IH_CLI_OPT_MEMCAP }, \
	{ "seed", required_argument, NULL, IH_CLI_OPT_SEED }, \
	{ "set", required_argument, NULL, IH_CLI_OPT_SET }, \
	{ "config", required_argument, NULL, IH_CLI_OPT_CONFIG }, \
	{ "no-config", no_argument, NULL, IH_CLI_OPT_NOCONFIG }
/* Takes getopt's code c: 1 when it was one of the shared options (recorded), 0 when it is
 * not, -1 on a usage error (printed on stderr naming `cmd`). */
int ih_cli_settings_option(struct ih_cli_settings *s, int c, char *arg, const char *cmd);
/* Fills cfg: defaults, the file, the recorded settings, then ih_config_fit_memory. Prints the
 * first error on stderr ("icmphound CMD: FILE:LINE: ...") and returns false on any. */
bool ih_cli_configure(const struct ih_cli_settings *s, struct ih_config *cfg, const char *cmd);
/* When no seed was set (cfg->track.seed == 0): the hash seed of every table from the input
 * files' first bytes (64 KiB of each), so that the same files give the same output however
 * full the tables get (which record an eviction picks depends on where the hash puts it),
 * while one who sends some of the packets cannot predict it. Left at 0 (a random seed per
 * run) when an input cannot be read ahead: standard input, a pipe. Call before
 * ih_pipeline_init. */
void ih_cli_seed_from_inputs(struct ih_config *cfg, char *const *files, size_t nfiles);

#endif

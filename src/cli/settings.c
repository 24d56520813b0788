/* settings.c — defaults, config file, command line: in that order, for every command. */
#include "cli/settings.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/config_file.h"

#define SEED_BYTES (64 * 1024) /* read of each input for the hash seed */

bool ih_cli_setting(struct ih_cli_settings *s, const char *key, const char *value)
{
	if (s->n >= IH_CLI_MAX_SETTINGS)
		return false;
	s->kv[s->n].key = key;
	s->kv[s->n].value = value;
	s->n++;
	return true;
}

bool ih_cli_set_arg(struct ih_cli_settings *s, char *arg, const char *cmd)
{
	char *eq = strchr(arg, '=');
	if (!eq) {
		fprintf(stderr, "icmphound %s: --set wants KEY=VALUE, got '%s'\n", cmd, arg);
		return false;
	}
	*eq = '\0';
	if (!ih_cli_setting(s, arg, eq + 1)) {
		fprintf(stderr, "icmphound %s: more than %d settings on the command line\n", cmd, IH_CLI_MAX_SETTINGS);
		return false;
	}
	return true;
}

bool ih_cli_configure(const struct ih_cli_settings *s, struct ih_config *cfg, const char *cmd)
{
	char err[512], buf[4096];
	ih_config_default(cfg);
	const char *path = s->config_path;
	if (!path && !s->no_config)
		path = ih_config_default_path(buf, sizeof(buf));
	if (path && !ih_config_load(cfg, path, err, sizeof(err))) {
		fprintf(stderr, "icmphound %s: %s\n", cmd, err);
		return false;
	}
	for (unsigned i = 0; i < s->n; i++)
		if (!ih_config_set_in(cfg, NULL, s->kv[i].key, s->kv[i].value, err, sizeof(err))) {
			fprintf(stderr, "icmphound %s: %s\n", cmd, err);
			return false;
		}
	ih_config_fit_memory(cfg);
	return true;
}

int ih_cli_settings_option(struct ih_cli_settings *s, int c, char *arg, const char *cmd)
{
	const char *key;
	switch (c) {
	case IH_CLI_OPT_HOME: key = "home"; break;
	case IH_CLI_OPT_MONITOR: key = "monitor"; break;
	case IH_CLI_OPT_MEMCAP: key = "mem_cap_mb"; break;
	case IH_CLI_OPT_SEED: key = "seed"; break;
	case IH_CLI_OPT_SET: return ih_cli_set_arg(s, arg, cmd) ? 1 : -1;
	case IH_CLI_OPT_CONFIG: s->config_path = arg; return 1;
	case IH_CLI_OPT_NOCONFIG: s->no_config = true; return 1;
	default: return 0;
	}
	if (!ih_cli_setting(s, key, arg)) {
		fprintf(stderr, "icmphound %s: too many options\n", cmd);
		return -1;
	}
	return 1;
}

void ih_cli_seed_from_inputs(struct ih_config *cfg, char *const *files, size_t nfiles)
{
	if (cfg->track.seed || !nfiles)
		return;
	XXH3_state_t *st = XXH3_createState();
	uint8_t *buf = malloc(SEED_BYTES);
	bool ok = st && buf && XXH3_64bits_reset(st) == XXH_OK;
	for (size_t i = 0; ok && i < nfiles; i++) {
		int fd = strcmp(files[i], "-") == 0 ? -1 : open(files[i], O_RDONLY | O_CLOEXEC);
		struct stat sb;
		ok = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
		ssize_t n = ok ? pread(fd, buf, SEED_BYTES, 0) : -1;
		ok = ok && n >= 0 && XXH3_64bits_update(st, buf, (size_t)n) == XXH_OK;
		if (fd >= 0)
			close(fd);
	}
	if (ok) {
		uint64_t seed = XXH3_64bits_digest(st);
		cfg->track.seed = seed ? seed : 1;
	}
	free(buf);
	XXH3_freeState(st);
}

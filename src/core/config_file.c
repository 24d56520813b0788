/* config_file.c — the INI file: sections to option names, line numbers in every error.
 *
 * inih parses; we give it a reader over the file's bytes (read whole, at most
 * IH_CONFIG_MAX_BYTES) that counts lines, so that an error found in the handler is reported with
 * its own line, and that refuses what inih would silently mangle: a line longer than inih's
 * buffer (it would be split in two) and a NUL byte (it would cut the line). */
#include "core/config_file.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	const char *section;
	const char *prefix;
} sections[] = {
	{ "general", "" },       { "tables", "" },
	{ "sweep", "sweep_" },   { "tunnel", "tunnel_" },
	{ "exfiltration", "exfil_" }, { "exfil", "exfil_" },
	{ "beacon", "beacon_" }, { "persistent_echo", "persist_" },
	{ "persist", "persist_" }, { "volume_anomaly", "volume_" },
	{ "volume", "volume_" }, { "large_payload", "large_" },
	{ "large", "large_" },   { "lateral_movement", "lateral_" },
	{ "lateral", "lateral_" }, { "incident", "incident_" },
	{ "reassembly", "reasm_" }, { "reasm", "reasm_" },
	{ "history", "history_" }, { "store", "store_" },
	{ "zeek", "zeek_" },
};

/* Sections the example file uses, in order; keys go to the first whose prefix they carry. */
static const char *const write_order[] = { "sweep", "tunnel", "exfiltration", "beacon", "persistent_echo",
					   "volume_anomaly", "large_payload", "lateral_movement", "incident",
					   "reassembly", "history", "store", "zeek" };

static const char *prefix_of(const char *section)
{
	if (!section || !*section)
		return "";
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(sections[i].section, section) == 0)
			return sections[i].prefix;
	return NULL;
}

static bool known(const char *key)
{
	const char *k, *w;
	bool list;
	for (size_t i = 0; ih_config_option(NULL, i, &k, NULL, 0, &list, &w); i++)
		if (strcmp(k, key) == 0)
			return true;
	return false;
}

static bool is_list(const char *key)
{
	const char *k, *w;
	bool list;
	for (size_t i = 0; ih_config_option(NULL, i, &k, NULL, 0, &list, &w); i++)
		if (strcmp(k, key) == 0)
			return list;
	return false;
}

/* The option a (section, key) names, into out; false with a message when none. */
static bool resolve(const char *section, const char *key, char *out, size_t outlen, char *err, size_t errlen)
{
	char sec[64];
	const char *dot = strchr(key, '.');
	if (dot && (!section || !*section || strcmp(section, "general") == 0)) {
		size_t n = (size_t)(dot - key);
		if (n >= sizeof(sec)) {
			snprintf(err, errlen, "unknown section in '%s'", key);
			return false;
		}
		memcpy(sec, key, n);
		sec[n] = '\0';
		section = sec;
		key = dot + 1;
	}
	const char *prefix = prefix_of(section);
	if (!prefix) {
		snprintf(err, errlen, "unknown section [%s]", section);
		return false;
	}
	if (*prefix) {
		int w = snprintf(out, outlen, "%s%s", prefix, key);
		if (w > 0 && (size_t)w < outlen && known(out))
			return true;
	}
	if (strlen(key) < outlen && known(key)) {
		snprintf(out, outlen, "%s", key);
		return true;
	}
	if (section && *section)
		snprintf(err, errlen, "unknown option '%s' in [%s]", key, section);
	else
		snprintf(err, errlen, "unknown option '%s'", key);
	return false;
}

bool ih_config_set_in(struct ih_config *c, const char *section, const char *key, const char *value, char *err,
		      size_t errlen)
{
	char full[96];
	if (!resolve(section, key, full, sizeof(full), err, errlen))
		return false;
	return ih_config_set(c, full, value, err, errlen);
}

/* ------------------------------------------------------------------ loading */

#define MAX_SEEN 128
#define LIST_MAX 1024 /* ih_config_set reads list values up to this many bytes */

struct seen {
	char key[96];
	int line;
	char *list; /* accumulated value of a list option */
};

struct load {
	struct ih_config *cfg;
	const char *name;
	const char *p, *end;  /* reader cursor */
	int line;             /* line the reader handed over last */
	bool indented;        /* ... and it starts with a blank */
	char prev_name[96];   /* the key and section of the handler's previous call */
	char prev_section[96];
	int err_line;         /* first error found by the handler or the reader; 0: none */
	char err[256];
	struct seen seen[MAX_SEEN];
	unsigned nseen;
};

static char *reader(char *str, int num, void *stream)
{
	struct load *ld = stream;
	if (ld->err_line && ld->err_line <= ld->line)
		return NULL; /* stop after an error the reader itself found */
	if (ld->p >= ld->end || num < 3)
		return NULL;
	size_t avail = (size_t)(ld->end - ld->p);
	const char *nl = memchr(ld->p, '\n', avail);
	size_t len = nl ? (size_t)(nl - ld->p) : avail;
	ld->line++;
	if (memchr(ld->p, '\0', len)) {
		if (!ld->err_line) {
			ld->err_line = ld->line;
			snprintf(ld->err, sizeof(ld->err), "NUL byte in the line");
		}
		return NULL;
	}
	if (len > (size_t)num - 2) {
		if (!ld->err_line) {
			ld->err_line = ld->line;
			snprintf(ld->err, sizeof(ld->err), "line longer than %d characters (continue a list on indented lines)",
				 num - 2);
		}
		return NULL;
	}
	ld->indented = len && (ld->p[0] == ' ' || ld->p[0] == '\t');
	memcpy(str, ld->p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	ld->p += len + (nl ? 1 : 0);
	return str;
}

static void fail(struct load *ld, const char *fmt, const char *a, const char *b)
{
	if (ld->err_line)
		return;
	ld->err_line = ld->line;
	snprintf(ld->err, sizeof(ld->err), fmt, a, b);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	if (ld->err_line)
		return 1; /* the first error is the one reported */
	char key[96], err[256];
	/* inih reads an indented line after a key as more of that key's value: fine for a list, a
	 * mistake for an indented "key = value" */
	bool continued = ld->indented && strcmp(name, ld->prev_name) == 0 && strcmp(section, ld->prev_section) == 0;
	snprintf(ld->prev_name, sizeof(ld->prev_name), "%s", name);
	snprintf(ld->prev_section, sizeof(ld->prev_section), "%s", section);
	if (!resolve(section, name, key, sizeof(key), err, sizeof(err))) {
		fail(ld, "%s%s", err, "");
		return 0;
	}
	if (continued && (strchr(value, '=') || !is_list(key))) {
		fail(ld, "an indented line continues the value of '%s' on the line before: do not indent %s", name,
		     strchr(value, '=') ? "keys" : "the values of options that are not lists");
		return 0;
	}
	/* a value may be quoted */
	char val[LIST_MAX];
	size_t vl = strlen(value);
	if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
		value++;
		vl -= 2;
	}
	if (vl >= sizeof(val)) {
		fail(ld, "%s: value longer than %s bytes", key, "1023");
		return 0;
	}
	memcpy(val, value, vl);
	val[vl] = '\0';

	struct seen *s = NULL;
	for (unsigned i = 0; i < ld->nseen; i++)
		if (strcmp(ld->seen[i].key, key) == 0)
			s = &ld->seen[i];
	const char *apply = val;
	if (s && !is_list(key)) {
		char first[16];
		snprintf(first, sizeof(first), "%d", s->line);
		fail(ld, "'%s' given twice (first on line %s)", key, first);
		return 0;
	}
	if (!s) {
		if (ld->nseen >= MAX_SEEN) {
			fail(ld, "too many settings%s%s", "", "");
			return 0;
		}
		s = &ld->seen[ld->nseen++];
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->line = ld->line;
	}
	if (is_list(key)) {
		size_t have = s->list ? strlen(s->list) : 0;
		if (have + 1 + vl >= LIST_MAX) {
			fail(ld, "%s: the list is longer than %s bytes", key, "1023");
			return 0;
		}
		char *nv = realloc(s->list, have + vl + 2);
		if (!nv) {
			fail(ld, "out of memory%s%s", "", "");
			return 0;
		}
		s->list = nv;
		if (have && vl)
			s->list[have++] = ',';
		memcpy(s->list + have, val, vl + 1);
		apply = s->list;
	}
	if (!ih_config_set(ld->cfg, key, apply, err, sizeof(err))) {
		fail(ld, "%s%s", err, "");
		return 0;
	}
	return 1;
}

bool ih_config_load_mem(struct ih_config *c, const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	struct load *ld = calloc(1, sizeof(*ld));
	if (!ld) {
		snprintf(err, errlen, "%s: out of memory", name);
		return false;
	}
	ld->cfg = c;
	ld->name = name;
	ld->p = data;
	ld->end = data + len;
	int rc = ini_parse_stream(reader, ld, handler, ld);
	bool ok = true;
	if (rc == -2) {
		snprintf(err, errlen, "%s: out of memory", name);
		ok = false;
	} else if (rc > 0 && (!ld->err_line || rc < ld->err_line)) {
		snprintf(err, errlen, "%s:%d: not a section header, a 'key = value' line or a comment", name, rc);
		ok = false;
	} else if (ld->err_line) {
		snprintf(err, errlen, "%s:%d: %s", name, ld->err_line, ld->err);
		ok = false;
	} else if (rc != 0) {
		snprintf(err, errlen, "%s: cannot be parsed", name);
		ok = false;
	}
	for (unsigned i = 0; i < ld->nseen; i++)
		free(ld->seen[i].list);
	free(ld);
	return ok;
}

bool ih_config_load(struct ih_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the configuration file: %s", path, strerror(errno));
		return false;
	}
	char *buf = malloc(IH_CONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return false;
	}
	size_t n = fread(buf, 1, IH_CONFIG_MAX_BYTES + 1, f);
	bool bad = ferror(f);
	fclose(f);
	bool ok;
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		ok = false;
	} else if (n > IH_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes: not a configuration file", path, IH_CONFIG_MAX_BYTES);
		ok = false;
	} else {
		ok = ih_config_load_mem(c, path, buf, n, err, errlen);
	}
	free(buf);
	return ok;
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

const char *ih_config_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int w = -1;
	if (xdg && *xdg == '/')
		w = snprintf(buf, len, "%s/icmphound/icmphound.conf", xdg);
	else if (home && *home)
		w = snprintf(buf, len, "%s/.config/icmphound/icmphound.conf", home);
	if (w > 0 && (size_t)w < len && exists(buf))
		return buf;
	w = snprintf(buf, len, "/etc/icmphound/icmphound.conf");
	if (w > 0 && (size_t)w < len && exists(buf))
		return buf;
	return NULL;
}

/* ------------------------------------------------------------------ writing */

static const char *section_of(const char *key, const char **name)
{
	*name = key;
	if (strcmp(key, "large_payload") == 0)
		return "general"; /* the tracker's size threshold, not the detector's */
	for (size_t s = 0; s < sizeof(write_order) / sizeof(write_order[0]); s++) {
		const char *p = prefix_of(write_order[s]);
		size_t pl = p ? strlen(p) : 0;
		if (pl && strncmp(key, p, pl) == 0 && key[pl]) {
			*name = key + pl;
			return write_order[s];
		}
	}
	return "general";
}

static void write_section(const struct ih_config *c, FILE *f, const char *section, bool commented)
{
	const char *k, *w, *name;
	bool list;
	char val[2048];
	bool any = false;
	for (size_t i = 0; ih_config_option(c, i, &k, val, sizeof(val), &list, &w); i++) {
		if (strcmp(section_of(k, &name), section) != 0)
			continue;
		if (!any)
			fprintf(f, "[%s]\n", section);
		any = true;
		fprintf(f, "# %s%s\n", w, list ? " (a list: a repeated key adds to it)" : "");
		/* inih reads lines of at most 198 characters: a long list goes on several lines,
		 * each repeating the key */
		const char *hash = commented ? "#" : "";
		fprintf(f, "%s%s =", hash, name);
		size_t col = strlen(name) + 2 + strlen(hash);
		char *save = NULL;
		bool firstitem = true;
		for (char *tok = list ? strtok_r(val, ",", &save) : val; tok; tok = list ? strtok_r(NULL, ",", &save) : NULL) {
			size_t tl = strlen(tok);
			if (!firstitem && col + tl + 1 > 96) {
				fprintf(f, "\n%s%s = %s", hash, name, tok);
				col = strlen(name) + 3 + strlen(hash) + tl;
			} else {
				fprintf(f, "%s%s", firstitem ? " " : ",", tok);
				col += tl + 1;
			}
			firstitem = false;
			if (!list)
				break;
		}
		fprintf(f, "\n");
	}
	if (any)
		fprintf(f, "\n");
}

void ih_config_write_ini(const struct ih_config *c, FILE *f, bool commented)
{
	fprintf(f, "# icmphound.conf: every option with its %s.%s\n"
		   "# Read from --config FILE, or else from $XDG_CONFIG_HOME/icmphound/icmphound.conf\n"
		   "# (~/.config/icmphound/icmphound.conf), then\n"
		   "# /etc/icmphound/icmphound.conf. Command-line options (--set KEY=VALUE, --home...) override\n"
		   "# the file. In a section, a key is the option's name without the section's prefix\n"
		   "# ([sweep] min_targets is sweep_min_targets); the full name and section.key work too.\n"
		   "# Times in seconds (_s) or milliseconds (_ms), sizes in bytes unless named _mb.\n"
		   "# Regenerate: icmphound analyze --no-config --list-options=ini\n\n",
		commented ? "default value" : "value",
		commented ? "\n# Settings are commented out: remove the '#' in front of one to change it." : "");
	write_section(c, f, "general", commented);
	for (size_t s = 0; s < sizeof(write_order) / sizeof(write_order[0]); s++)
		write_section(c, f, write_order[s], commented);
}

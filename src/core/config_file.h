/* config_file.h — the INI configuration file (inih), mapped onto the options of config.h.
 *
 * Every key of the file goes through ih_config_set(), so a line of the file and
 * `--set KEY=VALUE` are the same thing. Sections name the detector a key belongs to:
 *
 *   [general]  (or no section)   home, monitor, mem_cap_mb, seed, host_capacity, ...
 *   [sweep]    min_targets = 10  -> sweep_min_targets
 *   [tunnel] [exfiltration] [beacon] [persistent_echo] [volume_anomaly] [large_payload]
 *   [lateral_movement] [incident] [reassembly]   likewise (prefixes tunnel_, exfil_, beacon_,
 *              persist_, volume_, large_, lateral_, incident_, reasm_; short names [exfil],
 *              [persist], [volume], [large], [lateral], [reasm] too)
 *
 * Inside a section the full key is accepted as well ([sweep] sweep_min_targets), and outside
 * one "section.key" (sweep.min_targets). List options (home, monitor, lateral_ports) given more
 * than once, or continued on indented lines, accumulate; any other key given twice is an error.
 * Errors name the file and the line: "icmphound.conf:7: unknown option 'min_target' in [sweep]". */
#ifndef IH_CONFIG_FILE_H
#define IH_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"

#define IH_CONFIG_MAX_BYTES (1u << 20) /* a config file larger than this is refused */

/* Sets one option as the file would: `section` may be NULL or "" (no section); `key` may be
 * "section.key". Returns false with a message in err on an unknown section or key, or a bad
 * value. */
bool ih_config_set_in(struct ih_config *c, const char *section, const char *key, const char *value, char *err,
		      size_t errlen);
/* Loads an INI file into c (over what c holds). On failure returns false with
 * "PATH:LINE: what" (or "PATH: what") in err; c may then hold some of the file's settings. */
bool ih_config_load(struct ih_config *c, const char *path, char *err, size_t errlen);
/* The same from memory; `name` stands for the file in messages. Bytes need no terminator. */
bool ih_config_load_mem(struct ih_config *c, const char *name, const char *data, size_t len, char *err, size_t errlen);
/* The default file: $XDG_CONFIG_HOME/icmphound/icmphound.conf (or ~/.config/icmphound/
 * icmphound.conf when XDG_CONFIG_HOME is unset), then /etc/icmphound/icmphound.conf — the first
 * that exists, written into buf. NULL when none does. */
const char *ih_config_default_path(char *buf, size_t len);
/* Writes every option with its value in c as an INI file, grouped in sections, each preceded by
 * its description. With `commented`, the settings are commented out (an example file). */
void ih_config_write_ini(const struct ih_config *c, FILE *f, bool commented);

#endif

/* timeparse.h — reading times back: RFC 3339 (what every output of icmphound writes) and the
 * relative forms a hunt takes on the command line ("7d", "12h", "30m").
 *
 * Pure functions; no locale, no time zone database: an offset in the string is applied by hand,
 * and everything comes out in ns since the epoch, UTC. */
#ifndef IH_TIMEPARSE_H
#define IH_TIMEPARSE_H

#include <stdbool.h>
#include <stdint.h>

/* "2026-11-25T01:11:27.671175Z", "2026-11-25T01:11:27+02:00", "2026-11-25 01:11:27",
 * "2026-11-25" (midnight UTC). A fraction of up to 9 digits is kept; more digits are read and
 * dropped. Returns false on anything else (nothing written to *ns). */
bool ih_time_parse(const char *s, uint64_t *ns /* OUT */);

/* An absolute time as above, or a duration back from `now_ns`: a number and a unit,
 * s, m, h, d or w ("7d" is seven days before now). Returns false on anything else. */
bool ih_time_parse_when(const char *s, uint64_t now_ns, uint64_t *ns /* OUT */);

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t ih_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif

/* osquery.c — \summary: one line of osquery socket_events output (JSON).
 *
 * Accepted shapes, one JSON object a line:
 *   results log, differential:  {"name":"socket_events","hostIdentifier":"ws1",
 *                                "unixTime":1732497273,"columns":{...},"action":"added"}
 *   results log, snapshot:      {"name":"...","snapshot":[{...},{...}],"hostIdentifier":...}
 *   plain rows (osqueryi --json, or an EDR export), one object per line: {...}
 * A row's columns may be strings (osquery's default) or numbers. Rows that are not ICMP
 * (protocol other than 1 / 58), that were "removed" from a differential result, or that
 * come from another query are skipped without complaint. A row that is ICMP but lacks a pid,
 * a time or a family is malformed. */
#include <string.h>

#include "endpoint/eplog.h"

/* Decimal digits only, at most max. */
static bool parse_dec(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	if (n == 0 || n > 20)
		return false;
	uint64_t r = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (r > (max - d) / 10)
			return false;
		r = r * 10 + d;
	}
	*v = r;
	return true;
}

/* A column as an unsigned number, from a JSON integer or a decimal string. */
static bool col_u64(json_t *o, const char *k, uint64_t max, uint64_t *v)
{
	json_t *x = json_object_get(o, k);
	if (json_is_integer(x)) {
		json_int_t i = json_integer_value(x);
		if (i < 0 || (uint64_t)i > max)
			return false;
		*v = (uint64_t)i;
		return true;
	}
	if (!json_is_string(x))
		return false;
	return parse_dec(json_string_value(x), json_string_length(x), max, v);
}

#define MAX_EPOCH_S 17179869183ull /* 2514: later than any log we will read */

/* Seconds since the epoch, with an optional fraction (a string "1732497273.25" or a real). */
static bool col_time(json_t *o, const char *k, uint64_t *ns)
{
	json_t *x = json_object_get(o, k);
	uint64_t s;
	if (json_is_real(x)) {
		double d = json_real_value(x);
		if (!(d >= 0 && d < (double)MAX_EPOCH_S))
			return false;
		*ns = (uint64_t)(d * 1e9);
		return true;
	}
	if (json_is_string(x)) {
		const char *str = json_string_value(x);
		size_t n = json_string_length(x);
		const char *dot = memchr(str, '.', n);
		if (!dot)
			return parse_dec(str, n, MAX_EPOCH_S, &s) && (*ns = s * 1000000000ull, true);
		size_t fl = n - (size_t)(dot - str) - 1;
		uint64_t frac;
		if (!parse_dec(str, (size_t)(dot - str), MAX_EPOCH_S, &s) || fl == 0 || fl > 9 ||
		    !parse_dec(dot + 1, fl, 999999999, &frac))
			return false;
		for (size_t i = fl; i < 9; i++)
			frac *= 10;
		*ns = s * 1000000000ull + frac;
		return true;
	}
	if (!col_u64(o, k, MAX_EPOCH_S, &s))
		return false;
	*ns = s * 1000000000ull;
	return true;
}

static const char *col_str(json_t *o, const char *k, size_t *n)
{
	json_t *x = json_object_get(o, k);
	if (!json_is_string(x))
		return NULL;
	*n = json_string_length(x);
	return json_string_value(x);
}

/* One row. Returns 1 ICMP, 0 not ours, -1 malformed. */
static int one_row(json_t *row, json_t *top, struct ih_osq_row *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	out->uid = out->auid = -1;
	out->pid = -1;
	if (!json_is_object(row)) {
		*why = "a row is not a JSON object";
		return -1;
	}
	/* protocol: 1 / 58, or the names; anything else is another protocol's row */
	uint64_t proto = 0;
	size_t n;
	const char *ps = col_str(row, "protocol", &n);
	if (ps && (strcmp(ps, "icmp") == 0 || strcmp(ps, "ICMP") == 0))
		proto = 1;
	else if (ps && (strcmp(ps, "ipv6-icmp") == 0 || strcmp(ps, "icmpv6") == 0))
		proto = 58;
	else if (!col_u64(row, "protocol", 255, &proto))
		return 0;
	if (proto != 1 && proto != 58)
		return 0;
	out->protocol = (uint16_t)proto;
	uint64_t fam;
	if (!col_u64(row, "family", 65535, &fam) || (fam != 2 && fam != 10)) {
		*why = "an ICMP row without family 2 or 10";
		return -1;
	}
	out->family = fam == 2 ? IH_AF_INET : IH_AF_INET6;
	uint64_t pid;
	if (!col_u64(row, "pid", 0x7fffffff, &pid)) {
		*why = "an ICMP row without a pid";
		return -1;
	}
	out->pid = (int32_t)pid;
	if (!col_time(row, "time", &out->time_ns) && !(top && col_time(top, "unixTime", &out->time_ns))) {
		*why = "an ICMP row without a time";
		return -1;
	}
	uint64_t u;
	if (col_u64(row, "uid", UINT32_MAX, &u))
		out->uid = (int64_t)u;
	if (col_u64(row, "auid", UINT32_MAX, &u))
		out->auid = (int64_t)u;
	const char *s = col_str(row, "path", &n);
	if (s)
		ih_ep_sanitize(s, n, out->exe, sizeof(out->exe), false);
	s = col_str(row, "cmdline", &n);
	if (s)
		ih_ep_sanitize(s, n, out->cmdline, sizeof(out->cmdline), false);
	s = col_str(row, "action", &n);
	out->connect = !s || !(n == 4 && memcmp(s, "bind", 4) == 0);
	s = col_str(row, "remote_address", &n);
	if (s && n && n < 64 && ih_addr_parse(s, &out->remote)) {
		static const uint8_t zero[16];
		out->has_remote = memcmp(out->remote.b, zero, 16) != 0;
	}
	s = col_str(row, "local_address", &n);
	if (s && n && n < 64 && ih_addr_parse(s, &out->local))
		out->has_local = true;
	if (top && (s = col_str(top, "hostIdentifier", &n)) != NULL)
		ih_ep_sanitize(s, n, out->host, sizeof(out->host), false);
	return 1;
}

/* Every row of an array (a snapshot, or rows exported one array a line). */
static int array_rows(json_t *arr, json_t *top, void (*fn)(void *ctx, const struct ih_osq_row *row),
		      void *ctx, const char **w)
{
	int count = 0;
	size_t k;
	json_t *x;
	struct ih_osq_row row;
	json_array_foreach(arr, k, x) {
		int r = one_row(x, top, &row, w);
		if (r < 0)
			return -1;
		if (r > 0) {
			count++;
			if (fn)
				fn(ctx, &row);
		}
	}
	return count;
}

int ih_osq_parse_line(const char *line, size_t len,
		      void (*fn)(void *ctx, const struct ih_osq_row *row), void *ctx, const char **why)
{
	static const char *dummy;
	const char **w = why ? why : &dummy;
	*w = "";
	if (len > IH_EPLOG_LINE_MAX) {
		*w = "line too long";
		return -1;
	}
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
		i++;
	if (i == len)
		return 0;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		*w = "not JSON";
		return -1;
	}
	int count = 0;
	struct ih_osq_row row;
	if (json_is_array(o)) {
		count = array_rows(o, NULL, fn, ctx, w);
	} else if (!json_is_object(o)) {
		*w = "not a JSON object";
		count = -1;
	} else {
		json_t *name = json_object_get(o, "name");
		json_t *act = json_object_get(o, "action");
		json_t *cols = json_object_get(o, "columns");
		json_t *snap = json_object_get(o, "snapshot");
		if (json_is_string(name) && !strstr(json_string_value(name), "socket")) {
			count = 0; /* another query's result */
		} else if (cols) {
			if (json_is_string(act) && strcmp(json_string_value(act), "removed") == 0) {
				count = 0;
			} else {
				count = one_row(cols, o, &row, w);
				if (count > 0 && fn)
					fn(ctx, &row);
			}
		} else if (snap) {
			if (json_is_array(snap)) {
				count = array_rows(snap, o, fn, ctx, w);
			} else {
				*w = "snapshot is not an array";
				count = -1;
			}
		} else {
			count = one_row(o, NULL, &row, w);
			if (count > 0 && fn)
				fn(ctx, &row);
		}
	}
	json_decref(o);
	return count;
}

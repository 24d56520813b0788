/* zeek_conn.c — \summary: Zeek conn.log (TSV and JSON lines) as packet views.
 *
 * Format: https://docs.zeek.org/en/current/logs/conn.html and the ASCII writer's header
 * (base/frameworks/logging/writers/ascii.zeek): "#separator \x09", then "#set_separator",
 * "#empty_field", "#unset_field", "#path", "#open", "#fields", "#types" with the separator, rows,
 * "#close". For ICMP, Zeek puts the type in id.orig_p and the code in id.resp_p. What a flow
 * becomes is described in zeek.h.
 *
 * Every line is read into a bounded buffer (64 KiB; a longer line is malformed and skipped to its
 * newline); every field is checked before use; the heap of pending flows has a fixed capacity;
 * the views of one flow are capped. Nothing here trusts a count in the file. */
#include "source/zeek.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/timeparse.h"

#define LINE_MAX_BYTES 65536
#define HEADER_LINES_MAX 64

/* ------------------------------------------------------------------ sniffing */

enum ih_input_format ih_input_sniff_mem(const uint8_t *p, size_t n)
{
	if (n >= 4) {
		uint32_t be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (be == 0xa1b2c3d4u || be == 0xd4c3b2a1u || be == 0xa1b23c4du || be == 0x4d3cb2a1u ||
		    be == 0x0a0d0d0au)
			return IH_FMT_PCAP;
	}
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3; /* UTF-8 byte order mark */
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	static const char sep[] = "#separator";
	if (n - i >= sizeof(sep) - 1 && memcmp(p + i, sep, sizeof(sep) - 1) == 0)
		return IH_FMT_ZEEK_TSV;
	if (i < n && p[i] == '{')
		return IH_FMT_ZEEK_JSON;
	return IH_FMT_UNKNOWN;
}

enum ih_input_format ih_input_sniff(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return IH_FMT_UNKNOWN;
	uint8_t buf[256];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return ih_input_sniff_mem(buf, n);
}

bool ih_inputs_detect(char *const *files, size_t n, enum ih_input_format *fmt, char *err, size_t errlen)
{
	size_t zeek = 0, known = 0;
	enum ih_input_format first = IH_FMT_UNKNOWN;
	const char *a_capture = NULL;
	for (size_t i = 0; i < n; i++) {
		enum ih_input_format f = strcmp(files[i], "-") == 0 ? IH_FMT_PCAP : ih_input_sniff(files[i]);
		if (f == IH_FMT_UNKNOWN && access(files[i], R_OK) != 0)
			continue; /* unreadable: whichever source opens it says why */
		known++;
		if (f == IH_FMT_ZEEK_TSV || f == IH_FMT_ZEEK_JSON) {
			zeek++;
			if (first == IH_FMT_UNKNOWN)
				first = f;
		} else if (!a_capture) {
			a_capture = files[i];
		}
	}
	if (zeek && zeek < known) {
		snprintf(err, errlen, "cannot read captures and Zeek conn.logs in one run (%s is not a conn.log)", a_capture);
		return false;
	}
	*fmt = zeek ? first : IH_FMT_PCAP;
	return true;
}

const char *ih_input_format_name(enum ih_input_format f)
{
	switch (f) {
	case IH_FMT_PCAP: return "pcap";
	case IH_FMT_ZEEK_TSV: return "zeek-tsv";
	case IH_FMT_ZEEK_JSON: return "zeek-json";
	default: return "unknown";
	}
}

/* ------------------------------------------------------------------ fields */

enum {
	F_TS, F_ORIG_H, F_ORIG_P, F_RESP_H, F_RESP_P, F_PROTO, F_DURATION, F_CONN_STATE, F_HISTORY,
	F_ORIG_PKTS, F_ORIG_IP_BYTES, F_RESP_PKTS, F_RESP_IP_BYTES,
};
static const char *const field_names[IH_ZEEK_NFIELDS] = {
	"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration", "conn_state",
	"history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
};

void ih_zeek_parser_init(struct ih_zeek_parser *zp, bool json)
{
	memset(zp, 0, sizeof(*zp));
	zp->json = json;
	zp->sep = '\t';
	snprintf(zp->unset, sizeof(zp->unset), "-");
	snprintf(zp->empty, sizeof(zp->empty), "(empty)");
	for (int i = 0; i < IH_ZEEK_NFIELDS; i++)
		zp->col[i] = -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes \xHH escapes in place (the ASCII writer escapes the separator and non-printables). */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p;) {
		int h, l;
		if (p[0] == '\\' && p[1] == 'x' && (h = hexval(p[2])) >= 0 && (l = hexval(p[3])) >= 0) {
			*o++ = (char)(h << 4 | l);
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/* A short printable copy of s for messages. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (; *s && n + 4 < len; s++)
		buf[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s && n + 4 <= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* "1300475167.096535" -> ns. Digits, at most one '.', no sign; at most 9 fraction digits
 * kept. */
static bool parse_secs(const char *s, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	unsigned nd = 0;
	const char *p = s;
	if (!(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9') {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec > 17000000000ull) /* past the year 2508: no packet time */
			return false;
		p++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nd < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				nd++;
			}
			p++;
		}
	}
	if (*p)
		return false;
	while (nd++ < 9)
		frac *= 10;
	*ns = sec * 1000000000ull + frac;
	return true;
}

static bool parse_count(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return true;
}

static bool parse_proto(const char *s, uint8_t *proto)
{
	if (strcmp(s, "icmp") == 0)
		*proto = IH_PROTO_ICMP;
	else if (strcmp(s, "tcp") == 0)
		*proto = IH_PROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = IH_PROTO_UDP;
	else
		*proto = 0;
	return true;
}

/* Fills out from the field values (NULL: unset). Shared by TSV and JSON. */
static enum ih_zeek_line fill(const char *const *v, struct ih_flow *out, char *err, size_t errlen)
{
	char b[64];
	memset(out, 0, sizeof(*out));
	static const int required[] = { F_TS, F_ORIG_H, F_RESP_H, F_PROTO };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!v[required[i]] || !*v[required[i]]) {
			snprintf(err, errlen, "expected a value for %s, found it unset", field_names[required[i]]);
			return IH_ZL_BAD;
		}
	if (!parse_secs(v[F_TS], &out->ts_ns)) {
		snprintf(err, errlen, "expected a time in seconds for ts, found '%s'", shown(v[F_TS], b, sizeof(b)));
		return IH_ZL_BAD;
	}
	if (!ih_addr_parse(v[F_ORIG_H], &out->orig)) {
		snprintf(err, errlen, "expected an address for id.orig_h, found '%s'", shown(v[F_ORIG_H], b, sizeof(b)));
		return IH_ZL_BAD;
	}
	if (!ih_addr_parse(v[F_RESP_H], &out->resp)) {
		snprintf(err, errlen, "expected an address for id.resp_h, found '%s'", shown(v[F_RESP_H], b, sizeof(b)));
		return IH_ZL_BAD;
	}
	if (out->orig.family != out->resp.family) {
		snprintf(err, errlen, "expected id.orig_h and id.resp_h of one family, found %s and %s",
			 out->orig.family == IH_AF_INET ? "IPv4" : "IPv6", out->resp.family == IH_AF_INET ? "IPv4" : "IPv6");
		return IH_ZL_BAD;
	}
	parse_proto(v[F_PROTO], &out->proto);
	if (!out->proto)
		return IH_ZL_SKIP; /* unknown_transport and the like */
	static const int ports[2] = { F_ORIG_P, F_RESP_P };
	for (int k = 0; k < 2; k++) {
		uint64_t x = 0;
		const char *s = v[ports[k]];
		if (s && *s && (!parse_count(s, &x) || x > 65535)) {
			snprintf(err, errlen, "expected a port (0-65535) for %s, found '%s'", field_names[ports[k]],
				 shown(s, b, sizeof(b)));
			return IH_ZL_BAD;
		}
		if ((!s || !*s) && out->proto == IH_PROTO_ICMP) {
			snprintf(err, errlen, "expected the ICMP %s in %s, found it unset", k ? "code" : "type",
				 field_names[ports[k]]);
			return IH_ZL_BAD;
		}
		if (out->proto == IH_PROTO_ICMP && x > 255) {
			snprintf(err, errlen, "expected an ICMP %s (0-255) in %s, found %llu", k ? "code" : "type",
				 field_names[ports[k]], (unsigned long long)x);
			return IH_ZL_BAD;
		}
		if (k)
			out->resp_p = (uint16_t)x;
		else
			out->orig_p = (uint16_t)x;
	}
	if (out->proto == IH_PROTO_ICMP && out->orig.family == IH_AF_INET6)
		out->proto = IH_PROTO_ICMP6;
	if (v[F_DURATION] && *v[F_DURATION] && !parse_secs(v[F_DURATION], &out->duration_ns)) {
		snprintf(err, errlen, "expected a duration in seconds, found '%s'", shown(v[F_DURATION], b, sizeof(b)));
		return IH_ZL_BAD;
	}
	if (out->duration_ns > 366ull * 86400 * 1000000000ull) {
		snprintf(err, errlen, "expected a duration under a year, found '%s'", shown(v[F_DURATION], b, sizeof(b)));
		return IH_ZL_BAD;
	}
	static const int counts[4] = { F_ORIG_PKTS, F_ORIG_IP_BYTES, F_RESP_PKTS, F_RESP_IP_BYTES };
	uint64_t *dst[4] = { &out->orig_pkts, &out->orig_ip_bytes, &out->resp_pkts, &out->resp_ip_bytes };
	for (int k = 0; k < 4; k++) {
		const char *s = v[counts[k]];
		if (!s || !*s)
			continue;
		if (!parse_count(s, dst[k])) {
			snprintf(err, errlen, "expected a count for %s, found '%s'", field_names[counts[k]], shown(s, b, sizeof(b)));
			return IH_ZL_BAD;
		}
		if (k == 0 || k == 2)
			out->has_pkts = true;
	}
	/* a count no link can carry is a broken or forged row, not traffic: 200 million packets a
	 * second is past 100 Gb/s of minimum-size frames */
	double secs = (double)out->duration_ns / 1e9;
	uint64_t most = out->orig_pkts > out->resp_pkts ? out->orig_pkts : out->resp_pkts;
	if ((double)most > 1000.0 + secs * 200e6) {
		snprintf(err, errlen, "expected at most 200 million packets a second, found %llu packets in %.6f s",
			 (unsigned long long)most, secs);
		return IH_ZL_BAD;
	}
	if (v[F_CONN_STATE])
		snprintf(out->conn_state, sizeof(out->conn_state), "%s", v[F_CONN_STATE]);
	if (v[F_HISTORY])
		snprintf(out->history, sizeof(out->history), "%s", v[F_HISTORY]);
	return IH_ZL_ROW;
}

/* Splits s at sep in place; up to max fields into f. Returns the number of fields. */
static int split(char *s, char sep, char **f, int max)
{
	int n = 0;
	char *p = s;
	for (;;) {
		char *e = strchr(p, sep);
		if (n < max)
			f[n] = p;
		n++;
		if (!e)
			break;
		*e = '\0';
		p = e + 1;
		if (n > 4096)
			break;
	}
	return n;
}

static enum ih_zeek_line header_line(struct ih_zeek_parser *zp, char *line, char *err, size_t errlen)
{
	char b[64];
	if (strncmp(line, "#separator", 10) == 0) {
		/* "#separator \x09": the only header line separated by a space */
		char *v = line + 10;
		while (*v == ' ')
			v++;
		unescape(v);
		if (strlen(v) != 1) {
			snprintf(err, errlen, "expected one separator character after #separator, found '%s'", shown(v, b, sizeof(b)));
			return IH_ZL_FATAL;
		}
		zp->sep = v[0];
		return IH_ZL_SKIP;
	}
	char *f[512];
	int n = split(line, zp->sep, f, 512);
	if (n > 512) {
		snprintf(err, errlen, "expected at most 511 fields in the header, found %d", n - 1);
		return IH_ZL_FATAL;
	}
	if (strcmp(f[0], "#unset_field") == 0 && n >= 2) {
		unescape(f[1]);
		snprintf(zp->unset, sizeof(zp->unset), "%s", f[1]);
	} else if (strcmp(f[0], "#empty_field") == 0 && n >= 2) {
		unescape(f[1]);
		snprintf(zp->empty, sizeof(zp->empty), "%s", f[1]);
	} else if (strcmp(f[0], "#path") == 0 && n >= 2) {
		unescape(f[1]);
		if (strcmp(f[1], "conn") != 0) {
			snprintf(err, errlen, "expected a conn log (#path conn), found a Zeek '%s' log", shown(f[1], b, sizeof(b)));
			return IH_ZL_FATAL;
		}
	} else if (strcmp(f[0], "#fields") == 0) {
		for (int i = 0; i < IH_ZEEK_NFIELDS; i++)
			zp->col[i] = -1;
		for (int c = 1; c < n; c++) {
			unescape(f[c]);
			for (int i = 0; i < IH_ZEEK_NFIELDS; i++)
				if (strcmp(f[c], field_names[i]) == 0 && zp->col[i] < 0)
					zp->col[i] = c - 1;
		}
		zp->ncols = n - 1;
		static const int required[] = { F_TS, F_ORIG_H, F_RESP_H, F_PROTO };
		for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
			if (zp->col[required[i]] < 0) {
				snprintf(err, errlen, "expected the conn.log field '%s' in #fields, found none",
					 field_names[required[i]]);
				return IH_ZL_FATAL;
			}
		zp->have_fields = true;
	}
	return IH_ZL_SKIP;
}

static enum ih_zeek_line parse_tsv(struct ih_zeek_parser *zp, char *line, struct ih_flow *out, char *err,
				   size_t errlen)
{
	if (line[0] == '#')
		return header_line(zp, line, err, errlen);
	if (!zp->have_fields) {
		snprintf(err, errlen, "expected a #fields header before the first row, found a row");
		return IH_ZL_BAD;
	}
	char *f[512];
	int n = split(line, zp->sep, f, 512);
	if (n != zp->ncols) {
		snprintf(err, errlen, "expected %d fields, found %d", zp->ncols, n);
		return IH_ZL_BAD;
	}
	const char *v[IH_ZEEK_NFIELDS];
	for (int i = 0; i < IH_ZEEK_NFIELDS; i++) {
		v[i] = NULL;
		if (zp->col[i] < 0)
			continue;
		char *s = f[zp->col[i]];
		if (strcmp(s, zp->unset) == 0)
			continue;
		if (strcmp(s, zp->empty) == 0) {
			v[i] = "";
			continue;
		}
		unescape(s);
		v[i] = s;
	}
	return fill(v, out, err, errlen);
}

/* A JSON value as field text: strings as they are, integers and reals printed; NULL for
 * null or absent. */
static const char *jtext(json_t *o, const char *key, const char *nested, char *buf, size_t len)
{
	json_t *x = json_object_get(o, key);
	if (!x && nested) {
		json_t *id = json_object_get(o, "id");
		x = json_is_object(id) ? json_object_get(id, nested) : NULL;
	}
	if (!x || json_is_null(x))
		return NULL;
	if (json_is_string(x))
		return json_string_value(x);
	if (json_is_integer(x)) {
		/* a negative value is printed as it is and fails the count parser */
		snprintf(buf, len, "%lld", (long long)json_integer_value(x));
		return buf;
	}
	if (json_is_real(x)) {
		double d = json_real_value(x);
		if (!(d >= 0) || d > 17000000000.0)
			return "x";
		/* microseconds, as Zeek writes them; rounded so that a double's noise does not show */
		unsigned long long us = (unsigned long long)(d * 1e6 + 0.5);
		snprintf(buf, len, "%llu.%06llu", us / 1000000ull, us % 1000000ull);
		return buf;
	}
	return "x"; /* an object, an array or a boolean where a value was expected */
}

static enum ih_zeek_line parse_json(char *line, size_t len, struct ih_flow *out, char *err, size_t errlen)
{
	char b[64];
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		snprintf(err, errlen, "expected a JSON object, found invalid JSON at column %d: %s", je.column, je.text);
		return IH_ZL_BAD;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snprintf(err, errlen, "expected a JSON object, found another JSON value");
		return IH_ZL_BAD;
	}
	const char *path = json_string_value(json_object_get(o, "_path"));
	if (path && strcmp(path, "conn") != 0) {
		json_decref(o);
		return IH_ZL_SKIP; /* another log in the same stream */
	}
	static const char *const nested[IH_ZEEK_NFIELDS] = {
		NULL, "orig_h", "orig_p", "resp_h", "resp_p", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	};
	char bufs[IH_ZEEK_NFIELDS][48];
	const char *v[IH_ZEEK_NFIELDS];
	for (int i = 0; i < IH_ZEEK_NFIELDS; i++)
		v[i] = jtext(o, field_names[i], nested[i], bufs[i], sizeof(bufs[i]));
	/* JSON::TS_ISO8601: "2020-06-05T14:39:59.305988Z" */
	char tsbuf[48];
	json_t *ts = json_object_get(o, "ts");
	if (json_is_string(ts)) {
		uint64_t ns;
		if (!ih_time_parse(json_string_value(ts), &ns)) {
			snprintf(err, errlen, "expected a time for ts, found '%s'", shown(json_string_value(ts), b, sizeof(b)));
			json_decref(o);
			return IH_ZL_BAD;
		}
		snprintf(tsbuf, sizeof(tsbuf), "%llu.%09llu", (unsigned long long)(ns / 1000000000ull),
			 (unsigned long long)(ns % 1000000000ull));
		v[F_TS] = tsbuf;
	}
	if (!v[F_ORIG_H] && !v[F_RESP_H] && !v[F_PROTO]) {
		json_decref(o);
		snprintf(err, errlen, "expected conn.log fields (id.orig_h, id.resp_h, proto), found none");
		return IH_ZL_BAD;
	}
	enum ih_zeek_line r = fill(v, out, err, errlen);
	json_decref(o);
	return r;
}

enum ih_zeek_line ih_zeek_parse_line(struct ih_zeek_parser *zp, char *line, size_t len, struct ih_flow *out,
				     char *err, size_t errlen)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = '\0';
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "expected text, found a NUL byte");
		return IH_ZL_BAD;
	}
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		return IH_ZL_SKIP;
	if (zp->json) {
		if (line[i] == '#')
			return IH_ZL_SKIP;
		return parse_json(line, len, out, err, errlen);
	}
	return parse_tsv(zp, line, out, err, errlen);
}

/* ------------------------------------------------------------------ flows to views */

enum { G_ICMP = 1, G_TCP, G_UDP };

struct gen {
	uint64_t next_ts;       /* heap key, then seq */
	uint64_t seq;
	uint64_t ts, dur, line;
	struct ih_addr orig, resp;
	uint16_t orig_p, resp_p;
	uint8_t kind, ip_ver, proto;
	uint8_t req_type, req_code, rep_type;
	uint8_t orig_flags, resp_flags;  /* TCP: flags of each side's view; 0 none */
	bool resp_view;                  /* UDP: a view back */
	uint16_t echo_id;
	uint32_t n, m, i, j;             /* views each way, and the next of each */
	uint32_t len_o, len_r;           /* IP length of each view */
	uint32_t file;
};

/* The answer type of an ICMP request type, or the type itself for messages without one. */
static uint8_t counterpart(bool v6, uint8_t t)
{
	if (!v6) {
		switch (t) {
		case 8: return 0;
		case 0: return 8;
		case 13: return 14;
		case 14: return 13;
		case 15: return 16;
		case 16: return 15;
		case 17: return 18;
		case 18: return 17;
		case 42: return 43;
		case 43: return 42;
		default: return t;
		}
	}
	switch (t) {
	case 128: return 129;
	case 129: return 128;
	case 139: return 140;
	case 140: return 139;
	case 160: return 161;
	case 161: return 160;
	default: return t;
	}
}

static bool has(const char *s, char c)
{
	return strchr(s, c) != NULL;
}

static bool state_is(const char *st, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(st, list[i]) == 0)
			return true;
	return false;
}

static uint64_t step_of(const struct gen *g)
{
	return g->n > 1 ? g->dur / g->n : 0;
}

static uint64_t rtt_of(const struct gen *g)
{
	return g->n > 1 ? step_of(g) / 2 : g->dur;
}

static uint64_t req_time(const struct gen *g, uint32_t i)
{
	return g->ts + (uint64_t)i * step_of(g);
}

/* The request reply j answers (evenly spread, the last request always answered). */
static uint32_t answered(const struct gen *g, uint32_t j)
{
	if (g->m <= g->n)
		return (uint32_t)(((uint64_t)j + 1) * g->n / g->m) - 1;
	return j;
}

static uint64_t rep_time(const struct gen *g, uint32_t j)
{
	if (!g->n)
		return g->ts + (uint64_t)j * (g->m > 1 ? g->dur / g->m : 0);
	if (j < g->n)
		return req_time(g, answered(g, j)) + rtt_of(g);
	return req_time(g, g->n - 1) + rtt_of(g) + (uint64_t)(j - g->n + 1) * 1000ull;
}

/* The time of the next view; UINT64_MAX when the flow has no more. Sets *orig to whether it is
 * the originator's. */
static uint64_t next_view(const struct gen *g, bool *orig)
{
	uint64_t to = UINT64_MAX, tr = UINT64_MAX;
	if (g->kind == G_ICMP) {
		if (g->i < g->n)
			to = req_time(g, g->i);
		if (g->j < g->m)
			tr = rep_time(g, g->j);
	} else {
		if (g->i < g->n)
			to = g->ts;
		if (g->j < g->m)
			tr = g->ts + (g->dur < 1000000ull ? g->dur : 1000000ull);
	}
	*orig = to <= tr;
	return to <= tr ? to : tr;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Builds the next view of g into pkt (headers in hdr, which must outlive the view) and
 * advances g. False when the flow had nothing left or the view did not decode. */
static bool emit(struct gen *g, struct ih_pkt *pkt, uint8_t hdr[24])
{
	bool orig;
	uint64_t ts = next_view(g, &orig);
	if (ts == UINT64_MAX)
		return false;
	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_ns = ts;
	pkt->ip_ver = g->ip_ver;
	pkt->proto = g->proto;
	pkt->src = orig ? g->orig : g->resp;
	pkt->dst = orig ? g->resp : g->orig;
	pkt->ttl = 64;
	uint32_t iphl = g->ip_ver == 6 ? 40 : 20;
	uint32_t len = orig ? g->len_o : g->len_r;
	memset(hdr, 0, 24);
	uint32_t hl;
	if (g->kind == G_ICMP) {
		uint32_t k = orig ? g->i : g->j;
		hdr[0] = orig ? g->req_type : g->rep_type;
		hdr[1] = orig ? g->req_code : 0;
		put16(hdr + 4, g->echo_id);
		put16(hdr + 6, (uint16_t)((orig ? k : (g->n ? (k < g->n ? answered(g, k) : k) : k)) + 1));
		hl = 8;
	} else if (g->kind == G_TCP) {
		put16(hdr, orig ? g->orig_p : g->resp_p);
		put16(hdr + 2, orig ? g->resp_p : g->orig_p);
		hdr[12] = 0x50;
		hdr[13] = orig ? g->orig_flags : g->resp_flags;
		put16(hdr + 14, 0xffff);
		hl = 20;
	} else {
		put16(hdr, orig ? g->orig_p : g->resp_p);
		put16(hdr + 2, orig ? g->resp_p : g->orig_p);
		put16(hdr + 4, 8);
		hl = 8;
	}
	if (len < iphl + hl)
		len = iphl + hl;
	if (len > 65535)
		len = 65535;
	pkt->ip_len = len;
	pkt->wire_len = len;
	pkt->flow_start = orig && g->i == 0;
	if (orig)
		g->i++;
	else
		g->j++;
	enum ih_dec_result r = ih_decode_l4(hdr, hl, len - iphl, pkt);
	pkt->from_flow = true;
	pkt->payload_len = 0;
	return r == IH_DEC_OK;
}

/* Makes the generator of a flow. False when it would make no view. */
static bool make_gen(const struct ih_flow *f, uint32_t max_views, struct gen *g, bool *capped)
{
	memset(g, 0, sizeof(*g));
	g->ts = f->ts_ns;
	g->dur = f->duration_ns;
	g->orig = f->orig;
	g->resp = f->resp;
	g->orig_p = f->orig_p;
	g->resp_p = f->resp_p;
	g->proto = f->proto;
	g->ip_ver = f->orig.family == IH_AF_INET6 ? 6 : 4;
	uint64_t n = f->has_pkts ? f->orig_pkts : 1, m = f->has_pkts ? f->resp_pkts : (f->resp_ip_bytes ? 1 : 0);
	*capped = n > max_views || m > max_views;
	if (n > max_views)
		n = max_views;
	if (m > max_views)
		m = max_views;
	uint32_t iphl = g->ip_ver == 6 ? 40 : 20;
	g->len_o = (uint32_t)(f->orig_pkts && f->orig_ip_bytes / f->orig_pkts < 65536 ? f->orig_ip_bytes / f->orig_pkts : iphl + 8);
	g->len_r = (uint32_t)(f->resp_pkts && f->resp_ip_bytes / f->resp_pkts < 65536 ? f->resp_ip_bytes / f->resp_pkts : iphl + 8);
	if (f->proto == IH_PROTO_ICMP || f->proto == IH_PROTO_ICMP6) {
		bool v6 = g->ip_ver == 6;
		g->kind = G_ICMP;
		g->req_type = (uint8_t)f->orig_p;
		g->rep_type = counterpart(v6, g->req_type);
		/* Zeek's ICMP "ports" are documented as type and code; for request/answer types its
		 * connection key carries the counterpart type there (13/14): that is no code */
		g->req_code = f->resp_p == g->rep_type && g->rep_type != g->req_type ? 0 : (uint8_t)f->resp_p;
		struct ih_addr k[2] = { f->orig, f->resp };
		g->echo_id = (uint16_t)XXH3_64bits_withSeed(k, sizeof(k), 0x1c4d);
		g->n = (uint32_t)n;
		g->m = (uint32_t)m;
	} else if (f->proto == IH_PROTO_TCP) {
		static const char *const syn_states[] = { "S0", "S1", "S2", "S3", "SF", "REJ", "RSTO", "RSTR", "RSTOS0", "SH" };
		static const char *const est_states[] = { "S1", "S2", "S3", "SF", "RSTO", "RSTR" };
		const char *st = f->conn_state, *h = f->history;
		g->kind = G_TCP;
		bool syn = has(h, 'S') || state_is(st, syn_states, sizeof(syn_states) / sizeof(syn_states[0]));
		g->orig_flags = syn ? IH_TCP_SYN : IH_TCP_ACK;
		if (has(h, 'h') || (!h[0] && state_is(st, est_states, sizeof(est_states) / sizeof(est_states[0]))))
			g->resp_flags = IH_TCP_SYN | IH_TCP_ACK;
		else if (has(h, 'r') || strcmp(st, "REJ") == 0)
			g->resp_flags = IH_TCP_RST | IH_TCP_ACK;
		g->n = n || !f->has_pkts ? 1 : 0;
		g->m = g->resp_flags ? 1 : 0;
	} else {
		g->kind = G_UDP;
		g->n = n ? 1 : 0;
		g->m = m ? 1 : 0;
	}
	bool o;
	g->next_ts = next_view(g, &o);
	return g->next_ts != UINT64_MAX;
}

/* ------------------------------------------------------------------ the heap */

static bool before(const struct gen *a, const struct gen *b)
{
	return a->next_ts != b->next_ts ? a->next_ts < b->next_ts : a->seq < b->seq;
}

struct heap {
	struct gen *v;
	size_t n, cap;
};

static void sift_up(struct heap *h, size_t i)
{
	while (i) {
		size_t p = (i - 1) / 2;
		if (!before(&h->v[i], &h->v[p]))
			break;
		struct gen t = h->v[i];
		h->v[i] = h->v[p];
		h->v[p] = t;
		i = p;
	}
}

static void sift_down(struct heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && before(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && before(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		struct gen t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

/* ------------------------------------------------------------------ the source */

struct zfile {
	char *name;
	FILE *f;
	struct ih_zeek_parser zp;
	uint64_t line;
	uint64_t bytes;
	bool pending_header_done;
};

struct ih_zeek {
	struct zfile *files;
	size_t nfiles;
	struct ih_zeek_opts o;
	struct heap heap;
	volatile sig_atomic_t stop;
	uint64_t seq, max_end, emitted_ts;
	char *buf;
	/* counters */
	uint64_t lines, rows, icmp, tcp, udp, skipped, malformed, views, capped, late, overflow, undecodable;
	size_t peak;
	bool tsv, json;
};

static void report(struct ih_zeek *z, const struct zfile *zf, const char *msg)
{
	z->malformed++;
	if (z->o.errf && z->malformed <= z->o.max_errors)
		fprintf(z->o.errf, "icmphound: %s:%llu: %s\n", zf->name, (unsigned long long)zf->line, msg);
}

/* Reads one line into z->buf. 1: a line (*len), 0: end of file, -1: read error, 2: a line too
 * long (skipped to its newline). */
static int read_line(struct ih_zeek *z, struct zfile *zf, size_t *len)
{
	size_t n = 0;
	int c;
	bool over = false;
	while ((c = getc_unlocked(zf->f)) != EOF) {
		zf->bytes++;
		if (c == '\n')
			break;
		if (n < LINE_MAX_BYTES)
			z->buf[n++] = (char)c;
		else
			over = true;
	}
	if (c == EOF) {
		if (ferror(zf->f))
			return -1;
		if (!n && !over)
			return 0;
	}
	z->buf[n] = '\0';
	*len = n;
	zf->line++;
	z->lines++;
	return over ? 2 : 1;
}

/* Reads the header of a TSV file up to its #fields line, so that a file that is not a conn.log
 * is refused before anything is read. */
static bool read_header(struct ih_zeek *z, struct zfile *zf, char *err, size_t errlen)
{
	if (zf->zp.json)
		return true;
	for (int k = 0; k < HEADER_LINES_MAX && !zf->zp.have_fields; k++) {
		long pos = ftell(zf->f);
		uint64_t bytes = zf->bytes, line = zf->line, lines = z->lines;
		size_t len;
		int r = read_line(z, zf, &len);
		if (r <= 0)
			break;
		if (r == 2 || z->buf[0] != '#') {
			/* a row before #fields: leave it to the run, which reports it */
			if (pos >= 0 && fseek(zf->f, pos, SEEK_SET) == 0) {
				zf->bytes = bytes;
				zf->line = line;
				z->lines = lines;
			}
			break;
		}
		struct ih_flow fl;
		char e[256];
		if (ih_zeek_parse_line(&zf->zp, z->buf, len, &fl, e, sizeof(e)) == IH_ZL_FATAL) {
			snprintf(err, errlen, "%s:%llu: %s", zf->name, (unsigned long long)zf->line, e);
			return false;
		}
	}
	return true;
}

static struct ih_zeek *alloc_z(size_t nfiles, const struct ih_zeek_opts *o)
{
	struct ih_zeek *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	if (o)
		z->o = *o;
	if (!z->o.reorder_ns)
		z->o.reorder_ns = 3600ull * 1000000000ull;
	if (!z->o.max_views)
		z->o.max_views = 1000000;
	if (!z->o.pending)
		z->o.pending = 65536;
	z->files = calloc(nfiles ? nfiles : 1, sizeof(*z->files));
	z->buf = malloc(LINE_MAX_BYTES + 1);
	z->heap.cap = z->o.pending;
	z->heap.v = malloc(z->heap.cap * sizeof(*z->heap.v));
	if (!z->files || !z->buf || !z->heap.v) {
		free(z->files);
		free(z->buf);
		free(z->heap.v);
		free(z);
		return NULL;
	}
	return z;
}

static bool add_file(struct ih_zeek *z, const char *name, FILE *f, char *err, size_t errlen)
{
	struct zfile *zf = &z->files[z->nfiles++];
	zf->name = strdup(name);
	zf->f = f;
	if (!zf->name) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	uint8_t head[256];
	size_t n = fread(head, 1, sizeof(head), f);
	enum ih_input_format fmt = ih_input_sniff_mem(head, n);
	if (fseek(f, 0, SEEK_SET) != 0 || ferror(f)) {
		snprintf(err, errlen, "%s: cannot read it", name);
		return false;
	}
	if (fmt != IH_FMT_ZEEK_TSV && fmt != IH_FMT_ZEEK_JSON) {
		snprintf(err, errlen, "%s: expected a Zeek conn.log (\"#separator\" or a JSON object first), found %s",
			 name, fmt == IH_FMT_PCAP ? "a capture" : "neither");
		return false;
	}
	ih_zeek_parser_init(&zf->zp, fmt == IH_FMT_ZEEK_JSON);
	z->tsv |= fmt == IH_FMT_ZEEK_TSV;
	z->json |= fmt == IH_FMT_ZEEK_JSON;
	return read_header(z, zf, err, errlen);
}

struct ih_zeek *ih_zeek_open(char *const *files, size_t nfiles, const struct ih_zeek_opts *o, char *err,
			     size_t errlen)
{
	struct ih_zeek *z = alloc_z(nfiles, o);
	if (!z) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < nfiles; i++) {
		FILE *f = fopen(files[i], "rb");
		if (!f) {
			snprintf(err, errlen, "%s: %s", files[i], strerror(errno));
			ih_zeek_close(z);
			return NULL;
		}
		if (!add_file(z, files[i], f, err, errlen)) {
			ih_zeek_close(z);
			return NULL;
		}
	}
	return z;
}

struct ih_zeek *ih_zeek_open_mem(const char *name, const uint8_t *data, size_t len, const struct ih_zeek_opts *o,
				 char *err, size_t errlen)
{
	struct ih_zeek *z = alloc_z(1, o);
	if (!z) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	FILE *f = len ? fmemopen((void *)data, len, "rb") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: empty", name);
		ih_zeek_close(z);
		return NULL;
	}
	if (!add_file(z, name, f, err, errlen)) {
		ih_zeek_close(z);
		return NULL;
	}
	return z;
}

/* Emits the earliest pending view; drops the flow when it has no more. */
static void emit_one(struct ih_zeek *z, ih_view_fn fn, void *ctx)
{
	struct gen *g = &z->heap.v[0];
	struct ih_pkt pkt;
	uint8_t hdr[24];
	if (emit(g, &pkt, hdr)) {
		z->views++;
		if (pkt.ts_ns > z->emitted_ts)
			z->emitted_ts = pkt.ts_ns;
		fn(ctx, &pkt, z->files[g->file].name, g->line);
	} else if (g->next_ts != UINT64_MAX) {
		z->undecodable++;
	}
	bool o;
	g->next_ts = next_view(g, &o);
	if (g->next_ts == UINT64_MAX) {
		z->heap.v[0] = z->heap.v[--z->heap.n];
		if (z->heap.n)
			sift_down(&z->heap, 0);
	} else {
		sift_down(&z->heap, 0);
	}
}

static void release(struct ih_zeek *z, uint64_t watermark, ih_view_fn fn, void *ctx)
{
	while (z->heap.n && z->heap.v[0].next_ts < watermark && !z->stop)
		emit_one(z, fn, ctx);
}

static void push_flow(struct ih_zeek *z, const struct ih_flow *f, uint32_t file, uint64_t line, ih_view_fn fn,
		      void *ctx)
{
	struct gen g;
	bool capped;
	if (!make_gen(f, z->o.max_views, &g, &capped))
		return;
	z->capped += capped;
	g.file = file;
	g.line = line;
	g.seq = z->seq++;
	if (g.ts < z->emitted_ts)
		z->late++;
	if (z->heap.n == z->heap.cap) {
		/* full: the earliest flow goes out whole, before its time */
		z->overflow++;
		size_t before_n = z->heap.n;
		while (z->heap.n == before_n && !z->stop)
			emit_one(z, fn, ctx);
		if (z->heap.n == z->heap.cap)
			return;
	}
	z->heap.v[z->heap.n] = g;
	sift_up(&z->heap, z->heap.n);
	z->heap.n++;
	if (z->heap.n > z->peak)
		z->peak = z->heap.n;
	uint64_t end = f->ts_ns + f->duration_ns;
	if (end > z->max_end)
		z->max_end = end;
}

enum ih_source_status ih_zeek_run(struct ih_zeek *z, ih_view_fn fn, void *ctx, char *err, size_t errlen)
{
	for (size_t i = 0; i < z->nfiles && !z->stop; i++) {
		struct zfile *zf = &z->files[i];
		for (;;) {
			if (z->stop)
				break;
			size_t len;
			int r = read_line(z, zf, &len);
			if (r == 0)
				break;
			if (r < 0) {
				snprintf(err, errlen, "%s: read error after line %llu at byte offset %llu: %s", zf->name,
					 (unsigned long long)zf->line, (unsigned long long)zf->bytes, strerror(errno));
				release(z, UINT64_MAX, fn, ctx);
				return IH_SRC_READ_ERROR;
			}
			if (r == 2) {
				char m[96];
				snprintf(m, sizeof(m), "expected a line of at most %d bytes, found a longer one", LINE_MAX_BYTES);
				report(z, zf, m);
				continue;
			}
			struct ih_flow fl;
			char e[256];
			switch (ih_zeek_parse_line(&zf->zp, z->buf, len, &fl, e, sizeof(e))) {
			case IH_ZL_ROW:
				z->rows++;
				if (fl.proto == IH_PROTO_TCP)
					z->tcp++;
				else if (fl.proto == IH_PROTO_UDP)
					z->udp++;
				else
					z->icmp++;
				push_flow(z, &fl, (uint32_t)i, zf->line, fn, ctx);
				if (z->max_end > z->o.reorder_ns)
					release(z, z->max_end - z->o.reorder_ns, fn, ctx);
				break;
			case IH_ZL_SKIP:
				break;
			case IH_ZL_BAD:
				report(z, zf, e);
				break;
			case IH_ZL_FATAL:
				snprintf(err, errlen, "%s:%llu: %s", zf->name, (unsigned long long)zf->line, e);
				release(z, UINT64_MAX, fn, ctx);
				return IH_SRC_READ_ERROR;
			}
		}
	}
	release(z, UINT64_MAX, fn, ctx);
	if (z->o.errf && z->malformed > z->o.max_errors)
		fprintf(z->o.errf, "icmphound: %llu more malformed conn.log lines not shown\n",
			(unsigned long long)(z->malformed - z->o.max_errors));
	return z->stop ? IH_SRC_STOPPED : IH_SRC_OK;
}

void ih_zeek_stop(struct ih_zeek *z)
{
	z->stop = 1;
}

uint64_t ih_zeek_bytes_read(const struct ih_zeek *z)
{
	uint64_t b = 0;
	for (size_t i = 0; i < z->nfiles; i++)
		b += z->files[i].bytes;
	return b;
}

uint64_t ih_zeek_malformed(const struct ih_zeek *z)
{
	return z->malformed;
}

json_t *ih_zeek_stats(const struct ih_zeek *z)
{
	json_t *o = json_object();
	json_object_set_new(o, "format", json_string(z->tsv && z->json ? "mixed" : z->json ? "json" : "tsv"));
	json_object_set_new(o, "lines", json_integer((json_int_t)z->lines));
	json_object_set_new(o, "rows", json_integer((json_int_t)z->rows));
	json_t *f = json_object();
	json_object_set_new(f, "icmp", json_integer((json_int_t)z->icmp));
	json_object_set_new(f, "tcp", json_integer((json_int_t)z->tcp));
	json_object_set_new(f, "udp", json_integer((json_int_t)z->udp));
	json_object_set_new(o, "flows", f);
	json_object_set_new(o, "malformed_lines", json_integer((json_int_t)z->malformed));
	json_object_set_new(o, "views", json_integer((json_int_t)z->views));
	json_object_set_new(o, "flows_capped", json_integer((json_int_t)z->capped));
	json_object_set_new(o, "late_rows", json_integer((json_int_t)z->late));
	json_object_set_new(o, "pending_capacity", json_integer((json_int_t)z->heap.cap));
	json_object_set_new(o, "pending_peak", json_integer((json_int_t)z->peak));
	json_object_set_new(o, "released_early", json_integer((json_int_t)z->overflow));
	if (z->undecodable)
		json_object_set_new(o, "views_undecodable", json_integer((json_int_t)z->undecodable));
	return o;
}

void ih_zeek_close(struct ih_zeek *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->nfiles; i++) {
		if (z->files[i].f)
			fclose(z->files[i].f);
		free(z->files[i].name);
	}
	free(z->files);
	free(z->buf);
	free(z->heap.v);
	free(z);
}

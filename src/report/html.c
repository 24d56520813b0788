/* html.c — the self-contained HTML report: overview, one card per incident, charts.
 *
 * Reads only the report document (report.h). Every string of it goes out through
 * ih_xml_escape (directly, or inside the SVG builders); the only text written unescaped is
 * this file's own literals and numbers printed here. The page has no script and fetches
 * nothing: styles are inline, charts are inline SVG, and a Content-Security-Policy of
 * default-src 'none' tells the browser to refuse anything else, so an escaping slip could not
 * load or run anything either. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "report/escape.h"
#include "report/finding.h"
#include "report/report.h"
#include "report/svg.h"

/* ------------------------------------------------------------------ shared helpers */

const char *ih_rep_count(long long v, char *buf, size_t len)
{
	char tmp[32];
	unsigned long long a = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	int n = snprintf(tmp, sizeof(tmp), "%llu", a);
	size_t o = 0;
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (int i = 0; i < n && o + 1 < len; i++) {
		if (i && (n - i) % 3 == 0 && o + 1 < len)
			buf[o++] = ',';
		if (o + 1 < len)
			buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *ih_rep_bytes(double v, char *buf, size_t len)
{
	if (!(v >= 0))
		v = 0;
	if (v < 1000)
		snprintf(buf, len, "%.0f B", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.1f kB", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, len, "%.1f MB", v / 1e6);
	else
		snprintf(buf, len, "%.2f GB", v / 1e9);
	return buf;
}

bool ih_rep_parse_time(const char *s, uint64_t *ns)
{
	if (!s)
		return false;
	int Y, M, D, h, m, sec, used = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &used) != 6 || used != 19)
		return false;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970)
		return false;
	uint64_t frac = 0;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
			p++;
		}
		if (!digits)
			return false;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return false;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t < 0)
		return false;
	*ns = (uint64_t)t * 1000000000ull + frac;
	return true;
}

const char *ih_rep_time(const char *s, char *buf, size_t len)
{
	uint64_t ns;
	if (!ih_rep_parse_time(s, &ns)) {
		snprintf(buf, len, "%s", s ? s : "");
		return buf;
	}
	snprintf(buf, len, "%.10s %.8s UTC", s, s + 11);
	return buf;
}

const char *ih_rep_omitted(json_t *doc, const char *part)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(doc, "omitted"), i, o) {
		const char *p = json_string_value(json_object_get(o, "part"));
		const char *why = json_string_value(json_object_get(o, "why"));
		if (p && why && strcmp(p, part) == 0)
			return why;
	}
	return NULL;
}

const char *ih_rep_duration(uint64_t ns, char *buf, size_t len)
{
	double s = (double)ns / 1e9;
	if (s < 0.1)
		snprintf(buf, len, "%.0f ms", s * 1e3);
	else if (s < 10 && fabs(s - round(s)) > 1e-9)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 120)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0f min %.0f s", floor(s / 60), fmod(floor(s), 60));
	else if (s < 172800)
		snprintf(buf, len, "%.0f h %.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
	else
		snprintf(buf, len, "%.0f d %.0f h", floor(s / 86400), floor(fmod(s, 86400) / 3600));
	return buf;
}

/* ------------------------------------------------------------------ reading the document */

static const char *S(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long I(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

static double D(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static int verdict_tone(const char *v)
{
	if (strcmp(v, "malicious") == 0)
		return IH_TONE_MALICIOUS;
	if (strcmp(v, "suspicious") == 0)
		return IH_TONE_SUSPICIOUS;
	if (strcmp(v, "benign") == 0)
		return IH_TONE_BENIGN;
	return IH_TONE_NEUTRAL;
}

static int severity_tone(const char *s)
{
	if (strcmp(s, "low") == 0)
		return IH_TONE_LOW;
	if (strcmp(s, "medium") == 0)
		return IH_TONE_SUSPICIOUS;
	if (strcmp(s, "high") == 0)
		return IH_TONE_MALICIOUS;
	if (strcmp(s, "critical") == 0)
		return IH_TONE_CRITICAL;
	return IH_TONE_NEUTRAL;
}

static bool claim(json_t *f)
{
	const char *s = S(f, "severity");
	return *s && strcmp(s, "info") != 0;
}

/* ------------------------------------------------------------------ writing */

struct r {
	FILE *o;
	json_t *doc;
	json_t *by_id;   /* finding id -> finding (borrowed) */
	json_t *ids;     /* every id attribute written so far (a set) */
	json_t *anchor;  /* the id attribute of each incident's card, in incident order */
	unsigned fig;    /* figures numbered in order */
};

static void put(struct r *r, const char *literal)
{
	fputs(literal, r->o);
}

static void esc(struct r *r, const char *s)
{
	ih_xml_escape_str(r->o, s);
}

/* A JSON value as text: a string escaped with its length (an embedded NUL is shown, not
 * obeyed), anything else as compact JSON, escaped. */
static void escv(struct r *r, json_t *v)
{
	if (json_is_string(v)) {
		ih_xml_escape(r->o, json_string_value(v), json_string_length(v));
		return;
	}
	if (json_is_integer(v)) {
		fprintf(r->o, "%lld", (long long)json_integer_value(v)); /* ids, ports, pids: no grouping */
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (s) {
		esc(r, s);
		free(s);
	}
}

static void count(struct r *r, long long v)
{
	char b[32];
	put(r, ih_rep_count(v, b, sizeof(b)));
}

static void timestr(struct r *r, const char *rfc3339)
{
	char b[64];
	esc(r, ih_rep_time(rfc3339, b, sizeof(b)));
}

/* <span class="badge v-malicious">malicious</span> (classes from a fixed list only) */
static void verdict_badge(struct r *r, const char *v)
{
	static const char *const cls[] = { "v-none", "v-benign", "v-suspicious", "v-malicious" };
	int t = verdict_tone(v);
	fprintf(r->o, "<span class=\"badge %s\">", cls[t <= IH_TONE_MALICIOUS ? t : 0]);
	esc(r, *v ? v : "unknown");
	put(r, "</span>");
}

static void severity_badge(struct r *r, const char *s)
{
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };
	const char *cls = "sev-other";
	for (size_t i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			cls = i == 0 ? "sev-info" : i == 1 ? "sev-low" : i == 2 ? "sev-medium" : i == 3 ? "sev-high" : "sev-critical";
	fprintf(r->o, "<span class=\"sev %s\">", cls);
	esc(r, *s ? s : "?");
	put(r, "</span>");
}

/* id attributes. A document can hold anything, so ids are made here: [A-Za-z0-9_-] of the
 * finding or incident id (the rest dropped), a prefix, and "-2", "-3"... when that id, or one
 * derived from it ("-t", "-d", "-cap" of a chart), is already in the page. Every id is unique
 * and never empty. */
static const char *const chart_suffixes[] = { "", "-t", "-d", "-cap", NULL };
static const char *const plain_suffixes[] = { "", NULL };

static bool id_free(struct r *r, const char *base, const char *const *suffixes)
{
	char b[160];
	for (size_t i = 0; suffixes[i]; i++) {
		snprintf(b, sizeof(b), "%s%s", base, suffixes[i]);
		if (json_object_get(r->ids, b))
			return false;
	}
	return true;
}

static void id_take(struct r *r, const char *base, const char *const *suffixes)
{
	char b[160];
	for (size_t i = 0; suffixes[i]; i++) {
		snprintf(b, sizeof(b), "%s%s", base, suffixes[i]);
		json_object_set_new(r->ids, b, json_true());
	}
}

/* Makes a unique id from prefix and raw into out (len >= 96) and reserves it with its
 * suffixes. */
static const char *make_id(struct r *r, const char *prefix, const char *raw, const char *const *suffixes, char *out,
			   size_t len)
{
	char base[96];
	size_t o = 0;
	for (const char *p = prefix; *p && o + 1 < 64; p++)
		base[o++] = *p;
	size_t keep = o;
	for (const char *p = raw ? raw : ""; *p && o + 1 < 64; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
			base[o++] = *p;
	if (o == keep || o == 0)
		base[o++] = 'x';
	base[o] = '\0';
	snprintf(out, len, "%s", base);
	for (unsigned k = 2; !id_free(r, out, suffixes) && k < 100000; k++)
		snprintf(out, len, "%.64s-%u", base, k);
	id_take(r, out, suffixes);
	return out;
}

/* The anchor of the incident whose id is `id`, or NULL. */
static const char *incident_anchor(struct r *r, const char *id)
{
	size_t i;
	json_t *inc;
	json_array_foreach(json_object_get(r->doc, "incidents"), i, inc)
		if (strcmp(S(inc, "id"), id) == 0)
			return json_string_value(json_array_get(r->anchor, i));
	return NULL;
}

/* ------------------------------------------------------------------ style */

static const char css[] =
	":root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#eef1f4;--bg:#f6f8fa;--card:#fff;"
	"--mal:#a40e26;--sus:#9a4d00;--ben:#1a7f37;--acc:#0550ae}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,\"Segoe UI\","
	"Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
	"code,.mono,td.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;"
	"font-size:.92em}\n"
	"a{color:var(--acc)}\n"
	"header.top{background:#1f2933;color:#fff;padding:28px 0 22px}\n"
	"header.top .wrap{display:flex;flex-wrap:wrap;gap:8px 32px;align-items:flex-end;justify-content:space-between}\n"
	"header.top h1{margin:0;font-size:26px;letter-spacing:.2px}\n"
	"header.top p{margin:4px 0 0;color:#d6dde4}\n"
	"header.top .brand{font-weight:600;color:#9fd3ff;font-size:13px;text-transform:uppercase;letter-spacing:1.5px}\n"
	".wrap{max-width:1120px;margin:0 auto;padding:0 24px}\n"
	"nav.toc{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}\n"
	"nav.toc ul{list-style:none;margin:0 auto;max-width:1120px;padding:8px 24px;display:flex;flex-wrap:wrap;gap:4px 18px;"
	"font-size:14px}\n"
	"nav.toc a{text-decoration:none;color:var(--ink)}nav.toc a:hover{text-decoration:underline}\n"
	"main{padding:8px 0 40px}\n"
	"section{margin-top:28px}\n"
	"h2{font-size:21px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}\n"
	"h3{font-size:17px;margin:22px 0 8px}\n"
	"h4{font-size:14px;margin:16px 0 6px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted)}\n"
	"p.lead{font-size:16.5px;margin:10px 0}\n"
	"table.glance{margin-top:16px;background:var(--card);border:1px solid var(--line);border-radius:8px}\n"
	".muted{color:var(--muted)}\n"
	".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:0}\n"
	".tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}\n"
	".tile dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.6px}\n"
	".tile dd{margin:2px 0 0;font-size:22px;font-weight:600}\n"
	".tile dd small{display:block;font-size:12.5px;font-weight:400;color:var(--muted)}\n"
	".card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:16px 0;"
	"box-shadow:0 1px 2px rgba(27,31,36,.06)}\n"
	".incident{border-left:6px solid var(--line)}\n"
	".incident.v-malicious{border-left-color:var(--mal)}.incident.v-suspicious{border-left-color:var(--sus)}"
	".incident.v-benign{border-left-color:var(--ben)}\n"
	".inc-head{display:flex;flex-wrap:wrap;align-items:center;gap:8px 14px}\n"
	".inc-head h3{margin:0;font-size:19px}\n"
	".meta{margin:6px 0 0;color:var(--muted);font-size:14px}\n"
	".badge{display:inline-block;border-radius:999px;padding:2px 12px;font-size:13px;font-weight:700;"
	"text-transform:uppercase;letter-spacing:.6px;color:#fff;background:#57606a}\n"
	".badge.v-malicious{background:var(--mal)}.badge.v-suspicious{background:var(--sus)}"
	".badge.v-benign{background:var(--ben)}\n"
	".score{display:inline-flex;align-items:center;gap:8px;font-weight:600}\n"
	".meter{display:inline-block;width:120px;height:10px;border-radius:5px;background:var(--soft);"
	"border:1px solid var(--line);overflow:hidden;vertical-align:middle}\n"
	".meter span{display:block;height:100%;background:var(--ink)}\n"
	".v-malicious .meter span{background:var(--mal)}.v-suspicious .meter span{background:var(--sus)}"
	".v-benign .meter span{background:var(--ben)}\n"
	".sev{display:inline-block;border-radius:4px;padding:0 7px;font-size:12px;font-weight:700;color:#fff;"
	"background:#6e7781;text-transform:uppercase;letter-spacing:.4px}\n"
	".sev-low{background:#0969da}.sev-medium{background:#bc4c00}.sev-high{background:#cf222e}"
	".sev-critical{background:#8250df}\n"
	".question{font-weight:600;margin:16px 0 4px}\n"
	".narrative{margin:0;padding:10px 14px;background:var(--soft);border-radius:6px}\n"
	".cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:8px 28px}\n"
	"table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}\n"
	"th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}\n"
	"th{font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);font-weight:600}\n"
	"td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	"td.long{overflow-wrap:anywhere}\n"
	"tr.total td{font-weight:700;border-top:2px solid var(--ink)}\n"
	"ol.playbook{list-style:none;padding:0;margin:6px 0;counter-reset:step}\n"
	"ol.playbook li{counter-increment:step;position:relative;padding:8px 10px 8px 44px;border-bottom:1px solid var(--line)}\n"
	"ol.playbook li::before{content:counter(step);position:absolute;left:8px;top:8px;width:24px;height:24px;"
	"border-radius:50%;background:var(--soft);border:1px solid var(--line);text-align:center;font-weight:700;"
	"font-size:13px;line-height:22px}\n"
	"ol.playbook .st{display:inline-block;font-size:12px;font-weight:700;border-radius:4px;padding:0 7px;"
	"margin-left:8px;border:1px solid currentColor}\n"
	".st-done{color:#1a7f37}.st-partial{color:#9a4d00}.st-needs_data{color:#0550ae}.st-not_applicable{color:#57606a}"
	".st-other{color:#57606a}\n"
	"ol.playbook dl{display:grid;grid-template-columns:110px 1fr;gap:2px 10px;margin:4px 0 0;font-size:14px}\n"
	"ol.playbook dt{color:var(--muted)}ol.playbook dd{margin:0}\n"
	".proc{border:1px solid var(--line);border-radius:8px;padding:8px 14px;margin:8px 0;background:#fbfcfd}\n"
	".proc-exe{margin:2px 0 6px;font-size:15px}.proc-exe code{font-weight:700}\n"
	".plan{border:1px dashed #9a4d00;background:#fff8f0;border-radius:8px;padding:10px 14px;margin:10px 0}\n"
	".plan code{display:inline-block;background:#fff;border:1px solid var(--line);border-radius:4px;padding:2px 8px;"
	"margin:4px 0}\n"
	".notice{border-left:4px solid #9a4d00;background:#fff8f0;padding:8px 12px;border-radius:4px;margin:10px 0}\n"
	".notice.ok{border-left-color:var(--ben);background:#f0fff4}\n"
	"figure{margin:14px 0;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:#fff}\n"
	"figcaption{font-size:14px;margin:0 0 6px}\n"
	"figcaption b{font-size:15px}\n"
	"details{margin:6px 0}\n"
	"details.more>summary{font-weight:600;margin-top:10px}\n"
	"summary{cursor:pointer;color:var(--acc);font-size:14px}\n"
	"details table{font-size:13px}\n"
	"dl.kv{display:grid;grid-template-columns:minmax(140px,max-content) 1fr;gap:2px 14px;font-size:13.5px;margin:6px 0}\n"
	"dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}\n"
	"svg.chart{width:100%;height:auto;display:block;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,"
	"sans-serif}\n"
	"svg .lb{font-size:11px;fill:#3d444d}svg .lb.ttl{font-size:11.5px;fill:#57606a}svg .lb.small{font-size:10.5px}\n"
	"svg .lb.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;font-size:11.5px}\n"
	"svg .ax{stroke:#57606a;stroke-width:1}svg .gl{stroke:#e3e7eb;stroke-width:1}\n"
	"svg .ln{fill:none;stroke-width:2.2;stroke-linejoin:round;stroke-linecap:round}\n"
	"svg .s0{stroke:#0072b2;fill:#0072b2}svg .s1{stroke:#d55e00;fill:#d55e00}svg .s2{stroke:#007d5a;fill:#007d5a}"
	"svg .s3{stroke:#b4408f;fill:#b4408f}svg .s4{stroke:#8a6d00;fill:#8a6d00}svg .s5{stroke:#3b3ba8;fill:#3b3ba8}"
	"svg .s6{stroke:#00838f;fill:#00838f}svg .s7{stroke:#8c959f;fill:#8c959f}\n"
	"svg .s1 .ln{stroke-dasharray:7 3}svg .s2 .ln{stroke-dasharray:2 3}svg .s3 .ln{stroke-dasharray:9 3 2 3}"
	"svg .s4 .ln{stroke-dasharray:4 4}svg .s5 .ln{stroke-dasharray:12 4}svg .s6 .ln{stroke-dasharray:2 2 8 2}"
	"svg .s7 .ln{stroke-dasharray:1 3;stroke-width:2.6}\n"
	"svg .mk{stroke:#fff;stroke-width:1}\n"
	"svg .bar{stroke:none}svg .t0{fill:#8c959f}svg .t1{fill:#1a7f37}svg .t2{fill:#bc4c00}svg .t3{fill:#cf222e}"
	"svg .t4{fill:#0969da}svg .t5{fill:#8250df}\n"
	"svg .cell{stroke-width:1.2}svg .c2{fill:#0072b2;stroke:#005a8c}svg .c1{fill:#fde6d6;stroke:#d55e00}"
	"svg .c0{fill:#fff;stroke:#b7bec6;stroke-dasharray:3 2}svg .c3{fill:#eceff1;stroke:#b7bec6}\n"
	"svg .ct{font-size:10.5px;font-variant-numeric:tabular-nums}svg .c2t{fill:#fff;font-weight:700}svg .c1t{fill:#7a2e00}"
	"svg .c0t{fill:#6e7781}svg .c3t{fill:#57606a}\n"
	"svg .pt{stroke-width:1.4}svg .k0{fill:#fff;stroke:#6e7781}svg .k1{fill:#0072b2;stroke:#004e7a}"
	"svg .k2{fill:#d55e00;stroke:#8f3f00}svg .k2g{fill:#0072b2;stroke:#fff}\n"
	"svg .ring{fill:none;stroke:#cf222e;stroke-width:2}\n"
	"svg .ref path{stroke:#1b1f24;stroke-width:2;fill:none}\n"
	"svg .rnd polyline{fill:none;stroke:#8250df;stroke-width:1.6;stroke-dasharray:5 4}\n"
	"svg .band{fill:#dbeafe}svg .med{stroke:#0550ae;stroke-width:1.6;stroke-dasharray:6 3}svg .med-lb{fill:#0550ae}\n"
	"svg .seq{fill:none;stroke:#9fb3c8;stroke-width:1}\n"
	"footer{border-top:1px solid var(--line);margin-top:36px;padding:16px 0 30px;color:var(--muted);font-size:13px}\n"
	".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\n"
	"@media print{\n"
	"  @page{margin:14mm}\n"
	"  body{background:#fff;font-size:11pt}\n"
	"  header.top{background:#fff;color:var(--ink);border-bottom:3px solid var(--ink);padding:0 0 10px}\n"
	"  header.top p{color:var(--muted)}header.top .brand{color:var(--muted)}\n"
	"  nav.toc{display:none}\n"
	"  .wrap{max-width:none;padding:0}\n"
	"  .card,figure,.tile{box-shadow:none;break-inside:avoid}\n"
	"  .incident{break-before:page;break-inside:auto}\n"
	"  tr,ol.playbook li{break-inside:avoid}\n"
	"  h2,h3,h4{break-after:avoid}\n"
	"  details>summary{display:none}\n"
	"  .badge,.sev,.meter span,svg *{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"}\n";

/* ------------------------------------------------------------------ the page */

static void head(struct r *r)
{
	json_t *inputs = json_object_get(r->doc, "inputs");
	put(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
	       "img-src data:; base-uri 'none'; form-action 'none'\">\n"
	       "<meta name=\"referrer\" content=\"no-referrer\">\n"
	       "<meta name=\"generator\" content=\"icmphound ");
	esc(r, S(r->doc, "version"));
	put(r, "\">\n<title>ICMP investigation report");
	size_t i;
	json_t *f;
	json_array_foreach(inputs, i, f) {
		put(r, i ? ", " : " \xE2\x80\x94 ");
		escv(r, f);
		if (i == 3 && json_array_size(inputs) > 4) {
			put(r, ", \xE2\x80\xA6");
			break;
		}
	}
	put(r, "</title>\n<style>\n");
	put(r, css);
	put(r, "</style>\n</head>\n<body>\n");
}

static void banner(struct r *r)
{
	json_t *stats = json_object_get(r->doc, "stats");
	put(r, "<header class=\"top\"><div class=\"wrap\"><div><div class=\"brand\">icmphound ");
	esc(r, S(r->doc, "version"));
	put(r, "</div><h1>ICMP investigation report</h1><p>");
	json_t *inputs = json_object_get(r->doc, "inputs");
	size_t i;
	json_t *f;
	put(r, json_array_size(inputs) == 1 ? "Input " : "Inputs ");
	json_array_foreach(inputs, i, f) {
		if (i)
			put(r, ", ");
		put(r, "<code>");
		escv(r, f);
		put(r, "</code>");
	}
	put(r, "</p></div><div><p>");
	const char *t0 = S(stats, "first_packet"), *t1 = S(stats, "last_packet");
	uint64_t a, b;
	if (ih_rep_parse_time(t0, &a) && ih_rep_parse_time(t1, &b)) {
		char d[32];
		timestr(r, t0);
		put(r, " \xE2\x86\x92 ");
		timestr(r, t1);
		put(r, "<br>");
		esc(r, ih_rep_duration(b >= a ? b - a : 0, d, sizeof(d)));
		put(r, " of traffic; every time in this report is the capture's, in UTC");
	} else {
		put(r, "no packets");
	}
	put(r, "</p></div></div></header>\n");
}

static void toc(struct r *r)
{
	json_t *incs = json_object_get(r->doc, "incidents");
	put(r, "<nav class=\"toc\" aria-label=\"Contents\"><ul><li><a href=\"#overview\">Overview</a></li>"
	       "<li><a href=\"#traffic\">Traffic</a></li>");
	size_t i;
	json_t *inc;
	json_array_foreach(incs, i, inc) {
		if (i == 6) {
			put(r, "<li><a href=\"#incidents\">all incidents</a></li>");
			break;
		}
		put(r, "<li><a href=\"#");
		esc(r, json_string_value(json_array_get(r->anchor, i)));
		put(r, "\">");
		esc(r, S(inc, "primary"));
		put(r, " <span class=\"muted\">(");
		esc(r, S(inc, "verdict"));
		put(r, ")</span></a></li>");
	}
	put(r, "<li><a href=\"#conversations\">Payloads</a></li><li><a href=\"#about\">About</a></li></ul></nav>\n");
}

static void tile(struct r *r, const char *label, const char *value, const char *small)
{
	put(r, "<div class=\"tile\"><dt>");
	esc(r, label);
	put(r, "</dt><dd>");
	esc(r, value);
	if (small && *small) {
		put(r, "<small>");
		esc(r, small);
		put(r, "</small>");
	}
	put(r, "</dd></div>");
}

static void overview(struct r *r)
{
	json_t *stats = json_object_get(r->doc, "stats");
	json_t *incs = json_object_get(r->doc, "incidents");
	json_t *fs = json_object_get(r->doc, "findings");
	char a[64], b[64], c[64];
	put(r, "<section id=\"overview\"><h2>Overview</h2>\n<dl class=\"tiles\">");
	uint64_t t0, t1;
	if (ih_rep_parse_time(S(stats, "first_packet"), &t0) && ih_rep_parse_time(S(stats, "last_packet"), &t1)) {
		snprintf(c, sizeof(c), "from %.8s UTC", S(stats, "first_packet") + 11);
		tile(r, "Time span", ih_rep_duration(t1 >= t0 ? t1 - t0 : 0, a, sizeof(a)), c);
	} else {
		tile(r, "Time span", "-", "no packets");
	}
	json_t *hs = json_object_get(r->doc, "hosts_seen");
	snprintf(c, sizeof(c), "%s", json_is_false(json_object_get(hs, "exact")) ? "estimated: many hosts" : "in ICMP traffic");
	tile(r, "Hosts", ih_rep_count(I(hs, "count"), a, sizeof(a)), c);
	snprintf(c, sizeof(c), "%s", ih_rep_bytes((double)I(stats, "bytes"), b, sizeof(b)));
	tile(r, "Packets", ih_rep_count(I(stats, "packets"), a, sizeof(a)), c);
	long long pk = I(stats, "packets"), ic = I(stats, "icmp_packets");
	snprintf(c, sizeof(c), "%.1f %% of all packets", pk ? 100.0 * (double)ic / (double)pk : 0.0);
	tile(r, "ICMP packets", ih_rep_count(ic, a, sizeof(a)), c);
	size_t i, nclaims = 0;
	json_t *x;
	json_array_foreach(fs, i, x)
		nclaims += claim(x);
	snprintf(c, sizeof(c), "%zu of severity low or above", nclaims);
	tile(r, "Findings", ih_rep_count((long long)json_array_size(fs), a, sizeof(a)), c);
	long long nv[3] = { 0, 0, 0 };
	json_array_foreach(incs, i, x) {
		const char *v = S(x, "verdict");
		nv[strcmp(v, "malicious") == 0 ? 0 : strcmp(v, "suspicious") == 0 ? 1 : 2]++;
	}
	snprintf(c, sizeof(c), "%lld malicious, %lld suspicious, %lld benign", nv[0], nv[1], nv[2]);
	tile(r, "Incidents", ih_rep_count((long long)json_array_size(incs), a, sizeof(a)), c);
	put(r, "</dl>\n");

	/* the input itself: did it end cleanly, was anything lost */
	const char *err = S(stats, "error");
	long long derr = I(stats, "decode_errors_total"), dropped = I(stats, "findings_dropped");
	json_t *tables = json_object_get(stats, "tables");
	long long ev = I(json_object_get(tables, "hosts"), "evictions") + I(json_object_get(tables, "pairs"), "evictions");
	long long na = I(json_object_get(tables, "hosts"), "not_admitted");
	if (*err || json_is_false(json_object_get(stats, "clean"))) {
		put(r, "<p class=\"notice\" role=\"note\"><b>The input did not end cleanly.</b> Findings cover what was read up to "
		       "there: ");
		esc(r, *err ? err : "read stopped early");
		put(r, "</p>\n");
	}
	if (derr || dropped || ev || na) {
		put(r, "<p class=\"notice\" role=\"note\">");
		if (derr) {
			count(r, derr);
			put(r, " frame(s) did not decode (truncated or malformed; see the stats). ");
		}
		if (ev) {
			count(r, ev);
			put(r, " tracking record(s) were evicted under memory pressure: conversations may be judged in pieces. ");
		}
		if (na) {
			count(r, na);
			put(r, " packet(s) came from hosts not yet admitted to the full host table (the first packet of each "
			       "new source during a flood): counted against their destinations only. ");
		}
		if (dropped) {
			count(r, dropped);
			put(r, " finding(s) were counted but not kept (max_findings). ");
		}
		put(r, "</p>\n");
	}

	const char *counts_note = ih_rep_omitted(r->doc, "counts");
	if (counts_note) {
		put(r, "<p class=\"notice\" role=\"note\">");
		esc(r, counts_note);
		put(r, "</p>\n");
	}

	/* incidents at a glance */
	if (!json_array_size(incs)) {
		put(r, "<p class=\"notice ok\" role=\"note\"><b>No incident.</b> Nothing in these captures was judged: no "
		       "finding, not even an informational one.</p>\n");
	} else {
		put(r, "<table class=\"glance\"><caption class=\"sr\">Incidents, most severe first</caption><thead><tr>"
		       "<th>Verdict</th><th class=\"num\">Score</th><th>Host</th><th>Techniques</th><th>Summary</th></tr>"
		       "</thead><tbody>\n");
		json_array_foreach(incs, i, x) {
			put(r, "<tr><td>");
			verdict_badge(r, S(x, "verdict"));
			put(r, "</td><td class=\"num\">");
			count(r, I(x, "score"));
			put(r, "</td><td class=\"mono\"><a href=\"#");
			esc(r, json_string_value(json_array_get(r->anchor, i)));
			put(r, "\">");
			esc(r, S(x, "primary"));
			put(r, "</a></td><td class=\"mono\">");
			size_t k;
			json_t *m;
			json_array_foreach(json_object_get(x, "mitre"), k, m) {
				if (k)
					put(r, ", ");
				esc(r, json_is_string(m) ? json_string_value(m) : S(m, "id"));
			}
			put(r, "</td><td class=\"long\">");
			esc(r, S(x, "summary"));
			put(r, "</td></tr>\n");
		}
		put(r, "</tbody></table>\n");
	}
	put(r, "</section>\n");
}

/* ------------------------------------------------------------------ figures */

static void fig_open(struct r *r, const char *id, const char *cls, const char *title, const char *caption)
{
	r->fig++;
	put(r, "<figure class=\"fig ");
	esc(r, cls);
	put(r, "\" aria-labelledby=\"");
	esc(r, id);
	put(r, "-cap\"><figcaption id=\"");
	esc(r, id);
	fprintf(r->o, "-cap\"><b>Figure %u. ", r->fig);
	esc(r, title);
	put(r, "</b> ");
	esc(r, caption);
	put(r, "</figcaption>\n");
}

static void fig_table_open(struct r *r, const char *what)
{
	put(r, "<details><summary>");
	esc(r, what);
	put(r, "</summary>\n<table>");
}

static void fig_close(struct r *r, bool had_table)
{
	if (had_table)
		put(r, "</table></details>\n");
	put(r, "</figure>\n");
}

/* ------------------------------------------------------------------ sweep coverage */

static bool bit(const char *hex, unsigned i)
{
	if (!hex || strlen(hex) != 64)
		return false;
	char ch = hex[(i / 8) * 2 + ((i % 8) < 4 ? 1 : 0)];
	unsigned v = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10) : 0;
	return (v >> (i % 4)) & 1;
}

static bool in_list(json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
			return true;
	return false;
}

/* Addresses as a compact list in a table cell. */
static void addr_list(struct r *r, const char *const *addr, const uint8_t *st, size_t n, int want)
{
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (st[i] != want)
			continue;
		if (shown)
			put(r, ", ");
		esc(r, addr[i]);
		shown++;
	}
	if (!shown)
		put(r, "none");
}

static void sweep_chart(struct r *r, json_t *f)
{
	json_t *ev = json_object_get(f, "evidence");
	const char *range = S(ev, "range");
	const char *fid = S(f, "id");
	json_t *cells = json_object_get(json_object_get(r->doc, "sweep_cells"), fid);
	struct ih_cidr cidr;
	char id[96], title[160], cap[512], desc[512];
	make_id(r, "sweep-", fid, chart_suffixes, id, sizeof(id));
	/* a discovery through a group address covers no block of addresses: no grid */
	if (ih_sweep_group_only(ev) || !ih_cidr_parse(range, &cidr))
		return;
	unsigned bits = ih_addr_bits(&cidr.base);
	long long probed = I(ev, "hosts_probed"), answered = I(ev, "hosts_answered");
	snprintf(title, sizeof(title), "Sweep coverage of %s", range);
	snprintf(desc, sizeof(desc), "%s probed %lld hosts of %s and %lld answered.", S(f, "src"), probed, range, answered);
	if (cidr.prefix >= bits - 8) {
		size_t n = (size_t)1 << (bits - cidr.prefix);
		const char *phex = S(cells, "probed"), *ahex = S(cells, "answered");
		bool have = strlen(phex) == 64 && strlen(ahex) == 64;
		json_t *alist = json_object_get(ev, "answered");
		bool alist_complete = I(ev, "answered_not_listed") == 0;
		char (*addr)[IH_ADDR_STRLEN] = calloc(n, sizeof(*addr));
		char (*txt)[8] = calloc(n, sizeof(*txt));
		const char **ap = calloc(n, sizeof(*ap)), **tp = calloc(n, sizeof(*tp));
		uint8_t *st = calloc(n, 1);
		if (!addr || !txt || !ap || !tp || !st) {
			free(addr);
			free(txt);
			free(ap);
			free(tp);
			free(st);
			return;
		}
		size_t nst[4] = { 0, 0, 0, 0 };
		for (size_t i = 0; i < n; i++) {
			struct ih_addr a = cidr.base;
			unsigned last = ih_addr_bits(&a) / 8 - 1;
			a.b[last] = (uint8_t)(a.b[last] + i);
			ih_addr_str(&a, addr[i], sizeof(addr[i]));
			snprintf(txt[i], sizeof(txt[i]), a.family == 4 ? "%u" : "%02x", a.b[last]);
			ap[i] = addr[i];
			tp[i] = txt[i];
			bool ans = in_list(alist, addr[i]) || (!alist_complete && have && bit(ahex, a.b[last]));
			bool prb = have ? bit(phex, a.b[last]) : probed == (long long)n;
			if (ans)
				st[i] = IH_CELL_ANSWERED;
			else if (prb)
				st[i] = IH_CELL_PROBED;
			else if (have || probed == (long long)n)
				st[i] = IH_CELL_NOT_PROBED;
			else
				st[i] = IH_CELL_UNKNOWN;
			nst[st[i]]++;
		}
		snprintf(cap, sizeof(cap),
			 "One cell per address of %s: %zu answered, %zu probed without an answer, %zu not probed%s. A sweep "
			 "probes each address once or a few times and moves on; the hosts that answered are the ones to "
			 "check for follow-on activity.",
			 range, nst[IH_CELL_ANSWERED], nst[IH_CELL_PROBED], nst[IH_CELL_NOT_PROBED],
			 nst[IH_CELL_UNKNOWN] ? " (which of the others were probed is not known)" : "");
		fig_open(r, id, "sweep", title, cap);
		size_t cols = n < 16 ? n : 16;
		struct ih_svg_cells c = { { id, "chart-sweep", title, desc }, st, ap, tp, n, cols };
		ih_svg_cells(r->o, &c);
		fig_table_open(r, "Addresses by outcome (table)");
		put(r, "<thead><tr><th>Outcome</th><th class=\"num\">Hosts</th><th>Addresses</th></tr></thead><tbody>");
		static const struct {
			int st;
			const char *name;
		} rows[] = { { IH_CELL_ANSWERED, "answered" },
			     { IH_CELL_PROBED, "probed, no answer" },
			     { IH_CELL_NOT_PROBED, "not probed" },
			     { IH_CELL_UNKNOWN, "not known" } };
		for (size_t k = 0; k < 4; k++) {
			if (rows[k].st == IH_CELL_UNKNOWN && !nst[IH_CELL_UNKNOWN])
				continue;
			put(r, "<tr><td>");
			put(r, rows[k].name);
			put(r, "</td><td class=\"num\">");
			count(r, (long long)nst[rows[k].st]);
			put(r, "</td><td class=\"mono long\">");
			addr_list(r, ap, st, n, rows[k].st);
			put(r, "</td></tr>");
		}
		put(r, "</tbody>");
		fig_close(r, true);
		free(addr);
		free(txt);
		free(ap);
		free(tp);
		free(st);
		return;
	}
	/* a range larger than one /24 (or /120): the blocks, as bars */
	json_t *blocks = json_object_get(cells, "blocks");
	bool from_maps = json_array_size(blocks) > 0;
	if (!from_maps)
		blocks = json_object_get(ev, "blocks");
	size_t nb = json_array_size(blocks);
	if (!nb)
		return;
	struct ih_svg_bar *bars = calloc(nb, sizeof(*bars));
	char (*notes)[96] = calloc(nb, sizeof(*notes));
	if (!bars || !notes) {
		free(bars);
		free(notes);
		return;
	}
	for (size_t i = 0; i < nb; i++) {
		json_t *b = json_array_get(blocks, i);
		long long p = from_maps ? I(b, "probed") : I(b, "targets");
		if (from_maps)
			snprintf(notes[i], sizeof(notes[i]), "%lld probed, %lld answered", p, I(b, "answered"));
		else
			snprintf(notes[i], sizeof(notes[i]), "%lld targets", p);
		bars[i] = (struct ih_svg_bar){ S(b, from_maps ? "block" : "cidr"), (double)p, notes[i], IH_TONE_LOW, NULL };
	}
	snprintf(cap, sizeof(cap), "Addresses of %s probed in each block%s.", range,
		 from_maps ? ", and how many answered" : " (from the finding's evidence)");
	fig_open(r, id, "sweep", title, cap);
	struct ih_svg_bars c = { { id, "chart-sweep", title, desc }, bars, nb };
	ih_svg_bars(r->o, &c);
	fig_table_open(r, "Blocks (table)");
	put(r, "<thead><tr><th>Block</th><th>Probed</th></tr></thead><tbody>");
	for (size_t i = 0; i < nb; i++) {
		put(r, "<tr><td class=\"mono\">");
		esc(r, bars[i].label);
		put(r, "</td><td>");
		esc(r, notes[i]);
		put(r, "</td></tr>");
	}
	put(r, "</tbody>");
	fig_close(r, true);
	free(bars);
	free(notes);
}

/* ------------------------------------------------------------------ beacon timing */

static void beacon_chart(struct r *r, json_t *f)
{
	json_t *ev = json_object_get(f, "evidence");
	json_t *gaps = json_object_get(ev, "gaps_ms");
	size_t n = json_array_size(gaps);
	char id[96], title[160], cap[600], desc[400];
	make_id(r, "beacon-", S(f, "id"), chart_suffixes, id, sizeof(id));
	if (!n)
		return;
	double *g = calloc(n, sizeof(*g));
	if (!g)
		return;
	double lo = 1e300, hi = 0;
	for (size_t i = 0; i < n; i++) {
		g[i] = json_number_value(json_array_get(gaps, i)) / 1000.0;
		if (g[i] < lo)
			lo = g[i];
		if (g[i] > hi)
			hi = g[i];
	}
	snprintf(title, sizeof(title), "Check-in timing, %s to %s", S(f, "src"), S(f, "dst"));
	snprintf(desc, sizeof(desc), "%zu gaps between check-ins; median %.3f s, middle half %.3f to %.3f s, jitter (MAD) %.3f s.",
		 n, D(ev, "period_s"), D(ev, "gap_q1_s"), D(ev, "gap_q3_s"), D(ev, "jitter_mad_s"));
	snprintf(cap, sizeof(cap),
		 "Time between consecutive check-ins of the scored series (%s), in order. A schedule shows as a flat band: "
		 "median %.3f s, every gap between %.3f and %.3f s; beacon score %.2f. People do not ping this regularly.",
		 S(ev, "series"), D(ev, "period_s"), lo, hi, D(ev, "score"));
	fig_open(r, id, "beacon", title, cap);
	struct ih_svg_gaps c = { { id, "chart-beacon", title, desc }, g, n, D(ev, "period_s"), D(ev, "gap_q1_s"),
				 D(ev, "gap_q3_s") };
	ih_svg_gaps(r->o, &c);
	fig_table_open(r, "Gaps (table)");
	put(r, "<thead><tr><th class=\"num\">Gap</th><th class=\"num\">Seconds</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++)
		fprintf(r->o, "<tr><td class=\"num\">%zu</td><td class=\"num\">%.3f</td></tr>", i + 1, g[i]);
	put(r, "</tbody>");
	fig_close(r, true);
	free(g);
}

/* ------------------------------------------------------------------ incident timeline */

static void timeline_chart(struct r *r, json_t *inc, json_t *members, size_t nm)
{
	if (nm < 2)
		return;
	struct ih_svg_span *sp = calloc(nm, sizeof(*sp));
	char (*lab)[64] = calloc(nm, sizeof(*lab));
	char (*tipb)[700] = calloc(nm, sizeof(*tipb));
	if (!sp || !lab || !tipb) {
		free(sp);
		free(lab);
		free(tipb);
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < nm; i++) {
		json_t *f = json_array_get(members, i);
		uint64_t a, b;
		if (!ih_rep_parse_time(S(f, "first_seen"), &a) || !ih_rep_parse_time(S(f, "last_seen"), &b))
			continue;
		snprintf(lab[k], sizeof(lab[k]), "%s (%s)", S(f, "kind"), S(f, "severity"));
		snprintf(tipb[k], sizeof(tipb[k]), "%s: %s", S(f, "id"), S(f, "summary"));
		sp[k] = (struct ih_svg_span){ lab[k], a, b >= a ? b : a, severity_tone(S(f, "severity")), tipb[k] };
		k++;
	}
	char id[96], title[96], desc[200];
	make_id(r, "timeline-", S(inc, "id"), chart_suffixes, id, sizeof(id));
	snprintf(title, sizeof(title), "What %s did, in time", S(inc, "primary"));
	snprintf(desc, sizeof(desc), "%zu findings of incident %s on a time axis, one row each.", k, S(inc, "id"));
	fig_open(r, id, "timeline", title,
		 "Each bar spans the packets behind one finding (colour and label give its severity). Read it as the "
		 "order of events: reconnaissance, then what followed.");
	struct ih_svg_timeline c = { { id, "chart-timeline", title, desc }, sp, k };
	ih_svg_timeline(r->o, &c);
	fig_table_open(r, "Findings in time (table)");
	put(r, "<thead><tr><th>Finding</th><th>Kind</th><th>Severity</th><th>From (UTC)</th><th>To (UTC)</th></tr></thead>"
	       "<tbody>");
	for (size_t i = 0; i < nm; i++) {
		json_t *f = json_array_get(members, i);
		put(r, "<tr><td class=\"mono\">");
		esc(r, S(f, "id"));
		put(r, "</td><td>");
		esc(r, S(f, "kind"));
		put(r, "</td><td>");
		esc(r, S(f, "severity"));
		put(r, "</td><td class=\"mono\">");
		timestr(r, S(f, "first_seen"));
		put(r, "</td><td class=\"mono\">");
		timestr(r, S(f, "last_seen"));
		put(r, "</td></tr>");
	}
	put(r, "</tbody>");
	fig_close(r, true);
	free(sp);
	free(lab);
	free(tipb);
}

/* ------------------------------------------------------------------ evidence and processes */

static void value_cell(struct r *r, json_t *v)
{
	if (json_is_array(v)) {
		bool scalars = true;
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			scalars = scalars && !json_is_object(x) && !json_is_array(x);
		if (scalars) {
			if (!json_array_size(v))
				put(r, "none");
			json_array_foreach(v, i, x) {
				if (i)
					put(r, ", ");
				escv(r, x);
			}
			return;
		}
	}
	if (json_is_real(v)) {
		char b[40];
		snprintf(b, sizeof(b), "%.6g", json_real_value(v));
		esc(r, b);
		return;
	}
	escv(r, v);
}

static void evidence_details(struct r *r, json_t *f)
{
	json_t *ev = json_object_get(f, "evidence");
	put(r, "<details class=\"evidence\"><summary>Evidence of <span class=\"mono\">");
	esc(r, S(f, "id"));
	put(r, "</span> (");
	esc(r, S(f, "kind"));
	put(r, ")</summary>\n<dl class=\"kv\">");
	const char *key;
	json_t *v;
	json_object_foreach(ev, key, v) {
		put(r, "<dt>");
		esc(r, key);
		put(r, "</dt><dd class=\"mono\">");
		value_cell(r, v);
		put(r, "</dd>");
	}
	put(r, "</dl></details>\n");
}

/* One process seen by several findings (their records may differ in what else they say). */
static bool same_field(json_t *a, json_t *b, const char *k)
{
	json_t *x = json_object_get(a, k), *y = json_object_get(b, k);
	if (!x || json_is_null(x))
		return !y || json_is_null(y); /* absent and null both mean not known */
	return json_equal(x, y);
}

static bool same_process(json_t *a, json_t *b)
{
	return json_is_object(a) && json_is_object(b) && same_field(a, b, "pid") && same_field(a, b, "exe") &&
	       same_field(a, b, "start_time");
}

static void processes(struct r *r, json_t *members, size_t nm)
{
	/* unique process objects, in finding order */
	json_t *seen = json_array(), *where = json_array();
	json_t *notes = json_array();
	for (size_t i = 0; i < nm; i++) {
		json_t *f = json_array_get(members, i);
		json_t *ev = json_object_get(f, "evidence");
		json_t *lists[2] = { json_object_get(ev, "process"), json_object_get(ev, "other_processes") };
		for (int l = 0; l < 2; l++) {
			json_t *one = lists[l];
			size_t cnt = json_is_array(one) ? json_array_size(one) : json_is_object(one) ? 1 : 0;
			for (size_t k = 0; k < cnt; k++) {
				json_t *p = json_is_array(one) ? json_array_get(one, k) : one;
				if (!json_is_object(p))
					continue;
				size_t j, found = SIZE_MAX;
				json_t *x;
				json_array_foreach(seen, j, x)
					if (same_process(x, p))
						found = j;
				if (found != SIZE_MAX) {
					/* the same process: keep what each record knows */
					json_t *have = json_array_get(seen, found);
					const char *key;
					json_t *val;
					json_object_foreach(p, key, val)
						if (!json_is_null(val) && (!json_object_get(have, key) || json_is_null(json_object_get(have, key))))
							json_object_set(have, key, val);
				} else {
					json_array_append_new(seen, json_deep_copy(p));
					json_array_append_new(where, json_array());
					found = json_array_size(seen) - 1;
				}
				json_t *ids = json_array_get(where, found);
				if (!in_list(ids, S(f, "id")))
					json_array_append_new(ids, json_string(S(f, "id")));
			}
		}
		const char *att = S(ev, "attribution");
		if (*att && !in_list(notes, att))
			json_array_append_new(notes, json_string(att));
	}
	put(r, "<h4>Process (endpoint correlation)</h4>\n");
	if (!json_array_size(seen)) {
		put(r, "<p class=\"muted\">No endpoint data for these findings: which process, user and executable sent the "
		       "traffic is not known from packets alone (playbook step 5 says how to find out).</p>\n");
		size_t i;
		json_t *x;
		json_array_foreach(notes, i, x) {
			put(r, "<p class=\"muted\">Attribution: ");
			escv(r, x);
			put(r, "</p>\n");
		}
	} else {
		static const char *const main_fields[] = { "pid", "user", "uid", "auid", "cmdline", "exe_sha256", "start_time",
							    "ppid", "comm" };
		static const char *const names[] = { "pid", "user", "uid", "login uid", "command line", "SHA-256", "started",
						      "parent pid", "name" };
		size_t i;
		json_t *p;
		json_array_foreach(seen, i, p) {
			put(r, "<div class=\"proc\"><p class=\"proc-exe\"><code>");
			esc(r, *S(p, "exe") ? S(p, "exe") : *S(p, "comm") ? S(p, "comm") : "executable not known");
			put(r, "</code>");
			if (json_is_true(json_object_get(p, "exe_deleted")))
				put(r, " <span class=\"sev sev-high\">deleted</span>");
			/* what the endpoint stage concluded about it: its suspicious_process findings */
			json_t *why = json_array();
			const char *sev = NULL;
			for (size_t k = 0; k < nm; k++) {
				json_t *f = json_array_get(members, k);
				if (strcmp(S(f, "kind"), "suspicious_process") != 0 ||
				    !same_process(json_object_get(json_object_get(f, "evidence"), "process"), p))
					continue;
				sev = S(f, "severity");
				size_t j;
				json_t *w;
				json_array_foreach(json_object_get(json_object_get(f, "evidence"), "reasons"), j, w)
					if (json_is_string(w) && !in_list(why, json_string_value(w)))
						json_array_append(why, w);
			}
			if (sev) {
				put(r, " ");
				severity_badge(r, sev);
			}
			put(r, "</p>\n<dl class=\"kv\">");
			for (size_t k = 0; k < sizeof(main_fields) / sizeof(main_fields[0]); k++) {
				json_t *v = json_object_get(p, main_fields[k]);
				if (!v || json_is_null(v))
					continue;
				put(r, "<dt>");
				put(r, names[k]);
				put(r, "</dt><dd class=\"mono\">");
				value_cell(r, v);
				put(r, "</dd>");
			}
			put(r, "<dt>found by</dt><dd>");
			esc(r, *S(p, "source") ? S(p, "source") : "endpoint data");
			if (*S(p, "match")) {
				put(r, ", matched by ");
				esc(r, S(p, "match"));
			}
			if (*S(p, "socket")) {
				put(r, ", socket ");
				esc(r, S(p, "socket"));
			}
			if (*S(p, "log")) {
				put(r, " (<span class=\"mono\">");
				esc(r, S(p, "log"));
				put(r, "</span>)");
			}
			put(r, "</dd>");
			if (json_array_size(why)) {
				put(r, "<dt>why it matters</dt><dd>");
				value_cell(r, why);
				put(r, "</dd>");
			}
			if (*S(p, "note")) {
				put(r, "<dt>note</dt><dd>");
				esc(r, S(p, "note"));
				put(r, "</dd>");
			}
			put(r, "<dt>findings</dt><dd class=\"mono\">");
			value_cell(r, json_array_get(where, i));
			put(r, "</dd></dl></div>\n");
			json_decref(why);
		}
	}
	json_decref(seen);
	json_decref(where);
	json_decref(notes);
}

/* ------------------------------------------------------------------ incident card */

static void playbook(struct r *r, json_t *inc)
{
	json_t *steps = json_object_get(inc, "playbook");
	if (!json_array_size(steps))
		return;
	put(r, "<h4>Playbook</h4>\n<ol class=\"playbook\">\n");
	size_t i;
	json_t *s;
	static const char *const known[] = { "done", "partial", "needs_data", "not_applicable" };
	json_array_foreach(steps, i, s) {
		const char *st = S(s, "status");
		const char *cls = "st-other";
		for (size_t k = 0; k < 4; k++)
			if (strcmp(st, known[k]) == 0)
				cls = k == 0 ? "st-done" : k == 1 ? "st-partial" : k == 2 ? "st-needs_data" : "st-not_applicable";
		put(r, "<li><b>");
		esc(r, *S(s, "title") ? S(s, "title") : S(s, "step"));
		fprintf(r->o, "</b><span class=\"st %s\">", cls);
		char stxt[64];
		snprintf(stxt, sizeof(stxt), "%s", st);
		for (char *p = stxt; *p; p++)
			if (*p == '_')
				*p = ' ';
		esc(r, stxt);
		put(r, "</span><dl>");
		static const char *const fields[] = { "established", "missing", "next" };
		for (size_t k = 0; k < 3; k++) {
			const char *v = S(s, fields[k]);
			if (!*v)
				continue;
			put(r, "<dt>");
			put(r, fields[k]);
			put(r, "</dt><dd>");
			esc(r, v);
			put(r, "</dd>");
		}
		put(r, "</dl></li>\n");
	}
	put(r, "</ol>\n");
}

static void containment(struct r *r, json_t *inc)
{
	json_t *step = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(inc, "playbook"), i, s)
		if (strcmp(S(s, "step"), "containment") == 0)
			step = s;
	if (strcmp(S(inc, "verdict"), "benign") == 0)
		return;
	put(r, "<div class=\"plan\" role=\"note\"><h4>Containment plan (proposed, nothing applied)</h4>\n<p>");
	if (step && *S(step, "established"))
		esc(r, S(step, "established"));
	else
		put(r, "Isolate the host, block its ICMP traffic, stop the process once identified, preserve the evidence.");
	put(r, "</p>\n<p>To review and apply it: <code>icmphound contain ");
	esc(r, S(inc, "id"));
	put(r, "</code> <span class=\"muted\">(a dry run by default: it shows the rules before anything changes)</span></p>"
	       "</div>\n");
}

static void incident_card(struct r *r, json_t *inc, size_t idx)
{
	const char *verdict = S(inc, "verdict");
	static const char *const vcls[] = { "v-none", "v-benign", "v-suspicious", "v-malicious" };
	int vt = verdict_tone(verdict);
	json_t *ids = json_object_get(inc, "findings");
	json_t *members = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x) {
		json_t *f = json_object_get(r->by_id, json_string_value(x) ? json_string_value(x) : "");
		if (f)
			json_array_append(members, f);
	}
	size_t nm = json_array_size(members);

	char hid[96];
	make_id(r, "h-", json_string_value(json_array_get(r->anchor, idx)), plain_suffixes, hid, sizeof(hid));
	fprintf(r->o, "<article class=\"card incident %s\" id=\"", vcls[vt <= IH_TONE_MALICIOUS ? vt : 0]);
	esc(r, json_string_value(json_array_get(r->anchor, idx)));
	put(r, "\" aria-labelledby=\"");
	esc(r, hid);
	put(r, "\">\n<div class=\"inc-head\">");
	verdict_badge(r, verdict);
	put(r, "<h3 id=\"");
	esc(r, hid);
	put(r, "\"><span class=\"mono\">");
	esc(r, S(inc, "primary"));
	put(r, "</span></h3><span class=\"score\">score ");
	long long score = I(inc, "score");
	count(r, score);
	put(r, "/100 <span class=\"meter\" aria-hidden=\"true\"><span style=\"width:");
	fprintf(r->o, "%lld", score < 0 ? 0 : score > 100 ? 100 : score);
	put(r, "%\"></span></span></span><span class=\"muted mono\">");
	esc(r, S(inc, "id"));
	put(r, "</span></div>\n<p class=\"meta\">");
	esc(r, strcmp(S(inc, "primary_role"), "target") == 0 ? "Target" : "Source");
	put(r, " host \xC2\xB7 ");
	uint64_t a, b;
	char d[32];
	timestr(r, S(inc, "first_seen"));
	put(r, " \xE2\x86\x92 ");
	timestr(r, S(inc, "last_seen"));
	if (ih_rep_parse_time(S(inc, "first_seen"), &a) && ih_rep_parse_time(S(inc, "last_seen"), &b)) {
		put(r, " (");
		esc(r, ih_rep_duration(b >= a ? b - a : 0, d, sizeof(d)));
		put(r, ")");
	}
	put(r, " \xC2\xB7 ");
	count(r, (long long)nm);
	put(r, nm == 1 ? " finding" : " findings");
	put(r, " \xC2\xB7 most severe: ");
	severity_badge(r, S(inc, "severity"));
	json_t *rel = json_object_get(inc, "related");
	if (json_array_size(rel)) {
		put(r, " \xC2\xB7 related: ");
		json_array_foreach(rel, i, x) {
			if (i)
				put(r, ", ");
			const char *to = incident_anchor(r, json_string_value(x) ? json_string_value(x) : "");
			if (to) {
				put(r, "<a href=\"#");
				esc(r, to);
				put(r, "\" class=\"mono\">");
				escv(r, x);
				put(r, "</a>");
			} else {
				put(r, "<span class=\"mono\">");
				escv(r, x);
				put(r, "</span>");
			}
		}
	}
	put(r, "</p>\n");
	if (*S(inc, "summary")) {
		put(r, "<p class=\"lead\">");
		esc(r, S(inc, "summary"));
		put(r, "</p>\n");
	}
	if (*S(inc, "narrative")) {
		put(r, "<p class=\"question\">Why is ");
		esc(r, S(inc, "primary"));
		put(r, strcmp(S(inc, "primary_role"), "target") == 0 ? " receiving this ICMP traffic?</p>\n"
								    : " generating this ICMP traffic?</p>\n");
		put(r, "<p class=\"narrative\">");
		esc(r, S(inc, "narrative"));
		put(r, "</p>\n");
	}

	put(r, "<div class=\"cols\"><div><h4>Score</h4><table><thead><tr><th class=\"num\">Points</th><th>Why</th></tr>"
	       "</thead><tbody>");
	long long sum = 0;
	json_array_foreach(json_object_get(inc, "reasons"), i, x) {
		fprintf(r->o, "<tr><td class=\"num\">%+lld</td><td>", I(x, "points"));
		sum += I(x, "points");
		esc(r, S(x, "why"));
		put(r, "</td></tr>");
	}
	fprintf(r->o, "<tr class=\"total\"><td class=\"num\">%lld</td><td>", score);
	if (sum != score)
		fprintf(r->o, "the sum, %lld, kept within 0 to 100: ", sum);
	else
		put(r, "total: ");
	esc(r, verdict);
	put(r, "</td></tr></tbody></table></div>\n<div><h4>ATT&amp;CK techniques</h4>");
	json_t *mitre = json_object_get(inc, "mitre");
	if (!json_array_size(mitre)) {
		put(r, "<p class=\"muted\">None: informational findings only.</p>");
	} else {
		put(r, "<table class=\"mitre\"><thead><tr><th>Technique</th><th>Name</th><th>Tactic</th></tr></thead><tbody>");
		json_array_foreach(mitre, i, x) {
			put(r, "<tr class=\"technique\"><td class=\"mono\">");
			esc(r, json_is_string(x) ? json_string_value(x) : S(x, "id"));
			put(r, "</td><td>");
			esc(r, S(x, "name"));
			put(r, "</td><td>");
			esc(r, S(x, "tactic"));
			put(r, "</td></tr>");
		}
		put(r, "</tbody></table>");
	}
	put(r, "</div></div>\n");

	timeline_chart(r, inc, members, nm);

	put(r, "<h4>Findings</h4><table class=\"findings\"><thead><tr><th>Severity</th><th>Kind</th><th>Peer</th>"
	       "<th>First seen</th><th class=\"num\">Conf.</th><th>Summary</th></tr></thead><tbody>\n");
	for (size_t k = 0; k < nm; k++) {
		json_t *f = json_array_get(members, k);
		char rid[96];
		put(r, "<tr id=\"");
		esc(r, make_id(r, "", S(f, "id"), plain_suffixes, rid, sizeof(rid)));
		put(r, "\"><td>");
		severity_badge(r, S(f, "severity"));
		put(r, "</td><td>");
		esc(r, S(f, "kind"));
		put(r, "</td><td class=\"mono\">");
		esc(r, S(f, "dst"));
		put(r, "</td><td class=\"mono\">");
		const char *fs = S(f, "first_seen");
		char clock[16];
		uint64_t fns;
		if (ih_rep_parse_time(fs, &fns))
			snprintf(clock, sizeof(clock), "%.8s", fs + 11);
		esc(r, ih_rep_parse_time(fs, &fns) ? clock : fs);
		fprintf(r->o, "</td><td class=\"num\">%.2f</td><td class=\"long\">", D(f, "confidence"));
		esc(r, S(f, "summary"));
		put(r, "</td></tr>\n");
	}
	put(r, "</tbody></table>\n");

	for (size_t k = 0; k < nm; k++) {
		json_t *f = json_array_get(members, k);
		if (strcmp(S(f, "kind"), "sweep") == 0)
			sweep_chart(r, f);
	}
	for (size_t k = 0; k < nm; k++) {
		json_t *f = json_array_get(members, k);
		if (strcmp(S(f, "kind"), "beacon") == 0)
			beacon_chart(r, f);
	}
	/* a benign incident is context: its investigation is there, folded */
	bool fold = strcmp(verdict, "benign") == 0;
	if (fold)
		put(r, "<details class=\"more\"><summary>Process, playbook and evidence</summary>\n");
	processes(r, members, nm);
	playbook(r, inc);
	containment(r, inc);
	if (nm) {
		put(r, "<h4>Evidence</h4>\n");
		for (size_t k = 0; k < nm; k++)
			evidence_details(r, json_array_get(members, k));
	}
	if (fold)
		put(r, "</details>\n");
	put(r, "</article>\n");
	json_decref(members);
}

static void incidents(struct r *r)
{
	json_t *incs = json_object_get(r->doc, "incidents");
	put(r, "<section id=\"incidents\"><h2>Incidents</h2>\n");
	if (!json_array_size(incs))
		put(r, "<p class=\"muted\">None.</p>\n");
	else
		put(r, "<p class=\"muted\">Findings grouped by the host that did them, most severe first. The verdict comes from "
		       "the score (its reasons are listed); informational findings alone are benign whatever their number.</p>\n");
	size_t i;
	json_t *inc;
	json_array_foreach(incs, i, inc)
		incident_card(r, inc, i);
	put(r, "</section>\n");
}

/* ------------------------------------------------------------------ traffic charts */

/* The tone of the incident whose primary host is `host`, if any. */
static int host_tone(struct r *r, const char *host, const char **verdict)
{
	size_t i;
	json_t *inc;
	json_array_foreach(json_object_get(r->doc, "incidents"), i, inc)
		if (strcmp(S(inc, "primary"), host) == 0) {
			*verdict = S(inc, "verdict");
			return verdict_tone(*verdict);
		}
	*verdict = NULL;
	return IH_TONE_NEUTRAL;
}

static void activity_chart(struct r *r)
{
	json_t *act = json_object_get(r->doc, "activity");
	json_t *series = json_object_get(act, "series");
	json_t *other = json_object_get(act, "other");
	size_t n = (size_t)I(act, "buckets"), ns = json_array_size(series);
	uint64_t step = (uint64_t)I(act, "bucket_ns"), t0 = (uint64_t)I(act, "start_ns");
	if (ns > IH_SVG_SERIES - 1)
		ns = IH_SVG_SERIES - 1;
	bool with_other = I(other, "packets") > 0;
	size_t nall = ns + (with_other ? 1 : 0);
	double *v = calloc((n ? n : 1) * (nall ? nall : 1), sizeof(*v));
	struct ih_svg_series *s = calloc(nall ? nall : 1, sizeof(*s));
	if (!v || !s) {
		free(v);
		free(s);
		return;
	}
	for (size_t i = 0; i < nall; i++) {
		json_t *src = i < ns ? json_array_get(series, i) : other;
		json_t *counts = json_object_get(src, "counts");
		for (size_t k = 0; k < n; k++)
			v[i * n + k] = json_number_value(json_array_get(counts, k));
		s[i].label = i < ns ? S(src, "host") : "other hosts";
		s[i].v = v + i * n;
		s[i].style = i < ns ? (int)i : IH_SVG_SERIES - 1;
	}
	char dur[32], ylabel[64], cap[400], desc[300];
	ih_rep_duration(step, dur, sizeof(dur));
	snprintf(ylabel, sizeof(ylabel), "ICMP packets per %s", dur);
	snprintf(desc, sizeof(desc), "ICMP packets sent per %s by the %zu busiest hosts%s.", dur, ns,
		 with_other ? " and by all the others together" : "");
	snprintf(cap, sizeof(cap),
		 "ICMP packets sent per %s by the busiest senders%s. Ordinary ping is a thin, short line; sweeps are "
		 "spikes; beacons and tunnels are long, steady lines.%s",
		 dur, with_other ? " (the rest together in grey)" : "",
		 I(act, "senders_replaced") ? " More hosts sent ICMP than the chart follows: counts of a host first seen late "
					      "are lower bounds." : "");
	fig_open(r, "chart-activity", "activity", "ICMP over time, per host", cap);
	struct ih_svg_timechart c = { { "chart-activity", "chart-activity", "ICMP packets over time, per sending host",
					desc },
				      t0, step ? step : 1, n, s, nall, ylabel };
	ih_svg_timechart(r->o, &c);
	fig_table_open(r, "Packets per time bucket (table)");
	put(r, "<thead><tr><th>From (UTC)</th>");
	for (size_t i = 0; i < nall; i++) {
		put(r, "<th class=\"num mono\">");
		esc(r, s[i].label);
		put(r, "</th>");
	}
	put(r, "</tr></thead><tbody>");
	for (size_t k = 0; k < n; k++) {
		char clk[40];
		put(r, "<tr><td class=\"mono\">");
		esc(r, ih_svg_clock(t0 + step * k, step < 1000000000ull ? step : 1000000000ull, false, clk, sizeof(clk)));
		put(r, "</td>");
		for (size_t i = 0; i < nall; i++)
			fprintf(r->o, "<td class=\"num\">%.0f</td>", v[i * n + k]);
		put(r, "</tr>");
	}
	put(r, "</tbody>");
	fig_close(r, true);
	free(v);
	free(s);
}

static void talkers_chart(struct r *r)
{
	json_t *tk = json_object_get(r->doc, "talkers");
	size_t n = json_array_size(tk);
	if (!n)
		return;
	struct ih_svg_bar *b = calloc(n, sizeof(*b));
	char (*notes)[96] = calloc(n, sizeof(*notes));
	char (*tips)[200] = calloc(n, sizeof(*tips));
	if (!b || !notes || !tips) {
		free(b);
		free(notes);
		free(tips);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(tk, i);
		char c1[32], c2[32];
		const char *verdict;
		int tone = host_tone(r, S(t, "host"), &verdict);
		snprintf(notes[i], sizeof(notes[i]), "%s%s packet%s, %s%s%s",
			 json_is_true(json_object_get(t, "lower_bound")) ? "\xE2\x89\xA5" : "",
			 ih_rep_count(I(t, "packets"), c1, sizeof(c1)), I(t, "packets") == 1 ? "" : "s",
			 ih_rep_bytes((double)I(t, "bytes"), c2, sizeof(c2)),
			 verdict ? " \xC2\xB7 " : "", verdict ? verdict : "");
		snprintf(tips[i], sizeof(tips[i]), "%s: %s", S(t, "host"), notes[i]);
		b[i] = (struct ih_svg_bar){ S(t, "host"), (double)I(t, "packets"), notes[i], tone, tips[i] };
	}
	fig_open(r, "chart-talkers", "talkers", "Top talkers",
		 "Hosts by ICMP packets sent; the bar's colour is the verdict of the host's incident (grey: none).");
	struct ih_svg_bars c = { { "chart-talkers", "chart-talkers", "Top ICMP talkers",
				   "Hosts that sent the most ICMP packets, most first, with bytes and the verdict of their incident." },
				 b, n };
	ih_svg_bars(r->o, &c);
	fig_table_open(r, "Top talkers (table)");
	put(r, "<thead><tr><th>Host</th><th class=\"num\">ICMP packets sent</th><th class=\"num\">Bytes</th><th>Incident</th>"
	       "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(tk, i);
		const char *verdict;
		char c2[32];
		host_tone(r, S(t, "host"), &verdict);
		put(r, "<tr><td class=\"mono\">");
		esc(r, S(t, "host"));
		put(r, "</td><td class=\"num\">");
		count(r, I(t, "packets"));
		put(r, "</td><td class=\"num\">");
		esc(r, ih_rep_bytes((double)I(t, "bytes"), c2, sizeof(c2)));
		put(r, "</td><td>");
		esc(r, verdict ? verdict : "-");
		put(r, "</td></tr>");
	}
	put(r, "</tbody>");
	fig_close(r, true);
	free(b);
	free(notes);
	free(tips);
}

static void traffic(struct r *r)
{
	put(r, "<section id=\"traffic\"><h2>Traffic</h2>\n");
	activity_chart(r);
	talkers_chart(r);
	put(r, "</section>\n");
}

/* ------------------------------------------------------------------ payload scatter */

/* Is (src, dst) the pair of a finding of severity low or above? */
static bool pair_claimed(struct r *r, const char *src, const char *dst)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(r->doc, "findings"), i, f)
		if (claim(f) && strcmp(S(f, "src"), src) == 0 && strcmp(S(f, "dst"), dst) == 0)
			return true;
	return false;
}

static void payload_chart(struct r *r)
{
	json_t *cv = json_object_get(r->doc, "conversations");
	json_t *pts = json_object_get(cv, "points");
	json_t *tpl = json_object_get(r->doc, "templates");
	json_t *rnd = json_object_get(r->doc, "random_entropy");
	size_t n = json_array_size(pts), nt = json_array_size(tpl), nr = json_array_size(rnd);
	put(r, "<section id=\"conversations\"><h2>Payloads</h2>\n");
	const char *why = ih_rep_omitted(r->doc, "conversations");
	if (why) {
		/* the data is not there (a report from the store): said, not drawn empty */
		put(r, "<p class=\"notice\" role=\"note\" id=\"payload-omitted\">");
		esc(r, why);
		put(r, "</p>\n</section>\n");
		return;
	}
	struct ih_svg_point *p = calloc(n ? n : 1, sizeof(*p));
	char (*tips)[300] = calloc(n ? n : 1, sizeof(*tips));
	struct ih_svg_ref *ref = calloc(nt ? nt : 1, sizeof(*ref));
	double (*curve)[2] = calloc(nr ? nr : 1, sizeof(*curve));
	if (!p || !tips || !ref || !curve)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(pts, i);
		json_t *e = json_object_get(c, "entropy");
		if (!json_is_number(e))
			continue;
		const char *pk = S(c, "payload");
		int kind = strcmp(pk, "data") == 0 ? 2 : strcmp(pk, "custom") == 0 ? 1 : 0;
		char a[32];
		snprintf(tips[k], sizeof(tips[k]), "%s \xE2\x86\x92 %s: %s requests, mean %.0f bytes, entropy %.2f bits/byte, %s payload (%s)",
			 S(c, "src"), S(c, "dst"), ih_rep_count(I(c, "requests"), a, sizeof(a)), D(c, "size_mean"),
			 json_number_value(e), pk, S(c, "template"));
		p[k] = (struct ih_svg_point){ D(c, "size_mean"), json_number_value(e), kind,
					      pair_claimed(r, S(c, "src"), S(c, "dst")), tips[k] };
		k++;
	}
	for (size_t i = 0; i < nt; i++) {
		json_t *t = json_array_get(tpl, i);
		ref[i] = (struct ih_svg_ref){ D(t, "size"), D(t, "entropy"), S(t, "name"), S(t, "tag") };
	}
	for (size_t i = 0; i < nr; i++) {
		json_t *pt = json_array_get(rnd, i);
		curve[i][0] = json_number_value(json_array_get(pt, 0));
		curve[i][1] = json_number_value(json_array_get(pt, 1));
	}
	char cap[600], desc[300], a1[32], a2[32];
	json_t *bk = json_object_get(cv, "by_payload");
	snprintf(cap, sizeof(cap),
		 "One mark per conversation (a client and a server): the mean size of its requests against how random "
		 "their bytes are. Ordinary tools sit at their crosses; encrypted or compressed data sits on the dashed "
		 "line of random bytes; ringed marks belong to a finding. %s conversations (%lld ordinary, %lld custom, "
		 "%lld data)%s.",
		 ih_rep_count(I(cv, "total"), a1, sizeof(a1)), I(bk, "ordinary"), I(bk, "custom"), I(bk, "data"),
		 (size_t)I(cv, "total") > n ? ", the most telling of them drawn" : "");
	snprintf(desc, sizeof(desc), "%s conversations drawn by mean request payload size and entropy, with %zu ordinary-tool "
				     "templates for reference.", ih_rep_count((long long)k, a2, sizeof(a2)), nt);
	fig_open(r, "chart-payload", "payload", "Payload size and entropy per conversation", cap);
	static const char *const kinds[] = { "ordinary (a tool's fill)", "custom (ping -p, fixed)", "data (varies)" };
	struct ih_svg_scatter sc = { { "chart-payload", "chart-payload", "Payload size and entropy per conversation", desc },
				     p, k, ref, nt, (const double(*)[2])curve, nr, kinds };
	ih_svg_scatter(r->o, &sc);
	fig_table_open(r, "Conversations (table)");
	put(r, "<thead><tr><th>From</th><th>To</th><th class=\"num\">Requests</th><th class=\"num\">Mean bytes</th>"
	       "<th class=\"num\">Entropy</th><th>Payload</th><th>Template</th><th>Content</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(pts, i);
		json_t *e = json_object_get(c, "entropy");
		put(r, "<tr><td class=\"mono\">");
		esc(r, S(c, "src"));
		put(r, "</td><td class=\"mono\">");
		esc(r, S(c, "dst"));
		put(r, "</td><td class=\"num\">");
		count(r, I(c, "requests"));
		fprintf(r->o, "</td><td class=\"num\">%.0f</td><td class=\"num\">", D(c, "size_mean"));
		if (json_is_number(e))
			fprintf(r->o, "%.2f", json_number_value(e));
		else
			put(r, "-");
		put(r, "</td><td>");
		esc(r, S(c, "payload"));
		put(r, "</td><td>");
		esc(r, S(c, "template"));
		put(r, "</td><td>");
		esc(r, *S(c, "content") ? S(c, "content") : "-");
		if (*S(c, "tool")) {
			put(r, " (");
			esc(r, S(c, "tool"));
			put(r, ")");
		}
		put(r, "</td></tr>");
	}
	put(r, "</tbody>");
	fig_close(r, true);
out:
	free(p);
	free(tips);
	free(ref);
	free(curve);
	put(r, "</section>\n");
}

/* ------------------------------------------------------------------ about */

static void about(struct r *r)
{
	json_t *stats = json_object_get(r->doc, "stats");
	char a[32], b[32];
	put(r, "<section id=\"about\"><h2>About this report</h2>\n<div class=\"cols\"><div>"
	       "<p><b>Verdicts.</b> Each incident adds the points of its findings (a table by kind and severity) and of "
	       "the combinations that matter (a sweep followed by connections to the hosts that answered; reconnaissance "
	       "and a covert channel from the same host; a channel to the outside). Malicious from 60, suspicious from 10; "
	       "informational findings alone are benign. Severity <i>low</i> and above is a claim that something is wrong, "
	       "<i>info</i> is context.</p>"
	       "<p><b>Reproducing it.</b> The same captures and options give the same report, byte for byte: "
	       "<code>icmphound analyze --format jsonl</code> gives these findings and incidents as JSON lines, "
	       "<code>icmphound explain ID</code> walks one incident in a terminal.</p></div><div>");
	put(r, "<dl class=\"kv\"><dt>icmphound</dt><dd>");
	esc(r, S(r->doc, "version"));
	put(r, "</dd><dt>packets read</dt><dd>");
	count(r, I(stats, "packets"));
	put(r, " (");
	esc(r, ih_rep_bytes((double)I(stats, "bytes"), a, sizeof(a)));
	put(r, ")</dd><dt>IP / ICMP packets</dt><dd>");
	count(r, I(stats, "ip_packets"));
	put(r, " / ");
	count(r, I(stats, "icmp_packets"));
	put(r, "</dd><dt>decode errors</dt><dd>");
	count(r, I(stats, "decode_errors_total"));
	put(r, "</dd><dt>input ended cleanly</dt><dd>");
	put(r, json_is_false(json_object_get(stats, "clean")) ? "no" : "yes");
	put(r, "</dd><dt>tables</dt><dd>");
	esc(r, ih_rep_bytes((double)I(stats, "memory_bytes"), a, sizeof(a)));
	put(r, " of a ");
	esc(r, ih_rep_bytes((double)I(stats, "memory_cap_bytes"), b, sizeof(b)));
	put(r, " cap</dd></dl>"
	       "<p class=\"muted\">This file is self-contained: it has no script and loads nothing (no fonts, images or "
	       "styles from anywhere). Text taken from the capture is shown as text and can never act as markup.</p>"
	       "</div></div></section>\n");
}

bool ih_report_html(FILE *out, json_t *doc)
{
	struct r r = { out, doc, json_object(), json_object(), json_array(), 0 };
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), i, f) {
		const char *id = json_string_value(json_object_get(f, "id"));
		if (id && !json_object_get(r.by_id, id))
			json_object_set(r.by_id, id, f);
	}
	/* the page's own ids first, then one anchor per incident card */
	static const char *const own[] = { "overview", "traffic", "incidents", "conversations", "about", NULL };
	for (size_t k = 0; own[k]; k++)
		id_take(&r, own[k], plain_suffixes);
	static const char *const charts[] = { "chart-activity", "chart-talkers", "chart-payload", NULL };
	for (size_t k = 0; charts[k]; k++)
		id_take(&r, charts[k], chart_suffixes);
	json_t *inc;
	json_array_foreach(json_object_get(doc, "incidents"), i, inc) {
		char a[96];
		json_array_append_new(r.anchor, json_string(make_id(&r, "", S(inc, "id"), plain_suffixes, a, sizeof(a))));
	}
	head(&r);
	banner(&r);
	toc(&r);
	put(&r, "<main><div class=\"wrap\">\n");
	overview(&r);
	traffic(&r);
	incidents(&r);
	payload_chart(&r);
	about(&r);
	put(&r, "</div></main>\n<footer><div class=\"wrap\">Generated by icmphound ");
	esc(&r, S(doc, "version"));
	put(&r, strcmp(S(doc, "source"), "store") == 0 ? " from the store; times are UTC, from the packets.</div></footer>\n</body>\n</html>\n"
						     : " from the capture alone; times are UTC, from the packets.</div></footer>\n</body>\n</html>\n");
	json_decref(r.by_id);
	json_decref(r.ids);
	json_decref(r.anchor);
	return fflush(out) == 0 && !ferror(out);
}

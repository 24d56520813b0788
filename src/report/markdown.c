/* markdown.c — the report for a ticket: the HTML report's content without its charts (the
 * numbers behind them as lists and tables instead), in GitHub-flavoured Markdown.
 *
 * Reads only the report document (report.h). Text from the capture goes out through
 * ih_md_escape (prose) or ih_md_code (addresses, ids, values: code spans), so that nothing in
 * it can become a link, an image, HTML or a table cell boundary. */
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "report/escape.h"
#include "report/finding.h"
#include "report/report.h"

struct m {
	FILE *o;
	json_t *doc;
	json_t *by_id;
};

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

static void put(struct m *m, const char *literal)
{
	fputs(literal, m->o);
}

static void txt(struct m *m, const char *s)
{
	ih_md_escape_str(m->o, s);
}

static void code(struct m *m, const char *s, bool table)
{
	if (s && *s)
		ih_md_code_str(m->o, s, table);
	else
		put(m, "-");
}

static void codev(struct m *m, json_t *v, bool table)
{
	if (!v || json_is_null(v)) {
		put(m, "-");
		return;
	}
	if (json_is_string(v)) {
		if (json_string_length(v))
			ih_md_code(m->o, json_string_value(v), json_string_length(v), table);
		else
			put(m, "-");
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	code(m, s, table);
	free(s);
}

static void count(struct m *m, long long v)
{
	char b[32];
	put(m, ih_rep_count(v, b, sizeof(b)));
}

static void timestr(struct m *m, const char *rfc3339)
{
	char b[64];
	txt(m, ih_rep_time(rfc3339, b, sizeof(b)));
}

static bool claim(json_t *f)
{
	const char *s = S(f, "severity");
	return *s && strcmp(s, "info") != 0;
}

/* ------------------------------------------------------------------ overview */

static void overview(struct m *m)
{
	json_t *stats = json_object_get(m->doc, "stats");
	json_t *incs = json_object_get(m->doc, "incidents");
	json_t *fs = json_object_get(m->doc, "findings");
	char a[64], b[64];
	put(m, "# ICMP investigation report\n\n");
	json_t *inputs = json_object_get(m->doc, "inputs");
	put(m, json_array_size(inputs) == 1 ? "Input " : "Inputs ");
	size_t i;
	json_t *x;
	json_array_foreach(inputs, i, x) {
		if (i)
			put(m, ", ");
		codev(m, x, false);
	}
	put(m, ", analysed by icmphound ");
	txt(m, S(m->doc, "version"));
	put(m, ". Every time is the input's own, in UTC.\n\n## Overview\n\n| | |\n|---|---|\n");
	uint64_t t0, t1;
	const char *f0 = S(stats, "first_packet"), *f1 = S(stats, "last_packet");
	put(m, "| Time span | ");
	if (ih_rep_parse_time(f0, &t0) && ih_rep_parse_time(f1, &t1)) {
		txt(m, ih_rep_duration(t1 >= t0 ? t1 - t0 : 0, a, sizeof(a)));
		put(m, ": ");
		timestr(m, f0);
		put(m, " to ");
		timestr(m, f1);
	} else {
		put(m, "no packets");
	}
	json_t *hs = json_object_get(m->doc, "hosts_seen");
	put(m, " |\n| Hosts in ICMP traffic | ");
	if (json_is_false(json_object_get(hs, "exact")))
		put(m, "about ");
	count(m, I(hs, "count"));
	put(m, " |\n| Packets | ");
	count(m, I(stats, "packets"));
	put(m, " (");
	put(m, ih_rep_bytes((double)I(stats, "bytes"), b, sizeof(b)));
	put(m, ") |\n| ICMP packets | ");
	count(m, I(stats, "icmp_packets"));
	long long pk = I(stats, "packets");
	fprintf(m->o, " (%.1f %%) |\n", pk ? 100.0 * (double)I(stats, "icmp_packets") / (double)pk : 0.0);
	size_t nclaims = 0;
	json_array_foreach(fs, i, x)
		nclaims += claim(x);
	put(m, "| Findings | ");
	count(m, (long long)json_array_size(fs));
	fprintf(m->o, " (%zu of severity low or above) |\n", nclaims);
	long long nv[3] = { 0, 0, 0 };
	json_array_foreach(incs, i, x) {
		const char *v = S(x, "verdict");
		nv[strcmp(v, "malicious") == 0 ? 0 : strcmp(v, "suspicious") == 0 ? 1 : 2]++;
	}
	fprintf(m->o, "| Incidents | %zu: %lld malicious, %lld suspicious, %lld benign |\n\n", json_array_size(incs), nv[0],
		nv[1], nv[2]);

	const char *counts_note = ih_rep_omitted(m->doc, "counts");
	if (counts_note) {
		put(m, "> ");
		txt(m, counts_note);
		put(m, "\n\n");
	}
	const char *err = S(stats, "error");
	if (*err || json_is_false(json_object_get(stats, "clean"))) {
		put(m, "> **The input did not end cleanly.** Findings cover what was read up to there: ");
		txt(m, *err ? err : "read stopped early");
		put(m, "\n\n");
	}
	long long derr = I(stats, "decode_errors_total"), dropped = I(stats, "findings_dropped");
	json_t *tables = json_object_get(stats, "tables");
	long long ev = I(json_object_get(tables, "hosts"), "evictions") + I(json_object_get(tables, "pairs"), "evictions");
	long long na = I(json_object_get(tables, "hosts"), "not_admitted");
	if (derr || ev || na || dropped) {
		put(m, ">");
		if (derr)
			fprintf(m->o, " %lld frame(s) did not decode (truncated or malformed).", derr);
		if (ev)
			fprintf(m->o, " %lld tracking record(s) were evicted under memory pressure.", ev);
		if (na)
			fprintf(m->o, " %lld packet(s) came from hosts not yet admitted to the full host table "
				"(the first packet of each new source during a flood): counted against their "
				"destinations only.", na);
		if (dropped)
			fprintf(m->o, " %lld finding(s) were counted but not kept (max_findings).", dropped);
		put(m, "\n\n");
	}
	if (!json_array_size(incs)) {
		put(m, "No incident: nothing in these captures was judged, not even as context.\n\n");
		return;
	}
	put(m, "| Verdict | Score | Host | Incident | Techniques | Summary |\n|---|---:|---|---|---|---|\n");
	json_array_foreach(incs, i, x) {
		put(m, "| **");
		txt(m, S(x, "verdict"));
		put(m, "** | ");
		count(m, I(x, "score"));
		put(m, " | ");
		code(m, S(x, "primary"), true);
		put(m, " | ");
		code(m, S(x, "id"), true);
		put(m, " | ");
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(x, "mitre"), k, t) {
			if (k)
				put(m, ", ");
			txt(m, json_is_string(t) ? json_string_value(t) : S(t, "id"));
		}
		put(m, " | ");
		txt(m, S(x, "summary"));
		put(m, " |\n");
	}
	put(m, "\n");
}

/* ------------------------------------------------------------------ per finding kind */

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

static void sweep_text(struct m *m, json_t *f)
{
	json_t *ev = json_object_get(f, "evidence");
	const char *range = S(ev, "range");
	struct ih_cidr cidr;
	put(m, "#### Sweep coverage of ");
	code(m, range, false);
	put(m, "\n\n");
	long long probed = I(ev, "hosts_probed"), answered = I(ev, "hosts_answered");
	fprintf(m->o, "%lld hosts probed, %lld answered", probed, answered);
	if (ih_sweep_group_only(ev) || !ih_cidr_parse(range, &cidr)) {
		put(m, ".\n\n");
		return;
	}
	unsigned bits = ih_addr_bits(&cidr.base);
	json_t *cells = json_object_get(json_object_get(m->doc, "sweep_cells"), S(f, "id"));
	if (cidr.prefix < bits - 8) {
		put(m, "; by block:\n\n");
		json_t *blocks = json_object_get(cells, "blocks");
		bool maps = json_array_size(blocks) > 0;
		if (!maps)
			blocks = json_object_get(ev, "blocks");
		size_t i;
		json_t *b;
		json_array_foreach(blocks, i, b) {
			put(m, "- ");
			code(m, S(b, maps ? "block" : "cidr"), false);
			if (maps)
				fprintf(m->o, ": %lld probed, %lld answered\n", I(b, "probed"), I(b, "answered"));
			else
				fprintf(m->o, ": %lld targets\n", I(b, "targets"));
		}
		put(m, "\n");
		return;
	}
	size_t n = (size_t)1 << (bits - cidr.prefix);
	const char *phex = S(cells, "probed"), *ahex = S(cells, "answered");
	bool have = strlen(phex) == 64 && strlen(ahex) == 64;
	json_t *alist = json_object_get(ev, "answered");
	bool alist_complete = I(ev, "answered_not_listed") == 0;
	/* 0 not probed, 1 probed, 2 answered, 3 not known */
	static const char *const names[] = { "Not probed", "Probed, no answer", "Answered", "Not known whether probed" };
	json_t *lists[4] = { json_array(), json_array(), json_array(), json_array() };
	for (size_t i = 0; i < n; i++) {
		struct ih_addr a = cidr.base;
		unsigned last = ih_addr_bits(&a) / 8 - 1;
		a.b[last] = (uint8_t)(a.b[last] + i);
		char s[IH_ADDR_STRLEN];
		ih_addr_str(&a, s, sizeof(s));
		bool ans = in_list(alist, s) || (!alist_complete && have && bit(ahex, a.b[last]));
		bool prb = have ? bit(phex, a.b[last]) : probed == (long long)n;
		int st = ans ? 2 : prb ? 1 : (have || probed == (long long)n) ? 0 : 3;
		json_array_append_new(lists[st], json_string(s));
	}
	put(m, ":\n\n");
	static const int order[] = { 2, 1, 0, 3 };
	for (int k = 0; k < 4; k++) {
		json_t *l = lists[order[k]];
		if (order[k] == 3 && !json_array_size(l))
			continue;
		fprintf(m->o, "- %s (%zu): ", names[order[k]], json_array_size(l));
		size_t i;
		json_t *x;
		json_array_foreach(l, i, x) {
			if (i)
				put(m, ", ");
			codev(m, x, false);
		}
		if (!json_array_size(l))
			put(m, "none");
		put(m, "\n");
	}
	put(m, "\n");
	for (int k = 0; k < 4; k++)
		json_decref(lists[k]);
}

static void beacon_text(struct m *m, json_t *f)
{
	json_t *ev = json_object_get(f, "evidence");
	put(m, "#### Check-in timing to ");
	code(m, S(f, "dst"), false);
	put(m, "\n\n");
	fprintf(m->o, "Median gap %.3f s, middle half %.3f to %.3f s, jitter (MAD) %.3f s, %lld check-ins, beacon score %.2f (",
		D(ev, "period_s"), D(ev, "gap_q1_s"), D(ev, "gap_q3_s"), D(ev, "jitter_mad_s"), I(ev, "events"), D(ev, "score"));
	txt(m, S(ev, "series"));
	put(m, ").");
	json_t *gaps = json_object_get(ev, "gaps_ms");
	if (json_array_size(gaps)) {
		put(m, " Gaps in order (s): ");
		size_t i;
		json_t *g;
		json_array_foreach(gaps, i, g)
			fprintf(m->o, "%s%.3f", i ? ", " : "", json_number_value(g) / 1000.0);
		put(m, ".");
	}
	put(m, "\n\n");
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

static void processes(struct m *m, json_t *members)
{
	json_t *seen = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(members, i, f) {
		json_t *p = json_object_get(json_object_get(f, "evidence"), "process");
		if (!json_is_object(p))
			continue;
		size_t j;
		json_t *x;
		bool dup = false;
		json_array_foreach(seen, j, x)
			dup = dup || same_process(x, p);
		if (!dup)
			json_array_append(seen, p);
	}
	put(m, "### Process (endpoint correlation)\n\n");
	if (!json_array_size(seen)) {
		put(m, "No endpoint data: which process, user and executable sent this traffic is not known from packets alone "
		       "(playbook step 5).\n\n");
		json_decref(seen);
		return;
	}
	put(m, "| PID | User | Executable | Command line | Found by |\n|---:|---|---|---|---|\n");
	json_t *p;
	json_array_foreach(seen, i, p) {
		put(m, "| ");
		codev(m, json_object_get(p, "pid"), true);
		put(m, " | ");
		json_t *user = json_object_get(p, "user");
		if (json_is_string(user)) {
			codev(m, user, true);
		} else if (json_is_integer(json_object_get(p, "uid")) || json_is_integer(json_object_get(p, "auid"))) {
			if (json_is_integer(json_object_get(p, "uid")))
				fprintf(m->o, "uid %lld", I(p, "uid"));
			if (json_is_integer(json_object_get(p, "auid")))
				fprintf(m->o, "%slogin uid %lld", json_is_integer(json_object_get(p, "uid")) ? ", " : "", I(p, "auid"));
		} else {
			put(m, "-");
		}
		put(m, " | ");
		codev(m, json_object_get(p, "exe"), true);
		put(m, " | ");
		codev(m, json_object_get(p, "cmdline"), true);
		put(m, " | ");
		txt(m, S(p, "source"));
		if (*S(p, "match")) {
			put(m, ", ");
			txt(m, S(p, "match"));
		}
		put(m, " |\n");
	}
	put(m, "\n");
	json_decref(seen);
}

/* ------------------------------------------------------------------ incident */

static void incident(struct m *m, json_t *inc)
{
	size_t i;
	json_t *x;
	json_t *members = json_array();
	json_array_foreach(json_object_get(inc, "findings"), i, x) {
		json_t *f = json_object_get(m->by_id, json_string_value(x) ? json_string_value(x) : "");
		if (f)
			json_array_append(members, f);
	}
	put(m, "## Incident ");
	txt(m, S(inc, "id"));
	put(m, ": ");
	txt(m, S(inc, "verdict"));
	fprintf(m->o, ", score %lld/100, ", I(inc, "score"));
	code(m, S(inc, "primary"), false);
	put(m, "\n\n- **Host:** ");
	code(m, S(inc, "primary"), false);
	put(m, " (");
	txt(m, S(inc, "primary_role"));
	put(m, ")\n- **Time:** ");
	timestr(m, S(inc, "first_seen"));
	put(m, " to ");
	timestr(m, S(inc, "last_seen"));
	uint64_t a, b;
	char d[32];
	if (ih_rep_parse_time(S(inc, "first_seen"), &a) && ih_rep_parse_time(S(inc, "last_seen"), &b)) {
		put(m, " (");
		put(m, ih_rep_duration(b >= a ? b - a : 0, d, sizeof(d)));
		put(m, ")");
	}
	put(m, "\n- **Most severe finding:** ");
	txt(m, S(inc, "severity"));
	json_t *hosts = json_object_get(inc, "hosts");
	if (json_array_size(hosts)) {
		put(m, "\n- **Hosts:** ");
		json_array_foreach(hosts, i, x) {
			if (i)
				put(m, ", ");
			codev(m, x, false);
		}
	}
	json_t *rel = json_object_get(inc, "related");
	if (json_array_size(rel)) {
		put(m, "\n- **Related incidents:** ");
		json_array_foreach(rel, i, x) {
			if (i)
				put(m, ", ");
			codev(m, x, false);
		}
	}
	put(m, "\n\n");
	if (*S(inc, "summary")) {
		put(m, "**");
		txt(m, S(inc, "summary"));
		put(m, "**\n\n");
	}
	if (*S(inc, "narrative")) {
		put(m, "### Why is ");
		txt(m, S(inc, "primary"));
		put(m, strcmp(S(inc, "primary_role"), "target") == 0 ? " receiving this ICMP traffic?\n\n"
								    : " generating this ICMP traffic?\n\n");
		txt(m, S(inc, "narrative"));
		put(m, "\n\n");
	}
	put(m, "### Score\n\n| Points | Why |\n|---:|---|\n");
	long long sum = 0;
	json_array_foreach(json_object_get(inc, "reasons"), i, x) {
		fprintf(m->o, "| %+lld | ", I(x, "points"));
		sum += I(x, "points");
		txt(m, S(x, "why"));
		put(m, " |\n");
	}
	fprintf(m->o, "| **%lld** | ", I(inc, "score"));
	if (sum != I(inc, "score"))
		fprintf(m->o, "the sum, %lld, kept within 0 to 100: **", sum);
	else
		put(m, "total: **");
	txt(m, S(inc, "verdict"));
	put(m, "** |\n\n### ATT&CK techniques\n\n");
	json_t *mitre = json_object_get(inc, "mitre");
	if (!json_array_size(mitre)) {
		put(m, "None: informational findings only.\n\n");
	} else {
		put(m, "| Technique | Name | Tactic |\n|---|---|---|\n");
		json_array_foreach(mitre, i, x) {
			put(m, "| ");
			txt(m, json_is_string(x) ? json_string_value(x) : S(x, "id"));
			put(m, " | ");
			txt(m, S(x, "name"));
			put(m, " | ");
			txt(m, S(x, "tactic"));
			put(m, " |\n");
		}
		put(m, "\n");
	}
	put(m, "### Findings\n\n| Severity | Kind | Peer | First seen (UTC) | Conf. | Summary |\n|---|---|---|---|---:|---|\n");
	json_array_foreach(members, i, x) {
		put(m, "| ");
		txt(m, S(x, "severity"));
		put(m, " | ");
		txt(m, S(x, "kind"));
		put(m, " | ");
		code(m, S(x, "dst"), true);
		put(m, " | ");
		char tb[64];
		txt(m, ih_rep_time(S(x, "first_seen"), tb, sizeof(tb)));
		fprintf(m->o, " | %.2f | ", D(x, "confidence"));
		txt(m, S(x, "summary"));
		put(m, " |\n");
	}
	put(m, "\n");
	json_array_foreach(members, i, x)
		if (strcmp(S(x, "kind"), "sweep") == 0)
			sweep_text(m, x);
	json_array_foreach(members, i, x)
		if (strcmp(S(x, "kind"), "beacon") == 0)
			beacon_text(m, x);
	processes(m, members);

	json_t *steps = json_object_get(inc, "playbook");
	if (json_array_size(steps)) {
		put(m, "### Playbook\n\n");
		json_array_foreach(steps, i, x) {
			fprintf(m->o, "%zu. **", i + 1);
			txt(m, *S(x, "title") ? S(x, "title") : S(x, "step"));
			put(m, "**: ");
			txt(m, S(x, "status"));
			put(m, "\n");
			static const char *const fields[][2] = { { "established", "Established" }, { "missing", "Missing" },
								  { "next", "Next" } };
			for (int k = 0; k < 3; k++) {
				const char *v = S(x, fields[k][0]);
				if (!*v)
					continue;
				fprintf(m->o, "   - *%s:* ", fields[k][1]);
				txt(m, v);
				put(m, "\n");
			}
		}
		put(m, "\n");
	}
	if (strcmp(S(inc, "verdict"), "benign") != 0) {
		json_t *plan = NULL;
		json_array_foreach(steps, i, x)
			if (strcmp(S(x, "step"), "containment") == 0)
				plan = x;
		put(m, "### Containment plan (proposed, nothing applied)\n\n");
		if (plan && *S(plan, "established"))
			txt(m, S(plan, "established"));
		else
			put(m, "Isolate the host, block its ICMP traffic, stop the process once identified, preserve the evidence.");
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "icmphound contain %s", S(inc, "id"));
		put(m, "\n\nTo review and apply it: ");
		code(m, cmd, false);
		put(m, " (a dry run by default).\n\n");
	}

	put(m, "### Evidence\n");
	json_array_foreach(members, i, x) {
		put(m, "\n#### ");
		txt(m, S(x, "id"));
		put(m, ": ");
		txt(m, S(x, "kind"));
		put(m, " (");
		txt(m, S(x, "severity"));
		put(m, ")\n\n| Evidence | Value |\n|---|---|\n");
		const char *key;
		json_t *v;
		json_object_foreach(json_object_get(x, "evidence"), key, v) {
			put(m, "| ");
			code(m, key, true);
			put(m, " | ");
			codev(m, v, true);
			put(m, " |\n");
		}
	}
	put(m, "\n");
	json_decref(members);
}

/* ------------------------------------------------------------------ traffic */

static void traffic(struct m *m)
{
	json_t *tk = json_object_get(m->doc, "talkers");
	put(m, "## Traffic\n\n### Top talkers\n\n");
	if (!json_array_size(tk)) {
		put(m, "No ICMP traffic.\n\n");
	} else {
		put(m, "| Host | ICMP packets sent | Bytes | Incident |\n|---|---:|---:|---|\n");
		size_t i;
		json_t *t;
		json_array_foreach(tk, i, t) {
			char b[32];
			put(m, "| ");
			code(m, S(t, "host"), true);
			put(m, " | ");
			if (json_is_true(json_object_get(t, "lower_bound")))
				put(m, "at least ");
			count(m, I(t, "packets"));
			put(m, " | ");
			put(m, ih_rep_bytes((double)I(t, "bytes"), b, sizeof(b)));
			put(m, " | ");
			const char *verdict = NULL;
			size_t k;
			json_t *inc;
			json_array_foreach(json_object_get(m->doc, "incidents"), k, inc)
				if (strcmp(S(inc, "primary"), S(t, "host")) == 0) {
					verdict = S(inc, "verdict");
					break;
				}
			if (verdict)
				txt(m, verdict);
			else
				put(m, "-");
			put(m, " |\n");
		}
		put(m, "\n");
	}
	json_t *cv = json_object_get(m->doc, "conversations");
	json_t *pts = json_object_get(cv, "points");
	size_t n = json_array_size(pts);
	put(m, "### Conversations that do not look like ordinary ping\n\n");
	const char *why = ih_rep_omitted(m->doc, "conversations");
	if (why) {
		txt(m, why);
		put(m, "\n\n");
		return;
	}
	size_t shown = 0, odd = 0;
	size_t i;
	json_t *c;
	json_array_foreach(pts, i, c)
		odd += strcmp(S(c, "payload"), "ordinary") != 0;
	if (!odd) {
		fprintf(m->o, "None: every conversation (%lld) carried an ordinary tool's payload.\n\n", I(cv, "total"));
		return;
	}
	put(m, "| From | To | Requests | Mean bytes | Entropy | Payload | Content |\n|---|---|---:|---:|---:|---|---|\n");
	json_array_foreach(pts, i, c) {
		if (strcmp(S(c, "payload"), "ordinary") == 0)
			continue;
		if (shown == 20)
			break;
		put(m, "| ");
		code(m, S(c, "src"), true);
		put(m, " | ");
		code(m, S(c, "dst"), true);
		put(m, " | ");
		count(m, I(c, "requests"));
		fprintf(m->o, " | %.0f | ", D(c, "size_mean"));
		json_t *e = json_object_get(c, "entropy");
		if (json_is_number(e))
			fprintf(m->o, "%.2f", json_number_value(e));
		else
			put(m, "-");
		put(m, " | ");
		txt(m, S(c, "payload"));
		put(m, " | ");
		if (*S(c, "content"))
			txt(m, S(c, "content"));
		else
			put(m, "-");
		if (*S(c, "tool")) {
			put(m, " (");
			txt(m, S(c, "tool"));
			put(m, ")");
		}
		put(m, " |\n");
		shown++;
	}
	fprintf(m->o, "\n%zu of %lld conversations shown; %zu kept for the report.\n\n", shown, I(cv, "total"), n);
}

bool ih_report_markdown(FILE *out, json_t *doc)
{
	struct m m = { out, doc, json_object() };
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), i, f) {
		const char *id = json_string_value(json_object_get(f, "id"));
		if (id)
			json_object_set(m.by_id, id, f);
	}
	overview(&m);
	json_t *inc;
	json_array_foreach(json_object_get(doc, "incidents"), i, inc)
		incident(&m, inc);
	traffic(&m);
	put(&m, "---\n\nGenerated by icmphound ");
	txt(&m, S(doc, "version"));
	if (strcmp(S(doc, "source"), "store") == 0)
		put(&m, " from the store. The same store and selection give the same report.\n");
	else
		put(&m, " from the captures alone. The same captures and options give the same report.\n");
	json_decref(m.by_id);
	return fflush(out) == 0 && !ferror(out);
}

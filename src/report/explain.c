/* explain.c — one incident told in full (icmphound explain), as text or Markdown, and its one
 * line in the terminal summary. Everything printed comes from the incident's JSON line and its
 * findings' JSON, so the explanation and the JSON lines can never disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/incident.h"

#define WIDTH 100

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Writes `text` wrapped at WIDTH columns; every line but the first starts with `indent`
 * spaces (the caller has already written the first line's prefix of `first` columns). */
static void wrap(FILE *out, const char *text, unsigned first, unsigned indent)
{
	unsigned col = first;
	const char *p = text;
	bool start = true;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t w = strcspn(p, " ");
		if (!start && col + 1 + w > WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			start = true;
		}
		if (!start) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += (unsigned)w;
		p += w;
		start = false;
	}
	fputc('\n', out);
}

/* A Markdown table cell: '|' escaped, line breaks as spaces. */
static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static const char *question_of(const struct ih_incident *inc, char *buf, size_t len)
{
	const char *host = str(inc->obj, "primary");
	if (inc->primary_target)
		snprintf(buf, len, "Why is %s receiving this ICMP traffic?", host);
	else
		snprintf(buf, len, "Why is %s generating continuous ICMP traffic?", host);
	return buf;
}

static void join_array(FILE *out, json_t *arr, const char *sep, const char *none)
{
	size_t i;
	json_t *x;
	if (!json_array_size(arr)) {
		fputs(none, out);
		return;
	}
	json_array_foreach(arr, i, x)
		fprintf(out, "%s%s", i ? sep : "", json_string_value(x));
}

static char *dump(json_t *v)
{
	/* no JSON_COMPACT: ", " and ": " between items, so that long values wrap */
	return json_dumps(v, JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
}

static void mitre_ids(json_t *mitre, char *buf, size_t len)
{
	size_t i, l = 0;
	json_t *m;
	buf[0] = '\0';
	json_array_foreach(mitre, i, m) {
		const char *id = json_is_string(m) ? json_string_value(m) : str(m, "id");
		int w = snprintf(buf + l, len - l, "%s%s", l ? "," : "", id);
		if (w < 0 || (size_t)w >= len - l)
			break;
		l += (size_t)w;
	}
}

/* ------------------------------------------------------------------ text */

static void text(FILE *out, const struct ih_incident *inc)
{
	json_t *o = inc->obj;
	char q[128];
	fprintf(out, "Incident %s: %s, score %d/100 (most severe finding: %s)\n", inc->id, ih_verdict_name(inc->verdict),
		inc->score, ih_sev_name(inc->severity));
	fprintf(out, "  host      %s (%s)\n", str(o, "primary"), str(o, "primary_role"));
	fprintf(out, "  time      %s to %s\n", str(o, "first_seen"), str(o, "last_seen"));
	fprintf(out, "  hosts     ");
	join_array(out, json_object_get(o, "hosts"), ", ", "-");
	fprintf(out, "\n  ranges    ");
	join_array(out, json_object_get(o, "ranges"), ", ", "-");
	fprintf(out, "\n  related   ");
	join_array(out, json_object_get(o, "related"), ", ", "-");
	fprintf(out, "\n  summary   %s\n\n", str(o, "summary"));

	fprintf(out, "%s\n  ", question_of(inc, q, sizeof(q)));
	wrap(out, str(o, "narrative"), 2, 2);

	fprintf(out, "\nScore\n");
	size_t i;
	json_t *r;
	long long sum = 0;
	json_array_foreach(json_object_get(o, "reasons"), i, r) {
		sum += (long long)json_integer_value(json_object_get(r, "points"));
		fprintf(out, "  %+4lld  ", (long long)json_integer_value(json_object_get(r, "points")));
		wrap(out, str(r, "why"), 8, 8);
	}
	if (sum != inc->score)
		fprintf(out, "  = %3d  (the sum, %lld, clamped to 0..100)\n", inc->score, sum);
	else
		fprintf(out, "  = %3d\n", inc->score);

	fprintf(out, "\nATT&CK\n");
	json_t *m;
	json_array_foreach(json_object_get(o, "mitre"), i, m)
		fprintf(out, "  %-10s %-46s %s\n", str(m, "id"), str(m, "name"), str(m, "tactic"));
	if (!json_array_size(json_object_get(o, "mitre")))
		fprintf(out, "  (no technique: informational findings only)\n");

	fprintf(out, "\nPlaybook\n");
	json_t *s;
	json_array_foreach(json_object_get(o, "playbook"), i, s) {
		fprintf(out, "  %zu. %s [%s]\n", i + 1, str(s, "title"), str(s, "status"));
		static const char *const fields[][2] = { { "established", "established" }, { "missing", "missing" },
							  { "next", "next" } };
		for (size_t k = 0; k < 3; k++) {
			const char *v = str(s, fields[k][0]);
			if (!*v)
				continue;
			fprintf(out, "     %-12s ", fields[k][1]);
			wrap(out, v, 18, 18);
		}
	}

	fprintf(out, "\nFindings (%zu)\n", inc->nf);
	for (size_t k = 0; k < inc->nf; k++) {
		const struct ih_finding *f = inc->f[k];
		char t0[40], t1[40], techs[160];
		mitre_ids(json_object_get(f->obj, "mitre"), techs, sizeof(techs));
		fprintf(out, "  %s  %s %s  %s -> %s  %s to %s  conf %.2f%s%s%s\n", str(f->obj, "id"), ih_sev_name(f->severity),
			f->kind, str(f->obj, "src"), f->dst_key, ih_time_str(f->first_ns, t0, sizeof(t0)),
			ih_time_str(f->last_ns, t1, sizeof(t1)), f->confidence, techs[0] ? "  [" : "", techs,
			techs[0] ? "]" : "");
		fprintf(out, "     ");
		wrap(out, str(f->obj, "summary"), 5, 5);
		const char *key;
		json_t *val;
		json_object_foreach(f->evidence, key, val) {
			char *d = dump(val);
			fprintf(out, "       %-26s ", key);
			wrap(out, d ? d : "?", 34, 34);
			free(d);
		}
	}
}

/* ------------------------------------------------------------------ Markdown */

static void markdown(FILE *out, const struct ih_incident *inc)
{
	json_t *o = inc->obj;
	char q[128];
	fprintf(out, "# Incident %s: %s (score %d/100)\n\n", inc->id, ih_verdict_name(inc->verdict), inc->score);
	fprintf(out, "| | |\n|---|---|\n");
	fprintf(out, "| Host | `%s` (%s) |\n", str(o, "primary"), str(o, "primary_role"));
	fprintf(out, "| Time | %s to %s |\n", str(o, "first_seen"), str(o, "last_seen"));
	fprintf(out, "| Most severe finding | %s |\n", ih_sev_name(inc->severity));
	fprintf(out, "| Hosts | ");
	join_array(out, json_object_get(o, "hosts"), ", ", "-");
	fprintf(out, " |\n| Ranges | ");
	join_array(out, json_object_get(o, "ranges"), ", ", "-");
	fprintf(out, " |\n| Related incidents | ");
	join_array(out, json_object_get(o, "related"), ", ", "-");
	fprintf(out, " |\n| Summary | ");
	md_cell(out, str(o, "summary"));
	fprintf(out, " |\n\n");

	fprintf(out, "## %s\n\n%s\n\n", question_of(inc, q, sizeof(q)), str(o, "narrative"));

	fprintf(out, "## Score\n\n| Points | Why |\n|---:|---|\n");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(o, "reasons"), i, r) {
		fprintf(out, "| %+lld | ", (long long)json_integer_value(json_object_get(r, "points")));
		md_cell(out, str(r, "why"));
		fprintf(out, " |\n");
	}
	fprintf(out, "| **%d** | total, clamped to 0..100: **%s** |\n\n", inc->score, ih_verdict_name(inc->verdict));

	fprintf(out, "## ATT&CK\n\n");
	if (json_array_size(json_object_get(o, "mitre"))) {
		fprintf(out, "| Technique | Name | Tactic |\n|---|---|---|\n");
		json_t *m;
		json_array_foreach(json_object_get(o, "mitre"), i, m)
			fprintf(out, "| %s | %s | %s |\n", str(m, "id"), str(m, "name"), str(m, "tactic"));
		fprintf(out, "\n");
	} else {
		fprintf(out, "No technique: informational findings only.\n\n");
	}

	fprintf(out, "## Playbook\n\n");
	json_t *s;
	json_array_foreach(json_object_get(o, "playbook"), i, s) {
		fprintf(out, "### %zu. %s: %s\n\n", i + 1, str(s, "title"), str(s, "status"));
		if (*str(s, "established"))
			fprintf(out, "- **Established:** %s\n", str(s, "established"));
		if (*str(s, "missing"))
			fprintf(out, "- **Missing:** %s\n", str(s, "missing"));
		if (*str(s, "next"))
			fprintf(out, "- **Next:** %s\n", str(s, "next"));
		fprintf(out, "\n");
	}

	fprintf(out, "## Findings (%zu)\n", inc->nf);
	for (size_t k = 0; k < inc->nf; k++) {
		const struct ih_finding *f = inc->f[k];
		char t0[40], t1[40], techs[160];
		mitre_ids(json_object_get(f->obj, "mitre"), techs, sizeof(techs));
		fprintf(out, "\n### %s: %s (%s)\n\n", str(f->obj, "id"), f->kind, ih_sev_name(f->severity));
		fprintf(out, "`%s` to `%s`, %s to %s, confidence %.2f%s%s\n\n", str(f->obj, "src"), f->dst_key,
			ih_time_str(f->first_ns, t0, sizeof(t0)), ih_time_str(f->last_ns, t1, sizeof(t1)), f->confidence,
			techs[0] ? ", ATT&CK " : "", techs);
		fprintf(out, "%s\n\n| Evidence | Value |\n|---|---|\n", str(f->obj, "summary"));
		const char *key;
		json_t *val;
		json_object_foreach(f->evidence, key, val) {
			char *d = dump(val);
			fprintf(out, "| %s | `", key);
			md_cell(out, d ? d : "?");
			fprintf(out, "` |\n");
			free(d);
		}
	}
}

bool ih_incident_explain(FILE *out, const struct ih_incident *inc, bool md)
{
	if (md)
		markdown(out, inc);
	else
		text(out, inc);
	return fflush(out) == 0 && !ferror(out);
}

void ih_incident_line(FILE *out, const struct ih_incident *inc, bool color)
{
	const char *c = "", *reset = color ? "\033[0m" : "";
	if (color)
		c = inc->verdict == IH_VERDICT_MALICIOUS ? "\033[1;31m" : inc->verdict == IH_VERDICT_SUSPICIOUS ? "\033[33m" : "\033[2m";
	char techs[200];
	mitre_ids(json_object_get(inc->obj, "mitre"), techs, sizeof(techs));
	fprintf(out, "  %s%-10s%s score %3d  %-16s %s%s%s%s\n", c, ih_verdict_name(inc->verdict), reset, inc->score,
		str(inc->obj, "primary"), inc->id, techs[0] ? "  [" : "", techs, techs[0] ? "]" : "");
	fprintf(out, "             %s\n", str(inc->obj, "summary"));
}

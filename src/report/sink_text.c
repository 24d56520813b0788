/* sink_text.c — the terminal summary: what needs a look first, then the numbers. */
#include <stdlib.h>
#include <string.h>

#include "report/incident.h"
#include "report/sink.h"

static const char *sev_color(enum ih_sev s)
{
	switch (s) {
	case IH_SEV_CRITICAL: return "\033[1;35m";
	case IH_SEV_HIGH: return "\033[1;31m";
	case IH_SEV_MEDIUM: return "\033[33m";
	case IH_SEV_LOW: return "\033[36m";
	default: return "\033[2m";
	}
}

static int by_severity(const void *a, const void *b)
{
	const struct ih_finding *x = *(const struct ih_finding *const *)a;
	const struct ih_finding *y = *(const struct ih_finding *const *)b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

static json_int_t geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

bool ih_sink_text(FILE *out, const struct ih_findings *fs, json_t *stats, bool color)
{
	return ih_sink_text_report(out, fs, NULL, stats, color, false);
}

/* The incidents, most severe first (their order); benign ones only when asked. */
static void incidents(FILE *out, const struct ih_incidents *is, bool color, bool all)
{
	size_t shown = 0, hidden = 0, bad = 0;
	for (size_t i = 0; i < is->n; i++) {
		if (is->v[i].verdict != IH_VERDICT_BENIGN)
			bad++;
		else if (!all)
			hidden++;
	}
	if (!is->n)
		return;
	fprintf(out, "%zu incident%s (%zu suspicious or malicious):\n\n", is->n, is->n == 1 ? "" : "s", bad);
	for (size_t i = 0; i < is->n; i++) {
		if (is->v[i].verdict == IH_VERDICT_BENIGN && !all)
			continue;
		ih_incident_line(out, &is->v[i], color);
		shown++;
	}
	if (hidden)
		fprintf(out, "%s  %zu benign incident%s (informational findings only) not shown: --all shows them\n",
			shown ? "\n" : "", hidden, hidden == 1 ? "" : "s");
	if (shown)
		fprintf(out, "\n  `icmphound explain INCIDENT_ID FILE...` walks through one investigation.\n");
	fprintf(out, "\n");
}

bool ih_sink_text_report(FILE *out, const struct ih_findings *fs, const struct ih_incidents *is, json_t *stats,
			 bool color, bool all)
{
	const char *reset = color ? "\033[0m" : "";
	struct ih_finding **v = NULL;
	if (fs->n) {
		v = malloc(fs->n * sizeof(*v));
		if (!v)
			return false;
		memcpy(v, fs->v, fs->n * sizeof(*v));
		qsort(v, fs->n, sizeof(*v), by_severity);
	}
	size_t claims = 0;
	for (size_t i = 0; i < fs->n; i++)
		if (v[i]->severity >= IH_SEV_LOW)
			claims++;
	fprintf(out, "icmphound %s: %lld packets (%lld ICMP)", IH_VERSION, (long long)geti(stats, "packets"),
		(long long)geti(stats, "icmp_packets"));
	const char *t0 = json_string_value(json_object_get(stats, "first_packet"));
	const char *t1 = json_string_value(json_object_get(stats, "last_packet"));
	if (t0 && t1)
		fprintf(out, " from %s to %s", t0, t1);
	fprintf(out, "\n\n");
	if (is)
		incidents(out, is, color, all);
	if (!fs->n)
		fprintf(out, "No findings.\n");
	else
		fprintf(out, "%zu finding%s (%zu of severity low or above):\n\n", fs->n, fs->n == 1 ? "" : "s", claims);
	for (size_t i = 0; i < fs->n; i++) {
		const struct ih_finding *f = v[i];
		json_t *mitre = json_object_get(f->obj, "mitre");
		char techs[128] = "";
		size_t k;
		json_t *m;
		json_array_foreach(mitre, k, m) {
			size_t l = strlen(techs);
			snprintf(techs + l, sizeof(techs) - l, "%s%s", l ? "," : "", json_string_value(m));
		}
		fprintf(out, "  %s%-8s%s %-16s %s -> %s  conf %.2f%s%s%s\n", color ? sev_color(f->severity) : "",
			ih_sev_name(f->severity), reset, f->kind,
			json_string_value(json_object_get(f->obj, "src")), f->dst_key, f->confidence,
			techs[0] ? "  [" : "", techs, techs[0] ? "]" : "");
		fprintf(out, "           %s\n", json_string_value(json_object_get(f->obj, "summary")));
	}
	free(v);
	if (fs->dropped)
		fprintf(out, "\n%llu more findings were counted but not kept (max_findings)\n",
			(unsigned long long)fs->dropped);
	json_int_t derr = geti(stats, "decode_errors_total");
	json_t *tables = json_object_get(stats, "tables");
	json_int_t ev = geti(json_object_get(tables, "hosts"), "evictions") +
			geti(json_object_get(tables, "pairs"), "evictions");
	fprintf(out, "\n%lld decode errors, %lld table evictions, %.1f MB of tables (cap %.0f MB)\n",
		(long long)derr, (long long)ev, (double)geti(stats, "memory_bytes") / 1048576.0,
		(double)geti(stats, "memory_cap_bytes") / 1048576.0);
	json_int_t na = geti(json_object_get(tables, "hosts"), "not_admitted");
	if (na)
		fprintf(out, "%lld packets of new sources while the host table was full were counted against "
			"their destinations only (not admitted: host_doorkeeper)\n", (long long)na);
	const char *err = json_string_value(json_object_get(stats, "error"));
	if (err)
		fprintf(out, "input did not end cleanly: %s\n", err);
	return fflush(out) == 0;
}

/* sink_jsonl.c — JSON lines for SIEMs: the contract in docs/JSONL.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "report/incident.h"
#include "report/sink.h"

char *ih_finding_id(const struct ih_finding *f, char *id, size_t len)
{
	char key[256], src[IH_ADDR_STRLEN];
	int n = snprintf(key, sizeof(key), "%s|%s|%s|%llu", f->kind, ih_addr_str(&f->src, src, sizeof(src)),
			 f->dst_key, (unsigned long long)f->first_ns);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(key))
		n = sizeof(key) - 1;
	snprintf(id, len, "F-%016llx", (unsigned long long)XXH3_64bits(key, (size_t)n));
	return id;
}

void ih_findings_assign_ids(struct ih_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct ih_finding *f = fs->v[i];
		char id[24];
		json_object_set_new(f->obj, "id", json_string(ih_finding_id(f, id, sizeof(id))));
	}
}

static bool put_line(FILE *out, json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (!s)
		return false;
	bool ok = fputs(s, out) >= 0 && fputc('\n', out) != EOF;
	free(s);
	return ok;
}

bool ih_sink_jsonl(FILE *out, const struct ih_findings *fs, json_t *stats)
{
	return ih_sink_jsonl_report(out, fs, NULL, stats);
}

bool ih_sink_jsonl_report(FILE *out, const struct ih_findings *fs, const struct ih_incidents *is, json_t *stats)
{
	bool ok = true;
	for (size_t i = 0; i < fs->n; i++)
		ok = put_line(out, fs->v[i]->obj) && ok;
	for (size_t i = 0; is && i < is->n; i++)
		ok = put_line(out, is->v[i].obj) && ok;
	if (stats)
		ok = put_line(out, stats) && ok;
	return fflush(out) == 0 && ok;
}

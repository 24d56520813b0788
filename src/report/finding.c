/* finding.c — building findings and keeping them, bounded, for the sinks. */
#include "report/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define XXH_INLINE_ALL /* header only: the fuzz target that loads incidents links no libxxhash */
#include <xxhash.h>

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *ih_sev_name(enum ih_sev s)
{
	return (unsigned)s <= IH_SEV_CRITICAL ? sev_names[s] : "info";
}

bool ih_sev_parse(const char *s, enum ih_sev *out)
{
	for (unsigned i = 0; i <= IH_SEV_CRITICAL; i++)
		if (strcmp(s, sev_names[i]) == 0) {
			*out = (enum ih_sev)i;
			return true;
		}
	return false;
}

char *ih_time_str(uint64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	unsigned long usec = (unsigned long)(ns % 1000000000ull / 1000ull);
	struct tm tm;
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "1970-01-01T00:00:00.000000Z");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06luZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return buf;
}

struct ih_finding *ih_finding_new(const char *kind, enum ih_sev sev, double confidence,
				  const struct ih_addr *src, uint64_t first_ns, uint64_t last_ns)
{
	struct ih_finding *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	f->severity = sev;
	if (confidence < 0)
		confidence = 0;
	if (confidence > 1)
		confidence = 1;
	f->confidence = confidence;
	f->src = *src;
	f->first_ns = first_ns;
	f->last_ns = last_ns;
	f->obj = json_object();
	f->evidence = json_object();
	if (!f->obj || !f->evidence) {
		json_decref(f->obj);
		json_decref(f->evidence);
		free(f);
		return NULL;
	}
	char a[IH_ADDR_STRLEN], t1[40], t2[40];
	json_object_set_new(f->obj, "type", json_string("finding"));
	json_object_set_new(f->obj, "id", json_string(""));
	json_object_set_new(f->obj, "kind", json_string(f->kind));
	json_object_set_new(f->obj, "severity", json_string(ih_sev_name(sev)));
	/* two decimals: output must not depend on floating-point noise */
	json_object_set_new(f->obj, "confidence", json_real((double)(long)(confidence * 100 + 0.5) / 100));
	json_object_set_new(f->obj, "src", json_string(ih_addr_str(src, a, sizeof(a))));
	json_object_set_new(f->obj, "dst", json_null());
	json_object_set_new(f->obj, "first_seen", json_string(ih_time_str(first_ns, t1, sizeof(t1))));
	json_object_set_new(f->obj, "last_seen", json_string(ih_time_str(last_ns, t2, sizeof(t2))));
	json_object_set_new(f->obj, "mitre", json_array());
	json_object_set_new(f->obj, "summary", json_string(""));
	json_object_set(f->obj, "evidence", f->evidence);
	json_decref(f->evidence); /* obj holds the reference; f->evidence is borrowed */
	return f;
}

void ih_finding_set_dst_addr(struct ih_finding *f, const struct ih_addr *dst)
{
	ih_addr_str(dst, f->dst_key, sizeof(f->dst_key));
	json_object_set_new(f->obj, "dst", json_string(f->dst_key));
}

void ih_finding_set_dst_str(struct ih_finding *f, const char *dst)
{
	snprintf(f->dst_key, sizeof(f->dst_key), "%s", dst);
	json_object_set_new(f->obj, "dst", json_string(dst));
}

void ih_finding_add_mitre(struct ih_finding *f, const char *technique)
{
	json_array_append_new(json_object_get(f->obj, "mitre"), json_string(technique));
}

void ih_finding_summary(struct ih_finding *f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_set_new(f->obj, "summary", json_string(buf));
}

void ih_finding_free(struct ih_finding *f)
{
	if (!f)
		return;
	json_decref(f->obj);
	free(f);
}

void ih_findings_init(struct ih_findings *fs, size_t cap)
{
	memset(fs, 0, sizeof(*fs));
	fs->cap = cap;
}

void ih_findings_add(struct ih_findings *fs, struct ih_finding *f)
{
	if (!f)
		return;
	fs->by_sev[f->severity <= IH_SEV_CRITICAL ? f->severity : 0]++;
	if (fs->n >= fs->cap) {
		fs->dropped++;
		ih_finding_free(f);
		return;
	}
	if (fs->n == fs->cap_alloc) {
		size_t nc = fs->cap_alloc ? fs->cap_alloc * 2 : 64;
		if (nc > fs->cap)
			nc = fs->cap;
		struct ih_finding **v = realloc(fs->v, nc * sizeof(*v));
		if (!v) {
			fs->dropped++;
			ih_finding_free(f);
			return;
		}
		fs->v = v;
		fs->cap_alloc = nc;
	}
	fs->v[fs->n++] = f;
	if (fs->on_add)
		fs->on_add(fs->on_add_ctx, f);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct ih_finding *x = *(const struct ih_finding *const *)a;
	const struct ih_finding *y = *(const struct ih_finding *const *)b;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	int c = strcmp(x->kind, y->kind);
	if (c)
		return c;
	c = ih_addr_cmp(&x->src, &y->src);
	if (c)
		return c;
	c = strcmp(x->dst_key, y->dst_key);
	if (c)
		return c;
	return x->last_ns < y->last_ns ? -1 : x->last_ns > y->last_ns;
}

void ih_findings_sort(struct ih_findings *fs)
{
	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof(fs->v[0]), cmp_finding);
}

void ih_findings_free(struct ih_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		ih_finding_free(fs->v[i]);
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

void ih_finding_set_episode(struct ih_finding *f, const struct ih_addr *host, uint64_t began_ns)
{
	struct {
		char kind[32];
		uint8_t family, b[16];
		uint64_t began;
	} k;
	memset(&k, 0, sizeof(k));
	memcpy(k.kind, f->kind, sizeof(k.kind));
	k.family = host->family;
	memcpy(k.b, host->b, 16);
	k.began = began_ns;
	uint64_t e = XXH3_64bits(&k, sizeof(k));
	f->episode = e ? e : 1;
}

void ih_json_add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return;
	json_array_append_new(arr, json_string(s));
}

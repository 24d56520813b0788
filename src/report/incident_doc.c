/* incident_doc.c — one incident to act on, loaded from a JSON lines file or from the store.
 *
 * The JSON lines file is hostile input like a capture: lines are read into a buffer with a hard
 * cap (IH_DOC_MAX_LINE), every line must be a JSON object with a string "type" (blank lines are
 * allowed; types this version does not know are skipped, as the contract only ever adds), and
 * anything else is an error naming the file and the line. The file is read twice — once to find
 * the incident (it comes after its findings), once to take the findings it lists — so memory is
 * one line plus the incident, whatever the file's size. Every finding the incident lists must be
 * there: an incomplete document is refused rather than acted on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/addr.h"
#include "report/incident_doc.h"
#include "store/readback.h"
#include "store/store.h"

/* ------------------------------------------------------------------ bounded lines */

struct line {
	char *buf;
	size_t len, cap;
};

enum line_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_NUL, LINE_READ_ERROR };

/* Reads one line (without its '\n', or "\r\n") into l, NUL-terminated. Never holds more than
 * max bytes: a longer line is LINE_TOO_LONG. A NUL byte inside a line is LINE_NUL (JSON text
 * has none, and C strings would hide what follows it). */
static enum line_status read_line(FILE *f, struct line *l, size_t max)
{
	l->len = 0;
	bool any = false, nul = false;
	int c;
	while ((c = getc_unlocked(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			nul = true;
		if (l->len >= max)
			return LINE_TOO_LONG;
		if (l->len + 1 >= l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 4096;
			if (nc > max + 1)
				nc = max + 1;
			char *b = realloc(l->buf, nc);
			if (!b)
				return LINE_READ_ERROR;
			l->buf = b;
			l->cap = nc;
		}
		l->buf[l->len++] = (char)c;
	}
	if (c == EOF && ferror(f))
		return LINE_READ_ERROR;
	if (!any)
		return LINE_EOF;
	if (l->len && l->buf[l->len - 1] == '\r')
		l->len--;
	if (l->buf)
		l->buf[l->len] = '\0';
	return nul ? LINE_NUL : LINE_OK;
}

/* ------------------------------------------------------------------ which incident */

struct want {
	bool by_host;
	char key[IH_ADDR_STRLEN > 80 ? IH_ADDR_STRLEN : 80]; /* the id, or the host normalised */
};

static bool want_parse(struct want *w, const char *id, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	if (!id || !*id) {
		snprintf(err, errlen, "give an incident id (I-...) or a host address");
		return false;
	}
	if ((id[0] == 'I' || id[0] == 'i') && id[1] == '-' && strlen(id) < sizeof(w->key)) {
		snprintf(w->key, sizeof(w->key), "%s", id);
		return true;
	}
	struct ih_addr a;
	if (!ih_addr_parse(id, &a)) {
		snprintf(err, errlen, "'%.80s' is neither an incident id (I-...) nor an address", id);
		return false;
	}
	w->by_host = true;
	ih_addr_str(&a, w->key, sizeof(w->key));
	return true;
}

static bool want_matches(const struct want *w, const json_t *inc)
{
	if (!w->by_host) {
		const char *id = json_string_value(json_object_get(inc, "id"));
		return id && strcasecmp(id, w->key) == 0;
	}
	const char *p = json_string_value(json_object_get(inc, "primary"));
	struct ih_addr a;
	char s[IH_ADDR_STRLEN];
	return p && ih_addr_parse(p, &a) && strcmp(ih_addr_str(&a, s, sizeof(s)), w->key) == 0;
}

/* Every finding id the incident lists is in findings (and findings holds no other): else an
 * error. Puts the findings in the incident's order. */
static bool check_findings(json_t *inc, json_t **findings, const char *origin, char *err, size_t errlen)
{
	json_t *ids = json_object_get(inc, "findings");
	const char *iid = json_string_value(json_object_get(inc, "id"));
	if (!json_is_array(ids)) {
		snprintf(err, errlen, "%s: incident %s has no findings array", origin, iid);
		return false;
	}
	json_t *ordered = json_array();
	size_t i;
	json_t *fid;
	json_array_foreach(ids, i, fid) {
		const char *want = json_string_value(fid);
		json_t *hit = NULL;
		size_t j;
		json_t *f;
		json_array_foreach(*findings, j, f) {
			const char *got = json_string_value(json_object_get(f, "id"));
			if (want && got && strcmp(want, got) == 0) {
				hit = f;
				break;
			}
		}
		if (!hit) {
			snprintf(err, errlen, "%s: incident %s lists finding %s, which is not there", origin, iid,
				 want ? want : "(not a string)");
			json_decref(ordered);
			return false;
		}
		json_array_append(ordered, hit);
	}
	json_decref(*findings);
	*findings = ordered;
	return true;
}

/* ------------------------------------------------------------------ from a JSON lines file */

/* What one pass does with each good line. */
struct pass {
	const struct want *w;
	json_t *incident;   /* pass 1: the first matching incident */
	size_t incidents;   /* pass 1: incident lines seen */
	char seen[8][80];   /* pass 1: the first few, for the error message */
	json_t *findings;   /* pass 2: the findings the incident lists, first of each id */
	json_t *inputs;     /* pass 2: the stats line's store.inputs, if any */
};

static bool listed(const json_t *inc, const char *fid)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(inc, "findings"), i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), fid) == 0)
			return true;
	return false;
}

static bool already(const json_t *arr, const char *fid)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), fid) == 0)
			return true;
	return false;
}

static bool one_pass(FILE *f, const char *name, struct pass *p, int pass, char *err, size_t errlen)
{
	struct line l = { 0 };
	unsigned long long n = 0;
	bool ok = true;
	for (;;) {
		enum line_status st = read_line(f, &l, IH_DOC_MAX_LINE);
		if (st == LINE_EOF)
			break;
		n++;
		if (st == LINE_TOO_LONG) {
			snprintf(err, errlen, "%s: line %llu: longer than %d bytes", name, n, IH_DOC_MAX_LINE);
			ok = false;
			break;
		}
		if (st == LINE_NUL) {
			snprintf(err, errlen, "%s: line %llu: holds a NUL byte", name, n);
			ok = false;
			break;
		}
		if (st == LINE_READ_ERROR) {
			snprintf(err, errlen, "%s: line %llu: cannot read: %s", name, n, errno ? strerror(errno) : "out of memory");
			ok = false;
			break;
		}
		size_t k = 0;
		while (k < l.len && (l.buf[k] == ' ' || l.buf[k] == '\t'))
			k++;
		if (k == l.len)
			continue;
		json_error_t je;
		json_t *o = json_loadb(l.buf, l.len, JSON_REJECT_DUPLICATES, &je);
		if (!o) {
			snprintf(err, errlen, "%s: line %llu: not JSON: %s (column %d)", name, n, je.text, je.column);
			ok = false;
			break;
		}
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!json_is_object(o) || !type) {
			snprintf(err, errlen, "%s: line %llu: not a JSON object with a string \"type\"", name, n);
			json_decref(o);
			ok = false;
			break;
		}
		bool is_f = strcmp(type, "finding") == 0, is_i = strcmp(type, "incident") == 0;
		if ((is_f || is_i) && (!id || !*id)) {
			snprintf(err, errlen, "%s: line %llu: a %s without a string \"id\"", name, n, type);
			json_decref(o);
			ok = false;
			break;
		}
		if (is_i && !json_is_array(json_object_get(o, "findings"))) {
			snprintf(err, errlen, "%s: line %llu: incident %.40s without a \"findings\" array", name, n, id);
			json_decref(o);
			ok = false;
			break;
		}
		if (pass == 1 && is_i) {
			if (p->incidents < 8)
				snprintf(p->seen[p->incidents], sizeof(p->seen[0]), "%.40s %.36s", id,
					 json_string_value(json_object_get(o, "primary")) ? json_string_value(json_object_get(o, "primary")) : "?");
			p->incidents++;
			if (!p->incident && want_matches(p->w, o)) {
				p->incident = o;
				continue;
			}
		} else if (pass == 2 && is_f && listed(p->incident, id) && !already(p->findings, id)) {
			json_array_append(p->findings, o);
		} else if (pass == 2 && strcmp(type, "stats") == 0) {
			json_t *in = json_object_get(json_object_get(o, "store"), "inputs");
			if (json_is_array(in)) {
				json_decref(p->inputs);
				p->inputs = json_deep_copy(in);
			}
		}
		json_decref(o);
	}
	free(l.buf);
	return ok;
}

bool ih_incident_doc_load_stream(struct ih_incident_doc *d, const char *id, FILE *f, const char *name, char *err,
				 size_t errlen)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->origin, sizeof(d->origin), "%s", name);
	struct want w;
	if (!want_parse(&w, id, err, errlen))
		return false;
	struct pass p = { .w = &w };
	if (!one_pass(f, name, &p, 1, err, errlen))
		goto fail;
	if (!p.incident) {
		int n = snprintf(err, errlen, "%s: no incident %s (%zu incident%s", name, w.key, p.incidents,
				 p.incidents == 1 ? "" : "s");
		for (size_t i = 0; i < p.incidents && i < 8 && n > 0 && (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, "%s%s", i ? ", " : ": ", p.seen[i]);
		if (n > 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, "%s)", p.incidents > 8 ? ", ..." : "");
		goto fail;
	}
	if (fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: cannot read it twice (%s): give a regular file", name, strerror(errno));
		goto fail;
	}
	p.findings = json_array();
	p.inputs = json_array();
	if (!one_pass(f, name, &p, 2, err, errlen))
		goto fail;
	if (!check_findings(p.incident, &p.findings, name, err, errlen))
		goto fail;
	d->incident = p.incident;
	d->findings = p.findings;
	d->inputs = p.inputs;
	return true;
fail:
	json_decref(p.incident);
	json_decref(p.findings);
	json_decref(p.inputs);
	return false;
}

static bool load_jsonl(struct ih_incident_doc *d, const char *id, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return false;
	}
	bool ok = ih_incident_doc_load_stream(d, id, f, path, err, errlen);
	fclose(f);
	return ok;
}

/* ------------------------------------------------------------------ from the store */

static bool load_store(struct ih_incident_doc *d, const char *id, const char *target, char *err, size_t errlen)
{
	char path[4096];
	if (!target || !*target)
		target = getenv("ICMPHOUND_STORE");
	if (!target || !*target || strcmp(target, "default") == 0) {
		if (!ih_store_default_path(path, sizeof(path))) {
			snprintf(err, errlen, "no store location: give --store or --from, or set XDG_DATA_HOME or HOME");
			return false;
		}
		target = path;
	}
	/* reading: a SQLite file that is not there is an error, not a new empty store */
	struct stat sb;
	if (!ih_store_is_postgres(target) && stat(target, &sb) != 0) {
		snprintf(err, errlen, "no store at %s (record one with `icmphound analyze --store %s FILE`)", target, target);
		return false;
	}
	struct want w;
	if (!want_parse(&w, id, err, errlen))
		return false;
	struct ih_store *s = ih_store_open(target, NULL, err, errlen);
	if (!s)
		return false;
	snprintf(d->origin, sizeof(d->origin), "store %s", ih_store_where(s));
	char iid[80];
	bool ok = true;
	snprintf(iid, sizeof(iid), "%s", w.key);
	if (w.by_host) {
		/* the host's own incident (it is the primary), the most severe when several runs hold one */
		struct ih_store_filter f = { .host = w.key };
		json_t *all = NULL;
		ok = ih_store_read_incidents(s, &f, &all, err, errlen);
		size_t i;
		json_t *inc;
		bool hit = false;
		json_array_foreach(all, i, inc) {
			if (want_matches(&w, inc)) {
				snprintf(iid, sizeof(iid), "%s", json_string_value(json_object_get(inc, "id")));
				hit = true;
				break;
			}
		}
		json_decref(all);
		if (ok && !hit) {
			snprintf(err, errlen, "no incident of host %s in the store %s", w.key, ih_store_where(s));
			ok = false;
		}
	}
	if (ok)
		ok = ih_store_read_incident(s, iid, &d->incident, &d->findings, &d->inputs, err, errlen);
	if (ok)
		ok = check_findings(d->incident, &d->findings, d->origin, err, errlen);
	char cerr[256];
	ih_store_close(s, cerr, sizeof(cerr));
	return ok;
}

bool ih_incident_doc_load(struct ih_incident_doc *d, const char *id, const char *jsonl, const char *store_target,
			  char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	bool ok = jsonl ? load_jsonl(d, id, jsonl, err, errlen) : load_store(d, id, store_target, err, errlen);
	if (!ok)
		ih_incident_doc_free(d);
	return ok;
}

void ih_incident_doc_free(struct ih_incident_doc *d)
{
	if (!d)
		return;
	json_decref(d->incident);
	json_decref(d->findings);
	json_decref(d->inputs);
	d->incident = d->findings = d->inputs = NULL;
}

/* apply.c — doing the plan, and undoing it: nftables through libnftables (one transaction
 * each way, never a shell), the processes and files through proc.c, and the rollback file that
 * says exactly what was added so that `contain --rollback FILE` removes that and nothing else.
 *
 * Idempotency comes from the rule comments: every rule carries "icmphound A-<id>/<n>", the
 * table is listed first, and a rule whose comment is already there is not added again. The
 * handles are read back from a second listing after the transaction (not from the echo), so
 * what the rollback file holds is what the kernel has. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contain/contain.h"
#include "contain/internal.h"

#define ROLLBACK_MAX_BYTES (1u << 20)
#define NFT_CMD_MAX 65536

static const char *const chain_names[] = { "input", "forward", "output" };
#define NCHAINS 3

json_t *ih_ct_who_json(const struct ih_ct_who *w)
{
	json_t *o = json_object();
	json_object_set_new(o, "user", json_string(w->user[0] ? w->user : "?"));
	json_object_set_new(o, "uid", json_integer(w->uid));
	if (w->sudo_user[0])
		json_object_set_new(o, "sudo_user", json_string(w->sudo_user));
	return o;
}

static int chain_index(const char *name)
{
	for (int i = 0; name && i < NCHAINS; i++)
		if (strcmp(name, chain_names[i]) == 0)
			return i;
	return -1;
}

/* "icmphound A-<16 hex>/<1..99>" */
static bool comment_ok(const char *c)
{
	if (!c || strncmp(c, "icmphound ", 10) != 0)
		return false;
	char id[IH_CT_ID_LEN];
	if (strlen(c) < 10 + 18 + 2)
		return false;
	memcpy(id, c + 10, 18);
	id[18] = '\0';
	if (!ih_ct_id_ok(id, "A-") || c[28] != '/')
		return false;
	const char *n = c + 29;
	size_t l = strlen(n);
	return l >= 1 && l <= 2 && strspn(n, "0123456789") == l && n[0] != '0';
}

/* ------------------------------------------------------------------ libnftables */

static struct nft_ctx *nft_open(char *err, size_t errlen)
{
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!c) {
		snprintf(err, errlen, "nft_ctx_new failed");
		return NULL;
	}
	nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_ctx_buffer_output(c) != 0 || nft_ctx_buffer_error(c) != 0) {
		snprintf(err, errlen, "libnftables: cannot buffer its output");
		nft_ctx_free(c);
		return NULL;
	}
	return c;
}

/* Runs cmd; on failure err holds nftables' own message (first line). */
static bool nft_run(struct nft_ctx *c, const char *cmd, char *err, size_t errlen)
{
	if (nft_run_cmd_from_buffer(c, cmd) == 0)
		return true;
	const char *e = nft_ctx_get_error_buffer(c);
	size_t l = e ? strcspn(e, "\n") : 0;
	snprintf(err, errlen, "nftables: %.*s", (int)(l > 300 ? 300 : l), l ? e : "command failed");
	return false;
}

struct nft_rule_seen {
	int chain;
	uint64_t handle;
	char comment[64];
};

struct table_state {
	bool exists;
	bool chain[NCHAINS];
	bool other;              /* chains of other names, sets, maps...: the table is not only ours */
	struct nft_rule_seen *rules;
	size_t nrules;
	size_t nrules_other_chains;
};

static void table_state_free(struct table_state *ts)
{
	free(ts->rules);
	memset(ts, 0, sizeof(*ts));
}

/* `list table inet NAME` as JSON: which chains, which rules (chain, handle, comment). */
static bool list_table(struct nft_ctx *c, const char *table, struct table_state *ts, char *err, size_t errlen)
{
	memset(ts, 0, sizeof(*ts));
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "list table inet %s", table);
	if (nft_run_cmd_from_buffer(c, cmd) != 0) {
		const char *e = nft_ctx_get_error_buffer(c);
		if (e && strstr(e, "No such file or directory"))
			return true; /* no such table */
		size_t l = e ? strcspn(e, "\n") : 0;
		snprintf(err, errlen, "nftables: %.*s", (int)(l > 300 ? 300 : l), l ? e : "cannot list the table");
		return false;
	}
	ts->exists = true;
	const char *out = nft_ctx_get_output_buffer(c);
	json_error_t je;
	json_t *doc = json_loads(out ? out : "", JSON_DISABLE_EOF_CHECK, &je);
	json_t *items = json_object_get(doc, "nftables");
	if (!json_is_array(items)) {
		snprintf(err, errlen, "nftables: the listing of table inet %s is not the JSON expected", table);
		json_decref(doc);
		return false;
	}
	size_t n = json_array_size(items);
	ts->rules = calloc(n ? n : 1, sizeof(*ts->rules));
	if (!ts->rules) {
		json_decref(doc);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		json_t *ch = json_object_get(it, "chain"), *ru = json_object_get(it, "rule");
		if (json_object_get(it, "metainfo") || json_object_get(it, "table"))
			continue;
		if (json_is_object(ch)) {
			int k = chain_index(json_string_value(json_object_get(ch, "name")));
			if (k >= 0)
				ts->chain[k] = true;
			else
				ts->other = true;
		} else if (json_is_object(ru)) {
			int k = chain_index(json_string_value(json_object_get(ru, "chain")));
			json_int_t h = json_integer_value(json_object_get(ru, "handle"));
			if (k < 0) {
				ts->nrules_other_chains++;
				continue;
			}
			struct nft_rule_seen *r = &ts->rules[ts->nrules++];
			r->chain = k;
			r->handle = h > 0 ? (uint64_t)h : 0;
			const char *cm = json_string_value(json_object_get(ru, "comment"));
			snprintf(r->comment, sizeof(r->comment), "%s", cm ? cm : "");
		} else {
			ts->other = true;
		}
	}
	json_decref(doc);
	return true;
}

static const struct nft_rule_seen *find_comment(const struct table_state *ts, int chain, const char *comment)
{
	for (size_t i = 0; i < ts->nrules; i++)
		if (ts->rules[i].chain == chain && strcmp(ts->rules[i].comment, comment) == 0)
			return &ts->rules[i];
	return NULL;
}

static const struct nft_rule_seen *find_handle(const struct table_state *ts, int chain, uint64_t handle)
{
	for (size_t i = 0; i < ts->nrules; i++)
		if (ts->rules[i].chain == chain && ts->rules[i].handle == handle)
			return &ts->rules[i];
	return NULL;
}

/* ------------------------------------------------------------------ the rollback file */

static json_t *rb_load(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > ROLLBACK_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", path);
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: cannot read it", path);
		free(buf);
		return NULL;
	}
	json_error_t je;
	json_t *rb = json_loadb(buf, (size_t)n, 0, &je);
	free(buf);
	if (!rb) {
		snprintf(err, errlen, "%s:%d: not JSON: %s", path, je.line, je.text);
		return NULL;
	}
	const char *ty = json_string_value(json_object_get(rb, "type"));
	const char *tb = json_string_value(json_object_get(rb, "table"));
	const char *fam = json_string_value(json_object_get(rb, "family"));
	if (!ty || strcmp(ty, "rollback") != 0 || json_integer_value(json_object_get(rb, "version")) != 1 ||
	    !ih_ct_table_name_ok(tb) || !fam || strcmp(fam, "inet") != 0 ||
	    !json_is_array(json_object_get(rb, "rules")) || !json_is_array(json_object_get(rb, "actions"))) {
		snprintf(err, errlen, "%s: not an icmphound rollback file (version 1)", path);
		json_decref(rb);
		return NULL;
	}
	return rb;
}

static bool rb_write(const char *path, json_t *rb, char *err, size_t errlen)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "rollback file name too long");
		return false;
	}
	char *txt = json_dumps(rb, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	if (!txt) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t l = strlen(txt);
	bool ok = fd >= 0 && write(fd, txt, l) == (ssize_t)l && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	int saved = errno;
	free(txt);
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write the rollback file %s: %s", path, strerror(ok ? errno : saved));
		unlink(tmp);
		return false;
	}
	return true;
}

static void hex_encode(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *s && o + 3 <= outlen; s++) {
		out[o++] = hex[(unsigned char)*s >> 4];
		out[o++] = hex[(unsigned char)*s & 15];
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

static bool hex_decode(const char *h, char *out, size_t outlen)
{
	size_t l = h ? strlen(h) : 0;
	if (l == 0 || l % 2 || l / 2 + 1 > outlen)
		return false;
	for (size_t i = 0; i < l / 2; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = h[2 * i + (size_t)k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return false;
		}
		if (v == 0)
			return false;
		out[i] = (char)v;
	}
	out[l / 2] = '\0';
	return true;
}

/* The entry of `arr` whose key `k` is the string v, or NULL. */
static json_t *find_by(json_t *arr, const char *k, const char *v)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		const char *s = json_string_value(json_object_get(e, k));
		if (s && strcmp(s, v) == 0)
			return e;
	}
	return NULL;
}

static json_t *rb_new(const struct ih_ct_plan *p)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:b, s:[], s:[], s:[], s:[], s:[], s:[]}", "type", "rollback",
			 "version", 1, "incident", p->incident, "host", p->host, "family", "inet", "table", p->table,
			 "table_created", 0, "chains_created", "actions", "rules", "processes", "quarantine", "applied");
}

/* ------------------------------------------------------------------ applying */

static bool is_nft(const struct ih_ct_action *a)
{
	return a->kind == IH_CT_BLOCK_ICMP || a->kind == IH_CT_ISOLATE;
}

static void fail_action(struct ih_ct_action *a, const char *why, char *first, size_t firstlen)
{
	a->state = IH_CT_FAILED;
	snprintf(a->outcome, sizeof(a->outcome), "%s", why);
	if (!first[0])
		snprintf(first, firstlen, "%s %s: %.400s", ih_ct_kind_name(a->kind), a->id, why);
}

static bool apply_nft(struct ih_ct_plan *p, json_t *rb, uint64_t now_ns, char *first, size_t firstlen)
{
	bool any = false;
	for (unsigned i = 0; i < p->n; i++)
		any |= is_nft(&p->actions[i]) && p->actions[i].state == IH_CT_PLANNED;
	if (!any)
		return true;
	char e[512] = "";
	struct nft_ctx *c = nft_open(e, sizeof(e));
	struct table_state ts;
	memset(&ts, 0, sizeof(ts));
	if (!c || !list_table(c, p->table, &ts, e, sizeof(e))) {
		for (unsigned i = 0; i < p->n; i++)
			if (is_nft(&p->actions[i]) && p->actions[i].state == IH_CT_PLANNED)
				fail_action(&p->actions[i], e, first, firstlen);
		if (c)
			nft_ctx_free(c);
		return false;
	}
	char *cmd = calloc(1, NFT_CMD_MAX);
	if (!cmd) {
		table_state_free(&ts);
		nft_ctx_free(c);
		return false;
	}
	size_t len = 0;
#define ADD(...) (len += (size_t)snprintf(cmd + len, len < NFT_CMD_MAX ? NFT_CMD_MAX - len : 0, __VA_ARGS__))
	bool created_table = !ts.exists, need[NCHAINS] = { false };
	if (created_table)
		ADD("add table inet %s\n", p->table);
	unsigned to_add = 0;
	for (unsigned i = 0; i < p->n; i++) {
		struct ih_ct_action *a = &p->actions[i];
		if (!is_nft(a) || a->state != IH_CT_PLANNED)
			continue;
		for (unsigned r = 0; r < a->nrules; r++) {
			struct ih_ct_rule *ru = &a->rules[r];
			int k = chain_index(ru->chain);
			const struct nft_rule_seen *seen = find_comment(&ts, k, ru->comment);
			if (seen) {
				ru->present = true;
				ru->handle = seen->handle;
				continue;
			}
			need[k] = true;
			to_add++;
		}
	}
	for (int k = 0; k < NCHAINS; k++)
		if (need[k] && !ts.chain[k])
			ADD("add chain inet %s %s { type filter hook %s priority -10; policy accept; }\n", p->table,
			    chain_names[k], chain_names[k]);
	for (unsigned i = 0; i < p->n; i++) {
		struct ih_ct_action *a = &p->actions[i];
		if (!is_nft(a) || a->state != IH_CT_PLANNED)
			continue;
		for (unsigned r = 0; r < a->nrules; r++)
			if (!a->rules[r].present)
				ADD("add rule inet %s %s %s comment \"%s\"\n", p->table, a->rules[r].chain, a->rules[r].expr,
				    a->rules[r].comment);
	}
#undef ADD
	bool ok = true;
	if (len >= NFT_CMD_MAX) {
		snprintf(e, sizeof(e), "the nftables transaction is too long");
		ok = false;
	} else if (to_add) {
		ok = nft_run(c, cmd, e, sizeof(e));
	}
	free(cmd);
	struct table_state after;
	memset(&after, 0, sizeof(after));
	if (ok && to_add && !list_table(c, p->table, &after, e, sizeof(e)))
		ok = false;
	if (ok && to_add) {
		json_object_set_new(rb, "table_created",
				    json_boolean(json_is_true(json_object_get(rb, "table_created")) || created_table));
		json_t *cc = json_object_get(rb, "chains_created");
		for (int k = 0; k < NCHAINS; k++)
			if (need[k] && !ts.chain[k]) {
				bool have = false;
				size_t j;
				json_t *x;
				json_array_foreach(cc, j, x) have |= json_is_string(x) && !strcmp(json_string_value(x), chain_names[k]);
				if (!have)
					json_array_append_new(cc, json_string(chain_names[k]));
			}
	}
	char t[40];
	for (unsigned i = 0; i < p->n; i++) {
		struct ih_ct_action *a = &p->actions[i];
		if (!is_nft(a) || a->state != IH_CT_PLANNED)
			continue;
		if (!ok) {
			fail_action(a, e, first, firstlen);
			continue;
		}
		unsigned added = 0, present = 0;
		char handles[200] = "";
		for (unsigned r = 0; r < a->nrules; r++) {
			struct ih_ct_rule *ru = &a->rules[r];
			if (!ru->present) {
				const struct nft_rule_seen *s = find_comment(&after, chain_index(ru->chain), ru->comment);
				ru->handle = s ? s->handle : 0;
				added++;
				json_array_append_new(json_object_get(rb, "rules"),
						      json_pack("{s:s, s:s, s:I, s:s}", "action", a->id, "chain", ru->chain,
								"handle", (json_int_t)ru->handle, "comment", ru->comment));
			} else
				present++;
			size_t hl = strlen(handles);
			snprintf(handles + hl, sizeof(handles) - hl, "%s%s %" PRIu64, hl ? ", " : "", ru->chain, ru->handle);
		}
		a->state = added ? IH_CT_APPLIED : IH_CT_PRESENT;
		a->at_ns = now_ns;
		if (added && present)
			snprintf(a->outcome, sizeof(a->outcome), "%u rules added, %u already there (handles %s)", added,
				 present, handles);
		else if (added)
			snprintf(a->outcome, sizeof(a->outcome), "%u rules added to table inet %s (handles %s)", added, p->table,
				 handles);
		else
			snprintf(a->outcome, sizeof(a->outcome), "already in place since an earlier --apply (handles %s): "
				 "nothing added", handles);
		(void)t;
	}
	table_state_free(&ts);
	table_state_free(&after);
	nft_ctx_free(c);
	return ok;
}

static void record_action(json_t *rb, const struct ih_ct_action *a)
{
	json_t *acts = json_object_get(rb, "actions");
	if (find_by(acts, "id", a->id))
		return;
	json_array_append_new(acts, json_pack("{s:s, s:s, s:s}", "id", a->id, "action", ih_ct_kind_name(a->kind),
					      "command", a->command));
}

bool ih_ct_apply(struct ih_ct_plan *p, const char *rollback_path, const struct ih_ct_who *who, uint64_t now_ns,
		 char *err, size_t errlen)
{
	char first[512] = "";
	json_t *rb = NULL;
	struct stat st;
	if (lstat(rollback_path, &st) == 0) {
		rb = rb_load(rollback_path, err, errlen);
		if (!rb)
			return false;
		const char *tb = json_string_value(json_object_get(rb, "table"));
		if (strcmp(tb, p->table) != 0) {
			snprintf(err, errlen, "%s records table inet %s, not %s: give another --rollback-file", rollback_path,
				 tb, p->table);
			json_decref(rb);
			return false;
		}
		/* a new apply after a rollback starts a new record */
		if (json_object_get(rb, "rolled_back")) {
			json_decref(rb);
			rb = NULL;
		}
	}
	if (!rb)
		rb = rb_new(p);
	if (!rb) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	char t[40];
	json_array_append_new(json_object_get(rb, "applied"),
			      json_pack("{s:s, s:s, s:o}", "at", ih_ct_time_str(now_ns, t, sizeof(t)), "incident",
					p->incident, "by", ih_ct_who_json(who)));

	bool ok = apply_nft(p, rb, now_ns, first, sizeof(first));
	for (unsigned i = 0; i < p->n; i++)
		if (is_nft(&p->actions[i]) && (p->actions[i].state == IH_CT_APPLIED || p->actions[i].state == IH_CT_PRESENT))
			record_action(rb, &p->actions[i]);
	/* what was added to the kernel is on disk before anything else is tried */
	char e[512];
	if (!rb_write(rollback_path, rb, e, sizeof(e))) {
		ok = false;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", e);
	}

	for (unsigned i = 0; i < p->n; i++) {
		struct ih_ct_action *a = &p->actions[i];
		if (a->kind != IH_CT_STOP_PROCESS || a->state != IH_CT_PLANNED)
			continue;
		struct ih_ct_action *q = NULL;
		if (i + 1 < p->n && p->actions[i + 1].kind == IH_CT_QUARANTINE && p->actions[i + 1].state == IH_CT_PLANNED)
			q = &p->actions[i + 1];
		a->at_ns = now_ns;
		int fd = ih_ct_proc_stop(a, e, sizeof(e));
		if (fd < 0) {
			fail_action(a, e, first, sizeof(first));
			if (q)
				fail_action(q, "the process could not be stopped, so its executable was not copied", first,
					    sizeof(first));
			ok = false;
			continue;
		}
		if (q) {
			q->at_ns = now_ns;
			if (ih_ct_quarantine(p, q, who, now_ns, e, sizeof(e))) {
				q->state = IH_CT_APPLIED;
				char hx[IH_CT_PATH_MAX * 2 + 1];
				hex_encode(q->proc.live.exe, hx, sizeof(hx));
				json_array_append_new(json_object_get(rb, "quarantine"),
					json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:i, s:b, s:s, s:s}", "action", q->id, "path",
						  q->proc.exe, "path_hex", hx, "dev", (json_int_t)q->proc.live.exe_dev, "ino",
						  (json_int_t)q->proc.live.exe_ino, "mode_before", (int)q->mode_before,
						  "mode_after", (int)q->mode_after, "mode_changed", q->mode_changed, "copy",
						  q->quarantine_copy, "sha256", q->quarantine_sha256));
				record_action(rb, q);
			} else {
				fail_action(q, e, first, sizeof(first));
				ok = false;
			}
		}
		if (ih_ct_proc_kill(a, fd, e, sizeof(e))) {
			a->state = IH_CT_APPLIED;
			snprintf(a->outcome, sizeof(a->outcome), "pid %" PRId32 " stopped (SIGSTOP)%s and killed (SIGKILL)",
				 a->proc.pid, q ? ", its executable copied," : "");
		} else {
			fail_action(a, e, first, sizeof(first));
			ok = false;
		}
		json_array_append_new(json_object_get(rb, "processes"),
				      json_pack("{s:s, s:i, s:s, s:s, s:s}", "action", a->id, "pid", (int)a->proc.pid, "exe",
						a->proc.exe, "state", ih_ct_state_name(a->state), "outcome", a->outcome));
		record_action(rb, a);
	}
	if (!rb_write(rollback_path, rb, e, sizeof(e))) {
		ok = false;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", e);
	}
	json_decref(rb);
	if (!ok)
		snprintf(err, errlen, "%s", first[0] ? first : "an action failed");
	return ok;
}

/* ------------------------------------------------------------------ rolling back */

static json_t *report_entry(json_t *rb, json_t *acts, const char *id, const char *kind)
{
	json_t *e = find_by(acts, "id", id);
	if (!e) {
		json_t *rec = find_by(json_object_get(rb, "actions"), "id", id);
		const char *cmd = json_string_value(json_object_get(rec, "command"));
		e = json_pack("{s:s, s:s, s:s, s:b, s:s?}", "id", id, "action", kind ? kind : "unknown", "outcome", "", "ok",
			      1, "command", cmd);
		json_array_append_new(acts, e);
	}
	return e;
}

static void report_add(json_t *e, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report_add(json_t *e, bool ok, const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	const char *old = json_string_value(json_object_get(e, "outcome"));
	char all[1200];
	snprintf(all, sizeof(all), "%s%s%s", old && *old ? old : "", old && *old ? "; " : "", buf);
	json_object_set_new(e, "outcome", json_string(all));
	if (!ok)
		json_object_set_new(e, "ok", json_false());
}

static const char *kind_of(json_t *rb, const char *id)
{
	json_t *a = find_by(json_object_get(rb, "actions"), "id", id);
	const char *k = json_string_value(json_object_get(a, "action"));
	static const char *const kinds[] = { "block-icmp", "isolate", "stop-process", "quarantine" };
	for (size_t i = 0; k && i < 4; i++)
		if (strcmp(k, kinds[i]) == 0)
			return kinds[i];
	return "unknown";
}

bool ih_ct_rollback(const char *rollback_path, const struct ih_ct_who *who, uint64_t now_ns, json_t **report,
		    char *err, size_t errlen)
{
	*report = NULL;
	json_t *rb = rb_load(rollback_path, err, errlen);
	if (!rb)
		return false;
	const char *table = json_string_value(json_object_get(rb, "table"));
	const char *inc = json_string_value(json_object_get(rb, "incident"));
	const char *host = json_string_value(json_object_get(rb, "host"));
	json_t *rep = json_pack("{s:s, s:s, s:s, s:[], s:O}", "incident", ih_ct_id_ok(inc, "I-") ? inc : "I-invalid",
				"host", host ? host : "?", "table", table, "actions", "applied",
				json_is_array(json_object_get(rb, "applied")) ? json_object_get(rb, "applied") : json_null());
	json_t *acts = json_object_get(rep, "actions");
	json_t *rules = json_object_get(rb, "rules");
	bool ok = true;
	char e[512] = "";

	if (json_array_size(rules) || json_is_true(json_object_get(rb, "table_created"))) {
		struct nft_ctx *c = nft_open(e, sizeof(e));
		struct table_state ts;
		memset(&ts, 0, sizeof(ts));
		if (!c || !list_table(c, table, &ts, e, sizeof(e))) {
			snprintf(err, errlen, "%s", e);
			if (c)
				nft_ctx_free(c);
			json_decref(rep);
			json_decref(rb);
			return false;
		}
		char *cmd = calloc(1, NFT_CMD_MAX);
		size_t len = 0;
		bool *removed = calloc(ts.nrules + 1, sizeof(bool));
		if (!cmd || !removed) {
			free(cmd);
			free(removed);
			table_state_free(&ts);
			nft_ctx_free(c);
			json_decref(rep);
			json_decref(rb);
			snprintf(err, errlen, "out of memory");
			return false;
		}
		size_t i;
		json_t *r;
		json_array_foreach(rules, i, r) {
			const char *act = json_string_value(json_object_get(r, "action"));
			const char *chain = json_string_value(json_object_get(r, "chain"));
			const char *comment = json_string_value(json_object_get(r, "comment"));
			json_t *jh = json_object_get(r, "handle");
			int k = chain_index(chain);
			if (!ih_ct_id_ok(act, "A-") || k < 0 || !comment_ok(comment) || !json_is_integer(jh) ||
			    json_integer_value(jh) <= 0) {
				json_t *en = report_entry(rb, acts, "A-invalid", "unknown");
				report_add(en, false, "entry %zu of rules is not one icmphound wrote: ignored", i);
				ok = false;
				continue;
			}
			uint64_t h = (uint64_t)json_integer_value(jh);
			json_t *en = report_entry(rb, acts, act, kind_of(rb, act));
			const struct nft_rule_seen *s = ts.exists ? find_handle(&ts, k, h) : NULL;
			if (!s) {
				report_add(en, true, "rule %s handle %" PRIu64 " was already gone", chain, h);
			} else if (strcmp(s->comment, comment) != 0) {
				report_add(en, false, "handle %" PRIu64 " in chain %s holds another rule now: left alone", h,
					   chain);
				ok = false;
			} else {
				removed[s - ts.rules] = true;
				len += (size_t)snprintf(cmd + len, len < NFT_CMD_MAX ? NFT_CMD_MAX - len : 0,
							"delete rule inet %s %s handle %" PRIu64 "\n", table, chain, h);
				report_add(en, true, "deleted rule %s handle %" PRIu64, chain, h);
			}
		}
		/* chains and the table this created, when nothing else is left in them */
		size_t left[NCHAINS] = { 0 };
		for (size_t j = 0; j < ts.nrules; j++)
			if (!removed[j])
				left[ts.rules[j].chain]++;
		bool created[NCHAINS] = { false };
		json_t *cc = json_object_get(rb, "chains_created");
		json_array_foreach(cc, i, r) {
			int k = chain_index(json_string_value(r));
			if (k >= 0)
				created[k] = true;
		}
		bool table_empty = ts.exists && !ts.other && ts.nrules_other_chains == 0;
		for (int k = 0; k < NCHAINS; k++)
			if (ts.chain[k] && (left[k] || !created[k]))
				table_empty = false;
		if (json_is_true(json_object_get(rb, "table_created")) && table_empty) {
			len += (size_t)snprintf(cmd + len, len < NFT_CMD_MAX ? NFT_CMD_MAX - len : 0, "delete table inet %s\n",
						table);
		} else {
			for (int k = 0; k < NCHAINS; k++)
				if (ts.exists && ts.chain[k] && created[k] && !left[k])
					len += (size_t)snprintf(cmd + len, len < NFT_CMD_MAX ? NFT_CMD_MAX - len : 0,
								"delete chain inet %s %s\n", table, chain_names[k]);
		}
		if (len >= NFT_CMD_MAX) {
			snprintf(err, errlen, "the nftables transaction is too long");
			ok = false;
		} else if (len && !nft_run(c, cmd, e, sizeof(e))) {
			/* nothing was deleted: say so on every rule entry */
			json_array_foreach(acts, i, r) json_object_set_new(r, "ok", json_false());
			json_object_set_new(rep, "nft_error", json_string(e));
			snprintf(err, errlen, "%s", e);
			free(cmd);
			free(removed);
			table_state_free(&ts);
			nft_ctx_free(c);
			*report = rep;
			json_decref(rb);
			return false;
		}
		if (len)
			json_object_set_new(rep, "nft", json_string(cmd));
		free(cmd);
		free(removed);
		table_state_free(&ts);
		nft_ctx_free(c);
	}

	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(rb, "quarantine"), i, q) {
		const char *act = json_string_value(json_object_get(q, "action"));
		if (!ih_ct_id_ok(act, "A-"))
			continue;
		json_t *en = report_entry(rb, acts, act, "quarantine");
		char path[IH_CT_PATH_MAX];
		json_t *jb = json_object_get(q, "mode_before"), *ja = json_object_get(q, "mode_after");
		if (!json_is_true(json_object_get(q, "mode_changed"))) {
			report_add(en, true, "the original's mode was not changed; the copy %s stays",
				   json_string_value(json_object_get(q, "copy")) ? json_string_value(json_object_get(q, "copy")) : "?");
			continue;
		}
		if (!hex_decode(json_string_value(json_object_get(q, "path_hex")), path, sizeof(path)) || path[0] != '/' ||
		    !json_is_integer(jb) || !json_is_integer(ja) || (json_integer_value(jb) & ~07777) ||
		    (json_integer_value(ja) & ~07777)) {
			report_add(en, false, "entry %zu of quarantine is not one icmphound wrote: ignored", i);
			ok = false;
			continue;
		}
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		struct stat st;
		char shown[IH_CT_PATH_MAX];
		snprintf(shown, sizeof(shown), "%s", json_string_value(json_object_get(q, "path")) ?
			 json_string_value(json_object_get(q, "path")) : "?");
		if (fd < 0 || fstat(fd, &st) != 0) {
			report_add(en, false, "%s is gone: its mode cannot be restored", shown);
			if (fd >= 0)
				close(fd);
			ok = false;
			continue;
		}
		if ((json_int_t)st.st_dev != json_integer_value(json_object_get(q, "dev")) ||
		    (json_int_t)st.st_ino != json_integer_value(json_object_get(q, "ino"))) {
			report_add(en, false, "%s is another file now: left alone", shown);
			ok = false;
		} else if ((json_int_t)(st.st_mode & 07777) != json_integer_value(ja)) {
			report_add(en, false, "%s has mode %04o now, not the %04o set: left alone", shown,
				   (unsigned)(st.st_mode & 07777), (unsigned)json_integer_value(ja));
			ok = false;
		} else if (fchmod(fd, (mode_t)json_integer_value(jb)) != 0) {
			report_add(en, false, "chmod %04o %s failed: %s", (unsigned)json_integer_value(jb), shown,
				   strerror(errno));
			ok = false;
		} else {
			report_add(en, true, "%s mode restored to %04o (the quarantine copy stays)", shown,
				   (unsigned)json_integer_value(jb));
		}
		close(fd);
	}
	json_array_foreach(json_object_get(rb, "processes"), i, q) {
		const char *act = json_string_value(json_object_get(q, "action"));
		if (!ih_ct_id_ok(act, "A-"))
			continue;
		json_t *en = report_entry(rb, acts, act, "stop-process");
		report_add(en, true, "pid %" JSON_INTEGER_FORMAT " was %s: that cannot be undone",
			   json_integer_value(json_object_get(q, "pid")),
			   !strcmp(json_string_value(json_object_get(q, "state")) ? json_string_value(json_object_get(q, "state")) : "",
				   "applied") ? "killed" : "not stopped");
	}
	char t[40];
	json_object_set_new(rb, "rolled_back", json_pack("{s:s, s:o, s:O}", "at", ih_ct_time_str(now_ns, t, sizeof(t)), "by",
							  ih_ct_who_json(who), "actions", acts));
	if (!rb_write(rollback_path, rb, e, sizeof(e))) {
		ok = false;
		snprintf(err, errlen, "%s", e);
	} else if (!ok) {
		snprintf(err, errlen, "some of what was applied could not be undone (see each action)");
	}
	json_decref(rb);
	*report = rep;
	return ok;
}

/* plan.c — from an incident to a containment plan: which rules, which process, which file, and
 * why; or why not. Pure apart from the probe the caller gives (a look at /proc/PID), so every
 * refusal and every rule text is unit-tested (tests/unit/test_contain.c). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "contain/contain.h"
#include "core/timeparse.h"
#include "endpoint/endpoint.h"

const char *ih_ct_kind_name(enum ih_ct_kind k)
{
	switch (k) {
	case IH_CT_BLOCK_ICMP: return "block-icmp";
	case IH_CT_ISOLATE: return "isolate";
	case IH_CT_STOP_PROCESS: return "stop-process";
	case IH_CT_QUARANTINE: return "quarantine";
	}
	return "unknown";
}

const char *ih_ct_state_name(enum ih_ct_state s)
{
	switch (s) {
	case IH_CT_PLANNED: return "planned";
	case IH_CT_REFUSED: return "refused";
	case IH_CT_APPLIED: return "applied";
	case IH_CT_PRESENT: return "present";
	case IH_CT_FAILED: return "failed";
	case IH_CT_ROLLED_BACK: return "rolled_back";
	}
	return "unknown";
}

bool ih_ct_table_name_ok(const char *name)
{
	if (!name || !isalpha((unsigned char)name[0]))
		return false;
	size_t n = 0;
	for (; name[n]; n++)
		if (!(isalnum((unsigned char)name[n]) || name[n] == '_') || n >= IH_CT_TABLE_MAX - 1)
			return false;
	return n > 0;
}

bool ih_ct_id_ok(const char *s, const char *prefix)
{
	if (!s || !prefix || strncmp(s, prefix, 2) != 0 || strlen(s) != 18)
		return false;
	for (size_t i = 2; i < 18; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A string of the incident, sanitized for showing ("" when absent or not a string). */
static void show_str(const json_t *o, const char *key, char *out, size_t outlen)
{
	const char *s = json_string_value(json_object_get(o, key));
	out[0] = '\0';
	if (s)
		ih_ep_sanitize(s, strlen(s), out, outlen, false);
}

/* The kind of a finding when it is a plain word (what icmphound writes), else "finding". */
static const char *finding_kind(const json_t *f)
{
	const char *k = json_string_value(json_object_get(f, "kind"));
	if (!k || !*k || strlen(k) > 32)
		return "finding";
	for (const char *c = k; *c; c++)
		if (!(islower((unsigned char)*c) || *c == '_'))
			return "finding";
	return k;
}

static const char *finding_sev(const json_t *f)
{
	static const char *const sevs[] = { "info", "low", "medium", "high", "critical" };
	const char *s = json_string_value(json_object_get(f, "severity"));
	for (size_t i = 0; s && i < sizeof(sevs) / sizeof(sevs[0]); i++)
		if (strcmp(s, sevs[i]) == 0)
			return sevs[i];
	return "unknown";
}

/* appends to a bounded string; a full buffer just stops growing (shown truncated) */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t have = strlen(buf);
	if (have + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + have, len - have, fmt, ap);
	va_end(ap);
}

static void action_id(const struct ih_ct_plan *p, enum ih_ct_kind k, int32_t pid, char out[IH_CT_ID_LEN])
{
	char key[160];
	int n = snprintf(key, sizeof(key), "%s|%s|%s|%" PRId32, p->incident, p->host, ih_ct_kind_name(k), pid);
	snprintf(out, IH_CT_ID_LEN, "A-%016llx", (unsigned long long)XXH3_64bits(key, (size_t)n));
}

static struct ih_ct_action *new_action(struct ih_ct_plan *p, enum ih_ct_kind k, int32_t pid)
{
	if (p->n >= IH_CT_MAX_ACTIONS)
		return NULL;
	struct ih_ct_action *a = &p->actions[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->state = IH_CT_PLANNED;
	action_id(p, k, pid, a->id);
	return a;
}

static void refuse(struct ih_ct_action *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct ih_ct_action *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->refusal, sizeof(a->refusal), fmt, ap);
	va_end(ap);
	a->state = IH_CT_REFUSED;
}

static void add_finding(struct ih_ct_action *a, const char *id)
{
	if (a->nfindings < IH_CT_MAX_WHY && ih_ct_id_ok(id, "F-")) {
		for (unsigned i = 0; i < a->nfindings; i++)
			if (strcmp(a->findings[i], id) == 0)
				return;
		snprintf(a->findings[a->nfindings++], IH_CT_ID_LEN, "%s", id);
	}
}

/* ------------------------------------------------------------------ the host */

static bool is_v4_mapped(const struct ih_addr *a)
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return a->family == IH_AF_INET6 && memcmp(a->b, pre, 12) == 0;
}

/* Why the host must not be blocked, or NULL. */
static const char *host_refusal(const struct ih_ct_plan *p, const struct ih_ct_opts *o, char *buf, size_t len)
{
	const struct ih_addr *h = &p->addr;
	static const uint8_t zero[16];
	if (memcmp(h->b, zero, 16) == 0)
		return "the unspecified address (the sender of a spoofed flood is unknown)";
	if ((h->family == IH_AF_INET && h->b[0] == 127) ||
	    (h->family == IH_AF_INET6 && memcmp(h->b, zero, 15) == 0 && h->b[15] == 1))
		return "a loopback address";
	if ((h->family == IH_AF_INET && h->b[0] >= 224) || (h->family == IH_AF_INET6 && h->b[0] == 0xff))
		return "a multicast, broadcast or reserved address";
	if (is_v4_mapped(h))
		return "an IPv4-mapped IPv6 address (name the IPv4 address)";
	for (unsigned i = 0; i < o->nsensor; i++)
		if (ih_addr_eq(&o->sensor[i], h))
			return "one of this machine's own addresses";
	for (unsigned i = 0; i < p->nmgmt; i++)
		if (ih_cidr_contains(&p->mgmt[i], h)) {
			char c[IH_ADDR_STRLEN + 8];
			snprintf(buf, len, "in the management network %s", ih_cidr_str(&p->mgmt[i], c, sizeof(c)));
			return buf;
		}
	return NULL;
}

/* ------------------------------------------------------------------ rules */

/* " ip daddr != { 192.0.2.0/24, ... }" for the management networks of the host's family, or "". */
static void not_mgmt(const struct ih_ct_plan *p, const char *dir, char *out, size_t len)
{
	out[0] = '\0';
	unsigned k = 0;
	for (unsigned i = 0; i < p->nmgmt; i++) {
		if (p->mgmt[i].base.family != p->addr.family)
			continue;
		char c[IH_ADDR_STRLEN + 8];
		cat(out, len, "%s%s", k ? ", " : p->addr.family == IH_AF_INET ? " ip " : " ip6 ", k ? "" : dir);
		if (!k)
			cat(out, len, " != { ");
		cat(out, len, "%s", ih_cidr_str(&p->mgmt[i], c, sizeof(c)));
		k++;
	}
	if (k)
		cat(out, len, " }");
}

static void add_rule(struct ih_ct_action *a, const char *chain, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_rule(struct ih_ct_action *a, const char *chain, const char *fmt, ...)
{
	if (a->nrules >= IH_CT_MAX_RULES)
		return;
	struct ih_ct_rule *r = &a->rules[a->nrules++];
	memset(r, 0, sizeof(*r));
	snprintf(r->chain, sizeof(r->chain), "%s", chain);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->expr, sizeof(r->expr), fmt, ap);
	va_end(ap);
	char id[IH_CT_ID_LEN];
	memcpy(id, a->id, sizeof(id));
	snprintf(r->comment, sizeof(r->comment), "icmphound %s/%u", id, a->nrules);
}

static void rules_command(const struct ih_ct_plan *p, struct ih_ct_action *a)
{
	a->command[0] = '\0';
	for (unsigned i = 0; i < a->nrules; i++)
		cat(a->command, sizeof(a->command), "nft add rule inet %s %s %s comment \"%s\"\n", p->table,
		    a->rules[i].chain, a->rules[i].expr, a->rules[i].comment);
}

/* ICMP (ICMPv6 but neighbour discovery, without which nothing else reaches the host either)
 * from the host, forwarded or to this machine, except to the management networks. */
static void block_icmp_rules(const struct ih_ct_plan *p, struct ih_ct_action *a)
{
	char h[IH_ADDR_STRLEN], nm[IH_CT_MAX_NETS * 56];
	ih_addr_str(&p->addr, h, sizeof(h));
	not_mgmt(p, "daddr", nm, sizeof(nm));
	static const char *const chains[] = { "forward", "input" };
	for (size_t i = 0; i < 2; i++) {
		if (p->addr.family == IH_AF_INET)
			add_rule(a, chains[i], "ip saddr %s%s meta l4proto icmp drop", h, nm);
		else
			add_rule(a, chains[i],
				 "ip6 saddr %s%s icmpv6 type != { nd-router-solicit, nd-neighbor-solicit, "
				 "nd-neighbor-advert } drop",
				 h, nm);
	}
	rules_command(p, a);
}

/* Everything to and from the host, forwarded, to or from this machine, except with the
 * management networks. IPv6 keeps neighbour discovery with this machine (the management
 * traffic it forwards needs it). */
static void isolate_rules(const struct ih_ct_plan *p, struct ih_ct_action *a)
{
	char h[IH_ADDR_STRLEN], nd[IH_CT_MAX_NETS * 56], ns[IH_CT_MAX_NETS * 56];
	ih_addr_str(&p->addr, h, sizeof(h));
	not_mgmt(p, "daddr", nd, sizeof(nd));
	not_mgmt(p, "saddr", ns, sizeof(ns));
	const char *ip = p->addr.family == IH_AF_INET ? "ip" : "ip6";
	if (p->addr.family == IH_AF_INET6) {
		add_rule(a, "input", "ip6 saddr %s icmpv6 type { nd-router-solicit, nd-neighbor-solicit, "
				     "nd-neighbor-advert } accept", h);
		add_rule(a, "output", "ip6 daddr %s icmpv6 type { nd-router-advert, nd-neighbor-solicit, "
				      "nd-neighbor-advert } accept", h);
	}
	add_rule(a, "forward", "%s saddr %s%s drop", ip, h, nd);
	add_rule(a, "forward", "%s daddr %s%s drop", ip, h, ns);
	add_rule(a, "input", "%s saddr %s%s drop", ip, h, nd);
	add_rule(a, "output", "%s daddr %s%s drop", ip, h, ns);
	rules_command(p, a);
}

/* ------------------------------------------------------------------ processes */

static bool system_dir(const char *path)
{
	static const char *const dirs[] = { "/usr/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/",
					    "/etc/", "/boot/", "/opt/", "/snap/" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
			return true;
	/* a path that climbs (/tmp/../usr/bin/x) is judged as the worst case */
	return strstr(path, "/../") != NULL || strstr(path, "/./") != NULL;
}

struct proc_ref {
	const json_t *process;
	const json_t *finding;
};

/* The finding's evidence.process when it is an object with an integer pid. */
static const json_t *finding_process(const json_t *f)
{
	const json_t *ev = json_object_get(f, "evidence");
	const json_t *pr = json_is_object(ev) ? json_object_get(ev, "process") : NULL;
	return json_is_object(pr) ? pr : NULL;
}

static void plan_process(struct ih_ct_plan *p, const struct ih_ct_opts *o, const json_t *pr, const json_t *finding)
{
	const json_t *jpid = json_object_get(pr, "pid");
	json_int_t pid = json_is_integer(jpid) ? json_integer_value(jpid) : -1;
	const char *fid = json_string_value(json_object_get(finding, "id"));
	char fshow[IH_CT_ID_LEN + 16];
	snprintf(fshow, sizeof(fshow), "%s", ih_ct_id_ok(fid, "F-") ? fid : "(a finding without a valid id)");

	/* one action pair per distinct pid */
	for (unsigned i = 0; i < p->n; i++)
		if (p->actions[i].kind == IH_CT_STOP_PROCESS && p->actions[i].proc.pid == pid) {
			add_finding(&p->actions[i], fid);
			if (i + 1 < p->n && p->actions[i + 1].kind == IH_CT_QUARANTINE)
				add_finding(&p->actions[i + 1], fid);
			return;
		}
	unsigned nprocs = 0;
	for (unsigned i = 0; i < p->n; i++)
		nprocs += p->actions[i].kind == IH_CT_STOP_PROCESS;
	if (nprocs >= IH_CT_MAX_PROCS || p->n + 2 > IH_CT_MAX_ACTIONS)
		return;

	struct ih_ct_proc pc;
	memset(&pc, 0, sizeof(pc));
	pc.pid = pid > 0 && pid <= 0x3fffffff ? (int32_t)pid : -1;
	show_str(pr, "exe", pc.exe, sizeof(pc.exe));
	show_str(pr, "user", pc.user, sizeof(pc.user));
	const char *sha = json_string_value(json_object_get(pr, "exe_sha256"));
	if (sha && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64)
		snprintf(pc.sha256, sizeof(pc.sha256), "%s", sha);
	const char *st = json_string_value(json_object_get(pr, "start_time"));
	uint64_t start = 0;
	if (st && ih_time_parse(st, &start))
		pc.start_ns = start;
	const char *exe_raw = json_string_value(json_object_get(pr, "exe"));

	struct ih_ct_action *stop = new_action(p, IH_CT_STOP_PROCESS, pc.pid);
	struct ih_ct_action *q = new_action(p, IH_CT_QUARANTINE, pc.pid);
	stop->proc = pc;
	add_finding(stop, fid);
	add_finding(q, fid);
	char pidtxt[24] = "?";
	if (pc.pid > 0)
		snprintf(pidtxt, sizeof(pidtxt), "%" PRId32, pc.pid);
	snprintf(stop->why, sizeof(stop->why), "%s (%s, %s) names the process behind the ICMP: pid %s, %s, user %s",
		 fshow, finding_kind(finding), finding_sev(finding), pidtxt, pc.exe[0] ? pc.exe : "executable unknown",
		 pc.user[0] ? pc.user : "unknown");
	snprintf(q->why, sizeof(q->why), "the executable of pid %s that %s names (%s): kept for analysis, made "
		 "non-executable so that it cannot be started again", pidtxt, fshow,
		 pc.exe[0] ? pc.exe : "unknown");

	const char *why_not = NULL;
	char buf[256];
	const char *src = json_string_value(json_object_get(pr, "source"));
	struct ih_ct_live live;
	memset(&live, 0, sizeof(live));
	if (pc.pid <= 0)
		why_not = "the evidence names no valid pid";
	else if (pc.pid == getpid() || pc.pid == 1)
		why_not = "the pid is icmphound itself or init";
	else if (src && strcmp(src, "proc") != 0)
		why_not = "the process comes from an endpoint log, not from this machine's /proc: its pid cannot be "
			  "checked here";
	else if (!pc.start_ns)
		why_not = "the evidence has no start time, so a reused pid could not be told apart";
	else if (!exe_raw || !*exe_raw)
		why_not = "the evidence names no executable";
	else if (!o->probe || !o->probe(o->probe_ctx, pc.pid, &live))
		why_not = live.error == EACCES ? "the pid runs here but its /proc/PID/exe cannot be read: run as root to "
						 "check it"
					       : "no such process on this machine (it exited, or the evidence is from "
						 "another host)";
	else {
		uint64_t d = live.start_ns > pc.start_ns ? live.start_ns - pc.start_ns : pc.start_ns - live.start_ns;
		if (d >= IH_CT_START_SLACK_NS) {
			snprintf(buf, sizeof(buf), "pid %" PRId32 " here started %.1f s %s the evidence's process: the pid "
				 "was reused by another process", pc.pid, (double)d / 1e9,
				 live.start_ns > pc.start_ns ? "after" : "before");
			why_not = buf;
		} else if (strcmp(live.exe, exe_raw) != 0) {
			char le[IH_CT_PATH_MAX];
			ih_ep_sanitize(live.exe, strlen(live.exe), le, sizeof(le), false);
			snprintf(buf, sizeof(buf), "pid %" PRId32 " here runs %.180s, not the evidence's executable", pc.pid, le);
			why_not = buf;
		}
	}
	if (why_not) {
		refuse(stop, "%s", why_not);
		refuse(q, "%s", why_not);
	} else {
		stop->proc.verified = true;
		stop->proc.live = live;
		stop->proc.system_exe = system_dir(live.exe);
	}
	q->proc = stop->proc;
	char qexe[IH_CT_PATH_MAX + 64];
	ih_ct_shell_quote(exe_raw ? exe_raw : "", qexe, sizeof(qexe));
	snprintf(stop->command, sizeof(stop->command),
		 "kill -STOP %s   # through a pidfd, after checking its start time again\nkill -KILL %s", pidtxt, pidtxt);
	char qdir[IH_CT_PATH_MAX + 64];
	ih_ct_shell_quote(p->quarantine_dir, qdir, sizeof(qdir));
	snprintf(q->command, sizeof(q->command), "install -m 0400 /proc/%s/exe %s/SHA256   # named by its SHA-256\n%s",
		 pidtxt, qdir, "chmod a-x ");
	cat(q->command, sizeof(q->command), "%s", qexe);
	if (stop->proc.verified && (stop->proc.system_exe || live.exe_deleted)) {
		cat(q->command, sizeof(q->command), "   # not done: %s",
		    live.exe_deleted ? "the file was deleted" : "a system executable belongs to its package");
	}
}

/* ------------------------------------------------------------------ the plan */

bool ih_ct_plan_build(const json_t *incident, const json_t *findings, const struct ih_ct_opts *o,
		      struct ih_ct_plan *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!json_is_object(incident)) {
		snprintf(err, errlen, "the incident is not a JSON object");
		return false;
	}
	const char *table = o->table ? o->table : IH_CT_DEFAULT_TABLE;
	if (!ih_ct_table_name_ok(table)) {
		snprintf(err, errlen, "table name: a letter, then letters, digits or '_', at most %d", IH_CT_TABLE_MAX - 1);
		return false;
	}
	snprintf(p->table, sizeof(p->table), "%s", table);
	if (o->nmgmt > IH_CT_MAX_NETS) {
		snprintf(err, errlen, "more than %d management networks", IH_CT_MAX_NETS);
		return false;
	}
	for (unsigned i = 0; i < o->nmgmt; i++) {
		unsigned bits = ih_addr_bits(&o->mgmt[i].base);
		if (o->mgmt[i].prefix > bits || o->mgmt[i].prefix == 0) {
			snprintf(err, errlen, "a management network of prefix length 0 would be everything");
			return false;
		}
		p->mgmt[i].prefix = o->mgmt[i].prefix;
		ih_addr_mask(&o->mgmt[i].base, o->mgmt[i].prefix, &p->mgmt[i].base);
	}
	p->nmgmt = o->nmgmt;
	p->isolate = o->isolate;
	snprintf(p->quarantine_dir, sizeof(p->quarantine_dir), "%s",
		 o->quarantine_dir ? o->quarantine_dir : IH_CT_DEFAULT_QUARANTINE);

	const char *id = json_string_value(json_object_get(incident, "id"));
	snprintf(p->incident, sizeof(p->incident), "%s", ih_ct_id_ok(id, "I-") ? id : "I-invalid");
	const char *v = json_string_value(json_object_get(incident, "verdict"));
	snprintf(p->verdict, sizeof(p->verdict), "%s",
		 v && (!strcmp(v, "benign") || !strcmp(v, "suspicious") || !strcmp(v, "malicious")) ? v : "unknown");
	const json_t *sc = json_object_get(incident, "score");
	p->score = json_is_integer(sc) && json_integer_value(sc) >= 0 && json_integer_value(sc) <= 100
			   ? (long)json_integer_value(sc) : -1;
	show_str(incident, "primary", p->host, sizeof(p->host));
	const char *prim = json_string_value(json_object_get(incident, "primary"));
	p->host_valid = prim && strlen(prim) < IH_ADDR_STRLEN && ih_addr_parse(prim, &p->addr);

	/* the reasons: findings of the host at low or above, most severe kinds named */
	struct ih_ct_action *blk = new_action(p, IH_CT_BLOCK_ICMP, 0);
	struct ih_ct_action *iso = o->isolate ? new_action(p, IH_CT_ISOLATE, 0) : NULL;
	char list[400] = "";
	unsigned listed = 0;
	size_t nf = json_is_array(findings) ? json_array_size(findings) : 0;
	/* most severe first, in the incident's (time) order within a severity */
	static const char *const sev_order[] = { "critical", "high", "medium", "low" };
	for (size_t lvl = 0; lvl < 4; lvl++)
		for (size_t i = 0; i < nf; i++) {
			const json_t *f = json_array_get(findings, i);
			if (!json_is_object(f) || strcmp(finding_sev(f), sev_order[lvl]) != 0)
				continue;
			const char *fid = json_string_value(json_object_get(f, "id"));
			add_finding(blk, fid);
			if (iso)
				add_finding(iso, fid);
			if (listed < 4)
				cat(list, sizeof(list), "%s%s (%s) %s", listed ? ", " : "", finding_kind(f), finding_sev(f),
				    ih_ct_id_ok(fid, "F-") ? fid : "(invalid id)");
			listed++;
		}
	if (listed > 4)
		cat(list, sizeof(list), " and %u more", listed - 4);
	snprintf(blk->why, sizeof(blk->why), "ICMP abuse from %s (verdict %s, score %ld): %s", p->host[0] ? p->host : "?",
		 p->verdict, p->score, listed ? list : "no finding of severity low or above");
	if (iso)
		snprintf(iso->why, sizeof(iso->why), "cut %s off from everything but the management networks while it "
			 "is investigated (verdict %s, score %ld): %s", p->host[0] ? p->host : "?", p->verdict, p->score,
			 listed ? list : "no finding of severity low or above");

	char buf[128], r[300] = "";
	const char *role = json_string_value(json_object_get(incident, "primary_role"));
	const char *hr;
	if (!p->host_valid)
		snprintf(r, sizeof(r), "the incident's primary host is not an IPv4 or IPv6 address");
	else if (role && strcmp(role, "source") != 0)
		snprintf(r, sizeof(r), "the incident's host is the target of the traffic (a flood's victim), not its source");
	else if ((hr = host_refusal(p, o, buf, sizeof(buf))))
		snprintf(r, sizeof(r), "%s is %s", p->host, hr);
	else if (!listed)
		snprintf(r, sizeof(r), "the incident has no finding of severity low or above");
	if (r[0]) {
		refuse(blk, "%s", r);
		if (iso)
			refuse(iso, "%s", r);
	}
	if (!r[0]) {
		block_icmp_rules(p, blk);
		if (iso)
			isolate_rules(p, iso);
	}

	/* processes: the ones the host's findings name */
	for (size_t i = 0; i < nf; i++) {
		const json_t *f = json_array_get(findings, i);
		const json_t *pr = json_is_object(f) ? finding_process(f) : NULL;
		if (!pr)
			continue;
		const char *fsrc = json_string_value(json_object_get(f, "src"));
		struct ih_addr fa;
		if (p->host_valid && !(fsrc && strlen(fsrc) < IH_ADDR_STRLEN && ih_addr_parse(fsrc, &fa) &&
				       ih_addr_eq(&fa, &p->addr)))
			continue; /* a process on another host (a spoofed flood's victim incident) */
		plan_process(p, o, pr, f);
	}
	return true;
}

/* ------------------------------------------------------------------ showing */

void ih_ct_shell_quote(const char *s, char *out, size_t outlen)
{
	char clean[IH_CT_PATH_MAX * 2];
	ih_ep_sanitize(s, strlen(s), clean, sizeof(clean), false);
	size_t o = 0;
	if (outlen < 3) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	out[o++] = '\'';
	for (const char *c = clean; *c && o + 6 < outlen; c++) {
		if (*c == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else
			out[o++] = *c;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

void ih_ct_who(struct ih_ct_who *w)
{
	memset(w, 0, sizeof(*w));
	w->uid = (long)getuid();
	ih_ep_user_name((int64_t)getuid(), w->user, sizeof(w->user));
	const char *su = getenv("SUDO_USER");
	if (su && *su)
		ih_ep_sanitize(su, strnlen(su, 256), w->sudo_user, sizeof(w->sudo_user), false);
}

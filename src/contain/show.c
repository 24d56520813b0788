/* show.c — a containment plan (or what applying it did) for people and for machines: aligned
 * text, or one "type":"action" JSON line per action (docs/JSONL.md, "Action"). Every string
 * that came from the incident was sanitized when the plan was built. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "contain/contain.h"
#include "report/finding.h"

static bool is_nft(const struct ih_ct_action *a)
{
	return a->kind == IH_CT_BLOCK_ICMP || a->kind == IH_CT_ISOLATE;
}

bool ih_ct_plan_print_text(const struct ih_ct_plan *p, bool dry_run, FILE *f)
{
	bool ok = true;
	char c[IH_ADDR_STRLEN + 8];
	ok &= fprintf(f, "Containment of %s, host %s (verdict %s, score %ld)\n", p->incident, p->host[0] ? p->host : "?",
		      p->verdict, p->score) >= 0;
	if (dry_run)
		ok &= fprintf(f, "Dry run: nothing was changed. --apply does the actions marked planned.\n") >= 0;
	ok &= fprintf(f, "Rules go into table inet %s (base chains input, forward, output at priority -10, "
			 "created when missing).\n", p->table) >= 0;
	ok &= fprintf(f, "Management networks (never blocked; isolation keeps them): ") >= 0;
	for (unsigned i = 0; i < p->nmgmt; i++)
		ok &= fprintf(f, "%s%s", i ? ", " : "", ih_cidr_str(&p->mgmt[i], c, sizeof(c))) >= 0;
	ok &= fprintf(f, "%s\n", p->nmgmt ? "" : "none given (--mgmt CIDR)") >= 0;
	for (unsigned i = 0; i < p->n; i++) {
		const struct ih_ct_action *a = &p->actions[i];
		ok &= fprintf(f, "\n[%u] %s %s: %s", i + 1, ih_ct_kind_name(a->kind), a->id, ih_ct_state_name(a->state)) >= 0;
		if (a->state == IH_CT_REFUSED)
			ok &= fprintf(f, ", %s", a->refusal) >= 0;
		ok &= fputc('\n', f) != EOF;
		ok &= fprintf(f, "    why: %s\n", a->why) >= 0;
		if (a->outcome[0])
			ok &= fprintf(f, "    outcome: %s\n", a->outcome) >= 0;
		/* the commands, one a line, indented */
		const char *s = a->command;
		while (*s) {
			const char *nl = strchr(s, '\n');
			int len = nl ? (int)(nl - s) : (int)strlen(s);
			ok &= fprintf(f, "    %s %.*s\n", a->state == IH_CT_REFUSED ? "#" : "$", len, s) >= 0;
			s += len + (nl ? 1 : 0);
		}
		for (unsigned r = 0; r < a->nrules; r++)
			if (a->rules[r].handle)
				ok &= fprintf(f, "    rule %u: chain %s handle %" PRIu64 "%s\n", r + 1, a->rules[r].chain,
					      a->rules[r].handle, a->rules[r].present ? " (already there)" : "") >= 0;
		if (a->quarantine_copy[0])
			ok &= fprintf(f, "    copy: %s (sha256 %s)\n", a->quarantine_copy, a->quarantine_sha256) >= 0;
	}
	if (!p->isolate)
		ok &= fprintf(f, "\nIsolation (everything but the management networks) was not asked for: --isolate.\n") >= 0;
	return ok;
}

json_t *ih_ct_action_json(const struct ih_ct_plan *p, const struct ih_ct_action *a, bool dry_run)
{
	json_t *o = json_object();
	char t[40], c[IH_ADDR_STRLEN + 8];
	json_object_set_new(o, "type", json_string("action"));
	json_object_set_new(o, "id", json_string(a->id));
	json_object_set_new(o, "incident", json_string(p->incident));
	json_object_set_new(o, "host", json_string(p->host));
	json_object_set_new(o, "action", json_string(ih_ct_kind_name(a->kind)));
	json_object_set_new(o, "state", json_string(ih_ct_state_name(a->state)));
	json_object_set_new(o, "dry_run", json_boolean(dry_run));
	json_object_set_new(o, "why", json_string(a->why));
	json_t *fs = json_array();
	for (unsigned i = 0; i < a->nfindings; i++)
		json_array_append_new(fs, json_string(a->findings[i]));
	json_object_set_new(o, "findings", fs);
	if (a->state == IH_CT_REFUSED)
		json_object_set_new(o, "refusal", json_string(a->refusal));
	json_t *cmds = json_array();
	const char *s = a->command;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		json_array_append_new(cmds, json_stringn(s, len));
		s += len + (nl ? 1 : 0);
	}
	json_object_set_new(o, "commands", cmds);
	if (is_nft(a)) {
		char tb[IH_CT_TABLE_MAX + 8];
		snprintf(tb, sizeof(tb), "inet %s", p->table);
		json_object_set_new(o, "table", json_string(tb));
		json_t *m = json_array();
		for (unsigned i = 0; i < p->nmgmt; i++)
			json_array_append_new(m, json_string(ih_cidr_str(&p->mgmt[i], c, sizeof(c))));
		json_object_set_new(o, "mgmt", m);
		json_t *rs = json_array();
		for (unsigned i = 0; i < a->nrules; i++) {
			const struct ih_ct_rule *r = &a->rules[i];
			json_t *ro = json_pack("{s:s, s:s, s:s}", "chain", r->chain, "rule", r->expr, "comment", r->comment);
			if (r->handle)
				json_object_set_new(ro, "handle", json_integer((json_int_t)r->handle));
			if (r->present)
				json_object_set_new(ro, "present", json_true());
			json_array_append_new(rs, ro);
		}
		json_object_set_new(o, "rules", rs);
	} else {
		const struct ih_ct_proc *pc = &a->proc;
		json_t *po = json_object();
		json_object_set_new(po, "pid", pc->pid > 0 ? json_integer(pc->pid) : json_null());
		json_object_set_new(po, "start_time", pc->start_ns ? json_string(ih_time_str(pc->start_ns, t, sizeof(t))) : json_null());
		json_object_set_new(po, "exe", pc->exe[0] ? json_string(pc->exe) : json_null());
		json_object_set_new(po, "user", pc->user[0] ? json_string(pc->user) : json_null());
		json_object_set_new(po, "verified", json_boolean(pc->verified));
		if (pc->verified) {
			json_object_set_new(po, "running_since", json_string(ih_time_str(pc->live.start_ns, t, sizeof(t))));
			json_object_set_new(po, "system_executable", json_boolean(pc->system_exe));
		}
		json_object_set_new(o, "process", po);
		if (a->kind == IH_CT_QUARANTINE) {
			json_object_set_new(o, "quarantine_dir", json_string(p->quarantine_dir));
			if (a->quarantine_copy[0]) {
				char m1[8], m2[8];
				snprintf(m1, sizeof(m1), "%04o", (unsigned)(a->mode_before & 07777));
				snprintf(m2, sizeof(m2), "%04o", (unsigned)(a->mode_after & 07777));
				json_object_set_new(o, "quarantine", json_pack("{s:s, s:s, s:s, s:s, s:b}", "copy",
					a->quarantine_copy, "sha256", a->quarantine_sha256, "mode_before", m1, "mode_after",
					m2, "mode_changed", a->mode_changed));
			}
		}
	}
	if (a->outcome[0])
		json_object_set_new(o, "outcome", json_string(a->outcome));
	if (a->at_ns)
		json_object_set_new(o, "at", json_string(ih_time_str(a->at_ns, t, sizeof(t))));
	return o;
}

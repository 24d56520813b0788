/* contain.c — `icmphound contain INCIDENT_ID`: the seed's step 7 ("isolate the affected
 * endpoint, block ICMP traffic from the host, terminate the malicious process") as a plan that
 * is only a plan unless --apply is given, and `contain --rollback FILE` to undo what was
 * applied. docs/CONTAIN.md. The module is src/contain/; this file reads the options, loads
 * the incident, learns this machine's addresses, and records what was done in the store.
 *
 * Containment acts in the real world, so its times are the wall clock, not packet time. */
#include <getopt.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/settings.h"
#include "contain/contain.h"
#include "core/timeparse.h"
#include "endpoint/endpoint.h"
#include "report/finding.h"
#include "report/incident_doc.h"
#include "store/store.h"

#define CT_EXIT_FAILED 6 /* --apply: an action failed (what did apply is in the rollback file) */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound contain INCIDENT_ID|HOST [options]\n"
		"       icmphound contain --rollback FILE [--store TARGET] [--format text|jsonl]\n"
		"\n"
		"Plans the containment of an incident's host (docs/CONTAIN.md): nftables rules in a table of\n"
		"its own that drop ICMP from the host (and with --isolate everything to and from it but the\n"
		"management networks), stopping the process its evidence names (SIGSTOP, then SIGKILL) when\n"
		"that pid still is that process here, and a quarantine copy of its executable (SHA-256, the\n"
		"original made non-executable). Each action shows its exact command and the finding behind\n"
		"it. Nothing is changed without --apply.\n"
		"\n"
		"  INCIDENT_ID               an id from analyze (I-...), or a host address: its incident\n"
		"      --from FILE           read the incident from JSON lines (analyze/explain --format jsonl)\n"
		"      --store TARGET        read it from the store (default: $ICMPHOUND_STORE, else the default\n"
		"                            store); with --from, only where actions are recorded\n"
		"      --apply               do it: rules through libnftables, signals, quarantine; writes the\n"
		"                            rollback file and records every action in the store\n"
		"      --force               apply even when the incident's verdict is benign\n"
		"      --isolate             also drop everything to and from the host but the management networks\n"
		"      --mgmt CIDR           a management network (repeatable; added to the config's `mgmt`):\n"
		"                            never blocked, kept reachable by isolation\n"
		"      --sensor-addr ADDR    an address of this machine besides its interfaces' (repeatable)\n"
		"      --table NAME          the nftables table (family inet; default icmphound)\n"
		"      --quarantine-dir DIR  where executables are copied (default %s)\n"
		"      --rollback-file FILE  where --apply records what it added (default: $XDG_STATE_HOME or\n"
		"                            ~/.local/state, icmphound/rollback/INCIDENT_ID.json)\n"
		"      --rollback FILE       undo exactly what that --apply added\n"
		"      --sensor NAME         the sensor name on store rows (default: the host name)\n"
		"  -f, --format text|jsonl   readable text (default) or one \"type\":\"action\" line per action\n"
		"  -o, --output FILE         write there instead of standard output\n"
		"      --config FILE / --no-config   the configuration file (its `mgmt` option)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 the plan was printed, or everything asked was applied or rolled back (refused\n"
		"actions are shown, not errors); 1 usage, no such incident, or --apply on a benign incident\n"
		"without --force; 2 the incident's file or store, or the rollback file, cannot be read;\n"
		"4 internal error or the output could not be written; 5 applied, but the store could not\n"
		"record it; 6 an action failed while applying or rolling back (the rest was done; the\n"
		"rollback file holds what was applied).\n",
		IH_CT_DEFAULT_QUARANTINE);
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool put_line(FILE *out, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	if (!s)
		return false;
	bool ok = fputs(s, out) >= 0 && fputc('\n', out) != EOF;
	free(s);
	return ok;
}

/* This machine's addresses (every interface, up or not) into a (capacity cap). */
static unsigned local_addrs(struct ih_addr *a, unsigned n, unsigned cap)
{
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) != 0)
		return n;
	for (struct ifaddrs *i = ifs; i && n < cap; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			ih_addr_v4(&a[n++], (const uint8_t *)&((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr);
		else if (i->ifa_addr->sa_family == AF_INET6)
			ih_addr_v6(&a[n++], ((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr.s6_addr);
	}
	freeifaddrs(ifs);
	return n;
}

static bool default_rollback_path(const char *incident, char *buf, size_t len)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[3800];
	if (st && st[0] == '/')
		snprintf(dir, sizeof(dir), "%s/icmphound", st);
	else if (home && home[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.local/state/icmphound", home);
	else
		return false;
	/* create the directories (0700) */
	char path[4000];
	snprintf(path, sizeof(path), "%s/rollback", dir);
	for (char *s = path + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			mkdir(path, 0700);
			*s = c;
			if (!c)
				break;
		}
	}
	return snprintf(buf, len, "%s/%s.json", path, incident) < (int)len;
}

/* The store where actions are recorded: --store, $ICMPHOUND_STORE, else the default file. */
static struct ih_store *open_store(const char *target, const char *sensor, char *err, size_t errlen)
{
	char path[4096];
	const char *t = target ? target : getenv("ICMPHOUND_STORE");
	struct ih_store_opts so = { .sensor = sensor };
	if (!t || !*t || strcmp(t, "default") == 0) {
		if (!ih_store_default_path(path, sizeof(path))) {
			snprintf(err, errlen, "no store location: give --store or set XDG_DATA_HOME or HOME");
			return NULL;
		}
		t = path;
		so.create_dir = true;
	}
	return ih_store_open(t, &so, err, errlen);
}

static bool first_col(void *ctx, int ncol, const char *const *val)
{
	if (ncol > 0 && val[0])
		snprintf((char *)ctx, 32, "%s", val[0]);
	return false;
}

static bool record_plan(struct ih_store *st, const struct ih_ct_plan *p, const struct ih_ct_who *who, bool dry_run,
			uint64_t now, char *err, size_t errlen)
{
	bool ok = true;
	for (unsigned i = 0; i < p->n && ok; i++) {
		const struct ih_ct_action *a = &p->actions[i];
		/* a later plan that cannot redo an action (its process is gone now) does not overwrite
		 * the record of it having been done */
		if (a->state == IH_CT_REFUSED || a->state == IH_CT_PLANNED) {
			char have[32] = "";
			struct ih_sqlv q[2] = { IH_SQLV_TEXT(ih_store_sensor(st)), IH_SQLV_TEXT(a->id) };
			if (!ih_store_select(st, "SELECT state FROM actions WHERE sensor = $1 AND id = $2", q, 2, first_col, have,
					     err, errlen))
				return false;
			if (!strcmp(have, "applied") || !strcmp(have, "rolled_back") || !strcmp(have, "failed"))
				continue;
		}
		json_t *d = json_object();
		json_object_set_new(d, "why", json_string(a->why));
		json_object_set_new(d, "by", json_pack("{s:s, s:I, s:s?}", "user", who->user, "uid", (json_int_t)who->uid,
						       "sudo_user", who->sudo_user[0] ? who->sudo_user : NULL));
		if (a->state == IH_CT_REFUSED)
			json_object_set_new(d, "refusal", json_string(a->refusal));
		if (a->outcome[0])
			json_object_set_new(d, "outcome", json_string(a->outcome));
		json_t *fs = json_array();
		for (unsigned k = 0; k < a->nfindings; k++)
			json_array_append_new(fs, json_string(a->findings[k]));
		json_object_set_new(d, "findings", fs);
		char *detail = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(d);
		const char *state = ih_ct_state_name(a->state);
		if (a->state == IH_CT_PRESENT)
			state = "applied";
		struct ih_store_action sa = {
			.id = a->id, .incident = p->incident, .host = p->host[0] ? p->host : "?",
			.action = ih_ct_kind_name(a->kind), .command = a->command, .state = state,
			.rollback = NULL, .detail = detail, .dry_run = dry_run, .created_ns = now,
			.applied_ns = !dry_run && (a->state == IH_CT_APPLIED || a->state == IH_CT_PRESENT) ? (a->at_ns ? a->at_ns : now) : 0,
		};
		ok = ih_store_put_action(st, &sa, err, errlen);
		free(detail);
	}
	return ok && ih_store_flush(st, err, errlen);
}

static int do_rollback(const char *file, const char *store_target, const char *sensor, bool jsonl, FILE *out)
{
	struct ih_ct_who who;
	ih_ct_who(&who);
	uint64_t now = wall_ns();
	char err[600];
	json_t *rep = NULL;
	bool ok = ih_ct_rollback(file, &who, now, &rep, err, sizeof(err));
	if (!rep) {
		fprintf(stderr, "icmphound contain: %s\n", err);
		return IH_EXIT_OPEN;
	}
	const char *inc = json_string_value(json_object_get(rep, "incident"));
	const char *host = json_string_value(json_object_get(rep, "host"));
	bool wrote = true;
	size_t i;
	json_t *a;
	if (!jsonl)
		wrote &= fprintf(out, "Rollback of %s, host %s, table inet %s, from %s\n", inc, host,
				 json_string_value(json_object_get(rep, "table")), file) >= 0;
	char t[40];
	json_array_foreach(json_object_get(rep, "actions"), i, a) {
		bool aok = json_is_true(json_object_get(a, "ok"));
		if (jsonl) {
			json_t *o = json_pack("{s:s, s:O, s:s, s:s, s:O, s:s, s:b, s:O, s:s}", "type", "action", "id",
					      json_object_get(a, "id"), "incident", inc, "host", host, "action",
					      json_object_get(a, "action"), "state", aok ? "rolled_back" : "failed", "dry_run", 0,
					      "outcome", json_object_get(a, "outcome"), "at", ih_time_str(now, t, sizeof(t)));
			wrote &= put_line(out, o);
			json_decref(o);
		} else {
			wrote &= fprintf(out, "  %s %s: %s: %s\n", json_string_value(json_object_get(a, "action")),
					 json_string_value(json_object_get(a, "id")), aok ? "rolled back" : "FAILED",
					 json_string_value(json_object_get(a, "outcome"))) >= 0;
		}
	}
	if (!ok && !jsonl)
		wrote &= fprintf(out, "Not everything was undone: %s\n", err) >= 0;
	if (!ok)
		fprintf(stderr, "icmphound contain: %s\n", err);

	/* the store: each action's row becomes rolled_back (or keeps its state, with the failure) */
	int rc = ok ? IH_EXIT_OK : CT_EXIT_FAILED;
	char serr[512];
	struct ih_store *st = open_store(store_target, sensor, serr, sizeof(serr));
	if (!st) {
		fprintf(stderr, "icmphound contain: store: %s\n", serr);
		if (rc == IH_EXIT_OK)
			rc = IH_EXIT_STORE;
	} else {
		bool sok = true;
		/* the first --apply's time, so the row keeps when it was applied */
		uint64_t applied_ns = 0;
		json_t *ap0 = json_array_get(json_object_get(rep, "applied"), 0);
		const char *at0 = json_string_value(json_object_get(ap0, "at"));
		if (!at0 || !ih_time_parse(at0, &applied_ns))
			applied_ns = 0;
		json_array_foreach(json_object_get(rep, "actions"), i, a) {
			const char *id = json_string_value(json_object_get(a, "id"));
			if (!ih_ct_id_ok(id, "A-"))
				continue;
			bool aok = json_is_true(json_object_get(a, "ok"));
			json_t *d = json_pack("{s:O, s:{s:s, s:I, s:s?}, s:s, s:O}", "outcome", json_object_get(a, "outcome"),
					      "by", "user", who.user, "uid", (json_int_t)who.uid, "sudo_user",
					      who.sudo_user[0] ? who.sudo_user : NULL, "rollback_file", file, "applied",
					      json_object_get(rep, "applied"));
			char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			json_decref(d);
			struct ih_store_action sa = {
				.id = id, .incident = inc, .host = host, .action = json_string_value(json_object_get(a, "action")),
				.command = json_string_value(json_object_get(a, "command")), .state = aok ? "rolled_back" : "failed", .rollback = file, .detail = detail,
				.dry_run = false, .created_ns = now, .applied_ns = applied_ns, .rolled_back_ns = aok ? now : 0,
			};
			/* the row keeps its first created time and command: the upsert updates only what changed */
			sok = sok && ih_store_put_action(st, &sa, serr, sizeof(serr));
			free(detail);
		}
		if (!sok || !ih_store_close(st, serr, sizeof(serr))) {
			fprintf(stderr, "icmphound contain: store: %s\n", serr);
			if (rc == IH_EXIT_OK)
				rc = IH_EXIT_STORE;
		}
	}
	json_decref(rep);
	if (fflush(out) != 0 || !wrote)
		return IH_EXIT_INTERNAL;
	return rc;
}

int ih_cmd_contain(int argc, char **argv)
{
	enum { O_FROM = 256, O_STORE, O_APPLY, O_FORCE, O_ISOLATE, O_MGMT, O_SENSOR_ADDR, O_TABLE, O_QDIR,
	       O_RBFILE, O_ROLLBACK, O_SENSOR, O_CONFIG, O_NOCONFIG };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, O_FROM },
		{ "store", required_argument, NULL, O_STORE },
		{ "apply", no_argument, NULL, O_APPLY },
		{ "force", no_argument, NULL, O_FORCE },
		{ "isolate", no_argument, NULL, O_ISOLATE },
		{ "mgmt", required_argument, NULL, O_MGMT },
		{ "sensor-addr", required_argument, NULL, O_SENSOR_ADDR },
		{ "table", required_argument, NULL, O_TABLE },
		{ "quarantine-dir", required_argument, NULL, O_QDIR },
		{ "rollback-file", required_argument, NULL, O_RBFILE },
		{ "rollback", required_argument, NULL, O_ROLLBACK },
		{ "sensor", required_argument, NULL, O_SENSOR },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "no-config", no_argument, NULL, O_NOCONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ih_cli_settings settings;
	memset(&settings, 0, sizeof(settings));
	static struct ih_cidr mgmt[IH_CT_MAX_NETS];
	static struct ih_addr sensor_addrs[IH_CT_MAX_ADDRS];
	unsigned nmgmt = 0, nsensor = 0;
	const char *from = NULL, *store = NULL, *table = NULL, *qdir = NULL, *rbfile = NULL, *rollback = NULL;
	const char *sensor = NULL, *outpath = NULL;
	bool apply = false, force = false, isolate = false, jsonl = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_FROM: from = optarg; break;
		case O_STORE: store = optarg; break;
		case O_APPLY: apply = true; break;
		case O_FORCE: force = true; break;
		case O_ISOLATE: isolate = true; break;
		case O_MGMT:
			if (nmgmt >= IH_CT_MAX_NETS || !ih_cidr_parse(optarg, &mgmt[nmgmt])) {
				fprintf(stderr, "icmphound contain: --mgmt '%s' is not an address or CIDR (at most %d)\n", optarg,
					IH_CT_MAX_NETS);
				return IH_EXIT_USAGE;
			}
			nmgmt++;
			break;
		case O_SENSOR_ADDR:
			if (nsensor >= IH_CT_MAX_NETS || !ih_addr_parse(optarg, &sensor_addrs[nsensor])) {
				fprintf(stderr, "icmphound contain: --sensor-addr '%s' is not an address (at most %d)\n",
					optarg, IH_CT_MAX_NETS);
				return IH_EXIT_USAGE;
			}
			nsensor++;
			break;
		case O_TABLE:
			if (!ih_ct_table_name_ok(optarg)) {
				fprintf(stderr, "icmphound contain: --table: a letter, then letters, digits or '_', at most %d\n",
					IH_CT_TABLE_MAX - 1);
				return IH_EXIT_USAGE;
			}
			table = optarg;
			break;
		case O_QDIR:
			if (optarg[0] != '/' || strlen(optarg) >= IH_CT_PATH_MAX - 80) {
				fprintf(stderr, "icmphound contain: --quarantine-dir wants an absolute path\n");
				return IH_EXIT_USAGE;
			}
			qdir = optarg;
			break;
		case O_RBFILE: rbfile = optarg; break;
		case O_ROLLBACK: rollback = optarg; break;
		case O_SENSOR: sensor = optarg; break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				jsonl = false;
			else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				jsonl = true;
			else {
				fprintf(stderr, "icmphound contain: unknown format '%s' (text or jsonl)\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		case 'o': outpath = optarg; break;
		case O_CONFIG: settings.config_path = optarg; break;
		case O_NOCONFIG: settings.no_config = true; break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	FILE *out = stdout;
	if (rollback) {
		if (optind < argc || apply || from) {
			fprintf(stderr, "icmphound contain: --rollback FILE takes no incident, --from or --apply\n");
			return IH_EXIT_USAGE;
		}
		if (outpath && !(out = fopen(outpath, "w"))) {
			fprintf(stderr, "icmphound contain: cannot write %s: %m\n", outpath);
			return IH_EXIT_OPEN;
		}
		int rc = do_rollback(rollback, store, sensor, jsonl, out);
		if (out != stdout && fclose(out) != 0 && rc == IH_EXIT_OK)
			rc = IH_EXIT_INTERNAL;
		return rc;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "icmphound contain: give one incident id (or host)\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	const char *want = argv[optind];
	{
		char low[IH_CT_ID_LEN] = "";
		struct ih_addr wa;
		for (size_t i = 0; want[i] && i + 1 < sizeof(low); i++)
			low[i] = (char)((want[i] >= 'A' && want[i] <= 'F') || want[i] == 'I' ? want[i] | 0x20 : want[i]);
		low[0] = want[0] == 'i' || want[0] == 'I' ? 'I' : low[0];
		if (!(strlen(want) == 18 && ih_ct_id_ok(low, "I-")) && !ih_addr_parse(want, &wa)) {
			fprintf(stderr, "icmphound contain: '%.80s' is neither an incident id (I- and 16 hex digits) nor an "
				"address\n", want);
			return IH_EXIT_USAGE;
		}
	}
	struct ih_config cfg;
	if (!ih_cli_configure(&settings, &cfg, "contain"))
		return IH_EXIT_USAGE;
	for (unsigned i = 0; i < cfg.nmgmt && nmgmt < IH_CT_MAX_NETS; i++)
		mgmt[nmgmt++] = cfg.mgmt[i];
	nsensor = local_addrs(sensor_addrs, nsensor, IH_CT_MAX_ADDRS);

	char err[600];
	struct ih_incident_doc doc;
	memset(&doc, 0, sizeof(doc));
	if (!ih_incident_doc_load(&doc, want, from, store, err, sizeof(err))) {
		fprintf(stderr, "icmphound contain: %s\n", err);
		ih_incident_doc_free(&doc);
		return strstr(err, "no incident") || strstr(err, "not found") ? IH_EXIT_USAGE : IH_EXIT_OPEN;
	}
	struct ih_ct_opts o = {
		.table = table, .mgmt = mgmt, .nmgmt = nmgmt, .sensor = sensor_addrs, .nsensor = nsensor,
		.isolate = isolate, .quarantine_dir = qdir, .probe = ih_ct_probe_proc, .probe_ctx = NULL,
	};
	struct ih_ct_plan *p = malloc(sizeof(*p));
	if (!p) {
		ih_incident_doc_free(&doc);
		return IH_EXIT_INTERNAL;
	}
	if (!ih_ct_plan_build(doc.incident, doc.findings, &o, p, err, sizeof(err))) {
		fprintf(stderr, "icmphound contain: %s\n", err);
		free(p);
		ih_incident_doc_free(&doc);
		return IH_EXIT_USAGE;
	}
	ih_incident_doc_free(&doc);

	int rc = IH_EXIT_OK;
	struct ih_ct_who who;
	ih_ct_who(&who);
	uint64_t now = wall_ns();
	char rbpath[4096] = "";
	if (apply) {
		if (strcmp(p->verdict, "benign") == 0 && !force) {
			fprintf(stderr, "icmphound contain: %s is benign: not applied (--force to apply anyway)\n", p->incident);
			free(p);
			return IH_EXIT_USAGE;
		}
		if (rbfile)
			snprintf(rbpath, sizeof(rbpath), "%s", rbfile);
		else if (!default_rollback_path(p->incident, rbpath, sizeof(rbpath))) {
			fprintf(stderr, "icmphound contain: no place for the rollback file: give --rollback-file\n");
			free(p);
			return IH_EXIT_USAGE;
		}
		if (!ih_ct_apply(p, rbpath, &who, now, err, sizeof(err))) {
			fprintf(stderr, "icmphound contain: %s\n", err);
			rc = CT_EXIT_FAILED;
		}
	}
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "icmphound contain: cannot write %s: %m\n", outpath);
		free(p);
		return IH_EXIT_OPEN;
	}
	bool wrote = true;
	if (jsonl) {
		for (unsigned i = 0; i < p->n; i++) {
			json_t *j = ih_ct_action_json(p, &p->actions[i], !apply);
			if (apply) {
				json_object_set_new(j, "by", json_pack("{s:s, s:I, s:s?}", "user", who.user, "uid",
								       (json_int_t)who.uid, "sudo_user",
								       who.sudo_user[0] ? who.sudo_user : NULL));
				json_object_set_new(j, "rollback_file", json_string(rbpath));
			}
			wrote &= put_line(out, j);
			json_decref(j);
		}
	} else {
		wrote &= ih_ct_plan_print_text(p, !apply, out);
		if (apply)
			wrote &= fprintf(out, "\nRollback file: %s (icmphound contain --rollback %s)\n", rbpath, rbpath) >= 0;
	}
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
		wrote = false;

	/* the store: always when applying; for a dry run only when --store was given */
	if (apply || store) {
		char serr[512];
		struct ih_store *st = open_store(store, sensor, serr, sizeof(serr));
		bool sok = st && record_plan(st, p, &who, !apply, now, serr, sizeof(serr));
		if (st && !ih_store_close(st, sok ? serr : (char[512]){ 0 }, 512))
			sok = false;
		if (!sok) {
			fprintf(stderr, "icmphound contain: store: %s\n", serr);
			if (rc == IH_EXIT_OK)
				rc = IH_EXIT_STORE;
		}
	}
	free(p);
	if (!wrote) {
		fprintf(stderr, "icmphound contain: could not write the output\n");
		return IH_EXIT_INTERNAL;
	}
	return rc;
}

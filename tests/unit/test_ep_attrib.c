/* test_ep_attrib.c — the endpoint stage end to end, without a network:
 *   - offline: the corpus capture of the seed's case (tests/data/corpus/case_seed.pcap: a
 *     beacon, an nmap sweep, a ptunnel-ng tunnel and lateral movement from 10.77.0.10) with the
 *     workstation's audit log (tests/data/endpoint/audit.log): every finding of 10.77.0.10 names
 *     its process (the tunnel: ptunnel-ng, with the beacon as the other process on that pair;
 *     the sweep: nmap), lateral movement says why it cannot, suspicious_process findings for
 *     the beacon in ~/.cache, the tunnel tool and the recon tool; the same with osquery; without
 *     --endpoint-host only peer-naming records count; output identical under two hash seeds;
 *   - live: a /proc stand-in with a ping socket, synthetic echo requests through the tracker,
 *     the tick that attributes them (an attribution line), the suspicious_process finding, a
 *     finding attributed from the conversation, and one about a host that is not local. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/pipeline.h"
#include "endpoint/attrib.h"
#include "report/sink.h"

static void data_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("IH_TEST_DATA");
	snprintf(buf, len, "%s/%s", dir && *dir ? dir : "../tests/data", name);
}

struct run {
	struct ih_pipeline pl;
	struct ih_eplog *log;
	struct ih_endpoint *ep;
};

/* analyze CAPTURE --endpoint-log LOG [--endpoint-host HOST] --seed SEED */
static void run_offline(struct run *r, const char *capture, const char *logname, const char *host, uint64_t seed)
{
	char cap[512], logp[512], err[512];
	data_path(cap, sizeof cap, capture);
	data_path(logp, sizeof logp, logname);
	struct ih_config cfg;
	ih_config_default(&cfg);
	cfg.track.seed = seed;
	ih_config_fit_memory(&cfg);
	assert_true(ih_pipeline_init(&r->pl, &cfg));
	r->log = ih_eplog_new();
	assert_true(ih_eplog_load(r->log, logp, IH_EPLOG_AUTO, NULL, err, sizeof err));
	struct ih_ep_config ec;
	ih_ep_config_default(&ec);
	ec.log = r->log;
	ec.seed = seed;
	if (host) {
		ec.have_host = true;
		assert_true(ih_addr_parse(host, &ec.host));
	}
	r->ep = ih_endpoint_new(&ec, &r->pl.cfg, &r->pl.findings);
	assert_non_null(r->ep);
	struct ih_detector *d = ih_endpoint_detector(r->ep);
	r->pl.det[r->pl.ndet++] = d;
	ih_track_add_detector(r->pl.track, d);
	char *files[] = { cap };
	struct ih_source *src = ih_source_open_files(files, 1, err, sizeof err);
	assert_non_null(src);
	assert_int_equal(ih_source_run(src, ih_pipeline_frame, &r->pl, err, sizeof err), IH_SRC_OK);
	ih_source_close(src);
	ih_pipeline_finish(&r->pl);
	ih_endpoint_finish(r->ep, &r->pl.findings);
	ih_findings_sort(&r->pl.findings);
	ih_findings_assign_ids(&r->pl.findings);
}

static void run_free(struct run *r)
{
	ih_pipeline_free(&r->pl);
	ih_endpoint_free(r->ep);
	ih_eplog_free(r->log);
}

static json_t *proc_of(const struct ih_finding *f)
{
	return json_object_get(f->evidence, "process");
}

static json_int_t pid_of(const struct ih_finding *f)
{
	json_t *p = proc_of(f);
	return p ? json_integer_value(json_object_get(p, "pid")) : -1;
}

static const struct ih_finding *find(const struct ih_findings *fs, const char *kind, const char *dst, json_int_t pid)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct ih_finding *f = fs->v[i];
		if (strcmp(f->kind, kind) == 0 && (!dst || strcmp(f->dst_key, dst) == 0) && (pid < 0 || pid_of(f) == pid))
			return f;
	}
	return NULL;
}

static void test_seed_case_auditd(void **state)
{
	(void)state;
	struct run r = { 0 };
	run_offline(&r, "corpus/case_seed.pcap", "endpoint/audit.log", "10.77.0.10", 11);
	const struct ih_findings *fs = &r.pl.findings;
	/* the pair 10.77.0.10 -> 203.0.113.7 carries the beacon and the tunnel: ptunnel-ng sent the
	 * most, the beacon is named as the other process */
	const struct ih_finding *t = find(fs, "tunnel", "203.0.113.7", -1);
	assert_non_null(t);
	json_t *p = proc_of(t);
	assert_non_null(p);
	assert_int_equal(json_integer_value(json_object_get(p, "pid")), 9380);
	assert_string_equal(json_string_value(json_object_get(p, "exe")), "/usr/bin/ptunnel-ng");
	assert_string_equal(json_string_value(json_object_get(p, "source")), "auditd");
	assert_string_equal(json_string_value(json_object_get(p, "match")), "log-remote-address");
	assert_int_equal(json_integer_value(json_object_get(p, "echo_id")), 44697);
	json_t *others = json_object_get(t->evidence, "other_processes");
	assert_int_equal(json_array_size(others), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(others, 0), "pid")), 9350);
	/* the beacon finding is about timing: the process whose conversation spans the pair's
	 * time is the beacon, not the tunnel that sent more */
	const struct ih_finding *bf = find(fs, "beacon", "203.0.113.7", -1);
	assert_non_null(bf);
	assert_int_equal(pid_of(bf), 9350);
	assert_string_equal(json_string_value(json_object_get(proc_of(bf), "match")), "pid-as-id");
	/* every other finding of that pair names a process too */
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i]->dst_key, "203.0.113.7") == 0)
			assert_non_null(proc_of(fs->v[i]));
	/* the sweep: nmap, from the socket it opened just before */
	const struct ih_finding *sw = find(fs, "sweep", NULL, -1);
	assert_non_null(sw);
	assert_int_equal(pid_of(sw), 9361);
	assert_string_equal(json_string_value(json_object_get(proc_of(sw), "match")), "log-socket-open");
	/* lateral movement is TCP: said so, not guessed */
	const struct ih_finding *lat = find(fs, "lateral_movement", NULL, -1);
	if (lat) {
		assert_null(proc_of(lat));
		assert_non_null(strstr(json_string_value(json_object_get(lat->evidence, "attribution")), "TCP/UDP"));
	}
	/* suspicious processes: the beacon in a hidden home directory (high), the tunnel tool
	 * (high), nmap (medium, named) */
	const struct ih_finding *b = find(fs, "suspicious_process", "203.0.113.7", 9350);
	assert_non_null(b);
	assert_int_equal(b->severity, IH_SEV_HIGH);
	assert_string_equal(json_string_value(json_object_get(b->evidence, "location")), "home");
	assert_true(json_is_true(json_object_get(b->evidence, "hidden_directory")));
	assert_string_equal(json_string_value(json_object_get(proc_of(b), "match")), "pid-as-id");
	assert_string_equal(json_string_value(json_object_get(proc_of(b), "cmdline")),
			    "updater -q -i 4 -s 180 -p 4b21c0de 203.0.113.7");
	const struct ih_finding *pt = find(fs, "suspicious_process", "203.0.113.7", 9380);
	assert_non_null(pt);
	assert_int_equal(pt->severity, IH_SEV_HIGH);
	assert_string_equal(json_string_value(json_object_get(pt->evidence, "tool_class")), "tunnel");
	const struct ih_finding *nm = find(fs, "suspicious_process", NULL, 9361);
	assert_non_null(nm);
	assert_int_equal(nm->severity, IH_SEV_MEDIUM);
	assert_string_equal(json_string_value(json_object_get(nm->evidence, "tool")), "nmap");
	json_t *mitre = json_object_get(nm->obj, "mitre");
	assert_string_equal(json_string_value(json_array_get(mitre, 0)), "T1095");
	/* one suspicious_process per process: nmap's probes, each with its own echo id, are one
	 * finding covering the range it probed */
	unsigned nsp = 0;
	for (size_t i = 0; i < fs->n; i++)
		nsp += strcmp(fs->v[i]->kind, "suspicious_process") == 0;
	assert_int_equal(nsp, 3);
	assert_string_equal(nm->dst_key, "10.78.0.32/27");
	assert_true(json_integer_value(json_object_get(nm->evidence, "conversations")) > 30);
	assert_string_equal(json_string_value(json_object_get(nm->evidence, "echo_ids")), "several");
	/* findings of other hosts: the log is 10.77.0.10's */
	for (size_t i = 0; i < fs->n; i++) {
		char a[IH_ADDR_STRLEN];
		ih_addr_str(&fs->v[i]->src, a, sizeof a);
		if (strcmp(a, "10.77.0.10") != 0) {
			const char *why = json_string_value(json_object_get(fs->v[i]->evidence, "attribution"));
			assert_non_null(why);
			assert_non_null(strstr(why, "the endpoint log is 10.77.0.10's"));
		}
	}
	run_free(&r);
}

static char *dump(const struct ih_findings *fs)
{
	size_t cap = 1 << 20, n = 0;
	char *out = calloc(1, cap);
	for (size_t i = 0; i < fs->n; i++) {
		char *s = json_dumps(fs->v[i]->obj, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
		size_t l = strlen(s);
		assert_true(n + l + 2 < cap);
		memcpy(out + n, s, l);
		n += l;
		out[n++] = '\n';
		free(s);
	}
	return out;
}

static void test_deterministic(void **state)
{
	(void)state;
	struct run a = { 0 }, b = { 0 };
	run_offline(&a, "corpus/case_seed.pcap", "endpoint/audit.log", "10.77.0.10", 1);
	run_offline(&b, "corpus/case_seed.pcap", "endpoint/audit.log", "10.77.0.10", 987654321);
	char *da = dump(&a.pl.findings), *db = dump(&b.pl.findings);
	assert_string_equal(da, db);
	free(da);
	free(db);
	run_free(&a);
	run_free(&b);
}

static void test_without_host_and_osquery(void **state)
{
	(void)state;
	struct run r = { 0 };
	/* no --endpoint-host: only records naming the peer; the sweep cannot be attributed */
	run_offline(&r, "corpus/case_seed.pcap", "endpoint/audit.log", NULL, 3);
	const struct ih_finding *t = find(&r.pl.findings, "tunnel", "203.0.113.7", -1);
	assert_non_null(t);
	assert_int_equal(pid_of(t), 9380);
	const struct ih_finding *sw = find(&r.pl.findings, "sweep", NULL, -1);
	assert_non_null(sw);
	assert_null(proc_of(sw));
	assert_non_null(strstr(json_string_value(json_object_get(sw->evidence, "attribution")), "not possible"));
	assert_null(find(&r.pl.findings, "suspicious_process", NULL, 9361));
	run_free(&r);

	/* osquery: connect rows name the peer */
	memset(&r, 0, sizeof r);
	run_offline(&r, "corpus/case_seed.pcap", "endpoint/osquery_socket_events.jsonl", NULL, 3);
	t = find(&r.pl.findings, "tunnel", "203.0.113.7", -1);
	assert_non_null(t);
	assert_int_equal(pid_of(t), 9380);
	assert_string_equal(json_string_value(json_object_get(proc_of(t), "source")), "osquery");
	assert_non_null(find(&r.pl.findings, "suspicious_process", "203.0.113.7", 9350));
	run_free(&r);
}

/* ---------------------------------------------------------------- live, with a stand-in /proc */

static char tmpdir[64];

static void put(const char *rel, const char *content, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(content, 1, len, f);
	fclose(f);
}

static void build_proc(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ih_test_attrib.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	const char *dirs[] = { "net", "2001", "2001/fd", "home", "home/.cache" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char d[512];
		snprintf(d, sizeof d, "%s/%s", tmpdir, dirs[i]);
		assert_int_equal(mkdir(d, 0755), 0);
	}
	const char *st = "btime 1795560000\n";
	put("stat", st, strlen(st));
	const char *icmp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
			   "    1: 00000000:0F50 00000000:0000 07 00000000:00000000 00:00000000 00000000 65534        0 5001 2 0000000000000000 0\n";
	put("net/icmp", icmp, strlen(icmp));
	const char *s2 = "2001 (updater) S 1900 1900 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n";
	put("2001/stat", s2, strlen(s2));
	const char *status = "Uid:\t65534\t65534\t65534\t65534\n";
	put("2001/status", status, strlen(status));
	put("2001/cmdline", "updater\0-i\0" "1\0", 13);
	put("home/.cache/updater", "beacon\n", 7);
	char target[512], link[512];
	snprintf(target, sizeof target, "%s/home/.cache/updater", tmpdir);
	snprintf(link, sizeof link, "%s/2001/exe", tmpdir);
	assert_int_equal(symlink(target, link), 0);
	snprintf(link, sizeof link, "%s/2001/fd/3", tmpdir);
	assert_int_equal(symlink("socket:[5001]", link), 0);
}

static json_t *lines[8];
static unsigned nlines;

static void on_line(void *ctx, json_t *line)
{
	(void)ctx;
	if (nlines < 8) {
		json_incref(line);
		lines[nlines++] = line;
	}
}

static struct ih_pkt echo(uint64_t ts, uint16_t id, uint16_t seq)
{
	struct ih_pkt p;
	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.ip_ver = 4;
	ih_addr_parse("10.77.0.10", &p.src);
	ih_addr_parse("203.0.113.7", &p.dst);
	p.proto = 1;
	p.ttl = 64;
	p.ip_len = 84;
	p.wire_len = p.cap_len = 98;
	p.has_icmp = true;
	p.icmp_type = 8;
	p.icmp_class = IH_ICMP_ECHO_REQ;
	p.icmp_id = id;
	p.icmp_seq = seq;
	p.has_echo_fields = true;
	return p;
}

static void test_live(void **state)
{
	(void)state;
	build_proc();
	struct ih_sampler_config sc;
	ih_sampler_config_default(&sc);
	sc.proc_root = tmpdir;
	struct ih_sampler *s = ih_sampler_new(&sc);
	assert_non_null(s);

	struct ih_config cfg;
	ih_config_default(&cfg);
	cfg.track.host_capacity = cfg.track.pair_capacity = 1024;
	struct ih_findings fs;
	ih_findings_init(&fs, 100);
	struct ih_track *tr = ih_track_new(&cfg.track);
	struct ih_ep_config ec;
	ih_ep_config_default(&ec);
	ec.sampler = s;
	ec.live = true;
	ec.have_host = true; /* stands in for the interface addresses */
	ih_addr_parse("10.77.0.10", &ec.host);
	struct ih_endpoint *e = ih_endpoint_new(&ec, &cfg, &fs);
	struct ih_detector *d = ih_endpoint_detector(e);
	ih_track_add_detector(tr, d);

	ih_sampler_sample_once(s);
	uint64_t now = ih_ep_now_ns();
	for (uint16_t i = 0; i < 3; i++) {
		struct ih_pkt p = echo(now + i * 1000000000ull / 4, 3920, i);
		ih_track_packet(tr, &p);
	}
	/* too early: the sampler may not have seen the socket yet */
	ih_endpoint_tick(e, now + 1000000ull, on_line, NULL);
	assert_int_equal(nlines, 0);
	ih_endpoint_tick(e, now + 2000000000ull, on_line, NULL);
	assert_int_equal(nlines, 1);
	json_t *l = lines[0];
	assert_string_equal(json_string_value(json_object_get(l, "type")), "attribution");
	assert_int_equal(json_integer_value(json_object_get(l, "echo_id")), 3920);
	assert_int_equal(json_integer_value(json_object_get(l, "requests")), 3);
	json_t *p = json_object_get(l, "process");
	assert_int_equal(json_integer_value(json_object_get(p, "pid")), 2001);
	assert_string_equal(json_string_value(json_object_get(p, "cmdline")), "updater -i 1");
	assert_true(json_is_true(json_object_get(l, "suspicious")));
	/* the suspicious_process finding went to the findings */
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.v[0]->kind, "suspicious_process");
	assert_int_equal(fs.v[0]->severity, IH_SEV_HIGH);
	assert_string_equal(json_string_value(json_object_get(fs.v[0]->evidence, "location")), "temporary");

	/* a finding about that traffic: attributed from the conversation */
	struct ih_addr src, dst, other;
	ih_addr_parse("10.77.0.10", &src);
	ih_addr_parse("203.0.113.7", &dst);
	ih_addr_parse("10.9.9.9", &other);
	struct ih_finding *f = ih_finding_new("beacon", IH_SEV_LOW, 0.5, &src, now, now + 500000000ull);
	ih_finding_set_dst_addr(f, &dst);
	ih_endpoint_attribute(e, f, false);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f->evidence, "process"), "pid")), 2001);
	assert_string_equal(json_string_value(json_object_get(json_object_get(f->evidence, "process"), "match")), "echo-id");
	ih_finding_free(f);
	/* a host that is not this one */
	f = ih_finding_new("sweep", IH_SEV_LOW, 0.5, &other, now, now);
	ih_finding_set_dst_str(f, "10.78.0.0/24");
	ih_endpoint_attribute(e, f, true);
	assert_null(json_object_get(f->evidence, "process"));
	assert_non_null(strstr(json_string_value(json_object_get(f->evidence, "attribution")), "not possible"));
	ih_finding_free(f);
	/* a conversation nobody holds a socket for: given up after 3 quiet seconds */
	struct ih_pkt q = echo(now, 999, 1);
	ih_track_packet(tr, &q);
	ih_endpoint_tick(e, now + 1000000000ull, on_line, NULL);
	assert_int_equal(nlines, 1);
	ih_endpoint_tick(e, now + 4000000000ull, on_line, NULL);
	assert_int_equal(nlines, 2);
	assert_non_null(strstr(json_string_value(json_object_get(lines[1], "attribution")), "not possible"));

	json_t *stats = ih_endpoint_stats_json(e);
	assert_int_equal(json_integer_value(json_object_get(stats, "attributed")), 1);
	assert_int_equal(json_integer_value(json_object_get(stats, "not_attributed")), 1);
	json_decref(stats);
	for (unsigned i = 0; i < nlines; i++)
		json_decref(lines[i]);
	ih_track_free(tr);
	ih_detector_destroy(d);
	ih_endpoint_free(e);
	ih_findings_free(&fs);
	ih_sampler_free(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_case_auditd),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_without_host_and_osquery),
		cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

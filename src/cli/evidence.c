/* evidence.c — `icmphound evidence INCIDENT_ID --out DIR`: preserve an incident's evidence (the
 * seed's step 7, "preserve forensic evidence") as a package with a chain-of-custody record, and
 * `icmphound evidence --verify DIR`: check that a package is still what was collected.
 * docs/EVIDENCE.md.
 *
 * The package: packets.pcap (the incident's packets cut from the original captures by the rule
 * of src/evidence/slice.h), incident.json, findings.jsonl, processes.json (the processes the
 * findings name), and MANIFEST: the SHA-256 of every file and of each source capture, the
 * incident, tool version, command line, operator, and the wall-clock time of collection. Packet
 * time is what every other output uses; here the wall clock is the right time, because the
 * record is about when and by whom the evidence was taken, not about the traffic.
 *
 * Evidence is never written over: DIR must not exist or be empty; files are created with
 * O_EXCL, mode 0444, and synced with the directory before MANIFEST, the last file, is written. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include "cli/commands.h"
#include "decode/decode.h"
#include "evidence/manifest.h"
#include "evidence/slice.h"
#include "report/finding.h"
#include "report/incident_doc.h"
#include "cli/sandbox.h"
#include "store/record.h"

/* --verify found the package changed, incomplete or with files added. */
#define EXIT_NOT_INTACT 6
#define GRACE_DEFAULT_S 2
#define MAX_CAPTURES 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: icmphound evidence INCIDENT_ID|HOST --out DIR [--from FILE.jsonl | --store TARGET]\n"
		"                          [--grace SECONDS] [CAPTURE...]\n"
		"       icmphound evidence --verify [--sources] DIR\n"
		"\n"
		"Preserves an incident's evidence in DIR (docs/EVIDENCE.md): packets.pcap (the incident's\n"
		"packets cut from the original captures), incident.json, findings.jsonl, processes.json and\n"
		"MANIFEST, the chain-of-custody record: the SHA-256 of every file and of each source capture,\n"
		"the tool version, the command line, the operator and the wall-clock time of collection.\n"
		"The incident comes from the store (--store, else $ICMPHOUND_STORE, else the default store) or\n"
		"from JSON lines written by `analyze --format jsonl` (--from). The captures are those the\n"
		"store recorded for the incident, or the CAPTURE files given, which must be the ones the\n"
		"incident was found in (checked by content id when the incident says which).\n"
		"\n"
		"  -O, --out DIR          the package (created; an existing DIR must be empty)\n"
		"      --from FILE        the incident from JSON lines instead of the store\n"
		"      --store PATH|URL   the store to read the incident from\n"
		"      --grace SECONDS    packets this long after a finding's last_seen still belong to it\n"
		"                         (answers, teardown; default %d, 0 to 3600)\n"
		"      --verify           check the package DIR against its MANIFEST: every hash, missing\n"
		"                         and added files\n"
		"      --sources          with --verify: check the source captures at their paths too\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 the package was written, or --verify found it intact; 1 usage; 2 the incident,\n"
		"the store, the JSON lines or a capture cannot be read, a capture is not one the incident was\n"
		"found in, DIR exists and is not empty, or (--verify) DIR has no readable MANIFEST; 3 a capture\n"
		"is truncated or corrupt (the package holds what was read before, and MANIFEST says so);\n"
		"4 internal error or a file could not be written; %d --verify found a file changed, missing\n"
		"or added (or, with --sources, a source capture changed or missing).\n",
		GRACE_DEFAULT_S, EXIT_NOT_INTACT);
}

/* ------------------------------------------------------------------ the package's files */

struct pkg {
	const char *dir;
	int dfd;
	json_t *files;           /* [{name, size, sha256}] in the order written */
};

/* Creates DIR/name, new (O_EXCL), read-only for everyone from the start. */
static FILE *pkg_create(struct pkg *p, const char *name)
{
	int fd = openat(p->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0) {
		fprintf(stderr, "icmphound evidence: cannot create %s/%s: %s\n", p->dir, name, strerror(errno));
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		fprintf(stderr, "icmphound evidence: %s/%s: %s\n", p->dir, name, strerror(errno));
	}
	return f;
}

/* Flushes, syncs and closes; then hashes the file and lists it. */
static bool pkg_close(struct pkg *p, FILE *f, const char *name, bool ok)
{
	ok = fflush(f) == 0 && ok;
	ok = fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "icmphound evidence: cannot write %s/%s: %s\n", p->dir, name, strerror(errno));
		return false;
	}
	char path[4400], hex[65], err[600];
	uint64_t size;
	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	if (!ih_sha256_file(path, hex, &size, err, sizeof(err))) {
		fprintf(stderr, "icmphound evidence: %s\n", err);
		return false;
	}
	json_array_append_new(p->files, json_pack("{s:s,s:I,s:s}", "name", name, "size", (json_int_t)size, "sha256", hex));
	return true;
}

static bool put_line(FILE *f, const json_t *o, size_t flags)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) | flags);
	if (!s)
		return false;
	bool ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
	free(s);
	return ok;
}

static bool write_json_file(struct pkg *p, const char *name, const json_t *o, bool lines)
{
	FILE *f = pkg_create(p, name);
	if (!f)
		return false;
	bool ok = true;
	if (lines) {
		size_t i;
		json_t *v;
		json_array_foreach(o, i, v) {
			json_t *c = json_deep_copy(v);
			/* the line as analysed: the store's bookkeeping keys are not part of it */
			json_object_del(c, "sensor");
			json_object_del(c, "input");
			ok = put_line(f, c, JSON_COMPACT) && ok;
			json_decref(c);
		}
	} else {
		ok = put_line(f, o, JSON_INDENT(2));
	}
	return pkg_close(p, f, name, ok);
}

/* processes.json: the process evidence of every finding that has one. */
static json_t *processes_of(const json_t *findings)
{
	json_t *list = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f) {
		json_t *ev = json_object_get(f, "evidence");
		json_t *proc = json_object_get(ev, "process");
		json_t *other = json_object_get(ev, "other_processes");
		json_t *attr = json_object_get(ev, "attribution");
		if (!proc && !other && !attr)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "finding", json_incref(json_object_get(f, "id")));
		json_object_set_new(o, "kind", json_incref(json_object_get(f, "kind")));
		if (proc)
			json_object_set_new(o, "process", json_incref(proc));
		if (other)
			json_object_set_new(o, "other_processes", json_incref(other));
		if (attr)
			json_object_set_new(o, "attribution", json_incref(attr));
		json_array_append_new(list, o);
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "processes", list);
	if (!json_array_size(list))
		json_object_set_new(doc, "note",
				    json_string("no endpoint data in the findings: packets do not name processes; run "
						"`icmphound watch` on the host or analyse with --endpoint-log"));
	return doc;
}

/* ------------------------------------------------------------------ the directory */

/* DIR is created (0700: evidence may hold payloads) or must be an empty directory. */
static int open_dir(const char *dir)
{
	if (mkdir(dir, 0700) != 0) {
		if (errno != EEXIST) {
			fprintf(stderr, "icmphound evidence: cannot create %s: %s\n", dir, strerror(errno));
			return -1;
		}
		DIR *d = opendir(dir);
		if (!d) {
			fprintf(stderr, "icmphound evidence: %s exists and cannot be read: %s\n", dir, strerror(errno));
			return -1;
		}
		struct dirent *e;
		bool empty = true;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				empty = false;
		closedir(d);
		if (!empty) {
			fprintf(stderr, "icmphound evidence: %s exists and is not empty: evidence is never written over\n",
				dir);
			return -1;
		}
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "icmphound evidence: cannot open %s: %s\n", dir, strerror(errno));
	return fd;
}

/* ------------------------------------------------------------------ the captures */

struct capture {
	const char *path;
	char id[32];
	char sha256[65];
	uint64_t size;
	bool id_checked;
	pcap_t *p;
	int linktype;
	uint64_t read, written, undecoded;
	char error[600];
	char *real;              /* realpath, worked out before the sandbox */
};

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* The input ids the incident names, for the message when a capture is not one of them. */
static void list_inputs(const json_t *inputs, char *buf, size_t len)
{
	size_t n = 0, i;
	json_t *in;
	buf[0] = '\0';
	json_array_foreach(inputs, i, in) {
		int w = snprintf(buf + n, len - n, "%s%s %s", i ? ", " : "", str_or(json_object_get(in, "id"), "?"),
				 str_or(json_object_get(in, "name"), "?"));
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

static bool known_input(const json_t *inputs, const char *id)
{
	size_t i;
	json_t *in;
	json_array_foreach(inputs, i, in) {
		const char *x = json_string_value(json_object_get(in, "id"));
		if (x && strcmp(x, id) == 0)
			return true;
	}
	return false;
}

/* Identifies, hashes and opens one capture. Exit status on failure. */
static int capture_open(struct capture *c, const json_t *inputs)
{
	char err[600];
	unsigned long long size;
	if (!ih_input_id(c->path, c->id, sizeof(c->id), &size)) {
		fprintf(stderr, "icmphound evidence: %s: cannot read: %s\n", c->path, strerror(errno));
		return IH_EXIT_OPEN;
	}
	bool with_ids = false;
	size_t i;
	json_t *in;
	json_array_foreach(inputs, i, in)
		if (json_string_value(json_object_get(in, "id")))
			with_ids = true;
	if (with_ids) {
		if (!known_input(inputs, c->id)) {
			char names[1024];
			list_inputs(inputs, names, sizeof(names));
			fprintf(stderr,
				"icmphound evidence: %s (content id %s) is not a capture this incident was found in (%s)\n",
				c->path, c->id, names);
			return IH_EXIT_OPEN;
		}
		c->id_checked = true;
	}
	if (!ih_sha256_file(c->path, c->sha256, &c->size, err, sizeof(err))) {
		fprintf(stderr, "icmphound evidence: %s\n", err);
		return IH_EXIT_OPEN;
	}
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	c->p = pcap_open_offline_with_tstamp_precision(c->path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!c->p) {
		fprintf(stderr, "icmphound evidence: %s: cannot open: %s\n", c->path, ebuf);
		return IH_EXIT_OPEN;
	}
	c->linktype = pcap_datalink(c->p);
	if (!ih_link_supported(c->linktype)) {
		const char *name = pcap_datalink_val_to_name(c->linktype);
		fprintf(stderr, "icmphound evidence: %s: link type %d (%s) is not supported\n", c->path, c->linktype,
			name ? name : "unknown");
		return IH_EXIT_OPEN;
	}
	return IH_EXIT_OK;
}

/* Copies the capture's packets that the slice takes into the dumper. False on a read error
 * (c->error says where; what was read before is kept). */
static bool capture_cut(struct capture *c, struct ih_slice *s, pcap_dumper_t *d)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((rc = pcap_next_ex(c->p, &h, &data)) == 1) {
		c->read++;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		struct ih_pkt pkt;
		enum ih_dec_result res = ih_decode(c->linktype, data, h->caplen, h->len, ts, &pkt);
		if (ih_dec_is_error(res))
			c->undecoded++;
		if (!ih_slice_match(s, res, &pkt, true))
			continue;
		pcap_dump((u_char *)d, h, data);
		c->written++;
	}
	if (rc == PCAP_ERROR) {
		snprintf(c->error, sizeof(c->error), "%s: packet %llu: %s", c->path, (unsigned long long)c->read + 1,
			 pcap_geterr(c->p));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ collect */

static json_t *operator_json(void)
{
	json_t *o = json_object();
	uid_t uid = geteuid();
	struct passwd *pw = getpwuid(uid);
	json_object_set_new(o, "user", pw && pw->pw_name ? json_string(pw->pw_name) : json_null());
	json_object_set_new(o, "uid", json_integer((json_int_t)uid));
	const char *sudo = getenv("SUDO_USER");
	if (sudo && *sudo)
		json_object_set_new(o, "sudo_user", json_string(sudo));
	char host[256];
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		json_object_set_new(o, "host", json_string(host));
	}
	return o;
}

static json_t *wall_clock(void)
{
	struct timespec ts;
	char t[40];
	clock_gettime(CLOCK_REALTIME, &ts);
	return json_string(ih_time_str((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, t, sizeof(t)));
}

struct eopts {
	const char *out, *from, *store;
	double grace_s;
	char **captures;
	size_t ncaptures;
	json_t *command;         /* the command line as given (before getopt reorders it) */
};

static int collect(const char *id, const struct eopts *o)
{
	char err[1024];
	json_t *started = wall_clock();
	struct ih_incident_doc doc;
	if (!ih_incident_doc_load(&doc, id, o->from, o->store, err, sizeof(err))) {
		fprintf(stderr, "icmphound evidence: %s\n", err);
		json_decref(started);
		return IH_EXIT_OPEN;
	}
	const char *iid = json_string_value(json_object_get(doc.incident, "id"));
	int rc = IH_EXIT_OK;
	struct ih_slice slice = { 0 };
	struct capture *caps = NULL;
	size_t ncaps = 0;
	struct pkg pkg = { .dir = o->out, .dfd = -1, .files = json_array() };
	pcap_t *dead = NULL;
	pcap_dumper_t *dumper = NULL;
	json_t *m = NULL, *op = NULL;

	/* the captures: given, or the inputs the incident records */
	size_t want = o->ncaptures ? o->ncaptures : json_array_size(doc.inputs);
	if (!want) {
		fprintf(stderr,
			"icmphound evidence: %s does not say which captures incident %s came from: give them as CAPTURE "
			"arguments\n",
			doc.origin, iid);
		rc = IH_EXIT_USAGE;
		goto out;
	}
	if (want > MAX_CAPTURES) {
		fprintf(stderr, "icmphound evidence: more than %d captures\n", MAX_CAPTURES);
		rc = IH_EXIT_USAGE;
		goto out;
	}
	caps = calloc(want, sizeof(*caps));
	if (!caps) {
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < want; i++) {
		struct capture *c = &caps[ncaps++];
		if (o->ncaptures) {
			c->path = o->captures[i];
		} else {
			json_t *in = json_array_get(doc.inputs, i);
			const char *fmt = json_string_value(json_object_get(in, "format"));
			c->path = json_string_value(json_object_get(in, "name"));
			if (!c->path || (fmt && strcmp(fmt, "pcap") != 0)) {
				fprintf(stderr, "icmphound evidence: input %s (%s) is not a capture file: no packets to cut\n",
					str_or(json_object_get(in, "id"), "?"), c->path ? c->path : "no name");
				rc = IH_EXIT_OPEN;
				goto out;
			}
		}
		if ((rc = capture_open(c, doc.inputs)) != IH_EXIT_OK) {
			if (!o->ncaptures)
				fprintf(stderr, "icmphound evidence: (the store names %s as the capture of %s; give the capture's "
						"path as a CAPTURE argument if it moved)\n", c->path, iid);
			goto out;
		}
		if (c->linktype != caps[0].linktype) {
			fprintf(stderr,
				"icmphound evidence: %s has link type %s and %s %s: one packets.pcap holds one link type; cut "
				"them separately\n",
				c->path, ih_link_name(c->linktype), caps[0].path, ih_link_name(caps[0].linktype));
			rc = IH_EXIT_OPEN;
			goto out;
		}
	}
	if (!ih_slice_build(&slice, doc.findings, (uint64_t)(o->grace_s * 1e6), err, sizeof(err))) {
		fprintf(stderr, "icmphound evidence: %s: %s\n", doc.origin, err);
		rc = IH_EXIT_OPEN;
		goto out;
	}

	/* the package */
	if ((pkg.dfd = open_dir(o->out)) < 0) {
		rc = IH_EXIT_OPEN;
		goto out;
	}
	/* Everything opened: what asks the system for more (the user's name through NSS, the host
	 * name, real paths) is asked now, then the reading of the captures (bytes an attacker may
	 * have shaped) runs under a seccomp filter that only lets files be created in the package
	 * directory's way and read (docs/PRIVILEGES.md). */
	op = operator_json();
	for (size_t i = 0; i < ncaps; i++)
		caps[i].real = realpath(caps[i].path, NULL);
	ih_sandbox_filter("evidence", NULL, IH_SB_EVIDENCE);
	int snap = 0;
	for (size_t i = 0; i < ncaps; i++)
		if (pcap_snapshot(caps[i].p) > snap)
			snap = pcap_snapshot(caps[i].p);
	dead = pcap_open_dead_with_tstamp_precision(caps[0].linktype, snap > 0 ? snap : 262144, PCAP_TSTAMP_PRECISION_NANO);
	FILE *pf = pkg_create(&pkg, "packets.pcap");
	if (!dead || !pf) {
		if (pf)
			fclose(pf);
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	dumper = pcap_dump_fopen(dead, pf);
	if (!dumper) {
		fprintf(stderr, "icmphound evidence: %s/packets.pcap: %s\n", o->out, pcap_geterr(dead));
		fclose(pf);
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	uint64_t written = 0;
	for (size_t i = 0; i < ncaps; i++) {
		if (!capture_cut(&caps[i], &slice, dumper)) {
			fprintf(stderr, "icmphound evidence: %s\n", caps[i].error);
			rc = IH_EXIT_READ;
		}
		written += caps[i].written;
	}
	bool ok = pcap_dump_flush(dumper) == 0;
	ok = fsync(fileno(pcap_dump_file(dumper))) == 0 && ok;
	/* pcap_dump_close closes the FILE: hash afterwards through pkg_close's path */
	pcap_dump_close(dumper);
	dumper = NULL;
	if (!ok) {
		fprintf(stderr, "icmphound evidence: cannot write %s/packets.pcap: %s\n", o->out, strerror(errno));
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	{
		char path[4400], hex[65];
		uint64_t size;
		snprintf(path, sizeof(path), "%s/packets.pcap", o->out);
		if (!ih_sha256_file(path, hex, &size, err, sizeof(err))) {
			fprintf(stderr, "icmphound evidence: %s\n", err);
			rc = IH_EXIT_INTERNAL;
			goto out;
		}
		json_array_append_new(pkg.files, json_pack("{s:s,s:I,s:s}", "name", "packets.pcap", "size",
							   (json_int_t)size, "sha256", hex));
	}
	json_t *inc = json_deep_copy(doc.incident);
	json_object_del(inc, "sensor");
	json_t *procs = processes_of(doc.findings);
	ok = write_json_file(&pkg, "incident.json", inc, false) && write_json_file(&pkg, "findings.jsonl", doc.findings, true) &&
	     write_json_file(&pkg, "processes.json", procs, false);
	json_decref(inc);
	json_decref(procs);
	if (!ok) {
		rc = IH_EXIT_INTERNAL;
		goto out;
	}

	/* MANIFEST, last */
	m = json_object();
	json_object_set_new(m, "type", json_string("evidence_manifest"));
	json_object_set_new(m, "format", json_integer(IH_MANIFEST_FORMAT));
	json_object_set_new(m, "incident", json_string(iid));
	json_object_set_new(m, "primary", json_incref(json_object_get(doc.incident, "primary")));
	json_object_set_new(m, "verdict", json_incref(json_object_get(doc.incident, "verdict")));
	json_object_set_new(m, "tool", json_pack("{s:s,s:s}", "name", "icmphound", "version", IH_VERSION));
	json_object_set_new(m, "command", json_incref(o->command));
	json_object_set_new(m, "operator", op);
	op = NULL;
	/* wall clock, not packet time: this records when and by whom the evidence was taken */
	json_object_set_new(m, "collection_started", started);
	started = NULL;
	json_object_set_new(m, "collected_at", wall_clock());
	json_object_set_new(m, "clock", json_string("wall clock (UTC) of the collecting host; packet times are in the files"));
	json_object_set_new(m, "origin", json_string(doc.origin));
	json_t *srcs = json_array();
	for (size_t i = 0; i < ncaps; i++) {
		struct capture *c = &caps[i];
		json_t *s = json_pack("{s:s,s:s,s:I,s:s,s:b,s:s,s:I,s:I,s:I}", "path", c->path, "realpath",
				      c->real ? c->real : c->path, "size", (json_int_t)c->size, "sha256",
				      c->sha256, "input_id_checked", c->id_checked, "input_id", c->id, "packets_read",
				      (json_int_t)c->read, "packets_written", (json_int_t)c->written, "packets_undecoded",
				      (json_int_t)c->undecoded);
		json_object_set_new(s, "linktype", json_string(ih_link_name(c->linktype)));
		if (c->error[0])
			json_object_set_new(s, "error", json_string(c->error));
		json_array_append_new(srcs, s);
	}
	json_object_set_new(m, "sources", srcs);
	json_object_set_new(m, "slice", json_pack("{s:s,s:f,s:I,s:o}", "rule", "docs/EVIDENCE.md, \"Which packets\"",
						  "grace_s", o->grace_s, "packets", (json_int_t)written, "findings",
						  ih_slice_json(&slice)));
	json_object_set_new(m, "files", json_incref(pkg.files));
	FILE *mf = pkg_create(&pkg, IH_MANIFEST_NAME);
	if (!mf) {
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	ok = put_line(mf, m, JSON_INDENT(2));
	ok = fflush(mf) == 0 && ok;
	ok = fsync(fileno(mf)) == 0 && ok;
	ok = fclose(mf) == 0 && ok;
	ok = fsync(pkg.dfd) == 0 && ok;
	char mpath[4400], mhex[65];
	uint64_t msize;
	snprintf(mpath, sizeof(mpath), "%s/%s", o->out, IH_MANIFEST_NAME);
	if (!ok || !ih_sha256_file(mpath, mhex, &msize, err, sizeof(err))) {
		fprintf(stderr, "icmphound evidence: cannot write %s\n", mpath);
		rc = IH_EXIT_INTERNAL;
		goto out;
	}
	printf("evidence of %s: %llu packet%s from %zu capture%s, %zu files in %s\n", iid, (unsigned long long)written,
	       written == 1 ? "" : "s", ncaps, ncaps == 1 ? "" : "s", json_array_size(pkg.files) + 1, o->out);
	printf("MANIFEST sha256 %s (record it with the case: it vouches for the manifest itself)\n", mhex);
	if (fflush(stdout) != 0 && rc == IH_EXIT_OK)
		rc = IH_EXIT_INTERNAL;
out:
	if (dumper)
		pcap_dump_close(dumper);
	if (dead)
		pcap_close(dead);
	for (size_t i = 0; i < ncaps; i++) {
		if (caps[i].p)
			pcap_close(caps[i].p);
		free(caps[i].real);
	}
	free(caps);
	json_decref(op);
	if (pkg.dfd >= 0)
		close(pkg.dfd);
	json_decref(pkg.files);
	json_decref(m);
	json_decref(started);
	ih_slice_free(&slice);
	ih_incident_doc_free(&doc);
	return rc;
}

/* ------------------------------------------------------------------ verify */

static int verify(const char *dir, bool sources)
{
	struct ih_verify_result r;
	char err[1024];
	if (!ih_evidence_verify(dir, sources, stdout, &r, err, sizeof(err))) {
		fprintf(stderr, "icmphound evidence: %s\n", err);
		return IH_EXIT_OPEN;
	}
	bool intact = ih_verify_intact(&r);
	if (intact)
		printf("%s: intact: %u files match MANIFEST%s\n", dir, r.files_ok,
		       sources ? (r.sources_ok ? ", and the source captures" : "") : "");
	else
		printf("%s: NOT INTACT: %u changed, %u missing, %u added%s\n", dir, r.changed, r.missing, r.extra,
		       sources ? (r.sources_changed || r.sources_missing ? "; source captures changed or missing" : "")
			       : "");
	if (fflush(stdout) != 0)
		return IH_EXIT_INTERNAL;
	return intact ? IH_EXIT_OK : EXIT_NOT_INTACT;
}

static int run_command(int argc, char **argv, struct eopts *po)
{
	enum { O_FROM = 256, O_STORE, O_GRACE, O_VERIFY, O_SOURCES };
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'O' },
		{ "from", required_argument, NULL, O_FROM },
		{ "store", required_argument, NULL, O_STORE },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "sources", no_argument, NULL, O_SOURCES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct eopts o = *po;
	bool do_verify = false, sources = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "O:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'O': o.out = optarg; break;
		case O_FROM: o.from = optarg; break;
		case O_STORE: o.store = optarg; break;
		case O_GRACE: {
			char *end;
			errno = 0;
			o.grace_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.grace_s >= 0 && o.grace_s <= 3600)) {
				fprintf(stderr, "icmphound evidence: --grace takes seconds from 0 to 3600, not '%s'\n", optarg);
				return IH_EXIT_USAGE;
			}
			break;
		}
		case O_VERIFY: do_verify = true; break;
		case O_SOURCES: sources = true; break;
		case 'h': usage(stdout); return IH_EXIT_OK;
		default: usage(stderr); return IH_EXIT_USAGE;
		}
	}
	if (do_verify) {
		if (argc - optind != 1 || o.out || o.from || o.store) {
			fprintf(stderr, "icmphound evidence: --verify takes one package directory and no other options\n");
			return IH_EXIT_USAGE;
		}
		return verify(argv[optind], sources);
	}
	if (sources) {
		fprintf(stderr, "icmphound evidence: --sources goes with --verify\n");
		return IH_EXIT_USAGE;
	}
	if (argc - optind < 1 || !o.out) {
		fprintf(stderr, "icmphound evidence: give an incident id (or host) and --out DIR\n");
		usage(stderr);
		return IH_EXIT_USAGE;
	}
	if (o.from && o.store) {
		fprintf(stderr, "icmphound evidence: --from and --store are two places to read the incident from: give one\n");
		return IH_EXIT_USAGE;
	}
	o.captures = argv + optind + 1;
	o.ncaptures = (size_t)(argc - optind - 1);
	return collect(argv[optind], &o);
}

int ih_cmd_evidence(int argc, char **argv)
{
	/* the command line for the manifest, copied before getopt_long permutes argv */
	struct eopts o = { .grace_s = GRACE_DEFAULT_S, .command = json_array() };
	json_array_append_new(o.command, json_string("icmphound"));
	for (int i = 0; i < argc; i++) {
		json_t *a = json_string(argv[i]);
		json_array_append_new(o.command, a ? a : json_string("(not UTF-8)"));
	}
	int rc = run_command(argc, argv, &o);
	json_decref(o.command);
	return rc;
}

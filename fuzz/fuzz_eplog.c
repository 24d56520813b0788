/* fuzz_eplog.c — libFuzzer target for the endpoint-log parsers: auditd records
 * (endpoint/auditd.c) and osquery socket_events lines (endpoint/osquery.c), each line also fed
 * through the store that assembles auditd events and folds activities (endpoint/eplog.c), then
 * matched against a few conversations.
 *
 * Built twice by fuzz/meson.build: -DFUZZ_AUDITD (fuzz_auditd) and -DFUZZ_OSQUERY
 * (fuzz_osquery). The input is the log itself; every line is copied into a heap block of
 * exactly its length. Checked besides "no crash": a record's strings are printable and
 * terminated, counts add up, the tables stay within their bounds, a match answers with a
 * process of the right family or says why not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint/eplog.h"

#include "fuzz_check.h"

#if defined(FUZZ_OSQUERY)
#define FORMAT IH_EPLOG_OSQUERY
#else
#define FORMAT IH_EPLOG_AUDITD
#endif

static void check_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] < 0x7f);
}

#if defined(FUZZ_OSQUERY)
static void on_row(void *ctx, const struct ih_osq_row *r)
{
	(void)ctx;
	CHECK(r->family == IH_AF_INET || r->family == IH_AF_INET6);
	CHECK(r->protocol == 1 || r->protocol == 58);
	CHECK(r->pid >= 0);
	check_printable(r->exe, sizeof r->exe);
	check_printable(r->cmdline, sizeof r->cmdline);
	check_printable(r->host, sizeof r->host);
}
#endif

static void one_line(struct ih_eplog *l, const uint8_t *p, size_t n, uint64_t lineno)
{
	char *line = malloc(n ? n : 1);
	if (!line)
		return;
	if (n)
		memcpy(line, p, n);
#if defined(FUZZ_OSQUERY)
	const char *why = NULL;
	int rc = ih_osq_parse_line(line, n, on_row, NULL, &why);
	CHECK(rc >= -1);
	if (rc < 0)
		CHECK(why && why[0]);
#else
	struct ih_audit_rec r;
	const char *why = NULL;
	int rc = ih_audit_parse_line(line, n, &r, &why);
	CHECK(rc >= -1 && rc <= 1);
	if (rc < 0)
		CHECK(why && why[0]);
	if (rc == 1) {
		check_printable(r.comm, sizeof r.comm);
		check_printable(r.exe, sizeof r.exe);
		check_printable(r.key, sizeof r.key);
		check_printable(r.user, sizeof r.user);
		check_printable(r.cmdline, sizeof r.cmdline);
		if (r.has_addr)
			CHECK(r.addr.family == IH_AF_INET || r.addr.family == IH_AF_INET6);
	}
#endif
	ih_eplog_feed(l, FORMAT, line, n, "fuzz", lineno, NULL);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small tables: fast to build for each input, and full early */
	struct ih_eplog *l = ih_eplog_new_capped(16, 64);
	if (!l)
		return 0;
	uint64_t lineno = 0;
	size_t i = 0;
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : size - i;
		one_line(l, data + i, n, ++lineno);
		i += n + (nl ? 1 : 0);
	}
	ih_eplog_end(l);
	struct ih_eplog_stats st;
	ih_eplog_get_stats(l, &st);
	CHECK(st.lines == lineno);
	CHECK(st.malformed <= st.lines);
	CHECK(st.procs <= 16 && st.activities <= 64);

	/* a few conversations over the whole time range */
	static const char *const dsts[] = { "203.0.113.7", "fd78::28" };
	for (int k = 0; k < 2; k++) {
		struct ih_addr dst;
		ih_addr_parse(dsts[k], &dst);
		struct ih_ep_query q = { .family = dst.family, .dsts = &dst, .ndst = 1, .has_id = true,
					 .id = 9350, .t0 = 0, .t1 = UINT64_MAX / 2 };
		ih_addr_parse(k ? "fd77::a" : "10.77.0.10", &q.src);
		for (int host = 0; host < 2; host++) {
			struct ih_ep_answer a;
			if (ih_eplog_match(l, &q, host, 2000000000ull, 3600000000000ull, &a)) {
				CHECK(a.match != IH_EP_MATCH_NONE && a.owner_known);
				check_printable(a.proc.exe, sizeof a.proc.exe);
				check_printable(a.proc.where, sizeof a.proc.where);
			} else {
				CHECK(a.match == IH_EP_MATCH_NONE && a.reason[0]);
			}
		}
	}
	json_t *j = ih_eplog_stats_json(l);
	json_decref(j);
	ih_eplog_free(l);
	return 0;
}

#ifndef IH_FUZZER
#include "replay_main.h"
#endif

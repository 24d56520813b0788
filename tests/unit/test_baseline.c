/* test_baseline.c — volume_anomaly and external_icmp with history (core/history.h), through a
 * stand-in for the store that answers what each test sets: a host's hourly ICMP against its own
 * past days, a destination first seen or not. What the store itself answers is test_store's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/pipeline.h"
#include "core/history.h"
#include "echo_pkt.h"

#define S 1000000000ull
#define T0 (1795568400ull * S) /* 2026-11-25 01:00 UTC */

struct fake {
	struct ih_host_baseline b;
	bool know_host;
	int seen;             /* peer_seen's answer */
	unsigned host_calls, peer_calls;
};

static bool fake_host_hour(void *ctx, const struct ih_addr *host, uint64_t ts, struct ih_host_baseline *out)
{
	struct fake *f = ctx;
	(void)host;
	(void)ts;
	f->host_calls++;
	*out = f->b;
	return f->know_host;
}

static int fake_peer_seen(void *ctx, const struct ih_addr *src, const struct ih_addr *dst, uint64_t before,
			  uint64_t *first)
{
	struct fake *f = ctx;
	(void)src;
	(void)dst;
	f->peer_calls++;
	if (f->seen == 1)
		*first = before - 86400 * S;
	return f->seen;
}

static struct fake fake;
static struct ih_history hist = { &fake, 7, fake_host_hour, fake_peer_seen };

static void run(struct ih_pipeline *pl, bool with_history)
{
	struct ih_config cfg;
	ih_config_default(&cfg);
	cfg.track.seed = 7;
	cfg.mem_cap = 64ull << 20;
	ih_config_fit_memory(&cfg);
	if (with_history)
		cfg.history = &hist;
	assert_true(ih_pipeline_init(pl, &cfg));
}

static void send(struct ih_pipeline *pl, const char *src, const char *dst, bool reply, const uint8_t *payload,
		 uint32_t len, uint16_t seq, uint64_t ts)
{
	struct ih_pkt p = ih_test_echo_with(src, dst, reply, 0x4242, seq, ts, payload, len);
	ih_pipeline_view(pl, &p, "test", seq);
}

static const struct ih_finding *find(const struct ih_pipeline *pl, const char *kind, const char *src)
{
	for (size_t i = 0; i < pl->findings.n; i++) {
		const struct ih_finding *f = pl->findings.v[i];
		const char *s = json_string_value(json_object_get(f->obj, "src"));
		if (strcmp(f->kind, kind) == 0 && strcmp(s, src) == 0)
			return f;
	}
	return NULL;
}

/* 3000 requests in one hour (one every 1.1 s, under any flood floor) to five servers */
static void busy_hour(struct ih_pipeline *pl)
{
	static const char *const dst[5] = { "10.78.0.1", "10.78.0.2", "10.78.0.3", "10.78.0.4", "10.78.0.5" };
	for (unsigned i = 0; i < 3000; i++)
		send(pl, "10.77.0.20", dst[i % 5], false, NULL, 0, (uint16_t)i, T0 + 60 * S + i * 1100000000ull);
	ih_pipeline_finish(&pl[0]);
}

static void test_volume_above_own_history(void **state)
{
	(void)state;
	struct ih_pipeline pl;
	memset(&fake, 0, sizeof(fake));
	fake.know_host = true;
	fake.b = (struct ih_host_baseline){ .slots = 7, .active_slots = 7, .median_requests = 100, .mad_requests = 10,
					    .max_requests = 130 };
	run(&pl, true);
	busy_hour(&pl);
	const struct ih_finding *f = find(&pl, "volume_anomaly", "10.77.0.20");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	json_t *ev = f->evidence;
	assert_string_equal(json_string_value(json_object_get(ev, "baseline")), "own_history");
	assert_string_equal(json_string_value(json_object_get(f->obj, "dst")), "10.78.0.0/29");
	json_t *h = json_object_get(ev, "history");
	assert_int_equal(json_integer_value(json_object_get(h, "this_hour_requests")), 3000);
	assert_int_equal(json_integer_value(json_object_get(h, "recorded_days")), 7);
	assert_true(json_is_true(json_object_get(h, "exceeds")));
	assert_true(fake.host_calls <= 4); /* asked at the end of the hour, not per packet */
	ih_pipeline_free(&pl);
}

static void test_volume_within_own_history(void **state)
{
	(void)state;
	struct ih_pipeline pl;
	memset(&fake, 0, sizeof(fake));
	fake.know_host = true;
	/* it does this every day at this hour */
	fake.b = (struct ih_host_baseline){ .slots = 7, .active_slots = 7, .median_requests = 2900, .mad_requests = 150,
					    .max_requests = 3200 };
	run(&pl, true);
	busy_hour(&pl);
	assert_null(find(&pl, "volume_anomaly", "10.77.0.20"));
	ih_pipeline_free(&pl);

	/* too few recorded days for a baseline: no claim either */
	fake.b = (struct ih_host_baseline){ .slots = 2, .active_slots = 2, .median_requests = 10, .mad_requests = 1 };
	run(&pl, true);
	busy_hour(&pl);
	assert_null(find(&pl, "volume_anomaly", "10.77.0.20"));
	ih_pipeline_free(&pl);

	/* no store at all: the flood detector alone, and 0.8 requests/s is no flood */
	run(&pl, false);
	busy_hour(&pl);
	assert_null(find(&pl, "volume_anomaly", "10.77.0.20"));
	ih_pipeline_free(&pl);
}

static void test_volume_ping_left_running_is_info(void **state)
{
	(void)state;
	struct ih_pipeline pl;
	memset(&fake, 0, sizeof(fake));
	fake.know_host = true;
	fake.b = (struct ih_host_baseline){ .slots = 7, .active_slots = 1, .median_requests = 0, .mad_requests = 0 };
	run(&pl, true);
	for (unsigned i = 0; i < 3000; i++)
		send(&pl, "10.77.0.21", "10.77.0.1", false, NULL, 0, (uint16_t)i, T0 + 60 * S + i * 1000000000ull);
	ih_pipeline_finish(&pl);
	const struct ih_finding *f = find(&pl, "volume_anomaly", "10.77.0.21");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_INFO);
	ih_pipeline_free(&pl);
}

static const uint8_t custom[32] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/* ten requests with one fixed odd payload to an outside host, answered */
static void custom_pings(struct ih_pipeline *pl, const uint8_t *payload, uint32_t len)
{
	for (unsigned i = 0; i < 10; i++) {
		send(pl, "10.77.0.30", "203.0.113.50", false, payload, len, (uint16_t)i, T0 + i * 5 * S);
		send(pl, "203.0.113.50", "10.77.0.30", true, payload, len, (uint16_t)i, T0 + i * 5 * S + 20000000ull);
	}
	ih_pipeline_finish(pl);
}

static bool has_signal(const struct ih_finding *f, const char *sig)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(f->evidence, "signals"), i, s)
		if (strcmp(json_string_value(s), sig) == 0)
			return true;
	return false;
}

static void test_external_first_seen(void **state)
{
	(void)state;
	struct ih_pipeline pl;
	const struct ih_finding *f;

	/* a custom payload alone is one weak signal: info; a destination never seen before is a
	 * second one: low */
	memset(&fake, 0, sizeof(fake));
	fake.seen = 0;
	run(&pl, true);
	custom_pings(&pl, custom, sizeof(custom));
	f = find(&pl, "external_icmp", "10.77.0.30");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_LOW);
	assert_true(has_signal(f, "custom_payload_sustained"));
	assert_true(has_signal(f, "first_seen_destination"));
	assert_true(json_is_true(json_object_get(f->evidence, "first_seen_destination")));
	assert_int_equal(fake.peer_calls, 1);
	ih_pipeline_free(&pl);

	/* seen before: info, and the evidence says since when */
	fake.seen = 1;
	run(&pl, true);
	custom_pings(&pl, custom, sizeof(custom));
	f = find(&pl, "external_icmp", "10.77.0.30");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_INFO);
	assert_true(json_is_false(json_object_get(f->evidence, "first_seen_destination")));
	assert_non_null(json_object_get(f->evidence, "destination_first_seen"));
	ih_pipeline_free(&pl);

	/* new, but nothing else: an ordinary ping to a new place stays an inventory line */
	fake.seen = 0;
	run(&pl, true);
	custom_pings(&pl, NULL, 0);
	f = find(&pl, "external_icmp", "10.77.0.30");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_INFO);
	assert_false(has_signal(f, "first_seen_destination"));
	assert_true(json_is_true(json_object_get(f->evidence, "first_seen_destination")));
	ih_pipeline_free(&pl);

	/* no history: nothing said about it */
	run(&pl, false);
	custom_pings(&pl, custom, sizeof(custom));
	f = find(&pl, "external_icmp", "10.77.0.30");
	assert_non_null(f);
	assert_int_equal(f->severity, IH_SEV_INFO);
	assert_null(json_object_get(f->evidence, "first_seen_destination"));
	ih_pipeline_free(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_above_own_history),
		cmocka_unit_test(test_volume_within_own_history),
		cmocka_unit_test(test_volume_ping_left_running_is_info),
		cmocka_unit_test(test_external_first_seen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

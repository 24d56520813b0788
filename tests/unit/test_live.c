/* test_live.c — the live source and the quiet-period tick:
 *   - opening a capture on an interface that does not exist, or with a filter that does not
 *     compile, fails with a message naming it, before anything is read;
 *   - (root) on the loopback: the run loop comes back to tick() at least every tick_ms with no
 *     traffic, stops when asked, and pcap's counters are there;
 *   - ih_track_tick: a pair that went quiet ends (its detectors evaluate it) when the wall clock
 *     stands in for packet time, and a time before the newest packet's is ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect/detector.h"
#include "echo_pkt.h"
#include "source/live.h"
#include "track/track.h"

static void test_open_errors(void **state)
{
	(void)state;
	struct ih_live_config c;
	ih_live_config_default(&c);
	c.iface = "ih-no-such-if0";
	char err[512], warn[512];
	struct ih_live *l = ih_live_open(&c, err, sizeof err, warn, sizeof warn);
	assert_null(l);
	assert_non_null(strstr(err, "ih-no-such-if0"));
	if (geteuid() != 0)
		return;
	c.iface = "lo";
	c.filter = "icmp and and";
	l = ih_live_open(&c, err, sizeof err, warn, sizeof warn);
	assert_null(l);
	assert_non_null(strstr(err, "filter 'icmp and and'"));
}

struct ticker {
	struct ih_live *l;
	unsigned ticks, frames;
};

static void on_frame(void *ctx, const struct ih_frame *fr)
{
	struct ticker *t = ctx;
	t->frames++;
	assert_string_equal(fr->file, "lo");
}

static void on_tick(void *ctx)
{
	struct ticker *t = ctx;
	if (++t->ticks == 3)
		ih_live_stop(t->l);
}

static void test_quiet_ticks(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct ih_live_config c;
	ih_live_config_default(&c);
	c.iface = "lo";
	c.filter = "icmp and host 192.0.2.254"; /* nothing will match */
	c.tick_ms = 50;
	char err[512], warn[512];
	struct ih_live *l = ih_live_open(&c, err, sizeof err, warn, sizeof warn);
	assert_non_null(l);
	assert_string_equal(ih_live_iface(l), "lo");
	struct ticker t = { l, 0, 0 };
	assert_int_equal(ih_live_run(l, on_frame, &t, on_tick, err, sizeof err), IH_SRC_STOPPED);
	assert_int_equal(t.ticks, 3);
	assert_true(ih_live_stopped(l));
	struct ih_live_stats st;
	ih_live_stats(l, &st);
	assert_true(st.valid);
	assert_int_equal(st.dropped, 0);
	ih_live_close(l);
}

static unsigned pairs_ended;

static void count_end(struct ih_detector *d, const struct ih_pair *p)
{
	(void)d;
	(void)p;
	pairs_ended++;
}

static void test_track_tick(void **state)
{
	(void)state;
	struct ih_track_config c;
	ih_track_config_default(&c);
	c.host_capacity = c.pair_capacity = 64;
	c.pair_idle_ns = 2000000000ull;
	c.host_idle_ns = 4000000000ull;
	c.seed = 5;
	struct ih_track *tr = ih_track_new(&c);
	struct ih_detector d;
	memset(&d, 0, sizeof d);
	d.name = "count";
	d.on_pair_end = count_end;
	ih_track_add_detector(tr, &d);
	uint64_t t0 = 1795569098ull * 1000000000ull;
	struct ih_pkt p = ih_test_echo("10.77.0.10", "10.77.0.1", false, 7, 1, t0);
	ih_track_packet(tr, &p);
	assert_int_equal(ih_track_stats(tr)->pairs_live, 1);
	ih_track_tick(tr, t0 - 5000000000ull); /* backwards: ignored */
	assert_int_equal(ih_track_now(tr), t0);
	ih_track_tick(tr, t0 + 1000000000ull); /* not idle yet */
	assert_int_equal(pairs_ended, 0);
	ih_track_tick(tr, t0 + 3000000000ull); /* quiet for 3 s > 2 s: ends */
	assert_int_equal(pairs_ended, 1);
	assert_int_equal(ih_track_stats(tr)->pair_expired, 1);
	assert_int_equal(ih_track_now(tr), t0 + 3000000000ull);
	ih_track_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_quiet_ticks),
		cmocka_unit_test(test_track_tick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

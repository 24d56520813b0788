/* test_stats.c — quantiles, MAD, Bowley skew, CV, Welford and the beacon score, on small series
 * worked by hand in the comments (quantiles are type 7: h = (n - 1) q, interpolated). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/stats.h"

#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define EPS 1e-9

static double scratch[4096];

static void test_median(void **state)
{
	(void)state;
	/* {5, 1, 3} sorted 1 3 5: the middle is 3. */
	const double odd[] = { 5, 1, 3 };
	assert_float_equal(ih_median(odd, 3, scratch), 3.0, EPS);
	/* {4, 1, 3, 2} sorted 1 2 3 4: h = 1.5, 2 + 0.5 (3 - 2) = 2.5. */
	const double even[] = { 4, 1, 3, 2 };
	assert_float_equal(ih_median(even, 4, scratch), 2.5, EPS);
	const double one[] = { 7 };
	assert_float_equal(ih_median(one, 1, scratch), 7.0, EPS);
	assert_float_equal(ih_median(one, 0, scratch), 0.0, EPS);
	/* The input is left as it was. */
	assert_float_equal(even[0], 4.0, EPS);
	/* Unsigned: {30, 10, 20, 40, 50} -> 30. */
	const uint32_t u[] = { 30, 10, 20, 40, 50 };
	assert_float_equal(ih_median_u32(u, 5, scratch), 30.0, EPS);
	/* Quantile ends. */
	assert_float_equal(ih_quantile(even, 4, 0.0, scratch), 1.0, EPS);
	assert_float_equal(ih_quantile(even, 4, 1.0, scratch), 4.0, EPS);
	/* q = 0.9 of 1 2 3 4: h = 2.7, 3 + 0.7 = 3.7 */
	assert_float_equal(ih_quantile(even, 4, 0.9, scratch), 3.7, EPS);
}

static void test_quartiles_bowley(void **state)
{
	(void)state;
	/* 1..9: Q1 at h = 2 -> 3, Q2 at h = 4 -> 5, Q3 at h = 6 -> 7; Bowley (7 + 3 - 10) / 4 = 0. */
	const double sym[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5 };
	struct ih_quartiles q = ih_quartiles_of(sym, N(sym), scratch);
	assert_float_equal(q.q1, 3.0, EPS);
	assert_float_equal(q.q2, 5.0, EPS);
	assert_float_equal(q.q3, 7.0, EPS);
	assert_float_equal(ih_bowley(q), 0.0, EPS);

	/* 1 2 3 4 10 20 30 40 100: Q1 = 3, Q2 = 10, Q3 = 30;
	 * Bowley (30 + 3 - 20) / (30 - 3) = 13 / 27 = 0.481481... (right-skewed). */
	const double right[] = { 40, 1, 100, 3, 20, 2, 30, 4, 10 };
	q = ih_quartiles_of(right, N(right), scratch);
	assert_float_equal(q.q1, 3.0, EPS);
	assert_float_equal(q.q2, 10.0, EPS);
	assert_float_equal(q.q3, 30.0, EPS);
	assert_float_equal(ih_bowley(q), 13.0 / 27.0, EPS);

	/* 10 20 30 100: Q1 h = 0.75 -> 10 + 7.5 = 17.5; Q2 h = 1.5 -> 25; Q3 h = 2.25 ->
	 * 30 + 0.25 * 70 = 47.5; Bowley (47.5 + 17.5 - 50) / 30 = 0.5. */
	const uint32_t four[] = { 100, 30, 10, 20 };
	q = ih_quartiles_u32(four, 4, scratch);
	assert_float_equal(q.q1, 17.5, EPS);
	assert_float_equal(q.q2, 25.0, EPS);
	assert_float_equal(q.q3, 47.5, EPS);
	assert_float_equal(ih_bowley(q), 0.5, EPS);

	/* Left skew mirrors it: -0.5. */
	struct ih_quartiles left = { 52.5, 75.0, 82.5 };
	assert_float_equal(ih_bowley(left), (82.5 + 52.5 - 150.0) / 30.0, EPS);
	assert_float_equal(ih_bowley(left), -0.5, EPS);

	/* Q3 == Q1: 0 by definition. */
	const double flat[] = { 5, 5, 5, 5 };
	q = ih_quartiles_of(flat, 4, scratch);
	assert_float_equal(ih_bowley(q), 0.0, EPS);
}

static void test_mad(void **state)
{
	(void)state;
	/* 1 1 2 2 4 6 9: median 2; |x - 2| = 1 1 0 0 2 4 7, sorted 0 0 1 1 2 4 7: MAD 1. */
	const double x[] = { 1, 1, 2, 2, 4, 6, 9 };
	assert_float_equal(ih_mad(x, N(x), scratch), 1.0, EPS);
	/* 10 20 30 40 1000: median 30; deviations 20 10 0 10 970 -> 0 10 10 20 970: MAD 10.
	 * The outlier does not move it (a standard deviation would be ~ 390). */
	const uint32_t y[] = { 10, 20, 30, 40, 1000 };
	assert_float_equal(ih_mad_u32(y, N(y), scratch), 10.0, EPS);
	/* Even count: 1 2 3 4 -> median 2.5, deviations 1.5 0.5 0.5 1.5 -> median 1.0. */
	const double z[] = { 1, 2, 3, 4 };
	assert_float_equal(ih_mad(z, 4, scratch), 1.0, EPS);
	assert_float_equal(ih_mad(z, 0, scratch), 0.0, EPS);
}

static void test_mean_cv(void **state)
{
	(void)state;
	/* 2 4 4 4 5 5 7 9: mean 40 / 8 = 5; squared deviations 9 1 1 1 0 0 4 16 = 32;
	 * population variance 4, sd 2, CV 2 / 5 = 0.4. */
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	assert_float_equal(ih_mean(x, N(x)), 5.0, EPS);
	assert_float_equal(ih_cv(x, N(x)), 0.4, EPS);
	const double zero[] = { 0, 0 };
	assert_float_equal(ih_cv(zero, 2), 0.0, EPS);
}

static void test_welford(void **state)
{
	(void)state;
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct ih_welford w = { 0 };
	assert_float_equal(ih_welford_var(&w), 0.0, EPS);
	for (uint32_t i = 0; i < N(x); i++)
		ih_welford_add(&w, x[i]);
	/* mean 5, sum of squares 32: population 32 / 8 = 4, sample 32 / 7 = 4.571428... */
	assert_int_equal(w.n, 8);
	assert_float_equal(w.mean, 5.0, EPS);
	assert_float_equal(ih_welford_var_pop(&w), 4.0, EPS);
	assert_float_equal(ih_welford_var(&w), 32.0 / 7.0, EPS);
	/* Two halves merged give the same. */
	struct ih_welford a = { 0 }, b = { 0 };
	for (uint32_t i = 0; i < 3; i++)
		ih_welford_add(&a, x[i]);
	for (uint32_t i = 3; i < N(x); i++)
		ih_welford_add(&b, x[i]);
	ih_welford_merge(&a, &b);
	assert_int_equal(a.n, 8);
	assert_float_equal(a.mean, 5.0, EPS);
	assert_float_equal(ih_welford_var(&a), 32.0 / 7.0, EPS);
	/* Merging into an empty summary copies; merging an empty one changes nothing. */
	struct ih_welford e = { 0 };
	ih_welford_merge(&e, &a);
	assert_float_equal(ih_welford_sd(&e), ih_welford_sd(&a), EPS);
	struct ih_welford none = { 0 };
	ih_welford_merge(&a, &none);
	assert_int_equal(a.n, 8);
	/* Large offset: the naive sum of squares would lose all digits. */
	struct ih_welford big = { 0 };
	for (uint32_t i = 0; i < N(x); i++)
		ih_welford_add(&big, 1e9 + x[i]);
	assert_float_equal(ih_welford_var_pop(&big), 4.0, 1e-6);
}

/* Selection must agree with a full sort for every k, whatever the input's shape. */
static void check_all_quantiles(const double *x, uint32_t n)
{
	static double sorted[1024];
	memcpy(sorted, x, n * sizeof(*x));
	ih_sort_doubles(sorted, n);
	for (uint32_t i = 1; i < n; i++)
		assert_true(sorted[i - 1] <= sorted[i]);
	for (uint32_t k = 0; k < n; k++) {
		double q = n > 1 ? (double)k / (double)(n - 1) : 0.0;
		assert_float_equal(ih_quantile(x, n, q, scratch), sorted[k], 1e-9);
	}
}

static void test_selection_shapes(void **state)
{
	(void)state;
	static double x[1000];
	uint32_t s = 2463534242u;
	for (uint32_t i = 0; i < 1000; i++) { /* random */
		s ^= s << 13, s ^= s >> 17, s ^= s << 5;
		x[i] = (double)(s % 100000);
	}
	check_all_quantiles(x, 1000);
	for (uint32_t i = 0; i < 1000; i++) /* ascending */
		x[i] = i;
	check_all_quantiles(x, 1000);
	for (uint32_t i = 0; i < 1000; i++) /* descending */
		x[i] = 1000 - i;
	check_all_quantiles(x, 1000);
	for (uint32_t i = 0; i < 1000; i++) /* all equal: the normal beacon */
		x[i] = 3000;
	check_all_quantiles(x, 1000);
	for (uint32_t i = 0; i < 1000; i++) /* two values */
		x[i] = i % 2 ? 3000 : 3001;
	check_all_quantiles(x, 1000);
	for (uint32_t i = 0; i < 1000; i++) /* organ pipe */
		x[i] = i < 500 ? i : 1000 - i;
	check_all_quantiles(x, 1000);
	check_all_quantiles(x, 17);
	check_all_quantiles(x, 2);
}

static void test_beacon_periodic(void **state)
{
	(void)state;
	/* ping -i 3: 20 gaps of 3000 ms, 21 requests of 128 bytes, in a 60 s window.
	 * Gaps: Q1 = Q2 = Q3 = 3000, skew 0 -> 1; MAD 0 -> 1; span 60000, expected
	 * 1 + 60000 / 3000 = 21 events, 21 seen -> 1. ts_score 1.
	 * Sizes: skew 1, MAD 1, smallness 1 - 128 / 65535 = 0.9980468; ds_score 0.9993490.
	 * score (1 + 0.9993490) / 2 = 0.9996745. */
	uint32_t gaps[20], sizes[21];
	for (int i = 0; i < 20; i++)
		gaps[i] = 3000;
	for (int i = 0; i < 21; i++)
		sizes[i] = 128;
	struct ih_beacon_score b;
	assert_int_equal(ih_beacon_score(gaps, 20, sizes, 21, 60000.0, NULL, scratch, &b), 0);
	assert_int_equal(b.n_gaps, 20);
	assert_float_equal(b.ts.q2, 3000.0, EPS);
	assert_float_equal(b.ts_skew_score, 1.0, EPS);
	assert_float_equal(b.ts_madm_score, 1.0, EPS);
	assert_float_equal(b.ts_conn_score, 1.0, EPS);
	assert_float_equal(b.ts_score, 1.0, EPS);
	assert_float_equal(b.ds_mode, 128.0, EPS);
	assert_float_equal(b.ds_smallness_score, 1.0 - 128.0 / 65535.0, EPS);
	assert_float_equal(b.ds_score, 0.9993489, 1e-6);
	assert_float_equal(b.score, 0.9996745, 1e-6);
	assert_float_equal(b.span_ms, 60000.0, EPS);
	assert_float_equal(b.dur_score, 1.0, EPS);

	/* Timer jitter of a few ms: the quartile spread is under max(10 ms, 5% of 3000 = 150 ms),
	 * so skew is not counted; MAD 1 ms -> 1 - 1/3000. Still a beacon. */
	const uint32_t jit[] = { 3000, 3001, 2999, 3002, 3000, 2998, 3001, 3000, 3003, 3000 };
	assert_int_equal(ih_beacon_score(jit, N(jit), sizes, 11, 0.0, NULL, scratch, &b), 0);
	assert_float_equal(b.ts_skew, 0.0, EPS);
	assert_float_equal(b.ts_mad, 1.0, EPS);
	assert_true(b.ts_score > 0.99);
	assert_float_equal(b.dur_score, 0.0, EPS); /* no window given */

	/* Gaps of 0 (two events in one ms) are counted apart and left out: 3 gaps of 3000 over a
	 * span of 9000 -> 4 events seen, 4 expected. */
	const uint32_t bursty[] = { 0, 3000, 0, 3000, 3000 };
	assert_int_equal(ih_beacon_score(bursty, N(bursty), sizes, 6, 0.0, NULL, scratch, &b), 0);
	assert_int_equal(b.n_gaps, 3);
	assert_int_equal(b.zero_gaps, 2);
	assert_float_equal(b.ts_conn_score, 1.0, EPS);

	/* Nothing to score. */
	const uint32_t none[] = { 0, 0 };
	assert_int_equal(ih_beacon_score(none, 2, sizes, 3, 0.0, NULL, scratch, &b), -1);
	assert_float_equal(b.score, 0.0, EPS);
	assert_int_equal(ih_beacon_score(gaps, 20, sizes, 0, 0.0, NULL, scratch, &b), -1);
}

static void test_beacon_random(void **state)
{
	(void)state;
	/* Doubling gaps 100 .. 12800 (8 gaps, 9 events), sizes all 56:
	 * Q1: h = 1.75 -> 200 + 0.75 * 200 = 350; Q2: h = 3.5 -> 800 + 0.5 * 800 = 1200;
	 * Q3: h = 5.25 -> 3200 + 0.25 * 3200 = 4000.
	 * Bowley (4000 + 350 - 2400) / 3650 = 1950 / 3650 = 0.5342466 -> skew score 0.4657534.
	 * |x - 1200| = 1100 1000 800 400 400 2000 5200 11600, sorted 400 400 800 1000 1100 2000
	 * 5200 11600: MAD at h = 3.5 = 1050 -> 1 - 1050 / 1200 = 0.125.
	 * Span 25500: 1 + 25500 / 1200 = 22.25 expected, 9 seen -> 0.4044944.
	 * ts_score (0.4657534 + 0.125 + 0.4044944) / 3 = 0.3317493. */
	const uint32_t gaps[] = { 6400, 100, 1600, 12800, 200, 3200, 400, 800 };
	uint32_t sizes[9];
	for (int i = 0; i < 9; i++)
		sizes[i] = 56;
	struct ih_beacon_score b;
	assert_int_equal(ih_beacon_score(gaps, N(gaps), sizes, 9, 0.0, NULL, scratch, &b), 0);
	assert_float_equal(b.ts.q1, 350.0, EPS);
	assert_float_equal(b.ts.q2, 1200.0, EPS);
	assert_float_equal(b.ts.q3, 4000.0, EPS);
	assert_float_equal(b.ts_skew, 1950.0 / 3650.0, EPS);
	assert_float_equal(b.ts_mad, 1050.0, EPS);
	assert_float_equal(b.ts_madm_score, 0.125, EPS);
	assert_float_equal(b.ts_conn_score, 9.0 / 22.25, EPS);
	assert_float_equal(b.ts_score, 0.3317493, 1e-6);

	/* Sizes 10 20 30 40 1000 (one big one): Q1 20, Q2 30, Q3 40, spread 20 >= 10 bytes:
	 * Bowley (40 + 20 - 60) / 20 = 0 -> 1; MAD 10 -> 1 - 10 / 30 = 0.6666667; every size
	 * once: the mode is the smallest, 10 -> 1 - 10 / 65535 = 0.9998474.
	 * ds_score (1 + 0.6666667 + 0.9998474) / 3 = 0.8888380. */
	const uint32_t sz[] = { 1000, 10, 40, 20, 30 };
	assert_int_equal(ih_beacon_score(gaps, N(gaps), sz, N(sz), 0.0, NULL, scratch, &b), 0);
	assert_float_equal(b.ds.q2, 30.0, EPS);
	assert_float_equal(b.ds_mad, 10.0, EPS);
	assert_float_equal(b.ds_mode, 10.0, EPS);
	assert_float_equal(b.ds_madm_score, 2.0 / 3.0, EPS);
	assert_float_equal(b.ds_score, (1.0 + 2.0 / 3.0 + (1.0 - 10.0 / 65535.0)) / 3.0, EPS);

	/* A 25.5 s span in a 100 s window covers a quarter of it. */
	assert_int_equal(ih_beacon_score(gaps, N(gaps), sz, N(sz), 102000.0, NULL, scratch, &b), 0);
	assert_float_equal(b.dur_score, 0.25, EPS);

	/* A tighter skew threshold changes nothing here; a huge one drops the skew. */
	struct ih_beacon_params p = ih_beacon_defaults;
	p.ts_skew_min_ms = 5000.0;
	assert_int_equal(ih_beacon_score(gaps, N(gaps), sz, N(sz), 0.0, &p, scratch, &b), 0);
	assert_float_equal(b.ts_skew, 0.0, EPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_quartiles_bowley),
		cmocka_unit_test(test_mad),
		cmocka_unit_test(test_mean_cv),
		cmocka_unit_test(test_welford),
		cmocka_unit_test(test_selection_shapes),
		cmocka_unit_test(test_beacon_periodic),
		cmocka_unit_test(test_beacon_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

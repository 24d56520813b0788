/* stats.c — robust statistics and the beacon score (see stats.h for the contracts). */
#include "core/stats.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Selection and sorting                                                                      */
/* ------------------------------------------------------------------------------------------ */

static inline void swap_d(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

static void sift_down(double *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child] < a[child + 1])
			child++;
		if (!(a[root] < a[child]))
			return;
		swap_d(&a[root], &a[child]);
		root = child;
	}
}

static void heapsort_d(double *a, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		swap_d(&a[0], &a[end]);
		sift_down(a, 0, end);
	}
}

static void insertion_d(double *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double v = a[i];
		size_t j = i;
		while (j > 0 && v < a[j - 1]) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

void ih_sort_doubles(double *a, uint32_t n)
{
	if (n <= 16)
		insertion_d(a, n);
	else
		heapsort_d(a, n);
}

static double median3(double a, double b, double c)
{
	if (a < b) {
		if (b < c)
			return b;
		return a < c ? c : a;
	}
	if (a < c)
		return a;
	return b < c ? c : b;
}

/* Puts the k-th smallest of a[0..n) at a[k], smaller-or-equal values before it and
 * greater-or-equal after (nth_element). Three-way partitions keep runs of equal values (equal
 * gaps are the normal case for a beacon) linear; a depth budget of 2 log2 n bad rounds falls
 * back to heapsort of the remaining range. */
static void select_k(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* half-open range that contains position k */
	unsigned budget = 2;
	for (size_t m = n; m > 1; m >>= 1)
		budget += 2;
	while (hi - lo > 16) {
		if (budget-- == 0) {
			heapsort_d(a + lo, hi - lo);
			return;
		}
		double pivot = median3(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
		/* Dijkstra: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi) > pivot, [i, gt] unknown. */
		size_t lt = lo, i = lo, gt = hi; /* gt is one past the last unknown */
		while (i < gt) {
			if (a[i] < pivot)
				swap_d(&a[lt++], &a[i++]);
			else if (a[i] > pivot)
				swap_d(&a[i], &a[--gt]);
			else
				i++; /* equal (or NaN): stays in the middle */
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return; /* a[k] == pivot */
	}
	insertion_d(a + lo, hi - lo);
}

/* Smallest of a[from..n). */
static double min_from(const double *a, size_t from, size_t n)
{
	double m = a[from];
	for (size_t i = from + 1; i < n; i++)
		if (a[i] < m)
			m = a[i];
	return m;
}

/* Type-7 quantile of a[0..n), reordering a. */
static double quantile_inplace(double *a, size_t n, double q)
{
	if (n == 0)
		return 0.0;
	if (q <= 0.0)
		q = 0.0;
	if (q >= 1.0)
		q = 1.0;
	double h = (double)(n - 1) * q;
	size_t k = (size_t)h;
	if (k >= n)
		k = n - 1;
	double frac = h - (double)k;
	select_k(a, n, k);
	double lo = a[k];
	if (frac <= 0.0 || k + 1 >= n)
		return lo;
	/* After selection everything past k is >= a[k]: the next order statistic is their
	 * minimum. */
	double hi = min_from(a, k + 1, n);
	return lo + frac * (hi - lo);
}

/* ------------------------------------------------------------------------------------------ */
/* Summaries                                                                                  */
/* ------------------------------------------------------------------------------------------ */

double ih_quantile(const double *x, uint32_t n, double q, double *scratch)
{
	if (n == 0)
		return 0.0;
	memcpy(scratch, x, (size_t)n * sizeof(*x));
	return quantile_inplace(scratch, n, q);
}

double ih_median(const double *x, uint32_t n, double *scratch)
{
	return ih_quantile(x, n, 0.5, scratch);
}

static struct ih_quartiles quartiles_inplace(double *a, size_t n)
{
	struct ih_quartiles r = { 0, 0, 0 };
	if (n == 0)
		return r;
	/* Each selection leaves a permutation of the same values: the next one is still right. */
	r.q2 = quantile_inplace(a, n, 0.5);
	r.q1 = quantile_inplace(a, n, 0.25);
	r.q3 = quantile_inplace(a, n, 0.75);
	return r;
}

struct ih_quartiles ih_quartiles_of(const double *x, uint32_t n, double *scratch)
{
	if (n)
		memcpy(scratch, x, (size_t)n * sizeof(*x));
	return quartiles_inplace(scratch, n);
}

/* MAD of a[0..n) about `med`, reordering a (its values are replaced by deviations). */
static double mad_inplace(double *a, size_t n, double med)
{
	for (size_t i = 0; i < n; i++)
		a[i] = fabs(a[i] - med);
	return quantile_inplace(a, n, 0.5);
}

double ih_mad(const double *x, uint32_t n, double *scratch)
{
	if (n == 0)
		return 0.0;
	memcpy(scratch, x, (size_t)n * sizeof(*x));
	double med = quantile_inplace(scratch, n, 0.5);
	return mad_inplace(scratch, n, med);
}

double ih_bowley(struct ih_quartiles q)
{
	double den = q.q3 - q.q1;
	if (!(den != 0.0))
		return 0.0;
	double s = (q.q3 + q.q1 - 2.0 * q.q2) / den;
	if (s > 1.0)
		s = 1.0;
	if (s < -1.0)
		s = -1.0;
	return s;
}

double ih_mean(const double *x, uint32_t n)
{
	if (n == 0)
		return 0.0;
	double s = 0.0;
	for (uint32_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double ih_cv(const double *x, uint32_t n)
{
	double m = ih_mean(x, n);
	if (n == 0 || m == 0.0)
		return 0.0;
	double ss = 0.0;
	for (uint32_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return sqrt(ss / (double)n) / fabs(m);
}

static void to_double(const uint32_t *x, uint32_t n, double *out)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = (double)x[i];
}

double ih_median_u32(const uint32_t *x, uint32_t n, double *scratch)
{
	to_double(x, n, scratch);
	return quantile_inplace(scratch, n, 0.5);
}

struct ih_quartiles ih_quartiles_u32(const uint32_t *x, uint32_t n, double *scratch)
{
	to_double(x, n, scratch);
	return quartiles_inplace(scratch, n);
}

double ih_mad_u32(const uint32_t *x, uint32_t n, double *scratch)
{
	if (n == 0)
		return 0.0;
	to_double(x, n, scratch);
	double med = quantile_inplace(scratch, n, 0.5);
	return mad_inplace(scratch, n, med);
}

/* ------------------------------------------------------------------------------------------ */
/* Welford                                                                                    */
/* ------------------------------------------------------------------------------------------ */

void ih_welford_add(struct ih_welford *w, double x)
{
	w->n++;
	double d = x - w->mean;
	w->mean += d / (double)w->n;
	w->m2 += d * (x - w->mean);
}

void ih_welford_merge(struct ih_welford *into, const struct ih_welford *other)
{
	if (other->n == 0)
		return;
	if (into->n == 0) {
		*into = *other;
		return;
	}
	double na = (double)into->n, nb = (double)other->n, n = na + nb;
	double d = other->mean - into->mean;
	into->mean += d * nb / n;
	into->m2 += other->m2 + d * d * na * nb / n;
	into->n += other->n;
}

double ih_welford_var(const struct ih_welford *w)
{
	return w->n < 2 ? 0.0 : w->m2 / (double)(w->n - 1);
}

double ih_welford_var_pop(const struct ih_welford *w)
{
	return w->n < 1 ? 0.0 : w->m2 / (double)w->n;
}

double ih_welford_sd(const struct ih_welford *w)
{
	return sqrt(ih_welford_var(w));
}

/* ------------------------------------------------------------------------------------------ */
/* Beacon score                                                                               */
/* ------------------------------------------------------------------------------------------ */

const struct ih_beacon_params ih_beacon_defaults = {
	.ts_skew_min_ms = 10.0,
	.ts_skew_min_frac = 0.05,
	.ds_skew_min_bytes = 10.0,
};

static double clamp01(double v)
{
	if (!(v > 0.0))
		return 0.0;
	return v > 1.0 ? 1.0 : v;
}

/* RITA's reliable skew: 0 unless the quartile spread is at least min_den and the median sits
 * strictly inside it ("bowley skew is unreliable if Q2 = Q1 or Q2 = Q3"). */
static double reliable_skew(struct ih_quartiles q, double min_den)
{
	double den = q.q3 - q.q1;
	if (den <= 0.0 || den < min_den || q.q2 == q.q1 || q.q2 == q.q3)
		return 0.0;
	return ih_bowley(q);
}

/* 1 - min(1, MAD / median); a distribution with no spread is perfectly tight. */
static double madm_score(double mad, double median)
{
	if (mad == 0.0)
		return 1.0;
	if (median < 1.0)
		return 0.0;
	return clamp01(1.0 - mad / median);
}

int ih_beacon_score(const uint32_t *gaps_ms, uint32_t n_gaps, const uint32_t *sizes,
		    uint32_t n_sizes, double window_ms, const struct ih_beacon_params *params,
		    double *scratch, struct ih_beacon_score *out)
{
	memset(out, 0, sizeof(*out));
	if (!params)
		params = &ih_beacon_defaults;

	/* Timing: zero gaps (several events in one millisecond) are left out of the scoring
	 * and counted, as RITA leaves out zero deltas. */
	double span = 0.0;
	uint32_t m = 0;
	for (uint32_t i = 0; i < n_gaps; i++) {
		span += gaps_ms[i];
		if (gaps_ms[i] == 0)
			out->zero_gaps++;
		else
			scratch[m++] = gaps_ms[i];
	}
	out->n_gaps = m;
	out->n_sizes = n_sizes;
	out->span_ms = span;
	if (m == 0 || n_sizes == 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->ts = quartiles_inplace(scratch, m);
	out->ts_mad = mad_inplace(scratch, m, out->ts.q2);
	double ts_min_den = params->ts_skew_min_ms;
	if (params->ts_skew_min_frac * out->ts.q2 > ts_min_den)
		ts_min_den = params->ts_skew_min_frac * out->ts.q2;
	out->ts_skew = reliable_skew(out->ts, ts_min_den);
	out->ts_skew_score = 1.0 - fabs(out->ts_skew);
	out->ts_madm_score = madm_score(out->ts_mad, out->ts.q2);
	/* Connection count against the period (RITA's tsConnCountScore, expressed over this
	 * conversation's own span): events seen over the events a beacon at the median period
	 * would have produced in the span. Gaps and silences lower it; extra events in bursts
	 * do not raise it above 1. */
	double expected = 1.0 + span / out->ts.q2;
	out->ts_conn_score = clamp01((double)(m + 1) / expected);
	out->ts_score = (out->ts_skew_score + out->ts_madm_score + out->ts_conn_score) / 3.0;

	/* Sizes. */
	to_double(sizes, n_sizes, scratch);
	ih_sort_doubles(scratch, n_sizes);
	double mode = scratch[0];
	uint32_t best = 0;
	for (uint32_t i = 0; i < n_sizes;) {
		uint32_t j = i;
		while (j < n_sizes && scratch[j] == scratch[i])
			j++;
		if (j - i > best) {
			best = j - i;
			mode = scratch[i];
		}
		i = j;
	}
	out->ds_mode = mode;
	out->ds = quartiles_inplace(scratch, n_sizes);
	out->ds_mad = mad_inplace(scratch, n_sizes, out->ds.q2);
	out->ds_skew = reliable_skew(out->ds, params->ds_skew_min_bytes);
	out->ds_skew_score = 1.0 - fabs(out->ds_skew);
	out->ds_madm_score = madm_score(out->ds_mad, out->ds.q2);
	out->ds_smallness_score = clamp01(1.0 - mode / 65535.0);
	out->ds_score = (out->ds_skew_score + out->ds_madm_score + out->ds_smallness_score) / 3.0;

	out->dur_score = window_ms > 0.0 ? clamp01(span / window_ms) : 0.0;
	out->score = (out->ts_score + out->ds_score) / 2.0;
	return 0;
}

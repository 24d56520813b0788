/* stats.h — robust statistics on small series (inter-arrival gaps, payload sizes, rates):
 * quantiles by selection, median absolute deviation, Bowley skewness, coefficient of
 * variation, a running mean and variance, and a beacon score in the manner of RITA.
 *
 * Pure functions. Nothing allocates: functions that reorder data take a caller-provided
 * `scratch` of at least n doubles, which must not overlap the input. Inputs are left as they
 * were. A series of length 0 gives 0.0. Inputs must be finite; a NaN gives an unspecified
 * result but never an out-of-bounds access. */
#ifndef IH_STATS_H
#define IH_STATS_H

#include <stdint.h>

/* The q-quantile (0 <= q <= 1) by linear interpolation between order statistics (Hyndman and
 * Fan type 7, the default of R and NumPy): h = (n - 1) q, x[floor h] + (h - floor h)
 * (x[floor h + 1] - x[floor h]). Expected O(n) by introselect (quickselect, falling back to
 * heapsort past a depth budget, so adversarial input cannot make it quadratic). */
double ih_quantile(const double *x, uint32_t n, double q, double *scratch);
double ih_median(const double *x, uint32_t n, double *scratch);

struct ih_quartiles {
	double q1, q2, q3;
};
/* Q1, median and Q3 (type 7), selecting in one copy. */
struct ih_quartiles ih_quartiles_of(const double *x, uint32_t n, double *scratch);

/* Median absolute deviation about the median, unscaled: median(|x - median(x)|). */
double ih_mad(const double *x, uint32_t n, double *scratch);

/* Bowley (quartile) skewness (Q3 + Q1 - 2 Q2) / (Q3 - Q1), in [-1, 1]; 0 when Q3 == Q1. */
double ih_bowley(struct ih_quartiles q);

double ih_mean(const double *x, uint32_t n);
/* Population standard deviation over the mean; 0 when the mean is 0. Two passes. */
double ih_cv(const double *x, uint32_t n);

/* The same on unsigned series: the values are copied into `scratch` as doubles. */
double ih_median_u32(const uint32_t *x, uint32_t n, double *scratch);
struct ih_quartiles ih_quartiles_u32(const uint32_t *x, uint32_t n, double *scratch);
double ih_mad_u32(const uint32_t *x, uint32_t n, double *scratch);

/* Sorts ascending in place; O(n log n) worst case, no recursion, no allocation. */
void ih_sort_doubles(double *a, uint32_t n);

/* Running mean and variance (Welford 1962); numerically stable in one pass. Zero-initialise
 * (`struct ih_welford w = {0};`) before the first ih_welford_add. */
struct ih_welford {
	uint64_t n;
	double mean;
	double m2; /* sum of squared deviations from the running mean */
};
void ih_welford_add(struct ih_welford *w, double x);
/* Combines two summaries as if all values had been added to `into` (Chan et al. 1979). */
void ih_welford_merge(struct ih_welford *into, const struct ih_welford *other);
double ih_welford_var(const struct ih_welford *w);     /* sample (n - 1); 0 when n < 2 */
double ih_welford_var_pop(const struct ih_welford *w); /* population (n); 0 when n < 1 */
double ih_welford_sd(const struct ih_welford *w);      /* sqrt of the sample variance */

/* Beacon scoring after RITA (activecm/rita-legacy pkg/beacon/analyzer.go): a beacon has
 * symmetric (low Bowley skew), tightly dispersed (low MAD against the median) inter-arrival
 * gaps and sizes, keeps its period over its whole span, and is small. Every part is kept so
 * that evidence can show it. Scores are in [0, 1], higher is more beacon-like. */
struct ih_beacon_params {
	/* Skew of a distribution is counted only when Q3 - Q1 is at least this wide; narrower
	 * spreads are noise (RITA: 10 s on whole-second timestamps, 10 bytes). For gaps the
	 * width is max(ts_skew_min_ms, ts_skew_min_frac * median gap). */
	double ts_skew_min_ms;
	double ts_skew_min_frac;
	double ds_skew_min_bytes;
};
/* ts_skew_min_ms 10, ts_skew_min_frac 0.05, ds_skew_min_bytes 10. */
extern const struct ih_beacon_params ih_beacon_defaults;

struct ih_beacon_score {
	uint32_t n_gaps;      /* non-zero gaps scored (zero gaps are bursts, left out as RITA does) */
	uint32_t zero_gaps;   /* gaps of 0 ms */
	uint32_t n_sizes;
	/* timing, over the non-zero gaps (ms) */
	struct ih_quartiles ts;
	double ts_mad;
	double ts_skew;         /* Bowley skew of the gaps, 0 when not reliable (see params) */
	double ts_skew_score;   /* 1 - |ts_skew| */
	double ts_madm_score;   /* 1 - min(1, MAD / median) */
	double ts_conn_score;   /* events seen / events expected at the median period, capped at 1 */
	double ts_score;        /* mean of the three */
	/* sizes (bytes) */
	struct ih_quartiles ds;
	double ds_mad;
	double ds_mode;         /* most frequent size (the smallest, on a tie) */
	double ds_skew;
	double ds_skew_score;
	double ds_madm_score;   /* 1 - min(1, MAD / median); 1 when MAD is 0 */
	double ds_smallness_score; /* 1 - mode / 65535 */
	double ds_score;        /* mean of the three */
	/* span */
	double span_ms;         /* sum of all gaps */
	double dur_score;       /* span / window (RITA's coverage); 0 when window_ms is 0 */
	double score;           /* (ts_score + ds_score) / 2 */
};

/* Scores one conversation. `gaps_ms` are the times between successive events, `sizes` the
 * sizes of the events (either may come from a ring; order does not matter), `window_ms` the
 * observation window for dur_score (0 if unknown). `scratch` holds at least
 * max(n_gaps, n_sizes) doubles. Returns 0, or -1 (and a zeroed `out`) when there is no
 * non-zero gap or no size. The caller applies its own minimum number of events (RITA
 * requires more than 3 connections). */
int ih_beacon_score(const uint32_t *gaps_ms, uint32_t n_gaps, const uint32_t *sizes,
		    uint32_t n_sizes, double window_ms, const struct ih_beacon_params *params,
		    double *scratch, struct ih_beacon_score *out /* OUT */);

#endif

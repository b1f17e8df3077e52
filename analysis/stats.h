/* stats.h — the statistics of studies: sample mean and variance, Student-t confidence
 * intervals, Welch's two-sample t-test, the Mann-Whitney U test and Holm's correction
 * for many tests. Quantiles and tail probabilities come from GSL. Floating point only:
 * this is analysis, never protocol state. */
#ifndef L2SIM_STATS_H
#define L2SIM_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Summary of a sample. var is the unbiased sample variance (n - 1 denominator; 0 for
 * n < 2). Two passes, so values far from zero (fees of 1e14 wei) keep their precision. */
struct stats_summary {
    size_t n;
    double mean, var;
};
struct stats_summary stats_summarize(const double *x, size_t n);

/* Two-sided Student-t quantile t(1 - (1 - level) / 2, df): 12.706 for df 1 at level
 * 0.95. df >= 1. */
double stats_t_quantile(double level, double df);

/* Half width of the `level` confidence interval of the mean of a sample:
 * t(df = n - 1) * sqrt(var / n). NaN for n < 2. */
double stats_ci_half_width(const struct stats_summary *s, double level);

/* The result of a two-sample test: the statistic and the two-sided p-value.
 * method names the test ("welch", "paired-t", "mann-whitney", "mann-whitney-exact"). */
struct stats_test {
    double      stat;
    double      df;       /* Welch: Welch-Satterthwaite degrees of freedom; else NaN */
    double      p;        /* two-sided; 1 when the samples cannot differ */
    const char *method;
};

/* Welch's unequal-variance t-test of equal means. Both samples need n >= 2. When both
 * variances are zero the samples are constants: p = 1 if the means are equal, else 0.
 * O(1) given the summaries. */
struct stats_test stats_welch(const struct stats_summary *a, const struct stats_summary *b);

/* Paired t-test of a mean difference of zero between a[i] and b[i], i < n (n >= 2):
 * t = mean(d) / (sd(d) / sqrt(n)) with d = a - b, df = n - 1. All differences equal:
 * p = 1 if they are zero, else 0. With `serial` the pairs are consecutive time
 * windows of one process: a positive lag-1 autocorrelation r of d shrinks the sample to
 * its effective size n (1 - r) / (1 + r) (the AR(1) variance of a mean), which both
 * widens the standard error and lowers df (at least 1). O(n). */
struct stats_test stats_paired_t(const double *a, const double *b, size_t n, bool serial);

/* Mann-Whitney U (Wilcoxon rank-sum) test of equal distributions. Exact distribution
 * when there are no ties and n_a * n_b <= 400 (small replication counts, where the
 * normal approximation is poor); otherwise the normal approximation with tie and
 * continuity corrections. stat is U of sample a. O((n_a + n_b) log(n_a + n_b)). */
struct stats_test stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb);

/* Holm's step-down adjustment of n p-values (family-wise error rate): adj[i] is the
 * smallest family level at which hypothesis i is rejected. p and adj may alias.
 * NaN p-values (no test) are left NaN and do not count in the family. O(n log n). */
void stats_holm(const double *p, double *adj, size_t n);

#endif

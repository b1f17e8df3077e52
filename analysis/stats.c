/* stats.c — sample summaries, Student-t intervals, Welch and Mann-Whitney tests, Holm
 * (see stats.h). GSL supplies the t and normal distributions. */
#include "analysis/stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

struct stats_summary stats_summarize(const double *x, size_t n)
{
    struct stats_summary s = { n, 0.0 / 0.0, 0 };
    if (n == 0)
        return s;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    s.mean = sum / (double)n;
    if (n < 2)
        return s;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - s.mean) * (x[i] - s.mean);
    s.var = ss / (double)(n - 1);
    return s;
}

double stats_t_quantile(double level, double df)
{
    return gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, df);
}

double stats_ci_half_width(const struct stats_summary *s, double level)
{
    if (s->n < 2)
        return 0.0 / 0.0;
    return stats_t_quantile(level, (double)(s->n - 1)) * sqrt(s->var / (double)s->n);
}

struct stats_test stats_welch(const struct stats_summary *a, const struct stats_summary *b)
{
    struct stats_test t = { 0, 0.0 / 0.0, 1, "welch" };
    SIM_ASSERT(a->n >= 2 && b->n >= 2);
    double va = a->var / (double)a->n, vb = b->var / (double)b->n;
    double diff = a->mean - b->mean;
    if (va + vb == 0) {                 /* two constants */
        t.p = diff == 0 ? 1 : 0;
        t.stat = diff == 0 ? 0 : copysign(1.0 / 0.0, diff);
        return t;
    }
    t.stat = diff / sqrt(va + vb);
    t.df = (va + vb) * (va + vb) /
           (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    t.p = 2 * gsl_cdf_tdist_Q(fabs(t.stat), t.df);
    if (t.p > 1)
        t.p = 1;
    return t;
}

struct stats_test stats_paired_t(const double *a, const double *b, size_t n, bool serial)
{
    struct stats_test t = { 0, 0.0 / 0.0, 1, "paired-t" };
    SIM_ASSERT(n >= 2);
    double *d = xmalloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] - b[i];
    struct stats_summary s = stats_summarize(d, n);
    double neff = (double)n;
    if (serial && s.var > 0) {
        double c0 = 0, c1 = 0;
        for (size_t i = 0; i < n; i++)
            c0 += (d[i] - s.mean) * (d[i] - s.mean);
        for (size_t i = 1; i < n; i++)
            c1 += (d[i] - s.mean) * (d[i - 1] - s.mean);
        double r = c1 / c0;
        if (r > 0.99)
            r = 0.99;
        if (r > 0)
            neff = (double)n * (1 - r) / (1 + r);
        if (neff < 2)
            neff = 2;
    }
    free(d);
    if (s.var == 0) {
        t.p = s.mean == 0 ? 1 : 0;
        t.stat = s.mean == 0 ? 0 : copysign(1.0 / 0.0, s.mean);
        return t;
    }
    t.stat = s.mean / sqrt(s.var / neff);
    t.df = neff - 1;
    t.p = 2 * gsl_cdf_tdist_Q(fabs(t.stat), t.df);
    if (t.p > 1)
        t.p = 1;
    return t;
}

/* ---- Mann-Whitney U ---- */

struct ranked {
    double v;
    int    from_a;
};

static int cmp_ranked(const void *x, const void *y)
{
    double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;
    return (a > b) - (a < b);
}

/* P(U = u) for u = 0..m*n under the null without ties, by the recurrence on the
 * largest element: c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u). O(m n (m n)). */
static double *mwu_exact_pmf(size_t m, size_t n)
{
    size_t umax = m * n, w = umax + 1;
    /* c[(i * (n + 1) + j) * w + u] */
    double *c = xcalloc((m + 1) * (n + 1) * w, sizeof *c);
#define C(i, j, u) c[((i) * (n + 1) + (j)) * w + (u)]
    for (size_t i = 0; i <= m; i++)
        for (size_t j = 0; j <= n; j++) {
            if (i == 0 || j == 0) {
                C(i, j, 0) = 1;
                continue;
            }
            for (size_t u = 0; u <= i * j; u++)
                C(i, j, u) = (u >= j ? C(i - 1, j, u - j) : 0) + C(i, j - 1, u);
        }
    double *pmf = xmalloc(w * sizeof *pmf), total = 0;
    for (size_t u = 0; u < w; u++)
        total += C(m, n, u);
    for (size_t u = 0; u < w; u++)
        pmf[u] = C(m, n, u) / total;
#undef C
    free(c);
    return pmf;
}

struct stats_test stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb)
{
    struct stats_test t = { 0, 0.0 / 0.0, 1, "mann-whitney" };
    if (na == 0 || nb == 0)
        return t;
    size_t n = na + nb;
    struct ranked *r = xmalloc(n * sizeof *r);
    for (size_t i = 0; i < na; i++)
        r[i] = (struct ranked){ a[i], 1 };
    for (size_t i = 0; i < nb; i++)
        r[na + i] = (struct ranked){ b[i], 0 };
    qsort(r, n, sizeof *r, cmp_ranked);
    double rank_a = 0, ties = 0;          /* ties: sum of t^3 - t over tie groups */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && r[j].v == r[i].v)
            j++;
        double mid = ((double)i + 1 + (double)j) / 2, tg = (double)(j - i);
        for (size_t k = i; k < j; k++)
            if (r[k].from_a)
                rank_a += mid;
        ties += tg * tg * tg - tg;
        i = j;
    }
    free(r);
    double u = rank_a - (double)na * ((double)na + 1) / 2;
    t.stat = u;
    double mn = (double)na * (double)nb, mu = mn / 2;
    if (ties == 0 && na * nb <= 400) {
        t.method = "mann-whitney-exact";
        double *pmf = mwu_exact_pmf(na, nb);
        size_t uo = (size_t)llround(u);
        double lo = 0, hi = 0;
        for (size_t k = 0; k <= na * nb; k++) {
            if (k <= uo)
                lo += pmf[k];
            if (k >= uo)
                hi += pmf[k];
        }
        free(pmf);
        t.p = 2 * (lo < hi ? lo : hi);
    } else {
        double N = (double)n;
        double var = mn / 12 * ((N + 1) - ties / (N * (N - 1)));
        if (var <= 0)
            return t;                   /* every value tied: nothing differs */
        double z = (fabs(u - mu) - 0.5) / sqrt(var);
        t.p = z <= 0 ? 1 : 2 * gsl_cdf_ugaussian_Q(z);
    }
    if (t.p > 1)
        t.p = 1;
    return t;
}

/* ---- Holm ---- */

struct ip {
    double p;
    size_t i;
};

static int cmp_ip(const void *x, const void *y)
{
    const struct ip *a = x, *b = y;
    if (a->p != b->p)
        return (a->p > b->p) - (a->p < b->p);
    return (a->i > b->i) - (a->i < b->i);
}

void stats_holm(const double *p, double *adj, size_t n)
{
    struct ip *v = xmalloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            v[m++] = (struct ip){ p[i], i };
    qsort(v, m, sizeof *v, cmp_ip);
    for (size_t i = 0; i < n; i++)
        if (isnan(p[i]))
            adj[i] = p[i];
    double run = 0;
    for (size_t k = 0; k < m; k++) {
        double x = (double)(m - k) * v[k].p;
        if (x > 1)
            x = 1;
        if (x > run)
            run = x;
        adj[v[k].i] = run;
    }
    free(v);
}

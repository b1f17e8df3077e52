/* arrivals.c — non-homogeneous Poisson arrivals with a daily cycle, spikes and
 * Markov-modulated regimes (see arrivals.h). Time is cut into pieces at spike edges
 * and regime switches, all integer microseconds; inside a piece the rate is a
 * constant times the diurnal cosine, which is integrated in closed form. */
#include "models/workload/arrivals.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

enum pattern { PATTERN_CONSTANT, PATTERN_DIURNAL, PATTERN_REGIMES };

struct regime { double multiplier; double mean_duration; /* us */ };

struct arrivals {
    /* base rate: count arrivals per `per` microseconds, kept as a ratio so that a
     * whole slot of a per-block rate integrates to exactly `count` */
    double    count;
    double    per;
    enum pattern pattern;
    double    amplitude;          /* diurnal */
    sim_time  peak;               /* diurnal, in [0, 1d] */
    double    mean_size;          /* burst */

    /* spikes as a step function: mult[i] holds on [edge[i], edge[i+1]), 1 before
     * edge[0] and mult[nedges-1] from the last edge on (which is 1) */
    sim_time *edge;
    double   *mult;
    size_t    nedges;

    /* the regime chain: regime `cur` holds on [seg_start, seg_end); seg_end is
     * ARRIVALS_NONE when there is a single regime */
    struct regime *regime;
    size_t    nregimes;
    uint64_t  seed;
    uint32_t  kind, purpose;
    uint64_t  id;
    gsl_rng  *r_chain;
    size_t    cur;
    sim_time  seg_start, seg_end;
};

/* ---- construction ---- */

static int cmp_time(const void *x, const void *y)
{
    sim_time a = *(const sim_time *)x, b = *(const sim_time *)y;
    return (a > b) - (a < b);
}

/* Index of time t in the sorted edges (t is one of them). */
static size_t edge_index(const struct arrivals *a, sim_time t)
{
    size_t lo = 0, hi = a->nedges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->edge[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The spikes as a step function over their sorted, distinct edges. Each spike
 * multiplies the range of elementary intervals it covers in a segment tree (a
 * multiplier sits on O(log k) nodes), and an interval's product is read down its
 * root path. O(k log k) in the number k of spikes; depends only on the scenario. */
static void spikes_build(struct arrivals *a, const struct scn *s, const char *prefix)
{
    size_t n = scn_count(s, "%s.spikes", prefix);
    if (n == 0)
        return;
    a->edge = xmalloc(2 * n * sizeof *a->edge);
    for (size_t i = 0; i < n; i++) {
        sim_time at = scn_int(s, "%s.spikes[%zu].at", prefix, i);
        a->edge[2 * i] = at;
        a->edge[2 * i + 1] = sim_time_add_sat(at, scn_int(s, "%s.spikes[%zu].for", prefix, i));
    }
    qsort(a->edge, 2 * n, sizeof *a->edge, cmp_time);
    size_t k = 0;
    for (size_t i = 0; i < 2 * n; i++)
        if (k == 0 || a->edge[i] != a->edge[k - 1])
            a->edge[k++] = a->edge[i];
    a->nedges = k;

    size_t size = 1;
    while (size < k)
        size *= 2;
    double *tree = xmalloc(2 * size * sizeof *tree);
    for (size_t i = 0; i < 2 * size; i++)
        tree[i] = 1.0;
    for (size_t i = 0; i < n; i++) {
        sim_time at = scn_int(s, "%s.spikes[%zu].at", prefix, i);
        sim_time until = sim_time_add_sat(at, scn_int(s, "%s.spikes[%zu].for", prefix, i));
        double m = scn_real(s, "%s.spikes[%zu].multiplier", prefix, i);
        for (size_t l = edge_index(a, at) + size, r = edge_index(a, until) + size; l < r;
             l /= 2, r /= 2) {
            if (l & 1)
                tree[l++] *= m;
            if (r & 1)
                tree[--r] *= m;
        }
    }
    for (size_t i = 1; i < size; i++)
        tree[2 * i] *= tree[i], tree[2 * i + 1] *= tree[i];
    a->mult = xmalloc(k * sizeof *a->mult);
    memcpy(a->mult, tree + size, k * sizeof *a->mult);
    free(tree);
}

double arrivals_spikes_mean(const struct scn *s, const char *prefix, sim_time duration,
                            double *peak)
{
    struct arrivals a;
    memset(&a, 0, sizeof a);
    spikes_build(&a, s, prefix);
    double integral = 0, pk = 0;
    /* the step function: 1 before edge[0], mult[i] on [edge[i], edge[i + 1]) */
    for (size_t i = 0; i <= a.nedges; i++) {
        sim_time from = i ? a.edge[i - 1] : 0, to = i < a.nedges ? a.edge[i] : duration;
        double m = i ? a.mult[i - 1] : 1.0;
        from = from < 0 ? 0 : from;
        to = to > duration ? duration : to;
        if (to <= from)
            continue;
        integral += m * (double)(to - from);
        pk = m > pk ? m : pk;
    }
    free(a.edge);
    free(a.mult);
    if (peak)
        *peak = duration > 0 ? pk : 1.0;
    return duration > 0 ? integral / (double)duration : 1.0;
}

static void chain_reset(struct arrivals *a);

int arrivals_new(const struct scn *s, const char *prefix, uint64_t seed, uint32_t kind,
                 uint64_t id, uint32_t purpose, sim_time slot, struct arrivals **out,
                 struct err *e)
{
    struct arrivals *a = xcalloc(1, sizeof *a);
    char path[256];
    *out = NULL;

    struct unit_rate rate = scn_rate(s, "%s.rate", prefix);
    a->count = rate.count;
    if (rate.per_block) {
        if (slot <= 0) {
            snprintf(path, sizeof path, "%s.rate", prefix);
            scn_error_at(s, e, path, "this rate is per unit of time (e.g. 20/s), not per block");
            goto fail;
        }
        a->per = (double)slot;
    } else {
        a->per = (double)rate.per;
    }

    const char *pattern = scn_str(s, "%s.pattern", prefix);
    a->pattern = strcmp(pattern, "diurnal") == 0 ? PATTERN_DIURNAL
               : strcmp(pattern, "regimes") == 0 ? PATTERN_REGIMES : PATTERN_CONSTANT;
    a->amplitude = scn_real(s, "%s.diurnal.amplitude", prefix);
    a->peak = scn_int(s, "%s.diurnal.peak", prefix);
    a->mean_size = scn_real(s, "%s.burst.mean_size", prefix);
    /* the rows bound these; a model table that loosens them is a bug */
    SIM_ASSERT(a->amplitude >= 0 && a->amplitude <= 1 && a->mean_size >= 1);
    if (a->pattern != PATTERN_DIURNAL)
        a->amplitude = 0;

    if (a->pattern == PATTERN_REGIMES) {
        a->nregimes = scn_count(s, "%s.regimes", prefix);
        if (a->nregimes == 0) {
            snprintf(path, sizeof path, "%s.pattern", prefix);
            scn_error_at(s, e, path, "pattern regimes needs a non-empty %s.regimes list, "
                         "e.g. [{multiplier: 1, mean_duration: 2h}, {multiplier: 4, "
                         "mean_duration: 20m}]", prefix);
            goto fail;
        }
        a->regime = xmalloc(a->nregimes * sizeof *a->regime);
        for (size_t i = 0; i < a->nregimes; i++) {
            a->regime[i].multiplier = scn_real(s, "%s.regimes[%zu].multiplier", prefix, i);
            sim_time d = scn_int(s, "%s.regimes[%zu].mean_duration", prefix, i);
            SIM_ASSERT(d > 0);                   /* the row's minimum is 1s */
            a->regime[i].mean_duration = (double)d;
        }
        a->seed = seed, a->kind = kind, a->id = id, a->purpose = purpose;
        chain_reset(a);
    }
    spikes_build(a, s, prefix);
    *out = a;
    return 0;
fail:
    arrivals_free(a);
    return L2_EINPUT;
}

void arrivals_free(struct arrivals *a)
{
    if (!a)
        return;
    free(a->edge);
    free(a->mult);
    free(a->regime);
    if (a->r_chain)
        gsl_rng_free(a->r_chain);
    free(a);
}

/* ---- the regime chain ---- */

/* A visit to regime `cur` starting at seg_start: its length is exponential with the
 * regime's mean, rounded to the microsecond (at least 1). */
static void chain_hold(struct arrivals *a)
{
    if (a->nregimes < 2) {
        a->seg_end = ARRIVALS_NONE;      /* nowhere to jump: stays forever */
        return;
    }
    double d = gsl_ran_exponential(a->r_chain, a->regime[a->cur].mean_duration);
    sim_time len = d >= 9e18 ? ARRIVALS_NONE : (sim_time)llround(d);
    a->seg_end = sim_time_add_sat(a->seg_start, len < 1 ? 1 : len);
}

/* Back to t = 0, regime 0, a fresh copy of the chain's stream. */
static void chain_reset(struct arrivals *a)
{
    if (a->r_chain)
        gsl_rng_free(a->r_chain);
    a->r_chain = rng_stream(a->seed, a->kind, a->id, a->purpose);
    a->cur = 0;
    a->seg_start = 0;
    chain_hold(a);
}

/* Move the cursor to the visit containing t: forward by drawing further visits, or,
 * for an earlier t, by replaying from the start. Each jump goes uniformly to one of
 * the other regimes, so the chain's stationary law is proportional to the mean
 * durations. */
static void chain_seek(struct arrivals *a, sim_time t)
{
    if (t < a->seg_start)
        chain_reset(a);
    while (t >= a->seg_end) {
        size_t j = (size_t)gsl_rng_uniform_int(a->r_chain, a->nregimes - 1);
        a->cur = j >= a->cur ? j + 1 : j;
        a->seg_start = a->seg_end;
        chain_hold(a);
    }
}

/* ---- the rate ---- */

/* The multiplier of the piece containing t (spikes x regime: everything but the
 * base rate and the cosine) and where that piece ends (ARRIVALS_NONE: never). */
static double piece(struct arrivals *a, sim_time t, sim_time *end)
{
    double c = 1.0;
    *end = ARRIVALS_NONE;
    if (a->nedges) {
        /* first edge > t */
        size_t lo = 0, hi = a->nedges;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (a->edge[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (lo > 0)
            c *= a->mult[lo - 1];
        if (lo < a->nedges)
            *end = a->edge[lo];
    }
    if (a->nregimes) {
        chain_seek(a, t);
        c *= a->regime[a->cur].multiplier;
        if (a->seg_end < *end)
            *end = a->seg_end;
    }
    return c;
}

/* Phase of time t + frac (0 <= frac < 1) from the peak, in microseconds in [0, 1d):
 * reduced in integers so a day later is exactly the same phase. */
static double phase_us(const struct arrivals *a, sim_time t, double frac)
{
    sim_time p = (t - a->peak) % SIM_DAY;
    if (p < 0)
        p += SIM_DAY;
    return (double)p + frac;
}

static const double two_pi = 6.283185307179586476925286766559;

static double diurnal_factor(const struct arrivals *a, sim_time t, double frac)
{
    if (a->amplitude == 0)
        return 1.0;
    return 1.0 + a->amplitude * cos(two_pi * phase_us(a, t, frac) / (double)SIM_DAY);
}

double arrivals_rate(struct arrivals *a, sim_time t)
{
    sim_time end;
    return a->count / a->per * piece(a, t, &end) * diurnal_factor(a, t, 0.0);
}

/* Integral of the diurnal factor over [p, q), in microseconds. */
static double diurnal_integral(const struct arrivals *a, sim_time p, sim_time q)
{
    double len = (double)(q - p);
    if (a->amplitude == 0)
        return len;
    double w = two_pi / (double)SIM_DAY;
    double v = len + a->amplitude / w * (sin(w * phase_us(a, q, 0)) - sin(w * phase_us(a, p, 0)));
    return v > 0 ? v : 0;
}

double arrivals_expected(struct arrivals *a, sim_time t0, sim_time t1)
{
    double sum = 0;
    for (sim_time p = t0; p < t1;) {
        sim_time end;
        double m = piece(a, p, &end);
        sim_time q = end < t1 ? end : t1;
        /* count x (length / per): a whole slot of a per-block rate is exactly count */
        if (m > 0)
            sum += a->count * m * (diurnal_integral(a, p, q) / a->per);
        p = q;
    }
    return sum;
}

/* ---- drawing ---- */

static uint64_t batch_size(const struct arrivals *a, gsl_rng *r)
{
    return a->mean_size == 1.0 ? 1 : gsl_ran_geometric(r, 1.0 / a->mean_size);
}

uint64_t arrivals_count(struct arrivals *a, gsl_rng *r, sim_time t0, sim_time t1)
{
    double mean = arrivals_expected(a, t0, t1);
    if (!(mean > 0))
        return 0;
    if (a->mean_size == 1.0)
        return rng_poisson(r, mean);
    uint64_t batches = rng_poisson(r, mean / a->mean_size);
    uint64_t n = 0;
    for (uint64_t i = 0; i < batches; i++)
        n += batch_size(a, r);
    return n;
}

sim_time arrivals_next(struct arrivals *a, gsl_rng *r, sim_time after, sim_time until,
                       uint64_t *size)
{
    double peak_bound = 1.0 + a->amplitude;
    double t = (double)after;            /* exact: times are below 2^53 microseconds */
    *size = 0;
    for (;;) {
        sim_time ti = (sim_time)floor(t);
        if (ti >= until)
            return ARRIVALS_NONE;
        sim_time end;
        double bound = a->count / a->per * piece(a, ti, &end) * peak_bound / a->mean_size;
        if (!(bound > 0)) {
            if (end >= until)
                return ARRIVALS_NONE;
            t = (double)end;
            continue;
        }
        /* a candidate at the peak bound (batches per microsecond) of this piece */
        t += gsl_ran_exponential(r, 1.0 / bound);
        if (t >= (double)end) {          /* memoryless: restart at the piece's end */
            if (end >= until)
                return ARRIVALS_NONE;
            t = (double)end;
            continue;
        }
        ti = (sim_time)floor(t);
        if (ti >= until)
            return ARRIVALS_NONE;
        if (a->amplitude > 0 &&
            gsl_rng_uniform(r) * peak_bound >= diurnal_factor(a, ti, t - (double)ti))
            continue;                    /* thinned out */
        *size = batch_size(a, r);
        return ti;
    }
}

/* bench_sched.c — the classic hold benchmark (Jones 1986; Rönngren & Ayani 1997):
 * with P events pending, each hold pops the earliest event and pushes one at
 * now + an exponential increment (mean 1 s). Measures the whole scheduler path
 * (sim_at, pool slot, queue, sim_run, handler dispatch). Increments come from a
 * precomputed table so the figure is the queue's, not log()'s.
 *
 * Usage: bench_sched [repetitions]   (default 5)
 * Each repetition builds a fresh queue, warms it up for 2P holds, then times at
 * least 30P holds: a bucketed queue rebuilds its far end about every ln(P)*P holds,
 * so the window always pays for a couple of rebuilds. Every hold checks that time
 * never ran backwards, so a broken queue cannot post a figure. The figures are
 * wall-clock holds/s (median, min, max over the repetitions); the last column is
 * the median by process CPU time, which a busy shared machine disturbs less. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sim/sched.h"

#define TABLE 65536
static sim_time incr[TABLE];
static unsigned pos;

struct hold_state {
    sim_time last;
    uint64_t backwards;
};

static void hold(struct sim *s, void *ctx, const void *payload)
{
    struct hold_state *st = ctx;
    sim_time now = sim_now(s);
    st->backwards += now < st->last;
    st->last = now;
    sim_after(s, incr[pos++ & (TABLE - 1)], hold, ctx, payload, 8);
}

static double clock_s(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *r, int n)
{
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    return n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
}

/* One repetition at P pending: holds per wall-clock second over the timed window,
 * and per CPU second into *cpu_rate. */
static double run_once(size_t p, uint64_t holds, double *cpu_rate)
{
    struct sim *s = sim_new();
    struct hold_state st = { 0, 0 };
    uint64_t payload = 0;
    for (size_t i = 0; i < p; i++)
        sim_at(s, incr[pos++ & (TABLE - 1)], hold, &st, &payload, 8);
    sim_run(s, INT64_MAX, p * 2);          /* warm-up: reach steady state */
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    enum sim_stop rc = sim_run(s, INT64_MAX, holds);
    double dt = clock_s(CLOCK_MONOTONIC) - t0;
    double dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (rc != SIM_STOP_MAX_EVENTS || st.backwards || sim_pending(s) != p ||
        sim_events_run(s) != p * 2 + holds) {
        fprintf(stderr, "bench_sched: the queue misbehaved at P=%zu "
                "(stop %d, %llu steps back in time, %zu pending)\n", p, (int)rc,
                (unsigned long long)st.backwards, sim_pending(s));
        exit(1);
    }
    sim_free(s);
    *cpu_rate = (double)holds / dc;
    return (double)holds / dt;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    if (reps < 1 || reps > 100) {
        fprintf(stderr, "usage: bench_sched [repetitions 1..100]\n");
        return 2;
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < TABLE; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = ((double)(x >> 11) + 0.5) * 0x1.0p-53;
        incr[i] = (sim_time)(-log(u) * 1e6);
    }
    printf("hold benchmark: pop earliest, push at now + Exp(1 s); %d repetitions\n",
           reps);
    printf("%10s %11s %10s %10s %10s %8s %10s\n", "pending", "holds/rep", "median/s",
           "min/s", "max/s", "ns/hold", "cpu med/s");
    const size_t sizes[] = { 1000, 10000, 100000, 1000000 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t p = sizes[k];
        uint64_t holds = 30 * (uint64_t)p > 20000000 ? 30 * (uint64_t)p : 20000000;
        double r[100], c[100];
        for (int i = 0; i < reps; i++)
            r[i] = run_once(p, holds, &c[i]);
        double med = median(r, reps), cmed = median(c, reps);
        printf("%10zu %11llu %10.3g %10.3g %10.3g %8.1f %10.3g\n", p,
               (unsigned long long)holds, med, r[0], r[reps - 1], 1e9 / med, cmed);
        fflush(stdout);
    }
    return 0;
}

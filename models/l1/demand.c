/* demand.c — see demand.h. A ring of DEMAND_AHEAD slots between one producer (the
 * thread) and one consumer (the model): the thread fills slots ahead and sleeps when
 * the ring is full; it is woken when half of it is free again, so a day of 7,200
 * slots costs a few hundred wake-ups, not one a slot. */
#include "models/l1/demand.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "sim/rng.h"

#define DEMAND_AHEAD 32

struct slot {
    struct demand_tx *tx;
    size_t n, cap;
    sim_time end;
};

struct demand {
    /* the thread's (or demand_slot's without a thread) */
    struct arrivals     *a;
    gsl_rng             *r;
    struct demand_params p;
    sim_time             slot;
    /* shared, under mu */
    pthread_mutex_t mu;
    pthread_cond_t  filled;        /* a slot filled (the model waits for it) */
    pthread_cond_t  freed;         /* half the ring free again, or stop */
    uint64_t        produced, consumed;  /* slots filled, slots handed back */
    bool            model_waits, thread_waits, stop;
    struct slot     ring[DEMAND_AHEAD];
    bool            threaded;
    pthread_t       thread;
    uint64_t        taken;         /* the model's: slots taken (the last still in use) */
};

/* x >= 0 and below 2^63 rounded to the nearest integer, halves away from zero:
 * llround's result without its call. x - trunc(x) is exact (both below 2^53, or x
 * is an integer already), so the comparison with 0.5 is too. */
static uint64_t round_nonneg(double x)
{
    uint64_t t = (uint64_t)x;
    return t + (x - (double)t >= 0.5);
}

/* A lognormal draw rounded to an integer in [lo, hi] (0 <= lo <= hi < 2^63). */
static uint64_t lognormal_int(gsl_rng *r, double median, double sigma, double lo, double hi)
{
    double v = median * exp(sigma * rng_ugaussian(r));
    return round_nonneg(v < lo ? lo : v > hi ? hi : v);
}

/* Draw slot k (ending at k x slot, k >= 1) into s. */
static void fill(struct demand *d, uint64_t k, struct slot *s)
{
    const struct demand_params *p = &d->p;
    s->end = (sim_time)k * d->slot;
    s->n = arrivals_count(d->a, d->r, s->end - d->slot, s->end);
    if (s->n > s->cap) {
        s->cap = s->n + s->n / 2;
        s->tx = xrealloc(s->tx, s->cap * sizeof *s->tx);
    }
    for (size_t i = 0; i < s->n; i++) {
        struct demand_tx *t = &s->tx[i];
        t->gas = lognormal_int(d->r, p->gas_median, p->gas_sigma, 21000, p->gas_max);
        t->max_fee = lognormal_int(d->r, p->fee_median, p->fee_sigma, 1, 1e15);
        t->max_prio = lognormal_int(d->r, p->tip_median, p->tip_sigma, 0, 1e15);
        if (t->max_prio > t->max_fee)
            t->max_prio = t->max_fee;
        double pat = p->patience > 0 ? rng_exponential(d->r, (double)p->patience) : 0;
        t->patience = (sim_time)pat;
    }
}

static void *producer(void *arg)
{
    struct demand *d = arg;
#ifdef __linux__
    prctl(PR_SET_NAME, "l2sim-demand");    /* by name in /proc (make bench's CPU per thread) */
#endif
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->stop && d->produced - d->consumed == DEMAND_AHEAD) {
            d->thread_waits = true;
            pthread_cond_wait(&d->freed, &d->mu);
        }
        d->thread_waits = false;
        if (d->stop)
            break;
        uint64_t k = d->produced;
        pthread_mutex_unlock(&d->mu);
        fill(d, k + 1, &d->ring[k % DEMAND_AHEAD]);    /* a slot the model does not read */
        pthread_mutex_lock(&d->mu);
        d->produced++;
        if (d->model_waits)
            pthread_cond_signal(&d->filled);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

struct demand *demand_new(struct arrivals *a, gsl_rng *r, const struct demand_params *p,
                          sim_time slot)
{
    struct demand *d = xcalloc(1, sizeof *d);
    d->a = a;
    d->r = r;
    d->p = *p;
    d->slot = slot;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->filled, NULL);
    pthread_cond_init(&d->freed, NULL);
    /* the thread takes no signal: SIGINT/SIGTERM stay the model's (interrupted runs) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    d->threaded = pthread_create(&d->thread, NULL, producer, d) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return d;
}

const struct demand_tx *demand_slot(struct demand *d, sim_time end, size_t *n)
{
    uint64_t k = d->taken++;                        /* this slot's index, from 0 */
    struct slot *s = &d->ring[k % DEMAND_AHEAD];
    if (!d->threaded) {
        fill(d, k + 1, s);
    } else {
        pthread_mutex_lock(&d->mu);
        if (k > 0) {                                /* the previous slot is read: hand it back */
            d->consumed++;
            if (d->thread_waits && d->produced - d->consumed <= DEMAND_AHEAD / 2)
                pthread_cond_signal(&d->freed);
        }
        while (d->produced <= k) {
            d->model_waits = true;
            pthread_cond_wait(&d->filled, &d->mu);
        }
        d->model_waits = false;
        pthread_mutex_unlock(&d->mu);
    }
    if (s->end != end)
        sim_panic("the L1's background demand was drawn for the slot ending at %lld us, "
                  "asked for %lld us", (long long)s->end, (long long)end);
    *n = s->n;
    return s->tx;
}

void demand_free(struct demand *d)
{
    if (!d)
        return;
    if (d->threaded) {
        pthread_mutex_lock(&d->mu);
        d->stop = true;
        pthread_cond_signal(&d->freed);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->thread, NULL);
    }
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->filled);
    pthread_cond_destroy(&d->freed);
    for (size_t i = 0; i < DEMAND_AHEAD; i++)
        free(d->ring[i].tx);
    free(d);
}

/* offline.c — faulty nodes' up and down periods (see offline.h): per node, lazily,
 * the period that contains the time asked about, drawn forward from the node's own
 * stream. */
#include "models/channel/offline.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

struct node_sched {
    gsl_rng  *r;                  /* NULL until asked about (then faulty or not) */
    bool      faulty, down0;      /* down0: down at t = 0 */
    sim_time *toggle;             /* the times its state flips, increasing, drawn as far
                                     as asked about (at least one beyond) */
    size_t    n, cap;
};

struct offline {
    struct offline_params p;
    offline_stream_fn *stream;
    void *ctx;
    struct node_sched *node;
    size_t cap;
};

struct offline *offline_new(const struct offline_params *p, offline_stream_fn *stream,
                            void *ctx)
{
    struct offline *o = xcalloc(1, sizeof *o);
    o->p = *p;
    o->stream = stream;
    o->ctx = ctx;
    return o;
}

void offline_free(struct offline *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->cap; i++) {
        if (o->node[i].r)
            gsl_rng_free(o->node[i].r);
        free(o->node[i].toggle);
    }
    free(o->node);
    free(o);
}

static sim_time draw_period(gsl_rng *r, sim_time mean)
{
    double d = gsl_ran_exponential(r, (double)mean);
    sim_time t = d >= 1e15 ? (sim_time)1e15 : (sim_time)d;
    return t > 0 ? t : 1;         /* periods advance the clock: never empty */
}

static void push_toggle(struct node_sched *s, sim_time t)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->toggle = xrealloc(s->toggle, s->cap * sizeof *s->toggle);
    }
    s->toggle[s->n++] = t;
}

/* The node's schedule drawn beyond t. Its first draws, on the first question: faulty
 * with probability share; the state at t = 0 from the stationary split; the first
 * period's remainder drawn whole (the exponential is memoryless). */
static struct node_sched *sched_until(struct offline *o, uint64_t id, sim_time t)
{
    o->node = xgrow_zeroed(o->node, &o->cap, (size_t)id, sizeof *o->node);
    struct node_sched *s = &o->node[id];
    if (!s->r) {
        s->r = o->stream(o->ctx, id);
        s->faulty = gsl_rng_uniform(s->r) < o->p.share;
        double pd = (double)o->p.down / ((double)o->p.up + (double)o->p.down);
        s->down0 = s->faulty && gsl_rng_uniform(s->r) < pd;
        if (s->faulty)
            push_toggle(s, draw_period(s->r, s->down0 ? o->p.down : o->p.up));
    }
    while (s->faulty && s->toggle[s->n - 1] <= t) {
        bool down = s->down0 ^ (s->n % 2 == 1);   /* the state after the last flip */
        push_toggle(s, sim_time_add_sat(s->toggle[s->n - 1],
                                        draw_period(s->r, down ? o->p.down : o->p.up)));
    }
    return s;
}

/* Flips at or before t (binary search): the state at t is down0 flipped that often. */
static size_t flips_by(const struct node_sched *s, sim_time t)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->toggle[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool offline_down(struct offline *o, uint64_t id, sim_time t)
{
    if (o->p.share <= 0)
        return false;
    const struct node_sched *s = sched_until(o, id, t);
    return s->faulty && (s->down0 ^ (flips_by(s, t) % 2 == 1));
}

sim_time offline_next_up(struct offline *o, uint64_t id, sim_time t)
{
    if (!offline_down(o, id, t))
        return t;
    const struct node_sched *s = &o->node[id];
    return s->toggle[flips_by(s, t)];     /* drawn: the last flip is beyond t */
}

sim_time offline_next_down(struct offline *o, uint64_t id, sim_time t)
{
    if (o->p.share <= 0 || !offline_faulty(o, id))
        return INT64_MAX;
    if (offline_down(o, id, t))
        return t;
    const struct node_sched *s = &o->node[id];
    return s->toggle[flips_by(s, t)];     /* the next flip starts a down period */
}

bool offline_faulty(struct offline *o, uint64_t id)
{
    return o->p.share > 0 && sched_until(o, id, 0)->faulty;
}

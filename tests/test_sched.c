/* test_sched.c — the scheduler's contract: (time, insertion) order, cancel, limits,
 * and that scheduling into the past is caught. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "sim/sched.h"

struct log {
    uint64_t *seen;
    size_t    n;
    sim_time *times;
};

static void record(struct sim *s, void *ctx, const void *payload)
{
    struct log *l = ctx;
    uint64_t v;
    memcpy(&v, payload, sizeof v);
    l->times[l->n] = sim_now(s);
    l->seen[l->n++] = v;
}

/* libuv's rule, and ours: events at equal time fire in insertion order. */
static void test_tie_order(void **state)
{
    enum { N = 100000 };
    struct sim *s = sim_new();
    struct log l = { calloc(N, 8), 0, calloc(N, 8) };
    for (uint64_t i = 0; i < N; i++)
        sim_at(s, 5 * SIM_SEC, record, &l, &i, sizeof i);
    assert_int_equal(sim_run(s, INT64_MAX, 0), SIM_STOP_DRAINED);
    assert_int_equal(l.n, N);
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(l.seen[i], i);
    assert_int_equal(sim_now(s), 5 * SIM_SEC);
    free(l.seen), free(l.times);
    sim_free(s);
}

/* Random times: output sorted by time, ties by insertion. */
static void test_time_order(void **state)
{
    enum { N = 50000 };
    struct sim *s = sim_new();
    struct log l = { calloc(N, 8), 0, calloc(N, 8) };
    uint64_t x = 88172645463325252ull;
    for (uint64_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        sim_at(s, (sim_time)(x % 1000), record, &l, &i, sizeof i);
    }
    sim_run(s, INT64_MAX, 0);
    assert_int_equal(l.n, N);
    for (size_t i = 1; i < N; i++) {
        assert_true(l.times[i - 1] <= l.times[i]);
        if (l.times[i - 1] == l.times[i])
            assert_true(l.seen[i - 1] < l.seen[i]);
    }
    free(l.seen), free(l.times);
    sim_free(s);
}

static void test_cancel(void **state)
{
    enum { N = 20000 };
    struct sim *s = sim_new();
    struct log l = { calloc(N, 8), 0, calloc(N, 8) };
    sim_event_id *ids = calloc(N, sizeof *ids);
    for (uint64_t i = 0; i < N; i++)
        ids[i] = sim_at(s, (sim_time)(i % 97), record, &l, &i, sizeof i);
    /* cancel every odd event */
    for (uint64_t i = 1; i < N; i += 2)
        assert_true(sim_cancel(s, ids[i]));
    assert_false(sim_cancel(s, ids[1]));            /* twice */
    assert_false(sim_cancel(s, 0));
    assert_int_equal(sim_pending(s), N / 2);
    sim_run(s, INT64_MAX, 0);
    assert_int_equal(l.n, N / 2);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.seen[i] % 2, 0);
    assert_false(sim_cancel(s, ids[0]));            /* already ran */
    free(l.seen), free(l.times), free(ids);
    sim_free(s);
}

/* A cancelled event's slot is reused; the stale id must not cancel the new event. */
static void test_cancel_reuse(void **state)
{
    struct sim *s = sim_new();
    struct log l = { calloc(4, 8), 0, calloc(4, 8) };
    uint64_t v = 7;
    sim_event_id a = sim_at(s, 10, record, &l, &v, sizeof v);
    assert_true(sim_cancel(s, a));
    sim_event_id b = sim_at(s, 10, record, &l, &v, sizeof v);
    assert_true(a != b);
    assert_false(sim_cancel(s, a));
    sim_run(s, INT64_MAX, 0);
    assert_int_equal(l.n, 1);
    free(l.seen), free(l.times);
    sim_free(s);
}

static void test_until_and_limit(void **state)
{
    struct sim *s = sim_new();
    struct log l = { calloc(10, 8), 0, calloc(10, 8) };
    for (uint64_t i = 0; i < 10; i++)
        sim_at(s, (sim_time)i * SIM_SEC, record, &l, &i, sizeof i);
    assert_int_equal(sim_run(s, 4 * SIM_SEC, 0), SIM_STOP_UNTIL);
    assert_int_equal(l.n, 5);                       /* 0..4 s inclusive */
    assert_int_equal(sim_now(s), 4 * SIM_SEC);
    assert_int_equal(sim_run(s, INT64_MAX, 2), SIM_STOP_MAX_EVENTS);
    assert_int_equal(l.n, 7);
    assert_int_equal(sim_run(s, INT64_MAX, 0), SIM_STOP_DRAINED);
    assert_int_equal(l.n, 10);
    assert_int_equal(sim_events_run(s), 10);
    free(l.seen), free(l.times);
    sim_free(s);
}

static void stopper(struct sim *s, void *ctx, const void *p) { sim_stop(s); }

static void test_stop_and_interrupt(void **state)
{
    struct sim *s = sim_new();
    sim_at(s, 1, stopper, NULL, NULL, 0);
    sim_at(s, 2, stopper, NULL, NULL, 0);
    assert_int_equal(sim_run(s, INT64_MAX, 0), SIM_STOP_REQUESTED);
    assert_int_equal(sim_events_run(s), 1);
    volatile sig_atomic_t flag = 1;
    sim_set_interrupt(s, &flag);
    assert_int_equal(sim_run(s, INT64_MAX, 0), SIM_STOP_REQUESTED);
    assert_int_equal(sim_events_run(s), 1);
    flag = 0;
    sim_run(s, INT64_MAX, 0);
    assert_int_equal(sim_events_run(s), 2);
    sim_free(s);
}

/* A handler's payload stays valid while it schedules many more events. */
static void spawner(struct sim *s, void *ctx, const void *payload)
{
    uint64_t before;
    memcpy(&before, payload, sizeof before);
    for (uint64_t i = 0; i < 10000; i++)
        sim_after(s, 1, record, ctx, &i, sizeof i);
    uint64_t after;
    memcpy(&after, payload, sizeof after);
    assert_int_equal(before, after);
}

static void test_payload_stable(void **state)
{
    struct sim *s = sim_new();
    struct log l = { calloc(10000, 8), 0, calloc(10000, 8) };
    uint64_t magic = 0xfeedfacecafebeefull;
    sim_at(s, 0, spawner, &l, &magic, sizeof magic);
    sim_run(s, INT64_MAX, 0);
    assert_int_equal(l.n, 10000);
    free(l.seen), free(l.times);
    sim_free(s);
}

static jmp_buf panic_jmp;
static char panic_msg[1024];
static void catch_panic(void *ctx, const char *msg)
{
    strncpy(panic_msg, msg, sizeof panic_msg - 1);
    longjmp(panic_jmp, 1);
}

static void back_in_time(struct sim *s, void *ctx, const void *p)
{
    sim_at(s, sim_now(s) - 1, record, ctx, NULL, 0);
}

static void test_past_is_a_bug(void **state)
{
    struct sim *volatile s = sim_new();
    sim_at(s, 100, back_in_time, NULL, NULL, 0);
    sim_set_panic_hook(catch_panic, NULL);
    /* the panic prints its message to stderr too; a passing test shows no error */
    fflush(stderr);
    int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    if (setjmp(panic_jmp) == 0) {
        sim_run(s, INT64_MAX, 0);
        dup2(saved, STDERR_FILENO);
        fail_msg("scheduling into the past did not panic");
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved), close(devnull);
    sim_set_panic_hook(NULL, NULL);
    assert_non_null(strstr(panic_msg, "test_sched.c:"));
    assert_non_null(strstr(panic_msg, "in the past"));
    sim_free(s);
}

/* The after-event hook (how debug builds check invariants) runs once after every
 * event, sees it counted, can stop the run, and can name the event that just ran. */
struct after_log {
    uint64_t calls;
    uint64_t stop_at;
    char     desc[256];
};

static void after(struct sim *s, void *ctx)
{
    struct after_log *a = ctx;
    a->calls++;
    assert_int_equal(sim_events_run(s), a->calls);
    sim_event_describe(s, a->desc, sizeof a->desc);
    if (a->calls == a->stop_at)
        sim_stop(s);
}

static void test_after_event(void **state)
{
    struct sim *s = sim_new();
    struct log l = { calloc(10, 8), 0, calloc(10, 8) };
    for (uint64_t i = 0; i < 10; i++)
        sim_at(s, (sim_time)(i * SIM_SEC), record, &l, &i, sizeof i);
    struct after_log a = { .stop_at = 4 };
    sim_set_after_event(s, after, &a);
    assert_int_equal(sim_run(s, INT64_MAX, 0), SIM_STOP_REQUESTED);
    assert_int_equal(a.calls, 4);
    assert_int_equal(l.n, 4);
    assert_non_null(strstr(a.desc, "event #4"));
    assert_non_null(strstr(a.desc, "at simulated time 3.000000 s"));
    if (sim_debug_build())          /* the handler and the line that scheduled it */
        assert_non_null(strstr(a.desc, "(record, scheduled at tests/test_sched.c:"));
    else
        assert_null(strstr(a.desc, "scheduled at"));
    sim_set_after_event(s, NULL, NULL);
    sim_run(s, INT64_MAX, 0);
    assert_int_equal(a.calls, 4);
    assert_int_equal(l.n, 10);
    free(l.seen), free(l.times);
    sim_free(s);
}

/* ---- randomized differential test ----
 * Events are driven in lockstep with a reference: a plain binary heap of
 * (time, tag), where tags are handed out in the same order as the scheduler's
 * insertion sequence. Every handler checks that it is the reference's earliest live
 * event, then schedules and cancels more with times drawn from mixes meant to
 * stress bucketed queues: many exact ties, zero delays, widths from 1 us to years,
 * grid-aligned clusters, far-future outliers up to INT64_MAX, same-time bursts and
 * cancel storms. Between batches sim_run is called with random `until` and
 * `max_events` limits and its answer is checked against the reference. */

enum { DIFF_PENDING = 1, DIFF_RAN, DIFF_CANCELLED };

struct ref_ev {
    sim_time t;
    uint64_t tag;
};

struct diff {
    struct sim    *sim;
    uint64_t       rng;
    struct ref_ev *heap;       /* reference queue; cancelled tags dropped lazily */
    size_t         hn, hcap;
    sim_event_id  *id;         /* per tag */
    unsigned char *state;      /* per tag */
    size_t         ntags, tcap;
    size_t         live;       /* pending, not cancelled */
    uint64_t       ran;
    size_t         target;     /* handlers grow the population towards this */
    size_t         budget;     /* tags left; handlers stop spawning at 0 */
    unsigned       mix;        /* which time distribution the phase favours */
    bool           outliers;   /* draw far-future times (years, INT64_MAX) too */
    bool           quiet;      /* handlers spawn nothing: the queue drains */
};

static uint64_t diff_rand(struct diff *d)
{
    d->rng ^= d->rng >> 12, d->rng ^= d->rng << 25, d->rng ^= d->rng >> 27;
    return d->rng * 0x2545F4914F6CDD1Dull;
}

static bool ref_less(struct ref_ev a, struct ref_ev b)
{
    return a.t < b.t || (a.t == b.t && a.tag < b.tag);
}

static void ref_push(struct diff *d, struct ref_ev e)
{
    if (d->hn == d->hcap) {
        d->hcap = d->hcap ? 2 * d->hcap : 1024;
        d->heap = realloc(d->heap, d->hcap * sizeof *d->heap);
        assert_non_null(d->heap);
    }
    size_t i = d->hn++;
    while (i > 0 && ref_less(e, d->heap[(i - 1) / 2])) {
        d->heap[i] = d->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    d->heap[i] = e;
}

static void ref_pop(struct diff *d)
{
    struct ref_ev last = d->heap[--d->hn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->hn)
            break;
        if (c + 1 < d->hn && ref_less(d->heap[c + 1], d->heap[c]))
            c++;
        if (!ref_less(d->heap[c], last))
            break;
        d->heap[i] = d->heap[c];
        i = c;
    }
    if (d->hn)
        d->heap[i] = last;
}

/* The earliest live reference event, or NULL. */
static const struct ref_ev *ref_peek(struct diff *d)
{
    while (d->hn && d->state[d->heap[0].tag] == DIFF_CANCELLED)
        ref_pop(d);
    return d->hn ? &d->heap[0] : NULL;
}

static void diff_fire(struct sim *s, void *ctx, const void *payload);

static void diff_schedule(struct diff *d, sim_time t)
{
    if (d->ntags == d->tcap) {
        d->tcap = d->tcap ? 2 * d->tcap : 4096;
        d->id = realloc(d->id, d->tcap * sizeof *d->id);
        d->state = realloc(d->state, d->tcap);
        assert_non_null(d->id);
        assert_non_null(d->state);
    }
    uint64_t tag = d->ntags++;
    d->id[tag] = sim_at(d->sim, t, diff_fire, d, &tag, sizeof tag);
    d->state[tag] = DIFF_PENDING;
    d->live++;
    ref_push(d, (struct ref_ev){ t, tag });
}

/* now + delta, saturating at INT64_MAX. */
static sim_time diff_later(struct diff *d, uint64_t delta)
{
    sim_time now = sim_now(d->sim);
    return delta > (uint64_t)(INT64_MAX - now) ? INT64_MAX : now + (sim_time)delta;
}

static sim_time diff_time(struct diff *d)
{
    uint64_t r = diff_rand(d) % 100, x = diff_rand(d);
    sim_time now = sim_now(d->sim);
    if (d->mix == 1 && r < 60)         /* clustered: a handful of exact times */
        return diff_later(d, (x % 4) * 1000);
    if (d->mix == 2 && r < 60)         /* smooth: exponential-ish around 1 s */
        return diff_later(d, (x % 1000000) * (1 + (x >> 40) % 3));
    if (r < 15)
        return now;                                     /* zero delay */
    if (r < 30)
        return diff_later(d, x % 8);                    /* dense ties */
    if (r < 45)
        return diff_later(d, x % 1000);
    if (r < 60)
        return diff_later(d, x % 1000000);
    if (r < 72)                                         /* skewed widths */
        return diff_later(d, (x % 1024) << ((x >> 32) % (d->outliers ? 40 : 20)));
    if (r < 80) {                                       /* grid points: many ties */
        sim_time g = 5000;
        return diff_later(d, (uint64_t)(g - now % g + g * (sim_time)((x >> 20) % 4)));
    }
    if (r < 84 && d->outliers)
        return diff_later(d, 1000000000000ull + x % 1000000000000000ull);  /* years */
    if (r < 85 && d->outliers)
        return INT64_MAX - (sim_time)(x % 3) > now ? INT64_MAX - (sim_time)(x % 3) : now;
    return diff_later(d, x % 100);
}

/* Cancel a random tag (pending, run or cancelled) and check the answer. */
static void diff_cancel_one(struct diff *d)
{
    if (d->ntags == 0)
        return;
    uint64_t span = d->ntags < 20000 ? d->ntags : 20000;
    uint64_t tag = d->ntags - 1 - diff_rand(d) % span;  /* recent: likelier pending */
    bool pending = d->state[tag] == DIFF_PENDING;
    assert_int_equal(sim_cancel(d->sim, d->id[tag]), pending);
    if (pending) {
        d->state[tag] = DIFF_CANCELLED;
        d->live--;
    }
}

static void diff_fire(struct sim *s, void *ctx, const void *payload)
{
    struct diff *d = ctx;
    uint64_t tag;
    memcpy(&tag, payload, sizeof tag);
    const struct ref_ev *want = ref_peek(d);
    if (!want) {
        fail_msg("ran tag %llu but the reference queue is empty",
                 (unsigned long long)tag);
        return;
    }
    if (want->tag != tag || want->t != sim_now(s))
        fail_msg("ran tag %llu at t=%lld; expected tag %llu at t=%lld",
                 (unsigned long long)tag, (long long)sim_now(s),
                 (unsigned long long)want->tag, (long long)want->t);
    ref_pop(d);
    d->state[tag] = DIFF_RAN;
    d->live--;
    d->ran++;
    assert_false(sim_cancel(s, d->id[tag]));   /* running: not cancellable */
    uint64_t r = diff_rand(d) % 100;
    unsigned kids = d->budget == 0 || d->quiet ? 0
                  : d->live < d->target    ? 1 + (r < 40)
                                           : (r < 50);
    for (unsigned i = 0; i < kids && d->budget; i++, d->budget--)
        diff_schedule(d, diff_time(d));
    if (diff_rand(d) % 100 < 8)
        diff_cancel_one(d);
}

/* Run with limits and check why it stopped against the reference. */
static void diff_run(struct diff *d, sim_time until, uint64_t max_events)
{
    uint64_t before = d->ran;
    sim_time now_before = sim_now(d->sim);
    enum sim_stop rc = sim_run(d->sim, until, max_events);
    const struct ref_ev *next = ref_peek(d);
    switch (rc) {
    case SIM_STOP_DRAINED:
        assert_null(next);
        break;
    case SIM_STOP_UNTIL:
        assert_true(next && next->t > until);
        assert_int_equal(sim_now(d->sim), until > now_before ? until : now_before);
        break;
    case SIM_STOP_MAX_EVENTS:
        assert_int_equal(d->ran - before, max_events);
        assert_true(next && next->t <= until);
        break;
    default:
        fail_msg("unexpected stop %d", (int)rc);
    }
    if (max_events)
        assert_true(d->ran - before <= max_events);
    assert_int_equal(sim_pending(d->sim), d->live);
    assert_int_equal(sim_events_run(d->sim), d->ran);
}

/* Without outliers the far end of the queue empties too, so every part of the
 * structure runs dry and refills many times. */
static void diff_session(uint64_t seed, size_t tags, bool outliers)
{
    struct diff d = { .sim = sim_new(), .rng = seed, .target = 2000, .budget = tags,
                      .outliers = outliers };
    while (d.budget > 0) {
        uint64_t op = diff_rand(&d) % 100;
        d.mix = (unsigned)(diff_rand(&d) % 4);
        if (op < 30) {                                  /* a batch from outside */
            size_t k = diff_rand(&d) % 3000;
            for (; k && d.budget; k--, d.budget--)
                diff_schedule(&d, diff_time(&d));
        } else if (op < 40) {                           /* cancels, some stale */
            for (size_t k = diff_rand(&d) % 1500; k; k--)
                diff_cancel_one(&d);
            assert_int_equal(sim_pending(d.sim), d.live);
        } else if (op < 45) {                           /* a same-time burst */
            sim_time t = diff_time(&d);
            for (size_t k = 2000 + diff_rand(&d) % 3000; k && d.budget; k--, d.budget--)
                diff_schedule(&d, t);
        } else if (op < 48) {                           /* cancel storm: compaction */
            size_t first = d.ntags;
            for (size_t k = 12000; k && d.budget; k--, d.budget--)
                diff_schedule(&d, diff_later(&d, diff_rand(&d) % 100000));
            for (size_t i = first; i < d.ntags; i++)
                if (diff_rand(&d) % 10 < 9) {
                    assert_true(sim_cancel(d.sim, d.id[i]));
                    d.state[i] = DIFF_CANCELLED;
                    d.live--;
                }
            assert_int_equal(sim_pending(d.sim), d.live);
        } else if (op < 49) {                           /* one early, a cluster late */
            uint64_t reach = UINT64_C(1) << (diff_rand(&d) % 36);
            sim_time far = diff_later(&d, diff_rand(&d) % reach);
            uint64_t w = 1 + diff_rand(&d) % (UINT64_C(1) << (diff_rand(&d) % 20));
            diff_schedule(&d, diff_time(&d));
            for (size_t k = 40 + diff_rand(&d) % 200; k && d.budget; k--, d.budget--) {
                sim_time t = far - (sim_time)(diff_rand(&d) % w);
                diff_schedule(&d, t > sim_now(d.sim) ? t : far);
            }
        } else if (op < 51) {
            d.target = diff_rand(&d) % 2 ? diff_rand(&d) % 64 : diff_rand(&d) % 20000;
        } else {                                        /* run with limits */
            static const uint64_t reach[] = { 0, 100, 1000000, 1000000000 };
            uint64_t u = diff_rand(&d) % 5;
            sim_time until = u < 4 ? diff_later(&d, diff_rand(&d) % (reach[u] + 1))
                                   : diff_later(&d, UINT64_C(1) << 52);
            uint64_t max = diff_rand(&d) % 2 ? 0 : diff_rand(&d) % 5000;
            d.quiet = diff_rand(&d) % 3 == 0;
            diff_run(&d, until, max);
            d.quiet = false;
            /* probes at every scale: whatever regions the queue just emptied,
             * something now lands in each */
            for (unsigned j = 0; j < (d.outliers ? 48 : 30) && d.budget; j++, d.budget--)
                diff_schedule(&d, diff_later(&d, (UINT64_C(1) << j) +
                                                 diff_rand(&d) % (UINT64_C(1) << j)));
        }
    }
    diff_run(&d, INT64_MAX, 0);                         /* drain, outliers included */
    assert_int_equal(d.live, 0);
    assert_int_equal(sim_pending(d.sim), 0);
    free(d.heap), free(d.id), free(d.state);
    sim_free(d.sim);
}

/* Drain-and-refill cycles over random shapes: clusters of random size, width and
 * distance, run dry, then probes at every scale into whatever the queue just
 * emptied. Complements diff_session, whose queue is rarely empty. */
static void diff_shapes(uint64_t seed, unsigned rounds)
{
    struct diff d = { .sim = sim_new(), .rng = seed, .quiet = true };
    for (unsigned round = 0; round < rounds; round++) {
        if (diff_rand(&d) % 2)
            diff_schedule(&d, sim_now(d.sim));
        for (unsigned c = 1 + (unsigned)(diff_rand(&d) % 4); c; c--) {
            uint64_t at = (UINT64_C(1) << (diff_rand(&d) % 36)) + diff_rand(&d) % 1024;
            uint64_t w = UINT64_C(1) << (diff_rand(&d) % 24);
            size_t k = diff_rand(&d) % 8 ? 1 + diff_rand(&d) % 200 : 1000;
            for (; k; k--)
                diff_schedule(&d, diff_later(&d, at + diff_rand(&d) % w));
        }
        /* run part of it; maybe a burst close to now (the near heap spills into a
         * rung); probe; then drain and probe again */
        diff_run(&d, INT64_MAX, diff_rand(&d) % 300 + 1);
        if (diff_rand(&d) % 2) {
            uint64_t w = UINT64_C(1) << (diff_rand(&d) % 20);
            for (size_t k = 100 + diff_rand(&d) % 400; k; k--)
                diff_schedule(&d, diff_later(&d, diff_rand(&d) % w));
        }
        if (round % 50 == 49) {                         /* cancel storm: compaction */
            for (size_t k = 6000; k; k--)
                diff_schedule(&d, diff_later(&d, diff_rand(&d) % 1000000));
            for (size_t tag = 0; tag < d.ntags; tag++)
                if (d.state[tag] == DIFF_PENDING && diff_rand(&d) % 10 < 9) {
                    assert_true(sim_cancel(d.sim, d.id[tag]));
                    d.state[tag] = DIFF_CANCELLED;
                    d.live--;
                }
            assert_int_equal(sim_pending(d.sim), d.live);
        }
        for (unsigned half = 0; half < 2; half++) {
            for (unsigned j = 0; j < 40; j++)
                if (diff_rand(&d) % 3 == 0)
                    diff_schedule(&d, diff_later(&d, (UINT64_C(1) << j) +
                                                     diff_rand(&d) % (UINT64_C(1) << j)));
            diff_run(&d, INT64_MAX, 0);
        }
    }
    assert_int_equal(sim_pending(d.sim), 0);
    free(d.heap), free(d.id), free(d.state);
    sim_free(d.sim);
}

static void test_differential(void **state)
{
    diff_session(0x9E3779B97F4A7C15ull, 150000, true);
    diff_session(0xD1B54A32D192ED03ull, 100000, true);
    diff_session(12345, 150000, false);
    diff_session(0x2545F4914F6CDD1Dull, 100000, false);
    for (uint64_t seed = 1; seed <= 300; seed++)     /* many small shapes from empty */
        diff_session(seed * 0x9E3779B97F4A7C15ull, 500, seed % 4 == 0);
    diff_shapes(77, 3000);
}


/* ---- owned payloads (sim_at_owned): the scheduler frees each object exactly once ---- */

struct obj {
    int  *frees;          /* counts the free_fn calls on this object */
    int   id;
};

static void obj_free(void *p)
{
    struct obj *o = p;
    (*o->frees)++;
    free(o);
}

static struct obj *obj_new(int *frees, int id)
{
    struct obj *o = malloc(sizeof *o);
    o->frees = frees;
    o->id = id;
    return o;
}

struct seen { int ids[8]; int n; struct obj *kept; };

static void on_obj_plain_ignore(struct sim *s, void *ctx, const void *payload)
{
    assert_int_equal(*(const int *)payload, 3);
}

/* The handler sees the object itself (not a copy) and may change it. */
static void on_obj(struct sim *s, void *ctx, const void *payload)
{
    struct seen *v = ctx;
    struct obj *o = (struct obj *)payload;
    v->ids[v->n++] = o->id;
    o->id = -1;
}

static void on_obj_keep(struct sim *s, void *ctx, const void *payload)
{
    struct seen *v = ctx;
    v->kept = sim_take_payload(s);
    assert_ptr_equal(v->kept, payload);
}

/* Ran, cancelled, still pending at sim_free, taken by its handler: each object is
 * freed once, by the scheduler unless the handler took it. (make check runs this
 * under ASan/LeakSanitizer, which also fails on any leak or double free.) */
static void test_owned_payloads_freed_once(void **state)
{
    int frees[4] = { 0 };
    struct seen v = { .n = 0 };
    struct sim *s = sim_new();
    sim_at_owned(s, 10, on_obj, &v, obj_new(&frees[0], 7), obj_free);
    sim_event_id c = sim_at_owned(s, 20, on_obj, &v, obj_new(&frees[1], 8), obj_free);
    sim_at_owned(s, 1000, on_obj, &v, obj_new(&frees[2], 9), obj_free);
    sim_at_owned(s, 30, on_obj_keep, &v, obj_new(&frees[3], 10), obj_free);

    assert_true(sim_cancel(s, c));
    assert_int_equal(frees[1], 1);             /* cancel frees at once */
    assert_false(sim_cancel(s, c));
    assert_int_equal(frees[1], 1);             /* and only once */

    assert_int_equal(sim_run(s, 500, 0), SIM_STOP_UNTIL);
    assert_int_equal(v.n, 1);
    assert_int_equal(v.ids[0], 7);
    assert_int_equal(frees[0], 1);             /* freed after its handler returned */
    assert_int_equal(frees[2], 0);             /* still pending */
    assert_non_null(v.kept);
    assert_int_equal(frees[3], 0);             /* taken: the handler's now */

    sim_free(s);
    assert_int_equal(frees[2], 1);             /* never ran: freed with the scheduler */
    assert_int_equal(frees[0] + frees[1] + frees[3], 2);
    obj_free(v.kept);
    assert_int_equal(frees[3], 1);
}

/* Owned and ordinary events share slots: a slot that held an owned event and is
 * reused by an ordinary one must not free anything; free_fn NULL means free(). */
static void test_owned_slot_reuse(void **state)
{
    struct sim *s = sim_new();
    struct log l = { calloc(4, 8), 0, calloc(4, 8) };
    struct seen v = { .n = 0 };
    int *plain = malloc(sizeof *plain);        /* freed by free(): ASan checks it */
    *plain = 3;
    sim_at_owned(s, 1, on_obj_plain_ignore, &v, plain, NULL);
    sim_run(s, INT64_MAX, 0);
    uint64_t x = 42;
    sim_at(s, 5, record, &l, &x, sizeof x);     /* likely the same slot */
    sim_at(s, 6, record, &l, &x, sizeof x);
    sim_free(s);                                /* pending ordinary events: nothing freed */
    assert_int_equal(l.n, 0);
    free(l.seen), free(l.times);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tie_order),
        cmocka_unit_test(test_time_order),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cancel_reuse),
        cmocka_unit_test(test_until_and_limit),
        cmocka_unit_test(test_stop_and_interrupt),
        cmocka_unit_test(test_payload_stable),
        cmocka_unit_test(test_past_is_a_bug),
        cmocka_unit_test(test_after_event),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_owned_payloads_freed_once),
        cmocka_unit_test(test_owned_slot_reuse),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}

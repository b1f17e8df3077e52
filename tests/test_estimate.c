/* test_estimate.c — the up-front estimate of a run (models/run/estimate.c): its counts are
 * the scenario's arithmetic (slots = duration / slot, transfers = rate x duration x the
 * mean multiplier), it grows linearly where the run does, and the check rejects what
 * cannot fit — 10^12 users, a 1000-year run — at the key to blame, with the size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "models/run/estimate.h"
#include "models/run/run.h"

/* One day of 2 transfers/s on a Prague L1 (36M gas, 12 s slots, finality 64 slots)
 * without background demand: every number below follows by hand. */
static const char base[] =
    "name: est\n"
    "duration: 1d\n"
    "l1: {fork: prague, slot: 12s, finality_depth: 64, demand: {rate: 0/block}}\n"
    "workload: {users: 10000, transfers: {rate: 2/s}}\n"
    "schemes: [{type: l1}]\n";

/* A machine like the reference one: 24 GiB, 78 GiB free on the database's disk. */
static const struct run_limits machine = { 24.0 * 1073741824, 0, 78.0 * 1073741824, "." };

static struct scn *load(const char *text, const char *const *sets, size_t nset)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "est.yaml", text, strlen(text), sets, nset, &s, &e) != 0)
        fail_msg("%s", e.msg);
    return s;
}

static void estimate_of(const char *text, const char *const *sets, size_t nset,
                        struct run_estimate *o)
{
    struct scn *s = load(text, sets, nset);
    run_estimate(s, o);
    scn_free(s);
}

/* The check's verdict and message against `lim`. */
static int check(const char *text, const char *const *sets, size_t nset,
                 const struct run_limits *lim, struct err *e)
{
    struct scn *s = load(text, sets, nset);
    struct run_estimate o;
    run_estimate(s, &o);
    err_init(e);
    int rc = run_estimate_check(s, &o, lim, e);
    scn_free(s);
    return rc;
}

static void near(double got, double want)
{
    if (fabs(got - want) > 1e-9 * fabs(want) + 1e-6)
        fail_msg("got %.17g, want %.17g", got, want);
}

static void test_counts_by_hand(void **state)
{
    (void)state;
    struct run_estimate o;
    estimate_of(base, NULL, 0, &o);
    assert_int_equal(o.worlds, 1);
    near(o.slots, 7200);                         /* 86400 s / 12 s */
    near(o.transfers, 172800);                   /* 2/s x 86400 s */
    near(o.background, 0);
    /* 24 transfers a slot fit (36M / 21000 = 1714): each waits 64 + 1 slots */
    near(o.inflight, 24.0 * 65);
    near(o.pool, 6144);                          /* the default cap: 172800 flow in */
    /* a slot event, an arrival and a finality event per transfer */
    near(o.events_world, 7200 + 172800 + 172800);
    near(o.events, o.events_world);
    near(o.pending, 24.0 * 65 + 2);
    near(o.mem_user_table, 8.0 * 10000);
    near(o.senders, 10000 * -expm1(-17.28));
    /* profiles and accounts: 3 chunks of 4096 users, each touched by some of the
     * 10000 * (1 - e^-34.56) users a transfer reaches (sender or recipient) */
    near(o.user_chunks, 3 * -expm1(-10000 * -expm1(-34.56) / 3));
    near(o.mem_users, 128.0 * o.senders + (48.0 + 48.0) * 4096 * o.user_chunks);
    /* the database's memory: its row buffers + its page cache, which the database
     * (38 MB) fills to its 32 MiB */
    assert_true(o.db_bytes > 32.0 * 1048576);
    near(o.mem_store, (6.6 + 2.0 + 32) * 1048576);
    near(o.db_rows_blocks, 7200);
    near(o.db_rows_txs, 172800);
    near(o.db_rows_l1_txs, 172800);              /* scheme l1: an L1 transaction a transfer */
    assert_true(o.db_bytes > 94.0 * 7200 + (90.0 + 128.0) * 172800);
    assert_true(o.db_bytes < 94.0 * 7200 + (90.0 + 128.0) * 172800 + 8192 + 2 * sizeof base);
    near(o.horizon_us, 86400e6 + 12e6 * 65 + 50 * 600e6);   /* patience 10m */
    near(o.mem_peak, o.mem_base + o.mem_user_table + o.mem_users + o.mem_tables +
                     o.mem_inflight + o.mem_pool + o.mem_metrics + o.mem_store);
}

/* Twice the duration: twice the slots, transfers, rows, events, metrics memory and
 * wall time; the number of users does not move them. Ten times the users: ten times
 * the user table, nothing that depends on transfers. */
static void test_linear(void **state)
{
    (void)state;
    struct run_estimate a, b, c;
    const char *d1[] = { "duration=10d" }, *d2[] = { "duration=20d" };
    estimate_of(base, d1, 1, &a);
    estimate_of(base, d2, 1, &b);
    near(b.slots, 2 * a.slots);
    near(b.transfers, 2 * a.transfers);
    near(b.db_rows_txs, 2 * a.db_rows_txs);
    near(b.db_rows_blocks, 2 * a.db_rows_blocks);
    near(b.events, 2 * a.events);
    near(b.mem_metrics, 2 * a.mem_metrics);
    near(b.wall_s, 2 * a.wall_s);
    near(b.mem_user_table, a.mem_user_table);
    near(b.inflight, a.inflight);                /* a steady state, not a total */

    const char *u1[] = { "workload.users=100000" }, *u2[] = { "workload.users=1000000" };
    estimate_of(base, u1, 1, &a);
    estimate_of(base, u2, 1, &c);
    near(c.mem_user_table, 10 * a.mem_user_table);
    near(c.transfers, a.transfers);
    near(c.db_bytes, a.db_bytes);
    /* few transfers over many users: nearly every transfer has a new sender */
    assert_true(c.senders > 0.9 * c.transfers && c.senders <= c.transfers);

    /* the transfer rate drives transfers, rows and events in proportion */
    const char *r1[] = { "workload.transfers.rate=1/s" }, *r2[] = { "workload.transfers.rate=3/s" };
    estimate_of(base, r1, 1, &a);
    estimate_of(base, r2, 1, &b);
    near(b.transfers, 3 * a.transfers);
    near(b.db_rows_txs, 3 * a.db_rows_txs);
    near(b.events_world - b.slots, 3 * (a.events_world - a.slots));
}

/* One world per scheme runs every transfer again; a shared L1 one world with all. */
static void test_worlds(void **state)
{
    (void)state;
    static const char two[] =
        "name: est\nduration: 1d\nl1: {fork: prague, demand: {rate: 0/block}}\n"
        "workload: {users: 10000, transfers: {rate: 2/s}}\n"
        "schemes: [{type: l1}, {type: l1, name: other}]\n";
    struct run_estimate one, sep, shared;
    estimate_of(base, NULL, 0, &one);
    estimate_of(two, NULL, 0, &sep);
    const char *sh[] = { "shared_l1=true" };
    estimate_of(two, sh, 1, &shared);
    assert_int_equal(sep.worlds, 2);
    assert_int_equal(shared.worlds, 1);
    near(sep.events, 2 * one.events);
    near(sep.events_world, one.events_world);
    near(sep.db_rows_txs, 2 * one.db_rows_txs);
    near(sep.db_rows_blocks, 2 * one.db_rows_blocks);
    near(shared.db_rows_txs, 2 * one.db_rows_txs);
    near(shared.db_rows_blocks, one.db_rows_blocks);
    /* one shared world: one slot and arrival stream, a finality event per scheme */
    near(shared.events_world, 7200 + 172800 + 2 * 172800);
    near(shared.inflight, 2 * one.inflight);
}

/* Spikes add (multiplier - 1) x their overlap; regimes weigh by mean duration. */
static void test_patterns(void **state)
{
    (void)state;
    struct run_estimate o;
    static const char spike[] =
        "name: est\nduration: 1d\nl1: {fork: prague, demand: {rate: 0/block}}\n"
        "workload: {users: 10000, transfers: {rate: 2/s, spikes: "
        "[{at: 6h, for: 1h, multiplier: 3}, {at: 23h, for: 5h, multiplier: 0.5}]}}\n"
        "schemes: [{type: l1}]\n";
    estimate_of(spike, NULL, 0, &o);
    /* +2 for an hour, -0.5 for the one hour of the late spike inside the run */
    near(o.transfers, 172800 * (1 + 2.0 / 24 - 0.5 / 24));
    static const char regimes[] =
        "name: est\nduration: 1d\nl1: {fork: prague, demand: {rate: 0/block}}\n"
        "workload: {users: 10000, transfers: {rate: 2/s, pattern: regimes, regimes: "
        "[{multiplier: 1, mean_duration: 2h}, {multiplier: 4, mean_duration: 20m}]}}\n"
        "schemes: [{type: l1}]\n";
    estimate_of(regimes, NULL, 0, &o);
    near(o.transfers, 172800 * (1.0 * 120 + 4.0 * 20) / 140);
    /* background demand per block: 300 a slot */
    const char *bg[] = { "l1.demand.rate=300/block" };
    estimate_of(base, bg, 1, &o);
    near(o.background, 300.0 * 7200);
}

static void test_rejects_absurd_users(void **state)
{
    (void)state;
    struct err e;
    const char *u[] = { "workload.users=1000000000000" };
    assert_int_equal(check(base, u, 1, &machine, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "--set workload.users=1000000000000: 1000000000000 needs about"));
    /* 8 B x 10^12 for the table (7.28 TiB) + the ~345,600 users a transfer reaches,
     * each in a chunk of 4096 profiles and accounts of its own (0.12 TiB) */
    assert_non_null(strstr(e.msg, "7.4 TiB"));
    assert_non_null(strstr(e.msg, "user table"));
    assert_non_null(strstr(e.msg, "at most 4294967295 users"));
    assert_non_null(strstr(e.msg, "24 GiB of physical memory"));
    /* 2^32 users would need 32 GiB of table alone, whatever the machine */
    const char *w[] = { "workload.users=4294967296" };
    struct run_limits huge = machine;
    huge.phys_memory = 1e15;
    assert_int_equal(check(base, w, 1, &huge, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "user ids are 32-bit"));
}

static void test_rejects_1000_years(void **state)
{
    (void)state;
    struct err e;
    static const char text[] =
        "name: est\nduration: 365000d\nl1: {fork: prague, demand: {rate: 0/block}}\n"
        "workload: {users: 10000, transfers: {rate: 2/s}}\nschemes: [{type: l1}]\n";
    assert_int_equal(check(text, NULL, 0, &machine, &e), L2_EINPUT);
    /* at the key, in the file */
    assert_non_null(strstr(e.msg, "est.yaml:2:11: duration: 365000d needs about"));
    assert_non_null(strstr(e.msg, "6.31e10 transfers"));  /* 2/s x 3.15e10 s */
    assert_non_null(strstr(e.msg, "TiB of memory"));
    assert_non_null(strstr(e.msg, "TiB of database"));
    assert_int_equal(e.count, 2);
}

/* The representable bound itself: times beyond int64 microseconds, and more events
 * than the scheduler numbers. */
static void test_rejects_beyond_the_scheduler(void **state)
{
    (void)state;
    struct err e;
    const char *d[] = { "duration=106751991d", "workload.transfers.rate=0/s",
                        "l1.slot=1h", "l1.finality_depth=100000" };
    struct run_limits roomy = { 1e30, 0, 0, NULL };
    assert_int_equal(check(base, d, 4, &roomy, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "--set duration=106751991d: 106751991d needs times up to about"));
    assert_non_null(strstr(e.msg, "int64 microseconds"));
    assert_int_equal(e.count, 1);

    const char *r[] = { "workload.transfers.rate=100000/s", "duration=100d" };
    assert_int_equal(check(base, r, 2, &roomy, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "--set workload.transfers.rate=100000/s: 100000/s needs about "
                                  "8.65e11 events in one world"));
    assert_non_null(strstr(e.msg, "274877906943"));

    const char *p[] = { "l1.gas_limit=1000000000", "l1.slot=1h", "l1.finality_depth=100000",
                        "workload.transfers.rate=100/s", "duration=40d" };
    assert_int_equal(check(base, p, 5, &roomy, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "--set l1.finality_depth=100000: 100000 needs about"));
    assert_non_null(strstr(e.msg, "67108863"));
}

/* The database against the disk; --max-memory against what is built up front. */
static void test_disk_and_max_memory(void **state)
{
    (void)state;
    struct err e;
    struct run_limits small = machine;
    small.disk_free = 1048576;
    assert_int_equal(check(base, NULL, 0, &small, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "of database (7200 l1_blocks rows x 94 B + 172800 txs rows"));
    assert_non_null(strstr(e.msg, "the filesystem of . has 1 MiB free"));

    struct run_limits capped = machine;
    capped.max_memory = 64.0 * 1048576;
    const char *z[] = { "workload.recipients=zipf", "workload.users=100000000" };
    assert_int_equal(check(base, z, 2, &capped, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "--set workload.users=100000000: 100000000 needs about 763 MiB "
                                  "of memory before the first event"));
    /* what only grows as the run goes is left to the run-time gauge */
    capped.max_memory = 1048576;
    assert_int_equal(check(base, NULL, 0, &capped, &e), 0);
}

/* Never in the way of what fits: the shipped kind of scenario, ten million users,
 * ten years at a modest rate. */
static void test_accepts_what_fits(void **state)
{
    (void)state;
    struct err e;
    assert_int_equal(check(base, NULL, 0, &machine, &e), 0);
    const char *big[] = { "workload.users=10000000", "duration=3650d",
                          "workload.transfers.rate=0.05/s", "l1.demand.rate=300/block" };
    assert_int_equal(check(base, big, 4, &machine, &e), 0);
    const char *graph[] = { "workload.users=10000000", "workload.recipients=graph" };
    assert_int_equal(check(base, graph, 2, &machine, &e), 0);
    struct run_estimate o;
    estimate_of(base, big, 4, &o);
    assert_true(o.mem_peak < 8.0 * 1073741824);
}

/* run_check asks first: 10^12 users are refused without allocating 8 TB. */
static void test_run_check_gates(void **state)
{
    (void)state;
    run_estimate_set_limits(0, NULL);
    const char *u[] = { "workload.users=1000000000000" };
    struct scn *s = load(base, u, 1);
    struct err e;
    err_init(&e);
    assert_int_equal(run_check(s, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "needs about 7.4 TiB"));
    scn_free(s);
}

static void test_bytes_format(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(run_estimate_bytes(512, b, sizeof b), "512 B");
    assert_string_equal(run_estimate_bytes(1536, b, sizeof b), "1.5 KiB");
    assert_string_equal(run_estimate_bytes(8e12, b, sizeof b), "7.28 TiB");
    assert_string_equal(run_estimate_bytes(3.0 * 1125899906842624.0, b, sizeof b), "3 PiB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_hand),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_worlds),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_rejects_absurd_users),
        cmocka_unit_test(test_rejects_1000_years),
        cmocka_unit_test(test_rejects_beyond_the_scheduler),
        cmocka_unit_test(test_disk_and_max_memory),
        cmocka_unit_test(test_accepts_what_fits),
        cmocka_unit_test(test_run_check_gates),
        cmocka_unit_test(test_bytes_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

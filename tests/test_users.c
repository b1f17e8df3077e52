/* test_users.c — users with L1 funds and a willingness to pay (issue 10 §3): balances
 * never go negative and refusals are recorded; a transfer priced above its sender's
 * willingness waits and is dropped as too expensive, which keeps the EIP-1559 base
 * fee bounded where users who bid any price let it run away; deposits, withdrawals
 * and the payment graph are the same in every world; per-scheme streams. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/l1/l1.h"
#include "models/run/run.h"
#include "models/workload/users.h"
#include "models/world.h"
#include "sim/rng.h"

static struct scn *load(const char *text)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "u.yaml", text, strlen(text), NULL, 0, &s, &e) != 0 ||
        run_check(s, &e) != 0)
        fail_msg("%s", e.msg);
    return s;
}

struct db {
    char path[40];
    struct store *st;
    int64_t run_id;
};

static void db_open(struct db *d, const struct scn *s)
{
    struct err e;
    err_init(&e);
    strcpy(d->path, "/tmp/l2sim-users-XXXXXX");
    int fd = mkstemp(d->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(d->path, &d->st, &e), 0);
    uint64_t seed = scn_uint(s, "seed");
    assert_int_equal(run_begin(d->st, s, seed, seed, 0, &d->run_id, &e), 0);
}

static void db_close(struct db *d)
{
    store_close(d->st);
    store_remove(d->path);
}

/* Run s whole into d; the run's status. */
static enum run_status run_into(struct db *d, const struct scn *s, char *detail, size_t n)
{
    struct err e;
    err_init(&e);
    struct run_opts o = { .seed = scn_uint(s, "seed") };
    struct run_result res;
    assert_int_equal(run_execute(s, d->st, d->run_id, &o, &res, &e), 0);
    if (detail)
        snprintf(detail, n, "%s", res.detail);
    return res.status;
}

static double q1(struct db *d, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(d->st), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    double v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* ---- balances never negative, refusals recorded --------------------------------- */

/* Poor users (median 0.02 ETH, wide spread) sending lognormal values around 0.01 ETH:
 * many cannot cover gas x max fee + value. The world is built through world.h so the
 * test can read each user's opening balance; the balances are then recomputed from
 * the txs rows alone, block by block: opening balance + values received - (value +
 * fee) of each included transfer, never below zero after any block. A failed
 * transfer was never sent: no inclusion, no fee. */
static void test_balances_never_negative(void **state)
{
    struct scn *s = load("name: u\nseed: 11\nduration: 2h\n"
                         "l1: {fork: prague, base_fee: {initial: 10gwei}}\n"
                         "workload: {users: 200, transfers: {rate: 1/s, value: {median: 0.01eth,"
                         " sigma: 1}}, balance: {median: 0.02eth, sigma: 1.5}}\n"
                         "schemes: [{type: l1}]\n");
    struct db d;
    db_open(&d, s);
    struct err e;
    err_init(&e);
    size_t only = 0;
    struct world_spec spec = { .scn = s, .store = d.st, .run_id = d.run_id,
                               .seed = scn_uint(s, "seed"), .name = "l1",
                               .schemes = &only, .nschemes = 1 };
    struct world *w;
    assert_int_equal(world_new(&spec, &w, &e), 0);
    sim_run(w->sim, w->duration, 0);
    assert_int_equal(world_finish(w), 0);
    uint32_t n = users_count(w->users);
    u128 *bal = calloc(n, sizeof *bal);
    u128 *ledger = calloc(n, sizeof *ledger);
    for (uint32_t u = 0; u < n; u++) {
        bal[u] = users_initial_balance(w->users, u);
        ledger[u] = user_available(w->schemes[0], u);
    }
    world_free(w);

    double failed = q1(&d, "SELECT COUNT(*) FROM txs WHERE status = 'failed'");
    double sent = q1(&d, "SELECT COUNT(*) FROM txs WHERE include_us IS NOT NULL");
    if (!(failed > 100 && sent > 1000))
        fail_msg("too little exercised: %.0f refused, %.0f included", failed, sent);
    assert_int_equal((int)q1(&d, "SELECT COUNT(*) FROM txs WHERE status = 'failed' AND"
                                 " (include_us IS NOT NULL OR fee_wei IS NOT NULL OR"
                                 " reason NOT LIKE 'insufficient funds: %')"), 0);

    /* debits and credits of included transfers, in block order */
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(d.st),
        "SELECT include_us, user_id, to_user_id, value_wei, fee_wei FROM txs"
        " WHERE include_us IS NOT NULL ORDER BY include_us, tx_id", -1, &q, NULL), SQLITE_OK);
    int64_t block = -1;
    uint32_t *touched = calloc(n, sizeof *touched);
    size_t ntouched = 0;
    u128 *debit = calloc(n, sizeof *debit);
    for (int rc = sqlite3_step(q);; rc = sqlite3_step(q)) {
        int64_t t = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -2;
        if (t != block) {
            /* the block is over: every sender covered what it spent */
            for (size_t i = 0; i < ntouched; i++) {
                uint32_t u = touched[i];
                if (debit[u] > bal[u])
                    fail_msg("user %u spent more than it held in the block at %lld us", u,
                             (long long)block);
                bal[u] -= debit[u];
                debit[u] = 0;
            }
            ntouched = 0;
            block = t;
        }
        if (rc != SQLITE_ROW)
            break;
        uint32_t from = (uint32_t)sqlite3_column_int64(q, 1);
        uint32_t to = (uint32_t)sqlite3_column_int64(q, 2);
        u128 value = 0, fee = 0;
        for (const char *c = (const char *)sqlite3_column_text(q, 3); *c; c++)
            value = value * 10 + (u128)(*c - '0');
        const char *f = (const char *)sqlite3_column_text(q, 4);
        for (; f && *f; f++)
            fee = fee * 10 + (u128)(*f - '0');
        if (debit[from] == 0)
            touched[ntouched++] = from;
        debit[from] += value + fee;
        bal[to] += value;      /* received: spendable from the next block on */
    }
    sqlite3_finalize(q);
    /* and the ledger agrees with the rows for users with nothing in flight */
    uint32_t agree = 0;
    for (uint32_t u = 0; u < n; u++)
        if (ledger[u] == bal[u])
            agree++;
        else
            assert_true(ledger[u] < bal[u]);   /* the difference is reserved for pending */
    assert_true(agree > n / 2);
    free(touched), free(debit), free(bal), free(ledger);
    db_close(&d);
    scn_free(s);
}

/* ---- willingness to pay bounds the base fee --------------------------------------- */

/* The default scenario's market at a tenth of its size (gas limit 3.6M, 30 background
 * transactions per block) with ten times its transfers per unit of gas: 20 transfers
 * a second of 21000 gas is 5.04M gas per 12 s slot, 2.8x the 1.8M target (EIP-1559:
 * target = limit / elasticity 2). Demand above the target raises the base fee by up
 * to 1/8 per block (EIP-1559 BASE_FEE_MAX_CHANGE_DENOMINATOR 8). */
#define MARKET "name: u\nseed: 42\nduration: %s\n" \
    "l1: {fork: prague, gas_limit: 3600000, base_fee: {initial: 5gwei}," \
    " demand: {rate: 30/block}}\n" \
    "workload: {users: 2000, transfers: {rate: 20/s}%s}\nschemes: [{type: l1}]\n"

/* Users who bid any price (willingness and balances beyond reach): the base fee
 * climbs block after block and passes 10,000 gwei within the first hour, the state
 * in which the default scenario at 200 transfers/s used to die (a 9.6 ETH fee after
 * 33 minutes). With each user's willingness (median 0.0005 ETH per transfer, about
 * 24 gwei per gas for 21000 gas), transfers priced above it wait and are dropped as
 * too expensive, and the base fee stays within the top of the willingness range
 * over twice that time; the run completes. */
static void test_willingness_bounds_base_fee(void **state)
{
    char text[1024], detail[640];
    snprintf(text, sizeof text, MARKET, "1h", ", willingness: {median: 1000eth, sigma: 0},"
             " balance: {median: 1000000000eth, sigma: 0}");
    struct scn *s = load(text);
    struct db d;
    db_open(&d, s);
    run_into(&d, s, detail, sizeof detail);      /* completes, or fails on a fee */
    double runaway = q1(&d, "SELECT MAX(base_fee_per_gas) / 1e9 FROM l1_blocks");
    if (!(runaway > 10000))
        fail_msg("bidding any price: max base fee %.0f gwei, expected a runaway", runaway);
    db_close(&d);
    scn_free(s);

    snprintf(text, sizeof text, MARKET, "2h", "");
    s = load(text);
    db_open(&d, s);
    enum run_status st = run_into(&d, s, detail, sizeof detail);
    if (st != RUN_COMPLETE)
        fail_msg("with willingness to pay the run did not complete: %s", detail);
    double bounded = q1(&d, "SELECT MAX(base_fee_per_gas) / 1e9 FROM l1_blocks");
    double last = q1(&d, "SELECT MAX(base_fee_per_gas) / 1e9 FROM l1_blocks"
                         " WHERE time_us >= 3600000000");
    double too_expensive = q1(&d, "SELECT COUNT(*) FROM txs WHERE status = 'dropped'"
                                  " AND reason LIKE 'too expensive: %'");
    double final = q1(&d, "SELECT COUNT(*) FROM txs WHERE status = 'final'");
    if (!(bounded < 1000 && last < 1000 && too_expensive > 1000 && final > 10000))
        fail_msg("max base fee %.1f gwei (second hour %.1f), %.0f too expensive, %.0f final",
                 bounded, last, too_expensive, final);
    /* nobody paid more than their willingness: 21000 gas x base fee never above it */
    assert_true(q1(&d, "SELECT MAX(fee_eth) FROM txs") < 1000 * 21000 * 1e-9);
    db_close(&d);
    scn_free(s);
}

/* ---- intents and the payment graph ------------------------------------------------ */

struct seen_intents {
    uint64_t deposits, withdrawals;
    u128     deposited, withdrawn;
    uint64_t hash;         /* of every intent in order: user, amount, time */
};

static struct seen_intents seen[2];

static void mix(uint64_t *h, uint64_t v) { *h = (*h ^ v) * 0x100000001b3ull; }

static void on_dep(struct scheme *sc, const struct deposit *dp)
{
    struct seen_intents *v = &seen[sc->index];
    v->deposits++;
    v->deposited += dp->amount;
    mix(&v->hash, dp->user), mix(&v->hash, (uint64_t)dp->amount), mix(&v->hash, (uint64_t)dp->at);
    assert_int_equal(dp->at, sim_now(sc->world->sim));
    /* a deposit is a share of the user's opening balance (deposits.share: 50%) */
    assert_true(dp->amount <= users_initial_balance(sc->world->users, dp->user) / 2 + 1);
}

static void on_wd(struct scheme *sc, const struct withdrawal *wd)
{
    struct seen_intents *v = &seen[sc->index];
    v->withdrawals++;
    v->withdrawn += wd->amount;
    mix(&v->hash, wd->user), mix(&v->hash, (uint64_t)wd->amount), mix(&v->hash, (uint64_t)wd->at);
    assert_int_equal(wd->at, sim_now(sc->world->sim));
}

/* Two worlds, one scheme each, with the intents hooked (a copy of the l1 scheme's ops
 * with on_deposit/on_withdrawal of this test): both see the same deposits and
 * withdrawals, in the same order, at the same times. A share of 10% of the joining
 * users withdraw (200 users, about 190 join: 19 expected, 4 sd about 8). */
static void test_intents_identical_in_every_world(void **state)
{
    struct scn *s = load("name: u\nseed: 3\nduration: 6h\n"
                         "workload: {users: 200, transfers: {rate: 0.05/s},"
                         " withdrawals: {share: 10%, after: 1h}}\n"
                         "schemes: [{type: l1, name: a}, {type: l1, name: b}]\n");
    struct db d;
    db_open(&d, s);
    struct err e;
    err_init(&e);
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < 2; k++) {
        size_t idx = k;
        struct world_spec spec = { .scn = s, .store = d.st, .run_id = d.run_id,
                                   .seed = scn_uint(s, "seed"), .name = k ? "b" : "a",
                                   .schemes = &idx, .nschemes = 1 };
        struct world *w;
        assert_int_equal(world_new(&spec, &w, &e), 0);
        struct scheme_ops ops = *w->schemes[0]->ops;
        ops.on_deposit = on_dep;
        ops.on_withdrawal = on_wd;
        w->schemes[0]->ops = &ops;
        sim_run(w->sim, w->duration, 0);
        assert_int_equal(world_finish(w), 0);
        world_free(w);
    }
    assert_true(seen[0].deposits > 150);
    assert_int_equal(seen[0].deposits, seen[1].deposits);
    assert_int_equal(seen[0].withdrawals, seen[1].withdrawals);
    assert_true(seen[0].withdrawals >= 8 && seen[0].withdrawals <= 35);
    assert_true(seen[0].deposited == seen[1].deposited && seen[0].withdrawn == seen[1].withdrawn);
    assert_true(seen[0].withdrawn <= seen[0].deposited);
    assert_int_equal(seen[0].hash, seen[1].hash);
    db_close(&d);
    scn_free(s);
}

/* The payment graph is public: every user has at least `degree` contacts (users join
 * with that many links; Barabasi & Albert 1999), links are symmetric and never to
 * oneself; without recipients: graph there is none. */
static void test_payment_graph_public(void **state)
{
    struct scn *s = load("name: u\nseed: 9\nduration: 1m\n"
                         "workload: {users: 500, recipients: graph, graph: {degree: 3}}\n"
                         "schemes: [{type: l1}]\n");
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(":memory:", &st, &e), 0);
    size_t only = 0;
    struct world_spec spec = { .scn = s, .store = st, .seed = 9, .name = "g",
                               .schemes = &only, .nschemes = 1 };
    struct world *w;
    assert_int_equal(world_new(&spec, &w, &e), 0);
    size_t links = 0;
    for (uint32_t u = 0; u < 500; u++) {
        size_t n;
        const uint32_t *c = users_contacts(w->users, u, &n);
        assert_true(n >= 3);
        links += n;
        for (size_t i = 0; i < n; i++) {
            assert_true(c[i] != u && c[i] < 500);
            size_t m;
            const uint32_t *back = users_contacts(w->users, c[i], &m);
            size_t j = 0;
            while (j < m && back[j] != u)
                j++;
            assert_true(j < m);                 /* u is among its contact's contacts */
        }
    }
    /* a clique of 4, then 496 users with 3 links each: 6 + 1488 links, counted twice */
    assert_int_equal(links, 2 * (6 + 496 * 3));
    world_free(w);
    scn_free(s);

    s = load("name: u\nseed: 9\nduration: 1m\nworkload: {users: 50}\nschemes: [{type: l1}]\n");
    spec.scn = s;
    assert_int_equal(world_new(&spec, &w, &e), 0);
    size_t n = 7;
    assert_null(users_contacts(w->users, 3, &n));
    assert_int_equal(n, 0);
    world_free(w);
    scn_free(s);
    store_close(st);
}

/* ---- per-scheme streams ----------------------------------------------------------- */

static uint64_t draws(const struct scheme *sc, uint64_t entity, uint32_t purpose)
{
    gsl_rng *r = scheme_stream(sc, entity, purpose);
    uint64_t h = 0;
    for (int i = 0; i < 16; i++)
        mix(&h, gsl_rng_get(r));
    gsl_rng_free(r);
    return h;
}

/* A scheme's stream is keyed by (seed, scheme name, entity, purpose): a user's draws
 * in scheme "zk" are the same whether or not 1000 validators were created and drawn
 * from before (in "zk" or in another scheme), whatever the scheme's position in the
 * scenario; another scheme, entity kind, entity, purpose or seed draws differently,
 * and no scheme stream is an unnamed one (rng_stream). */
static void test_scheme_streams_independent(void **state)
{
    struct world w = { .seed = 77 };
    struct scheme zk = { .world = &w, .index = 0, .name = "zk" };
    struct scheme op = { .world = &w, .index = 1, .name = "op" };
    uint64_t user5 = SCHEME_ENTITY(1, 5);
    uint64_t before = draws(&zk, user5, 1);
    for (uint32_t v = 0; v < 1000; v++) {     /* validators appear in both schemes */
        draws(&zk, SCHEME_ENTITY(2, v), 1);
        draws(&op, SCHEME_ENTITY(2, v), 1);
    }
    assert_int_equal(draws(&zk, user5, 1), before);
    struct scheme zk_moved = { .world = &w, .index = 7, .name = "zk" };
    assert_int_equal(draws(&zk_moved, user5, 1), before);
    assert_true(draws(&op, user5, 1) != before);
    assert_true(draws(&zk, SCHEME_ENTITY(2, 5), 1) != before);
    assert_true(draws(&zk, SCHEME_ENTITY(1, 6), 1) != before);
    assert_true(draws(&zk, user5, 2) != before);
    struct world w2 = { .seed = 78 };
    struct scheme zk2 = { .world = &w2, .index = 0, .name = "zk" };
    assert_true(draws(&zk2, user5, 1) != before);
    gsl_rng *r = rng_stream(77, RNG_SCHEME, user5, 1);
    uint64_t h = 0;
    for (int i = 0; i < 16; i++)
        mix(&h, gsl_rng_get(r));
    gsl_rng_free(r);
    assert_true(h != before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_balances_never_negative),
        cmocka_unit_test(test_willingness_bounds_base_fee),
        cmocka_unit_test(test_intents_identical_in_every_world),
        cmocka_unit_test(test_payment_graph_public),
        cmocka_unit_test(test_scheme_streams_independent),
    };
    return cmocka_run_group_tests_name("users", tests, NULL, NULL);
}

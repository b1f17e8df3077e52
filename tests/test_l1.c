/* test_l1.c — the modeled Layer 1 over whole runs (scenario -> library -> database):
 * where every wei goes (EIP-1559 burn and tip, EIP-4844 blob burn), the base fee's
 * step rule (EIP-1559, and OP Stack Canyon's parameters), missed slots, what users pay
 * under their fee policy, finality depth (Gasper), the L1 adversaries (block stuffing
 * within a budget, censorship), and identical L1s across worlds (common random numbers).
 * Each assertion states the protocol identity it checks. */
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
#include "models/world.h"
#include "models/workload/workload.h"

#define GWEI          UINT64_C(1000000000)
#define SLOT_US       INT64_C(12000000)          /* Ethereum: 12 s slots */
#define TX_GAS        UINT64_C(21000)            /* Yellow Paper G_transaction */
#define GAS_PER_BLOB  (UINT64_C(1) << 17)        /* EIP-4844 */

/* Users who bid by the wallet policy alone (schemes[l1].tip, max_fee_multiplier):
 * willingness and balances beyond reach, patience without end. These tests are about
 * the L1's fee rules; what users can afford is test_users.c's. */
#define WALLET_ONLY ", willingness: {median: 1000eth, sigma: 0}," \
    " balance: {median: 1000000000eth, sigma: 0}, patience: 0s"

/* ---- running a scenario into a fresh database ------------------------------------- */

struct db {
    struct store *st;
    sqlite3      *db;
    int64_t       run_id;
    char          path[64];
};

/* Databases still open when a test fails (cmocka leaves the test by longjmp, and the
 * struct db on its stack with it): copies kept here let the teardown close and remove
 * them, so a failure leaks neither memory nor files. */
static struct db open_dbs[8];

static void db_track(const struct db *d, bool on)
{
    for (size_t i = 0; i < 8; i++)
        if (on ? open_dbs[i].st == NULL : open_dbs[i].st == d->st) {
            if (on)
                open_dbs[i] = *d;
            else
                memset(&open_dbs[i], 0, sizeof open_dbs[i]);
            return;
        }
    if (on)
        fail_msg("more than 8 databases open");
}

static struct scn *load(const char *yaml)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "test_l1.yaml", yaml, strlen(yaml), NULL, 0, &s, &e) != 0
        || run_check(s, &e) != 0)
        fail_msg("scenario rejected: %s", e.msg);
    return s;
}

static void db_open(struct db *d, const struct scn *s)
{
    struct err e;
    err_init(&e);
    snprintf(d->path, sizeof d->path, "/tmp/l2sim-test-l1-XXXXXX");
    int fd = mkstemp(d->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(d->path, &d->st, &e), 0);
    db_track(d, true);
    uint64_t seed = scn_uint(s, "seed");
    assert_int_equal(run_begin(d->st, s, seed, seed, 0, &d->run_id, &e), 0);
    d->db = store_db(d->st);
}

/* Run `yaml` through run_execute, as `l2sim run` does. */
static void run_yaml(struct db *d, const char *yaml)
{
    struct scn *s = load(yaml);
    db_open(d, s);
    struct err e;
    err_init(&e);
    struct run_opts o = { .seed = scn_uint(s, "seed") };
    struct run_result res;
    if (run_execute(s, d->st, d->run_id, &o, &res, &e) != 0)
        fail_msg("run failed: %s", e.msg);
    if (res.status != RUN_COMPLETE)
        fail_msg("run ended with status %d: %s", (int)res.status, res.detail);
    assert_int_equal(store_end_run(d->st, d->run_id, "complete", NULL, res.events, res.sim_end,
                                   0.0, &e), 0);
    scn_free(s);
}

static void db_close(struct db *d)
{
    db_track(d, false);
    store_close(d->st);
    store_remove(d->path);
}

static sqlite3_stmt *q(struct db *d, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL (%s): %s", sqlite3_errmsg(d->db), sql);
    return st;
}

static int64_t q_int(struct db *d, const char *sql)
{
    sqlite3_stmt *st = q(d, sql);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *q_text(struct db *d, const char *sql)
{
    sqlite3_stmt *st = q(d, sql);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(st, 0);
    char *v = strdup(t ? t : "");
    sqlite3_finalize(st);
    return v;
}

/* Decimal text (the database's 128-bit amounts) to u128; fails on anything else. */
static u128 dec(const char *s)
{
    if (!s || !*s)
        fail_msg("empty amount");
    u128 v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            fail_msg("not a decimal amount: '%s'", s);
        u128 nv = v * 10 + (u128)(*p - '0');
        if (nv / 10 != v)
            fail_msg("amount overflows 128 bits: '%s'", s);
        v = nv;
    }
    return v;
}

static u128 col_dec(sqlite3_stmt *st, int c) { return dec((const char *)sqlite3_column_text(st, c)); }

static void expect_u128(u128 have, u128 want, const char *what)
{
    if (have != want) {
        char h[41], w[41];
        fail_msg("%s: have %s, want %s", what, u128_str(have, h), u128_str(want, w));
    }
}

/* ---- the L1 chain read back from l1_blocks ---------------------------------------- */

struct blk {
    int64_t  height, time;
    uint64_t gas_limit, gas_used, base_fee, blob_gas_used, excess_blob_gas, tx_count;
    u128     blob_base_fee, burned, tips;
    bool     missed;
};

/* The blocks of `world`, by height. Caller frees. */
static struct blk *blocks(struct db *d, const char *world, size_t *n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT height, time_us, gas_limit, gas_used, base_fee_per_gas, blob_gas_used,"
             " excess_blob_gas, tx_count, blob_base_fee, burned_wei, tips_wei, missed"
             " FROM l1_blocks WHERE run_id = %lld AND world = '%s' ORDER BY height",
             (long long)d->run_id, world);
    sqlite3_stmt *st = q(d, sql);
    size_t cap = 64;
    struct blk *b = malloc(cap * sizeof *b);
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap)
            b = realloc(b, (cap *= 2) * sizeof *b);
        struct blk *x = &b[(*n)++];
        x->height = sqlite3_column_int64(st, 0);
        x->time = sqlite3_column_int64(st, 1);
        x->gas_limit = (uint64_t)sqlite3_column_int64(st, 2);
        x->gas_used = (uint64_t)sqlite3_column_int64(st, 3);
        x->base_fee = (uint64_t)sqlite3_column_int64(st, 4);
        x->blob_gas_used = (uint64_t)sqlite3_column_int64(st, 5);
        x->excess_blob_gas = (uint64_t)sqlite3_column_int64(st, 6);
        x->tx_count = (uint64_t)sqlite3_column_int64(st, 7);
        x->blob_base_fee = col_dec(st, 8);
        x->burned = col_dec(st, 9);
        x->tips = col_dec(st, 10);
        x->missed = sqlite3_column_int(st, 11) != 0;
    }
    sqlite3_finalize(st);
    if (*n == 0)
        fail_msg("no blocks in world '%s'", world);
    return b;
}

/* EIP-1559, written from the specification (not from fee_market.c):
 *   target = gas_limit // ELASTICITY_MULTIPLIER
 *   used == target: unchanged
 *   used >  target: base + max(base * (used - target) // target // DENOMINATOR, 1)
 *   used <  target: base - base * (target - used) // target // DENOMINATOR */
static uint64_t eip1559_next(uint64_t limit, uint64_t used, uint64_t base, uint64_t elasticity,
                             uint64_t denominator)
{
    uint64_t target = limit / elasticity;
    if (used == target)
        return base;
    if (used > target) {
        u128 delta = (u128)base * (used - target) / target / denominator;
        return base + (uint64_t)(delta > 1 ? delta : 1);
    }
    return base - (uint64_t)((u128)base * (target - used) / target / denominator);
}

/* Every consecutive pair of blocks follows the EIP-1559 rule; a missed slot (no block)
 * leaves the next block's parent, and so its base fee, unchanged. Returns how many
 * blocks raised the base fee. */
static size_t check_base_fee_rule(const struct blk *b, size_t n, uint64_t elasticity,
                                  uint64_t denominator)
{
    size_t rises = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        uint64_t want = b[i].missed ? b[i].base_fee
                      : eip1559_next(b[i].gas_limit, b[i].gas_used, b[i].base_fee, elasticity,
                                     denominator);
        if (b[i + 1].base_fee != want)
            fail_msg("height %lld: base fee %llu after parent (limit %llu, used %llu, base %llu,"
                     " missed %d); EIP-1559 gives %llu", (long long)b[i + 1].height,
                     (unsigned long long)b[i + 1].base_fee, (unsigned long long)b[i].gas_limit,
                     (unsigned long long)b[i].gas_used, (unsigned long long)b[i].base_fee,
                     b[i].missed, (unsigned long long)want);
        rises += b[i + 1].base_fee > b[i].base_fee;
    }
    return rises;
}

/* EIP-4844 fake_exponential, from the specification. */
static u128 fake_exponential(u128 factor, u128 numerator, u128 denominator)
{
    u128 i = 1, output = 0, acc = factor * denominator;
    while (acc > 0) {
        output += acc;
        acc = acc * numerator / (denominator * i);
        i++;
    }
    return output / denominator;
}

/* The base scenario: a Prague L1 (pinned so that changing defaults do not move the
 * facts tested: EIP-7691 blob target 6, max 9, update fraction 5007716; no EIP-7918),
 * a few hundred users, an hour. %s: extra l1 keys; %s: schemes; %s: the rest. */
static char *scenario(const char *l1_extra, const char *schemes, const char *rest)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "name: test_l1\n"
             "seed: 5\n"
             "duration: 1h\n"
             "l1: {fork: prague, slot: 12s, finality_depth: 64, base_fee: {initial: 10gwei}%s%s}\n"
             "workload: {users: 300, urgent_share: 0, transfers: {rate: 0.5/s}" WALLET_ONLY "}\n"
             "schemes: %s\n"
             "%s",
             *l1_extra ? ", " : "", l1_extra, schemes, rest);
    return buf;
}

/* Congestion: background demand ten times the usual for 20 minutes, more than the
 * gas limit takes, so the base fee climbs and bidders who follow it closely wait. */
#define CONGESTED "demand: {rate: 300/block, spikes: [{at: 10m, for: 20m, multiplier: 10}]}"

/* ---- where the money goes --------------------------------------------------------- */

/* Per block, from the database alone:
 *  - EIP-1559: the base fee is burned, base_fee_per_gas x gas_used; EIP-4844: blob gas
 *    is paid at the blob base fee and burned, blob_gas_used x blob_base_fee. So
 *    burned_wei = base_fee_per_gas x gas_used + blob_gas_used x blob_base_fee exactly.
 *  - a block's blob gas stays within MAX_BLOB_GAS_PER_BLOCK (Prague: 9 blobs, EIP-7691),
 *    its gas within the gas limit;
 *  - EIP-4844 calc_excess_blob_gas (Prague target 6 blobs): excess(h+1) =
 *    max(excess(h) + blob_gas_used(h) - 6 x 2^17, 0), unchanged over a missed slot;
 *    blob_base_fee = fake_exponential(1, excess, 5007716);
 *  - a missed slot burns and tips nothing. */
static void test_block_burn_identity(void **state)
{
    struct db d;
    run_yaml(&d, scenario(CONGESTED ", blobs: {demand: 7/block}, missed_slot: 5%",
                          "[{type: l1}]", ""));
    size_t n;
    struct blk *b = blocks(&d, "l1", &n);
    assert_int_equal(n, 300);                                  /* 1 h of 12 s slots */
    size_t missed = 0, with_blobs = 0, priced_blobs = 0;
    for (size_t i = 0; i < n; i++) {
        char what[96];
        snprintf(what, sizeof what, "height %lld burned_wei", (long long)b[i].height);
        assert_int_equal(b[i].time, b[i].height * SLOT_US);
        if (b[i].missed) {
            missed++;
            expect_u128(b[i].burned, 0, what);
            expect_u128(b[i].tips, 0, "missed slot tips_wei");
            assert_int_equal(b[i].gas_used, 0);
            assert_int_equal(b[i].blob_gas_used, 0);
            assert_int_equal(b[i].tx_count, 0);
        } else {
            expect_u128(b[i].burned, (u128)b[i].base_fee * b[i].gas_used
                                     + (u128)b[i].blob_gas_used * b[i].blob_base_fee, what);
        }
        assert_true(b[i].gas_used <= b[i].gas_limit);
        assert_true(b[i].blob_gas_used <= 9 * GAS_PER_BLOB);
        assert_int_equal(b[i].blob_gas_used % GAS_PER_BLOB, 0);
        snprintf(what, sizeof what, "height %lld blob_base_fee", (long long)b[i].height);
        expect_u128(b[i].blob_base_fee, fake_exponential(1, b[i].excess_blob_gas, 5007716), what);
        if (i + 1 < n) {
            uint64_t want = b[i].excess_blob_gas + b[i].blob_gas_used;
            want = want > 6 * GAS_PER_BLOB ? want - 6 * GAS_PER_BLOB : 0;
            if (b[i].missed)
                want = b[i].excess_blob_gas;
            if (b[i + 1].excess_blob_gas != want)
                fail_msg("height %lld: excess_blob_gas %llu, EIP-4844 gives %llu",
                         (long long)b[i + 1].height,
                         (unsigned long long)b[i + 1].excess_blob_gas,
                         (unsigned long long)want);
        }
        with_blobs += b[i].blob_gas_used > 0;
        priced_blobs += b[i].blob_base_fee > 1;
    }
    /* the run exercised what it checks */
    assert_true(missed > 3 && with_blobs > 200 && priced_blobs > 10);
    free(b);
    db_close(&d);
}

/* Every included user transfer paid exactly what EIP-1559 charges: gas_used x (base fee
 * of the including block + effective tip), effective tip = min(max_priority_fee,
 * max_fee - base_fee), with max_fee >= base_fee. The scheme bids (scheme_l1.c) max_fee =
 * base fee at submission x multiplier + tip and max_priority_fee = tip; the base fee
 * at submission is that of the next slot's block (l1_blocks records the price in force
 * for each slot, missed or not). A transfer is a plain 21000-gas transaction. */
static size_t check_user_fees(struct db *d, const char *scheme, uint64_t mult_pct, uint64_t tip)
{
    size_t n;
    struct blk *b = blocks(d, scheme, &n);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT tx_id, submit_us, include_us, fee_wei, l1_fee_wei,"
             " l2_fee_wei FROM txs WHERE run_id = %lld AND scheme = '%s'"
             " AND include_us IS NOT NULL", (long long)d->run_id, scheme);
    sqlite3_stmt *st = q(d, sql);
    size_t checked = 0, squeezed = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0), submit = sqlite3_column_int64(st, 1),
                inc = sqlite3_column_int64(st, 2);
        uint64_t fee = (uint64_t)sqlite3_column_int64(st, 3);
        assert_int_equal(sqlite3_column_int64(st, 4), (int64_t)fee);   /* all of it on L1 */
        assert_int_equal(sqlite3_column_int64(st, 5), 0);
        /* the including block: a slot's block, not a missed slot, after submission */
        assert_true(inc > submit);
        assert_int_equal(inc % SLOT_US, 0);
        size_t k = (size_t)(inc / SLOT_US) - 1;
        assert_true(k < n);
        assert_int_equal(b[k].time, inc);
        if (b[k].missed)
            fail_msg("tx %lld included in missed slot %lld", (long long)id,
                     (long long)b[k].height);
        uint64_t base = b[k].base_fee;
        /* the price in force at submission: the next slot's; at a slot's exact instant
         * the transfer may come before or after that slot's block */
        size_t j = (size_t)(submit / SLOT_US);                 /* next slot: j+1, row j */
        bool on_slot = submit % SLOT_US == 0 && submit > 0;
        bool ok = false;
        for (int alt = 0; alt < 1 + on_slot && !ok; alt++) {
            size_t row = on_slot && alt == 0 ? j - 1 : j;
            if (row >= n)
                continue;
            u128 max_fee = (u128)b[row].base_fee * mult_pct / 100 + tip;
            if (max_fee < base)
                continue;          /* could not have been included at this base fee */
            u128 room = max_fee - base;
            u128 eff = tip < room ? tip : room;
            if ((u128)TX_GAS * (base + eff) == fee) {
                ok = true;
                squeezed += eff < tip;
            }
        }
        if (!ok)
            fail_msg("%s tx %lld (submitted %lld us, included %lld us at base fee %llu): fee %llu"
                     " is not 21000 x (base fee + min(tip, max fee - base fee))", scheme,
                     (long long)id, (long long)submit, (long long)inc,
                     (unsigned long long)base, (unsigned long long)fee);
        checked++;
    }
    sqlite3_finalize(st);
    free(b);
    assert_true(checked > 1000);
    return squeezed;
}

static void test_user_fee_identity(void **state)
{
    struct db d;
    run_yaml(&d, scenario(CONGESTED, "[{type: l1, name: wallet}, "
                          "{type: l1, name: tight, max_fee_multiplier: 1, tip: 2gwei}]", ""));
    check_user_fees(&d, "wallet", 200, 1 * GWEI);
    check_user_fees(&d, "tight", 100, 2 * GWEI);
    db_close(&d);
}

/* Money is conserved to the wei, closed over the database: with no background demand
 * and no background blobs, every gas unit in a block is a user's transfer, so in each
 * block the users' fees (fee_wei of the txs included there) sum to what was burned
 * (EIP-1559: base fee x gas) plus what the proposer got (tips); gas_used = 21000 x
 * tx_count. The same over the whole run. */
static void test_money_conserved_users_only(void **state)
{
    struct db d;
    /* 10 transfers fit a block (210000 gas), 12 arrive per slot: congested. The cap
     * keeps the base fee finite: users who always bid twice the base fee, alone on a
     * chain they overfill, would push it up 1/8 per block forever. */
    run_yaml(&d,
             "name: users_only\n"
             "seed: 9\n"
             "duration: 1h\n"
             "l1: {fork: prague, slot: 12s, gas_limit: 210000, missed_slot: 2%,"
             " demand: {rate: 0/block}, blobs: {demand: 0/block}}\n"
             "workload: {users: 300, transfers: {rate: 1/s}" WALLET_ONLY "}\n"
             "schemes: [{type: l1, max_fee_cap: 40gwei}]\n");
    size_t n;
    struct blk *b = blocks(&d, "l1", &n);
    sqlite3_stmt *st = q(&d, "SELECT include_us, count(*), group_concat(fee_wei, ' ')"
                             " FROM txs WHERE include_us IS NOT NULL GROUP BY include_us"
                             " ORDER BY include_us");
    u128 paid = 0, burned = 0, tips = 0;
    size_t k = 0, full = 0, txs = 0;
    for (size_t i = 0; i < n; i++) {
        burned += b[i].burned, tips += b[i].tips;
        full += b[i].gas_used == b[i].gas_limit;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 0);
        uint64_t cnt = (uint64_t)sqlite3_column_int64(st, 1);
        const char *fees = (const char *)sqlite3_column_text(st, 2);
        u128 sum = 0;
        char *copy = strdup(fees), *save = NULL;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
            sum += dec(tok);
        free(copy);
        while (k < n && b[k].time < t)
            k++;
        assert_true(k < n && b[k].time == t && !b[k].missed);
        char what[96];
        snprintf(what, sizeof what, "height %lld: users' fees vs burned + tips",
                 (long long)b[k].height);
        expect_u128(sum, b[k].burned + b[k].tips, what);
        assert_int_equal(b[k].tx_count, cnt);
        assert_int_equal(b[k].gas_used, cnt * TX_GAS);
        paid += sum;
        txs += cnt;
    }
    sqlite3_finalize(st);
    expect_u128(paid, burned + tips, "run: users' fees vs burned + tips");
    uint64_t rows_tx = 0;
    for (size_t i = 0; i < n; i++)
        rows_tx += b[i].tx_count;
    assert_int_equal(rows_tx, txs);           /* no block holds a transaction nobody paid */
    if (!(full > 100 && txs > 1000))          /* congested, and plenty checked */
        fail_msg("too little exercised: %zu full blocks, %zu transfers", full, txs);
    free(b);
    db_close(&d);
}

/* Money is conserved to the wei with background demand too: the L1's own account of
 * what senders paid (l1_totals: sum over included transactions of gas x effective gas
 * price + blob gas x blob base fee, and the background blobs) equals the sum over
 * l1_blocks of burned_wei + tips_wei; burned splits into base fee (EIP-1559) and blob
 * fee (EIP-4844), tips are the priority fees (to the proposer). l1_totals lives inside
 * a world, so this test builds one through the public world.h. */
static void test_money_conserved_against_l1_totals(void **state)
{
    struct scn *s = load(scenario(CONGESTED ", blobs: {demand: 7/block}, missed_slot: 3%",
                                  "[{type: l1}]", ""));
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
    struct l1_totals t;
    l1_totals(w->l1, &t);
    world_free(w);
    assert_int_equal(store_commit(d.st, &e), 0);

    size_t n;
    struct blk *b = blocks(&d, "l1", &n);
    u128 burned = 0, tips = 0;
    uint64_t txs = 0, missed = 0;
    for (size_t i = 0; i < n; i++)
        burned += b[i].burned, tips += b[i].tips, txs += b[i].tx_count, missed += b[i].missed;
    expect_u128(burned + tips, t.paid, "sum(burned_wei + tips_wei) vs what senders paid");
    expect_u128(burned, t.base_fee_burned + t.blob_fee_burned, "burned vs base + blob fees");
    expect_u128(tips, t.priority_fee, "tips vs priority fees");
    expect_u128(t.paid, t.base_fee_burned + t.blob_fee_burned + t.priority_fee,
                "paid vs the three parts");
    assert_int_equal(t.txs, txs);
    assert_int_equal(t.blocks, n);
    assert_int_equal(t.missed, missed);
    assert_true(t.blob_fee_burned > 0 && t.priority_fee > 0 && txs > 50000);
    /* and the users' own share: their fee_wei sum is part of it */
    sqlite3_stmt *st = q(&d, "SELECT fee_wei FROM txs WHERE include_us IS NOT NULL");
    u128 users = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        users += (u128)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    assert_true(users > 0 && users < t.paid);
    free(b);
    db_close(&d);
    scn_free(s);
}

/* ---- the base fee ----------------------------------------------------------------- */

/* EIP-1559 with Ethereum's parameters (ELASTICITY_MULTIPLIER 2,
 * BASE_FEE_MAX_CHANGE_DENOMINATOR 8): every block's base fee follows the rule exactly,
 * so it moves by at most 1/8 per block either way — in every block of a congested run,
 * full blocks included. */
static void test_base_fee_step_ethereum(void **state)
{
    struct db d;
    run_yaml(&d, scenario(CONGESTED, "[{type: l1}]", ""));
    size_t n;
    struct blk *b = blocks(&d, "l1", &n);
    size_t rises = check_base_fee_rule(b, n, 2, 8), at_max = 0, over_target = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        uint64_t x = b[i].base_fee, y = b[i + 1].base_fee;
        uint64_t step = y > x ? y - x : x - y;
        if (step > x / 8)
            fail_msg("height %lld: base fee moved %llu -> %llu, more than 1/8",
                     (long long)b[i + 1].height, (unsigned long long)x, (unsigned long long)y);
        at_max += y > x + x / 10;
        over_target += b[i].gas_used > b[i].gas_limit / 2;
    }
    if (!(rises > 20 && at_max > 5 && over_target > 20))   /* it was congested */
        fail_msg("not congested: %zu rises, %zu by (almost) 1/8, %zu blocks over target",
                 rises, at_max, over_target);
    free(b);
    db_close(&d);
}

/* OP Stack from Canyon: elasticity 6, denominator 250. The rule is EIP-1559's; with
 * elasticity E a full block is E x target, so the base fee rises by at most
 * (E - 1)/denominator = 5/250 = 2% per block and falls by at most 1/250 (empty block). */
static void test_base_fee_step_op_canyon(void **state)
{
    struct db d;
    run_yaml(&d,
             "name: canyon\n"
             "seed: 5\n"
             "duration: 1h\n"
             "l1: {fork: prague, slot: 12s, elasticity: 6,"
             " base_fee: {initial: 10gwei, max_change_denominator: 250}, " CONGESTED "}\n"
             "workload: {users: 300, transfers: {rate: 0.5/s}" WALLET_ONLY "}\n"
             "schemes: [{type: l1}]\n");
    size_t n;
    struct blk *b = blocks(&d, "l1", &n);
    size_t rises = check_base_fee_rule(b, n, 6, 250), falls = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        uint64_t x = b[i].base_fee, y = b[i + 1].base_fee;
        if (y < x && x - y > x / 250)
            fail_msg("height %lld: base fee fell %llu -> %llu, more than 1/250",
                     (long long)b[i + 1].height, (unsigned long long)x, (unsigned long long)y);
        if (y > x && y - x > x * 5 / 250 + 1)
            fail_msg("height %lld: base fee rose %llu -> %llu, more than 5/250",
                     (long long)b[i + 1].height, (unsigned long long)x, (unsigned long long)y);
        falls += y < x;
    }
    if (!(rises > 20 && falls > 20))
        fail_msg("the base fee hardly moved: %zu rises, %zu falls", rises, falls);
    free(b);
    db_close(&d);
}

/* A missed slot has no block: no gas, no transactions, nothing burned or tipped, and
 * the next block's parent is the last real block, so its base fee (and excess blob gas)
 * is the one in force at the missed slot. */
static void test_missed_slot(void **state)
{
    struct db d;
    run_yaml(&d, scenario(CONGESTED ", missed_slot: 50%", "[{type: l1}]", ""));
    size_t n;
    struct blk *b = blocks(&d, "l1", &n);
    size_t missed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!b[i].missed)
            continue;
        missed++;
        assert_int_equal(b[i].gas_used, 0);
        assert_int_equal(b[i].tx_count, 0);
        assert_int_equal(b[i].blob_gas_used, 0);
        expect_u128(b[i].burned, 0, "missed slot burned_wei");
        expect_u128(b[i].tips, 0, "missed slot tips_wei");
        if (i + 1 < n) {
            assert_int_equal(b[i + 1].base_fee, b[i].base_fee);
            assert_int_equal(b[i + 1].excess_blob_gas, b[i].excess_blob_gas);
        }
        if (i > 0 && b[i - 1].missed)
            assert_int_equal(b[i].base_fee, b[i - 1].base_fee);
    }
    check_base_fee_rule(b, n, 2, 8);
    /* 50% of 300 slots: 150 expected, binomial sd 8.7 */
    if (missed < 110 || missed > 190)
        fail_msg("%zu of %zu slots missed at 50%%", missed, n);
    /* nobody was included in a missed slot */
    assert_int_equal(q_int(&d, "SELECT count(*) FROM txs JOIN l1_blocks ON"
                               " l1_blocks.world = txs.scheme AND time_us = include_us"
                               " WHERE missed = 1"), 0);
    free(b);
    db_close(&d);
}

/* ---- users' fee policies and finality --------------------------------------------- */

/* A max fee of just base fee + tip (multiplier 1) is overtaken by the next rise of the
 * base fee (EIP-1559: a transaction with max_fee < base_fee cannot be included), so on
 * a congested chain some transfers wait more than one block. Every final transfer is
 * final exactly finality_depth slots after its inclusion: 64 x 12 s = 768 s (Gasper:
 * finality after two epochs of 32 slots, as modeled by l1.finality_depth). */
static void test_tight_max_fee_waits_and_finality(void **state)
{
    struct db d;
    run_yaml(&d, scenario(CONGESTED, "[{type: l1, name: wallet}, "
                          "{type: l1, name: tight, max_fee_multiplier: 1}]", ""));
    int64_t waited = q_int(&d, "SELECT count(*) FROM txs WHERE scheme = 'tight'"
                               " AND include_us - submit_us > 12000000");
    if (waited < 5)
        fail_msg("only %lld tight bidders waited more than a block", (long long)waited);
    /* what they paid follows from their bid (EIP-1559), whenever they got in */
    check_user_fees(&d, "tight", 100, 1 * GWEI);
    assert_int_equal(q_int(&d, "SELECT count(*) FROM txs WHERE status = 'final'"
                               " AND final_us - include_us != 64 * 12000000"), 0);
    assert_int_equal(q_int(&d, "SELECT count(*) FROM txs WHERE status = 'final'"
                               " AND (include_us IS NULL OR fee_wei IS NULL)"), 0);
    assert_true(q_int(&d, "SELECT count(*) FROM txs WHERE status = 'final'") > 1000);
    /* and what is included but not final is within 768 s of the end (1 h) */
    assert_int_equal(q_int(&d, "SELECT count(*) FROM txs WHERE status = 'included'"
                               " AND include_us + 64 * 12000000 <= 3600000000"), 0);
    db_close(&d);
}

/* ---- adversaries ------------------------------------------------------------------ */

static uint64_t base_fee_at(struct db *d, const char *world, int64_t t_us)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT base_fee_per_gas FROM l1_blocks WHERE run_id = %lld"
             " AND world = '%s' AND time_us >= %lld ORDER BY height LIMIT 1",
             (long long)d->run_id, world, (long long)t_us);
    return (uint64_t)q_int(d, sql);
}

static uint64_t max_base_fee(struct db *d, const char *world, int64_t from, int64_t until)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT max(base_fee_per_gas) FROM l1_blocks WHERE run_id = %lld"
             " AND world = '%s' AND time_us >= %lld AND time_us <= %lld",
             (long long)d->run_id, world, (long long)from, (long long)until);
    return (uint64_t)q_int(d, sql);
}

/* Block stuffing: filler transactions take the blocks, so (EIP-1559) full blocks push
 * the base fee up by 1/8 each; the attacker never pays more than its budget. The same
 * L1 without the attack (common random numbers) is the baseline. */
static void stuffing_case(const char *l1, const char *from, int64_t from_us,
                          const char *budget, u128 budget_wei, bool several_blocks)
{
    char adv[256];
    snprintf(adv, sizeof adv, "adversaries: [{type: block_stuffing, from: %s, for: 10m,"
             " budget: %s}]\n", from, budget);
    struct db with, without;
    run_yaml(&with, scenario(l1, "[{type: l1}]", adv));
    run_yaml(&without, scenario(l1, "[{type: l1}]", ""));
    char *spent_s = q_text(&with, "SELECT cost_wei FROM attacks WHERE type = 'block_stuffing'");
    u128 spent = dec(spent_s);
    free(spent_s);
    if (spent > budget_wei) {
        char a[41], b2[41];
        fail_msg("stuffing spent %s wei, budget %s", u128_str(spent, a), u128_str(budget_wei, b2));
    }
    if (spent == 0)
        fail_msg("stuffing from %s: no filler was included (spent 0 wei)", from);
    /* what the attacker recorded is what the L1's own l1_txs rows say its fillers paid,
     * and each filler was charged exactly its 1M gas (21000 + execution, no calldata) */
    sqlite3_stmt *st = q(&with, "SELECT fee_wei, gas FROM l1_txs WHERE origin = 'block_stuffing'"
                                " AND kind = 'stuffing'");
    u128 rows = 0;
    int nrows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows += col_dec(st, 0);
        assert_int_equal(sqlite3_column_int64(st, 1), 1000000);
        nrows++;
    }
    sqlite3_finalize(st);
    assert_true(nrows > 0);
    expect_u128(rows, spent, "sum of the stuffer's l1_txs fee_wei vs attacks.cost_wei");
    int64_t until = from_us + 600 * INT64_C(1000000);
    uint64_t start = base_fee_at(&with, "l1", from_us);
    uint64_t peak = max_base_fee(&with, "l1", from_us, until);
    uint64_t peak0 = max_base_fee(&without, "l1", from_us, until);
    if (!(peak > peak0 && (!several_blocks || peak > start + start / 4)))
        fail_msg("stuffing from %s: base fee %llu at the start, peak %llu in the window"
                 " (%llu without the attack)", from, (unsigned long long)start,
                 (unsigned long long)peak, (unsigned long long)peak0);
    db_close(&with);
    db_close(&without);
}

static void test_block_stuffing_budget_and_base_fee(void **state)
{
    /* 20 ETH buys several full blocks (36M gas at about 20 + 50 gwei: 2.5 ETH each) */
    stuffing_case("missed_slot: 0", "20m", 1200 * INT64_C(1000000), "20eth",
                  (u128)20 * 1000000000 * GWEI, true);
    /* a budget below one block's worth still bounds the spend */
    stuffing_case("missed_slot: 0", "20m", 1200 * INT64_C(1000000), "1.5eth",
                  (u128)15 * 100000000 * GWEI, false);
    /* and so do missed slots, during which offered fillers wait */
    stuffing_case("missed_slot: 30%", "20m", 1200 * INT64_C(1000000), "20eth",
                  (u128)20 * 1000000000 * GWEI, true);
}

/* The same attack with a window that opens with the run (or in its first two slots):
 * the fillers must reach the blocks there too. */
static void test_block_stuffing_from_the_start(void **state)
{
    stuffing_case("missed_slot: 0", "0s", 0, "20eth", (u128)20 * 1000000000 * GWEI, true);
    stuffing_case("missed_slot: 0", "13s", 13 * INT64_C(1000000), "20eth",
                  (u128)20 * 1000000000 * GWEI, true);
}

/* Censorship: in the window every proposer (share 100%) leaves out the target scheme's
 * transactions, so none of its transfers submitted in the window is included before
 * the window ends, while the other scheme's (on its own copy of the L1) go into the next
 * blocks as usual; every block of the window in the target's world censored. After the
 * window the target's backlog is included. */
static void test_censorship_full_share(void **state)
{
    struct db d;
    const int64_t from = 1200 * INT64_C(1000000), until = 1800 * INT64_C(1000000);
    run_yaml(&d, scenario("missed_slot: 0, demand: {rate: 100/block}",
                          "[{type: l1, name: victim}, {type: l1, name: bystander}]",
                          "adversaries: [{type: censorship, target: victim, from: 20m,"
                          " for: 10m, share: 100%}]\n"));
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM txs WHERE scheme = 'victim' AND submit_us"
             " >= %lld AND submit_us < %lld", (long long)from, (long long)until);
    assert_true(q_int(&d, sql) > 100);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM txs WHERE scheme = 'victim' AND submit_us"
             " >= %lld AND submit_us < %lld AND include_us < %lld", (long long)from,
             (long long)until, (long long)until);
    assert_int_equal(q_int(&d, sql), 0);
    /* the bystander's transfers of the window: in the next block */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM txs WHERE scheme = 'bystander' AND"
             " submit_us >= %lld AND submit_us < %lld AND (include_us IS NULL OR"
             " include_us - submit_us > 12000000)", (long long)from, (long long)until);
    assert_int_equal(q_int(&d, sql), 0);
    /* the victim's backlog goes in once the window is over */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM txs WHERE scheme = 'victim' AND submit_us"
             " >= %lld AND submit_us < %lld AND (include_us IS NULL OR include_us > %lld)",
             (long long)from, (long long)until, (long long)(until + 2 * SLOT_US));
    assert_int_equal(q_int(&d, sql), 0);
    /* every block of the window in the victim's world had a censoring proposer */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM l1_blocks WHERE world = 'victim' AND"
             " missed = 0 AND time_us >= %lld AND time_us < %lld", (long long)from,
             (long long)until);
    int64_t window_blocks = q_int(&d, sql);
    assert_int_equal(q_int(&d, "SELECT blocks_affected FROM attacks WHERE type = 'censorship'"
                               " AND world = 'victim'"), window_blocks);
    assert_true(q_int(&d, "SELECT txs_affected FROM attacks WHERE world = 'victim'") > 0);
    db_close(&d);
}

/* The same on one shared L1 (shared_l1: true): the censoring proposers leave out the
 * target's transactions only; the other scheme's transfers of the window are in the
 * next block as usual. */
static void test_censorship_full_share_shared_l1(void **state)
{
    struct db d;
    const int64_t from = 1200 * INT64_C(1000000), until = 1800 * INT64_C(1000000);
    run_yaml(&d, scenario("missed_slot: 0, demand: {rate: 100/block}",
                          "[{type: l1, name: victim}, {type: l1, name: bystander}]",
                          "shared_l1: true\n"
                          "adversaries: [{type: censorship, target: victim, from: 20m,"
                          " for: 10m, share: 100%}]\n"));
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM txs WHERE scheme = 'victim' AND submit_us"
             " >= %lld AND submit_us < %lld AND include_us < %lld", (long long)from,
             (long long)until, (long long)until);
    assert_int_equal(q_int(&d, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM txs WHERE scheme = 'bystander' AND"
             " submit_us >= %lld AND submit_us < %lld AND (include_us IS NULL OR"
             " include_us - submit_us > 12000000)", (long long)from, (long long)until);
    int64_t late = q_int(&d, sql);
    if (late != 0)
        fail_msg("%lld of the bystander's transfers submitted in the window waited more than a"
                 " block on the shared L1", (long long)late);
    db_close(&d);
}

/* With share 0% no proposer censors: the target's transfers fare exactly as without
 * the adversary, and the attack records no affected block or transaction. */
static void test_censorship_zero_share(void **state)
{
    struct db with, without;
    const char *schemes = "[{type: l1, name: victim}]";
    run_yaml(&with, scenario("", schemes, "adversaries: [{type: censorship, target: victim,"
                             " from: 20m, for: 10m, share: 0%}]\n"));
    run_yaml(&without, scenario("", schemes, ""));
    assert_int_equal(q_int(&with, "SELECT blocks_affected + txs_affected FROM attacks"), 0);
    static const char dump_sql[] =
        "SELECT group_concat(tx_id || ',' || submit_us || ',' || ifnull(include_us, '-') || ','"
        " || ifnull(final_us, '-') || ',' || ifnull(fee_wei, '-') || ',' || status, ';')"
        " FROM (SELECT * FROM txs ORDER BY tx_id)";
    char *a = q_text(&with, dump_sql), *b = q_text(&without, dump_sql);
    assert_true(strlen(a) > 1000);
    assert_string_equal(a, b);
    free(a), free(b);
    db_close(&with);
    db_close(&without);
}

/* ---- common random numbers -------------------------------------------------------- */

/* Two schemes of the same type and parameters, under different names, each in its own
 * world: the worlds' L1s and the transfers' fates are identical, row for row. */
static void test_identical_worlds(void **state)
{
    struct db d;
    run_yaml(&d, scenario(CONGESTED ", missed_slot: 5%",
                          "[{type: l1, name: alpha}, {type: l1, name: beta}]", ""));
    static const char blocks_sql[] =
        "SELECT group_concat(height || ',' || time_us || ',' || gas_limit || ',' || gas_used"
        " || ',' || base_fee_per_gas || ',' || blob_gas_used || ',' || excess_blob_gas || ','"
        " || blob_base_fee || ',' || tx_count || ',' || missed || ',' || burned_wei || ','"
        " || tips_wei, ';') FROM (SELECT * FROM l1_blocks WHERE world = '%s' ORDER BY height)";
    static const char txs_sql[] =
        "SELECT group_concat(tx_id || ',' || user_id || ',' || to_user_id || ',' || value_wei"
        " || ',' || submit_us || ',' || ifnull(include_us, '-') || ',' || ifnull(final_us, '-')"
        " || ',' || ifnull(fee_wei, '-') || ',' || ifnull(l1_fee_wei, '-') || ','"
        " || ifnull(l2_fee_wei, '-') || ',' || status, ';')"
        " FROM (SELECT * FROM txs WHERE scheme = '%s' ORDER BY tx_id)";
    char sql[1024];
    snprintf(sql, sizeof sql, blocks_sql, "alpha");
    char *ba = q_text(&d, sql);
    snprintf(sql, sizeof sql, blocks_sql, "beta");
    char *bb = q_text(&d, sql);
    snprintf(sql, sizeof sql, txs_sql, "alpha");
    char *ta = q_text(&d, sql);
    snprintf(sql, sizeof sql, txs_sql, "beta");
    char *tb = q_text(&d, sql);
    assert_true(strlen(ba) > 10000 && strlen(ta) > 10000);
    assert_string_equal(ba, bb);
    assert_string_equal(ta, tb);
    free(ba), free(bb), free(ta), free(tb);
    db_close(&d);
}

static int teardown(void **state)
{
    for (size_t i = 0; i < 8; i++)
        if (open_dbs[i].st) {
            struct db d = open_dbs[i];
            db_close(&d);
        }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_block_burn_identity, teardown),
        cmocka_unit_test_teardown(test_user_fee_identity, teardown),
        cmocka_unit_test_teardown(test_money_conserved_users_only, teardown),
        cmocka_unit_test_teardown(test_money_conserved_against_l1_totals, teardown),
        cmocka_unit_test_teardown(test_base_fee_step_ethereum, teardown),
        cmocka_unit_test_teardown(test_base_fee_step_op_canyon, teardown),
        cmocka_unit_test_teardown(test_missed_slot, teardown),
        cmocka_unit_test_teardown(test_tight_max_fee_waits_and_finality, teardown),
        cmocka_unit_test_teardown(test_block_stuffing_budget_and_base_fee, teardown),
        cmocka_unit_test_teardown(test_block_stuffing_from_the_start, teardown),
        cmocka_unit_test_teardown(test_censorship_full_share, teardown),
        cmocka_unit_test_teardown(test_censorship_full_share_shared_l1, teardown),
        cmocka_unit_test_teardown(test_censorship_zero_share, teardown),
        cmocka_unit_test_teardown(test_identical_worlds, teardown),
    };
    return cmocka_run_group_tests_name("l1", tests, NULL, NULL);
}

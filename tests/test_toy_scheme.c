/* test_toy_scheme.c — a scheme written outside models/, through the public interface
 * only (models/model.h, models/l1/l1.h, sim/store.h, sim/sched.h, sim/scenario.h): a
 * toy rollup inbox. It posts a batch as calldata and one as a blob, must have each
 * included by a contract deadline that falls on a block boundary, reads its handles'
 * fates, cancels a batch that missed its deadline, and records one row per batch in a
 * table it declares itself. What it paid on L1 comes from the L1's l1_txs rows and
 * l1_paid_by, never from its own arithmetic.
 *
 * It is registered as its one registry line would (model_register_scheme), declares its
 * table in scheme_ops.sql, and runs in a world built by models/world.h, which creates
 * the table before its init. */
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
#include "sim/money.h"
#include "tests/world_fixture.h"

#define GWEI   UINT64_C(1000000000)
#define SECOND INT64_C(1000000)

/* ---- the toy scheme ---------------------------------------------------------------- */

struct batch {
    struct scheme *sc;
    int        n;              /* 1, 2, 3 */
    const char *kind;
    uint64_t   calldata_bytes;
    uint32_t   blobs;
    sim_time   deadline;       /* the inbox accepts it if included by then */
    l1_tx_id   handle;
    int        met;            /* -1 until the deadline is judged */
    u128       paid;
};

struct toy {
    struct batch b[3];
    u128     paid;             /* the receipts' totals: its books */
    int      blocks_seen;
    uint64_t transfers;        /* users' transfers offered to it (the inbox ignores them) */
};

static void toy_transfer(struct scheme *sc, const struct transfer *tr)
{
    (void)tr;
    ((struct toy *)sc->state)->transfers++;
}

static void batch_included(void *ctx, const struct l1_receipt *r)
{
    struct batch *b = ctx;
    struct toy *t = b->sc->state;
    b->paid = r->total;
    t->paid += r->total;
}

/* The inbox contract's deadline: judged by block time, whatever order the timer was
 * set in relative to the slot. A batch that missed it is cancelled: its data is
 * useless to the inbox now. */
static void deadline_reached(void *ctx)
{
    struct batch *b = ctx;
    struct l1 *l1 = b->sc->world->l1;
    b->met = l1_included_by(l1, b->handle, b->deadline);
    struct l1_fate f;
    assert_int_equal(l1_fate(l1, b->handle, &f), 0);
    if (!b->met && f.state == L1_FATE_PENDING)
        assert_int_equal(l1_cancel(l1, b->handle), 0);
}

/* A batch of transfers as the inbox's calldata: per transfer 4-byte from, 4-byte to,
 * 16-byte value, big-endian: small numbers leave many zero bytes, as real batches do. */
static size_t encode_batch(uint8_t *out, uint32_t first, uint32_t n)
{
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t from = first + i, to = first + i + 1;
        uint64_t value = (uint64_t)(i + 1) * 1000000000000000ull;   /* 0.001 ETH x (i+1) */
        for (int j = 3; j >= 0; j--) out[k++] = (uint8_t)(from >> (8 * j));
        for (int j = 3; j >= 0; j--) out[k++] = (uint8_t)(to >> (8 * j));
        for (int j = 0; j < 8; j++) out[k++] = 0;
        for (int j = 7; j >= 0; j--) out[k++] = (uint8_t)(value >> (8 * j));
    }
    return k;
}

static void post(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct batch *b = ctx;
    struct scheme *sc = b->sc;
    uint8_t data[24 * 10];
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, sc->index),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = b->kind,
                        .exec_gas = 30000 };   /* the inbox stores the batch's hash */
    if (b->blobs) {
        static const uint8_t versioned_hash[32] = { 0x01, 0x5a, 0x3c };  /* EIP-4844 0x01 */
        tx.calldata = versioned_hash;
        tx.calldata_len = sizeof versioned_hash;
        tx.blobs = b->blobs;
    } else {
        tx.calldata = data;
        tx.calldata_len = encode_batch(data, 100 * (uint32_t)b->n, 10);
    }
    b->calldata_bytes = tx.calldata_len;
    /* batch 3 bids under the base fee: it cannot make its deadline */
    struct l1_fee_policy fp = { .kind = L1_FEE_FIXED, .tip = GWEI,
                                .max_fee = b->n == 3 ? 2 * GWEI : 100 * GWEI };
    struct l1_callbacks cb = { batch_included, NULL, NULL, b };
    b->handle = l1_submit(sc->world->l1, &tx, &fp, &cb);
    l1_at(sc->world->l1, b->deadline, deadline_reached, b);
}

static void on_block(void *ctx, const struct l1_block_info *bi)
{
    struct toy *t = ctx;
    (void)bi;
    t->blocks_seen++;
}

/* The scheme's own table (version 1), created by the store before its init. What it
 * paid is a money pair like every amount (sim/money.h). */
static const struct store_sql toy_sql = {
    .version = 1,
    .tables = "CREATE TABLE IF NOT EXISTS toy_batches ("
              " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, batch INTEGER NOT NULL,"
              " kind TEXT NOT NULL, l1_tx_id INTEGER NOT NULL, calldata_bytes INTEGER NOT NULL,"
              " blobs INTEGER NOT NULL, deadline_us INTEGER NOT NULL,"
              " met_deadline INTEGER NOT NULL, fate TEXT NOT NULL, height INTEGER,"
              " paid_wei TEXT NOT NULL,"
              " paid_eth REAL GENERATED ALWAYS AS (CAST(paid_wei AS REAL) / 1e18) VIRTUAL,"
              " PRIMARY KEY (run_id, scheme, batch));",
};

static int toy_init(struct scheme *sc, struct err *e)
{
    (void)e;
    struct toy *t = calloc(1, sizeof *t);
    sc->state = t;
    /* deadlines on block boundaries: slot 3 (36 s) and slot 5 (60 s) */
    static const struct { const char *kind; uint32_t blobs; sim_time at, deadline; } plan[3] = {
        { "batch",      0, 30 * SECOND, 36 * SECOND },   /* lands in block 3, at 36 s */
        { "blob_batch", 1, 50 * SECOND, 60 * SECOND },   /* lands in block 5, at 60 s */
        { "batch",      0, 50 * SECOND, 60 * SECOND },   /* underpriced: misses 60 s */
    };
    for (int i = 0; i < 3; i++) {
        t->b[i] = (struct batch){ .sc = sc, .n = i + 1, .kind = plan[i].kind,
                                  .blobs = plan[i].blobs, .deadline = plan[i].deadline,
                                  .met = -1 };
        sim_at(sc->world->sim, plan[i].at, post, &t->b[i], NULL, 0);
    }
    l1_on_block(sc->world->l1, on_block, t);
    return 0;
}

static const char *fate_word(const struct l1_fate *f)
{
    switch (f->state) {
    case L1_FATE_PENDING:  return "pending";
    case L1_FATE_INCLUDED: return f->cancelled ? "cancelled" : "included";
    case L1_FATE_FINAL:    return f->cancelled ? "cancelled" : "final";
    case L1_FATE_DROPPED:  return "dropped";
    }
    return "?";
}

static void toy_finish(struct scheme *sc)
{
    struct toy *t = sc->state;
    struct world *w = sc->world;
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO toy_batches(run_id, scheme, batch, kind, l1_tx_id, calldata_bytes, blobs,"
        " deadline_us, met_deadline, fate, height, paid_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    for (int i = 0; i < 3; i++) {
        const struct batch *b = &t->b[i];
        struct l1_fate f;
        assert_int_equal(l1_fate(w->l1, b->handle, &f), 0);
        sqlite3_bind_int64(s, 1, w->run_id);
        sqlite3_bind_text(s, 2, sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, b->n);
        sqlite3_bind_text(s, 4, b->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)b->handle);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)b->calldata_bytes);
        sqlite3_bind_int(s, 7, (int)b->blobs);
        sqlite3_bind_int64(s, 8, b->deadline);
        sqlite3_bind_int(s, 9, b->met);
        sqlite3_bind_text(s, 10, fate_word(&f), -1, SQLITE_STATIC);
        if (f.height)
            sqlite3_bind_int64(s, 11, (sqlite3_int64)f.height);
        money_bind(s, 12, b->paid);
        store_step(w->store, s);
    }
}

/* Its books against the L1's. */
static int toy_check(struct scheme *sc, struct inv_fail *f)
{
    struct toy *t = sc->state;
    u128 charged = l1_paid_by(sc->world->l1, L1_ORIGIN_SCHEME(sc->index));
    if (charged != t->paid) {
        char a[41], b[41];
        return INV_FAIL(f, "the toy's receipts are what the L1 charged it", "%s vs %s wei",
                        u128_str(t->paid, a), u128_str(charged, b));
    }
    return 0;
}

static void toy_destroy(struct scheme *sc) { free(sc->state); }

static const struct scheme_ops toy_ops = {
    .type = "toy", .doc = "a rollup inbox with deadlines (test only)",
    .init = toy_init, .on_transfer = toy_transfer, .finish = toy_finish,
    .destroy = toy_destroy, .check = toy_check, .sql = &toy_sql,
};

/* ---- the test ---------------------------------------------------------------------- */

static const char yaml[] =
    "name: toy\nseed: 11\nduration: 3m\n"
    "l1: {fork: osaka, slot: 12s, finality_depth: 2, missed_slot: 0,"
    " base_fee: {initial: 10gwei}, demand: {rate: 0/block}, blobs: {demand: 0/block}}\n"
    "workload: {users: 10, transfers: {rate: 0.1/s}}\n"
    "schemes: [{type: toy}]\n";

static struct world_fixture fx;

static int teardown(void **state)
{
    (void)state;
    world_fixture_close(&fx);      /* the toy's destroy too */
    return 0;
}

static int64_t q_int(const char *sql) { return world_fixture_int(&fx, sql); }

static char *q_text(const char *sql)
{
    static char buf[512];
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(fx.st), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s", sql);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

/* The toy inbox on an Osaka L1 (EIP-7623 floor, EIP-4844 blobs), a block every 12 s:
 *  - batch 1: 10 transfers x 24 bytes = 240 bytes, 165 of them zero (counted by hand
 *    from the encoding); tokens 165 + 4 x 75 = 465 (EIP-7623); standard 21000 +
 *    4 x 465 + 30000 = 52860 (EIP-2028) > floor 21000 + 10 x 465 = 25650: 52860 gas. Sent at 30 s, included in block 3 at slot time 36 s: deadline 36 s met.
 *  - batch 2: a blob and its 32-byte versioned hash (29 zero bytes, 3 non-zero:
 *    tokens 41, 21000 + 164 + 30000 = 51164 gas), 131072 blob gas (EIP-4844) at the
 *    blob base fee of an empty chain, 1 wei; sent at 50 s, included at 60 s: met.
 *  - batch 3: bids 2 gwei under a 10 gwei base fee and misses 60 s; the inbox cancels
 *    it at the deadline. The cancellation bids 10% more, 2.2 gwei (the pool's bump);
 *    the base fee of the near-empty chain falls 12.5% a block (EIP-1559) and first
 *    drops to 2.2 gwei or less at block 13 (10 x 0.875^12 = 2.01 gwei): the
 *    cancellation (21000 gas) takes the nonce there, before the batch itself (2 gwei)
 *    could have landed, and the handle reads cancelled.
 * The scheme's table holds its three rows; l1_txs holds the L1's, with the same fees,
 * summing to l1_paid_by (the L1's own end check passes). */
static void test_toy_inbox(void **state)
{
    (void)state;
    model_register_scheme(&toy_ops);             /* its one registry line */
    /* the world: the L1, the toy (its table created first, then its init), the
     * workload */
    world_fixture_open(&fx, "toy.yaml", yaml, "toy");
    struct world *w = fx.w;
    struct scheme *sc = w->schemes[0];
    assert_ptr_equal(sc->ops, &toy_ops);

    sim_run(w->sim, w->duration, 0);
    /* finish: the toy's rows, the L1's l1_txs rows of what is in flight, then every
     * invariant (the L1's money, l1_txs against l1_paid_by, the toy's books) */
    if (world_finish(w) != 0)
        fail_msg("%s", w->failure);

    struct toy *t = sc->state;
    assert_int_equal(t->blocks_seen, 15);          /* 3 minutes of 12 s slots */
    assert_true(t->transfers > 0);                 /* the workload reached it */
    assert_string_equal(q_text("SELECT group_concat(batch || ':' || kind || ':' || met_deadline"
                               " || ':' || fate || ':' || coalesce(height, '-'), ' ') FROM"
                               " (SELECT * FROM toy_batches ORDER BY batch)"),
                        "1:batch:1:final:3 2:blob_batch:1:final:5 3:batch:0:cancelled:13");
    assert_int_equal(q_int("SELECT count(*) FROM l1_blocks WHERE (height = 12 AND"
                           " base_fee_per_gas > 2200000000) OR (height = 13 AND"
                           " base_fee_per_gas BETWEEN 2000000001 AND 2200000000)"), 2);
    assert_string_equal(q_text("SELECT group_concat(tx_id || ':' || kind || ':' || gas || ':' ||"
                               " blobs || ':' || calldata_bytes || ':' || status || ':' ||"
                               " cancelled, ' ') FROM (SELECT * FROM l1_txs WHERE origin = 'toy'"
                               " ORDER BY tx_id)"),
                        "1:batch:52860:0:240:final:0 2:blob_batch:51164:1:32:final:0 "
                        "3:batch:21000:0:0:final:1");   /* the cancellation: no calldata */
    /* what the scheme recorded it paid is the L1's row, wei for wei */
    assert_int_equal(q_int("SELECT count(*) FROM toy_batches b JOIN l1_txs l ON"
                           " l.tx_id = b.l1_tx_id AND l.run_id = b.run_id WHERE"
                           " l.fee_wei = b.paid_wei"), 3);
    /* the blob batch paid 51164 gas x (10 gwei-ish base fee + 1 gwei tip) + 131072 x 1 wei */
    assert_int_equal(q_int("SELECT count(*) FROM l1_txs l JOIN l1_blocks k ON k.height = l.height"
                           " AND k.world = l.world WHERE l.tx_id = 2 AND CAST(l.fee_wei AS INTEGER)"
                           " = 51164 * (k.base_fee_per_gas + 1000000000) + 131072 * k.blob_base_fee"
                           " AND k.blob_base_fee = 1"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_toy_inbox, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

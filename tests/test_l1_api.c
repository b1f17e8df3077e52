/* test_l1_api.c — the Layer 1 as a contract sees it (models/l1/l1.h): the gas the L1
 * computes from what a transaction states (EIP-2028 calldata, EIP-7623 floor, EIP-7825
 * cap), handles (fate, fee-bump replacement, cancellation), callbacks that never run
 * inside the call that caused them, block time (after-block hooks, deadlines by slot
 * time, l1_at), and the l1_txs rows the L1 writes, summing to l1_paid_by.
 * Each test builds one world by hand with no background demand, so every block holds
 * exactly what the test sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/l1/l1.h"
#include "models/run/run.h"
#include "models/world.h"

#define GWEI    UINT64_C(1000000000)
#define SLOT    INT64_C(12000000)            /* 12 s slots */
#define SECOND  INT64_C(1000000)

/* ---- a world with an L1 and nothing else ------------------------------------------- */

struct env {
    struct scn   *s;
    struct store *st;
    struct world *w;
    struct l1    *l1;
    char          path[64];
};
static struct env *cur;            /* for the teardown when a test fails mid-way */

/* An L1 of `fork` without background transactions or blobs, no missed slots, base fee
 * 10 gwei, a 2-transaction pool when small_pool; schemes "toy" (index 0) and "other". */
static struct env *env_new(const char *fork, bool small_pool)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: test_l1_api\nseed: 3\nduration: 10m\n"
             "l1: {fork: %s, slot: 12s, finality_depth: 2, missed_slot: 0,"
             " base_fee: {initial: 10gwei}, demand: {rate: 0/block},"
             " blobs: {demand: 0/block}%s}\n"
             "workload: {users: 10, transfers: {rate: 0.1/s}}\n"
             "schemes: [{type: l1, name: toy}, {type: l1, name: other}]\n",
             fork, small_pool ? ", mempool: {max_txs: 2}" : "");
    struct env *v = calloc(1, sizeof *v);
    cur = v;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "test_l1_api.yaml", yaml, strlen(yaml), NULL, 0, &v->s,
                      &e) != 0)
        fail_msg("scenario rejected: %s", e.msg);
    snprintf(v->path, sizeof v->path, "/tmp/l2sim-test-l1api-XXXXXX");
    int fd = mkstemp(v->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(v->path, &v->st, &e), 0);
    uint64_t seed = scn_uint(v->s, "seed");
    int64_t run_id;
    assert_int_equal(run_begin(v->st, v->s, seed, seed, 0, &run_id, &e), 0);
    /* the L1 (and the workload) with no scheme: the tests send as scheme 0 and 1 */
    struct world_spec spec = { .scn = v->s, .store = v->st, .run_id = run_id, .seed = seed,
                               .name = "toy" };
    assert_int_equal(world_new(&spec, &v->w, &e), 0);
    v->l1 = v->w->l1;
    return v;
}

static void env_free(struct env *v)
{
    if (!v)
        return;
    world_free(v->w);
    store_close(v->st);
    store_remove(v->path);
    scn_free(v->s);
    free(v);
    cur = NULL;
}

static int teardown(void **state)
{
    (void)state;
    env_free(cur);
    return 0;
}

static void run_until(struct env *v, sim_time t) { sim_run(v->w->sim, t, 0); }

static int64_t q_int(struct env *v, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(v->st), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s", sql);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t r = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r;
}

/* ---- what a sender hears ------------------------------------------------------------ */

struct heard {
    int  included, final, dropped;
    struct l1_receipt r;
    char why[128];
    const bool *inside;          /* set while the test is inside an l1_* call */
    bool called_inside;
};

static void on_included(void *ctx, const struct l1_receipt *r)
{
    struct heard *h = ctx;
    h->included++;
    h->r = *r;
    h->called_inside |= h->inside && *h->inside;
}

static void on_final(void *ctx, const struct l1_receipt *r)
{
    struct heard *h = ctx;
    h->final++;
    h->called_inside |= h->inside && *h->inside;
}

static void on_dropped(void *ctx, const char *why)
{
    struct heard *h = ctx;
    h->dropped++;
    snprintf(h->why, sizeof h->why, "%s", why);
    h->called_inside |= h->inside && *h->inside;
}

static struct l1_callbacks cbs(struct heard *h)
{
    return (struct l1_callbacks){ on_included, on_final, on_dropped, h };
}

/* A fixed bid of max_fee gwei with a 1 gwei tip. */
static struct l1_fee_policy fixed(uint64_t max_fee_gwei)
{
    return (struct l1_fee_policy){ .kind = L1_FEE_FIXED, .max_fee = max_fee_gwei * GWEI,
                                   .tip = GWEI };
}

static struct l1_tx tx_of(uint64_t sender, uint64_t zero, uint64_t nonzero, uint64_t exec)
{
    return (struct l1_tx){ .sender = l1_account(L1_ACCT_SCHEME, sender),
                           .origin = L1_ORIGIN_SCHEME(0), .kind = "batch",
                           .calldata_zero_bytes = zero, .calldata_nonzero_bytes = nonzero,
                           .exec_gas = exec };
}

/* Submit and run through the next slot; the receipt's gas. */
static uint64_t gas_charged(struct env *v, const struct l1_tx *tx)
{
    struct heard h = { 0 };
    struct l1_fee_policy fp = fixed(100);
    struct l1_callbacks cb = cbs(&h);
    l1_submit(v->l1, tx, &fp, &cb);
    run_until(v, sim_now(v->w->sim) + SLOT);
    if (h.included != 1)
        fail_msg("not included (%s)", h.why);
    return h.r.gas_used;
}

/* ---- gas ------------------------------------------------------------------------------ */

/* EIP-2028: 21000 + 4 per zero byte + 16 per non-zero byte, plus execution gas.
 * EIP-7623 (Prague on): tokens = zero + 4 x non-zero; charged
 * max(21000 + 4 x tokens + exec, 21000 + 10 x tokens).
 * 100 zero + 100 non-zero bytes: tokens 500, standard 23000, floor 26000.
 *   Prague, no execution:       max(23000, 26000)         = 26000 (the floor)
 *   Prague, 5000 execution gas: max(28000, 26000)         = 28000
 *   Cancun (no EIP-7623):       23000, and 28000 with 5000 execution gas.
 * Calldata given as bytes is counted the same way: {0, 0, 7, 9}: tokens 2 + 8 = 10,
 * standard 21040, floor 21100. A plain transfer is 21000 on both. */
static void test_gas_eip2028_eip7623(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    struct l1_tx t = tx_of(1, 100, 100, 0);
    assert_int_equal(gas_charged(v, &t), 26000);
    t = tx_of(1, 100, 100, 5000);
    assert_int_equal(gas_charged(v, &t), 28000);
    static const uint8_t data[] = { 0, 0, 7, 9 };
    t = tx_of(1, 999, 999, 0);          /* the bytes win over the counts */
    t.calldata = data;
    t.calldata_len = sizeof data;
    assert_int_equal(gas_charged(v, &t), 21100);
    t = tx_of(1, 0, 0, 0);
    assert_int_equal(gas_charged(v, &t), 21000);
    /* the l1_txs rows carry the bytes, the stated execution gas and the computed gas */
    l1_finish(v->l1);
    assert_int_equal(q_int(v, "SELECT group_concat(calldata_bytes || ':' || exec_gas || ':' ||"
                              " gas, ' ') = '200:0:26000 200:5000:28000 4:0:21100 0:0:21000'"
                              " FROM (SELECT * FROM l1_txs ORDER BY tx_id)"), 1);
    env_free(v);

    v = env_new("cancun", false);
    t = tx_of(1, 100, 100, 0);
    assert_int_equal(gas_charged(v, &t), 23000);
    t = tx_of(1, 100, 100, 5000);
    assert_int_equal(gas_charged(v, &t), 28000);
    t = tx_of(1, 0, 0, 0);
    t.calldata = data;
    t.calldata_len = sizeof data;
    assert_int_equal(gas_charged(v, &t), 21040);
    env_free(v);
}

/* EIP-7825 (Osaka on): a transaction's gas may not exceed TX_GAS_LIMIT_CAP = 2^24 =
 * 16777216. 21000 + (2^24 - 21000) execution gas is exactly the cap and is included;
 * one more gas is refused, and the refusal names the EIP. Calldata counts toward it:
 * 1,677,610 non-zero bytes under the EIP-7623 floor are 21000 + 10 x 4 x 1677610 =
 * 67125400 gas, refused too. On Prague (no EIP-7825) 2^24 + 1 gas fits the 36M block. */
static void test_gas_cap_eip7825(void **state)
{
    (void)state;
    struct env *v = env_new("osaka", false);
    struct l1_tx t = tx_of(1, 0, 0, (UINT64_C(1) << 24) - 21000);
    assert_int_equal(gas_charged(v, &t), 16777216);

    bool inside = false;
    struct heard h = { .inside = &inside };
    struct l1_fee_policy fp = fixed(100);
    struct l1_callbacks cb = cbs(&h);
    t = tx_of(2, 0, 0, (UINT64_C(1) << 24) - 21000 + 1);
    inside = true;
    l1_tx_id id = l1_submit(v->l1, &t, &fp, &cb);
    inside = false;
    assert_int_equal(h.dropped, 0);                 /* not inside l1_submit ... */
    struct l1_fate f;
    assert_int_equal(l1_fate(v->l1, id, &f), 0);   /* ... though the fate is known at once */
    assert_int_equal(f.state, L1_FATE_DROPPED);
    assert_int_equal(f.reason, L1_DROP_GAS_CAP);
    run_until(v, sim_now(v->w->sim));               /* its own event, at the same time */
    assert_int_equal(h.dropped, 1);
    assert_false(h.called_inside);
    assert_non_null(strstr(h.why, "EIP-7825"));

    struct heard h2 = { 0 };
    cb = cbs(&h2);
    t = tx_of(3, 0, 1677610, 0);
    id = l1_submit(v->l1, &t, &fp, &cb);
    run_until(v, sim_now(v->w->sim) + SLOT);
    assert_int_equal(h2.dropped, 1);
    assert_int_equal(h2.included, 0);
    l1_finish(v->l1);
    assert_int_equal(q_int(v, "SELECT count(*) FROM l1_txs WHERE status = 'dropped' AND"
                              " drop_reason LIKE '%EIP-7825%' AND gas IN (16777217, 67125400)"
                              " AND height IS NULL AND fee_wei = '0'"), 2);
    env_free(v);

    v = env_new("prague", false);
    t = tx_of(1, 0, 0, (UINT64_C(1) << 24) - 21000 + 1);
    assert_int_equal(gas_charged(v, &t), 16777217);
    env_free(v);
}

/* ---- handles ---------------------------------------------------------------------------- */

/* A full pool (capacity 2): a richer newcomer evicts the cheapest, a poorer one is
 * refused; neither sender hears it inside l1_submit, both hear it at the same
 * simulated time as their own event. Fates say why. */
static void test_drops_never_inside_submit(void **state)
{
    (void)state;
    struct env *v = env_new("prague", true);
    bool inside = false;
    struct heard a = { .inside = &inside }, b = { .inside = &inside }, c = { .inside = &inside },
                 d = { .inside = &inside };
    struct l1_fee_policy f1 = fixed(1), f2 = fixed(2), f3 = fixed(3);  /* below the base fee: */
    struct l1_tx t1 = tx_of(1, 0, 0, 0), t2 = tx_of(2, 0, 0, 0),        /* they wait */
                 t3 = tx_of(3, 0, 0, 0), t4 = tx_of(4, 0, 0, 0);
    struct l1_callbacks ca = cbs(&a), cb = cbs(&b), cc = cbs(&c), cd = cbs(&d);
    inside = true;
    l1_tx_id ia = l1_submit(v->l1, &t1, &f1, &ca);
    l1_tx_id ib = l1_submit(v->l1, &t2, &f2, &cb);
    l1_tx_id ic = l1_submit(v->l1, &t3, &f3, &cc);   /* evicts a (1 gwei) */
    l1_tx_id id = l1_submit(v->l1, &t4, &f1, &cd);   /* 1 gwei: the cheapest, refused */
    inside = false;
    assert_true(ia == 1 && ib == 2 && ic == 3 && id == 4);
    assert_int_equal(a.dropped + b.dropped + c.dropped + d.dropped, 0);
    struct l1_fate f;
    l1_fate(v->l1, ia, &f);
    assert_true(f.state == L1_FATE_DROPPED && f.reason == L1_DROP_EVICTED);
    l1_fate(v->l1, id, &f);
    assert_true(f.state == L1_FATE_DROPPED && f.reason == L1_DROP_POOL_REFUSED);
    l1_fate(v->l1, ib, &f);
    assert_int_equal(f.state, L1_FATE_PENDING);
    assert_int_equal(l1_fate(v->l1, 99, &f), -1);
    run_until(v, 0);
    assert_true(a.dropped == 1 && d.dropped == 1 && b.dropped == 0 && c.dropped == 0);
    assert_false(a.called_inside || d.called_inside);
    env_free(v);
}

/* Replacement (go-ethereum's pool rule, 10% on both the max fee and the tip) and
 * cancellation (an empty self-transfer at the same nonce, the least accepted bump).
 *  - 5 gwei max fee waits under a 10 gwei base fee; 5.4 gwei is under 5 x 1.1 and is
 *    refused, 20 gwei is accepted and the transaction lands in the next block at
 *    the price it now bids; replacing or cancelling it afterwards is refused.
 *  - a 200-byte, 50000-execution-gas batch cancelled before its block: the block
 *    includes the cancellation, 21000 gas, at fees 10% above the batch's (tip 1.1
 *    gwei); its handle reports it as cancelled, and it meets no deadline. */
static void test_replace_and_cancel(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    struct heard h = { 0 };
    struct l1_fee_policy low = fixed(5);
    struct l1_tx t = tx_of(1, 0, 0, 0);
    struct l1_callbacks cb = cbs(&h);
    l1_tx_id id = l1_submit(v->l1, &t, &low, &cb);
    run_until(v, 2 * SLOT);                        /* two blocks: it waits */
    struct l1_fate f;
    l1_fate(v->l1, id, &f);
    assert_int_equal(f.state, L1_FATE_PENDING);
    struct l1_fee_policy small = { .kind = L1_FEE_FIXED, .max_fee = 5400000000, .tip = 2 * GWEI };
    assert_int_equal(l1_replace(v->l1, id, &small), -1);
    struct l1_fee_policy high = { .kind = L1_FEE_FIXED, .max_fee = 20 * GWEI, .tip = 2 * GWEI };
    assert_int_equal(l1_replace(v->l1, id, &high), 0);
    run_until(v, 3 * SLOT);
    assert_int_equal(h.included, 1);
    assert_int_equal(h.r.height, 3);
    assert_int_equal(h.r.priority_fee_per_gas, 2 * GWEI);
    assert_false(h.r.cancelled);
    assert_int_equal(l1_replace(v->l1, id, &high), -1);
    assert_int_equal(l1_cancel(v->l1, id), -1);

    struct heard k = { 0 };
    struct l1_fee_policy fp = fixed(100);
    t = tx_of(2, 100, 100, 50000);
    cb = cbs(&k);
    l1_tx_id batch = l1_submit(v->l1, &t, &fp, &cb);
    assert_int_equal(l1_cancel(v->l1, batch), 0);
    assert_int_equal(l1_cancel(v->l1, batch), -1);  /* once */
    run_until(v, 4 * SLOT);
    assert_int_equal(k.included, 1);
    assert_true(k.r.cancelled);
    assert_int_equal(k.r.gas_used, 21000);
    assert_int_equal(k.r.priority_fee_per_gas, 1100000000);
    l1_fate(v->l1, batch, &f);
    assert_true(f.state == L1_FATE_INCLUDED && f.cancelled && f.height == 4);
    assert_false(l1_included_by(v->l1, batch, 4 * SLOT));
    assert_true(l1_included_by(v->l1, id, 3 * SLOT));
    run_until(v, 6 * SLOT);                        /* finality_depth 2 */
    assert_int_equal(k.final, 1);
    l1_fate(v->l1, batch, &f);
    assert_int_equal(f.state, L1_FATE_FINAL);
    l1_finish(v->l1);
    assert_int_equal(q_int(v, "SELECT count(*) FROM l1_txs WHERE status = 'final' AND"
                              " ((tx_id = 1 AND replacements = 1 AND cancelled = 0) OR"
                              "  (tx_id = 2 AND replacements = 1 AND cancelled = 1 AND gas = 21000))"),
                     2);
    env_free(v);
}

/* ---- block time ----------------------------------------------------------------------- */

struct timeline {
    struct env *v;
    l1_tx_id a, b;
    char log[512];
    int  seen_early, seen_late, seen_plain;   /* 1: included by T, 0: not, -1: not run */
};
#define T_DEADLINE (5 * SLOT)              /* the slot time of block 5: 60 s */

static void note(struct timeline *tl, const char *what)
{
    size_t n = strlen(tl->log);
    snprintf(tl->log + n, sizeof tl->log - n, "%s ", what);
}

static void a_included(void *ctx, const struct l1_receipt *r)
{
    struct timeline *tl = ctx;
    char b[32];
    snprintf(b, sizeof b, "incA@%llu", (unsigned long long)r->height);
    note(tl, b);
}

static void b_included(void *ctx, const struct l1_receipt *r)
{
    struct timeline *tl = ctx;
    char b[32];
    snprintf(b, sizeof b, "incB@%llu", (unsigned long long)r->height);
    note(tl, b);
}

static void block_built(void *ctx, const struct l1_block_info *bi)
{
    struct timeline *tl = ctx;
    if (bi->tx_count == 0)
        return;
    char b[32];
    snprintf(b, sizeof b, "block%llu", (unsigned long long)bi->height);
    note(tl, b);
    assert_int_equal(bi->time, (sim_time)bi->height * SLOT);
    assert_int_equal(l1_height(tl->v->l1), bi->height);
}

static void early_timer(void *ctx)
{
    struct timeline *tl = ctx;
    tl->seen_early = l1_included_by(tl->v->l1, tl->a, T_DEADLINE);
    note(tl, "early");
}

static void late_timer(void *ctx)
{
    struct timeline *tl = ctx;
    tl->seen_late = l1_included_by(tl->v->l1, tl->a, T_DEADLINE);
    note(tl, "late");
}

/* A plain scheduler event at T set before the slot's own event: it runs first. */
static void plain_timer(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct timeline *tl = ctx;
    tl->seen_plain = l1_included_by(tl->v->l1, tl->a, T_DEADLINE);
}

static void submit_a(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct timeline *tl = ctx;
    struct l1_tx t = tx_of(1, 0, 10, 0);
    struct l1_fee_policy fp = fixed(100);
    struct l1_callbacks cb = { a_included, NULL, NULL, tl };
    tl->a = l1_submit(tl->v->l1, &t, &fp, &cb);
    l1_at(tl->v->l1, T_DEADLINE, late_timer, tl);  /* set after block 5's event was */
}

static void submit_b(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct timeline *tl = ctx;
    struct l1_tx t = tx_of(2, 0, 10, 0);
    struct l1_fee_policy fp = fixed(100);
    struct l1_callbacks cb = { b_included, NULL, NULL, tl };
    tl->b = l1_submit(tl->v->l1, &t, &fp, &cb);
}

/* "Included by T" means included in a block whose slot time is at most T:
 *  - A, sent at 50 s, lands in block 5 at slot time 60 s = T: it meets deadline T;
 *  - B, sent at 61 s, lands in block 6 at 72 s = T + slot: it does not (but meets 72 s);
 *  - the block's transactions hear `included` before the block's after-hook runs;
 *  - two l1_at timers for T, one set at 0 s (before the slot event of 60 s existed:
 *    the scheduler would run it first) and one at 50 s (after it), both run after
 *    block 5 is built, in the order set, and both see A included. A plain scheduler
 *    event for T set at 0 s runs before the block and sees nothing yet: the reason
 *    l1_at exists. */
static void test_deadline_by_slot_time(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    struct timeline tl = { .v = v, .seen_early = -1, .seen_late = -1, .seen_plain = -1 };
    l1_on_block(v->l1, block_built, &tl);
    sim_at(v->w->sim, T_DEADLINE, plain_timer, &tl, NULL, 0);
    l1_at(v->l1, T_DEADLINE, early_timer, &tl);
    sim_at(v->w->sim, 50 * SECOND, submit_a, &tl, NULL, 0);
    sim_at(v->w->sim, 61 * SECOND, submit_b, &tl, NULL, 0);
    run_until(v, 8 * SLOT);
    assert_string_equal(tl.log, "incA@5 block5 early late incB@6 block6 ");
    assert_int_equal(tl.seen_early, 1);
    assert_int_equal(tl.seen_late, 1);
    assert_int_equal(tl.seen_plain, 0);
    assert_true(l1_included_by(v->l1, tl.a, T_DEADLINE));
    assert_false(l1_included_by(v->l1, tl.b, T_DEADLINE));
    assert_true(l1_included_by(v->l1, tl.b, T_DEADLINE + SLOT));
    struct l1_fate f;
    l1_fate(v->l1, tl.b, &f);
    assert_true(f.height == 6 && f.time == 72 * SECOND);
    assert_int_equal(l1_head_time(v->l1), 8 * SLOT);
    env_free(v);
}

/* ---- l1_txs and l1_paid_by ------------------------------------------------------------- */

/* Every transaction of a scheme is one row, whatever its fate (final, included but
 * not final, pending, dropped), and per origin the rows' fee_wei sum to what the L1
 * charged it: l1_check compares them after l1_finish. A wei added to one row
 * (L2SIM_FAULT=l1.txs_fee, exercised in tests/cli/invariants.sh) breaks it. */
static void test_l1_txs_sum_to_paid_by(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    struct heard h[6] = { { 0 } };
    struct l1_fee_policy fp = fixed(100), low = fixed(1);
    for (int i = 0; i < 6; i++) {
        struct l1_tx t = tx_of((uint64_t)i, 10, (uint64_t)i * 50, (uint64_t)i * 1000);
        t.origin = L1_ORIGIN_SCHEME(i % 2);
        t.kind = i % 2 ? "deposit" : "batch";
        t.blobs = i == 4;
        struct l1_callbacks cb = cbs(&h[i]);
        l1_submit(v->l1, &t, i == 5 ? &low : &fp, &cb);   /* the last one waits */
    }
    run_until(v, 5 * SLOT);     /* final after 2 slots */
    struct l1_tx t = tx_of(9, 0, 0, 0);
    struct l1_callbacks cb = cbs(&h[0]);
    l1_submit(v->l1, &t, &fp, &cb);
    run_until(v, 6 * SLOT);     /* included, not final */
    t = tx_of(10, 0, 0, 20000000);  /* 20M gas: fits Prague's 36M block (no EIP-7825) */
    l1_submit(v->l1, &t, &fp, &cb);
    t = tx_of(11, 0, 0, 40000000);  /* 40M gas: more than a block holds, refused */
    l1_submit(v->l1, &t, &fp, &cb);
    run_until(v, 6 * SLOT);
    l1_finish(v->l1);
    struct inv_fail f;
    if (l1_check(v->l1, &f) != 0)
        fail_msg("%s: %s", f.invariant, f.detail);
    assert_int_equal(q_int(v, "SELECT count(*) FROM l1_txs"), 9);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(v->st),
        "SELECT group_concat(origin || '/' || kind || '/' || status, ',') FROM"
        " (SELECT * FROM l1_txs ORDER BY tx_id)", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0),
                        "toy/batch/final,other/deposit/final,toy/batch/final,other/deposit/final,"
                        "toy/batch/final,other/deposit/pending,toy/batch/included,"
                        "toy/batch/pending,toy/batch/dropped");
    sqlite3_finalize(st);
    /* each row's fee is its gas at the price it paid, plus blob gas at the blob price */
    assert_int_equal(q_int(v, "SELECT count(*) FROM l1_txs t JOIN l1_blocks b ON"
                              " b.run_id = t.run_id AND b.world = t.world AND b.height = t.height"
                              " WHERE CAST(t.fee_wei AS INTEGER) = t.gas * (t.base_fee_per_gas +"
                              " t.priority_fee_per_gas) + t.blobs * 131072 * b.blob_base_fee"),
                     6);
    u128 toy = l1_paid_by(v->l1, L1_ORIGIN_SCHEME(0));
    assert_true(toy > 0 && l1_paid_by(v->l1, L1_ORIGIN_SCHEME(1)) > 0);
    assert_int_equal(q_int(v, "SELECT sum(CAST(fee_wei AS INTEGER)) FROM l1_txs WHERE origin = 'toy'"),
                     (int64_t)toy);
    env_free(v);
}

/* ---- callback contexts the L1 owns ------------------------------------------------------ */

/* A heap ctx (l1_submit_owned): the test counts how often, and after which
 * callback, the L1 frees it; under AddressSanitizer a use after the free or a second
 * free is a report of its own. */
struct owned {
    int *frees;                 /* the test's counter, outliving the ctx */
    const int *log;             /* callbacks heard so far, at the free */
    int *freed_after;           /* ... copied here when freed */
    int  heard;                 /* included + final + dropped, in the ctx itself */
    struct l1 *l1;
    int  resubmit;              /* dropped: submit it again this many times */
    bool take;                  /* dropped or final: take it back */
    void *taken;
};

static int frees, freed_after;

static void owned_free(void *ctx)
{
    struct owned *o = ctx;
    (*o->frees)++;
    *o->freed_after = o->heard;
    free(o);
}

static struct owned *owned_new(struct l1 *l1)
{
    struct owned *o = calloc(1, sizeof *o);
    *o = (struct owned){ .frees = &frees, .freed_after = &freed_after, .l1 = l1 };
    return o;
}

static void owned_included(void *ctx, const struct l1_receipt *r)
{
    (void)r;
    ((struct owned *)ctx)->heard++;
}

static void owned_final(void *ctx, const struct l1_receipt *r)
{
    (void)r;
    struct owned *o = ctx;
    o->heard++;
    if (o->take)
        o->taken = l1_take_ctx(o->l1);
}

static void owned_dropped(void *ctx, const char *why);

static struct l1_callbacks owned_cbs(struct owned *o)
{
    return (struct l1_callbacks){ owned_included, owned_final, owned_dropped, o };
}

static void owned_dropped(void *ctx, const char *why)
{
    (void)why;
    struct owned *o = ctx;
    o->heard++;
    if (o->take)
        o->taken = l1_take_ctx(o->l1);
    if (o->resubmit > 0) {        /* a retry of the same ctx, now at a price that lands */
        o->resubmit--;
        struct l1_tx t = tx_of(50, 0, 0, 0);
        struct l1_fee_policy fp = fixed(100);
        struct l1_callbacks cb = owned_cbs(o);
        l1_submit_owned(o->l1, &t, &fp, &cb, owned_free);
    }
}

/* Freed exactly once, after the last callback, on each path (l1.h,
 * l1_submit_owned): included -> final (2 slots later; freed after `final`, not after
 * `included`); dropped (refused at submission: over a block's gas); replaced and then
 * cancelled (the same transaction keeps its ctx: freed after the cancellation's
 * final); resubmitted from its `dropped` (handed on: freed after the retry's final);
 * taken back in `dropped` (never freed by the L1); and at the run's end, pending or
 * included but not final (freed by l1_free, once). */
static void test_owned_ctx_freed_once(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    /* the base fee falls 12.5% a nearly empty block from 10 gwei: 1 gwei waits to the
     * end, 100 gwei lands in the next block */
    struct l1_fee_policy fp = fixed(100), low = fixed(1);

    /* included, then final */
    frees = 0;
    struct owned *o = owned_new(v->l1);
    struct l1_tx t = tx_of(1, 0, 0, 0);
    struct l1_callbacks cb = owned_cbs(o);
    l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
    run_until(v, SLOT);
    assert_int_equal(o->heard, 1);               /* included; o still valid */
    assert_int_equal(frees, 0);
    run_until(v, 3 * SLOT);
    assert_int_equal(frees, 1);
    assert_int_equal(freed_after, 2);            /* included and final heard */

    /* dropped: refused at submission, freed after its `dropped` event */
    frees = 0;
    o = owned_new(v->l1);
    t = tx_of(2, 0, 0, 40000000);                /* 40M gas: more than a block holds */
    cb = owned_cbs(o);
    l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
    assert_int_equal(frees, 0);                  /* not inside l1_submit */
    run_until(v, sim_now(v->w->sim));
    assert_int_equal(frees, 1);
    assert_int_equal(freed_after, 1);

    /* replaced twice (the second bump lands it): one transaction, one ctx, freed
     * after its final */
    frees = 0;
    o = owned_new(v->l1);
    t = tx_of(3, 0, 0, 0);
    cb = owned_cbs(o);
    l1_tx_id id = l1_submit_owned(v->l1, &t, &low, &cb, owned_free);
    run_until(v, 4 * SLOT);
    struct l1_fee_policy b1 = { .kind = L1_FEE_FIXED, .max_fee = 3 * GWEI / 2, .tip = 3 * GWEI / 2 },
                         b2 = { .kind = L1_FEE_FIXED, .max_fee = 100 * GWEI, .tip = 2 * GWEI };
    assert_int_equal(l1_replace(v->l1, id, &b1), 0);
    run_until(v, 5 * SLOT);
    assert_int_equal(o->heard, 0);               /* 1.5 gwei still waits */
    assert_int_equal(l1_replace(v->l1, id, &b2), 0);
    run_until(v, 6 * SLOT);
    assert_int_equal(o->heard, 1);
    assert_int_equal(frees, 0);
    run_until(v, 8 * SLOT);
    assert_int_equal(frees, 1);
    assert_int_equal(freed_after, 2);

    /* resubmitted from its dropped callback: the retry owns it */
    frees = 0;
    struct owned *r = owned_new(v->l1);
    r->resubmit = 1;
    t = tx_of(4, 0, 0, 40000000);
    cb = owned_cbs(r);
    l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
    run_until(v, 9 * SLOT);                      /* dropped, resubmitted, included */
    assert_int_equal(frees, 0);
    assert_int_equal(r->heard, 2);               /* dropped + the retry's included */
    run_until(v, 11 * SLOT);
    assert_int_equal(frees, 1);
    assert_int_equal(freed_after, 3);            /* dropped, included, final */

    /* taken back inside dropped: the L1 does not free it */
    frees = 0;
    struct owned *k = owned_new(v->l1);
    k->take = true;
    t = tx_of(5, 0, 0, 40000000);
    cb = owned_cbs(k);
    l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
    run_until(v, sim_now(v->w->sim));
    assert_int_equal(frees, 0);
    assert_ptr_equal(k->taken, k);
    owned_free(k);                               /* the test's now */
    assert_int_equal(frees, 1);

    /* at the run's end: one pending and cancelled, one pending, one included and not
     * final: each freed once, by l1_free, none by l1_finish */
    frees = 0;
    o = owned_new(v->l1);
    t = tx_of(6, 0, 0, 0);
    cb = owned_cbs(o);
    id = l1_submit_owned(v->l1, &t, &low, &cb, owned_free);
    assert_int_equal(l1_cancel(v->l1, id), 0);
    o = owned_new(v->l1);
    t = tx_of(7, 0, 0, 0);
    cb = owned_cbs(o);
    l1_submit_owned(v->l1, &t, &low, &cb, owned_free);
    o = owned_new(v->l1);
    t = tx_of(8, 0, 0, 0);
    cb = owned_cbs(o);
    l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
    run_until(v, 12 * SLOT);
    assert_int_equal(o->heard, 1);               /* included, final 2 slots later */
    l1_finish(v->l1);
    assert_int_equal(frees, 0);
    world_free(v->w);
    v->w = NULL;
    assert_int_equal(frees, 3);
    env_free(v);
}

/* ---- timers that own their object (l1_at_owned) ----------------------------------------- */

/* An l1_at_owned object: what its fn saw, and a log the test reads after the free. */
struct owned_timer_obj {
    struct l1 *l1;
    int       *ran;              /* the test's counter of fn runs, outliving the object */
    uint64_t   seen_height;      /* l1_height when fn ran */
};

static void owned_timer_fn(void *obj)
{
    struct owned_timer_obj *o = obj;
    (*o->ran)++;
    o->seen_height = l1_height(o->l1);
}

static void owned_timer_free(void *obj)
{
    struct owned_timer_obj *o = obj;
    frees++;
    freed_after = (int)o->seen_height;
    free(o);
}

static struct owned_timer_obj *timer_obj(struct l1 *l1, int *ran)
{
    struct owned_timer_obj *o = calloc(1, sizeof *o);
    *o = (struct owned_timer_obj){ .l1 = l1, .ran = ran };
    return o;
}

static void stop_now(struct sim *sim, void *ctx, const void *payload)
{
    (void)ctx, (void)payload;
    sim_stop(sim);
}

/* The L1 frees an l1_at_owned timer's object exactly once (l1.h):
 *  - after fn runs, at a time between slots;
 *  - after fn runs, for a timer at a slot time set before that slot's event: it waits
 *    for the block (fn sees height 3), then is freed;
 *  - with free() when no free_fn is given (ASan's leak check would report it);
 *  - at the run's end, never run: one set after the run's end (freed by world_free,
 *    not by l1_finish), and one stopped while it waited for its slot's block (the run
 *    interrupted between the timer's event and the slot's: freed by l1_free). */
static void test_owned_timer_freed_once(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    int ran = 0;

    /* between slots */
    frees = 0;
    l1_at_owned(v->l1, SLOT + SLOT / 2, owned_timer_fn, timer_obj(v->l1, &ran),
                owned_timer_free);
    run_until(v, SLOT);
    assert_int_equal(ran, 0);
    assert_int_equal(frees, 0);
    run_until(v, 2 * SLOT);
    assert_int_equal(ran, 1);
    assert_int_equal(frees, 1);
    assert_int_equal(freed_after, 1);            /* fn saw block 1, then the free */

    /* at slot time 3 x slot, set now (before slot 3's event exists): after block 3 */
    frees = 0;
    l1_at_owned(v->l1, 3 * SLOT, owned_timer_fn, timer_obj(v->l1, &ran), owned_timer_free);
    run_until(v, 3 * SLOT);
    assert_int_equal(ran, 2);
    assert_int_equal(frees, 1);
    assert_int_equal(freed_after, 3);

    /* free_fn NULL: free() (a leak otherwise, which ASan's leak check reports) */
    l1_at_owned(v->l1, 4 * SLOT, owned_timer_fn, timer_obj(v->l1, &ran), NULL);
    run_until(v, 4 * SLOT);
    assert_int_equal(ran, 3);

    /* the run's end: one waiting for its slot's block when the run is interrupted (set
     * for 6 x slot now, so its event runs before slot 6's; a plain event after it
     * stops the run), one set for after the end */
    frees = 0;
    l1_at_owned(v->l1, 6 * SLOT, owned_timer_fn, timer_obj(v->l1, &ran), owned_timer_free);
    sim_at(v->w->sim, 6 * SLOT, stop_now, NULL, NULL, 0);
    l1_at_owned(v->l1, 100 * SLOT, owned_timer_fn, timer_obj(v->l1, &ran), owned_timer_free);
    assert_int_equal(sim_run(v->w->sim, 10 * SLOT, 0), SIM_STOP_REQUESTED);
    assert_int_equal(sim_now(v->w->sim), 6 * SLOT);
    assert_int_equal(l1_height(v->l1), 5);       /* slot 6 not built: the timer waits */
    assert_int_equal(ran, 3);
    l1_finish(v->l1);
    assert_int_equal(frees, 0);
    world_free(v->w);
    v->w = NULL;
    assert_int_equal(frees, 2);
    assert_int_equal(ran, 3);                    /* freed, never run */
    env_free(v);
}

/* An owned ctx belongs to one transaction at a time: submitting it again while its
 * transaction is in flight (here: pending) is a panic, not a double free later. */
static void test_owned_ctx_twice_panics(void **state)
{
    (void)state;
    char errf[64];
    snprintf(errf, sizeof errf, "/tmp/l2sim-l1api-twice-%ld.err", (long)getpid());
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(errf, "w", stderr))
            _exit(3);
        struct env *v = env_new("prague", false);
        struct owned *o = owned_new(v->l1);
        struct l1_tx t = tx_of(1, 0, 0, 0);
        struct l1_fee_policy fp = fixed(5);
        struct l1_callbacks cb = owned_cbs(o);
        l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
        t = tx_of(2, 0, 0, 0);
        l1_submit_owned(v->l1, &t, &fp, &cb, owned_free);
        _exit(0);                                /* not reached */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(errf);
    assert_non_null(strstr(buf, "owned by transaction 1"));
}

/* ---- fee bumps under a cap ------------------------------------------------------------ */

static bool exclude_first_blocks(void *ctx, const struct mp_tx *tx)
{
    (void)tx;
    const struct env *v = ctx;
    return l1_height(v->l1) < 2;          /* block 1 leaves it out */
}

/* A waiting sender's bump raises its max fee and tip by bump_pct, the max fee at most
 * to the policy's cap; the tip never passes the max fee (EIP-1559:
 * max_priority_fee_per_gas <= max_fee_per_gas). Here max fee = tip = 100 gwei, bumped
 * 13% a block with a cap of 112 gwei: the bump as block 1 is built takes the max fee to
 * 112 (12%, enough for the pool's 10%) and the tip to 112 too, not 113; block 1 leaves
 * it out; the bump at block 2 cannot raise the max fee and is refused. Included in
 * block 2 at a 10-ish gwei base fee, it pays a tip of 112 gwei less the base fee (an
 * L1 that let the tip pass the max fee would include a transaction that cannot pay:
 * a panic). */
static void test_capped_bump_keeps_tip_under_max_fee(void **state)
{
    (void)state;
    struct env *v = env_new("prague", false);
    struct l1_builder_hook hk = { NULL, exclude_first_blocks, v };
    l1_add_builder_hook(v->l1, &hk);
    struct heard h = { 0 };
    struct l1_fee_policy fp = { .kind = L1_FEE_FIXED, .max_fee = 100 * GWEI, .tip = 100 * GWEI,
                                .cap = 112 * GWEI, .bump_after = 1, .bump_pct = 13 };
    struct l1_tx t = tx_of(1, 0, 0, 0);
    struct l1_callbacks cb = cbs(&h);
    l1_submit(v->l1, &t, &fp, &cb);
    run_until(v, 4 * SLOT);
    assert_int_equal(h.included, 1);
    assert_int_equal(h.r.height, 2);
    assert_int_equal(h.r.priority_fee_per_gas, 112 * GWEI - h.r.base_fee_per_gas);
    env_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_gas_eip2028_eip7623, teardown),
        cmocka_unit_test_teardown(test_gas_cap_eip7825, teardown),
        cmocka_unit_test_teardown(test_drops_never_inside_submit, teardown),
        cmocka_unit_test_teardown(test_replace_and_cancel, teardown),
        cmocka_unit_test_teardown(test_deadline_by_slot_time, teardown),
        cmocka_unit_test_teardown(test_l1_txs_sum_to_paid_by, teardown),
        cmocka_unit_test_teardown(test_capped_bump_keeps_tip_under_max_fee, teardown),
        cmocka_unit_test_teardown(test_owned_ctx_freed_once, teardown),
        cmocka_unit_test_teardown(test_owned_timer_freed_once, teardown),
        cmocka_unit_test(test_owned_ctx_twice_panics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

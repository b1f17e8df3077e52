/* test_mempool.c — models/l1/mempool against the rules Ethereum clients apply to
 * pending transactions: the block builder's order (EIP-1559 effective tip, then
 * arrival; per-sender nonce order, go-ethereum miner transactionsByPriceAndNonce),
 * gas and blob limits (EIP-4844), same-nonce replacement (go-ethereum legacypool
 * PriceBump 10%, blobpool 100%), the size cap, expiry, and a long randomized run
 * checked step by step against a reference model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "models/l1/mempool.h"

#define GWEI          UINT64_C(1000000000)
#define TX_GAS        UINT64_C(21000)           /* Yellow Paper G_transaction */
#define GAS_PER_BLOB  (UINT64_C(1) << 17)       /* EIP-4844 GAS_PER_BLOB = 131072 */
#define NO_DEADLINE   INT64_MAX

/* A test transaction: the pool's struct first (the pool frees it by that pointer), then
 * what the reference model needs to recognise it. */
struct wtx {
    struct mp_tx tx;
    uint64_t     id;
};

static struct mp_tx *mk(uint64_t seq, uint64_t sender, uint64_t gas, uint64_t max_fee,
                        uint64_t max_prio)
{
    struct wtx *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->id = seq;
    w->tx.seq = seq;
    w->tx.sender_id = sender;
    w->tx.gas = gas;
    w->tx.max_fee = max_fee;
    w->tx.max_prio = max_prio;
    w->tx.deadline = NO_DEADLINE;
    return &w->tx;
}

/* The pool of the running test, freed by the teardown should the test fail (cmocka
 * leaves a failing test by longjmp). */
static struct mempool *cur;

static struct mempool *pool(size_t max_txs)
{
    mp_free(cur);
    return cur = mp_new(max_txs);
}

static void pool_done(void)
{
    mp_free(cur);
    cur = NULL;
}

static int teardown(void **state)
{
    pool_done();
    return 0;
}

static uint64_t id_of(const struct mp_tx *t) { return ((const struct wtx *)t)->id; }

/* Add to a pool that has room: must be accepted with nothing evicted. */
static void add_ok(struct mempool *mp, struct mp_tx *t)
{
    struct mp_tx **ev = NULL;
    size_t nev = 0;
    assert_true(mp_add(mp, t, &ev, &nev));
    assert_int_equal(nev, 0);
    free(ev);
}

/* Build with a blob limit of `blob_limit` blobs and blob base fee 1 wei. Returns the
 * number included; *out (caller frees array and transactions) in inclusion order. */
static size_t build(struct mempool *mp, uint64_t base_fee, uint64_t gas_limit,
                    uint32_t blob_limit, struct mp_tx ***out, struct mp_block *blk)
{
    size_t n = 0;
    *out = NULL;
    mp_build(mp, base_fee, 1, gas_limit, blob_limit * GAS_PER_BLOB, NULL, NULL, out, &n, blk);
    return n;
}

static void expect_order(struct mp_tx **got, size_t n, const uint64_t *want, size_t nwant)
{
    for (size_t i = 0; i < n && i < nwant; i++)
        if (id_of(got[i]) != want[i])
            fail_msg("inclusion %zu: got tx %llu, want tx %llu", i,
                     (unsigned long long)id_of(got[i]), (unsigned long long)want[i]);
    assert_int_equal(n, nwant);
}

static void free_all(struct mp_tx **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- the builder ------------------------------------------------------------------ */

/* EIP-1559: the proposer receives min(max_priority_fee, max_fee - base_fee) per gas, so
 * that is what a builder sorts by — not the max priority fee as written; equal tips go
 * to the earlier arrival (go-ethereum txByPriceAndTime). A transaction whose max fee is
 * below the base fee cannot be included (EIP-1559: assert max_fee_per_gas >= base_fee)
 * and stays pending. */
static void test_build_orders_by_effective_tip(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t base = 10 * GWEI;
    /* added out of seq order: arrival order is seq, not the order of mp_add calls */
    add_ok(mp, mk(4, 104, TX_GAS, 30 * GWEI, 2 * GWEI));    /* tip 2 */
    add_ok(mp, mk(2, 102, TX_GAS, 11 * GWEI, 5 * GWEI));    /* tip min(5, 11-10) = 1 */
    add_ok(mp, mk(5, 105, TX_GAS, 9 * GWEI, 9 * GWEI));     /* max fee < base fee */
    add_ok(mp, mk(1, 101, TX_GAS, 100 * GWEI, 2 * GWEI));   /* tip 2, earlier than 4 */
    add_ok(mp, mk(3, 103, TX_GAS, 50 * GWEI, 3 * GWEI));    /* tip 3 */

    struct mp_tx probe = { .max_fee = 11 * GWEI, .max_prio = 5 * GWEI };
    assert_int_equal(mp_effective_tip(&probe, base), 1 * GWEI);
    probe.max_fee = 100 * GWEI;
    assert_int_equal(mp_effective_tip(&probe, base), 5 * GWEI);

    struct mp_tx **out;
    struct mp_block blk;
    size_t n = build(mp, base, 30000000, 6, &out, &blk);
    static const uint64_t want[] = { 3, 1, 4, 2 };
    expect_order(out, n, want, 4);
    assert_int_equal(blk.gas_used, 4 * TX_GAS);
    assert_int_equal(blk.blob_gas_used, 0);
    assert_int_equal(mp_size(mp), 1);          /* tx 5 waits for a lower base fee */
    free_all(out, n);

    /* once the base fee falls to its max fee it is included, with a zero tip */
    n = build(mp, 9 * GWEI, 30000000, 6, &out, &blk);
    static const uint64_t want2[] = { 5 };
    expect_order(out, n, want2, 1);
    assert_int_equal(mp_size(mp), 0);
    free_all(out, n);
    pool_done();
}

/* Nonce order (go-ethereum miner, transactionsByPriceAndNonce): only each sender's next
 * transaction is a candidate; its successor becomes one once it is included, in the
 * same block. So a sender's second transaction never precedes its first, however much
 * more it tips. */
static void test_build_sender_nonce_order(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t base = 10 * GWEI, cap = 100 * GWEI;
    add_ok(mp, mk(1, 7, TX_GAS, cap, 1 * GWEI));     /* S nonce 0: tip 1 */
    add_ok(mp, mk(2, 7, TX_GAS, cap, 10 * GWEI));    /* S nonce 1: tip 10, the best */
    add_ok(mp, mk(3, 8, TX_GAS, cap, 5 * GWEI));     /* T: tip 5 */
    add_ok(mp, mk(4, 9, TX_GAS, cap, 3 * GWEI));     /* U: tip 3 */

    struct mp_tx **out;
    struct mp_block blk;
    size_t n = build(mp, base, 30000000, 6, &out, &blk);
    static const uint64_t want[] = { 3, 4, 1, 2 };
    expect_order(out, n, want, 4);
    free_all(out, n);

    /* room for two: S's second cannot jump its first, so it waits */
    add_ok(mp, mk(5, 7, TX_GAS, cap, 1 * GWEI));
    add_ok(mp, mk(6, 7, TX_GAS, cap, 50 * GWEI));
    add_ok(mp, mk(7, 8, TX_GAS, cap, 5 * GWEI));
    n = build(mp, base, 2 * TX_GAS, 6, &out, &blk);
    static const uint64_t want2[] = { 7, 5 };
    expect_order(out, n, want2, 2);
    assert_int_equal(mp_size(mp), 1);
    free_all(out, n);
    n = build(mp, base, 2 * TX_GAS, 6, &out, &blk);
    static const uint64_t want3[] = { 6 };
    expect_order(out, n, want3, 1);
    free_all(out, n);

    /* a first transaction that cannot pay the base fee holds back the sender's next */
    add_ok(mp, mk(8, 7, TX_GAS, 9 * GWEI, 1 * GWEI));
    add_ok(mp, mk(9, 7, TX_GAS, cap, 20 * GWEI));
    n = build(mp, base, 30000000, 6, &out, &blk);
    assert_int_equal(n, 0);
    assert_int_equal(mp_size(mp), 2);
    free(out);
    pool_done();
}

/* A transaction that does not fit the gas left is skipped and its sender is done for
 * this block (go-ethereum: txs.Pop() on ErrGasLimitReached), while smaller transactions
 * of other senders still fill the block; building stops when less than 21000 gas is
 * left (no transaction can use less, Yellow Paper G_transaction). */
static void test_build_skips_what_does_not_fit(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t base = 10 * GWEI, cap = 100 * GWEI;
    add_ok(mp, mk(1, 1, 100000, cap, 10 * GWEI));    /* X */
    add_ok(mp, mk(2, 2, 60000, cap, 8 * GWEI));      /* Y nonce 0: too big for what is left */
    add_ok(mp, mk(3, 2, TX_GAS, cap, 20 * GWEI));    /* Y nonce 1: would fit, but Y waits */
    add_ok(mp, mk(4, 3, TX_GAS, cap, 3 * GWEI));     /* Z */
    add_ok(mp, mk(5, 4, TX_GAS, cap, 2 * GWEI));     /* W: no room left after Z */

    struct mp_tx **out;
    struct mp_block blk;
    size_t n = build(mp, base, 130000, 6, &out, &blk);
    static const uint64_t want[] = { 1, 4 };
    expect_order(out, n, want, 2);
    assert_int_equal(blk.gas_used, 121000);
    assert_int_equal(mp_size(mp), 3);
    free_all(out, n);

    n = build(mp, base, 30000000, 6, &out, &blk);
    static const uint64_t want2[] = { 2, 3, 5 };
    expect_order(out, n, want2, 3);
    assert_int_equal(blk.gas_used, 60000 + 2 * TX_GAS);
    free_all(out, n);
    pool_done();
}

/* EIP-4844: a blob takes GAS_PER_BLOB = 2^17 blob gas; a block holds at most
 * MAX_BLOB_GAS_PER_BLOCK; a blob transaction is valid only if max_fee_per_blob_gas >=
 * the block's blob base fee. */
static void test_build_blob_limit(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t base = 10 * GWEI, cap = 100 * GWEI;
    struct mp_tx *p = mk(1, 1, TX_GAS, cap, 10 * GWEI), *q = mk(2, 2, TX_GAS, cap, 9 * GWEI),
                 *r = mk(3, 3, TX_GAS, cap, 8 * GWEI), *s = mk(4, 4, TX_GAS, cap, 1 * GWEI),
                 *cheap = mk(5, 5, TX_GAS, cap, 20 * GWEI);
    p->blobs = 2, q->blobs = 2, r->blobs = 1, cheap->blobs = 1;
    p->max_blob_fee = q->max_blob_fee = r->max_blob_fee = 1000;
    cheap->max_blob_fee = 99;                        /* below the blob base fee of 100 */
    add_ok(mp, p), add_ok(mp, q), add_ok(mp, r), add_ok(mp, s), add_ok(mp, cheap);

    struct mp_tx **out = NULL;
    size_t n = 0;
    struct mp_block blk;
    mp_build(mp, base, 100, 30000000, 3 * GAS_PER_BLOB, NULL, NULL, &out, &n, &blk);
    static const uint64_t want[] = { 1, 3, 4 };     /* q's 2 blobs do not fit after p's 2 */
    expect_order(out, n, want, 3);
    assert_int_equal(blk.blob_gas_used, 3 * GAS_PER_BLOB);
    assert_int_equal(blk.gas_used, 3 * TX_GAS);
    assert_int_equal(mp_size(mp), 2);
    free_all(out, n);

    /* at a blob base fee of 99 wei the cheap blob transaction qualifies */
    out = NULL, n = 0;
    mp_build(mp, base, 99, 30000000, 3 * GAS_PER_BLOB, NULL, NULL, &out, &n, &blk);
    static const uint64_t want2[] = { 5, 2 };
    expect_order(out, n, want2, 2);
    assert_int_equal(blk.blob_gas_used, 3 * GAS_PER_BLOB);
    free_all(out, n);
    pool_done();
}

static bool exclude_origin_7(void *ctx, const struct mp_tx *tx)
{
    (*(int *)ctx)++;
    return tx->origin == 7;
}

/* A censoring proposer's filter: an excluded transaction is left out and, since later
 * nonces cannot execute without it, so is the rest of its sender's queue. */
static void test_build_excluded_hides_sender_queue(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t base = 10 * GWEI, cap = 100 * GWEI;
    struct mp_tx *a1 = mk(1, 1, TX_GAS, cap, 9 * GWEI), *a2 = mk(2, 1, TX_GAS, cap, 9 * GWEI),
                 *b1 = mk(3, 2, TX_GAS, cap, 1 * GWEI), *c1 = mk(4, 3, TX_GAS, cap, 2 * GWEI),
                 *c2 = mk(5, 3, TX_GAS, cap, 2 * GWEI), *c3 = mk(6, 3, TX_GAS, cap, 2 * GWEI);
    a1->origin = 7;                                  /* a2 is innocent but behind a1 */
    c2->origin = 7;                                  /* c1 goes, c2 and c3 wait */
    add_ok(mp, a1), add_ok(mp, a2), add_ok(mp, b1), add_ok(mp, c1), add_ok(mp, c2),
        add_ok(mp, c3);
    struct mp_tx **out = NULL;
    size_t n = 0;
    struct mp_block blk;
    int calls = 0;
    mp_build(mp, base, 1, 30000000, 6 * GAS_PER_BLOB, exclude_origin_7, &calls, &out, &n,
             &blk);
    static const uint64_t want[] = { 4, 3 };
    expect_order(out, n, want, 2);
    assert_true(calls > 0);
    assert_int_equal(mp_size(mp), 4);
    free_all(out, n);

    /* an honest proposer includes them all, in nonce order per sender */
    out = NULL, n = 0;
    mp_build(mp, base, 1, 30000000, 6 * GAS_PER_BLOB, NULL, NULL, &out, &n, &blk);
    static const uint64_t want2[] = { 1, 2, 5, 6 };
    expect_order(out, n, want2, 4);
    free_all(out, n);
    pool_done();
}

/* ---- replacement ------------------------------------------------------------------ */

/* go-ethereum legacypool (list.Add, DefaultConfig.PriceBump = 10): a same-nonce
 * replacement must raise both the max fee and the max priority fee by 10%. */
static void test_replace_needs_ten_percent_on_both(void **state)
{
    struct mempool *mp = pool(100);
    struct mp_tx *t = mk(1, 1, TX_GAS, 100 * GWEI, 2 * GWEI);
    add_ok(mp, t);
    /* +9% on both: refused, nothing changes */
    assert_false(mp_replace(mp, t, 109 * GWEI, 2180000000, 0, 10, 0));
    assert_int_equal(t->max_fee, 100 * GWEI);
    assert_int_equal(t->max_prio, 2 * GWEI);
    assert_int_equal(t->seq, 1);
    /* +10% on one of them only: refused */
    assert_false(mp_replace(mp, t, 110 * GWEI, 2 * GWEI, 0, 11, 0));
    assert_false(mp_replace(mp, t, 100 * GWEI, 2200000000, 0, 12, 0));
    assert_false(mp_replace(mp, t, 200 * GWEI, 2199999999, 0, 13, 0));
    assert_int_equal(t->max_fee, 100 * GWEI);
    /* +10% on both: accepted */
    assert_true(mp_replace(mp, t, 110 * GWEI, 2200000000, 0, 14, 0));
    assert_int_equal(t->max_fee, 110 * GWEI);
    assert_int_equal(t->max_prio, 2200000000);
    assert_int_equal(t->seq, 14);
    /* the next bump is measured from the replacement: 120 is +9.09% of 110 */
    assert_false(mp_replace(mp, t, 120 * GWEI, 3 * GWEI, 0, 15, 0));
    assert_true(mp_replace(mp, t, 121 * GWEI, 2420000000, 0, 16, 0));
    assert_int_equal(mp_size(mp), 1);
    pool_done();
}

/* go-ethereum blobpool (Config.PriceBump = 100): replacing a blob transaction needs
 * +100% on the max fee, the max priority fee and the max fee per blob gas. */
static void test_replace_blob_needs_double(void **state)
{
    struct mempool *mp = pool(100);
    struct mp_tx *t = mk(1, 1, TX_GAS, 100 * GWEI, 2 * GWEI);
    t->blobs = 1;
    t->max_blob_fee = 10 * GWEI;
    add_ok(mp, t);
    assert_false(mp_replace(mp, t, 110 * GWEI, 2200000000, 11 * GWEI, 2, 0));   /* +10% */
    assert_false(mp_replace(mp, t, 199 * GWEI, 3980000000, 19900000000, 3, 0));  /* +99% */
    assert_false(mp_replace(mp, t, 200 * GWEI, 4 * GWEI, 19999999999, 4, 0));    /* blob fee short */
    assert_false(mp_replace(mp, t, 200 * GWEI, 3999999999, 20 * GWEI, 5, 0));    /* tip short */
    assert_false(mp_replace(mp, t, 199999999999, 4 * GWEI, 20 * GWEI, 6, 0));    /* max fee short */
    assert_int_equal(t->max_fee, 100 * GWEI);
    assert_int_equal(t->max_blob_fee, 10 * GWEI);
    assert_true(mp_replace(mp, t, 200 * GWEI, 4 * GWEI, 20 * GWEI, 7, 0));
    assert_int_equal(t->max_fee, 200 * GWEI);
    assert_int_equal(t->max_prio, 4 * GWEI);
    assert_int_equal(t->max_blob_fee, 20 * GWEI);
    assert_int_equal(t->seq, 7);
    pool_done();
}

/* go-ethereum legacypool list.Add rejects a replacement unless "both the new fee cap
 * and tip are higher than the old ones" (old.GasFeeCapCmp(tx) >= 0 ||
 * old.GasTipCapCmp(tx) >= 0 -> false), besides the percentage threshold; the blobpool
 * likewise ("new tx gas tip cap %v <= %v queued"). A zero tip stays zero under any
 * percentage, so 0 -> 0 must be refused; 0 -> 1 wei qualifies. */
static void test_replace_zero_tip_must_rise(void **state)
{
    struct mempool *mp = pool(100);
    struct mp_tx *t = mk(1, 1, TX_GAS, 100 * GWEI, 0);
    add_ok(mp, t);
    assert_false(mp_replace(mp, t, 110 * GWEI, 0, 0, 2, 0));
    assert_int_equal(t->max_fee, 100 * GWEI);
    assert_int_equal(t->seq, 1);
    assert_true(mp_replace(mp, t, 110 * GWEI, 1, 0, 3, 0));
    pool_done();
}

/* go-ethereum legacypool list.Add: thresholdFeeCap = oldFC * (100 + priceBump) / 100 in
 * integer arithmetic (rounded down), new >= threshold. At wei level 15 -> 16 is a
 * valid replacement (15 * 110 / 100 = 16), as is tip 10 -> 11. */
static void test_replace_threshold_rounds_down(void **state)
{
    struct mempool *mp = pool(100);
    struct mp_tx *u = mk(1, 2, TX_GAS, 15, 10);
    add_ok(mp, u);
    assert_false(mp_replace(mp, u, 15, 11, 0, 2, 0));   /* fee cap not higher */
    assert_true(mp_replace(mp, u, 16, 11, 0, 3, 0));
    assert_int_equal(u->max_fee, 16);
    pool_done();
}

/* A replacement keeps its sender's queue position (same nonce) but is a new arrival:
 * its seq is the replacement's, so ties against older transactions now go the other
 * way. */
static void test_replace_keeps_nonce_takes_new_seq(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t base = 10 * GWEI;
    struct mp_tx *s1 = mk(1, 1, TX_GAS, 100 * GWEI, 1 * GWEI),
                 *s2 = mk(2, 1, TX_GAS, 100 * GWEI, 1 * GWEI),
                 *r1 = mk(3, 2, TX_GAS, 100 * GWEI, 2 * GWEI),
                 *t1 = mk(5, 3, TX_GAS, 110 * GWEI, 2200000000);
    add_ok(mp, s1), add_ok(mp, s2), add_ok(mp, r1), add_ok(mp, t1);
    assert_true(mp_replace(mp, s2, 500 * GWEI, 50 * GWEI, 0, 10, 0));  /* s2 tips most now */
    assert_true(mp_replace(mp, r1, 110 * GWEI, 2200000000, 0, 11, 0)); /* ties with t1, later */
    struct mp_tx **out;
    struct mp_block blk;
    size_t n = build(mp, base, 30000000, 6, &out, &blk);
    /* t1 (2.2, seq 5) before r1 (2.2, seq 11); s2 only after s1 */
    static const uint64_t want[] = { 5, 3, 1, 2 };
    expect_order(out, n, want, 4);
    free_all(out, n);
    pool_done();
}

/* ---- the tie order between origins ------------------------------------------------ */

/* Two origins (schemes 1 and 2 on one L1) each submit a transaction at each of 200
 * instants, origin 1 always first (lower seq), at equal fees. The builder keeps
 * first-come-first-served across instants, and within an instant neither origin
 * always wins: origin 1 goes first at between 70 and 130 of the 200 (the hash rank
 * is a fair coin per instant: 100 +- 4.2 sigma). Eviction at equal max fee takes
 * the pair's later one in the same order, so it too is shared. */
static void test_ties_fair_between_origins(void **state)
{
    enum { N = 200 };
    struct mempool *mp = pool(2 * N);
    for (uint64_t k = 0; k < N; k++)
        for (uint32_t o = 1; o <= 2; o++) {
            struct mp_tx *t = mk(2 * k + o, 2 * k + o, TX_GAS, 100 * GWEI, GWEI);
            t->origin = o;
            t->submit = (sim_time)(k * 1000);
            add_ok(mp, t);
        }
    /* a full pool evicts at equal max fee: the later of a pair in the tie order */
    size_t evicted_of[3] = { 0, 0, 0 };
    for (uint64_t k = 0; k < N; k++) {
        struct mp_tx *t = mk(10000 + k, 10000 + k, TX_GAS, 200 * GWEI, GWEI);
        t->submit = (sim_time)(N * 1000 + k);
        struct mp_tx **ev = NULL;
        size_t nev = 0;
        assert_true(mp_add(mp, t, &ev, &nev));
        assert_int_equal(nev, 1);
        /* newest instant first */
        assert_int_equal(ev[0]->submit, (sim_time)((N - 1 - k / 2) * 1000));
        evicted_of[ev[0]->origin]++;
        free_all(ev, nev);
    }
    assert_true(evicted_of[1] >= 70 && evicted_of[1] <= 130);
    assert_int_equal(evicted_of[1] + evicted_of[2], N);

    struct mp_tx **out;
    struct mp_block blk;
    size_t n = build(mp, 10 * GWEI, 1000 * TX_GAS, 0, &out, &blk);
    assert_int_equal(n, 2 * N);
    size_t first1 = 0;
    for (size_t i = 0; i < N; i += 2) {     /* first the 100 surviving instants' pairs */
        assert_true(out[i]->submit == out[i + 1]->submit);
        assert_true(out[i]->submit < N * 1000);
        if (i > 0)
            assert_true(out[i]->submit > out[i - 1]->submit);
        first1 += out[i]->origin == 1;
    }
    free_all(out, n);
    /* and the builder's order within an instant is the same coin: mp_tie */
    size_t wins = 0;
    for (sim_time k = 0; k < N; k++)
        wins += mp_tie(1, k * 1000) < mp_tie(2, k * 1000);
    assert_true(wins >= 70 && wins <= 130);
    assert_true(first1 >= 25 && first1 <= 75);     /* of 100 pairs: 50 +- 5 sigma */
    pool_done();
}

/* ---- the size cap ----------------------------------------------------------------- */

static void add_full(struct mempool *mp, struct mp_tx *t, bool want_ok,
                     const uint64_t *want_evicted, size_t nwant)
{
    struct mp_tx **ev = NULL;
    size_t nev = 0;
    bool ok = mp_add(mp, t, &ev, &nev);
    assert_int_equal(ok, want_ok);
    expect_order(ev, nev, want_evicted, nwant);
    free_all(ev, nev);
    if (!ok)
        free(t);            /* refused: still ours */
}

/* When the pool is full, a newcomer that pays more (by max fee) than the cheapest
 * pending transaction evicts it — with the later transactions of its sender, which
 * cannot execute without it; the newest goes first among equal max fees; a newcomer
 * that is the cheapest (or as cheap as the cheapest: go-ethereum pricedList.Underpriced)
 * is refused. */
static void test_cap_evicts_cheapest(void **state)
{
    struct mempool *mp = pool(3);
    add_ok(mp, mk(1, 1, TX_GAS, 8 * GWEI, 1 * GWEI));     /* B nonce 0: the cheapest */
    add_ok(mp, mk(2, 1, TX_GAS, 30 * GWEI, 1 * GWEI));    /* B nonce 1 */
    add_ok(mp, mk(3, 2, TX_GAS, 20 * GWEI, 1 * GWEI));    /* A */
    static const uint64_t ev1[] = { 1, 2 };
    add_full(mp, mk(4, 3, TX_GAS, 25 * GWEI, 1 * GWEI), true, ev1, 2);
    assert_int_equal(mp_size(mp), 2);
    add_ok(mp, mk(5, 4, TX_GAS, 21 * GWEI, 1 * GWEI));
    assert_int_equal(mp_size(mp), 3);
    /* cheaper than everything pending: refused, nothing evicted */
    add_full(mp, mk(6, 5, TX_GAS, 19 * GWEI, 1 * GWEI), false, NULL, 0);
    /* as cheap as the cheapest (A, 20): refused */
    add_full(mp, mk(7, 5, TX_GAS, 20 * GWEI, 1 * GWEI), false, NULL, 0);
    assert_int_equal(mp_size(mp), 3);
    /* dearer: A goes */
    static const uint64_t ev2[] = { 3 };
    add_full(mp, mk(8, 5, TX_GAS, 40 * GWEI, 1 * GWEI), true, ev2, 1);
    assert_int_equal(mp_size(mp), 3);
    pool_done();

    /* equal max fees: the newest is evicted first */
    mp = pool(2);
    add_ok(mp, mk(1, 1, TX_GAS, 10 * GWEI, 1 * GWEI));
    add_ok(mp, mk(2, 2, TX_GAS, 10 * GWEI, 1 * GWEI));
    static const uint64_t ev3[] = { 2 };
    add_full(mp, mk(3, 3, TX_GAS, 11 * GWEI, 1 * GWEI), true, ev3, 1);
    static const uint64_t ev4[] = { 1 };
    add_full(mp, mk(4, 4, TX_GAS, 12 * GWEI, 1 * GWEI), true, ev4, 1);
    pool_done();

    /* a replacement is a new arrival: among equal max fees it is now the newest */
    mp = pool(2);
    struct mp_tx *old = mk(1, 1, TX_GAS, 10 * GWEI, 1 * GWEI);
    add_ok(mp, old);
    add_ok(mp, mk(2, 2, TX_GAS, 11 * GWEI, 1100000000));
    assert_true(mp_replace(mp, old, 11 * GWEI, 1100000000, 0, 3, 0));
    static const uint64_t ev5[] = { 1 };
    add_full(mp, mk(4, 3, TX_GAS, 12 * GWEI, 1 * GWEI), true, ev5, 1);
    pool_done();
}

/* xorshift64*: a fixed-seed generator for the property loops, independent of l2sim's. */
static uint64_t xs_state;
static uint64_t xs(void)
{
    xs_state ^= xs_state >> 12;
    xs_state ^= xs_state << 25;
    xs_state ^= xs_state >> 27;
    return xs_state * UINT64_C(2685821657736338717);
}
static uint64_t xs_below(uint64_t n) { return xs() % n; }

struct min_ctx { uint64_t min_fee; };
static void each_min(void *ctx, struct mp_tx *t)
{
    struct min_ctx *c = ctx;
    if (t->max_fee < c->min_fee)
        c->min_fee = t->max_fee;
}

/* The pool never holds more than its cap, whatever is added; a refused newcomer is no
 * dearer than the cheapest pending transaction, an accepted one into a full pool is. */
static void test_cap_never_exceeded(void **state)
{
    enum { CAP = 50, ADDS = 20000 };
    xs_state = UINT64_C(0x9E3779B97F4A7C15);
    struct mempool *mp = pool(CAP);
    uint64_t refused = 0, evicting = 0;
    for (uint64_t i = 1; i <= ADDS; i++) {
        struct mp_tx *t = mk(i, xs_below(80), TX_GAS, (1 + xs_below(40)) * GWEI,
                             xs_below(3) * GWEI);
        uint64_t fee = t->max_fee;
        struct min_ctx c = { UINT64_MAX };
        mp_each(mp, each_min, &c);
        bool full = mp_size(mp) == CAP;
        struct mp_tx **ev = NULL;
        size_t nev = 0;
        bool ok = mp_add(mp, t, &ev, &nev);
        if (!ok) {
            assert_true(full);
            if (fee > c.min_fee)
                fail_msg("add %llu: max fee %llu refused though the cheapest pays %llu",
                         (unsigned long long)i, (unsigned long long)fee,
                         (unsigned long long)c.min_fee);
            free(t);
            refused++;
        } else if (full) {
            assert_true(nev >= 1);
            assert_true(fee > c.min_fee);
            assert_int_equal(ev[0]->max_fee, c.min_fee);
            evicting++;
        }
        free_all(ev, nev);
        if (mp_size(mp) > CAP)
            fail_msg("after add %llu the pool holds %zu > %d", (unsigned long long)i,
                     mp_size(mp), CAP);
        if (i % 7 == 0) {           /* blocks now and then, so senders come and go */
            struct mp_tx **out;
            struct mp_block blk;
            size_t n = build(mp, 20 * GWEI, 5 * TX_GAS, 6, &out, &blk);
            free_all(out, n);
        }
    }
    assert_true(refused > 100 && evicting > 100);
    pool_done();
}

/* ---- expiry ----------------------------------------------------------------------- */

/* A sender who gives up (deadline before now) takes the rest of its queue with it: the
 * later nonces cannot execute without it. A deadline equal to now has not passed. */
static void test_expire_takes_later_nonces(void **state)
{
    struct mempool *mp = pool(100);
    uint64_t cap = 100 * GWEI;
    struct mp_tx *s1 = mk(1, 1, TX_GAS, cap, GWEI), *s2 = mk(2, 1, TX_GAS, cap, GWEI),
                 *s3 = mk(3, 1, TX_GAS, cap, GWEI), *t1 = mk(4, 2, TX_GAS, cap, GWEI),
                 *t2 = mk(5, 2, TX_GAS, cap, GWEI), *t3 = mk(6, 2, TX_GAS, cap, GWEI),
                 *u1 = mk(7, 3, TX_GAS, cap, GWEI);
    s1->deadline = 100, s2->deadline = 1000, s3->deadline = 50;
    t2->deadline = 150;
    u1->deadline = 200;
    add_ok(mp, s1), add_ok(mp, s2), add_ok(mp, s3), add_ok(mp, t1), add_ok(mp, t2),
        add_ok(mp, t3), add_ok(mp, u1);
    struct mp_tx **out = NULL;
    size_t n = 0;
    mp_expire(mp, 200, &out, &n);
    assert_int_equal(n, 5);
    bool gone[8] = { false };
    for (size_t i = 0; i < n; i++) {
        assert_false(gone[id_of(out[i])]);
        gone[id_of(out[i])] = true;
    }
    assert_true(gone[1] && gone[2] && gone[3] && gone[5] && gone[6]);
    assert_false(gone[4] || gone[7]);
    assert_int_equal(mp_size(mp), 2);
    free_all(out, n);

    struct mp_tx **inc;
    struct mp_block blk;
    n = build(mp, 10 * GWEI, 30000000, 6, &inc, &blk);
    static const uint64_t want[] = { 4, 7 };
    expect_order(inc, n, want, 2);
    free_all(inc, n);
    pool_done();
}

/* ---- randomized consistency against a reference model ------------------------------ */

/* The reference keeps, per transaction ever added, what the rules need: sender, queue
 * position (nonce), fees, seq, deadline, origin and whether it is pending; and the ids
 * of the pending ones (at most the cap) so that every check is O(cap). */
struct ref_tx {
    uint64_t sender, nonce, gas, max_fee, max_prio, max_blob_fee, seq;
    uint32_t blobs, origin;
    int64_t  deadline;
    bool     live;
};

enum { R_SENDERS = 24, R_CAP = 64, R_STEPS = 8000, R_MAXTX = R_STEPS + 1 };

struct ref {
    struct ref_tx tx[R_MAXTX];
    struct mp_tx *ptr[R_MAXTX];          /* valid while live */
    uint64_t next_nonce[R_SENDERS];
    uint64_t live[R_CAP];                /* ids of the pending, unordered */
    size_t   nlive;
};

static void ref_remove_live(struct ref *r, uint64_t id)
{
    for (size_t k = 0; k < r->nlive; k++)
        if (r->live[k] == id) {
            r->live[k] = r->live[--r->nlive];
            return;
        }
    fail_msg("tx %llu is not in the live list", (unsigned long long)id);
}

/* The pending transaction of `sender` with the lowest nonce above `after` (after = -1:
 * the lowest), or 0. */
static uint64_t ref_next(const struct ref *r, uint64_t sender, int64_t after)
{
    uint64_t best = 0;
    for (size_t k = 0; k < r->nlive; k++) {
        uint64_t i = r->live[k];
        if (r->tx[i].sender == sender && (int64_t)r->tx[i].nonce > after &&
            (best == 0 || r->tx[i].nonce < r->tx[best].nonce))
            best = i;
    }
    return best;
}

static bool ref_excluded(void *ctx, const struct mp_tx *tx) { return tx->origin == 1; }

/* The reference builder, written from the rule (go-ethereum commitTransactions over
 * transactionsByPriceAndNonce): candidates are each sender's lowest pending nonce that
 * pays the base fee (and blob base fee) and is not excluded; take the highest effective
 * tip, earliest seq on ties; a candidate that does not fit ends its sender's turn;
 * stop below 21000 gas left. Writes the inclusion order to order[]. */
static size_t ref_build(const struct ref *r, uint64_t base, uint64_t blob_base, uint64_t limit,
                        uint64_t blob_limit, bool censor, uint64_t *order)
{
    uint64_t cand[R_SENDERS];
    for (uint64_t s = 0; s < R_SENDERS; s++)
        cand[s] = ref_next(r, s, -1);
    uint64_t gas_left = limit, blob_gas = 0;
    size_t n = 0;
    while (gas_left >= TX_GAS) {
        uint64_t best = 0, best_s = 0, best_tip = 0;
        for (uint64_t s = 0; s < R_SENDERS; s++) {
            uint64_t i = cand[s];
            if (!i)
                continue;
            const struct ref_tx *t = &r->tx[i];
            if (t->max_fee < base || (t->blobs && t->max_blob_fee < blob_base) ||
                (censor && t->origin == 1)) {
                cand[s] = 0;             /* and the rest of the sender's queue waits */
                continue;
            }
            uint64_t tip = t->max_prio < t->max_fee - base ? t->max_prio : t->max_fee - base;
            if (!best || tip > best_tip || (tip == best_tip && t->seq < r->tx[best].seq))
                best = i, best_s = s, best_tip = tip;
        }
        if (!best)
            break;
        const struct ref_tx *t = &r->tx[best];
        uint64_t bg = t->blobs * GAS_PER_BLOB;
        if (t->gas > gas_left || blob_gas + bg > blob_limit) {
            cand[best_s] = 0;
            continue;
        }
        gas_left -= t->gas;
        blob_gas += bg;
        order[n++] = best;
        cand[best_s] = ref_next(r, best_s, (int64_t)t->nonce);
    }
    return n;
}

/* The cheapest pending transaction by (max fee, newest first). */
static uint64_t ref_cheapest(const struct ref *r)
{
    uint64_t best = 0;
    for (size_t k = 0; k < r->nlive; k++) {
        uint64_t i = r->live[k];
        const struct ref_tx *t = &r->tx[i];
        if (!best || t->max_fee < r->tx[best].max_fee ||
            (t->max_fee == r->tx[best].max_fee && t->seq > r->tx[best].seq))
            best = i;
    }
    return best;
}

/* Does pending tx i have, at or before its nonce, a transaction that gave up? */
static bool ref_late(const struct ref *r, uint64_t i, int64_t now)
{
    for (size_t k = 0; k < r->nlive; k++) {
        const struct ref_tx *t = &r->tx[r->live[k]];
        if (t->sender == r->tx[i].sender && t->nonce <= r->tx[i].nonce && t->deadline < now)
            return true;
    }
    return false;
}

static void ref_out(struct ref *r, struct mp_tx *t, const char *how, int step)
{
    uint64_t id = id_of(t);
    if (id == 0 || id >= R_MAXTX)
        fail_msg("step %d: %s an unknown transaction %llu", step, how, (unsigned long long)id);
    if (!r->tx[id].live)
        fail_msg("step %d: %s tx %llu, which was not pending (twice out?)", step, how,
                 (unsigned long long)id);
    if (r->ptr[id] != t)
        fail_msg("step %d: %s tx %llu is not the object added", step, how,
                 (unsigned long long)id);
    r->tx[id].live = false;
    r->ptr[id] = NULL;
    ref_remove_live(r, id);
}

struct each_ctx { const struct ref *r; uint64_t count; bool *seen; };
static void each_check(void *ctx, struct mp_tx *t)
{
    struct each_ctx *c = ctx;
    uint64_t id = id_of(t);
    if (id == 0 || id >= R_MAXTX || !c->r->tx[id].live)
        fail_msg("pending transaction %llu is not pending in the reference",
                 (unsigned long long)id);
    if (c->seen[id])
        fail_msg("transaction %llu is pending twice", (unsigned long long)id);
    c->seen[id] = true;
    c->count++;
}

/* Thousands of random adds, replacements, builds and expiries with a fixed seed. After
 * each step: the pool's size is adds minus outs, every transaction that left was
 * pending (none leaves twice), no transaction is pending twice, and what each operation
 * did is what the rules say (the reference model above). Fees are multiples of 0.5 gwei
 * and tips never zero, so the wei-level rounding of the bump rule (tested above) plays
 * no part. Under ASan (make check) the end also proves everything is freed. */
static void test_random_against_reference(void **state)
{
    struct ref *r = calloc(1, sizeof *r);
    bool *seen = calloc(R_MAXTX, sizeof *seen);
    assert_non_null(r);
    assert_non_null(seen);
    xs_state = UINT64_C(0xD1B54A32D192ED03);
    struct mempool *mp = pool(R_CAP);
    uint64_t next_id = 1, seq = 0, adds = 0, outs = 0;
    int64_t now = 0;
    uint64_t builds = 0, included = 0, evictions = 0, refusals = 0, expiries = 0, replaced = 0;
    for (int step = 0; step < R_STEPS; step++) {
        uint64_t op = xs_below(100);
        now += (int64_t)xs_below(5);
        if (op < 55) {                                   /* add */
            uint64_t id = next_id++;
            struct ref_tx *rt = &r->tx[id];
            rt->sender = xs_below(R_SENDERS);
            rt->seq = ++seq;
            rt->gas = xs_below(4) ? TX_GAS : TX_GAS + xs_below(200000);
            rt->max_fee = (1 + xs_below(30)) * GWEI;
            rt->max_prio = (1 + xs_below(rt->max_fee / GWEI * 2)) * (GWEI / 2);
            rt->blobs = xs_below(6) == 0 ? (uint32_t)(1 + xs_below(3)) : 0;
            rt->max_blob_fee = rt->blobs ? 1 + xs_below(20) : 0;
            rt->origin = xs_below(8) == 0 ? 1 : 0;
            rt->deadline = xs_below(3) == 0 ? now + (int64_t)xs_below(200) : NO_DEADLINE;
            struct wtx *w = calloc(1, sizeof *w);
            assert_non_null(w);
            w->id = id;
            w->tx = (struct mp_tx){ .seq = rt->seq, .submit = (sim_time)rt->seq,
                                    .sender_id = rt->sender, .gas = rt->gas,
                                    .blobs = rt->blobs, .origin = rt->origin,
                                    .max_fee = rt->max_fee, .max_prio = rt->max_prio,
                                    .max_blob_fee = rt->max_blob_fee, .deadline = rt->deadline };
            /* the reference's verdict first */
            bool full = r->nlive >= R_CAP;
            uint64_t victim = full ? ref_cheapest(r) : 0;
            bool want_ok = !full || r->tx[victim].max_fee < rt->max_fee;  /* newest: no tie win */
            uint64_t vs = full ? r->tx[victim].sender : 0, vn = full ? r->tx[victim].nonce : 0;
            size_t nwant = 0;
            for (size_t k = 0; full && k < r->nlive; k++)
                nwant += r->tx[r->live[k]].sender == vs && r->tx[r->live[k]].nonce >= vn;
            struct mp_tx **ev = NULL;
            size_t nev = 0;
            bool ok = mp_add(mp, &w->tx, &ev, &nev);
            if (ok != want_ok)
                fail_msg("step %d: add of tx %llu returned %d, want %d", step,
                         (unsigned long long)id, ok, want_ok);
            if (full && ok) {
                /* evicted: the victim and every later nonce of its sender */
                if (nev != nwant)
                    fail_msg("step %d: %zu evicted, want %zu", step, nev, nwant);
                for (size_t k = 0; k < nev; k++) {
                    uint64_t e = id_of(ev[k]);
                    if (e >= id || r->tx[e].sender != vs || r->tx[e].nonce < vn)
                        fail_msg("step %d: evicted tx %llu is not the victim's queue", step,
                                 (unsigned long long)e);
                }
                evictions++;
            } else if (nev) {
                fail_msg("step %d: %zu evicted by a refusal or from a pool with room", step,
                         nev);
            }
            for (size_t k = 0; k < nev; k++) {
                ref_out(r, ev[k], "evicted", step);
                outs++;
            }
            free_all(ev, nev);
            if (ok) {
                rt->nonce = r->next_nonce[rt->sender]++;
                rt->live = true;
                r->ptr[id] = &w->tx;
                r->live[r->nlive++] = id;
                adds++;
            } else {
                free(w);
                refusals++;
            }
        } else if (op < 70) {                            /* replace a pending tx */
            if (r->nlive == 0)
                continue;
            uint64_t id = r->live[xs_below(r->nlive)];
            struct ref_tx *rt = &r->tx[id];
            uint64_t pct = xs_below(130);                /* sometimes enough, sometimes not */
            uint64_t nf = rt->max_fee + rt->max_fee * pct / 100,
                     np = rt->max_prio + rt->max_prio * pct / 100,
                     nb = rt->max_blob_fee + rt->max_blob_fee * pct / 100;
            uint64_t need = rt->blobs ? 100 : 10;
            bool want_ok = (u128)nf * 100 >= (u128)rt->max_fee * (100 + need) &&
                           (u128)np * 100 >= (u128)rt->max_prio * (100 + need) &&
                           (!rt->blobs ||
                            (u128)nb * 100 >= (u128)rt->max_blob_fee * (100 + need));
            bool ok = mp_replace(mp, r->ptr[id], nf, np, nb, seq + 1, (sim_time)(seq + 1));
            if (ok != want_ok)
                fail_msg("step %d: replacing tx %llu (+%llu%%, blobs %u) returned %d, want %d",
                         step, (unsigned long long)id, (unsigned long long)pct, rt->blobs, ok,
                         want_ok);
            if (ok) {
                rt->max_fee = nf, rt->max_prio = np, rt->max_blob_fee = nb, rt->seq = ++seq;
                replaced++;
            }
        } else if (op < 92) {                            /* build a block */
            uint64_t base = (1 + xs_below(25)) * GWEI, blob_base = 1 + xs_below(15);
            uint64_t limit = TX_GAS * (1 + xs_below(12)) + xs_below(TX_GAS);
            uint64_t blob_limit = xs_below(5) * GAS_PER_BLOB;
            bool censor = xs_below(4) == 0;
            uint64_t want[R_CAP + 1];
            size_t nwant = ref_build(r, base, blob_base, limit, blob_limit, censor, want);
            struct mp_tx **inc = NULL;
            size_t n = 0;
            struct mp_block blk;
            mp_build(mp, base, blob_base, limit, blob_limit, censor ? ref_excluded : NULL, NULL,
                     &inc, &n, &blk);
            uint64_t gas = 0, bgas = 0;
            for (size_t k = 0; k < n; k++) {
                if (k >= nwant || id_of(inc[k]) != want[k])
                    fail_msg("step %d: inclusion %zu is tx %llu, the rule says %llu", step, k,
                             (unsigned long long)id_of(inc[k]),
                             (unsigned long long)(k < nwant ? want[k] : 0));
                gas += inc[k]->gas;
                bgas += inc[k]->blobs * GAS_PER_BLOB;
            }
            if (n != nwant)
                fail_msg("step %d: %zu included, the rule says %zu", step, n, nwant);
            assert_int_equal(blk.gas_used, gas);
            assert_int_equal(blk.blob_gas_used, bgas);
            assert_true(gas <= limit && bgas <= blob_limit);
            for (size_t k = 0; k < n; k++) {
                ref_out(r, inc[k], "included", step);
                outs++;
            }
            free_all(inc, n);
            builds++;
            included += n;
        } else {                                         /* expire */
            size_t nwant = 0;
            for (size_t k = 0; k < r->nlive; k++)
                nwant += ref_late(r, r->live[k], now);
            struct mp_tx **gone = NULL;
            size_t n = 0;
            mp_expire(mp, now, &gone, &n);
            if (n != nwant)
                fail_msg("step %d: %zu expired, the rule says %zu", step, n, nwant);
            for (size_t k = 0; k < n; k++)
                if (!ref_late(r, id_of(gone[k]), now))
                    fail_msg("step %d: tx %llu expired without reason", step,
                             (unsigned long long)id_of(gone[k]));
            for (size_t k = 0; k < n; k++) {
                ref_out(r, gone[k], "expired", step);
                outs++;
            }
            free_all(gone, n);
            expiries += n;
        }
        /* the invariants of every step */
        if (mp_size(mp) != adds - outs)
            fail_msg("step %d: pool size %zu, adds - outs = %llu", step, mp_size(mp),
                     (unsigned long long)(adds - outs));
        assert_int_equal(mp_size(mp), r->nlive);
        memset(seen, 0, R_MAXTX * sizeof *seen);
        struct each_ctx c = { r, 0, seen };
        mp_each(mp, each_check, &c);
        assert_int_equal(c.count, r->nlive);
    }
    /* the run exercised every path */
    if (!(builds > 100 && included > 1000 && evictions > 10 && refusals > 10 &&
          expiries > 10 && replaced > 10))
        fail_msg("too little exercised: %llu builds, %llu included, %llu evictions, "
                 "%llu refusals, %llu expired, %llu replaced", (unsigned long long)builds,
                 (unsigned long long)included, (unsigned long long)evictions,
                 (unsigned long long)refusals, (unsigned long long)expiries,
                 (unsigned long long)replaced);
    pool_done();          /* frees what is pending; ASan reports anything else */
    free(seen);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_build_orders_by_effective_tip, teardown),
        cmocka_unit_test_teardown(test_build_sender_nonce_order, teardown),
        cmocka_unit_test_teardown(test_build_skips_what_does_not_fit, teardown),
        cmocka_unit_test_teardown(test_build_blob_limit, teardown),
        cmocka_unit_test_teardown(test_build_excluded_hides_sender_queue, teardown),
        cmocka_unit_test_teardown(test_replace_needs_ten_percent_on_both, teardown),
        cmocka_unit_test_teardown(test_replace_blob_needs_double, teardown),
        cmocka_unit_test_teardown(test_replace_zero_tip_must_rise, teardown),
        cmocka_unit_test_teardown(test_replace_threshold_rounds_down, teardown),
        cmocka_unit_test_teardown(test_replace_keeps_nonce_takes_new_seq, teardown),
        cmocka_unit_test_teardown(test_ties_fair_between_origins, teardown),
        cmocka_unit_test_teardown(test_cap_evicts_cheapest, teardown),
        cmocka_unit_test_teardown(test_cap_never_exceeded, teardown),
        cmocka_unit_test_teardown(test_expire_takes_later_nonces, teardown),
        cmocka_unit_test_teardown(test_random_against_reference, teardown),
    };
    return cmocka_run_group_tests_name("mempool", tests, NULL, NULL);
}

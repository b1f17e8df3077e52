/* test_plasma.c — the Plasma MVP root-chain contract (models/plasma/contract.c) on
 * hand-built blocks: the exit game of Buterin's "Minimal Viable Plasma"
 * (ethresear.ch/t/426): an exit proves its UTXO's transaction under a committed root
 * and posts a bond; a spend signed by the owner cancels it and takes the bond; exits
 * are paid in plasma-mvp's priority order (RootChain.sol addExitToQueue: exitable at
 * max(UTXO block time + 2 periods, start + 1 period), then position), so a late exit
 * of an old coin does not jump a forged coin's exit. Plus our invalid-input
 * challenge, and the transaction encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "models/crypto/merkle.h"
#include "models/crypto/sig.h"
#include "models/plasma/contract.h"
#include "models/plasma/plasma_tx.h"

#define ETH    ((u128)1000000000000000000ull)
#define HOUR   INT64_C(3600000000)
#define BOND   (ETH / 100)

struct signed_tx {
    struct ptx_view v;
    uint8_t bytes[PTX_MAX_BYTES], sig[PTX_SIG_BYTES], leaf[32];
    size_t len;
};

static struct sig_ctx sig;
static struct sig_keypair alice, bob, carol;

static void make(struct signed_tx *t, const struct sig_keypair *signer)
{
    t->len = ptx_encode(&t->v, t->bytes);
    memset(t->sig, 0, sizeof t->sig);
    if (signer)
        sig_sign(&sig, signer, t->bytes, t->len, t->sig);
    ptx_leaf(t->bytes, t->len, t->sig, t->leaf);
}

/* A block of n transactions committed as operator block num: its root on the
 * contract. */
static void commit(struct plasma_contract *c, uint64_t num, struct signed_tx **txs, size_t n,
                   int64_t now)
{
    uint8_t leaves[8][32], root[32], data[PC_SUBMIT_BLOCK_BYTES];
    for (size_t i = 0; i < n; i++)
        memcpy(leaves[i], txs[i]->leaf, 32);
    merkle_list_root((const uint8_t (*)[32])leaves, n, root);
    pc_submit_block_calldata(data, num, root, (uint32_t)n);
    uint64_t gas;
    assert_int_equal(pc_submit_block(c, data, sizeof data, now, &gas), PC_OK);
}

static size_t prove(struct signed_tx **txs, size_t n, size_t index, uint8_t (*proof)[32])
{
    uint8_t leaves[8][32];
    for (size_t i = 0; i < n; i++)
        memcpy(leaves[i], txs[i]->leaf, 32);
    return merkle_list_prove((const uint8_t (*)[32])leaves, n, index, proof);
}

static enum pc_error start_exit(struct plasma_contract *c, uint64_t pos, struct signed_tx **txs,
                                size_t n, size_t index, const uint8_t owner[32], int64_t now,
                                struct pc_exit **x)
{
    uint8_t proof[64][32], data[PC_CALLDATA_MAX];
    size_t np = prove(txs, n, index, proof);
    size_t len = pc_exit_calldata(data, pos, txs[index]->bytes, txs[index]->len,
                                  txs[index]->sig, (const uint8_t (*)[32])proof, np);
    uint64_t gas;
    return pc_start_exit(c, data, len, owner, BOND, now, x, &gas);
}

/* The world of the tests: Alice deposits 5 ETH (deposit block 1, UTXO 1 x 1e9), then
 * operator block 100000 holds tx0: Alice pays Bob 2 ETH, 3 ETH change minus a fee of
 * 0.001 ETH... fees are written out: inputs 5 = 2 + 2.999 + 0.001. */
struct world1 {
    struct plasma_contract *c;
    struct signed_tx dep, pay, other;
    struct signed_tx *blk[2];
    uint64_t dep_pos;
};

static void world1(struct world1 *w)
{
    memset(w, 0, sizeof *w);
    w->c = pc_new(&sig, 100000, BOND, HOUR);
    uint64_t num, gas;
    assert_int_equal(pc_deposit(w->c, alice.pk, 5 * ETH, 0, &num, &gas), PC_OK);
    assert_int_equal(num, 1);                 /* MVP: deposits between child blocks */
    w->dep_pos = ptx_pos(num, 0, 0);
    w->dep.v = (struct ptx_view){ .nin = 0, .nout = 1, .value = { 5 * ETH } };
    memcpy(w->dep.v.owner[0], alice.pk, 32);
    make(&w->dep, NULL);
    w->pay.v = (struct ptx_view){ .nin = 1, .in = { w->dep_pos }, .nout = 2,
                                  .value = { 2 * ETH, 2999 * ETH / 1000 }, .fee = ETH / 1000 };
    memcpy(w->pay.v.owner[0], bob.pk, 32);
    memcpy(w->pay.v.owner[1], alice.pk, 32);
    make(&w->pay, &alice);
    w->other.v = (struct ptx_view){ .nin = 0, .nout = 1, .value = { 1 } };
    memcpy(w->other.v.owner[0], carol.pk, 32);
    make(&w->other, &carol);
    w->blk[0] = &w->other;
    w->blk[1] = &w->pay;
    commit(w->c, 100000, w->blk, 2, 60);
    assert_true(pc_holdings(w->c) == 5 * ETH);
}

/* "Challenge with a proof of a later spend": Alice exits the deposit she spent to Bob;
 * Bob proves the spend (her signature, in committed block 100000) and the contract
 * cancels the exit and pays him the bond. */
static void test_exit_of_spent_coin_is_cancelled(void **state)
{
    (void)state;
    struct world1 w;
    world1(&w);
    struct signed_tx *dep[1] = { &w.dep };
    struct pc_exit *x;
    assert_int_equal(start_exit(w.c, w.dep_pos, dep, 1, 0, alice.pk, 100, &x), PC_OK);
    assert_true(x->amount == 5 * ETH);
    assert_true(pc_holdings(w.c) == 5 * ETH + BOND);
    assert_int_equal(pc_queued(w.c), 1);

    uint8_t proof[64][32], data[PC_CALLDATA_MAX];
    struct pc_proven spend = { .txpos = ptx_pos(100000, 1, 0), .tx = w.pay.bytes,
                               .txlen = w.pay.len, .sig = w.pay.sig,
                               .proof = (const uint8_t (*)[32])proof };
    spend.nproof = prove(w.blk, 2, 1, proof);
    size_t len = pc_challenge_spent_calldata(data, w.dep_pos, &spend, 0);
    struct pc_exit *out;
    uint64_t gas;
    assert_int_equal(pc_challenge(w.c, data, len, 200, &out, &gas), PC_OK);
    assert_ptr_equal(out, x);
    assert_int_equal(x->status, PC_EXIT_CHALLENGED);
    assert_int_equal(pc_queued(w.c), 0);
    assert_true(pc_holdings(w.c) == 5 * ETH);     /* the bond left with the challenger */
    assert_true(pc_bonds_held(w.c) == 0);
    /* nothing is paid when it would have matured */
    assert_int_equal(pc_process(w.c, 2 * HOUR, 10, NULL, NULL, &gas), 0);
    /* a second challenge finds no exit */
    assert_int_equal(pc_challenge(w.c, data, len, 300, &out, &gas), PC_NO_EXIT);
    pc_free(w.c);
}

/* A challenge proves nothing without the owner's signature, nor with a transaction
 * that does not spend the exiting output, nor with a wrong proof. */
static void test_bad_challenges_refused(void **state)
{
    (void)state;
    struct world1 w;
    world1(&w);
    struct signed_tx *dep[1] = { &w.dep };
    struct pc_exit *x, *out;
    uint64_t gas;
    assert_int_equal(start_exit(w.c, w.dep_pos, dep, 1, 0, alice.pk, 100, &x), PC_OK);
    uint8_t proof[64][32], data[PC_CALLDATA_MAX];
    struct pc_proven spend = { .txpos = ptx_pos(100000, 1, 0), .tx = w.pay.bytes,
                               .txlen = w.pay.len, .sig = w.pay.sig,
                               .proof = (const uint8_t (*)[32])proof };
    spend.nproof = prove(w.blk, 2, 1, proof);
    /* Carol's transaction (index 0) spends nothing */
    struct pc_proven notspend = { .txpos = ptx_pos(100000, 0, 0), .tx = w.other.bytes,
                                  .txlen = w.other.len, .sig = w.other.sig,
                                  .proof = (const uint8_t (*)[32])proof };
    uint8_t proof0[64][32];
    notspend.proof = (const uint8_t (*)[32])proof0;
    notspend.nproof = prove(w.blk, 2, 0, proof0);
    size_t len = pc_challenge_spent_calldata(data, w.dep_pos, &notspend, 0);
    assert_int_equal(pc_challenge(w.c, data, len, 200, &out, &gas), PC_NOT_A_SPEND);
    /* a tampered sibling */
    proof[0][3] ^= 1;
    len = pc_challenge_spent_calldata(data, w.dep_pos, &spend, 0);
    assert_int_equal(pc_challenge(w.c, data, len, 200, &out, &gas), PC_BAD_PROOF);
    proof[0][3] ^= 1;
    /* the same spend signed by Bob instead of Alice: a different leaf, not committed */
    struct signed_tx forged = w.pay;
    make(&forged, &bob);
    spend.sig = forged.sig;
    len = pc_challenge_spent_calldata(data, w.dep_pos, &spend, 0);
    assert_int_equal(pc_challenge(w.c, data, len, 200, &out, &gas), PC_BAD_PROOF);
    assert_int_equal(x->status, PC_EXIT_STARTED);
    assert_true(pc_bonds_held(w.c) == BOND);
    pc_free(w.c);
}

/* startExit checks the proof and the owner, and one exit per UTXO. */
static void test_exit_checks(void **state)
{
    (void)state;
    struct world1 w;
    world1(&w);
    struct pc_exit *x;
    uint64_t bob_pos = ptx_pos(100000, 1, 0), change_pos = ptx_pos(100000, 1, 1);
    assert_int_equal(start_exit(w.c, bob_pos, w.blk, 2, 1, alice.pk, 100, &x), PC_NOT_OWNER);
    assert_int_equal(start_exit(w.c, bob_pos, w.blk, 2, 0, bob.pk, 100, &x), PC_BAD_PROOF);
    assert_int_equal(start_exit(w.c, ptx_pos(200000, 0, 0), w.blk, 2, 1, bob.pk, 100, &x),
                     PC_NO_BLOCK);
    assert_int_equal(start_exit(w.c, bob_pos, w.blk, 2, 1, bob.pk, 100, &x), PC_OK);
    assert_true(x->amount == 2 * ETH);
    assert_int_equal(start_exit(w.c, bob_pos, w.blk, 2, 1, bob.pk, 100, &x), PC_EXIT_EXISTS);
    assert_int_equal(start_exit(w.c, change_pos, w.blk, 2, 1, alice.pk, 100, &x), PC_OK);
    assert_true(x->amount == 2999 * ETH / 1000);
    pc_free(w.c);
}

/* Priority (plasma-mvp RootChain.sol): an exit is exitable at max(its UTXO's block
 * time + 2 periods, its start + 1 period); the queue is ordered by exitable time, then
 * by position; a head that has not matured holds back the rest. */
static void test_priority_order(void **state)
{
    (void)state;
    struct world1 w;
    world1(&w);                               /* block 100000 reached L1 at t = 60 us */
    struct pc_exit *xb, *xa, *xc;
    uint64_t gas;
    /* Bob's output exits at t = 0: the block's age rules, 2 periods after it */
    assert_int_equal(start_exit(w.c, ptx_pos(100000, 1, 0), w.blk, 2, 1, bob.pk, 0, &xb),
                     PC_OK);
    assert_true(xb->exitable_at == 60 + 2 * HOUR);
    /* Alice's change (same transaction, output 1) at 30 min: the same exitable time,
     * behind Bob's by position */
    assert_int_equal(start_exit(w.c, ptx_pos(100000, 1, 1), w.blk, 2, 1, alice.pk, HOUR / 2,
                                &xa), PC_OK);
    assert_true(xa->exitable_at == 60 + 2 * HOUR);
    assert_true(pc_exit_precedes(xb, xa) && !pc_exit_precedes(xa, xb));
    /* Carol's output (index 0: the oldest position) at 1.5 h: 1 period after its
     * start, so it ranks behind both despite its position */
    assert_int_equal(start_exit(w.c, ptx_pos(100000, 0, 0), w.blk, 2, 0, carol.pk,
                                HOUR + HOUR / 2, &xc), PC_OK);
    assert_true(xc->exitable_at == HOUR + HOUR / 2 + HOUR);
    assert_true(pc_exit_precedes(xa, xc));
    /* nothing before 2 h + 60 us; then Bob, then the change; Carol at 2.5 h */
    assert_int_equal(pc_matured(w.c, 2 * HOUR + 59, 10), 0);
    assert_int_equal(pc_process(w.c, 2 * HOUR + 59, 10, NULL, NULL, &gas), 0);
    assert_int_equal(pc_matured(w.c, 2 * HOUR + 60, 10), 2);
    assert_int_equal(pc_process(w.c, 2 * HOUR + 60, 1, NULL, NULL, &gas), 1);
    assert_int_equal(xb->status, PC_EXIT_PROCESSED);
    assert_int_equal(xa->status, PC_EXIT_STARTED);
    assert_int_equal(pc_process(w.c, 2 * HOUR + 60, 10, NULL, NULL, &gas), 1);
    assert_int_equal(xa->status, PC_EXIT_PROCESSED);
    assert_int_equal(xc->status, PC_EXIT_STARTED);
    assert_int_equal(pc_process(w.c, 2 * HOUR + HOUR / 2, 10, NULL, NULL, &gas), 1);
    assert_true(xb->paid == 2 * ETH && xa->paid == 2999 * ETH / 1000 && xc->paid == 1);
    pc_free(w.c);
}

/* An output created out of nowhere in a block committed at T (a transaction with no
 * inputs in an operator block) is exitable at T + 2 periods: an older coin's exit
 * started within a period of T is paid ahead of it in full; one started later ranks
 * behind it (its position notwithstanding) and finds the contract drained: the
 * contract pays what it has, in order. */
static void test_contract_pays_what_it_holds(void **state)
{
    (void)state;
    struct world1 w;
    world1(&w);
    struct signed_tx mint = { .v = { .nin = 0, .nout = 1, .value = { 100 * ETH } } };
    memcpy(mint.v.owner[0], carol.pk, 32);
    make(&mint, &carol);
    struct signed_tx *blk[1] = { &mint };
    commit(w.c, 200000, blk, 1, 120);
    struct pc_exit *fraud, *x, *late;
    uint64_t gas;
    assert_int_equal(start_exit(w.c, ptx_pos(200000, 0, 0), blk, 1, 0, carol.pk, 120, &fraud),
                     PC_OK);
    assert_true(fraud->exitable_at == 120 + 2 * HOUR);
    assert_int_equal(start_exit(w.c, ptx_pos(100000, 1, 0), w.blk, 2, 1, bob.pk, HOUR + 120,
                                &x), PC_OK);                 /* the last moment in time */
    assert_int_equal(start_exit(w.c, ptx_pos(100000, 0, 0), w.blk, 2, 0, carol.pk, HOUR + 121,
                                &late), PC_OK);              /* 1 us late */
    assert_true(pc_exit_precedes(x, fraud) && pc_exit_precedes(fraud, late));
    assert_int_equal(pc_process(w.c, 3 * HOUR, 10, NULL, NULL, &gas), 3);
    assert_true(x->paid == 2 * ETH);                 /* ahead: in full */
    assert_true(fraud->paid == 3 * ETH);             /* the rest of the 5 deposited */
    assert_true(late->paid == 0);                    /* behind: nothing left */
    assert_true(pc_holdings(w.c) == 0 && pc_bonds_held(w.c) == 0);
    pc_free(w.c);
}

/* The invalid-input challenge: an output whose transaction spends Alice's deposit but
 * is signed by Carol is cancelled; the honest spend (signed by Alice) cannot be. */
static void test_invalid_input_challenge(void **state)
{
    (void)state;
    struct world1 w;
    world1(&w);
    struct signed_tx steal = { .v = { .nin = 1, .in = { w.dep_pos }, .nout = 1,
                                      .value = { 5 * ETH } } };
    memcpy(steal.v.owner[0], carol.pk, 32);
    make(&steal, &carol);
    struct signed_tx *blk[1] = { &steal };
    commit(w.c, 200000, blk, 1, 120);
    struct pc_exit *x, *out;
    uint64_t gas;
    assert_int_equal(start_exit(w.c, ptx_pos(200000, 0, 0), blk, 1, 0, carol.pk, 200, &x),
                     PC_OK);
    uint8_t p1[64][32], p2[64][32], data[PC_CALLDATA_MAX];
    struct pc_proven ex = { .txpos = ptx_pos(200000, 0, 0), .tx = steal.bytes,
                            .txlen = steal.len, .sig = steal.sig,
                            .proof = (const uint8_t (*)[32])p1, .nproof = prove(blk, 1, 0, p1) };
    struct signed_tx *dep[1] = { &w.dep };
    struct pc_proven in = { .txpos = ptx_pos(1, 0, 0), .tx = w.dep.bytes, .txlen = w.dep.len,
                            .sig = w.dep.sig, .proof = (const uint8_t (*)[32])p2,
                            .nproof = prove(dep, 1, 0, p2) };
    size_t len = pc_challenge_invalid_calldata(data, ex.txpos, &ex, 0, &in);
    assert_int_equal(pc_challenge(w.c, data, len, 300, &out, &gas), PC_OK);
    assert_int_equal(x->status, PC_EXIT_CHALLENGED);

    /* Alice's own spend to Bob: its input's owner signed it */
    struct pc_exit *bobx;
    assert_int_equal(start_exit(w.c, ptx_pos(100000, 1, 0), w.blk, 2, 1, bob.pk, 400, &bobx),
                     PC_OK);
    struct pc_proven ex2 = { .txpos = ptx_pos(100000, 1, 0), .tx = w.pay.bytes,
                             .txlen = w.pay.len, .sig = w.pay.sig,
                             .proof = (const uint8_t (*)[32])p1, .nproof = prove(w.blk, 2, 1, p1) };
    len = pc_challenge_invalid_calldata(data, ex2.txpos, &ex2, 0, &in);
    assert_int_equal(pc_challenge(w.c, data, len, 500, &out, &gas), PC_INPUT_SIGNED);
    assert_int_equal(bobx->status, PC_EXIT_STARTED);
    pc_free(w.c);
}

/* The encoding round-trips and refuses what is not exactly one transaction; MVP's
 * position arithmetic. */
static void test_encoding(void **state)
{
    (void)state;
    struct ptx_view v = { .nin = 2, .in = { ptx_pos(7, 3, 1), 42 }, .nout = 2,
                          .value = { 12345, (u128)1 << 100 }, .fee = 9 };
    memset(v.owner[0], 0xab, 32);
    memset(v.owner[1], 0xcd, 32);
    uint8_t b[PTX_MAX_BYTES];
    size_t len = ptx_encode(&v, b);
    assert_int_equal(len, 1 + 16 + 1 + 96 + 16);
    struct ptx_view d;
    assert_true(ptx_decode(b, len, &d));
    assert_memory_equal(&d, &v, sizeof v);
    assert_false(ptx_decode(b, len - 1, &d));
    b[0] = 5;                                          /* more inputs than allowed */
    assert_false(ptx_decode(b, len, &d));
    assert_int_equal(ptx_pos(7, 3, 1), 7000030001ull);
    assert_int_equal(ptx_pos_block(7000030001ull), 7);
    assert_int_equal(ptx_pos_tx(7000030001ull), 3);
    assert_int_equal(ptx_pos_out(7000030001ull), 1);
}

int main(void)
{
    sig_ctx_init(&sig, SIG_ED25519, 1);
    sig_keypair_derive(&sig, 1, 1, &alice);
    sig_keypair_derive(&sig, 1, 2, &bob);
    sig_keypair_derive(&sig, 1, 3, &carol);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_of_spent_coin_is_cancelled),
        cmocka_unit_test(test_bad_challenges_refused),
        cmocka_unit_test(test_exit_checks),
        cmocka_unit_test(test_priority_order),
        cmocka_unit_test(test_contract_pays_what_it_holds),
        cmocka_unit_test(test_invalid_input_challenge),
        cmocka_unit_test(test_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

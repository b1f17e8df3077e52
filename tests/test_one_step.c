/* test_one_step.c — the one-step proof (models/rollup/one_step.h). Issue 11, "What it
 * must show": "the one-step proof accepts an honest and rejects a fraudulent
 * transition"; "Merkle proofs accepted and forged ones rejected". The verifier sees
 * only the rollup's rules, the pre-state root and the witness; its post-state root
 * must be the root the full state reaches, for every shape of transfer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "models/rollup/bisection.h"
#include "models/rollup/one_step.h"
#include "sim/rng.h"

#define ETH ((u128)1000000000000000000ull)
#define GWEI ((u128)1000000000ull)
enum { CHAIN = 7, DEPTH = 20, OPERATOR = 3, USERS = 8 };

static struct sig_ctx sig;
static struct sig_keypair key[USERS];

/* Users 0..USERS-1 (the operator, index 3, among them) with 1 ETH each. */
static struct l2_state *genesis(void)
{
    struct l2_state *s = state_new(CHAIN, DEPTH, &sig, OPERATOR);
    struct err e;
    err_init(&e);
    for (uint64_t i = 0; i < USERS; i++)
        assert_int_equal(state_deposit(s, i, key[i].pk, ETH, &e), 0);
    return s;
}

static struct l2_transfer signed_transfer(uint64_t from, uint64_t to, u128 amount, u128 fee,
                                       uint64_t nonce)
{
    struct l2_transfer t = { .chain_id = CHAIN, .from = from, .to = to, .amount = amount,
                          .fee = fee, .nonce = nonce };
    transfer_sign(&t, &sig, &key[from]);
    return t;
}

/* A batch of one transfer and its commitment: the witness of step 0. */
static void prove_single(const struct l2_state *s, const struct l2_transfer *t,
                         struct batch_commitment *c, struct one_step_witness *w)
{
    batch_commit(t, 1, c);
    one_step_prove(s, t, 1, 0, w);
}

/* Prove t on s, execute it on s, and check that the verifier reaches s's new root
 * and verdict from the witness alone; returns the verdict. */
static enum transfer_verdict prove_and_apply(struct l2_state *s, const struct l2_transfer *t)
{
    struct rollup_rules r;
    state_rules(s, &r);
    uint8_t pre[32], post[32], computed[32];
    struct one_step_witness *w = malloc(sizeof *w);
    struct batch_commitment c;
    state_root(s, pre);
    prove_single(s, t, &c, w);
    enum transfer_verdict v = state_apply(s, t), vv;
    state_root(s, post);
    assert_int_equal(one_step_execute(&r, &c, 0, pre, w, computed, &vv), 0);
    assert_int_equal(vv, v);
    assert_memory_equal(computed, post, 32);
    assert_int_equal(one_step_judge(&r, &c, 0, pre, post, w), ONE_STEP_CLAIM_HOLDS);
    free(w);
    return v;
}

/* Every shape: plain, to oneself, from or to the fee recipient, the operator paying
 * itself, no fee, neighbours in the tree (paths meeting at the bottom), far apart;
 * and refused ones (post-state = pre-state). */
static void test_verifier_matches_execution(void **state)
{
    struct l2_state *s = genesis();
    uint64_t nonce[USERS] = { 0 };
    static const struct { uint64_t from, to; u128 fee; } shapes[] = {
        { 0, 1, 1000 }, { 1, 0, 1000 }, { 5, 5, 1000 }, { OPERATOR, 6, 1000 },
        { 6, OPERATOR, 1000 }, { OPERATOR, OPERATOR, 1000 }, { 2, 7, 0 }, { 2, 2, 0 },
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct l2_transfer t = signed_transfer(shapes[i].from, shapes[i].to, ETH / 100,
                                            shapes[i].fee, nonce[shapes[i].from]++);
        assert_int_equal(prove_and_apply(s, &t), TRANSFER_OK);
    }
    struct l2_transfer t = signed_transfer(1, 2, 2 * ETH, 0, nonce[1]);   /* overdraft */
    assert_int_equal(prove_and_apply(s, &t), TRANSFER_OVERDRAFT);
    t = signed_transfer(1, 2, 1, 0, nonce[1] + 1);                      /* nonce gap */
    assert_int_equal(prove_and_apply(s, &t), TRANSFER_NONCE_GAP);
    t = signed_transfer(1, 2, 1, 0, nonce[1]);
    t.sig[3] ^= 8;                                                      /* bad signature */
    assert_int_equal(prove_and_apply(s, &t), TRANSFER_BAD_SIGNATURE);
    t = signed_transfer(1, 900, 1, 0, nonce[1]);                        /* nobody there */
    assert_int_equal(prove_and_apply(s, &t), TRANSFER_NO_RECIPIENT);
    t = signed_transfer(1, (uint64_t)1 << 40, 1, 0, nonce[1]);          /* outside the tree */
    assert_int_equal(prove_and_apply(s, &t), TRANSFER_NO_RECIPIENT);
    t.from = UINT64_MAX;
    assert_int_equal(prove_and_apply(s, &t), TRANSFER_NO_SENDER);
    state_free(s);
}

/* Random transfers among the users, a tenth of them invalid: the verifier agrees with
 * execution on every one. */
static void test_verifier_random(void **state)
{
    struct l2_state *s = genesis();
    gsl_rng *r = rng_stream(21, 1, 1, 1);
    uint64_t nonce[USERS] = { 0 };
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        uint64_t from = gsl_rng_uniform_int(r, USERS), to = gsl_rng_uniform_int(r, USERS);
        uint64_t n = gsl_rng_uniform(r) < 0.1 ? nonce[from] + 1 : nonce[from];
        struct l2_transfer t = signed_transfer(from, to, (u128)gsl_rng_uniform_int(r, 100) * (ETH / 500),
                                            gsl_rng_uniform_int(r, 3) * GWEI, n);
        if (prove_and_apply(s, &t) == TRANSFER_OK)
            nonce[from]++, ok++;
    }
    assert_true(ok > 150);
    gsl_rng_free(r);
    state_free(s);
}

/* "accepts an honest and rejects a fraudulent transition": a claimant who executes
 * the transfer but also mints 5 ETH to itself asserts a root the L1 rejects; one who
 * executes an overdraft it should have refused asserts a root the L1 rejects; the
 * honest roots hold, including "nothing changed" for the refused transfer. */
static void test_honest_holds_fraud_rejected(void **state)
{
    struct l2_state *honest = genesis(), *fraud = genesis();
    struct rollup_rules r;
    state_rules(honest, &r);
    struct one_step_witness *w = malloc(sizeof *w);
    struct batch_commitment c;
    uint8_t pre[32], good[32], bad[32];

    struct l2_transfer t = signed_transfer(1, 2, ETH / 4, 100 * GWEI, 0);
    state_root(honest, pre);
    prove_single(honest, &t, &c, w);
    assert_int_equal(state_apply(honest, &t), TRANSFER_OK);
    assert_int_equal(state_apply(fraud, &t), TRANSFER_OK);
    struct err e;
    err_init(&e);
    assert_int_equal(state_deposit(fraud, 4, key[4].pk, 5 * ETH, &e), 0);   /* minted */
    state_root(honest, good), state_root(fraud, bad);
    assert_int_equal(one_step_judge(&r, &c, 0, pre, good, w), ONE_STEP_CLAIM_HOLDS);
    assert_int_equal(one_step_judge(&r, &c, 0, pre, bad, w), ONE_STEP_CLAIM_FALSE);

    /* a refused overdraft: the honest post-state root is the pre-state root */
    struct l2_state *h2 = genesis();
    struct l2_transfer over = signed_transfer(1, 2, 3 * ETH, 0, 0);
    state_root(h2, pre);
    prove_single(h2, &over, &c, w);
    assert_int_equal(one_step_judge(&r, &c, 0, pre, pre, w), ONE_STEP_CLAIM_HOLDS);
    /* the root a claimant gets by letting account 1 go negative (here: giving
     * account 2 the 3 ETH anyway) is rejected */
    struct l2_state *f2 = genesis();
    assert_int_equal(state_deposit(f2, 2, key[2].pk, 3 * ETH, &e), 0);
    state_root(f2, bad);
    assert_int_equal(one_step_judge(&r, &c, 0, pre, bad, w), ONE_STEP_CLAIM_FALSE);
    free(w);
    state_free(honest), state_free(fraud), state_free(h2), state_free(f2);
}

/* Forged witnesses are refused before anything is executed: a richer sender than the
 * pre-state holds, a recipient said not to exist, a tampered sibling, a witness for
 * another pre-state, a transfer that is not the batch's disputed step. */
static void test_forged_witness_refused(void **state)
{
    struct l2_state *s = genesis();
    struct rollup_rules r;
    state_rules(s, &r);
    struct one_step_witness *w = malloc(sizeof *w), *f = malloc(sizeof *f);
    uint8_t pre[32], post[32];
    enum transfer_verdict v;
    struct batch_commitment c;
    struct l2_transfer t = signed_transfer(1, 2, 2 * ETH, 0, 0);    /* an overdraft ... */
    state_root(s, pre);
    prove_single(s, &t, &c, w);
    assert_int_equal(one_step_execute(&r, &c, 0, pre, w, post, &v), 0);
    assert_int_equal(v, TRANSFER_OVERDRAFT);

    *f = *w;                                                     /* ... made to look covered */
    f->slot[TRANSFER_STEP_DEBIT].account.balance = 10 * ETH;
    assert_int_equal(one_step_execute(&r, &c, 0, pre, f, post, &v), -1);
    assert_int_equal(one_step_judge(&r, &c, 0, pre, pre, f), ONE_STEP_BAD_WITNESS);
    *f = *w;
    f->slot[TRANSFER_STEP_CREDIT].exists = false;                /* "no recipient" */
    assert_int_equal(one_step_execute(&r, &c, 0, pre, f, post, &v), -1);
    for (unsigned l = 0; l < DEPTH; l += 3) {                    /* a tampered sibling */
        *f = *w;
        f->slot[(int)(l % TRANSFER_STEPS)].proof[l][0] ^= 1;
        assert_int_equal(one_step_execute(&r, &c, 0, pre, f, post, &v), -1);
    }
    struct l2_transfer ok = signed_transfer(1, 2, ETH / 2, 0, 0);   /* another pre-state */
    assert_int_equal(state_apply(s, &ok), TRANSFER_OK);
    uint8_t later[32];
    state_root(s, later);
    assert_int_equal(one_step_execute(&r, &c, 0, later, w, post, &v), -1);

    /* a transfer the batch does not hold at the disputed step */
    *f = *w;
    f->tx.amount = ETH / 10;                                     /* re-signed, valid */
    transfer_sign(&f->tx, &sig, &key[1]);
    assert_int_equal(one_step_execute(&r, &c, 0, pre, f, post, &v), -1);
    assert_int_equal(one_step_execute(&r, &c, 1, pre, w, post, &v), -1);   /* no step 1 */
    struct l2_transfer two[2] = { ok, t };
    struct batch_commitment c2;
    batch_commit(two, 2, &c2);
    one_step_prove(s, two, 2, 1, f);
    assert_int_equal(one_step_execute(&r, &c2, 1, later, f, post, &v), 0);
    assert_int_equal(one_step_execute(&r, &c2, 0, later, f, post, &v), -1); /* not step 0 */
    free(w), free(f);
    state_free(s);
}

/* The whole dispute: a claimant asserts a batch's trace that goes wrong at transfer
 * 37 (it credits itself 1 ETH more, and everything after inherits that); an honest
 * challenger bisects against its own re-execution, isolates transfer 37 within
 * ceil(log2 n) moves, and the one-step proof from the agreed pre-state rejects the
 * claimant's post-state root and accepts the true one. */
static void test_dispute_end_to_end(void **state)
{
    enum { N = 100, BAD = 37 };
    struct l2_state *truth = genesis(), *claim = genesis(), *replay = genesis();
    gsl_rng *r = rng_stream(22, 1, 1, 1);
    struct l2_transfer txs[N];
    uint64_t nonce[USERS] = { 0 };
    for (int i = 0; i < N; i++) {
        uint64_t from = gsl_rng_uniform_int(r, USERS), to = gsl_rng_uniform_int(r, USERS);
        txs[i] = signed_transfer(from, to, ETH / 1000, GWEI, nonce[from]++);
    }
    uint8_t honest[N + 1][32], claimed[N + 1][32];
    state_execute(truth, txs, N, honest, NULL);
    state_root(claim, claimed[0]);
    struct err e;
    err_init(&e);
    for (int i = 0; i < N; i++) {
        assert_int_equal(state_apply(claim, &txs[i]), TRANSFER_OK);
        if (i == BAD)   /* the fraud: the claimant's account 0 gets 1 ETH from nowhere */
            assert_int_equal(state_deposit(claim, 0, key[0].pk, ETH, &e), 0);
        state_root(claim, claimed[i + 1]);
    }
    assert_memory_not_equal(honest[N], claimed[N], 32);

    struct bisection g;
    bisection_start(&g, N);
    while (!bisection_done(&g)) {
        uint64_t m = bisection_midpoint(&g);
        bisection_answer(&g, memcmp(claimed[m], honest[m], 32) == 0);
    }
    assert_int_equal(bisection_step(&g), BAD);
    assert_true(g.moves <= bisection_max_moves(N));

    /* the challenger replays up to the disputed step and proves it */
    for (int i = 0; i < BAD; i++)
        assert_int_equal(state_apply(replay, &txs[i]), TRANSFER_OK);
    uint8_t pre[32];
    state_root(replay, pre);
    assert_memory_equal(pre, claimed[BAD], 32);                 /* the agreed pre-state */
    struct one_step_witness *w = malloc(sizeof *w);
    struct batch_commitment batch;   /* what the batcher committed on L1 */
    batch_commit(txs, N, &batch);
    one_step_prove(replay, txs, N, BAD, w);
    struct rollup_rules rules;
    state_rules(replay, &rules);
    assert_int_equal(one_step_judge(&rules, &batch, BAD, pre, claimed[BAD + 1], w),
                     ONE_STEP_CLAIM_FALSE);
    assert_int_equal(one_step_judge(&rules, &batch, BAD, pre, honest[BAD + 1], w),
                     ONE_STEP_CLAIM_HOLDS);
    free(w);
    gsl_rng_free(r);
    state_free(truth), state_free(claim), state_free(replay);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    sig_ctx_init(&sig, SIG_ED25519, 3);
    for (uint64_t i = 0; i < USERS; i++)
        sig_keypair_derive(&sig, 1, i, &key[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verifier_matches_execution),
        cmocka_unit_test(test_verifier_random),
        cmocka_unit_test(test_honest_holds_fraud_rejected),
        cmocka_unit_test(test_forged_witness_refused),
        cmocka_unit_test(test_dispute_end_to_end),
    };
    return cmocka_run_group_tests_name("one_step", tests, NULL, NULL);
}

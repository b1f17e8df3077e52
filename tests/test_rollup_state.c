/* test_rollup_state.c — the rollup's L2 state (models/rollup/state.h): a transfer is
 * executed only when signed by the sender's key over its canonical encoding, with
 * the sender's next nonce and a balance covering amount + fee; every refusal has its
 * reason and changes nothing; money is conserved; the execution trace holds the
 * state root after each transfer. Issue 11, "What it must show": "a transfer with a
 * bad signature, a reused nonce or an overdraft is refused". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>
#include <sodium.h>
#include <string.h>
#include "models/rollup/state.h"
#include "sim/rng.h"

#define ETH ((u128)1000000000000000000ull)
#define GWEI ((u128)1000000000ull)
enum { CHAIN = 10, DEPTH = 16, OPERATOR = 0, USERS = 6, KIND_USER = 1 };

struct fixture {
    struct sig_ctx      sig;
    struct sig_keypair  key[USERS + 1];   /* key[0] the operator's */
    struct l2_state    *s;
    u128                deposited;
};

/* The operator's fee account (index 0) and USERS users with 1 ETH each. */
static void fixture_init(struct fixture *f, enum sig_mode mode)
{
    sig_ctx_init(&f->sig, mode, 1);
    f->s = state_new(CHAIN, DEPTH, &f->sig, OPERATOR);
    f->deposited = 0;
    struct err e;
    err_init(&e);
    for (uint64_t i = 0; i <= USERS; i++) {
        sig_keypair_derive(&f->sig, KIND_USER, i, &f->key[i]);
        u128 amount = i == OPERATOR ? 0 : ETH;
        assert_int_equal(state_deposit(f->s, i, f->key[i].pk, amount, &e), 0);
        f->deposited += amount;
    }
}

static struct l2_transfer signed_transfer(struct fixture *f, uint64_t from, uint64_t to,
                                       u128 amount, u128 fee, uint64_t nonce)
{
    struct l2_transfer t = { .chain_id = CHAIN, .from = from, .to = to, .amount = amount,
                          .fee = fee, .nonce = nonce };
    transfer_sign(&t, &f->sig, &f->key[from]);
    return t;
}

/* A refused transfer: the verdict is the reason, and root, balances and nonce stay. */
static void assert_refused(struct fixture *f, const struct l2_transfer *t, enum transfer_verdict want)
{
    uint8_t before[32], after[32];
    state_root(f->s, before);
    const struct account *a = state_account(f->s, t->from);
    u128 bal = a ? a->balance : 0;
    uint64_t nonce = a ? a->nonce : 0;
    enum transfer_verdict v = state_apply(f->s, t);
    if (v != want)
        fail_msg("verdict %s, expected %s", transfer_verdict_name(v), transfer_verdict_name(want));
    state_root(f->s, after);
    assert_memory_equal(before, after, 32);
    if (a) {
        assert_true(state_account(f->s, t->from)->balance == bal);
        assert_int_equal(state_account(f->s, t->from)->nonce, nonce);
    }
}

static void test_transfer_executes(void **state)
{
    for (int m = 0; m < 2; m++) {
        struct fixture f;
        fixture_init(&f, m ? SIG_FAST : SIG_ED25519);
        uint8_t before[32], after[32];
        state_root(f.s, before);
        struct l2_transfer t = signed_transfer(&f, 1, 2, ETH / 10, 21000 * GWEI, 0);
        assert_int_equal(state_apply(f.s, &t), TRANSFER_OK);
        state_root(f.s, after);
        assert_memory_not_equal(before, after, 32);
        assert_true(state_account(f.s, 1)->balance == ETH - ETH / 10 - 21000 * GWEI);
        assert_int_equal(state_account(f.s, 1)->nonce, 1);
        assert_true(state_account(f.s, 2)->balance == ETH + ETH / 10);
        assert_int_equal(state_account(f.s, 2)->nonce, 0);     /* receiving uses no nonce */
        assert_true(state_account(f.s, OPERATOR)->balance == 21000 * GWEI);
        assert_true(state_total_balance(f.s) == f.deposited);
        state_free(f.s);
    }
}

/* "a transfer with a bad signature ... is refused": signed by another key, or
 * altered after signing (amount, recipient, fee), or a signature with a bit flipped. */
static void test_bad_signature_refused(void **state)
{
    struct fixture f;
    fixture_init(&f, SIG_ED25519);
    struct l2_transfer t = signed_transfer(&f, 1, 2, ETH / 10, GWEI, 0);
    struct l2_transfer forged = t;   /* Mallory (3) signs a transfer out of Alice's account */
    transfer_sign(&forged, &f.sig, &f.key[3]);
    assert_refused(&f, &forged, TRANSFER_BAD_SIGNATURE);
    struct l2_transfer changed = t;
    changed.amount = ETH / 2;
    assert_refused(&f, &changed, TRANSFER_BAD_SIGNATURE);
    changed = t, changed.to = 3;
    assert_refused(&f, &changed, TRANSFER_BAD_SIGNATURE);
    changed = t, changed.fee = 0;
    assert_refused(&f, &changed, TRANSFER_BAD_SIGNATURE);
    changed = t, changed.sig[40] ^= 2;
    assert_refused(&f, &changed, TRANSFER_BAD_SIGNATURE);
    assert_int_equal(state_apply(f.s, &t), TRANSFER_OK);   /* the genuine one passes */
    state_free(f.s);
}

/* "a reused nonce": replaying an executed transfer is refused; so is a nonce ahead
 * of the account's (it would let transfers run out of their signed order). */
static void test_nonce_rules(void **state)
{
    struct fixture f;
    fixture_init(&f, SIG_ED25519);
    struct l2_transfer t0 = signed_transfer(&f, 1, 2, GWEI, GWEI, 0);
    struct l2_transfer t2 = signed_transfer(&f, 1, 2, GWEI, GWEI, 2);
    assert_refused(&f, &t2, TRANSFER_NONCE_GAP);
    assert_int_equal(state_apply(f.s, &t0), TRANSFER_OK);
    assert_refused(&f, &t0, TRANSFER_NONCE_REUSED);          /* the replay */
    struct l2_transfer t1 = signed_transfer(&f, 1, 2, GWEI, GWEI, 1);
    assert_int_equal(state_apply(f.s, &t1), TRANSFER_OK);
    assert_int_equal(state_apply(f.s, &t2), TRANSFER_OK);    /* now it is its turn */
    assert_int_equal(state_account(f.s, 1)->nonce, 3);
    state_free(f.s);
}

/* "an overdraft": amount + fee must be covered; exactly the balance is fine; an
 * amount + fee that wraps 128 bits is still an overdraft, not a tiny cost. */
static void test_overdraft_refused(void **state)
{
    struct fixture f;
    fixture_init(&f, SIG_ED25519);
    struct l2_transfer t = signed_transfer(&f, 1, 2, ETH, 1, 0);
    assert_refused(&f, &t, TRANSFER_OVERDRAFT);
    t = signed_transfer(&f, 1, 2, ~(u128)0, 2, 0);            /* wraps to 1 wei */
    assert_refused(&f, &t, TRANSFER_OVERDRAFT);
    t = signed_transfer(&f, 1, 2, ETH - 7, 7, 0);             /* to the last wei */
    assert_int_equal(state_apply(f.s, &t), TRANSFER_OK);
    assert_true(state_account(f.s, 1)->balance == 0);
    t = signed_transfer(&f, 1, 2, 0, 1, 1);                   /* now even a fee is too much */
    assert_refused(&f, &t, TRANSFER_OVERDRAFT);
    state_free(f.s);
}

/* The other refusals: a transfer signed for another rollup (EIP-155's point), from
 * or to an index with no account, a fee when the fee recipient has none. */
static void test_other_refusals(void **state)
{
    struct fixture f;
    fixture_init(&f, SIG_ED25519);
    struct l2_transfer t = { .chain_id = CHAIN + 1, .from = 1, .to = 2, .amount = GWEI, .nonce = 0 };
    transfer_sign(&t, &f.sig, &f.key[1]);
    assert_refused(&f, &t, TRANSFER_WRONG_CHAIN);
    t = signed_transfer(&f, 1, 200, GWEI, 0, 0);
    assert_refused(&f, &t, TRANSFER_NO_RECIPIENT);
    t.from = 300;
    assert_refused(&f, &t, TRANSFER_NO_SENDER);

    struct l2_state *nofee = state_new(CHAIN, DEPTH, &f.sig, 99);   /* 99: no account */
    struct err e;
    err_init(&e);
    assert_int_equal(state_deposit(nofee, 1, f.key[1].pk, ETH, &e), 0);
    assert_int_equal(state_deposit(nofee, 2, f.key[2].pk, 0, &e), 0);
    t = signed_transfer(&f, 1, 2, GWEI, GWEI, 0);
    assert_int_equal(state_apply(nofee, &t), TRANSFER_NO_FEE_RECIPIENT);
    t = signed_transfer(&f, 1, 2, GWEI, 0, 0);                /* no fee: fine */
    assert_int_equal(state_apply(nofee, &t), TRANSFER_OK);
    /* a deposit never takes over another key's account */
    assert_int_equal(state_deposit(nofee, 1, f.key[2].pk, ETH, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "belongs to another key"));
    state_free(nofee);
    state_free(f.s);
}

/* The execution trace: roots[0] the root before, roots[i+1] after transfer i, equal
 * to roots[i] exactly when i was refused; money is conserved after every transfer;
 * executing the same transfers on a fresh copy gives the same trace (the trace is a
 * function of the pre-state and the batch, which is what lets a challenger rebuild
 * it from the batch data). */
static void test_execution_trace(void **state)
{
    enum { N = 120 };
    struct fixture f, g;
    fixture_init(&f, SIG_ED25519);
    fixture_init(&g, SIG_ED25519);
    gsl_rng *r = rng_stream(5, 1, 1, 1);
    struct l2_transfer txs[N];
    uint64_t nonce[USERS + 1] = { 0 };
    for (int i = 0; i < N; i++) {
        uint64_t from = 1 + gsl_rng_uniform_int(r, USERS), to = gsl_rng_uniform_int(r, USERS + 1);
        u128 amount = (u128)gsl_rng_uniform_int(r, 400) * (ETH / 1000);
        uint64_t n = nonce[from];
        if (gsl_rng_uniform(r) < 0.1)
            n = n ? n - 1 : n + 1;                            /* a bad nonce now and then */
        txs[i] = signed_transfer(&f, from, to, amount, 21000 * GWEI, n);
        if (gsl_rng_uniform(r) < 0.05)
            txs[i].sig[0] ^= 1;                               /* and a bad signature */
        if (n == nonce[from])
            nonce[from]++;   /* a guess; refusals for overdraft make it wrong, on purpose */
    }
    uint8_t roots[N + 1][32], again[N + 1][32];
    enum transfer_verdict v[N];
    state_execute(f.s, txs, N, roots, v);
    int ok = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        if (v[i] == TRANSFER_OK) {
            ok++;
            assert_memory_not_equal(roots[i], roots[i + 1], 32);
        } else {
            refused++;
            assert_memory_equal(roots[i], roots[i + 1], 32);
        }
    }
    assert_true(ok > N / 3 && refused > 5);
    assert_true(state_total_balance(f.s) == f.deposited);
    assert_true(state_supply(f.s) == f.deposited);   /* the running total agrees */
    uint8_t root[32];
    state_root(f.s, root);
    assert_memory_equal(root, roots[N], 32);
    state_execute(g.s, txs, N, again, NULL);
    assert_memory_equal(roots, again, sizeof roots);
    gsl_rng_free(r);
    state_free(f.s), state_free(g.s);
}

/* Sender, recipient and fee recipient may coincide: a transfer to oneself costs only
 * the fee; the operator paying itself a fee changes nothing but its nonce. */
static void test_aliasing(void **state)
{
    struct fixture f;
    fixture_init(&f, SIG_ED25519);
    struct l2_transfer t = signed_transfer(&f, 1, 1, ETH / 2, GWEI, 0);
    assert_int_equal(state_apply(f.s, &t), TRANSFER_OK);
    assert_true(state_account(f.s, 1)->balance == ETH - GWEI);
    struct err e;
    err_init(&e);
    assert_int_equal(state_deposit(f.s, OPERATOR, f.key[OPERATOR].pk, ETH, &e), 0);
    t = signed_transfer(&f, OPERATOR, OPERATOR, GWEI, GWEI, 0);
    assert_int_equal(state_apply(f.s, &t), TRANSFER_OK);
    assert_true(state_account(f.s, OPERATOR)->balance == ETH + GWEI);
    assert_int_equal(state_account(f.s, OPERATOR)->nonce, 1);
    t = signed_transfer(&f, 2, OPERATOR, GWEI, GWEI, 0);
    assert_int_equal(state_apply(f.s, &t), TRANSFER_OK);
    assert_true(state_account(f.s, OPERATOR)->balance == ETH + 3 * GWEI);
    assert_true(state_total_balance(f.s) == f.deposited + ETH);
    /* the running total (the bridge invariant's L2 side) follows each step's change,
     * aliased accounts included */
    assert_true(state_supply(f.s) == f.deposited + ETH);
    state_free(f.s);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer_executes),
        cmocka_unit_test(test_bad_signature_refused),
        cmocka_unit_test(test_nonce_rules),
        cmocka_unit_test(test_overdraft_refused),
        cmocka_unit_test(test_other_refusals),
        cmocka_unit_test(test_execution_trace),
        cmocka_unit_test(test_aliasing),
    };
    return cmocka_run_group_tests_name("rollup_state", tests, NULL, NULL);
}

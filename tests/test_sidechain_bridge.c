/* test_sidechain_bridge.c — the sidechain bridge's L1 contract
 * (models/sidechain/bridge.h): a withdrawal is released only with really verified
 * signatures of validators holding more than 2/3 of the checkpointed stake, each
 * validator counted once, each nonce once; the contract cannot tell a forged
 * withdrawal (never burned on the sidechain) from a real one; the escrow books and
 * their check, with fault `sidechain.bridge_escrow` showing the check can fail.
 * Issue 13, "What it must show": "the bridge rejects a withdrawal signed by less than
 * 2/3 and accepts one signed by more (even if forged)". Gas per signature: the
 * ecrecover precompile, 3000 gas (Yellow Paper, Appendix E). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "models/sidechain/bridge.h"

#define ETH ((u128)1000000000000000000ull)
enum { CHAIN = 137, N = 7, KIND_VALIDATOR = 7 };

/* Seven validators of stakes 10, 10, 10, 10, 20, 20, 20 (total 100): 2/3 is 66.67. */
static const uint64_t power[N] = { 10, 10, 10, 10, 20, 20, 20 };

struct fixture {
    struct sig_ctx     sig;
    struct sig_keypair kp[N];
    uint8_t            pk[N][SIG_PUBLICKEY_BYTES];
    struct bridge     *b;
};

static void fixture_init(struct fixture *f, enum sig_mode mode)
{
    sig_ctx_init(&f->sig, mode, 42);
    for (uint32_t i = 0; i < N; i++) {
        sig_keypair_derive(&f->sig, KIND_VALIDATOR, i, &f->kp[i]);
        memcpy(f->pk[i], f->kp[i].pk, SIG_PUBLICKEY_BYTES);
    }
    f->b = bridge_new(CHAIN, &f->sig);
    bridge_checkpoint_validators(f->b, (const uint8_t (*)[SIG_PUBLICKEY_BYTES])f->pk, power, N);
}

/* Signatures of the validators listed in who (n of them) over w. */
static void sign_by(const struct fixture *f, const struct bridge_withdrawal *w, const uint32_t *who,
                    size_t n, struct bridge_sig *out)
{
    for (size_t i = 0; i < n; i++)
        bridge_sign(&f->sig, &f->kp[who[i]], who[i], w, &out[i]);
}

static void check_quorum_rule(enum sig_mode mode)
{
    struct fixture f;
    fixture_init(&f, mode);
    assert_true(bridge_deposit(f.b, 10 * ETH));
    assert_true(bridge_burn(f.b, 1 * ETH));
    struct bridge_withdrawal w = { .chain_id = CHAIN, .recipient = 5, .amount = 1 * ETH, .nonce = 1 };
    struct bridge_sig s[N + 2];
    struct bridge_receipt r;

    /* 10+10+20+20 = 60 < 66.67: refused, and every signature still cost a recovery */
    uint32_t below[] = { 0, 1, 4, 5 };
    sign_by(&f, &w, below, 4, s);
    assert_int_equal(bridge_withdraw(f.b, &w, s, 4, &r), BRIDGE_BELOW_QUORUM);
    assert_int_equal(r.signed_power, 60);
    assert_int_equal(r.exec_gas, 4 * BRIDGE_GAS_ECRECOVER);

    /* Exactly 2/3 is not more than 2/3: with validators 0..4 checkpointed (stakes
     * 10, 10, 10, 10, 20: total 60), 10 + 10 + 20 = 40 is refused and with one more
     * validator (50) it is released. */
    {
        struct fixture g;
        fixture_init(&g, mode);
        bridge_checkpoint_validators(g.b, (const uint8_t (*)[SIG_PUBLICKEY_BYTES])g.pk, power, 5);
        assert_true(bridge_deposit(g.b, 10 * ETH));
        uint32_t signers[] = { 0, 1, 4, 2 };
        struct bridge_sig t[4];
        sign_by(&g, &w, signers, 4, t);
        assert_int_equal(bridge_withdraw(g.b, &w, t, 3, &r), BRIDGE_BELOW_QUORUM);
        assert_int_equal(r.signed_power, 40);
        assert_int_equal(bridge_withdraw(g.b, &w, t, 4, &r), BRIDGE_RELEASED);
        bridge_free(g.b);
    }

    /* Duplicates count once: 10 + 10 + validator 6's 20 three times is 40, not 80
     * (which would pass); each copy still costs its recovery. */
    uint32_t dup[] = { 0, 1, 6, 6, 6 };
    sign_by(&f, &w, dup, 5, s);
    assert_int_equal(bridge_withdraw(f.b, &w, s, 5, &r), BRIDGE_BELOW_QUORUM);
    assert_int_equal(r.signed_power, 40);
    assert_int_equal(r.duplicates, 2);
    assert_int_equal(r.exec_gas, 5 * BRIDGE_GAS_ECRECOVER);

    /* A signature that does not verify counts for nothing: 20+20+20+10 = 70 signed,
     * but validator 0's bytes are altered, leaving 60. */
    uint32_t bad[] = { 4, 5, 6, 0 };
    sign_by(&f, &w, bad, 4, s);
    s[3].sig[10] ^= 0x80;
    assert_int_equal(bridge_withdraw(f.b, &w, s, 4, &r), BRIDGE_BELOW_QUORUM);
    assert_int_equal(r.signed_power, 60);
    assert_int_equal(r.invalid, 1);
    /* ...nor does one signed for another withdrawal (amount changed after signing) */
    struct bridge_withdrawal more = w;
    more.amount = 2 * ETH;
    assert_int_equal(bridge_withdraw(f.b, &more, s, 3, &r), BRIDGE_BELOW_QUORUM);
    assert_int_equal(r.signed_power, 0);
    /* ...nor one naming a signer outside the set */
    s[3] = s[0];
    s[3].signer = N;
    assert_int_equal(bridge_withdraw(f.b, &w, s, 4, &r), BRIDGE_BELOW_QUORUM);
    assert_int_equal(r.invalid, 1);

    /* 20+20+20+10 = 70 > 66.67: released; gas = 4 recoveries + the nonce slot */
    sign_by(&f, &w, bad, 4, s);
    assert_int_equal(bridge_withdraw(f.b, &w, s, 4, &r), BRIDGE_RELEASED);
    assert_int_equal(r.signed_power, 70);
    assert_int_equal(r.exec_gas, 4 * BRIDGE_GAS_ECRECOVER + BRIDGE_GAS_NONCE_SSET);
    struct bridge_books k;
    bridge_books_of(f.b, &k);
    assert_true(k.escrow == 9 * ETH && k.released == 1 * ETH);

    /* the same withdrawal again: the nonce is spent */
    assert_int_equal(bridge_withdraw(f.b, &w, s, 4, &r), BRIDGE_NONCE_SPENT);
    /* a signature for another sidechain's bridge */
    struct bridge_withdrawal other = w;
    other.chain_id = CHAIN + 1;
    other.nonce = 2;
    sign_by(&f, &other, bad, 4, s);
    assert_int_equal(bridge_withdraw(f.b, &other, s, 4, &r), BRIDGE_WRONG_CHAIN);
    char why[256];
    bridge_books_of(f.b, &k);
    assert_int_equal(bridge_books_check(&k, why, sizeof why), 0);
    bridge_free(f.b);
}

/* Below 2/3 refused, above released, duplicates once, bad signatures ignored, a
 * nonce once, in both signature modes. */
static void test_quorum_ed25519(void **state)
{
    (void)state;
    check_quorum_rule(SIG_ED25519);
}

static void test_quorum_fast(void **state)
{
    (void)state;
    check_quorum_rule(SIG_FAST);
}

/* The contract only sees signatures. Validators with 70% of the stake sign a
 * withdrawal of 5 ETH that nobody burned on the sidechain: it is released. The
 * simulator's books show the loss: released exceeds burned by 5 ETH. */
static void test_forged_withdrawal_released(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, SIG_ED25519);
    assert_true(bridge_deposit(f.b, 8 * ETH));
    struct bridge_withdrawal forged = { .chain_id = CHAIN, .recipient = 666, .amount = 5 * ETH,
                                 .nonce = 77 };
    uint32_t colluders[] = { 3, 4, 5, 6 };     /* 10 + 20 + 20 + 20 = 70 */
    struct bridge_sig s[4];
    sign_by(&f, &forged, colluders, 4, s);
    struct bridge_receipt r;
    assert_int_equal(bridge_withdraw(f.b, &forged, s, 4, &r), BRIDGE_RELEASED);
    struct bridge_books k;
    char why[256];
    bridge_books_of(f.b, &k);
    assert_true(k.escrow == 3 * ETH);
    assert_int_equal(bridge_books_check(&k, why, sizeof why), -1);
    assert_non_null(strstr(why, "forged"));
    assert_non_null(strstr(why, "5000000000000000000 wei left the escrow"));
    /* ...and the rest of the escrow goes the same way, but no more than it holds */
    forged.nonce = 78;
    forged.amount = 4 * ETH;
    sign_by(&f, &forged, colluders, 4, s);
    assert_int_equal(bridge_withdraw(f.b, &forged, s, 4, &r), BRIDGE_ESCROW_SHORT);
    forged.amount = 3 * ETH;
    sign_by(&f, &forged, colluders, 4, s);
    assert_int_equal(bridge_withdraw(f.b, &forged, s, 4, &r), BRIDGE_RELEASED);
    bridge_books_of(f.b, &k);
    assert_true(k.escrow == 0 && k.released == 8 * ETH && k.burned == 0);
    bridge_free(f.b);
}

/* Escrow accounting over deposits, burns and releases: escrow = minted - released,
 * which is the sidechain supply (minted - burned) plus the burned amounts not yet
 * released; it holds after every step. */
static void test_escrow_books(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, SIG_FAST);
    uint32_t all[] = { 0, 1, 2, 3, 4, 5, 6 };
    struct bridge_sig s[N];
    struct bridge_receipt r;
    struct bridge_books k;
    char why[256];
    u128 supply = 0;
    for (uint64_t i = 1; i <= 20; i++) {
        u128 dep = (u128)i * ETH / 10;
        assert_true(bridge_deposit(f.b, dep));
        supply += dep;
        if (i % 3 == 0) {
            u128 out = dep / 2;
            assert_true(bridge_burn(f.b, out));
            supply -= out;
            struct bridge_withdrawal w = { .chain_id = CHAIN, .recipient = i, .amount = out,
                                    .nonce = i };
            sign_by(&f, &w, all, N, s);
            assert_int_equal(bridge_withdraw(f.b, &w, s, N, &r), BRIDGE_RELEASED);
        }
        bridge_books_of(f.b, &k);
        assert_int_equal(bridge_books_check(&k, why, sizeof why), 0);
        assert_true(k.escrow == supply);            /* every burn released */
        assert_true(k.minted - k.burned == supply);
    }
    /* a burn whose release is pending: the escrow still holds it */
    assert_true(bridge_burn(f.b, 1 * ETH));
    bridge_books_of(f.b, &k);
    assert_int_equal(bridge_books_check(&k, why, sizeof why), 0);
    assert_true(k.escrow == (k.minted - k.burned) + 1 * ETH);
    /* the check names each way the books can be wrong */
    struct bridge_books bad = k;
    bad.escrow -= 1;
    assert_int_equal(bridge_books_check(&bad, why, sizeof why), -1);
    assert_non_null(strstr(why, "!= minted"));
    bad = k;
    bad.burned = k.minted + 1;
    bad.released = k.released;
    assert_int_equal(bridge_books_check(&bad, why, sizeof why), -1);
    bridge_free(f.b);
}

/* The child's part of test_escrow_fault_caught (this program run again with
 * --fault-child and L2SIM_FAULT set): one release, then the books check. Exit 0 when
 * the release went through and the check caught the bent escrow. */
static int fault_child(void)
{
        struct fixture f;
        fixture_init(&f, SIG_FAST);
        bridge_deposit(f.b, 2 * ETH);
        bridge_burn(f.b, 1 * ETH);
        struct bridge_withdrawal w = { .chain_id = CHAIN, .recipient = 1, .amount = 1 * ETH,
                                .nonce = 9 };
        uint32_t all[] = { 0, 1, 2, 3, 4, 5, 6 };
        struct bridge_sig s[N];
        sign_by(&f, &w, all, N, s);
        struct bridge_receipt r;
        struct bridge_books k;
        char why[256];
        int released = bridge_withdraw(f.b, &w, s, N, &r) == BRIDGE_RELEASED;
        bridge_books_of(f.b, &k);
        int caught = bridge_books_check(&k, why, sizeof why) == -1 &&
                     strstr(why, "!= minted") != NULL;
        bridge_free(f.b);
        return released && caught ? 0 : 1;
}

static const char *self_path;

/* L2SIM_FAULT=sidechain.bridge_escrow makes a release take one wei too many out of
 * the escrow; the books check catches it. Run in a fresh process (this program with
 * --fault-child), since a fault is armed once per process from the environment. */
static void test_escrow_fault_caught(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("L2SIM_FAULT", "sidechain.bridge_escrow", 1);
        char *const argv[] = { (char *)self_path, (char *)"--fault-child", NULL };
        execv(self_path, argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Gas grows by one ecrecover (3000) per signature the call carries; calldata by 68
 * bytes (64-byte signature, 4-byte index). With about 100 validators of equal stake
 * a 2/3 quorum needs 67 signatures: 201000 gas of recoveries alone. */
static void test_gas_per_signature(void **state)
{
    (void)state;
    assert_int_equal(BRIDGE_GAS_ECRECOVER, 3000);
    assert_int_equal(BRIDGE_GAS_NONCE_SSET, 20000);
    assert_int_equal(bridge_calldata_bytes(1) - bridge_calldata_bytes(0), 68);
    assert_int_equal(bridge_calldata_bytes(0), 4 + WITHDRAWAL_SIGNED_BYTES);
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 2 && strcmp(argv[1], "--fault-child") == 0)
        return fault_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quorum_ed25519),
        cmocka_unit_test(test_quorum_fast),
        cmocka_unit_test(test_forged_withdrawal_released),
        cmocka_unit_test(test_escrow_books),
        cmocka_unit_test(test_escrow_fault_caught),
        cmocka_unit_test(test_gas_per_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

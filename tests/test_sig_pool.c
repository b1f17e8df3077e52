/* test_sig_pool.c — models/crypto/sig_pool: signatures handed ahead to a worker thread
 * are the very bytes and verdicts made in place. Ed25519 signatures are deterministic
 * (RFC 8032 §5.1.6), so the pool's answer for RFC 8032 §7.1's vectors must be the
 * published signature; a check handed ahead answers only for the signature it
 * checked, so a changed byte of the signature, the message or the key is refused as
 * without the pool; and a payment channel with the pool refuses a bad signature at
 * the same step (channel_accept for the proposer's, channel_commit for the
 * countersignature: BOLT-2 commitment_signed each way) and signs the same states as
 * without it. Run under ThreadSanitizer too (see the notes of the session). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "models/channel/channel.h"
#include "models/crypto/sig_pool.h"

static void unhex(uint8_t *out, const char *hex)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* RFC 8032 §7.1 TEST 2 and TEST 3 (one- and two-byte messages). */
static const struct { const char *secret, *public, *message, *signature; } rfc8032[] = {
    { "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
    { "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
      "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

/* With 1 worker and with none (the caller makes every answer when it asks): the
 * signature handed ahead is RFC 8032's, its check accepts, and a flipped bit in the
 * signature, the message or the public key is refused. */
static void rfc_vectors(unsigned workers)
{
    struct sig_ctx c;
    sig_ctx_init(&c, SIG_ED25519, 1);
    c.pool = sig_pool_new(workers);
    for (size_t i = 0; i < ARRAY_LEN(rfc8032); i++) {
        uint8_t seed[32], pk[32], msg[2], want[64], got[64];
        unhex(seed, rfc8032[i].secret);
        unhex(pk, rfc8032[i].public);
        size_t len = strlen(rfc8032[i].message) / 2;
        unhex(msg, rfc8032[i].message);
        unhex(want, rfc8032[i].signature);
        struct sig_keypair kp;
        sig_keypair_from_seed(&c, seed, &kp);
        assert_memory_equal(kp.pk, pk, 32);
        sig_ahead(&c, &kp, msg, len, true);
        sig_sign(&c, &kp, msg, len, got);
        assert_memory_equal(got, want, 64);
        assert_true(sig_verify(&c, pk, msg, len, got));
        got[63] ^= 0x01;
        assert_false(sig_verify(&c, pk, msg, len, got));
        got[63] ^= 0x01;
        msg[0] ^= 0x80;
        assert_false(sig_verify(&c, pk, msg, len, got));
        msg[0] ^= 0x80;
        pk[5] ^= 0x04;
        assert_false(sig_verify(&c, pk, msg, len, got));
    }
    struct sig_pool_stats s;
    sig_pool_stats(c.pool, &s);
    assert_int_equal(s.ahead, ARRAY_LEN(rfc8032));
    assert_int_equal(s.by_worker + s.by_caller, ARRAY_LEN(rfc8032));
    if (workers == 0)
        assert_int_equal(s.by_caller, ARRAY_LEN(rfc8032));
    sig_pool_free(c.pool);
}

static void test_rfc8032_with_a_worker(void **state)
{
    (void)state;
    rfc_vectors(1);
}

static void test_rfc8032_caller_only(void **state)
{
    (void)state;
    rfc_vectors(0);
}

/* Many requests, most taken, some never asked for (dropped when their slot is
 * reused), with two workers racing for them: every answer equals the one made in
 * place by a context without a pool. */
static void test_same_answers_under_churn(void **state)
{
    (void)state;
    struct sig_ctx plain, c;
    sig_ctx_init(&plain, SIG_ED25519, 9);
    sig_ctx_init(&c, SIG_ED25519, 9);
    c.pool = sig_pool_new(2);
    struct sig_keypair kp[4];
    for (unsigned k = 0; k < 4; k++)
        sig_keypair_derive(&plain, 3, k, &kp[k]);
    uint8_t msg[300];
    for (unsigned i = 0; i < 250; i++) {
        size_t len = 1 + i % sizeof msg;
        for (size_t b = 0; b < len; b++)
            msg[b] = (uint8_t)(i * 31 + b);
        const struct sig_keypair *k = &kp[i % 4];
        sig_ahead(&c, k, msg, len, i % 3 != 0);
        if (i % 7 == 0)
            continue;       /* never asked for */
        uint8_t a[64], b[64];
        sig_sign(&plain, k, msg, len, a);
        sig_sign(&c, k, msg, len, b);
        assert_memory_equal(a, b, 64);
        assert_true(sig_verify(&c, k->pk, msg, len, b));
        /* the same bytes under another key's signature: refused */
        sig_sign(&plain, &kp[(i + 1) % 4], msg, len, a);
        assert_false(sig_verify(&c, k->pk, msg, len, a));
    }
    struct sig_pool_stats s;
    sig_pool_stats(c.pool, &s);
    assert_int_equal(s.ahead, 250);       /* under the pause's window: all handed */
    assert_true(s.dropped > 0);
    sig_pool_free(c.pool);
}

/* With no worker every answer is the caller's: after a window of 256 of them the pool
 * pauses (the next requests are not handed ahead) and every signature is still the one
 * made in place. */
static void test_pause_when_workers_lag(void **state)
{
    (void)state;
    struct sig_ctx plain, c;
    sig_ctx_init(&plain, SIG_ED25519, 5);
    sig_ctx_init(&c, SIG_ED25519, 5);
    c.pool = sig_pool_new(0);
    struct sig_keypair kp;
    sig_keypair_derive(&plain, 4, 1, &kp);
    for (unsigned i = 0; i < 300; i++) {
        uint8_t msg[8] = { (uint8_t)i, (uint8_t)(i >> 8) }, a[64], b[64];
        sig_ahead(&c, &kp, msg, sizeof msg, true);
        sig_sign(&plain, &kp, msg, sizeof msg, a);
        sig_sign(&c, &kp, msg, sizeof msg, b);
        assert_memory_equal(a, b, 64);
        assert_true(sig_verify(&c, kp.pk, msg, sizeof msg, b));
    }
    struct sig_pool_stats s;
    sig_pool_stats(c.pool, &s);
    assert_int_equal(s.ahead, 256);
    assert_int_equal(s.by_caller, 256);
    assert_int_equal(s.pauses, 1);
    sig_pool_free(c.pool);
}

/* `fast` mode hands nothing ahead (a MAC costs less than the hand-over). */
static void test_fast_mode_not_handed(void **state)
{
    (void)state;
    struct sig_ctx c;
    sig_ctx_init(&c, SIG_FAST, 1);
    c.pool = sig_pool_new(1);
    assert_false(sig_ahead_wanted(&c));
    struct sig_keypair kp;
    sig_keypair_derive(&c, 1, 1, &kp);
    uint8_t sig[64];
    sig_ahead(&c, &kp, "x", 1, true);
    sig_sign(&c, &kp, "x", 1, sig);
    assert_true(sig_verify(&c, kp.pk, "x", 1, sig));
    struct sig_pool_stats s;
    sig_pool_stats(c.pool, &s);
    assert_int_equal(s.ahead, 0);
    sig_pool_free(c.pool);
}

/* Alice (0) 700,000 msat and Bob (1) 300,000 msat, with or without a pool. */
static void open_pair(struct sig_ctx *c, struct channel *ch, unsigned workers)
{
    sig_ctx_init(c, SIG_ED25519, 42);
    c->pool = workers == ~0u ? NULL : sig_pool_new(workers);
    struct sig_keypair kp0, kp1;
    sig_keypair_derive(c, 1, 0, &kp0);
    sig_keypair_derive(c, 1, 1, &kp1);
    uint8_t id[32] = { 7 }, s0[32] = { 1 }, s1[32] = { 2 };
    channel_open(ch, c, id, &kp0, &kp1, s0, s1, 700000, 300000);
}

/* The channel with the pool: a changed byte of the proposer's signature is refused by
 * channel_accept, a changed byte of the countersignature by channel_commit, each as
 * CHANNEL_BAD_SIGNATURE and with the channel unchanged; the genuine update goes
 * through; and every state both signed carries the same signature bytes as the same
 * updates made without a pool. */
static void test_channel_refuses_where_it_did(void **state)
{
    (void)state;
    struct sig_ctx cp, cn;
    struct channel ch, plain;
    open_pair(&cp, &ch, 1);
    open_pair(&cn, &plain, ~0u);
    assert_memory_equal(ch.current_sig, plain.current_sig, sizeof ch.current_sig);
    uint8_t preimage[32], hash[32];
    memset(preimage, 0x5a, 32);
    hash_sha256(hash, preimage, 32);
    for (int round = 0; round < 20; round++) {
        int proposer = round % 2;
        struct channel_update u = { .kind = CHANNEL_ADD_HTLC, .amount_msat = 1000,
                                    .cltv_expiry = 500 };
        memcpy(u.payment_hash, hash, 32);
        struct channel_proposal p, bad;
        assert_int_equal(channel_propose(&ch, proposer, &u, 400, &p), CHANNEL_OK);
        bad = p;
        bad.sig[proposer][round] ^= 1;
        assert_int_equal(channel_accept(&ch, &bad, 400), CHANNEL_BAD_SIGNATURE);
        assert_int_equal(channel_accept(&ch, &p, 400), CHANNEL_OK);
        bad = p;
        bad.sig[1 - proposer][63 - round] ^= 0x10;
        assert_int_equal(channel_commit(&ch, &bad), CHANNEL_BAD_SIGNATURE);
        assert_int_equal(ch.current.commitment_number, 2 * (uint64_t)round);
        assert_int_equal(channel_commit(&ch, &p), CHANNEL_OK);
        channel_proposal_free(&p);      /* bad shared p's HTLC array */
        assert_int_equal(channel_update(&plain, proposer, &u, 400, NULL), CHANNEL_OK);
        assert_memory_equal(ch.current_sig, plain.current_sig, sizeof ch.current_sig);
        /* and fulfilled back: one channel_update each, as a payment makes them */
        struct channel_update f = { .kind = CHANNEL_FULFILL_HTLC,
                                    .htlc_id = ch.next_htlc_id[proposer] - 1 };
        memcpy(f.payment_preimage, preimage, 32);
        assert_int_equal(channel_update(&ch, 1 - proposer, &f, 401, NULL), CHANNEL_OK);
        assert_int_equal(channel_update(&plain, 1 - proposer, &f, 401, NULL), CHANNEL_OK);
        assert_memory_equal(ch.current_sig, plain.current_sig, sizeof ch.current_sig);
    }
    struct sig_pool_stats s;
    sig_pool_stats(cp.pool, &s);
    assert_int_equal(s.ahead, 1 + 40);     /* the opening's second signature, each update */
    channel_free(&ch);
    channel_free(&plain);
    sig_pool_free(cp.pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_with_a_worker),
        cmocka_unit_test(test_rfc8032_caller_only),
        cmocka_unit_test(test_same_answers_under_churn),
        cmocka_unit_test(test_pause_when_workers_lag),
        cmocka_unit_test(test_fast_mode_not_handed),
        cmocka_unit_test(test_channel_refuses_where_it_did),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

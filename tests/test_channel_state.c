/* test_channel_state.c — one channel's signed states (models/channel/channel.c):
 * BOLT-3 Appendix C per-commitment secret vectors; BOLT-2 updates (update_add_htlc,
 * update_fulfill_htlc, update_fail_htlc, commitment_signed, revoke_and_ack) refused
 * on a bad signature, a stale commitment number, a state that is not the update's
 * result, a wrong preimage, an offerer's early timeout; BOLT-2's max_accepted_htlcs,
 * per direction and at most 483; BOLT-5's revoked-state penalty: the holder of the
 * poster's revocation secret takes the whole capacity.
 * Simplified as channel.h says (one symmetric state, hash commitments for the
 * per-commitment points, no Bitcoin scripts: the L1 side will be a contract). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "models/channel/channel.h"

static void unhex(uint8_t *out, const char *hex)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* BOLT-3 Appendix C, "Generation tests". */
static void test_bolt3_secret_generation(void **state)
{
    (void)state;
    static const struct { const char *seed; uint64_t index; const char *out; } v[] = {
        { "0000000000000000000000000000000000000000000000000000000000000000",
          281474976710655ull,
          "02a40c85b6f28da08dfdbe0926c53fab2de6d28c10301f8f7c4073d5e42e3148" },
        { "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
          281474976710655ull,
          "7cc854b54e3e0dcdb010d7a3fee464a9687be6e8db3be6854c475621e007a5dc" },
        { "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
          0xaaaaaaaaaaaull,
          "56f4008fb007ca9acf0e15b054d5c9fd12ee06cea347914ddbaed70d1c13a528" },
        { "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
          0x555555555555ull,
          "9015daaeb06dba4ccc05b91b2f73bd54405f2be9f217fbacd3c5ac2e62327d31" },
        { "0101010101010101010101010101010101010101010101010101010101010101", 1,
          "915c75942a26bb3a433a8ce2cb0427c29ec6c1775cfc78328b57f6ba7bfeaa9c" },
    };
    for (size_t i = 0; i < ARRAY_LEN(v); i++) {
        uint8_t seed[32], want[32], got[32];
        unhex(seed, v[i].seed);
        unhex(want, v[i].out);
        channel_per_commitment_secret(seed, v[i].index, got);
        assert_memory_equal(got, want, 32);
    }
}

struct fixture {
    struct sig_ctx sig;
    struct sig_keypair kp[2];
    struct channel ch;
    uint8_t preimage[32], hash[32];
};

/* Alice (side 0) 700,000 msat, Bob (side 1) 300,000 msat. */
static void setup(struct fixture *f, enum sig_mode mode)
{
    memset(f, 0, sizeof *f);
    sig_ctx_init(&f->sig, mode, 42);
    sig_keypair_derive(&f->sig, 1, 0, &f->kp[0]);
    sig_keypair_derive(&f->sig, 1, 1, &f->kp[1]);
    uint8_t id[32] = { 7 }, s0[32] = { 1 }, s1[32] = { 2 };
    channel_open(&f->ch, &f->sig, id, &f->kp[0], &f->kp[1], s0, s1, 700000, 300000);
    memset(f->preimage, 0x5a, 32);
    hash_sha256(f->hash, f->preimage, 32);
}

static struct channel_update add(const struct fixture *f, uint64_t amount, uint32_t expiry)
{
    struct channel_update u = { .kind = CHANNEL_ADD_HTLC, .amount_msat = amount,
                                .cltv_expiry = expiry };
    memcpy(u.payment_hash, f->hash, 32);
    return u;
}

static void assert_signed_by_both(const struct channel *ch)
{
    for (int i = 0; i < 2; i++)
        assert_true(channel_state_verify(ch, &ch->current, i, ch->current_sig[i]));
    assert_true(channel_state_total(&ch->current) == ch->capacity_msat);
}

/* Add, then fulfill with the preimage: Bob ends with the amount, both signed every
 * state, each state's secret revealed to the other once replaced. */
static void run_add_fulfill(enum sig_mode mode)
{
    struct fixture f;
    setup(&f, mode);
    assert_signed_by_both(&f.ch);
    struct channel_update u = add(&f, 100000, 500);
    uint64_t id = 99;
    assert_int_equal(channel_update(&f.ch, 0, &u, 400, &id), CHANNEL_OK);
    assert_int_equal(id, 0);
    assert_int_equal(f.ch.current.commitment_number, 1);
    assert_int_equal(f.ch.current.to_side_msat[0], 600000);
    assert_int_equal(f.ch.current.nhtlcs, 1);
    assert_signed_by_both(&f.ch);
    /* a wrong preimage is refused, the right one settles to Bob */
    struct channel_update ful = { .kind = CHANNEL_FULFILL_HTLC, .htlc_id = 0 };
    memset(ful.payment_preimage, 0x5b, 32);
    assert_int_equal(channel_update(&f.ch, 1, &ful, 401, NULL), CHANNEL_BAD_PREIMAGE);
    memcpy(ful.payment_preimage, f.preimage, 32);
    /* only the HTLC's receiver fulfills: Alice has no HTLC offered by Bob */
    assert_int_equal(channel_update(&f.ch, 0, &ful, 401, NULL), CHANNEL_UNKNOWN_HTLC);
    assert_int_equal(channel_update(&f.ch, 1, &ful, 401, NULL), CHANNEL_OK);
    assert_int_equal(f.ch.current.commitment_number, 2);
    assert_int_equal(f.ch.current.to_side_msat[0], 600000);
    assert_int_equal(f.ch.current.to_side_msat[1], 400000);
    assert_int_equal(f.ch.current.nhtlcs, 0);
    assert_signed_by_both(&f.ch);
    /* revoke_and_ack: each side holds the other's secrets for states 0 and 1 */
    assert_int_equal(f.ch.side[0].ntheir, 2);
    assert_int_equal(f.ch.side[1].ntheir, 2);
    /* ... and each revealed secret is BOLT-3's for that number (index 2^48 - 1 - n)
     * from the revealer's seed, hashing to the revocation hash its state carried */
    const uint8_t seed0[32] = { 1 }, seed1[32] = { 2 };
    for (uint64_t n = 0; n < 2; n++) {
        uint8_t want[32];
        channel_per_commitment_secret(seed0, CHANNEL_SECRET_INDEX_MAX - n, want);
        assert_memory_equal(f.ch.side[1].their_secret[n], want, 32);
        channel_per_commitment_secret(seed1, CHANNEL_SECRET_INDEX_MAX - n, want);
        assert_memory_equal(f.ch.side[0].their_secret[n], want, 32);
    }
    channel_free(&f.ch);
}

static void test_add_fulfill_ed25519(void **state) { (void)state; run_add_fulfill(SIG_ED25519); }
static void test_add_fulfill_fast(void **state) { (void)state; run_add_fulfill(SIG_FAST); }

/* The receiver refuses: a changed signature byte, a signature by the wrong key, a
 * replayed (stale) proposal, another channel's state, a state that moves more than
 * the update says even when re-signed by the proposer. */
static void test_refusals(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, SIG_ED25519);
    struct channel_update u = add(&f, 100000, 500);
    struct channel_proposal p, bad;     /* bad = p shares p's HTLC array: p frees it */
    assert_int_equal(channel_propose(&f.ch, 0, &u, 400, &p), CHANNEL_OK);

    bad = p;
    bad.sig[0][10] ^= 1;
    assert_int_equal(channel_accept(&f.ch, &bad, 400), CHANNEL_BAD_SIGNATURE);

    bad = p;    /* signed by Bob's key in Alice's place */
    uint8_t buf[4096];
    size_t n = channel_state_encode(&bad.next, buf, sizeof buf);
    sig_sign(&f.sig, &f.kp[1], buf, n, bad.sig[0]);
    assert_int_equal(channel_accept(&f.ch, &bad, 400), CHANNEL_BAD_SIGNATURE);

    bad = p;    /* Alice pays herself 1 msat from Bob, conserving the total, re-signs */
    bad.next.to_side_msat[0] += 1;
    bad.next.to_side_msat[1] -= 1;
    n = channel_state_encode(&bad.next, buf, sizeof buf);
    sig_sign(&f.sig, &f.kp[0], buf, n, bad.sig[0]);
    assert_int_equal(channel_accept(&f.ch, &bad, 400), CHANNEL_NOT_THE_UPDATE);

    bad = p;    /* ... or mints 1 msat */
    bad.next.to_side_msat[0] += 1;
    n = channel_state_encode(&bad.next, buf, sizeof buf);
    sig_sign(&f.sig, &f.kp[0], buf, n, bad.sig[0]);
    assert_int_equal(channel_accept(&f.ch, &bad, 400), CHANNEL_NOT_CONSERVED);

    bad = p;
    bad.next.channel_id[0] ^= 1;
    assert_int_equal(channel_accept(&f.ch, &bad, 400), CHANNEL_WRONG_CHANNEL);

    /* the genuine one goes through; replaying it afterwards is stale */
    assert_int_equal(channel_accept(&f.ch, &p, 400), CHANNEL_OK);
    assert_int_equal(channel_commit(&f.ch, &p), CHANNEL_OK);
    assert_int_equal(channel_accept(&f.ch, &p, 400), CHANNEL_STALE);
    assert_int_equal(channel_commit(&f.ch, &p), CHANNEL_STALE);
    /* a commit missing the receiver's signature is refused */
    channel_proposal_free(&p);
    assert_int_equal(channel_propose(&f.ch, 0, &u, 400, &p), CHANNEL_OK);
    assert_int_equal(channel_commit(&f.ch, &p), CHANNEL_BAD_SIGNATURE);
    assert_int_equal(f.ch.current.commitment_number, 1);
    channel_proposal_free(&p);
    channel_free(&f.ch);
}

/* Balances: more than the offerer has, a zero HTLC. */
static void test_limits(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, SIG_FAST);
    struct channel_update u = add(&f, 300001, 500);
    assert_int_equal(channel_update(&f.ch, 1, &u, 400, NULL), CHANNEL_INSUFFICIENT_BALANCE);
    u.amount_msat = 0;
    assert_int_equal(channel_update(&f.ch, 1, &u, 400, NULL), CHANNEL_BAD_AMOUNT);
    channel_free(&f.ch);
}

/* BOLT-2 max_accepted_htlcs is per direction: each node announces how many HTLCs its
 * peer may have offered TO it at once, and a node announcing more than 483 makes the
 * peer fail the channel. With both at 483: Alice's 484th HTLC to Bob is refused
 * (update_add_htlc: "MUST NOT offer more than the remote's max_accepted_htlcs") while
 * Bob still offers Alice HTLCs, up to his own 483; 966 pending in all. A smaller
 * limit of Bob's (30) refuses Alice's 31st and leaves Bob's direction at 483. */
static void test_max_accepted_htlcs_per_direction(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, SIG_FAST);
    assert_int_equal(CHANNEL_MAX_ACCEPTED_HTLCS, 483);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 484), CHANNEL_TOO_MANY_HTLCS);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 0), CHANNEL_TOO_MANY_HTLCS);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 483), CHANNEL_OK);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 0, 483), CHANNEL_OK);
    struct channel_update u = add(&f, 100, 500);
    for (unsigned i = 0; i < 483; i++)
        assert_int_equal(channel_update(&f.ch, 0, &u, 400, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 0, &u, 400, NULL), CHANNEL_TOO_MANY_HTLCS);
    assert_int_equal(channel_state_offered(&f.ch.current, 0), 483);
    for (unsigned i = 0; i < 483; i++)
        assert_int_equal(channel_update(&f.ch, 1, &u, 400, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 1, &u, 400, NULL), CHANNEL_TOO_MANY_HTLCS);
    assert_int_equal(f.ch.current.nhtlcs, 966);
    assert_int_equal(f.ch.current.to_side_msat[0], 700000 - 100 * 483);
    assert_int_equal(f.ch.current.to_side_msat[1], 300000 - 100 * 483);
    assert_signed_by_both(&f.ch);
    /* one of Alice's settles (Bob fulfils it): her direction takes one more again */
    struct channel_update ful = { .kind = CHANNEL_FULFILL_HTLC, .htlc_id = 7 };
    memcpy(ful.payment_preimage, f.preimage, 32);
    assert_int_equal(channel_update(&f.ch, 1, &ful, 401, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 0, &u, 401, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 0, &u, 401, NULL), CHANNEL_TOO_MANY_HTLCS);
    /* the full state (966 HTLCs, 51 KB signed) closes as posted; the same state
     * judged against a limit of 482 for Bob holds one HTLC too many: no valid close */
    struct channel_close c;
    channel_judge(&f.ch, &f.ch.current, (const uint8_t (*)[SIG_BYTES])f.ch.current_sig, 0, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_ACCEPTED);
    assert_int_equal(c.htlc_msat, 100 * 966);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 482), CHANNEL_OK);
    channel_judge(&f.ch, &f.ch.current, (const uint8_t (*)[SIG_BYTES])f.ch.current_sig, 0, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_INVALID);
    channel_free(&f.ch);

    setup(&f, SIG_FAST);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 30), CHANNEL_OK);
    for (unsigned i = 0; i < 30; i++)
        assert_int_equal(channel_update(&f.ch, 0, &u, 400, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 0, &u, 400, NULL), CHANNEL_TOO_MANY_HTLCS);
    for (unsigned i = 0; i < 483; i++)
        assert_int_equal(channel_update(&f.ch, 1, &u, 400, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 1, &u, 400, NULL), CHANNEL_TOO_MANY_HTLCS);
    /* the receiver refuses a proposal that breaks its limit even if the proposer
     * signed it: Alice's 31st HTLC, built and signed by hand */
    struct channel_proposal p;
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 31), CHANNEL_OK);
    assert_int_equal(channel_propose(&f.ch, 0, &u, 400, &p), CHANNEL_OK);
    assert_int_equal(channel_announce_max_accepted(&f.ch, 1, 30), CHANNEL_OK);
    assert_int_equal(channel_accept(&f.ch, &p, 400), CHANNEL_TOO_MANY_HTLCS);
    channel_proposal_free(&p);
    channel_free(&f.ch);
}

/* The secrets a channel reveals are BOLT-3's generate_from_seed of index 2^48-1-n
 * (channel_per_commitment_secret, checked against the Appendix C vectors above),
 * though the channel resumes the walk from a cached prefix: 600 updates cross the
 * prefix's 256-commitment boundaries twice. */
static void test_secrets_follow_bolt3(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, SIG_FAST);
    struct channel_update u = add(&f, 1, 500);
    struct channel_update fail = { .kind = CHANNEL_FAIL_HTLC, .offerer = 0 };
    uint8_t want[32];
    for (uint64_t n = 1; n <= 600; n++) {
        if (n % 2) {
            assert_int_equal(channel_update(&f.ch, 0, &u, 400, &fail.htlc_id), CHANNEL_OK);
        } else {
            assert_int_equal(channel_update(&f.ch, 1, &fail, 401, NULL), CHANNEL_OK);
        }
        for (int s = 0; s < 2; s++) {
            channel_per_commitment_secret(f.ch.side[s].shachain_seed,
                                          CHANNEL_SECRET_INDEX_MAX - n, want);
            assert_memory_equal(f.ch.side[s].secret_current, want, 32);
            /* the other side received the secret of n - 1 */
            channel_per_commitment_secret(f.ch.side[s].shachain_seed,
                                          CHANNEL_SECRET_INDEX_MAX - (n - 1), want);
            assert_memory_equal(f.ch.side[1 - s].their_secret[n - 1], want, 32);
        }
    }
    channel_free(&f.ch);
}

/* update_fail_htlc: the receiver may give an HTLC back at any time; the offerer takes
 * it back only at cltv_expiry or later (BOLT-2/5 timeout). */
static void test_fail_and_timeout(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, SIG_ED25519);
    struct channel_update u = add(&f, 50000, 500);
    uint64_t a, b;
    assert_int_equal(channel_update(&f.ch, 0, &u, 400, &a), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 0, &u, 400, &b), CHANNEL_OK);
    assert_int_equal(b, a + 1);
    struct channel_update fail = { .kind = CHANNEL_FAIL_HTLC, .htlc_id = a, .offerer = 0 };
    assert_int_equal(channel_update(&f.ch, 0, &fail, 499, NULL), CHANNEL_NOT_EXPIRED);
    assert_int_equal(channel_update(&f.ch, 0, &fail, 500, NULL), CHANNEL_OK);
    fail.htlc_id = b;
    assert_int_equal(channel_update(&f.ch, 1, &fail, 401, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 1, &fail, 401, NULL), CHANNEL_UNKNOWN_HTLC);
    assert_int_equal(f.ch.current.to_side_msat[0], 700000);
    assert_int_equal(f.ch.current.nhtlcs, 0);
    channel_free(&f.ch);
}

/* BOLT-5 revoked transaction close: Alice posts state 1 after state 3 exists. Bob
 * holds her per-commitment secret for 1: penalty, Bob takes all 1,000,000 msat. The
 * latest state is paid as posted, HTLCs pending. A state whose signature is forged
 * pays nothing. Without the secret (a holder that never got revoke_and_ack), no
 * penalty: the punishment rests on the revealed secret, nothing else. */
static void test_revoked_state_penalty(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, SIG_ED25519);
    struct channel_update u = add(&f, 100000, 500);
    struct channel_state s1 = { 0 };
    uint8_t sig1[2][SIG_BYTES];
    assert_int_equal(channel_update(&f.ch, 0, &u, 400, NULL), CHANNEL_OK);
    channel_state_copy(&s1, &f.ch.current);
    memcpy(sig1, f.ch.current_sig, sizeof sig1);
    struct channel_update ful = { .kind = CHANNEL_FULFILL_HTLC, .htlc_id = 0 };
    memcpy(ful.payment_preimage, f.preimage, 32);
    assert_int_equal(channel_update(&f.ch, 1, &ful, 401, NULL), CHANNEL_OK);
    assert_int_equal(channel_update(&f.ch, 1, &u, 402, NULL), CHANNEL_OK);   /* state 3 */

    struct channel_close c;
    channel_judge(&f.ch, &s1, (const uint8_t (*)[SIG_BYTES])sig1, 0, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_PENALTY);
    assert_int_equal(c.to_side_msat[1], 1000000);
    assert_int_equal(c.to_side_msat[0], 0);

    /* Bob posting the same revoked state: Alice holds his secret for it too */
    channel_judge(&f.ch, &s1, (const uint8_t (*)[SIG_BYTES])sig1, 1, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_PENALTY);
    assert_int_equal(c.to_side_msat[0], 1000000);

    channel_judge(&f.ch, &f.ch.current, (const uint8_t (*)[SIG_BYTES])f.ch.current_sig, 0, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_ACCEPTED);
    assert_int_equal(c.to_side_msat[0], 600000);
    assert_int_equal(c.to_side_msat[1], 300000);
    assert_int_equal(c.htlc_msat, 100000);

    uint8_t forged[2][SIG_BYTES];
    memcpy(forged, sig1, sizeof forged);
    forged[1][0] ^= 1;
    channel_judge(&f.ch, &s1, (const uint8_t (*)[SIG_BYTES])forged, 0, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_INVALID);
    assert_int_equal(c.to_side_msat[0] + c.to_side_msat[1], 0);

    size_t kept = f.ch.side[1].ntheir;
    f.ch.side[1].ntheir = 1;            /* Bob forgets every secret but state 0's */
    channel_judge(&f.ch, &s1, (const uint8_t (*)[SIG_BYTES])sig1, 0, &c);
    assert_int_equal(c.kind, CHANNEL_CLOSE_ACCEPTED);
    assert_int_equal(c.to_side_msat[0], 600000);
    f.ch.side[1].ntheir = kept;
    channel_state_free(&s1);
    channel_free(&f.ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bolt3_secret_generation),
        cmocka_unit_test(test_add_fulfill_ed25519),
        cmocka_unit_test(test_add_fulfill_fast),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_max_accepted_htlcs_per_direction),
        cmocka_unit_test(test_fail_and_timeout),
        cmocka_unit_test(test_secrets_follow_bolt3),
        cmocka_unit_test(test_revoked_state_penalty),
    };
    return cmocka_run_group_tests_name("channel_state", tests, NULL, NULL);
}

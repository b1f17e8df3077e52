/* test_batch.c — rollup batches (models/rollup/batch.h): the bytes a batcher posts
 * decode to exactly the transfers it encoded, through every codec; malformed bytes
 * are refused with the reason; the commitment's audit paths prove each transfer's
 * place and nothing else (RFC 6962 §2.1.1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "models/crypto/codec.h"
#include "models/rollup/batch.h"

#define GWEI ((u128)1000000000ull)
enum { CHAIN = 5, N = 37 };

static struct sig_ctx sig;
static struct sig_keypair key[4];
static struct l2_transfer txs[N];

static void assert_same_transfer(const struct l2_transfer *a, const struct l2_transfer *b)
{
    assert_int_equal(a->chain_id, b->chain_id);
    assert_int_equal(a->from, b->from);
    assert_int_equal(a->to, b->to);
    assert_true(a->amount == b->amount && a->fee == b->fee);
    assert_int_equal(a->nonce, b->nonce);
    assert_memory_equal(a->sig, b->sig, SIG_BYTES);
}

/* Encode, compress, decompress under a bound, decode: the same transfers, still
 * signed (a state executes them), for none, zstd and brotli. */
static void test_round_trip_through_codecs(void **state)
{
    size_t len = batch_encoded_size(N);
    uint8_t *raw = malloc(len);
    batch_encode(txs, N, CHAIN, raw);
    static const struct { enum codec_kind k; int level; } cases[] = {
        { CODEC_NONE, 0 }, { CODEC_ZSTD, 3 }, { CODEC_BROTLI, 10 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct codec *codec;
        struct err e;
        err_init(&e);
        assert_int_equal(codec_new(cases[c].k, cases[c].level, &codec, &e), 0);
        size_t cap = codec_bound(codec, len), zlen, back_len;
        uint8_t *z = malloc(cap), *back = malloc(batch_encoded_size(1000));
        assert_int_equal(codec_compress(codec, raw, len, z, cap, &zlen, &e), 0);
        assert_int_equal(codec_decompress(codec, z, zlen, back, batch_encoded_size(1000),
                                          &back_len, &e), 0);
        struct l2_transfer *got;
        size_t n;
        assert_int_equal(batch_decode(back, back_len, CHAIN, 1000, &got, &n, &e), 0);
        assert_int_equal(n, N);
        for (size_t i = 0; i < N; i++)
            assert_same_transfer(&got[i], &txs[i]);
        struct l2_state *s = state_new(CHAIN, 8, &sig, 0);
        for (uint64_t u = 0; u < 4; u++)
            assert_int_equal(state_deposit(s, u, key[u].pk, 1000000 * GWEI, &e), 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(state_apply(s, &got[i]), TRANSFER_OK);
        state_free(s);
        free(got), free(z), free(back);
        codec_free(codec);
    }
    free(raw);
}

/* Each kind of malformed batch gets its own message and allocates nothing. */
static void test_malformed_refused(void **state)
{
    size_t len = batch_encoded_size(N);
    uint8_t *raw = malloc(len + 1);
    batch_encode(txs, N, CHAIN, raw);
    struct l2_transfer *got = NULL;
    size_t n;
    struct err e;
    static const struct { const char *what; } expect[] = {
        { "shorter than its 13-byte header" }, { "version 2, expected 1" },
        { "for rollup 6, not 5" }, { "more than the limit of 10" },
        { "37 transfers take" }, { "transfer 4 is not a transfer encoding" },
    };
    for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
        uint8_t *b = malloc(len + 1);
        memcpy(b, raw, len);
        size_t blen = len, max = 1000;
        switch (k) {
        case 0: blen = 12; break;
        case 1: b[0] = 2; break;
        case 2: b[1] = CHAIN + 1; break;
        case 3: max = 10; break;
        case 4: b[len] = 0, blen = len + 1; break;   /* a trailing byte */
        case 5: b[BATCH_HEADER_BYTES + 4 * TRANSFER_WIRE_BYTES + 3] ^= 1; break;   /* the tag */
        }
        err_init(&e);
        assert_int_equal(batch_decode(b, blen, CHAIN, max, &got, &n, &e), L2_EINPUT);
        if (!strstr(e.msg, expect[k].what))
            fail_msg("case %zu: '%s' does not say '%s'", k, e.msg, expect[k].what);
        free(b);
    }
    assert_null(got);
    err_init(&e);   /* an empty batch is a batch */
    batch_encode(txs, 0, CHAIN, raw);
    assert_int_equal(batch_decode(raw, BATCH_HEADER_BYTES, CHAIN, 10, &got, &n, &e), 0);
    assert_int_equal(n, 0);
    free(got), free(raw);
}

/* Every transfer proves its place in the committed batch; a changed transfer, another
 * place, a transfer of another batch, a tampered path or another count do not. */
static void test_inclusion(void **state)
{
    struct batch_commitment c, other;
    batch_commit(txs, N, &c);
    batch_commit(txs, N - 1, &other);
    assert_int_equal(c.count, N);
    assert_memory_not_equal(c.tx_root, other.tx_root, 32);
    uint8_t path[64][32];
    for (size_t i = 0; i < N; i++) {
        size_t len = batch_prove_inclusion(txs, N, i, path);
        const uint8_t (*p)[32] = (const uint8_t (*)[32])path;
        assert_true(batch_verify_inclusion(&c, i, &txs[i], p, len));
        struct l2_transfer t = txs[i];
        t.amount += 1;
        assert_false(batch_verify_inclusion(&c, i, &t, p, len));
        t = txs[i], t.sig[9] ^= 1;   /* the signature is part of what is committed */
        assert_false(batch_verify_inclusion(&c, i, &t, p, len));
        assert_false(batch_verify_inclusion(&c, (i + 1) % N, &txs[i], p, len));
        assert_false(batch_verify_inclusion(&c, N, &txs[i], p, len));
        path[0][0] ^= 1;
        assert_false(batch_verify_inclusion(&c, i, &txs[i], p, len));
        path[0][0] ^= 1;
        if (i < N - 1)
            assert_false(batch_verify_inclusion(&other, i, &txs[i], p, len));
    }
}

/* The commitment from the encoded batch (what a batcher holds: each transfer's wire
 * bytes after the header) is the commitment of the transfers: the leaves are the
 * RFC 6962 leaf hashes of exactly the bytes posted. */
static void test_commit_from_encoding(void **state)
{
    uint8_t *raw = malloc(batch_encoded_size(N)), leaves[N][32];
    batch_encode(txs, N, CHAIN, raw);
    for (size_t i = 0; i < N; i++)
        batch_tx_leaf(raw + BATCH_HEADER_BYTES + i * TRANSFER_WIRE_BYTES, leaves[i]);
    struct batch_commitment want, got;
    batch_commit(txs, N, &want);
    batch_commit_leaves((const uint8_t (*)[32])leaves, N, &got);
    assert_int_equal(got.count, want.count);
    assert_memory_equal(got.tx_root, want.tx_root, 32);
    raw[BATCH_HEADER_BYTES + 5 * TRANSFER_WIRE_BYTES + 40] ^= 1;   /* a byte of transfer 5 */
    batch_tx_leaf(raw + BATCH_HEADER_BYTES + 5 * TRANSFER_WIRE_BYTES, leaves[5]);
    batch_commit_leaves((const uint8_t (*)[32])leaves, N, &got);
    assert_memory_not_equal(got.tx_root, want.tx_root, 32);
    free(raw);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    sig_ctx_init(&sig, SIG_ED25519, 2);
    for (uint64_t u = 0; u < 4; u++)
        sig_keypair_derive(&sig, 1, u, &key[u]);
    uint64_t nonce[4] = { 0 };
    for (size_t i = 0; i < N; i++) {
        uint64_t from = i % 4, to = (i * 7 + 1) % 4;
        txs[i] = (struct l2_transfer){ .chain_id = CHAIN, .from = from, .to = to,
                                    .amount = (u128)(i + 1) * GWEI, .fee = 21000,
                                    .nonce = nonce[from]++ };
        transfer_sign(&txs[i], &sig, &key[from]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_through_codecs),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_inclusion),
        cmocka_unit_test(test_commit_from_encoding),
    };
    return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}

/* test_crypto.c — models/crypto against published vectors: Ed25519 (RFC 8032 §7.1),
 * SHA-256 (FIPS 180-4 examples / NIST CSRC, as listed in NIST CAVP), BLAKE2b-512
 * (RFC 7693 Appendix A), the list Merkle root (RFC 6962 §2.1, the Certificate
 * Transparency reference inputs and tree heads); then what the protocols rely on:
 * Merkle proofs accepted and forged ones refused, incremental roots equal to a
 * rebuild, codecs that round-trip and refuse bombs and garbage, and the fast mode's
 * MAC refusing a wrong key or message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "models/crypto/codec.h"
#include "models/crypto/hash.h"
#include "models/crypto/merkle.h"
#include "models/crypto/sig.h"
#include "sim/rng.h"

/* hex -> bytes; returns the byte count. */
static size_t unhex(uint8_t *out, const char *hex)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void assert_hex(const uint8_t *bytes, size_t n, const char *want)
{
    char got[2 * 64 + 1];
    assert_true(n <= 64);
    assert_string_equal(hash_hex(got, bytes, n), want);
}

/* ---- Ed25519: RFC 8032 §7.1 "Test Vectors for Ed25519" ---- */

struct ed_vector {
    const char *name, *secret, *public, *message, *signature;
};

static const struct ed_vector rfc8032[] = {
    { "TEST 1",
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
    { "TEST 2",
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
    { "TEST 3",
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
      "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
    { "TEST SHA(abc)",   /* the message is SHA-512("abc") */
      "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
      "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" },
};

/* For each vector: the public key from the secret (the RFC's 32-byte private key),
 * the signature bytes exactly, verification accepts, and one flipped bit anywhere in
 * the signature, the message or the public key is refused. */
static void test_ed25519_rfc8032(void **state)
{
    struct sig_ctx c;
    sig_ctx_init(&c, SIG_ED25519, 1);
    for (size_t v = 0; v < ARRAY_LEN(rfc8032); v++) {
        const struct ed_vector *t = &rfc8032[v];
        uint8_t seed[32], msg[64], sig[SIG_BYTES];
        unhex(seed, t->secret);
        size_t len = unhex(msg, t->message);
        struct sig_keypair kp;
        sig_keypair_from_seed(&c, seed, &kp);
        assert_hex(kp.pk, SIG_PUBLICKEY_BYTES, t->public);
        sig_sign(&c, &kp, msg, len, sig);
        assert_hex(sig, SIG_BYTES, t->signature);
        assert_true(sig_verify(&c, kp.pk, msg, len, sig));

        for (size_t bit = 0; bit < 8 * SIG_BYTES; bit += 37) {
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_false(sig_verify(&c, kp.pk, msg, len, sig));
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        if (len) {
            msg[0] ^= 1;
            assert_false(sig_verify(&c, kp.pk, msg, len, sig));
            msg[0] ^= 1;
        }
        kp.pk[5] ^= 0x10;
        assert_false(sig_verify(&c, kp.pk, msg, len, sig));
    }
}

/* Keys come from (run seed, kind, id) alone: the same every time, distinct per
 * identity and per run seed; a key signs for itself only. Both modes. */
static void test_keys_deterministic(void **state)
{
    for (int m = 0; m < 2; m++) {
        enum sig_mode mode = m ? SIG_FAST : SIG_ED25519;
        struct sig_ctx c1, c2, other;
        sig_ctx_init(&c1, mode, 42);
        sig_ctx_init(&c2, mode, 42);
        sig_ctx_init(&other, mode, 43);
        struct sig_keypair a, a2, b, a_other;
        sig_keypair_derive(&c1, 1, 7, &a);
        sig_keypair_derive(&c2, 1, 7, &a2);
        sig_keypair_derive(&c1, 1, 8, &b);
        sig_keypair_derive(&other, 1, 7, &a_other);
        assert_memory_equal(&a, &a2, sizeof a);
        assert_memory_not_equal(a.pk, b.pk, SIG_PUBLICKEY_BYTES);
        assert_memory_not_equal(a.pk, a_other.pk, SIG_PUBLICKEY_BYTES);
        struct sig_keypair k2;   /* another kind, same id */
        sig_keypair_derive(&c1, 2, 7, &k2);
        assert_memory_not_equal(a.pk, k2.pk, SIG_PUBLICKEY_BYTES);

        static const char msg[] = "transfer 1 wei to 8";
        uint8_t s1[SIG_BYTES], s2[SIG_BYTES];
        sig_sign(&c1, &a, msg, sizeof msg, s1);
        sig_sign(&c2, &a2, msg, sizeof msg, s2);
        assert_memory_equal(s1, s2, SIG_BYTES);          /* deterministic signatures */
        assert_true(sig_verify(&c1, a.pk, msg, sizeof msg, s1));
        assert_false(sig_verify(&c1, b.pk, msg, sizeof msg, s1));   /* not b's */
    }
}

/* The fast mode is a MAC: it verifies what its key made, and refuses a tag made with
 * another entity's key, over another message, or under another run's root key. */
static void test_fast_mac(void **state)
{
    struct sig_ctx c, other;
    sig_ctx_init(&c, SIG_FAST, 9);
    sig_ctx_init(&other, SIG_FAST, 10);
    struct sig_keypair alice, mallory;
    sig_keypair_derive(&c, 1, 1, &alice);
    sig_keypair_derive(&c, 1, 2, &mallory);
    uint8_t msg[100], tag[SIG_BYTES];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    sig_sign(&c, &alice, msg, sizeof msg, tag);
    assert_true(sig_verify(&c, alice.pk, msg, sizeof msg, tag));

    /* the same sizes as Ed25519: the tag is a full 64 bytes, not a padded hash */
    uint8_t zero[SIG_BYTES] = { 0 };
    assert_memory_not_equal(tag + 32, zero, 32);

    uint8_t forged[SIG_BYTES];   /* Mallory signs claiming to be Alice */
    sig_sign(&c, &mallory, msg, sizeof msg, forged);
    assert_false(sig_verify(&c, alice.pk, msg, sizeof msg, forged));
    msg[99] ^= 0x80;             /* a changed message */
    assert_false(sig_verify(&c, alice.pk, msg, sizeof msg, tag));
    msg[99] ^= 0x80;
    assert_false(sig_verify(&c, alice.pk, msg, sizeof msg - 1, tag));
    assert_false(sig_verify(&other, alice.pk, msg, sizeof msg, tag));   /* another run */
    tag[17] ^= 4;
    assert_false(sig_verify(&c, alice.pk, msg, sizeof msg, tag));

    /* an Ed25519 signature is not a fast tag, nor the other way round */
    struct sig_ctx ed;
    sig_ctx_init(&ed, SIG_ED25519, 9);
    struct sig_keypair e;
    sig_keypair_derive(&ed, 1, 1, &e);
    uint8_t esig[SIG_BYTES];
    sig_sign(&ed, &e, msg, sizeof msg, esig);
    assert_false(sig_verify(&c, e.pk, msg, sizeof msg, esig));
}

/* A prepared key verifies exactly what its public key verifies, in both modes: the
 * signer's signature, and no forgery, changed message or other run's tag. */
static void test_prepared_verify(void **state)
{
    for (int m = 0; m < 2; m++) {
        enum sig_mode mode = m ? SIG_FAST : SIG_ED25519;
        struct sig_ctx c, other;
        sig_ctx_init(&c, mode, 9);
        sig_ctx_init(&other, mode, 10);
        struct sig_keypair alice, mallory;
        sig_keypair_derive(&c, 1, 1, &alice);
        sig_keypair_derive(&c, 1, 2, &mallory);
        struct sig_verify_key vk, vk_other;
        sig_verify_key_init(&c, alice.pk, &vk);
        sig_verify_key_init(&other, alice.pk, &vk_other);
        uint8_t msg[77] = { 3, 1, 4 }, tag[SIG_BYTES], forged[SIG_BYTES];
        sig_sign(&c, &alice, msg, sizeof msg, tag);
        sig_sign(&c, &mallory, msg, sizeof msg, forged);
        assert_true(sig_verify_prepared(&c, &vk, msg, sizeof msg, tag));
        assert_false(sig_verify_prepared(&c, &vk, msg, sizeof msg, forged));
        assert_false(sig_verify_prepared(&c, &vk, msg, sizeof msg - 1, tag));
        if (mode == SIG_FAST)   /* a MAC key belongs to its run; Ed25519 keys do not */
            assert_false(sig_verify_prepared(&other, &vk_other, msg, sizeof msg, tag));
        msg[40] ^= 1;
        assert_false(sig_verify_prepared(&c, &vk, msg, sizeof msg, tag));
        assert_false(sig_verify(&c, alice.pk, msg, sizeof msg, tag));
    }
}

static void test_mode_names(void **state)
{
    enum sig_mode m;
    assert_int_equal(sig_mode_parse("ed25519", &m), 0);
    assert_int_equal(m, SIG_ED25519);
    assert_int_equal(sig_mode_parse("fast", &m), 0);
    assert_int_equal(m, SIG_FAST);
    assert_int_equal(sig_mode_parse("rsa", &m), -1);
    assert_string_equal(sig_mode_name(SIG_FAST), "fast");
    assert_string_equal(sig_mode_name(SIG_ED25519), "ed25519");
}

/* ---- SHA-256: FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values",
 * SHA256.pdf, and SHA256ShortMsg/LongMsg of NIST CAVP) ---- */
static void sha256_vectors(void)
{
    uint8_t h[32];
    hash_sha256(h, "abc", 3);   /* one block */
    assert_hex(h, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hash_sha256(h, m448, 56);   /* 448 bits: two blocks, the padding spills over */
    assert_hex(h, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    hash_sha256(h, million, 1000000);   /* one million 'a' */
    assert_hex(h, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
    hash_sha256(h, "", 0);      /* the empty message */
    assert_hex(h, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    uint8_t a[32], b[32], pair[32], cat[64];   /* the pair helper is SHA-256(a || b) */
    hash_sha256(a, "left", 4), hash_sha256(b, "right", 5);
    memcpy(cat, a, 32), memcpy(cat + 32, b, 32);
    hash_sha256_pair(pair, a, b);
    hash_sha256(h, cat, 64);
    assert_memory_equal(pair, h, 32);
    hash_sha256_cat(h, "ab", 2, "c", 1);   /* the concatenation helper is SHA-256(a || b) */
    assert_hex(h, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* The vectors on both implementations: the CPU's SHA extensions (where it has them)
 * and libsodium's portable code. */
static void test_sha256_vectors(void **state)
{
    bool accelerated = hash_sha256_set_accelerated(true);
    sha256_vectors();
    assert_false(hash_sha256_set_accelerated(false));
    sha256_vectors();
    hash_sha256_set_accelerated(accelerated);
}

/* The two implementations agree on every length around the block and padding
 * boundaries (55/56/64 bytes), and on every split of the input for the concatenating
 * form: a hash of a message never depends on which code computed it. */
static void test_sha256_implementations_agree(void **state)
{
    if (!hash_sha256_set_accelerated(true))
        skip();   /* no SHA extensions on this CPU: libsodium's code alone is used */
    uint8_t msg[300], ref[32], got[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof msg; len++) {
        hash_sha256_set_accelerated(false);
        hash_sha256(ref, msg, len);
        hash_sha256_set_accelerated(true);
        hash_sha256(got, msg, len);
        assert_memory_equal(ref, got, 32);
        for (size_t cut = 0; cut <= len; cut += len < 140 ? 1 : 37) {
            hash_sha256_cat(got, msg, cut, msg + cut, len - cut);
            assert_memory_equal(ref, got, 32);
        }
        uint8_t other[32], ref2[32];   /* two at once: each its own digest */
        hash_sha256(ref2, msg + (sizeof msg - len), len);
        hash_sha256_x2(got, msg, other, msg + (sizeof msg - len), len);
        assert_memory_equal(ref, got, 32);
        assert_memory_equal(ref2, other, 32);
    }
}

/* ---- BLAKE2b-512("abc"): RFC 7693 Appendix A ---- */
static void test_blake2b_vector(void **state)
{
    uint8_t h[64];
    hash_blake2b(h, 64, "abc", 3, NULL, 0);
    assert_hex(h, 64, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                      "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    uint8_t k[64];   /* a key changes the digest (RFC 7693 §2.5: keyed = MAC) */
    hash_blake2b(k, 64, "abc", 3, "key", 3);
    assert_memory_not_equal(h, k, 64);
}

/* ---- Merkle: the account tree ---- */

/* The empty-subtree hashes follow from the definition: the height-1 one is
 * SHA-256 of 64 zero bytes (f5a5fd42..., zero_hashes[1] of Ethereum's deposit
 * contract), and an empty tree's root is the height-d one. */
static void test_merkle_empty(void **state)
{
    uint8_t e[32], root[32];
    merkle_empty_hash(0, e);
    assert_hex(e, 32, "0000000000000000000000000000000000000000000000000000000000000000");
    merkle_empty_hash(1, e);
    assert_hex(e, 32, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
    merkle_empty_hash(2, e);
    assert_hex(e, 32, "db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71");
    struct merkle_tree *t = merkle_tree_new(32);
    merkle_tree_root(t, root);
    merkle_empty_hash(32, e);
    assert_memory_equal(root, e, 32);
    merkle_tree_free(t);
}

/* A two-level tree by hand: the root is H(H(l0||l1) || H(l2||l3)). */
static void test_merkle_by_hand(void **state)
{
    uint8_t l[4][32], n01[32], n23[32], want[32], root[32];
    struct merkle_tree *t = merkle_tree_new(2);
    for (int i = 0; i < 4; i++) {
        hash_sha256(l[i], &i, sizeof i);
        merkle_tree_set(t, (uint64_t)i, l[i]);
    }
    hash_sha256_pair(n01, l[0], l[1]);
    hash_sha256_pair(n23, l[2], l[3]);
    hash_sha256_pair(want, n01, n23);
    merkle_tree_root(t, root);
    assert_memory_equal(root, want, 32);
    merkle_tree_free(t);
}

static void random_leaf(gsl_rng *r, uint8_t leaf[32])
{
    for (int i = 0; i < 32; i++)
        leaf[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
}

/* Every leaf's proof is accepted; a wrong leaf, a wrong index, a tampered sibling at
 * any level, or a wrong root is refused. Depth 20 over 300 accounts. */
static void test_merkle_proofs(void **state)
{
    enum { D = 20, N = 300 };
    gsl_rng *r = rng_stream(7, 1, 1, 1);
    struct merkle_tree *t = merkle_tree_new(D);
    for (uint64_t i = 0; i < N; i++) {
        uint8_t leaf[32];
        random_leaf(r, leaf);
        merkle_tree_set(t, i, leaf);
    }
    uint8_t root[32], proof[D][32], leaf[32], other[32];
    merkle_tree_root(t, root);
    for (uint64_t i = 0; i < N + 5; i++) {   /* N..N+4: empty leaves are provable too */
        merkle_tree_leaf(t, i, leaf);
        merkle_tree_prove(t, i, proof);
        assert_true(merkle_verify(root, D, i, leaf, (const uint8_t (*)[32])proof));

        memcpy(other, leaf, 32);             /* wrong leaf */
        other[i % 32] ^= 1;
        assert_false(merkle_verify(root, D, i, other, (const uint8_t (*)[32])proof));
        merkle_tree_leaf(t, i ^ 1, other);   /* wrong index (unless both are empty) */
        if (memcmp(other, leaf, 32) != 0)
            assert_false(merkle_verify(root, D, i ^ 1, leaf, (const uint8_t (*)[32])proof));
        if (i < N)
            assert_false(merkle_verify(root, D, i ^ 2, leaf, (const uint8_t (*)[32])proof));
        assert_false(merkle_verify(root, D, i + ((uint64_t)1 << D), leaf,
                                   (const uint8_t (*)[32])proof));   /* out of the tree */
        unsigned lvl = (unsigned)(i % D);    /* tampered sibling */
        proof[lvl][3] ^= 0x40;
        assert_false(merkle_verify(root, D, i, leaf, (const uint8_t (*)[32])proof));
        proof[lvl][3] ^= 0x40;
        memcpy(other, root, 32);             /* wrong root */
        other[31] ^= 1;
        assert_false(merkle_verify(other, D, i, leaf, (const uint8_t (*)[32])proof));
        assert_false(merkle_verify(root, D - 1, i, leaf, (const uint8_t (*)[32])proof));
    }
    /* another leaf's proof does not prove this leaf at this index */
    merkle_tree_leaf(t, 5, leaf);
    merkle_tree_prove(t, 6, proof);
    assert_false(merkle_verify(root, D, 5, leaf, (const uint8_t (*)[32])proof));
    merkle_tree_free(t);
    gsl_rng_free(r);
}

/* After random updates (including overwrites, and indices beyond the populated
 * prefix) the incremental root equals a full rebuild from the leaves, and an update
 * changes the root. */
static void test_merkle_incremental(void **state)
{
    gsl_rng *r = rng_stream(8, 1, 1, 1);
    unsigned depths[] = { 1, 3, 16, 32, 64 };
    for (size_t d = 0; d < ARRAY_LEN(depths); d++) {
        unsigned depth = depths[d];
        struct merkle_tree *t = merkle_tree_new(depth);
        uint64_t span = depth >= 12 ? 3000 : ((uint64_t)1 << depth);
        uint8_t before[32], after[32], rebuilt[32], leaf[32];
        for (int u = 0; u < 2000; u++) {
            uint64_t i = gsl_rng_uniform_int(r, span);
            merkle_tree_root(t, before);
            random_leaf(r, leaf);
            merkle_tree_set(t, i, leaf);
            merkle_tree_root(t, after);
            assert_memory_not_equal(before, after, 32);
            if (u % 97 == 0) {
                merkle_tree_rebuild_root(t, rebuilt);
                assert_memory_equal(after, rebuilt, 32);
            }
        }
        merkle_tree_rebuild_root(t, rebuilt);
        merkle_tree_root(t, after);
        assert_memory_equal(after, rebuilt, 32);
        merkle_tree_free(t);
    }
    gsl_rng_free(r);
}

/* Staged leaves committed at once give the root of setting them one by one, whatever
 * their order and overlap (the same index staged twice keeps the later leaf). */
static void test_merkle_stage_commit(void **state)
{
    /* rounds of up to 200 staged leaves, repeats included, over 300 or 5000 slots:
     * both ways commit orders them (a bitmap when they are many against the populated
     * prefix, a sort when few) */
    gsl_rng *r = rng_stream(10, 1, 1, 1);
    struct merkle_tree *one = merkle_tree_new(32), *staged = merkle_tree_new(32);
    uint8_t a[32], b[32], leaf[32];
    for (int round = 0; round < 50; round++) {
        int k = 1 + (int)gsl_rng_uniform_int(r, 200);
        for (int i = 0; i < k; i++) {
            uint64_t index = gsl_rng_uniform_int(r, round % 2 ? 5000 : 300);
            random_leaf(r, leaf);
            merkle_tree_set(one, index, leaf);
            merkle_tree_stage(staged, index, leaf);
        }
        assert_true(merkle_tree_staged(staged));
        merkle_tree_commit(staged);
        assert_false(merkle_tree_staged(staged));
        merkle_tree_root(one, a), merkle_tree_root(staged, b);
        assert_memory_equal(a, b, 32);
    }
    merkle_tree_rebuild_root(staged, a);
    assert_memory_equal(a, b, 32);
    merkle_tree_free(one), merkle_tree_free(staged);
    gsl_rng_free(r);
}

/* Loading n leaves at once gives the root of setting them one by one; the loaded tree
 * then updates and proves like any other. */
static void test_merkle_load(void **state)
{
    enum { N = 1000 };
    gsl_rng *r = rng_stream(9, 1, 1, 1);
    uint8_t (*leaves)[32] = malloc(N * 32), a[32], b[32], proof[24][32];
    for (int i = 0; i < N; i++)
        random_leaf(r, leaves[i]);
    struct merkle_tree *one = merkle_tree_new(24), *bulk = merkle_tree_new(24);
    for (uint64_t i = 0; i < N; i++)
        merkle_tree_set(one, i, leaves[i]);
    merkle_tree_load(bulk, (const uint8_t (*)[32])leaves, N);
    merkle_tree_root(one, a), merkle_tree_root(bulk, b);
    assert_memory_equal(a, b, 32);
    merkle_tree_set(one, 17, leaves[3]), merkle_tree_set(bulk, 17, leaves[3]);
    merkle_tree_root(one, a), merkle_tree_root(bulk, b);
    assert_memory_equal(a, b, 32);
    merkle_tree_prove(bulk, 999, proof);
    assert_true(merkle_verify(b, 24, 999, leaves[999], (const uint8_t (*)[32])proof));
    merkle_tree_free(one), merkle_tree_free(bulk);
    free(leaves);
    gsl_rng_free(r);
}

/* ---- Merkle: the list root, RFC 6962 §2.1 ---- The inputs and the tree heads for
 * sizes 0..8 are the Certificate Transparency reference test data
 * (certificate-transparency, "merkle_tree_test" inputs), published with RFC 6962's
 * reference implementation. */
static void test_merkle_list_rfc6962(void **state)
{
    static const char *inputs[] = { "", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f" };
    static const char *roots[] = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    uint8_t leaves[8][32], root[32];
    for (int i = 0; i < 8; i++) {
        uint8_t data[16];
        size_t len = unhex(data, inputs[i]);
        merkle_list_leaf_hash(data, len, leaves[i]);
    }
    for (size_t n = 0; n <= 8; n++) {
        merkle_list_root((const uint8_t (*)[32])leaves, n, root);
        assert_hex(root, 32, roots[n]);
    }
}

/* RFC 6962 §2.1's MTH as written (split at the largest power of two below n), for
 * comparing merkle_list_root's level-by-level computation against. */
static void mth(const uint8_t (*d)[32], size_t n, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, d[0], 32);
        return;
    }
    size_t k = 1;
    while (2 * k < n)
        k *= 2;
    uint8_t buf[65];
    buf[0] = 0x01;
    mth(d, k, buf + 1);
    mth(d + k, n - k, buf + 33);
    hash_sha256(out, buf, sizeof buf);
}

/* Every list length up to 300, on both SHA-256 implementations: the root is MTH; the
 * leaf hashes of items laid side by side are each item's leaf hash. */
static void test_merkle_list_root_is_mth(void **state)
{
    enum { N = 300, LEN = 23 };
    uint8_t items[N][LEN], leaves[N][32], one[32], want[32], got[32];
    for (size_t i = 0; i < N; i++)
        for (size_t b = 0; b < LEN; b++)
            items[i][b] = (uint8_t)(i * 31 + b);
    bool accelerated = hash_sha256_set_accelerated(true);
    for (int pass = 0; pass < 2; pass++) {
        hash_sha256_set_accelerated(pass == 0);
        merkle_list_leaf_hashes(items, LEN, N, leaves);
        for (size_t i = 0; i < N; i++) {
            merkle_list_leaf_hash(items[i], LEN, one);
            assert_memory_equal(one, leaves[i], 32);
        }
        for (size_t n = 1; n <= N; n++) {
            mth((const uint8_t (*)[32])leaves, n, want);
            merkle_list_root((const uint8_t (*)[32])leaves, n, got);
            assert_memory_equal(want, got, 32);
        }
    }
    hash_sha256_set_accelerated(accelerated);
}

/* RFC 6962 audit paths: the Certificate Transparency reference proofs for leaf 0 and
 * leaf 5 of 8, leaf 2 of 3 and leaf 1 of 5 (same reference data as above), exactly;
 * then every leaf of every list up to 40 proves, and a wrong leaf, index, size,
 * sibling or root does not. */
static void test_merkle_list_proofs(void **state)
{
    static const char *inputs[] = { "", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f" };
    static const struct { size_t index, n, len; const char *path[3]; } ref[] = {
        { 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
        { 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
        { 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
        { 1, 5, 3, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
    };
    uint8_t leaves[40][32], root[32], proof[64][32];
    for (int i = 0; i < 8; i++) {
        uint8_t data[16];
        size_t len = unhex(data, inputs[i]);
        merkle_list_leaf_hash(data, len, leaves[i]);
    }
    for (size_t v = 0; v < ARRAY_LEN(ref); v++) {
        size_t len = merkle_list_prove((const uint8_t (*)[32])leaves, ref[v].n, ref[v].index, proof);
        assert_int_equal(len, ref[v].len);
        for (size_t k = 0; k < len; k++)
            assert_hex(proof[k], 32, ref[v].path[k]);
        merkle_list_root((const uint8_t (*)[32])leaves, ref[v].n, root);
        assert_true(merkle_list_verify(root, ref[v].n, ref[v].index, leaves[ref[v].index],
                                       (const uint8_t (*)[32])proof, len));
    }

    for (int i = 8; i < 40; i++)
        hash_sha256(leaves[i], &i, sizeof i);
    for (size_t n = 1; n <= 40; n++) {
        merkle_list_root((const uint8_t (*)[32])leaves, n, root);
        for (size_t i = 0; i < n; i++) {
            size_t len = merkle_list_prove((const uint8_t (*)[32])leaves, n, i, proof);
            const uint8_t (*p)[32] = (const uint8_t (*)[32])proof;
            assert_true(merkle_list_verify(root, n, i, leaves[i], p, len));
            uint8_t bad[32];
            memcpy(bad, leaves[i], 32), bad[0] ^= 1;
            assert_false(merkle_list_verify(root, n, i, bad, p, len));
            if (n > 1)
                assert_false(merkle_list_verify(root, n, (i + 1) % n, leaves[i], p, len));
            assert_false(merkle_list_verify(root, n, n, leaves[i], p, len));   /* no leaf n */
            if (len) {
                proof[len - 1][7] ^= 0x20;
                assert_false(merkle_list_verify(root, n, i, leaves[i], p, len));
                proof[len - 1][7] ^= 0x20;
                assert_false(merkle_list_verify(root, n, i, leaves[i], p, len - 1));
            }
            memcpy(bad, root, 32), bad[5] ^= 1;
            assert_false(merkle_list_verify(bad, n, i, leaves[i], p, len));
        }
    }
}

/* ---- codecs ---- */

/* Batch-like bytes: transfer records (20-byte addresses from a small population,
 * nonces, amounts, 64-byte signatures that do not compress). */
static uint8_t *batch_like(size_t n, gsl_rng *r)
{
    uint8_t *b = malloc(n);
    size_t at = 0;
    while (at < n) {
        uint8_t rec[20 + 20 + 8 + 16 + 64];
        uint64_t from = gsl_rng_uniform_int(r, 500), to = gsl_rng_uniform_int(r, 500);
        memset(rec, 0, sizeof rec);
        for (int i = 0; i < 20; i++)
            rec[i] = (uint8_t)(from * 31 + (uint64_t)i * 17), rec[20 + i] = (uint8_t)(to * 31 + (uint64_t)i * 17);
        rec[40] = (uint8_t)gsl_rng_uniform_int(r, 50);
        rec[48 + 13] = (uint8_t)gsl_rng_uniform_int(r, 256);
        rec[48 + 14] = (uint8_t)gsl_rng_uniform_int(r, 256);
        for (int i = 0; i < 64; i++)
            rec[64 + i] = (uint8_t)gsl_rng_uniform_int(r, 256);
        size_t take = n - at < sizeof rec ? n - at : sizeof rec;
        memcpy(b + at, rec, take);
        at += take;
    }
    return b;
}

static void round_trip(struct codec *c, const uint8_t *src, size_t n, size_t *compressed)
{
    struct err e;
    err_init(&e);
    size_t cap = codec_bound(c, n), clen = 0, dlen = 0;
    uint8_t *z = malloc(cap ? cap : 1), *back = malloc(n ? n : 1);
    assert_int_equal(codec_compress(c, src, n, z, cap, &clen, &e), 0);
    assert_true(clen <= cap);
    assert_int_equal(codec_decompress(c, z, clen, back, n, &dlen, &e), 0);
    assert_int_equal(dlen, n);
    if (n)
        assert_memory_equal(back, src, n);
    /* one byte less room than the data needs is refused as too big, not truncated */
    if (n) {
        err_init(&e);
        assert_int_equal(codec_decompress(c, z, clen, back, n - 1, &dlen, &e), L2_EINPUT);
        assert_non_null(strstr(e.msg, "more than the limit"));
    }
    *compressed = clen;
    free(z), free(back);
}

/* Every codec at several levels: batch-like data round-trips and shrinks (except
 * under none), empty and incompressible inputs round-trip. */
static void test_codec_round_trips(void **state)
{
    gsl_rng *r = rng_stream(3, 1, 1, 1);
    size_t n = 64 * 1024;
    uint8_t *batch = batch_like(n, r), *noise = malloc(n);
    for (size_t i = 0; i < n; i++)
        noise[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    static const struct { enum codec_kind k; int level; } cases[] = {
        { CODEC_NONE, 0 }, { CODEC_ZSTD, 1 }, { CODEC_ZSTD, 3 }, { CODEC_ZSTD, 19 },
        { CODEC_BROTLI, 0 }, { CODEC_BROTLI, 1 }, { CODEC_BROTLI, 10 }, { CODEC_BROTLI, 11 },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct codec *c;
        struct err e;
        err_init(&e);
        assert_int_equal(codec_new(cases[i].k, cases[i].level, &c, &e), 0);
        size_t z;
        round_trip(c, batch, n, &z);
        if (cases[i].k == CODEC_NONE)
            assert_int_equal(z, n);
        else
            assert_true(z < n * 7 / 10);   /* signatures are half the bytes: >= 30% saved */
        round_trip(c, (const uint8_t *)"", 0, &z);
        round_trip(c, noise, n, &z);
        assert_true(z >= n * 99 / 100);    /* noise does not compress */
        round_trip(c, batch, 1, &z);
        codec_free(c);
    }
    free(batch), free(noise);
    gsl_rng_free(r);
}

/* Bad levels, garbage, truncated and trailing data, and a compression bomb each get
 * their own clear error; compressing into too little room is an error too. */
static void test_codec_errors(void **state)
{
    struct codec *c;
    struct err e;
    err_init(&e);
    assert_int_equal(codec_new(CODEC_ZSTD, 23, &c, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "zstd level 23 is out of range (1..22)"));
    err_init(&e);
    assert_int_equal(codec_new(CODEC_BROTLI, 12, &c, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "brotli level 12 is out of range (0..11)"));
    enum codec_kind k;
    assert_int_equal(codec_parse("gzip", &k), -1);
    assert_int_equal(codec_parse("brotli", &k), 0);
    assert_int_equal(k, CODEC_BROTLI);
    assert_int_equal(codec_default_level(CODEC_BROTLI), 10);

    size_t big = 4u << 20, out;   /* 4 MiB of zeros: a bomb for a 64 KiB limit */
    uint8_t *zeros = calloc(big, 1), *dst = malloc(big);
    for (int kind = CODEC_ZSTD; kind <= CODEC_BROTLI; kind++) {
        err_init(&e);
        assert_int_equal(codec_new((enum codec_kind)kind, kind == CODEC_ZSTD ? 3 : 5, &c, &e), 0);
        size_t cap = codec_bound(c, big), zlen;
        uint8_t *z = malloc(cap);
        assert_int_equal(codec_compress(c, zeros, big, z, cap, &zlen, &e), 0);
        assert_true(zlen < 4096);
        err_init(&e);
        assert_int_equal(codec_decompress(c, z, zlen, dst, 65536, &out, &e), L2_EINPUT);
        assert_non_null(strstr(e.msg, "more than the limit of 65536 bytes"));

        err_init(&e);   /* truncated */
        assert_int_equal(codec_decompress(c, z, zlen / 2, dst, big, &out, &e), L2_EINPUT);
        err_init(&e);   /* trailing bytes after a complete stream */
        z[zlen] = 0x5a;
        assert_int_equal(codec_decompress(c, z, zlen + 1, dst, big, &out, &e), L2_EINPUT);
        err_init(&e);   /* garbage */
        memset(z, 0xa7, 64);
        assert_int_equal(codec_decompress(c, z, 64, dst, big, &out, &e), L2_EINPUT);
        assert_non_null(strstr(e.msg, "corrupt"));
        err_init(&e);   /* no room to compress into */
        assert_int_equal(codec_compress(c, dst, 1000, z, 2, &zlen, &e), L2_EINPUT);
        assert_non_null(strstr(e.msg, "do not compress into 2 bytes"));
        free(z);
        codec_free(c);
    }
    free(zeros), free(dst);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_keys_deterministic),
        cmocka_unit_test(test_fast_mac),
        cmocka_unit_test(test_prepared_verify),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_implementations_agree),
        cmocka_unit_test(test_blake2b_vector),
        cmocka_unit_test(test_merkle_empty),
        cmocka_unit_test(test_merkle_by_hand),
        cmocka_unit_test(test_merkle_proofs),
        cmocka_unit_test(test_merkle_incremental),
        cmocka_unit_test(test_merkle_load),
        cmocka_unit_test(test_merkle_stage_commit),
        cmocka_unit_test(test_merkle_list_rfc6962),
        cmocka_unit_test(test_merkle_list_root_is_mth),
        cmocka_unit_test(test_merkle_list_proofs),
        cmocka_unit_test(test_codec_round_trips),
        cmocka_unit_test(test_codec_errors),
    };
    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}

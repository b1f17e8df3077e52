/* sig.c — Ed25519 (libsodium) and the fast keyed-BLAKE2b mode behind one interface;
 * see sig.h for what the fast mode promises and why it is enough in the model. */
#include "models/crypto/sig.h"

#include <sodium.h>
#include <string.h>
#include "models/crypto/hash.h"
#include "models/crypto/sig_pool.h"
#include "sim/util.h"

static const char seed_key[] = "l2sim/sig/v1";
static const char fast_root_key[] = "l2sim/sig/fast/v1";
static const char fast_pk_key[] = "l2sim/sig/fast/pk";

int sig_mode_parse(const char *name, enum sig_mode *out)
{
    if (strcmp(name, "ed25519") == 0)
        *out = SIG_ED25519;
    else if (strcmp(name, "fast") == 0)
        *out = SIG_FAST;
    else
        return -1;
    return 0;
}

const char *sig_mode_name(enum sig_mode mode)
{
    return mode == SIG_FAST ? "fast" : "ed25519";
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void sig_ctx_init(struct sig_ctx *c, enum sig_mode mode, uint64_t run_seed)
{
    if (sodium_init() < 0)
        sim_panic("libsodium failed to initialise");
    uint8_t msg[8];
    put_le(msg, run_seed, 8);
    c->mode = mode;
    c->run_seed = run_seed;
    c->pool = NULL;
    hash_blake2b(c->fast_root, sizeof c->fast_root, msg, sizeof msg, fast_root_key,
                 sizeof fast_root_key - 1);
}

/* The fast mode's MAC key of a public key: known to whoever holds the run's root. */
static void fast_mac_key(const struct sig_ctx *c, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                         uint8_t key[32])
{
    hash_blake2b(key, 32, pk, SIG_PUBLICKEY_BYTES, c->fast_root, sizeof c->fast_root);
}

void sig_keypair_from_seed(const struct sig_ctx *c, const uint8_t seed[SIG_SEED_BYTES],
                           struct sig_keypair *kp)
{
    if (c->mode == SIG_ED25519) {
        crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
        return;
    }
    /* sk = MAC key || pk, the same layout as libsodium's seed || pk */
    hash_blake2b(kp->pk, SIG_PUBLICKEY_BYTES, seed, SIG_SEED_BYTES, fast_pk_key,
                 sizeof fast_pk_key - 1);
    fast_mac_key(c, kp->pk, kp->sk);
    memcpy(kp->sk + 32, kp->pk, SIG_PUBLICKEY_BYTES);
}

void sig_keypair_derive(const struct sig_ctx *c, uint32_t kind, uint64_t id,
                        struct sig_keypair *kp)
{
    uint8_t msg[20], seed[SIG_SEED_BYTES];
    put_le(msg, c->run_seed, 8);
    put_le(msg + 8, kind, 4);
    put_le(msg + 12, id, 8);
    hash_blake2b(seed, sizeof seed, msg, sizeof msg, seed_key, sizeof seed_key - 1);
    sig_keypair_from_seed(c, seed, kp);
    sodium_memzero(seed, sizeof seed);
}

void sig_sign(const struct sig_ctx *c, const struct sig_keypair *kp, const void *msg,
              size_t len, uint8_t sig[SIG_BYTES])
{
    if (c->mode == SIG_ED25519) {
        if (!c->pool || !sig_pool_take_sign(c->pool, kp, msg, len, sig))
            crypto_sign_detached(sig, NULL, msg, len, kp->sk);
        return;
    }
    hash_blake2b(sig, SIG_BYTES, msg, len, kp->sk, 32);
}

/* The fast mode's check: the MAC of msg under key, compared in constant time. */
static bool fast_check(const uint8_t key[32], const void *msg, size_t len,
                       const uint8_t sig[SIG_BYTES])
{
    uint8_t tag[SIG_BYTES];
    hash_blake2b(tag, sizeof tag, msg, len, key, 32);
    return crypto_verify_64(tag, sig) == 0;
}

/* Ed25519's check: the pool's answer when this very check was handed ahead. */
static bool ed25519_verify(const struct sig_ctx *c, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                           const void *msg, size_t len, const uint8_t sig[SIG_BYTES])
{
    bool ok;
    if (c->pool && sig_pool_take_verify(c->pool, pk, msg, len, sig, &ok))
        return ok;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

bool sig_verify(const struct sig_ctx *c, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                const void *msg, size_t len, const uint8_t sig[SIG_BYTES])
{
    if (c->mode == SIG_ED25519)
        return ed25519_verify(c, pk, msg, len, sig);
    uint8_t key[32];
    fast_mac_key(c, pk, key);
    return fast_check(key, msg, len, sig);
}

void sig_verify_key_init(const struct sig_ctx *c, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                         struct sig_verify_key *vk)
{
    memcpy(vk->pk, pk, SIG_PUBLICKEY_BYTES);
    if (c->mode == SIG_FAST)
        fast_mac_key(c, pk, vk->mac_key);
    else
        memset(vk->mac_key, 0, sizeof vk->mac_key);
}

bool sig_verify_prepared(const struct sig_ctx *c, const struct sig_verify_key *vk,
                         const void *msg, size_t len, const uint8_t sig[SIG_BYTES])
{
    if (c->mode == SIG_ED25519)
        return ed25519_verify(c, vk->pk, msg, len, sig);
    return fast_check(vk->mac_key, msg, len, sig);
}

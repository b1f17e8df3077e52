/* sig.h — signatures for every scheme, behind one interface with two modes chosen by
 * the scenario's top-level `crypto:` key and recorded in runs.crypto_mode:
 *
 *   ed25519  RFC 8032 Ed25519 (libsodium): real public-key signatures, verified for
 *            real. Keys come from the run seed and the signer's identity, never from
 *            OS entropy, so a rerun signs the same bytes.
 *   fast     a keyed BLAKE2b-512 MAC (RFC 7693 §2.5) with the same sizes (32-byte
 *            public key, 64-byte secret key, 64-byte signature) and the same calls,
 *            about 100x cheaper, for runs with millions of transfers.
 *
 * What "same unforgeability in the model" means for `fast`. A MAC is not a
 * signature: whoever can check a tag can make one. In the simulator that is the
 * simulator itself: the context (struct sig_ctx) holds a run-wide root key from which
 * the MAC key of every public key is derived (mac_key = BLAKE2b(root, pk)), so the
 * simulator knows every key, and sig_verify can check any signer from the public key
 * alone, exactly as Ed25519 verification does. Model code, adversaries included, only
 * ever signs through sig_sign with a keypair it was given; an adversary model never
 * derives another entity's keypair nor reads the root key. Under that rule a tag
 * that verifies was made by the holder of the keypair, as with Ed25519; what
 * changes is only the cost. Within that rule, a forged or altered message is
 * refused in both modes: a wrong key, a changed byte, another run's context.
 */
#ifndef L2SIM_CRYPTO_SIG_H
#define L2SIM_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIG_PUBLICKEY_BYTES 32u   /* RFC 8032 §5.1.5 */
#define SIG_SECRETKEY_BYTES 64u   /* libsodium's: seed || public key */
#define SIG_SEED_BYTES      32u   /* RFC 8032 §5.1.5: the 32-byte private key */
#define SIG_BYTES           64u   /* RFC 8032 §5.1.6: R || S */

enum sig_mode { SIG_ED25519, SIG_FAST };

struct sig_pool;

/* The signature context of a run: the mode and, for `fast`, the root MAC key. Small,
 * copyable, no resources of its own. `pool` (borrowed, NULL after sig_ctx_init) is a
 * sig_pool (sig_pool.h) whose workers make signatures handed ahead with sig_ahead;
 * sig_sign and sig_verify take their answers from it when they match exactly, so
 * results are the same with or without it. */
struct sig_ctx {
    enum sig_mode mode;
    uint64_t      run_seed;
    uint8_t       fast_root[32];
    struct sig_pool *pool;
};

struct sig_keypair {
    uint8_t pk[SIG_PUBLICKEY_BYTES];
    uint8_t sk[SIG_SECRETKEY_BYTES];
};

/* "ed25519" or "fast" -> *out; 0, or -1 for any other word. */
int sig_mode_parse(const char *name, enum sig_mode *out /* OUT */);
const char *sig_mode_name(enum sig_mode mode);

/* The context of the run whose (replication) seed is run_seed. Initialises libsodium
 * if nobody has yet (idempotent). O(1). */
void sig_ctx_init(struct sig_ctx *c /* OUT */, enum sig_mode mode, uint64_t run_seed);

/* The keypair of entity (kind, id) in the run: the 32-byte seed is
 *   BLAKE2b-256(key = "l2sim/sig/v1", msg = LE64(run_seed) || LE32(kind) || LE64(id))
 * and the keypair is derived from it as sig_keypair_from_seed does. kind is the
 * caller's (user, sequencer, validator, ...); the same (kind, id) gets the same key in
 * every scheme of a run, like the workload's common random numbers. O(1). */
void sig_keypair_derive(const struct sig_ctx *c, uint32_t kind, uint64_t id,
                        struct sig_keypair *kp /* OUT */);

/* The keypair of a 32-byte seed: for ed25519, RFC 8032 §5.1.5 key generation (the
 * seed is the RFC's private key); for fast, pk = BLAKE2b-256(key = "l2sim/sig/fast/pk",
 * seed) and the MAC key is bound to pk under the context's root. O(1). */
void sig_keypair_from_seed(const struct sig_ctx *c, const uint8_t seed[SIG_SEED_BYTES],
                           struct sig_keypair *kp /* OUT */);

/* Sign len bytes of msg with kp into sig (64 bytes). Deterministic in both modes
 * (RFC 8032 signatures are; a MAC is). O(len). */
void sig_sign(const struct sig_ctx *c, const struct sig_keypair *kp, const void *msg,
              size_t len, uint8_t sig[SIG_BYTES] /* OUT */);

/* True when sig is pk's signature of msg in the context's mode. Constant-time compare
 * for fast. O(len). */
bool sig_verify(const struct sig_ctx *c, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                const void *msg, size_t len, const uint8_t sig[SIG_BYTES]);

/* A public key made ready for many verifications, as a verifier keeps the keys of
 * the accounts it judges: for fast, the MAC key that sig_verify derives from the
 * public key on every call (one BLAKE2b) is derived once; for ed25519 it is the key
 * itself (libsodium exposes no prepared form). sig_verify_prepared(c, vk, ...) is
 * sig_verify(c, pk, ...) for the pk vk was made from, in both modes. */
struct sig_verify_key {
    uint8_t pk[SIG_PUBLICKEY_BYTES];
    uint8_t mac_key[32];   /* fast: BLAKE2b(key = the context's root, pk) */
};
void sig_verify_key_init(const struct sig_ctx *c, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                         struct sig_verify_key *vk /* OUT */);
bool sig_verify_prepared(const struct sig_ctx *c, const struct sig_verify_key *vk,
                         const void *msg, size_t len, const uint8_t sig[SIG_BYTES]);

#endif

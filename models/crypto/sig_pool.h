/* sig_pool.h — a second core for signatures a protocol knows it will need before it
 * asks for them. A payment channel's next state is fixed once the proposer built it:
 * the receiver's countersignature of it and the proposer's check of that
 * countersignature (BOLT-2 commitment_signed, each way) need nothing else. sig_ahead
 * hands such a signature (and, if asked, its check) to a worker thread; the later
 * sig_sign / sig_verify of the same key and bytes take the answer from the pool,
 * waiting if a worker is making it, or making it on the caller's thread if no worker
 * has started it yet (so a busy or descheduled worker never holds the caller up for
 * longer than the work itself).
 *
 * Why results cannot change: an answer is a pure function of what is asked. Ed25519
 * signing is deterministic (RFC 8032 §5.1.6: the nonce is a hash of the secret key's
 * prefix and the message), and a verification depends only on (public key, message,
 * signature). A sig_sign is answered only for the same keypair and the same bytes,
 * a sig_verify only for the same public key, bytes and signature (all compared in
 * full); anything else (a tampered state, another signature) is computed in place, so
 * a bad signature is refused exactly where and how it was without the pool. Which
 * thread computed, and when, never shows in the results.
 *
 * Ed25519 only: in `fast` mode a sign + verify (a keyed BLAKE2b, ~1 us) costs less than
 * handing it to another thread, so sig_ahead does nothing. One pool per sig_ctx
 * (sig_ctx.pool, borrowed by the context); every call comes from the one thread that
 * owns the context, the workers are internal. */
#ifndef L2SIM_CRYPTO_SIG_POOL_H
#define L2SIM_CRYPTO_SIG_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/crypto/sig.h"

struct sig_pool;

/* A pool of nworkers threads (0: none, every answer is made by the caller when it asks:
 * the same results, no second core; tests use it to exercise that path). Aborts if a
 * thread cannot be started. */
struct sig_pool *sig_pool_new(unsigned nworkers);
/* Stops and joins the workers; NULL is fine. Work handed ahead and never asked for is
 * dropped. */
void sig_pool_free(struct sig_pool *p);

/* What the pool did, for benchmarks: signatures handed ahead; of the answers asked
 * for, how many a worker made and how many the caller made itself (no worker had
 * started them); handed-ahead work dropped unasked; the workers' CPU seconds (their
 * threads' clocks), of which worker_spin_s spinning for the next request; and the
 * wall time the caller waited for a worker to finish a request (caller_wait_s:
 * spinning, then asleep), of which caller_spin_s of its CPU spinning; and how often
 * the pool paused because its workers did not keep up (see sig_ahead_wanted). */
struct sig_pool_stats {
    uint64_t ahead, by_worker, by_caller, dropped, pauses;
    double   worker_cpu_s, worker_spin_s, caller_wait_s, caller_spin_s;
};
void sig_pool_stats(const struct sig_pool *p, struct sig_pool_stats *s /* OUT */);

/* Whether handing work ahead pays in context c (a pool, and ed25519): callers skip
 * building the message otherwise. */
bool sig_ahead_wanted(const struct sig_ctx *c);

/* Hand ahead: kp's signature of the len bytes at msg (copied), and when `verify`, the
 * check of that signature against kp->pk as the other party will make it. Returns at
 * once. Nothing when !sig_ahead_wanted(c), nor while the pool pauses: when the caller
 * made more than half of the last 256 answers itself (the workers do not get a
 * core in time: the machine is busy), the next 4,096 requests are not handed over.
 * O(len) on the caller's thread. */
void sig_ahead(const struct sig_ctx *c, const struct sig_keypair *kp, const void *msg,
               size_t len, bool verify);

/* For sig.c: the answer handed ahead for exactly this request, waiting for it (or
 * making it here when no worker started it). true with *sig / *ok set, false when
 * nothing ahead matches (the caller computes in place). */
bool sig_pool_take_sign(struct sig_pool *p, const struct sig_keypair *kp, const void *msg,
                        size_t len, uint8_t sig[SIG_BYTES] /* OUT */);
bool sig_pool_take_verify(struct sig_pool *p, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                          const void *msg, size_t len, const uint8_t sig[SIG_BYTES],
                          bool *ok /* OUT */);

#endif

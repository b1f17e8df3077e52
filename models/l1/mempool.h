/* mempool.h — the L1 transaction pool and block builder. Per-sender nonce order,
 * replacement only with a fee bump (10%, 100% for blob transactions, as go-ethereum
 * and reth require), a size cap that evicts the cheapest, and a builder that takes
 * the highest effective tip first under the gas and blob limits (go-ethereum's
 * transactionsByPriceAndNonce). Knows nothing of time or callbacks beyond storing them. */
#ifndef L2SIM_MEMPOOL_H
#define L2SIM_MEMPOOL_H

#include "models/l1/l1.h"

#define MP_PRICE_BUMP_PCT      10    /* go-ethereum txpool.DefaultConfig.PriceBump */
#define MP_BLOB_PRICE_BUMP_PCT 100   /* go-ethereum blobpool: replacements double the fees */

/* A pending transaction. The pool owns it while it is pending; mp_build and the
 * removal functions hand ownership back to the caller.
 *
 * Tie order (fee ties in the builder and in eviction): the earlier submission first;
 * among transactions submitted at the same instant by different origins (two schemes
 * on one L1 sending their copies of one transfer), the order of mp_tie(origin,
 * submit), a hash, so neither origin wins by its place in the scenario; then seq. */
struct mp_tx {
    uint64_t  seq;              /* arrival order (see the tie order above) */
    sim_time  submit;           /* when it was submitted or last replaced (set by the caller) */
    uint64_t  tie;              /* mp_tie(origin, submit), set by mp_add and mp_replace */
    uint64_t  sender_id;
    uint64_t  nonce;            /* set by mp_add (see there) */
    uint64_t  gas;
    uint32_t  blobs;
    uint32_t  origin;           /* L1_ORIGIN_* or a scheme's/adversary's tag (censorship) */
    uint64_t  max_fee, max_prio, max_blob_fee;
    sim_time  deadline;         /* leaves the pool after this; INT64_MAX: never */
    uint32_t  waited;           /* blocks built while pending (fee bumping) */
    struct l1_fee_policy policy;
    struct l1_callbacks  cb;
    void (*ctx_free)(void *ctx); /* l1_submit_owned: the L1 owns cb.ctx */
    struct l1_receipt    receipt;
    /* pool bookkeeping */
    struct mp_sender *sender;
    struct mp_tx *next;         /* later nonce of the same sender */
    size_t    cheap_pos;        /* position in the eviction heap */
    struct mp_tx *fprev, *fnext; /* owner's list once out of the pool (awaiting finality) */
    struct l1_sent *sent;       /* l1.c's record of a scheme's or adversary's transaction
                                   (handle, l1_txs row); NULL for the background */
};

struct mempool;

struct mempool *mp_new(size_t max_txs);
void            mp_free(struct mempool *mp);   /* frees the pending transactions too */
size_t          mp_size(const struct mempool *mp);

/* Add tx (arrival order = tx->seq and tx->submit, set by the caller). tx->nonce comes in as the
 * sender's account nonce (its next nonce on chain) and becomes the next free one:
 * one past the sender's last pending transaction, if any (what eth_getTransactionCount
 * "pending" returns, as a wallet asks it). When the pool is full the
 * cheapest transaction by max fee (on ties the last in the tie order) is evicted — with the later
 * transactions of its sender, which can no longer execute — unless tx itself is the
 * cheapest, in which case tx is refused and false returned (tx stays the caller's).
 * Evicted transactions are appended to *evicted (caller frees the array). O(log n). */
bool mp_add(struct mempool *mp, struct mp_tx *tx, struct mp_tx ***evicted, size_t *nevicted);

/* Replace the fees of pending tx in place, as a same-nonce replacement does. Both the
 * max fee and the tip must rise, each to at least floor(old x (100 + bump) / 100)
 * (blob transactions: also the max blob fee), as go-ethereum's pool requires.
 * The replacement is a new arrival: seq becomes new_seq and submit `now`.
 * Returns false and changes nothing otherwise. */
bool mp_replace(struct mempool *mp, struct mp_tx *tx, uint64_t max_fee, uint64_t max_prio,
                uint64_t max_blob_fee, uint64_t new_seq, sim_time now);

/* The rank of origin's transactions among those submitted at the same instant `submit`
 * by other origins: a SplitMix64 hash of both, so each origin comes first about half
 * the time (over instants), whatever the origins' numbers. Pure. */
uint64_t mp_tie(uint32_t origin, sim_time submit);

/* Tell the pool that pending tx's gas or blobs were changed in place (a
 * cancellation turns it into an empty self-transfer): the builder's copy of them is
 * brought up to date. O(1). */
void mp_changed(struct mempool *mp, struct mp_tx *tx);

/* Remove every transaction whose deadline is before `now` (and the later
 * transactions of its sender). Appended to *out. O(n). */
void mp_expire(struct mempool *mp, sim_time now, struct mp_tx ***out, size_t *nout);

/* Build a block: candidates are senders' next transactions that pay base_fee (and
 * blob_base_fee) and that `excluded` does not reject (censorship; may be NULL).
 * Takes the highest effective tip first (ties: the tie order above), skipping a sender for
 * the rest of the block when its transaction does not fit. Included transactions
 * leave the pool and are appended to *out in inclusion order. O(m log m). */
struct mp_block {
    uint64_t gas_used, blob_gas_used;
};
void mp_build(struct mempool *mp, uint64_t base_fee, u128 blob_base_fee, uint64_t gas_limit,
              uint64_t blob_gas_limit, bool (*excluded)(void *ctx, const struct mp_tx *tx),
              void *ctx, struct mp_tx ***out, size_t *nout, struct mp_block *blk);

/* Call fn for every pending transaction (order unspecified: fn must not depend on it
 * for results, e.g. only flag or count). */
void mp_each(struct mempool *mp, void (*fn)(void *ctx, struct mp_tx *tx), void *ctx);

/* Effective priority fee per gas of tx at base_fee: min(max_prio, max_fee - base_fee). */
uint64_t mp_effective_tip(const struct mp_tx *tx, uint64_t base_fee);

#endif

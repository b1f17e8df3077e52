/* l1.h — the modeled Layer 1: slots, EIP-1559 base fee, EIP-4844 blob base fee, a
 * mempool with per-sender nonce order, a block builder that fills blocks by
 * effective tip, background demand, and finality. Schemes reach it only through
 * l1_submit and hear back through callbacks with exactly what was paid. */
#ifndef L2SIM_L1_H
#define L2SIM_L1_H

#include "models/model.h"

/* Who submitted a transaction, for censorship: the background, a scheme (by its
 * index in the scenario) or an adversary. */
#define L1_ORIGIN_BACKGROUND 0u
#define L1_ORIGIN_SCHEME(i)    (1u + (uint32_t)(i))
#define L1_ORIGIN_ADVERSARY(i) (0x10000u + (uint32_t)(i))

/* Who pays a transaction (l1_txs.payer), for the cost per transfer (analysis/costs.c):
 * a user its own (a transfer, a deposit, a withdrawal, an exit, a channel open), the
 * scheme's operator (a batch, a state root, a proof, a block root, a checkpoint), a
 * challenger (a dispute move against a wrong claim), an adversary. L1_PAYER_AUTO: what
 * the sender states decides it: an adversary's origin -> adversary, a user's account
 * (L1_ACCT_USER) -> user, any other account -> operator. */
enum l1_payer {
    L1_PAYER_AUTO = 0, L1_PAYER_USER, L1_PAYER_OPERATOR, L1_PAYER_CHALLENGER,
    L1_PAYER_ADVERSARY,
};
#define L1_NPAYERS 5
/* The payer's word in l1_txs ("user", "operator", "challenger", "adversary"; "auto"
 * for L1_PAYER_AUTO, which is never written). */
const char *l1_payer_str(enum l1_payer p);

/* What the sender asks for: what the transaction carries and does, never its gas.
 * The L1 computes the gas (l1_submit): intrinsic 21000 + calldata 4 per zero byte and
 * 16 per non-zero byte (EIP-2028) + exec_gas, raised to the EIP-7623 floor (21000 +
 * 10 per token, tokens = zero + 4 x non-zero bytes) on forks from Prague, and refuses
 * a transaction above the EIP-7825 cap (2^24 gas) on forks from Osaka.
 * Nonces are assigned as a wallet does (the next free one of the account, pending
 * transactions included) and checked at inclusion: a sender's transactions execute in
 * nonce order, each once. */
struct l1_tx {
    uint64_t sender;            /* account: see l1_account() */
    uint32_t origin;            /* L1_ORIGIN_* */
    const char *kind;           /* a short word for l1_txs.kind ("batch", "state_root",
                                   "dispute_move", "transfer", ...); borrowed for the
                                   run (a string literal); NULL = "tx" */
    enum l1_payer payer;        /* who pays it (l1_txs.payer); AUTO: from origin and
                                   sender, see enum l1_payer */
    /* calldata: the bytes themselves (counted), or, when calldata is NULL, the
     * numbers of zero and non-zero bytes */
    const uint8_t *calldata;    /* borrowed during the call only */
    size_t   calldata_len;
    uint64_t calldata_zero_bytes, calldata_nonzero_bytes;
    uint64_t exec_gas;          /* EVM execution gas after refunds (0: a plain transfer) */
    uint32_t blobs;             /* blobs carried (0 for an ordinary transaction) */
    sim_time deadline;          /* the sender gives up after this (dropped); 0 = never */
};

/* A transaction's handle: 1, 2, 3, ... in submission order within one L1; 0 is
 * never a handle. Valid for the whole run (fates are kept). */
typedef uint64_t l1_tx_id;

/* How the sender bids, evaluated at submission against the base fee then in force.
 * With bump_after > 0 the sender replaces a transaction that waited that many blocks
 * with one paying bump_pct more (max fee and tip, as a same-nonce replacement must:
 * at least 10%, 100% for blob transactions), up to cap. */
enum l1_fee_kind {
    L1_FEE_FIXED,           /* max_fee and tip as given */
    L1_FEE_BASEFEE_MULT,    /* max_fee = min(base_fee * mult_pct / 100 + tip, cap) */
    L1_FEE_PERCENTILE,      /* tip = mean over the last 20 blocks of the percentile-th
                               percentile of included tips (eth_feeHistory, as wallets
                               do); max_fee as L1_FEE_BASEFEE_MULT */
};
struct l1_fee_policy {
    enum l1_fee_kind kind;
    uint64_t tip;               /* max priority fee per gas, wei (FIXED, BASEFEE_MULT) */
    uint64_t max_fee;           /* L1_FEE_FIXED: max fee per gas, wei */
    uint32_t mult_pct;          /* 200 = twice the base fee */
    uint64_t cap;               /* ceiling on max fee per gas; 0 = none */
    uint32_t percentile;        /* L1_FEE_PERCENTILE: 1..100 */
    uint32_t bump_after;        /* blocks; 0 = never bump */
    uint32_t bump_pct;          /* >= 10 (blob transactions >= 100) */
    uint64_t max_fee_per_blob_gas; /* 0 = twice the blob base fee at submission */
};

/* Exactly what an included transaction paid (EIP-1559 / EIP-4844 split). */
struct l1_receipt {
    l1_tx_id id;
    uint64_t height;
    sim_time time;              /* the including block's slot time */
    uint64_t gas_used;
    uint64_t base_fee_per_gas;
    uint64_t priority_fee_per_gas;
    u128     base_fee_burned;
    u128     priority_fee;      /* to the proposer */
    u128     blob_fee_burned;
    u128     total;             /* the sender's cost: the sum of the three */
    bool     cancelled;         /* what took the nonce was the sender's cancellation
                                   (l1_cancel), not the transaction: paid all the same */
};

/* Why a transaction left without being included (its fate and l1_txs.drop_reason). */
enum l1_drop_reason {
    L1_DROP_NONE = 0,
    L1_DROP_GAS_CAP,        /* over the EIP-7825 transaction gas cap (from Osaka) */
    L1_DROP_BLOCK_LIMIT,    /* more gas or blobs than a whole block holds */
    L1_DROP_POOL_REFUSED,   /* the pool is full and it is the cheapest */
    L1_DROP_EVICTED,        /* the pool filled up and it was the cheapest (or behind it) */
    L1_DROP_DEADLINE,       /* its deadline passed unincluded (or one of an earlier nonce's) */
};
const char *l1_drop_reason_str(enum l1_drop_reason r);   /* one sentence, static */

/* What the sender hears, always from an event of its own: never inside l1_submit,
 * l1_replace or l1_cancel, so a scheme's state is never re-entered mid-call. A
 * block's `included` calls run as the block is built, before its l1_on_block hooks;
 * `final` runs `finality_depth` slots later; `dropped` runs as its own event at the
 * time of the drop. Any of the three may be NULL.
 */
struct l1_callbacks {
    void (*included)(void *ctx, const struct l1_receipt *r);
    void (*final)(void *ctx, const struct l1_receipt *r);
    void (*dropped)(void *ctx, const char *why);
    void  *ctx;
};

/* Account namespaces: users, schemes and the background never share an address. */
enum l1_account_kind { L1_ACCT_USER = 1, L1_ACCT_SCHEME = 2, L1_ACCT_BACKGROUND = 3 };
static inline uint64_t l1_account(enum l1_account_kind k, uint64_t id)
{
    return ((uint64_t)k << 56) | (id & ((UINT64_C(1) << 56) - 1));
}

/* The fork preset the scenario's l1.fork names ("custom" starts from bpo2), and the
 * block gas limit in force (l1.gas_limit, else the preset's): for code that needs them
 * before or without an L1 (models/run/estimate.c). */
struct fm_fork;
const struct fm_fork *l1_fork_of(const struct scn *s);
uint64_t l1_gas_limit_of(const struct scn *s);

/* Build the L1 of world w from the scenario's l1.* parameters; schedules the first
 * slot. Returns 0 or L2_EINPUT. */
int  l1_new(struct world *w, struct l1 **out, struct err *e);
void l1_free(struct l1 *l1);

/* The gas the L1 will charge tx (21000 + EIP-2028 calldata + execution, at least the
 * EIP-7623 floor where the fork has it): what a wallet asks eth_estimateGas before it
 * sizes its max fee and reserves the sender's balance. Schemes never compute gas
 * themselves. O(calldata). */
uint64_t l1_gas_of(const struct l1 *l1, const struct l1_tx *tx);

/* Queue a transaction and return its handle. The L1 computes its gas (see struct
 * l1_tx); one over the EIP-7825 cap or over a block's limits is refused, and the
 * refusal reaches `dropped` as an event like any other drop (its fate reads dropped
 * at once). Exactly one of `final` and `dropped` eventually runs, unless the run
 * ends first; the callbacks' ctx is borrowed until then (l1_submit_owned: owned by the
 * L1). Every transaction of a scheme or
 * adversary becomes a row of l1_txs. O(log n) in the pool. */
l1_tx_id l1_submit(struct l1 *l1, const struct l1_tx *tx, const struct l1_fee_policy *fee,
                   const struct l1_callbacks *cb);

/* l1_submit, the L1 owning cb->ctx (non-NULL), so a scheme keeps no list of its own to
 * free what is in flight when the run ends (as sim_at_owned does for event payloads).
 * The L1 calls ctx_free(cb->ctx) exactly once:
 *  - after the transaction's last callback returns. The last callback is `final` for
 *    an included transaction (finality_depth slots after its block: when `final` runs,
 *    or would run if it is NULL) and `dropped` for one that left unincluded (a refusal
 *    at submission included); `included` is never the last;
 *  - or, for a transaction whose last callback has not run when the run ends (pending,
 *    or included and not yet final), in l1_free: after every scheme's destroy, so
 *    ctx_free must touch nothing but ctx (free it and what it alone points to).
 *    l1_finish frees nothing (schemes may still read their contexts).
 * l1_replace and l1_cancel keep the transaction and so its ctx. Inside the last
 * callback the sender may keep ctx: l1_take_ctx() takes it back (the L1 frees nothing),
 * and l1_submit_owned of the same ctx (a retry from `dropped`) hands it to the new
 * transaction, whose own last callback or the run's end then frees it. An owned ctx
 * belongs to one transaction at a time: submitting it while another transaction owns
 * it (from anywhere but that one's last callback) panics. Cost as l1_submit, plus O(1)
 * for the ownership. */
l1_tx_id l1_submit_owned(struct l1 *l1, const struct l1_tx *tx, const struct l1_fee_policy *fee,
                         const struct l1_callbacks *cb, void (*ctx_free)(void *ctx));

/* Inside the `final` or `dropped` callback of a transaction submitted with
 * l1_submit_owned: its ctx is the caller's from now on (the L1 will not free it).
 * Returns it. Panics anywhere else (in `included`, outside a callback, for a borrowed
 * ctx, a second time). O(1). */
void *l1_take_ctx(struct l1 *l1);

/* Replace pending transaction `id` by the same one under new fees (a fee bump): the
 * policy is evaluated now, and the pool accepts it only if the max fee and the tip
 * (and for a blob transaction the max blob fee) each rise by the pool's bump
 * (mempool.h: 10%, 100% for blob transactions), as go-ethereum requires of a
 * same-nonce replacement. 0 when accepted; -1 (nothing changes) when the bump is too
 * small or the transaction is no longer pending. Calls no callback. */
int l1_replace(struct l1 *l1, l1_tx_id id, const struct l1_fee_policy *fee);

/* Cancel pending transaction `id` as a wallet does: replace it, at the same nonce and
 * the smallest fee bump the pool accepts, by an empty self-transfer (21000 gas, no
 * calldata, no blobs). Whichever lands takes the nonce: if the cancellation does, the
 * handle's `included` and `final` receive its receipt with `cancelled` set (the
 * sender paid for it). 0 when the cancellation is in the pool; -1 when the
 * transaction is no longer pending (included or dropped already) or the bump cannot
 * be made. Calls no callback. A blob transaction's cancellation carries no blob but
 * pays the blob pool's 100% bump: real blob pools take only a blob transaction in its
 * place, a detail this model leaves out. */
int l1_cancel(struct l1 *l1, l1_tx_id id);

/* A handle's fate, at any time of the run. `time` is the including block's slot time
 * (height x slot). */
enum l1_fate_state { L1_FATE_PENDING, L1_FATE_INCLUDED, L1_FATE_FINAL, L1_FATE_DROPPED };
struct l1_fate {
    enum l1_fate_state  state;
    uint64_t            height;     /* including block (INCLUDED, FINAL); else 0 */
    sim_time            time;       /* its slot time; else -1 */
    bool                cancelled;  /* INCLUDED/FINAL: the cancellation took the nonce */
    enum l1_drop_reason reason;     /* DROPPED: why */
};
/* 0, or -1 for an id this L1 never returned. O(1). */
int l1_fate(const struct l1 *l1, l1_tx_id id, struct l1_fate *out /* OUT */);

/* ---- block time, as contracts see it ----
 * A contract knows time only through blocks: its deadline T ("included by T", "a
 * challenge before T") holds for a transaction included in a block whose slot time
 * is at most T. The block of slot time T therefore meets deadline T, the block one
 * slot later does not. Two events at the same simulated time run in the order they
 * were scheduled, so a plain timer at T could run before or after the block of slot
 * time T is built; l1_at removes that dependence. */

/* The height of the latest slot (a missed slot counts: heights are slot numbers, as
 * in l1_blocks), and its slot time, height x slot. 0 before the first slot. */
uint64_t l1_height(const struct l1 *l1);
sim_time l1_head_time(const struct l1 *l1);

/* Whether transaction `id` was included (or its cancellation was not: a cancelled
 * transaction never meets a deadline) in a block whose slot time is <= t. Definitive
 * once the chain has reached t (l1_head_time >= t, e.g. in an l1_at(t) timer);
 * before that it answers for the blocks built so far. */
bool l1_included_by(const struct l1 *l1, l1_tx_id id, sim_time t);

/* A contract timer: fn(ctx) runs at simulated time t, and, when t is a slot time,
 * after that slot's block has been built and its outcomes and l1_on_block hooks
 * delivered, whatever order the timer and the slot were scheduled in. Timers for the
 * same slot run in the order they were set. t >= now. ctx is borrowed until then. */
void l1_at(struct l1 *l1, sim_time t, void (*fn)(void *ctx), void *ctx);

/* l1_at, the L1 owning obj (non-NULL), so a scheme keeps no list of its own to free
 * the timers still set when the run ends (as l1_submit_owned does for callbacks'
 * contexts). obj is freed with free_fn (free() when NULL) exactly once: after fn(obj)
 * returns, or, for a timer that has not run when the run ends, in world_free (l1_free
 * or the scheduler's sim_free, both after every scheme's destroy: free_fn must touch
 * nothing but obj). fn must not keep obj: a timer that hands its work on (a resend)
 * gives the next owner a copy. Cost as l1_at, plus one allocation. */
void l1_at_owned(struct l1 *l1, sim_time t, void (*fn)(void *obj), void *obj,
                 void (*free_fn)(void *obj));

/* A block just built: what contracts read of it. */
struct l1_block_info {
    uint64_t height;
    sim_time time;              /* slot time */
    uint64_t gas_limit, gas_used;
    uint64_t base_fee_per_gas;  /* the price it was built at */
    u128     blob_base_fee;
    uint64_t blob_gas_used;
    uint64_t tx_count;
};
/* Call fn after every block is built (not for missed slots), once every `included`
 * callback of its transactions has run. Hooks run in the order they were added.
 * O(1). */
void l1_on_block(struct l1 *l1, void (*fn)(void *ctx, const struct l1_block_info *b),
                 void *ctx);

/* A block builder hook: `begin` is called as each slot's block is about to be built
 * (height, slot time; not for missed slots) and may l1_submit transactions for that
 * very block; `excluded` is asked about every candidate of the block. Adversaries use
 * it. Several hooks may be added; any exclusion excludes. */
struct mp_tx;
struct l1_builder_hook {
    void (*begin)(void *ctx, uint64_t height, sim_time t);
    bool (*excluded)(void *ctx, const struct mp_tx *tx);
    void  *ctx;
};
void l1_add_builder_hook(struct l1 *l1, const struct l1_builder_hook *h);
uint32_t l1_tx_origin(const struct mp_tx *tx);

uint64_t l1_base_fee(const struct l1 *l1);        /* of the next block, wei per gas */
u128     l1_blob_base_fee(const struct l1 *l1);   /* of the next block, wei per blob gas */
sim_time l1_slot(const struct l1 *l1);
uint64_t l1_gas_limit(const struct l1 *l1);       /* of the next block */

/* Run-end accounting: totals over every included transaction. */
struct l1_totals {
    uint64_t blocks, missed, txs;
    u128     paid;              /* what senders paid: gas x effective gas price + blob fees */
    u128     base_fee_burned, priority_fee, blob_fee_burned;
    uint64_t dropped;           /* left unincluded: impatience, eviction, refusal */
    uint64_t replaced;          /* fee bumps accepted */
};
void l1_totals(const struct l1 *l1, struct l1_totals *out);

/* What the included transactions of one origin (L1_ORIGIN_SCHEME(i),
 * L1_ORIGIN_ADVERSARY(i)) paid so far, as the L1 charged it: schemes and adversaries
 * check their own books against it. 0 for the background and unknown origins. */
u128 l1_paid_by(const struct l1 *l1, uint32_t origin);
/* The same, of one payer's transactions within the origin (the payers' sums add up to
 * l1_paid_by): what a scheme's users, operator or challengers paid. */
u128 l1_paid_by_payer(const struct l1 *l1, uint32_t origin, enum l1_payer payer);

/* The run reached its end: write the l1_txs rows of the transactions still pending
 * or awaiting finality (status 'pending' / 'included'). Call once, before the final
 * l1_check (which then compares l1_txs with l1_paid_by). */
void l1_finish(struct l1 *l1);

/* The L1's invariants (money conserved to the wei, pool within capacity): 0, or
 * INV_FAIL into f. O(1). Nonce order is checked as each transaction is included.
 * After l1_finish, also that the l1_txs rows of each scheme and adversary sum to
 * what l1_paid_by says it paid, payer by payer (l1_paid_by_payer; one query,
 * O(rows)). */
int l1_check(const struct l1 *l1, struct inv_fail *f);

/* The baseline scheme "l1" (scheme_l1.c). */
extern const struct scheme_ops scheme_l1_ops;

/* The parameters l1.* for the schema (models/run/registry.c). */
extern const struct scn_param l1_params[];
extern const size_t l1_params_count;

/* The schema's complete hook for l1.*: puts the fork preset's values (gas limit,
 * elasticity, base fee change denominator, blob target, max and update fraction) in
 * force where the scenario did not set them, so `validate --print` and runs.config
 * show every value the L1 runs with. */
void l1_put_preset(struct scn *s);

#endif

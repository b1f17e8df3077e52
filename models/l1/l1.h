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

/* What the sender asks for. Nonces are assigned as a wallet does (the next free one
 * of the account, pending transactions included) and checked at inclusion: a
 * sender's transactions execute in nonce order, each once. */
struct l1_tx {
    uint64_t sender;            /* account: see l1_account() */
    uint64_t gas;               /* gas the transaction uses (fm_tx_gas_used) */
    uint32_t blobs;             /* blobs carried (0 for an ordinary transaction) */
    uint32_t origin;            /* L1_ORIGIN_* */
    sim_time deadline;          /* the sender gives up after this (dropped); 0 = never */
};

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
    uint64_t height;
    sim_time time;              /* the including block's slot time */
    uint64_t gas_used;
    uint64_t base_fee_per_gas;
    uint64_t priority_fee_per_gas;
    u128     base_fee_burned;
    u128     priority_fee;      /* to the proposer */
    u128     blob_fee_burned;
    u128     total;             /* the sender's cost: the sum of the three */
};

struct l1_callbacks {
    void (*included)(void *ctx, const struct l1_receipt *r);
    void (*final)(void *ctx, const struct l1_receipt *r);    /* `finality_depth` slots later */
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

/* Queue a transaction. The callbacks' ctx is borrowed until final or dropped.
 * Exactly one of final or dropped is eventually called, unless the run ends first. */
void l1_submit(struct l1 *l1, const struct l1_tx *tx, const struct l1_fee_policy *fee,
               const struct l1_callbacks *cb);

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
bool     l1_eip7623(const struct l1 *l1);

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

/* The L1's invariants (money conserved to the wei, pool within capacity): 0, or
 * INV_FAIL into f. O(1). Nonce order is checked as each transaction is included. */
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

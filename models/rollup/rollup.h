/* rollup.h — what the rollup schemes (optimistic_rollup, zk_rollup) publish to the
 * parts that act inside them: the dispute game and its challengers, adversaries. Each
 * L2 block as the sequencer sealed it, each batch as the L1 included it, each state
 * root claim as the L1 included it, through hooks (models/model.h SCHEME_HOOK) found
 * by name: "rollup.subscribe", "rollup.genesis", "proposer.falsify", "proposer.resolve".
 * The scheme itself is models/rollup/scheme.c. */
#ifndef L2SIM_ROLLUP_ROLLUP_H
#define L2SIM_ROLLUP_ROLLUP_H

#include "models/l1/l1.h"
#include "models/rollup/batch.h"

/* Account indices of the L2 state: fees go to ROLLUP_FEE_ACCOUNT (the sequencer's,
 * whose balance is the fees owed to the operator); a withdrawal is a signed transfer to
 * ROLLUP_BRIDGE_ACCOUNT (burned on L2: the L1 bridge pays it out once the rollup's rule
 * allows); user u holds ROLLUP_USER_ACCOUNT(u). */
#define ROLLUP_FEE_ACCOUNT     UINT64_C(0)
#define ROLLUP_BRIDGE_ACCOUNT  UINT64_C(1)
#define ROLLUP_USER_ACCOUNT(u) ((uint64_t)(u) + 2)
/* Signature key kinds (sig_keypair_derive): users' keys are (ROLLUP_KEY_USER, u) in
 * every rollup of a run; the operator's accounts (fee, bridge) are (ROLLUP_KEY_OPERATOR,
 * index). */
#define ROLLUP_KEY_USER     4u     /* = RNG_USER, the user's identity */
#define ROLLUP_KEY_OPERATOR 40u
#define ROLLUP_KEY_COMMITTEE 41u   /* validium: data availability committee member i */

/* An account opened or credited at the start of an L2 block, before its transfers:
 * a deposit from L1 (amount > 0), or the opening of a recipient's account (amount 0),
 * as an EVM account exists on first receipt. */
struct rollup_deposit {
    uint64_t index;
    uint8_t  pubkey[SIG_PUBLICKEY_BYTES];
    u128     amount;
};

/* One L2 block as the sequencer sealed it: deposits credited, then the transfers it
 * accepted, in order; the state roots before and after. Replaying every block into
 * the genesis state (rollup.genesis) gives any pre-state. */
struct rollup_block {
    uint64_t number;                      /* 1, 2, ... */
    sim_time time;                        /* sealed at (L2 timestamp) */
    const struct rollup_deposit *deposits;
    size_t   ndeposits;
    const struct l2_transfer *txs;        /* executed (accepted) ones only */
    size_t   ntxs;
    uint8_t  pre_root[MERKLE_HASH_BYTES], post_root[MERKLE_HASH_BYTES];
};

/* A batch as the L1 included it: the L2 blocks it carries (a contiguous range) and the
 * commitment over their transfers (batch.h), which a one-step proof checks against. */
struct rollup_batch {
    uint64_t index;                       /* 1, 2, ... in posting order */
    uint64_t first_block, last_block;
    uint64_t ntxs;
    struct batch_commitment commit;
    l1_tx_id l1_tx;
    sim_time included;                    /* L1 slot time */
};

/* A state root claim (optimistic rollup) as the L1 included it: the root after block
 * last_block, backed by a bond, standing unless disputed until window_end. */
struct rollup_claim {
    uint64_t index;                       /* 1, 2, ... */
    uint64_t last_block;
    uint8_t  root[MERKLE_HASH_BYTES];
    bool     honest;                      /* the state's true root (for the record) */
    u128     bond;                        /* wei */
    u128     claim;                       /* a dishonest claim: what it would steal */
    l1_tx_id l1_tx;
    sim_time posted;                      /* L1 slot time of inclusion */
    sim_time window_end;                  /* posted + challenge_window */
};

/* What a listener hears, each borrowed during the call only (copy what you keep). */
struct rollup_listener {
    void (*block)(void *ctx, const struct rollup_block *b);   /* at seal */
    void (*batch)(void *ctx, const struct rollup_batch *b);   /* at L1 inclusion */
    void (*claim)(void *ctx, const struct rollup_claim *c);   /* at L1 inclusion */
    void  *ctx;
};

/* "rollup.subscribe": add a listener (any number; called in the order added). */
typedef void rollup_subscribe_fn(struct scheme *sc, const struct rollup_listener *l);
/* "rollup.genesis": a new state equal to the rollup's genesis (the operator's
 * accounts); caller frees (state_free). */
typedef struct l2_state *rollup_genesis_fn(struct scheme *sc);
/* "proposer.falsify": the next claim posts the root root_of gives instead of the
 * true one, claiming `claim` wei (what the claimant takes out of the bridge if the
 * root stands). root_of is called as the claim is built, with the block it claims the
 * state after and the true root in `root`, which it overwrites (or leaves: the claim
 * is then true), so a forged root covers exactly the claimed range. */
typedef void oru_fraud_root_fn(void *ctx, uint64_t last_block,
                               uint8_t root[MERKLE_HASH_BYTES] /* IN/OUT */);
typedef void oru_falsify_fn(struct scheme *sc, oru_fraud_root_fn *root_of, void *ctx,
                            u128 claim);
/* "proposer.resolve": the dispute game's verdict on claim `index`. false: the claim is
 * deleted, its bond slashed, and the proposer posts the true root again; true: it
 * stands (it finalizes at its window's end). */
typedef void oru_resolve_fn(struct scheme *sc, uint64_t index, bool claim_stands);

/* validium: "committee.withhold": from now on `members` of the committee sign
 * attestations but do not serve the data (a colluding committee). */
typedef void validium_withhold_fn(struct scheme *sc, uint32_t members);
/* "committee.frozen": whether users' funds are frozen (no exit proof can be built
 * because a batch's data is served by nobody), since when, and how much (the L2
 * balances then). */
typedef bool validium_frozen_fn(struct scheme *sc, sim_time *since /* OUT */,
                                u128 *value /* OUT */);

/* zk_rollup, validium, hybrid_rollup: "prover.falsify": the next proof sent to the L1
 * verifier claims a post-state root its batches do not lead to (the operator's own
 * mint). "prover.rejected": the verifier's rejections so far: how many proofs it
 * rejected (a forged one, and those sent behind it, which then follow a root the
 * contract does not hold), their L1 fees, and when it first rejected a forged one
 * (-1: never). */
typedef void prover_falsify_fn(struct scheme *sc);
struct prover_rejections {
    uint64_t proofs;
    u128     fees;
    sim_time first;
};
typedef void prover_rejected_fn(struct scheme *sc, struct prover_rejections *out /* OUT */);

extern const struct scheme_ops optimistic_rollup_ops, zk_rollup_ops, validium_ops,
    hybrid_rollup_ops, volition_ops;
extern const struct adversary_ops dac_withholding_ops, censoring_sequencer_ops,
    invalid_proof_ops;

#endif

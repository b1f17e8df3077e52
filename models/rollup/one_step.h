/* one_step.h — the one-step proof that ends an optimistic rollup's dispute: once the
 * bisection (bisection.h) has isolated one transfer whose pre-state root both sides
 * accept, the L1 re-executes that transfer alone, against Merkle proofs of the
 * accounts it touches (sender, recipient, fee recipient) in the pre-state, and
 * compares the post-state root it computes with the one the claimant asserted. The
 * verifier needs only the rollup's rules, the pre-state root and the witness: no
 * state, no other transfer. The transfer comes from the batch data posted on L1. */
#ifndef L2SIM_ROLLUP_ONE_STEP_H
#define L2SIM_ROLLUP_ONE_STEP_H

#include "models/rollup/state.h"

/* What the prover hands the L1: the transfer and, for each account slot it touches
 * (by step: sender, recipient, fee recipient), the slot's content in the pre-state
 * (an account, or none) and its Merkle proof against the pre-state root. */
struct one_step_witness {
    struct transfer tx;
    struct {
        bool           exists;
        struct account account;
        uint8_t        proof[MERKLE_DEPTH_MAX][MERKLE_HASH_BYTES];
    } slot[TRANSFER_STEPS];
};

enum one_step_outcome {
    ONE_STEP_CLAIM_HOLDS,   /* the asserted post-state root is the transfer's true one */
    ONE_STEP_CLAIM_FALSE,   /* it is not: the claimant's step is fraudulent */
    ONE_STEP_BAD_WITNESS,   /* a slot's proof does not match the pre-state root */
};
const char *one_step_outcome_name(enum one_step_outcome o);

/* The prover's side: the witness of transfer tx against the state it runs on (the
 * pre-state, not changed). O(depth) per slot. */
void one_step_prove(const struct l2_state *pre, const struct transfer *tx,
                    struct one_step_witness *w /* OUT */);

/* The verifier's side: check the witness against pre_root, judge the transfer by the
 * rules (transfer_check), execute its steps and compute the post-state root into
 * post_root (pre_root itself when the transfer is refused) and the verdict into
 * *verdict. 0, or -1 when the witness does not match pre_root (then nothing is
 * computed). O(depth) hashes per slot and one signature check. */
int one_step_execute(const struct rollup_rules *r, const uint8_t pre_root[MERKLE_HASH_BYTES],
                     const struct one_step_witness *w,
                     uint8_t post_root[MERKLE_HASH_BYTES] /* OUT */,
                     enum transfer_verdict *verdict /* OUT */);

/* The L1's ruling on a claimant's step from pre_root to claimed_post. */
enum one_step_outcome one_step_judge(const struct rollup_rules *r,
                                     const uint8_t pre_root[MERKLE_HASH_BYTES],
                                     const uint8_t claimed_post[MERKLE_HASH_BYTES],
                                     const struct one_step_witness *w);

#endif

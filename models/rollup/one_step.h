/* one_step.h — the one-step proof that ends an optimistic rollup's dispute: once the
 * bisection (bisection.h) has isolated step k of a batch, the transfer whose pre-state
 * root both sides accept, the L1 re-executes that transfer alone, against Merkle
 * proofs of the accounts it touches (sender, recipient, fee recipient) in the
 * pre-state, and compares the post-state root it computes with the one the claimant
 * asserted. The transfer itself is proven to be the batch's k-th by its audit path
 * against the batch commitment (batch.h). The verifier needs only the rollup's
 * rules, the batch commitment, k, the pre-state root and the witness: no state, no
 * other transfer. */
#ifndef L2SIM_ROLLUP_ONE_STEP_H
#define L2SIM_ROLLUP_ONE_STEP_H

#include "models/rollup/batch.h"

/* What the prover hands the L1: the transfer with its audit path in the batch and,
 * for each account slot it touches (by step: sender, recipient, fee recipient), the
 * slot's content in the pre-state (an account, or none) and its Merkle proof against
 * the pre-state root. */
struct one_step_witness {
    struct l2_transfer tx;
    size_t          tx_path_len;
    uint8_t         tx_path[64][MERKLE_HASH_BYTES];
    struct {
        bool           exists;
        struct account account;
        uint8_t        proof[MERKLE_DEPTH_MAX][MERKLE_HASH_BYTES];
    } slot[TRANSFER_STEPS];
};

enum one_step_outcome {
    ONE_STEP_CLAIM_HOLDS,   /* the asserted post-state root is the transfer's true one */
    ONE_STEP_CLAIM_FALSE,   /* it is not: the claimant's step is fraudulent */
    ONE_STEP_BAD_WITNESS,   /* the transfer is not the batch's step, or a slot's proof
                             * does not match the pre-state root */
};
const char *one_step_outcome_name(enum one_step_outcome o);

/* The prover's side: the witness of step k of the n-transfer batch, against the
 * state the step runs on (the pre-state, not changed). O(n) hashes for the audit
 * path, O(depth) per slot. */
void one_step_prove(const struct l2_state *pre, const struct l2_transfer *batch, size_t n,
                    size_t k, struct one_step_witness *w /* OUT */);

/* The verifier's side: check that the witness's transfer is step k of the committed
 * batch and that its slots match pre_root, judge the transfer by the rules
 * (transfer_check), execute its steps and compute the post-state root into post_root
 * (pre_root itself when the transfer is refused) and the verdict into *verdict. 0, or
 * -1 when the witness does not hold (then nothing is computed). O(depth) hashes per
 * slot, O(log n) for the path, one signature check. */
int one_step_execute(const struct rollup_rules *r, const struct batch_commitment *batch,
                     uint64_t k, const uint8_t pre_root[MERKLE_HASH_BYTES],
                     const struct one_step_witness *w,
                     uint8_t post_root[MERKLE_HASH_BYTES] /* OUT */,
                     enum transfer_verdict *verdict /* OUT */);

/* The L1's ruling on a claimant's step k from pre_root to claimed_post. */
enum one_step_outcome one_step_judge(const struct rollup_rules *r,
                                     const struct batch_commitment *batch, uint64_t k,
                                     const uint8_t pre_root[MERKLE_HASH_BYTES],
                                     const uint8_t claimed_post[MERKLE_HASH_BYTES],
                                     const struct one_step_witness *w);

#endif

/* one_step.c — re-executing one transfer from Merkle proofs (see one_step.h).
 * Every slot is proven against the pre-state root; after a slot's leaf changes, the
 * proofs of the other slots are brought up to date from the recomputed path (they
 * share the nodes where their paths meet), so the final root is the root of the tree
 * with all of the transfer's changes, computed from the witness alone. */
#include "models/rollup/one_step.h"

#include <string.h>

const char *one_step_outcome_name(enum one_step_outcome o)
{
    switch (o) {
    case ONE_STEP_CLAIM_HOLDS: return "claim_holds";
    case ONE_STEP_CLAIM_FALSE: return "claim_false";
    case ONE_STEP_BAD_WITNESS: return "bad_witness";
    }
    return "?";
}

void one_step_prove(const struct l2_state *pre, const struct l2_transfer *batch, size_t n,
                    size_t k, struct one_step_witness *w)
{
    memset(w, 0, sizeof *w);
    const struct l2_transfer *tx = &batch[k];
    w->tx = *tx;
    w->tx_path_len = batch_prove_inclusion(batch, n, k, w->tx_path);
    struct rollup_rules r;
    state_rules(pre, &r);
    for (int step = 0; step < TRANSFER_STEPS; step++) {
        uint64_t i = transfer_step_index(tx, step, r.fee_recipient);
        const struct account *a = state_account(pre, i);
        w->slot[step].exists = a != NULL;
        if (a)
            w->slot[step].account = *a;
        if (state_index_in_tree(r.depth, i))
            state_prove(pre, i, w->slot[step].proof);   /* outside: no account, no proof */
    }
}

static void slot_leaf(bool exists, const struct account *a, uint8_t leaf[MERKLE_HASH_BYTES])
{
    if (exists)
        account_leaf(a, leaf);
    else
        memset(leaf, 0, MERKLE_HASH_BYTES);   /* the empty leaf (merkle.h) */
}

/* The nodes on index's path from its leaf up (path[0] = leaf, path[depth] = root). */
static void path_of(unsigned depth, uint64_t index, const uint8_t leaf[MERKLE_HASH_BYTES],
                    uint8_t (*proof)[MERKLE_HASH_BYTES], uint8_t (*path)[MERKLE_HASH_BYTES])
{
    memcpy(path[0], leaf, MERKLE_HASH_BYTES);
    for (unsigned l = 0; l < depth; l++) {
        if ((index >> l) & 1)
            hash_sha256_pair(path[l + 1], proof[l], path[l]);
        else
            hash_sha256_pair(path[l + 1], path[l], proof[l]);
    }
}

/* The level at which two distinct indices' paths are siblings: the highest bit in
 * which they differ. */
static unsigned meet_level(uint64_t a, uint64_t b)
{
    unsigned l = 63;
    while (!(((a ^ b) >> l) & 1))
        l--;
    return l;
}

int one_step_execute(const struct rollup_rules *r, const struct batch_commitment *batch,
                     uint64_t k, const uint8_t pre_root[MERKLE_HASH_BYTES],
                     const struct one_step_witness *w, uint8_t post_root[MERKLE_HASH_BYTES],
                     enum transfer_verdict *verdict)
{
    const struct l2_transfer *tx = &w->tx;
    if (w->tx_path_len > 64 ||
        !batch_verify_inclusion(batch, k, tx, (const uint8_t (*)[MERKLE_HASH_BYTES])w->tx_path,
                                w->tx_path_len))
        return -1;
    uint64_t index[TRANSFER_STEPS];
    for (int s = 0; s < TRANSFER_STEPS; s++) {
        index[s] = transfer_step_index(tx, s, r->fee_recipient);
        if (!state_index_in_tree(r->depth, index[s])) {   /* no slot there: no account */
            if (w->slot[s].exists)
                return -1;
            continue;
        }
        uint8_t leaf[MERKLE_HASH_BYTES];
        slot_leaf(w->slot[s].exists, &w->slot[s].account, leaf);
        if (!merkle_verify(pre_root, r->depth, index[s], leaf,
                           (const uint8_t (*)[MERKLE_HASH_BYTES])w->slot[s].proof))
            return -1;
    }
    /* slots proven: the pre-state is what the witness says */
    const struct account *pre[TRANSFER_STEPS];
    for (int s = 0; s < TRANSFER_STEPS; s++)
        pre[s] = w->slot[s].exists ? &w->slot[s].account : NULL;
    *verdict = transfer_check(tx, r->chain_id, r->sig, pre[TRANSFER_STEP_DEBIT],
                              pre[TRANSFER_STEP_CREDIT], pre[TRANSFER_STEP_FEE]);
    memcpy(post_root, pre_root, MERKLE_HASH_BYTES);
    if (*verdict != TRANSFER_OK)
        return 0;

    /* the distinct slots, each with its account as the steps leave it */
    struct {
        uint64_t       index;
        struct account account;
        uint8_t        proof[MERKLE_DEPTH_MAX][MERKLE_HASH_BYTES];
    } d[TRANSFER_STEPS];
    int nd = 0, steps = tx->fee ? TRANSFER_STEPS : TRANSFER_STEP_FEE;
    for (int s = 0; s < steps; s++) {
        int j = 0;
        while (j < nd && d[j].index != index[s])
            j++;
        if (j == nd) {
            d[nd].index = index[s];
            d[nd].account = w->slot[s].account;
            memcpy(d[nd].proof, w->slot[s].proof, sizeof d[nd].proof);
            nd++;
        }
        if (!transfer_step(tx, s, &d[j].account)) {
            *verdict = TRANSFER_OVERFLOW;
            return 0;
        }
    }
    /* write the changed leaves one by one, keeping the others' proofs current */
    for (int j = 0; j < nd; j++) {
        uint8_t leaf[MERKLE_HASH_BYTES], path[MERKLE_DEPTH_MAX + 1][MERKLE_HASH_BYTES];
        account_leaf(&d[j].account, leaf);
        path_of(r->depth, d[j].index, leaf, d[j].proof, path);
        memcpy(post_root, path[r->depth], MERKLE_HASH_BYTES);
        for (int o = j + 1; o < nd; o++) {
            unsigned l = meet_level(d[j].index, d[o].index);
            memcpy(d[o].proof[l], path[l], MERKLE_HASH_BYTES);
        }
    }
    return 0;
}

enum one_step_outcome one_step_judge(const struct rollup_rules *r,
                                     const struct batch_commitment *batch, uint64_t k,
                                     const uint8_t pre_root[MERKLE_HASH_BYTES],
                                     const uint8_t claimed_post[MERKLE_HASH_BYTES],
                                     const struct one_step_witness *w)
{
    uint8_t post[MERKLE_HASH_BYTES];
    enum transfer_verdict v;
    if (one_step_execute(r, batch, k, pre_root, w, post, &v) != 0)
        return ONE_STEP_BAD_WITNESS;
    return memcmp(post, claimed_post, MERKLE_HASH_BYTES) == 0 ? ONE_STEP_CLAIM_HOLDS
                                                              : ONE_STEP_CLAIM_FALSE;
}

/* dispute_trace.h — the two things a dispute game (dispute.h) needs from a rollup:
 * a side's view of the execution trace (the state root after each of n steps,
 * replayed from the state before them, possibly tampered with, as a fraudulent
 * claimant's is), with the one-step proofs it can make; and the VM the L1 runs a
 * proof on. A step is a transfer (one_step.h: the transfer proven to be step k of the
 * committed input, its accounts proven against the agreed root, re-executed) or a
 * deposit credited from L1 (its one account proven and credited: the L1 knows its
 * own deposits). The input is committed as an RFC 6962 list of the steps' encodings
 * with its length, as batch.h commits transfers. The proof travels as calldata
 * bytes, encoded and decoded here. */
#ifndef L2SIM_ROLLUP_DISPUTE_TRACE_H
#define L2SIM_ROLLUP_DISPUTE_TRACE_H

#include "models/rollup/dispute.h"

/* One step of the trace. */
struct dispute_entry {
    bool               deposit;
    struct l2_transfer tx;                            /* a transfer */
    uint64_t           index;                         /* a deposit: the account, */
    uint8_t            pubkey[SIG_PUBLICKEY_BYTES];   /*   its key, */
    u128               amount;                        /*   what it is credited */
};

/* Run one step on s as execution does (a refused transfer or deposit changes
 * nothing). */
void dispute_entry_apply(struct l2_state *s, const struct dispute_entry *e);

/* Called after step `step` has executed, before the root after it is taken: a
 * fraudulent view changes s here (credits itself, say). */
typedef void dispute_tamper_fn(void *ctx, uint64_t step, struct l2_state *s);

struct dispute_trace;

/* The view of n steps run from pre (copied; pre is not changed): O(accounts) to
 * copy, O(n) executions and roots. tamper may be NULL (an honest view); tamper_ctx is
 * borrowed for the trace's life. steps are copied. Caller frees. */
struct dispute_trace *dispute_trace_new(const struct l2_state *pre,
                                        const struct dispute_entry *steps, size_t n,
                                        dispute_tamper_fn *tamper, void *tamper_ctx);
void     dispute_trace_free(struct dispute_trace *t);
uint64_t dispute_trace_steps(const struct dispute_trace *t);
/* The root after step i (0: before any). O(1). */
void     dispute_trace_root(const struct dispute_trace *t, uint64_t i,
                            uint8_t root[MERKLE_HASH_BYTES] /* OUT */);
/* The first i whose root differs between two views of the same transfers (both have
 * root 0 alike), or 0 when they agree everywhere: the step a dispute must isolate is
 * that i - 1. O(n). */
uint64_t dispute_trace_first_difference(const struct dispute_trace *a,
                                        const struct dispute_trace *b);
/* Fill p's root_at, prove and ctx with this view (the rest of p is the caller's). */
void     dispute_trace_player(struct dispute_trace *t, struct dispute_player *p /* IN/OUT */);

/* The commitment to n steps: the RFC 6962 root over their leaf hashes (a transfer's:
 * its wire bytes, as batch.h hashes it; a deposit's: "l2sim/deposit/v1" || LE64
 * index || public key || LE128 amount) and n. O(n) hashes. */
void dispute_input_commit(const struct dispute_entry *steps, size_t n,
                          struct batch_commitment *c /* OUT */);

/* The L1's VM for a game over these steps: the rules (chain id, tree depth, fee
 * recipient, and a copy of the signature context that rules.sig points to: the VM
 * outlives the state it was made from, as a challenger's anchor moves on while a game
 * runs) and the commitment to the n steps, which the contract derives from the posted
 * batches and its own deposits. Not to be copied once initialized (rules.sig points
 * into it). */
struct dispute_transfer_vm {
    struct rollup_rules     rules;
    struct sig_ctx          sig;
    struct batch_commitment input;
};
void dispute_transfer_vm_init(struct dispute_transfer_vm *v /* OUT */,
                              const struct rollup_rules *r, const struct dispute_entry *steps,
                              size_t n);
/* The struct dispute_vm that judges with v (borrowed for the game's life). */
struct dispute_vm dispute_transfer_vm(struct dispute_transfer_vm *v);

/* The proof of a transfer step as calldata: 0x01, the transfer's wire bytes, its
 * audit path in the input (a count byte and the hashes), and per touched slot an
 * existence byte, the account (public key, LE128 balance, LE64 nonce) when it exists,
 * and depth proof hashes when its index lies in the tree. Of a deposit step: 0x02,
 * index, public key, amount, the audit path, and the one slot the same way. encode
 * returns the length (malloc'd into *out); decode 0, or -1 when the bytes are not
 * such a proof for trees of `depth`. */
struct dispute_proof {
    struct dispute_entry    entry;
    struct one_step_witness w;    /* entry.tx in w.tx; a deposit's slot in w.slot[0] */
};
size_t dispute_proof_encode(const struct dispute_proof *p, unsigned depth,
                            uint64_t fee_recipient, uint8_t **out /* OUT */);
int    dispute_proof_decode(const uint8_t *in, size_t len, unsigned depth,
                            uint64_t fee_recipient, struct dispute_proof *p /* OUT */);

#endif

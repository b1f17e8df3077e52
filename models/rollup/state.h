/* state.h — a rollup's L2 state: accounts (public key, balance, nonce) under a
 * SHA-256 Merkle root, signed transfers validated (signature, nonce, balance) and
 * executed, and the execution trace (the state root after each transfer) that an
 * optimistic rollup's dispute bisects. Library code for models/rollup's schemes; the
 * one-step proof (one_step.h) re-executes a single transfer against this file's
 * rules, so the two can never drift apart. */
#ifndef L2SIM_ROLLUP_STATE_H
#define L2SIM_ROLLUP_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "models/crypto/merkle.h"
#include "models/crypto/sig.h"
#include "sim/util.h"

/* An account: the key that signs its transfers, its balance in wei, and its nonce
 * (the count of transfers it has sent; the next one must carry exactly this). An
 * index never used holds the empty leaf (no account). */
struct account {
    uint8_t  pubkey[SIG_PUBLICKEY_BYTES];
    u128     balance;   /* wei */
    uint64_t nonce;
};

/* A transfer as its sender signs it. `fee` (wei) goes to the rollup's fee recipient
 * (the sequencer's account); chain_id names the rollup, so a signature for one
 * rollup is worthless on another (the replay protection of EIP-155). Named l2_transfer:
 * model.h's struct transfer is the workload's intent, which a rollup scheme sees too. */
struct l2_transfer {
    uint64_t chain_id;
    uint64_t from, to;     /* account indices */
    u128     amount, fee;  /* wei */
    uint64_t nonce;
    uint8_t  sig[SIG_BYTES];
};

/* The canonical encoding a signature covers: "l2sim/transfer/v1" || LE64 chain_id ||
 * LE64 from || LE64 to || LE128 amount || LE128 fee || LE64 nonce. */
#define TRANSFER_SIGNED_BYTES (17 + 8 + 8 + 8 + 16 + 16 + 8)
/* What a batch carries per transfer: the signed encoding followed by the signature. */
#define TRANSFER_WIRE_BYTES (TRANSFER_SIGNED_BYTES + SIG_BYTES)

/* Why a transfer is refused (0: accepted). A refused transfer changes nothing: it is
 * not executed, its nonce is not consumed, no fee is charged. */
enum transfer_verdict {
    TRANSFER_OK = 0,
    TRANSFER_NO_SENDER,      /* `from` holds no account */
    TRANSFER_NO_RECIPIENT,   /* `to` holds no account (accounts are opened by deposit) */
    TRANSFER_NO_FEE_RECIPIENT, /* a fee, and the fee recipient has no account */
    TRANSFER_BAD_SIGNATURE,  /* not signed by the sender's key over these fields */
    TRANSFER_WRONG_CHAIN,    /* signed for another rollup */
    TRANSFER_NONCE_REUSED,   /* nonce below the account's: a replay */
    TRANSFER_NONCE_GAP,      /* nonce above the account's: sent ahead of its turn */
    TRANSFER_OVERDRAFT,      /* balance below amount + fee */
    TRANSFER_OVERFLOW,       /* a credit would pass 2^128-1 wei */
};
const char *transfer_verdict_name(enum transfer_verdict v);

void transfer_encode(const struct l2_transfer *t, uint8_t out[TRANSFER_SIGNED_BYTES] /* OUT */);
/* Encoding and signature, as a batch carries it. */
void transfer_wire(const struct l2_transfer *t, uint8_t out[TRANSFER_WIRE_BYTES] /* OUT */);
/* Sign t's canonical encoding with kp into t->sig. O(1) signatures. */
void transfer_sign(struct l2_transfer *t, const struct sig_ctx *c, const struct sig_keypair *kp);

/* The leaf of an account: SHA-256("l2sim/account/v1" || pubkey || LE128 balance ||
 * LE64 nonce); never the empty leaf. */
void account_leaf(const struct account *a, uint8_t leaf[MERKLE_HASH_BYTES] /* OUT */);

/* The rules a transfer is judged by, given the accounts it touches as they stand
 * before it (NULL: no account there). Shared by execution and the one-step proof.
 * One signature check. */
enum transfer_verdict transfer_check(const struct l2_transfer *t, uint64_t chain_id,
                                     const struct sig_ctx *c, const struct account *from,
                                     const struct account *to, const struct account *fee_to);

/* An accepted transfer executes in three steps, each touching one account, in this
 * order: TRANSFER_STEP_DEBIT (the sender pays amount + fee, its nonce advances),
 * TRANSFER_STEP_CREDIT (the recipient gets amount), TRANSFER_STEP_FEE (the fee
 * recipient gets fee). The sender, recipient and fee recipient may be the same
 * account: each step sees what the steps before it left. Applies one step to a;
 * false when a credit would pass 2^128-1 wei (a is then unchanged). */
enum { TRANSFER_STEP_DEBIT, TRANSFER_STEP_CREDIT, TRANSFER_STEP_FEE, TRANSFER_STEPS };
bool transfer_step(const struct l2_transfer *t, int step, struct account *a);
/* The account index step touches. */
uint64_t transfer_step_index(const struct l2_transfer *t, int step, uint64_t fee_recipient);

/* ---- the state ---- */
struct l2_state;

/* The constants a rollup's transfers are judged by, which its L1 contract knows too
 * (the one-step proof verifier needs nothing else). */
struct rollup_rules {
    uint64_t              chain_id;
    unsigned              depth;           /* of the account tree */
    uint64_t              fee_recipient;   /* account index that receives fees */
    const struct sig_ctx *sig;             /* borrowed */
};

/* An empty state of a rollup: chain_id, account tree depth (1..64), the signature
 * context of the run (copied), and the account that receives fees (an index inside
 * the tree). Caller frees. */
struct l2_state *state_new(uint64_t chain_id, unsigned depth, const struct sig_ctx *c,
                           uint64_t fee_recipient);
void state_free(struct l2_state *s);

uint64_t state_fee_recipient(const struct l2_state *s);
/* The state's rules; out->sig points into s. */
void state_rules(const struct l2_state *s, struct rollup_rules *out /* OUT */);

/* The current state root: O(1) after a read, else one hash per tree node changed
 * since the last read (changes are staged, not rehashed one by one). */
void state_root(const struct l2_state *s, uint8_t root[MERKLE_HASH_BYTES] /* OUT */);

/* The account at index, or NULL when none was opened there. Borrowed until the next
 * change. O(1). */
const struct account *state_account(const struct l2_state *s, uint64_t index);

/* A deposit credited on L2: opens the account at index with pubkey if it has none,
 * then adds amount. L2_EINPUT when the index holds another key's account or the
 * balance would overflow. O(depth). */
int state_deposit(struct l2_state *s, uint64_t index, const uint8_t pubkey[SIG_PUBLICKEY_BYTES],
                  u128 amount, struct err *e);

/* Judge t against the current state and, when it is accepted, execute its three
 * steps (transfer_step). Returns the verdict; a refused transfer leaves the state as
 * it was. One signature check and three leaf hashes; the tree's paths are rehashed
 * at the next state_root. */
enum transfer_verdict state_apply(struct l2_state *s, const struct l2_transfer *t);

/* Execute n transfers in order and record the execution trace: roots[0] is the root
 * before, roots[i+1] the root after transfer i (equal to roots[i] when it was
 * refused); verdicts[i] (may be NULL) says why. roots holds n + 1 entries. */
void state_execute(struct l2_state *s, const struct l2_transfer *txs, size_t n,
                   uint8_t (*roots)[MERKLE_HASH_BYTES] /* OUT */,
                   enum transfer_verdict *verdicts /* OUT, optional */);

/* Sum of every balance, for the conservation invariant. O(accounts). */
u128 state_total_balance(const struct l2_state *s);
/* The same sum kept as a running total: deposits add, and each transfer step adds
 * what it changed its account's balance by. Equal to state_total_balance unless a
 * step creates or destroys wei. O(1). */
u128 state_supply(const struct l2_state *s);

/* True when index is a slot of a depth-d account tree (index < 2^d). A transfer
 * naming any other index names no account. */
bool state_index_in_tree(unsigned depth, uint64_t index);

/* The Merkle proof of the account slot at index (in the tree) against the current
 * root: depth siblings. For one-step proofs and withdrawals. O(depth). */
void state_prove(const struct l2_state *s, uint64_t index,
                 uint8_t (*proof)[MERKLE_HASH_BYTES] /* OUT: depth */);

/* An independent copy of s (accounts and tree), for a node that must replay a range
 * of transfers from an earlier state: a challenger re-executing a disputed proposal,
 * the prover of a one-step proof. Caller frees. O(accounts) hashes. */
struct l2_state *state_clone(const struct l2_state *s);

#endif

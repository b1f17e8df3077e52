/* bridge.h — the L1 side of a sidechain's bridge: an escrow contract that locks
 * deposits and releases a withdrawal (recipient, amount, nonce) only when it carries
 * signatures from validators holding more than 2/3 of the stake of the validator set
 * last checkpointed to it. Library code for the future `sidechain` scheme (not yet
 * registered). The contract sees only signatures: a withdrawal that was never burned
 * on the sidechain but is signed by a 2/3 quorum (colluding validators) is released
 * all the same; only the simulator, which sees both chains, can tell (the books and
 * bridge_books_check below).
 *
 * Gas: the contract recovers each signature it is handed as an Ethereum contract does,
 * with the ecrecover precompile (Yellow Paper, Appendix E: 3000 gas; Polygon PoS's
 * StakeManager.checkSignatures calls ecrecover once per validator signature of a
 * checkpoint), and marks the nonce spent in a fresh storage slot (Yellow Paper
 * Appendix G G_sset = 20000, EIP-2200 SSTORE_SET_GAS). Calldata gas is the L1's to
 * compute (models/l1), from bridge_calldata_bytes. Signatures are Ed25519 or the fast
 * MAC of models/crypto/sig, priced as if they were secp256k1 recoveries. */
#ifndef L2SIM_SIDECHAIN_BRIDGE_H
#define L2SIM_SIDECHAIN_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "models/crypto/sig.h"
#include "sim/util.h"

#define BRIDGE_GAS_ECRECOVER   3000u    /* Yellow Paper App. E, precompile 0x01 */
#define BRIDGE_GAS_NONCE_SSET  20000u   /* Yellow Paper App. G G_sset; EIP-2200 */

/* A withdrawal as validators sign it: "l2sim/withdrawal/v1" || LE64 chain_id ||
 * LE64 recipient || LE128 amount (wei) || LE64 nonce. chain_id names the sidechain,
 * so a signature for one bridge is worthless on another. */
struct bridge_withdrawal {
    uint64_t chain_id;
    uint64_t recipient;     /* an L1 account (user index) */
    u128     amount;        /* wei */
    uint64_t nonce;         /* unique per withdrawal: the replay protection */
};
#define WITHDRAWAL_SIGNED_BYTES (19 + 8 + 8 + 16 + 8)
void withdrawal_encode(const struct bridge_withdrawal *w, uint8_t out[WITHDRAWAL_SIGNED_BYTES] /* OUT */);

/* One validator's signature of a withdrawal, with its index in the checkpointed set. */
struct bridge_sig {
    uint32_t signer;
    uint8_t  sig[SIG_BYTES];
};
void bridge_sign(const struct sig_ctx *c, const struct sig_keypair *kp, uint32_t signer,
                 const struct bridge_withdrawal *w, struct bridge_sig *out /* OUT */);
/* Calldata of a withdrawal call: the withdrawal's fields and 64 bytes + a 4-byte
 * index per signature. */
size_t bridge_calldata_bytes(size_t nsigs);

enum bridge_verdict {
    BRIDGE_RELEASED = 0,
    BRIDGE_BELOW_QUORUM,     /* valid signatures of distinct validators hold <= 2/3 */
    BRIDGE_NONCE_SPENT,      /* this nonce was already released: a replay */
    BRIDGE_WRONG_CHAIN,      /* for another sidechain's bridge */
    BRIDGE_ESCROW_SHORT,     /* more than the escrow holds */
};
const char *bridge_verdict_name(enum bridge_verdict v);

/* What one withdrawal call did and cost. */
struct bridge_receipt {
    enum bridge_verdict verdict;
    uint64_t signed_power;   /* stake of the distinct validators whose signature verified */
    size_t   verified;       /* distinct validators counted */
    size_t   duplicates;     /* signatures of a validator already counted (not counted again) */
    size_t   invalid;        /* signatures that did not verify or name no validator */
    uint64_t exec_gas;       /* execution gas the call burns (refused calls too) */
};

/* The money both chains hold for the bridge, as the simulator sees it. escrow: wei
 * locked in the L1 contract; minted: credited on the sidechain for deposits; burned:
 * destroyed on the sidechain by withdrawals; released: paid out of escrow on L1. */
struct bridge_books {
    u128 escrow, minted, burned, released;
};

struct bridge;

/* A bridge for sidechain chain_id with no validators yet. Caller owns it. */
struct bridge *bridge_new(uint64_t chain_id, const struct sig_ctx *sig);
void bridge_free(struct bridge *b);

/* A checkpoint's validator set replaces the one the contract knows (copied). Each
 * power >= 1. O(n). */
void bridge_checkpoint_validators(struct bridge *b, const uint8_t (*pk)[SIG_PUBLICKEY_BYTES],
                                  const uint64_t *power, size_t n);

/* A deposit: locked in escrow on L1 and minted on the sidechain (the scheme decides
 * when, after the L1 depth). False, changing nothing, when a total would pass
 * 2^128-1 wei. */
bool bridge_deposit(struct bridge *b, u128 amount);
/* A withdrawal burned on the sidechain (before its release is asked of L1). False,
 * changing nothing, on overflow. */
bool bridge_burn(struct bridge *b, u128 amount);

/* The contract's check of a withdrawal call with nsigs signatures: each one really
 * verified against the checkpointed key of its signer, each validator counted once,
 * released when their stake s satisfies 3 s > 2 total and the nonce is unspent.
 * Gas is charged for every signature recovered, duplicates and invalid ones
 * included (the contract learns who signed only by recovering). O(nsigs + n). */
enum bridge_verdict bridge_withdraw(struct bridge *b, const struct bridge_withdrawal *w,
                                    const struct bridge_sig *sigs, size_t nsigs,
                                    struct bridge_receipt *out /* OUT */);

void bridge_books_of(const struct bridge *b, struct bridge_books *out /* OUT */);

/* The escrow invariant, what a scheme's check will call: the escrow holds what was
 * minted and not yet released (escrow + released = minted), which is the sidechain's
 * supply (minted - burned) plus the burned withdrawals not yet released; and nothing
 * is released that was not burned (released <= burned: a release beyond that is a
 * forged withdrawal, value the bridge lost). 0 when both hold, else -1 with the
 * amounts in why. Fault `sidechain.bridge_escrow` (sim/fault.c) bends the escrow
 * update of bridge_withdraw so a test can see this fail. */
int bridge_books_check(const struct bridge_books *k, char *why /* OUT */, size_t why_len);

#endif

/* contract.h — the Plasma MVP root-chain contract (Buterin, "Minimal Viable Plasma",
 * ethresear.ch/t/426, 2018; the omisego/plasma-mvp RootChain): the L1 half of the
 * `plasma` scheme. It holds the deposited ether and the exit bonds, records the
 * operator's block roots and makes a one-transaction block of every deposit, and runs
 * the exit game: an exit names a UTXO by its position and proves the transaction
 * that created it with a Merkle proof against a committed root; it waits a challenge
 * period; a challenge proving a later spend signed by the owner (or, our addition,
 * that the creating transaction's input was not signed by its owner) cancels it and
 * pays the bond to the challenger; matured exits are paid in priority order: by
 * exitable time, then by UTXO position (oldest first), so exits of valid old coins
 * started in time come before those of coins created "out of nowhere" in a later
 * (withheld) block.
 *
 * Everything here reads only the calldata bytes it is handed (the transaction, its
 * signature, its proof), as a contract does: the scheme (scheme_plasma.c) calls these
 * functions from the L1 `included` callback of the transaction that carried them.
 * Transactions are plasma_tx.h's encoding; signatures models/crypto/sig (Ed25519 or
 * the fast MAC), priced as secp256k1 ecrecover.
 *
 * Simplifications, said where they matter: no confirmation signatures (a sender's
 * transaction in a withheld block counts as unconfirmed and the sender exits its
 * inputs, as MVP's confirmations or MoreVP's in-flight exits allow).
 *
 * Priority is plasma-mvp's (omisego/plasma-mvp, plasma/root_chain/contracts/
 * RootChain.sol, addExitToQueue and finalizeExits): an exit's exitable time is
 * max(its UTXO's block time + 2 periods, its start + 1 period) (there 2 weeks and 1
 * week), the queue is ordered by (exitable time, position), and finalizeExits pays
 * from the head while the head's exitable time has come. So a coin's exit can be paid
 * no sooner than two periods after its block reached L1: a coin forged in a withheld
 * block at time T is paid at T + 2 periods at the earliest, and an older coin's exit
 * ranks ahead of it only if started by T + 1 period; a late exit of an old coin waits
 * behind the forger (it does not jump the queue by its position alone). The one
 * departure: plasma-mvp pays while exitable < block time, we while exitable <= block
 * time (the block of slot time T meets deadline T: l1.h). */
#ifndef L2SIM_PLASMA_CONTRACT_H
#define L2SIM_PLASMA_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "models/crypto/sig.h"
#include "models/plasma/plasma_tx.h"
#include "sim/util.h"

/* ---- execution gas, as an EVM contract would burn it (the L1 adds 21000 and the
 * calldata). Our estimates of a Solidity implementation from the opcode prices: ---- */
#define PC_GAS_SSTORE_NEW   22100u   /* EIP-2929: 20000 SSTORE_SET + 2100 cold slot */
#define PC_GAS_SSTORE_SET    5000u   /* EIP-2929: 2900 SSTORE_RESET + 2100 cold slot */
#define PC_GAS_PROOF_LEVEL    200u   /* SHA-256 precompile 60 + 12/word on 65 bytes (Yellow
                                        Paper App. E) + a warm STATICCALL 100 (EIP-2929) */
#define PC_GAS_ECRECOVER     3000u   /* Yellow Paper App. E, precompile 0x01 */
#define PC_GAS_CALL_VALUE    9000u   /* Yellow Paper App. G G_callvalue: paying an address */
#define PC_GAS_LOG           1637u   /* LOG2 with 64 bytes: 375 + 2 x 375 + 8 x 64
                                        (Yellow Paper App. G: G_log, G_logtopic, G_logdata) */

/* One block root as the contract records it (MVP's childChain mapping). */
struct pc_block {
    uint64_t num;
    uint8_t  root[32];
    uint32_t count;          /* transactions under the root (a list root does not commit
                                to its size: merkle.h) */
    int64_t  time;           /* when it was recorded (block time) */
    bool     deposit;        /* a deposit block, made by the contract itself */
};

enum pc_exit_status {
    PC_EXIT_STARTED,         /* in the queue, challengeable */
    PC_EXIT_CHALLENGED,      /* cancelled by a challenge: the bond went to the challenger */
    PC_EXIT_PROCESSED,       /* paid (possibly less than claimed: the contract ran short) */
};

/* An exit in the contract (MVP's exits mapping + priority queue entry). */
struct pc_exit {
    uint64_t pos;            /* the UTXO's position: second in priority (lower first) */
    uint64_t seq;            /* insertion order: breaks nothing (positions are unique) */
    uint8_t  owner[32];      /* the output's owner key: the exiter */
    u128     amount, bond, paid;
    int64_t  started;
    int64_t  exitable_at;    /* first in priority: max(UTXO's block time + 2 periods,
                                started + 1 period) (plasma-mvp addExitToQueue) */
    enum pc_exit_status status;
    void    *ctx;            /* the scheme's record of it (borrowed) */
};

/* Why a call reverted (0: it did not). */
enum pc_error {
    PC_OK = 0,
    PC_BAD_CALLDATA,         /* cannot be decoded */
    PC_NO_BLOCK,             /* the named block has no root on the contract */
    PC_BAD_PROOF,            /* the Merkle proof does not lead to the committed root */
    PC_NOT_OWNER,            /* the exiter is not the output's owner */
    PC_EXIT_EXISTS,          /* this UTXO is already exiting (or exited) */
    PC_BOND_TOO_SMALL,
    PC_NO_EXIT,              /* no exit in the challengeable state at that position */
    PC_NOT_A_SPEND,          /* the challenging transaction does not spend the exit's UTXO */
    PC_BAD_SIGNATURE,        /* a spend not signed by the exit's owner proves nothing */
    PC_INPUT_SIGNED,         /* the input's owner did sign: no invalid input to prove */
    PC_BLOCK_ORDER,          /* a block root out of order */
};
const char *pc_error_str(enum pc_error e);   /* a fixed phrase */

struct plasma_contract;

/* A contract whose operator's blocks are numbered interval, 2 interval, ... with
 * deposit blocks between (MVP: CHILD_BLOCK_INTERVAL), exit bonds of at least
 * min_bond wei and challenge_period (microseconds) as plasma-mvp's one week: exits
 * mature at max(block time + 2 x period, start + period).
 * sig is borrowed for the contract's life. Caller owns it. */
struct plasma_contract *pc_new(const struct sig_ctx *sig, uint64_t interval, u128 min_bond,
                               int64_t challenge_period);
void pc_free(struct plasma_contract *c);

/* ---- calls (each is one L1 transaction's effect; now = its block's time) ---- */

/* submitBlock(num, root, count) from the operator: num must be the next child block
 * number. exec_gas: what it burns. */
enum pc_error pc_submit_block(struct plasma_contract *c, const uint8_t *calldata, size_t len,
                              int64_t now, uint64_t *exec_gas /* OUT */);
#define PC_SUBMIT_BLOCK_BYTES 44
size_t pc_submit_block_calldata(uint8_t out[PC_SUBMIT_BLOCK_BYTES], uint64_t num,
                                const uint8_t root[32], uint32_t count);

/* deposit(owner) with value `amount`: the contract makes deposit block *num holding
 * one transaction (no inputs, one output of amount to owner, encoded as plasma_tx.h
 * says) and keeps the ether. */
enum pc_error pc_deposit(struct plasma_contract *c, const uint8_t owner[32], u128 amount,
                         int64_t now, uint64_t *num /* OUT */, uint64_t *exec_gas /* OUT */);
uint64_t pc_deposit_gas(void);

/* startExit(pos, tx, sig, proof) from `sender` (its key) with `bond` attached: the
 * output at pos of the transaction proven in the block of pos, owned by sender, not
 * already exiting. On PC_OK the exit is queued (*out, owned by the contract) and the
 * bond held; on an error nothing changes (the EVM reverts and returns the bond). */
enum pc_error pc_start_exit(struct plasma_contract *c, const uint8_t *calldata, size_t len,
                            const uint8_t sender[32], u128 bond, int64_t now,
                            struct pc_exit **out /* OUT */, uint64_t *exec_gas /* OUT */);
size_t pc_exit_calldata(uint8_t *out, uint64_t pos, const uint8_t *tx, size_t txlen,
                        const uint8_t sig[64], const uint8_t (*proof)[32], size_t nproof);
uint64_t pc_exit_gas_estimate(size_t nproof, size_t queued);

/* challengeExit: a challenge cancels an exit still in the queue and pays its bond to
 * the challenger (the caller credits it). Two kinds:
 *  - spent: a transaction included in a committed block that spends the exit's UTXO
 *    (one of its inputs is the exit's position) and is signed by the exit's owner
 *    (MVP's challenge with a later spend);
 *  - invalid input: the transaction that created the exit's UTXO (proven again) spent
 *    input i, whose creating transaction (proven) gives it an owner whose signature
 *    the exiting transaction does not carry: the UTXO descends from a forged spend (in
 *    the spirit of Plasma Cash's invalid-history challenge; MVP leaves an invalid
 *    transaction to exit priority alone). */
#define PC_CHALLENGE_SPENT   1
#define PC_CHALLENGE_INVALID 2
enum pc_error pc_challenge(struct plasma_contract *c, const uint8_t *calldata, size_t len,
                           int64_t now, struct pc_exit **out /* OUT: the exit cancelled */,
                           uint64_t *exec_gas /* OUT */);
/* A proven transaction in a challenge: its position (blknum x 1e9 + txindex x 1e4),
 * bytes, signature and audit path. */
struct pc_proven {
    uint64_t txpos;
    const uint8_t *tx;
    size_t txlen;
    const uint8_t *sig;
    const uint8_t (*proof)[32];
    size_t nproof;
};
size_t pc_challenge_spent_calldata(uint8_t *out, uint64_t exit_pos, const struct pc_proven *spend,
                                   uint8_t input);
size_t pc_challenge_invalid_calldata(uint8_t *out, uint64_t exit_pos,
                                     const struct pc_proven *exiting, uint8_t input,
                                     const struct pc_proven *input_tx);
#define PC_CALLDATA_MAX 8192
uint64_t pc_challenge_gas_estimate(size_t nproof_total);

/* finalizeExits: pay, in priority order (exitable time, then position), the queued
 * exits whose exitable time has come, at most max of them, stopping at the first that
 * has not matured. Each gets amount + bond back, or, when the
 * contract holds less than the amount beyond the bonds, what is left (paid < amount).
 * paid(ctx, exit) is called for each as it is paid. Returns how many. */
size_t pc_process(struct plasma_contract *c, int64_t now, size_t max,
                  void (*paid)(void *ctx, struct pc_exit *x), void *ctx,
                  uint64_t *exec_gas /* OUT */);
uint64_t pc_process_gas_estimate(size_t n, size_t queued);
/* How many queued exits could be paid now (matured, in order from the head). */
size_t pc_matured(const struct plasma_contract *c, int64_t now, size_t max);

/* ---- reads ---- */
const struct pc_block *pc_block_at(const struct plasma_contract *c, uint64_t num);  /* NULL */
uint64_t pc_next_child(const struct plasma_contract *c);
size_t   pc_queued(const struct plasma_contract *c);
u128     pc_holdings(const struct plasma_contract *c);    /* wei held: coins + bonds */
u128     pc_bonds_held(const struct plasma_contract *c);
struct pc_exit *pc_exit_at(const struct plasma_contract *c, uint64_t pos);   /* NULL */
/* Whether the queue orders a before b: (exitable_at, pos) lexicographically. */
bool pc_exit_precedes(const struct pc_exit *a, const struct pc_exit *b);

/* A test's wrong book (L2SIM_FAULT plasma.contract_holdings): the next payout leaves
 * one wei more in the contract's holdings than it should. */

#endif

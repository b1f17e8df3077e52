/* bft.h — one validator's state in a sidechain's Tendermint consensus: the round-based
 * algorithm of Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus"
 * (arXiv:1807.04938, 2018), Algorithm 1: heights, rounds, the steps propose / prevote /
 * precommit, the locked value and round, the valid value and round. Library code for
 * the future `sidechain` scheme (not yet registered): the module is pure. It never
 * reads a clock nor sends anything; each call returns, in a struct bft_out, the
 * messages to broadcast, the timeouts to schedule and the blocks decided, and the
 * caller (a test's driver, later the scheme on the scheduler) delivers them.
 *
 * Values are 32-byte block hashes; every message is signed with models/crypto/sig over
 * its canonical encoding and verified on receipt. Quorums are by stake: a set of votes
 * is "2f+1" when 3 * power > 2 * total power, "f+1" when 3 * power > total (integers).
 * Where this departs from the paper: the proposer of (height, round) is chosen by
 * stake from a hash of (chain, height, round) rather than Tendermint's weighted
 * round robin; every proposed value is valid (block validity is the scheme's); and
 * gossip is the caller's periodic bft_rebroadcast (own votes of the current round,
 * and the proposal + precommits that decided the previous height, for a validator
 * that fell behind) instead of Tendermint's peer-state reactor. */
#ifndef L2SIM_SIDECHAIN_BFT_H
#define L2SIM_SIDECHAIN_BFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "models/crypto/hash.h"
#include "models/crypto/sig.h"

#define BFT_HASH_BYTES HASH_SHA256_BYTES
#define BFT_NIL_ROUND  (-1)

enum bft_step { BFT_PROPOSE, BFT_PREVOTE, BFT_PRECOMMIT };
enum bft_msg_type { BFT_PROPOSAL = 1, BFT_PREVOTE_MSG = 2, BFT_PRECOMMIT_MSG = 3 };

/* The validator set of the chain: public keys and integer stake (voting power). */
struct bft_set {
    size_t          n;
    const uint8_t (*pk)[SIG_PUBLICKEY_BYTES];   /* borrowed, n entries */
    const uint64_t *power;                      /* borrowed, n entries, each >= 1 */
    uint64_t        total;                      /* sum of power (bft_set_total) */
};
uint64_t bft_set_total(const uint64_t *power, size_t n);
/* 3 * power > 2 * total: more than two thirds of the stake (the paper's 2f+1). */
bool bft_quorum(uint64_t power, uint64_t total);
/* 3 * power > total: more than one third (f+1), enough that one is honest. */
bool bft_one_third(uint64_t power, uint64_t total);
/* The proposer of (height, round): the validator whose slice of the cumulative stake
 * holds LE64(SHA-256("l2sim/bft/proposer" || LE64 chain || LE64 height || LE32 round))
 * mod total, so a validator proposes in proportion to its stake. O(n). */
size_t bft_proposer(const struct bft_set *set, uint64_t chain_id, uint64_t height,
                    uint32_t round);

/* A consensus message. For a proposal, `hash` is the proposed block and valid_round
 * the paper's vr (BFT_NIL_ROUND or an earlier round); for a vote, `nil` says it is a
 * vote for nothing (hash then all zero) and valid_round is BFT_NIL_ROUND. */
struct bft_msg {
    enum bft_msg_type type;
    uint64_t height;
    uint32_t round;
    int32_t  valid_round;
    bool     nil;
    uint8_t  hash[BFT_HASH_BYTES];
    uint32_t sender;          /* index in the validator set */
    uint8_t  sig[SIG_BYTES];
};

/* What a signature covers: "l2sim/bft/v1" || LE64 chain_id || LE64 height ||
 * LE32 round || u8 type || LE32 valid_round (two's complement) || u8 nil || hash.
 * The chain id keeps a vote of one chain from counting on another. */
#define BFT_SIGNED_BYTES (12 + 8 + 8 + 4 + 1 + 4 + 1 + BFT_HASH_BYTES)
void bft_msg_encode(uint64_t chain_id, const struct bft_msg *m,
                    uint8_t out[BFT_SIGNED_BYTES] /* OUT */);
void bft_msg_sign(const struct sig_ctx *c, uint64_t chain_id, const struct sig_keypair *kp,
                  struct bft_msg *m /* IN/OUT: sig written */);
/* True when m is signed by the key of validator m->sender of set. O(1) verifications. */
bool bft_msg_verify(const struct sig_ctx *c, uint64_t chain_id, const struct bft_set *set,
                    const struct bft_msg *m);

enum bft_timeout_kind { BFT_TIMEOUT_PROPOSE, BFT_TIMEOUT_PREVOTE, BFT_TIMEOUT_PRECOMMIT,
                        BFT_TIMEOUT_COMMIT };
struct bft_timeout {
    enum bft_timeout_kind kind;
    uint64_t height;
    uint32_t round;
    int64_t  delay_us;        /* from now; the caller schedules bft_on_timeout then */
};
struct bft_decision {
    uint64_t height;
    uint32_t round;           /* the round whose precommits decided it */
    uint8_t  hash[BFT_HASH_BYTES];
    size_t   proposer;        /* of that round */
};

/* Timeouts grow linearly with the round, as the paper's timeoutX(r) = base + r * delta
 * (its liveness argument needs them to grow until they exceed the message delay). */
struct bft_config {
    uint64_t chain_id;
    int64_t  timeout_propose_us, timeout_prevote_us, timeout_precommit_us;
    int64_t  timeout_delta_us;
    /* The pause after a decision before round 0 of the next height starts (CometBFT's
     * timeout_commit): what gives a chain its block time. 0: start at once. Messages
     * of the new height received meanwhile are kept and count once it starts. */
    int64_t  timeout_commit_us;
};

/* At most this many validators (a rebroadcast's certificate fits one bft_out). */
#define BFT_VALIDATORS_MAX 200u
#define BFT_OUT_MAX (BFT_VALIDATORS_MAX + 8u)
/* What one call produced. msgs are to be broadcast to every other validator (the
 * sender has already processed its own). */
struct bft_out {
    size_t nmsgs, ntimeouts, ndecisions;
    struct bft_msg      msgs[BFT_OUT_MAX];
    struct bft_timeout  timeouts[BFT_OUT_MAX];
    struct bft_decision decisions[8];
};

/* The block this validator proposes at (height, round) when it has no valid value to
 * re-propose (the paper's getValue()). */
typedef void bft_get_value_fn(void *ctx, uint64_t height, uint32_t round,
                              uint8_t out[BFT_HASH_BYTES] /* OUT */);

struct bft;

/* Validator `self` of set (borrowed, must outlive it), signing with kp (copied).
 * Caller owns the result. It starts nothing until bft_start. */
struct bft *bft_new(const struct bft_config *cfg, const struct sig_ctx *sig,
                    const struct bft_set *set, size_t self, const struct sig_keypair *kp,
                    bft_get_value_fn *get_value, void *get_value_ctx);
void bft_free(struct bft *b);

/* StartRound(0) at height 1. out is cleared first (every call below does the same). */
void bft_start(struct bft *b, struct bft_out *out /* OUT */);
/* A message received from the network. Refused (returns false, nothing changes) when
 * its signature does not verify, its sender is unknown, or it is for a height already
 * decided or more than one ahead; a proposal not from the round's proposer and a
 * second vote of the same (height, round, type) from one sender (an equivocation:
 * the first one counts) are ignored too. Up to four distinct proposals of a round are
 * kept (an equivocating proposer's), so a block that gathers 2f+1 precommits can be
 * decided whichever proposal arrived first. Messages of the next height are kept and processed
 * when it starts. True when it was accepted. O(n) per rule evaluated. */
bool bft_on_message(struct bft *b, const struct bft_msg *m, struct bft_out *out /* OUT */);
/* A timeout the caller scheduled from a bft_out fired (stale ones do nothing). */
void bft_on_timeout(struct bft *b, const struct bft_timeout *t, struct bft_out *out /* OUT */);
/* Gossip: this validator's own messages of its current round again, and the proposal
 * and precommits that decided its previous height. */
void bft_rebroadcast(const struct bft *b, struct bft_out *out /* OUT */);

uint64_t      bft_height(const struct bft *b);   /* the height being decided */
uint32_t      bft_round(const struct bft *b);
enum bft_step bft_step_of(const struct bft *b);
int32_t       bft_locked_round(const struct bft *b);
/* Decided block hash of height h (1 .. bft_height - 1) into out. */
void bft_decided(const struct bft *b, uint64_t h, uint8_t out[BFT_HASH_BYTES] /* OUT */);
/* Replace the signature check of received messages by fn(ctx, m), which must answer
 * exactly what bft_msg_verify(sig, chain_id, set, m) would: a scheme that delivers
 * one broadcast to many validators keeps the verdicts of messages it has verified
 * and answers again for the same bytes. NULL: bft_msg_verify. */
typedef bool bft_verify_fn(void *ctx, const struct bft_msg *m);
void bft_set_verifier(struct bft *b, bft_verify_fn *fn, void *ctx);

/* Block sync (CometBFT's blocksync, reduced to its outcome): a validator that fell
 * more than one height behind adopts the decided hashes of heights bft_height ..
 * to_height - 1 (n = to_height - bft_height of them, checked by the caller against a
 * commit certificate) and starts round 0 of to_height. Nothing when not behind. */
void bft_sync(struct bft *b, uint64_t to_height, const uint8_t (*decided)[BFT_HASH_BYTES],
              struct bft_out *out /* OUT */);
/* The proposal and precommits that decided height bft_height - 1 (*n of them, the
 * proposal first; borrowed until the next call that changes b). */
const struct bft_msg *bft_certificate(const struct bft *b, size_t *n /* OUT */);
/* Messages refused for a bad signature so far (a count, for tests and metrics). */
uint64_t bft_bad_signatures(const struct bft *b);

#endif

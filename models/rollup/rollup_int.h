/* rollup_int.h — the rollup schemes' own state, shared by their modules and nothing
 * else: scheme.c (parameters, users' wallets, deposits, withdrawals, invariants),
 * sequencer.c (the pool, L2 blocks, execution), fees.c (what a transfer is charged),
 * batcher.c (channels, compression, posting), proposer.c (state root claims, bonds,
 * the challenge window), prover.c (validity proofs). Tests include it to reach the
 * sequencer's door directly. */
#ifndef L2SIM_ROLLUP_INT_H
#define L2SIM_ROLLUP_INT_H

#include "models/crypto/codec.h"
#include "models/rollup/challenger.h"
#include "models/rollup/fees.h"
#include "models/rollup/rollup.h"

enum rollup_kind { ROLLUP_OPTIMISTIC, ROLLUP_ZK, ROLLUP_VALIDIUM, ROLLUP_HYBRID, ROLLUP_VOLITION };
enum rollup_da { DA_CALLDATA, DA_BLOB, DA_AUTO, DA_COMMITTEE };
/* Whether a rollup of this kind claims state roots with bonds (optimistic, and the
 * hybrid), and whether it proves its batches (zk, validium: every batch; the hybrid:
 * some, whose proofs finalize their blocks before the challenge window ends). */
#define ROLLUP_CLAIMS(ru) ((ru)->kind == ROLLUP_OPTIMISTIC || (ru)->kind == ROLLUP_HYBRID)
#define ROLLUP_PROVES(ru) ((ru)->kind != ROLLUP_OPTIMISTIC)
/* Gas of a plain L2 transfer: the intrinsic gas, as on L1 (Yellow Paper G_transaction). */
#define ROLLUP_TRANSFER_GAS 21000u
/* Usable bytes of one blob under the OP Stack blob encoding: 4 x 31 + 3 bytes per 4
 * field elements, 1024 rounds, less the 4-byte header (OP Stack specs, derivation,
 * "Blob Encoding": 130044 bytes). */
#define ROLLUP_BLOB_DATA_BYTES 130044u
/* Blob gas per blob (EIP-4844 GAS_PER_BLOB = 2^17). */
#define ROLLUP_GAS_PER_BLOB 131072u

/* A user transfer while the rollup holds it: its txs row and, once the wallet signed
 * it, the signed transfer. */
struct ru_tx {
    struct tx_record   rec;
    struct l2_transfer tx;
    uint64_t           seq;        /* admission order: ties in the pool */
    uint64_t           tip;        /* L2 priority fee per gas (priority order) */
    bool               withdrawal; /* a transfer to the bridge account */
    bool               forced;     /* came through the L1 inbox (forced inclusion) */
    struct rollup     *owner;      /* while held for forcing (inbox.c) */
    size_t             held;       /* its slot in the rollup's held list */
    u128               force_reserved; /* of the sender's L1 balance, for that tx */
    uint64_t           wd;         /* its withdrawal (index into wds), if so */
    struct ru_tx      *next;       /* in its wallet's wait list */
};

/* A pool entry: the transfer with its order key beside it, so that the heap compares
 * without reaching into each transfer (a pool of 10^5 transfers otherwise misses the
 * cache on every comparison). Ordered by key, then seq: sequencer.c. */
struct ru_pool_entry {
    uint64_t      key, seq;
    struct ru_tx *t;
};

/* A user's wallet on this rollup, made on first use. */
struct ru_user {
    struct sig_keypair kp;
    bool     opened;               /* its L2 account exists (or opens this block) */
    uint32_t deposits_pending;     /* on their way from L1 */
    uint64_t pending_n;            /* its transfers in the pool */
    uint64_t next_nonce;           /* the nonce of its next transfer */
    u128     pending_debit;        /* amount + fee of its transfers in the pool */
    struct ru_tx *wait_head, *wait_tail;   /* held until its deposit is credited */
};

/* An L2 block: what the sequencer sealed, kept until its batch is final. */
struct ru_block {
    uint64_t number;
    sim_time time;
    struct rollup_deposit *deps;
    size_t   ndeps;
    struct l2_transfer *txs;       /* freed once its batch is on L1 */
    struct tx_record *recs;        /* the same transfers' rows, until final */
    uint64_t *wd;                  /* per transfer: its withdrawal + 1, or 0 */
    size_t   ntxs;
    uint8_t  pre_root[MERKLE_HASH_BYTES], post_root[MERKLE_HASH_BYTES];
    uint64_t batch;                /* the batch carrying it; 0 until posted */
    u128     l1_fees, l2_fees;     /* charged to its transfers */
};

/* One batch: one L1 transaction carrying a channel of L2 blocks. */
struct ru_batch {
    struct scheme *sc;
    uint64_t index;
    uint64_t first_block, last_block, ntxs;
    size_t   raw_bytes, compressed_bytes;
    enum rollup_da da;             /* DA_CALLDATA, DA_BLOB or DA_COMMITTEE */
    uint32_t blobs;
    uint8_t *data;                 /* compressed bytes (calldata) or the committee's
                                      attestation (validium); freed at inclusion */
    size_t   att_len;              /* validium: the attestation's bytes */
    size_t   onchain_len;          /* volition: the rollup-mode transfers' compressed
                                      bytes, after the attestation in the calldata */
    l1_tx_id l1;
    sim_time created, included, final;
    uint64_t max_fee, tip, max_blob_fee;   /* the bid in force (replacements raise it) */
    uint32_t replacements, reposts;
    u128     fee;                  /* what the L1 charged (receipt total) */
    uint64_t gas, height;
    u128     revenue_l1, revenue_l2;       /* charged to its transfers */
    struct batch_commitment commit;
    const char *status;            /* pending | included | final | dropped */
};

/* A state root claim of the optimistic proposer. */
struct ru_claim {
    struct scheme *sc;
    struct rollup_claim c;
    l1_tx_id l1;
    const char *status;            /* pending | posted | final | deleted */
    u128     fee;
    uint32_t resends;              /* sent again after leaving the L1 pool unincluded */
};

/* A withdrawal: burned on L2 by a transfer to the bridge account, paid on L1 when the
 * block that burned it is final (optimistic: its claim stood for the window; zk: its
 * batch's proof verified). */
struct ru_withdrawal {
    struct scheme *sc;
    uint64_t index;
    uint32_t user;
    u128     amount;
    sim_time requested, burned, finalizable, paid;
    uint64_t block;
    l1_tx_id l1;
    u128     reserved, fee;
    uint32_t resends;              /* payout sent again after leaving the L1 pool */
    const char *status;            /* requested | burned | finalizing | paid | failed */
    const char *reason;
};

/* A validity proof of one batch (zk_rollup). */
struct ru_proof {
    struct scheme *sc;
    uint64_t batch;
    uint64_t ntxs;
    sim_time started, proven, verified;
    u128     prover_cost;          /* off-chain, wei */
    l1_tx_id l1;
    uint64_t first_batch;          /* it proves batches first_batch .. batch */
    u128     fee;                  /* L1 fees of every attempt */
    uint64_t gas;
    uint32_t resends;              /* sent again: after leaving the L1 pool unincluded, or
                                      after the verifier rejected it */
    uint32_t rejected;             /* attempts the verifier rejected */
    bool     forged;               /* claims a post-state root its batches do not give */
    uint8_t  calldata[256 + 2 * MERKLE_HASH_BYTES + 16];  /* the last attempt's */
    const char *status;            /* proving | submitted | dropped | rejected (both to be
                                      resent) | verified */
};

struct ru_listener_list {
    struct rollup_listener *v;
    size_t n;
};

struct rollup {
    struct scheme *sc;
    enum rollup_kind kind;
    struct sig_ctx sig;
    struct l2_state *state;
    uint64_t chain_id;
    unsigned depth;

    /* ---- parameters ---- */
    sim_time block_time;
    bool     priority;             /* order: priority (else fifo) */
    struct l2_fee_params fees;
    uint64_t tip, urgent_tip;      /* L2 priority fee per gas a user offers */
    enum rollup_da da;
    struct codec *codec;
    size_t   max_tx_size;
    uint32_t max_blobs;
    sim_time max_channel_duration;
    uint64_t blob_fee_cap;         /* max fee per blob gas; 0: twice the blob base fee */
    uint64_t batcher_tip;
    uint64_t resend_max_fee;  /* wei per gas: the most a resent claim, proof, deposit or
                               * payout bids (users': also at most value / gas) */
    uint32_t stuck_after;          /* L1 slots before a pending batch is re-bid */
    double   auto_hysteresis;
    uint64_t deposit_gas, withdraw_gas, claim_gas;
    uint32_t deposit_depth;
    uint64_t claim_every;          /* L2 blocks */
    u128     bond;
    sim_time challenge_window;
    /* zk prover */
    double   prove_fixed_s, prove_per_tx_s, prove_sigma;
    u128     prove_cost_fixed, prove_cost_per_tx;
    uint64_t verifier_gas;
    uint64_t prove_every;          /* hybrid: every k-th batch is proven */
    bool     prove_withdrawals;    /* hybrid: and any batch burning a withdrawal */

    /* ---- users ---- */
    struct ru_user **users;
    uint32_t nusers;

    /* ---- sequencer ---- */
    /* the pool (sequencer.c): entries that arrived in order (each not before the one
     * pushed last) wait in a ring, the rest in a binary heap by (key, seq); the next
     * transfer is the earlier of the two fronts */
    struct ru_pool_entry *pool;    /* the heap */
    size_t   npool, cap_pool;
    struct ru_pool_entry *fifo;    /* the ring: fifo[(fifo_head + i) % cap_fifo] */
    size_t   fifo_head, nfifo, cap_fifo;
    struct ru_tx *spare;           /* sealed transfers' memory, for the next ones */
    size_t   nspare, tx_size;
    uint64_t seq;
    uint64_t base_fee;             /* L2 base fee per gas of the next block */
    struct ru_block **blocks;      /* by number - 1; NULL once freed */
    uint64_t nblocks, cap_blocks;
    struct rollup_deposit *open_deps;  /* credited since the last seal */
    size_t   nopen_deps, cap_open_deps;
    uint64_t max_block_txs;

    /* ---- batcher ---- */
    uint64_t chan_first;           /* first block of the open channel (0: none) */
    uint64_t chan_last;
    size_t   chan_raw;
    uint8_t *buf;                  /* the channel's raw bytes */
    size_t   cap_buf;
    uint8_t *cbuf;                 /* compression output */
    size_t   cap_cbuf;
    enum rollup_da da_now;         /* auto's current choice */
    uint64_t da_switches;
    struct ru_batch **batches;
    uint64_t nbatches, cap_batches;
    uint64_t raw_total, compressed_total;  /* over posted batches: the ratio estimate */
    uint64_t last_included_block;  /* highest block whose batch is on L1 */
    sim_time chan_deadline;        /* when the open channel must be posted */

    /* ---- proposer ---- */
    struct ru_claim **claims;
    uint64_t nclaims, cap_claims;
    uint64_t last_claimed_block;
    uint64_t final_block;          /* every block up to it is final */
    bool     falsify_next;
    oru_fraud_root_fn *falsify_root_of;
    void    *falsify_ctx;
    u128     falsify_claim;
    struct bond_book  *bonds;      /* claiming kinds: the bonds' money (bonds.h) */
    struct bond_purse *proposer_purse;   /* what pays its claims' bonds (bond_funds) */
    uint64_t repost_block;         /* a deleted claim's last block to claim again once
                                      its bond is covered (0: none) */
    struct challengers *ch;        /* optimistic_rollup: its challengers and their games */
    /* ---- prover ---- */
    struct ru_proof **proofs;
    uint64_t nproofs, cap_proofs;
    uint64_t proofs_submitted;     /* proofs sent to L1 so far (in batch order) */
    bool     proofs_resend_pending; /* dropped proofs go again next slot */
    uint64_t unproven_txs;         /* transfers in batches since the last proven one */
    uint64_t proved_batch;         /* the last batch a proof was started for */
    /* the L1 verifier contract: the last verified root and batch */
    uint8_t  genesis_root[MERKLE_HASH_BYTES], verified_root[MERKLE_HASH_BYTES];
    uint64_t verified_batch;
    bool     falsify_proof;        /* the next proof sent claims a false root */
    uint64_t proofs_rejected;
    u128     rejected_fees;        /* L1 fees of rejected proofs */
    sim_time rejected_first;       /* when the verifier first rejected a forged proof */

    /* ---- validium: the data availability committee ---- */
    uint32_t committee, threshold;     /* n members, k signatures make an attestation */
    uint32_t rollup_ppm;               /* volition: share of accounts in rollup mode, ppm */
    struct sig_keypair *members;       /* their keys (ROLLUP_KEY_COMMITTEE, i) */
    uint32_t withholding;              /* members who sign but do not serve the data */
    sim_time withhold_from;            /* since when (-1: never) */
    sim_time frozen_at;                /* first batch whose data nobody serves; -1 */
    u128     frozen_value;             /* L2 balances then: no exit proof can be built */
    uint64_t frozen_batch;

    /* ---- censorship and forced inclusion ---- */
    sim_time censor_from, censor_until;  /* the sequencer drops victims' transfers */
    uint32_t censor_ppm;                 /* share of users who are victims, per million */
    sim_time force_after;                /* a wallet forces a transfer through L1 after */
    sim_time forced_window;              /* a censoring sequencer must include an L1-queued
                                            transfer within this (op: max_sequencer_drift;
                                            arbitrum: the delayed inbox's 24 h) */
    uint64_t censored, forced_sent, forced_done;
    uint64_t censored_blocks, censored_last_block;   /* L2 blocks it dropped transfers from */
    struct ru_tx **held;                 /* censored transfers not yet in the pool; NULL
                                            slots for those that went on */
    size_t   nheld;
    sim_time forced_wait_sum;            /* submission to soft, of forced transfers */

    /* ---- withdrawals ---- */
    struct ru_withdrawal **wds;
    uint64_t nwds, cap_wds;

    struct ru_listener_list listeners;
    u128     deps_in_flight;  /* deposits in an L1 block, not yet credited on L2: the
                                 * derivation queue's own count (added at inclusion,
                                 * taken at the credit), apart from the escrow book */

    /* ---- books (wei) ---- */
    u128 escrow;                   /* what the L1 bridge holds, from L1 receipts */
    u128 burned;                   /* withdrawals burned on L2 (their records) */
    u128 paid_out;                 /* withdrawals whose records are marked paid */
    u128 stolen;                   /* paid out by a fraudulent root that stood */
    u128 l1_paid;                  /* receipts of every L1 tx of this scheme */
    u128 batch_cost, claim_cost, proof_cost, prover_cost;
    u128 revenue_l1, revenue_l2;   /* fees charged to users */
};

/* scheme_decl.c: what the schemes declare */
extern const struct store_sql rollup_sql, rollup_zk_sql;
extern const struct scheme_report rollup_report;
extern const struct scheme_costs rollup_costs;      /* scheme_decl.c */
void rollup_metrics(const struct metrics_scope *m);
void rollup_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                     struct scheme_estimate *out /* OUT */);

/* scheme.c */
struct ru_user *ru_user(struct rollup *ru, uint32_t u);
/* The L1 bid of the operator's claims and proofs: twice the base fee plus batcher_tip,
 * re-bid 15% higher after stuck_after slots in the pool. A transaction that left the
 * pool unincluded (evicted by higher bids, as under block stuffing) is resent one slot
 * later bidding half as much again per resend, tip and base-fee multiple both, until
 * it is included: a protocol's own transactions have no deadline to give up at. A
 * resend's max fee per gas is at most resend_max_fee (the bid then stays there and
 * waits for room). */
struct l1_fee_policy ru_operator_bid(const struct rollup *ru, uint32_t resends);
/* The fee bid of users' own L1 transactions (deposits, withdrawals) moving `value` in
 * `gas`: as a wallet's, twice the base fee plus a 1 gwei tip; one resent after it left
 * the pool unincluded bids half as much again per resend, its max fee per gas at most
 * resend_max_fee and value / gas (a fee above the value moved buys nothing; at least
 * 1 wei, since a cap of 0 would mean none). */
struct l1_fee_policy ru_user_bid(const struct rollup *ru, uint32_t resends, u128 value,
                                 uint64_t gas);
/* b^n/2^n of x, i.e. x x 1.5^n, saturating at UINT64_MAX. */
uint64_t ru_bump(uint64_t x, uint32_t n);
void ru_notify_block(struct rollup *ru, const struct ru_block *b);
void ru_notify_batch(struct rollup *ru, const struct ru_batch *b);
void ru_notify_claim(struct rollup *ru, const struct ru_claim *c);
void ru_blocks_final(struct rollup *ru, uint64_t last_block, sim_time t);
void ru_withdrawal_burned(struct rollup *ru, uint64_t wd, const struct ru_block *b);
void ru_withdrawal_failed(struct rollup *ru, uint64_t wd, const char *reason);
/* A refused or dropped transfer: write its row now and free it (withdrawals: their
 * row in withdrawals). */
void ru_tx_failed(struct rollup *ru, struct ru_tx *t, const char *status, const char *reason);

/* sequencer.c */
void seq_start(struct rollup *ru);
/* Offer a signed transfer to the sequencer: admission (nonce, balance, fee within the
 * sender's willingness) or a failed/dropped row. Takes t. */
void seq_offer(struct rollup *ru, struct ru_tx *t);
/* The fee the sequencer quotes now for a transfer with this tip (L2 part, L1 part). */
void seq_quote(const struct rollup *ru, uint64_t tip, u128 *l2_fee, u128 *l1_fee);
void seq_credit(struct rollup *ru, uint64_t index, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                u128 amount);
void seq_finish(struct rollup *ru);
/* A zeroed ru_tx of size bytes (ru_tx and what its creator keeps after it: every call
 * asks the same size), from the transfers the sequencer sealed before when it has
 * some; seq_tx_recycle takes one back (free() is fine too). Sparing malloc and free
 * a few thousand transfers a block. */
struct ru_tx *seq_tx_new(struct rollup *ru, size_t size);
void seq_tx_recycle(struct rollup *ru, struct ru_tx *t);
void seq_free(struct rollup *ru);

/* batcher.c */
void batcher_start(struct rollup *ru);
void batcher_add_block(struct rollup *ru, struct ru_block *b);
double batcher_ratio(const struct rollup *ru);   /* compressed / raw so far */
void batcher_finish(struct rollup *ru);
void batcher_free(struct rollup *ru);

/* proposer.c */
void proposer_on_block(struct rollup *ru, const struct ru_block *b);
void proposer_on_batch(struct rollup *ru, const struct ru_batch *b);
void proposer_finish(struct rollup *ru);
void proposer_free(struct rollup *ru);
oru_falsify_fn proposer_falsify;
oru_resolve_fn proposer_resolve;

/* inbox.c: censorship and forced inclusion through L1 */
bool inbox_censored(const struct rollup *ru, uint32_t user);
/* The sequencer dropped t: the wallet keeps it and forces it through L1 later. */
void inbox_hold(struct rollup *ru, struct ru_tx *t);
typedef void sequencer_censor_fn(struct scheme *sc, sim_time until, double share);
/* What the censoring sequencer did: transfers dropped, the L2 blocks it dropped them
 * from (while they were being filled), those forced in through L1, and the forced
 * ones' waits from submission to soft confirmation, summed. */
struct sequencer_censorship {
    uint64_t censored, blocks, forced;
    sim_time wait_sum;
};
typedef void sequencer_censored_fn(struct scheme *sc, struct sequencer_censorship *out /* OUT */);
sequencer_censor_fn inbox_censor;
sequencer_censored_fn inbox_stats;
void seq_push_forced(struct rollup *ru, struct ru_tx *t);
/* The run's end: rows for the transfers still held (pending), and freeing them. */
void inbox_finish(struct rollup *ru);
void inbox_free(struct rollup *ru);

/* committee.c (validium, volition) */
/* Volition: whether user u's account keeps its data on L1 (rollup mode; a fixed share
 * of users, chosen by a hash of the user id); every other kind: whether it posts data
 * to L1 at all. */
bool ru_rollup_mode(const struct rollup *ru, uint32_t u);
/* An attestation's calldata: the data hash, then per signature the signer's member
 * index (LE16) and the signature. */
#define COMMITTEE_ENTRY_BYTES (2 + SIG_BYTES)
#define COMMITTEE_ATTESTATION_BYTES(k) (32 + (size_t)(k) * COMMITTEE_ENTRY_BYTES)
void committee_start(struct rollup *ru);
/* The committee's attestation of batch b: k members' real signatures over the hash of
 * its data, checked as the L1 contract checks them; fills the L1 transaction's calldata
 * (hash, then the signatures) into out (cap bytes) and returns its length. Marks the
 * rollup frozen when only withholding members signed. */
size_t committee_attest(struct rollup *ru, struct ru_batch *b, const uint8_t *data,
                        size_t len, uint8_t *out, size_t cap);
/* The L1 contract's check of an attestation of batch `index` from its calldata alone:
 * at least threshold distinct members' valid signatures over (chain id, index, hash).
 * O(signatures) verifications. */
bool committee_verify(const struct rollup *ru, uint64_t index, const uint8_t *calldata,
                      size_t len);
void committee_free(struct rollup *ru);
validium_withhold_fn committee_withhold;
validium_frozen_fn committee_frozen;

/* prover.c */
void prover_on_batch(struct rollup *ru, struct ru_batch *b);
void prover_finish(struct rollup *ru);
prover_falsify_fn prover_falsify;
prover_rejected_fn prover_rejected;
void prover_free(struct rollup *ru);

#endif

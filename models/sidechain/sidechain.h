/* sidechain.h — the `sidechain` scheme (scheme_sidechain.c): a chain of its own whose
 * validators run the Tendermint core of bft.c on the scheduler, with its own block
 * time and EIP-1559 fee market, and a bridge (bridge.c) on L1 that locks deposits,
 * stores checkpoints of the block hashes and releases withdrawals signed by more than
 * 2/3 of the stake. Declarations shared by the scheme's files and the adversaries
 * acting inside it (sidechain_adversaries.c) through its hooks. */
#ifndef L2SIM_SIDECHAIN_H
#define L2SIM_SIDECHAIN_H

#include "models/model.h"
#include "models/sidechain/bridge.h"

extern const struct scheme_ops scheme_sidechain_ops;
extern const struct adversary_ops validator_outage_ops;
extern const struct adversary_ops equivocation_ops;
extern const struct adversary_ops bridge_takeover_ops;
extern const struct adversary_ops validator_outage_ops;
extern const struct adversary_ops equivocation_ops;
extern const struct adversary_ops bridge_takeover_ops;

/* Key kinds for sig_keypair_derive: a user's sidechain account key and a validator's
 * consensus key ("SCUS", "SCVL"). */
#define SIDECHAIN_USER_KEY_KIND      0x53435553u
#define SIDECHAIN_VALIDATOR_KEY_KIND 0x5343564cu

/* ---- hooks (SCHEME_HOOK) ---- */

/* "validators.offline": validator v stops receiving, sending and timing from `from`
 * until `until` (INT64_MAX: for good); when it returns it syncs to the chain. */
typedef void sidechain_offline_fn(struct scheme *sc, uint32_t v, sim_time from, sim_time until);
/* "validators.equivocate": validator v, from `from` on, sends conflicting proposals
 * and votes (a second block to every other validator, votes for it signed too). */
typedef void sidechain_equivocate_fn(struct scheme *sc, uint32_t v, sim_time from);
/* "validators.count": the size of the validator set and each one's voting power. */
typedef size_t sidechain_validators_fn(struct scheme *sc, const uint64_t **power /* OUT */);
/* "bridge.forge": validators `signers` (n of them) sign a withdrawal of `amount` wei to
 * L1 account `recipient` that was never burned, and the adversary submits it to the
 * bridge contract on L1 (origin L1_ORIGIN_ADVERSARY(adv_index), kind "withdrawal",
 * gas as an honest one). `done` hears the contract's verdict at inclusion with what
 * it cost; ctx is borrowed until then. */
typedef void sidechain_forge_done_fn(void *ctx, enum bridge_verdict v, u128 released,
                                     u128 l1_fee, uint64_t signed_power, sim_time at);
typedef void sidechain_forge_fn(struct scheme *sc, size_t adv_index, const uint32_t *signers,
                                size_t n, uint64_t recipient, u128 amount,
                                sidechain_forge_done_fn *done, void *ctx);
/* "bridge.escrow": what the L1 escrow holds now, wei. */
typedef u128 sidechain_escrow_fn(struct scheme *sc);
/* "chain.stats": what the chain did in the window [from, until). */
struct sidechain_stats {
    uint64_t blocks_in_window;      /* commits in the window */
    sim_time longest_gap_in_window; /* longest time without a commit, within the window */
    sim_time resumed;               /* first commit at or after `until`; -1: none */
    uint64_t equivocations;         /* conflicting messages sent, whole run */
    sim_time first_equivocation;    /* -1: none */
    uint64_t conflicts;             /* decisions differing from the committed block */
};
typedef void sidechain_stats_fn(struct scheme *sc, sim_time from, sim_time until,
                                struct sidechain_stats *out /* OUT */);

/* ---- the scheme's declarations (sidechain_decl.c) ---- */
extern const struct store_sql sidechain_sql;
extern const struct scheme_report sidechain_report;
void sidechain_metrics(const struct metrics_scope *m);
void sidechain_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                        struct scheme_estimate *out);

#endif

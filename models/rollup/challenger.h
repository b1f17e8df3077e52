/* challenger.h — an optimistic rollup's honest challengers and the fault dispute
 * games they open (dispute.h). A replica re-executes every L2 block as the sequencer
 * sealed it and checks it against each batch the L1 includes; each state root claim
 * is checked as the L1 includes it, and a wrong one is disputed by the first
 * challenger online, the claimant playing its own view of the trace. The game runs
 * from the latest claim the replica verified (its root both sides accept) to the
 * disputed claim's block: one claim's range, as an Arbitrum assertion is challenged
 * from its predecessor (the OP Stack starts from its anchor state registry instead).
 *
 * The optimistic_rollup scheme owns one `struct challengers`; its parameters are
 * CHALLENGER_PARAMS rows of the scheme; an adversary reaches it through the scheme's
 * hook "dispute.challengers" to forge a claim (challengers_forge). */
#ifndef L2SIM_ROLLUP_CHALLENGER_H
#define L2SIM_ROLLUP_CHALLENGER_H

#include "models/rollup/dispute_trace.h"
#include "models/rollup/rollup.h"

/* What the challengers need of the scheme: its hooks (rollup.h). */
struct challengers_deps {
    rollup_subscribe_fn *subscribe;
    rollup_genesis_fn   *genesis;
    oru_resolve_fn      *resolve;      /* the game's verdict on a claim */
    struct bond_book    *bonds;        /* the scheme's bond money: the challengers'
                                          purses are opened in it, the games' bonds held */
};

/* The scheme parameters (rows of its scn_param table; T is its type as a string
 * literal). The clocks, depth and bonds default to the OP Stack's
 * (dispute_rules_op_stack). */
#define CHALLENGER_PARAMS(T) \
    { "schemes[" T "].challengers", SCN_UINT, "1", "0", "1000", NULL, 0, \
      "honest challengers re-executing every block and disputing a wrong state root claim" }, \
    { "schemes[" T "].challenger_online", SCN_FRACTION, "100%", "0", "1", NULL, 0, \
      "probability a challenger is online for a claim (one draw per challenger and claim)" }, \
    { "schemes[" T "].challenger_recheck", SCN_DURATION, "1h", "1s", NULL, NULL, 0, \
      "a wrong claim nobody was online for: every challenger looks again this often while " \
      "a first move could still land" }, \
    { "schemes[" T "].challenger_response", SCN_DURATION, "12s", "0s", NULL, NULL, 0, \
      "from seeing a claim or the claimant's move on L1 to sending the answer" }, \
    { "schemes[" T "].challenger_tip", SCN_AMOUNT, "2gwei", "0wei", NULL, NULL, 0, \
      "priority fee per gas of a challenger's moves (max fee: twice the base fee + tip)" }, \
    { "schemes[" T "].challenger_fee_share", SCN_FRACTION, "10%", "0", "1", NULL, 0, \
      "share of the value at stake (what the false root would let its claimant take, plus " \
      "the root bond) a challenger will spend on a game's fees: its max fee per gas is " \
      "that over the gas of every move of the game" }, \
    { "schemes[" T "].challenger_funds", SCN_AMOUNT, "1000eth", "0wei", NULL, NULL, 0, \
      "each challenger's money for the bonds of its moves (bond_accounts): a move whose " \
      "bond it cannot cover is not sent, and its clock runs on" }, \
    { "schemes[" T "].challenger_max_fee", SCN_AMOUNT, NULL, "1wei", NULL, NULL, SCN_OPTIONAL, \
      "a fixed cap on what a challenger's move pays per gas instead (bumped 13% a block up " \
      "to the cap while it waits)" }, \
    { "schemes[" T "].dispute_max_clock", SCN_DURATION, "84h", "1s", NULL, NULL, 0, \
      "MAX_CLOCK_DURATION of each side's chess clock (OP Stack: 302400 s = 3.5 d)" }, \
    { "schemes[" T "].dispute_clock_extension", SCN_DURATION, "3h", "0s", NULL, NULL, 0, \
      "CLOCK_EXTENSION: a side left with less when the opponent moves gets this (OP Stack: 3 h)" }, \
    { "schemes[" T "].dispute_max_depth", SCN_UINT, "73", "1", "73", NULL, 0, \
      "MAX_GAME_DEPTH: a claim's range may hold at most 2^this steps (OP Stack: 73)" }, \
    { "schemes[" T "].dispute_bond_gas", SCN_GAS, "400000", "0", NULL, NULL, 0, \
      "bond of a depth-0 claim in gas (OP Stack bond-incentives.md: 400,000)" }, \
    { "schemes[" T "].dispute_bond_growth_ppm", SCN_UINT, "1094930", "1000000", "10000000", NULL, 0, \
      "bond growth per depth in parts per million (OP Stack: x1.09493)" }, \
    { "schemes[" T "].dispute_bond_gas_price", SCN_AMOUNT, "200gwei", "0wei", NULL, NULL, 0, \
      "gas price the bonds are priced at (OP Stack: an assumed 200 gwei)" }, \
    { "schemes[" T "].dispute_winner_share", SCN_FRACTION, "100%", "0", "1", NULL, 0, \
      "share of the loser's slashed bonds paid to the winner; the rest is burned (OP Stack: all)" }, \
    { "schemes[" T "].dispute_move_gas", SCN_GAS, "150000", "0", NULL, NULL, 0, \
      "execution gas of a dispute move (the L1 adds calldata; ~200,000 in all, bond-incentives.md)" }, \
    { "schemes[" T "].dispute_step_gas", SCN_GAS, "400000", "0", NULL, NULL, 0, \
      "execution gas of the one-step proof's check on L1 (modeled)" }

struct challengers;

/* Read the parameters of scheme sc and subscribe to its blocks, batches and claims.
 * NULL and L2_EINPUT with a message on a bad combination. Call after the scheme's
 * own state exists (the genesis hook is called here). */
struct challengers *challengers_new(struct scheme *sc, const struct challengers_deps *deps,
                                    struct err *e);
void challengers_finish(struct challengers *ch);   /* rows of the games still open */
void challengers_free(struct challengers *ch);     /* NULL: no-op */
/* What the challengers' moves paid the L1 (they send from the scheme's origin: add it
 * to the scheme's receipts). O(1). */
u128 challengers_paid(const struct challengers *ch);
/* What the games' moves sent from origin paid (an adversary's books). O(origins). */
u128 challengers_paid_by(const struct challengers *ch, uint32_t origin);
/* Whether claim `index` is in a game now (its window must wait for the verdict). */
bool challengers_disputing(const struct challengers *ch, uint64_t index);

/* The steps from the verified state to the end of block last_block: the length of
 * the range a claim after that block would be disputed over (0 when it is not past
 * the verified state or not sealed). O(blocks). */
size_t challengers_range_steps(const struct challengers *ch, uint64_t last_block);
/* The game over claim `claim`, as it stands: false when there is none. */
bool challengers_game(const struct challengers *ch, uint64_t claim,
                      struct dispute_result *out /* OUT */);

/* ---- a fraudulent claimant (an adversary through "dispute.challengers") ---- */
struct challengers_claimant {
    const char          *party;      /* its name in the game's rows */
    uint64_t             sender;
    uint32_t             origin;     /* L1_ORIGIN_ADVERSARY(i) */
    struct l1_fee_policy fee;
    sim_time             response;
    struct bond_purse   *purse;      /* its bond money (challengers_purse) */
    dispute_tamper_fn   *tamper;     /* how its state departs from the true one */
    void                *tamper_ctx;
    /* the game over its claim ended (an event of its own); may be NULL */
    void (*resolved)(void *ctx, uint64_t claim, const struct dispute_result *r);
    void                *ctx;        /* all borrowed for the run */
};

/* A purse for a claimant's bonds, funded with `funds`, in the scheme's bond book (one
 * bond_accounts row). O(1). */
struct bond_purse *challengers_purse(struct challengers *ch, const char *owner, u128 funds);

/* The root after block last_block in the claimant's view: the replica's verified
 * state replayed to last_block with c's tamper. The view is kept: if a claim of this
 * root after this block is disputed, the claimant plays it. 0, or -1 when last_block
 * is not sealed or not past the verified state. O(accounts + steps). */
int challengers_forge(struct challengers *ch, uint64_t last_block,
                      const struct challengers_claimant *c,
                      uint8_t root[MERKLE_HASH_BYTES] /* OUT */);

/* The adversary "invalid_state_root" (invalid_root.c). */
extern const struct adversary_ops invalid_state_root_ops;

/* The hook "dispute.challengers" of the scheme: its challengers. */
typedef struct challengers *oru_challengers_fn(struct scheme *sc);

#endif

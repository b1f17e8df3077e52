/* dispute.h — the interactive fault dispute game of an optimistic rollup, played on
 * the L1 move by move. A defender has claimed the state root after n steps of
 * execution (a proposal); a challenger disputes it. The two bisect the execution
 * trace (the state root after each step) with alternating claims, each an L1
 * transaction of kind "dispute_move" that pays the market price and lands only when a
 * block includes it; the game ends in a one-step proof, an L1 transaction of kind
 * "proof", that the L1 checks by running the disputed step (struct dispute_vm), or
 * when the side to move lets its chess clock run out. Each claim's bond is money
 * (bonds.h): reserved from its side's purse when the move is sent, held by the
 * contract once included; the loser's bonds are slashed, a share paid into the
 * winner's purse, the rest burned, and the winner's bonds come back.
 *
 * The shape is the OP Stack fault dispute game (FDG) with one line of play
 * (specs/fault-proof/stage-one/fault-dispute-game.md, bond-incentives.md): every move
 * counters the previous claim, attacking it (the mover disagrees with its root: the
 * next claim goes to the left half) or defending (it agrees: the right half); the
 * clock of a side runs from the inclusion of the opponent's claim to the inclusion of
 * its own counter, by block timestamps; a side whose remaining clock is below
 * CLOCK_EXTENSION when the opponent moves gets exactly CLOCK_EXTENSION; bonds grow
 * with depth. Differences from the FDG, deliberate: the game's depth is ceil(log2 n)
 * for a trace of n steps, not a fixed MAX_GAME_DEPTH over a padded trace (a trace
 * longer than 2^max_game_depth cannot be disputed: refused), and there is no split
 * between output-root and instruction bisection (a step is one transaction).
 *
 * The game knows nothing of the scheme's state: each side is a struct dispute_player
 * (its view of the trace, its L1 account and fee policy), the step's rules are a
 * struct dispute_vm. dispute_trace.h makes both from a list of rollup transfers. */
#ifndef L2SIM_ROLLUP_DISPUTE_H
#define L2SIM_ROLLUP_DISPUTE_H

#include "models/l1/l1.h"
#include "models/rollup/bonds.h"
#include "models/rollup/one_step.h"

/* The game contract's constants. */
struct dispute_rules {
    sim_time max_clock_duration;  /* the most a side's clock may accumulate */
    sim_time clock_extension;     /* a side left with less gets exactly this */
    unsigned max_game_depth;      /* deepest claim: traces up to 2^this steps */
    uint64_t bond_base_gas;       /* bond at depth 0, in gas */
    uint32_t bond_growth_ppm;     /* x per depth, parts per million (1094930 = x1.09493) */
    uint64_t bond_gas_price;      /* wei per gas the bond is priced at */
    uint32_t winner_share_pct;    /* of a slashed bond to the winner; the rest burned */
    uint64_t move_exec_gas;       /* execution gas of a move (the L1 adds calldata) */
    uint64_t step_exec_gas;       /* execution gas of the one-step proof's check */
};

/* The OP Stack's values: MAX_CLOCK_DURATION 302400 s (3.5 d), CLOCK_EXTENSION 10800 s
 * (3 h), MAX_GAME_DEPTH 73 (the mainnet deploy configuration: faultGameMaxClockDuration,
 * faultGameClockExtension, faultGameMaxDepth); bonds 400,000 gas x 1.09493^depth at an
 * assumed 200 gwei (bond-incentives.md, "Bond Scaling", "Required Bond Formula"); the
 * countered claim's whole bond to its counterer (ibid., "Subgame Resolution"); a move
 * ~200,000 gas (ibid.: the depth-0 bond of 400,000 gas is "approximately double the
 * cost to respond at the top level"), of which 150,000 is execution here; a step
 * 400,000 gas of execution (our one-step: ~3 x 2 x depth SHA-256 calls and a
 * signature check, modeled, not metered). */
void dispute_rules_op_stack(struct dispute_rules *r /* OUT */);

/* The bond of a claim at depth d: bond_base_gas x (bond_growth_ppm / 10^6)^d, each
 * factor rounded down in integer gas, x bond_gas_price. Exact and deterministic. */
u128 dispute_bond(const struct dispute_rules *r, unsigned depth);

/* The two sides. */
enum dispute_side { DISPUTE_DEFENDER = 0, DISPUTE_CHALLENGER = 1 };

/* One side of a game: who it is on L1, how it bids, how fast it answers, and its view
 * of the trace. It plays honestly to its own view: it counters every claim that
 * disagrees with it and makes the one-step proof only when its own run of the VM says
 * the proof wins (a claimant who knows its trace is false therefore never proves: it
 * runs out its clock). All borrowed for the game's life. */
struct dispute_player {
    const char *party;            /* its name in dispute_moves.party ("challenger 1") */
    uint64_t    sender;           /* L1 account (l1_account()) */
    uint32_t    origin;           /* L1_ORIGIN_SCHEME(i) or L1_ORIGIN_ADVERSARY(i) */
    enum l1_payer payer;          /* l1_txs.payer of its moves (AUTO: the proposer is the
                                     operator, an adversary's origin the adversary) */
    struct l1_fee_policy fee;     /* how its moves bid */
    sim_time    response;         /* from the opponent's inclusion to sending its move */
    struct bond_purse *purse;     /* its bond money: a move whose bond it cannot reserve
                                     is not sent (a row 'unfunded'), and its clock runs */
    /* The root after step i, 0 <= i <= n, as this side sees it. */
    void     (*root_at)(void *ctx, uint64_t i, uint8_t root[MERKLE_HASH_BYTES] /* OUT */);
    /* The proof of step k as L1 calldata (malloc'd, *len bytes), or NULL. */
    uint8_t *(*prove)(void *ctx, uint64_t k, size_t *len /* OUT */);
    void       *ctx;
};

/* The rules of the disputed step, as the L1 contract runs them (the FDG's VM): from
 * the agreed root before step k, the root claimed after it and the proof bytes. */
struct dispute_vm {
    enum one_step_outcome (*judge)(void *ctx, uint64_t k,
                                   const uint8_t pre[MERKLE_HASH_BYTES],
                                   const uint8_t claimed_post[MERKLE_HASH_BYTES],
                                   const uint8_t *proof, size_t len);
    void *ctx;
};

/* How a game ended, handed to the opener (or how it stands: dispute_now). */
struct dispute_result {
    uint64_t          dispute_id;
    uint64_t          proposal;
    bool              over;          /* resolved: the fields below hold */
    enum dispute_side winner;
    bool              by_step;       /* the one-step proof decided it; else a clock */
    uint64_t          step;          /* the step the bisection isolated (by_step) */
    sim_time          resolved;      /* block time of the deciding block (or the clock's end) */
    unsigned          moves;         /* included moves, the step included */
    u128              slashed;       /* the loser's bonds, root bond included */
    u128              to_winner;     /* of which the winner's share, claim by claim */
    sim_time          countered;     /* block time of the challenger's first move; -1 */
    u128              fees[2];       /* what each side's moves paid the L1 */
    u128              bonds[2];      /* what each side posted, root bond included */
};

/* One game to open. The root claim is the defender's root after step n, posted in
 * the L1 transaction root_tx, included at block time t0: the challenger's clock runs
 * from t0. The trace starts from the contract's anchor root. */
struct dispute_spec {
    uint64_t  proposal;           /* the scheme's id of the root claim, for the rows */
    l1_tx_id  root_tx;            /* its L1 transaction (0: none) */
    sim_time  t0;                 /* its inclusion's block time */
    uint64_t  n;                  /* steps in the disputed trace, >= 1 */
    uint8_t   anchor[MERKLE_HASH_BYTES];   /* the root before step 0, which the contract
                                   * holds (the last root that stands): the pre-state
                                   * of a step at 0, whatever either side says */
    u128      root_bond;          /* the defender's bond on the root claim, held by the
                                   * bond book (the scheme posted it when the claim was
                                   * included): slashed to the winner if the root falls,
                                   * else the scheme's to return when the claim is final */
    u128      value_at_stake;     /* what the root would let its claimant take */
    struct dispute_vm     vm;
    struct dispute_player side[2];   /* [DISPUTE_DEFENDER], [DISPUTE_CHALLENGER] */
    void (*resolved)(void *ctx, const struct dispute_result *r);   /* an event of its own */
    void  *ctx;
};

/* ---- a scheme's games: bonds, rows, what its moves paid ---- */
struct dispute_book;
struct dispute;

/* The games of scheme sc, under rules r (copied), their bonds held in `bonds`
 * (borrowed: the scheme's, with the players' purses). Its rows go to the tables of
 * DISPUTE_SQL_TABLES, which the scheme declares in its store_sql. Caller frees. */
struct dispute_book *dispute_book_new(struct scheme *sc, const struct dispute_rules *r,
                                      struct bond_book *bonds);
/* The run reached its end: a row for each game still open, the moves in flight. */
void dispute_book_finish(struct dispute_book *b);
/* Free the book and its games. NULL is a no-op. */
void dispute_book_free(struct dispute_book *b);
const struct dispute_rules *dispute_book_rules(const struct dispute_book *b);

/* What the L1 charged the book's moves and proofs sent from origin, receipts summed:
 * the scheme or adversary of that origin adds it to its own books. O(origins). */
u128 dispute_book_paid(const struct dispute_book *b, uint32_t origin);

/* Open a game: the challenger's first move (countering the root claim) is sent now.
 * NULL (nothing happens) when n is 0 or longer than 2^max_game_depth, when the
 * challenger's clock has already run out (now past t0 + max_clock_duration), or when
 * its view does not start from the anchor. */
struct dispute *dispute_open(struct dispute_book *b, const struct dispute_spec *spec);

bool     dispute_resolved(const struct dispute *d);
/* The game as it stands (the result once resolved). O(1). */
void     dispute_now(const struct dispute *d, struct dispute_result *out /* OUT */);
uint64_t dispute_id(const struct dispute *d);

/* The tables (a scheme appends them to its store_sql.tables): disputes, one row per
 * game, and dispute_moves, one row per move. README documents every column. */
#define DISPUTE_SQL_TABLES \
    "CREATE TABLE IF NOT EXISTS disputes (" \
    " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, dispute_id INTEGER NOT NULL," \
    " proposal INTEGER NOT NULL, defender TEXT NOT NULL, challenger TEXT NOT NULL," \
    " trace_steps INTEGER NOT NULL, game_depth INTEGER NOT NULL, opened_us INTEGER NOT NULL," \
    " resolved_us INTEGER, outcome TEXT NOT NULL, winner TEXT, decided_by TEXT, step INTEGER," \
    " moves INTEGER NOT NULL," \
    " root_bond_wei TEXT NOT NULL," \
    " root_bond_eth REAL GENERATED ALWAYS AS (CAST(root_bond_wei AS REAL) / 1e18) VIRTUAL," \
    " defender_bonds_wei TEXT NOT NULL," \
    " defender_bonds_eth REAL GENERATED ALWAYS AS (CAST(defender_bonds_wei AS REAL) / 1e18) VIRTUAL," \
    " challenger_bonds_wei TEXT NOT NULL," \
    " challenger_bonds_eth REAL GENERATED ALWAYS AS (CAST(challenger_bonds_wei AS REAL) / 1e18) VIRTUAL," \
    " slashed_wei TEXT NOT NULL," \
    " slashed_eth REAL GENERATED ALWAYS AS (CAST(slashed_wei AS REAL) / 1e18) VIRTUAL," \
    " to_winner_wei TEXT NOT NULL," \
    " to_winner_eth REAL GENERATED ALWAYS AS (CAST(to_winner_wei AS REAL) / 1e18) VIRTUAL," \
    " burned_wei TEXT NOT NULL," \
    " burned_eth REAL GENERATED ALWAYS AS (CAST(burned_wei AS REAL) / 1e18) VIRTUAL," \
    " value_at_stake_wei TEXT NOT NULL," \
    " value_at_stake_eth REAL GENERATED ALWAYS AS (CAST(value_at_stake_wei AS REAL) / 1e18) VIRTUAL," \
    " defender_fees_wei TEXT NOT NULL," \
    " defender_fees_eth REAL GENERATED ALWAYS AS (CAST(defender_fees_wei AS REAL) / 1e18) VIRTUAL," \
    " challenger_fees_wei TEXT NOT NULL," \
    " challenger_fees_eth REAL GENERATED ALWAYS AS (CAST(challenger_fees_wei AS REAL) / 1e18) VIRTUAL," \
    " PRIMARY KEY (run_id, scheme, dispute_id));" \
    "CREATE TABLE IF NOT EXISTS dispute_moves (" \
    " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, dispute_id INTEGER NOT NULL," \
    " move INTEGER NOT NULL, who TEXT NOT NULL, party TEXT NOT NULL, kind TEXT NOT NULL," \
    " depth INTEGER NOT NULL, trace_index INTEGER NOT NULL, range_lo INTEGER NOT NULL," \
    " range_hi INTEGER NOT NULL, sent_us INTEGER NOT NULL, included_us INTEGER," \
    " deadline_us INTEGER NOT NULL, clock_left_us INTEGER NOT NULL, l1_tx_id INTEGER," \
    " status TEXT NOT NULL," \
    " bond_wei TEXT NOT NULL," \
    " bond_eth REAL GENERATED ALWAYS AS (CAST(bond_wei AS REAL) / 1e18) VIRTUAL," \
    " PRIMARY KEY (run_id, scheme, dispute_id, move));"

#endif

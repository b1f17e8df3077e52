/* costs.h — what a transfer costs, defined once for every scheme: what its users pay
 * (their fees to the scheme plus their own L1 transactions), what its operator spends
 * (its L1 transactions plus modeled off-chain costs such as a prover), and the all-in
 * cost (everything spent on the L1 for the scheme plus those off-chain costs), each
 * per included transfer and as a ratio to the L1 baseline's. metrics.c calls
 * costs_metrics for every scheme; README "What a transfer costs" has the definitions
 * with a worked example. */
#ifndef L2SIM_COSTS_H
#define L2SIM_COSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct metrics_scope;

/* What a scheme type declares so its money is counted right (scheme_ops.costs; NULL:
 * every txs fee is paid to the scheme, no off-chain costs). */
struct scheme_costs {
    /* txs.l1_fee is the fee of an L1 transaction the user sent itself (the L1
     * baseline's transfer; the channel open a payment waited for): already one of the
     * users' l1_txs rows, so not a fee paid to the scheme, and counted once. */
    bool        txs_l1_fee_is_own_tx;
    /* SQL over the scheme's own tables: one row (time_us, cost_eth) per modeled
     * off-chain cost the operator bears (a prover's), ?1 = run_id, ?2 = scheme.
     * NULL: none. */
    const char *offchain_sql;
    /* SQL: one row (n, what): the L1 transactions the scheme still owes its users when
     * the run ends (withdrawals waiting out a challenge window, exits not processed,
     * channels not closed), which the costs above cannot count yet; `what` names them
     * in plain words ("withdrawal payouts (challenge window)"). ?1 = run_id, ?2 = scheme.
     * NULL: none. */
    const char *owed_sql;
};

/* What scheme (of type) still owes on the L1 at the end of run_id (its owed_sql): the
 * count, and its words into what. 0 when nothing or undeclared. Reads only. */
struct sqlite3;
long costs_owed(struct sqlite3 *db, int64_t run_id, const char *scheme, const char *type,
                char *what, size_t len);

/* The cost statistics of one scheme (m), for the whole run and each phase, into
 * metrics (names in README "What a transfer costs"): totals users_fees_eth,
 * users_l1_eth, operator_l1_eth, challengers_l1_eth, offchain_eth; per included
 * transfer user_cost_per_transfer_eth, operator_cost_per_transfer_eth,
 * all_in_cost_per_transfer_eth; and, when the run has an L1 baseline, each divided by
 * the baseline's all-in cost per transfer (*_ratio_to_l1), the users' fees per
 * transfer too (users_fees_ratio_to_l1: the old fee-only comparison). Transfers and their fees
 * count in the phase they were submitted in, L1 transactions in the one they were sent
 * in (submit_us: a batch follows its transfers within minutes; a fee is paid at
 * inclusion, but a 5-minute attack window would otherwise hold transfers and no fee),
 * off-chain costs at their time. Who paid an L1 transaction is view
 * l1_spend's payer. O(the scheme's and the baseline's txs and l1_txs rows). */
void costs_metrics(const struct metrics_scope *m);

#endif

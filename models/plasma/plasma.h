/* plasma.h — the scheme `plasma` (Plasma MVP: an operator's UTXO chain whose block
 * roots are committed to the L1 contract of contract.h) as the registry and the
 * adversaries see it: its scheme_ops, the adversary types that act through its hooks,
 * and the hook types. Declarations private to models/plasma/ sit below them. */
#ifndef L2SIM_PLASMA_H
#define L2SIM_PLASMA_H

#include "models/model.h"

extern const struct scheme_ops scheme_plasma_ops;
extern const struct adversary_ops plasma_invalid_tx_ops;
extern const struct adversary_ops plasma_withhold_ops;
extern const struct adversary_ops plasma_spent_exit_ops;

/* What one attack on the scheme did, filled in by the scheme as it unfolds and
 * recorded by the adversary (its attacks row) at the end. Owned by the adversary. */
struct plasma_attack {
    const char *type;
    sim_time    start;
    bool        acted;            /* the scheme found something to attack */
    u128        value_at_risk, value_lost, cost;
    bool        detected;
    sim_time    detect, resolved; /* -1 until known */
    char        detail[240];
};

/* operator.include_invalid: the operator puts in its open block a transaction that
 * spends a user's coin (the largest one whose data users hold) to itself, signed with
 * its own key instead of the owner's, then exits the stolen output once the block's
 * root is on L1. */
typedef void plasma_include_invalid_fn(struct scheme *sc, struct plasma_attack *a);
/* operator.withhold: the operator seals its open block with a transaction creating
 * `claim` wei for itself out of nowhere (0: all the contract holds beyond bonds),
 * commits its root but publishes no data, stops producing blocks and exits the
 * created output: users must exit everything they hold before that exit matures. */
typedef void plasma_withhold_fn(struct scheme *sc, struct plasma_attack *a, u128 claim);
/* user.exit_spent: a user starts an exit of a coin it has already spent (the largest
 * such coin whose spend is committed on L1). */
typedef void plasma_exit_spent_fn(struct scheme *sc, struct plasma_attack *a);

/* ---- private to models/plasma/ ---- */
struct run_estimate;
extern const struct store_sql plasma_sql;
extern const struct scheme_report plasma_report;
extern const struct scheme_costs plasma_costs;      /* plasma_decl.c */
void plasma_metrics(const struct metrics_scope *m);
void plasma_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                     struct scheme_estimate *out);

#endif

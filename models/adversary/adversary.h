/* adversary.h — attack strategies plug in like schemes: an adversary_ops with its own
 * parameter rows ("adversaries[TYPE].key"), created in every world after the L1 and
 * the schemes, and recording one row in the attacks table at the end. */
#ifndef L2SIM_ADVERSARY_H
#define L2SIM_ADVERSARY_H

#include "models/model.h"

/* What one attack attempt cost and did: one row of the attacks table. Amounts in wei;
 * times in simulated microseconds (-1 when not applicable). */
struct attack_row {
    uint32_t    attack_id;          /* 1, 2, ...: the adversary's attempts in its world */
    const char *type, *target;
    sim_time    start, end;
    u128        cost;               /* what the attacker paid */
    u128        value_at_risk, value_lost;
    bool        detected;
    sim_time    detect, resolved;   /* -1 if never */
    uint64_t    blocks_affected, txs_affected;
    sim_time    delay_us;           /* delay imposed on victims, summed */
    const char *detail;             /* one sentence */
};
void adversary_record(struct adversary *a, const struct attack_row *r);

extern const struct adversary_ops block_stuffing_ops;
extern const struct adversary_ops censorship_ops;

#endif

/* scheme_l1_decl.c — what the L1 baseline (scheme_l1.c) declares beside its protocol
 * code: its rows in the report, and its share of a run's size. It owns no tables:
 * its transfers are txs rows and its transactions the L1's own. */
#include "models/l1/scheme_l1.h"

#include "analysis/costs.h"
#include "analysis/figure.h"
#include "models/l1/fee_market.h"
#include "models/run/estimate.h"

/* The report's "schemes of type l1" table: throughput, what left the pool, and the
 * prices and waits the baseline's users met. */
static const struct summary_row rows[] = {
    { "final transfers per second", "throughput_tps", 1, 3, "/s" },
    { "transfers dropped (left the pool)", "dropped", 1, 0, "" },
    { "transfers refused (the user could not pay)", "failed", 1, 0, "" },
    { "L1 base fee, mean over the run", "l1_base_fee_mean_wei", 1e-9, 2, "gwei" },
    { "L1 base fee, 95th percentile", "l1_base_fee_p95_wei", 1e-9, 2, "gwei" },
    { "L1 base fee, highest", "l1_base_fee_max_wei", 1e-9, 2, "gwei" },
    { "longest wait for inclusion", "inclusion_max_s", 1, 0, "s" },
};

const struct scheme_report scheme_l1_report = {
    .rows = rows, .nrows = ARRAY_LEN(rows),
};

/* Each transfer is the user's own L1 transaction: its txs fee is that transaction's,
 * counted once among the users' L1 spend (analysis/costs.h). */
const struct scheme_costs scheme_l1_costs = { .txs_l1_fee_is_own_tx = true };

/* Measured with `./l2sim run` on the reference machine (x86-64, 2 cores; see
 * models/run/estimate.c for the method):
 * - a transaction awaiting finality (its mp_tx, the pending record, the event slot
 *   and queue entry): 50/s over 2d with l1.finality_depth 64 vs 1024, i.e. 576000
 *   more in flight, RSS 517596 vs 852684 KiB: 596 B each;
 * - wall time: 8.64M transfers (50/s, 2d) in 34.8 s = 4.0 us per transfer, database
 *   and metrics included. */
#define MEM_PER_INFLIGHT    600.0
#define WALL_PER_TRANSFER   4.0e-6
/* A plain transfer: the intrinsic gas with no calldata (Yellow Paper G_transaction). */
#define TRANSFER_GAS        ((double)fm_intrinsic_gas(0, 0))

void scheme_l1_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                        struct scheme_estimate *out)
{
    /* every transfer is one L1 transaction */
    out->l1_txs = run->transfers;
    out->l1_gas = TRANSFER_GAS;
    out->mem_per_l1_tx = MEM_PER_INFLIGHT;
    out->wall_s = WALL_PER_TRANSFER * run->transfers;
    out->wall_note = "4 us per transfer";
}

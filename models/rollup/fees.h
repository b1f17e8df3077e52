/* fees.h — what a rollup transfer is charged, as the OP Stack charges it: an L2
 * execution fee priced by the rollup's own EIP-1559 market (base fee per gas updated
 * each L2 block from the gas it used against its target), plus an L1 data fee computed
 * at acceptance from the transaction's estimated compressed size and the L1's current
 * base fee and blob base fee (the Fjord formula and its scalars). Pure arithmetic. */
#ifndef L2SIM_ROLLUP_FEES_H
#define L2SIM_ROLLUP_FEES_H

#include <stdint.h>
#include "sim/util.h"

struct l2_fee_params {
    uint64_t gas_limit;            /* L2 block gas limit */
    uint64_t elasticity;           /* gas target = gas_limit / elasticity */
    uint64_t denominator;          /* base fee change denominator */
    uint64_t min_base_fee;         /* the base fee never falls below it (wei per gas) */
    uint64_t base_fee_scalar;      /* Fjord l1BaseFeeScalar, scaled by 1e6 */
    uint64_t blob_fee_scalar;      /* Fjord l1BlobFeeScalar, scaled by 1e6 */
};

/* The next block's base fee after a block that used gas_used at base_fee (EIP-1559
 * §"Specification", integer arithmetic as go-ethereum's CalcBaseFee: an increase of at
 * least 1 wei above target). O(1). */
uint64_t l2_next_base_fee(const struct l2_fee_params *p, uint64_t base_fee, uint64_t gas_used);

/* OP Stack Fjord minimum estimated size of a transaction, bytes (minTransactionSize). */
#define FJORD_MIN_TX_SIZE 100u

/* The Fjord L1 data fee of a transaction whose compressed size is estimated at
 * size_scaled (bytes x 1e6), at L1 base fee l1_base_fee and blob base fee
 * l1_blob_base_fee:
 *   l1FeeScaled = baseFeeScalar x l1BaseFee x 16 + blobFeeScalar x blobBaseFee
 *   l1Fee = max(minTransactionSize x 1e6, size_scaled) x l1FeeScaled / 1e12
 * (OP Stack specs, Fjord "L1-Cost fees"). Saturates at 2^128-1. O(1). */
u128 fjord_l1_fee(const struct l2_fee_params *p, uint64_t size_scaled, uint64_t l1_base_fee,
                  u128 l1_blob_base_fee);

#endif

/* fee_market.h — the exact-integer fee arithmetic of Ethereum L1: EIP-1559 base fee,
 * EIP-4844 blob gas and blob base fee (with EIP-7918's reserve price), EIP-2028/7623
 * calldata gas, the fee split of an included transaction, and per-fork presets.
 * Pure functions of their arguments; no engine, no allocation. The L1 model calls it. */
#ifndef L2SIM_FEE_MARKET_H
#define L2SIM_FEE_MARKET_H

#include "sim/util.h"

/* ---- constants, named as in the EIPs ------------------------------------------ */

#define FM_ELASTICITY_MULTIPLIER           2             /* EIP-1559 */
#define FM_BASE_FEE_MAX_CHANGE_DENOMINATOR 8             /* EIP-1559 */
#define FM_INITIAL_BASE_FEE                1000000000    /* EIP-1559: 1 gwei */

#define FM_TX_BASE_COST                    21000         /* Yellow Paper G_transaction */
#define FM_TX_DATA_ZERO_COST               4             /* Yellow Paper G_txdatazero */
#define FM_TX_DATA_NONZERO_COST            16            /* EIP-2028 (was 68) */
#define FM_STANDARD_TOKEN_COST             4             /* EIP-7623 */
#define FM_TOTAL_COST_FLOOR_PER_TOKEN      10            /* EIP-7623 (final; drafts had 17, 12) */
#define FM_MAX_TX_GAS                      (UINT64_C(1) << 24) /* EIP-7825 TX_GAS_LIMIT_CAP: 16777216 */

#define FM_GAS_PER_BLOB                    (UINT64_C(1) << 17) /* EIP-4844: 131072 */
#define FM_MIN_BASE_FEE_PER_BLOB_GAS       1             /* EIP-4844 */
#define FM_BLOB_BASE_COST                  (UINT64_C(1) << 13) /* EIP-7918 (final, EIPs PR 9979) */

/* ---- EIP-1559 base fee ---------------------------------------------------------- */

/* The two knobs of EIP-1559. Ethereum: 2 and 8. Both must be > 0. */
struct fm_eip1559_params {
    uint64_t elasticity_multiplier;            /* gas_target = gas_limit / this */
    uint64_t base_fee_max_change_denominator;  /* max change per block = 1/this at 2x target */
};

/* Named parameter sets: "ethereum" (2, 8), "op-mainnet" (6, 50, OP Stack Bedrock),
 * "op-canyon" (6, 250, OP Stack from Canyon), "polygon-delhi" (2, 16),
 * "polygon-bhilai" (2, 64). Returns a static entry (borrowed) or NULL if unknown. */
const struct fm_eip1559_params *fm_eip1559_by_name(const char *name);

/* parent_gas_limit / elasticity_multiplier (integer division, as in EIP-1559). */
uint64_t fm_gas_target(const struct fm_eip1559_params *p, uint64_t gas_limit);

/* Base fee per gas (wei) of the block after `parent`, by EIP-1559's reference rule:
 * unchanged at target; above it up by max(base*(used-target)/target/denominator, 1);
 * below it down by base*(target-used)/target/denominator (never below zero).
 * Requires parent_gas_used <= parent_gas_limit and a non-zero target. Panics if the
 * result exceeds UINT64_MAX (~1.8e19 wei per gas, outside any meaningful run). O(1). */
uint64_t fm_next_base_fee(const struct fm_eip1559_params *p,
                          uint64_t parent_gas_limit,   /* gas */
                          uint64_t parent_gas_used,    /* gas */
                          uint64_t parent_base_fee);   /* wei per gas */

/* The same rule given the gas target directly, for chains whose target is not
 * limit/elasticity (Polygon PoS after Dandeli: 65% of the limit). target > 0. */
uint64_t fm_next_base_fee_at_target(uint64_t parent_gas_target,
                                    uint64_t parent_gas_used,
                                    uint64_t parent_base_fee,
                                    uint64_t base_fee_max_change_denominator);

/* ---- EIP-4844 blob gas ------------------------------------------------------------ */

/* factor * e^(numerator/denominator) by EIP-4844's integer Taylor series
 * (fake_exponential). Works in 128-bit integers: whenever it returns true, *out is
 * exactly the EIP's big-integer result. Returns false (and leaves *out alone) only
 * when an intermediate would exceed 2^128; with factor 1 (the blob base fee) that
 * never happens for denominator <= 2^30 and results below 2^64. denominator > 0.
 * Cost O(numerator/denominator + 128) iterations. */
bool fm_fake_exponential(uint64_t factor, uint64_t numerator, uint64_t denominator,
                         u128 *out /* OUT */);

/* get_base_fee_per_blob_gas (EIP-4844; the fraction comes from the fork's blob
 * schedule, EIP-7840): fake_exponential(MIN_BASE_FEE_PER_BLOB_GAS, excess_blob_gas,
 * update_fraction), wei per blob gas. Panics outside the exact range above. */
u128 fm_base_fee_per_blob_gas(uint64_t excess_blob_gas, uint64_t update_fraction);

/* One entry of the blob schedule (EIP-7840/7892). target <= max. */
struct fm_blob_params {
    uint32_t target;                     /* blobs per block the fee aims at */
    uint32_t max;                        /* blobs per block allowed */
    uint64_t base_fee_update_fraction;   /* denominator of fake_exponential */
};

/* target * GAS_PER_BLOB and max * GAS_PER_BLOB. */
uint64_t fm_target_blob_gas_per_block(const struct fm_blob_params *b);
uint64_t fm_max_blob_gas_per_block(const struct fm_blob_params *b);

/* calc_excess_blob_gas, Cancun/Prague form (EIP-4844):
 * max(parent_excess + parent_used - target_blob_gas, 0). */
uint64_t fm_excess_blob_gas(const struct fm_blob_params *b,
                            uint64_t parent_excess_blob_gas,
                            uint64_t parent_blob_gas_used);

/* calc_excess_blob_gas, Osaka form (EIP-7918): as above, except that when the
 * reserve price BLOB_BASE_COST * parent_base_fee_per_gas exceeds
 * GAS_PER_BLOB * base_fee_per_blob_gas(parent_excess), the target is not subtracted
 * and the excess grows by parent_used * (max - target) / max instead. `b` is the
 * schedule entry of the block being built (as go-ethereum does at a fork boundary). */
uint64_t fm_excess_blob_gas_eip7918(const struct fm_blob_params *b,
                                    uint64_t parent_excess_blob_gas,
                                    uint64_t parent_blob_gas_used,
                                    uint64_t parent_base_fee_per_gas);

/* ---- fork presets ----------------------------------------------------------------- */

struct fm_fork {
    const char              *name;        /* "london", "cancun", "prague", "osaka", "bpo1", "bpo2" */
    struct fm_eip1559_params eip1559;
    bool                     eip4844;     /* blobs exist */
    struct fm_blob_params    blob;        /* all zero when !eip4844 */
    bool                     eip7918;     /* blob reserve price in calc_excess_blob_gas */
    bool                     eip7623;     /* calldata floor */
    bool                     eip7825;     /* transaction gas limit cap, FM_MAX_TX_GAS */
    uint64_t                 gas_limit;   /* mainnet block gas limit when the fork activated */
};

/* Preset by name ("prague"), or by upgrade nickname ("dencun", "pectra", "fusaka").
 * Returns a static entry (borrowed) or NULL if unknown. */
const struct fm_fork *fm_fork_by_name(const char *name);

/* The i-th preset, oldest first; NULL past the end. For listing and suggestions. */
const struct fm_fork *fm_fork_at(size_t i);

/* The next excess_blob_gas under `f`'s rules (EIP-7918 form when f->eip7918).
 * f->eip4844 must be true. */
uint64_t fm_fork_excess_blob_gas(const struct fm_fork *f,
                                 uint64_t parent_excess_blob_gas,
                                 uint64_t parent_blob_gas_used,
                                 uint64_t parent_base_fee_per_gas);

/* ---- transaction gas ------------------------------------------------------------- */

/* Count zero and non-zero bytes of calldata. data may be NULL when len is 0. O(len). */
void fm_calldata_count(const uint8_t *data, size_t len,
                       uint64_t *zero_bytes /* OUT */, uint64_t *nonzero_bytes /* OUT */);

/* tokens_in_calldata = zero_bytes + 4 * nonzero_bytes (EIP-7623). */
uint64_t fm_calldata_tokens(uint64_t zero_bytes, uint64_t nonzero_bytes);

/* Intrinsic gas of a plain call: 21000 + 4 per zero byte + 16 per non-zero byte
 * (EIP-2028) = 21000 + STANDARD_TOKEN_COST * tokens. No access list, no creation. */
uint64_t fm_intrinsic_gas(uint64_t zero_bytes, uint64_t nonzero_bytes);

/* EIP-7623 floor: 21000 + TOTAL_COST_FLOOR_PER_TOKEN * tokens. Under EIP-7623 a
 * transaction's gas limit must be at least max(intrinsic, floor). */
uint64_t fm_floor_data_gas(uint64_t zero_bytes, uint64_t nonzero_bytes);

/* Gas a plain call is charged: standard = intrinsic + execution_gas; with EIP-7623
 * max(standard, floor). execution_gas is EVM gas after refunds. */
uint64_t fm_tx_gas_used(uint64_t zero_bytes, uint64_t nonzero_bytes,
                        uint64_t execution_gas, bool eip7623);

/* The same from the calldata bytes themselves. O(len). */
uint64_t fm_tx_gas_used_data(const uint8_t *data, size_t len,
                             uint64_t execution_gas, bool eip7623);

/* ---- fee split of an included transaction ----------------------------------------- */

/* Where the fee of one included transaction goes. Amounts in wei. */
struct fm_fee_split {
    uint64_t effective_priority_fee_per_gas; /* min(max_priority, max_fee - base_fee) */
    uint64_t effective_gas_price;            /* base_fee + effective priority fee */
    uint64_t blob_gas_used;                  /* blob_count * GAS_PER_BLOB */
    u128     base_fee_burned;                /* base_fee * gas_used */
    u128     priority_fee;                   /* to the proposer: effective tip * gas_used */
    u128     blob_fee_burned;                /* blob_gas_used * base_fee_per_blob_gas */
    u128     total;                          /* what the sender pays: the sum of the three */
};

/* Split the fee of a transaction included at `base_fee_per_gas` (EIP-1559, EIP-4844).
 * A legacy transaction passes its gas price as both maxima. Returns false (out
 * untouched) when it cannot be included: max_fee_per_gas < base_fee_per_gas or
 * max_priority_fee_per_gas > max_fee_per_gas. Whether max_fee_per_blob_gas covers the
 * blob base fee is the caller's check. O(1). */
bool fm_fee_split(uint64_t base_fee_per_gas,          /* of the including block */
                  uint64_t max_fee_per_gas,           /* tx field */
                  uint64_t max_priority_fee_per_gas,  /* tx field */
                  uint64_t gas_used,                  /* fm_tx_gas_used() */
                  uint32_t blob_count,                /* versioned hashes in the tx */
                  u128     base_fee_per_blob_gas,     /* of the including block */
                  struct fm_fee_split *out);          /* OUT */

#endif

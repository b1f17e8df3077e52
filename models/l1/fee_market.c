/* fee_market.c — exact-integer EIP-1559 / EIP-4844 / EIP-7918 / EIP-7623 arithmetic
 * and the fork presets. Every formula follows the EIP's reference pseudocode; the
 * comments name the EIP so a reader can check the two side by side. */
#include "models/l1/fee_market.h"

#include <string.h>

/* ---- checked 64-bit arithmetic: an overflow here is a bug or a nonsense input ---- */

static uint64_t add64(uint64_t a, uint64_t b, const char *what)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r))
        sim_panic("fee_market: %s overflows uint64 (%llu + %llu)", what,
                  (unsigned long long)a, (unsigned long long)b);
    return r;
}

static uint64_t mul64(uint64_t a, uint64_t b, const char *what)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        sim_panic("fee_market: %s overflows uint64 (%llu * %llu)", what,
                  (unsigned long long)a, (unsigned long long)b);
    return r;
}

/* ---- EIP-1559 --------------------------------------------------------------------- */

static const struct {
    const char              *name;
    struct fm_eip1559_params params;
} eip1559_presets[] = {
    /* EIP-1559: ELASTICITY_MULTIPLIER = 2, BASE_FEE_MAX_CHANGE_DENOMINATOR = 8 */
    { "ethereum",       { FM_ELASTICITY_MULTIPLIER, FM_BASE_FEE_MAX_CHANGE_DENOMINATOR } },
    /* OP Stack mainnet, Bedrock: elasticity 6, denominator 50 (op-alloy-genesis / kona
     * params.rs OP_MAINNET_EIP1559_DEFAULT_*; op-geth OptimismConfig{6, 50, 250}) */
    { "op-mainnet",     { 6, 50 } },
    /* OP Stack mainnet from Canyon: denominator 250 (same sources). Since Holocene a
     * chain operator may set both through SystemConfig. */
    { "op-canyon",      { 6, 250 } },
    /* Polygon PoS (bor params/protocol_params.go): BaseFeeChangeDenominatorPostDelhi */
    { "polygon-delhi",  { 2, 16 } },
    /* Polygon PoS: BaseFeeChangeDenominatorPostBhilai. From Dandeli the target is 65%
     * of the limit, not limit/elasticity: use fm_next_base_fee_at_target(). */
    { "polygon-bhilai", { 2, 64 } },
};

const struct fm_eip1559_params *fm_eip1559_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(eip1559_presets); i++)
        if (strcmp(eip1559_presets[i].name, name) == 0)
            return &eip1559_presets[i].params;
    return NULL;
}

uint64_t fm_gas_target(const struct fm_eip1559_params *p, uint64_t gas_limit)
{
    SIM_ASSERT(p && p->elasticity_multiplier > 0);
    return gas_limit / p->elasticity_multiplier;
}

uint64_t fm_next_base_fee_at_target(uint64_t parent_gas_target, uint64_t parent_gas_used,
                                    uint64_t parent_base_fee,
                                    uint64_t base_fee_max_change_denominator)
{
    SIM_ASSERT(parent_gas_target > 0);
    SIM_ASSERT(base_fee_max_change_denominator > 0);

    if (parent_gas_used == parent_gas_target)
        return parent_base_fee;

    if (parent_gas_used > parent_gas_target) {
        /* base_fee * delta fits: both < 2^64. Two floor divisions in a row equal one
         * by the product, so this is the EIP's `// target // DENOMINATOR`. */
        u128 delta = (u128)parent_base_fee * (parent_gas_used - parent_gas_target)
                     / parent_gas_target / base_fee_max_change_denominator;
        if (delta < 1)
            delta = 1;                                    /* EIP-1559: max(..., 1) */
        u128 next = (u128)parent_base_fee + delta;
        if (next > UINT64_MAX)
            sim_panic("fee_market: EIP-1559 base fee exceeds 2^64 wei per gas "
                      "(parent base fee %llu): the run left any meaningful range",
                      (unsigned long long)parent_base_fee);
        return (uint64_t)next;
    }

    /* delta <= base_fee * target / target / denominator <= base_fee: no underflow. */
    u128 delta = (u128)parent_base_fee * (parent_gas_target - parent_gas_used)
                 / parent_gas_target / base_fee_max_change_denominator;
    return parent_base_fee - (uint64_t)delta;
}

uint64_t fm_next_base_fee(const struct fm_eip1559_params *p, uint64_t parent_gas_limit,
                          uint64_t parent_gas_used, uint64_t parent_base_fee)
{
    SIM_ASSERT(parent_gas_used <= parent_gas_limit);
    return fm_next_base_fee_at_target(fm_gas_target(p, parent_gas_limit), parent_gas_used,
                                      parent_base_fee,
                                      p->base_fee_max_change_denominator);
}

/* ---- EIP-4844 --------------------------------------------------------------------- */

/* EIP-4844 fake_exponential:
 *   i = 1; output = 0; accum = factor * denominator
 *   while accum > 0: output += accum; accum = accum * numerator // (denominator * i); i += 1
 *   return output // denominator
 * Each step is exact in u128 as long as nothing overflows, which we check. */
bool fm_fake_exponential(uint64_t factor, uint64_t numerator, uint64_t denominator,
                         u128 *out)
{
    SIM_ASSERT(denominator > 0);
    SIM_ASSERT(out);
    u128 output = 0;
    u128 accum  = (u128)factor * denominator;   /* < 2^128 for 64-bit operands */
    for (u128 i = 1; accum > 0; i++) {
        u128 num, den;
        if (__builtin_add_overflow(output, accum, &output))
            return false;
        if (__builtin_mul_overflow(accum, (u128)numerator, &num))
            return false;
        if (__builtin_mul_overflow((u128)denominator, i, &den))
            return false;
        accum = num / den;
    }
    *out = output / denominator;
    return true;
}

u128 fm_base_fee_per_blob_gas(uint64_t excess_blob_gas, uint64_t update_fraction)
{
    u128 fee;
    if (!fm_fake_exponential(FM_MIN_BASE_FEE_PER_BLOB_GAS, excess_blob_gas,
                             update_fraction, &fee))
        sim_panic("fee_market: blob base fee for excess_blob_gas %llu and update "
                  "fraction %llu exceeds the exactly computable range (~2^64 wei)",
                  (unsigned long long)excess_blob_gas,
                  (unsigned long long)update_fraction);
    return fee;
}

uint64_t fm_target_blob_gas_per_block(const struct fm_blob_params *b)
{
    SIM_ASSERT(b);
    return (uint64_t)b->target * FM_GAS_PER_BLOB;   /* < 2^32 * 2^17: fits */
}

uint64_t fm_max_blob_gas_per_block(const struct fm_blob_params *b)
{
    SIM_ASSERT(b);
    return (uint64_t)b->max * FM_GAS_PER_BLOB;
}

uint64_t fm_excess_blob_gas(const struct fm_blob_params *b, uint64_t parent_excess_blob_gas,
                            uint64_t parent_blob_gas_used)
{
    uint64_t target = fm_target_blob_gas_per_block(b);
    uint64_t sum = add64(parent_excess_blob_gas, parent_blob_gas_used, "excess_blob_gas");
    return sum < target ? 0 : sum - target;                  /* EIP-4844 */
}

uint64_t fm_excess_blob_gas_eip7918(const struct fm_blob_params *b,
                                    uint64_t parent_excess_blob_gas,
                                    uint64_t parent_blob_gas_used,
                                    uint64_t parent_base_fee_per_gas)
{
    SIM_ASSERT(b && b->max > 0 && b->target <= b->max);
    uint64_t target = fm_target_blob_gas_per_block(b);
    uint64_t sum = add64(parent_excess_blob_gas, parent_blob_gas_used, "excess_blob_gas");
    if (sum < target)
        return 0;

    /* EIP-7918: BLOB_BASE_COST * base_fee_per_gas > GAS_PER_BLOB * base_fee_per_blob_gas */
    u128 reserve_price = (u128)FM_BLOB_BASE_COST * parent_base_fee_per_gas;  /* < 2^77 */
    u128 blob_fee = fm_base_fee_per_blob_gas(parent_excess_blob_gas,
                                             b->base_fee_update_fraction);
    u128 blob_price;
    bool blob_price_huge = __builtin_mul_overflow(blob_fee, (u128)FM_GAS_PER_BLOB,
                                                  &blob_price);
    if (!blob_price_huge && reserve_price > blob_price) {
        /* parent_used * (max - target) fits: used <= 2^64, (max - target) < 2^32,
         * but compute in u128 so an absurd caller value cannot wrap. */
        u128 scaled = (u128)parent_blob_gas_used * (b->max - b->target) / b->max;
        return add64(parent_excess_blob_gas, (uint64_t)scaled, "excess_blob_gas");
    }
    return sum - target;
}

/* ---- fork presets ----------------------------------------------------------------- */

#define ETH_1559 { FM_ELASTICITY_MULTIPLIER, FM_BASE_FEE_MAX_CHANGE_DENOMINATOR }

static const struct fm_fork forks[] = {
    /* London, mainnet block 12,965,000 (Aug 2021): EIP-1559, gas limit 30M
     * (EIP-1559 doubled the 15M pre-London limit into a 15M target). No blobs. */
    { "london", ETH_1559, false, { 0, 0, 0 }, false, false, false, 30000000 },
    /* Cancun, mainnet 1710338135 (13 Mar 2024): EIP-4844 target 3, max 6, fraction
     * 3338477 (EIP-4844; EIP-7840 blob schedule; go-ethereum DefaultCancunBlobConfig).
     * Gas limit 30M, unchanged since London. */
    { "cancun", ETH_1559, true, { 3, 6, 3338477 }, false, false, false, 30000000 },
    /* Prague, mainnet 1746612311 (7 May 2025): EIP-7691 target 6, max 9, fraction
     * 5007716; EIP-7623 calldata floor. Gas limit 36M: validators raised it from 30M
     * in Feb 2025; it went on to 45M in Jul 2025 (reports of gaslimit.pics data). */
    { "prague", ETH_1559, true, { 6, 9, 5007716 }, false, true, false, 36000000 },
    /* Osaka ("Fusaka"), mainnet 1764798551 (3 Dec 2025): blob schedule unchanged
     * (go-ethereum DefaultOsakaBlobConfig 6/9/5007716), EIP-7918 reserve price.
     * EIP-7825 transaction gas limit cap of 2^24.
     * Gas limit 60M: validators moved it 45M -> 60M on 25 Nov 2025, before Osaka. */
    { "osaka",  ETH_1559, true, { 6, 9, 5007716 }, true, true, true, 60000000 },
    /* BPO1 (EIP-7892 blob-parameter-only fork), mainnet 1765290071 (9 Dec 2025):
     * target 10, max 15, fraction 8346193 (Meta EIP "BPO1 Upgrade"; go-ethereum
     * DefaultBPO1BlobConfig). */
    { "bpo1",   ETH_1559, true, { 10, 15, 8346193 }, true, true, true, 60000000 },
    /* BPO2, mainnet 1767747671 (7 Jan 2026): target 14, max 21, fraction 11684671
     * (Meta EIP "BPO2 Upgrade"; go-ethereum DefaultBPO2BlobConfig). */
    { "bpo2",   ETH_1559, true, { 14, 21, 11684671 }, true, true, true, 60000000 },
};

static const struct { const char *nickname, *name; } fork_nicknames[] = {
    { "dencun", "cancun" }, { "pectra", "prague" }, { "fusaka", "osaka" },
};

const struct fm_fork *fm_fork_at(size_t i)
{
    return i < ARRAY_LEN(forks) ? &forks[i] : NULL;
}

const struct fm_fork *fm_fork_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(fork_nicknames); i++)
        if (strcmp(fork_nicknames[i].nickname, name) == 0) {
            name = fork_nicknames[i].name;
            break;
        }
    for (size_t i = 0; i < ARRAY_LEN(forks); i++)
        if (strcmp(forks[i].name, name) == 0)
            return &forks[i];
    return NULL;
}

uint64_t fm_fork_excess_blob_gas(const struct fm_fork *f, uint64_t parent_excess_blob_gas,
                                 uint64_t parent_blob_gas_used,
                                 uint64_t parent_base_fee_per_gas)
{
    SIM_ASSERT(f && f->eip4844);
    if (f->eip7918)
        return fm_excess_blob_gas_eip7918(&f->blob, parent_excess_blob_gas,
                                          parent_blob_gas_used, parent_base_fee_per_gas);
    return fm_excess_blob_gas(&f->blob, parent_excess_blob_gas, parent_blob_gas_used);
}

/* ---- transaction gas -------------------------------------------------------------- */

void fm_calldata_count(const uint8_t *data, size_t len, uint64_t *zero_bytes,
                       uint64_t *nonzero_bytes)
{
    SIM_ASSERT(zero_bytes && nonzero_bytes && (data || len == 0));
    uint64_t zero = 0;
    for (size_t i = 0; i < len; i++)
        zero += data[i] == 0;
    *zero_bytes = zero;
    *nonzero_bytes = (uint64_t)len - zero;
}

uint64_t fm_calldata_tokens(uint64_t zero_bytes, uint64_t nonzero_bytes)
{
    /* EIP-7623: tokens = zero + nonzero * 4 (16 / STANDARD_TOKEN_COST) */
    return add64(zero_bytes, mul64(nonzero_bytes,
                                   FM_TX_DATA_NONZERO_COST / FM_STANDARD_TOKEN_COST,
                                   "calldata tokens"), "calldata tokens");
}

uint64_t fm_intrinsic_gas(uint64_t zero_bytes, uint64_t nonzero_bytes)
{
    uint64_t tokens = fm_calldata_tokens(zero_bytes, nonzero_bytes);
    return add64(FM_TX_BASE_COST, mul64(FM_STANDARD_TOKEN_COST, tokens, "intrinsic gas"),
                 "intrinsic gas");
}

uint64_t fm_floor_data_gas(uint64_t zero_bytes, uint64_t nonzero_bytes)
{
    uint64_t tokens = fm_calldata_tokens(zero_bytes, nonzero_bytes);
    return add64(FM_TX_BASE_COST,
                 mul64(FM_TOTAL_COST_FLOOR_PER_TOKEN, tokens, "floor data gas"),
                 "floor data gas");
}

uint64_t fm_tx_gas_used(uint64_t zero_bytes, uint64_t nonzero_bytes,
                        uint64_t execution_gas, bool eip7623)
{
    uint64_t standard = add64(fm_intrinsic_gas(zero_bytes, nonzero_bytes), execution_gas,
                              "tx gas used");
    if (!eip7623)
        return standard;
    uint64_t floor = fm_floor_data_gas(zero_bytes, nonzero_bytes);
    return standard > floor ? standard : floor;                /* EIP-7623 */
}

uint64_t fm_tx_gas_used_data(const uint8_t *data, size_t len, uint64_t execution_gas,
                             bool eip7623)
{
    uint64_t zero, nonzero;
    fm_calldata_count(data, len, &zero, &nonzero);
    return fm_tx_gas_used(zero, nonzero, execution_gas, eip7623);
}

/* ---- fee split -------------------------------------------------------------------- */

bool fm_fee_split(uint64_t base_fee_per_gas, uint64_t max_fee_per_gas,
                  uint64_t max_priority_fee_per_gas, uint64_t gas_used,
                  uint32_t blob_count, u128 base_fee_per_blob_gas,
                  struct fm_fee_split *out)
{
    SIM_ASSERT(out);
    /* EIP-1559: assert max_fee >= max_priority_fee and max_fee >= base_fee */
    if (max_fee_per_gas < base_fee_per_gas || max_priority_fee_per_gas > max_fee_per_gas)
        return false;

    uint64_t headroom = max_fee_per_gas - base_fee_per_gas;
    uint64_t tip = max_priority_fee_per_gas < headroom ? max_priority_fee_per_gas : headroom;

    struct fm_fee_split s;
    s.effective_priority_fee_per_gas = tip;
    s.effective_gas_price = base_fee_per_gas + tip;            /* <= max_fee: no wrap */
    s.blob_gas_used = (uint64_t)blob_count * FM_GAS_PER_BLOB;  /* < 2^49 */
    s.base_fee_burned = (u128)base_fee_per_gas * gas_used;     /* < 2^128 */
    s.priority_fee = (u128)tip * gas_used;
    if (__builtin_mul_overflow(base_fee_per_blob_gas, (u128)s.blob_gas_used,
                               &s.blob_fee_burned))
        sim_panic("fee_market: blob fee of %u blobs overflows 128 bits", blob_count);
    /* base + tip = effective_gas_price * gas_used < 2^128, so only the blob part can
     * push the total over. */
    if (__builtin_add_overflow(s.base_fee_burned + s.priority_fee, s.blob_fee_burned,
                               &s.total))
        sim_panic("fee_market: total fee overflows 128 bits");
    *out = s;
    return true;
}

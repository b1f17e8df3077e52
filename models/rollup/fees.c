/* fees.c — the L2 base fee and the Fjord L1 data fee (see fees.h). */
#include "models/rollup/fees.h"

uint64_t l2_next_base_fee(const struct l2_fee_params *p, uint64_t base_fee, uint64_t gas_used)
{
    uint64_t target = p->gas_limit / p->elasticity;
    uint64_t next = base_fee;
    if (target == 0)
        return base_fee;
    if (gas_used > target) {
        u128 d = (u128)base_fee * (gas_used - target) / target / p->denominator;
        next = base_fee + (d < 1 ? 1 : d > UINT64_MAX - base_fee ? UINT64_MAX - base_fee
                                                                   : (uint64_t)d);
    } else if (gas_used < target) {
        u128 d = (u128)base_fee * (target - gas_used) / target / p->denominator;
        next = d >= base_fee ? 0 : base_fee - (uint64_t)d;
    }
    return next < p->min_base_fee ? p->min_base_fee : next;
}

u128 fjord_l1_fee(const struct l2_fee_params *p, uint64_t size_scaled, uint64_t l1_base_fee,
                  u128 l1_blob_base_fee)
{
    const u128 max = ~(u128)0;
    uint64_t size = size_scaled < (uint64_t)FJORD_MIN_TX_SIZE * 1000000u
                  ? (uint64_t)FJORD_MIN_TX_SIZE * 1000000u : size_scaled;
    /* l1FeeScaled: 64 x 64 x 16 bits fits in 128 for the first term; the second is
     * checked */
    u128 a = (u128)p->base_fee_scalar * l1_base_fee * 16u;
    u128 b = l1_blob_base_fee != 0 && p->blob_fee_scalar > max / l1_blob_base_fee
           ? max : (u128)p->blob_fee_scalar * l1_blob_base_fee;
    u128 scaled = a > max - b ? max : a + b;
    /* size (< 2^64) x scaled / 1e12, without overflowing: split scaled */
    u128 hi = scaled / 1000000000000u, lo = scaled % 1000000000000u;
    if (hi != 0 && size > max / hi)
        return max;
    u128 fee = hi * size;
    u128 rest = lo * size / 1000000000000u;    /* lo < 1e12, size < 2^64: fits */
    return fee > max - rest ? max : fee + rest;
}

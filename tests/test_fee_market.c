/* test_fee_market.c — models/l1/fee_market against published vectors (client test
 * tables and EIP examples, each cited where it is used) and against the protocol's
 * stated properties (bounded base-fee change, fixed point at target, 1 wei floor). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/l1/fee_market.h"

static void check_u128(u128 have, u128 want, const char *what)
{
    if (have != want) {
        char h[41], w[41];
        fail_msg("%s: have %s, want %s", what, u128_str(have, h), u128_str(want, w));
    }
}

struct base_fee_vec {
    uint64_t parent_base_fee, parent_gas_limit, parent_gas_used, want;
};

static void run_base_fee_vecs(const struct fm_eip1559_params *p,
                              const struct base_fee_vec *v, size_t n)
{
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        uint64_t have = fm_next_base_fee(p, v[i].parent_gas_limit, v[i].parent_gas_used,
                                         v[i].parent_base_fee);
        if (have != v[i].want)
            fail_msg("vector %zu: have %llu, want %llu", i, (unsigned long long)have,
                     (unsigned long long)v[i].want);
    }
}

/* ---- EIP-1559 ------------------------------------------------------------------- */

/* go-ethereum consensus/misc/eip1559/eip1559_test.go, TestCalcBaseFee
 * (InitialBaseFee = 1 gwei, parent gas limit 20M). */
static void test_base_fee_geth(void **state)
{
    (void)state;
    static const struct base_fee_vec v[] = {
        { 1000000000, 20000000, 10000000, 1000000000 },  /* usage == target */
        { 1000000000, 20000000,  9000000,  987500000 },  /* below target */
        { 1000000000, 20000000, 11000000, 1012500000 },  /* above target */
        { 1000000000, 20000000, 20000000, 1125000000 },  /* full */
        { 1000000000, 20000000,        0,  875000000 },  /* empty */
    };
    run_base_fee_vecs(fm_eip1559_by_name("ethereum"), v, ARRAY_LEN(v));
}

/* reth crates/primitives/src/basefee.rs, calculate_base_fee_success
 * (BaseFeeParams::ethereum()); includes the +1 minimum from base fee 0, 1, 2. */
static void test_base_fee_reth_ethereum(void **state)
{
    (void)state;
    static const struct base_fee_vec v[] = {
        { 1000000000, 10000000, 10000000, 1125000000 },
        { 1000000000, 12000000, 10000000, 1083333333 },
        { 1000000000, 14000000, 10000000, 1053571428 },
        { 1072671875, 10000000,  9000000, 1179939062 },
        { 1059263476, 14000000, 10001000, 1116028649 },
        { 1049238967,  2000000,        0,  918084097 },
        { 1049238967, 18000000, 10000000, 1063811730 },
        {          0, 18000000, 10000000,          1 },
        {          1, 18000000, 10000000,          2 },
        {          2, 18000000, 10000000,          3 },
    };
    run_base_fee_vecs(fm_eip1559_by_name("ethereum"), v, ARRAY_LEN(v));
}

/* reth crates/primitives/src/basefee.rs, calculate_optimism_base_fee_success
 * (OP_BASE_FEE_PARAMS: elasticity 6, denominator 50). */
static void test_base_fee_reth_optimism(void **state)
{
    (void)state;
    static const struct base_fee_vec v[] = {
        { 1000000000, 10000000, 10000000, 1100000048 },
        { 1000000000, 12000000, 10000000, 1080000000 },
        { 1000000000, 14000000, 10000000, 1065714297 },
        { 1072671875, 10000000,  9000000, 1167067046 },
        { 1059263476, 14000000, 10001000, 1128881311 },
        { 1049238967,  2000000,        0, 1028254188 },
        { 1049238967, 18000000, 10000000, 1098203452 },
        {          0, 18000000, 10000000,          1 },
        {          1, 18000000, 10000000,          2 },
        {          2, 18000000, 10000000,          3 },
    };
    run_base_fee_vecs(fm_eip1559_by_name("op-mainnet"), v, ARRAY_LEN(v));
}

/* 0xPolygon/bor consensus/misc/eip1559/eip1559_test.go, TestCalcBaseFeeDelhi
 * (denominator 16). */
static void test_base_fee_bor_delhi(void **state)
{
    (void)state;
    static const struct base_fee_vec v[] = {
        { 1000000000, 20000000, 10000000, 1000000000 },
        { 1000000000, 20000000,  9000000,  993750000 },
        { 1000000000, 20000000, 11000000, 1006250000 },
        { 1000000000, 20000000, 20000000, 1062500000 },
        { 1000000000, 20000000,        0,  937500000 },
    };
    run_base_fee_vecs(fm_eip1559_by_name("polygon-delhi"), v, ARRAY_LEN(v));
}

/* 0xPolygon/bor consensus/misc/eip1559/eip1559_test.go, TestCalcBaseFeeDandeli:
 * post-Bhilai (denominator 64, target limit/2), then post-Dandeli (target 65% of
 * the 60M limit = 39M, same denominator). */
static void test_base_fee_bor_bhilai_dandeli(void **state)
{
    (void)state;
    static const struct base_fee_vec bhilai[] = {
        { 1000000000, 60000000, 30000000, 1000000000 },
        { 1000000000, 60000000, 20000000,  994791667 },
        { 1000000000, 60000000, 10000000,  989583334 },
        { 1000000000, 60000000, 40000000, 1005208333 },
        { 1000000000, 60000000, 50000000, 1010416666 },
        { 1000000000, 60000000, 60000000, 1015625000 },
        { 1000000000, 60000000,        0,  984375000 },
    };
    run_base_fee_vecs(fm_eip1559_by_name("polygon-bhilai"), bhilai, ARRAY_LEN(bhilai));

    static const struct { uint64_t used, want; } dandeli[] = {
        { 39000000, 1000000000 }, { 30000000,  996394231 }, { 10000000,  988381411 },
        { 40000000, 1000400641 }, { 50000000, 1004407051 }, { 60000000, 1008413461 },
        {        0,  984375000 },
    };
    uint64_t target = 60000000ull * 65 / 100;
    for (size_t i = 0; i < ARRAY_LEN(dandeli); i++)
        assert_int_equal(fm_next_base_fee_at_target(target, dandeli[i].used, 1000000000, 64),
                         dandeli[i].want);
}

/* EIP-1559 properties: the base fee is a fixed point at exactly the target; above it
 * rises by at least 1 wei and at most base*(used-target)/target/denominator (1/8 of
 * the base fee for Ethereum at a full block); below it falls by at most that much
 * and never below zero; and it is monotone in gas used. */
static void test_base_fee_properties(void **state)
{
    (void)state;
    static const uint64_t base_fees[] = {
        0, 1, 7, 8, 9, 15, 16, 1000, 999999999, 1000000000, 123456789012ull,
        UINT64_C(1) << 50,
    };
    static const uint64_t limits[] = { 30000000, 36000000, 45000000, 60000000, 30000001 };
    static const char *params[] = { "ethereum", "op-mainnet", "op-canyon", "polygon-delhi" };

    for (size_t pi = 0; pi < ARRAY_LEN(params); pi++) {
        const struct fm_eip1559_params *p = fm_eip1559_by_name(params[pi]);
        assert_non_null(p);
        for (size_t li = 0; li < ARRAY_LEN(limits); li++) {
            uint64_t limit = limits[li];
            uint64_t target = fm_gas_target(p, limit);
            assert_int_equal(target, limit / p->elasticity_multiplier);
            for (size_t bi = 0; bi < ARRAY_LEN(base_fees); bi++) {
                uint64_t base = base_fees[bi];
                assert_int_equal(fm_next_base_fee(p, limit, target, base), base);

                uint64_t prev = 0;
                for (uint64_t used = 0; used <= limit; used += limit / 97) {
                    uint64_t next = fm_next_base_fee(p, limit, used, base);
                    u128 span = (u128)base * (used > target ? used - target : target - used)
                                / target / p->base_fee_max_change_denominator;
                    if (used > target) {
                        assert_true(next > base);
                        assert_true((u128)(next - base) <= (span > 1 ? span : 1));
                    } else if (used < target) {
                        assert_true(next <= base);
                        assert_true((u128)(base - next) == span);
                    }
                    if (used > 0)
                        assert_true(next >= prev);
                    prev = next;
                }
            }
        }
    }

    /* Ethereum: a full block raises by exactly 1/8, an empty one lowers by 1/8. */
    const struct fm_eip1559_params *eth = fm_eip1559_by_name("ethereum");
    for (size_t bi = 0; bi < ARRAY_LEN(base_fees); bi++) {
        uint64_t base = base_fees[bi];
        uint64_t up = base / 8 > 1 ? base / 8 : 1;
        assert_int_equal(fm_next_base_fee(eth, 60000000, 60000000, base), base + up);
        assert_int_equal(fm_next_base_fee(eth, 60000000, 0, base), base - base / 8);
    }
    /* OP Stack elasticity 6: a full block is 5 targets over, so +5/50 = +10%. */
    assert_int_equal(fm_next_base_fee(fm_eip1559_by_name("op-mainnet"), 60000000, 60000000,
                                      1000000000), 1100000000);
    assert_null(fm_eip1559_by_name("no-such-chain"));
    assert_null(fm_eip1559_by_name(NULL));
}

/* ---- EIP-4844 ------------------------------------------------------------------- */

/* go-ethereum consensus/misc/eip4844/eip4844_test.go, TestFakeExponential. */
static void test_fake_exponential_geth(void **state)
{
    (void)state;
    static const struct { uint64_t factor, numerator, denominator, want; } v[] = {
        { 1, 0, 1, 1 },
        { 38493, 0, 1000, 38493 },
        { 0, 1234, 2345, 0 },
        { 1, 2, 1, 6 },            /* ~7.389 */
        { 1, 4, 2, 6 },
        { 1, 3, 1, 16 },           /* ~20.09 */
        { 1, 6, 2, 18 },
        { 1, 4, 1, 49 },           /* ~54.60 */
        { 1, 8, 2, 50 },
        { 10, 8, 2, 542 },         /* ~540.598 */
        { 11, 8, 2, 596 },         /* ~600.58 */
        { 1, 5, 1, 136 },          /* ~148.4 */
        { 1, 5, 2, 11 },           /* ~12.18 */
        { 2, 5, 2, 23 },           /* ~24.36 */
        { 1, 50000000, 2225652, 5709098764ull },
    };
    for (size_t i = 0; i < ARRAY_LEN(v); i++) {
        u128 have = 0;
        assert_true(fm_fake_exponential(v[i].factor, v[i].numerator, v[i].denominator, &have));
        check_u128(have, v[i].want, "fake_exponential");
    }
}

/* The documented exact range: with factor 1 and denominator 2^30 a result above 2^63
 * is still computed (44 * 2^30 / 2^30 = e^44 ~ 1.285e19); the function reports,
 * rather than wraps, when 128 bits are not enough. */
static void test_fake_exponential_range(void **state)
{
    (void)state;
    u128 r = 0;
    uint64_t f = UINT64_C(1) << 30;
    assert_true(fm_fake_exponential(1, 44 * f, f, &r));
    assert_true(r > (u128)(UINT64_C(1) << 63) && r <= (u128)UINT64_MAX);
    check_u128(r, (u128)12851600114359025516ull, "e^44 at fraction 2^30");

    u128 untouched = 42;
    assert_false(fm_fake_exponential(1, UINT64_MAX, 1, &untouched));
    check_u128(untouched, 42, "out untouched on overflow");
}

/* go-ethereum consensus/misc/eip4844/eip4844_test.go, TestCalcBlobFee (Cancun
 * update fraction 3338477). Plus EIP-4844's floor: excess 0 costs 1 wei in every
 * preset's schedule. */
static void test_blob_base_fee(void **state)
{
    (void)state;
    static const struct { uint64_t excess, want; } v[] = {
        { 0, 1 }, { 2314057, 1 }, { 2314058, 2 }, { 10 * 1024 * 1024, 23 },
    };
    for (size_t i = 0; i < ARRAY_LEN(v); i++)
        check_u128(fm_base_fee_per_blob_gas(v[i].excess, 3338477), v[i].want, "blob fee");

    const struct fm_fork *f;
    for (size_t i = 0; (f = fm_fork_at(i)) != NULL; i++) {
        if (!f->eip4844)
            continue;
        check_u128(fm_base_fee_per_blob_gas(0, f->blob.base_fee_update_fraction),
                   FM_MIN_BASE_FEE_PER_BLOB_GAS, f->name);
        /* monotone in excess */
        u128 prev = 0;
        for (uint64_t e = 0; e < 100000000; e += 1234567) {
            u128 fee = fm_base_fee_per_blob_gas(e, f->blob.base_fee_update_fraction);
            assert_true(fee >= prev);
            prev = fee;
        }
    }
}

/* go-ethereum consensus/misc/eip4844/eip4844_test.go, TestCalcExcessBlobGas
 * (mainnet Cancun schedule: target 3 blobs). */
static void test_excess_blob_gas_cancun_geth(void **state)
{
    (void)state;
    const struct fm_fork *cancun = fm_fork_by_name("cancun");
    assert_non_null(cancun);
    const uint64_t G = FM_GAS_PER_BLOB;
    const uint64_t t = cancun->blob.target;
    const uint64_t tg = t * G;
    const struct { uint64_t excess, blobs, want; } v[] = {
        { 0, 0, 0 },
        { 0, 1, 0 },
        { 0, t, 0 },
        { 0, t + 1, G },
        { 1, t + 1, G + 1 },
        { 1, t + 2, 2 * G + 1 },
        { tg, t, tg },
        { tg, t - 1, tg - G },
        { tg, t - 2, tg - 2 * G },
        { G - 1, t - 1, 0 },
    };
    assert_int_equal(tg, 393216);            /* EIP-4844 TARGET_BLOB_GAS_PER_BLOCK */
    for (size_t i = 0; i < ARRAY_LEN(v); i++) {
        assert_int_equal(fm_excess_blob_gas(&cancun->blob, v[i].excess, v[i].blobs * G),
                         v[i].want);
        /* the fork dispatcher picks the Cancun form; the base fee is irrelevant */
        assert_int_equal(fm_fork_excess_blob_gas(cancun, v[i].excess, v[i].blobs * G,
                                                 1000000000), v[i].want);
    }
}

/* go-ethereum consensus/misc/eip4844/eip4844_test.go, TestCalcExcessBlobGasEIP7918
 * (Osaka schedule 6/9): at a 1 gwei execution base fee the reserve price binds and
 * the excess grows by used * (9-6)/9 instead of falling; at 1 wei it does not. */
static void test_excess_blob_gas_eip7918_geth(void **state)
{
    (void)state;
    const struct fm_fork *osaka = fm_fork_by_name("osaka");
    assert_non_null(osaka);
    const uint64_t tg = fm_target_blob_gas_per_block(&osaka->blob);
    assert_int_equal(fm_excess_blob_gas_eip7918(&osaka->blob, 0, tg, 1000000000), tg * 3 / 9);
    assert_int_equal(fm_excess_blob_gas_eip7918(&osaka->blob, 0, tg, 1), 0);
    assert_int_equal(fm_fork_excess_blob_gas(osaka, 0, tg, 1000000000), tg * 3 / 9);
    /* the Cancun form would have returned 0 for the first case */
    assert_int_equal(fm_excess_blob_gas(&osaka->blob, 0, tg), 0);
}

/* NethermindEth/nethermind Nethermind.Evm.Test/Eip7918Tests.cs,
 * ExcessBlobGasTestCaseSource for Osaka (target 6, max 9, fraction 5007716). */
static void test_excess_blob_gas_eip7918_nethermind(void **state)
{
    (void)state;
    const struct fm_blob_params *b = &fm_fork_by_name("osaka")->blob;
    const uint64_t G = FM_GAS_PER_BLOB;
    const uint64_t tg = fm_target_blob_gas_per_block(b);

    assert_int_equal(fm_excess_blob_gas_eip7918(b, tg + 1, 0, 1000000000), tg + 1);
    assert_int_equal(fm_excess_blob_gas_eip7918(b, 1000, 7 * G, 1000000000), 1000 + 7 * G / 3);
    assert_int_equal(fm_excess_blob_gas_eip7918(b, tg, 6 * G, 1000000000), 4 * tg / 3);
    assert_int_equal(fm_excess_blob_gas_eip7918(b, tg + 1, 0, 1), 1);   /* target above floor */

    /* boundary: base fee = GAS_PER_BLOB * blob_fee(1000) / BLOB_BASE_COST = 16 wei;
     * at equality the reserve does not apply, 100 wei more and it does */
    u128 blob_fee = fm_base_fee_per_blob_gas(1000, b->base_fee_update_fraction);
    uint64_t at_parity = (uint64_t)(G * blob_fee / FM_BLOB_BASE_COST);
    assert_int_equal(at_parity, 16);
    assert_int_equal(fm_excess_blob_gas_eip7918(b, 1000, 6 * G, at_parity), 1000);
    assert_int_equal(fm_excess_blob_gas_eip7918(b, 1000, 6 * G, at_parity + 100),
                     1000 + tg * (9 - 6) / 9);
}

/* go-ethereum consensus/misc/eip4844/eip4844_test.go, TestCalcBlobFeePostOsaka:
 * EIP-7918 with the test's own BPO schedules (BPO1 9/14/8832827 for the first
 * case, BPO3 21/32/20609697 for the second; these are test values, not mainnet's). */
static void test_excess_blob_gas_post_osaka_geth(void **state)
{
    (void)state;
    const struct fm_blob_params bpo1_test = { 9, 14, 8832827 };
    const struct fm_blob_params bpo3_test = { 21, 32, 20609697 };
    assert_int_equal(fm_excess_blob_gas_eip7918(&bpo1_test, 5149252, 1310720, 30), 5617366);
    assert_int_equal(fm_excess_blob_gas_eip7918(&bpo3_test, 19251039, 2490368, 50), 20107103);
}

/* EIP-4844 / EIP-7918 properties: used == target leaves the excess unchanged under the
 * Cancun form; the EIP-7918 form never lowers the excess while the reserve binds and
 * never raises it by more than the Cancun form's maximum, (max - target) blobs. */
static void test_excess_blob_gas_properties(void **state)
{
    (void)state;
    const struct fm_fork *f;
    for (size_t i = 0; (f = fm_fork_at(i)) != NULL; i++) {
        if (!f->eip4844)
            continue;
        const struct fm_blob_params *b = &f->blob;
        uint64_t tg = fm_target_blob_gas_per_block(b);
        uint64_t mg = fm_max_blob_gas_per_block(b);
        for (uint64_t excess = 0; excess < 20000000; excess += 777777) {
            assert_int_equal(fm_excess_blob_gas(b, excess + tg, tg), excess + tg);
            for (uint64_t used = 0; used <= mg; used += FM_GAS_PER_BLOB) {
                static const uint64_t base_fees[] = { 0, 1, 1000000, 1000000000,
                                                      100000000000ull };
                for (size_t k = 0; k < ARRAY_LEN(base_fees); k++) {
                    uint64_t next = fm_excess_blob_gas_eip7918(b, excess, used, base_fees[k]);
                    assert_true(next <= excess + (mg - tg));
                    uint64_t cancun = fm_excess_blob_gas(b, excess, used);
                    assert_true(next == cancun || next >= excess);
                }
            }
        }
    }
}

/* ---- fork presets ----------------------------------------------------------------- */

/* Values: EIP-4844 (3/6/3338477), EIP-7691 (6/9/5007716), go-ethereum
 * params/config.go Default{Cancun,Prague,Osaka,BPO1,BPO2}BlobConfig, Meta EIPs
 * "BPO1 Upgrade" (10/15/8346193) and "BPO2 Upgrade" (14/21/11684671). */
static void test_fork_presets(void **state)
{
    (void)state;
    static const struct {
        const char *name; bool blobs; uint32_t target, max; uint64_t fraction;
        bool eip7918, eip7623, eip7825; uint64_t gas_limit;
    } want[] = {
        { "london", false,  0,  0,        0, false, false, false, 30000000 },
        { "cancun", true,   3,  6,  3338477, false, false, false, 30000000 },
        { "prague", true,   6,  9,  5007716, false, true,  false, 36000000 },
        { "osaka",  true,   6,  9,  5007716, true,  true,  true,  60000000 },
        { "bpo1",   true,  10, 15,  8346193, true,  true,  true,  60000000 },
        { "bpo2",   true,  14, 21, 11684671, true,  true,  true,  60000000 },
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct fm_fork *f = fm_fork_by_name(want[i].name);
        assert_non_null(f);
        assert_ptr_equal(f, fm_fork_at(i));          /* oldest first */
        assert_string_equal(f->name, want[i].name);
        assert_int_equal(f->eip1559.elasticity_multiplier, 2);
        assert_int_equal(f->eip1559.base_fee_max_change_denominator, 8);
        assert_int_equal(f->eip4844, want[i].blobs);
        assert_int_equal(f->blob.target, want[i].target);
        assert_int_equal(f->blob.max, want[i].max);
        assert_int_equal(f->blob.base_fee_update_fraction, want[i].fraction);
        assert_int_equal(f->eip7918, want[i].eip7918);
        assert_int_equal(f->eip7623, want[i].eip7623);
        assert_int_equal(f->eip7825, want[i].eip7825);   /* Osaka: EIP-7825 */
        assert_int_equal(f->gas_limit, want[i].gas_limit);
    }
    assert_null(fm_fork_at(ARRAY_LEN(want)));
    assert_ptr_equal(fm_fork_by_name("pectra"), fm_fork_by_name("prague"));
    assert_ptr_equal(fm_fork_by_name("fusaka"), fm_fork_by_name("osaka"));
    assert_ptr_equal(fm_fork_by_name("dencun"), fm_fork_by_name("cancun"));
    assert_null(fm_fork_by_name("Prague"));
    assert_null(fm_fork_by_name("shanghai"));
    assert_null(fm_fork_by_name(""));
    assert_null(fm_fork_by_name(NULL));
    /* EIP-7825: TX_GAS_LIMIT_CAP = 2^24 = 16777216 (30M / 2, rounded to a power of two) */
    assert_int_equal(FM_MAX_TX_GAS, 16777216);
    /* EIP-7691: Prague's max blob gas is 9 * 2^17 = 1179648 */
    assert_int_equal(fm_max_blob_gas_per_block(&fm_fork_by_name("prague")->blob), 1179648);
}

/* ---- transaction gas -------------------------------------------------------------- */

/* NethermindEth/nethermind Nethermind.Evm.Test/Eip7623Tests.cs: one non-zero byte
 * costs 21000 + 16 standard and 21000 + 10 * 4 floor; one zero byte 21000 + 4 and
 * 21000 + 10. */
static void test_calldata_gas_nethermind(void **state)
{
    (void)state;
    assert_int_equal(fm_intrinsic_gas(0, 1), 21016);
    assert_int_equal(fm_floor_data_gas(0, 1), 21040);
    assert_int_equal(fm_intrinsic_gas(1, 0), 21004);
    assert_int_equal(fm_floor_data_gas(1, 0), 21010);

    /* with no execution gas the floor is what is charged under EIP-7623 */
    assert_int_equal(fm_tx_gas_used(0, 1, 0, true), 21040);
    assert_int_equal(fm_tx_gas_used(0, 1, 0, false), 21016);
    assert_int_equal(fm_tx_gas_used(1, 0, 0, true), 21010);
    assert_int_equal(fm_tx_gas_used(1, 0, 0, false), 21004);
}

/* rust-ethereum/evm tests (eip7623 "standard wins"/floor cases): 5 zero + 5 non-zero
 * bytes: standard 21000 + 5*4 + 5*16 = 21100, tokens 5 + 5*4 = 25, floor
 * 21000 + 250 = 21250. The rest is EIP-7623's formula applied by hand. */
static void test_calldata_gas_eip7623(void **state)
{
    (void)state;
    static const uint8_t data[] = { 0, 0, 0, 0, 0, 1, 2, 3, 4, 5 };
    uint64_t z, nz;
    fm_calldata_count(data, sizeof data, &z, &nz);
    assert_int_equal(z, 5);
    assert_int_equal(nz, 5);
    assert_int_equal(fm_calldata_tokens(z, nz), 25);
    assert_int_equal(fm_intrinsic_gas(z, nz), 21100);
    assert_int_equal(fm_floor_data_gas(z, nz), 21250);

    assert_int_equal(fm_tx_gas_used_data(data, sizeof data, 0, false), 21100);
    assert_int_equal(fm_tx_gas_used_data(data, sizeof data, 0, true), 21250);
    /* execution gas up to floor - standard = 150 is absorbed by the floor ... */
    assert_int_equal(fm_tx_gas_used_data(data, sizeof data, 150, true), 21250);
    /* ... beyond it the standard formula is charged, unchanged by EIP-7623 */
    assert_int_equal(fm_tx_gas_used_data(data, sizeof data, 151, true), 21251);
    assert_int_equal(fm_tx_gas_used_data(data, sizeof data, 50000, true), 71100);

    /* a plain transfer: no calldata, exactly 21000 either way */
    assert_int_equal(fm_tx_gas_used_data(NULL, 0, 0, true), FM_TX_BASE_COST);
    assert_int_equal(fm_tx_gas_used(0, 0, 0, false), FM_TX_BASE_COST);

    /* a 128 KiB all-non-zero batch posted as calldata: 16 vs 40 gas per byte */
    assert_int_equal(fm_tx_gas_used(0, 131072, 0, false), 21000 + 16 * 131072);
    assert_int_equal(fm_tx_gas_used(0, 131072, 0, true), 21000 + 40 * 131072);
}

/* ---- fee split -------------------------------------------------------------------- */

/* EIP-1559: priority_fee_per_gas = min(max_priority_fee_per_gas, max_fee_per_gas -
 * base_fee_per_gas); the base fee times gas used is burned, the priority fee goes to
 * the proposer. EIP-4844: blob fee = get_total_blob_gas(tx) * base_fee_per_blob_gas,
 * burned. Amounts below are that arithmetic done by hand. */
static void test_fee_split(void **state)
{
    (void)state;
    struct fm_fee_split s;

    /* 10 gwei base, 30 gwei cap, 2 gwei tip, a transfer: tip is paid in full */
    assert_true(fm_fee_split(10000000000ull, 30000000000ull, 2000000000ull, 21000, 0, 1, &s));
    assert_int_equal(s.effective_priority_fee_per_gas, 2000000000ull);
    assert_int_equal(s.effective_gas_price, 12000000000ull);
    check_u128(s.base_fee_burned, (u128)210000000000000ull, "burned");
    check_u128(s.priority_fee, (u128)42000000000000ull, "tip");
    assert_int_equal(s.blob_gas_used, 0);
    check_u128(s.blob_fee_burned, 0, "blob fee");
    check_u128(s.total, (u128)252000000000000ull, "total");

    /* cap 11 gwei over a 10 gwei base: the tip is squeezed to 1 gwei */
    assert_true(fm_fee_split(10000000000ull, 11000000000ull, 2000000000ull, 21000, 0, 1, &s));
    assert_int_equal(s.effective_priority_fee_per_gas, 1000000000ull);
    assert_int_equal(s.effective_gas_price, 11000000000ull);

    /* cap exactly at the base fee: included, no tip */
    assert_true(fm_fee_split(10000000000ull, 10000000000ull, 2000000000ull, 21000, 0, 1, &s));
    assert_int_equal(s.effective_priority_fee_per_gas, 0);
    check_u128(s.priority_fee, 0, "no tip");

    /* not includable: cap below base fee, or priority above cap (EIP-1559 asserts) */
    s.total = 7;
    assert_false(fm_fee_split(10000000000ull, 9999999999ull, 0, 21000, 0, 1, &s));
    assert_false(fm_fee_split(1, 5, 6, 21000, 0, 1, &s));
    check_u128(s.total, 7, "out untouched");

    /* a blob transaction: 3 blobs at 1 gwei per blob gas, 1 wei tip */
    assert_true(fm_fee_split(1000000000ull, 3000000000ull, 1, 21000, 3, 1000000000u, &s));
    assert_int_equal(s.blob_gas_used, 3 * 131072);
    check_u128(s.blob_fee_burned, (u128)393216000000000ull, "blob fee");
    check_u128(s.total, (u128)21000000000000ull + 21000 + 393216000000000ull, "total");

    /* sums beyond int64: 60M gas at 1000 gwei = 6e19 wei > 2^63 */
    assert_true(fm_fee_split(1000000000000ull, 1000000000000ull, 0, 60000000, 0, 1, &s));
    check_u128(s.base_fee_burned, (u128)60000000 * 1000000000000ull, "6e19 burned");
    assert_true(s.base_fee_burned > (u128)INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_fee_geth),
        cmocka_unit_test(test_base_fee_reth_ethereum),
        cmocka_unit_test(test_base_fee_reth_optimism),
        cmocka_unit_test(test_base_fee_bor_delhi),
        cmocka_unit_test(test_base_fee_bor_bhilai_dandeli),
        cmocka_unit_test(test_base_fee_properties),
        cmocka_unit_test(test_fake_exponential_geth),
        cmocka_unit_test(test_fake_exponential_range),
        cmocka_unit_test(test_blob_base_fee),
        cmocka_unit_test(test_excess_blob_gas_cancun_geth),
        cmocka_unit_test(test_excess_blob_gas_eip7918_geth),
        cmocka_unit_test(test_excess_blob_gas_eip7918_nethermind),
        cmocka_unit_test(test_excess_blob_gas_post_osaka_geth),
        cmocka_unit_test(test_excess_blob_gas_properties),
        cmocka_unit_test(test_fork_presets),
        cmocka_unit_test(test_calldata_gas_nethermind),
        cmocka_unit_test(test_calldata_gas_eip7623),
        cmocka_unit_test(test_fee_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

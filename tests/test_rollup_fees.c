/* test_rollup_fees.c — what a rollup transfer is charged (models/rollup/fees.h): the
 * L2 base fee by EIP-1559 with the OP Stack's elasticity 6 and denominator 250, and the
 * L1 data fee by the OP Stack Fjord formula with OP Mainnet's scalars, each against
 * numbers worked out by hand from the specifications. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/rollup/fees.h"

static const struct l2_fee_params op = {
    .gas_limit = 30000000, .elasticity = 6, .denominator = 250, .min_base_fee = 0,
    .base_fee_scalar = 5227, .blob_fee_scalar = 1014213,
};

/* EIP-1559: target = 30M / 6 = 5M. A full block raises the base fee by
 * (30M - 5M) / 5M / 250 = 2%, an empty one lowers it by 5M / 5M / 250 = 0.4%, a block at
 * the target leaves it; an increase is at least 1 wei; the floor holds. */
static void test_l2_base_fee(void **state)
{
    (void)state;
    assert_int_equal(l2_next_base_fee(&op, 1000000000, 5000000), 1000000000);
    assert_int_equal(l2_next_base_fee(&op, 1000000000, 30000000), 1020000000);
    assert_int_equal(l2_next_base_fee(&op, 1000000000, 0), 996000000);
    assert_int_equal(l2_next_base_fee(&op, 10, 5000001), 11);
    struct l2_fee_params floor = op;
    floor.min_base_fee = 999000000;
    assert_int_equal(l2_next_base_fee(&floor, 1000000000, 0), 999000000);
}

/* Fjord: l1FeeScaled = 5227 x 10 gwei x 16 + 1014213 x 1 wei = 836320001014213; a
 * transfer estimated at 100 bytes (the minimum) pays 100e6 x that / 1e12 =
 * 83632000101 wei, at 50 bytes the same (minTransactionSize), at 150 bytes
 * 125448000152 wei (rounded down). */
static void test_fjord(void **state)
{
    (void)state;
    assert_true(fjord_l1_fee(&op, 100000000, 10000000000u, 1) == 83632000101u);
    assert_true(fjord_l1_fee(&op, 50000000, 10000000000u, 1) == 83632000101u);
    assert_true(fjord_l1_fee(&op, 150000000, 10000000000u, 1) == 125448000152u);
    /* a blob base fee of 1e12 wei and a 30 gwei base fee, 123.456789 bytes */
    assert_true(fjord_l1_fee(&op, 123456789, 30000000000u, (u128)1000000000000u) ==
                (u128)125521228487386u);
    /* the blob part alone, with the base fee scalar at 0 */
    struct l2_fee_params blob_only = op;
    blob_only.base_fee_scalar = 0;
    assert_true(fjord_l1_fee(&blob_only, 100000000, 10000000000u, 1) == 101u);
    /* saturates rather than wraps */
    assert_true(fjord_l1_fee(&op, UINT64_MAX, UINT64_MAX, ~(u128)0) == ~(u128)0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l2_base_fee),
        cmocka_unit_test(test_fjord),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

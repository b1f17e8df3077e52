/* test_units.c — the units module reads scenario quantities exactly: 1 gwei is
 * 10^9 wei, 7 days are 604800 s, and anything that cannot be represented
 * exactly (a tenth of a wei, half a microsecond) or does not fit is rejected
 * with a message that says why. Formatting parses back to the same value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/units.h"

static char why[UNIT_WHY_MAX];

/* Parsing `text` with `fn` succeeds; the value lands in *outp. */
#define PARSES(fn, text, outp)                                              \
    do {                                                                    \
        why[0] = '\0';                                                      \
        if (fn(text, outp, why) != L2_OK)                                   \
            fail_msg("%s(\"%s\") failed: %s", #fn, text, why);              \
    } while (0)

/* Parsing `text` with `fn` fails with exactly `msg`, leaving *outp alone. */
#define REJECTS(fn, text, outp, msg)                                        \
    do {                                                                    \
        why[0] = '\0';                                                      \
        assert_int_equal(fn(text, outp, why), L2_EINPUT);                   \
        assert_string_equal(why, msg);                                      \
    } while (0)

#define DURATION_IS(text, us)                                               \
    do {                                                                    \
        sim_time t_ = -1;                                                   \
        PARSES(unit_duration, text, &t_);                                   \
        assert_int_equal(t_, (us));                                         \
    } while (0)

#define AMOUNT_IS(text, decimal)                                            \
    do {                                                                    \
        u128 a_ = 12345;                                                    \
        char s_[41];                                                        \
        PARSES(unit_amount, text, &a_);                                     \
        assert_string_equal(u128_str(a_, s_), decimal);                     \
    } while (0)

#define GAS_IS(text, gas)                                                   \
    do {                                                                    \
        int64_t g_ = -1;                                                    \
        PARSES(unit_gas, text, &g_);                                        \
        assert_int_equal(g_, (gas));                                        \
    } while (0)

static void test_duration_units(void **state)
{
    DURATION_IS("1us", 1);
    DURATION_IS("250ms", 250000);
    DURATION_IS("12s", 12000000);
    DURATION_IS("12 s", 12000000);                 /* one space is allowed */
    DURATION_IS("1m", 60000000);                   /* a minute is 60 s */
    DURATION_IS("1min", 60000000);
    DURATION_IS("1h", 3600000000LL);
    DURATION_IS("1d", 86400000000LL);
    DURATION_IS("7d", 604800000000LL);             /* a week of days */
    DURATION_IS("1w", 604800000000LL);
    DURATION_IS("0", 0);                           /* zero needs no unit */
    DURATION_IS("0s", 0);
    DURATION_IS("007s", 7000000);
}

static void test_duration_fractions_are_exact(void **state)
{
    DURATION_IS("1.5s", 1500000);
    DURATION_IS("0.25ms", 250);
    DURATION_IS("0.5d", 43200000000LL);            /* half a day is 12 h */
    DURATION_IS("0.0000001m", 6);                  /* 10^-7 min = 6 us */
    DURATION_IS("1.000001s", 1000001);
    DURATION_IS("1.5e3ms", 1500000);               /* exponent form */
    DURATION_IS("12.000000000000000000000000000000000000000000s", 12000000);
    /* int64 microseconds hold about 292471 years: 106751991 days fit, 106751992 do not. */
    DURATION_IS("106751991d", 9223372022400000000LL);
    DURATION_IS("9223372036854775807us", INT64_MAX);
}

static void test_duration_rejects(void **state)
{
    sim_time t = 42;
    REJECTS(unit_duration, "-5s", &t, "negative duration '-5s'");
    REJECTS(unit_duration, "12", &t, "duration '12' needs a unit, e.g. 12s");
    REJECTS(unit_duration, "12sec", &t, "unknown unit 'sec' (use us, ms, s, m, h, d, w)");
    REJECTS(unit_duration, "12S", &t, "unknown unit 'S' (use us, ms, s, m, h, d, w)");
    REJECTS(unit_duration, "0.5us", &t, "'0.5us' is below the 1us resolution");
    REJECTS(unit_duration, "1.0000001s", &t, "'1.0000001s' is below the 1us resolution");
    REJECTS(unit_duration, "0.00000001m", &t, "'0.00000001m' is below the 1us resolution");
    REJECTS(unit_duration, "106751992d", &t, "duration '106751992d' too large");
    REJECTS(unit_duration, "9223372036854775808us", &t,
            "duration '9223372036854775808us' too large");
    REJECTS(unit_duration, "1e30s", &t, "duration '1e30s' too large");
    REJECTS(unit_duration, "", &t, "expected a duration such as 250ms or 12s, got an empty value");
    REJECTS(unit_duration, " 12s", &t, "unexpected space in ' 12s'");
    REJECTS(unit_duration, "12s ", &t, "unexpected space in '12s '");
    REJECTS(unit_duration, "12  s", &t, "unexpected space in '12  s'");
    REJECTS(unit_duration, "abc", &t, "expected a duration such as 250ms or 12s, got 'abc'");
    REJECTS(unit_duration, "+5s", &t, "expected a duration such as 250ms or 12s, got '+5s'");
    REJECTS(unit_duration, ".5s", &t, "expected a duration such as 250ms or 12s, got '.5s'");
    REJECTS(unit_duration, "1.s", &t, "expected a duration such as 250ms or 12s, got '1.s'");
    REJECTS(unit_duration, "1.5.5s", &t,
            "expected a duration such as 250ms or 12s, got '1.5.5s'");
    assert_int_equal(t, 42); /* a rejected text leaves the output alone */
}

static void test_amount_units(void **state)
{
    AMOUNT_IS("7wei", "7");
    AMOUNT_IS("7 wei", "7");
    AMOUNT_IS("7", "7");                           /* a bare integer is wei */
    AMOUNT_IS("1gwei", "1000000000");              /* 1 gwei = 10^9 wei */
    AMOUNT_IS("1.5gwei", "1500000000");
    AMOUNT_IS("1eth", "1000000000000000000");      /* 1 eth = 10^18 wei */
    AMOUNT_IS("1ether", "1000000000000000000");
    AMOUNT_IS("0.01eth", "10000000000000000");     /* 10^16 wei */
    AMOUNT_IS("0.000000000000000001eth", "1");     /* 10^-18 eth = 1 wei */
    AMOUNT_IS("100eth", "100000000000000000000");  /* a bond: more than int64 wei */
    AMOUNT_IS("1e18wei", "1000000000000000000");   /* an exponent, then a unit */
    AMOUNT_IS("2e-9eth", "2000000000");            /* 2 gwei */
    AMOUNT_IS("0wei", "0");
    /* The largest amount, 2^128 - 1 wei, written in wei and in eth. */
    AMOUNT_IS("340282366920938463463374607431768211455wei",
              "340282366920938463463374607431768211455");
    AMOUNT_IS("340282366920938463463.374607431768211455eth",
              "340282366920938463463374607431768211455");
}

static void test_amount_rejects(void **state)
{
    u128 a = 42;
    REJECTS(unit_amount, "0.1wei", &a, "'0.1wei' is below the 1wei resolution");
    REJECTS(unit_amount, "1.0000000001gwei", &a,
            "'1.0000000001gwei' is below the 1wei resolution");
    REJECTS(unit_amount, "0.0000000000000000001eth", &a,
            "'0.0000000000000000001eth' is below the 1wei resolution");
    REJECTS(unit_amount, "-1eth", &a, "negative amount '-1eth'");
    REJECTS(unit_amount, "1btc", &a, "unknown unit 'btc' (use wei, gwei, eth)");
    REJECTS(unit_amount, "1.5e40eth", &a, "amount '1.5e40eth' too large");
    /* 2^128 wei, in wei and in eth, is one too many. */
    REJECTS(unit_amount, "340282366920938463463374607431768211456wei", &a,
            "amount '340282366920938463463374607431768211456wei' too large");
    REJECTS(unit_amount, "340282366920938463463.374607431768211456eth", &a,
            "amount '340282366920938463463.374607431768211456eth' too large");
    /* 2^256 - 1 wei (a uint256's maximum) is far beyond 128 bits; the message
     * shows the start of the text only. */
    REJECTS(unit_amount,
            "115792089237316195423570985008687907853269984665640564039457584007913129639935wei",
            &a,
            "amount '115792089237316195423570985008687907853269984665640564039457...' too large");
    assert_true(a == 42);
}

static void test_gas(void **state)
{
    int64_t g = 42;
    GAS_IS("21000", 21000);                        /* a plain transfer */
    GAS_IS("30M", 30000000);                       /* M = 10^6 */
    GAS_IS("30 M", 30000000);
    GAS_IS("15K", 15000);                          /* K = 10^3 */
    GAS_IS("1.5M", 1500000);
    GAS_IS("0", 0);
    GAS_IS("9223372036854775807", INT64_MAX);
    REJECTS(unit_gas, "1.5", &g, "gas '1.5' is not a whole number");
    REJECTS(unit_gas, "1.0005K", &g, "'1.0005K' is not a whole amount of gas");
    REJECTS(unit_gas, "9223372036854775808", &g, "gas '9223372036854775808' too large");
    REJECTS(unit_gas, "30G", &g, "unknown unit 'G' (use K or M)");
    REJECTS(unit_gas, "30m", &g, "unknown unit 'm' (use K or M)");
    REJECTS(unit_gas, "-1", &g, "negative gas '-1'");
    assert_int_equal(g, 42);
}

static void test_rate(void **state)
{
    struct unit_rate r;
    PARSES(unit_rate, "20/s", &r);
    assert_true(r.count == 20.0);
    assert_int_equal(r.per, SIM_SEC);
    assert_false(r.per_block);
    PARSES(unit_rate, "1000/h", &r);
    assert_true(r.count == 1000.0);
    assert_int_equal(r.per, 3600000000LL);
    PARSES(unit_rate, "180/block", &r);
    assert_true(r.count == 180.0);
    assert_true(r.per_block);
    assert_int_equal(r.per, 0);
    PARSES(unit_rate, "0.5/min", &r);
    assert_true(r.count == 0.5);
    assert_int_equal(r.per, 60000000);
    PARSES(unit_rate, "2/ms", &r);
    assert_int_equal(r.per, 1000);
    PARSES(unit_rate, "3/d", &r);
    assert_int_equal(r.per, 86400000000LL);
    PARSES(unit_rate, "1/w", &r);
    assert_int_equal(r.per, 604800000000LL);
    PARSES(unit_rate, "0/s", &r);
    assert_true(r.count == 0.0);
    PARSES(unit_rate, "1e3/s", &r);
    assert_true(r.count == 1000.0);

    REJECTS(unit_rate, "-1/s", &r, "negative rate '-1/s'");
    REJECTS(unit_rate, "20/sec", &r,
            "unknown rate unit 'sec' (use s, ms, m, h, d, w or block)");
    REJECTS(unit_rate, "20", &r,
            "expected a rate such as 20/s, 1000/h or 180/block, got '20'");
    REJECTS(unit_rate, "20 /s", &r,
            "expected a rate such as 20/s, 1000/h or 180/block, got '20 /s'");
    REJECTS(unit_rate, "inf/s", &r,
            "expected a rate such as 20/s, 1000/h or 180/block, got 'inf/s'");
    REJECTS(unit_rate, "nan/s", &r,
            "expected a rate such as 20/s, 1000/h or 180/block, got 'nan/s'");
    REJECTS(unit_rate, "1e999/s", &r, "rate '1e999/s' too large");
}

static void test_fraction(void **state)
{
    double f = -1;
    PARSES(unit_fraction, "5%", &f);
    assert_true(f == 0.05);                        /* 5% is the double nearest 0.05 */
    PARSES(unit_fraction, "0.05", &f);
    assert_true(f == 0.05);
    PARSES(unit_fraction, "33.3%", &f);
    assert_true(f == 0.333);                       /* not 33.3 / 100, which is off by an ulp */
    PARSES(unit_fraction, "100%", &f);
    assert_true(f == 1.0);
    PARSES(unit_fraction, "5 %", &f);
    assert_true(f == 0.05);
    PARSES(unit_fraction, "-5%", &f);              /* the range is the caller's to check */
    assert_true(f == -0.05);
    PARSES(unit_fraction, "5e-2", &f);
    assert_true(f == 0.05);

    f = 42;
    REJECTS(unit_fraction, "5%%", &f, "expected a fraction such as 0.05 or 5%, got '5%%'");
    REJECTS(unit_fraction, "half", &f, "expected a fraction such as 0.05 or 5%, got 'half'");
    REJECTS(unit_fraction, "nan", &f, "expected a fraction such as 0.05 or 5%, got 'nan'");
    REJECTS(unit_fraction, "1e999", &f, "fraction '1e999' out of range");
    REJECTS(unit_fraction, "1e999%", &f, "fraction '1e999%' out of range");
    assert_true(f == 42.0);
}

static void test_int(void **state)
{
    int64_t i = 42;
    uint64_t u = 42;
    PARSES(unit_int, "0", &i);
    assert_int_equal(i, 0);
    PARSES(unit_int, "-0", &i);
    assert_int_equal(i, 0);
    PARSES(unit_int, "-42", &i);
    assert_int_equal(i, -42);
    PARSES(unit_int, "+42", &i);
    assert_int_equal(i, 42);
    PARSES(unit_int, "9223372036854775807", &i);
    assert_true(i == INT64_MAX);
    PARSES(unit_int, "-9223372036854775808", &i);
    assert_true(i == INT64_MIN);
    REJECTS(unit_int, "9223372036854775808", &i, "integer '9223372036854775808' out of range");
    REJECTS(unit_int, "-9223372036854775809", &i, "integer '-9223372036854775809' out of range");
    REJECTS(unit_int, "99999999999999999999", &i, "integer '99999999999999999999' out of range");
    REJECTS(unit_int, "1.5", &i, "expected an integer, got '1.5'");
    REJECTS(unit_int, "1e3", &i, "expected an integer, got '1e3'");
    REJECTS(unit_int, "0x10", &i, "expected an integer, got '0x10'");
    REJECTS(unit_int, "-", &i, "expected an integer, got '-'");
    REJECTS(unit_int, "", &i, "expected an integer, got an empty value");
    REJECTS(unit_int, " 1", &i, "unexpected space in ' 1'");
    assert_true(i == INT64_MIN);

    PARSES(unit_uint, "18446744073709551615", &u);
    assert_true(u == UINT64_MAX);
    REJECTS(unit_uint, "18446744073709551616", &u, "integer '18446744073709551616' out of range");
    REJECTS(unit_uint, "-1", &u, "expected a non-negative integer, got '-1'");
    REJECTS(unit_uint, "+1", &u, "expected a non-negative integer, got '+1'");
    assert_true(u == UINT64_MAX);
}

static void test_real(void **state)
{
    double x = 0;
    PARSES(unit_real, "1.2", &x);
    assert_true(x == 1.2);
    PARSES(unit_real, "3e-4", &x);
    assert_true(x == 3e-4);
    PARSES(unit_real, "-2.5E+2", &x);
    assert_true(x == -250.0);
    PARSES(unit_real, "1e-400", &x);               /* underflows to zero: still finite */
    assert_true(x == 0.0);
    REJECTS(unit_real, "1e999", &x, "number '1e999' out of range");
    REJECTS(unit_real, "nan", &x, "expected a number such as 1.2 or 3e-4, got 'nan'");
    REJECTS(unit_real, "inf", &x, "expected a number such as 1.2 or 3e-4, got 'inf'");
    REJECTS(unit_real, "0x1p3", &x, "expected a number such as 1.2 or 3e-4, got '0x1p3'");
    REJECTS(unit_real, "1.2x", &x, "expected a number such as 1.2 or 3e-4, got '1.2x'");
    REJECTS(unit_real, "1e", &x, "expected a number such as 1.2 or 3e-4, got '1e'");
}

static void test_bool(void **state)
{
    static const struct { const char *text; bool value; } ok[] = {
        {"true", true}, {"false", false}, {"yes", true},
        {"no", false},  {"on", true},     {"off", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        bool b = !ok[i].value;
        PARSES(unit_bool, ok[i].text, &b);
        assert_int_equal(b, ok[i].value);
    }
    bool b = true;
    REJECTS(unit_bool, "True", &b, "expected true/false, yes/no or on/off, got 'True'");
    REJECTS(unit_bool, "1", &b, "expected true/false, yes/no or on/off, got '1'");
    REJECTS(unit_bool, "", &b, "expected true/false, yes/no or on/off, got an empty value");
}

static void test_format_duration(void **state)
{
    char buf[32];
    assert_string_equal(unit_format_duration(90 * SIM_SEC, buf, sizeof buf), "90s");
    assert_string_equal(unit_format_duration(SIM_DAY, buf, sizeof buf), "1d");
    assert_string_equal(unit_format_duration(7 * SIM_DAY, buf, sizeof buf), "1w");
    assert_string_equal(unit_format_duration(36 * SIM_HOUR, buf, sizeof buf), "36h");
    assert_string_equal(unit_format_duration(2 * SIM_MIN, buf, sizeof buf), "2m");
    assert_string_equal(unit_format_duration(1500 * SIM_MS, buf, sizeof buf), "1500ms");
    assert_string_equal(unit_format_duration(1, buf, sizeof buf), "1us");
    assert_string_equal(unit_format_duration(0, buf, sizeof buf), "0s");
    assert_string_equal(unit_format_duration(-5 * SIM_SEC, buf, sizeof buf), "-5s");
    assert_string_equal(unit_format_duration(INT64_MIN, buf, sizeof buf),
                        "-9223372036854775808us");
    assert_string_equal(unit_format_duration(90 * SIM_SEC, buf, 3), "90"); /* truncated */

    /* Every non-negative duration parses back to itself. */
    const sim_time samples[] = {
        0, 1, 999, SIM_MS, 12 * SIM_SEC, SIM_HOUR + 1, 7 * SIM_DAY, 13 * SIM_DAY,
        106751991 * SIM_DAY, INT64_MAX,
    };
    for (size_t i = 0; i < ARRAY_LEN(samples); i++)
        DURATION_IS(unit_format_duration(samples[i], buf, sizeof buf), samples[i]);
}

static void test_format_amount(void **state)
{
    char buf[48], dec[41];
    const u128 eth = (u128)1000000000 * 1000000000;
    assert_string_equal(unit_format_amount(7, buf, sizeof buf), "7wei");
    assert_string_equal(unit_format_amount(1500000000, buf, sizeof buf), "1.5gwei");
    assert_string_equal(unit_format_amount(eth / 100, buf, sizeof buf), "0.01eth");
    assert_string_equal(unit_format_amount(eth, buf, sizeof buf), "1eth");
    assert_string_equal(unit_format_amount(100 * eth, buf, sizeof buf), "100eth");
    assert_string_equal(unit_format_amount(21000, buf, sizeof buf), "21000wei");
    assert_string_equal(unit_format_amount(0, buf, sizeof buf), "0wei");
    assert_string_equal(unit_format_amount(~(u128)0, buf, sizeof buf),
                        "340282366920938463463374607431768211455wei");

    /* Every amount parses back to itself: fixed ones, then a deterministic spread. */
    u128 samples[64] = {0, 1, 999999999, 1000000001, eth - 1, eth + 1, ~(u128)0};
    u128 x = 0x9e3779b97f4a7c15u;
    for (size_t i = 7; i < ARRAY_LEN(samples); i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        samples[i] = x >> (i % 64 * 2); /* values of many magnitudes */
    }
    for (size_t i = 0; i < ARRAY_LEN(samples); i++)
        AMOUNT_IS(unit_format_amount(samples[i], buf, sizeof buf), u128_str(samples[i], dec));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_fractions_are_exact),
        cmocka_unit_test(test_duration_rejects),
        cmocka_unit_test(test_amount_units),
        cmocka_unit_test(test_amount_rejects),
        cmocka_unit_test(test_gas),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_fraction),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_real),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_format_amount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

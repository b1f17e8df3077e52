/* test_scenario.c — the scenario loader: defaults, typed values, lists with typed
 * items, --set overrides (order-independent, validated like the file), messages with
 * file:line:col, and the real schema's own consistency. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "models/model.h"
#include "sim/scenario.h"

static const struct scn_param rows[] = {
    { "name", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED, "name" },
    { "duration", SCN_DURATION, "1d", "1s", NULL, NULL, 0, "how long" },
    { "l1.slot", SCN_DURATION, "12s", "1s", "1h", NULL, 0, "slot" },
    { "l1.gas_limit", SCN_GAS, "36M", "21000", NULL, NULL, 0, "gas" },
    { "l1.fork", SCN_ENUM, "prague", NULL, NULL, "cancun|prague|osaka", 0, "fork" },
    { "l1.base_fee.initial", SCN_AMOUNT, "10gwei", NULL, NULL, NULL, 0, "fee" },
    { "l1.trace", SCN_PATH, NULL, NULL, NULL, NULL, SCN_OPTIONAL, "trace" },
    { "l1.demand.rate", SCN_RATE, "180/block", NULL, NULL, NULL, 0, "rate" },
    { "l1.demand.spikes", SCN_LIST, NULL, NULL, NULL, NULL, 0, "spikes" },
    { "l1.demand.spikes[].at", SCN_DURATION, NULL, NULL, NULL, NULL, SCN_REQUIRED, "at" },
    { "l1.demand.spikes[].multiplier", SCN_REAL, "2", "0", NULL, NULL, 0, "x" },
    { "share", SCN_FRACTION, "10%", "0", "1", NULL, 0, "share" },
    { "schemes", SCN_LIST, NULL, NULL, NULL, NULL, 0, "schemes" },
    { "schemes[].type", SCN_ENUM, NULL, NULL, NULL, "l1|zk", SCN_REQUIRED, "type" },
    { "schemes[].name", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL, "name" },
    { "schemes[l1].tip", SCN_AMOUNT, "1gwei", NULL, NULL, NULL, 0, "tip" },
    { "schemes[zk].prover.time", SCN_DURATION, "10m", NULL, NULL, NULL, 0, "prover" },
};
static const struct scn_schema schema = { rows, ARRAY_LEN(rows), NULL };

static struct scn *load_ok(const char *text, const char *const *sets, size_t nset)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    int rc = scn_load_text(&schema, "dir/t.yaml", text, strlen(text), sets, nset, &s, &e);
    if (rc != 0)
        fail_msg("unexpected error: %s", e.msg);
    return s;
}

static void expect_error(const char *text, const char *const *sets, size_t nset,
                         const char *message)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    assert_int_equal(scn_load_text(&schema, "t.yaml", text, strlen(text), sets, nset, &s, &e),
                     L2_EINPUT);
    assert_null(s);
    if (!strstr(e.msg, message))
        fail_msg("expected '%s' in:\n%s", message, e.msg);
}

static void test_defaults_and_types(void **state)
{
    struct scn *s = load_ok("name: t\nl1: {slot: 6s, trace: traces/a.csv}\n", NULL, 0);
    assert_string_equal(scn_str(s, "name"), "t");
    assert_int_equal(scn_int(s, "l1.slot"), 6 * SIM_SEC);
    assert_int_equal(scn_int(s, "duration"), SIM_DAY);              /* default */
    assert_int_equal(scn_int(s, "l1.gas_limit"), 36000000);
    assert_true(scn_amount(s, "l1.base_fee.initial") == (u128)10000000000u);
    assert_string_equal(scn_str(s, "l1.fork"), "prague");
    assert_true(scn_real(s, "share") == 0.1);
    struct unit_rate r = scn_rate(s, "l1.demand.rate");
    assert_true(r.per_block && r.count == 180.0);
    /* paths are resolved relative to the scenario's directory */
    assert_string_equal(scn_str(s, "l1.trace"), "dir/traces/a.csv");
    assert_int_equal(scn_count(s, "l1.demand.spikes"), 0);
    assert_int_equal(scn_count(s, "schemes"), 0);
    scn_free(s);
}

static void test_lists(void **state)
{
    struct scn *s = load_ok("name: t\n"
                            "l1: {demand: {spikes: [{at: 6h}, {at: 8h, multiplier: 3}]}}\n"
                            "schemes:\n  - {type: l1, tip: 2gwei}\n  - type: zk\n"
                            "    name: fastzk\n    prover: {time: 1m}\n", NULL, 0);
    assert_int_equal(scn_count(s, "l1.demand.spikes"), 2);
    assert_int_equal(scn_int(s, "l1.demand.spikes[1].at"), 8 * SIM_HOUR);
    assert_true(scn_real(s, "l1.demand.spikes[0].multiplier") == 2.0);   /* item default */
    assert_int_equal(scn_count(s, "schemes"), 2);
    assert_string_equal(scn_str(s, "schemes[0].name"), "l1");           /* name = type */
    assert_string_equal(scn_str(s, "schemes[1].name"), "fastzk");
    assert_true(scn_amount(s, "schemes[0].tip") == (u128)2000000000u);
    assert_int_equal(scn_int(s, "schemes[1].prover.time"), SIM_MIN);
    assert_false(scn_has(s, "schemes[1].tip"));                          /* not a zk key */
    scn_free(s);
}

static void test_sets_order_independent(void **state)
{
    const char *text = "name: t\nschemes: [{type: l1}, {type: zk}]\n";
    const char *a[] = { "l1.slot=6s", "schemes[zk].prover.time=2m", "schemes[0].tip=5gwei" };
    const char *b[] = { "schemes[0].tip=5gwei", "l1.slot=6s", "schemes[zk].prover.time=2m" };
    struct scn *x = load_ok(text, a, 3), *y = load_ok(text, b, 3);
    assert_string_equal(scn_overrides(x), scn_overrides(y));
    char *dx = scn_dump(x), *dy = scn_dump(y);
    assert_string_equal(dx, dy);
    assert_int_equal(scn_int(x, "l1.slot"), 6 * SIM_SEC);
    assert_int_equal(scn_int(x, "schemes[1].prover.time"), 2 * SIM_MIN);
    assert_true(scn_amount(x, "schemes[0].tip") == (u128)5000000000u);
    assert_non_null(strstr(scn_overrides(x), "schemes[1].prover.time=2m"));
    free(dx), free(dy);
    scn_free(x), scn_free(y);
}

static void test_messages(void **state)
{
    expect_error("name: t\nl1:\n  gas_limt: 30M\n", NULL, 0,
                 "t.yaml:3:3: unknown key 'gas_limt' in 'l1' (did you mean 'gas_limit'?)");
    expect_error("name: t\nl1: {slot: 0s}\n", NULL, 0,
                 "t.yaml:2:12: l1.slot: 0s is below the minimum 1s");
    expect_error("name: t\nl1: {slot: 2h}\n", NULL, 0, "l1.slot: 2h is above the maximum 1h");
    expect_error("name: t\nname: u\n", NULL, 0, "t.yaml:2:1: duplicate key 'name'");
    expect_error("duration: 1d\n", NULL, 0, "missing required key 'name'");
    expect_error("name: t\nl1: 5\n", NULL, 0, "l1: is a section; expected a mapping");
    expect_error("name: t\nl1: {slot: {a: 1}}\n", NULL, 0, "l1.slot: expected a duration");
    expect_error("name: t\nschemes: [{tip: 1gwei}]\n", NULL, 0, "schemes[0]: missing 'type'");
    expect_error("name: t\nschemes: [{type: zk, tip: 1gwei}]\n", NULL, 0,
                 "unknown key 'tip' in 'schemes[0]'");
    expect_error("name: t\nschemes: [{type: l1}, {type: l1}]\n", NULL, 0,
                 "two items named 'l1'");
    expect_error("name: t\nl1: {fork: pragu}\n", NULL, 0, "(did you mean 'prague'?)");
    const char *bad[] = { "l1.slot=abc" };
    expect_error("name: t\n", bad, 1, "--set l1.slot=abc: l1.slot:");
    const char *twice[] = { "l1.slot=6s", "l1.slot=7s" };
    expect_error("name: t\n", twice, 2, "'l1.slot' is set twice");
    const char *section[] = { "l1=3" };
    expect_error("name: t\n", section, 1, "'l1' is a section");
    const char *noitem[] = { "schemes[3].tip=1gwei" };
    expect_error("name: t\nschemes: [{type: l1}]\n", noitem, 1, "no item '3' in 'schemes'");
}

/* The real schema: every default parses and lies in its range, docs present. */
static void test_model_schema_consistent(void **state)
{
    struct err e;
    err_init(&e);
    if (scn_schema_check(model_schema(), &e) != 0)
        fail_msg("%s", e.msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_types),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_sets_order_independent),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_model_schema_consistent),
    };
    return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}

/* test_sweep.c — the sweep section: values written as YAML lists or comma-separated
 * text, the grid's expansion (first axis slowest) crossed with explicit points, labels
 * that are exactly the points' --set overrides, and malformed sweeps reported at their
 * file position. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "models/model.h"
#include "sim/sweep.h"

static struct scn *load(const char *text)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "s.yaml", text, strlen(text), NULL, 0, &s, &e) != 0)
        fail_msg("unexpected error: %s", e.msg);
    return s;
}

static void expand_error(const char *text, const char *message)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    struct sweep sw;
    int rc = scn_load_text(model_schema(), "s.yaml", text, strlen(text), NULL, 0, &s, &e);
    if (rc == 0) {
        rc = sweep_expand(s, &sw, &e);
        sweep_free(&sw);
        scn_free(s);
    }
    assert_int_equal(rc, L2_EINPUT);
    if (!strstr(e.msg, message))
        fail_msg("expected '%s' in:\n%s", message, e.msg);
}

#define HEAD "name: t\nschemes: [{type: l1}]\n"

static void test_no_sweep_is_one_point(void **state)
{
    struct scn *s = load(HEAD);
    struct sweep sw;
    struct err e;
    err_init(&e);
    assert_false(sweep_present(s));
    assert_int_equal(sweep_expand(s, &sw, &e), 0);
    assert_int_equal(sw.n, 1);
    assert_string_equal(sw.points[0].label, "");
    assert_int_equal(sw.points[0].nsets, 0);
    sweep_free(&sw);
    scn_free(s);
}

static void test_grid_order_and_labels(void **state)
{
    struct scn *s = load(HEAD
        "sweep:\n"
        "  grid:\n"
        "    - {path: l1.gas_limit, values: [30M, 36M, 60M]}\n"
        "    - {path: l1.base_fee.max_change_denominator, values: \"8, 250\"}\n");
    assert_string_equal(scn_str(s, "sweep.grid[0].values"), "30M, 36M, 60M");
    struct sweep sw;
    struct err e;
    err_init(&e);
    assert_true(sweep_present(s));
    assert_int_equal(sweep_expand(s, &sw, &e), 0);
    assert_int_equal(sw.n, 6);
    assert_string_equal(sw.points[0].label,
                        "l1.gas_limit=30M, l1.base_fee.max_change_denominator=8");
    assert_string_equal(sw.points[1].label,
                        "l1.gas_limit=30M, l1.base_fee.max_change_denominator=250");
    assert_string_equal(sw.points[5].label,
                        "l1.gas_limit=60M, l1.base_fee.max_change_denominator=250");
    assert_int_equal(sw.points[5].nsets, 2);
    assert_string_equal(sw.points[5].sets[0], "l1.gas_limit=60M");
    /* each value is a source of its own, for messages at its position */
    assert_int_equal(sw.nsources, 5);
    assert_string_equal(sw.sources[4].where, "sweep.grid[1].values");
    sweep_free(&sw);
    scn_free(s);
}

static void test_list_crossed_with_grid(void **state)
{
    struct scn *s = load(HEAD
        "sweep:\n"
        "  list:\n"
        "    - {set: [l1.fork=prague, l1.gas_limit=30M]}\n"
        "    - {set: l1.fork=osaka}\n"
        "  grid:\n"
        "    - {path: l1.slot, values: [6s, 12s]}\n");
    struct sweep sw;
    struct err e;
    err_init(&e);
    assert_int_equal(sweep_expand(s, &sw, &e), 0);
    assert_int_equal(sw.n, 4);
    assert_string_equal(sw.points[0].label, "l1.fork=prague, l1.gas_limit=30M, l1.slot=6s");
    assert_string_equal(sw.points[1].label, "l1.fork=prague, l1.gas_limit=30M, l1.slot=12s");
    assert_string_equal(sw.points[3].label, "l1.fork=osaka, l1.slot=12s");
    sweep_free(&sw);
    scn_free(s);
}

/* A point's overrides load like --set: the scenario it describes is the one a run gets. */
static void test_point_loads_as_overrides(void **state)
{
    const char *text = HEAD "sweep: {grid: [{path: l1.gas_limit, values: [30M, 45M]}]}\n";
    struct scn *s = load(text);
    struct sweep sw;
    struct err e;
    err_init(&e);
    assert_int_equal(sweep_expand(s, &sw, &e), 0);
    struct scn *p;
    assert_int_equal(scn_load_text(model_schema(), "s.yaml", text, strlen(text),
                                   (const char *const *)sw.points[1].sets, sw.points[1].nsets,
                                   &p, &e), 0);
    assert_int_equal(scn_int(p, "l1.gas_limit"), 45000000);
    assert_string_equal(scn_overrides(p), "l1.gas_limit=45M\n");
    scn_free(p);
    sweep_free(&sw);
    scn_free(s);
}

static void test_malformed(void **state)
{
    expand_error(HEAD "sweep: {grid: [{path: l1.slot, values: [6s, 6s]}]}\n",
                 "s.yaml:3:40: sweep.grid[0].values: '6s' is listed twice");
    expand_error(HEAD "sweep: {grid: [{path: l1.slot, values: [6s]}, {path: l1.slot, values: [3s]}]}\n",
                 "sweep.grid[1].path: 'l1.slot' is already an axis of the grid");
    expand_error(HEAD "sweep: {list: [{set: [l1.slot]}]}\n",
                 "sweep.list[0].set: 'l1.slot' is not path=value");
    expand_error(HEAD "sweep: {list: [{set: [l1.slot=6s, l1.slot=3s]}]}\n",
                 "'l1.slot' is set twice in this point");
    expand_error(HEAD "sweep: {list: [{set: [l1.slot=6s]}], grid: [{path: l1.slot, values: [1s]}]}\n",
                 "'l1.slot' is also an axis of the grid");
    expand_error(HEAD "sweep:\n  grid:\n"
                 "    - {path: l1.slot, values: [1s,2s,3s,4s,5s,6s,7s,8s,9s,10s,11s]}\n"
                 "    - {path: l1.gas_limit, values: [1M,2M,3M,4M,5M,6M,7M,8M,9M,10M]}\n"
                 "    - {path: l1.elasticity, values: [1,2,3,4,5,6,7,8,9,10]}\n"
                 "    - {path: l1.finality_depth, values: [1,2,3,4,5,6,7,8,9,10]}\n"
                 "    - {path: l1.mempool.max_txs, values: [1,2,3,4,5,6,7,8,9,10]}\n",
                 "the sweep has more than 100000 points");
}

/* The loader: a list of scalars only where the schema allows it, no nested values, no
 * commas inside an item. */
static void test_loader_lists_of_scalars(void **state)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    const char *nested = HEAD "sweep: {grid: [{path: l1.slot, values: [6s, [3s]]}]}\n";
    assert_int_equal(scn_load_text(model_schema(), "s.yaml", nested, strlen(nested), NULL, 0,
                                   &s, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "sweep.grid[0].values[1]: expected a value, got a list"));
    err_init(&e);
    const char *comma = HEAD "sweep: {grid: [{path: l1.slot, values: [\"6s,3s\"]}]}\n";
    assert_int_equal(scn_load_text(model_schema(), "s.yaml", comma, strlen(comma), NULL, 0,
                                   &s, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "contains a comma"));
    err_init(&e);
    const char *notlist = HEAD "description: [a, b]\n";
    assert_int_equal(scn_load_text(model_schema(), "s.yaml", notlist, strlen(notlist), NULL, 0,
                                   &s, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "description: expected text, got a list"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_sweep_is_one_point),
        cmocka_unit_test(test_grid_order_and_labels),
        cmocka_unit_test(test_list_crossed_with_grid),
        cmocka_unit_test(test_point_loads_as_overrides),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_loader_lists_of_scalars),
    };
    return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}

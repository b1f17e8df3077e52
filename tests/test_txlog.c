/* test_txlog.c — the txs writer: a transfer's soft confirmation, its fee written when
 * charged (a failed transfer that paid 30.5 ETH keeps its fee and its reason; a dropped
 * one that paid nothing has none), and a fee past what u128 holds fails the world with
 * a message naming the transfer instead of writing a wrong number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "models/run/run.h"
#include "models/world.h"

static const char yaml[] = "name: txlog\nduration: 1m\nschemes: [{type: l1}]\n";

struct fix {
    struct scn   *s;
    struct store *st;
    struct world *w;
};

static int setup(void **state)
{
    struct fix *f = xcalloc(1, sizeof *f);
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "txlog.yaml", yaml, strlen(yaml), NULL, 0, &f->s, &e)
        || run_check(f->s, &e) || store_open(":memory:", &f->st, &e))
        fail_msg("%s", e.msg);
    int64_t run_id;
    assert_int_equal(run_begin(f->st, f->s, 1, 1, 0, &run_id, &e), 0);
    size_t only = 0;
    struct world_spec spec = { .scn = f->s, .store = f->st, .run_id = run_id, .seed = 1,
                               .name = "l1", .schemes = &only, .nschemes = 1 };
    assert_int_equal(world_new(&spec, &f->w, &e), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    world_free(f->w);
    store_close(f->st);
    scn_free(f->s);
    free(f);
    return 0;
}

static char *row(struct fix *f, uint64_t tx_id)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(store_db(f->st),
        "SELECT status || '|' || ifnull(reason, '-') || '|' || ifnull(soft_us, '-') || '|'"
        " || ifnull(include_us, '-') || '|' || ifnull(fee_wei, '-') || '|'"
        " || ifnull(l1_fee_wei, '-') || '|' || ifnull(l2_fee_wei, '-') || '|'"
        " || ifnull(fee_eth, '-') || '|' || value_wei FROM txs WHERE tx_id = ?", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)tx_id);
    char *out = sqlite3_step(q) == SQLITE_ROW
              ? xstrdup((const char *)sqlite3_column_text(q, 0)) : NULL;
    sqlite3_finalize(q);
    return out;
}

static void test_fee_written_when_charged(void **state)
{
    struct fix *f = *state;
    struct scheme sc = { .name = "toy" };
    const u128 eth = (u128)1000000000000000000ULL;
    struct tx_record failed = {
        .tx_id = 1, .from = 1, .to = 2, .value = 100 * eth, .submit = 10, .soft = 20,
        .include = 30, .final = -1, .charged = true, .l1_fee = 30 * eth, .l2_fee = eth / 2,
        .status = "failed", .reason = "insufficient balance" };
    struct tx_record dropped = {
        .tx_id = 2, .from = 1, .to = 2, .value = 1, .submit = 10, .soft = -1, .include = -1,
        .final = -1, .status = "dropped", .reason = "evicted" };
    txlog_write(f->w, &sc, &failed);
    txlog_write(f->w, &sc, &dropped);
    assert_null(f->w->failure);
    char *r = row(f, 1);
    assert_string_equal(r, "failed|insufficient balance|20|30|30500000000000000000|"
                           "30000000000000000000|500000000000000000|30.5|"
                           "100000000000000000000");
    free(r);
    r = row(f, 2);
    assert_string_equal(r, "dropped|evicted|-|-|-|-|-|-|1");
    free(r);
}

static void test_fee_beyond_u128_fails_naming_it(void **state)
{
    struct fix *f = *state;
    struct scheme sc = { .name = "toy" };
    struct tx_record huge = {
        .tx_id = 3, .value = 1, .submit = 10, .soft = 20, .include = 30, .final = -1,
        .charged = true, .l1_fee = ~(u128)0, .l2_fee = 1, .status = "included" };
    txlog_write(f->w, &sc, &huge);
    assert_non_null(f->w->failure);
    assert_non_null(strstr(f->w->failure, "scheme 'toy': the fee of transfer 3, "
                                          "340282366920938463463374607431768211455 wei on L1 "
                                          "+ 1 wei on L2, exceeds 2^128-1 wei"));
    assert_null(row(f, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fee_written_when_charged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_beyond_u128_fails_naming_it, setup, teardown),
    };
    return cmocka_run_group_tests_name("txlog", tests, NULL, NULL);
}

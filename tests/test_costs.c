/* test_costs.c — the cost per transfer every scheme gets (analysis/costs.c), stated on
 * a toy world written by hand into a results database, where every number is known:
 * an L1 baseline and a toy rollup with users' deposits, an operator's batch and state
 * root, a challenger's dispute move and a prover's off-chain cost. The definitions:
 *   users pay     = (users' fees to the scheme + users' own L1 transactions) / included
 *   operator cost = (operator's L1 transactions + off-chain costs) / included
 *   all-in        = (every L1 transaction for the scheme + off-chain costs) / included
 * each against the L1 baseline's all-in cost per transfer; transfers and L1
 * transactions count in the phase they were submitted in. The rows leave l1_txs.payer
 * at 'unknown' (a database before version 3): view l1_spend reads it from the kind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/costs.h"
#include "analysis/metrics.h"
#include "models/model.h"
#include "sim/store.h"

#define SEC INT64_C(1000000)

/* The toy rollup: its prover's cost sits in a table of its own, declared as its
 * off-chain cost; a transfer's l1_fee is a data fee it charged (not the user's own
 * L1 transaction). */
static const struct scheme_costs toy_costs = {
    .offchain_sql = "SELECT t_us, cost_eth FROM toy_prover WHERE run_id = ?1 AND scheme = ?2",
};
static const struct scheme_ops toy_ops = {
    .type = "costs_toy", .doc = "a rollup's books written by hand (test only)",
    .costs = &toy_costs,
};

static char path[64];
static struct store *st;

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(store_db(st), sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", msg, sql);
}

/* An amount in wei (decimal text) from milli-ETH x 10^-3 units, i.e. micro-ETH. */
static const char *ueth(long micro)
{
    static char buf[8][40];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%ld000000000000", micro);
    return buf[k];
}

static void tx(const char *scheme, int id, int submit_s, long fee_ueth_x1000, long l1_part,
               bool included)
{
    /* fee in nano-ETH (10^9 wei) so a rollup's small fees stay integers */
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO txs(run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
             " soft_us, include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status, reason)"
             " VALUES(1, '%s', %d, %d, 0, '1000', %lld, %s, %s, NULL, '%ld000000000',"
             " '%ld000000000', '%ld000000000', '%s', %s)",
             scheme, id, id, (long long)(submit_s * SEC),
             included ? "1" : "NULL", included ? "99000000" : "NULL",
             fee_ueth_x1000, l1_part, fee_ueth_x1000 - l1_part,
             included ? "included" : "dropped", included ? "NULL" : "'too expensive'");
    exec(sql);
}

static void l1tx(const char *world, int id, const char *origin, const char *kind,
                 int submit_s, long fee_ueth, bool included)
{
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO l1_txs(run_id, world, tx_id, origin, kind, status, cancelled,"
             " calldata_bytes, exec_gas, gas, blobs, max_fee_per_gas, max_priority_fee_per_gas,"
             " replacements, height, base_fee_per_gas, priority_fee_per_gas, fee_wei,"
             " submit_us, include_us, final_us, drop_us, drop_reason)"
             " VALUES(1, '%s', %d, '%s', '%s', '%s', 0, 0, 0, 21000, 0, 1, 1, 0, %s, %s, %s,"
             " '%s', %lld, %s, NULL, NULL, NULL)",
             world, id, origin, kind, included ? "final" : "dropped",
             included ? "7" : "NULL", included ? "1" : "NULL", included ? "0" : "NULL",
             included ? ueth(fee_ueth) : "0", (long long)(submit_s * SEC),
             included ? "90000000" : "NULL");
    exec(sql);
}

static int setup(void **state)
{
    (void)state;
    if (!model_scheme_by_type("costs_toy"))
        model_register_scheme(&toy_ops);
    snprintf(path, sizeof path, "/tmp/l2sim-test-costs-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct err e;
    err_init(&e);
    if (store_open(path, &st, &e) != 0)
        fail_msg("store_open: %s", e.msg);
    exec("INSERT INTO runs(run_id, scenario_name, scenario_file, scenario_text,"
         " scenario_sha256, overrides, config, seed, master_seed, replication, l2sim_version,"
         " git_rev, crypto_mode, duration_us, started_at, status)"
         " VALUES(1, 'toy', 'toy.yaml', 'name: toy', '0', '', '', 1, 1, 0, 'x', 'x', 'fast',"
         " 100000000, 'now', 'complete')");
    exec("INSERT INTO schemes VALUES(1, 'l1', 'l1', 'l1'), (1, 'toy', 'costs_toy', 'toy')");
    exec("CREATE TABLE toy_prover(run_id INTEGER, scheme TEXT, t_us INTEGER, cost_eth REAL)");

    /* The L1 baseline: four transfers, each its user's own L1 transaction. Fees 1000,
     * 2000 and 3000 micro-ETH for the three included (at 10 s, 20 s, 60 s), the one
     * at 70 s dropped unpaid. All-in per transfer: 6000 / 3 = 2000 micro-ETH; in
     * the first 50 s: 3000 / 2 = 1500. */
    tx("l1", 0, 10, 1000000, 1000000, true);
    tx("l1", 1, 20, 2000000, 2000000, true);
    tx("l1", 2, 60, 3000000, 3000000, true);
    tx("l1", 3, 70, 0, 0, false);
    exec("UPDATE txs SET fee_wei = NULL, l1_fee_wei = NULL, l2_fee_wei = NULL"
         " WHERE scheme = 'l1' AND tx_id = 3");
    l1tx("l1", 1, "l1", "transfer", 10, 1000, true);
    l1tx("l1", 2, "l1", "transfer", 20, 2000, true);
    l1tx("l1", 3, "l1", "transfer", 60, 3000, true);
    l1tx("l1", 4, "l1", "transfer", 70, 0, false);

    /* The toy rollup: the same four transfers, all included, each fee 10 micro-ETH
     * (6 of it the data fee): users' fees 40. Users' own L1 transactions: two deposits
     * of 2000 (at 5 s and 8 s). The operator: a batch of 500 (30 s), a state root of
     * 300 (60 s), a batch dropped unpaid (65 s). A challenger's dispute move of 100
     * (70 s). The prover: 200 off-chain (40 s). The stuffing adversary's transaction
     * in its world is not the rollup's. */
    for (int i = 0; i < 4; i++)
        tx("toy", i, (int[]){ 10, 20, 60, 70 }[i], 10000, 6000, true);
    l1tx("toy", 1, "toy", "deposit", 5, 2000, true);
    l1tx("toy", 2, "toy", "deposit", 8, 2000, true);
    l1tx("toy", 3, "toy", "blob_batch", 30, 500, true);
    l1tx("toy", 4, "toy", "state_root", 60, 300, true);
    l1tx("toy", 5, "toy", "batch", 65, 0, false);
    l1tx("toy", 6, "toy", "dispute_move", 70, 100, true);
    l1tx("toy", 7, "stuffer", "stuffing", 30, 90000, true);
    exec("INSERT INTO toy_prover VALUES(1, 'toy', 40000000, 0.0002)");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(st);
    store_remove(path);
    return 0;
}

/* What the splitter handed out: values by (scheme, window, name). */
struct got {
    char   key[64][96];
    double val[64];
    size_t n;
};
static struct got got;

static void sink(void *ctx, const char *scheme, long window, const char *name, double value)
{
    (void)ctx;
    if (strstr(name, "cost") == NULL && strstr(name, "_l1_eth") == NULL &&
        strstr(name, "fees") == NULL && strcmp(name, "offchain_eth") != 0)
        return;                                   /* the transfer statistics */
    assert_true(got.n < 64);
    snprintf(got.key[got.n], sizeof got.key[got.n], "%s/%ld/%s", scheme, window, name);
    got.val[got.n++] = value;
}

static double val(const char *scheme, long window, const char *name)
{
    char key[96];
    snprintf(key, sizeof key, "%s/%ld/%s", scheme, window, name);
    for (size_t i = 0; i < got.n; i++)
        if (strcmp(got.key[i], key) == 0)
            return got.val[i];
    fail_msg("no %s", key);
    return 0;
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-12 * fmax(1, fabs((double)(b))))
#define UE 1e-6   /* a micro-ETH */

static void test_costs_by_hand(void **state)
{
    (void)state;
    static const struct metrics_phase first[] = { { "first", 0, 50 * SEC } };
    memset(&got, 0, sizeof got);
    metrics_scan(store_db(st), 1, 100 * SEC, first, 1, sink, NULL);

    /* the L1 baseline: its users pay their own transactions, nothing to an operator */
    NEAR(val("l1", -1, "users_fees_eth"), 0);
    NEAR(val("l1", -1, "users_l1_eth"), 6000 * UE);
    NEAR(val("l1", -1, "operator_l1_eth"), 0);
    NEAR(val("l1", -1, "user_cost_per_transfer_eth"), 2000 * UE);
    NEAR(val("l1", -1, "all_in_cost_per_transfer_eth"), 2000 * UE);
    NEAR(val("l1", -1, "all_in_cost_ratio_to_l1"), 1);

    /* the rollup over the whole run, four included transfers */
    NEAR(val("toy", -1, "users_fees_eth"), 40 * UE);
    NEAR(val("toy", -1, "users_l1_eth"), 4000 * UE);
    NEAR(val("toy", -1, "operator_l1_eth"), 800 * UE);
    NEAR(val("toy", -1, "challengers_l1_eth"), 100 * UE);
    NEAR(val("toy", -1, "offchain_eth"), 200 * UE);
    NEAR(val("toy", -1, "user_cost_per_transfer_eth"), (40 + 4000) / 4.0 * UE);      /* 1010 */
    NEAR(val("toy", -1, "operator_cost_per_transfer_eth"), (800 + 200) / 4.0 * UE);  /* 250 */
    NEAR(val("toy", -1, "all_in_cost_per_transfer_eth"),
         (4000 + 800 + 100 + 200) / 4.0 * UE);                                       /* 1275 */
    NEAR(val("toy", -1, "user_cost_ratio_to_l1"), 1010.0 / 2000);
    NEAR(val("toy", -1, "operator_cost_ratio_to_l1"), 250.0 / 2000);
    NEAR(val("toy", -1, "all_in_cost_ratio_to_l1"), 1275.0 / 2000);
    NEAR(val("toy", -1, "users_fees_ratio_to_l1"), 10.0 / 2000);
    /* users pay - all-in = users' fees - operator's cost - challengers, per transfer:
     * the operator's margin (here a loss) less what challengers spent */
    NEAR(val("toy", -1, "user_cost_per_transfer_eth") -
         val("toy", -1, "all_in_cost_per_transfer_eth"), (40 - 1000 - 100) / 4.0 * UE);

    /* the first 50 s: two transfers, both deposits, the batch and the prover */
    NEAR(val("toy", 0, "users_l1_eth"), 4000 * UE);
    NEAR(val("toy", 0, "operator_l1_eth"), 500 * UE);
    NEAR(val("toy", 0, "challengers_l1_eth"), 0);
    NEAR(val("toy", 0, "all_in_cost_per_transfer_eth"), (4000 + 500 + 200) / 2.0 * UE);
    NEAR(val("toy", 0, "all_in_cost_ratio_to_l1"), 2350.0 / 1500);
    NEAR(val("l1", 0, "all_in_cost_per_transfer_eth"), 1500 * UE);
}

/* Who paid each L1 transaction (view l1_spend): every row of a scheme's origin once,
 * so the payers' sums are the origin's sum, which is what the L1 charged it; an
 * adversary's row is no scheme's. */
static void test_payers_partition_the_origin(void **state)
{
    (void)state;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(st),
        "SELECT group_concat(kind || ':' || payer, ' ') FROM (SELECT * FROM l1_spend"
        " WHERE scheme = 'toy' ORDER BY tx_id)", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0),
                        "deposit:user deposit:user blob_batch:operator state_root:operator"
                        " batch:operator dispute_move:challenger");
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(store_db(st),
        "SELECT (SELECT total(fee_eth) FROM l1_spend WHERE scheme = 'toy'),"
        " (SELECT total(fee_eth) FROM l1_txs WHERE origin = 'toy'),"
        " (SELECT count(*) FROM l1_spend WHERE scheme = 'stuffer')", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    NEAR(sqlite3_column_double(q, 0), 4900 * UE);
    NEAR(sqlite3_column_double(q, 1), 4900 * UE);
    assert_int_equal(sqlite3_column_int(q, 2), 0);
    sqlite3_finalize(q);
    /* the payer the L1 wrote wins over the kind: an operator's own exit (rows above
     * predate the column: 'unknown', read from the kind) */
    l1tx("toy", 8, "toy", "exit_start", 80, 0, false);
    exec("UPDATE l1_txs SET payer = 'operator' WHERE world = 'toy' AND tx_id = 8");
    assert_int_equal(sqlite3_prepare_v2(store_db(st),
        "SELECT payer FROM l1_spend WHERE scheme = 'toy' AND tx_id = 8", -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "operator");
    sqlite3_finalize(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_costs_by_hand),
        cmocka_unit_test(test_payers_partition_the_origin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

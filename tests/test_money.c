/* test_money.c — amounts: checked u128 arithmetic, money_bind's exact text, and the
 * schema rule that every amount is a pair X_wei (TEXT) + X_eth (REAL generated from
 * it), checked over every table of a fresh database so a new table cannot miss it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/money.h"
#include "sim/store.h"

static const u128 U128_MAX = ~(u128)0;

static void test_add_mul_refuse_to_wrap(void **state)
{
    u128 r = 7;
    assert_true(money_add(1, 2, &r));
    assert_true(r == 3);
    assert_true(money_add(U128_MAX - 1, 1, &r));
    assert_true(r == U128_MAX);
    r = 7;
    assert_false(money_add(U128_MAX, 1, &r));
    assert_true(r == 7);                       /* untouched on overflow */
    /* 21,000 gas (the intrinsic gas of a transfer, Yellow Paper G_transaction) at
     * 10^15 wei per gas (1,000,000 gwei) is 21 ETH */
    assert_true(money_mul(21000, (u128)1000000000000000ULL, &r));
    assert_true(r == (u128)21 * 1000000000000000000ULL);
    assert_true(money_mul((u128)1 << 64, ((u128)1 << 64) - 1, &r));
    assert_false(money_mul((u128)1 << 64, (u128)1 << 64, &r));
}

static sqlite3 *fresh(struct store **st)
{
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(":memory:", st, &e), 0);
    return store_db(*st);
}

static void test_bind_is_exact_and_eth_follows(void **state)
{
    struct store *st;
    sqlite3 *db = fresh(&st);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x_wei TEXT, x_eth REAL GENERATED ALWAYS"
                                  " AS (" MONEY_ETH_OF("x_wei") ") VIRTUAL)", 0, 0, 0), 0);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO t(x_wei) VALUES(?)", -1, &ins, NULL);
    /* 2^128-1, 21 ETH, 0.01 ETH, 6.8 ETH, 0 */
    const u128 v[] = { U128_MAX, (u128)21 * 1000000000000000000ULL, 10000000000000000ULL,
                       6800000000000000000ULL, 0 };
    for (size_t i = 0; i < ARRAY_LEN(v); i++) {
        money_bind(ins, 1, v[i]);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT x_wei, typeof(x_wei), x_eth FROM t ORDER BY x_eth DESC",
                       -1, &q, NULL);
    const char *want[] = { "340282366920938463463374607431768211455", "21000000000000000000",
                           "6800000000000000000", "10000000000000000", "0" };
    const double eth[] = { 340282366920938463463.374607431768211455, 21, 6.8, 0.01, 0 };
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(q, 0), want[i]);
        assert_string_equal((const char *)sqlite3_column_text(q, 1), "text");
        double got = sqlite3_column_double(q, 2);
        assert_true(fabs(got - eth[i]) <= 1e-15 * eth[i]);
    }
    sqlite3_finalize(q);
    /* as text, 6.8 ETH sorts above 21 ETH ('6' > '2'): max over x_wei is wrong, over
     * x_eth right */
    sqlite3_prepare_v2(db, "SELECT max(x_wei), (SELECT x_wei FROM t WHERE x_eth < 1e6"
                       " ORDER BY x_eth DESC LIMIT 1) FROM t WHERE x_eth < 1e6", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "6800000000000000000");
    assert_string_equal((const char *)sqlite3_column_text(q, 1), "21000000000000000000");
    sqlite3_finalize(q);
    store_close(st);
}

/* Every column named *_wei in every table is TEXT and has an *_eth sibling generated
 * from it (hidden 2: virtual, 3: stored); every *_eth has its *_wei. */
static void test_every_amount_is_a_pair(void **state)
{
    struct store *st;
    sqlite3 *db = fresh(&st);
    sqlite3_stmt *tq, *cq;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &tq, NULL);
    sqlite3_prepare_v2(db, "SELECT c.name, c.type, c.hidden, (SELECT o.type || ',' || o.hidden"
                       " FROM pragma_table_xinfo(?1) o WHERE o.name = substr(c.name, 1,"
                       " length(c.name) - 4) || CASE WHEN c.name LIKE '%\\_wei' ESCAPE '\\'"
                       " THEN '_eth' ELSE '_wei' END) FROM pragma_table_xinfo(?1) c"
                       " WHERE c.name LIKE '%\\_wei' ESCAPE '\\' OR c.name LIKE '%\\_eth'"
                       " ESCAPE '\\'", -1, &cq, NULL);
    int pairs = 0;
    while (sqlite3_step(tq) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(tq, 0);
        sqlite3_reset(cq);
        sqlite3_bind_text(cq, 1, table, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(cq) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(cq, 0);
            const char *type = (const char *)sqlite3_column_text(cq, 1);
            int hidden = sqlite3_column_int(cq, 2);
            const char *sib = (const char *)sqlite3_column_text(cq, 3);
            bool wei = strcmp(col + strlen(col) - 4, "_wei") == 0;
            if (!sib)
                fail_msg("%s.%s has no %s sibling", table, col, wei ? "_eth" : "_wei");
            if (wei && (strcmp(type, "TEXT") != 0 || hidden != 0 ||
                        (strcmp(sib, "REAL,2") != 0 && strcmp(sib, "REAL,3") != 0)))
                fail_msg("%s.%s: %s (hidden %d), sibling %s: want TEXT + a generated REAL",
                         table, col, type, hidden, sib);
            pairs += wei;
        }
    }
    sqlite3_finalize(tq);
    sqlite3_finalize(cq);
    assert_true(pairs >= 9);    /* l1_blocks 2, txs 4, attacks 3 */
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_mul_refuse_to_wrap),
        cmocka_unit_test(test_bind_is_exact_and_eth_follows),
        cmocka_unit_test(test_every_amount_is_a_pair),
    };
    return cmocka_run_group_tests_name("money", tests, NULL, NULL);
}

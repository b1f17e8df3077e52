/* test_scheme_upgrade.c — a reader (report, compare, merge's sources: dbfile_open_reader)
 * of a database whose scheme tables are at an older version of the scheme's SQL than
 * this binary's reads them through a scratch copy upgraded by the scheme's own
 * upgrades (store_apply_sql), as it does for an older l2sim schema; the original file
 * is never written. Without it, the reader's check of the scheme's table (declared
 * columns) would refuse the file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/model.h"
#include "sim/dbfile.h"
#include "sim/store.h"

/* Version 1 of a toy scheme's table, and version 2: a column more. */
#define TOY_V1 "CREATE TABLE IF NOT EXISTS toyup_rows(run_id INTEGER NOT NULL," \
               " scheme TEXT NOT NULL, a INTEGER NOT NULL)"
static const struct store_sql toy_v1 = { .version = 1, .tables = TOY_V1 };
static const char *const toy_up[] = { "ALTER TABLE toyup_rows ADD COLUMN b INTEGER" };
static const struct store_sql toy_v2 = {
    .version = 2,
    .tables = "CREATE TABLE IF NOT EXISTS toyup_rows(run_id INTEGER NOT NULL,"
              " scheme TEXT NOT NULL, a INTEGER NOT NULL, b INTEGER)",
    .upgrades = toy_up,
};
static const struct scheme_ops toy_ops = { .type = "toyup", .doc = "a test's", .sql = &toy_v2 };

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    return v;
}

static void test_older_scheme_sql_read_through_upgraded_copy(void **state)
{
    (void)state;
    model_register_scheme(&toy_ops);
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-schemeup-%ld.db", (long)getpid());
    store_remove(path);
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(path, &st, &e), 0);
    assert_int_equal(store_apply_sql(st, "scheme toyup", &toy_v1, &e), 0);   /* as v1 wrote */
    assert_int_equal(sqlite3_exec(store_db(st), "INSERT INTO toyup_rows VALUES(1, 'toy', 7)",
                                  NULL, NULL, NULL), SQLITE_OK);
    store_close(st);

    sqlite3 *db;
    const char *file;
    if (dbfile_open_reader(path, &db, &file, &e) != 0)
        fail_msg("refused: %s", e.msg);
    assert_string_not_equal(file, path);               /* a scratch copy */
    assert_int_equal(one_int(db, "SELECT count(*) FROM pragma_table_info('toyup_rows')"
                                 " WHERE name = 'b'"), 1);
    assert_int_equal(one_int(db, "SELECT a FROM toyup_rows WHERE b IS NULL"), 7);
    assert_int_equal(one_int(db, "SELECT value FROM meta WHERE key = 'sql_version:scheme toyup'"),
                     2);
    dbfile_close(db);

    /* the original as it was: version 1, no column b */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(one_int(db, "SELECT value FROM meta WHERE key = 'sql_version:scheme toyup'"),
                     1);
    assert_int_equal(one_int(db, "SELECT count(*) FROM pragma_table_info('toyup_rows')"
                                 " WHERE name = 'b'"), 0);
    sqlite3_close(db);

    /* a file at this binary's version is read as it is */
    assert_int_equal(store_open(path, &st, &e), 0);
    assert_int_equal(store_apply_sql(st, "scheme toyup", &toy_v2, &e), 0);
    store_close(st);
    assert_int_equal(dbfile_open_reader(path, &db, &file, &e), 0);
    assert_string_equal(file, path);
    dbfile_close(db);
    store_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_older_scheme_sql_read_through_upgraded_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

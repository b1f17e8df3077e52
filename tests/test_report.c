/* test_report.c — the analysis layer: gnuplot quoting, the views over the results
 * database (config parsing, the L1 baseline rule, totals beyond 64 bits), and
 * `l2sim report` end to end: every figure that applies is a valid image, figures that
 * need absent data are skipped with a reason, incomplete runs are refused, a missing
 * gnuplot still leaves report.html, and a figure over the batch_stats view (which the
 * rollup schemes define) draws from a stand-in view. Needs gnuplot (make deps). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/report.h"
#include "models/run/run.h"

/* ---- quoting ---- */

static void test_quote_escapes(void **state)
{
    char buf[256];
    plot_quote("plain", 100, buf, sizeof buf);
    assert_string_equal(buf, "'plain'");
    plot_quote("it's", 100, buf, sizeof buf);
    assert_string_equal(buf, "'it''s'");
    /* a newline would end the command and start a new one: it becomes a space */
    plot_quote("a\nset output '/etc/x'\r\tb", 100, buf, sizeof buf);
    assert_string_equal(buf, "'a set output ''/etc/x''  b'");
    /* backquotes and @macros are not expanded inside single quotes: kept literally */
    plot_quote("`rm -rf x` @m \\", 100, buf, sizeof buf);
    assert_string_equal(buf, "'`rm -rf x` @m \\'");
}

static void test_quote_truncates_on_a_character(void **state)
{
    char buf[64];
    /* "é" is two bytes; a cut after 4 bytes would split the second one */
    plot_quote("\xc3\xa9\xc3\xa9\xc3\xa9", 3, buf, sizeof buf);
    assert_string_equal(buf, "'\xc3\xa9...'");
    plot_quote("''''''''''''''''''''''''''''''''''''''''", 1000, buf, 16);
    assert_true(strlen(buf) < 16);
    assert_int_equal(buf[strlen(buf) - 1], '\'');
    assert_non_null(strstr(buf, "..."));
}

/* ---- views ---- */

static int64_t add_run(struct store *st, const char *name, const char *config)
{
    struct err e;
    err_init(&e);
    struct store_run row = { .scenario_name = name, .scenario_file = "x.yaml",
                             .scenario_text = "name: x\n", .scenario_sha256 = "0",
                             .overrides = "", .config = config, .seed = 1, .master_seed = 1,
                             .crypto_mode = "ed25519", .duration_us = 3600000000LL };
    int64_t id;
    assert_int_equal(store_begin_run(st, &row, &id, &e), 0);
    return id;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static double scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    double v = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
             ? sqlite3_column_double(q, 0) : (double)NAN;
    sqlite3_finalize(q);
    return v;
}

/* Durations are written as the user wrote them; the view reads them all. */
static void test_windows_from_config(void **state)
{
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(":memory:", &st, &e), 0);
    add_run(st, "w",
            "l1.demand.spikes = [3 items]  # scenario\n"
            "l1.demand.spikes[0].at = 1.5h  # scenario\n"
            "l1.demand.spikes[0].for = 90 m  # --set\n"
            "l1.demand.spikes[0].multiplier = 3  # scenario\n"
            "l1.demand.spikes[1].at = 2e3s  # scenario\n"
            "l1.demand.spikes[1].for = 250ms  # scenario\n"
            "l1.demand.spikes[1].multiplier = 0.5  # scenario\n"
            "l1.demand.spikes[2].at = 0  # scenario\n"
            "l1.demand.spikes[2].for = 1w  # scenario\n"
            "l1.demand.spikes[2].multiplier = 2  # scenario\n"
            "name = odd  # value  # scenario\n"
            "workload.transfers.spikes[0].at = 10min  # scenario\n"
            "workload.transfers.spikes[0].for = 1d  # scenario\n"
            "workload.transfers.spikes[0].multiplier = 4  # scenario\n");
    sqlite3 *db = store_db(st);
    assert_true(scalar(db, "SELECT count(*) FROM timeline_windows") == 4);
    assert_true(scalar(db, "SELECT start_us FROM timeline_windows WHERE label = 'L1 demand x3'") == 5400e6);
    assert_true(scalar(db, "SELECT end_us FROM timeline_windows WHERE label = 'L1 demand x3'") == 10800e6);
    assert_true(scalar(db, "SELECT start_us FROM timeline_windows WHERE label = 'L1 demand x0.5'") == 2000e6);
    assert_true(scalar(db, "SELECT end_us - start_us FROM timeline_windows WHERE label = 'L1 demand x0.5'") == 250e3);
    assert_true(scalar(db, "SELECT end_us FROM timeline_windows WHERE label = 'L1 demand x2'") == 604800e6);
    assert_true(scalar(db, "SELECT start_us FROM timeline_windows WHERE kind = 'transfer_spike'") == 600e6);
    /* a value holding the origin marker keeps it: the origin is the line's last one */
    assert_true(scalar(db, "SELECT value = 'odd  # value' FROM run_config WHERE path = 'name'") == 1);
    store_close(st);
}

/* The baseline is the first scheme of type l1 in the scenario's order, whatever the
 * names; ratios are against it. */
static void test_baseline_is_first_l1(void **state)
{
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(":memory:", &st, &e), 0);
    assert_int_equal(add_run(st, "b", ""), 1);
    sqlite3 *db = store_db(st);
    exec(db, "INSERT INTO schemes VALUES (1, 'rollup', 'zk_rollup', 'rollup'),"
             " (1, 'zz-l1', 'l1', 'zz-l1'), (1, 'aa-l1', 'l1', 'aa-l1');"
             "INSERT INTO metrics VALUES (1, 'rollup', 'fee_mean_eth', 1e-5),"
             " (1, 'zz-l1', 'fee_mean_eth', 1e-3), (1, 'aa-l1', 'fee_mean_eth', 5e-4),"
             " (1, 'rollup', 'fee_p50_eth', 1e-5), (1, 'zz-l1', 'fee_p50_eth', 1e-3);");
    assert_true(scalar(db, "SELECT count(*) FROM l1_baseline") == 1);
    assert_true(scalar(db, "SELECT scheme = 'zz-l1' FROM l1_baseline") == 1);
    assert_true(fabs(scalar(db, "SELECT fee_mean_ratio FROM savings_vs_l1 WHERE scheme = 'rollup'") - 0.01) < 1e-12);
    assert_true(fabs(scalar(db, "SELECT cheaper_x FROM savings_vs_l1 WHERE scheme = 'rollup'") - 100) < 1e-9);
    assert_true(fabs(scalar(db, "SELECT fee_mean_ratio FROM savings_vs_l1 WHERE scheme = 'aa-l1'") - 0.5) < 1e-12);
    assert_true(scalar(db, "SELECT ord FROM run_schemes WHERE scheme = 'aa-l1'") == 3);
    store_close(st);
}

/* One fee beyond 64-bit integers (9.2 ETH) and their sum: the view adds the _eth
 * columns, exact to double precision. */
static void test_cost_totals_beyond_int64(void **state)
{
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(":memory:", &st, &e), 0);
    assert_int_equal(add_run(st, "c", ""), 1);
    sqlite3 *db = store_db(st);
    exec(db, "INSERT INTO schemes VALUES (1, 'l1', 'l1', 'l1');"
             "INSERT INTO txs(run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
             " soft_us, include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status) VALUES"
             " (1, 'l1', 1, 1, 2, '1', 0, 1, 1, 2, '12000000000000000000',"
             " '12000000000000000000', '0', 'final'), (1, 'l1', 2, 1, 2, '1', 0, 1, 1, 2,"
             " '12000000000000000000', '12000000000000000000', '0', 'final'),"
             " (1, 'l1', 3, 1, 2, '1', 0, NULL, NULL, NULL, NULL, NULL, NULL, 'dropped');");
    /* an L1 fee is split into base fee and tip (issue 14): the components add up */
    assert_true(fabs(scalar(db, "SELECT total(total_eth) FROM cost_breakdown") - 24) < 1e-9);
    assert_true(fabs(scalar(db, "SELECT total(per_transfer_eth) FROM cost_breakdown") - 12) < 1e-9);
    assert_true(scalar(db, "SELECT max(transfers) FROM cost_breakdown") == 2);
    store_close(st);
}

/* The base fee an L1 transfer burned is its gas x its block's base fee (EIP-1559), with
 * the gas the L1 computed for it (l1_txs.gas), not a plain transfer's 21000: a transfer
 * of 50,000 gas at 10 gwei burns 0.0005 ETH of its 0.00075 ETH fee, the rest is tip. */
static void test_cost_base_fee_from_l1_gas(void **state)
{
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(":memory:", &st, &e), 0);
    assert_int_equal(add_run(st, "g", ""), 1);
    sqlite3 *db = store_db(st);
    exec(db, "INSERT INTO schemes VALUES (1, 'l1', 'l1', 'l1');"
             "INSERT INTO l1_blocks(run_id, world, height, time_us, gas_limit, gas_used,"
             " base_fee_per_gas, blob_gas_used, excess_blob_gas, blob_base_fee, tx_count,"
             " missed, burned_wei, tips_wei) VALUES (1, 'l1', 1, 12000000, 36000000, 50000,"
             " 10000000000, 0, 0, '1', 1, 0, '500000000000000', '250000000000000');"
             "INSERT INTO txs(run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
             " soft_us, include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status) VALUES"
             " (1, 'l1', 1, 1, 2, '1', 0, 12000000, 12000000, 24000000, '750000000000000',"
             " '750000000000000', '0', 'final');"
             "INSERT INTO l1_txs(run_id, world, tx_id, origin, kind, status, cancelled,"
             " calldata_bytes, exec_gas, gas, blobs, max_fee_per_gas, max_priority_fee_per_gas,"
             " replacements, height, base_fee_per_gas, priority_fee_per_gas, fee_wei, submit_us,"
             " include_us, final_us) VALUES (1, 'l1', 1, 'l1', 'transfer', 'final', 0, 100, 27000,"
             " 50000, 0, 20000000000, 5000000000, 0, 1, 10000000000, 5000000000,"
             " '750000000000000', 0, 12000000, 24000000);");
    assert_true(fabs(scalar(db, "SELECT total_eth FROM cost_breakdown WHERE component = 'base_fee'")
                     - 5e-4) < 1e-15);
    assert_true(fabs(scalar(db, "SELECT total_eth FROM cost_breakdown WHERE component = 'tip'")
                     - 2.5e-4) < 1e-15);
    store_close(st);
}

/* ---- the report end to end ---- */

static const char scenario[] =
    "name: report-test\n"
    "seed: 5\n"
    "duration: 1h\n"
    "l1: {demand: {rate: 250/block, spikes: [{at: 20m, for: 10m, multiplier: 3}]}}\n"
    "workload: {users: 500, transfers: {rate: 1/s}}\n"
    "schemes: [{type: l1}, {type: l1, name: patient, tip: 0.1gwei, max_fee_cap: 20gwei}]\n"
    "adversaries: [{type: block_stuffing, from: 40m, for: 2m, budget: 20eth}]\n";

struct fixture {
    char dir[64];       /* scratch directory */
    char db[128];       /* database with one complete run */
};

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/l2sim-report-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/r.db", f->dir);
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "report-test.yaml", scenario, strlen(scenario), NULL, 0,
                      &s, &e) != 0 || run_check(s, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    struct store *st;
    if (store_open(f->db, &st, &e) != 0)
        return -1;
    int64_t run_id;
    struct run_opts o = { .seed = 5 };
    struct run_result res;
    int rc = run_begin(st, s, 5, 5, 0, &run_id, &e) != 0 ||
             run_execute(s, st, run_id, &o, &res, &e) != 0 ||
             store_end_run(st, run_id, "complete", NULL, res.events, res.sim_end, 0, &e) != 0;
    store_close(st);
    scn_free(s);
    if (rc) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* A PNG starts with its 8-byte signature; an SVG is XML with an <svg> element. */
static bool valid_image(const char *path, enum plot_format fmt)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return false;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[n] = '\0';
    if (fmt == PLOT_PNG)
        return n > 1000 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0;
    return n > 1000 && strstr(buf, "<svg") != NULL;
}

static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, in);
    s[got] = '\0';
    fclose(in);
    return s;
}

static const struct report_item *item(const struct report_result *r, const char *name)
{
    for (size_t i = 0; i < r->nitems; i++)
        if (strcmp(r->items[i].name, name) == 0)
            return &r->items[i];
    fail_msg("no figure %s in the report", name);
    static const struct report_item none = { .name = "none" };
    return &none;
}

static void test_report_draws_what_applies(void **state)
{
    struct fixture *f = *state;
    static const enum plot_format fmts[] = { PLOT_PNG, PLOT_SVG };
    for (size_t k = 0; k < 2; k++) {
        char out[160];
        snprintf(out, sizeof out, "%s/out-%s", f->dir, plot_ext(fmts[k]));
        struct report_opts o = { .db_path = f->db, .out_dir = out, .format = fmts[k],
                                 .gnuplot = "gnuplot" };
        struct report_result r;
        struct err e;
        err_init(&e);
        int rc = report_write(&o, &r, &e);
        if (rc)
            fail_msg("report: %s", e.msg);
        assert_int_equal(r.nruns, 1);
        /* a run with an L1 baseline, a second L1 scheme, a spike and an attack */
        static const char *const drawn[] = { "fees", "savings", "costs", "latency",
                                             "l1_prices", "l1_usage", "attacks" };
        for (size_t i = 0; i < sizeof drawn / sizeof *drawn; i++) {
            const struct report_item *it = item(&r, drawn[i]);
            assert_int_equal(it->state, REPORT_DRAWN);
            if (!valid_image(it->file, fmts[k]))
                fail_msg("%s is not a valid %s", it->file, plot_ext(fmts[k]));
        }
        /* no rollup: no batches, with a reason */
        assert_int_equal(item(&r, "batches")->state, REPORT_EMPTY);
        assert_true(strlen(item(&r, "batches")->why) > 10);
        char *html = slurp(r.html);
        assert_non_null(html);
        assert_non_null(strstr(html, "<table id=\"summary\">"));
        assert_non_null(strstr(html, "data-scheme=\"patient\""));
        assert_non_null(strstr(html, "data-scheme=\"l1\""));
        assert_non_null(strstr(html, fmts[k] == PLOT_PNG ? "data:image/png;base64,iVBOR"
                                                         : "data:image/svg+xml;base64,"));
        assert_non_null(strstr(html, "Rollup batches"));     /* listed as not drawn */
        assert_null(strstr(html, "http://"));                /* nothing to fetch */
        assert_null(strstr(html, "<script"));
        free(html);
    }
}

/* The same file gives the same report, byte for byte, images included. */
static void test_report_is_a_function_of_the_file(void **state)
{
    struct fixture *f = *state;
    char a[160], b[160];
    snprintf(a, sizeof a, "%s/same-a", f->dir);
    snprintf(b, sizeof b, "%s/same-b", f->dir);
    struct report_result ra, rb;
    struct err e;
    err_init(&e);
    struct report_opts o = { .db_path = f->db, .out_dir = a, .gnuplot = "gnuplot" };
    assert_int_equal(report_write(&o, &ra, &e), 0);
    o.out_dir = b;
    assert_int_equal(report_write(&o, &rb, &e), 0);
    char *x = slurp(ra.html), *y = slurp(rb.html);
    assert_non_null(x);
    assert_string_equal(x, y);
    free(x), free(y);
}

static void test_report_refuses_bad_runs(void **state)
{
    struct fixture *f = *state;
    char out[160];
    snprintf(out, sizeof out, "%s/refused", f->dir);
    struct report_result r;
    struct err e;
    int64_t missing = 99;
    err_init(&e);
    struct report_opts o = { .db_path = f->db, .runs = &missing, .nruns = 1, .out_dir = out,
                             .gnuplot = "gnuplot" };
    assert_int_equal(report_write(&o, &r, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "no run 99"));
    struct stat sb;
    assert_int_not_equal(stat(out, &sb), 0);          /* nothing written */

    /* a failed run: refused unless allowed */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    exec(db, "INSERT INTO runs (scenario_name, scenario_file, scenario_text, scenario_sha256,"
             " overrides, config, seed, master_seed, replication, l2sim_version, git_rev,"
             " crypto_mode, duration_us, started_at, status, status_detail)"
             " VALUES ('half', 'h.yaml', 'name: half', '0', '', '', 1, 1, 0, 'x', 'x',"
             " 'ed25519', 1, 'now', 'failed', 'event limit of 10 reached')");
    int64_t failed = sqlite3_last_insert_rowid(db);
    sqlite3_close(db);
    err_init(&e);
    o.runs = &failed;
    assert_int_equal(report_write(&o, &r, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "is failed, not complete"));
    assert_non_null(strstr(e.msg, "--allow-incomplete"));
    err_init(&e);
    o.allow_incomplete = true;
    assert_int_equal(report_write(&o, &r, &e), 0);
    char *html = slurp(r.html);
    assert_non_null(strstr(html, "not complete"));
    free(html);
    /* without --run: the latest complete run, not the failed one after it */
    err_init(&e);
    o.runs = NULL, o.nruns = 0, o.allow_incomplete = false;
    assert_int_equal(report_write(&o, &r, &e), 0);
    assert_int_equal(r.nruns, 1);
    assert_int_equal(r.runs[0], 1);

    err_init(&e);
    o.db_path = "/nonexistent/l2sim/r.db";
    assert_int_equal(report_write(&o, &r, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "no such database"));
}

static void test_report_without_gnuplot(void **state)
{
    struct fixture *f = *state;
    char out[160];
    snprintf(out, sizeof out, "%s/nognuplot", f->dir);
    struct report_opts o = { .db_path = f->db, .out_dir = out,
                             .gnuplot = "/nonexistent/l2sim-no-gnuplot" };
    struct report_result r;
    struct err e;
    err_init(&e);
    assert_int_equal(report_write(&o, &r, &e), L2_EIO);
    assert_non_null(strstr(e.msg, "install gnuplot"));
    assert_non_null(strstr(e.msg, "database is complete"));
    assert_int_equal(item(&r, "fees")->state, REPORT_NO_GNUPLOT);
    char *html = slurp(r.html);                        /* the tables are still there */
    assert_non_null(html);
    assert_non_null(strstr(html, "<table id=\"summary\">"));
    assert_non_null(strstr(html, "install gnuplot"));
    free(html);
}

/* The rollup schemes define view batch_stats over their batches table: rows put in
 * that table (created as a rollup run creates it) draw. */
static void test_batches_figure_from_view(void **state)
{
    struct fixture *f = *state;
    struct store *st;
    struct err e0;
    err_init(&e0);
    assert_int_equal(store_open(f->db, &st, &e0), 0);
    assert_int_equal(model_scheme_sql_apply(st, "optimistic_rollup", &e0), 0);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    exec(db, "INSERT INTO batches(run_id, scheme, batch, first_block, last_block, txs,"
             " raw_bytes, compressed_bytes, da, blobs, l1_tx_id, created_us, replacements,"
             " reposts, status, l1_fee_wei, revenue_l1_wei, revenue_l2_wei)"
             " SELECT 1, 'l1', column1, column1, column1, column2, column3, column4, column5,"
             " column5 = 'blob', column1, column1 * 60000000, 0, 0, 'final', '1000', '0', '0'"
             " FROM (VALUES (1, 120, 12000, 4000, 'calldata'), (2, 300, 30000, 9000, 'blob'),"
             " (3, 80, 8000, 3100, 'calldata'), (4, 900, 90000, 25000, 'blob'))");
    sqlite3_close(db);
    char out[160];
    snprintf(out, sizeof out, "%s/batches", f->dir);
    struct report_opts o = { .db_path = f->db, .out_dir = out, .gnuplot = "gnuplot" };
    struct report_result r;
    struct err e;
    err_init(&e);
    int rc = report_write(&o, &r, &e);
    if (rc)
        fail_msg("report: %s", e.msg);
    assert_int_equal(item(&r, "batches")->state, REPORT_DRAWN);
    assert_true(valid_image(item(&r, "batches")->file, PLOT_PNG));
}

int main(void)
{
    /* gnuplot is fed through a pipe; a gnuplot that dies must not kill the tests */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_escapes),
        cmocka_unit_test(test_quote_truncates_on_a_character),
        cmocka_unit_test(test_windows_from_config),
        cmocka_unit_test(test_baseline_is_first_l1),
        cmocka_unit_test(test_cost_totals_beyond_int64),
        cmocka_unit_test(test_cost_base_fee_from_l1_gas),
        cmocka_unit_test_setup_teardown(test_report_draws_what_applies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_is_a_function_of_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_refuses_bad_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_without_gnuplot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_figure_from_view, setup, teardown),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

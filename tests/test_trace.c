/* test_trace.c — L1 trace replay (`l1.demand.trace`).
 *
 * The loader: every accepted form of a trace parses to the right numbers, and every
 * file of tests/traces/bad/ fails with the message in its .expect file. The expected
 * tables: tests/traces/expected.py computes them from the EIP texts, and fee_market.c
 * must agree with them, and with three real mainnet blocks. The replay: a run of the
 * library with a trace records, for every block, the trace's gas and the base fee,
 * excess blob gas and blob base fee the protocol rules give, to the wei, also while
 * users' transactions take part as price-takers (trace_mode price_taker, the
 * default); with trace_mode additive they come on top and the prices move.
 * Run from the repository root (make test does): fixtures are found by relative path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/l1/fee_market.h"
#include "models/l1/trace.h"
#include "models/run/run.h"

#define TRACES "tests/traces"

/* ---- small helpers ---- */

/* The whole file, NUL-terminated; *len may be NULL. Fails the test if unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: %s (run the tests from the repository root)", path, strerror(errno));
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* A plain CSV table (no quoting), as expected.py writes it; cell(r, c) is row r
 * (0 = first after the header) of column c. */
struct table {
    char   *text;
    char  **cells;      /* nrows * ncols, pointing into text */
    char  **names;      /* ncols */
    size_t  nrows, ncols;
};

static void table_load(struct table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->text = slurp(path, NULL);
    size_t cap = 0, n = 0;
    char **all = NULL;
    size_t line_fields = 0;
    for (char *line = t->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t k = 0;
        for (char *f = line;; k++) {
            char *comma = strchr(f, ',');
            if (comma)
                *comma = '\0';
            if (n == cap)
                all = realloc(all, (cap = cap ? 2 * cap : 64) * sizeof *all);
            all[n++] = f;
            if (!comma)
                break;
            f = comma + 1;
        }
        k++;
        if (line == t->text)
            line_fields = k;
        else if (k != line_fields)
            fail_msg("%s: a row has %zu fields, the header %zu", path, k, line_fields);
        line = nl ? nl + 1 : NULL;
    }
    t->ncols = line_fields;
    t->names = all;
    t->cells = all + t->ncols;
    t->nrows = t->ncols ? n / t->ncols - 1 : 0;
}

static void table_free(struct table *t)
{
    free(t->names);
    free(t->text);
}

static size_t table_col(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return c;
    fail_msg("no column '%s'", name);
    return 0;
}

static const char *cell(const struct table *t, size_t r, const char *name)
{
    assert_true(r < t->nrows);
    return t->cells[r * t->ncols + table_col(t, name)];
}

static uint64_t cell_u64(const struct table *t, size_t r, const char *name)
{
    const char *s = cell(t, r, name);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s)
        fail_msg("'%s' in column %s is not an integer", s, name);
    return (uint64_t)v;
}

/* ---- the cases: the same table as tests/traces/expected.py ---- */

struct replay_case {
    const char *name;           /* CASE.expected.csv */
    const char *trace;
    const char *fork;
    uint64_t    base_fee;       /* l1.base_fee.initial, wei */
    uint64_t    excess;         /* l1.blobs.initial_excess, blob gas */
};

static const struct replay_case cases[] = {
    { "replay-prague",    "replay.csv",           "prague", UINT64_C(50000000000), 100000000 },
    { "replay-osaka",     "replay.csv",           "osaka",  UINT64_C(6000000000),  100000000 },
    { "replay-floor",     "replay-floor.csv",     "prague", 20,                    131072 },
    { "mainnet-20013090", "mainnet-20013090.csv", "cancun", UINT64_C(13726822059), 262144 },
};

static void expected_path(const struct replay_case *c, char *buf, size_t n)
{
    snprintf(buf, n, TRACES "/%s.expected.csv", c->name);
}

/* ---- loader: accepted forms ---- */

static struct l1_trace *load_ok(const char *path)
{
    struct err e;
    err_init(&e);
    struct l1_trace *t = NULL;
    if (l1_trace_load(path, &t, &e) != 0)
        fail_msg("%s", e.msg);
    assert_non_null(t);
    assert_int_equal(e.count, 0);
    assert_string_equal(t->path, path);
    return t;
}

/* The three blocks of mainnet-20013090.csv, as the source lists them. */
static const struct l1_trace_block mainnet[3] = {
    { 30000000, 13875029, 393216 },
    { 30000000, 13003784, 262144 },
    { 30000000, 15410245, 786432 },
};

static void assert_mainnet(const struct l1_trace *t)
{
    assert_int_equal(t->n, 3);
    assert_true(t->has_blob_gas_used);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(t->blocks[i].gas_limit, mainnet[i].gas_limit);
        assert_int_equal(t->blocks[i].gas_used, mainnet[i].gas_used);
        assert_int_equal(t->blocks[i].blob_gas_used, mainnet[i].blob_gas_used);
    }
}

/* Decimal with extra columns (block, hash, base fees); hex with a BOM, CRLF, blanks
 * around fields and trailing blank lines; reordered columns with quoted fields
 * holding commas and "" — all the same three blocks. */
static void test_forms_agree(void **state)
{
    const char *paths[] = { TRACES "/mainnet-20013090.csv", TRACES "/rpc-hex-crlf-bom.csv",
                            TRACES "/extra-columns.csv" };
    for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
        struct l1_trace *t = load_ok(paths[i]);
        assert_mainnet(t);
        l1_trace_free(t);
    }
}

/* Without a blob_gas_used column (a pre-Cancun trace) every block used no blob gas. */
static void test_no_blob_column(void **state)
{
    struct l1_trace *t = load_ok(TRACES "/london.csv");
    assert_int_equal(t->n, 2);
    assert_false(t->has_blob_gas_used);
    assert_int_equal(t->blocks[0].gas_limit, 30000000);
    assert_int_equal(t->blocks[0].gas_used, 15000000);
    assert_int_equal(t->blocks[1].gas_used, 30000000);
    assert_int_equal(t->blocks[0].blob_gas_used, 0);
    assert_int_equal(t->blocks[1].blob_gas_used, 0);
    l1_trace_free(t);
}

/* Every replay trace loads to the gas columns Python's csv module read from it. */
static void test_load_matches_python(void **state)
{
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
        char path[256], exp[256];
        snprintf(path, sizeof path, TRACES "/%s", cases[k].trace);
        expected_path(&cases[k], exp, sizeof exp);
        struct l1_trace *t = load_ok(path);
        struct table x;
        table_load(&x, exp);
        assert_int_equal(t->n, x.nrows);
        for (size_t i = 0; i < t->n; i++) {
            assert_int_equal(t->blocks[i].gas_limit, cell_u64(&x, i, "gas_limit"));
            assert_int_equal(t->blocks[i].gas_used, cell_u64(&x, i, "gas_used"));
            assert_int_equal(t->blocks[i].blob_gas_used, cell_u64(&x, i, "blob_gas_used"));
            assert_int_equal(l1_trace_line(t, i), i + 2);
        }
        table_free(&x);
        l1_trace_free(t);
    }
}

/* ---- loader: rejected input ---- */

static void expect_load_error(const char *path, const char *want)
{
    struct err e;
    err_init(&e);
    static struct l1_trace dummy;
    struct l1_trace *t = &dummy;                     /* must be reset to NULL */
    assert_int_equal(l1_trace_load(path, &t, &e), L2_EINPUT);
    assert_null(t);
    assert_int_equal(e.code, L2_EINPUT);
    assert_int_equal(e.count, 1);
    if (strcmp(e.msg, want) != 0)
        fail_msg("%s:\n  got:  %s\n  want: %s", path, e.msg, want);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Each tests/traces/bad/X.csv fails with exactly the message in X.expect (one line,
 * "file:line: message"); every .expect has its .csv and every .csv its .expect. */
static void test_bad_corpus(void **state)
{
    const char *dir = TRACES "/bad";
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("%s: %s", dir, strerror(errno));
    size_t checked = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        char path[512], other[512];
        size_t n = strlen(ent->d_name);
        if (has_suffix(ent->d_name, ".expect")) {
            snprintf(other, sizeof other, "%s/%.*s.csv", dir, (int)(n - 7), ent->d_name);
            if (access(other, F_OK) != 0)
                fail_msg("%s/%s has no %s", dir, ent->d_name, other);
            continue;
        }
        if (!has_suffix(ent->d_name, ".csv"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        snprintf(other, sizeof other, "%s/%.*s.expect", dir, (int)(n - 4), ent->d_name);
        size_t len;
        char *want = slurp(other, &len);
        while (len > 0 && want[len - 1] == '\n')
            want[--len] = '\0';
        expect_load_error(path, want);
        free(want);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 30);
}

/* A file (or a stream) over 64 MiB is refused whole; exactly 64 MiB is read (and here
 * fails on its content instead); a missing file and a directory are named as such. */
static void test_file_errors(void **state)
{
    char msg[512];
    snprintf(msg, sizeof msg, TRACES "/no-such-trace.csv: cannot open the trace: %s",
             strerror(ENOENT));
    expect_load_error(TRACES "/no-such-trace.csv", msg);
    expect_load_error(TRACES, TRACES ": is a directory, not a trace file");

    char path[] = "/tmp/l2sim-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)L1_TRACE_MAX_BYTES + 1), 0);   /* sparse */
    close(fd);
    snprintf(msg, sizeof msg, "%s: 67108865 bytes: a trace may be at most 64 MiB "
             "(67108864 bytes); replay a shorter range of blocks", path);
    expect_load_error(path, msg);

    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    static const char head[] = "block,gas_limit,gas_used\n";
    assert_int_equal(write(fd, head, sizeof head - 1), (ssize_t)(sizeof head - 1));
    assert_int_equal(ftruncate(fd, (off_t)L1_TRACE_MAX_BYTES), 0);       /* NULs follow */
    close(fd);
    snprintf(msg, sizeof msg, "%s:2: NUL byte at column 1: a trace must be a CSV text "
             "file, not binary data", path);
    expect_load_error(path, msg);
    remove(path);
}

/* What depends on the scenario: enough blocks for the duration, blobs within the
 * fork's maximum, a positive gas target. */
static void test_check(void **state)
{
    struct l1_trace *t = load_ok(TRACES "/replay.csv");
    struct err e;
    uint64_t nine = 9 * FM_GAS_PER_BLOB;

    err_init(&e);
    assert_int_equal(l1_trace_check(t, 40, nine, 2, &e), 0);
    assert_int_equal(e.count, 0);

    err_init(&e);
    assert_int_equal(l1_trace_check(t, 41, nine, 2, &e), L2_EINPUT);
    assert_string_equal(e.msg, TRACES "/replay.csv: 40 blocks, but the run needs 41 (one "
                        "per slot of the duration): shorten the duration or extend the trace");

    err_init(&e);   /* Cancun allows 6 blobs; row 8 (line 9) carries 7 */
    assert_int_equal(l1_trace_check(t, 40, 6 * FM_GAS_PER_BLOB, 2, &e), L2_EINPUT);
    assert_string_equal(e.msg, TRACES "/replay.csv:9: blob_gas_used 917504 (7 blobs) is "
                        "above the block maximum of 6 blobs under the scenario's blob schedule");

    err_init(&e);   /* London has no blobs: row 2 carries one */
    assert_int_equal(l1_trace_check(t, 1, 0, 2, &e), L2_EINPUT);
    assert_string_equal(e.msg, TRACES "/replay.csv:3: blob_gas_used 131072 (1 blob) is "
                        "above the block maximum of 0 blobs under the scenario's blob schedule");

    err_init(&e);   /* row 14 has gas limit 21000 */
    assert_int_equal(l1_trace_check(t, 40, nine, 30000, &e), L2_EINPUT);
    assert_string_equal(e.msg, TRACES "/replay.csv:15: gas_limit 21000 gives a gas target "
                        "of 0 (gas_limit / elasticity 30000): EIP-1559 needs a positive target");
    l1_trace_free(t);
}

/* ---- the expected tables against fee_market.c ---- */

/* Row 1 holds the initial values; each later row follows from the one before by the
 * fork's rules as fee_market.c implements them (the tables come from the EIP texts by
 * way of expected.py, so the two implementations check each other). */
static void test_expected_tables_follow_fee_market(void **state)
{
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
        const struct fm_fork *f = fm_fork_by_name(cases[k].fork);
        assert_non_null(f);
        char exp[256], buf[41];
        expected_path(&cases[k], exp, sizeof exp);
        struct table x;
        table_load(&x, exp);
        assert_true(x.nrows >= 3);
        assert_int_equal(cell_u64(&x, 0, "base_fee_per_gas"), cases[k].base_fee);
        assert_int_equal(cell_u64(&x, 0, "excess_blob_gas"), cases[k].excess);
        for (size_t i = 0; i < x.nrows; i++) {
            uint64_t excess = cell_u64(&x, i, "excess_blob_gas");
            if (i > 0) {
                uint64_t limit = cell_u64(&x, i - 1, "gas_limit");
                uint64_t used = cell_u64(&x, i - 1, "gas_used");
                uint64_t blob = cell_u64(&x, i - 1, "blob_gas_used");
                uint64_t fee = cell_u64(&x, i - 1, "base_fee_per_gas");
                uint64_t pexcess = cell_u64(&x, i - 1, "excess_blob_gas");
                assert_int_equal(fm_next_base_fee(&f->eip1559, limit, used, fee),
                                 cell_u64(&x, i, "base_fee_per_gas"));
                assert_int_equal(fm_fork_excess_blob_gas(f, pexcess, blob, fee), excess);
            }
            assert_string_equal(u128_str(fm_base_fee_per_blob_gas(
                                    excess, f->blob.base_fee_update_fraction), buf),
                                cell(&x, i, "blob_base_fee"));
        }
        table_free(&x);
    }
}

/* Three consecutive mainnet blocks, 20013090..20013092 (3 June 2024, Cancun: target 3,
 * max 6 blobs). Source: safe-global/safe-transaction-service,
 * safe_transaction_service/history/tests/mocks/blocks.py (commit 57eee0f1b330), a
 * capture of eth_getBlockByNumber; its first block's number is edited to 2000 there,
 * and it is 20013090: the next block, 20013091, names its hash as parentHash. The
 * protocol rules applied to block N give block N+1's recorded base fee and excess
 * blob gas exactly. */
static void test_mainnet_blocks_follow_fee_market(void **state)
{
    const struct fm_fork *f = fm_fork_by_name("cancun");
    struct table x;
    table_load(&x, TRACES "/mainnet-20013090.csv");
    assert_int_equal(x.nrows, 3);
    for (size_t i = 1; i < x.nrows; i++) {
        assert_int_equal(cell_u64(&x, i, "block"), cell_u64(&x, i - 1, "block") + 1);
        uint64_t fee = cell_u64(&x, i - 1, "base_fee_per_gas");
        assert_int_equal(fm_next_base_fee(&f->eip1559, cell_u64(&x, i - 1, "gas_limit"),
                                          cell_u64(&x, i - 1, "gas_used"), fee),
                         cell_u64(&x, i, "base_fee_per_gas"));
        assert_int_equal(fm_fork_excess_blob_gas(f, cell_u64(&x, i - 1, "excess_blob_gas"),
                                                 cell_u64(&x, i - 1, "blob_gas_used"), fee),
                         cell_u64(&x, i, "excess_blob_gas"));
    }
    table_free(&x);
}

/* ---- the replay (needs l1.demand.trace in models/l1/l1.c) ---- */

struct run {
    struct store *st;
    int64_t       run_id;
    char          db[64];
};

/* Load `text` (scenario "NAME.yaml"), check it and run it into a fresh database.
 * Returns 0, or the code of the first failure with its messages in e (nothing run). */
static int run_scenario(const char *text, struct run *r, struct err *e)
{
    struct scn *s = NULL;
    err_init(e);
    memset(r, 0, sizeof *r);
    int rc = scn_load_text(model_schema(), "trace.yaml", text, strlen(text), NULL, 0, &s, e);
    if (rc == 0)
        rc = run_check(s, e);
    if (rc != 0) {
        scn_free(s);
        return rc;
    }
    snprintf(r->db, sizeof r->db, "/tmp/l2sim-trace-db-XXXXXX");
    int fd = mkstemp(r->db);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(r->db, &r->st, e), 0);
    uint64_t seed = scn_uint(s, "seed");
    assert_int_equal(run_begin(r->st, s, seed, seed, 0, &r->run_id, e), 0);
    struct run_opts o = { .seed = seed };
    struct run_result res;
    rc = run_execute(s, r->st, r->run_id, &o, &res, e);
    if (rc == 0) {
        assert_int_equal(res.status, RUN_COMPLETE);
        assert_int_equal(store_end_run(r->st, r->run_id, "complete", NULL, res.events,
                                       res.sim_end, 0.0, e), 0);
    }
    scn_free(s);
    return rc;
}

static void run_close(struct run *r)
{
    if (r->st)
        store_close(r->st);
    if (r->db[0])
        store_remove(r->db);
}

/* The scenario of a replay: the trace drives the L1 (no missed slots), one block per
 * trace row; users send `rate` transfers through scheme l1 (21000-gas transactions
 * bidding twice the base fee plus a tip), which take part in the blocks as the
 * trace_mode `mode` says. */
static char *replay_scenario_with(const char *trace, const char *fork, uint64_t base_fee,
                                  uint64_t excess, size_t blocks, const char *rate,
                                  const char *mode)
{
    char cwd[PATH_MAX];
    if (access(trace, R_OK) != 0 || !getcwd(cwd, sizeof cwd))
        fail_msg("%s: %s (run the tests from the repository root)", trace, strerror(errno));
    char *abs = xasprintf("%s/%s", cwd, trace);     /* wherever the scenario is resolved */
    char *text = xasprintf(
        "name: trace-replay\n"
        "seed: 3\n"
        "duration: %zus\n"
        "l1:\n"
        "  fork: %s\n"
        "  missed_slot: 0\n"
        "  base_fee: {initial: %llu}\n"
        "  blobs: {initial_excess: %llu}\n"
        "  demand: {trace: \"%s\", trace_mode: %s}\n"
        "workload: {users: 50, transfers: {rate: %s}}\n"
        "schemes: [{type: l1}]\n",
        blocks * 12, fork, (unsigned long long)base_fee, (unsigned long long)excess, abs,
        mode, rate);
    free(abs);
    return text;
}

/* Only the trace: no user transfers. */
static char *replay_scenario(const char *trace, const char *fork, uint64_t base_fee,
                             uint64_t excess, size_t blocks)
{
    return replay_scenario_with(trace, fork, base_fee, excess, blocks, "0/s", "price_taker");
}

/* Run a case with users sending `rate` transfers as price-takers (the default
 * trace_mode) and compare every recorded block with its expected row: the trace's gas,
 * and the prices in force, to the wei. A block whose recorded usage has no room for a
 * 21000-gas transfer (an empty block, above all) includes none. Returns how many of
 * the users' transactions the blocks included. */
static uint64_t replay_case_at(const struct replay_case *c, const char *rate)
{
    char trace[256], exp[256];
    snprintf(trace, sizeof trace, TRACES "/%s", c->trace);
    expected_path(c, exp, sizeof exp);
    struct table x;
    table_load(&x, exp);
    char *text = replay_scenario_with(trace, c->fork, c->base_fee, c->excess, x.nrows, rate,
                                      "price_taker");
    struct run r;
    struct err e;
    if (run_scenario(text, &r, &e) != 0)
        fail_msg("%s: %s", c->name, e.msg);

    static const char *const cols[] = { "height", "gas_limit", "gas_used", "blob_gas_used",
                                        "base_fee_per_gas", "excess_blob_gas", "blob_base_fee" };
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(r.st),
        "SELECT height, gas_limit, gas_used, blob_gas_used, base_fee_per_gas,"
        " excess_blob_gas, blob_base_fee, missed, tx_count FROM l1_blocks WHERE run_id = ?"
        " ORDER BY height", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, r.run_id);
    size_t i = 0;
    uint64_t included = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (i >= x.nrows)
            fail_msg("%s: more than %zu blocks recorded", c->name, x.nrows);
        for (int k = 0; k < (int)ARRAY_LEN(cols); k++) {
            const char *got = (const char *)sqlite3_column_text(q, k);
            const char *want = cell(&x, i, cols[k]);
            if (!got || strcmp(got, want) != 0)
                fail_msg("%s: block %zu: %s is %s, expected %s", c->name, i + 1, cols[k],
                         got ? got : "NULL", want);
        }
        assert_int_equal(sqlite3_column_int(q, 7), 0);
        uint64_t ntx = (uint64_t)sqlite3_column_int64(q, 8);
        if (ntx * 21000 > cell_u64(&x, i, "gas_used"))
            fail_msg("%s: block %zu includes %llu transfers (%llu gas) in a recorded usage "
                     "of %s gas", c->name, i + 1, (unsigned long long)ntx,
                     (unsigned long long)ntx * 21000, cell(&x, i, "gas_used"));
        included += ntx;
        i++;
    }
    sqlite3_finalize(q);
    if (i != x.nrows)
        fail_msg("%s: %zu blocks recorded, expected %zu", c->name, i, x.nrows);
    run_close(&r);
    free(text);
    table_free(&x);
    return included;
}

/* The replay alone (no transfers), then with users at a low rate as price-takers:
 * the same blocks, to the wei, and the users' transactions did take part. */
static void replay_case(const struct replay_case *c)
{
    assert_int_equal(replay_case_at(c, "0/s"), 0);
    uint64_t included = replay_case_at(c, "1/s");
    if (included == 0)
        fail_msg("%s: no transfer was included: the price-taker case shows nothing", c->name);
}

/* Full, empty, at/over/under target, 21000 to 1e9 gas limits, 0..9 blobs (Prague). */
static void test_replay_prague(void **state) { replay_case(&cases[0]); }

/* The same trace under Osaka: EIP-7918's reserve price switches on and off 12 times. */
static void test_replay_osaka(void **state) { replay_case(&cases[1]); }

/* Down to the 7-wei floor (7 // 8 == 0), the 1-wei minimum increase, excess clamped
 * to 0 and the 1-wei minimum blob base fee. */
static void test_replay_floor(void **state) { replay_case(&cases[2]); }

/* Mainnet blocks 20013090..20013092 (see test_mainnet_blocks_follow_fee_market),
 * started from block 20013090's base fee and excess blob gas: the replay gives blocks
 * 20013091 and 20013092 their real base fees (13598136420 and 13371929608 wei) and
 * excess blob gas (262144 and 131072) to the wei. */
static void test_replay_mainnet(void **state)
{
    replay_case(&cases[3]);

    /* and straight from the chain's own columns, not only through expected.py */
    struct table real, x;
    table_load(&real, TRACES "/mainnet-20013090.csv");
    table_load(&x, TRACES "/mainnet-20013090.expected.csv");
    for (size_t i = 0; i < real.nrows; i++) {
        assert_string_equal(cell(&real, i, "base_fee_per_gas"), cell(&x, i, "base_fee_per_gas"));
        assert_string_equal(cell(&real, i, "excess_blob_gas"), cell(&x, i, "excess_blob_gas"));
    }
    table_free(&real);
    table_free(&x);
}

/* One recorded block of a run (l1_blocks). */
struct block_row {
    uint64_t gas_limit, gas_used, base_fee, blob_gas_used, excess_blob_gas, blob_base_fee;
    uint64_t tx_count;
};

/* Run the mainnet trace with users at `rate` in trace_mode `mode`; the three blocks
 * into b[]. */
static void run_mainnet(const char *rate, const char *mode, struct block_row b[3])
{
    char *text = replay_scenario_with(TRACES "/mainnet-20013090.csv", "cancun",
                                      UINT64_C(13726822059), 262144, 3, rate, mode);
    struct run r;
    struct err e;
    if (run_scenario(text, &r, &e) != 0)
        fail_msg("%s", e.msg);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(r.st),
        "SELECT gas_limit, gas_used, base_fee_per_gas, blob_gas_used, excess_blob_gas,"
        " blob_base_fee, tx_count FROM l1_blocks WHERE run_id = ? ORDER BY height",
        -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, r.run_id);
    size_t i = 0;
    for (; sqlite3_step(q) == SQLITE_ROW; i++) {
        assert_true(i < 3);
        uint64_t *f[] = { &b[i].gas_limit, &b[i].gas_used, &b[i].base_fee, &b[i].blob_gas_used,
                          &b[i].excess_blob_gas, &b[i].blob_base_fee, &b[i].tx_count };
        for (int k = 0; k < 7; k++)
            *f[k] = (uint64_t)sqlite3_column_int64(q, k);
    }
    sqlite3_finalize(q);
    assert_int_equal(i, 3);
    run_close(&r);
    free(text);
}

/* The case, row by row against the chain's own recorded columns: users of
 * scheme l1 at 2 transfers/s are price-takers inside mainnet blocks 20013090..92, so
 * every block's gas, base fee (13726822059, 13598136420, 13371929608 wei) and blob
 * gas and excess blob gas are the chain's, while the blocks did include their
 * transfers (which displaced 21000 gas each of the block's recorded transactions). */
static void test_price_taker_mainnet(void **state)
{
    struct block_row b[3];
    run_mainnet("2/s", "price_taker", b);
    struct table real;
    table_load(&real, TRACES "/mainnet-20013090.csv");
    uint64_t included = 0;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(b[i].gas_limit, cell_u64(&real, i, "gas_limit"));
        assert_int_equal(b[i].gas_used, cell_u64(&real, i, "gas_used"));
        assert_int_equal(b[i].base_fee, cell_u64(&real, i, "base_fee_per_gas"));
        assert_int_equal(b[i].blob_gas_used, cell_u64(&real, i, "blob_gas_used"));
        assert_int_equal(b[i].excess_blob_gas, cell_u64(&real, i, "excess_blob_gas"));
        assert_int_equal(b[i].blob_base_fee, 1);   /* excess < one update: the 1-wei floor */
        included += b[i].tx_count;
    }
    assert_true(b[0].tx_count > 0);
    assert_true(included >= 30);
    table_free(&real);
}

/* With trace_mode additive the same users' transactions come on top of the recorded
 * usage, and the base fee responds: the first block whose base fee leaves the chain's
 * follows a block that held the users' transactions, whose gas is the recorded gas
 * plus 21000 per transfer, and its base fee is EIP-1559's update from that larger
 * usage — higher than the chain's. The blob fields stay the chain's: the transfers
 * carry no blobs, and before Osaka (EIP-7918) the blob price does not read the base
 * fee. */
static void test_additive_mainnet(void **state)
{
    struct block_row b[3];
    run_mainnet("2/s", "additive", b);
    const struct fm_fork *f = fm_fork_by_name("cancun");
    struct table real;
    table_load(&real, TRACES "/mainnet-20013090.csv");
    size_t first = 0;
    for (size_t i = 0; i < 3 && !first; i++)
        if (b[i].base_fee != cell_u64(&real, i, "base_fee_per_gas"))
            first = i;
    assert_int_equal(first, 1);           /* block 1 starts from the chain's base fee */
    const struct block_row *p = &b[first - 1];
    assert_true(p->tx_count > 0);
    assert_int_equal(p->gas_used, cell_u64(&real, first - 1, "gas_used") + 21000 * p->tx_count);
    assert_int_equal(b[first].base_fee, fm_next_base_fee(&f->eip1559, p->gas_limit, p->gas_used,
                                                         p->base_fee));
    assert_true(b[first].base_fee > cell_u64(&real, first, "base_fee_per_gas"));
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(b[i].blob_gas_used, cell_u64(&real, i, "blob_gas_used"));
        assert_int_equal(b[i].excess_blob_gas, cell_u64(&real, i, "excess_blob_gas"));
    }
    table_free(&real);
}

/* A designed trace under additive: a block recorded empty does include the users'
 * transactions (the room is the whole gas limit), so the gas used is no longer the
 * trace's: what price_taker forbids, additive does. */
static void test_additive_fills_empty_blocks(void **state)
{
    struct table x;
    table_load(&x, TRACES "/replay-floor.expected.csv");
    char *text = replay_scenario_with(TRACES "/replay-floor.csv", "prague", 20, 131072,
                                      x.nrows, "1/s", "additive");
    struct run r;
    struct err e;
    if (run_scenario(text, &r, &e) != 0)
        fail_msg("%s", e.msg);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(r.st),
        "SELECT gas_used, tx_count FROM l1_blocks WHERE run_id = ? ORDER BY height",
        -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, r.run_id);
    size_t i = 0, filled = 0;
    for (; sqlite3_step(q) == SQLITE_ROW; i++) {
        uint64_t used = (uint64_t)sqlite3_column_int64(q, 0);
        uint64_t ntx = (uint64_t)sqlite3_column_int64(q, 1);
        assert_int_equal(used, cell_u64(&x, i, "gas_used") + 21000 * ntx);
        filled += cell_u64(&x, i, "gas_used") == 0 && ntx > 0;
    }
    sqlite3_finalize(q);
    assert_int_equal(i, x.nrows);
    assert_true(filled > 0);
    run_close(&r);
    free(text);
    table_free(&x);
}

/* A trace with fewer rows than the duration has slots is bad input, refused before
 * anything runs, and the message names the trace. */
static void test_replay_trace_too_short(void **state)
{
    char *text = replay_scenario(TRACES "/replay.csv", "prague", 1000000000, 0, 41);
    struct run r;
    struct err e;
    int rc = run_scenario(text, &r, &e);
    assert_int_equal(rc, L2_EINPUT);
    assert_int_equal(e.code, L2_EINPUT);
    assert_non_null(strstr(e.msg, "replay.csv"));
    run_close(&r);
    free(text);
}

/* A malformed trace fails the scenario with the loader's "file:line: message". */
static void test_replay_bad_trace(void **state)
{
    char *text = replay_scenario(TRACES "/bad/over_limit.csv", "prague", 1000000000, 0, 2);
    struct run r;
    struct err e;
    int rc = run_scenario(text, &r, &e);
    assert_int_equal(rc, L2_EINPUT);
    assert_non_null(strstr(e.msg, "bad/over_limit.csv:3: gas_used 30000001 exceeds "
                                  "gas_limit 30000000"));
    run_close(&r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* the loader and the expected tables: no dependency on l1.c */
        cmocka_unit_test(test_forms_agree),
        cmocka_unit_test(test_no_blob_column),
        cmocka_unit_test(test_load_matches_python),
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_expected_tables_follow_fee_market),
        cmocka_unit_test(test_mainnet_blocks_follow_fee_market),
        /* the replay: needs l1.demand.trace integrated into models/l1/l1.c */
        cmocka_unit_test(test_replay_prague),
        cmocka_unit_test(test_replay_osaka),
        cmocka_unit_test(test_replay_floor),
        cmocka_unit_test(test_replay_mainnet),
        cmocka_unit_test(test_price_taker_mainnet),
        cmocka_unit_test(test_additive_mainnet),
        cmocka_unit_test(test_additive_fills_empty_blocks),
        cmocka_unit_test(test_replay_trace_too_short),
        cmocka_unit_test(test_replay_bad_trace),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}

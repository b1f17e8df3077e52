/* store.c — SQLite results database: schema, run rows, batched inserts, sticky errors.
 * Durability: WAL journal with synchronous=NORMAL. A process killed at any point
 * leaves a consistent database (SQLite's guarantee); a run's row is committed as
 * 'running' before its first event, so such a run never reads as complete. */
#define _XOPEN_SOURCE 700      /* realpath() */
#include "sim/store.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/dbfile.h"
#include "sim/version.h"

extern const unsigned char store_schema_sql[];

struct store_rows;
struct rows_buf;

/* The writer thread (store_rows): full groups of rows are bound and inserted, and the
 * commits of a run's batches made, by a thread of the store's own, while the model
 * goes on. Jobs run in the order they were queued. `mu` guards everything here and
 * each buffer's `queued`; the SQLite connection is in serialized mode, so the model's
 * own statements may run meanwhile (SQLite orders them). */
#define WRITER_QUEUE 1024
#define WRITER_WAKE  64           /* jobs queued before a sleeping writer is woken: few
                                   * wake-ups, each a long run of work (a woken thread
                                   * tends to be put on its waker's core, which it then
                                   * shares); a commit or a wait wakes it at once */
struct writer_job {
    struct store_rows *r;         /* NULL: commit the transaction and begin the next */
    struct rows_buf   *b;
};
struct writer {
    pthread_t        thread;
    pthread_mutex_t  mu;
    pthread_cond_t   work;        /* a job queued, or stop */
    pthread_cond_t   done;        /* a job done */
    struct writer_job q[WRITER_QUEUE];
    size_t           head, n;     /* queued jobs, the running one included */
    bool             started, stop;
    bool             failed;      /* a job failed: the writer runs no more (sticky) */
    char            *error;       /* its message, until the model's thread takes it */
    bool             constraint;  /* ... a broken constraint: a bug, panic */
};

struct store {
    sqlite3       *db;
    char          *path;
    sqlite3_stmt **stmts;
    size_t         nstmts;
    struct store_rows **rows;   /* store_rows batches */
    size_t         nrows;
    size_t         pending;     /* rows since the last commit */
    bool           in_tx;
    char          *failure;     /* first error, sticky */
    void         (*on_error)(void *);
    void          *on_error_ctx;
    struct writer  w;
};

static int exec(struct store *st, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        bool busy = (sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY;
        int rc = err_set(e, L2_EIO, "%s: %s%s", st->path, msg ? msg : sqlite3_errmsg(st->db),
                         busy ? " (another process is writing to it; waited 5 s)" : "");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static void fail(struct store *st, const char *what)
{
    if (st->failure)
        return;
    int sys = sqlite3_system_errno(st->db);
    if (sys)
        st->failure = xasprintf("%s: %s: %s (%s)", st->path, what, sqlite3_errmsg(st->db),
                                strerror(sys));
    else
        st->failure = xasprintf("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
    if (st->on_error)
        st->on_error(st->on_error_ctx);
}

/* Say plainly why a database cannot be written, before SQLite is asked to (which
 * would say only "unable to open database file" or "attempt to write a readonly
 * database", and may leave -wal/-shm files behind): the file itself, or its
 * directory, where SQLite keeps the journal beside it. */
static int check_writable(const char *path, struct err *e)
{
    if (strcmp(path, ":memory:") == 0)
        return 0;
    struct stat sb;
    char *real = NULL;          /* an existing database: its journal goes beside the file
                                 * a symbolic link leads to */
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return err_set(e, L2_EIO, "%s: cannot open database: it is a directory", path);
        if (access(path, W_OK) != 0)
            return err_set(e, L2_EIO, "%s: cannot write the database: %s (l2sim writes to "
                           "every database it opens: runs, and the views it keeps current; "
                           "copy it somewhere writable)",
                           path, strerror(errno));
        real = realpath(path, NULL);
    } else if (errno != ENOENT) {
        return err_set(e, L2_EIO, "%s: cannot open database: %s", path, strerror(errno));
    }
    char *dir = path_dirname(real ? real : path);
    free(real);
    int rc = 0;
    if (stat(dir, &sb) != 0)
        rc = err_set(e, L2_EIO, "%s: cannot open database: directory %s: %s", path, dir,
                     strerror(errno));
    else if (access(dir, W_OK | X_OK) != 0)
        rc = err_set(e, L2_EIO, "%s: cannot write in directory %s: %s (SQLite keeps the "
                     "database's journal beside it)", path, dir, strerror(errno));
    free(dir);
    return rc;
}

/* ---- schema migrations: each step takes a database of version v to v + 1 ----
 * A step renames the tables whose definition changed to NAME_old (migrate_begin), the
 * current schema then creates them afresh, and migrate_end copies the rows across and
 * drops the old ones. Views are dropped first (views.sql re-creates them). Every step
 * runs in store_open's transaction, so a failed upgrade leaves the file as it was. */

/* Version 1 -> 2 (issue 10): amounts became pairs X_wei TEXT + X_eth REAL (txs fees
 * were INTEGER and could not hold 9.2 ETH and more); txs gained soft_us and reason;
 * attacks gained attack_id (one row per attempt) and spent_wei became cost_wei; the
 * fee metrics fee_*_wei became fee_*_eth; latency_include_* / latency_final_* /
 * latency_soft_* became inclusion_* / finality_* / soft_*. */
static const char *const v1_changed[] = { "l1_blocks", "txs", "attacks" };
static const char v1_copy[] =
    "INSERT INTO l1_blocks(run_id, world, height, time_us, gas_limit, gas_used,"
    " base_fee_per_gas, blob_gas_used, excess_blob_gas, blob_base_fee, tx_count, missed,"
    " burned_wei, tips_wei)"
    " SELECT run_id, world, height, time_us, gas_limit, gas_used, base_fee_per_gas,"
    " blob_gas_used, excess_blob_gas, blob_base_fee, tx_count, missed,"
    " CAST(burned_wei AS TEXT), CAST(tips_wei AS TEXT) FROM l1_blocks_old;"
    /* version 1 had only the L1 baseline, whose transfers are accepted when included */
    "INSERT INTO txs(run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
    " soft_us, include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status)"
    " SELECT run_id, scheme, tx_id, user_id, to_user_id, CAST(value_wei AS TEXT), submit_us,"
    " include_us, include_us, final_us, CAST(fee_wei AS TEXT), CAST(l1_fee_wei AS TEXT),"
    " CAST(l2_fee_wei AS TEXT), status FROM txs_old;"
    /* version 1 wrote one row per adversary and world: its only attempt */
    "INSERT INTO attacks(run_id, world, adversary, attack_id, type, target, start_us, end_us,"
    " cost_wei, value_at_risk_wei, value_lost_wei, detected, detect_us, resolved_us,"
    " blocks_affected, txs_affected, delay_imposed_us, detail)"
    " SELECT run_id, world, adversary, 1, type, target, start_us, end_us,"
    " CAST(spent_wei AS TEXT), CAST(value_at_risk_wei AS TEXT), CAST(value_lost_wei AS TEXT),"
    " detected, detect_us, resolved_us, blocks_affected, txs_affected, delay_imposed_us,"
    " detail FROM attacks_old;"
    "DROP TABLE l1_blocks_old; DROP TABLE txs_old; DROP TABLE attacks_old;"
    /* fee statistics became ETH, like the columns they summarize (l1_base_fee_*_wei
     * are prices per gas and stay wei) */
    "UPDATE metrics SET name = substr(name, 1, length(name) - 4) || '_eth', value = value / 1e18"
    " WHERE name LIKE 'fee\\_%\\_wei' ESCAPE '\\' OR name LIKE '%.fee\\_%\\_wei' ESCAPE '\\';"
    /* a latency stage has one name in metrics and views (issue 14 item 7) */
    "UPDATE metrics SET name = replace(replace(replace(name, 'latency_include_', 'inclusion_'),"
    " 'latency_final_', 'finality_'), 'latency_soft_', 'soft_') WHERE name LIKE '%latency\\_%'"
    " ESCAPE '\\';";

/* Version 2 -> 3: l1_txs gained payer (who paid each transaction, for the cost per
 * transfer); the rows written before say 'unknown' (view l1_spend reads those from
 * their kind). Version 1 had no l1_txs: the current schema creates it. */
static const char v2_alter[] =
    "ALTER TABLE l1_txs ADD COLUMN payer TEXT NOT NULL DEFAULT 'unknown'";

/* Steps from version to STORE_SCHEMA_VERSION, before the current schema is applied:
 * the views dropped (they may name what changes), version 1's changed tables renamed,
 * version 2's l1_txs altered in place. */
static int migrate_begin(struct store *st, int version, struct err *e)
{
    /* views name the old columns: drop them all before renaming under them */
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(st->db, "SELECT name FROM sqlite_master WHERE type = 'view'", -1, &q,
                       NULL);
    char **views = NULL;
    size_t n = 0;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        views = xrealloc(views, (n + 1) * sizeof *views);
        /* the name is the file's: quoted (inner quotes doubled), never spliced raw */
        char *qv = dbfile_quote((const char *)sqlite3_column_text(q, 0));
        views[n++] = xasprintf("DROP VIEW %s", qv);
        free(qv);
    }
    sqlite3_finalize(q);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = exec(st, views[i], e);
        free(views[i]);
    }
    free(views);
    for (size_t i = 0; rc == 0 && version == 1 && i < ARRAY_LEN(v1_changed); i++) {
        char *sql = xasprintf("ALTER TABLE %s RENAME TO %s_old", v1_changed[i], v1_changed[i]);
        rc = exec(st, sql, e);
        free(sql);
    }
    if (rc == 0 && version == 2)
        rc = exec(st, v2_alter, e);
    return rc;
}

/* After the current schema is applied: version 1's rows copied into the new tables. */
static int migrate_end(struct store *st, int version, struct err *e)
{
    if (version == 1 && exec(st, v1_copy, e) != 0)
        return err_set(e, L2_EIO, "%s: cannot upgrade the database from schema version %d "
                       "to %d (nothing was changed); rerun its scenarios into a new file",
                       st->path, version, STORE_SCHEMA_VERSION);
    return 0;
}

/* The page size of a new database file: 64 KiB (SQLite's largest) instead of its
 * default 4 KiB. The tables the runs fill (txs, l1_txs: WITHOUT ROWID, keyed by run,
 * scheme or world, and id) take a B-tree seek per row; larger pages make the trees
 * shallower and page splits rarer: SQLite's instructions for the L1 day's 856,000
 * rows of txs and l1_txs, replayed as the writer inserts them with the log
 * checkpointed as often, fell by 11% (14.18 G -> 12.66 G, callgrind; 16 KiB pages:
 * 4%). An empty database takes about 2 MB instead of 0.2. Readers do not care. */
#define STORE_PAGE_SIZE 65536
/* SQLite's default: 1000 pages of 4 KiB of log between checkpoints. */
#define STORE_WAL_BYTES (1000 * 4096)

static int page_size(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int size = 4096;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0)
        size = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return size;
}

int store_open(const char *path, struct store **out, struct err *e)
{
    *out = NULL;
    if (check_writable(path, e) != 0)
        return L2_EIO;
    struct store *st = xcalloc(1, sizeof *st);
    st->path = xstrdup(path);
    /* as a URI, so that merge may ATTACH its sources read-only ("file:...?mode=ro") */
    char *uri = strcmp(path, ":memory:") == 0 ? xstrdup(path) : dbfile_uri(path, "");
    /* FULLMUTEX: the store's writer thread (store_rows) and the model's thread share
     * the connection, SQLite serializing their calls */
    int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        err_set(e, L2_EIO, "%s: cannot open database: %s", path,
                st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto err;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 1);
    /* Before a byte changes: a file that is not a database, or not l2sim's (another
     * application's tables, l2sim's tables with other columns, triggers), is refused
     * with what is wrong; no function from the file's schema runs. */
    dbfile_harden(st->db);
    if (dbfile_check(st->db, "main", path, DBFILE_WRITE, L2_EIO, e) != 0)
        goto err;
    /* A page cache of 32 MiB (SQLite's default is 2 MiB): a commit batch (STORE_BATCH
     * rows of txs and l1_txs) dirties more than 2 MiB, which SQLite then spills to the
     * log mid-transaction and reads back (a fifth of the L1 day's system time).
     * A new file gets STORE_PAGE_SIZE pages (a file that exists keeps its own: WAL
     * mode cannot change it), and the log is checkpointed every STORE_WAL_BYTES
     * whatever the page size (wal_autocheckpoint counts pages). */
    char *pragmas = xasprintf("PRAGMA page_size=%d; PRAGMA journal_mode=WAL;"
                              " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
                              STORE_PAGE_SIZE);
    rc = exec(st, pragmas, e);
    free(pragmas);
    if (rc != 0)
        goto err;
    sqlite3_wal_autocheckpoint(st->db, STORE_WAL_BYTES / page_size(st->db));
    if (exec(st, "BEGIN IMMEDIATE", e) != 0)
        goto err;
    /* schema version: set on creation, an older one upgraded in place (inside this
     * transaction: all or nothing), a newer one refused */
    int version = store_schema_version(st->db, "main");
    if (store_check_version(version, path, L2_EIO, e) != 0 ||
        (version > 0 && version < STORE_SCHEMA_VERSION && migrate_begin(st, version, e) != 0) ||
        exec(st, (const char *)store_schema_sql, e) != 0 ||
        (version > 0 && version < STORE_SCHEMA_VERSION && migrate_end(st, version, e) != 0)) {
        exec(st, "ROLLBACK", e);
        goto err;
    }
    if (version != STORE_SCHEMA_VERSION) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta VALUES('schema_version','%d')",
                 STORE_SCHEMA_VERSION);
        if (exec(st, sql, e) != 0)
            goto err;
        /* an upgraded file is checked as a current one before the upgrade commits */
        if (version > 0 && dbfile_check(st->db, "main", path, DBFILE_WRITE, L2_EIO, e) != 0) {
            exec(st, "ROLLBACK", e);
            goto err;
        }
    }
    if (exec(st, "COMMIT", e) != 0)
        goto err;
    if (store_ensure_student_t(st, 100, e) != 0)
        goto err;
    *out = st;
    return 0;
err:
    store_close(st);
    return L2_EIO;
}

static void rows_flush_all(struct store *st);
static void rows_free(struct store_rows *r);
static void writer_stop(struct store *st);

void store_close(struct store *st)
{
    if (!st)
        return;
    rows_flush_all(st);
    writer_stop(st);
    if (st->in_tx && !st->failure)
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    for (size_t i = 0; i < st->nrows; i++)
        rows_free(st->rows[i]);
    free(st->rows);
    for (size_t i = 0; i < st->nstmts; i++)
        sqlite3_finalize(st->stmts[i]);
    free(st->stmts);
    dbfile_close(st->db);
    free(st->failure);
    free(st->path);
    free(st);
}

sqlite3 *store_db(struct store *st)
{
    rows_flush_all(st);           /* the caller may query what was written */
    return st->db;
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
    rows_flush_all(st);
    /* a serial study keeps one store for all its runs: each run's models ask again */
    for (size_t i = 0; i < st->nstmts; i++)
        if (strcmp(sqlite3_sql(st->stmts[i]), sql) == 0)
            return st->stmts[i];
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        sim_panic("bad SQL (%s): %s", sqlite3_errmsg(st->db), sql);
    st->stmts = xrealloc(st->stmts, (st->nstmts + 1) * sizeof *st->stmts);
    st->stmts[st->nstmts++] = s;
    return s;
}

static bool begin(struct store *st)
{
    if (st->in_tx)
        return true;
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "cannot begin a transaction");
        return false;
    }
    st->in_tx = true;
    return true;
}

static bool commit(struct store *st)
{
    rows_flush_all(st);           /* and the writer idle */
    if (!st->in_tx)
        return true;
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "cannot commit");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_tx = false;
        return false;
    }
    st->in_tx = false;
    st->pending = 0;
    return true;
}

/* Execute bound stmt inside the open transaction (begun if none), reset and clear
 * it; false if the store has failed. Commits nothing. */
static bool step_in_tx(struct store *st, sqlite3_stmt *stmt)
{
    if (st->failure || !begin(st)) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return false;
    }
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        if (rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH || (rc & 0xff) == SQLITE_CONSTRAINT)
            sim_panic("database constraint violated (%s): %s", sqlite3_errmsg(st->db),
                      sqlite3_sql(stmt));
        fail(st, "write failed");
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return true;
}

static void writer_commit(struct store *st);

void store_step(struct store *st, sqlite3_stmt *stmt)
{
    if (step_in_tx(st, stmt) && ++st->pending >= STORE_BATCH)
        writer_commit(st);
}

/* ---- batched rows (store_rows) ---- */

/* A buffered value's type. RV_U128 is formatted as decimal text by whoever writes
 * the rows (the writer thread, mostly), not by the model. */
enum { RV_NULL, RV_INT, RV_TEXT, RV_U128 };

union rows_val {
    int64_t  i;                   /* RV_INT */
    struct {
        uint32_t off, len;        /* RV_TEXT: in the buffer's text arena */
    } t;
    uint64_t w[2];                /* RV_U128: low and high words */
};

/* A group of rows being built, or queued for the writer, or being written. */
struct rows_buf {
    union rows_val *v;           /* STORE_ROWS_GROUP x ncols */
    uint8_t      *type;           /* beside v: RV_*, zero (NULL) until set */
    char         *text;           /* the arena: the rows' text */
    size_t        ntext, captext;
    bool          queued;         /* the writer's until its job is done (writer.mu) */
};

/* Buffers per batch: one the model fills while the others wait for or are in the
 * writer's hands (enough that the model seldom waits for one when the writer is
 * behind: a busy machine may leave it unscheduled for a while). */
#define ROWS_BUFS 256

struct store_rows {
    struct store *st;
    char         *key;            /* table and columns, to find it again */
    int           ncols;
    sqlite3_stmt *group;          /* STORE_ROWS_GROUP rows a statement (the writer's) */
    sqlite3_stmt *one;            /* one row: what is left at a flush */
    struct rows_buf bufs[ROWS_BUFS];
    struct rows_buf *cur;         /* the one being filled */
    size_t        ncur;           /* bufs index of cur */
    size_t        n;              /* complete rows in cur */
    bool          building;       /* a column of row n is set: no flush until it ends */
};

/* INSERT OR FAIL: a row that breaks a constraint stops the statement with
 * SQLITE_CONSTRAINT (a bug: a panic) as the default ABORT does, but without undoing
 * the group's earlier rows, so SQLite keeps no statement journal for a multi-row
 * INSERT (with ABORT it copies every page the group touches, and spills the copies to
 * a temporary file past 64 KiB). */
static sqlite3_stmt *rows_insert(struct store *st, const char *table, const char *columns,
                                 int ncols, int nrows)
{
    size_t cap = strlen(table) + strlen(columns) + 32 + (size_t)nrows * ((size_t)ncols * 2 + 3);
    char *sql = xmalloc(cap), *p = sql;
    p += sprintf(p, "INSERT OR FAIL INTO %s(%s) VALUES", table, columns);
    for (int r = 0; r < nrows; r++) {
        *p++ = r ? ',' : ' ';
        *p++ = '(';
        for (int c = 0; c < ncols; c++) {
            if (c)
                *p++ = ',';
            *p++ = '?';
        }
        *p++ = ')';
    }
    *p = '\0';
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        sim_panic("bad SQL (%s): %s", sqlite3_errmsg(st->db), sql);
    free(sql);
    return s;
}

struct store_rows *store_rows(struct store *st, const char *table, const char *columns,
                              int ncols)
{
    char *key = xasprintf("%s(%s)", table, columns);
    for (size_t i = 0; i < st->nrows; i++)
        if (strcmp(st->rows[i]->key, key) == 0) {
            free(key);
            return st->rows[i];
        }
    rows_flush_all(st);           /* the writer idle: the connection prepares */
    struct store_rows *r = xcalloc(1, sizeof *r);
    r->st = st;
    r->key = key;
    r->ncols = ncols;
    r->group = rows_insert(st, table, columns, ncols, STORE_ROWS_GROUP);
    r->one = rows_insert(st, table, columns, ncols, 1);
    for (size_t k = 0; k < ROWS_BUFS; k++) {
        r->bufs[k].v = xcalloc((size_t)STORE_ROWS_GROUP * (size_t)ncols, sizeof *r->bufs[k].v);
        r->bufs[k].type = xcalloc((size_t)STORE_ROWS_GROUP * (size_t)ncols, 1);
    }
    r->cur = &r->bufs[0];
    st->rows = xrealloc(st->rows, (st->nrows + 1) * sizeof *st->rows);
    st->rows[st->nrows++] = r;
    return r;
}

static void rows_free(struct store_rows *r)
{
    sqlite3_finalize(r->group);
    sqlite3_finalize(r->one);
    for (size_t k = 0; k < ROWS_BUFS; k++) {
        free(r->bufs[k].v);
        free(r->bufs[k].type);
        free(r->bufs[k].text);
    }
    free(r->key);
    free(r);
}

/* Cell col of the row being built, typed `type`. */
static union rows_val *rows_cell(struct store_rows *r, int col, uint8_t type)
{
    SIM_ASSERT(col >= 1 && col <= r->ncols);
    r->building = true;
    size_t k = r->n * (size_t)r->ncols + (size_t)(col - 1);
    r->cur->type[k] = type;
    return &r->cur->v[k];
}

void store_rows_int(struct store_rows *r, int col, int64_t v)
{
    rows_cell(r, col, RV_INT)->i = v;
}

static void rows_text_n(struct store_rows *r, int col, const char *text, size_t len)
{
    struct rows_buf *b = r->cur;
    if (len > INT32_MAX - b->ntext)
        sim_panic("store_rows: more than 2 GiB of text in one group of %s", r->key);
    if (b->ntext + len > b->captext) {
        b->captext = 2 * (b->ntext + len) + 256;
        b->text = xrealloc(b->text, b->captext);
    }
    memcpy(b->text + b->ntext, text, len);
    union rows_val *v = rows_cell(r, col, RV_TEXT);
    v->t.off = (uint32_t)b->ntext;
    v->t.len = (uint32_t)len;
    b->ntext += len;
}

void store_rows_text(struct store_rows *r, int col, const char *text)
{
    rows_text_n(r, col, text, strlen(text));
}

void store_rows_u128(struct store_rows *r, int col, u128 v)
{
    union rows_val *c = rows_cell(r, col, RV_U128);
    c->w[0] = (uint64_t)v;
    c->w[1] = (uint64_t)(v >> 64);
}

/* Rows 0..n-1 of b: each RV_U128 cell becomes its decimal text in b's arena. */
static void rows_format(const struct store_rows *r, struct rows_buf *b, size_t n)
{
    size_t cells = n * (size_t)r->ncols;
    for (size_t k = 0; k < cells; k++) {
        if (b->type[k] != RV_U128)
            continue;
        if (b->ntext + 40 > b->captext) {
            b->captext = 2 * (b->ntext + 40) + 256;
            b->text = xrealloc(b->text, b->captext);
        }
        union rows_val *v = &b->v[k];
        size_t len = u128_fmt((u128)v->w[1] << 64 | v->w[0], b->text + b->ntext);
        v->t.off = (uint32_t)b->ntext;
        v->t.len = (uint32_t)len;
        b->ntext += len;
        b->type[k] = RV_TEXT;
    }
}

/* Bind row `row` of b to stmt's parameters from `base` + 1 on, every one of them (a
 * cell not set is bound NULL): the statement needs no sqlite3_clear_bindings, which
 * walks all of a group's parameters for the few NULLs a row has. */
static void rows_bind(const struct store_rows *r, const struct rows_buf *b, sqlite3_stmt *s,
                      size_t row, int base)
{
    const union rows_val *v = &b->v[row * (size_t)r->ncols];
    const uint8_t *type = &b->type[row * (size_t)r->ncols];
    for (int c = 0; c < r->ncols; c++)
        if (type[c] == RV_INT)
            sqlite3_bind_int64(s, base + c + 1, v[c].i);
        else if (type[c] == RV_TEXT)
            sqlite3_bind_text(s, base + c + 1, b->text + v[c].t.off, (int)v[c].t.len,
                              SQLITE_STATIC);
        else
            sqlite3_bind_null(s, base + c + 1);
}

/* b empty again: every cell NULL. */
static void rows_clear(const struct store_rows *r, struct rows_buf *b, size_t n)
{
    memset(b->type, 0, n * (size_t)r->ncols);
    b->ntext = 0;
}

/* ---- the writer thread ---- */

/* Step stmt (every parameter bound: rows_bind) in the writer and reset it; a failure
 * is kept for the model's thread, and the writer does nothing more. The bindings are
 * left as they are: the text ones point into a buffer the model refills, but SQLite
 * reads a parameter only when stepping, and the next group rebinds every one first. */
static void writer_step(struct store *st, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        char *msg = xasprintf("%s (%s): %s", what, sqlite3_errmsg(st->db), sqlite3_sql(stmt));
        pthread_mutex_lock(&st->w.mu);
        if (!st->w.failed) {
            st->w.failed = true;
            st->w.constraint = (rc & 0xff) == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH;
            st->w.error = msg;
            msg = NULL;
        }
        pthread_mutex_unlock(&st->w.mu);
        free(msg);
    }
    sqlite3_reset(stmt);
}

static void writer_run(struct store *st, const struct writer_job *j)
{
    if (j->r) {
        rows_format(j->r, j->b, STORE_ROWS_GROUP);
        /* the group's 768 binds and its step under one hold of the connection's mutex:
         * each SQLite call below takes it again, which for a (recursive) mutex its
         * thread already holds is a count, not an atomic operation; the model's own
         * statements wait for this one group, as they would for its step */
        sqlite3_mutex *m = sqlite3_db_mutex(st->db);
        sqlite3_mutex_enter(m);
        for (size_t i = 0; i < STORE_ROWS_GROUP; i++)
            rows_bind(j->r, j->b, j->r->group, i, (int)i * j->r->ncols);
        writer_step(st, j->r->group, "write failed");
        sqlite3_mutex_leave(m);
        rows_clear(j->r, j->b, STORE_ROWS_GROUP);
        return;
    }
    /* a batch's commit; the next transaction begins in the same call, so the model's
     * statements always find one open (SQLite holds the connection for the whole exec) */
    if (sqlite3_exec(st->db, "COMMIT; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        char *msg = xasprintf("cannot commit: %s", sqlite3_errmsg(st->db));
        pthread_mutex_lock(&st->w.mu);
        if (!st->w.failed) {
            st->w.failed = true;
            st->w.error = msg;
            msg = NULL;
        }
        pthread_mutex_unlock(&st->w.mu);
        free(msg);
    }
}

static void *writer_main(void *arg)
{
    struct store *st = arg;
    struct writer *w = &st->w;
#ifdef __linux__
    prctl(PR_SET_NAME, "l2sim-writer");    /* by name in /proc (make bench's CPU per thread) */
#endif
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->n == 0 && !w->stop)
            pthread_cond_wait(&w->work, &w->mu);
        if (w->n == 0)
            break;                          /* stop, and nothing left */
        /* every job queued now, in one go: the model queues behind them meanwhile
         * (slots past head + k), and the lock is taken twice a round, not a job */
        size_t k = w->n, head = w->head;
        pthread_mutex_unlock(&w->mu);
        for (size_t i = 0; i < k; i++) {
            const struct writer_job *j = &w->q[(head + i) % WRITER_QUEUE];
            if (!w->failed)                 /* sticky: nothing more after a failure
                                             * (set by this thread only) */
                writer_run(st, j);
            else if (j->r)
                rows_clear(j->r, j->b, STORE_ROWS_GROUP);
        }
        pthread_mutex_lock(&w->mu);
        for (size_t i = 0; i < k; i++) {
            struct writer_job *j = &w->q[(head + i) % WRITER_QUEUE];
            if (j->b)
                j->b->queued = false;
        }
        w->head = (head + k) % WRITER_QUEUE;
        w->n -= k;
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* A failure the writer kept becomes the store's (model's thread; w.mu not held). */
static void writer_take_error(struct store *st)
{
    pthread_mutex_lock(&st->w.mu);
    char *error = st->w.error;
    bool constraint = st->w.constraint;
    st->w.error = NULL;
    pthread_mutex_unlock(&st->w.mu);
    if (!error)
        return;
    if (constraint)
        sim_panic("database constraint violated: %s", error);
    if (!st->failure) {
        st->failure = xasprintf("%s: %s", st->path, error);
        if (st->on_error)
            st->on_error(st->on_error_ctx);
    }
    free(error);
}

/* Queue job j (a transaction is open); starts the thread the first time. Waits while
 * the queue is full. True when the writer has a failure for the model to take. */
static bool writer_push(struct store *st, struct writer_job j)
{
    struct writer *w = &st->w;
    if (!w->started) {
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->work, NULL);
        pthread_cond_init(&w->done, NULL);
        /* signals go to the model's thread (interrupts), never to the writer */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int rc = pthread_create(&w->thread, NULL, writer_main, st);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0)
            sim_panic("cannot start the store's writer thread: %s", strerror(rc));
        w->started = true;
    }
    pthread_mutex_lock(&w->mu);
    while (w->n == WRITER_QUEUE) {
        pthread_cond_signal(&w->work);
        pthread_cond_wait(&w->done, &w->mu);
    }
    if (j.b)
        j.b->queued = true;
    w->q[(w->head + w->n) % WRITER_QUEUE] = j;
    w->n++;
    if (w->n >= WRITER_WAKE || !j.r)
        pthread_cond_signal(&w->work);
    bool error = w->error != NULL;
    pthread_mutex_unlock(&w->mu);
    return error;
}

/* Wait until every queued job is done; then take over a failure. */
static void writer_wait(struct store *st)
{
    struct writer *w = &st->w;
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    if (w->n > 0)
        pthread_cond_signal(&w->work);
    while (w->n > 0)
        pthread_cond_wait(&w->done, &w->mu);
    pthread_mutex_unlock(&w->mu);
    writer_take_error(st);
}

static void writer_stop(struct store *st)
{

    struct writer *w = &st->w;
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    writer_take_error(st);
    free(w->error);
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    w->started = false;
}

/* A batch of STORE_BATCH rows is pending: commit it, in the writer's turn when it
 * runs (its queued rows first), else now. */
static void writer_commit(struct store *st)
{
    if (!st->w.started || !st->in_tx) {
        commit(st);
        return;
    }
    if (st->failure)
        return;
    if (writer_push(st, (struct writer_job){ NULL, NULL }))
        writer_take_error(st);
    st->pending = 0;
}

/* Hand the full buffer of r to the writer and move to the next buffer, once the
 * writer is done with it. */
static void rows_queue(struct store_rows *r)
{
    struct store *st = r->st;
    if (st->failure || !begin(st)) {  /* failed: rows go nowhere, as store_step's */
        rows_clear(r, r->cur, r->n);
        r->n = 0;
        return;
    }
    bool error = writer_push(st, (struct writer_job){ r, r->cur });
    st->pending += r->n;
    r->n = 0;
    r->ncur = (r->ncur + 1) % ROWS_BUFS;
    r->cur = &r->bufs[r->ncur];
    pthread_mutex_lock(&st->w.mu);
    if (r->cur->queued)
        pthread_cond_signal(&st->w.work);
    while (r->cur->queued)
        pthread_cond_wait(&st->w.done, &st->w.mu);
    pthread_mutex_unlock(&st->w.mu);
    if (error)
        writer_take_error(st);
}

/* Write the rows of r's buffer that do not fill a group, one statement each, on this
 * thread (the writer idle). Counts them toward the commit batch; commits nothing. */
static void rows_flush(struct store_rows *r)
{
    struct store *st = r->st;
    if (r->building)
        sim_panic("store_rows: a row of %s was written half built (the store was used "
                  "between its columns and store_rows_end)", r->key);
    rows_format(r, r->cur, r->n);
    for (size_t i = 0; i < r->n && !st->failure; i++) {
        rows_bind(r, r->cur, r->one, i, 0);
        step_in_tx(st, r->one);
    }
    st->pending += r->n;
    rows_clear(r, r->cur, r->n);
    r->n = 0;
}

/* Every row ended so far in its table: the writer's queue done, then what is left
 * of each buffer. The writer is idle afterwards. */
static void rows_flush_all(struct store *st)
{
    writer_wait(st);
    for (size_t i = 0; i < st->nrows; i++)
        if (st->rows[i]->n)
            rows_flush(st->rows[i]);
}

void store_rows_end(struct store_rows *r)
{
    r->building = false;
    if (++r->n < STORE_ROWS_GROUP)
        return;
    rows_queue(r);
    if (r->st->pending >= STORE_BATCH)
        writer_commit(r->st);
}

int store_commit(struct store *st, struct err *e)
{
    if (!st->failure)
        commit(st);
    if (st->failure)
        return err_set(e, L2_EIO, "%s", st->failure);
    return 0;
}

bool store_failed(struct store *st, const char **why)
{
    writer_wait(st);              /* a failure of the writer's is the store's */
    if (why)
        *why = st->failure;
    return st->failure != NULL;
}

void store_on_error(struct store *st, void (*fn)(void *), void *ctx)
{
    st->on_error = fn;
    st->on_error_ctx = ctx;
}

void store_bind_u128(sqlite3_stmt *stmt, int col, u128 v)
{
    char buf[41];
    sqlite3_bind_text(stmt, col, u128_str(v, buf), -1, SQLITE_TRANSIENT);
}

int store_schema_version(sqlite3 *db, const char *schema)
{
    char *sql = xasprintf("SELECT value FROM \"%s\".meta WHERE key = 'schema_version'",
                          schema);
    sqlite3_stmt *q = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    free(sql);
    return version;
}

int store_check_version(int version, const char *path, int code, struct err *e)
{
    if (version <= STORE_SCHEMA_VERSION)
        return 0;
    return err_set(e, code, "%s: database schema version %d is newer than this l2sim's "
                   "(%d); use a newer l2sim or another file", path, version,
                   STORE_SCHEMA_VERSION);
}

void store_remove(const char *path)
{
    char *x;
    remove(path);
    x = xasprintf("%s-wal", path), remove(x), free(x);
    x = xasprintf("%s-shm", path), remove(x), free(x);
}

void store_utc_now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int store_begin_run(struct store *st, const struct store_run *r, int64_t *run_id,
                    struct err *e)
{
    if (!commit(st))
        return store_commit(st, e);
    char now[32];
    store_utc_now(now);
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(st->db,
        "INSERT INTO runs(scenario_name, scenario_file, scenario_text, scenario_sha256,"
        " overrides, config, seed, master_seed, replication, l2sim_version, git_rev,"
        " crypto_mode, duration_us, started_at, sweep_point, sweep_index, status)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'running')", -1, &s, NULL);
    if (!s)
        return err_set(e, L2_EIO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, r->scenario_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->scenario_file, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->scenario_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->scenario_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->overrides, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->config, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)r->seed);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)r->master_seed);
    sqlite3_bind_int64(s, 9, r->replication);
    sqlite3_bind_text(s, 10, L2SIM_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, L2SIM_GIT_REV, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 12, r->crypto_mode, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 13, r->duration_us);
    sqlite3_bind_text(s, 14, now, -1, SQLITE_STATIC);
    if (r->sweep_point) {
        sqlite3_bind_text(s, 15, r->sweep_point, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 16, r->sweep_index);
    }
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return err_set(e, L2_EIO, "%s: cannot record the run: %s", st->path,
                       sqlite3_errmsg(st->db));
    *run_id = sqlite3_last_insert_rowid(st->db);
    return store_ensure_student_t(st, r->replication, e);
}

int store_ensure_student_t(struct store *st, int64_t max_df, struct err *e)
{
    sqlite3_stmt *q = NULL;
    int64_t have = 0;
    sqlite3_prepare_v2(st->db, "SELECT COALESCE(MAX(df), 0) FROM student_t", -1, &q, NULL);
    if (q && sqlite3_step(q) == SQLITE_ROW)
        have = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (have >= max_df)
        return 0;
    if (!commit(st))
        return store_commit(st, e);
    if (exec(st, "BEGIN", e) != 0)
        return L2_EIO;
    sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO student_t(df, t975) VALUES(?,?)", -1,
                       &q, NULL);
    int rc = q ? SQLITE_DONE : SQLITE_ERROR;
    for (int64_t df = have + 1; df <= max_df && rc == SQLITE_DONE; df++) {
        sqlite3_bind_int64(q, 1, df);
        sqlite3_bind_double(q, 2, gsl_cdf_tdist_Pinv(0.975, (double)df));
        rc = sqlite3_step(q);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        err_set(e, L2_EIO, "%s: cannot fill student_t: %s", st->path, sqlite3_errmsg(st->db));
        exec(st, "ROLLBACK", e);
        return L2_EIO;
    }
    return exec(st, "COMMIT", e);
}

int store_end_run(struct store *st, int64_t run_id, const char *status, const char *detail,
                  uint64_t events, int64_t sim_end_us, double wall_s, struct err *e)
{
    commit(st);
    if (st->failure) {
        /* rows may be lost: the run cannot be complete, whatever the caller thought */
        status = "failed";
        detail = st->failure;
    }
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(st->db, "UPDATE runs SET status=?, status_detail=?, events=?,"
                       " sim_end_us=?, wall_s=? WHERE run_id=?", -1, &s, NULL);
    if (!s)
        return err_set(e, L2_EIO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
    if (detail)
        sqlite3_bind_text(s, 2, detail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)events);
    sqlite3_bind_int64(s, 4, sim_end_us);
    sqlite3_bind_double(s, 5, wall_s);
    sqlite3_bind_int64(s, 6, run_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return err_set(e, L2_EIO, "%s: cannot record the run's status: %s", st->path,
                       sqlite3_errmsg(st->db));
    if (st->failure)
        return err_set(e, L2_EIO, "%s", st->failure);
    return 0;
}

int store_mark_unfinished(struct store *st, int64_t run_id, const char *status,
                          const char *detail, struct err *e)
{
    commit(st);
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(st->db, "UPDATE runs SET status = ?, status_detail = ? WHERE run_id = ?"
                       " AND status = 'running'", -1, &s, NULL);
    if (!s)
        return err_set(e, L2_EIO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, detail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, run_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return err_set(e, L2_EIO, "%s: cannot record the run's status: %s", st->path,
                       sqlite3_errmsg(st->db));
    return 0;
}

static bool (*modules_older)(sqlite3 *db);
static int (*modules_apply)(struct store *st, struct err *e);

void store_set_module_upgrade(bool (*older)(sqlite3 *db),
                              int (*apply)(struct store *st, struct err *e))
{
    modules_older = older;
    modules_apply = apply;
}

bool store_modules_older(sqlite3 *db) { return modules_older && modules_older(db); }

int store_upgraded_copy(const char *path, char **copy, struct err *e)
{
    *copy = NULL;
    const char *tmpdir = getenv("TMPDIR");
    char *tmp = xasprintf("%s/l2sim-upgrade-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = err_set(e, L2_EIO, "%s: cannot make a scratch copy to upgrade: %s", tmp,
                         strerror(errno));
        free(tmp);
        return rc;
    }
    close(fd);
    /* page by page through SQLite's backup (a live write-ahead log included), from a
     * read-only connection: the original is never written */
    sqlite3 *src = NULL, *dst = NULL;
    char *uri = dbfile_uri(path, dbfile_ro_query(path));
    int rc = sqlite3_open_v2(uri, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc == SQLITE_OK)
        rc = sqlite3_open(tmp, &dst);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
        sqlite3_backup_finish(b);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK)
        err_set(e, L2_EINPUT, "%s: cannot copy it to upgrade: %s", path,
                sqlite3_errmsg(dst ? dst : src));
    sqlite3_close(src);
    sqlite3_close(dst);
    struct store *st = NULL;
    if (rc == SQLITE_OK && store_open(tmp, &st, e) != 0)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK && modules_apply && modules_apply(st, e) != 0)
        rc = SQLITE_ERROR;
    store_close(st);
    if (rc != SQLITE_OK) {
        store_remove(tmp);
        free(tmp);
        return e->code ? e->code : L2_EINPUT;
    }
    *copy = tmp;
    return 0;
}

/* ---- SQL owned by modules (a scheme's tables and views) ---- */

int store_sql_version(struct store *st, const char *owner)
{
    sqlite3_stmt *q = NULL;
    int version = 0;
    sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'sql_version:' || ?",
                       -1, &q, NULL);
    sqlite3_bind_text(q, 1, owner, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return version;
}

char **store_sql_tables(const struct store_sql *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, sql->tables ? sql->tables : "", NULL, NULL, &msg) != SQLITE_OK)
        sim_panic("bad declared SQL (%s): %s", msg ? msg : "out of memory", sql->tables);
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &q, NULL);
    size_t n = 0, bytes = 0;
    while (sqlite3_step(q) == SQLITE_ROW)
        n++, bytes += (size_t)sqlite3_column_bytes(q, 0) + 1;
    /* one block: the pointers, then the names */
    char **names = xmalloc((n + 1) * sizeof *names + bytes);
    char *text = (char *)(names + n + 1);
    sqlite3_reset(q);
    size_t i = 0;
    while (sqlite3_step(q) == SQLITE_ROW && i < n) {
        size_t len = (size_t)sqlite3_column_bytes(q, 0);
        memcpy(text, sqlite3_column_text(q, 0), len + 1);
        names[i++] = text;
        text += len + 1;
    }
    names[i] = NULL;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return names;
}

/* Every table of sql starts with run_id, scheme (in st, as created). */
static int check_owned_tables(struct store *st, const char *owner, const struct store_sql *sql,
                              struct err *e)
{
    char **names = store_sql_tables(sql);
    int rc = 0;
    for (size_t i = 0; names[i] && rc == 0; i++) {
        char *pragma = xasprintf("PRAGMA table_info(\"%s\")", names[i]);
        sqlite3_stmt *q = NULL;
        sqlite3_prepare_v2(st->db, pragma, -1, &q, NULL);
        free(pragma);
        const char *want[] = { "run_id", "scheme" };
        size_t k = 0;
        while (k < 2 && q && sqlite3_step(q) == SQLITE_ROW &&
               strcmp((const char *)sqlite3_column_text(q, 1), want[k]) == 0)
            k++;
        sqlite3_finalize(q);
        if (k < 2)
            rc = err_set(e, L2_EINPUT, "%s: table %s of %s does not start with the columns "
                         "run_id, scheme (every table a scheme declares is per run and per "
                         "scheme)", st->path, names[i], owner);
    }
    free(names);
    return rc;
}

int store_apply_sql(struct store *st, const char *owner, const struct store_sql *sql,
                    struct err *e)
{
    SIM_ASSERT(sql->version >= 1);
    if (store_commit(st, e) != 0)
        return L2_EIO;
    if (exec(st, "BEGIN IMMEDIATE", e) != 0)
        return L2_EIO;
    int have = store_sql_version(st, owner), rc = 0;
    if (have > sql->version) {
        rc = err_set(e, L2_EINPUT, "%s: the tables of %s are version %d, newer than this "
                     "l2sim's (%d); use a newer l2sim or another file", st->path, owner,
                     have, sql->version);
        goto done;
    }
    if (have == 0 && sql->tables && (rc = exec(st, sql->tables, e)) != 0)
        goto done;
    for (int v = have ? have : sql->version; v < sql->version; v++) {
        const char *up = sql->upgrades ? sql->upgrades[v - 1] : NULL;
        if (!up) {
            rc = err_set(e, L2_EINPUT, "%s: the tables of %s are version %d and this l2sim "
                         "has no upgrade from it to %d; rerun the scenario into a new file",
                         st->path, owner, v, sql->version);
            goto done;
        }
        if ((rc = exec(st, up, e)) != 0)
            goto done;
    }
    if ((rc = check_owned_tables(st, owner, sql, e)) != 0)
        goto done;
    if (sql->views && (rc = exec(st, sql->views, e)) != 0)
        goto done;
    if (have != sql->version) {
        sqlite3_stmt *q = NULL;
        sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta VALUES('sql_version:' || ?, ?)",
                           -1, &q, NULL);
        sqlite3_bind_text(q, 1, owner, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, sql->version);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = err_set(e, L2_EIO, "%s: %s", st->path, sqlite3_errmsg(st->db));
        sqlite3_finalize(q);
    }
done:
    if (rc) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(st, "COMMIT", e);
}

/* store.h — the results database (SQLite). Opens or creates a database with the
 * schema of analysis/schema.sql, records runs, and batches model inserts into
 * transactions. Knows tables, not blockchains: models prepare their own INSERTs. */
#ifndef L2SIM_STORE_H
#define L2SIM_STORE_H

#include <sqlite3.h>
#include "sim/util.h"

/* The schema analysis/schema.sql describes. 2: amounts as X_wei/X_eth pairs, txs.soft_us
 * and reason, attacks one row per attempt (issue 10). store_open upgrades older files. */
#define STORE_SCHEMA_VERSION 3

struct store;

/* Open (creating if needed) the database at `path`. A database of an older schema
 * version is upgraded in place (all or nothing). An unwritable path, a file that is
 * not an l2sim database, or a newer schema is L2_EIO with a message. */
int  store_open(const char *path, struct store **out, struct err *e);
/* Commit what is pending and close. Safe on NULL. */
void store_close(struct store *st);

/* What a run row starts with. All strings borrowed. */
struct store_run {
    const char *scenario_name, *scenario_file, *scenario_text, *scenario_sha256;
    const char *overrides, *config;
    uint64_t    seed, master_seed;
    uint32_t    replication;
    const char *crypto_mode;
    int64_t     duration_us;
    const char *sweep_point;   /* NULL unless the run is a point of a sweep */
    int64_t     sweep_index;   /* the point's index (only with sweep_point) */
};

/* Insert the run with status 'running' and commit at once, so a run killed at any
 * later point is visible as not complete. Also makes sure table student_t has the
 * quantiles the confidence-interval views need for this replication count. */
int  store_begin_run(struct store *st, const struct store_run *r, int64_t *run_id,
                     struct err *e);
/* Commit pending rows, then set the run's final status ('complete', 'failed',
 * 'interrupted'), detail (may be NULL), events, simulated end and wall seconds. */
int  store_end_run(struct store *st, int64_t run_id, const char *status, const char *detail,
                   uint64_t events, int64_t sim_end_us, double wall_s, struct err *e);

/* A run copied from a worker's database still 'running' (the worker died, or its
 * database failed, before it could say how the run ended): set status and detail as
 * the parent knows them. Runs already ended keep theirs. 0 or L2_EIO. */
int  store_mark_unfinished(struct store *st, int64_t run_id, const char *status,
                           const char *detail, struct err *e);

/* A prepared statement owned by the store (finalized at close); the same SQL gives the
 * same statement, so asking again (each run, each world) costs nothing. Use it as
 * bind then store_step, never held across another user's bind. Bad SQL is a bug. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);
/* Execute a bound INSERT/UPDATE, reset and clear it. Rows are committed in batches
 * of STORE_BATCH. A failure (disk full, I/O error) is sticky: this and every later
 * call do nothing, store_failed() reports it, and the on-error hook is called once
 * so the run can stop. */
#define STORE_BATCH 20000
void store_step(struct store *st, sqlite3_stmt *stmt);
/* Commit what is pending now. Returns 0 or L2_EIO. */
int  store_commit(struct store *st, struct err *e);
bool store_failed(struct store *st, const char **why);
void store_on_error(struct store *st, void (*fn)(void *ctx), void *ctx);

/* Rows of one INSERT, written STORE_ROWS_GROUP at a time by a multi-row statement:
 * for the tables a run fills by the hundred thousand (txs, l1_txs), where a statement
 * per row spends a sixth of its time starting and ending the statement. Values are
 * copied when set. Rows reach the table in the order they were ended, at the latest
 * when the store next commits, prepares a statement or hands out its connection
 * (store_db), so any query made through the store sees every row. Owned by the store;
 * the same table and columns give the same batch (a serial study asks once a run). */
#define STORE_ROWS_GROUP 32
struct store_rows;
struct store_rows *store_rows(struct store *st, const char *table, const char *columns,
                              int ncols);
/* Set column col (1-based, as sqlite3_bind_*) of the row being built; a column not
 * set is NULL. Text is copied. store_rows_u128: decimal text (amounts, money.h). */
void store_rows_int(struct store_rows *r, int col, int64_t v);
void store_rows_text(struct store_rows *r, int col, const char *text);
void store_rows_u128(struct store_rows *r, int col, u128 v);
/* The row is complete. Writes the group when it is full (a failure is sticky as in
 * store_step). Amortized O(columns). Between a row's first column and its end, make
 * no other call on the store (a flush then would find the row half built: panic). */
void store_rows_end(struct store_rows *r);

/* A 128-bit quantity that is not an amount (a blob base fee per gas) as decimal text.
 * Amounts go through money_bind (sim/money.h). */
void store_bind_u128(sqlite3_stmt *stmt, int col, u128 v);

sqlite3 *store_db(struct store *st);

/* Make table student_t hold t(0.975, df) (GSL) for every df in 1..max_df; the views of
 * analysis/studies.sql join it for 95% confidence intervals. Rows are added only when
 * missing (df up to 100 at creation). Returns 0 or L2_EIO. */
int store_ensure_student_t(struct store *st, int64_t max_df, struct err *e);

/* UTC wall-clock time as ISO 8601; the only clock the store reads. */
/* The schema version recorded in database `schema` ("main" or an attached alias) of
 * db: 0 when there is none (not an l2sim database, or a new file). */
int store_schema_version(sqlite3 *db, const char *schema);
/* 0 when this l2sim can read a database of schema `version` (store_open upgrades an
 * older one); else `code` with "path: database schema version V is newer than this
 * l2sim's (W); ..." appended to e. */
int store_check_version(int version, const char *path, int code, struct err *e);

/* For a reader of a database of an older schema version (or older module SQL,
 * store_modules_older): a scratch copy of it (in $TMPDIR), upgraded as store_open
 * upgrades and then its modules' SQL, so the original is never written.
 * *copy: its path, for the caller to read and store_remove. 0, L2_EINPUT or L2_EIO. */
int store_upgraded_copy(const char *path, char **copy /* OUT */, struct err *e);

/* Module SQL (store_apply_sql) in a reader's database: a database whose modules' SQL
 * is older than this binary's is read, like one of an older schema, through an
 * upgraded scratch copy. sim knows no modules: the models say (models/run/registry.c,
 * before main) how to tell, `older(db)` (some owner's recorded version is below this
 * binary's), and how to upgrade, `apply(st, e)` (every owner in st brought to this
 * binary's version: store_apply_sql). */
void store_set_module_upgrade(bool (*older)(sqlite3 *db),
                              int (*apply)(struct store *st, struct err *e));
/* Whether db (a reader's) holds module SQL older than this binary's: false without the
 * models' hook. */
bool store_modules_older(sqlite3 *db);

/* SQL a module owns beside l2sim's own schema (a scheme's tables and views), with its
 * own version, recorded in meta under "sql_version:OWNER". */
struct store_sql {
    int                version;   /* 1, 2, ...: bump on any change to `tables` */
    const char        *tables;    /* CREATE TABLE IF NOT EXISTS ... (and indexes) */
    const char        *views;     /* DROP VIEW IF EXISTS v; CREATE VIEW v AS ...: applied
                                   * every time, so a database has this binary's views */
    const char *const *upgrades;  /* upgrades[v - 1] takes the tables from version v to
                                   * v + 1 (ALTER TABLE ...); version - 1 entries */
};

/* Bring `owner`'s SQL in st to sql->version in one transaction: create the tables when
 * the database has none of its version, run the upgrades from the version it has,
 * re-create the views. A database of a newer version is refused (L2_EINPUT, saying
 * how to proceed), and so is a table of `tables` that does not start with run_id,
 * scheme (every owned table is per run and per scheme, so merge copies it and the
 * report keys it like txs). Pending rows are committed first. 0, L2_EINPUT or
 * L2_EIO. */
int store_apply_sql(struct store *st, const char *owner, const struct store_sql *sql,
                    struct err *e);
/* The version of owner's SQL recorded in st: 0 when it was never applied. */
int store_sql_version(struct store *st, const char *owner);
/* The tables `sql->tables` creates, in order, as a NULL-terminated array the caller
 * frees with free() (one block). Found by applying it to a scratch in-memory
 * database, so the declaration is the only list. Bad SQL is a bug (panic). */
char **store_sql_tables(const struct store_sql *sql);

/* Remove the database file at path and SQLite's -wal and -shm beside it (scratch
 * databases: a worker's, a test's). Missing files are no error. */
void store_remove(const char *path);

void store_utc_now(char buf[32]);

#endif

/* dbfile.h — a results database as untrusted input. `merge` reads shards made on other
 * machines, `compare` a base a colleague sent, `report` whatever file it is given:
 * before l2sim reads or writes one, its schema is checked against l2sim's own (tables
 * that are tables, with l2sim's columns), its rows against their declared types, and
 * readers open it read-only with l2sim's views as temporary objects of their own.
 * No SQL text from a file is ever executed; identifiers from a file are quoted. */
#ifndef L2SIM_DBFILE_H
#define L2SIM_DBFILE_H

#include <signal.h>
#include <sqlite3.h>
#include "sim/util.h"

/* How a database is about to be used. */
enum dbfile_use {
    DBFILE_READ,     /* report, compare: every table of l2sim's schema must be there */
    DBFILE_WRITE,    /* run, merge's output: may be empty (new); missing tables are added */
    DBFILE_SOURCE,   /* merge's input: every table of l2sim's schema must be there */
};

/* Set by main's signal handlers: every guarded connection stops its query. */
extern volatile sig_atomic_t *dbfile_stop;

/* "name" as a double-quoted SQL identifier, inner quotes doubled. Caller frees. */
char *dbfile_quote(const char *name);

/* Make a connection safe for a file's schema: no functions with side effects from the
 * schema (trusted_schema off), defensive mode (no writable_schema). */
void dbfile_harden(sqlite3 *db);
/* dbfile_harden, and a progress
 * handler that stops a statement when *dbfile_stop is set or after `budget` virtual
 * machine steps (0: no budget) in total on this connection; such a statement fails
 * with SQLITE_INTERRUPT and dbfile_stopped says why. The guard lives until close. */
void dbfile_guard(sqlite3 *db, uint64_t budget);
/* Why a guarded connection stopped a statement, or NULL when it did not. */
const char *dbfile_stopped(sqlite3 *db);
/* Remove the guard's progress handler (the hardening stays). */
void dbfile_unguard(sqlite3 *db);
/* Close a connection opened by dbfile_open_ro or guarded by dbfile_guard. */
void dbfile_close(sqlite3 *db);

/* The default work budget of a reader: about a minute of SQLite's steps. */
#define DBFILE_BUDGET 20000000000ULL

/* Open the regular file at path read-only, without creating or changing anything
 * beside it (a WAL database with no write-ahead log is opened immutable, so no -shm
 * file appears), guarded with DBFILE_BUDGET. L2_EINPUT with a message when it is
 * missing, not a regular file, or not an SQLite database. */
int dbfile_open_ro(const char *path, sqlite3 **db /* OUT */, struct err *e);

/* Where the schemes' declared SQL comes from (models/run/registry.c sets it): a
 * function returning their tables' and views' SQL as one text (NULL: none). Part of
 * l2sim's own schema for every check below (a scheme's tables are optional, the
 * schema's are not) and turned into TEMP views for readers. */
void dbfile_set_scheme_sql_provider(const char *(*fn)(void));
const char *dbfile_scheme_sql(void);

/* l2sim's tables (its schema and the schemes'), by name; with per_run only those with
 * a run_id column. Caller frees each and the array. */
char **dbfile_tables(bool per_run, size_t *n /* OUT */);

/* path as an SQLite URI with `query` ("mode=ro"): "file:" and the path, with the
 * characters a URI reserves escaped. Caller frees. */
char *dbfile_uri(const char *path, const char *query);
/* The query that opens path read-only with nothing written beside it: "immutable=1"
 * when no write-ahead log is live (no writer, nothing to recover), else "mode=ro". */
const char *dbfile_ro_query(const char *path);

/* 0 when path is a regular file this process may read; else L2_EINPUT saying what it
 * is (a FIFO, a directory, a device), before any open could block on it. */
int dbfile_check_source_file(const char *path, struct err *e);

/* dbfile_open_ro for a reader (report, compare, merge's sources): a database written
 * by an older l2sim (schema version below this one's, or a scheme's SQL below this
 * binary's: store_modules_older) is read through a scratch copy upgraded as
 * store_open and store_apply_sql would (store_upgraded_copy), removed at dbfile_close; the
 * original is never written. *file (may be NULL): the file opened, valid until then. */
int dbfile_open_reader(const char *path, sqlite3 **db /* OUT */, const char **file /* OUT */,
                       struct err *e);

/* Check that database `schema` ("main" or an attached alias) of db, the file `path`,
 * is an l2sim results database fit for `use`: meta holds a schema version this l2sim
 * reads; every table of l2sim's schema (analysis/schema.sql, and the schemes' tables
 * of dbfile_set_scheme_sql_provider) that is present is a table with exactly its
 * columns (name, declared type, NOT NULL, key); for writers, no trigger and no object
 * under the name of one of l2sim's views that is not a view; for sources, no per-run
 * table (one with a run_id column) that l2sim does not declare. Reads only sqlite_master
 * and table_info. Returns 0 or `code` with the first problem named. */
int dbfile_check(sqlite3 *db, const char *schema, const char *path,
                 enum dbfile_use use, int code, struct err *e);

/* Check the rows of every l2sim table in `schema` against their declared types: NOT
 * NULL columns hold a value, INTEGER columns integers, TEXT columns text, REAL columns
 * numbers, *_wei TEXT columns decimal digits; runs rows have a status l2sim writes and
 * sane ids, seeds and durations; with `orphans`, every row of a per-run table belongs
 * to a run of `runs`. `where`, when not NULL, restricts the per-run tables to the rows
 * it selects (an SQL condition on run_id, l2sim's own text). O(rows checked). Returns
 * 0 or `code` naming the table, the run, the column and the value. */
int dbfile_check_rows(sqlite3 *db, const char *schema, const char *path,
                      const char *where, bool orphans, int code,
                      struct err *e);

/* For a reader: l2sim's views (analysis/views.sql, studies.sql) as TEMP views on db,
 * shadowing whatever views the file holds; run_config as a TEMP table parsed in C from
 * runs.config (linear in its length, indexed by run and path); student_t as a TEMP
 * table of t quantiles up to the largest replication. 0 or L2_EINPUT. */
int dbfile_temp_views(sqlite3 *db, const char *path, struct err *e);

/* The statements of an SQL script, split at top-level semicolons (quotes and comments
 * respected); calls fn with each statement, its leading blanks and comments skipped.
 * Stops at the first nonzero return and returns it. */
int dbfile_each_statement(const char *sql, int (*fn)(void *ctx, const char *stmt, size_t len),
                          void *ctx);

#endif

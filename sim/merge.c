/* merge.c — runs copied between databases by content (see merge.h). The source is
 * ATTACHed read-only to the output's connection and checked by dbfile (l2sim's tables
 * with l2sim's columns, rows of their declared types); every copy is one INSERT ...
 * SELECT per table of l2sim's own schema, identifiers quoted, inside one transaction.
 * No SQL text of the source is ever executed. */
#include "sim/merge.h"

#include "sim/dbfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct copy {
    char         *table;
    sqlite3_stmt *ins;      /* ?1 = new run_id, ?2 = source run_id */
};

struct merge_src {
    struct store *out;
    sqlite3      *db;
    sqlite3      *reader;   /* the source opened alone: keeps an upgraded copy alive */
    char         *path;
    char          alias[24];
    sqlite3_stmt *ins_run;  /* ?1 = source run_id */
    struct copy  *copies;
    size_t        ncopies;
};

/* The column names of schema.table, in order (*n = 0: no such table). Names are
 * bound, not put into SQL. */
static char **columns(sqlite3 *db, const char *schema, const char *table, size_t *n)
{
    sqlite3_stmt *q = NULL;
    char **cols = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid", -1,
                           &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, schema, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *c = (const char *)sqlite3_column_text(q, 0);
            cols = xrealloc(cols, (*n + 1) * sizeof *cols);
            cols[(*n)++] = xstrdup(c ? c : "");
        }
    }
    sqlite3_finalize(q);
    return cols;
}

static void free_cols(char **c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i]);
    free(c);
}

static bool has_rowid(sqlite3 *db, const char *qa, const char *qt)
{
    char *sql = xasprintf("SELECT rowid FROM %s.%s LIMIT 0", qa, qt);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    sqlite3_finalize(q);
    free(sql);
    return rc == SQLITE_OK;
}

/* Prepare the copy of l2sim's table `table` (a name from l2sim's own schema; the
 * source's table was checked to have exactly its columns). The columns are the
 * output's, which l2sim created; every identifier is quoted. */
static int prepare_table(struct merge_src *m, const char *table, struct err *e)
{
    size_t n;
    char **cols = columns(m->db, "main", table, &n);
    if (n == 0) {
        free_cols(cols, n);
        return err_set(e, L2_EIO, "%s: the output has no table %s", m->path, table);
    }
    char *qt = dbfile_quote(table), *qa = dbfile_quote(m->alias);
    size_t cap = 256;
    for (size_t i = 0; i < n; i++)
        cap += 2 * (2 * strlen(cols[i]) + 8);
    char *into = xmalloc(cap), *sel = xmalloc(cap);
    into[0] = sel[0] = '\0';
    bool runs = strcmp(table, "runs") == 0;
    for (size_t i = 0; i < n; i++) {
        if (runs && strcmp(cols[i], "run_id") == 0)
            continue;                               /* the output assigns a new one */
        char *qc = dbfile_quote(cols[i]);
        if (into[0])
            strcat(into, ", "), strcat(sel, ", ");
        strcat(into, qc);
        strcat(sel, !runs && strcmp(cols[i], "run_id") == 0 ? "?1" : qc);
        free(qc);
    }
    char *sql;
    if (runs)
        sql = xasprintf("INSERT INTO main.%s(%s) SELECT %s FROM %s.%s WHERE run_id = ?1",
                        qt, into, sel, qa, qt);
    else
        sql = xasprintf("INSERT INTO main.%s(%s) SELECT %s FROM %s.%s WHERE run_id = ?2%s",
                        qt, into, sel, qa, qt,
                        has_rowid(m->db, qa, qt) ? " ORDER BY rowid" : "");
    sqlite3_stmt *ins = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(m->db, sql, -1, &ins, NULL) != SQLITE_OK) {
        rc = err_set(e, L2_EIO, "%s: cannot copy table %s: %s", m->path, table,
                     sqlite3_errmsg(m->db));
    } else if (runs) {
        m->ins_run = ins;
    } else {
        m->copies = xrealloc(m->copies, (m->ncopies + 1) * sizeof *m->copies);
        m->copies[m->ncopies++] = (struct copy){ xstrdup(table), ins };
    }
    free(sql), free(into), free(sel), free(qt), free(qa);
    free_cols(cols, n);
    return rc;
}

int merge_open(struct store *out, const char *path, struct merge_src **src, struct err *e)
{
    static unsigned counter;
    *src = NULL;
    if (store_commit(out, e) != 0)
        return L2_EIO;
    if (dbfile_check_source_file(path, e) != 0)
        return L2_EINPUT;
    struct merge_src *m = xcalloc(1, sizeof *m);
    m->out = out;
    m->db = store_db(out);
    m->path = xstrdup(path);
    snprintf(m->alias, sizeof m->alias, "l2sim_src%u", ++counter);
    /* the output itself cannot be a source */
    const char *main_file = sqlite3_db_filename(m->db, "main");
    struct stat a, b;
    if (main_file && main_file[0] && stat(path, &a) == 0 && stat(main_file, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        err_set(e, L2_EINPUT, "%s: is the output database", path);
        goto fail_free;
    }
    /* read-only: the source is never written, not even a journal rolled back; one
     * written by an older l2sim is read through an upgraded scratch copy */
    const char *file;
    if (dbfile_open_reader(path, &m->reader, &file, e) != 0)
        goto fail_free;
    sqlite3_stmt *q = NULL;
    char *sql = xasprintf("ATTACH DATABASE ?1 AS %s", m->alias);
    int rc = sqlite3_prepare_v2(m->db, sql, -1, &q, NULL);
    free(sql);
    char *uri = dbfile_uri(file, dbfile_ro_query(file));
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, uri, -1, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    free(uri);
    if (rc != SQLITE_OK) {
        err_set(e, L2_EINPUT, "%s: cannot open: %s", path, sqlite3_errmsg(m->db));
        goto fail_free;
    }
    /* signals stop a long copy; the store's own writes are not guarded */
    dbfile_guard(m->db, 0);
    if (dbfile_check(m->db, m->alias, path, DBFILE_SOURCE, L2_EINPUT, e) != 0)
        goto fail;
    /* a scheme's table the output lacks was created from the scheme's declared SQL by
     * the caller (model_scheme_sql_refresh), never from the file's */
    size_t nt;
    char **tables = dbfile_tables(true, &nt);
    rc = prepare_table(m, "runs", e);
    for (size_t i = 0; i < nt && rc == 0; i++) {
        size_t ns = 0;
        char **sc = columns(m->db, m->alias, tables[i], &ns);   /* sets ns: its own line */
        free_cols(sc, ns);
        if (ns && strcmp(tables[i], "runs") != 0)
            rc = prepare_table(m, tables[i], e);
    }
    free_cols(tables, nt);
    if (rc)
        goto fail;
    *src = m;
    return 0;
fail:
    merge_close(m);
    return e->code ? e->code : L2_EINPUT;
fail_free:
    dbfile_close(m->reader);
    free(m->path);
    free(m);
    return e->code ? e->code : L2_EINPUT;
}

void merge_close(struct merge_src *m)
{
    if (!m)
        return;
    sqlite3_finalize(m->ins_run);
    for (size_t i = 0; i < m->ncopies; i++) {
        sqlite3_finalize(m->copies[i].ins);
        free(m->copies[i].table);
    }
    free(m->copies);
    dbfile_unguard(m->db);
    char *sql = xasprintf("DETACH DATABASE %s", m->alias);
    sqlite3_exec(m->db, sql, NULL, NULL, NULL);
    free(sql);
    dbfile_close(m->reader);
    free(m->path);
    free(m);
}

static int step_done(struct merge_src *m, sqlite3_stmt *s, const char *what, struct err *e)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        const char *stop = dbfile_stopped(m->db);
        return err_set(e, L2_EIO, "%s: cannot copy %s: %s", m->path, what,
                       stop ? stop : sqlite3_errmsg(m->db));
    }
    return 0;
}

/* Copy one run inside the caller's transaction. */
static int copy_run(struct merge_src *m, int64_t run_id, int64_t *new_id, struct err *e)
{
    sqlite3_bind_int64(m->ins_run, 1, run_id);
    int rc = step_done(m, m->ins_run, "runs", e);
    if (rc == 0 && sqlite3_changes(m->db) != 1)
        return err_set(e, L2_EINPUT, "%s: run %lld: not one row of runs", m->path,
                       (long long)run_id);
    int64_t id = sqlite3_last_insert_rowid(m->db);
    for (size_t i = 0; i < m->ncopies && rc == 0; i++) {
        sqlite3_bind_int64(m->copies[i].ins, 1, id);
        sqlite3_bind_int64(m->copies[i].ins, 2, run_id);
        rc = step_done(m, m->copies[i].ins, m->copies[i].table, e);
    }
    *new_id = id;
    return rc;
}

static int begin(struct merge_src *m, struct err *e)
{
    /* deferred: only the output is written; BEGIN IMMEDIATE would also lock every
     * attached database, and a worker may still be writing its own */
    if (sqlite3_exec(m->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return err_set(e, L2_EIO, "cannot begin a transaction: %s", sqlite3_errmsg(m->db));
    return 0;
}

/* Commit, or on rc != 0 roll everything back: a refused source leaves no row. */
static int end(struct merge_src *m, int rc, struct err *e)
{
    if (rc == 0 && sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = err_set(e, L2_EIO, "cannot commit: %s", sqlite3_errmsg(m->db));
    if (rc)
        sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The confidence-interval views need t quantiles up to the largest replication. */
static int ensure_t(struct merge_src *m, struct err *e)
{
    sqlite3_stmt *q = NULL;
    int64_t rep = 0;
    sqlite3_prepare_v2(m->db, "SELECT max(replication) + 1 FROM main.runs", -1, &q, NULL);
    if (sqlite3_step(q) == SQLITE_ROW)
        rep = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return store_ensure_student_t(m->out, rep, e);
}

int merge_copy_run(struct merge_src *m, int64_t run_id, int64_t *new_id, struct err *e)
{
    if (begin(m, e) != 0)
        return L2_EIO;
    char where[48];
    snprintf(where, sizeof where, "run_id = %lld", (long long)run_id);
    int rc = dbfile_check_rows(m->db, m->alias, m->path, where, false, L2_EINPUT, e);
    if (rc == 0)
        rc = copy_run(m, run_id, new_id, e);
    if (end(m, rc, e) != 0)
        return rc;
    return ensure_t(m, e);
}

int merge_all(struct merge_src *m, struct merge_stats *st, struct err *e)
{
    memset(st, 0, sizeof *st);
    /* one transaction: every row of the source checked (types, keys, each per-run row
     * of a run in runs) before the first is copied; any refusal rolls back all */
    if (begin(m, e) != 0)
        return L2_EIO;
    int rc = dbfile_check_rows(m->db, m->alias, m->path, NULL, true, L2_EINPUT, e);
    if (rc)
        return end(m, rc, e);
    char *sql = xasprintf("SELECT run_id, status = 'complete' FROM %s.runs ORDER BY run_id",
                          m->alias);
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(m->db, sql, -1, &q, NULL);
    free(sql);
    int64_t *ids = NULL;
    bool *complete = NULL;
    size_t n = 0;
    int s;
    while (q && (s = sqlite3_step(q)) == SQLITE_ROW) {
        ids = xrealloc(ids, (n + 1) * sizeof *ids);
        complete = xrealloc(complete, (n + 1) * sizeof *complete);
        ids[n] = sqlite3_column_int64(q, 0);
        complete[n++] = sqlite3_column_int(q, 1) != 0;
    }
    if (!q || s != SQLITE_DONE)
        rc = err_set(e, L2_EINPUT, "%s: cannot read runs: %s", m->path,
                     dbfile_stopped(m->db) ? dbfile_stopped(m->db) : sqlite3_errmsg(m->db));
    sqlite3_finalize(q);
    /* the run of out with the same key: a complete one first */
    sql = xasprintf(
        "SELECT o.run_id, o.status = 'complete' FROM %s.runs s JOIN main.runs o"
        " ON o.scenario_sha256 = s.scenario_sha256 AND o.overrides = s.overrides"
        " AND o.master_seed = s.master_seed AND o.seed = s.seed"
        " AND o.replication = s.replication AND o.crypto_mode = s.crypto_mode"
        " AND o.l2sim_version = s.l2sim_version AND o.git_rev = s.git_rev"
        " AND o.sweep_point IS s.sweep_point AND o.sweep_index IS s.sweep_index"
        " WHERE s.run_id = ?1 ORDER BY o.status = 'complete' DESC, o.run_id LIMIT 1",
        m->alias);
    sqlite3_stmt *find = NULL;
    sqlite3_prepare_v2(m->db, sql, -1, &find, NULL);
    free(sql);
    sql = xasprintf(
        "SELECT (SELECT count(*) FROM (SELECT scheme, name, value FROM %s.metrics"
        " WHERE run_id = ?1 EXCEPT SELECT scheme, name, value FROM main.metrics"
        " WHERE run_id = ?2)) + (SELECT count(*) FROM (SELECT scheme, name, value"
        " FROM main.metrics WHERE run_id = ?2 EXCEPT SELECT scheme, name, value"
        " FROM %s.metrics WHERE run_id = ?1))", m->alias, m->alias);
    sqlite3_stmt *diff = NULL;
    sqlite3_prepare_v2(m->db, sql, -1, &diff, NULL);
    free(sql);
    if (rc == 0 && !(find && diff))
        rc = err_set(e, L2_EIO, "%s: %s", m->path, sqlite3_errmsg(m->db));
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_int64(find, 1, ids[i]);
        bool present = false;
        if (sqlite3_step(find) == SQLITE_ROW) {
            int64_t other = sqlite3_column_int64(find, 0);
            bool other_complete = sqlite3_column_int(find, 1) != 0;
            present = other_complete || !complete[i];
            if (present && complete[i]) {
                sqlite3_bind_int64(diff, 1, ids[i]);
                sqlite3_bind_int64(diff, 2, other);
                if (sqlite3_step(diff) == SQLITE_ROW && sqlite3_column_int64(diff, 0) > 0)
                    st->conflicts++;
                sqlite3_reset(diff);
            }
        }
        sqlite3_reset(find);
        if (present) {
            st->present++;
            continue;
        }
        int64_t id;
        rc = copy_run(m, ids[i], &id, e);
        if (rc == 0) {
            st->copied++;
            st->incomplete += !complete[i];
        }
    }
    sqlite3_finalize(find);
    sqlite3_finalize(diff);
    free(ids);
    free(complete);
    if (end(m, rc, e) != 0) {
        memset(st, 0, sizeof *st);
        return rc;
    }
    return ensure_t(m, e);
}

/* merge.c — runs copied between databases by content (see merge.h). The source is
 * ATTACHed to the output's connection, so every copy is one INSERT ... SELECT per
 * table inside one transaction. */
#include "sim/merge.h"

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
    char         *path;
    char          alias[24];
    sqlite3_stmt *ins_run;  /* ?1 = source run_id */
    struct copy  *copies;
    size_t        ncopies;
};

/* A double-quoted SQL identifier (table and column names come from sqlite_master). */
static char *quote_id(const char *name)
{
    size_t n = 3;
    for (const char *c = name; *c; c++)
        n += 1 + (*c == '"');
    char *out = xmalloc(n), *o = out;
    *o++ = '"';
    for (const char *c = name; *c; c++) {
        if (*c == '"')
            *o++ = '"';
        *o++ = *c;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* The column names of schema.table, in order. *n = 0 when the table does not exist. */
static char **columns(sqlite3 *db, const char *schema, const char *table, size_t *n)
{
    char *qt = quote_id(table);
    char *sql = xasprintf("PRAGMA %s.table_info(%s)", schema, qt);
    sqlite3_stmt *q = NULL;
    char **cols = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK)
        while (sqlite3_step(q) == SQLITE_ROW) {
            cols = xrealloc(cols, (*n + 1) * sizeof *cols);
            cols[(*n)++] = xstrdup((const char *)sqlite3_column_text(q, 1));
        }
    sqlite3_finalize(q);
    free(sql);
    free(qt);
    return cols;
}

static void free_cols(char **c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i]);
    free(c);
}

static bool has_col(char **c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i], name) == 0)
            return true;
    return false;
}

static bool has_rowid(sqlite3 *db, const char *alias, const char *qt)
{
    char *sql = xasprintf("SELECT rowid FROM %s.%s LIMIT 0", alias, qt);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    sqlite3_finalize(q);
    free(sql);
    return rc == SQLITE_OK;
}

/* Prepare the copy of one table: the source's columns, each of which the output must
 * have. The output's tables come from this binary alone: its schema, and the SQL each
 * scheme declares (the caller applies it first, model_scheme_sql_refresh); a source
 * table the output lacks is one this l2sim does not know, and is refused, never
 * created from the source file's own text. */
static int prepare_table(struct merge_src *m, const char *table, struct err *e)
{
    size_t ns, nm;
    char **sc = columns(m->db, m->alias, table, &ns);
    int rc = 0;
    if (!has_col(sc, ns, "run_id") && strcmp(table, "runs") != 0)
        goto done;                                  /* not per run: meta, student_t */
    char **mc = columns(m->db, "main", table, &nm);
    if (nm == 0) {
        rc = err_set(e, L2_EINPUT, "%s: table %s is not one this l2sim knows (neither its "
                     "own nor declared by a scheme it has): written by another build",
                     m->path, table);
        free_cols(mc, nm);
        goto done;
    }
    for (size_t i = 0; i < ns && rc == 0; i++)
        if (!has_col(mc, nm, sc[i]))
            rc = err_set(e, L2_EINPUT, "%s: table %s has a column %s this l2sim does not "
                         "know (a newer l2sim wrote it)", m->path, table, sc[i]);
    free_cols(mc, nm);
    if (rc)
        goto done;
    char *qt = quote_id(table);
    size_t cap = 256;
    for (size_t i = 0; i < ns; i++)
        cap += 2 * strlen(sc[i]) + 16;
    char *into = xmalloc(cap), *sel = xmalloc(cap);
    into[0] = sel[0] = '\0';
    bool runs = strcmp(table, "runs") == 0;
    for (size_t i = 0; i < ns; i++) {
        if (runs && strcmp(sc[i], "run_id") == 0)
            continue;                               /* the output assigns a new one */
        char *qc = quote_id(sc[i]);
        if (into[0])
            strcat(into, ", "), strcat(sel, ", ");
        strcat(into, qc);
        strcat(sel, !runs && strcmp(sc[i], "run_id") == 0 ? "?1" : qc);
        free(qc);
    }
    char *sql;
    if (runs)
        sql = xasprintf("INSERT INTO main.%s(%s) SELECT %s FROM %s.%s WHERE run_id = ?1",
                        qt, into, sel, m->alias, qt);
    else
        sql = xasprintf("INSERT INTO main.%s(%s) SELECT %s FROM %s.%s WHERE run_id = ?2%s",
                        qt, into, sel, m->alias, qt,
                        has_rowid(m->db, m->alias, qt) ? " ORDER BY rowid" : "");
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(m->db, sql, -1, &ins, NULL) != SQLITE_OK) {
        rc = err_set(e, L2_EIO, "%s: cannot copy table %s: %s", m->path, table,
                     sqlite3_errmsg(m->db));
    } else if (runs) {
        m->ins_run = ins;
    } else {
        m->copies = xrealloc(m->copies, (m->ncopies + 1) * sizeof *m->copies);
        m->copies[m->ncopies++] = (struct copy){ xstrdup(table), ins };
    }
    free(sql), free(into), free(sel), free(qt);
done:
    free_cols(sc, ns);
    return rc;
}

int merge_open(struct store *out, const char *path, struct merge_src **src, struct err *e)
{
    static unsigned counter;
    *src = NULL;
    if (store_commit(out, e) != 0)
        return L2_EIO;
    if (access(path, R_OK) != 0)
        return err_set(e, L2_EINPUT, "%s: cannot open: %s", path, strerror(errno));
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
    sqlite3_stmt *q = NULL;
    char *sql = xasprintf("ATTACH DATABASE ?1 AS %s", m->alias);
    int rc = sqlite3_prepare_v2(m->db, sql, -1, &q, NULL);
    free(sql);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
        err_set(e, L2_EINPUT, "%s: cannot open: %s", path, sqlite3_errmsg(m->db));
        goto fail_free;
    }
    int version = store_schema_version(m->db, m->alias);
    size_t nrc;
    char **rcols = columns(m->db, m->alias, "runs", &nrc);
    free_cols(rcols, nrc);
    if (version == 0 || nrc == 0) {
        err_set(e, L2_EINPUT, "%s: not an l2sim results database", path);
        goto fail;
    }
    if (store_check_current(version, path, L2_EINPUT, e) != 0)
        goto fail;
    sql = xasprintf("SELECT name FROM %s.sqlite_master WHERE type = 'table' AND "
                    "name NOT LIKE 'sqlite_%%' ORDER BY name", m->alias);
    sqlite3_prepare_v2(m->db, sql, -1, &q, NULL);
    free(sql);
    rc = 0;
    while (rc == 0 && q && sqlite3_step(q) == SQLITE_ROW)
        rc = prepare_table(m, (const char *)sqlite3_column_text(q, 0), e);
    sqlite3_finalize(q);
    if (rc)
        goto fail;
    *src = m;
    return 0;
fail:
    merge_close(m);
    return e->code ? e->code : L2_EINPUT;
fail_free:
    free(m->path);
    free(m);
    return L2_EINPUT;
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
    char *sql = xasprintf("DETACH DATABASE %s", m->alias);
    sqlite3_exec(m->db, sql, NULL, NULL, NULL);
    free(sql);
    free(m->path);
    free(m);
}

static int step_done(struct merge_src *m, sqlite3_stmt *s, const char *what, struct err *e)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return err_set(e, L2_EIO, "%s: cannot copy %s: %s", m->path, what,
                       sqlite3_errmsg(m->db));
    return 0;
}

int merge_copy_run(struct merge_src *m, int64_t run_id, int64_t *new_id, struct err *e)
{
    /* deferred: only the output is written; BEGIN IMMEDIATE would also lock every
     * attached database, and a worker may still be writing its own */
    if (sqlite3_exec(m->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return err_set(e, L2_EIO, "cannot begin a transaction: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_int64(m->ins_run, 1, run_id);
    int rc = step_done(m, m->ins_run, "runs", e);
    int64_t id = sqlite3_last_insert_rowid(m->db);
    for (size_t i = 0; i < m->ncopies && rc == 0; i++) {
        sqlite3_bind_int64(m->copies[i].ins, 1, id);
        sqlite3_bind_int64(m->copies[i].ins, 2, run_id);
        rc = step_done(m, m->copies[i].ins, m->copies[i].table, e);
    }
    if (rc == 0 && sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = err_set(e, L2_EIO, "cannot commit: %s", sqlite3_errmsg(m->db));
    if (rc) {
        sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
        return L2_EIO;
    }
    *new_id = id;
    /* the confidence-interval views need t quantiles up to the replication count */
    sqlite3_stmt *q = NULL;
    int64_t rep = 0;
    sqlite3_prepare_v2(m->db, "SELECT replication FROM main.runs WHERE run_id = ?", -1, &q,
                       NULL);
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW)
        rep = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return store_ensure_student_t(m->out, rep, e);
}

int merge_all(struct merge_src *m, struct merge_stats *st, struct err *e)
{
    memset(st, 0, sizeof *st);
    char *sql = xasprintf("SELECT run_id, status = 'complete' FROM %s.runs ORDER BY run_id",
                          m->alias);
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(m->db, sql, -1, &q, NULL);
    free(sql);
    int64_t *ids = NULL;
    bool *complete = NULL;
    size_t n = 0;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        ids = xrealloc(ids, (n + 1) * sizeof *ids);
        complete = xrealloc(complete, (n + 1) * sizeof *complete);
        ids[n] = sqlite3_column_int64(q, 0);
        complete[n++] = sqlite3_column_int(q, 1) != 0;
    }
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
    int rc = find && diff ? 0 : err_set(e, L2_EIO, "%s: %s", m->path, sqlite3_errmsg(m->db));
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
        rc = merge_copy_run(m, ids[i], &id, e);
        if (rc == 0) {
            st->copied++;
            st->incomplete += !complete[i];
        }
    }
    sqlite3_finalize(find);
    sqlite3_finalize(diff);
    free(ids);
    free(complete);
    return rc;
}

/* dbfile.c — a results database as untrusted input (see dbfile.h). What a file may
 * hold is judged against l2sim's own schema, built in a scratch in-memory database
 * from the SQL compiled into the binary; nothing from the file's sqlite_master is ever
 * executed, and the only identifiers put into SQL are l2sim's own, quoted. */
#define _XOPEN_SOURCE 700
#include "sim/dbfile.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/store.h"

extern const unsigned char store_schema_sql[];

volatile sig_atomic_t *dbfile_stop;

static const char *(*scheme_sql_of)(void);

void dbfile_set_scheme_sql_provider(const char *(*fn)(void)) { scheme_sql_of = fn; }
const char *dbfile_scheme_sql(void) { return scheme_sql_of ? scheme_sql_of() : NULL; }

char *dbfile_quote(const char *name)
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

/* ---- the guard: a progress handler per connection ---- */

struct guard {
    sqlite3      *db;
    uint64_t      budget, steps;
    const char   *why;
    char         *file;       /* what was opened: the path, or an upgraded scratch copy */
    bool          scratch;    /* file is a copy, removed at dbfile_close */
    struct guard *next;
};

static struct guard *guards;

#define GUARD_EVERY 10000        /* VM steps between two calls of the handler */

static int on_progress(void *ctx)
{
    struct guard *g = ctx;
    g->steps += GUARD_EVERY;
    if (dbfile_stop && *dbfile_stop)
        g->why = "interrupted by a signal";
    else if (g->budget && g->steps > g->budget)
        g->why = "the query did more work than any report of an l2sim database needs "
                 "(an endless recursive view?)";
    return g->why != NULL;
}

static struct guard *guard_of(sqlite3 *db)
{
    for (struct guard *g = guards; g; g = g->next)
        if (g->db == db)
            return g;
    return NULL;
}

void dbfile_harden(sqlite3 *db)
{
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
}

void dbfile_guard(sqlite3 *db, uint64_t budget)
{
    struct guard *g = guard_of(db);
    if (!g) {
        g = xcalloc(1, sizeof *g);
        g->db = db;
        g->next = guards;
        guards = g;
    }
    g->budget = budget;
    g->steps = 0;
    g->why = NULL;
    dbfile_harden(db);
    sqlite3_progress_handler(db, GUARD_EVERY, on_progress, g);
}

const char *dbfile_stopped(sqlite3 *db)
{
    struct guard *g = guard_of(db);
    return g ? g->why : NULL;
}

void dbfile_unguard(sqlite3 *db)
{
    for (struct guard **p = &guards; *p; p = &(*p)->next)
        if ((*p)->db == db) {
            struct guard *g = *p;
            *p = g->next;
            if (g->scratch)
                store_remove(g->file);
            free(g->file);
            free(g);
            break;
        }
    sqlite3_progress_handler(db, 0, NULL, NULL);
}

void dbfile_close(sqlite3 *db)
{
    if (!db)
        return;
    struct guard *g = guard_of(db);
    bool scratch = g && g->scratch;
    char *file = scratch ? xstrdup(g->file) : NULL;
    if (g)
        g->scratch = false;              /* removed below, once the connection is closed */
    dbfile_unguard(db);
    sqlite3_close_v2(db);
    if (scratch)
        store_remove(file);
    free(file);
}

int dbfile_open_reader(const char *path, sqlite3 **db, const char **file, struct err *e)
{
    if (dbfile_open_ro(path, db, e) != 0)
        return L2_EINPUT;
    int version = store_schema_version(*db, "main");
    char *copy = NULL;
    if ((version > 0 && version < STORE_SCHEMA_VERSION) ||
        (version == STORE_SCHEMA_VERSION && store_modules_older(*db))) {
        /* written by an older l2sim (or older schemes' SQL): read through an upgraded
         * copy, never upgraded here */
        dbfile_close(*db);
        *db = NULL;
        int rc = store_upgraded_copy(path, &copy, e);
        if (rc != 0)
            return rc;
        if (dbfile_open_ro(copy, db, e) != 0) {
            store_remove(copy);
            free(copy);
            return L2_EINPUT;
        }
    }
    struct guard *g = guard_of(*db);
    g->file = copy ? copy : xstrdup(path);
    g->scratch = copy != NULL;
    if (file)
        *file = g->file;
    return 0;
}

/* ---- opening read-only ---- */

char *dbfile_uri(const char *path, const char *query)
{
    size_t n = strlen(path);
    char *out = xmalloc(3 * n + strlen(query) + 16), *o = out;
    /* "file:///abs" or "file:rel": a path starting "//" must not read as an authority */
    o += sprintf(o, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if (*c == '%' || *c == '?' || *c == '#' || *c < 0x21 || *c >= 0x7f)
            o += sprintf(o, "%%%02X", *c);
        else
            *o++ = (char)*c;
    }
    if (query[0])
        sprintf(o, "?%s", query);
    else
        *o = '\0';
    return out;
}

const char *dbfile_ro_query(const char *path)
{
    char *wal = xasprintf("%s-wal", path);
    struct stat wb;
    bool live = stat(wal, &wb) == 0 && wb.st_size > 0;
    free(wal);
    return live ? "mode=ro" : "immutable=1";
}

/* Refuse what is not a regular file before anything opens it: a FIFO would block the
 * open, a device would be read forever. */
static int regular_file(const char *path, struct err *e)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return err_set(e, L2_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return err_set(e, L2_EINPUT, "%s: not a database file (it is a %s)", path,
                       S_ISDIR(sb.st_mode) ? "directory" : S_ISFIFO(sb.st_mode) ? "FIFO"
                       : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "device" : "special file");
    if (access(path, R_OK) != 0)
        return err_set(e, L2_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    return 0;
}

int dbfile_check_source_file(const char *path, struct err *e) { return regular_file(path, e); }

int dbfile_open_ro(const char *path, sqlite3 **out, struct err *e)
{
    *out = NULL;
    if (regular_file(path, e) != 0)
        return L2_EINPUT;
    /* A WAL database read with mode=ro makes (and may leave) a -shm file beside it, and
     * fails in a read-only directory: see dbfile_ro_query. */
    char *uri = dbfile_uri(path, dbfile_ro_query(path));
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        err_set(e, L2_EINPUT, "%s: cannot open: %s", path,
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return L2_EINPUT;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    dbfile_guard(db, DBFILE_BUDGET);
    *out = db;
    return 0;
}

/* ---- statements of a script ---- */

/* Past blanks and SQL comments. */
static const char *skip_blank(const char *s, const char *end)
{
    for (;;) {
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
            s++;
        if (end - s >= 2 && s[0] == '-' && s[1] == '-') {
            while (s < end && *s != '\n')
                s++;
        } else if (end - s >= 2 && s[0] == '/' && s[1] == '*') {
            const char *c = s + 2;
            while (c + 1 < end && !(c[0] == '*' && c[1] == '/'))
                c++;
            s = c + 1 < end ? c + 2 : end;
        } else {
            return s;
        }
    }
}

int dbfile_each_statement(const char *sql, int (*fn)(void *, const char *, size_t),
                          void *ctx)
{
    const char *end = sql + strlen(sql), *s = skip_blank(sql, end);
    while (s < end) {
        const char *c = s;
        while (c < end && *c != ';') {
            if (*c == '\'' || *c == '"' || *c == '`' || *c == '[') {
                char close = *c == '[' ? ']' : *c;
                for (c++; c < end && *c != close; c++)
                    ;
                c += c < end;
            } else if (end - c >= 2 && ((c[0] == '-' && c[1] == '-') ||
                                        (c[0] == '/' && c[1] == '*'))) {
                c = skip_blank(c, end);
            } else {
                c++;
            }
        }
        int rc = fn(ctx, s, (size_t)(c - s));
        if (rc)
            return rc;
        s = skip_blank(c + (c < end), end);
    }
    return 0;
}

static bool starts(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && strncasecmp(s, word, n) == 0;
}

/* ---- l2sim's own schema ---- */

struct col {
    char *name, *type;
    int   notnull, pk;
};

struct table {
    char       *name;
    struct col *cols;
    size_t      ncols;
    bool        per_run;     /* has a run_id column */
    bool        core;        /* of analysis/schema.sql (else a scheme's: optional) */
};

struct expected {
    struct table *t;
    size_t        nt;
    char        **views;
    size_t        nv;
};

static struct col *table_cols(sqlite3 *db, const char *schema, const char *table, size_t *n)
{
    sqlite3_stmt *q = NULL;
    struct col *c = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1, ?2)"
                           " ORDER BY cid", -1, &q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, schema, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        const char *type = (const char *)sqlite3_column_text(q, 1);
        c = xrealloc(c, (*n + 1) * sizeof *c);
        c[(*n)++] = (struct col){ xstrdup(name ? name : ""), xstrdup(type ? type : ""),
                                  sqlite3_column_int(q, 2), sqlite3_column_int(q, 3) };
    }
    sqlite3_finalize(q);
    return c;
}

static void cols_free(struct col *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i].name), free(c[i].type);
    free(c);
}

static void expected_release(struct expected *x)
{
    for (size_t i = 0; i < x->nt; i++) {
        free(x->t[i].name);
        cols_free(x->t[i].cols, x->t[i].ncols);
    }
    for (size_t i = 0; i < x->nv; i++)
        free(x->views[i]);
    free(x->t);
    free(x->views);
}

/* l2sim's tables and views, from its schema applied to a scratch database. */
static void expected_build(struct expected *x)
{
    memset(x, 0, sizeof *x);
    sqlite3 *db = NULL;
    char *msg = NULL;
    const char *extra = dbfile_scheme_sql();
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, (const char *)store_schema_sql, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TEMP TABLE core AS SELECT name FROM main.sqlite_master",
                     NULL, NULL, &msg) != SQLITE_OK ||
        (extra && sqlite3_exec(db, extra, NULL, NULL, &msg) != SQLITE_OK))
        sim_panic("l2sim's own schema does not apply: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(db, "SELECT type, name, name IN (SELECT name FROM temp.core) FROM"
                       " main.sqlite_master WHERE type IN ('table', 'view')"
                       " AND name NOT LIKE 'sqlite_%' ORDER BY name", -1, &q, NULL);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 1);
        if (strcmp((const char *)sqlite3_column_text(q, 0), "view") == 0) {
            x->views = xrealloc(x->views, (x->nv + 1) * sizeof *x->views);
            x->views[x->nv++] = xstrdup(name);
            continue;
        }
        x->t = xrealloc(x->t, (x->nt + 1) * sizeof *x->t);
        struct table *t = &x->t[x->nt++];
        t->name = xstrdup(name);
        t->core = sqlite3_column_int(q, 2) != 0;
        t->cols = table_cols(db, "main", name, &t->ncols);
        t->per_run = false;
        for (size_t i = 0; i < t->ncols; i++)
            t->per_run |= strcmp(t->cols[i].name, "run_id") == 0;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* The schema is built once per process and per registered scheme SQL (every check
 * of every database asks for it: a reader checks several times). Borrowed until the
 * scheme SQL changes. */
static struct expected cached;
static char *cached_for;           /* the scheme SQL it was built with */
static bool cached_valid;

static const struct expected *expected_get(void)
{
    const char *now = dbfile_scheme_sql();
    if (!cached_valid || strcmp(cached_for, now ? now : "") != 0) {
        if (cached_valid)
            expected_release(&cached);
        free(cached_for);
        expected_build(&cached);
        cached_for = xstrdup(now ? now : "");
        cached_valid = true;
    }
    return &cached;
}

char **dbfile_tables(bool per_run, size_t *n)
{
    const struct expected x = *expected_get();      /* borrowed */
    char **v = xcalloc(x.nt + 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; i < x.nt; i++)
        if (!per_run || x.t[i].per_run)
            v[(*n)++] = xstrdup(x.t[i].name);
    return v;
}

/* ---- checking the schema ---- */

struct object {
    char *type, *name, *sql;
};

static void objects_free(struct object *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(o[i].type), free(o[i].name), free(o[i].sql);
    free(o);
}

static const struct object *find_object(const struct object *o, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(o[i].name, name) == 0)
            return &o[i];
    return NULL;
}

static const struct col *find_col(const struct col *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(c[i].name, name) == 0)
            return &c[i];
    return NULL;
}

/* A name from a file, fit for a message: printable ASCII kept, the rest escaped. */
static char *shown(const char *s)
{
    return text_escape(s, 80);
}

static int check_table(sqlite3 *db, const char *schema, const char *path,
                       const struct table *t, const struct object *o, int code, struct err *e)
{
    if (strcmp(o->type, "table") != 0)
        return err_set(e, code, "%s: not an l2sim results database: %s is a %s, not a table",
                       path, t->name, o->type);
    if (!o->sql || strncasecmp(o->sql, "CREATE TABLE", 12) != 0)
        return err_set(e, code, "%s: not an l2sim results database: %s is not an ordinary "
                       "table (a virtual table?)", path, t->name);
    size_t n;
    struct col *c = table_cols(db, schema, t->name, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!find_col(t->cols, t->ncols, c[i].name)) {
            char *s = shown(c[i].name);
            rc = err_set(e, code, "%s: table %s has a column %s this l2sim does not know "
                         "(not an l2sim database, or one a newer l2sim wrote)", path, t->name, s);
            free(s);
        }
    for (size_t i = 0; i < t->ncols && rc == 0; i++) {
        const struct col *want = &t->cols[i], *have = find_col(c, n, want->name);
        if (!have)
            rc = err_set(e, code, "%s: table %s has no column %s (not an l2sim database, or "
                         "one an older l2sim wrote)", path, t->name, want->name);
        else if (strcasecmp(have->type, want->type) != 0 || have->notnull != want->notnull ||
                 have->pk != want->pk) {
            char *s = shown(have->type);
            rc = err_set(e, code, "%s: table %s: column %s is declared '%s%s%s', l2sim's is "
                         "'%s%s%s' (the schema was edited, or this is not l2sim's table)",
                         path, t->name, want->name, s, have->notnull ? " NOT NULL" : "",
                         have->pk ? " PRIMARY KEY" : "", want->type,
                         want->notnull ? " NOT NULL" : "", want->pk ? " PRIMARY KEY" : "");
            free(s);
        }
    }
    cols_free(c, n);
    return rc;
}

int dbfile_check(sqlite3 *db, const char *schema, const char *path,
                 enum dbfile_use use, int code, struct err *e)
{
    char *qs = dbfile_quote(schema);
    char *sql = xasprintf("SELECT type, name, sql FROM %s.sqlite_master", qs);
    free(qs);
    sqlite3_stmt *q = NULL;
    int prc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    free(sql);
    if (prc != SQLITE_OK)
        return err_set(e, code, "%s: not an l2sim results database: %s", path,
                       sqlite3_errmsg(db));
    struct object *obj = NULL;
    size_t nobj = 0;
    int src;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        const char *n = (const char *)sqlite3_column_text(q, 1);
        const char *s = (const char *)sqlite3_column_text(q, 2);
        obj = xrealloc(obj, (nobj + 1) * sizeof *obj);
        obj[nobj++] = (struct object){ xstrdup(t ? t : ""), xstrdup(n ? n : ""),
                                       s ? xstrdup(s) : NULL };
    }
    sqlite3_finalize(q);
    if (src != SQLITE_DONE) {
        objects_free(obj, nobj);
        return err_set(e, code, "%s: not an l2sim results database: %s", path,
                       sqlite3_errmsg(db));
    }
    int rc = 0;
    const struct object *meta = find_object(obj, nobj, "meta");
    if (nobj == 0) {
        if (use != DBFILE_WRITE)
            rc = err_set(e, code, "%s: not an l2sim results database: it is empty", path);
        objects_free(obj, nobj);
        return rc;
    }
    if (!meta || strcmp(meta->type, "table") != 0) {
        /* name a few of what it does hold, so the user recognises the file */
        char have[256] = "";
        size_t o = 0;
        for (size_t i = 0, k = 0; i < nobj && k < 4; i++) {
            if (strcmp(obj[i].type, "table") != 0)
                continue;
            char *s = shown(obj[i].name);
            int w = snprintf(have + o, sizeof have - o, "%s%s", k++ ? ", " : "", s);
            free(s);
            if (w < 0 || (size_t)w >= sizeof have - o)
                break;
            o += (size_t)w;
        }
        rc = err_set(e, code, "%s: not an l2sim results database: it has no table meta%s%s%s",
                     path, have[0] ? " (its tables: " : "", have, have[0] ? ")" : "");
        objects_free(obj, nobj);
        return rc;
    }
    const struct expected x = *expected_get();      /* borrowed */
    long version = 0;
    {
        /* the version, as a value checked like any other */
        qs = dbfile_quote(schema);
        sql = xasprintf("SELECT value, typeof(value) FROM %s.meta WHERE key = 'schema_version'",
                        qs);
        free(qs);
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
            rc = err_set(e, code, "%s: cannot read meta: %s", path, sqlite3_errmsg(db));
        } else if (sqlite3_step(q) != SQLITE_ROW) {
            if (use != DBFILE_WRITE)
                rc = err_set(e, code, "%s: not an l2sim results database: meta has no "
                             "schema_version", path);
        } else {
            const char *v = (const char *)sqlite3_column_text(q, 0);
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : 0;
            if (!v || end == v || *end || n < 1 || n > 1000000) {
                char *s = shown(v ? v : "NULL");
                rc = err_set(e, code, "%s: meta.schema_version is '%s', not a schema version",
                             path, s);
                free(s);
            } else if ((version = n) > STORE_SCHEMA_VERSION) {
                /* not bad input to run or report: a newer l2sim reads it (exit 1) */
                rc = err_set(e, use == DBFILE_SOURCE ? code : L2_EIO, "%s: database schema version %ld is newer than this "
                             "l2sim's (%d); use a newer l2sim or another file", path, n,
                             STORE_SCHEMA_VERSION);
            } else if (n < STORE_SCHEMA_VERSION && use != DBFILE_WRITE) {
                rc = err_set(e, code, "%s: database schema version %ld is older than this "
                             "l2sim's (%d): read it through store_upgraded_copy", path, n,
                             STORE_SCHEMA_VERSION);
            }
        }
        sqlite3_finalize(q);
        free(sql);
    }
    /* an older version's tables are the upgrade's to rebuild (store_open checks the
     * result before it commits) */
    bool older = version > 0 && version < STORE_SCHEMA_VERSION;
    for (size_t i = 0; i < x.nt && rc == 0 && !older; i++) {
        const struct object *o = find_object(obj, nobj, x.t[i].name);
        if (!o) {
            if (use != DBFILE_WRITE && x.t[i].core)
                rc = err_set(e, code, "%s: not an l2sim results database: it has no table %s",
                             path, x.t[i].name);
            continue;
        }
        /* a scheme's table has a version of its own, which store_apply_sql upgrades
         * after store_open: a writer leaves it to that */
        if (use == DBFILE_WRITE && !x.t[i].core)
            continue;
        rc = check_table(db, schema, path, &x.t[i], o, code, e);
    }
    /* a source's per-run table l2sim does not declare: its rows would be lost, and its
     * definition is the file's (merge never runs it) */
    for (size_t i = 0; i < nobj && rc == 0 && use == DBFILE_SOURCE; i++) {
        bool known = false;
        for (size_t k = 0; k < x.nt; k++)
            known |= strcasecmp(obj[i].name, x.t[k].name) == 0;
        if (known || strcmp(obj[i].type, "table") != 0 || strncmp(obj[i].name, "sqlite_", 7) == 0)
            continue;
        size_t n;
        struct col *c = table_cols(db, schema, obj[i].name, &n);
        if (find_col(c, n, "run_id")) {
            char *s = shown(obj[i].name);
            rc = err_set(e, code, "%s: has a per-run table %s this l2sim does not know (a "
                         "newer l2sim, or a scheme this build lacks, wrote it); its rows "
                         "would be lost: not merged", path, s);
            free(s);
        }
        cols_free(c, n);
    }
    for (size_t i = 0; i < nobj && rc == 0 && use == DBFILE_WRITE; i++) {
        char *s = shown(obj[i].name);
        if (strcmp(obj[i].type, "trigger") == 0)
            rc = err_set(e, code, "%s: has a trigger %s: l2sim makes none, and would run its "
                         "SQL when it writes; refusing to write to it", path, s);
        for (size_t k = 0; k < x.nv && rc == 0; k++)
            if (strcasecmp(obj[i].name, x.views[k]) == 0 && strcmp(obj[i].type, "view") != 0)
                rc = err_set(e, code, "%s: not an l2sim results database: %s is a %s, where "
                             "l2sim has a view", path, s, obj[i].type);
        free(s);
    }
    objects_free(obj, nobj);
    return rc;
}

/* ---- checking rows ---- */

/* The SQL condition a value of column c must meet (l2sim's identifiers only). */
static char *col_rule(const struct col *c)
{
    char *q = dbfile_quote(c->name), *rule;
    const char *nul = c->notnull || c->pk ? "" : "'null', ";
    size_t n = strlen(c->name);
    if (strcasecmp(c->type, "INTEGER") == 0)
        rule = xasprintf("typeof(%s) IN (%s'integer')", q, nul);
    else if (strcasecmp(c->type, "REAL") == 0)
        rule = xasprintf("typeof(%s) IN (%s'integer', 'real')", q, nul);
    else if (strcasecmp(c->type, "TEXT") == 0 && n > 4 && strcmp(c->name + n - 4, "_wei") == 0)
        rule = xasprintf("(%s%s IS NULL) OR (typeof(%s) = 'text' AND length(%s) BETWEEN 1 AND 80"
                         " AND %s NOT GLOB '*[^0-9]*')", nul[0] ? "" : "0 AND ", q, q, q, q);
    else if (strcasecmp(c->type, "TEXT") == 0)
        rule = xasprintf("typeof(%s) IN (%s'text')", q, nul);
    else
        rule = nul[0] ? xstrdup("1") : xasprintf("%s IS NOT NULL", q);
    free(q);
    return rule;
}

/* Range rules of the runs table: what store.c writes, and what readers rely on. */
static const char runs_rules[] =
    "run_id >= 1 AND status IN ('running', 'complete', 'failed', 'interrupted')"
    " AND replication BETWEEN 0 AND 1000000 AND duration_us > 0"
    " AND (sim_end_us IS NULL OR sim_end_us >= 0)"
    " AND (events IS NULL OR events >= 0)"
    " AND (sweep_index IS NULL OR sweep_index >= 0)";

static int check_table_rows(sqlite3 *db, const char *qs, const char *path,
                            const struct table *t, const char *where, bool orphans, int code,
                            struct err *e)
{
    char *qt = dbfile_quote(t->name);
    bool runs = strcmp(t->name, "runs") == 0;
    /* one pass over the rows: CASE names the first column that breaks its rule */
    size_t cap = sizeof runs_rules + 64;
    char **rules = xcalloc(t->ncols, sizeof *rules);
    for (size_t i = 0; i < t->ncols; i++)
        rules[i] = col_rule(&t->cols[i]), cap += strlen(rules[i]) + 2 * strlen(t->cols[i].name) + 32;
    char *cases = xmalloc(cap), *o = cases;
    o += sprintf(o, "CASE");
    for (size_t i = 0; i < t->ncols; i++) {
        char *lit = sqlite3_mprintf("%Q", t->cols[i].name);
        o += sprintf(o, " WHEN NOT (%s) THEN %s", rules[i], lit);
        sqlite3_free(lit);
    }
    if (runs)
        o += sprintf(o, " WHEN NOT (%s) THEN '(range)'", runs_rules);
    sprintf(o, " END");
    /* the runs table is read whole by every reader: always checked whole */
    const char *filter = where && t->per_run && !runs ? where : "1";
    char *sql = xasprintf("SELECT bad, run_id FROM (SELECT %s AS bad, %s FROM %s.%s WHERE %s)"
                          " WHERE bad IS NOT NULL LIMIT 1", cases,
                          t->per_run ? "run_id" : "NULL AS run_id", qs, qt, filter);
    free(cases);
    sqlite3_stmt *q = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        rc = err_set(e, code, "%s: cannot check table %s: %s", path, t->name, sqlite3_errmsg(db));
    } else {
        int s = sqlite3_step(q);
        if (s == SQLITE_ROW) {
            const char *bad = (const char *)sqlite3_column_text(q, 0);
            char run[64] = "";
            if (sqlite3_column_type(q, 1) == SQLITE_INTEGER)
                snprintf(run, sizeof run, ", run %lld", (long long)sqlite3_column_int64(q, 1));
            if (strcmp(bad, "(range)") == 0) {
                rc = err_set(e, code, "%s: table runs%s: a value out of range (run_id from 1; "
                             "status running, complete, failed or interrupted; replication, "
                             "duration_us, sim_end_us, events, sweep_index not negative)", path, run);
            } else {
                size_t k = 0;
                while (k < t->ncols && strcmp(t->cols[k].name, bad) != 0)
                    k++;
                const struct col *c = &t->cols[k < t->ncols ? k : 0];
                /* what the value is, for the message */
                char *qc = dbfile_quote(c->name);
                char *vs = xasprintf("SELECT typeof(%s), quote(substr(%s, 1, 40)) FROM %s.%s "
                                     "WHERE %s AND NOT (%s) LIMIT 1", qc, qc, qs, qt, filter,
                                     rules[k < t->ncols ? k : 0]);
                sqlite3_stmt *v = NULL;
                char *val = NULL;
                if (sqlite3_prepare_v2(db, vs, -1, &v, NULL) == SQLITE_OK &&
                    sqlite3_step(v) == SQLITE_ROW) {
                    char *shown_v = text_escape((const char *)sqlite3_column_text(v, 1), 40);
                    val = xasprintf("%s %s", sqlite3_column_text(v, 0), shown_v);
                    free(shown_v);
                }
                sqlite3_finalize(v);
                free(vs);
                free(qc);
                rc = err_set(e, code, "%s: table %s%s: column %s holds %s, not %s%s%s (the "
                             "database was edited or is damaged)", path, t->name, run, bad,
                             val ? val : "a bad value",
                             strcasecmp(c->type, "TEXT") == 0 && strstr(c->name, "_wei")
                             ? "decimal digits" : c->type[0] ? c->type : "a value",
                             c->notnull || c->pk ? "" : " or NULL", "");
                free(val);
            }
        } else if (s != SQLITE_DONE) {
            const char *why = dbfile_stopped(db);
            rc = err_set(e, code, "%s: cannot check table %s: %s", path, t->name,
                         why ? why : sqlite3_errmsg(db));
        }
    }
    sqlite3_finalize(q);
    free(sql);
    for (size_t i = 0; i < t->ncols; i++)
        free(rules[i]);
    free(rules);
    if (rc == 0 && orphans && t->per_run && !runs) {
        sql = xasprintf("SELECT run_id FROM %s.%s WHERE %s AND run_id NOT IN "
                        "(SELECT run_id FROM %s.runs) LIMIT 1", qs, qt, filter, qs);
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
            rc = err_set(e, code, "%s: cannot check table %s: %s", path, t->name,
                         sqlite3_errmsg(db));
        else if (sqlite3_step(q) == SQLITE_ROW)
            rc = err_set(e, code, "%s: table %s has rows of run %lld, which is not in runs "
                         "(the database was edited or is damaged)", path, t->name,
                         (long long)sqlite3_column_int64(q, 0));
        sqlite3_finalize(q);
        free(sql);
    }
    free(qt);
    return rc;
}

int dbfile_check_rows(sqlite3 *db, const char *schema, const char *path,
                      const char *where, bool orphans, int code,
                      struct err *e)
{
    const struct expected x = *expected_get();      /* borrowed */
    char *qs = dbfile_quote(schema);
    int rc = 0;
    /* runs first: the other tables' messages name its runs */
    for (int pass = 0; pass < 2 && rc == 0; pass++)
        for (size_t i = 0; i < x.nt && rc == 0; i++) {
            if ((strcmp(x.t[i].name, "runs") == 0) != (pass == 0))
                continue;
            size_t n;
            struct col *c = table_cols(db, schema, x.t[i].name, &n);
            cols_free(c, n);
            if (n == 0)
                continue;                 /* absent (a writer's new database) */
            rc = check_table_rows(db, qs, path, &x.t[i], where, orphans, code, e);
        }
    free(qs);
    return rc;
}

/* ---- a reader's temporary views ---- */

struct temp_ctx {
    sqlite3    *db;
    const char *path;
    struct err *e;
};

static int temp_stmt(void *ctx, const char *s, size_t len)
{
    struct temp_ctx *t = ctx;
    if (!starts(s, len, "CREATE VIEW"))
        return 0;              /* tables are the file's (checked); DROPs are for writers */
    const char *body = skip_blank(s + 11, s + len);
    if (starts(body, (size_t)(s + len - body), "IF NOT EXISTS"))
        body = skip_blank(body + 13, s + len);
    if (starts(body, (size_t)(s + len - body), "run_config") &&
        (body[10] == ' ' || body[10] == '\n'))
        return 0;              /* a table of its own (dbfile_temp_views) */
    char *sql = xasprintf("CREATE TEMP VIEW %.*s", (int)(s + len - body), body);
    char *msg = NULL;
    int rc = sqlite3_exec(t->db, sql, NULL, NULL, &msg);
    free(sql);
    if (rc != SQLITE_OK) {
        err_set(t->e, L2_EINPUT, "%s: cannot read it as an l2sim database: %s", t->path,
                msg ? msg : sqlite3_errmsg(t->db));
        sqlite3_free(msg);
        return 1;
    }
    return 0;
}

/* runs.config lines "path = value  # origin" into temp.run_config, as the run_config
 * view of views.sql parses them; O(length of the configs). */
static int fill_run_config(sqlite3 *db, const char *path, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "CREATE TEMP TABLE run_config(run_id INTEGER, path TEXT, value TEXT,"
                     " origin TEXT); CREATE INDEX temp.run_config_by_path ON "
                     "run_config(run_id, path)", NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, L2_EINPUT, "%s: %s", path, msg);
        sqlite3_free(msg);
        return L2_EINPUT;
    }
    sqlite3_stmt *q = NULL, *ins = NULL;
    sqlite3_prepare_v2(db, "SELECT run_id, config FROM main.runs", -1, &q, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO temp.run_config VALUES(?, ?, ?, ?)", -1, &ins, NULL);
    /* the origins scn_dump writes (sim/scenario.c scn_origin), as the view knows them */
    static const char *const origins[] = { "scenario", "default", "--set", "preset" };
    int rc = 0, s;
    while (rc == 0 && (s = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t run = sqlite3_column_int64(q, 0);
        const char *c = (const char *)sqlite3_column_text(q, 1);
        while (c && *c && rc == 0) {
            size_t len = strcspn(c, "\n");
            const char *eq = NULL;
            for (const char *k = c; k + 3 <= c + len; k++)
                if (k[0] == ' ' && k[1] == '=' && k[2] == ' ') {
                    eq = k;
                    break;
                }
            for (size_t o = 0; eq && o < ARRAY_LEN(origins); o++) {
                size_t ol = strlen(origins[o]) + 4;        /* "  # origin" */
                const char *tail = c + len - ol;
                if (len < ol || tail < eq + 3 || strncmp(tail, "  # ", 4) != 0 ||
                    strncmp(tail + 4, origins[o], ol - 4) != 0)
                    continue;
                sqlite3_bind_int64(ins, 1, run);
                sqlite3_bind_text(ins, 2, c, (int)(eq - c), SQLITE_STATIC);
                sqlite3_bind_text(ins, 3, eq + 3, (int)(tail - eq - 3), SQLITE_STATIC);
                sqlite3_bind_text(ins, 4, origins[o], -1, SQLITE_STATIC);
                if (sqlite3_step(ins) != SQLITE_DONE)
                    rc = err_set(e, L2_EINPUT, "%s: %s", path, sqlite3_errmsg(db));
                sqlite3_reset(ins);
                break;
            }
            c += len + (c[len] == '\n');
        }
    }
    if (rc == 0 && s != SQLITE_DONE) {
        const char *why = dbfile_stopped(db);
        rc = err_set(e, L2_EINPUT, "%s: cannot read runs: %s", path, why ? why : sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    return rc;
}

/* t(0.975, df) for df 1..max(100, largest replication + 1) into temp.student_t. */
static int fill_student_t(sqlite3 *db, const char *path, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "CREATE TEMP TABLE student_t(df INTEGER PRIMARY KEY, t975 REAL NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, L2_EINPUT, "%s: %s", path, msg);
        sqlite3_free(msg);
        return L2_EINPUT;
    }
    sqlite3_stmt *q = NULL;
    int64_t max = 100;
    sqlite3_prepare_v2(db, "SELECT max(replication) + 1 FROM main.runs", -1, &q, NULL);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_INTEGER &&
        sqlite3_column_int64(q, 0) > max)
        max = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (max > 1000001)                /* dbfile_check_rows bounds replication */
        max = 1000001;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO temp.student_t VALUES(?, ?)", -1, &q, NULL);
    for (int64_t df = 1; df <= max; df++) {
        sqlite3_bind_int64(q, 1, df);
        sqlite3_bind_double(q, 2, gsl_cdf_tdist_Pinv(0.975, (double)df));
        sqlite3_step(q);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return 0;
}

int dbfile_temp_views(sqlite3 *db, const char *path, struct err *e)
{
    if (fill_run_config(db, path, e) != 0 || fill_student_t(db, path, e) != 0)
        return L2_EINPUT;
    struct temp_ctx t = { db, path, e };
    const char *extra = dbfile_scheme_sql();
    if (dbfile_each_statement((const char *)store_schema_sql, temp_stmt, &t) != 0 ||
        (extra && dbfile_each_statement(extra, temp_stmt, &t) != 0))
        return L2_EINPUT;
    return 0;
}

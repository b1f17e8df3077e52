/* main.c — the l2sim command line: run, validate, list, report. The only place that reads
 * the environment, the terminal, signals and exit codes: 0 ok, 1 the run failed,
 * 2 bad input (nothing simulated, nothing recorded). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/report.h"
#include "models/run.h"
#include "sim/progress.h"
#include "sim/rng.h"
#include "sim/version.h"

enum { EXIT_OK = 0, EXIT_RUN = 1, EXIT_INPUT = 2 };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
    signal(sig, SIG_DFL);     /* a second Ctrl-C kills at once */
}

static void usage_main(FILE *f)
{
    fprintf(f,
        "l2sim %s — deterministic discrete-event simulator of blockchain Layer-2 scaling\n"
        "\n"
        "usage: l2sim COMMAND [options]\n"
        "\n"
        "commands:\n"
        "  run SCENARIO       run a scenario into a SQLite database\n"
        "  validate SCENARIO  check scenario files without running them\n"
        "  list               schemes and every scenario parameter with default and doc\n"
        "  report DB          plots and a self-contained report.html from a results database\n"
        "  version            print the version\n"
        "\n"
        "`l2sim COMMAND --help` describes a command. Exit status: 0 ok, 1 run failed,\n"
        "2 bad input.\n", L2SIM_VERSION);
}

static void usage_run(FILE *f)
{
    fprintf(f,
        "usage: l2sim run SCENARIO [--db FILE] [--seed N] [--set PATH=VALUE]...\n"
        "                 [--replications N] [--max-events N] [--quiet]\n"
        "\n"
        "Runs SCENARIO (a YAML file) and appends its runs to the database.\n"
        "  --db FILE          results database (default: results.db); created if missing\n"
        "  --seed N           master seed (overrides the scenario's `seed`)\n"
        "  --set PATH=VALUE   override one parameter, e.g. --set l1.slot=6s or\n"
        "                     --set schemes[l1].tip=2gwei; validated like the file\n"
        "  --replications N   independent replications (overrides `replications`)\n"
        "  --max-events N     stop (and mark the run failed) after N events\n"
        "  --quiet            no progress line and no summary\n"
        "Same scenario, overrides and seed => identical database content.\n"
        "Ctrl-C stops cleanly: what was recorded stays, the run is marked interrupted.\n");
}

static void usage_validate(FILE *f)
{
    fprintf(f,
        "usage: l2sim validate SCENARIO... [--set PATH=VALUE]... [--print]\n"
        "\n"
        "Checks each scenario against the schema and the models' own rules; prints\n"
        "file:line:col: message for every problem. --print shows every value in force.\n"
        "Exit 0 if all are valid, 2 otherwise.\n");
}

static void usage_list(FILE *f)
{
    fprintf(f,
        "usage: l2sim list [--markdown]\n"
        "\n"
        "Lists the scheme types and every scenario parameter with its type, default,\n"
        "range and description (--markdown: the table in the README).\n");
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* ---- options ---- */

struct opts {
    const char **files;
    size_t       nfiles;
    const char **sets;
    size_t       nsets;
    const char  *db;
    bool         quiet, print, markdown, has_seed;
    uint64_t     seed, replications, max_events;
};

static int parse_u64(const char *opt, const char *text, uint64_t *out)
{
    char why[UNIT_WHY_MAX];
    if (unit_uint(text, out, why) != 0) {
        fprintf(stderr, "l2sim: %s: %s\n", opt, why);
        return EXIT_INPUT;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->files = xcalloc((size_t)argc + 1, sizeof *o->files);
    o->sets = xcalloc((size_t)argc + 1, sizeof *o->sets);
    o->db = "results.db";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--print") == 0) {
            o->print = true;
        } else if (strcmp(a, "--markdown") == 0) {
            o->markdown = true;
        } else if (strcmp(a, "--db") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--set") == 0 || strcmp(a, "--replications") == 0 ||
                   strcmp(a, "--max-events") == 0) {
            if (!val) {
                fprintf(stderr, "l2sim: %s needs a value\n", a);
                return EXIT_INPUT;
            }
            i++;
            int rc = 0;
            if (strcmp(a, "--db") == 0)
                o->db = val;
            else if (strcmp(a, "--set") == 0)
                o->sets[o->nsets++] = val;
            else if (strcmp(a, "--seed") == 0)
                rc = parse_u64(a, val, &o->seed), o->has_seed = true;
            else if (strcmp(a, "--replications") == 0)
                rc = parse_u64(a, val, &o->replications);
            else
                rc = parse_u64(a, val, &o->max_events);
            if (rc)
                return rc;
            if (strcmp(a, "--seed") == 0 && o->seed > INT64_MAX) {
                fprintf(stderr, "l2sim: --seed: at most %lld\n", (long long)INT64_MAX);
                return EXIT_INPUT;
            }
            if (strcmp(a, "--replications") == 0 && (o->replications < 1 || o->replications > 10000)) {
                fprintf(stderr, "l2sim: --replications: between 1 and 10000\n");
                return EXIT_INPUT;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "l2sim: unknown option '%s' (see --help)\n", a);
            return EXIT_INPUT;
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    return 0;
}

static void opts_free(struct opts *o)
{
    free(o->files);
    free(o->sets);
}

static int load(const char *file, const struct opts *o, struct scn **s)
{
    struct err e;
    err_init(&e);
    const struct scn_schema *schema = model_schema();
    if (scn_load_file(schema, file, o->sets, o->nsets, s, &e) == 0 && run_check(*s, &e) == 0)
        return 0;
    fprintf(stderr, "%s\n", e.msg);
    if (e.count > 1)
        fprintf(stderr, "l2sim: %s: %d problems\n", file, e.count);
    scn_free(*s);
    *s = NULL;
    return e.code == L2_EIO ? EXIT_RUN : EXIT_INPUT;
}

/* ---- list ---- */

static void print_default(const struct scn_param *p, char *buf, size_t len)
{
    if (p->flags & SCN_REQUIRED)
        snprintf(buf, len, "(required)");
    else if (p->type == SCN_LIST)
        snprintf(buf, len, "[]");
    else if (!p->def || (p->flags & SCN_OPTIONAL))
        snprintf(buf, len, "%s", p->def && p->def[0] ? p->def : "-");
    else
        snprintf(buf, len, "%s", p->def);
}

static void print_range(const struct scn_param *p, char *buf, size_t len)
{
    if (p->type == SCN_ENUM)
        snprintf(buf, len, "%s", p->choices ? p->choices : "");
    else if (p->min && p->max)
        snprintf(buf, len, "%s .. %s", p->min, p->max);
    else if (p->min)
        snprintf(buf, len, ">= %s", p->min);
    else if (p->max)
        snprintf(buf, len, "<= %s", p->max);
    else
        buf[0] = '\0';
}

/* The markdown is also the README's scenario reference (a test keeps them equal). */
static int cmd_list(const struct opts *o)
{
    const struct scn_schema *sc = model_schema();
    char def[128], range[256];
    if (o->markdown) {
        printf("| scheme type | what it models |\n|---|---|\n");
        for (size_t i = 0; model_scheme_at(i); i++)
            printf("| `%s` | %s |\n", model_scheme_at(i)->type, model_scheme_at(i)->doc);
        printf("\n| adversary type | what it does |\n|---|---|\n");
        for (size_t i = 0; model_adversary_at(i); i++)
            printf("| `%s` | %s |\n", model_adversary_at(i)->type, model_adversary_at(i)->doc);
        printf("\n| parameter | type | default | range | meaning |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < sc->n; i++) {
            const struct scn_param *p = &sc->params[i];
            print_default(p, def, sizeof def);
            print_range(p, range, sizeof range);
            for (char *c = range; *c; c++)
                if (*c == '|')
                    *c = '/';
            printf("| `%s` | %s | %s | %s | %s |\n", p->path, scn_type_name(p->type), def,
                   range, p->doc);
        }
        return EXIT_OK;
    }
    printf("schemes:\n");
    for (size_t i = 0; model_scheme_at(i); i++)
        printf("  %-20s %s\n", model_scheme_at(i)->type, model_scheme_at(i)->doc);
    printf("\nadversaries:\n");
    for (size_t i = 0; model_adversary_at(i); i++)
        printf("  %-20s %s\n", model_adversary_at(i)->type, model_adversary_at(i)->doc);
    printf("\nparameters (path  type  default  range):\n");
    for (size_t i = 0; i < sc->n; i++) {
        const struct scn_param *p = &sc->params[i];
        print_default(p, def, sizeof def);
        print_range(p, range, sizeof range);
        printf("  %-40s %-9s %-12s %s\n      %s\n", p->path, scn_type_name(p->type), def,
               range, p->doc);
    }
    return EXIT_OK;
}

/* ---- validate ---- */

static int cmd_validate(const struct opts *o)
{
    if (o->nfiles == 0) {
        usage_validate(stderr);
        return EXIT_INPUT;
    }
    int status = EXIT_OK;
    for (size_t i = 0; i < o->nfiles; i++) {
        struct scn *s;
        int rc = load(o->files[i], o, &s);
        if (rc) {
            status = rc > status ? rc : status;
            continue;
        }
        if (o->print) {
            char *d = scn_dump(s);
            fputs(d, stdout);
            free(d);
        }
        if (!o->quiet)
            printf("%s: ok\n", o->files[i]);
        scn_free(s);
    }
    return status;
}

/* ---- run ---- */

struct panic_ctx {
    struct store *st;
    int64_t       run_id;
    double        t0;
};

static void on_panic(void *ctx, const char *msg)
{
    struct panic_ctx *p = ctx;
    struct err e;
    err_init(&e);
    if (p->st && p->run_id)
        store_end_run(p->st, p->run_id, "failed", msg, 0, 0, progress_wall_now() - p->t0, &e);
    store_close(p->st);
}

static void on_progress(void *ctx, const char *world, size_t index, size_t nworlds,
                        sim_time now, sim_time duration, uint64_t events)
{
    char a[48], b[32], what[200];
    long long sec = (long long)(now / SIM_SEC);
    snprintf(a, sizeof a, "%lldd %02lld:%02lld:%02lld", sec / 86400, sec / 3600 % 24,
             sec / 60 % 60, sec % 60);
    unit_format_duration(duration, b, sizeof b);
    snprintf(what, sizeof what, "world %s (%zu/%zu): %s of %s simulated", world, index + 1,
             nworlds, a, b);
    progress_update(ctx, ((double)index + (double)now / (double)duration) / (double)nworlds,
                    what, events);
}

/* A fee per transfer, in ETH; a price per gas, in gwei. */
static void fmt_eth(double wei, char *buf, size_t len)
{
    if (isnan(wei))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.6f ETH", wei / 1e18);
}

static void fmt_gwei(double wei, char *buf, size_t len)
{
    if (isnan(wei))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2f gwei", wei / 1e9);
}

static void fmt_secs(double s, char *buf, size_t len)
{
    if (isnan(s))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1fs", s);
}

static double metric(sqlite3_stmt *q, int64_t run_id, const char *scheme, const char *phase,
                     const char *name)
{
    char full[128];
    snprintf(full, sizeof full, "%s%s%s", phase, phase[0] ? "." : "", name);
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, full, -1, SQLITE_TRANSIENT);
    return sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : 0.0 / 0.0;
}

/* The summary tables, read back from the metrics table like every other reader:
 * one row per scheme, then per phase of a demand spike when the scenario has one. */
static void print_summary(struct store *st, int64_t run_id)
{
    sqlite3 *db = store_db(st);
    sqlite3_stmt *names, *q;
    sqlite3_prepare_v2(db, "SELECT scheme FROM schemes WHERE run_id=? ORDER BY rowid", -1,
                       &names, NULL);
    sqlite3_prepare_v2(db, "SELECT value FROM metrics WHERE run_id=? AND scheme=? AND name=?",
                       -1, &q, NULL);
    static const char *const phases[] = { "", "before", "during", "after" };
    bool phased = false;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !phased)
            break;
        if (pass == 0)
            printf("%-16s %9s %9s %8s %14s %14s %14s %9s %9s %9s\n", "scheme", "transfers",
                   "final", "dropped", "fee mean", "fee p50", "fee p95", "incl p50",
                   "incl p95", "final p50");
        else
            printf("\naround the demand spike (transfers by submission time):\n"
                   "%-16s %-7s %9s %8s %14s %14s %14s %9s %9s\n", "scheme", "phase",
                   "transfers", "dropped", "L1 base fee", "fee p50", "fee p95", "incl p50",
                   "incl p95");
        sqlite3_reset(names);
        sqlite3_bind_int64(names, 1, run_id);
        while (sqlite3_step(names) == SQLITE_ROW) {
            const char *sc = (const char *)sqlite3_column_text(names, 0);
            for (size_t ph = pass == 0 ? 0 : 1; ph < (pass == 0 ? 1 : ARRAY_LEN(phases)); ph++) {
                const char *p = phases[ph];
                double n = metric(q, run_id, sc, p, "transfers");
                if (pass == 0 && !isnan(metric(q, run_id, sc, "during", "transfers")))
                    phased = true;
                if (isnan(n))
                    continue;
                char f1[32], f2[32], f3[32], l1s[32], l2s[32], l3s[32];
                fmt_secs(metric(q, run_id, sc, p, "latency_include_p50_s"), l1s, sizeof l1s);
                fmt_secs(metric(q, run_id, sc, p, "latency_include_p95_s"), l2s, sizeof l2s);
                fmt_secs(metric(q, run_id, sc, p, "latency_final_p50_s"), l3s, sizeof l3s);
                double dropped = metric(q, run_id, sc, p, "dropped");
                if (pass == 0)
                    fmt_eth(metric(q, run_id, sc, p, "fee_mean_wei"), f1, sizeof f1);
                else
                    fmt_gwei(metric(q, run_id, sc, p, "l1_base_fee_mean_wei"), f1, sizeof f1);
                fmt_eth(metric(q, run_id, sc, p, "fee_p50_wei"), f2, sizeof f2);
                fmt_eth(metric(q, run_id, sc, p, "fee_p95_wei"), f3, sizeof f3);
                if (pass == 0)
                    printf("%-16s %9.0f %9.0f %8.0f %14s %14s %14s %9s %9s %9s\n", sc, n,
                           metric(q, run_id, sc, p, "final"), dropped, f1, f2, f3, l1s, l2s, l3s);
                else
                    printf("%-16s %-7s %9.0f %8.0f %14s %14s %14s %9s %9s\n", sc, p, n, dropped,
                           f1, f2, f3, l1s, l2s);
            }
        }
    }
    sqlite3_finalize(names);
    sqlite3_finalize(q);
}

static int cmd_run(const struct opts *o)
{
    if (o->nfiles != 1) {
        usage_run(stderr);
        return EXIT_INPUT;
    }
    struct scn *s;
    int rc = load(o->files[0], o, &s);
    if (rc)
        return rc;

    struct err e;
    err_init(&e);
    struct store *st;
    if (store_open(o->db, &st, &e) != 0) {
        fprintf(stderr, "l2sim: %s\n", e.msg);
        scn_free(s);
        return EXIT_RUN;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    uint64_t master = o->has_seed ? o->seed : scn_uint(s, "seed");
    uint64_t reps = o->replications ? o->replications : scn_uint(s, "replications");
    char sha[65];
    scn_sha256_hex(s, sha);
    char *config = scn_dump(s);
    size_t textlen;
    const char *text = scn_text(s, &textlen);
    bool tty = isatty(STDERR_FILENO) && !o->quiet;
    int status = EXIT_OK;

    for (uint64_t r = 0; r < reps && status == EXIT_OK; r++) {
        struct store_run row = {
            .scenario_name = scn_str(s, "name"), .scenario_file = scn_file(s),
            .scenario_text = text, .scenario_sha256 = sha, .overrides = scn_overrides(s),
            .config = config, .seed = rng_replication_seed(master, (uint32_t)r),
            .master_seed = master, .replication = (uint32_t)r, .crypto_mode = "ed25519",
            .duration_us = scn_int(s, "duration"),
        };
        int64_t run_id;
        if (store_begin_run(st, &row, &run_id, &e) != 0) {
            fprintf(stderr, "l2sim: %s\n", e.msg);
            status = EXIT_RUN;
            break;
        }
        struct panic_ctx pc = { st, run_id, progress_wall_now() };
        sim_set_panic_hook(on_panic, &pc);
        char label[96];
        snprintf(label, sizeof label, "%s #%lld", scn_str(s, "name"), (long long)run_id);
        struct progress *pg = progress_new(tty, label);
        struct run_opts ro = { .seed = row.seed, .interrupt = &interrupted,
                               .max_events = o->max_events,
                               .progress = tty ? on_progress : NULL, .progress_ctx = pg };
        struct run_result res;
        run_execute(s, st, run_id, &ro, &res, &e);
        progress_end(pg);
        double wall = progress_wall_now() - pc.t0;
        const char *final = res.status == RUN_COMPLETE ? "complete"
                          : res.status == RUN_INTERRUPTED ? "interrupted" : "failed";
        struct err e2;
        err_init(&e2);
        if (store_end_run(st, run_id, final, res.detail[0] ? res.detail : NULL, res.events,
                          res.sim_end, wall, &e2) != 0) {
            fprintf(stderr, "l2sim: %s\n", e2.msg);
            status = EXIT_RUN;
        } else if (res.status != RUN_COMPLETE) {
            fprintf(stderr, "l2sim: run %lld %s: %s\n", (long long)run_id, final, res.detail);
            status = EXIT_RUN;
        } else if (!o->quiet) {
            printf("run %lld: %s, seed %llu, %llu events in %.2f s wall -> %s\n",
                   (long long)run_id, scn_str(s, "name"), (unsigned long long)row.seed,
                   (unsigned long long)res.events, wall, o->db);
            print_summary(st, run_id);
        }
        sim_set_panic_hook(NULL, NULL);
    }
    free(config);
    store_close(st);
    scn_free(s);
    return status;
}

/* ---- report ---- */

static void usage_report(FILE *f)
{
    fprintf(f,
        "usage: l2sim report DB [--run ID]... [--out DIR] [--format png|svg]\n"
        "                       [--allow-incomplete] [--quiet]\n"
        "\n"
        "Draws the figures of runs in the results database DB with gnuplot and writes\n"
        "DIR/report.html: summary tables per scheme, the figures (embedded), attacks, and\n"
        "the scenario with seed and version. It opens in a browser with no server.\n"
        "  --run ID            a run to show (repeat for several side by side); default:\n"
        "                      the latest complete run\n"
        "  --out DIR           where to write (default: out); created if missing\n"
        "  --format png|svg    image format (default: png)\n"
        "  --allow-incomplete  also show runs that failed or were interrupted\n"
        "  --quiet             print nothing but errors\n"
        "Reads only the database: the same file gives the same report. Exit 2 for a\n"
        "missing database or run, or an incomplete run; 1 when gnuplot is missing or\n"
        "fails (report.html is still written, with the tables).\n");
}

static int cmd_report(int argc, char **argv)
{
    struct report_opts ro = { .out_dir = "out", .format = PLOT_PNG, .gnuplot = "gnuplot" };
    int64_t *runs = xcalloc((size_t)argc + 1, sizeof *runs);
    bool quiet = false;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--allow-incomplete") == 0) {
            ro.allow_incomplete = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--run") == 0 || strcmp(a, "--out") == 0 ||
                   strcmp(a, "--format") == 0) {
            if (!val) {
                fprintf(stderr, "l2sim: %s needs a value\n", a);
                rc = EXIT_INPUT;
                break;
            }
            i++;
            uint64_t id;
            if (strcmp(a, "--out") == 0) {
                ro.out_dir = val;
            } else if (strcmp(a, "--format") == 0) {
                if (strcmp(val, "png") != 0 && strcmp(val, "svg") != 0) {
                    fprintf(stderr, "l2sim: --format: png or svg, not '%s'\n", val);
                    rc = EXIT_INPUT;
                }
                ro.format = strcmp(val, "svg") == 0 ? PLOT_SVG : PLOT_PNG;
            } else if ((rc = parse_u64(a, val, &id)) == 0) {
                if (id < 1 || id > INT64_MAX) {
                    fprintf(stderr, "l2sim: --run: a run id from 1\n");
                    rc = EXIT_INPUT;
                }
                runs[ro.nruns++] = (int64_t)id;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "l2sim: unknown option '%s' (see --help)\n", a);
            rc = EXIT_INPUT;
        } else if (ro.db_path) {
            fprintf(stderr, "l2sim: report takes one database, not '%s' too\n", a);
            rc = EXIT_INPUT;
        } else {
            ro.db_path = a;
        }
    }
    if (rc == 0 && !ro.db_path) {
        usage_report(stderr);
        rc = EXIT_INPUT;
    }
    if (rc) {
        free(runs);
        return rc;
    }
    ro.runs = runs;
    /* gnuplot is fed through a pipe: if it dies early, writes fail with EPIPE and the
     * report says so instead of this process being killed */
    signal(SIGPIPE, SIG_IGN);
    struct report_result res;
    struct err e;
    err_init(&e);
    int r = report_write(&ro, &res, &e);
    free(runs);
    if (r == L2_EINPUT) {
        fprintf(stderr, "l2sim: %s", e.msg);
        return EXIT_INPUT;
    }
    if (!quiet && res.html[0]) {
        printf("report: %s\n", res.html);
        for (size_t i = 0; i < res.nitems; i++) {
            const struct report_item *it = &res.items[i];
            if (it->state == REPORT_DRAWN)
                printf("  %-10s %s\n", it->name, it->file);
            else if (it->state == REPORT_EMPTY)
                printf("  %-10s not drawn: %s\n", it->name, it->why);
        }
    }
    if (r != 0) {
        fprintf(stderr, "l2sim: %s", e.msg);
        return EXIT_RUN;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "l2sim: libsodium failed to initialise\n");
        return EXIT_RUN;
    }
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage_main(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("l2sim %s (%s)\n", L2SIM_VERSION, L2SIM_GIT_REV);
        return EXIT_OK;
    }
    if (strcmp(cmd, "report") == 0) {      /* options of its own: --run is repeatable */
        if (wants_help(argc - 2, argv + 2)) {
            usage_report(stdout);
            return EXIT_OK;
        }
        return cmd_report(argc - 2, argv + 2);
    }
    static const struct {
        const char *name;
        int (*fn)(const struct opts *);
        void (*usage)(FILE *);
    } cmds[] = {
        { "run", cmd_run, usage_run },
        { "validate", cmd_validate, usage_validate },
        { "list", cmd_list, usage_list },
    };
    for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
        if (strcmp(cmd, cmds[i].name) != 0)
            continue;
        if (wants_help(argc - 2, argv + 2)) {
            cmds[i].usage(stdout);
            return EXIT_OK;
        }
        struct opts o;
        int rc = parse_opts(argc - 2, argv + 2, &o);
        if (rc == 0)
            rc = cmds[i].fn(&o);
        opts_free(&o);
        return rc;
    }
    fprintf(stderr, "l2sim: unknown command '%s'\n", cmd);
    usage_main(stderr);
    return EXIT_INPUT;
}

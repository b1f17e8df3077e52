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

#include "analysis/costs.h"
#include "analysis/compare.h"
#include "analysis/report.h"
#include "models/run/estimate.h"
#include "models/run/run.h"
#include "models/run/study.h"
#include "sim/dbfile.h"
#include "sim/merge.h"
#include "sim/paths.h"
#include "sim/sweep.h"
#ifdef L2SIM_MPI
#include "models/run/study_mpi.h"
#endif
#include "sim/progress.h"
#include "sim/rng.h"
#include "sim/sched.h"
#include "sim/version.h"

enum { EXIT_OK = 0, EXIT_RUN = 1, EXIT_INPUT = 2 };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
    signal(sig, SIG_DFL);     /* a second Ctrl-C kills at once */
}

/* From here on SIGINT and SIGTERM stop the command cleanly: runs, planning and
 * guarded database queries notice `interrupted`. Installed before anything is read,
 * so a signal at any moment ends in exit 1, never in the default death. */
static void catch_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
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
        "  sweep SCENARIO     run every point of the scenario's sweep: section\n"
        "  merge OUT IN...    merge results databases (shards) without duplicating runs\n"
        "  compare BASE CAND  did the numbers move? exit 1 if they did (for CI)\n"
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
        "                 [--replications N] [--jobs N] [--shard I/N] [--max-events N]\n"
        "                 [--max-wall DURATION] [--max-memory SIZE] [--out DIR]\n"
        "                 [--output-dir DIR] [--quiet]\n"
        "\n"
        "Runs SCENARIO (a YAML file) and appends its runs to the database.\n"
        "  --db FILE          results database (default: the scenario's output.db, else\n"
        "                     results.db); created if missing; may be anywhere\n"
        "  --out DIR          also write the report (as `l2sim report`) to DIR after the\n"
        "                     run (default: the scenario's output.report, else none)\n"
        "  --output-dir DIR   where the scenario's own output.db and output.report may\n"
        "                     lie (default: the scenario's directory)\n"
        "  --seed N           master seed (overrides the scenario's `seed`)\n"
        "  --set PATH=VALUE   override one parameter, e.g. --set l1.slot=6s or\n"
        "                     --set schemes[l1].tip=2gwei; validated like the file\n"
        "  --replications N   independent replications (overrides `replications`)\n"
        "  --jobs N           run replications in N worker processes (same database)\n"
        "  --shard I/N        run only replications i with i mod N = I (0 <= I < N)\n"
        "  --max-events N     stop (and mark the run failed) after N events\n"
        "  --max-wall D       stop (and mark the run failed) after D of wall-clock time,\n"
        "                     e.g. 90s or 2h\n"
        "  --max-memory SIZE  stop (and mark the run failed) when the process holds more\n"
        "                     than SIZE resident, e.g. 512MiB or 4GiB\n"
        "  --check-invariants check every invariant after every event, not only at the\n"
        "                     end (debug builds, as `make check` makes, always do)\n"
        "  --quiet            no progress line and no summary\n"
        "Same scenario, overrides and seed => identical database content.\n"
        "Ctrl-C stops cleanly: what was recorded stays, the run is marked interrupted.\n");
}

static void usage_sweep(FILE *f)
{
    fprintf(f,
        "usage: l2sim sweep SCENARIO [--db FILE] [--seed N] [--set PATH=VALUE]...\n"
        "                   [--replications N] [--jobs N] [--shard I/N] [--max-events N]\n"
        "                   [--max-wall DURATION] [--max-memory SIZE] [--out DIR]\n"
        "                   [--output-dir DIR] [--quiet]\n"
        "\n"
        "Runs every point of the scenario's sweep: section (a grid over parameter paths\n"
        "and/or a list of points) times its replications, each run labelled with its\n"
        "point in runs.sweep_point. Every point is validated before anything runs, and\n"
        "point P reproduces alone with `l2sim run SCENARIO --set ...` (its overrides).\n"
        "  --jobs N           N worker processes; the database is the same as serially\n"
        "  --shard I/N        only plan items i with i mod N = I (0 <= I < N); merge the\n"
        "                     shards' databases with `l2sim merge`\n"
        "Other options as for `l2sim run`. Under mpirun (l2sim-mpi), rank 0 hands points\n"
        "to the other ranks and writes the database.\n");
}

static void usage_validate(FILE *f)
{
    fprintf(f,
        "usage: l2sim validate SCENARIO... [--set PATH=VALUE]... [--print] [--estimate]\n"
        "\n"
        "Checks each scenario against the schema and the models' own rules; prints\n"
        "file:line:col: message for every problem. --print shows every value in force.\n"
        "--estimate prints what one run would take: memory, events, database, wall time.\n"
        "A scenario too big for this machine (memory, scheduler, disk of --db) is rejected\n"
        "with the size it would need.\n"
        "Exit 0 if all are valid, 2 otherwise.\n");
}

static void usage_list(FILE *f)
{
    fprintf(f,
        "usage: l2sim list [--markdown]\n"
        "\n"
        "Lists the scheme types (with the tables each declares and the hooks it offers\n"
        "adversaries), the adversary types and every scenario parameter with its type,\n"
        "default, range and description (--markdown: the tables in the README).\n");
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
    bool         db_given;              /* --db: wins over the scenario's output.db */
    const char  *out;                   /* --out: the report's directory, or NULL */
    const char  *output_dir;            /* --output-dir: bounds the scenario's outputs */
    bool         quiet, print, markdown, has_seed;
    bool         estimate;              /* validate --estimate: print what a run costs */
    bool         check_invariants;      /* --check-invariants: after every event */
    uint64_t     seed, replications, max_events, max_memory;
    double       max_wall_s;
    uint64_t     jobs;                  /* --jobs: worker processes (0: serial) */
    uint32_t     shard, nshards;        /* --shard I/N (nshards 0: the whole plan) */
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

/* "I/N" with 0 <= I < N: one slice of a plan. */
static int parse_shard(const char *text, uint32_t *shard, uint32_t *nshards)
{
    unsigned long i, n;
    char *end;
    errno = 0;
    i = strtoul(text, &end, 10);
    if (end != text && *end == '/' && text[0] >= '0' && text[0] <= '9') {
        const char *t = end + 1;
        n = strtoul(t, &end, 10);
        if (end != t && *end == '\0' && t[0] >= '0' && t[0] <= '9' && errno == 0 &&
            n >= 1 && n <= 1000000 && i < n) {
            *shard = (uint32_t)i, *nshards = (uint32_t)n;
            return 0;
        }
    }
    fprintf(stderr, "l2sim: --shard: expected I/N with 0 <= I < N (e.g. 0/4), not '%s'\n",
            text);
    return EXIT_INPUT;
}

/* --max-wall: a duration as in scenarios ("90s", "2h"), more than zero. */
static int parse_wall(const char *text, double *out)
{
    char why[UNIT_WHY_MAX];
    sim_time t = 0;
    if (unit_duration(text, &t, why) != 0) {
        fprintf(stderr, "l2sim: --max-wall: %s\n", why);    /* the syntax error itself */
        return EXIT_INPUT;
    }
    if (t <= 0) {
        fprintf(stderr, "l2sim: --max-wall: must be more than 0s\n");
        return EXIT_INPUT;
    }
    *out = (double)t / SIM_SEC;
    return 0;
}

/* --max-memory: bytes, with an optional binary suffix K/KiB, M/MiB, G/GiB, T/TiB. */
static int parse_size(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    static const struct { const char *suffix; int shift; } units[] = {
        { "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
        { "G", 30 }, { "GiB", 30 }, { "T", 40 }, { "TiB", 40 },
    };
    if (end != text && text[0] != '-' && errno == 0)
        for (size_t i = 0; i < ARRAY_LEN(units); i++)
            if (strcmp(end, units[i].suffix) == 0 && v > 0 && v <= (UINT64_MAX >> units[i].shift)) {
                *out = (uint64_t)v << units[i].shift;
                return 0;
            }
    fprintf(stderr, "l2sim: --max-memory: '%s' is not a size such as 512MiB or 4GiB\n", text);
    return EXIT_INPUT;
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
        if (strcmp(a, "--check-invariants") == 0) {
            o->check_invariants = true;
            continue;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--print") == 0) {
            o->print = true;
        } else if (strcmp(a, "--markdown") == 0) {
            o->markdown = true;
        } else if (strcmp(a, "--estimate") == 0) {
            o->estimate = true;
        } else if (strcmp(a, "--db") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--set") == 0 || strcmp(a, "--replications") == 0 ||
                   strcmp(a, "--max-events") == 0 || strcmp(a, "--jobs") == 0 ||
                   strcmp(a, "--shard") == 0 || strcmp(a, "--max-wall") == 0 ||
                   strcmp(a, "--max-memory") == 0 || strcmp(a, "--out") == 0 ||
                   strcmp(a, "--output-dir") == 0) {
            if (!val) {
                fprintf(stderr, "l2sim: %s needs a value\n", a);
                return EXIT_INPUT;
            }
            i++;
            int rc = 0;
            if (strcmp(a, "--db") == 0)
                o->db = val, o->db_given = true;
            else if (strcmp(a, "--out") == 0)
                o->out = val;
            else if (strcmp(a, "--output-dir") == 0)
                o->output_dir = val;
            else if (strcmp(a, "--set") == 0)
                o->sets[o->nsets++] = val;
            else if (strcmp(a, "--seed") == 0)
                rc = parse_u64(a, val, &o->seed), o->has_seed = true;
            else if (strcmp(a, "--replications") == 0)
                rc = parse_u64(a, val, &o->replications);
            else if (strcmp(a, "--jobs") == 0)
                rc = parse_u64(a, val, &o->jobs);
            else if (strcmp(a, "--shard") == 0)
                rc = parse_shard(val, &o->shard, &o->nshards);
            else if (strcmp(a, "--max-wall") == 0)
                rc = parse_wall(val, &o->max_wall_s);
            else if (strcmp(a, "--max-memory") == 0)
                rc = parse_size(val, &o->max_memory);
            else
                rc = parse_u64(a, val, &o->max_events);
            if (rc)
                return rc;
            if (strcmp(a, "--seed") == 0 && o->seed > INT64_MAX) {
                fprintf(stderr, "l2sim: --seed: at most %lld\n", (long long)INT64_MAX);
                return EXIT_INPUT;
            }
            if (strcmp(a, "--jobs") == 0 && (o->jobs < 1 || o->jobs > 256)) {
                fprintf(stderr, "l2sim: --jobs: between 1 and 256\n");
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

static int scenario_outputs(const struct scn *s, const struct opts *o, char **db,
                            char **report, struct err *e);
static void estimate_sweep(const char *file, const struct opts *o, const struct scn *s);

/* Load and check file as `run` would: its outputs (scenario_outputs), then the
 * models' rules and the up-front size check against the disk of the database it
 * would write. */
static int load(const char *file, const struct opts *o, struct scn **s)
{
    struct err e;
    err_init(&e);
    const struct scn_schema *schema = model_schema();
    int rc = scn_load_file(schema, file, o->sets, o->nsets, s, &e);
    if (rc == 0) {
        char *db, *report;
        rc = scenario_outputs(*s, o, &db, &report, &e);
        run_estimate_set_limits(o->max_memory, db ? db : o->db);
        free(db), free(report);
    }
    if (rc == 0 && run_check(*s, &e) == 0)
        return 0;
    fprintf(stderr, "%s\n", e.msg);
    if (e.count > 1)
        fprintf(stderr, "l2sim: %s: %d problems\n", file, e.count);
    scn_free(*s);
    *s = NULL;
    return e.code == L2_EIO ? EXIT_RUN : EXIT_INPUT;
}

/* Every point of the scenario's sweep, validated as `l2sim sweep` would. */
static int check_sweep(const char *file, const struct opts *o)
{
    struct study_args a = { .file = file, .sets = o->sets, .nsets = o->nsets,
                            .sweep = true };
    struct err e;
    err_init(&e);
    struct study *st;
    int rc = study_plan(&a, &st, &e);
    if (rc == 0) {
        if (o->print && study_is_sweep(st))
            printf("# %s: sweep of %zu points\n", file, study_points(st));
        study_free(st);
        return 0;
    }
    fprintf(stderr, "%s\n", e.msg);
    return rc == L2_EIO ? EXIT_RUN : EXIT_INPUT;
}

/* ---- where a scenario's outputs go ---- */

/* A sweep's points all write to the one database and report of the base scenario,
 * so no point may set output.*: 0 or L2_EINPUT at the offending grid axis or point. */
static int sweep_sets_output(const struct scn *s, struct err *e)
{
    int rc = 0;
    for (size_t i = 0; i < scn_count(s, "sweep.grid"); i++)
        if (strncmp(scn_str(s, "sweep.grid[%zu].path", i), "output.", 7) == 0) {
            char where[64];
            snprintf(where, sizeof where, "sweep.grid[%zu].path", i);
            rc = scn_error_at(s, e, where, "a sweep cannot vary where its results go: "
                              "every point is written to the scenario's one output.db");
        }
    for (size_t i = 0; i < scn_count(s, "sweep.list"); i++) {
        size_t n;
        char **sets = sweep_split(scn_str(s, "sweep.list[%zu].set", i), &n);
        bool bad = false;
        for (size_t j = 0; j < n; j++) {
            bad |= strncmp(sets[j], "output.", 7) == 0;
            free(sets[j]);
        }
        free(sets);
        if (bad) {
            char where[64];
            snprintf(where, sizeof where, "sweep.list[%zu].set", i);
            rc = scn_error_at(s, e, where, "a sweep cannot vary where its results go: "
                              "every point is written to the scenario's one output.db");
        }
    }
    return rc;
}

/* The database and report directory of scenario s: --db and --out as given (trusted),
 * else the scenario's output.db and output.report once paths_scn_output has checked
 * that they lie inside the output directory (*db NULL: the default results.db; *report
 * NULL: no report). Both caller-freed. 0 or L2_EINPUT with messages in e. */
static int scenario_outputs(const struct scn *s, const struct opts *o, char **db,
                            char **report, struct err *e)
{
    *db = NULL, *report = NULL;
    int rc = sweep_sets_output(s, e);
    if (!o->db_given && paths_scn_output(s, "output.db", o->output_dir, PATHS_FILE, "--db",
                                         db, e) != 0)
        rc = L2_EINPUT;
    if (!o->out && paths_scn_output(s, "output.report", o->output_dir, PATHS_DIR, "--out",
                                    report, e) != 0)
        rc = L2_EINPUT;
    if (rc) {
        free(*db), free(*report);
        *db = NULL, *report = NULL;
    }
    return rc;
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

/* What scheme `ops` declares beyond its parameters: the tables and views of its SQL
 * (as SQLite creates them: the declaration is the only list) and its hook points,
 * each with its function type and what calling it does. */
static void print_declared(const struct scheme_ops *ops)
{
    const char *indent = "                       ";
    printf("%stables:", indent);
    if (ops->sql) {
        char **t = store_sql_tables(ops->sql);
        for (size_t k = 0; t[k]; k++)
            printf("%s %s", k ? "," : "", t[k]);
        printf("%s", t[0] ? "" : " none");
        free(t);
        printf(" (schema version %d)", ops->sql->version);
    } else {
        printf(" none");
    }
    printf("\n%shooks:%s\n", indent, ops->nhooks ? "" : " none");
    for (size_t k = 0; k < ops->nhooks; k++)
        printf("%s  %s (%s): %s\n", indent, ops->hooks[k].name, ops->hooks[k].type,
               ops->hooks[k].doc);
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
    printf("schemes (with the tables each declares and the hooks it offers adversaries):\n");
    for (size_t i = 0; model_scheme_at(i); i++) {
        const struct scheme_ops *ops = model_scheme_at(i);
        printf("  %-20s %s\n", ops->type, ops->doc);
        print_declared(ops);
    }
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
        if (rc == 0 && sweep_present(s) && (rc = check_sweep(o->files[i], o)) != 0)
            scn_free(s);
        if (rc) {
            status = rc > status ? rc : status;
            continue;
        }
        if (o->print) {
            char *d = scn_dump(s);
            fputs(d, stdout);
            free(d);
        }
        if (o->estimate) {
            struct run_estimate est;
            run_estimate(s, &est);
            run_estimate_print(stdout, s, &est);
            if (sweep_present(s))
                estimate_sweep(o->files[i], o, s);
        }
        if (!o->quiet)
            printf("%s: ok\n", o->files[i]);
        scn_free(s);
    }
    return status;
}

/* ---- run ---- */

/* A fee per transfer, in ETH; a price per gas, in gwei. */
static void fmt_eth(double eth, char *buf, size_t len)
{
    if (isnan(eth))
        snprintf(buf, len, "-");
    else if (eth > 0 && eth < 1e-4)   /* a rollup's fee: digits, not 0.000000 */
        snprintf(buf, len, "%.3g ETH", eth);
    else
        snprintf(buf, len, "%.6f ETH", eth);
}

static void fmt_gwei(double wei, char *buf, size_t len)
{
    if (isnan(wei))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2f gwei", wei / 1e9);
}

/* A duration in the unit a reader thinks in, as the report shows it: 6.1 s, 12.9 min,
 * 3.2 h, 7.0 d. */
static void fmt_secs(double s, char *buf, size_t len)
{
    if (isnan(s))
        snprintf(buf, len, "-");
    else if (s < 120)
        snprintf(buf, len, "%.1f s", s);
    else if (s < 7200)
        snprintf(buf, len, "%.1f min", s / 60);
    else if (s < 172800)
        snprintf(buf, len, "%.1f h", s / 3600);
    else
        snprintf(buf, len, "%.1f d", s / 86400);
}

/* A time since the start as h:mm (or h:mm:ss when not on a minute). */
static void fmt_clock(double s, char *buf, size_t len)
{
    long long t = (long long)llround(s);
    if (t % 60)
        snprintf(buf, len, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%lld:%02lld", t / 3600, t / 60 % 60);
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

/* The run's attacks (view fraud_outcomes), each in its world (one adversary in a
 * scenario acts in every world it reaches: a row each): what it cost its attacker,
 * what it put at risk and what was lost, the transfers it held up and their extra wait
 * (analysis/metrics.c's rule). */
static void print_attacks(sqlite3 *db, int64_t run_id)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT adversary, world, type, cost_eth, value_at_risk_eth,"
                           " value_lost_eth, txs_affected, delay_per_transfer_s, outcome"
                           " FROM fraud_outcomes WHERE run_id = ?"
                           " ORDER BY adversary, world, attack_id", -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(q, 1, run_id);
    bool header = false;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (!header) {
            printf("\nattacks (held up: transfers waiting during the attack; extra: their mean "
                   "wait beyond the baseline):\n%-20s %-18s %-18s %14s %14s %14s %8s %9s  %s\n",
                   "adversary", "world", "type", "cost", "at risk", "lost", "held up", "extra",
                   "outcome");
            header = true;
        }
        char c[32], r[32], l[32], x[32];
        fmt_eth(sqlite3_column_double(q, 3), c, sizeof c);
        fmt_eth(sqlite3_column_double(q, 4), r, sizeof r);
        fmt_eth(sqlite3_column_double(q, 5), l, sizeof l);
        if (sqlite3_column_type(q, 7) == SQLITE_NULL)
            snprintf(x, sizeof x, "-");
        else
            snprintf(x, sizeof x, "%.1f s", sqlite3_column_double(q, 7));
        char *name = text_escape((const char *)sqlite3_column_text(q, 0), 20);
        char *world = text_escape((const char *)sqlite3_column_text(q, 1), 18);
        printf("%-20s %-18s %-18s %14s %14s %14s %8lld %9s  %s\n", name, world,
               sqlite3_column_text(q, 2), c, r, l, (long long)sqlite3_column_int64(q, 6), x,
               sqlite3_column_text(q, 8));
        free(name);
        free(world);
    }
    sqlite3_finalize(q);
}

/* An amount per transfer and its ratio to the L1 baseline's all-in cost per transfer,
 * in one cell: "1.42e-04 ETH (1/2.5)", "3.57e-04 ETH (= L1)"; "-" for nothing. */
static void fmt_cost(double eth, double ratio, char *buf, size_t len)
{
    if (isnan(eth) || eth <= 0)
        snprintf(buf, len, "-");
    else if (isnan(ratio) || ratio <= 0)
        snprintf(buf, len, "%.3g ETH", eth);
    else if (fabs(ratio - 1) < 0.005)
        snprintf(buf, len, "%.3g ETH (= L1)", eth);
    else if (ratio < 1)
        snprintf(buf, len, "%.3g ETH (1/%.*f)", eth, 1 / ratio < 10 ? 1 : 0, 1 / ratio);
    else
        snprintf(buf, len, "%.3g ETH (%.*fx)", eth, ratio < 10 ? 1 : 0, ratio);
}

/* A ratio to the L1 baseline as "1/2.5", "1/1821" or "3.2x". */
static void fmt_ratio(double r, char *buf, size_t len)
{
    if (isnan(r) || r <= 0)
        snprintf(buf, len, "-");
    else if (r < 1)
        snprintf(buf, len, "1/%.*f", 1 / r < 10 ? 1 : 0, 1 / r);
    else
        snprintf(buf, len, "%.*fx", r < 10 ? 1 : 0, r);
}

/* What a transfer costs in each scheme (analysis/costs.c: the same definition for
 * every scheme): what its users pay (their fees to the scheme and their own L1
 * transactions), what its operator spends, and the all-in cost, per included
 * transfer, each with its ratio to the L1 baseline's all-in cost per transfer; then
 * the all-in cost and the users' fees alone as one line each, L1 : each scheme. */
static void print_costs(sqlite3 *db, sqlite3_stmt *names, sqlite3_stmt *q, int64_t run_id)
{
    char fees_line[1024] = "", all_line[1024] = "", names_l[512] = "", owed[1024] = "";
    bool header = false;
    sqlite3_reset(names);
    sqlite3_bind_int64(names, 1, run_id);
    while (sqlite3_step(names) == SQLITE_ROW) {
        const char *raw = (const char *)sqlite3_column_text(names, 0);
        double all = raw ? metric(q, run_id, raw, "", "all_in_cost_per_transfer_eth") : 0.0 / 0.0;
        if (isnan(all))
            continue;
        if (!header) {
            printf("\nwhat a transfer costs, per included transfer (in brackets: against the"
                   " L1 baseline's all-in cost)\n%-17s %12s %13s %21s %21s %21s\n", "scheme",
                   "users' fees", "users' L1 txs", "users pay", "operator's cost",
                   "all-in cost");
            header = true;
        }
        double n = metric(q, run_id, raw, "", "included");
        char f[32], o[32], u[48], op[48], a[48];
        fmt_cost(metric(q, run_id, raw, "", "users_fees_eth") / n, 0.0 / 0.0, f, sizeof f);
        fmt_cost(metric(q, run_id, raw, "", "users_l1_eth") / n, 0.0 / 0.0, o, sizeof o);
        double ar = metric(q, run_id, raw, "", "all_in_cost_ratio_to_l1");
        fmt_cost(metric(q, run_id, raw, "", "user_cost_per_transfer_eth"),
                 metric(q, run_id, raw, "", "user_cost_ratio_to_l1"), u, sizeof u);
        fmt_cost(metric(q, run_id, raw, "", "operator_cost_per_transfer_eth"),
                 metric(q, run_id, raw, "", "operator_cost_ratio_to_l1"), op, sizeof op);
        fmt_cost(all, ar, a, sizeof a);
        char *shown = text_escape(raw, 40);
        printf("%-17s %12s %13s %21s %21s %21s\n", shown, f, o, u, op, a);
        /* what the run ended owing: the table cannot count it yet */
        char what[128];
        sqlite3_stmt *ty;
        sqlite3_prepare_v2(db, "SELECT type FROM schemes WHERE run_id = ? AND scheme = ?", -1,
                           &ty, NULL);
        sqlite3_bind_int64(ty, 1, run_id);
        sqlite3_bind_text(ty, 2, raw, -1, SQLITE_STATIC);
        long n_owed = sqlite3_step(ty) == SQLITE_ROW
                    ? costs_owed(db, run_id, raw, (const char *)sqlite3_column_text(ty, 0), what,
                                 sizeof what) : 0;
        sqlite3_finalize(ty);
        if (n_owed > 0) {
            size_t k = strlen(owed);
            snprintf(owed + k, sizeof owed - k, "%s%s: %ld %s", k ? "\n  " : "", shown, n_owed, what);
        }
        /* the one-line comparisons: every scheme but the baseline against it */
        if (!isnan(ar) && !(fabs(ar - 1) < 1e-12 && metric(q, run_id, raw, "",
                                                            "users_fees_eth") == 0)) {
            char r1[24], r2[24];
            fmt_ratio(ar, r1, sizeof r1);
            fmt_ratio(metric(q, run_id, raw, "", "users_fees_ratio_to_l1"), r2, sizeof r2);
            size_t k = strlen(all_line), m = strlen(names_l), j = strlen(fees_line);
            snprintf(all_line + k, sizeof all_line - k, " : %s", r1);
            snprintf(fees_line + j, sizeof fees_line - j, " : %s", r2);
            snprintf(names_l + m, sizeof names_l - m, " : %s", shown);
        }
        free(shown);
    }
    if (!header)
        return;
    printf("users pay = their fees to the scheme + their own L1 transactions (deposits,"
           " withdrawals, exits,\n  channel opens and closes: once per user, here shared over"
           " the transfers of this run);\noperator's cost = its L1 transactions (batches,"
           " state roots, proofs, block roots, checkpoints)\n  + modeled off-chain cost (a"
           " prover); all-in = every L1 transaction for the scheme + off-chain costs\n");
    if (owed[0])
        printf("not counted, still owed on the L1 when the run ended (a longer run pays them):"
               "\n  %s\n", owed);
    if (all_line[0]) {
        printf("all-in cost per transfer,  L1%s = 1%s\n", names_l, all_line);
        printf("users' fees alone (no L1), L1%s = 1%s\n", names_l, fees_line);
    }
}

/* The summary tables, read back from the metrics table like every other reader:
 * one row per scheme, then per phase when the scenario has event windows (spikes,
 * drops, attacks: run_phases), in time order. */
static void print_summary(struct store *st, int64_t run_id)
{
    sqlite3 *db = store_db(st);
    sqlite3_stmt *names, *q, *phases;
    sqlite3_prepare_v2(db, "SELECT scheme FROM schemes WHERE run_id=? ORDER BY rowid", -1,
                       &names, NULL);
    sqlite3_prepare_v2(db, "SELECT value FROM metrics WHERE run_id=? AND scheme=? AND name=?",
                       -1, &q, NULL);
    sqlite3_prepare_v2(db, "SELECT phase, min(phase_start_s), min(phase_end_s)"
                       " FROM scheme_summary WHERE run_id=? AND phase <> 'all'"
                       " GROUP BY phase ORDER BY 2, 3", -1, &phases, NULL);
    /* the scenario's ETH price, when it gives one: the mean fee in dollars too */
    double usd = 0;
    sqlite3_stmt *pq;
    sqlite3_prepare_v2(db, "SELECT CAST(value AS REAL) FROM run_config WHERE run_id = ?"
                           " AND path = 'report.eth_usd'", -1, &pq, NULL);
    sqlite3_bind_int64(pq, 1, run_id);
    if (sqlite3_step(pq) == SQLITE_ROW)
        usd = sqlite3_column_double(pq, 0);
    sqlite3_finalize(pq);
    printf("%-16s %9s %9s %8s %8s %14s %14s %14s %9s %9s %9s%s\n", "scheme", "transfers",
           "final", "dropped", "refused", "fee mean", "fee p50", "fee p95", "incl p50", "incl p95",
           "final p50", usd > 0 ? "  mean in USD" : "");
    for (int pass = 0; pass < 2; pass++) {
        bool header = false;
        sqlite3_reset(names);
        sqlite3_bind_int64(names, 1, run_id);
        while (sqlite3_step(names) == SQLITE_ROW) {
            const char *raw = (const char *)sqlite3_column_text(names, 0);
            if (!raw)
                continue;
            char sc[64];                 /* a name from the scenario: escaped */
            char *shown = text_escape(raw, 40);
            snprintf(sc, sizeof sc, "%s", shown);
            free(shown);
            sqlite3_reset(phases);
            sqlite3_bind_int64(phases, 1, run_id);
            for (bool more = pass == 0 || sqlite3_step(phases) == SQLITE_ROW; more;
                 more = pass == 1 && sqlite3_step(phases) == SQLITE_ROW) {
                const char *p = pass == 0 ? "" : (const char *)sqlite3_column_text(phases, 0);
                double n = metric(q, run_id, sc, p, "transfers");
                if (isnan(n))
                    continue;
                char f1[32], f2[32], f3[32], l1s[32], l2s[32], l3s[32];
                /* by phase: the first confirmation a user waits for (a sidechain's
                 * commit, not its L1 checkpoint, which lags a halt by its interval) */
                bool soft = pass == 1 && !isnan(metric(q, run_id, sc, "", "soft_p50_s"));
                fmt_secs(metric(q, run_id, sc, p, soft ? "soft_p50_s" : "inclusion_p50_s"), l1s,
                         sizeof l1s);
                fmt_secs(metric(q, run_id, sc, p, soft ? "soft_p95_s" : "inclusion_p95_s"), l2s,
                         sizeof l2s);
                fmt_secs(metric(q, run_id, sc, p, "finality_p50_s"), l3s, sizeof l3s);
                double dropped = metric(q, run_id, sc, p, "dropped");
                if (pass == 0)
                    fmt_eth(metric(q, run_id, sc, p, "fee_mean_eth"), f1, sizeof f1);
                else
                    fmt_gwei(metric(q, run_id, sc, p, "l1_base_fee_mean_wei"), f1, sizeof f1);
                fmt_eth(metric(q, run_id, sc, p, "fee_p50_eth"), f2, sizeof f2);
                fmt_eth(metric(q, run_id, sc, p, "fee_p95_eth"), f3, sizeof f3);
                if (pass == 0) {
                    char u[48] = "";
                    double mean = metric(q, run_id, sc, p, "fee_mean_eth");
                    if (usd > 0 && !isnan(mean)) {
                        double d = mean * usd;
                        int dig = d >= 1 || d <= 0 ? 2 : 1 - (int)floor(log10(d));
                        snprintf(u, sizeof u, "  $%.*f", dig > 12 ? 12 : dig, d);
                    }
                    printf("%-16s %9.0f %9.0f %8.0f %8.0f %14s %14s %14s %9s %9s %9s%s\n", sc,
                           n, metric(q, run_id, sc, p, "final"), dropped,
                           metric(q, run_id, sc, p, "failed"), f1, f2, f3, l1s, l2s, l3s, u);
                    continue;
                }
                if (!header) {
                    printf("\nby phase (the run cut at every spike, drop and attack window;"
                           " transfers by submission time):\n%-16s %-24s %-13s %9s %8s %8s"
                           " %14s %14s %14s %9s %9s\n", "scheme", "phase", "from-until",
                           "transfers", "dropped", "refused", "L1 base fee", "fee p50",
                           "fee p95", "conf p50", "conf p95");
                    header = true;
                }
                char c1[48], c2[48], span[100];
                fmt_clock(sqlite3_column_double(phases, 1), c1, sizeof c1);
                fmt_clock(sqlite3_column_double(phases, 2), c2, sizeof c2);
                snprintf(span, sizeof span, "%s-%s", c1, c2);
                printf("%-16s %-24s %-13s %9.0f %8.0f %8.0f %14s %14s %14s %9s %9s\n", sc, p,
                       span, n, dropped, metric(q, run_id, sc, p, "failed"), f1, f2, f3, l1s,
                       l2s);
            }
        }
        if (pass == 1 && header)
            printf("conf: the wait for a transfer's first confirmation (a rollup sequencer's "
                   "receipt, a sidechain's commit,\n  a channel payment's completion; the L1's "
                   "inclusion for a scheme without one)\n");
    }
    print_costs(db, names, q, run_id);
    print_attacks(db, run_id);
    sqlite3_finalize(names);
    sqlite3_finalize(q);
    sqlite3_finalize(phases);
}

/* The complete runs this command recorded, for the study's closing table. */
static struct {
    int64_t *ids;
    size_t   n, cap;
} done_runs;

/* After replications or a sweep: one table, each point's and scheme's mean over its
 * replications with the 95% confidence interval (view metric_ci), for the
 * configurations of the runs this command recorded. */
static void print_study_summary(const char *db_path)
{
    if (done_runs.n < 2)
        return;
    sqlite3 *db;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return;
    }
    size_t cap = 1024 + 24 * done_runs.n, o = 0;
    char *sql = xmalloc(cap);
    o += (size_t)snprintf(sql + o, cap - o,
        "SELECT coalesce(m.sweep_point, 'as written'), m.scheme, m.n,"
        " max(CASE m.name WHEN 'fee_mean_eth' THEN m.mean END),"
        " max(CASE m.name WHEN 'fee_mean_eth' THEN m.half_width END),"
        " max(CASE m.name WHEN 'inclusion_p95_s' THEN m.mean END),"
        " max(CASE m.name WHEN 'inclusion_p95_s' THEN m.half_width END),"
        " max(CASE m.name WHEN 'dropped' THEN m.mean END),"
        " max(CASE m.name WHEN 'dropped' THEN m.half_width END)"
        " FROM metric_ci m WHERE m.name IN ('fee_mean_eth', 'inclusion_p95_s', 'dropped')"
        " AND EXISTS (SELECT 1 FROM runs r WHERE r.scenario_sha256 = m.scenario_sha256"
        " AND r.overrides = m.overrides AND r.master_seed = m.master_seed"
        " AND r.crypto_mode = m.crypto_mode AND r.l2sim_version = m.l2sim_version"
        " AND r.git_rev = m.git_rev AND r.run_id IN (");
    for (size_t i = 0; i < done_runs.n; i++)
        o += (size_t)snprintf(sql + o, cap - o, "%s%lld", i ? "," : "", (long long)done_runs.ids[i]);
    snprintf(sql + o, cap - o, ")) GROUP BY m.sweep_index, m.sweep_point, m.scheme, m.n,"
             " m.scenario_sha256, m.overrides, m.master_seed"
             " ORDER BY coalesce(m.sweep_index, 0), m.scheme");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        bool header = false;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!header) {
                printf("\nmean and 95%% confidence interval over the replications, per point "
                       "and scheme:\n%-28s %-16s %4s %28s %24s %16s\n", "point", "scheme",
                       "n", "fee mean (ETH)", "incl p95", "dropped");
                header = true;
            }
            char fee[96], lat[96], drop[64], a[32], b[32];
            double hw = sqlite3_column_double(q, 4);
            int d = hw > 0 ? 1 - (int)floor(log10(hw)) : 6;
            d = d < 0 ? 0 : d > 12 ? 12 : d;
            snprintf(fee, sizeof fee, "%.*f +- %.*f", d, sqlite3_column_double(q, 3),
                     d, hw);
            fmt_secs(sqlite3_column_double(q, 5), a, sizeof a);
            fmt_secs(sqlite3_column_double(q, 6), b, sizeof b);
            snprintf(lat, sizeof lat, "%s +- %s", a, b);
            snprintf(drop, sizeof drop, "%.1f +- %.1f", sqlite3_column_double(q, 7),
                     sqlite3_column_double(q, 8));
            printf("%-28s %-16s %4lld %28s %24s %16s\n", sqlite3_column_text(q, 0),
                   sqlite3_column_text(q, 1), (long long)sqlite3_column_int64(q, 2), fee, lat,
                   drop);
        }
        sqlite3_finalize(q);
    }
    /* the attacks per point: what they cost and what was lost, so a sweep over an
     * attacker's budget shows where an attack starts to pay (or to succeed) */
    o = (size_t)snprintf(sql, cap,
        "SELECT coalesce(r.sweep_point, 'as written'), count(DISTINCT r.run_id),"
        " sum(a.cost_eth) / count(DISTINCT r.run_id),"
        " sum(a.value_lost_eth) / count(DISTINCT r.run_id),"
        " count(DISTINCT CASE WHEN a.value_lost_eth > 0 THEN r.run_id END)"
        " FROM attacks a JOIN runs r ON r.run_id = a.run_id WHERE r.run_id IN (");
    for (size_t i = 0; i < done_runs.n; i++)
        o += (size_t)snprintf(sql + o, cap - o, "%s%lld", i ? "," : "", (long long)done_runs.ids[i]);
    snprintf(sql + o, cap - o, ") GROUP BY r.sweep_index, r.sweep_point"
             " ORDER BY coalesce(r.sweep_index, 0)");
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        bool header = false;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!header) {
                printf("\nattacks per point (every adversary's cost and the value lost, mean"
                       " over the replications):\n%-28s %4s %16s %16s %14s\n", "point", "n",
                       "attack cost", "value lost", "runs with loss");
                header = true;
            }
            char c[32], l[32];
            fmt_eth(sqlite3_column_double(q, 2), c, sizeof c);
            fmt_eth(sqlite3_column_double(q, 3), l, sizeof l);
            printf("%-28s %4lld %16s %16s %14lld\n", sqlite3_column_text(q, 0),
                   (long long)sqlite3_column_int64(q, 1), c, l,
                   (long long)sqlite3_column_int64(q, 4));
        }
        sqlite3_finalize(q);
    }
    free(sql);
    sqlite3_close(db);
}

/* After each run lands in the database: its line and its summary. */
static void on_run(void *ctx, struct store *st, size_t item, const struct study_result *r)
{
    const struct opts *o = ctx;
    (void)item;
    if (r->status == RUN_COMPLETE) {
        if (done_runs.n == done_runs.cap)
            done_runs.cap = done_runs.cap ? 2 * done_runs.cap : 16,
            done_runs.ids = xrealloc(done_runs.ids, done_runs.cap * sizeof *done_runs.ids);
        done_runs.ids[done_runs.n++] = r->run_id;
    }
    if (r->status != RUN_COMPLETE) {
        fprintf(stderr, "l2sim: run %lld %s: %s\n", (long long)r->run_id,
                r->status == RUN_INTERRUPTED ? "interrupted" : "failed", r->detail);
        return;
    }
    if (o->quiet)
        return;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(store_db(st), "SELECT scenario_name, seed, sweep_point FROM runs"
                       " WHERE run_id = ?", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, r->run_id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        /* the name and point come from the scenario: escaped for the terminal */
        const char *point = (const char *)sqlite3_column_text(q, 2);
        char *name = text_escape((const char *)sqlite3_column_text(q, 0), 0);
        char *pt = point ? text_escape(point, 0) : NULL;
        printf("run %lld: %s%s%s%s, seed %llu, %llu events in %.2f s wall -> %s\n",
               (long long)r->run_id, name, pt ? " [" : "", pt ? pt : "", pt ? "]" : "",
               (unsigned long long)sqlite3_column_int64(q, 1),
               (unsigned long long)r->events, r->wall, o->db);
        free(name), free(pt);
    }
    sqlite3_finalize(q);
    print_summary(st, r->run_id);
    fflush(stdout);
}

/* run and sweep: plan (everything validated first), then execute into o->db. *ran:
 * whether this process ran and recorded runs (not under mpirun). */
static int run_plan(const struct opts *o, bool sweep, bool *ran)
{
    *ran = false;
    struct study_args a = {
        .file = o->files[0], .sets = o->sets, .nsets = o->nsets, .has_seed = o->has_seed,
        .seed = o->seed, .replications = o->replications, .sweep = sweep,
        .shard = o->shard, .nshards = o->nshards, .interrupt = &interrupted,
    };
    struct study_hooks h = { .interrupt = &interrupted, .max_events = o->max_events,
                             .max_wall_s = o->max_wall_s, .max_memory = o->max_memory,
                             .check_invariants = o->check_invariants,
                             .tty = isatty(STDERR_FILENO) && !o->quiet && o->jobs <= 1,
                             .on_run = on_run, .ctx = (void *)o };
#ifdef L2SIM_MPI
    /* under mpirun (Open MPI, or any launcher with PMI): rank 0 hands out the points */
    if (sweep && (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK"))) {
        const char *tmp = getenv("TMPDIR");
        h.tty = false;
        return study_mpi_sweep(&a, o->db, tmp && tmp[0] ? tmp : "/tmp", &h);
    }
#endif
    struct err e;
    err_init(&e);
    struct study *st;
    int rc = study_plan(&a, &st, &e);
    if (rc != 0) {
        fprintf(stderr, "%s\n", e.msg);
        if (e.count > 1)
            fprintf(stderr, "l2sim: %s: %d problems\n", o->files[0], e.count);
        return rc == L2_EIO ? EXIT_RUN : EXIT_INPUT;
    }
    if (study_size(st) == 0 && !o->quiet)
        printf("shard %u/%u of %s: no runs\n", o->shard, o->nshards, o->files[0]);
    rc = study_execute(st, o->db, (unsigned)o->jobs, &h, &e);
    *ran = study_size(st) > 0;
    study_free(st);
    if (!o->quiet)
        print_study_summary(o->db);
    if (rc < 0)
        fprintf(stderr, "l2sim: %s\n", e.msg);
    /* a signal always ends in 1, even when it came as the last run completed (every
     * run it cut short is marked interrupted) */
    if (interrupted && rc != L2_EINPUT)
        return EXIT_RUN;
    return rc == 0 ? EXIT_OK : rc == L2_EINPUT ? EXIT_INPUT : EXIT_RUN;
}

/* The report of the latest complete run in db, written to dir as `l2sim report db
 * --out dir` would. An exit status. */
/* Write the report as ro says and tell what was written (each figure too when
 * `items`). Exit status: 0, 2 bad input (no such run, incomplete), 1 otherwise. */
static int report_to(const struct report_opts *ro, bool quiet, bool items)
{
    /* gnuplot is fed through a pipe: if it dies early, writes fail with EPIPE and the
     * report says so instead of this process being killed */
    signal(SIGPIPE, SIG_IGN);
    struct report_result res;
    struct err e;
    err_init(&e);
    int r = report_write(ro, &res, &e);
    if (r == L2_EINPUT) {
        fprintf(stderr, "l2sim: %s\n", e.msg);
        return EXIT_INPUT;
    }
    if (!quiet && res.chosen[0])
        printf("report: showing %s\n", res.chosen);
    if (!quiet && res.html[0]) {
        printf("report: %s\n", res.html);
        for (size_t i = 0; items && i < res.nitems; i++) {
            const struct report_item *it = &res.items[i];
            if (it->state == REPORT_DRAWN)
                printf("  %-10s %s\n", it->name, it->file);
            else if (it->state == REPORT_EMPTY)
                printf("  %-10s not drawn: %s\n", it->name, it->why);
        }
    }
    if (r != 0) {
        fprintf(stderr, "l2sim: %s\n", e.msg);
        return EXIT_RUN;
    }
    return EXIT_OK;
}

/* The report `run` writes after its runs (--out or the scenario's output.report). */
static int write_report(const char *db, const char *dir, bool quiet)
{
    struct report_opts ro = { .db_path = db, .out_dir = dir, .format = PLOT_PNG,
                              .gnuplot = "gnuplot" };
    return report_to(&ro, quiet, false);
}

/* run and sweep: where the results go (--db and --out as given, else the scenario's
 * output.db and output.report, checked to lie inside the output directory before
 * anything is created), the plan, then the report when one is asked for. */
/* validate --estimate of a sweep: every point (loaded with its overrides, so a swept
 * duration or rate counts) times its replications (--replications wins), summed. */
static void estimate_sweep(const char *file, const struct opts *o, const struct scn *s)
{
    struct sweep sw;
    struct err e;
    err_init(&e);
    if (sweep_expand(s, &sw, &e) != 0) {
        sweep_free(&sw);
        return;
    }
    uint64_t runs = 0;
    double db = 0, wall = 0;
    for (size_t p = 0; p < sw.n; p++) {
        const char **sets = xcalloc(o->nsets + sw.points[p].nsets + 1, sizeof *sets);
        for (size_t k = 0; k < o->nsets; k++)
            sets[k] = o->sets[k];
        for (size_t k = 0; k < sw.points[p].nsets; k++)
            sets[o->nsets + k] = sw.points[p].sets[k];
        struct scn *ps;
        err_init(&e);
        if (scn_load_file(model_schema(), file, sets, o->nsets + sw.points[p].nsets, &ps,
                          &e) == 0) {
            struct run_estimate est;
            run_estimate(ps, &est);
            uint64_t reps = o->replications ? o->replications : scn_uint(ps, "replications");
            runs += reps;
            db += est.db_bytes * (double)reps;
            wall += est.wall_s * (double)reps;
            scn_free(ps);
        }
        free(sets);
    }
    run_estimate_print_plan(stdout, sw.n, runs, db, wall);
    sweep_free(&sw);
}

/* `run` on a scenario with a sweep section, or `sweep` on one without: say what the
 * command does with it (on stderr, before anything runs). */
static void say_what_runs(const struct scn *s, const char *file, bool sweep)
{
    if (!sweep && sweep_present(s)) {
        struct sweep sw;
        struct err e;
        err_init(&e);
        size_t n = sweep_expand(s, &sw, &e) == 0 ? sw.n : 0;
        sweep_free(&sw);
        fprintf(stderr, "l2sim: note: %s has a sweep: section (%zu points); run runs the "
                "scenario as written and ignores it (l2sim sweep runs every point)\n", file, n);
    } else if (sweep && !sweep_present(s)) {
        fprintf(stderr, "l2sim: note: %s has no sweep: section; sweep runs the scenario as "
                "written, as run does\n", file);
    }
}

static int run_study(const struct opts *o, bool sweep)
{
    if (o->nfiles != 1) {
        (sweep ? usage_sweep : usage_run)(stderr);
        return EXIT_INPUT;
    }
    catch_signals();
    struct opts oo = *o;
    char *db = NULL, *report = NULL;
    struct err e;
    err_init(&e);
    struct scn *s;
    /* a scenario that does not load is reported by run_plan, as always */
    if (scn_load_file(model_schema(), o->files[0], o->sets, o->nsets, &s, &e) == 0) {
        err_init(&e);
        int rc = scenario_outputs(s, o, &db, &report, &e);
        if (rc == 0 && !o->quiet)
            say_what_runs(s, o->files[0], sweep);
        scn_free(s);
        if (rc != 0) {
            fprintf(stderr, "%s\n", e.msg);
            return EXIT_INPUT;
        }
    }
    if (db)
        oo.db = db;
    run_estimate_set_limits(o->max_memory, oo.db);   /* the disk the size check looks at */
    const char *dir = o->out ? o->out : report;
    bool ran;
    int status = run_plan(&oo, sweep, &ran);
    if (status == EXIT_OK && ran && dir)
        status = write_report(oo.db, dir, o->quiet);
    free(db);
    free(report);
    return status;
}

static int cmd_run(const struct opts *o) { return run_study(o, false); }

static int cmd_sweep(const struct opts *o) { return run_study(o, true); }

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
    int status = report_to(&ro, quiet, true);
    free(runs);
    return status;
}

/* ---- merge ---- */

static void usage_merge(FILE *f)
{
    fprintf(f,
        "usage: l2sim merge OUT.db IN.db... [--quiet]\n"
        "\n"
        "Copies every run of each IN into OUT (created if missing) with all its rows,\n"
        "matching runs by content (scenario, overrides, seeds, replication, build, sweep\n"
        "point), never by run_id: a run OUT already has is not copied again, so merging\n"
        "shards in any order, or twice, gives the same runs. Exit 0 ok; 2 when an IN is\n"
        "not an l2sim database; 1 when writing fails or a run already present has\n"
        "different metrics (a conflict).\n");
}

static int cmd_merge(int argc, char **argv)
{
    bool quiet = false;
    const char **files = xcalloc((size_t)argc + 1, sizeof *files);
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "l2sim: unknown option '%s' (see --help)\n", argv[i]);
            free(files);
            return EXIT_INPUT;
        } else {
            files[n++] = argv[i];
        }
    }
    if (n < 2) {
        usage_merge(stderr);
        free(files);
        return EXIT_INPUT;
    }
    struct err e;
    err_init(&e);
    /* every input is checked (a regular file, an l2sim database with l2sim's tables),
     * read-only, before OUT is created or touched */
    for (size_t i = 1; i < n; i++) {
        sqlite3 *db;
        if (dbfile_open_reader(files[i], &db, NULL, &e) == 0)
            dbfile_check(db, "main", files[i], DBFILE_SOURCE, L2_EINPUT, &e);
        dbfile_close(db);
    }
    struct store *out = NULL;
    if (e.count == 0 && store_open(files[0], &out, &e) != 0) {
        fprintf(stderr, "l2sim: %s\n", e.msg);
        free(files);
        return EXIT_RUN;
    }
    int status = e.count ? EXIT_INPUT : EXIT_OK;
    /* the tables of every scheme this l2sim knows, from its own SQL, before any copy */
    if (status == EXIT_OK && model_scheme_sql_refresh(out, true, &e) != 0)
        status = EXIT_RUN;
    for (size_t i = 1; i < n && status == EXIT_OK; i++) {
        struct merge_src *src;
        int rc = merge_open(out, files[i], &src, &e);
        if (rc == 0) {
            struct merge_stats ms;
            rc = merge_all(src, &ms, &e);
            merge_close(src);
            if (rc == 0 && !quiet)
                printf("%s: %zu runs copied (%zu not complete), %zu already in %s\n",
                       files[i], ms.copied, ms.incomplete, ms.present, files[0]);
            if (rc == 0 && ms.conflicts) {
                fprintf(stderr, "l2sim: %s: %zu runs are already in %s with different "
                        "metrics (kept %s's)\n", files[i], ms.conflicts, files[0], files[0]);
                status = EXIT_RUN;
            }
        }
        if (rc != 0)
            status = rc == L2_EINPUT ? EXIT_INPUT : EXIT_RUN;
    }
    if (status != EXIT_OK && e.count)
        fprintf(stderr, "l2sim: %s\n", e.msg);
    store_close(out);
    free(files);
    return status;
}

/* ---- compare ---- */

static void usage_compare(FILE *f)
{
    fprintf(f,
        "usage: l2sim compare BASE.db CAND.db [--exact] [--alpha A] [--rel-tol F]\n"
        "                     [--test welch|mwu] [--batches N] [--no-correction] [--all]\n"
        "                     [--allow-incomplete] [--json]\n"
        "\n"
        "Did the candidate's numbers move? Runs are matched by scenario name and sweep\n"
        "point, schemes by name. Per metric: a two-sample test across replications (both\n"
        "sides >= 2), else across N time windows of each run (batch means, default 20).\n"
        "A metric changed when the test is significant (Holm-corrected over all tests,\n"
        "family-wise level A, default 0.01) and it moved by more than F (default 2%%).\n"
        "  --exact          every row must be identical (seeds must match): the check\n"
        "                   for refactors; only run_id and wall-clock/build columns differ\n"
        "  --test mwu       Mann-Whitney U instead of Welch's t\n"
        "  --no-correction  each test at level A on its own\n"
        "  --all            list every metric, not only those beyond the tolerance\n"
        "  --allow-incomplete  leave out runs that failed, were interrupted or are still\n"
        "                   running (and have no complete rerun) instead of refusing\n"
        "  --json           the report as JSON\n"
        "Exit 0 nothing changed, 1 something changed, 2 bad input (not l2sim databases,\n"
        "different scenarios or schemes, runs that did not complete).\n");
}

static int cmd_compare(int argc, char **argv)
{
    struct cmp_opts co = { .alpha = 0.01, .rel_tol = 0.02, .test = CMP_WELCH,
                           .batches = 20 };
    const char *files[2];
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        char why[UNIT_WHY_MAX];
        if (strcmp(a, "--exact") == 0) {
            co.exact = true;
        } else if (strcmp(a, "--json") == 0) {
            co.json = true;
        } else if (strcmp(a, "--all") == 0) {
            co.all = true;
        } else if (strcmp(a, "--no-correction") == 0) {
            co.no_correction = true;
        } else if (strcmp(a, "--allow-incomplete") == 0) {
            co.allow_incomplete = true;
        } else if (strcmp(a, "--alpha") == 0 || strcmp(a, "--rel-tol") == 0 ||
                   strcmp(a, "--test") == 0 || strcmp(a, "--batches") == 0) {
            if (!val) {
                fprintf(stderr, "l2sim: %s needs a value\n", a);
                return EXIT_INPUT;
            }
            i++;
            uint64_t u;
            if (strcmp(a, "--test") == 0) {
                if (strcmp(val, "welch") != 0 && strcmp(val, "mwu") != 0) {
                    fprintf(stderr, "l2sim: --test: welch or mwu, not '%s'\n", val);
                    return EXIT_INPUT;
                }
                co.test = strcmp(val, "mwu") == 0 ? CMP_MWU : CMP_WELCH;
            } else if (strcmp(a, "--batches") == 0) {
                if (parse_u64(a, val, &u) != 0)
                    return EXIT_INPUT;
                if (u < 2 || u > 1000) {
                    fprintf(stderr, "l2sim: --batches: between 2 and 1000\n");
                    return EXIT_INPUT;
                }
                co.batches = (unsigned)u;
            } else {
                double *dst = strcmp(a, "--alpha") == 0 ? &co.alpha : &co.rel_tol;
                if (unit_fraction(val, dst, why) != 0) {
                    fprintf(stderr, "l2sim: %s: %s\n", a, why);
                    return EXIT_INPUT;
                }
                if (dst == &co.alpha && (co.alpha <= 0 || co.alpha >= 1)) {
                    fprintf(stderr, "l2sim: --alpha: between 0 and 1 (exclusive)\n");
                    return EXIT_INPUT;
                }
                if (dst == &co.rel_tol && co.rel_tol < 0) {
                    fprintf(stderr, "l2sim: --rel-tol: not negative\n");
                    return EXIT_INPUT;
                }
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "l2sim: unknown option '%s' (see --help)\n", a);
            return EXIT_INPUT;
        } else if (n == 2) {
            fprintf(stderr, "l2sim: compare takes two databases, not '%s' too\n", a);
            return EXIT_INPUT;
        } else {
            files[n++] = a;
        }
    }
    if (n != 2) {
        usage_compare(stderr);
        return EXIT_INPUT;
    }
    struct err e;
    err_init(&e);
    int rc = cmp_run(files[0], files[1], &co, stdout, &e);
    fflush(stdout);
    if (rc < 0) {
        fprintf(stderr, "l2sim: %s\n", e.msg);
        return EXIT_INPUT;
    }
    return rc;
}

/* GNU style `--seed=5`, `--db=x.db`: each option that takes a value is split into two
 * arguments, as if given `--seed 5`, so every command's parser sees one form. The new
 * vector lives until exit. O(argc). */
static char **split_inline_values(int *argc, char **argv)
{
    static const char *const valued[] = {
        "--db", "--seed", "--set", "--replications", "--max-events", "--jobs", "--shard",
        "--max-wall", "--max-memory", "--out", "--output-dir", "--run", "--format",
        "--alpha", "--rel-tol", "--test", "--batches",
    };
    static char **v;              /* reachable until exit: not a leak to the sanitizers */
    v = xcalloc(2 * (size_t)*argc + 1, sizeof *v);
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *eq = strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
        bool split = false;
        for (size_t k = 0; eq && k < ARRAY_LEN(valued) && !split; k++)
            split = strlen(valued[k]) == (size_t)(eq - argv[i]) &&
                    strncmp(argv[i], valued[k], (size_t)(eq - argv[i])) == 0;
        if (split) {
            v[n++] = xstrndup(argv[i], (size_t)(eq - argv[i]));
            v[n++] = (char *)eq + 1;
        } else {
            v[n++] = argv[i];
        }
    }
    *argc = n;
    return v;
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
    argv = split_inline_values(&argc, argv);
    const char *cmd = argv[1];
    dbfile_stop = &interrupted;    /* a guarded database query stops on a signal */
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage_main(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("l2sim %s (%s)%s\n", L2SIM_VERSION, L2SIM_GIT_REV,
               sim_debug_build() ? " debug build: invariants checked after every event" : "");
        return EXIT_OK;
    }
    if (strcmp(cmd, "report") == 0) {      /* options of its own: --run is repeatable */
        if (wants_help(argc - 2, argv + 2)) {
            usage_report(stdout);
            return EXIT_OK;
        }
        return cmd_report(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "merge") == 0 || strcmp(cmd, "compare") == 0) {   /* own options */
        bool merge = strcmp(cmd, "merge") == 0;
        if (wants_help(argc - 2, argv + 2)) {
            (merge ? usage_merge : usage_compare)(stdout);
            return EXIT_OK;
        }
        return merge ? cmd_merge(argc - 2, argv + 2) : cmd_compare(argc - 2, argv + 2);
    }
    static const struct {
        const char *name;
        int (*fn)(const struct opts *);
        void (*usage)(FILE *);
    } cmds[] = {
        { "run", cmd_run, usage_run },
        { "sweep", cmd_sweep, usage_sweep },
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

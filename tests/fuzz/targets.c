/* targets.c — the fuzz entry points (see targets.h). Everything a target finds wrong
 * beyond a crash (a round trip that does not return the value it started from, a
 * failure without a message) is reported on stderr and abort()s, which libFuzzer
 * records as a crash and the replay test as a failed test. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1           /* memfd_create */
#endif
#include "tests/fuzz/targets.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/report.h"
#include "models/channel/graph.h"
#include "models/run/estimate.h"
#include "models/l1/trace.h"
#include "models/model.h"
#include "sim/merge.h"
#include "sim/scenario.h"
#include "sim/units.h"

enum { FUZZ_MAX_SETS = 8 };

static void broken(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A property failed: say which, then abort (a crash for libFuzzer and for cmocka). */
static void broken(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* A rejected input must carry a message (it is all the user gets). */
static void check_rejection(const char *target, int rc, const struct err *e)
{
    if (rc == 0)
        return;
    if (rc != L2_EINPUT)
        broken("%s: bad input returned %d, not L2_EINPUT", target, rc);
    if (e->count == 0 || e->msg[0] == '\0')
        broken("%s: input rejected without a message", target);
}

/* ---- the scenario loader ---- */

int fuzz_scenario(const uint8_t *data, size_t size)
{
    struct err e;
    err_init(&e);
    struct scn *s = NULL;
    int rc = scn_load_text(model_schema(), "fuzz.yaml", (const char *)data, size, NULL, 0,
                           &s, &e);
    check_rejection("scenario", rc, &e);
    if (rc == 0) {
        char *dump = scn_dump(s);   /* every value in force formats */
        free(dump);
        /* the up-front size check is arithmetic on any value the schema admits: it
         * must neither overflow nor reject without a message (fixed limits: the
         * machine's would make the target depend on where it runs) */
        struct run_estimate est;
        run_estimate(s, &est);
        struct run_limits lim = { .phys_memory = 24.0 * (1 << 30), .disk_free = 1e12,
                                  .db_dir = "." };
        struct err e2;
        err_init(&e2);
        check_rejection("scenario estimate", run_estimate_check(s, &est, &lim, &e2), &e2);
    } else if (s) {
        broken("scenario: rejected, yet *out was set");
    }
    scn_free(s);
    return 0;
}

/* ---- --set ---- */

/* When the input has no scenario part: a small valid scenario with a list item by
 * name, so the fuzzer can spend its time on the overrides. */
static const char set_base[] =
    "name: fuzz\n"
    "duration: 1h\n"
    "l1: {fork: prague, demand: {spikes: [{at: 10m, for: 5m, multiplier: 3}]}}\n"
    "schemes:\n"
    "  - {type: l1, name: cheap, tip: 1gwei}\n"
    "  - {type: l1, name: urgent, tip: 3gwei}\n";

int fuzz_set(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *nul = memchr(p, '\0', size);
    const char *text = p;
    size_t len = nul ? (size_t)(nul - p) : size;
    if (len == 0)
        text = set_base, len = sizeof set_base - 1;
    char *sets[FUZZ_MAX_SETS];
    size_t nset = 0;
    for (const char *c = nul ? nul + 1 : end; c < end && nset < FUZZ_MAX_SETS;) {
        const char *z = memchr(c, '\0', (size_t)(end - c));
        const char *ze = z ? z : end;
        sets[nset++] = xstrndup(c, (size_t)(ze - c));
        c = z ? z + 1 : end;
    }
    struct err e;
    err_init(&e);
    struct scn *s = NULL;
    int rc = scn_load_text(model_schema(), "fuzz.yaml", text, len,
                           (const char *const *)sets, nset, &s, &e);
    check_rejection("set", rc, &e);
    if (rc == 0) {
        free(scn_dump(s));
        (void)scn_overrides(s);
    }
    scn_free(s);
    for (size_t i = 0; i < nset; i++)
        free(sets[i]);
    return 0;
}

/* ---- units ---- */

/* A parser's rejection leaves a message; the value is unused. */
static void check_why(const char *fn, const char *text, int rc, const char *why)
{
    if (rc != 0 && rc != L2_EINPUT)
        broken("%s(\"%s\") returned %d", fn, text, rc);
    if (rc != 0 && why[0] == '\0')
        broken("%s(\"%s\") rejected without a reason", fn, text);
    if (memchr(why, '\0', UNIT_WHY_MAX) == NULL)
        broken("%s(\"%s\"): reason not NUL-terminated", fn, text);
}

/* A duration formats into 24 bytes and parses back to itself (a negative one as
 * '-' and the text of its magnitude). */
static void duration_round_trip(sim_time t)
{
    char buf[24], why[UNIT_WHY_MAX] = "";
    unit_format_duration(t, buf, sizeof buf);
    const char *digits = buf;
    uint64_t mag = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    if (t < 0) {
        if (buf[0] != '-')
            broken("unit_format_duration(%" PRId64 ") = \"%s\": no sign", t, buf);
        digits++;
    }
    sim_time back = -1;
    int rc = unit_duration(digits, &back, why);
    if (t == INT64_MIN) {       /* its magnitude is not an int64: rejected, not wrapped */
        if (rc == 0)
            broken("unit_duration(\"%s\") accepted 2^63 us as %" PRId64, digits, back);
        return;
    }
    if (rc != 0)
        broken("unit_format_duration(%" PRId64 ") = \"%s\" does not parse: %s", t, buf, why);
    if ((uint64_t)back != mag)
        broken("unit_format_duration(%" PRId64 ") = \"%s\" parses as %" PRId64, t, buf, back);
}

/* An amount formats into 48 bytes and parses back to itself. */
static void amount_round_trip(u128 wei)
{
    char buf[48], why[UNIT_WHY_MAX] = "", a[41], b[41];
    unit_format_amount(wei, buf, sizeof buf);
    if (strlen(buf) >= sizeof buf - 1)
        broken("unit_format_amount(%s) = \"%s\": truncated", u128_str(wei, a), buf);
    u128 back = 0;
    if (unit_amount(buf, &back, why) != 0)
        broken("unit_format_amount(%s) = \"%s\" does not parse: %s", u128_str(wei, a), buf,
               why);
    if (back != wei)
        broken("unit_format_amount(%s) = \"%s\" parses as %s", u128_str(wei, a), buf,
               u128_str(back, b));
}

int fuzz_units(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size);   /* up to the first NUL */
    char why[UNIT_WHY_MAX];
#define PARSE(fn, var)                                          \
    do {                                                        \
        why[0] = '\0';                                          \
        int rc_ = fn(text, &(var), why);                        \
        check_why(#fn, text, rc_, why);                         \
        ok_##var = rc_ == 0;                                    \
    } while (0)
    sim_time dur = 0;
    u128 amount = 0;
    int64_t gas = 0, i64 = 0;
    uint64_t u64 = 0;
    double frac = 0, real = 0;
    struct unit_rate rate = { 0 };
    bool flag = false;
    bool ok_dur, ok_amount, ok_gas, ok_i64, ok_u64, ok_frac, ok_real, ok_rate, ok_flag;
    PARSE(unit_duration, dur);
    PARSE(unit_amount, amount);
    PARSE(unit_gas, gas);
    PARSE(unit_int, i64);
    PARSE(unit_uint, u64);
    PARSE(unit_fraction, frac);
    PARSE(unit_real, real);
    PARSE(unit_rate, rate);
    PARSE(unit_bool, flag);
#undef PARSE
    (void)ok_i64, (void)ok_u64, (void)ok_flag;
    if (ok_dur && dur < 0)
        broken("unit_duration(\"%s\") = %" PRId64 ": negative", text, dur);
    if (ok_gas && gas < 0)
        broken("unit_gas(\"%s\") = %" PRId64 ": negative", text, gas);
    if (ok_frac && frac != frac)
        broken("unit_fraction(\"%s\") is NaN", text);
    if (ok_real && (real != real || real - real != 0))
        broken("unit_real(\"%s\") is not finite", text);
    if (ok_rate && (rate.count < 0 || rate.count != rate.count ||
                    (!rate.per_block && rate.per <= 0)))
        broken("unit_rate(\"%s\") = %g per %" PRId64 "%s", text, rate.count, rate.per,
               rate.per_block ? " (block)" : "us");
    if (ok_dur)
        duration_round_trip(dur);
    if (ok_amount)
        amount_round_trip(amount);
    free(text);

    /* From the formatter's side: any int64 and any u128. */
    if (size >= 8) {
        uint64_t raw;
        memcpy(&raw, data, 8);
        duration_round_trip((sim_time)raw);
    }
    if (size >= 16) {
        uint64_t hi, lo;
        memcpy(&lo, data, 8);
        memcpy(&hi, data + 8, 8);
        amount_round_trip((u128)hi << 64 | lo);
    }
    return 0;
}

/* ---- the trace CSV loader ---- */

/* The file the trace target writes each input to: an anonymous memory file on Linux
 * (opened by its /proc path, as any path a scenario names), else a temporary file.
 * Made once per process; never removed while the process lives (the tmp fallback
 * is unlinked at exit). */
static char trace_path[64];
static int  trace_fd = -1;

static void trace_file_remove(void)
{
    if (strncmp(trace_path, "/proc/", 6) != 0)
        unlink(trace_path);
}

static int trace_file(void)
{
    if (trace_fd >= 0)
        return trace_fd;
#ifdef __linux__
    trace_fd = memfd_create("fuzz-trace.csv", 0);
    if (trace_fd >= 0) {
        snprintf(trace_path, sizeof trace_path, "/proc/self/fd/%d", trace_fd);
        return trace_fd;
    }
#endif
    const char *dir = getenv("TMPDIR");
    snprintf(trace_path, sizeof trace_path, "%s/l2sim-fuzz-XXXXXX.csv",
             dir && strlen(dir) < 32 ? dir : "/tmp");
    trace_fd = mkstemps(trace_path, 4);
    if (trace_fd < 0) {
        perror("fuzz: cannot make a temporary trace file");
        abort();
    }
    atexit(trace_file_remove);
    return trace_fd;
}

int fuzz_trace(const uint8_t *data, size_t size)
{
    int fd = trace_file();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
        perror("fuzz: cannot write the trace file");
        abort();
    }
    struct err e;
    err_init(&e);
    struct l1_trace *t = NULL;
    int rc = l1_trace_load(trace_path, &t, &e);
    check_rejection("trace", rc, &e);
    if (rc == 0) {
        if (!t || t->n == 0)
            broken("trace: loaded with no blocks");
        for (size_t i = 0; i < t->n; i++) {
            const struct l1_trace_block *b = &t->blocks[i];
            if (b->gas_limit == 0 || b->gas_used > b->gas_limit ||
                b->gas_limit > (uint64_t)INT64_MAX || b->blob_gas_used % 131072 != 0)
                broken("trace: block %zu (line %zu) breaks the loader's own rules", i,
                       l1_trace_line(t, i));
        }
        /* the scenario-dependent checks: prague's 9 blobs, elasticity 2, one day */
        err_init(&e);
        rc = l1_trace_check(t, 7200, 9 * 131072, 2, &e);
        check_rejection("trace check", rc, &e);
        err_init(&e);
        rc = l1_trace_check(t, 1, 0, 1000, &e);
        check_rejection("trace check", rc, &e);
    } else if (t) {
        broken("trace: rejected, yet *out was set");
    }
    l1_trace_free(t);
    return 0;
}

/* ---- results databases as merge, compare and report read them ---- */

/* The bytes of the file at path (at most max), for the "readers never write" check. */
static uint8_t *file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *len = 0;
    if (!f || read_bounded(f, 1 << 24, &buf, len) != 0) {
        perror("fuzz: cannot read the database back");
        abort();
    }
    fclose(f);
    return (uint8_t *)buf;
}

/* A reader's verdict: 0, or a refusal with a message (L2_EINPUT or L2_EIO). */
static void check_reader(const char *what, int rc, const struct err *e)
{
    if (rc == 0)
        return;
    if (rc != L2_EINPUT && rc != L2_EIO && rc != 1)
        broken("%s: returned %d", what, rc);
    if (rc < 0 && (e->count == 0 || e->msg[0] == '\0'))
        broken("%s: refused without a message", what);
}

int fuzz_db(const uint8_t *data, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    char *path = xasprintf("%s/l2sim-fuzz-db-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    char *out = xasprintf("%s/l2sim-fuzz-out-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0 || !mkdtemp(out)) {
        perror("fuzz: cannot write the database file");
        abort();
    }
    /* report (every figure's applies() and the HTML; no gnuplot: no pictures) */
    struct err e;
    err_init(&e);
    struct report_opts ro = { .db_path = path, .out_dir = out, .format = PLOT_SVG,
                              .gnuplot = "/nonexistent/gnuplot" };
    struct report_result res;
    check_reader("report", report_write(&ro, &res, &e), &e);
    /* compare, statistical and exact, the file against itself */
    FILE *null = fopen("/dev/null", "w");
    for (int exact = 0; exact < 2; exact++) {
        struct cmp_opts co = { .alpha = 0.01, .rel_tol = 0.02, .test = CMP_WELCH,
                               .batches = 4, .exact = exact };
        err_init(&e);
        check_reader("compare", cmp_run(path, path, &co, null, &e), &e);
    }
    fclose(null);
    /* readers never write: the file is byte for byte what was given, nothing beside it */
    size_t n;
    uint8_t *after = file_bytes(path, &n);
    if (n != size || (size && memcmp(after, data, size) != 0))
        broken("db: a reader changed the file");
    free(after);
    char *side = xasprintf("%s-wal", path);
    if (access(side, F_OK) == 0)
        broken("db: a reader left %s", side);
    free(side);
    /* merge into a fresh output: refused with a message, or copied whole */
    char *odb = xasprintf("%s/out.db", out);
    struct store *st = NULL;
    err_init(&e);
    if (store_open(odb, &st, &e) != 0)
        broken("db: cannot open the merge output: %s", e.msg);
    struct merge_src *m = NULL;
    int rc = merge_open(st, path, &m, &e);
    check_reader("merge_open", rc, &e);
    if (rc == 0) {
        struct merge_stats ms;
        err_init(&e);
        check_reader("merge_all", merge_all(m, &ms, &e), &e);
        merge_close(m);
    }
    store_close(st);
    store_remove(odb);
    free(odb);
    store_remove(path);
    static const char *const left[] = { "report.html", "report.html.tmp" };
    for (size_t i = 0; i < ARRAY_LEN(left); i++) {
        char *f = xasprintf("%s/%s", out, left[i]);
        remove(f);
        free(f);
    }
    rmdir(out);
    free(path);
    free(out);
    return 0;
}

/* ---- the channel graph loader ---- */

int fuzz_channel_graph(const uint8_t *data, size_t size)
{
    const char *part[3] = { "", "", "" };
    size_t len[3] = { 0, 0, 0 };
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 3 && p <= end; i++) {
        const char *nul = i < 2 ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        part[i] = p;
        len[i] = (size_t)((nul ? nul : end) - p);
        if (!nul)
            break;
        p = nul + 1;
    }
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    int rc = graph_parse("nodes.csv", part[0], len[0], "channels.csv", part[1], len[1],
                         "edges.csv", part[2], len[2], &g, &e);
    check_rejection("channel_graph", rc, &e);
    if (rc == 0) {
        if (!g)
            broken("channel_graph: loaded, yet no graph");
        for (size_t k = 0; k < g->nchannels; k++) {
            const struct graph_channel *c = &g->channels[k];
            if (c->edge[0] >= g->nedges || c->edge[1] >= g->nedges ||
                g->edges[c->edge[0]].balance_msat + g->edges[c->edge[1]].balance_msat !=
                    c->capacity_msat ||
                g->edges[c->edge[0]].from != c->node[0] || c->node[0] == c->node[1])
                broken("channel_graph: channel %zu breaks the loader's own rules", k);
        }
        if (g->nnodes && (g->out_end[g->nnodes - 1] != g->nedges ||
                           g->in_end[g->nnodes - 1] != g->nedges))
            broken("channel_graph: adjacency does not hold every edge");
    } else if (g) {
        broken("channel_graph: rejected, yet *out was set");
    }
    graph_free(g);
    return 0;
}

/* l2sim's own one-file format (graph_parse_l2sim): the same rules, and the nodes are
 * exactly the names the channels use */
int fuzz_channel_list(const uint8_t *data, size_t size)
{
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    int rc = graph_parse_l2sim("graph.csv", (const char *)data, size, &g, &e);
    check_rejection("channel_list", rc, &e);
    if (rc == 0) {
        if (!g || g->nchannels == 0 || g->nedges != 2 * g->nchannels)
            broken("channel_list: loaded, yet no channel or not two edges each");
        for (size_t k = 0; k < g->nchannels; k++) {
            const struct graph_channel *c = &g->channels[k];
            if (c->edge[0] != 2 * k || c->edge[1] != 2 * k + 1 ||
                g->edges[c->edge[0]].balance_msat + g->edges[c->edge[1]].balance_msat !=
                    c->capacity_msat ||
                c->node[0] >= g->nnodes || c->node[1] >= g->nnodes || c->node[0] == c->node[1])
                broken("channel_list: channel %zu breaks the loader's own rules", k);
        }
        if (g->out_end[g->nnodes - 1] != g->nedges || g->in_end[g->nnodes - 1] != g->nedges)
            broken("channel_list: adjacency does not hold every edge");
    } else if (g) {
        broken("channel_list: rejected, yet *out was set");
    }
    graph_free(g);
    return 0;
}

const struct fuzz_target fuzz_targets[] = {
    { "db",       fuzz_db },
    { "scenario", fuzz_scenario },
    { "set",      fuzz_set },
    { "units",    fuzz_units },
    { "trace",    fuzz_trace },
    { "channel_graph", fuzz_channel_graph },
    { "channel_list", fuzz_channel_list },
};
const size_t fuzz_ntargets = ARRAY_LEN(fuzz_targets);

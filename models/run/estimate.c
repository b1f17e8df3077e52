/* estimate.c — the cost of one run, from the scenario alone (see estimate.h), and the
 * up-front rejection of scenarios that cannot fit: more memory than the machine has,
 * more events than the scheduler numbers, times beyond int64 microseconds, a database
 * larger than the free space of its filesystem.
 *
 * The constants below were measured on the reference machine (x86-64, glibc 2.x,
 * SQLite 3, 2 cores) with `./l2sim run` on a scenario with nothing but the part being
 * measured (no background demand and no transfers, except where named), reading peak
 * RSS from /usr/bin/time -f %M, events and wall seconds from the runs row, and table
 * sizes from SQLite's dbstat (sum(pgsize) per table / rows). */
#include "models/run/estimate.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "models/l1/fee_market.h"
#include "models/l1/l1.h"
#include "models/workload/arrivals.h"
#include "models/model.h"
#include "models/run/layout.h"

/* ---- measured constants ---- */

/* RSS of a run with 100000 users, no demand and no transfers, 1h: 6180 KiB. Code,
 * libraries, SQLite's page cache and the schema. */
#define MEM_BASE            (6.0 * 1048576)
/* The user table: one pointer per user, calloc'ed whole when the workload is built
 * (models/workload/workload.c), so the allocation itself needs users x 8 bytes of
 * address space; the kernel refuses one larger than memory + swap. */
#define MEM_PER_USER_SLOT   8.0
/* A user who sends: struct user, its gsl_rng and xoshiro state, and the table page
 * it touches. Measured: 8.64M transfers (50/s for 2d) over 1e5 users, RSS 517596
 * KiB, vs over 1e6 users (every one sends), RSS 632420 KiB: 117.6 MB more for 9e5
 * more senders = 131 B (the structures alone: 8 + 32 + 32 + 48 = 120 B). */
#define MEM_PER_SENDER      128.0
/* And, for each user who sends or receives, its profile (48 B) and its L1 account in
 * each scheme of the world (48 B each), allocated in chunks of USERS_CHUNK users
 * (models/workload/users.c, mirrored here): a chunk is whole once one of its users is
 * touched, so with many users and few transfers each touched user costs a whole
 * chunk (196 KiB of profiles, and as much per scheme of accounts). The structures'
 * sizes (two u128 and flags, 16-byte aligned). Measured: default.yaml's l1 world alone
 * with 1e7 users for 10 min (~2,400 users touched, ~1,500 of the 2,442 chunks): massif
 * 299 MB of profile chunks and 299 MB of account chunks, RSS 429 MiB, against an
 * estimate of 86 MiB when users were counted one by one (default.yaml at 1e8 users:
 * 1.28 GiB estimated, 7.6 GB RSS). */
#define MEM_PER_PROFILE     48.0
#define MEM_PER_ACCOUNT     48.0
#define USERS_CHUNK         4096.0
/* What a scheme transaction awaiting finality costs, and the wall time of a scheme's
 * work, are the scheme's own (scheme_ops.estimate; the L1 baseline's measurements are
 * in models/l1/scheme_l1_decl.c). */
/* A transaction in the mempool (mp_tx, its sender record, heap and map entries).
 * Measured: background demand 2000/block with 30d patience for 3h, so the pool
 * fills, l1.mempool.max_txs 6144 vs 1000000: RSS 9376 vs 429192 KiB, 432 B each. */
#define MEM_PER_POOLED      432.0
/* metrics_compute reads every txs row of a scheme into memory (40 B, sized from a
 * count), hands the phase splitter (time, value) samples (16 B) and sorts a copy of a
 * window's values (8 B). Measured: default.yaml at 50/s, no background demand, 1000
 * users, for 6h vs 1d (1.08M vs 4.32M transfers): RSS 111540 vs 340952 KiB, 72.5 B
 * per transfer. Since the costs are read beside them, in a thread on a second
 * connection (costs_metrics, session 6), their samples are resident at the same time:
 * three money columns of the same transfers, 6.3 MB for default.yaml's l1 world (86400
 * transfers, the arrays doubling as they grow: massif), 73 B more per transfer. */
#define MEM_PER_METRIC_ROW  145.0
/* ... and every l1_blocks row of the world: 100d of empty slots (720000) with no
 * transfers: RSS 31092 KiB over the 6180 KiB base, 35 B per slot. */
#define MEM_PER_METRIC_SLOT 35.0
/* The results database's memory, for the whole run (one connection): SQLite's page
 * cache keeps the pages the run writes, up to its cache_size (sim/store.c: 32 MiB),
 * and the store's batched rows keep their buffers (sim/store.c's ROWS_BUFS x
 * STORE_ROWS_GROUP rows of txs, l1_txs, l1_blocks; 6.6 MiB, allocated at the first
 * row). Measured with massif on default.yaml's channels world alone (12 h, a 23 MiB
 * database): SQLite 25.7 MB, row buffers 6.9 MB; the l1 world alone (a 20 MiB
 * database): SQLite 25.8 MB, of which an 8 MiB sorter of metrics_attacks. Not counted
 * before: default.yaml's estimate was 77.5 MiB against 163 MiB of peak RSS. */
#define MEM_STORE_CACHE_MAX (32.0 * 1048576)
/* ... + the metrics' second, read-only connection (its page cache, SQLite's default
 * 2 MiB: 2.0 MB at the peak by massif) */
#define MEM_STORE_ROWS      ((6.6 + 2.0) * 1048576)

/* SQLite bytes per row, sum(pgsize) from dbstat / rows: l1_blocks 675840 B for 7200
 * slots of 400/block demand = 94 B (50 B for empty blocks: 36319232 B / 720000);
 * txs 778240000 B for 8643602 final transfers = 90 B (dropped rows are smaller). */
#define DB_PER_BLOCK_ROW    94.0
#define DB_PER_TXS_ROW      90.0
/* l1_txs: 9281536 B for 72686 rows of scheme l1's transfers and a stuffer's fillers
 * (default scenario, 10h) = 128 B. Scheme l1 sends one L1 transaction per transfer. */
#define DB_PER_L1_TXS_ROW   128.0
/* Per run: the runs row holds the scenario text and every value in force (counted
 * from the scenario), plus schemes and metrics rows: about 4 KiB per scheme. */
#define DB_PER_SCHEME       4096.0

/* Wall time of the L1 itself (a scheme's work is its own estimate): background demand
 * of 400/block for 1d (2.88M transactions, 7200 slots) in 1.38 s = 0.47 us per
 * background transaction; 720000 empty slots in 1.36 s = 1.9 us per slot. */
#define WALL_PER_BACKGROUND 0.47e-6
#define WALL_PER_SLOT       1.9e-6

/* ---- real limits ---- */

/* sim/sched.c packs an event's key as seq << 26 | slot: 2^38 - 1 insertions per
 * scheduler (one per world) and 2^26 - 1 events pending at once. Mirrors SEQ_MAX and
 * SLOT_MASK there. */
#define SCHED_SEQ_MAX      ((double)((UINT64_C(1) << 38) - 1))
#define SCHED_PENDING_MAX  ((double)((UINT64_C(1) << 26) - 1))
/* The gas assumed for a world whose schemes declare no L1 transactions (it then
 * does not matter): a plain transfer's 21000 (Yellow Paper G_transaction). */
#define TRANSFER_GAS       ((double)fm_intrinsic_gas(0, 0))
/* Background transactions one slot may bring: 0.47 us each (WALL_PER_BACKGROUND), so
 * about 5 s for the slot's one event, the longest a signal then waits. */
#define BACKGROUND_SLOT_MAX 1e7

/* ---- the scenario's numbers ---- */

/* The mean multiplier of the arrival process under `prefix` over [0, duration):
 * spikes as the model applies them (overlapping ones multiply, arrivals.c), the regime
 * chain its stationary mean, which is proportional to the regimes' mean durations;
 * the diurnal cosine averages 1 over whole days. O(spikes log spikes + regimes). */
static double mean_multiplier(const struct scn *s, const char *prefix, double duration)
{
    double m = arrivals_spikes_mean(s, prefix, (sim_time)duration, NULL);
    if (strcmp(scn_str(s, "%s.pattern", prefix), "regimes") == 0) {
        double num = 0, den = 0;
        size_t nr = scn_count(s, "%s.regimes", prefix);
        for (size_t i = 0; i < nr; i++) {
            double d = (double)scn_int(s, "%s.regimes[%zu].mean_duration", prefix, i);
            num += scn_real(s, "%s.regimes[%zu].multiplier", prefix, i) * d;
            den += d;
        }
        if (den > 0)
            m *= num / den;
    }
    return m;
}

/* The largest multiplier the process under `prefix` reaches over [0, duration):
 * overlapping spikes multiplied, the diurnal peak, the largest regime. */
static double peak_multiplier(const struct scn *s, const char *prefix, double duration)
{
    double peak;
    arrivals_spikes_mean(s, prefix, (sim_time)duration, &peak);
    const char *pattern = scn_str(s, "%s.pattern", prefix);
    if (strcmp(pattern, "diurnal") == 0)
        peak *= 1 + scn_real(s, "%s.diurnal.amplitude", prefix);
    if (strcmp(pattern, "regimes") == 0) {
        double top = 0;
        for (size_t i = 0; i < scn_count(s, "%s.regimes", prefix); i++) {
            double m = scn_real(s, "%s.regimes[%zu].multiplier", prefix, i);
            top = m > top ? m : top;
        }
        peak *= top;
    }
    return peak;
}

/* Arrivals per microsecond at the base rate of `prefix` (a per-block rate by slot). */
static double rate_per_us(const struct scn *s, const char *prefix, double slot)
{
    struct unit_rate r = scn_rate(s, "%s.rate", prefix);
    double per = r.per_block ? slot : (double)r.per;
    return per > 0 ? r.count / per : 0;
}

/* Scheme `index`'s declared share (zero when its type declares none). */
static void scheme_estimate_of(const struct scn *s, size_t index, const struct run_estimate *o,
                               struct scheme_estimate *se)
{
    memset(se, 0, sizeof *se);
    const struct scheme_ops *ops = model_scheme_by_type(scn_str(s, "schemes[%zu].type", index));
    if (ops && ops->estimate)
        ops->estimate(s, index, o, se);
}

void run_estimate(const struct scn *s, struct run_estimate *o)
{
    memset(o, 0, sizeof *o);
    double duration = (double)scn_int(s, "duration");
    double slot = (double)scn_int(s, "l1.slot");
    double depth = (double)scn_uint(s, "l1.finality_depth");
    double users = (double)scn_uint(s, "workload.users");
    size_t nschemes = scn_count(s, "schemes");
    struct layout l;
    struct err ignored;
    err_init(&ignored);
    if (layout_of(s, &l, &ignored) != 0)
        l.nworlds = 0;                          /* run_check reports it */
    o->worlds = l.nworlds;
    o->max_schemes = 0;
    for (size_t w = 0; w < l.nworlds; w++)
        if (l.size[w] > o->max_schemes)
            o->max_schemes = l.size[w];

    o->slots = floor(duration / slot);
    o->transfers = rate_per_us(s, "workload.transfers", slot) * duration *
                   mean_multiplier(s, "workload.transfers", duration);
    o->senders = users > 0 ? users * -expm1(-o->transfers / users) : 0;
    /* users a transfer touches: its sender and its recipient; the chunks they fall in */
    double touched = users > 0 ? users * -expm1(-2 * o->transfers / users) : 0;
    double chunks = ceil(users / USERS_CHUNK);
    o->user_chunks = chunks > 0 ? chunks * -expm1(-touched / chunks) : 0;
    if (!scn_has(s, "l1.demand.trace")) {
        o->background = rate_per_us(s, "l1.demand", slot) * duration *
                        mean_multiplier(s, "l1.demand", duration);
        o->background_slot = rate_per_us(s, "l1.demand", slot) * slot *
                             peak_multiplier(s, "l1.demand", duration);
    }

    /* what each scheme declares it sends to the L1 (scheme_ops.estimate), summed per
     * world: a block takes gas_limit / (their mean gas) of them, each awaits
     * finality_depth slots in memory; the busiest world sets the peak */
    double mean_size = scn_real(s, "workload.transfers.burst.mean_size");
    o->arrivals = o->transfers / mean_size;
    double cap = (double)scn_uint(s, "l1.mempool.max_txs");
    double gas_limit = (double)l1_gas_limit_of(s);
    double busiest = -1;
    o->events = 0;
    o->l1_txs = 0;
    o->wall_schemes = 0;
    o->db_schemes = 0;
    for (size_t w = 0; w < o->worlds; w++) {
        double txs = 0, gas = 0, mem = 0, state = 0, own_events = 0;
        double gas1 = -1, mem1 = -1;      /* the value all share, or -1 (then weighted) */
        for (size_t i = 0; i < l.nschemes; i++) {
            if (l.world_of[i] != w)
                continue;
            struct scheme_estimate se;
            scheme_estimate_of(s, i, o, &se);
            if (se.l1_txs > 0) {
                gas1 = gas1 == -1 || gas1 == se.l1_gas ? se.l1_gas : -2;
                mem1 = mem1 == -1 || mem1 == se.mem_per_l1_tx ? se.mem_per_l1_tx : -2;
            }
            txs += se.l1_txs;
            o->l1_txs += se.l1_txs;
            gas += se.l1_txs * se.l1_gas;
            mem += se.l1_txs * se.mem_per_l1_tx;
            state += se.mem_state;
            own_events += se.events;
            o->wall_schemes += se.wall_s;
            o->db_schemes += se.db_bytes;
        }
        double mean_gas = gas1 > 0 ? gas1 : txs > 0 && gas > 0 ? gas / txs : TRANSFER_GAS;
        double per_slot = o->slots > 0 ? txs / o->slots : txs;
        double fit = floor(gas_limit / mean_gas);
        double included = per_slot < fit ? per_slot : fit;
        double inflight = included * (depth + 1);
        if (inflight > txs)
            inflight = txs;
        double inflow = o->background + txs;
        double pool = inflow < cap ? inflow : cap;
        double finals = txs < o->slots * fit ? txs : o->slots * fit;
        double events = o->slots + o->arrivals + finals + own_events;
        double per_tx = mem1 >= 0 ? mem1 : txs > 0 ? mem / txs : 0;
        double peak = per_tx * inflight + MEM_PER_POOLED * pool + state;
        o->events += events;
        if (events > o->events_world)
            o->events_world = events;
        if (peak > busiest) {
            busiest = peak;
            o->inflight = inflight;
            o->mem_per_inflight = per_tx;
            o->mem_schemes = state;
            o->pool = pool;
            o->finals = finals;
        }
    }
    o->pending = o->inflight + 2;                /* + the next slot and arrival */
    o->horizon_us = duration + slot * (depth + 1) +
                    50.0 * (double)scn_int(s, "l1.demand.patience");

    o->mem_base = MEM_BASE;
    o->mem_user_table = MEM_PER_USER_SLOT * users;
    o->mem_users = MEM_PER_SENDER * o->senders +
                   (MEM_PER_PROFILE + MEM_PER_ACCOUNT * (double)o->max_schemes) * USERS_CHUNK *
                   o->user_chunks;
    const char *recipients = scn_str(s, "workload.recipients");
    if (strcmp(recipients, "zipf") == 0) {
        o->mem_tables = 8.0 * users;             /* the cumulative weights */
    } else if (strcmp(recipients, "graph") == 0) {
        /* graph_new at its peak: the link list and the rows (8 B per link each) and
         * 20 B per user of offsets and marks */
        double links = users * (double)scn_uint(s, "workload.graph.degree");
        o->mem_tables = 16.0 * links + 20.0 * users;
    }
    o->mem_inflight = o->mem_per_inflight * o->inflight;
    o->mem_pool = MEM_PER_POOLED * o->pool;
    o->mem_metrics = MEM_PER_METRIC_ROW * o->transfers + MEM_PER_METRIC_SLOT * o->slots;
    o->mem_upfront = o->mem_tables;
    o->mem_peak = o->mem_base + o->mem_user_table + o->mem_users + o->mem_tables +
                  o->mem_inflight + o->mem_pool + o->mem_schemes + o->mem_metrics;

    size_t textlen;
    scn_text(s, &textlen);
    o->db_rows_blocks = o->slots * (double)o->worlds;
    o->db_rows_txs = o->transfers * (double)nschemes;
    o->db_rows_l1_txs = o->l1_txs;             /* the L1 writes a row for each */
    o->db_bytes = DB_PER_BLOCK_ROW * o->db_rows_blocks + DB_PER_TXS_ROW * o->db_rows_txs +
                  DB_PER_L1_TXS_ROW * o->db_rows_l1_txs +
                  DB_PER_SCHEME * (double)nschemes + 2.0 * (double)textlen + o->db_schemes;
    o->wall_s = o->wall_schemes +
                (WALL_PER_BACKGROUND * o->background + WALL_PER_SLOT * o->slots) *
                (double)o->worlds;
    o->mem_store = MEM_STORE_ROWS +
                   (o->db_bytes < MEM_STORE_CACHE_MAX ? o->db_bytes : MEM_STORE_CACHE_MAX);
    o->mem_peak += o->mem_store;
}

/* ---- formatting ---- */

char *run_estimate_bytes(double b, char *buf, size_t len)
{
    static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
                                        "ZiB", "YiB" };
    size_t u = 0;
    if (!(b <= 1e300)) {
        snprintf(buf, len, "more than 1e300 B");
        return buf;
    }
    while (b >= 1024 && u + 1 < ARRAY_LEN(unit))
        b /= 1024, u++;
    if (u == 0)
        snprintf(buf, len, "%.0f B", b);
    else
        snprintf(buf, len, "%.3g %s", b, unit[u]);
    return buf;
}

/* A count: exact below a million, else "6.31e10"; beyond 1e300 (or infinite: a
 * rate of 10^300 per second is a valid scenario value) just that. */
static char *fmt_count(double v, char *buf, size_t len)
{
    if (!(v <= 1e300)) {
        snprintf(buf, len, "more than 1e300");
    } else if (v < 1e6) {
        snprintf(buf, len, "%.0f", v);
    } else {
        int ex = (int)floor(log10(v));
        double m = v / pow(10, ex);
        if (m >= 9.995)
            m /= 10, ex++;
        snprintf(buf, len, "%.3ge%d", m, ex);
    }
    return buf;
}

/* A duration in the largest unit that keeps it readable: "292271 years", "12.0 h". */
static char *fmt_wall(double sec, char *buf, size_t len)
{
    if (!(sec <= 1e300))
        snprintf(buf, len, "more than 1e300 years");
    else if (sec < 120)
        snprintf(buf, len, "%.1f s", sec);
    else if (sec < 2 * 3600)
        snprintf(buf, len, "%.0f min", sec / 60);
    else if (sec < 2 * 86400)
        snprintf(buf, len, "%.1f h", sec / 3600);
    else if (sec < 2 * 365.25 * 86400)
        snprintf(buf, len, "%.0f days", sec / 86400);
    else
        snprintf(buf, len, "%.3g years", sec / (365.25 * 86400));
    return buf;
}

/* Appends to a fixed buffer, truncating. */
struct sbuf { char *p; size_t len, used; };

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
    if (b->used >= b->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->used += (size_t)n < b->len - b->used ? (size_t)n : b->len - b->used - 1;
}

/* ---- what to blame ---- */

/* Of what grows with the number of transfers, blame the factor further from its
 * default: the duration (1d) or the transfer rate (2/s). */
static const char *transfers_key(const struct scn *s)
{
    double days = (double)scn_int(s, "duration") / (double)SIM_DAY;
    double per_s = rate_per_us(s, "workload.transfers", (double)scn_int(s, "l1.slot")) * 1e6;
    return per_s / 2.0 > days ? "workload.transfers.rate" : "duration";
}

/* The value at a key as written or defaulted, for "<key>: <value> needs ..." (the
 * scenario's own text is not kept per key: the canonical form of the value). */
static void value_text(const struct scn *s, const char *key, char *buf, size_t len)
{
    if (strcmp(key, "duration") == 0) {
        unit_format_duration(scn_int(s, "duration"), buf, len);
    } else if (strlen(key) > 5 && strcmp(key + strlen(key) - 5, ".rate") == 0) {
        struct unit_rate r = scn_rate(s, "%s", key);
        char per[24];
        char count[32];
        if (r.count == floor(r.count) && r.count < 1e15)
            snprintf(count, sizeof count, "%.0f", r.count);
        else
            snprintf(count, sizeof count, "%g", r.count);
        if (r.per_block)
            snprintf(buf, len, "%s/block", count);
        else
            snprintf(buf, len, "%s/%s", count, r.per == SIM_SEC ? "s" : r.per == SIM_MIN ? "m"
                     : r.per == SIM_HOUR ? "h" : r.per == SIM_DAY ? "d"
                     : unit_format_duration(r.per, per, sizeof per));
    } else {
        snprintf(buf, len, "%llu", (unsigned long long)scn_uint(s, "%s", key));
    }
}

/* The memory terms, largest first, as "8 B x 1e12 users for the user table + ...". */
static void memory_terms(const struct scn *s, const struct run_estimate *o, struct sbuf *b)
{
    char n[32], m[32], rate[64], dur[32];
    value_text(s, "workload.transfers.rate", rate, sizeof rate);
    value_text(s, "duration", dur, sizeof dur);
    struct { double v; char text[256]; } t[9];
    size_t nt = 0;
#define TERM(V, ...) do { t[nt].v = (V); snprintf(t[nt].text, sizeof t[nt].text, __VA_ARGS__); nt++; } while (0)
    TERM(o->mem_user_table, "8 B x %s users for the user table, allocated whole up front",
         fmt_count(o->mem_user_table / MEM_PER_USER_SLOT, n, sizeof n));
    TERM(o->mem_users, "%.0f B x %s users who send (stream) + %s chunks of %.0f users' "
         "profiles and L1 accounts, %.0f B each per user", MEM_PER_SENDER,
         fmt_count(o->senders, n, sizeof n), fmt_count(o->user_chunks, m, sizeof m),
         USERS_CHUNK, MEM_PER_PROFILE + MEM_PER_ACCOUNT * (double)o->max_schemes);
    TERM(o->mem_tables, "the recipients' Zipf table or payment graph");
    TERM(o->mem_inflight, "%.0f B x %s transactions awaiting finality", o->mem_per_inflight,
         fmt_count(o->inflight, n, sizeof n));
    TERM(o->mem_schemes, "the schemes' own state");
    TERM(o->mem_pool, "432 B x %s in the mempool", fmt_count(o->pool, n, sizeof n));
    if (o->transfers >= 1)
        TERM(o->mem_metrics, "145 B x %s transfers (%s over %s) + 35 B x %s L1 slots, read "
             "back for the metrics", fmt_count(o->transfers, n, sizeof n), rate, dur,
             fmt_count(o->slots, m, sizeof m));
    else
        TERM(o->mem_metrics, "35 B x %s L1 slots (%s), read back for the metrics",
             fmt_count(o->slots, m, sizeof m), dur);
    TERM(o->mem_base, "6 MiB of code and libraries");
    TERM(o->mem_store, "%s of the results database's page caches (what the run writes, at "
         "most 32 MiB, and the metrics' reading connection's) and row buffers",
         run_estimate_bytes(o->mem_store, m, sizeof m));
#undef TERM
    for (size_t i = 1; i < nt; i++)                  /* insertion sort, largest first */
        for (size_t j = i; j > 0 && t[j].v > t[j - 1].v; j--) {
            __typeof__(t[0]) x = t[j];
            t[j] = t[j - 1], t[j - 1] = x;
        }
    bool first = true;
    for (size_t i = 0; i < nt; i++)
        if (t[i].v > 0 && (first || t[i].v >= 0.01 * o->mem_peak)) {
            sb_add(b, "%s%s", first ? "" : " + ", t[i].text);
            first = false;
        }
}

/* The key most to blame for the memory estimate: its largest term's. */
static const char *memory_key(const struct scn *s, const struct run_estimate *o)
{
    double users = o->mem_user_table + o->mem_users;
    double best = users;
    const char *key = "workload.users";
    if (o->mem_tables > best) {
        best = o->mem_tables;
        key = strcmp(scn_str(s, "workload.recipients"), "graph") == 0 ? "workload.graph.degree"
                                                                      : "workload.users";
    }
    if (o->mem_inflight > best)
        best = o->mem_inflight, key = "l1.finality_depth";
    if (o->mem_pool > best)
        best = o->mem_pool, key = "l1.mempool.max_txs";
    if (o->mem_metrics > best)
        key = o->mem_metrics - MEM_PER_METRIC_SLOT * o->slots > MEM_PER_METRIC_SLOT * o->slots
            ? transfers_key(s) : "duration";
    return key;
}

/* ---- the check ---- */

int run_estimate_check(const struct scn *s, const struct run_estimate *o,
                       const struct run_limits *lim, struct err *e)
{
    int rc = 0;
    char msg[1024], val[64], a[32], b[32], c[32], d[32];
    struct sbuf sb = { msg, sizeof msg, 0 };
#define RESET() (sb.used = 0, msg[0] = '\0')

    /* simulated time: int64 microseconds (sim/units.h) */
    if (o->horizon_us >= (double)INT64_MAX) {
        RESET();
        value_text(s, "duration", val, sizeof val);
        sb_add(&sb, "%s needs times up to about %.0f us (duration + (finality_depth + 1) x "
               "slot + 50 x the background patience); simulated time is int64 microseconds "
               "(sim/units.h): at most %lld us, about 292000 years", val,
               o->horizon_us, (long long)INT64_MAX);
        rc = scn_error_at(s, e, "duration", "%s", msg);
    }

    /* background demand: each arrival of a slot is a transaction built and offered to
     * the mempool within that slot's one event; past BACKGROUND_SLOT_MAX a single slot
     * would take longer than a signal or --max-wall may wait */
    if (o->background_slot > BACKGROUND_SLOT_MAX) {
        RESET();
        value_text(s, "l1.demand.rate", val, sizeof val);
        sb_add(&sb, "%s brings about %s background transactions in the busiest slot (the "
               "rate x the spikes in force, overlapping ones multiplied, x the pattern's "
               "peak); l2sim builds each one, at most %.0e per slot (about %.0f s of one "
               "event)", val, fmt_count(o->background_slot, a, sizeof a),
               BACKGROUND_SLOT_MAX, BACKGROUND_SLOT_MAX * WALL_PER_BACKGROUND);
        rc = scn_error_at(s, e, "l1.demand.rate", "%s", msg);
    }

    /* scheduler capacity, per world (sim/sched.c) */
    if (o->events_world > SCHED_SEQ_MAX) {
        RESET();
        const char *key = o->slots > o->events_world / 2 ? "duration" : transfers_key(s);
        value_text(s, key, val, sizeof val);
        sb_add(&sb, "%s needs about %s events in one world (%s L1 slots + %s transfer "
               "arrivals + finality events of %s scheme transactions); the scheduler numbers "
               "at most %.0f insertions per world (a 38-bit sequence, sim/sched.c)", val,
               fmt_count(o->events_world, a, sizeof a), fmt_count(o->slots, b, sizeof b),
               fmt_count(o->arrivals, c, sizeof c), fmt_count(o->finals, d, sizeof d),
               SCHED_SEQ_MAX);
        rc = scn_error_at(s, e, key, "%s", msg);
    }
    if (o->pending > SCHED_PENDING_MAX) {
        RESET();
        value_text(s, "l1.finality_depth", val, sizeof val);
        sb_add(&sb, "%s needs about %s events pending at once (%s scheme transactions "
               "included per slot, each awaiting finality for finality_depth + 1 slots); the "
               "scheduler holds at most %.0f (a 26-bit slot index, sim/sched.c)", val,
               fmt_count(o->pending, a, sizeof a),
               fmt_count(o->inflight / ((double)scn_uint(s, "l1.finality_depth") + 1), b, sizeof b),
               SCHED_PENDING_MAX);
        rc = scn_error_at(s, e, "l1.finality_depth", "%s", msg);
    }

    /* memory: user ids are 32-bit; the estimate against physical memory */
    double users = (double)scn_uint(s, "workload.users");
    const char *mkey = memory_key(s, o);
    bool over_phys = lim->phys_memory > 0 && o->mem_peak > lim->phys_memory;
    bool wide_ids = users > (double)UINT32_MAX;
    if (wide_ids || over_phys) {
        RESET();
        if (wide_ids)
            mkey = "workload.users";
        value_text(s, mkey, val, sizeof val);
        sb_add(&sb, "%s needs about %s of memory (", val,
               run_estimate_bytes(o->mem_peak, a, sizeof a));
        memory_terms(s, o, &sb);
        sb_add(&sb, "); ");
        if (wide_ids)
            sb_add(&sb, "user ids are 32-bit (struct transfer, models/model.h): at most "
                   "%u users%s", UINT32_MAX, over_phys ? ", and " : "");
        if (over_phys)
            sb_add(&sb, "this machine has %s of physical memory (sysconf _SC_PHYS_PAGES)",
                   run_estimate_bytes(lim->phys_memory, b, sizeof b));
        rc = scn_error_at(s, e, mkey, "%s", msg);
    }

    /* --max-memory is enforced while the run goes; what a world builds before its
     * first event (the Zipf table, the payment graph) is checked here */
    if (lim->max_memory > 0 && o->mem_upfront > lim->max_memory) {
        RESET();
        const char *key = strcmp(scn_str(s, "workload.recipients"), "graph") == 0
                        ? "workload.graph.degree" : "workload.users";
        value_text(s, key, val, sizeof val);
        sb_add(&sb, "%s needs about %s of memory before the first event (the recipients' %s, "
               "built with the world); --max-memory allows %s", val,
               run_estimate_bytes(o->mem_upfront, a, sizeof a),
               strcmp(key, "workload.users") == 0 ? "Zipf table, 8 B per user"
                                                  : "payment graph, 16 B per link + 20 B per user",
               run_estimate_bytes(lim->max_memory, b, sizeof b));
        rc = scn_error_at(s, e, key, "%s", msg);
    }

    /* the database against the free space of its filesystem */
    double reps = (double)scn_uint(s, "replications");
    if (lim->disk_free > 0 && o->db_bytes * reps > lim->disk_free) {
        RESET();
        const char *key = DB_PER_BLOCK_ROW * o->db_rows_blocks > DB_PER_TXS_ROW * o->db_rows_txs
                        ? "duration" : transfers_key(s);
        value_text(s, key, val, sizeof val);
        sb_add(&sb, "%s needs about %s of database (%s l1_blocks rows x 94 B + %s txs rows x "
               "90 B + %s l1_txs rows x 128 B", val,
               run_estimate_bytes(o->db_bytes * reps, a, sizeof a),
               fmt_count(o->db_rows_blocks, b, sizeof b), fmt_count(o->db_rows_txs, c, sizeof c),
               fmt_count(o->db_rows_l1_txs, d, sizeof d));
        if (reps > 1)
            sb_add(&sb, ", per run, x %.0f replications", reps);
        sb_add(&sb, "); the filesystem of %s has %s free (statvfs)",
               lim->db_dir ? lim->db_dir : "the database",
               run_estimate_bytes(lim->disk_free, d, sizeof d));
        rc = scn_error_at(s, e, key, "%s", msg);
    }
#undef RESET
    return rc;
}

/* ---- this process's limits ---- */

static uint64_t g_max_memory;
static char     g_db_dir[4096];       /* "" = no database check */

void run_estimate_set_limits(uint64_t max_memory, const char *db_path)
{
    g_max_memory = max_memory;
    g_db_dir[0] = '\0';
    if (!db_path || strcmp(db_path, ":memory:") == 0)
        return;
    char *dir = path_dirname(db_path);
    snprintf(g_db_dir, sizeof g_db_dir, "%s", dir);
    free(dir);
}

void run_estimate_limits(struct run_limits *l)
{
    memset(l, 0, sizeof *l);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        l->phys_memory = (double)pages * (double)page;
    l->max_memory = (double)g_max_memory;
    struct statvfs v;
    if (g_db_dir[0] && statvfs(g_db_dir, &v) == 0) {
        l->disk_free = (double)v.f_bavail * (double)v.f_frsize;
        l->db_dir = g_db_dir;
    }
}

int run_estimate_gate(const struct scn *s, struct err *e)
{
    struct run_estimate est;
    struct run_limits lim;
    run_estimate(s, &est);
    run_estimate_limits(&lim);
    return run_estimate_check(s, &est, &lim, e);
}

/* ---- the report ---- */

/* "4 us per transfer per scheme, " when every scheme's type says the same, else each
 * type's note once: "l1: 4 us per transfer, toy: 2 us per transfer, ". */
static void scheme_wall_notes(const struct scn *s, char *buf, size_t len)
{
    struct sbuf b = { buf, len, 0 };
    buf[0] = '\0';
    const char *notes[64], *types[64];
    size_t n = 0;
    bool same = true;
    for (size_t i = 0; i < scn_count(s, "schemes") && n < ARRAY_LEN(notes); i++) {
        const char *type = scn_str(s, "schemes[%zu].type", i);
        struct scheme_estimate se = { 0 };
        const struct scheme_ops *ops = model_scheme_by_type(type);
        if (ops && ops->estimate) {
            struct run_estimate zero = { 0 };
            ops->estimate(s, i, &zero, &se);
        }
        if (!se.wall_note)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(types[k], type) == 0;
        if (seen)
            continue;
        same &= n == 0 || strcmp(notes[0], se.wall_note) == 0;
        types[n] = type, notes[n++] = se.wall_note;
    }
    if (n > 0 && same)
        sb_add(&b, "%s per scheme, ", notes[0]);
    else
        for (size_t k = 0; k < n; k++)
            sb_add(&b, "%s: %s, ", types[k], notes[k]);
}

void run_estimate_print(FILE *f, const struct scn *s, const struct run_estimate *o)
{
    char a[32], b[32], c[32], d[32], msg[1024];
    struct sbuf sb = { msg, sizeof msg, 0 };
    memory_terms(s, o, &sb);
    fprintf(f, "%s: estimate of one run (%zu world%s, %zu scheme%s; worlds run one after "
            "another)\n", scn_file(s), o->worlds, o->worlds == 1 ? "" : "s",
            scn_count(s, "schemes"), scn_count(s, "schemes") == 1 ? "" : "s");
    fprintf(f, "  memory    about %s peak (%s)\n", run_estimate_bytes(o->mem_peak, a, sizeof a),
            msg);
    fprintf(f, "  events    about %s (%s L1 slots and %s transfers per world; the busiest "
            "world: %s, at most %.0f; %s pending at once, at most %.0f)\n",
            fmt_count(o->events, a, sizeof a), fmt_count(o->slots, b, sizeof b),
            fmt_count(o->transfers, c, sizeof c), fmt_count(o->events_world, d, sizeof d),
            SCHED_SEQ_MAX, fmt_count(o->pending, msg, 32), SCHED_PENDING_MAX);
    fprintf(f, "  database  about %s per run (%s l1_blocks rows x 94 B + %s txs rows x 90 B"
            " + %s l1_txs rows x 128 B)\n",
            run_estimate_bytes(o->db_bytes, a, sizeof a), fmt_count(o->db_rows_blocks, b, sizeof b),
            fmt_count(o->db_rows_txs, c, sizeof c), fmt_count(o->db_rows_l1_txs, d, sizeof d));
    scheme_wall_notes(s, msg, sizeof msg);
    fprintf(f, "  wall time about %s per run (%s0.47 us per "
            "background transaction: %s per world, 1.9 us per slot; measured on 2 cores)\n",
            fmt_wall(o->wall_s, a, sizeof a), msg, fmt_count(o->background, b, sizeof b));
    uint64_t reps = scn_uint(s, "replications");
    if (reps > 1)
        fprintf(f, "  x %llu replications: database about %s, wall time about %s\n",
                (unsigned long long)reps,
                run_estimate_bytes(o->db_bytes * (double)reps, a, sizeof a),
                fmt_wall(o->wall_s * (double)reps, b, sizeof b));
}

void run_estimate_print_plan(FILE *f, size_t points, uint64_t runs, double db_bytes,
                             double wall_s)
{
    char a[32], b[32];
    fprintf(f, "  the sweep: %zu point%s, %llu run%s in all (every point with its "
            "replications): database about %s, wall time about %s\n", points,
            points == 1 ? "" : "s", (unsigned long long)runs, runs == 1 ? "" : "s",
            run_estimate_bytes(db_bytes, a, sizeof a), fmt_wall(wall_s, b, sizeof b));
}

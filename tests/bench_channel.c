/* bench_channel.c — the channel cores on the real Lightning snapshot
 * (../shared/data/ln-snapshot, or $L2SIM_LN_SNAPSHOT; skipped when absent): load
 * time, routes/s (source routing from the destination back, amounts as CLoTH's
 * workload draws them: about 100 sat), then 100,000 end-to-end payments (route,
 * HTLCs added hop by hop, fulfilled back, every state signed and verified) in fast and
 * in ed25519 signature modes, routing timed apart, conservation checked at the end,
 * and peak memory (the two networks are built one after the other). Times are process CPU time. Pairs come from a fixed splitmix64 stream,
 * so every run routes the same payments. The workload is CLoTH's (uniformly random
 * sender and recipient, ~100 sat, one payment a second, so the block height moves
 * every 600 payments), routed as LND does (route_opts at LND's defaults), each sender
 * knowing its own channels' balances as they stand; L2SIM_BENCH_MODES=fast or
 * ed25519 runs one mode only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "models/channel/payment.h"
#include "models/crypto/sig_pool.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* /proc/loadavg's three figures (the machine is shared: the load says how much of it
 * the run had), or "?" */
static const char *loadavg(void)
{
    static char buf[64];
    FILE *f = fopen("/proc/loadavg", "r");
    double a = 0, b = 0, c = 0;
    int got = f ? fscanf(f, "%lf %lf %lf", &a, &b, &c) : 0;
    if (f)
        fclose(f);
    if (got != 3)
        return "?";
    snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
    return buf;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Routing as LND v0.10 does it (CLoTH's copy of it): risk factor, attempt penalty and
 * a-priori hop probabilities at LND's defaults. */
static const struct route_opts OPTS = {
    .height = 800000, .final_cltv_expiry_delta = 18, .max_total_cltv = 2016,
    .risk_factor_ppb = 15,
    .attempt_penalty_msat = ROUTE_LND_ATTEMPT_PENALTY_MSAT,
    .apriori_hop_probability_ppm = ROUTE_LND_APRIORI_PPM,
    .own_hop_probability_ppm = ROUTE_LND_OWN_PPM,
    .min_probability_ppm = ROUTE_LND_MIN_PROBABILITY_PPM,
};

/* CLoTH's default run is 5,000 payments: the figures at that point are the ones to
 * set beside its published ones. */
enum { CLOTH_PAYMENTS = 5000 };

/* About 100 sat: 100,000 msat +- up to 1,000 (CLoTH: |100 + N(0,1)| x 1000 msat). */
static uint64_t amount(uint64_t *s)
{
    return 99000 + splitmix(s) % 2001;
}

static void bench_routes(const struct graph *g, size_t n)
{
    struct route_finder *f = route_finder_new(g);
    uint64_t s = 1;
    size_t found = 0, hops = 0;
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        uint32_t a = (uint32_t)(splitmix(&s) % g->nnodes), b = (uint32_t)(splitmix(&s) % g->nnodes);
        struct route r;
        if (route_find(f, a, b, amount(&s), &OPTS, &r) == 0) {
            found++;
            hops += r.nhops;
        }
    }
    double t = cpu_now() - t0;
    printf("  routing: %zu pairs, %.0f routes/s, %.1f%% found, %.2f hops on average\n", n,
           (double)n / t, 100.0 * (double)found / (double)n,
           found ? (double)hops / (double)found : 0.0);
    route_finder_free(f);
}

/* CPU seconds of one sig_sign + one sig_verify of a 200-byte message (a state with a
 * couple of HTLCs encodes to about that): the floor's unit. */
static double sign_verify_s(enum sig_mode mode)
{
    struct sig_ctx sig;
    sig_ctx_init(&sig, mode, 3);
    struct sig_keypair kp;
    sig_keypair_derive(&sig, 9, 1, &kp);
    uint8_t msg[200] = { 1 }, out[SIG_BYTES];
    size_t n = mode == SIG_FAST ? 200000 : 20000, bad = 0;
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        msg[0] = (uint8_t)i;
        sig_sign(&sig, &kp, msg, sizeof msg, out);
        bad += !sig_verify(&sig, kp.pk, msg, sizeof msg, out);
    }
    double t = (cpu_now() - t0) / (double)n;
    if (bad)
        abort();
    return t;
}

/* n payments as a sender makes them (payment_pay's loop, written out so that routing
 * is timed on its own): route, offer the HTLCs hop by hop, fulfill back; on a failed
 * hop exclude that channel and route again, up to 10 attempts. */
static void bench_payments(struct graph *g, enum sig_mode mode, size_t n, unsigned workers)
{
    struct sig_ctx sig;
    sig_ctx_init(&sig, mode, 1);
    /* Ed25519: the receiver's countersignature and the proposer's check of it on a
     * second thread (sig_pool.h), as the scheme does */
    if (mode == SIG_ED25519 && workers)
        sig.pool = sig_pool_new(workers);
    double t0 = cpu_now();
    struct payment_net *net = payment_net_new(g, &sig);
    double t_open = cpu_now() - t0;
    struct route_finder *f = route_finder_new(g);
    uint64_t s = 2;
    size_t ok = 0, no_route = 0, failed = 0, attempts = 0, hops = 0;
    uint8_t *excluded = xcalloc(g->nedges, 1);
    struct sig_pool_stats ps0;
    sig_pool_stats(sig.pool, &ps0);
    double t_route = 0, t_all0 = cpu_now(), w0 = wall_now(), th0 = thread_now();
    for (size_t i = 0; i < n; i++) {
        uint32_t a = (uint32_t)(splitmix(&s) % g->nnodes), b = (uint32_t)(splitmix(&s) % g->nnodes);
        uint8_t preimage[32], hash[32];
        uint64_t r64 = splitmix(&s);
        memset(preimage, 0, 32);
        memcpy(preimage, &r64, 8);
        memcpy(preimage + 8, &i, sizeof i);
        hash_sha256(hash, preimage, 32);
        uint64_t amt = amount(&s);
        struct route_opts o = OPTS;
        o.excluded_edge = excluded;
        /* CLoTH's workload: one payment a second; Bitcoin's ten-minute blocks */
        o.height = OPTS.height + (uint32_t)(i / 600);
        uint32_t taught[10];
        size_t ntaught = 0, k = 0;
        struct payment p = { .status = PAYMENT_FAILED };
        while (k < 10) {
            struct route r;
            double tr = cpu_now();
            payment_sender_view(net, g, a);
            int found = route_find(f, a, b, amt, &o, &r);
            t_route += cpu_now() - tr;
            if (found != 0)
                break;
            k++;
            payment_send(net, &r, hash, o.height, &p);
            if (p.status == PAYMENT_IN_FLIGHT) {
                if (payment_fulfill(net, &p, preimage, o.height) != 0)
                    abort();
                hops += r.nhops;
                break;
            }
            if (p.failed_edge == UINT32_MAX)
                break;
            excluded[p.failed_edge] = 1;
            taught[ntaught++] = p.failed_edge;
        }
        for (size_t j = 0; j < ntaught; j++)
            excluded[taught[j]] = 0;
        attempts += k;
        if (p.status == PAYMENT_SUCCEEDED)
            ok++;
        else if (k == 0)
            no_route++;
        else
            failed++;
        if (i + 1 == CLOTH_PAYMENTS && n > CLOTH_PAYMENTS)
            printf("  the first %d payments (CLoTH's run): %.3f attempts each, %.1f%% succeeded, "
                   "%.2f hops per success\n", CLOTH_PAYMENTS,
                   (double)attempts / CLOTH_PAYMENTS, 100.0 * (double)ok / CLOTH_PAYMENTS,
                   ok ? (double)hops / (double)ok : 0.0);
    }
    free(excluded);
    double t_all = cpu_now() - t_all0, wall = wall_now() - w0, t_main = thread_now() - th0;
    struct sig_pool_stats ps;
    sig_pool_stats(sig.pool, &ps);
    char why[256];
    if (payment_check(net, why, sizeof why) != 0) {
        fprintf(stderr, "bench_channel: money not conserved: %s\n", why);
        exit(1);
    }
    /* payments/s of the wall clock is what a user waits for; on a shared machine it
     * is bounded by the CPU the threads got, so the threads' CPU is given apart, and
     * the load average at the end (the machine's other work) */
    double wk = ps.worker_cpu_s - ps0.worker_cpu_s, wspin = ps.worker_spin_s - ps0.worker_spin_s;
    double mspin = ps.caller_spin_s - ps0.caller_spin_s;
    printf("  payments (%s, %s): %zu payments in %.1f s wall: %.0f payments/s (load average "
           "%s); CPU %.1f s: main thread %.1f s (routing %.1f s), signature worker %.1f s; "
           "%.0f payments per CPU second of the main thread; %.2f attempts each, %.2f hops "
           "per success, %.1f%% succeeded, %zu no route, %zu failed after retries; opening "
           "%zu channels %.2f s CPU\n",
           sig_mode_name(mode), sig.pool ? "two threads" : "one thread", n, wall,
           (double)n / wall, loadavg(), t_all, t_main, t_route, wk, (double)n / t_main,
           (double)attempts / (double)n, ok ? (double)hops / (double)ok : 0.0,
           100.0 * (double)ok / (double)n, no_route, failed, g->nchannels, t_open);
    /* the signature floor: every update both parties sign and each verifies the
     * other's (2 signs + 2 verifies); all the updates of these payments at that cost
     * alone, on one core and at best on two */
    uint64_t updates = 0;
    for (size_t k = 0; k < net->nchannels; k++)
        updates += net->ch[k].current.commitment_number;
    double sv = sign_verify_s(mode), floor_s = (double)updates * 2 * sv;
    printf("  signature floor (%s): %llu updates, %.1f per payment, at 2 signs + 2 verifies "
           "each (%.1f us a sign + verify): %.0f payments/s on one core, %.0f on two; the "
           "rest (routing, states, hashes; the hand-over's cost with two threads) %.0f us a payment\n",
           sig_mode_name(mode), (unsigned long long)updates, (double)updates / (double)n,
           sv * 1e6, (double)n / floor_s, 2 * (double)n / floor_s,
           1e6 * (t_all - wspin - mspin - floor_s) / (double)n);
    if (sig.pool) {
        printf("  signature pool: %llu handed ahead, %llu made by the worker, %llu by the "
               "main thread (asked before the worker started them), %llu dropped, %llu "
               "pauses of 4096 requests (the worker not keeping up); spinning %.1f s of the "
               "main thread's CPU, %.1f s of the worker's\n",
               (unsigned long long)(ps.ahead - ps0.ahead),
               (unsigned long long)(ps.by_worker - ps0.by_worker),
               (unsigned long long)(ps.by_caller - ps0.by_caller),
               (unsigned long long)(ps.dropped - ps0.dropped),
               (unsigned long long)(ps.pauses - ps0.pauses), mspin, wspin);
    }
    if (mode == SIG_ED25519) {
        /* Two threads on an idle machine, estimated from the CPU this run was given
         * (under load the CPU of the same work is higher: caches are shared, so this
         * errs low): the worker makes every update's receiver signature and its check
         * (one sign + verify per update), the main thread all the rest; the run takes
         * as long as the busier of the two. Wall time is not used: on a shared machine
         * it says how many cores the run got, not what it needs. */
        double work = t_main + wk - mspin - wspin, r = (double)updates * sv;
        double m_idle = work - r;
        printf("  idle estimate with two threads: main thread %.1f s (routing, states, the "
               "proposers' signatures and checks), worker %.1f s (the receivers'): about "
               "%.0f payments/s\n", m_idle, r, (double)n / (m_idle > r ? m_idle : r));
    }
    route_finder_free(f);
    payment_net_free(net);
    sig_pool_free(sig.pool);
}

int main(void)
{
    const char *dir = getenv("L2SIM_LN_SNAPSHOT");
    static const char *const cand[] = { "../shared/data/ln-snapshot",
                                        "../../shared/data/ln-snapshot" };
    struct stat st;
    for (size_t i = 0; (!dir || !*dir) && i < ARRAY_LEN(cand); i++)
        if (stat(cand[i], &st) == 0)
            dir = cand[i];
    if (!dir || !*dir) {
        printf("channel benchmark: Lightning snapshot not found, skipped "
               "(set L2SIM_LN_SNAPSHOT)\n");
        return 0;
    }
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    double t0 = cpu_now();
    if (graph_load_dir(dir, NULL, &g, &e) != 0) {
        fprintf(stderr, "bench_channel: %s\n", e.msg);
        return 1;
    }
    printf("channel benchmark on the Lightning snapshot (%zu nodes, %zu channels): "
           "loaded in %.3f s\n", g->nnodes, g->nchannels, cpu_now() - t0);
    /* issue 12: 100,000 payments in each mode (L2SIM_BENCH_PAYMENTS: fewer, to try) */
    const char *np = getenv("L2SIM_BENCH_PAYMENTS");
    size_t n = np && *np ? (size_t)strtoull(np, NULL, 10) : 100000;
    bench_routes(g, 5000);
    /* the senders' views move the edges' balances: each mode starts from the file's */
    uint64_t *balance = xmalloc(g->nedges * sizeof *balance);
    for (size_t k = 0; k < g->nedges; k++)
        balance[k] = g->edges[k].balance_msat;
    const char *modes = getenv("L2SIM_BENCH_MODES");   /* "fast", "ed25519": one only */
    /* signature worker threads beside the main one (Ed25519 only): 1, or 0 for the
     * one-thread figure */
    const char *nw = getenv("L2SIM_BENCH_SIG_WORKERS");
    unsigned workers = nw && *nw ? (unsigned)strtoul(nw, NULL, 10) : 1;
    static const enum sig_mode mode[] = { SIG_FAST, SIG_ED25519 };
    for (size_t m = 0; m < ARRAY_LEN(mode); m++) {
        if (modes && *modes && strcmp(modes, sig_mode_name(mode[m])) != 0)
            continue;
        bench_payments(g, mode[m], n, workers);
        for (size_t k = 0; k < g->nedges; k++)
            g->edges[k].balance_msat = balance[k];
    }
    free(balance);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak memory %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    graph_free(g);
    return 0;
}

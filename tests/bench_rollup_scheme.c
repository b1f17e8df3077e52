/* bench_rollup_scheme.c — the optimistic rollup scheme end to end in a world (users'
 * wallets signing, the sequencer admitting and executing in 2 s blocks, the state
 * root per block, the batcher encoding and compressing, blob batches on the L1, the
 * txs rows written): 1,000,000 transfers, as transfers per CPU second, beside the
 * crypto-only bound measured here too (one signature made and one verified per
 * transfer, nothing else). Runs: Ed25519 + zstd-3, fast + zstd-3, Ed25519 + brotli-10
 * (the OP Stack batcher's codec) and its share of the time, against the same
 * run posting uncompressed (codec none). Set
 * BENCH_ROLLUP_TRANSFERS to run fewer, BENCH_ROLLUP_ONLY=fast+zstd-3 (crypto+codec-level) to
 * run one (for a profiler). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/rollup/rollup_int.h"
#include "models/run/run.h"
#include "models/world.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sign and verify alone: the least CPU a signed, checked transfer can cost. The
 * verification is the rollup's own (state_apply): against the sender's key as its
 * account keeps it prepared (sig_verify_prepared; in fast mode the MAC key derived
 * once, as the state derives it once per account). */
static double crypto_bound(enum sig_mode mode, int n)
{
    struct sig_ctx c;
    sig_ctx_init(&c, mode, 1);
    struct sig_keypair kp;
    sig_keypair_derive(&c, 4, 1, &kp);
    struct sig_verify_key vk;
    sig_verify_key_init(&c, kp.pk, &vk);
    uint8_t msg[TRANSFER_SIGNED_BYTES] = { 1 }, sig[SIG_BYTES];
    double t0 = cpu_now();
    int ok = 0;
    for (int i = 0; i < n; i++) {
        msg[0] = (uint8_t)i, msg[1] = (uint8_t)(i >> 8), msg[2] = (uint8_t)(i >> 16);
        sig_sign(&c, &kp, msg, sizeof msg, sig);
        ok += sig_verify_prepared(&c, &vk, msg, sizeof msg, sig);
    }
    double dt = cpu_now() - t0;
    if (ok != n)
        exit(1);
    return n / dt;
}

struct result {
    double tps, cpu_s;
    double end_s;              /* of cpu_s: the run's end (world_finish: the txs rows) */
    uint64_t executed, batches;
    size_t compressed;
};

/* One run of `transfers` transfers at 2,500/s through an optimistic rollup, then two
 * minutes without arrivals so that what users held for their deposits and what is
 * in the pool is executed too. The L1 block gas limit and pool are raised so that
 * every user's deposit lands in the first blocks; values are small, so that no
 * transfer is an overdraft: every transfer is executed. */
static struct result run_one(const char *crypto, const char *codec, int level, long transfers)
{
    long users = 20000;
    double secs = (double)transfers / 2500.0;
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "name: bench\nseed: 9\nduration: %.0fs\ncrypto: %s\n"
             "l1: {fork: prague, slot: 12s, gas_limit: 1000000000, base_fee: {initial: 5gwei},"
             " mempool: {max_txs: 1000000}, demand: {rate: 0/block},"
             " blobs: {demand: 0/block}}\n"
             "workload: {users: %ld, transfers: {rate: 2500/s, value: {median: 0.0001eth}, spikes: [{at: %.0fs, for: 2m,"
             " multiplier: 0}]}, withdrawals: {share: 0},"
             " willingness: {median: 1eth}}\n"
             "schemes: [{type: optimistic_rollup, compression: %s, compression_level: %d,"
             " gas_limit: 1000000000, max_channel_duration: 1m, deposit_depth: 1}]\n",
             secs + 120, crypto, users, secs, codec, level);
    struct err e;
    err_init(&e);
    struct scn *s;
    if (scn_load_text(model_schema(), "bench.yaml", yaml, strlen(yaml), NULL, 0, &s, &e) != 0) {
        fprintf(stderr, "bench_rollup_scheme: %s\n", e.msg);
        exit(1);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-bench-rollup-XXXXXX");
    int fd = mkstemp(path);
    close(fd);
    struct store *st;
    if (store_open(path, &st, &e) != 0)
        exit(1);
    int64_t run_id;
    run_begin(st, s, 9, 9, 0, &run_id, &e);
    static const size_t only[] = { 0 };
    struct world_spec spec = { .scn = s, .store = st, .run_id = run_id, .seed = 9,
                               .name = "bench", .schemes = only, .nschemes = 1 };
    struct world *w;
    double t0 = cpu_now();
    if (world_new(&spec, &w, &e) != 0) {
        fprintf(stderr, "bench_rollup_scheme: %s\n", e.msg);
        exit(1);
    }
    sim_run(w->sim, w->duration, 0);
    double t_end = cpu_now();
    if (world_finish(w) != 0) {
        fprintf(stderr, "bench_rollup_scheme: %s\n", w->failure);
        exit(1);
    }
    store_commit(st, &e);
    double dt = cpu_now() - t0;
    struct rollup *ru = w->schemes[0]->state;
    struct result r = { .cpu_s = dt, .end_s = cpu_now() - t_end, .batches = ru->nbatches,
                        .compressed = ru->compressed_total };
    for (uint64_t b = 0; b < ru->nblocks; b++)
        r.executed += ru->blocks[b]->ntxs;
    r.tps = (double)r.executed / dt;
    world_free(w);
    store_close(st);
    store_remove(path);
    scn_free(s);
    return r;
}

int main(void)
{
    long n = 1000000;
    const char *env = getenv("BENCH_ROLLUP_TRANSFERS");
    if (env)
        n = atol(env);
    double b_ed = crypto_bound(SIG_ED25519, 20000), b_fast = crypto_bound(SIG_FAST, 500000);
    printf("optimistic rollup, end to end, %ld transfers at 2500/s (per CPU second):\n", n);
    printf("  crypto-only bound (sign + verify): ed25519 %.0f /s, fast %.0f /s\n", b_ed, b_fast);
    /* zstd at its default level 3 (the scheme's default), and at 1 */
    static const struct { const char *crypto, *codec; int level; } runs[] = {
        { "ed25519", "zstd", 3 }, { "fast", "zstd", 3 }, { "fast", "zstd", 1 },
        { "ed25519", "none", 0 }, { "ed25519", "brotli", 10 },
    };
    double per_tx_none = 0;
    const char *only = getenv("BENCH_ROLLUP_ONLY");   /* "fast+zstd-3": one run, to profile */
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char name[32], codec[16];
        snprintf(codec, sizeof codec, "%s-%d", runs[i].codec, runs[i].level);
        if (runs[i].level == 0)
            snprintf(codec, sizeof codec, "%s", runs[i].codec);
        snprintf(name, sizeof name, "%s+%s", runs[i].crypto, codec);
        if (only && strcmp(only, name) != 0)
            continue;
        /* brotli-10 compresses ~1 MB/s: its pair of runs is cut to 200,000 transfers */
        bool pair = strcmp(runs[i].codec, "zstd") != 0;
        long m = pair && n > 200000 ? 200000 : n;
        struct result r = run_one(runs[i].crypto, runs[i].codec, runs[i].level, m);
        double bound = strcmp(runs[i].crypto, "fast") == 0 ? b_fast : b_ed;
        printf("  %-7s + %-9s %8llu transfers in %6.1f s CPU: %8.0f transfers/s = %5.1f%% of the"
               " bound; %llu batches, %.1f bytes posted per transfer; the run's end (txs rows)"
               " %.1f s", runs[i].crypto, codec, (unsigned long long)r.executed,
               r.cpu_s, r.tps, 100 * r.tps / bound, (unsigned long long)r.batches,
               (double)r.compressed / (double)r.executed, r.end_s);
        double per_tx = r.cpu_s / (double)r.executed;
        if (strcmp(runs[i].codec, "none") == 0)
            per_tx_none = per_tx;
        if (strcmp(runs[i].codec, "brotli") == 0 && per_tx_none > 0)
            printf("; the codec %.0f%% of the time (against the same run uncompressed)",
                   100 * (per_tx - per_tx_none) / per_tx);
        printf("\n");
    }
    return 0;
}

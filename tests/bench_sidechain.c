/* bench_sidechain.c — the sidechain protocol cores without the simulator around them
 * (models/sidechain): consensus heights per second of CPU for 100 validators of equal
 * stake, every proposal and vote signed and verified by every receiver, messages
 * delivered in FIFO order with no delay (so each height commits in round 0 and a
 * height is a round), in each crypto mode; and bridge withdrawals checked per second
 * with 67 of those 100 signing (the smallest quorum). An upper bound for the future
 * sidechain scheme, and where its time goes: n^2 signature verifications a round.
 * Then the `sidechain` scheme itself in a world (models/sidechain/scheme_sidechain.c):
 * heights per CPU second with 100 validators and Ed25519 on the scheduler (message
 * delays, timeouts, the per-broadcast verification), and user transfers per CPU
 * second (signed, admitted, built into blocks, executed, recorded) under load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/run/run.h"
#include "models/sidechain/bft.h"
#include "models/sidechain/bridge.h"
#include "models/world.h"

enum { N = 100, CHAIN = 1, KIND_VALIDATOR = 7 };

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct item {
    size_t to;
    struct bft_msg msg;
};

static struct item *queue;
static size_t qhead, qtail, qcap;

static void enqueue(size_t to, const struct bft_msg *m)
{
    if (qtail == qcap) {
        if (qhead > 0) {
            memmove(queue, queue + qhead, (qtail - qhead) * sizeof *queue);
            qtail -= qhead;
            qhead = 0;
        }
        if (qtail == qcap) {
            qcap = qcap ? 2 * qcap : 65536;
            queue = realloc(queue, qcap * sizeof *queue);
            if (!queue)
                exit(1);
        }
    }
    queue[qtail++] = (struct item){ .to = to, .msg = *m };
}

static void get_value(void *ctx, uint64_t h, uint32_t r, uint8_t out[BFT_HASH_BYTES])
{
    uint64_t in[2] = { h, r };
    hash_sha256(out, in, sizeof in);
}

static void fan_out(size_t from, const struct bft_out *out, uint64_t *sent)
{
    for (size_t k = 0; k < out->nmsgs; k++)
        for (size_t j = 0; j < N; j++)
            if (j != from) {
                enqueue(j, &out->msgs[k]);
                (*sent)++;
            }
}

static void bench_consensus(enum sig_mode mode, uint64_t heights)
{
    static uint8_t pk[N][SIG_PUBLICKEY_BYTES];
    static uint64_t power[N];
    static struct sig_keypair kp[N];
    struct sig_ctx sig;
    sig_ctx_init(&sig, mode, 1);
    for (size_t i = 0; i < N; i++) {
        sig_keypair_derive(&sig, KIND_VALIDATOR, i, &kp[i]);
        memcpy(pk[i], kp[i].pk, SIG_PUBLICKEY_BYTES);
        power[i] = 1;
    }
    struct bft_set set = { .n = N, .pk = (const uint8_t (*)[SIG_PUBLICKEY_BYTES])pk,
                           .power = power, .total = N };
    struct bft_config cfg = { .chain_id = CHAIN, .timeout_propose_us = 1000000,
                              .timeout_prevote_us = 500000, .timeout_precommit_us = 500000,
                              .timeout_delta_us = 250000 };
    struct bft *v[N];
    for (size_t i = 0; i < N; i++)
        v[i] = bft_new(&cfg, &sig, &set, i, &kp[i], get_value, NULL);
    struct bft_out *out = malloc(sizeof *out);
    if (!out)
        exit(1);
    uint64_t sent = 0, rounds = 0;
    qhead = qtail = 0;
    double t0 = cpu_now();
    for (size_t i = 0; i < N; i++) {
        bft_start(v[i], out);
        fan_out(i, out, &sent);
    }
    /* Timeouts are never needed with instant delivery: nobody waits on one. */
    while (qhead < qtail && bft_height(v[0]) <= heights) {
        struct item it = queue[qhead++];
        bft_on_message(v[it.to], &it.msg, out);
        for (size_t k = 0; k < out->ndecisions; k++)
            if (it.to == 0)
                rounds += out->decisions[k].round + 1;
        fan_out(it.to, out, &sent);
    }
    double dt = cpu_now() - t0;
    uint64_t done = bft_height(v[0]) - 1;
    printf("  bft %-8s %3d validators: %8.2f heights/s  %8.2f rounds/s  (%llu heights, "
           "%llu rounds, %.0f messages verified/s)\n",
           sig_mode_name(mode), N, (double)done / dt, (double)rounds / dt,
           (unsigned long long)done, (unsigned long long)rounds, (double)sent / dt);
    for (size_t i = 0; i < N; i++)
        bft_free(v[i]);
    free(out);
}

static void bench_bridge(enum sig_mode mode, unsigned calls)
{
    static uint8_t pk[N][SIG_PUBLICKEY_BYTES];
    static uint64_t power[N];
    static struct sig_keypair kp[N];
    struct sig_ctx sig;
    sig_ctx_init(&sig, mode, 1);
    for (size_t i = 0; i < N; i++) {
        sig_keypair_derive(&sig, KIND_VALIDATOR, i, &kp[i]);
        memcpy(pk[i], kp[i].pk, SIG_PUBLICKEY_BYTES);
        power[i] = 1;
    }
    struct bridge *b = bridge_new(CHAIN, &sig);
    bridge_checkpoint_validators(b, (const uint8_t (*)[SIG_PUBLICKEY_BYTES])pk, power, N);
    bridge_deposit(b, (u128)calls * 1000);
    enum { Q = 67 };   /* 3 * 67 > 2 * 100 */
    struct bridge_sig *s = malloc(calls * Q * sizeof *s);
    if (!s)
        exit(1);
    for (unsigned c = 0; c < calls; c++) {
        struct bridge_withdrawal w = { .chain_id = CHAIN, .recipient = c, .amount = 1000, .nonce = c };
        for (uint32_t i = 0; i < Q; i++)
            bridge_sign(&sig, &kp[i], i, &w, &s[c * Q + i]);
    }
    double t0 = cpu_now();
    uint64_t gas = 0;
    for (unsigned c = 0; c < calls; c++) {
        struct bridge_withdrawal w = { .chain_id = CHAIN, .recipient = c, .amount = 1000, .nonce = c };
        struct bridge_receipt r;
        if (bridge_withdraw(b, &w, &s[c * Q], Q, &r) != BRIDGE_RELEASED)
            exit(1);
        gas = r.exec_gas;
    }
    double dt = cpu_now() - t0;
    printf("  bridge %-8s withdrawals with %d of %d signatures: %9.1f /s (exec gas %llu each)\n",
           sig_mode_name(mode), Q, N, calls / dt, (unsigned long long)gas);
    free(s);
    bridge_free(b);
}

/* Run one sidechain scenario in a world on a scratch database; print heights and
 * transfers per CPU second of the run (world construction excluded). */
static void bench_scheme(const char *label, const char *yaml)
{
    struct err e;
    err_init(&e);
    struct scn *s;
    if (scn_load_text(model_schema(), "bench.yaml", yaml, strlen(yaml), NULL, 0, &s, &e) != 0) {
        fprintf(stderr, "bench scenario: %s\n", e.msg);
        exit(1);
    }
    char path[] = "/tmp/l2sim-bench-sc-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        exit(1);
    close(fd);
    struct store *st;
    int64_t run_id;
    uint64_t seed = scn_uint(s, "seed");
    if (store_open(path, &st, &e) != 0 || run_begin(st, s, seed, seed, 0, &run_id, &e) != 0) {
        fprintf(stderr, "bench store: %s\n", e.msg);
        exit(1);
    }
    static const size_t only[] = { 0 };
    struct world_spec spec = { .scn = s, .store = st, .run_id = run_id, .seed = seed,
                               .name = "bench", .schemes = only, .nschemes = 1 };
    struct world *w;
    if (world_new(&spec, &w, &e) != 0) {
        fprintf(stderr, "bench world: %s\n", e.msg);
        exit(1);
    }
    double t0 = cpu_now();
    sim_run(w->sim, w->duration, 0);
    double dt = cpu_now() - t0;
    if (world_finish(w) != 0) {
        fprintf(stderr, "bench run failed: %s\n", w->failure);
        exit(1);
    }
    sqlite3_stmt *q;
    sqlite3_prepare_v2(store_db(st), "SELECT (SELECT count(*) FROM sidechain_blocks),"
                       " (SELECT sum(txs) FROM sidechain_blocks), (SELECT count(*) FROM"
                       " sidechain_blocks WHERE round > 0)", -1, &q, NULL);
    sqlite3_step(q);
    double heights = sqlite3_column_double(q, 0), txs = sqlite3_column_double(q, 1);
    long later = (long)sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    printf("  scheme %-44s %8.1f heights/s, %9.1f transfers/s (%.0f heights, %.0f txs, "
           "%ld in a later round, %.1f CPU s)\n", label, heights / dt, txs / dt, heights, txs,
           later, dt);
    world_free(w);
    store_close(st);
    store_remove(path);
    scn_free(s);
}

int main(void)
{
    printf("bench_sidechain (per CPU second):\n");
    bench_consensus(SIG_ED25519, 3);
    bench_consensus(SIG_FAST, 20);
    bench_bridge(SIG_ED25519, 100);
    bench_bridge(SIG_FAST, 2000);
    bench_scheme("100 validators, ed25519, 0.2 transfers/s:",
                 "name: b\nseed: 1\nduration: 2m\n"
                 "l1: {fork: prague, finality_depth: 2, demand: {rate: 10/block}}\n"
                 "workload: {users: 100, transfers: {rate: 0.2/s}}\n"
                 "schemes: [{type: sidechain, validators: 100}]\n");
    bench_scheme("21 validators, ed25519, 300 transfers/s:",
                 "name: b\nseed: 1\nduration: 10m\n"
                 "l1: {fork: prague, finality_depth: 2, demand: {rate: 10/block}}\n"
                 "workload: {users: 20000, transfers: {rate: 300/s},"
                 " willingness: {median: 0.01eth}, balance: {median: 100eth}}\n"
                 "schemes: [{type: sidechain, validators: 21}]\n");
    bench_scheme("21 validators, fast, 300 transfers/s:",
                 "name: b\nseed: 1\nduration: 10m\ncrypto: fast\n"
                 "l1: {fork: prague, finality_depth: 2, demand: {rate: 10/block}}\n"
                 "workload: {users: 20000, transfers: {rate: 300/s},"
                 " willingness: {median: 0.01eth}, balance: {median: 100eth}}\n"
                 "schemes: [{type: sidechain, validators: 21}]\n");
    free(queue);
    return 0;
}

/* bench_rollup.c — the rollup protocol cores without the simulator around them
 * (models/rollup): transfers per second of CPU through a sequencer's work — judge and
 * execute each signed transfer against the state (signature, nonce, balance, three
 * account leaves), read the state root once per L2 block, encode the block as batch
 * bytes and compress them — in each crypto mode, with the root read after every
 * transfer (an execution trace, what a dispute needs) or once per block of 1,000.
 * Signing is the users' work, measured apart. 100,000 accounts in a depth-32 tree;
 * the codec rows run the first 20,000 transfers.
 * An upper bound for a rollup scheme's throughput, and where its time goes. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>
#include "models/crypto/codec.h"
#include "models/rollup/batch.h"
#include "sim/rng.h"

enum { USERS = 100000, BLOCK = 1000, CHAIN = 1 };

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_rollup: %s\n", what);
    exit(1);
}

struct setup {
    struct sig_ctx      sig;
    struct sig_keypair *key;
    struct l2_transfer    *txs;
    size_t              n;
    double              sign_s;
};

/* USERS keys and n signed transfers between random users, each with its sender's
 * next nonce; the signing time is the users'. */
static void prepare(struct setup *su, enum sig_mode mode, size_t n)
{
    sig_ctx_init(&su->sig, mode, 1);
    su->key = malloc(USERS * sizeof *su->key);
    for (uint64_t u = 0; u < USERS; u++)
        sig_keypair_derive(&su->sig, 1, u, &su->key[u]);
    su->txs = malloc(n * sizeof *su->txs);
    su->n = n;
    uint64_t *nonce = calloc(USERS, sizeof *nonce);
    gsl_rng *r = rng_stream(1, 3, 0, 0);
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        uint64_t from = 1 + gsl_rng_uniform_int(r, USERS - 1), to = gsl_rng_uniform_int(r, USERS);
        su->txs[i] = (struct l2_transfer){ .chain_id = CHAIN, .from = from, .to = to,
                                        .amount = 1000000000u, .fee = 21000,
                                        .nonce = nonce[from]++ };
        transfer_sign(&su->txs[i], &su->sig, &su->key[from]);
    }
    su->sign_s = cpu_now() - t0;
    gsl_rng_free(r);
    free(nonce);
}

/* Execute the first n transfers on a fresh genesis (index 0 collects fees); the root
 * after each transfer or once per block; each block encoded and compressed when codec
 * is given. Returns CPU seconds. */
static double sequence(const struct setup *su, size_t n, bool root_per_transfer,
                       struct codec *codec, size_t *compressed)
{
    struct l2_state *s = state_new(CHAIN, 32, &su->sig, 0);
    struct err e;
    err_init(&e);
    for (uint64_t u = 0; u < USERS; u++)
        if (state_deposit(s, u, su->key[u].pk, (u128)1000000000000000000ull, &e) != 0)
            die(e.msg);
    uint8_t root[MERKLE_HASH_BYTES];
    state_root(s, root);
    size_t raw_cap = batch_encoded_size(BLOCK);
    uint8_t *raw = malloc(raw_cap), *z = codec ? malloc(codec_bound(codec, raw_cap)) : NULL;
    *compressed = 0;
    double t0 = cpu_now();
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t m = n - b < BLOCK ? n - b : BLOCK;
        for (size_t i = b; i < b + m; i++) {
            if (state_apply(s, &su->txs[i]) != TRANSFER_OK)
                die("a valid transfer was refused");
            if (root_per_transfer)
                state_root(s, root);
        }
        state_root(s, root);
        if (codec) {
            size_t zlen;
            batch_encode(su->txs + b, m, CHAIN, raw);
            if (codec_compress(codec, raw, batch_encoded_size(m), z,
                               codec_bound(codec, raw_cap), &zlen, &e) != 0)
                die(e.msg);
            *compressed += zlen;
        }
    }
    double t = cpu_now() - t0;
    free(raw), free(z);
    state_free(s);
    return t;
}

static void bench_mode(enum sig_mode mode, size_t n)
{
    struct setup su;
    prepare(&su, mode, n);
    printf("  %-7s %zu transfers, signing %.0f /s (the users' side)\n", sig_mode_name(mode), n,
           (double)n / su.sign_s);
    size_t z;
    struct err e;
    err_init(&e);
    double trace = sequence(&su, n, true, NULL, &z);
    double block = sequence(&su, n, false, NULL, &z);
    printf("    execute, root after every transfer       %9.0f transfers/s\n", (double)n / trace);
    printf("    execute, root per block of %d          %9.0f transfers/s\n", BLOCK,
           (double)n / block);
    static const struct { enum codec_kind k; int level; } codecs[] = {
        { CODEC_ZSTD, 3 }, { CODEC_BROTLI, 10 },
    };
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        struct codec *codec;
        if (codec_new(codecs[c].k, codecs[c].level, &codec, &e) != 0)
            die(e.msg);
        size_t nc = n < 20000 ? n : 20000;   /* brotli-10 runs at about 1 MB/s */
        double t = sequence(&su, nc, false, codec, &z);
        printf("    ... and each block's batch %s-%-2d        %9.0f transfers/s (%.1f bytes "
               "per transfer posted)\n", codec_name(codecs[c].k), codecs[c].level,
               (double)nc / t, (double)z / (double)nc);
        codec_free(codec);
    }
    free(su.key), free(su.txs);
}

int main(void)
{
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    printf("rollup cores, per CPU second (%d accounts, depth-32 state tree):\n", USERS);
    bench_mode(SIG_ED25519, 20000);
    bench_mode(SIG_FAST, 200000);
    return 0;
}

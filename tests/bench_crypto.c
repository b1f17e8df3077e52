/* bench_crypto.c — the cost of the crypto every scheme runs (models/crypto): Ed25519
 * and fast-mode sign and verify per second, SHA-256 per second on 64-byte inputs and
 * MB/s on 1 MiB, Merkle leaf updates per second in a depth-32 account tree, and
 * compress / decompress MB/s of each codec at the levels a batcher would use, on
 * batch-like bytes (transfer records: addresses, nonces, amounts, signatures).
 * Rates are per second of process CPU time (a shared machine disturbs it less than
 * wall time), each over at least 0.3 s. Every result is checked (signatures verify,
 * round trips are exact), so a broken primitive cannot post a figure. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <math.h>
#include "models/crypto/codec.h"
#include "models/crypto/hash.h"
#include "models/crypto/merkle.h"
#include "models/crypto/sig.h"
#include "sim/rng.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run op(ctx, i) in growing rounds until 0.3 s of CPU time have passed; ops/s. */
static double rate(void (*op)(void *ctx, unsigned long i), void *ctx)
{
    unsigned long done = 0, round = 1;
    double t0 = cpu_now(), t;
    do {
        for (unsigned long k = 0; k < round; k++)
            op(ctx, done + k);
        done += round;
        round *= 2;
        t = cpu_now() - t0;
    } while (t < 0.3);
    return (double)done / t;
}

static void fail(const char *what)
{
    fprintf(stderr, "bench_crypto: %s\n", what);
    exit(1);
}

/* ---- signatures ---- */

struct sig_bench {
    struct sig_ctx     c;
    struct sig_keypair kp[64];
    uint8_t            msg[64][120];   /* about one encoded transfer */
    uint8_t            sig[64][SIG_BYTES];
};

static void op_sign(void *p, unsigned long i)
{
    struct sig_bench *b = p;
    size_t k = i & 63;
    b->msg[k][0] = (uint8_t)i;   /* a different message every time */
    sig_sign(&b->c, &b->kp[k], b->msg[k], sizeof b->msg[k], b->sig[k]);
}

static void op_verify(void *p, unsigned long i)
{
    struct sig_bench *b = p;
    size_t k = i & 63;
    if (!sig_verify(&b->c, b->kp[k].pk, b->msg[k], sizeof b->msg[k], b->sig[k]))
        fail("a signature failed to verify");
}

static void bench_sig(enum sig_mode mode)
{
    struct sig_bench *b = calloc(1, sizeof *b);
    sig_ctx_init(&b->c, mode, 1);
    for (uint32_t k = 0; k < 64; k++) {
        sig_keypair_derive(&b->c, 1, k, &b->kp[k]);
        memset(b->msg[k], (int)k, sizeof b->msg[k]);
    }
    double s = rate(op_sign, b);
    for (size_t k = 0; k < 64; k++)   /* the last signatures over the last messages */
        sig_sign(&b->c, &b->kp[k], b->msg[k], sizeof b->msg[k], b->sig[k]);
    double v = rate(op_verify, b);
    printf("  %-8s sign %10.0f /s   verify %10.0f /s   (120-byte messages)\n",
           sig_mode_name(mode), s, v);
    free(b);
}

/* ---- hashing ---- */

struct hash_bench {
    uint8_t *buf;
    size_t   len;
    uint8_t  out[32];
};

static void op_sha256(void *p, unsigned long i)
{
    struct hash_bench *h = p;
    h->buf[0] = (uint8_t)i;
    hash_sha256(h->out, h->buf, h->len);
}

static void bench_hash(void)
{
    struct hash_bench h = { .buf = calloc(1 << 20, 1), .len = 64 };
    double small = rate(op_sha256, &h);
    h.len = 1 << 20;
    double big = rate(op_sha256, &h);
    printf("  sha256   %10.0f hashes/s of 64 bytes   %8.1f MB/s on 1 MiB\n", small,
           big * (double)h.len / 1e6);
    free(h.buf);
}

/* ---- Merkle ---- */

struct merkle_bench {
    struct merkle_tree *t;
    uint64_t            accounts;
    gsl_rng            *r;
};

static void op_merkle(void *p, unsigned long i)
{
    struct merkle_bench *m = p;
    uint8_t leaf[32];
    memset(leaf, 0, sizeof leaf);
    memcpy(leaf, &i, sizeof i);
    merkle_tree_set(m->t, gsl_rng_uniform_int(m->r, m->accounts), leaf);
}

static void bench_merkle(void)
{
    struct merkle_bench m = { merkle_tree_new(32), 1000000, rng_stream(1, 1, 1, 1) };
    uint8_t (*genesis)[32] = calloc(m.accounts, 32);   /* a million accounts exist */
    for (uint64_t a = 0; a < m.accounts; a++)
        memcpy(genesis[a], &a, sizeof a);
    merkle_tree_load(m.t, (const uint8_t (*)[32])genesis, m.accounts);
    free(genesis);
    double u = rate(op_merkle, &m);
    uint8_t root[32], rebuilt[32];
    merkle_tree_root(m.t, root);
    merkle_tree_rebuild_root(m.t, rebuilt);
    if (memcmp(root, rebuilt, 32) != 0)
        fail("the incremental Merkle root differs from a rebuild");
    printf("  merkle   %10.0f leaf updates/s (depth 32, random leaves of 10^6 accounts)\n", u);
    merkle_tree_free(m.t);
    gsl_rng_free(m.r);
}

/* ---- codecs ---- */

/* Transfer records as a batcher would encode them: from and to addresses (20 bytes)
 * drawn from 10,000 users with skewed activity (index = 10^4 * U^3: a few users send
 * most transfers), the sender's nonce (LE64, counting up), an amount in wei (LE128,
 * lognormal with median 0.05 ETH, sigma 1.2, rounded to gwei), a max fee (LE64, in
 * gwei) and a 64-byte signature (random bytes: incompressible). */
enum { USERS = 10000, REC = 20 + 20 + 8 + 16 + 8 + 64 };

static void put_le(uint8_t *p, u128 v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *batch_input(size_t n)
{
    gsl_rng *r = rng_stream(1, 2, 0, 0);
    uint8_t (*addr)[20] = malloc(USERS * sizeof *addr);
    uint64_t *nonce = calloc(USERS, sizeof *nonce);
    for (size_t u = 0; u < USERS; u++)
        for (int i = 0; i < 20; i++)
            addr[u][i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    uint8_t *b = malloc(n);
    for (size_t at = 0; at < n; at += REC) {
        uint8_t rec[REC];
        double u = gsl_rng_uniform(r);
        size_t from = (size_t)(USERS * u * u * u), to = gsl_rng_uniform_int(r, USERS);
        memcpy(rec, addr[from], 20);
        memcpy(rec + 20, addr[to], 20);
        put_le(rec + 40, nonce[from]++, 8);
        uint64_t gwei = (uint64_t)(5e7 * exp(1.2 * gsl_ran_ugaussian(r))) + 1;
        put_le(rec + 48, (u128)gwei * 1000000000u, 16);
        put_le(rec + 64, 1 + gsl_rng_uniform_int(r, 30), 8);
        for (int i = 0; i < 64; i++)
            rec[72 + i] = (uint8_t)gsl_rng_uniform_int(r, 256);
        memcpy(b + at, rec, n - at < REC ? n - at : REC);
    }
    free(addr), free(nonce);
    gsl_rng_free(r);
    return b;
}

struct codec_bench {
    struct codec *c;
    const uint8_t *in;
    size_t        n, zlen, cap;
    uint8_t      *z, *back;
};

static void op_compress(void *p, unsigned long i)
{
    struct codec_bench *b = p;
    struct err e;
    err_init(&e);
    if (codec_compress(b->c, b->in, b->n, b->z, b->cap, &b->zlen, &e) != 0)
        fail(e.msg);
}

static void op_decompress(void *p, unsigned long i)
{
    struct codec_bench *b = p;
    struct err e;
    err_init(&e);
    size_t out;
    if (codec_decompress(b->c, b->z, b->zlen, b->back, b->n, &out, &e) != 0 || out != b->n)
        fail("a batch did not decompress to its own size");
}

static void bench_codecs(void)
{
    size_t n = 256 * 1024;   /* a large batch: about 1,900 transfers */
    uint8_t *in = batch_input(n);
    static const struct { enum codec_kind k; int level; } cases[] = {
        { CODEC_ZSTD, 1 }, { CODEC_ZSTD, 3 }, { CODEC_ZSTD, 19 },
        { CODEC_BROTLI, 1 }, { CODEC_BROTLI, 10 }, { CODEC_BROTLI, 11 },
    };
    printf("  codecs on a %zu KiB batch of %zu transfer records (%d bytes each, 64 of them "
           "a signature):\n", n / 1024, n / REC, REC);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct codec_bench b = { .in = in, .n = n };
        struct err e;
        err_init(&e);
        if (codec_new(cases[i].k, cases[i].level, &b.c, &e) != 0)
            fail(e.msg);
        b.cap = codec_bound(b.c, n);
        b.z = malloc(b.cap), b.back = malloc(n);
        double cr = rate(op_compress, &b);
        double dr = rate(op_decompress, &b);
        if (memcmp(b.back, in, n) != 0)
            fail("a round trip changed the batch");
        char name[16];
        snprintf(name, sizeof name, "%s-%d", codec_name(cases[i].k), cases[i].level);
        printf("    %-10s ratio %5.3f   compress %8.1f MB/s   decompress %8.1f MB/s\n", name,
               (double)b.zlen / (double)n, cr * (double)n / 1e6, dr * (double)n / 1e6);
        free(b.z), free(b.back);
        codec_free(b.c);
    }
    free(in);
}

int main(void)
{
    if (sodium_init() < 0)
        fail("libsodium failed to initialise");
    printf("crypto benchmark (per CPU second):\n");
    bench_sig(SIG_ED25519);
    bench_sig(SIG_FAST);
    bench_hash();
    bench_merkle();
    bench_codecs();
    return 0;
}

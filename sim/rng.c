/* rng.c — xoshiro256** as a GSL generator type, seeded per (kind, id, purpose)
 * from BLAKE2b (libsodium). See rng.h for the derivation. */
#include "sim/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

struct xoshiro { uint64_t s[4]; };

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t xoshiro_next(struct xoshiro *x)
{
    uint64_t *s = x->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* gsl_rng_set's 64-bit seed path, for generic use; rng_stream bypasses it. */
static void xoshiro_set(void *state, unsigned long seed)
{
    struct xoshiro *x = state;
    uint64_t z = (uint64_t)seed;
    for (int i = 0; i < 4; i++) {          /* SplitMix64 expansion, as the authors advise */
        z += 0x9e3779b97f4a7c15ull;
        uint64_t v = z;
        v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
        v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
        x->s[i] = v ^ (v >> 31);
    }
}

/* GSL's integer interface is 32 bits wide here (max 2^32-1) so that gsl_rng_uniform_int
 * and friends never see a range wider than unsigned long arithmetic handles. */
static unsigned long xoshiro_get(void *state) { return (unsigned long)(xoshiro_next(state) >> 32); }

/* 53 random bits, in [0, 1). */
static double xoshiro_get_double(void *state)
{
    return (double)(xoshiro_next(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256**", 0xffffffffUL, 0, sizeof(struct xoshiro),
    xoshiro_set, xoshiro_get, xoshiro_get_double,
};
const gsl_rng_type *rng_xoshiro256ss = &xoshiro_type;

/* Little-endian, whatever the host's order; written as one expression, which
 * compilers turn into a single load where the host is little-endian. */
static uint64_t get_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- BLAKE2b (RFC 7693) for the unnamed streams ----
 * Every stream's hash starts with the same key block ("l2sim/rng/v1" padded to 128
 * bytes), so its compression is done once and its chaining value kept: a stream then
 * costs one compression (its 24-byte message, the final block) instead of two. The
 * digest is libsodium's crypto_generichash with the same key and message, bit for bit
 * (tests/test_rng.c compares them); named streams (rng_stream_ns) still go through
 * libsodium. */

static const uint64_t blake2b_iv[8] = {
    UINT64_C(0x6a09e667f3bcc908), UINT64_C(0xbb67ae8584caa73b),
    UINT64_C(0x3c6ef372fe94f82b), UINT64_C(0xa54ff53a5f1d36f1),
    UINT64_C(0x510e527fade682d1), UINT64_C(0x9b05688c2b3e6c1f),
    UINT64_C(0x1f83d9abfb41bd6b), UINT64_C(0x5be0cd19137e2179),
};

/* RFC 7693 section 2.7: the message word schedule of rounds 0-9 (10 and 11 repeat 0, 1) */
static const uint8_t blake2b_sigma[10][16] = {
    { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
    { 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
    { 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
    { 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
    { 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
    { 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
    { 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
    { 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
    { 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
    { 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static inline uint64_t rotr64(uint64_t x, int k) { return (x >> k) | (x << (64 - k)); }

/* RFC 7693 section 3.2, function F: compress one 128-byte block into h; t is the byte
 * count so far (below 2^64 here), last marks the final block. */
static void blake2b_compress(uint64_t h[8], const unsigned char block[128], uint64_t t,
                             bool last)
{
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++)
        m[i] = get_le64(block + 8 * i);
    for (int i = 0; i < 8; i++)
        v[i] = h[i], v[i + 8] = blake2b_iv[i];
    v[12] ^= t;                         /* the counter's high word is 0 */
    if (last)
        v[14] = ~v[14];
#define G(a, b, c, d, x, y)                                                   \
    do {                                                                      \
        v[a] = v[a] + v[b] + (x); v[d] = rotr64(v[d] ^ v[a], 32);             \
        v[c] = v[c] + v[d];       v[b] = rotr64(v[b] ^ v[c], 24);             \
        v[a] = v[a] + v[b] + (y); v[d] = rotr64(v[d] ^ v[a], 16);             \
        v[c] = v[c] + v[d];       v[b] = rotr64(v[b] ^ v[c], 63);             \
    } while (0)
    /* unrolled: each round's schedule is then constant, the message words picked
     * at compile time instead of loaded through the table (a stream's seed is one
     * compression, and the L1 day derives about 10^6 of them) */
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = blake2b_sigma[r % 10];
        G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
#undef G
    for (int i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
}

static const unsigned char stream_key[] = "l2sim/rng/v1";
static uint64_t keyed_h[8];            /* the chaining value after the key block */
static pthread_once_t keyed_once = PTHREAD_ONCE_INIT;

static void keyed_init(void)
{
    /* parameter block: digest 32 bytes, key 12 bytes, fanout and depth 1 */
    for (int i = 0; i < 8; i++)
        keyed_h[i] = blake2b_iv[i];
    keyed_h[0] ^= UINT64_C(0x01010000) ^ ((uint64_t)(sizeof stream_key - 1) << 8) ^ 32;
    unsigned char block[128] = { 0 };
    memcpy(block, stream_key, sizeof stream_key - 1);
    blake2b_compress(keyed_h, block, 128, false);
}

/* Seed xoshiro stream r from BLAKE2b(key, msg || ns) (ns may be empty: rng_stream). */
static void seed_from(gsl_rng *r, uint64_t master_seed, uint32_t kind, uint64_t id,
                      uint32_t purpose, const char *ns, size_t nslen)
{
    unsigned char out[32];
    unsigned char msg[128] = { 0 };     /* the message, zero-padded to a block */
    put_le(msg, master_seed, 8);
    put_le(msg + 8, kind, 4);
    put_le(msg + 12, id, 8);
    put_le(msg + 20, purpose, 4);
    if (nslen == 0) {
        pthread_once(&keyed_once, keyed_init);
        uint64_t h[8];
        memcpy(h, keyed_h, sizeof h);
        blake2b_compress(h, msg, 128 + 24, true);
        for (int w = 0; w < 4; w++)
            put_le(out + 8 * w, h[w], 8);
    } else {
        crypto_generichash_state st;
        crypto_generichash_init(&st, stream_key, sizeof stream_key - 1, sizeof out);
        crypto_generichash_update(&st, msg, 24);
        crypto_generichash_update(&st, (const unsigned char *)ns, nslen);
        crypto_generichash_final(&st, out, sizeof out);
    }

    struct xoshiro *x = r->state;
    for (int w = 0; w < 4; w++)
        x->s[w] = get_le64(out + 8 * w);
    if ((x->s[0] | x->s[1] | x->s[2] | x->s[3]) == 0)   /* the one forbidden state */
        x->s[0] = 1;
}

static gsl_rng *stream_of(uint64_t master_seed, uint32_t kind, uint64_t id, uint32_t purpose,
                          const char *ns, size_t nslen)
{
    gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);
    if (!r)
        sim_panic("out of memory allocating a random stream");
    seed_from(r, master_seed, kind, id, purpose, ns, nslen);
    return r;
}

void rng_stream_reseed(gsl_rng *r, uint64_t master_seed, uint32_t kind, uint64_t id,
                       uint32_t purpose)
{
    SIM_ASSERT(r->type == rng_xoshiro256ss);
    seed_from(r, master_seed, kind, id, purpose, NULL, 0);
}

gsl_rng *rng_stream(uint64_t master_seed, uint32_t kind, uint64_t id, uint32_t purpose)
{
    return stream_of(master_seed, kind, id, purpose, NULL, 0);
}

gsl_rng *rng_stream_ns(uint64_t master_seed, const char *ns, uint32_t kind, uint64_t id,
                       uint32_t purpose)
{
    size_t n = strlen(ns);
    if (n == 0)
        sim_panic("rng_stream_ns: an empty namespace would be the unnamed stream");
    return stream_of(master_seed, kind, id, purpose, ns, n);
}

uint64_t rng_replication_seed(uint64_t master_seed, uint32_t replication)
{
    if (replication == 0)
        return master_seed;
    gsl_rng *r = rng_stream(master_seed, UINT32_MAX, replication, UINT32_MAX);
    uint64_t s = ((uint64_t)gsl_rng_get(r) << 32) | gsl_rng_get(r);
    gsl_rng_free(r);
    return s & RNG_SEED_MAX;
}

/* A uniform in (0, 1) as gsl_rng_uniform_pos draws it, reading xoshiro's state
 * directly (no call through the generator type) when r is one of ours. */
static inline double uniform_pos(gsl_rng *r)
{
    double u;
    if (r->type == &xoshiro_type)
        do
            u = (double)(xoshiro_next(r->state) >> 11) * 0x1.0p-53;
        while (u == 0);
    else
        u = gsl_rng_uniform_pos(r);
    return u;
}

double rng_ugaussian(gsl_rng *r)
{
    /* GSL's gsl_ran_gaussian (Marsaglia's polar method), step for step: the same
     * uniforms in the same order and the same operations, so the same doubles */
    double x, y, r2;
    do {
        x = -1 + 2 * uniform_pos(r);
        y = -1 + 2 * uniform_pos(r);
        r2 = x * x + y * y;
    } while (r2 > 1.0 || r2 == 0);
    return y * sqrt(-2.0 * log(r2) / r2);
}

double rng_exponential(gsl_rng *r, double mu)
{
    /* GSL's gsl_ran_exponential: one gsl_rng_uniform, -mu log1p(-u) */
    double u = r->type == &xoshiro_type ? (double)(xoshiro_next(r->state) >> 11) * 0x1.0p-53
                                        : gsl_rng_uniform(r);
    return -mu * log1p(-u);
}

uint64_t rng_poisson(gsl_rng *r, double mu)
{
    if (!(mu > 0))
        return 0;
    if (mu < RNG_POISSON_EXACT)
        return gsl_ran_poisson(r, mu);
    double x = round(mu + sqrt(mu) * gsl_ran_ugaussian(r));
    return x <= 0 ? 0 : x >= 0x1p63 ? (uint64_t)1 << 63 : (uint64_t)x;
}

/* rng.c — xoshiro256** as a GSL generator type, seeded per (kind, id, purpose)
 * from BLAKE2b (libsodium). See rng.h for the derivation. */
#include "sim/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <sodium.h>
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

/* Seed xoshiro stream r from BLAKE2b(key, msg || ns) (ns may be empty: rng_stream). */
static void seed_from(gsl_rng *r, uint64_t master_seed, uint32_t kind, uint64_t id,
                      uint32_t purpose, const char *ns, size_t nslen)
{
    static const unsigned char key[] = "l2sim/rng/v1";
    unsigned char out[32];
    unsigned char msg[24];
    put_le(msg, master_seed, 8);
    put_le(msg + 8, kind, 4);
    put_le(msg + 12, id, 8);
    put_le(msg + 20, purpose, 4);
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, sizeof key - 1, sizeof out);
    crypto_generichash_update(&h, msg, sizeof msg);
    if (nslen)
        crypto_generichash_update(&h, (const unsigned char *)ns, nslen);
    crypto_generichash_final(&h, out, sizeof out);

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

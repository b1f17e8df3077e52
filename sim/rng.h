/* rng.h — per-entity random streams. Every draw in l2sim comes from a stream owned
 * by one (kind, id, purpose) triple, derived from the master seed by a hash, so
 * adding an entity or a purpose never shifts another stream's draws.
 * Streams are ordinary gsl_rng objects: every gsl_ran_* distribution works on them. */
#ifndef L2SIM_RNG_H
#define L2SIM_RNG_H

#include <gsl/gsl_rng.h>
#include "sim/util.h"

/* The derivation (stable across versions; changing it changes every result):
 *   state = BLAKE2b-256(key = "l2sim/rng/v1",
 *                       msg = LE64(master_seed) || LE32(kind) || LE64(id) || LE32(purpose))
 * read as four little-endian 64-bit words, seeds xoshiro256** (Blackman & Vigna 2018),
 * a generator with 2^256-1 period whose full 256-bit state comes from the hash, so
 * distinct triples never share a seed the way 32-bit-seeded generators would.
 * Returns a stream the caller owns (gsl_rng_free). */
/* A Poisson draw of mean mu that takes bounded time for any mu. GSL's sampler below
 * RNG_POISSON_EXACT (every mean a realistic scenario has, so those draws are GSL's
 * exactly); above it, where GSL's loop counts in unsigned int and may never end, the
 * normal approximation N(mu, mu) rounded and clamped to [0, 2^63), whose error is
 * below one part in a thousand of the standard deviation there. */
#define RNG_POISSON_EXACT 1e7
uint64_t rng_poisson(gsl_rng *r, double mu);

/* gsl_ran_ugaussian(r) and gsl_ran_exponential(r, mu), bit for bit (the same
 * algorithms, the same uniforms: tests/test_rng.c compares them over millions of
 * draws), without GSL's call through the generator type for each uniform when r is
 * an rng_stream: the L1's background draws three Gaussians per transaction. */
double rng_ugaussian(gsl_rng *r);
double rng_exponential(gsl_rng *r, double mu);

gsl_rng *rng_stream(uint64_t master_seed, uint32_t kind, uint64_t id, uint32_t purpose);
/* Make stream r (one rng_stream returned) the stream of (kind, id, purpose), as a new
 * rng_stream would be, without allocating: for code that draws a few numbers from
 * each of many streams in turn (users' profiles). */
void rng_stream_reseed(gsl_rng *r, uint64_t master_seed, uint32_t kind, uint64_t id,
                       uint32_t purpose);

/* The largest seed: seeds are 63-bit so that the one decimal form the tool prints is
 * the one SQLite stores (its INTEGER is signed 64-bit) and the one `--seed` and a
 * scenario's `seed` accept back. */
#define RNG_SEED_MAX ((uint64_t)INT64_MAX)

/* A stream in a named namespace (a scheme's name): the message above followed by the
 * name's bytes (at least one), so it never equals an unnamed stream's nor another
 * namespace's. Returns a stream the caller owns. */
gsl_rng *rng_stream_ns(uint64_t master_seed, const char *ns, uint32_t kind, uint64_t id,
                       uint32_t purpose);

/* Seed of replication r derived from the master seed (r = 0 gives the master seed
 * itself, so a single run is reproducible from the seed printed in its row); at most
 * RNG_SEED_MAX, so `--seed` takes it back and runs.seed stores it as printed. */
uint64_t rng_replication_seed(uint64_t master_seed, uint32_t replication);

/* The generator type, for tests and for gsl_rng_alloc. */
extern const gsl_rng_type *rng_xoshiro256ss;

#endif

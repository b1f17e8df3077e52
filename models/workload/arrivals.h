/* arrivals.h — time-varying arrival processes, shared by the user workload
 * ("workload.transfers") and the L1's background demand ("l1.demand"). The rate is
 *     lambda(t) = rate x pattern(t) x spikes(t) x regime(t)
 * with pattern constant or a daily cosine, spikes multiplying inside their windows,
 * and regime the multiplier of a continuous-time Markov chain (pattern: regimes).
 * Arrivals come in batches (geometric sizes, mean burst.mean_size); `rate` counts
 * arrivals, so batches occur at rate / mean_size. Pure model: no engine events. */
#ifndef L2SIM_ARRIVALS_H
#define L2SIM_ARRIVALS_H

#include <gsl/gsl_rng.h>
#include "sim/scenario.h"

struct arrivals;

/* "No arrival before the horizon" (arrivals_next). */
#define ARRIVALS_NONE INT64_MAX

/* The schema rows of one arrival process, as initializers for a model's static
 * scn_param table: PREFIX and RATE_DEF are string literals, RATE_DOC the rate's
 * one-line doc. E.g. in l1_params[]:
 *     ARRIVALS_PARAMS("l1.demand", "300/block",
 *                     "background transactions arriving per slot (or per unit of time)"),
 * Paths: PREFIX.rate, .pattern, .diurnal.{amplitude,peak}, .spikes[].{at,for,multiplier},
 * .regimes[].{multiplier,mean_duration}, .burst.mean_size. */
#define ARRIVALS_PARAMS(PREFIX, RATE_DEF, RATE_DOC)                                     \
    { PREFIX ".rate", SCN_RATE, RATE_DEF, NULL, NULL, NULL, 0, RATE_DOC },              \
    { PREFIX ".pattern", SCN_ENUM, "constant", NULL, NULL, "constant|diurnal|regimes", 0, \
      "how the rate varies: constant, diurnal (daily cosine) or regimes (Markov-modulated)" }, \
    { PREFIX ".diurnal.amplitude", SCN_FRACTION, "0.5", "0", "1", NULL, 0,             \
      "pattern diurnal: rate x (1 + amplitude x cos(2pi (t - peak) / 1d))" },          \
    { PREFIX ".diurnal.peak", SCN_DURATION, "15h", "0s", "1d", NULL, 0,                \
      "pattern diurnal: time of day of the peak (the run starts at midnight)" },        \
    { PREFIX ".spikes", SCN_LIST, NULL, NULL, NULL, NULL, 0,                           \
      "windows of extra demand: [{at: 6h, for: 1h, multiplier: 3}]" },                  \
    { PREFIX ".spikes[].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,        \
      "start of the spike" },                                                           \
    { PREFIX ".spikes[].for", SCN_DURATION, NULL, "1us", NULL, NULL, SCN_REQUIRED,      \
      "length of the spike" },                                                          \
    { PREFIX ".spikes[].multiplier", SCN_REAL, NULL, "0", "1000", NULL, SCN_REQUIRED,   \
      "rate multiplier during the spike (overlapping spikes multiply)" },               \
    { PREFIX ".regimes", SCN_LIST, NULL, NULL, NULL, NULL, 0,                          \
      "pattern regimes: [{multiplier, mean_duration}]; starts in the first, leaves after " \
      "an exponential time, jumps uniformly to another" },                             \
    { PREFIX ".regimes[].multiplier", SCN_REAL, NULL, "0", "1000", NULL, SCN_REQUIRED,  \
      "rate multiplier while in this regime" },                                        \
    { PREFIX ".regimes[].mean_duration", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_REQUIRED, \
      "mean time spent in this regime per visit (exponential)" },                       \
    { PREFIX ".burst.mean_size", SCN_REAL, "1", "1", "1000000", NULL, 0,               \
      "mean size of a batch of simultaneous arrivals (geometric); 1 = one at a time" }

/* Build the process configured under `prefix` (e.g. "l1.demand"). A per-block rate
 * ("180/block") is converted with `slot`; slot == 0 means the caller has no blocks
 * and such a rate is rejected. The regime chain (pattern regimes) draws from its own
 * stream rng_stream(seed, kind, id, purpose), which must be unused elsewhere.
 * Returns 0, or L2_EINPUT with a message at the offending path (*out = NULL).
 * O(spikes log spikes). */
int  arrivals_new(const struct scn *s,    /* validated scenario, borrowed */
                  const char *prefix,     /* rows from ARRIVALS_PARAMS(prefix, ...) */
                  uint64_t seed,          /* the run's seed */
                  uint32_t kind,          /* regime stream: kind (enum rng_kind), */
                  uint64_t id,            /*   entity id */
                  uint32_t purpose,       /*   and purpose */
                  sim_time slot,          /* L1 slot for per-block rates; 0: none */
                  struct arrivals **out,  /* OUT: owned by the caller */
                  struct err *e);
void arrivals_free(struct arrivals *a);

/* The spikes of the process under `prefix` of s as the model applies them (overlapping
 * spikes multiply): their mean multiplier over [0, duration), and in *peak (may be
 * NULL) the largest multiplier in force at any time of it. For the up-front estimate.
 * O(spikes log spikes). */
double   arrivals_spikes_mean(const struct scn *s, const char *prefix, sim_time duration,
                              double *peak);

/* lambda(t): expected arrivals per microsecond at time t >= 0 (batches x mean size).
 * A pure function of t, the scenario and the seed, whatever the order of queries: the
 * regime chain only ever runs forward from the start of its stream (a query earlier
 * than the previous one replays it from t = 0, O(t / mean_duration); queries in
 * increasing order cost O(1) amortized). Not const for that cursor. */
double   arrivals_rate(struct arrivals *a, sim_time t);

/* Integral of lambda over [t0, t1): the expected number of arrivals. Exact for the
 * piecewise-constant parts, closed form for the cosine (so a whole day of diurnal
 * pattern is rate x 1d up to rounding). O(pieces in [t0, t1)). 0 if t1 <= t0. */
double   arrivals_expected(struct arrivals *a, sim_time t0, sim_time t1);

/* A random number of arrivals in [t0, t1): Poisson(expected) when mean_size is 1
 * (one draw from r), else Poisson(expected / mean_size) batches of geometric sizes.
 * For models that work per slot (the L1). O(1 + batches). */
uint64_t arrivals_count(struct arrivals *a, gsl_rng *r, sim_time t0, sim_time t1);

/* The first batch at or after `after` and before `until`, by thinning (Lewis &
 * Shedler 1979) against the piecewise-constant bound of each piece between spike
 * edges and regime switches; *size receives the batch's size (1 when mean_size is 1,
 * drawn from r otherwise). Returns ARRIVALS_NONE (and *size = 0) if there is none.
 * Every draw comes from r, so the sequence is a function of r's stream; calling it
 * again with after = the returned time continues the same Poisson process.
 * Expected O(1 + pieces crossed) draws. */
sim_time arrivals_next(struct arrivals *a, gsl_rng *r, sim_time after, sim_time until,
                       uint64_t *size /* OUT */);

#endif

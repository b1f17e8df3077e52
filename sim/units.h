/* units.h — the quantities a scenario is written in, parsed exactly: durations
 * ("250ms", "12s", "7d"), gas ("21000", "30M"), amounts of ether ("1.5gwei",
 * "0.01eth", "7 wei"), rates ("20/s", "1000/h", "180/block") and fractions ("5%").
 * Pure functions of their text; no engine or model knowledge. */
#ifndef L2SIM_UNITS_H
#define L2SIM_UNITS_H

#include "sim/util.h"

/* Simulated time: microseconds since the start of a run. */
typedef int64_t sim_time;
#define SIM_US   ((sim_time)1)
#define SIM_MS   ((sim_time)1000)
#define SIM_SEC  ((sim_time)1000000)

/* t + d for d >= 0, saturating at INT64_MAX ("never"): a window's end from its start
 * and length, where both may be as large as a scenario allows. */
static inline sim_time sim_time_add_sat(sim_time t, sim_time d)
{
    return t > INT64_MAX - d ? INT64_MAX : t + d;
}
#define SIM_MIN  (60 * SIM_SEC)
#define SIM_HOUR (60 * SIM_MIN)
#define SIM_DAY  (24 * SIM_HOUR)

/* A rate: `count` events per `per` (microseconds), or per L1 block when `per_block`
 * is set (the L1 model supplies the block time). count is a double: rates feed
 * distributions, never protocol state. */
struct unit_rate {
    double   count;
    sim_time per;        /* > 0 unless per_block */
    bool     per_block;
};

/* Every parser takes the whole NUL-terminated text (no leading/trailing space
 * allowed except between number and unit, "12 s" is accepted), returns 0 on
 * success or L2_EINPUT with a short message in `why` (no location: the caller
 * knows where the text came from). `why` has room for UNIT_WHY_MAX bytes; on
 * error *out is left untouched.
 * Numbers are written digits[.digits][e[+-]digits]: "1.5", "2e-9", not ".5" or
 * "1."; an 'e' followed by a digit is an exponent ("1e18wei"), otherwise part of
 * the unit ("1eth"). A sign is accepted only where the value may be negative
 * (unit_int, unit_real, unit_fraction); elsewhere '-' is "negative ..." and '+'
 * is not a number. */
#define UNIT_WHY_MAX 512

/* Duration: a non-negative decimal with unit us, ms, s, m|min, h, d, w (weeks).
 * A bare number is rejected (ambiguous). Fractions are exact to the microsecond
 * ("1.5s" ok; "0.5us" rejected: below resolution). "0" with no unit is accepted. */
int unit_duration(const char *text, sim_time *out, char why[UNIT_WHY_MAX]);

/* Amount of ether in wei: decimal with unit wei, gwei, eth (also "ether");
 * a bare integer is wei. Exact: "1.5gwei" = 1500000000; "0.1wei" is rejected.
 * Negative amounts are rejected. Up to 2^128-1 wei. */
int unit_amount(const char *text, u128 *out, char why[UNIT_WHY_MAX]);

/* Gas: a non-negative integer, optionally with suffix K (10^3) or M (10^6),
 * decimals allowed when exact ("1.5M"). At most INT64_MAX. */
int unit_gas(const char *text, int64_t *out, char why[UNIT_WHY_MAX]);

/* Rate: "<number>/<unit>" with unit s, ms, m|min, h, d, w, or block. Non-negative. */
int unit_rate(const char *text, struct unit_rate *out, char why[UNIT_WHY_MAX]);

/* Fraction: "5%" = 0.05, or a plain decimal "0.05". Range checks are the caller's. */
int unit_fraction(const char *text, double *out, char why[UNIT_WHY_MAX]);

/* Integers: decimal (optional sign for the signed one), no suffix; overflow rejected. */
int unit_int(const char *text, int64_t *out, char why[UNIT_WHY_MAX]);
int unit_uint(const char *text, uint64_t *out, char why[UNIT_WHY_MAX]);

/* Real: a finite decimal or exponent form ("1.2", "3e-4"); NaN/inf rejected. */
int unit_real(const char *text, double *out, char why[UNIT_WHY_MAX]);

/* Boolean: true/false, yes/no, on/off (YAML 1.1 spellings, lower case). */
int unit_bool(const char *text, bool *out, char why[UNIT_WHY_MAX]);

/* Formatting, the inverse of the parsers, for reports and `l2sim list`. Both
 * return buf, always NUL-terminated (truncated if len is too small).
 * Durations: an integer count of the largest unit (w, d, h, m, s, ms, us) that
 * represents the value exactly ("90s" -> "90s", 86400000000 -> "1d", 1.5 s ->
 * "1500ms", 0 -> "0s"; negative values get a '-'); 24 bytes always suffice.
 * Amounts: the shortest of the value written in wei, gwei and eth, the smaller
 * unit on a tie; exact, so it parses back to the same wei; 48 bytes suffice. */
char *unit_format_duration(sim_time t, char *buf, size_t len);
char *unit_format_amount(u128 wei, char *buf, size_t len);   /* "1.5gwei", "0.01eth", "7wei" */

#endif

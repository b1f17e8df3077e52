/* units.c — reads the quantities a scenario is written in (durations, gas, ether,
 * rates, fractions, plain numbers) from their decimal text, and writes durations
 * and amounts back. Exact quantities are computed in integers straight from the
 * digits (never via strtod), so "0.1eth" is 10^17 wei, not a rounded double. */
#include "sim/units.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U128_MAX (~(u128)0)
/* Exponents beyond this are clamped; every number they could matter for has a
 * text longer than any file l2sim reads. */
#define EXP_CLAMP 1000000000000000LL
/* User text quoted in a message is cut to this many bytes so the advice that
 * follows it ("(use us, ms, ...)") still fits in UNIT_WHY_MAX. */
#define SHOWN_MAX 60

/* ---- messages ---------------------------------------------------------------- */

static int fail(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the message into `why` (if given) and returns L2_EINPUT. */
static int fail(char *why, const char *fmt, ...)
{
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, UNIT_WHY_MAX, fmt, ap);
        va_end(ap);
    }
    return L2_EINPUT;
}

/* The user's text as shown in a message: itself, or its first SHOWN_MAX bytes
 * followed by "..." (written into tmp). */
static const char *shown(const char *text, char tmp[SHOWN_MAX + 4])
{
    if (strlen(text) <= SHOWN_MAX + 3)
        return text;
    memcpy(tmp, text, SHOWN_MAX);
    memcpy(tmp + SHOWN_MAX, "...", 4);
    return tmp;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Rules shared by every parser: the text is not empty and neither starts nor
 * ends with white space. `expect` completes "expected ..., got an empty value". */
static int check_text(const char *text, const char *expect, char *why)
{
    char tmp[SHOWN_MAX + 4];
    size_t n = strlen(text);
    if (n == 0)
        return fail(why, "expected %s, got an empty value", expect);
    if (is_space(text[0]) || is_space(text[n - 1]))
        return fail(why, "unexpected space in '%s'", shown(text, tmp));
    return L2_OK;
}

/* ---- decimal numbers ----------------------------------------------------------- */

/* A number as written: [sign] digits [. digits] [e|E [sign] digits]. At least one
 * digit on each side of a decimal point ("1.", ".5" are not numbers). Spans point
 * into the text. */
struct dec {
    bool        negative;
    const char *int_digits;   /* n_int >= 1 digits before the point */
    size_t      n_int;
    const char *frac_digits;  /* n_frac digits after it (0 when there is no point) */
    size_t      n_frac;
    long long   exp;          /* exponent, clamped to +-EXP_CLAMP */
    size_t      mant_len;     /* characters before the exponent */
    size_t      len;          /* characters of the whole number */
};

/* Reads a number at the start of s (a sign only when sign_ok). Returns the number
 * of characters it spans, 0 when s does not start with a well-formed number. */
static size_t scan_dec(const char *s, bool sign_ok, struct dec *d)
{
    size_t i = 0;
    memset(d, 0, sizeof *d);
    if (sign_ok && (s[0] == '+' || s[0] == '-')) {
        d->negative = s[0] == '-';
        i = 1;
    }
    d->int_digits = s + i;
    while (is_digit(s[i]))
        i++;
    d->n_int = (size_t)(s + i - d->int_digits);
    if (d->n_int == 0)
        return 0;
    d->frac_digits = s + i;
    if (s[i] == '.') {
        d->frac_digits = s + ++i;
        while (is_digit(s[i]))
            i++;
        d->n_frac = (size_t)(s + i - d->frac_digits);
        if (d->n_frac == 0)
            return 0;
    }
    d->mant_len = i;
    /* An 'e' is an exponent only when digits follow: "1e9wei" vs "1eth". */
    if ((s[i] == 'e' || s[i] == 'E')
        && (is_digit(s[i + 1])
            || ((s[i + 1] == '+' || s[i + 1] == '-') && is_digit(s[i + 2])))) {
        bool neg = s[++i] == '-';
        if (s[i] == '+' || s[i] == '-')
            i++;
        long long e = 0;
        while (is_digit(s[i])) {
            if (e < EXP_CLAMP)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        if (e > EXP_CLAMP)
            e = EXP_CLAMP;
        d->exp = neg ? -e : e;
    }
    d->len = i;
    return i;
}

/* The i-th significant digit of d, counting integer then fraction digits. */
static unsigned dec_digit(const struct dec *d, long long i)
{
    size_t k = (size_t)i;
    return (unsigned)((k < d->n_int ? d->int_digits[k] : d->frac_digits[k - d->n_int]) - '0');
}

static bool dec_is_zero(const struct dec *d)
{
    for (long long i = 0; i < (long long)(d->n_int + d->n_frac); i++)
        if (dec_digit(d, i) != 0)
            return false;
    return true;
}

static bool mul_u128(u128 a, u128 b, u128 *r)
{
    if (a != 0 && b > U128_MAX / a)
        return false;
    *r = a * b;
    return true;
}

static bool add_u128(u128 a, u128 b, u128 *r)
{
    if (b > U128_MAX - a)
        return false;
    *r = a + b;
    return true;
}

enum exact { EXACT_OK, EXACT_TOO_LARGE, EXACT_INEXACT };

/* *out = d * scale exactly, or why not: the product does not fit 128 bits, or it
 * is not a whole number. Integer arithmetic only; O(digits).
 *
 * The fraction is reduced to r / 10^k with r's last digit nonzero. Then r is odd
 * or not a multiple of 5, so r * scale / 10^k can only be whole when 2^k or 5^k
 * divides scale: k <= 18 for every scale in this file (the largest, 10^18 wei per
 * eth and 6048 * 10^8 us per week). So k > 38 or an overflowing r * scale means
 * "not whole", never "too large". */
static enum exact dec_scale(const struct dec *d, u128 scale, u128 *out)
{
    long long n = (long long)(d->n_int + d->n_frac);
    long long first = 0, last = n - 1;
    while (first < n && dec_digit(d, first) == 0)
        first++;
    if (first == n) {
        *out = 0;
        return EXACT_OK;
    }
    while (dec_digit(d, last) == 0)
        last--;
    long long point = (long long)d->n_int + d->exp; /* digits before the point */

    /* Whole part: digits [first, point), zeros past the last written digit. It is
     * nonzero from its first step, so a long run of zeros overflows in 39 steps. */
    u128 whole = 0;
    for (long long i = first; i < point; i++) {
        unsigned digit = i < n ? dec_digit(d, i) : 0;
        if (!mul_u128(whole, 10, &whole) || !add_u128(whole, digit, &whole))
            return EXACT_TOO_LARGE;
    }
    u128 value;
    if (!mul_u128(whole, scale, &value))
        return EXACT_TOO_LARGE;

    if (last >= point) {
        long long k = last + 1 - point; /* fraction digits up to the last nonzero */
        if (k > 38)
            return EXACT_INEXACT;
        u128 r = 0, pow10 = 1, scaled;
        for (long long i = point > first ? point : first; i <= last; i++)
            r = r * 10 + dec_digit(d, i);
        for (long long i = 0; i < k; i++)
            pow10 *= 10;
        if (!mul_u128(r, scale, &scaled) || scaled % pow10 != 0)
            return EXACT_INEXACT;
        if (!add_u128(value, scaled / pow10, &value))
            return EXACT_TOO_LARGE;
    }
    *out = value;
    return EXACT_OK;
}

/* Converts the first `len` characters of s, already checked to be a number by
 * scan_dec, to the nearest double. False when it is out of range (infinite).
 * strtod reads '.' as the point because l2sim never calls setlocale. */
static bool dec_to_double(const char *s, size_t len, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    SIM_ASSERT(end == s + len);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ---- exact quantities: durations, amounts, gas ---------------------------------------- */

struct unit_def {
    const char *name;
    u128        scale; /* base units (us, wei, gas) per one of this unit */
};

/* What differs between the exact quantities. */
struct qty_kind {
    const char            *what;       /* "duration": "negative duration '-5s'" */
    const char            *expect;     /* "expected <expect>, got 'abc'" */
    const struct unit_def *units;
    size_t                 n_units;
    const char            *unit_list;  /* "unknown unit 'x' (use <unit_list>)" */
    u128                   bare_scale; /* scale of a bare number; 0: only zero may be bare */
    const char            *bare_hint;  /* "duration '12' needs a unit, e.g. 12<bare_hint>" */
    const char            *inexact;    /* "'0.5us'<inexact>" */
    u128                   max;
};

static const struct unit_def duration_units[] = {
    {"us", 1},
    {"ms", 1000},
    {"s", 1000000},
    {"m", (u128)60 * 1000000},
    {"min", (u128)60 * 1000000},
    {"h", (u128)3600 * 1000000},
    {"d", (u128)86400 * 1000000},
    {"w", (u128)7 * 86400 * 1000000},
};

static const struct qty_kind duration_kind = {
    .what = "duration",
    .expect = "a duration such as 250ms or 12s",
    .units = duration_units,
    .n_units = ARRAY_LEN(duration_units),
    .unit_list = "us, ms, s, m, h, d, w",
    .bare_scale = 0,
    .bare_hint = "s",
    .inexact = " is below the 1us resolution",
    .max = INT64_MAX,
};

static const struct unit_def amount_units[] = {
    {"wei", 1},
    {"gwei", 1000000000},
    {"eth", (u128)1000000000 * 1000000000},
    {"ether", (u128)1000000000 * 1000000000},
};

static const struct qty_kind amount_kind = {
    .what = "amount",
    .expect = "an amount such as 7wei, 1.5gwei or 0.01eth",
    .units = amount_units,
    .n_units = ARRAY_LEN(amount_units),
    .unit_list = "wei, gwei, eth",
    .bare_scale = 1,
    .bare_hint = "",
    .inexact = " is below the 1wei resolution",
    .max = U128_MAX,
};

static const struct unit_def gas_units[] = {
    {"K", 1000},
    {"M", 1000000},
};

static const struct qty_kind gas_kind = {
    .what = "gas",
    .expect = "gas such as 21000 or 30M",
    .units = gas_units,
    .n_units = ARRAY_LEN(gas_units),
    .unit_list = "K or M",
    .bare_scale = 1,
    .bare_hint = "",
    .inexact = " is not a whole amount of gas",
    .max = INT64_MAX,
};

/* The parser behind unit_duration, unit_amount and unit_gas: a non-negative
 * number, optionally one space, then a unit of `k` (or none, see bare_scale). */
static int parse_qty(const struct qty_kind *k, const char *text, u128 *out, char *why)
{
    char tmp[SHOWN_MAX + 4], utmp[SHOWN_MAX + 4];
    const char *t = shown(text, tmp);
    int rc = check_text(text, k->expect, why);
    if (rc != L2_OK)
        return rc;
    if (text[0] == '-')
        return fail(why, "negative %s '%s'", k->what, t);

    struct dec d;
    if (scan_dec(text, false, &d) == 0)
        return fail(why, "expected %s, got '%s'", k->expect, t);
    const char *u = text + d.len;
    u128 scale = k->bare_scale;
    if (*u == '\0') {
        if (scale == 0) {
            if (!dec_is_zero(&d))
                return fail(why, "%s '%s' needs a unit, e.g. %s%s", k->what, t, t, k->bare_hint);
            *out = 0;
            return L2_OK;
        }
    } else {
        if (*u == ' ')
            u++;
        if (is_space(*u))
            return fail(why, "unexpected space in '%s'", t);
        if (is_digit(*u) || *u == '.')
            return fail(why, "expected %s, got '%s'", k->expect, t);
        size_t i = 0;
        while (i < k->n_units && strcmp(u, k->units[i].name) != 0)
            i++;
        if (i == k->n_units)
            return fail(why, "unknown unit '%s' (use %s)", shown(u, utmp), k->unit_list);
        scale = k->units[i].scale;
    }

    u128 v;
    switch (dec_scale(&d, scale, &v)) {
    case EXACT_OK:
        break;
    case EXACT_TOO_LARGE:
        return fail(why, "%s '%s' too large", k->what, t);
    case EXACT_INEXACT:
        if (k == &gas_kind && *u == '\0')
            return fail(why, "gas '%s' is not a whole number", t);
        return fail(why, "'%s'%s", t, k->inexact);
    }
    if (v > k->max)
        return fail(why, "%s '%s' too large", k->what, t);
    *out = v;
    return L2_OK;
}

int unit_duration(const char *text, sim_time *out, char why[UNIT_WHY_MAX])
{
    u128 v;
    int rc = parse_qty(&duration_kind, text, &v, why);
    if (rc == L2_OK)
        *out = (sim_time)v;
    return rc;
}

int unit_amount(const char *text, u128 *out, char why[UNIT_WHY_MAX])
{
    return parse_qty(&amount_kind, text, out, why);
}

int unit_gas(const char *text, int64_t *out, char why[UNIT_WHY_MAX])
{
    u128 v;
    int rc = parse_qty(&gas_kind, text, &v, why);
    if (rc == L2_OK)
        *out = (int64_t)v;
    return rc;
}

/* ---- rates, fractions, reals ----------------------------------------------------- */

int unit_rate(const char *text, struct unit_rate *out, char why[UNIT_WHY_MAX])
{
    static const struct { const char *name; sim_time per; } per_units[] = {
        {"s", SIM_SEC}, {"ms", SIM_MS}, {"m", SIM_MIN}, {"min", SIM_MIN},
        {"h", SIM_HOUR}, {"d", SIM_DAY}, {"w", 7 * SIM_DAY}, {"block", 0},
    };
    static const char expect[] = "a rate such as 20/s, 1000/h or 180/block";
    char tmp[SHOWN_MAX + 4], utmp[SHOWN_MAX + 4];
    const char *t = shown(text, tmp);
    int rc = check_text(text, expect, why);
    if (rc != L2_OK)
        return rc;
    if (text[0] == '-')
        return fail(why, "negative rate '%s'", t);

    struct dec d;
    if (scan_dec(text, false, &d) == 0 || text[d.len] != '/')
        return fail(why, "expected %s, got '%s'", expect, t);
    const char *u = text + d.len + 1;
    size_t i = 0;
    while (i < ARRAY_LEN(per_units) && strcmp(u, per_units[i].name) != 0)
        i++;
    if (i == ARRAY_LEN(per_units))
        return fail(why, "unknown rate unit '%s' (use s, ms, m, h, d, w or block)",
                    shown(u, utmp));
    double count;
    if (!dec_to_double(text, d.len, &count))
        return fail(why, "rate '%s' too large", t);
    out->count = count;
    out->per = per_units[i].per;
    out->per_block = per_units[i].per == 0;
    return L2_OK;
}

int unit_fraction(const char *text, double *out, char why[UNIT_WHY_MAX])
{
    static const char expect[] = "a fraction such as 0.05 or 5%";
    char tmp[SHOWN_MAX + 4];
    const char *t = shown(text, tmp);
    int rc = check_text(text, expect, why);
    if (rc != L2_OK)
        return rc;

    struct dec d;
    if (scan_dec(text, true, &d) == 0)
        return fail(why, "expected %s, got '%s'", expect, t);
    const char *rest = text + d.len;
    if (*rest == ' ' && rest[1] == '%')
        rest++;
    bool ok;
    double v = 0;
    if (*rest == '\0') {
        ok = dec_to_double(text, d.len, &v);
    } else if (strcmp(rest, "%") == 0) {
        /* Shift the exponent rather than divide by 100, so "33.3%" is the double
         * nearest 0.333, exactly as if "0.333" had been written. */
        char *s = xmalloc(d.mant_len + 32);
        memcpy(s, text, d.mant_len);
        snprintf(s + d.mant_len, 32, "e%lld", d.exp - 2);
        ok = dec_to_double(s, strlen(s), &v);
        free(s);
    } else {
        return fail(why, "expected %s, got '%s'", expect, t);
    }
    if (!ok)
        return fail(why, "fraction '%s' out of range", t);
    *out = v;
    return L2_OK;
}

int unit_real(const char *text, double *out, char why[UNIT_WHY_MAX])
{
    static const char expect[] = "a number such as 1.2 or 3e-4";
    char tmp[SHOWN_MAX + 4];
    const char *t = shown(text, tmp);
    int rc = check_text(text, expect, why);
    if (rc != L2_OK)
        return rc;
    struct dec d;
    if (scan_dec(text, true, &d) == 0 || text[d.len] != '\0')
        return fail(why, "expected %s, got '%s'", expect, t);
    if (!dec_to_double(text, d.len, out))
        return fail(why, "number '%s' out of range", t);
    return L2_OK;
}

/* ---- integers and booleans --------------------------------------------------------- */

/* Reads a run of decimal digits that is the whole of s into *out, at most `max`.
 * Returns 0, or 1 when s is not all digits, or 2 when the value exceeds max. */
static int scan_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return 1;
    for (; *s; s++) {
        if (!is_digit(*s))
            return 1;
        unsigned digit = (unsigned)(*s - '0');
        if (v > (max - digit) / 10)
            return 2;
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}

int unit_int(const char *text, int64_t *out, char why[UNIT_WHY_MAX])
{
    char tmp[SHOWN_MAX + 4];
    const char *t = shown(text, tmp);
    int rc = check_text(text, "an integer", why);
    if (rc != L2_OK)
        return rc;
    bool neg = text[0] == '-';
    const char *digits = text + (text[0] == '-' || text[0] == '+');
    uint64_t mag;
    switch (scan_uint(digits, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag)) {
    case 1:
        return fail(why, "expected an integer, got '%s'", t);
    case 2:
        return fail(why, "integer '%s' out of range", t);
    }
    if (!neg)
        *out = (int64_t)mag;
    else if (mag == 0)
        *out = 0;
    else /* INT64_MIN's magnitude does not fit int64_t: negate one less, then step */
        *out = -(int64_t)(mag - 1) - 1;
    return L2_OK;
}

int unit_uint(const char *text, uint64_t *out, char why[UNIT_WHY_MAX])
{
    char tmp[SHOWN_MAX + 4];
    const char *t = shown(text, tmp);
    int rc = check_text(text, "a non-negative integer", why);
    if (rc != L2_OK)
        return rc;
    if (text[0] == '-')
        return fail(why, "expected a non-negative integer, got '%s'", t);
    switch (scan_uint(text, UINT64_MAX, out)) {
    case 1:
        return fail(why, "expected a non-negative integer, got '%s'", t);
    case 2:
        return fail(why, "integer '%s' out of range", t);
    }
    return L2_OK;
}

int unit_bool(const char *text, bool *out, char why[UNIT_WHY_MAX])
{
    static const struct { const char *name; bool value; } words[] = {
        {"true", true}, {"false", false}, {"yes", true},
        {"no", false},  {"on", true},     {"off", false},
    };
    static const char expect[] = "true/false, yes/no or on/off";
    char tmp[SHOWN_MAX + 4];
    int rc = check_text(text, expect, why);
    if (rc != L2_OK)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(words); i++) {
        if (strcmp(text, words[i].name) == 0) {
            *out = words[i].value;
            return L2_OK;
        }
    }
    return fail(why, "expected %s, got '%s'", expect, shown(text, tmp));
}

/* ---- formatting ---------------------------------------------------------------------- */

/* The largest unit that divides t, with an integer count: 90s -> "90s", 1.5s ->
 * "1500ms", 7 days -> "1w", 0 -> "0s". Negative times (differences in reports)
 * get a '-'. 24 bytes always suffice; a shorter buf gets a truncated,
 * NUL-terminated text. Returns buf. */
char *unit_format_duration(sim_time t, char *buf, size_t len)
{
    static const struct { const char *name; uint64_t us; } units[] = {
        {"w", 7 * (uint64_t)SIM_DAY}, {"d", (uint64_t)SIM_DAY}, {"h", (uint64_t)SIM_HOUR},
        {"m", (uint64_t)SIM_MIN},     {"s", (uint64_t)SIM_SEC}, {"ms", (uint64_t)SIM_MS},
        {"us", 1},
    };
    uint64_t mag = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    size_t i = 0;
    if (mag == 0) {
        snprintf(buf, len, "0s");
        return buf;
    }
    while (mag % units[i].us != 0)
        i++;
    snprintf(buf, len, "%s%" PRIu64 "%s", t < 0 ? "-" : "", mag / units[i].us, units[i].name);
    return buf;
}

/* Room for any amount in any unit: 39 digits, a point, 18 decimals, "gwei". */
#define AMOUNT_TEXT_MAX 80

/* wei in a unit of 10^decimals wei, as a decimal with no trailing zeros:
 * (1500000000, 9, "gwei") -> "1.5gwei". */
static void format_in_unit(u128 wei, unsigned decimals, const char *unit,
                           char out[AMOUNT_TEXT_MAX])
{
    u128 one = 1;
    for (unsigned i = 0; i < decimals; i++)
        one *= 10;
    char whole[41];
    u128_str(wei / one, whole);
    uint64_t frac = (uint64_t)(wei % one); /* < 10^18 */
    if (frac == 0) {
        snprintf(out, AMOUNT_TEXT_MAX, "%s%s", whole, unit);
        return;
    }
    char digits[24];
    snprintf(digits, sizeof digits, "%0*" PRIu64, (int)decimals, frac);
    size_t n = strlen(digits);
    while (digits[n - 1] == '0')
        digits[--n] = '\0';
    snprintf(out, AMOUNT_TEXT_MAX, "%s.%s%s", whole, digits, unit);
}

/* The shortest of the amount written in wei, gwei and eth, the smaller unit on a
 * tie: 7wei, 1.5gwei, 0.01eth, 1eth, 0wei. Exact (parses back to the same wei).
 * 48 bytes always suffice; a shorter buf gets a truncated, NUL-terminated text.
 * Returns buf. */
char *unit_format_amount(u128 wei, char *buf, size_t len)
{
    char best[AMOUNT_TEXT_MAX], cand[AMOUNT_TEXT_MAX];
    format_in_unit(wei, 0, "wei", best);
    format_in_unit(wei, 9, "gwei", cand);
    if (strlen(cand) < strlen(best))
        memcpy(best, cand, sizeof best);
    format_in_unit(wei, 18, "eth", cand);
    if (strlen(cand) < strlen(best))
        memcpy(best, cand, sizeof best);
    snprintf(buf, len, "%s", best);
    return buf;
}

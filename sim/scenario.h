/* scenario.h — scenario files: a schema table declares every parameter (path, type,
 * unit, default, range, one-line doc); the loader validates a YAML tree against it,
 * fills in defaults, applies --set overrides through the same validation, and hands
 * models typed values. Validation, `l2sim list` and the README's scenario reference
 * all come from the table. The engine defines the mechanism; models supply rows. */
#ifndef L2SIM_SCENARIO_H
#define L2SIM_SCENARIO_H

#include "sim/units.h"

enum scn_type {
    SCN_STR,       /* free text */
    SCN_ENUM,      /* one of `choices` ("a|b|c") */
    SCN_BOOL,
    SCN_INT,       /* int64 */
    SCN_UINT,      /* uint64 */
    SCN_REAL,      /* double: distribution parameters, never protocol state */
    SCN_FRACTION,  /* "5%" or 0.05 */
    SCN_DURATION,  /* sim_time, microseconds */
    SCN_GAS,       /* int64 gas */
    SCN_AMOUNT,    /* u128 wei */
    SCN_RATE,      /* struct unit_rate */
    SCN_PATH,      /* a file path, resolved relative to the scenario's directory */
    SCN_LIST,      /* a list of mappings whose keys are the rows "path[].key"
                      (and, when "path[].type" exists, "path[TYPE].key") */
};

enum {
    SCN_REQUIRED = 1 << 0,   /* must be given; `def` is ignored */
    SCN_OPTIONAL = 1 << 1,   /* absent unless given (no default); test with scn_has */
    SCN_SEQ      = 1 << 2,   /* SCN_STR that may also be written as a YAML list of
                                scalars ([30M, 36M]); stored as the items joined by ", " */
};

/* One parameter. Paths are dotted; list elements are "list[].key" for keys every
 * element may have and "list[TYPE].key" for keys of elements of that type. */
struct scn_param {
    const char   *path;
    enum scn_type type;
    const char   *def;      /* default, written as in a scenario ("12s", "10gwei") */
    const char   *min;      /* inclusive bounds in the same notation; NULL: none */
    const char   *max;
    const char   *choices;  /* SCN_ENUM: "london|cancun|prague" */
    unsigned      flags;
    const char   *doc;      /* one line */
};

/* A schema: the concatenation of the tables models register. */
struct scn;   /* a loaded, validated scenario */

struct scn_schema {
    const struct scn_param *params;
    size_t                  n;
    /* Called once a scenario has loaded without error (file, defaults, overrides):
     * fills in values that follow from others (a fork preset's gas limit) with
     * scn_put_preset, so every value in force is in the scenario. May be NULL. */
    void                  (*complete)(struct scn *s);
};

/* Load and validate `path` against `schema`, then apply `nset` overrides
 * ("path=value" strings, in any order: the result does not depend on it).
 * Every problem found is appended to e as "file:line:col: message" (or
 * "--set PATH: message"); returns 0, or L2_EINPUT with *out = NULL. */
int  scn_load_file(const struct scn_schema *schema, const char *path,
                   const char *const *sets, size_t nset, struct scn **out, struct err *e);
/* Same from text in memory; `name` stands for the file in messages. */
int  scn_load_text(const struct scn_schema *schema, const char *name, const char *text,
                   size_t len, const char *const *sets, size_t nset, struct scn **out,
                   struct err *e);
void scn_free(struct scn *s);

/* Check the schema itself (defaults parse and lie in range, paths well formed);
 * a failure is a bug in a model's table. Returns 0 or L2_EINPUT with messages. */
int  scn_schema_check(const struct scn_schema *schema, struct err *e);

/* ---- typed access: `fmt` is a printf format for the instance path, e.g.
 * scn_int(s, "schemes[%zu].batch_gas", i). Asking for a path the schema does not
 * declare, or with the wrong type, is a bug (panic). ---- */
bool        scn_has(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int64_t     scn_int(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));   /* INT, DURATION, GAS */
uint64_t    scn_uint(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double      scn_real(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));  /* REAL, FRACTION */
bool        scn_bool(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
u128        scn_amount(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct unit_rate scn_rate(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *scn_str(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));   /* STR, ENUM, PATH */
size_t      scn_count(const struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3))); /* LIST length */

/* A model's own check of a value (e.g. "max blobs below target") reported where the
 * value came from: "file:line:col: <msg>" or "--set path: <msg>". Returns L2_EINPUT. */
int scn_error_at(const struct scn *s, struct err *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A value that follows from another (the fork preset's gas limit), put in force when
 * neither the file nor --set gave it; shown by scn_dump with origin "preset". text is
 * parsed and bounded like the file's. Only from a schema's complete hook. */
void scn_put_preset(struct scn *s, const char *path, const char *text);

/* Where the value at path came from: "scenario", "--set", "default", "preset"; NULL
 * when there is none. */
const char *scn_origin(const struct scn *s, const char *path);

/* The scenario as loaded. */
const char    *scn_file(const struct scn *s);
const char    *scn_text(const struct scn *s, size_t *len);
const uint8_t *scn_sha256(const struct scn *s);            /* of the file's bytes */
void           scn_sha256_hex(const struct scn *s, char hex[65]);
/* The overrides, canonical: sorted by path, one "path=value" per line ("" if none). */
const char    *scn_overrides(const struct scn *s);
/* Every value in force, sorted by path: "path = value  # origin" lines. */
char          *scn_dump(const struct scn *s);   /* caller frees */

/* The schema's parameters as rows for `l2sim list` and the README. */
const char *scn_type_name(enum scn_type t);

#endif

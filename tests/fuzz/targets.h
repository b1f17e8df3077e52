/* targets.h — the fuzz entry points: one function per target, shared by the libFuzzer
 * binaries (tests/fuzz/main.c, clang, `make fuzz`) and the replay test
 * (tests/test_fuzz_regress.c, the normal toolchain, `make test` and `make check`).
 * Each takes arbitrary bytes, must never crash, leak, panic or exit, and returns 0. */
#ifndef L2SIM_FUZZ_TARGETS_H
#define L2SIM_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* The scenario loader: the bytes as a scenario file, validated against model_schema(). */
int fuzz_scenario(const uint8_t *data, size_t size);

/* --set: the bytes up to the first NUL are the scenario (empty: a small valid one),
 * each following NUL-separated piece one "path=value" override (at most 8). */
int fuzz_set(const uint8_t *data, size_t size);

/* Units: the bytes (up to a NUL) through every unit_* parser; a parsed duration or
 * amount formats and parses back to itself; the first 8 and 16 bytes, read as a
 * duration and an amount, do the same from the formatter's side. */
int fuzz_units(const uint8_t *data, size_t size);

/* The L1 trace CSV loader (l1_trace_load, then l1_trace_check on what loads). */
int fuzz_trace(const uint8_t *data, size_t size);

/* A results database: the bytes as a file, read as `report` (every figure's test,
 * the HTML), `compare` (statistical and --exact) and `merge` (into a fresh output)
 * read it. Beyond not crashing: every refusal has a message, and the readers leave
 * the file byte for byte as it was, with nothing beside it. */
int fuzz_db(const uint8_t *data, size_t size);

/* The channel graph CSV loader (graph_parse): the bytes split at the first two NULs
 * into the nodes, channels and edges texts (missing parts are empty). */
int fuzz_channel_graph(const uint8_t *data, size_t size);
/* l2sim's own one-file channel graph format (graph_parse_l2sim). */
int fuzz_channel_list(const uint8_t *data, size_t size);

/* The targets by name ("db", "scenario", "set", "units", "trace", "channel_graph",
 * "channel_list"), for the replay test. */
struct fuzz_target {
    const char *name;
    int       (*run)(const uint8_t *data, size_t size);
};
extern const struct fuzz_target fuzz_targets[];
extern const size_t fuzz_ntargets;

#endif

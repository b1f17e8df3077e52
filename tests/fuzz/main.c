/* main.c — the libFuzzer shim: one binary per target, chosen at compile time with
 * -DFUZZ_TARGET=fuzz_NAME (see the Makefile's `fuzz` target). The target itself
 * lives in targets.c, shared with the replay test. */
#include "tests/fuzz/targets.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=fuzz_scenario (or fuzz_set, fuzz_units, fuzz_trace)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_TARGET(data, size);
}

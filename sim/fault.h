/* fault.h — deliberate faults, so the tests can show that the invariant checks catch
 * what they claim to. The environment variable L2SIM_FAULT=NAME[@N] arms fault NAME
 * to fire at its N-th opportunity (default 1), once; model code asks
 * `if (fault_fire("l1.burn")) ...` where the fault would bend its books. Unset (as in
 * every real run), fault_fire is one load and one branch and never fires. A name not
 * in sim/fault.c's list, or a bad N, exits 2 at the first fault_fire. "Once" is per
 * process: with --jobs, each worker fires its own. */
#ifndef L2SIM_FAULT_H
#define L2SIM_FAULT_H

#include <stdbool.h>

bool fault_fire(const char *name);

#endif

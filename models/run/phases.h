/* phases.h — a run's phases: the run cut at both edges of every event window of its
 * scenario. Read by the run (metrics per phase), the summary, the report and compare;
 * depends on the scenario alone. */
#ifndef L2SIM_PHASES_H
#define L2SIM_PHASES_H

#include <stddef.h>
#include "sim/scenario.h"

/* The phases the metrics are also computed for: the run cut at both edges of every
 * event window of the scenario (L1 demand and transfer spikes or drops, attacks), each
 * piece named for what it is: "before" the first window, the windows covering it
 * ("l1_spike", "l1_drop", "transfer_spike", an adversary's name, joined by "+" where
 * they overlap), or "after_X" when quiet after window X ended. The metrics' names carry
 * them as prefixes. None without event windows, or with more than RUN_MAX_WINDOWS.
 * *out: malloc'd (NULL when none), run_phases_free. */
struct metrics_phase;
#define RUN_MAX_WINDOWS 64    /* more event windows than this: no phases */
size_t run_phases(const struct scn *s, struct metrics_phase **out);
void   run_phases_free(struct metrics_phase *ph, size_t n);

#endif

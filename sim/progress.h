/* progress.h — the progress line on a terminal: simulated share done, events/s, ETA.
 * Silent unless stderr is a TTY and the user did not ask for --quiet. Reads the wall
 * clock, which never reaches results. */
#ifndef L2SIM_PROGRESS_H
#define L2SIM_PROGRESS_H

#include "sim/util.h"

struct progress;

struct progress *progress_new(bool enabled, const char *label);
/* done in [0,1] of the whole run; `what` says where it is ("world l1: 3h of 1d").
 * Redraws at most ten times a second. */
void progress_update(struct progress *p, double done, const char *what, uint64_t events);
/* Erase the line. Frees p. */
void progress_end(struct progress *p);
double progress_wall_now(void);   /* monotonic seconds */

#endif

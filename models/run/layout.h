/* layout.h — which schemes of a scenario share an L1. Each scheme runs in a world:
 * its own copy of the L1 (the same demand, the same transfers: common random
 * numbers), or one it shares with the schemes naming the same `schemes[].world`
 * (interaction: a mass exit congesting its neighbours). Read by run.c to build the
 * worlds and by estimate.c to size them. */
#ifndef L2SIM_LAYOUT_H
#define L2SIM_LAYOUT_H

#include "sim/scenario.h"

#define LAYOUT_MAX_SCHEMES 64

struct layout {
    size_t      nworlds, nschemes;
    const char *name[LAYOUT_MAX_SCHEMES];     /* world w's name (borrowed from the scenario) */
    size_t      size[LAYOUT_MAX_SCHEMES];     /* how many schemes world w holds */
    size_t      world_of[LAYOUT_MAX_SCHEMES]; /* scheme i's world */
};

/* The worlds of scenario s: scheme i's world is `schemes[i].world`, by default the
 * scheme's own name (a world of its own); `shared_l1: true` names every scheme's world
 * "shared". Worlds are numbered in the order their first scheme is listed; schemes
 * keep the scenario's order inside a world. An adversary's `world` must name one of
 * them (and its target's world, if it has a target). 0, or L2_EINPUT with a
 * "file:line:col:" message (no schemes, too many, shared_l1 together with a world, an
 * adversary's unknown world). O(n^2) in the schemes (at most 64). */
int layout_of(const struct scn *s, struct layout *l, struct err *e);

#endif

/* world.h — building a world by hand: one scheduler, one Layer 1, some of a scenario's
 * schemes, every adversary and the user workload, as models/run/run.c builds them for a
 * run. Public so that tests and schemes build worlds without copying run.c; the run
 * adds only the layout (which schemes share a world), limits and metrics. */
#ifndef L2SIM_WORLD_H
#define L2SIM_WORLD_H

#include "models/model.h"

/* What a world is made of. Everything is borrowed for the world's life. */
struct world_spec {
    const struct scn *scn;        /* a validated scenario */
    struct store     *store;      /* where the models write their rows */
    int64_t           run_id;     /* the run row they belong to */
    uint64_t          seed;       /* this replication's seed: every stream derives from it */
    const char       *name;       /* the world's name in results (l1_blocks.world, ...) */
    const size_t     *schemes;    /* indices into the scenario's schemes list, in the */
    size_t            nschemes;   /*   order their init runs; may be any subset */
    bool              every_adversary;   /* start every adversary, whatever world it
                                  * names (run_check's one world); else one naming
                                  * `adversaries[].world` starts only in that world */
    size_t            without_adversary; /* 1 + the scenario index of an adversary not
                                  * to start (attack_delay: rerun's counterfactual
                                  * world); 0: none */
};

/* Build the world: the users (profiles, accounts, payment graph), the L1 (which
 * schedules its first slot), then each scheme's init in spec order (its declared
 * tables and views applied to the store just before), then every adversary of the
 * scenario that acts in this world (after the schemes they target),
 * then the workload last (its first arrival must find every scheme ready). Nothing
 * runs yet: drive it with sim_run(w->sim, w->duration, ...), then world_finish.
 * Returns 0, or L2_EINPUT with a message (*out = NULL, all freed). */
int  world_new(const struct world_spec *spec, struct world **out /* OUT: owned */,
               struct err *e);

/* The world reached its end: each scheme's and adversary's finish records what is in
 * flight, the L1 writes the l1_txs rows of what it still holds, then every invariant is checked once more (in every build). Returns 0, or 1
 * when the world failed (w->failure says why), now or earlier. */
int  world_finish(struct world *w);

/* Free the world and everything in it (schemes' destroy first). NULL is a no-op. */
void world_free(struct world *w);

/* Check every invariant of the world now: the L1's, each scheme's and each
 * adversary's. On the first violation, world_violated and return 1. O(the checks). */
int  world_check(struct world *w);

#endif

/* model.c — the few functions of the model contract (model.h) every model may call:
 * failing a world and naming a broken invariant. They need nothing but the engine,
 * so models (the L1, the schemes, txlog) depend on this file and never on the code
 * that builds worlds (world.c) or runs them (run/run.c). */
#include "models/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/rng.h"

gsl_rng *scheme_stream(const struct scheme *sc, uint64_t entity, uint32_t purpose)
{
    return rng_stream_ns(sc->world->seed, sc->name, RNG_SCHEME, entity, purpose);
}

void world_fail(struct world *w, const char *fmt, ...)
{
    if (w->failure)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->failure = xasprintf("world %s at %.3f s: %s", w->name,
                           (double)sim_now(w->sim) / SIM_SEC, msg);
    sim_stop(w->sim);
}

int inv_fail_set(struct inv_fail *f, const char *file, int line, const char *invariant,
                 const char *fmt, ...)
{
    f->file = file;
    f->line = line;
    f->invariant = invariant;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return 1;
}

/* The message names the invariant, where it is checked, the numbers, and when it
 * broke: the event during or after which it was found (with its handler and origin
 * in debug builds). */
void world_violated(struct world *w, const struct inv_fail *f)
{
    char ev[256];
    sim_event_describe(w->sim, ev, sizeof ev);
    if (w->at_end)
        world_fail(w, "invariant violated: %s (%s:%d): %s; found at the end of the world, "
                   "after %llu events (--check-invariants checks after every event and names "
                   "the one that broke it)", f->invariant, f->file, f->line, f->detail,
                   (unsigned long long)sim_events_run(w->sim));
    else
        world_fail(w, "invariant violated: %s (%s:%d): %s; %s %s", f->invariant, f->file,
                   f->line, f->detail, w->checking ? "found after" : "during", ev);
}

/* sched.h — the deterministic event scheduler at the bottom of l2sim. It knows
 * nothing about blockchains: models schedule handlers at integer microsecond times
 * and the run loop calls them in (time, insertion sequence) order. */
#ifndef L2SIM_SCHED_H
#define L2SIM_SCHED_H

#include <signal.h>
#include "sim/units.h"

struct sim;

/* An event's payload is copied into the event (at most SIM_PAYLOAD_MAX bytes) and
 * handed back, borrowed, to its handler; larger state belongs to the model and
 * travels as a pointer. */
#define SIM_PAYLOAD_MAX 40
typedef void (*sim_handler)(struct sim *sim, void *ctx, const void *payload);

/* Event identifiers are unique within a run; 0 is never an event. */
typedef uint64_t sim_event_id;

/* Why sim_run returned. */
enum sim_stop {
    SIM_STOP_DRAINED,     /* the queue is empty */
    SIM_STOP_UNTIL,       /* the next event lies after `until` */
    SIM_STOP_MAX_EVENTS,  /* `max_events` events ran */
    SIM_STOP_REQUESTED,   /* sim_stop() was called or the interrupt flag was raised */
};

struct sim *sim_new(void);
void        sim_free(struct sim *sim);

/* Schedule `h(sim, ctx, payload)` at absolute time t >= sim_now(). `len` bytes of
 * `payload` are copied (len <= SIM_PAYLOAD_MAX; payload may be NULL when len is 0).
 * Amortised O(1) (a ladder queue). Scheduling into the past panics naming the
 * caller's file and line. */
#define sim_at(sim, t, h, ctx, payload, len) \
    sim_at_((sim), (t), (h), (ctx), (payload), (len), #h, __FILE__, __LINE__)
#define sim_after(sim, dt, h, ctx, payload, len) \
    sim_at_((sim), sim_now(sim) + (dt), (h), (ctx), (payload), (len), #h, __FILE__, __LINE__)
/* `hname`, `file` and `line` name the handler and the call that scheduled it: kept
 * (in debug builds, L2SIM_DEBUG) so a broken invariant can say which event broke it. */
sim_event_id sim_at_(struct sim *sim, sim_time t, sim_handler h, void *ctx,
                     const void *payload, size_t len, const char *hname, const char *file,
                     int line);

/* An event whose payload is a heap object the scheduler owns, so a model keeps no
 * list of its own to free what is still scheduled at the end. `obj` (non-NULL) is
 * handed to h as its payload pointer itself, not a copy: the handler may read and
 * change it while it runs. The scheduler frees it with free_fn (free() when NULL)
 * exactly once: after h returns, when the event is cancelled, or in sim_free if the
 * event never ran. A handler that keeps the object takes it with sim_take_payload.
 * free_fn must not call the scheduler. Cost as sim_at. */
typedef void (*sim_free_fn)(void *obj);
#define sim_at_owned(sim, t, h, ctx, obj, free_fn) \
    sim_at_owned_((sim), (t), (h), (ctx), (obj), (free_fn), #h, __FILE__, __LINE__)
#define sim_after_owned(sim, dt, h, ctx, obj, free_fn) \
    sim_at_owned_((sim), sim_now(sim) + (dt), (h), (ctx), (obj), (free_fn), #h, __FILE__, \
                  __LINE__)
sim_event_id sim_at_owned_(struct sim *sim, sim_time t, sim_handler h, void *ctx, void *obj,
                           sim_free_fn free_fn, const char *hname, const char *file, int line);

/* Inside the handler of an owned event: the object is the handler's from now on (the
 * scheduler will not free it). Returns it. Panics anywhere else. O(1). */
void *sim_take_payload(struct sim *sim);

/* Cancel a pending event (an owned event's object is freed now). Returns false if it
 * already ran, is running, or was cancelled. Amortised O(1); the queue entry is
 * dropped lazily. */
bool sim_cancel(struct sim *sim, sim_event_id id);

/* Run events in (time, insertion) order until the queue drains, the next event lies
 * after `until` (then sim_now() becomes `until`, unless it is already later: time
 * never runs backwards), `max_events` have run in this call (0 = no limit), or a
 * stop is requested. May be called again to continue. */
enum sim_stop sim_run(struct sim *sim, sim_time until, uint64_t max_events);

/* Ask the running loop to return after the current event. */
void sim_stop(struct sim *sim);

/* The loop also stops when *flag becomes nonzero (set from a signal handler). */
void sim_set_interrupt(struct sim *sim, volatile sig_atomic_t *flag);

/* Called every `every` events (a power of two is cheapest) with the current time;
 * for progress lines and wall-clock limits. May call sim_stop. */
typedef void (*sim_tick_fn)(struct sim *sim, void *ctx);
void sim_set_tick(struct sim *sim, sim_tick_fn fn, void *ctx, uint64_t every);

/* Called after every event, for invariant checks that must hold between events
 * (models/run/run.c installs one in debug builds). May call sim_stop. NULL: none. */
typedef void (*sim_after_event_fn)(struct sim *sim, void *ctx);
void sim_set_after_event(struct sim *sim, sim_after_event_fn fn, void *ctx);

sim_time sim_now(const struct sim *sim);

/* The scheduler whose sim_run is executing an event right now, or NULL: lets a panic
 * hook say when and during which event an invariant broke. */
const struct sim *sim_running(void);
uint64_t sim_events_run(const struct sim *sim);   /* events executed so far */

/* The event running now (or, between events, the one that ran last) in words:
 * "event #N (handler, scheduled at file:line) at T s" — the handler and origin only
 * in debug builds, where they are recorded per event. Returns buf. */
char *sim_event_describe(const struct sim *sim, char *buf, size_t n);
/* Whether this build records event origins (L2SIM_DEBUG). */
bool sim_debug_build(void);
size_t   sim_pending(const struct sim *sim);      /* events scheduled, not yet run */

#endif

/* world.c — building, finishing and freeing a world (see world.h). The run
 * (models/run/run.c) decides the layout and drives the scheduler; this file knows
 * what a world holds and in which order its parts start and stop. */
#include "models/world.h"

#include <stdlib.h>
#include <string.h>

#include "models/l1/l1.h"
#include "models/workload/users.h"
#include "models/workload/workload.h"

int world_check(struct world *w)
{
    struct inv_fail f;
    int bad = l1_check(w->l1, &f);
    if (!bad)
        bad = users_check(w->users, &f);
    for (size_t i = 0; !bad && i < w->nschemes; i++)
        if (w->schemes[i]->ops->check)
            bad = w->schemes[i]->ops->check(w->schemes[i], &f);
    for (size_t i = 0; !bad && i < w->nadversaries; i++)
        if (w->adversaries[i]->ops->check)
            bad = w->adversaries[i]->ops->check(w->adversaries[i], &f);
    if (bad) {
        w->checking = true;
        world_violated(w, &f);
    }
    return bad;
}

void world_free(struct world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nadversaries; i++) {
        struct adversary *a = w->adversaries[i];
        if (a->ops->destroy)
            a->ops->destroy(a);
        free(a);
    }
    free(w->adversaries);
    for (size_t i = 0; i < w->nschemes; i++) {
        struct scheme *sc = w->schemes[i];
        if (sc->ops->destroy)
            sc->ops->destroy(sc);
        free(sc);
    }
    free(w->schemes);
    workload_free(w->workload);
    users_free(w->users);
    l1_free(w->l1);
    txlog_free(w->txlog);
    sim_free(w->sim);
    free(w->failure);
    free(w);
}

int world_new(const struct world_spec *spec, struct world **out, struct err *e)
{
    const struct scn *s = spec->scn;
    struct world *w = xcalloc(1, sizeof *w);
    w->name = spec->name;
    w->sim = sim_new();
    w->scn = s;
    w->store = spec->store;
    w->run_id = spec->run_id;
    w->seed = spec->seed;
    w->duration = scn_int(s, "duration");
    *out = NULL;
    /* the users first: schemes may read the payment graph as they start */
    if (users_new(w, &w->users, e) != 0 || l1_new(w, &w->l1, e) != 0)
        goto fail;
    w->schemes = xcalloc(spec->nschemes ? spec->nschemes : 1, sizeof *w->schemes);
    for (size_t i = 0; i < spec->nschemes; i++) {
        struct scheme *sc = xcalloc(1, sizeof *sc);
        sc->world = w;
        sc->index = spec->schemes[i];
        sc->name = scn_str(s, "schemes[%zu].name", sc->index);
        sc->ops = model_scheme_by_type(scn_str(s, "schemes[%zu].type", sc->index));
        SIM_ASSERT(sc->ops);
        w->schemes[w->nschemes++] = sc;
        /* its declared tables and views exist before its init prepares INSERTs */
        if (model_scheme_sql_apply(w->store, sc->ops->type, e) != 0 || sc->ops->init(sc, e) != 0)
            goto fail;
    }
    /* adversaries after the schemes they target, in every world alike */
    size_t na = scn_count(s, "adversaries");
    w->adversaries = xcalloc(na ? na : 1, sizeof *w->adversaries);
    for (size_t i = 0; i < na; i++) {
        if (!spec->every_adversary && scn_has(s, "adversaries[%zu].world", i) &&
            strcmp(scn_str(s, "adversaries[%zu].world", i), w->name) != 0)
            continue;                   /* it acts in another world only */
        if (spec->without_adversary == i + 1)
            continue;                   /* the counterfactual world without it */
        struct adversary *a = xcalloc(1, sizeof *a);
        a->world = w;
        a->index = i;
        a->name = scn_str(s, "adversaries[%zu].name", i);
        a->ops = model_adversary_by_type(scn_str(s, "adversaries[%zu].type", i));
        SIM_ASSERT(a->ops);
        w->adversaries[w->nadversaries++] = a;
        if (a->ops->init(a, e) != 0)
            goto fail;
    }
    /* the workload last: its first arrival must find every scheme ready */
    if (workload_new(w, &w->workload, e) != 0)
        goto fail;
    *out = w;
    return 0;
fail:
    world_free(w);
    return L2_EINPUT;
}

int world_finish(struct world *w)
{
    if (w->failure)
        return 1;
    for (size_t k = 0; k < w->nschemes; k++)
        w->schemes[k]->ops->finish(w->schemes[k]);
    for (size_t k = 0; k < w->nadversaries; k++)
        w->adversaries[k]->ops->finish(w->adversaries[k]);
    l1_finish(w->l1);     /* l1_txs rows of what is still in flight */
    w->at_end = true;
    world_check(w);       /* every build: at the end of every world */
    return w->failure != NULL;
}

/* hooks.c — how an adversary finds a hook point a scheme publishes (models/model.h,
 * struct scheme_hook): by the target scheme's name in the scenario and the hook's
 * name, with the function type checked by name, at world construction. */
#include <stdio.h>
#include <string.h>

#include "models/model.h"

int scheme_hook_find(struct adversary *a, const char *target, const char *name,
                     const char *type, struct scheme **sc, scheme_hook_fn **fn,
                     struct err *e)
{
    const struct scn *s = a->world->scn;
    *sc = NULL;
    *fn = NULL;
    char key[64];
    snprintf(key, sizeof key, "adversaries[%zu].target", a->index);
    /* adversaries start after every scheme of the world exists (run.c) */
    struct scheme *found = NULL;
    for (size_t i = 0; i < a->world->nschemes; i++)
        if (strcmp(a->world->schemes[i]->name, target) == 0)
            found = a->world->schemes[i];
    if (!found) {
        for (size_t i = 0; i < scn_count(s, "schemes"); i++)
            if (strcmp(scn_str(s, "schemes[%zu].name", i), target) == 0)
                return 1;                   /* it runs in another world */
        return scn_error_at(s, e, key, "no scheme named '%s' in this scenario", target);
    }
    const struct scheme_ops *ops = found->ops;
    for (size_t i = 0; i < ops->nhooks; i++)
        if (strcmp(ops->hooks[i].name, name) == 0 && strcmp(ops->hooks[i].type, type) == 0) {
            *sc = found;
            *fn = ops->hooks[i].fn;
            return 0;
        }
    char have[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < ops->nhooks && used < sizeof have; i++) {
        int k = snprintf(have + used, sizeof have - used, "%s%s (%s)", i ? ", " : "",
                         ops->hooks[i].name, ops->hooks[i].type);
        used += k > 0 ? (size_t)k : 0;
    }
    return scn_error_at(s, e, key, "adversary %s (%s) needs hook %s (%s) of scheme '%s', "
                        "which a scheme of type %s does not publish; it has: %s", a->name,
                        a->ops->type, name, type, target, ops->type,
                        ops->nhooks ? have : "none");
}

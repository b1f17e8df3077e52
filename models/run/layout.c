/* layout.c — the world layout of a scenario (see layout.h). */
#include "models/run/layout.h"

#include <stdio.h>
#include <string.h>

int layout_of(const struct scn *s, struct layout *l, struct err *e)
{
    size_t ns = scn_count(s, "schemes");
    if (ns == 0)
        return scn_error_at(s, e, "schemes", "no schemes: add at least one, e.g. "
                            "schemes: [{type: l1}]");
    if (ns > LAYOUT_MAX_SCHEMES)
        return scn_error_at(s, e, "schemes", "%zu schemes; at most %d per scenario", ns,
                            LAYOUT_MAX_SCHEMES);
    bool shared = scn_bool(s, "shared_l1");
    memset(l, 0, sizeof *l);
    l->nschemes = ns;
    for (size_t i = 0; i < ns; i++) {
        const char *name;
        char key[48];
        snprintf(key, sizeof key, "schemes[%zu].world", i);
        if (scn_has(s, "%s", key)) {
            if (shared)
                return scn_error_at(s, e, key, "shared_l1 already puts every scheme on "
                                    "one L1 (world 'shared'): remove shared_l1, or this "
                                    "scheme's world");
            name = scn_str(s, "%s", key);
            if (!*name)
                return scn_error_at(s, e, key, "empty world name: name the L1 this scheme "
                                    "shares, or leave `world` out for an L1 of its own");
        } else {
            name = shared ? "shared" : scn_str(s, "schemes[%zu].name", i);
        }
        size_t w = 0;
        while (w < l->nworlds && strcmp(l->name[w], name) != 0)
            w++;
        if (w == l->nworlds)
            l->name[l->nworlds++] = name;
        l->size[w]++;
        l->world_of[i] = w;
    }
    /* an adversary told its world: a world of this layout, and its target's if it has one */
    for (size_t a = 0; a < scn_count(s, "adversaries"); a++) {
        char key[48];
        snprintf(key, sizeof key, "adversaries[%zu].world", a);
        if (!scn_has(s, "%s", key))
            continue;
        const char *name = scn_str(s, "%s", key);
        size_t w = 0;
        while (w < l->nworlds && strcmp(l->name[w], name) != 0)
            w++;
        if (w == l->nworlds) {
            char have[256] = "";
            size_t used = 0;
            for (size_t k = 0; k < l->nworlds && used < sizeof have; k++) {
                int n = snprintf(have + used, sizeof have - used, "%s'%s'", k ? ", " : "",
                                 l->name[k]);
                used += n > 0 ? (size_t)n : 0;
            }
            return scn_error_at(s, e, key, "no world named '%s'; the worlds are %s", name,
                                have);
        }
        if (!scn_has(s, "adversaries[%zu].target", a))
            continue;
        const char *target = scn_str(s, "adversaries[%zu].target", a);
        for (size_t i = 0; i < ns; i++)
            if (strcmp(scn_str(s, "schemes[%zu].name", i), target) == 0 && l->world_of[i] != w)
                return scn_error_at(s, e, key, "its target '%s' runs in world '%s', not "
                                    "'%s': leave `world` out, or name the target's",
                                    target, l->name[l->world_of[i]], name);
    }
    return 0;
}

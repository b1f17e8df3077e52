/* sweep.c — the sweep section's schema rows and its expansion into points (see
 * sweep.h). */
#include "sim/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct scn_param sweep_params[] = {
    { "sweep.grid", SCN_LIST, NULL, NULL, NULL, NULL, 0,
      "sweep: axes of a grid, each {path, values}; every combination is a point "
      "(`l2sim sweep` runs them, `l2sim run` only the scenario as written)" },
    { "sweep.grid[].path", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "a parameter path as --set takes it: l1.gas_limit, schemes[l1].tip" },
    { "sweep.grid[].values", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED | SCN_SEQ,
      "the values the path takes, each validated like the file: [30M, 36M, 60M]" },
    { "sweep.list", SCN_LIST, NULL, NULL, NULL, NULL, 0,
      "sweep: explicit points, each {set: [path=value, ...]}; crossed with the grid "
      "when both are given" },
    { "sweep.list[].set", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED | SCN_SEQ,
      "the overrides of one point: [l1.gas_limit=30M, l1.elasticity=2]" },
};
const size_t sweep_params_count = ARRAY_LEN(sweep_params);

char **sweep_split(const char *text, size_t *n)
{
    size_t cap = 1;
    for (const char *c = text; *c; c++)
        cap += *c == ',';
    char **out = xcalloc(cap, sizeof *out);
    *n = 0;
    for (const char *c = text;;) {
        size_t len = strcspn(c, ",");
        const char *a = c, *b = c + len;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        out[(*n)++] = xstrndup(a, (size_t)(b - a));
        if (c[len] == '\0')
            break;
        c += len + 1;
    }
    return out;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

bool sweep_present(const struct scn *s)
{
    return scn_count(s, "sweep.grid") > 0 || scn_count(s, "sweep.list") > 0;
}

void sweep_free(struct sweep *sw)
{
    for (size_t i = 0; i < sw->n; i++) {
        free(sw->points[i].label);
        free_strs(sw->points[i].sets, sw->points[i].nsets);
    }
    free(sw->points);
    for (size_t i = 0; i < sw->nsources; i++) {
        free(sw->sources[i].where);
        free_strs(sw->sources[i].sets, sw->sources[i].nsets);
    }
    free(sw->sources);
    memset(sw, 0, sizeof *sw);
}

static void add_source(struct sweep *sw, char *where, char **sets, size_t nsets, long axis,
                       bool bad)
{
    sw->sources = xrealloc(sw->sources, (sw->nsources + 1) * sizeof *sw->sources);
    sw->sources[sw->nsources++] = (struct sweep_axis){ where, sets, nsets, axis, bad };
}

/* The length of the path part of "path=value". */
static size_t path_len(const char *set) { return strcspn(set, "="); }

struct ranked { const char *v; size_t i; };

static int cmp_ranked(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    int c = strcmp(a->v, b->v);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* Which of v[0..n) repeat an earlier one: sorted, so O(n log n) for an axis of a
 * hundred thousand values (the pairwise check took minutes). Caller frees. */
static bool *listed_twice(char **v, size_t n)
{
    struct ranked *r = xcalloc(n ? n : 1, sizeof *r);
    bool *twice = xcalloc(n ? n : 1, sizeof *twice);
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ranked){ v[i], i };
    qsort(r, n, sizeof *r, cmp_ranked);
    for (size_t i = 1; i < n; i++)
        twice[r[i].i] = strcmp(r[i].v, r[i - 1].v) == 0;
    free(r);
    return twice;
}

int sweep_expand(const struct scn *s, struct sweep *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int before = e->count;
    size_t naxes = scn_count(s, "sweep.grid"), nlist = scn_count(s, "sweep.list");

    /* grid axes: "path=value" alternatives */
    char ***axis = xcalloc(naxes ? naxes : 1, sizeof *axis);
    size_t *alen = xcalloc(naxes ? naxes : 1, sizeof *alen);
    for (size_t i = 0; i < naxes; i++) {
        const char *path = scn_str(s, "sweep.grid[%zu].path", i);
        char where[64];
        snprintf(where, sizeof where, "sweep.grid[%zu].path", i);
        if (!path[0] || strchr(path, '=') || strchr(path, ',') || strchr(path, ' '))
            scn_error_at(s, e, where, "'%s' is not a parameter path (e.g. l1.gas_limit)",
                         path);
        for (size_t k = 0; k < i; k++)
            if (strcmp(path, scn_str(s, "sweep.grid[%zu].path", k)) == 0)
                scn_error_at(s, e, where, "'%s' is already an axis of the grid "
                             "(sweep.grid[%zu])", path, k);
        snprintf(where, sizeof where, "sweep.grid[%zu].values", i);
        size_t nv;
        char **vals = sweep_split(scn_str(s, "%s", where), &nv);
        axis[i] = xcalloc(nv, sizeof *axis[i]);
        bool *twice = listed_twice(vals, nv);
        for (size_t k = 0; k < nv; k++) {
            int was = e->count;
            if (!vals[k][0])
                scn_error_at(s, e, where, "value %zu is empty", k + 1);
            if (twice[k])
                scn_error_at(s, e, where, "'%s' is listed twice", vals[k]);
            axis[i][k] = xasprintf("%s=%s", path, vals[k]);
            char **one = xcalloc(1, sizeof *one);
            one[0] = xstrdup(axis[i][k]);
            add_source(out, xstrdup(where), one, 1, (long)i, e->count != was);
        }
        alen[i] = nv;
        free(twice);
        free_strs(vals, nv);
    }
    /* list items: each a whole set of overrides */
    char ***items = xcalloc(nlist ? nlist : 1, sizeof *items);
    size_t *ilen = xcalloc(nlist ? nlist : 1, sizeof *ilen);
    for (size_t i = 0; i < nlist; i++) {
        char where[64];
        snprintf(where, sizeof where, "sweep.list[%zu].set", i);
        items[i] = sweep_split(scn_str(s, "%s", where), &ilen[i]);
        int was = e->count;
        for (size_t k = 0; k < ilen[i]; k++) {
            const char *set = items[i][k];
            size_t pl = path_len(set);
            if (pl == 0 || set[pl] != '=' || set[pl + 1] == '\0')
                scn_error_at(s, e, where, "'%s' is not path=value (e.g. l1.gas_limit=30M)",
                             set);
            for (size_t j = 0; j < k; j++)
                if (path_len(items[i][j]) == pl && strncmp(items[i][j], set, pl) == 0)
                    scn_error_at(s, e, where, "'%.*s' is set twice in this point", (int)pl,
                                 set);
            for (size_t a = 0; a < naxes; a++)
                if (strlen(scn_str(s, "sweep.grid[%zu].path", a)) == pl &&
                    strncmp(scn_str(s, "sweep.grid[%zu].path", a), set, pl) == 0)
                    scn_error_at(s, e, where, "'%.*s' is also an axis of the grid "
                                 "(sweep.grid[%zu])", (int)pl, set, a);
        }
        char **copy = xcalloc(ilen[i] ? ilen[i] : 1, sizeof *copy);
        for (size_t k = 0; k < ilen[i]; k++)
            copy[k] = xstrdup(items[i][k]);
        add_source(out, xstrdup(where), copy, ilen[i], -1, e->count != was);
    }
    /* the number of points, refusing an explosion before allocating it */
    size_t total = nlist ? nlist : 1;
    for (size_t i = 0; i < naxes && e->count == before; i++) {
        if (alen[i] == 0 || total > SWEEP_MAX_POINTS / alen[i]) {
            scn_error_at(s, e, "sweep.grid", "the sweep has more than %d points",
                         SWEEP_MAX_POINTS);
            break;
        }
        total *= alen[i];
    }
    if (e->count == before) {
        out->points = xcalloc(total, sizeof *out->points);
        size_t *digit = xcalloc(naxes ? naxes : 1, sizeof *digit);
        for (size_t li = 0; li < (nlist ? nlist : 1); li++) {
            memset(digit, 0, (naxes ? naxes : 1) * sizeof *digit);
            size_t combos = total / (nlist ? nlist : 1);
            for (size_t c = 0; c < combos; c++) {
                struct sweep_point *p = &out->points[out->n++];
                size_t nl = nlist ? ilen[li] : 0;
                p->nsets = nl + naxes;
                p->sets = xcalloc(p->nsets ? p->nsets : 1, sizeof *p->sets);
                size_t lablen = 1;
                for (size_t k = 0; k < nl; k++)
                    p->sets[k] = xstrdup(items[li][k]);
                for (size_t a = 0; a < naxes; a++)
                    p->sets[nl + a] = xstrdup(axis[a][digit[a]]);
                for (size_t k = 0; k < p->nsets; k++)
                    lablen += strlen(p->sets[k]) + 2;
                p->label = xmalloc(lablen);
                p->label[0] = '\0';
                for (size_t k = 0; k < p->nsets; k++) {
                    if (k)
                        strcat(p->label, ", ");
                    strcat(p->label, p->sets[k]);
                }
                /* odometer: the last axis varies fastest */
                for (size_t a = naxes; a-- > 0;) {
                    if (++digit[a] < alen[a])
                        break;
                    digit[a] = 0;
                }
            }
        }
        free(digit);
    }
    for (size_t i = 0; i < naxes; i++)
        free_strs(axis[i], alen[i]);
    for (size_t i = 0; i < nlist; i++)
        free_strs(items[i], ilen[i]);
    free(axis), free(alen), free(items), free(ilen);
    if (e->count != before) {
        for (size_t i = 0; i < out->n; i++) {
            free(out->points[i].label);
            free_strs(out->points[i].sets, out->points[i].nsets);
        }
        free(out->points);
        out->points = NULL;
        out->n = 0;
        return L2_EINPUT;
    }
    return 0;
}

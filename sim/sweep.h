/* sweep.h — parameter sweeps: the `sweep:` section of a scenario, a grid over parameter
 * paths and/or an explicit list of points, expanded into points. A point is a set of
 * "path=value" overrides, exactly what `l2sim run --set` takes, so every point of a
 * sweep is reproducible on its own. Knows paths and text, not what they mean: the
 * values are validated by loading the scenario with them (models/run/study.c). */
#ifndef L2SIM_SWEEP_H
#define L2SIM_SWEEP_H

#include "sim/scenario.h"

/* The schema rows of the sweep section (appended to the model schema). */
extern const struct scn_param sweep_params[];
extern const size_t           sweep_params_count;

/* At most this many points per sweep (a typo in a grid should not plan a billion runs). */
#define SWEEP_MAX_POINTS 100000

struct sweep_point {
    char  *label;   /* "l1.gas_limit=30M, l1.elasticity=2"; "" for a scenario without sweep */
    char **sets;    /* "path=value", in label order */
    size_t nsets;
};

/* Where a point's overrides came from, to report a bad value at its file position:
 * the scenario path of the item ("sweep.grid[1].values", "sweep.list[0].set"). */
struct sweep_axis {
    char  *where;
    char **sets;    /* one grid value as "path=v", or one list item's sets */
    size_t nsets;
    long   axis;    /* grid: the axis index (its path is "sweep.grid[axis].path"); list: -1 */
    bool   bad;     /* already reported by sweep_expand */
};

struct sweep {
    struct sweep_point *points;
    size_t              n;
    /* the sources, for validation: each grid value and each list item on its own */
    struct sweep_axis  *sources;
    size_t              nsources;
};

/* True when the scenario has a sweep section with at least one grid axis or list item. */
bool sweep_present(const struct scn *s);

/* Expand the sweep of s: the explicit list's points (in file order), each crossed with
 * every combination of the grid's axes (the first axis varies slowest). Without a list
 * the grid alone; without a sweep one point with no overrides. Reports malformed items
 * ("set" not path=value, a path given twice in one point, too many points) at their
 * file position. Returns 0 or L2_EINPUT; on failure out->sources is still filled (for
 * the caller to check the values too) and out->n is 0. O(points x axes). */
int  sweep_expand(const struct scn *s, struct sweep *out, struct err *e);
void sweep_free(struct sweep *sw);

/* Split "a, b,c" at commas, trimming blanks; empty items are kept as "". The caller
 * frees each item and the array. */
char **sweep_split(const char *text, size_t *n);

#endif

/* figure.h — the report's figures and per-type summary rows. A figure draws one
 * image from the database views for one or several runs; it says itself whether the
 * runs hold what it needs. The figures every run has (fees, latency, the L1 market,
 * attacks) are listed in figure.c; a scheme declares its own figures, detail rows and
 * HTML section from its directory (struct scheme_report, scheme_ops.report), and the
 * report shows those of every scheme type in the runs it is given. */
#ifndef L2SIM_FIGURE_H
#define L2SIM_FIGURE_H

#include <sqlite3.h>
#include <stdio.h>
#include "analysis/plot.h"

/* One scheme of one run: a curve, bar or row in a figure. */
struct fig_series {
    int64_t run_id;
    char   *scheme, *type, *world;
    char    label[192];     /* "l1", or "run 3: l1" when several runs are shown */
};

/* One L1 world of one run (worlds are per scheme, or one 'shared'). */
struct fig_world {
    int64_t run_id;
    char   *world;
    char    label[192];
};

/* What every figure may read: the database (through its views only) and the runs. */
struct fig_ctx {
    sqlite3                 *db;
    const int64_t           *runs;
    size_t                   nruns;
    const struct fig_series *series;     /* every scheme of every run, scenario order */
    size_t                   nseries;
    const struct fig_world  *worlds;
    size_t                   nworlds;
    double                   duration_h; /* the longest run's simulated hours */
    /* a study shown (sweep points, replications): every run of it, whose means and
     * confidence intervals (view metric_ci) the study figure draws; none: 0 */
    const int64_t           *study;
    size_t                   nstudy;
    const char              *subtitle;   /* "scenario 'default', run 1, seed 42" */
};

struct figure {
    const char *name;      /* file stem: out/NAME.png */
    const char *heading;   /* the report section's heading */
    const char *caption;   /* how to read it, in plain words (the report escapes it) */
    /* true when the runs hold what the figure needs; otherwise false with the reason
     * in why (a sentence the report shows in place of the image) */
    bool (*applies)(const struct fig_ctx *c, char *why, size_t len);
    /* write the gnuplot commands and data for the image (terminal already set) */
    void (*render)(const struct fig_ctx *c, struct plot *p);
};

/* The shared figures in report order (each scheme type's follow); NULL past the end. */
const struct figure *figure_at(size_t i);

/* A line of a scheme type's details table: the scheme_metrics value `stat` (phase
 * 'all') of every scheme of the type, times scale, with its unit. */
struct summary_row {
    const char *label;
    const char *stat;
    double      scale;
    int         decimals;  /* digits after the point */
    const char *unit;      /* after the number ("gwei"); "" for none */
};

/* What a scheme type adds to `l2sim report` (scheme_ops.report), shown when a scheme
 * of the type is in the runs, types in the order they first appear. */
struct scheme_report {
    const struct figure *const *figures;   /* after the shared figures, in this order */
    size_t                      nfigures;
    const struct summary_row   *rows;      /* its table under "More per scheme type" */
    size_t                      nrows;
    /* Its own HTML after that table (tables over its views): write with the
     * report_html_* helpers (analysis/report.h), read c->db through its views. */
    void (*section)(FILE *f, const struct fig_ctx *c, const char *type);
};

/* ---- helpers the figures share (figure.c) ---- */

/* Prepare SQL over the views; bad SQL is a bug (panic). The caller finalizes. */
sqlite3_stmt *fig_prepare(const struct fig_ctx *c, const char *sql);
/* Reset q and bind a series' run id (?1) and scheme name (?2), the key every
 * per-scheme query of the views takes. */
void fig_bind_series(sqlite3_stmt *q, const struct fig_series *s);
/* set title: `title` over the runs' subtitle. */
void fig_title(const struct fig_ctx *c, struct plot *p, const char *title);
/* set xlabel / ylabel (axis 'x', 'y', 'y2'). */
void fig_label(struct plot *p, const char *axis, const char *text);
/* Number of rows `sql` (one integer parameter, the run id) returns summed over runs. */
int64_t fig_count_runs(const struct fig_ctx *c, const char *sql);
/* Write datablock $name: the empirical CDF of the positive values `q` returns
 * (ascending, column 0) as at most max_points rows (value, % of `total`). Returns the
 * number of values read. O(n). */
size_t fig_cdf_block(struct plot *p, const char *name, sqlite3_stmt *q, int64_t total,
                     size_t max_points);
/* Shade demand spikes and attacks of the runs on the current time axis (hours), each
 * distinct window once, with a label at the top of those whose kind `labels` has. */
enum { FIG_LABEL_DEMAND = 1, FIG_LABEL_ATTACKS = 2, FIG_LABEL_ALL = 3 };
void fig_windows(const struct fig_ctx *c, struct plot *p, int labels);
/* Remove the window labels fig_windows set (a multiplot labels its top panel only). */
void fig_windows_unlabel(struct plot *p);
/* Dotted lines at 50% and 95% of a CDF (y axis in %), labelled, to read medians and
 * tails off. */
void fig_percentile_guides(struct plot *p);
/* Log-axis ticks at 1, 2 and 5 times each power of ten in [lo, hi], printed plainly
 * (0.2, 0.5, 1, 2, ...), for ranges of a few decades. */
void fig_ticks_125(struct plot *p, char axis, double lo, double hi);
/* Log-scale time ticks in seconds labelled 1 s, 1 min, 1 h, 1 d, 1 w. */
void fig_seconds_axis(struct plot *p, char axis);

/* Short words for a fee ratio to the baseline: "55x cheaper", "3.2x dearer", "41%
 * cheaper" (percent within a factor of two, where "1.03x" reads badly), "same". */
void fig_ratio_words(double ratio, char *buf, size_t len);
/* Text for "1.5e-4 ETH"-like amounts: 3 significant digits, plain below 1e-3 too. */
void fig_fmt_eth(double eth, char *buf, size_t len);

/* The figures (fig_*.c). */
extern const struct figure fig_fee_cdf, fig_savings, fig_cost_breakdown, fig_transfer_costs;
extern const struct figure fig_latency_cdf;
extern const struct figure fig_l1_prices, fig_l1_usage, fig_attacks;
extern const struct figure fig_batches;
extern const struct figure fig_study_ci;

/* SQL selecting (point, scheme, n, mean, half_width) of metric ?1 from metric_ci for
 * the configurations of the study's runs, in point order (fig_study.c). */
void fig_study_sql(const struct fig_ctx *c, char *sql, size_t len);

#endif

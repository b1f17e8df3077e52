/* fig_study.c — a study as a designer reads it: each sweep point's mean over its
 * replications with the 95% confidence interval (view metric_ci), per scheme, for the
 * mean fee and the 95th percentile of the wait for inclusion. Drawn when the report
 * shows a study (report.c picks it: sweep points, or replications). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/figure.h"

/* SQL of metric_ci rows of the study's configurations, for metric ?1, in point order;
 * the run ids are integers from the database, written into the statement. */
void fig_study_sql(const struct fig_ctx *c, char *sql, size_t len)
{
    size_t o = (size_t)snprintf(sql, len,
        "SELECT coalesce(m.sweep_point, 'as written') AS point, m.scheme AS scheme, m.n AS n,"
        " m.mean AS mean, m.half_width AS half_width"
        " FROM metric_ci m WHERE m.name = ?1 AND EXISTS (SELECT 1 FROM runs r"
        " WHERE r.scenario_sha256 = m.scenario_sha256 AND r.overrides = m.overrides"
        " AND r.master_seed = m.master_seed AND r.crypto_mode = m.crypto_mode"
        " AND r.l2sim_version = m.l2sim_version AND r.git_rev = m.git_rev"
        " AND r.run_id IN (");
    for (size_t i = 0; i < c->nstudy && o < len; i++)
        o += (size_t)snprintf(sql + o, len - o, "%s%lld", i ? "," : "", (long long)c->study[i]);
    if (o < len)
        snprintf(sql + o, len - o, ")) ORDER BY coalesce(m.sweep_index, 0), m.scheme");
}

static bool study_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (c->nstudy >= 2)
        return true;
    snprintf(why, len, "The report shows no study: one run, or runs picked with --run (a "
             "sweep or replications are shown whole by default).");
    return false;
}

static const struct {
    const char *metric, *title, *ylabel;
    double      scale;
} panels[] = {
    { "fee_mean_eth", "mean fee per included transfer", "ETH", 1 },
    { "inclusion_p95_s", "95th percentile of the wait for L1 inclusion", "seconds", 1 },
};

static void study_render(const struct fig_ctx *c, struct plot *p)
{
    char sql[4096];
    fig_study_sql(c, sql, sizeof sql);
    sqlite3_stmt *q = fig_prepare(c, sql);
    /* points and schemes in order of first appearance */
    char points[64][160], schemes[16][64];
    size_t np = 0, ns = 0;
    for (size_t k = 0; k < ARRAY_LEN(panels); k++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, panels[k].metric, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *pt = (const char *)sqlite3_column_text(q, 0);
            const char *sc = (const char *)sqlite3_column_text(q, 1);
            bool seen = false;
            for (size_t i = 0; i < np && !seen; i++)
                seen = strcmp(points[i], pt) == 0;
            if (!seen && np < ARRAY_LEN(points))
                snprintf(points[np++], sizeof points[0], "%s", pt);
            seen = false;
            for (size_t i = 0; i < ns && !seen; i++)
                seen = strcmp(schemes[i], sc) == 0;
            if (!seen && ns < ARRAY_LEN(schemes))
                snprintf(schemes[ns++], sizeof schemes[0], "%s", sc);
        }
    }
    /* one datablock per panel and scheme: x (point index, schemes side by side), mean,
     * low and high end of the interval (the mean itself with one replication) */
    double width = ns > 1 ? 0.2 / (double)ns : 0;
    for (size_t k = 0; k < ARRAY_LEN(panels); k++)
        for (size_t s = 0; s < ns; s++) {
            char name[32];
            snprintf(name, sizeof name, "p%zu_%zu", k, s);
            plot_data_begin(p, name);
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, panels[k].metric, -1, SQLITE_STATIC);
            while (sqlite3_step(q) == SQLITE_ROW) {
                if (strcmp((const char *)sqlite3_column_text(q, 1), schemes[s]) != 0)
                    continue;
                const char *pt = (const char *)sqlite3_column_text(q, 0);
                size_t i = 0;
                while (i < np && strcmp(points[i], pt) != 0)
                    i++;
                double mean = sqlite3_column_double(q, 3) * panels[k].scale;
                double hw = sqlite3_column_type(q, 4) == SQLITE_NULL ? 0
                          : sqlite3_column_double(q, 4) * panels[k].scale;
                double row[4] = { (double)i + ((double)s - ((double)ns - 1) / 2) * width,
                                  mean, mean - hw, mean + hw };
                plot_row(p, 4, row);
            }
            plot_data_end(p);
        }
    sqlite3_finalize(q);

    /* the legend sits below the panels, never over the data */
    plot_cmd(p, "set multiplot layout 2,1 margins 0.1,0.97,0.2,0.86 spacing 0,0.1 title ");
    plot_text2(p, "Sweep points: mean over replications with its 95% confidence interval",
               c->subtitle);
    plot_cmd(p, " font ',16'\n");
    plot_cmd(p, "set xrange [-0.6:%f]\nset grid ytics\nset bars 2\n",
             (double)np - 0.4);
    for (size_t k = 0; k < ARRAY_LEN(panels); k++) {
        plot_cmd(p, "set title ");
        plot_text(p, panels[k].title);
        plot_cmd(p, " font ',13'\n");
        fig_label(p, "y", panels[k].ylabel);
        plot_cmd(p, "set format y '%%.3g'\nset xtics noenhanced (");
        for (size_t i = 0; i < np; i++) {
            /* a tic label is a format: a point's own % would be read as one */
            char lab[400];
            size_t o = 0;
            for (const char *ch = points[i]; *ch && o + 2 < sizeof lab; ch++) {
                if (*ch == '%')
                    lab[o++] = '%';
                lab[o++] = *ch;
            }
            lab[o] = '\0';
            plot_quoted(p, k + 1 < ARRAY_LEN(panels) ? "" : lab);
            plot_cmd(p, " %zu%s", i, i + 1 < np ? ", " : ")\n");
        }
        if (k + 1 < ARRAY_LEN(panels))
            plot_cmd(p, "unset key\n");
        else
            plot_cmd(p, "set key outside bottom center horizontal noenhanced\n");
        plot_cmd(p, "plot ");
        for (size_t s = 0; s < ns; s++) {
            plot_cmd(p, "%s$p%zu_%zu using 1:2:3:4 with yerrorbars lt %zu lw 2 pt 7 ps 1.5"
                        " title ", s ? ", " : "", k, s, s + 1);
            plot_quoted(p, schemes[s]);
        }
        plot_cmd(p, "\n");
    }
    plot_cmd(p, "unset multiplot\n");
}

const struct figure fig_study_ci = {
    "study", "Sweep points with confidence intervals",
    "One point per sweep point (or the scenario as written, for replications alone) and "
    "scheme: the mean over its replications, with a bar over the 95% confidence "
    "interval of that mean (mean +- t(0.975, n-1) sd / sqrt(n), view metric_ci). Where "
    "the bars of two points overlap, the replications do not tell them apart; with one "
    "replication there is no bar. Top: the mean fee per included transfer; bottom: the "
    "95th percentile of the wait for L1 inclusion.",
    study_applies, study_render,
};

/* fig_batches.c — rollup batches: how many transfers a batch carries, how well it
 * compresses, and whether it went to the L1 as calldata or as blobs.
 *
 * Reads the view batch_stats, which the rollup schemes define over their batches
 * table with these columns: run_id, scheme, batch_id, posted_us, transfers (user
 * transfers in the batch), raw_bytes (encoded, before compression), compressed_bytes
 * (what was posted), da ('calldata' or 'blob'). Until a scheme defines it, the figure
 * does not apply. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/figure.h"

static bool batches_applies(const struct fig_ctx *c, char *why, size_t len)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT count(*) FROM sqlite_master"
                                     " WHERE type = 'view' AND name = 'batch_stats'");
    bool has = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    if (!has) {
        snprintf(why, len, "No scheme in the run posts batches (rollups do).");
        return false;
    }
    /* the view comes from a scheme's SQL, not from this file: check that it reads */
    if (sqlite3_prepare_v2(c->db, "SELECT run_id, scheme, batch_id, posted_us, transfers,"
                           " raw_bytes, compressed_bytes, da FROM batch_stats LIMIT 0",
                           -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, len, "View batch_stats cannot be read: %s.", sqlite3_errmsg(c->db));
        return false;
    }
    sqlite3_finalize(q);
    if (fig_count_runs(c, "SELECT count(*) FROM batch_stats WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No scheme in the run posted a batch.");
    return false;
}

static void batches_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *qs = fig_prepare(c, "SELECT transfers FROM batch_stats WHERE run_id = ?"
                                      " AND scheme = ? AND transfers > 0 ORDER BY 1");
    sqlite3_stmt *qn = fig_prepare(c, "SELECT count(*) FROM batch_stats WHERE run_id = ?"
                                      " AND scheme = ?");
    sqlite3_stmt *qr = fig_prepare(c,
        "SELECT transfers, CAST(raw_bytes AS REAL) / compressed_bytes FROM batch_stats"
        " WHERE run_id = ? AND scheme = ? AND da = ? AND compressed_bytes > 0"
        " ORDER BY batch_id");
    static const char *const das[] = { "calldata", "blob" };
    size_t n = c->nseries < 64 ? c->nseries : 64;
    bool has_size[64] = { false }, has_ratio[64][2] = { { false } };
    for (size_t i = 0; i < n; i++) {
        const struct fig_series *s = &c->series[i];
        fig_bind_series(qn, s);
        int64_t total = sqlite3_step(qn) == SQLITE_ROW ? sqlite3_column_int64(qn, 0) : 0;
        fig_bind_series(qs, s);
        char name[32];
        snprintf(name, sizeof name, "b%zu", i);
        has_size[i] = fig_cdf_block(p, name, qs, total, 600) > 0;
        for (size_t d = 0; d < 2; d++) {
            fig_bind_series(qr, s);
            sqlite3_bind_text(qr, 3, das[d], -1, SQLITE_STATIC);
            snprintf(name, sizeof name, "r%zu_%zu", i, d);
            plot_data_begin(p, name);
            while (sqlite3_step(qr) == SQLITE_ROW) {
                double row[2] = { sqlite3_column_double(qr, 0), sqlite3_column_double(qr, 1) };
                plot_row(p, 2, row);
                has_ratio[i][d] = true;
            }
            plot_data_end(p);
        }
    }
    sqlite3_finalize(qs);
    sqlite3_finalize(qn);
    sqlite3_finalize(qr);

    plot_cmd(p, "set multiplot layout 1,2 title ");
    plot_text2(p, "Rollup batches: size, compression, and calldata versus blobs", c->subtitle);
    plot_cmd(p, " font ',16'\n");
    plot_cmd(p, "set title ");
    plot_text(p, "transfers per batch (cumulative distribution)");
    plot_cmd(p, " font ',13'\nset logscale x\nset yrange [0:100]\nset key bottom right\n");
    fig_label(p, "x", "transfers in one batch (log scale)");
    fig_label(p, "y", "% of batches with at most this many");
    const char *sep = "plot ";
    for (size_t i = 0; i < n; i++) {
        if (!has_size[i])
            continue;
        plot_cmd(p, "%s$b%zu using 1:2 with steps lt %zu title ", sep, i, i + 1);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "%s\n", sep[0] == 'p' ? "plot NaN notitle" : "");

    plot_cmd(p, "set title ");
    plot_text(p, "compression ratio per batch (open: calldata, filled: blob)");
    plot_cmd(p, " font ',13'\nset autoscale y\nset key top left\n");
    fig_label(p, "x", "transfers in the batch (log scale)");
    fig_label(p, "y", "raw bytes / posted bytes");
    sep = "plot ";
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < 2; d++) {
            if (!has_ratio[i][d])
                continue;
            char t[256];
            snprintf(t, sizeof t, "%s, %s", c->series[i].label, das[d]);
            plot_cmd(p, "%s$r%zu_%zu using 1:2 with points lt %zu pt %d title ", sep, i, d,
                     i + 1, d == 0 ? 6 : 7);
            plot_text(p, t);
            sep = ", \\\n     ";
        }
    plot_cmd(p, "%s\n", sep[0] == 'p' ? "plot NaN notitle" : "");
    plot_cmd(p, "unset multiplot\n");
}

const struct figure fig_batches = {
    "batches", "Rollup batches",
    "Left: how many transfers each batch carried; bigger batches spread the fixed cost "
    "of an L1 transaction over more users. Right: how much each batch shrank under "
    "compression, by how it was posted: as calldata (open markers) or as blobs "
    "(filled), whichever the rollup found cheaper at the time.",
    batches_applies, batches_render,
};

/* report.h — `l2sim report`: the figures of the registry (figure.h) as PNG or SVG
 * files and one self-contained report.html (images embedded, no scripts, no network)
 * for one run or several side by side. Reads the database through its views only,
 * so a report is a pure function of the database file and this binary. */
#ifndef L2SIM_REPORT_H
#define L2SIM_REPORT_H

#include <stdio.h>

#include "analysis/plot.h"

struct report_opts {
    const char      *db_path;
    const int64_t   *runs;              /* the runs to show; none: the latest complete */
    size_t           nruns;
    const char      *out_dir;           /* created if missing */
    enum plot_format format;
    bool             allow_incomplete;  /* show runs that failed or were interrupted */
    const char      *gnuplot;           /* program name or path */
};

enum report_state {
    REPORT_DRAWN,         /* file written */
    REPORT_EMPTY,         /* the runs hold nothing for it (why says what) */
    REPORT_FAILED,        /* gnuplot failed (why holds its message) */
    REPORT_NO_GNUPLOT,    /* not attempted: gnuplot could not be run */
};

struct figure;
struct report_item {
    const char       *name;             /* borrowed from the figure */
    const struct figure *figure;        /* the shared list's or a scheme type's */
    enum report_state state;
    char              file[1024];       /* when drawn */
    char              why[512];
};

#define REPORT_MAX_ITEMS 32
struct report_result {
    char               html[1024];      /* path of report.html once written */
    int64_t            runs[64];        /* the runs shown */
    size_t             nruns;
    /* a study (sweep points, replications) chosen by default: all its runs (the runs
     * shown are the first replication of each point), and what was chosen in words */
    int64_t            study[64];
    size_t             nstudy;
    char               chosen[256];
    struct report_item items[REPORT_MAX_ITEMS];
    size_t             nitems;
};

/* Write the report. Returns 0 when every figure that applies was drawn; L2_EINPUT for
 * bad input (no such database or run, a run that is not complete without
 * allow_incomplete), with nothing written; L2_EIO when the database or the output
 * cannot be read or written, or gnuplot is missing or failed: report.html is then
 * still written with every table and the figures that could be drawn, and res says
 * which failed and why. */
int report_write(const struct report_opts *o, struct report_result *res, struct err *e);

/* For a scheme's own report section (struct scheme_report, analysis/figure.h): text
 * escaped for HTML, and table cells formatted as the report's own tables are (a
 * number with its unit, an amount in ETH to 3 significant digits, a duration in
 * seconds shown as s/min/h/d; NaN prints "-"). */
void report_html_text(FILE *f, const char *s);
void report_html_cell_text(FILE *f, const char *s);
void report_html_cell_num(FILE *f, double v, int decimals, const char *unit);
void report_html_cell_eth(FILE *f, double eth);
void report_html_cell_time(FILE *f, double seconds);

#endif

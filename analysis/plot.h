/* plot.h — gnuplot as a child process fed through a pipe: one process per image, no
 * script files, no shell in between (the program is started with posix_spawnp and its
 * stdin is the pipe). Knows gnuplot, not l2sim: the figures decide what to draw.
 *
 * Text that comes from a scenario (names, titles) goes through plot_text(), which
 * writes a single-quoted gnuplot string that cannot end early and is not expanded
 * (no backquote command substitution, no @macros, no enhanced-text markup), so a
 * scenario cannot make gnuplot run a command. Everything else written with plot_cmd()
 * must be the caller's own text. The caller must ignore SIGPIPE (main does): a
 * gnuplot that dies early is then an error from plot_close, not a killed process. */
#ifndef L2SIM_PLOT_H
#define L2SIM_PLOT_H

#include <stdio.h>
#include "sim/util.h"

enum plot_format { PLOT_PNG, PLOT_SVG };

/* The extension of a format's files ("png", "svg"). */
const char *plot_ext(enum plot_format f);

struct plot;

/* Whether `gnuplot` (a program name looked up on PATH, or a path) can be started:
 * runs `gnuplot --version` and returns 0 with its first line in version, or L2_EIO
 * with a message saying it is missing or broken. */
int  plot_probe(const char *gnuplot, char *version, size_t len, struct err *e);

/* Start `gnuplot` writing one image of width x height pixels to out_path (replaced if
 * it exists), with l2sim's terminal, fonts and colours set. A program that cannot be
 * started is L2_EIO with a message and *out = NULL. */
int  plot_open(const char *gnuplot, enum plot_format fmt, const char *out_path, int width,
               int height, struct plot **out, struct err *e);

/* Write the caller's own gnuplot text (printf format). Never pass scenario text
 * through here: use plot_text. */
void plot_cmd(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write `text` as a literal: 'quoted' noenhanced. Valid wherever gnuplot takes a
 * string followed by options: set title/xlabel/ylabel/label, plot ... title. */
void plot_text(struct plot *p, const char *text);
/* Write `text` as a bare quoted literal, for lists such as
 * set xtics noenhanced ('name' 0, ...). */
void plot_quoted(struct plot *p, const char *text);
/* Two lines as one literal (a title and its subtitle): 'line1' . "\n" . 'line2'
 * noenhanced. */
void plot_text2(struct plot *p, const char *line1, const char *line2);

/* A datablock $name of numeric rows: plot_data_begin, plot_row (n values, NaN written
 * as an empty point gnuplot skips), plot_data_end. */
void plot_data_begin(struct plot *p, const char *name);
void plot_row(struct plot *p, size_t n, const double *v);
void plot_data_end(struct plot *p);

/* Close the pipe, wait for gnuplot, and check that it exited cleanly and wrote a
 * non-empty file. On failure the message holds gnuplot's first error line and the
 * partial file is removed. Frees p (also on failure). */
int  plot_close(struct plot *p, struct err *e);

/* The quoting plot_text uses, for tests: text as a single-quoted gnuplot string into
 * buf (always terminated). Control characters become spaces; a quote is doubled; text
 * longer than max_chars bytes is cut at a UTF-8 boundary and ends with "...". */
void plot_quote(const char *text, size_t max_chars, char *buf, size_t len);

#endif

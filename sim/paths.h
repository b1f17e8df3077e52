/* paths.h — file paths that come from an untrusted scenario: where a scenario may
 * write (inside the output directory only, no symbolic links, no devices) and how a
 * file it names is opened for reading (a regular file only, never blocking on a FIFO
 * or a device). Paths given on the command line are trusted and never come here. */
#ifndef L2SIM_PATHS_H
#define L2SIM_PATHS_H

#include <stdio.h>

#include "sim/util.h"

struct scn;

enum paths_kind {
    PATHS_FILE,    /* a file to create or overwrite (a database: its -wal, -shm and
                      -journal companions are checked too) */
    PATHS_DIR,     /* a directory to create or write files into (a report) */
};

#define PATHS_WHY_MAX 2048

/* Where a scenario may write `rel`: resolved relative to base_dir (the scenario's
 * directory; "" is the working directory), it must lie inside out_dir. Refused, with
 * the reason in why (the option that writes elsewhere, e.g. "--db", named in it):
 * an empty path or one with control characters; an absolute path; a path whose ".."
 * leaves out_dir; a path that leaves out_dir's realpath() once the longest existing
 * prefix is resolved (a symbolic link in a directory of the path); a final component
 * that is a symbolic link; an existing file that is not a regular file (PATHS_FILE)
 * or not a directory (PATHS_DIR); a database companion that is a symbolic link or not
 * a regular file; a report directory holding a symbolic link. On success *resolved
 * (caller frees) is the canonical absolute path: realpath() of its longest existing
 * prefix, then the rest. Touches nothing (lstat, realpath, readdir only).
 * Returns 0 or L2_EINPUT. O(path components) system calls, O(entries) for a directory.
 * The check is made before the run; a concurrent writer of the directory could still
 * swap a component afterwards (a scenario is the untrusted input, not other users). */
int paths_output(const char *base_dir, const char *rel, const char *out_dir,
                 enum paths_kind kind, const char *cli_opt, char **resolved /* OUT */,
                 char why[PATHS_WHY_MAX] /* OUT */);

/* paths_output for the scenario parameter `param` (an optional text row, e.g.
 * "output.db"), when s has it: base_dir is the scenario's directory, out_dir the
 * given directory or, when NULL, the scenario's. A refusal is reported at the value's
 * position ("file:line:col: output.db: ..."). *resolved is NULL when s has no such
 * value. Returns 0 or L2_EINPUT. */
int paths_scn_output(const struct scn *s, const char *param, const char *out_dir,
                     enum paths_kind kind, const char *cli_opt, char **resolved /* OUT */,
                     struct err *e);


/* Open `path` for reading when it is a regular file (symbolic links followed): a
 * directory, FIFO, socket or device (/dev/zero, /dev/stdin on a terminal or pipe) is
 * refused before it is opened, and the file is opened non-blocking and checked again,
 * so nothing can hang or stream without end. `what` names the file in messages
 * ("trace": "PATH: cannot open the trace: ...", "PATH: is a directory, not a trace
 * file"). Reading outside the scenario's directory is allowed. Returns 0 with *out
 * open ("rb"), or L2_EINPUT. */
int paths_open_read(const char *path, const char *what, FILE **out /* OUT */, struct err *e);

#endif

/* paths.c — paths from untrusted scenarios (see paths.h): containment of what a
 * scenario writes in the output directory, and regular-file-only reads.
 *
 * Trust rules. A scenario file may come from anyone; the command line is the user's.
 * - Written paths named by a scenario (output.db, output.report) are resolved relative
 *   to the scenario's directory and must stay inside the output directory (the
 *   scenario's directory, or --output-dir DIR): relative only, no ".." out of it, no
 *   symbolic link that leads out of it, no symbolic link as the final component, no
 *   device, FIFO or socket. --db and --out on the command line win and go anywhere.
 * - Read paths (l1.demand.trace) are resolved relative to the scenario's directory and
 *   may lie outside it, but must be regular files; a trace error echoes at most a short
 *   field (control bytes refused first), never a whole line of a file it was not.
 *
 * Shell audit (every exec-like call in the tree: grep for system(, popen(, exec*, fork,
 * posix_spawn, sh -c): the C code runs exactly one other program, gnuplot, through
 * posix_spawnp() with a fixed argv { "gnuplot", NULL } and its stdin a pipe
 * (analysis/plot.c) — no shell in between. Everything from a scenario that reaches
 * gnuplot (names, descriptions, scheme labels) goes through plot_quote(): a
 * single-quoted literal (quotes doubled, control characters as spaces, so no newline
 * can end the command) marked noenhanced; gnuplot expands neither backquotes nor
 * macros (@x) inside single quotes, and the output file name is quoted the same way.
 * The other fork() calls (models/run/study.c's worker processes, tests/test_fuzz_regress.c)
 * run this program's own code and exec nothing. system(), popen() and the exec family
 * appear nowhere in the C sources; the shell scripts (tests/, the Makefile) are
 * the developers' and take no scenario text. tests/cli/paths.sh checks it. */
#define _XOPEN_SOURCE 700      /* realpath() */
#include "sim/paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/scenario.h"

/* ---- lexical paths ---- */

/* path made absolute against the working directory. Caller frees; NULL when the
 * working directory cannot be named. */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    return xasprintf("%s/%s", cwd, path[0] ? path : ".");
}

/* Append component c (of n bytes) to the absolute path in buf, applying "." and "..",
 * never above "/". buf holds at least strlen(buf) + n + 2 bytes. */
static void push_component(char *buf, const char *c, size_t n)
{
    if (n == 0 || (n == 1 && c[0] == '.'))
        return;
    size_t len = strlen(buf);
    if (n == 2 && c[0] == '.' && c[1] == '.') {
        char *slash = strrchr(buf, '/');
        if (slash == buf)
            buf[1] = '\0';                  /* "/x" -> "/", "/" stays */
        else if (slash)
            *slash = '\0';
        return;
    }
    if (len > 1)
        buf[len++] = '/';
    memcpy(buf + len, c, n);
    buf[len + n] = '\0';
}

/* Apply the components of `rest` to the absolute path `base` lexically. Caller frees. */
static char *join_lexical(const char *base, const char *rest)
{
    char *buf = xmalloc(strlen(base) + strlen(rest) + 3);
    strcpy(buf, "/");
    for (const char *c = base, *end; *c; c = *end ? end + 1 : end) {
        end = strchr(c, '/');
        if (!end)
            end = c + strlen(c);
        push_component(buf, c, (size_t)(end - c));
    }
    for (const char *c = rest, *end; *c; c = *end ? end + 1 : end) {
        end = strchr(c, '/');
        if (!end)
            end = c + strlen(c);
        push_component(buf, c, (size_t)(end - c));
    }
    return buf;
}

/* One pass of canonical(): realpath() of the longest existing prefix of `abs`, then
 * the remaining components applied lexically. Exact only when no ".." follows a
 * component that does not exist: "missing/../link" would join "link" without
 * resolving it. NULL when a prefix exists but cannot be resolved (a dangling link,
 * a loop, no permission). */
static char *canonical_once(const char *abs)
{
    size_t n = strlen(abs);
    char *prefix = xstrdup(abs);
    for (size_t cut = n;;) {
        prefix[cut] = '\0';
        char *real = realpath(cut ? prefix : "/", NULL);
        if (real) {
            char *out = join_lexical(real, abs + cut);
            free(real);
            free(prefix);
            return out;
        }
        struct stat st;
        if ((errno != ENOENT && errno != ENOTDIR) || (cut && lstat(prefix, &st) == 0)) {
            free(prefix);
            return NULL;
        }
        /* drop the last component and the slashes before it (a trailing slash would
         * make lstat follow a link) */
        while (cut > 0 && abs[cut - 1] != '/')
            cut--;
        while (cut > 1 && abs[cut - 1] == '/')
            cut--;
    }
}

/* The canonical form of the absolute path `abs`: symbolic links and ".." resolved as
 * the kernel would for the part that exists, the rest (names that do not exist, so
 * hold no links) applied lexically. A second pass makes it exact: the first leaves no
 * "..", so in the second every component after the existing prefix is new. Caller
 * frees. NULL when a prefix exists as a name that cannot be resolved: a dangling
 * symbolic link, whose target could be created later anywhere. */
static char *canonical(const char *abs)
{
    char *once = canonical_once(abs);
    if (!once)
        return NULL;
    char *twice = canonical_once(once);
    free(once);
    return twice;
}

/* path equals dir or lies below it (both canonical or both lexical, absolute). */
static bool inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0)
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))
        return "directory";
    if (S_ISFIFO(m))
        return "FIFO (named pipe)";
    if (S_ISCHR(m))
        return "character device";
    if (S_ISBLK(m))
        return "block device";
    if (S_ISSOCK(m))
        return "socket";
    if (S_ISLNK(m))
        return "symbolic link";
    if (S_ISREG(m))
        return "regular file";
    return "special file";
}

/* ---- where a scenario may write ---- */

/* A report directory must hold no symbolic link: the report writes its files there
 * by name (report.html.tmp through fopen). 0, or -1 with the entry's name in bad. */
static int dir_has_link(const char *dir, char *bad, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;                       /* writing into it will fail and say why */
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        bool link = lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
        free(p);
        if (link) {
            snprintf(bad, len, "%.200s", de->d_name);
            rc = -1;
            break;
        }
    }
    closedir(d);
    return rc;
}

int paths_output(const char *base_dir, const char *rel, const char *out_dir,
                 enum paths_kind kind, const char *cli_opt, char **resolved,
                 char why[PATHS_WHY_MAX])
{
    *resolved = NULL;
    why[0] = '\0';
    char hint[192], cli[96];
    snprintf(cli, sizeof cli, "give %s on the command line to write elsewhere", cli_opt);
    snprintf(hint, sizeof hint, "a scenario may only write there; %s", cli);
    if (!rel[0]) {
        snprintf(why, PATHS_WHY_MAX, "an empty path");
        return L2_EINPUT;
    }
    for (const char *c = rel; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(why, PATHS_WHY_MAX, "a control character (0x%02x) at byte %zu of the "
                     "path", (unsigned)(unsigned char)*c, (size_t)(c - rel) + 1);
            return L2_EINPUT;
        }
    char *abs_out = absolute(out_dir[0] ? out_dir : ".");
    char *joined = xasprintf("%s%s", base_dir, rel);
    char *abs = absolute(joined);
    if (!abs_out || !abs) {
        snprintf(why, PATHS_WHY_MAX, "cannot name the working directory: %s",
                 strerror(errno));
        free(abs_out), free(joined), free(abs);
        return L2_EINPUT;
    }
    char *real_out = canonical(abs_out);
    char *lex_out = join_lexical(abs_out, "");
    char *lex = join_lexical(abs, "");
    const char *shown = real_out ? real_out : lex_out;     /* the output directory */
    char *real = NULL;
    int rc = L2_EINPUT;
    struct stat st;
    if (rel[0] == '/') {
        snprintf(why, PATHS_WHY_MAX, "'%.200s' is an absolute path: a scenario names paths "
                 "relative to its own directory, inside the output directory %.400s (%s)",
                 rel, shown, hint);
        goto out;
    }
    if (!inside(lex, lex_out)) {
        snprintf(why, PATHS_WHY_MAX, "'%.200s' lies outside the output directory %.400s (%s)",
                 rel, shown, hint);
        goto out;
    }
    if (lstat(joined, &st) == 0 && S_ISLNK(st.st_mode)) {
        snprintf(why, PATHS_WHY_MAX, "'%.200s' is a symbolic link: a scenario may not write "
                 "through one; %s", rel, cli);
        goto out;
    }
    real = canonical(abs);
    if (!real || !real_out) {
        snprintf(why, PATHS_WHY_MAX, "'%.200s' cannot be resolved: a dangling symbolic link "
                 "on the way; %s", rel, cli);
        goto out;
    }
    if (!inside(real, real_out)) {
        snprintf(why, PATHS_WHY_MAX, "'%.200s' lies outside the output directory %.400s "
                 "(through a symbolic link it is %.400s; %s)", rel, shown, real, hint);
        goto out;
    }
    if (stat(real, &st) == 0) {
        if (kind == PATHS_FILE && !S_ISREG(st.st_mode)) {
            snprintf(why, PATHS_WHY_MAX, "'%.200s' is a %s, not a regular file", rel,
                     kind_of(st.st_mode));
            goto out;
        }
        if (kind == PATHS_DIR && !S_ISDIR(st.st_mode)) {
            snprintf(why, PATHS_WHY_MAX, "'%.200s' is a %s, not a directory", rel,
                     kind_of(st.st_mode));
            goto out;
        }
        char name[256];
        if (kind == PATHS_DIR && dir_has_link(real, name, sizeof name) != 0) {
            snprintf(why, PATHS_WHY_MAX, "'%.200s' holds a symbolic link '%s': a scenario's "
                     "report directory may hold none; %s", rel, name, cli);
            goto out;
        }
    }
    if (kind == PATHS_FILE) {
        /* SQLite writes beside the database: those names must not be links either */
        static const char *const companions[] = { "-wal", "-shm", "-journal" };
        for (size_t i = 0; i < ARRAY_LEN(companions); i++) {
            char *c = xasprintf("%s%s", real, companions[i]);   /* beside what is opened */
            bool bad = lstat(c, &st) == 0 && !S_ISREG(st.st_mode);
            free(c);
            if (bad) {
                snprintf(why, PATHS_WHY_MAX, "'%.200s%s' is a %s, not a regular file; %s",
                         rel, companions[i], kind_of(st.st_mode), cli);
                goto out;
            }
        }
    }
    *resolved = real;
    real = NULL;
    rc = 0;
out:
    free(abs_out), free(joined), free(abs), free(real_out), free(lex_out), free(lex);
    free(real);
    return rc;
}

int paths_scn_output(const struct scn *s, const char *param, const char *out_dir,
                     enum paths_kind kind, const char *cli_opt, char **resolved,
                     struct err *e)
{
    *resolved = NULL;
    if (!scn_has(s, "%s", param))
        return 0;
    char *dir = path_dir(scn_file(s));
    char why[PATHS_WHY_MAX];
    int rc = paths_output(dir, scn_str(s, "%s", param), out_dir ? out_dir : dir, kind,
                          cli_opt, resolved, why);
    free(dir);
    return rc ? scn_error_at(s, e, param, "%s", why) : 0;
}

/* ---- what a scenario may read ---- */

static int not_regular(const char *path, const char *what, mode_t m, struct err *e)
{
    if (S_ISDIR(m))
        return err_set(e, L2_EINPUT, "%s: is a directory, not a %s file", path, what);
    return err_set(e, L2_EINPUT, "%s: is a %s, not a regular file: a %s must be a regular "
                   "file", path, kind_of(m), what);
}

int paths_open_read(const char *path, const char *what, FILE **out, struct err *e)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, L2_EINPUT, "%s: cannot open the %s: %s", path, what, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return not_regular(path, what, st.st_mode, e);
    /* non-blocking: had the name been swapped for a FIFO since, open must not wait */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, L2_EINPUT, "%s: cannot open the %s: %s", path, what, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int rc = not_regular(path, what, st.st_mode, e);
        close(fd);
        return rc;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int saved = errno;
        close(fd);
        return err_set(e, L2_EINPUT, "%s: cannot open the %s: %s", path, what, strerror(saved));
    }
    *out = f;
    return 0;
}

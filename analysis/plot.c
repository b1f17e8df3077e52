/* plot.c — gnuplot through a pipe (see plot.h): spawn, quote, stream datablocks, wait
 * and check. One gnuplot per image keeps a failure in one figure out of the others
 * and makes every image a pure function of the commands written for it. */
#include "analysis/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct plot {
    FILE  *in;          /* gnuplot's stdin */
    int    err_fd;      /* read end of gnuplot's stderr */
    pid_t  pid;
    char  *out_path;
    char  *program;
};

const char *plot_ext(enum plot_format f) { return f == PLOT_SVG ? "svg" : "png"; }

/* ---- quoting ---- */

void plot_quote(const char *text, size_t max_chars, char *buf, size_t len)
{
    size_t o = 0;
    /* room for the closing quote, a possible "..." and the NUL */
    size_t room = len >= 6 ? len - 6 : 0;
    if (len == 0)
        return;
    if (room == 0) {
        buf[0] = '\0';
        return;
    }
    buf[o++] = '\'';
    size_t n = strlen(text);
    bool cut = n > max_chars;
    if (cut) {
        n = max_chars;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;                       /* never split a UTF-8 sequence */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        size_t need = c == '\'' ? 2 : 1;
        if (o + need > room) {
            cut = true;
            break;
        }
        if (c == '\'')
            buf[o++] = '\'', buf[o++] = '\'';
        else if (c < 0x20 || c == 0x7f)
            buf[o++] = ' ';            /* a newline would end the command */
        else
            buf[o++] = (char)c;
    }
    if (cut)
        memcpy(buf + o, "...", 3), o += 3;
    buf[o++] = '\'';
    buf[o] = '\0';
}

/* ---- processes ---- */

static int cloexec_pipe(int fd[2])
{
    if (pipe(fd) != 0)
        return -1;
    fcntl(fd[0], F_SETFD, FD_CLOEXEC);
    fcntl(fd[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Start `program` with argv, its stdin from in_fd (or /dev/null when -1), stdout to
 * out_fd (or /dev/null) and stderr to err_fd (or /dev/null). Returns 0 or errno. */
static int spawn(const char *program, char *const argv[], int in_fd, int out_fd, int err_fd,
                 pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    else
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Read fd to its end into buf (what does not fit is read and dropped), then close it. */
static void drain(int fd, char *buf, size_t len)
{
    size_t o = 0;
    char tmp[4096];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < len - 1 - o ? (size_t)n : len - 1 - o;
        memcpy(buf + o, tmp, take);
        o += take;
    }
    buf[o] = '\0';
    close(fd);
}

static int wait_for(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

#define NOT_FOUND_HINT "install gnuplot (Debian/Ubuntu: make deps, or apt-get install " \
                       "gnuplot-nox); the results database is complete, only the plots are missing"

int plot_probe(const char *gnuplot, char *version, size_t len, struct err *e)
{
    int out[2];
    if (len)
        version[0] = '\0';
    if (cloexec_pipe(out) != 0)
        return err_set(e, L2_EIO, "cannot create a pipe: %s", strerror(errno));
    char *argv[] = { (char *)gnuplot, (char *)"--version", NULL };
    pid_t pid;
    int rc = spawn(gnuplot, argv, -1, out[1], -1, &pid);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        return err_set(e, L2_EIO, "cannot run %s: %s: %s", gnuplot, strerror(rc),
                       NOT_FOUND_HINT);
    }
    char buf[256];
    drain(out[0], buf, sizeof buf);
    int status = wait_for(pid);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return err_set(e, L2_EIO, "cannot run %s: not found: %s", gnuplot, NOT_FOUND_HINT);
        return err_set(e, L2_EIO, "%s --version failed: %s", gnuplot, NOT_FOUND_HINT);
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    snprintf(version, len, "%s", buf);
    return 0;
}

/* Colours in the order series are drawn: Okabe-Ito, readable by colour-blind viewers
 * and on a projector. */
static const char *const palette[] = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999",
};

int plot_open(const char *gnuplot, enum plot_format fmt, const char *out_path, int width,
              int height, struct plot **out, struct err *e)
{
    *out = NULL;
    for (const char *c = out_path; *c; c++)
        if ((unsigned char)*c < 0x20)
            return err_set(e, L2_EINPUT, "%s: a plot file name with control characters", out_path);
    int in[2], errp[2];
    if (cloexec_pipe(in) != 0)
        return err_set(e, L2_EIO, "cannot create a pipe: %s", strerror(errno));
    if (cloexec_pipe(errp) != 0) {
        close(in[0]), close(in[1]);
        return err_set(e, L2_EIO, "cannot create a pipe: %s", strerror(errno));
    }
    unlink(out_path);                 /* a stale file must not pass for a new one */
    char *argv[] = { (char *)gnuplot, NULL };
    pid_t pid;
    int rc = spawn(gnuplot, argv, in[0], -1, errp[1], &pid);
    close(in[0]);
    close(errp[1]);
    if (rc != 0) {
        close(in[1]), close(errp[0]);
        return err_set(e, L2_EIO, "cannot run %s: %s: %s", gnuplot, strerror(rc),
                       NOT_FOUND_HINT);
    }
    struct plot *p = xcalloc(1, sizeof *p);
    p->in = fdopen(in[1], "w");
    SIM_ASSERT(p->in);
    p->err_fd = errp[0];
    p->pid = pid;
    p->out_path = xstrdup(out_path);
    p->program = xstrdup(gnuplot);
    if (fmt == PLOT_SVG)
        plot_cmd(p, "set terminal svg size %d,%d dynamic enhanced font 'DejaVu Sans,13'"
                 " linewidth 1.5 background rgb 'white'\n", width, height);
    else
        plot_cmd(p, "set terminal pngcairo size %d,%d enhanced font 'DejaVu Sans,13'"
                 " linewidth 1.5 background rgb 'white'\n", width, height);
    char q[4096 + 8];
    plot_quote(out_path, 4096, q, sizeof q);
    plot_cmd(p, "set encoding utf8\nset output %s\n", q);
    plot_cmd(p, "set datafile missing '?'\n");
    /* dash patterns as well as colours: schemes that behave alike draw curves on top
     * of each other, and a dashed one still shows through a solid one */
    static const int dashes[] = { 1, 2, 4, 5, 3, 1, 2, 4 };
    for (size_t i = 0; i < ARRAY_LEN(palette); i++)
        plot_cmd(p, "set linetype %zu lc rgb '%s' lw 2 dt %d pt %zu ps 1.2\n", i + 1, palette[i],
                 dashes[i], i % 7 + 5);
    plot_cmd(p, "set linetype cycle %zu\n", ARRAY_LEN(palette));
    plot_cmd(p, "set border 3 lc rgb '#444444'\nset tics nomirror\n"
                "set grid xtics ytics lt 1 lc rgb '#e4e4e4' lw 1\n"
                "set key opaque box lc rgb '#cccccc'\n");
    *out = p;
    return 0;
}

void plot_cmd(struct plot *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->in, fmt, ap);
    va_end(ap);
}

void plot_text(struct plot *p, const char *text)
{
    char q[1024];
    plot_quote(text, 200, q, sizeof q);
    fprintf(p->in, "%s noenhanced", q);
}

void plot_quoted(struct plot *p, const char *text)
{
    char q[1024];
    plot_quote(text, 200, q, sizeof q);
    fputs(q, p->in);
}

void plot_text2(struct plot *p, const char *line1, const char *line2)
{
    char q1[1024], q2[1024];
    plot_quote(line1, 200, q1, sizeof q1);
    plot_quote(line2, 200, q2, sizeof q2);
    fprintf(p->in, "%s . \"\\n\" . %s noenhanced", q1, q2);
}

void plot_data_begin(struct plot *p, const char *name)
{
    fprintf(p->in, "$%s << EOD\n", name);
}

void plot_row(struct plot *p, size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i]))
            fprintf(p->in, i ? " %.10g" : "%.10g", v[i]);
        else
            fputs(i ? " ?" : "?", p->in);
    }
    fputc('\n', p->in);
}


void plot_data_end(struct plot *p) { fputs("EOD\n", p->in); }

int plot_close(struct plot *p, struct err *e)
{
    fputs("unset output\nexit\n", p->in);
    bool write_failed = fclose(p->in) != 0;
    char msg[4096];
    drain(p->err_fd, msg, sizeof msg);
    int status = wait_for(p->pid);
    int rc = 0;
    /* the first line that is not a warning says what went wrong */
    const char *why = NULL;
    for (char *line = msg, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line && strncmp(line, "warning:", 8) != 0) {
            why = line;
            break;
        }
    }
    struct stat sb;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[64];
        if (status != -1 && WIFSIGNALED(status))
            snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
        else if (status != -1)
            snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof how, "could not be waited for");
        rc = err_set(e, L2_EIO, "%s: %s %s%s%s", p->out_path, p->program, how,
                     why ? ": " : "", why ? why : "");
    }
    else if (write_failed)
        rc = err_set(e, L2_EIO, "%s: %s stopped reading its commands", p->out_path, p->program);
    else if (stat(p->out_path, &sb) != 0 || sb.st_size == 0)
        rc = err_set(e, L2_EIO, "%s: %s wrote no image%s%s", p->out_path, p->program,
                     why ? ": " : "", why ? why : "");
    if (rc)
        unlink(p->out_path);
    free(p->out_path);
    free(p->program);
    free(p);
    return rc;
}

/* progress.c — see progress.h. */
#include "sim/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct progress {
    bool   enabled;
    char   label[64];
    double start, last;
};

double progress_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct progress *progress_new(bool enabled, const char *label)
{
    struct progress *p = xcalloc(1, sizeof *p);
    p->enabled = enabled;
    char *shown = text_escape(label, 0);      /* a scenario's name: from a file */
    snprintf(p->label, sizeof p->label, "%s", shown);
    free(shown);
    p->start = p->last = progress_wall_now();
    return p;
}

void progress_update(struct progress *p, double done, const char *what, uint64_t events)
{
    if (!p || !p->enabled)
        return;
    double now = progress_wall_now();
    if (now - p->last < 0.1)
        return;
    p->last = now;
    double el = now - p->start;
    double rate = el > 0 ? (double)events / el : 0;
    double eta = done > 0.001 ? el * (1 - done) / done : 0;
    fprintf(stderr, "\r\033[K%s %5.1f%% | %s | %.3g events/s | ETA %.0fs", p->label,
            100 * done, what, rate, eta);
    fflush(stderr);
}

void progress_end(struct progress *p)
{
    if (!p)
        return;
    if (p->enabled) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    free(p);
}

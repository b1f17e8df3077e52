/* phases.c — the phases of a run (see phases.h): the scenario's event windows (L1
 * demand and transfer spikes or drops, attacks) cut the run into named pieces that the
 * metrics, the summary, the report and compare split by. Apart from run.c so that the
 * analysis layer reads phases without linking the run (issue 10 §6). */
#include "models/run/phases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics.h"
#include "sim/util.h"

/* One window of the scenario worth a phase of its own: a spike or drop of L1 demand or
 * of transfers, or an attack. label names it (unique within the scenario). */
struct event_window {
    char     label[40];
    sim_time from, until;
};

/* label: base, made unique among the n labels so far by a number ("l1_spike2"). */
static void unique_label(struct event_window *w, size_t n, const char *base)
{
    char cand[40];
    snprintf(cand, sizeof cand, "%s", base);
    for (unsigned k = 2;; k++) {
        bool taken = false;
        for (size_t i = 0; i < n && !taken; i++)
            taken = strcmp(w[i].label, cand) == 0;
        if (!taken)
            break;
        snprintf(cand, sizeof cand, "%.30s%u", base, k);
    }
    snprintf(w[n].label, sizeof w[n].label, "%s", cand);
}

/* The scenario's event windows, in scenario order: L1 demand spikes and drops, transfer
 * spikes and drops, attacks. Returns a malloc'd array (count in *n). */
static struct event_window *event_windows(const struct scn *s, size_t *n)
{
    size_t nl1 = scn_count(s, "l1.demand.spikes"), ntr = scn_count(s, "workload.transfers.spikes");
    size_t nadv = scn_count(s, "adversaries");
    struct event_window *w = xcalloc(nl1 + ntr + nadv + 1, sizeof *w);
    size_t k = 0;
    for (int kind = 0; kind < 2; kind++) {
        const char *list = kind == 0 ? "l1.demand.spikes" : "workload.transfers.spikes";
        for (size_t i = 0; i < (kind == 0 ? nl1 : ntr); i++) {
            double mult = scn_real(s, "%s[%zu].multiplier", list, i);
            w[k].from = scn_int(s, "%s[%zu].at", list, i);
            w[k].until = sim_time_add_sat(w[k].from, scn_int(s, "%s[%zu].for", list, i));
            char base[40];
            snprintf(base, sizeof base, "%s_%s", kind == 0 ? "l1" : "transfer",
                     mult > 1 ? "spike" : mult < 1 ? "drop" : "window");
            unique_label(w, k, base);
            k++;
        }
    }
    for (size_t i = 0; i < nadv; i++) {
        /* an attack with a window: from (L1 adversaries) or at (a scheme's), and for */
        const char *start = scn_has(s, "adversaries[%zu].from", i) ? "from"
                          : scn_has(s, "adversaries[%zu].at", i) ? "at" : NULL;
        if (!start || !scn_has(s, "adversaries[%zu].for", i))
            continue;
        char key[64];
        snprintf(key, sizeof key, "adversaries[%zu].%s", i, start);
        w[k].from = scn_int(s, "%s", key);
        w[k].until = sim_time_add_sat(w[k].from, scn_int(s, "adversaries[%zu].for", i));
        char base[40];
        snprintf(base, sizeof base, "%s", scn_str(s, "adversaries[%zu].name", i));
        for (char *c = base; *c; c++)       /* a phase name is a metric name's prefix */
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '_'))
                *c = '_';
        unique_label(w, k, base);
        k++;
    }
    *n = k;
    return w;
}

static int cmp_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return (x > y) - (x < y);
}

size_t run_phases(const struct scn *s, struct metrics_phase **out)
{
    sim_time duration = scn_int(s, "duration");
    *out = NULL;
    /* phase by phase reads for a handful of windows; hundreds of spikes (a scenario
     * shaping demand with them) would make thousands of phases nobody reads, and cost
     * O(phases x transfers): none then */
    if (scn_count(s, "l1.demand.spikes") + scn_count(s, "workload.transfers.spikes") +
        scn_count(s, "adversaries") > RUN_MAX_WINDOWS)
        return 0;
    size_t nw;
    struct event_window *w = event_windows(s, &nw);
    /* every window edge inside the run cuts it; the pieces are the phases */
    sim_time *cut = xcalloc(2 * nw + 2, sizeof *cut);
    size_t nc = 0;
    cut[nc++] = 0;
    cut[nc++] = duration;
    for (size_t i = 0; i < nw; i++) {
        if (w[i].from > 0 && w[i].from < duration)
            cut[nc++] = w[i].from;
        if (w[i].until > 0 && w[i].until < duration)
            cut[nc++] = w[i].until;
    }
    qsort(cut, nc, sizeof *cut, cmp_time);
    struct metrics_phase *ph = xcalloc(nc, sizeof *ph);
    size_t nph = 0;
    for (size_t c = 0; nw > 0 && c + 1 < nc; c++) {
        if (cut[c] == cut[c + 1])
            continue;
        sim_time from = cut[c], until = cut[c + 1];
        char name[160] = "";
        for (size_t i = 0; i < nw; i++)             /* the windows covering the piece */
            if (w[i].from <= from && until <= w[i].until)
                snprintf(name + strlen(name), sizeof name - strlen(name), "%s%s",
                         name[0] ? "+" : "", w[i].label);
        if (!name[0]) {                             /* quiet: before any, or after one */
            const struct event_window *last = NULL;
            for (size_t i = 0; i < nw; i++)
                if (w[i].until <= from && (!last || w[i].until >= last->until))
                    last = &w[i];
            if (last)
                snprintf(name, sizeof name, "after_%s", last->label);
            else
                snprintf(name, sizeof name, "before");
        }
        char *uniq = xstrdup(name);
        for (unsigned k = 2;; k++) {                /* a name returns: number it */
            bool taken = false;
            for (size_t i = 0; i < nph && !taken; i++)
                taken = strcmp(ph[i].name, uniq) == 0;
            if (!taken)
                break;
            free(uniq);
            uniq = xasprintf("%s_%u", name, k);
        }
        ph[nph++] = (struct metrics_phase){ uniq, from, until };
    }
    free(cut);
    free(w);
    *out = ph;
    return nph;
}

void run_phases_free(struct metrics_phase *ph, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)ph[i].name);
    free(ph);
}

/* bench_l1.c — a simulated day of the L1 (7200 slots of 12 s) with demand that keeps
 * blocks near full: elasticity 1 (the gas target is the limit), background arrivals
 * above capacity, users sending 5 transfers/s through scheme l1, results written to
 * a database on disk. Reports slots/s and included transactions/s of wall time.
 * Target (issue 10): the day in 3 s or less on the 2-core development machine. */
#define _GNU_SOURCE                 /* RUSAGE_THREAD */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "models/l1/l1.h"
#include "models/run/run.h"
#include "sim/progress.h"

#define TARGET_S 3.0

/* CPU seconds (user + system) of the live thread named `name` (Linux, /proc): the
 * store's writer thread. 0 when there is none, -1 when unknown. */
static double thread_cpu_named(const char *name)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    double ticks = (double)sysconf(_SC_CLK_TCK), total = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        long tid = atol(de->d_name);
        if (tid <= 0)
            continue;
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/self/task/%ld/comm", tid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (strcmp(buf, name) != 0)
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
        if (!(f = fopen(path, "r")))
            continue;
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* fields after the command's closing parenthesis: 14th and 15th are utime, stime */
        char *p = strrchr(buf, ')');
        unsigned long ut = 0, st = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                        &st) == 2)
            total += (double)(ut + st) / ticks;
    }
    closedir(d);
    return total;
}

static double cpu_of(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return -1;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static const char scenario[] =
    "name: bench-l1-day\n"
    "seed: 1\n"
    "duration: 1d\n"
    "l1: {fork: prague, elasticity: 1, missed_slot: 0,\n"
    "     demand: {rate: 520/block, max_fee: {median: 50gwei}}}\n"
    "workload: {users: 100000, transfers: {rate: 5/s}}\n"
    "schemes: [{type: l1}]\n";

int main(void)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "bench_l1", scenario, strlen(scenario), NULL, 0, &s, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    char path[] = "/tmp/l2sim-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    struct store *st;
    if (store_open(path, &st, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    struct store_run row = { .scenario_name = "bench-l1-day", .scenario_file = "bench_l1",
                             .scenario_text = scenario, .scenario_sha256 = "-",
                             .overrides = "", .config = "", .seed = 1, .master_seed = 1,
                             .crypto_mode = "ed25519", .duration_us = SIM_DAY };
    int64_t run_id;
    store_begin_run(st, &row, &run_id, &e);
    struct run_opts o = { .seed = 1 };
    struct run_result res;
    char load[16] = "unknown";         /* Linux: how busy the machine was */
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%15s", load) != 1)
            strcpy(load, "unknown");
        fclose(la);
    }
    double t0 = progress_wall_now(), c0 = cpu_of(RUSAGE_THREAD), p0 = cpu_of(RUSAGE_SELF);
    int rc = run_execute(s, st, run_id, &o, &res, &e);
    double wall = progress_wall_now() - t0, cpu_model = cpu_of(RUSAGE_THREAD) - c0;
    /* the writer lives until store_close; the others (the L1's demand draws, the costs'
     * reader at the end) have ended: their time is the process's less these two */
    double cpu_writer = thread_cpu_named("l2sim-writer");
    double cpu_others = cpu_of(RUSAGE_SELF) - p0 - cpu_model - cpu_writer;
    if (rc != 0 || res.status != RUN_COMPLETE) {
        fprintf(stderr, "bench run failed: %s %s\n", e.msg, res.detail);
        return 1;
    }
    sqlite3_stmt *q;
    sqlite3_prepare_v2(store_db(st), "SELECT COUNT(*), SUM(tx_count), AVG(gas_used * 1.0 / gas_limit),"
                       " AVG(base_fee_per_gas) / 1e9 FROM l1_blocks WHERE run_id = ?", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_step(q);
    double slots = sqlite3_column_double(q, 0), txs = sqlite3_column_double(q, 1);
    printf("L1 day benchmark: %0.f slots, %.0f transactions included (%.1f%% average block "
           "fullness, mean base fee %.1f gwei), %llu events\n", slots, txs,
           100 * sqlite3_column_double(q, 2), sqlite3_column_double(q, 3),
           (unsigned long long)res.events);
    printf("  %.2f s wall: %.0f slots/s, %.0f transactions/s\n", wall, slots / wall,
           txs / wall);
    /* the target is wall time on an idle machine: other work on it only adds */
    printf("  target (issue 10): the day in <= %.0f s: %s (1-minute load average %s at "
           "the start)\n", TARGET_S, wall <= TARGET_S ? "met" : "NOT met", load);
    /* On a busy machine the wall time says little; the threads' CPU times say what the
     * day costs. On two idle cores the wall is at least the longest thread's time and
     * half the sum: that lower bound is the estimate */
    if (cpu_others < 0 && cpu_others > -0.05)
        cpu_others = 0;                 /* none: the clock ticks rounded */
    if (cpu_model >= 0 && cpu_writer >= 0 && cpu_others >= 0) {
        double est = cpu_model > cpu_writer ? cpu_model : cpu_writer;
        double half = (cpu_model + cpu_writer + cpu_others) / 2;
        printf("  CPU: %.2f s the model's thread, %.2f s the store's writer thread, %.2f s "
               "the others: the L1's demand draws, the costs' reader (idle 2-core estimate "
               "of the wall: %.2f s)\n",
               cpu_model, cpu_writer, cpu_others, est > half ? est : half);
    }
    sqlite3_finalize(q);
    store_close(st);
    scn_free(s);
    store_remove(path);
    return 0;
}

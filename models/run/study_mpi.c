/* study_mpi.c — dynamic distribution of a plan over MPI ranks (see study_mpi.h).
 * Messages (all between rank 0 and one worker):
 *   0 -> w  TAG_WORK  uint64 item          run this item
 *   0 -> w  TAG_STOP  (empty)              no more work
 *   w -> 0  TAG_DONE  struct done_msg      the item ran (or could not be recorded)
 *   w -> 0  TAG_DATA  bytes, in chunks     its run as a database file
 * Rank 0 polls (MPI_Iprobe) so that Ctrl-C stops the hand-out promptly. */
#include "models/run/study_mpi.h"

#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { TAG_WORK = 1, TAG_STOP, TAG_DONE, TAG_DATA, TAG_PLAN };

#define CHUNK (64u << 20)   /* bytes per TAG_DATA message */

struct done_msg {
    uint64_t            item;
    int32_t             rc;        /* study_run_item's return code */
    uint64_t            bytes;     /* size of the database that follows */
    struct study_result r;
};

static void nap(void)
{
    struct timespec ts = { 0, 2 * 1000 * 1000 };   /* 2 ms */
    nanosleep(&ts, NULL);
}


/* A worker: run items into a fresh temporary database each, ship it, repeat. */
static int worker(struct study *st, const char *tmpdir, const struct study_hooks *ph)
{
    struct study_hooks h = *ph;      /* every limit and option, as rank 0 has them */
    h.tty = false, h.on_run = NULL, h.on_begin = NULL, h.ctx = NULL;
    int status = 0;
    for (;;) {
        MPI_Status ms;
        uint64_t item = 0;
        MPI_Recv(&item, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &ms);
        if (ms.MPI_TAG == TAG_STOP)
            break;
        char *path = xasprintf("%s/l2sim-mpi-XXXXXX", tmpdir);
        int fd = mkstemp(path);
        struct done_msg d;
        memset(&d, 0, sizeof d);
        d.item = item;
        struct err e;
        err_init(&e);
        struct store *db = NULL;
        if (fd < 0) {
            d.rc = err_set(&e, L2_EIO, "%s: %s", path, strerror(errno));
        } else {
            close(fd);
            if (store_open(path, &db, &e) != 0)
                d.rc = L2_EIO;
        }
        if (d.rc == 0)
            d.rc = study_run_item(st, (size_t)item, db, &h, &d.r, &e);
        store_close(db);                   /* checkpoints: the file is the whole database */
        if (d.rc != 0)
            snprintf(d.r.detail, sizeof d.r.detail, "%.255s", e.msg);
        char *bytes = NULL;
        FILE *f = d.rc == 0 ? fopen(path, "rb") : NULL;
        if (f) {
            fseek(f, 0, SEEK_END);
            long len = ftell(f);
            fseek(f, 0, SEEK_SET);
            bytes = xmalloc(len > 0 ? (size_t)len : 1);
            if (len < 0 || fread(bytes, 1, (size_t)len, f) != (size_t)len) {
                d.rc = L2_EIO;
                snprintf(d.r.detail, sizeof d.r.detail, "%s: cannot read back", path);
            } else {
                d.bytes = (uint64_t)len;
            }
            fclose(f);
        }
        if (fd >= 0)
            store_remove(path);
        free(path);
        if (d.rc != 0)
            d.bytes = 0, status = 1;
        MPI_Send(&d, (int)sizeof d, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
        for (uint64_t off = 0; off < d.bytes; off += CHUNK) {
            uint64_t n = d.bytes - off < CHUNK ? d.bytes - off : CHUNK;
            MPI_Send(bytes + off, (int)n, MPI_BYTE, 0, TAG_DATA, MPI_COMM_WORLD);
        }
        free(bytes);
    }
    return status;
}

/* Rank 0: hand out items, receive and merge runs in plan order. */
static int coordinator(struct study *st, const char *db, const struct study_hooks *h,
                       int size)
{
    struct err e;
    err_init(&e);
    struct store *out;
    if (store_open(db, &out, &e) != 0) {
        fprintf(stderr, "l2sim: %s\n", e.msg);
        for (int w = 1; w < size; w++)
            MPI_Send(NULL, 0, MPI_UINT64_T, w, TAG_STOP, MPI_COMM_WORLD);
        return 1;
    }
    struct study_sink *sink = study_sink_new(st, out, h);
    size_t n = study_size(st), next = 0;
    int busy = 0, status = 0;
    bool stopping = false;
    for (int w = 1; w < size; w++) {
        if (next < n) {
            uint64_t item = next++;
            MPI_Send(&item, 1, MPI_UINT64_T, w, TAG_WORK, MPI_COMM_WORLD);
            busy++;
        } else {
            MPI_Send(NULL, 0, MPI_UINT64_T, w, TAG_STOP, MPI_COMM_WORLD);
        }
    }
    while (busy > 0) {
        if (h->interrupt && *h->interrupt)
            stopping = true;
        int flag = 0;
        MPI_Status ms;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &flag, &ms);
        if (!flag) {
            nap();
            continue;
        }
        int w = ms.MPI_SOURCE;
        struct done_msg d;
        MPI_Recv(&d, (int)sizeof d, MPI_BYTE, w, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        busy--;
        int rc = 0;
        if (d.rc != 0) {
            fprintf(stderr, "l2sim: rank %d: %s\n", w, d.r.detail);
            rc = 1;
        } else {
            char *path = xasprintf("%s.mpi-%llu-XXXXXX", db, (unsigned long long)d.item);
            int fd = mkstemp(path);
            FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
            char *buf = xmalloc(d.bytes < CHUNK ? (size_t)d.bytes + 1 : CHUNK);
            bool ok = f != NULL;
            for (uint64_t off = 0; off < d.bytes; off += CHUNK) {
                uint64_t len = d.bytes - off < CHUNK ? d.bytes - off : CHUNK;
                MPI_Recv(buf, (int)len, MPI_BYTE, w, TAG_DATA, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                if (ok && fwrite(buf, 1, (size_t)len, f) != (size_t)len)
                    ok = false;
            }
            free(buf);
            if (f && fclose(f) != 0)
                ok = false;
            if (!ok) {
                fprintf(stderr, "l2sim: %s: cannot write: %s\n", path, strerror(errno));
                if (fd >= 0)
                    remove(path);
                rc = 1;
            } else if (study_sink_add(sink, (size_t)d.item, path, d.r.run_id, &d.r, true,
                                      &e) != 0) {
                fprintf(stderr, "l2sim: %s\n", e.msg);
                rc = 1;
            }
            free(path);
        }
        if (rc != 0 || d.r.status != RUN_COMPLETE)
            stopping = true;
        if (rc != 0)
            status = 1;
        if (!stopping && next < n) {
            uint64_t item = next++;
            MPI_Send(&item, 1, MPI_UINT64_T, w, TAG_WORK, MPI_COMM_WORLD);
            busy++;
        } else {
            MPI_Send(NULL, 0, MPI_UINT64_T, w, TAG_STOP, MPI_COMM_WORLD);
        }
    }
    int rc = study_sink_finish(sink, &e);
    if (rc < 0)
        fprintf(stderr, "l2sim: %s\n", e.msg);
    store_close(out);
    return status ? status : rc ? 1 : 0;
}

int study_mpi_sweep(const struct study_args *a, const char *db, const char *tmpdir,
                    const struct study_hooks *h)
{
    MPI_Init(NULL, NULL);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    struct study *st = NULL;
    struct err e;
    err_init(&e);
    /* rank 0 reads and validates; the others plan from its bytes (no shared disk needed
     * for the scenario itself) and trust its checks */
    uint64_t len = 0;
    int32_t plan_rc = 0;
    const char *text = NULL;
    if (rank == 0) {
        plan_rc = study_plan(a, &st, &e);
        if (plan_rc != 0)
            fprintf(stderr, "%s\n", e.msg);
        else {
            size_t l;
            text = study_text(st, &l);
            len = l;
        }
    }
    MPI_Bcast(&plan_rc, 1, MPI_INT32_T, 0, MPI_COMM_WORLD);
    if (plan_rc != 0) {
        study_free(st);
        MPI_Finalize();
        return plan_rc == L2_EIO ? 1 : 2;
    }
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    char *buf = xmalloc((size_t)len + 1);
    if (rank == 0)
        memcpy(buf, text, (size_t)len);
    MPI_Bcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
    int status;
    if (rank != 0) {
        struct study_args wa = *a;
        wa.text = buf, wa.len = (size_t)len, wa.trust = true;
        if (study_plan(&wa, &st, &e) != 0) {
            fprintf(stderr, "l2sim: rank %d: %s\n", rank, e.msg);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        status = worker(st, tmpdir, h);
    } else if (size == 1) {
        status = study_execute(st, db, 1, h, &e);
        if (status < 0)
            fprintf(stderr, "l2sim: %s\n", e.msg);
        status = status ? 1 : 0;
    } else {
        status = coordinator(st, db, h, size);
    }
    free(buf);
    study_free(st);
    MPI_Finalize();
    return status;
}

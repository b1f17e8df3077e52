/* sched.c — event pool and ladder queue behind sched.h.
 *
 * Event bodies (handler, context, inline payload) live in a pool of one-cache-line
 * slots allocated in chunks: slots never move, so a handler's payload pointer stays
 * valid while it schedules more events, and steady state allocates nothing. The
 * queue holds 16-byte entries (time, key); key packs the insertion sequence number
 * (high 38 bits) over the slot (low 26 bits), so comparing (time, key) orders by
 * (time, insertion) and the slot comes for free. Cancelling clears the slot's key;
 * the entry is dropped when it surfaces, or by a compaction once cancelled entries
 * outnumber live ones.
 *
 * The queue is a ladder queue (Tang, Goh & Thng 2005) made exact. Time from now on
 * is cut into regions, earliest first:
 *
 *   near   times < near_end: a sorted run, refilled a bucket at a time, and a
 *          binary heap for entries pushed into near afterwards (and for big
 *          buckets that are neither splittable nor in order). Only near is ever
 *          popped, always its least (time, key): ties run in insertion order.
 *   rungs  rung[depth-1] (finest) .. rung[0] (coarsest), each covering the times
 *          up to its `hi`, where the next coarser one takes over; rung 0 is
 *          unbounded. A rung is buckets of width 2^shift from `lo` whose last one
 *          stretches to `hi` (rung 0's last bucket is the ladder's "top"). Buckets
 *          are unsorted chains of 8-entry blocks: pushing is an append.
 *
 * Invariant: every entry is in the region its time belongs to, and moves only as
 * part of a whole bucket (or a whole near, in a spill), so whatever the widths,
 * skew or history, nothing outside near can precede anything in it. When near runs
 * low, the finest rung's first non-empty bucket moves into it: sorted into the run
 * if small; if big, split into a finer rung whose width comes from that bucket's
 * own min and max; if it cannot be split (one time) the run takes it as is when
 * already in insertion order, else the heap does. In the hold model an entry is
 * appended to a bucket about twice and sorted into the run once, at any size;
 * cancelled entries are dropped in bulk by evq_compact. */
#include "sim/sched.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BITS   26                              /* 67M events pending at most */
#define SLOT_MASK   ((UINT64_C(1) << SLOT_BITS) - 1)
#define SEQ_MAX     (UINT64_MAX >> SLOT_BITS)       /* 2.7e11 events per run */
#define CHUNK_BITS  12
#define CHUNK_SLOTS (1u << CHUNK_BITS)

#define BLOCK_ENTRIES 8         /* entries per bucket block: 128 B, two cache lines */
#define BLK_CHUNK_BITS 10       /* blocks per pool chunk: 128 KiB */
#define BLK_NONE    UINT32_MAX
#define RUNG_MAX    8           /* rungs at most; deeper splits fall back to the heap */
#define NB_MAX      (UINT32_C(1) << 22)  /* buckets per rung at most */
#define BUCKET_FILL 16          /* entries per bucket a new rung aims at */
#define SORT_MAX    48          /* buckets up to this size are sorted into the run */
#define RUN_LOW     8           /* refill when the run is down to this; prefetch reach */
#define RUN_CAP     (RUN_LOW + SORT_MAX)  /* the run's usual size */
#define HEAP_SPILL  128         /* near-heap size that triggers a spill into a rung */

struct qentry {
    sim_time t;
    uint64_t key;          /* seq << SLOT_BITS | slot */
};

/* One cache line: the key, the handler, its context and the inline payload (whose
 * first bytes hold the free-list link while the slot is free). */
struct slot {
    alignas(64) uint64_t key;  /* key of the pending event in this slot; 0 when free */
    sim_handler h;
    void       *ctx;
    union {
        uint64_t      align;
        uint32_t      next_free;
        unsigned char bytes[SIM_PAYLOAD_MAX];
    } payload;
};
_Static_assert(sizeof(struct slot) == 64, "an event slot is one cache line");

/* An owned event's payload bytes (sim_at_owned): the object and how to free it. Which
 * slots hold one is a bit per slot in a side array (slots stay one cache line). */
struct owned {
    void       *obj;
    sim_free_fn free_fn;
};

/* Where an event came from: its handler and the sim_at call that scheduled it.
 * Recorded per slot in debug builds only (a side array: slots stay one cache line). */
struct origin {
    const char *handler, *file;
    int         line;
};

struct block {
    alignas(64) struct qentry e[BLOCK_ENTRIES];
};

/* An unsorted bag of entries: a chain of blocks linked from the newest (tail)
 * backwards. All blocks but the tail are full. */
struct bucket {
    uint32_t tail;         /* newest block; meaningless while n == 0 */
    uint32_t n;
};

struct rung {
    uint64_t lo;           /* start of bucket 0 (times are >= 0, compared unsigned) */
    uint64_t hi;           /* end of the rung: its last bucket runs up to here */
    unsigned shift;        /* buckets are 2^shift microseconds wide */
    uint32_t nb;           /* buckets in use */
    uint32_t cur;          /* first bucket not yet consumed */
    uint32_t cap;          /* allocated buckets */
    struct bucket *b;
};

struct sim {
    sim_time       now;
    uint64_t       seq;        /* last sequence number handed out */
    uint64_t       events;     /* events executed */
    size_t         n;          /* queue entries, including stale ones */
    size_t         stale;      /* queue entries whose event was cancelled */

    /* near region: every entry with time < near_end, and nothing else */
    uint64_t       near_end;
    struct qentry *run;                   /* run[run_head..run_len) sorted */
    uint32_t       run_head, run_len, run_cap;
    struct qentry *heap;                  /* binary min-heap */
    size_t         heap_n, heap_cap, heap_spill;

    /* rungs, rung[0] coarsest; depth >= 1 always */
    struct rung    rung[RUNG_MAX];
    unsigned       depth;

    struct block **bchunks;    /* bucket block pool */
    uint32_t      *blink;      /* blink[i]: the block before block i in its chain */
    uint32_t       nbchunks;
    uint32_t       bfree;      /* free block list through blink; BLK_NONE = empty */

    struct slot  **chunks;
    uint32_t       nchunks;
    uint32_t       free_head;  /* 1 + index of first free slot; 0 = none */
    bool           stop;
    volatile sig_atomic_t *interrupt;
    sim_tick_fn    tick;
    void          *tick_ctx;
    uint64_t       tick_mask;
    sim_after_event_fn after;
    void          *after_ctx;
    uint64_t     **owned;      /* per chunk, a bit per slot: holds an owned payload */
    void          *cur_obj;    /* the running owned event's object, until taken */
    struct origin **origins;   /* debug builds: per chunk, as chunks */
    struct origin  current;    /* debug builds: the event running or last run */
    bool           in_after;   /* the after-event hook is running */
};

#ifdef L2SIM_DEBUG
static struct origin *origin_at(const struct sim *s, uint64_t i)
{
    return &s->origins[i >> CHUNK_BITS][i & (CHUNK_SLOTS - 1)];
}
#endif

static struct slot *slot_at(const struct sim *s, uint64_t i)
{
    return &s->chunks[i >> CHUNK_BITS][i & (CHUNK_SLOTS - 1)];
}

static uint64_t *owned_word(const struct sim *s, uint64_t i)
{
    return &s->owned[i >> CHUNK_BITS][(i & (CHUNK_SLOTS - 1)) >> 6];
}

static bool slot_owned(const struct sim *s, uint64_t i)
{
    return *owned_word(s, i) >> (i & 63) & 1;
}

/* Free slot i's owned object, if it holds one, and clear its bit. */
static void owned_release(struct sim *s, uint64_t i)
{
    if (!slot_owned(s, i))
        return;
    *owned_word(s, i) &= ~(UINT64_C(1) << (i & 63));
    struct owned o;
    memcpy(&o, slot_at(s, i)->payload.bytes, sizeof o);
    if (o.free_fn)
        o.free_fn(o.obj);
    else
        free(o.obj);
}

/* Take a free slot, growing the pool by one chunk when empty. O(1) amortised. */
static uint32_t slot_alloc(struct sim *s)
{
    if (s->free_head == 0) {
        uint64_t base = (uint64_t)s->nchunks << CHUNK_BITS;
        if (base + CHUNK_SLOTS > SLOT_MASK + 1)
            sim_panic("more than %llu events pending", (unsigned long long)SLOT_MASK);
        s->chunks = xrealloc(s->chunks, (s->nchunks + 1) * sizeof *s->chunks);
        s->owned = xrealloc(s->owned, (s->nchunks + 1) * sizeof *s->owned);
        s->owned[s->nchunks] = xcalloc(CHUNK_SLOTS / 64, sizeof **s->owned);
        struct slot *c = aligned_alloc(64, CHUNK_SLOTS * sizeof *c);
        if (!c)
            sim_panic("out of memory growing the event pool");
        memset(c, 0, CHUNK_SLOTS * sizeof *c);
#ifdef L2SIM_DEBUG
        s->origins = xrealloc(s->origins, (s->nchunks + 1) * sizeof *s->origins);
        s->origins[s->nchunks] = xcalloc(CHUNK_SLOTS, sizeof **s->origins);
#endif
        s->chunks[s->nchunks++] = c;
        for (uint32_t i = CHUNK_SLOTS; i-- > 0;) {
            c[i].payload.next_free = s->free_head;
            s->free_head = (uint32_t)(base + i + 1);
        }
    }
    uint32_t i = s->free_head - 1;
    s->free_head = slot_at(s, i)->payload.next_free;
    return i;
}

static void slot_free(struct sim *s, uint32_t i)
{
    struct slot *sl = slot_at(s, i);
    sl->key = 0;
    sl->payload.next_free = s->free_head;
    s->free_head = i + 1;
}

static bool entry_live(const struct sim *s, struct qentry e)
{
    return slot_at(s, e.key & SLOT_MASK)->key == e.key;
}

static inline bool qless(struct qentry a, struct qentry b)
{
    return a.t < b.t || (a.t == b.t && a.key < b.key);
}

/* ---- bucket blocks ---- */

static struct block *blk_at(const struct sim *s, uint32_t i)
{
    return &s->bchunks[i >> BLK_CHUNK_BITS][i & ((1u << BLK_CHUNK_BITS) - 1)];
}

/* Take a free block, growing the pool by one chunk when empty. O(1) amortised;
 * blocks never move, and the pool only grows to the peak number of entries / 8
 * plus one partly filled block per bucket. */
static uint32_t blk_alloc(struct sim *s)
{
    if (s->bfree == BLK_NONE) {
        uint32_t per = 1u << BLK_CHUNK_BITS, base = s->nbchunks * per;
        if (s->nbchunks >= (UINT32_MAX >> BLK_CHUNK_BITS) - 1)
            sim_panic("event queue block pool exhausted");
        s->bchunks = xrealloc(s->bchunks, (s->nbchunks + 1) * sizeof *s->bchunks);
        struct block *c = aligned_alloc(64, per * sizeof *c);
        if (!c)
            sim_panic("out of memory growing the event queue");
        s->bchunks[s->nbchunks++] = c;
        s->blink = xrealloc(s->blink, (size_t)(base + per) * sizeof *s->blink);
        for (uint32_t i = per; i-- > 0;) {
            s->blink[base + i] = s->bfree;
            s->bfree = base + i;
        }
    }
    uint32_t i = s->bfree;
    s->bfree = s->blink[i];
    return i;
}

static inline void bucket_add(struct sim *s, struct bucket *b, struct qentry e)
{
    uint32_t pos = b->n & (BLOCK_ENTRIES - 1);
    if (pos == 0) {
        uint32_t k = blk_alloc(s);
        s->blink[k] = b->n ? b->tail : BLK_NONE;
        b->tail = k;
    }
    blk_at(s, b->tail)->e[pos] = e;
    b->n++;
}

/* Copy a bucket's b->n entries to out in the order they were added, give its blocks
 * back and leave it empty. O(n). */
static void bucket_drain(struct sim *s, struct bucket *b, struct qentry *out)
{
    uint32_t left = b->n, blk = b->tail;
    uint32_t in_blk = left ? ((left - 1) & (BLOCK_ENTRIES - 1)) + 1 : 0;
    while (left) {
        left -= in_blk;
        memcpy(out + left, blk_at(s, blk)->e, in_blk * sizeof *out);
        uint32_t prev = s->blink[blk];
        s->blink[blk] = s->bfree;
        s->bfree = blk;
        blk = prev;
        in_blk = BLOCK_ENTRIES;
    }
    b->n = 0;
}

/* What a big bucket holds: its time range and whether it is in key order. */
struct bucket_shape {
    uint64_t min, max;
    bool     in_order;     /* keys ascend in the order the entries were added */
};

/* Read a non-empty bucket in place, newest entry first. O(n). */
static struct bucket_shape bucket_scan(const struct sim *s, const struct bucket *b)
{
    /* a big bucket was mostly written long ago: ask for all of its blocks at once
     * rather than miss on them one after another */
    uint32_t nblk = (b->n + BLOCK_ENTRIES - 1) / BLOCK_ENTRIES;
    for (uint32_t i = 0, blk = b->tail; i < nblk; i++, blk = s->blink[blk]) {
        __builtin_prefetch(blk_at(s, blk)->e);
        __builtin_prefetch(blk_at(s, blk)->e + BLOCK_ENTRIES / 2);
    }
    struct bucket_shape sh = { UINT64_MAX, 0, true };
    uint64_t after = UINT64_MAX;   /* key of the entry added just after this one */
    uint32_t left = b->n, blk = b->tail;
    uint32_t in_blk = ((left - 1) & (BLOCK_ENTRIES - 1)) + 1;
    while (left) {
        const struct qentry *e = blk_at(s, blk)->e;
        for (uint32_t i = in_blk; i-- > 0;) {
            uint64_t t = (uint64_t)e[i].t;
            sh.min = t < sh.min ? t : sh.min;
            sh.max = t > sh.max ? t : sh.max;
            sh.in_order &= e[i].key < after;
            after = e[i].key;
        }
        left -= in_blk;
        blk = s->blink[blk];
        in_blk = BLOCK_ENTRIES;
    }
    return sh;
}

/* A bucket's blocks taken out of it, to be read oldest first, a block at a time,
 * each block given back to the pool as soon as it is read, so entries can be
 * re-added to buckets (even the same one) without the pool growing. */
struct chain {
    uint32_t blk;          /* next block to read */
    uint32_t left;         /* entries still to read */
};

static struct chain bucket_take(struct sim *s, struct bucket *b)
{
    /* the links run newest to oldest: turn them around */
    uint32_t prev = BLK_NONE, blk = b->tail;
    for (uint32_t nblk = (b->n + BLOCK_ENTRIES - 1) / BLOCK_ENTRIES; nblk; nblk--) {
        uint32_t next = s->blink[blk];
        s->blink[blk] = prev;
        prev = blk;
        blk = next;
    }
    struct chain c = { prev, b->n };
    b->n = 0;
    return c;
}

/* Copy the next block's entries to out; returns how many (0 at the end). */
static uint32_t chain_next(struct sim *s, struct chain *c,
                           struct qentry out[BLOCK_ENTRIES])
{
    uint32_t m = c->left < BLOCK_ENTRIES ? c->left : BLOCK_ENTRIES;
    if (m == 0)
        return 0;
    memcpy(out, blk_at(s, c->blk)->e, m * sizeof *out);
    uint32_t next = s->blink[c->blk];
    s->blink[c->blk] = s->bfree;
    s->bfree = c->blk;
    c->blk = next;
    c->left -= m;
    return m;
}

/* ---- rungs ---- */

/* Entry e belongs to rung r (lo <= time < hi): add it to its bucket. O(1). */
static inline void rung_put(struct sim *s, struct rung *r, struct qentry e)
{
    uint64_t i = ((uint64_t)e.t - r->lo) >> r->shift;
    if (i >= r->nb)
        i = r->nb - 1;
    bucket_add(s, &r->b[i], e);
}

/* Lay out rung d, empty, over [lo, hi) for k entries whose times span [lo, max]
 * (max > lo): about BUCKET_FILL entries per bucket, the width the smallest power of
 * two that fits the span into the buckets, so the layout follows the data's own
 * spread rather than a guess. O(buckets). */
static void rung_init(struct sim *s, unsigned d, uint64_t lo, uint64_t max, uint64_t hi,
                      size_t k)
{
    struct rung *r = &s->rung[d];
    uint64_t span = max - lo, nb = k / BUCKET_FILL;
    if (nb < 2)
        nb = 2;
    if (nb > NB_MAX)
        nb = NB_MAX;
    if (nb > span + 1)
        nb = span + 1;
    unsigned shift = 0;
    while ((span >> shift) >= nb)
        shift++;
    if (nb > r->cap) {
        free(r->b);
        r->cap = (uint32_t)(nb > 2 * (uint64_t)r->cap ? nb : 2 * (uint64_t)r->cap);
        r->b = xmalloc(r->cap * sizeof *r->b);
    }
    memset(r->b, 0, nb * sizeof *r->b);
    r->lo = lo;
    r->hi = hi;
    r->shift = shift;
    r->nb = (uint32_t)nb;
    r->cur = 0;
}

/* Start (or end) of bucket i of r, clamped to the rung's end. */
static uint64_t rung_edge(const struct rung *r, uint64_t i)
{
    if (i >= r->nb)
        return r->hi;
    /* no overflow: lo < 2^63 and i << shift <= max(2 * span, nb) */
    uint64_t e = r->lo + (i << r->shift);
    return e < r->hi ? e : r->hi;
}

/* ---- the near region: a sorted run and a heap ---- */

static void heap_reserve(struct sim *s, size_t n)
{
    if (n <= s->heap_cap)
        return;
    size_t cap = s->heap_cap ? s->heap_cap : 256;
    while (cap < n)
        cap *= 2;
    s->heap = xrealloc(s->heap, cap * sizeof *s->heap);
    s->heap_cap = cap;
}

static void heap_sift_down(struct qentry *h, size_t n, size_t i, struct qentry e)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && qless(h[c + 1], h[c]))
            c++;
        if (!qless(h[c], e))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = e;
}

/* O(log heap size). */
static void heap_push(struct sim *s, struct qentry e)
{
    heap_reserve(s, s->heap_n + 1);
    struct qentry *h = s->heap;
    size_t i = s->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!qless(e, h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static void heap_pop(struct sim *s)
{
    size_t n = --s->heap_n;
    if (n > 0)
        heap_sift_down(s->heap, n, 0, s->heap[n]);
    else
        s->heap_spill = HEAP_SPILL;
}

/* Floyd's bottom-up build. O(n). */
static void heap_make(struct sim *s)
{
    for (size_t i = s->heap_n / 2; i-- > 0;)
        heap_sift_down(s->heap, s->heap_n, i, s->heap[i]);
}

static void near_push(struct sim *s, struct qentry e);

/* The near heap grew past heap_spill (a burst of events close to now): move all of
 * near into a new finest rung over [its earliest time, near_end) so the burst is
 * bucketed like everything else. If near cannot be split (one time, or no rung
 * left) the heap keeps it and the threshold doubles, so the O(n) attempts cost O(1)
 * amortised per entry. */
static void near_spill(struct sim *s)
{
    size_t k = s->heap_n + (s->run_len - s->run_head);
    uint64_t min = UINT64_MAX, max = 0;
    for (size_t i = 0; i < s->heap_n; i++) {
        uint64_t t = (uint64_t)s->heap[i].t;
        min = t < min ? t : min;
        max = t > max ? t : max;
    }
    for (uint32_t i = s->run_head; i < s->run_len; i++) {
        uint64_t t = (uint64_t)s->run[i].t;
        min = t < min ? t : min;
        max = t > max ? t : max;
    }
    if (max == min || s->depth == RUNG_MAX) {
        s->heap_spill = 2 * s->heap_n;
        return;
    }
    /* the run first: equal times then mostly stay in insertion order */
    unsigned d = s->depth++;
    rung_init(s, d, min, max, s->near_end, k);
    for (uint32_t i = s->run_head; i < s->run_len; i++)
        rung_put(s, &s->rung[d], s->run[i]);
    for (size_t i = 0; i < s->heap_n; i++)
        rung_put(s, &s->rung[d], s->heap[i]);
    s->heap_n = 0;
    s->heap_spill = HEAP_SPILL;
    s->run_head = s->run_len = 0;
    s->near_end = min;
}

static void near_push(struct sim *s, struct qentry e)
{
    heap_push(s, e);
    if (s->heap_n > s->heap_spill)
        near_spill(s);
}

/* Make room for n entries at the end of the run, moving what is left of it to the
 * front. The run is RUN_CAP long except after a big bucket of ties. */
static void run_make_room(struct sim *s, uint32_t n)
{
    uint32_t keep = s->run_len - s->run_head;
    memmove(s->run, s->run + s->run_head, keep * sizeof *s->run);
    s->run_head = 0;
    s->run_len = keep;
    if (keep + n > s->run_cap) {
        s->run_cap = keep + n;
        s->run = xrealloc(s->run, s->run_cap * sizeof *s->run);
    }
}

/* Sort run[from..run_len) by (time, key); at most SORT_MAX entries. */
static void run_sort(struct sim *s, uint32_t from)
{
    struct qentry *a = s->run;
    for (uint32_t i = from + 1; i < s->run_len; i++) {
        struct qentry x = a[i];
        uint32_t j = i;
        while (j > from && qless(x, a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Move buckets from the finest rung into near until the run holds more than
 * RUN_LOW entries or nothing is left outside near. Amortised O(1) per entry moved;
 * a big bucket costs O(its size) once, when it is split or heaped. */
static void refill(struct sim *s)
{
    while (s->run_len - s->run_head <= RUN_LOW) {
        struct rung *r = &s->rung[s->depth - 1];
        uint32_t c = r->cur;
        while (c + 1 < r->nb && r->b[c].n == 0)
            c++;
        if (c != r->cur) {
            /* skipped buckets are empty: near may take their times too, which keeps
             * every later push landing at or after bucket cur */
            r->cur = c;
            uint64_t start = rung_edge(r, c);
            if (start > s->near_end)
                s->near_end = start;
        }
        struct bucket *b = &r->b[c];
        bool last = c + 1 == r->nb;
        if (b->n == 0) {                   /* rung exhausted (c is its last bucket) */
            if (s->depth == 1)
                return;                    /* nothing at all outside near */
            s->near_end = r->hi;
            s->depth--;
            continue;
        }
        uint32_t k = b->n;
        if (k <= SORT_MAX) {
            /* small: sort it onto the end of the run */
            run_make_room(s, k);
            uint32_t keep = s->run_len;
            s->run_len = keep + k;
            bucket_drain(s, b, s->run + keep);
            run_sort(s, keep);
            if (last) {
                /* the last bucket stays open for later times; near takes only up
                 * to what it holds now (the run is sorted: its last entry) */
                s->near_end = (uint64_t)s->run[s->run_len - 1].t + 1;
            } else {
                s->near_end = rung_edge(r, c + 1);
                r->cur = c + 1;
            }
            continue;
        }
        /* big: split it into a finer rung by its own spread, or heap it */
        struct bucket_shape sh = bucket_scan(s, b);
        uint64_t end = last ? r->hi : rung_edge(r, c + 1);
        if (!last)
            r->cur = c + 1;
        if (sh.max > sh.min && (last || s->depth < RUNG_MAX)) {
            /* a last bucket's rung is used up: the finer rung replaces it */
            unsigned d = last ? s->depth - 1 : s->depth++;
            struct chain ch = bucket_take(s, b);
            rung_init(s, d, sh.min, sh.max, end, k);
            struct qentry buf[BLOCK_ENTRIES];
            for (uint32_t m; (m = chain_next(s, &ch, buf)) != 0;)
                for (uint32_t i = 0; i < m; i++)
                    rung_put(s, &s->rung[d], buf[i]);
            s->near_end = sh.min;
            continue;
        }
        s->near_end = last ? sh.max + 1 : end;
        if (sh.max == sh.min && sh.in_order) {
            /* A crowd of ties, already in insertion order (entries reach a bucket
             * in that order unless a spill mixed them): the run takes it as is. */
            run_make_room(s, k);
            bucket_drain(s, b, s->run + s->run_len);
            s->run_len += k;
            continue;
        }
        /* ties out of order, or no finer rung left */
        heap_reserve(s, s->heap_n + k);
        bucket_drain(s, b, s->heap + s->heap_n);
        s->heap_n += k;
        heap_make(s);
        if (s->heap_spill < 2 * s->heap_n)
            s->heap_spill = 2 * s->heap_n;
        return;
    }
}

/* ---- the queue (evq): push, peek, pop, compact ---- */

/* Add an entry to the region its time falls in. O(1) unless it lands in near's
 * heap, O(log of that heap's size). */
static void evq_push(struct sim *s, struct qentry e)
{
    uint64_t t = (uint64_t)e.t;
    s->n++;
    if (t < s->near_end) {
        near_push(s, e);
        return;
    }
    unsigned d = s->depth - 1;
    while (d > 0 && t >= s->rung[d].hi)
        d--;
    rung_put(s, &s->rung[d], e);
}

enum { EVQ_EMPTY, EVQ_RUN, EVQ_HEAP };

/* The least entry (stale or not) into *e, and where it is; EVQ_EMPTY when the queue
 * is. Refills near first if it runs low: the run is kept RUN_LOW entries ahead so
 * their slots can be fetched before they are needed. Amortised O(1). */
static int evq_peek(struct sim *s, struct qentry *e)
{
    if (s->run_len - s->run_head <= RUN_LOW && s->heap_n <= RUN_LOW)
        refill(s);
    if (s->heap_n > 0 &&
        (s->run_head == s->run_len || qless(s->heap[0], s->run[s->run_head]))) {
        *e = s->heap[0];
        return EVQ_HEAP;
    }
    if (s->run_head == s->run_len)
        return EVQ_EMPTY;
    *e = s->run[s->run_head];
    return EVQ_RUN;
}

/* Remove the entry evq_peek just returned. */
static void evq_pop(struct sim *s, int where)
{
    s->n--;
    if (where == EVQ_HEAP) {
        heap_pop(s);
        return;
    }
    s->run_head++;
    /* slots are cache misses in big queues: fetch the one RUN_LOW events ahead */
    if (s->run_head + RUN_LOW < s->run_len)
        __builtin_prefetch(slot_at(s, s->run[s->run_head + RUN_LOW].key & SLOT_MASK));
}

/* Drop stale entries where they lie: filter the heap, the run and each bucket in
 * place. No entry changes region, so the invariant holds as it did, and buckets
 * keep their insertion order. O(n); run when cancelled entries outnumber live ones,
 * so cancel-heavy models keep the queue and its block pool small. */
static void evq_compact(struct sim *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->heap_n; i++)
        if (entry_live(s, s->heap[i]))
            s->heap[k++] = s->heap[i];
    s->heap_n = k;
    heap_make(s);
    size_t live = k;
    uint32_t r = s->run_head;
    for (uint32_t i = s->run_head; i < s->run_len; i++)
        if (entry_live(s, s->run[i]))
            s->run[r++] = s->run[i];
    live += r - s->run_head;
    s->run_len = r;
    for (unsigned d = 0; d < s->depth; d++) {
        struct rung *rg = &s->rung[d];
        for (uint32_t i = rg->cur; i < rg->nb; i++) {
            struct chain ch = bucket_take(s, &rg->b[i]);
            struct qentry buf[BLOCK_ENTRIES];
            for (uint32_t m; (m = chain_next(s, &ch, buf)) != 0;)
                for (uint32_t j = 0; j < m; j++)
                    if (entry_live(s, buf[j]))
                        bucket_add(s, &rg->b[i], buf[j]);
            live += rg->b[i].n;
        }
    }
    s->n = live;
    s->stale = 0;
}

/* ---- public interface ---- */

struct sim *sim_new(void)
{
    struct sim *s = xcalloc(1, sizeof *s);
    s->tick_mask = UINT64_MAX;
    s->bfree = BLK_NONE;
    s->heap_spill = HEAP_SPILL;
    s->run_cap = RUN_CAP;
    s->run = xmalloc(RUN_CAP * sizeof *s->run);
    s->depth = 1;
    struct rung *r0 = &s->rung[0];   /* one open bucket from time 0: the top */
    r0->hi = UINT64_MAX;
    r0->nb = 1;
    r0->cap = 1;
    r0->b = xcalloc(1, sizeof *r0->b);
    return s;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    /* what never ran: free its owned objects (a free slot's key is 0) */
    for (uint64_t i = 0; i < (uint64_t)s->nchunks << CHUNK_BITS; i++)
        if (slot_at(s, i)->key != 0)
            owned_release(s, i);
    for (uint32_t i = 0; i < s->nchunks; i++)
        free(s->chunks[i]), free(s->owned[i]);
    free(s->chunks);
    free(s->owned);
    if (s->origins)
        for (uint32_t i = 0; i < s->nchunks; i++)
            free(s->origins[i]);
    free(s->origins);
    for (uint32_t i = 0; i < s->nbchunks; i++)
        free(s->bchunks[i]);
    free(s->bchunks);
    free(s->blink);
    for (unsigned d = 0; d < RUNG_MAX; d++)
        free(s->rung[d].b);
    free(s->heap);
    free(s->run);
    free(s);
}

sim_event_id sim_at_(struct sim *s, sim_time t, sim_handler h, void *ctx,
                     const void *payload, size_t len, const char *hname, const char *file,
                     int line)
{
    if (t < s->now)
        sim_panic_at(file, line, "event scheduled in the past: t=%lld us < now=%lld us",
                     (long long)t, (long long)s->now);
    if (len > SIM_PAYLOAD_MAX)
        sim_panic_at(file, line, "event payload of %zu bytes exceeds %d", len,
                     SIM_PAYLOAD_MAX);
    if (s->seq == SEQ_MAX)
        sim_panic_at(file, line, "event sequence exhausted (%llu events)",
                     (unsigned long long)SEQ_MAX);
    uint32_t i = slot_alloc(s);
    struct slot *sl = slot_at(s, i);
    uint64_t key = (++s->seq << SLOT_BITS) | i;
    sl->key = key;
    sl->h = h;
    sl->ctx = ctx;
    if (len)
        memcpy(sl->payload.bytes, payload, len);
#ifdef L2SIM_DEBUG
    *origin_at(s, i) = (struct origin){ hname, file, line };
#else
    (void)hname;
#endif
    evq_push(s, (struct qentry){ t, key });
    return key;
}

sim_event_id sim_at_owned_(struct sim *s, sim_time t, sim_handler h, void *ctx, void *obj,
                           sim_free_fn free_fn, const char *hname, const char *file, int line)
{
    if (!obj)
        sim_panic_at(file, line, "an owned event needs an object (NULL given)");
    struct owned o = { obj, free_fn };
    sim_event_id id = sim_at_(s, t, h, ctx, &o, sizeof o, hname, file, line);
    uint64_t i = id & SLOT_MASK;
    *owned_word(s, i) |= UINT64_C(1) << (i & 63);
    return id;
}

void *sim_take_payload(struct sim *s)
{
    if (!s->cur_obj)
        sim_panic("sim_take_payload outside the handler of an owned event, or twice");
    void *obj = s->cur_obj;
    s->cur_obj = NULL;
    return obj;
}

bool sim_cancel(struct sim *s, sim_event_id id)
{
    uint64_t i = id & SLOT_MASK;
    if (id == 0 || (i >> CHUNK_BITS) >= s->nchunks || slot_at(s, i)->key != id)
        return false;
    owned_release(s, i);
    slot_free(s, (uint32_t)i);
    if (++s->stale > 4096 && s->stale > s->n / 2)
        evq_compact(s);
    return true;
}

static enum sim_stop run_loop(struct sim *s, sim_time until, uint64_t max_events)
{
    uint64_t ran = 0;
    s->stop = false;
    for (;;) {
        struct qentry e;
        int where = evq_peek(s, &e);
        if (where == EVQ_EMPTY)
            break;
        uint32_t i = (uint32_t)(e.key & SLOT_MASK);
        struct slot *sl = slot_at(s, i);
        if (sl->key != e.key) {        /* cancelled: drop it, whatever its time */
            evq_pop(s, where);
            s->stale--;
            continue;
        }
        if (e.t > until) {
            if (until > s->now)        /* time never runs backwards */
                s->now = until;
            return SIM_STOP_UNTIL;
        }
        if (max_events && ran == max_events)
            return SIM_STOP_MAX_EVENTS;
        if (s->stop || (s->interrupt && *s->interrupt))
            return SIM_STOP_REQUESTED;
        evq_pop(s, where);
        s->now = e.t;
        sl->key = 0;                   /* running: no longer cancellable */
#ifdef L2SIM_DEBUG
        s->current = *origin_at(s, i);
#endif
        if (__builtin_expect(slot_owned(s, i), 0)) {
            /* the handler gets the object itself; freed after, unless taken */
            void *outer = s->cur_obj;
            struct owned o;
            memcpy(&o, sl->payload.bytes, sizeof o);
            s->cur_obj = o.obj;
            sl->h(s, sl->ctx, o.obj);
            if (s->cur_obj)
                owned_release(s, i);
            else
                *owned_word(s, i) &= ~(UINT64_C(1) << (i & 63));
            s->cur_obj = outer;
        } else {
            sl->h(s, sl->ctx, sl->payload.bytes);
        }
        slot_free(s, i);
        s->events++;
        ran++;
        if (__builtin_expect(s->after != NULL, 0)) {
            s->in_after = true;
            s->after(s, s->after_ctx);
            s->in_after = false;
        }
        if ((s->events & s->tick_mask) == 0 && s->tick)
            s->tick(s, s->tick_ctx);
    }
    return s->stop ? SIM_STOP_REQUESTED : SIM_STOP_DRAINED;
}

/* The scheduler inside sim_run, for diagnostics only (a panic hook naming the event
 * that broke an invariant); nothing in a run reads it. */
static struct sim *running;

enum sim_stop sim_run(struct sim *s, sim_time until, uint64_t max_events)
{
    struct sim *outer = running;
    running = s;
    enum sim_stop why = run_loop(s, until, max_events);
    running = outer;
    return why;
}

const struct sim *sim_running(void) { return running; }

void sim_stop(struct sim *s) { s->stop = true; }

void sim_set_interrupt(struct sim *s, volatile sig_atomic_t *flag) { s->interrupt = flag; }

void sim_set_after_event(struct sim *s, sim_after_event_fn fn, void *ctx)
{
    s->after = fn;
    s->after_ctx = ctx;
}

bool sim_debug_build(void)
{
#ifdef L2SIM_DEBUG
    return true;
#else
    return false;
#endif
}

char *sim_event_describe(const struct sim *s, char *buf, size_t n)
{
    /* while a handler runs (inside sim_run, not in the after-event hook), its event
     * is number events + 1; otherwise the last one run is number events */
    uint64_t num = s->events + (running == s && !s->in_after);
    int k = snprintf(buf, n, "event #%llu", (unsigned long long)num);
    if (s->current.handler && k >= 0 && (size_t)k < n)
        k += snprintf(buf + k, n - (size_t)k, " (%s, scheduled at %s:%d)", s->current.handler,
                      s->current.file, s->current.line);
    if (k >= 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, " at simulated time %.6f s", (double)s->now / SIM_SEC);
    return buf;
}

void sim_set_tick(struct sim *s, sim_tick_fn fn, void *ctx, uint64_t every)
{
    uint64_t p = 1;
    while (p < every && p < (UINT64_C(1) << 62))
        p <<= 1;
    s->tick = fn;
    s->tick_ctx = ctx;
    s->tick_mask = p - 1;
}

sim_time sim_now(const struct sim *s) { return s->now; }
uint64_t sim_events_run(const struct sim *s) { return s->events; }
size_t   sim_pending(const struct sim *s) { return s->n - s->stale; }

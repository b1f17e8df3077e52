/* mempool.c — see mempool.h.
 *
 * Senders live in a hash map by id (sim/idmap; not background senders, which send
 * once) and, while they have pending transactions (always, in fact: an empty sender
 * is dropped), in a dense `active` array the builder and expiry scan, which holds
 * each sender's head and earliest deadline.
 * Neither's order reaches results: every choice goes through a total order on
 * (effective tip, tie order) or (max fee, tie order). A binary min-heap over all pending
 * transactions by (max fee, last in the tie order first) finds the eviction victim in
 * O(log n). The builder counting-sorts candidates by tip bucket and heaps only the
 * buckets it reaches (struct picker). */
#include "models/l1/mempool.h"

#include <stdlib.h>
#include <string.h>

#include "sim/fault.h"
#include "sim/idmap.h"

struct mp_sender {
    uint64_t      id;
    struct mp_tx *head, *tail;
    size_t        active_pos;
    struct mp_sender *free_next;    /* on the pool's free list */
};

/* A sender with pending transactions, in the dense array the builder and expiry scan
 * every block: its head (next nonce) and the earliest deadline of its queue sit here,
 * so a scan reads one contiguous array instead of chasing every sender's list. */
struct mp_active {
    struct mp_sender *s;
    struct mp_tx     *head;         /* == s->head */
    uint64_t          max_fee, max_prio;   /* the head's */
    sim_time          submit;       /* the head's */
    uint64_t          blob_fee;     /* the head's max fee per blob gas; UINT64_MAX
                                     * without blobs (no blob price to meet) */
};

/* An entry of the eviction heap. */
struct cheap_entry {
    uint64_t      max_fee;      /* == tx->max_fee */
    struct mp_tx *tx;
};

struct mempool {
    size_t max_txs, n;
    struct idmap senders;       /* id -> struct mp_sender *, but background senders */
    struct mp_active *active;
    sim_time *first_deadline;   /* beside active[i]: the min deadline of its sender's
                                 * queue, apart so that expiry scans 8 bytes a sender */
    size_t nactive, capactive;
    struct mp_sender *free_senders; /* dropped senders kept for reuse */
    struct cheap_entry *cheap;  /* eviction heap */
    struct cand *cands;         /* mp_build's scratch, kept between blocks */
    size_t capcands;
    size_t tip_count[976];      /* mp_build's counting sort: TIP_BUCKETS */
};

/* ---- senders ---- */

/* Copy s's head and its fees into its active entry. O(1). */
static void active_refresh(struct mempool *mp, struct mp_sender *s)
{
    struct mp_active *a = &mp->active[s->active_pos];
    struct mp_tx *h = s->head;
    a->head = h;
    a->max_fee = h->max_fee;
    a->max_prio = h->max_prio;
    a->submit = h->submit;
    a->blob_fee = h->blobs ? h->max_blob_fee : UINT64_MAX;
}

/* A background account sends one transaction and is never seen again (l1.c): its
 * sender needs no lookup, so it stays out of the map. */
static bool one_shot(uint64_t id) { return id >> 56 == L1_ACCT_BACKGROUND; }

static struct mp_sender *sender_new(struct mempool *mp, uint64_t id)
{
    struct mp_sender *s = mp->free_senders;
    if (s)
        mp->free_senders = s->free_next;
    else
        s = xmalloc(sizeof *s);
    *s = (struct mp_sender){ .id = id, .active_pos = SIZE_MAX };
    return s;
}

static struct mp_sender *sender_get(struct mempool *mp, uint64_t id)
{
    if (one_shot(id))
        return sender_new(mp, id);
    bool added;
    uint64_t *v = idmap_put(&mp->senders, id, &added);
    if (added)
        *v = (uintptr_t)sender_new(mp, id);
    return (struct mp_sender *)(uintptr_t)*v;
}

/* Remove an empty sender from the map and the active array. O(1) expected. */
static void sender_drop(struct mempool *mp, struct mp_sender *s)
{
    if (!one_shot(s->id)) {
        bool was = idmap_del(&mp->senders, s->id);
        SIM_ASSERT(was);
    }
    if (s->active_pos != SIZE_MAX) {
        struct mp_active last = mp->active[--mp->nactive];
        mp->active[s->active_pos] = last;
        mp->first_deadline[s->active_pos] = mp->first_deadline[mp->nactive];
        last.s->active_pos = s->active_pos;
    }
    s->free_next = mp->free_senders;
    mp->free_senders = s;
}

/* Recompute s's earliest deadline after its queue lost transactions. O(queue). */
static void sender_rescan(struct mempool *mp, struct mp_sender *s)
{
    sim_time d = INT64_MAX;
    for (struct mp_tx *t = s->head; t; t = t->next)
        if (t->deadline < d)
            d = t->deadline;
    mp->first_deadline[s->active_pos] = d;
}

/* ---- tie order ---- */

/* SplitMix64's finalizer (Steele, Lea, Flood 2014): every input bit moves every
 * output bit, so consecutive origins or instants give unrelated ranks. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t mp_tie(uint32_t origin, sim_time submit)
{
    return mix64(mix64((uint64_t)origin + UINT64_C(0x9E3779B97F4A7C15)) ^ (uint64_t)submit);
}

/* a comes before b in the tie order (mempool.h): earlier submission, then the
 * origins' rank at that instant, then arrival. */
static bool tie_before(const struct mp_tx *a, const struct mp_tx *b)
{
    if (a->submit != b->submit)
        return a->submit < b->submit;
    if (a->tie != b->tie)
        return a->tie < b->tie;
    return a->seq < b->seq;
}

/* ---- eviction heap: min by (max_fee, then last in the tie order) ---- */

static bool cheaper(const struct mp_tx *a, const struct mp_tx *b)
{
    return a->max_fee < b->max_fee || (a->max_fee == b->max_fee && tie_before(b, a));
}

/* The heap holds each transaction's max fee beside it: comparing two entries reads
 * the transactions only when their max fees tie. */
static bool entry_cheaper(const struct cheap_entry *a, const struct cheap_entry *b)
{
    return a->max_fee < b->max_fee || (a->max_fee == b->max_fee && tie_before(b->tx, a->tx));
}

static void cheap_set(struct mempool *mp, size_t i, struct cheap_entry e)
{
    mp->cheap[i] = e;
    e.tx->cheap_pos = i;
}

static void cheap_up(struct mempool *mp, size_t i)
{
    struct cheap_entry e = mp->cheap[i];
    while (i > 0 && entry_cheaper(&e, &mp->cheap[(i - 1) / 2])) {
        cheap_set(mp, i, mp->cheap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    cheap_set(mp, i, e);
}

static void cheap_down(struct mempool *mp, size_t i)
{
    struct cheap_entry e = mp->cheap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= mp->n)
            break;
        if (c + 1 < mp->n && entry_cheaper(&mp->cheap[c + 1], &mp->cheap[c]))
            c++;
        if (!entry_cheaper(&mp->cheap[c], &e))
            break;
        cheap_set(mp, i, mp->cheap[c]);
        i = c;
    }
    cheap_set(mp, i, e);
}

static void cheap_remove(struct mempool *mp, struct mp_tx *t)
{
    size_t i = t->cheap_pos;
    struct cheap_entry last = mp->cheap[--mp->n];
    if (last.tx != t) {
        cheap_set(mp, i, last);
        cheap_up(mp, i);
        cheap_down(mp, last.tx->cheap_pos);
    }
}

/* ---- pool ---- */

struct mempool *mp_new(size_t max_txs)
{
    struct mempool *mp = xcalloc(1, sizeof *mp);
    mp->max_txs = max_txs;
    mp->cheap = xmalloc((max_txs + 1) * sizeof *mp->cheap);
    return mp;
}

void mp_free(struct mempool *mp)
{
    if (!mp)
        return;
    for (size_t i = 0; i < mp->n; i++)
        free(mp->cheap[i].tx);
    for (size_t i = 0; i < mp->nactive; i++)     /* every sender is active */
        free(mp->active[i].s);
    while (mp->free_senders) {
        struct mp_sender *s = mp->free_senders;
        mp->free_senders = s->free_next;
        free(s);
    }
    idmap_free(&mp->senders);
    free(mp->active);
    free(mp->first_deadline);
    free(mp->cheap);
    free(mp->cands);
    free(mp);
}

size_t mp_size(const struct mempool *mp) { return mp->n; }

static void push_out(struct mp_tx ***out, size_t *n, struct mp_tx *t)
{
    if ((*n & (*n - 1)) == 0)     /* grow at powers of two */
        *out = xrealloc(*out, (*n ? 2 * *n : 4) * sizeof **out);
    (*out)[(*n)++] = t;
}

/* Take t and every later transaction of its sender out of the pool. */
static void remove_from(struct mempool *mp, struct mp_tx *t, struct mp_tx ***out, size_t *nout)
{
    struct mp_sender *s = t->sender;
    struct mp_tx *prev = NULL;
    for (struct mp_tx *q = s->head; q != t; q = q->next)
        prev = q;
    for (struct mp_tx *q = t; q;) {
        struct mp_tx *nx = q->next;
        cheap_remove(mp, q);
        q->next = NULL;
        q->sender = NULL;
        push_out(out, nout, q);
        q = nx;
    }
    if (prev) {
        prev->next = NULL;
        s->tail = prev;
        sender_rescan(mp, s);
    } else {
        sender_drop(mp, s);
    }
}

bool mp_add(struct mempool *mp, struct mp_tx *tx, struct mp_tx ***evicted, size_t *nevicted)
{
    tx->tie = mp_tie(tx->origin, tx->submit);       /* before cheaper() compares it */
    if (mp->n >= mp->max_txs && !fault_fire("mempool.cap")) {   /* the fault: no eviction */
        struct mp_tx *victim = mp->cheap[0].tx;
        if (!cheaper(victim, tx))
            return false;           /* the newcomer is the cheapest: refused */
        remove_from(mp, victim, evicted, nevicted);
    }
    struct mp_sender *s = sender_get(mp, tx->sender_id);
    tx->sender = s;
    tx->next = NULL;
    if (s->tail)
        tx->nonce = s->tail->nonce + 1;
    if (s->tail)
        s->tail->next = tx;
    else
        s->head = tx;
    s->tail = tx;
    if (s->active_pos == SIZE_MAX) {
        if (mp->nactive == mp->capactive) {
            mp->capactive = mp->capactive ? 2 * mp->capactive : 256;
            mp->active = xrealloc(mp->active, mp->capactive * sizeof *mp->active);
            mp->first_deadline = xrealloc(mp->first_deadline,
                                          mp->capactive * sizeof *mp->first_deadline);
        }
        s->active_pos = mp->nactive;
        mp->first_deadline[mp->nactive] = tx->deadline;
        mp->active[mp->nactive++] = (struct mp_active){ .s = s };
        active_refresh(mp, s);
    } else if (tx->deadline < mp->first_deadline[s->active_pos]) {
        mp->first_deadline[s->active_pos] = tx->deadline;
    }
    cheap_set(mp, mp->n++, (struct cheap_entry){ tx->max_fee, tx });
    cheap_up(mp, mp->n - 1);
    return true;
}

/* go-ethereum's legacypool list.Add: the new fee must be strictly higher and at
 * least floor(old * (100 + pct) / 100). */
static bool bumped(uint64_t old, uint64_t neu, uint32_t pct)
{
    return neu > old && (u128)neu >= (u128)old * (100 + pct) / 100;
}

bool mp_replace(struct mempool *mp, struct mp_tx *tx, uint64_t max_fee, uint64_t max_prio,
                uint64_t max_blob_fee, uint64_t new_seq, sim_time now)
{
    uint32_t pct = tx->blobs ? MP_BLOB_PRICE_BUMP_PCT : MP_PRICE_BUMP_PCT;
    if (!bumped(tx->max_fee, max_fee, pct) || !bumped(tx->max_prio, max_prio, pct))
        return false;
    if (tx->blobs && !bumped(tx->max_blob_fee, max_blob_fee, pct))
        return false;
    tx->max_fee = max_fee;
    tx->max_prio = max_prio;
    tx->max_blob_fee = max_blob_fee;
    tx->seq = new_seq;
    tx->submit = now;
    tx->tie = mp_tie(tx->origin, now);
    if (tx->sender->head == tx)
        active_refresh(mp, tx->sender);
    mp->cheap[tx->cheap_pos].max_fee = max_fee;
    cheap_up(mp, tx->cheap_pos);
    cheap_down(mp, tx->cheap_pos);
    return true;
}

void mp_changed(struct mempool *mp, struct mp_tx *tx)
{
    if (tx->sender->head == tx)
        active_refresh(mp, tx->sender);
}

void mp_expire(struct mempool *mp, sim_time now, struct mp_tx ***out, size_t *nout)
{
    /* collect first: removal reshuffles `active`; only a sender whose earliest
     * deadline has passed has a transaction to find */
    struct mp_tx **late = NULL;
    size_t nlate = 0;
    for (size_t i = 0; i < mp->nactive; i++) {
        if (mp->first_deadline[i] >= now)
            continue;
        for (struct mp_tx *t = mp->active[i].head; t; t = t->next)
            if (t->deadline < now) {
                push_out(&late, &nlate, t);
                break;              /* the rest of this sender's queue goes with it */
            }
    }
    for (size_t i = 0; i < nlate; i++)
        remove_from(mp, late[i], out, nout);
    free(late);
}

uint64_t mp_effective_tip(const struct mp_tx *tx, uint64_t base_fee)
{
    uint64_t room = tx->max_fee - base_fee;
    return tx->max_prio < room ? tx->max_prio : room;
}

/* A candidate: its effective tip and submission time beside it, so that comparing
 * two reads the transactions themselves only on a tie at the same instant. */
struct cand {
    uint64_t      tip;
    sim_time      submit;
    struct mp_tx *tx;
    unsigned      bucket;       /* tip_bucket(tip), computed once */
};

static bool better(const struct cand *a, const struct cand *b)
{
    if (a->tip != b->tip)
        return a->tip > b->tip;
    if (a->submit != b->submit)
        return a->submit < b->submit;
    return tie_before(a->tx, b->tx);
}

static void cand_push(struct cand *h, size_t *n, struct cand c)
{
    size_t i = (*n)++;
    while (i > 0 && better(&c, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = c;
}

/* Move h[i] down to its place among n entries. O(log n). */
static void cand_down(struct cand *h, size_t n, size_t i)
{
    struct cand x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && better(&h[c + 1], &h[c]))
            c++;
        if (!better(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static struct cand cand_pop(struct cand *h, size_t *n)
{
    struct cand top = h[0];
    h[0] = h[--*n];
    if (*n)
        cand_down(h, *n, 0);
    return top;
}

struct build {
    uint64_t base_fee;
    u128     blob_base_fee;
    bool   (*excluded)(void *, const struct mp_tx *);
    void    *ctx;
};

static bool candidate(const struct build *b, const struct mp_tx *t)
{
    if (t->max_fee < b->base_fee)
        return false;
    if (t->blobs && t->max_blob_fee < b->blob_base_fee)
        return false;
    return !(b->excluded && b->excluded(b->ctx, t));
}

/* The bucket of an effective tip: its binary exponent and the 4 bits below the
 * leading one, so buckets rise with the tip (never the other way) and split each
 * doubling in 16. Tips below 16 are their own bucket. At most 16 + 60 x 16 = 976. */
enum { TIP_BUCKETS = 976 };
_Static_assert(sizeof ((struct mempool *)0)->tip_count / sizeof (size_t) == TIP_BUCKETS,
               "one count per tip bucket");
static unsigned tip_bucket(uint64_t tip)
{
    if (tip < 16)
        return (unsigned)tip;
    unsigned e = 63u - (unsigned)__builtin_clzll(tip);
    return 16u + (e - 4u) * 16u + (unsigned)((tip >> (e - 4u)) & 15u);
}

/* Grow a scratch array to hold n. */
static void *scratch(void *p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return p;
    *cap = n + n / 2 + 64;
    return xrealloc(p, *cap * size);
}

/* The best candidate first, without sorting them all: a block takes a few hundred
 * of the pool's thousands. The candidates are counting-sorted by tip bucket, highest
 * first, and only the highest bucket not yet used up sits in the heap; a bucket below
 * holds only smaller tips, so the heap's top is the best of all. A sender's next
 * transaction joins the heap if its bucket is not below the heap's, else waits in
 * `later` until the heap reaches its bucket. The order of inclusion is exactly that
 * of one heap over every candidate. */
struct picker {
    struct cand *sorted;        /* every candidate, by bucket descending */
    size_t       nsorted, next; /* sorted[next..] not yet in the heap */
    struct cand *heap;
    size_t       nheap;
    struct cand *later;         /* next transactions below the heap's bucket */
    size_t       nlater;
    unsigned     bucket;        /* of the heap; valid while nheap > 0 */
};

/* Refill the empty heap with the highest bucket left. False when none is left. */
static bool picker_load(struct picker *p)
{
    bool any = false;
    unsigned b = 0;
    if (p->next < p->nsorted)
        b = p->sorted[p->next].bucket, any = true;
    for (size_t i = 0; i < p->nlater; i++) {
        unsigned lb = p->later[i].bucket;
        if (!any || lb > b)
            b = lb, any = true;
    }
    if (!any)
        return false;
    p->bucket = b;
    while (p->next < p->nsorted && p->sorted[p->next].bucket == b)
        p->heap[p->nheap++] = p->sorted[p->next++];
    for (size_t i = 0; i < p->nlater;)
        if (p->later[i].bucket == b) {
            p->heap[p->nheap++] = p->later[i];
            p->later[i] = p->later[--p->nlater];
        } else {
            i++;
        }
    for (size_t i = p->nheap / 2; i-- > 0;)         /* Floyd's heapify, O(bucket) */
        cand_down(p->heap, p->nheap, i);
    return true;
}

static void picker_push(struct picker *p, struct cand c)
{
    if (p->nheap > 0 && c.bucket >= p->bucket)
        cand_push(p->heap, &p->nheap, c);
    else
        p->later[p->nlater++] = c;
}

void mp_build(struct mempool *mp, uint64_t base_fee, u128 blob_base_fee, uint64_t gas_limit,
              uint64_t blob_gas_limit, bool (*excluded)(void *ctx, const struct mp_tx *tx),
              void *ctx, struct mp_tx ***out, size_t *nout, struct mp_block *blk)
{
    struct build b = { base_fee, blob_base_fee, excluded, ctx };
    size_t cap = mp->nactive + 1;
    mp->cands = scratch(mp->cands, &mp->capcands, 3 * cap, sizeof *mp->cands);
    struct cand *all = mp->cands;
    struct picker p = { .sorted = all + cap, .heap = all + 2 * cap, .later = all };
    /* the heads' fees are in the dense array: one sequential read per sender; the
     * candidates go to `heap` first, as scratch for the counting sort */
    size_t *count = mp->tip_count;
    memset(count, 0, TIP_BUCKETS * sizeof *count);
    size_t n = 0;
    for (size_t i = 0; i < mp->nactive; i++) {
        const struct mp_active *a = &mp->active[i];
        if (a->max_fee < base_fee || a->blob_fee < blob_base_fee ||
            (excluded && excluded(ctx, a->head)))
            continue;
        uint64_t room = a->max_fee - base_fee;
        uint64_t tip = a->max_prio < room ? a->max_prio : room;
        unsigned bucket = tip_bucket(tip);
        p.heap[n++] = (struct cand){ tip, a->submit, a->head, bucket };
        count[bucket]++;
    }
    size_t at = 0;                                  /* bucket starts, highest first */
    for (size_t k = TIP_BUCKETS; k-- > 0;) {
        size_t c = count[k];
        count[k] = at;
        at += c;
    }
    for (size_t i = 0; i < n; i++)
        p.sorted[count[p.heap[i].bucket]++] = p.heap[i];
    p.nsorted = n;

    uint64_t gas_left = gas_limit, blob_gas = 0;
    while (gas_left >= 21000 && (p.nheap > 0 || picker_load(&p))) {
        struct mp_tx *t = cand_pop(p.heap, &p.nheap).tx;
        uint64_t bg = (uint64_t)t->blobs * (UINT64_C(1) << 17);
        if (t->gas > gas_left || blob_gas + bg > blob_gas_limit)
            continue;                /* too big for what is left: the sender waits */
        gas_left -= t->gas;
        blob_gas += bg;
        struct mp_sender *s = t->sender;
        struct mp_tx *nx = t->next;
        s->head = nx;
        if (nx) {
            active_refresh(mp, s);
            sender_rescan(mp, s);
        }
        cheap_remove(mp, t);
        t->next = NULL;
        t->sender = NULL;
        push_out(out, nout, t);
        if (!nx) {
            s->tail = NULL;
            sender_drop(mp, s);
        } else if (candidate(&b, nx)) {
            uint64_t tip = mp_effective_tip(nx, base_fee);
            picker_push(&p, (struct cand){ tip, nx->submit, nx, tip_bucket(tip) });
        }
    }
    blk->gas_used = gas_limit - gas_left;
    blk->blob_gas_used = blob_gas;
}

void mp_each(struct mempool *mp, void (*fn)(void *ctx, struct mp_tx *tx), void *ctx)
{
    for (size_t i = 0; i < mp->n; i++)
        fn(ctx, mp->cheap[i].tx);
}

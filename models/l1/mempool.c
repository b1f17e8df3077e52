/* mempool.c — see mempool.h.
 *
 * Senders live in a hash map by id (sim/idmap) and, while they have pending
 * transactions (always, in fact: an empty sender is dropped), in a dense `active`
 * array the builder scans.
 * Neither's order reaches results: every choice goes through a total order on
 * (effective tip, tie order) or (max fee, tie order). A binary min-heap over all pending
 * transactions by (max fee, -seq) finds the eviction victim in O(log n). */
#include "models/l1/mempool.h"

#include <stdlib.h>
#include <string.h>

#include "sim/fault.h"
#include "sim/idmap.h"

struct mp_sender {
    uint64_t      id;
    struct mp_tx *head, *tail;
    size_t        active_pos;
};

struct mempool {
    size_t max_txs, n;
    struct idmap senders;       /* id -> struct mp_sender * */
    struct mp_sender **active;
    size_t nactive, capactive;
    struct mp_tx **cheap;       /* eviction heap */
};

/* ---- senders ---- */

static struct mp_sender *sender_get(struct mempool *mp, uint64_t id)
{
    bool added;
    uint64_t *v = idmap_put(&mp->senders, id, &added);
    if (added) {
        struct mp_sender *s = xcalloc(1, sizeof *s);
        s->id = id;
        s->active_pos = SIZE_MAX;
        *v = (uintptr_t)s;
    }
    return (struct mp_sender *)(uintptr_t)*v;
}

/* Remove an empty sender from the map and the active array. O(1) expected. */
static void sender_drop(struct mempool *mp, struct mp_sender *s)
{
    bool was = idmap_del(&mp->senders, s->id);
    SIM_ASSERT(was);
    if (s->active_pos != SIZE_MAX) {
        struct mp_sender *last = mp->active[--mp->nactive];
        mp->active[s->active_pos] = last;
        last->active_pos = s->active_pos;
    }
    free(s);
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

static void cheap_set(struct mempool *mp, size_t i, struct mp_tx *t)
{
    mp->cheap[i] = t;
    t->cheap_pos = i;
}

static void cheap_up(struct mempool *mp, size_t i)
{
    struct mp_tx *t = mp->cheap[i];
    while (i > 0 && cheaper(t, mp->cheap[(i - 1) / 2])) {
        cheap_set(mp, i, mp->cheap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    cheap_set(mp, i, t);
}

static void cheap_down(struct mempool *mp, size_t i)
{
    struct mp_tx *t = mp->cheap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= mp->n)
            break;
        if (c + 1 < mp->n && cheaper(mp->cheap[c + 1], mp->cheap[c]))
            c++;
        if (!cheaper(mp->cheap[c], t))
            break;
        cheap_set(mp, i, mp->cheap[c]);
        i = c;
    }
    cheap_set(mp, i, t);
}

static void cheap_remove(struct mempool *mp, struct mp_tx *t)
{
    size_t i = t->cheap_pos;
    struct mp_tx *last = mp->cheap[--mp->n];
    if (last != t) {
        cheap_set(mp, i, last);
        cheap_up(mp, i);
        cheap_down(mp, last->cheap_pos);
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
        free(mp->cheap[i]);
    for (size_t i = 0; i < mp->nactive; i++)     /* every sender in the map is active */
        free(mp->active[i]);
    idmap_free(&mp->senders);
    free(mp->active);
    free(mp->cheap);
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
    } else {
        sender_drop(mp, s);
    }
}

bool mp_add(struct mempool *mp, struct mp_tx *tx, struct mp_tx ***evicted, size_t *nevicted)
{
    tx->tie = mp_tie(tx->origin, tx->submit);       /* before cheaper() compares it */
    if (mp->n >= mp->max_txs && !fault_fire("mempool.cap")) {   /* the fault: no eviction */
        struct mp_tx *victim = mp->cheap[0];
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
        }
        s->active_pos = mp->nactive;
        mp->active[mp->nactive++] = s;
    }
    cheap_set(mp, mp->n++, tx);
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
    cheap_up(mp, tx->cheap_pos);
    cheap_down(mp, tx->cheap_pos);
    return true;
}

void mp_expire(struct mempool *mp, sim_time now, struct mp_tx ***out, size_t *nout)
{
    /* collect first: removal reshuffles `active` */
    struct mp_tx **late = NULL;
    size_t nlate = 0;
    for (size_t i = 0; i < mp->nactive; i++)
        for (struct mp_tx *t = mp->active[i]->head; t; t = t->next)
            if (t->deadline < now) {
                push_out(&late, &nlate, t);
                break;              /* the rest of this sender's queue goes with it */
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

struct cand {
    uint64_t      tip;
    struct mp_tx *tx;
};

static bool better(const struct cand *a, const struct cand *b)
{
    return a->tip > b->tip || (a->tip == b->tip && tie_before(a->tx, b->tx));
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

void mp_build(struct mempool *mp, uint64_t base_fee, u128 blob_base_fee, uint64_t gas_limit,
              uint64_t blob_gas_limit, bool (*excluded)(void *ctx, const struct mp_tx *tx),
              void *ctx, struct mp_tx ***out, size_t *nout, struct mp_block *blk)
{
    struct build b = { base_fee, blob_base_fee, excluded, ctx };
    struct cand *heap = xmalloc((mp->nactive + 1) * sizeof *heap);
    size_t n = 0;
    for (size_t i = 0; i < mp->nactive; i++) {
        struct mp_tx *t = mp->active[i]->head;
        if (candidate(&b, t))
            heap[n++] = (struct cand){ mp_effective_tip(t, base_fee), t };
    }
    /* Floyd's heapify, O(n): a block takes a few hundred of thousands of candidates */
    for (size_t i = n / 2; i-- > 0;)
        cand_down(heap, n, i);
    uint64_t gas_left = gas_limit, blob_gas = 0;
    while (n > 0 && gas_left >= 21000) {
        struct mp_tx *t = cand_pop(heap, &n).tx;
        uint64_t bg = (uint64_t)t->blobs * (UINT64_C(1) << 17);
        if (t->gas > gas_left || blob_gas + bg > blob_gas_limit)
            continue;                /* too big for what is left: the sender waits */
        gas_left -= t->gas;
        blob_gas += bg;
        struct mp_sender *s = t->sender;
        struct mp_tx *nx = t->next;
        s->head = nx;
        cheap_remove(mp, t);
        t->next = NULL;
        t->sender = NULL;
        push_out(out, nout, t);
        if (!nx) {
            s->tail = NULL;
            sender_drop(mp, s);
        } else if (candidate(&b, nx)) {
            cand_push(heap, &n, (struct cand){ mp_effective_tip(nx, base_fee), nx });
        }
    }
    free(heap);
    blk->gas_used = gas_limit - gas_left;
    blk->blob_gas_used = blob_gas;
}

void mp_each(struct mempool *mp, void (*fn)(void *ctx, struct mp_tx *tx), void *ctx)
{
    for (size_t i = 0; i < mp->n; i++)
        fn(ctx, mp->cheap[i]);
}

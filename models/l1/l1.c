/* l1.c — the Layer 1 chain of one world (see l1.h).
 *
 * Each slot: draw the background transactions that arrived since the last slot, drop
 * the ones whose senders ran out of patience, build the block (highest effective tip
 * first, each sender's transactions in order, as go-ethereum's miner does), pay and
 * notify the included, then advance the base fee (EIP-1559) and the excess blob gas
 * (EIP-4844 / EIP-7918) with the exact integer rules of fee_market.c. */
#include "models/l1/l1.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/l1/fee_market.h"
#include "sim/rng.h"

enum { PURPOSE_MISSED = 1, PURPOSE_ARRIVALS = 1, PURPOSE_BLOBS = 2 };

/* A transaction waiting in the mempool. */
struct ptx {
    uint64_t  seq;              /* submission order: the builder's tie-break */
    uint64_t  gas;
    uint32_t  blobs;
    uint64_t  max_fee, max_prio, max_blob_fee;
    sim_time  deadline;         /* the sender leaves after this (background only) */
    struct l1_callbacks cb;     /* cb.included == NULL for background */
    struct ptx *next;           /* next in the sender's queue */
    struct sender *sender;      /* NULL for background (one transaction per sender) */
    struct ptx *fprev, *fnext;  /* in l1->awaiting_final while its finality event pends */
    struct l1_receipt receipt;
};

struct sender {
    uint64_t    id;
    struct ptx *head, *tail;
    size_t      active_pos;     /* index in l1->active, or SIZE_MAX */
};

struct spike { sim_time at, until; double multiplier; };

struct l1 {
    struct world *w;
    const struct fm_fork *fork;
    struct fm_eip1559_params eip1559;
    struct fm_blob_params blob;
    bool      eip7918, eip7623;
    sim_time  slot;
    uint64_t  gas_limit;
    uint64_t  finality_depth;
    double    missed_slot;

    /* background demand */
    double    rate_per_slot;
    double    gas_median, gas_sigma, fee_median, fee_sigma, tip_median, tip_sigma;
    sim_time  patience;
    struct spike *spikes;
    size_t    nspikes;
    double    blob_rate_per_slot;

    gsl_rng  *r_missed, *r_demand, *r_blobs;

    /* chain state: the next block's prices */
    uint64_t  height;
    uint64_t  base_fee;
    uint64_t  excess_blob_gas;
    u128      blob_base_fee;

    /* mempool */
    uint64_t  seq;
    struct ptx **bg;            /* background transactions, in arrival order */
    size_t    nbg, capbg;
    struct sender **active;     /* senders with queued transactions */
    size_t    nactive, capactive;
    struct sender **map;        /* open addressing on sender id */
    size_t    mapcap, mapn;

    struct ptx *awaiting_final; /* included, finality event scheduled */

    struct l1_totals totals;
    sqlite3_stmt *ins_block;
};

/* ---- parameters ---- */

const struct scn_param l1_params[] = {
    { "l1.fork", SCN_ENUM, "prague", NULL, NULL, "london|cancun|prague|osaka|bpo1|bpo2|custom", 0,
      "preset of protocol parameters (gas limit, blob schedule, EIP-7623/7918); values below override it" },
    { "l1.slot", SCN_DURATION, "12s", "1s", "1h", NULL, 0,
      "time between slots (Ethereum: 12 s)" },
    { "l1.gas_limit", SCN_GAS, NULL, "21000", "1000000000", NULL, SCN_OPTIONAL,
      "block gas limit; default: the fork preset's (prague: 36M, osaka: 60M)" },
    { "l1.elasticity", SCN_UINT, NULL, "1", "1000", NULL, SCN_OPTIONAL,
      "EIP-1559 elasticity multiplier, target = gas_limit / elasticity (Ethereum 2, OP Stack 6)" },
    { "l1.base_fee.max_change_denominator", SCN_UINT, NULL, "1", "100000", NULL, SCN_OPTIONAL,
      "EIP-1559 base fee max change denominator (Ethereum 8, OP Stack 250)" },
    { "l1.base_fee.initial", SCN_AMOUNT, "10gwei", "0wei", "100000eth", NULL, 0,
      "base fee per gas of the first block" },
    { "l1.finality_depth", SCN_UINT, "64", "1", "100000", NULL, 0,
      "slots after inclusion until a block is final (2 epochs of 32 slots)" },
    { "l1.missed_slot", SCN_FRACTION, "1%", "0", "0.9", NULL, 0,
      "probability that a slot's proposer produces no block" },
    { "l1.blobs.target", SCN_UINT, NULL, "0", "1000", NULL, SCN_OPTIONAL,
      "target blobs per block; default: the fork preset's (prague: 6)" },
    { "l1.blobs.max", SCN_UINT, NULL, "0", "1000", NULL, SCN_OPTIONAL,
      "maximum blobs per block; default: the fork preset's (prague: 9)" },
    { "l1.blobs.update_fraction", SCN_UINT, NULL, "1", "1000000000", NULL, SCN_OPTIONAL,
      "blob base fee update fraction; default: the fork preset's (prague: 5007716)" },
    { "l1.blobs.initial_excess", SCN_UINT, "0", NULL, NULL, NULL, 0,
      "excess blob gas of the first block" },
    { "l1.blobs.demand", SCN_RATE, "4/block", NULL, NULL, NULL, 0,
      "background blobs (other rollups) offered per block, Poisson" },
    { "l1.demand.rate", SCN_RATE, "300/block", NULL, NULL, NULL, 0,
      "background transactions arriving per slot (or per unit of time), Poisson" },
    { "l1.demand.gas.median", SCN_GAS, "60000", "21000", "30M", NULL, 0,
      "median gas of a background transaction (lognormal)" },
    { "l1.demand.gas.sigma", SCN_REAL, "0.8", "0", "5", NULL, 0,
      "log-scale spread of background transaction gas" },
    { "l1.demand.max_fee.median", SCN_AMOUNT, "20gwei", "0wei", "100000gwei", NULL, 0,
      "median max fee per gas background users will pay (lognormal)" },
    { "l1.demand.max_fee.sigma", SCN_REAL, "1", "0", "5", NULL, 0,
      "log-scale spread of background willingness to pay" },
    { "l1.demand.tip.median", SCN_AMOUNT, "0.5gwei", "0wei", "100000gwei", NULL, 0,
      "median max priority fee per gas of background transactions (lognormal)" },
    { "l1.demand.tip.sigma", SCN_REAL, "1", "0", "5", NULL, 0,
      "log-scale spread of background tips" },
    { "l1.demand.patience", SCN_DURATION, "10m", "0s", "30d", NULL, 0,
      "mean time a background user waits for inclusion before leaving (exponential)" },
    { "l1.demand.spikes", SCN_LIST, NULL, NULL, NULL, NULL, 0,
      "windows of extra demand: [{at: 6h, for: 1h, multiplier: 3}]" },
    { "l1.demand.spikes[].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "start of the spike" },
    { "l1.demand.spikes[].for", SCN_DURATION, NULL, "1us", NULL, NULL, SCN_REQUIRED,
      "length of the spike" },
    { "l1.demand.spikes[].multiplier", SCN_REAL, NULL, "0", "1000", NULL, SCN_REQUIRED,
      "demand rate multiplier during the spike" },
};
const size_t l1_params_count = ARRAY_LEN(l1_params);

/* ---- sender map (open addressing, linear probing; never iterated) ---- */

static size_t hash64(uint64_t x)
{
    x ^= x >> 33, x *= 0xff51afd7ed558ccdull, x ^= x >> 33;
    return (size_t)x;
}

static struct sender *sender_get(struct l1 *l1, uint64_t id)
{
    if (2 * (l1->mapn + 1) > l1->mapcap) {
        size_t cap = l1->mapcap ? 2 * l1->mapcap : 1024;
        struct sender **m = xcalloc(cap, sizeof *m);
        for (size_t i = 0; i < l1->mapcap; i++)
            if (l1->map[i]) {
                size_t j = hash64(l1->map[i]->id) & (cap - 1);
                while (m[j])
                    j = (j + 1) & (cap - 1);
                m[j] = l1->map[i];
            }
        free(l1->map);
        l1->map = m;
        l1->mapcap = cap;
    }
    size_t j = hash64(id) & (l1->mapcap - 1);
    while (l1->map[j]) {
        if (l1->map[j]->id == id)
            return l1->map[j];
        j = (j + 1) & (l1->mapcap - 1);
    }
    struct sender *s = xcalloc(1, sizeof *s);
    s->id = id;
    s->active_pos = SIZE_MAX;
    l1->map[j] = s;
    l1->mapn++;
    return s;
}

static void active_add(struct l1 *l1, struct sender *s)
{
    if (l1->nactive == l1->capactive) {
        l1->capactive = l1->capactive ? 2 * l1->capactive : 256;
        l1->active = xrealloc(l1->active, l1->capactive * sizeof *l1->active);
    }
    s->active_pos = l1->nactive;
    l1->active[l1->nactive++] = s;
}

/* O(1) swap-remove. Order of `active` never reaches results: the builder's heap
 * orders candidates by (tip, seq), a total order. */
static void active_remove(struct l1 *l1, struct sender *s)
{
    struct sender *last = l1->active[--l1->nactive];
    l1->active[s->active_pos] = last;
    last->active_pos = s->active_pos;
    s->active_pos = SIZE_MAX;
}

/* ---- submission ---- */

static uint64_t blob_fee_default(const struct l1 *l1)
{
    u128 f = l1->blob_base_fee * 2;
    return f > UINT64_MAX ? UINT64_MAX : (uint64_t)f;
}

void l1_submit(struct l1 *l1, const struct l1_tx *tx, const struct l1_fee_policy *fee,
               const struct l1_callbacks *cb)
{
    struct ptx *p = xcalloc(1, sizeof *p);
    p->seq = ++l1->seq;
    p->gas = tx->gas;
    p->blobs = tx->blobs;
    p->max_prio = fee->tip;
    if (fee->kind == L1_FEE_FIXED) {
        p->max_fee = fee->max_fee;
    } else {
        u128 m = (u128)l1->base_fee * fee->mult_pct / 100 + fee->tip;
        if (fee->cap && m > fee->cap)
            m = fee->cap;
        p->max_fee = m > UINT64_MAX ? UINT64_MAX : (uint64_t)m;
    }
    if (p->max_prio > p->max_fee)
        p->max_prio = p->max_fee;
    p->max_blob_fee = fee->max_fee_per_blob_gas ? fee->max_fee_per_blob_gas
                                                : blob_fee_default(l1);
    p->deadline = INT64_MAX;
    p->cb = *cb;
    if (tx->gas > l1->gas_limit || tx->blobs > l1->blob.max) {
        if (cb->dropped)
            cb->dropped(cb->ctx, "transaction exceeds the block's gas or blob limit");
        free(p);
        l1->totals.dropped++;
        return;
    }
    struct sender *s = sender_get(l1, tx->sender);
    p->sender = s;
    if (s->tail)
        s->tail->next = p;
    else
        s->head = p;
    s->tail = p;
    if (s->active_pos == SIZE_MAX)
        active_add(l1, s);
}

/* ---- background demand ---- */

static double demand_multiplier(const struct l1 *l1, sim_time t)
{
    double m = 1.0;
    for (size_t i = 0; i < l1->nspikes; i++)
        if (t >= l1->spikes[i].at && t < l1->spikes[i].until)
            m *= l1->spikes[i].multiplier;
    return m;
}

static uint64_t draw_lognormal_int(gsl_rng *r, double median, double sigma, double lo, double hi)
{
    double v = median * exp(sigma * gsl_ran_ugaussian(r));
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return (uint64_t)llround(v);
}

static void background_arrivals(struct l1 *l1, sim_time now)
{
    double mean = l1->rate_per_slot * demand_multiplier(l1, now);
    unsigned n = mean > 0 ? gsl_ran_poisson(l1->r_demand, mean) : 0;
    for (unsigned i = 0; i < n; i++) {
        struct ptx *p = xcalloc(1, sizeof *p);
        p->seq = ++l1->seq;
        p->gas = draw_lognormal_int(l1->r_demand, l1->gas_median, l1->gas_sigma, 21000,
                                    (double)l1->gas_limit / 2);
        p->max_fee = draw_lognormal_int(l1->r_demand, l1->fee_median, l1->fee_sigma, 1, 1e15);
        p->max_prio = draw_lognormal_int(l1->r_demand, l1->tip_median, l1->tip_sigma, 0, 1e15);
        if (p->max_prio > p->max_fee)
            p->max_prio = p->max_fee;
        double pat = l1->patience > 0 ? gsl_ran_exponential(l1->r_demand, (double)l1->patience) : 0;
        p->deadline = now + (sim_time)pat;
        if (l1->nbg == l1->capbg) {
            l1->capbg = l1->capbg ? 2 * l1->capbg : 1024;
            l1->bg = xrealloc(l1->bg, l1->capbg * sizeof *l1->bg);
        }
        l1->bg[l1->nbg++] = p;
    }
}

/* ---- block building ---- */

struct cand { uint64_t tip; uint64_t seq; struct ptx *p; };

/* Max-heap on tip, then min on seq. */
static bool cand_better(const struct cand *a, const struct cand *b)
{
    return a->tip > b->tip || (a->tip == b->tip && a->seq < b->seq);
}

static void heap_push(struct cand *h, size_t *n, struct cand c)
{
    size_t i = (*n)++;
    while (i > 0 && cand_better(&c, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = c;
}

static struct cand heap_pop(struct cand *h, size_t *n)
{
    struct cand top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && cand_better(&h[c + 1], &h[c]))
            c++;
        if (!cand_better(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

static bool eligible(const struct l1 *l1, const struct ptx *p)
{
    return p->max_fee >= l1->base_fee && (p->blobs == 0 || p->max_blob_fee >= l1->blob_base_fee);
}

static struct cand cand_of(const struct l1 *l1, struct ptx *p)
{
    uint64_t room = p->max_fee - l1->base_fee;
    return (struct cand){ p->max_prio < room ? p->max_prio : room, p->seq, p };
}

static void pay(struct l1 *l1, struct ptx *p, sim_time now)
{
    struct fm_fee_split split;
    if (!fm_fee_split(l1->base_fee, p->max_fee, p->max_prio, p->gas, p->blobs,
                      l1->blob_base_fee, &split))
        sim_panic("included a transaction that cannot pay the base fee");
    struct l1_receipt *r = &p->receipt;
    r->height = l1->height;
    r->time = now;
    r->gas_used = p->gas;
    r->base_fee_per_gas = l1->base_fee;
    r->priority_fee_per_gas = split.effective_priority_fee_per_gas;
    r->base_fee_burned = split.base_fee_burned;
    r->priority_fee = split.priority_fee;
    r->blob_fee_burned = split.blob_fee_burned;
    r->total = split.total;
    l1->totals.txs++;
    l1->totals.paid += split.total;
    l1->totals.base_fee_burned += split.base_fee_burned;
    l1->totals.priority_fee += split.priority_fee;
    l1->totals.blob_fee_burned += split.blob_fee_burned;
}

static void on_final(struct sim *sim, void *ctx, const void *payload)
{
    struct l1 *l1 = ctx;
    struct ptx *p;
    memcpy(&p, payload, sizeof p);
    if (p->fprev)
        p->fprev->fnext = p->fnext;
    else
        l1->awaiting_final = p->fnext;
    if (p->fnext)
        p->fnext->fprev = p->fprev;
    p->cb.final(p->cb.ctx, &p->receipt);
    free(p);
}

static void on_slot(struct sim *sim, void *ctx, const void *payload);

static void record_block(struct l1 *l1, sim_time now, uint64_t gas_used, uint64_t blob_gas,
                         uint64_t ntx, bool missed, u128 burned, u128 tips)
{
    sqlite3_stmt *s = l1->ins_block;
    sqlite3_bind_int64(s, 1, l1->w->run_id);
    sqlite3_bind_text(s, 2, l1->w->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)l1->height);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)l1->gas_limit);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)gas_used);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)l1->base_fee);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)blob_gas);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)l1->excess_blob_gas);
    store_bind_u128(s, 10, l1->blob_base_fee);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)ntx);
    sqlite3_bind_int(s, 12, missed);
    store_bind_u128(s, 13, burned);
    store_bind_u128(s, 14, tips);
    store_step(l1->w->store, s);
}

/* Produce the block of this slot (or record a missed slot). O(M log M) in the
 * number M of pending transactions. */
static void build_block(struct l1 *l1, sim_time now)
{
    l1->height++;
    l1->totals.blocks++;
    background_arrivals(l1, now);

    /* the impatient leave; the rest are candidates if they can pay the base fee */
    size_t k = 0;
    for (size_t i = 0; i < l1->nbg; i++) {
        if (l1->bg[i]->deadline < now) {
            free(l1->bg[i]);
            l1->totals.dropped++;
        } else {
            l1->bg[k++] = l1->bg[i];
        }
    }
    l1->nbg = k;

    if (l1->missed_slot > 0 && gsl_rng_uniform(l1->r_missed) < l1->missed_slot) {
        l1->totals.missed++;
        record_block(l1, now, 0, 0, 0, true, 0, 0);
        return;   /* no block: prices carry over to the next slot */
    }

    size_t ncand = 0;
    struct cand *heap = xmalloc((l1->nbg + l1->nactive + 1) * sizeof *heap);
    for (size_t i = 0; i < l1->nbg; i++)
        if (eligible(l1, l1->bg[i]))
            heap_push(heap, &ncand, cand_of(l1, l1->bg[i]));
    for (size_t i = 0; i < l1->nactive; i++)
        if (eligible(l1, l1->active[i]->head))
            heap_push(heap, &ncand, cand_of(l1, l1->active[i]->head));

    uint64_t gas_left = l1->gas_limit;
    uint64_t blob_gas_max = fm_max_blob_gas_per_block(&l1->blob), blob_gas = 0;
    uint64_t ntx = 0;
    u128 burned = 0, tips = 0;
    struct ptx **included = NULL;
    size_t ninc = 0, capinc = 0;
    while (ncand > 0 && gas_left >= 21000) {
        struct cand c = heap_pop(heap, &ncand);
        struct ptx *p = c.p;
        uint64_t bg = (uint64_t)p->blobs * FM_GAS_PER_BLOB;
        if (p->gas > gas_left || blob_gas + bg > blob_gas_max)
            continue;     /* does not fit: this sender waits for the next block */
        gas_left -= p->gas;
        blob_gas += bg;
        pay(l1, p, now);
        burned += p->receipt.base_fee_burned + p->receipt.blob_fee_burned;
        tips += p->receipt.priority_fee;
        ntx++;
        p->deadline = -1;            /* mark included (background compaction below) */
        if (p->sender) {
            struct sender *s = p->sender;
            s->head = p->next;
            if (!s->head) {
                s->tail = NULL;
                active_remove(l1, s);
            } else if (eligible(l1, s->head)) {
                heap_push(heap, &ncand, cand_of(l1, s->head));
            }
            if (ninc == capinc) {
                capinc = capinc ? 2 * capinc : 64;
                included = xrealloc(included, capinc * sizeof *included);
            }
            included[ninc++] = p;
        }
    }
    free(heap);
    k = 0;
    for (size_t i = 0; i < l1->nbg; i++) {
        if (l1->bg[i]->deadline == -1)
            free(l1->bg[i]);
        else
            l1->bg[k++] = l1->bg[i];
    }
    l1->nbg = k;

    /* background blobs fill what the block's blob space has left */
    if (l1->blob_rate_per_slot > 0 && blob_gas < blob_gas_max) {
        uint64_t want = gsl_ran_poisson(l1->r_blobs, l1->blob_rate_per_slot);
        uint64_t room = (blob_gas_max - blob_gas) / FM_GAS_PER_BLOB;
        uint64_t got = want < room ? want : room;
        blob_gas += got * FM_GAS_PER_BLOB;
        u128 fee = (u128)got * FM_GAS_PER_BLOB * l1->blob_base_fee;
        burned += fee;
        l1->totals.blob_fee_burned += fee;
        l1->totals.paid += fee;
    }

    uint64_t gas_used = l1->gas_limit - gas_left;
    record_block(l1, now, gas_used, blob_gas, ntx, false, burned, tips);

    /* tell the senders, in inclusion order; finality after finality_depth slots */
    for (size_t i = 0; i < ninc; i++) {
        struct ptx *p = included[i];
        if (p->cb.included)
            p->cb.included(p->cb.ctx, &p->receipt);
        if (p->cb.final) {
            p->fnext = l1->awaiting_final;
            if (p->fnext)
                p->fnext->fprev = p;
            l1->awaiting_final = p;
            sim_after(l1->w->sim, (sim_time)l1->finality_depth * l1->slot, on_final, l1,
                      &p, sizeof p);
        } else
            free(p);
    }
    free(included);

    /* the next block's prices */
    uint64_t parent_base_fee = l1->base_fee;
    l1->base_fee = fm_next_base_fee(&l1->eip1559, l1->gas_limit, gas_used, parent_base_fee);
    if (l1->blob.max > 0) {
        l1->excess_blob_gas = fm_fork_excess_blob_gas(l1->fork, l1->excess_blob_gas,
                                                      blob_gas, parent_base_fee);
        l1->blob_base_fee = fm_base_fee_per_blob_gas(l1->excess_blob_gas,
                                                     l1->blob.base_fee_update_fraction);
    }
}

static void on_slot(struct sim *sim, void *ctx, const void *payload)
{
    struct l1 *l1 = ctx;
    build_block(l1, sim_now(sim));
    sim_after(sim, l1->slot, on_slot, l1, NULL, 0);
}

/* ---- life cycle ---- */

static double per_slot(struct unit_rate r, sim_time slot)
{
    return r.per_block ? r.count : r.count * (double)slot / (double)r.per;
}

int l1_new(struct world *w, struct l1 **out, struct err *e)
{
    const struct scn *s = w->scn;
    struct l1 *l1 = xcalloc(1, sizeof *l1);
    l1->w = w;
    const char *fork = scn_str(s, "l1.fork");
    l1->fork = fm_fork_by_name(strcmp(fork, "custom") == 0 ? "prague" : fork);
    SIM_ASSERT(l1->fork);
    l1->eip1559 = l1->fork->eip1559;
    l1->blob = l1->fork->blob;
    l1->eip7918 = l1->fork->eip7918;
    l1->eip7623 = l1->fork->eip7623;
    l1->gas_limit = l1->fork->gas_limit;
    if (scn_has(s, "l1.gas_limit"))
        l1->gas_limit = (uint64_t)scn_int(s, "l1.gas_limit");
    if (scn_has(s, "l1.elasticity"))
        l1->eip1559.elasticity_multiplier = scn_uint(s, "l1.elasticity");
    if (scn_has(s, "l1.base_fee.max_change_denominator"))
        l1->eip1559.base_fee_max_change_denominator = scn_uint(s, "l1.base_fee.max_change_denominator");
    if (scn_has(s, "l1.blobs.target"))
        l1->blob.target = (uint32_t)scn_uint(s, "l1.blobs.target");
    if (scn_has(s, "l1.blobs.max"))
        l1->blob.max = (uint32_t)scn_uint(s, "l1.blobs.max");
    if (scn_has(s, "l1.blobs.update_fraction"))
        l1->blob.base_fee_update_fraction = scn_uint(s, "l1.blobs.update_fraction");
    if (l1->blob.max < l1->blob.target) {
        scn_error_at(s, e, scn_has(s, "l1.blobs.max") ? "l1.blobs.max" : "l1.blobs.target",
                     "blob max (%u) is below the target (%u)", l1->blob.max, l1->blob.target);
        goto fail;
    }
    if (l1->blob.max > 0 && l1->blob.base_fee_update_fraction == 0) {
        scn_error_at(s, e, "l1.blobs.update_fraction", "a fork with blobs needs an update fraction");
        goto fail;
    }
    if (l1->gas_limit / l1->eip1559.elasticity_multiplier == 0) {
        scn_error_at(s, e, "l1.elasticity", "gas target (gas_limit / elasticity) is zero");
        goto fail;
    }
    l1->slot = scn_int(s, "l1.slot");
    l1->finality_depth = scn_uint(s, "l1.finality_depth");
    l1->missed_slot = scn_real(s, "l1.missed_slot");
    u128 bf = scn_amount(s, "l1.base_fee.initial");
    if (bf > UINT64_MAX) {
        scn_error_at(s, e, "l1.base_fee.initial", "above 2^64-1 wei per gas");
        goto fail;
    }
    l1->base_fee = (uint64_t)bf;
    l1->excess_blob_gas = scn_uint(s, "l1.blobs.initial_excess");
    l1->blob_base_fee = l1->blob.max > 0
        ? fm_base_fee_per_blob_gas(l1->excess_blob_gas, l1->blob.base_fee_update_fraction) : 1;

    l1->rate_per_slot = per_slot(scn_rate(s, "l1.demand.rate"), l1->slot);
    l1->blob_rate_per_slot = per_slot(scn_rate(s, "l1.blobs.demand"), l1->slot);
    l1->gas_median = (double)scn_int(s, "l1.demand.gas.median");
    l1->gas_sigma = scn_real(s, "l1.demand.gas.sigma");
    l1->fee_median = (double)scn_amount(s, "l1.demand.max_fee.median");
    l1->fee_sigma = scn_real(s, "l1.demand.max_fee.sigma");
    l1->tip_median = (double)scn_amount(s, "l1.demand.tip.median");
    l1->tip_sigma = scn_real(s, "l1.demand.tip.sigma");
    l1->patience = scn_int(s, "l1.demand.patience");
    l1->nspikes = scn_count(s, "l1.demand.spikes");
    l1->spikes = xcalloc(l1->nspikes ? l1->nspikes : 1, sizeof *l1->spikes);
    for (size_t i = 0; i < l1->nspikes; i++) {
        l1->spikes[i].at = scn_int(s, "l1.demand.spikes[%zu].at", i);
        l1->spikes[i].until = l1->spikes[i].at + scn_int(s, "l1.demand.spikes[%zu].for", i);
        l1->spikes[i].multiplier = scn_real(s, "l1.demand.spikes[%zu].multiplier", i);
    }

    /* streams: identical in every world, so every scheme sees the same L1 demand */
    l1->r_missed = rng_stream(w->seed, RNG_L1, 0, PURPOSE_MISSED);
    l1->r_demand = rng_stream(w->seed, RNG_L1_DEMAND, 0, PURPOSE_ARRIVALS);
    l1->r_blobs = rng_stream(w->seed, RNG_L1_DEMAND, 0, PURPOSE_BLOBS);

    l1->ins_block = store_prepare(w->store,
        "INSERT INTO l1_blocks(run_id, world, height, time_us, gas_limit, gas_used,"
        " base_fee_per_gas, blob_gas_used, excess_blob_gas, blob_base_fee, tx_count, missed,"
        " burned_wei, tips_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sim_at(w->sim, l1->slot, on_slot, l1, NULL, 0);
    *out = l1;
    return 0;
fail:
    l1_free(l1);
    *out = NULL;
    return L2_EINPUT;
}

static void free_queue(struct ptx *p)
{
    while (p) {
        struct ptx *n = p->next;
        free(p);
        p = n;
    }
}

static void free_queue_final(struct ptx *p)
{
    while (p) {
        struct ptx *n = p->fnext;
        free(p);
        p = n;
    }
}

void l1_free(struct l1 *l1)
{
    if (!l1)
        return;
    for (size_t i = 0; i < l1->nbg; i++)
        free(l1->bg[i]);
    free(l1->bg);
    for (size_t i = 0; i < l1->mapcap; i++)
        if (l1->map[i]) {
            free_queue(l1->map[i]->head);
            free(l1->map[i]);
        }
    free(l1->map);
    free(l1->active);
    free_queue_final(l1->awaiting_final);
    free(l1->spikes);
    if (l1->r_missed)
        gsl_rng_free(l1->r_missed);
    if (l1->r_demand)
        gsl_rng_free(l1->r_demand);
    if (l1->r_blobs)
        gsl_rng_free(l1->r_blobs);
    free(l1);
}

uint64_t l1_base_fee(const struct l1 *l1) { return l1->base_fee; }
u128     l1_blob_base_fee(const struct l1 *l1) { return l1->blob_base_fee; }
sim_time l1_slot(const struct l1 *l1) { return l1->slot; }
bool     l1_eip7623(const struct l1 *l1) { return l1->eip7623; }
void     l1_totals(const struct l1 *l1, struct l1_totals *out) { *out = l1->totals; }

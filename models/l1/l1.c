/* l1.c — the Layer 1 chain of one world (see l1.h).
 *
 * Each slot: the background transactions that arrived since the last slot join the
 * pool (models/l1/mempool.c), the impatient leave, waiting senders bump their fees,
 * then the proposer builds the block (or misses the slot), the included pay exactly
 * what EIP-1559 and EIP-4844 say and hear back, and the base fee and excess blob gas
 * advance by the integer rules of fee_market.c. With a trace, each block's usage
 * comes from the trace instead of generated demand (trace.h): the schemes' transactions
 * take room inside it (price-takers: every price is the trace's) or, with trace_mode
 * additive, are added on top of it (prices respond to them). */
#include "models/l1/l1.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/l1/fee_market.h"
#include "models/l1/demand.h"
#include "models/l1/mempool.h"
#include "models/l1/trace.h"
#include "models/workload/arrivals.h"
#include "sim/fault.h"
#include "sim/idmap.h"
#include "sim/money.h"
#include "sim/rng.h"

enum { PURPOSE_MISSED = 1, PURPOSE_ARRIVALS = 1, PURPOSE_BLOBS = 2, PURPOSE_REGIMES = 3 };
#define FEE_HISTORY 20            /* blocks of tips kept for percentile bidding */
#define MAX_HOOKS   8

/* What the L1 keeps of a scheme's or adversary's transaction while it is in flight:
 * its handle and what its l1_txs row will say. */
struct l1_sent {
    l1_tx_id id;
    const char *kind;
    enum l1_payer payer;          /* resolved: never AUTO */
    uint64_t calldata_bytes, exec_gas;
    sim_time submit, dropped_at;
    uint32_t replacements;
    enum l1_drop_reason reason;
    bool     cancelled;
};

/* A handle's fate, kept for the whole run: 16 bytes a transaction. */
struct fate {
    uint64_t height;              /* including block; 0 while not included */
    uint8_t  state;               /* enum l1_fate_state */
    uint8_t  reason;              /* enum l1_drop_reason */
    bool     cancelled;
};

struct block_hook {
    void (*fn)(void *ctx, const struct l1_block_info *b);
    void  *ctx;
};

struct owned_timer;

struct contract_timer {           /* an l1_at timer; also its event's payload */
    void (*fn)(void *ctx);
    void  *ctx;
    struct owned_timer *own;      /* l1_at_owned: frees ctx after fn (NULL: borrowed) */
};

/* An l1_at_owned timer: the scheduler owns it (and so obj) while its event is queued,
 * the L1 while it waits in `waiting` for its slot's block. */
struct owned_timer {
    void (*fn)(void *obj);
    void  *obj;
    void (*free_fn)(void *obj);
};


struct tips {                     /* one block's included effective tips */
    uint64_t *v;
    size_t    n, cap;
    bool      sorted;             /* v ascending: sorted when a percentile is first asked
                                   * of it (most runs never ask) */
};

static bool background_account(uint64_t id) { return id >> 56 == L1_ACCT_BACKGROUND; }

struct l1 {
    struct world *w;
    const struct fm_fork *fork;
    struct fm_eip1559_params eip1559;
    struct fm_blob_params blob;
    bool      eip7623;
    sim_time  slot;
    uint64_t  gas_limit;
    uint64_t  finality_depth;
    double    missed_slot;
    struct l1_trace *trace;       /* NULL: generated demand */
    bool      additive;           /* trace_mode additive: schemes' usage on top of the
                                   * trace's; else price-takers inside it */

    /* background demand */
    struct arrivals *demand;      /* transactions per slot: rate, pattern, spikes, regimes */
    double    gas_median, gas_sigma, fee_median, fee_sigma, tip_median, tip_sigma;
    sim_time  patience;
    double    blob_rate_per_slot;
    uint64_t  next_bg_sender;

    gsl_rng  *r_missed, *r_demand, *r_blobs;
    struct demand *ahead;         /* the background's draws, on their thread (no trace) */

    /* the next block's prices */
    uint64_t  height;
    uint64_t  base_fee;
    uint64_t  excess_blob_gas;
    u128      blob_base_fee;

    uint64_t  seq;
    struct mempool *pool;
    /* out of the pool with an event of theirs pending: included awaiting finality, or
     * dropped awaiting the delivery of the drop */
    struct mp_tx   *out_of_pool;
    struct mp_tx   *spare;        /* released transactions for reuse, linked by fnext: a
                                   * day of full blocks allocates millions otherwise */
    struct tips     history[FEE_HISTORY];
    struct l1_builder_hook hooks[MAX_HOOKS];
    size_t    nhooks;
    size_t    nexcluders;         /* hooks with an `excluded`: the builder asks only then */
    uint64_t  bumpers;            /* transactions ever submitted with bump_after > 0 */
    uint64_t  next_gas_limit;     /* of the block being built, or the next one */

    struct l1_totals totals;
    size_t    max_txs;            /* the pool's capacity */
    u128     *paid_scheme;        /* what each scheme's transactions paid (by index) */
    u128     *paid_adversary;     /* and each adversary's */
    u128    (*paid_scheme_by)[L1_NPAYERS];     /* the same split by payer */
    u128    (*paid_adversary_by)[L1_NPAYERS];
    size_t    nschemes, nadversaries;
    /* the next nonce on chain of each sender that sends more than once (users,
     * schemes, adversaries), for the check that a sender's transactions are included
     * in nonce order, each once; background senders are fresh accounts, one
     * transaction each, whose nonce is always 0: not stored */
    struct idmap accounts;
    struct store_rows *block_rows; /* l1_blocks */

    /* handles (l1_submit) */
    bool      eip7825;
    struct fate *fates;           /* by id - 1 */
    size_t    nfates, capfates;
    struct idmap live;            /* id -> struct mp_tx * while it is in the pool */
    const char **scheme_names, **adversary_names;   /* borrowed from the scenario */
    struct store_rows *tx_rows;   /* l1_txs */
    bool      finished;           /* l1_finish ran: l1_txs holds every row */
    unsigned  in_call;            /* inside l1_submit (replace and cancel drop nothing) */
    /* callback contexts the L1 owns (l1_submit_owned) */
    struct idmap owned;           /* ctx pointer -> handle of the transaction owning it */
    struct mp_tx *last;           /* the transaction whose last callback is running */
    bool      last_taken;         /* ... and its ctx was taken back or handed on */

    /* block time for contracts */
    sim_time  head_time;          /* slot time of the latest slot (built or missed) */
    struct block_hook *block_hooks;
    size_t    nblock_hooks;
    struct contract_timer *waiting;   /* l1_at timers for the slot now being processed */
    size_t    nwaiting, capwaiting;
};

/* ---- parameters ---- */

const struct scn_param l1_params[] = {
    { "l1.fork", SCN_ENUM, "bpo2", NULL, NULL, "london|cancun|prague|osaka|bpo1|bpo2|custom", 0,
      "protocol preset; bpo2 = mainnet today (Osaka rules, 60M gas, 14/21 blobs); custom = bpo2 "
      "to override; the values below override any preset" },
    { "l1.slot", SCN_DURATION, "12s", "1s", "1h", NULL, 0,
      "time between slots (Ethereum: 12 s)" },
    { "l1.gas_limit", SCN_GAS, NULL, "21000", "1000000000", NULL, SCN_OPTIONAL,
      "block gas limit; default: the fork preset's (prague: 36M, osaka and later: 60M)" },
    { "l1.elasticity", SCN_UINT, NULL, "1", "1000", NULL, SCN_OPTIONAL,
      "EIP-1559 elasticity multiplier, target = gas_limit / elasticity (Ethereum 2, OP Stack 6)" },
    { "l1.base_fee.max_change_denominator", SCN_UINT, NULL, "1", "100000", NULL, SCN_OPTIONAL,
      "EIP-1559 base fee max change denominator (Ethereum 8, OP Stack 250)" },
    { "l1.base_fee.initial", SCN_AMOUNT, "10gwei", "0wei", "100000eth", NULL, 0,
      "base fee per gas of the first block" },
    { "l1.finality_depth", SCN_UINT, "64", "1", "100000", NULL, 0,
      "slots after inclusion until a block is final (2 epochs of 32 slots)" },
    { "l1.missed_slot", SCN_FRACTION, "1%", "0", "0.9", NULL, 0,
      "probability that a slot's proposer produces no block (ignored with a trace)" },
    { "l1.mempool.max_txs", SCN_UINT, "6144", "1", "10000000", NULL, 0,
      "pool capacity; when full the cheapest is evicted (go-ethereum: 5120 pending + 1024 queued)" },
    { "l1.blobs.target", SCN_UINT, NULL, "0", "1000", NULL, SCN_OPTIONAL,
      "target blobs per block; default: the fork preset's (prague: 6, bpo2: 14)" },
    { "l1.blobs.max", SCN_UINT, NULL, "0", "1000", NULL, SCN_OPTIONAL,
      "maximum blobs per block; default: the fork preset's (prague: 9, bpo2: 21)" },
    { "l1.blobs.update_fraction", SCN_UINT, NULL, "1", "1000000000", NULL, SCN_OPTIONAL,
      "blob base fee update fraction; default: the fork preset's (prague: 5007716, bpo2: 11684671)" },
    { "l1.blobs.initial_excess", SCN_UINT, "0", NULL, NULL, NULL, 0,
      "excess blob gas of the first block" },
    { "l1.blobs.demand", SCN_RATE, "4/block", NULL, NULL, NULL, 0,
      "background blobs (other rollups) offered per block, Poisson" },
    { "l1.demand.trace", SCN_PATH, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "CSV of real blocks (gas_limit, gas_used, blob_gas_used) replayed instead of generated demand" },
    { "l1.demand.trace_mode", SCN_ENUM, "price_taker", NULL, NULL, "price_taker|additive", 0,
      "with a trace: price_taker = schemes' transactions take room inside each block's recorded "
      "gas and blob usage, so every price is the trace's; additive = their usage is added on top "
      "and prices respond" },
    ARRIVALS_PARAMS("l1.demand", "400/block",
                    "background transactions arriving per slot (or per unit of time), Poisson"),
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
};
const size_t l1_params_count = ARRAY_LEN(l1_params);

/* ---- fees ---- */

static uint64_t sat64(u128 v) { return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v; }

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* eth_feeHistory-style suggestion: mean over the recent blocks that had
 * transactions of their pct-th percentile tip (nearest rank). Sorts a block's tips
 * the first time it is asked: O(FEE_HISTORY), plus O(m log m) per block not yet sorted. */
static uint64_t tip_percentile(struct l1 *l1, uint32_t pct)
{
    u128 sum = 0;
    uint64_t blocks = 0;
    for (size_t i = 0; i < FEE_HISTORY; i++) {
        struct tips *t = &l1->history[i];
        if (t->n == 0)
            continue;
        if (!t->sorted) {
            qsort(t->v, t->n, sizeof *t->v, cmp_u64);
            t->sorted = true;
        }
        size_t rank = ((size_t)pct * t->n + 99) / 100;
        sum += t->v[rank ? rank - 1 : 0];
        blocks++;
    }
    return blocks ? (uint64_t)(sum / blocks) : 0;
}

static void apply_policy(struct l1 *l1, const struct l1_fee_policy *fp, struct mp_tx *p)
{
    uint64_t tip = fp->kind == L1_FEE_PERCENTILE ? tip_percentile(l1, fp->percentile) : fp->tip;
    if (fp->kind == L1_FEE_FIXED) {
        p->max_fee = fp->max_fee;
    } else {
        u128 m = (u128)l1->base_fee * fp->mult_pct / 100 + tip;
        if (fp->cap && m > fp->cap)
            m = fp->cap;
        p->max_fee = sat64(m);
    }
    p->max_prio = tip < p->max_fee ? tip : p->max_fee;
    p->max_blob_fee = fp->max_fee_per_blob_gas ? fp->max_fee_per_blob_gas
                                               : sat64(l1->blob_base_fee * 2);
}

/* v raised by pct percent, rounded up and by at least 1 wei, at most cap (0: none). */
static uint64_t bump_by(uint64_t v, uint32_t pct, uint64_t cap)
{
    u128 r = ((u128)v * (100 + pct) + 99) / 100;
    if (r == v)
        r = v + 1;
    return sat64(cap && r > cap ? cap : r);
}

/* ---- handles and the l1_txs table ---- */

const char *l1_drop_reason_str(enum l1_drop_reason r)
{
    switch (r) {
    case L1_DROP_NONE:         return "not dropped";
    case L1_DROP_GAS_CAP:      return "refused: over the EIP-7825 transaction gas cap of 2^24";
    case L1_DROP_BLOCK_LIMIT:  return "refused: more gas or blobs than a block holds";
    case L1_DROP_POOL_REFUSED: return "refused: the pool is full and the transaction is the cheapest";
    case L1_DROP_EVICTED:      return "evicted: the pool is full";
    case L1_DROP_DEADLINE:     return "the sender gave up waiting";
    }
    return "unknown";
}

static struct fate *fate_find(const struct l1 *l1, l1_tx_id id)
{
    return id >= 1 && id <= l1->nfates ? &l1->fates[id - 1] : NULL;
}

/* The fate of a handle this L1 issued (a transaction it holds). */
static struct fate *fate_of(const struct l1 *l1, l1_tx_id id)
{
    SIM_ASSERT(id >= 1 && id <= l1->nfates);
    return &l1->fates[id - 1];
}

/* The pending transaction of handle id, or NULL. */
static struct mp_tx *live_tx(struct l1 *l1, l1_tx_id id)
{
    uint64_t *v = idmap_get(&l1->live, id);
    return v ? (struct mp_tx *)(uintptr_t)*v : NULL;
}

const char *l1_payer_str(enum l1_payer p)
{
    switch (p) {
    case L1_PAYER_AUTO:       return "auto";
    case L1_PAYER_USER:       return "user";
    case L1_PAYER_OPERATOR:   return "operator";
    case L1_PAYER_CHALLENGER: return "challenger";
    case L1_PAYER_ADVERSARY:  return "adversary";
    }
    return "unknown";
}

/* Who pays tx: what the sender said, or, for AUTO, its origin and account. */
static enum l1_payer payer_of(const struct l1_tx *tx)
{
    if (tx->payer != L1_PAYER_AUTO)
        return tx->payer;
    if (tx->origin >= L1_ORIGIN_ADVERSARY(0))
        return L1_PAYER_ADVERSARY;
    return tx->sender >> 56 == L1_ACCT_USER ? L1_PAYER_USER : L1_PAYER_OPERATOR;
}

static const char *origin_name(const struct l1 *l1, uint32_t origin)
{
    if (origin >= L1_ORIGIN_ADVERSARY(0))
        return origin - L1_ORIGIN_ADVERSARY(0) < l1->nadversaries
             ? l1->adversary_names[origin - L1_ORIGIN_ADVERSARY(0)] : "unknown";
    if (origin >= L1_ORIGIN_SCHEME(0))
        return origin - L1_ORIGIN_SCHEME(0) < l1->nschemes
             ? l1->scheme_names[origin - L1_ORIGIN_SCHEME(0)] : "unknown";
    return "background";
}

/* Write p's l1_txs row: what the L1 did with it and what it charged, as `status`
 * ('final', 'included' (not final at the end), 'pending', 'dropped'). O(log rows). */
static void write_tx_row(struct l1 *l1, const struct mp_tx *p, const char *status)
{
    const struct l1_sent *t = p->sent;
    const struct fate *f = fate_of(l1, t->id);
    bool included = f->state == L1_FATE_INCLUDED || f->state == L1_FATE_FINAL;
    struct store_rows *s = l1->tx_rows;
    store_rows_int(s, 1, l1->w->run_id);
    store_rows_text(s, 2, l1->w->name);
    store_rows_int(s, 3, (int64_t)t->id);
    store_rows_text(s, 4, origin_name(l1, p->origin));
    store_rows_text(s, 5, t->kind);
    /* a row that names the wrong payer: the by-payer check must see it */
    enum l1_payer payer = t->payer;
    if (included && fault_fire("l1.txs_payer"))
        payer = payer == L1_PAYER_USER ? L1_PAYER_OPERATOR : L1_PAYER_USER;
    store_rows_text(s, 24, l1_payer_str(payer));
    store_rows_text(s, 6, status);
    store_rows_int(s, 7, t->cancelled);
    store_rows_int(s, 8, (int64_t)t->calldata_bytes);
    store_rows_int(s, 9, (int64_t)t->exec_gas);
    store_rows_int(s, 10, (int64_t)p->gas);
    store_rows_int(s, 11, p->blobs);
    store_rows_int(s, 12, (int64_t)p->max_fee);
    store_rows_int(s, 13, (int64_t)p->max_prio);
    store_rows_int(s, 14, t->replacements);
    u128 fee = included ? p->receipt.total : 0;
    if (included && fault_fire("l1.txs_fee"))
        fee++;                      /* a row that is not what was charged: the check must see it */
    if (included) {
        store_rows_int(s, 15, (int64_t)f->height);
        store_rows_int(s, 16, (int64_t)p->receipt.base_fee_per_gas);
        store_rows_int(s, 17, (int64_t)p->receipt.priority_fee_per_gas);
        store_rows_int(s, 20, p->receipt.time);
    }
    store_rows_u128(s, 18, fee);    /* an amount: decimal text, as money_bind */
    store_rows_int(s, 19, t->submit);
    if (f->state == L1_FATE_FINAL)
        store_rows_int(s, 21, sim_now(l1->w->sim));
    if (f->state == L1_FATE_DROPPED) {
        store_rows_int(s, 22, t->dropped_at);
        store_rows_text(s, 23, l1_drop_reason_str(t->reason));
    }
    store_rows_end(s);
}

/* Transactions done with are kept for reuse (a day of full blocks allocates millions
 * otherwise), except under AddressSanitizer: a reused transaction would hide a
 * use-after-free of one from it, so there each is freed for real. */
#if defined(__SANITIZE_ADDRESS__)
#define L1_REUSE_TXS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define L1_REUSE_TXS 0
#endif
#endif
#ifndef L1_REUSE_TXS
#define L1_REUSE_TXS 1
#endif

/* A zeroed transaction: a spare one if any. O(1). */
static struct mp_tx *tx_new(struct l1 *l1)
{
    struct mp_tx *p = l1->spare;
    if (!p)
        return xcalloc(1, sizeof *p);
    l1->spare = p->fnext;
    memset(p, 0, sizeof *p);
    return p;
}

/* p is done with (its l1_txs row written, its sender told). */
static void free_tx(struct l1 *l1, struct mp_tx *p)
{
    free(p->sent);
    p->sent = NULL;
    if (!L1_REUSE_TXS) {
        free(p);
        return;
    }
    p->fnext = l1->spare;
    l1->spare = p;
}

/* ---- callback contexts the L1 owns (l1.h, l1_submit_owned) ---- */

static bool owns_ctx(const struct mp_tx *p) { return p->ctx_free && p->cb.ctx; }
static uint64_t ctx_key(const void *ctx) { return (uint64_t)(uintptr_t)ctx; }

/* Transaction id takes ownership of ctx: a ctx no transaction owns, or the one whose
 * last callback is running now and has not given it away (a retry: handed on). */
static void claim_ctx(struct l1 *l1, void *ctx, l1_tx_id id)
{
    bool added;
    uint64_t *owner = idmap_put(&l1->owned, ctx_key(ctx), &added);
    if (!added) {
        const struct mp_tx *last = l1->last;
        if (!last || last->cb.ctx != ctx || !owns_ctx(last) || l1->last_taken)
            sim_panic("l1_submit_owned: callback ctx %p is owned by transaction %llu, still in "
                      "flight (an owned ctx belongs to one transaction at a time)", ctx,
                      (unsigned long long)*owner);
        l1->last_taken = true;      /* handed on: the last callback's end keeps it */
    }
    *owner = id;
}

/* Around p's last callback (final or dropped; l1_take_ctx works inside): afterwards
 * p's owned ctx is freed unless the callback took it back or handed it on. Saved and
 * restored, should a last callback ever run inside another. */
struct last_call {
    struct mp_tx *p;
    bool taken;
};

static struct last_call last_begin(struct l1 *l1, struct mp_tx *p)
{
    struct last_call saved = { l1->last, l1->last_taken };
    l1->last = p;
    l1->last_taken = false;
    return saved;
}

static void last_end(struct l1 *l1, struct mp_tx *p, struct last_call saved)
{
    if (owns_ctx(p) && !l1->last_taken) {
        idmap_del(&l1->owned, ctx_key(p->cb.ctx));
        p->ctx_free(p->cb.ctx);
    }
    p->cb.ctx = NULL;
    l1->last = saved.p;
    l1->last_taken = saved.taken;
}

void *l1_take_ctx(struct l1 *l1)
{
    struct mp_tx *p = l1->last;
    if (!p || !owns_ctx(p) || l1->last_taken)
        sim_panic("l1_take_ctx outside the final or dropped callback of a transaction "
                  "whose ctx the L1 owns");
    idmap_del(&l1->owned, ctx_key(p->cb.ctx));
    l1->last_taken = true;
    return p->cb.ctx;
}

static void out_link(struct l1 *l1, struct mp_tx *p)
{
    p->fprev = NULL;
    p->fnext = l1->out_of_pool;
    if (p->fnext)
        p->fnext->fprev = p;
    l1->out_of_pool = p;
}

static void out_unlink(struct l1 *l1, struct mp_tx *p)
{
    if (p->fprev)
        p->fprev->fnext = p->fnext;
    else
        l1->out_of_pool = p->fnext;
    if (p->fnext)
        p->fnext->fprev = p->fprev;
}

static void deliver_drop(struct l1 *l1, struct mp_tx *p)
{
    write_tx_row(l1, p, "dropped");
    struct last_call saved = last_begin(l1, p);
    if (p->cb.dropped)
        p->cb.dropped(p->cb.ctx, l1_drop_reason_str(p->sent->reason));
    last_end(l1, p, saved);
    free_tx(l1, p);
}

static void on_drop_delivered(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct l1 *l1 = ctx;
    struct mp_tx *p;
    memcpy(&p, payload, sizeof p);
    out_unlink(l1, p);
    deliver_drop(l1, p);
}

/* p left the pool unincluded (or was never admitted). Takes ownership. The sender
 * hears it at once when the L1 acts on its own (a slot expiring deadlines, the
 * background filling the pool), and from an event of its own at the same time when
 * a sender's call caused it (a refusal in l1_submit, an eviction by a newcomer), so
 * that no callback ever runs inside l1_submit, l1_replace or l1_cancel. */
static void drop(struct l1 *l1, struct mp_tx *p, enum l1_drop_reason why)
{
    l1->totals.dropped++;
    if (!p->sent) {                 /* the background: nobody to tell */
        free_tx(l1, p);
        return;
    }
    struct fate *f = fate_of(l1, p->sent->id);
    f->state = L1_FATE_DROPPED;
    f->reason = (uint8_t)why;
    idmap_del(&l1->live, p->sent->id);
    p->sent->reason = why;
    p->sent->dropped_at = sim_now(l1->w->sim);
    if (!l1->in_call) {
        deliver_drop(l1, p);
        return;
    }
    out_link(l1, p);
    sim_after(l1->w->sim, 0, on_drop_delivered, l1, &p, sizeof p);
}

static void pool_add(struct l1 *l1, struct mp_tx *p)
{
    struct mp_tx **evicted = NULL;
    size_t nev = 0;
    p->submit = sim_now(l1->w->sim);    /* for the tie order (mempool.h) */
    p->nonce = 0;                   /* a background sender's first and only */
    if (!background_account(p->sender_id))
        p->nonce = *idmap_put(&l1->accounts, p->sender_id, NULL);
    if (fault_fire("l1.nonce"))
        p->nonce++;                 /* a nonce gap: the inclusion check must catch it */
    if (!mp_add(l1->pool, p, &evicted, &nev))
        drop(l1, p, L1_DROP_POOL_REFUSED);
    for (size_t i = 0; i < nev; i++)
        drop(l1, evicted[i], L1_DROP_EVICTED);
    free(evicted);
}

uint64_t l1_gas_of(const struct l1 *l1, const struct l1_tx *tx)
{
    uint64_t zero = tx->calldata_zero_bytes, nonzero = tx->calldata_nonzero_bytes;
    if (tx->calldata)
        fm_calldata_count(tx->calldata, tx->calldata_len, &zero, &nonzero);
    return fm_tx_gas_used(zero, nonzero, tx->exec_gas, l1->eip7623);
}

l1_tx_id l1_submit(struct l1 *l1, const struct l1_tx *tx, const struct l1_fee_policy *fee,
                   const struct l1_callbacks *cb)
{
    return l1_submit_owned(l1, tx, fee, cb, NULL);
}

l1_tx_id l1_submit_owned(struct l1 *l1, const struct l1_tx *tx, const struct l1_fee_policy *fee,
                         const struct l1_callbacks *cb, void (*ctx_free)(void *ctx))
{
    l1->in_call++;
    struct mp_tx *p = tx_new(l1);
    struct l1_sent *t = xcalloc(1, sizeof *t);
    p->sent = t;
    p->seq = ++l1->seq;
    p->sender_id = tx->sender;
    p->gas = l1_gas_of(l1, tx);
    p->blobs = tx->blobs;
    p->origin = tx->origin;
    p->deadline = tx->deadline ? tx->deadline : INT64_MAX;
    p->policy = *fee;
    p->cb = *cb;
    p->ctx_free = ctx_free;
    t->kind = tx->kind ? tx->kind : "tx";
    t->payer = payer_of(tx);
    SIM_ASSERT(t->payer > L1_PAYER_AUTO && t->payer < L1_NPAYERS);
    t->calldata_bytes = tx->calldata ? tx->calldata_len
                                     : tx->calldata_zero_bytes + tx->calldata_nonzero_bytes;
    t->exec_gas = tx->exec_gas;
    t->submit = sim_now(l1->w->sim);
    if (l1->nfates == l1->capfates) {
        l1->capfates = l1->capfates ? 2 * l1->capfates : 1024;
        l1->fates = xrealloc(l1->fates, l1->capfates * sizeof *l1->fates);
    }
    l1->fates[l1->nfates++] = (struct fate){ .state = L1_FATE_PENDING };
    t->id = l1->nfates;
    l1_tx_id id = t->id;            /* p may be gone when pool_add returns */
    if (owns_ctx(p))
        claim_ctx(l1, p->cb.ctx, id);
    l1->bumpers += fee->bump_after > 0;
    apply_policy(l1, fee, p);
    if (l1->eip7825 && p->gas > FM_MAX_TX_GAS) {
        drop(l1, p, L1_DROP_GAS_CAP);
    } else if (p->gas > l1->gas_limit || tx->blobs > l1->blob.max) {
        drop(l1, p, L1_DROP_BLOCK_LIMIT);
    } else {
        *idmap_put(&l1->live, t->id, NULL) = (uintptr_t)p;
        pool_add(l1, p);
    }
    l1->in_call--;
    return id;
}

int l1_replace(struct l1 *l1, l1_tx_id id, const struct l1_fee_policy *fee)
{
    struct mp_tx *p = live_tx(l1, id);
    if (!p || p->sent->cancelled)
        return -1;
    struct mp_tx want = *p;
    apply_policy(l1, fee, &want);
    if (!mp_replace(l1->pool, p, want.max_fee, want.max_prio, want.max_blob_fee, l1->seq + 1,
                    sim_now(l1->w->sim)))
        return -1;
    l1->seq++;
    p->policy = *fee;
    p->waited = 0;
    p->sent->replacements++;
    l1->bumpers += fee->bump_after > 0;
    l1->totals.replaced++;
    return 0;
}

int l1_cancel(struct l1 *l1, l1_tx_id id)
{
    struct mp_tx *p = live_tx(l1, id);
    if (!p || p->sent->cancelled)
        return -1;
    /* the least bump the pool takes, each fee rounded up */
    uint32_t pct = p->blobs ? MP_BLOB_PRICE_BUMP_PCT : MP_PRICE_BUMP_PCT;
    if (!mp_replace(l1->pool, p, bump_by(p->max_fee, pct, 0), bump_by(p->max_prio, pct, 0),
                    bump_by(p->max_blob_fee, pct, 0), l1->seq + 1, sim_now(l1->w->sim)))
        return -1;
    l1->seq++;
    /* an empty self-transfer takes the nonce: its l1_txs row describes that one (no
     * calldata, no execution), with kind and cancelled=1 naming what it replaced */
    p->gas = fm_tx_gas_used(0, 0, 0, l1->eip7623);
    p->blobs = 0;
    p->sent->calldata_bytes = 0;
    p->sent->exec_gas = 0;
    mp_changed(l1->pool, p);
    p->policy.bump_after = 0;
    p->sent->cancelled = true;
    p->sent->replacements++;
    l1->totals.replaced++;
    return 0;
}

int l1_fate(const struct l1 *l1, l1_tx_id id, struct l1_fate *out)
{
    const struct fate *f = fate_find(l1, id);
    if (!f)
        return -1;
    bool in = f->state == L1_FATE_INCLUDED || f->state == L1_FATE_FINAL;
    *out = (struct l1_fate){ .state = (enum l1_fate_state)f->state,
                             .height = in ? f->height : 0,
                             .time = in ? (sim_time)f->height * l1->slot : -1,
                             .cancelled = in && f->cancelled,
                             .reason = (enum l1_drop_reason)f->reason };
    return 0;
}

bool l1_included_by(const struct l1 *l1, l1_tx_id id, sim_time t)
{
    struct l1_fate f;
    return l1_fate(l1, id, &f) == 0 && f.height > 0 && !f.cancelled && f.time <= t;
}

uint64_t l1_height(const struct l1 *l1) { return l1->height; }
sim_time l1_head_time(const struct l1 *l1) { return l1->head_time; }

/* ---- block time for contracts ---- */

void l1_on_block(struct l1 *l1, void (*fn)(void *ctx, const struct l1_block_info *b), void *ctx)
{
    l1->block_hooks = xrealloc(l1->block_hooks, (l1->nblock_hooks + 1) * sizeof *l1->block_hooks);
    l1->block_hooks[l1->nblock_hooks++] = (struct block_hook){ fn, ctx };
}

/* Whether t is the slot time of a slot still to be processed now: the slot event at
 * t exists (slots fall at k x slot, k >= 1, up to the trace's length) and has not run. */
static bool slot_pending_at(const struct l1 *l1, sim_time t)
{
    if (t < l1->slot || t % l1->slot != 0 || t <= l1->head_time)
        return false;
    return !l1->trace || (uint64_t)(t / l1->slot) <= l1->trace->n;
}

static void on_contract_timer(struct sim *sim, void *ctx, const void *payload)
{
    struct l1 *l1 = ctx;
    struct contract_timer c;
    memcpy(&c, payload, sizeof c);
    if (slot_pending_at(l1, sim_now(sim))) {      /* wait for this slot's block */
        if (l1->nwaiting == l1->capwaiting) {
            l1->capwaiting = l1->capwaiting ? 2 * l1->capwaiting : 8;
            l1->waiting = xrealloc(l1->waiting, l1->capwaiting * sizeof *l1->waiting);
        }
        l1->waiting[l1->nwaiting++] = c;
        return;
    }
    c.fn(c.ctx);
}

void l1_at(struct l1 *l1, sim_time t, void (*fn)(void *ctx), void *ctx)
{
    struct contract_timer c = { fn, ctx, NULL };
    sim_at(l1->w->sim, t, on_contract_timer, l1, &c, sizeof c);
}

/* Free an owned timer's object and the timer: after its fn, or never run (the
 * scheduler's sim_free, or l1_free for one waiting for its slot). Touches nothing else. */
static void owned_timer_free(void *p)
{
    struct owned_timer *ot = p;
    if (ot->free_fn)
        ot->free_fn(ot->obj);
    else
        free(ot->obj);
    free(ot);
}

static void on_owned_timer(struct sim *sim, void *ctx, const void *payload)
{
    struct l1 *l1 = ctx;
    struct owned_timer *ot = (struct owned_timer *)payload;   /* sched.h: the object itself */
    if (slot_pending_at(l1, sim_now(sim))) {      /* the L1 keeps it until the block */
        sim_take_payload(sim);
        if (l1->nwaiting == l1->capwaiting) {
            l1->capwaiting = l1->capwaiting ? 2 * l1->capwaiting : 8;
            l1->waiting = xrealloc(l1->waiting, l1->capwaiting * sizeof *l1->waiting);
        }
        l1->waiting[l1->nwaiting++] = (struct contract_timer){ ot->fn, ot->obj, ot };
        return;
    }
    ot->fn(ot->obj);                              /* the scheduler frees ot after this */
}

void l1_at_owned(struct l1 *l1, sim_time t, void (*fn)(void *obj), void *obj,
                 void (*free_fn)(void *obj))
{
    if (!obj)
        sim_panic("l1_at_owned needs an object (NULL given)");
    struct owned_timer *ot = xmalloc(sizeof *ot);
    *ot = (struct owned_timer){ fn, obj, free_fn };
    sim_at_owned(l1->w->sim, t, on_owned_timer, l1, ot, owned_timer_free);
}

void l1_add_builder_hook(struct l1 *l1, const struct l1_builder_hook *h)
{
    if (l1->nhooks == MAX_HOOKS)
        sim_panic("more than %d block builder hooks", MAX_HOOKS);
    l1->hooks[l1->nhooks++] = *h;
    l1->nexcluders += h->excluded != NULL;
}

uint32_t l1_tx_origin(const struct mp_tx *tx) { return tx->origin; }

/* ---- background demand ---- */

/* The transactions that arrived during the slot ending now, [now - slot, now), as
 * the demand thread drew them (demand.h). */
static void background_arrivals(struct l1 *l1, sim_time now)
{
    size_t n;
    const struct demand_tx *d = demand_slot(l1->ahead, now, &n);
    for (size_t i = 0; i < n; i++) {
        struct mp_tx *p = tx_new(l1);
        p->seq = ++l1->seq;
        p->sender_id = l1_account(L1_ACCT_BACKGROUND, l1->next_bg_sender++);
        p->origin = L1_ORIGIN_BACKGROUND;
        p->gas = d[i].gas;
        p->max_fee = d[i].max_fee;
        p->max_prio = d[i].max_prio;
        p->deadline = now + d[i].patience;
        pool_add(l1, p);
    }
}

/* ---- waiting senders bump their fees ---- */

struct bump_ctx {
    struct mp_tx **v;
    size_t n;
};

static void collect_bumps(void *ctx, struct mp_tx *t)
{
    struct bump_ctx *b = ctx;
    if (t->policy.bump_after == 0)
        return;
    if (++t->waited % t->policy.bump_after != 0)
        return;
    if ((b->n & (b->n - 1)) == 0)
        b->v = xrealloc(b->v, (b->n ? 2 * b->n : 4) * sizeof *b->v);
    b->v[b->n++] = t;
}

static int cmp_seq(const void *a, const void *b)
{
    uint64_t x = (*(const struct mp_tx *const *)a)->seq, y = (*(const struct mp_tx *const *)b)->seq;
    return (x > y) - (x < y);
}

static void bump_fees(struct l1 *l1)
{
    if (l1->bumpers == 0)
        return;                   /* nobody bids that way: skip the pool scan */
    struct bump_ctx b = { NULL, 0 };
    mp_each(l1->pool, collect_bumps, &b);
    if (b.n > 1)
        qsort(b.v, b.n, sizeof *b.v, cmp_seq);   /* replacements in a stable order */
    for (size_t i = 0; i < b.n; i++) {
        struct mp_tx *t = b.v[i];
        uint32_t pct = t->policy.bump_pct;
        /* the tip never passes the max fee (EIP-1559: max_priority_fee_per_gas <=
         * max_fee_per_gas), which the cap may have held back */
        uint64_t max_fee = bump_by(t->max_fee, pct, t->policy.cap);
        uint64_t tip = bump_by(t->max_prio, pct, 0);
        if (mp_replace(l1->pool, t, max_fee, tip < max_fee ? tip : max_fee,
                       bump_by(t->max_blob_fee, pct, 0), ++l1->seq, sim_now(l1->w->sim)))
            l1->totals.replaced++;
    }
    free(b.v);
}

/* ---- block production ---- */

/* Where what origin's transactions paid is summed: a scheme's or an adversary's
 * entry, or NULL (the background, an unknown origin). */
static u128 *paid_slot(const struct l1 *l1, uint32_t origin)
{
    if (origin >= L1_ORIGIN_ADVERSARY(0))
        return origin - L1_ORIGIN_ADVERSARY(0) < l1->nadversaries
             ? &l1->paid_adversary[origin - L1_ORIGIN_ADVERSARY(0)] : NULL;
    if (origin >= L1_ORIGIN_SCHEME(0))
        return origin - L1_ORIGIN_SCHEME(0) < l1->nschemes
             ? &l1->paid_scheme[origin - L1_ORIGIN_SCHEME(0)] : NULL;
    return NULL;
}

/* The same split by payer: origin's row of L1_NPAYERS sums, or NULL. */
static u128 *paid_by_payer_slot(const struct l1 *l1, uint32_t origin)
{
    if (origin >= L1_ORIGIN_ADVERSARY(0))
        return origin - L1_ORIGIN_ADVERSARY(0) < l1->nadversaries
             ? l1->paid_adversary_by[origin - L1_ORIGIN_ADVERSARY(0)] : NULL;
    if (origin >= L1_ORIGIN_SCHEME(0))
        return origin - L1_ORIGIN_SCHEME(0) < l1->nschemes
             ? l1->paid_scheme_by[origin - L1_ORIGIN_SCHEME(0)] : NULL;
    return NULL;
}

static bool hooks_exclude(void *ctx, const struct mp_tx *tx)
{
    struct l1 *l1 = ctx;
    for (size_t i = 0; i < l1->nhooks; i++)
        if (l1->hooks[i].excluded && l1->hooks[i].excluded(l1->hooks[i].ctx, tx))
            return true;
    return false;
}

static void pay(struct l1 *l1, struct mp_tx *p, sim_time now)
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
    if (p->sent) {
        struct fate *f = fate_of(l1, p->sent->id);
        f->state = L1_FATE_INCLUDED;
        f->height = l1->height;
        f->cancelled = p->sent->cancelled;
        idmap_del(&l1->live, p->sent->id);
        r->id = p->sent->id;
        r->cancelled = p->sent->cancelled;
    }
    /* a sender's transactions execute in nonce order, each exactly once */
    uint64_t zero = 0, *next = &zero;
    if (!background_account(p->sender_id))
        next = idmap_put(&l1->accounts, p->sender_id, NULL);
    if (p->nonce != *next) {
        struct inv_fail f;
        INV_FAIL(&f, "nonces strictly increasing", "block %llu includes nonce %llu of sender "
                 "%#llx, whose next nonce is %llu", (unsigned long long)l1->height,
                 (unsigned long long)p->nonce, (unsigned long long)p->sender_id,
                 (unsigned long long)*next);
        world_violated(l1->w, &f);
    }
    *next = p->nonce + 1;
    /* the sender's side, computed independently of the split: gas x price + blob fee */
    u128 paid = (u128)p->gas * split.effective_gas_price
              + (u128)split.blob_gas_used * l1->blob_base_fee;
    l1->totals.paid += paid;
    u128 *by_origin = paid_slot(l1, p->origin);
    if (by_origin)
        *by_origin += paid;
    u128 *by_payer = p->sent ? paid_by_payer_slot(l1, p->origin) : NULL;
    if (by_payer)
        by_payer[p->sent->payer] += paid;
    if (fault_fire("l1.burn"))
        split.base_fee_burned--;    /* a wei lost: the conservation check must catch it */
    l1->totals.base_fee_burned += split.base_fee_burned;
    l1->totals.priority_fee += split.priority_fee;
    l1->totals.blob_fee_burned += split.blob_fee_burned;
}

static void on_final(struct sim *sim, void *ctx, const void *payload)
{
    struct l1 *l1 = ctx;
    struct mp_tx *p;
    memcpy(&p, payload, sizeof p);
    out_unlink(l1, p);
    if (p->sent) {
        fate_of(l1, p->sent->id)->state = L1_FATE_FINAL;
        write_tx_row(l1, p, "final");
    }
    struct last_call saved = last_begin(l1, p);
    if (p->cb.final)
        p->cb.final(p->cb.ctx, &p->receipt);
    last_end(l1, p, saved);
    free_tx(l1, p);
}

static void record_block(struct l1 *l1, sim_time now, uint64_t gas_limit, uint64_t gas_used,
                         uint64_t blob_gas, uint64_t ntx, bool missed, u128 burned, u128 tips)
{
    struct store_rows *s = l1->block_rows;
    store_rows_int(s, 1, l1->w->run_id);
    store_rows_text(s, 2, l1->w->name);
    store_rows_int(s, 3, (int64_t)l1->height);
    store_rows_int(s, 4, now);
    store_rows_int(s, 5, (int64_t)gas_limit);
    store_rows_int(s, 6, (int64_t)gas_used);
    store_rows_int(s, 7, (int64_t)l1->base_fee);
    store_rows_int(s, 8, (int64_t)blob_gas);
    store_rows_int(s, 9, (int64_t)l1->excess_blob_gas);
    store_rows_u128(s, 10, l1->blob_base_fee);    /* decimal text, as store_bind_u128 */
    store_rows_int(s, 11, (int64_t)ntx);
    store_rows_int(s, 12, missed);
    store_rows_u128(s, 13, burned);               /* amounts: decimal text, as money_bind */
    store_rows_u128(s, 14, tips);
    store_rows_end(s);
}

/* Produce this slot's block. O(m log m) in the pool's senders. */
static void build_block(struct l1 *l1, sim_time now)
{
    l1->height++;
    l1->totals.blocks++;
    struct mp_tx **gone = NULL;
    size_t ngone = 0;
    mp_expire(l1->pool, now, &gone, &ngone);
    for (size_t i = 0; i < ngone; i++)
        drop(l1, gone[i], L1_DROP_DEADLINE);
    free(gone);
    if (!l1->trace)
        background_arrivals(l1, now);
    bump_fees(l1);

    const struct l1_trace_block *tb = l1->trace ? &l1->trace->blocks[l1->height - 1] : NULL;
    if (!tb && l1->missed_slot > 0 && gsl_rng_uniform(l1->r_missed) < l1->missed_slot) {
        l1->totals.missed++;
        record_block(l1, now, l1->gas_limit, 0, 0, 0, true, 0, 0);
        return;   /* no block: prices carry over to the next slot */
    }
    uint64_t gas_limit = tb ? tb->gas_limit : l1->gas_limit;
    for (size_t i = 0; i < l1->nhooks; i++)
        if (l1->hooks[i].begin)
            l1->hooks[i].begin(l1->hooks[i].ctx, l1->height, now);

    /* The room the builder fills. With a trace, price-takers get the block's recorded
     * usage (what they take, the trace's own transactions give up: a block recorded
     * empty has no room), additive senders what the recorded usage left free. */
    uint64_t gas_room = gas_limit, blob_room = fm_max_blob_gas_per_block(&l1->blob);
    if (tb && l1->additive) {
        gas_room = tb->gas_limit - tb->gas_used;
        blob_room = blob_room > tb->blob_gas_used ? blob_room - tb->blob_gas_used : 0;
    } else if (tb) {
        gas_room = tb->gas_used;
        blob_room = tb->blob_gas_used;
    }
    struct mp_tx **inc = NULL;
    size_t ninc = 0;
    struct mp_block blk;
    mp_build(l1->pool, l1->base_fee, l1->blob_base_fee, gas_room, blob_room,
             l1->nexcluders ? hooks_exclude : NULL, l1, &inc, &ninc, &blk);

    u128 burned = 0, tips = 0;
    struct tips *hist = &l1->history[l1->height % FEE_HISTORY];
    hist->n = 0;
    for (size_t i = 0; i < ninc; i++) {
        struct mp_tx *p = inc[i];
        pay(l1, p, now);
        burned += p->receipt.base_fee_burned + p->receipt.blob_fee_burned;
        tips += p->receipt.priority_fee;
        if (hist->n == hist->cap) {
            hist->cap = hist->cap ? 2 * hist->cap : 256;
            hist->v = xrealloc(hist->v, hist->cap * sizeof *hist->v);
        }
        hist->v[hist->n++] = p->receipt.priority_fee_per_gas;
    }
    hist->sorted = hist->n <= 1;

    uint64_t gas_used = blk.gas_used, blob_gas = blk.blob_gas_used, ntx = ninc;
    if (tb) {
        /* the trace's own transactions: what the price-takers left of the recorded
         * usage, or all of it under the additive senders; they pay the base fee */
        uint64_t own = l1->additive ? tb->gas_used : tb->gas_used - gas_used;
        uint64_t own_blob = l1->additive ? tb->blob_gas_used : tb->blob_gas_used - blob_gas;
        u128 fee = (u128)own * l1->base_fee, blob_fee = (u128)own_blob * l1->blob_base_fee;
        burned += fee + blob_fee;
        l1->totals.paid += fee + blob_fee;
        l1->totals.base_fee_burned += fee;
        l1->totals.blob_fee_burned += blob_fee;
        gas_used += own;
        blob_gas += own_blob;
    } else if (l1->blob_rate_per_slot > 0) {
        /* background blobs fill what the block's blob space has left */
        uint64_t max = fm_max_blob_gas_per_block(&l1->blob);
        uint64_t want = rng_poisson(l1->r_blobs, l1->blob_rate_per_slot);
        uint64_t room = (max - blob_gas) / FM_GAS_PER_BLOB;
        uint64_t got = want < room ? want : room;
        u128 fee = (u128)got * FM_GAS_PER_BLOB * l1->blob_base_fee;
        blob_gas += got * FM_GAS_PER_BLOB;
        burned += fee;
        l1->totals.paid += fee;
        l1->totals.blob_fee_burned += fee;
    }
    record_block(l1, now, gas_limit, gas_used, blob_gas, ntx, false, burned, tips);

    /* tell the senders, in inclusion order; final after finality_depth slots; then
     * the contracts' block hooks */
    for (size_t i = 0; i < ninc; i++) {
        struct mp_tx *p = inc[i];
        if (p->cb.included)
            p->cb.included(p->cb.ctx, &p->receipt);
        if (p->sent || p->cb.final) {
            out_link(l1, p);
            sim_after(l1->w->sim, (sim_time)l1->finality_depth * l1->slot, on_final, l1,
                      &p, sizeof p);
        } else {
            free_tx(l1, p);
        }
    }
    free(inc);
    if (l1->nblock_hooks) {
        struct l1_block_info bi = { .height = l1->height, .time = now, .gas_limit = gas_limit,
                                    .gas_used = gas_used, .base_fee_per_gas = l1->base_fee,
                                    .blob_base_fee = l1->blob_base_fee,
                                    .blob_gas_used = blob_gas, .tx_count = ntx };
        for (size_t i = 0; i < l1->nblock_hooks; i++)
            l1->block_hooks[i].fn(l1->block_hooks[i].ctx, &bi);
    }

    /* the next block's limit and prices (EIP-1559; EIP-4844, EIP-7918 from Osaka) */
    l1->next_gas_limit = l1->trace && l1->height < l1->trace->n
        ? l1->trace->blocks[l1->height].gas_limit : l1->gas_limit;
    uint64_t parent_base_fee = l1->base_fee;
    l1->base_fee = fm_next_base_fee(&l1->eip1559, gas_limit, gas_used, parent_base_fee);
    if (l1->blob.max > 0) {
        l1->excess_blob_gas = l1->fork->eip7918
            ? fm_excess_blob_gas_eip7918(&l1->blob, l1->excess_blob_gas, blob_gas, parent_base_fee)
            : fm_excess_blob_gas(&l1->blob, l1->excess_blob_gas, blob_gas);
        l1->blob_base_fee = fm_base_fee_per_blob_gas(l1->excess_blob_gas,
                                                     l1->blob.base_fee_update_fraction);
    }
}

static void on_slot(struct sim *sim, void *ctx, const void *payload)
{
    struct l1 *l1 = ctx;
    l1->head_time = sim_now(sim);
    build_block(l1, sim_now(sim));
    if (!l1->trace || l1->height < l1->trace->n)
        sim_after(sim, l1->slot, on_slot, l1, NULL, 0);
    /* the contract timers that waited for this slot, in the order they were set; one
     * may set another for this same time, which then runs at once (the slot is past) */
    for (size_t i = 0; i < l1->nwaiting; i++) {
        l1->waiting[i].fn(l1->waiting[i].ctx);
        if (l1->waiting[i].own)
            owned_timer_free(l1->waiting[i].own);
    }
    l1->nwaiting = 0;
}

/* ---- life cycle ---- */

static double per_slot(struct unit_rate r, sim_time slot)
{
    return r.per_block ? r.count : r.count * (double)slot / (double)r.per;
}

const struct fm_fork *l1_fork_of(const struct scn *s)
{
    const char *fork = scn_str(s, "l1.fork");
    const struct fm_fork *f = fm_fork_by_name(strcmp(fork, "custom") == 0 ? "bpo2" : fork);
    SIM_ASSERT(f);                  /* the schema admits only preset names */
    return f;
}

uint64_t l1_gas_limit_of(const struct scn *s)
{
    return scn_has(s, "l1.gas_limit") ? (uint64_t)scn_int(s, "l1.gas_limit")
                                      : l1_fork_of(s)->gas_limit;
}

/* Gas as the scenario writes it: "36M" when a whole number of millions. */
static void gas_text(uint64_t g, char *buf, size_t n)
{
    if (g >= 1000000 && g % 1000000 == 0)
        snprintf(buf, n, "%lluM", (unsigned long long)(g / 1000000));
    else
        snprintf(buf, n, "%llu", (unsigned long long)g);
}

void l1_put_preset(struct scn *s)
{
    const struct fm_fork *f = l1_fork_of(s);
    char t[32];
    gas_text(f->gas_limit, t, sizeof t);
    scn_put_preset(s, "l1.gas_limit", t);
    snprintf(t, sizeof t, "%llu", (unsigned long long)f->eip1559.elasticity_multiplier);
    scn_put_preset(s, "l1.elasticity", t);
    snprintf(t, sizeof t, "%llu", (unsigned long long)f->eip1559.base_fee_max_change_denominator);
    scn_put_preset(s, "l1.base_fee.max_change_denominator", t);
    snprintf(t, sizeof t, "%u", f->blob.target);
    scn_put_preset(s, "l1.blobs.target", t);
    snprintf(t, sizeof t, "%u", f->blob.max);
    scn_put_preset(s, "l1.blobs.max", t);
    if (f->eip4844) {             /* before blobs there is no update fraction */
        snprintf(t, sizeof t, "%llu", (unsigned long long)f->blob.base_fee_update_fraction);
        scn_put_preset(s, "l1.blobs.update_fraction", t);
    }
}

/* The fork preset with the scenario's overrides; cross-checks values. */
static int read_protocol(struct l1 *l1, const struct scn *s, struct err *e)
{
    l1->fork = l1_fork_of(s);
    l1->eip1559 = l1->fork->eip1559;
    l1->blob = l1->fork->blob;
    l1->eip7623 = l1->fork->eip7623;
    l1->eip7825 = l1->fork->eip7825;
    l1->gas_limit = l1_gas_limit_of(s);
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
    if (l1->blob.max < l1->blob.target)
        return scn_error_at(s, e, strcmp(scn_origin(s, "l1.blobs.max"), "preset") != 0
                                  ? "l1.blobs.max" : "l1.blobs.target",
                            "blob max (%u) is below the target (%u)", l1->blob.max,
                            l1->blob.target);
    if (l1->blob.max > 0 && l1->blob.base_fee_update_fraction == 0)
        return scn_error_at(s, e, "l1.blobs.update_fraction",
                            "a fork with blobs needs an update fraction");
    if (l1->gas_limit / l1->eip1559.elasticity_multiplier == 0)
        return scn_error_at(s, e, "l1.elasticity", "gas target (gas_limit / elasticity) is zero");
    u128 bf = scn_amount(s, "l1.base_fee.initial");
    if (bf > UINT64_MAX)
        return scn_error_at(s, e, "l1.base_fee.initial", "above 2^64-1 wei per gas");
    l1->base_fee = (uint64_t)bf;
    l1->excess_blob_gas = scn_uint(s, "l1.blobs.initial_excess");
    l1->blob_base_fee = l1->blob.max > 0
        ? fm_base_fee_per_blob_gas(l1->excess_blob_gas, l1->blob.base_fee_update_fraction) : 1;
    return 0;
}

/* A trace must cover the run and fit the fork's blob limit and gas target. */
static int read_trace(struct l1 *l1, const struct scn *s, sim_time duration, struct err *e)
{
    if (l1_trace_load(scn_str(s, "l1.demand.trace"), &l1->trace, e) != 0)
        return L2_EINPUT;
    return l1_trace_check(l1->trace, (uint64_t)(duration / l1->slot),
                          fm_max_blob_gas_per_block(&l1->blob),
                          l1->eip1559.elasticity_multiplier, e);
}

int l1_new(struct world *w, struct l1 **out, struct err *e)
{
    const struct scn *s = w->scn;
    struct l1 *l1 = xcalloc(1, sizeof *l1);
    l1->w = w;
    *out = NULL;
    l1->slot = scn_int(s, "l1.slot");
    if (read_protocol(l1, s, e) != 0)
        goto fail;
    if (scn_has(s, "l1.demand.trace") && read_trace(l1, s, w->duration, e) != 0)
        goto fail;
    l1->additive = strcmp(scn_str(s, "l1.demand.trace_mode"), "additive") == 0;
    l1->next_gas_limit = l1->trace ? l1->trace->blocks[0].gas_limit : l1->gas_limit;
    l1->finality_depth = scn_uint(s, "l1.finality_depth");
    l1->missed_slot = scn_real(s, "l1.missed_slot");
    l1->max_txs = scn_uint(s, "l1.mempool.max_txs");
    l1->pool = mp_new(l1->max_txs);
    l1->nschemes = scn_count(s, "schemes");
    l1->nadversaries = scn_count(s, "adversaries");
    l1->paid_scheme = xcalloc(l1->nschemes + 1, sizeof *l1->paid_scheme);
    l1->paid_adversary = xcalloc(l1->nadversaries + 1, sizeof *l1->paid_adversary);
    l1->paid_scheme_by = xcalloc(l1->nschemes + 1, sizeof *l1->paid_scheme_by);
    l1->paid_adversary_by = xcalloc(l1->nadversaries + 1, sizeof *l1->paid_adversary_by);
    l1->scheme_names = xcalloc(l1->nschemes + 1, sizeof *l1->scheme_names);
    for (size_t i = 0; i < l1->nschemes; i++)
        l1->scheme_names[i] = scn_str(s, "schemes[%zu].name", i);
    l1->adversary_names = xcalloc(l1->nadversaries + 1, sizeof *l1->adversary_names);
    for (size_t i = 0; i < l1->nadversaries; i++)
        l1->adversary_names[i] = scn_str(s, "adversaries[%zu].name", i);

    if (arrivals_new(s, "l1.demand", w->seed, RNG_L1_DEMAND, 0, PURPOSE_REGIMES, l1->slot,
                     &l1->demand, e) != 0)
        goto fail;
    l1->blob_rate_per_slot = per_slot(scn_rate(s, "l1.blobs.demand"), l1->slot);
    l1->gas_median = (double)scn_int(s, "l1.demand.gas.median");
    l1->gas_sigma = scn_real(s, "l1.demand.gas.sigma");
    l1->fee_median = (double)scn_amount(s, "l1.demand.max_fee.median");
    l1->fee_sigma = scn_real(s, "l1.demand.max_fee.sigma");
    l1->tip_median = (double)scn_amount(s, "l1.demand.tip.median");
    l1->tip_sigma = scn_real(s, "l1.demand.tip.sigma");
    l1->patience = scn_int(s, "l1.demand.patience");

    /* streams keyed by the run's seed only: every world sees the same L1 demand */
    l1->r_missed = rng_stream(w->seed, RNG_L1, 0, PURPOSE_MISSED);
    l1->r_demand = rng_stream(w->seed, RNG_L1_DEMAND, 0, PURPOSE_ARRIVALS);
    l1->r_blobs = rng_stream(w->seed, RNG_L1_DEMAND, 0, PURPOSE_BLOBS);
    if (!l1->trace) {
        /* from here l1->demand and l1->r_demand are the demand thread's */
        struct demand_params dp = {
            l1->gas_median, l1->gas_sigma, (double)l1->gas_limit / 2, l1->fee_median,
            l1->fee_sigma, l1->tip_median, l1->tip_sigma, l1->patience,
        };
        l1->ahead = demand_new(l1->demand, l1->r_demand, &dp, l1->slot);
    }

    l1->block_rows = store_rows(w->store, "l1_blocks",
        "run_id, world, height, time_us, gas_limit, gas_used, base_fee_per_gas,"
        " blob_gas_used, excess_blob_gas, blob_base_fee, tx_count, missed, burned_wei,"
        " tips_wei", 14);
    l1->tx_rows = store_rows(w->store, "l1_txs",
        "run_id, world, tx_id, origin, kind, status, cancelled,"
        " calldata_bytes, exec_gas, gas, blobs, max_fee_per_gas, max_priority_fee_per_gas,"
        " replacements, height, base_fee_per_gas, priority_fee_per_gas, fee_wei,"
        " submit_us, include_us, final_us, drop_us, drop_reason, payer", 24);
    sim_at(w->sim, l1->slot, on_slot, l1, NULL, 0);
    *out = l1;
    return 0;
fail:
    l1_free(l1);
    return L2_EINPUT;
}

/* p's last callback never ran: the run ended first. */
static void free_unfinished(struct mp_tx *p)
{
    if (owns_ctx(p))
        p->ctx_free(p->cb.ctx);
    free(p->sent);
    p->sent = NULL;
}

static void free_sent(void *ctx, struct mp_tx *p)
{
    (void)ctx;
    free_unfinished(p);
}

void l1_free(struct l1 *l1)
{
    if (!l1)
        return;
    if (l1->pool)
        mp_each(l1->pool, free_sent, NULL);
    mp_free(l1->pool);
    while (l1->out_of_pool) {
        struct mp_tx *n = l1->out_of_pool->fnext;
        free_unfinished(l1->out_of_pool);
        free(l1->out_of_pool);
        l1->out_of_pool = n;
    }
    while (l1->spare) {
        struct mp_tx *n = l1->spare->fnext;
        free(l1->spare);
        l1->spare = n;
    }
    free(l1->fates);
    idmap_free(&l1->live);
    idmap_free(&l1->owned);
    free(l1->scheme_names);
    free(l1->adversary_names);
    free(l1->block_hooks);
    for (size_t i = 0; i < l1->nwaiting; i++)     /* a run stopped between timer and slot */
        if (l1->waiting[i].own)
            owned_timer_free(l1->waiting[i].own);
    free(l1->waiting);
    for (size_t i = 0; i < FEE_HISTORY; i++)
        free(l1->history[i].v);
    demand_free(l1->ahead);             /* before the stream and arrivals it draws from */
    arrivals_free(l1->demand);
    l1_trace_free(l1->trace);
    if (l1->r_missed)
        gsl_rng_free(l1->r_missed);
    if (l1->r_demand)
        gsl_rng_free(l1->r_demand);
    if (l1->r_blobs)
        gsl_rng_free(l1->r_blobs);
    free(l1->paid_scheme);
    free(l1->paid_adversary);
    free(l1->paid_scheme_by);
    free(l1->paid_adversary_by);
    idmap_free(&l1->accounts);
    free(l1);
}

uint64_t l1_base_fee(const struct l1 *l1) { return l1->base_fee; }
u128     l1_blob_base_fee(const struct l1 *l1) { return l1->blob_base_fee; }
sim_time l1_slot(const struct l1 *l1) { return l1->slot; }
void     l1_totals(const struct l1 *l1, struct l1_totals *out) { *out = l1->totals; }

u128 l1_paid_by(const struct l1 *l1, uint32_t origin)
{
    const u128 *by_origin = paid_slot(l1, origin);
    return by_origin ? *by_origin : 0;
}

u128 l1_paid_by_payer(const struct l1 *l1, uint32_t origin, enum l1_payer payer)
{
    const u128 *by_payer = paid_by_payer_slot(l1, origin);
    return by_payer && payer < L1_NPAYERS ? by_payer[payer] : 0;
}

/* ---- run end ---- */

struct gather {
    struct mp_tx **v;
    size_t n, cap;
};

static void gather_sent(void *ctx, struct mp_tx *p)
{
    struct gather *g = ctx;
    if (!p->sent)
        return;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->v = xrealloc(g->v, g->cap * sizeof *g->v);
    }
    g->v[g->n++] = p;
}

static int cmp_id(const void *a, const void *b)
{
    l1_tx_id x = (*(const struct mp_tx *const *)a)->sent->id;
    l1_tx_id y = (*(const struct mp_tx *const *)b)->sent->id;
    return (x > y) - (x < y);
}

void l1_finish(struct l1 *l1)
{
    struct gather g = { NULL, 0, 0 };
    mp_each(l1->pool, gather_sent, &g);
    for (struct mp_tx *p = l1->out_of_pool; p; p = p->fnext)
        gather_sent(&g, p);
    if (g.n > 1)
        qsort(g.v, g.n, sizeof *g.v, cmp_id);   /* rows in handle order */
    for (size_t i = 0; i < g.n; i++) {
        const struct fate *f = fate_of(l1, g.v[i]->sent->id);
        write_tx_row(l1, g.v[i], f->state == L1_FATE_DROPPED ? "dropped"
                               : f->state == L1_FATE_PENDING ? "pending" : "included");
    }
    free(g.v);
    l1->finished = true;
}

/* Decimal text of at most 39 digits to u128; false if it is not one. */
static bool parse_wei(const unsigned char *t, u128 *out)
{
    u128 v = 0;
    if (!t || !*t)
        return false;
    for (; *t; t++) {
        if (*t < '0' || *t > '9' || v > (~(u128)0 - 9) / 10)
            return false;
        v = v * 10 + (u128)(*t - '0');
    }
    *out = v;
    return true;
}

/* The l1_txs rows of this world, summed by origin and payer, against what the L1
 * charged each scheme and adversary (l1_paid_by) and each payer within it
 * (l1_paid_by_payer). O(rows x origins). */
static int check_txs_table(const struct l1 *l1, struct inv_fail *f)
{
    size_t n = l1->nschemes + l1->nadversaries;
    u128 (*sum)[L1_NPAYERS] = xcalloc(n + 1, sizeof *sum);
    sqlite3_stmt *q = store_prepare(l1->w->store,
        "SELECT origin, fee_wei, payer FROM l1_txs WHERE run_id = ? AND world = ? ORDER BY tx_id");
    sqlite3_bind_int64(q, 1, l1->w->run_id);
    sqlite3_bind_text(q, 2, l1->w->name, -1, SQLITE_STATIC);
    int bad = 0;
    while (!bad && sqlite3_step(q) == SQLITE_ROW) {
        const char *origin = (const char *)sqlite3_column_text(q, 0);
        const char *payer = (const char *)sqlite3_column_text(q, 2);
        u128 fee;
        if (!parse_wei(sqlite3_column_text(q, 1), &fee)) {
            bad = INV_FAIL(f, "l1_txs rows sum to what the L1 charged", "a row of origin "
                           "'%s' has fee_wei '%s', not a decimal amount", origin,
                           (const char *)sqlite3_column_text(q, 1));
            break;
        }
        unsigned j = L1_PAYER_USER;
        while (j < L1_NPAYERS && strcmp(payer ? payer : "", l1_payer_str(j)) != 0)
            j++;
        if (j == L1_NPAYERS) {
            bad = INV_FAIL(f, "l1_txs rows sum to what the L1 charged", "a row of origin "
                           "'%s' has payer '%s', none of user, operator, challenger, "
                           "adversary", origin, payer ? payer : "NULL");
            break;
        }
        size_t k = 0;
        while (k < n && strcmp(origin, k < l1->nschemes ? l1->scheme_names[k]
                                       : l1->adversary_names[k - l1->nschemes]) != 0)
            k++;
        sum[k][j] += fee;           /* k == n: an origin of no scheme or adversary */
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    for (size_t k = 0; !bad && k <= n; k++) {
        const char *name = k == n ? "(unknown)" : k < l1->nschemes ? l1->scheme_names[k]
                         : l1->adversary_names[k - l1->nschemes];
        u128 total = 0;
        for (unsigned j = 0; j < L1_NPAYERS; j++)
            total += sum[k][j];
        u128 charged = k == n ? 0 : k < l1->nschemes ? l1->paid_scheme[k]
                                                     : l1->paid_adversary[k - l1->nschemes];
        char a[41], b[41];
        if (total != charged) {
            bad = INV_FAIL(f, "l1_txs rows sum to what the L1 charged", "origin '%s': its "
                           "l1_txs rows sum to %s wei, the L1 charged it %s wei", name,
                           u128_str(total, a), u128_str(charged, b));
            break;
        }
        for (unsigned j = 0; !bad && j < L1_NPAYERS && k < n; j++) {
            u128 by = k < l1->nschemes ? l1->paid_scheme_by[k][j]
                                       : l1->paid_adversary_by[k - l1->nschemes][j];
            if (sum[k][j] != by)
                bad = INV_FAIL(f, "l1_txs rows sum to what the L1 charged", "origin '%s', "
                               "payer %s: its l1_txs rows sum to %s wei, the L1 charged it "
                               "%s wei", name, l1_payer_str(j), u128_str(sum[k][j], a),
                               u128_str(by, b));
        }
    }
    free(sum);
    return bad;
}

/* What senders paid equals what was burned (EIP-1559 base fee, EIP-4844 blob fee)
 * plus what proposers received, to the wei: the two sides are summed independently
 * (pay(), build_block()). The pool never holds more than its capacity. O(1). */
int l1_check(const struct l1 *l1, struct inv_fail *f)
{
    const struct l1_totals *t = &l1->totals;
    u128 out = t->base_fee_burned + t->priority_fee + t->blob_fee_burned;
    if (t->paid != out) {
        char a[41], b[41];
        return INV_FAIL(f, "money conserved on the L1", "senders paid %s wei, burned + tips "
                        "= %s wei", u128_str(t->paid, a), u128_str(out, b));
    }
    if (mp_size(l1->pool) > l1->max_txs)
        return INV_FAIL(f, "the mempool within its capacity", "%zu transactions pending, "
                        "capacity %zu", mp_size(l1->pool), l1->max_txs);
    return l1->finished ? check_txs_table(l1, f) : 0;
}
uint64_t l1_gas_limit(const struct l1 *l1)
{
    return l1->next_gas_limit;
}

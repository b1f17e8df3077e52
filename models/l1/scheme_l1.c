/* scheme_l1.c — the baseline every saving is measured against: each user transfer is
 * its own L1 transaction (a plain value transfer: no calldata, no execution, so the L1
 * charges the 21000 intrinsic gas) in the fee market, bidding base fee x multiplier
 * plus a tip (a higher tip for urgent users), as wallets do, but never more per gas
 * than the user's willingness to pay allows, and only when the user's L1 balance
 * covers the most it can cost (users.h). */
#include <stdlib.h>
#include <string.h>

#include "models/l1/fee_market.h"
#include "models/l1/l1.h"
#include "models/l1/scheme_l1.h"
#include "models/workload/users.h"
#include "sim/fault.h"

static const struct scn_param params[] = {
    { "schemes[l1].fee_policy", SCN_ENUM, "basefee", NULL, NULL, "basefee|percentile", 0,
      "how users pick the tip: a fixed tip, or a percentile of recent blocks' tips (eth_feeHistory)" },
    { "schemes[l1].tip", SCN_AMOUNT, "1gwei", "0wei", "10000gwei", NULL, 0,
      "max priority fee per gas a user offers (fee_policy: basefee)" },
    { "schemes[l1].urgent_tip", SCN_AMOUNT, "3gwei", "0wei", "10000gwei", NULL, 0,
      "max priority fee per gas an urgent user offers (fee_policy: basefee)" },
    { "schemes[l1].tip_percentile", SCN_UINT, "50", "1", "100", NULL, 0,
      "percentile of recent tips offered (fee_policy: percentile); urgent users offer the 90th" },
    { "schemes[l1].max_fee_multiplier", SCN_REAL, "2", "1", "100", NULL, 0,
      "max fee per gas = base fee at submission x this + tip (wallets use 2)" },
    { "schemes[l1].max_fee_cap", SCN_AMOUNT, NULL, "1wei", "100000gwei", NULL, SCN_OPTIONAL,
      "ceiling on the max fee per gas: patient users wait for the base fee to fall below it" },
    { "schemes[l1].bump_after", SCN_UINT, "0", "0", "100000", NULL, 0,
      "blocks a transaction waits before the user replaces it with a higher fee (0: never)" },
    { "schemes[l1].bump", SCN_FRACTION, "12.5%", "10%", "1000%", NULL, 0,
      "fee increase of each replacement (clients require at least 10%)" },
};

struct pending {
    struct tx_record rec;
    struct scheme   *sc;
    u128             reserved;      /* of the sender's balance, until included or dropped */
    uint64_t         cap;           /* the most per gas the sender pays (willingness) */
    struct pending  *prev, *next;   /* in flight: written at finish if never final */
};

struct state {
    struct l1_fee_policy normal, urgent;
    struct pending *inflight;
    u128     l1_paid;            /* the sum of its transactions' receipts */
};

static void unlink_pending(struct state *st, struct pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        st->inflight = p->next;
    if (p->next)
        p->next->prev = p->prev;
}

static void on_included(void *ctx, const struct l1_receipt *r)
{
    struct pending *p = ctx;
    struct state *st = p->sc->state;
    p->rec.soft = r->time;           /* on the L1 itself, accepted = included */
    p->rec.include = r->time;
    p->rec.charged = true;
    p->rec.l1_fee = r->total;
    p->rec.status = "included";
    /* executed: the sender pays the fee and the value, the recipient gets the value */
    user_settle(p->sc, p->rec.from, p->reserved, r->total + p->rec.value);
    user_credit(p->sc, p->rec.to, p->rec.value);
    p->reserved = 0;
    st->l1_paid += r->total + fault_fire("scheme_l1.receipt");   /* a test's wrong book */
}

static void on_final(void *ctx, const struct l1_receipt *r)
{
    struct pending *p = ctx;
    struct state *st = p->sc->state;
    p->rec.final = sim_now(p->sc->world->sim);
    p->rec.status = "final";
    txlog_write(p->sc->world, p->sc, &p->rec);
    unlink_pending(st, p);
    free(p);
}

static void on_dropped(void *ctx, const char *why)
{
    struct pending *p = ctx;
    struct state *st = p->sc->state;
    user_settle(p->sc, p->rec.from, p->reserved, 0);
    p->reserved = 0;
    p->rec.status = "dropped";
    p->rec.reason = why;
    /* priced out: the base fee alone is above what the user pays per gas. Reasons are
     * fixed phrases, so that `GROUP BY reason` counts transfers by cause; the amounts
     * are in the rows (fee caps follow from the user, base fees from l1_blocks). */
    if (l1_base_fee(p->sc->world->l1) > p->cap)
        p->rec.reason = "too expensive: the base fee stayed above the user's willingness "
                        "to pay until the user gave up";
    txlog_write(p->sc->world, p->sc, &p->rec);
    unlink_pending(st, p);
    free(p);
}

static int init(struct scheme *sc, struct err *e)
{
    const struct scn *s = sc->world->scn;
    struct state *st = xcalloc(1, sizeof *st);
    sc->state = st;
    size_t i = sc->index;
    bool pct = strcmp(scn_str(s, "schemes[%zu].fee_policy", i), "percentile") == 0;
    st->normal = (struct l1_fee_policy){
        .kind = pct ? L1_FEE_PERCENTILE : L1_FEE_BASEFEE_MULT,
        .tip = (uint64_t)scn_amount(s, "schemes[%zu].tip", i),
        .percentile = (uint32_t)scn_uint(s, "schemes[%zu].tip_percentile", i),
        .mult_pct = (uint32_t)(scn_real(s, "schemes[%zu].max_fee_multiplier", i) * 100 + 0.5),
        .cap = scn_has(s, "schemes[%zu].max_fee_cap", i)
             ? (uint64_t)scn_amount(s, "schemes[%zu].max_fee_cap", i) : 0,
        .bump_after = (uint32_t)scn_uint(s, "schemes[%zu].bump_after", i),
        .bump_pct = (uint32_t)(scn_real(s, "schemes[%zu].bump", i) * 100 + 0.5),
    };
    st->urgent = st->normal;
    st->urgent.tip = (uint64_t)scn_amount(s, "schemes[%zu].urgent_tip", i);
    if (pct && st->urgent.percentile < 90)
        st->urgent.percentile = 90;
    return 0;
}

static void on_transfer(struct scheme *sc, const struct transfer *t)
{
    struct state *st = sc->state;
    struct pending *p = xcalloc(1, sizeof *p);
    p->sc = sc;
    p->rec = (struct tx_record){ .tx_id = t->id, .from = t->from, .to = t->to,
                                 .value = t->value, .submit = t->at, .soft = -1, .include = -1,
                                 .final = -1, .status = "pending" };
    /* The user's willingness to pay caps the max fee per gas (the wallet's ceiling,
     * which fee bumps respect too): priced above it, the transfer waits in the pool
     * for the base fee to fall, until the user's patience runs out. */
    struct l1_fee_policy fee = t->urgent ? st->urgent : st->normal;
    /* a user's account per scheme: on a shared L1 the schemes' copies of one transfer
     * must not queue behind each other as one sender's nonces would */
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | t->from),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "transfer",
                        .deadline = t->deadline == INT64_MAX ? 0 : t->deadline };
    uint64_t gas = l1_gas_of(sc->world->l1, &tx);      /* the wallet's estimate */
    u128 cap = t->max_fee / gas;
    p->cap = cap == 0 ? 1 : cap > UINT64_MAX ? UINT64_MAX : (uint64_t)cap;
    if (fee.cap == 0 || p->cap < fee.cap)
        fee.cap = p->cap;
    p->cap = fee.cap;
    /* A transaction is valid only if the sender's balance covers gas x max fee +
     * value (EIP-1559's validity rule; clients also count the sender's pending
     * transactions): reserved now, settled at inclusion or released at a drop. */
    p->reserved = (u128)gas * fee.cap + t->value;
    if (!user_reserve(sc, t->from, p->reserved)) {
        p->rec.status = "failed";
        p->rec.reason = "insufficient funds: the balance does not cover gas x max fee + "
                        "value";
        p->reserved = 0;
        txlog_write(sc->world, sc, &p->rec);
        free(p);
        return;
    }
    p->next = st->inflight;
    if (p->next)
        p->next->prev = p;
    st->inflight = p;
    struct l1_callbacks cb = { on_included, on_final, on_dropped, p };
    l1_submit(sc->world->l1, &tx, &fee, &cb);
}

/* On the L1 itself a user's funds already are where a deposit would take them, and
 * a withdrawal has nowhere to come back from: the baseline has nothing to do. */
static void on_deposit(struct scheme *sc, const struct deposit *d) { (void)sc, (void)d; }
static void on_withdrawal(struct scheme *sc, const struct withdrawal *wd) { (void)sc, (void)wd; }

/* Rows for what never became final, in transfer order so the table's insertion
 * order is deterministic. */
static int cmp_pending(const void *a, const void *b)
{
    const struct pending *x = *(const struct pending *const *)a, *y = *(const struct pending *const *)b;
    return (x->rec.tx_id > y->rec.tx_id) - (x->rec.tx_id < y->rec.tx_id);
}

static void finish(struct scheme *sc)
{
    struct state *st = sc->state;
    size_t n = 0;
    for (struct pending *p = st->inflight; p; p = p->next)
        n++;
    struct pending **v = xmalloc((n ? n : 1) * sizeof *v);
    n = 0;
    for (struct pending *p = st->inflight; p; p = p->next)
        v[n++] = p;
    qsort(v, n, sizeof *v, cmp_pending);
    for (size_t i = 0; i < n; i++)
        txlog_write(sc->world, sc, &v[i]->rec);
    free(v);
}

/* What the users' receipts say they paid is what the L1 charged this scheme. */
static int check(struct scheme *sc, struct inv_fail *f)
{
    struct state *st = sc->state;
    u128 charged = l1_paid_by(sc->world->l1, L1_ORIGIN_SCHEME(sc->index));
    char x[41], y[41];
    if (charged != st->l1_paid)
        return INV_FAIL(f, "money conserved between the L1 and a scheme", "scheme '%s': "
                        "receipts total %s wei, the L1 charged %s wei", sc->name,
                        u128_str(st->l1_paid, x), u128_str(charged, y));
    return 0;
}

static void destroy(struct scheme *sc)
{
    struct state *st = sc->state;
    if (!st)
        return;
    while (st->inflight) {
        struct pending *p = st->inflight;
        st->inflight = p->next;
        free(p);
    }
    free(st);
}

const struct scheme_ops scheme_l1_ops = {
    .type = "l1",
    .doc = "every transfer is an L1 transaction: the baseline fees are measured against",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .on_transfer = on_transfer, .finish = finish, .destroy = destroy,
    .on_deposit = on_deposit, .on_withdrawal = on_withdrawal,
    .check = check,
    .report = &scheme_l1_report, .costs = &scheme_l1_costs, .estimate = scheme_l1_estimate,
};

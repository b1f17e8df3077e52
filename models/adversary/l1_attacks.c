/* l1_attacks.c — adversaries that act through the L1 itself. Block stuffing: during a
 * window, filler transactions with a high tip take the block space, within a budget,
 * so others wait and the base fee climbs. Censorship: during a window, a share of
 * proposers leave a target scheme's transactions out of their blocks. Each keeps exact
 * accounts of what it spent and what it did, written to the attacks table. */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/l1/fee_market.h"
#include "models/l1/l1.h"
#include "sim/fault.h"
#include "sim/rng.h"

/* ---- common ---- */

struct window {
    sim_time from, until;
};

static void read_window(const struct adversary *a, struct window *w)
{
    const struct scn *s = a->world->scn;
    w->from = scn_int(s, "adversaries[%zu].from", a->index);
    w->until = sim_time_add_sat(w->from, scn_int(s, "adversaries[%zu].for", a->index));
}

/* ---- block stuffing ---- */

static const struct scn_param stuffing_params[] = {
    { "adversaries[block_stuffing].from", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when the stuffing starts" },
    { "adversaries[block_stuffing].for", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_REQUIRED,
      "how long it lasts (or until the budget is spent)" },
    { "adversaries[block_stuffing].budget", SCN_AMOUNT, NULL, "1wei", NULL, NULL, SCN_REQUIRED,
      "the most the attacker will pay in fees" },
    { "adversaries[block_stuffing].tip", SCN_AMOUNT, "50gwei", "0wei", NULL, NULL, 0,
      "max priority fee per gas of the filler transactions" },
    { "adversaries[block_stuffing].max_fee", SCN_AMOUNT, "10000gwei", "1wei", NULL, NULL, 0,
      "max fee per gas of the filler transactions" },
    { "adversaries[block_stuffing].fill", SCN_FRACTION, "100%", "0.01", "1", NULL, 0,
      "share of each block's gas limit the attacker tries to take" },
    { "adversaries[block_stuffing].chunk_gas", SCN_GAS, "1M", "21000", "16777216", NULL, 0,
      "gas of one filler transaction (EIP-7825 caps a transaction at 2^24 gas)" },
};

struct stuffing {
    struct window win;
    u128     budget, spent, committed;   /* committed: most the pending fillers can cost */
    uint64_t tip, max_fee, chunk_gas;
    double   fill;
    uint64_t fillers, included, last_height, blocks;
    u128     base_fee_sum_during;
    uint64_t base_fee_samples;
};

struct filler {
    struct adversary *a;
    u128 worst;                    /* its most possible cost, reserved until it lands or leaves */
};

static void filler_included(void *ctx, const struct l1_receipt *r)
{
    struct filler *f = ctx;
    struct stuffing *st = f->a->state;
    st->committed -= f->worst;
    st->spent += r->total + fault_fire("block_stuffing.spend");   /* a test's wrong book */
    st->included++;
    if (r->height != st->last_height) {
        st->last_height = r->height;
        st->blocks++;
    }
    free(f);
}

static void filler_dropped(void *ctx, const char *why)
{
    struct filler *f = ctx;
    struct stuffing *st = f->a->state;
    st->committed -= f->worst;
    free(f);
}

/* As each block of the window is built, offer fillers for it, within budget. They
 * live for this block only (deadline: now), so this block's base fee, known here,
 * bounds what each can cost. */
static void stuff(void *ctx, uint64_t height, sim_time now)
{
    struct adversary *a = ctx;
    struct stuffing *st = a->state;
    struct l1 *l1 = a->world->l1;
    if (now < st->win.from || now >= st->win.until)
        return;
    st->base_fee_sum_during += l1_base_fee(l1);
    st->base_fee_samples++;
    uint64_t want = (uint64_t)(st->fill * (double)l1_gas_limit(l1));
    uint64_t price = l1_base_fee(l1) + st->tip;
    if (price > st->max_fee)
        price = st->max_fee;
    for (uint64_t gas = 0; gas + st->chunk_gas <= want; gas += st->chunk_gas) {
        u128 worst = (u128)st->chunk_gas * price;
        if (st->spent + st->committed + worst > st->budget)
            break;
        struct filler *f = xcalloc(1, sizeof *f);
        f->a = a;
        f->worst = worst;
        if (!fault_fire("block_stuffing.commit"))   /* the fault: a filler not reserved */
            st->committed += worst;
        st->fillers++;
        /* a call that burns chunk_gas less the intrinsic 21000 in execution, no
         * calldata: the L1 charges exactly chunk_gas (EIP-2028, no EIP-7623 floor) */
        struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, 0x100000 + a->index),
                            .origin = L1_ORIGIN_ADVERSARY(a->index), .kind = "stuffing",
                            .exec_gas = st->chunk_gas - FM_TX_BASE_COST, .deadline = now };
        struct l1_fee_policy fp = { .kind = L1_FEE_FIXED, .tip = st->tip, .max_fee = st->max_fee };
        struct l1_callbacks cb = { filler_included, NULL, filler_dropped, f };
        l1_submit(l1, &tx, &fp, &cb);
    }
}

static int stuffing_init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct stuffing *st = xcalloc(1, sizeof *st);
    a->state = st;
    read_window(a, &st->win);
    st->budget = scn_amount(s, "adversaries[%zu].budget", a->index);
    u128 tip = scn_amount(s, "adversaries[%zu].tip", a->index);
    u128 max_fee = scn_amount(s, "adversaries[%zu].max_fee", a->index);
    if (max_fee > UINT64_MAX || tip > max_fee) {
        char path[64];
        snprintf(path, sizeof path, "adversaries[%zu].tip", a->index);
        return scn_error_at(s, e, path, "the tip must not exceed max_fee (< 2^64 wei)");
    }
    st->tip = (uint64_t)tip;
    st->max_fee = (uint64_t)max_fee;
    st->fill = scn_real(s, "adversaries[%zu].fill", a->index);
    st->chunk_gas = (uint64_t)scn_int(s, "adversaries[%zu].chunk_gas", a->index);
    struct l1_builder_hook h = { stuff, NULL, a };
    l1_add_builder_hook(a->world->l1, &h);
    return 0;
}

static void stuffing_finish(struct adversary *a)
{
    struct stuffing *st = a->state;
    char detail[256];
    double mean = st->base_fee_samples ? (double)st->base_fee_sum_during / (double)st->base_fee_samples / 1e9 : 0;
    snprintf(detail, sizeof detail, "%llu filler transactions offered, %llu included; mean "
             "base fee during the window %.3f gwei", (unsigned long long)st->fillers,
             (unsigned long long)st->included, mean);
    struct attack_row row = { .attack_id = 1, .type = "block_stuffing", .target = "all",
                              .start = st->win.from, .end = st->win.until, .cost = st->spent,
                              .blocks_affected = st->blocks, .detail = detail };
    adversary_record(a, &row);
}

/* The attacker never spends beyond its budget, and what it says it spent is what
 * the L1 charged it. */
static int stuffing_check(struct adversary *a, struct inv_fail *f)
{
    struct stuffing *st = a->state;
    char x[41], y[41], z[41];
    /* each term on its own too: a reservation released twice wraps `committed` round,
     * and the sum would wrap back */
    if (st->spent > st->budget || st->committed > st->budget ||
        st->spent + st->committed > st->budget)
        return INV_FAIL(f, "an attacker stays within its budget", "block_stuffing '%s' spent "
                        "%s wei and has %s wei committed, budget %s wei", a->name,
                        u128_str(st->spent, x), u128_str(st->committed, y),
                        u128_str(st->budget, z));
    u128 charged = l1_paid_by(a->world->l1, L1_ORIGIN_ADVERSARY(a->index));
    if (charged != st->spent)
        return INV_FAIL(f, "money conserved between the L1 and an attacker", "block_stuffing "
                        "'%s' recorded %s wei spent, the L1 charged it %s wei", a->name,
                        u128_str(st->spent, x), u128_str(charged, y));
    return 0;
}

static void plain_destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops block_stuffing_ops = {
    .type = "block_stuffing",
    .doc = "fills blocks with high-tip filler transactions during a window, within a budget",
    .params = stuffing_params, .nparams = ARRAY_LEN(stuffing_params),
    .init = stuffing_init, .finish = stuffing_finish, .destroy = plain_destroy,
    .check = stuffing_check,
};

/* ---- censorship ---- */

static const struct scn_param censorship_params[] = {
    { "adversaries[censorship].from", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when censoring starts" },
    { "adversaries[censorship].for", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_REQUIRED,
      "how long it lasts" },
    { "adversaries[censorship].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the scheme whose L1 transactions are excluded" },
    { "adversaries[censorship].share", SCN_FRACTION, "50%", "0", "1", NULL, 0,
      "share of proposers who censor (each slot's proposer censors with this probability)" },
};

struct censorship {
    struct window win;
    double   share;
    int64_t  target;               /* scheme index in the scenario; -1: not in this world */
    gsl_rng *r;
    bool     censoring;            /* this slot's proposer censors */
    uint64_t blocks, exclusions;
    sim_time slot;
};

static void censor_begin(void *ctx, uint64_t height, sim_time t)
{
    struct adversary *a = ctx;
    struct censorship *c = a->state;
    c->censoring = false;
    if (t < c->win.from || t >= c->win.until)
        return;
    c->censoring = gsl_rng_uniform(c->r) < c->share;   /* one draw per slot in the window */
    c->blocks += c->censoring;
    if (c->censoring && fault_fire("censorship.blocks"))
        c->blocks++;                /* the fault: a proposer counted twice */
}

static bool censor_excluded(void *ctx, const struct mp_tx *tx)
{
    struct adversary *a = ctx;
    struct censorship *c = a->state;
    if (!c->censoring || c->target < 0 || l1_tx_origin(tx) != L1_ORIGIN_SCHEME(c->target))
        return false;
    c->exclusions++;
    return true;
}

static int censorship_init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct censorship *c = xcalloc(1, sizeof *c);
    a->state = c;
    read_window(a, &c->win);
    c->share = scn_real(s, "adversaries[%zu].share", a->index);
    c->slot = l1_slot(a->world->l1);
    const char *target = scn_str(s, "adversaries[%zu].target", a->index);
    c->target = -1;
    bool known = false;
    for (size_t i = 0; i < scn_count(s, "schemes"); i++)
        if (strcmp(scn_str(s, "schemes[%zu].name", i), target) == 0)
            known = true;
    if (!known) {
        char path[64];
        snprintf(path, sizeof path, "adversaries[%zu].target", a->index);
        return scn_error_at(s, e, path, "no scheme named '%s' in this scenario", target);
    }
    for (size_t i = 0; i < a->world->nschemes; i++)
        if (strcmp(a->world->schemes[i]->name, target) == 0)
            c->target = (int64_t)a->world->schemes[i]->index;
    c->r = rng_stream(a->world->seed, RNG_ADVERSARY, a->index, 1);
    struct l1_builder_hook h = { censor_begin, censor_excluded, a };
    l1_add_builder_hook(a->world->l1, &h);
    return 0;
}

static void censorship_finish(struct adversary *a)
{
    struct censorship *c = a->state;
    if (c->target < 0)
        return;                     /* its target runs in another world */
    char detail[256];
    snprintf(detail, sizeof detail, "%llu censoring proposers; target transactions left "
             "out %llu times", (unsigned long long)c->blocks, (unsigned long long)c->exclusions);
    struct attack_row row = { .attack_id = 1, .type = "censorship",
                              .target = scn_str(a->world->scn, "adversaries[%zu].target", a->index),
                              .start = c->win.from, .end = c->win.until, .cost = 0,
                              .blocks_affected = c->blocks, .txs_affected = c->exclusions,
                              .delay_us = (sim_time)c->exclusions * c->slot, .detail = detail };
    adversary_record(a, &row);
}

/* At most one censoring proposer per slot of the window. */
static int censorship_check(struct adversary *a, struct inv_fail *f)
{
    struct censorship *c = a->state;
    sim_time now = sim_now(a->world->sim);
    sim_time end = now < c->win.until ? now : c->win.until;
    /* slot times in [from, end]: a proposer at `from` itself censors too */
    uint64_t slots = now >= c->win.from ? (uint64_t)((end - c->win.from) / c->slot) + 1 : 0;
    if (c->blocks > slots)
        return INV_FAIL(f, "one proposer per slot", "censorship '%s' counted %llu censoring "
                        "proposers in %llu slots of its window", a->name,
                        (unsigned long long)c->blocks, (unsigned long long)slots);
    return 0;
}

static void censorship_destroy(struct adversary *a)
{
    struct censorship *c = a->state;
    if (c && c->r)
        gsl_rng_free(c->r);
    free(c);
}

const struct adversary_ops censorship_ops = {
    .type = "censorship",
    .doc = "a share of proposers exclude a target scheme's transactions during a window",
    .params = censorship_params, .nparams = ARRAY_LEN(censorship_params),
    .init = censorship_init, .finish = censorship_finish, .destroy = censorship_destroy,
    .check = censorship_check,
};

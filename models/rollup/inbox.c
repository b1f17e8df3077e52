/* inbox.c — censorship resistance: a sequencer may drop a user's transfers (the
 * censoring_sequencer adversary, censoring.c), and the user's wallet, seeing no soft
 * confirmation within force_after, sends the signed transfer to the rollup's L1 inbox
 * itself (kind `forced_tx`, paid from its L1 account). An honest sequencer includes
 * what the inbox holds like a deposit, deposit_depth L1 blocks later; a censoring one
 * ignores it until the protocol forces it into the next L2 block, `forced_window`
 * after its L1 inclusion: with the op preset 30 min (a live OP Stack sequencer must
 * take an L1 block's deposits within max_sequencer_drift, 1800 s since Fjord), with
 * the arbitrum preset 24 h (the delayed inbox's maxTimeVariation.delaySeconds). */
#include <stdlib.h>

#include "models/rollup/rollup_int.h"
#include "models/workload/users.h"

bool inbox_censored(const struct rollup *ru, uint32_t user)
{
    sim_time now = sim_now(ru->sc->world->sim);
    if (ru->censor_ppm == 0 || now < ru->censor_from || now >= ru->censor_until)
        return false;
    /* victims: a fixed share of users, by a hash of the user id */
    return (uint32_t)(((uint64_t)user * UINT64_C(2654435761)) % 1000000u) < ru->censor_ppm;
}

/* t leaves the held list: into the pool, or failed */
static void unhold(struct ru_tx *t)
{
    t->owner->held[t->held] = NULL;
}

static void forced_due(void *ctx)
{
    struct ru_tx *t = ctx;
    unhold(t);
    seq_push_forced(t->owner, t);
}

static void forced_included(void *ctx, const struct l1_receipt *r)
{
    struct ru_tx *t = ctx;
    struct rollup *ru = t->owner;
    struct scheme *sc = ru->sc;
    user_settle(sc, t->rec.from, t->force_reserved, r->total);
    t->force_reserved = 0;
    t->rec.l1_fee += r->total;      /* the user paid the L1 gas of forcing it */
    ru->l1_paid += r->total;
    struct l1 *l1 = sc->world->l1;
    /* an honest sequencer takes the inbox's transfers as it takes deposits; a censoring
     * one only when the sequencing window forces it */
    bool censoring = r->time >= ru->censor_from && r->time < ru->censor_until;
    sim_time due = r->time + (censoring ? ru->forced_window
                                        : (sim_time)ru->deposit_depth * l1_slot(l1));
    l1_at(l1, due, forced_due, t);
}

static void forced_dropped(void *ctx, const char *why)
{
    (void)why;
    struct ru_tx *t = ctx;
    struct rollup *ru = t->owner;
    user_settle(ru->sc, t->rec.from, t->force_reserved, 0);
    struct ru_user *u = ru_user(ru, t->rec.from);
    u->pending_debit -= t->tx.amount + t->tx.fee;
    u->pending_n--;
    unhold(t);
    ru_tx_failed(ru, t, "dropped", "censored, and its forced inclusion left the L1 pool");
}

/* The wallet's patience ran out: send the signed transfer to the L1 inbox. */
static void force(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct ru_tx *t = ctx;
    struct rollup *ru = t->owner;
    struct scheme *sc = ru->sc;
    struct l1 *l1 = sc->world->l1;
    uint8_t wire[TRANSFER_WIRE_BYTES];
    transfer_wire(&t->tx, wire);
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | t->rec.from),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "forced_tx",
                        .calldata = wire, .calldata_len = sizeof wire,
                        .exec_gas = ru->deposit_gas };
    struct l1_fee_policy fee = { .kind = L1_FEE_BASEFEE_MULT, .tip = 1000000000u,
                                 .mult_pct = 200 };
    u128 reserved = (u128)l1_gas_of(l1, &tx) * (2 * (u128)l1_base_fee(l1) + fee.tip);
    if (!user_reserve(sc, t->rec.from, reserved)) {
        struct ru_user *u = ru_user(ru, t->rec.from);
        u->pending_debit -= t->tx.amount + t->tx.fee;
        u->pending_n--;
        unhold(t);
        ru_tx_failed(ru, t, "failed", "censored, and the user cannot pay the L1 gas to "
                     "force it through the inbox");
        return;
    }
    t->force_reserved = reserved;
    ru->forced_sent++;
    struct l1_callbacks cb = { forced_included, NULL, forced_dropped, t };
    l1_submit(l1, &tx, &fee, &cb);
}

void inbox_hold(struct rollup *ru, struct ru_tx *t)
{
    ru->censored++;
    if (ru->censored_last_block != ru->nblocks + 1) {   /* the block being filled */
        ru->censored_last_block = ru->nblocks + 1;
        ru->censored_blocks++;
    }
    t->owner = ru;
    t->held = ru->nheld;
    ru->held = xrealloc(ru->held, (ru->nheld + 1) * sizeof *ru->held);
    ru->held[ru->nheld++] = t;
    sim_after(ru->sc->world->sim, ru->force_after, force, t, NULL, 0);
}

void inbox_finish(struct rollup *ru)
{
    for (size_t i = 0; i < ru->nheld; i++)
        if (ru->held[i]) {
            struct ru_tx *t = ru->held[i];
            ru->held[i] = NULL;
            if (t->force_reserved)   /* its L1 transaction is still pending */
                user_settle(ru->sc, t->rec.from, t->force_reserved, 0);
            t->force_reserved = 0;
            ru_tx_failed(ru, t, NULL, NULL);
        }
}

void inbox_free(struct rollup *ru)
{
    for (size_t i = 0; i < ru->nheld; i++)
        free(ru->held[i]);
    free(ru->held);
}

/* ---- hooks ---- */

void inbox_censor(struct scheme *sc, sim_time until, double share)
{
    struct rollup *ru = sc->state;
    ru->censor_from = sim_now(sc->world->sim);
    ru->censor_until = until;
    ru->censor_ppm = (uint32_t)(share * 1e6 + 0.5);
}

void inbox_stats(struct scheme *sc, struct sequencer_censorship *out)
{
    struct rollup *ru = sc->state;
    *out = (struct sequencer_censorship){ .censored = ru->censored, .blocks = ru->censored_blocks,
                                          .forced = ru->forced_done,
                                          .wait_sum = ru->forced_wait_sum };
}

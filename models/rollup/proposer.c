/* proposer.c — the optimistic rollup's proposer: every claim_every L2 blocks it
 * claims on L1 the state root after the latest block whose batch is on L1, with a
 * bond. A claim nobody has overturned by the end of its challenge window stands: its
 * blocks are final and their withdrawals payable, its bond returned. The dispute game
 * (models/rollup/dispute.c, through "proposer.resolve") may delete a claim first: its
 * bond is slashed and the proposer claims the true root again. "proposer.falsify"
 * makes the next claim a false one, for the invalid-state-root adversary; a false
 * claim that stands pays its claimant out of the bridge. */
#include <stdlib.h>
#include <string.h>

#include "models/rollup/rollup_int.h"
#include "sim/money.h"

static void claim_included(void *ctx, const struct l1_receipt *r);
static void claim_dropped(void *ctx, const char *why);

/* Send claim c to L1: the root and the L2 block number it is the state after. */
static void claim_send(void *ctx)
{
    struct ru_claim *c = ctx;
    struct scheme *sc = c->sc;
    struct rollup *ru = sc->state;
    uint8_t data[MERKLE_HASH_BYTES + 8];
    memcpy(data, c->c.root, MERKLE_HASH_BYTES);
    for (int i = 0; i < 8; i++)
        data[MERKLE_HASH_BYTES + i] = (uint8_t)(c->c.last_block >> (8 * i));
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, (uint64_t)sc->index << 8 | 1),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "state_root",
                        .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = ru->claim_gas };
    struct l1_fee_policy fee = ru_operator_bid(ru, c->resends);
    struct l1_callbacks cb = { claim_included, NULL, claim_dropped, c };
    c->l1 = c->c.l1_tx = l1_submit(sc->world->l1, &tx, &fee, &cb);
}

/* Evicted or refused by a full pool (block stuffing): the claim is sent again next
 * slot with a higher bid, or its blocks would never be claimed again (the proposer
 * has moved past them). */
static void claim_dropped(void *ctx, const char *why)
{
    (void)why;
    struct ru_claim *c = ctx;
    struct l1 *l1 = c->sc->world->l1;
    c->resends++;
    l1_at(l1, sim_now(c->sc->world->sim) + l1_slot(l1), claim_send, c);
}

/* Claim the state after last_block, its bond reserved from the proposer's purse: false
 * (nothing sent) when the purse cannot cover it. */
static bool post_claim(struct rollup *ru, uint64_t last_block)
{
    struct scheme *sc = ru->sc;
    if (!bond_reserve(ru->proposer_purse, ru->bond))
        return false;
    if (ru->nclaims == ru->cap_claims) {
        ru->cap_claims = ru->cap_claims ? 2 * ru->cap_claims : 64;
        ru->claims = xrealloc(ru->claims, ru->cap_claims * sizeof *ru->claims);
    }
    struct ru_claim *c = xcalloc(1, sizeof *c);
    c->sc = sc;
    c->c.index = ru->nclaims + 1;
    c->c.last_block = last_block;
    memcpy(c->c.root, ru->blocks[last_block - 1]->post_root, MERKLE_HASH_BYTES);
    c->c.honest = true;
    if (ru->falsify_next) {
        uint8_t root[MERKLE_HASH_BYTES];
        memcpy(root, c->c.root, MERKLE_HASH_BYTES);
        ru->falsify_next = false;
        ru->falsify_root_of(ru->falsify_ctx, last_block, root);
        c->c.honest = memcmp(root, c->c.root, MERKLE_HASH_BYTES) == 0;
        memcpy(c->c.root, root, MERKLE_HASH_BYTES);
        if (!c->c.honest)
            c->c.claim = ru->falsify_claim;
    }
    c->c.bond = ru->bond;
    c->c.posted = c->c.window_end = -1;
    c->status = "pending";
    ru->claims[ru->nclaims++] = c;
    claim_send(c);
    if (last_block > ru->last_claimed_block)
        ru->last_claimed_block = last_block;
    return true;
}

static void window_end(void *ctx)
{
    struct ru_claim *c = ctx;
    struct rollup *ru = c->sc->state;
    if (strcmp(c->status, "posted") != 0)
        return;   /* deleted by a dispute */
    if (ru->ch && challengers_disputing(ru->ch, c->c.index))
        return;   /* in a game: final when the game says it stands (proposer_resolve) */
    c->status = "final";
    bond_return(ru->bonds, ru->proposer_purse, c->c.bond);   /* the claim stood */
    if (!c->c.honest) {
        /* a false root stood: its claimant withdraws what it claimed from the bridge */
        u128 take = c->c.claim < ru->escrow ? c->c.claim : ru->escrow;
        ru->escrow -= take;
        ru->stolen += take;
    }
    ru_blocks_final(ru, c->c.last_block, sim_now(c->sc->world->sim));
}

static void claim_included(void *ctx, const struct l1_receipt *r)
{
    struct ru_claim *c = ctx;
    struct rollup *ru = c->sc->state;
    c->c.posted = r->time;
    c->c.window_end = r->time + ru->challenge_window;
    c->status = "posted";
    c->fee = r->total;
    bond_post(ru->bonds, ru->proposer_purse, c->c.bond);     /* reserved at post_claim */
    ru->l1_paid += r->total;
    ru->claim_cost += r->total;
    ru_notify_claim(ru, c);
    l1_at(c->sc->world->l1, c->c.window_end, window_end, c);
}

void proposer_on_block(struct rollup *ru, const struct ru_block *b)
{
    if (b->number % ru->claim_every != 0)
        return;
    if (ru->repost_block && post_claim(ru, ru->repost_block))
        ru->repost_block = 0;
    if (ru->last_included_block > ru->last_claimed_block)
        post_claim(ru, ru->last_included_block);
}

void proposer_on_batch(struct rollup *ru, const struct ru_batch *b)
{
    (void)ru, (void)b;   /* claims follow the block clock, over what is on L1 */
}

void proposer_falsify(struct scheme *sc, oru_fraud_root_fn *root_of, void *ctx, u128 claim)
{
    struct rollup *ru = sc->state;
    ru->falsify_next = true;
    ru->falsify_root_of = root_of;
    ru->falsify_ctx = ctx;
    ru->falsify_claim = claim;
}

void proposer_resolve(struct scheme *sc, uint64_t index, bool claim_stands)
{
    struct rollup *ru = sc->state;
    SIM_ASSERT(index >= 1 && index <= ru->nclaims);
    struct ru_claim *c = ru->claims[index - 1];
    if (strcmp(c->status, "posted") != 0)
        return;
    if (claim_stands) {
        /* a game held it past its window: final now */
        if (c->c.window_end <= sim_now(sc->world->sim))
            window_end(c);
        return;
    }
    c->status = "deleted";            /* its bond was slashed in the game */
    if (!post_claim(ru, c->c.last_block))   /* the true root again */
        ru->repost_block = c->c.last_block; /* once the purse covers a bond */
}

void proposer_finish(struct rollup *ru)
{
    struct world *w = ru->sc->world;
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO claims(run_id, scheme, claim, last_block, root, honest, bond_wei,"
        " claim_wei, l1_tx_id, posted_us, window_end_us, status, l1_fee_wei)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (uint64_t k = 0; k < ru->nclaims; k++) {
        const struct ru_claim *c = ru->claims[k];
        char hex[2 * MERKLE_HASH_BYTES + 1];
        for (unsigned i = 0; i < MERKLE_HASH_BYTES; i++)
            snprintf(hex + 2 * i, 3, "%02x", c->c.root[i]);
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, ru->sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)c->c.index);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)c->c.last_block);
        sqlite3_bind_text(q, 5, hex, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 6, c->c.honest);
        money_bind(q, 7, c->c.bond);
        money_bind(q, 8, c->c.claim);
        sqlite3_bind_int64(q, 9, (sqlite3_int64)c->l1);
        if (c->c.posted >= 0) {
            sqlite3_bind_int64(q, 10, c->c.posted);
            sqlite3_bind_int64(q, 11, c->c.window_end);
        } else {
            sqlite3_bind_null(q, 10), sqlite3_bind_null(q, 11);
        }
        sqlite3_bind_text(q, 12, c->status, -1, SQLITE_STATIC);
        money_bind(q, 13, c->fee);
        store_step(w->store, q);
    }
}

void proposer_free(struct rollup *ru)
{
    for (uint64_t k = 0; k < ru->nclaims; k++)
        free(ru->claims[k]);
    free(ru->claims);
}

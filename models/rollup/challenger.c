/* challenger.c — the replica, the check of each claim and the games (see
 * challenger.h). The replica keeps the state after the latest verified claim (the
 * anchor) and the blocks sealed since, as trace steps: each block's deposits, then
 * its transfers. Checking a claim replays the blocks up to it on a copy of the
 * anchor; a correct claim's copy becomes the new anchor. */
#include "models/rollup/challenger.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "sim/money.h"

/* Entity kinds of the challengers' random streams (scheme_stream). */
#define CHALLENGER_ENTITY 0x43   /* one per challenger: online or not, per claim */

struct block_steps {
    uint64_t              number;
    struct dispute_entry *steps;
    size_t                n;
    uint8_t               root[MERKLE_HASH_BYTES];   /* the sequencer's post root */
};

/* A claimant's view built by challengers_forge, with the honest view of the same
 * range from the same state. */
struct forged {
    uint64_t                   last_block;
    uint8_t                    root[MERKLE_HASH_BYTES];
    struct challengers_claimant who;
    struct dispute_trace      *view[2];    /* [DISPUTE_DEFENDER] the claimant's */
    struct dispute_entry      *steps;
    size_t                     n;
    struct dispute_transfer_vm vm;
    /* the game, once open */
    struct challengers        *ch;
    uint64_t                   claim;
    sim_time                   posted;
    u128                       bond, value;
    l1_tx_id                   claim_tx;
    int                        challenger;   /* which one plays; -1: nobody */
    bool                       taken;        /* a wrong claim of this root was seen */
    struct dispute            *game;
    bool                       over;
    struct forged             *next;
};

struct challengers {
    struct scheme          *sc;
    struct challengers_deps deps;
    struct dispute_book    *book;
    uint32_t                count;
    double                  online;
    sim_time                response;
    struct l1_fee_policy    fee;              /* .cap 0: derived per game (game_cap) */
    double                  fee_share;        /* of the value at stake, for fees */
    uint64_t                move_gas, step_gas;
    gsl_rng               **online_rng;       /* one per challenger */
    /* the replica */
    struct l2_state        *anchor;
    uint64_t                anchor_block;
    struct block_steps     *blocks;           /* anchor_block + 1, ... in order */
    size_t                  nblocks, capblocks;
    struct forged          *forged;
    sim_time                recheck;          /* how often an offline one looks again */
    sim_time                max_clock;
    uint64_t                claims_checked, claims_wrong, unwatched;
    char                  (*party)[24];       /* "challenger k", one per challenger */
    struct bond_purse     **purse;            /* their bond money, one per challenger */
};

/* ---- the replica ---- */

static void on_block(void *ctx, const struct rollup_block *b)
{
    struct challengers *ch = ctx;
    if (ch->nblocks == ch->capblocks) {
        ch->capblocks = ch->capblocks ? 2 * ch->capblocks : 64;
        ch->blocks = xrealloc(ch->blocks, ch->capblocks * sizeof *ch->blocks);
    }
    struct block_steps *s = &ch->blocks[ch->nblocks++];
    s->number = b->number;
    s->n = b->ndeposits + b->ntxs;
    s->steps = xcalloc(s->n ? s->n : 1, sizeof *s->steps);
    for (size_t i = 0; i < b->ndeposits; i++) {
        struct dispute_entry *e = &s->steps[i];
        e->deposit = true;
        e->index = b->deposits[i].index;
        memcpy(e->pubkey, b->deposits[i].pubkey, SIG_PUBLICKEY_BYTES);
        e->amount = b->deposits[i].amount;
    }
    for (size_t i = 0; i < b->ntxs; i++)
        s->steps[b->ndeposits + i].tx = b->txs[i];
    memcpy(s->root, b->post_root, MERKLE_HASH_BYTES);
}

/* Index into ch->blocks of block number, or -1. */
static ptrdiff_t block_at(const struct challengers *ch, uint64_t number)
{
    if (number <= ch->anchor_block || number > ch->anchor_block + ch->nblocks)
        return -1;
    ptrdiff_t i = (ptrdiff_t)(number - ch->anchor_block - 1);
    SIM_ASSERT(ch->blocks[i].number == number);
    return i;
}

/* The steps of blocks anchor_block + 1 .. last, concatenated (caller frees). */
static struct dispute_entry *steps_until(const struct challengers *ch, uint64_t last, size_t *n)
{
    ptrdiff_t end = block_at(ch, last);
    SIM_ASSERT(end >= 0);
    size_t total = 0;
    for (ptrdiff_t i = 0; i <= end; i++)
        total += ch->blocks[i].n;
    struct dispute_entry *v = xmalloc((total ? total : 1) * sizeof *v);
    size_t k = 0;
    for (ptrdiff_t i = 0; i <= end; i++) {
        memcpy(v + k, ch->blocks[i].steps, ch->blocks[i].n * sizeof *v);
        k += ch->blocks[i].n;
    }
    *n = total;
    return v;
}

/* A batch on L1: the blocks it carries must be the ones the replica holds (the
 * challengers re-execute what was posted, not what they were told). */
static void on_batch(void *ctx, const struct rollup_batch *b)
{
    struct challengers *ch = ctx;
    if (b->first_block <= ch->anchor_block)
        return;
    size_t n = 0;
    for (uint64_t k = b->first_block; k <= b->last_block; k++) {
        ptrdiff_t i = block_at(ch, k);
        if (i < 0)
            return;
        for (size_t j = 0; j < ch->blocks[i].n; j++)
            n += !ch->blocks[i].steps[j].deposit;
    }
    struct l2_transfer *txs = xmalloc((n ? n : 1) * sizeof *txs);
    size_t m = 0;
    for (uint64_t k = b->first_block; k <= b->last_block; k++) {
        const struct block_steps *s = &ch->blocks[block_at(ch, k)];
        for (size_t j = 0; j < s->n; j++)
            if (!s->steps[j].deposit)
                txs[m++] = s->steps[j].tx;
    }
    struct batch_commitment c;
    batch_commit(txs, n, &c);
    free(txs);
    if (c.count != b->commit.count || memcmp(c.tx_root, b->commit.tx_root, MERKLE_HASH_BYTES))
        world_fail(ch->sc->world, "challengers of '%s': batch %llu on L1 is not the blocks "
                   "%llu..%llu the sequencer sealed", ch->sc->name,
                   (unsigned long long)b->index, (unsigned long long)b->first_block,
                   (unsigned long long)b->last_block);
}

/* Move the anchor to block last, whose state is s (taken). */
static void advance(struct challengers *ch, uint64_t last, struct l2_state *s)
{
    ptrdiff_t end = block_at(ch, last);
    SIM_ASSERT(end >= 0);
    for (ptrdiff_t i = 0; i <= end; i++)
        free(ch->blocks[i].steps);
    size_t keep = ch->nblocks - (size_t)(end + 1);
    memmove(ch->blocks, ch->blocks + end + 1, keep * sizeof *ch->blocks);
    ch->nblocks = keep;
    ch->anchor_block = last;
    state_free(ch->anchor);
    ch->anchor = s;
}

/* ---- games ---- */

static void game_over(void *ctx, const struct dispute_result *r)
{
    struct forged *f = ctx;
    f->over = true;
    f->ch->deps.resolve(f->ch->sc, f->claim, r->winner == DISPUTE_DEFENDER);
    if (f->who.resolved)
        f->who.resolved(f->who.ctx, f->claim, r);
}

/* Allowance per move for what the L1 adds to its execution gas: 21000 intrinsic, and
 * the calldata (a claim's ~100 bytes; a step's proof is larger, ~2 KB at 16 gas). */
#define MOVE_L1_GAS_ALLOWANCE 50000u

/* A rational challenger's fee cap for the game over claim f: it will spend up to
 * fee_share of what it defends (the value the false root would pay out, plus the root
 * bond it wins) on the game's fees, as if it had to make every move itself
 * (ceil(log2 n) bisection moves and the step) and each paid its cap. Never below the
 * tip. */
static uint64_t game_cap(const struct challengers *ch, const struct forged *f)
{
    unsigned moves = 0;
    while (((size_t)1 << moves) < f->n)
        moves++;
    u128 gas = (u128)moves * (ch->move_gas + MOVE_L1_GAS_ALLOWANCE) + ch->step_gas +
               MOVE_L1_GAS_ALLOWANCE;
    u128 spend = (u128)((double)(f->value + f->bond) * ch->fee_share);
    u128 cap = spend / gas;
    if (cap < ch->fee.tip)
        cap = ch->fee.tip;
    return cap > UINT64_MAX ? UINT64_MAX : (uint64_t)cap;
}

static void open_game(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct forged *f = ctx;
    struct challengers *ch = f->ch;
    struct scheme *sc = ch->sc;
    struct dispute_spec spec = { .proposal = f->claim, .root_tx = f->claim_tx, .t0 = f->posted,
                                 .n = f->n, .root_bond = f->bond, .value_at_stake = f->value,
                                 .vm = dispute_transfer_vm(&f->vm), .resolved = game_over,
                                 .ctx = f };
    struct dispute_player *d = &spec.side[DISPUTE_DEFENDER], *c = &spec.side[DISPUTE_CHALLENGER];
    d->party = f->who.party, d->sender = f->who.sender, d->origin = f->who.origin;
    d->fee = f->who.fee, d->response = f->who.response, d->purse = f->who.purse;
    dispute_trace_player(f->view[DISPUTE_DEFENDER], d);
    int k = f->challenger;
    c->party = ch->party[k];
    c->sender = l1_account(L1_ACCT_SCHEME, (uint64_t)sc->index << 8 | (uint64_t)(16 + k));
    c->origin = L1_ORIGIN_SCHEME(sc->index);
    c->payer = L1_PAYER_CHALLENGER;       /* a watcher, not the operator (cost per transfer) */
    c->fee = ch->fee;
    if (!c->fee.cap)
        c->fee.cap = game_cap(ch, f);
    c->response = ch->response;
    c->purse = ch->purse[k];
    dispute_trace_player(f->view[DISPUTE_CHALLENGER], c);
    /* the contract's anchor: the last root that stands, where both views start */
    dispute_trace_root(f->view[DISPUTE_CHALLENGER], 0, spec.anchor);
    f->game = dispute_open(ch->book, &spec);
    if (!f->game)
        f->over = true;   /* too long a range for the game, or too late */
}

/* Who is online now: one draw per challenger, the first online one or -1. */
static int online_now(struct challengers *ch)
{
    int first = -1;
    for (uint32_t k = 0; k < ch->count; k++)
        if (gsl_rng_uniform(ch->online_rng[k]) < ch->online && first < 0)
            first = (int)k;
    return first;
}

/* A wrong claim nobody was online for: the challengers look again every `recheck`
 * while a first move could still land (the challenger's clock runs from the claim's
 * block). */
static void recheck(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct forged *f = ctx;
    struct challengers *ch = f->ch;
    sim_time now = sim_now(sim);
    if (f->challenger >= 0 || now >= f->posted + ch->max_clock)
        return;
    f->challenger = online_now(ch);
    if (f->challenger >= 0) {
        ch->unwatched--;
        sim_at(sim, now + ch->response, open_game, f, NULL, 0);
    } else if (now + ch->recheck < f->posted + ch->max_clock) {
        sim_at(sim, now + ch->recheck, recheck, f, NULL, 0);
    }
}

/* A claim is on L1: check it against the replica; dispute it if it is wrong and a
 * challenger is online (else look again later: recheck). */
static void on_claim(void *ctx, const struct rollup_claim *cl)
{
    struct challengers *ch = ctx;
    struct world *w = ch->sc->world;
    if (cl->last_block <= ch->anchor_block || block_at(ch, cl->last_block) < 0)
        return;   /* behind the verified state (a re-post), or not sealed: nothing to check */
    ch->claims_checked++;
    /* who is online for this claim: one draw per challenger, whether needed or not */
    int first = online_now(ch);
    size_t n;
    struct dispute_entry *steps = steps_until(ch, cl->last_block, &n);
    struct l2_state *s = state_clone(ch->anchor);
    for (size_t i = 0; i < n; i++)
        dispute_entry_apply(s, &steps[i]);
    free(steps);
    uint8_t root[MERKLE_HASH_BYTES];
    state_root(s, root);
    if (memcmp(root, cl->root, MERKLE_HASH_BYTES) == 0) {
        advance(ch, cl->last_block, s);
        return;
    }
    state_free(s);
    ch->claims_wrong++;
    struct forged *f = ch->forged;
    while (f && (f->taken || f->last_block != cl->last_block ||
                 memcmp(f->root, cl->root, MERKLE_HASH_BYTES) != 0))
        f = f->next;
    if (!f) {
        /* a wrong root nobody forged through challengers_forge: no claimant view to
         * play against (no adversary of this model does that) */
        world_fail(w, "challengers of '%s': claim %llu is wrong and no claimant view "
                   "backs it", ch->sc->name, (unsigned long long)cl->index);
        return;
    }
    f->claim = cl->index, f->posted = cl->posted, f->bond = cl->bond, f->value = cl->claim;
    f->claim_tx = cl->l1_tx;
    f->challenger = first;
    f->taken = true;
    if (first < 0) {
        ch->unwatched++;
        if (ch->count && ch->online > 0)
            sim_at(w->sim, sim_now(w->sim) + ch->recheck, recheck, f, NULL, 0);
        return;   /* nobody online for now */
    }
    sim_time now = sim_now(w->sim);
    sim_at(w->sim, now + ch->response, open_game, f, NULL, 0);
}

int challengers_forge(struct challengers *ch, uint64_t last_block,
                      const struct challengers_claimant *c, uint8_t root[MERKLE_HASH_BYTES])
{
    if (block_at(ch, last_block) < 0)
        return -1;
    struct forged *f = xcalloc(1, sizeof *f);
    f->ch = ch;
    f->who = *c;
    f->last_block = last_block;
    f->challenger = -1;
    f->steps = steps_until(ch, last_block, &f->n);
    f->view[DISPUTE_CHALLENGER] = dispute_trace_new(ch->anchor, f->steps, f->n, NULL, NULL);
    f->view[DISPUTE_DEFENDER] = dispute_trace_new(ch->anchor, f->steps, f->n, c->tamper,
                                                  c->tamper_ctx);
    struct rollup_rules rr;
    state_rules(ch->anchor, &rr);
    dispute_transfer_vm_init(&f->vm, &rr, f->steps, f->n);
    dispute_trace_root(f->view[DISPUTE_DEFENDER], f->n, f->root);
    memcpy(root, f->root, MERKLE_HASH_BYTES);
    f->next = ch->forged;
    ch->forged = f;
    return 0;
}

bool challengers_disputing(const struct challengers *ch, uint64_t index)
{
    for (const struct forged *f = ch->forged; f; f = f->next)
        if (f->taken && f->claim == index && f->challenger >= 0 && !f->over)
            return true;   /* opened, or about to be */
    return false;
}

size_t challengers_range_steps(const struct challengers *ch, uint64_t last_block)
{
    ptrdiff_t end = block_at(ch, last_block);
    size_t n = 0;
    for (ptrdiff_t i = 0; i <= end; i++)
        n += ch->blocks[i].n;
    return n;
}

bool challengers_game(const struct challengers *ch, uint64_t claim, struct dispute_result *out)
{
    for (const struct forged *f = ch->forged; f; f = f->next)
        if (f->taken && f->claim == claim && f->game) {
            dispute_now(f->game, out);
            return true;
        }
    return false;
}

/* ---- life ---- */

struct challengers *challengers_new(struct scheme *sc, const struct challengers_deps *deps,
                                    struct err *e)
{
    const struct scn *s = sc->world->scn;
    size_t i = sc->index;
    struct challengers *ch = xcalloc(1, sizeof *ch);
    ch->sc = sc;
    ch->deps = *deps;
    struct dispute_rules r;
    dispute_rules_op_stack(&r);
    r.max_clock_duration = scn_int(s, "schemes[%zu].dispute_max_clock", i);
    r.clock_extension = scn_int(s, "schemes[%zu].dispute_clock_extension", i);
    r.max_game_depth = (unsigned)scn_uint(s, "schemes[%zu].dispute_max_depth", i);
    r.bond_base_gas = (uint64_t)scn_int(s, "schemes[%zu].dispute_bond_gas", i);
    r.bond_growth_ppm = (uint32_t)scn_uint(s, "schemes[%zu].dispute_bond_growth_ppm", i);
    u128 price = scn_amount(s, "schemes[%zu].dispute_bond_gas_price", i);
    r.winner_share_pct = (uint32_t)(scn_real(s, "schemes[%zu].dispute_winner_share", i) * 100 + 0.5);
    r.move_exec_gas = (uint64_t)scn_int(s, "schemes[%zu].dispute_move_gas", i);
    r.step_exec_gas = (uint64_t)scn_int(s, "schemes[%zu].dispute_step_gas", i);
    u128 tip = scn_amount(s, "schemes[%zu].challenger_tip", i);
    bool fixed = scn_has(s, "schemes[%zu].challenger_max_fee", i);
    u128 cap = fixed ? scn_amount(s, "schemes[%zu].challenger_max_fee", i) : 0;
    char path[96];
    if (r.clock_extension >= r.max_clock_duration) {
        snprintf(path, sizeof path, "schemes[%zu].dispute_clock_extension", i);
        scn_error_at(s, e, path, "the clock extension must be below dispute_max_clock");
        goto err;
    }
    if (price > UINT64_MAX || tip > UINT64_MAX || (fixed && tip > cap) || cap > UINT64_MAX) {
        snprintf(path, sizeof path, "schemes[%zu].challenger_tip", i);
        scn_error_at(s, e, path, "challenger_tip must not exceed challenger_max_fee, and gas "
                     "prices must stay below 2^64 wei");
        goto err;
    }
    r.bond_gas_price = (uint64_t)price;
    ch->book = dispute_book_new(sc, &r, deps->bonds);
    ch->count = (uint32_t)scn_uint(s, "schemes[%zu].challengers", i);
    ch->online = scn_real(s, "schemes[%zu].challenger_online", i);
    ch->response = scn_int(s, "schemes[%zu].challenger_response", i);
    ch->recheck = scn_int(s, "schemes[%zu].challenger_recheck", i);
    ch->max_clock = r.max_clock_duration;
    /* twice the base fee + tip when sent, then 13% a block while it waits (a block's
     * base fee rises at most 12.5%, EIP-1559), up to the cap: fixed, or derived from
     * each game's value at stake (game_cap) */
    ch->fee_share = scn_real(s, "schemes[%zu].challenger_fee_share", i);
    ch->move_gas = r.move_exec_gas;
    ch->step_gas = r.step_exec_gas;
    ch->fee = (struct l1_fee_policy){ .kind = L1_FEE_BASEFEE_MULT, .tip = (uint64_t)tip,
                                      .mult_pct = 200, .cap = (uint64_t)cap, .bump_after = 1,
                                      .bump_pct = 13 };
    ch->online_rng = xcalloc(ch->count ? ch->count : 1, sizeof *ch->online_rng);
    for (uint32_t k = 0; k < ch->count; k++)
        ch->online_rng[k] = scheme_stream(sc, SCHEME_ENTITY(CHALLENGER_ENTITY, k), 1);
    ch->party = xcalloc(ch->count ? ch->count : 1, sizeof *ch->party);
    ch->purse = xcalloc(ch->count ? ch->count : 1, sizeof *ch->purse);
    u128 funds = scn_amount(s, "schemes[%zu].challenger_funds", i);
    for (uint32_t k = 0; k < ch->count; k++) {
        snprintf(ch->party[k], sizeof ch->party[k], "challenger %u", k + 1);
        ch->purse[k] = bond_purse_open(deps->bonds, ch->party[k], funds);
    }
    ch->anchor = deps->genesis(sc);
    struct rollup_listener l = { on_block, on_batch, on_claim, ch };
    deps->subscribe(sc, &l);
    return ch;
err:
    challengers_free(ch);
    return NULL;
}

void challengers_finish(struct challengers *ch)
{
    if (ch)
        dispute_book_finish(ch->book);
}

void challengers_free(struct challengers *ch)
{
    if (!ch)
        return;
    for (struct forged *f = ch->forged, *n; f; f = n) {
        n = f->next;
        dispute_trace_free(f->view[0]);
        dispute_trace_free(f->view[1]);
        free(f->steps);
        free(f);
    }
    for (size_t i = 0; i < ch->nblocks; i++)
        free(ch->blocks[i].steps);
    free(ch->blocks);
    for (uint32_t k = 0; ch->online_rng && k < ch->count; k++)
        gsl_rng_free(ch->online_rng[k]);
    free(ch->online_rng);
    free(ch->party);
    free(ch->purse);              /* the purses are the bond book's */
    state_free(ch->anchor);
    dispute_book_free(ch->book);
    free(ch);
}

struct bond_purse *challengers_purse(struct challengers *ch, const char *owner, u128 funds)
{
    return bond_purse_open(ch->deps.bonds, owner, funds);
}

u128 challengers_paid(const struct challengers *ch)
{
    return ch ? dispute_book_paid(ch->book, L1_ORIGIN_SCHEME(ch->sc->index)) : 0;
}

u128 challengers_paid_by(const struct challengers *ch, uint32_t origin)
{
    return ch ? dispute_book_paid(ch->book, origin) : 0;
}

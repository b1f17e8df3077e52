/* dispute.c — the fault dispute game on the L1 (see dispute.h). A game is a line of
 * claims: the root claim, then one claim per move, each countering the one before,
 * each at the midpoint of the range the two sides still dispute (bisection.h), and
 * last the one-step proof. Moves take effect when a block includes them: the clocks,
 * the range and the bonds change in the move's `included` callback, by the block's
 * time; a side's deadline is a contract timer (l1_at) that ends the game if its move
 * was not included by then. */
#include "models/rollup/dispute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/rollup/bisection.h"
#include "sim/money.h"

void dispute_rules_op_stack(struct dispute_rules *r)
{
    *r = (struct dispute_rules){
        .max_clock_duration = INT64_C(302400) * 1000000,   /* 3.5 d */
        .clock_extension = INT64_C(10800) * 1000000,       /* 3 h */
        .max_game_depth = 73,
        .bond_base_gas = 400000,
        .bond_growth_ppm = 1094930,                        /* x1.09493 */
        .bond_gas_price = UINT64_C(200000000000),          /* 200 gwei */
        .winner_share_pct = 100,
        .move_exec_gas = 150000,
        .step_exec_gas = 400000,
    };
}

u128 dispute_bond(const struct dispute_rules *r, unsigned depth)
{
    u128 gas = r->bond_base_gas;
    for (unsigned d = 0; d < depth; d++)
        gas = gas * r->bond_growth_ppm / 1000000;
    return gas * r->bond_gas_price;
}

/* ---- the book ---- */

struct paid {
    uint32_t origin;
    u128     wei;
};

struct dispute_book {
    struct scheme       *sc;
    struct dispute_rules rules;
    struct bond_book    *bonds;       /* borrowed: the scheme's */
    struct dispute     **games;
    size_t               ngames, capgames;
    struct paid         *paid;
    size_t               npaid;
};

struct dispute_book *dispute_book_new(struct scheme *sc, const struct dispute_rules *r,
                                      struct bond_book *bonds)
{
    struct dispute_book *b = xcalloc(1, sizeof *b);
    b->sc = sc;
    b->rules = *r;
    b->bonds = bonds;
    return b;
}

const struct dispute_rules *dispute_book_rules(const struct dispute_book *b) { return &b->rules; }

static void book_paid_add(struct dispute_book *b, uint32_t origin, u128 wei)
{
    for (size_t i = 0; i < b->npaid; i++)
        if (b->paid[i].origin == origin) {
            b->paid[i].wei += wei;
            return;
        }
    b->paid = xrealloc(b->paid, (b->npaid + 1) * sizeof *b->paid);
    b->paid[b->npaid++] = (struct paid){ origin, wei };
}

u128 dispute_book_paid(const struct dispute_book *b, uint32_t origin)
{
    for (size_t i = 0; i < b->npaid; i++)
        if (b->paid[i].origin == origin)
            return b->paid[i].wei;
    return 0;
}

/* ---- a game ---- */

enum move_kind { MOVE_ROOT, MOVE_ATTACK, MOVE_DEFEND, MOVE_STEP };
static const char *const move_kind_name[] = { "root_claim", "attack", "defend", "step" };
static const char *const side_name[] = { "defender", "challenger" };

struct claim {
    uint64_t          index;          /* trace index its root is at */
    uint8_t           root[MERKLE_HASH_BYTES];
    enum dispute_side side;
    u128              bond;
};

/* A move sent and not yet settled. */
struct move {
    struct dispute   *g;
    unsigned          seq;            /* dispute_moves.move: 1, 2, ... in sending order */
    unsigned          turn;           /* the turn it answers */
    enum dispute_side side;
    enum move_kind    kind;
    unsigned          depth;
    uint64_t          index;          /* the claim's trace index, or the step's */
    uint8_t           root[MERKLE_HASH_BYTES];
    u128              bond;           /* reserved from its side's purse while in flight */
    struct bisection  range;          /* the range once it lands */
    uint8_t          *proof;          /* MOVE_STEP: the calldata's proof part */
    size_t            proof_len;
    sim_time          sent, deadline;
    l1_tx_id          tx;
    bool              settled;
    struct move      *next;           /* all of a game's moves, for finish and free */
};

/* A side's deadline, as a contract timer. */
struct clock_timer {
    struct dispute     *g;
    unsigned            turn;
    struct clock_timer *next;
};

struct dispute {
    struct dispute_book *b;
    uint64_t             id;
    struct dispute_spec  spec;
    struct claim        *claims;      /* the line: claims[0] is the root claim */
    size_t               nclaims;
    struct bisection     range;       /* as the included moves left it */
    enum dispute_side    to_move;
    unsigned             turn;        /* increments as each move lands */
    sim_time             last;        /* block time of the last included claim */
    sim_time             used[2];     /* each side's accumulated clock */
    sim_time             deadline;    /* of the side to move */
    sim_time             countered;   /* the challenger's first move's block time; -1 */
    unsigned             moves_sent, moves_in;
    u128                 bonds[2], fees[2];
    bool                 resolved;
    struct dispute_result result;
    struct move         *moves;
    struct clock_timer  *timers;
};

bool     dispute_resolved(const struct dispute *d) { return d->resolved; }

void dispute_now(const struct dispute *d, struct dispute_result *out)
{
    if (d->resolved) {
        *out = d->result;
        return;
    }
    *out = (struct dispute_result){ .dispute_id = d->id, .proposal = d->spec.proposal,
                                    .resolved = -1, .moves = d->moves_in,
                                    .countered = d->countered };
    memcpy(out->fees, d->fees, sizeof d->fees);
    memcpy(out->bonds, d->bonds, sizeof d->bonds);
}
uint64_t dispute_id(const struct dispute *d) { return d->id; }

static struct world *world_of(const struct dispute *g) { return g->b->sc->world; }

static sim_time clock_left(const struct dispute *g, enum dispute_side s)
{
    sim_time left = g->b->rules.max_clock_duration - g->used[s];
    return left > 0 ? left : 0;
}

static void write_move_row(struct dispute *g, const struct move *m, const char *status,
                           sim_time included, sim_time left, u128 bond)
{
    struct world *w = world_of(g);
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO dispute_moves(run_id, scheme, dispute_id, move, who, party, kind, depth,"
        " trace_index, range_lo, range_hi, sent_us, included_us, deadline_us, clock_left_us,"
        " l1_tx_id, status, bond_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, g->b->sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)g->id);
    sqlite3_bind_int(s, 4, (int)m->seq);
    sqlite3_bind_text(s, 5, side_name[m->side], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, g->spec.side[m->side].party, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, move_kind_name[m->kind], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, (int)m->depth);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)m->index);
    sqlite3_bind_int64(s, 10, (sqlite3_int64)m->range.lo);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)m->range.hi);
    sqlite3_bind_int64(s, 12, m->sent);
    if (included >= 0)
        sqlite3_bind_int64(s, 13, included);
    else
        sqlite3_bind_null(s, 13);
    sqlite3_bind_int64(s, 14, m->deadline);
    sqlite3_bind_int64(s, 15, left);
    if (m->tx)
        sqlite3_bind_int64(s, 16, (sqlite3_int64)m->tx);
    else
        sqlite3_bind_null(s, 16);
    sqlite3_bind_text(s, 17, status, -1, SQLITE_STATIC);
    money_bind(s, 18, bond);
    store_step(w->store, s);
}

static void write_dispute_row(struct dispute *g)
{
    struct world *w = world_of(g);
    const struct dispute_result *r = &g->result;
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO disputes(run_id, scheme, dispute_id, proposal, defender, challenger,"
        " trace_steps, game_depth, opened_us, resolved_us, outcome, winner, decided_by, step,"
        " moves, root_bond_wei, defender_bonds_wei, challenger_bonds_wei, slashed_wei,"
        " to_winner_wei, burned_wei, value_at_stake_wei, defender_fees_wei,"
        " challenger_fees_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, g->b->sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)g->id);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)g->spec.proposal);
    sqlite3_bind_text(s, 5, g->spec.side[DISPUTE_DEFENDER].party, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, g->spec.side[DISPUTE_CHALLENGER].party, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)g->spec.n);
    sqlite3_bind_int(s, 8, (int)bisection_max_moves(g->spec.n));
    sqlite3_bind_int64(s, 9, g->spec.t0);
    if (g->resolved) {
        bool root_stands = r->winner == DISPUTE_DEFENDER;
        sqlite3_bind_int64(s, 10, r->resolved);
        sqlite3_bind_text(s, 11, root_stands ? "root_stands" : "root_rejected", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, side_name[r->winner], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 13, r->by_step ? "step" : "clock", -1, SQLITE_STATIC);
        if (r->by_step)
            sqlite3_bind_int64(s, 14, (sqlite3_int64)r->step);
        else
            sqlite3_bind_null(s, 14);
    } else {
        sqlite3_bind_null(s, 10);
        sqlite3_bind_text(s, 11, "open", -1, SQLITE_STATIC);
        sqlite3_bind_null(s, 12);
        sqlite3_bind_null(s, 13);
        sqlite3_bind_null(s, 14);
    }
    sqlite3_bind_int(s, 15, (int)g->moves_in);
    money_bind(s, 16, g->spec.root_bond);
    money_bind(s, 17, g->bonds[DISPUTE_DEFENDER]);
    money_bind(s, 18, g->bonds[DISPUTE_CHALLENGER]);
    money_bind(s, 19, r->slashed);
    money_bind(s, 20, g->resolved ? r->to_winner : 0);
    money_bind(s, 21, g->resolved ? r->slashed - r->to_winner : 0);
    money_bind(s, 22, g->spec.value_at_stake);
    money_bind(s, 23, g->fees[DISPUTE_DEFENDER]);
    money_bind(s, 24, g->fees[DISPUTE_CHALLENGER]);
    store_step(w->store, s);
}

static void deliver_result(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct dispute *g = ctx;
    if (g->spec.resolved)
        g->spec.resolved(g->spec.ctx, &g->result);
}

/* The game ends at block time t: the winner's bonds come back, each of the loser's
 * claims is slashed (in the FDG every claim of the losing side is countered by the
 * winner's next one, or by the step), the rows are written and the opener told in
 * an event of its own. */
static void resolve(struct dispute *g, enum dispute_side winner, bool by_step, uint64_t step,
                    sim_time t)
{
    struct dispute_book *b = g->b;
    u128 slashed = 0, to_winner = 0;
    for (size_t i = 0; i < g->nclaims; i++) {
        const struct claim *c = &g->claims[i];
        if (c->side != winner) {
            slashed += c->bond;
            to_winner += bond_slash(b->bonds, g->spec.side[winner].purse, c->bond,
                                    b->rules.winner_share_pct);
        } else if (i > 0) {           /* a standing root's bond: the scheme returns it */
            bond_return(b->bonds, g->spec.side[c->side].purse, c->bond);
        }
    }
    g->resolved = true;
    g->result = (struct dispute_result){ .dispute_id = g->id, .proposal = g->spec.proposal,
                                         .over = true, .winner = winner, .by_step = by_step,
                                         .step = step, .resolved = t, .moves = g->moves_in,
                                         .slashed = slashed, .to_winner = to_winner,
                                         .countered = g->countered };
    memcpy(g->result.fees, g->fees, sizeof g->fees);
    memcpy(g->result.bonds, g->bonds, sizeof g->bonds);
    write_dispute_row(g);
    sim_after(world_of(g)->sim, 0, deliver_result, g, NULL, 0);
}

static void clock_expired(void *ctx)
{
    struct clock_timer *ct = ctx;
    struct dispute *g = ct->g;
    if (g->resolved || ct->turn != g->turn)
        return;               /* the move landed in time: a later turn is running */
    /* the side to move let its clock run out: its opponent's claim stands */
    resolve(g, g->to_move == DISPUTE_DEFENDER ? DISPUTE_CHALLENGER : DISPUTE_DEFENDER, false,
            0, g->deadline);
}

static void arm_clock(struct dispute *g)
{
    struct clock_timer *ct = xcalloc(1, sizeof *ct);
    ct->g = g;
    ct->turn = g->turn;
    ct->next = g->timers;
    g->timers = ct;
    sim_time now = sim_now(world_of(g)->sim);
    l1_at(world_of(g)->l1, g->deadline > now ? g->deadline : now, clock_expired, ct);
}

/* The calldata of a move: game id, the countered claim, attack or defend, the root;
 * of a step: game id, the countered claim, the step, the proof. Real bytes: the L1
 * charges them (EIP-2028, EIP-7623). */
static size_t move_calldata(const struct move *m, size_t parent, uint8_t **out)
{
    size_t len = 4 + 8 + 4 + 1 + (m->kind == MOVE_STEP ? 8 + m->proof_len : MERKLE_HASH_BYTES);
    uint8_t *p = xmalloc(len), *q = p;
    static const uint8_t selector[3][4] = { { 0x47, 0x2a, 0x1c, 0x01 },   /* attack */
                                            { 0x47, 0x2a, 0x1c, 0x02 },   /* defend */
                                            { 0x47, 0x2a, 0x1c, 0x03 } }; /* step */
    memcpy(q, selector[m->kind - MOVE_ATTACK], 4), q += 4;
    for (int i = 7; i >= 0; i--)
        *q++ = (uint8_t)(m->g->id >> (8 * i));
    for (int i = 3; i >= 0; i--)
        *q++ = (uint8_t)(parent >> (8 * i));
    *q++ = m->kind == MOVE_DEFEND;
    if (m->kind == MOVE_STEP) {
        for (int i = 7; i >= 0; i--)
            *q++ = (uint8_t)(m->index >> (8 * i));
        memcpy(q, m->proof, m->proof_len);
    } else {
        memcpy(q, m->root, MERKLE_HASH_BYTES);
    }
    *out = p;
    return len;
}

static void move_included(void *ctx, const struct l1_receipt *r);
static void move_dropped(void *ctx, const char *why);

/* Who supports the root at the range's hi: the side that claimed it. */
static enum dispute_side claimant_of(const struct dispute *g, uint64_t index)
{
    for (size_t i = g->nclaims; i-- > 0;)
        if (g->claims[i].index == index)
            return g->claims[i].side;
    return DISPUTE_DEFENDER;   /* unreachable: hi always holds a claim */
}

static const uint8_t *root_claimed_at(const struct dispute *g, uint64_t index)
{
    for (size_t i = g->nclaims; i-- > 0;)
        if (g->claims[i].index == index)
            return g->claims[i].root;
    return NULL;
}

/* The agreed root at the range's lo: the contract's anchor at 0, else a claim both
 * accept. */
static void root_agreed_at(const struct dispute *g, uint64_t index, uint8_t out[MERKLE_HASH_BYTES])
{
    const uint8_t *c = index ? root_claimed_at(g, index) : NULL;
    memcpy(out, c ? c : g->spec.anchor, MERKLE_HASH_BYTES);
}

/* Side s's turn: work out its counter to the last claim from its own view and send
 * it, or send nothing (it agrees with the root claim, or its proof would lose). */
static void play(struct dispute *g, enum dispute_side s)
{
    const struct dispute_player *p = &g->spec.side[s];
    const struct claim *last = &g->claims[g->nclaims - 1];
    struct move *m = xcalloc(1, sizeof *m);
    m->g = g, m->side = s, m->turn = g->turn, m->depth = (unsigned)g->nclaims;
    m->range = g->range;
    uint8_t mine[MERKLE_HASH_BYTES];
    p->root_at(p->ctx, last->index, mine);
    bool agree = memcmp(mine, last->root, MERKLE_HASH_BYTES) == 0;
    if (g->nclaims == 1) {
        if (agree) {              /* nothing to dispute */
            free(m);
            return;
        }
    } else {
        bisection_answer(&m->range, agree);
    }
    m->kind = agree ? MOVE_DEFEND : MOVE_ATTACK;
    if (bisection_done(&m->range)) {
        /* the range is one step: prove it, if the proof wins for this side */
        m->kind = MOVE_STEP;
        m->index = bisection_step(&m->range);
        m->proof = p->prove ? p->prove(p->ctx, m->index, &m->proof_len) : NULL;
        uint8_t pre[MERKLE_HASH_BYTES];
        root_agreed_at(g, m->range.lo, pre);
        const uint8_t *post = root_claimed_at(g, m->range.hi);
        enum one_step_outcome o = m->proof
            ? g->spec.vm.judge(g->spec.vm.ctx, m->index, pre, post, m->proof, m->proof_len)
            : ONE_STEP_BAD_WITNESS;
        enum dispute_side hi_side = claimant_of(g, m->range.hi);
        bool wins = (o == ONE_STEP_CLAIM_HOLDS && hi_side == s) ||
                    (o == ONE_STEP_CLAIM_FALSE && hi_side != s);
        if (!wins) {
            free(m->proof);
            free(m);
            return;
        }
    } else {
        m->index = bisection_midpoint(&m->range);
        p->root_at(p->ctx, m->index, m->root);
    }
    m->seq = ++g->moves_sent;
    m->sent = sim_now(world_of(g)->sim);
    m->deadline = g->deadline;
    m->next = g->moves;
    g->moves = m;
    if (m->kind != MOVE_STEP) {
        /* the claim's bond goes with the move (msg.value): none to reserve, no move */
        u128 bond = dispute_bond(&g->b->rules, m->depth);
        if (!bond_reserve(p->purse, bond)) {
            m->settled = true;
            write_move_row(g, m, "unfunded", -1, clock_left(g, s), bond);
            return;
        }
        m->bond = bond;
    }
    uint8_t *cd;
    size_t len = move_calldata(m, g->nclaims - 1, &cd);
    const struct dispute_rules *r = &g->b->rules;
    struct l1_tx tx = { .sender = p->sender, .origin = p->origin, .payer = p->payer,
                        .kind = m->kind == MOVE_STEP ? "proof" : "dispute_move",
                        .calldata = cd, .calldata_len = len,
                        .exec_gas = m->kind == MOVE_STEP ? r->step_exec_gas : r->move_exec_gas,
                        .deadline = g->deadline };   /* useless after the clock runs out */
    struct l1_callbacks cb = { move_included, NULL, move_dropped, m };
    m->tx = l1_submit(world_of(g)->l1, &tx, &p->fee, &cb);
    free(cd);
}

static void play_event(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct dispute *g = ctx;
    unsigned turn;
    memcpy(&turn, payload, sizeof turn);
    if (!g->resolved && turn == g->turn)
        play(g, g->to_move);
}

/* A move the L1 let go. Pushed out of a full pool, the side sends it again a slot
 * later while its clock lasts; past its deadline, the clock has settled the turn. */
static void move_dropped(void *ctx, const char *why)
{
    (void)why;
    struct move *m = ctx;
    struct dispute *g = m->g;
    m->settled = true;
    write_move_row(g, m, "dropped", -1, clock_left(g, m->side), 0);
    free(m->proof), m->proof = NULL;
    bond_release(g->spec.side[m->side].purse, m->bond);
    m->bond = 0;
    struct l1_fate f;
    struct world *w = world_of(g);
    if (l1_fate(w->l1, m->tx, &f) == 0 && !g->resolved && m->turn == g->turn &&
        (f.reason == L1_DROP_EVICTED || f.reason == L1_DROP_POOL_REFUSED) &&
        sim_now(w->sim) + l1_slot(w->l1) <= g->deadline)
        sim_after(w->sim, l1_slot(w->l1), play_event, g, &g->turn, sizeof g->turn);
}

/* A move landed in the block of time r->time. It counts if the game is still on and
 * it answers the turn in force (the L1 drops a move past its deadline before any
 * block could include it late; a move landing after the game ended is recorded as
 * late: paid for, useless). */
static void move_included(void *ctx, const struct l1_receipt *r)
{
    struct move *m = ctx;
    struct dispute *g = m->g;
    struct dispute_book *b = g->b;
    m->settled = true;
    book_paid_add(b, g->spec.side[m->side].origin, r->total);
    if (m->side == DISPUTE_CHALLENGER && g->countered < 0 && !g->resolved && m->turn == g->turn &&
        r->time <= g->deadline)
        g->countered = r->time;
    g->fees[m->side] += r->total;
    if (g->resolved || m->turn != g->turn || r->time > g->deadline) {
        /* the contract refuses it: its value goes back with the revert */
        write_move_row(g, m, "late", r->time, clock_left(g, m->side), 0);
        free(m->proof), m->proof = NULL;
        bond_release(g->spec.side[m->side].purse, m->bond);
        m->bond = 0;
        return;
    }
    if (m->kind == MOVE_STEP) {
        /* the L1 runs the step on what its calldata says, against the claims it holds */
        uint8_t pre[MERKLE_HASH_BYTES];
        root_agreed_at(g, m->range.lo, pre);
        enum one_step_outcome o = g->spec.vm.judge(g->spec.vm.ctx, m->index, pre,
                                                   root_claimed_at(g, m->range.hi),
                                                   m->proof, m->proof_len);
        free(m->proof), m->proof = NULL;
        if (o == ONE_STEP_BAD_WITNESS) {
            /* the contract refuses it (a revert): paid for, the clock runs on */
            write_move_row(g, m, "reverted", r->time, clock_left(g, m->side), 0);
            return;
        }
        g->used[m->side] += r->time - g->last;
        g->last = r->time;
        g->moves_in++;
        g->range = m->range;
        g->turn++;
        write_move_row(g, m, "included", r->time, clock_left(g, m->side), 0);
        enum dispute_side hi_side = claimant_of(g, m->range.hi);
        enum dispute_side winner = o == ONE_STEP_CLAIM_HOLDS ? hi_side
                                   : hi_side == DISPUTE_DEFENDER ? DISPUTE_CHALLENGER
                                                                 : DISPUTE_DEFENDER;
        resolve(g, winner, true, m->index, r->time);
        return;
    }
    g->used[m->side] += r->time - g->last;
    g->last = r->time;
    g->moves_in++;
    g->range = m->range;
    g->turn++;
    /* a claim, bonded at its depth: the reserved bond goes to the contract */
    u128 bond = m->bond;
    SIM_ASSERT(bond == dispute_bond(&b->rules, m->depth));
    bond_post(b->bonds, g->spec.side[m->side].purse, bond);
    m->bond = 0;
    g->bonds[m->side] += bond;
    g->claims = xrealloc(g->claims, (g->nclaims + 1) * sizeof *g->claims);
    struct claim *c = &g->claims[g->nclaims++];
    c->index = m->index, c->side = m->side, c->bond = bond;
    memcpy(c->root, m->root, MERKLE_HASH_BYTES);
    write_move_row(g, m, "included", r->time, clock_left(g, m->side), bond);
    /* the opponent's turn; its clock runs from this block (FDG "Game Clock"), with at
     * least CLOCK_EXTENSION left */
    enum dispute_side next = m->side == DISPUTE_DEFENDER ? DISPUTE_CHALLENGER : DISPUTE_DEFENDER;
    if (clock_left(g, next) < b->rules.clock_extension)
        g->used[next] = b->rules.max_clock_duration - b->rules.clock_extension;
    g->to_move = next;
    g->deadline = r->time + clock_left(g, next);
    arm_clock(g);
    sim_time now = sim_now(world_of(g)->sim);
    sim_time at = r->time + g->spec.side[next].response;
    sim_at(world_of(g)->sim, at > now ? at : now, play_event, g, &g->turn, sizeof g->turn);
}

struct dispute *dispute_open(struct dispute_book *b, const struct dispute_spec *spec)
{
    struct world *w = b->sc->world;
    sim_time now = sim_now(w->sim);
    if (spec->n == 0 || bisection_max_moves(spec->n) > b->rules.max_game_depth ||
        (b->rules.max_game_depth < 64 && spec->n > (UINT64_C(1) << b->rules.max_game_depth)) ||
        now > spec->t0 + b->rules.max_clock_duration)
        return NULL;
    uint8_t start[MERKLE_HASH_BYTES];
    spec->side[DISPUTE_CHALLENGER].root_at(spec->side[DISPUTE_CHALLENGER].ctx, 0, start);
    if (memcmp(start, spec->anchor, MERKLE_HASH_BYTES) != 0)
        return NULL;              /* it would dispute from another state than the contract's */
    SIM_ASSERT(spec->side[DISPUTE_DEFENDER].purse && spec->side[DISPUTE_CHALLENGER].purse);
    struct dispute *g = xcalloc(1, sizeof *g);
    g->b = b;
    g->id = b->ngames + 1;
    g->spec = *spec;
    if (b->ngames == b->capgames) {
        b->capgames = b->capgames ? 2 * b->capgames : 8;
        b->games = xrealloc(b->games, b->capgames * sizeof *b->games);
    }
    b->games[b->ngames++] = g;
    /* the root claim, posted by the defender at t0 with its bond */
    g->claims = xcalloc(1, sizeof *g->claims);
    g->nclaims = 1;
    g->claims[0].index = spec->n;
    g->claims[0].side = DISPUTE_DEFENDER;
    g->claims[0].bond = spec->root_bond;
    spec->side[DISPUTE_DEFENDER].root_at(spec->side[DISPUTE_DEFENDER].ctx, spec->n,
                                         g->claims[0].root);
    g->bonds[DISPUTE_DEFENDER] = spec->root_bond;
    bisection_start(&g->range, spec->n);
    g->last = spec->t0;
    g->countered = -1;
    g->to_move = DISPUTE_CHALLENGER;
    g->deadline = spec->t0 + b->rules.max_clock_duration;
    struct move root = { .g = g, .seq = 0, .side = DISPUTE_DEFENDER, .kind = MOVE_ROOT,
                         .index = spec->n, .range = g->range, .sent = spec->t0,
                         .deadline = spec->t0, .tx = spec->root_tx };
    write_move_row(g, &root, "included", spec->t0, b->rules.max_clock_duration, spec->root_bond);
    arm_clock(g);
    play(g, DISPUTE_CHALLENGER);
    return g;
}

void dispute_book_finish(struct dispute_book *b)
{
    for (size_t i = 0; i < b->ngames; i++) {
        struct dispute *g = b->games[i];
        for (struct move *m = g->moves; m; m = m->next)
            if (!m->settled)
                write_move_row(g, m, "pending", -1, clock_left(g, m->side), 0);
        if (!g->resolved)
            write_dispute_row(g);
    }
}

void dispute_book_free(struct dispute_book *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ngames; i++) {
        struct dispute *g = b->games[i];
        for (struct move *m = g->moves, *n; m; m = n) {
            n = m->next;
            free(m->proof);
            free(m);
        }
        for (struct clock_timer *t = g->timers, *n; t; t = n) {
            n = t->next;
            free(t);
        }
        free(g->claims);
        free(g);
    }
    free(b->games);
    free(b->paid);
    free(b);
}

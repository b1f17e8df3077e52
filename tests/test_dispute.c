/* test_dispute.c — the fault dispute game (models/rollup/dispute.h) played on a modeled
 * L1, standalone: a test scheme holds a rollup state and a list of signed transfers,
 * posts a root claim (an L1 transaction of kind "state_root") and, once the claim is
 * included, has a challenger open a game against it. Both sides play through real L1
 * transactions; the one-step proof is real (one_step.h): the transfer proven in the
 * committed input, its accounts proven against the agreed root, re-executed.
 *
 * Facts tested: the bisection isolates the first wrong step in at most ceil(log2 n)
 * moves and the one-step proof decides it (either side may be the wrong one); on a
 * quiet L1 the honest side wins; when the honest side's moves cannot get into blocks
 * (a censoring builder, or block stuffing with enough budget) its clock runs out and
 * it loses, while too small a stuffing budget does not stop it; clocks are charged by
 * block timestamps with the CLOCK_EXTENSION rule (OP Stack FDG spec, "Game Clock");
 * bonds follow bond-incentives.md and are money the sides hold (reserved from a
 * side's purse as its move is sent: a side that cannot cover its bond cannot move;
 * the winner paid its share of the loser's, the rest burned; the purses' books equal
 * the contract's, with a fault that shows the check fails); the proof bytes
 * round-trip and forged ones are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/l1/l1.h"
#include "models/l1/mempool.h"
#include "models/rollup/dispute_trace.h"
#include "models/run/run.h"
#include "models/world.h"
#include "sim/money.h"
#include "tests/world_fixture.h"

#define GWEI   UINT64_C(1000000000)
#define ETH    ((u128)1000000000000000000ull)
#define SECOND INT64_C(1000000)
#define MINUTE (60 * SECOND)

#define USERS    16
#define DEPTH    16
#define CHAIN    901
#define ATTACKER 15          /* the account a fraudulent view credits */
#define MAXGAMES 16

/* ---- what the harness plays ---------------------------------------------------------- */

struct plan {
    size_t   n;                  /* transfers in the disputed trace */
    int64_t  defender_wrong_at;  /* the defender's view credits the attacker after this
                                  * step (-1: honest) */
    int64_t  challenger_wrong_at;
    sim_time post_at;            /* when the defender sends its root claim */
};

static struct {
    struct dispute_rules rules;
    struct plan   plan[MAXGAMES];
    size_t        nplans;
    struct l1_fee_policy fee[2];
    sim_time      response[2];
    sim_time      censor_from, censor_until;   /* the builder leaves out the challengers' */
    u128          funds[2];                    /* each side's bond purse, per game */
} cfg;

struct tamper { uint64_t at; uint8_t pk[SIG_PUBLICKEY_BYTES]; u128 amount; };

struct game {
    struct harness      *h;
    size_t               i;
    struct dispute_entry *txs;
    struct tamper        tamper[2];
    struct dispute_trace *view[2];
    struct dispute_transfer_vm vm;
    struct dispute      *d;
    l1_tx_id             root_tx;
    sim_time             t0;
    bool                 done;
    struct dispute_result result;
};

struct harness {
    struct scheme  *sc;
    struct sig_ctx  sig;
    struct l2_state *pre;
    struct dispute_book *book;
    struct bond_book *bonds;
    struct bond_purse *purse[MAXGAMES][2];
    struct game     g[MAXGAMES];
    u128            root_tx_paid;
};

static void tamper_fn(void *ctx, uint64_t step, struct l2_state *s)
{
    struct tamper *t = ctx;
    struct err e;
    if (step == t->at)
        assert_int_equal(state_deposit(s, ATTACKER, t->pk, t->amount, &e), 0);   /* a mint */
}

static uint64_t sender_of(size_t game, enum dispute_side s)
{
    return l1_account(L1_ACCT_SCHEME, 1000 + 2 * game + (size_t)s);
}

/* The verdict: a root that stands is final here at once, its bond back to its poster
 * (the rollup returns it at the end of its window); a fallen root's bond the game
 * slashed. */
static void resolved(void *ctx, const struct dispute_result *r)
{
    struct game *g = ctx;
    g->done = true;
    g->result = *r;
    if (r->winner == DISPUTE_DEFENDER)
        bond_return(g->h->bonds, g->h->purse[g->i][DISPUTE_DEFENDER], dispute_bond(&cfg.rules, 0));
}

/* The root claim is in: the challenger, having re-executed, opens the game. */
static void open_game(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct game *g = ctx;
    struct harness *h = g->h;
    struct dispute_spec spec = { .proposal = g->i + 1, .root_tx = g->root_tx, .t0 = g->t0,
                                 .n = cfg.plan[g->i].n,
                                 .root_bond = dispute_bond(&cfg.rules, 0),
                                 .value_at_stake = 10 * ETH,
                                 .vm = dispute_transfer_vm(&g->vm), .resolved = resolved,
                                 .ctx = g };
    dispute_trace_root(g->view[DISPUTE_CHALLENGER], 0, spec.anchor);   /* the last root */
    static const char *const party[2] = { "proposer", "challenger" };
    for (int s = 0; s < 2; s++) {
        struct dispute_player *p = &spec.side[s];
        p->party = party[s];
        p->sender = sender_of(g->i, (enum dispute_side)s);
        p->origin = L1_ORIGIN_SCHEME(h->sc->index);
        p->fee = cfg.fee[s];
        p->response = cfg.response[s];
        p->purse = h->purse[g->i][s];
        dispute_trace_player(g->view[s], p);
    }
    g->d = dispute_open(h->book, &spec);
    assert_non_null(g->d);
}

static void root_included(void *ctx, const struct l1_receipt *r)
{
    struct game *g = ctx;
    g->h->root_tx_paid += r->total;
    g->t0 = r->time;
    bond_post(g->h->bonds, g->h->purse[g->i][DISPUTE_DEFENDER], dispute_bond(&cfg.rules, 0));
    sim_after(g->h->sc->world->sim, cfg.response[DISPUTE_CHALLENGER], open_game, g, NULL, 0);
}

static void post_root(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct game *g = ctx;
    struct scheme *sc = g->h->sc;
    /* the root claim's bond goes with it */
    assert_true(bond_reserve(g->h->purse[g->i][DISPUTE_DEFENDER], dispute_bond(&cfg.rules, 0)));
    uint8_t root[MERKLE_HASH_BYTES + 8];
    dispute_trace_root(g->view[DISPUTE_DEFENDER], cfg.plan[g->i].n, root);
    memset(root + MERKLE_HASH_BYTES, 0, 8);
    struct l1_tx tx = { .sender = sender_of(g->i, DISPUTE_DEFENDER),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "state_root",
                        .calldata = root, .calldata_len = sizeof root, .exec_gas = 100000 };
    struct l1_callbacks cb = { root_included, NULL, NULL, g };
    g->root_tx = l1_submit(sc->world->l1, &tx, &cfg.fee[DISPUTE_DEFENDER], &cb);
}

/* n steps: signed transfers among the users (account 0 receives the fees), every
 * fifth a deposit (to an open account, or opening one above the users). */
static struct dispute_entry *make_steps(struct sig_ctx *sig, size_t n, uint64_t salt)
{
    struct dispute_entry *t = xcalloc(n ? n : 1, sizeof *t);
    uint64_t nonce[USERS] = { 0 };
    for (size_t i = 0; i < n; i++) {
        struct sig_keypair kp;
        if (i % 5 == 4) {
            uint64_t to = i % 10 == 4 ? 1 + i % (USERS - 1) : USERS + i % 7;
            sig_keypair_derive(sig, 1, to, &kp);
            t[i] = (struct dispute_entry){ .deposit = true, .index = to,
                                           .amount = (u128)(i + 1) * 1000000000000000ull };
            memcpy(t[i].pubkey, kp.pk, SIG_PUBLICKEY_BYTES);
            continue;
        }
        uint64_t from = 1 + (i * 7 + salt) % (USERS - 2), to = 1 + (i * 3 + salt + 1) % (USERS - 1);
        t[i].tx = (struct l2_transfer){ .chain_id = CHAIN, .from = from, .to = to,
                                        .amount = (u128)(i % 5 + 1) * 1000000000000000ull,
                                        .fee = 21000 * GWEI, .nonce = nonce[from]++ };
        sig_keypair_derive(sig, 1, from, &kp);
        transfer_sign(&t[i].tx, sig, &kp);
    }
    return t;
}

static int harness_init(struct scheme *sc, struct err *e)
{
    struct harness *h = xcalloc(1, sizeof *h);
    sc->state = h;
    h->sc = sc;
    sig_ctx_init(&h->sig, SIG_FAST, sc->world->seed);
    h->pre = state_new(CHAIN, DEPTH, &h->sig, 0);
    for (uint64_t i = 0; i < USERS; i++) {
        struct sig_keypair kp;
        sig_keypair_derive(&h->sig, 1, i, &kp);
        if (state_deposit(h->pre, i, kp.pk, i ? 100 * ETH : 0, e) != 0)
            return -1;
    }
    h->bonds = bond_book_new();
    for (size_t i = 0; i < cfg.nplans; i++)
        for (int s = 0; s < 2; s++) {
            char owner[32];
            snprintf(owner, sizeof owner, "%s %zu", s ? "challenger" : "proposer", i + 1);
            h->purse[i][s] = bond_purse_open(h->bonds, owner, cfg.funds[s]);
        }
    h->book = dispute_book_new(sc, &cfg.rules, h->bonds);
    struct rollup_rules rr;
    state_rules(h->pre, &rr);
    for (size_t i = 0; i < cfg.nplans; i++) {
        struct game *g = &h->g[i];
        const struct plan *p = &cfg.plan[i];
        g->h = h, g->i = i;
        g->txs = make_steps(&h->sig, p->n, i);
        int64_t wrong[2] = { p->defender_wrong_at, p->challenger_wrong_at };
        for (int s = 0; s < 2; s++) {
            g->tamper[s] = (struct tamper){ .at = (uint64_t)wrong[s], .amount = 10 * ETH };
            memcpy(g->tamper[s].pk, state_account(h->pre, ATTACKER)->pubkey, SIG_PUBLICKEY_BYTES);
            g->view[s] = dispute_trace_new(h->pre, g->txs, p->n, wrong[s] >= 0 ? tamper_fn : NULL,
                                           &g->tamper[s]);
        }
        dispute_transfer_vm_init(&g->vm, &rr, g->txs, p->n);
        sim_at(sc->world->sim, p->post_at, post_root, g, NULL, 0);
    }
    return 0;
}

static void harness_transfer(struct scheme *sc, const struct transfer *t) { (void)sc, (void)t; }

static void harness_finish(struct scheme *sc) { dispute_book_finish(((struct harness *)sc->state)->book); }

static int harness_check(struct scheme *sc, struct inv_fail *f)
{
    struct harness *h = sc->state;
    if (bond_book_check(h->bonds, sc->name, f))
        return 1;
    u128 mine = h->root_tx_paid + dispute_book_paid(h->book, L1_ORIGIN_SCHEME(sc->index));
    if (mine != l1_paid_by(sc->world->l1, L1_ORIGIN_SCHEME(sc->index)))
        return INV_FAIL(f, "the game's receipts are what the L1 charged", "differ");
    return 0;
}

static void harness_destroy(struct scheme *sc)
{
    struct harness *h = sc->state;
    if (!h)
        return;
    for (size_t i = 0; i < cfg.nplans; i++) {
        dispute_trace_free(h->g[i].view[0]);
        dispute_trace_free(h->g[i].view[1]);
        free(h->g[i].txs);
    }
    dispute_book_free(h->book);
    bond_book_free(h->bonds);
    state_free(h->pre);
    free(h);
}

static const struct store_sql harness_sql = { .version = 1, .tables = DISPUTE_SQL_TABLES };

static const struct scheme_ops harness_ops = {
    .type = "dispute_harness", .doc = "fault dispute games on L1 (test only)",
    .init = harness_init, .on_transfer = harness_transfer, .finish = harness_finish, .destroy = harness_destroy,
    .check = harness_check, .sql = &harness_sql,
};

/* A builder that leaves out the challengers' transactions during a window. */
static void censor_begin(void *ctx, uint64_t height, sim_time t)
{
    (void)height;
    *(bool *)ctx = t >= cfg.censor_from && t < cfg.censor_until;
}

static bool censor_excluded(void *ctx, const struct mp_tx *tx)
{
    if (!*(bool *)ctx)
        return false;
    for (size_t i = 0; i < cfg.nplans; i++)
        if (tx->sender_id == sender_of(i, DISPUTE_CHALLENGER))
            return true;
    return false;
}

/* ---- running a world ------------------------------------------------------------------ */

static struct world_fixture fx;
static bool censoring;            /* the censoring builder's state (censor_begin) */

static int teardown(void **state)
{
    (void)state;
    world_fixture_close(&fx);
    censoring = false;
    return 0;
}

static void defaults(void)
{
    memset(&cfg, 0, sizeof cfg);
    dispute_rules_op_stack(&cfg.rules);
    cfg.rules.max_clock_duration = 60 * MINUTE;   /* short clocks: a test's hour */
    cfg.rules.clock_extension = 10 * MINUTE;
    for (int s = 0; s < 2; s++) {
        cfg.fee[s] = (struct l1_fee_policy){ .kind = L1_FEE_BASEFEE_MULT, .tip = 2 * GWEI,
                                             .mult_pct = 200, .cap = 1000 * GWEI };
        cfg.response[s] = 12 * SECOND;
        cfg.funds[s] = 1000 * ETH;
    }
}

static const char *yaml_quiet =
    "name: dispute\nseed: 7\nduration: 3h\ncrypto: fast\n"
    "l1: {fork: osaka, slot: 12s, finality_depth: 2, missed_slot: 0,"
    " base_fee: {initial: 10gwei}, demand: {rate: 0/block}, blobs: {demand: 0/block}}\n"
    "workload: {users: 10, transfers: {rate: 0.01/s}}\n"
    "schemes: [{type: dispute_harness}]\n";

static void register_harness(void)
{
    static bool registered;
    if (!registered)
        model_register_scheme(&harness_ops);
    registered = true;
}

static void run_world(const char *yaml)
{
    register_harness();
    world_fixture_open(&fx, "dispute.yaml", yaml, "dispute");
    if (cfg.censor_until > cfg.censor_from) {
        struct l1_builder_hook hk = { censor_begin, censor_excluded, &censoring };
        l1_add_builder_hook(fx.w->l1, &hk);
    }
    sim_run(fx.w->sim, fx.w->duration, 0);
    if (world_finish(fx.w) != 0)
        fail_msg("%s", fx.w->failure);
}

static struct game *game(size_t i) { return &((struct harness *)fx.w->schemes[0]->state)->g[i]; }

static int64_t q_int(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(fx.st), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s", sql);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *q_text(const char *fmt, ...)
{
    static char buf[1024];
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(fx.st), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s", sql);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "NULL");
    sqlite3_finalize(st);
    return buf;
}

/* ---- the tests ------------------------------------------------------------------------ */

/* bond-incentives.md: 400,000 gas at depth 0, x1.09493 per level, reaching ~300,000,000
 * gas at depth 73; priced at 200 gwei, so the depth-0 bond is 0.08 ETH. */
static void test_bond_schedule(void **state)
{
    (void)state;
    struct dispute_rules r;
    dispute_rules_op_stack(&r);
    assert_true(dispute_bond(&r, 0) == (u128)400000 * 200 * GWEI);
    assert_true(dispute_bond(&r, 0) == ETH * 8 / 100);
    u128 top = dispute_bond(&r, 73) / (200 * GWEI);        /* gas */
    assert_true(top > 297000000 && top < 303000000);
    for (unsigned d = 0; d < 73; d++)
        assert_true(dispute_bond(&r, d + 1) > dispute_bond(&r, d));
    assert_int_equal(r.max_clock_duration, 302400 * SECOND);   /* 3.5 d */
    assert_int_equal(r.clock_extension, 10800 * SECOND);       /* 3 h */
    assert_int_equal(r.max_game_depth, 73);
}

static unsigned ceil_log2(uint64_t n)
{
    unsigned k = 0;
    while ((UINT64_C(1) << k) < n)
        k++;
    return k;
}

/* A fraudulent root (the defender's view mints after step k) against an honest
 * challenger on a quiet L1, for traces of many lengths and many k: every game ends in
 * at most ceil(log2 n) bisection moves and isolates step k: the honest side proves
 * exactly step k when the proof is its to make, and when it is the wrong side's, that
 * side lets its clock run out rather than prove its own fraud. The challenger wins
 * and takes the defender's bonds, root bond included. The same with the roles
 * swapped (an honest root, a challenger whose view is wrong from k): the defender
 * wins. */
static void test_bisection_on_l1(void **state)
{
    (void)state;
    defaults();
    static const struct { size_t n; int64_t dw, cw; } p[] = {
        { 1, 0, -1 }, { 2, 1, -1 }, { 3, 0, -1 }, { 7, 6, -1 }, { 64, 37, -1 },
        { 100, 0, -1 }, { 100, 99, -1 }, { 255, 128, -1 },
        { 5, -1, 2 }, { 64, -1, 0 }, { 100, -1, 63 }, { 33, -1, 32 },
    };
    for (size_t i = 0; i < ARRAY_LEN(p); i++)
        cfg.plan[cfg.nplans++] = (struct plan){ .n = p[i].n, .defender_wrong_at = p[i].dw,
                                                .challenger_wrong_at = p[i].cw,
                                                .post_at = (sim_time)(10 + i) * SECOND };
    run_world(yaml_quiet);
    for (size_t i = 0; i < ARRAY_LEN(p); i++) {
        struct game *g = game(i);
        bool fraud = p[i].dw >= 0;
        uint64_t k = (uint64_t)(fraud ? p[i].dw : p[i].cw);
        assert_true(g->done);
        assert_int_equal(dispute_trace_first_difference(g->view[0], g->view[1]), k + 1);
        assert_int_equal(g->result.winner, fraud ? DISPUTE_CHALLENGER : DISPUTE_DEFENDER);
        unsigned bisect = (unsigned)q_int("SELECT count(*) FROM dispute_moves WHERE dispute_id"
                                          " = %zu AND kind IN ('attack','defend') AND status ="
                                          " 'included'", g->result.dispute_id);
        assert_true(bisect <= ceil_log2(p[i].n));
        if (g->result.by_step) {
            assert_int_equal(g->result.step, k);
            assert_int_equal(q_int("SELECT count(*) FROM dispute_moves WHERE dispute_id = %zu"
                                   " AND kind = 'step' AND status = 'included'",
                                   g->result.dispute_id), 1);
            assert_int_equal(q_int("SELECT step FROM disputes WHERE dispute_id = %zu",
                                   g->result.dispute_id), (int64_t)k);
        } else {
            /* the wrong side had to prove and would lose: it lets its clock run out. The
             * last claim is the honest side's, in a range of at most 3 steps holding k:
             * its answer could only have isolated k */
            assert_string_equal(q_text("SELECT decided_by FROM disputes WHERE dispute_id = %zu",
                                       g->result.dispute_id), "clock");
            assert_string_equal(q_text("SELECT who FROM dispute_moves WHERE dispute_id = %zu"
                                       " ORDER BY move DESC LIMIT 1", g->result.dispute_id),
                                fraud ? "challenger" : "defender");
            assert_int_equal(q_int("SELECT range_lo <= %llu AND %llu < range_hi AND"
                                   " range_hi - range_lo <= 3 FROM dispute_moves WHERE"
                                   " dispute_id = %zu ORDER BY move DESC LIMIT 1",
                                   (unsigned long long)k, (unsigned long long)k,
                                   g->result.dispute_id), 1);
        }
        /* the fraudulent root is rejected and its bond goes to the challenger */
        assert_string_equal(q_text("SELECT outcome FROM disputes WHERE dispute_id = %zu",
                                   g->result.dispute_id), fraud ? "root_rejected" : "root_stands");
        assert_int_equal(q_int("SELECT slashed_wei = %s FROM disputes WHERE dispute_id = %zu",
                               fraud ? "defender_bonds_wei" : "challenger_bonds_wei",
                               g->result.dispute_id), 1);
        assert_int_equal(q_int("SELECT slashed_wei = to_winner_wei AND burned_wei = '0' FROM"
                               " disputes WHERE dispute_id = %zu", g->result.dispute_id), 1);
    }
    /* every L1 transaction of the games is a row of l1_txs, of the expected kinds */
    assert_int_equal(q_int("SELECT count(*) FROM dispute_moves m LEFT JOIN l1_txs l ON"
                           " l.tx_id = m.l1_tx_id WHERE m.l1_tx_id IS NOT NULL AND"
                           " (l.tx_id IS NULL OR l.kind NOT IN ('state_root','dispute_move','proof'))"), 0);
    assert_int_equal(q_int("SELECT count(*) FROM dispute_moves WHERE status <> 'included'"), 0);
    /* a root claim's bond (0.08 ETH) plus the bonds of its side's claims */
    struct bond_ledger l;
    struct harness *h = fx.w->schemes[0]->state;
    bond_book_ledger(h->bonds, &l);
    assert_true(l.held == 0 && l.posted == l.returned + l.slashed && l.slashed > 0);
    /* the bonds are money: each game's winner was paid the loser's bonds (winner share
     * 100%), root bond included, and got its own back; the loser's purse is short of
     * exactly what it posted */
    for (size_t i = 0; i < ARRAY_LEN(p); i++) {
        struct game *g = game(i);
        const struct bond_purse *w = h->purse[i][g->result.winner];
        const struct bond_purse *lo = h->purse[i][!g->result.winner];
        assert_true(w->won == g->result.slashed && w->refunds == w->posted);
        assert_true(w->balance == 1000 * ETH + g->result.slashed);
        assert_true(lo->won == 0 && lo->refunds == 0 && lo->posted == g->result.slashed);
        assert_true(lo->balance == 1000 * ETH - g->result.slashed && lo->reserved == 0);
    }
}

/* Clocks run by block time: each included move's clock_left is the side's
 * max_clock_duration less the time from the opponent's previous inclusion to its own,
 * summed over its moves. And a side left with less than CLOCK_EXTENSION when the
 * opponent moves gets exactly CLOCK_EXTENSION: here the challenger takes 55 of its 60
 * minutes to answer (each side sends between slots: the clock stops at the block, not
 * at the sending), the proposer answers in a block, and the challenger's next
 * deadline is 10 minutes (not the 5 it had left) after that block. It answers only
 * after 55 minutes again, so it loses on its clock exactly there. */
static void test_clock_by_block_time(void **state)
{
    (void)state;
    defaults();
    cfg.response[DISPUTE_CHALLENGER] = 55 * MINUTE + 5 * SECOND;   /* sent between slots */
    cfg.response[DISPUTE_DEFENDER] = 5 * SECOND;
    cfg.plan[cfg.nplans++] = (struct plan){ .n = 64, .defender_wrong_at = 10,
                                            .challenger_wrong_at = -1, .post_at = 10 * SECOND };
    run_world(yaml_quiet);
    struct game *g = game(0);
    assert_true(g->done);
    assert_false(g->result.by_step);
    assert_int_equal(g->result.winner, DISPUTE_DEFENDER);   /* the fraud stands: too slow */
    sim_time c1 = q_int("SELECT included_us FROM dispute_moves WHERE move = 1");
    sim_time d2 = q_int("SELECT included_us FROM dispute_moves WHERE move = 2");
    assert_true(c1 >= g->t0 + 55 * MINUTE && c1 % (12 * SECOND) == 0);   /* a block's time */
    assert_true(q_int("SELECT sent_us FROM dispute_moves WHERE move = 1") < c1);
    assert_true(q_int("SELECT sent_us FROM dispute_moves WHERE move = 2") < d2);
    assert_int_equal(q_int("SELECT clock_left_us FROM dispute_moves WHERE move = 1"),
                     60 * MINUTE - (c1 - g->t0));
    assert_int_equal(q_int("SELECT clock_left_us FROM dispute_moves WHERE move = 2"),
                     60 * MINUTE - (d2 - c1));
    assert_true(60 * MINUTE - (c1 - g->t0) < 10 * MINUTE);
    assert_int_equal(g->result.resolved, d2 + 10 * MINUTE);
    assert_int_equal(q_int("SELECT resolved_us FROM disputes"), d2 + 10 * MINUTE);
    assert_string_equal(q_text("SELECT decided_by || ' ' || winner || ' ' || outcome FROM disputes"),
                        "clock defender root_stands");
    /* the challenger's bond at depth 1 is slashed to the defender */
    assert_true(g->result.slashed == dispute_bond(&cfg.rules, 1));
}

/* One fraudulent root over n steps, the defender's view wrong from step `wrong`, posted
 * at 10 s on the quiet L1 (cfg as the test set it): the game, run to the end. */
static struct game *one_fraud(size_t n, int64_t wrong)
{
    cfg.plan[cfg.nplans++] = (struct plan){ .n = n, .defender_wrong_at = wrong,
                                            .challenger_wrong_at = -1, .post_at = 10 * SECOND };
    run_world(yaml_quiet);
    return game(0);
}

/* The challenger never got a move in: the fraudulent root stood when its clock ran out. */
static void assert_stood_by_clock(const struct game *g)
{
    assert_true(g->done);
    assert_int_equal(g->result.winner, DISPUTE_DEFENDER);
    assert_false(g->result.by_step);
}

/* Bonds are money the sides hold (bonds.h): a challenger whose purse cannot cover
 * the bond of its first move (depth 1: 400,000 x 1.09493 gas at 200 gwei) sends
 * nothing; its clock runs out and the fraudulent root stands, as in the FDG, where a
 * move without its msg.value reverts. Its purse is untouched. */
static void test_unfunded_challenger_loses(void **state)
{
    (void)state;
    defaults();
    cfg.funds[DISPUTE_CHALLENGER] = dispute_bond(&cfg.rules, 1) - 1;
    assert_stood_by_clock(one_fraud(40, 3));
    assert_string_equal(q_text("SELECT who || ' ' || status || ' ' || (l1_tx_id IS NULL) || ' '"
                               " || (CAST(bond_wei AS REAL) = %.0f) FROM dispute_moves WHERE"
                               " move = 1", (double)dispute_bond(&cfg.rules, 1)),
                        "challenger unfunded 1 1");
    assert_int_equal(q_int("SELECT count(*) FROM dispute_moves WHERE who = 'challenger' AND"
                           " status <> 'unfunded'"), 0);
    const struct bond_purse *c = ((struct harness *)fx.w->schemes[0]->state)->purse[0][1];
    assert_true(c->posted == 0 && c->reserved == 0 && c->balance == cfg.funds[DISPUTE_CHALLENGER]);
}

/* dispute_winner_share below 100%: of each slashed bond the winner is paid that share
 * (rounded down, bond by bond) into its purse and the rest is burned: it leaves every
 * purse and the contract. */
static void test_winner_share_and_burn(void **state)
{
    (void)state;
    defaults();
    cfg.rules.winner_share_pct = 60;
    struct game *g = one_fraud(16, 5);
    assert_int_equal(g->result.winner, DISPUTE_CHALLENGER);
    struct harness *h = fx.w->schemes[0]->state;
    struct bond_ledger l;
    bond_book_ledger(h->bonds, &l);
    assert_true(g->result.to_winner < g->result.slashed);
    assert_true(g->result.to_winner >= g->result.slashed * 60 / 100 - 8 &&
                g->result.to_winner <= g->result.slashed * 60 / 100);
    assert_true(l.burned == g->result.slashed - g->result.to_winner && l.held == 0);
    const struct bond_purse *c = h->purse[0][DISPUTE_CHALLENGER], *d = h->purse[0][DISPUTE_DEFENDER];
    assert_true(c->won == g->result.to_winner && c->balance == 1000 * ETH + c->won);
    assert_true(d->balance == 1000 * ETH - g->result.slashed);
    assert_true(c->funded + d->funded == c->balance + d->balance + l.burned);
    assert_int_equal(q_int("SELECT burned_wei = '%s' FROM disputes", u128_str(l.burned, (char[41]){ 0 })), 1);
}

/* The honest challenger's moves cannot get in: a builder leaves them out from the
 * first minute on. Its clock (one hour from the root claim's block) runs out and the
 * fraudulent root stands; its moves are rows that never landed. */
static void test_censored_challenger_loses(void **state)
{
    (void)state;
    defaults();
    cfg.censor_from = 0, cfg.censor_until = 3 * 3600 * SECOND;
    struct game *g = one_fraud(40, 3);
    assert_stood_by_clock(g);
    assert_int_equal(g->result.resolved, g->t0 + 60 * MINUTE);
    assert_int_equal(q_int("SELECT count(*) FROM dispute_moves WHERE who = 'challenger' AND"
                           " status = 'included'"), 0);
    assert_int_equal(q_int("SELECT count(*) FROM dispute_moves WHERE who = 'challenger' AND"
                           " status = 'dropped' AND l1_tx_id IS NOT NULL"), 1);
    assert_string_equal(q_text("SELECT drop_reason IS NOT NULL FROM l1_txs WHERE tx_id ="
                               " (SELECT l1_tx_id FROM dispute_moves WHERE who = 'challenger')"), "1");
    /* nothing of the challenger's was posted, nothing slashed; the root bond returns */
    assert_true(g->result.slashed == 0);
}

/* Block stuffing from the second minute, filler tip 100 gwei, against a challenger who
 * bids twice the base fee + 2 gwei up to 1000 gwei: with a budget for the whole hour
 * of its clock its moves never land and the fraud stands; with a budget for a few
 * blocks only, the stuffing stops, the base fee falls back, and the challenger wins.
 * The attacker's own moves outbid its fillers. */
static void test_block_stuffing_threshold(void **state)
{
    (void)state;
#define STUFFED_YAML(budget) \
        "name: dispute\nseed: 7\nduration: 3h\ncrypto: fast\n" \
        "l1: {fork: osaka, slot: 12s, finality_depth: 2, missed_slot: 0," \
        " base_fee: {initial: 10gwei}, demand: {rate: 0/block}, blobs: {demand: 0/block}}\n" \
        "workload: {users: 10, transfers: {rate: 0.01/s}}\n" \
        "schemes: [{type: dispute_harness}]\n" \
        "adversaries: [{type: block_stuffing, from: 1m, for: 2h, budget: " budget ", tip: 100gwei}]\n"
    static const char *const yaml[2] = { STUFFED_YAML("100000eth"), STUFFED_YAML("20eth") };
    for (int b = 0; b < 2; b++) {
        defaults();
        /* the attacker outbids its own fillers: its moves get in */
        cfg.fee[DISPUTE_DEFENDER] = (struct l1_fee_policy){ .kind = L1_FEE_BASEFEE_MULT,
                                                            .tip = 200 * GWEI, .mult_pct = 200,
                                                            .cap = 30000 * GWEI };
        cfg.plan[cfg.nplans++] = (struct plan){ .n = 40, .defender_wrong_at = 3,
                                                .challenger_wrong_at = -1,
                                                .post_at = 10 * SECOND };
        run_world(yaml[b]);
        struct game *g = game(0);
        assert_true(g->done);
        if (b == 0) {
            assert_int_equal(g->result.winner, DISPUTE_DEFENDER);
            assert_false(g->result.by_step);
        } else {
            assert_int_equal(g->result.winner, DISPUTE_CHALLENGER);
        }
        teardown(NULL);
    }
}

/* The proof as calldata: decoded as encoded, judged by the VM: the honest step holds,
 * a minting claim is false, and a proof whose bytes were tampered with (a richer
 * sender, a flipped proof hash) or cut short is refused. */
static void test_proof_bytes(void **state)
{
    (void)state;
    struct sig_ctx sig;
    sig_ctx_init(&sig, SIG_FAST, 5);
    struct l2_state *pre = state_new(CHAIN, DEPTH, &sig, 0);
    struct err e;
    for (uint64_t i = 0; i < USERS; i++) {
        struct sig_keypair kp;
        sig_keypair_derive(&sig, 1, i, &kp);
        assert_int_equal(state_deposit(pre, i, kp.pk, 100 * ETH, &e), 0);
    }
    struct dispute_entry *txs = make_steps(&sig, 30, 3);
    struct tamper t = { .at = 11, .amount = ETH };
    memcpy(t.pk, state_account(pre, ATTACKER)->pubkey, SIG_PUBLICKEY_BYTES);
    struct dispute_trace *honest = dispute_trace_new(pre, txs, 30, NULL, NULL);
    struct dispute_trace *fraud = dispute_trace_new(pre, txs, 30, tamper_fn, &t);
    struct dispute_player hp, fp;
    dispute_trace_player(honest, &hp);
    dispute_trace_player(fraud, &fp);
    struct rollup_rules rr;
    state_rules(pre, &rr);
    struct dispute_transfer_vm v;
    dispute_transfer_vm_init(&v, &rr, txs, 30);
    struct dispute_vm vm = dispute_transfer_vm(&v);
    uint8_t pre_root[MERKLE_HASH_BYTES], post_h[MERKLE_HASH_BYTES], post_f[MERKLE_HASH_BYTES];
    dispute_trace_root(honest, 11, pre_root);
    dispute_trace_root(honest, 12, post_h);
    dispute_trace_root(fraud, 12, post_f);
    size_t len;
    uint8_t *proof = hp.prove(hp.ctx, 11, &len);
    assert_int_equal(vm.judge(vm.ctx, 11, pre_root, post_h, proof, len), ONE_STEP_CLAIM_HOLDS);
    assert_int_equal(vm.judge(vm.ctx, 11, pre_root, post_f, proof, len), ONE_STEP_CLAIM_FALSE);
    /* the fraudulent view's own proof of step 11 says the same: its root is false */
    size_t flen;
    uint8_t *fproof = fp.prove(fp.ctx, 11, &flen);
    assert_int_equal(vm.judge(vm.ctx, 11, pre_root, post_f, fproof, flen), ONE_STEP_CLAIM_FALSE);
    /* a proof of another step, at step 11 */
    size_t olen;
    uint8_t *other = hp.prove(hp.ctx, 12, &olen);
    assert_int_equal(vm.judge(vm.ctx, 11, pre_root, post_h, other, olen), ONE_STEP_BAD_WITNESS);
    /* round trip, then forgeries */
    struct dispute_proof *w = xmalloc(sizeof *w);
    assert_int_equal(dispute_proof_decode(proof, len, DEPTH, 0, w), 0);
    uint8_t *again;
    size_t alen = dispute_proof_encode(w, DEPTH, 0, &again);
    assert_int_equal(alen, len);
    assert_memory_equal(again, proof, len);
    w->w.slot[TRANSFER_STEP_DEBIT].account.balance += ETH;   /* a richer sender */
    uint8_t *rich;
    size_t rlen = dispute_proof_encode(w, DEPTH, 0, &rich);
    assert_int_equal(vm.judge(vm.ctx, 11, pre_root, post_h, rich, rlen), ONE_STEP_BAD_WITNESS);
    for (size_t at = TRANSFER_WIRE_BYTES + 2; at < len; at += 97) {
        proof[at] ^= 0x40;
        assert_int_not_equal(vm.judge(vm.ctx, 11, pre_root, post_h, proof, len), ONE_STEP_CLAIM_HOLDS);
        proof[at] ^= 0x40;
    }
    /* deposit steps: 9 opens account 18, 14 credits the attacker's account 15; a view
     * that mints more at 14 is false there, and a deposit proof with a larger amount
     * is not the input's */
    for (uint64_t k = 9; k <= 14; k += 5) {
        struct tamper t2 = { .at = k, .amount = 1 };
        memcpy(t2.pk, state_account(pre, ATTACKER)->pubkey, SIG_PUBLICKEY_BYTES);
        struct dispute_trace *f2 = dispute_trace_new(pre, txs, 30, tamper_fn, &t2);
        uint8_t a[MERKLE_HASH_BYTES], bh[MERKLE_HASH_BYTES], bf[MERKLE_HASH_BYTES];
        dispute_trace_root(honest, k, a);
        dispute_trace_root(honest, k + 1, bh);
        dispute_trace_root(f2, k + 1, bf);
        assert_memory_not_equal(a, bh, MERKLE_HASH_BYTES);
        size_t dl;
        uint8_t *dp = hp.prove(hp.ctx, k, &dl);
        assert_int_equal(dp[0], 2);
        assert_int_equal(vm.judge(vm.ctx, k, a, bh, dp, dl), ONE_STEP_CLAIM_HOLDS);
        assert_int_equal(vm.judge(vm.ctx, k, a, bf, dp, dl), ONE_STEP_CLAIM_FALSE);
        struct dispute_proof *dw = xmalloc(sizeof *dw);
        assert_int_equal(dispute_proof_decode(dp, dl, DEPTH, 0, dw), 0);
        dw->entry.amount += 1;
        uint8_t *forged;
        size_t fl = dispute_proof_encode(dw, DEPTH, 0, &forged);
        assert_int_equal(vm.judge(vm.ctx, k, a, bf, forged, fl), ONE_STEP_BAD_WITNESS);
        free(forged), free(dw), free(dp);
        dispute_trace_free(f2);
    }
    assert_int_equal(vm.judge(vm.ctx, 11, pre_root, post_h, proof, len - 1), ONE_STEP_BAD_WITNESS);
    assert_int_equal(vm.judge(vm.ctx, 30, pre_root, post_h, proof, len), ONE_STEP_BAD_WITNESS);
    free(rich), free(again), free(w), free(other), free(fproof), free(proof);
    dispute_trace_free(honest), dispute_trace_free(fraud);
    free(txs);
    state_free(pre);
}

/* The bond books must balance: under the fault "dispute.bond" (a return booked one
 * wei high) the world's final check fails, naming the invariant. Run in a child, whose
 * environment arms the fault before anything reads it. */
static void test_bond_fault(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("L2SIM_FAULT", "dispute.bond", 1);
        defaults();
        cfg.plan[cfg.nplans++] = (struct plan){ .n = 8, .defender_wrong_at = 2,
                                                .challenger_wrong_at = -1, .post_at = 10 * SECOND };
        struct err e;
        err_init(&e);
        register_harness();
        if (scn_load_text(model_schema(), "d.yaml", yaml_quiet, strlen(yaml_quiet), NULL, 0,
                          &fx.s, &e) != 0)
            _exit(3);
        snprintf(fx.path, sizeof fx.path, "/tmp/l2sim-test-dispute-XXXXXX");
        close(mkstemp(fx.path));
        int64_t run_id;
        if (store_open(fx.path, &fx.st, &e) != 0 ||
            run_begin(fx.st, fx.s, 7, 7, 0, &run_id, &e) != 0)
            _exit(3);
        static const size_t only[] = { 0 };
        struct world_spec spec = { .scn = fx.s, .store = fx.st, .run_id = run_id, .seed = 7,
                                   .name = "dispute", .schemes = only, .nschemes = 1 };
        if (world_new(&spec, &fx.w, &e) != 0)
            _exit(3);
        sim_run(fx.w->sim, fx.w->duration, 0);
        int failed = world_finish(fx.w);
        bool named = fx.w->failure && strstr(fx.w->failure, "bonds posted = held + returned + slashed");
        store_remove(fx.path);
        _exit(failed && named ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bond_fault),      /* first: the fault is armed once per process */
        cmocka_unit_test(test_bond_schedule),
        cmocka_unit_test(test_proof_bytes),
        cmocka_unit_test_teardown(test_bisection_on_l1, teardown),
        cmocka_unit_test_teardown(test_clock_by_block_time, teardown),
        cmocka_unit_test_teardown(test_censored_challenger_loses, teardown),
        cmocka_unit_test_teardown(test_unfunded_challenger_loses, teardown),
        cmocka_unit_test_teardown(test_winner_share_and_burn, teardown),
        cmocka_unit_test(test_block_stuffing_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

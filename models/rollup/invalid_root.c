/* invalid_root.c — the invalid-state-root adversary: an operator who makes the
 * optimistic rollup's proposer claim a state root in which its own account holds
 * `claim` wei more than the true state gives it (a mint at a step of the claim's
 * range), so that if the root stands past the challenge window it withdraws that
 * from the bridge. It acts at the first claim after `at`, or at each claim after `at`
 * with `probability`, through the scheme's hooks "proposer.falsify" and
 * "dispute.challengers", and defends its root in the dispute game with its own view
 * of the trace (it never proves its own fraud: at the bottom it lets its clock run
 * out). One attacks row per false claim: its cost (L1 fees of its moves, its bonds
 * slashed, the claim's bond), the value at risk (claim) and lost (claim, when the
 * root stood past its window). */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/rollup/challenger.h"
#include "sim/fault.h"
#include "sim/money.h"
#include "sim/rng.h"

static const struct scn_param invalid_root_params[] = {
    { "adversaries[invalid_state_root].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the optimistic rollup whose proposer it controls" },
    { "adversaries[invalid_state_root].at", SCN_DURATION, "0s", "0s", NULL, NULL, 0,
      "it falsifies the first claim the proposer makes after this time" },
    { "adversaries[invalid_state_root].probability", SCN_FRACTION, "0", "0", "1", NULL, 0,
      "if above 0: each claim after `at` is falsified with this probability instead" },
    { "adversaries[invalid_state_root].claim", SCN_AMOUNT, NULL, "1wei", NULL, NULL, SCN_REQUIRED,
      "what the false root credits the attacker, and what it withdraws if the root stands" },
    { "adversaries[invalid_state_root].account", SCN_UINT, "2", "0", NULL, NULL, 0,
      "the L2 account index the false root credits (2: the first user's)" },
    { "adversaries[invalid_state_root].tip", SCN_AMOUNT, "2gwei", "0wei", NULL, NULL, 0,
      "priority fee per gas of its dispute moves" },
    { "adversaries[invalid_state_root].max_fee", SCN_AMOUNT, "10000gwei", "1wei", NULL, NULL, 0,
      "the most its dispute moves pay per gas (bumped 12.5% a block up to it)" },
    { "adversaries[invalid_state_root].response", SCN_DURATION, "12s", "0s", NULL, NULL, 0,
      "from seeing the challenger's move to sending its own" },
    { "adversaries[invalid_state_root].funds", SCN_AMOUNT, "1000eth", "0wei", NULL, NULL, 0,
      "its money for the bonds of its dispute moves (bond_accounts): a move whose bond it "
      "cannot cover is not sent" },
};

/* One false claim. */
struct attempt {
    struct adversary *a;
    uint64_t claim;             /* the scheme's claim index, once on L1 (0 before) */
    uint64_t last_block;
    uint64_t mint_step;         /* the step of the range after which the mint happens */
    sim_time posted;
    bool     disputed, over;
    struct dispute_result result;
    struct attempt *next;
};

struct invalid_root {
    struct scheme      *target;
    struct challengers *ch;
    oru_falsify_fn     *falsify;
    sim_time            at;
    double              probability;
    u128                claim;
    uint64_t            account;
    uint8_t             pubkey[SIG_PUBLICKEY_BYTES];
    bool                armed;            /* a falsify request is pending */
    bool                done;             /* the single attempt was made */
    struct challengers_claimant who;
    gsl_rng            *r;
    struct attempt     *attempts, *forging;
    uint32_t            nattempts;
    char                party[64];
};

/* The mint: after step `step` of the range, the attacker's account gains `claim`. */
static void mint(void *ctx, uint64_t step, struct l2_state *s)
{
    struct attempt *t = ctx;
    struct invalid_root *ir = t->a->state;
    if (step != t->mint_step)
        return;
    struct err e;
    err_init(&e);
    const struct account *acc = state_account(s, ir->account);
    const uint8_t *pk = acc ? acc->pubkey : ir->pubkey;
    (void)state_deposit(s, ir->account, pk, ir->claim, &e);
}

static void game_over(void *ctx, uint64_t claim, const struct dispute_result *r)
{
    struct invalid_root *ir = ctx;
    for (struct attempt *t = ir->attempts; t; t = t->next)
        if (t->claim == claim) {
            t->over = true;
            t->result = *r;
        }
}

/* The proposer builds a claim over blocks up to last_block: forge its root. */
static void root_of(void *ctx, uint64_t last_block, uint8_t root[MERKLE_HASH_BYTES])
{
    struct adversary *a = ctx;
    struct invalid_root *ir = a->state;
    ir->armed = false;
    struct attempt *t = xcalloc(1, sizeof *t);
    t->a = a;
    t->last_block = last_block;
    /* the mint's step: drawn in the range, so the bisection has to search for it */
    size_t n = challengers_range_steps(ir->ch, last_block);
    t->mint_step = n ? gsl_rng_uniform_int(ir->r, n) : 0;
    ir->who.tamper_ctx = t;
    uint8_t forged[MERKLE_HASH_BYTES];
    if (n == 0 || challengers_forge(ir->ch, last_block, &ir->who, forged) != 0) {
        free(t);                    /* nothing to forge over: the claim stays true */
        return;
    }
    memcpy(root, forged, MERKLE_HASH_BYTES);
    t->next = ir->attempts;
    ir->attempts = t;
    ir->nattempts++;
}

static void arm(struct adversary *a)
{
    struct invalid_root *ir = a->state;
    if (ir->armed)
        return;
    ir->armed = true;
    ir->falsify(ir->target, root_of, a, ir->claim);
}

/* Claims on L1: note its own, and arm for the next claim when it strikes again. */
static void on_claim(void *ctx, const struct rollup_claim *c)
{
    struct adversary *a = ctx;
    struct invalid_root *ir = a->state;
    for (struct attempt *t = ir->attempts; t; t = t->next)
        if (!t->claim && t->last_block == c->last_block && !c->honest) {
            t->claim = c->index;
            t->posted = c->posted;
        }
    if (ir->probability > 0 && sim_now(a->world->sim) >= ir->at && !ir->armed &&
        gsl_rng_uniform(ir->r) < ir->probability)
        arm(a);
}

static void strike(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct adversary *a = ctx;
    struct invalid_root *ir = a->state;
    if (ir->probability == 0)
        arm(a);
}

static int invalid_root_init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct invalid_root *ir = xcalloc(1, sizeof *ir);
    a->state = ir;
    const char *target = scn_str(s, "adversaries[%zu].target", a->index);
    scheme_hook_fn *fn;
    int rc = SCHEME_HOOK_FIND(a, target, "proposer.falsify", oru_falsify_fn, &ir->target, &fn, e);
    if (rc != 0)
        return rc == 1 ? 0 : rc;    /* 1: the target runs in another world */
    ir->falsify = (oru_falsify_fn *)fn;
    if (SCHEME_HOOK_FIND(a, target, "dispute.challengers", oru_challengers_fn, &ir->target, &fn, e))
        return L2_EINPUT;
    ir->ch = ((oru_challengers_fn *)fn)(ir->target);
    rollup_subscribe_fn *subscribe;
    if (SCHEME_HOOK_FIND(a, target, "rollup.subscribe", rollup_subscribe_fn, &ir->target, &fn, e))
        return L2_EINPUT;
    subscribe = (rollup_subscribe_fn *)fn;
    ir->at = scn_int(s, "adversaries[%zu].at", a->index);
    ir->probability = scn_real(s, "adversaries[%zu].probability", a->index);
    ir->claim = scn_amount(s, "adversaries[%zu].claim", a->index);
    ir->account = scn_uint(s, "adversaries[%zu].account", a->index);
    u128 tip = scn_amount(s, "adversaries[%zu].tip", a->index);
    u128 cap = scn_amount(s, "adversaries[%zu].max_fee", a->index);
    if (tip > cap || cap > UINT64_MAX) {
        char path[64];
        snprintf(path, sizeof path, "adversaries[%zu].tip", a->index);
        return scn_error_at(s, e, path, "the tip must not exceed max_fee (< 2^64 wei)");
    }
    ir->r = rng_stream(a->world->seed, RNG_ADVERSARY, a->index, 1);
    snprintf(ir->party, sizeof ir->party, "%s", a->name);
    ir->who = (struct challengers_claimant){
        .party = ir->party, .sender = l1_account(L1_ACCT_SCHEME, 0x200000 + a->index),
        .origin = L1_ORIGIN_ADVERSARY(a->index),
        .fee = { .kind = L1_FEE_BASEFEE_MULT, .tip = (uint64_t)tip, .mult_pct = 200,
                 .cap = (uint64_t)cap, .bump_after = 1, .bump_pct = 13 },
        .response = scn_int(s, "adversaries[%zu].response", a->index),
        .purse = challengers_purse(ir->ch, ir->party,
                                   scn_amount(s, "adversaries[%zu].funds", a->index)),
        .tamper = mint, .resolved = game_over, .ctx = ir };
    struct rollup_listener l = { NULL, NULL, on_claim, a };
    subscribe(ir->target, &l);
    sim_at(a->world->sim, ir->at, strike, a, NULL, 0);
    return 0;
}

/* One row per false claim: what it cost the attacker (its moves' L1 fees, its bonds
 * lost, the claim's own bond when the claim was deleted), what it put at risk and
 * what the rollup lost (the claim, when the root stood past its window). */
static void invalid_root_finish(struct adversary *a)
{
    struct invalid_root *ir = a->state;
    if (!ir->target)
        return;                     /* its target runs in another world */
    const struct scn *s = a->world->scn;
    sim_time now = sim_now(a->world->sim);
    sim_time window = scn_int(s, "schemes[%zu].challenge_window", ir->target->index);
    uint32_t id = 0;
    for (struct attempt *t = ir->attempts; t; t = t->next) {
        struct dispute_result r;
        bool game = t->claim && challengers_game(ir->ch, t->claim, &r);
        bool rejected = game && r.over && r.winner == DISPUTE_CHALLENGER;
        bool stood = t->claim && !rejected && (!game || r.over) &&
                     now >= (game && r.resolved > t->posted + window ? r.resolved
                                                                     : t->posted + window);
        u128 cost = game ? r.fees[DISPUTE_DEFENDER] : 0;
        if (rejected)
            cost += r.bonds[DISPUTE_DEFENDER];      /* the claim's bond among them */
        char detail[256];
        snprintf(detail, sizeof detail, "claim %llu after L2 block %llu: %s%s",
                 (unsigned long long)t->claim, (unsigned long long)t->last_block,
                 !t->claim ? "never on L1"
                 : !game ? "nobody disputed it"
                 : !r.over ? "the dispute is still open"
                 : rejected ? (r.by_step ? "rejected by the one-step proof"
                                         : "rejected: the attacker's clock ran out")
                            : "the challenger's clock ran out: the root stands",
                 stood ? "; it stood past its window and was paid out" : "");
        struct attack_row row = {
            .attack_id = ++id, .type = "invalid_state_root", .target = ir->target->name,
            .start = t->posted >= 0 ? t->posted : now, .end = game && r.over ? r.resolved : now,
            .cost = cost, .value_at_risk = ir->claim, .value_lost = stood ? ir->claim : 0,
            .detected = game && r.countered >= 0, .detect = game ? r.countered : -1,
            .resolved = game && r.over ? r.resolved : -1, .detail = detail };
        adversary_record(a, &row);
    }
}

/* What its moves paid is what the L1 charged it. */
static int invalid_root_check(struct adversary *a, struct inv_fail *f)
{
    struct invalid_root *ir = a->state;
    if (!ir->target)
        return 0;
    u128 mine = challengers_paid_by(ir->ch, L1_ORIGIN_ADVERSARY(a->index)) +
                fault_fire("invalid_root.paid");
    u128 charged = l1_paid_by(a->world->l1, L1_ORIGIN_ADVERSARY(a->index));
    if (mine != charged) {
        char x[41], y[41];
        return INV_FAIL(f, "money conserved between the L1 and an attacker", "invalid_state_root "
                        "'%s' recorded %s wei for its moves, the L1 charged it %s wei", a->name,
                        u128_str(mine, x), u128_str(charged, y));
    }
    return 0;
}

static void invalid_root_destroy(struct adversary *a)
{
    struct invalid_root *ir = a->state;
    if (!ir)
        return;
    for (struct attempt *t = ir->attempts, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    if (ir->r)
        gsl_rng_free(ir->r);
    free(ir);
}

const struct adversary_ops invalid_state_root_ops = {
    .type = "invalid_state_root",
    .doc = "the rollup operator claims a state root crediting itself; defends it in the dispute game",
    .params = invalid_root_params, .nparams = ARRAY_LEN(invalid_root_params),
    .init = invalid_root_init, .finish = invalid_root_finish, .destroy = invalid_root_destroy,
    .check = invalid_root_check,
};

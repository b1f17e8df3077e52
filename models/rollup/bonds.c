/* bonds.c — bond money: purses and the contract's ledger (see bonds.h). */
#include "models/rollup/bonds.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/fault.h"
#include "sim/money.h"

struct bond_book {
    struct bond_ledger  ledger;
    struct bond_purse **purses;       /* each its own allocation: pointers stay valid */
    size_t              npurses;
};

struct bond_book *bond_book_new(void) { return xcalloc(1, sizeof(struct bond_book)); }

void bond_book_free(struct bond_book *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->npurses; i++)
        free(b->purses[i]);
    free(b->purses);
    free(b);
}

struct bond_purse *bond_purse_open(struct bond_book *b, const char *owner, u128 funds)
{
    struct bond_purse *p = xcalloc(1, sizeof *p);
    snprintf(p->owner, sizeof p->owner, "%s", owner);
    p->funded = p->balance = funds;
    b->purses = xrealloc(b->purses, (b->npurses + 1) * sizeof *b->purses);
    b->purses[b->npurses++] = p;
    return p;
}

bool bond_reserve(struct bond_purse *p, u128 wei)
{
    if (p->balance - p->reserved < wei)
        return false;
    p->reserved += wei;
    return true;
}

void bond_release(struct bond_purse *p, u128 wei)
{
    SIM_ASSERT(p->reserved >= wei);
    p->reserved -= wei;
}

void bond_post(struct bond_book *b, struct bond_purse *p, u128 wei)
{
    SIM_ASSERT(p->reserved >= wei && p->balance >= wei);
    p->reserved -= wei;
    p->balance -= wei;
    p->posted += wei;
    b->ledger.posted += wei;
    b->ledger.held += wei;
}

void bond_return(struct bond_book *b, struct bond_purse *p, u128 wei)
{
    SIM_ASSERT(b->ledger.held >= wei);
    b->ledger.held -= wei;
    b->ledger.returned += wei + fault_fire("dispute.bond");   /* a test's wrong book */
    p->balance += wei;
    p->refunds += wei;
}

u128 bond_slash(struct bond_book *b, struct bond_purse *winner, u128 wei, uint32_t share_pct)
{
    SIM_ASSERT(b->ledger.held >= wei);
    u128 reward = wei * share_pct / 100;
    b->ledger.held -= wei;
    b->ledger.slashed += wei;
    b->ledger.rewarded += reward;
    b->ledger.burned += wei - reward;
    /* the payment itself, into the winner's account: the fault pays one wei more than
     * the contract booked, which the comparison with the ledger must catch */
    u128 paid = reward + fault_fire("dispute.reward");
    winner->balance += paid;
    winner->won += paid;
    return reward;
}

void bond_book_ledger(const struct bond_book *b, struct bond_ledger *out) { *out = b->ledger; }

int bond_book_check(const struct bond_book *b, const char *scheme, struct inv_fail *f)
{
    const struct bond_ledger *l = &b->ledger;
    char x[41], y[41], z[41], v[41];
    if (l->posted != l->held + l->returned + l->slashed)
        return INV_FAIL(f, "bonds posted = held + returned + slashed", "scheme '%s': posted "
                        "%s wei, held %s, returned %s, slashed %s", scheme,
                        u128_str(l->posted, x), u128_str(l->held, y), u128_str(l->returned, z),
                        u128_str(l->slashed, v));
    if (l->slashed != l->rewarded + l->burned)
        return INV_FAIL(f, "bonds slashed = paid to winners + burned", "scheme '%s': slashed "
                        "%s wei, to winners %s, burned %s", scheme, u128_str(l->slashed, x),
                        u128_str(l->rewarded, y), u128_str(l->burned, z));
    u128 posted = 0, refunds = 0, won = 0, funded = 0, balances = 0;
    for (size_t i = 0; i < b->npurses; i++) {
        const struct bond_purse *p = b->purses[i];
        if (p->balance + p->posted != p->funded + p->refunds + p->won || p->reserved > p->balance)
            return INV_FAIL(f, "a bond account's balance = funded - posted + returned + won",
                            "scheme '%s', %s: balance %s wei, reserved %s, funded %s, posted "
                            "%s", scheme, p->owner, u128_str(p->balance, x),
                            u128_str(p->reserved, y), u128_str(p->funded, z),
                            u128_str(p->posted, v));
        posted += p->posted, refunds += p->refunds, won += p->won;
        funded += p->funded, balances += p->balance;
    }
    if (posted != l->posted || refunds != l->returned || won != l->rewarded)
        return INV_FAIL(f, "bonds the accounts paid, got back and won = the contract's books",
                        "scheme '%s': accounts posted %s wei, got back %s, won %s; the "
                        "contract took %s, returned %s, paid winners %s", scheme,
                        u128_str(posted, x), u128_str(refunds, y), u128_str(won, z),
                        u128_str(l->posted, v), u128_str(l->returned, x),
                        u128_str(l->rewarded, y));
    if (funded != balances + l->held + l->burned)
        return INV_FAIL(f, "bond money conserved: funded = balances + held + burned",
                        "scheme '%s': funded %s wei, balances %s, held %s, burned %s", scheme,
                        u128_str(funded, x), u128_str(balances, y), u128_str(l->held, z),
                        u128_str(l->burned, v));
    return 0;
}

void bond_book_write(const struct bond_book *b, struct world *w, const char *scheme)
{
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO bond_accounts(run_id, scheme, owner, funded_wei, posted_wei,"
        " returned_wei, won_wei, reserved_wei, balance_wei) VALUES(?,?,?,?,?,?,?,?,?)");
    for (size_t i = 0; i < b->npurses; i++) {
        const struct bond_purse *p = b->purses[i];
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, p->owner, -1, SQLITE_TRANSIENT);
        money_bind(q, 4, p->funded);
        money_bind(q, 5, p->posted);
        money_bind(q, 6, p->refunds);
        money_bind(q, 7, p->won);
        money_bind(q, 8, p->reserved);
        money_bind(q, 9, p->balance);
        store_step(w->store, q);
    }
}

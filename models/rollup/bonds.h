/* bonds.h — the money of a rollup's bonds: the accounts that post them (purses: the
 * proposer's for its state root claims, each challenger's and each fraudulent
 * claimant's for their dispute moves) and the contract that holds them (the book's
 * ledger). A bond is reserved from its payer's purse when the claim or move is sent,
 * leaves the purse for the contract when the L1 includes it, and comes back to it
 * (the claim stood), or is slashed: the winner's share is paid into the winner's
 * purse, the rest burned. The two sides keep their own books (each purse what it
 * posted, got back and won; the ledger what it holds, returned, slashed, paid and
 * burned) so that bond_book_check compares what the contract says it paid with what
 * the accounts received, and the money in all with what the purses were funded with.
 * OP Stack fault dispute game: bonds are msg.value of the move (bond-incentives.md);
 * modeled here: purses hold an opening balance (a key), not an L1 account's. */
#ifndef L2SIM_ROLLUP_BONDS_H
#define L2SIM_ROLLUP_BONDS_H

#include "models/model.h"

/* One payer's bond money. balance = funded - posted + refunds + won at all times;
 * reserved <= balance is the part promised to claims or moves sent, not yet included. */
struct bond_purse {
    char owner[64];               /* bond_accounts.owner: "proposer", "challenger 1", ... */
    u128 funded;                  /* the opening balance */
    u128 balance, reserved;
    u128 posted;                  /* bonds it paid into the contract */
    u128 refunds;                 /* of them, returned to it */
    u128 won;                     /* winner's shares of others' slashed bonds paid to it */
};

/* The contract's side: posted = held + returned + slashed, slashed = rewarded + burned. */
struct bond_ledger {
    u128 posted, held, returned, slashed, rewarded, burned;
};

struct bond_book;

struct bond_book *bond_book_new(void);
void bond_book_free(struct bond_book *b);            /* and its purses; NULL: no-op */

/* A new purse named owner with `funds` in it, owned by the book (the pointer stays
 * valid for the book's life). O(1). */
struct bond_purse *bond_purse_open(struct bond_book *b, const char *owner, u128 funds);

/* Promise wei of p's balance to a bond being sent: false (nothing reserved) when what
 * is not yet promised does not cover it. O(1). */
bool bond_reserve(struct bond_purse *p, u128 wei);
/* The claim or move did not land (dropped, or too late): the promise is off. */
void bond_release(struct bond_purse *p, u128 wei);
/* It landed: the reserved wei leave p for the contract, which holds them. */
void bond_post(struct bond_book *b, struct bond_purse *p, u128 wei);
/* A held bond comes back to the purse that posted it. */
void bond_return(struct bond_book *b, struct bond_purse *p, u128 wei);
/* A held bond is slashed: share_pct of it paid into winner's purse, the rest burned.
 * Returns the share paid. */
u128 bond_slash(struct bond_book *b, struct bond_purse *winner, u128 wei, uint32_t share_pct);

void bond_book_ledger(const struct bond_book *b, struct bond_ledger *out /* OUT */);

/* The ledger balances; what the purses posted, got back and won is what the ledger
 * says it took, returned and paid to winners; each purse's balance is its own books'
 * (and covers its reservations); and the money is conserved: what the purses were
 * funded with = their balances + the bonds held + the bonds burned. The faults
 * "dispute.bond" (a return booked one wei high) and "dispute.reward" (a winner paid
 * one wei more than the ledger's share) show it fails. O(purses). */
int  bond_book_check(const struct bond_book *b, const char *scheme, struct inv_fail *f);

/* One bond_accounts row per purse (the run's end). */
void bond_book_write(const struct bond_book *b, struct world *w, const char *scheme);

#define BOND_SQL_TABLES \
    "CREATE TABLE IF NOT EXISTS bond_accounts (" \
    " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, owner TEXT NOT NULL," \
    " funded_wei TEXT NOT NULL," \
    " funded_eth REAL GENERATED ALWAYS AS (CAST(funded_wei AS REAL) / 1e18) VIRTUAL," \
    " posted_wei TEXT NOT NULL," \
    " posted_eth REAL GENERATED ALWAYS AS (CAST(posted_wei AS REAL) / 1e18) VIRTUAL," \
    " returned_wei TEXT NOT NULL," \
    " returned_eth REAL GENERATED ALWAYS AS (CAST(returned_wei AS REAL) / 1e18) VIRTUAL," \
    " won_wei TEXT NOT NULL," \
    " won_eth REAL GENERATED ALWAYS AS (CAST(won_wei AS REAL) / 1e18) VIRTUAL," \
    " reserved_wei TEXT NOT NULL," \
    " reserved_eth REAL GENERATED ALWAYS AS (CAST(reserved_wei AS REAL) / 1e18) VIRTUAL," \
    " balance_wei TEXT NOT NULL," \
    " balance_eth REAL GENERATED ALWAYS AS (CAST(balance_wei AS REAL) / 1e18) VIRTUAL," \
    " PRIMARY KEY (run_id, scheme, owner));"

#endif

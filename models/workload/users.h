/* users.h — the users as every scheme sees them: an L1 balance drawn once per run, a
 * willingness to pay per transfer, an urgency flag, and the payment graph (who pays
 * whom). Each is a function of the run's seed and the user alone, so every scheme of
 * every world sees the same users (common random numbers). Each scheme holds its own
 * copy of every user's L1 account (its namespace): what a user spends in one scheme
 * never shows in another's, on a shared L1 as in separate worlds. */
#ifndef L2SIM_USERS_H
#define L2SIM_USERS_H

#include "models/model.h"

struct users;

/* Purposes of a user's streams (RNG_USER, user id, purpose). Append only. */
enum user_rng {
    USER_RNG_TRANSFERS = 1,     /* recipients and values of the user's transfers */
    USER_RNG_PROFILE = 2,       /* urgency */
    USER_RNG_BALANCE = 3,       /* the L1 balance at the start */
    USER_RNG_WILLINGNESS = 4,   /* the most the user pays for one transfer */
    USER_RNG_WITHDRAWAL = 5,    /* whether and when the user withdraws from the L2 */
};

/* The users of world w: the scenario's workload.* keys, the world's seed, one account
 * book per scheme of the scenario (by scheme index). Builds the payment graph when
 * workload.recipients is graph. Returns 0 or L2_EINPUT. O(users x degree) for the
 * graph, O(1) otherwise: profiles and accounts are drawn on first use. */
int  users_new(const struct world *w, struct users **out /* OUT: owned */, struct err *e);
void users_free(struct users *u);

uint32_t users_count(const struct users *u);

/* A user's profile, drawn from the user's own streams on first use. */
bool users_urgent(struct users *u, uint32_t user);
u128 users_willingness(struct users *u, uint32_t user);  /* wei per transfer, >= 1 */
u128 users_initial_balance(struct users *u, uint32_t user);    /* wei on L1 at t = 0 */

/* The payment graph: the contacts of `user` (*n of them, borrowed until users_free),
 * or NULL with *n = 0 when the scenario's recipients are not drawn from a graph.
 * Links are undirected: v is among u's contacts iff u is among v's. O(1). */
const uint32_t *users_contacts(const struct users *u, uint32_t user, size_t *n /* OUT */);

/* ---- a user's L1 account in scheme sc's namespace ----
 * balance starts at users_initial_balance; reserve sets aside the most a pending
 * transaction can cost (gas x max fee + value), so that whatever it finally costs
 * can be paid; settle releases it and takes what was actually spent. No call ever
 * drives a balance below zero: a reservation beyond what is available is refused
 * (false, nothing changes) and spending more than was reserved is a bug (panic). */
u128 user_available(const struct scheme *sc, uint32_t user);   /* balance - reserved */
bool user_reserve(const struct scheme *sc, uint32_t user, u128 amount);
void user_settle(const struct scheme *sc, uint32_t user, u128 reserved, u128 spent);
void user_credit(const struct scheme *sc, uint32_t user, u128 amount);   /* received */

/* The books of every scheme balance: for each, the balances sum to the initial
 * balances drawn + credits - spending, and the reservations sum to at most the
 * balances. 0, or INV_FAIL into f. O(schemes). */
int  users_check(const struct users *u, struct inv_fail *f);

#endif

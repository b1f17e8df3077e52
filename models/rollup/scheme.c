/* scheme.c — the rollup schemes optimistic_rollup and zk_rollup: their parameters,
 * the users' wallets (keys, nonces, transfers held until a deposit is credited),
 * deposits through the L1 bridge, withdrawals burned on L2 and paid on L1, the
 * bridge's books and their invariant, the hooks published to the dispute game, and
 * the run's end. The sequencer, batcher, proposer and prover are their own modules
 * (rollup_int.h). */
#include <stdlib.h>
#include <string.h>

#include "models/rollup/rollup_int.h"
#include "models/workload/users.h"
#include "sim/fault.h"
#include "sim/money.h"

/* ---- parameters: the same keys for both types, then each type's own ---- */

#define COMMON_PARAMS(T) \
    { "schemes[" T "].block_time", SCN_DURATION, "2s", "1ms", "1h", NULL, 0, \
      "L2 block interval (OP Stack: 2 s)" }, \
    { "schemes[" T "].order", SCN_ENUM, "fifo", NULL, NULL, "fifo|priority", 0, \
      "the sequencer's order: arrival, or highest L2 priority fee first" }, \
    { "schemes[" T "].gas_limit", SCN_GAS, "30000000", "21000", "1000000000", NULL, 0, \
      "L2 block gas limit (OP Mainnet at Bedrock: 30M); a transfer uses 21000" }, \
    { "schemes[" T "].elasticity", SCN_UINT, "6", "1", "1000", NULL, 0, \
      "L2 EIP-1559 elasticity: gas target = gas_limit / elasticity (OP Stack: 6)" }, \
    { "schemes[" T "].base_fee_denominator", SCN_UINT, "250", "1", "1000000", NULL, 0, \
      "L2 EIP-1559 base fee change denominator (OP Stack since Canyon: 250)" }, \
    { "schemes[" T "].base_fee", SCN_AMOUNT, "0.001gwei", "0wei", "100000gwei", NULL, 0, \
      "L2 base fee per gas at the start" }, \
    { "schemes[" T "].min_base_fee", SCN_AMOUNT, "0.001gwei", "0wei", "100000gwei", NULL, 0, \
      "the L2 base fee never falls below it" }, \
    { "schemes[" T "].tip", SCN_AMOUNT, "0.001gwei", "0wei", "100000gwei", NULL, 0, \
      "L2 priority fee per gas a user offers" }, \
    { "schemes[" T "].urgent_tip", SCN_AMOUNT, "0.01gwei", "0wei", "100000gwei", NULL, 0, \
      "L2 priority fee per gas an urgent user offers" }, \
    { "schemes[" T "].l1_base_fee_scalar", SCN_UINT, "5227", "0", "4294967295", NULL, 0, \
      "Fjord l1BaseFeeScalar, scaled by 1e6 (OP Mainnet SystemConfig since Ecotone: 5227)" }, \
    { "schemes[" T "].l1_blob_fee_scalar", SCN_UINT, "1014213", "0", "4294967295", NULL, 0, \
      "Fjord l1BlobFeeScalar, scaled by 1e6 (OP Mainnet SystemConfig since Ecotone: 1014213)" }, \
    { "schemes[" T "].da", SCN_ENUM, "blob", NULL, NULL, "calldata|blob|auto", 0, \
      "where batches go: calldata, blobs (EIP-4844), or the cheaper at current prices " \
      "with hysteresis" }, \
    { "schemes[" T "].auto_hysteresis", SCN_FRACTION, "10%", "0", "1", NULL, 0, \
      "da: auto switches only when the other is cheaper by more than this share" }, \
    { "schemes[" T "].compression", SCN_ENUM, "brotli", NULL, NULL, "none|zstd|brotli", 0, \
      "the batcher's codec (OP Stack since Fjord: brotli)" }, \
    { "schemes[" T "].compression_level", SCN_UINT, NULL, "0", "22", NULL, SCN_OPTIONAL, \
      "codec level (default: zstd 3, brotli 10 as the OP Stack batcher)" }, \
    { "schemes[" T "].max_tx_size", SCN_UINT, "120000", "1000", "10000000", NULL, 0, \
      "largest calldata batch, bytes (op-batcher MaxL1TxSize default: 120000)" }, \
    { "schemes[" T "].max_blobs", SCN_UINT, "6", "1", "64", NULL, 0, \
      "blobs per batch transaction at most (op-batcher: 6)" }, \
    { "schemes[" T "].max_channel_duration", SCN_DURATION, "10m", "1s", "30d", NULL, 0, \
      "a batch is posted at the latest this long after its first L2 block, however small" }, \
    { "schemes[" T "].blob_fee_cap", SCN_AMOUNT, NULL, "1wei", "100000000gwei", NULL, SCN_OPTIONAL, \
      "the most per blob gas the batcher bids (default: twice the blob base fee)" }, \
    { "schemes[" T "].batcher_tip", SCN_AMOUNT, "1gwei", "0wei", "100000gwei", NULL, 0, \
      "L1 priority fee per gas of the operator's transactions (batches, claims, proofs)" }, \
    { "schemes[" T "].resend_max_fee", SCN_AMOUNT, "10000gwei", "1gwei", "100000000gwei", \
      NULL, 0, \
      "the most max fee per gas of a claim, proof, deposit or payout resent after it left " \
      "the L1 pool unincluded (each resend bids 1.5x the tip and base-fee multiple); a " \
      "user's deposit or payout resent also bids at most the value it moves / its gas" }, \
    { "schemes[" T "].stuck_after", SCN_UINT, "3", "1", "100000", NULL, 0, \
      "L1 slots a batch may wait before the batcher replaces it with a higher bid " \
      "(12.5% more; 100% for blob transactions)" }, \
    { "schemes[" T "].deposit_gas", SCN_GAS, "60000", "0", "10000000", NULL, 0, \
      "L1 execution gas of a deposit into the bridge contract (modeled)" }, \
    { "schemes[" T "].deposit_depth", SCN_UINT, "4", "0", "10000", NULL, 0, \
      "L1 blocks after its inclusion before a deposit is credited on L2 (op-node's " \
      "sequencer confirmation depth: 4)" }, \
    { "schemes[" T "].withdraw_gas", SCN_GAS, "250000", "0", "10000000", NULL, 0, \
      "L1 execution gas of paying out a withdrawal (prove + finalize, modeled as one)" }, \
    { "schemes[" T "].state_depth", SCN_UINT, "32", "2", "64", NULL, 0, \
      "depth of the account Merkle tree (2^depth accounts)" }, \
    { "schemes[" T "].force_after", SCN_DURATION, "10m", "1s", "30d", NULL, 0, \
      "a user whose transfer got no soft confirmation this long sends it to the L1 inbox" }, \
    { "schemes[" T "].forced_inclusion", SCN_ENUM, "op", NULL, NULL, "op|arbitrum", 0, \
      "whose rule bounds a live sequencer that ignores the L1 inbox: op (a deposit is in " \
      "L2 within max_sequencer_drift, 1800 s since Fjord) or arbitrum (the delayed inbox " \
      "can be forced after 24 h)" }, \
    { "schemes[" T "].forced_window", SCN_DURATION, NULL, "1s", "365d", NULL, SCN_OPTIONAL, \
      "a transfer in the L1 inbox is forced into L2 this long after its inclusion if the " \
      "sequencer ignores it (default: the forced_inclusion preset's 30 min or 24 h)" }

/* State root claims (optimistic_rollup and hybrid_rollup). */
#define ORU_PARAMS(T) \
    { "schemes[" T "].claim_every", SCN_UINT, "1800", "1", "100000000", NULL, 0, \
    "L2 blocks between state root claims (OP Mainnet: an output every 1800 blocks, 1 h)" }, \
    { "schemes[" T "].bond", SCN_AMOUNT, "0.08eth", "0wei", "1000000eth", NULL, 0, \
    "bond posted with each state root claim (OP Stack fault dispute game root bond: 0.08 ETH)" }, \
    { "schemes[" T "].bond_funds", SCN_AMOUNT, "1000eth", "0wei", NULL, NULL, 0, \
    "the proposer's money for its claims' bonds (bond_accounts 'proposer'): a claim is " \
    "sent only when its bond is covered, else at the next claim_every block" }, \
    { "schemes[" T "].challenge_window", SCN_DURATION, "7d", "1s", "365d", NULL, 0, \
    "a claim not disputed for this long stands: its blocks and withdrawals are final" }, \
    { "schemes[" T "].claim_gas", SCN_GAS, "100000", "0", "10000000", NULL, 0, \
    "L1 execution gas of posting a claim (modeled)" }

static const struct scn_param oru_params[] = {
    COMMON_PARAMS("optimistic_rollup"),
    ORU_PARAMS("optimistic_rollup"),
    CHALLENGER_PARAMS("optimistic_rollup"),
};


/* The prover and verifier of zk_rollup and validium. */
#define ZK_PARAMS(T) \
    { "schemes[" T "].prove_fixed", SCN_DURATION, "2m", "0s", "30d", NULL, 0, \
      "median prover time of a batch, fixed part (assumed; wall time is drawn, not executed)" }, \
    { "schemes[" T "].prove_per_tx", SCN_DURATION, "10ms", "0s", "1h", NULL, 0, \
      "median prover time per transfer of the batch (assumed)" }, \
    { "schemes[" T "].prove_sigma", SCN_REAL, "0.25", "0", "5", NULL, 0, \
      "lognormal spread of the prover time around its median" }, \
    { "schemes[" T "].prove_cost_fixed", SCN_AMOUNT, "0.0005eth", "0wei", "1000eth", NULL, 0, \
      "off-chain cost of proving a batch, fixed part (assumed)" }, \
    { "schemes[" T "].prove_cost_per_tx", SCN_AMOUNT, "1000gwei", "0wei", "1eth", NULL, 0, \
      "off-chain cost of proving, per transfer (assumed)" }, \
    { "schemes[" T "].verifier_gas", SCN_GAS, "230000", "0", "30000000", NULL, 0, \
      "L1 execution gas of verifying a proof: a Groth16 verifier is ~207k (EIP-1108 " \
      "pairing 45000 + 34000 x 4, plus public inputs) plus storing the root" }

static const struct scn_param zk_params[] = {
    COMMON_PARAMS("zk_rollup"),
    ZK_PARAMS("zk_rollup"),
};

static const struct scn_param hybrid_params[] = {
    COMMON_PARAMS("hybrid_rollup"),
    ORU_PARAMS("hybrid_rollup"),
    ZK_PARAMS("hybrid_rollup"),
    { "schemes[hybrid_rollup].prove_every", SCN_UINT, "4", "1", "1000000", NULL, 0,
      "every k-th batch is proven, the proof covering every batch since the last proven "
      "one; blocks of unproven batches are final when their claim stands (1: every batch)" },
    { "schemes[hybrid_rollup].prove_withdrawals", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "also prove any batch that burns a withdrawal, so withdrawals are final at the proof" },
};

#define COMMITTEE_PARAMS(T) \
    { "schemes[" T "].committee", SCN_UINT, "7", "1", "1000", NULL, 0, \
      "members of the data availability committee (each signs every batch's data hash)" }, \
    { "schemes[" T "].threshold", SCN_UINT, "5", "1", "1000", NULL, 0, \
      "signatures an attestation needs on L1 (StarkEx's committees: a threshold of n)" }

static const struct scn_param validium_params[] = {
    COMMON_PARAMS("validium"),
    ZK_PARAMS("validium"),
    COMMITTEE_PARAMS("validium"),
};

static const struct scn_param volition_params[] = {
    COMMON_PARAMS("volition"),
    ZK_PARAMS("volition"),
    COMMITTEE_PARAMS("volition"),
    { "schemes[volition].rollup_share", SCN_FRACTION, "50%", "0", "1", NULL, 0,
      "share of accounts that keep their data on L1 (rollup mode: their transfers' bytes "
      "ride as calldata with the batch's attestation, and they pay the L1 data fee); the "
      "rest are in validium mode (data to the committee only, no L1 data fee), chosen by "
      "a hash of the user id" },
};


/* ---- users ---- */

/* v as `bytes` little-endian bytes at p. */
static void le_put(uint8_t *p, u128 v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

struct ru_user *ru_user(struct rollup *ru, uint32_t u)
{
    SIM_ASSERT(u < ru->nusers);
    if (!ru->users[u]) {
        struct ru_user *w = xcalloc(1, sizeof *w);
        sig_keypair_derive(&ru->sig, ROLLUP_KEY_USER, u, &w->kp);
        ru->users[u] = w;
    }
    return ru->users[u];
}

static struct l2_state *genesis(const struct rollup *ru)
{
    struct l2_state *s = state_new(ru->chain_id, ru->depth, &ru->sig, ROLLUP_FEE_ACCOUNT);
    struct err e;
    err_init(&e);
    for (uint64_t i = ROLLUP_FEE_ACCOUNT; i <= ROLLUP_BRIDGE_ACCOUNT; i++) {
        struct sig_keypair kp;
        sig_keypair_derive(&ru->sig, ROLLUP_KEY_OPERATOR, i, &kp);
        SIM_ASSERT(state_deposit(s, i, kp.pk, 0, &e) == 0);
    }
    return s;
}

static struct l2_state *hook_genesis(struct scheme *sc) { return genesis(sc->state); }

/* ---- the txs rows ---- */

void ru_tx_failed(struct rollup *ru, struct ru_tx *t, const char *status, const char *reason)
{
    if (t->withdrawal) {
        ru_withdrawal_failed(ru, t->wd, reason ? reason : "still in the sequencer's pool at the end");
    } else {
        if (status)
            t->rec.status = status, t->rec.reason = reason;
        txlog_write(ru->sc->world, ru->sc, &t->rec);
    }
    free(t);
}

/* The wallet signs the transfer at the sequencer's quote, if the sender's willingness
 * to pay covers it, and hands it over. */
static void wallet_send(struct rollup *ru, struct ru_tx *t, bool urgent, u128 max_fee,
                        sim_time deadline)
{
    struct ru_user *u = ru_user(ru, (uint32_t)(t->tx.from - ROLLUP_USER_ACCOUNT(0)));
    if (deadline != INT64_MAX && sim_now(ru->sc->world->sim) > deadline) {
        ru_tx_failed(ru, t, "dropped", "the user gave up waiting for its deposit");
        return;
    }
    t->tip = urgent ? ru->urgent_tip : ru->tip;
    u128 l2_fee, l1_fee;
    seq_quote(ru, t->tip, &l2_fee, &l1_fee);
    if (!ru_rollup_mode(ru, (uint32_t)(t->tx.from - ROLLUP_USER_ACCOUNT(0))))
        l1_fee = 0;   /* a volition's validium-mode account: its data stays off L1 */
    if (l2_fee + l1_fee > max_fee) {
        ru_tx_failed(ru, t, "dropped", "too expensive: the sequencer's fee was above the "
                     "user's willingness to pay");
        return;
    }
    t->rec.l1_fee = l1_fee, t->rec.l2_fee = l2_fee;
    t->tx.chain_id = ru->chain_id;
    t->tx.fee = l1_fee + l2_fee;
    t->tx.nonce = u->next_nonce;
    transfer_sign(&t->tx, &ru->sig, &u->kp);
    seq_offer(ru, t);
}

struct held {      /* what the wallet needs to send a held transfer later */
    bool     urgent;
    u128     max_fee;
    sim_time deadline;
};

static void wallet_hold(struct ru_user *u, struct ru_tx *t)
{
    t->next = NULL;
    if (u->wait_tail)
        u->wait_tail->next = t;
    else
        u->wait_head = t;
    u->wait_tail = t;
}

/* The user's deposit arrived (or failed): send what it held, in order. */
static void wallet_release(struct rollup *ru, uint32_t user)
{
    struct ru_user *u = ru_user(ru, user);
    if (u->deposits_pending)
        return;
    struct ru_tx *t = u->wait_head;
    u->wait_head = u->wait_tail = NULL;
    while (t) {
        struct ru_tx *next = t->next;
        const struct held *h = (const struct held *)(t + 1);
        wallet_send(ru, t, h->urgent, h->max_fee, h->deadline);
        t = next;
    }
}

static struct ru_tx *new_tx(struct rollup *ru)
{
    /* a held transfer keeps its wallet data right after it */
    return seq_tx_new(ru, sizeof(struct ru_tx) + sizeof(struct held));
}

static void on_transfer(struct scheme *sc, const struct transfer *tr)
{
    struct rollup *ru = sc->state;
    struct ru_tx *t = new_tx(ru);
    t->rec = (struct tx_record){ .tx_id = tr->id, .from = tr->from, .to = tr->to,
                                 .value = tr->value, .submit = tr->at, .soft = -1,
                                 .include = -1, .final = -1, .status = "pending" };
    t->tx.from = ROLLUP_USER_ACCOUNT(tr->from);
    t->tx.to = ROLLUP_USER_ACCOUNT(tr->to);
    t->tx.amount = tr->value;
    struct ru_user *u = ru_user(ru, tr->from);
    if (u->deposits_pending) {
        *(struct held *)(t + 1) = (struct held){ tr->urgent, tr->max_fee, tr->deadline };
        wallet_hold(u, t);
        return;
    }
    wallet_send(ru, t, tr->urgent, tr->max_fee, tr->deadline);
}

/* ---- deposits: an L1 transaction into the bridge, credited after deposit_depth ---- */

/* A deposit's L1 transaction: its callbacks' ctx, owned by the L1 (l1_submit_owned)
 * until its last callback, then by the resend timer when it left the pool unincluded. */
struct deposit_tx {
    struct scheme *sc;
    uint32_t user;
    u128     amount, reserved;
    uint32_t resends;       /* sent again after leaving the L1 pool unincluded */
};

/* A deposit in an L1 block, credited on L2 deposit_depth blocks later: its timer's
 * object, owned by the L1 (l1_at_owned), so one the run's end finds waiting is freed
 * there. */
struct deposit_credit {
    struct scheme *sc;
    uint32_t user;
    u128     amount;
};

static void deposit_credit(void *obj)
{
    struct deposit_credit *c = obj;
    struct rollup *ru = c->sc->state;
    struct ru_user *u = ru_user(ru, c->user);
    seq_credit(ru, ROLLUP_USER_ACCOUNT(c->user), u->kp.pk, c->amount);
    ru->deps_in_flight -= c->amount;
    u->opened = true;
    u->deposits_pending--;
    wallet_release(ru, c->user);
}

static void deposit_included(void *ctx, const struct l1_receipt *r)
{
    struct deposit_tx *d = ctx;
    struct rollup *ru = d->sc->state;
    user_settle(d->sc, d->user, d->reserved, r->total + d->amount);
    d->reserved = 0;
    ru->escrow += d->amount + fault_fire("rollup.escrow");   /* a test's wrong book */
    ru->deps_in_flight += d->amount;
    ru->l1_paid += r->total + fault_fire("rollup.receipt");   /* a test's wrong book */
    struct l1 *l1 = d->sc->world->l1;
    struct deposit_credit *c = xmalloc(sizeof *c);
    *c = (struct deposit_credit){ d->sc, d->user, d->amount };
    l1_at_owned(l1, r->time + (sim_time)ru->deposit_depth * l1_slot(l1), deposit_credit, c,
                NULL);
}

static bool deposit_send(struct deposit_tx *d);

/* Sent again one slot after it left the pool unincluded, bidding more (the timer owns
 * d; the new transaction gets a copy); a user who cannot cover the higher bid gives up
 * (its transfers find no L2 balance). */
static void deposit_resend(void *obj)
{
    struct deposit_tx *d = obj;
    struct rollup *ru = d->sc->state;
    struct deposit_tx *again = xmalloc(sizeof *again);
    *again = *d;
    again->resends++;
    if (deposit_send(again))
        return;
    free(again);
    ru_user(ru, d->user)->deposits_pending--;
    wallet_release(ru, d->user);
}

static void deposit_dropped(void *ctx, const char *why)
{
    (void)why;
    struct deposit_tx *d = ctx;
    struct l1 *l1 = d->sc->world->l1;
    user_settle(d->sc, d->user, d->reserved, 0);
    d->reserved = 0;
    l1_at_owned(l1, sim_now(d->sc->world->sim) + l1_slot(l1), deposit_resend,
                l1_take_ctx(l1), NULL);
}

uint64_t ru_bump(uint64_t x, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        if (x > UINT64_MAX / 3)
            return UINT64_MAX;
        x = x * 3 / 2;
    }
    return x;
}

struct l1_fee_policy ru_operator_bid(const struct rollup *ru, uint32_t resends)
{
    uint32_t mult = resends > 1000 ? UINT32_MAX : 200 + 100 * resends;
    return (struct l1_fee_policy){ .kind = L1_FEE_BASEFEE_MULT,
                                   .tip = ru_bump(ru->batcher_tip ? ru->batcher_tip : 1, resends),
                                   .mult_pct = mult, .cap = resends ? ru->resend_max_fee : 0,
                                   .bump_after = ru->stuck_after, .bump_pct = 15 };
}

struct l1_fee_policy ru_user_bid(const struct rollup *ru, uint32_t resends, u128 value,
                                 uint64_t gas)
{
    u128 by_value = gas ? value / gas : value;
    uint64_t cap = !resends ? 0
                   : by_value < ru->resend_max_fee ? (uint64_t)(by_value ? by_value : 1)
                   : ru->resend_max_fee;
    return (struct l1_fee_policy){ .kind = L1_FEE_BASEFEE_MULT,
                                   .tip = ru_bump(1000000000u, resends),
                                   .mult_pct = resends > 1000 ? UINT32_MAX : 200 + 100 * resends,
                                   .cap = cap };
}

/* The most a bid of policy fee (L1_FEE_BASEFEE_MULT) can cost per gas now: what a
 * wallet reserves. */
static u128 bid_max_fee(const struct l1 *l1, const struct l1_fee_policy *fee)
{
    u128 m = (u128)l1_base_fee(l1) * fee->mult_pct / 100 + fee->tip;
    return fee->cap && m > fee->cap ? fee->cap : m;
}

static uint64_t user_l1_account(const struct scheme *sc, uint32_t user)
{
    return l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | user);
}

/* Send deposit d to the bridge from the user's L1 account, reserving what its bid can
 * cost plus the value; false (nothing sent) when the user cannot cover it. */
static bool deposit_send(struct deposit_tx *d)
{
    struct scheme *sc = d->sc;
    struct rollup *ru = sc->state;
    struct l1 *l1 = sc->world->l1;
    /* calldata: the L2 account it credits, the key that owns it, the amount (the value
     * itself rides in the transaction) */
    uint8_t data[8 + SIG_PUBLICKEY_BYTES + 16];
    le_put(data, ROLLUP_USER_ACCOUNT(d->user), 8);
    memcpy(data + 8, ru_user(ru, d->user)->kp.pk, SIG_PUBLICKEY_BYTES);
    le_put(data + 8 + SIG_PUBLICKEY_BYTES, d->amount, 16);
    struct l1_tx tx = { .sender = user_l1_account(sc, d->user),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "deposit",
                        .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = ru->deposit_gas };
    uint64_t gas = l1_gas_of(l1, &tx);
    struct l1_fee_policy fee = ru_user_bid(ru, d->resends, d->amount, gas);
    u128 reserved = (u128)gas * bid_max_fee(l1, &fee) + d->amount;
    if (!user_reserve(sc, d->user, reserved))
        return false;
    d->reserved = reserved;
    struct l1_callbacks cb = { deposit_included, NULL, deposit_dropped, d };
    l1_submit_owned(l1, &tx, &fee, &cb, free);
    return true;
}

static void on_deposit(struct scheme *sc, const struct deposit *dep)
{
    struct rollup *ru = sc->state;
    struct deposit_tx *d = xcalloc(1, sizeof *d);
    *d = (struct deposit_tx){ .sc = sc, .user = dep->user, .amount = dep->amount };
    if (!deposit_send(d)) {
        free(d);
        return;   /* the user cannot afford it: its transfers find no L2 balance */
    }
    ru_user(ru, dep->user)->deposits_pending++;
}

/* ---- withdrawals ---- */

static struct ru_withdrawal *wd_new(struct rollup *ru, uint32_t user, u128 amount)
{
    if (ru->nwds == ru->cap_wds) {
        ru->cap_wds = ru->cap_wds ? 2 * ru->cap_wds : 64;
        ru->wds = xrealloc(ru->wds, ru->cap_wds * sizeof *ru->wds);
    }
    struct ru_withdrawal *w = xcalloc(1, sizeof *w);
    *w = (struct ru_withdrawal){ .sc = ru->sc, .index = ru->nwds, .user = user,
                                 .amount = amount, .requested = sim_now(ru->sc->world->sim),
                                 .burned = -1, .finalizable = -1, .paid = -1,
                                 .status = "requested" };
    ru->wds[ru->nwds++] = w;
    return w;
}

/* A user asks funds back: a signed transfer of what it has (up to what it asks, less
 * the fee) to the bridge account, through the sequencer like any transfer. */
static void on_withdrawal(struct scheme *sc, const struct withdrawal *req)
{
    struct rollup *ru = sc->state;
    struct ru_user *u = ru_user(ru, req->user);
    const struct account *a = state_account(ru->state, ROLLUP_USER_ACCOUNT(req->user));
    u128 l2_fee, l1_fee;
    seq_quote(ru, ru->tip, &l2_fee, &l1_fee);
    if (!ru_rollup_mode(ru, req->user))
        l1_fee = 0;
    u128 fee = l2_fee + l1_fee;
    u128 have = a && a->balance > u->pending_debit ? a->balance - u->pending_debit : 0;
    u128 amount = have > fee ? have - fee : 0;
    if (req->amount < amount)
        amount = req->amount;
    struct ru_withdrawal *w = wd_new(ru, req->user, amount);
    if (amount == 0 || u->deposits_pending) {
        w->status = "failed";
        w->reason = u->deposits_pending ? "the user's deposit is not on L2 yet"
                                        : "nothing to withdraw: the L2 balance does not cover the fee";
        return;
    }
    struct ru_tx *t = new_tx(ru);
    t->withdrawal = true, t->wd = w->index;
    t->rec.tx_id = UINT64_MAX;
    t->tx = (struct l2_transfer){ .chain_id = ru->chain_id,
                                  .from = ROLLUP_USER_ACCOUNT(req->user),
                                  .to = ROLLUP_BRIDGE_ACCOUNT, .amount = amount, .fee = fee,
                                  .nonce = u->next_nonce };
    t->rec.l1_fee = l1_fee, t->rec.l2_fee = l2_fee;
    t->tip = ru->tip;
    w->fee = fee;
    transfer_sign(&t->tx, &ru->sig, &u->kp);
    seq_offer(ru, t);
}

void ru_withdrawal_burned(struct rollup *ru, uint64_t wd, const struct ru_block *b)
{
    struct ru_withdrawal *w = ru->wds[wd];
    w->burned = b->time, w->block = b->number, w->status = "burned";
    ru->burned += w->amount;
}

void ru_withdrawal_failed(struct rollup *ru, uint64_t wd, const char *reason)
{
    struct ru_withdrawal *w = ru->wds[wd];
    w->status = "failed", w->reason = reason;
}

static void payout_included(void *ctx, const struct l1_receipt *r)
{
    struct ru_withdrawal *w = ctx;
    struct rollup *ru = w->sc->state;
    user_settle(w->sc, w->user, w->reserved, r->total);
    w->reserved = 0;
    /* the L1 side: what the bridge contract transfers to the user (a test's fault pays
     * one wei more than the withdrawal burned) */
    u128 value = w->amount + fault_fire("rollup.payout");
    user_credit(w->sc, w->user, value);
    ru->escrow -= value;
    ru->l1_paid += r->total;
    /* the L2 side: the withdrawal's record, marked paid once */
    SIM_ASSERT(strcmp(w->status, "finalizing") == 0);
    w->paid = r->time, w->status = "paid";
    ru->paid_out += w->amount;
}

static void payout_send(void *ctx);

/* Left the pool unincluded: the user sends it again next slot, bidding more. */
static void payout_dropped(void *ctx, const char *why)
{
    (void)why;
    struct ru_withdrawal *w = ctx;
    user_settle(w->sc, w->user, w->reserved, 0);
    w->reserved = 0;
    w->resends++;
    struct l1 *l1 = w->sc->world->l1;
    l1_at(l1, sim_now(w->sc->world->sim) + l1_slot(l1), payout_send, w);
}

/* The user claims the payout on L1, reserving what its bid can cost. */
static void payout_send(void *ctx)
{
    struct ru_withdrawal *w = ctx;
    struct scheme *sc = w->sc;
    struct rollup *ru = sc->state;
    struct l1 *l1 = sc->world->l1;
    /* calldata: which withdrawal, of whom, how much, burned in which L2 block */
    uint8_t data[8 + 8 + 16 + 8];
    le_put(data, w->index + 1, 8);
    le_put(data + 8, ROLLUP_USER_ACCOUNT(w->user), 8);
    le_put(data + 16, w->amount, 16);
    le_put(data + 32, w->block, 8);
    struct l1_tx tx = { .sender = user_l1_account(sc, w->user),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "withdrawal",
                        .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = ru->withdraw_gas };
    uint64_t gas = l1_gas_of(l1, &tx);
    struct l1_fee_policy fee = ru_user_bid(ru, w->resends, w->amount, gas);
    u128 reserved = (u128)gas * bid_max_fee(l1, &fee);
    if (!user_reserve(sc, w->user, reserved)) {
        w->status = "failed";
        w->reason = "the user cannot pay the L1 gas of the payout";
        return;
    }
    w->reserved = reserved;
    w->status = "finalizing";
    struct l1_callbacks cb = { payout_included, NULL, payout_dropped, w };
    w->l1 = l1_submit(l1, &tx, &fee, &cb);
}

/* The block that burned it is final: the user claims the payout on L1. */
static void withdrawal_finalizable(struct rollup *ru, struct ru_withdrawal *w, sim_time t)
{
    w->finalizable = t;
    if (ru->frozen_at >= 0 && !ru_rollup_mode(ru, w->user)) {
        /* validium: a batch's data is served by nobody; the colluding operator stops
         * paying out, and without the data no user can build the exit proof that would
         * force a withdrawal past it (a volition's rollup-mode accounts have their data
         * on L1: they exit) */
        w->status = "failed";
        w->reason = "frozen: the committee withholds a batch's data; the operator refuses the "
                    "payout and no user can build the exit proof to force it";
        return;
    }
    payout_send(w);
}

/* ---- finality ---- */

/* Blocks up to last_block are final at t (their claim stood, their proof verified):
 * their transfers' rows are written, their withdrawals become payable. */
void ru_blocks_final(struct rollup *ru, uint64_t last_block, sim_time t)
{
    for (uint64_t n = ru->final_block + 1; n <= last_block && n <= ru->nblocks; n++) {
        struct ru_block *b = ru->blocks[n - 1];
        for (size_t i = 0; i < b->ntxs; i++) {
            if (b->wd[i]) {
                withdrawal_finalizable(ru, ru->wds[b->wd[i] - 1], t);
                continue;
            }
            b->recs[i].final = t;
            b->recs[i].status = "final";
            txlog_write(ru->sc->world, ru->sc, &b->recs[i]);
        }
        free(b->recs), free(b->wd), free(b->txs), free(b->deps);
        b->recs = NULL, b->wd = NULL, b->txs = NULL, b->deps = NULL;
        b->ntxs = 0;
        ru->final_block = n;
    }
}

/* ---- listeners (the dispute game) ---- */

static void hook_subscribe(struct scheme *sc, const struct rollup_listener *l)
{
    struct rollup *ru = sc->state;
    ru->listeners.v = xrealloc(ru->listeners.v, (ru->listeners.n + 1) * sizeof *ru->listeners.v);
    ru->listeners.v[ru->listeners.n++] = *l;
}

void ru_notify_block(struct rollup *ru, const struct ru_block *b)
{
    if (!ru->listeners.n)
        return;
    struct rollup_block v = { .number = b->number, .time = b->time, .deposits = b->deps,
                              .ndeposits = b->ndeps, .txs = b->txs, .ntxs = b->ntxs };
    memcpy(v.pre_root, b->pre_root, sizeof v.pre_root);
    memcpy(v.post_root, b->post_root, sizeof v.post_root);
    for (size_t i = 0; i < ru->listeners.n; i++)
        if (ru->listeners.v[i].block)
            ru->listeners.v[i].block(ru->listeners.v[i].ctx, &v);
}

void ru_notify_batch(struct rollup *ru, const struct ru_batch *b)
{
    struct rollup_batch v = { .index = b->index, .first_block = b->first_block,
                              .last_block = b->last_block, .ntxs = b->ntxs,
                              .commit = b->commit, .l1_tx = b->l1, .included = b->included };
    for (size_t i = 0; i < ru->listeners.n; i++)
        if (ru->listeners.v[i].batch)
            ru->listeners.v[i].batch(ru->listeners.v[i].ctx, &v);
}

void ru_notify_claim(struct rollup *ru, const struct ru_claim *c)
{
    for (size_t i = 0; i < ru->listeners.n; i++)
        if (ru->listeners.v[i].claim)
            ru->listeners.v[i].claim(ru->listeners.v[i].ctx, &c->c);
}

/* ---- init ---- */

static int init(struct scheme *sc, enum rollup_kind kind, struct err *e)
{
    struct world *w = sc->world;
    const struct scn *s = w->scn;
    size_t i = sc->index;
    struct rollup *ru = xcalloc(1, sizeof *ru);
    sc->state = ru;
    ru->sc = sc;
    ru->kind = kind;
    enum sig_mode mode;
    SIM_ASSERT(sig_mode_parse(scn_str(s, "crypto"), &mode) == 0);
    sig_ctx_init(&ru->sig, mode, w->seed);
    /* a chain id of its own per scheme: a signature for one rollup is worthless on
     * another (EIP-155) */
    ru->chain_id = UINT64_C(0x4c3200000000) | (uint64_t)i;
    ru->depth = (unsigned)scn_uint(s, "schemes[%zu].state_depth", i);
    ru->nusers = users_count(w->users);
    if (!state_index_in_tree(ru->depth, ROLLUP_USER_ACCOUNT(ru->nusers)))
        return scn_error_at(s, e, "schemes[].state_depth", "state_depth %u holds 2^%u "
                            "accounts, fewer than the %u users and 2 operator accounts",
                            ru->depth, ru->depth, ru->nusers);
    ru->users = xcalloc(ru->nusers ? ru->nusers : 1, sizeof *ru->users);
    ru->state = genesis(ru);
    state_root(ru->state, ru->genesis_root);
    memcpy(ru->verified_root, ru->genesis_root, sizeof ru->verified_root);
    ru->rejected_first = -1;
    ru->block_time = scn_int(s, "schemes[%zu].block_time", i);
    ru->priority = strcmp(scn_str(s, "schemes[%zu].order", i), "priority") == 0;
    ru->fees = (struct l2_fee_params){
        .gas_limit = (uint64_t)scn_int(s, "schemes[%zu].gas_limit", i),
        .elasticity = scn_uint(s, "schemes[%zu].elasticity", i),
        .denominator = scn_uint(s, "schemes[%zu].base_fee_denominator", i),
        .min_base_fee = (uint64_t)scn_amount(s, "schemes[%zu].min_base_fee", i),
        .base_fee_scalar = scn_uint(s, "schemes[%zu].l1_base_fee_scalar", i),
        .blob_fee_scalar = scn_uint(s, "schemes[%zu].l1_blob_fee_scalar", i),
    };
    ru->base_fee = (uint64_t)scn_amount(s, "schemes[%zu].base_fee", i);
    if (ru->base_fee < ru->fees.min_base_fee)
        ru->base_fee = ru->fees.min_base_fee;
    ru->tip = (uint64_t)scn_amount(s, "schemes[%zu].tip", i);
    ru->urgent_tip = (uint64_t)scn_amount(s, "schemes[%zu].urgent_tip", i);
    const char *da = scn_str(s, "schemes[%zu].da", i);
    ru->da = strcmp(da, "calldata") == 0 ? DA_CALLDATA : strcmp(da, "blob") == 0 ? DA_BLOB : DA_AUTO;
    ru->auto_hysteresis = scn_real(s, "schemes[%zu].auto_hysteresis", i);
    enum codec_kind ck;
    SIM_ASSERT(codec_parse(scn_str(s, "schemes[%zu].compression", i), &ck) == 0);
    int level = scn_has(s, "schemes[%zu].compression_level", i)
              ? (int)scn_uint(s, "schemes[%zu].compression_level", i) : codec_default_level(ck);
    struct err ce;
    err_init(&ce);
    if (codec_new(ck, level, &ru->codec, &ce) != 0)
        return scn_error_at(s, e, "schemes[].compression_level", "%s", ce.msg);
    ru->max_tx_size = (size_t)scn_uint(s, "schemes[%zu].max_tx_size", i);
    ru->max_blobs = (uint32_t)scn_uint(s, "schemes[%zu].max_blobs", i);
    ru->max_channel_duration = scn_int(s, "schemes[%zu].max_channel_duration", i);
    ru->blob_fee_cap = scn_has(s, "schemes[%zu].blob_fee_cap", i)
                     ? (uint64_t)scn_amount(s, "schemes[%zu].blob_fee_cap", i) : 0;
    ru->batcher_tip = (uint64_t)scn_amount(s, "schemes[%zu].batcher_tip", i);
    ru->stuck_after = (uint32_t)scn_uint(s, "schemes[%zu].stuck_after", i);
    ru->resend_max_fee = (uint64_t)scn_amount(s, "schemes[%zu].resend_max_fee", i);
    ru->deposit_gas = (uint64_t)scn_int(s, "schemes[%zu].deposit_gas", i);
    ru->deposit_depth = (uint32_t)scn_uint(s, "schemes[%zu].deposit_depth", i);
    ru->withdraw_gas = (uint64_t)scn_int(s, "schemes[%zu].withdraw_gas", i);
    ru->force_after = scn_int(s, "schemes[%zu].force_after", i);
    /* OP Stack: a live sequencer must adopt a new L1 origin, and with it that block's
     * deposits, before its L2 time runs max_sequencer_drift past the origin's (specs,
     * derivation; Fjord: "Constant Maximum Sequencer Drift", 1800 s); the 12 h
     * sequencing window binds only a sequencer that posts nothing. Arbitrum: a message
     * in the delayed inbox can be force-included once maxTimeVariation.delaySeconds
     * (86400 s, delayBlocks 5760) have passed (Nitro docs, "Sequencer and censorship
     * resistance"). */
    bool arbitrum = strcmp(scn_str(s, "schemes[%zu].forced_inclusion", i), "arbitrum") == 0;
    ru->forced_window = scn_has(s, "schemes[%zu].forced_window", i)
                      ? scn_int(s, "schemes[%zu].forced_window", i)
                      : arbitrum ? INT64_C(86400) * 1000000 : INT64_C(1800) * 1000000;
    ru->censor_from = ru->censor_until = -1;
    ru->withhold_from = ru->frozen_at = -1;   /* a validium's committee: nothing withheld */
    if (ROLLUP_CLAIMS(ru)) {
        ru->claim_every = scn_uint(s, "schemes[%zu].claim_every", i);
        ru->bond = scn_amount(s, "schemes[%zu].bond", i);
        ru->challenge_window = scn_int(s, "schemes[%zu].challenge_window", i);
        ru->claim_gas = (uint64_t)scn_int(s, "schemes[%zu].claim_gas", i);
        ru->bonds = bond_book_new();
        ru->proposer_purse = bond_purse_open(ru->bonds, "proposer",
                                             scn_amount(s, "schemes[%zu].bond_funds", i));
    }
    if (ROLLUP_PROVES(ru)) {
        if (kind == ROLLUP_VALIDIUM || kind == ROLLUP_VOLITION) {
            ru->da = DA_COMMITTEE;
            if (kind == ROLLUP_VOLITION)
                ru->rollup_ppm = (uint32_t)(scn_real(s, "schemes[%zu].rollup_share", i) * 1e6 + 0.5);
            ru->committee = (uint32_t)scn_uint(s, "schemes[%zu].committee", i);
            ru->threshold = (uint32_t)scn_uint(s, "schemes[%zu].threshold", i);
            if (ru->threshold > ru->committee)
                return scn_error_at(s, e, "schemes[].threshold", "threshold %u is more than "
                                    "the committee's %u members", ru->threshold, ru->committee);
            committee_start(ru);
        }
        ru->prove_fixed_s = (double)scn_int(s, "schemes[%zu].prove_fixed", i) / 1e6;
        ru->prove_per_tx_s = (double)scn_int(s, "schemes[%zu].prove_per_tx", i) / 1e6;
        ru->prove_sigma = scn_real(s, "schemes[%zu].prove_sigma", i);
        ru->prove_cost_fixed = scn_amount(s, "schemes[%zu].prove_cost_fixed", i);
        ru->prove_cost_per_tx = scn_amount(s, "schemes[%zu].prove_cost_per_tx", i);
        ru->verifier_gas = (uint64_t)scn_int(s, "schemes[%zu].verifier_gas", i);
        ru->prove_every = 1;
        if (kind == ROLLUP_HYBRID) {
            ru->prove_every = scn_uint(s, "schemes[%zu].prove_every", i);
            ru->prove_withdrawals = scn_bool(s, "schemes[%zu].prove_withdrawals", i);
        }
    }
    batcher_start(ru);
    seq_start(ru);
    if (kind == ROLLUP_OPTIMISTIC) {
        struct challengers_deps deps = { hook_subscribe, hook_genesis, proposer_resolve,
                                         ru->bonds };
        ru->ch = challengers_new(sc, &deps, e);
        if (!ru->ch)
            return L2_EINPUT;
    }
    return 0;
}

static int oru_init(struct scheme *sc, struct err *e) { return init(sc, ROLLUP_OPTIMISTIC, e); }
static int zk_init(struct scheme *sc, struct err *e) { return init(sc, ROLLUP_ZK, e); }
static int validium_init(struct scheme *sc, struct err *e) { return init(sc, ROLLUP_VALIDIUM, e); }
static int volition_init(struct scheme *sc, struct err *e) { return init(sc, ROLLUP_VOLITION, e); }
static int hybrid_init(struct scheme *sc, struct err *e) { return init(sc, ROLLUP_HYBRID, e); }

/* ---- the run's end ---- */

static void finish(struct scheme *sc)
{
    struct rollup *ru = sc->state;
    /* transfers still held by wallets, then in the pool, then in blocks not final */
    for (uint32_t u = 0; u < ru->nusers; u++) {
        struct ru_user *w = ru->users[u];
        if (!w)
            continue;
        for (struct ru_tx *t = w->wait_head, *next; t; t = next) {
            next = t->next;
            ru_tx_failed(ru, t, NULL, NULL);
        }
        w->wait_head = w->wait_tail = NULL;
    }
    seq_finish(ru);
    inbox_finish(ru);
    for (uint64_t n = ru->final_block + 1; n <= ru->nblocks; n++) {
        struct ru_block *b = ru->blocks[n - 1];
        for (size_t i = 0; i < b->ntxs; i++)
            if (!b->wd[i])
                txlog_write(sc->world, sc, &b->recs[i]);
    }
    batcher_finish(ru);
    if (ROLLUP_CLAIMS(ru))
        proposer_finish(ru);
    challengers_finish(ru->ch);
    if (ru->bonds)
        bond_book_write(ru->bonds, sc->world, sc->name);
    if (ROLLUP_PROVES(ru))
        prover_finish(ru);
    sqlite3_stmt *q = store_prepare(sc->world->store,
        "INSERT INTO withdrawals(run_id, scheme, withdrawal, user, amount_wei, fee_wei,"
        " requested_us, burned_us, l2_block, finalizable_us, paid_us, l1_tx_id, status,"
        " reason) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (uint64_t k = 0; k < ru->nwds; k++) {
        const struct ru_withdrawal *w = ru->wds[k];
        sqlite3_bind_int64(q, 1, sc->world->run_id);
        sqlite3_bind_text(q, 2, sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)w->index + 1);
        sqlite3_bind_int64(q, 4, w->user);
        money_bind(q, 5, w->amount);
        money_bind(q, 6, w->fee);
        sqlite3_bind_int64(q, 7, w->requested);
#define OPT_TIME(col, v) do { if ((v) >= 0) sqlite3_bind_int64(q, col, v); else sqlite3_bind_null(q, col); } while (0)
        OPT_TIME(8, w->burned);
        if (w->block)
            sqlite3_bind_int64(q, 9, (sqlite3_int64)w->block);
        else
            sqlite3_bind_null(q, 9);
        OPT_TIME(10, w->finalizable);
        OPT_TIME(11, w->paid);
#undef OPT_TIME
        if (w->l1)
            sqlite3_bind_int64(q, 12, (sqlite3_int64)w->l1);
        else
            sqlite3_bind_null(q, 12);
        sqlite3_bind_text(q, 13, w->status, -1, SQLITE_STATIC);
        if (w->reason)
            sqlite3_bind_text(q, 14, w->reason, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 14);
        store_step(sc->world->store, q);
    }
}

/* ---- invariants ---- */

/* The bridge holds what the L2 owes, to the wei, each side from its own books:
 *   L1 side: escrow, moved only by L1 receipts (a deposit's inclusion adds its value,
 *     a payout's inclusion takes its amount, a false root that stood takes its claim:
 *     stolen), plus stolen;
 *   L2 side: the state's own running total of balances (state_supply: users'
 *     balances + fees owed + the bridge account's burned withdrawals, kept by
 *     state.c from each balance change), less the withdrawals whose records are
 *     marked paid (never more than were burned), plus the deposits in flight (the
 *     derivation queue's count: added at a deposit's inclusion, taken at its L2
 *     credit; the escrow keeps them from then on by the receipt). A payout moves both sides, each by its own number: the escrow by
 *     what the bridge transfers, the records by what was burned.
 * The bridge account's balance must also equal the withdrawals burned by their
 * records. O(1) after every event; at the world's end the running
 * total is checked against the sum over every account (O(accounts)). And what the
 * scheme's receipts say it paid is what the L1 charged it. */
static int check(struct scheme *sc, struct inv_fail *f)
{
    struct rollup *ru = sc->state;
    char a[41], b[41], c[41], d[41], g[41], h[41], k[41];
    u128 supply = state_supply(ru->state);
    u128 in_flight = ru->deps_in_flight;
    const struct account *br = state_account(ru->state, ROLLUP_BRIDGE_ACCOUNT);
    u128 bridge = br ? br->balance : 0;
    if (bridge != ru->burned)
        return INV_FAIL(f, "money conserved in the rollup bridge", "scheme '%s': the L2 "
                        "bridge account holds %s wei, the withdrawals burned %s", sc->name,
                        u128_str(bridge, a), u128_str(ru->burned, b));
    if (ru->paid_out > ru->burned)
        return INV_FAIL(f, "money conserved in the rollup bridge", "scheme '%s': withdrawals "
                        "paid %s wei, more than the %s burned", sc->name,
                        u128_str(ru->paid_out, a), u128_str(ru->burned, b));
    u128 held = ru->escrow + ru->stolen;
    u128 owed = supply - ru->paid_out + in_flight;
    if (held != owed) {
        const struct account *fee = state_account(ru->state, ROLLUP_FEE_ACCOUNT);
        return INV_FAIL(f, "money conserved in the rollup bridge", "scheme '%s': L1 escrow "
                        "%s wei + stolen %s != L2 balances %s (fees owed %s, burned "
                        "withdrawals %s) - paid out %s + deposits in flight %s", sc->name,
                        u128_str(ru->escrow, a), u128_str(ru->stolen, c), u128_str(supply, d),
                        u128_str(fee ? fee->balance : 0, g), u128_str(bridge, h),
                        u128_str(ru->paid_out, b), u128_str(in_flight, k));
    }
    if (sc->world->at_end) {
        u128 sum = state_total_balance(ru->state);
        if (sum != supply)
            return INV_FAIL(f, "money conserved in the rollup bridge", "scheme '%s': the L2 "
                            "accounts hold %s wei, the state's running total says %s",
                            sc->name, u128_str(sum, a), u128_str(supply, b));
    }
    if (ru->bonds && bond_book_check(ru->bonds, sc->name, f))
        return 1;
    /* the challengers' dispute moves are sent from the scheme's origin too */
    u128 charged = l1_paid_by(sc->world->l1, L1_ORIGIN_SCHEME(sc->index));
    u128 receipts = ru->l1_paid + challengers_paid(ru->ch);
    if (charged != receipts)
        return INV_FAIL(f, "money conserved between the L1 and a scheme", "scheme '%s': "
                        "receipts total %s wei, the L1 charged %s wei", sc->name,
                        u128_str(receipts, a), u128_str(charged, b));
    return 0;
}

static void destroy(struct scheme *sc)
{
    struct rollup *ru = sc->state;
    if (!ru)
        return;
    challengers_free(ru->ch);
    bond_book_free(ru->bonds);    /* after the games, which hold its purses */
    seq_free(ru);
    batcher_free(ru);
    proposer_free(ru);
    committee_free(ru);
    inbox_free(ru);
    prover_free(ru);
    for (uint32_t u = 0; ru->users && u < ru->nusers; u++) {
        struct ru_user *w = ru->users[u];
        if (!w)
            continue;
        for (struct ru_tx *t = w->wait_head, *next; t; t = next) {
            next = t->next;
            free(t);
        }
        free(w);
    }
    free(ru->users);
    for (uint64_t k = 0; k < ru->nwds; k++)
        free(ru->wds[k]);
    free(ru->wds);
    free(ru->listeners.v);
    codec_free(ru->codec);
    state_free(ru->state);
    free(ru);
}

/* ---- the two types ---- */

static struct challengers *hook_challengers(struct scheme *sc)
{
    return ((struct rollup *)sc->state)->ch;
}

/* The hooks every rollup type offers: hearing its L2 blocks and batches (the
 * optimistic types: and claims), a state equal to its genesis, and its sequencer's
 * censorship; each type adds its own. */
#define ROLLUP_COMMON_HOOKS(hears) \
    SCHEME_HOOK("rollup.subscribe", rollup_subscribe_fn, hook_subscribe, hears), \
    SCHEME_HOOK("rollup.genesis", rollup_genesis_fn, hook_genesis, \
                "a new L2 state equal to the rollup's genesis (caller frees)"), \
    SCHEME_HOOK("sequencer.censor", sequencer_censor_fn, inbox_censor, \
                "from now until the given time the sequencer drops that share of users' " \
                "transfers"), \
    SCHEME_HOOK("sequencer.censored", sequencer_censored_fn, inbox_stats, \
                "transfers censored, forced through L1 and executed, and their waits")
/* The hooks of the types that prove their batches. */
#define ROLLUP_PROVER_HOOKS \
    SCHEME_HOOK("prover.falsify", prover_falsify_fn, prover_falsify, \
                "the next proof sent to the L1 verifier claims a false post-state root"), \
    SCHEME_HOOK("prover.rejected", prover_rejected_fn, prover_rejected, \
                "proofs the L1 verifier rejected, their fees, and when it first did")
#define HEARS_CLAIMS "hear each L2 block at seal, each batch and claim at L1 inclusion"
#define HEARS_BATCHES "hear each L2 block at seal and each batch at L1 inclusion"

static const struct scheme_hook oru_hooks[] = {
    ROLLUP_COMMON_HOOKS(HEARS_CLAIMS),
    SCHEME_HOOK("proposer.falsify", oru_falsify_fn, proposer_falsify,
                "the next state root claim posts the given root instead of the true one"),
    SCHEME_HOOK("proposer.resolve", oru_resolve_fn, proposer_resolve,
                "a dispute's verdict on a claim: deleted (bond slashed) or standing"),
    SCHEME_HOOK("dispute.challengers", oru_challengers_fn, hook_challengers,
                "the challengers and their dispute games (an adversary forges a claim here)"),
};

static const struct scheme_hook zk_hooks[] = {
    ROLLUP_COMMON_HOOKS(HEARS_BATCHES),
    ROLLUP_PROVER_HOOKS,
};

static const struct scheme_hook hybrid_hooks[] = {
    ROLLUP_COMMON_HOOKS(HEARS_CLAIMS),
    ROLLUP_PROVER_HOOKS,
};

static const struct scheme_hook validium_hooks[] = {
    ROLLUP_COMMON_HOOKS(HEARS_BATCHES),
    ROLLUP_PROVER_HOOKS,
    SCHEME_HOOK("committee.withhold", validium_withhold_fn, committee_withhold,
                "from now on that many committee members sign but do not serve the data"),
    SCHEME_HOOK("committee.frozen", validium_frozen_fn, committee_frozen,
                "whether users' funds are frozen, since when, and how much"),
};

const struct scheme_ops optimistic_rollup_ops = {
    .type = "optimistic_rollup",
    .doc = "signed L2 transfers in batches on L1 (calldata or blobs), state roots claimed "
           "with a bond and final after a challenge window",
    .params = oru_params, .nparams = ARRAY_LEN(oru_params),
    .init = oru_init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &rollup_sql, .metrics = rollup_metrics, .report = &rollup_report,
    .costs = &rollup_costs,
    .estimate = rollup_estimate,
    .hooks = oru_hooks, .nhooks = ARRAY_LEN(oru_hooks),
};

const struct scheme_ops hybrid_rollup_ops = {
    .type = "hybrid_rollup",
    .doc = "an optimistic rollup that also proves some batches (every prove_every-th, and "
           "those burning withdrawals): their blocks are final at the proof, the others' "
           "when their claim stands",
    .params = hybrid_params, .nparams = ARRAY_LEN(hybrid_params),
    .init = hybrid_init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &rollup_zk_sql, .metrics = rollup_metrics, .report = &rollup_report,
    .costs = &rollup_costs,
    .estimate = rollup_estimate,
    .hooks = hybrid_hooks, .nhooks = ARRAY_LEN(hybrid_hooks),
};

const struct scheme_ops validium_ops = {
    .type = "validium",
    .doc = "a zk rollup whose batch data goes to a committee that signs its availability "
           "instead of to L1",
    .params = validium_params, .nparams = ARRAY_LEN(validium_params),
    .init = validium_init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &rollup_zk_sql, .metrics = rollup_metrics, .report = &rollup_report,
    .costs = &rollup_costs,
    .estimate = rollup_estimate,
    .hooks = validium_hooks, .nhooks = ARRAY_LEN(validium_hooks),
};

const struct scheme_ops volition_ops = {
    .type = "volition",
    .doc = "a validium in which each account chooses where its data goes: on L1 with the "
           "batch (rollup mode, paying the L1 data fee) or to the committee only",
    .params = volition_params, .nparams = ARRAY_LEN(volition_params),
    .init = volition_init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &rollup_zk_sql, .metrics = rollup_metrics, .report = &rollup_report,
    .estimate = rollup_estimate,
    .hooks = validium_hooks, .nhooks = ARRAY_LEN(validium_hooks),
};

const struct scheme_ops zk_rollup_ops = {
    .type = "zk_rollup",
    .doc = "the same L2 and batches, final when a validity proof of the batch is verified on L1",
    .params = zk_params, .nparams = ARRAY_LEN(zk_params),
    .init = zk_init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &rollup_zk_sql, .metrics = rollup_metrics, .report = &rollup_report,
    .costs = &rollup_costs,
    .estimate = rollup_estimate,
    .hooks = zk_hooks, .nhooks = ARRAY_LEN(zk_hooks),
};

/* scheme_sidechain.c — the `sidechain` scheme: its own chain, its own validators, a
 * bridge on L1 (issue 13 §1-2, §6).
 *
 * Consensus: each validator is a bft.c state machine (Tendermint, Buchman-Kwon-
 * Milosevic 2018) driven on the scheduler: every proposal and vote is signed and sent
 * to every other validator with a per-message latency drawn from a lognormal (the only
 * thing modeled), verified on receipt, timeouts scheduled as events, the pause after a
 * commit (timeout_commit) gives the block time. A block commits when the first
 * validator decides it (> 2/3 of stake precommitted); every later decision of the same
 * height is compared with it (a conflict would be a safety violation, counted).
 * A validator that stayed at one (height, round) for a gossip interval sends its
 * messages again (gossip), and one that fell behind syncs to the chain after checking
 * the latest block's commit certificate (> 2/3 of stake, every signature verified).
 *
 * Execution: users sign transfers (models/crypto/sig) into the sidechain's mempool;
 * the proposer of a round builds a block from the mempool (EIP-1559 base fee of the
 * sidechain, a priority fee per gas to the proposer, the block gas limit) and from the
 * deposits the bridge has seen final on L1 (minted by the block, as Polygon's state
 * sync does); the block executes when it commits (each signature verified again).
 * Replay protection is the transfer's id, which executes at most once (an account
 * nonce in real chains; a dropped transfer would leave a nonce gap here).
 *
 * Bridge: a deposit is an L1 transaction from the user's L1 account into the escrow
 * (kind "deposit"), minted on the sidechain once final on L1. A withdrawal burns on
 * the sidechain; once a checkpoint covering its block is on L1, validators sign it and
 * the user sends it to the bridge (kind "withdrawal"), which releases it only with
 * signatures of more than 2/3 of the stake (bridge.c, every one verified, 3000 gas
 * each). Every checkpoint_interval the validators sign the Merkle root of the block
 * hashes since the last checkpoint and post it to L1 (kind "checkpoint").
 *
 * Transfer times (txs): soft = committed on the sidechain (BFT finality: no fork
 * without >= 1/3 of the stake misbehaving); include = the checkpoint covering its block
 * is included on L1; final = that checkpoint is final on L1 (before it, the block's
 * only record outside the validators is their own word). l1_fee is 0: checkpoints are
 * paid by the validators, not per transfer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/adversary/adversary.h"
#include "models/crypto/hash.h"
#include "models/crypto/merkle.h"
#include "models/crypto/sig.h"
#include "models/l1/fee_market.h"
#include "models/l1/l1.h"
#include "models/sidechain/bft.h"
#include "models/sidechain/sidechain.h"
#include "models/workload/users.h"
#include "sim/fault.h"
#include "sim/money.h"

#define TRANSFER_GAS 21000u           /* a plain value transfer (Yellow Paper G_transaction) */
#define MINTS_PER_BLOCK_MAX 256u      /* deposits one block mints at most */
#define CHAIN_ID_BASE UINT64_C(0x5c00)

/* Stream purposes of the scheme's entities (SCHEME_ENTITY(kind, id)). */
enum { ENT_VALIDATOR = 1 };
enum { RNG_LATENCY = 1 };

static const struct scn_param params[] = {
    { "schemes[sidechain].validators", SCN_UINT, "21", "1", "200", NULL, 0,
      "size of the validator set (Polygon PoS runs about 100)" },
    { "schemes[sidechain].stake", SCN_AMOUNT, "10000eth", "1gwei", "1000000000eth", NULL, 0,
      "each validator's stake; voting power is the stake in gwei" },
    { "schemes[sidechain].stakes", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL | SCN_SEQ,
      "per-validator stakes ([40000eth, 10000eth, ...]), one per validator, instead of `stake`" },
    { "schemes[sidechain].block_time", SCN_DURATION, "2s", "1ms", "1h", NULL, 0,
      "pause after a commit before the next height (CometBFT timeout_commit); blocks come "
      "this plus the rounds' message delays apart (Polygon PoS: 2 s blocks)" },
    { "schemes[sidechain].timeout_propose", SCN_DURATION, "3s", "1ms", "1h", NULL, 0,
      "wait for the round's proposal before prevoting nil (CometBFT default 3 s)" },
    { "schemes[sidechain].timeout_prevote", SCN_DURATION, "1s", "1ms", "1h", NULL, 0,
      "wait after 2/3 of any prevotes (CometBFT default 1 s)" },
    { "schemes[sidechain].timeout_precommit", SCN_DURATION, "1s", "1ms", "1h", NULL, 0,
      "wait after 2/3 of any precommits before the next round (CometBFT default 1 s)" },
    { "schemes[sidechain].timeout_delta", SCN_DURATION, "500ms", "0s", "1h", NULL, 0,
      "added to each timeout per round, so rounds lengthen until messages arrive in time "
      "(CometBFT default 500 ms)" },
    { "schemes[sidechain].latency.median", SCN_DURATION, "50ms", "0s", "1h", NULL, 0,
      "median delay of a message between two validators (lognormal)" },
    { "schemes[sidechain].latency.sigma", SCN_REAL, "0.5", "0", "5", NULL, 0,
      "sigma of the log of the message delay" },
    { "schemes[sidechain].gossip_interval", SCN_DURATION, "5s", "10ms", "1h", NULL, 0,
      "a validator stuck at one height and round this long sends its messages again, and "
      "one behind the chain syncs" },
    { "schemes[sidechain].gas_limit", SCN_GAS, "30M", "21000", "1000000000", NULL, 0,
      "gas limit of a sidechain block (Polygon PoS: 30M until 2024)" },
    { "schemes[sidechain].eip1559", SCN_ENUM, "polygon-delhi", NULL, NULL,
      "ethereum|polygon-delhi|polygon-bhilai|op-mainnet|op-canyon", 0,
      "the sidechain's EIP-1559 elasticity and change denominator (Polygon PoS since Delhi: 2, 16)" },
    { "schemes[sidechain].base_fee", SCN_AMOUNT, "1gwei", "0wei", "10000gwei", NULL, 0,
      "the sidechain's base fee per gas at genesis, in wei of the bridged ETH" },
    { "schemes[sidechain].tip", SCN_AMOUNT, "1500000wei", "0wei", "10000gwei", NULL, 0,
      "priority fee per gas users offer the proposer, wei of ETH (Polygon PoS asks 25-30 "
      "gwei of POL, about 1.5 Mwei of ETH at a POL/ETH price of 1/20000)" },
    { "schemes[sidechain].checkpoint_interval", SCN_DURATION, "30m", "1s", "30d", NULL, 0,
      "how often validators post a checkpoint of the block hashes to L1 (Polygon PoS: "
      "about every 30 minutes)" },
    { "schemes[sidechain].deposit_gas", SCN_GAS, "45000", "0", "10000000", NULL, 0,
      "execution gas of the bridge's deposit call on L1 (an estimate: a fresh storage "
      "slot, 20000 by EIP-2200, the transfer into escrow and the event the validators read)" },
};

/* ---- state ---- */

struct bitset {
    uint64_t *w;
    size_t    n;
};

enum tx_kind { TX_TRANSFER = 1, TX_WITHDRAW = 2 };

/* A user-signed sidechain transaction. */
struct sc_tx {
    uint64_t id;             /* transfer id, or WITHDRAW_ID | withdrawal number */
    uint8_t  kind;
    uint32_t from, to;
    u128     value;          /* transferred, or burned */
    uint64_t max_fee_per_gas, tip_per_gas;
    uint8_t  sig[SIG_BYTES];
};
#define WITHDRAW_ID (UINT64_C(1) << 63)
#define TX_SIGNED_BYTES (21 + 8 + 1 + 8 + 4 + 4 + 16 + 8 + 8)

/* In the mempool, in arrival order. */
struct pending {
    struct sc_tx     tx;
    struct tx_record rec;        /* transfers: the txs row */
    sim_time         deadline;   /* INT64_MAX: never */
    struct pending  *prev, *next;
};

/* A deposit seen final on L1, waiting for a block to mint it. */
struct mint {
    uint64_t deposit;      /* its number, for bridge events */
    uint32_t user;
    u128     amount;
};

/* A block body, as proposed. */
struct block {
    uint64_t height;
    uint32_t round, proposer;
    uint8_t  hash[BFT_HASH_BYTES], parent[BFT_HASH_BYTES];
    uint64_t base_fee;
    uint64_t gas_used;
    size_t   ntx, nmint;
    struct sc_tx *tx;
    struct mint  *mint;
    struct block *next;
};

/* A transfer executed, waiting for its checkpoint on L1. */
struct done {
    struct tx_record rec;
    uint64_t height;
};

/* The objects handed to the L1 as callback contexts (burn during its release,
 * deposit_tx, checkpoint, forge) are submitted with l1_submit_owned: the L1 frees each
 * after its last callback, or at the run's end if it is still in flight. */

/* A withdrawal burned on the sidechain, waiting for its release on L1: on the burns
 * list (the scheme's) until released, then the L1's. */
struct burn {
    struct scheme *sc;
    uint64_t number;        /* the bridge nonce */
    uint32_t user;
    u128     amount;
    uint64_t height;        /* block that burned it */
    sim_time burned_at;
    struct bridge_withdrawal w;
    struct bridge_sig *sigs;
    size_t   nsigs;
    u128     reserved;      /* of the user's L1 balance for the release's gas */
    l1_tx_id handle;
    bool     submitted;
    bool     unpaid_noted;  /* its release_unpaid event is written (once) */
    struct burn *next;
};

struct deposit_tx {
    struct scheme *sc;
    uint64_t number;
    uint32_t user;
    u128     amount, reserved;
    sim_time at;
};

struct checkpoint {
    struct scheme *sc;
    uint64_t number, start, end;      /* heights start..end */
    uint8_t  root[MERKLE_HASH_BYTES];
    struct bridge_sig *sigs;
    size_t   nsigs;
    uint64_t signed_power;
    sim_time posted;
    l1_tx_id handle;
    bool     refused;         /* the contract found too little stake behind it */
};

struct forge {
    struct scheme *sc;
    struct bridge_withdrawal w;
    struct bridge_sig *sigs;
    size_t nsigs;
    sidechain_forge_done_fn *done;
    void *ctx;
};

struct validator {
    struct scheme *sc;
    uint32_t index;
    struct bft *bft;
    struct sig_keypair kp;
    gsl_rng *latency;          /* its outgoing messages' delays */
    bool     offline;
    uint32_t outages;          /* outage windows it is in now (they may overlap) */
    bool     equivocating;
    uint64_t seen_height;      /* (height, round) at the last gossip tick */
    uint32_t seen_round;
    uint64_t proposals, equivocations;
};

struct state {
    struct scheme *sc;
    struct world  *w;
    uint64_t chain_id;
    struct sig_ctx sig;
    size_t   nv;
    struct validator *v;
    uint8_t (*pk)[SIG_PUBLICKEY_BYTES];
    uint64_t *power;
    struct bft_set set;
    struct bft_out out;        /* scratch for every bft call */
    struct bft_msg *verified;  /* VERIFIED_SLOTS messages whose signature verified */
    uint64_t verifications, verify_hits;
    double   lat_mu, lat_sigma;
    sim_time gossip_interval, checkpoint_interval;

    /* the chain */
    uint64_t height;           /* committed */
    uint8_t (*hash)[BFT_HASH_BYTES];    /* hash[h - 1] of committed height h */
    sim_time *commit_at;                /* commit_at[h - 1]: its commit time */
    size_t   hash_cap;
    sim_time last_commit;
    struct bft_msg *cert;      /* the certificate of `height` */
    size_t   ncert;
    struct block *candidates;  /* proposed bodies of uncommitted heights */
    const struct fm_eip1559_params *eip1559;
    uint64_t gas_limit, base_fee, tip;
    uint64_t conflicts;        /* decisions differing from the committed block */
    uint64_t byzantine_power;  /* stake of the equivocating validators */
    sim_time first_equivocation;
    uint64_t rounds_total;

    /* accounts (bridged ETH) */
    uint32_t nusers;
    u128    *bal;              /* users */
    u128    *vbal;             /* validators: priority fees */
    u128     bal_total;        /* the sum of both, kept as they change */
    u128     fees_burned;      /* base fees */
    struct bitset executed, executed_wd;   /* transfer ids, withdrawal numbers */
    struct sig_keypair *ukey;  /* lazily derived user keys */
    bool    *ukey_set;
    u128    *scratch;          /* block building: balances as the block spends them */
    uint32_t *scratch_epoch, epoch;

    /* mempool and transfers in flight */
    struct pending *head, *tail;
    size_t   npending;
    struct pending **by_id, **wd_by_id;   /* pending_slot */
    size_t   nby_id, nwd_by_id;
    struct done *done;         /* executed, awaiting checkpoint: [done_head, ndone) */
    size_t   ndone, done_head, done_cap, done_included;
    struct mint *mints;        /* deposits final on L1, not yet minted: [mint_head, nmints) */
    size_t   nmints, mint_head, mint_cap;

    /* the bridge */
    struct bridge *bridge;
    u128     pending_mint;     /* locked on L1, not yet credited on the sidechain */
    u128     forged_released;  /* released by forged withdrawals (attacks) */
    u128     l1_paid;          /* receipts of its L1 transactions */
    uint64_t deposits, withdrawals, checkpoints;
    struct burn *burns, *burns_tail;   /* burned, not yet released */
    uint64_t checkpointed;     /* last height covered by an included checkpoint */
    uint64_t final_checkpointed;
    struct checkpoint *cp_inflight;

    sqlite3_stmt *ins_block, *ins_checkpoint, *ins_bridge;
};

/* ---- small helpers ---- */

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le128(uint8_t *p, u128 v)
{
    for (int i = 0; i < 16; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void tx_encode(uint64_t chain_id, const struct sc_tx *t, uint8_t out[TX_SIGNED_BYTES])
{
    memcpy(out, "l2sim/sidechain/tx/v1", 21);
    le64(out + 21, chain_id);
    out[29] = t->kind;
    le64(out + 30, t->id);
    for (int i = 0; i < 4; i++) {
        out[38 + i] = (uint8_t)(t->from >> (8 * i));
        out[42 + i] = (uint8_t)(t->to >> (8 * i));
    }
    le128(out + 46, t->value);
    le64(out + 62, t->max_fee_per_gas);
    le64(out + 70, t->tip_per_gas);
}

static const struct sig_keypair *user_key(struct state *st, uint32_t u)
{
    if (!st->ukey_set[u]) {
        sig_keypair_derive(&st->sig, SIDECHAIN_USER_KEY_KIND, u, &st->ukey[u]);
        st->ukey_set[u] = true;
    }
    return &st->ukey[u];
}

static bool tx_verify(struct state *st, const struct sc_tx *t)
{
    uint8_t enc[TX_SIGNED_BYTES];
    tx_encode(st->chain_id, t, enc);
    return sig_verify(&st->sig, user_key(st, t->from)->pk, enc, sizeof enc, t->sig);
}

/* Replay protection: a bit per transfer id, and one per withdrawal number. */
static bool bit_get(const struct bitset *b, uint64_t i)
{
    size_t k = (size_t)(i >> 6);
    return k < b->n && (b->w[k] >> (i & 63) & 1);
}

static void bit_set(struct bitset *b, uint64_t i)
{
    size_t k = (size_t)(i >> 6);
    b->w = xgrow_zeroed(b->w, &b->n, k, sizeof *b->w);
    b->w[k] |= UINT64_C(1) << (i & 63);
}

static bool executed(const struct state *st, uint64_t id)
{
    return id & WITHDRAW_ID ? bit_get(&st->executed_wd, id & ~WITHDRAW_ID)
                            : bit_get(&st->executed, id);
}

static void mark_executed(struct state *st, uint64_t id)
{
    if (id & WITHDRAW_ID)
        bit_set(&st->executed_wd, id & ~WITHDRAW_ID);
    else
        bit_set(&st->executed, id);
}

/* Balance changes go through these two, which keep bal_total. */
static void credit(struct state *st, u128 *acct, u128 amount)
{
    *acct += amount;
    st->bal_total += amount;
}

static void debit(struct state *st, u128 *acct, u128 amount)
{
    SIM_ASSERT(*acct >= amount);
    *acct -= amount;
    st->bal_total -= amount;
}

/* What a transaction pays per gas at base fee `base` (EIP-1559): the base fee plus
 * the tip, never more than its max fee. */
static uint64_t effective_price(const struct sc_tx *t, uint64_t base)
{
    uint64_t tip = t->max_fee_per_gas - base < t->tip_per_gas ? t->max_fee_per_gas - base
                                                               : t->tip_per_gas;
    return base + tip;
}

static void bridge_event(struct state *st, const char *kind, uint64_t number, int64_t user,
                         u128 amount, l1_tx_id l1, uint64_t height, size_t signers,
                         uint64_t signed_power, const char *detail)
{
    struct world *w = st->w;
    struct bridge_books k;
    bridge_books_of(st->bridge, &k);
    sqlite3_stmt *s = st->ins_bridge;
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, st->sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, sim_now(w->sim));
    sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)number);
    if (user >= 0)
        sqlite3_bind_int64(s, 6, user);
    else
        sqlite3_bind_null(s, 6);
    money_bind(s, 7, amount);
    if (l1)
        sqlite3_bind_int64(s, 8, (sqlite3_int64)l1);
    else
        sqlite3_bind_null(s, 8);
    if (height)
        sqlite3_bind_int64(s, 9, (sqlite3_int64)height);
    else
        sqlite3_bind_null(s, 9);
    sqlite3_bind_int64(s, 10, (sqlite3_int64)signers);
    sqlite3_bind_double(s, 11, st->set.total ? (double)signed_power / (double)st->set.total : 0);
    money_bind(s, 12, k.escrow);
    if (detail)
        sqlite3_bind_text(s, 13, detail, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 13);
    store_step(w->store, s);
}

/* A user's L1 transaction's fee policy: a wallet's (twice the base fee plus 1 gwei). */
static const struct l1_fee_policy wallet_fee = {
    .kind = L1_FEE_BASEFEE_MULT, .tip = 1000000000u, .mult_pct = 200 };

/* ---- the network ---- */

/* A broadcast reaches n - 1 validators with the same bytes; each one's check of the
 * signature is the same pure function of those bytes, so the first check's verdict
 * (when it verified) is kept here, direct-mapped by the signature's first bytes, and
 * the others compare the whole message against it instead of verifying again. A
 * message that does not match exactly is verified for real. */
#define VERIFIED_SLOTS 4096u

static bool same_msg(const struct bft_msg *a, const struct bft_msg *b)
{
    return a->type == b->type && a->height == b->height && a->round == b->round &&
           a->valid_round == b->valid_round && a->nil == b->nil && a->sender == b->sender &&
           memcmp(a->hash, b->hash, BFT_HASH_BYTES) == 0 &&
           memcmp(a->sig, b->sig, SIG_BYTES) == 0;
}

static bool verify_cached(void *ctx, const struct bft_msg *m)
{
    struct state *st = ctx;
    uint32_t k = ((uint32_t)m->sig[0] | (uint32_t)m->sig[1] << 8 | (uint32_t)m->sig[2] << 16) %
                 VERIFIED_SLOTS;
    if (same_msg(&st->verified[k], m)) {
        st->verify_hits++;
        return true;
    }
    st->verifications++;
    if (!bft_msg_verify(&st->sig, st->chain_id, &st->set, m))
        return false;
    st->verified[k] = *m;
    return true;
}

struct delivery {
    struct bft_msg m;
    uint32_t to;
};

static void handle_out(struct state *st, struct validator *v);

static sim_time draw_latency(struct state *st, struct validator *from)
{
    double d = st->lat_sigma > 0 ? gsl_ran_lognormal(from->latency, st->lat_mu, st->lat_sigma)
                                 : exp(st->lat_mu);
    if (!(d >= 0))
        d = 0;
    if (d > 3.6e9)
        d = 3.6e9;
    return (sim_time)d;
}

static void on_delivery(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct state *st = ctx;
    const struct delivery *d = payload;
    struct validator *v = &st->v[d->to];
    if (v->offline)
        return;                                   /* lost: it hears it by gossip later */
    bft_on_message(v->bft, &d->m, &st->out);
    handle_out(st, v);
}

static void send_to(struct state *st, struct validator *from, uint32_t to, const struct bft_msg *m)
{
    struct delivery *d = xmalloc(sizeof *d);
    d->m = *m;
    d->to = to;
    sim_after_owned(st->w->sim, draw_latency(st, from), on_delivery, st, d, NULL);
}

/* An equivocating validator's second version of its message m: for a proposal, a
 * conflicting block of its own (the same height and round, nothing in it); for a vote
 * on a block, a vote for that conflicting block when it proposed one, else for nil.
 * Signed with its key: the signature verifies; what it says contradicts its other
 * message. */
static struct block *propose_body(struct state *st, struct validator *v, uint64_t height,
                                  uint32_t round, bool empty);

static bool equivocate(struct state *st, struct validator *v, const struct bft_msg *m,
                       struct bft_msg *alt /* OUT */)
{
    *alt = *m;
    if (m->type == BFT_PROPOSAL) {
        struct block *b = propose_body(st, v, m->height, m->round, true);
        memcpy(alt->hash, b->hash, BFT_HASH_BYTES);
        if (memcmp(alt->hash, m->hash, BFT_HASH_BYTES) == 0)
            return false;
        alt->valid_round = BFT_NIL_ROUND;
    } else if (!m->nil) {
        alt->nil = true;
        memset(alt->hash, 0, BFT_HASH_BYTES);
        for (struct block *b = st->candidates; b; b = b->next)
            if (b->height == m->height && b->round == m->round && b->proposer == v->index &&
                b->ntx == 0 && b->nmint == 0 && memcmp(b->hash, m->hash, BFT_HASH_BYTES) != 0) {
                alt->nil = false;
                memcpy(alt->hash, b->hash, BFT_HASH_BYTES);
            }
    } else {
        return false;
    }
    bft_msg_sign(&st->sig, st->chain_id, &v->kp, alt);
    return true;
}

static void broadcast(struct state *st, struct validator *v, const struct bft_msg *m)
{
    struct bft_msg alt;
    bool two = v->equivocating && equivocate(st, v, m, &alt);
    if (two) {
        if (st->first_equivocation < 0)
            st->first_equivocation = sim_now(st->w->sim);
        v->equivocations++;
    }
    for (uint32_t j = 0; j < st->nv; j++)
        if (j != v->index)
            send_to(st, v, j, two && (j & 1) ? &alt : m);
}

static void on_timeout(struct sim *sim, void *ctx, const void *payload);

struct timer {
    struct bft_timeout t;
    uint32_t v;
};

static void commit_decision(struct state *st, struct validator *v, const struct bft_decision *d);

/* What a bft call produced (in st->out): messages sent, timeouts scheduled,
 * decisions committed. Copied first: sending may run bft calls of no one, but the
 * decision handling reuses the scratch. */
static void handle_out(struct state *st, struct validator *v)
{
    struct bft_out *o = &st->out;
    size_t nm = o->nmsgs, nt = o->ntimeouts, nd = o->ndecisions;
    struct bft_decision dec[ARRAY_LEN(o->decisions)];
    memcpy(dec, o->decisions, nd * sizeof *dec);
    for (size_t i = 0; i < nt; i++) {
        struct timer t = { o->timeouts[i], v->index };
        sim_after(st->w->sim, t.t.delay_us, on_timeout, st, &t, sizeof t);
    }
    for (size_t i = 0; i < nm; i++) {
        struct bft_msg m = o->msgs[i];
        if (m.type == BFT_PROPOSAL && m.sender == v->index)
            v->proposals++;
        broadcast(st, v, &m);
    }
    for (size_t i = 0; i < nd; i++)
        commit_decision(st, v, &dec[i]);
}

static void on_timeout(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct state *st = ctx;
    const struct timer *t = payload;
    struct validator *v = &st->v[t->v];
    if (v->offline)
        return;                                   /* its clock stopped; rearmed on return */
    bft_on_timeout(v->bft, &t->t, &st->out);
    handle_out(st, v);
}

/* Block sync: adopt the chain after checking the certificate of its latest block. */
static bool certificate_ok(struct state *st)
{
    if (st->height == 0 || st->ncert == 0)
        return false;
    const uint8_t *h = st->hash[st->height - 1];
    bool *seen = xcalloc(st->nv, sizeof *seen);
    uint64_t p = 0;
    for (size_t i = 0; i < st->ncert; i++) {
        const struct bft_msg *m = &st->cert[i];
        if (m->type != BFT_PRECOMMIT_MSG || m->nil || m->height != st->height ||
            memcmp(m->hash, h, BFT_HASH_BYTES) != 0 || m->sender >= st->nv || seen[m->sender] ||
            !bft_msg_verify(&st->sig, st->chain_id, &st->set, m))
            continue;
        seen[m->sender] = true;
        p += st->power[m->sender];
    }
    free(seen);
    return bft_quorum(p, st->set.total);
}

static void sync_validator(struct state *st, struct validator *v)
{
    uint64_t from = bft_height(v->bft);
    if (from > st->height || !certificate_ok(st))
        return;
    bft_sync(v->bft, st->height + 1, (const uint8_t (*)[BFT_HASH_BYTES])st->hash[from - 1],
             &st->out);
    handle_out(st, v);
}

/* Gossip: every gossip_interval a validator behind the chain syncs, and one that has
 * not moved from its (height, round) sends its messages again. */
static void on_gossip(struct sim *sim, void *ctx, const void *payload)
{
    struct state *st = ctx;
    uint32_t i;
    memcpy(&i, payload, sizeof i);
    struct validator *v = &st->v[i];
    if (!v->offline) {
        uint64_t h = bft_height(v->bft);
        uint32_t r = bft_round(v->bft);
        if (h <= st->height) {
            sync_validator(st, v);
        } else if (h == v->seen_height && r == v->seen_round) {
            bft_rebroadcast(v->bft, &st->out);
            handle_out(st, v);
        }
        v->seen_height = bft_height(v->bft);
        v->seen_round = bft_round(v->bft);
    }
    sim_after(sim, st->gossip_interval, on_gossip, st, &i, sizeof i);
}

/* ---- blocks ---- */

static void block_hash(struct state *st, struct block *b)
{
    /* header: chain, height, round, proposer, parent, base fee, the root of the
     * transactions' and mints' hashes */
    size_t n = b->ntx + b->nmint;
    uint8_t (*leaf)[MERKLE_HASH_BYTES] = xmalloc((n ? n : 1) * sizeof *leaf);
    for (size_t i = 0; i < b->ntx; i++) {
        uint8_t enc[TX_SIGNED_BYTES + SIG_BYTES];
        tx_encode(st->chain_id, &b->tx[i], enc);
        memcpy(enc + TX_SIGNED_BYTES, b->tx[i].sig, SIG_BYTES);
        merkle_list_leaf_hash(enc, sizeof enc, leaf[i]);
    }
    for (size_t i = 0; i < b->nmint; i++) {
        uint8_t enc[8 + 4 + 16];
        le64(enc, b->mint[i].deposit);
        for (int k = 0; k < 4; k++)
            enc[8 + k] = (uint8_t)(b->mint[i].user >> (8 * k));
        le128(enc + 12, b->mint[i].amount);
        merkle_list_leaf_hash(enc, sizeof enc, leaf[b->ntx + i]);
    }
    uint8_t root[MERKLE_HASH_BYTES];
    merkle_list_root((const uint8_t (*)[MERKLE_HASH_BYTES])leaf, n, root);
    free(leaf);
    uint8_t hdr[24 + 8 + 8 + 4 + 4 + 32 + 8 + 32];
    memcpy(hdr, "l2sim/sidechain/block/v1", 24);
    le64(hdr + 24, st->chain_id);
    le64(hdr + 32, b->height);
    for (int k = 0; k < 4; k++) {
        hdr[40 + k] = (uint8_t)(b->round >> (8 * k));
        hdr[44 + k] = (uint8_t)(b->proposer >> (8 * k));
    }
    memcpy(hdr + 48, b->parent, 32);
    le64(hdr + 80, b->base_fee);
    memcpy(hdr + 88, root, 32);
    hash_sha256(b->hash, hdr, sizeof hdr);
}

/* The proposer v's block for (height, round): the deposits final on L1 (up to
 * MINTS_PER_BLOCK_MAX), then mempool transactions in arrival order that pay the base
 * fee, whose sender can pay them after what the block already spent, up to the gas
 * limit. `empty`: no transactions (an equivocator's second block). Kept among the
 * candidates until its height commits. O(mempool). */
static struct block *propose_body(struct state *st, struct validator *v, uint64_t height,
                                  uint32_t round, bool empty)
{
    struct block *b = xcalloc(1, sizeof *b);
    b->height = height;
    b->round = round;
    b->proposer = v->index;
    b->base_fee = st->base_fee;
    if (height >= 2 && height - 2 < st->height)
        memcpy(b->parent, st->hash[height - 2], BFT_HASH_BYTES);
    if (!empty) {
        size_t nm = st->nmints - st->mint_head;
        if (nm > MINTS_PER_BLOCK_MAX)
            nm = MINTS_PER_BLOCK_MAX;
        b->nmint = nm;
        b->mint = xmalloc((nm ? nm : 1) * sizeof *b->mint);
        if (nm > 0)   /* st->mints is NULL until the first deposit */
            memcpy(b->mint, st->mints + st->mint_head, nm * sizeof *b->mint);
        size_t cap = 16;
        b->tx = xmalloc(cap * sizeof *b->tx);
        st->epoch++;
        for (size_t i = 0; i < nm; i++) {       /* mints first: they fund this block */
            uint32_t u = b->mint[i].user;
            if (st->scratch_epoch[u] != st->epoch) {
                st->scratch_epoch[u] = st->epoch;
                st->scratch[u] = st->bal[u];
            }
            st->scratch[u] += b->mint[i].amount;
        }
        for (struct pending *p = st->head; p; p = p->next) {
            if (b->gas_used + TRANSFER_GAS > st->gas_limit)
                break;
            const struct sc_tx *t = &p->tx;
            if (t->max_fee_per_gas < b->base_fee)
                continue;
            u128 cost = t->value + (u128)TRANSFER_GAS * effective_price(t, b->base_fee);
            uint32_t u = t->from;
            if (st->scratch_epoch[u] != st->epoch) {
                st->scratch_epoch[u] = st->epoch;
                st->scratch[u] = st->bal[u];
            }
            if (st->scratch[u] < cost)
                continue;
            st->scratch[u] -= cost;
            if (t->kind == TX_TRANSFER) {
                if (st->scratch_epoch[t->to] != st->epoch) {
                    st->scratch_epoch[t->to] = st->epoch;
                    st->scratch[t->to] = st->bal[t->to];
                }
                st->scratch[t->to] += t->value;
            }
            if (b->ntx == cap) {
                cap *= 2;
                b->tx = xrealloc(b->tx, cap * sizeof *b->tx);
            }
            b->tx[b->ntx++] = *t;
            b->gas_used += TRANSFER_GAS;
        }
    }
    block_hash(st, b);
    /* the same body twice (an equivocator's empty block when the mempool is empty
     * anyway) is one candidate */
    for (struct block *c = st->candidates; c; c = c->next)
        if (memcmp(c->hash, b->hash, BFT_HASH_BYTES) == 0) {
            free(b->tx);
            free(b->mint);
            free(b);
            return c;
        }
    b->next = st->candidates;
    st->candidates = b;
    return b;
}

static void get_value(void *ctx, uint64_t height, uint32_t round, uint8_t out[BFT_HASH_BYTES])
{
    struct validator *v = ctx;
    struct state *st = v->sc->state;
    struct block *b = propose_body(st, v, height, round, false);
    memcpy(out, b->hash, BFT_HASH_BYTES);
}

static void free_block(struct block *b)
{
    free(b->tx);
    free(b->mint);
    free(b);
}

static struct pending *pending_of(struct state *st, uint64_t id);
static void pending_unlink(struct state *st, struct pending *p);

static void expire(struct state *st);

/* Execute committed block b on the sidechain's state. Every transaction is checked
 * again as every validator would: its signature, that it has not executed before,
 * that the sender can pay. */
static void execute(struct state *st, struct block *b)
{
    sim_time now = sim_now(st->w->sim);
    for (size_t i = 0; i < b->nmint; i++) {
        const struct mint *m = &b->mint[i];
        SIM_ASSERT(st->mint_head < st->nmints && st->mints[st->mint_head].deposit == m->deposit);
        st->mint_head++;
        /* the fault: a wei out of nowhere, as a mint crediting more than was locked */
        credit(st, &st->bal[m->user], m->amount + (fault_fire("sidechain.mint") ? 1 : 0));
        st->pending_mint -= m->amount;
        bridge_event(st, "mint", m->deposit, m->user, m->amount, 0, b->height, 0, 0, NULL);
    }
    uint64_t gas = 0;
    for (size_t i = 0; i < b->ntx; i++) {
        const struct sc_tx *t = &b->tx[i];
        u128 fee = (u128)TRANSFER_GAS * effective_price(t, b->base_fee);
        if (executed(st, t->id) || !tx_verify(st, t) || st->bal[t->from] < t->value + fee)
            continue;                             /* never happens for honest blocks */
        mark_executed(st, t->id);
        gas += TRANSFER_GAS;
        debit(st, &st->bal[t->from], t->value + fee);
        u128 burned = (u128)TRANSFER_GAS * b->base_fee;   /* debited, credited to no one */
        st->fees_burned += burned;
        credit(st, &st->vbal[b->proposer], fee - burned);
        struct pending *p = pending_of(st, t->id);
        if (t->kind == TX_TRANSFER) {
            credit(st, &st->bal[t->to], t->value);
            if (p) {
                p->rec.soft = now;
                p->rec.status = "soft";
                p->rec.charged = true;
                p->rec.l2_fee = fee;
                if (st->ndone == st->done_cap) {
                    st->done_cap = st->done_cap ? 2 * st->done_cap : 256;
                    st->done = xrealloc(st->done, st->done_cap * sizeof *st->done);
                }
                st->done[st->ndone++] = (struct done){ p->rec, b->height };
            }
        } else {
            bridge_burn(st->bridge, t->value);    /* debited, credited to no one */
            struct burn *bu = xcalloc(1, sizeof *bu);
            *bu = (struct burn){ .sc = st->sc, .number = t->id & ~WITHDRAW_ID, .user = t->from,
                                 .amount = t->value, .height = b->height, .burned_at = now };
            if (st->burns_tail)
                st->burns_tail->next = bu;
            else
                st->burns = bu;
            st->burns_tail = bu;
            bridge_event(st, "burn", bu->number, t->from, t->value, 0, b->height, 0, 0, NULL);
        }
        if (p) {
            pending_unlink(st, p);
            free(p);
        }
    }
    b->gas_used = gas;
    st->base_fee = fm_next_base_fee(st->eip1559, st->gas_limit, gas, b->base_fee);
}

/* Validator v decided d. The first decision of a height commits it; a later one of a
 * committed height must agree with it. */
static void commit_decision(struct state *st, struct validator *v, const struct bft_decision *d)
{
    (void)v;
    if (d->height <= st->height) {
        bool differs = memcmp(st->hash[d->height - 1], d->hash, BFT_HASH_BYTES) != 0;
        if (fault_fire("sidechain.conflict"))   /* a test's validator that decided another
                                                   block of a committed height */
            differs = true;
        if (differs)
            st->conflicts++;
        return;
    }
    SIM_ASSERT(d->height == st->height + 1);
    struct block *b = NULL, **pp = &st->candidates;
    for (struct block *c = st->candidates; c; c = c->next)
        if (c->height == d->height && memcmp(c->hash, d->hash, BFT_HASH_BYTES) == 0)
            b = c;
    SIM_ASSERT(b);
    execute(st, b);
    if (st->height == st->hash_cap) {
        st->hash_cap = st->hash_cap ? 2 * st->hash_cap : 1024;
        st->hash = xrealloc(st->hash, st->hash_cap * sizeof *st->hash);
        st->commit_at = xrealloc(st->commit_at, st->hash_cap * sizeof *st->commit_at);
    }
    memcpy(st->hash[st->height], b->hash, BFT_HASH_BYTES);
    st->commit_at[st->height] = sim_now(st->w->sim);
    st->height++;
    size_t ncert;
    const struct bft_msg *cert = bft_certificate(v->bft, &ncert);
    if (ncert > 0)
        memcpy(st->cert, cert, ncert * sizeof *cert);
    st->ncert = ncert;
    st->rounds_total += d->round + 1;
    sim_time now = sim_now(st->w->sim);
    sqlite3_stmt *s = st->ins_block;
    sqlite3_bind_int64(s, 1, st->w->run_id);
    sqlite3_bind_text(s, 2, st->sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)b->height);
    sqlite3_bind_int64(s, 4, d->round);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)d->proposer);
    sqlite3_bind_int64(s, 6, now);
    sqlite3_bind_int64(s, 7, now - st->last_commit);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)b->ntx);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)b->nmint);
    sqlite3_bind_int64(s, 10, (sqlite3_int64)b->gas_used);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)b->base_fee);
    char hex[2 * BFT_HASH_BYTES + 1];
    for (size_t i = 0; i < BFT_HASH_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", b->hash[i]);
    sqlite3_bind_text(s, 12, hex, -1, SQLITE_TRANSIENT);
    store_step(st->w->store, s);
    st->last_commit = now;
    /* the other bodies of this height will never commit */
    for (struct block *c = st->candidates; c; ) {
        struct block *next = c->next;
        if (c->height <= st->height) {
            *pp = next;
            free_block(c);
        } else {
            pp = &c->next;
        }
        c = next;
    }
    expire(st);
}

/* ---- the mempool ---- */

/* Pending entries by id: transfers by their id, withdrawals by their number, each an
 * array of pointers grown on demand (ids are dense: 0, 1, 2, ...). O(1). */
static struct pending **pending_slot(struct state *st, uint64_t id, bool grow)
{
    bool wd = id & WITHDRAW_ID;
    uint64_t k = id & ~WITHDRAW_ID;
    struct pending ***v = wd ? &st->wd_by_id : &st->by_id;
    size_t *n = wd ? &st->nwd_by_id : &st->nby_id;
    if (k >= *n) {
        if (!grow)
            return NULL;
        size_t m = *n ? *n : 1024;
        while (m <= k)
            m *= 2;
        *v = xrealloc(*v, m * sizeof **v);
        memset(*v + *n, 0, (m - *n) * sizeof **v);
        *n = m;
    }
    return &(*v)[k];
}

static struct pending *pending_of(struct state *st, uint64_t id)
{
    struct pending **p = pending_slot(st, id, false);
    return p ? *p : NULL;
}

static void pending_unlink(struct state *st, struct pending *p)
{
    *pending_slot(st, p->tx.id, false) = NULL;
    if (p->prev)
        p->prev->next = p->next;
    else
        st->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        st->tail = p->prev;
    st->npending--;
}

static void pending_push(struct state *st, struct pending *p)
{
    *pending_slot(st, p->tx.id, true) = p;
    p->prev = st->tail;
    p->next = NULL;
    if (st->tail)
        st->tail->next = p;
    else
        st->head = p;
    st->tail = p;
    st->npending++;
}

/* Transfers whose sender gave up (the deadline passed) leave the mempool, judged as a
 * height commits (so no body being voted on holds one that left). */
static void expire(struct state *st)
{
    sim_time now = sim_now(st->w->sim);
    for (struct pending *p = st->head; p; ) {
        struct pending *next = p->next;
        if (p->deadline < now) {
            const struct sc_tx *t = &p->tx;
            p->rec.status = "dropped";
            u128 fee = (u128)TRANSFER_GAS * effective_price(t, st->base_fee);
            if (t->max_fee_per_gas < st->base_fee)
                p->rec.reason = "too expensive: the sidechain's base fee stayed above the "
                                "user's willingness to pay until the user gave up";
            else if (st->bal[t->from] < t->value + fee)
                p->rec.reason = "insufficient funds: the sender's sidechain balance did not "
                                "cover value + fee before the user gave up (a deposit not "
                                "yet minted, or spent)";
            else
                p->rec.reason = "not included: the sidechain did not commit it before the "
                                "user gave up";
            txlog_write(st->w, st->sc, &p->rec);
            pending_unlink(st, p);
            free(p);
        }
        p = next;
    }
}

/* ---- user intents ---- */

static void on_transfer(struct scheme *sc, const struct transfer *t)
{
    struct state *st = sc->state;
    struct pending *p = xcalloc(1, sizeof *p);
    p->rec = (struct tx_record){ .tx_id = t->id, .from = t->from, .to = t->to,
                                 .value = t->value, .submit = t->at, .soft = -1, .include = -1,
                                 .final = -1, .status = "pending" };
    p->deadline = t->deadline;
    /* the wallet's max fee: twice the base fee plus the tip, capped by what the user
     * is willing to pay for the whole transfer */
    u128 cap = t->max_fee / TRANSFER_GAS;
    u128 want = (u128)st->base_fee * 2 + st->tip;
    u128 max_fee = want < cap ? want : cap;
    if (max_fee > UINT64_MAX)
        max_fee = UINT64_MAX;
    p->tx = (struct sc_tx){ .id = t->id, .kind = TX_TRANSFER, .from = t->from, .to = t->to,
                            .value = t->value, .max_fee_per_gas = (uint64_t)max_fee,
                            .tip_per_gas = st->tip };
    uint8_t enc[TX_SIGNED_BYTES];
    tx_encode(st->chain_id, &p->tx, enc);
    /* checked where it counts: by the chain as its block executes (execute) */
    sig_sign(&st->sig, user_key(st, t->from), enc, sizeof enc, p->tx.sig);
    pending_push(st, p);
}

static void deposit_included(void *ctx, const struct l1_receipt *r)
{
    struct deposit_tx *d = ctx;
    struct state *st = d->sc->state;
    st->l1_paid += r->total + fault_fire("sidechain.receipt");   /* a test's wrong book */
    user_settle(d->sc, d->user, d->reserved, r->total + d->amount);
    d->reserved = 0;
    if (!bridge_deposit(st->bridge, d->amount))
        world_fail(st->w, "sidechain '%s': the bridge escrow would pass 2^128 wei", d->sc->name);
    st->pending_mint += d->amount;
    bridge_event(st, "deposit", d->number, d->user, d->amount, r->id, 0, 0, 0, NULL);
}

/* The L1's ctx_free for each kind of context (touching only the context). */
static void free_burn(void *ctx)
{
    struct burn *bu = ctx;
    free(bu->sigs);
    free(bu);
}

static void free_checkpoint(void *ctx)
{
    struct checkpoint *c = ctx;
    free(c->sigs);
    free(c);
}

/* Final on L1: the validators see the deposit event and the next block mints it. */
static void deposit_final(void *ctx, const struct l1_receipt *r)
{
    (void)r;
    struct deposit_tx *d = ctx;
    struct state *st = d->sc->state;
    if (st->nmints == st->mint_cap) {
        /* compact what was minted before growing */
        if (st->mints)        /* NULL before the first deposit */
            memmove(st->mints, st->mints + st->mint_head,
                    (st->nmints - st->mint_head) * sizeof *st->mints);
        st->nmints -= st->mint_head;
        st->mint_head = 0;
        if (st->nmints == st->mint_cap) {
            st->mint_cap = st->mint_cap ? 2 * st->mint_cap : 256;
            st->mints = xrealloc(st->mints, st->mint_cap * sizeof *st->mints);
        }
    }
    st->mints[st->nmints++] = (struct mint){ d->number, d->user, d->amount };
}

static void deposit_dropped(void *ctx, const char *why)
{
    struct deposit_tx *d = ctx;
    struct state *st = d->sc->state;
    user_settle(d->sc, d->user, d->reserved, 0);
    bridge_event(st, "deposit_dropped", d->number, d->user, d->amount, 0, 0, 0, 0, why);
}

static void on_deposit(struct scheme *sc, const struct deposit *dep)
{
    struct state *st = sc->state;
    struct deposit_tx *d = xcalloc(1, sizeof *d);
    *d = (struct deposit_tx){ .sc = sc, .number = ++st->deposits, .user = dep->user,
                              .amount = dep->amount, .at = dep->at };
    /* the bridge's deposit call: selector, recipient, amount (36 bytes), its execution */
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | dep->user),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "deposit",
                        .calldata_zero_bytes = 20, .calldata_nonzero_bytes = 16,
                        .exec_gas = (uint64_t)scn_int(sc->world->scn, "schemes[%zu].deposit_gas",
                                                      sc->index) };
    uint64_t gas = l1_gas_of(st->w->l1, &tx);
    u128 max_fee = (u128)l1_base_fee(st->w->l1) * wallet_fee.mult_pct / 100 + wallet_fee.tip;
    /* the most it can cost, and the value itself (EIP-1559's validity rule) */
    d->reserved = (u128)gas * max_fee + dep->amount;
    if (!user_reserve(sc, dep->user, d->reserved)) {
        bridge_event(st, "deposit_refused", d->number, dep->user, dep->amount, 0, 0, 0, 0,
                     "the user's L1 balance does not cover the deposit and its gas");
        free(d);
        return;
    }
    struct l1_fee_policy fee = wallet_fee;
    fee.cap = max_fee > UINT64_MAX ? UINT64_MAX : (uint64_t)max_fee;
    struct l1_callbacks cb = { deposit_included, deposit_final, deposit_dropped, d };
    l1_submit_owned(st->w->l1, &tx, &fee, &cb, free);
}

static void on_withdrawal(struct scheme *sc, const struct withdrawal *wd)
{
    struct state *st = sc->state;
    uint64_t number = ++st->withdrawals;
    /* the user asks back what it holds, keeping the fee */
    u128 max_fee = (u128)st->base_fee * 2 + st->tip;
    u128 fee = (u128)TRANSFER_GAS * max_fee;
    u128 have = st->bal[wd->user] > fee ? st->bal[wd->user] - fee : 0;
    u128 amount = wd->amount < have ? wd->amount : have;
    if (amount == 0) {
        bridge_event(st, "withdrawal_refused", number, wd->user, wd->amount, 0, 0, 0, 0,
                     "nothing to withdraw: the user's sidechain balance is empty");
        return;
    }
    struct pending *p = xcalloc(1, sizeof *p);
    p->deadline = INT64_MAX;
    p->rec.tx_id = UINT64_MAX;
    p->tx = (struct sc_tx){ .id = WITHDRAW_ID | number, .kind = TX_WITHDRAW, .from = wd->user,
                            .to = wd->user, .value = amount,
                            .max_fee_per_gas = max_fee > UINT64_MAX ? UINT64_MAX : (uint64_t)max_fee,
                            .tip_per_gas = st->tip };
    uint8_t enc[TX_SIGNED_BYTES];
    tx_encode(st->chain_id, &p->tx, enc);
    sig_sign(&st->sig, user_key(st, wd->user), enc, sizeof enc, p->tx.sig);
    pending_push(st, p);
    bridge_event(st, "withdrawal_asked", number, wd->user, amount, 0, 0, 0, 0, NULL);
}

/* ---- withdrawals released on L1 ---- */

/* Signatures of the online, honest validators on w, in index order, until they hold
 * more than 2/3 of the stake (the bridge needs no more; fewer signatures, less gas).
 * 0 when the online stake is not enough. */
static size_t collect_signatures(struct state *st, const struct bridge_withdrawal *w,
                                 struct bridge_sig **out)
{
    *out = xmalloc(st->nv * sizeof **out);
    uint64_t p = 0;
    size_t n = 0;
    for (uint32_t i = 0; i < st->nv && !bft_quorum(p, st->set.total); i++) {
        if (st->v[i].offline)
            continue;
        bridge_sign(&st->sig, &st->v[i].kp, i, w, &(*out)[n++]);
        p += st->power[i];
    }
    if (!bft_quorum(p, st->set.total)) {
        free(*out);
        *out = NULL;
        return 0;
    }
    return n;
}

static void release_included(void *ctx, const struct l1_receipt *r)
{
    struct burn *bu = ctx;
    struct state *st = bu->sc->state;
    st->l1_paid += r->total;
    struct bridge_receipt rc;
    enum bridge_verdict v = bridge_withdraw(st->bridge, &bu->w, bu->sigs, bu->nsigs, &rc);
    user_settle(bu->sc, bu->user, bu->reserved, r->total);
    bu->reserved = 0;
    if (v == BRIDGE_RELEASED)
        user_credit(bu->sc, bu->user, bu->amount);
    bridge_event(st, v == BRIDGE_RELEASED ? "release" : "release_refused", bu->number, bu->user,
                 bu->amount, r->id, bu->height, rc.verified, rc.signed_power,
                 v == BRIDGE_RELEASED ? NULL : bridge_verdict_name(v));
}


static void release_burns(struct state *st);

static void retry_releases(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    (void)payload;
    release_burns(ctx);
}

/* A release that left the L1 pool unincluded is the user's to send again, as a wallet
 * rebroadcasts: back at the head of the burns (the oldest), re-signed and sent two
 * slots on. The burned value waits in escrow meanwhile. */
static void release_dropped(void *ctx, const char *why)
{
    struct burn *bu = ctx;
    struct state *st = bu->sc->state;
    user_settle(bu->sc, bu->user, bu->reserved, 0);
    bu->reserved = 0;
    bridge_event(st, "release_dropped", bu->number, bu->user, bu->amount, 0, bu->height,
                 bu->nsigs, 0, why);
    l1_take_ctx(st->w->l1);             /* the scheme's again, on its burns list */
    bu->next = st->burns;
    st->burns = bu;
    if (!st->burns_tail)
        st->burns_tail = bu;
    sim_after(st->w->sim, 2 * l1_slot(st->w->l1), retry_releases, st, NULL, 0);
}

/* The burns covered by an included checkpoint: validators sign each, and its user
 * sends it to the bridge. One the validators cannot sign now (too much stake offline)
 * or whose user cannot pay the gas now waits for the next checkpoint (or the next
 * retry): none is given up, the burned value stays in escrow until released. */
static void release_burns(struct state *st)
{
    struct burn **pp = &st->burns;
    st->burns_tail = NULL;
    for (struct burn *bu = st->burns; bu; ) {
        struct burn *next = bu->next;
        if (bu->height > st->checkpointed) {
            st->burns_tail = bu;
            pp = &bu->next;
            bu = next;
            continue;
        }
        bu->w = (struct bridge_withdrawal){ .chain_id = st->chain_id, .recipient = bu->user,
                                            .amount = bu->amount, .nonce = bu->number };
        free(bu->sigs);                     /* an earlier try's, if any */
        bu->nsigs = collect_signatures(st, &bu->w, &bu->sigs);
        if (bu->nsigs == 0) {
            st->burns_tail = bu;
            pp = &bu->next;
            bu = next;
            continue;
        }
        struct scheme *sc = st->sc;
        struct l1_tx tx = { .sender = l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | bu->user),
                            .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "withdrawal",
                            .calldata_nonzero_bytes = bridge_calldata_bytes(bu->nsigs),
                            .exec_gas = bu->nsigs * (uint64_t)BRIDGE_GAS_ECRECOVER +
                                        BRIDGE_GAS_NONCE_SSET };
        uint64_t gas = l1_gas_of(st->w->l1, &tx);
        u128 max_fee = (u128)l1_base_fee(st->w->l1) * wallet_fee.mult_pct / 100 + wallet_fee.tip;
        bu->reserved = (u128)gas * max_fee;
        if (!user_reserve(sc, bu->user, bu->reserved)) {
            if (!bu->unpaid_noted)
                bridge_event(st, "release_unpaid", bu->number, bu->user, bu->amount, 0,
                             bu->height, bu->nsigs, 0,
                             "the user's L1 balance does not cover the release's gas (yet)");
            bu->unpaid_noted = true;
            bu->reserved = 0;
            st->burns_tail = bu;
            pp = &bu->next;
        } else {
            *pp = next;
            bu->next = NULL;
            struct l1_fee_policy fee = wallet_fee;
            fee.cap = max_fee > UINT64_MAX ? UINT64_MAX : (uint64_t)max_fee;
            struct l1_callbacks cb = { release_included, NULL, release_dropped, bu };
            bu->handle = l1_submit_owned(st->w->l1, &tx, &fee, &cb, free_burn);
        }
        bu = next;
    }
}

/* ---- checkpoints ---- */

#define CHECKPOINT_SIGNED_BYTES (25 + 8 + 8 + 8 + MERKLE_HASH_BYTES)

static void checkpoint_encode(const struct state *st, const struct checkpoint *c,
                              uint8_t out[CHECKPOINT_SIGNED_BYTES])
{
    memcpy(out, "l2sim/sidechain/checkpoint", 25);
    le64(out + 25, st->chain_id);
    le64(out + 33, c->start);
    le64(out + 41, c->end);
    memcpy(out + 49, c->root, MERKLE_HASH_BYTES);
}

static void checkpoint_row(struct state *st, const struct checkpoint *c, const char *status,
                           sim_time included, sim_time final, const struct l1_receipt *r)
{
    sqlite3_stmt *s = st->ins_checkpoint;
    sqlite3_bind_int64(s, 1, st->w->run_id);
    sqlite3_bind_text(s, 2, st->sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)c->number);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)c->start);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)c->end);
    char hex[2 * MERKLE_HASH_BYTES + 1];
    for (size_t i = 0; i < MERKLE_HASH_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", c->root[i]);
    sqlite3_bind_text(s, 6, hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)c->nsigs);
    sqlite3_bind_double(s, 8, (double)c->signed_power / (double)st->set.total);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)c->handle);
    sqlite3_bind_int64(s, 10, c->posted);
    if (included >= 0)
        sqlite3_bind_int64(s, 11, included);
    else
        sqlite3_bind_null(s, 11);
    if (final >= 0)
        sqlite3_bind_int64(s, 12, final);
    else
        sqlite3_bind_null(s, 12);
    sqlite3_bind_text(s, 13, status, -1, SQLITE_STATIC);
    if (r) {
        sqlite3_bind_int64(s, 14, (sqlite3_int64)r->gas_used);
        money_bind(s, 15, r->total);
    } else {
        sqlite3_bind_null(s, 14);
        money_bind(s, 15, 0);
    }
    store_step(st->w->store, s);
}

/* The bridge contract's check of a checkpoint: every signature verified against the
 * staked keys, each validator once; accepted with more than 2/3 of the stake. */
static bool checkpoint_verify(struct state *st, const struct checkpoint *c)
{
    uint8_t enc[CHECKPOINT_SIGNED_BYTES];
    checkpoint_encode(st, c, enc);
    bool *seen = xcalloc(st->nv, sizeof *seen);
    uint64_t p = 0;
    for (size_t i = 0; i < c->nsigs; i++) {
        uint32_t s = c->sigs[i].signer;
        if (s >= st->nv || seen[s] || !sig_verify(&st->sig, st->pk[s], enc, sizeof enc, c->sigs[i].sig))
            continue;
        seen[s] = true;
        p += st->power[s];
    }
    free(seen);
    return bft_quorum(p, st->set.total);
}

static void checkpoint_included(void *ctx, const struct l1_receipt *r)
{
    struct checkpoint *c = ctx;
    struct state *st = c->sc->state;
    st->l1_paid += r->total;
    st->cp_inflight = NULL;         /* the next one may go (Heimdall waits for this ack) */
    if (!checkpoint_verify(st, c)) {
        c->refused = true;
        return;
    }
    st->checkpointed = c->end;
    /* the transfers of these blocks are included on L1 (by reference) */
    for (size_t i = st->done_included; i < st->ndone && st->done[i].height <= c->end; i++) {
        st->done[i].rec.include = r->time;
        st->done[i].rec.status = "included";
        st->done_included = i + 1;
    }
    release_burns(st);
}

static void checkpoint_final(void *ctx, const struct l1_receipt *r)
{
    struct checkpoint *c = ctx;
    struct state *st = c->sc->state;
    sim_time now = sim_now(st->w->sim);
    bool ok = !c->refused;
    checkpoint_row(st, c, ok ? "final" : "refused", r->time, ok ? now : -1, r);
    if (ok) {
        st->final_checkpointed = c->end;
        while (st->done_head < st->done_included && st->done[st->done_head].height <= c->end) {
            struct done *d = &st->done[st->done_head++];
            d->rec.final = now;
            d->rec.status = "final";
            txlog_write(st->w, st->sc, &d->rec);
        }
        if (st->done_head > 4096 && st->done_head * 2 > st->ndone) {
            memmove(st->done, st->done + st->done_head, (st->ndone - st->done_head) * sizeof *st->done);
            st->ndone -= st->done_head;
            st->done_included -= st->done_head;
            st->done_head = 0;
        }
    }
}

static void checkpoint_dropped(void *ctx, const char *why)
{
    (void)why;
    struct checkpoint *c = ctx;
    struct state *st = c->sc->state;
    checkpoint_row(st, c, "dropped", -1, -1, NULL);
    st->cp_inflight = NULL;
}

static void on_checkpoint_timer(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct state *st = ctx;
    sim_after(sim, st->checkpoint_interval, on_checkpoint_timer, st, NULL, 0);
    if (st->cp_inflight || st->height <= st->checkpointed)
        return;
    struct checkpoint *c = xcalloc(1, sizeof *c);
    c->sc = st->sc;
    c->number = ++st->checkpoints;
    c->start = st->checkpointed + 1;
    c->end = st->height;
    merkle_list_root((const uint8_t (*)[MERKLE_HASH_BYTES])st->hash[c->start - 1],
                     (size_t)(c->end - c->start + 1), c->root);
    /* every online honest validator signs (Heimdall collects all votes) */
    uint8_t enc[CHECKPOINT_SIGNED_BYTES];
    checkpoint_encode(st, c, enc);
    c->sigs = xmalloc(st->nv * sizeof *c->sigs);
    for (uint32_t i = 0; i < st->nv; i++) {
        if (st->v[i].offline)
            continue;
        c->sigs[c->nsigs].signer = i;
        sig_sign(&st->sig, &st->v[i].kp, enc, sizeof enc, c->sigs[c->nsigs].sig);
        c->nsigs++;
        c->signed_power += st->power[i];
    }
    c->posted = sim_now(sim);
    if (!bft_quorum(c->signed_power, st->set.total)) {
        checkpoint_row(st, c, "unsigned", -1, -1, NULL);   /* too much stake offline */
        free(c->sigs);
        free(c);
        return;
    }
    /* submitted by a validator: root, range, and each signature with its signer; the
     * contract recovers each (3000 gas) and stores the root in a fresh slot (20000) */
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, st->sc->index),
                        .origin = L1_ORIGIN_SCHEME(st->sc->index), .kind = "checkpoint",
                        .calldata_nonzero_bytes = 4 + MERKLE_HASH_BYTES + 16 + c->nsigs * (4 + SIG_BYTES),
                        .exec_gas = c->nsigs * (uint64_t)BRIDGE_GAS_ECRECOVER + BRIDGE_GAS_NONCE_SSET };
    struct l1_callbacks cb = { checkpoint_included, checkpoint_final, checkpoint_dropped, c };
    c->handle = l1_submit_owned(st->w->l1, &tx, &wallet_fee, &cb, free_checkpoint);
    st->cp_inflight = c;
}

/* ---- validators going offline (the outage adversary's hook) ---- */

struct offline_ev {
    uint32_t v;
    bool     off;
};

static void on_offline(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct state *st = ctx;
    const struct offline_ev *e = payload;
    struct validator *v = &st->v[e->v];
    if (e->off) {
        v->outages++;
        v->offline = true;
        return;
    }
    /* one window ends; another that overlaps it keeps the validator offline */
    SIM_ASSERT(v->outages > 0);
    if (--v->outages > 0)
        return;
    v->offline = false;
    /* back: catch up with the chain, or restart the clocks of where it stopped */
    if (bft_height(v->bft) <= st->height) {
        sync_validator(st, v);
        return;
    }
    static const enum bft_timeout_kind kinds[] = { BFT_TIMEOUT_COMMIT, BFT_TIMEOUT_PROPOSE,
                                                   BFT_TIMEOUT_PREVOTE, BFT_TIMEOUT_PRECOMMIT };
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
        struct bft_timeout t = { .kind = kinds[k], .height = bft_height(v->bft),
                                 .round = bft_round(v->bft) };
        bft_on_timeout(v->bft, &t, &st->out);
        handle_out(st, v);
    }
    bft_rebroadcast(v->bft, &st->out);
    handle_out(st, v);
}

static void set_offline(struct scheme *sc, uint32_t v, sim_time from, sim_time until)
{
    struct state *st = sc->state;
    SIM_ASSERT(v < st->nv);
    struct offline_ev e = { v, true };
    sim_at(st->w->sim, from, on_offline, st, &e, sizeof e);
    if (until != INT64_MAX) {
        e.off = false;
        sim_at(st->w->sim, until, on_offline, st, &e, sizeof e);
    }
}

static void on_equivocate(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct state *st = ctx;
    uint32_t v;
    memcpy(&v, payload, sizeof v);
    if (!st->v[v].equivocating)
        st->byzantine_power += st->power[v];
    st->v[v].equivocating = true;
}

static void set_equivocating(struct scheme *sc, uint32_t v, sim_time from)
{
    struct state *st = sc->state;
    SIM_ASSERT(v < st->nv);
    sim_at(st->w->sim, from, on_equivocate, st, &v, sizeof v);
}

static size_t validators_of(struct scheme *sc, const uint64_t **power)
{
    struct state *st = sc->state;
    *power = st->power;
    return st->nv;
}

static void stats_of(struct scheme *sc, sim_time from, sim_time until,
                     struct sidechain_stats *out)
{
    struct state *st = sc->state;
    memset(out, 0, sizeof *out);
    out->resumed = -1;
    sim_time end = until < sim_now(st->w->sim) ? until : sim_now(st->w->sim);
    sim_time prev = from;
    for (uint64_t h = 0; h < st->height; h++) {
        sim_time t = st->commit_at[h];
        if (t < from)
            continue;
        if (t >= until) {
            if (out->resumed < 0)
                out->resumed = t;
            if (prev < end && t - prev > out->longest_gap_in_window)
                out->longest_gap_in_window = (t < end ? t : end) - prev;
            break;
        }
        out->blocks_in_window++;
        if (t - prev > out->longest_gap_in_window)
            out->longest_gap_in_window = t - prev;
        prev = t;
    }
    if (out->resumed < 0 && end - prev > out->longest_gap_in_window)
        out->longest_gap_in_window = end - prev;
    for (size_t k = 0; k < st->nv; k++)
        out->equivocations += st->v[k].equivocations;
    out->first_equivocation = st->first_equivocation;
    out->conflicts = st->conflicts;
}

static u128 escrow_of(struct scheme *sc)
{
    struct state *st = sc->state;
    struct bridge_books k;
    bridge_books_of(st->bridge, &k);
    return k.escrow;
}

/* ---- a forged withdrawal (the bridge takeover's hook) ---- */

static void forge_included(void *ctx, const struct l1_receipt *r)
{
    struct forge *f = ctx;
    struct state *st = f->sc->state;
    struct bridge_receipt rc;
    enum bridge_verdict v = bridge_withdraw(st->bridge, &f->w, f->sigs, f->nsigs, &rc);
    u128 released = v == BRIDGE_RELEASED ? f->w.amount : 0;
    st->forged_released += released;
    bridge_event(st, v == BRIDGE_RELEASED ? "forged_release" : "forged_refused", f->w.nonce,
                 -1, f->w.amount, r->id, 0, rc.verified, rc.signed_power,
                 bridge_verdict_name(v));
    f->done(f->ctx, v, released, r->total, rc.signed_power, r->time);
}

static void free_forge(void *ctx)
{
    struct forge *f = ctx;
    free(f->sigs);
    free(f);
}

static void forge_dropped(void *ctx, const char *why)
{
    struct forge *f = ctx;
    (void)why;
    f->done(f->ctx, BRIDGE_BELOW_QUORUM, 0, 0, 0, -1);
}

static void forge(struct scheme *sc, size_t adv_index, const uint32_t *signers, size_t n,
                  uint64_t recipient, u128 amount, sidechain_forge_done_fn *done, void *ctx)
{
    struct state *st = sc->state;
    struct forge *f = xcalloc(1, sizeof *f);
    f->sc = sc;
    f->done = done;
    f->ctx = ctx;
    /* a nonce no honest withdrawal uses */
    f->w = (struct bridge_withdrawal){ .chain_id = st->chain_id, .recipient = recipient,
                                       .amount = amount, .nonce = UINT64_C(1) << 62 | adv_index };
    f->sigs = xmalloc((n ? n : 1) * sizeof *f->sigs);
    for (size_t i = 0; i < n; i++) {
        SIM_ASSERT(signers[i] < st->nv);
        bridge_sign(&st->sig, &st->v[signers[i]].kp, signers[i], &f->w, &f->sigs[f->nsigs++]);
    }
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, 0x100000u + adv_index),
                        .origin = L1_ORIGIN_ADVERSARY(adv_index), .kind = "withdrawal",
                        .calldata_nonzero_bytes = bridge_calldata_bytes(f->nsigs),
                        .exec_gas = f->nsigs * (uint64_t)BRIDGE_GAS_ECRECOVER + BRIDGE_GAS_NONCE_SSET };
    struct l1_callbacks cb = { forge_included, NULL, forge_dropped, f };
    l1_submit_owned(st->w->l1, &tx, &wallet_fee, &cb, free_forge);
}

/* ---- the scheme ---- */

static int parse_stakes(struct scheme *sc, struct state *st, struct err *e)
{
    const struct scn *s = sc->world->scn;
    size_t i = sc->index;
    u128 one = scn_amount(s, "schemes[%zu].stake", i);
    for (size_t k = 0; k < st->nv; k++)
        st->power[k] = (uint64_t)(one / 1000000000u);
    if (!scn_has(s, "schemes[%zu].stakes", i))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "schemes[%zu].stakes", i);
    const char *text = scn_str(s, "%s", path);
    size_t k = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[64];
        if (len >= sizeof item)
            return scn_error_at(s, e, path, "a stake is too long: '%.*s'", (int)len, p);
        memcpy(item, p, len);
        item[len] = '\0';
        char *it = item;
        while (*it == ' ')
            it++;
        u128 wei;
        char why[UNIT_WHY_MAX];
        if (unit_amount(it, &wei, why) != 0 || wei < 1000000000u)
            return scn_error_at(s, e, path, "'%s' is not a stake of at least 1 gwei", it);
        if (k == st->nv)
            return scn_error_at(s, e, path, "%zu validators but more stakes than that", st->nv);
        u128 g = wei / 1000000000u;
        if (g > UINT64_MAX / 256)
            return scn_error_at(s, e, path, "stake '%s' is too large", it);
        st->power[k++] = (uint64_t)g;
        p += len;
        if (*p == ',')
            p++;
    }
    if (k != st->nv)
        return scn_error_at(s, e, path, "%zu stakes for %zu validators: give one per validator",
                            k, st->nv);
    return 0;
}

static int init(struct scheme *sc, struct err *e)
{
    const struct scn *s = sc->world->scn;
    size_t i = sc->index;
    struct state *st = xcalloc(1, sizeof *st);
    sc->state = st;
    st->sc = sc;
    st->w = sc->world;
    st->chain_id = CHAIN_ID_BASE + i;
    st->first_equivocation = -1;
    enum sig_mode mode;
    if (sig_mode_parse(scn_str(s, "crypto"), &mode) != 0)
        mode = SIG_ED25519;
    sig_ctx_init(&st->sig, mode, st->w->seed);
    st->nv = (size_t)scn_uint(s, "schemes[%zu].validators", i);
    st->power = xcalloc(st->nv, sizeof *st->power);
    if (parse_stakes(sc, st, e) != 0)
        return L2_EINPUT;
    uint64_t total = 0;
    for (size_t k = 0; k < st->nv; k++) {
        if (total + st->power[k] < total)
        {
            char path[64];
            snprintf(path, sizeof path, "schemes[%zu].stake", i);
            return scn_error_at(s, e, path, "the total stake passes 2^64 gwei");
        }
        total += st->power[k];
    }
    (void)total;
    st->pk = xcalloc(st->nv, sizeof *st->pk);
    st->v = xcalloc(st->nv, sizeof *st->v);
    for (uint32_t k = 0; k < st->nv; k++) {
        struct validator *v = &st->v[k];
        v->sc = sc;
        v->index = k;
        sig_keypair_derive(&st->sig, SIDECHAIN_VALIDATOR_KEY_KIND, k, &v->kp);
        memcpy(st->pk[k], v->kp.pk, SIG_PUBLICKEY_BYTES);
        v->latency = scheme_stream(sc, SCHEME_ENTITY(ENT_VALIDATOR, k), RNG_LATENCY);
    }
    st->set = (struct bft_set){ .n = st->nv, .pk = (const uint8_t (*)[SIG_PUBLICKEY_BYTES])st->pk,
                                .power = st->power, .total = bft_set_total(st->power, st->nv) };
    struct bft_config cfg = {
        .chain_id = st->chain_id,
        .timeout_propose_us = scn_int(s, "schemes[%zu].timeout_propose", i),
        .timeout_prevote_us = scn_int(s, "schemes[%zu].timeout_prevote", i),
        .timeout_precommit_us = scn_int(s, "schemes[%zu].timeout_precommit", i),
        .timeout_delta_us = scn_int(s, "schemes[%zu].timeout_delta", i),
        .timeout_commit_us = scn_int(s, "schemes[%zu].block_time", i),
    };
    st->verified = xcalloc(VERIFIED_SLOTS, sizeof *st->verified);
    for (uint32_t k = 0; k < st->nv; k++) {
        st->v[k].bft = bft_new(&cfg, &st->sig, &st->set, k, &st->v[k].kp, get_value, &st->v[k]);
        bft_set_verifier(st->v[k].bft, verify_cached, st);
    }
    st->cert = xcalloc(st->nv + 1, sizeof *st->cert);
    double median = (double)scn_int(s, "schemes[%zu].latency.median", i);
    st->lat_mu = log(median > 1 ? median : 1);
    st->lat_sigma = scn_real(s, "schemes[%zu].latency.sigma", i);
    st->gossip_interval = scn_int(s, "schemes[%zu].gossip_interval", i);
    st->checkpoint_interval = scn_int(s, "schemes[%zu].checkpoint_interval", i);
    st->eip1559 = fm_eip1559_by_name(scn_str(s, "schemes[%zu].eip1559", i));
    SIM_ASSERT(st->eip1559);
    st->gas_limit = (uint64_t)scn_int(s, "schemes[%zu].gas_limit", i);
    st->base_fee = (uint64_t)scn_amount(s, "schemes[%zu].base_fee", i);
    st->tip = (uint64_t)scn_amount(s, "schemes[%zu].tip", i);

    st->nusers = users_count(st->w->users);
    st->bal = xcalloc(st->nusers, sizeof *st->bal);
    st->vbal = xcalloc(st->nv, sizeof *st->vbal);
    st->ukey = xmalloc(st->nusers * sizeof *st->ukey);
    st->ukey_set = xcalloc(st->nusers, sizeof *st->ukey_set);
    st->scratch = xcalloc(st->nusers, sizeof *st->scratch);
    st->scratch_epoch = xcalloc(st->nusers, sizeof *st->scratch_epoch);

    st->bridge = bridge_new(st->chain_id, &st->sig);
    bridge_checkpoint_validators(st->bridge, (const uint8_t (*)[SIG_PUBLICKEY_BYTES])st->pk,
                                 st->power, st->nv);

    struct store *db = st->w->store;
    st->ins_block = store_prepare(db,
        "INSERT INTO sidechain_blocks(run_id, scheme, height, round, proposer, commit_us,"
        " interval_us, txs, mints, gas_used, base_fee_per_gas, hash)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    st->ins_checkpoint = store_prepare(db,
        "INSERT INTO sidechain_checkpoints(run_id, scheme, checkpoint, start_height,"
        " end_height, root, signers, signed_stake, l1_tx_id, posted_us, included_us, final_us,"
        " status, gas_used, fee_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    st->ins_bridge = store_prepare(db,
        "INSERT INTO sidechain_bridge(run_id, scheme, at_us, event, number, user, amount_wei,"
        " l1_tx_id, height, signers, signed_stake, escrow_wei, detail)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");

    /* genesis: every validator starts height 1 at time 0, gossips on its own phase */
    for (uint32_t k = 0; k < st->nv; k++) {
        bft_start(st->v[k].bft, &st->out);
        handle_out(st, &st->v[k]);
        sim_time phase = st->gossip_interval + (sim_time)((uint64_t)st->gossip_interval * k / st->nv);
        sim_at(st->w->sim, phase, on_gossip, st, &k, sizeof k);
    }
    sim_at(st->w->sim, st->checkpoint_interval, on_checkpoint_timer, st, NULL, 0);
    return 0;
}

static int cmp_rec(const void *a, const void *b)
{
    const struct tx_record *x = *(const struct tx_record *const *)a;
    const struct tx_record *y = *(const struct tx_record *const *)b;
    return (x->tx_id > y->tx_id) - (x->tx_id < y->tx_id);
}

/* What never became final: executed ones awaiting their checkpoint, then the mempool's
 * transfers, in id order. */
static void finish(struct scheme *sc)
{
    struct state *st = sc->state;
    size_t n = st->ndone - st->done_head + st->npending, k = 0;
    const struct tx_record **v = xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = st->done_head; i < st->ndone; i++)
        v[k++] = &st->done[i].rec;
    for (struct pending *p = st->head; p; p = p->next)
        if (p->tx.kind == TX_TRANSFER)
            v[k++] = &p->rec;
    qsort(v, k, sizeof *v, cmp_rec);
    for (size_t i = 0; i < k; i++)
        txlog_write(st->w, sc, v[i]);
    free(v);
}

/* Money conserved across the sidechain, the bridge and the L1:
 *  - what its receipts say it paid on L1 is what the L1 charged its origin;
 *  - the escrow holds what was deposited and not released (escrow + released =
 *    locked), and nothing left it that was not burned on the sidechain, except what
 *    forged withdrawals took (an attack, recorded in attacks);
 *  - the sidechain's balances (users and validators) sum to what was minted, less
 *    what was burned by withdrawals and by base fees. */
static int check(struct scheme *sc, struct inv_fail *f)
{
    struct state *st = sc->state;
    char a[41], b[41], c[41], d[41], g[41];
    u128 charged = l1_paid_by(st->w->l1, L1_ORIGIN_SCHEME(sc->index));
    if (charged != st->l1_paid)
        return INV_FAIL(f, "money conserved between the L1 and a scheme", "scheme '%s': "
                        "receipts total %s wei, the L1 charged %s wei", sc->name,
                        u128_str(st->l1_paid, a), u128_str(charged, b));
    struct bridge_books k;
    bridge_books_of(st->bridge, &k);
    if (k.escrow + k.released != k.minted)
        return INV_FAIL(f, "bridge escrow holds what was locked and not released",
                        "scheme '%s': escrow %s wei + released %s wei != locked %s wei",
                        sc->name, u128_str(k.escrow, a), u128_str(k.released, b),
                        u128_str(k.minted, c));
    if (k.released - st->forged_released > k.burned)
        return INV_FAIL(f, "the bridge releases only what the sidechain burned",
                        "scheme '%s': released %s wei (%s by forged withdrawals), burned %s wei",
                        sc->name, u128_str(k.released, a), u128_str(st->forged_released, b),
                        u128_str(k.burned, c));
    u128 supply = k.minted - st->pending_mint - k.burned - st->fees_burned;
    if (st->bal_total != supply)
        return INV_FAIL(f, "money conserved on the sidechain", "scheme '%s': balances %s wei, "
                        "minted %s - not yet minted %s - burned %s - base fees %s wei",
                        sc->name, u128_str(st->bal_total, a), u128_str(k.minted, b),
                        u128_str(st->pending_mint, c), u128_str(k.burned, d),
                        u128_str(st->fees_burned, g));
    if (st->w->at_end) {
        u128 sum = 0;
        for (uint32_t u = 0; u < st->nusers; u++)
            sum += st->bal[u];
        for (size_t v = 0; v < st->nv; v++)
            sum += st->vbal[v];
        if (sum != st->bal_total)
            return INV_FAIL(f, "money conserved on the sidechain", "scheme '%s': accounts sum "
                            "to %s wei, the books say %s wei", sc->name, u128_str(sum, a),
                            u128_str(st->bal_total, b));
    }
    /* safety is the protocol's promise only while less than 1/3 of the stake is
     * Byzantine; beyond that a conflict is the attack's outcome (its attacks row) */
    if (st->conflicts && !bft_one_third(st->byzantine_power, st->set.total))
        return INV_FAIL(f, "no two conflicting blocks commit", "scheme '%s': %llu decisions "
                        "differ from the committed block, with %llu of %llu stake Byzantine",
                        sc->name, (unsigned long long)st->conflicts,
                        (unsigned long long)st->byzantine_power,
                        (unsigned long long)st->set.total);
    return 0;
}

static void destroy(struct scheme *sc)
{
    struct state *st = sc->state;
    if (!st)
        return;
    for (size_t k = 0; k < st->nv && st->v; k++) {
        bft_free(st->v[k].bft);
        if (st->v[k].latency)
            gsl_rng_free(st->v[k].latency);
    }
    while (st->candidates) {
        struct block *b = st->candidates;
        st->candidates = b->next;
        free_block(b);
    }
    while (st->head) {
        struct pending *p = st->head;
        st->head = p->next;
        free(p);
    }
    while (st->burns) {
        struct burn *b = st->burns;
        st->burns = b->next;
        free(b->sigs);
        free(b);
    }
    bridge_free(st->bridge);
    free(st->v);
    free(st->pk);
    free(st->power);
    free(st->cert);
    free(st->verified);
    free(st->hash);
    free(st->commit_at);
    free(st->bal);
    free(st->vbal);
    free(st->executed.w);
    free(st->executed_wd.w);
    free(st->ukey);
    free(st->ukey_set);
    free(st->scratch);
    free(st->scratch_epoch);
    free(st->done);
    free(st->by_id);
    free(st->wd_by_id);
    free(st->mints);
    free(st);
}

static const struct scheme_hook hooks[] = {
    SCHEME_HOOK("validators.offline", sidechain_offline_fn, set_offline,
                "validator v offline from `from` until `until`: no messages, no timers"),
    SCHEME_HOOK("validators.equivocate", sidechain_equivocate_fn, set_equivocating,
                "validator v sends conflicting proposals and votes from `from` on"),
    SCHEME_HOOK("validators.count", sidechain_validators_fn, validators_of,
                "the validator set's size and voting powers"),
    SCHEME_HOOK("bridge.forge", sidechain_forge_fn, forge,
                "validators sign a withdrawal never burned; submitted to the bridge on L1"),
    SCHEME_HOOK("bridge.escrow", sidechain_escrow_fn, escrow_of,
                "what the L1 escrow holds now"),
    SCHEME_HOOK("chain.stats", sidechain_stats_fn, stats_of,
                "blocks and the longest wait for one in a window; equivocations, conflicts"),
};

const struct scheme_ops scheme_sidechain_ops = {
    .type = "sidechain",
    .doc = "its own validators (Tendermint BFT, signed votes), fee market and block time; a "
           "bridge on L1 releasing withdrawals signed by > 2/3 of stake; checkpoints to L1",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &sidechain_sql, .metrics = sidechain_metrics, .report = &sidechain_report,
    .estimate = sidechain_estimate,
    .hooks = hooks, .nhooks = ARRAY_LEN(hooks),
};

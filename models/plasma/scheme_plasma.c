/* scheme_plasma.c — the scheme `plasma`: Plasma MVP (Buterin, "Minimal Viable Plasma",
 * ethresear.ch/t/426) over the root-chain contract of contract.h. Users deposit on L1
 * (each deposit a one-transaction block the contract makes), pay each other with UTXO
 * transactions they sign for real, which the operator checks and gathers into blocks
 * whose RFC 6962 Merkle root it commits to L1 at an interval; they keep the block
 * data and compute their own inclusion proofs from it; they withdraw by exiting a
 * UTXO on L1 with a proof and a bond, wait the challenge period, and are paid in
 * plasma-mvp's priority order (exitable time, then oldest UTXO: contract.h) by a
 * finalizeExits call. Every user watches the
 * exits started on L1 and challenges the exit of a coin it knows was spent (with the
 * spend) or forged (with the input's owner). An operator that withholds a block's
 * data sets off a mass exit.
 *
 * A transfer's txs row: soft when the operator seals it into a block; included when
 * that block's root is in an L1 block; final when that L1 block is final (its
 * finality depth): from then on the recipient holds the data and a committed root and
 * can always exit the coin. Its fee is the operator's (l2_fee); the operator pays the
 * L1 for the roots. */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "models/crypto/merkle.h"
#include "models/crypto/sig.h"
#include "models/l1/l1.h"
#include "models/plasma/contract.h"
#include "models/plasma/plasma.h"
#include "models/plasma/plasma_tx.h"
#include "models/workload/users.h"
#include "sim/fault.h"
#include "sim/money.h"

#define OPERATOR          UINT32_MAX    /* owner id of the operator's coins */
#define KEY_KIND_USER     0x504c5355u   /* sig_keypair_derive kind "PLSU" */
#define KEY_KIND_OPERATOR 0x504c534fu   /* "PLSO" */
/* MVP numbers operator blocks 1000, 2000, ... and deposit blocks between
 * (CHILD_BLOCK_INTERVAL = 1000): at most 999 deposits between two operator blocks. We
 * leave room for 99,999, which a busy minute's joins can need; positions stay within
 * 64 bits for 184,467 operator blocks (128 days of one-minute blocks). */
#define BLOCK_INTERVAL    100000u
#define MAX_BLOCK_TXS     65535u        /* MVP: 2^16 transactions per block */
#define RNG_REACT         1u            /* purpose: a user's delay reacting to withholding */
#define ENTITY_USER       1u

static const struct scn_param params[] = {
    { "schemes[plasma].block_interval", SCN_DURATION, "1m", "1s", "1d", NULL, 0,
      "how often the operator seals a block and commits its Merkle root to L1" },
    { "schemes[plasma].fee_policy", SCN_ENUM, "cost", NULL, NULL, "cost|fixed", 0,
      "cost: the operator's fee per transaction is what its last block root cost on L1, "
      "shared over that block's transactions, plus fee_margin; fixed: always `fee`" },
    { "schemes[plasma].fee", SCN_AMOUNT, "0.00001eth", "0wei", "1eth", NULL, 0,
      "the operator's fee per transaction (fee_policy fixed), or its fee until its first "
      "root lands (cost); paid in the transaction: inputs = outputs + fee" },
    { "schemes[plasma].fee_margin", SCN_FRACTION, "10%", "0", "1000%", NULL, 0,
      "what the operator adds to its L1 cost per transaction (fee_policy cost)" },
    { "schemes[plasma].challenge_period", SCN_DURATION, "7d", "1s", "365d", NULL, 0,
      "how long an exit waits for challenges before it can be paid (MVP: 7 days)" },
    { "schemes[plasma].exit_bond", SCN_AMOUNT, "0.01eth", "0wei", "100eth", NULL, 0,
      "bond an exit posts; a successful challenger takes it, an unchallenged exit gets it back" },
    { "schemes[plasma].max_inputs", SCN_UINT, "4", "1", "4", NULL, 0,
      "inputs a transaction may spend (MVP: 2); wallets fill spare inputs with their "
      "smallest coins" },
    { "schemes[plasma].tip", SCN_AMOUNT, "1gwei", "0wei", "10000gwei", NULL, 0,
      "max priority fee per gas users offer on their L1 transactions (deposit, exit, challenge)" },
    { "schemes[plasma].urgent_tip", SCN_AMOUNT, "3gwei", "0wei", "10000gwei", NULL, 0,
      "the tip users offer on exits in a mass exit, and the operator on its own transactions" },
    { "schemes[plasma].max_fee_multiplier", SCN_REAL, "2", "1", "100", NULL, 0,
      "max fee per gas = base fee at submission x this + tip" },
    { "schemes[plasma].process_max", SCN_UINT, "50", "1", "10000", NULL, 0,
      "exits one finalizeExits transaction pays at most" },
    { "schemes[plasma].react", SCN_DURATION, "10m", "0s", "30d", NULL, 0,
      "mean time (exponential, per user) from the withheld root's inclusion on L1 to the "
      "user starting its exits" },
    { "schemes[plasma].exit_fee_share", SCN_FRACTION, "50%", "0.1%", "100%", NULL, 0,
      "in a mass exit, the most of a coin's value its owner pays for gas to exit it: the "
      "exit's fee bumps (12.5% every 2 blocks) stop there" },
};

/* ---- the chain's objects ---- */

struct ptx;
struct xit;

/* A UTXO. Lives inside the transaction that created it. */
struct coin {
    uint64_t     pos;
    uint32_t     owner;          /* user id, or OPERATOR */
    u128         value;
    struct ptx  *tx;
    uint8_t      oindex;
    struct ptx  *spent_by;       /* on the operator's chain; NULL: unspent */
    struct xit  *exit;           /* the exit started on it, if any */
    bool         exited;         /* paid out by the contract */
    bool         in_wallet;
    struct coin *prev, *next;    /* the owner's wallet */
};

enum purpose { P_TRANSFER, P_WITHDRAW, P_FEE, P_DEPOSIT, P_FORGED };

struct xfer;
struct pblock;

struct ptx {
    struct pblock *block;
    uint32_t     index;
    uint8_t      nin, nout;
    struct coin *in[PTX_MAX_IN];
    struct coin  out[PTX_MAX_OUT];
    u128         fee;
    uint8_t      len;
    uint8_t      bytes[PTX_MAX_BYTES];
    uint8_t      sig[PTX_SIG_BYTES];
    bool         valid;          /* correctly signed by its inputs' owner, and not undone */
    enum purpose purpose;
    struct xfer *xfer;           /* the user transfer it carries (its txs row) */
};

struct pblock {
    uint64_t     num;
    bool         deposit, withheld;
    struct ptx **tx;
    uint8_t    (*leaf)[32];
    size_t       n, cap;
    uint32_t     transfers;
    uint32_t     user_txs;       /* users' transactions (not the fee output) */
    u128         fees;
    uint8_t      root[32];
    sim_time     sealed, on_l1, final;
    l1_tx_id     l1;
    u128         l1_fee;
    struct xit  *waiting;        /* exits to start once the root is on L1 */
    struct xit  *watch;          /* exits to challenge once the root is on L1 */
    struct scheme *sc;
};

/* A user transfer in flight: its txs row. */
struct xfer {
    struct tx_record rec;
    struct xfer *prev, *next;
};

/* A transfer waiting in the user's wallet for its deposit to land. */
struct queued {
    struct transfer t;
    struct queued  *next;
};

struct wallet {
    struct coin   *coins;
    bool           deposit_pending;
    struct queued *q, *qtail;
};

enum exit_kind { X_WITHDRAWAL, X_MASS_EXIT, X_VICTIM, X_FRAUD, X_SPENT_COIN };
static const char *const exit_kind_name[] = { "withdrawal", "mass_exit", "victim", "fraud",
                                              "spent_coin" };

/* An exit as its owner sees it: the L1 transaction, then the contract's record. */
struct xit {
    struct scheme *sc;
    uint64_t     id;             /* 1, 2, ... */
    struct coin *coin;
    enum exit_kind kind;
    const char  *status;         /* pending|started|challenged|processed|refused|dropped|failed */
    const char  *reason;
    sim_time     requested, started, exitable, challenged, processed;
    u128         amount, bond, paid, l1_fee, reserved;
    uint64_t     cap;            /* max fee per gas */
    uint8_t     *calldata;
    size_t       calldata_len;
    struct plasma_attack *attack;
    struct pc_exit *px;          /* the contract's record once started (the contract's) */
    struct xit  *resent;         /* the attempt that replaced this dropped one */
    bool         at_cap;         /* a resend: bid the owner's cap from the start */
    struct xit  *next_wait;      /* in a block's waiting or watch list */
    struct xit  *next;           /* all exits, in id order (reversed) */
};

struct challenge {
    struct scheme *sc;
    uint64_t     id;
    struct xit  *x;
    uint32_t     challenger;
    const char  *kind;           /* spent | invalid_input */
    sim_time     submitted, included;
    const char  *result;
    u128         bond_won, l1_fee, reserved;
    uint8_t     *calldata;
    size_t       calldata_len;
    struct challenge *next;
};

/* A deposit on its way to L1: the L1's (l1_submit_owned), freed after its last
 * callback or at the run's end. */
struct dep {
    struct scheme *sc;
    uint32_t user;
    u128     amount, reserved;
};

/* A mass exit after withheld data. deadline: the last start time at which an exit of
 * a coin older than the withheld block still ranks ahead of the operator's exit in
 * the contract's queue (its exitable time - 1 period: contract.h); -1 until the
 * operator's exit has started. */
struct mass {
    uint64_t block;
    sim_time detected, deadline;
    uint64_t users, coins;
    u128     at_risk;
    struct xit *fraud;
    struct plasma_attack *attack;
};

struct state {
    struct sig_ctx sig;
    struct sig_keypair op_key;
    struct sig_keypair **keys;          /* per user, derived on first use */
    struct wallet *wallet;
    uint32_t nusers;
    struct plasma_contract *contract;

    sim_time block_interval, challenge_period, react;
    u128     fee, bond;                 /* fee: the operator's fee now */
    bool     fee_cost;                  /* fee_policy cost */
    uint32_t fee_margin_pct;
    uint64_t tip, urgent_tip;
    uint32_t mult_pct, max_inputs, process_max;
    double   exit_fee_share;

    struct pblock **blocks;             /* every block, operator's and deposits', made */
    size_t   nblocks, capblocks;
    struct pblock *open;
    uint64_t next_num;
    bool     halted;                    /* the operator stopped (withholding) */
    bool     process_pending;

    struct xfer *inflight;
    struct xit  *exits;
    uint64_t     nexits;
    struct challenge *challenges;
    uint64_t     nchallenges;
    struct mass *mass;

    /* the books (check): the contract's holdings = unspent + open_fees + bonds held -
     * stolen + shortfall */
    u128 unspent;                       /* valid coins neither spent by a valid
                                           transaction nor exited */
    u128 open_fees;                     /* fees of the open block, before its fee output */
    u128 stolen;                        /* paid to exits of coins that are not unspent */
    u128 shortfall;                     /* valid exits paid less than their amount */
    u128 l1_paid;                       /* receipts of every transaction it sent */
    u128 op_spent, op_received;         /* the operator's own L1 money */
};

/* ---- small helpers ---- */

/* A block's leaves as the Merkle functions read them. */
#define LEAVES(b) ((const uint8_t (*)[32])(b)->leaf)

static struct state *S(struct scheme *sc) { return sc->state; }

static const struct sig_keypair *user_key(struct state *st, uint32_t u)
{
    if (u == OPERATOR)
        return &st->op_key;
    if (!st->keys[u]) {
        st->keys[u] = xmalloc(sizeof **st->keys);
        sig_keypair_derive(&st->sig, KEY_KIND_USER, u, st->keys[u]);
    }
    return st->keys[u];
}

/* Whether the coin counts in `unspent` (see struct state). */
static bool counted(const struct coin *c)
{
    return c->tx->valid && !c->exited && !(c->spent_by && c->spent_by->valid);
}

/* Change a coin (fn), keeping `unspent` equal to the sum of counted coins. */
#define COIN_CHANGE(st, c, stmt)                                              \
    do {                                                                      \
        bool before_ = counted(c);                                            \
        stmt;                                                                 \
        bool after_ = counted(c);                                             \
        if (before_ && !after_) (st)->unspent -= (c)->value;                  \
        if (!before_ && after_) (st)->unspent += (c)->value;                  \
    } while (0)

static void wallet_add(struct state *st, struct coin *c)
{
    if (c->owner == OPERATOR || c->in_wallet)
        return;
    struct wallet *w = &st->wallet[c->owner];
    c->prev = NULL;
    c->next = w->coins;
    if (w->coins)
        w->coins->prev = c;
    w->coins = c;
    c->in_wallet = true;
}

static void wallet_remove(struct state *st, struct coin *c)
{
    if (!c->in_wallet)
        return;
    struct wallet *w = &st->wallet[c->owner];
    if (c->prev)
        c->prev->next = c->next;
    else
        w->coins = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->in_wallet = false;
}

static u128 wallet_balance(const struct state *st, uint32_t u)
{
    u128 b = 0;
    for (const struct coin *c = st->wallet[u].coins; c; c = c->next)
        b += c->value;
    return b;
}

static struct pblock *block_new(struct scheme *sc, uint64_t num, bool deposit)
{
    struct state *st = S(sc);
    struct pblock *b = xcalloc(1, sizeof *b);
    b->sc = sc;
    b->num = num;
    b->deposit = deposit;
    b->sealed = b->on_l1 = b->final = -1;
    if (st->nblocks == st->capblocks) {
        st->capblocks = st->capblocks ? 2 * st->capblocks : 64;
        st->blocks = xrealloc(st->blocks, st->capblocks * sizeof *st->blocks);
    }
    st->blocks[st->nblocks++] = b;
    return b;
}

static void block_append(struct pblock *b, struct ptx *t)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->tx = xrealloc(b->tx, b->cap * sizeof *b->tx);
        b->leaf = xrealloc(b->leaf, b->cap * sizeof *b->leaf);
    }
    t->block = b;
    t->index = (uint32_t)b->n;
    ptx_leaf(t->bytes, t->len, t->sig, b->leaf[b->n]);
    b->tx[b->n++] = t;
    for (unsigned o = 0; o < t->nout; o++)
        t->out[o].pos = ptx_pos(b->num, t->index, o);
}

/* Encode t from its coins (outputs' owners and values, inputs' positions: the inputs'
 * blocks are sealed or open with their positions known) and sign it with key. */
static void ptx_seal(struct state *st, struct ptx *t, const struct sig_keypair *key)
{
    struct ptx_view v = { .nin = t->nin, .nout = t->nout, .fee = t->fee };
    for (unsigned i = 0; i < t->nin; i++)
        v.in[i] = t->in[i]->pos;
    for (unsigned o = 0; o < t->nout; o++) {
        memcpy(v.owner[o], user_key(st, t->out[o].owner)->pk, 32);
        v.value[o] = t->out[o].value;
    }
    t->len = (uint8_t)ptx_encode(&v, t->bytes);
    if (key)
        sig_sign(&st->sig, key, t->bytes, t->len, t->sig);
}

static struct ptx *ptx_new(uint8_t nin, uint8_t nout, enum purpose p)
{
    struct ptx *t = xcalloc(1, sizeof *t);
    t->nin = nin;
    t->nout = nout;
    t->purpose = p;
    for (unsigned o = 0; o < nout; o++) {
        t->out[o].tx = t;
        t->out[o].oindex = (uint8_t)o;
    }
    return t;
}

/* The fee policy of a transaction sent now: max fee = base fee x multiplier + tip,
 * at most cap (0: none). */
static struct l1_fee_policy fee_now(struct scheme *sc, uint64_t tip, uint64_t cap)
{
    struct state *st = S(sc);
    u128 mf = (u128)l1_base_fee(sc->world->l1) * st->mult_pct / 100 + tip;
    uint64_t max_fee = mf > UINT64_MAX ? UINT64_MAX : (uint64_t)mf;
    if (cap && max_fee > cap)
        max_fee = cap;
    return (struct l1_fee_policy){ .kind = L1_FEE_FIXED, .tip = tip < max_fee ? tip : max_fee,
                                   .max_fee = max_fee };
}

static uint64_t user_account(const struct scheme *sc, uint32_t u)
{
    return l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | u);
}
static uint64_t operator_account(const struct scheme *sc)
{
    return l1_account(L1_ACCT_SCHEME, sc->index);
}
static uint64_t keeper_account(const struct scheme *sc)
{
    return l1_account(L1_ACCT_SCHEME, (uint64_t)1 << 40 | sc->index);
}

/* ---- transfers ---- */

static void xfer_done(struct scheme *sc, struct xfer *x)
{
    struct state *st = S(sc);
    txlog_write(sc->world, sc, &x->rec);
    if (x->prev)
        x->prev->next = x->next;
    else
        st->inflight = x->next;
    if (x->next)
        x->next->prev = x->prev;
    free(x);
}

static void record_now(struct scheme *sc, const struct transfer *t, const char *status,
                       const char *reason)
{
    struct tx_record r = { .tx_id = t->id, .from = t->from, .to = t->to, .value = t->value,
                           .submit = t->at, .soft = -1, .include = -1, .final = -1,
                           .status = status, .reason = reason };
    txlog_write(sc->world, sc, &r);
}

static int cmp_value_desc(const void *a, const void *b)
{
    const struct coin *x = *(const struct coin *const *)a, *y = *(const struct coin *const *)b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The wallet's choice of inputs worth at least need: the smallest single coin that
 * covers it with the spare inputs filled by the smallest coins (consolidating dust,
 * as UTXO wallets do), or else the largest coins first. 0 when it cannot. */
static unsigned pick_inputs(struct state *st, uint32_t u, u128 need, struct coin **in)
{
    size_t n = 0;
    for (struct coin *c = st->wallet[u].coins; c; c = c->next)
        n++;
    if (n == 0)
        return 0;
    struct coin **v = xmalloc(n * sizeof *v);
    n = 0;
    for (struct coin *c = st->wallet[u].coins; c; c = c->next)
        v[n++] = c;
    qsort(v, n, sizeof *v, cmp_value_desc);    /* largest first, ties by position */
    unsigned k = 0;
    long cover = -1;
    for (size_t i = 0; i < n && v[i]->value >= need; i++)
        cover = (long)i;                    /* the smallest that covers alone */
    if (cover >= 0) {
        in[k++] = v[cover];
        for (size_t i = n; i-- > 0 && k < st->max_inputs;)
            if ((long)i != cover)
                in[k++] = v[i];
    } else {
        u128 sum = 0;
        for (size_t i = 0; i < n && k < st->max_inputs && sum < need; i++) {
            in[k++] = v[i];
            sum += v[i]->value;
        }
        if (sum < need)
            k = 0;
    }
    free(v);
    return k;
}

/* The operator receives a signed transaction: it checks the signature against the
 * inputs' owner key, that every input is an unspent coin of its chain, and that
 * inputs = outputs + fee; then appends it to the open block. Returns a refusal
 * reason, or NULL when accepted. */
static const char *operator_accept(struct scheme *sc, struct ptx *t)
{
    struct state *st = S(sc);
    if (st->halted || !st->open)
        return "operator halted: it stopped producing blocks";
    u128 in = 0, out = t->fee;
    for (unsigned i = 0; i < t->nin; i++) {
        if (t->in[i]->spent_by || t->in[i]->exit || !t->in[i]->tx->valid)
            return "refused by the operator: an input is spent";
        if (t->in[i]->owner != t->in[0]->owner)
            return "refused by the operator: inputs of two owners";
        in += t->in[i]->value;
    }
    /* one signature, the inputs' owner's, over the whole transaction */
    if (t->nin > 0 &&
        !sig_verify(&st->sig, user_key(st, t->in[0]->owner)->pk, t->bytes, t->len, t->sig))
        return "refused by the operator: bad signature";
    for (unsigned o = 0; o < t->nout; o++)
        out += t->out[o].value;
    if (in != out)
        return "refused by the operator: inputs do not equal outputs + fee";
    t->valid = true;
    for (unsigned i = 0; i < t->nin; i++) {
        wallet_remove(st, t->in[i]);
        COIN_CHANGE(st, t->in[i], t->in[i]->spent_by = t);
    }
    block_append(st->open, t);
    for (unsigned o = 0; o < t->nout; o++) {
        st->unspent += t->out[o].value;       /* a new valid coin */
        wallet_add(st, &t->out[o]);
    }
    st->open_fees += t->fee;
    st->open->fees += t->fee;
    st->open->user_txs++;
    return NULL;
}

static void seal_block(struct scheme *sc);

/* A user's signed transaction paying `value` to `to` (to == from: a withdrawal's
 * split) and the change back. NULL with *why when the wallet cannot. */
static struct ptx *make_payment(struct scheme *sc, uint32_t from, uint32_t to, u128 value,
                                enum purpose p, const char **why)
{
    struct state *st = S(sc);
    struct coin *in[PTX_MAX_IN];
    unsigned k = pick_inputs(st, from, value + st->fee, in);
    if (k == 0) {
        *why = "insufficient funds on the Plasma chain";
        return NULL;
    }
    u128 sum = 0;
    for (unsigned i = 0; i < k; i++)
        sum += in[i]->value;
    u128 change = sum - value - st->fee;
    struct ptx *t = ptx_new((uint8_t)k, change ? 2 : 1, p);
    memcpy(t->in, in, k * sizeof *in);
    t->fee = st->fee;
    t->out[0].owner = to;
    t->out[0].value = value;
    if (change) {
        t->out[1].owner = from;
        t->out[1].value = change;
    }
    ptx_seal(st, t, user_key(st, from));     /* signed by the owner, for real */
    if ((*why = operator_accept(sc, t)) != NULL) {
        free(t);
        return NULL;
    }
    if (st->open->n >= MAX_BLOCK_TXS - 1)
        seal_block(sc);
    return t;
}

static void send_transfer(struct scheme *sc, const struct transfer *tr)
{
    struct state *st = S(sc);
    if (tr->at != sim_now(sc->world->sim) && sim_now(sc->world->sim) > tr->deadline) {
        record_now(sc, tr, "dropped", "gave up waiting for the deposit to land on L1");
        return;
    }
    const char *why;
    struct ptx *t = make_payment(sc, tr->from, tr->to, tr->value, P_TRANSFER, &why);
    if (!t) {
        record_now(sc, tr, "failed", why);
        return;
    }
    struct xfer *x = xcalloc(1, sizeof *x);
    x->rec = (struct tx_record){ .tx_id = tr->id, .from = tr->from, .to = tr->to,
                                 .value = tr->value, .submit = tr->at, .soft = -1,
                                 .include = -1, .final = -1, .status = "pending",
                                 .charged = true, .l2_fee = st->fee };
    x->next = st->inflight;
    if (x->next)
        x->next->prev = x;
    st->inflight = x;
    t->xfer = x;
    t->block->transfers++;
}

static void on_transfer(struct scheme *sc, const struct transfer *t)
{
    struct state *st = S(sc);
    if (st->halted) {
        record_now(sc, t, "failed", "operator halted: it stopped producing blocks");
        return;
    }
    if (st->fee > t->max_fee) {
        record_now(sc, t, "dropped", "too expensive: the operator's fee is above the user's "
                                     "willingness to pay");
        return;
    }
    struct wallet *w = &st->wallet[t->from];
    if (w->deposit_pending) {     /* the wallet waits for its deposit to land */
        struct queued *q = xcalloc(1, sizeof *q);
        q->t = *t;
        if (w->qtail)
            w->qtail->next = q;
        else
            w->q = q;
        w->qtail = q;
        return;
    }
    send_transfer(sc, t);
}

static void drain_queue(struct scheme *sc, uint32_t u)
{
    struct wallet *w = &S(sc)->wallet[u];
    while (w->q) {
        struct queued *q = w->q;
        w->q = q->next;
        if (!w->q)
            w->qtail = NULL;
        if (S(sc)->halted)
            record_now(sc, &q->t, "failed", "operator halted: it stopped producing blocks");
        else
            send_transfer(sc, &q->t);
        free(q);
    }
}

/* ---- deposits ---- */

static struct xit *exit_new(struct scheme *sc, struct coin *c, enum exit_kind kind);
static void start_exit(struct scheme *sc, struct xit *x);

static void deposit_included(void *ctx, const struct l1_receipt *r)
{
    struct dep *d = ctx;
    struct scheme *sc = d->sc;
    struct state *st = S(sc);
    st->l1_paid += r->total + fault_fire("plasma.receipt");   /* a test's wrong book */
    uint64_t num, gas;
    enum pc_error e = pc_deposit(st->contract, user_key(st, d->user)->pk, d->amount, r->time,
                                 &num, &gas);
    if (e != PC_OK) {             /* reverted: the value comes back, the gas is spent */
        user_settle(sc, d->user, d->reserved, r->total);
    } else {
        user_settle(sc, d->user, d->reserved, r->total + d->amount);
        /* the deposit block as every user's copy of the chain holds it */
        struct pblock *b = block_new(sc, num, true);
        struct ptx *t = ptx_new(0, 1, P_DEPOSIT);
        t->out[0].owner = d->user;
        t->out[0].value = d->amount;
        ptx_seal(st, t, NULL);                 /* no signature: the contract made it */
        t->valid = true;
        block_append(b, t);
        merkle_list_root(LEAVES(b), b->n, b->root);
        b->sealed = b->on_l1 = r->time;
        st->unspent += d->amount;
        wallet_add(st, &t->out[0]);
        if (st->mass && st->mass->detected > 0) {   /* landed into a mass exit: out again */
            st->mass->at_risk += d->amount;
            if (st->mass->attack)
                st->mass->attack->value_at_risk += d->amount;
            struct xit *x = exit_new(sc, &t->out[0], X_MASS_EXIT);
            start_exit(sc, x);
        }
    }
    st->wallet[d->user].deposit_pending = false;
    drain_queue(sc, d->user);
}

static void deposit_dropped(void *ctx, const char *why)
{
    (void)why;
    struct dep *d = ctx;
    user_settle(d->sc, d->user, d->reserved, 0);
    S(d->sc)->wallet[d->user].deposit_pending = false;
    drain_queue(d->sc, d->user);
}

static void on_deposit(struct scheme *sc, const struct deposit *dp)
{
    struct state *st = S(sc);
    if (st->halted)
        return;                  /* nobody deposits into a chain being exited */
    uint8_t owner[32];
    memcpy(owner, user_key(st, dp->user)->pk, 32);
    struct l1_tx tx = { .sender = user_account(sc, dp->user), .origin = L1_ORIGIN_SCHEME(sc->index),
                        .kind = "deposit", .calldata = owner, .calldata_len = 32,
                        .exec_gas = pc_deposit_gas() };
    struct l1_fee_policy fee = fee_now(sc, st->tip, 0);
    uint64_t gas = l1_gas_of(sc->world->l1, &tx);
    struct dep *d = xcalloc(1, sizeof *d);
    d->sc = sc;
    d->user = dp->user;
    d->amount = dp->amount;
    d->reserved = (u128)gas * fee.max_fee + dp->amount;
    if (!user_reserve(sc, dp->user, d->reserved)) {
        free(d);
        return;
    }
    st->wallet[dp->user].deposit_pending = true;
    struct l1_callbacks cb = { deposit_included, NULL, deposit_dropped, d };
    l1_submit_owned(sc->world->l1, &tx, &fee, &cb, free);
}

/* ---- exits ---- */

static void watch_exit(struct scheme *sc, struct xit *x);

static struct xit *exit_new(struct scheme *sc, struct coin *c, enum exit_kind kind)
{
    struct state *st = S(sc);
    struct xit *x = xcalloc(1, sizeof *x);
    x->sc = sc;
    x->id = ++st->nexits;
    x->coin = c;
    x->kind = kind;
    x->status = "pending";
    x->requested = sim_now(sc->world->sim);
    x->started = x->exitable = x->challenged = x->processed = -1;
    x->amount = c->value;
    x->bond = st->bond;
    x->next = st->exits;
    st->exits = x;
    c->exit = x;
    wallet_remove(st, c);
    return x;
}

/* Start x once the coin's block root is on L1 (now, or when it lands). */
static void exit_when_committed(struct scheme *sc, struct xit *x)
{
    struct pblock *b = x->coin->tx->block;
    if (b->on_l1 >= 0) {
        start_exit(sc, x);
    } else {
        x->next_wait = b->waiting;
        b->waiting = x;
    }
}

static void exit_included(void *ctx, const struct l1_receipt *r)
{
    struct xit *x = ctx;
    struct scheme *sc = x->sc;
    struct state *st = S(sc);
    st->l1_paid += r->total;
    x->l1_fee = r->total;
    uint32_t owner = x->coin->owner;
    struct pc_exit *px;
    uint64_t gas;
    enum pc_error e = pc_start_exit(st->contract, x->calldata, x->calldata_len,
                                    user_key(st, owner)->pk, x->bond, r->time, &px, &gas);
    free(x->calldata);
    x->calldata = NULL;
    u128 spent = r->total + (e == PC_OK ? x->bond : 0);    /* a revert returns the bond */
    if (owner == OPERATOR)
        st->op_spent += spent;
    else
        user_settle(sc, owner, x->reserved, spent);
    x->reserved = 0;
    if (e != PC_OK) {
        x->status = "refused";
        x->reason = pc_error_str(e);
        x->coin->exit = NULL;
        return;
    }
    px->ctx = x;
    x->px = px;
    x->status = "started";
    x->started = r->time;
    x->exitable = px->exitable_at;
    if (x->attack && x->kind != X_VICTIM)
        x->attack->cost += spent;
    if (st->mass && x == st->mass->fraud)
        st->mass->deadline = px->exitable_at - st->challenge_period;
    watch_exit(sc, x);
}

static void resend_exit(struct sim *sim, void *ctx, const void *payload);

/* Whether a dropped exit is worth sending again: in a mass exit, the users' exits
 * until the deadline (later ones rank behind the operator's) and the operator's own. */
static bool worth_resending(const struct scheme *sc, const struct xit *x)
{
    const struct state *st = sc->state;
    const struct coin *c = x->coin;
    if (!st->mass || c->exit || c->exited || c->spent_by)
        return false;
    if (x->kind == X_FRAUD)
        return true;
    return x->kind == X_MASS_EXIT &&
           (st->mass->deadline < 0 || sim_now(sc->world->sim) <= st->mass->deadline);
}

static void exit_dropped(void *ctx, const char *why)
{
    (void)why;
    struct xit *x = ctx;
    struct state *st = S(x->sc);
    if (x->coin->owner != OPERATOR)
        user_settle(x->sc, x->coin->owner, x->reserved, 0);
    x->reserved = 0;
    free(x->calldata);
    x->calldata = NULL;
    x->status = "dropped";
    x->reason = "the exit transaction left the L1 pool unincluded";
    x->coin->exit = NULL;
    if (!st->halted && x->coin->owner != OPERATOR && !x->coin->spent_by)
        wallet_add(st, x->coin);
    else if (worth_resending(x->sc, x))   /* as a wallet rebroadcasts, two slots on */
        sim_after(x->sc->world->sim, 2 * l1_slot(x->sc->world->l1), resend_exit, x->sc,
                  &x, sizeof x);
}

/* A mass exit's attempt evicted from the L1 pool goes out again at the most its owner
 * bids (the cap its fee bumps were climbing to), while it can still rank ahead of the
 * operator's exit: a new attempt (its own plasma_exits row); the dropped row stays. */
static void resend_exit(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct scheme *sc = ctx;
    struct xit *x = *(struct xit *const *)payload;
    if (!worth_resending(sc, x))
        return;
    struct xit *y = exit_new(sc, x->coin, x->kind);
    y->attack = x->attack;
    y->at_cap = true;
    x->resent = y;
    if (S(sc)->mass->fraud == x)
        S(sc)->mass->fraud = y;
    start_exit(sc, y);
}

/* The owner's startExit: the proof computed from the block data it holds. */
static void start_exit(struct scheme *sc, struct xit *x)
{
    struct state *st = S(sc);
    struct coin *c = x->coin;
    struct ptx *t = c->tx;
    struct pblock *b = t->block;
    uint8_t proof[64][32];
    size_t np = merkle_list_prove(LEAVES(b), b->n, t->index, proof);
    x->calldata = xmalloc(8 + 2 + PTX_MAX_BYTES + PTX_SIG_BYTES + 64 * 32);
    x->calldata_len = pc_exit_calldata(x->calldata, c->pos, t->bytes, t->len, t->sig,
                                       (const uint8_t (*)[32])proof, np);
    bool op = c->owner == OPERATOR;
    struct l1_tx tx = { .sender = op ? operator_account(sc) : user_account(sc, c->owner),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "exit_start",
                        .calldata = x->calldata, .calldata_len = x->calldata_len,
                        .exec_gas = pc_exit_gas_estimate(np, pc_queued(st->contract)) };
    uint64_t gas = l1_gas_of(sc->world->l1, &tx);
    struct l1_fee_policy fee;
    if (x->kind == X_MASS_EXIT) {
        /* at most exit_fee_share of the coin on gas; bumped 12.5% every 2 blocks */
        u128 budget = (u128)((double)c->value * st->exit_fee_share);
        u128 avail = op ? budget : user_available(sc, c->owner);
        avail = avail > x->bond ? avail - x->bond : 0;
        if (budget > avail)
            budget = avail;                  /* what its L1 account can put up */
        u128 cap = budget / gas;
        uint64_t cap64 = cap > UINT64_MAX ? UINT64_MAX : cap == 0 ? 1 : (uint64_t)cap;
        fee = fee_now(sc, st->urgent_tip, cap64);
        if (x->at_cap)
            fee.max_fee = cap64;
        fee.cap = cap64;
        fee.bump_after = 2;
        fee.bump_pct = 13;
        x->cap = cap64;
    } else if (x->at_cap) {          /* the operator's resent exit */
        fee = fee_now(sc, st->urgent_tip, 0);
        fee.max_fee = fee.max_fee / 100 * (100 + 13);
        x->cap = fee.max_fee;
    } else {
        fee = fee_now(sc, op ? st->urgent_tip : st->tip, 0);
        x->cap = fee.max_fee;
    }
    x->reserved = (u128)gas * x->cap + x->bond;
    if (!op && !user_reserve(sc, c->owner, x->reserved)) {
        x->reserved = 0;
        x->status = "failed";
        x->reason = "insufficient L1 funds for the exit's gas and bond";
        free(x->calldata);
        x->calldata = NULL;
        c->exit = NULL;
        return;
    }
    struct l1_callbacks cb = { exit_included, NULL, exit_dropped, x };
    l1_submit(sc->world->l1, &tx, &fee, &cb);
}

/* ---- challenges ---- */

static void challenge_included(void *ctx, const struct l1_receipt *r)
{
    struct challenge *ch = ctx;
    struct scheme *sc = ch->sc;
    struct state *st = S(sc);
    st->l1_paid += r->total;
    ch->l1_fee = r->total;
    ch->included = r->time;
    struct pc_exit *px;
    uint64_t gas;
    enum pc_error e = pc_challenge(st->contract, ch->calldata, ch->calldata_len, r->time, &px,
                                   &gas);
    free(ch->calldata);
    ch->calldata = NULL;
    if (ch->challenger == OPERATOR)
        st->op_spent += r->total;
    else
        user_settle(sc, ch->challenger, ch->reserved, r->total);
    ch->reserved = 0;
    if (e != PC_OK) {
        ch->result = pc_error_str(e);
        return;
    }
    ch->result = "cancelled";
    ch->bond_won = px->bond;
    if (ch->challenger == OPERATOR)
        st->op_received += px->bond;
    else
        user_credit(sc, ch->challenger, px->bond);
    struct xit *x = px->ctx;
    x->status = "challenged";
    x->challenged = r->time;
    if (x->attack && !x->attack->detected) {
        x->attack->detected = true;
        x->attack->detect = r->time;
        x->attack->resolved = r->time;
    }
}

static void challenge_dropped(void *ctx, const char *why)
{
    (void)why;
    struct challenge *ch = ctx;
    if (ch->challenger != OPERATOR)
        user_settle(ch->sc, ch->challenger, ch->reserved, 0);
    ch->reserved = 0;
    free(ch->calldata);
    ch->calldata = NULL;
    ch->result = "dropped";
}

static void proven_of(const struct ptx *t, uint8_t (*proof)[32], struct pc_proven *p)
{
    p->txpos = ptx_pos(t->block->num, t->index, 0);
    p->tx = t->bytes;
    p->txlen = t->len;
    p->sig = t->sig;
    p->nproof = merkle_list_prove(LEAVES(t->block), t->block->n, t->index, proof);
    p->proof = (const uint8_t (*)[32])proof;
}

static void send_challenge(struct scheme *sc, struct xit *x, uint32_t challenger,
                           const char *kind)
{
    struct state *st = S(sc);
    struct coin *c = x->coin;
    struct challenge *ch = xcalloc(1, sizeof *ch);
    ch->sc = sc;
    ch->id = ++st->nchallenges;
    ch->x = x;
    ch->challenger = challenger;
    ch->kind = kind;
    ch->submitted = sim_now(sc->world->sim);
    ch->included = -1;
    ch->result = "pending";
    ch->next = st->challenges;
    st->challenges = ch;
    ch->calldata = xmalloc(PC_CALLDATA_MAX);
    uint8_t p1[64][32], p2[64][32];
    struct pc_proven a, b;
    size_t nproof;
    if (strcmp(kind, "spent") == 0) {
        const struct ptx *s = c->spent_by;
        proven_of(s, p1, &a);
        uint8_t input = 0;
        while (s->in[input] != c)
            input++;
        ch->calldata_len = pc_challenge_spent_calldata(ch->calldata, c->pos, &a, input);
        nproof = a.nproof;
    } else {
        const struct ptx *forged = c->tx;
        proven_of(forged, p1, &a);
        proven_of(forged->in[0]->tx, p2, &b);
        ch->calldata_len = pc_challenge_invalid_calldata(ch->calldata, c->pos, &a, 0, &b);
        nproof = a.nproof + b.nproof;
    }
    struct l1_tx tx = { .sender = user_account(sc, challenger),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "challenge",
                        .calldata = ch->calldata, .calldata_len = ch->calldata_len,
                        .exec_gas = pc_challenge_gas_estimate(nproof) };
    if (challenger == OPERATOR)
        tx.sender = operator_account(sc);
    uint64_t gas = l1_gas_of(sc->world->l1, &tx);
    struct l1_fee_policy fee = fee_now(sc, st->urgent_tip, 0);
    ch->reserved = challenger == OPERATOR ? 0 : (u128)gas * fee.max_fee;
    if (challenger != OPERATOR && !user_reserve(sc, challenger, ch->reserved)) {
        ch->reserved = 0;
        ch->result = "the challenger could not pay the gas";
        free(ch->calldata);
        ch->calldata = NULL;
        return;
    }
    struct l1_callbacks cb = { challenge_included, NULL, challenge_dropped, ch };
    l1_submit(sc->world->l1, &tx, &fee, &cb);
}

/* Every user watches the exits started on L1 against its copy of the chain: the exit
 * of a coin spent by a valid transaction is challenged by that spend's recipient, the
 * exit of a coin created by a forged spend by the owner of the forged input. The
 * proof needs the evidence's block root on L1, and its data: a withheld block proves
 * nothing. */
static const char *challenge_target(const struct xit *x, bool honest, uint32_t *challenger)
{
    const struct coin *c = x->coin;
    const char *kind = NULL;
    *challenger = OPERATOR;
    if (c->spent_by && c->spent_by->valid && !c->spent_by->block->withheld) {
        const struct ptx *s = c->spent_by;
        *challenger = s->out[0].owner != c->owner ? s->out[0].owner
                    : s->nout > 1 ? s->out[1].owner : OPERATOR;
        kind = "spent";
    } else if (!c->tx->valid && c->tx->nin > 0 && !c->tx->block->withheld) {
        *challenger = c->tx->in[0]->owner;
        kind = "invalid_input";
    }
    if (kind && (*challenger == c->owner || *challenger == OPERATOR))
        *challenger = OPERATOR;          /* the operator watches too, when honest */
    return kind && (*challenger != OPERATOR || honest) ? kind : NULL;
}

static void watch_exit(struct scheme *sc, struct xit *x)
{
    uint32_t challenger;
    const char *kind = challenge_target(x, !S(sc)->mass, &challenger);
    if (!kind)
        return;
    struct pblock *eb = strcmp(kind, "spent") == 0 ? x->coin->spent_by->block : x->coin->tx->block;
    if (eb->on_l1 < 0) {          /* wait for its root */
        x->next_wait = eb->watch;
        eb->watch = x;
        return;
    }
    send_challenge(sc, x, challenger, kind);
}

/* ---- finalizeExits: a keeper pays matured exits ---- */

static void exit_paid(void *ctx, struct pc_exit *px)
{
    struct scheme *sc = ctx;
    struct state *st = S(sc);
    struct xit *x = px->ctx;
    struct coin *c = x->coin;
    x->status = "processed";
    x->processed = sim_now(sc->world->sim);
    x->paid = px->paid;
    if (counted(c)) {
        st->shortfall += px->amount - px->paid;
        COIN_CHANGE(st, c, c->exited = true);
    } else {
        st->stolen += px->paid;
        c->exited = true;
        if (x->attack) {
            x->attack->value_lost += px->paid;
            x->attack->resolved = x->processed;
        }
    }
    if (c->owner == OPERATOR)
        st->op_received += px->paid + px->bond;
    else
        user_credit(sc, c->owner, px->paid + px->bond);
}

struct process_call {
    struct scheme *sc;
    size_t max;
};

static void process_included(void *ctx, const struct l1_receipt *r)
{
    struct process_call *p = ctx;
    struct state *st = S(p->sc);
    st->l1_paid += r->total;
    st->op_spent += r->total;
    uint64_t gas;
    pc_process(st->contract, r->time, p->max, exit_paid, p->sc, &gas);
    st->process_pending = false;
}

static void process_dropped(void *ctx, const char *why)
{
    (void)why;
    struct process_call *p = ctx;
    S(p->sc)->process_pending = false;
}

static void on_l1_block(void *ctx, const struct l1_block_info *bi)
{
    struct scheme *sc = ctx;
    struct state *st = S(sc);
    if (st->process_pending)
        return;
    size_t n = pc_matured(st->contract, bi->time + l1_slot(sc->world->l1), st->process_max);
    /* no more than half a block's gas: a call no block can hold would never land */
    while (n > 1 && pc_process_gas_estimate(n, pc_queued(st->contract)) > bi->gas_limit / 2)
        n--;
    if (n == 0)
        return;
    struct process_call *p = xcalloc(1, sizeof *p);
    p->sc = sc;
    p->max = n;
    uint8_t data[2] = { (uint8_t)n, (uint8_t)(n >> 8) };
    struct l1_tx tx = { .sender = keeper_account(sc), .origin = L1_ORIGIN_SCHEME(sc->index),
                        .kind = "exit_process", .calldata = data, .calldata_len = 2,
                        .exec_gas = pc_process_gas_estimate(n, pc_queued(st->contract)) };
    struct l1_fee_policy fee = fee_now(sc, st->urgent_tip, 0);
    fee.kind = L1_FEE_BASEFEE_MULT;
    fee.mult_pct = st->mult_pct;
    fee.bump_after = 3;
    fee.bump_pct = 13;
    st->process_pending = true;
    struct l1_callbacks cb = { process_included, NULL, process_dropped, p };
    l1_submit_owned(sc->world->l1, &tx, &fee, &cb, free);     /* the L1 frees p */
}

/* ---- blocks ---- */

static void mass_exit_begin(struct scheme *sc, struct pblock *b, sim_time now);

static void root_included(void *ctx, const struct l1_receipt *r)
{
    struct pblock *b = ctx;
    struct scheme *sc = b->sc;
    struct state *st = S(sc);
    st->l1_paid += r->total;
    st->op_spent += r->total;
    b->l1_fee = r->total;
    uint8_t data[PC_SUBMIT_BLOCK_BYTES];
    pc_submit_block_calldata(data, b->num, b->root, (uint32_t)b->n);
    uint64_t gas;
    enum pc_error e = pc_submit_block(st->contract, data, sizeof data, r->time, &gas);
    if (e != PC_OK) {
        world_fail(sc->world, "plasma '%s': block %llu's root refused by the contract: %s",
                   sc->name, (unsigned long long)b->num, pc_error_str(e));
        return;
    }
    b->on_l1 = r->time;
    /* fee_policy cost: the next transactions pay for this root */
    if (st->fee_cost && b->user_txs > 0)
        st->fee = r->total * (100 + st->fee_margin_pct) / 100 / b->user_txs;
    for (size_t i = 0; i < b->n; i++) {
        struct xfer *x = b->tx[i]->xfer;
        if (x && !b->withheld) {
            x->rec.include = r->time;
            x->rec.status = "included";
        }
    }
    if (b->withheld) {
        /* exits waiting on this block cannot be proven: nobody has its data */
        while (b->waiting) {
            struct xit *x = b->waiting;
            b->waiting = x->next_wait;
            x->status = "failed";
            x->reason = "withheld: the operator published no data for its block";
            x->coin->exit = NULL;
        }
        mass_exit_begin(sc, b, r->time);
        return;
    }
    while (b->waiting) {
        struct xit *x = b->waiting;
        b->waiting = x->next_wait;
        start_exit(sc, x);
    }
    while (b->watch) {
        struct xit *x = b->watch;
        b->watch = x->next_wait;
        uint32_t challenger;
        const char *kind = challenge_target(x, !S(sc)->mass, &challenger);
        if (kind && strcmp(x->status, "started") == 0)
            send_challenge(sc, x, challenger, kind);
    }
}

static void root_final(void *ctx, const struct l1_receipt *r)
{
    (void)r;
    struct pblock *b = ctx;
    struct scheme *sc = b->sc;
    b->final = sim_now(sc->world->sim);
    if (b->withheld)
        return;
    for (size_t i = 0; i < b->n; i++) {
        struct xfer *x = b->tx[i]->xfer;
        if (x) {
            x->rec.final = b->final;
            x->rec.status = "final";
            b->tx[i]->xfer = NULL;
            xfer_done(sc, x);
        }
    }
}

static void root_dropped(void *ctx, const char *why);

static void submit_root(struct scheme *sc, struct pblock *b)
{
    struct state *st = S(sc);
    uint8_t data[PC_SUBMIT_BLOCK_BYTES];
    pc_submit_block_calldata(data, b->num, b->root, (uint32_t)b->n);
    struct l1_tx tx = { .sender = operator_account(sc), .origin = L1_ORIGIN_SCHEME(sc->index),
                        .kind = "block_root", .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = 2 * PC_GAS_SSTORE_NEW + PC_GAS_LOG };
    struct l1_fee_policy fee = { .kind = L1_FEE_BASEFEE_MULT, .tip = st->urgent_tip,
                                 .mult_pct = st->mult_pct, .bump_after = 3, .bump_pct = 13 };
    struct l1_callbacks cb = { root_included, root_final, root_dropped, b };
    b->l1 = l1_submit(sc->world->l1, &tx, &fee, &cb);
}

/* A root that left the pool (evicted) is sent again: the contract needs every root in
 * order. */
static void root_dropped(void *ctx, const char *why)
{
    (void)why;
    struct pblock *b = ctx;
    submit_root(b->sc, b);
}

/* Seal the open block: the operator's fee output last, the Merkle root, the
 * transactions soft; its root goes to L1; a new block opens. */
static void seal_block(struct scheme *sc)
{
    struct state *st = S(sc);
    struct pblock *b = st->open;
    if (!b || b->n == 0)
        return;
    if (b->fees > 0) {
        struct ptx *t = ptx_new(0, 1, P_FEE);
        t->out[0].owner = OPERATOR;
        t->out[0].value = b->fees;
        ptx_seal(st, t, &st->op_key);
        t->valid = true;
        block_append(b, t);
        st->open_fees -= b->fees;
        st->unspent += b->fees;
    }
    merkle_list_root(LEAVES(b), b->n, b->root);
    b->sealed = sim_now(sc->world->sim);
    for (size_t i = 0; i < b->n; i++) {
        struct xfer *x = b->tx[i]->xfer;
        if (x) {
            x->rec.soft = b->sealed;
            x->rec.status = "soft";
        }
    }
    submit_root(sc, b);
    st->next_num += BLOCK_INTERVAL;
    st->open = st->halted ? NULL : block_new(sc, st->next_num, false);
}

static void seal_tick(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct scheme *sc = ctx;
    if (S(sc)->halted)
        return;
    seal_block(sc);
    sim_after(sim, S(sc)->block_interval, seal_tick, sc, NULL, 0);
}

/* ---- withdrawals ---- */

/* The user splits off the amount to itself (one transaction), and exits that output
 * once its block's root is on L1. */
static void on_withdrawal(struct scheme *sc, const struct withdrawal *wd)
{
    struct state *st = S(sc);
    if (st->halted || st->wallet[wd->user].deposit_pending)
        return;
    u128 bal = wallet_balance(st, wd->user);
    if (bal <= st->fee)
        return;
    u128 amount = wd->amount < bal - st->fee ? wd->amount : bal - st->fee;
    const char *why;
    struct ptx *t = make_payment(sc, wd->user, wd->user, amount, P_WITHDRAW, &why);
    if (!t)
        return;
    struct xit *x = exit_new(sc, &t->out[0], X_WITHDRAWAL);
    exit_when_committed(sc, x);
}

/* ---- withholding and the mass exit ---- */

/* The users' wallets forget the withheld block: a sender's transaction in it was
 * never confirmed, so its inputs are the sender's to exit (MVP's confirmation
 * signatures, MoreVP's in-flight exits), and its outputs are nobody's. Undone in
 * reverse, so a transaction spending an earlier one's output of the same block is
 * undone first. */
static void undo_withheld(struct scheme *sc, struct pblock *b)
{
    struct state *st = S(sc);
    for (size_t i = b->n; i-- > 0;) {
        struct ptx *t = b->tx[i];
        if (!t->valid)
            continue;
        for (unsigned k = 0; k < t->nin; k++) {     /* spent again by nothing */
            struct coin *c = t->in[k];
            COIN_CHANGE(st, c, c->spent_by = NULL);
            if (!c->exit)
                wallet_add(st, c);
        }
        for (unsigned o = 0; o < t->nout; o++) {
            wallet_remove(st, &t->out[o]);
            if (counted(&t->out[o]))
                st->unspent -= t->out[o].value;
        }
        t->valid = false;
        if (t->xfer) {
            t->xfer->rec.status = "failed";
            t->xfer->rec.reason = "withheld: the operator published no data for its block";
            struct xfer *x = t->xfer;
            t->xfer = NULL;
            xfer_done(sc, x);
        }
    }
}

static void user_exits(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct scheme *sc = ctx;
    struct state *st = S(sc);
    uint32_t u = *(const uint32_t *)payload;
    while (st->wallet[u].coins) {
        struct xit *x = exit_new(sc, st->wallet[u].coins, X_MASS_EXIT);
        exit_when_committed(sc, x);
    }
}

/* The withheld block's root is on L1 and its data nowhere: every user holding coins
 * exits all of them, each after its own reaction time. */
static void mass_exit_begin(struct scheme *sc, struct pblock *b, sim_time now)
{
    struct state *st = S(sc);
    struct mass *m = st->mass;
    m->block = b->num;
    m->detected = now;
    undo_withheld(sc, b);
    if (m->attack && !m->attack->detected) {
        m->attack->detected = true;
        m->attack->detect = now;
    }
    for (uint32_t u = 0; u < st->nusers; u++) {
        if (!st->wallet[u].coins)
            continue;
        m->users++;
        for (struct coin *c = st->wallet[u].coins; c; c = c->next) {
            m->coins++;
            m->at_risk += c->value;
        }
        gsl_rng *r = scheme_stream(sc, SCHEME_ENTITY(ENTITY_USER, u), RNG_REACT);
        sim_time delay = st->react > 0 ? (sim_time)gsl_ran_exponential(r, (double)st->react) : 0;
        gsl_rng_free(r);
        sim_at(sc->world->sim, now + delay, user_exits, sc, &u, sizeof u);
    }
    if (m->attack)
        m->attack->value_at_risk = m->at_risk;
    /* the operator exits what it created out of nowhere */
    struct ptx *forged = NULL;
    for (size_t i = 0; i < b->n; i++)
        if (b->tx[i]->purpose == P_FORGED)
            forged = b->tx[i];
    if (forged) {
        m->fraud = exit_new(sc, &forged->out[0], X_FRAUD);
        m->fraud->attack = m->attack;
        start_exit(sc, m->fraud);
    }
}

/* ---- hooks for adversaries ---- */

static void hook_withhold(struct scheme *sc, struct plasma_attack *a, u128 claim)
{
    struct state *st = S(sc);
    a->start = sim_now(sc->world->sim);
    if (st->halted || st->mass) {
        snprintf(a->detail, sizeof a->detail, "the operator had already stopped");
        return;
    }
    a->acted = true;
    st->mass = xcalloc(1, sizeof *st->mass);
    st->mass->attack = a;
    st->mass->deadline = -1;
    u128 avail = pc_holdings(st->contract) - pc_bonds_held(st->contract);
    if (claim == 0 || claim > avail)
        claim = avail;
    struct ptx *t = ptx_new(0, 1, P_FORGED);
    t->out[0].owner = OPERATOR;
    t->out[0].value = claim;
    ptx_seal(st, t, &st->op_key);
    t->valid = false;                    /* created out of nowhere */
    block_append(st->open, t);
    st->open->withheld = true;
    st->halted = true;
    seal_block(sc);
    char v[41];
    snprintf(a->detail, sizeof a->detail, "block %llu withheld with %s wei created for the "
             "operator; users must exit before its exit matures",
             (unsigned long long)t->block->num, u128_str(claim, v));
}

static void hook_include_invalid(struct scheme *sc, struct plasma_attack *a)
{
    struct state *st = S(sc);
    a->start = sim_now(sc->world->sim);
    if (st->halted) {
        snprintf(a->detail, sizeof a->detail, "the operator had stopped");
        return;
    }
    /* the victim: the largest coin users hold whose block root is on L1 */
    struct coin *victim = NULL;
    for (uint32_t u = 0; u < st->nusers; u++)
        for (struct coin *c = st->wallet[u].coins; c; c = c->next)
            if (c->tx->block->on_l1 >= 0 && (!victim || c->value > victim->value))
                victim = c;
    if (!victim) {
        snprintf(a->detail, sizeof a->detail, "no user coin committed on L1 to steal");
        return;
    }
    a->acted = true;
    struct ptx *t = ptx_new(1, 1, P_FORGED);
    t->in[0] = victim;
    t->out[0].owner = OPERATOR;
    t->out[0].value = victim->value;
    ptx_seal(st, t, &st->op_key);        /* the operator's signature, not the owner's */
    t->valid = false;
    victim->spent_by = t;                /* on the operator's chain; still counted */
    wallet_remove(st, victim);
    block_append(st->open, t);
    a->value_at_risk = victim->value;
    char v[41];
    snprintf(a->detail, sizeof a->detail, "user %u's coin of %s wei spent to the operator "
             "without the owner's signature in block %llu", victim->owner,
             u128_str(victim->value, v), (unsigned long long)t->block->num);
    /* both exit once the block with the forged spend is committed: the operator the
     * forged output, the victim its own coin (it learns of the spend from that block's
     * published data, not before: its exit waits on that block, not on its coin's) */
    struct xit *fx = exit_new(sc, &t->out[0], X_FRAUD);
    fx->attack = a;
    exit_when_committed(sc, fx);
    struct xit *vx = exit_new(sc, victim, X_VICTIM);
    vx->attack = a;
    vx->next_wait = t->block->waiting;
    t->block->waiting = vx;
}

static void hook_exit_spent(struct scheme *sc, struct plasma_attack *a)
{
    struct state *st = S(sc);
    a->start = sim_now(sc->world->sim);
    /* the largest coin a user spent in a valid transaction whose root is on L1 */
    struct coin *best = NULL;
    for (size_t i = st->nblocks; i-- > 0 && !best;) {
        struct pblock *b = st->blocks[i];
        if (b->deposit || b->on_l1 < 0 || b->withheld)
            continue;
        for (size_t k = 0; k < b->n; k++) {
            struct ptx *t = b->tx[k];
            for (unsigned j = 0; t->valid && j < t->nin; j++) {
                struct coin *c = t->in[j];
                if (c->owner != OPERATOR && !c->exit && c->tx->block->on_l1 >= 0 &&
                    t->out[0].owner != c->owner && (!best || c->value > best->value))
                    best = c;
            }
        }
    }
    if (!best) {
        snprintf(a->detail, sizeof a->detail, "no spent coin committed on L1");
        return;
    }
    a->acted = true;
    a->value_at_risk = best->value;
    char v[41];
    snprintf(a->detail, sizeof a->detail, "user %u exits its coin of %s wei at position %llu, "
             "spent in block %llu", best->owner, u128_str(best->value, v),
             (unsigned long long)best->pos, (unsigned long long)best->spent_by->block->num);
    struct xit *x = exit_new(sc, best, X_SPENT_COIN);
    x->attack = a;
    exit_when_committed(sc, x);
}

static const struct scheme_hook hooks[] = {
    SCHEME_HOOK("operator.withhold", plasma_withhold_fn, hook_withhold,
                "seal the open block with value created out of nowhere, commit it, withhold "
                "its data, stop, and exit the created value"),
    SCHEME_HOOK("operator.include_invalid", plasma_include_invalid_fn, hook_include_invalid,
                "include a spend of a user's coin not signed by its owner, and exit it"),
    SCHEME_HOOK("user.exit_spent", plasma_exit_spent_fn, hook_exit_spent,
                "a user exits a coin it has already spent"),
};

/* ---- life cycle ---- */

static int init(struct scheme *sc, struct err *e)
{
    (void)e;
    const struct scn *s = sc->world->scn;
    size_t i = sc->index;
    struct state *st = xcalloc(1, sizeof *st);
    sc->state = st;
    enum sig_mode mode = SIG_ED25519;
    sig_mode_parse(scn_str(s, "crypto"), &mode);
    sig_ctx_init(&st->sig, mode, sc->world->seed);
    sig_keypair_derive(&st->sig, KEY_KIND_OPERATOR, sc->index, &st->op_key);
    st->nusers = users_count(sc->world->users);
    st->keys = xcalloc(st->nusers, sizeof *st->keys);
    st->wallet = xcalloc(st->nusers, sizeof *st->wallet);
    st->block_interval = scn_int(s, "schemes[%zu].block_interval", i);
    st->challenge_period = scn_int(s, "schemes[%zu].challenge_period", i);
    st->react = scn_int(s, "schemes[%zu].react", i);
    st->fee = scn_amount(s, "schemes[%zu].fee", i);
    st->fee_cost = strcmp(scn_str(s, "schemes[%zu].fee_policy", i), "cost") == 0;
    st->fee_margin_pct = (uint32_t)(scn_real(s, "schemes[%zu].fee_margin", i) * 100 + 0.5);
    st->bond = scn_amount(s, "schemes[%zu].exit_bond", i);
    st->tip = (uint64_t)scn_amount(s, "schemes[%zu].tip", i);
    st->urgent_tip = (uint64_t)scn_amount(s, "schemes[%zu].urgent_tip", i);
    st->mult_pct = (uint32_t)(scn_real(s, "schemes[%zu].max_fee_multiplier", i) * 100 + 0.5);
    st->max_inputs = (uint32_t)scn_uint(s, "schemes[%zu].max_inputs", i);
    st->process_max = (uint32_t)scn_uint(s, "schemes[%zu].process_max", i);
    st->exit_fee_share = scn_real(s, "schemes[%zu].exit_fee_share", i);
    st->contract = pc_new(&st->sig, BLOCK_INTERVAL, st->bond, st->challenge_period);
    st->next_num = BLOCK_INTERVAL;
    st->open = block_new(sc, st->next_num, false);
    l1_on_block(sc->world->l1, on_l1_block, sc);
    sim_at(sc->world->sim, st->block_interval, seal_tick, sc, NULL, 0);
    return 0;
}

/* ---- the tables ---- */

static void write_blocks(struct scheme *sc)
{
    struct state *st = S(sc);
    struct world *w = sc->world;
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO plasma_blocks(run_id, scheme, num, txs, transfers, fees_wei, sealed_us,"
        " root, l1_tx_id, on_l1_us, final_us, withheld, l1_fee_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (size_t i = 0; i < st->nblocks; i++) {
        struct pblock *b = st->blocks[i];
        if (b->deposit || b->sealed < 0)
            continue;
        char hex[65];
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)b->num);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)b->n);
        sqlite3_bind_int64(q, 5, b->transfers);
        money_bind(q, 6, b->fees);
        sqlite3_bind_int64(q, 7, b->sealed);
        sqlite3_bind_text(q, 8, hash_hex(hex, b->root, 32), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 9, (sqlite3_int64)b->l1);
        if (b->on_l1 >= 0)
            sqlite3_bind_int64(q, 10, b->on_l1);
        if (b->final >= 0)
            sqlite3_bind_int64(q, 11, b->final);
        sqlite3_bind_int(q, 12, b->withheld);
        money_bind(q, 13, b->l1_fee);
        store_step(w->store, q);
    }
}

static void write_exits(struct scheme *sc)
{
    struct state *st = S(sc);
    struct world *w = sc->world;
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO plasma_exits(run_id, scheme, exit_id, owner, kind, utxo_pos, amount_wei,"
        " bond_wei, requested_us, started_us, exitable_us, challenged_us, processed_us, status,"
        " reason, paid_wei, l1_fee_wei, deadline_us, in_time) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    size_t n = st->nexits;
    struct xit **v = xmalloc((n ? n : 1) * sizeof *v);
    for (struct xit *x = st->exits; x; x = x->next)
        v[x->id - 1] = x;
    sim_time deadline = st->mass ? st->mass->deadline : -1;
    const struct pc_exit *fraud = st->mass && st->mass->fraud ? st->mass->fraud->px : NULL;
    for (size_t i = 0; i < n; i++) {
        struct xit *x = v[i];
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)x->id);
        if (x->coin->owner != OPERATOR)
            sqlite3_bind_int64(q, 4, x->coin->owner);
        sqlite3_bind_text(q, 5, exit_kind_name[x->kind], -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)x->coin->pos);
        money_bind(q, 7, x->amount);
        money_bind(q, 8, x->bond);
        sqlite3_bind_int64(q, 9, x->requested);
        const sim_time tt[4] = { x->started, x->exitable, x->challenged, x->processed };
        for (int k = 0; k < 4; k++)
            if (tt[k] >= 0)
                sqlite3_bind_int64(q, 10 + k, tt[k]);
        sqlite3_bind_text(q, 14, x->status, -1, SQLITE_STATIC);
        if (x->reason)
            sqlite3_bind_text(q, 15, x->reason, -1, SQLITE_STATIC);
        money_bind(q, 16, x->paid);
        money_bind(q, 17, x->l1_fee);
        if (x->kind == X_MASS_EXIT && fraud) {
            sqlite3_bind_int64(q, 18, deadline);
            sqlite3_bind_int(q, 19, x->px && pc_exit_precedes(x->px, fraud));
        }
        store_step(w->store, q);
    }
    free(v);
}

static void write_challenges(struct scheme *sc)
{
    struct state *st = S(sc);
    struct world *w = sc->world;
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO plasma_challenges(run_id, scheme, challenge_id, exit_id, challenger, kind,"
        " submitted_us, included_us, result, bond_won_wei, l1_fee_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    size_t n = st->nchallenges;
    struct challenge **v = xmalloc((n ? n : 1) * sizeof *v);
    for (struct challenge *c = st->challenges; c; c = c->next)
        v[c->id - 1] = c;
    for (size_t i = 0; i < n; i++) {
        struct challenge *c = v[i];
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)c->id);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)c->x->id);
        if (c->challenger != OPERATOR)
            sqlite3_bind_int64(q, 5, c->challenger);
        sqlite3_bind_text(q, 6, c->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 7, c->submitted);
        if (c->included >= 0)
            sqlite3_bind_int64(q, 8, c->included);
        sqlite3_bind_text(q, 9, c->result, -1, SQLITE_STATIC);
        money_bind(q, 10, c->bond_won);
        money_bind(q, 11, c->l1_fee);
        store_step(w->store, q);
    }
    free(v);
}

static void write_mass_exit(struct scheme *sc)
{
    struct state *st = S(sc);
    struct mass *m = st->mass;
    if (!m || m->detected == 0)
        return;
    struct world *w = sc->world;
    /* per coin, its last attempt: in time = what the contract paid to exits it ranks
     * ahead of the operator's (paid before it, from a contract not yet drained);
     * late = the rest of the value (ranked behind, never started, or not yet paid) */
    const struct pc_exit *fraud = m->fraud ? m->fraud->px : NULL;
    u128 in_time = 0, late = 0, paid = 0;
    for (struct xit *x = st->exits; x; x = x->next) {
        if (x->kind != X_MASS_EXIT || x->resent)
            continue;
        paid += x->paid;
        if (fraud && x->px && pc_exit_precedes(x->px, fraud)) {
            in_time += x->paid;
            late += x->amount - x->paid;
        } else {
            late += x->amount;
        }
    }
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO plasma_mass_exits(run_id, scheme, withheld_block, detected_us, deadline_us,"
        " users, coins, value_at_risk_wei, exited_in_time_wei, exited_late_wei, paid_wei,"
        " share_in_time) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(q, 1, w->run_id);
    sqlite3_bind_text(q, 2, sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)m->block);
    sqlite3_bind_int64(q, 4, m->detected);
    if (m->deadline >= 0)
        sqlite3_bind_int64(q, 5, m->deadline);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)m->users);
    sqlite3_bind_int64(q, 7, (sqlite3_int64)m->coins);
    money_bind(q, 8, m->at_risk);
    money_bind(q, 9, in_time);
    money_bind(q, 10, late);
    money_bind(q, 11, paid);
    if (m->at_risk > 0 && fraud)
        sqlite3_bind_double(q, 12, (double)in_time / (double)m->at_risk);
    store_step(w->store, q);
}

static int cmp_xfer(const void *a, const void *b)
{
    const struct xfer *x = *(const struct xfer *const *)a, *y = *(const struct xfer *const *)b;
    return (x->rec.tx_id > y->rec.tx_id) - (x->rec.tx_id < y->rec.tx_id);
}

static void finish(struct scheme *sc)
{
    struct state *st = S(sc);
    /* transfers still waiting for a deposit, then those in flight, by transfer id */
    size_t n = 0;
    for (uint32_t u = 0; u < st->nusers; u++)
        for (struct queued *q = st->wallet[u].q; q; q = q->next)
            n++;
    for (struct xfer *x = st->inflight; x; x = x->next)
        n++;
    struct xfer **v = xmalloc((n ? n : 1) * sizeof *v);
    struct xfer *extra = xcalloc(n ? n : 1, sizeof *extra);
    size_t k = 0, e = 0;
    for (uint32_t u = 0; u < st->nusers; u++)
        for (struct queued *q = st->wallet[u].q; q; q = q->next) {
            extra[e].rec = (struct tx_record){ .tx_id = q->t.id, .from = q->t.from,
                .to = q->t.to, .value = q->t.value, .submit = q->t.at, .soft = -1,
                .include = -1, .final = -1, .status = "pending" };
            v[k++] = &extra[e++];
        }
    for (struct xfer *x = st->inflight; x; x = x->next)
        v[k++] = x;
    qsort(v, k, sizeof *v, cmp_xfer);
    for (size_t i = 0; i < k; i++)
        txlog_write(sc->world, sc, &v[i]->rec);
    free(v);
    free(extra);
    write_blocks(sc);
    write_exits(sc);
    write_challenges(sc);
    write_mass_exit(sc);
}

/* The contract holds the unspent coins and the bonds, less what exits of coins that
 * were not unspent took, plus what valid exits could not be paid; and what the
 * scheme's receipts say it paid the L1 is what the L1 charged it. */
static int check(struct scheme *sc, struct inv_fail *f)
{
    struct state *st = S(sc);
    char a[41], b[41], c[41], d[41], g[41], h[41];
    u128 held = pc_holdings(st->contract), bonds = pc_bonds_held(st->contract);
    if (held + st->stolen != st->unspent + st->open_fees + bonds + st->shortfall)
        return INV_FAIL(f, "money conserved between the Plasma chain and its contract",
                        "scheme '%s': contract holds %s wei + %s paid to exits of spent or "
                        "forged coins; unspent coins %s + open fees %s + bonds %s + "
                        "unpaid exits %s", sc->name, u128_str(held, a), u128_str(st->stolen, b),
                        u128_str(st->unspent, c), u128_str(st->open_fees, d),
                        u128_str(bonds, g), u128_str(st->shortfall, h));
    u128 charged = l1_paid_by(sc->world->l1, L1_ORIGIN_SCHEME(sc->index));
    if (charged != st->l1_paid)
        return INV_FAIL(f, "money conserved between the L1 and a scheme", "scheme '%s': "
                        "receipts total %s wei, the L1 charged %s wei", sc->name,
                        u128_str(st->l1_paid, a), u128_str(charged, b));
    return 0;
}

static void destroy(struct scheme *sc)
{
    struct state *st = S(sc);
    if (!st)
        return;
    for (size_t i = 0; i < st->nblocks; i++) {
        struct pblock *b = st->blocks[i];
        for (size_t k = 0; k < b->n; k++) {
            if (b->tx[k]->xfer)
                b->tx[k]->xfer = NULL;
            free(b->tx[k]);
        }
        free(b->tx);
        free(b->leaf);
        free(b);
    }
    free(st->blocks);
    while (st->inflight) {
        struct xfer *x = st->inflight;
        st->inflight = x->next;
        free(x);
    }
    while (st->exits) {
        struct xit *x = st->exits;
        st->exits = x->next;
        free(x->calldata);
        free(x);
    }
    while (st->challenges) {
        struct challenge *c = st->challenges;
        st->challenges = c->next;
        free(c->calldata);
        free(c);
    }
    for (uint32_t u = 0; u < st->nusers; u++) {
        free(st->keys[u]);
        while (st->wallet[u].q) {
            struct queued *q = st->wallet[u].q;
            st->wallet[u].q = q->next;
            free(q);
        }
    }
    free(st->keys);
    free(st->wallet);
    free(st->mass);
    pc_free(st->contract);
    free(st);
}

const struct scheme_ops scheme_plasma_ops = {
    .type = "plasma",
    .doc = "Plasma MVP: an operator's UTXO chain with block roots on L1, exits with a bond, "
           "challenges and priority",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &plasma_sql, .metrics = plasma_metrics, .report = &plasma_report,
    .costs = &plasma_costs,
    .estimate = plasma_estimate,
    .hooks = hooks, .nhooks = ARRAY_LEN(hooks),
};

/* bft.c — see bft.h. The "upon" rules of Algorithm 1 (Buchman, Kwon, Milosevic 2018)
 * are re-evaluated after every input until none applies, so the order in which
 * messages arrive never matters beyond what the paper allows. */
#include "models/sidechain/bft.h"

#include <stdlib.h>
#include <string.h>
#include "sim/util.h"

/* Rounds further ahead than this are ignored (a Byzantine sender could name round
 * 2^31); gossip delivers them again once the validator gets near. */
#define ROUND_AHEAD_MAX 1024u
#define PROPOSALS_MAX 4u

/* What one validator has received in one round of the current height. */
struct round_state {
    bool            has_proposal;
    struct bft_msg  proposal;       /* the first one received: the one prevoted on */
    /* Every distinct proposal seen, the first included: an equivocating proposer
     * sends different ones to different validators, and lines 36 and 49 of the
     * paper apply to any of them (a validator that prevoted on one must still decide
     * the other when 2f+1 precommit it). Beyond PROPOSALS_MAX, extra ones are dropped;
     * the decision certificate (bft_rebroadcast) brings the decided one back. */
    struct bft_msg  proposals[PROPOSALS_MAX];
    size_t          nproposals;
    bool           *has_prevote, *has_precommit;   /* n each */
    struct bft_msg *prevote, *precommit;           /* n each */
    bool            prevote_timeout_set, precommit_timeout_set, valid_set;
};

struct bft {
    struct bft_config  cfg;
    struct sig_ctx     sig;
    const struct bft_set *set;
    size_t             self;
    struct sig_keypair kp;
    bft_get_value_fn  *get_value;
    void              *get_value_ctx;

    uint64_t      height;
    uint32_t      round;
    enum bft_step step;
    bool          started;
    bool          commit_wait;    /* decided; round 0 of `height` starts at TIMEOUT_COMMIT */
    int32_t       locked_round, valid_round;
    uint8_t       locked_value[BFT_HASH_BYTES], valid_value[BFT_HASH_BYTES];

    struct round_state *rounds;     /* index = round, grown on demand */
    size_t              nrounds;

    struct bft_msg *next;           /* messages of height + 1, kept for later */
    size_t          nnext, next_cap;

    uint8_t       (*decided)[BFT_HASH_BYTES];   /* decided[h - 1] */
    size_t          ndecided, decided_cap;
    struct bft_msg *cert;           /* the proposal and precommits that decided height-1 */
    size_t          ncert;

    uint64_t bad_signatures;
    bft_verify_fn *verify;
    void          *verify_ctx;
};

/* ---- the validator set ---- */

uint64_t bft_set_total(const uint64_t *power, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        SIM_ASSERT(power[i] >= 1 && t + power[i] > t);
        t += power[i];
    }
    return t;
}

/* 128-bit products: 3 * power cannot overflow however large the stake. */
bool bft_quorum(uint64_t power, uint64_t total)
{
    return (u128)3 * power > (u128)2 * total;
}

bool bft_one_third(uint64_t power, uint64_t total)
{
    return (u128)3 * power > (u128)total;
}

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

size_t bft_proposer(const struct bft_set *set, uint64_t chain_id, uint64_t height,
                    uint32_t round)
{
    uint8_t in[18 + 8 + 8 + 4], h[HASH_SHA256_BYTES];
    memcpy(in, "l2sim/bft/proposer", 18);
    le64(in + 18, chain_id);
    le64(in + 26, height);
    le32(in + 34, round);
    hash_sha256(h, in, sizeof in);
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | h[i];
    /* The modulo bias is below total / 2^64: immaterial for any stake in a run. */
    uint64_t at = x % set->total, acc = 0;
    for (size_t i = 0; i < set->n; i++) {
        acc += set->power[i];
        if (at < acc)
            return i;
    }
    sim_panic("bft_proposer: total %llu is not the sum of the powers",
              (unsigned long long)set->total);
}

/* ---- messages ---- */

void bft_msg_encode(uint64_t chain_id, const struct bft_msg *m, uint8_t out[BFT_SIGNED_BYTES])
{
    memcpy(out, "l2sim/bft/v1", 12);
    le64(out + 12, chain_id);
    le64(out + 20, m->height);
    le32(out + 28, m->round);
    out[32] = (uint8_t)m->type;
    le32(out + 33, (uint32_t)m->valid_round);
    out[37] = m->nil ? 1 : 0;
    memcpy(out + 38, m->hash, BFT_HASH_BYTES);
}

void bft_msg_sign(const struct sig_ctx *c, uint64_t chain_id, const struct sig_keypair *kp,
                  struct bft_msg *m)
{
    uint8_t enc[BFT_SIGNED_BYTES];
    bft_msg_encode(chain_id, m, enc);
    sig_sign(c, kp, enc, sizeof enc, m->sig);
}

bool bft_msg_verify(const struct sig_ctx *c, uint64_t chain_id, const struct bft_set *set,
                    const struct bft_msg *m)
{
    if (m->sender >= set->n)
        return false;
    uint8_t enc[BFT_SIGNED_BYTES];
    bft_msg_encode(chain_id, m, enc);
    return sig_verify(c, set->pk[m->sender], enc, sizeof enc, m->sig);
}

/* ---- state ---- */

struct bft *bft_new(const struct bft_config *cfg, const struct sig_ctx *sig,
                    const struct bft_set *set, size_t self, const struct sig_keypair *kp,
                    bft_get_value_fn *get_value, void *get_value_ctx)
{
    SIM_ASSERT(set->n >= 1 && set->n <= BFT_VALIDATORS_MAX && self < set->n);
    SIM_ASSERT(set->total == bft_set_total(set->power, set->n));
    struct bft *b = xcalloc(1, sizeof *b);
    b->cfg = *cfg;
    b->sig = *sig;
    b->set = set;
    b->self = self;
    b->kp = *kp;
    b->get_value = get_value;
    b->get_value_ctx = get_value_ctx;
    b->height = 1;
    b->locked_round = b->valid_round = BFT_NIL_ROUND;
    b->cert = xcalloc(set->n + 1, sizeof *b->cert);
    return b;
}

static void rounds_clear(struct bft *b)
{
    for (size_t r = 0; r < b->nrounds; r++) {
        struct round_state *s = &b->rounds[r];
        free(s->has_prevote);
        free(s->has_precommit);
        free(s->prevote);
        free(s->precommit);
    }
    free(b->rounds);
    b->rounds = NULL;
    b->nrounds = 0;
}

void bft_free(struct bft *b)
{
    if (!b)
        return;
    rounds_clear(b);
    free(b->next);
    free(b->decided);
    free(b->cert);
    free(b);
}

/* The state of round r, created (with every round below it) on first use. */
static struct round_state *round_at(struct bft *b, uint32_t r)
{
    if (r >= b->nrounds) {
        size_t n = b->set->n, old = b->nrounds;
        b->rounds = xrealloc(b->rounds, ((size_t)r + 1) * sizeof *b->rounds);
        for (size_t i = old; i <= r; i++) {
            struct round_state *s = &b->rounds[i];
            memset(s, 0, sizeof *s);
            s->has_prevote = xcalloc(n, sizeof *s->has_prevote);
            s->has_precommit = xcalloc(n, sizeof *s->has_precommit);
            s->prevote = xcalloc(n, sizeof *s->prevote);
            s->precommit = xcalloc(n, sizeof *s->precommit);
        }
        b->nrounds = (size_t)r + 1;
    }
    return &b->rounds[r];
}

static void out_clear(struct bft_out *out)
{
    out->nmsgs = out->ntimeouts = out->ndecisions = 0;
}

static void out_msg(struct bft_out *out, const struct bft_msg *m)
{
    SIM_ASSERT(out->nmsgs < BFT_OUT_MAX);
    out->msgs[out->nmsgs++] = *m;
}

static void schedule(struct bft *b, struct bft_out *out, enum bft_timeout_kind kind)
{
    int64_t base = kind == BFT_TIMEOUT_PROPOSE   ? b->cfg.timeout_propose_us
                 : kind == BFT_TIMEOUT_PREVOTE   ? b->cfg.timeout_prevote_us
                 : kind == BFT_TIMEOUT_PRECOMMIT ? b->cfg.timeout_precommit_us
                                                 : b->cfg.timeout_commit_us;
    SIM_ASSERT(out->ntimeouts < BFT_OUT_MAX);
    out->timeouts[out->ntimeouts++] = (struct bft_timeout){
        .kind = kind, .height = b->height, .round = b->round,
        .delay_us = base + (kind == BFT_TIMEOUT_COMMIT ? 0
                                                       : (int64_t)b->round * b->cfg.timeout_delta_us) };
}

/* Record a message already checked (signature, sender, height, round bound). False
 * when it adds nothing: a second proposal or vote of the same sender and round (the
 * first one stands; an equivocator's second message is not counted), or a proposal
 * not from the round's proposer. */
static bool record(struct bft *b, const struct bft_msg *m)
{
    struct round_state *s = round_at(b, m->round);
    switch (m->type) {
    case BFT_PROPOSAL:
        if (m->sender != bft_proposer(b->set, b->cfg.chain_id, m->height, m->round) ||
            m->valid_round < BFT_NIL_ROUND || m->valid_round >= (int32_t)m->round || m->nil ||
            s->nproposals == PROPOSALS_MAX)
            return false;
        for (size_t i = 0; i < s->nproposals; i++)
            if (memcmp(s->proposals[i].hash, m->hash, BFT_HASH_BYTES) == 0)
                return false;
        s->proposals[s->nproposals++] = *m;
        if (!s->has_proposal) {
            s->has_proposal = true;
            s->proposal = *m;
        }
        return true;
    case BFT_PREVOTE_MSG:
        if (s->has_prevote[m->sender])
            return false;
        s->has_prevote[m->sender] = true;
        s->prevote[m->sender] = *m;
        return true;
    case BFT_PRECOMMIT_MSG:
        if (s->has_precommit[m->sender])
            return false;
        s->has_precommit[m->sender] = true;
        s->precommit[m->sender] = *m;
        return true;
    }
    return false;
}

/* Sign a message of this validator's current height and round, record it as received
 * from itself, and hand it out for broadcast. */
static void send(struct bft *b, struct bft_out *out, enum bft_msg_type type, bool nil,
                 const uint8_t *hash, int32_t valid_round)
{
    struct bft_msg m = { .type = type, .height = b->height, .round = b->round,
                         .valid_round = valid_round, .nil = nil,
                         .sender = (uint32_t)b->self };
    if (!nil)
        memcpy(m.hash, hash, BFT_HASH_BYTES);
    bft_msg_sign(&b->sig, b->cfg.chain_id, &b->kp, &m);
    bool fresh = record(b, &m);
    SIM_ASSERT(fresh);
    out_msg(out, &m);
}

/* Stake of the votes of one kind in round state s: for the value hash (nil false),
 * for nil (nil true, hash NULL), or for anything (any true). O(n). */
static uint64_t tally(const struct bft *b, const struct round_state *s,
                      enum bft_msg_type type, bool any, bool nil, const uint8_t *hash)
{
    const bool *has = type == BFT_PREVOTE_MSG ? s->has_prevote : s->has_precommit;
    const struct bft_msg *v = type == BFT_PREVOTE_MSG ? s->prevote : s->precommit;
    uint64_t p = 0;
    for (size_t i = 0; i < b->set->n; i++) {
        if (!has[i])
            continue;
        if (any || (nil ? v[i].nil : !v[i].nil && memcmp(v[i].hash, hash, BFT_HASH_BYTES) == 0))
            p += b->set->power[i];
    }
    return p;
}

static bool quorum_for(const struct bft *b, const struct round_state *s,
                       enum bft_msg_type type, const uint8_t *hash)
{
    return bft_quorum(tally(b, s, type, false, false, hash), b->set->total);
}

/* StartRound(r) of Algorithm 1. */
static void start_round(struct bft *b, struct bft_out *out, uint32_t r)
{
    b->round = r;
    b->step = BFT_PROPOSE;
    round_at(b, r);
    if (bft_proposer(b->set, b->cfg.chain_id, b->height, r) == b->self) {
        uint8_t v[BFT_HASH_BYTES];
        if (b->valid_round != BFT_NIL_ROUND)
            memcpy(v, b->valid_value, sizeof v);
        else
            b->get_value(b->get_value_ctx, b->height, r, v);
        send(b, out, BFT_PROPOSAL, false, v, b->valid_round);
    } else {
        schedule(b, out, BFT_TIMEOUT_PROPOSE);
    }
}

/* decision_p[h] := v, then the next height from round 0 with nothing locked; the
 * messages kept for that height are recorded now. */
static void decide(struct bft *b, struct bft_out *out, uint32_t r, size_t k)
{
    struct round_state *s = &b->rounds[r];
    const struct bft_msg prop = s->proposals[k];
    const uint8_t *v = prop.hash;
    if (b->ndecided == b->decided_cap) {
        b->decided_cap = b->decided_cap ? 2 * b->decided_cap : 16;
        b->decided = xrealloc(b->decided, b->decided_cap * sizeof *b->decided);
    }
    memcpy(b->decided[b->ndecided++], v, BFT_HASH_BYTES);
    SIM_ASSERT(out->ndecisions < ARRAY_LEN(out->decisions));
    struct bft_decision *d = &out->decisions[out->ndecisions++];
    d->height = b->height;
    d->round = r;
    memcpy(d->hash, v, BFT_HASH_BYTES);
    d->proposer = prop.sender;

    /* The certificate a lagging validator needs to decide the same: the proposal and
     * the precommits for it. */
    b->ncert = 0;
    b->cert[b->ncert++] = prop;
    for (size_t i = 0; i < b->set->n; i++)
        if (s->has_precommit[i] && !s->precommit[i].nil &&
            memcmp(s->precommit[i].hash, v, BFT_HASH_BYTES) == 0)
            b->cert[b->ncert++] = s->precommit[i];

    b->height++;
    b->locked_round = b->valid_round = BFT_NIL_ROUND;
    memset(b->locked_value, 0, BFT_HASH_BYTES);
    memset(b->valid_value, 0, BFT_HASH_BYTES);
    rounds_clear(b);
    if (b->cfg.timeout_commit_us > 0) {
        /* the block time: round 0 starts when the commit timeout fires; what arrives
         * for the new height meanwhile is recorded, the rules wait */
        b->round = 0;
        b->step = BFT_PROPOSE;
        b->commit_wait = true;
        round_at(b, 0);
        schedule(b, out, BFT_TIMEOUT_COMMIT);
    } else {
        start_round(b, out, 0);
    }
    size_t n = b->nnext;
    b->nnext = 0;
    for (size_t i = 0; i < n; i++) {
        if (b->next[i].height == b->height)
            record(b, &b->next[i]);
    }
}

/* One applicable rule of Algorithm 1 applied, or false when none applies. */
static bool apply_one_rule(struct bft *b, struct bft_out *out)
{
    /* Lines 49-54: a proposal and 2f+1 precommits for it, in any round, decide. */
    for (uint32_t r = 0; r < b->nrounds; r++) {
        struct round_state *s = &b->rounds[r];
        for (size_t k = 0; k < s->nproposals; k++)
            if (quorum_for(b, s, BFT_PRECOMMIT_MSG, s->proposals[k].hash)) {
                decide(b, out, r, k);
                return true;
            }
    }
    /* Lines 55-56: f+1 of the stake already in a later round: join it. */
    for (uint32_t r = b->round + 1; r < b->nrounds; r++) {
        struct round_state *s = &b->rounds[r];
        uint64_t p = 0;
        for (size_t i = 0; i < b->set->n; i++)
            if (s->has_prevote[i] || s->has_precommit[i] ||
                (s->has_proposal && s->proposal.sender == i))
                p += b->set->power[i];
        if (bft_one_third(p, b->set->total)) {
            start_round(b, out, r);
            return true;
        }
    }
    struct round_state *s = round_at(b, b->round);
    const struct bft_msg *prop = s->has_proposal ? &s->proposal : NULL;
    if (b->step == BFT_PROPOSE && prop) {
        const uint8_t *v = prop->hash;
        int32_t vr = prop->valid_round;
        bool locked_on_v = memcmp(b->locked_value, v, BFT_HASH_BYTES) == 0 &&
                                b->locked_round != BFT_NIL_ROUND;
        if (vr == BFT_NIL_ROUND) {
            /* Lines 22-27. */
            bool ok = b->locked_round == BFT_NIL_ROUND || locked_on_v;
            send(b, out, BFT_PREVOTE_MSG, !ok, v, BFT_NIL_ROUND);
            b->step = BFT_PREVOTE;
            return true;
        }
        if ((uint32_t)vr < b->nrounds && quorum_for(b, &b->rounds[vr], BFT_PREVOTE_MSG, v)) {
            /* Lines 28-33: a re-proposal justified by 2f+1 prevotes in round vr. */
            bool ok = b->locked_round <= vr || locked_on_v;
            send(b, out, BFT_PREVOTE_MSG, !ok, v, BFT_NIL_ROUND);
            b->step = BFT_PREVOTE;
            return true;
        }
    }
    /* Lines 34-35. */
    if (b->step == BFT_PREVOTE && !s->prevote_timeout_set &&
        bft_quorum(tally(b, s, BFT_PREVOTE_MSG, true, false, NULL), b->set->total)) {
        s->prevote_timeout_set = true;
        schedule(b, out, BFT_TIMEOUT_PREVOTE);
        return true;
    }
    /* Lines 36-43: 2f+1 prevotes for the proposal: lock it (if still prevoting) and
     * remember it as the valid value. */
    for (size_t k = 0; b->step >= BFT_PREVOTE && !s->valid_set && k < s->nproposals; k++) {
        const uint8_t *v = s->proposals[k].hash;
        if (!quorum_for(b, s, BFT_PREVOTE_MSG, v))
            continue;
        s->valid_set = true;
        if (b->step == BFT_PREVOTE) {
            memcpy(b->locked_value, v, BFT_HASH_BYTES);
            b->locked_round = (int32_t)b->round;
            send(b, out, BFT_PRECOMMIT_MSG, false, v, BFT_NIL_ROUND);
            b->step = BFT_PRECOMMIT;
        }
        memcpy(b->valid_value, v, BFT_HASH_BYTES);
        b->valid_round = (int32_t)b->round;
        return true;
    }
    /* Lines 44-46. */
    if (b->step == BFT_PREVOTE &&
        bft_quorum(tally(b, s, BFT_PREVOTE_MSG, false, true, NULL), b->set->total)) {
        send(b, out, BFT_PRECOMMIT_MSG, true, NULL, BFT_NIL_ROUND);
        b->step = BFT_PRECOMMIT;
        return true;
    }
    /* Lines 47-48. */
    if (!s->precommit_timeout_set &&
        bft_quorum(tally(b, s, BFT_PRECOMMIT_MSG, true, false, NULL), b->set->total)) {
        s->precommit_timeout_set = true;
        schedule(b, out, BFT_TIMEOUT_PRECOMMIT);
        return true;
    }
    return false;
}

static void run_rules(struct bft *b, struct bft_out *out)
{
    while (!b->commit_wait && apply_one_rule(b, out))
        ;
}

void bft_start(struct bft *b, struct bft_out *out)
{
    out_clear(out);
    SIM_ASSERT(!b->started);
    b->started = true;
    start_round(b, out, 0);
    run_rules(b, out);
}

bool bft_on_message(struct bft *b, const struct bft_msg *m, struct bft_out *out)
{
    out_clear(out);
    if (!b->started || m->sender >= b->set->n || m->sender == b->self)
        return false;
    if (m->type != BFT_PROPOSAL && m->type != BFT_PREVOTE_MSG && m->type != BFT_PRECOMMIT_MSG)
        return false;
    if (m->height < b->height || m->height > b->height + 1)
        return false;
    if (m->round > b->round + ROUND_AHEAD_MAX)
        return false;
    if (!(b->verify ? b->verify(b->verify_ctx, m)
                    : bft_msg_verify(&b->sig, b->cfg.chain_id, b->set, m))) {
        b->bad_signatures++;
        return false;
    }
    if (m->height == b->height + 1) {
        /* Bounded: each sender's messages of one round at most three; more is noise. */
        if (b->nnext >= 3 * b->set->n * 8)
            return false;
        if (b->nnext == b->next_cap) {
            b->next_cap = b->next_cap ? 2 * b->next_cap : 16;
            b->next = xrealloc(b->next, b->next_cap * sizeof *b->next);
        }
        b->next[b->nnext++] = *m;
        return true;
    }
    if (!record(b, m))
        return false;
    run_rules(b, out);
    return true;
}

void bft_on_timeout(struct bft *b, const struct bft_timeout *t, struct bft_out *out)
{
    out_clear(out);
    if (t->height != b->height || t->round != b->round ||
        (b->commit_wait && t->kind != BFT_TIMEOUT_COMMIT))
        return;
    switch (t->kind) {
    case BFT_TIMEOUT_COMMIT:
        if (b->commit_wait) {
            b->commit_wait = false;
            start_round(b, out, 0);
        }
        break;
    case BFT_TIMEOUT_PROPOSE:     /* lines 57-60 */
        if (b->step == BFT_PROPOSE) {
            send(b, out, BFT_PREVOTE_MSG, true, NULL, BFT_NIL_ROUND);
            b->step = BFT_PREVOTE;
        }
        break;
    case BFT_TIMEOUT_PREVOTE:     /* lines 61-64 */
        if (b->step == BFT_PREVOTE) {
            send(b, out, BFT_PRECOMMIT_MSG, true, NULL, BFT_NIL_ROUND);
            b->step = BFT_PRECOMMIT;
        }
        break;
    case BFT_TIMEOUT_PRECOMMIT:   /* lines 65-67 */
        start_round(b, out, b->round + 1);
        break;
    }
    run_rules(b, out);
}

void bft_rebroadcast(const struct bft *b, struct bft_out *out)
{
    out_clear(out);
    if (b->round < b->nrounds) {
        const struct round_state *s = &b->rounds[b->round];
        if (s->has_proposal && s->proposal.sender == b->self)
            out_msg(out, &s->proposal);
        if (s->has_prevote[b->self])
            out_msg(out, &s->prevote[b->self]);
        if (s->has_precommit[b->self])
            out_msg(out, &s->precommit[b->self]);
    }
    for (size_t i = 0; i < b->ncert; i++)
        out_msg(out, &b->cert[i]);
}

void bft_sync(struct bft *b, uint64_t to_height, const uint8_t (*decided)[BFT_HASH_BYTES],
              struct bft_out *out)
{
    out_clear(out);
    if (!b->started || to_height <= b->height)
        return;
    for (uint64_t h = b->height; h < to_height; h++) {
        if (b->ndecided == b->decided_cap) {
            b->decided_cap = b->decided_cap ? 2 * b->decided_cap : 16;
            b->decided = xrealloc(b->decided, b->decided_cap * sizeof *b->decided);
        }
        memcpy(b->decided[b->ndecided++], decided[h - b->height], BFT_HASH_BYTES);
    }
    b->height = to_height;
    b->ncert = 0;          /* it holds no certificate of its own for to_height - 1 */
    b->locked_round = b->valid_round = BFT_NIL_ROUND;
    memset(b->locked_value, 0, BFT_HASH_BYTES);
    memset(b->valid_value, 0, BFT_HASH_BYTES);
    rounds_clear(b);
    b->nnext = 0;
    b->commit_wait = false;
    start_round(b, out, 0);
    run_rules(b, out);
}

void bft_set_verifier(struct bft *b, bft_verify_fn *fn, void *ctx)
{
    b->verify = fn;
    b->verify_ctx = ctx;
}

const struct bft_msg *bft_certificate(const struct bft *b, size_t *n)
{
    *n = b->ncert;
    return b->cert;
}

uint64_t bft_height(const struct bft *b) { return b->height; }
uint32_t bft_round(const struct bft *b) { return b->round; }
enum bft_step bft_step_of(const struct bft *b) { return b->step; }
int32_t bft_locked_round(const struct bft *b) { return b->locked_round; }
uint64_t bft_bad_signatures(const struct bft *b) { return b->bad_signatures; }

void bft_decided(const struct bft *b, uint64_t h, uint8_t out[BFT_HASH_BYTES])
{
    SIM_ASSERT(h >= 1 && h <= b->ndecided);
    memcpy(out, b->decided[h - 1], BFT_HASH_BYTES);
}

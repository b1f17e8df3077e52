/* channel.c — a two-party channel's signed states, HTLCs and revocations (see
 * channel.h for the protocol and where it simplifies BOLT-2/3/5). */
#include "models/channel/channel.h"

#include <stdlib.h>
#include <string.h>

#include "models/crypto/sig_pool.h"
#include "sim/fault.h"

static const char STATE_TAG[] = "l2sim/channel/state/v1";
/* encoded: tag, id, number, 2 balances, 2 revocation hashes, count; per HTLC id,
 * offerer, amount, expiry, hash */
enum {
    STATE_HEAD_BYTES = (int)sizeof STATE_TAG - 1 + 32 + 8 + 2 * 8 + 2 * HASH_SHA256_BYTES + 4,
    STATE_HTLC_BYTES = 8 + 1 + 8 + 4 + HASH_SHA256_BYTES,
    /* what the stack holds when signing: 36 HTLCs; larger states use the heap */
    STATE_STACK_BYTES = 2048,
};

void channel_per_commitment_secret(const uint8_t seed[32], uint64_t index, uint8_t out[32])
{
    uint8_t p[32];
    memcpy(p, seed, 32);
    for (int b = 47; b >= 0; b--) {
        if (index >> b & 1) {
            p[b / 8] ^= (uint8_t)(1u << (b % 8));
            hash_sha256(p, p, 32);
        }
    }
    memcpy(out, p, 32);
}

const char *channel_result_name(enum channel_result r)
{
    static const char *const name[] = {
        [CHANNEL_OK] = "ok", [CHANNEL_BAD_SIGNATURE] = "bad signature",
        [CHANNEL_STALE] = "stale commitment number", [CHANNEL_WRONG_CHANNEL] = "wrong channel",
        [CHANNEL_NOT_THE_UPDATE] = "state is not the update's result",
        [CHANNEL_NOT_CONSERVED] = "money not conserved",
        [CHANNEL_BAD_REVOCATION] = "bad revocation", 
        [CHANNEL_INSUFFICIENT_BALANCE] = "insufficient balance",
        [CHANNEL_TOO_MANY_HTLCS] = "too many HTLCs", [CHANNEL_UNKNOWN_HTLC] = "unknown HTLC",
        [CHANNEL_BAD_PREIMAGE] = "bad preimage", [CHANNEL_NOT_EXPIRED] = "HTLC not expired",
        [CHANNEL_BAD_AMOUNT] = "bad amount",
    };
    return (size_t)r < ARRAY_LEN(name) && name[r] ? name[r] : "?";
}

static uint8_t *put_le(uint8_t *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        *b++ = (uint8_t)(v >> (8 * i));
    return b;
}

size_t channel_state_encoded_size(const struct channel_state *st)
{
    return STATE_HEAD_BYTES + st->nhtlcs * STATE_HTLC_BYTES;
}

size_t channel_state_encode(const struct channel_state *st, uint8_t *buf, size_t cap)
{
    SIM_ASSERT(cap >= channel_state_encoded_size(st) && st->nhtlcs <= UINT32_MAX);
    uint8_t *b = buf;
    memcpy(b, STATE_TAG, sizeof STATE_TAG - 1);
    b += sizeof STATE_TAG - 1;
    memcpy(b, st->channel_id, 32);
    b += 32;
    b = put_le(b, st->commitment_number, 8);
    b = put_le(b, st->to_side_msat[0], 8);
    b = put_le(b, st->to_side_msat[1], 8);
    memcpy(b, st->revocation_hash, sizeof st->revocation_hash);
    b += sizeof st->revocation_hash;
    b = put_le(b, st->nhtlcs, 4);
    for (size_t i = 0; i < st->nhtlcs; i++) {
        const struct channel_htlc *h = &st->htlc[i];
        b = put_le(b, h->id, 8);
        *b++ = h->offerer;
        b = put_le(b, h->amount_msat, 8);
        b = put_le(b, h->cltv_expiry, 4);
        memcpy(b, h->payment_hash, 32);
        b += 32;
    }
    return (size_t)(b - buf);
}

/* st's signed bytes in `stack` when they fit, else in a heap buffer the caller frees
 * (*heap; NULL when none). */
static const uint8_t *state_bytes(const struct channel_state *st,
                                  uint8_t stack[STATE_STACK_BYTES], uint8_t **heap, size_t *n)
{
    size_t need = channel_state_encoded_size(st);
    uint8_t *buf = need <= STATE_STACK_BYTES ? stack : (*heap = xmalloc(need));
    *n = channel_state_encode(st, buf, need);
    return buf;
}

bool channel_state_verify(const struct channel *ch, const struct channel_state *st, int side,
                          const uint8_t sig[SIG_BYTES])
{
    uint8_t stack[STATE_STACK_BYTES], *heap = NULL;
    size_t n;
    const uint8_t *buf = state_bytes(st, stack, &heap, &n);
    bool ok = sig_verify(ch->sig, ch->pk[side], buf, n, sig);
    free(heap);
    return ok;
}

static void state_sign(const struct channel *ch, const struct channel_state *st, int side,
                       uint8_t sig[SIG_BYTES])
{
    uint8_t stack[STATE_STACK_BYTES], *heap = NULL;
    size_t n;
    const uint8_t *buf = state_bytes(st, stack, &heap, &n);
    sig_sign(ch->sig, &ch->side[side].kp, buf, n, sig);
    free(heap);
}

/* Room for n HTLCs in st (doubling). */
static void state_reserve(struct channel_state *st, size_t n)
{
    if (n <= st->cap_htlcs)
        return;
    size_t cap = st->cap_htlcs ? st->cap_htlcs : 4;
    while (cap < n)
        cap *= 2;
    st->htlc = xrealloc(st->htlc, cap * sizeof *st->htlc);
    st->cap_htlcs = cap;
}

void channel_state_copy(struct channel_state *dst, const struct channel_state *src)
{
    if (dst == src)
        return;
    struct channel_htlc *htlc = dst->htlc;
    size_t cap = dst->cap_htlcs;
    *dst = *src;
    dst->htlc = htlc;
    dst->cap_htlcs = cap;
    state_reserve(dst, src->nhtlcs);
    if (src->nhtlcs)
        memcpy(dst->htlc, src->htlc, src->nhtlcs * sizeof *src->htlc);
}

void channel_state_free(struct channel_state *st)
{
    free(st->htlc);
    st->htlc = NULL;
    st->nhtlcs = st->cap_htlcs = 0;
}

size_t channel_state_offered(const struct channel_state *st, int offerer)
{
    size_t n = 0;
    for (size_t i = 0; i < st->nhtlcs; i++)
        n += st->htlc[i].offerer == offerer;
    return n;
}

/* No side has more HTLCs offered to it than it announced it accepts. O(HTLCs). */
static bool within_max_accepted(const struct channel *ch, const struct channel_state *st)
{
    size_t by[2] = { 0, 0 };
    for (size_t i = 0; i < st->nhtlcs; i++) {
        if (st->htlc[i].offerer > 1)
            return false;
        by[st->htlc[i].offerer]++;
    }
    return by[0] <= ch->max_accepted_htlcs[1] && by[1] <= ch->max_accepted_htlcs[0];
}

/* side's signature of st, and when `verify` the other party's check of it, handed to
 * the signature pool's worker ahead of the state_sign / channel_state_verify that will
 * ask for them (sig_pool.h: the same bytes and verdicts as made in place). */
static void state_ahead(const struct channel *ch, const struct channel_state *st, int side,
                        bool verify)
{
    if (!sig_ahead_wanted(ch->sig))
        return;
    uint8_t stack[STATE_STACK_BYTES], *heap = NULL;
    size_t n;
    const uint8_t *buf = state_bytes(st, stack, &heap, &n);
    sig_ahead(ch->sig, &ch->side[side].kp, buf, n, verify);
    free(heap);
}

u128 channel_state_total(const struct channel_state *st)
{
    u128 t = (u128)st->to_side_msat[0] + st->to_side_msat[1];
    for (size_t i = 0; i < st->nhtlcs; i++)
        t += st->htlc[i].amount_msat;
    return t;
}

/* Side s's per-commitment secret for commitment number n (BOLT-3: index 2^48-1-n),
 * by the same walk as channel_per_commitment_secret, resumed from the value P has
 * after bits 47..8, which every index with the same bits above 8 shares: the side
 * keeps it, so a secret costs the hashes of its low 8 bits (~6) instead of ~47. */
static void commitment_secret(struct channel_side *s, uint64_t n, uint8_t out[32])
{
    uint64_t index = CHANNEL_SECRET_INDEX_MAX - n;
    uint64_t high = index >> 8;
    if (!s->prefix_valid || s->prefix_index != high) {
        memcpy(s->prefix_p, s->shachain_seed, 32);
        for (int b = 47; b >= 8; b--)
            if (index >> b & 1) {
                s->prefix_p[b / 8] ^= (uint8_t)(1u << (b % 8));
                hash_sha256(s->prefix_p, s->prefix_p, 32);
            }
        s->prefix_index = high;
        s->prefix_valid = true;
    }
    uint8_t p[32];
    memcpy(p, s->prefix_p, 32);
    for (int b = 7; b >= 0; b--)
        if (index >> b & 1) {
            p[0] ^= (uint8_t)(1u << b);
            hash_sha256(p, p, 32);
        }
    memcpy(out, p, 32);
}

void channel_open(struct channel *ch, const struct sig_ctx *sig, const uint8_t channel_id[32],
                  const struct sig_keypair *kp0, const struct sig_keypair *kp1,
                  const uint8_t seed0[32], const uint8_t seed1[32], uint64_t to_side0_msat,
                  uint64_t to_side1_msat)
{
    memset(ch, 0, sizeof *ch);
    ch->sig = sig;
    SIM_ASSERT(to_side0_msat <= UINT64_MAX - to_side1_msat);
    ch->capacity_msat = to_side0_msat + to_side1_msat;
    ch->side[0].kp = *kp0;
    ch->side[1].kp = *kp1;
    memcpy(ch->side[0].shachain_seed, seed0, 32);
    memcpy(ch->side[1].shachain_seed, seed1, 32);
    memcpy(ch->pk[0], kp0->pk, SIG_PUBLICKEY_BYTES);
    memcpy(ch->pk[1], kp1->pk, SIG_PUBLICKEY_BYTES);
    ch->max_accepted_htlcs[0] = ch->max_accepted_htlcs[1] = CHANNEL_MAX_ACCEPTED_HTLCS;
    struct channel_state *st = &ch->current;
    memcpy(st->channel_id, channel_id, 32);
    st->to_side_msat[0] = to_side0_msat;
    st->to_side_msat[1] = to_side1_msat;
    for (int i = 0; i < 2; i++) {
        struct channel_side *sd = &ch->side[i];
        commitment_secret(sd, 0, sd->secret_current);
        commitment_secret(sd, 1, sd->secret_next);
        hash_sha256(st->revocation_hash[i], sd->secret_current, 32);
        hash_sha256(ch->next_revocation_hash[i], sd->secret_next, 32);
    }
    state_ahead(ch, st, 1, false);
    for (int i = 0; i < 2; i++)
        state_sign(ch, st, i, ch->current_sig[i]);
}

enum channel_result channel_announce_max_accepted(struct channel *ch, int side, unsigned n)
{
    SIM_ASSERT(side == 0 || side == 1);
    if (n == 0 || n > CHANNEL_MAX_ACCEPTED_HTLCS)
        return CHANNEL_TOO_MANY_HTLCS;
    ch->max_accepted_htlcs[side] = (uint16_t)n;
    return CHANNEL_OK;
}

void channel_free(struct channel *ch)
{
    channel_state_free(&ch->current);
    for (int i = 0; i < 2; i++) {
        free(ch->side[i].their_secret);
        ch->side[i].their_secret = NULL;
        ch->side[i].ntheir = ch->side[i].captheir = 0;
    }
}

static int find_htlc(const struct channel_state *st, int offerer, uint64_t id)
{
    for (size_t i = 0; i < st->nhtlcs; i++)
        if (st->htlc[i].offerer == offerer && st->htlc[i].id == id)
            return (int)i;
    return -1;
}

static void remove_htlc(struct channel_state *st, int i)
{
    memmove(&st->htlc[i], &st->htlc[i + 1], (st->nhtlcs - (size_t)i - 1) * sizeof st->htlc[0]);
    st->nhtlcs--;
}

/* next = what u, proposed by `proposer` at block `height`, makes of ch->current (next
 * zeroed or a state: its HTLC array is reused). The rules both sides apply (the
 * proposer before signing, the receiver before countersigning). */
static enum channel_result apply(const struct channel *ch, int proposer,
                                 const struct channel_update *u, uint32_t height,
                                 struct channel_state *next)
{
    channel_state_copy(next, &ch->current);
    next->commitment_number++;
    memcpy(next->revocation_hash, ch->next_revocation_hash, sizeof next->revocation_hash);
    switch (u->kind) {
    case CHANNEL_ADD_HTLC: {
        if (u->amount_msat == 0)
            return CHANNEL_BAD_AMOUNT;
        if (next->to_side_msat[proposer] < u->amount_msat)
            return CHANNEL_INSUFFICIENT_BALANCE;
        /* BOLT-2 update_add_htlc: the offerer MUST NOT offer more than the
         * receiver's max_accepted_htlcs; the receiver fails the channel if it did */
        if (channel_state_offered(next, proposer) >= ch->max_accepted_htlcs[1 - proposer])
            return CHANNEL_TOO_MANY_HTLCS;
        state_reserve(next, next->nhtlcs + 1);
        struct channel_htlc *h = &next->htlc[next->nhtlcs++];
        h->id = ch->next_htlc_id[proposer];
        h->offerer = (uint8_t)proposer;
        h->amount_msat = u->amount_msat;
        h->cltv_expiry = u->cltv_expiry;
        memcpy(h->payment_hash, u->payment_hash, 32);
        next->to_side_msat[proposer] -= u->amount_msat;
        return CHANNEL_OK;
    }
    case CHANNEL_FULFILL_HTLC: {
        /* BOLT-2 update_fulfill_htlc: sent by the HTLC's receiver */
        int i = find_htlc(next, 1 - proposer, u->htlc_id);
        if (i < 0)
            return CHANNEL_UNKNOWN_HTLC;
        uint8_t h[32];
        hash_sha256(h, u->payment_preimage, 32);
        if (memcmp(h, next->htlc[i].payment_hash, 32) != 0)
            return CHANNEL_BAD_PREIMAGE;
        next->to_side_msat[proposer] += next->htlc[i].amount_msat;
        remove_htlc(next, i);
        return CHANNEL_OK;
    }
    case CHANNEL_FAIL_HTLC: {
        if (u->offerer > 1)
            return CHANNEL_UNKNOWN_HTLC;
        int i = find_htlc(next, u->offerer, u->htlc_id);
        if (i < 0)
            return CHANNEL_UNKNOWN_HTLC;
        /* the receiver may always give it back (update_fail_htlc); the offerer only
         * takes it back once it timed out (BOLT-5: HTLC-timeout after cltv_expiry) */
        if (proposer == u->offerer && height < next->htlc[i].cltv_expiry)
            return CHANNEL_NOT_EXPIRED;
        next->to_side_msat[u->offerer] += next->htlc[i].amount_msat;
        remove_htlc(next, i);
        return CHANNEL_OK;
    }
    }
    return CHANNEL_NOT_THE_UPDATE;
}

enum channel_result channel_propose(const struct channel *ch, int proposer,
                                    const struct channel_update *u, uint32_t height,
                                    struct channel_proposal *p)
{
    SIM_ASSERT(proposer == 0 || proposer == 1);
    memset(p, 0, sizeof *p);
    p->proposer = proposer;
    p->update = *u;
    enum channel_result r = apply(ch, proposer, u, height, &p->next);
    if (r != CHANNEL_OK) {
        channel_state_free(&p->next);
        return r;
    }
    /* the receiver's countersignature (channel_accept) and the proposer's check of it
     * (channel_commit) depend on nothing but this state: on the pool's thread while
     * this thread signs here and checks the proposer's signature in channel_accept */
    state_ahead(ch, &p->next, 1 - proposer, true);
    state_sign(ch, &p->next, proposer, p->sig[proposer]);
    return CHANNEL_OK;
}

void channel_proposal_free(struct channel_proposal *p)
{
    channel_state_free(&p->next);
}

/* a and b are the same state, field by field (what their encodings would show). */
static bool states_equal(const struct channel_state *a, const struct channel_state *b)
{
    if (memcmp(a->channel_id, b->channel_id, 32) != 0 ||
        a->commitment_number != b->commitment_number ||
        a->to_side_msat[0] != b->to_side_msat[0] || a->to_side_msat[1] != b->to_side_msat[1] ||
        memcmp(a->revocation_hash, b->revocation_hash, sizeof a->revocation_hash) != 0 ||
        a->nhtlcs != b->nhtlcs)
        return false;
    for (size_t i = 0; i < a->nhtlcs; i++) {
        const struct channel_htlc *x = &a->htlc[i], *y = &b->htlc[i];
        if (x->id != y->id || x->offerer != y->offerer || x->amount_msat != y->amount_msat ||
            x->cltv_expiry != y->cltv_expiry || memcmp(x->payment_hash, y->payment_hash, 32))
            return false;
    }
    return true;
}

enum channel_result channel_accept(const struct channel *ch, struct channel_proposal *p,
                                   uint32_t height)
{
    if (p->proposer != 0 && p->proposer != 1)
        return CHANNEL_NOT_THE_UPDATE;
    int receiver = 1 - p->proposer;
    const struct channel_state *st = &p->next;
    if (memcmp(st->channel_id, ch->current.channel_id, 32) != 0)
        return CHANNEL_WRONG_CHANNEL;
    if (st->commitment_number != ch->current.commitment_number + 1)
        return CHANNEL_STALE;
    if (!within_max_accepted(ch, st))
        return CHANNEL_TOO_MANY_HTLCS;
    if (!channel_state_verify(ch, st, p->proposer, p->sig[p->proposer]))
        return CHANNEL_BAD_SIGNATURE;
    if (channel_state_total(st) != ch->capacity_msat)
        return CHANNEL_NOT_CONSERVED;
    uint8_t own[32];
    hash_sha256(own, ch->side[receiver].secret_next, 32);
    if (memcmp(own, st->revocation_hash[receiver], 32) != 0)
        return CHANNEL_BAD_REVOCATION;
    /* the receiver applies the update itself: the state must be exactly that */
    struct channel_state mine = { 0 };
    enum channel_result r = apply(ch, p->proposer, &p->update, height, &mine);
    bool same = r == CHANNEL_OK && states_equal(&mine, st);
    channel_state_free(&mine);
    if (r != CHANNEL_OK)
        return r;
    if (!same)
        return CHANNEL_NOT_THE_UPDATE;
    state_sign(ch, st, receiver, p->sig[receiver]);
    return CHANNEL_OK;
}

static void keep_secret(struct channel_side *s, uint64_t number, const uint8_t secret[32])
{
    SIM_ASSERT(number == s->ntheir);
    if (s->ntheir == s->captheir) {
        s->captheir = s->captheir ? 2 * s->captheir : 8;
        s->their_secret = xrealloc(s->their_secret, s->captheir * sizeof *s->their_secret);
    }
    memcpy(s->their_secret[s->ntheir++], secret, 32);
}

enum channel_result channel_commit(struct channel *ch, const struct channel_proposal *p)
{
    const struct channel_state *st = &p->next;
    if (st->commitment_number != ch->current.commitment_number + 1)
        return CHANNEL_STALE;
    /* the proposer checks the countersignature (the receiver checked the proposer's in
     * channel_accept): 2 signatures and 2 verifications per update, as BOLT-2's
     * commitment_signed exchange needs */
    if ((p->proposer != 0 && p->proposer != 1) ||
        !channel_state_verify(ch, st, 1 - p->proposer, p->sig[1 - p->proposer]))
        return CHANNEL_BAD_SIGNATURE;
    /* revoke_and_ack, each way: the secret of the replaced state, checked by the
     * receiver against that state's revocation hash before it is kept */
    uint64_t old = ch->current.commitment_number;
    for (int i = 0; i < 2; i++) {
        uint8_t h[32];
        hash_sha256(h, ch->side[i].secret_current, 32);
        if (memcmp(h, ch->current.revocation_hash[i], 32) != 0)
            return CHANNEL_BAD_REVOCATION;
    }
    for (int i = 0; i < 2; i++)
        keep_secret(&ch->side[1 - i], old, ch->side[i].secret_current);
    if (p->update.kind == CHANNEL_ADD_HTLC)
        ch->next_htlc_id[p->proposer]++;
    channel_state_copy(&ch->current, st);
    memcpy(ch->current_sig, p->sig, sizeof ch->current_sig);
    for (int i = 0; i < 2; i++) {
        struct channel_side *sd = &ch->side[i];
        memcpy(sd->secret_current, sd->secret_next, 32);
        commitment_secret(sd, st->commitment_number + 1, sd->secret_next);
        hash_sha256(ch->next_revocation_hash[i], sd->secret_next, 32);
    }
    /* the fault bends the books after every check passed: only an invariant check
     * over the channels (payment_check) can catch it */
    if (fault_fire("channel.commit"))
        ch->current.to_side_msat[0]++;
    return CHANNEL_OK;
}

enum channel_result channel_update(struct channel *ch, int proposer,
                                   const struct channel_update *u, uint32_t height,
                                   uint64_t *htlc_id)
{
    struct channel_proposal p;
    enum channel_result r = channel_propose(ch, proposer, u, height, &p);
    if (r == CHANNEL_OK)
        r = channel_accept(ch, &p, height);
    if (r == CHANNEL_OK) {
        uint64_t id = ch->next_htlc_id[proposer];
        r = channel_commit(ch, &p);
        if (r == CHANNEL_OK && htlc_id)
            *htlc_id = id;
    }
    channel_proposal_free(&p);
    return r;
}

void channel_judge(const struct channel *ch, const struct channel_state *posted,
                   const uint8_t sig[2][SIG_BYTES], int poster, struct channel_close *out)
{
    memset(out, 0, sizeof *out);
    out->kind = CHANNEL_CLOSE_INVALID;
    if ((poster != 0 && poster != 1) || !within_max_accepted(ch, posted) ||
        memcmp(posted->channel_id, ch->current.channel_id, 32) != 0 ||
        channel_state_total(posted) != ch->capacity_msat)
        return;
    for (int i = 0; i < 2; i++)
        if (!channel_state_verify(ch, posted, i, sig[i]))
            return;
    int holder = 1 - poster;
    const struct channel_side *h = &ch->side[holder];
    if (posted->commitment_number < h->ntheir) {
        uint8_t d[32];
        hash_sha256(d, h->their_secret[posted->commitment_number], 32);
        if (memcmp(d, posted->revocation_hash[poster], 32) == 0) {
            out->kind = CHANNEL_CLOSE_PENALTY;
            out->to_side_msat[holder] = ch->capacity_msat;
            return;
        }
    }
    out->kind = CHANNEL_CLOSE_ACCEPTED;
    out->to_side_msat[0] = posted->to_side_msat[0];
    out->to_side_msat[1] = posted->to_side_msat[1];
    out->htlc_msat = (uint64_t)(channel_state_total(posted) - posted->to_side_msat[0] -
                                posted->to_side_msat[1]);
}

/* test_sidechain_bft.c — Tendermint consensus (models/sidechain/bft.h; Buchman, Kwon,
 * Milosevic, "The latest gossip on BFT consensus", 2018) run by N validators under a
 * small deterministic driver: a time-ordered message queue whose per-link delays come
 * from seeded per-link streams, validators that are offline for a window (messages to
 * them lost, their timers frozen) or equivocate (sign two different proposals and
 * votes and send one to each half of the others). Issue 13, "What it must show": with
 * less than 1/3 Byzantine stake no two conflicting blocks commit; with 1/3 or more
 * offline the chain halts and resumes when they return. The paper's Lemma 1 (agreement
 * with f < n/3) and its liveness under partial synchrony are the facts tested. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>
#include "models/sidechain/bft.h"
#include "sim/rng.h"

enum { MAXV = 8, HMAX = 4096, CHAIN = 137, KIND_VALIDATOR = 7 };
#define MS 1000ll
#define SEC 1000000ll
#define NEVER INT64_MAX

enum ev_kind { EV_START, EV_DELIVER, EV_TIMEOUT, EV_GOSSIP };
struct ev {
    int64_t  t;
    uint64_t seq;
    enum ev_kind kind;
    size_t   node;
    struct bft_msg     msg;
    struct bft_timeout to;
};

struct net {
    size_t   n;
    uint64_t power[MAXV];
    uint8_t  pk[MAXV][SIG_PUBLICKEY_BYTES];
    struct sig_keypair kp[MAXV];
    struct sig_ctx sig;
    struct bft_set set;
    struct bft    *v[MAXV];
    bool     byz[MAXV];
    int64_t  off_from[MAXV], off_until[MAXV];
    gsl_rng *link[MAXV][MAXV];
    struct ev *heap;
    size_t   nheap, cap;
    int64_t  now;
    uint64_t seq;
    /* per validator and height: when it decided and in which round (-1: not yet) */
    int64_t  decided_at[MAXV][HMAX];
    int32_t  decided_round[MAXV][HMAX];
    uint64_t equivocations;       /* conflicting proposals sent by Byzantine proposers */
};

/* ---- the queue: a binary heap ordered by (time, insertion) ---- */

static bool ev_before(const struct ev *a, const struct ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void push(struct net *w, struct ev e)
{
    if (w->nheap == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1024;
        w->heap = realloc(w->heap, w->cap * sizeof *w->heap);
        assert_non_null(w->heap);
    }
    e.seq = w->seq++;
    size_t i = w->nheap++;
    while (i > 0 && ev_before(&e, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = e;
}

static struct ev pop(struct net *w)
{
    struct ev top = w->heap[0], last = w->heap[--w->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && ev_before(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!ev_before(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->nheap)
        w->heap[i] = last;
    return top;
}

/* ---- validators' values ---- */

static void value_hash(const char *tag, uint64_t h, uint32_t r, uint64_t who, uint8_t out[32])
{
    uint8_t in[32];
    memset(in, 0, sizeof in);
    memcpy(in, tag, strlen(tag));
    memcpy(in + 8, &h, 8);
    memcpy(in + 16, &r, 4);
    memcpy(in + 20, &who, 8);
    hash_sha256(out, in, sizeof in);
}

static size_t node_ids[MAXV] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static void get_value(void *ctx, uint64_t h, uint32_t r, uint8_t out[BFT_HASH_BYTES])
{
    value_hash("block", h, r, *(const size_t *)ctx, out);
}

static bool offline(const struct net *w, size_t i)
{
    return w->off_from[i] <= w->now && w->now < w->off_until[i];
}

/* Send m from validator i to every other one, each copy delayed by 5 ms plus up to
 * 50 ms drawn from the link's stream. A Byzantine sender signs, for every message it
 * would send, a proposal or vote for value A to the even validators and for value B
 * to the odd ones. */
static void broadcast(struct net *w, size_t i, const struct bft_msg *m)
{
    if (w->byz[i] && m->type == BFT_PROPOSAL)
        w->equivocations++;
    for (size_t j = 0; j < w->n; j++) {
        if (j == i)
            continue;
        struct ev e = { .t = w->now + 5 * MS + (int64_t)gsl_rng_uniform_int(w->link[i][j], 50000),
                        .kind = EV_DELIVER, .node = j, .msg = *m };
        if (w->byz[i]) {
            e.msg.nil = false;
            value_hash(j % 2 ? "B" : "A", m->height, m->round, 0, e.msg.hash);
            bft_msg_sign(&w->sig, CHAIN, &w->kp[i], &e.msg);
        }
        push(w, e);
    }
}

static void handle_out(struct net *w, size_t i, const struct bft_out *out)
{
    for (size_t k = 0; k < out->nmsgs; k++)
        broadcast(w, i, &out->msgs[k]);
    for (size_t k = 0; k < out->ntimeouts; k++)
        push(w, (struct ev){ .t = w->now + out->timeouts[k].delay_us, .kind = EV_TIMEOUT,
                             .node = i, .to = out->timeouts[k] });
    for (size_t k = 0; k < out->ndecisions; k++) {
        const struct bft_decision *d = &out->decisions[k];
        assert_true(d->height < HMAX);
        assert_true(w->decided_at[i][d->height] < 0);
        w->decided_at[i][d->height] = w->now;
        w->decided_round[i][d->height] = (int32_t)d->round;
    }
}

static const struct bft_config cfg = {
    .chain_id = CHAIN, .timeout_propose_us = 1 * SEC, .timeout_prevote_us = 500 * MS,
    .timeout_precommit_us = 500 * MS, .timeout_delta_us = 250 * MS,
};

/* n validators with the given stakes; none offline, none Byzantine yet. */
static struct net *net_new(size_t n, const uint64_t *power, uint64_t seed)
{
    struct net *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->n = n;
    sig_ctx_init(&w->sig, SIG_ED25519, seed);
    for (size_t i = 0; i < n; i++) {
        w->power[i] = power[i];
        sig_keypair_derive(&w->sig, KIND_VALIDATOR, i, &w->kp[i]);
        memcpy(w->pk[i], w->kp[i].pk, SIG_PUBLICKEY_BYTES);
        w->off_from[i] = w->off_until[i] = 0;
        for (size_t j = 0; j < n; j++)
            w->link[i][j] = rng_stream(seed, 1, i * MAXV + j, 0);
        for (size_t h = 0; h < HMAX; h++) {
            w->decided_at[i][h] = -1;
            w->decided_round[i][h] = -1;
        }
    }
    w->set = (struct bft_set){ .n = n, .pk = (const uint8_t (*)[SIG_PUBLICKEY_BYTES])w->pk,
                               .power = w->power, .total = bft_set_total(power, n) };
    for (size_t i = 0; i < n; i++)
        w->v[i] = bft_new(&cfg, &w->sig, &w->set, i, &w->kp[i], get_value, &node_ids[i]);
    return w;
}

static void net_free(struct net *w)
{
    for (size_t i = 0; i < w->n; i++) {
        bft_free(w->v[i]);
        for (size_t j = 0; j < w->n; j++)
            gsl_rng_free(w->link[i][j]);
    }
    free(w->heap);
    free(w);
}

/* Run every event before `until`. Offline validators lose the messages sent to them;
 * their timers and gossip wait for their return. Every validator gossips once a
 * second. */
static void net_run(struct net *w, int64_t until)
{
    if (w->seq == 0)
        for (size_t i = 0; i < w->n; i++) {
            push(w, (struct ev){ .t = 0, .kind = EV_START, .node = i });
            push(w, (struct ev){ .t = 1 * SEC, .kind = EV_GOSSIP, .node = i });
        }
    struct bft_out *out = malloc(sizeof *out);
    assert_non_null(out);
    while (w->nheap && w->heap[0].t < until) {
        struct ev e = pop(w);
        w->now = e.t;
        size_t i = e.node;
        if (offline(w, i)) {
            if (e.kind != EV_DELIVER && w->off_until[i] != NEVER) {
                e.t = w->off_until[i];
                push(w, e);
            }
            continue;
        }
        switch (e.kind) {
        case EV_START:   bft_start(w->v[i], out); break;
        case EV_DELIVER: bft_on_message(w->v[i], &e.msg, out); break;
        case EV_TIMEOUT: bft_on_timeout(w->v[i], &e.to, out); break;
        case EV_GOSSIP:
            bft_rebroadcast(w->v[i], out);
            push(w, (struct ev){ .t = w->now + 1 * SEC, .kind = EV_GOSSIP, .node = i });
            break;
        }
        handle_out(w, i, out);
    }
    w->now = until;
    free(out);
}

/* Heights 1..h that honest validators i and j both decided hold the same block;
 * returns how many heights they both decided. */
static uint64_t agree(const struct net *w, size_t i, size_t j, bool *conflict)
{
    uint64_t hi = bft_height(w->v[i]), hj = bft_height(w->v[j]);
    uint64_t top = (hi < hj ? hi : hj) - 1;
    for (uint64_t h = 1; h <= top; h++) {
        uint8_t a[32], b[32];
        bft_decided(w->v[i], h, a);
        bft_decided(w->v[j], h, b);
        if (memcmp(a, b, 32) != 0)
            *conflict = true;
    }
    return top;
}

/* Highest height decided by any honest validator at or before time t. */
static uint64_t committed_by(const struct net *w, int64_t t)
{
    uint64_t top = 0;
    for (size_t i = 0; i < w->n; i++)
        for (uint64_t h = 1; h < HMAX; h++)
            if (!w->byz[i] && w->decided_at[i][h] >= 0 && w->decided_at[i][h] <= t && h > top)
                top = h;
    return top;
}

/* Run seeds with the Byzantine set byz; returns how many seeds saw two honest
 * validators decide different blocks at one height. */
static int conflicting_seeds(size_t n, const uint64_t *power, const bool *byz, int seeds,
                             uint64_t *min_height, uint64_t *equivocations)
{
    int conflicts = 0;
    *min_height = UINT64_MAX;
    *equivocations = 0;
    for (int s = 1; s <= seeds; s++) {
        struct net *w = net_new(n, power, (uint64_t)s);
        memcpy(w->byz, byz, n * sizeof *byz);
        net_run(w, 20 * SEC);
        bool conflict = false;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (!byz[i] && !byz[j]) {
                    uint64_t both = agree(w, i, j, &conflict);
                    if (both < *min_height)
                        *min_height = both;
                }
        conflicts += conflict;
        *equivocations += w->equivocations;
        net_free(w);
    }
    return conflicts;
}

/* Agreement (the paper's Lemma 1) with Byzantine stake below a third: one equivocator
 * of four equal validators (1/4), and one of stake 3 among {3,3,2,2,2} (3/12). Over 20
 * seeds each, the equivocators did send conflicting proposals, the honest validators
 * kept deciding, and no two of them ever decided different blocks at one height. */
static void test_no_conflict_below_one_third(void **state)
{
    (void)state;
    uint64_t eq[] = { 1, 1, 1, 1 };
    bool byz4[] = { false, false, false, true };
    uint64_t min_h, equiv;
    assert_int_equal(conflicting_seeds(4, eq, byz4, 20, &min_h, &equiv), 0);
    assert_true(equiv > 0);
    assert_true(min_h >= 5);

    uint64_t w5[] = { 3, 3, 2, 2, 2 };
    bool byz5[] = { true, false, false, false, false };
    assert_int_equal(conflicting_seeds(5, w5, byz5, 20, &min_h, &equiv), 0);
    assert_true(equiv > 0);
    assert_true(min_h >= 5);
}

/* The bound is tight in the direction that matters: with half the stake equivocating
 * (two of four), the same driver makes honest validators decide conflicting blocks
 * for some seed. This is what the test above would see if quorums were wrong. */
static void test_conflict_possible_at_one_half(void **state)
{
    (void)state;
    uint64_t eq[] = { 1, 1, 1, 1 };
    bool byz[] = { false, false, true, true };
    uint64_t min_h, equiv;
    assert_true(conflicting_seeds(4, eq, byz, 10, &min_h, &equiv) > 0);
}

/* Liveness needs more than 2/3 online: with two of six equal validators (exactly 1/3)
 * offline from 10 s to 70 s nothing commits in that window (after the height already
 * in flight), and commits resume once they are back. */
static void test_halt_at_one_third_offline_and_resume(void **state)
{
    (void)state;
    uint64_t eq[] = { 1, 1, 1, 1, 1, 1 };
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct net *w = net_new(6, eq, seed);
        for (size_t i = 4; i < 6; i++) {
            w->off_from[i] = 10 * SEC;
            w->off_until[i] = 70 * SEC;
        }
        net_run(w, 100 * SEC);
        uint64_t before = committed_by(w, 10 * SEC);
        uint64_t stalled = committed_by(w, 70 * SEC);
        uint64_t after = committed_by(w, 100 * SEC);
        assert_true(before >= 5);
        assert_true(stalled <= before + 1);        /* at most the height in flight */
        assert_true(committed_by(w, 12 * SEC) == stalled);
        assert_true(after >= stalled + 5);         /* resumed */
        /* every validator, the returned ones included, caught up and agrees */
        bool conflict = false;
        for (size_t i = 1; i < 6; i++)
            assert_true(agree(w, 0, i, &conflict) >= stalled + 1);
        assert_false(conflict);
        net_free(w);
    }
}

/* One validator of six offline (1/6 < 1/3) does not stop the chain. */
static void test_progress_below_one_third_offline(void **state)
{
    (void)state;
    uint64_t eq[] = { 1, 1, 1, 1, 1, 1 };
    struct net *w = net_new(6, eq, 3);
    w->off_from[5] = 0;
    w->off_until[5] = NEVER;
    net_run(w, 30 * SEC);
    assert_true(committed_by(w, 30 * SEC) >= 10);
    net_free(w);
}

/* The proposer of height 1 round 0 is offline: the others time out on the proposal
 * (timeoutPropose), prevote and precommit nil, move to round 1, and a later round
 * commits height 1 with another proposer. */
static void test_offline_proposer_round_change(void **state)
{
    (void)state;
    uint64_t eq[] = { 1, 1, 1, 1 };
    struct net *w = net_new(4, eq, 11);
    size_t p = bft_proposer(&w->set, CHAIN, 1, 0);
    w->off_from[p] = 0;
    w->off_until[p] = NEVER;
    net_run(w, 20 * SEC);
    for (size_t i = 0; i < 4; i++) {
        if (i == p)
            continue;
        assert_true(w->decided_at[i][1] >= cfg.timeout_propose_us);
        assert_true(w->decided_round[i][1] >= 1);
    }
    net_free(w);
}

/* Signatures are checked on receipt. Validator 0 of four sees the round's proposal
 * and precommits for it from 1, 2 and 3 whose signatures are corrupted, or made for
 * another chain: it counts none of them and decides nothing; the same precommits
 * correctly signed decide the block. */
static void test_bad_signature_ignored(void **state)
{
    (void)state;
    uint64_t eq[] = { 1, 1, 1, 1 };
    struct net *w = net_new(4, eq, 5);
    struct bft *v = w->v[0];
    struct bft_out *out = malloc(sizeof *out);
    assert_non_null(out);
    /* Height 1 round 0 with a proposer other than 0, so 0 only listens. */
    size_t p = bft_proposer(&w->set, CHAIN, 1, 0);
    if (p == 0) {
        net_free(w);
        w = net_new(4, eq, 6);
        v = w->v[0];
        p = bft_proposer(&w->set, CHAIN, 1, 0);
    }
    assert_int_not_equal(p, 0);
    bft_start(v, out);
    struct bft_msg prop = { .type = BFT_PROPOSAL, .height = 1, .round = 0,
                            .valid_round = BFT_NIL_ROUND, .sender = (uint32_t)p };
    value_hash("block", 1, 0, p, prop.hash);
    bft_msg_sign(&w->sig, CHAIN, &w->kp[p], &prop);
    assert_true(bft_on_message(v, &prop, out));
    assert_int_equal(bft_step_of(v), BFT_PREVOTE);   /* it prevoted the proposal */

    for (uint32_t s = 1; s < 4; s++) {
        struct bft_msg pc = { .type = BFT_PRECOMMIT_MSG, .height = 1, .round = 0,
                              .valid_round = BFT_NIL_ROUND, .sender = s };
        memcpy(pc.hash, prop.hash, 32);
        bft_msg_sign(&w->sig, CHAIN, &w->kp[s], &pc);
        struct bft_msg bad = pc;
        bad.sig[s] ^= 0x01;                        /* a flipped bit */
        assert_false(bft_on_message(v, &bad, out));
        struct bft_msg other_chain = pc;           /* a valid signature, for chain 138 */
        bft_msg_sign(&w->sig, CHAIN + 1, &w->kp[s], &other_chain);
        assert_false(bft_on_message(v, &other_chain, out));
        struct bft_msg stolen = pc;                /* signed by another validator */
        bft_msg_sign(&w->sig, CHAIN, &w->kp[(s % 3) + 1], &stolen);
        assert_false(bft_on_message(v, &stolen, out));
    }
    assert_int_equal(bft_bad_signatures(v), 9);
    assert_int_equal(bft_height(v), 1);

    for (uint32_t s = 1; s < 4; s++) {
        struct bft_msg pc = { .type = BFT_PRECOMMIT_MSG, .height = 1, .round = 0,
                              .valid_round = BFT_NIL_ROUND, .sender = s };
        memcpy(pc.hash, prop.hash, 32);
        bft_msg_sign(&w->sig, CHAIN, &w->kp[s], &pc);
        assert_true(bft_on_message(v, &pc, out));
        /* 2 of 4 is not a quorum, 3 of 4 is: the decision comes with the third */
        assert_int_equal(out->ndecisions, s == 3 ? 1 : 0);
    }
    assert_int_equal(bft_height(v), 2);
    uint8_t d[32];
    bft_decided(v, 1, d);
    assert_memory_equal(d, prop.hash, 32);
    free(out);
    net_free(w);
}

/* Quorum arithmetic: strictly more than two thirds, in integers. */
static void test_quorum_threshold(void **state)
{
    (void)state;
    assert_false(bft_quorum(2, 3));          /* exactly 2/3 is not enough */
    assert_true(bft_quorum(3, 4));
    assert_false(bft_quorum(66, 99));
    assert_true(bft_quorum(67, 100));
    assert_false(bft_quorum(6666, 10000));
    assert_true(bft_quorum(6667, 10000));
    assert_true(bft_quorum(UINT64_MAX, UINT64_MAX));   /* no overflow */
    assert_false(bft_one_third(1, 3));
    assert_true(bft_one_third(2, 4));
}

/* The proposer is chosen in proportion to stake: over 3000 heights a validator with
 * half the stake proposes about half of them, and the choice is a function of
 * (chain, height, round) only. */
static void test_proposer_by_stake(void **state)
{
    (void)state;
    uint8_t pk[4][SIG_PUBLICKEY_BYTES] = { { 0 } };
    uint64_t power[] = { 6, 2, 2, 2 };
    struct bft_set set = { .n = 4, .pk = (const uint8_t (*)[SIG_PUBLICKEY_BYTES])pk,
                           .power = power, .total = 12 };
    unsigned count[4] = { 0 };
    for (uint64_t h = 1; h <= 3000; h++)
        count[bft_proposer(&set, CHAIN, h, 0)]++;
    assert_in_range(count[0], 1350, 1650);
    for (int i = 1; i < 4; i++)
        assert_in_range(count[i], 380, 620);
    assert_int_equal(bft_proposer(&set, CHAIN, 42, 3), bft_proposer(&set, CHAIN, 42, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quorum_threshold),
        cmocka_unit_test(test_proposer_by_stake),
        cmocka_unit_test(test_bad_signature_ignored),
        cmocka_unit_test(test_offline_proposer_round_change),
        cmocka_unit_test(test_progress_below_one_third_offline),
        cmocka_unit_test(test_halt_at_one_third_offline_and_resume),
        cmocka_unit_test(test_no_conflict_below_one_third),
        cmocka_unit_test(test_conflict_possible_at_one_half),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* dispute_trace.c — a side's view of a rollup's execution trace and the L1's
 * one-step VM for a dispute game (see dispute_trace.h). */
#include "models/rollup/dispute_trace.h"

#include <stdlib.h>
#include <string.h>

#include "models/crypto/hash.h"

#define ACCOUNT_BYTES (SIG_PUBLICKEY_BYTES + 16 + 8)
#define DEPOSIT_BYTES (16 + 8 + SIG_PUBLICKEY_BYTES + 16)
static const char deposit_tag[16] = "l2sim/deposit/v1";

void dispute_entry_apply(struct l2_state *s, const struct dispute_entry *e)
{
    if (e->deposit) {
        struct err er;
        err_init(&er);
        (void)state_deposit(s, e->index, e->pubkey, e->amount, &er);   /* refused: no change */
    } else {
        (void)state_apply(s, &e->tx);
    }
}

static void put_le(uint8_t *p, u128 v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static u128 get_le(const uint8_t *p, int bytes)
{
    u128 v = 0;
    for (int i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void entry_leaf(const struct dispute_entry *e, uint8_t leaf[MERKLE_HASH_BYTES])
{
    if (e->deposit) {
        uint8_t b[DEPOSIT_BYTES];
        memcpy(b, deposit_tag, 16);
        put_le(b + 16, e->index, 8);
        memcpy(b + 24, e->pubkey, SIG_PUBLICKEY_BYTES);
        put_le(b + 24 + SIG_PUBLICKEY_BYTES, e->amount, 16);
        merkle_list_leaf_hash(b, sizeof b, leaf);
    } else {
        uint8_t wire[TRANSFER_WIRE_BYTES];
        transfer_wire(&e->tx, wire);
        merkle_list_leaf_hash(wire, sizeof wire, leaf);   /* as batch.h: verifiable there */
    }
}

static uint8_t (*leaves_of(const struct dispute_entry *steps, size_t n))[MERKLE_HASH_BYTES]
{
    uint8_t (*l)[MERKLE_HASH_BYTES] = xmalloc((n ? n : 1) * sizeof *l);
    for (size_t i = 0; i < n; i++)
        entry_leaf(&steps[i], l[i]);
    return l;
}

void dispute_input_commit(const struct dispute_entry *steps, size_t n, struct batch_commitment *c)
{
    uint8_t (*l)[MERKLE_HASH_BYTES] = leaves_of(steps, n);
    merkle_list_root((const uint8_t (*)[MERKLE_HASH_BYTES])l, n, c->tx_root);
    c->count = n;
    free(l);
}

/* ---- a view ---- */

struct dispute_trace {
    struct l2_state      *pre;        /* the state before step 0, a private copy */
    struct dispute_entry *steps;
    size_t                n;
    uint8_t             (*roots)[MERKLE_HASH_BYTES];   /* n + 1 */
    dispute_tamper_fn    *tamper;
    void                 *tamper_ctx;
};

/* Run steps [0, upto) of t on s, tampering as the view does. */
static void replay(const struct dispute_trace *t, struct l2_state *s, size_t upto,
                   uint8_t (*roots)[MERKLE_HASH_BYTES])
{
    if (roots)
        state_root(s, roots[0]);
    for (size_t i = 0; i < upto; i++) {
        dispute_entry_apply(s, &t->steps[i]);
        if (t->tamper)
            t->tamper(t->tamper_ctx, i, s);
        if (roots)
            state_root(s, roots[i + 1]);
    }
}

struct dispute_trace *dispute_trace_new(const struct l2_state *pre,
                                        const struct dispute_entry *steps, size_t n,
                                        dispute_tamper_fn *tamper, void *tamper_ctx)
{
    struct dispute_trace *t = xcalloc(1, sizeof *t);
    t->pre = state_clone(pre);
    t->n = n;
    t->steps = xmalloc((n ? n : 1) * sizeof *t->steps);
    memcpy(t->steps, steps, n * sizeof *steps);
    t->tamper = tamper, t->tamper_ctx = tamper_ctx;
    t->roots = xmalloc((n + 1) * sizeof *t->roots);
    struct l2_state *s = state_clone(pre);
    replay(t, s, n, t->roots);
    state_free(s);
    return t;
}

void dispute_trace_free(struct dispute_trace *t)
{
    if (!t)
        return;
    state_free(t->pre);
    free(t->steps);
    free(t->roots);
    free(t);
}

uint64_t dispute_trace_steps(const struct dispute_trace *t) { return t->n; }

void dispute_trace_root(const struct dispute_trace *t, uint64_t i, uint8_t root[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(i <= t->n);
    memcpy(root, t->roots[i], MERKLE_HASH_BYTES);
}

uint64_t dispute_trace_first_difference(const struct dispute_trace *a,
                                        const struct dispute_trace *b)
{
    uint64_t n = a->n < b->n ? a->n : b->n;
    for (uint64_t i = 0; i <= n; i++)
        if (memcmp(a->roots[i], b->roots[i], MERKLE_HASH_BYTES) != 0)
            return i;
    return 0;
}

static void root_at(void *ctx, uint64_t i, uint8_t root[MERKLE_HASH_BYTES])
{
    dispute_trace_root(ctx, i, root);
}

/* The proof of step k from this view's state before it: O(accounts) to copy the
 * pre-state, k steps replayed, O(n) for the audit path. */
static uint8_t *prove(void *ctx, uint64_t k, size_t *len)
{
    struct dispute_trace *t = ctx;
    SIM_ASSERT(k < t->n);
    struct l2_state *s = state_clone(t->pre);
    replay(t, s, (size_t)k, NULL);
    struct dispute_proof *p = xcalloc(1, sizeof *p);
    const struct dispute_entry *e = &t->steps[k];
    p->entry = *e;
    struct rollup_rules r;
    state_rules(s, &r);
    if (e->deposit) {
        const struct account *a = state_account(s, e->index);
        p->w.slot[0].exists = a != NULL;
        if (a)
            p->w.slot[0].account = *a;
        if (state_index_in_tree(r.depth, e->index))
            state_prove(s, e->index, p->w.slot[0].proof);
    } else {
        one_step_prove(s, &e->tx, 1, 0, &p->w);   /* the slots; the path is the input's */
    }
    uint8_t (*l)[MERKLE_HASH_BYTES] = leaves_of(t->steps, t->n);
    p->w.tx_path_len = merkle_list_prove((const uint8_t (*)[MERKLE_HASH_BYTES])l, t->n, (size_t)k,
                                         p->w.tx_path);
    free(l);
    uint8_t *out;
    *len = dispute_proof_encode(p, r.depth, r.fee_recipient, &out);
    free(p);
    state_free(s);
    return out;
}

void dispute_trace_player(struct dispute_trace *t, struct dispute_player *p)
{
    p->root_at = root_at;
    p->prove = prove;
    p->ctx = t;
}

/* ---- the VM ---- */

void dispute_transfer_vm_init(struct dispute_transfer_vm *v, const struct rollup_rules *r,
                              const struct dispute_entry *steps, size_t n)
{
    v->rules = *r;
    v->sig = *r->sig;
    v->rules.sig = &v->sig;
    dispute_input_commit(steps, n, &v->input);
}

/* A deposit step from its proof alone: the deposit proven to be step k of the input,
 * its account slot proven against pre, credited as state_deposit would (opened with
 * the key if empty; refused, changing nothing, when the slot holds another key or the
 * balance would overflow). 0 and the post root, or -1. */
static int deposit_execute(const struct dispute_transfer_vm *v, uint64_t k,
                           const uint8_t pre[MERKLE_HASH_BYTES], const struct dispute_proof *p,
                           uint8_t post[MERKLE_HASH_BYTES])
{
    const struct dispute_entry *e = &p->entry;
    uint8_t leaf[MERKLE_HASH_BYTES];
    entry_leaf(e, leaf);
    if (v->input.count > SIZE_MAX || k >= v->input.count || p->w.tx_path_len > 64 ||
        !merkle_list_verify(v->input.tx_root, (size_t)v->input.count, (size_t)k, leaf,
                            (const uint8_t (*)[MERKLE_HASH_BYTES])p->w.tx_path, p->w.tx_path_len) ||
        !state_index_in_tree(v->rules.depth, e->index))
        return -1;
    struct account a = p->w.slot[0].account;
    bool exists = p->w.slot[0].exists;
    if (exists)
        account_leaf(&a, leaf);
    else
        memset(leaf, 0, MERKLE_HASH_BYTES);
    const uint8_t (*proof)[MERKLE_HASH_BYTES] = (const uint8_t (*)[MERKLE_HASH_BYTES])p->w.slot[0].proof;
    if (!merkle_verify(pre, v->rules.depth, e->index, leaf, proof))
        return -1;
    memcpy(post, pre, MERKLE_HASH_BYTES);
    if (exists && (memcmp(a.pubkey, e->pubkey, SIG_PUBLICKEY_BYTES) != 0 ||
                   a.balance + e->amount < a.balance))
        return 0;                                     /* refused */
    if (!exists) {
        memcpy(a.pubkey, e->pubkey, SIG_PUBLICKEY_BYTES);
        a.balance = 0, a.nonce = 0;
    }
    a.balance += e->amount;
    account_leaf(&a, leaf);
    for (unsigned l = 0; l < v->rules.depth; l++) {
        uint8_t up[MERKLE_HASH_BYTES];
        if ((e->index >> l) & 1)
            hash_sha256_pair(up, proof[l], leaf);
        else
            hash_sha256_pair(up, leaf, proof[l]);
        memcpy(leaf, up, MERKLE_HASH_BYTES);
    }
    memcpy(post, leaf, MERKLE_HASH_BYTES);
    return 0;
}

static enum one_step_outcome vm_judge(void *ctx, uint64_t k, const uint8_t pre[MERKLE_HASH_BYTES],
                                      const uint8_t claimed_post[MERKLE_HASH_BYTES],
                                      const uint8_t *proof, size_t len)
{
    struct dispute_transfer_vm *v = ctx;
    struct dispute_proof *p = xmalloc(sizeof *p);
    enum one_step_outcome o = ONE_STEP_BAD_WITNESS;
    if (dispute_proof_decode(proof, len, v->rules.depth, v->rules.fee_recipient, p) == 0) {
        if (!p->entry.deposit) {
            o = one_step_judge(&v->rules, &v->input, k, pre, claimed_post, &p->w);
        } else {
            uint8_t post[MERKLE_HASH_BYTES];
            if (deposit_execute(v, k, pre, p, post) == 0)
                o = memcmp(post, claimed_post, MERKLE_HASH_BYTES) == 0 ? ONE_STEP_CLAIM_HOLDS
                                                                       : ONE_STEP_CLAIM_FALSE;
        }
    }
    free(p);
    return o;
}

struct dispute_vm dispute_transfer_vm(struct dispute_transfer_vm *v)
{
    return (struct dispute_vm){ vm_judge, v };
}

/* ---- the proof as bytes ---- */

static uint8_t *put_slot(uint8_t *q, const struct one_step_witness *w, int s, bool in_tree,
                         unsigned depth)
{
    *q++ = w->slot[s].exists;
    if (w->slot[s].exists) {
        memcpy(q, w->slot[s].account.pubkey, SIG_PUBLICKEY_BYTES), q += SIG_PUBLICKEY_BYTES;
        put_le(q, w->slot[s].account.balance, 16), q += 16;
        put_le(q, w->slot[s].account.nonce, 8), q += 8;
    }
    if (in_tree) {
        memcpy(q, w->slot[s].proof, (size_t)depth * MERKLE_HASH_BYTES);
        q += (size_t)depth * MERKLE_HASH_BYTES;
    }
    return q;
}

static const uint8_t *get_slot(const uint8_t *q, const uint8_t *end, struct one_step_witness *w,
                               int s, bool in_tree, unsigned depth)
{
    if (q == end || *q > 1)
        return NULL;
    w->slot[s].exists = *q++;
    if (w->slot[s].exists) {
        if ((size_t)(end - q) < ACCOUNT_BYTES)
            return NULL;
        memcpy(w->slot[s].account.pubkey, q, SIG_PUBLICKEY_BYTES), q += SIG_PUBLICKEY_BYTES;
        w->slot[s].account.balance = get_le(q, 16), q += 16;
        w->slot[s].account.nonce = (uint64_t)get_le(q, 8), q += 8;
    }
    if (in_tree) {
        if ((size_t)(end - q) < (size_t)depth * MERKLE_HASH_BYTES)
            return NULL;
        memcpy(w->slot[s].proof, q, (size_t)depth * MERKLE_HASH_BYTES);
        q += (size_t)depth * MERKLE_HASH_BYTES;
    }
    return q;
}

size_t dispute_proof_encode(const struct dispute_proof *p, unsigned depth,
                            uint64_t fee_recipient, uint8_t **out)
{
    const struct one_step_witness *w = &p->w;
    size_t cap = 1 + TRANSFER_WIRE_BYTES + DEPOSIT_BYTES + 1 + 64 * MERKLE_HASH_BYTES +
                 TRANSFER_STEPS * (1 + ACCOUNT_BYTES + (size_t)depth * MERKLE_HASH_BYTES);
    uint8_t *b = xmalloc(cap), *q = b;
    if (p->entry.deposit) {
        *q++ = 2;
        put_le(q, p->entry.index, 8), q += 8;
        memcpy(q, p->entry.pubkey, SIG_PUBLICKEY_BYTES), q += SIG_PUBLICKEY_BYTES;
        put_le(q, p->entry.amount, 16), q += 16;
    } else {
        *q++ = 1;
        transfer_wire(&w->tx, q), q += TRANSFER_WIRE_BYTES;
    }
    *q++ = (uint8_t)w->tx_path_len;
    memcpy(q, w->tx_path, w->tx_path_len * MERKLE_HASH_BYTES), q += w->tx_path_len * MERKLE_HASH_BYTES;
    if (p->entry.deposit)
        q = put_slot(q, w, 0, state_index_in_tree(depth, p->entry.index), depth);
    else
        for (int s = 0; s < TRANSFER_STEPS; s++)
            q = put_slot(q, w, s, state_index_in_tree(depth, transfer_step_index(&w->tx, s,
                                                                                 fee_recipient)),
                         depth);
    *out = b;
    return (size_t)(q - b);
}

int dispute_proof_decode(const uint8_t *in, size_t len, unsigned depth, uint64_t fee_recipient,
                         struct dispute_proof *p)
{
    memset(p, 0, sizeof *p);
    struct one_step_witness *w = &p->w;
    const uint8_t *q = in, *end = in + len;
    if (depth < 1 || depth > MERKLE_DEPTH_MAX || len < 1 || (*q != 1 && *q != 2))
        return -1;
    p->entry.deposit = *q++ == 2;
    if (p->entry.deposit) {
        if ((size_t)(end - q) < 8 + SIG_PUBLICKEY_BYTES + 16)
            return -1;
        p->entry.index = (uint64_t)get_le(q, 8), q += 8;
        memcpy(p->entry.pubkey, q, SIG_PUBLICKEY_BYTES), q += SIG_PUBLICKEY_BYTES;
        p->entry.amount = get_le(q, 16), q += 16;
    } else {
        if ((size_t)(end - q) < TRANSFER_WIRE_BYTES || !transfer_from_wire(q, &w->tx))
            return -1;
        p->entry.tx = w->tx;
        q += TRANSFER_WIRE_BYTES;
    }
    if (q == end)
        return -1;
    w->tx_path_len = *q++;
    if (w->tx_path_len > 64 || (size_t)(end - q) < w->tx_path_len * MERKLE_HASH_BYTES)
        return -1;
    memcpy(w->tx_path, q, w->tx_path_len * MERKLE_HASH_BYTES), q += w->tx_path_len * MERKLE_HASH_BYTES;
    if (p->entry.deposit) {
        q = get_slot(q, end, w, 0, state_index_in_tree(depth, p->entry.index), depth);
    } else {
        for (int s = 0; s < TRANSFER_STEPS && q; s++)
            q = get_slot(q, end, w, s, state_index_in_tree(depth, transfer_step_index(&w->tx, s,
                                                                                     fee_recipient)),
                         depth);
    }
    return q == end ? 0 : -1;
}

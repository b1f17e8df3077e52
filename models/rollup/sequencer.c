/* sequencer.c — the rollup's sequencer: admits signed transfers into its pool (nonce
 * in turn, balance covering amount + fee with what the sender already has pending),
 * seals an L2 block every block_time, executing the pool in FIFO or priority-fee
 * order against the L2 state (signature, nonce and balance judged again, by the
 * state's rules: state.h), and prices the next block by the L2's EIP-1559 market.
 * A transfer is soft-confirmed when its block is sealed: that is when its fee is
 * charged. Sealed blocks go to the batcher and, for the optimistic rollup, the
 * proposer. */
#include <stdlib.h>
#include <string.h>

#include "models/rollup/rollup_int.h"
#include "models/workload/users.h"

/* ---- the pool: by (key, admission order), a ring for what arrives in order and a
 * binary heap for the rest ---- */

/* The order key: L1-forced transfers first (derivation puts them first), then, in
 * priority order, the highest tip; ties by admission order (seq). */
static uint64_t pool_key(const struct rollup *ru, const struct ru_tx *t)
{
    const uint64_t top = UINT64_C(1) << 63;
    SIM_ASSERT(t->tip < top);   /* a tip per gas of 2^63 wei: no parameter allows it */
    return (t->forced ? 0 : top) | (ru->priority ? top - 1 - t->tip : 0);
}

static bool before(const struct ru_pool_entry *a, const struct ru_pool_entry *b)
{
    return a->key != b->key ? a->key < b->key : a->seq < b->seq;
}

static struct ru_pool_entry *fifo_at(const struct rollup *ru, size_t i)
{
    return &ru->fifo[(ru->fifo_head + i) % ru->cap_fifo];
}

static size_t pool_count(const struct rollup *ru) { return ru->npool + ru->nfifo; }

/* The ring, when e is not before its last entry (arrival order, as FIFO order always
 * is, and a priority pool's equal tips): O(1). Returns false when e must go to the
 * heap. */
static bool fifo_push(struct rollup *ru, const struct ru_pool_entry *e)
{
    if (ru->nfifo && before(e, fifo_at(ru, ru->nfifo - 1)))
        return false;
    if (ru->nfifo == ru->cap_fifo) {   /* grow: unroll the ring into the new array */
        size_t cap = ru->cap_fifo ? 2 * ru->cap_fifo : 256;
        struct ru_pool_entry *v = xmalloc(cap * sizeof *v);
        for (size_t i = 0; i < ru->nfifo; i++)
            v[i] = *fifo_at(ru, i);
        free(ru->fifo);
        ru->fifo = v, ru->cap_fifo = cap, ru->fifo_head = 0;
    }
    ru->nfifo++;
    *fifo_at(ru, ru->nfifo - 1) = *e;
    return true;
}

static void pool_push(struct rollup *ru, struct ru_tx *t)
{
    struct ru_pool_entry e = { pool_key(ru, t), t->seq, t };
    if (fifo_push(ru, &e))
        return;
    if (ru->npool == ru->cap_pool) {
        ru->cap_pool = ru->cap_pool ? 2 * ru->cap_pool : 256;
        ru->pool = xrealloc(ru->pool, ru->cap_pool * sizeof *ru->pool);
    }
    size_t i = ru->npool++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&e, &ru->pool[p]))
            break;
        ru->pool[i] = ru->pool[p];
        i = p;
    }
    ru->pool[i] = e;
}

static struct ru_tx *pool_pop(struct rollup *ru)
{
    if (ru->nfifo && (!ru->npool || before(fifo_at(ru, 0), &ru->pool[0]))) {
        struct ru_tx *t = fifo_at(ru, 0)->t;
        ru->fifo_head = (ru->fifo_head + 1) % ru->cap_fifo;
        ru->nfifo--;
        return t;
    }
    struct ru_tx *top = ru->pool[0].t;
    struct ru_pool_entry last = ru->pool[--ru->npool];
    size_t i = 0, n = ru->npool;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&ru->pool[c + 1], &ru->pool[c]))
            c++;
        if (!before(&ru->pool[c], &last))
            break;
        ru->pool[i] = ru->pool[c];
        i = c;
    }
    if (n)
        ru->pool[i] = last;
    return top;
}

/* ---- transfers' memory ---- */

/* At most this many kept (26 MB); none under AddressSanitizer, where a reused
 * transfer would hide a use after free of the one before it (as l1.c's spare
 * transactions). */
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPARE_MAX 0
#endif
#endif
#ifndef SPARE_MAX
#define SPARE_MAX (1 << 16)
#endif

struct ru_tx *seq_tx_new(struct rollup *ru, size_t size)
{
    SIM_ASSERT(ru->tx_size == 0 || ru->tx_size == size);
    ru->tx_size = size;
    struct ru_tx *t = ru->spare;
    if (!t)
        return xcalloc(1, size);
    ru->spare = t->next, ru->nspare--;
    memset(t, 0, size);
    return t;
}

void seq_tx_recycle(struct rollup *ru, struct ru_tx *t)
{
    if (SPARE_MAX == 0 || ru->nspare + 1 > (size_t)SPARE_MAX) {
        free(t);
        return;
    }
    t->next = ru->spare;
    ru->spare = t, ru->nspare++;
}

/* ---- fees ---- */

void seq_quote(const struct rollup *ru, uint64_t tip, u128 *l2_fee, u128 *l1_fee)
{
    *l2_fee = (u128)ROLLUP_TRANSFER_GAS * ((u128)ru->base_fee + tip);
    if (ru->kind == ROLLUP_VALIDIUM) {
        *l1_fee = 0;   /* its data never goes to L1: no data fee (batches table: margin) */
        return;
    }
    /* The compressed-size estimate: the transfer's bytes in a batch (signed encoding
     * and signature) times the compression ratio the batcher has achieved so far (1
     * before the first batch), in Fjord's 1e6 scale; integers only. */
    u128 size = (u128)TRANSFER_WIRE_BYTES * 1000000u;
    if (ru->raw_total)
        size = size * ru->compressed_total / ru->raw_total;
    struct l1 *l1 = ru->sc->world->l1;
    *l1_fee = fjord_l1_fee(&ru->fees, size > UINT64_MAX ? UINT64_MAX : (uint64_t)size,
                           l1_base_fee(l1), l1_blob_base_fee(l1));
}

/* ---- admission ---- */

/* Why the sequencer refused a transfer, as a fixed phrase (txs.reason). */
static const char *refusal(enum transfer_verdict v)
{
    switch (v) {
    case TRANSFER_NO_SENDER:     return "refused: the sender has no L2 account (no deposit credited)";
    case TRANSFER_NO_RECIPIENT:  return "refused: the recipient has no L2 account";
    case TRANSFER_NO_FEE_RECIPIENT: return "refused: the fee recipient has no account";
    case TRANSFER_BAD_SIGNATURE: return "refused: bad signature";
    case TRANSFER_WRONG_CHAIN:   return "refused: signed for another chain";
    case TRANSFER_NONCE_REUSED:  return "refused: nonce reused";
    case TRANSFER_NONCE_GAP:     return "refused: nonce ahead of the account's";
    case TRANSFER_OVERDRAFT:     return "refused: overdraft (the L2 balance does not cover amount + fee)";
    case TRANSFER_OVERFLOW:      return "refused: a balance would overflow";
    case TRANSFER_OK:            break;
    }
    return "refused";
}

/* Admission, as a client's pool does before the block builder sees a transfer: the
 * sender's account exists, the nonce is the next one after what it has pending, and
 * the balance covers this transfer on top of its pending ones. The signature is judged
 * once, at execution (state_apply), where a forged transfer is refused all the same. */
void seq_offer(struct rollup *ru, struct ru_tx *t)
{
    const struct account *from = state_account(ru->state, t->tx.from);
    uint32_t user = (uint32_t)(t->tx.from - ROLLUP_USER_ACCOUNT(0));
    enum transfer_verdict v = TRANSFER_OK;
    struct ru_user *u = from && t->tx.from >= ROLLUP_USER_ACCOUNT(0) &&
                        t->tx.from - ROLLUP_USER_ACCOUNT(0) < ru->nusers ? ru_user(ru, user) : NULL;
    if (!from || !u)
        v = TRANSFER_NO_SENDER;
    else if (t->tx.nonce < from->nonce + u->pending_n)
        v = TRANSFER_NONCE_REUSED;
    else if (t->tx.nonce > from->nonce + u->pending_n)
        v = TRANSFER_NONCE_GAP;
    else if (from->balance < u->pending_debit ||
             from->balance - u->pending_debit < t->tx.amount ||
             from->balance - u->pending_debit - t->tx.amount < t->tx.fee)
        v = TRANSFER_OVERDRAFT;
    if (v != TRANSFER_OK) {
        ru_tx_failed(ru, t, "failed", refusal(v));
        return;
    }
    /* the recipient's account opens with this block if it has none: an address
     * exists on first receipt */
    if (!state_account(ru->state, t->tx.to) && t->tx.to >= ROLLUP_USER_ACCOUNT(0)) {
        struct ru_user *r = ru_user(ru, (uint32_t)(t->tx.to - ROLLUP_USER_ACCOUNT(0)));
        seq_credit(ru, t->tx.to, r->kp.pk, 0);
        r->opened = true;
    }
    u->pending_debit += t->tx.amount + t->tx.fee;
    u->pending_n++;
    u->next_nonce = t->tx.nonce + 1;
    t->seq = ru->seq++;
    if (!t->withdrawal && inbox_censored(ru, user)) {
        inbox_hold(ru, t);   /* dropped by the sequencer: the wallet will force it */
        return;
    }
    pool_push(ru, t);
}

/* A transfer forced through the L1 inbox: derivation puts it in the next block,
 * whatever the sequencer wants (its nonce and balance were admitted when signed). */
void seq_push_forced(struct rollup *ru, struct ru_tx *t)
{
    t->forced = true;
    pool_push(ru, t);
}

/* A deposit (or an account opening) credited now, which is the start of the next
 * block: transfers execute only when a block is sealed. */
void seq_credit(struct rollup *ru, uint64_t index, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                u128 amount)
{
    struct err e;
    err_init(&e);
    if (state_deposit(ru->state, index, pk, amount, &e) != 0) {
        world_fail(ru->sc->world, "scheme '%s': %s", ru->sc->name, e.msg);
        return;
    }
    if (ru->nopen_deps == ru->cap_open_deps) {
        ru->cap_open_deps = ru->cap_open_deps ? 2 * ru->cap_open_deps : 16;
        ru->open_deps = xrealloc(ru->open_deps, ru->cap_open_deps * sizeof *ru->open_deps);
    }
    struct rollup_deposit *d = &ru->open_deps[ru->nopen_deps++];
    d->index = index;
    memcpy(d->pubkey, pk, SIG_PUBLICKEY_BYTES);
    d->amount = amount;
}

/* ---- sealing a block ---- */

static void release(struct rollup *ru, const struct ru_tx *t)
{
    struct ru_user *u = ru_user(ru, (uint32_t)(t->tx.from - ROLLUP_USER_ACCOUNT(0)));
    u->pending_debit -= t->tx.amount + t->tx.fee;
    u->pending_n--;
}

static void on_seal(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct rollup *ru = ctx;
    sim_time now = sim_now(sim);
    struct ru_block *b = xcalloc(1, sizeof *b);
    b->number = ru->nblocks + 1;
    b->time = now;
    b->deps = ru->open_deps, b->ndeps = ru->nopen_deps;
    ru->open_deps = NULL, ru->nopen_deps = ru->cap_open_deps = 0;
    /* the pre-state root: the previous block's post-state plus this block's deposits;
     * the deposits are in the trace as the block's first steps (rollup.h) */
    state_root(ru->state, b->pre_root);

    size_t want = pool_count(ru) < ru->max_block_txs ? pool_count(ru) : (size_t)ru->max_block_txs;
    b->txs = xmalloc((want ? want : 1) * sizeof *b->txs);
    b->recs = xmalloc((want ? want : 1) * sizeof *b->recs);
    b->wd = xcalloc(want ? want : 1, sizeof *b->wd);
    struct ru_tx **later = NULL;
    size_t nlater = 0;
    while (b->ntxs < want && pool_count(ru)) {
        struct ru_tx *t = pool_pop(ru);
        enum transfer_verdict v = state_apply(ru->state, &t->tx);
        if (v == TRANSFER_NONCE_GAP) {
            /* priority order put it before an earlier transfer of its sender: it
             * waits for the next block, as a pool keeps a sender's nonces in order */
            later = xrealloc(later, (nlater + 1) * sizeof *later);
            later[nlater++] = t;
            continue;
        }
        release(ru, t);
        if (v != TRANSFER_OK) {
            ru_tx_failed(ru, t, "failed", refusal(v));
            continue;
        }
        size_t k = b->ntxs++;
        b->txs[k] = t->tx;
        u128 l1_fee = t->rec.l1_fee, l2_fee = t->rec.l2_fee;
        b->l1_fees += l1_fee, b->l2_fees += l2_fee;
        ru->revenue_l1 += l1_fee, ru->revenue_l2 += l2_fee;
        if (t->forced) {
            ru->forced_done++;
            ru->forced_wait_sum += now - t->rec.submit;
        }
        if (t->withdrawal) {
            b->wd[k] = t->wd + 1;
            memset(&b->recs[k], 0, sizeof b->recs[k]);
            ru_withdrawal_burned(ru, t->wd, b);
        } else {
            t->rec.soft = now;
            t->rec.charged = true;
            t->rec.status = "soft";
            b->recs[k] = t->rec;
        }
        seq_tx_recycle(ru, t);
    }
    for (size_t i = 0; i < nlater; i++)
        pool_push(ru, later[i]);
    free(later);
    state_root(ru->state, b->post_root);
    ru->base_fee = l2_next_base_fee(&ru->fees, ru->base_fee,
                                    (uint64_t)b->ntxs * ROLLUP_TRANSFER_GAS);

    if (ru->nblocks == ru->cap_blocks) {
        ru->cap_blocks = ru->cap_blocks ? 2 * ru->cap_blocks : 1024;
        ru->blocks = xrealloc(ru->blocks, ru->cap_blocks * sizeof *ru->blocks);
    }
    ru->blocks[ru->nblocks++] = b;
    ru_notify_block(ru, b);
    batcher_add_block(ru, b);
    if (ROLLUP_CLAIMS(ru))
        proposer_on_block(ru, b);
    sim_after(sim, ru->block_time, on_seal, ru, NULL, 0);
}

void seq_start(struct rollup *ru)
{
    sim_at(ru->sc->world->sim, ru->block_time, on_seal, ru, NULL, 0);
}

static int by_seq(const void *a, const void *b)
{
    const struct ru_tx *x = *(const struct ru_tx *const *)a, *y = *(const struct ru_tx *const *)b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The run's end: what is still in the pool has its row as it stands (pending). */
void seq_finish(struct rollup *ru)
{
    /* in admission order, so the table's insertion order is deterministic */
    size_t n = 0, total = pool_count(ru);
    struct ru_tx **v = xmalloc((total ? total : 1) * sizeof *v);
    while (ru->npool)
        v[n++] = ru->pool[--ru->npool].t;
    for (; ru->nfifo; ru->nfifo--)
        v[n++] = fifo_at(ru, ru->nfifo - 1)->t;
    qsort(v, n, sizeof *v, by_seq);
    for (size_t i = 0; i < n; i++)
        ru_tx_failed(ru, v[i], NULL, NULL);
    free(v);
}

void seq_free(struct rollup *ru)
{
    for (size_t i = 0; i < ru->npool; i++)
        free(ru->pool[i].t);
    for (size_t i = 0; i < ru->nfifo; i++)
        free(fifo_at(ru, i)->t);
    free(ru->pool), free(ru->fifo);
    for (struct ru_tx *t = ru->spare, *next; t; t = next) {
        next = t->next;
        free(t);
    }
    for (uint64_t i = 0; i < ru->nblocks; i++) {
        struct ru_block *b = ru->blocks[i];
        if (!b)
            continue;
        free(b->deps), free(b->txs), free(b->recs), free(b->wd);
        free(b);
    }
    free(ru->blocks);
    free(ru->open_deps);
}

/* contract.c — the Plasma MVP root-chain contract of contract.h: block roots, deposit
 * blocks, the exit queue (a binary heap by exitable time, then UTXO position),
 * challenges and payouts. */
#include "models/plasma/contract.h"

#include <stdlib.h>
#include <string.h>

#include "models/crypto/merkle.h"
#include "sim/fault.h"

struct plasma_contract {
    const struct sig_ctx *sig;
    uint64_t interval;           /* MVP CHILD_BLOCK_INTERVAL */
    uint64_t child_next;         /* MVP currentChildBlock: the next operator block */
    uint64_t deposit_k;          /* MVP currentDepositBlock: 1.. between two child blocks */
    u128     min_bond;
    int64_t  period;             /* challenge period, us */
    u128     holdings, bonds_held;

    struct pc_block *blocks;     /* in recording order, so by increasing number */
    size_t   nblocks, capblocks;

    /* exits by position (open addressing; exits are never removed) */
    struct pc_exit **map;
    size_t   mapcap, nexits;
    uint64_t seq;
    /* the queue: exits still STARTED, a min-heap on (exitable_at, pos, seq) */
    struct pc_exit **heap;
    size_t   nheap, capheap;
};

const char *pc_error_str(enum pc_error e)
{
    switch (e) {
    case PC_OK:             return "ok";
    case PC_BAD_CALLDATA:   return "calldata cannot be decoded";
    case PC_NO_BLOCK:       return "no root committed for the named block";
    case PC_BAD_PROOF:      return "the Merkle proof does not lead to the committed root";
    case PC_NOT_OWNER:      return "the exiter does not own the output";
    case PC_EXIT_EXISTS:    return "the output already has an exit";
    case PC_BOND_TOO_SMALL: return "the bond is below the contract's minimum";
    case PC_NO_EXIT:        return "no challengeable exit at that position";
    case PC_NOT_A_SPEND:    return "the transaction does not spend the exiting output";
    case PC_BAD_SIGNATURE:  return "the spend is not signed by the exit's owner";
    case PC_INPUT_SIGNED:   return "the input's owner signed the exiting transaction";
    case PC_BLOCK_ORDER:    return "block root out of order";
    }
    return "?";
}

struct plasma_contract *pc_new(const struct sig_ctx *sig, uint64_t interval, u128 min_bond,
                               int64_t challenge_period)
{
    struct plasma_contract *c = xcalloc(1, sizeof *c);
    c->sig = sig;
    c->interval = interval;
    c->child_next = interval;
    c->deposit_k = 1;
    c->min_bond = min_bond;
    c->period = challenge_period;
    c->mapcap = 64;
    c->map = xcalloc(c->mapcap, sizeof *c->map);
    return c;
}

void pc_free(struct plasma_contract *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->mapcap; i++)
        free(c->map[i]);
    free(c->map);
    free(c->heap);
    free(c->blocks);
    free(c);
}

/* ---- little-endian fields of calldata ---- */

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

/* A cursor over calldata: each take fails (ok = false) past the end. */
struct rd {
    const uint8_t *p;
    size_t n, k;
    bool ok;
};

static const uint8_t *take(struct rd *r, size_t n)
{
    if (!r->ok || r->n - r->k < n) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *p = r->p + r->k;
    r->k += n;
    return p;
}

static uint64_t take64(struct rd *r)
{
    const uint8_t *p = take(r, 8);
    uint64_t v = 0;
    for (int i = 7; p && i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint8_t take8(struct rd *r)
{
    const uint8_t *p = take(r, 1);
    return p ? *p : 0;
}

/* A proven transaction as it sits in calldata: u8 len | tx | sig | u8 n | n x 32. */
static size_t put_proven(uint8_t *out, const uint8_t *tx, size_t txlen, const uint8_t *sig,
                         const uint8_t (*proof)[32], size_t nproof)
{
    size_t k = 0;
    out[k++] = (uint8_t)txlen;
    memcpy(out + k, tx, txlen);
    k += txlen;
    memcpy(out + k, sig, PTX_SIG_BYTES);
    k += PTX_SIG_BYTES;
    out[k++] = (uint8_t)nproof;
    memcpy(out + k, proof, 32 * nproof);
    return k + 32 * nproof;
}

struct proven {
    const uint8_t *tx, *sig;
    size_t txlen, nproof;
    const uint8_t (*proof)[32];
    struct ptx_view v;
};

static bool take_proven(struct rd *r, struct proven *p)
{
    p->txlen = take8(r);
    p->tx = take(r, p->txlen);
    p->sig = take(r, PTX_SIG_BYTES);
    p->nproof = take8(r);
    p->proof = (const uint8_t (*)[32])take(r, 32 * p->nproof);
    return r->ok && p->nproof <= 64 && ptx_decode(p->tx, p->txlen, &p->v);
}

/* ---- blocks ---- */

static void add_block(struct plasma_contract *c, uint64_t num, const uint8_t root[32],
                      uint32_t count, int64_t now, bool deposit)
{
    if (c->nblocks == c->capblocks) {
        c->capblocks = c->capblocks ? 2 * c->capblocks : 64;
        c->blocks = xrealloc(c->blocks, c->capblocks * sizeof *c->blocks);
    }
    struct pc_block *b = &c->blocks[c->nblocks++];
    b->num = num;
    memcpy(b->root, root, 32);
    b->count = count;
    b->time = now;
    b->deposit = deposit;
}

/* Binary search: blocks are recorded in increasing number. O(log n). */
const struct pc_block *pc_block_at(const struct plasma_contract *c, uint64_t num)
{
    size_t lo = 0, hi = c->nblocks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->blocks[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nblocks && c->blocks[lo].num == num ? &c->blocks[lo] : NULL;
}

/* The transaction at txpos (blknum x 1e9 + txindex x 1e4) is p: its leaf is under
 * the committed root. */
static enum pc_error verify_proven(const struct plasma_contract *c, uint64_t txpos,
                                   const struct proven *p)
{
    const struct pc_block *b = pc_block_at(c, ptx_pos_block(txpos));
    if (!b)
        return PC_NO_BLOCK;
    uint64_t index = ptx_pos_tx(txpos);
    uint8_t leaf[32];
    ptx_leaf(p->tx, p->txlen, p->sig, leaf);
    if (index >= b->count ||
        !merkle_list_verify(b->root, b->count, index, leaf, p->proof, p->nproof))
        return PC_BAD_PROOF;
    return PC_OK;
}

size_t pc_submit_block_calldata(uint8_t out[PC_SUBMIT_BLOCK_BYTES], uint64_t num,
                                const uint8_t root[32], uint32_t count)
{
    put64(out, num);
    memcpy(out + 8, root, 32);
    for (int i = 0; i < 4; i++)
        out[40 + i] = (uint8_t)(count >> (8 * i));
    return PC_SUBMIT_BLOCK_BYTES;
}

enum pc_error pc_submit_block(struct plasma_contract *c, const uint8_t *calldata, size_t len,
                              int64_t now, uint64_t *exec_gas)
{
    /* two new slots (root, time) and the event */
    *exec_gas = 2 * PC_GAS_SSTORE_NEW + PC_GAS_LOG;
    struct rd r = { calldata, len, 0, true };
    uint64_t num = take64(&r);
    const uint8_t *root = take(&r, 32);
    const uint8_t *cnt = take(&r, 4);
    if (!r.ok || r.k != len)
        return PC_BAD_CALLDATA;
    if (num != c->child_next)
        return PC_BLOCK_ORDER;
    uint32_t count = (uint32_t)cnt[0] | (uint32_t)cnt[1] << 8 | (uint32_t)cnt[2] << 16 |
                     (uint32_t)cnt[3] << 24;
    add_block(c, num, root, count, now, false);
    c->child_next += c->interval;
    c->deposit_k = 1;
    return PC_OK;
}

uint64_t pc_deposit_gas(void)
{
    /* the deposit transaction hashed into the block's root (leaf: 4 words), root and
     * time stored, the event */
    return PC_GAS_PROOF_LEVEL + 2 * PC_GAS_SSTORE_NEW + PC_GAS_LOG;
}

enum pc_error pc_deposit(struct plasma_contract *c, const uint8_t owner[32], u128 amount,
                         int64_t now, uint64_t *num, uint64_t *exec_gas)
{
    *exec_gas = pc_deposit_gas();
    if (c->deposit_k >= c->interval)        /* MVP: require(currentDepositBlock < interval) */
        return PC_BLOCK_ORDER;
    struct ptx_view v = { .nin = 0, .nout = 1 };
    memcpy(v.owner[0], owner, 32);
    v.value[0] = amount;
    uint8_t tx[PTX_MAX_BYTES], sig[PTX_SIG_BYTES] = { 0 }, leaf[32];
    size_t len = ptx_encode(&v, tx);
    ptx_leaf(tx, len, sig, leaf);
    /* a one-leaf list's root is its leaf hash (RFC 6962 §2.1) */
    *num = c->child_next - c->interval + c->deposit_k++;
    add_block(c, *num, leaf, 1, now, true);
    c->holdings += amount;
    return PC_OK;
}

/* ---- exits by position ---- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

struct pc_exit *pc_exit_at(const struct plasma_contract *c, uint64_t pos)
{
    for (size_t i = mix(pos) & (c->mapcap - 1);; i = (i + 1) & (c->mapcap - 1)) {
        if (!c->map[i])
            return NULL;
        if (c->map[i]->pos == pos)
            return c->map[i];
    }
}

static void map_put(struct plasma_contract *c, struct pc_exit *x)
{
    if (2 * (c->nexits + 1) > c->mapcap) {
        struct pc_exit **old = c->map;
        size_t oldcap = c->mapcap;
        c->mapcap *= 2;
        c->map = xcalloc(c->mapcap, sizeof *c->map);
        c->nexits = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i])
                map_put(c, old[i]);
        free(old);
    }
    size_t i = mix(x->pos) & (c->mapcap - 1);
    while (c->map[i])
        i = (i + 1) & (c->mapcap - 1);
    c->map[i] = x;
    c->nexits++;
}

/* ---- the priority queue (plasma-mvp's PriorityQueue of exitable_at << 128 | utxoPos:
 * soonest exitable first, then lowest position) ---- */

bool pc_exit_precedes(const struct pc_exit *a, const struct pc_exit *b)
{
    if (a->exitable_at != b->exitable_at)
        return a->exitable_at < b->exitable_at;
    return a->pos != b->pos ? a->pos < b->pos : a->seq < b->seq;
}

static void heap_swap(struct plasma_contract *c, size_t i, size_t j)
{
    struct pc_exit *t = c->heap[i];
    c->heap[i] = c->heap[j];
    c->heap[j] = t;
}

static void sift_up(struct plasma_contract *c, size_t i)
{
    while (i > 0 && pc_exit_precedes(c->heap[i], c->heap[(i - 1) / 2])) {
        heap_swap(c, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(struct plasma_contract *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < c->nheap && pc_exit_precedes(c->heap[l], c->heap[m]))
            m = l;
        if (l + 1 < c->nheap && pc_exit_precedes(c->heap[l + 1], c->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        heap_swap(c, i, m);
        i = m;
    }
}

static void heap_push(struct plasma_contract *c, struct pc_exit *x)
{
    if (c->nheap == c->capheap) {
        c->capheap = c->capheap ? 2 * c->capheap : 64;
        c->heap = xrealloc(c->heap, c->capheap * sizeof *c->heap);
    }
    c->heap[c->nheap++] = x;
    sift_up(c, c->nheap - 1);
}

/* Remove heap entry i. O(log n). */
static void heap_remove(struct plasma_contract *c, size_t i)
{
    c->heap[i] = c->heap[--c->nheap];
    if (i < c->nheap) {
        sift_down(c, i);
        sift_up(c, i);
    }
}

static unsigned log2_ceil(size_t n)
{
    unsigned k = 0;
    while (((size_t)1 << k) < n)
        k++;
    return k;
}

size_t pc_exit_calldata(uint8_t *out, uint64_t pos, const uint8_t *tx, size_t txlen,
                        const uint8_t sig[64], const uint8_t (*proof)[32], size_t nproof)
{
    put64(out, pos);
    return 8 + put_proven(out + 8, tx, txlen, sig, proof, nproof);
}

uint64_t pc_exit_gas_estimate(size_t nproof, size_t queued)
{
    /* the proof, the exit's three slots (owner, amount, bond), the queue entry and its
     * sift (a slot rewritten per level), the event */
    return nproof * PC_GAS_PROOF_LEVEL + 3 * PC_GAS_SSTORE_NEW + PC_GAS_SSTORE_NEW +
           log2_ceil(queued + 1) * PC_GAS_SSTORE_SET + PC_GAS_LOG;
}

enum pc_error pc_start_exit(struct plasma_contract *c, const uint8_t *calldata, size_t len,
                            const uint8_t sender[32], u128 bond, int64_t now,
                            struct pc_exit **out, uint64_t *exec_gas)
{
    *out = NULL;
    struct rd r = { calldata, len, 0, true };
    uint64_t pos = take64(&r);
    struct proven p;
    bool ok = take_proven(&r, &p) && r.k == len;
    *exec_gas = pc_exit_gas_estimate(ok ? p.nproof : 0, c->nheap);
    if (!ok)
        return PC_BAD_CALLDATA;
    enum pc_error e = verify_proven(c, pos - ptx_pos_out(pos), &p);
    if (e)
        return e;
    uint64_t o = ptx_pos_out(pos);
    if (o >= p.v.nout)
        return PC_BAD_CALLDATA;
    if (memcmp(p.v.owner[o], sender, 32) != 0)
        return PC_NOT_OWNER;
    if (pc_exit_at(c, pos))
        return PC_EXIT_EXISTS;
    if (bond < c->min_bond)
        return PC_BOND_TOO_SMALL;
    struct pc_exit *x = xcalloc(1, sizeof *x);
    x->pos = pos;
    x->seq = c->seq++;
    memcpy(x->owner, sender, 32);
    x->amount = p.v.value[o];
    x->bond = bond;
    x->started = now;
    /* plasma-mvp addExitToQueue: max(created_at + 2 weeks, block.timestamp + 1 week),
     * created_at being the time the UTXO's block reached the root chain */
    int64_t created = pc_block_at(c, ptx_pos_block(pos))->time;
    x->exitable_at = created + 2 * c->period > now + c->period ? created + 2 * c->period
                                                               : now + c->period;
    x->status = PC_EXIT_STARTED;
    map_put(c, x);
    heap_push(c, x);
    c->holdings += bond;
    c->bonds_held += bond;
    *out = x;
    return PC_OK;
}

size_t pc_challenge_spent_calldata(uint8_t *out, uint64_t exit_pos, const struct pc_proven *spend,
                                   uint8_t input)
{
    size_t k = 0;
    out[k++] = PC_CHALLENGE_SPENT;
    put64(out + k, exit_pos);
    put64(out + k + 8, spend->txpos);
    k += 16;
    out[k++] = input;
    return k + put_proven(out + k, spend->tx, spend->txlen, spend->sig, spend->proof,
                          spend->nproof);
}

size_t pc_challenge_invalid_calldata(uint8_t *out, uint64_t exit_pos,
                                     const struct pc_proven *exiting, uint8_t input,
                                     const struct pc_proven *input_tx)
{
    size_t k = 0;
    out[k++] = PC_CHALLENGE_INVALID;
    put64(out + k, exit_pos);
    k += 8;
    k += put_proven(out + k, exiting->tx, exiting->txlen, exiting->sig, exiting->proof,
                    exiting->nproof);
    out[k++] = input;
    put64(out + k, input_tx->txpos);
    k += 8;
    return k + put_proven(out + k, input_tx->tx, input_tx->txlen, input_tx->sig,
                          input_tx->proof, input_tx->nproof);
}

uint64_t pc_challenge_gas_estimate(size_t nproof_total)
{
    /* the proofs, one signature check, the exit cleared, the bond paid, the event */
    return nproof_total * PC_GAS_PROOF_LEVEL + PC_GAS_ECRECOVER + PC_GAS_SSTORE_SET +
           PC_GAS_CALL_VALUE + PC_GAS_LOG;
}

/* The exit at pos is cancelled: out of the queue, its bond leaves with the challenger. */
static void cancel_exit(struct plasma_contract *c, struct pc_exit *x)
{
    for (size_t i = 0; i < c->nheap; i++)
        if (c->heap[i] == x) {
            heap_remove(c, i);
            break;
        }
    x->status = PC_EXIT_CHALLENGED;
    c->bonds_held -= x->bond;
    c->holdings -= x->bond;
}

enum pc_error pc_challenge(struct plasma_contract *c, const uint8_t *calldata, size_t len,
                           int64_t now, struct pc_exit **out, uint64_t *exec_gas)
{
    (void)now;
    *out = NULL;
    *exec_gas = pc_challenge_gas_estimate(0);
    struct rd r = { calldata, len, 0, true };
    uint8_t tag = take8(&r);
    uint64_t exit_pos = take64(&r);
    struct pc_exit *x = r.ok ? pc_exit_at(c, exit_pos) : NULL;
    if (tag == PC_CHALLENGE_SPENT) {
        uint64_t txpos = take64(&r);
        uint8_t input = take8(&r);
        struct proven s;
        if (!take_proven(&r, &s) || r.k != len)
            return PC_BAD_CALLDATA;
        *exec_gas = pc_challenge_gas_estimate(s.nproof);
        if (!x || x->status != PC_EXIT_STARTED)
            return PC_NO_EXIT;
        enum pc_error e = verify_proven(c, txpos, &s);
        if (e)
            return e;
        if (input >= s.v.nin || s.v.in[input] != exit_pos)
            return PC_NOT_A_SPEND;
        if (!sig_verify(c->sig, x->owner, s.tx, s.txlen, s.sig))
            return PC_BAD_SIGNATURE;
    } else if (tag == PC_CHALLENGE_INVALID) {
        struct proven ex, in;
        bool ok = take_proven(&r, &ex);
        uint8_t input = take8(&r);
        uint64_t in_txpos = take64(&r);
        ok = ok && take_proven(&r, &in) && r.k == len;
        if (!ok)
            return PC_BAD_CALLDATA;
        *exec_gas = pc_challenge_gas_estimate(ex.nproof + in.nproof);
        if (!x || x->status != PC_EXIT_STARTED)
            return PC_NO_EXIT;
        enum pc_error e = verify_proven(c, exit_pos - ptx_pos_out(exit_pos), &ex);
        if (e)
            return e;
        if (input >= ex.v.nin || ex.v.in[input] - ptx_pos_out(ex.v.in[input]) != in_txpos)
            return PC_NOT_A_SPEND;
        if ((e = verify_proven(c, in_txpos, &in)) != PC_OK)
            return e;
        uint64_t o = ptx_pos_out(ex.v.in[input]);
        if (o >= in.v.nout)
            return PC_BAD_CALLDATA;
        if (sig_verify(c->sig, in.v.owner[o], ex.tx, ex.txlen, ex.sig))
            return PC_INPUT_SIGNED;
    } else {
        return PC_BAD_CALLDATA;
    }
    cancel_exit(c, x);
    *out = x;
    return PC_OK;
}

uint64_t pc_process_gas_estimate(size_t n, size_t queued)
{
    /* per exit: the queue's pop (a slot per level), the payout, the exit cleared, the
     * event; plus reading the head once */
    return 2100 + n * (log2_ceil(queued + 1) * PC_GAS_SSTORE_SET + PC_GAS_CALL_VALUE +
                       PC_GAS_SSTORE_SET + PC_GAS_LOG);
}

size_t pc_matured(const struct plasma_contract *c, int64_t now, size_t max)
{
    /* walk the heap in order without changing it: a scratch copy popped k times */
    if (c->nheap == 0 || c->heap[0]->exitable_at > now)
        return 0;
    struct plasma_contract t = *c;
    t.heap = xmalloc(c->nheap * sizeof *t.heap);
    memcpy(t.heap, c->heap, c->nheap * sizeof *t.heap);
    size_t n = 0;
    while (n < max && t.nheap > 0 && t.heap[0]->exitable_at <= now) {
        heap_remove(&t, 0);
        n++;
    }
    free(t.heap);
    return n;
}

size_t pc_process(struct plasma_contract *c, int64_t now, size_t max,
                  void (*paid)(void *ctx, struct pc_exit *x), void *ctx, uint64_t *exec_gas)
{
    size_t n = 0, queued = c->nheap;
    while (n < max && c->nheap > 0 && c->heap[0]->exitable_at <= now) {
        struct pc_exit *x = c->heap[0];
        heap_remove(c, 0);
        u128 free_funds = c->holdings - c->bonds_held;
        x->paid = x->amount < free_funds ? x->amount : free_funds;
        x->status = PC_EXIT_PROCESSED;
        c->bonds_held -= x->bond;
        c->holdings -= x->paid + x->bond;
        if (fault_fire("plasma.contract_holdings"))   /* a test's wrong book */
            c->holdings += 1;
        n++;
        if (paid)
            paid(ctx, x);
    }
    *exec_gas = pc_process_gas_estimate(n, queued);
    return n;
}

uint64_t pc_next_child(const struct plasma_contract *c) { return c->child_next; }
size_t   pc_queued(const struct plasma_contract *c) { return c->nheap; }
u128     pc_holdings(const struct plasma_contract *c) { return c->holdings; }
u128     pc_bonds_held(const struct plasma_contract *c) { return c->bonds_held; }

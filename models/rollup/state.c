/* state.c — accounts under the SHA-256 account tree, transfer rules, execution and
 * the execution trace (see state.h). Accounts live in an array by index beside the
 * tree; the tree holds their leaves, so the root commits to every field. */
#include "models/rollup/state.h"

#include <stdlib.h>
#include <string.h>
#include "models/crypto/hash.h"

static const char transfer_tag[17] = "l2sim/transfer/v1";   /* 17 bytes, no NUL */
static const char account_tag[16] = "l2sim/account/v1";

const char *transfer_verdict_name(enum transfer_verdict v)
{
    switch (v) {
    case TRANSFER_OK:            return "ok";
    case TRANSFER_NO_SENDER:     return "no_sender";
    case TRANSFER_NO_RECIPIENT:  return "no_recipient";
    case TRANSFER_NO_FEE_RECIPIENT: return "no_fee_recipient";
    case TRANSFER_BAD_SIGNATURE: return "bad_signature";
    case TRANSFER_WRONG_CHAIN:   return "wrong_chain";
    case TRANSFER_NONCE_REUSED:  return "nonce_reused";
    case TRANSFER_NONCE_GAP:     return "nonce_gap";
    case TRANSFER_OVERDRAFT:     return "overdraft";
    case TRANSFER_OVERFLOW:      return "overflow";
    }
    return "?";
}

/* The low `bytes` bytes of v, little-endian. On a little-endian host that is v's own
 * memory (one move, where a loop of shifts on a 128-bit value was a tenth of encoding). */
static uint8_t *put_le(uint8_t *p, u128 v, int bytes)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, (size_t)bytes);
#else
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
    return p + bytes;
}

void transfer_encode(const struct l2_transfer *t, uint8_t out[TRANSFER_SIGNED_BYTES])
{
    memcpy(out, transfer_tag, sizeof transfer_tag);
    uint8_t *p = out + sizeof transfer_tag;
    p = put_le(p, t->chain_id, 8);
    p = put_le(p, t->from, 8);
    p = put_le(p, t->to, 8);
    p = put_le(p, t->amount, 16);
    p = put_le(p, t->fee, 16);
    p = put_le(p, t->nonce, 8);
    SIM_ASSERT(p == out + TRANSFER_SIGNED_BYTES);
}

void transfer_wire(const struct l2_transfer *t, uint8_t out[TRANSFER_WIRE_BYTES])
{
    transfer_encode(t, out);
    memcpy(out + TRANSFER_SIGNED_BYTES, t->sig, SIG_BYTES);
}

void transfer_sign(struct l2_transfer *t, const struct sig_ctx *c, const struct sig_keypair *kp)
{
    uint8_t msg[TRANSFER_SIGNED_BYTES];
    transfer_encode(t, msg);
    sig_sign(c, kp, msg, sizeof msg, t->sig);
}

#define ACCOUNT_ENCODED_BYTES (sizeof account_tag + SIG_PUBLICKEY_BYTES + 16 + 8)

static void account_encode(const struct account *a, uint8_t out[ACCOUNT_ENCODED_BYTES])
{
    uint8_t *p = out;
    memcpy(p, account_tag, sizeof account_tag);
    p += sizeof account_tag;
    memcpy(p, a->pubkey, SIG_PUBLICKEY_BYTES);
    p += SIG_PUBLICKEY_BYTES;
    p = put_le(p, a->balance, 16);
    put_le(p, a->nonce, 8);
}

void account_leaf(const struct account *a, uint8_t leaf[MERKLE_HASH_BYTES])
{
    uint8_t buf[ACCOUNT_ENCODED_BYTES];
    account_encode(a, buf);
    hash_sha256(leaf, buf, sizeof buf);
}

/* transfer_check, with the sender's key prepared (vk, made from from->pubkey) when the
 * caller keeps one, else NULL. */
static enum transfer_verdict judge(const struct l2_transfer *t, uint64_t chain_id,
                                   const struct sig_ctx *c, const struct sig_verify_key *vk,
                                   const struct account *from, const struct account *to,
                                   const struct account *fee_to)
{
    if (!from)
        return TRANSFER_NO_SENDER;
    if (!to)
        return TRANSFER_NO_RECIPIENT;
    if (t->fee && !fee_to)
        return TRANSFER_NO_FEE_RECIPIENT;
    if (t->chain_id != chain_id)
        return TRANSFER_WRONG_CHAIN;
    uint8_t msg[TRANSFER_SIGNED_BYTES];
    transfer_encode(t, msg);
    if (vk ? !sig_verify_prepared(c, vk, msg, sizeof msg, t->sig)
           : !sig_verify(c, from->pubkey, msg, sizeof msg, t->sig))
        return TRANSFER_BAD_SIGNATURE;
    if (t->nonce < from->nonce)
        return TRANSFER_NONCE_REUSED;
    if (t->nonce > from->nonce)
        return TRANSFER_NONCE_GAP;
    u128 cost = t->amount + t->fee;
    if (cost < t->amount)   /* amount + fee wrapped: nobody holds that much */
        return TRANSFER_OVERDRAFT;
    if (from->balance < cost)
        return TRANSFER_OVERDRAFT;
    if (from->nonce == UINT64_MAX)
        return TRANSFER_OVERFLOW;
    return TRANSFER_OK;
}

enum transfer_verdict transfer_check(const struct l2_transfer *t, uint64_t chain_id,
                                     const struct sig_ctx *c, const struct account *from,
                                     const struct account *to, const struct account *fee_to)
{
    return judge(t, chain_id, c, NULL, from, to, fee_to);
}

bool transfer_step(const struct l2_transfer *t, int step, struct account *a)
{
    switch (step) {
    case TRANSFER_STEP_DEBIT:   /* transfer_check made sure it is covered */
        SIM_ASSERT(a->balance >= t->amount + t->fee);
        a->balance -= t->amount + t->fee;
        a->nonce++;
        return true;
    case TRANSFER_STEP_CREDIT:
    case TRANSFER_STEP_FEE: {
        u128 v = step == TRANSFER_STEP_CREDIT ? t->amount : t->fee;
        if (a->balance + v < a->balance)
            return false;
        a->balance += v;
        return true;
    }
    }
    sim_panic("transfer step %d does not exist", step);
}

uint64_t transfer_step_index(const struct l2_transfer *t, int step, uint64_t fee_recipient)
{
    return step == TRANSFER_STEP_DEBIT ? t->from
         : step == TRANSFER_STEP_CREDIT ? t->to : fee_recipient;
}

/* acct_flags[i]: */
#define ACCT_OPEN  1u   /* acct[i] holds an account */
#define ACCT_DIRTY 2u   /* changed since its leaf was last put in the tree (on `dirty`) */

struct l2_state {
    uint64_t            chain_id, fee_recipient;
    struct sig_ctx      sig;
    struct merkle_tree *tree;
    struct account     *acct;     /* by index, 0 .. n-1 */
    struct sig_verify_key *vk;    /* acct[i].pubkey prepared, for judging its transfers */
    uint8_t            *flags;    /* ACCT_* of acct[i] */
    uint64_t            n, cap;
    u128                total;    /* sum of balances, kept from each balance's change
                                     (the bridge invariant's L2 side, state_supply) */
    uint64_t           *dirty;    /* indices whose leaf the tree does not hold yet */
    size_t              ndirty, capdirty;
};

struct l2_state *state_new(uint64_t chain_id, unsigned depth, const struct sig_ctx *c,
                           uint64_t fee_recipient)
{
    SIM_ASSERT(depth >= 1 && depth <= MERKLE_DEPTH_MAX && state_index_in_tree(depth, fee_recipient));
    struct l2_state *s = xcalloc(1, sizeof *s);
    s->chain_id = chain_id, s->fee_recipient = fee_recipient, s->sig = *c;
    s->tree = merkle_tree_new(depth);
    return s;
}

void state_free(struct l2_state *s)
{
    if (!s)
        return;
    merkle_tree_free(s->tree);
    free(s->acct), free(s->vk), free(s->flags), free(s->dirty);
    free(s);
}

uint64_t state_fee_recipient(const struct l2_state *s) { return s->fee_recipient; }

bool state_index_in_tree(unsigned depth, uint64_t index)
{
    return depth >= 64 || (index >> depth) == 0;
}

void state_rules(const struct l2_state *s, struct rollup_rules *out)
{
    out->chain_id = s->chain_id, out->depth = merkle_tree_depth(s->tree);
    out->fee_recipient = s->fee_recipient, out->sig = &s->sig;
}

/* Bring the tree up to date: each account changed since the last time gets its leaf
 * hashed once, however many transfers touched it (the fee recipient's, once per
 * block rather than once per transfer), then every node above them once. The root
 * is a function of the accounts, the tree a cache of it: hence const. */
static void flush(const struct l2_state *cs)
{
    struct l2_state *s = (struct l2_state *)cs;
    size_t k = 0;
    for (; k + 1 < s->ndirty; k += 2) {   /* two leaves hashed side by side */
        uint64_t i = s->dirty[k], j = s->dirty[k + 1];
        uint8_t enc[2][ACCOUNT_ENCODED_BYTES], leaf[2][MERKLE_HASH_BYTES];
        account_encode(&s->acct[i], enc[0]);
        account_encode(&s->acct[j], enc[1]);
        hash_sha256_x2(leaf[0], enc[0], leaf[1], enc[1], ACCOUNT_ENCODED_BYTES);
        merkle_tree_stage(s->tree, i, leaf[0]);
        merkle_tree_stage(s->tree, j, leaf[1]);
    }
    if (k < s->ndirty) {
        uint8_t leaf[MERKLE_HASH_BYTES];
        account_leaf(&s->acct[s->dirty[k]], leaf);
        merkle_tree_stage(s->tree, s->dirty[k], leaf);
    }
    for (k = 0; k < s->ndirty; k++)
        s->flags[s->dirty[k]] &= (uint8_t)~ACCT_DIRTY;
    s->ndirty = 0;
    merkle_tree_commit(s->tree);
}

void state_root(const struct l2_state *s, uint8_t root[MERKLE_HASH_BYTES])
{
    flush(s);
    merkle_tree_root(s->tree, root);
}

const struct account *state_account(const struct l2_state *s, uint64_t index)
{
    return index < s->n && (s->flags[index] & ACCT_OPEN) ? &s->acct[index] : NULL;
}

static struct account *slot(struct l2_state *s, uint64_t index)
{
    if (index >= s->cap) {
        uint64_t cap = s->cap ? s->cap : 64;
        while (cap <= index)
            cap *= 2;
        s->acct = xrealloc(s->acct, (size_t)cap * sizeof *s->acct);
        s->vk = xrealloc(s->vk, (size_t)cap * sizeof *s->vk);
        s->flags = xrealloc(s->flags, (size_t)cap * sizeof *s->flags);
        memset(s->flags + s->cap, 0, (size_t)(cap - s->cap) * sizeof *s->flags);
        s->cap = cap;
    }
    if (index >= s->n)
        s->n = index + 1;
    return &s->acct[index];
}

/* Account index changed: its leaf and path are rehashed when the root is next read
 * (state_root, state_prove: flush), once for everything changed since, so a sequencer
 * that reads the root once per L2 block pays for the block's distinct accounts and
 * paths only. O(1). */
static void commit(struct l2_state *s, uint64_t index)
{
    if (s->flags[index] & ACCT_DIRTY)
        return;
    s->flags[index] |= ACCT_DIRTY;
    if (s->ndirty == s->capdirty) {
        s->capdirty = s->capdirty ? 2 * s->capdirty : 64;
        s->dirty = xrealloc(s->dirty, s->capdirty * sizeof *s->dirty);
    }
    s->dirty[s->ndirty++] = index;
}

int state_deposit(struct l2_state *s, uint64_t index, const uint8_t pubkey[SIG_PUBLICKEY_BYTES],
                  u128 amount, struct err *e)
{
    unsigned depth = merkle_tree_depth(s->tree);
    if (!state_index_in_tree(depth, index))
        return err_set(e, L2_EINPUT, "deposit to account %llu: beyond the 2^%u accounts of "
                       "the state tree", (unsigned long long)index, depth);
    const struct account *cur = state_account(s, index);
    if (cur && memcmp(cur->pubkey, pubkey, SIG_PUBLICKEY_BYTES) != 0)
        return err_set(e, L2_EINPUT, "deposit to account %llu: the account belongs to "
                       "another key", (unsigned long long)index);
    if (cur && cur->balance + amount < cur->balance)
        return err_set(e, L2_EINPUT, "deposit to account %llu: the balance would pass "
                       "2^128-1 wei", (unsigned long long)index);
    struct account *a = slot(s, index);
    if (!(s->flags[index] & ACCT_OPEN)) {
        memcpy(a->pubkey, pubkey, SIG_PUBLICKEY_BYTES);
        sig_verify_key_init(&s->sig, pubkey, &s->vk[index]);
        a->balance = 0, a->nonce = 0;
        s->flags[index] |= ACCT_OPEN;
    }
    a->balance += amount;
    s->total += amount;
    commit(s, index);
    return 0;
}

enum transfer_verdict state_apply(struct l2_state *s, const struct l2_transfer *t)
{
    const struct account *from = state_account(s, t->from);
    enum transfer_verdict v = judge(t, s->chain_id, &s->sig, from ? &s->vk[t->from] : NULL,
                                    from, state_account(s, t->to),
                                    state_account(s, s->fee_recipient));
    if (v != TRANSFER_OK)
        return v;
    /* the steps run on the accounts in place; a step that would overflow undoes the
     * ones before it (saved first), so a refused transfer changes nothing */
    struct account saved[TRANSFER_STEPS];
    int steps = t->fee ? TRANSFER_STEPS : TRANSFER_STEP_FEE;
    /* the running total follows what each step did to its account's balance
     * (wrapping arithmetic: a debit adds its two's complement), so a step that
     * created or lost wei would show in state_supply */
    u128 delta = 0;
    for (int k = 0; k < steps; k++) {
        uint64_t i = transfer_step_index(t, k, s->fee_recipient);
        saved[k] = s->acct[i];
        if (!transfer_step(t, k, &s->acct[i])) {
            while (k-- > 0)
                s->acct[transfer_step_index(t, k, s->fee_recipient)] = saved[k];
            return TRANSFER_OVERFLOW;
        }
        delta += s->acct[i].balance - saved[k].balance;
    }
    s->total += delta;
    for (int k = 0; k < steps; k++)
        commit(s, transfer_step_index(t, k, s->fee_recipient));
    return TRANSFER_OK;
}

void state_execute(struct l2_state *s, const struct l2_transfer *txs, size_t n,
                   uint8_t (*roots)[MERKLE_HASH_BYTES], enum transfer_verdict *verdicts)
{
    state_root(s, roots[0]);
    for (size_t i = 0; i < n; i++) {
        enum transfer_verdict v = state_apply(s, &txs[i]);
        if (verdicts)
            verdicts[i] = v;
        state_root(s, roots[i + 1]);
    }
}

u128 state_supply(const struct l2_state *s) { return s->total; }

u128 state_total_balance(const struct l2_state *s)
{
    u128 sum = 0;
    for (uint64_t i = 0; i < s->n; i++)
        if (s->flags[i] & ACCT_OPEN)
            sum += s->acct[i].balance;
    return sum;
}

void state_prove(const struct l2_state *s, uint64_t index, uint8_t (*proof)[MERKLE_HASH_BYTES])
{
    flush(s);
    merkle_tree_prove(s->tree, index, proof);
}

struct l2_state *state_clone(const struct l2_state *s)
{
    struct l2_state *c = state_new(s->chain_id, merkle_tree_depth(s->tree), &s->sig,
                                   s->fee_recipient);
    if (s->n) {
        c->cap = c->n = s->n;
        c->total = s->total;
        c->acct = xmalloc((size_t)s->n * sizeof *c->acct);
        c->vk = xmalloc((size_t)s->n * sizeof *c->vk);
        c->flags = xmalloc((size_t)s->n * sizeof *c->flags);
        memcpy(c->acct, s->acct, (size_t)s->n * sizeof *c->acct);
        memcpy(c->vk, s->vk, (size_t)s->n * sizeof *c->vk);   /* the same context's */
        uint8_t (*leaves)[MERKLE_HASH_BYTES] = xcalloc((size_t)s->n, sizeof *leaves);
        for (uint64_t i = 0; i < s->n; i++) {
            c->flags[i] = s->flags[i] & ACCT_OPEN;   /* every leaf is in c's tree */
            if (c->flags[i])
                account_leaf(&s->acct[i], leaves[i]);   /* else the empty leaf: zeros */
        }
        merkle_tree_load(c->tree, (const uint8_t (*)[MERKLE_HASH_BYTES])leaves, s->n);
        free(leaves);
    }
    return c;
}

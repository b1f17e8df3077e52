/* bridge.c — see bridge.h. */
#include "models/sidechain/bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sidechain/bft.h"
#include "sim/fault.h"
#include "sim/money.h"

struct bridge {
    uint64_t       chain_id;
    struct sig_ctx sig;
    uint8_t      (*pk)[SIG_PUBLICKEY_BYTES];
    uint64_t      *power;
    size_t         n;
    uint64_t       total;
    uint64_t      *spent;        /* released nonces, ascending */
    size_t         nspent, spent_cap;
    struct bridge_books books;
};

static void put_le(uint8_t *p, u128 v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void withdrawal_encode(const struct bridge_withdrawal *w, uint8_t out[WITHDRAWAL_SIGNED_BYTES])
{
    memcpy(out, "l2sim/withdrawal/v1", 19);
    put_le(out + 19, w->chain_id, 8);
    put_le(out + 27, w->recipient, 8);
    put_le(out + 35, w->amount, 16);
    put_le(out + 51, w->nonce, 8);
}

void bridge_sign(const struct sig_ctx *c, const struct sig_keypair *kp, uint32_t signer,
                 const struct bridge_withdrawal *w, struct bridge_sig *out)
{
    uint8_t enc[WITHDRAWAL_SIGNED_BYTES];
    withdrawal_encode(w, enc);
    out->signer = signer;
    sig_sign(c, kp, enc, sizeof enc, out->sig);
}

size_t bridge_calldata_bytes(size_t nsigs)
{
    return 4 /* selector */ + WITHDRAWAL_SIGNED_BYTES + nsigs * (4 + SIG_BYTES);
}

const char *bridge_verdict_name(enum bridge_verdict v)
{
    switch (v) {
    case BRIDGE_RELEASED:     return "released";
    case BRIDGE_BELOW_QUORUM: return "below_quorum";
    case BRIDGE_NONCE_SPENT:  return "nonce_spent";
    case BRIDGE_WRONG_CHAIN:  return "wrong_chain";
    case BRIDGE_ESCROW_SHORT: return "escrow_short";
    }
    return "?";
}

struct bridge *bridge_new(uint64_t chain_id, const struct sig_ctx *sig)
{
    struct bridge *b = xcalloc(1, sizeof *b);
    b->chain_id = chain_id;
    b->sig = *sig;
    return b;
}

void bridge_free(struct bridge *b)
{
    if (!b)
        return;
    free(b->pk);
    free(b->power);
    free(b->spent);
    free(b);
}

void bridge_checkpoint_validators(struct bridge *b, const uint8_t (*pk)[SIG_PUBLICKEY_BYTES],
                                  const uint64_t *power, size_t n)
{
    b->pk = xrealloc(b->pk, (n ? n : 1) * sizeof *b->pk);
    b->power = xrealloc(b->power, (n ? n : 1) * sizeof *b->power);
    memcpy(b->pk, pk, n * sizeof *b->pk);
    memcpy(b->power, power, n * sizeof *b->power);
    b->n = n;
    b->total = bft_set_total(power, n);
}

bool bridge_deposit(struct bridge *b, u128 amount)
{
    u128 escrow, minted;
    if (!money_add(b->books.escrow, amount, &escrow) ||
        !money_add(b->books.minted, amount, &minted))
        return false;
    b->books.escrow = escrow;
    b->books.minted = minted;
    return true;
}

bool bridge_burn(struct bridge *b, u128 amount)
{
    return money_add(b->books.burned, amount, &b->books.burned);
}

/* Index at which nonce is or would be in the ascending spent list. O(log k). */
static size_t spent_find(const struct bridge *b, uint64_t nonce)
{
    size_t lo = 0, hi = b->nspent;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->spent[mid] < nonce)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

enum bridge_verdict bridge_withdraw(struct bridge *b, const struct bridge_withdrawal *w,
                                    const struct bridge_sig *sigs, size_t nsigs,
                                    struct bridge_receipt *out)
{
    memset(out, 0, sizeof *out);
    if (w->chain_id != b->chain_id)
        return out->verdict = BRIDGE_WRONG_CHAIN;
    size_t at = spent_find(b, w->nonce);
    if (at < b->nspent && b->spent[at] == w->nonce)
        return out->verdict = BRIDGE_NONCE_SPENT;

    uint8_t enc[WITHDRAWAL_SIGNED_BYTES];
    withdrawal_encode(w, enc);
    bool *counted = xcalloc(b->n ? b->n : 1, sizeof *counted);
    for (size_t i = 0; i < nsigs; i++) {
        out->exec_gas += BRIDGE_GAS_ECRECOVER;
        uint32_t s = sigs[i].signer;
        if (s >= b->n || !sig_verify(&b->sig, b->pk[s], enc, sizeof enc, sigs[i].sig)) {
            out->invalid++;
            continue;
        }
        if (counted[s]) {
            out->duplicates++;
            continue;
        }
        counted[s] = true;
        out->verified++;
        out->signed_power += b->power[s];
    }
    free(counted);
    if (b->n == 0 || !bft_quorum(out->signed_power, b->total))
        return out->verdict = BRIDGE_BELOW_QUORUM;
    if (w->amount > b->books.escrow)
        return out->verdict = BRIDGE_ESCROW_SHORT;

    out->exec_gas += BRIDGE_GAS_NONCE_SSET;
    if (b->nspent == b->spent_cap) {
        b->spent_cap = b->spent_cap ? 2 * b->spent_cap : 16;
        b->spent = xrealloc(b->spent, b->spent_cap * sizeof *b->spent);
    }
    memmove(b->spent + at + 1, b->spent + at, (b->nspent - at) * sizeof *b->spent);
    b->spent[at] = w->nonce;
    b->nspent++;
    u128 out_amount = w->amount;
    if (fault_fire("sidechain.bridge_overpay"))
        out_amount = b->books.escrow;   /* a test's bug: the whole escrow leaves with it */
    b->books.escrow -= out_amount;
    if (fault_fire("sidechain.bridge_escrow"))
        b->books.escrow -= w->amount > 0 ? 1 : 0;   /* a deliberate off-by-one wei */
    b->books.released += out_amount;  /* <= minted, as escrow + released = minted */
    return out->verdict = BRIDGE_RELEASED;
}

void bridge_books_of(const struct bridge *b, struct bridge_books *out)
{
    *out = b->books;
}

int bridge_books_check(const struct bridge_books *k, char *why, size_t why_len)
{
    char a[48], c[48], d[48];
    u128 held;
    if (!money_add(k->escrow, k->released, &held) || held != k->minted) {
        snprintf(why, why_len, "bridge escrow %s wei + released %s wei != minted %s wei",
                 u128_str(k->escrow, a), u128_str(k->released, c), u128_str(k->minted, d));
        return -1;
    }
    if (k->released > k->burned) {
        snprintf(why, why_len, "bridge released %s wei but the sidechain burned only %s wei: "
                 "%s wei left the escrow by forged withdrawals",
                 u128_str(k->released, a), u128_str(k->burned, c),
                 u128_str(k->released - k->burned, d));
        return -1;
    }
    if (k->burned > k->minted) {
        snprintf(why, why_len, "sidechain burned %s wei of a supply of %s wei minted",
                 u128_str(k->burned, a), u128_str(k->minted, c));
        return -1;
    }
    return 0;
}

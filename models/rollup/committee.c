/* committee.c — a validium's data availability committee: n members, each with its own
 * key, receive every batch's data and sign its hash; an attestation of k signatures
 * goes to L1 instead of the data (calldata: the hash, then per signature the signer's
 * index and the signature; the contract recovers each signer, 3000 gas of ecrecover
 * apiece, Yellow Paper App. E, and stores the hash, 20000 gas, EIP-2200 SSTORE). The
 * signatures are made by the members and checked by the contract when the
 * attestation is included (committee_verify, from the calldata alone). The model of dishonesty: members who withhold still sign but serve the
 * data to nobody. A batch whose k signers are all withholders has data no user can
 * get: from then on no user can build the Merkle proof an exit needs against the
 * state root, so every L2 balance is frozen (value at risk). The dac_withholding
 * adversary (withholding.c) makes members withhold. */
#include <stdlib.h>
#include <string.h>

#include "models/crypto/hash.h"
#include "models/rollup/rollup_int.h"

#define ATTEST_TAG "l2sim/dac/v1"

void committee_start(struct rollup *ru)
{
    ru->members = xmalloc((ru->committee ? ru->committee : 1) * sizeof *ru->members);
    for (uint32_t i = 0; i < ru->committee; i++)
        sig_keypair_derive(&ru->sig, ROLLUP_KEY_COMMITTEE, i, &ru->members[i]);
}

/* What member i signs for batch `index` of this chain with data hash h. */
static void attest_msg(const struct rollup *ru, uint64_t index, const uint8_t h[32],
                       uint8_t out[12 + 8 + 8 + 32])
{
    memcpy(out, ATTEST_TAG, 12);
    for (int k = 0; k < 8; k++) {
        out[12 + k] = (uint8_t)(ru->chain_id >> (8 * k));
        out[20 + k] = (uint8_t)(index >> (8 * k));
    }
    memcpy(out + 28, h, 32);
}

size_t committee_attest(struct rollup *ru, struct ru_batch *b, const uint8_t *data,
                        size_t len, uint8_t *out, size_t cap)
{
    SIM_ASSERT(cap >= COMMITTEE_ATTESTATION_BYTES(ru->threshold));
    uint8_t h[32], msg[60];
    hash_sha256(h, data, len);
    attest_msg(ru, b->index, h, msg);
    memcpy(out, h, 32);
    /* Members withholding are the first `withholding` of the committee. The operator
     * collects k signatures; a colluding operator takes the withholders' first. */
    bool withholding = ru->withhold_from >= 0 &&
                       sim_now(ru->sc->world->sim) >= ru->withhold_from;
    uint32_t w = withholding ? ru->withholding : 0;
    uint32_t served_by = 0;   /* signers who serve the data */
    for (uint32_t k = 0; k < ru->threshold; k++) {
        uint32_t i = k;       /* members 0.. in order: withholders first */
        uint8_t *e = out + 32 + (size_t)k * COMMITTEE_ENTRY_BYTES;
        e[0] = (uint8_t)i, e[1] = (uint8_t)(i >> 8);
        sig_sign(&ru->sig, &ru->members[i], msg, sizeof msg, e + 2);
        if (i >= w)
            served_by++;
    }
    if (served_by == 0 && ru->frozen_at < 0) {
        ru->frozen_at = sim_now(ru->sc->world->sim);
        /* users' balances: not the fees owed to the operator nor the burned
         * withdrawals the bridge account holds; in a volition only the validium-mode
         * accounts' (the rollup-mode ones' data is on L1) */
        const struct account *fee = state_account(ru->state, ROLLUP_FEE_ACCOUNT);
        const struct account *br = state_account(ru->state, ROLLUP_BRIDGE_ACCOUNT);
        ru->frozen_value = state_supply(ru->state) - (fee ? fee->balance : 0) -
                           (br ? br->balance : 0);
        if (ru->kind == ROLLUP_VOLITION)
            for (uint32_t u = 0; u < ru->nusers; u++) {
                const struct account *a = state_account(ru->state, ROLLUP_USER_ACCOUNT(u));
                if (a && ru_rollup_mode(ru, u))
                    ru->frozen_value -= a->balance;
            }
        ru->frozen_batch = b->index;
    }
    return COMMITTEE_ATTESTATION_BYTES(ru->threshold);
}

bool committee_verify(const struct rollup *ru, uint64_t index, const uint8_t *calldata,
                      size_t len)
{
    if (len < 32 || (len - 32) % COMMITTEE_ENTRY_BYTES != 0)
        return false;
    uint8_t msg[60];
    attest_msg(ru, index, calldata, msg);
    size_t n = (len - 32) / COMMITTEE_ENTRY_BYTES;
    uint32_t valid = 0;
    bool *seen = xcalloc(ru->committee ? ru->committee : 1, sizeof *seen);
    for (size_t k = 0; k < n; k++) {
        const uint8_t *e = calldata + 32 + k * COMMITTEE_ENTRY_BYTES;
        uint32_t i = (uint32_t)e[0] | (uint32_t)e[1] << 8;
        if (i >= ru->committee || seen[i])
            continue;   /* not a member, or counted already */
        if (sig_verify(&ru->sig, ru->members[i].pk, msg, sizeof msg, e + 2)) {
            seen[i] = true;
            valid++;
        }
    }
    free(seen);
    return valid >= ru->threshold;
}

bool ru_rollup_mode(const struct rollup *ru, uint32_t u)
{
    if (ru->kind != ROLLUP_VOLITION)
        return ru->kind != ROLLUP_VALIDIUM;
    /* the same hash censoring uses for its victims, with another multiplier */
    return (uint32_t)(((uint64_t)u * UINT64_C(2246822519)) % 1000000u) < ru->rollup_ppm;
}

void committee_free(struct rollup *ru) { free(ru->members); }

/* ---- hooks ---- */

void committee_withhold(struct scheme *sc, uint32_t members)
{
    struct rollup *ru = sc->state;
    ru->withholding = members < ru->committee ? members : ru->committee;
    ru->withhold_from = sim_now(sc->world->sim);
}

bool committee_frozen(struct scheme *sc, sim_time *since, u128 *value)
{
    struct rollup *ru = sc->state;
    *since = ru->frozen_at;
    *value = ru->frozen_value;
    return ru->frozen_at >= 0;
}

/* channel.h — one two-party payment channel's off-chain state machine: states signed
 * by both parties (BOLT-2 commitment_signed), superseded by commitment number and
 * revoked by per-commitment secrets (BOLT-2 revoke_and_ack, BOLT-3 generation), HTLCs
 * added, settled with their SHA-256 preimage or failed (BOLT-2 update_add_htlc /
 * update_fulfill_htlc / update_fail_htlc), and the judgement an L1 contract makes of a
 * posted state (BOLT-5: a revoked state is punished, the honest party takes all).
 *
 * Simplifications (the L1 side will be a contract on the modeled L1, not Bitcoin):
 * - one symmetric state per commitment number, signed by both, instead of BOLT-3's
 *   two asymmetric commitment transactions; no scripts, no transactions, no
 *   channel_reserve, no dust limits, no commitment fees; the state carries, for each
 *   party, SHA-256(its per-commitment secret for that number) where BOLT-3 puts the
 *   per_commitment_point (an EC point), so revealing the secret is checked by hashing;
 * - one update per signed state (no batching of several updates under one
 *   commitment_signed);
 * - the counterparty's revealed secrets are kept in a plain array (O(states)), not
 *   BOLT-3's compact 49-entry storage.
 * Ownership: the simulator holds both parties of a channel in one struct channel;
 * each function says on whose behalf it acts (`side`) and reads only what that side
 * knows (its keys and seed, the counterparty's public key and revealed secrets). */
#ifndef L2SIM_CHANNEL_CHANNEL_H
#define L2SIM_CHANNEL_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/crypto/hash.h"
#include "models/crypto/sig.h"
#include "sim/util.h"

/* BOLT-2 open_channel / accept_channel: each node announces max_accepted_htlcs, the
 * number of HTLCs its peer may have offered to it at once (one limit per direction),
 * and "MUST fail the channel" when the peer announces more than 483 (the most HTLC
 * outputs a commitment transaction can carry within Bitcoin's transaction size
 * limit, 2 x 483 in all). LND announces 483; Core Lightning and Eclair 30. */
#define CHANNEL_MAX_ACCEPTED_HTLCS 483u
#define CHANNEL_SECRET_INDEX_MAX 281474976710655ull /* BOLT-3: 2^48 - 1 */

/* The per-commitment secret of BOLT-3 ("generate_from_seed"): for B from 47 down to
 * 0, when bit B of index is set, flip bit B of P and P = SHA-256(P); P starts as the
 * seed. The secret of commitment number n is index 2^48 - 1 - n. O(48) hashes. */
void channel_per_commitment_secret(const uint8_t seed[32], uint64_t index,
                                   uint8_t out[32] /* OUT */);

struct channel_htlc {
    uint64_t id;                /* BOLT-2: per offerer, 0, 1, 2, ... */
    uint8_t  offerer;           /* the side that offered (and funds) it */
    uint64_t amount_msat;
    uint32_t cltv_expiry;       /* absolute block height */
    uint8_t  payment_hash[HASH_SHA256_BYTES];
};

struct channel_state {
    uint8_t  channel_id[32];
    uint64_t commitment_number;
    uint64_t to_side_msat[2];                   /* each side's balance */
    uint8_t  revocation_hash[2][HASH_SHA256_BYTES];
    size_t   nhtlcs;
    /* owned, nhtlcs of cap_htlcs used: states are copied with channel_state_copy and
     * released with channel_state_free, never with `=` (two states would share it) */
    struct channel_htlc *htlc;
    size_t   cap_htlcs;
};

/* dst becomes a copy of src (its own HTLC array, grown as needed: O(src's HTLCs), no
 * allocation when dst already has room). dst must be zeroed or a state. */
void channel_state_copy(struct channel_state *dst, const struct channel_state *src);
void channel_state_free(struct channel_state *st);   /* the HTLC array; st stays usable */

/* HTLCs of st offered by `offerer` (the ones its peer's max_accepted_htlcs limits). */
size_t channel_state_offered(const struct channel_state *st, int offerer);

enum channel_update_kind {
    CHANNEL_ADD_HTLC,           /* proposer offers amount_msat, cltv_expiry, payment_hash */
    CHANNEL_FULFILL_HTLC,       /* the HTLC's receiver reveals payment_preimage */
    CHANNEL_FAIL_HTLC,          /* its receiver gives it back, or its offerer takes it
                                   back once height >= cltv_expiry (timeout) */
};

struct channel_update {
    enum channel_update_kind kind;
    uint64_t htlc_id;           /* fulfill/fail: whose id (offerer = the other side
                                   for fulfill; fail names it with offerer below) */
    uint8_t  offerer;           /* fail: which side offered htlc_id */
    uint64_t amount_msat;       /* add */
    uint32_t cltv_expiry;       /* add */
    uint8_t  payment_hash[HASH_SHA256_BYTES];   /* add */
    uint8_t  payment_preimage[32];              /* fulfill */
};

/* What a refused update or state says. */
enum channel_result {
    CHANNEL_OK = 0,
    CHANNEL_BAD_SIGNATURE,      /* a signature does not verify */
    CHANNEL_STALE,              /* commitment number is not current + 1 */
    CHANNEL_WRONG_CHANNEL,      /* another channel's id */
    CHANNEL_NOT_THE_UPDATE,     /* the state is not what the update makes of current */
    CHANNEL_NOT_CONSERVED,      /* balances + HTLCs != capacity */
    CHANNEL_BAD_REVOCATION,     /* a revocation hash or revealed secret does not match */
    CHANNEL_INSUFFICIENT_BALANCE,
    CHANNEL_TOO_MANY_HTLCS,
    CHANNEL_UNKNOWN_HTLC,
    CHANNEL_BAD_PREIMAGE,
    CHANNEL_NOT_EXPIRED,        /* the offerer fails its HTLC before cltv_expiry */
    CHANNEL_BAD_AMOUNT,         /* an HTLC of 0 msat */
};
const char *channel_result_name(enum channel_result r);

/* One party's secrets and what it learned. */
struct channel_side {
    struct sig_keypair kp;                 /* its own */
    uint8_t  shachain_seed[32];            /* its per-commitment seed (BOLT-3) */
    /* its own per-commitment secrets for numbers current and current + 1, kept so an
     * update hashes 48 times (the next-but-one secret), not ~240 */
    uint8_t  secret_current[32], secret_next[32];
    /* the BOLT-3 walk's value after bits 47..8 of index prefix_index << 8 (see
     * commitment_secret): a cache, never sent */
    uint8_t  prefix_p[32];
    uint64_t prefix_index;
    bool     prefix_valid;
    uint8_t (*their_secret)[32];           /* counterparty's revealed secrets, by number */
    size_t   ntheir, captheir;
};

struct channel {
    const struct sig_ctx *sig;             /* borrowed */
    uint64_t capacity_msat;
    uint8_t  pk[2][SIG_PUBLICKEY_BYTES];   /* public: both parties' keys */
    struct channel_state current;          /* the latest state both signed */
    uint8_t  current_sig[2][SIG_BYTES];
    uint64_t next_htlc_id[2];
    /* side i's max_accepted_htlcs: HTLCs offered TO side i it accepts at once (BOLT-2),
     * CHANNEL_MAX_ACCEPTED_HTLCS at open, set by channel_announce_max_accepted */
    uint16_t max_accepted_htlcs[2];
    /* SHA-256 of side i's per-commitment secret for number current + 1, as side i
     * announced it (where BOLT-2 revoke_and_ack sends next_per_commitment_point) */
    uint8_t  next_revocation_hash[2][HASH_SHA256_BYTES];
    struct channel_side side[2];
};

/* A proposed next state with the update it applies; sig[proposer] set by
 * channel_propose, sig[1 - proposer] by channel_accept. After a successful
 * channel_propose it owns next's HTLC array: channel_proposal_free. */
struct channel_proposal {
    int proposer;
    struct channel_update update;
    struct channel_state next;
    uint8_t sig[2][SIG_BYTES];
};

/* Open: commitment number 0 with to_side_msat[0..1], signed by both (BOLT-2
 * funding_created/funding_signed sign the first commitment). Keys and seeds are
 * copied. capacity = the sum. */
void channel_open(struct channel *ch /* OUT */, const struct sig_ctx *sig,
                  const uint8_t channel_id[32], const struct sig_keypair *kp0,
                  const struct sig_keypair *kp1, const uint8_t seed0[32],
                  const uint8_t seed1[32], uint64_t to_side0_msat, uint64_t to_side1_msat);
void channel_free(struct channel *ch);     /* frees the side arrays and state, not ch */

/* Side `side` announces its max_accepted_htlcs (BOLT-2 open_channel/accept_channel,
 * before the first HTLC): CHANNEL_OK, or CHANNEL_TOO_MANY_HTLCS for 0 or more than
 * CHANNEL_MAX_ACCEPTED_HTLCS (the peer fails the channel). */
enum channel_result channel_announce_max_accepted(struct channel *ch, int side, unsigned n);

/* The bytes both parties sign for st (tag, id, number, balances, revocation hashes,
 * HTLCs): channel_state_encoded_size(st) of them (cap must hold them), and the
 * signature check of one side. O(HTLCs). */
size_t channel_state_encoded_size(const struct channel_state *st);
size_t channel_state_encode(const struct channel_state *st, uint8_t *buf /* OUT */,
                            size_t cap);
bool channel_state_verify(const struct channel *ch, const struct channel_state *st,
                          int side, const uint8_t sig[SIG_BYTES]);

/* balances + pending HTLCs, to the msat (u128: cannot overflow). */
u128 channel_state_total(const struct channel_state *st);

/* `proposer` builds the next state from ch->current and u, checks it may (balance,
 * the receiver's max_accepted_htlcs, preimage, expiry against height), and signs it.
 * CHANNEL_OK (p then owns p->next's HTLCs: channel_proposal_free) or the reason
 * (nothing to free). */
enum channel_result channel_propose(const struct channel *ch, int proposer,
                                    const struct channel_update *u, uint32_t height,
                                    struct channel_proposal *p /* OUT */);

/* The other side receives p: same channel, number current + 1, the proposer's
 * signature, the state is exactly what the update makes of current (so nothing else
 * moved), money conserved, its own revocation hash right. Then it countersigns
 * (p->sig[receiver]). Nothing in ch changes. */
enum channel_result channel_accept(const struct channel *ch, struct channel_proposal *p,
                                   uint32_t height);
void channel_proposal_free(struct channel_proposal *p);

/* The receiver's countersignature verified (the proposer's own was verified by the
 * receiver in channel_accept), p->next becomes current, and each side reveals its
 * per-commitment secret of the replaced state to the other, which checks it against
 * the old state's revocation hash and keeps it (BOLT-2 revoke_and_ack). */
enum channel_result channel_commit(struct channel *ch, const struct channel_proposal *p);

/* propose + accept + commit; on refusal ch is unchanged. *htlc_id (may be NULL) gets
 * the id of an added HTLC. */
enum channel_result channel_update(struct channel *ch, int proposer,
                                   const struct channel_update *u, uint32_t height,
                                   uint64_t *htlc_id /* OUT */);

/* What an L1 contract does with a state `poster` posts to close the channel, given
 * what `holder` (the other side, or its watchtower) knows (BOLT-5):
 *   INVALID  a signature of either party does not verify, or the state holds more
 *            HTLCs offered to a side than its max_accepted_htlcs: nothing is paid out;
 *   PENALTY  the holder has the poster's per-commitment secret of that number (the
 *            state was revoked): the holder takes the whole capacity (BOLT-3 "revoked
 *            commitment": to_local and every HTLC output spendable with the
 *            revocation key), the poster nothing;
 *   ACCEPTED the balances are paid as posted; HTLCs stay pending (htlc_msat), to be
 *            claimed with the preimage or back after cltv_expiry (BOLT-5). */
enum channel_close_kind { CHANNEL_CLOSE_INVALID, CHANNEL_CLOSE_PENALTY, CHANNEL_CLOSE_ACCEPTED };
struct channel_close {
    enum channel_close_kind kind;
    uint64_t to_side_msat[2];
    uint64_t htlc_msat;
};
void channel_judge(const struct channel *ch, const struct channel_state *posted,
                   const uint8_t sig[2][SIG_BYTES], int poster,
                   struct channel_close *out /* OUT */);

#endif

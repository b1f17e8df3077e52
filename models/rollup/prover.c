/* prover.c — the zk rollup's prover and its L1 verifier. Each batch, once on L1, is
 * proven off chain: the prover's wall time is drawn (lognormal around fixed + per
 * transfer x n, the one thing here that cannot be executed) and so is nothing else —
 * its cost is fixed + per transfer. The proof and the new state root go to L1 in one
 * transaction whose execution gas is the verifier's; when it is included the batch's
 * blocks are final and their withdrawals payable. Proofs land in batch order (one
 * sender, nonce order), so finality advances block by block. Soundness is the model's
 * stated assumption: only the true post-state root gets a proof. The hybrid proves
 * only some batches (hybrid_proves), each proof covering the unproven ones before it. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/crypto/hash.h"
#include "models/rollup/rollup_int.h"
#include "sim/money.h"

enum { PROVER_RNG_TIME = 1 };
/* A Groth16 proof is 3 group elements: 2 x G1 (64 bytes) + 1 x G2 (128 bytes) on
 * BN254 (EIP-196/197 encodings), 256 bytes; then its public inputs: the pre-state
 * root, the post-state root, and the first and last batch it proves. */
#define PROOF_BYTES 256u
#define PROOF_CALLDATA_BYTES (PROOF_BYTES + 2 * MERKLE_HASH_BYTES + 16)
static const char proof_tag[14] = "l2sim/snark/v1";   /* 14 bytes, no NUL */

static void proof_dropped(void *ctx, const char *why);
static void schedule_resend(struct rollup *ru);

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The proof's bytes, a stand-in for the pairing check: bound to the chain, the public
 * inputs and the commitments of the batches proven (which the contract holds from the
 * batches' own L1 transactions), so a proof is worthless for any other input. */
static void proof_bytes(const struct rollup *ru, const uint8_t pre[MERKLE_HASH_BYTES],
                        const uint8_t post[MERKLE_HASH_BYTES], uint64_t first, uint64_t last,
                        uint8_t out[PROOF_BYTES])
{
    uint8_t acc[MERKLE_HASH_BYTES] = { 0 };
    for (uint64_t k = first; k <= last; k++) {   /* the commitments, chained */
        const struct batch_commitment *c = &ru->batches[k - 1]->commit;
        uint8_t in[2 * MERKLE_HASH_BYTES + 8];
        memcpy(in, acc, MERKLE_HASH_BYTES);
        memcpy(in + MERKLE_HASH_BYTES, c->tx_root, MERKLE_HASH_BYTES);
        put64(in + 2 * MERKLE_HASH_BYTES, c->count);
        hash_sha256(acc, in, sizeof in);
    }
    for (unsigned k = 0; k < PROOF_BYTES / 32; k++) {
        uint8_t in[sizeof proof_tag + 8 + 3 * MERKLE_HASH_BYTES + 16 + 1], *q = in;
        memcpy(q, proof_tag, sizeof proof_tag), q += sizeof proof_tag;
        put64(q, ru->chain_id), q += 8;
        memcpy(q, pre, MERKLE_HASH_BYTES), q += MERKLE_HASH_BYTES;
        memcpy(q, post, MERKLE_HASH_BYTES), q += MERKLE_HASH_BYTES;
        memcpy(q, acc, MERKLE_HASH_BYTES), q += MERKLE_HASH_BYTES;
        put64(q, first), put64(q + 8, last), q += 16;
        *q = (uint8_t)k;
        hash_sha256(out + 32 * k, in, sizeof in);
    }
}

/* The root after batch k's blocks as the sequencer executed them (k 0: genesis). */
static const uint8_t *root_after(const struct rollup *ru, uint64_t k)
{
    return k ? ru->blocks[ru->batches[k - 1]->last_block - 1]->post_root : ru->genesis_root;
}

/* The L1 verifier's check of a proof's calldata: its first batch follows the last
 * verified one, its pre-state root is the contract's, its bytes match its public
 * inputs and the batches' commitments; and, the model's soundness assumption standing
 * for the pairing check, its post-state root is the one executing those batches gives
 * (no valid proof exists for any other). 0, or why it reverts. */
static const char *verify(const struct rollup *ru, const uint8_t *d)
{
    const uint8_t *pre = d + PROOF_BYTES, *post = pre + MERKLE_HASH_BYTES;
    uint64_t first = get64(post + MERKLE_HASH_BYTES), last = get64(post + MERKLE_HASH_BYTES + 8);
    if (first != ru->verified_batch + 1 || last < first || last > ru->nbatches)
        return "out of order";
    if (memcmp(pre, ru->verified_root, MERKLE_HASH_BYTES) != 0)
        return "wrong pre-state root";
    uint8_t want[PROOF_BYTES];
    proof_bytes(ru, pre, post, first, last, want);
    if (memcmp(want, d, PROOF_BYTES) != 0)
        return "proof does not match its inputs";
    if (memcmp(post, root_after(ru, last), MERKLE_HASH_BYTES) != 0)
        return "invalid state transition";
    return NULL;
}

static void proof_included(void *ctx, const struct l1_receipt *r)
{
    struct ru_proof *p = ctx;
    struct rollup *ru = p->sc->state;
    p->fee += r->total, p->gas = r->gas_used;
    ru->l1_paid += r->total;
    ru->proof_cost += r->total;
    const char *why = verify(ru, p->calldata);
    if (why) {
        /* reverted: paid for, nothing final; the operator proves again (honestly) */
        p->status = "rejected", p->rejected++;
        ru->proofs_rejected++;
        ru->rejected_fees += r->total;
        if (p->forged && ru->rejected_first < 0)
            ru->rejected_first = r->time;
        p->forged = false;
        schedule_resend(ru);
        return;
    }
    p->verified = r->time;
    p->status = "verified";
    memcpy(ru->verified_root, p->calldata + PROOF_BYTES + MERKLE_HASH_BYTES, MERKLE_HASH_BYTES);
    ru->verified_batch = p->batch;
    ru_blocks_final(ru, ru->batches[p->batch - 1]->last_block, r->time);
}

/* Send proof p to the L1 verifier: its bytes, the pre-state root (the root after the
 * batch before its first), the post-state root (the true one, or the falsified one an
 * invalid_proof adversary asked for), its first and last batch. */
static void submit(struct rollup *ru, struct ru_proof *p)
{
    struct scheme *sc = p->sc;
    SIM_ASSERT(ru == sc->state);
    p->status = "submitted";
    uint8_t *pre = p->calldata + PROOF_BYTES, *post = pre + MERKLE_HASH_BYTES;
    memcpy(pre, root_after(ru, p->first_batch - 1), MERKLE_HASH_BYTES);
    memcpy(post, root_after(ru, p->batch), MERKLE_HASH_BYTES);
    if (!p->forged && ru->falsify_proof) {
        ru->falsify_proof = false;
        p->forged = true;
    }
    if (p->forged) {       /* a root the batches do not lead to: the operator's own mint */
        uint8_t in[MERKLE_HASH_BYTES + 6];
        memcpy(in, post, MERKLE_HASH_BYTES);
        memcpy(in + MERKLE_HASH_BYTES, "forged", 6);
        hash_sha256(post, in, sizeof in);
    }
    put64(post + MERKLE_HASH_BYTES, p->first_batch);
    put64(post + MERKLE_HASH_BYTES + 8, p->batch);
    proof_bytes(ru, pre, post, p->first_batch, p->batch, p->calldata);
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, (uint64_t)sc->index << 8 | 2),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "proof",
                        .calldata = p->calldata, .calldata_len = PROOF_CALLDATA_BYTES,
                        .exec_gas = ru->verifier_gas };
    struct l1_fee_policy fee = ru_operator_bid(ru, p->resends);
    struct l1_callbacks cb = { proof_included, NULL, proof_dropped, p };
    p->l1 = l1_submit(sc->world->l1, &tx, &fee, &cb);
}

/* Send what is ready, in batch order: first the proofs that left the pool (a
 * proof's predecessors must be verified before it, and one sender's transactions
 * execute in nonce order, so they go again before any newer one), then every newly
 * proven one whose predecessors are all sent. */
static void send_ready(struct rollup *ru)
{
    if (ru->proofs_resend_pending)
        return;   /* the resend next slot goes first */
    for (uint64_t k = 0; k < ru->proofs_submitted; k++) {
        struct ru_proof *p = ru->proofs[k];
        if (strcmp(p->status, "dropped") == 0 || strcmp(p->status, "rejected") == 0) {
            p->resends++;
            submit(ru, p);
        }
    }
    while (ru->proofs_submitted < ru->nproofs && ru->proofs[ru->proofs_submitted]->proven >= 0)
        submit(ru, ru->proofs[ru->proofs_submitted++]);
}

static void proof_resend(void *ctx)
{
    struct rollup *ru = ctx;
    ru->proofs_resend_pending = false;
    send_ready(ru);
}

/* Evicted or refused by a full pool (block stuffing; the pool drops a sender's later
 * nonces with it): sent again next slot with a higher bid, or the batch and every
 * later one would never be final. */
static void schedule_resend(struct rollup *ru)
{
    struct l1 *l1 = ru->sc->world->l1;
    if (!ru->proofs_resend_pending) {
        ru->proofs_resend_pending = true;
        l1_at(l1, sim_now(ru->sc->world->sim) + l1_slot(l1), proof_resend, ru);
    }
}

static void proof_dropped(void *ctx, const char *why)
{
    (void)why;
    struct ru_proof *p = ctx;
    p->status = "dropped";
    schedule_resend(p->sc->state);
}

/* A proof is ready. Proofs go to L1 in batch order, each proving the state after the
 * one before, so a proof that finished early waits for its predecessors. */
static void proven(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct ru_proof *p = ctx;
    p->proven = sim_now(sim);
    send_ready(p->sc->state);
}

/* Whether batch b burns a withdrawal (a transfer to the bridge account). */
static bool batch_withdraws(const struct rollup *ru, const struct ru_batch *b)
{
    for (uint64_t n = b->first_block; n <= b->last_block; n++) {
        const struct ru_block *k = ru->blocks[n - 1];
        for (size_t i = 0; k->wd && i < k->ntxs; i++)
            if (k->wd[i])
                return true;
    }
    return false;
}

/* The hybrid proves only some batches, each proof covering every batch since the last
 * proven one (an aggregated proof from the last proven root): every prove_every-th,
 * and, with prove_withdrawals, any batch that burns a withdrawal, so withdrawals are
 * final at the proof while plain transfers may wait for the claim's window. */
static bool hybrid_proves(const struct rollup *ru, const struct ru_batch *b)
{
    return b->index % ru->prove_every == 0 || (ru->prove_withdrawals && batch_withdraws(ru, b));
}

void prover_on_batch(struct rollup *ru, struct ru_batch *b)
{
    ru->unproven_txs += b->ntxs;
    if (ru->kind == ROLLUP_HYBRID && !hybrid_proves(ru, b))
        return;
    if (ru->nproofs == ru->cap_proofs) {
        ru->cap_proofs = ru->cap_proofs ? 2 * ru->cap_proofs : 256;
        ru->proofs = xrealloc(ru->proofs, ru->cap_proofs * sizeof *ru->proofs);
    }
    struct ru_proof *p = xcalloc(1, sizeof *p);
    struct sim *sim = ru->sc->world->sim;
    uint64_t ntxs = ru->unproven_txs;   /* this batch's, and unproven ones' before it */
    ru->unproven_txs = 0;
    p->sc = ru->sc;
    p->first_batch = ru->proved_batch + 1;
    p->batch = b->index;
    ru->proved_batch = b->index;
    p->ntxs = ntxs;
    p->started = sim_now(sim);
    p->proven = p->verified = -1;
    p->status = "proving";
    p->prover_cost = ru->prove_cost_fixed + ru->prove_cost_per_tx * ntxs;
    ru->prover_cost += p->prover_cost;
    gsl_rng *r = scheme_stream(ru->sc, SCHEME_ENTITY(1, b->index), PROVER_RNG_TIME);
    double median = ru->prove_fixed_s + ru->prove_per_tx_s * (double)ntxs;
    double secs = median > 0 ? gsl_ran_lognormal(r, log(median), ru->prove_sigma) : 0;
    gsl_rng_free(r);
    ru->proofs[ru->nproofs++] = p;
    sim_after(sim, (sim_time)(secs * 1e6), proven, p, NULL, 0);
}

void prover_falsify(struct scheme *sc) { ((struct rollup *)sc->state)->falsify_proof = true; }

void prover_rejected(struct scheme *sc, struct prover_rejections *out)
{
    const struct rollup *ru = sc->state;
    *out = (struct prover_rejections){ .proofs = ru->proofs_rejected, .fees = ru->rejected_fees,
                                       .first = ru->rejected_first };
}

void prover_finish(struct rollup *ru)
{
    struct world *w = ru->sc->world;
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO proofs(run_id, scheme, batch, txs, started_us, proven_us, verified_us,"
        " l1_tx_id, gas, status, prover_cost_wei, l1_fee_wei) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    for (uint64_t k = 0; k < ru->nproofs; k++) {
        const struct ru_proof *p = ru->proofs[k];
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, ru->sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)p->batch);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)p->ntxs);
        sqlite3_bind_int64(q, 5, p->started);
        if (p->proven >= 0)
            sqlite3_bind_int64(q, 6, p->proven);
        else
            sqlite3_bind_null(q, 6);
        if (p->verified >= 0) {
            sqlite3_bind_int64(q, 7, p->verified);
            sqlite3_bind_int64(q, 9, (sqlite3_int64)p->gas);
        } else {
            sqlite3_bind_null(q, 7), sqlite3_bind_null(q, 9);
        }
        if (p->l1)
            sqlite3_bind_int64(q, 8, (sqlite3_int64)p->l1);
        else
            sqlite3_bind_null(q, 8);
        sqlite3_bind_text(q, 10, p->status, -1, SQLITE_STATIC);
        money_bind(q, 11, p->prover_cost);
        money_bind(q, 12, p->fee);
        store_step(w->store, q);
    }
}

void prover_free(struct rollup *ru)
{
    for (uint64_t k = 0; k < ru->nproofs; k++)
        free(ru->proofs[k]);
    free(ru->proofs);
}

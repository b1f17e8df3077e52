/* batcher.c — the rollup's batcher: encodes sealed L2 blocks into a channel (each
 * block's number and timestamp, then its transfers as signed, signatures included:
 * batch.h), compresses the channel with the scenario's codec, and posts it to L1 as
 * one transaction: calldata up to max_tx_size bytes, or blobs (EIP-4844) up to
 * max_blobs of them. A channel is posted when it is full or max_channel_duration after
 * its first block, whichever comes first. `da: auto` prices both at the L1's current
 * prices (the L1's own gas rule, so EIP-7623's calldata floor counts) and switches
 * only when the other is cheaper by more than the hysteresis. A batch still pending
 * stuck_after slots later is replaced through its handle with a higher bid. */
#include <stdlib.h>
#include <string.h>

#include "models/rollup/rollup_int.h"
#include "sim/money.h"

#define BLOCK_HEADER_BYTES 16u   /* LE64 number, LE64 timestamp */

/* What one batch holds: a calldata transaction's bytes, or max_blobs blobs (a
 * validium's committee takes batches of the same size as the blobs would hold). */
static size_t capacity(const struct rollup *ru, enum rollup_da da)
{
    return da == DA_CALLDATA ? ru->max_tx_size
                             : (size_t)ru->max_blobs * ROLLUP_BLOB_DATA_BYTES;
}

static const char *da_word(enum rollup_da da)
{
    return da == DA_CALLDATA ? "calldata" : da == DA_BLOB ? "blob" : "committee";
}

void batcher_start(struct rollup *ru)
{
    ru->da_now = ru->da == DA_AUTO ? DA_BLOB : ru->da;
    /* A block must fit one batch even uncompressed (random signatures barely
     * compress): the sequencer caps its transfers so that it does. */
    size_t cap = capacity(ru, ru->da == DA_AUTO ? DA_CALLDATA : ru->da);
    size_t room = cap * 95 / 100 - BLOCK_HEADER_BYTES - BATCH_HEADER_BYTES;
    uint64_t by_size = room / TRANSFER_WIRE_BYTES;
    uint64_t by_gas = ru->fees.gas_limit / ROLLUP_TRANSFER_GAS;
    ru->max_block_txs = by_size < by_gas ? by_size : by_gas;
    if (ru->max_block_txs == 0)
        ru->max_block_txs = 1;
}

double batcher_ratio(const struct rollup *ru)
{
    return ru->raw_total ? (double)ru->compressed_total / (double)ru->raw_total : 1.0;
}

/* ---- L1 prices of a batch ---- */

/* What posting `bytes` compressed bytes costs now through da, by the L1's own gas rule
 * (EIP-2028 calldata, the EIP-7623 floor) at the base fee + the batcher's tip, plus
 * blob gas at the blob base fee. */
static u128 price_now(const struct rollup *ru, enum rollup_da da, const uint8_t *data,
                      size_t bytes)
{
    struct l1 *l1 = ru->sc->world->l1;
    struct l1_tx tx = { .kind = "batch" };
    u128 blob = 0;
    if (da == DA_CALLDATA) {
        tx.calldata = data, tx.calldata_len = bytes;
    } else {
        uint32_t blobs = (uint32_t)((bytes + ROLLUP_BLOB_DATA_BYTES - 1) / ROLLUP_BLOB_DATA_BYTES);
        blob = (u128)blobs * ROLLUP_GAS_PER_BLOB * l1_blob_base_fee(l1);
    }
    return (u128)l1_gas_of(l1, &tx) * ((u128)l1_base_fee(l1) + ru->batcher_tip) + blob;
}

/* da: auto's choice for this batch, with hysteresis: stay unless the other is cheaper
 * by more than auto_hysteresis (in parts per million, integers), or unless blobs are
 * priced above the blob fee cap. */
static enum rollup_da choose(struct rollup *ru, const uint8_t *data, size_t bytes)
{
    if (ru->da != DA_AUTO)
        return ru->da;
    struct l1 *l1 = ru->sc->world->l1;
    if (bytes > ru->max_tx_size)
        return DA_BLOB;
    u128 cd = price_now(ru, DA_CALLDATA, data, bytes);
    u128 bl = price_now(ru, DA_BLOB, data, bytes);
    bool blob_capped = ru->blob_fee_cap && l1_blob_base_fee(l1) > ru->blob_fee_cap;
    u128 keep = (u128)(1000000 - (uint64_t)(ru->auto_hysteresis * 1e6 + 0.5));
    enum rollup_da now = ru->da_now;
    if (now == DA_BLOB && (blob_capped || cd * 1000000 < bl * keep))
        now = DA_CALLDATA;
    else if (now == DA_CALLDATA && !blob_capped && bl * 1000000 < cd * keep)
        now = DA_BLOB;
    if (now != ru->da_now)
        ru->da_switches++;
    ru->da_now = now;
    return now;
}

/* ---- posting ---- */

static void batch_included(void *ctx, const struct l1_receipt *r);
static void batch_final(void *ctx, const struct l1_receipt *r);
static void batch_dropped(void *ctx, const char *why);
static void batch_check_stuck(void *ctx);

static struct l1_tx batch_tx(const struct ru_batch *b)
{
    const struct scheme *sc = b->sc;
    const struct rollup *ru = sc->state;
    struct l1_tx tx = { .sender = l1_account(L1_ACCT_SCHEME, (uint64_t)sc->index << 8 | 0),
                        .origin = L1_ORIGIN_SCHEME(sc->index),
                        .kind = b->da == DA_CALLDATA ? "batch" : b->da == DA_BLOB
                              ? "blob_batch" : "dac_attestation" };
    if (b->da == DA_CALLDATA) {
        tx.calldata = b->data, tx.calldata_len = b->compressed_bytes;
    } else if (b->da == DA_BLOB) {
        tx.blobs = b->blobs;   /* the blobs' versioned hashes ride in the blob fields */
    } else {
        /* the attestation: the data hash and k signatures, each recovered by the
         * contract (ecrecover 3000 gas), the hash stored (SSTORE 20000 gas) */
        tx.calldata = b->data, tx.calldata_len = b->att_len + b->onchain_len;
        tx.exec_gas = 3000u * ru->threshold + 20000u;
    }
    return tx;
}

static void submit(struct rollup *ru, struct ru_batch *b)
{
    struct l1 *l1 = ru->sc->world->l1;
    b->tip = ru->batcher_tip;
    b->max_fee = 2 * l1_base_fee(l1) + b->tip;
    if (b->da == DA_BLOB) {
        u128 twice = 2 * l1_blob_base_fee(l1);
        uint64_t bid = twice > UINT64_MAX ? UINT64_MAX : (uint64_t)twice;
        if (bid == 0)
            bid = 1;
        b->max_blob_fee = ru->blob_fee_cap && ru->blob_fee_cap < bid ? ru->blob_fee_cap : bid;
    }
    struct l1_tx tx = batch_tx(b);
    struct l1_fee_policy fee = { .kind = L1_FEE_FIXED, .max_fee = b->max_fee, .tip = b->tip,
                                 .max_fee_per_blob_gas = b->max_blob_fee };
    struct l1_callbacks cb = { batch_included, batch_final, batch_dropped, b };
    b->l1 = l1_submit(l1, &tx, &fee, &cb);
    b->status = "pending";
    l1_at(l1, sim_now(ru->sc->world->sim) + (sim_time)ru->stuck_after * l1_slot(l1),
          batch_check_stuck, b);
}

/* Still pending: bid higher through the handle, as a same-nonce replacement must (15%
 * on max fee and tip; blob transactions 100%, and their blob fee too, up to the cap). */
static void batch_check_stuck(void *ctx)
{
    struct ru_batch *b = ctx;
    struct rollup *ru = b->sc->state;
    struct l1 *l1 = b->sc->world->l1;
    struct l1_fate f;
    if (l1_fate(l1, b->l1, &f) != 0 || f.state != L1_FATE_PENDING)
        return;
    uint64_t pct = b->da == DA_BLOB ? 100 : 15;   /* over the pool's 10% / 100% bump */
    struct l1_fee_policy fee = {
        .kind = L1_FEE_FIXED,
        .max_fee = b->max_fee + (b->max_fee * pct + 99) / 100,
        .tip = b->tip + (b->tip * pct + 99) / 100,
        .max_fee_per_blob_gas = b->max_blob_fee,
    };
    if (fee.max_fee < 2 * l1_base_fee(l1) + fee.tip)
        fee.max_fee = 2 * l1_base_fee(l1) + fee.tip;
    bool ok = true;
    if (b->da == DA_BLOB) {
        uint64_t next = b->max_blob_fee * 2;
        if (ru->blob_fee_cap && next > ru->blob_fee_cap)
            ok = false;   /* the cap forbids the blob pool's 100% bump: it waits */
        fee.max_fee_per_blob_gas = next;
    }
    if (ok && l1_replace(l1, b->l1, &fee) == 0) {
        b->max_fee = fee.max_fee, b->tip = fee.tip, b->max_blob_fee = fee.max_fee_per_blob_gas;
        b->replacements++;
    }
    l1_at(l1, sim_now(b->sc->world->sim) + (sim_time)ru->stuck_after * l1_slot(l1),
          batch_check_stuck, b);
}

static void batch_included(void *ctx, const struct l1_receipt *r)
{
    struct ru_batch *b = ctx;
    struct rollup *ru = b->sc->state;
    b->included = r->time, b->height = r->height, b->fee = r->total, b->gas = r->gas_used;
    b->status = "included";
    ru->l1_paid += r->total;
    ru->batch_cost += r->total;
    /* a validium's contract accepts the batch only on a valid attestation: paid for
     * either way, a refused one leaves its blocks unfinalizable */
    bool refused = b->da == DA_COMMITTEE && !committee_verify(ru, b->index, b->data, b->att_len);
    free(b->data);
    b->data = NULL;
    if (refused) {
        b->status = "refused";
        return;
    }
    for (uint64_t n = b->first_block; n <= b->last_block; n++) {
        struct ru_block *blk = ru->blocks[n - 1];
        for (size_t i = 0; i < blk->ntxs; i++)
            if (!blk->wd[i]) {
                blk->recs[i].include = r->time;
                blk->recs[i].status = "included";
            }
        /* the transfers' data is on L1 now; listeners took copies at seal */
        free(blk->txs);
        blk->txs = NULL;
    }
    if (b->last_block > ru->last_included_block)
        ru->last_included_block = b->last_block;
    ru_notify_batch(ru, b);
    if (ROLLUP_CLAIMS(ru))
        proposer_on_batch(ru, b);
    if (ROLLUP_PROVES(ru))
        prover_on_batch(ru, b);
}

static void batch_final(void *ctx, const struct l1_receipt *r)
{
    struct ru_batch *b = ctx;
    b->final = sim_now(b->sc->world->sim);
    (void)r;
    if (strcmp(b->status, "included") == 0)
        b->status = "final";
}

/* Left the pool (evicted): post the same data again. */
static void batch_dropped(void *ctx, const char *why)
{
    (void)why;
    struct ru_batch *b = ctx;
    b->reposts++;
    submit(b->sc->state, b);
}

/* A volition's batch: its rollup-mode accounts' transfers (wire bytes, compressed
 * with the batch codec) go to L1 after the attestation, in the same transaction, so
 * those users can rebuild their part of the state without the committee. */
static void volition_onchain(struct rollup *ru, struct ru_batch *b)
{
    size_t n = 0;
    for (uint64_t k = b->first_block; k <= b->last_block; k++)
        n += ru->blocks[k - 1]->ntxs;
    uint8_t *raw = xmalloc(n ? n * TRANSFER_WIRE_BYTES : 1), *p = raw;
    for (uint64_t k = b->first_block; k <= b->last_block; k++) {
        const struct ru_block *blk = ru->blocks[k - 1];
        for (size_t i = 0; i < blk->ntxs; i++)
            if (ru_rollup_mode(ru, (uint32_t)(blk->txs[i].from - ROLLUP_USER_ACCOUNT(0)))) {
                transfer_wire(&blk->txs[i], p);
                p += TRANSFER_WIRE_BYTES;
            }
    }
    size_t len = (size_t)(p - raw), cap = codec_bound(ru->codec, len), out = 0;
    b->data = xrealloc(b->data, b->att_len + cap);
    if (len) {
        struct err e;
        err_init(&e);
        if (codec_compress(ru->codec, raw, len, b->data + b->att_len, cap, &out, &e) != 0)
            sim_panic("volition batch %llu: %s", (unsigned long long)b->index, e.msg);
    }
    b->onchain_len = out;
    free(raw);
}

static size_t blocks_bytes(const struct rollup *ru, uint64_t first, uint64_t last)
{
    size_t n = 0;
    for (uint64_t k = first; k <= last; k++)
        n += BLOCK_HEADER_BYTES + batch_encoded_size(ru->blocks[k - 1]->ntxs);
    return n;
}

/* Post blocks [first, last] (the first raw bytes of the channel buffer) as one batch,
 * or, when they compress to more than one batch holds (the size estimate was short),
 * the longest prefix that fits. Returns the last block posted. */
static uint64_t post(struct rollup *ru, uint64_t first, uint64_t last, size_t raw)
{
    size_t bound = codec_bound(ru->codec, raw);
    if (bound > ru->cap_cbuf) {
        ru->cbuf = xrealloc(ru->cbuf, bound);
        ru->cap_cbuf = bound;
    }
    size_t clen;
    struct err e;
    err_init(&e);
    if (codec_compress(ru->codec, ru->buf, raw, ru->cbuf, ru->cap_cbuf, &clen, &e) != 0) {
        world_fail(ru->sc->world, "scheme '%s': compressing a batch: %s", ru->sc->name, e.msg);
        return last;
    }
    enum rollup_da da = choose(ru, ru->cbuf, clen);
    if (clen > capacity(ru, da) && last > first)
        return post(ru, first, last - 1, blocks_bytes(ru, first, last - 1));
    if (ru->nbatches == ru->cap_batches) {
        ru->cap_batches = ru->cap_batches ? 2 * ru->cap_batches : 256;
        ru->batches = xrealloc(ru->batches, ru->cap_batches * sizeof *ru->batches);
    }
    struct ru_batch *b = xcalloc(1, sizeof *b);
    b->sc = ru->sc;
    b->index = ru->nbatches + 1;
    b->first_block = first, b->last_block = last;
    b->raw_bytes = raw, b->compressed_bytes = clen;
    b->da = da;
    b->blobs = da == DA_BLOB ? (uint32_t)((clen + ROLLUP_BLOB_DATA_BYTES - 1) / ROLLUP_BLOB_DATA_BYTES) : 0;
    if (da == DA_BLOB && b->blobs == 0)
        b->blobs = 1;
    b->created = sim_now(ru->sc->world->sim);
    b->included = b->final = -1;
    if (da == DA_COMMITTEE) {
        /* the data goes to the committee; the L1 gets its attestation */
        size_t cap = COMMITTEE_ATTESTATION_BYTES(ru->threshold);
        b->data = xmalloc(cap);
        b->att_len = committee_attest(ru, b, ru->cbuf, clen, b->data, cap);
        if (ru->kind == ROLLUP_VOLITION)
            volition_onchain(ru, b);
    } else {
        b->data = xmalloc(clen ? clen : 1);
        memcpy(b->data, ru->cbuf, clen);
    }
    /* the commitment the L1 keeps for disputes: over the batch's transfers, hashed
     * from their wire bytes in the channel as posted (each block: its header, the
     * batch header, the transfers: batcher_add_block) */
    size_t ntx = 0;
    for (uint64_t n = first; n <= last; n++)
        ntx += ru->blocks[n - 1]->ntxs;
    uint8_t (*leaves)[MERKLE_HASH_BYTES] = xmalloc((ntx ? ntx : 1) * sizeof *leaves);
    const uint8_t *p = ru->buf;
    ntx = 0;
    for (uint64_t n = first; n <= last; n++) {
        struct ru_block *blk = ru->blocks[n - 1];
        p += BLOCK_HEADER_BYTES + BATCH_HEADER_BYTES;
        batch_tx_leaves(p, blk->ntxs, leaves + ntx);
        p += blk->ntxs * TRANSFER_WIRE_BYTES;
        ntx += blk->ntxs;
        blk->batch = b->index;
        b->revenue_l1 += blk->l1_fees, b->revenue_l2 += blk->l2_fees;
    }
    SIM_ASSERT((size_t)(p - ru->buf) == raw);
    batch_commit_leaves((const uint8_t (*)[MERKLE_HASH_BYTES])leaves, ntx, &b->commit);
    free(leaves);
    b->ntxs = ntx;
    ru->raw_total += raw, ru->compressed_total += clen;
    ru->batches[ru->nbatches++] = b;
    submit(ru, b);
    return last;
}

static void on_channel_deadline(struct sim *sim, void *ctx, const void *payload);

static void arm_deadline(struct rollup *ru)
{
    struct sim *sim = ru->sc->world->sim;
    uint64_t first = ru->chan_first;
    sim_time t = ru->blocks[first - 1]->time + ru->max_channel_duration;
    sim_at(sim, t > sim_now(sim) ? t : sim_now(sim), on_channel_deadline, ru, &first,
           sizeof first);
}

/* Post the open channel; blocks that did not fit stay in it as a new channel. */
static void close_channel(struct rollup *ru)
{
    if (!ru->chan_first)
        return;
    uint64_t first = ru->chan_first, last = ru->chan_last;
    uint64_t done = post(ru, first, last, ru->chan_raw);
    if (done >= last) {
        ru->chan_first = 0, ru->chan_raw = 0;
        return;
    }
    /* what is left is posted when it fills up or its own deadline comes */
    size_t used = blocks_bytes(ru, first, done);
    memmove(ru->buf, ru->buf + used, ru->chan_raw - used);
    ru->chan_raw -= used;
    ru->chan_first = done + 1;
    arm_deadline(ru);
}

static void on_channel_deadline(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct rollup *ru = ctx;
    uint64_t first;
    memcpy(&first, payload, sizeof first);
    if (ru->chan_first == first)
        close_channel(ru);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Add a sealed block to the open channel; post the channel when it is full (its
 * compressed size estimated from the ratio so far, checked when compressed). */
void batcher_add_block(struct rollup *ru, struct ru_block *b)
{
    if (b->ntxs == 0 && !ru->chan_first)
        return;   /* an empty block carries nothing: derivation fills the gap */
    size_t enc = BLOCK_HEADER_BYTES + batch_encoded_size(b->ntxs);
    /* full: estimated compressed size (x 1e6 integers) over 95% of what one batch holds */
    size_t cap = capacity(ru, ru->da_now);
    uint64_t rt = ru->raw_total ? ru->raw_total : 1, ct = ru->raw_total ? ru->compressed_total : 1;
    if (ru->chan_first && (u128)(ru->chan_raw + enc) * ct / rt > (u128)cap * 95 / 100)
        close_channel(ru);
    if (ru->chan_raw + enc > ru->cap_buf) {
        ru->cap_buf = 2 * (ru->chan_raw + enc);
        ru->buf = xrealloc(ru->buf, ru->cap_buf);
    }
    uint8_t *p = ru->buf + ru->chan_raw;
    put_le64(p, b->number);
    put_le64(p + 8, (uint64_t)b->time);
    batch_encode(b->txs, b->ntxs, ru->chain_id, p + BLOCK_HEADER_BYTES);
    ru->chan_raw += enc;
    ru->chan_last = b->number;
    if (!ru->chan_first) {
        ru->chan_first = b->number;
        arm_deadline(ru);
    }
    if ((u128)ru->chan_raw * ct / rt > (u128)cap * 95 / 100)
        close_channel(ru);
}

/* The batches table, in batch order; a batch never included reads pending. */
void batcher_finish(struct rollup *ru)
{
    struct world *w = ru->sc->world;
    sqlite3_stmt *q = store_prepare(w->store,
        "INSERT INTO batches(run_id, scheme, batch, first_block, last_block, txs, raw_bytes,"
        " compressed_bytes, da, blobs, l1_tx_id, created_us, included_us, l1_height, gas,"
        " replacements, reposts, status, l1_fee_wei, revenue_l1_wei, revenue_l2_wei)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (uint64_t k = 0; k < ru->nbatches; k++) {
        const struct ru_batch *b = ru->batches[k];
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_text(q, 2, ru->sc->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)b->index);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)b->first_block);
        sqlite3_bind_int64(q, 5, (sqlite3_int64)b->last_block);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)b->ntxs);
        sqlite3_bind_int64(q, 7, (sqlite3_int64)b->raw_bytes);
        sqlite3_bind_int64(q, 8, (sqlite3_int64)b->compressed_bytes);
        sqlite3_bind_text(q, 9, da_word(b->da), -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 10, (int)b->blobs);
        sqlite3_bind_int64(q, 11, (sqlite3_int64)b->l1);
        sqlite3_bind_int64(q, 12, b->created);
        if (b->included >= 0) {
            sqlite3_bind_int64(q, 13, b->included);
            sqlite3_bind_int64(q, 14, (sqlite3_int64)b->height);
            sqlite3_bind_int64(q, 15, (sqlite3_int64)b->gas);
        } else {
            sqlite3_bind_null(q, 13), sqlite3_bind_null(q, 14), sqlite3_bind_null(q, 15);
        }
        sqlite3_bind_int(q, 16, (int)b->replacements);
        sqlite3_bind_int(q, 17, (int)b->reposts);
        sqlite3_bind_text(q, 18, b->status, -1, SQLITE_STATIC);
        money_bind(q, 19, b->fee);
        money_bind(q, 20, b->revenue_l1);
        money_bind(q, 21, b->revenue_l2);
        store_step(w->store, q);
    }
}

void batcher_free(struct rollup *ru)
{
    for (uint64_t k = 0; k < ru->nbatches; k++) {
        free(ru->batches[k]->data);
        free(ru->batches[k]);
    }
    free(ru->batches);
    free(ru->buf), free(ru->cbuf);
}

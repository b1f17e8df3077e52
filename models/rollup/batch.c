/* batch.c — batch bytes, commitments and inclusion paths (see batch.h). */
#include "models/rollup/batch.h"

#include <stdlib.h>
#include <string.h>

static uint8_t *put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + bytes;
}

static u128 get_le(const uint8_t *p, int bytes)
{
    u128 v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

size_t batch_encoded_size(size_t n)
{
    return BATCH_HEADER_BYTES + n * TRANSFER_WIRE_BYTES;
}

void batch_encode(const struct l2_transfer *txs, size_t n, uint64_t chain_id, uint8_t *out)
{
    SIM_ASSERT(n <= BATCH_MAX_TXS);
    uint8_t *p = out;
    *p++ = BATCH_VERSION;
    p = put_le(p, chain_id, 8);
    p = put_le(p, n, 4);
    for (size_t i = 0; i < n; i++, p += TRANSFER_WIRE_BYTES)
        transfer_wire(&txs[i], p);
}

bool transfer_from_wire(const uint8_t in[TRANSFER_WIRE_BYTES], struct l2_transfer *t)
{
    /* the signed encoding starts with its tag; re-encoding the parsed fields must give
     * the same bytes, which checks the tag without a second copy of it here */
    const uint8_t *p = in + TRANSFER_SIGNED_BYTES - (8 + 8 + 8 + 16 + 16 + 8);
    t->chain_id = (uint64_t)get_le(p, 8), p += 8;
    t->from = (uint64_t)get_le(p, 8), p += 8;
    t->to = (uint64_t)get_le(p, 8), p += 8;
    t->amount = get_le(p, 16), p += 16;
    t->fee = get_le(p, 16), p += 16;
    t->nonce = (uint64_t)get_le(p, 8);
    memcpy(t->sig, in + TRANSFER_SIGNED_BYTES, SIG_BYTES);
    uint8_t again[TRANSFER_SIGNED_BYTES];
    transfer_encode(t, again);
    return memcmp(again, in, TRANSFER_SIGNED_BYTES) == 0;
}

int batch_decode(const uint8_t *in, size_t len, uint64_t chain_id, size_t max_txs,
                 struct l2_transfer **txs, size_t *n, struct err *e)
{
    if (len < BATCH_HEADER_BYTES)
        return err_set(e, L2_EINPUT, "batch: %zu bytes, shorter than its %d-byte header", len,
                       BATCH_HEADER_BYTES);
    if (in[0] != BATCH_VERSION)
        return err_set(e, L2_EINPUT, "batch: version %u, expected %u", in[0], BATCH_VERSION);
    uint64_t chain = (uint64_t)get_le(in + 1, 8), count = (uint64_t)get_le(in + 9, 4);
    if (chain != chain_id)
        return err_set(e, L2_EINPUT, "batch: for rollup %llu, not %llu",
                       (unsigned long long)chain, (unsigned long long)chain_id);
    if (count > max_txs)
        return err_set(e, L2_EINPUT, "batch: %llu transfers, more than the limit of %zu",
                       (unsigned long long)count, max_txs);
    if (len != batch_encoded_size((size_t)count))
        return err_set(e, L2_EINPUT, "batch: %zu bytes, but %llu transfers take %zu", len,
                       (unsigned long long)count, batch_encoded_size((size_t)count));
    struct l2_transfer *t = xmalloc((count ? (size_t)count : 1) * sizeof *t);
    for (size_t i = 0; i < count; i++)
        if (!transfer_from_wire(in + BATCH_HEADER_BYTES + i * TRANSFER_WIRE_BYTES, &t[i])) {
            free(t);
            return err_set(e, L2_EINPUT, "batch: transfer %zu is not a transfer encoding", i);
        }
    *txs = t, *n = (size_t)count;
    return 0;
}

void batch_tx_leaf(const uint8_t wire[TRANSFER_WIRE_BYTES], uint8_t leaf[MERKLE_HASH_BYTES])
{
    merkle_list_leaf_hash(wire, TRANSFER_WIRE_BYTES, leaf);
}

void batch_tx_leaves(const uint8_t *wire, size_t n, uint8_t (*leaves)[MERKLE_HASH_BYTES])
{
    merkle_list_leaf_hashes(wire, TRANSFER_WIRE_BYTES, n, leaves);
}

static void tx_leaf(const struct l2_transfer *t, uint8_t leaf[MERKLE_HASH_BYTES])
{
    uint8_t wire[TRANSFER_WIRE_BYTES];
    transfer_wire(t, wire);
    batch_tx_leaf(wire, leaf);
}

static uint8_t (*leaves_of(const struct l2_transfer *txs, size_t n))[MERKLE_HASH_BYTES]
{
    uint8_t (*l)[MERKLE_HASH_BYTES] = xmalloc((n ? n : 1) * sizeof *l);
    uint8_t wire[2][TRANSFER_WIRE_BYTES];
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        transfer_wire(&txs[i], wire[0]);
        transfer_wire(&txs[i + 1], wire[1]);
        batch_tx_leaves(wire[0], 2, l + i);
    }
    if (i < n)
        tx_leaf(&txs[i], l[i]);
    return l;
}

void batch_commit_leaves(const uint8_t (*leaves)[MERKLE_HASH_BYTES], size_t n,
                         struct batch_commitment *c)
{
    merkle_list_root(leaves, n, c->tx_root);
    c->count = n;
}

void batch_commit(const struct l2_transfer *txs, size_t n, struct batch_commitment *c)
{
    uint8_t (*l)[MERKLE_HASH_BYTES] = leaves_of(txs, n);
    batch_commit_leaves((const uint8_t (*)[MERKLE_HASH_BYTES])l, n, c);
    free(l);
}

size_t batch_prove_inclusion(const struct l2_transfer *txs, size_t n, size_t index,
                             uint8_t (*path)[MERKLE_HASH_BYTES])
{
    uint8_t (*l)[MERKLE_HASH_BYTES] = leaves_of(txs, n);
    size_t len = merkle_list_prove((const uint8_t (*)[MERKLE_HASH_BYTES])l, n, index, path);
    free(l);
    return len;
}

bool batch_verify_inclusion(const struct batch_commitment *c, uint64_t index,
                            const struct l2_transfer *tx,
                            const uint8_t (*path)[MERKLE_HASH_BYTES], size_t len)
{
    if (c->count > SIZE_MAX || index >= c->count)
        return false;
    uint8_t leaf[MERKLE_HASH_BYTES];
    tx_leaf(tx, leaf);
    return merkle_list_verify(c->tx_root, (size_t)c->count, (size_t)index, leaf, path, len);
}

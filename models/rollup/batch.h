/* batch.h — a rollup batch as bytes and as an L1 commitment. The bytes are what the
 * batcher compresses (models/crypto/codec.h) and posts as calldata or blobs: a header
 * (version, chain id, transfer count) and each transfer as it was signed, signature
 * included (TRANSFER_WIRE_BYTES). The commitment is what the L1 keeps to hold
 * disputes against: the RFC 6962 root over the transfers' wire bytes and their count
 * (the root alone does not fix the count, merkle.h). The audit path of transfer i
 * proves to the L1 that the step a dispute isolated really is the batch's i-th. */
#ifndef L2SIM_ROLLUP_BATCH_H
#define L2SIM_ROLLUP_BATCH_H

#include "models/rollup/state.h"

#define BATCH_VERSION      1u
#define BATCH_HEADER_BYTES (1 + 8 + 4)   /* version, LE64 chain_id, LE32 count */
#define BATCH_MAX_TXS      UINT32_MAX

struct batch_commitment {
    uint8_t  tx_root[MERKLE_HASH_BYTES];
    uint64_t count;
};

/* The encoded size of n transfers. */
size_t batch_encoded_size(size_t n);

/* Encode n transfers of rollup chain_id into out (batch_encoded_size(n) bytes). O(n). */
void batch_encode(const struct l2_transfer *txs, size_t n, uint64_t chain_id, uint8_t *out);

/* Decode len bytes into a new array of transfers (*txs, caller frees; *n of them).
 * 0, or L2_EINPUT when the bytes are not a batch of this rollup holding at most
 * max_txs transfers (the message says what is wrong and at which transfer); nothing
 * is allocated then. Signatures are carried, not checked: execution judges them. */
int batch_decode(const uint8_t *in, size_t len, uint64_t chain_id, size_t max_txs,
                 struct l2_transfer **txs /* OUT */, size_t *n /* OUT */, struct err *e);

/* The one transfer wire encoding back into fields; false when the bytes are not a
 * transfer's (wrong tag). */
bool transfer_from_wire(const uint8_t in[TRANSFER_WIRE_BYTES], struct l2_transfer *t /* OUT */);

/* The commitment of n transfers. O(n) hashes. */
void batch_commit(const struct l2_transfer *txs, size_t n, struct batch_commitment *c /* OUT */);

/* The same from parts, for a batcher that holds the transfers encoded already: the
 * leaf of one transfer from its wire bytes (RFC 6962 leaf hash), and the commitment
 * of n such leaves in batch order. batch_commit = the leaves of every transfer, then
 * batch_commit_leaves. */
void batch_tx_leaf(const uint8_t wire[TRANSFER_WIRE_BYTES], uint8_t leaf[MERKLE_HASH_BYTES] /* OUT */);
/* The leaves of n transfers whose wire bytes lie one after the other at wire. */
void batch_tx_leaves(const uint8_t *wire, size_t n, uint8_t (*leaves)[MERKLE_HASH_BYTES] /* OUT: n */);
void batch_commit_leaves(const uint8_t (*leaves)[MERKLE_HASH_BYTES], size_t n,
                         struct batch_commitment *c /* OUT */);

/* The audit path of transfer index (< n): at most 64 hashes; returns how many. O(n). */
size_t batch_prove_inclusion(const struct l2_transfer *txs, size_t n, size_t index,
                             uint8_t (*path)[MERKLE_HASH_BYTES] /* OUT: <= 64 */);

/* True when tx is transfer index of the committed batch, by path. O(len). */
bool batch_verify_inclusion(const struct batch_commitment *c, uint64_t index,
                            const struct l2_transfer *tx,
                            const uint8_t (*path)[MERKLE_HASH_BYTES], size_t len);

#endif

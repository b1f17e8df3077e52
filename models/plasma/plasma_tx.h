/* plasma_tx.h — a Plasma MVP transaction as bytes: what the owner signs, what the
 * operator checks, what a block's Merkle leaf hashes and what the root-chain contract
 * decodes in an exit or a challenge. UTXO positions are MVP's: blknum x 1e9 +
 * txindex x 1e4 + oindex.
 *
 * Encoding (little-endian): u8 nin (0..4) | nin x u64 input position | u8 nout (1..2) |
 * nout x (32-byte owner key | u128 value) | u128 fee. MVP's transaction has two inputs,
 * two outputs and an implicit fee; we allow four inputs (wallets consolidate small
 * UTXOs) and write the fee out. A transaction with no input is a deposit (made by the
 * contract) or the operator's fee output of a block. The signature (64 bytes,
 * models/crypto/sig) is the input owner's over the encoding: every input of one
 * transaction has the same owner here, so one signature covers them (MVP: one per
 * input). The block's Merkle leaf is the RFC 6962 leaf hash of encoding || signature
 * (MVP hashes the transaction with its signatures too). */
#ifndef L2SIM_PLASMA_TX_H
#define L2SIM_PLASMA_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/util.h"

#define PTX_MAX_IN    4
#define PTX_MAX_OUT   2
#define PTX_MAX_BYTES (1 + PTX_MAX_IN * 8 + 1 + PTX_MAX_OUT * 48 + 16)
#define PTX_SIG_BYTES 64

/* MVP's position arithmetic (omisego/plasma-mvp RootChain: utxoPos). */
#define PTX_BLOCK_UNIT UINT64_C(1000000000)
#define PTX_TX_UNIT    UINT64_C(10000)
static inline uint64_t ptx_pos(uint64_t blknum, uint64_t txindex, uint64_t oindex)
{
    return blknum * PTX_BLOCK_UNIT + txindex * PTX_TX_UNIT + oindex;
}
static inline uint64_t ptx_pos_block(uint64_t pos) { return pos / PTX_BLOCK_UNIT; }
static inline uint64_t ptx_pos_tx(uint64_t pos) { return pos % PTX_BLOCK_UNIT / PTX_TX_UNIT; }
static inline uint64_t ptx_pos_out(uint64_t pos) { return pos % PTX_TX_UNIT; }

struct ptx_view {
    uint8_t  nin, nout;
    uint64_t in[PTX_MAX_IN];
    uint8_t  owner[PTX_MAX_OUT][32];
    u128     value[PTX_MAX_OUT];
    u128     fee;
};

/* Encode v into out (PTX_MAX_BYTES at most). Returns the length. */
size_t ptx_encode(const struct ptx_view *v, uint8_t *out);
/* Decode len bytes; false when they are not exactly one well-formed transaction. */
bool   ptx_decode(const uint8_t *b, size_t len, struct ptx_view *v /* OUT */);
/* The block leaf of a signed transaction: RFC 6962 leaf hash of bytes || sig. */
void   ptx_leaf(const uint8_t *tx, size_t len, const uint8_t sig[PTX_SIG_BYTES],
                uint8_t leaf[32] /* OUT */);

#endif

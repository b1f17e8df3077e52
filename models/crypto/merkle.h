/* merkle.h — SHA-256 Merkle trees: the account tree of a rollup's state (fixed depth
 * over account indices, O(depth) incremental updates, inclusion proofs and a verifier
 * that needs nothing but the root), and the root of a list of leaves (a batch's
 * transactions, a block's) in the RFC 6962 form. */
#ifndef L2SIM_CRYPTO_MERKLE_H
#define L2SIM_CRYPTO_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "models/crypto/hash.h"

#define MERKLE_HASH_BYTES HASH_SHA256_BYTES
#define MERKLE_DEPTH_MAX  64u

/* ---- the account tree ----
 * A binary tree of fixed depth d over leaf indices 0 .. 2^d - 1. A leaf is a 32-byte
 * value (the caller hashes the account's encoding into it); a leaf never set is the
 * empty leaf, 32 zero bytes; a node is SHA-256(left || right). The hash of an empty
 * subtree of height h is precomputed: empty[0] = 0^32, empty[h+1] =
 * SHA-256(empty[h] || empty[h]) (the zero-hash convention of Ethereum's deposit
 * contract), so the tree of 2^32 leaves exists from the start at no cost.
 * Storage is the populated prefix of each level: memory is O(highest index set), made
 * for account indices handed out in order from 0; a node beyond a level's prefix is
 * that level's empty hash. */
struct merkle_tree;

/* A tree of the given depth (1..64) with every leaf empty. Caller owns it. O(d). */
struct merkle_tree *merkle_tree_new(unsigned depth);
void merkle_tree_free(struct merkle_tree *t);
unsigned merkle_tree_depth(const struct merkle_tree *t);

/* Set leaf index (< 2^depth) to leaf and rehash its path: d SHA-256 computations,
 * amortised O(d) (a level's prefix grows by doubling). Commits anything staged. */
void merkle_tree_set(struct merkle_tree *t, uint64_t index, const uint8_t leaf[MERKLE_HASH_BYTES]);

/* Set leaf index to leaf without rehashing: the root is brought up to date by
 * merkle_tree_commit, which hashes every node above the staged leaves once. For a
 * sequencer that needs the root once per L2 block, not after every transfer: k
 * staged leaves under a common subtree share their upper path. O(1) amortised. */
void merkle_tree_stage(struct merkle_tree *t, uint64_t index, const uint8_t leaf[MERKLE_HASH_BYTES]);

/* Rehash the paths of the staged leaves: O(k log k) to order them, then one hash per
 * distinct node above them (at most k d, far fewer when they cluster). Reading the
 * root, a proof or a leaf needs nothing staged (they assert it). */
void merkle_tree_commit(struct merkle_tree *t);
bool merkle_tree_staged(const struct merkle_tree *t);

/* Set leaves 0 .. n-1 at once (a genesis state) and rehash every level once: O(m)
 * hashes for a populated prefix of m >= n leaves, against O(n d) for n single sets. */
void merkle_tree_load(struct merkle_tree *t, const uint8_t (*leaves)[MERKLE_HASH_BYTES],
                      uint64_t n);

/* The leaf at index (the empty leaf if never set). O(1). */
void merkle_tree_leaf(const struct merkle_tree *t, uint64_t index,
                      uint8_t leaf[MERKLE_HASH_BYTES] /* OUT */);

/* The root. O(1). */
void merkle_tree_root(const struct merkle_tree *t, uint8_t root[MERKLE_HASH_BYTES] /* OUT */);

/* The inclusion proof of leaf index: depth sibling hashes, from the leaf's sibling up
 * to the root's children. proof holds merkle_tree_depth(t) hashes. O(d). */
void merkle_tree_prove(const struct merkle_tree *t, uint64_t index,
                       uint8_t (*proof)[MERKLE_HASH_BYTES] /* OUT: depth entries */);

/* The root of the same tree rebuilt from its leaves alone (O(n) hashes over the
 * populated prefix): what merkle_tree_root must equal after any sequence of updates.
 * For tests and invariant checks. */
void merkle_tree_rebuild_root(const struct merkle_tree *t, uint8_t root[MERKLE_HASH_BYTES] /* OUT */);

/* The hash of an empty subtree of the given height (0 .. 64). O(height) the first
 * time, then O(1). */
void merkle_empty_hash(unsigned height, uint8_t out[MERKLE_HASH_BYTES] /* OUT */);

/* Standalone verifier: true when leaf sits at index in the depth-d tree whose root is
 * root, by proof (depth siblings, leaf level first). Needs no tree. O(d). */
bool merkle_verify(const uint8_t root[MERKLE_HASH_BYTES], unsigned depth, uint64_t index,
                   const uint8_t leaf[MERKLE_HASH_BYTES],
                   const uint8_t (*proof)[MERKLE_HASH_BYTES]);

/* ---- the root of a list (RFC 6962 §2.1, the Merkle Tree Hash) ----
 * Leaf hash = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the list
 * split at the largest power of two below its length; the empty list's root is
 * SHA-256(""). The prefixes keep a leaf from passing for a node, which a list of any
 * length needs (the account tree's fixed depth makes them unnecessary there). */
void merkle_list_leaf_hash(const void *data, size_t len, uint8_t out[MERKLE_HASH_BYTES] /* OUT */);

/* The leaf hashes of n items of len bytes each, laid one after the other at data:
 * out[i] = merkle_list_leaf_hash of item i. O(n len). */
void merkle_list_leaf_hashes(const void *data, size_t len, size_t n,
                             uint8_t (*out)[MERKLE_HASH_BYTES] /* OUT: n */);

/* The root over n leaf hashes (from merkle_list_leaf_hash). O(n) hashes, O(n)
 * memory. */
void merkle_list_root(const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n,
                      uint8_t root[MERKLE_HASH_BYTES] /* OUT */);

/* The audit path of leaf index (< n) in that list (RFC 6962 §2.1.1, PATH(m, D[n])):
 * the sibling subtree roots from the leaf up, at most 64 of them (ceil(log2 n)).
 * Returns how many were written into proof. O(n) hashes. */
size_t merkle_list_prove(const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n,
                         size_t index, uint8_t (*proof)[MERKLE_HASH_BYTES] /* OUT: <= 64 */);

/* Standalone check of an audit path (the verification algorithm of RFC 9162
 * §2.1.3.2): true when leaf_hash is leaf index of the n-leaf list whose root is root.
 * Needs no list. The root does not commit to n (a path can verify under another size
 * of the same shape), so whoever commits a root commits its n beside it, as a CT
 * tree head does. O(len). */
bool merkle_list_verify(const uint8_t root[MERKLE_HASH_BYTES], size_t n, size_t index,
                        const uint8_t leaf_hash[MERKLE_HASH_BYTES],
                        const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t len);

#endif

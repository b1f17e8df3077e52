/* hash.h — the two hash functions l2sim's protocols use: SHA-256 (FIPS 180-4; Merkle
 * trees, commitments, HTLC preimages) and BLAKE2b (RFC 7693; key derivation and the
 * `fast` signature mode). Allocation-free: BLAKE2b is libsodium's, SHA-256 the CPU's
 * SHA extensions where it has them and libsodium's otherwise, so every caller names
 * the function it means and its output size is a constant. */
#ifndef L2SIM_CRYPTO_HASH_H
#define L2SIM_CRYPTO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_SHA256_BYTES      32u
#define HASH_BLAKE2B_BYTES_MIN 16u   /* RFC 7693 allows 1..64; libsodium 16..64 */
#define HASH_BLAKE2B_BYTES_MAX 64u
#define HASH_BLAKE2B_KEY_MAX   64u

/* SHA-256 of len bytes at data into out. O(len). */
void hash_sha256(uint8_t out[HASH_SHA256_BYTES], const void *data, size_t len);

/* SHA-256(a || b) without joining them first (a Merkle leaf's domain prefix and
 * its data). O(alen + blen). */
void hash_sha256_cat(uint8_t out[HASH_SHA256_BYTES], const void *a, size_t alen,
                     const void *b, size_t blen);

/* SHA-256 of two messages of the same length at once: out0 of d0, out1 of d1 (the
 * SHA extensions interleave them; elsewhere one after the other). Outputs are
 * written after both inputs are read. O(len). */
void hash_sha256_x2(uint8_t out0[HASH_SHA256_BYTES], const void *d0,
                    uint8_t out1[HASH_SHA256_BYTES], const void *d1, size_t len);

/* SHA-256(left || right), the node hash of a binary Merkle tree. O(1). */
void hash_sha256_pair(uint8_t out[HASH_SHA256_BYTES], const uint8_t left[HASH_SHA256_BYTES],
                      const uint8_t right[HASH_SHA256_BYTES]);

/* Which implementation computes SHA-256: the CPU's SHA extensions when it has them
 * (the default), else libsodium's portable code. Same digests either way; for tests
 * that compare the two. Returns whether the SHA extensions are now in use. */
bool hash_sha256_set_accelerated(bool on);

/* BLAKE2b with an outlen-byte digest (16..64), keyed when keylen > 0 (key up to 64
 * bytes; RFC 7693 §2.5: a keyed hash is a MAC). O(len). */
void hash_blake2b(uint8_t *out, size_t outlen, const void *data, size_t len,
                  const void *key, size_t keylen);

/* Lower-case hex of n bytes into hex (2n+1 bytes, NUL-terminated). Returns hex. */
char *hash_hex(char *hex, const uint8_t *bytes, size_t n);

#endif

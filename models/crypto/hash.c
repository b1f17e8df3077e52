/* hash.c — SHA-256 and BLAKE2b over libsodium (see hash.h). libsodium's one-shot
 * calls cannot fail for these sizes; the asserts guard the size contract only. */
#include "models/crypto/hash.h"

#include <sodium.h>
#include <string.h>
#include "sim/util.h"

void hash_sha256(uint8_t out[HASH_SHA256_BYTES], const void *data, size_t len)
{
    crypto_hash_sha256(out, data, len);
}

void hash_sha256_pair(uint8_t out[HASH_SHA256_BYTES], const uint8_t left[HASH_SHA256_BYTES],
                      const uint8_t right[HASH_SHA256_BYTES])
{
    uint8_t both[2 * HASH_SHA256_BYTES];
    memcpy(both, left, HASH_SHA256_BYTES);
    memcpy(both + HASH_SHA256_BYTES, right, HASH_SHA256_BYTES);
    crypto_hash_sha256(out, both, sizeof both);
}

void hash_blake2b(uint8_t *out, size_t outlen, const void *data, size_t len,
                  const void *key, size_t keylen)
{
    SIM_ASSERT(outlen >= HASH_BLAKE2B_BYTES_MIN && outlen <= HASH_BLAKE2B_BYTES_MAX);
    SIM_ASSERT(keylen <= HASH_BLAKE2B_KEY_MAX);
    crypto_generichash(out, outlen, data, len, keylen ? key : NULL, keylen);
}

char *hash_hex(char *hex, const uint8_t *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
    return hex;
}

/* hash.c — SHA-256 and BLAKE2b (see hash.h). SHA-256 runs on the x86 SHA extensions
 * (SHA-NI: sha256rnds2/msg1/msg2) when the CPU has them, else on libsodium's portable
 * code; both compute FIPS 180-4 SHA-256, so every digest, root and result is the same
 * whichever runs (test_crypto checks one against the other). The rollups hash every
 * account leaf, tree node and batch transaction: SHA-NI is ~6x libsodium's code there.
 * libsodium's one-shot calls cannot fail for these sizes; the asserts guard the size
 * contract only. */
#include "models/crypto/hash.h"

#include <sodium.h>
#include <string.h>
#include "sim/util.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HASH_HAVE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* 1: the SHA-NI path is in use; 0: libsodium's; -1: not decided yet (first call).
 * One thread per process (study workers are processes), as merkle.c's tables. */
static int sha_ni = -1;

static bool cpu_has_sha_ni(void)
{
#ifdef HASH_HAVE_SHA_NI
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
        return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    return (b & (1u << 29)) != 0;   /* CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29] */
#else
    return false;
#endif
}

bool hash_sha256_set_accelerated(bool on)
{
    sha_ni = on && cpu_has_sha_ni();
    return sha_ni == 1;
}

static bool use_sha_ni(void)
{
    if (sha_ni < 0)
        sha_ni = cpu_has_sha_ni();
    return sha_ni == 1;
}

#ifdef HASH_HAVE_SHA_NI
/* FIPS 180-4 §4.2.2: the 64 round constants. */
static const uint32_t K256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 §5.3.3: the initial hash value. */
static const uint32_t H256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* The compression function over nblocks 64-byte blocks at p, state h (a..h). The
 * SHA extensions keep the working variables as two vectors, (a,b,e,f) and (c,d,g,h);
 * sha256rnds2 does two rounds, so a group of four message words takes two calls.
 * Message schedule per group of four words W[t..t+3] (FIPS 180-4 §6.2.2 step 1):
 * sha256msg1 adds sigma0 of the next words to W[t-16..], the alignr brings W[t-7..],
 * sha256msg2 adds sigma1 of W[t-2], W[t-1] (the two last of them computed in turn). */
__attribute__((target("sha,sse4.1,ssse3")))
static void sha_ni_blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (; nblocks; nblocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            __m128i x;
            if (g < 4) {
                x = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            } else {
                x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                x = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
            }
            w[g & 3] = x;
            __m128i m = _mm_add_epi32(x, _mm_load_si128((const __m128i *)&K256[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Two independent messages of nblocks blocks each, their rounds interleaved: each
 * sha256rnds2 waits for the one before it in its own message, so a second message's
 * rounds fill the wait (about 1.7x the throughput of one at a time). The same
 * computation as sha_ni_blocks on each. */
__attribute__((target("sha,sse4.1,ssse3")))
static void sha_ni_blocks2(uint32_t h0[8], const uint8_t *p0, uint32_t h1[8], const uint8_t *p1,
                           size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abef[2], cdgh[2];
    uint32_t *h[2] = { h0, h1 };
    for (int j = 0; j < 2; j++) {
        __m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[j][0]), 0xB1);
        __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[j][4]), 0x1B);
        abef[j] = _mm_alignr_epi8(cdab, efgh, 8);
        cdgh[j] = _mm_blend_epi16(efgh, cdab, 0xF0);
    }
    for (; nblocks; nblocks--, p0 += 64, p1 += 64) {
        __m128i abef0[2] = { abef[0], abef[1] }, cdgh0[2] = { cdgh[0], cdgh[1] };
        __m128i w0[4], w1[4];
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            __m128i x0, x1;
            if (g < 4) {
                x0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p0 + 16 * g)), bswap);
                x1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p1 + 16 * g)), bswap);
            } else {
                x0 = _mm_sha256msg1_epu32(w0[g & 3], w0[(g + 1) & 3]);
                x1 = _mm_sha256msg1_epu32(w1[g & 3], w1[(g + 1) & 3]);
                x0 = _mm_add_epi32(x0, _mm_alignr_epi8(w0[(g + 3) & 3], w0[(g + 2) & 3], 4));
                x1 = _mm_add_epi32(x1, _mm_alignr_epi8(w1[(g + 3) & 3], w1[(g + 2) & 3], 4));
                x0 = _mm_sha256msg2_epu32(x0, w0[(g + 3) & 3]);
                x1 = _mm_sha256msg2_epu32(x1, w1[(g + 3) & 3]);
            }
            w0[g & 3] = x0, w1[g & 3] = x1;
            __m128i k = _mm_load_si128((const __m128i *)&K256[4 * g]);
            __m128i m0 = _mm_add_epi32(x0, k), m1 = _mm_add_epi32(x1, k);
            cdgh[0] = _mm_sha256rnds2_epu32(cdgh[0], abef[0], m0);
            cdgh[1] = _mm_sha256rnds2_epu32(cdgh[1], abef[1], m1);
            abef[0] = _mm_sha256rnds2_epu32(abef[0], cdgh[0], _mm_shuffle_epi32(m0, 0x0E));
            abef[1] = _mm_sha256rnds2_epu32(abef[1], cdgh[1], _mm_shuffle_epi32(m1, 0x0E));
        }
        for (int j = 0; j < 2; j++) {
            abef[j] = _mm_add_epi32(abef[j], abef0[j]);
            cdgh[j] = _mm_add_epi32(cdgh[j], cdgh0[j]);
        }
    }
    for (int j = 0; j < 2; j++) {
        __m128i feba = _mm_shuffle_epi32(abef[j], 0x1B);
        __m128i dchg = _mm_shuffle_epi32(cdgh[j], 0xB1);
        _mm_storeu_si128((__m128i *)&h[j][0], _mm_blend_epi16(feba, dchg, 0xF0));
        _mm_storeu_si128((__m128i *)&h[j][4], _mm_alignr_epi8(dchg, feba, 8));
    }
}

static void put_digest(uint8_t out[HASH_SHA256_BYTES], const uint32_t h[8])
{
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24), out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8), out[4 * i + 3] = (uint8_t)h[i];
    }
}

/* The FIPS 180-4 §5.1.1 padding of a message of total bytes whose last tail bytes
 * (< 64) are at tail: the final one or two blocks into buf (128 bytes). Returns how
 * many blocks. */
static size_t pad_tail(uint8_t buf[128], const uint8_t *tail, size_t n, uint64_t total)
{
    if (n)
        memcpy(buf, tail, n);
    buf[n++] = 0x80;
    size_t end = n <= 56 ? 64 : 128;
    memset(buf + n, 0, end - 8 - n);
    uint64_t bits = total * 8;
    for (int i = 0; i < 8; i++)
        buf[end - 1 - i] = (uint8_t)(bits >> (8 * i));
    return end / 64;
}

/* SHA-256 of two messages of the same length len, side by side. */
static void sha_ni_hash2(uint8_t out0[HASH_SHA256_BYTES], const uint8_t *d0,
                         uint8_t out1[HASH_SHA256_BYTES], const uint8_t *d1, size_t len)
{
    uint32_t h0[8], h1[8];
    memcpy(h0, H256, sizeof h0), memcpy(h1, H256, sizeof h1);
    size_t whole = len / 64;
    if (whole)
        sha_ni_blocks2(h0, d0, h1, d1, whole);
    uint8_t b0[128], b1[128];
    size_t nb = pad_tail(b0, d0 + whole * 64, len % 64, len);
    pad_tail(b1, d1 + whole * 64, len % 64, len);
    sha_ni_blocks2(h0, b0, h1, b1, nb);
    put_digest(out0, h0), put_digest(out1, h1);
}

/* SHA-256(a || b) on the SHA extensions: whole blocks straight from the input, the
 * rest through one block of buffer, then the FIPS 180-4 §5.1.1 padding (0x80, zeros,
 * the bit length big-endian). */
static void sha_ni_hash(uint8_t out[HASH_SHA256_BYTES], const uint8_t *a, size_t alen,
                        const uint8_t *b, size_t blen)
{
    uint32_t h[8];
    memcpy(h, H256, sizeof h);
    uint8_t buf[128];
    size_t nbuf = 0;
    const uint8_t *seg[2] = { a, b };
    size_t len[2] = { alen, blen };
    for (int s = 0; s < 2; s++) {
        const uint8_t *p = seg[s];
        size_t n = len[s];
        if (n == 0)
            continue;
        if (nbuf) {
            size_t take = 64 - nbuf < n ? 64 - nbuf : n;
            memcpy(buf + nbuf, p, take);
            nbuf += take, p += take, n -= take;
            if (nbuf < 64)
                continue;
            sha_ni_blocks(h, buf, 1);
            nbuf = 0;
        }
        if (n >= 64) {
            sha_ni_blocks(h, p, n / 64);
            p += n / 64 * 64, n %= 64;
        }
        if (n)
            memcpy(buf, p, n);
        nbuf = n;
    }
    sha_ni_blocks(h, buf, pad_tail(buf, buf, nbuf, (uint64_t)alen + blen));
    put_digest(out, h);
}
#endif

void hash_sha256_cat(uint8_t out[HASH_SHA256_BYTES], const void *a, size_t alen,
                     const void *b, size_t blen)
{
#ifdef HASH_HAVE_SHA_NI
    if (use_sha_ni()) {
        sha_ni_hash(out, a, alen, b, blen);
        return;
    }
#endif
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, a, alen);
    crypto_hash_sha256_update(&s, b, blen);
    crypto_hash_sha256_final(&s, out);
}

void hash_sha256(uint8_t out[HASH_SHA256_BYTES], const void *data, size_t len)
{
#ifdef HASH_HAVE_SHA_NI
    if (use_sha_ni()) {
        sha_ni_hash(out, data, len, NULL, 0);
        return;
    }
#endif
    crypto_hash_sha256(out, data, len);
}

void hash_sha256_x2(uint8_t out0[HASH_SHA256_BYTES], const void *d0,
                    uint8_t out1[HASH_SHA256_BYTES], const void *d1, size_t len)
{
#ifdef HASH_HAVE_SHA_NI
    if (use_sha_ni()) {
        sha_ni_hash2(out0, d0, out1, d1, len);
        return;
    }
#endif
    uint8_t h0[HASH_SHA256_BYTES];   /* out0 may be d1 */
    crypto_hash_sha256(h0, d0, len);
    crypto_hash_sha256(out1, d1, len);
    memcpy(out0, h0, sizeof h0);
}

void hash_sha256_pair(uint8_t out[HASH_SHA256_BYTES], const uint8_t left[HASH_SHA256_BYTES],
                      const uint8_t right[HASH_SHA256_BYTES])
{
    hash_sha256_cat(out, left, HASH_SHA256_BYTES, right, HASH_SHA256_BYTES);
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

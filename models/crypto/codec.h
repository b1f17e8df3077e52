/* codec.h — batch compression: how a rollup's batcher shrinks its encoded L2 blocks
 * before paying for them as calldata or blobs. Three codecs, `none`, `zstd` (RFC 8878,
 * libzstd) and `brotli` (RFC 7932, libbrotlienc/dec; OP Stack's batcher default since
 * Fjord), each with its levels. Decompression is bounded: output beyond a caller's
 * limit is an error, never an allocation, so hostile batch data (an adversary's
 * garbage, a decompression bomb) cannot exhaust memory. */
#ifndef L2SIM_CRYPTO_CODEC_H
#define L2SIM_CRYPTO_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "sim/util.h"

enum codec_kind { CODEC_NONE, CODEC_ZSTD, CODEC_BROTLI };

struct codec;

/* "none", "zstd" or "brotli" -> *out; 0, or -1 for any other word. */
int codec_parse(const char *name, enum codec_kind *out /* OUT */);
const char *codec_name(enum codec_kind kind);

/* Levels each codec accepts: none 0..0, zstd 1..22 (ZSTD_maxCLevel), brotli 0..11
 * (BROTLI_MAX_QUALITY); and the level a scenario gets when it names none
 * (zstd 3, libzstd's default; brotli 10, the OP Stack batcher's). */
void codec_level_range(enum codec_kind kind, int *min /* OUT */, int *max /* OUT */);
int  codec_default_level(enum codec_kind kind);

/* A codec at a level, with the contexts it reuses across calls. 0, or L2_EINPUT with a
 * message naming the accepted range when level is out of it. Caller frees. */
int  codec_new(enum codec_kind kind, int level, struct codec **out /* OUT */, struct err *e);
void codec_free(struct codec *c);
enum codec_kind codec_kind_of(const struct codec *c);
int  codec_level(const struct codec *c);

/* The largest compressed size of n input bytes: a dst of this size never fails. */
size_t codec_bound(const struct codec *c, size_t n);

/* Compress n bytes of src into dst (cap bytes); *out_len the compressed size.
 * 0, or L2_EINPUT when the result does not fit in cap. Deterministic for a given
 * library version and level. O(n) (the constant grows steeply with the level). */
int codec_compress(struct codec *c, const void *src, size_t n, uint8_t *dst, size_t cap,
                   size_t *out_len /* OUT */, struct err *e);

/* Decompress n bytes of src into dst, producing at most cap bytes; *out_len the size.
 * 0, or L2_EINPUT for data that is corrupt, truncated, followed by trailing bytes, or
 * would decompress to more than cap bytes (the message says which). */
int codec_decompress(struct codec *c, const void *src, size_t n, uint8_t *dst, size_t cap,
                     size_t *out_len /* OUT */, struct err *e);

#endif

/* codec.c — none / zstd / brotli with bounded decompression (see codec.h). zstd keeps
 * one compression and one decompression context per codec (allocating them per batch
 * costs more than compressing a small batch); brotli's one-shot encoder and streaming
 * decoder need none that outlives a call. */
#include "models/crypto/codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

struct codec {
    enum codec_kind kind;
    int             level;
    ZSTD_CCtx      *zc;
    ZSTD_DCtx      *zd;
};

int codec_parse(const char *name, enum codec_kind *out)
{
    if (strcmp(name, "none") == 0)
        *out = CODEC_NONE;
    else if (strcmp(name, "zstd") == 0)
        *out = CODEC_ZSTD;
    else if (strcmp(name, "brotli") == 0)
        *out = CODEC_BROTLI;
    else
        return -1;
    return 0;
}

const char *codec_name(enum codec_kind kind)
{
    switch (kind) {
    case CODEC_NONE:   return "none";
    case CODEC_ZSTD:   return "zstd";
    case CODEC_BROTLI: return "brotli";
    }
    return "?";
}

void codec_level_range(enum codec_kind kind, int *min, int *max)
{
    switch (kind) {
    case CODEC_NONE:   *min = 0, *max = 0; return;
    case CODEC_ZSTD:   *min = 1, *max = ZSTD_maxCLevel(); return;
    case CODEC_BROTLI: *min = BROTLI_MIN_QUALITY, *max = BROTLI_MAX_QUALITY; return;
    }
    *min = *max = 0;
}

int codec_default_level(enum codec_kind kind)
{
    switch (kind) {
    case CODEC_NONE:   return 0;
    case CODEC_ZSTD:   return ZSTD_CLEVEL_DEFAULT;   /* 3 */
    case CODEC_BROTLI: return 10;   /* OP Stack batcher: "brotli-10" (op-batcher flags) */
    }
    return 0;
}

int codec_new(enum codec_kind kind, int level, struct codec **out, struct err *e)
{
    int lo, hi;
    codec_level_range(kind, &lo, &hi);
    if (level < lo || level > hi)
        return err_set(e, L2_EINPUT, "%s level %d is out of range (%d..%d)", codec_name(kind),
                       level, lo, hi);
    struct codec *c = xcalloc(1, sizeof *c);
    c->kind = kind, c->level = level;
    if (kind == CODEC_ZSTD) {
        c->zc = ZSTD_createCCtx();
        c->zd = ZSTD_createDCtx();
        if (!c->zc || !c->zd)
            sim_panic("out of memory creating zstd contexts");
    }
    *out = c;
    return 0;
}

void codec_free(struct codec *c)
{
    if (!c)
        return;
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
    free(c);
}

enum codec_kind codec_kind_of(const struct codec *c) { return c->kind; }
int codec_level(const struct codec *c) { return c->level; }

size_t codec_bound(const struct codec *c, size_t n)
{
    switch (c->kind) {
    case CODEC_NONE:   return n;
    case CODEC_ZSTD:   return ZSTD_compressBound(n);
    case CODEC_BROTLI: {
        size_t b = BrotliEncoderMaxCompressedSize(n);
        SIM_ASSERT(b != 0);   /* 0 only for inputs near SIZE_MAX */
        return b;
    }
    }
    return n;
}

int codec_compress(struct codec *c, const void *src, size_t n, uint8_t *dst, size_t cap,
                   size_t *out_len, struct err *e)
{
    switch (c->kind) {
    case CODEC_NONE:
        if (n > cap)
            break;
        if (n)
            memcpy(dst, src, n);
        *out_len = n;
        return 0;
    case CODEC_ZSTD: {
        size_t r = ZSTD_compressCCtx(c->zc, dst, cap, src, n, c->level);
        if (!ZSTD_isError(r)) {
            *out_len = r;
            return 0;
        }
        if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
            break;
        return err_set(e, L2_EINPUT, "zstd-%d: compressing %zu bytes: %s", c->level, n,
                       ZSTD_getErrorName(r));
    }
    case CODEC_BROTLI: {
        size_t len = cap;
        if (BrotliEncoderCompress(c->level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n,
                                  src, &len, dst)) {
            *out_len = len;
            return 0;
        }
        break;   /* the one-shot encoder fails only for want of room */
    }
    }
    return err_set(e, L2_EINPUT, "%s-%d: %zu bytes do not compress into %zu bytes (bound %zu)",
                   codec_name(c->kind), c->level, n, cap, codec_bound(c, n));
}

static int too_big(const struct codec *c, size_t cap, struct err *e)
{
    return err_set(e, L2_EINPUT, "%s: the data decompresses to more than the limit of %zu "
                   "bytes", codec_name(c->kind), cap);
}

static int zstd_decompress(struct codec *c, const void *src, size_t n, uint8_t *dst,
                           size_t cap, size_t *out_len, struct err *e)
{
    if (n == 0)
        return err_set(e, L2_EINPUT, "zstd: empty input is not a zstd frame");
    size_t r = ZSTD_decompressDCtx(c->zd, dst, cap, src, n);
    if (!ZSTD_isError(r)) {
        *out_len = r;
        return 0;
    }
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
        return too_big(c, cap, e);
    return err_set(e, L2_EINPUT, "zstd: corrupt data (%s)", ZSTD_getErrorName(r));
}

static int brotli_decompress(struct codec *c, const void *src, size_t n, uint8_t *dst,
                             size_t cap, size_t *out_len, struct err *e)
{
    BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!s)
        sim_panic("out of memory creating a brotli decoder");
    const uint8_t *in = src;
    size_t avail_in = n, avail_out = cap;
    uint8_t *out = dst;
    BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &avail_in, &in, &avail_out, &out,
                                                          NULL);
    int rc = 0;
    if (r == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0)
        *out_len = cap - avail_out;
    else if (r == BROTLI_DECODER_RESULT_SUCCESS)
        rc = err_set(e, L2_EINPUT, "brotli: %zu bytes after the end of the stream", avail_in);
    else if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
        rc = too_big(c, cap, e);
    else if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
        rc = err_set(e, L2_EINPUT, "brotli: truncated data (%zu bytes end mid-stream)", n);
    else
        rc = err_set(e, L2_EINPUT, "brotli: corrupt data (%s)",
                     BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s)));
    BrotliDecoderDestroyInstance(s);
    return rc;
}

int codec_decompress(struct codec *c, const void *src, size_t n, uint8_t *dst, size_t cap,
                     size_t *out_len, struct err *e)
{
    switch (c->kind) {
    case CODEC_NONE:
        if (n > cap)
            return too_big(c, cap, e);
        if (n)
            memcpy(dst, src, n);
        *out_len = n;
        return 0;
    case CODEC_ZSTD:
        return zstd_decompress(c, src, n, dst, cap, out_len, e);
    case CODEC_BROTLI:
        return brotli_decompress(c, src, n, dst, cap, out_len, e);
    }
    return err_set(e, L2_EINPUT, "unknown codec");
}

/* plasma_tx.c — the transaction encoding of plasma_tx.h. */
#include "models/plasma/plasma_tx.h"

#include <string.h>
#include "models/crypto/merkle.h"

static void put_le(uint8_t *p, u128 v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static u128 get_le(const uint8_t *p, int n)
{
    u128 v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

size_t ptx_encode(const struct ptx_view *v, uint8_t *out)
{
    size_t k = 0;
    out[k++] = v->nin;
    for (unsigned i = 0; i < v->nin; i++, k += 8)
        put_le(out + k, v->in[i], 8);
    out[k++] = v->nout;
    for (unsigned i = 0; i < v->nout; i++) {
        memcpy(out + k, v->owner[i], 32);
        put_le(out + k + 32, v->value[i], 16);
        k += 48;
    }
    put_le(out + k, v->fee, 16);
    return k + 16;
}

bool ptx_decode(const uint8_t *b, size_t len, struct ptx_view *v)
{
    memset(v, 0, sizeof *v);
    size_t k = 0;
    if (len < 1 || b[0] > PTX_MAX_IN)
        return false;
    v->nin = b[k++];
    if (len < k + 8u * v->nin + 1)
        return false;
    for (unsigned i = 0; i < v->nin; i++, k += 8)
        v->in[i] = (uint64_t)get_le(b + k, 8);
    v->nout = b[k++];
    if (v->nout < 1 || v->nout > PTX_MAX_OUT || len != k + 48u * v->nout + 16)
        return false;
    for (unsigned i = 0; i < v->nout; i++, k += 48) {
        memcpy(v->owner[i], b + k, 32);
        v->value[i] = get_le(b + k + 32, 16);
    }
    v->fee = get_le(b + k, 16);
    return true;
}

void ptx_leaf(const uint8_t *tx, size_t len, const uint8_t sig[PTX_SIG_BYTES], uint8_t leaf[32])
{
    uint8_t buf[PTX_MAX_BYTES + PTX_SIG_BYTES];
    memcpy(buf, tx, len);
    memcpy(buf + len, sig, PTX_SIG_BYTES);
    merkle_list_leaf_hash(buf, len + PTX_SIG_BYTES, leaf);
}

/* idmap.c — see idmap.h. */
#include "sim/idmap.h"

#include <stdlib.h>

#include "sim/util.h"

/* MurmurHash3's 64-bit finalizer: ids that differ in high bits (account kinds) or
 * count up in low bits spread over the table alike. */
static size_t hash(uint64_t x)
{
    x ^= x >> 33, x *= 0xff51afd7ed558ccdull, x ^= x >> 33;
    return (size_t)x;
}

static size_t find(const struct idmap *m, uint64_t key)
{
    size_t mask = m->cap - 1, j = hash(key) & mask;
    while (m->used[j] && m->key[j] != key)
        j = (j + 1) & mask;
    return j;
}

static void grow(struct idmap *m)
{
    struct idmap g = { 0 };
    g.cap = m->cap ? 2 * m->cap : 1024;
    g.key = xmalloc(g.cap * sizeof *g.key);
    g.val = xmalloc(g.cap * sizeof *g.val);
    g.used = xcalloc(g.cap, sizeof *g.used);
    for (size_t i = 0; i < m->cap; i++)
        if (m->used[i]) {
            size_t j = find(&g, m->key[i]);
            g.used[j] = true, g.key[j] = m->key[i], g.val[j] = m->val[i];
        }
    g.n = m->n;
    idmap_free(m);
    *m = g;
}

void idmap_free(struct idmap *m)
{
    free(m->key), free(m->val), free(m->used);
    *m = (struct idmap){ 0 };
}

uint64_t *idmap_get(const struct idmap *m, uint64_t key)
{
    if (m->n == 0)
        return NULL;
    size_t j = find(m, key);
    return m->used[j] ? &m->val[j] : NULL;
}

uint64_t *idmap_put(struct idmap *m, uint64_t key, bool *added)
{
    if (2 * (m->n + 1) > m->cap)
        grow(m);
    size_t j = find(m, key);
    bool is_new = !m->used[j];
    if (is_new)
        m->used[j] = true, m->key[j] = key, m->val[j] = 0, m->n++;
    if (added)
        *added = is_new;
    return &m->val[j];
}

bool idmap_del(struct idmap *m, uint64_t key)
{
    if (m->n == 0)
        return false;
    size_t i = find(m, key), mask = m->cap - 1;
    if (!m->used[i])
        return false;
    for (size_t j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
        size_t k = hash(m->key[j]) & mask;
        /* move j back into the hole i unless its home k lies cyclically in (i, j] */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            m->key[i] = m->key[j], m->val[i] = m->val[j];
            i = j;
        }
    }
    m->used[i] = false;
    m->n--;
    return true;
}

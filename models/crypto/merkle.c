/* merkle.c — the fixed-depth account tree (populated prefix per level, precomputed
 * empty-subtree hashes) and the RFC 6962 list root; see merkle.h. */
#include "models/crypto/merkle.h"

#include <stdlib.h>
#include <string.h>
#include "sim/util.h"

typedef uint8_t node[MERKLE_HASH_BYTES];

struct merkle_tree {
    unsigned depth;
    node    *level[MERKLE_DEPTH_MAX + 1];   /* level[0] leaves ... level[depth] root */
    uint64_t len[MERKLE_DEPTH_MAX + 1];     /* populated prefix of each level */
    uint64_t cap[MERKLE_DEPTH_MAX + 1];
    uint64_t *staged;                       /* leaf indices set since the last commit */
    size_t   nstaged, capstaged;
};

/* empty[h] for h = 0..64, computed on first use (l2sim runs one thread per process;
 * study workers are processes). */
static node empty[MERKLE_DEPTH_MAX + 1];
static bool empty_ready;

static void empty_init(void)
{
    if (empty_ready)
        return;
    empty_ready = true;
    memset(empty[0], 0, sizeof empty[0]);
    for (unsigned h = 0; h < MERKLE_DEPTH_MAX; h++)
        hash_sha256_pair(empty[h + 1], empty[h], empty[h]);
}

void merkle_empty_hash(unsigned height, uint8_t out[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(height <= MERKLE_DEPTH_MAX);
    empty_init();
    memcpy(out, empty[height], MERKLE_HASH_BYTES);
}

struct merkle_tree *merkle_tree_new(unsigned depth)
{
    SIM_ASSERT(depth >= 1 && depth <= MERKLE_DEPTH_MAX);
    empty_init();
    struct merkle_tree *t = xcalloc(1, sizeof *t);
    t->depth = depth;
    /* the root always exists: the empty tree's root until something is set */
    t->level[depth] = xmalloc(sizeof(node));
    memcpy(t->level[depth][0], empty[depth], sizeof(node));
    t->len[depth] = t->cap[depth] = 1;
    return t;
}

void merkle_tree_free(struct merkle_tree *t)
{
    if (!t)
        return;
    for (unsigned l = 0; l <= t->depth; l++)
        free(t->level[l]);
    free(t->staged);
    free(t);
}

unsigned merkle_tree_depth(const struct merkle_tree *t) { return t->depth; }

static bool index_fits(unsigned depth, uint64_t index)
{
    return depth >= 64 || (index >> depth) == 0;
}

/* Node i of level l: stored, or the empty subtree of that height. */
static const uint8_t *node_at(const struct merkle_tree *t, unsigned l, uint64_t i)
{
    return i < t->len[l] ? t->level[l][i] : empty[l];
}

/* Make level l hold nodes 0..i, the new ones empty. Amortised O(1) per node. */
static void level_extend(struct merkle_tree *t, unsigned l, uint64_t i)
{
    if (i < t->len[l])
        return;
    if (i >= t->cap[l]) {
        uint64_t cap = t->cap[l] ? t->cap[l] : 16;
        while (cap <= i)
            cap *= 2;
        if (cap > (SIZE_MAX / sizeof(node)))
            sim_panic("Merkle tree level %u: %llu nodes do not fit in memory", l,
                      (unsigned long long)cap);
        t->level[l] = xrealloc(t->level[l], (size_t)cap * sizeof(node));
        t->cap[l] = cap;
    }
    for (uint64_t k = t->len[l]; k <= i; k++)
        memcpy(t->level[l][k], empty[l], sizeof(node));
    t->len[l] = i + 1;
}

void merkle_tree_stage(struct merkle_tree *t, uint64_t index, const uint8_t leaf[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(index_fits(t->depth, index));
    level_extend(t, 0, index);
    memcpy(t->level[0][index], leaf, sizeof(node));
    if (t->nstaged == t->capstaged) {
        t->capstaged = t->capstaged ? 2 * t->capstaged : 16;
        t->staged = xrealloc(t->staged, t->capstaged * sizeof *t->staged);
    }
    t->staged[t->nstaged++] = index;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sort the staged leaf indices and drop repeats. Staged leaves lie in level 0's
 * populated prefix; when they are many against it (a block touching a good share of
 * the accounts), one bit per leaf of that prefix orders them in O(prefix / 64 + n),
 * else a comparison sort. Returns how many distinct indices remain. */
static size_t staged_sorted(struct merkle_tree *t)
{
    size_t n = t->nstaged;
    uint64_t *v = t->staged, len = t->len[0];
    if (n > 64 && len / 64 <= 4 * (uint64_t)n) {
        size_t words = (size_t)(len / 64 + 1);
        uint64_t *bits = xcalloc(words, sizeof *bits);
        for (size_t k = 0; k < n; k++)
            bits[v[k] / 64] |= UINT64_C(1) << (v[k] % 64);
        size_t m = 0;
        for (size_t w = 0; w < words; w++)
            for (uint64_t b = bits[w]; b; b &= b - 1)
                v[m++] = (uint64_t)w * 64 + (uint64_t)__builtin_ctzll(b);
        free(bits);
        return m;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_u64);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (m == 0 || v[m - 1] != v[k])
            v[m++] = v[k];
    return m;
}

void merkle_tree_commit(struct merkle_tree *t)
{
    if (t->nstaged == 0)
        return;
    uint64_t *cur = t->staged;   /* node indices of level l whose parents need rehashing */
    size_t n = staged_sorted(t);
    for (unsigned l = 0; l < t->depth; l++) {
        /* the distinct parents, in order; written in place (parent k sits at or
         * before child k) */
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
            if (m == 0 || cur[m - 1] != cur[k] >> 1)
                cur[m++] = cur[k] >> 1;
        level_extend(t, l + 1, cur[m - 1]);
        /* two parents at a time: stored siblings lie side by side, 64 bytes that are
         * the parent's whole message */
        size_t k = 0;
        for (; k + 1 < m && 2 * cur[k + 1] + 1 < t->len[l]; k += 2)
            hash_sha256_x2(t->level[l + 1][cur[k]], t->level[l][2 * cur[k]],
                           t->level[l + 1][cur[k + 1]], t->level[l][2 * cur[k + 1]],
                           2 * MERKLE_HASH_BYTES);
        for (; k < m; k++)
            hash_sha256_pair(t->level[l + 1][cur[k]], node_at(t, l, 2 * cur[k]),
                             node_at(t, l, 2 * cur[k] + 1));
        n = m;
    }
    t->nstaged = 0;
}

bool merkle_tree_staged(const struct merkle_tree *t) { return t->nstaged > 0; }

void merkle_tree_set(struct merkle_tree *t, uint64_t index, const uint8_t leaf[MERKLE_HASH_BYTES])
{
    merkle_tree_stage(t, index, leaf);
    merkle_tree_commit(t);
}

void merkle_tree_load(struct merkle_tree *t, const uint8_t (*leaves)[MERKLE_HASH_BYTES],
                      uint64_t n)
{
    if (n == 0)
        return;
    SIM_ASSERT(index_fits(t->depth, n - 1));
    t->nstaged = 0;   /* every level is rehashed below, staged leaves included */
    level_extend(t, 0, n - 1);
    memcpy(t->level[0], leaves, (size_t)n * sizeof(node));
    for (unsigned l = 0; l < t->depth; l++) {
        uint64_t m = (t->len[l] + 1) / 2;
        level_extend(t, l + 1, m - 1);
        for (uint64_t k = 0; k < m; k++)
            hash_sha256_pair(t->level[l + 1][k], node_at(t, l, 2 * k), node_at(t, l, 2 * k + 1));
    }
}

void merkle_tree_leaf(const struct merkle_tree *t, uint64_t index, uint8_t leaf[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(index_fits(t->depth, index));   /* a staged leaf reads as staged */
    memcpy(leaf, node_at(t, 0, index), sizeof(node));
}

void merkle_tree_root(const struct merkle_tree *t, uint8_t root[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(t->nstaged == 0);   /* merkle_tree_commit first */
    memcpy(root, t->level[t->depth][0], sizeof(node));
}

void merkle_tree_prove(const struct merkle_tree *t, uint64_t index,
                       uint8_t (*proof)[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(index_fits(t->depth, index) && t->nstaged == 0);
    uint64_t i = index;
    for (unsigned l = 0; l < t->depth; l++, i >>= 1)
        memcpy(proof[l], node_at(t, l, i ^ 1), sizeof(node));
}

void merkle_tree_rebuild_root(const struct merkle_tree *t, uint8_t root[MERKLE_HASH_BYTES])
{
    /* level by level from the leaves alone, never reading the stored inner nodes */
    uint64_t n = t->len[0];
    node *cur = xmalloc((size_t)(n ? n : 1) * sizeof(node));
    if (n)
        memcpy(cur, t->level[0], (size_t)n * sizeof(node));
    for (unsigned l = 0; l < t->depth; l++) {
        uint64_t m = (n + 1) / 2;
        for (uint64_t k = 0; k < m; k++)
            hash_sha256_pair(cur[k], cur[2 * k], 2 * k + 1 < n ? cur[2 * k + 1] : empty[l]);
        n = m;
    }
    memcpy(root, n ? cur[0] : empty[t->depth], sizeof(node));
    free(cur);
}

bool merkle_verify(const uint8_t root[MERKLE_HASH_BYTES], unsigned depth, uint64_t index,
                   const uint8_t leaf[MERKLE_HASH_BYTES],
                   const uint8_t (*proof)[MERKLE_HASH_BYTES])
{
    if (depth < 1 || depth > MERKLE_DEPTH_MAX || !index_fits(depth, index))
        return false;
    node h;
    memcpy(h, leaf, sizeof h);
    for (unsigned l = 0; l < depth; l++) {
        if ((index >> l) & 1)
            hash_sha256_pair(h, proof[l], h);
        else
            hash_sha256_pair(h, h, proof[l]);
    }
    return memcmp(h, root, sizeof h) == 0;
}

/* ---- RFC 6962 list root ---- */

void merkle_list_leaf_hash(const void *data, size_t len, uint8_t out[MERKLE_HASH_BYTES])
{
    static const uint8_t prefix = 0x00;
    hash_sha256_cat(out, &prefix, 1, data, len);
}

static void list_node(uint8_t out[MERKLE_HASH_BYTES], const uint8_t left[MERKLE_HASH_BYTES],
                      const uint8_t right[MERKLE_HASH_BYTES])
{
    uint8_t buf[1 + 2 * MERKLE_HASH_BYTES];
    buf[0] = 0x01;
    memcpy(buf + 1, left, MERKLE_HASH_BYTES);
    memcpy(buf + 1 + MERKLE_HASH_BYTES, right, MERKLE_HASH_BYTES);
    hash_sha256(out, buf, sizeof buf);   /* left or right may be out: copied first */
}

/* MTH(D[n]) for n >= 1: split at k, the largest power of two below n. */
static void list_mth(const uint8_t (*leaves)[MERKLE_HASH_BYTES], size_t n,
                     uint8_t out[MERKLE_HASH_BYTES])
{
    if (n == 1) {
        memcpy(out, leaves[0], MERKLE_HASH_BYTES);
        return;
    }
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    node left, right;
    list_mth(leaves, k, left);
    list_mth(leaves + k, n - k, right);
    list_node(out, left, right);
}

/* The root bottom-up, level by level: nodes paired left to right, a last node
 * without a partner carried up as it is. The same tree as the recursive MTH: the split
 * at the largest power of two k below n leaves [0, k) a perfect tree, and [k, n)
 * (at most k leaves, aligned as they are within the list) is done by the level of k.
 * Two nodes hashed at a time (hash_sha256_x2). O(n) hashes, O(n) memory. */
void merkle_list_root(const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n,
                      uint8_t root[MERKLE_HASH_BYTES])
{
    if (n == 0) {
        hash_sha256(root, "", 0);
        return;
    }
    if (n == 1) {
        memcpy(root, leaf_hashes[0], MERKLE_HASH_BYTES);
        return;
    }
    node *cur = xmalloc(((n + 1) / 2) * sizeof *cur);
    const uint8_t (*in)[MERKLE_HASH_BYTES] = leaf_hashes;
    while (n > 1) {
        size_t m = 0, i = 0;
        uint8_t msg[2][1 + 2 * MERKLE_HASH_BYTES];
        msg[0][0] = msg[1][0] = 0x01;
        for (; i + 3 < n; i += 4, m += 2) {
            memcpy(msg[0] + 1, in[i], 2 * MERKLE_HASH_BYTES);
            memcpy(msg[1] + 1, in[i + 2], 2 * MERKLE_HASH_BYTES);
            hash_sha256_x2(cur[m], msg[0], cur[m + 1], msg[1], sizeof msg[0]);
        }
        for (; i + 1 < n; i += 2)
            list_node(cur[m++], in[i], in[i + 1]);
        if (i < n)
            memmove(cur[m++], in[i], MERKLE_HASH_BYTES);
        in = (const uint8_t (*)[MERKLE_HASH_BYTES])cur;
        n = m;
    }
    memcpy(root, cur[0], MERKLE_HASH_BYTES);
    free(cur);
}

void merkle_list_leaf_hashes(const void *data, size_t len, size_t n,
                             uint8_t (*out)[MERKLE_HASH_BYTES])
{
    const uint8_t *p = data;
    size_t i = 0;
    if (len <= 511) {   /* two at a time, prefix and item side by side in a buffer */
        uint8_t msg[2][512];
        msg[0][0] = msg[1][0] = 0x00;
        for (; i + 1 < n; i += 2) {
            memcpy(msg[0] + 1, p + i * len, len);
            memcpy(msg[1] + 1, p + (i + 1) * len, len);
            hash_sha256_x2(out[i], msg[0], out[i + 1], msg[1], 1 + len);
        }
    }
    for (; i < n; i++)
        merkle_list_leaf_hash(p + i * len, len, out[i]);
}

/* PATH(m, D[n]) of RFC 6962 §2.1.1, written from the leaf up: the path inside the
 * part holding m, then the root of the other part. */
static size_t list_path(const uint8_t (*leaves)[MERKLE_HASH_BYTES], size_t n, size_t m,
                        uint8_t (*proof)[MERKLE_HASH_BYTES])
{
    if (n == 1)
        return 0;
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    size_t len;
    if (m < k) {
        len = list_path(leaves, k, m, proof);
        list_mth(leaves + k, n - k, proof[len]);
    } else {
        len = list_path(leaves + k, n - k, m - k, proof);
        list_mth(leaves, k, proof[len]);
    }
    return len + 1;
}

size_t merkle_list_prove(const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n,
                         size_t index, uint8_t (*proof)[MERKLE_HASH_BYTES])
{
    SIM_ASSERT(index < n);
    return list_path(leaf_hashes, n, index, proof);
}

bool merkle_list_verify(const uint8_t root[MERKLE_HASH_BYTES], size_t n, size_t index,
                        const uint8_t leaf_hash[MERKLE_HASH_BYTES],
                        const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t len)
{
    if (index >= n)
        return false;
    /* fn walks the leaf's position up the tree, sn the last leaf's; where fn is a
     * right child, or the last node of a level with no right sibling (fn == sn), the
     * proof's entry sits on the left. A right edge node has no sibling at some levels:
     * those are skipped (fn and sn shift together until fn is a right child). */
    uint64_t fn = index, sn = n - 1;
    node r;
    memcpy(r, leaf_hash, sizeof r);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            list_node(r, proof[i], r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0)
                    fn >>= 1, sn >>= 1;
        } else {
            list_node(r, r, proof[i]);
        }
        fn >>= 1, sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, sizeof r) == 0;
}

/* idmap.h — a hash map from 64-bit ids (accounts, senders) to 64-bit values (a nonce,
 * a count, a pointer as uintptr_t). Open addressing, linear probing, deletion by
 * backward shift; it grows, never shrinks. It has no iteration, so its layout can
 * never reach a result. */
#ifndef L2SIM_IDMAP_H
#define L2SIM_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap {
    uint64_t *key, *val;
    bool     *used;
    size_t    cap, n;     /* cap: 0 or a power of two; n < cap / 2 */
};
/* A zeroed struct idmap is an empty map. */
void      idmap_free(struct idmap *m);
/* The value of key, or NULL when absent. The pointer is good until the next put. */
uint64_t *idmap_get(const struct idmap *m, uint64_t key);
/* The value of key, added as 0 when absent (then *added is set, if added is not NULL).
 * The pointer is good until the next put. O(1) expected. */
uint64_t *idmap_put(struct idmap *m, uint64_t key, bool *added);
/* Remove key; false when it was absent. O(1) expected. */
bool      idmap_del(struct idmap *m, uint64_t key);

#endif

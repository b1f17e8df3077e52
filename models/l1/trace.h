/* trace.h — L1 trace replay input (`l1.demand.trace: FILE.csv`): real or designed
 * per-block usage, one CSV row per simulated block, which the L1 model (l1.c) replays
 * instead of generating demand. l1_trace_load() checks everything that needs only the
 * file; l1_trace_check() checks what depends on the scenario (fork, elasticity,
 * duration). Messages are "file:line: what is wrong" and the code is L2_EINPUT. */
#ifndef L2SIM_L1_TRACE_H
#define L2SIM_L1_TRACE_H

#include "sim/util.h"

/* A trace larger than this is refused before it is parsed. 64 MiB holds about two
 * million rows of `block,gas_limit,gas_used,blob_gas_used` (nine months of mainnet). */
#define L1_TRACE_MAX_BYTES (UINT64_C(64) << 20)

/* One block of the trace: what it offered and what it used. */
struct l1_trace_block {
    uint64_t gas_limit;         /* gas; 1 .. 2^63-1 */
    uint64_t gas_used;          /* gas; <= gas_limit */
    uint64_t blob_gas_used;     /* blob gas; a multiple of GAS_PER_BLOB (EIP-4844); 0 when
                                 * the trace has no blob_gas_used column */
};

struct l1_trace {
    char                  *path;    /* as given to l1_trace_load (owned), for messages */
    struct l1_trace_block *blocks;  /* blocks[i] is simulated block i + 1 (height i + 1) */
    size_t                 n;       /* number of blocks, >= 1 */
    bool                   has_blob_gas_used; /* the header had a blob_gas_used column */
};

/* Load a CSV trace.
 *
 * Format: UTF-8 text (a leading BOM is skipped), LF or CRLF line endings, fields
 * separated by commas; a field may be double-quoted ("" inside quotes is a quote) but
 * cannot span lines. Line 1 is the header; columns are found by name, in any order:
 * `gas_limit` and `gas_used` are required, `blob_gas_used` is optional (absent: every
 * block used 0 blob gas, as before Cancun); every other column (`block`,
 * `base_fee_per_gas`, ...) is ignored. Each following line is one block: every row has
 * as many fields as the header; the used fields are non-negative integers, decimal or
 * 0x-hex (as JSON-RPC returns them), surrounding spaces ignored. Blank lines may end
 * the file but not interrupt it (row i is block i). Rejected: an empty file, a header
 * without rows, NUL bytes, control characters or invalid UTF-8 (binary data), a file
 * over L1_TRACE_MAX_BYTES, and per row: an empty or non-numeric field, a negative
 * value, a value above 2^63-1 (EIP-1985's bound on gas, and what the results
 * database can store), gas_limit 0, gas_used > gas_limit, blob_gas_used not a
 * multiple of 131072 (GAS_PER_BLOB).
 *
 * On success *out owns the trace (free with l1_trace_free). On failure *out is NULL
 * and e gets one message: "path:line: message" (line 1-based; the header is line 1),
 * or "path: message" for the file as a whole (cannot open, too large); the return
 * value is L2_EINPUT. Cost O(file size). */
int  l1_trace_load(const char *path, struct l1_trace **out /* OUT */, struct err *e);
void l1_trace_free(struct l1_trace *t);

/* The line of the file holding blocks[i]: i + 2 (the header is line 1, and blank
 * lines cannot come between rows). For the integrator's own per-block messages. */
size_t l1_trace_line(const struct l1_trace *t, size_t i);

/* What the loader cannot know. Checks, in order, that the trace has at least
 * `blocks_needed` blocks (duration / slot), then for every block that it carries at
 * most `max_blob_gas_per_block` blob gas (the fork's max blobs x GAS_PER_BLOB; 0 for a
 * fork without blobs) and that gas_limit / `elasticity` (> 0) is a positive EIP-1559
 * gas target. Returns 0, or L2_EINPUT with one "path:line: message". O(n). */
int l1_trace_check(const struct l1_trace *t, uint64_t blocks_needed,
                   uint64_t max_blob_gas_per_block, uint64_t elasticity, struct err *e);

#endif

/* money.h — amounts of wei. Internal arithmetic is exact u128 that refuses to wrap;
 * every amount the database holds is a pair of columns, X_wei (exact decimal TEXT, any
 * size up to 2^256-1) and X_eth (REAL, generated from the text by the schema), and
 * money_bind is the one way a writer puts an amount into a row.
 *
 * Declaring an amount in a table (analysis/schema.sql, or a scheme's own SQL):
 *     fee_wei TEXT,
 *     fee_eth REAL GENERATED ALWAYS AS (CAST(fee_wei AS REAL) / 1e18) VIRTUAL,
 * (NOT NULL on X_wei when the amount is always known.) The _eth column is computed on
 * read from the exact text, so the two never disagree and a row written by plain SQL
 * (a test, a merge) gets it too. Use X_eth for sum/avg/max/ORDER BY and plots, X_wei
 * when the exact number matters. Per-gas prices are not amounts: integer wei. */
#ifndef L2SIM_MONEY_H
#define L2SIM_MONEY_H

#include <sqlite3.h>
#include "sim/util.h"

/* The generated-column expression of X_eth, for C code that builds table SQL:
 * "fee_eth REAL GENERATED ALWAYS AS (" MONEY_ETH_OF("fee_wei") ") VIRTUAL". */
#define MONEY_ETH_OF(wei_col) "CAST(" wei_col " AS REAL) / 1e18"

/* Bind `wei` to parameter `col` (the X_wei column of a pair) as exact decimal text. */
void money_bind(sqlite3_stmt *stmt, int col, u128 wei);

/* Checked arithmetic: true and the result in *out; false (and *out untouched) when the
 * exact result does not fit u128 (2^128-1 wei, 3.4e20 ETH). The caller names the
 * amount in its failure (world_fail: "the fee of transfer 12 overflows ..."). */
bool money_add(u128 a, u128 b, u128 *out /* OUT */);
bool money_mul(u128 a, u128 b, u128 *out /* OUT */);

#endif

/* money.c — exact wei amounts: checked u128 arithmetic and the binding of X_wei. */
#include "sim/money.h"

void money_bind(sqlite3_stmt *stmt, int col, u128 wei)
{
    char buf[41];
    size_t n = u128_fmt(wei, buf);
    sqlite3_bind_text(stmt, col, buf, (int)n, SQLITE_TRANSIENT);
}

bool money_add(u128 a, u128 b, u128 *out)
{
    u128 r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool money_mul(u128 a, u128 b, u128 *out)
{
    u128 r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

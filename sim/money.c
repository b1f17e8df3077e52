/* money.c — exact wei amounts: checked u128 arithmetic and the binding of X_wei. */
#include "sim/money.h"

#include <string.h>

void money_bind(sqlite3_stmt *stmt, int col, u128 wei)
{
    char buf[41];
    sqlite3_bind_text(stmt, col, u128_str(wei, buf), -1, SQLITE_TRANSIENT);
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

/* 2^256 - 1, the largest amount an X_wei column holds (the EVM's word). */
static const char max256[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

bool money_text_valid(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > sizeof max256 - 1 || (n > 1 && text[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    /* equal lengths of digits without leading zeros compare as numbers */
    return n < sizeof max256 - 1 || strcmp(text, max256) <= 0;
}

/* bisection.c — the bisection state machine (see bisection.h). Halving the range
 * (lo, hi] each move, never leaving a part longer than ceil(len / 2), is what bounds
 * the game at ceil(log2 n) moves. */
#include "models/rollup/bisection.h"

#include "sim/util.h"

void bisection_start(struct bisection *g, uint64_t n)
{
    SIM_ASSERT(n >= 1);
    g->lo = 0, g->hi = n, g->moves = 0;
}

bool bisection_done(const struct bisection *g)
{
    return g->hi - g->lo == 1;
}

uint64_t bisection_midpoint(const struct bisection *g)
{
    SIM_ASSERT(!bisection_done(g));
    /* ceil of the middle: the part kept after either answer is at most ceil(len/2) */
    return g->lo + (g->hi - g->lo + 1) / 2;
}

void bisection_answer(struct bisection *g, bool challenger_agrees)
{
    uint64_t m = bisection_midpoint(g);
    if (challenger_agrees)
        g->lo = m;
    else
        g->hi = m;
    g->moves++;
}

uint64_t bisection_step(const struct bisection *g)
{
    SIM_ASSERT(bisection_done(g));
    return g->lo;
}

unsigned bisection_max_moves(uint64_t n)
{
    unsigned k = 0;
    while (k < 64 && ((uint64_t)1 << k) < n)
        k++;
    return k;
}

/* bisection.h — the interactive bisection of an optimistic rollup's dispute: a
 * claimant has asserted the execution trace of a batch (the state root after each of
 * its n transfers) and a challenger disputes the last root. Both agree on root 0
 * (the state before the batch) and disagree on root n. Each move, the claimant
 * states its root at the midpoint of the disputed range and the challenger says
 * whether it agrees: agreement moves the range's start there, disagreement its end.
 * After at most ceil(log2 n) moves the range is one step, transfer `lo`, whose
 * pre-state root both accept and whose post-state root they dispute: the step the
 * one-step proof (one_step.h) settles on L1. This is the shape of Arbitrum's
 * original dissection game with a branching factor of two, and of the OP Stack's
 * fault dispute game over a trace (there with a max depth of 73 and clocks, which
 * the scheme adds around this core). Pure state machine: who pays for a move and
 * when it lands on L1 is the scheme's. */
#ifndef L2SIM_ROLLUP_BISECTION_H
#define L2SIM_ROLLUP_BISECTION_H

#include <stdbool.h>
#include <stdint.h>

struct bisection {
    uint64_t lo;      /* root index both sides agree on */
    uint64_t hi;      /* root index they dispute; hi > lo */
    unsigned moves;   /* moves made so far */
};

/* A dispute over a trace of n >= 1 steps (roots 0 .. n): agreed at 0, disputed at n. */
void bisection_start(struct bisection *g, uint64_t n);

/* True when the range is a single step: the one-step proof's turn. */
bool bisection_done(const struct bisection *g);

/* The root index the claimant must state next: the midpoint of (lo, hi). Only
 * before bisection_done. */
uint64_t bisection_midpoint(const struct bisection *g);

/* The challenger's answer to the claimant's root at the midpoint: one move. */
void bisection_answer(struct bisection *g, bool challenger_agrees);

/* The disputed step once done: transfer index lo, from root lo to root lo + 1. */
uint64_t bisection_step(const struct bisection *g);

/* The most moves a trace of n steps can take: ceil(log2 n). */
unsigned bisection_max_moves(uint64_t n);

#endif

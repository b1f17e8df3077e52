/* study_mpi.h — a sweep distributed over the ranks of an MPI job (only in l2sim-mpi,
 * built when Open MPI is installed). Rank 0 plans (validating every point), sends the
 * scenario to the other ranks, hands them plan items one at a time as they finish,
 * receives each run as a small SQLite database and merges it into the output in plan
 * order: the output equals a serial `l2sim sweep` (wall-clock columns aside). */
#ifndef L2SIM_STUDY_MPI_H
#define L2SIM_STUDY_MPI_H

#include "models/run/study.h"

/* Run the plan of `a` across MPI_COMM_WORLD into db (written by rank 0 only); workers
 * keep each run in a temporary database under tmpdir until it is sent. Calls MPI_Init
 * and MPI_Finalize. Returns the exit status: 0 every run completed, 1 a run failed or
 * was interrupted (or the database failed), 2 bad input (rank 0 prints the messages). */
int study_mpi_sweep(const struct study_args *a, const char *db, const char *tmpdir,
                    const struct study_hooks *h);

#endif

/* version.h — the l2sim version and the git revision it was built from (set by the
 * Makefile), recorded in every run row. */
#ifndef L2SIM_VERSION_H
#define L2SIM_VERSION_H
#define L2SIM_VERSION "0.1.0"
#ifndef L2SIM_GIT_REV
#define L2SIM_GIT_REV "unknown"
#endif
#endif

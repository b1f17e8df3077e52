/* scheme_l1.h — the L1 baseline's declarations (scheme_l1_decl.c), for its
 * scheme_ops in scheme_l1.c. Private to models/l1/. */
#ifndef L2SIM_SCHEME_L1_H
#define L2SIM_SCHEME_L1_H

#include "models/model.h"

extern const struct scheme_report scheme_l1_report;
extern const struct scheme_costs scheme_l1_costs;   /* scheme_l1_decl.c */
void scheme_l1_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                        struct scheme_estimate *out);

#endif

/* scheme_channels.h — what the scheme `channels` (scheme_channels.c) declares beside its
 * protocol code (scheme_channels_decl.c): parameters, tables and views, metrics,
 * report, size estimate. Private to models/channel/. */
#ifndef L2SIM_SCHEME_CHANNELS_H
#define L2SIM_SCHEME_CHANNELS_H

#include "models/model.h"

extern const struct store_sql scheme_channels_sql;
extern const struct scheme_report scheme_channels_report;
void scheme_channels_metrics(const struct metrics_scope *m);
void scheme_channels_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                              struct scheme_estimate *out);

/* The scheme itself (registry.c). */
extern const struct scheme_ops scheme_channels_ops;

#endif

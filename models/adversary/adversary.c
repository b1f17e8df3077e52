/* adversary.c — the attacks table writer shared by every adversary. */
#include "models/adversary/adversary.h"

void adversary_record(struct adversary *a, const struct attack_row *r)
{
    struct world *w = a->world;
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO attacks(run_id, world, adversary, type, target, start_us, end_us,"
        " spent_wei, value_at_risk_wei, value_lost_wei, detected, detect_us, resolved_us,"
        " blocks_affected, txs_affected, delay_imposed_us, detail)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, r->start);
    sqlite3_bind_int64(s, 7, r->end);
    store_bind_u128(s, 8, r->spent);
    store_bind_u128(s, 9, r->value_at_risk);
    store_bind_u128(s, 10, r->value_lost);
    sqlite3_bind_int(s, 11, r->detected);
    if (r->detected)
        sqlite3_bind_int64(s, 12, r->detect);
    if (r->detected && r->resolved > 0)
        sqlite3_bind_int64(s, 13, r->resolved);
    sqlite3_bind_int64(s, 14, (sqlite3_int64)r->blocks_affected);
    sqlite3_bind_int64(s, 15, (sqlite3_int64)r->txs_affected);
    sqlite3_bind_int64(s, 16, r->delay_us);
    sqlite3_bind_text(s, 17, r->detail, -1, SQLITE_STATIC);
    store_step(w->store, s);
}
